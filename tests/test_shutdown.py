"""Graceful shutdown: on SIGTERM the bot claims no more reminders, gives the sends in flight a
few seconds, marks the ones still hanging uncertain (never re-sent), releases the claims it had
not sent yet (a restart sends them), closes the database and exits 0 well within 10 s."""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

import bot.app as app_module
from bot.adapters.base import DeliveryError
from bot.app import build, serve
from bot.config import Config
from bot.messages import ChannelRef, Reply
from bot.reminders.outbox import Outbox
from bot.schema import DeliveryKey, DeliveryStatus
from bot.store import Store
from tests.conftest import FakeClock, broadcast_config, run_bot
from tests.fakes.bot_api import FakeBotApi, _params, error


class FlakyBotApi(FakeBotApi):
    """Some chats' sends never get an answer; some get 502 Bad Gateway while `down` is set."""

    def __init__(self, hang: set[int], down: set[int]) -> None:
        super().__init__()
        self.hang, self.down = hang, down
        self.asked: list[int] = []  # every sendMessage's chat, answered or not
        self.unhang = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "sendMessage":
            chat = int((await _params(request))["chat_id"])
            self.asked.append(chat)
            if chat in self.hang:
                await self.unhang.wait()  # the request went out; its answer never comes
                return web.json_response({"ok": True, "result": True})
            if chat in self.down:
                status, body = error(502, "Bad Gateway")
                return web.json_response(body, status=status)
        return await super()._handle(request)


async def test_sigterm_mid_broadcast_exits_0_and_a_restart_sends_the_rest_once(
    tmp_path: Path,
) -> None:
    people = [30_000 + n for n in range(60)]
    hang, down = {30_000, 30_001}, {30_002, 30_003, 30_004}  # first in line: claimed at once
    api = FlakyBotApi(hang, down)
    base_url = await api.start()
    db = tmp_path / "bot.db"
    config = await broadcast_config(tmp_path, base_url, people, lead_seconds=62)
    try:
        first = await run_bot(config, token="123:TERM")
        try:
            async with asyncio.timeout(30):  # mid-broadcast: some sent, the flaky ones tried
                while len(api.delivered) < 10 or not (hang | down) <= set(api.asked):  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
        finally:
            terminated = time.monotonic()
            first.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(first.communicate(), 10)
        took = time.monotonic() - terminated
        log = err.decode()
        assert first.returncode == 0, log
        assert took < 10, f"exit took {took:.1f}s"
        assert "stopped; database closed" in log
        assert "Traceback" not in log
        first_run = [int(p["chat_id"]) for p in api.delivered]
        assert len(first_run) < len(people) - len(hang | down), "stopped mid-broadcast"

        async with Store(f"sqlite:///{db}") as store:
            rows = await store.deliveries_by_status(
                "sent", "claimed", DeliveryStatus.UNCERTAIN, limit=1000
            )
        by_status: dict[str, set[int]] = {}
        for row in rows:
            by_status.setdefault(row["status"], set()).add(int(row["destination"].split(":")[1]))
        assert by_status.get(DeliveryStatus.UNCERTAIN) == hang, (
            "the sends left hanging are uncertain"
        )
        assert "claimed" not in by_status, "no claim left behind"
        assert by_status["sent"] == set(first_run)
        assert not down & {int(r["destination"].split(":")[1]) for r in rows}, "released"

        api.down = set()  # the platform is back
        second = await run_bot(config, token="123:TERM")
        try:
            async with asyncio.timeout(30):
                while len(api.delivered) < len(people) - len(hang):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # anything more would be a double
        finally:
            second.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(second.communicate(), 10)
        assert second.returncode == 0, err.decode()
    finally:
        api.unhang.set()
        await api.stop()
    chats = [int(p["chat_id"]) for p in api.delivered]
    assert len(chats) == len(set(chats)), "nobody got it twice"
    assert set(chats) == set(people) - hang, "everyone but the uncertain got it"
    assert down <= set(chats[len(first_run) :]), "the released ones came after the restart"
    assert api.asked.count(30_000) == 1, "an uncertain send is never re-sent"


# The same policy, one delivery at a time, without a subprocess ---------------------------


class Scripted:
    """An adapter whose sends hang, fail for now, or succeed (after `pause`), by chat."""

    def __init__(self, name: str = "test", pause: float = 0.0) -> None:
        self.name, self.pause = name, pause
        self.sent: list[str] = []
        self.hang: set[str] = set()
        self.down: set[str] = set()

    async def run(self, handle: Any) -> None:
        await asyncio.Event().wait()

    async def send(
        self, channel: ChannelRef, reply: Reply, *, delivery_id: str | None = None
    ) -> None:
        if channel.chat_id in self.hang:
            await asyncio.Event().wait()
        if channel.chat_id in self.down:
            raise DeliveryError("502", retry=True)
        await asyncio.sleep(self.pause)
        self.sent.append(channel.chat_id)


