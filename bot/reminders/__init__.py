"""Meetings and reminders: the one Event and the checks every way of making one goes through
(event), recurrence rules (recurrence), schedule files read into checked Events
(schedule_files), what is due and to whom, with RSVPs and organizers' changes (calendar), when
to look (scheduler: APScheduler decides only when), sending exactly once through the delivery
ledger (outbox), and calendar files (ics). Nothing here imports the chat or a concrete adapter."""
