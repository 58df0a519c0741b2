"""`python -m bot flyer ID`: one knowledge entry or event on a printable half-letter page, in
English and Spanish, with a QR code that opens the rest.

Paper reaches people who never open Discord or Telegram, so the page must stand on its own:
the question and a short answer (or when and where), the sources and the day they were
checked, that this is not legal advice and where to get help. What does not fit is cut at a
word with "…": the QR code leads to the whole answer, so the page never overflows.

The QR code is drawn as vector squares (crisp on any printer, no image library); the font is a
Latin subset of Noto Sans shipped in `bot/fonts/` (SIL OFL 1.1), so accents print on a fresh
clone with no system fonts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import get_close_matches
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from bot.answering.knowledge import Entry
from bot.config import Config
from bot.messages import Source
from bot.reminders.event import Event
from bot.reminders.reminder_text import format_day, format_when
from bot.texts import text

FONTS = Path(__file__).parent / "fonts"
FAMILY = "NotoSans"
PAGE_MM = (139.7, 215.9)  # half letter, 5.5 by 8.5 in
MARGIN = 10.0
WIDTH = PAGE_MM[0] - 2 * MARGIN
QR_MM = 36.0
ELLIPSIS = "…"
_SENTENCES = re.compile(r"(.*[.!?])\s", re.DOTALL)  # up to the last sentence end
LANGS = ("en", "es")
LATER_DATES, LATER_DATES_WITHIN = 3, timedelta(days=92)  # a series: the next few dates


class FlyerError(Exception):
    """A flyer that cannot be made; the message says what to do next."""


@dataclass(frozen=True, slots=True)
class Side:
    """One language's half: a heading (question or title) and its text."""

    lang: str
    heading: str
    body: str
    size: float = 9.5  # the body's, in points; the heading is a third larger, on two lines


@dataclass(frozen=True, slots=True)
class Flyer:
    sides: tuple[Side, ...]
    link: str
    scan: str  # what the QR code opens, in both languages
    sources: tuple[Source, ...] = ()
    checked: str = ""  # "Checked 2026-11-20 · Revisado el 2026-11-20"; empty for events
    footer: str = ""


