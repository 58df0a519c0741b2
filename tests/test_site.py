"""`python -m bot site`: the pages a reader gets, checked as files (the browser tests are in
test_site_browser.py). The bundled site is built once for the module, without the search index
(the browser tests build that); hostile text and the command line get their own builds."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.answering.knowledge import load_knowledge
from bot.config import Config, PlatformConfig, from_mapping
from bot.reminders.event import Event
from bot.reminders.ics import calendar_bytes
from bot.reminders.schedule_files import load_schedules
from bot.site.build import CALENDAR, SiteError, build_site
from tests.conftest import ROOT, SCHEDULES
from tests.test_cli import bot

NOW = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
USERNAME = "ForumPrepBot"


def site_config(username: str | None = None) -> Config:
    base = from_mapping({}, ROOT)
    return replace(base, telegram=PlatformConfig(username=username))


def build(out: Path, knowledge: Path, config: Config, *, search: bool = False) -> None:
    loaded = load_knowledge([knowledge])
    events = load_schedules(
        [SCHEDULES], targets=config.targets, default_timezone=config.timezone, now=NOW
    ).events
    upcoming = sorted(
        ((e, when) for e in events if (when := e.next_occurrence(NOW))), key=lambda p: p[1]
    )
    build_site(out, loaded.snapshot, config, upcoming, calendar_bytes(events, NOW), search=search)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "out"
    build(out, ROOT / "knowledge", site_config(USERNAME))
    return out


class _Page(HTMLParser):
    """The parts of a page the tests read: the html lang, every link, every script."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.links: list[dict[str, str | None]] = []
        self.scripts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        elif tag == "a":
            self.links.append(values)
        elif tag == "script":
            self.scripts.append(values.get("src"))


def read(path: Path) -> tuple[str, _Page]:
    html = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    return html, page


def test_every_entry_has_a_page_in_each_language_with_sources_and_checked_date(
    site: Path,
) -> None:
    snapshot = load_knowledge([ROOT / "knowledge"]).snapshot
    assert len(snapshot.entries) > 50
    for entry in snapshot.entries:
        for lang, checked in (("en", "Checked"), ("es", "Revisado el")):
            html, page = read(site / lang / f"{entry.id}.html")
            assert page.lang == lang
            assert f"{checked} {entry.reviewed.isoformat()}" in html
            hrefs = {link.get("href") for link in page.links}
            assert {s.url for s in entry.sources} <= hrefs, entry.id
            other = "es" if lang == "en" else "en"
            switch = [link for link in page.links if link.get("hreflang") == other]
            assert switch[0]["href"] == f"../{other}/{entry.id}.html"
            assert switch[0]["lang"] == other


def test_the_index_groups_every_entry_by_topic_and_lists_the_events(site: Path) -> None:
    snapshot = load_knowledge([ROOT / "knowledge"]).snapshot
    html, page = read(site / "es" / "index.html")
    assert page.lang == "es"
    assert "La SB 54, Ley de Valores" in html
    assert "Reuniones y comentario público" in html  # meetings-more.yaml, its own topic
    listed = {link["href"] for link in page.links}
    assert {f"{e.id}.html" for e in snapshot.entries} <= listed
    assert "Forum prep night (example)" in html
    assert "martes 8 de diciembre de 2026, 18:00 PST" in html


def test_the_calendar_link_points_to_the_same_ics_in_the_site(site: Path) -> None:
    _, page = read(site / "en" / "index.html")
    (link,) = [link for link in page.links if (link.get("href") or "").endswith(".ics")]
    assert link["href"] == f"../{CALENDAR}"
    calendar = (site / CALENDAR).read_text(encoding="utf-8")
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:Forum prep night (example)" in calendar
    assert "SUMMARY:Community rally (example)" in calendar


