"""`python -m bot run` for real: reminders print on the console target, a SIGKILL and a restart
in between, and every reminder appears exactly once."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import ROOT, broadcast_config, run_bot

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
    starts = datetime.now(zone).replace(microsecond=0) + timedelta(seconds=10)
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "soon.yaml").write_text(
        "events:\n"
        "  - id: kill-test\n"
        f"    title: {TITLE}\n"
        f"    starts: {starts:%Y-%m-%d %H:%M:%S}\n"
        "    remind: [6s, 3s]\n"
        "    targets: [console]\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\nschedules: {{path: schedules}}\n"
        "database: {url: 'sqlite:///bot.db'}\nreminders: {grace: 1m}\n"
        "matcher: {semantic: false}\n",  # nothing is asked: the model would only take CPU
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


async def test_sigkill_during_a_broadcast_to_500_never_doubles(tmp_path: Path) -> None:
    """Killed mid-broadcast and restarted: nobody gets it twice, the few in flight are listed
    as uncertain, and everyone else gets it exactly once."""
    import asyncio

    from bot.schema import DeliveryStatus
    from bot.store import Store
    from tests.fakes.bot_api import FakeBotApi

    api = FakeBotApi(per_second=30)
    base_url = await api.start()
    db = tmp_path / "bot.db"
    config = await broadcast_config(
        tmp_path, base_url, [20_000 + n for n in range(500)], lead_seconds=62
    )
    first = await run_bot(config, token="123:KILL", output=False)
    try:
        await api.wait_sent(100, seconds=60)
    finally:
        first.kill()  # SIGKILL, mid-broadcast
        await first.wait()
    second = await run_bot(config, token="123:KILL", output=False)
    try:
        async with asyncio.timeout(90):
            while True:
                async with Store(f"sqlite:///{db}") as store:
                    pending = await store.deliveries_by_status("claimed", limit=1000)
                    sent = await store.sent_count("broadcast")
                if sent + len(pending) >= 500 and len(api.delivered) >= sent:
                    break
                await asyncio.sleep(0.5)
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
        await api.stop()
    chats = [int(p["chat_id"]) for p in api.delivered]
    assert len(chats) == len(set(chats)), "nobody got it twice"
    async with Store(f"sqlite:///{db}") as store:
        in_flight = await store.deliveries_by_status(
            "claimed", DeliveryStatus.UNCERTAIN, limit=1000
        )
    uncertain = {int(row["destination"].split(":")[1]) for row in in_flight}
    everyone = set(range(20_000, 20_500))
    assert set(chats) | uncertain == everyone, "everyone got it, or is listed as uncertain"
    assert len(uncertain) <= 10, "only the few in flight at the kill are uncertain"
    assert everyone - uncertain <= set(chats), "everyone not in flight got it exactly once"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_platforms_down_at_start_do_not_stop_the_others(tmp_path: Path) -> None:
    """Telegram's API and Discord unreachable at start: the console answers at once, Telegram
    and then Discord answer once each is up, and SIGTERM still stops it all cleanly."""
    import asyncio

    from tests.fakes.bot_api import FakeBotApi
    from tests.fakes.discord_api import DM_CHANNEL_ID, FakeDiscord, message_create

    telegram_port, discord_port = _free_port(), _free_port()  # nothing listens there yet
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\nschedules: {{path: {tmp_path / 'none'}}}\n"
        "database: {url: 'sqlite:///bot.db'}\nmatcher: {semantic: false}\n"
        "reconnect: {first: 1s, max: 2s}\n"
        f"telegram: {{enabled: true, base_url: 'http://127.0.0.1:{telegram_port}/bot'}}\n"
        f"discord: {{enabled: true, base_url: 'http://127.0.0.1:{discord_port}'}}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "123:DOWN", "DISCORD_TOKEN": "x.y.z"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdin
    assert proc.stdout
    assert proc.stderr
    api, discord = FakeBotApi(), FakeDiscord()
    try:
        proc.stdin.write(b"what is sb 54\n")
        await proc.stdin.drain()
        async with asyncio.timeout(30):
            while b"California Values Act" not in await proc.stdout.readline():
                pass
        await asyncio.sleep(1.5)  # a retry or two against nothing
        await api.start(telegram_port)
        api.push_message("what is the truth act")
        (sent,) = await api.wait_sent(1, seconds=30)
        assert "TRUTH" in sent["text"]
        await discord.start(discord_port)
        async with asyncio.timeout(30):
            await discord.connected.wait()
        await discord.dispatch("MESSAGE_CREATE", message_create(discord, "what is sb 54", dm=True))
        path = f"/channels/{DM_CHANNEL_ID}/messages"
        await discord.wait_for(lambda calls: discord.sent(path))
        assert "SB 54" in discord.sent(path)[0]["embeds"][0]["title"]
        await asyncio.sleep(3)  # discord.py is ready 2 s after the last server streams in
    finally:
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            code = await proc.wait()
        await api.stop()
        await discord.stop()
    log = (await proc.stderr.read()).decode()
    assert code == 0, log[-2000:]
    assert "Traceback" not in log
    for platform in ("telegram", "discord"):
        assert log.count(f"{platform}: cannot reach the API") == 1, "said once per change"
        assert f"{platform}: connected" in log
    assert "logging in using static token" not in log, "no line per retry"


async def test_refused_tokens_keep_those_platforms_off_and_the_rest_running(
    tmp_path: Path,
) -> None:
    """Both tokens refused: each is said once with the variable to fix, never retried; the
    console answers; `health` names both and exits 1; SIGTERM exits 0."""
    import asyncio

    from tests.fakes.bot_api import FakeBotApi
    from tests.fakes.discord_api import FakeDiscord

    api, discord = FakeBotApi(refused={"123:REVOKED"}), FakeDiscord(refused={"x.y.z"})
    telegram_url, discord_url = await api.start(), await discord.start()
    port = _free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\nschedules: {{path: {tmp_path / 'none'}}}\n"
        "database: {url: 'sqlite:///bot.db'}\nmatcher: {semantic: false}\n"
        f"reconnect: {{first: 1s}}\nhealth: {{port: {port}}}\n"
        f"telegram: {{enabled: true, base_url: '{telegram_url}'}}\n"
        f"discord: {{enabled: true, base_url: '{discord_url}'}}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "123:REVOKED", "DISCORD_TOKEN": "x.y.z"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdin
    assert proc.stdout
    assert proc.stderr
    try:
        proc.stdin.write(b"what is sb 54\n")
        await proc.stdin.drain()
        async with asyncio.timeout(30):
            while b"California Values Act" not in await proc.stdout.readline():
                pass
        async with asyncio.timeout(30):
            while True:
                health = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "health", "--config", str(config),
                    stdout=asyncio.subprocess.PIPE, cwd=ROOT,
                )  # fmt: skip
                out = (await health.communicate())[0].decode()
                if out.count(": off (") == 2:
                    break
                await asyncio.sleep(0.3)
        assert health.returncode == 1, out
        assert "telegram: off (telegram refused TELEGRAM_BOT_TOKEN" in out
        assert "discord: off (discord refused DISCORD_TOKEN" in out
        assert "console: running" in out
        assert "NOT healthy" in out
        await asyncio.sleep(1.5)  # time for a retry, if there were one
    finally:
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            code = await proc.wait()
        await api.stop()
        await discord.stop()
    log = (await proc.stderr.read()).decode()
    assert code == 0, log[-2000:]
    assert "Traceback" not in log
    assert "cannot reach" not in log
    assert log.count("refused TELEGRAM_BOT_TOKEN") == 1
    assert log.count("refused DISCORD_TOKEN") == 1
    assert [name for name, _ in api.calls].count("getMe") == 1, "not tried again"
    assert [c.path for c in discord.calls].count("/users/@me") == 1, "not tried again"
    assert "123:REVOKED" not in log + out


def test_health_answers_while_running_and_says_when_it_is_not(tmp_path: Path) -> None:
    port = _free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\nschedules: {{path: {tmp_path / 'none'}}}\n"
        f"database: {{url: 'sqlite:///bot.db'}}\nmatcher: {{semantic: false}}\n"
        f"health: {{port: {port}}}\n",
        encoding="utf-8",
    )

    def health() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "health", "--config", str(config)],
            capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
        )  # fmt: skip

    proc = start(config)
    try:
        deadline = time.monotonic() + 30
        while (done := health()).returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "console: running" in done.stdout
        assert "database: ok" in done.stdout
        assert "healthy" in done.stdout
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            found = json.load(response)
        assert found["healthy"] is True
        assert found["problems"] == []
        assert found["knowledge"]["last_reload"] == "ok"
        assert found["knowledge"]["entries"] > 0
        assert found["last_sweep"], "the reminder sweep has run"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    gone = health()
    assert gone.returncode == 1
    assert "is it running?" in gone.stdout


async def test_health_says_so_when_something_else_answers_on_its_port(tmp_path: Path) -> None:
    import asyncio

    from aiohttp import web

    async def other(request: web.Request) -> web.Response:
        return web.json_response({"status": "fine"})

    server = web.Application()
    server.router.add_get("/healthz", other)
    runner = web.AppRunner(server)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    config = tmp_path / "config.yaml"
    config.write_text(f"health: {{port: {port}}}\n", encoding="utf-8")
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "health", "--config", str(config),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
        )  # fmt: skip
        out, err = await proc.communicate()
    finally:
        await runner.cleanup()
    assert proc.returncode == 1
    assert "not this bot's /healthz" in out.decode(), out + err
    assert b"Traceback" not in err


def test_sigterm_while_the_model_embeds_a_cold_cache_stops_at_once(tmp_path: Path) -> None:
    """The first start on a new machine embeds every phrase (half a minute on 2 cores);
    `docker stop` then must not wait for it, and the next start keeps what was done."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\nschedules: {{path: {tmp_path / 'none'}}}\n"
        f"database: {{url: 'sqlite:///bot.db'}}\nmatcher: {{cache: {tmp_path / 'vectors'}}}\n",
        encoding="utf-8",
    )
    proc = start(config)
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "new texts" not in proc.stderr.readline():
        pass  # "embedding N new texts": the cold cache is being filled
    time.sleep(1)
    stopped_at = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert time.monotonic() - stopped_at < 5, "stopped within seconds, not after the embedding"
    assert list((tmp_path / "vectors").glob("vectors-*.npz")), "what was embedded is kept"
