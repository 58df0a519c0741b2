"""The conversation: routing an Incoming message to the command or question that handles it,
who may use which command, and the replies (core), and the organizers' event commands
(event_commands). It sees platforms only through `bot.messages` and the Adapter protocol."""
