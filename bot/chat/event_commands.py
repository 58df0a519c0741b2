"""Chat commands for meetings and reminders: organizers' /event, members' /next, /events,
/subscribe, /unsubscribe, /calendar, /going, /notgoing. Registered on the Core at build time.

Translation only: each handler turns its checked arguments (`ctx.params`) into one call on
`Reminders` and the result into a reply in the chat's language. What an event may be, where
reminders go and what they say live in bot/reminders/.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.chat.commands import CommandHandler, Context
from bot.chat.core import Core
from bot.database import StoreError
from bot.messages import Attachment, Reply
from bot.reminders.calendar import Reminders
from bot.reminders.event import Draft, Event, RefusedError, offset_text
from bot.reminders.reminder_text import moment, next_reply
from bot.texts import text

log = logging.getLogger(__name__)

_LIST_LIMIT = 10
# /event edit's words (the registry's EDIT_FIELDS) → the Event's fields
_EDITS = {
    "title": "title",
    "when": "starts",
    "remind": "remind",
    "to": "targets",
    "at": "location",
    "url": "url",
    "every": "recurrence",
}


class EventCommands:
    def __init__(self, core: Core, reminders: Reminders) -> None:
        self.reminders = reminders
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
        core.openers.append(self.open_event)

    def open_event(self, event_id: str, lang: str) -> Reply | None:
        """`/start EVENT-ID` (an event's flyer): the event as /next shows it."""
        event = self.reminders.events.get(event_id)
        when = event.next_occurrence(self.reminders.clock.now()) if event else None
        return next_reply(event, when, lang) if event and when else None

    def schedule_note(self, lang: str) -> str | None:
        upcoming = self.reminders.upcoming(limit=1)
        if not upcoming:
            return None
        event, when = upcoming[0]
        return text("schedule_note", lang, title=event.title, when=moment(event, when, lang).shown)

    # Members ----------------------------------------------------------------------------

    async def next(self, ctx: Context) -> list[Reply]:
        upcoming = self.reminders.upcoming(limit=1)
        if not upcoming:
            return [Reply(text("no_events", ctx.lang), ctx.lang)]
        event, when = upcoming[0]
        return [next_reply(event, when, ctx.lang)]

    async def events(self, ctx: Context) -> list[Reply]:
        upcoming = self.reminders.upcoming(limit=_LIST_LIMIT)
        if not upcoming:
            return [Reply(text("no_events", ctx.lang), ctx.lang)]
        lines = [text("events_head", ctx.lang)]
        moments = []
        for event, when in upcoming:
            moments.append(moment(event, when, ctx.lang))
            lines.append(f"- {moments[-1].shown}: {event.title} ({event.id})")
        return [Reply("\n".join(lines), ctx.lang, moments=tuple(moments))]

    async def subscribe(self, ctx: Context) -> list[Reply]:
        if not ctx.msg.channel.private:
            return [Reply(text("subscribe_in_private", ctx.lang), ctx.lang, private=True)]
        new = await self.reminders.subscribe(ctx.msg.channel, ctx.lang)
        key = "subscribed" if new else "already_subscribed"
        return [Reply(text(key, ctx.lang), ctx.lang, private=True)]

    async def unsubscribe(self, ctx: Context) -> list[Reply]:
        await self.reminders.unsubscribe(ctx.msg.channel)
        return [Reply(text("unsubscribed", ctx.lang), ctx.lang, private=True)]

    async def calendar(self, ctx: Context) -> list[Reply]:
        data = self.reminders.calendar_file()
        attachment = Attachment("forum-prep-events.ics", data, "text/calendar")
        return [Reply(text("calendar", ctx.lang), ctx.lang, attachment=attachment)]

    async def going(self, ctx: Context) -> list[Reply]:
        return await self._rsvp(ctx, going=True)

    async def notgoing(self, ctx: Context) -> list[Reply]:
        return await self._rsvp(ctx, going=False)

    async def _rsvp(self, ctx: Context, *, going: bool) -> list[Reply]:
        event_id, msg = ctx.params["event"], ctx.msg
        if not await self.reminders.rsvp(event_id, msg.channel.platform, msg.user_id, going):
            return [Reply(text("unknown_event", ctx.lang, event=event_id), ctx.lang, private=True)]
        key = "going_yes" if going else "going_no"
        return [Reply(text(key, ctx.lang, event=event_id), ctx.lang, private=True)]

    # Organizers -------------------------------------------------------------------------

    def _organizer(self, step: Callable[[Context], Awaitable[str]]) -> CommandHandler:
        """An /event subcommand: its outcome in a sentence, or why nothing was changed."""

        async def handler(ctx: Context) -> list[Reply]:
            try:
                message = await step(ctx)
            except RefusedError as exc:
                message = exc.text(ctx.lang)
            except StoreError as exc:
                log.warning("event command failed: %s", exc)
                message = text("event_store_down", ctx.lang)
            return [Reply(message, ctx.lang, private=True)]

        return handler

    async def _add(self, ctx: Context) -> str:
        params = ctx.params
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
        event = await self.reminders.add(draft)
        return text(
            "event_added",
            ctx.lang,
            event=event.id,
            title=event.title,
            when=moment(event, event.starts, ctx.lang).shown,
            reminders=", ".join(offset_text(r) for r in event.remind)
            or text("reminders_none", ctx.lang),
            targets=_targets(event, ctx.lang),
        )

    async def _list(self, ctx: Context) -> str:
        listing = await self.reminders.listing(limit=_LIST_LIMIT)
        if not listing:
            return text("event_list_none", ctx.lang)
        lines = [text("event_list_head", ctx.lang)]
        for event, when, going in listing:
            where = text("made_in_chat", ctx.lang) if event.file == "chat" else None
            lines.append(
                text(
                    "event_list_item",
                    ctx.lang,
                    event=event.id,
                    title=event.title,
                    when=moment(event, when, ctx.lang).shown,
                    going=going,
                    targets=_targets(event, ctx.lang),
                    where=where or f"{event.file}:{event.line}",
                )
            )
        return "\n".join(lines)

    async def _edit(self, ctx: Context) -> str:
        event_id, field = ctx.params["event"], _EDITS[ctx.params["field"]]
        await self.reminders.edit(event_id, {field: ctx.params["value"]})
        return text("event_updated", ctx.lang, event=event_id)

    async def _cancel(self, ctx: Context) -> str:
        event = await self.reminders.cancel(ctx.params["event"])
        return text("event_cancelled", ctx.lang, event=event.id, title=event.title)

    async def _post(self, ctx: Context) -> str:
        sent = await self.reminders.post_now(ctx.params["event"])
        return text("event_posted", ctx.lang, event=ctx.params["event"], count=sent)

    async def _status(self, ctx: Context) -> str:
        undelivered = await self.reminders.undelivered()
        if not undelivered:
            return text("status_clear", ctx.lang)
        lines = [text("status_head", ctx.lang)]
        for item in undelivered:
            lines.append(
                text(
                    "status_item",
                    ctx.lang,
                    status=text(f"delivery_{item.status}", ctx.lang),
                    event=item.event_id,
                    occurrence=item.occurrence,
                    offset=offset_text(item.offset),
                    destination=item.destination,
                    detail=f": {item.detail}" if item.detail else "",
                )
            )
        return "\n".join(lines)


def _targets(event: Event, lang: str) -> str:
    return ", ".join(event.targets) or text("subscribers_only", lang)
