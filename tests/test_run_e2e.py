"""`python -m bot run` for real: reminders print on the console target, a SIGKILL and a restart
in between, and every reminder appears exactly once."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import ROOT

TITLE = "Kill-test rally"


def start(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        stdin=subprocess.DEVNULL,  # stdin ends at once; the bot keeps running for reminders
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def read_until(proc: subprocess.Popen[str], needle: str, seconds: float) -> list[str]:
    """Lines printed until one contains `needle` (or the time is up)."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if needle in line:
                return lines
    return lines


def test_sigkill_between_reminders_sends_each_exactly_once(tmp_path: Path) -> None:
    zone = ZoneInfo("America/Los_Angeles")
    starts = datetime.now(zone).replace(microsecond=0) + timedelta(seconds=14)
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "soon.yaml").write_text(
        "events:\n"
        "  - id: kill-test\n"
        f"    title: {TITLE}\n"
        f"    starts: {starts:%Y-%m-%d %H:%M:%S}\n"
        "    remind: [10s, 5s]\n"
        "    targets: [console]\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\nschedules: {{path: schedules}}\n"
        "database: {url: 'sqlite:///bot.db'}\nreminders: {grace: 1m}\n",
        encoding="utf-8",
    )
    first = start(config)
    try:
        before_kill = read_until(first, TITLE, 20)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert [line for line in before_kill if TITLE in line], "the first reminder came out"

    second = start(config)
    try:
        after_restart = read_until(second, TITLE, 20)
        after_restart += read_until(second, TITLE, 3)  # anything more would be a double
    finally:
        second.send_signal(signal.SIGTERM)
        _, err = second.communicate(timeout=15)
    assert second.returncode == 0, err
    printed = [line for line in before_kill + after_restart if TITLE in line]
    assert len(printed) == 2, printed
    assert all(len(line.strip().splitlines()) == 1 for line in printed)
