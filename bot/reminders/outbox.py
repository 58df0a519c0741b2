"""Claim → send → mark: the delivery policy in DESIGN.md, in one place.

Every send is first claimed in the ledger under a unique key, so a restart, a second instance
or a retry can never send a claimed row twice. A send the platform clearly refused is retried
with backoff until the reminder would be too late; a send whose outcome is unknown is never
re-sent: it stays "uncertain" and is listed for organizers. Doubles are worse than a rare loss.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from bot.adapters.base import Adapter, DeliveryError
from bot.clock import Clock
from bot.database import StoreError
from bot.messages import ChannelRef, Reply
from bot.schema import DeliveryKey, DeliveryStatus
from bot.store import Store

log = logging.getLogger(__name__)

FIRST_BACKOFF = 1.0
MAX_BACKOFF = 60.0
SETTLE_SECONDS = 2.0  # after cancelling, how long deliveries get to write their ledger rows


def destination(channel: ChannelRef) -> str:
    parts = [channel.platform, channel.chat_id]
    if channel.thread_id:
        parts.append(channel.thread_id)
    return ":".join(parts)


class Outbox:
    def __init__(
        self,
        store: Store,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.adapters = adapters
        self.clock = clock
        self._sleep = sleep
        self._closing = asyncio.Event()
        self._sending: set[asyncio.Task[None]] = set()
        self._active: set[asyncio.Future[None]] = set()
        # (platform, chat id) → the id it moved to (a Telegram group that became a supergroup),
        # saved in the store and read back at start, so reminders follow it after a restart
        self.moved: dict[tuple[str, str], str] = {}

    async def load_moves(self) -> None:
        for platform in self.adapters:
            for old, new in (await self.store.moves(platform)).items():
                self.moved[(platform, old)] = new

    async def chat_moved(self, platform: str, old: str, new: str) -> None:
        """A platform says a chat has a new id: sends follow it now, and (saved) after a
        restart; its subscription moves with it."""
        self.moved[(platform, old)] = new
        try:
            await self.store.save_move(platform, old, new)
        except StoreError as exc:
            log.warning(
                "a chat's new id was not saved (reminders follow it until a restart): %s", exc
            )

    def _current(self, channel: ChannelRef) -> ChannelRef:
        new = self.moved.get((channel.platform, channel.chat_id))
        return replace(channel, chat_id=new) if new else channel

    @property
    def closing(self) -> bool:
        return self._closing.is_set()

    async def close(self, grace: float) -> None:
        """Shutdown: claim nothing more; sends in flight get `grace` seconds to finish.

        A send still running after that is cancelled and marked uncertain (it may have reached
        the chat, so it is never re-sent). A claim whose send had not begun (it was waiting to
        retry) is released: its row is deleted, and the next start sends it within the grace.
        Safe to call again; returns once every delivery has written its ledger row (bounded).
        """
        self._closing.set()
        if self._sending and grace > 0:
            await asyncio.wait(set(self._sending), timeout=grace)
        for task in self._sending:
            task.cancel()
        if self._active:
            await asyncio.wait(set(self._active), timeout=SETTLE_SECONDS)

    async def deliver(
        self, key: DeliveryKey, channel: ChannelRef, reply: Reply, deadline: datetime
    ) -> DeliveryStatus:
        """Send at most once; returns what happened (sent, duplicate, uncertain, failed,
        or released when shutdown began before the send did)."""
        if self.closing:
            return DeliveryStatus.RELEASED
        done = asyncio.get_running_loop().create_future()
        self._active.add(done)
        try:
            return await self._deliver(key, channel, reply, deadline)
        finally:
            done.set_result(None)
            self._active.discard(done)

    async def _deliver(
        self, key: DeliveryKey, channel: ChannelRef, reply: Reply, deadline: datetime
    ) -> DeliveryStatus:
        # Cancelled mid-claim, the row (if the insert committed) stays and reads as uncertain:
        # it may be another instance's, which only that instance may release.
        if not await self.store.claim(key, self.clock.now()):
            return DeliveryStatus.DUPLICATE
        adapter = self.adapters.get(channel.platform)
        if adapter is None:
            detail = f"the {channel.platform} adapter is not running"
            await self.store.mark(
                key, DeliveryStatus.FAILED, self.clock.now(), attempts=0, detail=detail
            )
            log.warning("reminder %s not sent: %s", key.event_id, detail)
            return DeliveryStatus.FAILED
        return await self._attempts(key, adapter, channel, reply, deadline)

    async def _attempts(
        self,
        key: DeliveryKey,
        adapter: Adapter,
        channel: ChannelRef,
        reply: Reply,
        deadline: datetime,
    ) -> DeliveryStatus:
        """Send a claimed reminder, retrying what the platform refused for now until the
        deadline; whatever else happens is marked in the ledger, never sent twice."""
        delivery_id = repr(sorted(key.columns().items()))  # the ledger row, for the platform
        delay = FIRST_BACKOFF
        attempt = 0
        while True:
            if self.closing:  # nothing went out on this attempt: a restart may send it
                await self._release(key, "shutting down before the send")
                return DeliveryStatus.RELEASED
            attempt += 1
            try:
                await self._send(adapter, self._current(channel), reply, delivery_id)
            except DeliveryError as exc:
                wait = max(exc.retry_after or 0.0, delay)
                if exc.retry and self.clock.now() + timedelta(seconds=wait) < deadline:
                    log.info("reminder %s refused (%s); retry in %.1fs", key.event_id, exc, wait)
                    await self._wait_to_retry(key, wait)
                    delay = min(delay * 2, MAX_BACKOFF)
                    continue
                status = (
                    DeliveryStatus.FAILED if exc.retry or exc.refused else DeliveryStatus.UNCERTAIN
                )
                await self.store.mark(
                    key, status, self.clock.now(), attempts=attempt, detail=str(exc)
                )
                log.warning("reminder %s to %s %s: %s", key.event_id, channel.platform, status, exc)
                return status
            except asyncio.CancelledError:
                # the request may have gone out: never re-sent, listed for organizers
                await self._mark_quietly(
                    key, DeliveryStatus.UNCERTAIN, attempt, "cancelled while sending"
                )
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # this delivery itself was cancelled, not just its send
                log.warning(
                    "reminder %s to %s: uncertain (stopped mid-send)",
                    key.event_id,
                    channel.platform,
                )
                return DeliveryStatus.UNCERTAIN
            except Exception as exc:
                detail = f"{type(exc).__name__}: {exc}"
                await self.store.mark(
                    key, DeliveryStatus.UNCERTAIN, self.clock.now(), attempts=attempt, detail=detail
                )
                log.exception("reminder %s to %s: outcome unknown", key.event_id, channel.platform)
                return DeliveryStatus.UNCERTAIN
            await self.store.mark(key, DeliveryStatus.SENT, self.clock.now(), attempts=attempt)
            return DeliveryStatus.SENT

    async def _send(
        self, adapter: Adapter, channel: ChannelRef, reply: Reply, delivery_id: str
    ) -> None:
        """The send in a task of its own, so shutdown can cancel the send and nothing else."""
        task = asyncio.create_task(adapter.send(channel, reply, delivery_id=delivery_id))
        self._sending.add(task)
        try:
            await task
        finally:
            self._sending.discard(task)

    async def _wait_to_retry(self, key: DeliveryKey, seconds: float) -> None:
        """Nothing went out: cancelled while waiting, the claim is released for a restart."""
        try:
            await self._pause(seconds)
        except asyncio.CancelledError:
            await self._release(key, "cancelled while waiting to retry")
            raise

    async def _pause(self, seconds: float) -> None:
        """Wait before a retry, or less when shutdown begins meanwhile."""
        sleeping = asyncio.ensure_future(self._sleep(seconds))
        closing = asyncio.create_task(self._closing.wait())
        try:
            await asyncio.wait({sleeping, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            closing.cancel()

    async def _release(self, key: DeliveryKey, why: str) -> None:
        """Delete a claim whose send never began; if that fails the row reads as uncertain."""
        try:
            await self.store.release(key)
        except Exception:
            log.exception(
                "reminder %s: claim not released (%s); it stays uncertain", key.event_id, why
            )
        else:
            log.info("reminder %s released for the next start: %s", key.event_id, why)

    async def _mark_quietly(
        self, key: DeliveryKey, status: DeliveryStatus, attempts: int, why: str
    ) -> None:
        try:
            await self.store.mark(key, status, self.clock.now(), attempts=attempts, detail=why)
        except Exception:  # the claim stays, and a claim reads as uncertain anyway
            log.exception("reminder %s: not marked %s", key.event_id, status)

    async def skip(self, key: DeliveryKey, why: str) -> bool:
        """Record a reminder that is too late to send; True the first time only."""
        if await self.store.claim(key, self.clock.now(), status=DeliveryStatus.SKIPPED):
            log.warning("reminder %s skipped: %s", key.event_id, why)
            return True
        return False
