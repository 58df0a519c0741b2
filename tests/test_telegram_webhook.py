"""Telegram webhook mode through python-telegram-bot and the loopback Bot API: Telegram posts
each update, several processes may serve one address, and each update is answered once."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from aiohttp import ClientSession

from bot.app import App, build, serve
from bot.config import Config, PlatformConfig, WebhookConfig
from bot.messages import Incoming, Reply
from bot.schema import UpdateState
from bot.send_budget import SendBudget
from tests.fakes.bot_api import FakeBotApi

SECRET = "s3cret_for-tests"  # noqa: S105 - a test's own
QUESTION = "what does sb 54 do"

Start = Callable[..., Awaitable[App]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi(retry_delay=0.05)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def webhook_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """As an operator sets it: both secrets in the environment, no console beside the bot."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:TEST")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setattr("bot.adapters.console.stdin_readable", lambda: False)


def webhook_config(config: Config, api: FakeBotApi, **hook: object) -> Config:
    port = free_port()
    settings = {"url": f"http://127.0.0.1:{port}/tg/hook", "port": port, **hook}
    return replace(
        config,
        telegram=PlatformConfig(
            enabled=True,
            base_url=api.base_url,
            mode="webhook",
            webhook=WebhookConfig(**settings),  # type: ignore[arg-type]
        ),
        matcher=replace(config.matcher, semantic=False),  # words alone: faster, same answers
    )


@asynccontextmanager
async def running(config: Config, *, wait: bool = True) -> AsyncIterator[App]:
    """One `python -m bot run` process's worth: built as `run` builds it, served until exit."""
    app = build(config)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, stop, ready=ready if wait else None))
    try:
        if wait:
            async with asyncio.timeout(10):
                await ready.wait()
        yield app
    finally:
        stop.set()
        await task


@pytest.fixture
async def webhook_bot(
    config: Config, api: FakeBotApi, webhook_env: None
) -> AsyncIterator[tuple[App, FakeBotApi]]:
    async with running(webhook_config(config, api)) as app:
        yield app, api


async def test_the_bot_sets_its_webhook_and_answers_a_posted_question(
    webhook_bot: tuple[App, FakeBotApi],
) -> None:
    app, api = webhook_bot
    (hook,) = api.sent("setWebhook")
    assert hook["url"] == app.config.telegram.webhook.url
    assert str(hook["secret_token"]) == SECRET
    assert hook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    assert hook["drop_pending_updates"] is False
    status = await api.deliver(api.message_update(QUESTION))
    assert status == 200
    (sent,) = api.sent()  # answered before Telegram heard 200
    assert sent["chat_id"] == 42
    assert "SB 54" in sent["text"]
    assert not api.sent("getUpdates"), "webhook mode never polls"


async def test_stopping_leaves_the_webhook_to_the_other_processes(
    config: Config, api: FakeBotApi, webhook_env: None
) -> None:
    async with running(webhook_config(config, api)):
        pass
    assert api.sent("setWebhook")
    assert not api.sent("deleteWebhook")
    assert api.webhook_url, "Telegram still posts to the address the others serve"


async def test_a_post_without_the_right_secret_is_refused_and_not_logged(
    webhook_bot: tuple[App, FakeBotApi], caplog: pytest.LogCaptureFixture
) -> None:
    app, api = webhook_bot
    caplog.set_level(logging.DEBUG)
    assert await api.deliver(api.message_update(QUESTION), headers={}) == 403
    assert await api.deliver(api.message_update(QUESTION), secret="guessed-wrong") == 403
    url = app.config.telegram.webhook.url or ""
    async with ClientSession() as session:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        async with session.post(url, data=b'{"update_id": 1, "zq9body', headers=headers) as answer:
            assert answer.status == 400, "malformed JSON"
    await asyncio.sleep(0.1)
    assert not api.sent(), "nothing answered"
    said = [r.getMessage() for r in caplog.records]
    refused = [line for line in said if "refused a request" in line]
    assert len(refused) == 2, "one line for each reason"
    leaked = (QUESTION, "guessed-wrong", "zq9body")
    assert not [line for line in said if any(words in line for words in leaked)]


