"""Write the site: a page per entry and language, an index and a search page per language, the
calendar file, then Pagefind's index over the entry pages.

Every link is relative, so the folder works at any address (a web host's root or a subfolder).
Jinja2 escapes every value (autoescape): knowledge text is moderators' text, never markup.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.answering.knowledge import Snapshot
from bot.config import Config
from bot.reminders.event import Event
from bot.site.pages import entry_page, event_views, languages, topics
from bot.texts import text

log = logging.getLogger(__name__)

MARKER = ".forum-prep-site"  # a folder with this file is ours to rebuild
CALENDAR = "calendar.ics"
STATIC = ("style.css", "search.js")
PAGEFIND_TIMEOUT = 300  # seconds; about 2 s for the bundled knowledge


class SiteError(Exception):
    """What went wrong, and what to do about it, in one line."""


@dataclass(frozen=True, slots=True)
class Built:
    out: Path
    pages: int
    events: int


def build_site(
    out: Path,
    snapshot: Snapshot,
    config: Config,
    upcoming: Sequence[tuple[Event, datetime]],
    calendar: bytes,
    *,
    search: bool = True,
) -> Built:
    _prepare(out)
    env = _environment()
    langs = languages(snapshot)
    pages = 0
    for lang in langs:
        (out / lang).mkdir()
        pages += _write_language(out, env, lang, langs, snapshot, config, upcoming)
    home = env.get_template("home.html").render(
        langs=langs, titles={lang: text("site_title", lang) for lang in langs}
    )
    (out / "index.html").write_text(home, encoding="utf-8")
    (out / CALENDAR).write_bytes(calendar)
    for name in STATIC:
        (out / name).write_bytes(files("bot.site").joinpath("static", name).read_bytes())
    if search:
        index_for_search(out)
    return Built(out, pages, len(upcoming))


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("bot.site", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _write_language(
    out: Path,
    env: Environment,
    lang: str,
    langs: Sequence[str],
    snapshot: Snapshot,
    config: Config,
    upcoming: Sequence[tuple[Event, datetime]],
) -> int:
    """The pages of one language; returns how many were written."""
    other = next((o for o in langs if o != lang), None)
    common = {"lang": lang, "root": "../", "t": lambda key: text(key, lang)}

    def switch(page: str) -> dict[str, str] | None:
        if other is None:
            return None
        return {"lang": other, "href": f"../{other}/{page}", "label": text("site_switch", other)}

    def write(name: str, template: str, **values: object) -> None:
        html = env.get_template(template).render(**common, switch=switch(name), **values)
        (out / lang / name).write_text(html, encoding="utf-8")

    write(
        "index.html",
        "index.html",
        topics=topics(snapshot.entries, lang),
        events=event_views(upcoming, lang),
        calendar=CALENDAR,
    )
    write("search.html", "search.html")
    sources = text("sources", lang).rstrip(":")
    for entry in snapshot.entries:
        page = entry_page(entry, lang, snapshot, config)
        write(f"{entry.id}.html", "entry.html", page=page, sources_heading=sources)
    return len(snapshot.entries) + 2


def _prepare(out: Path) -> None:
    """An empty folder, or one this command made (rebuilt whole, so no page outlives its
    entry); never a folder holding anything else."""
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file; give --out a folder")
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise SiteError(
                f"{out} is not empty and was not made by this command; "
                "give --out a new or empty folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by python -m bot site; rebuilt whole each time\n")


def index_for_search(out: Path) -> None:
    """Pagefind (its PyPI package ships the binary) indexes the entry pages, per language, and
    writes its search UI into out/pagefind/: the browser searches with no server."""
    command = [sys.executable, "-m", "pagefind", "--site", str(out), "--silent"]
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            command, capture_output=True, text=True, timeout=PAGEFIND_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SiteError(f"Pagefind did not run ({exc}); pip install 'pagefind[extended]'") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SiteError(
            "Pagefind could not index the site: "
            + (detail[-1] if detail else f"exit {done.returncode}")
            + "; is 'pagefind[extended]' installed?"
        )
    log.info("search index written to %s", out / "pagefind")
