"""What is due at clock.now(), and to whom; and the changes people make through the chat
(organizers add, edit, cancel and post events; members RSVP and subscribe), each checked by
event.py and followed by a reload. APScheduler (scheduler.py) only decides when to call
`tick()`; the events come from schedules/ and the database, so nothing goes stale.

On every tick, each reminder whose time has come is sent if it is at most `reminders.grace`
late, or recorded as skipped when later than that (the bot was down). The ledger in the
Outbox makes a second send of the same reminder to the same chat impossible.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.config import Config, resolve_target
from bot.database import StoreError
from bot.messages import ChannelRef
from bot.reminders.event import (
    Draft,
    Event,
    FieldError,
    RefusedError,
    check_event,
    items,
    new_event,
    read_recurrence,
    with_changes,
    zone_of,
)
from bot.reminders.ics import calendar_bytes
from bot.reminders.outbox import Outbox, destination
from bot.reminders.reminder_text import reminder_reply
from bot.reminders.schedule_files import duplicate_id, load_schedules, schedule_files
from bot.schema import TO_CHECK, DeliveryKey, DeliveryStatus, from_iso, iso
from bot.store import Store
from bot.yamlcheck import Problem

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=2)  # missed reminders older than this are neither sent nor listed
SEND_CONCURRENCY = 8
POST_WINDOW = timedelta(minutes=5)  # /event post: retried this long, then given up


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A reminder not known to have arrived, as /event status lists it."""

    status: DeliveryStatus  # as people are told it (a claim never marked is uncertain)
    event_id: str
    occurrence: str
    offset: timedelta
    destination: str
    detail: str


@dataclass(frozen=True, slots=True)
class Due:
    event: Event
    occurrence: datetime  # UTC
    offset: timedelta

    @property
    def at(self) -> datetime:
        return self.occurrence - self.offset


def event_from_row(row: Mapping[str, object], targets: Mapping[str, Any]) -> Event:
    """An event organizers made in chat, as stored. FieldError (a ValueError) when it fails
    the checks it passed when made (the config's targets may have changed since), so the
    loader leaves that one out and says why."""
    timezone = str(row["timezone"])
    starts = from_iso(str(row["starts"]))
    if starts.utcoffset() is None:
        raise FieldError("field_no_offset", starts=row["starts"])
    recurrence = str(row["recurrence"]) if row.get("recurrence") else None
    event = Event(
        id=str(row["id"]),
        title=str(row["title"]),
        starts=starts.astimezone(zone_of(timezone)),
        timezone=timezone,
        location=str(row["location"]) if row.get("location") else None,
        url=str(row["url"]) if row.get("url") else None,
        recurrence=read_recurrence(recurrence) if recurrence else None,
        remind=tuple(timedelta(seconds=int(s)) for s in items(str(row["remind"]))),
        targets=tuple(items(str(row["targets"]))),
        file="chat",
    )
    if problems := check_event(event, targets):
        raise FieldError("field_stored", problems="; ".join(str(p) for p in problems))
    return event


def event_row(event: Event) -> dict[str, object]:
    return {
        "id": event.id,
        "title": event.title,
        "starts": iso(event.starts),
        "timezone": event.timezone,
        "location": event.location,
        "url": event.url,
        "recurrence": event.recurrence,
        "remind": ",".join(str(int(r.total_seconds())) for r in event.remind),
        "targets": ",".join(event.targets),
        "cancelled": False,
    }