async def test_a_flood_of_refused_posts_is_one_log_line_a_minute(
    webhook_bot: tuple[App, FakeBotApi],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, api = webhook_bot
    now = [1000.0]  # the adapter's clock, moved by hand (the event loop keeps the real one)
    monkeypatch.setattr(
        "bot.adapters.telegram_adapter.time", SimpleNamespace(monotonic=lambda: now[0])
    )
    caplog.set_level(logging.WARNING)
    statuses = [await api.deliver(api.message_update(QUESTION), headers={}) for _ in range(40)]
    assert set(statuses) == {403}, "each one refused"
    now[0] += 61
    assert await api.deliver(api.message_update(QUESTION), headers={}) == 403
    refused = [r.getMessage() for r in caplog.records if "refused a request" in r.getMessage()]
    assert len(refused) == 2, refused
    assert refused[1].endswith("(39 more since the last such line)")


async def test_the_same_update_delivered_twice_is_answered_once(
    webhook_bot: tuple[App, FakeBotApi],
) -> None:
    _, api = webhook_bot
    update = api.message_update(QUESTION)
    assert await api.deliver(update) == 200
    assert await api.deliver(dict(update)) == 200, "done already: acknowledged, not handled"
    await asyncio.sleep(0.1)
    assert len(api.sent()) == 1


async def test_an_update_held_by_a_live_process_is_refused_for_now(
    webhook_bot: tuple[App, FakeBotApi],
) -> None:
    app, api = webhook_bot
    update = api.message_update(QUESTION)
    await app.store.claim_update(update["update_id"], datetime.now(UTC))  # another process
    assert await api.deliver(update) == 503, "Telegram posts it again later"
    assert not api.sent()


async def test_an_update_whose_process_died_is_taken_over_and_answered(
    webhook_bot: tuple[App, FakeBotApi],
) -> None:
    app, api = webhook_bot
    update = api.message_update(QUESTION)
    long_ago = datetime.now(UTC) - timedelta(seconds=31)  # the lease is 30 s
    await app.store.claim_update(update["update_id"], long_ago)  # claimed, then the process died
    assert await api.deliver(update) == 200
    (sent,) = api.sent()
    assert "SB 54" in sent["text"]
    assert await app.store.update_claim(update["update_id"]) is not None
    assert (await app.store.update_claim(update["update_id"]) or ("",))[0] is UpdateState.DONE


async def test_an_answer_that_may_have_gone_out_is_never_sent_again(
    webhook_bot: tuple[App, FakeBotApi], caplog: pytest.LogCaptureFixture
) -> None:
    app, api = webhook_bot
    caplog.set_level(logging.INFO)
    update = api.message_update(QUESTION)
    update_id = update["update_id"]
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    await app.store.claim_update(update_id, long_ago)
    await app.store.mark_update(update_id, UpdateState.SENDING, long_ago)  # then it died
    assert await api.deliver(update) == 200
    assert await api.deliver(dict(update)) == 200
    await asyncio.sleep(0.1)
    assert not api.sent(), "at most once: it may have reached the chat already"
    said = [r.getMessage() for r in caplog.records]
    assert sum("an answer may not have reached a chat" in line for line in said) == 1
    assert not [line for line in said if QUESTION in line]


async def test_two_processes_on_one_database_answer_an_update_once(
    config: Config, api: FakeBotApi, webhook_env: None
) -> None:
    first, second = webhook_config(config, api), webhook_config(config, api)
    async with running(first) as one, running(second) as two:
        urls = [a.config.telegram.webhook.url for a in (one, two)]
        for n in range(5):
            update = api.message_update(QUESTION, chat_id=100 + n)
            statuses = await asyncio.gather(
                *(api.deliver_retrying(dict(update), url=url) for url in urls)
            )
            assert statuses == [200, 200]
        await asyncio.sleep(0.2)
    chats = sorted(p["chat_id"] for p in api.sent())
    assert chats == [100, 101, 102, 103, 104], "each update answered once, by one of them"
    assert {s for _, s in api.deliveries} <= {200, 503}


async def test_webhook_mode_without_its_secret_keeps_telegram_off_and_says_why(
    config: Config,
    api: FakeBotApi,
    webhook_env: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "not allowed!")
    async with running(webhook_config(config, api), wait=False) as app:
        async with asyncio.timeout(5):
            while not app.status.get("telegram", "").startswith("off"):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    assert "TELEGRAM_WEBHOOK_SECRET may hold only" in app.status["telegram"]
    assert not api.sent("setWebhook")
    assert "not allowed!" not in caplog.text


async def test_a_refused_token_in_webhook_mode_is_said_once_and_frees_the_port(
    config: Config, api: FakeBotApi, webhook_env: None
) -> None:
    api.refused.add("123:TEST")
    hooked = webhook_config(config, api)
    async with running(hooked, wait=False) as app:
        async with asyncio.timeout(5):
            while not app.status.get("telegram", "").startswith("off"):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert "telegram refused TELEGRAM_BOT_TOKEN" in app.status["telegram"]
        assert not api.sent("setWebhook")
        with socket.socket() as sock:  # nothing left listening: a fixed config can start again
            sock.bind(("127.0.0.1", hooked.telegram.webhook.port))


async def test_losing_the_bot_api_in_webhook_mode_reconnects_and_sets_the_webhook_again(
    config: Config, api: FakeBotApi, webhook_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.adapters.telegram_adapter.WEBHOOK_CHECK_SECONDS", 0.05)
    port = int(api.base_url.split(":")[2].split("/")[0])
    hooked = replace(webhook_config(config, api), reconnect_first=timedelta(seconds=1))
    async with running(hooked) as app:
        await api.stop()
        async with asyncio.timeout(5):
            while not app.status["telegram"].startswith("retrying"):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert not app.adapter("telegram").connected.is_set()  # type: ignore[union-attr]
        await api.start(port)
        async with asyncio.timeout(10):
            while app.status["telegram"] != "connected":  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert len(api.sent("setWebhook")) == 2
        assert await api.deliver(api.message_update(QUESTION)) == 200
        assert len(api.sent()) == 1


async def test_a_slow_answer_is_not_taken_over_by_another_process(
    config: Config, api: FakeBotApi, webhook_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram retries a slow update, maybe to another process: that one waits, because the
    first renews its claim while it works (every third of the lease: 2 s here, the answer takes
    4 s). Asked at 1.5 leases, a claim nobody renewed is stale by a whole half lease, and a
    renewed one is at most a third of a lease old: a slow machine's delays fit in between."""
    from bot.chat.core import Core

    handle = Core.handle

    async def slow(self: Core, msg: Incoming) -> list[Reply]:
        await asyncio.sleep(4.0)
        return await handle(self, msg)

    monkeypatch.setattr(Core, "handle", slow)
    lease = {"lease": timedelta(seconds=2)}
    first, second = webhook_config(config, api, **lease), webhook_config(config, api, **lease)
    async with running(first) as one, running(second) as two:
        update = api.message_update(QUESTION)
        url_one, url_two = one.config.telegram.webhook.url, two.config.telegram.webhook.url
        answering = asyncio.create_task(api.deliver(dict(update), url=url_one))
        await asyncio.sleep(3.0)  # past the lease: only a renewed claim keeps it
        assert await api.deliver(dict(update), url=url_two) == 503
        assert await answering == 200
        assert await api.deliver(dict(update), url=url_two) == 200
    assert len(api.sent()) == 1


async def test_an_answer_waiting_for_its_turn_is_not_yet_sending(
    config: Config, api: FakeBotApi, webhook_env: None
) -> None:
    """Marked `sending` only as it leaves: an answer still queued behind Telegram's rate when
    its process dies stays `working`, so another process answers it instead of giving it up."""
    shared = replace(webhook_config(config, api), database_shared=True)
    async with running(shared) as app:
        assert app.store is not None
        await SendBudget(app.store).hold("telegram", 1.5)  # Telegram told another process to wait
        update = api.message_update(QUESTION)
        posting = asyncio.create_task(api.deliver(update))
        await asyncio.sleep(0.7)
        assert not api.sent(), "still waiting for its turn"
        claim = await app.store.update_claim(update["update_id"])
        assert claim is not None
        assert claim[0] is UpdateState.WORKING
        assert await posting == 200
        (sent,) = api.sent()
        assert "SB 54" in sent["text"]
        assert (await app.store.update_claim(update["update_id"]) or ("",))[0] is UpdateState.DONE
