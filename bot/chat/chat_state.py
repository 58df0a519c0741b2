"""What the chat keeps per chat and per person in memory: the /lang choice once read, the
language a chat last wrote in, the last answer (for /sources and /wrong), the "Did you mean"
choices waiting for a tap and the flood limit's recent messages. Bounded, never the text of a
message together with who sent it, and per process (see the README on several processes).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from typing import TypeVar

from bot.messages import ChannelRef, Incoming

MAX_REMEMBERED = 10_000  # chats (or people) per memory; the oldest are forgotten first
FLOOD_MESSAGES, FLOOD_SECONDS = 8, 10.0  # per person; more gets one notice, then silence
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
    def __init__(self) -> None:
        self.last: OrderedDict[Chat, str] = OrderedDict()  # → entry id last answered (no text)
        self.chosen: OrderedDict[Chat, str | None] = OrderedDict()  # → /lang choice (None: none)
        # → the language its last question was written in, for messages whose words do not
        # say, such as "ICE?"
        self.spoken: OrderedDict[Chat, str] = OrderedDict()
        # token → ("Did you mean" question, language) until a button is tapped: no chat, no
        # person, so the choice is recorded for the report without saying who asked
        self._offered: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._recent: OrderedDict[Chat, list[float]] = OrderedDict()  # person → message times

    def remember(self, channel: ChannelRef, entry_id: str) -> None:
        keep(self.last, chat_of(channel), entry_id)

    def offer(self, question: str, lang: str) -> str:
        """A token for the buttons of one "Did you mean", to learn which one was tapped."""
        token = secrets.token_hex(4)
        keep(self._offered, token, (question, lang))
        return token

    def taken(self, token: str) -> tuple[str, str] | None:
        return self._offered.pop(token, None)

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
