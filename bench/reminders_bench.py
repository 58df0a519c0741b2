"""How the reminders hold up: scheduling many events, how late reminders go out, a broadcast.

10,000 events x 3 reminders are loaded and planned; 40 one-off reminders falling due over a few
seconds go out through the real scheduler on a real clock; a reminder goes to 1,000 subscribers
through the real Telegram adapter against a loopback Bot API that limits as Telegram does. The
third part of `make bench`, after speed; not named `reminders` so as not to read as the bot's.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import ROOT
from bot.adapters.telegram_adapter import TelegramAdapter
from bot.app import build, serve
from bot.config import Config, PlatformConfig, from_mapping
from bot.messages import ChannelRef, Reply
from bot.reminders.calendar import event_row
from bot.reminders.event import Event
from tests.fakes.bot_api import FakeBotApi


class Recorder:
    """A fake platform that notes each reminder: when it went out and to which chat. `delay`:
    what one send costs it (the load run's fast platform)."""

    def __init__(self, name: str = "console", delay: float = 0.0) -> None:
        self.name = name
        self.delay = delay
        self.times: list[float] = []
        self.chats: list[str] = []

    async def run(self, handle: object) -> None:
        await asyncio.Event().wait()

    async def send(
        self, channel: ChannelRef, reply: Reply, *, delivery_id: str | None = None
    ) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.times.append(time.time())
        self.chats.append(channel.chat_id)


def bench_reminders() -> None:
    """Scheduling 10,000 events x 3 reminders, and how late reminders go out on a real clock."""
    print("\nReminders")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "schedules").mkdir()
        start = datetime.now(UTC) + timedelta(days=2)
        write_many(folder / "schedules" / "many.yaml", start)
        config = from_mapping({"database": {"url": f"sqlite:///{folder / 'bot.db'}"}}, folder)
        config = replace(config, knowledge_dir=ROOT / "knowledge")
        asyncio.run(schedule(config, start))

        # Lateness: 40 one-off events whose 1-minute reminder falls due over ~6 seconds.
        (folder / "schedules" / "many.yaml").unlink()
        dues = write_soon(folder / "schedules" / "soon.yaml")
        recorder = Recorder()
        asyncio.run(lateness(config, recorder))
        print_lateness(recorder.times, dues)


def write_many(path: Path, start: datetime) -> None:
    """10,000 events 7 minutes apart from `start`, each reminded 1 day, 2 hours and 10 minutes
    before."""
    lines = ["events:"]
    for i in range(10_000):
        when = (start + timedelta(minutes=7 * i)).astimezone(ZoneInfo("America/Los_Angeles"))
        lines += [
            f"  - id: event-{i}",
            f"    title: Event {i}",
            f"    starts: {when:%Y-%m-%d %H:%M}",
            "    remind: [1d, 2h, 10m]",
            "    targets: [console]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def schedule(config: Config, start: datetime) -> None:
    """Load the events, compute every reminder due over 70 days and the next one due."""
    app = build(config, adapters=[Recorder()])
    async with app.store:
        tracemalloc.start()
        began = time.perf_counter()
        await app.reminders.load()
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        due = app.reminders.due_between(start - timedelta(days=1), start + timedelta(days=70))
        planned = time.perf_counter() - began
        began = time.perf_counter()
        app.reminders.next_due(datetime.now(UTC))
        nxt = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(
            f"  10,000 events: load {loaded * 1000:.0f} ms, all {len(due):,} reminders "
            f"computed in {planned * 1000:.0f} ms, next due in {nxt * 1000:.0f} ms, "
            f"peak traced memory {peak:.1f} MB"
        )


def write_soon(path: Path) -> list[float]:
    """40 events whose 1-minute reminders fall due from about 3 seconds from now, 0.15 s apart
    (to the second); returns when each is due (epoch seconds)."""
    soon = datetime.now(UTC) + timedelta(seconds=63)
    lines = ["events:"]
    dues = []
    for i in range(40):
        when = (soon + timedelta(seconds=i * 0.15)).astimezone(ZoneInfo("America/Los_Angeles"))
        when = when.replace(microsecond=0)
        dues.append((when - timedelta(minutes=1)).timestamp())
        lines += [
            f"  - id: soon-{i}",
            f"    title: Soon {i}",
            f"    starts: {when:%Y-%m-%d %H:%M:%S}",
            "    remind: [1m]",
            "    targets: [console]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dues


async def lateness(config: Config, recorder: Recorder) -> None:
    """Serve until the 40 reminders are out, or for 20 seconds."""
    app = build(config, adapters=[recorder])
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop))
    deadline = time.time() + 20
    while len(recorder.times) < 40 and time.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    stop.set()
    await task


def print_lateness(sent: list[float], dues: list[float]) -> None:
    delays = sorted(max(0.0, s - d) for s, d in zip(sorted(sent), sorted(dues), strict=False))
    if delays:
        p50 = statistics.median(delays)
        p99 = delays[max(int(len(delays) * 0.99) - 1, 0)]
        print(
            f"  lateness of {len(delays)} reminders (due → sent): p50 {p50 * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms (target p99 ≤ 1 s)"
        )


def bench_telegram_broadcast(subscribers: int = 1_000) -> None:
    """A reminder to every subscriber through the real Telegram adapter and a loopback Bot API
    that answers 429 above 30 messages a second, as Telegram does."""
    asyncio.run(broadcast(subscribers))


async def broadcast(subscribers: int) -> None:
    api = FakeBotApi(per_second=30)
    base_url = await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        config = from_mapping({"database": {"url": f"sqlite:///{tmp}/bot.db"}}, Path(tmp))
        config = replace(
            config,
            knowledge_dir=ROOT / "knowledge",
            telegram=PlatformConfig(enabled=True, base_url=base_url),
            targets={},
        )
        adapter = TelegramAdapter(config, "123:BENCH")
        app = build(config, adapters=[adapter])
        async with app.store, adapter.application:
            for n in range(subscribers):
                await app.store.subscribe("telegram", str(10_000 + n), "en")
            starts = datetime.now(UTC) + timedelta(hours=1, seconds=-1)
            event = Event(
                "bench",
                "Broadcast",
                starts,
                "America/Los_Angeles",
                remind=(timedelta(hours=1),),
            )
            await app.store.save_event(event_row(event))
            await app.reminders.load()
            began = time.perf_counter()
            outcomes = await app.reminders.send(
                event, starts, timedelta(hours=1), deadline=starts + timedelta(minutes=15)
            )
            took = time.perf_counter() - began
    await api.stop()
    chats = [int(p["chat_id"]) for p in api.delivered]
    ideal = subscribers / 30
    print(
        f"  broadcast to {subscribers:,} Telegram subscribers: {took:.1f} s "
        f"(ideal at 30 msg/s {ideal:.1f} s, {took / ideal - 1:+.0%}), 429s {api.too_many}, "
        f"delivered {len(set(chats)):,}, duplicates {len(chats) - len(set(chats))}, "
        f"lost {subscribers - len(set(chats))}; outcomes {outcomes}"
    )
