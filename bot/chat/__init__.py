"""The conversation: routing an Incoming message to the command or question that handles it,
who may use which command, and the replies (core), the command registry (commands), and the
event commands (event_commands: arguments into calls on bot.reminders, results into replies).
It sees platforms only through `bot.messages` and the Adapter protocol."""
