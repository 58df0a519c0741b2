"""The bot under load: many people asking at once while a reminder goes out to them all.

Questions go through the core (words and meaning) as a platform would deliver them, and a
broadcast runs beside them: throughput, reply latency, how late the event loop ran, the
process's peak memory, and that nothing was lost or doubled. The last part of `make bench`.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import ROOT, peak_rss_mb
from bench.quality import load_eval
from bench.reminders_bench import Recorder
from bot.answering.matcher import Matcher
from bot.app import App, build
from bot.config import from_mapping
from bot.messages import ChannelRef, Incoming
from bot.reminders.calendar import event_row
from bot.reminders.event import Event


class Clock:
    """The core's clock: it moves on two seconds a round, when the benchmark says."""

    def __init__(self) -> None:
        self.current = datetime.now(UTC)

    def now(self) -> datetime:
        return self.current


@dataclass
class Run:
    """One load run: how it is asked, and what it measured."""

    users: int
    per_user: int
    paced: bool
    latencies: list[float] = field(default_factory=list)
    replies: int = 0
    by_words: int = 0  # questions answered by words alone, the model busy
    lags: list[float] = field(default_factory=list)  # how late a 10 ms timer fired
    took: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)  # the broadcast's chats


def bench_load(users: int = 500, per_user: int = 4, *, paced: bool = False) -> None:
    """2,000 questions from 500 people through the core (words and meaning), while a reminder
    goes out to 500 subscribers: throughput, p99 reply latency, how late the event loop ran
    (the answer engine must never block it), memory, nothing lost or doubled.

    Burst: each round, all 500 ask in the same instant, so the last waits behind the other
    499 whatever the engine. Paced: each person asks every 2 s at their own moment (250
    questions a second), and latency counts from that moment."""
    questions = [q.text for q in load_eval()]
    asyncio.run(load(questions, Run(users, per_user, paced)))


async def load(questions: list[str], run: Run) -> None:
    """The app on a fresh database with the model, a ticker timing the event loop, the rounds."""
    with tempfile.TemporaryDirectory() as tmp:
        config = from_mapping({"database": {"url": f"sqlite:///{tmp}/bot.db"}}, Path(tmp))
        config = replace(config, knowledge_dir=ROOT / "knowledge", targets={})
        clock = Clock()
        recorder = Recorder("load", delay=0.001)  # a fast platform
        app = build(config, clock=clock, adapters=[recorder])
        app.knowledge.reload()
        if app.core.matcher.load_model():
            app.core.matcher.prepare(app.knowledge.snapshot)
        count_words_only(app.core.matcher, run)
        ticking = asyncio.create_task(ticker(run.lags))
        async with app.store:
            event, starts = await plan_broadcast(app, clock, run.users)
            await ask_rounds(app, clock, questions, event, starts, run)
        ticking.cancel()
    run.sent = recorder.chats
    print_run(run)


def count_words_only(matcher: Matcher, run: Run) -> None:
    """Count in `run` the questions the matcher is asked to answer by words alone."""
    matching = matcher.match

    def counted(*args: Any, words_only: bool = False, **kwargs: Any) -> Any:
        run.by_words += words_only
        return matching(*args, words_only=words_only, **kwargs)

    matcher.match = counted  # type: ignore[method-assign]


async def ticker(lags: list[float]) -> None:
    """How late a 10 ms timer fires: the loop's stalls."""
    while True:
        due = time.perf_counter() + 0.01
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - due)


async def plan_broadcast(app: App, clock: Clock, users: int) -> tuple[Event, datetime]:
    """`users` subscribers, and an event an hour away with a reminder an hour before."""
    for n in range(users):
        await app.store.subscribe("load", f"dm-{n}", "en")
    starts = clock.now() + timedelta(hours=1)
    event = Event("load", "Load test", starts, "America/Los_Angeles", remind=(timedelta(hours=1),))
    await app.store.save_event(event_row(event))
    await app.reminders.load()
    return event, starts


async def ask_rounds(
    app: App, clock: Clock, questions: list[str], event: Event, starts: datetime, run: Run
) -> None:
    """Each round, every person asks one question, while the reminder goes out."""

    async def ask(user: int, question: str) -> None:
        if run.paced:  # this person's moment in the 2 s round
            await asyncio.sleep(2.0 * user / run.users)
        msg = Incoming(ChannelRef("load", f"dm-{user}"), str(user), question)
        began = time.perf_counter()
        got = await app.core.handle(msg)
        run.latencies.append(time.perf_counter() - began)
        run.replies += len(got)  # after the await: `+=` across one would lose counts

    broadcast = asyncio.create_task(app.reminders.send(event, starts, timedelta(hours=1), starts))
    began = time.perf_counter()
    for round_ in range(run.per_user):
        await asyncio.gather(
            *(ask(u, questions[(u + round_) % len(questions)]) for u in range(run.users))
        )
        clock.current += timedelta(seconds=2)  # each person asks every 2 s
    run.took = time.perf_counter() - began
    run.outcomes = await broadcast


def print_run(run: Run) -> None:
    latencies = run.latencies
    latencies.sort()
    total = run.users * run.per_user
    peak = peak_rss_mb()
    sent = run.sent
    print(
        f"  {'paced, 250 q/s' if run.paced else 'burst'}: "
        f"{total:,} questions from {run.users} people with a 500-subscriber broadcast: "
        f"{total / run.took:,.0f} q/s, p50 {latencies[len(latencies) // 2] * 1000:.2f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.2f} ms, replies {run.replies:,} "
        f"(lost {total - run.replies}; {run.by_words / total:.0%} by words alone, the model "
        f"busy), broadcast {len(set(sent))} delivered, "
        f"{len(sent) - len(set(sent))} doubled, {run.outcomes}; "
        f"peak RSS of this process {peak:.0f} MB"
    )
    lags = run.lags
    lags.sort()
    print(
        f"  event loop during that load: a 10 ms timer fired late by p99 "
        f"{lags[int(len(lags) * 0.99)] * 1000:.1f} ms, at most {lags[-1] * 1000:.1f} ms "
        f"(target p99 reply <= 100 ms during a broadcast)"
    )
