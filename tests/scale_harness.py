"""Several bot processes behind a real load balancer, and a fake Telegram that posts to it.

Everything a deployment past one machine has, on loopback: one PostgreSQL cluster
(tests/pg.py), HAProxy from Debian's package with health checks on each process, N
`python -m bot run` processes in Telegram webhook mode sharing that database, and the loopback
Bot API (tests/fakes/bot_api.py) in this process as Telegram. Telegram's side is played as
Telegram plays it: a bounded number of connections posting updates with the secret token,
retrying whatever is not a 2xx after a short backoff. tests/test_scale.py asserts on the
outcome; bench/scale.py prints it.

The matcher runs on words alone (`matcher.semantic: false`): three copies of the embedding
model do not fit two shared cores, and what is measured here is the plumbing, not the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from tests.fakes.bot_api import BOT_USERNAME, FakeBotApi, _params
from tests.pg import free_port

ROOT = Path(__file__).resolve().parent.parent
HOOK_PATH = "/telegram/hook"
SECRET = "scale-test-secret_0123456789"  # noqa: S105 - the test's own, on loopback
TOKEN = "123:SCALE"  # noqa: S105 - the fake Bot API takes any token
REMINDER_TITLE = "Scale-test rally"
LEASE = "10s"  # telegram.webhook.lease: the dead process's updates wait this long (live ones renew)
HAPROXY_BIN = "/usr/sbin/haproxy"


def haproxy_missing() -> str | None:
    """Why HAProxy cannot be used here, or None."""
    if shutil.which("haproxy") or Path(HAPROXY_BIN).exists():
        return None
    return "no HAProxy installed (run `make haproxy`)"


def haproxy_config(listen_port: int, servers: Sequence[tuple[str, int, int]], socket: Path) -> str:
    """The load balancer the test runs, and docs/growing.md shows.

    `servers`: (name, webhook port, health port). A chat sticks to one process (the hash of the
    chat id in the update's body, a message's or a button press's), so one process answers its
    questions in order; a
    process that fails its health checks, or refuses the connection, loses its chats to the
    others (consistent hashing moves only its own). A request the dead process never answered is
    retried on another (`retry-on`, `redispatch`): the database's claim on each update keeps a
    retry from answering twice."""
    pressed = "unless { var(txn.chat) -m found }"  # a button press: its message's chat
    backends = "\n".join(
        f"    server {name} 127.0.0.1:{port} check port {health}" for name, port, health in servers
    )
    return f"""\
global
    maxconn 4000
    stats socket {socket} mode 600 level admin
    log stderr format short local0 warning

defaults
    mode http
    log global
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout queue 10s
    # a request a dead process never answered goes to another one
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend telegram
    bind 127.0.0.1:{listen_port}
    # the body is read before a server is chosen: the chat id in it picks the process
    option http-buffer-request
    http-request wait-for-body time 2s
    http-request deny status 404 unless {{ path {HOOK_PATH} }}
    http-request set-var(txn.chat) req.body,json_query('$.message.chat.id')
    http-request set-var(txn.chat) req.body,json_query('$.callback_query.message.chat.id') {pressed}
    default_backend bots

backend bots
    # no chat in the update (e.g. a membership change): round robin
    balance hash var(txn.chat)
    hash-type consistent
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fastinter 250ms downinter 1s fall 2 rise 2
{backends}
"""


class TimedBotApi(FakeBotApi):
    """The fake Bot API, noting when each reply to a question arrives (by the question's
    message id, which the bot quotes in groups) and every reminder."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[int, list[float]] = {}
        self.reminders: Counter[int] = Counter()
        self.other: list[dict[str, Any]] = []
        self.sent_at: list[float] = []

    async def _handle(self, request: web.Request) -> web.Response:
        response = await super()._handle(request)
        if request.match_info["method"] == "sendMessage" and response.status == 200:
            now = time.monotonic()
            self.sent_at.append(now)
            params = await _params(request)  # aiohttp keeps the body: parsed again, not re-read
            quoted = params.get("reply_parameters") or {}
            if isinstance(quoted, dict) and quoted.get("message_id"):
                self.replies.setdefault(int(quoted["message_id"]), []).append(now)
            elif REMINDER_TITLE in str(params.get("text", "")):
                self.reminders[int(params["chat_id"])] += 1
            else:
                self.other.append(params)
        return response


def questions() -> list[tuple[str, str]]:
    """(language, text): every question and alias of the bundled knowledge, English and
    Spanish, so the processes answer varied, real questions."""
    from bot.answering.knowledge import load_knowledge

    found: list[tuple[str, str]] = []
    for entry in load_knowledge([ROOT / "knowledge"]).snapshot.entries:
        for lang in ("en", "es"):
            text = entry.texts.get(lang)
            if text:
                found += [(lang, text.question)] + [(lang, alias) for alias in text.aliases]
    return found


def updates(chats: int, per_chat: int) -> list[dict[str, Any]]:
    """Questions from `chats` groups, `per_chat` each, interleaved as they would arrive: each
    mentions the bot (a group message the bot answers) and has its own message id, which the
    answer quotes."""
    asked = questions()
    made: list[dict[str, Any]] = []
    for round_ in range(per_chat):
        for chat in range(chats):
            number = len(made) + 1
            lang, text = asked[(chat * 7 + round_ * 13) % len(asked)]
            mention = f"@{BOT_USERNAME}"
            made.append(
                {
                    "update_id": number,
                    "message": {
                        "message_id": number,
                        "date": int(time.time()),
                        "chat": {"id": -1_000_000 - chat, "type": "supergroup", "title": "Q"},
                        "from": {
                            "id": 10_000 + chat,
                            "is_bot": False,
                            "first_name": "Ana",
                            "language_code": lang,
                        },
                        "text": f"{mention} {text}",
                        "entities": [{"type": "mention", "offset": 0, "length": len(mention)}],
                    },
                }
            )
    return made


@dataclass
class BotProcess:
    name: str
    port: int  # the webhook
    health: int
    folder: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.folder / "bot.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "PYTHONUNBUFFERED": "1",
            "OMP_NUM_THREADS": "1",
        }
        with self.log.open("wb") as out:  # a file, not a pipe: a full pipe would stall the bot
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(self.folder / "config.yaml")],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
            )  # fmt: skip

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ---\n" + "\n".join(text.splitlines()[-lines:])


