"""Answering a question from the knowledge: reading and checking `knowledge/*.yaml`
(knowledge), the words engine (normalise, index, char_model), the meaning engine (semantic),
the matcher that fuses them into three bands with the fitted decider (matcher, bands,
bands.json) and the own-case referral (personal). Nothing here imports the chat, the
reminders, the store or an adapter."""
