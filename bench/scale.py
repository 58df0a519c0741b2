"""Several bot processes behind HAProxy on one PostgreSQL: Telegram updates answered a second,
and how long an answer takes from Telegram's first post, with 1 and 3 processes, and with one of
3 SIGKILLed half way.

The harness is the scale test's (tests/scale_harness.py): real HAProxy, real PostgreSQL, `python
-m bot run` in webhook mode with words alone, the loopback Bot API as Telegram. Each run gets
a new cluster, as update ids repeat between runs. Each process spaces its sends under Telegram's
limits (29 messages a second, one a group every ~3 s), so that ceiling, not the CPU, is what
these figures mostly show: "at most N messages in one second" above 30 is what real Telegram
would answer with 429s, unless the processes share one budget (`database.shared`).
"""

from __future__ import annotations

import asyncio

from tests.pg import postgres_cluster, unavailable
from tests.scale_harness import Result, haproxy_missing, run_scale

CHATS, PER_CHAT = 500, 4  # many groups, a few questions each: not one group's 20 a minute


def bench_scale() -> None:
    print("\nScale (HAProxy, webhook processes, PostgreSQL; words alone)")
    why = unavailable() or haproxy_missing()
    if why:
        print(f"  skipped: {why}")
        return
    runs = ((1, False, True), (3, False, False), (3, False, True), (3, True, True))
    for processes, kill, shared in runs:
        with postgres_cluster() as database:
            result = asyncio.run(
                run_scale(
                    database,
                    processes=processes,
                    chats=CHATS,
                    per_chat=PER_CHAT,
                    kill=kill,
                    groups=3 if kill else 0,
                    shared=shared,
                )
            )
        print_result(result, shared)


def print_result(result: Result, shared: bool) -> None:
    label = f"{result.processes} process{'es' if result.processes > 1 else ''}"
    if result.processes > 1:
        label += ", one shared send rate" if shared else ", each its own send rate"
    if result.killed:
        label += ", one SIGKILLed half way"
    retried = sum(n for status, n in result.statuses.items() if not 200 <= status < 300)
    copies = sorted(result.reminders.values())
    print(
        f"  {label}: {result.updates:,} updates from {CHATS} groups: "
        f"{result.throughput:,.0f} updates/s, answer p50 {result.percentile(0.5) * 1000:.0f} ms, "
        f"p99 {result.percentile(0.99) * 1000:.0f} ms, worst {max(result.latencies):.1f} s; "
        f"answered once {sum(n == 1 for n in result.answers.values()):,}, "
        f"twice {len(result.doubles)}, lost {len(result.lost)}, "
        f"uncertain {len(result.uncertain)}; posts Telegram retried {retried}; "
        f"at most {result.peak_rate} messages in one second"
        + (f"; reminder copies per group {copies}" if copies else "")
    )
