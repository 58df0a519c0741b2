"""Recurrence rules: a plain form ("second and fourth Tuesday") or an RRULE → one canonical
`RRULE:…` string (`parse_recurrence`), and the dateutil rule that expands it (`rule`).

Weekdays are names, never numbers: APScheduler 3 reads 0 as Monday and crontab reads it as
Sunday, so a number in a schedule is a reminder on the wrong day waiting to happen.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from difflib import get_close_matches
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

PLAIN_FORMS = (  # the English ones; Spanish works too ("cada martes", "segundo y cuarto martes")
    "daily",
    "weekly",
    "monthly",
    "every other week",
    "every 3 weeks",
    "every Tuesday",
    "every other Tuesday",
    "every Monday and Thursday",
    "second and fourth Tuesday",
    "first Monday",
    "last Wednesday",
)
_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_WORDS: dict[str, str] = {}
for _code, _name, _extra in zip(
    _CODES,
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ((), ("tues",), ("weds",), ("thur", "thurs"), (), (), ()),
    strict=True,
):
    for _word in (_name, _name + "s", _name[:3], *_extra):
        _DAY_WORDS[_word] = _code
# Spanish, as organizers write it ("segundo y cuarto martes", "cada dos semanas"), accents off
_DAY_WORDS |= {
    "lunes": "MO", "martes": "TU", "miercoles": "WE", "jueves": "TH", "viernes": "FR",
    "sabado": "SA", "sabados": "SA", "domingo": "SU", "domingos": "SU",
}  # fmt: skip
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "last": -1,
    "primer": 1, "primero": 1, "primera": 1, "segundo": 2, "segunda": 2, "tercer": 3,
    "tercero": 3, "tercera": 3, "cuarto": 4, "cuarta": 4, "quinto": 5, "quinta": 5,
    "ultimo": -1, "ultima": -1,
}  # fmt: skip
_FIRST_OR_LAST = frozenset(word for word, n in _ORDINALS.items() if n in (1, -1))
_EVERY = frozenset({"every", "cada"})
_NUMBER_WORDS = {"dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "two": 2, "three": 3}
_UNITS = {
    "day": "DAILY",
    "days": "DAILY",
    "daily": "DAILY",
    "week": "WEEKLY",
    "weeks": "WEEKLY",
    "weekly": "WEEKLY",
    "month": "MONTHLY",
    "months": "MONTHLY",
    "monthly": "MONTHLY",
    "year": "YEARLY",
    "years": "YEARLY",
    "yearly": "YEARLY",
    "dia": "DAILY", "dias": "DAILY", "diario": "DAILY", "diariamente": "DAILY",
    "semana": "WEEKLY", "semanas": "WEEKLY", "semanal": "WEEKLY", "semanalmente": "WEEKLY",
    "mes": "MONTHLY", "meses": "MONTHLY", "mensual": "MONTHLY", "mensualmente": "MONTHLY",
    "ano": "YEARLY", "anos": "YEARLY", "anual": "YEARLY", "anualmente": "YEARLY",
}  # fmt: skip
_ADVERBS = frozenset({"daily", "weekly", "monthly", "yearly", "diario", "diariamente", "semanal",
                      "semanalmente", "mensual", "mensualmente", "anual",
                      "anualmente"})  # fmt: skip
_TWO_WAYS = {"biweekly": "twice a week", "bi-weekly": "twice a week", "bisemanal": "twice a week",
             "quincenal": "twice a month"}  # fmt: skip
_FILLER = frozenset({"every", "each", "and", "of", "the", "on", "a",
                     "cada", "y", "de", "del", "el", "la", "los", "las", "por"})  # fmt: skip
_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_RULE_PARTS = (  # the canonical order after FREQ
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYMONTH",
    "BYWEEKNO",
    "BYYEARDAY",
    "BYMONTHDAY",
    "BYDAY",
    "BYHOUR",
    "BYMINUTE",
    "BYSECOND",
    "BYSETPOS",
    "WKST",
)
_BYDAY_ITEM = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_NUMBER = re.compile(r"^[+-]?\d+$")
_UNTIL = re.compile(r"^\d{8}(T\d{6}Z?)?$")
_UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z")
_CHECK_START = datetime(2026, 1, 1)  # noqa: DTZ001 - only to let dateutil check a rule


def _numeric_weekday(value: str) -> str:
    return (
        f"weekdays must be names, not numbers ('{value}'): numbers are ambiguous, as "
        "APScheduler 3 reads 0 as Monday and crontab reads it as Sunday; write the day: "
        "mon…sun (MO…SU in an RRULE)"
    )


_PLAIN_HELP = (
    "write a plain form (" + ", ".join(PLAIN_FORMS) + ") or an RRULE like FREQ=WEEKLY;BYDAY=TU"
)


@lru_cache(maxsize=1024)
def rule(recurrence: str, dtstart: datetime, timezone: str) -> rrule:
    """The dateutil rule in naive local time; cached, since reminders expand every tick.

    An UNTIL in UTC (`…Z`, what calendar apps export) becomes local wall-clock time first, as
    dateutil refuses a UTC UNTIL next to a naive start.
    """
    zone = ZoneInfo(timezone)

    def to_local(match: re.Match[str]) -> str:
        utc = datetime.strptime(match[1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return f"UNTIL={utc.astimezone(zone):%Y%m%dT%H%M%S}"

    parsed = rrulestr(_UNTIL_UTC.sub(to_local, recurrence), dtstart=dtstart)
    if not isinstance(parsed, rrule):  # only with forceset or several rules: never ours
        raise ValueError(f"not a single RRULE: {recurrence}")
    return parsed


def parse_recurrence(text: str) -> str:
    """A plain form or an RRULE → one canonical `RRULE:…` string; ValueError says what to write.

    Plain forms (case and commas do not matter): daily, weekly, monthly, yearly; every day,
    every week, every month; every other week, every N days/weeks/months; every Tuesday,
    Tuesdays, every Monday and Thursday, every other Tuesday, weekly on Tuesday; first Monday,
    second and fourth Tuesday, last Wednesday (of the month), every other month on the first
    Monday. "every second Tuesday" is refused: it means the second Tuesday of the month to some
    readers and every other Tuesday to others. "fortnightly" is every other week; "biweekly"
    and "quincenal" are refused (twice a week or a month, or every two weeks?). The same in
    Spanish, accents optional: cada martes, cada lunes y jueves, cada dos (or 2) semanas, cada
    otra semana, segundo y cuarto martes (del mes), primer lunes de cada mes, último miércoles,
    diario, semanal, mensual, anual.

    Canonical means the same rule always gives the same text (FREQ first, parts in a fixed
    order, BYDAY sorted), so a plain form and its RRULE compare equal.
    """
    raw = " ".join(text.split())
    if not raw:
        raise ValueError(f"it is empty; {_PLAIN_HELP}")
    return _canonical_rrule(raw if "=" in raw else _plain_rrule(raw))


def _plain_rrule(raw: str) -> str:
    folded = unicodedata.normalize("NFKD", raw.casefold().replace(",", " "))
    words = "".join(c for c in folded if not unicodedata.combining(c)).split()
    if words == ["fortnightly"]:
        return _rule_text("WEEKLY", 2, "")
    if len(words) == 1 and words[0] in _TWO_WAYS:
        raise ValueError(
            f"'{raw}' is read two ways ({_TWO_WAYS[words[0]]}, or every two weeks); "
            "write 'every other week' or name the days"
        )
    unit: str | None = None
    interval = 1
    days: list[str] = []
    ordinals: list[int] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        previous = words[i - 1] if i else ""
        if word in _NUMBER_WORDS and previous in _EVERY and following in _UNITS:
            interval = _NUMBER_WORDS[word]  # "cada dos semanas"
        elif word.isdigit():
            if following not in _UNITS or following in _ADVERBS:
                raise ValueError(_numeric_weekday(word))
            interval = int(word)
            if interval < 1:
                raise ValueError(f"'{raw}': the number of {following} must be 1 or more")
        elif word == "other" or (word in ("otra", "otro") and previous in _EVERY):
            interval = 2  # "every other week", "cada otra semana"
        elif word == "mes" and previous in ("del", "de"):
            continue  # "segundo martes del mes": of the month, as "of the month" is
        elif word in _UNITS:
            unit = _UNITS[word]
        elif word in _DAY_WORDS:
            days.append(_DAY_WORDS[word])
        elif word in _ORDINALS and previous in _EVERY and following in _UNITS:
            if _ORDINALS[word] < 1:  # "every last week"
                raise ValueError(f"'{raw}': write 'every other week' or 'every 3 weeks'")
            interval = _ORDINALS[word]  # "every second week", "every third month"
        elif word in _ORDINALS:
            if previous in _EVERY and word not in _FIRST_OR_LAST:
                day = next((w.capitalize() for w in words if w in _DAY_WORDS), "Tuesday")
                raise ValueError(
                    f"'{raw}' is read two ways; write 'every other {day}' or "
                    f"'{word} {day} of the month'"
                )
            ordinals.append(_ORDINALS[word])
        elif word not in _FILLER:
            raise ValueError(f"'{word}' is not a word I know here; {_PLAIN_HELP}")
    if ordinals:
        if not days or unit not in (None, "MONTHLY"):
            raise ValueError(
                f"'{raw}': a position (first, second, last) needs a weekday of the "
                "month, like 'second and fourth Tuesday'"
            )
        byday = ",".join(f"{n}{day}" for day in days for n in ordinals)
        return _rule_text("MONTHLY", interval, byday)
    if days:
        if unit not in (None, "WEEKLY"):
            raise ValueError(f"'{raw}': name weekdays with 'every', like 'every Tuesday'")
        return _rule_text("WEEKLY", interval, ",".join(days))
    if unit is None:
        raise ValueError(f"'{raw}' says how often but not what; {_PLAIN_HELP}")
    return _rule_text(unit, interval, "")


def _rule_text(freq: str, interval: int, byday: str) -> str:
    parts = [f"FREQ={freq}"]
    if interval != 1:
        parts.append(f"INTERVAL={interval}")
    if byday:
        parts.append(f"BYDAY={byday}")
    return ";".join(parts)


def _canonical_rrule(raw: str) -> str:
    body = re.sub(r"\s+", "", raw).upper().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for part in filter(None, body.split(";")):
        name, sep, value = part.partition("=")
        if not (sep and name and value):
            raise ValueError(f"'{part}' is not NAME=VALUE; write it like FREQ=WEEKLY;BYDAY=TU")
        if name in parts:
            raise ValueError(f"{name} appears twice")
        if name != "FREQ" and name not in _RULE_PARTS:
            hint = get_close_matches(name, _RULE_PARTS, n=1)
            more = f"; did you mean {hint[0]}?" if hint else ""
            raise ValueError(f"unknown RRULE part '{name}'{more}")
        parts[name] = value
    freq = parts.pop("FREQ", None)
    if freq is None:
        raise ValueError("FREQ is missing; start with FREQ=WEEKLY (or DAILY, MONTHLY, YEARLY)")
    if freq not in _FREQS:
        raise ValueError(f"FREQ={freq}: events repeat DAILY, WEEKLY, MONTHLY or YEARLY")
    for name in ("INTERVAL", "COUNT"):
        if name in parts and not (parts[name].isdigit() and int(parts[name]) > 0):
            raise ValueError(f"{name}={parts[name]}: write a whole number, 1 or more")
    if "UNTIL" in parts:
        if "COUNT" in parts:
            raise ValueError("use COUNT or UNTIL, not both (RFC 5545)")
        parts["UNTIL"] = _until(parts["UNTIL"])
    if "WKST" in parts and parts["WKST"] not in _CODES:
        raise ValueError(
            _numeric_weekday(parts["WKST"])
            if _NUMBER.match(parts["WKST"])
            else f"WKST={parts['WKST']}: write a weekday, MO…SU"
        )
    if "BYDAY" in parts:
        parts["BYDAY"] = _byday(parts["BYDAY"])
    text = ";".join([f"FREQ={freq}", *(f"{k}={parts[k]}" for k in _RULE_PARTS if k in parts)])
    try:
        rule(f"RRULE:{text}", _CHECK_START, "UTC")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a valid RRULE ({exc})") from None
    return f"RRULE:{text}"


def _until(value: str) -> str:
    if not _UNTIL.match(value):
        raise ValueError(
            f"UNTIL={value}: write a date like UNTIL=20270630 or a UTC time like "
            "UNTIL=20270630T070000Z"
        )
    # a bare date means through that whole local day; dateutil would read it as midnight
    return value if "T" in value else f"{value}T235959"


def _byday(value: str) -> str:
    items: set[tuple[int, str]] = set()
    for item in value.split(","):
        if _NUMBER.match(item):
            raise ValueError(_numeric_weekday(item))
        match = _BYDAY_ITEM.match(item)
        position = int(match[1]) if match and match[1] else 0
        if not match or not -53 <= position <= 53:
            raise ValueError(
                f"BYDAY: '{item}' is not a weekday; write MO…SU, with an optional position "
                "like 2TU (second Tuesday) or -1FR (last Friday)"
            )
        items.add((position, match[2]))

    def order(item: tuple[int, str]) -> tuple[int, int, int]:
        position, day = item
        return (position < 0, abs(position), _CODES.index(day))

    return ",".join(f"{p or ''}{d}" for p, d in sorted(items, key=order))
