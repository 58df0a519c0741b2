"""Core.handle(Incoming) → replies: a command with its permissions, or a question to answer.

The core imports no platform. Each command is an entry of the registry (chat/commands.py) and a
handler registered here by its path, so this file does not grow with every feature.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from difflib import get_close_matches
from functools import partial
from typing import Any, Protocol

from bot.answering.bands import REFERRAL
from bot.answering.knowledge import Entry, KnowledgeHolder
from bot.answering.matcher import Match, Matcher
from bot.answering.normalise import MAX_INPUT, detect_language, fold, terms
from bot.chat.chat_commands import ChatCommands
from bot.chat.chat_state import FLOOD_MESSAGES, ChatState, chat_of, keep
from bot.chat.commands import (
    COMMANDS,
    CommandHandler,
    Context,
    UsageError,
    group_usage,
    read_args,
)
from bot.chat.replies import abstain_reply, entry_reply, referral_reply
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.database import StoreError
from bot.messages import CommandSpec, Incoming, Reply
from bot.store import Store
from bot.texts import LANGUAGES, text

log = logging.getLogger(__name__)

WHEN_TAG = "when"  # "when is the next meeting": the schedule's next event goes under the answer
# Not questions, each with a short reply of its own ("Send me a question in words" answered a
# thank-you, and a lone "no" after "Did you mean" got suggestions of its own).
_SPANISH_ACKS = frozenset({"si", "vale", "entendido", "de acuerdo", "esta bien", "claro", "bueno"})
_SMALL_TALK = {
    **dict.fromkeys(("hi", "hello", "hey", "hola", "buenas", "buenos dias", "start", "help"),
                    "start"),
    **dict.fromkeys(("thanks", "thank you", "thank u", "thanks a lot", "thank you so much", "thx",
                     "ty", "tysm", "ok thanks", "ok thank you", "gracias", "muchas gracias",
                     "mil gracias", "ok gracias", "muchisimas gracias"), "thanks"),
    **dict.fromkeys(("ok", "okay", "k", "yes", "no", "cool", "got it", "great", *_SPANISH_ACKS),
                    "ack"),
}  # fmt: skip


class TextTaker(Protocol):
    """A feature that may take a chat's next plain message as its own input instead of a
    question (the comment coach's draft). `take` returns None to leave the message to the
    answer engine; `drop` forgets whatever it holds for this person in this chat (/forget).
    Async: with a shared database, whether a draft is awaited is asked of the database."""

    async def take(self, msg: Incoming) -> list[Reply] | None: ...

    def drop(self, msg: Incoming) -> None: ...


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
        self.specs = {spec.name: spec for spec in COMMANDS}
        self.handlers: dict[str, CommandHandler] = {}
        self.state = ChatState(store, shared=config.database_shared)
        self._background: set[asyncio.Task[None]] = set()  # kept, so none is collected early
        # features waiting for a chat's next plain message (see TextTaker), asked in order
        self.takers: list[TextTaker] = []
        # lang → the next scheduled event in a sentence, or None; set by the reminders feature
        self.schedule_note: Callable[[str], str | None] | None = None
        # (id, lang) → what `/start ID` opens when ID is no entry (an event, from a flyer)
        self.openers: list[Callable[[str, str], Reply | None]] = []
        # questions handed to the model and not yet answered; past matcher.queue, words alone
        self._waiting = 0
        self._shedding = False
        self._words = ThreadPoolExecutor(1, thread_name_prefix="words")
        ChatCommands(self)

    def register(self, path: str, handler: CommandHandler) -> None:
        """`path` names a registry entry ("next", "event add"): its role, words and parameters
        come from there, never from the code that handles it."""
        name, _, sub = path.partition(" ")
        spec = self.specs.get(name)
        if spec is None or (sub and sub not in {s.name for s in spec.subcommands}):
            raise ValueError(f"/{path} is not in the command registry (bot/chat/commands.py)")
        self.handlers[path] = handler

    def available(self) -> tuple[CommandSpec, ...]:
        """The registry's commands this core can run: what /help and the platforms' menus show
        (the reminder commands exist only when the reminders feature is built)."""

        def ready(spec: CommandSpec) -> bool:
            paths = [f"{spec.name} {s.name}" for s in spec.subcommands] or [spec.name]
            return all(path in self.handlers for path in paths)

        return tuple(spec for spec in COMMANDS if ready(spec))

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Never raises: one bad message must not stop the bot."""
        try:
            flood = self._flooding(msg)
            if flood is not None:
                return flood
            if msg.action:
                return await self._action(msg)
            if msg.args:  # typed options are as long as the platform allows: cut like text
                msg = replace(msg, args={k: v[:MAX_INPUT] for k, v in msg.args.items()})
            body = msg.text[:MAX_INPUT].strip()
            if body.startswith("/"):
                return await self._command(msg, body)
            for taker in self.takers:  # the message as sent: a taker sets its own limit
                taken = await taker.take(msg)
                if taken is not None:
                    return taken
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
        return said or detect_language(body) or self._heard_language(msg)

    def _heard_language(self, msg: Incoming) -> str | None:
        """The language the chat last wrote in, then the platform locale: no database read."""
        locale = (msg.language or "")[:2].lower()
        spoken = self.state.spoken.get(chat_of(msg.channel))
        return spoken or (locale if locale in LANGUAGES else None)

    async def answer(self, msg: Incoming, body: str) -> list[Reply]:
        said = detect_language(body)
        lang = await self.language(msg, said=said)
        if said:  # questions only: a command's id is not a language
            keep(self.state.spoken, chat_of(msg.channel), said)
        if self.matcher.embedder is None:
            # words alone (no model, or not loaded yet): 2 ms a question, 8 ms for a long
            # message: off the loop too, in the words' thread, so timers and other chats wait
            # for none of it
            words = partial(self.respond, body, lang)
            match, reply = await asyncio.get_running_loop().run_in_executor(self._words, words)
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
        await self.state.save_offers(self.clock.now())  # before its buttons can be tapped
        log.info(
            "question band=%s matched=%s entry=%s score=%.3f lang=%s",
            match.band,
            match.matched,
            match.best.entry.id if match.best else None,
            match.score,
            match.lang,
        )
        if match.matched and match.best:
            await self.state.remember(msg.channel, match.best.entry.id, self.clock.now())
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
        if folded in _SMALL_TALK or not terms(folded):
            # a lone number is a choice the adapter did not know ("7" of three); "¿dónde es?"
            # has words, none of them a subject
            key = "no_such_choice" if folded.isdigit() else _SMALL_TALK.get(folded, "empty")
            if key == "empty" and any(c.isalpha() for c in folded):
                key = "too_vague"
            said = "es" if folded in _SPANISH_ACKS else detect_language(body)
            lang = lang or said or "en"  # "hola" greets in Spanish
            return None, Reply(text(key, lang), lang)
        match = self.matcher.match(self.knowledge.snapshot, body, lang, words_only=words_only)
        snapshot, contacts = self.knowledge.snapshot, self.config.contacts
        if match.band == REFERRAL:
            return match, referral_reply(match, snapshot, contacts)
        if match.matched and match.best:
            return match, entry_reply(match.best.entry, match.lang, snapshot, contacts)
        token = self.state.offer(match.question, match.lang) if match.suggestions else ""
        return match, abstain_reply(match, token)

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
        return entry_reply(entry, lang, self.knowledge.snapshot, self.config.contacts)

    def _with_schedule(self, reply: Reply, entry: Entry) -> Reply:
        """A "when" answer with the next scheduled event under it. On the event loop: the
        schedule changes there, never in the worker thread that ranks questions."""
        if WHEN_TAG not in entry.tags or self.schedule_note is None:
            return reply
        note = self.schedule_note(reply.lang)
        return replace(reply, text=f"{reply.text}\n\n{note}") if note else reply

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
        head, _, typed = body[1:].partition(" ")
        name = head.lower()
        words = " ".join(msg.args.values()) if msg.args else typed
        available = {spec.name: spec for spec in self.available()}
        spec = available.get(name)
        spanish = None
        if spec is None:  # its Spanish name, as Discord shows it: /ayuda, /proxima, /eventos
            spec = next((s for s in available.values() if s.es == name), None)
            spanish = "es" if spec else None  # says more than the chat's past or its locale
        lang = await self.language(msg, words, said=spanish) or "en"
        if spec is None:
            listed = [s.name for s in available.values() if s.listed]
            close = get_close_matches(name, listed, n=1)
            hint = text("did_you_mean", lang, command=f"/{close[0]}") if close else ""
            return [Reply(text("unknown_command", lang, command=f"/{name}", hint=hint), lang)]
        return await self._dispatch(msg, spec, typed, lang)

    async def _dispatch(
        self, msg: Incoming, spec: CommandSpec, typed: str, lang: str
    ) -> list[Reply]:
        """Permission, then the subcommand, then the arguments, each refused in words the
        person can act on; only then the handler."""
        if spec.role and spec.role not in msg.roles:
            who = text(f"who_{spec.role.value}", lang)
            refusal = text(
                "not_allowed", lang, who=who, command=f"/{spec.name}", how=text("how_roles", lang)
            )
            return [Reply(refusal, lang, private=True)]
        path, leaf, prefix = spec.name, spec, "/"
        if spec.subcommands:
            word, _, typed = typed.strip().partition(" ")
            leaf = next((s for s in spec.subcommands if word.lower() in (s.name, s.es)), spec)
            if leaf is spec:
                return [Reply(group_usage(spec, lang), lang, private=True)]
            path, prefix = f"{spec.name} {leaf.name}", f"/{spec.name} "
        try:
            params = read_args(leaf, typed, lang, given=msg.args, prefix=prefix)
        except UsageError as exc:
            return [Reply(str(exc), lang, private=True)]
        return await self._run(self.handlers[path], Context(msg, path, params, lang))

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
                await self.state.remember(msg.channel, entry.id, self.clock.now())
                offered = await self.state.taken(token)
                if offered:
                    self._in_background(self.record_choice(*offered, entry.id), "record-choice")
                return [self._with_schedule(self.entry_reply(entry, lang), entry)]
            return [Reply(text("abstain", lang), lang)]
        if kind == "fb":
            verdict, _, entry_id = rest.partition(":")
            return await self.feedback(entry_id, verdict == "yes", lang)
        spec = self.specs.get(kind)
        if spec and kind in self.handlers:  # buttons may also run a command: "going:<event>"
            return await self._dispatch(msg, spec, rest, lang)
        log.warning("unknown button action %s", kind)
        return []

    async def feedback(self, entry_id: str, helpful: bool, lang: str) -> list[Reply]:
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
        if msg.local:
            return None
        count = self.state.flooding(msg, self.clock.now().timestamp())
        if count <= FLOOD_MESSAGES:
            return None
        if count == FLOOD_MESSAGES + 1:
            log.info("flood limit reached on %s", msg.channel.platform)
            # what this process knows, without asking the database
            chosen = self.state.chosen.get(chat_of(msg.channel))
            lang = chosen or self._heard_language(msg) or "en"
            return [Reply(text("slow_down", lang), lang, private=True)]
        return []

    async def _chosen_language(self, msg: Incoming) -> str | None:
        """The chat's /lang choice (see ChatState.chosen_language); None when out of reach."""
        try:
            return await self.state.chosen_language(msg.channel)
        except StoreError as exc:
            log.warning("language choice unavailable: %s", exc)
            return None
