"""One send rate for every process on one database (`database.shared`).

Telegram allows a bot about 30 messages a second and 20 a minute in one group, and answers more
with 429. Each process's own limiter knows only its own sends: N processes would send N times
the rate. Here every send first takes the next free moment of its scope in the database, one
statement (`Store.reserve`), and waits for it: the processes' sends together are spaced as
evenly as one process spaces its own (Telegram counts sliding windows, so even spacing, not
bursts per window, is what it accepts), with no polling, no lock and one row per scope.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable

from bot.database import StoreError
from bot.store import Store

log = logging.getLogger(__name__)


class SendBudget:
    """`await budget(scope, interval)` returns when one send in `scope` may go (sends in one
    scope at least `interval` seconds apart, across processes), and says when that is, in
    seconds since the epoch. Hosts keep their clocks in step (NTP): the moments are theirs."""

    def __init__(
        self,
        store: Store,
        *,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store, self._now, self._sleep = store, now, sleep
        self._out_of_reach = False  # said once per outage, not once per send

    async def __call__(self, scope: str, interval: float) -> float:
        """A database out of reach must not stop replies: the send goes now, and the process's
        own limiter still spaces its own sends."""
        now = self._now()
        spacing = max(1, math.ceil(interval * 1000))  # rounded up: never faster than asked
        try:
            at = await self._store.reserve(scope, int(now * 1000), spacing)
        except StoreError as exc:
            if not self._out_of_reach:
                log.warning("shared send rate unavailable, each process keeps its own: %s", exc)
            self._out_of_reach = True
            return now
        if self._out_of_reach:
            log.info("shared send rate available again")
            self._out_of_reach = False
        wait = at / 1000 - self._now()
        if wait > 0:
            await self._sleep(wait)
        return at / 1000

    async def hold(self, scope: str, seconds: float) -> None:
        """Telegram answered 429 "retry after `seconds`": every process waits that long, not
        only the one that was told (PTB's limiter pauses its own process alone)."""
        until = math.ceil((self._now() + seconds) * 1000)
        try:
            await self._store.hold(scope, until)
        except StoreError as exc:
            log.warning("could not share Telegram's retry-after: %s", exc)
