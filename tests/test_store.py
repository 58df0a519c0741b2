"""The store keeps only what features need, and forgets on request and on schedule."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.database import async_url
from bot.schema import MIGRATIONS, UpdateState
from bot.store import Store
from bot.updates_once import UpdatesOnce
from tests.conftest import FakeClock

DAY = date(2026, 11, 25)


async def test_unanswered_questions_are_counted_without_who_asked(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with Store(f"sqlite:///{db}") as store:
        for _ in range(3):
            await store.record_unanswered("where do I park   for the meeting", "en", DAY)
        await store.record_unanswered("¿dónde me estaciono?", "es", DAY)
        top = await store.top_unanswered()
    assert [(c.text, c.count, c.lang) for c in top] == [
        ("where do I park for the meeting", 3, "en"),
        ("¿dónde me estaciono?", 1, "es"),
    ]
    columns = {r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(unanswered)")}
    assert columns == {"id", "day", "lang", "question", "count"}, "no user, chat or time of day"


async def test_old_questions_are_dropped_after_retention(tmp_path: Path) -> None:
    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        await store.record_unanswered("old question", "en", date(2026, 8, 1))
        await store.record_unanswered("new question", "en", DAY)
        await store.purge_unanswered(date(2026, 8, 27))
        assert [c.text for c in await store.top_unanswered()] == ["new question"]


async def test_feedback_lists_most_unhelpful_first(tmp_path: Path) -> None:
    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        await store.record_feedback("bos-time-limits", False, DAY)
        await store.record_feedback("sb54-what-it-is", False, DAY)
        await store.record_feedback("sb54-what-it-is", False, date(2026, 11, 26))
        await store.record_feedback("sb54-what-it-is", True, DAY)
        await store.record_feedback("only-liked", True, DAY)
        assert await store.most_unhelpful() == [
            ("sb54-what-it-is", 2, 1),
            ("bos-time-limits", 1, 0),
        ]


async def test_language_choice_is_forgotten(tmp_path: Path) -> None:
    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        await store.set_language("telegram", "42", "es")
        await store.set_language("telegram", "42", "en")
        assert await store.language("telegram", "42") == "en"
        await store.forget("telegram", "42", "7")
        assert await store.language("telegram", "42") is None


async def test_migrations_run_once_and_data_survives_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'bot.db'}"
    async with Store(url) as store:
        await store.record_unanswered("kept", "en", DAY)
    async with Store(url) as store:
        assert await store.migrate() == MIGRATIONS[-1][0]
        assert [c.text for c in await store.top_unanswered()] == ["kept"]
    versions = sqlite3.connect(tmp_path / "sub" / "bot.db").execute(
        "SELECT version FROM schema_version"
    )
    assert [v for (v,) in versions] == [v for v, _ in MIGRATIONS]
    mode = sqlite3.connect(tmp_path / "sub" / "bot.db").execute("PRAGMA journal_mode").fetchone()
    assert mode == ("wal",)


async def test_a_new_database_another_process_is_writing_still_opens(tmp_path: Path) -> None:
    """Two bot processes starting on one new database: the one that finds the other mid-write
    waits its turn and starts, instead of stopping on "database is locked" (SQLite refuses the
    switch to WAL at once, without waiting). The file still ends in WAL."""
    path = tmp_path / "bot.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE other_process (x)")
    asyncio.get_running_loop().call_later(0.5, other.execute, "COMMIT")
    async with Store(f"sqlite:///{path}") as store:
        await store.record_unanswered("kept", "en", DAY)
        assert [c.text for c in await store.top_unanswered()] == ["kept"]
    other.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_plain_urls_get_async_drivers() -> None:
    assert async_url("sqlite:///data/bot.db") == "sqlite+aiosqlite:///data/bot.db"
    assert async_url("postgresql://u:p@localhost/bot") == "postgresql+psycopg://u:p@localhost/bot"
    assert async_url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"


async def test_a_chat_that_moved_is_remembered_after_a_restart(tmp_path: Path) -> None:
    """A Telegram group that became a supergroup is still reached at its new id after the bot
    restarts, and a later move of the same group replaces the first."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    async with Store(url) as store:
        await store.save_move("telegram", "-4001", "-1004001")
    async with Store(url) as store:
        assert await store.moves("telegram") == {"-4001": "-1004001"}
        assert await store.moves("discord") == {}
        await store.save_move("telegram", "-4001", "-1004002")
        assert await store.moves("telegram") == {"-4001": "-1004002"}