def bot_config(
    folder: Path,
    *,
    database: str,
    api: str,
    hook: str,
    port: int,
    health: int,
    groups: int,
    shared: bool = True,
) -> str:
    """One process's config: webhook mode behind the load balancer's address, its own ports,
    the shared database, the reminder's Telegram groups as targets."""
    targets = "".join(
        f"  group-{n}: {{platform: telegram, chat_id: {-4000 - n}, thread_id: null}}\n"
        for n in range(groups)
    )
    return (
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\n"
        f"schedules: {{path: {folder.parent / 'schedules'}}}\n"
        f"database: {{url: '{database}', shared: {str(shared).lower()}}}\n"
        "reminders: {grace: 5m}\n"
        "matcher: {semantic: false}\n"
        f"health: {{port: {health}}}\n"
        "logging: {level: WARNING}\n"
        "telegram:\n"
        "  enabled: true\n"
        f"  base_url: '{api}'\n"
        "  mode: webhook\n"
        f"  webhook: {{url: '{hook}', listen: 127.0.0.1, port: {port}, lease: {LEASE}}}\n"
        + (f"targets:\n{targets}" if groups else "")
    )


def reminder_schedule(groups: int, due_in: timedelta) -> str:
    """One event whose reminder to every group falls due `due_in` from now."""
    zone = ZoneInfo("America/Los_Angeles")
    starts = datetime.now(zone).replace(microsecond=0) + due_in + timedelta(minutes=1)
    names = ", ".join(f"group-{n}" for n in range(groups))
    return (
        "events:\n  - id: scale-rally\n"
        f"    title: {REMINDER_TITLE}\n"
        f"    starts: {starts:%Y-%m-%d %H:%M:%S}\n"
        "    remind: [1m]\n"
        f"    targets: [{names}]\n"
    )


