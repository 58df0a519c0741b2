"""Discord shards through discord.py's AutoShardedClient and the loopback gateway: one process
running every shard, or one process per shard on one database, answers and reminds exactly as
one connection does. Each process gets its own token here so the fake can tell who sent what."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord_adapter import DiscordAdapter
from bot.app import App, build, serve
from bot.chat.commands import COMMANDS
from bot.config import Config, PlatformConfig
from tests.conftest import ROOT, FakeClock, run_bot
from tests.fakes.discord_api import (
    APP_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    OTHER_CHANNEL_ID,
    OTHER_GUILD_ID,
    FakeDiscord,
    interaction,
    message_create,
    slash,
)

QUESTION = f"<@{APP_ID}> what does sb 54 do"

pytestmark = pytest.mark.usefixtures("quick_discord_ready")


@dataclass
class Process:
    """One bot process's worth: its app, its Discord adapter, the token its calls carry."""

    app: App
    adapter: DiscordAdapter
    token: str


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """The bot is in two servers, one on each shard of two."""
    fake = FakeDiscord(guilds=(GUILD_ID, OTHER_GUILD_ID), recommended_shards=2)
    url = await fake.start()
    monkeypatch.setattr(Route, "BASE", f"{url}/api/v10")
    monkeypatch.setattr(
        DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(f"{url.replace('http', 'ws')}/gateway")
    )
    assert fake.shard_of(OTHER_GUILD_ID) == 0
    yield fake
    await fake.stop()


@pytest.fixture
def shard_config(config: Config) -> Config:
    """Words alone (two processes need not load the model twice for these questions)."""
    return replace(
        config,
        matcher=replace(config.matcher, semantic=False),
        targets={
            "first": {"platform": "discord", "channel_id": OTHER_CHANNEL_ID},  # shard 0's server
            "second": {"platform": "discord", "channel_id": CHANNEL_ID},  # shard 1's server
            "both": ["first", "second"],
            "console": ["first"],  # the bundled test schedules name it
        },
    )


@asynccontextmanager
async def process(
    config: Config,
    shards: tuple[int, ...] | None,
    *,
    count: int = 2,
    clock: FakeClock | None = None,
) -> AsyncIterator[Process]:
    """Run one bot process in this one (its own App and client) until the block ends."""
    config = replace(
        config, discord=PlatformConfig(enabled=True, shard_count=count, shard_ids=shards)
    )
    token = f"token-of-shards-{shards}"
    adapter = DiscordAdapter(config, token, commands=COMMANDS)
    app = build(config, clock=clock, adapters=[adapter])
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(serve(app, stop, ready=ready))
    try:
        async with asyncio.timeout(15):
            await ready.wait()
        yield Process(app, adapter, token)
    finally:
        stop.set()
        await running


def answers(fake: FakeDiscord, channel: int) -> list[str]:
    """Who posted each message in `channel` (by token)."""
    return [
        c.token
        for c in fake.calls
        if c.method == "POST" and c.path == f"/channels/{channel}/messages"
    ]


async def settle(fake: FakeDiscord, counts: dict[int, int]) -> None:
    """Until each channel has its count of messages, then a moment for any double to show."""
    await fake.wait_for(lambda _: all(len(answers(fake, c)) >= n for c, n in counts.items()))
    await asyncio.sleep(0.5)


async def test_one_process_runs_both_shards_and_answers_each_server_once(
    fake: FakeDiscord, shard_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.app")
    async with process(shard_config, None) as bot:
        assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]
        assert bot.app.status["discord"] == "connected"
        for channel in (CHANNEL_ID, OTHER_CHANNEL_ID):
            await fake.dispatch(
                "MESSAGE_CREATE", message_create(fake, QUESTION, channel=channel, mentions_bot=True)
            )
        await fake.dispatch("MESSAGE_CREATE", message_create(fake, "what is sb 54", dm=True))
        await settle(fake, {CHANNEL_ID: 1, OTHER_CHANNEL_ID: 1, DM_CHANNEL_ID: 1})
        for channel in (CHANNEL_ID, OTHER_CHANNEL_ID, DM_CHANNEL_ID):
            assert len(answers(fake, channel)) == 1, channel
        (answer,) = fake.sent(f"/channels/{OTHER_CHANNEL_ID}/messages")
        assert "SB 54" in answer["embeds"][0]["title"]
        assert len(fake.syncs()) == 1
    said = [r.getMessage() for r in caplog.records]
    assert said.count("discord: connected") == 1, "said once all shards are ready, not per shard"


