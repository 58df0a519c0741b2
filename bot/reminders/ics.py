"""Upcoming events as an iCalendar file (the `/calendar` attachment and `python -m bot ics`).

The icalendar library writes the time zones (VTIMEZONE) so a recurring 18:00 meeting stays at
18:00 local in every calendar app, across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from icalendar import Calendar, vRecur
from icalendar import Event as CalendarEvent

from bot.reminders.event import Event

PRODID = "-//forum-prep-bot//Sacramento//EN"


def calendar_bytes(
    events: Iterable[Event], now: datetime, length: timedelta = timedelta(hours=2)
) -> bytes:
    """Events with an occurrence after `now`; one-off events already over are left out. Each
    lasts its own `duration`, else `length`: calendar apps want an end time."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Forum prep")
    first = now.date()
    for event in sorted(events, key=lambda e: e.id):
        if event.next_occurrence(now) is None:
            continue
        first = min(first, event.starts.date())
        item = CalendarEvent()
        item.add("uid", f"{event.id}@forum-prep-bot")
        item.add("dtstamp", now)
        item.add("dtstart", event.starts)
        item.add("dtend", event.starts + (event.duration or length))
        item.add("summary", event.title)
        if event.location:
            item.add("location", event.location)
        if event.url:
            item.add("url", event.url)
        if event.recurrence:
            rule = event.recurrence.removeprefix("RRULE:")
            item.add("rrule", vRecur.from_ical(rule))
        calendar.add_component(item)
    # the zones' rules from the first event for 30 years, without the library's note that the
    # block "only works" between two dates, which reads like a fault to whoever opens the file
    calendar.add_missing_timezones(first, date(now.year + 30, 1, 1))
    for zone in calendar.walk("VTIMEZONE"):
        zone.pop("COMMENT", None)
    return bytes(calendar.to_ical())
