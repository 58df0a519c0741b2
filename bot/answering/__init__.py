"""Answering a question from the knowledge: reading and checking `knowledge/*.yaml`
(knowledge), the words engine (matcher, char_model), the meaning engine (semantic), the fitted
decider that fuses them into three bands (bands, bands.json) and the own-case referral
(personal). Nothing here imports the chat, the reminders, the store or an adapter."""
