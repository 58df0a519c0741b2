"""The database's shape: its tables, the numbered migrations that build them, and the delivery
ledger's vocabulary (DeliveryStatus, DeliveryKey) that both the store and the outbox speak.

Privacy is part of the schema: no table holds message text together with who sent it or where.
Unanswered questions and "not helpful" votes are counted per day, never per person.
Migrations are numbered functions run at start; each applied one is a row in `schema_version`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_on", Date, nullable=False),
)
unanswered = Table(
    "unanswered",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("question", Text, nullable=False),
    Column("count", Integer, nullable=False, default=1),
    UniqueConstraint("day", "lang", "question"),
)
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("entry_id", String(100), nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("count", Integer, nullable=False, default=1),
    UniqueConstraint("day", "entry_id", "helpful"),
)
preferences = Table(
    "preferences",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("lang", String(8), nullable=False),
)
# Reminders (migration 2). Times are ISO-8601 UTC strings ("2026-12-08T17:30:00Z"): exact
# equality in the ledger's unique key on SQLite and PostgreSQL alike.
events = Table(
    "events",  # made by organizers in chat; file events live in schedules/
    metadata,
    Column("id", String(100), primary_key=True),
    Column("title", String(300), nullable=False),
    Column("starts", String(25), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("location", String(300)),
    Column("url", String(500)),
    Column("recurrence", String(300)),
    Column("remind", String(200), nullable=False),  # "7d,1d,2h"
    Column("targets", String(500), nullable=False),  # "sac-general,console"
    Column("cancelled", Boolean, nullable=False, default=False),
)
subscriptions = Table(
    "subscriptions",  # direct chats that asked for reminders
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("lang", String(8), nullable=False),
)
deliveries = Table(
    "deliveries",  # the ledger: claim → send → mark; the unique key makes a second send impossible
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(100), nullable=False),
    Column("occurrence", String(25), nullable=False),
    Column("offset_s", Integer, nullable=False),
    Column("destination", String(200), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("updated", String(25), nullable=False),
    Column("detail", String(300)),
    UniqueConstraint("event_id", "occurrence", "offset_s", "destination"),
)
choices = Table(
    "choices",  # migration 3: a "Did you mean" question and the entry then tapped, per day
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("question", Text, nullable=False),
    Column("entry_id", String(100), nullable=False),
    Column("count", Integer, nullable=False, default=1),
    UniqueConstraint("day", "lang", "question", "entry_id"),
)
rsvps = Table(
    "rsvps",  # one row per person per event, removed by /forget
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("platform", String(20), primary_key=True),
    Column("user_id", String(64), primary_key=True),
)
chat_moves = Table(
    "chat_moves",  # migration 4: a chat now reached at another id (Telegram group → supergroup)
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("old_chat_id", String(64), primary_key=True),
    Column("new_chat_id", String(64), nullable=False),
)

telegram_updates = Table(
    "telegram_updates",  # migration 5: each webhook update handled once across processes
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("state", String(10), nullable=False),  # UpdateState
    Column("claimed_at", String(25), nullable=False),  # iso(); a takeover compares it exactly
)


class UpdateState(StrEnum):
    """Where a claimed platform update is: a row never holds the update's content."""

    WORKING = "working"  # claimed; nothing sent yet, so a takeover may handle it again
    SENDING = "sending"  # an answer began going out: a takeover never sends it again
    DONE = "done"
    # taken over from a process that died while sending: the answer may or may not have gone
    # out, and is not sent again; kept apart from DONE so that these can be counted
    UNCERTAIN = "uncertain"


