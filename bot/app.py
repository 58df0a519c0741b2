"""The composition root: build(config) wires everything; serve() runs it until told to stop."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters.base import Adapter, Connects
from bot.answering.knowledge import KnowledgeHolder
from bot.answering.matcher import Matcher
from bot.answering.semantic import Stopped
from bot.chat.chat_commands import reload_report
from bot.chat.commands import COMMANDS
from bot.chat.comment_coach import CommentCoach
from bot.chat.core import Core
from bot.chat.event_commands import EventCommands
from bot.clock import Clock, SystemClock
from bot.config import Config, redact, resolve_target
from bot.messages import ChannelRef, Reply
from bot.reminders.calendar import Reminders
from bot.reminders.outbox import Outbox
from bot.reminders.scheduler import Scheduler
from bot.store import Store
from bot.updates_once import KEPT, UpdatesOnce
from bot.yamlcheck import yaml_files

log = logging.getLogger(__name__)

WATCH_INTERVAL = 2.0  # seconds between looks at the knowledge files
PURGE_INTERVAL = 6 * 3600.0
SHUTDOWN_GRACE = 3.0  # seconds sends in flight get after SIGTERM; exit stays well within 10 s


@dataclass
class App:
    config: Config
    core: Core
    store: Store
    knowledge: KnowledgeHolder
    adapters: Sequence[Adapter]
    clock: Clock
    reminders: Reminders
    scheduler: Scheduler
    # adapter name → connecting, connected, running (the console), retrying (why),
    # reconnecting (why) or off (why)
    status: dict[str, str] = field(default_factory=dict)

    def adapter(self, name: str) -> Adapter | None:
        return next((a for a in self.adapters if a.name == name), None)

    async def notify(self, target: str | None, text: str) -> None:
        """The bot's own notices (to moderators, organizers). One that reaches no chat (no
        target set, or only platforms that are not running) is logged whole and shown on the
        console when it runs: the operator's terminal is where someone will read it."""
        channels = resolve_target(self.config, target) if target else []
        if not channels:
            log.warning("notice with no target configured:\n%s", text)
        delivered = False
        for channel in channels:
            adapter = self.adapter(channel.platform)
            if adapter is None:
                log.warning("notice target on %s, which is not running", channel.platform)
                continue
            try:
                await adapter.send(channel, Reply(text))
                delivered = True
            except Exception:
                log.exception("could not deliver a notice on %s", channel.platform)
        if delivered:
            return
        if channels:
            log.warning("notice reached no chat:\n%s", text)
        console = self.adapter("console")
        if console is not None and all(c.platform != "console" for c in channels):
            try:
                await console.send(ChannelRef("console", "console"), Reply(text))
            except Exception:
                log.exception("could not show a notice on the console")


def build(
    config: Config,
    *,
    clock: Clock | None = None,
    adapters: Sequence[Adapter] | None = None,
) -> App:
    clock = clock or SystemClock()
    store = Store(config.database_url)
    matcher = Matcher(config.matcher)
    knowledge = KnowledgeHolder(
        [config.knowledge_dir], stale_after=config.stale_after, on_swap=matcher.prepare
    )
    core = Core(config, knowledge, matcher, store, clock)
    notices = Notices()
    adapters = adapters if adapters is not None else adapters_from(config, core, notices)
    outbox = Outbox(store, {a.name: a for a in adapters}, clock)
    reminders = Reminders(config, store, outbox, clock)
    scheduler = Scheduler(reminders)
    reminders.on_change = scheduler.plan
    EventCommands(core, reminders)
    CommentCoach(core, reminders)
    notices.app = App(config, core, store, knowledge, adapters, clock, reminders, scheduler)
    return notices.app


