"""The one Event, and the one set of checks every way of making one goes through.

Schedule files (schedule_files.py reports a check's message at the node's line), the organizers'
`/event add` and `/event edit` (the chat says the same message) and the database rows those
commands saved (a row that fails is left out and logged) all use the checks below, so a value
is refused for the same reason wherever it is written. The messages are English, as `validate`
prints them; the chat frames them in its own language (`RefusedError`).

People arrive by the wall clock, so organizers write wall-clock times ("18:00 on the second
Tuesday") and recurrences expand in naive local time; only then does each date get its zone.
A 09:30 meeting therefore stays at 09:30 across daylight-saving changes, and its UTC time moves
by an hour instead. Where a local time is not exactly one instant, zoneinfo's fold=0 decides:

- a time that does not exist (02:30 on the spring-forward day) keeps the offset from before the
  change, so it happens at 03:30 local (10:30 UTC in America/Los_Angeles);
- a time that happens twice (01:30 on the fall-back day) is the first one, still daylight time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import ConfigError, parse_duration, target_chats
from bot.messages import link_problem
from bot.reminders.recurrence import parse_recurrence, rule
from bot.texts import text

TITLE_MAX = 300
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SLUG = re.compile(r"[^a-z0-9]+")
_STARTS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_SLACK = timedelta(days=1)  # local and UTC order differ by one DST shift at most
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    title: str
    starts: datetime  # aware; the first occurrence, as written in `timezone`
    timezone: str
    location: str | None = None
    url: str | None = None
    recurrence: str | None = None  # "RRULE:…", canonical (see parse_recurrence)
    remind: tuple[timedelta, ...] = ()
    targets: tuple[str, ...] = ()
    file: str = ""  # the schedule file it comes from, or "chat"
    line: int = 0
    duration: timedelta | None = None  # how long it lasts in calendar apps; None: the default

    def __post_init__(self) -> None:
        # a naive start would be read in the server's own zone by astimezone(): wrong silently
        require_aware(self.starts, "Event.starts")

    def occurrences(self, after: datetime, before: datetime) -> list[datetime]:
        """Starts in [after, before), as aware UTC datetimes, soonest first."""
        require_aware(after, "after")
        require_aware(before, "before")
        if self.recurrence is None:
            start = self.starts.astimezone(UTC)
            return [start] if after <= start < before else []
        stop = before.astimezone(self._zone()).replace(tzinfo=None) + _SLACK
        found = []
        for local, moment in self._expand(self.recurrence, after):
            if local > stop:
                break
            if after <= moment < before:
                found.append(moment)
        return sorted(found)

    def next_occurrence(self, after: datetime) -> datetime | None:
        """The first start at or after `after` (UTC), or None when the event is over."""
        require_aware(after, "after")
        if self.recurrence is None:
            start = self.starts.astimezone(UTC)
            return start if start >= after else None
        for _local, moment in self._expand(self.recurrence, after):
            if moment >= after:
                return moment
        return None

    def local_start(self) -> datetime:
        """The naive wall-clock start that the recurrence repeats (fold=0, like every date).

        Taken as written when `starts` is in the event's zone, so a start at a time the clocks
        skip (02:30 on the spring-forward day) repeats at 02:30 in later weeks, not at 03:30.
        """
        if getattr(self.starts.tzinfo, "key", None) == self.timezone:
            return self.starts.replace(tzinfo=None, fold=0)
        return self.starts.astimezone(self._zone()).replace(tzinfo=None, fold=0)

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _expand(self, recurrence: str, after: datetime) -> Iterator[tuple[datetime, datetime]]:
        """(local naive, UTC) pairs from a day before `after` on, in local order."""
        zone = self._zone()
        expanded = rule(recurrence, self.local_start(), self.timezone)
        low = after.astimezone(zone).replace(tzinfo=None) - _SLACK
        for local in expanded.xafter(low, inc=True):
            yield local, local.replace(tzinfo=zone).astimezone(UTC)


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")


# --- the checks: each returns the checked value or raises FieldError ---------------------


class SaidError(Exception):
    """An error that is a sentence of bot/texts: English in logs and `validate`, the chat's
    language when told to a person."""

    def __init__(self, key: str, **values: object) -> None:
        self.key, self.values = key, values
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        return text(self.key, lang, **self.values)


class FieldError(SaidError, ValueError):
    """Why a value cannot go into an Event, in the words schedule files and /event both use."""


class RefusedError(SaidError):
    """Why an organizer's change was not made, with the field problems that made it so."""

    def __init__(self, key: str, problems: Sequence[FieldError] = (), **values: object) -> None:
        self.problems = tuple(problems)
        super().__init__(key, **values)

    def text(self, lang: str) -> str:
        if not self.problems:
            return super().text(lang)
        said = [p.text(lang) for p in self.problems]
        listed = f" {said[0]}" if len(said) == 1 else "\n" + "\n".join(f"- {p}" for p in said)
        return text(self.key, lang, **self.values, problems=listed)

    @classmethod
    def saying(cls, problems: Sequence[FieldError]) -> RefusedError:
        return cls("event_not_saved", problems)