@dataclass
class Result:
    """What one run measured, and what the database says of the updates it could not vouch
    for."""

    processes: int
    updates: int
    took: float = 0.0  # first post to the last answer
    latencies: list[float] = field(default_factory=list)  # first post → the answer, seconds
    answers: dict[int, int] = field(default_factory=dict)  # question → replies quoting it
    uncertain: set[int] = field(default_factory=set)  # left 'sending' by the killed process
    statuses: Counter[int] = field(default_factory=Counter)  # every post's status (0: no answer)
    killed: str | None = None
    in_flight_at_kill: int = 0  # posts the load balancer had not answered at the kill
    reminders: dict[int, int] = field(default_factory=dict)  # group → copies received
    set_webhook: int = 0
    other_sends: int = 0  # messages that were neither an answer nor the reminder
    sent_at: list[float] = field(default_factory=list)  # every message's arrival, monotonic

    @property
    def peak_rate(self) -> int:
        """The most messages in any one second: Telegram allows a bot about 30, however many
        processes send them (above that it answers 429)."""
        times, peak, start = sorted(self.sent_at), 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            peak = max(peak, end - start + 1)
        return peak

    @property
    def throughput(self) -> float:
        return self.updates / self.took if self.took else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def doubles(self) -> list[int]:
        return sorted(q for q, n in self.answers.items() if n > 1)

    @property
    def lost(self) -> list[int]:
        return sorted(
            q
            for q in range(1, self.updates + 1)
            if not self.answers.get(q) and q not in self.uncertain
        )

    def summary(self) -> str:
        retried = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return (
            f"{self.processes} process(es), {self.updates} updates in {self.took:.1f} s: "
            f"{self.throughput:.0f} updates/s, answer p50 {self.percentile(0.5) * 1000:.0f} ms, "
            f"p99 {self.percentile(0.99) * 1000:.0f} ms, worst {max(self.latencies or [0]):.1f} s;"
            f" answered once {sum(n == 1 for n in self.answers.values())}, "
            f"twice or more {len(self.doubles)}, lost {len(self.lost)}, "
            f"uncertain {len(self.uncertain)}, other messages {self.other_sends}; "
            f"peak {self.peak_rate} messages in a second; "
            f"posts retried {retried} "
            f"(statuses {dict(sorted(self.statuses.items()))})"
            + (
                f"; killed {self.killed} with {self.in_flight_at_kill} posts in flight"
                if self.killed
                else ""
            )
        )


class Telegram:
    """Telegram's side of a webhook: `concurrency` connections (Telegram's max_connections
    defaults to 40), each update posted until a 2xx, backing off from 50 ms to 2 s."""

    def __init__(self, url: str, concurrency: int) -> None:
        self.url, self.concurrency = url, concurrency
        self.first_post: dict[int, float] = {}
        self.statuses: Counter[int] = Counter()
        self.acknowledged = 0
        self.in_flight = 0
        self.gate = asyncio.Event()  # cleared: no new posts start (the kill is being arranged)
        self.gate.set()

    async def deliver_all(self, queued: Sequence[dict[str, Any]]) -> None:
        pending = iter(queued)
        connector = aiohttp.TCPConnector(limit=self.concurrency)
        timeout = aiohttp.ClientTimeout(total=35)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def worker() -> None:
                for update in pending:
                    await self._deliver(session, update)

            async with asyncio.TaskGroup() as tg:
                for _ in range(self.concurrency):
                    tg.create_task(worker())

    async def _deliver(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        body = json.dumps(update).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": SECRET,
        }
        backoff = 0.05
        while True:
            await self.gate.wait()
            self.first_post.setdefault(update["update_id"], time.monotonic())
            self.in_flight += 1
            try:
                async with session.post(self.url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            finally:
                self.in_flight -= 1
            self.statuses[status] += 1
            if 200 <= status < 300:
                self.acknowledged += 1
                return
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)


