"""Several `python -m bot run` processes on one database (`database.shared`), as behind a load
balancer: a chat's next message may reach another process, and it must answer as if it were
the same bot. Each Core here is one process's, built by the real `build` on one database."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.telegram_adapter import TelegramAdapter
from bot.adapters.telegram_bot_api import GROUP_INTERVAL, SEND_INTERVAL, SharedRateLimiter
from bot.app import build
from bot.chat.core import Core
from bot.config import Config, ConfigError, PlatformConfig, from_mapping
from bot.messages import ChannelRef, Incoming, Reply
from bot.send_budget import SendBudget
from bot.store import Store
from tests.conftest import ROOT, FakeClock
from tests.fakes.bot_api import FakeBotApi, error
from tests.test_cli import doctor

CHAT = ChannelRef("telegram", "42", private=True)


@asynccontextmanager
async def processes(
    config: Config, clock: FakeClock, *, shared: bool = True
) -> AsyncIterator[tuple[Core, Core]]:
    config = replace(config, database_shared=shared)
    apps = [build(config, clock=clock, adapters=[]) for _ in range(2)]
    async with AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.store)
            await asyncio.to_thread(app.knowledge.reload)
        yield apps[0].core, apps[1].core
        for app in apps:
            await app.core.settle()


async def say(core: Core, text: str = "", *, action: str | None = None) -> Reply:
    (reply,) = await core.handle(Incoming(CHAT, "7", text, language="en", action=action))
    return reply


async def test_a_language_chosen_on_one_process_is_used_by_the_other(
    config: Config, clock: FakeClock
) -> None:
    async with processes(config, clock) as (a, b):
        assert (await say(a, "what is sb54")).lang == "en"  # a has read "no choice" once
        assert (await say(b, "/lang es")).lang == "es"
        assert (await say(a, "what is sb54")).lang == "es"
        await say(a, "/lang en")
        assert (await say(b, "what is sb54")).lang == "en"


async def test_sources_and_wrong_refer_to_the_answer_another_process_gave(
    config: Config, clock: FakeClock
) -> None:
    async with processes(config, clock) as (a, b):
        answer = await say(a, "what is sb54")
        assert answer.sources
        sources = await say(b, "/sources")
        assert sources.sources == answer.sources
        assert "moderator will look" in (await say(b, "/wrong")).text
        assert b.store
        (entry_id, no, _yes), *_ = await b.store.most_unhelpful()
        assert no == 1
        assert a.knowledge.snapshot.by_id[entry_id].sources == answer.sources
        clock.advance(days=1, seconds=1)  # a day later, "last answer" means nothing any more
        assert "Ask me something first" in (await say(a, "/sources")).text


async def test_a_suggestion_offered_by_one_process_is_counted_when_tapped_on_another(
    config: Config, clock: FakeClock
) -> None:
    async with processes(config, clock) as (a, b):
        offer = await say(a, "comment")
        action = next(btn.action for btn in offer.buttons if btn.action.startswith("ask:"))
        answer = await say(b, action=action)
        assert answer.sources, "the tapped suggestion is answered"
        await say(a, action=action)  # tapped twice: answered again, counted once
        await b.settle()
        assert b.store
        ((asked, chosen),) = await b.store.top_choices()
        assert (asked.text, asked.count) == ("comment", 1)
        assert action.startswith(f"ask:{chosen}:")


async def test_forget_on_one_process_forgets_the_last_answer_for_all(
    config: Config, clock: FakeClock
) -> None:
    async with processes(config, clock) as (a, b):
        await say(a, "what is sb54")
        await say(b, "/forget")
        assert "Ask me something first" in (await say(a, "/sources")).text


async def test_one_process_keeps_chat_memory_out_of_the_database(
    config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    """SQLite's default: the last answer and the offers live in memory, as before."""
    async with processes(config, clock, shared=False) as (a, _):
        assert (await say(a, "what is sb54")).sources
        assert (await say(a, "/sources")).sources
        offer = await say(a, "comment")
        action = next(btn.action for btn in offer.buttons if btn.action.startswith("ask:"))
        assert (await say(a, action=action)).sources
    db = sqlite3.connect(tmp_path / "bot.db")
    assert db.execute("SELECT count(*) FROM last_answers").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM offers").fetchone() == (0,)


def most_in_one_second(moments: list[float]) -> int:
    """The largest number of moments in any sliding second: how Telegram counts."""
    ordered = sorted(moments)
    return max(sum(1 for m in ordered if t <= m < t + 1) for t in ordered)


