"""The Telegram adapter through python-telegram-bot itself, against a loopback Bot API."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from telegram.ext import AIORateLimiter

from bot.adapters.base import DeliveryError
from bot.adapters.telegram_adapter import TelegramAdapter
from bot.adapters.telegram_render import render
from bot.app import App, build, serve
from bot.chat.commands import COMMANDS
from bot.config import Config, PlatformConfig, RoleRule
from bot.messages import Button, ChannelRef, Reply, Source
from bot.reminders.outbox import Outbox
from bot.schema import DeliveryKey, DeliveryStatus
from tests.conftest import ROOT, run_bot
from tests.fakes.bot_api import BOT_USERNAME, FakeBotApi, error


@dataclass
class Telegram:
    api: FakeBotApi
    adapter: TelegramAdapter
    app: App
    blocked: list[ChannelRef]
    notices: list[str]


@pytest.fixture
async def telegram(config: Config) -> AsyncIterator[Telegram]:
    api = FakeBotApi()
    base_url = await api.start()
    config = replace(
        config,
        telegram=PlatformConfig(enabled=True, base_url=base_url),
        organizers=RoleRule(telegram_users=frozenset({"1001"}), telegram_group_admins=True),
        targets={"group": {"platform": "telegram", "chat_id": -100}, "console": ["group"]},
    )
    blocked: list[ChannelRef] = []
    notices: list[str] = []

    async def on_blocked(channel: ChannelRef) -> None:
        blocked.append(channel)

    async def on_notice(text: str) -> None:
        notices.append(text)

    apps: list[App] = []

    async def on_moved(old: str, new: str) -> None:  # as the app wires it
        await apps[0].reminders.outbox.chat_moved("telegram", old, new)

    adapter = TelegramAdapter(
        config,
        "123:TEST",
        rate_limiter=AIORateLimiter(max_retries=0),  # the outbox owns retries in these tests
        on_blocked=on_blocked,
        on_notice=on_notice,
        on_moved=on_moved,
        commands=COMMANDS,
    )
    app = build(config, adapters=[adapter])
    apps.append(app)
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(serve(app, stop, ready=ready))
    async with asyncio.timeout(10):
        await ready.wait()
        while not any(name == "getUpdates" for name, _ in api.calls) and not api.updates:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    yield Telegram(api, adapter, app, blocked, notices)
    stop.set()
    await running
    await api.stop()


async def test_private_question_gets_an_html_answer_with_sources(telegram: Telegram) -> None:
    telegram.api.push_message("wut does sb 54 do")
    (sent,) = await telegram.api.wait_sent(1)
    assert sent["chat_id"] == 42
    assert sent["parse_mode"] == "HTML"
    assert sent["text"].startswith("<b>")
    assert '<a href="https://' in sent["text"]
    assert "<i>Checked 20" in sent["text"]
    assert sent["link_preview_options"]["is_disabled"] is True
    labels = [b["text"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert "👍 Helpful" in labels


async def test_commands_are_published_in_both_languages(telegram: Telegram) -> None:
    published = telegram.api.sent("setMyCommands")
    assert {p.get("language_code") for p in published} == {None, "es"}
    spanish = next(p for p in published if p.get("language_code") == "es")
    assert {"command": "next", "description": "La próxima reunión"} in spanish["commands"]
    english = next(p for p in published if p.get("language_code") is None)
    assert {"command": "wrong", "description": "My last answer was wrong"} in english["commands"]
    # generated from the registry: everyone's commands, none of the organizers' or moderators'
    names = [c["command"] for c in english["commands"]]
    assert names == [c.name for c in COMMANDS if c.menu and c.role is None]
    assert "reload" not in names
    assert "event" not in names


async def test_group_answers_only_when_addressed(telegram: Telegram) -> None:
    api = telegram.api
    api.push_message("what is sb54", chat_id=-100, chat_type="supergroup")
    api.push_message("/help@OtherBot", chat_id=-100, chat_type="supergroup")
    api.push_message(f"@{BOT_USERNAME} what is sb54", chat_id=-100, chat_type="supergroup")
    api.push_message(f"/help@{BOT_USERNAME}", chat_id=-100, chat_type="supergroup")
    api.push_message("and the truth act?", chat_id=-100, chat_type="supergroup", reply_to_bot=True)
    sent = await api.wait_sent(3)
    await asyncio.sleep(0.3)
    assert len(api.sent()) == 3, "silent unless mentioned, commanded or replied to"
    assert "SB 54" in sent[0]["text"]
    assert "/privacy" in sent[1]["text"]
    assert sent[0]["reply_parameters"]["message_id"] > 0, "group answers reply to the question"


async def test_suggestion_button_answers_in_the_same_chat(telegram: Telegram) -> None:
    telegram.api.push_message("comment", chat_id=42)
    (first,) = await telegram.api.wait_sent(1)
    buttons = [b for row in first["reply_markup"]["inline_keyboard"] for b in row]
    action = next(b["callback_data"] for b in buttons if b["callback_data"].startswith("ask:"))
    telegram.api.push_button(action, chat_id=42)
    _, second = await telegram.api.wait_sent(2)
    assert second["chat_id"] == 42
    assert "<b>" in second["text"]
    assert telegram.api.sent("answerCallbackQuery")
    await telegram.app.core.settle()
    ((asked, chosen),) = await telegram.app.store.top_choices()
    assert (asked.text, f"ask:{chosen}") == ("comment", action.rsplit(":", 1)[0])


async def test_a_button_in_a_forum_topic_answers_in_that_topic(telegram: Telegram) -> None:
    telegram.api.push_button("ask:sb54-what-it-is", chat_id=-100, thread_id=77)
    (answer,) = await telegram.api.wait_sent(1)
    assert (answer["chat_id"], answer["message_thread_id"]) == (-100, 77)


async def test_group_admins_are_organizers_others_are_refused(telegram: Telegram) -> None:
    telegram.api.admins[-100] = [555]
    telegram.api.push_message("/event list", chat_id=-100, chat_type="group", user_id=9)
    (refusal,) = await telegram.api.wait_sent(1)
    assert "only organizers can use /event" in refusal["text"]
    telegram.api.push_message("/event list", chat_id=-100, chat_type="group", user_id=555)
    telegram.api.push_message("/event list", chat_id=42, user_id=1001)  # listed in the config
    _, admin, listed = await telegram.api.wait_sent(3)
    assert "only organizers" not in admin["text"]
    assert "only organizers" not in listed["text"]


async def test_calendar_is_sent_as_a_document(telegram: Telegram) -> None:
    telegram.api.push_message("/calendar")
    (document,) = await telegram.api.wait_sent(1, method="sendDocument")
    assert document["document"]["filename"].endswith(".ics")
    assert b"BEGIN:VCALENDAR" in document["document"]["data"]


def test_markup_in_text_is_escaped_and_long_replies_split() -> None:
    hostile = Reply(
        "<b>bold</b> & <script>alert(1)</script> [x](y)",
        title="Q <i>",
        sources=(Source("A & B", 'https://example.org/?a=1&b="2"'),),
        reviewed=date(2026, 11, 25),
    )
    (html_text,) = render(hostile)
    assert "<script>" not in html_text
    assert "&lt;script&gt;" in html_text
    assert '<a href="https://example.org/?a=1&amp;b=&quot;2&quot;">A &amp; B</a>' in html_text
    long = Reply("\n\n".join(["paragraph " * 60] * 20) + "\n\n" + "&" * 5000)
    pieces = render(long)
    assert len(pieces) > 2
    assert all(len(p) <= 4096 for p in pieces)
    assert all(not p.startswith(" ") for p in pieces)


async def test_outbox_errors_follow_the_delivery_policy(telegram: Telegram) -> None:
    api, adapter = telegram.api, telegram.adapter
    group = ChannelRef("telegram", "-100", private=False)
    api.failures = [error(429, "Too Many Requests: retry after 3", retry_after=3)]
    with pytest.raises(DeliveryError) as refused:
        await adapter.send(group, Reply("reminder"))
    assert (refused.value.retry, refused.value.retry_after) == (True, 3.0)
    api.failures = [error(502, "Bad Gateway")]
    with pytest.raises(DeliveryError) as bad_gateway:
        await adapter.send(group, Reply("reminder"))
    assert bad_gateway.value.retry is True
    dm = ChannelRef("telegram", "77", private=True)
    api.failures = [error(403, "Forbidden: bot was blocked by the user")]
    with pytest.raises(DeliveryError) as blocked:
        await adapter.send(dm, Reply("reminder"))
    assert (blocked.value.retry, blocked.value.refused) == (False, True)
    assert telegram.blocked == [dm]


async def test_group_that_became_a_supergroup_keeps_its_reminders_after_a_restart(
    telegram: Telegram,
) -> None:
    api = telegram.api
    group = ChannelRef("telegram", "-100", private=False)
    api.failures = [
        error(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            migrate_to_chat_id=-1009,
        )
    ]
    now = datetime.now(UTC)

    async def remind(outbox: Outbox, n: int) -> DeliveryStatus:
        key = DeliveryKey(f"meeting-{n}", now, timedelta(hours=n), "telegram:-100")
        return await outbox.deliver(key, group, Reply(f"reminder {n}"), now + timedelta(minutes=5))

    assert await remind(telegram.app.reminders.outbox, 1) == DeliveryStatus.SENT
    assert await remind(telegram.app.reminders.outbox, 2) == DeliveryStatus.SENT
    assert [s["chat_id"] for s in api.sent()] == [-100, -1009, -1009]
    assert await telegram.app.store.moves("telegram") == {"-100": "-1009"}
    restarted = Outbox(telegram.app.store, {"telegram": telegram.adapter}, telegram.app.clock)
    await restarted.load_moves()
    assert await remind(restarted, 3) == DeliveryStatus.SENT
    assert api.sent()[-1]["chat_id"] == -1009, "the new id is read back, not learnt again"


async def test_a_migration_update_moves_the_groups_subscription(telegram: Telegram) -> None:
    await telegram.app.store.subscribe("telegram", "-100", "en")
    telegram.api.push_raw(
        {
            "message": {
                "message_id": 5,
                "date": 0,
                "chat": {"id": -100, "type": "group", "title": "Sac general"},
                "migrate_to_chat_id": -1009,
            }
        }
    )
    for _ in range(100):
        if await telegram.app.store.moves("telegram"):
            break
        await asyncio.sleep(0.05)
    assert await telegram.app.store.moves("telegram") == {"-100": "-1009"}
    assert [chat for _, chat, _ in await telegram.app.store.subscribers()] == ["-1009"]


async def test_removal_from_a_group_is_reported(telegram: Telegram) -> None:
    member = {"id": 999, "is_bot": True, "first_name": "Bot", "username": BOT_USERNAME}
    telegram.api.push_raw(
        {
            "my_chat_member": {
                "chat": {"id": -100, "type": "supergroup", "title": "Sac general"},
                "from": {"id": 7, "is_bot": False, "first_name": "Ana"},
                "date": 0,
                "old_chat_member": {"status": "member", "user": member},
                "new_chat_member": {"status": "kicked", "user": member, "until_date": 0},
            }
        }
    )
    async with asyncio.timeout(5):
        while not telegram.notices:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert "Sac general" in telegram.notices[0]


def test_buttons_fit_telegram_callback_data() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Button("x", "ask:" + "a" * 70)


async def test_spanish_and_huge_messages(telegram: Telegram) -> None:
    telegram.api.push_message("¿qué es la ley sb54?", language="es")
    telegram.api.push_message("x" * 25_000)
    spanish, huge = await telegram.api.wait_sent(2)
    assert "Fuentes" in spanish["text"]
    assert huge["text"], "a 25,000-character message still gets a reply"


async def test_429_storm_during_a_broadcast_reaches_everyone_once(telegram: Telegram) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.reminders.calendar import event_row
    from bot.reminders.event import Event

    store = telegram.app.store
    for n in range(200):
        await store.subscribe("telegram", str(5000 + n), "en")
    starts = datetime.now(UTC) + timedelta(hours=1, seconds=-5)
    event = Event(
        "storm",
        "Storm test",
        starts,
        "America/Los_Angeles",
        remind=(timedelta(hours=1),),
        targets=(),
    )
    await store.save_event(event_row(event))
    # 429s one after another, each "retry after 1": every chat still gets it, once
    telegram.api.failures = [error(429, "Too Many Requests: retry after 1", retry_after=1)] * 8
    await telegram.app.reminders.load()
    await telegram.app.reminders.tick()
    chats = [int(p["chat_id"]) for p in telegram.api.delivered]
    assert len(chats) == 200
    assert len(set(chats)) == 200, "nobody got it twice"
    await telegram.app.reminders.tick()
    assert len(telegram.api.delivered) == 200


async def test_shutdown_is_prompt_even_in_a_long_poll(config: Config) -> None:
    api = FakeBotApi()
    base_url = await api.start()
    config = replace(config, telegram=PlatformConfig(enabled=True, base_url=base_url))
    adapter = TelegramAdapter(config, "123:TEST")
    app = build(config, adapters=[adapter])
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(serve(app, stop, ready=ready))
    await ready.wait()
    await asyncio.sleep(0.5)  # inside getUpdates
    stop.set()
    async with asyncio.timeout(10):
        await running
    await api.stop()


async def test_deep_link_opens_one_answer(telegram: Telegram) -> None:
    telegram.api.push_message("/start sb54-what-it-is", language="es")
    (sent,) = await telegram.api.wait_sent(1)
    assert "Ley de Valores" in sent["text"]
    assert "<b>Fuentes:</b>" in sent["text"]


async def test_a_flood_from_one_person_gets_one_notice_and_others_are_served(
    telegram: Telegram,
) -> None:
    for _ in range(15):
        telegram.api.push_message("what is sb54", user_id=66, chat_id=66)
    telegram.api.push_message("what is sb54", user_id=67, chat_id=67)
    await telegram.api.wait_sent(10)
    await asyncio.sleep(0.5)
    to_flooder = [s for s in telegram.api.sent() if s["chat_id"] == 66]
    assert len(to_flooder) == 9
    assert "a lot of messages" in to_flooder[-1]["text"]
    assert [s for s in telegram.api.sent() if s["chat_id"] == 67], "others are still answered"


async def test_the_flood_notice_comes_in_the_language_the_chat_writes(
    telegram: Telegram,
) -> None:
    """An English phone locale, a chat written in Spanish: the notice was in English."""
    for _ in range(15):
        telegram.api.push_message("¿qué es la sb54?", user_id=68, chat_id=68, language="en")
    await telegram.api.wait_sent(9)
    await asyncio.sleep(0.5)
    to_flooder = [s for s in telegram.api.sent() if s["chat_id"] == 68]
    assert "Son muchos mensajes a la vez" in to_flooder[-1]["text"]


async def test_run_with_telegram_never_logs_the_token(tmp_path: Path) -> None:
    """`python -m bot run` with a token, answering one message, then SIGTERM: exit 0, quiet."""
    api = FakeBotApi()
    base_url = await api.start()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\ndatabase: {{url: 'sqlite:///bot.db'}}\n"
        f"telegram: {{enabled: true, base_url: '{base_url}'}}\nlogging: {{level: DEBUG}}\n",
        encoding="utf-8",
    )
    proc = await run_bot(config, token="123456:SECRET-TOKEN")
    try:
        api.push_message("what is sb54")
        await api.wait_sent(1, seconds=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            out, err = await proc.communicate()
        await api.stop()
    assert proc.returncode == 0, err.decode()
    assert b"SECRET-TOKEN" not in out + err
    assert b"what is sb54" not in err, "message text never in the logs"


async def test_reminders_can_go_to_a_forum_topic(telegram: Telegram) -> None:
    topic = ChannelRef("telegram", "-100", thread_id="17", private=False)
    await telegram.adapter.send(topic, Reply("Reminder: forum prep"))
    (sent,) = telegram.api.sent()
    assert (sent["chat_id"], sent["message_thread_id"]) == (-100, 17)


async def test_a_long_reminder_cut_off_midway_resumes_without_repeating(
    telegram: Telegram,
) -> None:
    """A reminder too long for one message goes out in pieces; when Telegram fails the second,
    the outbox's retry sends the second, not the first again."""
    from datetime import UTC, datetime, timedelta

    from bot.schema import DeliveryKey

    first, second = "A" * 3000, "B" * 3000
    reply = Reply(f"{first}\n\n{second}")
    assert len(render(reply)) == 2
    telegram.api.failures = [None, error(502, "Bad Gateway")]
    now = datetime.now(UTC)
    key = DeliveryKey("long", now, timedelta(hours=1), "telegram:-100")
    outcome = await telegram.app.reminders.outbox.deliver(
        key, ChannelRef("telegram", "-100"), reply, now + timedelta(minutes=5)
    )
    assert outcome == "sent"
    assert [p["text"] for p in telegram.api.delivered] == [first, second]


