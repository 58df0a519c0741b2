"""Load and validate `schedules/*.yaml` into Events (zoneinfo, recurrence, reminder offsets).

People arrive by the wall clock, so organizers write wall-clock times ("18:00 on the second
Tuesday") and recurrences expand in naive local time; only then does each date get its zone.
A 09:30 meeting therefore stays at 09:30 across daylight-saving changes, and its UTC time moves
by an hour instead. Where a local time is not exactly one instant, zoneinfo's fold=0 decides:

- a time that does not exist (02:30 on the spring-forward day) keeps the offset from before the
  change, so it happens at 03:30 local (10:30 UTC in America/Los_Angeles);
- a time that happens twice (01:30 on the fall-back day) is the first one, still daylight time.

Weekdays are names, never numbers: APScheduler 3 reads 0 as Monday and crontab reads it as
Sunday, so a number in a schedule is a reminder on the wrong day waiting to happen.

Everything here is pure and synchronous; the async core calls `load_schedules` in a thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.config import ConfigError, parse_duration
from bot.messages import link_problem
from bot.yamlcheck import (
    NULL_TAG,
    Checked,
    Problem,
    Reporter,
    compose,
    line_of,
    yaml_files,
)

EVENT_KEYS = (
    "id",
    "title",
    "starts",
    "timezone",
    "location",
    "url",
    "recurrence",
    "remind",
    "targets",
    "duration",
)
PLAIN_FORMS = (
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
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_STARTS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")

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
}
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
}
_FILLER = frozenset({"every", "each", "and", "of", "the", "on", "a"})
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
_SLACK = timedelta(days=1)  # local and UTC order differ by one DST shift at most
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
    file: str = ""
    line: int = 0
    duration: timedelta | None = None  # how long it lasts in calendar apps; None: the default

    def __post_init__(self) -> None:
        # a naive start would be read in the server's own zone by astimezone(): wrong silently
        _require_aware(self.starts, "Event.starts")

    def occurrences(self, after: datetime, before: datetime) -> list[datetime]:
        """Starts in [after, before), as aware UTC datetimes, soonest first."""
        _require_aware(after, "after")
        _require_aware(before, "before")
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
        _require_aware(after, "after")
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
        rule = _rule(recurrence, self.local_start(), self.timezone)
        low = after.astimezone(zone).replace(tzinfo=None) - _SLACK
        for local in rule.xafter(low, inc=True):
            yield local, local.replace(tzinfo=zone).astimezone(UTC)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")


@lru_cache(maxsize=1024)
def _rule(recurrence: str, dtstart: datetime, timezone: str) -> rrule:
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


@dataclass(frozen=True, slots=True)
class ScheduleResult(Checked):
    events: tuple[Event, ...]
    problems: tuple[Problem, ...]
    read: int = 0  # events found in the files, those left out for errors included
    broken: tuple[str, ...] = ()  # ids of the events left out for errors


def schedule_files(path: Path) -> list[Path]:
    """A file as given, or a folder's *.yaml and *.yml in name order.

    The same rule as knowledge files (one helper), so `validate` treats both folders alike.
    """
    return yaml_files(path)


def parse_recurrence(text: str) -> str:
    """A plain form or an RRULE → one canonical `RRULE:…` string; ValueError says what to write.

    Plain forms (case and commas do not matter): daily, weekly, monthly, yearly; every day,
    every week, every month; every other week, every N days/weeks/months; every Tuesday,
    Tuesdays, every Monday and Thursday, every other Tuesday, weekly on Tuesday; first Monday,
    second and fourth Tuesday, last Wednesday (of the month), every other month on the first
    Monday. "every second Tuesday" is refused: it means the second Tuesday of the month to some
    readers and every other Tuesday to others.

    Canonical means the same rule always gives the same text (FREQ first, parts in a fixed
    order, BYDAY sorted), so a plain form and its RRULE compare equal.
    """
    raw = " ".join(text.split())
    if not raw:
        raise ValueError(f"it is empty; {_PLAIN_HELP}")
    return _canonical_rrule(raw if "=" in raw else _plain_rrule(raw))


def _plain_rrule(raw: str) -> str:
    words = raw.casefold().replace(",", " ").split()
    if words in (["biweekly"], ["bi-weekly"], ["fortnightly"]):
        raise ValueError(
            f"'{raw}' is read two ways (twice a week, or every two weeks); "
            "write 'every other week' or name the days"
        )
    unit: str | None = None
    interval = 1
    days: list[str] = []
    ordinals: list[int] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        previous = words[i - 1] if i else ""
        if word.isdigit():
            if following not in _UNITS or following in ("daily", "weekly", "monthly", "yearly"):
                raise ValueError(_numeric_weekday(word))
            interval = int(word)
            if interval < 1:
                raise ValueError(f"'{raw}': the number of {following} must be 1 or more")
        elif word == "other":
            interval = 2
        elif word in _UNITS:
            unit = _UNITS[word]
        elif word in _DAY_WORDS:
            days.append(_DAY_WORDS[word])
        elif word in _ORDINALS and previous == "every" and following in _UNITS:
            if _ORDINALS[word] < 1:  # "every last week"
                raise ValueError(f"'{raw}': write 'every other week' or 'every 3 weeks'")
            interval = _ORDINALS[word]  # "every second week", "every third month"
        elif word in _ORDINALS:
            if previous == "every" and word not in ("first", "1st", "last"):
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
        _rule(f"RRULE:{text}", _CHECK_START, "UTC")
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


def duplicate_id(event_id: str, at: tuple[str, int], first: tuple[str, int]) -> Problem:
    """An id seen again at `at` (file, line): the one `first` seen is the one kept."""
    return Problem(
        at[0],
        at[1],
        f"duplicate id '{event_id}' (kept the one at {first[0]}:{first[1]}); "
        "ids must be unique across all schedule files",
    )


def load_schedules(
    paths: Iterable[Path],
    *,
    targets: Mapping[str, object],
    default_timezone: str,
    now: datetime,
) -> ScheduleResult:
    """Every file's events and every problem; events with errors are left out.

    `now` only decides which one-off events are over: that is a warning, never an error, so
    bundled files do not start failing as the calendar moves on.
    """
    _require_aware(now, "now")
    problems: list[Problem] = []
    events: list[Event] = []
    seen: dict[str, tuple[str, int]] = {}
    read = 0
    broken: list[str] = []
    for file in (f for p in paths for f in schedule_files(Path(p))):
        reader = _EventReader(str(file), problems, targets, default_timezone, now)
        found = reader.file(file)
        read += reader.read
        for event_id, line, event in found:
            first = seen.get(event_id)
            if first:
                problems.append(duplicate_id(event_id, (str(file), line), first))
                continue
            seen[event_id] = (str(file), line)
            if event is not None:
                events.append(event)
            else:
                broken.append(event_id)
    return ScheduleResult(tuple(events), tuple(problems), read, tuple(broken))


class _EventReader(Reporter):
    """Turns one file's nodes into Events, reporting each problem at its line."""

    def __init__(
        self,
        file: str,
        problems: list[Problem],
        targets: Mapping[str, object],
        default_timezone: str,
        now: datetime,
    ) -> None:
        super().__init__(file, problems)
        self.targets = targets
        self.default_timezone, self.now = default_timezone, now
        self.read = 0  # every item of the list, one without a readable id included

    def file(self, path: Path) -> list[tuple[str, int, Event | None]]:
        """(id, line, event or None when it has errors) for each event with a readable id."""
        root, unreadable = compose(path)
        if unreadable:
            self.problems.append(unreadable)
            return []
        if root is None:
            return []  # an emptied file: no events, nothing wrong
        items = self.events_node(root)
        if items is None:
            return []
        found = []
        self.read = len(items.value)
        for node in items.value:
            self.ok = True
            event_id, event = self.event(node)
            if event_id:
                found.append((event_id, line_of(node), event))
        return found

    def events_node(self, root: Node) -> SequenceNode | None:
        expected = "expected 'events:' followed by a list of events (each starting with '- id:')"
        if not isinstance(root, MappingNode):
            self.error(root, expected)
            return None
        items: Node | None = None
        reported = False
        for key, value in root.value:
            if key.value == "events" and items is None:
                items = value
            elif key.value == "events":
                self.error(key, "'events' appears twice; put all events in one list")
            else:
                hint = get_close_matches(str(key.value), ["events"], n=1)
                more = "did you mean 'events'?" if hint else "a schedule file holds only 'events:'"
                self.error(key, f"unknown key '{key.value}' at the top; {more}")
                reported = True
        if items is None:
            if not reported:
                self.error(root, expected)
            return None
        if isinstance(items, ScalarNode) and items.tag == NULL_TAG:
            return None  # `events:` with nothing under it yet
        if not isinstance(items, SequenceNode):
            self.error(items, expected)
            return None
        return items

    def event(self, node: Node) -> tuple[str, Event | None]:
        if not isinstance(node, MappingNode):
            self.error(node, "each event must be a mapping starting with 'id:'")
            return "", None
        fields = self.mapping(node, EVENT_KEYS, "event")
        event_id = self.text(fields, node, "id", required=True)
        if event_id and not _ID.match(event_id):
            self.error(fields["id"], f"id '{event_id}' must be kebab-case (lowercase, digits, '-')")
        title = self.text(fields, node, "title", required=True)
        zone_name = self.text(fields, node, "timezone") or self.default_timezone
        zone = self.zone(zone_name, fields.get("timezone", node))
        starts = self.starts(fields, node, zone)
        recurrence = None
        if text := self.text(fields, node, "recurrence"):
            try:
                recurrence = parse_recurrence(text)
            except ValueError as exc:
                self.error(fields["recurrence"], f"recurrence '{text}': {exc}")
        remind = self.offsets(fields.get("remind"))
        targets = self.target_names(fields.get("targets"))
        duration = self.duration(fields.get("duration"))
        location = self.text(fields, node, "location") or None
        url = self.text(fields, node, "url") or None
        if url and (problem := link_problem(url)):
            self.error(fields["url"], f"url {problem}")
        if not (self.ok and event_id and title and starts and zone):
            return event_id, None
        event = Event(
            event_id,
            title,
            starts,
            zone_name,
            location,
            url,
            recurrence,
            remind,
            targets,
            self.source,
            line_of(node),
            duration,
        )
        self.check_dates(event, fields["starts"], fields.get("recurrence"))
        return event_id, (event if self.ok else None)

    def text(
        self, fields: dict[str, Node], parent: Node, key: str, *, required: bool = False
    ) -> str:
        """The raw text of a scalar: YAML's guesses (dates, yes/no) never reach the Event."""
        node = fields.get(key)
        if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
            if required:
                self.error(node or parent, f"event: missing '{key}'")
            return ""
        if not isinstance(node, ScalarNode):
            self.error(node, f"'{key}' must be text")
            return ""
        value = str(node.value).strip()
        if required and not value:
            self.error(node, f"'{key}' is empty")
        return value

    def zone(self, name: str, node: Node) -> ZoneInfo | None:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # a folder such as "America"
            self.error(node, f"'{name}' is not an IANA time zone; e.g. America/Los_Angeles")
            return None

    def starts(
        self, fields: dict[str, Node], parent: Node, zone: ZoneInfo | None
    ) -> datetime | None:
        raw = self.text(fields, parent, "starts", required=True)
        if not raw:
            return None
        node = fields["starts"]
        match = _STARTS.match(raw)
        if match is None:
            advice = (
                "leave out the UTC offset (the zone goes in 'timezone')"
                if re.search(r"\d(Z|[+-]\d{2}:?\d{2})$", raw)
                else "write it like 2026-12-08 09:30"
            )
            self.error(node, f"starts: '{raw}' is not a local date and time; {advice}")
            return None
        year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
        try:
            naive = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - wall clock
        except ValueError as exc:
            self.error(node, f"starts: '{raw}' is not a local date and time ({exc})")
            return None
        return naive.replace(tzinfo=zone) if zone else None

    def offsets(self, node: Node | None) -> tuple[timedelta, ...]:
        if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
            return ()
        if isinstance(node, MappingNode):
            self.error(node, "remind: expected a list of offsets, like [7d, 1d, 2h]")
            return ()
        items = node.value if isinstance(node, SequenceNode) else [node]
        found = []
        for item in items:
            if not isinstance(item, ScalarNode):
                self.error(item, "remind: each offset is one value, like 2h")
                continue
            value = str(item.value).strip()
            try:
                offset = parse_duration(value.removeprefix("-"), "remind")
            except ConfigError:
                self.error(item, f"remind: '{value}' is not an offset; write 7d, 1d, 2h or 30m")
                continue
            if value.startswith("-"):
                self.error(
                    item,
                    f"remind: '{value}' is negative; offsets already count back from the "
                    f"start, so write {value[1:]}",
                )
                continue
            if offset <= timedelta(0):
                self.error(item, f"remind: '{value}' must be more than zero")
                continue
            found.append(offset)
        return tuple(sorted(set(found), reverse=True))

    def duration(self, node: Node | None) -> timedelta | None:
        """How long the event lasts (the end time in calendar apps); reminders ignore it."""
        if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
            return None
        if not isinstance(node, ScalarNode):
            self.error(node, "duration: one value, like 2h or 90m")
            return None
        value = str(node.value).strip()
        try:
            length = parse_duration(value, "duration")
        except ConfigError:
            self.error(node, f"duration: '{value}' is not a length; write 90m, 2h or 3h")
            return None
        if length <= timedelta(0):
            self.error(node, f"duration: '{value}' must be more than zero")
            return None
        if length > timedelta(days=1):
            self.warn(node, f"duration: '{value}' is more than a day; 2h is two hours, 2d two days")
        return length

    def target_names(self, node: Node | None) -> tuple[str, ...]:
        if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
            return ()
        if isinstance(node, MappingNode):
            self.error(node, "targets: expected a list of target names, like [console]")
            return ()
        items = node.value if isinstance(node, SequenceNode) else [node]
        names = []
        for item in items:
            name = str(item.value).strip() if isinstance(item, ScalarNode) else "(a list)"
            if name not in self.targets:
                known = ", ".join(sorted(self.targets)) or "(none configured)"
                self.error(item, f"unknown target '{name}'; known: {known}")
            elif name not in names:
                names.append(name)
        return tuple(names)

    def check_dates(self, event: Event, starts: Node, recurrence: Node | None) -> None:
        """Over, never happening, or starting off the rule: what organizers notice too late."""
        shown = f"{event.starts:%Y-%m-%d %H:%M} {event.timezone}"
        local, zone = event.local_start(), ZoneInfo(event.timezone)
        actual = local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
        if actual.replace(tzinfo=None) != local:
            self.warn(
                starts,
                f"starts {local:%Y-%m-%d %H:%M} does not exist in {event.timezone} (the clocks "
                f"jump forward that night); it happens at {actual:%H:%M}",
            )
        if event.recurrence is None or recurrence is None:
            if event.starts < self.now:
                self.warn(
                    starts,
                    f"event '{event.id}' is over (it started {shown}); "
                    "remove it or add a recurrence",
                )
            return
        rule = _rule(event.recurrence, local, event.timezone)
        first = rule.after(local, inc=True)
        if first is None:
            self.error(recurrence, f"recurrence: no date on or after starts ({shown}); check UNTIL")
            return
        if first != local:
            # calendar apps (the .ics export) count DTSTART as a date even off the rule
            self.warn(
                starts,
                f"starts {local:%Y-%m-%d %H:%M} (a {local:%A}) is not a date of the "
                f"recurrence; reminders begin {first:%Y-%m-%d %H:%M}, but calendar apps also "
                "show the starts date: set starts to the first real date",
            )
        if event.next_occurrence(self.now) is None:
            last = rule.before(self.now.astimezone(zone).replace(tzinfo=None))
            when = f"{last:%Y-%m-%d %H:%M}" if last else f"{local:%Y-%m-%d %H:%M}"
            self.warn(
                recurrence,
                f"event '{event.id}' is over (its last date was {when} {event.timezone}); "
                "remove it or extend the recurrence",
            )
