"""The conversation: the command registry (commands), routing an Incoming message to its
command or question (core), the chat's own commands (chat_commands), per-chat memory
(chat_state), rendering answers (replies), the event commands (event_commands: arguments into
calls on bot.reminders, results into replies) and the public-comment coach (comment_coach,
speaking). It sees platforms only through `bot.messages` and the Adapter protocol."""
