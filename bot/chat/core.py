"""Core.handle(Incoming) → replies: a command with its permissions, or a question to answer.

The core imports no platform. Later features add commands with `register`, so this file does
not grow with every feature.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from difflib import get_close_matches
from functools import partial
from typing import Any, TypeVar

from bot.answering.bands import REFERRAL, SUGGEST
from bot.answering.knowledge import Entry, KnowledgeHolder
from bot.answering.matcher import Match, Matcher
from bot.answering.normalise import MAX_INPUT, detect_language, fold, terms
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.messages import MAX_ACTION, Button, Incoming, Reply, Role
from bot.store import Store, StoreError
from bot.texts import LANGUAGES, text
from bot.yamlcheck import ordered

log = logging.getLogger(__name__)

CommandHandler = Callable[["Context"], Awaitable[list[Reply]]]
URGENT_TAG = "urgent"
WHEN_TAG = "when"  # "when is the next meeting": the schedule's next event goes under the answer
_GREETINGS = frozenset({"hi", "hello", "hey", "hola", "buenas", "buenos dias", "start", "help"})
_MAX_RELATED_BUTTONS = 2
_MAX_REMEMBERED_CHATS = 10_000
_SHOWN_PROBLEMS = 10  # in a rejected reload's notice; `validate` lists them all
K = TypeVar("K")
V = TypeVar("V")


def _keep(memory: OrderedDict[K, V], key: K, value: V) -> None:
    """Remember `value` as the newest, forgetting the oldest past _MAX_REMEMBERED_CHATS: what
    is kept per chat in memory stays bounded however many chats write."""
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > _MAX_REMEMBERED_CHATS:
        memory.popitem(last=False)


FLOOD_MESSAGES, FLOOD_SECONDS = 8, 10.0  # per person; more gets one notice, then silence


@dataclass(frozen=True, slots=True)
class Context:
    """What a command handler gets: the message, its arguments, the language to reply in."""

    msg: Incoming
    command: str
    args: str
    lang: str


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: CommandHandler
    role: Role | None = None  # None: anyone
    listed: bool = True


class Core:
    def __init__(
        self,
        config: Config,
        knowledge: KnowledgeHolder,
        matcher: Matcher,
        store: Store | None,
        clock: Clock | None = None,
        *,
        record: bool = True,
    ) -> None:
        self.config = config
        self.knowledge = knowledge
        self.matcher = matcher
        self.store = store
        self.clock = clock or SystemClock()
        self.record = record
        self.commands: dict[str, Command] = {}
        # chat → id of the last entry answered there, for /sources and /wrong (no text kept)
        self._last: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._background: set[asyncio.Task[None]] = set()  # kept, so none is collected early
        # chat → its /lang choice (None: none), so answering needs no database read
        self._languages: OrderedDict[tuple[str, str], str | None] = OrderedDict()
        # chat → the language its last message was written in (by its words), for messages
        # whose words do not say, such as "ICE?"
        self._spoken: OrderedDict[tuple[str, str], str] = OrderedDict()
        # token → ("Did you mean" question, language) until a button is tapped: no chat, no
        # person, so the choice is recorded for the report without saying who asked
        self._offered: OrderedDict[str, tuple[str, str]] = OrderedDict()
        # lang → the next scheduled event in a sentence, or None; set by the reminders feature
        self.schedule_note: Callable[[str], str | None] | None = None
        # questions handed to the model and not yet answered; past matcher.queue, words alone
        self._waiting = 0
        self._shedding = False
        self._words = ThreadPoolExecutor(1, thread_name_prefix="words")
        # person → times of their recent messages, in memory only, for the flood limit
        self._recent: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        for name, handler, role in (
            ("start", self._start, None),
            ("help", self._help, None),
            ("lang", self._lang, None),
            ("sources", self._sources, None),
            ("privacy", self._privacy, None),
            ("wrong", self._wrong, None),
            ("ask", self._ask, None),
            ("forget", self._forget, None),
            ("reload", self._reload, Role.MODERATOR),
        ):
            self.register(name, handler, role)

    def register(
        self, name: str, handler: CommandHandler, role: Role | None = None, *, listed: bool = True
    ) -> None:
        self.commands[name] = Command(name, handler, role, listed)

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Never raises: one bad message must not stop the bot."""
        try:
            flood = self._flooding(msg)
            if flood is not None:
                return flood
            if msg.action:
                return await self._action(msg)
            body = msg.text[:MAX_INPUT].strip()
            if body.startswith("/"):
                return await self._command(msg, body)
            return await self.answer(msg, body)
        except Exception:
            log.exception("failed to handle a message on %s", msg.channel.platform)
            return [Reply(text("busy", "en"), "en")]

    async def language(
        self, msg: Incoming, body: str = "", *, said: str | None = None
    ) -> str | None:
        """A /lang choice wins, then the words (`said`, when the caller detected it already),
        then the language the chat last wrote in, then the platform locale; None if none
        says."""
        chosen = await self._chosen_language(msg)
        if chosen:
            return chosen
        said = said or detect_language(body)
        if said:
            return said
        locale = (msg.language or "")[:2].lower()
        spoken = self._spoken.get((msg.channel.platform, msg.channel.chat_id))
        return spoken or (locale if locale in LANGUAGES else None)

    async def answer(self, msg: Incoming, body: str) -> list[Reply]:
        said = detect_language(body)
        lang = await self.language(msg, said=said)
        if said:  # questions only: a command's id is not a language
            _keep(self._spoken, (msg.channel.platform, msg.channel.chat_id), said)
        if self.matcher.embedder is None:
            match, reply = self.respond(body, lang)
        elif self._waiting >= self.matcher.config.queue:
            # a burst: the model answers one question at a time, so the rest would queue for
            # seconds; the words alone answer them at once (about 1 ms each), in one worker
            # thread: on the loop, hundreds in a row would hold it; in many threads, their
            # fight for the GIL would
            if not self._shedding:
                self._shedding = True
                log.info("model busy: answering with words alone until it catches up")
            shed = partial(self.respond, body, lang, words_only=True)
            match, reply = await asyncio.get_running_loop().run_in_executor(self._words, shed)
        else:  # embedding the question takes 10-20 ms: never on the event loop
            self._waiting += 1
            try:
                match, reply = await asyncio.to_thread(self.respond, body, lang)
            finally:
                self._waiting -= 1
            if self._shedding and not self._waiting:
                self._shedding = False
                log.info("model caught up: answering with words and meaning")
        if match is None:
            return [reply]
        log.info(
            "question band=%s matched=%s entry=%s score=%.3f lang=%s",
            match.band,
            match.matched,
            match.best.entry.id if match.best else None,
            match.score,
            match.lang,
        )
        if match.matched and match.best:
            self._remember(msg, match.best.entry.id)
            reply = self._with_schedule(reply, match.best.entry)
        if match.band == REFERRAL:
            return [reply]  # someone's own case: its words are never kept
        if not match.matched:  # in the background: a busy database must not delay the answer
            self._in_background(self.record_unanswered(match), "record-unanswered")
        return [reply]

    def _in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def respond(
        self, body: str, lang: str | None, *, words_only: bool = False
    ) -> tuple[Match | None, Reply]:
        """The answer to `body`, without I/O; Match is None for greetings and empty text.

        `lang` is the reply's language when known; otherwise the best match's language decides.
        """
        folded = fold(body)
        if folded in _GREETINGS or not terms(folded):
            key = "start" if folded in _GREETINGS else "empty"
            lang = lang or detect_language(body) or "en"  # "hola" greets in Spanish
            return None, Reply(text(key, lang), lang)
        match = self.matcher.match(self.knowledge.snapshot, body, lang, words_only=words_only)
        if match.band == REFERRAL:
            return match, self.referral_reply(match)
        if match.matched and match.best:
            return match, self.entry_reply(match.best.entry, match.lang)
        return match, self.abstain_reply(match)

    def complete(self, partial: str, lang: str, limit: int = 25) -> list[str]:
        """Entry questions to offer while someone is still typing (Discord's autocomplete):
        those containing what was typed first, then the engine's ranking of it."""
        snapshot = self.knowledge.snapshot
        typed = fold(partial[:MAX_INPUT])

        def question(entry: Entry) -> str:
            return entry.text(lang if lang in entry.texts else "en").question

        found = [e for e in snapshot.entries if typed in fold(question(e))]
        if terms(typed):
            found += [s.entry for s in self.matcher.rank(snapshot, partial)]
        return list(dict.fromkeys(question(e) for e in found))[:limit]

    def entry_reply(self, entry: Entry, lang: str) -> Reply:
        lang = (
            lang
            if lang in entry.texts
            else "en"
            if "en" in entry.texts
            else next(iter(entry.texts))
        )
        content = entry.text(lang)
        body = content.answer
        if URGENT_TAG in entry.tags:
            body = self._with_contacts(body, lang)
        snapshot = self.knowledge.snapshot
        related = [snapshot.by_id[r] for r in entry.related if r in snapshot.by_id]
        buttons = [
            Button(text("helpful_yes", lang), f"fb:yes:{entry.id}"),
            Button(text("helpful_no", lang), f"fb:no:{entry.id}"),
            *(Button(r.text(lang).question, f"ask:{r.id}") for r in related[:_MAX_RELATED_BUTTONS]),
        ]
        return Reply(
            body,
            lang,
            title=content.question,
            sources=entry.sources,
            reviewed=entry.reviewed,
            buttons=tuple(buttons),
        )

    def abstain_reply(self, match: Match) -> Reply:
        lang = match.lang
        if match.suggestions:
            token = self._offer(match.question, lang)
            buttons = tuple(
                Button(e.text(lang).question, _ask_action(e.id, token)) for e in match.suggestions
            )
            if match.band == SUGGEST:
                body = text("did_you_mean_question", lang, question=buttons[0].label)
            else:
                body = f"{text('abstain', lang)} {text('abstain_suggest', lang)}"
            return Reply(body, lang, buttons=buttons)
        return Reply(f"{text('abstain', lang)} {text('abstain_topics', lang)}", lang)

    def _with_schedule(self, reply: Reply, entry: Entry) -> Reply:
        """A "when" answer with the next scheduled event under it. On the event loop: the
        schedule changes there, never in the worker thread that ranks questions."""
        if WHEN_TAG not in entry.tags or self.schedule_note is None:
            return reply
        note = self.schedule_note(reply.lang)
        return replace(reply, text=f"{reply.text}\n\n{note}") if note else reply

    def _offer(self, question: str, lang: str) -> str:
        token = secrets.token_hex(4)
        _keep(self._offered, token, (question, lang))
        return token

    def referral_reply(self, match: Match) -> Reply:
        """Someone's own case: the general rule when the engine is sure of it, that their case
        needs a lawyer or accredited representative now, and where to find free help."""
        lang = match.lang
        rule = self.entry_reply(match.best.entry, lang) if match.matched and match.best else None
        parts = [match.best.entry.text(rule.lang).answer] if rule and match.best else []
        parts.append(text("referral", lang))
        help_lines = [
            text(f"contact_{key}", lang, value=value)
            for key in ("rapid_response", "legal_help")
            if (value := self.config.contacts.get(key))
        ]
        parts.append("\n".join([*help_lines, text("urgent_no_contacts", lang)]))
        if rule:
            return replace(rule, text="\n\n".join(parts), buttons=())
        return Reply("\n\n".join(parts), lang)

    def _with_contacts(self, body: str, lang: str) -> str:
        lines = [
            text(f"contact_{key}", lang, value=value)
            for key in ("rapid_response", "legal_help")
            if (value := self.config.contacts.get(key))
        ]
        if not lines:  # the answer says "contacts below": never leave that empty
            return "\n\n".join([body, text("urgent_no_contacts", lang)])
        return "\n\n".join([body, "\n".join([text("urgent_contacts", lang), *lines])])

    async def settle(self) -> None:
        """Wait for background writes, e.g. before the database closes."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def record_unanswered(self, match: Match) -> None:
        if not (self.record and self.store):
            return
        try:
            await self.store.record_unanswered(match.question, match.lang, self.clock.now().date())
        except StoreError as exc:
            log.warning("unanswered question not recorded: %s", exc)

    async def record_choice(self, question: str, lang: str, entry_id: str) -> None:
        if not (self.record and self.store):
            return
        try:
            await self.store.record_choice(question, lang, entry_id, self.clock.now().date())
        except StoreError as exc:
            log.warning("choice not recorded: %s", exc)

    async def _command(self, msg: Incoming, body: str) -> list[Reply]:
        head, _, args = body[1:].partition(" ")
        name = head.split("@", 1)[0].lower()  # "/help@ThisBot" in Telegram groups
        lang = await self.language(msg, args) or "en"
        command = self.commands.get(name)
        if command is None:
            names = [c for c in self.commands if self.commands[c].listed]
            close = get_close_matches(name, names, n=1)
            hint = text("did_you_mean", lang, command=f"/{close[0]}") if close else ""
            return [Reply(text("unknown_command", lang, command=f"/{name}", hint=hint), lang)]
        if command.role and command.role not in msg.roles:
            who = text(f"who_{command.role.value}", lang)
            refusal = text(
                "not_allowed", lang, who=who, command=f"/{name}", how=text("how_roles", lang)
            )
            return [Reply(refusal, lang, private=True)]
        return await self._run(command.handler, Context(msg, name, args.strip(), lang))

    async def _run(self, handler: CommandHandler, ctx: Context) -> list[Reply]:
        """A command whose storage is out of reach says so in the person's language: nothing
        they saved is lost and trying again later works (tests/test_faults.py)."""
        try:
            return await handler(ctx)
        except StoreError as exc:
            log.warning("/%s: %s", ctx.command, exc)
            return [Reply(text("store_unavailable", ctx.lang), ctx.lang, private=True)]

    async def _action(self, msg: Incoming) -> list[Reply]:
        kind, _, rest = (msg.action or "").partition(":")
        lang = await self.language(msg) or "en"
        if kind == "ask":  # "ask:<entry>" or, after "Did you mean", "ask:<entry>:<token>"
            entry_id, _, token = rest.partition(":")
            entry = self.knowledge.snapshot.by_id.get(entry_id)
            if entry:
                self._remember(msg, entry.id)
                offered = self._offered.pop(token, None)
                if offered:
                    self._in_background(self.record_choice(*offered, entry.id), "record-choice")
                return [self._with_schedule(self.entry_reply(entry, lang), entry)]
            return [Reply(text("abstain", lang), lang)]
        if kind == "fb":
            verdict, _, entry_id = rest.partition(":")
            return await self._feedback(entry_id, verdict == "yes", lang)
        handler = self.commands.get(kind)
        if handler:  # buttons may also run a command, e.g. "going:<event>"
            return await self._run(handler.handler, Context(msg, kind, rest, lang))
        log.warning("unknown button action %s", kind)
        return []

    async def _feedback(self, entry_id: str, helpful: bool, lang: str) -> list[Reply]:
        if entry_id not in self.knowledge.snapshot.by_id:
            return [Reply(text("no_last_answer", lang), lang, private=True)]
        if self.store:
            try:
                await self.store.record_feedback(entry_id, helpful, self.clock.now().date())
            except StoreError as exc:
                log.warning("feedback not recorded: %s", exc)
        log.info("feedback entry=%s helpful=%s", entry_id, helpful)
        key = "feedback_thanks_yes" if helpful else "feedback_thanks"
        return [Reply(text(key, lang), lang, private=True)]

    def _flooding(self, msg: Incoming) -> list[Reply] | None:
        """None when the message may go on; else the one notice (first time) or silence."""
        if msg.channel.platform == "console":
            return None
        key = (msg.channel.platform, msg.user_id)
        now = self.clock.now().timestamp()
        recent = [t for t in self._recent.pop(key, []) if now - t < FLOOD_SECONDS]
        recent.append(now)
        _keep(self._recent, key, recent)
        if len(recent) <= FLOOD_MESSAGES:
            return None
        if len(recent) == FLOOD_MESSAGES + 1:
            log.info("flood limit reached on %s", msg.channel.platform)
            lang = msg.language[:2] if msg.language else "en"
            return [Reply(text("slow_down", lang), lang, private=True)]
        return []

    def _remember(self, msg: Incoming, entry_id: str) -> None:
        key = (msg.channel.platform, msg.channel.chat_id)
        _keep(self._last, key, entry_id)

    async def _chosen_language(self, msg: Incoming) -> str | None:
        """The chat's /lang choice, read once and then kept in memory (a few bytes a chat)."""
        key = (msg.channel.platform, msg.channel.chat_id)
        if key in self._languages:
            return self._languages[key]
        if not self.store:
            return None
        try:
            chosen = await self.store.language(*key)
        except StoreError as exc:
            log.warning("language choice unavailable: %s", exc)
            return None
        _keep(self._languages, key, chosen)
        return chosen

    # Built-in commands ------------------------------------------------------------------

    async def _start(self, ctx: Context) -> list[Reply]:
        """`/start <entry-id>` (a t.me deep link on a flyer) opens that one answer."""
        entry = self.knowledge.snapshot.by_id.get(ctx.args.strip().lower())
        if entry:  # an id says nothing about language: the chat's choice or locale does
            self._remember(ctx.msg, entry.id)
            return [self.entry_reply(entry, await self.language(ctx.msg) or "en")]
        return [Reply(text("start", ctx.lang), ctx.lang)]

    async def _help(self, ctx: Context) -> list[Reply]:
        extra = "".join(
            text(f"help_{role.value}", ctx.lang) for role in Role if role in ctx.msg.roles
        )
        return [Reply(text("help", ctx.lang, extra=extra), ctx.lang, private=True)]

    async def _privacy(self, ctx: Context) -> list[Reply]:
        days = self.config.retention.days
        return [Reply(text("privacy", ctx.lang, retention=days), ctx.lang, private=True)]

    async def _lang(self, ctx: Context) -> list[Reply]:
        choice = ctx.args.lower()[:2]
        if choice not in LANGUAGES or not self.store:
            return [Reply(text("lang_usage", ctx.lang), ctx.lang)]
        try:
            await self.store.set_language(ctx.msg.channel.platform, ctx.msg.channel.chat_id, choice)
            _keep(self._languages, (ctx.msg.channel.platform, ctx.msg.channel.chat_id), choice)
        except StoreError as exc:
            log.warning("language choice not saved: %s", exc)
            return [Reply(text("busy", ctx.lang), ctx.lang)]
        return [Reply(text("lang_set", choice), choice)]

    async def _sources(self, ctx: Context) -> list[Reply]:
        entry_id = self._last.get((ctx.msg.channel.platform, ctx.msg.channel.chat_id))
        entry = self.knowledge.snapshot.by_id.get(entry_id or "")
        if entry is None:
            return [Reply(text("no_last_answer", ctx.lang), ctx.lang)]
        return [
            Reply(
                entry.text(ctx.lang).question,
                ctx.lang,
                sources=entry.sources,
                reviewed=entry.reviewed,
            )
        ]

    async def _wrong(self, ctx: Context) -> list[Reply]:
        entry_id = self._last.get((ctx.msg.channel.platform, ctx.msg.channel.chat_id))
        if entry_id is None:
            return [Reply(text("no_last_answer", ctx.lang), ctx.lang)]
        return await self._feedback(entry_id, False, ctx.lang)

    async def _ask(self, ctx: Context) -> list[Reply]:
        if not ctx.args:
            return [Reply(text("empty", ctx.lang), ctx.lang)]
        return await self.answer(ctx.msg, ctx.args)

    async def _forget(self, ctx: Context) -> list[Reply]:
        self._last.pop((ctx.msg.channel.platform, ctx.msg.channel.chat_id), None)
        self._languages.pop((ctx.msg.channel.platform, ctx.msg.channel.chat_id), None)
        if self.store:
            try:
                await self.store.forget(
                    ctx.msg.channel.platform, ctx.msg.channel.chat_id, ctx.msg.user_id
                )
            except StoreError as exc:
                log.warning("forget failed: %s", exc)
                return [Reply(text("busy", ctx.lang), ctx.lang, private=True)]
        return [Reply(text("forgotten", ctx.lang), ctx.lang, private=True)]

    async def _reload(self, ctx: Context) -> list[Reply]:
        return [Reply(await self.reload_report(ctx.lang), ctx.lang, private=True)]

    async def reload_report(self, lang: str) -> str:
        """Reload now and say what happened, in words a moderator can act on."""
        result = await asyncio.to_thread(self.knowledge.reload)
        if result.errors:
            errors = ordered(result.errors)
            shown = "\n".join(str(p) for p in errors[:_SHOWN_PROBLEMS])
            if len(errors) > _SHOWN_PROBLEMS:
                more = text("and_more", lang, count=len(errors) - _SHOWN_PROBLEMS)
                shown = f"{shown}\n{more}"
            return text(
                "reload_failed",
                lang,
                count=len(result.errors),
                entries=len(self.knowledge.snapshot.entries),
                problems=shown,
            )
        warnings = (
            text("reload_warnings", lang, count=len(result.warnings)) if result.warnings else ""
        )
        return text("reloaded", lang, count=len(result.snapshot.entries), warnings=warnings)


def _ask_action(entry_id: str, token: str) -> str:
    """The button that answers `entry_id`, carrying the token when it fits the platforms."""
    action = f"ask:{entry_id}:{token}"
    return action if len(action.encode()) <= MAX_ACTION else f"ask:{entry_id}"
