"""The same store on a real PostgreSQL server, started on loopback for these tests.

`make postgres` installs the server (Debian's package); without it these tests are skipped with
the reason shown. The cluster itself is tests/pg.py's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Config
from bot.schema import MIGRATIONS, DeliveryKey
from bot.store import Store
from tests.conftest import FakeClock
from tests.pg import postgres_cluster, unavailable
from tests.test_store import check_updates_once


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    why = unavailable()
    if why:
        pytest.skip(why)
    with postgres_cluster() as url:
        yield url


async def test_migrations_and_questions_on_postgres(postgres_url: str) -> None:
    async with Store(postgres_url) as store:
        await store.record_unanswered("where is parking", "en", datetime.now(UTC).date())
        await store.record_unanswered("where is parking", "en", datetime.now(UTC).date())
        assert [(c.text, c.count) for c in await store.top_unanswered()] == [
            ("where is parking", 2)
        ]
    async with Store(postgres_url) as again:  # a restart runs no migration twice
        assert await again.migrate() == MIGRATIONS[-1][0]


async def test_a_moved_chat_and_its_subscription_on_postgres(postgres_url: str) -> None:
    """PostgreSQL's own upsert and the not-correlated subquery that keeps a subscription the new
    id already has."""
    async with Store(postgres_url) as store:
        await store.subscribe("telegram", "-5001", "es")
        await store.subscribe("telegram", "-5002", "es")
        await store.subscribe("telegram", "-1005002", "en")
        await store.save_move("telegram", "-5000", "-1005009")
        await store.save_move("telegram", "-5000", "-1005000")  # a second move replaces the first
        await store.save_move("telegram", "-5001", "-1005001")
        await store.save_move("telegram", "-5002", "-1005002")
    async with Store(postgres_url) as again:
        assert await again.moves("telegram") == {
            "-5000": "-1005000",
            "-5001": "-1005001",
            "-5002": "-1005002",
        }
        chats = {(chat, lang) for _, chat, lang in await again.subscribers()}
        assert {("-1005001", "es"), ("-1005002", "en")} <= chats
        assert not {chat for chat, _ in chats} & {"-5001", "-5002"}


async def test_two_instances_claim_each_delivery_once(postgres_url: str) -> None:
    """Two bots sharing one database: of many racing claims, exactly one wins each key."""
    first, second = Store(postgres_url), Store(postgres_url)
    await first.open()
    await second.open()
    try:
        now = datetime.now(UTC)
        keys = [
            DeliveryKey("race", now + timedelta(hours=1), timedelta(hours=1), f"telegram:{n}")
            for n in range(50)
        ]
        results = await asyncio.gather(
            *(store.claim(key, now) for key in keys for store in (first, second, first))
        )
        assert sum(results) == 50
        assert await first.deliveries_by_status("claimed", limit=1000) != []
    finally:
        await first.close()
        await second.close()


async def test_two_bot_processes_on_one_database_send_each_reminder_once(
    postgres_url: str, tmp_path: Path
) -> None:
    from zoneinfo import ZoneInfo

    from tests.conftest import ROOT, run_bot

    zone = ZoneInfo("America/Los_Angeles")
    starts = datetime.now(zone).replace(microsecond=0) + timedelta(seconds=68)
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "soon.yaml").write_text(
        "events:\n  - id: shared\n    title: Shared-database rally\n"
        f"    starts: {starts:%Y-%m-%d %H:%M:%S}\n    remind: [62s, 58s]\n"
        "    targets: [console]\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\nschedules: {{path: schedules}}\n"
        f"database: {{url: '{postgres_url}'}}\nmatcher: {{semantic: false}}\n",
        encoding="utf-8",
    )

    first, second = await run_bot(config), await run_bot(config)
    await asyncio.sleep(13)  # both running when the two reminders fall due (at +6 s, +10 s)
    outputs = []
    for proc in (first, second):
        proc.terminate()
        out, _ = await asyncio.wait_for(proc.communicate(), 15)
        outputs.append(out.decode())
    lines = [
        line for out in outputs for line in out.splitlines() if "Shared-database rally" in line
    ]
    assert len(lines) == 2, lines


async def test_processes_starting_at_once_on_a_new_database_all_open(postgres_url: str) -> None:
    """Three processes behind a load balancer start together on an empty database: each
    opens it (one creates the tables, the others find them), none stops with a clash."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
        await admin.execute("CREATE DATABASE fresh")
    fresh = postgres_url.rsplit("/", 1)[0] + "/fresh"
    stores = [Store(fresh) for _ in range(4)]
    try:
        await asyncio.gather(*(store.open() for store in stores))
        assert [await store.migrate() for store in stores] == [MIGRATIONS[-1][0]] * 4
    finally:
        for store in stores:
            await store.close()


async def test_each_update_is_handled_once_on_postgres(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Update ids are 64-bit; the takeover's compare-and-set is PostgreSQL's own UPDATE."""
    async with Store(postgres_url) as store:
        await check_updates_once(store, 2**40, caplog)


async def test_two_processes_share_chat_memory_and_one_send_rate_on_postgres(
    postgres_url: str,
) -> None:
    """database.shared on PostgreSQL: a chat's last answer is the latest whoever wrote it, a
    suggestion is taken once of racing taps, and racing sends get distinct, spaced moments."""
    first, second = Store(postgres_url), Store(postgres_url)
    await first.open()
    await second.open()
    try:
        now = datetime.now(UTC)
        await first.save_last_answer("telegram", "4242", "sb54-what-it-is", now)
        await second.save_last_answer("telegram", "4242", "bos-time-limits", now)
        assert await first.last_answer("telegram", "4242", now - timedelta(days=1)) == (
            "bos-time-limits"
        )
        await first.save_offer("pg0token", "comment", "en", now)
        taps = await asyncio.gather(first.take_offer("pg0token"), second.take_offer("pg0token"))
        assert sorted(taps, key=str) == [("comment", "en"), None]
        moments = await asyncio.gather(
            *(store.reserve("pg-test", 1000, 35) for store in (first, second) for _ in range(20))
        )
        assert sorted(moments) == [1000 + 35 * n for n in range(40)]
        await first.purge_chat_memory(now + timedelta(seconds=1))
        await first.purge_budget(10_000)
        assert await second.last_answer("telegram", "4242", now - timedelta(days=1)) is None
        assert await second.reserve("pg-test", 20_000, 35) == 20_000
        await first.hold("pg-test", 50_000)  # Telegram said "retry after" to the first
        assert await second.reserve("pg-test", 20_100, 35) == 50_000
    finally:
        await first.close()
        await second.close()


async def test_two_processes_answer_one_chat_alike_on_postgres(
    postgres_url: str, config: Config, clock: FakeClock
) -> None:
    """The chat as a person sees it, its messages spread over two processes on PostgreSQL."""
    from tests.test_shared import DRAFT, processes, say

    async with processes(replace(config, database_url=postgres_url), clock) as (a, b):
        await say(b, "/lang es")
        answer = await say(a, "what is sb54")
        assert answer.lang == "es"
        assert (await say(b, "/sources")).sources == answer.sources
        await say(a, "/comment draft")
        assert "palabras" in (await say(b, DRAFT)).text
        await say(a, "/forget")
