"""Logs: one line per event (tracebacks included), the level from the config, no token."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import sys
from pathlib import Path

import pytest

from bot.cli import _Redacting
from tests.conftest import ROOT, SCHEDULES, run_bot

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+: "
)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def test_a_traceback_stays_on_its_line_and_the_token_is_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:SECRET-TOKEN")
    try:
        raise RuntimeError("bad\nurl https://api.telegram.org/bot123:SECRET-TOKEN/sendMessage")
    except RuntimeError:
        record = logging.LogRecord(
            "bot.test", logging.ERROR, __file__, 1, "failed:\n%s", ("two lines",), sys.exc_info()
        )
    line = _Redacting(FORMAT).format(record)
    assert "\n" not in line
    assert "\r" not in line
    assert LINE.match(line)
    assert "Traceback (most recent call last):" in line
    assert "RuntimeError: bad\\nurl" in line
    assert "SECRET-TOKEN" not in line
    assert "[secret]" in line


@pytest.mark.parametrize(("level", "info_lines"), [("INFO", True), ("WARNING", False)])
async def test_python_m_bot_run_logs_one_line_per_event_at_the_configured_level(
    tmp_path: Path, level: str, info_lines: bool
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\nschedules: {{path: {SCHEDULES}}}\n"
        f"database: {{url: 'sqlite:///bot.db'}}\nlogging: {{level: {level}}}\n",
        encoding="utf-8",
    )
    bot = await run_bot(config)
    try:
        async with asyncio.timeout(20):  # the database exists once the signal handlers do
            while not (tmp_path / "bot.db").exists():  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
    finally:
        bot.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(bot.communicate(), 10)
    assert bot.returncode == 0
    lines = err.decode().splitlines()
    assert all(LINE.match(line) for line in lines), lines
    assert any(" INFO " in line for line in lines) is info_lines
    assert any("stopped; database closed" in line for line in lines) is info_lines
