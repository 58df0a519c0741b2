"""How the bot reaches its database, and the one error contract every query keeps.

SQLite by default, PostgreSQL too, through SQLAlchemy's async engine. `Database` opens it, runs
the numbered migrations of `bot.schema`, and turns every driver error into a StoreError; the
queries themselves are `bot.store.Store`'s.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiosqlite
from sqlalchemy import Table, event, make_url, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.schema import MIGRATIONS, metadata, schema_version

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The database could not be used (locked, full, unreachable); the message says which."""


def async_url(url: str) -> str:
    """Plain `sqlite:///…` and `postgresql://…` as written; the bot picks the async driver."""
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


MIGRATION_LOCK = 0x666F72756D  # "forum": PostgreSQL's advisory lock id for migrations
WAL_RETRY_SECONDS = 0.05
BUSY_TIMEOUT_MS = 30_000  # a writer waits its turn this long; a busy event loop holds locks longer


class Database:
    """An open connection pool, migrated to the latest schema; `async with` closes it."""

    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        self._engine: AsyncEngine | None = None
        self._writer: AsyncEngine | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise StoreError("the store is not open; use `async with store:`")
        return self._engine

    async def open(self) -> None:
        url = make_url(self.url)
        on_disk = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        file = url.database if on_disk else None
        if file:
            Path(file).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
        self._engine = engine
        self._writer = engine.execution_options(write=True)
        try:
            if file:
                await _turn_to_wal(file)
            await self.migrate()
        except (SQLAlchemyError, sqlite3.Error) as exc:
            await self.close()
            raise StoreError(f"cannot open the database {self.describe()}: {_reason(exc)}") from exc

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = self._writer = None

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def writer(self) -> AsyncEngine:
        """The engine for transactions that write: on SQLite they take the write lock when they
        begin, so under load they wait their turn (busy_timeout) instead of failing at once with
        "database is locked" when another writer commits between their read and their write."""
        return self._writer or self.engine  # not open: `engine` says so

    def describe(self) -> str:
        """The URL without a password, safe for logs."""
        return self.engine.url.render_as_string(hide_password=True) if self._engine else self.url

    async def migrate(self) -> int:
        async with self._migrating():
            return await self._migrate()

    @asynccontextmanager
    async def _migrating(self) -> AsyncIterator[None]:
        """Processes starting together take turns. On PostgreSQL a table's "create if missing"
        is not atomic, so two processes on a new database clash ("already exists"); a session
        advisory lock serialises them, and ends with the connection if a process dies. SQLite's
        BEGIN IMMEDIATE already does."""
        if self.engine.dialect.name != "postgresql":
            yield
            return
        async with self.engine.connect() as conn:
            locking = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await locking.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                yield
            finally:
                await locking.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK}
                )

    async def _migrate(self) -> int:
        async with self.writer.begin() as conn:
            await conn.run_sync(metadata.create_all, tables=[schema_version])
        async with self.engine.connect() as conn:
            done = set((await conn.execute(select(schema_version.c.version))).scalars())
        for version, migration in MIGRATIONS:
            if version in done:
                continue
            try:
                async with self.writer.begin() as conn:
                    await migration(conn)
                    await conn.execute(
                        schema_version.insert().values(version=version, applied_on=_today())
                    )
                log.info("database migrated to version %d", version)
            except IntegrityError:
                log.info("migration %d applied by another instance", version)
        return max(v for v, _ in MIGRATIONS)

    @contextmanager
    def _failing_as(self, what: str) -> Iterator[None]:
        """The error contract: a database out of reach is a StoreError saying what the bot was
        doing, never a raw driver error."""
        try:
            yield
        except SQLAlchemyError as exc:
            raise StoreError(f"could not {what}: {_reason(exc)}") from exc

    async def _run(self, what: str, statements: Sequence[Any]) -> None:
        """Every write: all the statements in one transaction, or none of them."""
        with self._failing_as(what):
            async with self.writer.begin() as conn:
                for statement in statements:
                    await conn.execute(statement)

    async def _read(self, what: str, query: Any) -> Sequence[Any]:
        with self._failing_as(what):
            async with self.engine.connect() as conn:
                return (await conn.execute(query)).all()

    def _upsert(
        self,
        table: Table,
        values: dict[str, Any],
        keys: list[str],
        update: dict[str, Any] | None = None,
    ) -> Any:
        """Insert, or on a clash of `keys` apply `update` (by default, count one more)."""
        insert = (postgresql if self.engine.dialect.name == "postgresql" else sqlite).insert
        statement = insert(table).values(**values)
        return statement.on_conflict_do_update(
            index_elements=keys, set_=update or {"count": table.c.count + 1}
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """busy_timeout waits out a short lock. The driver's own implicit BEGIN is turned off so
    that _sqlite_begin chooses the kind."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


async def _turn_to_wal(file: str) -> None:
    """WAL lets readers and the writer work at once, and the file keeps it. The switch does not
    wait for busy_timeout: a process that finds another one writing the new file (two processes
    starting together) is refused at once with "database is locked", so it tries again."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    async with aiosqlite.connect(file) as db:
        while True:
            try:
                await db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(WAL_RETRY_SECONDS)


def _sqlite_begin(conn: Any) -> None:
    """SQLAlchemy's documented recipe for aiosqlite transactions, with BEGIN IMMEDIATE for
    writers (Database.writer) and a plain deferred BEGIN for readers."""
    write = conn.get_execution_options().get("write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _today() -> date:
    return date.today()  # noqa: DTZ011 - the day a migration ran, for people reading the table


def _reason(exc: SQLAlchemyError | sqlite3.Error) -> object:
    """The driver's own words ("database is locked", "disk is full") when there are some."""
    return getattr(exc, "orig", None) or exc
