"""Chat commands for meetings and reminders: organizers' /event, members' /next, /events,
/subscribe, /unsubscribe, /calendar, /going, /notgoing. Registered on the Core at build time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.chat.core import CommandHandler, Context, Core
from bot.config import resolve_target
from bot.messages import Attachment, Reply
from bot.reminders.calendar import Reminders, event_row, format_when
from bot.reminders.event import (
    Draft,
    Event,
    RefusedError,
    new_event,
    offset_text,
    with_changes,
)
from bot.reminders.ics import calendar_bytes
from bot.reminders.outbox import destination
from bot.store import TO_CHECK, DeliveryKey, DeliveryStatus, StoreError
from bot.texts import text

log = logging.getLogger(__name__)

_LIST_LIMIT = 10
# /event edit's words for the fields of an Event
_EDITS = {
    "title": "title",
    "when": "starts",
    "remind": "remind",
    "to": "targets",
    "at": "location",
    "url": "url",
    "every": "recurrence",
}


class EventCommandError(ValueError):
    """A malformed organizer command; the message says how to write it."""


class EventCommands:
    def __init__(self, core: Core, reminders: Reminders, on_change: Callable[[], Awaitable[None]]):
        self.core = core
        self.reminders = reminders
        self.config = core.config
        self.store = reminders.store
        self.clock = core.clock
        self._on_change = on_change
        for path, handler in (
            ("next", self.next),
            ("events", self.events),
            ("subscribe", self.subscribe),
            ("unsubscribe", self.unsubscribe),
            ("calendar", self.calendar),
            ("going", self.going),
            ("notgoing", self.notgoing),
            ("event add", self._organizer(self._add)),
            ("event list", self._organizer(self._list)),
            ("event edit", self._organizer(self._edit)),
            ("event cancel", self._organizer(self._cancel)),
            ("event post", self._organizer(self._post)),
            ("event status", self._organizer(self._status)),
        ):
            core.register(path, handler)
        core.schedule_note = self.schedule_note

    def schedule_note(self, lang: str) -> str | None:
        upcoming = self.reminders.upcoming(self.clock.now(), limit=1)
        if not upcoming:
            return None
        event, when = upcoming[0]
        shown = self.reminders.moment(event, when, lang).shown
        return text("schedule_note", lang, title=event.title, when=shown)

    # Members ----------------------------------------------------------------------------

    async def next(self, ctx: Context) -> list[Reply]:
        upcoming = self.reminders.upcoming(self.clock.now(), limit=1)
        if not upcoming:
            return [Reply(text("no_events", ctx.lang), ctx.lang)]
        event, when = upcoming[0]
        body = "\n".join(
            [
                self.reminders.describe(event, when, ctx.lang).split("\n", 1)[1],
                text("next_comment", ctx.lang),
            ]
        )
        reminder = self.reminders.reminder_reply(event, when, ctx.lang)
        return [
            Reply(
                f"{text('next_head', ctx.lang, title=event.title)}\n{body}",
                ctx.lang,
                title=event.title,
                buttons=reminder.buttons,
                moments=reminder.moments,
            )
        ]

    async def events(self, ctx: Context) -> list[Reply]:
        upcoming = self.reminders.upcoming(self.clock.now(), limit=_LIST_LIMIT)
        if not upcoming:
            return [Reply(text("no_events", ctx.lang), ctx.lang)]
        lines = [text("events_head", ctx.lang)]
        moments = []
        for event, when in upcoming:
            moments.append(self.reminders.moment(event, when, ctx.lang))
            lines.append(f"- {moments[-1].shown}: {event.title} ({event.id})")
        return [Reply("\n".join(lines), ctx.lang, moments=tuple(moments))]

    async def subscribe(self, ctx: Context) -> list[Reply]:
        if not ctx.msg.channel.private:
            return [Reply(text("subscribe_in_private", ctx.lang), ctx.lang, private=True)]
        channel = ctx.msg.channel
        new = await self.store.subscribe(channel.platform, channel.chat_id, ctx.lang)
        key = "subscribed" if new else "already_subscribed"
        return [Reply(text(key, ctx.lang), ctx.lang, private=True)]

    async def unsubscribe(self, ctx: Context) -> list[Reply]:
        await self.store.unsubscribe(ctx.msg.channel.platform, ctx.msg.channel.chat_id)
        return [Reply(text("unsubscribed", ctx.lang), ctx.lang, private=True)]

    async def calendar(self, ctx: Context) -> list[Reply]:
        events = self.reminders.events.values()
        data = calendar_bytes(events, self.clock.now(), self.reminders.config.event_length)
        attachment = Attachment("forum-prep-events.ics", data, "text/calendar")
        return [Reply(text("calendar", ctx.lang), ctx.lang, attachment=attachment)]

    async def going(self, ctx: Context) -> list[Reply]:
        return await self._rsvp(ctx, going=True)

    async def notgoing(self, ctx: Context) -> list[Reply]:
        return await self._rsvp(ctx, going=False)

    async def _rsvp(self, ctx: Context, *, going: bool) -> list[Reply]:
        event_id = ctx.params["event"]
        if event_id not in self.reminders.events:
            return [Reply(text("unknown_event", ctx.lang, event=event_id), ctx.lang, private=True)]
        await self.store.set_going(event_id, ctx.msg.channel.platform, ctx.msg.user_id, going)
        self.reminders.going = await self.store.going_counts()
        key = "going_yes" if going else "going_no"
        return [Reply(text(key, ctx.lang, event=event_id), ctx.lang, private=True)]

    # Organizers -------------------------------------------------------------------------

    def _organizer(self, step: Callable[[Mapping[str, str]], Awaitable[str]]) -> CommandHandler:
        """An /event subcommand: its one-sentence outcome, or why nothing was changed."""

        async def handler(ctx: Context) -> list[Reply]:
            try:
                message = await step(ctx.params)
            except EventCommandError as exc:
                message = str(exc)
            except RefusedError as exc:
                message = exc.text("en")
            except StoreError as exc:
                log.warning("event command failed: %s", exc)
                message = (
                    "The database is not available right now; nothing was changed. Try again soon."
                )
            return [Reply(message, "en", private=True)]

        return handler

    async def _add(self, params: Mapping[str, str]) -> str:
        event = self.parse_add(params)
        if event.id in {e.id for e in self.reminders.file_events}:
            raise EventCommandError(f"An event in schedules/ already has the id {event.id}.")
        ids = set(self.reminders.events)
        base, n = event.id, 2
        while event.id in ids:
            event = replace(event, id=f"{base}-{n}")
            n += 1
        await self.store.save_event(event_row(event))
        await self._on_change()
        local = event.starts.astimezone(ZoneInfo(event.timezone))
        reminders = ", ".join(offset_text(r) for r in event.remind) or "none"
        return (
            f"Added {event.id}: {event.title}, {format_when(local, 'en')}. "
            f"Reminders {reminders} before, to {', '.join(event.targets)}."
        )

    def parse_add(self, params: Mapping[str, str]) -> Event:
        draft = Draft(
            title=params["title"],
            starts=f"{params['date']} {params['time']}",
            timezone=params.get("timezone"),
            remind=params.get("remind", "1d,2h"),
            targets=params.get("targets", "console"),
            location=params.get("location"),
            url=params.get("url"),
            recurrence=params.get("every"),
        )
        return new_event(
            draft,
            targets=self.config.targets,
            default_timezone=self.config.timezone,
            now=self.clock.now(),
        )

    async def _list(self, _params: Mapping[str, str]) -> str:
        upcoming = self.reminders.upcoming(self.clock.now(), limit=_LIST_LIMIT)
        if not upcoming:
            return "No upcoming events."
        self.reminders.going = await self.store.going_counts()
        lines = ["Upcoming events:"]
        for event, when in upcoming:
            local = when.astimezone(ZoneInfo(event.timezone))
            where = "made in chat" if event.file == "chat" else f"{event.file}:{event.line}"
            going = self.reminders.going.get(event.id, 0)
            lines.append(
                f"- {event.id}: {event.title}, {format_when(local, 'en')}; {going} going; "
                f"to {', '.join(event.targets)}; {where}"
            )
        return "\n".join(lines)

    def _chat_event(self, event_id: str) -> Event:
        event = self.reminders.events.get(event_id)
        if event is None:
            raise EventCommandError(f"No event with the id '{event_id}'. Send /event list.")
        if event.file != "chat":
            raise EventCommandError(
                f"{event_id} comes from {event.file}:{event.line}; edit that file instead "
                "(the bot reloads it)."
            )
        return event

    async def _edit(self, params: Mapping[str, str]) -> str:
        event_id, field, value = params["event"], params["field"], params["value"]
        event = self._chat_event(event_id)
        changed = with_changes(
            event, {_EDITS[field]: value}, targets=self.config.targets, now=self.clock.now()
        )
        await self.store.save_event(event_row(changed))
        await self._on_change()
        return f"Updated {event_id}; its pending reminders follow the change."

    async def _cancel(self, params: Mapping[str, str]) -> str:
        event = self._chat_event(params["event"])
        await self.store.cancel_event(event.id)
        await self._on_change()
        return f"Cancelled {event.id}: {event.title}. Its pending reminders are removed."

    async def _post(self, params: Mapping[str, str]) -> str:
        event = self.reminders.events.get(params["event"])
        if event is None:
            raise EventCommandError(f"No event with the id '{params['event']}'. Send /event list.")
        when = event.next_occurrence(self.clock.now()) or event.starts
        now = self.clock.now()
        sent = 0
        for name in event.targets:
            for channel in resolve_target(self.config, name):
                spec = self.config.targets.get(name)
                lang = str(spec.get("lang", "both")) if isinstance(spec, dict) else "both"
                key = DeliveryKey(f"{event.id}#post", now, timedelta(0), destination(channel))
                reply = self.reminders.reminder_reply(event, when, lang)
                outcome = await self.reminders.outbox.deliver(
                    key, channel, reply, now + timedelta(minutes=5)
                )
                sent += outcome == DeliveryStatus.SENT
        return f"Posted {event.id} to {sent} chat(s)."

    async def _status(self, _params: Mapping[str, str]) -> str:
        rows = await self.store.deliveries_by_status(*TO_CHECK)
        if not rows:
            return "Every reminder so far was delivered."
        lines = ["Reminders to check (newest first):"]
        for row in rows[:30]:
            status = DeliveryStatus(row["status"]).shown
            lines.append(
                f"- {status}: {row['event_id']} at {row['occurrence']} "
                f"({offset_text(timedelta(seconds=row['offset_s']))} before) "
                f"to {row['destination']}" + (f": {row['detail']}" if row.get("detail") else "")
            )
        return "\n".join(lines)
