"""Reminders: on time, to the right chats, once, through restarts, retries and cancellations."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.adapters.base import DeliveryError, Handler
from bot.app import App, build
from bot.config import Config
from bot.database import StoreError
from bot.messages import ChannelRef, Incoming, Reply, Role
from bot.reminders.schedule_files import load_schedules
from tests.conftest import FakeClock

ORGANIZER = frozenset({Role.ORGANIZER})


@dataclass
class FakePlatform:
    """A platform that records what it is sent and fails on cue."""

    name: str = "fake"
    sent: list[tuple[ChannelRef, Reply]] = field(default_factory=list)
    failures: list[DeliveryError | Exception] = field(default_factory=list)

    async def run(self, handle: Handler) -> None:
        await asyncio.Event().wait()

    async def send(
        self, channel: ChannelRef, reply: Reply, *, delivery_id: str | None = None
    ) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((channel, reply))


@pytest.fixture
def reminder_config(config: Config, tmp_path: Path) -> Config:
    schedules = tmp_path / "schedules"
    schedules.mkdir()
    return replace(
        config,
        schedules_dir=schedules,
        targets={
            "group": {"platform": "fake", "chat_id": "-100"},
            "channel": {"platform": "fake", "chat_id": "555"},
            "both": ["group", "channel"],
        },
    )


@dataclass
class Bot:
    app: App
    platform: FakePlatform
    clock: FakeClock

    async def say(
        self, line: str, *, roles: frozenset[Role] = ORGANIZER, chat: str = "dm-1"
    ) -> str:
        msg = Incoming(ChannelRef("fake", chat, private=True), "u1", line, roles=roles)
        return "\n".join(r.text for r in await self.app.core.handle(msg))

    async def tick(self) -> None:
        await self.app.reminders.load()
        await self.app.reminders.tick()


@pytest.fixture
async def make_bot(
    reminder_config: Config, clock: FakeClock
) -> AsyncIterator[Callable[[], AsyncIterator[Bot]]]:
    """Build a bot on the same database as often as a test restarts it."""
    opened: list[App] = []

    async def start() -> Bot:
        platform = FakePlatform()
        app = build(reminder_config, clock=clock, adapters=[platform])
        await app.store.open()
        await app.reminders.load()
        app.reminders.outbox._sleep = _no_sleep
        opened.append(app)
        return Bot(app, platform, clock)

    yield start  # type: ignore[misc]
    for app in opened:
        await app.store.close()


async def _no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


ADD = '/event add "Rally at the County building" 2026-11-25 12:00 remind 1h,10m to both'
# the clock starts at 2026-11-25 17:00 UTC = 09:00 in Sacramento; the rally is at 12:00 local


async def test_reminder_goes_out_once_even_across_a_restart(  # type: ignore[no-untyped-def]
    make_bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await make_bot()
    assert "Added rally-at-the-county-building-2026-11-25" in await bot.say(ADD)
    await bot.tick()
    assert bot.platform.sent == [], "nothing is due yet"
    bot.clock.advance(hours=2)  # 11:00 local: the 1h reminder is due
    with caplog.at_level(logging.INFO, logger="bot.reminders.calendar"):
        await bot.tick()
    assert "{'sent': 2}" in caplog.text, "the log says what happened in plain words"
    assert sorted(c.chat_id for c, _ in bot.platform.sent) == ["-100", "555"]
    assert "Rally at the County building" in bot.platform.sent[0][1].text
    assert "12:00" in bot.platform.sent[0][1].text, "the event's local time, not the send time"
    assert "11:00" not in bot.platform.sent[0][1].text
    restarted = await make_bot()
    await restarted.tick()
    await bot.tick()
    assert restarted.platform.sent == [], "a restart never sends a claimed reminder again"
    assert len(bot.platform.sent) == 2


async def test_missed_reminder_within_grace_is_sent_later_ones_skipped(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    await bot.say(ADD)
    bot.clock.advance(hours=2, minutes=20)  # down until 11:20: the 1h reminder is 20 min late
    await bot.tick()
    assert bot.platform.sent == []
    bot.clock.advance(minutes=35)  # 11:55: the 10m reminder is 5 min late
    await bot.tick()
    assert len(bot.platform.sent) == 2
    status = await bot.say("/event status")
    assert status.count("skipped: rally-at-the-county-building-2026-11-25") == 2
    assert "1h before" in status


async def test_refused_sends_are_retried_unknown_outcomes_never(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    await bot.say(ADD.replace("to both", "to group"))
    bot.platform.failures = [
        DeliveryError("429 too many requests", retry=True, retry_after=1),
        DeliveryError("502 bad gateway", retry=True),
    ]
    bot.clock.advance(hours=2)
    await bot.tick()
    assert len(bot.platform.sent) == 1, "sent after two clear refusals"
    bot.platform.failures = [DeliveryError("timed out after the request went out", retry=False)]
    bot.clock.advance(minutes=50)
    await bot.tick()
    await bot.tick()
    assert len(bot.platform.sent) == 1, "an uncertain send is never repeated"
    assert "uncertain: rally-at-the-county-building-2026-11-25" in await bot.say("/event status")


async def test_cancel_removes_pending_reminders(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    await bot.say(ADD)
    assert "Cancelled" in await bot.say("/event cancel rally-at-the-county-building-2026-11-25")
    bot.clock.advance(hours=2)
    await bot.tick()
    assert bot.platform.sent == []


async def test_edit_moves_the_reminders(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    await bot.say(ADD)
    assert "Updated" in await bot.say(
        "/event edit rally-at-the-county-building-2026-11-25 when 2026-11-25 14:00"
    )
    bot.clock.advance(hours=2)  # 11:00: would have been due before the edit
    await bot.tick()
    assert bot.platform.sent == []
    bot.clock.advance(hours=2)  # 13:00: an hour before the new time
    await bot.tick()
    assert len(bot.platform.sent) == 2


async def test_subscribers_get_their_own_direct_message(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    await bot.say(ADD.replace("to both", "to group"))
    assert "reminders here" in await bot.say("/subscribe", roles=frozenset(), chat="dm-7")
    assert "already" in await bot.say("/subscribe", roles=frozenset(), chat="dm-7")
    bot.clock.advance(hours=2)
    await bot.tick()
    assert sorted(c.chat_id for c, _ in bot.platform.sent) == ["-100", "dm-7"]
    await bot.say("/unsubscribe", roles=frozenset(), chat="dm-7")
    bot.clock.advance(minutes=50)
    await bot.tick()
    assert sorted(c.chat_id for c, _ in bot.platform.sent) == ["-100", "-100", "dm-7"]


async def test_members_cannot_use_organizer_commands(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    refusal = await bot.say(ADD, roles=frozenset())
    assert "only organizers can use /event" in refusal
    assert bot.app.reminders.events == {}


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ('/event add "Rally" 2020-01-01 10:00', "in the past"),
        ('/event add "Rally" tomorrow 10:00', "'tomorrow 10:00' is not a local date and time"),
        ('/event add "Rally 2026-12-08 10:00', "close the quotes"),
        ('/event add "Rally" 2026-12-08 10:00 remind soon', "remind: 'soon' is not an offset"),
        (
            '/event add "Rally" 2026-12-08 10:00 to sac-genral',
            "unknown target 'sac-genral'; known:",
        ),
        (
            '/event add "Rally" 2026-12-08 10:00 tz Mars/Base',
            "'Mars/Base' is not an IANA time zone",
        ),
        ('/event add "Rally" 2026-12-08 10:00 url ftp://x', "must start with https://"),
        ('/event add "Rally" 2026-12-08 10:00 bogus', "didn't understand 'bogus'"),
        ("/event add", "Usage: /event add"),
        ("/event frobnicate", "Organizers: meetings and reminders"),
        ("/event cancel nope", "No event with the id 'nope'"),
    ],
)
async def test_malformed_commands_get_clear_errors(make_bot, command: str, error: str) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    assert error in await bot.say(command)


async def test_rsvp_counts_show_in_the_list_and_the_reminder(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    await bot.say(ADD.replace("to both", "to group"))
    event_id = "rally-at-the-county-building-2026-11-25"
    assert "see you there" in await bot.say(f"/going {event_id}", roles=frozenset())
    await bot.say(f"/going {event_id}", roles=frozenset(), chat="dm-2")  # same person, another chat
    assert "1 going" in await bot.say("/event list")
    bot.clock.advance(hours=2)
    await bot.tick()
    ((_, reply),) = bot.platform.sent
    assert "1 going" in reply.text
    assert reply.buttons[0].action == f"going:{event_id}"
    await bot.say("/forget", roles=frozenset())
    assert "0 going" in await bot.say("/event list")


async def test_calendar_is_an_ics_attachment(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    await bot.say(ADD + ' at "700 H Street, Sacramento" every "second and fourth Tuesday"')
    msg = Incoming(ChannelRef("fake", "dm-1"), "u1", "/calendar")
    (reply,) = await bot.app.core.handle(msg)
    assert reply.attachment is not None
    ics = reply.attachment.data.decode()
    assert reply.attachment.filename.endswith(".ics")
    assert "SUMMARY:Rally at the County building" in ics
    assert "BEGIN:VTIMEZONE" in ics
    assert "TZID:America/Los_Angeles" in ics
    assert "RRULE:FREQ=MONTHLY" in ics
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    length = event.decoded("dtend") - event.decoded("dtstart")
    assert length == bot.app.config.event_length, "calendar apps get an end time"
    assert "only works" not in ics, "no note that the time zone stops working in 2038"


async def test_an_event_with_a_duration_ends_then_in_calendar_apps(  # type: ignore[no-untyped-def]
    make_bot, reminder_config: Config
) -> None:
    bot = await make_bot()
    (reminder_config.schedules_dir / "board.yaml").write_text(
        "events:\n  - id: board\n    title: Board meeting\n    starts: 2026-12-09 09:30\n"
        "    duration: 4h\n  - id: prep\n    title: Prep\n    starts: 2026-12-08 18:00\n",
        encoding="utf-8",
    )
    await bot.app.reminders.load()
    (reply,) = await bot.app.core.handle(Incoming(ChannelRef("fake", "dm-1"), "u1", "/calendar"))
    assert reply.attachment is not None
    events = {
        str(e["uid"]): e.decoded("dtend") - e.decoded("dtstart")
        for e in Calendar.from_ical(reply.attachment.data).walk("VEVENT")
    }
    assert events == {
        "board@forum-prep-bot": timedelta(hours=4),
        "prep@forum-prep-bot": bot.app.config.event_length,
    }


async def test_next_shows_when_where_and_how_to_comment(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    assert "No upcoming events" in await bot.say("/next")
    await bot.say(ADD + ' at "700 H Street, Sacramento"')
    shown = await bot.say("/next", roles=frozenset())
    assert "Rally at the County building" in shown
    assert "12:00 PM PST" in shown
    assert "700 H Street" in shown
    assert "public comment" in shown


async def test_an_event_flyers_deep_link_opens_that_event(make_bot) -> None:  # type: ignore[no-untyped-def]
    """/start EVENT-ID is what the QR code on an event's flyer sends (t.me/BOT?start=ID)."""
    bot = await make_bot()
    await bot.say(ADD + ' at "700 H Street, Sacramento"')
    shown = await bot.say("/start rally-at-the-county-building-2026-11-25", roles=frozenset())
    assert "Rally at the County building" in shown
    assert "700 H Street" in shown
    assert "Hi! I answer questions" in await bot.say("/start no-such-id")