class Problems:
    """Every FieldError met while reading one event, so that all are told at once."""

    def __init__(self) -> None:
        self.found: list[FieldError] = []

    def check(self, check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        try:
            return check(*args, **kwargs)
        except FieldError as problem:
            self.found.append(problem)
            return None


def check_id(event_id: str) -> str:
    if not _ID.match(event_id):
        raise FieldError("field_id", event_id=event_id)
    return event_id


def check_title(title: str) -> str:
    if not title.strip():
        raise FieldError("field_title_empty")
    if len(title) > TITLE_MAX:
        raise FieldError("field_title_long", length=len(title), limit=TITLE_MAX)
    return title


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a folder such as "America"
        raise FieldError("field_zone", name=name) from None


def read_wall_clock(raw: str) -> datetime:
    """'2026-12-08 09:30' → the naive local time; the zone is the event's, never an offset."""
    match = _STARTS.match(raw.strip())
    if match is None:
        offset = re.search(r"\d(Z|[+-]\d{2}:?\d{2})$", raw)
        raise FieldError("field_starts_offset" if offset else "field_starts_format", raw=raw)
    year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - wall clock
    except ValueError as exc:
        raise FieldError("field_starts_invalid", raw=raw, reason=exc) from None


def check_future(starts: datetime, timezone: str, now: datetime) -> datetime:
    """For a new start (made or moved in chat); a schedule file's past event only warns."""
    if starts <= now:
        raise FieldError("field_past", starts=f"{starts:%Y-%m-%d %H:%M}", timezone=timezone)
    return starts


def read_offset(value: str) -> timedelta:
    """'2h' → how long before the start a reminder goes out."""
    value = value.strip()
    try:
        offset = parse_duration(value.removeprefix("-"), "remind")
    except ConfigError:
        raise FieldError("field_offset", value=value) from None
    if value.startswith("-"):
        raise FieldError("field_offset_negative", value=value, positive=value[1:])
    return check_offset(offset, value)


def check_offset(offset: timedelta, written: str | None = None) -> timedelta:
    if offset <= timedelta(0):
        raise FieldError("field_offset_zero", value=written or offset_text(offset))
    return offset


def offsets(found: Iterable[timedelta | None]) -> tuple[timedelta, ...]:
    """Reminder offsets as an Event keeps them: each once, the earliest reminder first."""
    return tuple(sorted({o for o in found if o is not None}, reverse=True))


def check_target(name: str, targets: Mapping[str, Any]) -> str:
    """A name from the config's `targets` that reaches at least one chat."""
    if name not in targets:
        known = ", ".join(sorted(targets))
        raise FieldError(
            "field_target_unknown" if known else "field_target_none", name=name, known=known
        )
    if not target_chats(targets, name):
        raise FieldError("field_target_empty", name=name)
    return name


def check_url(url: str) -> str:
    if problem := link_problem(url):
        raise FieldError("field_url", problem=problem)
    return url


def read_recurrence(value: str) -> str:
    try:
        return parse_recurrence(value)
    except ValueError as exc:
        raise FieldError("field_recurrence", value=value, reason=exc) from None


def check_first_date(event: Event) -> Event:
    """A recurrence must give a date on or after the start (an UNTIL before it gives none)."""
    if event.recurrence is not None:
        local = event.local_start()
        if rule(event.recurrence, local, event.timezone).after(local, inc=True) is None:
            shown = f"{event.starts:%Y-%m-%d %H:%M} {event.timezone}"
            raise FieldError("field_recurrence_none", shown=shown)
    return event


def read_length(value: str) -> timedelta:
    """How long the event lasts (the end time in calendar apps); reminders ignore it."""
    try:
        length = parse_duration(value, "duration")
    except ConfigError:
        raise FieldError("field_duration", value=value) from None
    if length <= timedelta(0):
        raise FieldError("field_duration_zero", value=value)
    return length


def check_event(event: Event, targets: Mapping[str, Any]) -> list[FieldError]:
    """Every problem of a whole Event, made as it may be (a stored row, an edited event).
    Its recurrence is canonical already: only parse_recurrence makes one."""
    problems = Problems()
    problems.check(check_id, event.id)
    problems.check(check_title, event.title)
    zone = problems.check(zone_of, event.timezone)
    for offset in event.remind:
        problems.check(check_offset, offset)
    for name in event.targets:
        problems.check(check_target, name, targets)
    if event.url:
        problems.check(check_url, event.url)
    if zone:
        problems.check(check_first_date, event)
    return problems.found


# --- events made in chat --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """A new event as an organizer typed it: text, checked by `new_event`."""

    title: str
    starts: str  # local wall-clock time, like 2026-12-08 16:30
    timezone: str | None = None  # None: the config's
    remind: str = "1d,2h"  # offsets, comma-separated
    targets: str = "console"  # target names, comma-separated
    location: str | None = None
    url: str | None = None
    recurrence: str | None = None


def new_event(
    draft: Draft, *, targets: Mapping[str, Any], default_timezone: str, now: datetime
) -> Event:
    """The Event a Draft describes, checked as a schedule file's would be and not in the past;
    RefusedError names every problem at once."""
    problems = Problems()
    title = problems.check(check_title, draft.title)
    timezone = draft.timezone or default_timezone
    zone = problems.check(zone_of, timezone)
    local = problems.check(read_wall_clock, draft.starts)
    starts = local.replace(tzinfo=zone) if local and zone else None
    if starts:
        problems.check(check_future, starts, timezone, now)
    remind = offsets(problems.check(read_offset, v) for v in items(draft.remind))
    names = [problems.check(check_target, n, targets) for n in items(draft.targets)]
    url = problems.check(check_url, draft.url) if draft.url else None
    recurrence = problems.check(read_recurrence, draft.recurrence) if draft.recurrence else None
    if problems.found or not (title and starts):
        raise RefusedError.saying(problems.found)
    event = Event(
        new_id(title, starts),
        title,
        starts,
        timezone,
        draft.location or None,
        url,
        recurrence,
        remind,
        tuple(dict.fromkeys(n for n in names if n)),
        file="chat",
    )
    if problems.check(check_first_date, event) is None:
        raise RefusedError.saying(problems.found)
    return event


def with_changes(
    event: Event, changes: Mapping[str, str], *, targets: Mapping[str, Any], now: datetime
) -> Event:
    """`event` with fields (title, starts, remind, targets, location, url, recurrence) set from
    text as an organizer typed it, checked as a new event is; RefusedError says why not."""
    problems = Problems()
    values: dict[str, object] = {}
    for field, value in changes.items():
        if field == "starts":
            local = problems.check(read_wall_clock, value)
            zone = problems.check(zone_of, event.timezone)
            if local and zone:
                values[field] = problems.check(
                    check_future, local.replace(tzinfo=zone), event.timezone, now
                )
        elif field == "remind":
            values[field] = offsets(problems.check(read_offset, v) for v in items(value))
        elif field == "targets":
            names = [problems.check(check_target, n, targets) for n in items(value)]
            values[field] = tuple(dict.fromkeys(n for n in names if n))
        elif field == "recurrence":
            values[field] = problems.check(read_recurrence, value)
        elif field == "title":
            values[field] = value.strip()
        elif field in ("location", "url"):
            values[field] = value.strip() or None
        else:
            raise ValueError(f"an event has no field '{field}' to change")
    if not problems.found:
        event = replace(event, **values)  # type: ignore[arg-type]
        problems.found = check_event(event, targets)
    if problems.found:
        raise RefusedError.saying(problems.found)
    return event


def new_id(title: str, starts: datetime) -> str:
    words = _SLUG.sub("-", title.casefold()).strip("-")[:40].strip("-") or "event"
    return f"{words}-{starts:%Y-%m-%d}"


def offset_text(offset: timedelta) -> str:
    """1d, 2h, 30m: how organizers write an offset."""
    seconds = int(offset.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def items(value: str) -> list[str]:
    """ "a, b," → ["a", "b"]: a list as chat commands and database rows write it."""
    return [item.strip() for item in value.split(",") if item.strip()]
