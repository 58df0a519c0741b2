"""Each Telegram update handled once, by whichever process sharing the database gets it first.

In webhook mode a load balancer may hand one update to any process, and Telegram delivers it
again when an answer is slow or lost. A row per update_id (unique) decides: the first claim
handles it; a second delivery of a finished update is only acknowledged; one another process
is working on is refused for now (Telegram retries); one whose process died (claimed longer
than the lease ago) is taken over. The reply is at most once, like the reminder ledger: a row
left `sending` by a dead process is never answered again, only logged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.adapters.base import Claim
from bot.clock import Clock
from bot.schema import UpdateState, from_iso
from bot.store import Store

log = logging.getLogger(__name__)

KEPT = timedelta(days=1)  # Telegram gives up on an update within a day: older rows are purged


class UpdatesOnce:
    """The store side of `bot.adapters.base.UpdateLedger`."""

    def __init__(self, store: Store, clock: Clock, lease: timedelta) -> None:
        self._store = store
        self._clock = clock
        self._lease = lease

    async def claim(self, update_id: int) -> Claim:
        now = self._clock.now()
        if await self._store.claim_update(update_id, now):
            return "new"
        seen = await self._store.update_claim(update_id)
        if seen is None:  # purged between the two statements: a day-old update, done
            return "done"
        state, claimed_at = seen
        if state in (UpdateState.DONE, UpdateState.UNCERTAIN):
            return "done"
        if now - from_iso(claimed_at) < self._lease:
            return "busy"
        if state is UpdateState.WORKING:
            taken = await self._store.take_over_update(update_id, seen, now, UpdateState.WORKING)
            if taken:
                log.info("telegram update %d: its process stopped; handling it here", update_id)
            return "new" if taken else "busy"
        if await self._store.take_over_update(update_id, seen, now, UpdateState.UNCERTAIN):
            log.warning(
                "telegram update %d: its process stopped while answering; an answer may not "
                "have reached a chat, and is not sent again",
                update_id,
            )
        return "done"

    async def sending(self, update_id: int) -> None:
        now = self._clock.now()
        await self._store.mark_update(update_id, UpdateState.SENDING, now, was=UpdateState.WORKING)

    async def renew(self, update_id: int) -> None:
        await self._store.renew_update(update_id, self._clock.now())

    async def finish(self, update_id: int) -> None:
        await self._store.mark_update(update_id, UpdateState.DONE, self._clock.now())

    async def uncertain(self, since: datetime) -> int:
        """Updates since then whose answer may not have reached its chat (a process died while
        sending it): for health and the scale test; each was logged when it was taken over."""
        return await self._store.count_updates(UpdateState.UNCERTAIN, since)

    async def purge(self) -> None:
        await self._store.purge_updates(self._clock.now() - KEPT)