def test_the_telegram_deep_link_only_when_the_username_is_configured(
    site: Path, tmp_path: Path
) -> None:
    _, page = read(site / "es" / "rights-ice-at-door.html")
    hrefs = [link["href"] for link in page.links]
    assert f"https://t.me/{USERNAME}?start=rights-ice-at-door" in hrefs
    build(tmp_path / "plain", ROOT / "knowledge", site_config(None))
    html, page = read(tmp_path / "plain" / "es" / "rights-ice-at-door.html")
    assert "t.me" not in html
    assert not any("telegram" in (link.get("href") or "") for link in page.links)


def test_no_page_asks_anything_of_another_site_at_view_time(site: Path) -> None:
    """No fonts, scripts or styles from a CDN, no tracker: links to sources are the only
    outside addresses, and a reader follows them or not."""
    for path in site.rglob("*.html"):
        html, page = read(path)
        assert all(src is None or not src.startswith(("http", "//")) for src in page.scripts)
        for tag in re.findall(r"<(?:link|img|iframe|script|source)\b[^>]*>", html):
            assert "http" not in tag.replace("http-equiv", ""), (path, tag)


HOSTILE = """\
- id: hostile-entry
  tags: [test]
  reviewed: 2026-11-20
  sources:
    - {title: "</a><script>alert('title')</script>", url: "https://example.org/?a=1&b=<2>"}
  en:
    question: Is <b>this</b> escaped?
    answer: >-
      <script>alert('en')</script> & "quotes" stay text.
  es:
    question: ¿Se escapa <i>esto</i>?
    answer: <script>alert('es')</script> también.
"""


def test_hostile_knowledge_text_is_escaped(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    build(tmp_path / "out", knowledge, site_config(None))
    for lang in ("en", "es"):
        html, page = read(tmp_path / "out" / lang / "hostile-entry.html")
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(" in html
        assert "<b>this</b>" not in html
        assert "<i>esto</i>" not in html
        assert page.scripts == []
        assert "https://example.org/?a=1&amp;b=&lt;2&gt;" in html
    index, _ = read(tmp_path / "out" / "en" / "index.html")
    assert "Is &lt;b&gt;this&lt;/b&gt; escaped?" in index


def test_a_folder_not_made_by_the_command_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SiteError, match="not empty"):
        build(tmp_path, ROOT / "knowledge", site_config(None))
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_the_command_builds_the_site_with_its_search_index(tmp_path: Path) -> None:
    out = tmp_path / "site"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\nschedules: {{path: {SCHEDULES}}}\n"
        "database: {url: 'sqlite:///bot.db'}\n"
        f"telegram: {{username: '@{USERNAME}'}}\n",
        encoding="utf-8",
    )
    done = bot("site", "--config", str(config), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "pages" in done.stderr
    assert (out / "pagefind" / "pagefind-ui.js").exists()
    assert (out / "en" / "index.html").exists()
    assert (out / CALENDAR).read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
    page = (out / "en" / "sb54-what-it-is.html").read_text(encoding="utf-8")
    assert f"https://t.me/{USERNAME}?start=sb54-what-it-is" in page
    again = bot("site", "--config", str(config), "--out", str(out))  # its own folder: rebuilt
    assert again.returncode == 0, again.stderr


def test_hostile_event_text_is_escaped(tmp_path: Path) -> None:
    """Organizers add events in chat (/event add): their titles are text too."""
    event = Event(
        id="hostile-event",
        title="<img src=x onerror=alert(1)> Rally",
        starts=datetime(2026, 12, 8, 18, 0, tzinfo=ZoneInfo("America/Los_Angeles")),
        timezone="America/Los_Angeles",
        location="<b>Hall</b>",
        url="javascript:alert(1)",
    )
    snapshot = load_knowledge([ROOT / "knowledge"]).snapshot
    upcoming = [(event, event.starts)]
    calendar = calendar_bytes([event], NOW)
    build_site(tmp_path / "out", snapshot, site_config(None), upcoming, calendar, search=False)
    html, page = read(tmp_path / "out" / "en" / "index.html")
    assert "&lt;img src=x onerror=alert(1)&gt; Rally" in html
    assert "<img" not in html
    assert "&lt;b&gt;Hall&lt;/b&gt;" in html
    assert not any("javascript" in (link.get("href") or "") for link in page.links)
