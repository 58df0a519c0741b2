"""/comment: a coach for a two-minute public comment, and /cancel. It structures, times and
cites; it never writes the argument for the person.

Steps (buttons on Discord and Telegram, numbers on the console): a topic → talking points from
the knowledge with their sources and an outline → "time my draft", after which the chat's next
plain message is the draft (taken through Core.takers, never seen by the answer engine) → its
words, speaking time, what to cut, the interpreter's double time → where and by when.

Privacy: a draft lives only in this object's memory, for one person in one chat, for at most
KEEP after it was sent; /cancel and /forget drop it at once. It is never stored or logged.

Several processes on one database (`database.shared`): that a draft is awaited from this
person in this chat (never the draft) is kept in the database, so whichever process the draft
reaches times it, and no process takes it for a question (which could put it in the
unanswered-questions report). The session itself, and the draft once timed, stay in the
memory of the process that holds them: a later step elsewhere asks for the draft again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.answering.knowledge import Entry
from bot.chat import speaking
from bot.chat.chat_state import MAX_REMEMBERED
from bot.chat.commands import Context
from bot.chat.core import Core
from bot.database import StoreError
from bot.messages import Button, Incoming, Moment, Reply, Source
from bot.reminders.calendar import Reminders
from bot.reminders.event import Event
from bot.reminders.reminder_text import moment as moment_of
from bot.texts import text

log = logging.getLogger(__name__)

# topic → (the knowledge tag its talking points come from, tags whose entries come first)
TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ice-holds": ("detainers", ("sb54", "truth-act")),
    "truth-forum": ("forum", ("forum-prep", "basics")),
    "sb54": ("sb54", ("basics", "detainers")),
    "other": ("public-comment", ("forum-prep",)),
}
# never talking points: someone's own case, urgent help, and dates (those are "where and when")
_NOT_POINTS = frozenset({"own-case", "urgent", "when"})
POINTS = 4  # talking points a topic gets (3 to 5)
_POINT_WORDS = (8, 45)  # a point: an answer's first sentence of 8 to 45 words
KEEP = timedelta(minutes=30)  # the longest a draft (or an idle session) stays in memory
MAX_DRAFT = 5_000  # characters; two minutes is about 1,700. Longer is refused unread
LIMIT_ENTRY = "bos-time-limits"  # the knowledge entry that states the speaker limit
LIMIT_SECONDS = 120  # what that entry says (2 minutes); the Chair may change it per meeting
BOARD_EVENT_PREFIX = "bos-"  # schedule ids of Board meetings (schedules/examples.yaml's template)
WHERE_ENTRIES = ("bos-speak-in-person", "bos-ecomment")  # sources of "where and by when"
LAW = Source(
    "Cal. Gov. Code § 54954.3",
    "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=GOV&sectionNum=54954.3",
)
Key = tuple[str, str, str]  # platform, chat, person


@dataclass
class Session:
    lang: str
    touched: datetime
    drafting: bool = False  # the next plain message is the draft
    draft: str | None = None
    draft_at: datetime | None = None


class CommentCoach:
    def __init__(self, core: Core, reminders: Reminders | None = None) -> None:
        self.core = core
        self.reminders = reminders
        self._sessions: OrderedDict[Key, Session] = OrderedDict()
        core.register("comment", self.comment)
        core.register("cancel", self.cancel)
        core.takers.append(self)

    # Core.takers ------------------------------------------------------------------------

    async def take(self, msg: Incoming) -> list[Reply] | None:
        session = self._session(msg)
        if self.core.state.shared:  # the database says whether a draft is awaited
            lang = await self._awaited(msg, session)
            if lang is None:
                if session:  # taken elsewhere, cancelled elsewhere, or expired
                    session.drafting = False
                return None
            session = session or self._start(msg, lang)
            session.drafting = True
        if not (session and session.drafting):
            return None
        replies = await self._receive(session, msg.text)
        if session.drafting:  # refused (too long, no words): still awaited, wherever it goes
            await self._await_draft(msg, session.lang)
        return replies

    def drop(self, msg: Incoming) -> None:
        self._sessions.pop(_key(msg), None)

    # Commands ---------------------------------------------------------------------------

    async def comment(self, ctx: Context) -> list[Reply]:
        step = ctx.params.get("step", "").strip().lower()
        session = self._session(ctx.msg) or self._start(ctx.msg, ctx.lang)
        session.lang = ctx.lang
        if not step:
            session.drafting = False
            await self._await_draft(ctx.msg, None)
            return [self._topics(ctx.lang)]
        if step in TOPICS:
            return [self._points(step, ctx.lang)]
        if step == "draft":
            session.drafting = True
            await self._await_draft(ctx.msg, ctx.lang)
            return [Reply(text("comment_ask_draft", ctx.lang), ctx.lang, private=True)]
        if step == "where":
            return [self._where(ctx.lang)]
        if step == "interpreter":
            if session.draft is None:
                session.drafting = True
                await self._await_draft(ctx.msg, ctx.lang)
                ask = f"{text('comment_no_draft', ctx.lang)}\n{text('comment_ask_draft', ctx.lang)}"
                return [Reply(ask, ctx.lang, private=True)]
            return [self._timing(session, interpreter=True)]
        return [Reply(text("comment_unknown_step", ctx.lang, word=step), ctx.lang)]

    async def cancel(self, ctx: Context) -> list[Reply]:
        held = self._sessions.pop(_key(ctx.msg), None) is not None
        held = await self._await_draft(ctx.msg, None) or held
        key = "comment_cancelled" if held else "comment_nothing_to_cancel"
        return [Reply(text(key, ctx.lang), ctx.lang, private=True)]

    # Steps ------------------------------------------------------------------------------

    async def _receive(self, session: Session, draft: str) -> list[Reply]:
        """The draft: refused unread when far too long, asked again when it has no words."""
        lang = session.lang
        if len(draft) > MAX_DRAFT:
            fits = speaking.words_within(LIMIT_SECONDS)
            limit = speaking.duration(LIMIT_SECONDS)
            too_big = text("comment_too_big", lang, chars=f"{len(draft):,}", limit=limit, fits=fits)
            return [Reply(too_big, lang, private=True)]
        if not speaking.count_words(draft):
            return [Reply(text("comment_no_words", lang), lang, private=True)]
        session.draft, session.draft_at, session.drafting = draft, self.core.clock.now(), False
        return [self._timing(session)]

    def _topics(self, lang: str) -> Reply:
        buttons = tuple(Button(text(f"comment_topic_{t}", lang), f"comment:{t}") for t in TOPICS)
        return Reply(text("comment_intro", lang), lang, buttons=buttons, private=True)

    def _points(self, topic: str, lang: str) -> Reply:
        tag, first = TOPICS[topic]
        entries = sorted(
            (e for e in self.core.knowledge.snapshot.entries if tag in e.tags),
            key=lambda e: next((i for i, t in enumerate(first) if t in e.tags), len(first)),
        )
        points: list[str] = []
        sources: dict[str, Source] = {}
        for entry in entries:
            point = _point(entry, lang)
            if point and not entry.tags & _NOT_POINTS and len(points) < POINTS:
                points.append(f"- {point}")
                sources.update((s.url, s) for s in entry.sources)
        label = text(f"comment_topic_{topic}", lang)
        points = points or [text("comment_no_points", lang)]
        body = "\n".join(
            [text("comment_points", lang, topic=label), *points, "", text("comment_outline", lang)]
        )
        buttons = (
            Button(text("comment_button_draft", lang), "comment:draft"),
            Button(text("comment_button_where", lang), "comment:where"),
        )
        return Reply(body, lang, sources=tuple(sources.values()), buttons=buttons, private=True)

    def _timing(self, session: Session, *, interpreter: bool = False) -> Reply:
        lang, draft = session.lang, session.draft or ""
        words = speaking.count_words(draft)
        said = speaking.seconds_to_say(words)
        limit = LIMIT_SECONDS * (2 if interpreter else 1)
        lines = [
            text(
                "comment_timing",
                lang,
                words=words,
                time=speaking.duration(said),
                rate=speaking.WORDS_PER_MINUTE,
            ),
            text(
                "comment_limit",
                lang,
                limit=speaking.duration(LIMIT_SECONDS),
                checked=self._limit_checked(),
            ),
        ]
        if interpreter:
            key = "comment_interpreter_fits" if said <= limit else "comment_interpreter_over"
            over = speaking.duration(said - limit)
            lines.append(
                text(
                    key,
                    lang,
                    double=speaking.duration(limit),
                    time=speaking.duration(said),
                    over=over,
                )
            )
        else:
            lines += self._fit(draft, words, said, lang)
            lines.append(
                text(
                    "comment_interpreter",
                    lang,
                    limit=speaking.duration(LIMIT_SECONDS),
                    double=speaking.duration(2 * LIMIT_SECONDS),
                )
            )
        lines.append(text("comment_spanish_rate", lang) if lang == "es" else "")
        lines.append(text("comment_kept", lang, until=self._until(session)))
        buttons = (
            Button(text("comment_button_draft", lang), "comment:draft"),
            Button(text("comment_button_interpreter", lang), "comment:interpreter"),
            Button(text("comment_button_where", lang), "comment:where"),
        )
        body = "\n\n".join(line for line in lines if line)
        return Reply(body, lang, sources=self._timing_sources(lang), buttons=buttons, private=True)

    def _fit(self, draft: str, words: int, said: int, lang: str) -> list[str]:
        if said <= LIMIT_SECONDS:
            return [text("comment_fits", lang, spare=speaking.duration(LIMIT_SECONDS - said))]
        keep = speaking.words_within(LIMIT_SECONDS)
        cut = words - keep
        lines = [
            text(
                "comment_too_long",
                lang,
                over=speaking.duration(said - LIMIT_SECONDS),
                cut=cut,
                keep=keep,
            )
        ]
        named = [
            text("comment_cut_line", lang, start=s.opening, words=s.words)
            for s in speaking.sentences_to_cut(draft, cut)
        ]
        lines.append("\n".join([text("comment_cut_these", lang), *named]))
        lines.append(text("comment_cut_ecomment", lang))
        return lines

    def _where(self, lang: str) -> Reply:
        lines = [text("comment_where_head", lang)]
        moments: tuple[Moment, ...] = ()
        meeting = self._next_board_meeting()
        if meeting and self.reminders:
            event, when = meeting
            moment = moment_of(event, when, lang)
            moments = (moment,)
            lines.append(text("comment_next_meeting", lang, when=moment.shown, title=event.title))
        else:
            lines.append(text("comment_no_meeting", lang))
        lines += [text("comment_in_person", lang), text("comment_ecomment", lang)]
        sources: dict[str, Source] = {}
        for entry_id in WHERE_ENTRIES:
            entry = self.core.knowledge.snapshot.by_id.get(entry_id)
            sources.update((s.url, s) for s in (entry.sources if entry else ()))
        return Reply("\n\n".join(lines), lang, sources=tuple(sources.values()), moments=moments)

    # Helpers ----------------------------------------------------------------------------

    async def _await_draft(self, msg: Incoming, lang: str | None) -> bool:
        """Shared: note in the database that a draft is awaited (in `lang`), or that none is
        (None; True when one was). One process: nothing to do, memory says it."""
        store = self.core.store
        if not (self.core.state.shared and store):
            return False
        where = (msg.channel.platform, msg.channel.chat_id, msg.user_id)
        try:
            if lang is None:
                return await store.take_drafting(*where, self.core.clock.now() - KEEP) is not None
            await store.set_drafting(*where, lang, self.core.clock.now())
        except StoreError as exc:  # this process still knows; another would take a question
            log.warning("/comment: draft awaited not shared: %s", exc)
        return False

    async def _awaited(self, msg: Incoming, session: Session | None) -> str | None:
        """The language of the draft awaited from this person here, taken from the database;
        out of reach, this process's memory decides, as for one process."""
        store = self.core.store
        if store is None:
            return None
        try:
            return await store.take_drafting(
                msg.channel.platform,
                msg.channel.chat_id,
                msg.user_id,
                self.core.clock.now() - KEEP,
            )
        except StoreError as exc:
            log.warning("/comment: could not ask whether a draft is awaited: %s", exc)
            return session.lang if session and session.drafting else None

    def _next_board_meeting(self) -> tuple[Event, datetime] | None:
        if self.reminders is None:
            return None
        upcoming = self.reminders.upcoming(self.core.clock.now(), limit=MAX_REMEMBERED)
        return next(((e, w) for e, w in upcoming if e.id.startswith(BOARD_EVENT_PREFIX)), None)

    def _limit_checked(self) -> str:
        entry = self.core.knowledge.snapshot.by_id.get(LIMIT_ENTRY)
        return entry.reviewed.isoformat() if entry else "?"

    def _timing_sources(self, lang: str) -> tuple[Source, ...]:
        entry = self.core.knowledge.snapshot.by_id.get(LIMIT_ENTRY)
        found = {s.url: s for s in (entry.sources if entry else ())}
        found.setdefault(LAW.url, LAW)
        rate = [*speaking.RATE_SOURCES, *([speaking.SPANISH_RATE_SOURCE] if lang == "es" else [])]
        found.update((url, Source(title, url)) for title, url in rate)
        return tuple(found.values())

    def _until(self, session: Session) -> str:
        at = (session.draft_at or self.core.clock.now()) + KEEP
        return f"{at.astimezone(ZoneInfo(self.core.config.timezone)):%H:%M %Z}"

    def _start(self, msg: Incoming, lang: str) -> Session:
        session = Session(lang, self.core.clock.now())
        self._sessions[_key(msg)] = session
        while len(self._sessions) > MAX_REMEMBERED:
            self._sessions.popitem(last=False)
        return session

    def _session(self, msg: Incoming) -> Session | None:
        """This person's live session in this chat, touched; expired ones are dropped first
        (the oldest touched are at the front), and a draft older than KEEP is dropped."""
        now = self.core.clock.now()
        while self._sessions:
            oldest = next(iter(self._sessions.values()))
            if now - oldest.touched < KEEP:
                break
            self._sessions.popitem(last=False)
        session = self._sessions.get(_key(msg))
        if session is None:
            return None
        if session.draft_at and now - session.draft_at >= KEEP:
            session.draft = session.draft_at = None
        session.touched = now
        self._sessions.move_to_end(_key(msg))
        return session


def _key(msg: Incoming) -> Key:
    return (msg.channel.platform, msg.channel.chat_id, msg.user_id)


def _point(entry: Entry, lang: str) -> str | None:
    """The entry's first sentence long enough to stand alone ("Yes." does not), if it is
    short enough to say."""
    for sentence in speaking.sentences(entry.text(lang).answer.replace("\n", " ")):
        words = speaking.count_words(sentence)
        if words >= _POINT_WORDS[0]:  # a later sentence may lean on this one: none or this
            return sentence if words <= _POINT_WORDS[1] else None
    return None
