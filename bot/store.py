"""Every query the bot makes of its database, each a typed method: what the features need.

The tables are in `bot.schema`, the connection and the error contract in `bot.database`: every
method here names what it was doing, and fails only with a StoreError saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, case, delete, func, select
from sqlalchemy.exc import IntegrityError

from bot.database import Database
from bot.schema import (
    DeliveryKey,
    DeliveryStatus,
    UpdateState,
    chat_moves,
    choices,
    deliveries,
    drafting,
    events,
    feedback,
    iso,
    last_answers,
    offers,
    preferences,
    rsvps,
    send_budget,
    subscriptions,
    telegram_updates,
    unanswered,
)

MAX_STORED_QUESTION = 500  # characters kept of an unanswered question


@dataclass(frozen=True, slots=True)
class Counted:
    text: str
    count: int
    lang: str = ""


class Store(Database):
    moved = 0  # chats this process moved to a new id (save_move): cached choices are stale

    async def record_unanswered(self, question: str, lang: str, day: date) -> None:
        text = " ".join(question.split())[:MAX_STORED_QUESTION]
        if text:
            values = {"day": day, "lang": lang, "question": text, "count": 1}
            await self._run(
                "record the question",
                [self._upsert(unanswered, values, ["day", "lang", "question"])],
            )

    async def record_choice(self, question: str, lang: str, entry_id: str, day: date) -> None:
        """A "Did you mean" question and the entry tapped: the words moderators add as aliases."""
        text = " ".join(question.split())[:MAX_STORED_QUESTION]
        if text:
            values = {"day": day, "lang": lang, "question": text, "entry_id": entry_id, "count": 1}
            await self._run(
                "record the choice",
                [self._upsert(choices, values, ["day", "lang", "question", "entry_id"])],
            )

    async def record_feedback(self, entry_id: str, helpful: bool, day: date) -> None:
        values = {"day": day, "entry_id": entry_id, "helpful": helpful, "count": 1}
        await self._run(
            "record feedback", [self._upsert(feedback, values, ["day", "entry_id", "helpful"])]
        )

    async def purge_unanswered(self, before: date) -> None:
        """Question texts are kept for the retention period, then dropped: both tables."""
        await self._run(
            "drop old questions",
            [delete(table).where(table.c.day < before) for table in (unanswered, choices)],
        )

    async def top_unanswered(self, limit: int = 50) -> list[Counted]:
        total = func.sum(unanswered.c.count).label("total")
        query = (
            select(unanswered.c.question, unanswered.c.lang, total)
            .group_by(unanswered.c.question, unanswered.c.lang)
            .order_by(total.desc(), unanswered.c.question)
            .limit(limit)
        )
        rows = await self._read("read the unanswered questions", query)
        return [Counted(r.question, int(r.total), r.lang) for r in rows]

    async def top_choices(self, limit: int = 50) -> list[tuple[Counted, str]]:
        """("Did you mean" question, entry id then tapped), most frequent first."""
        total = func.sum(choices.c.count).label("total")
        query = (
            select(choices.c.question, choices.c.lang, choices.c.entry_id, total)
            .group_by(choices.c.question, choices.c.lang, choices.c.entry_id)
            .order_by(total.desc(), choices.c.question)
            .limit(limit)
        )
        rows = await self._read("read the choices", query)
        return [(Counted(r.question, int(r.total), r.lang), r.entry_id) for r in rows]

    async def most_unhelpful(self, limit: int = 50) -> list[tuple[str, int, int]]:
        """(entry id, "not helpful" votes, "helpful" votes), most "not helpful" first."""
        no = func.sum(func.coalesce(feedback.c.count, 0)).filter(feedback.c.helpful.is_(False))
        yes = func.sum(func.coalesce(feedback.c.count, 0)).filter(feedback.c.helpful.is_(True))
        query = (
            select(feedback.c.entry_id, no.label("no"), yes.label("yes"))
            .group_by(feedback.c.entry_id)
            .order_by(no.label("no").desc().nulls_last(), feedback.c.entry_id)
            .limit(limit)
        )
        rows = await self._read("read the feedback", query)
        return [(r.entry_id, int(r.no or 0), int(r.yes or 0)) for r in rows if r.no]

    async def language(self, platform: str, chat_id: str) -> str | None:
        query = select(preferences.c.lang).where(
            preferences.c.platform == platform, preferences.c.chat_id == chat_id
        )
        with self._failing_as("read the language choice"):
            async with self.engine.connect() as conn:
                return (await conn.execute(query)).scalar_one_or_none()

    async def languages(self, limit: int) -> list[tuple[tuple[str, str], str]]:
        """Every chat's /lang choice, ((platform, chat id), language), at most `limit`."""
        query = select(preferences.c.platform, preferences.c.chat_id, preferences.c.lang)
        rows = await self._read("read the language choices", query.limit(limit))
        return [((r.platform, r.chat_id), r.lang) for r in rows]

    async def set_language(self, platform: str, chat_id: str, lang: str) -> None:
        where = (preferences.c.platform == platform) & (preferences.c.chat_id == chat_id)
        await self._run(
            "save the language choice",
            [
                delete(preferences).where(where),
                preferences.insert().values(platform=platform, chat_id=chat_id, lang=lang),
            ],
        )

    async def forget(self, platform: str, chat_id: str, user_id: str) -> None:
        """Everything tied to one chat or person: language, subscription, RSVPs."""
        await self._run(
            "forget this chat",
            [
                delete(preferences).where(
                    (preferences.c.platform == platform) & (preferences.c.chat_id == chat_id)
                ),
                delete(subscriptions).where(
                    (subscriptions.c.platform == platform) & (subscriptions.c.chat_id == chat_id)
                ),
                delete(rsvps).where((rsvps.c.platform == platform) & (rsvps.c.user_id == user_id)),
                delete(last_answers).where(
                    (last_answers.c.platform == platform) & (last_answers.c.chat_id == chat_id)
                ),
                delete(drafting).where(
                    (drafting.c.platform == platform)
                    & (drafting.c.chat_id == chat_id)
                    & (drafting.c.user_id == user_id)
                ),
            ],
        )

    async def save_move(self, platform: str, old: str, new: str) -> None:
        """A chat now reached at another id (a Telegram group that became a supergroup): kept
        across restarts, and the chat's subscription and language go with it. Where the new
        id has its own already, that one stays and the old chat's is dropped."""
        if old == new:
            return  # no move; going on would drop the chat's own rows
        row = {"platform": platform, "old_chat_id": old, "new_chat_id": new}
        keys = ["platform", "old_chat_id"]
        await self._run(
            "save the chat's move",
            [
                self._upsert(chat_moves, row, keys, update={"new_chat_id": new}),
                *_move_rows(subscriptions, platform, old, new),
                *_move_rows(preferences, platform, old, new),
            ],
        )
        self.moved += 1

    async def moves(self, platform: str) -> dict[str, str]:
        """Old chat id → the id it moved to: where to send what is still addressed to the old."""
        query = select(chat_moves.c.old_chat_id, chat_moves.c.new_chat_id).where(
            chat_moves.c.platform == platform
        )
        rows = await self._read("read the chats' moves", query)
        return {r.old_chat_id: r.new_chat_id for r in rows}

    # Shared by several processes (database.shared) --------------------------------------

    async def save_last_answer(
        self, platform: str, chat_id: str, entry_id: str, now: datetime
    ) -> None:
        """The entry this chat was just answered with: /sources on any process finds it."""
        row = {"platform": platform, "chat_id": chat_id, "entry_id": entry_id, "updated": iso(now)}
        update = {"entry_id": entry_id, "updated": iso(now)}
        await self._run(
            "remember the last answer",
            [self._upsert(last_answers, row, ["platform", "chat_id"], update=update)],
        )

    async def last_answer(self, platform: str, chat_id: str, since: datetime) -> str | None:
        query = select(last_answers.c.entry_id).where(
            last_answers.c.platform == platform,
            last_answers.c.chat_id == chat_id,
            last_answers.c.updated >= iso(since),
        )
        rows = await self._read("read the last answer", query)
        return str(rows[0].entry_id) if rows else None

    async def save_offer(self, token: str, question: str, lang: str, now: datetime) -> None:
        text = " ".join(question.split())[:MAX_STORED_QUESTION]
        values = {"token": token, "question": text, "lang": lang, "created": iso(now)}
        await self._run("keep the suggestions", [offers.insert().values(**values)])

    async def take_offer(self, token: str) -> tuple[str, str] | None:
        """(question, language) of a "Did you mean", once: a second tap, here or on another
        process, finds nothing, so a choice is counted once."""
        statement = (
            delete(offers)
            .where(offers.c.token == token)
            .returning(offers.c.question, offers.c.lang)
        )
        with self._failing_as("read the suggestions"):
            async with self.writer.begin() as conn:
                row = (await conn.execute(statement)).first()
        return (str(row.question), str(row.lang)) if row else None

    async def purge_chat_memory(self, before: datetime) -> None:
        """Last answers and untapped suggestions older than `before` go."""
        await self._run(
            "drop old last answers",
            [
                delete(last_answers).where(last_answers.c.updated < iso(before)),
                delete(offers).where(offers.c.created < iso(before)),
                delete(drafting).where(drafting.c.since < iso(before)),
            ],
        )

    async def set_drafting(
        self, platform: str, chat_id: str, user_id: str, lang: str, now: datetime
    ) -> None:
        """This person's next plain message in this chat is a /comment draft, whichever
        process it reaches."""
        row = {"platform": platform, "chat_id": chat_id, "user_id": user_id}
        update = {"lang": lang, "since": iso(now)}
        await self._run(
            "note the draft awaited",
            [self._upsert(drafting, {**row, **update}, list(row), update=update)],
        )

    async def take_drafting(
        self, platform: str, chat_id: str, user_id: str, since: datetime
    ) -> str | None:
        """The language of a draft awaited from this person here since `since`, once: the
        process that takes it is the one the draft reached. A read first: most messages are
        no draft, and a read costs no write lock."""
        where = (
            (drafting.c.platform == platform)
            & (drafting.c.chat_id == chat_id)
            & (drafting.c.user_id == user_id)
        )
        if not await self._read("read the draft awaited", select(drafting.c.lang).where(where)):
            return None
        statement = delete(drafting).where(where).returning(drafting.c.lang, drafting.c.since)
        with self._failing_as("read the draft awaited"):
            async with self.writer.begin() as conn:
                row = (await conn.execute(statement)).first()
        return str(row.lang) if row and row.since >= iso(since) else None

    async def reserve(self, scope: str, now_ms: int, interval_ms: int) -> int:
        """The moment (ms since the epoch) one send in `scope` may go: the scope's next free
        moment, never before `now_ms`, which then moves `interval_ms` on. One statement, so
        processes racing for a moment never both get it (SQLite ≥ 3.35 and PostgreSQL both
        return the updated row)."""
        free = send_budget.c.next_ms
        later = case((free > now_ms, free), else_=now_ms) + interval_ms
        values = {"scope": scope, "next_ms": now_ms + interval_ms}
        statement = self._upsert(send_budget, values, ["scope"], update={"next_ms": later})
        with self._failing_as("reserve a send"):
            async with self.writer.begin() as conn:
                taken = (await conn.execute(statement.returning(free))).scalar_one()
        return int(taken) - interval_ms

    async def hold(self, scope: str, until_ms: int) -> None:
        """No send in `scope` before `until_ms` (Telegram said "retry after"), whichever
        process asks next."""
        free = send_budget.c.next_ms
        later = case((free > until_ms, free), else_=until_ms)
        values = {"scope": scope, "next_ms": until_ms}
        await self._run(
            "hold the sends",
            [self._upsert(send_budget, values, ["scope"], update={"next_ms": later})],
        )

    async def purge_budget(self, before_ms: int) -> None:
        """Scopes idle since `before_ms` (a group chat no one wrote to) go."""
        await self._run(
            "drop idle send rates", [delete(send_budget).where(send_budget.c.next_ms < before_ms)]
        )

    # Reminders ---------------------------------------------------------------------------

    async def claim(
        self, key: DeliveryKey, now: datetime, status: DeliveryStatus = DeliveryStatus.CLAIMED
    ) -> bool:
        """Insert the ledger row; False when any instance, at any time, already did."""
        row = {**key.columns(), "status": status, "attempts": 0, "updated": iso(now)}
        return await self._insert_once("claim a delivery", deliveries, row)

    async def mark(
        self,
        key: DeliveryKey,
        status: DeliveryStatus,
        now: datetime,
        *,
        attempts: int = 1,
        detail: str = "",
    ) -> None:
        where = [getattr(deliveries.c, k) == v for k, v in key.columns().items()]
        statement = (
            deliveries.update()
            .where(*where)
            .values(status=status, updated=iso(now), attempts=attempts, detail=detail[:300] or None)
        )
        await self._run("mark a delivery", [statement])

    async def release(self, key: DeliveryKey) -> None:
        """Undo a claim whose send never began (shutdown), so the next start may send it.

        Only a row still `claimed` goes: a row another step already marked stays as it is.
        """
        where = [getattr(deliveries.c, k) == v for k, v in key.columns().items()]
        statement = delete(deliveries).where(*where, deliveries.c.status == DeliveryStatus.CLAIMED)
        await self._run("release a delivery", [statement])

    async def deliveries_by_status(self, *statuses: str, limit: int = 100) -> list[dict[str, Any]]:
        query = (
            select(deliveries)
            .where(deliveries.c.status.in_(statuses))
            .order_by(deliveries.c.occurrence.desc(), deliveries.c.id)
            .limit(limit)
        )
        return [dict(r._mapping) for r in await self._read("read the deliveries", query)]

    async def sent_count(self, event_id: str | None = None) -> int:
        query = (
            select(func.count())
            .select_from(deliveries)
            .where(deliveries.c.status == DeliveryStatus.SENT)
        )
        if event_id:
            query = query.where(deliveries.c.event_id == event_id)
        return int((await self._read("count the deliveries", query))[0][0])

    async def subscribe(self, platform: str, chat_id: str, lang: str) -> bool:
        """True when this chat was not subscribed before."""
        where = (subscriptions.c.platform == platform) & (subscriptions.c.chat_id == chat_id)
        existed = await self._read(
            "read the subscription", select(subscriptions.c.lang).where(where)
        )
        await self._run(
            "subscribe",
            [
                delete(subscriptions).where(where),
                subscriptions.insert().values(platform=platform, chat_id=chat_id, lang=lang),
            ],
        )
        return not existed

    async def unsubscribe(self, platform: str, chat_id: str) -> None:
        where = (subscriptions.c.platform == platform) & (subscriptions.c.chat_id == chat_id)
        await self._run("unsubscribe", [delete(subscriptions).where(where)])

    async def subscribers(self) -> list[tuple[str, str, str]]:
        """(platform, chat id, language) of every subscribed direct chat."""
        query = select(subscriptions).order_by(subscriptions.c.platform, subscriptions.c.chat_id)
        rows = await self._read("read the subscriptions", query)
        return [(r.platform, r.chat_id, r.lang) for r in rows]

    async def save_event(self, values: dict[str, Any]) -> None:
        await self._run(
            "save the event",
            [delete(events).where(events.c.id == values["id"]), events.insert().values(**values)],
        )

    async def load_events(self) -> list[dict[str, Any]]:
        query = select(events).where(events.c.cancelled.is_(False)).order_by(events.c.starts)
        return [dict(r._mapping) for r in await self._read("read the events", query)]

    async def cancel_event(self, event_id: str) -> bool:
        statement = events.update().where(events.c.id == event_id).values(cancelled=True)
        with self._failing_as("cancel the event"):
            async with self.writer.begin() as conn:
                return (await conn.execute(statement)).rowcount > 0

    async def set_going(self, event_id: str, platform: str, user_id: str, going: bool) -> None:
        where = (
            (rsvps.c.event_id == event_id)
            & (rsvps.c.platform == platform)
            & (rsvps.c.user_id == user_id)
        )
        statements: list[Any] = [delete(rsvps).where(where)]
        if going:
            statements.append(
                rsvps.insert().values(event_id=event_id, platform=platform, user_id=user_id)
            )
        await self._run("save the RSVP", statements)

    async def going_counts(self) -> dict[str, int]:
        query = select(rsvps.c.event_id, func.count()).group_by(rsvps.c.event_id)
        return {r[0]: int(r[1]) for r in await self._read("count the RSVPs", query)}

    # Telegram updates (webhook mode) ------------------------------------------------------

    async def claim_update(self, update_id: int, now: datetime) -> bool:
        """Insert the update's row; False when some process, at some time, already did."""
        row = {"update_id": update_id, "state": UpdateState.WORKING, "claimed_at": iso(now)}
        return await self._insert_once("claim a telegram update", telegram_updates, row)

    async def update_claim(self, update_id: int) -> tuple[UpdateState, str] | None:
        """(state, claimed_at as stored) of an update's row; None when there is none."""
        query = select(telegram_updates.c.state, telegram_updates.c.claimed_at).where(
            telegram_updates.c.update_id == update_id
        )
        rows = await self._read("read a telegram update's claim", query)
        return (UpdateState(rows[0].state), rows[0].claimed_at) if rows else None

    async def take_over_update(
        self,
        update_id: int,
        seen: tuple[UpdateState, str],
        now: datetime,
        state: UpdateState,
    ) -> bool:
        """Move a row from the (state, claimed_at) read before to `state`, claimed now. True for
        the one process whose update found the row unchanged: two never both take it over."""
        old_state, claimed_at = seen
        statement = (
            telegram_updates.update()
            .where(
                telegram_updates.c.update_id == update_id,
                telegram_updates.c.state == old_state,
                telegram_updates.c.claimed_at == claimed_at,
            )
            .values(state=state, claimed_at=iso(now))
        )
        with self._failing_as("take over a telegram update"):
            async with self.writer.begin() as conn:
                return (await conn.execute(statement)).rowcount == 1

    async def mark_update(
        self, update_id: int, state: UpdateState, now: datetime, *, was: UpdateState | None = None
    ) -> None:
        """Set the row's state (only if it is still `was`, when given); `now` renews the claim."""
        where = [telegram_updates.c.update_id == update_id]
        if was is not None:
            where.append(telegram_updates.c.state == was)
        statement = telegram_updates.update().where(*where).values(state=state, claimed_at=iso(now))
        await self._run("mark a telegram update", [statement])

    async def renew_update(self, update_id: int, now: datetime) -> None:
        """Claimed again now, in the state it is in, while it is being handled."""
        statement = (
            telegram_updates.update()
            .where(
                telegram_updates.c.update_id == update_id,
                telegram_updates.c.state.in_([UpdateState.WORKING, UpdateState.SENDING]),
            )
            .values(claimed_at=iso(now))
        )
        await self._run("renew a telegram update's claim", [statement])

    async def count_updates(self, state: UpdateState, since: datetime) -> int:
        query = select(func.count()).where(
            telegram_updates.c.state == state, telegram_updates.c.claimed_at >= iso(since)
        )
        rows = await self._read("count telegram updates", query)
        return int(rows[0][0]) if rows else 0

    async def purge_updates(self, before: datetime) -> None:
        """Telegram keeps an update at most a day: older rows can never be asked for again."""
        statement = delete(telegram_updates).where(telegram_updates.c.claimed_at < iso(before))
        await self._run("drop old telegram updates", [statement])

    async def _insert_once(self, what: str, table: Table, row: dict[str, Any]) -> bool:
        """A claim: insert the row, or False when its unique key is taken (by any process)."""
        with self._failing_as(what):
            try:
                async with self.writer.begin() as conn:
                    await conn.execute(table.insert().values(**row))
            except IntegrityError:
                return False
        return True


def _move_rows(table: Table, platform: str, old: str, new: str) -> list[Any]:
    """The statements that give the old chat's row in `table` to the new chat, unless the new
    chat has a row of its own (then that one wins and the old one goes)."""
    of_old = (table.c.platform == platform) & (table.c.chat_id == old)
    other = table.alias("other")  # not correlated with the row being updated
    new_has_one = (
        select(other.c.chat_id).where(other.c.platform == platform, other.c.chat_id == new).exists()
    )
    return [
        table.update().where(of_old, ~new_has_one).values(chat_id=new),
        delete(table).where(of_old),
    ]
