"""A full disk: the bot keeps answering, says plainly what it could not save, loses nothing it
already stored, and recovers by itself once there is space again."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.database import StoreError
from bot.messages import ChannelRef, Incoming
from bot.store import Store
from tests.conftest import FakeClock, TestBot

DISK_FULL = "database or disk is full"  # SQLite's own words for SQLITE_FULL


@contextmanager
def full_disk(store: Store) -> Iterator[None]:
    """Every write fails as SQLite fails it when the disk is full (reads still work): a write
    to a full disk fails even where a page has room, as the WAL file cannot grow."""

    def refuse_writes(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            raise sqlite3.OperationalError(DISK_FULL)

    engine = store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", refuse_writes)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse_writes)


def private(chat: str, text: str) -> Incoming:
    return Incoming(ChannelRef("telegram", chat, private=True), chat, text)


async def test_a_full_disk_costs_records_not_answers_and_recovers(
    testbot: TestBot, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    app = testbot.app
    core, store = app.core, app.store
    (before,) = await core.handle(private("31000", "/subscribe"))
    assert "you'll get event reminders" in before.text.lower()
    await testbot.ask('/event add "Disk rally" 2026-11-25 11:00 remind 1h to console')
    assert "Disk rally" in [e.title for e in app.reminders.events.values()]

    with full_disk(store), caplog.at_level(logging.WARNING):
        # questions are still answered; what could not be recorded is said in the log
        assert (await testbot.ask("what does SB 54 prohibit")).strip()
        assert (await testbot.ask("how do I renew a fishing licence")).startswith(
            "I don't know that one yet"
        )
        await core.settle()
        assert f"unanswered question not recorded: could not record the question: {DISK_FULL}" in (
            caplog.text
        )
        # a person subscribing or an organizer adding an event hears it, in words
        (reply,) = await core.handle(private("31001", "/subscribe"))
        assert "couldn't save that just now" in reply.text
        assert "Nothing you saved before is lost" in reply.text
        assert "Traceback" not in reply.text
        assert "sqlite" not in reply.text.lower()
        spanish = replace(private("31002", "/subscribe"), language="es-MX")
        assert "No se perdió nada" in (await core.handle(spanish))[0].text
        reply_text = await testbot.ask('/event add "Full rally" 2026-12-08 10:00 to console')
        assert reply_text == (
            "The database is not available right now; nothing was changed. Try again soon."
        )
        # a reminder that falls due is not sent without its ledger row, and nothing crashes
        clock.advance(hours=1)
        caplog.clear()
        await app.scheduler.tick()
        assert testbot.empty(), "no reminder goes out unclaimed"
        assert f"could not claim a delivery: {DISK_FULL}" in caplog.text
    # nothing stored before was lost
    assert await store.subscribers() == [("telegram", "31000", "en")]
    assert "Disk rally" in [e["title"] for e in await store.load_events()]

    # space again: the same running bot writes, and the reminder goes out once
    await app.scheduler.tick()
    reminder = await testbot.pop()
    assert "Disk rally" in reminder
    await app.scheduler.tick()
    (reply,) = await core.handle(private("31001", "/subscribe"))
    assert "you'll get event reminders" in reply.text.lower()
    assert len(await store.subscribers()) == 2
    await testbot.ask("where do I park my boat")
    await core.settle()
    assert "where do I park my boat" in [c.text for c in await store.top_unanswered()]


async def test_sqlite_itself_full_is_a_clear_store_error_and_clears(tmp_path: Path) -> None:
    """SQLite's own limit (max_page_count, set on every connection the pool hands out)
    stands in for the disk: its error reaches the caller as a StoreError naming it."""
    limit: dict[str, int | None] = {"pages": None}

    def cap(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count={limit['pages'] or 1_073_741_823}")
        cursor.close()

    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        event.listen(store.engine.sync_engine, "checkout", cap)
        async with store.engine.connect() as conn:
            limit["pages"] = int((await conn.exec_driver_sql("PRAGMA page_count")).scalar_one())
        subscribed, error = 0, None
        while error is None and subscribed < 100_000:  # until the "disk" fills up
            try:
                await store.subscribe("telegram", f"{40_000_000 + subscribed}", "en")
                subscribed += 1
            except StoreError as exc:
                error = exc
        assert DISK_FULL in str(error)
        assert subscribed > 0, "the file had some room left first"
        with pytest.raises(StoreError, match=f"could not subscribe: {DISK_FULL}"):
            await store.subscribe("telegram", "49999999", "en")
        assert len(await store.subscribers()) == subscribed, "what was stored is all there"

        limit["pages"] = None  # space again
        assert await store.subscribe("telegram", "49999999", "en")
        assert len(await store.subscribers()) == subscribed + 1


async def test_every_read_of_an_unreadable_database_is_a_store_error(tmp_path: Path) -> None:
    """A database that cannot be read (corrupt, locked, gone) reaches callers as StoreError, so
    a person gets the storage-unavailable reply instead of "something went wrong"."""
    unreadable = "database disk image is malformed"

    def refuse_reads(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            raise sqlite3.DatabaseError(unreadable)

    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        event.listen(store.engine.sync_engine, "before_cursor_execute", refuse_reads)
        reads = (
            store.top_unanswered(),
            store.top_choices(),
            store.most_unhelpful(),
            store.subscribers(),
            store.load_events(),
            store.going_counts(),
            store.deliveries_by_status("sent"),
            store.sent_count(),
            store.subscribe("telegram", "42", "en"),
            store.moves("telegram"),
        )
        for read in reads:
            with pytest.raises(StoreError, match=unreadable):
                await read


async def test_a_move_that_cannot_be_saved_is_a_store_error_and_changes_nothing(
    tmp_path: Path,
) -> None:
    """The move and the subscription that follows it are one write: a full disk keeps both
    where they were, and the caller hears why."""
    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        await store.subscribe("telegram", "-4001", "en")
        with (
            full_disk(store),
            pytest.raises(StoreError, match=f"could not save the chat's move: {DISK_FULL}"),
        ):
            await store.save_move("telegram", "-4001", "-1004001")
        assert await store.moves("telegram") == {}
        assert await store.subscribers() == [("telegram", "-4001", "en")]
