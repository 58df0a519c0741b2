"""Schedule files: every organizer mistake reported with its line; DST-proof recurrences."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import from_mapping, load_config
from bot.reminders.event import Event
from bot.reminders.recurrence import parse_recurrence
from bot.reminders.schedule_files import load_schedules
from tests.conftest import ROOT

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
TARGETS = {"console": {"platform": "console"}, "sac-general": ["console"]}


def load(tmp_path: Path, body: str, now: datetime = NOW) -> tuple[list[Event], list[str]]:
    path = tmp_path / "events.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    result = load_schedules(
        [tmp_path], targets=TARGETS, default_timezone="America/Los_Angeles", now=now
    )
    return list(result.events), [str(p) for p in result.problems]


GOOD = """\
events:
  - id: forum-prep-night
    title: Forum prep night
    starts: 2026-12-08 18:00
    location: Community room
    url: https://example.org/prep
    recurrence: second and fourth Tuesday
    remind: [1d, 2h]
    targets: [console, sac-general]
"""


def test_good_file(tmp_path: Path) -> None:
    (event,), problems = load(tmp_path, GOOD)
    assert problems == []
    assert event.starts == datetime(2026, 12, 8, 18, 0, tzinfo=LA)
    assert event.remind == (timedelta(days=1), timedelta(hours=2))
    assert event.targets == ("console", "sac-general")
    assert event.line == 2


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "targets: [console, sac-general]",
            "targets: [console, sac-genral]",
            9,
            "unknown target 'sac-genral'; known: console, sac-general",
        ),
        (
            "starts: 2026-12-08 18:00",
            "starts: 2026-12-08 18:00\n    timezone: America/Sacramento",
            5,
            "'America/Sacramento' is not an IANA time zone; e.g. America/Los_Angeles",
        ),
        (
            "remind: [1d, 2h]",
            "remind: [1d, 2 hours]",
            8,
            "remind: '2 hours' is not an offset; write 7d, 1d, 2h or 30m",
        ),
        (
            "recurrence: second and fourth Tuesday",
            "recurrence: FREQ=WEEKLY;BYDAY=0",
            7,
            "weekdays must be names",
        ),
        (
            "recurrence: second and fourth Tuesday",
            "recurrence: every 2",
            7,
            "weekdays must be names",
        ),
        (
            "recurrence: second and fourth Tuesday",
            "recurrence: whenever",
            7,
            "recurrence 'whenever'",
        ),
        ("starts: 2026-12-08 18:00", "starts: next tuesday", 4, "is not a local date and time"),
        ("    title: Forum prep night\n", "", 2, "missing 'title'"),
        (
            "    location:",
            "    locaton:",
            5,
            "unknown key 'locaton' in event; did you mean 'location'?",
        ),
        ("id: forum-prep-night", "id: Forum Prep", 2, "must be kebab-case"),
    ],
)
def test_errors_point_at_the_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    events, problems = load(tmp_path, GOOD.replace(old, new))
    assert events == []
    assert any(
        p.startswith(f"{tmp_path / 'events.yaml'}:{line}: ") and message in p for p in problems
    ), problems


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    events, problems = load(tmp_path, GOOD)
    assert len(events) == 1
    assert any("duplicate id 'forum-prep-night'" in p and "a.yaml:2" in p for p in problems)


def test_bad_yaml_has_a_line(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "events:\n  - id: [oops\n")
    assert problems[0].startswith(f"{tmp_path / 'events.yaml'}:")
    assert "not valid YAML" in problems[0]


def test_past_one_off_event_is_only_a_warning(tmp_path: Path) -> None:
    body = GOOD.replace("    recurrence: second and fourth Tuesday\n", "").replace(
        "2026-12-08", "2026-01-05"
    )
    (event,), problems = load(tmp_path, body)
    assert problems == [
        f"{tmp_path / 'events.yaml'}:4: warning: event 'forum-prep-night' is over (it started "
        "2026-01-05 18:00 America/Los_Angeles); remove it or add a recurrence"
    ]
    assert event.next_occurrence(NOW) is None


def test_second_and_fourth_tuesday() -> None:
    event = Event(
        "x",
        "x",
        datetime(2026, 12, 8, 18, 0, tzinfo=LA),
        "America/Los_Angeles",
        recurrence=parse_recurrence("second and fourth Tuesday"),
    )
    local = [d.astimezone(LA) for d in event.occurrences(NOW, datetime(2027, 2, 1, tzinfo=UTC))]
    assert [(d.month, d.day, d.hour) for d in local] == [
        (12, 8, 18),
        (12, 22, 18),
        (1, 12, 18),
        (1, 26, 18),
    ]
    assert parse_recurrence("FREQ=MONTHLY;BYDAY=2TU,4TU") == parse_recurrence(
        "second and fourth Tuesday"
    )


@pytest.mark.parametrize(
    ("start", "before", "after"),
    [
        (datetime(2026, 10, 27, 9, 30), "-07:00", "-08:00"),  # fall back on 2026-11-01
        (datetime(2027, 3, 9, 9, 30), "-08:00", "-07:00"),  # spring forward on 2027-03-14
    ],
)
def test_weekly_meeting_keeps_its_local_time_across_dst(
    start: datetime, before: str, after: str
) -> None:
    event = Event(
        "w",
        "w",
        start.replace(tzinfo=LA),
        "America/Los_Angeles",
        recurrence=parse_recurrence("every Tuesday"),
    )
    window = event.occurrences(start.replace(tzinfo=LA), start.replace(tzinfo=LA) + timedelta(8))
    first, second = (d.astimezone(LA) for d in window)
    elapsed = second.astimezone(UTC) - first.astimezone(UTC)
    assert (first.hour, first.minute, second.hour, second.minute) == (9, 30, 9, 30)
    assert (first.isoformat()[-6:], second.isoformat()[-6:]) == (before, after)
    assert elapsed in (timedelta(hours=167), timedelta(hours=169)), "a DST week is not 168 h"


@settings(deadline=None, max_examples=60)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)),
    st.integers(min_value=1, max_value=120),
    st.sampled_from(["every Monday", "every Sunday", "second and fourth Tuesday", "daily"]),
)
def test_every_occurrence_is_at_the_wall_clock_time(start: datetime, days: int, rule: str) -> None:
    start = start.replace(hour=18, minute=30, second=0, microsecond=0)
    event = Event(
        "p", "p", start.replace(tzinfo=LA), "America/Los_Angeles", recurrence=parse_recurrence(rule)
    )
    low = start.replace(tzinfo=LA)
    for moment in event.occurrences(low, low + timedelta(days=days)):
        local = moment.astimezone(LA)
        assert (local.hour, local.minute) == (18, 30)


@pytest.mark.parametrize("years", [0, 5])
def test_bundled_schedules_validate_now_and_years_later(years: int) -> None:
    """Whatever organizers put in schedules/ (the examples, or their real meetings), as long
    as it validates: no errors today, and none once the calendar has moved on (an event that
    is over is only a warning). Their own config.yaml, when there is one, names the targets
    their events use, as for `python -m bot validate`."""
    own = ROOT / "config.yaml"
    config = load_config(own) if own.is_file() else from_mapping({}, ROOT)
    result = load_schedules(
        [config.schedules_dir],
        targets=config.targets,
        default_timezone=config.timezone,
        now=datetime.now(UTC) + timedelta(days=365 * years),
    )
    assert [str(p) for p in result.errors] == []