def adapters_from(config: Config, core: Core, notices: Notices) -> list[Adapter]:
    """Every adapter the config enables and has a token for; the console when none is, or
    when standard input is a terminal or a pipe (an operator trying the bot)."""
    adapters: list[Adapter] = []
    store = core.store

    async def blocked(channel: ChannelRef) -> None:
        """A person blocked the bot (or left every shared server): stop writing to them."""
        if store:
            await store.unsubscribe(channel.platform, channel.chat_id)
        log.info("a %s user cannot be reached any more; unsubscribed", channel.platform)

    token = config.token("telegram")
    if config.telegram.enabled and token:
        from bot.adapters.telegram_adapter import TelegramAdapter  # imported only when used

        webhook = config.telegram.mode == "webhook"
        secret_ok = webhook and config.webhook_secret_problem() is None  # else it says why
        adapters.append(
            TelegramAdapter(
                config,
                token,
                on_blocked=blocked,
                on_notice=notices.organizers,
                on_moved=functools.partial(notices.chat_moved, "telegram"),
                commands=COMMANDS,
                updates=UpdatesOnce(store, core.clock, config.telegram.webhook.lease)
                if webhook and store
                else None,
                webhook_secret=config.token("telegram_webhook") if secret_ok else None,
            )
        )
    elif config.telegram.enabled:
        log.error("telegram is enabled but TELEGRAM_BOT_TOKEN is not set; not starting it")
    token = config.token("discord")
    if config.discord.enabled and token:
        from bot.adapters.discord_adapter import DiscordAdapter  # imported only when used

        adapters.append(
            DiscordAdapter(
                config,
                token,
                complete=core.complete,
                on_blocked=blocked,
                on_notice=notices.organizers,
                commands=COMMANDS,
            )
        )
    elif config.discord.enabled:
        log.error("discord is enabled but DISCORD_TOKEN is not set; not starting it")
    from bot.adapters.console import ConsoleAdapter, interactive, quit_process, stdin_readable

    # the console when no platform runs, and beside them when someone can type or pipe to it
    if not adapters or stdin_readable():
        at_terminal = interactive()  # Ctrl-D quits there; elsewhere reminders go on
        adapters.append(
            ConsoleAdapter(prompt=at_terminal, on_eof=quit_process if at_terminal else None)
        )
    return adapters


class Notices:
    """The bot's own notices, for adapters built before the App that delivers them."""

    def __init__(self) -> None:
        self.app: App | None = None

    async def organizers(self, text: str) -> None:
        if self.app:
            await self.app.notify(self.app.config.notify.get("organizers"), text)

    async def chat_moved(self, platform: str, old: str, new: str) -> None:
        if self.app:
            await self.app.reminders.outbox.chat_moved(platform, old, new)


async def serve(
    app: App, stop: asyncio.Event, *, reminders: bool = True, ready: asyncio.Event | None = None
) -> None:
    """Run until `stop` is set. Each platform connects on its own (`_supervise`): one that
    cannot be reached never takes the others or the reminders down.

    With `reminders=False` (the `chat` command) events are read for /next and /events, but
    nothing is scheduled and APScheduler is never imported.
    """
    async with app.store:
        # From the start: a stop during the catch-up at start drains that broadcast too.
        draining = asyncio.create_task(_drain_when(stop, app), name="drain")
        try:
            seen = await asyncio.to_thread(_signature, app.knowledge.paths)
            result = await asyncio.to_thread(app.knowledge.reload)
            for problem in result.problems:
                log.warning("knowledge: %s", problem)
            for adapter in app.adapters:  # the catch-up at start waits for them to connect
                if isinstance(adapter, Connects) and not adapter.connected.is_set():
                    app.reminders.down.add(adapter.name)
            if reminders:
                await app.scheduler.start()
            else:
                await app.reminders.load()
            async with asyncio.TaskGroup() as tg:
                tasks = [tg.create_task(_supervise(app, a), name=a.name) for a in app.adapters]
                tasks.append(tg.create_task(_watch_knowledge(app, seen), name="knowledge-watch"))
                tasks.append(tg.create_task(_purge_old_questions(app), name="purge"))
                if app.config.health_port:
                    from bot.health import serve_health

                    health = serve_health(app, app.config.health_listen, app.config.health_port)
                    tasks.append(tg.create_task(health, name="health"))
                model = tg.create_task(_load_model(app), name="model")
                tasks.append(model)
                if ready:  # ready: every platform connected, answering with words and meaning
                    await model
                    for adapter in app.adapters:
                        if (connected := getattr(adapter, "connected", None)) is not None:
                            await connected.wait()
                    ready.set()
                await stop.wait()
                await draining  # the adapters stay up while sends in flight finish
                for task in tasks:
                    task.cancel()
        finally:
            app.core.matcher.stopping.set()  # a cold cache's embedding must not hold the exit
            draining.cancel()  # still waiting when leaving early (an adapter crashed)
            await app.scheduler.stop()  # cancels a tick in progress
            await app.reminders.outbox.close(grace=0)  # its deliveries write their rows
            await app.core.settle()


async def main(app: App) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(app, stop)
    log.info("stopped; database closed")


