"""`python -m bot flyer ID --out FILE.pdf`, checked as a reader of the printed page would: the
page is rendered to an image (pypdfium2), its QR code is scanned (zxing-cpp) and its text read.
Each rendered page is kept under data/flyer-screenshots/ for the README."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
import zxingcpp

from bot import flyer
from bot.answering.knowledge import Entry, LangText
from bot.config import Config, load_config
from bot.messages import Source
from bot.reminders.recurrence import parse_recurrence
from bot.reminders.schedule_files import Event
from tests.conftest import ROOT
from tests.test_cli import bot

SHOTS = ROOT / "data" / "flyer-screenshots"
ENTRY = "sb54-what-it-prohibits"
HALF_LETTER_PT = (396.0, 612.0)  # 5.5 by 8.5 inches


def _config(tmp_path: Path, *, username: bool = True, schedules: Path | None = None) -> Path:
    path = tmp_path / "config.yaml"
    lines = [
        f"knowledge: {{path: {ROOT / 'knowledge'}}}",
        f"schedules: {{path: {schedules or ROOT / 'schedules'}}}",
    ]
    if username:
        lines.append("telegram: {username: ForumPrepBot}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read(pdf: Path | bytes, shot: str | None = None) -> tuple[list[str], str, tuple[float, float]]:
    """The links the page's QR codes hold, its text (spaces folded) and its size in points."""
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    page = document[0]
    image = page.render(scale=200 / 72).to_pil()
    if shot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        image.save(SHOTS / f"{shot}.png")
    links = [code.text for code in zxingcpp.read_barcodes(image)]
    words = " ".join(page.get_textpage().get_text_range().split())
    return links, words, page.get_size()


def test_an_entry_flyer_has_both_questions_and_a_qr_code_to_the_answer(tmp_path: Path) -> None:
    out = tmp_path / "flyer.pdf"
    done = bot("flyer", ENTRY, "--config", str(_config(tmp_path)), "--out", str(out))
    assert done.returncode == 0, done.stderr
    links, words, size = _read(out, shot="entry")
    assert links == [f"https://t.me/ForumPrepBot?start={ENTRY}"]
    assert size == pytest.approx(HALF_LETTER_PT, abs=0.5)
    assert "What does SB 54 prohibit local police" in words
    assert "¿Qué le prohíbe la ley SB 54 a la policía" in words
    assert "Cal. Gov. Code § 7284.6" in words
    assert re.search(r"Checked \d{4}-\d\d-\d\d · Revisado el \d{4}-\d\d-\d\d", words)
    assert "not legal advice" in words
    assert "no asesoría legal" in words
    assert "https://www.cdss.ca.gov/immigration-services" in words


def test_an_event_flyer_links_the_events_own_page(tmp_path: Path) -> None:
    schedules = tmp_path / "schedules"
    schedules.mkdir()
    (schedules / "bos.yaml").write_text(
        "events:\n"
        "  - id: bos-forum\n"
        "    title: TRUTH Act forum\n"
        "    starts: 2099-03-10 18:00\n"
        "    location: Board Chambers, 700 H Street, Sacramento\n"
        "    url: https://bos.saccounty.gov/Pages/AboutBoardMeetings.aspx\n",
        encoding="utf-8",
    )
    out = tmp_path / "event.pdf"
    config = _config(tmp_path, username=False, schedules=schedules)
    done = bot("flyer", "bos-forum", "--config", str(config), "--out", str(out))
    assert done.returncode == 0, done.stderr
    links, words, size = _read(out, shot="event")
    assert links == ["https://bos.saccounty.gov/Pages/AboutBoardMeetings.aspx"]
    assert size == pytest.approx(HALF_LETTER_PT, abs=0.5)
    assert "When: Tuesday, March 10, 2099, 6:00 PM PDT" in words
    assert "Cuándo: martes 10 de marzo de 2099, 18:00 PDT" in words
    assert "Dónde: Board Chambers, 700 H Street, Sacramento" in words


def test_an_event_without_a_url_opens_the_bot(tmp_path: Path) -> None:
    out = tmp_path / "event.pdf"
    config = _config(tmp_path)
    done = bot("flyer", "example-forum-prep-night", "--config", str(config), "--out", str(out))
    assert done.returncode == 0, done.stderr
    links, words, _ = _read(out)
    assert links == ["https://t.me/ForumPrepBot?start=example-forum-prep-night"]
    assert "Forum prep night (example)" in words
    assert "Scan to see this event in the bot" in words


