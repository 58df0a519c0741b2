"""Reload while running: a good file is picked up, a broken one never replaces what serves."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot import app as app_module
from bot.config import Config
from bot.messages import Role
from tests.conftest import ROOT, FakeClock, TestBot, console_bot
from tests.test_knowledge import GOOD


@pytest.fixture
async def live(
    config: Config, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestBot]:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns("*.md"))
    config = replace(
        config,
        knowledge_dir=knowledge,
        notify={"moderators": "console"},
        targets={"console": {"platform": "console"}},
    )
    monkeypatch.setattr(app_module, "WATCH_INTERVAL", 0.05)
    async with console_bot(config, clock) as bot:
        yield bot


async def _until(condition: object, seconds: float = 5) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # type: ignore[operator]  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_saved_file_is_picked_up(live: TestBot) -> None:
    before = len(live.app.knowledge.snapshot.entries)
    await _until(lambda: before > 0)
    folder = live.app.config.knowledge_dir
    (folder / "zz-new.yaml").write_text(GOOD.replace("first-entry", "brand-new-entry"), "utf-8")
    await _until(lambda: "brand-new-entry" in live.app.knowledge.snapshot.by_id)
    assert len(live.app.knowledge.snapshot.entries) == before + 1


async def test_garbage_keeps_the_old_snapshot_and_tells_moderators(live: TestBot) -> None:
    await _until(lambda: live.app.knowledge.snapshot.entries)
    good = live.app.knowledge.snapshot
    target = sorted(live.app.config.knowledge_dir.glob("*.yaml"))[0]
    target.write_bytes(b"- id: [\x00garbage")
    notice = await live.pop()
    assert "Not reloaded" in notice
    assert f"{target}:" in notice
    assert live.app.knowledge.snapshot is good
    assert "Sources:" in await live.ask("what is sb54")


async def test_reload_command_is_for_moderators_only(live: TestBot) -> None:
    from bot.messages import ChannelRef, Incoming

    stranger = Incoming(ChannelRef("telegram", "5", private=False), "77", "/reload")
    (refusal,) = await live.app.core.handle(stranger)
    assert "only moderators can use /reload" in refusal.text
    moderator = replace(stranger, roles=frozenset({Role.MODERATOR}))
    (done,) = await live.app.core.handle(moderator)
    assert done.text.startswith("Knowledge reloaded")


async def test_a_rejected_reload_reaches_the_console_cause_first_without_follow_on_errors(
    config: Config, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default config names no moderators' target: the notice still reaches the console,
    and one mis-indented line reads as one error, not as unknown links in other files."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns("*.md"))
    monkeypatch.setattr(app_module, "WATCH_INTERVAL", 0.05)
    async with console_bot(replace(config, knowledge_dir=knowledge, notify={}), clock) as bot:
        await _until(lambda: bot.app.knowledge.snapshot.entries)
        linked = next(e for e in bot.app.knowledge.snapshot.entries if e.related)
        source = Path(bot.app.knowledge.snapshot.by_id[linked.related[0]].file)
        _misindent(source)
        notice = await bot.pop()
    assert "Not reloaded" in notice
    problems = [line for line in notice.splitlines() if ".yaml:" in line]
    assert f"{source}:" in problems[0]
    assert "not valid YAML" in problems[0]
    assert "unknown id" not in notice


def _misindent(path: Path) -> None:
    """One line moved one space left, as a hurried edit does."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n  tags:", "\n tags:", 1), encoding="utf-8")
