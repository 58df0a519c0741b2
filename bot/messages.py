"""The only types adapters see. Platform-free and frozen, so the core can be tested alone.

`Reply` is complete from the start: every adapter renders all of its fields, or degrades them
to plain text, and no later feature has to change its shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from urllib.parse import urlsplit

from bot.texts import text

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
class Param:
    """One argument of a command. Typed text writes it by position (`keyword` None) or as
    `keyword value`; Discord shows it as a typed option with its Spanish name and choices."""

    name: str
    es: str
    help: str
    help_es: str
    required: bool = True
    keyword: str | None = None
    rest: bool = False  # takes the rest of the typed text as written (a question, a value)
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, English label, Spanish label)
    complete: bool = False  # offer entry questions while typing (Discord's autocomplete)
    max_length: int | None = None
    form: str = ""  # how usage lines write its value, e.g. YYYY-MM-DD; else its NAME
    hidden: bool = False  # read from typed text, but not in usage lines or Discord's options:
    # a step that buttons type for the person

    def shown(self, lang: str) -> str:
        """How /help and usage lines write it: `en|es`, `QUESTION`, `[remind 1d,2h]`."""
        name = (self.es if lang == "es" else self.name).upper()
        value = "|".join(c[0] for c in self.choices) or self.form or name
        value = f"{self.keyword} {value}" if self.keyword else value
        return value if self.required else f"[{value}]"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command as every platform shows it: the core's registry holds them all, and /help,
    Telegram's menu and Discord's command tree are generated from it. Adapters see only this,
    never the handlers."""

    name: str
    es: str  # its Spanish name where a platform localizes names (Discord)
    help: str
    help_es: str
    role: Role | None = None  # None: anyone
    params: tuple[Param, ...] = ()
    subcommands: tuple[CommandSpec, ...] = ()
    menu: bool = True  # on Telegram's and Discord's menus; False: reached by buttons or links
    listed: bool = True  # in /help
    example: str = ""

    def describe(self, lang: str) -> str:
        return self.help_es if lang == "es" else self.help

    def usage(self, lang: str, prefix: str = "/") -> str:
        """`/event add TITLE DATE TIME [remind REMIND] …`, as typed on the console."""
        shown = (p.shown(lang) for p in self.params if not p.hidden)
        return " ".join([f"{prefix}{self.name}", *shown])


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
    # a command's arguments when the platform typed them (Discord's options), by Param.name;
    # None: read them from the text
    args: Mapping[str, str] | None = None
    local: bool = False  # typed at this machine's terminal: the operator, never flood-limited


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

    @property
    def labels(self) -> Labels:
        return Labels(self.lang)


@dataclass(frozen=True, slots=True)
class Labels:
    """The words an adapter writes around a reply, in the reply's language: they come with the
    Reply, so no adapter reads the core's texts."""

    lang: str

    @property
    def sources(self) -> str:
        return text("sources", self.lang)

    def checked(self, day: date) -> str:
        return text("checked", self.lang, date=day.isoformat())

    def file_saved(self, path: str) -> str:
        return text("file_saved", self.lang, path=path)

    def file_not_saved(self, path: str, reason: object) -> str:
        return text("file_not_saved", self.lang, path=path, reason=reason)
