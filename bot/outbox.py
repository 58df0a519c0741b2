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
from datetime import datetime, timedelta

from bot.adapters.base import DELIVERY, Adapter, DeliveryError
from bot.clock import Clock
from bot.messages import ChannelRef, Reply
from bot.store import DeliveryKey, Store

log = logging.getLogger(__name__)

SENT, UNCERTAIN, FAILED, SKIPPED, DUPLICATE = "sent", "uncertain", "failed", "skipped", "duplicate"
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 60.0


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

    async def deliver(
        self, key: DeliveryKey, channel: ChannelRef, reply: Reply, deadline: datetime
    ) -> str:
        """Send at most once; returns what happened (sent, duplicate, uncertain, failed)."""
        if not await self.store.claim(key, self.clock.now()):
            return DUPLICATE
        adapter = self.adapters.get(channel.platform)
        if adapter is None:
            await self.store.mark(
                key,
                FAILED,
                self.clock.now(),
                attempts=0,
                detail=f"the {channel.platform} adapter is not running",
            )
            log.warning(
                "reminder %s not sent: %s adapter not running", key.event_id, channel.platform
            )
            return FAILED
        delay = FIRST_BACKOFF
        attempt = 0
        while True:
            attempt += 1
            row = DELIVERY.set(repr(sorted(key.columns().items())))
            try:
                await adapter.send(channel, reply)
            except DeliveryError as exc:
                wait = max(exc.retry_after or 0.0, delay)
                if exc.retry and self.clock.now() + timedelta(seconds=wait) < deadline:
                    log.info("reminder %s refused (%s); retry in %.1fs", key.event_id, exc, wait)
                    await self._sleep(wait)
                    delay = min(delay * 2, MAX_BACKOFF)
                    continue
                status = FAILED if exc.retry or exc.refused else UNCERTAIN
                await self.store.mark(
                    key, status, self.clock.now(), attempts=attempt, detail=str(exc)
                )
                log.warning("reminder %s to %s %s: %s", key.event_id, channel.platform, status, exc)
                return status
            except asyncio.CancelledError:
                raise  # the claim stays: after a restart it reads as uncertain, never re-sent
            except Exception as exc:
                await self.store.mark(
                    key,
                    UNCERTAIN,
                    self.clock.now(),
                    attempts=attempt,
                    detail=f"{type(exc).__name__}: {exc}",
                )
                log.exception("reminder %s to %s: outcome unknown", key.event_id, channel.platform)
                return UNCERTAIN
            finally:
                DELIVERY.reset(row)
            await self.store.mark(key, SENT, self.clock.now(), attempts=attempt)
            return SENT

    async def skip(self, key: DeliveryKey, why: str) -> bool:
        """Record a reminder that is too late to send; True the first time only."""
        if await self.store.claim(key, self.clock.now(), status=SKIPPED):
            log.warning("reminder %s skipped: %s", key.event_id, why)
            return True
        return False
