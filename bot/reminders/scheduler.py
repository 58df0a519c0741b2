"""APScheduler decides *when* to look; Reminders decides *what* is due.

Jobs live in memory and are rebuilt from the files and the database at every start, so no
pickled job can go stale. One date job waits for the next due reminder (sub-second lateness);
a sweep every minute re-reads the events (another instance may have added one) and catches
anything the date job could not see coming.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from bot.reminders.calendar import Reminders

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60


class Scheduler:
    def __init__(self, reminders: Reminders) -> None:
        self.reminders = reminders
        self._lock = asyncio.Lock()
        self._scheduler: Any = None
        self.last_sweep: datetime | None = None  # for health: reminders are being looked at

    async def start(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        await self.reminders.load()
        await self.tick()  # catch up: send what is due within grace, skip what is older
        self.last_sweep = self.reminders.clock.now()
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.add_job(
            self.sweep,
            "interval",
            seconds=SWEEP_SECONDS,
            id="sweep",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=SWEEP_SECONDS,
        )
        self._scheduler.start()
        self.plan()

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def plan(self) -> None:
        """(Re)place the one job that fires at the next due reminder."""
        if self._scheduler is None:
            return
        due = self.reminders.next_due(self.reminders.clock.now())
        if due is None:
            if self._scheduler.get_job("next"):
                self._scheduler.remove_job("next")
            return
        self._scheduler.add_job(
            self.tick,
            "date",
            run_date=due,
            id="next",
            replace_existing=True,
            misfire_grace_time=int(self.reminders.config.grace.total_seconds()) or 1,
        )

    def poke(self) -> None:
        """Look again now: a platform is back, and its reminders held while it was down go
        out at once (within the grace) rather than at the next sweep."""
        if self._scheduler is None:
            return
        self._scheduler.add_job(
            self.tick, "date", id="poke", replace_existing=True, misfire_grace_time=SWEEP_SECONDS
        )

    async def tick(self) -> None:
        async with self._lock:
            try:
                await self.reminders.tick()
            except Exception:
                log.exception("reminder tick failed; the sweep will try again")
        self.plan()

    async def sweep(self) -> None:
        try:
            await self.reminders.load()
        except Exception:
            log.exception("reloading events failed; keeping the last ones")
        await self.tick()
        self.last_sweep = self.reminders.clock.now()