async def test_one_process_per_shard_each_answers_its_own_servers_and_shard_0_dms(
    fake: FakeDiscord, shard_config: Config
) -> None:
    async with AsyncExitStack() as stack:
        zero = await stack.enter_async_context(process(shard_config, (0,)))
        one = await stack.enter_async_context(process(shard_config, (1,)))
        identified = sorted((i["shard"], i["token"]) for i in fake.identifies)
        assert identified == [([0, 2], zero.token), ([1, 2], one.token)]
        for channel in (CHANNEL_ID, OTHER_CHANNEL_ID):
            await fake.dispatch(
                "MESSAGE_CREATE", message_create(fake, QUESTION, channel=channel, mentions_bot=True)
            )
        await fake.dispatch("MESSAGE_CREATE", message_create(fake, "what is sb 54", dm=True))
        await settle(fake, {CHANNEL_ID: 1, OTHER_CHANNEL_ID: 1, DM_CHANNEL_ID: 1})
        assert answers(fake, OTHER_CHANNEL_ID) == [zero.token]  # its server is on shard 0
        assert answers(fake, CHANNEL_ID) == [one.token]  # its server is on shard 1
        assert answers(fake, DM_CHANNEL_ID) == [zero.token], "DMs come to shard 0 only"
        (sync,) = fake.syncs()  # the application has one command tree: one process writes it
        assert sync.token == zero.token
        assert len(sync.body["list"]) == len([c for c in COMMANDS if c.menu])
        ask = interaction(fake, slash("ask", question="what is sb 54"), channel=CHANNEL_ID)
        await fake.dispatch("INTERACTION_CREATE", ask)  # to shard 1: `one`, which never synced
        await fake.wait_for(lambda calls: any("/callback" in c.path for c in calls))
        await asyncio.sleep(0.5)
        (callback,) = [c for c in fake.calls if "/callback" in c.path]  # answered, once
        assert "SB 54" in callback.body["data"]["embeds"][0]["title"]


async def test_a_reminder_reaches_both_shards_servers_once_from_two_processes(
    fake: FakeDiscord, shard_config: Config, tmp_path: Path
) -> None:
    """Any process may post to any channel (REST needs no gateway); the shared ledger keeps
    each channel to one copy, whichever process looks first, or both at once."""
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    starts = (clock.now() + timedelta(hours=3)).astimezone(ZoneInfo(shard_config.timezone))
    schedules = tmp_path / "schedules"
    schedules.mkdir()
    (schedules / "rally.yaml").write_text(
        "events:\n  - id: shard-rally\n    title: Two-server rally\n"
        f"    starts: {starts:%Y-%m-%d %H:%M:%S}\n    remind: [2h, 1h]\n    targets: [both]\n",
        encoding="utf-8",
    )
    config = replace(shard_config, schedules_dir=schedules)
    chats = (CHANNEL_ID, OTHER_CHANNEL_ID, DM_CHANNEL_ID)  # the DM: a subscriber's
    async with AsyncExitStack() as stack:
        zero = await stack.enter_async_context(process(config, (0,), clock=clock))
        one = await stack.enter_async_context(process(config, (1,), clock=clock))
        await zero.app.store.subscribe("discord", str(DM_CHANNEL_ID), "en")
        assert [answers(fake, c) for c in chats] == [[], [], []]
        clock.advance(hours=1, seconds=1)  # the 2h reminder is due
        await one.app.scheduler.tick()  # shard 1's process, alone, posts everywhere
        await zero.app.scheduler.tick()
        await settle(fake, dict.fromkeys(chats, 1))
        assert [answers(fake, c) for c in chats] == [[one.token]] * 3
        clock.advance(hours=1)  # the 1h reminder is due: both processes look at once
        await asyncio.gather(zero.app.scheduler.tick(), one.app.scheduler.tick())
        await settle(fake, dict.fromkeys(chats, 2))
        assert [len(answers(fake, c)) for c in chats] == [2, 2, 2]
        for channel in chats:
            assert all("Two-server rally" in str(m) for m in fake.sent(f"/channels/{channel}/"))