async def test_a_platform_that_is_down_gets_its_reminders_when_back_in_grace(  # type: ignore[no-untyped-def]
    make_bot,
) -> None:
    bot = await make_bot()
    await bot.say(ADD)
    bot.clock.advance(hours=2)
    bot.app.reminders.down.add("fake")  # what the supervisor marks while it reconnects
    await bot.tick()
    assert bot.platform.sent == [], "nothing sent, and nothing claimed, while it is down"
    bot.app.reminders.down.discard("fake")
    bot.clock.advance(minutes=1)
    await bot.tick()
    assert len(bot.platform.sent) == 2, "both targets get it once it is back, within the grace"


async def test_delivery_is_never_doubled_by_concurrent_ticks(make_bot) -> None:  # type: ignore[no-untyped-def]
    first, second = await make_bot(), await make_bot()  # two instances, one database
    await first.say(ADD)
    first.clock.advance(hours=2)
    await second.app.reminders.load()
    await asyncio.gather(first.tick(), second.tick(), first.tick())
    assert len(first.platform.sent) + len(second.platform.sent) == 2


async def test_a_typo_in_a_schedule_file_keeps_the_last_good_events(  # type: ignore[no-untyped-def]
    make_bot, reminder_config: Config
) -> None:
    bot = await make_bot()
    path = reminder_config.schedules_dir / "rally.yaml"
    path.write_text(
        "events:\n  - id: file-rally\n    title: File rally\n    starts: 2026-11-25 12:00\n"
        "    remind: [1h]\n    targets: [group]\n",
        encoding="utf-8",
    )
    await bot.app.reminders.load()
    assert "file-rally" in bot.app.reminders.events
    path.write_text(path.read_text(encoding="utf-8").replace("[group]", "[gruop]"), "utf-8")
    bot.clock.advance(hours=2)
    await bot.tick()
    assert [c.chat_id for c, _ in bot.platform.sent] == ["-100"], "still reminded"


