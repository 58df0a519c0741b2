"""Schedules as organizers meet them: every mistake at its exact line, and meetings that stay at
their wall-clock time whatever daylight saving does."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import from_mapping
from bot.reminders.event import Event
from bot.reminders.recurrence import parse_recurrence
from bot.reminders.schedule_files import ScheduleResult, load_schedules, schedule_files
from tests.conftest import ROOT

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
TARGETS = {"console": {"platform": "console"}, "sac-general": ["console"]}

# line numbers matter: each case below names the line an organizer would open
GOOD = """\
events:
  - id: forum-prep-night
    title: Forum prep night
    starts: 2026-12-08 18:00
    timezone: America/Los_Angeles
    location: Community room
    url: https://example.org/prep
    recurrence: second and fourth Tuesday
    remind: [1d, 2h]
    targets: [console, sac-general]
"""


def load_text(tmp_path: Path, body: str, now: datetime = NOW) -> tuple[ScheduleResult, str]:
    path = tmp_path / "events.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    result = load_schedules(
        [tmp_path], targets=TARGETS, default_timezone="America/Los_Angeles", now=now
    )
    return result, str(path)


def edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new)


def local(moments: list[datetime]) -> list[str]:
    return [m.astimezone(LA).strftime("%Y-%m-%d %H:%M %z") for m in moments]


def weekly(start: datetime, rule: str = "weekly") -> Event:
    return Event(
        "w",
        "w",
        start.replace(tzinfo=LA),
        "America/Los_Angeles",
        None,
        None,
        parse_recurrence(rule),
    )


# --- a good file -----------------------------------------------------------------------------


def test_a_good_file_loads_with_every_field(tmp_path: Path) -> None:
    result, _ = load_text(tmp_path, GOOD)
    assert result.problems == ()
    (event,) = result.events
    assert event.id == "forum-prep-night"
    assert event.starts == datetime(2026, 12, 8, 18, 0, tzinfo=LA)
    assert event.location == "Community room"
    assert event.url == "https://example.org/prep"
    assert event.recurrence == "RRULE:FREQ=MONTHLY;BYDAY=2TU,4TU"
    assert event.remind == (timedelta(days=1), timedelta(hours=2))
    assert event.targets == ("console", "sac-general")
    assert (event.file, event.line) == (str(tmp_path / "events.yaml"), 2)


@pytest.mark.parametrize(
    ("value", "length", "problem"),
    [
        ("3h", timedelta(hours=3), None),
        ("90m", timedelta(minutes=90), None),
        (
            "2d",
            timedelta(days=2),
            "warning: duration: '2d' is more than a day; 2h is two hours, 2d two days",
        ),
        ("3 hours", None, "duration: '3 hours' is not a length; write 90m, 2h or 3h"),
        ("0m", None, "duration: '0m' must be more than zero"),
        ("[1h, 2h]", None, "duration: one value, like 2h or 90m"),
    ],
)
def test_duration_is_optional_and_checked(
    tmp_path: Path, value: str, length: timedelta | None, problem: str | None
) -> None:
    """How long an event lasts, for calendar apps: added to the format, never required."""
    result, path = load_text(tmp_path, GOOD + f"    duration: {value}\n")
    assert [str(p) for p in result.problems] == ([f"{path}:11: {problem}"] if problem else [])
    if length is None:
        assert result.events == ()
    else:
        assert result.events[0].duration == length


def test_optional_fields_default_sensibly(tmp_path: Path) -> None:
    body = "events:\n  - {id: x, title: X, starts: '2026-12-08 18:00', timezone: Europe/Madrid}\n"
    result, _ = load_text(tmp_path, body)
    (event,) = result.events
    assert (event.location, event.url, event.recurrence) == (None, None, None)
    assert event.duration is None, "calendar apps get reminders.event_length"
    assert (event.remind, event.targets) == ((), ())
    assert event.starts.utcoffset() == timedelta(hours=1)  # 18:00 in Madrid, not Sacramento

    result, _ = load_text(tmp_path, body.replace(", timezone: Europe/Madrid", ""))
    assert result.events[0].timezone == "America/Los_Angeles"  # from the config


@pytest.mark.parametrize(
    "written",
    ["2026-12-08 18:00", "2026-12-08 18:00:00", "'2026-12-08 18:00'", "2026-12-08T18:00"],
)
def test_starts_reads_the_same_however_yaml_types_it(tmp_path: Path, written: str) -> None:
    """YAML reads `… 18:00:00` as a timestamp and `… 18:00` as text; both mean local time."""
    result, _ = load_text(tmp_path, edit("starts: 2026-12-08 18:00", f"starts: {written}"))
    assert result.problems == ()
    assert result.events[0].starts == datetime(2026, 12, 8, 18, 0, tzinfo=LA)
    assert result.events[0].starts.astimezone(UTC).hour == 2  # not read as 18:00 UTC


def test_schedule_files_reads_a_folder_in_name_order(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "notes.txt"):
        (tmp_path / name).write_text("events:\n", encoding="utf-8")
    assert [p.name for p in schedule_files(tmp_path)] == ["a.yml", "b.yaml"]
    assert schedule_files(tmp_path / "b.yaml") == [tmp_path / "b.yaml"]


# --- every error, at its line ----------------------------------------------------------------

NUMBERS = (
    "numbers are ambiguous, as APScheduler 3 reads 0 as Monday and crontab reads it as Sunday; "
    "write the day: mon…sun (MO…SU in an RRULE)"
)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    location: Community room",
            "    location: Room: 5",
            ["6: not valid YAML: mapping values are not allowed"],  # libyaml: "in this context"
        ),
        (
            "    location:",
            "    locaton:",
            ["6: unknown key 'locaton' in event; did you mean 'location'?"],
        ),
        (
            "    location: Community room",
            "    colour: red",
            [
                "6: unknown key 'colour' in event; known: id, title, starts, timezone, location, "
                "url, recurrence, remind, targets, duration"
            ],
        ),
        (
            "    location: Community room",
            "    title: Again",
            ["6: 'title' appears twice in this event"],
        ),
        (
            "  - id: forum-prep-night\n    title: Forum prep night\n",
            "  - title: Forum prep night\n",
            ["2: event: missing 'id'"],
        ),
        ("    title: Forum prep night\n", "", ["2: event: missing 'title'"]),
        ("    starts: 2026-12-08 18:00\n", "", ["2: event: missing 'starts'"]),
        ("title: Forum prep night", 'title: ""', ["3: 'title' is empty"]),
        (
            "id: forum-prep-night",
            "id: Forum_Prep",
            ["2: id 'Forum_Prep' must be kebab-case (lowercase, digits, '-')"],
        ),
        (
            "timezone: America/Los_Angeles",
            "timezone: America/Sacramento",
            ["5: 'America/Sacramento' is not an IANA time zone; e.g. America/Los_Angeles"],
        ),
        (
            "timezone: America/Los_Angeles",
            "timezone: America",
            ["5: 'America' is not an IANA time zone; e.g. America/Los_Angeles"],
        ),
        (
            "starts: 2026-12-08 18:00",
            "starts: next tuesday",
            [
                "4: starts: 'next tuesday' is not a local date and time; write it like "
                "2026-12-08 09:30"
            ],
        ),
        (
            "starts: 2026-12-08 18:00",
            "starts: 2026-12-08",
            [
                "4: starts: '2026-12-08' is not a local date and time; "
                "write it like 2026-12-08 09:30"
            ],
        ),
        (
            "starts: 2026-12-08 18:00",
            "starts: 2026-02-30 18:00",
            [
                "4: starts: '2026-02-30 18:00' is not a local date and time "
                "(day is out of range for month)"
            ],
        ),
        (
            "starts: 2026-12-08 18:00",
            "starts: 2026-12-08 18:00:00-08:00",
            [
                "4: starts: '2026-12-08 18:00:00-08:00' is not a local date and time; "
                "leave out the UTC offset (the zone goes in 'timezone')"
            ],
        ),
        (
            "remind: [1d, 2h]",
            "remind: [1d, 2 hours]",
            ["9: remind: '2 hours' is not an offset; write 7d, 1d, 2h or 30m"],
        ),
        (
            "remind: [1d, 2h]",
            "remind: [1d, -2h]",
            [
                "9: remind: '-2h' is negative; offsets already count back from the start, so "
                "write 2h"
            ],
        ),
        ("remind: [1d, 2h]", "remind: [0m]", ["9: remind: '0m' must be more than zero"]),
        (
            "targets: [console, sac-general]",
            "targets: [console, sac-genral]",
            ["10: unknown target 'sac-genral'; known: console, sac-general"],
        ),
        (
            "recurrence: second and fourth Tuesday",
            "recurrence: every 2",
            [f"8: recurrence 'every 2': weekdays must be names, not numbers ('2'): {NUMBERS}"],
        ),
        (
            "recurrence: second and fourth Tuesday",
            "recurrence: FREQ=WEEKLY;BYDAY=0",
            [
                f"8: recurrence 'FREQ=WEEKLY;BYDAY=0': weekdays must be names, not numbers ('0'): "
                f"{NUMBERS}"
            ],
        ),
        (
            "recurrence: second and fourth Tuesday",
            "recurrence: FREQ=HOURLY",
            [
                "8: recurrence 'FREQ=HOURLY': FREQ=HOURLY: events repeat DAILY, WEEKLY, MONTHLY or "
                "YEARLY"
            ],
        ),
        (
            "recurrence: second and fourth Tuesday",
            "recurrence: every second Tuesday",
            [
                "8: recurrence 'every second Tuesday': 'every second Tuesday' is read two ways; "
                "write 'every other Tuesday' or 'second Tuesday of the month'"
            ],
        ),
        (
            "recurrence: second and fourth Tuesday",
            "recurrence: FREQ=WEEKLY;UNTIL=20261201",
            [
                "8: recurrence: no date on or after starts (2026-12-08 18:00 America/Los_Angeles); "
                "check UNTIL"
            ],
        ),
    ],
)
def test_each_error_points_at_its_line(
    tmp_path: Path, old: str, new: str, expected: list[str]
) -> None:
    result, path = load_text(tmp_path, edit(old, new))
    problems = [str(p) for p in result.problems]
    assert len(problems) == len(expected), problems
    for problem, wanted in zip(problems, expected, strict=True):
        assert problem.startswith(f"{path}:{wanted}"), problem
    assert result.events == (), "an event with an error is left out"


def test_an_unknown_recurrence_word_lists_the_forms(tmp_path: Path) -> None:
    result, path = load_text(
        tmp_path, edit("recurrence: second and fourth Tuesday", "recurrence: whenever")
    )
    (problem,) = result.errors
    assert str(problem).startswith(f"{path}:8: recurrence 'whenever': 'whenever' is not a word")
    for form in ("every other week", "every Tuesday", "second and fourth Tuesday", "BYDAY=TU"):
        assert form in problem.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "- id: x\n  title: y\n",
            "1: expected 'events:' followed by a list of events (each starting with '- id:')",
        ),
        (
            "events: forum-prep-night\n",
            "1: expected 'events:' followed by a list of events (each starting with '- id:')",
        ),
        ("evnts:\n  - id: x\n", "1: unknown key 'evnts' at the top; did you mean 'events'?"),
        ("events:\n  - just text\n", "2: each event must be a mapping starting with 'id:'"),
    ],
)
def test_file_shape_errors(tmp_path: Path, body: str, expected: str) -> None:
    result, path = load_text(tmp_path, body)
    assert [str(p) for p in result.problems] == [f"{path}:{expected}"]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    body = (
        edit("timezone: America/Los_Angeles", "timezone: America/Sacramento")
        .replace("remind: [1d, 2h]", "remind: [1d, 2 hours]")
        .replace("sac-general]", "sac-genral]")
    )
    body += "  - id: second-event\n    title: Second\n    starts: 2026-12-09 25:00\n"
    result, _ = load_text(tmp_path, body)
    assert [(p.line, p.severity) for p in result.problems] == [
        (5, "error"),
        (9, "error"),
        (10, "error"),
        (13, "error"),
    ]
    assert result.events == ()


def test_an_empty_file_or_empty_events_is_fine(tmp_path: Path) -> None:
    for body in ("", "# nothing yet\n", "events:\n", "events: []\n"):
        result, _ = load_text(tmp_path, body)
        assert (result.events, result.problems) == ((), ()), body


def test_duplicate_ids_across_files_name_both_places(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    result, path = load_text(tmp_path, GOOD)  # events.yaml, read after a.yaml
    assert [str(p) for p in result.errors] == [
        f"{path}:2: duplicate id 'forum-prep-night' (kept the one at {tmp_path / 'a.yaml'}:2); "
        "ids must be unique across all schedule files"
    ]
    assert [e.file for e in result.events] == [str(tmp_path / "a.yaml")]


def test_a_duplicate_id_is_caught_even_when_the_first_has_errors(tmp_path: Path) -> None:
    """Otherwise fixing the first event would reveal a second problem only later."""
    broken = GOOD.replace("sac-general]", "sac-genral]")
    result, path = load_text(tmp_path, broken + GOOD.removeprefix("events:\n"))
    assert [(p.line, p.message.split(";")[0]) for p in result.errors] == [
        (10, "unknown target 'sac-genral'"),
        (11, f"duplicate id 'forum-prep-night' (kept the one at {path}:2)"),
    ]


# --- warnings: the event still works ----------------------------------------------------------


def test_a_past_one_off_event_is_only_a_warning(tmp_path: Path) -> None:
    body = edit("    recurrence: second and fourth Tuesday\n", "").replace(
        "2026-12-08 18:00", "2026-01-05 09:30"
    )
    result, path = load_text(tmp_path, body)
    assert result.errors == ()
    assert [str(p) for p in result.warnings] == [
        f"{path}:4: warning: event 'forum-prep-night' is over (it started 2026-01-05 09:30 "
        "America/Los_Angeles); remove it or add a recurrence"
    ]
    (event,) = result.events
    assert event.next_occurrence(NOW) is None
    # the same file a year earlier: nothing to warn about
    earlier, _ = load_text(tmp_path, body, now=datetime(2025, 12, 1, tzinfo=UTC))
    assert earlier.problems == ()


def test_links_follow_one_rule_with_knowledge_and_event_commands(tmp_path: Path) -> None:
    """A plain http link is accepted, as in knowledge sources and /event (some pages are only
    served that way); something that is not a web address is an error at its line, and only
    that event is left out."""
    result, _ = load_text(
        tmp_path, edit("url: https://example.org/prep", "url: http://example.org/prep")
    )
    assert (result.problems, len(result.events)) == ((), 1)
    result, path = load_text(
        tmp_path, edit("url: https://example.org/prep", "url: example.org/prep")
    )
    assert [str(p) for p in result.problems] == [
        f"{path}:7: url 'example.org/prep' is not a web address: it must start with https:// "
        "(or http://)"
    ]
    assert result.events == ()


def test_a_start_off_the_recurrence_is_a_warning(tmp_path: Path) -> None:
    """The .ics export shows DTSTART even off the rule; reminders would not: say so."""
    result, path = load_text(tmp_path, edit("2026-12-08 18:00", "2026-12-09 18:00"))
    assert [str(p) for p in result.problems] == [
        f"{path}:4: warning: starts 2026-12-09 18:00 (a Wednesday) is not a date of the "
        "recurrence; reminders begin 2026-12-22 18:00, but calendar apps also show the starts "
        "date: set starts to the first real date"
    ]
    assert local(result.events[0].occurrences(NOW, datetime(2027, 1, 1, tzinfo=UTC))) == [
        "2026-12-22 18:00 -0800"
    ]


def test_a_recurrence_that_ended_is_a_warning(tmp_path: Path) -> None:
    body = edit("2026-12-08 18:00", "2026-01-06 18:00").replace(
        "second and fourth Tuesday", "FREQ=WEEKLY;UNTIL=20260301"
    )
    result, path = load_text(tmp_path, body)
    assert [str(p) for p in result.problems] == [
        f"{path}:8: warning: event 'forum-prep-night' is over (its last date was 2026-02-24 "
        "18:00 America/Los_Angeles); remove it or extend the recurrence"
    ]
    assert result.events[0].next_occurrence(NOW) is None


def test_a_start_the_clocks_skip_is_a_warning_and_happens_an_hour_later(tmp_path: Path) -> None:
    body = edit("    recurrence: second and fourth Tuesday\n", "").replace(
        "2026-12-08 18:00", "2027-03-14 02:30"
    )
    result, path = load_text(tmp_path, body)
    assert [str(p) for p in result.problems] == [
        f"{path}:4: warning: starts 2027-03-14 02:30 does not exist in America/Los_Angeles "
        "(the clocks jump forward that night); it happens at 03:30"
    ]
    assert result.events[0].next_occurrence(NOW) == datetime(2027, 3, 14, 10, 30, tzinfo=UTC)


# --- recurrence --------------------------------------------------------------------------------


def test_second_and_fourth_tuesday_in_december_and_january() -> None:
    event = weekly(datetime(2026, 12, 8, 18, 0), "second and fourth Tuesday")
    window = event.occurrences(
        datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2027, 2, 1, 8, tzinfo=UTC)
    )
    assert local(window) == [
        "2026-12-08 18:00 -0800",
        "2026-12-22 18:00 -0800",
        "2027-01-12 18:00 -0800",
        "2027-01-26 18:00 -0800",
    ]
    assert all(m.tzinfo is UTC for m in window)
    assert event.next_occurrence(datetime(2026, 12, 9, 3, tzinfo=UTC)) == window[1]


@pytest.mark.parametrize(
    ("plain", "rrule"),
    [
        ("second and fourth Tuesday", "FREQ=MONTHLY;BYDAY=2TU,4TU"),
        ("Second and Fourth Tuesday", "RRULE:FREQ=MONTHLY;BYDAY=+4TU,2TU"),
        ("every Tuesday", "FREQ=WEEKLY;BYDAY=TU"),
        ("weekly on tuesday", "rrule:freq=weekly; byday=tu"),
        ("every Monday and Thursday", "FREQ=WEEKLY;BYDAY=TH,MO"),
        ("every other week", "FREQ=WEEKLY;INTERVAL=2"),
        ("every other Tuesday", "FREQ=WEEKLY;BYDAY=TU;INTERVAL=2"),
        ("every 3 weeks", "FREQ=WEEKLY;INTERVAL=3"),
        ("first Monday", "FREQ=MONTHLY;BYDAY=1MO"),
        ("last Wednesday of the month", "FREQ=MONTHLY;BYDAY=-1WE"),
        ("every other month on the first Monday", "FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO"),
        ("daily", "FREQ=DAILY"),
        ("weekly", "FREQ=WEEKLY"),
        ("monthly", "FREQ=MONTHLY"),
    ],
)
def test_the_rrule_form_equals_the_plain_form(plain: str, rrule: str) -> None:
    assert parse_recurrence(plain) == parse_recurrence(rrule)
    start = datetime(2026, 12, 7, 18, 0)  # a Monday, the first Monday of December
    window = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))
    by_plain = weekly(start, plain).occurrences(*window)
    assert by_plain == weekly(start, rrule).occurrences(*window)
    assert by_plain, "the rule gives dates"


@pytest.mark.parametrize(
    ("spanish", "english"),
    [
        ("cada martes", "every Tuesday"),
        ("segundo y cuarto martes del mes", "second and fourth Tuesday"),
        ("primer lunes de cada mes", "first Monday"),
        ("último miércoles", "last Wednesday"),
        ("cada dos semanas", "every other week"),
        ("cada 3 semanas", "every 3 weeks"),
        ("Cada lunes y jueves", "every Monday and Thursday"),
        ("mensual", "monthly"),
        ("fortnightly", "every other week"),
    ],
)
def test_spanish_plain_forms_say_the_same_rules(spanish: str, english: str) -> None:
    """Organizers write in Spanish too; the rule is the same one, so the same dates."""
    assert parse_recurrence(spanish) == parse_recurrence(english)


@pytest.mark.parametrize(
    ("text", "first_dates"),
    [
        ("every Tuesday", ["2026-12-01", "2026-12-08", "2026-12-15"]),
        ("every other Tuesday", ["2026-12-01", "2026-12-15", "2026-12-29"]),
        ("first Monday", ["2026-12-07", "2027-01-04", "2027-02-01"]),
        ("last Wednesday", ["2026-12-30", "2027-01-27", "2027-02-24"]),
        ("every Monday and Thursday", ["2026-12-03", "2026-12-07", "2026-12-10"]),
    ],
)
def test_plain_forms_give_the_dates_they_say(text: str, first_dates: list[str]) -> None:
    event = weekly(datetime(2026, 12, 1, 18, 0), text)  # a Tuesday
    found = event.occurrences(datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
    assert [d[:10] for d in local(found)][:3] == first_dates


@pytest.mark.parametrize(
    "text",
    [
        "every 2",
        "every 0",
        "FREQ=WEEKLY;BYDAY=0",
        "RRULE:FREQ=MONTHLY;BYDAY=TU,1",
        "BYDAY=7;FREQ=WEEKLY",
    ],
)
def test_numeric_weekdays_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="weekdays must be names") as caught:
        parse_recurrence(text)
    assert "APScheduler 3 reads 0 as Monday" in str(caught.value)
    assert "crontab reads it as Sunday" in str(caught.value)
    assert "mon…sun" in str(caught.value)


def test_a_count_of_weeks_is_not_a_weekday() -> None:
    assert parse_recurrence("every 2 weeks") == "RRULE:FREQ=WEEKLY;INTERVAL=2"


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        ("biweekly", "write 'every other week'"),
        ("quincenal", "(twice a month, or every two weeks)"),
        ("cada segundo martes", "is read two ways"),
        ("every second Tuesday", "write 'every other Tuesday' or 'second Tuesday of the month'"),
        ("second", "needs a weekday"),
        ("", "it is empty"),
        ("FREQ=WEEKLY;INTERVL=2", "did you mean INTERVAL?"),
        ("BYDAY=TU", "FREQ is missing"),
        ("FREQ=WEEKLY;BYDAY=XX", "'XX' is not a weekday"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT=0: write a whole number, 1 or more"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20270101", "COUNT or UNTIL, not both"),
        ("FREQ=WEEKLY;UNTIL=next-june", "write a date like UNTIL=20270630"),
    ],
)
def test_bad_recurrences_say_what_to_write(text: str, advice: str) -> None:
    with pytest.raises(ValueError, match=re.escape(advice)):
        parse_recurrence(text)


def test_until_includes_its_day_and_reads_utc_as_utc() -> None:
    start = datetime(2026, 12, 1, 18, 0)  # Tuesdays at 18:00 PST = 02:00 UTC the next day
    window = (datetime(2026, 11, 30, tzinfo=UTC), datetime(2027, 1, 31, tzinfo=UTC))
    through_15th = weekly(start, "FREQ=WEEKLY;UNTIL=20261215").occurrences(*window)
    assert [d[:10] for d in local(through_15th)] == ["2026-12-01", "2026-12-08", "2026-12-15"]
    # 01:00 UTC on the 16th is 17:00 on the 15th in Sacramento: before that evening's meeting
    before_15th = weekly(start, "FREQ=WEEKLY;UNTIL=20261216T010000Z").occurrences(*window)
    assert [d[:10] for d in local(before_15th)] == ["2026-12-01", "2026-12-08"]


# --- daylight saving --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # fall back on Sunday 2026-11-01: same 09:30, one hour later in UTC
        (datetime(2026, 10, 27, 9, 30), ["2026-10-27 09:30 -0700", "2026-11-03 09:30 -0800"]),
        (datetime(2026, 10, 25, 9, 30), ["2026-10-25 09:30 -0700", "2026-11-01 09:30 -0800"]),
        # spring forward on Sunday 2027-03-14: same 09:30, one hour earlier in UTC
        (datetime(2027, 3, 9, 9, 30), ["2027-03-09 09:30 -0800", "2027-03-16 09:30 -0700"]),
        (datetime(2027, 3, 7, 9, 30), ["2027-03-07 09:30 -0800", "2027-03-14 09:30 -0700"]),
    ],
)
def test_a_weekly_meeting_keeps_its_local_time_across_dst(
    start: datetime, expected: list[str]
) -> None:
    event = weekly(start)
    low = start.replace(tzinfo=LA)
    first, second = event.occurrences(low, low + timedelta(days=8))
    assert local([first, second]) == expected
    assert second - first == timedelta(days=7) + (
        timedelta(hours=1) if start.month == 10 else -timedelta(hours=1)
    )


def test_skipped_and_repeated_wall_times_follow_fold_0() -> None:
    # 02:30 does not exist on 2027-03-14: it happens at 03:30 PDT; the next week is 02:30 again
    event = weekly(datetime(2027, 3, 7, 2, 30))
    found = event.occurrences(datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 3, 22, tzinfo=UTC))
    assert local(found) == [
        "2027-03-07 02:30 -0800",
        "2027-03-14 03:30 -0700",
        "2027-03-21 02:30 -0700",
    ]
    # an event that starts on the skipped time keeps 02:30 for later weeks, not 03:30
    event = weekly(datetime(2027, 3, 14, 2, 30))
    found = event.occurrences(datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 3, 29, tzinfo=UTC))
    assert local(found)[1:] == ["2027-03-21 02:30 -0700", "2027-03-28 02:30 -0700"]
    # 01:30 happens twice on 2026-11-01: the first one, still daylight time
    event = weekly(datetime(2026, 10, 25, 1, 30))
    found = event.occurrences(datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
    assert found == [datetime(2026, 11, 1, 8, 30, tzinfo=UTC)]


def test_a_start_given_in_utc_still_repeats_at_local_time() -> None:
    """Events made in chat or stored in the database may carry UTC; the zone decides."""
    event = Event(
        "u",
        "u",
        datetime(2026, 10, 27, 16, 30, tzinfo=UTC),
        "America/Los_Angeles",
        recurrence=parse_recurrence("weekly"),
    )
    found = event.occurrences(datetime(2026, 10, 27, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC))
    assert local(found) == ["2026-10-27 09:30 -0700", "2026-11-03 09:30 -0800"]


def test_naive_times_are_refused_rather_than_read_in_the_server_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Event("n", "n", datetime(2026, 12, 8, 18, 0), "America/Los_Angeles")
    event = weekly(datetime(2026, 12, 8, 18, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        event.occurrences(datetime(2026, 12, 1), datetime(2026, 12, 31, tzinfo=UTC))


@settings(deadline=None, max_examples=100)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)),
    window_from=st.integers(min_value=-30, max_value=800),
    window_days=st.integers(min_value=1, max_value=120),
    every=st.sampled_from(["weekly", "every other week"]),
)
def test_every_weekly_occurrence_is_at_the_wall_clock_time(
    start: datetime, window_from: int, window_days: int, every: str
) -> None:
    start = start.replace(second=0, microsecond=0, fold=0)
    step = 7 if every == "weekly" else 14
    event = weekly(start, every)
    low = datetime.combine(start.date(), datetime.min.time(), UTC) + timedelta(days=window_from)
    high = low + timedelta(days=window_days)
    found = event.occurrences(low, high)

    expected = []  # computed by hand: each wall-clock date, placed in its zone (fold=0)
    wall = start
    while wall.replace(tzinfo=LA).astimezone(UTC) < high + timedelta(days=1):
        moment = wall.replace(tzinfo=LA).astimezone(UTC)
        if low <= moment < high:
            expected.append(moment)
        wall += timedelta(days=step)
    assert found == expected

    for moment in found:
        seen = moment.astimezone(LA)
        written = seen.replace(hour=start.hour, minute=start.minute, tzinfo=None)
        exists = written.replace(tzinfo=LA).astimezone(UTC).astimezone(LA).replace(tzinfo=None)
        if exists != written:  # 02:xx on the spring-forward night: an hour later, as documented
            assert seen.replace(tzinfo=None) == written + timedelta(hours=1)
        else:
            assert seen.replace(tzinfo=None) == written
        assert seen.weekday() == start.weekday()


# --- the bundled examples ---------------------------------------------------------------------


# A copy of the bundled examples as shipped: organizers replace schedules/examples.yaml with
# their real events, so the rules the examples follow are checked on this copy, and the
# bundled folder itself is only validated (tests/test_schedule_files.py).
EXAMPLES = ROOT / "tests" / "fixtures" / "schedules" / "examples.yaml"


def bundled(now: datetime) -> ScheduleResult:
    config = from_mapping({}, ROOT)
    assert set(config.targets) == {"console"}, "the default config knows only the console"
    return load_schedules(
        [EXAMPLES], targets=config.targets, default_timezone=config.timezone, now=now
    )


@pytest.mark.parametrize(
    "now", [datetime.now(UTC), NOW, datetime(2031, 6, 1, tzinfo=UTC)], ids=["today", "2026", "2031"]
)
def test_example_schedules_load_cleanly_now_and_years_later(now: datetime) -> None:
    result = bundled(now)
    assert [str(p) for p in result.problems] == []
    assert result.events
    for event in result.events:
        assert "(example)" in event.title
        assert event.targets == ("console",)
        assert event.recurrence, "examples repeat, so they never go stale"
        assert event.next_occurrence(now) is not None


def test_example_schedules_invent_no_board_meeting() -> None:
    text = EXAMPLES.read_text(encoding="utf-8")
    assert "https://bos.saccounty.gov/Pages/AboutBoardMeetings.aspx" in text
    assert "700 H Street, Suite 1450, Sacramento" in text
    for event in bundled(NOW).events:
        assert "board" not in event.title.lower()
        assert "bos" not in event.id


def test_the_commented_board_meeting_block_works_once_the_agenda_date_is_filled_in(
    tmp_path: Path,
) -> None:
    text = EXAMPLES.read_text(encoding="utf-8")
    block = [line[2:] for line in text.splitlines() if line.startswith("#   ")]
    template = "events:\n" + "\n".join(block) + "\n"
    config = from_mapping({}, ROOT)

    def check(body: str) -> ScheduleResult:
        (tmp_path / "bos.yaml").write_text(body, encoding="utf-8")
        return load_schedules(
            [tmp_path / "bos.yaml"],
            targets=config.targets,
            default_timezone=config.timezone,
            now=NOW,
        )

    assert check(template).errors, "a placeholder date must never be announced"
    filled = check(
        template.replace("YYYY-MM-DD HH:MM", "2027-01-13 09:30").replace("YYYY-MM-DD", "2027-01-13")
    )
    assert filled.problems == ()
    (event,) = filled.events
    assert event.id == "bos-meeting-2027-01-13"
    assert event.starts == datetime(2027, 1, 13, 9, 30, tzinfo=LA)
    assert event.url == "https://bos.saccounty.gov/Pages/AboutBoardMeetings.aspx"
