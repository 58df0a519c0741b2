"""Upcoming events as an iCalendar file (the `/calendar` attachment and `python -m bot ics`).

The icalendar library writes the time zones (VTIMEZONE) so a recurring 18:00 meeting stays at
18:00 local in every calendar app, across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, vRecur
from icalendar import Event as CalendarEvent

from bot.schedules import Event

PRODID = "-//forum-prep-bot//Sacramento//EN"


def calendar_bytes(events: Iterable[Event], now: datetime) -> bytes:
    """Events with an occurrence after `now`; one-off events already over are left out."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Forum prep")
    for event in sorted(events, key=lambda e: e.id):
        if event.next_occurrence(now) is None:
            continue
        item = CalendarEvent()
        item.add("uid", f"{event.id}@forum-prep-bot")
        item.add("dtstamp", now)
        item.add("dtstart", event.starts)
        item.add("summary", event.title)
        if event.location:
            item.add("location", event.location)
        if event.url:
            item.add("url", event.url)
        if event.recurrence:
            rule = event.recurrence.removeprefix("RRULE:")
            item.add("rrule", vRecur.from_ical(rule))
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
