"""What a reminder says: the announcement in one language or both, /next's reply, and dates
as people read them ('Tuesday, December 8, 2026, 4:30 PM PST'). Pure: no store, no clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.messages import Button, Moment, Reply
from bot.reminders.event import Event
from bot.texts import text


def reminder_reply(event: Event, occurrence: datetime, lang: str, going: int = 0) -> Reply:
    """The reminder of one occurrence; `lang` "both" writes English, then Spanish."""
    langs = ("en", "es") if lang == "both" else (lang,)
    body = "\n\n".join(describe(event, occurrence, one) for one in langs)
    if going:
        body += "\n\n" + " / ".join(text("going_count", one, count=going) for one in langs)
    moments = tuple(moment(event, occurrence, one) for one in langs)
    return Reply(
        body, langs[0], title=event.title, buttons=(_going(event, langs[0]),), moments=moments
    )


def next_reply(event: Event, occurrence: datetime, lang: str) -> Reply:
    """/next: the event's details under its own heading, and how to comment at it."""
    lines = [
        text("next_head", lang, title=event.title),
        *details(event, occurrence, lang),
        text("next_comment", lang),
    ]
    return Reply(
        "\n".join(lines),
        lang,
        title=event.title,
        buttons=(_going(event, lang),),
        moments=(moment(event, occurrence, lang),),
    )


def describe(event: Event, occurrence: datetime, lang: str) -> str:
    head = text("reminder_head", lang, title=event.title)
    return "\n".join([head, *details(event, occurrence, lang)])


def details(event: Event, occurrence: datetime, lang: str) -> list[str]:
    """When, where, and the link: the lines every announcement of the event shares."""
    lines = [text("when", lang, when=moment(event, occurrence, lang).shown)]
    if event.location:
        lines.append(text("where", lang, where=event.location))
    if event.url:
        lines.append(text("more", lang, url=event.url))
    return lines


def moment(event: Event, occurrence: datetime, lang: str) -> Moment:
    """The occurrence as `describe` writes it, with the instant it stands for."""
    return Moment(format_when(occurrence.astimezone(ZoneInfo(event.timezone)), lang), occurrence)


def _going(event: Event, lang: str) -> Button:
    return Button(text("going_button", lang), f"going:{event.id}"[:64])


_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}


def format_day(local: datetime, lang: str) -> str:
    """'January 13' / '13 de enero': a date of a series whose time was already said."""
    month = _MONTHS.get(lang, _MONTHS["en"])[local.month - 1]
    return f"{local.day} de {month}" if lang == "es" else f"{month} {local.day}"


def format_when(local: datetime, lang: str) -> str:
    """'Tuesday, December 8, 2026, 4:30 PM PST' / 'martes 8 de diciembre de 2026, 16:30 PST'."""
    day = _DAYS.get(lang, _DAYS["en"])[local.weekday()]
    month = _MONTHS.get(lang, _MONTHS["en"])[local.month - 1]
    zone = local.tzname() or ""
    if lang == "es":
        return f"{day} {local.day} de {month} de {local.year}, {local:%H:%M} {zone}".strip()
    hour = local.hour % 12 or 12
    return f"{day}, {month} {local.day}, {local.year}, {hour}:{local:%M} {local:%p} {zone}".strip()
