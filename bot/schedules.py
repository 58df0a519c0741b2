"""Load and validate `schedules/*.yaml` into Events (zoneinfo, recurrence, reminder offsets).

Recurrences expand in local wall-clock time and only then get their zone, so a 09:30 meeting
stays at 09:30 across daylight-saving changes. A wall time that does not exist (02:30 on the
spring-forward day) resolves as zoneinfo does with fold=0: an hour later in local terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from difflib import get_close_matches
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from dateutil.rrule import rrulestr
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.config import ConfigError, parse_duration
from bot.knowledge import Checked, Problem, yaml_files

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
)
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
    "mon": "MO",
    "tue": "TU",
    "wed": "WE",
    "thu": "TH",
    "fri": "FR",
    "sat": "SA",
    "sun": "SU",
}
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": -1,
}
_NUMERIC_WEEKDAY = (
    "weekdays must be names (MO…SU, or monday…sunday), not numbers: APScheduler 3 reads 0 as "
    "Monday and crontab reads it as Sunday"
)
_MAX_OCCURRENCES = 1000  # per window; a daily event over three years


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    title: str
    starts: datetime  # aware, in its own zone (the first occurrence)
    timezone: str
    location: str | None = None
    url: str | None = None
    recurrence: str | None = None  # an RRULE, normalised
    remind: tuple[timedelta, ...] = ()
    targets: tuple[str, ...] = ()
    file: str = ""
    line: int = 0

    def occurrences(self, after: datetime, before: datetime) -> list[datetime]:
        """Starts in [after, before), as aware UTC datetimes."""
        if self.recurrence is None:
            start = self.starts.astimezone(UTC)
            return [start] if after <= start < before else []
        zone = ZoneInfo(self.timezone)
        naive_start = self.starts.replace(tzinfo=None)
        rule = rrulestr(self.recurrence, dtstart=naive_start)
        # widen by a day each side: local naive times differ from UTC by under a day
        low = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
        high = before.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
        found = []
        for local in rule.between(low, high, inc=True):
            moment = local.replace(tzinfo=zone).astimezone(UTC)
            if after <= moment < before:
                found.append(moment)
            if len(found) >= _MAX_OCCURRENCES:
                break
        return found

    def next_occurrence(self, after: datetime) -> datetime | None:
        if self.recurrence is None:
            start = self.starts.astimezone(UTC)
            return start if start >= after else None
        zone = ZoneInfo(self.timezone)
        rule = rrulestr(self.recurrence, dtstart=self.starts.replace(tzinfo=None))
        local = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
        for _ in range(_MAX_OCCURRENCES):
            nxt = rule.after(local)
            if nxt is None:
                return None
            moment: datetime = nxt.replace(tzinfo=zone).astimezone(UTC)
            if moment >= after:
                return moment
            local = nxt
        return None


@dataclass(frozen=True, slots=True)
class ScheduleResult(Checked):
    events: tuple[Event, ...]
    problems: tuple[Problem, ...]


def parse_recurrence(text: str) -> str:
    """An RRULE, or a plain form ("every Tuesday", "second and fourth Tuesday", "monthly"…)."""
    raw = text.strip()
    upper = raw.upper().removeprefix("RRULE:")
    if "FREQ=" in upper:
        byday = re.search(r"BYDAY=([^;]*)", upper)
        if byday and re.search(r"(^|,)[+-]?\d*\d(,|$)", byday[1]):
            raise ValueError(_NUMERIC_WEEKDAY)
        try:
            rrulestr(f"RRULE:{upper}", dtstart=datetime(2026, 1, 1))  # noqa: DTZ001
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not a valid RRULE ({exc})") from None
        return f"RRULE:{upper}"
    words = raw.casefold().replace(",", " ").split()
    if any(w.isdigit() for w in words):
        raise ValueError(_NUMERIC_WEEKDAY)
    simple = {
        "daily": "FREQ=DAILY",
        "weekly": "FREQ=WEEKLY",
        "monthly": "FREQ=MONTHLY",
        "every day": "FREQ=DAILY",
        "every week": "FREQ=WEEKLY",
        "every other week": "FREQ=WEEKLY;INTERVAL=2",
        "every month": "FREQ=MONTHLY",
    }
    if " ".join(words) in simple:
        return f"RRULE:{simple[' '.join(words)]}"
    days = [_DAYS[w.rstrip("s")] for w in words if w.rstrip("s") in _DAYS]
    ordinals = [_ORDINALS[w] for w in words if w in _ORDINALS]
    rest = [
        w
        for w in words
        if w.rstrip("s") not in _DAYS
        and w not in _ORDINALS
        and w not in ("every", "and", "of", "the", "month", "each", "on")
    ]
    if len(days) != 1 or rest:
        raise ValueError(
            "write an RRULE (FREQ=WEEKLY;BYDAY=TU) or a plain form: daily, weekly, monthly, "
            "every other week, every Tuesday, second and fourth Tuesday, last Wednesday"
        )
    if not ordinals:
        return f"RRULE:FREQ=WEEKLY;BYDAY={days[0]}"
    return "RRULE:FREQ=MONTHLY;BYDAY=" + ",".join(f"{n}{days[0]}" for n in ordinals)


def load_schedules(
    paths: Iterable[Path],
    *,
    targets: Mapping[str, object],
    default_timezone: str,
    now: datetime,
) -> ScheduleResult:
    """Every file's events and every problem; events with errors are left out."""
    problems: list[Problem] = []
    events: list[Event] = []
    seen: dict[str, Event] = {}
    for file in (f for p in paths for f in yaml_files(Path(p))):
        reader = _EventReader(str(file), problems, targets, default_timezone, now)
        for event in reader.file(file):
            first = seen.get(event.id)
            if first:
                problems.append(
                    Problem(
                        event.file,
                        event.line,
                        f"duplicate id '{event.id}' (first at {first.file}:{first.line})",
                    )
                )
                continue
            seen[event.id] = event
            events.append(event)
    return ScheduleResult(tuple(events), tuple(problems))