async def test_a_shard_that_drops_is_said_once_and_its_servers_answered_after_resume(
    fake: FakeDiscord, shard_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.app")
    async with process(shard_config, None) as bot:
        await fake.drop(1)
        async with asyncio.timeout(10):
            await fake.wait_shards(0, 1)
            await bot.adapter.connected.wait()
        assert fake.resumes == [1]
        assert bot.app.status["discord"] == "connected"
        await fake.dispatch(
            "MESSAGE_CREATE", message_create(fake, QUESTION, channel=CHANNEL_ID, mentions_bot=True)
        )
        await settle(fake, {CHANNEL_ID: 1})
    said = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    lost = [m for m in said if "lost the connection" in m]
    assert lost == [
        "discord: lost the connection (the gateway connection of shard 1 dropped; "
        "discord.py reconnects)"
    ]
    assert said.count("discord: connected") == 2  # at start, and once shard 1 resumed


async def test_two_run_processes_from_their_configs_share_the_shards(tmp_path: Path) -> None:
    """`python -m bot run` twice, each config naming its shard: each server's question is
    answered once, by its shard's process; DMs by shard 0's; SIGTERM stops both cleanly."""
    fake = FakeDiscord(guilds=(GUILD_ID, OTHER_GUILD_ID))
    url = await fake.start()
    procs = []
    try:
        for shard in (0, 1):
            config = tmp_path / f"shard-{shard}.yaml"
            config.write_text(
                f"knowledge: {{path: {ROOT / 'knowledge'}}}\n"
                "database: {url: 'sqlite:///bot.db'}\nmatcher: {semantic: false}\n"
                f"discord: {{enabled: true, base_url: '{url}', shard_count: 2, "
                f"shard_ids: [{shard}]}}\n",
                encoding="utf-8",
            )
            env = {"DISCORD_TOKEN": f"process-{shard}.token"}
            procs.append(await run_bot(config, env=env))
        async with asyncio.timeout(60):  # two processes start on two shared cores
            await fake.wait_shards(0, 1)
        await asyncio.sleep(3)  # discord.py is ready 2 s after a shard's last server arrives
        for channel in (CHANNEL_ID, OTHER_CHANNEL_ID):
            await fake.dispatch(
                "MESSAGE_CREATE", message_create(fake, QUESTION, channel=channel, mentions_bot=True)
            )
        await fake.dispatch("MESSAGE_CREATE", message_create(fake, "what is sb 54", dm=True))
        await settle(fake, {CHANNEL_ID: 1, OTHER_CHANNEL_ID: 1, DM_CHANNEL_ID: 1})
    finally:
        for proc in procs:
            if proc.returncode is None:  # one that stopped on its own says why below
                proc.send_signal(signal.SIGTERM)
        codes = []
        for shard, proc in enumerate(procs):
            async with asyncio.timeout(15):
                _, said = await proc.communicate()
            print(f"shard {shard}'s process said:\n{said.decode(errors='replace')}")
            codes.append(proc.returncode)
        await fake.stop()
    assert codes == [0, 0]
    assert answers(fake, OTHER_CHANNEL_ID) == ["process-0.token"]
    assert answers(fake, CHANNEL_ID) == ["process-1.token"]
    assert answers(fake, DM_CHANNEL_ID) == ["process-0.token"]
    assert [c.token for c in fake.syncs()] == ["process-0.token"]
