"""`make bench`: answer quality and speed, with a plain baseline side by side.

Quality is measured on tests/eval/questions.yaml, split into the questions the threshold is
tuned on and the third kept aside (never tuned on). The baseline is rapidfuzz WRatio alone
over every question and alias, answering at a fixed, untuned cutoff of 80.

    python bench/bench.py            # all figures
    python bench/bench.py --tune     # sweep threshold and margin on the tuning split only
    python bench/bench.py --cv       # nested 5-fold cross-validation on the tuning split only
                                     # of the ranking and abstention models, and the adopted
                                     # abstainer's constants for bot/answering/matcher.py
    python bench/bench.py --fit      # fit the ranker and decider (bot/answering/bands.json) on
                                     # the tuning parts of both evaluation sets (never the blind)
    python bench/bench.py --real     # only the real-question figures, engine beside its parts
    python bench/bench.py --aliases [FILE ...]
                                     # leave-one-alias-out: each alias asked with itself removed
                                     # from the knowledge; lists those another entry would take
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import speed  # noqa: E402
from bench.fit_abstain import write_bands  # noqa: E402
from bench.quality import (  # noqa: E402
    leave_one_alias_out,
    load_eval,
    real_engines,
)
from bench.quality import report as report_quality  # noqa: E402
from bench.tune_words import cv, tune  # noqa: E402
from bot.answering.knowledge import load_knowledge  # noqa: E402
from bot.config import load_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--cv", action="store_true")
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--real", action="store_true")
    parser.add_argument("--aliases", nargs="*", metavar="FILE")
    args = parser.parse_args()
    config = load_config(ROOT / "config.example.yaml")
    config = replace(config, knowledge_dir=ROOT / "knowledge")
    snapshot = load_knowledge([config.knowledge_dir]).snapshot
    questions = load_eval()
    if args.tune:
        tune(snapshot, questions)
        return
    if args.cv:
        cv(snapshot, questions)
        return
    if args.aliases is not None:
        leave_one_alias_out(snapshot, args.aliases)
        return
    if args.fit:
        write_bands(snapshot, config, questions)
        return
    if args.real:
        real_engines(snapshot, config, questions)
        return

    kept: list[object] = [report_quality(snapshot, config, questions)]
    kept.append(speed.report(snapshot, config, questions))
    speed.report_startup(questions)
    # imported here: the other flags need neither the chat app nor the platform libraries
    from bench import reminders_bench

    reminders_bench.bench_reminders()
    reminders_bench.bench_telegram_broadcast()
    print("\nLoad")
    bench_load()
    bench_load(paced=True)


def bench_load(users: int = 500, per_user: int = 4, *, paced: bool = False) -> None:
    """2,000 questions from 500 people through the core (words and meaning), while a reminder
    goes out to 500 subscribers: throughput, p99 reply latency, how late the event loop ran
    (the answer engine must never block it), memory, nothing lost or doubled.

    Burst: each round, all 500 ask in the same instant, so the last waits behind the other
    499 whatever the engine. Paced: each person asks every 2 s at their own moment (250
    questions a second), and latency counts from that moment."""
    import asyncio
    import tempfile
    from datetime import UTC, datetime, timedelta

    from bot.app import build
    from bot.config import from_mapping
    from bot.messages import ChannelRef, Incoming, Reply
    from bot.reminders.calendar import event_row
    from bot.reminders.schedule_files import Event

    questions = [q.text for q in load_eval()]

    class Clock:
        current = datetime.now(UTC)

        def now(self) -> datetime:
            return self.current

    class Recorder:
        name = "load"
        sent: ClassVar[list[str]] = []

        async def run(self, handle: object) -> None:
            await asyncio.Event().wait()

        async def send(self, channel: ChannelRef, reply: Reply) -> None:
            await asyncio.sleep(0.001)  # a fast platform
            self.sent.append(channel.chat_id)

    async def load() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            config = from_mapping({"database": {"url": f"sqlite:///{tmp}/bot.db"}}, Path(tmp))
            config = replace(config, knowledge_dir=ROOT / "knowledge", targets={})
            clock = Clock()
            app = build(config, clock=clock, adapters=[Recorder()])
            app.knowledge.reload()
            if app.core.matcher.load_model():
                app.core.matcher.prepare(app.knowledge.snapshot)
            lags: list[float] = []
            by_words = 0
            matching = app.core.matcher.match

            def counted(*args: Any, words_only: bool = False, **kwargs: Any) -> Any:
                nonlocal by_words
                by_words += words_only
                return matching(*args, words_only=words_only, **kwargs)

            app.core.matcher.match = counted  # type: ignore[method-assign]

            async def ticker() -> None:  # how late a 10 ms timer fires: the loop's stalls
                while True:
                    due = time.perf_counter() + 0.01
                    await asyncio.sleep(0.01)
                    lags.append(time.perf_counter() - due)

            ticking = asyncio.create_task(ticker())
            async with app.store:
                for n in range(users):
                    await app.store.subscribe("load", f"dm-{n}", "en")
                starts = clock.now() + timedelta(hours=1)
                event = Event(
                    "load", "Load test", starts, "America/Los_Angeles", remind=(timedelta(hours=1),)
                )
                await app.store.save_event(event_row(event))
                await app.reminders.load()
                latencies: list[float] = []
                replies = 0

                async def ask(user: int, question: str) -> None:
                    nonlocal replies
                    if paced:  # this person's moment in the 2 s round
                        await asyncio.sleep(2.0 * user / users)
                    msg = Incoming(ChannelRef("load", f"dm-{user}"), str(user), question)
                    began = time.perf_counter()
                    got = await app.core.handle(msg)
                    latencies.append(time.perf_counter() - began)
                    replies += len(got)  # after the await: `+=` across one would lose counts

                broadcast = asyncio.create_task(
                    app.reminders.send(event, starts, timedelta(hours=1), starts)
                )
                began = time.perf_counter()
                for round_ in range(per_user):
                    await asyncio.gather(
                        *(ask(u, questions[(u + round_) % len(questions)]) for u in range(users))
                    )
                    clock.current += timedelta(seconds=2)  # each person asks every 2 s
                took = time.perf_counter() - began
                outcomes = await broadcast
            ticking.cancel()
        latencies.sort()
        total = users * per_user
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        sent = Recorder.sent
        print(
            f"  {'paced, 250 q/s' if paced else 'burst'}: "
            f"{total:,} questions from {users} people with a 500-subscriber broadcast: "
            f"{total / took:,.0f} q/s, p50 {latencies[len(latencies) // 2] * 1000:.2f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.2f} ms, replies {replies:,} "
            f"(lost {total - replies}; {by_words / total:.0%} by words alone, the model busy), "
            f"broadcast {len(set(sent))} delivered, "
            f"{len(sent) - len(set(sent))} doubled, {outcomes}; "
            f"bench process peak RSS {peak:.0f} MB"
        )
        lags.sort()
        print(
            f"  event loop during that load: a 10 ms timer fired late by p99 "
            f"{lags[int(len(lags) * 0.99)] * 1000:.1f} ms, at most {lags[-1] * 1000:.1f} ms "
            f"(target p99 reply <= 100 ms during a broadcast)"
        )

    asyncio.run(load())


if __name__ == "__main__":
    main()