class Haproxy:
    """`haproxy -db` (in the foreground, logging to a file) with a stats socket, through which
    the harness waits for every process to pass its health checks."""

    def __init__(self, folder: Path, port: int, servers: Sequence[tuple[str, int, int]]) -> None:
        self.socket = folder / "haproxy.sock"
        self.config = folder / "haproxy.cfg"
        self.config.write_text(haproxy_config(port, servers, self.socket), encoding="utf-8")
        self.log = folder / "haproxy.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("haproxy") or HAPROXY_BIN
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [binary, "-db", "-f", str(self.config)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    async def stats(self) -> list[dict[str, str]]:
        """`show stat`: one row per frontend, backend and server (status, scur …)."""
        reader, writer = await asyncio.open_unix_connection(str(self.socket))
        try:
            writer.write(b"show stat\n")
            await writer.drain()
            text = (await reader.read()).decode()
        finally:
            writer.close()
        return list(csv.DictReader(io.StringIO(text.lstrip("# "))))

    async def servers_up(self) -> dict[str, str]:
        return {
            row["svname"]: row["status"]
            for row in await self.stats()
            if row["pxname"] == "bots" and row["svname"] not in ("BACKEND", "FRONTEND")
        }

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@asynccontextmanager
async def _started(
    folder: Path, database: str, processes: int, groups: int, shared: bool
) -> AsyncIterator[tuple[TimedBotApi, Haproxy, list[BotProcess], str]]:
    """The fake Telegram, HAProxy and the bot processes, up and healthy; all stopped after."""
    api = TimedBotApi()
    base_url = await api.start()
    listen = free_port()
    hook = f"http://127.0.0.1:{listen}{HOOK_PATH}"
    bots = [
        BotProcess(f"bot{n + 1}", free_port(), free_port(), folder / f"bot{n + 1}")
        for n in range(processes)
    ]
    for bot in bots:
        bot.folder.mkdir()
        (bot.folder / "config.yaml").write_text(
            bot_config(
                bot.folder, database=database, api=base_url, hook=hook,
                port=bot.port, health=bot.health, groups=groups, shared=shared,
            ),
            encoding="utf-8",
        )  # fmt: skip
    haproxy = Haproxy(folder, listen, [(b.name, b.port, b.health) for b in bots])
    try:
        haproxy.start()
        for bot in bots:
            bot.start()
        await _wait_healthy(haproxy, bots)
        yield api, haproxy, bots, hook
    finally:
        for bot in bots:
            if bot.proc and bot.proc.poll() is None:
                bot.proc.send_signal(signal.SIGTERM)
        for bot in bots:
            if bot.proc:
                try:
                    await asyncio.to_thread(bot.proc.wait, 30)
                except subprocess.TimeoutExpired:
                    bot.proc.kill()
                    await asyncio.to_thread(bot.proc.wait, 10)
        haproxy.stop()
        await api.stop()


async def _wait_healthy(haproxy: Haproxy, bots: Sequence[BotProcess], seconds: float = 120) -> None:
    """Until HAProxy's own health checks see every process UP (each process answers /healthz
    200 once Telegram is connected: here, once setWebhook went through)."""
    deadline = time.monotonic() + seconds
    state: dict[str, str] = {}
    while time.monotonic() < deadline:
        dead = [b for b in bots if b.proc is None or b.proc.poll() is not None]
        if dead:
            raise RuntimeError("a bot process exited at start:\n" + dead[0].tail())
        if haproxy.proc is None or haproxy.proc.poll() is not None:
            raise RuntimeError("HAProxy exited: " + haproxy.log.read_text(errors="replace"))
        with contextlib.suppress(OSError):
            state = await haproxy.servers_up()
            if len(state) == len(bots) and all(s == "UP" for s in state.values()):
                return
        await asyncio.sleep(0.25)
    raise RuntimeError(
        f"not every process came up within {seconds:.0f} s (HAProxy sees {state}):\n"
        + "\n".join(b.tail() for b in bots)
    )


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="scale-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def run_scale(
    database: str,
    *,
    processes: int = 3,
    chats: int = 500,
    per_chat: int = 10,
    concurrency: int = 40,
    kill: bool = True,
    groups: int = 3,
    keep: Path | None = None,
    shared: bool = True,
) -> Result:
    """One run: start everything, post every update, SIGKILL one process half way (`kill`),
    wait until each question is answered or known uncertain, and say what happened.

    `groups`: Telegram groups a reminder goes to, falling due while the updates flow (the kill
    waits for it to be sent, so that its once-only is tested apart from the kill's in-flight
    ones). `keep`: a folder to keep the logs and configs in (else a temporary one). `shared`:
    one Telegram send rate for all processes (`database.shared`, as PostgreSQL defaults to);
    False gives each process its own, as a bot without it would send."""
    queued = updates(chats, per_chat)
    with workdir() as scratch:
        folder = keep or scratch
        (folder / "schedules").mkdir(parents=True, exist_ok=True)
        if groups:
            (folder / "schedules" / "rally.yaml").write_text(
                reminder_schedule(groups, timedelta(seconds=20)), encoding="utf-8"
            )
        async with _started(folder, database, processes, groups, shared) as (
            api,
            haproxy,
            bots,
            hook,
        ):
            result = Result(processes, len(queued))
            result.set_webhook = len(api.sent("setWebhook"))
            telegram = Telegram(hook, concurrency)
            killer = None
            if kill:
                killer = asyncio.create_task(
                    _kill_half_way(telegram, api, haproxy, bots[len(bots) // 2], result, groups)
                )
            started = time.monotonic()
            try:
                await telegram.deliver_all(queued)
                if killer:
                    await killer
                await _wait_answered(api, result, database)
            finally:
                if killer and not killer.done():
                    killer.cancel()
            await asyncio.sleep(1)  # a double would come now, if ever
            last = max((t for times in api.replies.values() for t in times), default=started)
            result.took = last - min(telegram.first_post.values(), default=started)
            result.answers = {q: len(api.replies.get(q, [])) for q in range(1, len(queued) + 1)}
            result.latencies = [
                times[0] - telegram.first_post[q]
                for q, times in api.replies.items()
                if q in telegram.first_post
            ]
            result.statuses = telegram.statuses
            result.reminders = {-4000 - n: api.reminders[-4000 - n] for n in range(groups)}
            result.other_sends = len(api.other)
            result.sent_at = api.sent_at
            result.uncertain = await uncertain_updates(database)
        return result


async def _kill_half_way(
    telegram: Telegram,
    api: TimedBotApi,
    haproxy: Haproxy,
    victim: BotProcess,
    result: Result,
    groups: int,
) -> None:
    """SIGKILL `victim` once half the updates are acknowledged and the reminder is out; new
    posts wait while the reminder is late, so the kill always lands in the middle."""
    half = result.updates // 2
    while telegram.acknowledged < half:  # noqa: ASYNC110 - counts kept by another task
        await asyncio.sleep(0.02)
    if groups and sum(api.reminders.values()) < groups:
        telegram.gate.clear()
        try:
            async with asyncio.timeout(120):
                while sum(api.reminders.values()) < groups:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
        finally:
            telegram.gate.set()
        while telegram.in_flight < telegram.concurrency // 2:  # noqa: ASYNC110
            await asyncio.sleep(0.01)  # posts flowing again, so the kill catches some
    assert victim.proc is not None
    result.in_flight_at_kill = telegram.in_flight
    victim.proc.send_signal(signal.SIGKILL)
    result.killed = victim.name
    await asyncio.to_thread(victim.proc.wait, 10)


async def _wait_answered(api: TimedBotApi, result: Result, database: str) -> None:
    """Until every question has an answer or is recorded as uncertain (60 s at most: the
    assertions then say what is missing)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answered = sum(1 for q in range(1, result.updates + 1) if api.replies.get(q))
        if answered >= result.updates:
            return
        uncertain = await uncertain_updates(database)
        if answered + len(uncertain - set(api.replies)) >= result.updates:
            return
        await asyncio.sleep(0.5)


async def uncertain_updates(database: str) -> set[int]:
    """Updates a dead process left half done: their answer may or may not have gone out, and is
    never sent again. Rows still `sending`, and those a live process took over from the dead
    one (`uncertain`)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.database import async_url

    engine = create_async_engine(async_url(database))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT update_id FROM telegram_updates WHERE state IN ('sending', 'uncertain')"
                )
            )
            found = {int(row[0]) for row in rows}
    finally:
        await engine.dispose()
    return found