async def test_two_processes_share_one_send_rate(tmp_path: Path) -> None:
    """Sixty sends asked for at once by two processes go out at most 29 in any second, and a
    group's at most 19 a minute, as one process alone would send them."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    now = 1_800_000_000.0  # a fixed clock: the moments are counted, not waited for

    async def no_wait(_seconds: float) -> None:
        await asyncio.sleep(0)

    async with Store(url) as first, Store(url) as second:
        budgets = [SendBudget(store, now=lambda: now, sleep=no_wait) for store in (first, second)]
        moments = await asyncio.gather(
            *(budget("telegram", SEND_INTERVAL) for budget in budgets for _ in range(30))
        )
        group = await asyncio.gather(
            *(budget("telegram:-100", GROUP_INTERVAL) for budget in budgets for _ in range(20))
        )
    assert len(set(moments)) == 60, "no moment is given twice"
    assert most_in_one_second(moments) <= 29
    assert max(moments) - min(moments) < 2.1, "and no slower than that"
    assert max(sum(1 for m in group if t <= m < t + 60) for t in group) <= 19


async def test_two_telegram_processes_together_stay_under_the_flood_limit(
    config: Config, tmp_path: Path
) -> None:
    """Through python-telegram-bot: two processes, each with its own limiter at Telegram's
    rate, send a burst of replies at once; with the shared budget the Bot API answers none of
    them with 429 (without it, two processes send twice the rate)."""
    api = FakeBotApi(per_second=30)
    config = replace(config, telegram=PlatformConfig(enabled=True, base_url=await api.start()))
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    try:
        async with Store(url) as first, Store(url) as second:
            adapters = [
                TelegramAdapter(config, "123:TEST", budget=SendBudget(store))
                for store in (first, second)
            ]
            async with adapters[0].application, adapters[1].application:
                await asyncio.gather(
                    *(
                        adapter.send(ChannelRef("telegram", str(1000 + n)), Reply(f"reply {n}"))
                        for adapter in adapters
                        for n in range(25)
                    )
                )
    finally:
        await api.stop()
    assert len(api.delivered) == 50
    assert api.too_many == 0


async def test_run_shares_the_telegram_rate_only_when_the_database_is_shared(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:TEST")
    config = replace(config, telegram=PlatformConfig(enabled=True))
    for shared in (True, False):
        app = build(replace(config, database_shared=shared))
        telegram = app.adapter("telegram")
        assert isinstance(telegram, TelegramAdapter)
        limiter = telegram.application.bot.rate_limiter
        assert isinstance(limiter, SharedRateLimiter) is shared


DRAFT = (
    "Good evening, supervisors. My name is Ana and I live in the district. "
    "I ask you to keep the county's promise under the California Values Act. " * 3
)


async def test_a_draft_that_reaches_another_process_is_timed_never_taken_for_a_question(
    config: Config, clock: FakeClock
) -> None:
    async with processes(config, clock) as (a, b):
        assert "Send your draft" in (await say(a, "/comment draft")).text
        timed = await say(b, DRAFT)
        assert "words: about" in timed.text
        assert (await say(a, "what is sb54")).sources, "the next message is a question again"
        assert b.store
        await b.settle()
        assert await b.store.top_unanswered() == [], "no draft in the questions report"


async def test_a_draft_cancelled_on_another_process_is_no_longer_awaited(
    config: Config, clock: FakeClock
) -> None:
    async with processes(config, clock) as (a, b):
        await say(a, "/comment draft")
        assert "stopped the comment coach" in (await say(b, "/cancel")).text
        assert (await say(a, "what is sb54")).sources


def test_doctor_says_when_the_database_is_shared(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\n"
        f"database: {{url: 'sqlite:///{tmp_path / 'bot.db'}', shared: true}}\n",
        encoding="utf-8",
    )
    done = doctor(config)
    assert "database.shared: yes" in done.stdout, done.stderr


def test_a_postgresql_database_is_taken_as_shared_unless_said_otherwise(tmp_path: Path) -> None:
    def shared(database: dict[str, object]) -> bool:
        return from_mapping({"database": database}, tmp_path).database_shared

    assert shared({"url": "postgresql://bot@db/bot"}) is True
    assert shared({"url": "postgresql://bot@db/bot", "shared": False}) is False
    assert shared({"url": "sqlite:///data/bot.db"}) is False
    assert shared({"url": "sqlite:///data/bot.db", "shared": True}) is True
    with pytest.raises(ConfigError, match=r"database\.shared: expected true or false"):
        shared({"shared": "yes"})


async def test_a_retry_after_told_to_one_process_holds_the_others_too(
    config: Config, tmp_path: Path
) -> None:
    """Telegram answers one process 429 "retry after 1": the other process's next send is
    given a moment after that second too, not only the process that was told."""
    api = FakeBotApi(failures=[error(429, "Too Many Requests: retry after 1", retry_after=1)])
    config = replace(config, telegram=PlatformConfig(enabled=True, base_url=await api.start()))
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    try:
        async with Store(url) as first, Store(url) as second:
            budget = SendBudget(first)
            told = TelegramAdapter(config, "123:TEST", budget=budget)
            # the other process asks once the told one has shared the hold (asking as soon as
            # the 429 was answered raced the hold's write on a busy machine)
            held = asyncio.Event()
            share = budget.hold

            async def hold_and_note(scope: str, seconds: float) -> None:
                await share(scope, seconds)
                held.set()

            budget.hold = hold_and_note  # type: ignore[method-assign]
            async with told.application:
                before = time.time()
                sending = asyncio.create_task(told.send(ChannelRef("telegram", "7"), Reply("hi")))
                async with asyncio.timeout(5):
                    await held.wait()
                other = await SendBudget(second)("telegram", SEND_INTERVAL)
                await sending  # the told process retried on its own
    finally:
        await api.stop()
    assert other >= before + 1
    assert len(api.delivered) == 1


async def test_a_hold_never_shortens_the_queue_of_sends(tmp_path: Path) -> None:
    now = 1_800_000_000.0

    async def no_wait(_seconds: float) -> None:
        await asyncio.sleep(0)

    async with (
        Store(f"sqlite:///{tmp_path / 'bot.db'}") as first,
        Store(f"sqlite:///{tmp_path / 'bot.db'}") as second,
    ):
        told, other = (SendBudget(s, now=lambda: now, sleep=no_wait) for s in (first, second))
        await told.hold("telegram", 5.0)
        assert await other("telegram", SEND_INTERVAL) >= now + 5
        queued = [await other("telegram", 1.0) for _ in range(3)]  # up to now + 7
        await told.hold("telegram", 1.0)
        assert await other("telegram", 1.0) >= queued[-1] + 1