async def test_a_broken_schedule_file_holds_back_only_its_own_events(  # type: ignore[no-untyped-def]
    make_bot, reminder_config: Config
) -> None:
    bot = await make_bot()
    folder = reminder_config.schedules_dir

    def event(event_id: str, title: str) -> str:
        return (
            f"events:\n  - id: {event_id}\n    title: {title}\n    starts: 2026-11-25 12:00\n"
            "    remind: [1h]\n    targets: [group]\n"
        )

    (folder / "a.yaml").write_text(event("rally-a", "Rally A"), encoding="utf-8")
    (folder / "b.yaml").write_text(event("rally-b", "Rally B"), encoding="utf-8")
    await bot.app.reminders.load()
    (folder / "a.yaml").write_text("events:\n  - id: rally-a\n   title: [", encoding="utf-8")
    (folder / "b.yaml").write_text(event("rally-b", "Rally B, new time"), encoding="utf-8")
    (folder / "c.yaml").write_text(event("rally-c", "Rally C"), encoding="utf-8")
    await bot.app.reminders.load()
    titles = {e.id: e.title for e in bot.app.reminders.events.values()}
    assert titles["rally-a"] == "Rally A", "the unreadable file keeps its last good events"
    assert titles["rally-b"] == "Rally B, new time", "other files' changes load"
    assert titles["rally-c"] == "Rally C"


