"""Reload while running: a good file is picked up, a broken one never replaces what serves."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot import app as app_module
from bot.chat.chat_commands import reload_report
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
    served = next(e for e in good.entries if e.file == str(target))  # whatever moderators wrote
    target.write_bytes(b"- id: [\x00garbage")
    notice = await live.pop()
    assert "Not reloaded" in notice
    assert f"{target}:" in notice
    assert live.app.knowledge.snapshot is good
    assert "Sources:" in await live.ask(served.text("en").question), "its entries still serve"


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
    knowledge.mkdir()
    # entries in a.yaml and c.yaml link to one in b.yaml, which a hurried edit then breaks
    for name, entry in (("a", "first-entry"), ("c", "third-entry")):
        linked = GOOD.replace("first-entry", entry).replace(
            "  tags: [sb54]", "  tags: [sb54]\n  related: [second-entry]"
        )
        (knowledge / f"{name}.yaml").write_text(linked, encoding="utf-8")
    source = knowledge / "b.yaml"
    source.write_text(GOOD.replace("first-entry", "second-entry"), encoding="utf-8")
    monkeypatch.setattr(app_module, "WATCH_INTERVAL", 0.05)
    async with console_bot(replace(config, knowledge_dir=knowledge, notify={}), clock) as bot:
        await _until(lambda: bot.app.knowledge.snapshot.entries)
        assert len(bot.app.knowledge.snapshot.entries) == 3
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


async def test_a_rejected_reload_lists_ten_problems_then_how_many_more(
    config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    """A notice a moderator can read in a chat: the first ten, then where to see the rest."""
    from bot.app import build

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "a.yaml").write_text(GOOD, encoding="utf-8")
    app = build(replace(config, knowledge_dir=knowledge), clock=clock, adapters=[])
    app.knowledge.reload()
    broken = "".join(
        GOOD.replace("first-entry", f"entry-{n}").replace("  tags:", "  bogus: 1\n  tags:")
        for n in range(13)
    )
    (knowledge / "a.yaml").write_text(broken, encoding="utf-8")
    notice = await reload_report(app.core.knowledge, "en")
    assert notice.startswith("Not reloaded: the files have errors (13)")
    listed = [line for line in notice.splitlines() if line.startswith(f"{knowledge / 'a.yaml'}:")]
    assert len(listed) == 10
    assert all("unknown key 'bogus'" in line for line in listed)
    assert notice.endswith("… and 3 more (python -m bot validate lists them all)")
    assert "first-entry" in app.knowledge.snapshot.by_id, "the last good version still serves"


async def test_a_notice_for_a_platform_that_is_not_running_reaches_the_console_and_the_log(
    config: Config,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """config.example.yaml's moderators' chat on Telegram, `make run` with no token: the
    console is the only adapter, and the notice still reaches someone."""
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "a.yaml").write_text(GOOD, encoding="utf-8")
    config = replace(
        config,
        knowledge_dir=knowledge,
        notify={"moderators": "mods-tg"},
        targets={
            "console": {"platform": "console"},
            "mods-tg": {"platform": "telegram", "chat_id": -5},
        },
    )
    monkeypatch.setattr(app_module, "WATCH_INTERVAL", 0.05)
    async with console_bot(config, clock) as bot:
        await _until(lambda: bot.app.knowledge.snapshot.entries)
        (knowledge / "a.yaml").write_text(GOOD.replace("  tags:", "  bogus: 1\n  tags:"), "utf-8")
        notice = await bot.pop()
    assert "Not reloaded" in notice
    assert "unknown key 'bogus'" in notice
    assert "notice reached no chat" in caplog.text
    assert "unknown key 'bogus'" in caplog.text