class Reminders:
    def __init__(self, config: Config, store: Store, outbox: Outbox, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.outbox = outbox
        self.clock = clock
        self.file_events: tuple[Event, ...] = ()
        self.chat_events: tuple[Event, ...] = ()
        self.going: dict[str, int] = {}
        self._problems: tuple[Problem, ...] = ()
        self._by_file: dict[str, tuple[Event, ...]] = {}  # each file's last good events
        # platforms not connected now: their reminders wait unclaimed for the next sweep
        self.down: set[str] = set()
        # called after an organizer's change has loaded (the scheduler plans its next job)
        self.on_change: Callable[[], None] | None = None

    @property
    def events(self) -> dict[str, Event]:
        return {e.id: e for e in (*self.file_events, *self.chat_events)}

    async def load(self) -> None:
        """Read schedules/ and the database again. A mistake costs only its own events: an
        event with an error keeps its last good version (a new one waits until it is fixed),
        a file that cannot be read keeps all its last good events, and every other change
        loads."""
        events, problems = await asyncio.to_thread(self._read_files)
        if problems != self._problems:  # said once, not at every sweep
            for problem in problems:
                log.warning("schedules: %s", problem)
            self._problems = problems
        self.file_events = events
        rows = await self.store.load_events()
        chat_events = []
        for row in rows:
            try:
                chat_events.append(event_from_row(row, self.config.targets))
            except (ValueError, KeyError) as exc:  # the others load; this one is said once a sweep
                log.warning("stored event %s left out: %s", row.get("id"), exc)
        self.chat_events = tuple(chat_events)
        self.going = await self.store.going_counts()
        await self.outbox.load_moves()

    def _read_files(self) -> tuple[tuple[Event, ...], tuple[Problem, ...]]:
        """File by file, so one file's mistake never holds back another's changes."""
        problems: list[Problem] = []
        by_file: dict[str, tuple[Event, ...]] = {}
        for file in schedule_files(self.config.schedules_dir):
            result = load_schedules(
                [file],
                targets=self.config.targets,
                default_timezone=self.config.timezone,
                now=self.clock.now(),
            )
            problems += result.problems
            before = {e.id: e for e in self._by_file.get(str(file), ())}
            if any(p.unreadable for p in result.problems):
                kept = tuple(before.values())
            else:
                kept = (*result.events, *(before[i] for i in result.broken if i in before))
            if result.errors and before:
                log.info("schedules: %s has errors; its last good events stay", file)
            by_file[str(file)] = kept
        self._by_file = by_file
        events: dict[str, Event] = {}
        for name, kept in by_file.items():
            for event in kept:
                if first := events.get(event.id):  # the first file wins, as in `validate`
                    where = (name, event.line)
                    problems.append(duplicate_id(event.id, where, (first.file, first.line)))
                    continue
                events[event.id] = event
        return tuple(events.values()), tuple(problems)

    def upcoming(
        self, after: datetime | None = None, limit: int = 10
    ) -> list[tuple[Event, datetime]]:
        """The next occurrences of every event (from now, unless `after`), soonest first."""
        after = after or self.clock.now()
        found = [
            (event, when)
            for event in self.events.values()
            if (when := event.next_occurrence(after)) is not None
        ]
        return sorted(found, key=lambda pair: pair[1])[:limit]

    def due_between(self, start: datetime, end: datetime) -> list[Due]:
        """Reminders whose send time falls in [start, end), oldest first."""
        found = []
        for event in self.events.values():
            if not event.remind:
                continue
            longest = max(event.remind)
            for occurrence in event.occurrences(start, end + longest):
                for offset in event.remind:
                    due = Due(event, occurrence, offset)
                    if start <= due.at < end:
                        found.append(due)
        return sorted(found, key=lambda d: d.at)

    def next_due(self, after: datetime, horizon: timedelta = timedelta(days=1)) -> datetime | None:
        due = self.due_between(after, after + horizon)
        return due[0].at if due else None

    async def tick(self) -> None:
        """Send what is due now; record as skipped what is past the grace window."""
        now = self.clock.now()
        for due in self.due_between(now - LOOKBACK, now + timedelta(microseconds=1)):
            late = now - due.at
            if late <= self.config.grace:
                await self.send(
                    due.event, due.occurrence, due.offset, deadline=due.at + self.config.grace
                )
            else:
                for channel, _ in await self.destinations(due.event):
                    key = DeliveryKey(
                        due.event.id, due.occurrence, due.offset, destination(channel)
                    )
                    await self.outbox.skip(
                        key, f"{late} late, past the grace of {self.config.grace}"
                    )

    async def destinations(self, event: Event) -> list[tuple[ChannelRef, str]]:
        """The event's targets (each group or channel), then every subscriber's direct chat."""
        chats = self._target_chats(event)
        try:
            subscribers = await self.store.subscribers()
        except StoreError as exc:
            log.warning("subscribers unavailable: %s", exc)
            subscribers = []
        for platform, chat_id, lang in subscribers:
            channel = ChannelRef(platform, chat_id, private=True)
            chats.setdefault(destination(channel), (channel, lang))
        return list(chats.values())

    def _target_chats(self, event: Event) -> dict[str, tuple[ChannelRef, str]]:
        """Each chat the event's targets reach, once, with the language its target asks for."""
        chats: dict[str, tuple[ChannelRef, str]] = {}
        for name in event.targets:
            for channel in resolve_target(self.config, name):
                spec = self.config.targets.get(name)
                lang = str(spec.get("lang", "both")) if isinstance(spec, dict) else "both"
                chats.setdefault(destination(channel), (channel, lang))
        return chats

    async def send(
        self, event: Event, occurrence: datetime, offset: timedelta, deadline: datetime
    ) -> dict[str, int]:
        """Deliver one reminder to every destination, a few at a time; counts by outcome."""
        outcomes: dict[str, int] = {}
        limit = asyncio.Semaphore(SEND_CONCURRENCY)

        async def one(channel: ChannelRef, lang: str) -> None:
            if channel.platform in self.down:  # not claimed: sent when it is back, in grace
                outcomes["waiting"] = outcomes.get("waiting", 0) + 1
                return
            async with limit:
                key = DeliveryKey(event.id, occurrence, offset, destination(channel))
                reply = reminder_reply(event, occurrence, lang, self.going.get(event.id, 0))
                try:
                    outcome = str(await self.outbox.deliver(key, channel, reply, deadline))
                except StoreError as exc:
                    # One destination's ledger write failing must not cancel the others'
                    # sends. Unclaimed, the next sweep sends it; claimed, it reads as uncertain.
                    log.warning("reminder %s to %s: %s", event.id, channel.platform, exc)
                    outcome = "store error"
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

        async with asyncio.TaskGroup() as tg:
            for channel, lang in await self.destinations(event):
                tg.create_task(one(channel, lang))
        log.info("reminder %s at %s: %s", event.id, iso(occurrence), outcomes)
        return outcomes

    # What organizers and members change ----------------------------------------------------

    async def add(self, draft: Draft) -> Event:
        """A new event made in chat: checked (RefusedError says why not), saved, scheduled. Its
        id comes from the title and date, numbered when a chat event has it already."""
        event = new_event(
            draft,
            targets=self.config.targets,
            default_timezone=self.config.timezone,
            now=self.clock.now(),
        )
        if event.id in {e.id for e in self.file_events}:
            raise RefusedError("event_id_taken", event=event.id)
        base, n = event.id, 2
        while event.id in self.events:
            event = replace(event, id=f"{base}-{n}")
            n += 1
        await self.store.save_event(event_row(event))
        await self._changed()
        return event

    async def edit(self, event_id: str, changes: Mapping[str, str]) -> Event:
        """Set fields of an event made in chat from text (see event.with_changes); its pending
        reminders follow."""
        event = with_changes(
            self._chat_event(event_id), changes, targets=self.config.targets, now=self.clock.now()
        )
        await self.store.save_event(event_row(event))
        await self._changed()
        return event

    async def cancel(self, event_id: str) -> Event:
        """Cancel an event made in chat; its pending reminders go with it."""
        event = self._chat_event(event_id)
        await self.store.cancel_event(event.id)
        await self._changed()
        return event

    async def post_now(self, event_id: str) -> int:
        """The announcement of the next occurrence to the event's targets now (the chats its
        scheduled reminders reach, without the subscribers), each once; how many got it."""
        event = self.events.get(event_id)
        if event is None:
            raise RefusedError("no_such_event", event=event_id)
        now = self.clock.now()
        when = event.next_occurrence(now) or event.starts
        sent = 0
        for channel, lang in self._target_chats(event).values():
            key = DeliveryKey(f"{event.id}#post", now, timedelta(0), destination(channel))
            reply = reminder_reply(event, when, lang, self.going.get(event.id, 0))
            outcome = await self.outbox.deliver(key, channel, reply, now + POST_WINDOW)
            sent += outcome == DeliveryStatus.SENT
        return sent

    async def rsvp(self, event_id: str, platform: str, user_id: str, going: bool) -> bool:
        """Record that someone is (or is not) going; False when there is no such event."""
        if event_id not in self.events:
            return False
        await self.store.set_going(event_id, platform, user_id, going)
        self.going = await self.store.going_counts()
        return True

    async def subscribe(self, channel: ChannelRef, lang: str) -> bool:
        """Reminders to this direct chat from now on; False when it had them already."""
        return await self.store.subscribe(channel.platform, channel.chat_id, lang)

    async def unsubscribe(self, channel: ChannelRef) -> None:
        await self.store.unsubscribe(channel.platform, channel.chat_id)

    async def listing(self, limit: int = 10) -> list[tuple[Event, datetime, int]]:
        """The next occurrences, soonest first, each with how many are going (counted now)."""
        upcoming = self.upcoming(limit=limit)
        if upcoming:
            self.going = await self.store.going_counts()
        return [(event, when, self.going.get(event.id, 0)) for event, when in upcoming]

    async def undelivered(self, limit: int = 30) -> list[Undelivered]:
        """Reminders not known to have arrived (uncertain, failed, skipped), newest first."""
        rows = await self.store.deliveries_by_status(*TO_CHECK)
        return [
            Undelivered(
                DeliveryStatus(row["status"]).shown,
                str(row["event_id"]),
                str(row["occurrence"]),
                timedelta(seconds=row["offset_s"]),
                str(row["destination"]),
                str(row["detail"]) if row.get("detail") else "",
            )
            for row in rows[:limit]
        ]

    def calendar_file(self) -> bytes:
        """The upcoming events as an iCalendar file."""
        return calendar_bytes(self.events.values(), self.clock.now(), self.config.event_length)

    def _chat_event(self, event_id: str) -> Event:
        event = self.events.get(event_id)
        if event is None:
            raise RefusedError("no_such_event", event=event_id)
        if event.file != "chat":
            raise RefusedError("event_in_file", event=event_id, file=event.file, line=event.line)
        return event

    async def _changed(self) -> None:
        await self.load()
        if self.on_change is not None:
            self.on_change()
