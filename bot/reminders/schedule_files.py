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
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.config import ConfigError, parse_duration
from bot.messages import link_problem
from bot.reminders.recurrence import parse_recurrence
from bot.reminders.recurrence import rule as recurrence_rule
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
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_STARTS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")

_SLACK = timedelta(days=1)  # local and UTC order differ by one DST shift at most


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
        rule = recurrence_rule(recurrence, self.local_start(), self.timezone)
        low = after.astimezone(zone).replace(tzinfo=None) - _SLACK
        for local in rule.xafter(low, inc=True):
            yield local, local.replace(tzinfo=zone).astimezone(UTC)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")


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
        rule = recurrence_rule(event.recurrence, local, event.timezone)
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