async def test_a_lost_bot_api_is_said_once_and_telegram_comes_back(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    """The Bot API goes away mid-run: said once (not PTB's traceback at every poll), its
    reminders wait, and once it answers again the same adapter reconnects and answers."""
    caplog.set_level(logging.INFO, logger="bot.app")
    api = FakeBotApi()
    base_url = await api.start()
    port = int(base_url.rsplit(":", 1)[1].split("/")[0])
    config = replace(
        config,
        telegram=PlatformConfig(enabled=True, base_url=base_url),
        reconnect_first=timedelta(seconds=1),
        reconnect_most=timedelta(seconds=2),
    )
    adapter = TelegramAdapter(config, "123:TEST")
    app = build(config, adapters=[adapter])
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(serve(app, stop, ready=ready))
    back = FakeBotApi()
    try:
        async with asyncio.timeout(20):
            await ready.wait()
            assert app.status["telegram"] == "connected"
            await api.stop()
            while not app.status["telegram"].startswith("retrying"):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            assert "telegram" in app.reminders.down
            await asyncio.sleep(2.5)  # a retry or two against nothing
            await back.start(port)
            back.push_message("what is the truth act")
            (sent,) = await back.wait_sent(1, seconds=15)
        assert "TRUTH" in sent["text"]
        assert app.status["telegram"] == "connected"
        assert "telegram" not in app.reminders.down
    finally:
        stop.set()
        await running
        await back.stop()
    said = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    assert sum("telegram: cannot reach the API" in m for m in said) == 1, said
    assert said.count("telegram: connected") == 2  # at start, and when it came back
    polling = [r for r in caplog.records if r.name.startswith("telegram") and r.exc_info]
    assert not polling, "no traceback from PTB's own polling retries"


async def test_a_refused_telegram_token_is_said_once_and_telegram_stays_off(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    api = FakeBotApi(refused={"123:REVOKED"})
    base_url = await api.start()
    config = replace(
        config,
        telegram=PlatformConfig(enabled=True, base_url=base_url),
        reconnect_first=timedelta(seconds=1),
    )
    app = build(config, adapters=[TelegramAdapter(config, "123:REVOKED")])
    stop = asyncio.Event()
    running = asyncio.create_task(serve(app, stop))
    try:
        async with asyncio.timeout(10):
            while not app.status.get("telegram", "").startswith("off"):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)  # time for a retry, if there were one
    finally:
        stop.set()
        await running
        await api.stop()
    assert "TELEGRAM_BOT_TOKEN" in app.status["telegram"]
    assert "telegram" in app.reminders.down, "its reminders are not claimed, nor marked failed"
    assert [name for name, _ in api.calls].count("getMe") == 1, "not tried again"
    errors = [r.getMessage() for r in caplog.records if r.name == "bot.adapters.telegram_adapter"]
    assert len(errors) == 1, errors
    assert "@BotFather" in errors[0], "it says what to fix"
