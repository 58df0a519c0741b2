"""`python -m bot <command>`: the command-line contract in DESIGN.md. Here are the parser,
logging and the commands that run or ask the bot; the checks (validate, doctor, health) are in
`bot.checks`.

`ask`, `validate`, `report` and `chat` import no platform library and no scheduler, so they
start fast; `run` imports the adapters the config enables.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from bot import checks, publish
from bot.answering.knowledge import KnowledgeHolder, load_knowledge
from bot.answering.matcher import Matcher
from bot.config import Config, ConfigError, load_config, redact
from bot.database import StoreError
from bot.store import Store

if TYPE_CHECKING:
    pass

PROG = "python -m bot"


class _Parser(argparse.ArgumentParser):
    """A mistyped command or option gets one line with a hint, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        hint = ""
        if "invalid choice:" in message:
            wrong = message.split("invalid choice:", 1)[1].split("'")[1]
            close = get_close_matches(wrong, COMMANDS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
        elif "unrecognized arguments:" in message:
            wrong = message.split(":", 1)[1].split()[0]
            parsers = [self] + [
                p
                for a in self._actions
                if isinstance(a, argparse._SubParsersAction)
                for p in a.choices.values()
            ]
            options = sorted({o for p in parsers for a in p._actions for o in a.option_strings})
            close = get_close_matches(wrong, options, n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
        self.exit(2, f"{self.prog}: {message}.{hint} See '{self.prog} --help'.\n")


class _Redacting(logging.Formatter):
    """One line per event, and tokens never reach it, whoever logs them (PTB logs its API URL
    at DEBUG). A traceback or a multi-line message keeps to its line, each newline written as a
    backslash and an n, so every line a log tool reads is one whole event."""

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        return line.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


COMMANDS = (
    "run",
    "chat",
    "ask",
    "validate",
    "ics",
    "site",
    "flyer",
    "report",
    "doctor",
    "health",
)


def _parser() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        help="settings file (default: config.yaml if present, else the built-in defaults)",
    )
    parser = _Parser(prog=PROG, description="forum-prep-bot: SB 54, TRUTH Act and BOS answers.")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    sub.add_parser("run", parents=[common], help="start every adapter the config enables")
    sub.add_parser(
        "chat", parents=[common], help="talk to the bot in this terminal (or pipe questions)"
    )
    ask = sub.add_parser(
        "ask",
        parents=[common],
        help="answer one question, or one per line of stdin",
        description="The words joined are one question; with none, one question per stdin line.",
    )
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--lang", choices=("en", "es"), help="answer in this language")
    ask.add_argument(
        "--record", action="store_true", help="record unanswered questions for `report`"
    )
    ask.add_argument("words", nargs="*", help="the question")
    validate = sub.add_parser(
        "validate", parents=[common], help="check knowledge files; file:line for each problem"
    )
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: the config's)"
    )
    validate.add_argument("--strict", action="store_true", help="warnings fail too")
    validate.add_argument(
        "--pairs",
        action="store_true",
        help="print each entry's English and Spanish answers side by side, for a bilingual review",
    )
    publish.add_parsers(sub, common)
    sub.add_parser(
        "report", parents=[common], help="unanswered questions, unhelpful and stale answers"
    )
    sub.add_parser(
        "health",
        parents=[common],
        help="how the running bot is doing (its /healthz when health.port is set; otherwise "
        "the offline checks of doctor --quick); exit 1 when not healthy",
    )
    doctor = sub.add_parser(
        "doctor", parents=[common], help="check config, secrets, database, knowledge"
    )
    doctor.add_argument("--quick", action="store_true", help="skip the database check")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    # A person typing to the console should see answers, not log lines; servers log at INFO.
    console_only = not (config.telegram.enabled or config.discord.enabled)
    interactive_run = args.command == "run" and console_only and sys.stdin.isatty()
    quiet = interactive_run or args.command in (
        "ask",
        "validate",
        "ics",
        "site",
        "report",
        "doctor",
        "chat",
        "flyer",
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Redacting("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING if quiet else config.log_level, handlers=[handler])
    # Libraries log whole updates (message text with user ids) at DEBUG, and httpx logs every
    # request URL (Telegram's contain the token) at INFO: they never go below these levels.
    for library, floor in (
        ("telegram", "INFO"),
        ("discord", "INFO"),
        ("discord.client", "WARNING"),  # "logging in using static token" at every retry
        ("aiosqlite", "INFO"),
        ("httpcore", "WARNING"),
        ("httpx", "WARNING"),
    ):
        logging.getLogger(library).setLevel(floor)
    try:
        return int(_COMMANDS[args.command](config, args))
    except StoreError as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _run(config: Config, args: argparse.Namespace) -> int:
    from bot.app import build, main

    asyncio.run(main(build(config)))
    return 0


def _chat(config: Config, args: argparse.Namespace) -> int:
    from bot.adapters.console import ConsoleAdapter
    from bot.app import build, serve

    async def chat() -> None:
        stop = asyncio.Event()
        console = ConsoleAdapter(on_eof=stop.set, prompt=sys.stdin.isatty())
        await serve(build(config, adapters=[console]), stop, reminders=False)

    asyncio.run(chat())
    return 0


def _ask(config: Config, args: argparse.Namespace) -> int:
    from bot.adapters.base import plain_text
    from bot.chat.core import Core

    knowledge = KnowledgeHolder.load([config.knowledge_dir], stale_after=config.stale_after)
    matcher = Matcher(config.matcher)
    if matcher.load_model():
        matcher.prepare(knowledge.snapshot)
    questions: TextIO | list[str] = [" ".join(args.words)] if args.words else sys.stdin
    store = Store(config.database_url) if args.record else None
    core = Core(config, knowledge, matcher, store)

    async def answer_all() -> None:
        if store:
            await store.open()
        try:
            for raw in questions:
                question = raw.rstrip("\r\n")
                match, reply = core.respond(question, args.lang)
                if store and match and not match.matched and match.band != "referral":
                    await core.record_unanswered(match)
                if not args.json:
                    print(plain_text(reply), end="\n\n")
                    continue
                print(
                    json.dumps(
                        {
                            "question": question,
                            "matched": bool(match and match.matched),
                            "band": match.band if match else "none",
                            "id": match.best.entry.id
                            if match and match.matched and match.best
                            else None,
                            "answer": reply.text
                            if match and match.matched
                            else plain_text(reply, sources=False),
                            "score": round(match.score, 4) if match else 0.0,
                            "lang": reply.lang,
                            "suggestions": [
                                b.label for b in reply.buttons if b.action.startswith("ask:")
                            ]
                            if not (match and match.matched)
                            else [],
                        },
                        ensure_ascii=False,
                    )
                )
        finally:
            if store:
                await store.close()

    asyncio.run(answer_all())
    sys.stdout.flush()
    return 0


def _report(config: Config, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.schema import TO_CHECK, DeliveryStatus

    async def read() -> tuple[Any, ...]:
        async with Store(config.database_url) as store:
            await store.purge_unanswered(SystemClock().now().date() - config.retention)
            deliveries = await store.deliveries_by_status(*TO_CHECK)
            return (
                await store.top_unanswered(),
                await store.top_choices(),
                await store.most_unhelpful(),
                deliveries,
            )

    questions, chosen, unhelpful, deliveries = asyncio.run(read())
    stale = [
        str(p)
        for p in load_knowledge([config.knowledge_dir], stale_after=config.stale_after).warnings
        if "older than" in p.message
    ]
    sections = [
        (
            "Questions the bot could not answer (most frequent first):",
            [f"{q.count:>5}  [{q.lang}] {q.text}" for q in questions],
        ),
        (
            'After "Did you mean": the question and the entry people chose (aliases to add):',
            [f"{q.count:>5}  [{q.lang}] {q.text}  ->  {entry}" for q, entry in chosen],
        ),
        (
            "Answers people marked not helpful (most first):",
            [f"{no:>5} not helpful, {yes} helpful: {entry}" for entry, no, yes in unhelpful],
        ),
        (f"Entries to re-check (reviewed over {config.stale_after.days} days ago):", stale),
        (
            "Reminders not known to be delivered (uncertain, failed, skipped):",
            [
                f"{DeliveryStatus(d['status']).shown}: {d['event_id']} "
                f"at {d['occurrence']} to {d['destination']}"
                for d in deliveries
            ],
        ),
    ]
    for number, (title, lines) in enumerate(sections):
        print(("\n" if number else "") + title)
        print("\n".join(f"  {line}" for line in lines) if lines else "  (none)")
    return 0


_COMMANDS = {
    "run": _run,
    "chat": _chat,
    "ask": _ask,
    "validate": checks.validate,
    "ics": publish.write_ics,
    "site": publish.write_site,
    "report": _report,
    "doctor": checks.doctor,
    "health": checks.health,
    "flyer": publish.write_flyer,
}