class _EventReader:
    def __init__(
        self,
        file: str,
        problems: list[Problem],
        targets: Mapping[str, object],
        default_timezone: str,
        now: datetime,
    ) -> None:
        self.name, self.problems, self.targets = file, problems, targets
        self.default_timezone, self.now = default_timezone, now
        self.ok = True

    def error(self, node: Node, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.name, node.start_mark.line + 1, message))

    def warn(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.name, node.start_mark.line + 1, message, "warning"))

    def file(self, path: Path) -> list[Event]:
        try:
            root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            self.problems.append(
                Problem(
                    self.name,
                    mark.line + 1 if mark else 0,
                    f"not valid YAML: {exc.problem or exc.context}",
                )
            )
            return []
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.problems.append(Problem(self.name, 0, f"cannot read: {exc}"))
            return []
        if root is None:
            return []
        items = None
        if isinstance(root, MappingNode):
            for key, value in root.value:
                if key.value == "events":
                    items = value
                else:
                    self.error(
                        key, f"unknown key '{key.value}' at the top; expected only 'events:'"
                    )
        if not isinstance(items, SequenceNode):
            if items is None or not (isinstance(items, ScalarNode) and items.value in ("", "~")):
                self.error(root, "expected 'events:' followed by a list of events")
            return []
        return [e for node in items.value if (e := self.event(node)) is not None]

    def event(self, node: Node) -> Event | None:
        self.ok = True
        if not isinstance(node, MappingNode):
            self.error(node, "each event must be a mapping starting with 'id:'")
            return None
        fields: dict[str, Node] = {}
        for key, value in node.value:
            if key.value not in EVENT_KEYS:
                hint = get_close_matches(str(key.value), EVENT_KEYS, n=1)
                more = (
                    f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(EVENT_KEYS)}"
                )
                self.error(key, f"unknown key '{key.value}'{more}")
            else:
                fields[key.value] = value
        event_id = self.text(fields, node, "id", required=True)
        if event_id and not _ID.match(event_id):
            self.error(fields["id"], f"id '{event_id}' must be kebab-case (lowercase, digits, '-')")
        title = self.text(fields, node, "title", required=True)
        zone_name = self.text(fields, node, "timezone") or self.default_timezone
        zone = None
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            self.error(
                fields.get("timezone", node),
                f"'{zone_name}' is not an IANA time zone; e.g. America/Los_Angeles",
            )
        starts = self.starts(fields, node, zone)
        recurrence = None
        if text := self.text(fields, node, "recurrence"):
            try:
                recurrence = parse_recurrence(text)
            except ValueError as exc:
                self.error(fields["recurrence"], f"recurrence '{text}': {exc}")
        remind = self.offsets(fields.get("remind"))
        targets = self.target_names(fields.get("targets"))
        url = self.text(fields, node, "url")
        if url and not url.startswith("https://"):
            self.warn(fields["url"], f"url '{url}' does not start with https://")
        if not (self.ok and event_id and title and starts and zone):
            return None
        event = Event(
            event_id,
            title,
            starts,
            zone_name,
            self.text(fields, node, "location"),
            url,
            recurrence,
            remind,
            targets,
            self.name,
            node.start_mark.line + 1,
        )
        if recurrence is None and starts < self.now:
            self.warn(
                fields["starts"],
                f"event '{event_id}' is over (it started "
                f"{starts:%Y-%m-%d %H:%M} {zone_name}); remove it or add a recurrence",
            )
        return event

    def text(
        self, fields: dict[str, Node], parent: Node, key: str, *, required: bool = False
    ) -> str:
        node = fields.get(key)
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            if required:
                self.error(parent, f"event: missing '{key}'")
            return ""
        if not isinstance(node, ScalarNode):
            self.error(node, f"'{key}' must be text")
            return ""
        return str(node.value).strip()

    def starts(
        self, fields: dict[str, Node], parent: Node, zone: ZoneInfo | None
    ) -> datetime | None:
        raw = self.text(fields, parent, "starts", required=True)
        if not raw:
            return None
        try:
            naive = datetime.fromisoformat(raw.replace("T", " "))
        except ValueError:
            naive = None
        if naive is None or naive.tzinfo is not None or len(raw) <= 10:
            self.error(
                fields["starts"],
                f"starts: '{raw}' is not a local date and time; write it like 2026-12-08 09:30",
            )
            return None
        return naive.replace(tzinfo=zone) if zone else None

    def offsets(self, node: Node | None) -> tuple[timedelta, ...]:
        if node is None:
            return ()
        items = node.value if isinstance(node, SequenceNode) else [node]
        found = []
        for item in items:
            value = str(getattr(item, "value", ""))
            try:
                offset = parse_duration(value, "remind")
            except ConfigError:
                self.error(item, f"remind: '{value}' is not an offset; write 7d, 1d, 2h or 30m")
                continue
            if offset <= timedelta(0):
                self.error(item, f"remind: '{value}' must be more than zero")
                continue
            found.append(offset)
        return tuple(sorted(set(found), reverse=True))

    def target_names(self, node: Node | None) -> tuple[str, ...]:
        if node is None:
            return ()
        items = node.value if isinstance(node, SequenceNode) else [node]
        names = []
        for item in items:
            name = str(getattr(item, "value", ""))
            if name not in self.targets:
                known = ", ".join(sorted(self.targets)) or "(none configured)"
                self.error(item, f"unknown target '{name}'; known: {known}")
            else:
                names.append(name)
        return tuple(names)
