"""Meetings and reminders: schedule files and their one Event (schedule_files), what is due
and to whom, with RSVPs (calendar), when to look (scheduler: APScheduler decides only when),
sending exactly once through the delivery ledger (outbox), and calendar files (ics). Nothing
here imports the chat or a concrete adapter."""