async def test_subscription_and_language_follow_the_chat_that_moved(tmp_path: Path) -> None:
    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        await store.subscribe("telegram", "-4001", "es")
        await store.set_language("telegram", "-4001", "es")
        await store.subscribe("discord", "-4001", "en")  # another platform's chat: untouched
        await store.subscribe("telegram", "-4002", "es")
        await store.subscribe("telegram", "-1004002", "en")  # the new id already has its own
        await store.save_move("telegram", "-4001", "-1004001")
        await store.save_move("telegram", "-4002", "-1004002")
        assert await store.subscribers() == [
            ("discord", "-4001", "en"),
            ("telegram", "-1004001", "es"),
            ("telegram", "-1004002", "en"),
        ]
        assert await store.language("telegram", "-1004001") == "es"
        assert await store.language("telegram", "-4001") is None


async def test_a_database_from_before_chat_moves_is_upgraded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bot updated in place keeps its subscribers, and its groups' moves start being kept."""
    url, db = f"sqlite:///{tmp_path / 'bot.db'}", tmp_path / "bot.db"
    monkeypatch.setattr("bot.database.MIGRATIONS", [m for m in MIGRATIONS if m[0] < 4])
    async with Store(url) as store:  # the bot as released before migration 4
        await store.subscribe("telegram", "-4001", "es")
    tables = {name for (name,) in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert "subscriptions" in tables
    assert "chat_moves" not in tables
    monkeypatch.undo()
    async with Store(url) as store:
        await store.save_move("telegram", "-4001", "-1004001")
        assert await store.moves("telegram") == {"-4001": "-1004001"}
        assert await store.subscribers() == [("telegram", "-1004001", "es")]
    versions = [v for (v,) in sqlite3.connect(db).execute("SELECT version FROM schema_version")]
    assert versions == [v for v, _ in MIGRATIONS], "and every later migration"


async def check_updates_once(store: Store, first_id: int, caplog: pytest.LogCaptureFixture) -> None:
    """Each update handled once across processes: the whole ledger, on any database (the
    PostgreSQL tests run it too). Two `UpdatesOnce` on one store are two processes."""
    clock = FakeClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    one = UpdatesOnce(store, clock, timedelta(seconds=30))
    two = UpdatesOnce(store, clock, timedelta(seconds=30))
    a, b, c, d = range(first_id, first_id + 4)

    assert await one.claim(a) == "new"
    assert await two.claim(a) == "busy", "another process is handling it: Telegram retries"
    await one.finish(a)
    assert await two.claim(a) == "done", "a second delivery is only acknowledged"

    claims = await asyncio.gather(*(x.claim(b) for x in (one, two, one, two)))
    assert sorted(claims) == ["busy", "busy", "busy", "new"], "one winner at once"

    clock.advance(seconds=20)
    await one.renew(b)  # slow, but alive
    clock.advance(seconds=20)
    assert await two.claim(b) == "busy", "renewed 20 s ago: not taken over"
    clock.advance(seconds=31)  # b's process died while working, before any send
    taken = await asyncio.gather(one.claim(b), two.claim(b))
    assert sorted(taken) == ["busy", "new"], "taken over by exactly one"

    assert await one.claim(c) == "new"
    await one.sending(c)  # then it died: its answer may have gone out
    clock.advance(seconds=31)
    caplog.set_level(logging.INFO, logger="bot.updates_once")
    assert await two.claim(c) == "done"
    assert await one.claim(c) == "done"
    lines = [r.getMessage() for r in caplog.records if "may not have reached a chat" in r.message]
    assert len(lines) == 1, "said once"
    assert (await store.update_claim(c) or ("",))[0] is UpdateState.UNCERTAIN
    assert await one.uncertain(clock.now() - timedelta(hours=1)) == 1, "counted for organizers"

    assert await one.claim(d) == "new"
    await one.finish(d)
    await one.sending(d)  # a late send (a task the handling began) does not reopen it
    assert await two.claim(d) == "done"

    clock.advance(days=1, seconds=1)
    await one.purge()
    assert await store.update_claim(a) is None, "a day on, Telegram cannot send it again"


async def test_each_update_is_handled_once_across_processes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        await check_updates_once(store, 1, caplog)


async def test_update_rows_hold_no_message(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with Store(f"sqlite:///{db}") as store:
        await store.claim_update(5, datetime(2026, 12, 6, tzinfo=UTC))
    columns = {r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(telegram_updates)")}
    assert columns == {"update_id", "state", "claimed_at"}, "no text, no user, no chat"


async def test_a_database_from_before_shared_state_is_upgraded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bot updated in place keeps its language choices and starts keeping last answers in
    the database (migration 6), whatever came between."""
    url, db = f"sqlite:///{tmp_path / 'bot.db'}", tmp_path / "bot.db"
    monkeypatch.setattr("bot.database.MIGRATIONS", [m for m in MIGRATIONS if m[0] < 6])
    async with Store(url) as store:  # the bot as released before migration 6
        await store.set_language("telegram", "42", "es")
    tables = {name for (name,) in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert "last_answers" not in tables
    monkeypatch.undo()
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    async with Store(url) as store:
        assert await store.language("telegram", "42") == "es"
        await store.save_last_answer("telegram", "42", "sb54-what-it-is", now)
        assert await store.last_answer("telegram", "42", now - timedelta(days=1)) == (
            "sb54-what-it-is"
        )
    versions = [v for (v,) in sqlite3.connect(db).execute("SELECT version FROM schema_version")]
    assert versions == [v for v, _ in MIGRATIONS]
    columns = {r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(last_answers)")}
    assert columns == {"platform", "chat_id", "entry_id", "updated"}, "an id, never the words"
    columns = {r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(drafting)")}
    assert columns == {"platform", "chat_id", "user_id", "lang", "since"}, "never the draft"


async def test_last_answers_and_suggestions_are_kept_a_day_and_forgotten(tmp_path: Path) -> None:
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    day_ago = now - timedelta(days=1)
    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        await store.save_last_answer("telegram", "42", "old", day_ago - timedelta(minutes=1))
        await store.save_last_answer("telegram", "43", "kept", now)
        await store.save_offer("ab12cd34", "where do i  park", "en", day_ago - timedelta(hours=1))
        await store.save_offer("ef56ab78", "ice at the jail", "en", now)
        assert await store.last_answer("telegram", "42", day_ago) is None  # too old to use
        await store.purge_chat_memory(day_ago)
        assert await store.last_answer("telegram", "42", now - timedelta(days=9)) is None
        assert await store.take_offer("ab12cd34") is None
        assert await store.take_offer("ef56ab78") == ("ice at the jail", "en")
        assert await store.take_offer("ef56ab78") is None, "a second tap counts nothing"
        await store.set_drafting("telegram", "43", "7", "es", now)
        await store.forget("telegram", "43", "7")
        assert await store.last_answer("telegram", "43", day_ago) is None
        assert await store.take_drafting("telegram", "43", "7", day_ago) is None


async def test_sends_take_moments_spaced_per_scope(tmp_path: Path) -> None:
    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        assert [await store.reserve("telegram", 1000, 50) for _ in range(3)] == [1000, 1050, 1100]
        assert await store.reserve("telegram:-100", 1000, 3000) == 1000  # a scope of its own
        assert await store.reserve("telegram", 5000, 50) == 5000, "an idle rate saves nothing up"
        await store.purge_budget(5000)  # idle groups go; the busy scope stays
        assert await store.reserve("telegram:-100", 6000, 3000) == 6000
        assert await store.reserve("telegram", 5000, 50) == 5050