async def _supervise(app: App, adapter: Adapter) -> None:
    """Run one adapter. A platform that cannot be reached (its API down, a wrong base_url) is
    tried again after `reconnect.first`, doubling up to `reconnect.max`, with jitter so several
    bots do not retry in step; one whose token is refused stays off (the adapter says what to
    fix). Each change of state is logged once and kept in `app.status` for health; while the
    platform is not connected its reminders wait unclaimed (`Reminders.down`), and go out as
    soon as it is back, within the grace."""
    name = adapter.name
    if not isinstance(adapter, Connects):  # the console: nothing to reach
        app.status[name] = "running"
        await adapter.run(app.core.handle)
        app.status[name] = "off (stopped)"
        return
    first = app.config.reconnect_first.total_seconds()
    most = max(first, app.config.reconnect_most.total_seconds())
    delay = first
    app.status[name] = "connecting"  # its reminders already wait: serve marked it down
    adapter.on_link = functools.partial(_linked, app, name)
    try:
        while True:
            try:
                await adapter.run(app.core.handle)
            except Exception as exc:  # it could not connect, or lost its connection
                was_up = adapter.connected.is_set() or app.status[name] == "connected"
                adapter.connected.clear()
                app.reminders.down.add(name)
                if was_up:
                    delay = first
                wait = delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not secrecy
                why = redact(str(exc) or type(exc).__name__)
                again = app.status[name].startswith("retrying")  # said when it began
                level = logging.DEBUG if again else logging.WARNING
                log.log(level, "%s: cannot reach the API (%s); retrying in %.0f s", name, why, wait)
                app.status[name] = f"retrying ({why})"[:300]
                await asyncio.sleep(wait)
                delay = min(delay * 2, most)
                continue
            adapter.connected.clear()
            app.reminders.down.add(name)
            app.status[name] = f"off ({adapter.stopped or 'stopped: see the log'})"
            return
    finally:
        adapter.on_link = None  # a client closing at shutdown is no news


def _linked(app: App, name: str, up: bool, why: str) -> None:
    """A platform connected, or lost its connection while its library reconnects."""
    if up:
        app.reminders.down.discard(name)
        app.status[name] = "connected"
        log.info("%s: connected", name)
        app.scheduler.poke()  # its reminders held while it was down
    else:
        app.reminders.down.add(name)
        app.status[name] = f"reconnecting ({redact(why)})"[:300]
        log.warning("%s: lost the connection (%s)", name, why)


async def _load_model(app: App) -> None:
    """The embedding model, off the event loop: until it is ready, words alone answer."""
    matcher = app.core.matcher
    try:
        if await asyncio.to_thread(matcher.load_model):
            await asyncio.to_thread(matcher.prepare, app.knowledge.snapshot)
            log.info("answering with words and meaning (%s)", matcher.config.model)
    except Stopped:
        log.info("stopped before the model was ready")
    except Exception:  # the model is a help, never a reason to stop serving
        log.exception("semantic index not built; answering with words alone")


async def _drain_when(stop: asyncio.Event, app: App) -> None:
    """Shutdown, step one: claim no more reminders; sends in flight get a few seconds to
    finish (then they are uncertain), claims not yet sent are released for the next start."""
    await stop.wait()
    log.info("stopping: sends in flight get %.0f s to finish", SHUTDOWN_GRACE)
    await app.reminders.outbox.close(SHUTDOWN_GRACE)


def _signature(paths: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    files = [f for p in paths for f in yaml_files(p)]
    out = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)


async def _watch_knowledge(app: App, seen: tuple[tuple[str, int, int], ...]) -> None:
    """Reload when a knowledge file changes; tell moderators when the new files are broken."""
    while True:
        await asyncio.sleep(WATCH_INTERVAL)
        current = await asyncio.to_thread(_signature, app.knowledge.paths)
        if current == seen:
            continue
        seen = current
        report = await reload_report(app.knowledge, "en")
        log.info("knowledge files changed: %s", report.splitlines()[0])
        if app.knowledge.last_problems and any(
            p.severity == "error" for p in app.knowledge.last_problems
        ):
            await app.notify(app.config.notify.get("moderators"), report)


async def _purge_old_questions(app: App) -> None:
    """Unanswered questions are kept for `knowledge.retention`, then deleted; so are the rows
    of Telegram updates older than a day (webhook mode), which Telegram can no longer send."""
    while True:
        before = app.clock.now().date() - app.config.retention
        try:
            await app.store.purge_unanswered(before)
        except Exception:
            log.exception("purging old questions failed; will retry")
        try:
            await app.store.purge_updates(app.clock.now() - KEPT)
        except Exception:
            log.exception("purging old telegram updates failed; will retry")
        await asyncio.sleep(PURGE_INTERVAL)
