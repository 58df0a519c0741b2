"""Read `schedules/*.yaml` into checked Events, every problem at its file and line.

This module only walks the YAML: each field's value goes through the checks in event.py (the
same ones `/event add` uses), and a check's message becomes a Problem at that node's line. What
only a file can get wrong (its shape, unknown keys) and the warnings that help an organizer
(an event that is over, a start off its recurrence, a time the clocks skip) are said here.

Everything here is pure and synchronous; the async core calls `load_schedules` in a thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from difflib import get_close_matches
from pathlib import Path
from typing import ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.reminders.event import (
    Event,
    FieldError,
    check_first_date,
    check_id,
    check_target,
    check_title,
    check_url,
    offsets,
    read_length,
    read_offset,
    read_recurrence,
    read_wall_clock,
    require_aware,
    zone_of,
)
from bot.reminders.recurrence import rule
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
P = ParamSpec("P")
T = TypeVar("T")


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
    require_aware(now, "now")
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

    def check(
        self, node: Node, check: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        """A check of event.py on a node's value: its problem is an error at the node's line."""
        try:
            return check(*args, **kwargs)
        except FieldError as problem:
            self.error(node, str(problem))
            return None

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
        if event_id:
            self.check(fields["id"], check_id, event_id)
        title = self.text(fields, node, "title", required=True)
        if title:
            self.check(fields["title"], check_title, title)
        zone_name = self.text(fields, node, "timezone") or self.default_timezone
        zone = self.check(fields.get("timezone", node), zone_of, zone_name)
        raw = self.text(fields, node, "starts", required=True)
        local = self.check(fields["starts"], read_wall_clock, raw) if raw else None
        recurrence = None
        if text := self.text(fields, node, "recurrence"):
            recurrence = self.check(fields["recurrence"], read_recurrence, text)
        remind = offsets(self.check(n, read_offset, v) for n, v in self.items(fields, "remind"))
        targets = [
            self.check(n, check_target, v, self.targets) for n, v in self.items(fields, "targets")
        ]
        duration = self.duration(fields.get("duration"))
        location = self.text(fields, node, "location") or None
        url = self.text(fields, node, "url") or None
        if url:
            self.check(fields["url"], check_url, url)
        if not (self.ok and event_id and title and local and zone):
            return event_id, None
        event = Event(
            event_id,
            title,
            local.replace(tzinfo=zone),
            zone_name,
            location,
            url,
            recurrence,
            remind,
            tuple(dict.fromkeys(t for t in targets if t)),
            self.source,
            line_of(node),
            duration,
        )
        self.check(fields.get("recurrence", fields["starts"]), check_first_date, event)
        self.warn_dates(event, fields["starts"], fields.get("recurrence"))
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

    def items(self, fields: dict[str, Node], key: str) -> list[tuple[Node, str]]:
        """A list field's items (one value alone is a list of one), each with its node."""
        node = fields.get(key)
        if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
            return []
        if isinstance(node, MappingNode):
            example = (
                "offsets, like [7d, 1d, 2h]" if key == "remind" else "target names, like [console]"
            )
            self.error(node, f"{key}: expected a list of {example}")
            return []
        found: list[tuple[Node, str]] = []
        for item in node.value if isinstance(node, SequenceNode) else [node]:
            if isinstance(item, ScalarNode):
                found.append((item, str(item.value).strip()))
            elif key == "remind":
                self.error(item, "remind: each offset is one value, like 2h")
            else:
                found.append((item, "(a list)"))
        return found

    def duration(self, node: Node | None) -> timedelta | None:
        if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
            return None
        if not isinstance(node, ScalarNode):
            self.error(node, "duration: one value, like 2h or 90m")
            return None
        value = str(node.value).strip()
        length = self.check(node, read_length, value)
        if length and length > timedelta(days=1):
            self.warn(node, f"duration: '{value}' is more than a day; 2h is two hours, 2d two days")
        return length

    def warn_dates(self, event: Event, starts: Node, recurrence: Node | None) -> None:
        """Over, or starting off the rule, or at a time that does not exist: what organizers
        notice too late. Only warnings: the event still works."""
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
        expanded = rule(event.recurrence, local, event.timezone)
        first = expanded.after(local, inc=True)
        if first is None:
            return  # an error already (check_first_date)
        if first != local:
            # calendar apps (the .ics export) count DTSTART as a date even off the rule
            self.warn(
                starts,
                f"starts {local:%Y-%m-%d %H:%M} (a {local:%A}) is not a date of the "
                f"recurrence; reminders begin {first:%Y-%m-%d %H:%M}, but calendar apps also "
                "show the starts date: set starts to the first real date",
            )
        if event.next_occurrence(self.now) is None:
            last = expanded.before(self.now.astimezone(zone).replace(tzinfo=None))
            when = f"{last:%Y-%m-%d %H:%M}" if last else f"{local:%Y-%m-%d %H:%M}"
            self.warn(
                recurrence,
                f"event '{event.id}' is over (its last date was {when} {event.timezone}); "
                "remove it or extend the recurrence",
            )
