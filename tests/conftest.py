"""Shared fixtures: a config on a temporary database, a fake clock, and `testbot`, which drives
the whole bot through the console adapter (errbot's idea, async, no threads)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.app import App, build, serve
from bot.config import Config, from_mapping

ROOT = Path(__file__).resolve().parent.parent
# the tests' own copy of the bundled example events: organizers replace schedules/ with their
# real meetings, and a test must not answer differently (or hear a reminder) when they do
SCHEDULES = ROOT / "tests" / "fixtures" / "schedules"


async def run_bot(
    config: Path,
    *,
    token: str | None = None,
    output: bool = True,
    env: dict[str, str] | None = None,
) -> asyncio.subprocess.Process:
    """`python -m bot run --config CONFIG` as its own process, stdin closed from the start.
    `token` is a Telegram token; `env` adds other variables (DISCORD_TOKEN …)."""
    extra = {**(env or {}), **({"TELEGRAM_BOT_TOKEN": token} if token else {})}
    env = {**os.environ, **extra} if extra else None
    pipe = asyncio.subprocess.PIPE if output else asyncio.subprocess.DEVNULL
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=pipe,
        stderr=pipe,
        env=env,
        cwd=ROOT,
    )


async def broadcast_config(
    tmp_path: Path, base_url: str, subscribers: list[int], *, lead_seconds: int
) -> Path:
    """A config for `run_bot`: Telegram at `base_url`, these subscribers in the database, and
    one event whose 1-minute reminder to all of them falls due `lead_seconds` - 60 from now."""
    from bot.store import Store

    async with Store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        for chat in subscribers:
            await store.subscribe("telegram", str(chat), "en")
    zone = ZoneInfo("America/Los_Angeles")
    starts = datetime.now(zone).replace(microsecond=0) + timedelta(seconds=lead_seconds)
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "soon.yaml").write_text(
        "events:\n  - id: broadcast\n    title: Broadcast\n"
        f"    starts: {starts:%Y-%m-%d %H:%M:%S}\n    remind: [1m]\n    targets: []\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\nschedules: {{path: schedules}}\n"
        "database: {url: 'sqlite:///bot.db'}\nreminders: {grace: 5m}\n"
        "matcher: {semantic: false}\n"  # nothing is asked: the model would only take CPU
        f"telegram: {{enabled: true, base_url: '{base_url}'}}\n",
        encoding="utf-8",
    )
    return config


@dataclass
class FakeClock:
    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def quick_discord_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py is ready guild_ready_timeout (2 s) after the last server arrives, in case more
    come; the loopback gateway sends them all at once, so in-process tests wait 0.2 s instead."""
    from discord.state import ConnectionState

    init = ConnectionState.__init__

    def quick(self: ConnectionState, *args: Any, **options: Any) -> None:
        init(self, *args, **{**options, "guild_ready_timeout": 0.2})

    monkeypatch.setattr(ConnectionState, "__init__", quick)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 17, 0, tzinfo=UTC))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The bundled knowledge, the tests' own schedules, a database of the test's own."""
    base = from_mapping({}, ROOT)
    return replace(base, schedules_dir=SCHEDULES, database_url=f"sqlite:///{tmp_path / 'bot.db'}")


class TestBot:
    __test__ = False

    def __init__(self, app: App, stdin: asyncio.StreamReader, out: asyncio.Queue[str]) -> None:
        self.app, self._stdin, self._out = app, stdin, out

    def push(self, line: str) -> None:
        self._stdin.feed_data(line.encode() + b"\n")

    async def pop(self) -> str:
        async with asyncio.timeout(5):
            return await self._out.get()

    def empty(self) -> bool:
        return self._out.empty()

    async def ask(self, line: str) -> str:
        self.push(line)
        return await self.pop()


@asynccontextmanager
async def console_bot(config: Config, clock: FakeClock) -> AsyncIterator[TestBot]:
    """The whole bot on the console adapter, served in its own task until the block ends.

    `serve()` gets its own task: pytest-asyncio runs fixture setup and teardown in different
    tasks, and a TaskGroup reports a child's crash by cancelling the task that entered it.
    """
    stdin, out = asyncio.StreamReader(), asyncio.Queue[str]()
    files = Path(tempfile.mkdtemp(prefix="console-files-"))  # /calendar writes its file here
    console = ConsoleAdapter(stdin, write=out.put_nowait, folder=files)
    app = build(config, clock=clock, adapters=[console])
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(serve(app, stop, ready=ready))
    async with asyncio.timeout(10):
        await ready.wait()
    try:
        yield TestBot(app, stdin, out)
    finally:
        stop.set()
        await running


@pytest.fixture
async def testbot(config: Config, clock: FakeClock) -> AsyncIterator[TestBot]:
    async with console_bot(config, clock) as bot:
        yield bot
        assert bot.empty(), "the bot said more than the test expected"
