"""The printed and published forum-prep kit on the command line: the events as a calendar file
(`ics`), the answers as a static website (`site`) and a printable flyer (`flyer`). Each is
built from the same knowledge and schedule the bot answers from."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.answering.knowledge import load_knowledge
from bot.config import Config
from bot.reminders.event import Event


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    ics = sub.add_parser("ics", parents=[common], help="the upcoming events as an iCalendar file")
    ics.add_argument("--out", metavar="PATH", help="write here instead of stdout")
    site = sub.add_parser(
        "site",
        parents=[common],
        help="the answers as a static bilingual website, with search and the events",
        description="Write the website into DIR (a new or empty folder, or one this command "
        "made, which is rebuilt); any web host can serve it.",
    )
    site.add_argument("--out", metavar="DIR", required=True, help="the folder to write")
    flyer = sub.add_parser(
        "flyer",
        parents=[common],
        help="a printable half-letter PDF for one entry or event, in English and Spanish",
        description="A knowledge entry's question and short answer, or an event's when and "
        "where, with a QR code to the rest (needs telegram.username for entries).",
    )
    flyer.add_argument("id", help="a knowledge entry id or an event id")
    flyer.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")


def upcoming_calendar(config: Config) -> tuple[list[tuple[Event, datetime]], bytes, int]:
    """The upcoming occurrences, the same calendar `/calendar` sends (events from schedules/
    and from chat) and how many events there are."""
    from bot.app import build
    from bot.clock import SystemClock
    from bot.reminders.ics import calendar_bytes

    app = build(config, adapters=[])
    now = SystemClock().now()

    async def load() -> None:
        async with app.store:
            await app.reminders.load()

    asyncio.run(load())
    events = app.reminders.events.values()
    data = calendar_bytes(events, now, config.event_length)
    return app.reminders.upcoming(now), data, len(events)


def write_ics(config: Config, args: argparse.Namespace) -> int:
    _, data, count = upcoming_calendar(config)
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"wrote {count} events to {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0


def write_flyer(config: Config, args: argparse.Namespace) -> int:
    """Entries first (no database needed); events from the files and from chat, as /events."""
    from bot import flyer
    from bot.clock import SystemClock
    from bot.reminders.event import Event

    entries = load_knowledge([config.knowledge_dir], stale_after=config.stale_after).snapshot
    events: dict[str, Any] = {}
    if args.id.strip().lower() not in entries.by_id:
        from bot.app import build

        app = build(config, adapters=[])

        async def load() -> None:
            async with app.store:
                await app.reminders.load()

        asyncio.run(load())
        events = app.reminders.events
    try:
        found = flyer.find(args.id, entries.by_id, events)
        if isinstance(found, Event):
            page = flyer.event_flyer(found, config, SystemClock().now())
        else:
            page = flyer.entry_flyer(found, config)
        flyer.write(page, Path(args.out))
    except flyer.FlyerError as exc:
        print(f"flyer: {exc}", file=sys.stderr)
        return 2
    print(f"wrote the flyer for {found.id} to {args.out}", file=sys.stderr)
    return 0


def write_site(config: Config, args: argparse.Namespace) -> int:
    from bot.site.build import SiteError, build_site

    knowledge = load_knowledge([config.knowledge_dir], stale_after=config.stale_after)
    if knowledge.errors:
        for problem in knowledge.errors:
            print(problem, file=sys.stderr)
        print("fix the knowledge first (python -m bot validate)", file=sys.stderr)
        return 1
    upcoming, calendar, _ = upcoming_calendar(config)
    try:
        built = build_site(Path(args.out), knowledge.snapshot, config, upcoming, calendar)
    except SiteError as exc:
        print(f"site error: {exc}", file=sys.stderr)
        return 1
    print(
        f"wrote {built.pages} pages and {built.events} upcoming events to {built.out}; "
        f"open {built.out / 'index.html'} through any web server (search needs one)",
        file=sys.stderr,
    )
    return 0