# Migration 6: what several processes on one database share (`database.shared`). Each row is
# small, holds no message text with who sent it, and is purged after a day or sooner.
last_answers = Table(
    "last_answers",  # the entry a chat was last answered with, for /sources and /wrong
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("entry_id", String(100), nullable=False),  # an id, never the question
    Column("updated", String(25), nullable=False),  # iso(); purged a day later
)
offers = Table(
    "offers",  # a "Did you mean" waiting for its tap: no chat, no person, as the report keeps it
    metadata,
    Column("token", String(16), primary_key=True),
    Column("lang", String(8), nullable=False),
    Column("question", Text, nullable=False),
    Column("created", String(25), nullable=False),
)
drafting = Table(
    "drafting",  # /comment waits for this person's draft here: any process takes it as one
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("lang", String(8), nullable=False),
    Column("since", String(25), nullable=False),  # iso(); never the draft itself
)
send_budget = Table(
    "send_budget",  # one send rate for all processes: each send takes the next free moment
    metadata,
    Column("scope", String(80), primary_key=True),  # "telegram", or "telegram:<group chat id>"
    Column("next_ms", BigInteger, nullable=False),  # the next free moment, ms since the epoch
)


class DeliveryStatus(StrEnum):
    """One vocabulary for the delivery ledger's rows and for what `Outbox.deliver` returns."""

    CLAIMED = "claimed"  # a send began; a process that died before marking it leaves this
    SENT = "sent"
    UNCERTAIN = "uncertain"  # it may or may not have arrived: never sent again, listed instead
    FAILED = "failed"
    SKIPPED = "skipped"  # past the grace, never sent
    DUPLICATE = "duplicate"  # returned only: another claim had it already
    RELEASED = "released"  # returned only: shutting down before the send began; no row

    @property
    def shown(self) -> DeliveryStatus:
        """What people are told: a claim never marked is, to them, uncertain."""
        return DeliveryStatus.UNCERTAIN if self is DeliveryStatus.CLAIMED else self


TO_CHECK = (
    DeliveryStatus.UNCERTAIN,
    DeliveryStatus.FAILED,
    DeliveryStatus.SKIPPED,
    DeliveryStatus.CLAIMED,
)  # not known to be delivered: what `report` and `/event status` list


@dataclass(frozen=True, slots=True)
class DeliveryKey:
    """One reminder to one chat: the ledger's unique key."""

    event_id: str
    occurrence: datetime  # the occurrence's start, aware
    offset: timedelta
    destination: str  # "platform:chat_id[:thread_id]"

    def columns(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "occurrence": iso(self.occurrence),
            "offset_s": int(self.offset.total_seconds()),
            "destination": self.destination,
        }


def iso(moment: datetime) -> str:
    """The one way a moment is written to the database, so the ledger's key compares exactly."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(stored: str) -> datetime:
    """A moment as the database holds it (`iso`'s text, or an older row's) back to a datetime:
    aware when the text says its offset ("Z" included)."""
    return datetime.fromisoformat(stored)


Migration = Callable[[AsyncConnection], Awaitable[None]]


async def _v1_core_tables(conn: AsyncConnection) -> None:
    await conn.run_sync(metadata.create_all, tables=[unanswered, feedback, preferences])


async def _v2_reminder_tables(conn: AsyncConnection) -> None:
    await conn.run_sync(metadata.create_all, tables=[events, subscriptions, deliveries, rsvps])


async def _v3_choices(conn: AsyncConnection) -> None:
    await conn.run_sync(metadata.create_all, tables=[choices])


async def _v4_chat_moves(conn: AsyncConnection) -> None:
    await conn.run_sync(metadata.create_all, tables=[chat_moves])


async def _v5_telegram_updates(conn: AsyncConnection) -> None:
    await conn.run_sync(metadata.create_all, tables=[telegram_updates])


async def _v6_shared_state(conn: AsyncConnection) -> None:
    await conn.run_sync(metadata.create_all, tables=[last_answers, offers, drafting, send_budget])


# Append only: a migration, once released, never changes. Later features add theirs here.
MIGRATIONS: list[tuple[int, Migration]] = [
    (1, _v1_core_tables),
    (2, _v2_reminder_tables),
    (3, _v3_choices),
    (4, _v4_chat_moves),
    (5, _v5_telegram_updates),
    (6, _v6_shared_state),
]