async def test_an_event_with_an_error_costs_only_that_event(  # type: ignore[no-untyped-def]
    make_bot, reminder_config: Config
) -> None:
    """What schedules/README.md promises: in a file that reads, the broken event keeps its
    last good version, a new broken one waits, and the file's other changes load."""
    bot = await make_bot()
    path = reminder_config.schedules_dir / "meetings.yaml"

    def event(event_id: str, title: str, target: str = "group") -> str:
        return (
            f"  - id: {event_id}\n    title: {title}\n    starts: 2026-11-25 12:00\n"
            f"    remind: [1h]\n    targets: [{target}]\n"
        )

    path.write_text("events:\n" + event("prep", "Prep") + event("rally", "Rally"), "utf-8")
    await bot.app.reminders.load()
    path.write_text(
        "events:\n"
        + event("prep", "Prep, new room")
        + event("rally", "Rally, moved", target="gruop")
        + event("vigil", "Vigil", target="gruop"),
        encoding="utf-8",
    )
    await bot.app.reminders.load()
    titles = {e.id: e.title for e in bot.app.reminders.events.values()}
    assert titles == {"prep": "Prep, new room", "rally": "Rally"}


async def test_the_same_id_in_two_files_names_where_it_was_kept(  # type: ignore[no-untyped-def]
    make_bot, reminder_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await make_bot()
    folder = reminder_config.schedules_dir
    body = "events:\n  - id: rally\n    title: {}\n    starts: 2026-11-25 12:00\n"
    (folder / "a.yaml").write_text(body.format("Rally A"), encoding="utf-8")
    (folder / "b.yaml").write_text("\n" + body.format("Rally B"), encoding="utf-8")
    await bot.app.reminders.load()
    assert bot.app.reminders.events["rally"].title == "Rally A", "the first file wins"
    assert (
        f"{folder / 'b.yaml'}:3: duplicate id 'rally' (kept the one at {folder / 'a.yaml'}:2)"
        in (caplog.text)
    )


async def test_a_ledger_error_for_one_chat_does_not_stop_the_others(make_bot) -> None:  # type: ignore[no-untyped-def]
    """A database hiccup while claiming one destination (say "database is locked" under load)
    costs that one chat a sweep's delay, not the whole broadcast."""
    bot = await make_bot()
    await bot.say(ADD)
    claim = bot.app.store.claim
    failed: list[str] = []

    async def flaky_claim(key, *args, **kwargs):  # type: ignore[no-untyped-def]
        if key.destination.endswith(":-100") and not failed:
            failed.append(key.destination)
            raise StoreError("could not claim a delivery: database is locked")
        return await claim(key, *args, **kwargs)

    bot.app.store.claim = flaky_claim  # type: ignore[method-assign]
    bot.clock.advance(hours=2)
    await bot.tick()
    assert failed, "the hiccup happened"
    assert [c.chat_id for c, _ in bot.platform.sent] == ["555"], "the other chat still got it"
    bot.clock.advance(minutes=1)  # the next sweep, still within the grace
    await bot.tick()
    assert sorted(c.chat_id for c, _ in bot.platform.sent) == ["-100", "555"], "sent once each"


@pytest.mark.parametrize(
    ("field", "typed", "reason"),
    [
        (
            "timezone: Mars/Base",
            "tz Mars/Base",
            "'Mars/Base' is not an IANA time zone; e.g. America/Los_Angeles",
        ),
        (
            "url: example.org",
            "url example.org",
            "url 'example.org' is not a web address: it must start with https:// (or http://)",
        ),
        ("remind: [0m]", "remind 0m", "remind: '0m' must be more than zero"),
        ("remind: [-2h]", "remind -2h", "remind: '-2h' is negative; offsets already count back"),
        ("targets: [gruop]", "to gruop", "unknown target 'gruop'; known: both, channel, group"),
        ("recurrence: every 2", 'every "every 2"', "recurrence 'every 2': weekdays must be names"),
    ],
)
async def test_a_bad_value_is_refused_for_the_same_reason_in_a_file_and_in_chat(  # type: ignore[no-untyped-def]
    make_bot, reminder_config: Config, field: str, typed: str, reason: str
) -> None:
    """One set of checks: what `validate` says at the file's line, /event add says too."""
    bot = await make_bot()
    path = reminder_config.schedules_dir / "rally.yaml"
    path.write_text(
        f"events:\n  - id: rally\n    title: Rally\n    starts: 2026-12-08 10:00\n    {field}\n",
        encoding="utf-8",
    )
    result = load_schedules(
        [path],
        targets=reminder_config.targets,
        default_timezone=reminder_config.timezone,
        now=bot.clock.now(),
    )
    assert [str(p) for p in result.problems] == [f"{path}:5: {result.problems[0].message}"]
    assert result.problems[0].message.startswith(reason)
    said = await bot.say(f'/event add "Rally" 2026-12-08 10:00 to group {typed}')
    assert said.startswith(f"Nothing was saved: {reason}"), said
    assert said.removeprefix("Nothing was saved: ") == result.problems[0].message
    await bot.app.reminders.load()
    assert bot.app.reminders.events == {}, "neither the file's event nor the chat's is kept"


async def test_every_problem_of_a_new_event_is_said_at_once(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    said = await bot.say('/event add "Rally" 2026-12-08 10:00 tz Mars/Base remind 0m to gruop')
    assert said.splitlines() == [
        "Nothing was saved:",
        "- 'Mars/Base' is not an IANA time zone; e.g. America/Los_Angeles",
        "- remind: '0m' must be more than zero",
        "- unknown target 'gruop'; known: both, channel, group",
    ]


async def test_an_edit_is_checked_like_a_new_event(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    await bot.say(ADD)
    event_id = "rally-at-the-county-building-2026-11-25"
    for typed, reason in [
        ("when 2026-11-24 12:00", "starts 2026-11-24 12:00 is in the past (America/Los_Angeles)"),
        ("remind 0m", "remind: '0m' must be more than zero"),
        ("url example.org", "url 'example.org' is not a web address"),
        ("every FREQ=WEEKLY;UNTIL=20261101", "recurrence: no date on or after starts"),
        ("title " + "x" * 301, "'title' is 301 characters long; keep it to 300"),
    ]:
        said = await bot.say(f"/event edit {event_id} {typed}")
        assert said.startswith(f"Nothing was saved: {reason}"), said
    event = bot.app.reminders.events[event_id]
    assert (event.title, event.remind) == (
        "Rally at the County building",
        (timedelta(hours=1), timedelta(minutes=10)),
    )


async def test_a_stored_event_that_fails_the_checks_is_left_out_and_the_rest_load(  # type: ignore[no-untyped-def]
    make_bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A row the checks refuse (its zone, or a target the config no longer has) costs only
    that event, with a line in the log, never the whole load."""
    bot = await make_bot()
    await bot.say(ADD)
    await bot.say(ADD.replace("Rally", "Vigil"))
    store = bot.app.store
    rows = {row["id"]: row for row in await store.load_events()}
    await store.save_event(
        {**rows["vigil-at-the-county-building-2026-11-25"], "timezone": "Mars/Base"}
    )
    with caplog.at_level(logging.WARNING, logger="bot.reminders.calendar"):
        await bot.app.reminders.load()
    assert list(bot.app.reminders.events) == ["rally-at-the-county-building-2026-11-25"]
    assert (
        "stored event vigil-at-the-county-building-2026-11-25 left out: 'Mars/Base' is not an "
        "IANA time zone; e.g. America/Los_Angeles" in caplog.text
    )
    bot.clock.advance(hours=2)
    await bot.tick()
    assert len(bot.platform.sent) == 2, "the other event still reminds"


async def test_every_problem_of_an_event_is_told_in_the_chats_language(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    await bot.say("/lang es")
    assert await bot.say('/event add "Vigil" 2026-12-08 25:00 tz Mars/Olympus to group') == (
        "No se guardó nada:\n"
        "- 'Mars/Olympus' no es una zona horaria IANA; por ejemplo, America/Los_Angeles\n"
        "- starts: '2026-12-08 25:00' no es una fecha y hora que exista (revise el día del mes, "
        "y que la hora vaya de 00:00 a 23:59)"
    )
    assert await bot.say('/event add "Vigil" 2026-12-08 10:00 every "cada 2" to group') == (
        "No se guardó nada: recurrence: no entiendo 'cada 2'; escriba, por ejemplo, 'cada "
        "martes', 'segundo y cuarto martes', 'primer lunes', 'último miércoles', 'cada dos "
        "semanas' o 'mensual' (o una RRULE como FREQ=WEEKLY;BYDAY=TU)"
    ), "the parser's English reason is not shown in Spanish: the forms it reads are"
    assert "Agregado" in await bot.say(
        '/event add "Vigil" 2026-12-08 10:00 every "segundo y cuarto martes" to group'
    )
    await bot.say("/lang en")
    assert await bot.say('/event add "Vigil" 2026-12-08 25:00 to group') == (
        "Nothing was saved: starts: '2026-12-08 25:00' is not a local date and time (hour must "
        "be in 0..23)"
    ), "in English, as `validate` says it"


async def test_organizers_are_answered_in_their_language(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    assert "español" in await bot.say("/lang es")
    event_id = "rally-at-the-county-building-2026-11-25"
    assert await bot.say(ADD) == (
        f"Agregado {event_id}: Rally at the County building, miércoles 25 de noviembre de 2026, "
        "12:00 PST. Recordatorios 1h, 10m antes, a both."
    )
    assert await bot.say("/event list") == (
        f"Próximos eventos:\n- {event_id}: Rally at the County building, miércoles 25 de "
        "noviembre de 2026, 12:00 PST; 0 van; a both; hecho en el chat"
    )
    assert await bot.say('/event add "Vigil" 2026-12-08 10:00 remind 0m to group') == (
        "No se guardó nada: remind: '0m' debe ser mayor que cero"
    ), "the reason in Spanish too, naming the field as the command writes it"
    assert await bot.say("/event cancel nope") == (
        "No hay un evento con el id 'nope'. Mande /event list."
    )
    assert await bot.say(f"/event post {event_id}") == f"Publicado {event_id} en 2 chat(s)."
    assert await bot.say("/event status") == "Todos los recordatorios hasta ahora se entregaron."
    assert await bot.say(f"/event cancel {event_id}") == (
        f"Cancelado {event_id}: Rally at the County building. Sus recordatorios pendientes se "
        "quitaron."
    )


async def test_post_announces_now_to_the_targets_and_not_to_subscribers(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot()
    await bot.say(ADD)
    await bot.say("/subscribe", roles=frozenset(), chat="dm-7")
    event_id = "rally-at-the-county-building-2026-11-25"
    assert await bot.say(f"/event post {event_id}") == f"Posted {event_id} to 2 chat(s)."
    assert sorted(c.chat_id for c, _ in bot.platform.sent) == ["-100", "555"]
    (_, reply), _ = bot.platform.sent
    assert reply.text.startswith("Reminder: Rally at the County building\nWhen: Wednesday")
    assert "Recordatorio" in reply.text, "a target without a language gets both"
    assert await bot.say("/event post nope") == "No event with the id 'nope'. Send /event list."