@pytest.mark.parametrize(
    ("wanted", "needs"),
    [(ENTRY, "telegram.username"), ("example-forum-prep-night", "add `url:`")],
)
def test_no_link_without_configuration_names_the_key(
    tmp_path: Path, wanted: str, needs: str
) -> None:
    out = tmp_path / "flyer.pdf"
    done = bot(
        "flyer", wanted, "--config", str(_config(tmp_path, username=False)), "--out", str(out)
    )
    assert done.returncode == 2
    assert needs in done.stderr
    assert "telegram.username" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_an_unknown_id_lists_the_close_ones(tmp_path: Path) -> None:
    out = tmp_path / "flyer.pdf"
    done = bot(
        "flyer", "sb54-what-it-prohibit", "--config", str(_config(tmp_path)), "--out", str(out)
    )
    assert done.returncode == 2
    assert "'sb54-what-it-prohibit'" in done.stderr
    assert f"Did you mean: {ENTRY}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.parametrize("where", ["missing/flyer.pdf", "."])
def test_an_unwritable_out_says_so(tmp_path: Path, where: str) -> None:
    out = tmp_path / where
    done = bot("flyer", ENTRY, "--config", str(_config(tmp_path)), "--out", str(out))
    assert done.returncode == 2
    assert f"could not write {out}" in done.stderr
    assert "Traceback" not in done.stderr


def _in_process_config(tmp_path: Path) -> Config:
    return load_config(_config(tmp_path))


def test_a_very_long_answer_is_cut_to_the_page_and_the_qr_code_still_reads(
    tmp_path: Path,
) -> None:
    long = "Según la sección 7284.6, la policía no pregunta su estatus migratorio. " * 80
    texts = {
        "en": LangText("What " + "very " * 60 + "long question?", "The rule says so. " * 300),
        "es": LangText("¿Qué " + "muy " * 60 + "larga pregunta?", long),
    }
    many = tuple(Source(f"Source {n}", f"https://example.org/{'x' * 80}/{n}") for n in range(20))
    entry = Entry("long-one", date(2026, 11, 20), many, MappingProxyType(texts))
    pdf = flyer.render(flyer.entry_flyer(entry, _in_process_config(tmp_path)))
    links, words, size = _read(pdf, shot="long-answer")
    assert links == ["https://t.me/ForumPrepBot?start=long-one"]
    assert size == pytest.approx(HALF_LETTER_PT, abs=0.5)
    assert words.count("…") >= 4  # both questions, both answers
    assert "The rule says so. … ¿Qué" in words  # cut after a whole sentence
    assert "The rule says so. " * 300 not in words
    assert "Source 0; Source 1; Source 2" in words  # titles only, when the links do not fit
    assert "not legal advice" in words  # the footer is still on the page
    _all_text_inside(pdfium.PdfDocument(pdf)[0])


def _all_text_inside(page: pdfium.PdfPage) -> None:
    width, height = page.get_size()
    textpage = page.get_textpage()
    for index in range(textpage.count_chars()):
        left, bottom, right, top = textpage.get_charbox(index)
        assert 0 <= left <= right <= width
        assert 0 <= bottom <= top <= height


def _event(event_id: str, title: str, year: int) -> Event:
    zone = "America/Los_Angeles"
    starts = datetime(year, 5, 1, 11, 0, tzinfo=ZoneInfo(zone))
    return Event(event_id, title, starts, zone, location="Cesar Chavez Plaza")


def test_characters_the_font_lacks_do_not_break_the_page(tmp_path: Path) -> None:
    event = _event("rally", "✊ Rally ¡Sí se puede! 🎉", 2099)
    config = _in_process_config(tmp_path)
    page = flyer.event_flyer(event, config, datetime(2099, 1, 1, tzinfo=UTC))
    links, words, _ = _read(flyer.render(page))
    assert links == ["https://t.me/ForumPrepBot?start=rally"]
    assert "Rally ¡Sí se puede!" in words


def test_an_event_that_is_over_says_so(tmp_path: Path) -> None:
    event = _event("old", "Old meeting", 2020)
    with pytest.raises(flyer.FlyerError, match=r"'old'.* is over"):
        flyer.event_flyer(event, _in_process_config(tmp_path), datetime.now(UTC))


def test_a_series_flyer_lists_its_next_dates_in_both_languages(tmp_path: Path) -> None:
    zone = "America/Los_Angeles"
    starts = datetime(2099, 1, 6, 9, 30, tzinfo=ZoneInfo(zone))  # a Tuesday
    weekly = parse_recurrence("every 2 weeks on tuesday")
    event = Event("board", "Board meeting", starts, zone, recurrence=weekly)
    page = flyer.event_flyer(event, _in_process_config(tmp_path), datetime(2099, 1, 7, tzinfo=UTC))
    _, words, _ = _read(flyer.render(page))
    assert "January 20, 2099" in words  # the next date, in full
    assert "Then: February 3, February 17, March 3" in words
    assert "Después: 3 de febrero, 17 de febrero, 3 de marzo" in words
