"""What the chat keeps per chat and per person: the /lang choice, the language a chat last
wrote in, the last answer (for /sources and /wrong), the "Did you mean" choices waiting for a
tap and the flood limit's recent messages. Bounded, never the text of a message together with
who sent it.

One process (`database.shared` false, SQLite's default) keeps all of it in memory, as it
always did: no database round trip a message. Its /lang choices are read all at once, at the
first question (a few bytes a chat): read chat by chat, each chat's first question waited for
the database, behind a broadcast's writes during a forum (the load benchmark's p99 reply went
from 0.8-1.9 s to under 0.1 s without that read). Several
processes on one database behind a load balancer (`shared`, PostgreSQL's default) see a chat's
consecutive messages land on different processes, so what the next message needs is read from
the database: the /lang choice every time (a cached one would answer in the old language after
another process saved the new), the last answer and the offered suggestions (and, in the
comment coach, that a draft is awaited). The language a chat last wrote in and the flood limit
stay per process: guessing "ICE?"'s language from the platform locale instead, or allowing
each of N processes its own 8 messages in 10 s (8 N before the notice), costs little and
saves a database write a message.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import TypeVar

from bot.database import StoreError
from bot.messages import ChannelRef, Incoming
from bot.store import Store

log = logging.getLogger(__name__)

MAX_REMEMBERED = 10_000  # chats (or people) per memory; the oldest are forgotten first
FLOOD_MESSAGES, FLOOD_SECONDS = 8, 10.0  # per person; more gets one notice, then silence
LAST_ANSWER_KEPT = timedelta(days=1)  # /sources and /wrong refer to an answer this recent
K = TypeVar("K")
V = TypeVar("V")
Chat = tuple[str, str]  # (platform, chat id)


def keep(memory: OrderedDict[K, V], key: K, value: V) -> None:
    """Remember `value` as the newest, forgetting the oldest past MAX_REMEMBERED: what is kept
    per chat in memory stays bounded however many chats write."""
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > MAX_REMEMBERED:
        memory.popitem(last=False)


def chat_of(channel: ChannelRef) -> Chat:
    return (channel.platform, channel.chat_id)


class ChatState:
    """`shared`: the store holds the last answer and the offers, and the /lang choice is
    read from it every time; otherwise memory does, as for one process."""

    def __init__(self, store: Store | None = None, *, shared: bool = False) -> None:
        self.store = store
        self.shared = shared and store is not None  # the database is the memory
        # → (entry id last answered, when): no text
        self.last: OrderedDict[Chat, tuple[str, datetime]] = OrderedDict()
        self.chosen: OrderedDict[Chat, str | None] = OrderedDict()  # → /lang choice (None: none)
        # → the language its last question was written in, for messages whose words do not
        # say, such as "ICE?"
        self.spoken: OrderedDict[Chat, str] = OrderedDict()
        # token → ("Did you mean" question, language) until a button is tapped: no chat, no
        # person, so the choice is recorded for the report without saying who asked
        self._offered: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._unsaved: list[tuple[str, str, str]] = []  # shared: offers not yet in the store
        self._recent: OrderedDict[Chat, list[float]] = OrderedDict()  # person → message times
        # one process: every saved /lang choice was read when the store had moved this many
        # chats (None: not yet), and whether `chosen` still holds them all (if not, a chat
        # missing from it is read alone)
        self._read_at: int | None = None
        self._all_chosen = False
        self._reading: asyncio.Future[bool] | None = None

    async def remember(self, channel: ChannelRef, entry_id: str, now: datetime) -> None:
        """Shared: a failed write is logged and the answer still goes out; /sources then
        says there is no last answer, which is true for the other processes."""
        if self.store is None or not self.shared:
            keep(self.last, chat_of(channel), (entry_id, now))
            return
        try:
            await self.store.save_last_answer(channel.platform, channel.chat_id, entry_id, now)
        except StoreError as exc:
            log.warning("last answer not saved: %s", exc)

    async def last_answer(self, channel: ChannelRef, now: datetime) -> str | None:
        """The entry id this chat was last answered with, if within LAST_ANSWER_KEPT.
        Raises StoreError when shared and the database is out of reach."""
        if self.store is not None and self.shared:
            return await self.store.last_answer(*chat_of(channel), now - LAST_ANSWER_KEPT)
        last = self.last.get(chat_of(channel))
        return last[0] if last and now - last[1] <= LAST_ANSWER_KEPT else None

    def offer(self, question: str, lang: str) -> str:
        """A token for the buttons of one "Did you mean", to learn which one was tapped.
        Synchronous: the answer is made in a worker thread. Shared, it is saved by
        `save_offers` before the reply goes out."""
        token = secrets.token_hex(4)
        if not self.shared:
            keep(self._offered, token, (question, lang))
        else:
            self._unsaved.append((token, question, lang))
        return token

    async def save_offers(self, now: datetime) -> None:
        """Shared: the offers made since, in the database, so the tap counts on any process."""
        while self.store is not None and self.shared and self._unsaved:
            token, question, lang = self._unsaved.pop()
            try:
                await self.store.save_offer(token, question, lang, now)
            except StoreError as exc:  # the buttons still work; only the count is lost
                log.warning("suggestions not saved: %s", exc)

    async def taken(self, token: str) -> tuple[str, str] | None:
        if self.store is None or not self.shared:
            return self._offered.pop(token, None)
        if not token:
            return None
        try:
            return await self.store.take_offer(token)
        except StoreError as exc:
            log.warning("suggestion tapped but not read: %s", exc)
            return None

    async def chosen_language(self, channel: ChannelRef) -> str | None:
        """The chat's /lang choice: one process keeps them all in memory (a few bytes a chat);
        shared, read every time. Raises StoreError when the database is out of reach."""
        key = chat_of(channel)
        if not self.shared and key in self.chosen:
            return self.chosen[key]
        if self.store is None:
            return None
        if not self.shared and await self._knows_every_choice(self.store):
            return self.chosen.get(key)  # None: this chat never chose
        chosen = await self.store.language(*key)
        if not self.shared:
            keep(self.chosen, key, chosen)
        return chosen

    async def _knows_every_choice(self, store: Store) -> bool:
        """Whether `chosen` holds every saved choice, reading them all if it does not yet (once,
        for all the questions waiting; again after a chat moved to a new id, whose choice moved
        with it). False when there are more than memory keeps: then a chat is read alone."""
        if self._read_at == store.moved:
            return self._all_chosen
        if self._reading is None or self._reading.done():
            self._reading = asyncio.ensure_future(self._read_every_choice(store))
        # shielded: one question given up must not stop the read the others wait for
        return await asyncio.shield(self._reading)

    async def _read_every_choice(self, store: Store) -> bool:
        moved = store.moved
        saved = await store.languages(MAX_REMEMBERED + 1)
        known: OrderedDict[Chat, str | None] = OrderedDict(
            (chat, lang) for chat, lang in self.chosen.items() if lang
        )
        for chat, lang in saved:
            known.setdefault(chat, lang)  # one chosen while reading is newer
        self._read_at = moved
        self._all_chosen = len(known) <= MAX_REMEMBERED
        if self._all_chosen:
            self.chosen = known
        return self._all_chosen

    def chose(self, channel: ChannelRef, lang: str) -> None:
        """A /lang choice just saved in the store by this process."""
        if not self.shared:
            if len(self.chosen) >= MAX_REMEMBERED:
                self._all_chosen = False  # keeping it forgets another chat's
            keep(self.chosen, chat_of(channel), lang)

    def forget(self, channel: ChannelRef) -> None:
        self.last.pop(chat_of(channel), None)
        self.chosen.pop(chat_of(channel), None)

    def flooding(self, msg: Incoming, now: float) -> int:
        """How many messages this person sent within FLOOD_SECONDS, this one included."""
        key = (msg.channel.platform, msg.user_id)
        recent = [t for t in self._recent.pop(key, []) if now - t < FLOOD_SECONDS]
        recent.append(now)
        keep(self._recent, key, recent)
        return len(recent)