def find(wanted: str, entries: Mapping[str, Entry], events: Mapping[str, Event]) -> Entry | Event:
    """The entry or event called `wanted`, or an error naming the closest ids."""
    key = wanted.strip().lower()
    found = entries.get(key) or events.get(key)
    if found:
        return found
    close = get_close_matches(key, [*entries, *events], n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise FlyerError(
        f"no knowledge entry or event has the id '{wanted}'.{hint} "
        "Ids are listed by `python -m bot validate --pairs` (entries) and /events (events)."
    )


def entry_flyer(entry: Entry, config: Config) -> Flyer:
    link = config.telegram.deep_link(entry.id)
    if link is None:
        raise FlyerError(
            "a flyer's QR code opens the answer in the Telegram bot: set telegram.username "
            "(the bot's @username, like ForumPrepBot) in the config file"
        )
    sides = tuple(Side(lang, entry.text(lang).question, entry.text(lang).answer) for lang in LANGS)
    checked = " · ".join(text("checked", lang, date=entry.reviewed.isoformat()) for lang in LANGS)
    return Flyer(
        sides,
        link,
        _both("flyer_scan_answer"),
        entry.sources,
        checked,
        _footer(config),
    )


def event_flyer(event: Event, config: Config, now: datetime) -> Flyer:
    """The event's next occurrence (and, for a series, the next few dates: a flyer stays on a
    wall for weeks). The QR code opens the event's own page (`url`: the agenda
    or the organizers' page, where a change of date shows first, readable without any app);
    without one, the bot's deep link (`/start ID` greets; the caption says to send /events)."""
    occurrence = event.next_occurrence(now)
    if occurrence is None:
        where = f" ({event.file}:{event.line})" if event.file else ""
        raise FlyerError(f"the event '{event.id}'{where} is over: it has no date after today")
    link = event.url or config.telegram.deep_link(event.id)
    if link is None:
        where = f" in {event.file}:{event.line}" if event.file else ""
        raise FlyerError(
            f"the event '{event.id}' has no link for the QR code: add `url:` to it{where}, "
            "or set telegram.username (the bot's @username) in the config file"
        )
    zone = ZoneInfo(event.timezone)
    local = occurrence.astimezone(zone)
    later = event.occurrences(occurrence + timedelta(seconds=1), occurrence + LATER_DATES_WITHIN)
    later_local = [moment.astimezone(zone) for moment in later[:LATER_DATES]]
    sides = []
    for lang in LANGS:
        lines = [text("when", lang, when=format_when(local, lang))]
        if later_local:
            dates = ", ".join(format_day(moment, lang) for moment in later_local)
            lines.append(text("then_dates", lang, dates=dates))
        if event.location:
            lines.append(text("where", lang, where=event.location))
        sides.append(Side(lang, event.title, "\n".join(lines), size=13.0))  # read from afar
    scan = "flyer_scan_page" if event.url else "flyer_scan_bot"
    return Flyer(tuple(sides), link, _both(scan), footer=_footer(config))


def _both(key: str) -> str:
    return " / ".join(text(key, lang) for lang in LANGS)


def _footer(config: Config) -> str:
    """Not legal advice, and where to get help: the organizers' own contact when they set
    one, else the state's list of funded nonprofits."""
    help_line = config.contacts.get("legal_help")
    lines = []
    for lang in LANGS:
        where = (
            text("contact_legal_help", lang, value=help_line)
            if help_line
            else text("urgent_no_contacts", lang)
        )
        lines.append(f"{text('flyer_not_advice', lang)} {where}")
    return "\n".join(lines)


def render(flyer: Flyer) -> bytes:
    pdf = _Page()
    pdf.header_line()
    block = (126.0 - 8.0) / len(flyer.sides)
    for number, side in enumerate(flyer.sides):
        pdf.side(side, top=MARGIN + 8.0 + number * block, height=block - 2.0)
    pdf.sources(flyer, top=MARGIN + 127.0, height=13.0)
    pdf.qr(flyer, top=MARGIN + 140.0)
    footer = MARGIN + 140.0 + QR_MM + 2.0
    pdf.fitted(flyer.footer, 7.0, top=footer, height=PAGE_MM[1] - MARGIN / 2 - footer)
    return bytes(pdf.output())


def write(flyer: Flyer, out: Path) -> None:
    data = render(flyer)
    try:
        out.write_bytes(data)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise FlyerError(
            f"could not write {out} ({reason}); choose a file in a folder you can write to"
        ) from exc


class _Page(FPDF):
    """The half-letter page and its zones; every zone has a fixed height, and `fitted` cuts
    text to it, so a long answer can never push the QR code or the footer off the page."""

    def __init__(self) -> None:
        super().__init__(unit="mm", format=PAGE_MM)
        self.set_auto_page_break(auto=False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.add_font(FAMILY, "", FONTS / "NotoSans-Regular.ttf")
        self.add_font(FAMILY, "B", FONTS / "NotoSans-Bold.ttf")
        self.set_title("forum-prep-bot flyer")
        self.set_lang("en")
        self.add_page()

    def header_line(self) -> None:
        self.set_text_color(90, 90, 90)
        self.fitted("SB 54 · TRUTH Act · Sacramento County", 8.0, top=MARGIN, height=5.0)
        self.set_text_color(0, 0, 0)

    def side(self, side: Side, top: float, height: float) -> None:
        heading = side.size * 4 / 3
        used = self.fitted(
            side.heading, heading, top=top, height=_line_mm(heading) * 2 + 0.5, bold=True
        )
        body = height - used - 1.0
        self.fitted(side.body, side.size, top=top + used + 1.0, height=body, sentences=True)
        self.set_draw_color(180, 180, 180)
        self.line(MARGIN, top + height + 1.0, MARGIN + WIDTH, top + height + 1.0)

    def sources(self, flyer: Flyer, top: float, height: float) -> None:
        if not flyer.sources:
            return
        label = " / ".join(text("sources", lang) for lang in LANGS)
        full = f"{label} " + "; ".join(f"{s.title} ({s.url})" for s in flyer.sources)
        if not self.fits(full, 7.5, height - 3.5):  # the titles are what a reader can look up
            full = f"{label} " + "; ".join(s.title for s in flyer.sources)
        used = self.fitted(full, 7.5, top=top, height=height - 3.5)
        self.fitted(flyer.checked, 7.5, top=top + used, height=3.5, bold=True)

    def qr(self, flyer: Flyer, top: float) -> None:
        left = MARGIN + WIDTH - QR_MM
        _draw_qr(self, flyer.link, left, top, QR_MM)
        width = WIDTH - QR_MM - 4.0
        used = self.fitted(flyer.scan, 10.0, top=top + 2.0, height=14.0, width=width, bold=True)
        self.fitted(flyer.link, 8.0, top=top + 3.0 + used, height=12.0, width=width)

    def fitted(
        self,
        content: str,
        size: float,
        *,
        top: float,
        height: float,
        width: float = WIDTH,
        bold: bool = False,
        sentences: bool = False,
    ) -> float:
        """Write `content` in the box, cut with "…" at a word to fit; the height used."""
        line = _line_mm(size)

        def fits(shown: str) -> bool:
            return self.fits(shown, size, height, width=width, bold=bold)

        shown = _shorten(content, fits, sentences=sentences)
        self.set_xy(MARGIN, top)
        self.multi_cell(
            width, line, _printable(self, shown), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        return self.get_y() - top

    def fits(
        self, content: str, size: float, height: float, *, width: float = WIDTH, bold: bool = False
    ) -> bool:
        """Whether `content` wraps into the lines that `height` holds at `size` points."""
        self.set_font(FAMILY, "B" if bold else "", size)
        line = _line_mm(size)
        found = self.multi_cell(
            width, line, _printable(self, content), dry_run=True, output=MethodReturnValue.LINES
        )
        return isinstance(found, list) and len(found) <= max(int(height // line), 1)


def _line_mm(size: float) -> float:
    """Millimetres a line takes: 1.27 times the size in points."""
    return size * 0.45


def _shorten(content: str, fits: Callable[[str], bool], *, sentences: bool = False) -> str:
    """The longest prefix of whole words, ending in "…", that fits (binary search); cut after
    the last whole sentence instead when that keeps most of it, so the page reads cleanly."""
    if fits(content):
        return content
    words = content.split(" ")
    low, high = 0, len(words)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(_cut(words, middle)):
            low = middle
        else:
            high = middle - 1
    if not low:
        return ELLIPSIS
    kept = " ".join(words[:low])
    sentence = _SENTENCES.match(kept) if sentences else None
    if sentence and len(sentence[1]) >= 0.6 * len(kept) and fits(f"{sentence[1]} {ELLIPSIS}"):
        return f"{sentence[1]} {ELLIPSIS}"
    return _cut(words, low)


def _cut(words: list[str], count: int) -> str:
    return " ".join(words[:count]).rstrip(" ,;:.—-") + ELLIPSIS


def _printable(pdf: FPDF, content: str) -> str:
    """Characters the bundled font lacks (emoji in an event title) become a space rather than
    an empty box."""
    font = pdf.current_font
    cmap = getattr(font, "cmap", None) if font else None
    if not cmap:
        return content
    return "".join(c if ord(c) in cmap or c == "\n" else " " for c in content)


def _draw_qr(pdf: FPDF, link: str, left: float, top: float, size: float) -> None:
    """Error correction Q: a flyer gets folded, stained and taped to walls."""
    code = segno.make_qr(link, error="q", boost_error=False)
    border = 2
    rows = list(code.matrix_iter(border=border))
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for y, row in enumerate(rows):
        for start, end in _runs(row):
            pdf.rect(left + start * module, top + y * module, (end - start) * module, module, "F")


def _runs(row: Iterable[int]) -> list[tuple[int, int]]:
    """(start, end) of each stretch of dark modules: one rectangle each, not one per
    module, so the PDF stays small."""
    found: list[tuple[int, int]] = []
    start = None
    cells = [*list(row), False]
    for x, dark in enumerate(cells):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            found.append((start, x))
            start = None
    return found
