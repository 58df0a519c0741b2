"""The only types adapters see. Platform-free and frozen, so the core can be tested alone.

`Reply` is complete from the start: every adapter renders all of its fields, or degrades them
to plain text, and no later feature has to change its shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from urllib.parse import urlsplit

MAX_ACTION = 64  # bytes: Telegram's callback data limit, the tightest of the platforms


def link_problem(url: str) -> str | None:
    """Why `url` cannot be shown as a link, or None: the one rule for knowledge sources,
    schedule files and /event. Plain http is allowed: some official and news pages cited are
    served only that way."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in url):
        return f"'{url}' is not a web address: it must start with https:// (or http://)"
    return None


class Role(Enum):
    ORGANIZER = "organizer"
    MODERATOR = "moderator"


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """One chat on one platform: a DM, a group, a channel, a forum topic."""

    platform: str
    chat_id: str
    thread_id: str | None = None
    private: bool = True


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: ChannelRef
    user_id: str
    text: str
    roles: frozenset[Role] = frozenset()  # from platform roles and config ids, never the text
    language: str | None = None  # the platform's locale hint (Telegram language_code …)
    action: str | None = None  # a pressed button's action id instead of typed text


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Button:
    """`action` is sent back as `Incoming.action`; ≤ 64 bytes (Telegram callback data)."""

    label: str
    action: str

    def __post_init__(self) -> None:
        if len(self.action.encode()) > MAX_ACTION:
            raise ValueError(f"button action over 64 bytes: {self.action!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Moment:
    """A time written in `Reply.text` as `shown`; Discord can show it in each reader's zone."""

    shown: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Reply:
    text: str  # plain text, never markup: adapters escape it
    lang: str = "en"
    title: str | None = None  # the matched question (Discord embed title)
    sources: tuple[Source, ...] = ()
    reviewed: date | None = None  # shown as "checked <date>"
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None
    private: bool = False  # only the asker should see it (ephemeral on Discord)
    moments: tuple[Moment, ...] = ()  # added for Discord timestamps; others show the text
