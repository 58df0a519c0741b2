"""The adapter contract: one way in (`run`), one way out (`send`), like Rasa's output channel."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal, Protocol, runtime_checkable

from bot.messages import ChannelRef, Incoming, Reply

Handler = Callable[[Incoming], Awaitable[list[Reply]]]

FEEDBACK_PREFIX = "fb:"


class DeliveryError(Exception):
    """A send failed. `retry`: the platform refused for now (429, 5xx, no connection before the
    request went out). `refused`: it refused for good (blocked, chat gone). Neither: the outcome
    is unknown (a timeout after the request went out), and it must never be re-sent."""

    def __init__(
        self,
        message: str,
        *,
        retry: bool,
        retry_after: float | None = None,
        refused: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry = retry
        self.retry_after = retry_after
        self.refused = refused


class Adapter(Protocol):
    name: str

    async def run(self, handle: Handler) -> None:
        """Receive until cancelled; send back what `handle` returns."""
        ...

    async def send(
        self, channel: ChannelRef, reply: Reply, *, delivery_id: str | None = None
    ) -> None:
        """Raise DeliveryError so the outbox decides whether to retry. `delivery_id` names the
        ledger row a reminder is sent for (None for ordinary replies), for platforms that can
        refuse a second copy of it (Discord's nonce) or resume a half-sent one (Telegram)."""
        ...


LinkListener = Callable[[bool, str], None]
"""Told (connected?, why not) at each change of a platform's link; set by the app."""


@runtime_checkable
class Connects(Protocol):
    """An adapter whose platform can be out of reach. `connected` is set while its API answers
    and `on_link` hears every change, so the app logs each change once, holds that platform's
    reminders (unclaimed) while it is down, and health can say why. `run` raises when the API
    cannot be reached (the app tries again later) and returns when trying again cannot help (a
    refused token), with `stopped` saying what to fix."""

    connected: asyncio.Event
    on_link: LinkListener | None
    stopped: str | None


Claim = Literal["new", "done", "busy"]
"""new: handle it now. done: handled already (a second delivery). busy: another process has it."""


class UpdateLedger(Protocol):
    """Each platform update handled once by whichever process sharing the database gets it
    first (webhook mode behind a load balancer); the app passes one to the adapter, which
    cannot reach the store itself. Every method raises when the database cannot be used."""

    async def claim(self, update_id: int) -> Claim:
        """Take the update, or say why not."""
        ...

    async def sending(self, update_id: int) -> None:
        """Just before the first send of its answer: from now on it is never handled again."""
        ...

    async def finish(self, update_id: int) -> None:
        """Handled (answered, or nothing to answer)."""
        ...

    async def renew(self, update_id: int) -> None:
        """Still handling it (a slow one): not to be taken over as if this process had died."""
        ...


def say_link(adapter: Connects, up: bool, why: str = "") -> None:
    """Set `connected` and tell the app, only when it changes."""
    if up == adapter.connected.is_set():
        return
    if up:
        adapter.connected.set()
    else:
        adapter.connected.clear()
    if adapter.on_link is not None:
        adapter.on_link(up, why)


def choices(reply: Reply) -> list[str]:
    """Button actions a plain-text adapter offers as numbered choices (feedback has /wrong)."""
    return [b.action for b in reply.buttons if not b.action.startswith(FEEDBACK_PREFIX)]


def plain_text(reply: Reply, *, sources: bool = True) -> str:
    """Every field of a Reply as plain text, for adapters without rich formatting."""
    parts = [reply.text]
    numbered = [b for b in reply.buttons if not b.action.startswith(FEEDBACK_PREFIX)]
    if numbered:
        parts.append("\n".join(f"  {i}) {b.label}" for i, b in enumerate(numbered, 1)))
    if sources and reply.sources:
        lines = [reply.labels.sources]
        lines += [f"- {s.title}: {s.url}" for s in reply.sources]
        parts.append("\n".join(lines))
    if sources and reply.reviewed:
        parts.append(reply.labels.checked(reply.reviewed))
    if reply.attachment:
        parts.append(f"[{reply.attachment.filename}, {len(reply.attachment.data)} bytes]")
    return "\n\n".join(p for p in parts if p)


def split_text(body: str, limit: int) -> list[str]:
    """Split on paragraph, then line, then word boundaries so each piece fits `limit`."""
    pieces: list[str] = []
    rest = body.strip()
    while len(rest) > limit:
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = rest.rfind(sep, 0, limit)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces or [""]
