"""What each page shows: entries grouped by topic, in one language, with their links.

Topics are the knowledge files (`bos.yaml` and `meetings-more.yaml` → "bos", "meetings"): the
moderators already sort entries into files by topic, and a tag list would put one entry under
many headings. Titles come from bot/texts/kit.py (`topic_<name>`); a new file shows under its name
until it gets one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.answering.knowledge import Entry, Snapshot
from bot.config import Config
from bot.messages import Source, link_problem
from bot.reminders.event import Event
from bot.reminders.reminder_text import format_when
from bot.texts import LANGUAGES, has_text, text

# the order a newcomer reads in: the law, its limits, what it means at the door, the forum
TOPIC_ORDER = (
    "sb54",
    "sb54-exceptions",
    "detainers",
    "truth-act",
    "rights-and-help",
    "stops-and-arrests",
    "bos",
    "meetings",
    "brown-act",
    "history",
    "about",
)


@dataclass(frozen=True, slots=True)
class Link:
    href: str | None  # None: not a web address, shown as text only
    label: str


@dataclass(frozen=True, slots=True)
class EntryPage:
    id: str
    lang: str
    question: str
    paragraphs: tuple[str, ...]
    sources: tuple[Link, ...]
    checked: str
    topic: str
    related: tuple[Link, ...]
    telegram: str | None


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    title: str
    entries: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class EventView:
    title: str
    when: str
    location: str | None
    url: str | None


def topic_key(entry: Entry) -> str:
    return Path(entry.file).stem.removesuffix("-more") or "other"


def topic_title(key: str, lang: str) -> str:
    return text(f"topic_{key}", lang) if has_text(f"topic_{key}") else key.replace("-", " ")


def languages(snapshot: Snapshot) -> tuple[str, ...]:
    """The bot's languages first, then any other an entry has (a page per language)."""
    extra = sorted({lang for e in snapshot.entries for lang in e.texts} - set(LANGUAGES))
    return (*LANGUAGES, *extra)


def web_link(url: str, label: str) -> Link:
    return Link(None if link_problem(url) else url, label)


def entry_page(entry: Entry, lang: str, snapshot: Snapshot, config: Config) -> EntryPage:
    said = entry.text(lang)
    related = tuple(
        Link(f"{rel}.html", snapshot.by_id[rel].text(lang).question)
        for rel in entry.related
        if rel in snapshot.by_id
    )
    return EntryPage(
        id=entry.id,
        lang=lang,
        question=said.question,
        paragraphs=_paragraphs(said.answer),
        sources=tuple(_source(s) for s in entry.sources),
        checked=text("checked", lang, date=entry.reviewed.isoformat()),
        topic=topic_title(topic_key(entry), lang),
        related=related,
        telegram=config.telegram.deep_link(entry.id),
    )


def topics(entries: Iterable[Entry], lang: str) -> tuple[Topic, ...]:
    grouped: dict[str, list[Entry]] = {}
    for entry in entries:
        grouped.setdefault(topic_key(entry), []).append(entry)

    def order(key: str) -> tuple[int, str]:
        return (TOPIC_ORDER.index(key) if key in TOPIC_ORDER else len(TOPIC_ORDER), key)

    return tuple(
        Topic(
            key,
            topic_title(key, lang),
            tuple(Link(f"{e.id}.html", e.text(lang).question) for e in grouped[key]),
        )
        for key in sorted(grouped, key=order)
    )


def event_views(upcoming: Sequence[tuple[Event, datetime]], lang: str) -> tuple[EventView, ...]:
    return tuple(
        EventView(
            title=event.title,
            when=format_when(when.astimezone(ZoneInfo(event.timezone)), lang),
            location=event.location,
            url=event.url if event.url and not link_problem(event.url) else None,
        )
        for event, when in upcoming
    )


def _paragraphs(answer: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in answer.split("\n\n") if p.strip())


def _source(source: Source) -> Link:
    return web_link(source.url, source.title)