def key(chat: str) -> DeliveryKey:
    return DeliveryKey("ev", datetime(2026, 12, 8, 17, 30, tzinfo=UTC), timedelta(hours=1), chat)


async def test_close_marks_hanging_sends_uncertain_and_releases_unsent_claims(
    tmp_path: Path, clock: FakeClock
) -> None:
    adapter = Scripted()
    adapter.hang, adapter.down = {"hangs"}, {"down"}
    deadline = clock.now() + timedelta(hours=1)
    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        outbox = Outbox(store, {"test": adapter}, clock)

        def deliver(chat: str) -> asyncio.Task[str]:
            return asyncio.create_task(
                outbox.deliver(key(chat), ChannelRef("test", chat), Reply("hi"), deadline)
            )

        hanging, refused, fine = deliver("hangs"), deliver("down"), deliver("fine")
        assert await fine == DeliveryStatus.SENT
        await asyncio.sleep(0.05)  # "down" was refused once and waits to retry
        started = time.monotonic()
        await outbox.close(grace=0.2)
        assert time.monotonic() - started < 1
        assert await hanging == DeliveryStatus.UNCERTAIN
        assert await refused == DeliveryStatus.RELEASED
        assert await deliver("later") == DeliveryStatus.RELEASED, "nothing is claimed once closing"
        rows = {
            r["destination"]: r["status"]
            for r in await store.deliveries_by_status(
                DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN, "claimed"
            )
        }
        assert rows == {"fine": DeliveryStatus.SENT, "hangs": DeliveryStatus.UNCERTAIN}

        restarted = Outbox(store, {"test": adapter}, clock)
        adapter.down = set()
        for chat, outcome in (
            ("down", DeliveryStatus.SENT),
            ("later", DeliveryStatus.SENT),
            ("hangs", DeliveryStatus.DUPLICATE),
        ):
            sent = await restarted.deliver(
                key(chat), ChannelRef("test", chat), Reply("hi"), deadline
            )
            assert sent == outcome, chat
    assert adapter.sent == ["fine", "down", "later"]


async def test_a_cancelled_delivery_is_uncertain_never_resent(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Cancelled from outside mid-send (a crash path): the row is uncertain and stays so."""
    adapter = Scripted()
    adapter.hang = {"hangs"}
    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        outbox = Outbox(store, {"test": adapter}, clock)
        task = asyncio.create_task(
            outbox.deliver(key("hangs"), ChannelRef("test", "hangs"), Reply("hi"), clock.now())
        )
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert task.cancelled()
        (row,) = await store.deliveries_by_status(DeliveryStatus.UNCERTAIN, "claimed")
        assert row["status"] == DeliveryStatus.UNCERTAIN


async def test_a_stop_during_the_catch_up_at_start_drains_that_broadcast(
    tmp_path: Path, config: Config, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM while the start-up catch-up is still sending (before the adapters even run):
    the broadcast stops at once, nothing is left claimed, and serve returns promptly."""
    monkeypatch.setattr(app_module, "SHUTDOWN_GRACE", 0.3)
    starts = (clock.now() + timedelta(minutes=59)).astimezone(ZoneInfo(config.timezone))
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "now.yaml").write_text(
        "events:\n  - id: catch-up\n    title: Catch-up\n"
        f"    starts: {starts:%Y-%m-%d %H:%M:%S}\n    remind: [1h]\n    targets: []\n",
        encoding="utf-8",
    )
    config = replace(config, schedules_dir=tmp_path / "schedules")
    adapter = Scripted(name="telegram", pause=0.05)
    adapter.hang = {"50000"}
    async with Store(config.database_url) as store:
        for n in range(60):
            await store.subscribe("telegram", str(50_000 + n), "en")
    app = build(config, clock=clock, adapters=[adapter])
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(app, stop))
    async with asyncio.timeout(10):
        while len(adapter.sent) < 5:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    stop.set()
    started = time.monotonic()
    await asyncio.wait_for(serving, 5)
    assert time.monotonic() - started < 2
    async with Store(config.database_url) as store:
        rows = await store.deliveries_by_status(
            DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN, "claimed", limit=100
        )
    statuses = {r["destination"].split(":")[1]: r["status"] for r in rows}
    assert statuses.pop("50000") == DeliveryStatus.UNCERTAIN
    assert set(statuses.values()) == {DeliveryStatus.SENT}, "nothing left claimed"
    assert set(statuses) == set(adapter.sent)
    assert len(adapter.sent) < 59, "the rest waits for the next start"
