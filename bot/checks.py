"""The commands that look for what a person must fix, and exit 1 when there is something:
deploy scripts, CI and monitors read the exit code, people read the lines.

`validate` checks knowledge and schedule files (file:line for each problem), `doctor` the setup
(config, tokens, database, folders), `health` the running bot, or without a health port what
`doctor --quick` can check offline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.answering.knowledge import Entry, load_knowledge
from bot.config import SECRET_ENV, Config
from bot.database import StoreError
from bot.store import Store

SEE_THEM = "run 'python -m bot validate' to see them"


def _count(n: int, one: str, many: str | None = None) -> str:
    """ "1 error", "2 errors": a count a person reads without stumbling."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def validate(config: Config, args: argparse.Namespace) -> int:
    """Each problem at its file:line, then one count on stderr; warnings fail only --strict."""
    from bot.clock import SystemClock
    from bot.reminders.schedule_files import load_schedules
    from bot.yamlcheck import Problem, ordered, yaml_files

    paths = [Path(p) for p in args.paths] or [config.knowledge_dir, config.schedules_dir]
    problems = [Problem(str(p), 0, "no such file or folder") for p in paths if not p.exists()]
    files = [f for p in paths if p.exists() for f in yaml_files(p)]
    schedules = sorted({f for f in files if _is_schedule(f)})
    knowledge = sorted(set(files) - set(schedules))
    entries = events = 0
    if knowledge or not schedules:
        loaded = load_knowledge(knowledge, stale_after=config.stale_after)
        problems += loaded.problems
        entries = len(loaded.snapshot.entries)
        if not loaded.errors:
            from bot.answering.matcher import look_alikes

            problems += look_alikes(loaded.snapshot)
        if args.pairs:
            _print_pairs(loaded.snapshot.entries)
    if schedules:
        planned = load_schedules(
            schedules,
            targets=config.targets,
            default_timezone=config.timezone,
            now=SystemClock().now(),
        )
        problems += planned.problems
        events = planned.read
    for problem in ordered(problems):
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    print(
        f"{_count(entries, 'entry', 'entries')} and {_count(events, 'event')} checked: "
        f"{_count(errors, 'error')}, {_count(warnings, 'warning')}",
        file=sys.stderr,
    )
    return 1 if errors or (args.strict and warnings) else 0


def _print_pairs(entries: Sequence[Entry]) -> None:
    from bot.answering.knowledge import pair_differences

    for entry in entries:
        print(f"== {entry.file}:{entry.line}  {entry.id}  (reviewed {entry.reviewed})")
        for lang, content in entry.texts.items():
            print(textwrap.fill(f"{lang}: {content.answer}", 100, subsequent_indent="    "))
        if "en" in entry.texts and "es" in entry.texts:
            en_only, es_only = pair_differences(entry.text("en").answer, entry.text("es").answer)
            if en_only or es_only:
                print(f"   !! figures differ: only en {sorted(en_only)}, only es {sorted(es_only)}")
        print()


def _is_schedule(file: Path) -> bool:
    """Schedule files are a mapping with `events:`; knowledge files are a list of entries."""
    try:
        head = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith("events:") for line in head.splitlines())


def doctor(config: Config, args: argparse.Namespace) -> int:
    """Before `run`: what would keep the bot from starting or working, each with its fix."""
    problems: list[str] = []
    print(f"config: {config.source or 'built-in defaults'}")
    for platform, settings in (("telegram", config.telegram), ("discord", config.discord)):
        if settings.enabled:
            state = "set" if config.token(platform) else "MISSING"
            print(f"{platform}: enabled, token {state}")
            if not config.token(platform):
                env = SECRET_ENV[platform]
                problems.append(f"{platform} is enabled but {env} is not set in the environment")
    if config.telegram.enabled and config.telegram.mode == "webhook":
        problems += _webhook_problems(config)
    knowledge = load_knowledge([config.knowledge_dir], stale_after=config.stale_after)
    print(
        f"knowledge: {config.knowledge_dir}: {len(knowledge.snapshot.entries)} entries, "
        f"{_count(len(knowledge.errors), 'error')}, {_count(len(knowledge.warnings), 'warning')}"
    )
    if knowledge.errors:
        problems.append(f"knowledge has errors: {SEE_THEM}")
    from bot.clock import SystemClock
    from bot.reminders.schedule_files import load_schedules

    planned = load_schedules(
        [config.schedules_dir],
        targets=config.targets,
        default_timezone=config.timezone,
        now=SystemClock().now(),
    )
    print(
        f"schedules: {config.schedules_dir}: {len(planned.events)} events, "
        f"{_count(len(planned.errors), 'error')}, {_count(len(planned.warnings), 'warning')}"
    )
    if planned.errors:
        problems.append(f"schedules have errors: {SEE_THEM}")
    for name, folder in (("knowledge", config.knowledge_dir), ("schedules", config.schedules_dir)):
        if not folder.is_dir():
            problems.append(f"{name}.path: the folder {folder} does not exist")
    if not args.quick:
        try:

            async def check() -> str:
                async with Store(config.database_url) as store:
                    return store.describe()

            print(f"database: {asyncio.run(check())}: ok")
        except StoreError as exc:
            problems.append(str(exc))
        for problem in _token_problems(config):  # a refused token is said here, not only at run
            problems.append(problem)
    enabled = [p for p in ("telegram", "discord") if getattr(config, p).enabled]
    print(f"would start: {', '.join(enabled) or 'console'}")
    for problem in problems:
        print(f"fix: {problem}", file=sys.stderr)
    return 1 if problems else 0


TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ports Telegram posts to


def _webhook_problems(config: Config) -> list[str]:
    """Webhook mode: what Telegram would refuse (setWebhook's rules), and the secret."""
    from urllib.parse import urlsplit

    hook = config.telegram.webhook
    secret = "set" if config.token("telegram_webhook") else "MISSING"
    print(
        f"telegram: webhook mode, Telegram posts to {hook.url}; serving {hook.path} on "
        f"{hook.listen}:{hook.port}, secret {secret}"
    )
    problems = []
    if (problem := config.webhook_secret_problem()) is not None:
        problems.append(problem)
    address = urlsplit(hook.url or "")
    if address.scheme != "https":
        problems.append(
            "telegram.webhook.url: Telegram posts only to https:// addresses; put a reverse "
            "proxy with a certificate in front and give its address"
        )
    try:
        public_port = address.port or (443 if address.scheme == "https" else 80)
    except ValueError:
        public_port = None
    if public_port not in TELEGRAM_WEBHOOK_PORTS:
        ports = ", ".join(map(str, TELEGRAM_WEBHOOK_PORTS))
        problems.append(
            f"telegram.webhook.url: Telegram posts only to ports {ports}; the proxy listens on "
            f"one of them and forwards to telegram.webhook.port ({hook.port})"
        )
    return problems


def _token_problems(config: Config) -> list[str]:
    """Ask each enabled platform whether it accepts its token (one request each)."""
    problems = []
    for platform in ("telegram", "discord"):
        token = config.token(platform)
        if not (getattr(config, platform).enabled and token):
            continue
        if platform == "telegram":
            from bot.adapters.telegram_bot_api import token_problem
        else:
            from bot.adapters.discord_adapter import token_problem
        refused = asyncio.run(token_problem(config, token))
        print(f"{platform}: token {'accepted' if refused is None else 'NOT accepted'}")
        if refused:
            problems.append(refused)
    return problems


def health(config: Config, args: argparse.Namespace) -> int:
    """Asks the running bot (its /healthz) when it has one; else checks what can be checked
    without it, as doctor --quick does."""
    if not config.health_port:
        print("health.port is not set: no running bot to ask; offline checks only")
        args.quick = True
        return doctor(config, args)
    import urllib.error
    import urllib.request

    anywhere = config.health_listen in ("0.0.0.0", "::")  # noqa: S104 - read, not bound
    host = "127.0.0.1" if anywhere else config.health_listen
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    url = f"http://{host}:{config.health_port}/healthz"
    try:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                found = json.load(response)
        except urllib.error.HTTPError as exc:  # 503: it answered, and is not healthy
            found = json.load(exc)
        shown = _show_health(found)
    except (OSError, ValueError) as exc:
        print(f"the bot does not answer at {url} ({exc}): is it running?")
        return 1
    except (KeyError, TypeError, AttributeError):
        print(f"something else answers at {url} (not this bot's /healthz): check health.port")
        return 1
    return 0 if shown else 1


def _show_health(found: dict[str, Any]) -> bool:
    """The /healthz answer for a person; True when healthy."""
    for name, state in found["adapters"].items():
        print(f"{name}: {state}")
    print(f"database: {found['database']}")
    knowledge = found["knowledge"]
    print(
        f"knowledge: {knowledge['entries']} entries; last reload "
        f"{knowledge.get('last_reload', 'ok')} ({_count(knowledge['errors'], 'error')})"
    )
    print(f"last reminder sweep: {found['last_sweep'] or 'not yet'}")
    for problem in found.get("problems", []):
        print(f"problem: {problem}")
    healthy = found["healthy"] is True
    print("healthy" if healthy else "NOT healthy")
    return healthy
