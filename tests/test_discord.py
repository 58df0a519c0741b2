"""The Discord adapter through discord.py itself: the real Client logs in, connects to a
loopback gateway, syncs its commands over loopback REST, and gets its messages and
interactions as Discord payloads, which discord.py turns into its own objects."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.base import DeliveryError
from bot.adapters.discord_adapter import DiscordAdapter
from bot.adapters.discord_render import render
from bot.app import App, build, serve
from bot.chat.commands import COMMANDS
from bot.config import Config, PlatformConfig, RoleRule
from bot.messages import Button, ChannelRef, Reply, Source
from tests.conftest import ROOT, run_bot
from tests.fakes.discord_api import (
    APP_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    ORGANIZER_ID,
    ORGANIZER_ROLE_ID,
    FakeDiscord,
    interaction,
    message_create,
    slash,
)

pytestmark = pytest.mark.usefixtures("quick_discord_ready")


@dataclass
class Discord:
    fake: FakeDiscord
    adapter: DiscordAdapter
    app: App
    notices: list[str]
    blocked: list[ChannelRef]

    async def call(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Dispatch one interaction and wait for its first response, as a person would."""
        before = len(self.responses())
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        return (await self.callbacks(before + 1))[before]

    async def callbacks(self, count: int) -> list[dict[str, Any]]:
        await self.fake.wait_for(lambda calls: len(self.responses()) >= count)
        return self.responses()

    def responses(self) -> list[dict[str, Any]]:
        """Interaction callbacks and follow-ups, in order."""
        return [
            c.body
            for c in self.fake.calls
            if c.method == "POST"
            and (c.path.startswith("/interactions/") or c.path.startswith("/webhooks/"))
        ]

    async def channel_messages(self, count: int, channel: int = CHANNEL_ID) -> list[dict[str, Any]]:
        path = f"/channels/{channel}/messages"
        await self.fake.wait_for(lambda calls: len(self.fake.sent(path)) >= count)
        return self.fake.sent(path)


async def start_discord(
    config: Config, monkeypatch: pytest.MonkeyPatch, **discord: Any
) -> AsyncIterator[Discord]:
    fake = FakeDiscord()
    url = await fake.start()
    monkeypatch.setattr(Route, "BASE", f"{url}/api/v10")
    monkeypatch.setattr(
        DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(f"{url.replace('http', 'ws')}/gateway")
    )
    config = replace(
        config,
        discord=PlatformConfig(enabled=True, **discord),
        organizers=RoleRule(discord_roles=frozenset({str(ORGANIZER_ROLE_ID)}), discord_admins=True),
        moderators=RoleRule(discord_roles=frozenset({"Organizers"})),
        targets={
            "general": {"platform": "discord", "channel_id": CHANNEL_ID},
            "console": ["general"],
        },
    )
    notices: list[str] = []
    blocked: list[ChannelRef] = []

    async def on_notice(text: str) -> None:
        notices.append(text)

    async def on_blocked(channel: ChannelRef) -> None:
        blocked.append(channel)

    apps: list[App] = []
    adapter = DiscordAdapter(
        config,
        "discord-test-token",
        complete=lambda typed, lang: apps[0].core.complete(typed, lang),
        on_notice=on_notice,
        on_blocked=on_blocked,
        commands=COMMANDS,
    )
    app = build(config, adapters=[adapter])
    apps.append(app)
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(serve(app, stop, ready=ready))
    async with asyncio.timeout(10):
        await ready.wait()
        await fake.connected.wait()
        while not adapter.client.is_ready():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    yield Discord(fake, adapter, app, notices, blocked)
    stop.set()
    await running
    await fake.stop()


@pytest.fixture
async def discord_bot(config: Config, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Discord]:
    async for bot in start_discord(config, monkeypatch, guild_id=GUILD_ID):
        yield bot


async def test_connects_without_privileged_intents_and_syncs_to_the_test_server(
    discord_bot: Discord,
) -> None:
    fake = discord_bot.fake
    assert fake.identify is not None
    message_content = 1 << 15
    assert not fake.identify["intents"] & message_content
    sync = [c for c in fake.calls if c.method == "PUT" and c.path.endswith("/commands")]
    assert sync
    assert all("/guilds/800000000000000001/" in c.path for c in sync)
    names = {c["name"] for c in sync[0].body["list"]}
    assert {"ask", "next", "events", "subscribe", "unsubscribe", "forget", "calendar"} <= names
    assert {"sources", "help", "event", "reload"} <= names
    ask = next(c for c in sync[0].body["list"] if c["name"] == "ask")
    assert ask["name_localizations"] == {"es-ES": "preguntar", "es-419": "preguntar"}
    assert ask["options"][0]["autocomplete"] is True
    event = next(c for c in sync[0].body["list"] if c["name"] == "event")
    assert int(event["default_member_permissions"]) == 1 << 33  # Manage Events
    assert {o["name"] for o in event["options"]} >= {"add", "list", "edit", "cancel", "post"}
    assert names == {c.name for c in COMMANDS if c.menu}  # generated from the registry
    add = next(o for o in event["options"] if o["name"] == "add")
    title = next(o for o in add["options"] if o["name"] == "title")
    assert title["required"] is True
    assert title["max_length"] == 300
    assert title["name_localizations"]["es-ES"] == "titulo"
    assert next(o for o in add["options"] if o["name"] == "remind")["required"] is False
    lang = next(c for c in sync[0].body["list"] if c["name"] == "lang")
    assert [c["value"] for c in lang["options"][0]["choices"]] == ["en", "es"]
    reload = next(c for c in sync[0].body["list"] if c["name"] == "reload")
    assert int(reload["default_member_permissions"]) == 1 << 5  # Manage Server
    comment = next(c for c in sync[0].body["list"] if c["name"] == "comment")
    assert not comment.get("options"), "the coach's step is for its buttons, not a typed option"


async def test_ask_answers_with_an_embed_and_never_pings(discord_bot: Discord) -> None:
    await discord_bot.fake.dispatch(
        "INTERACTION_CREATE",
        interaction(discord_bot.fake, slash("ask", question="wut does sb 54 do")),
    )
    (callback,) = await discord_bot.callbacks(1)
    assert callback["type"] == 4
    message = callback["data"]
    assert message["allowed_mentions"]["parse"] == []  # nobody is pinged, whatever the text
    (embed,) = message["embeds"]
    assert "SB 54" in embed["title"]
    assert "](https://" in embed["fields"][0]["value"]
    assert embed["footer"]["text"].startswith("Checked 20")
    custom_ids = [c["custom_id"] for row in message["components"] for c in row["components"]]
    assert any(i.startswith("fb:yes:") for i in custom_ids)


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"]]


def spoken(message: dict[str, Any]) -> str:
    """Everything a reader sees in one message: content and embed text."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f["value"] for f in embed.get("fields", [])]
        parts.append(embed.get("footer", {}).get("text", ""))
    return "\n".join(parts)


EPHEMERAL = 1 << 6


async def test_spanish_locale_gets_spanish_answers_and_autocomplete(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    await fake.dispatch(
        "INTERACTION_CREATE",
        interaction(fake, slash("ask", question="k es la sb 54"), locale="es-419"),
    )
    (answer,) = await discord_bot.callbacks(1)
    (embed,) = answer["data"]["embeds"]
    assert embed["footer"]["text"].startswith("Revisado")
    assert "¿" in embed["title"]
    typing = slash("ask", question="coment")
    typing["options"][0]["focused"] = True
    await fake.dispatch("INTERACTION_CREATE", interaction(fake, typing, kind=4, locale="es-ES"))
    _, choices = await discord_bot.callbacks(2)
    assert choices["type"] == 8  # autocomplete result
    offered = [c["name"] for c in choices["data"]["choices"]]
    assert 0 < len(offered) <= 25
    assert all("¿" in o for o in offered), offered  # the Spanish questions
    assert any("comentario" in o.lower() for o in offered)


async def test_server_messages_only_when_mentioned_dms_always(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    await fake.dispatch("MESSAGE_CREATE", message_create(fake, "what does sb 54 do"))
    await fake.dispatch("MESSAGE_CREATE", message_create(fake, "what is sb54", reply_to_bot=True))
    await fake.dispatch(
        "MESSAGE_CREATE",
        message_create(fake, f"<@{APP_ID}> how do I give public comment", mentions_bot=True),
    )
    (answer,) = await discord_bot.channel_messages(1)
    assert "Board of Supervisors" in answer["embeds"][0]["title"]
    assert str(answer["message_reference"]["channel_id"]) == str(CHANNEL_ID)
    assert answer["allowed_mentions"] == {"parse": [], "replied_user": False}
    await fake.dispatch("MESSAGE_CREATE", message_create(fake, "what is the truth act", dm=True))
    (dm,) = await discord_bot.channel_messages(1, channel=DM_CHANNEL_ID)
    assert "TRUTH" in dm["embeds"][0]["title"]
    assert len(discord_bot.fake.sent(f"/channels/{CHANNEL_ID}/messages")) == 1  # the rest: silence


async def test_message_content_intent_lets_replies_to_the_bot_through(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    async for bot in start_discord(config, monkeypatch, message_content=True):
        fake = bot.fake
        assert fake.identify is not None
        assert fake.identify["intents"] & (1 << 15)
        sync = next(c for c in fake.calls if c.method == "PUT")
        assert "/guilds/" not in sync.path  # no test server configured: global commands
        await fake.dispatch(
            "MESSAGE_CREATE", message_create(fake, "wut is sb54", reply_to_bot=True)
        )
        (answer,) = await bot.channel_messages(1)
        assert "SB 54" in answer["embeds"][0]["title"]


async def test_hostile_markdown_and_mentions_are_shown_not_obeyed(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    title = "@everyone **Rally** <@&830000000000000001> `now` ||spoiler||"
    add = slash("event", add={"title": title, "date": "2026-12-08", "time": "16:30"})
    added = await discord_bot.call(
        interaction(fake, add, author=ORGANIZER_ID, roles=(ORGANIZER_ROLE_ID,))
    )
    listed = await discord_bot.call(interaction(fake, slash("events")))
    assert added["data"]["content"].startswith("Added"), added
    shown = listed["data"]["content"]
    assert "@\u200beveryone" in shown
    assert "<@\u200b&830000000000000001>" in shown
    assert r"\*\*Rally\*\*" in shown
    assert r"\`now\`" in shown
    assert r"\|\|spoiler\|\|" in shown
    assert "<t:1796776200:F> (<t:1796776200:R>)" in shown  # each reader's own time zone
    assert listed["data"]["allowed_mentions"]["parse"] == []


async def test_a_6000_character_question_gets_one_reply_within_limits(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    question = ("where do I send written comment " * 200)[:6000]
    await fake.dispatch("INTERACTION_CREATE", interaction(fake, slash("ask", question=question)))
    (reply,) = await discord_bot.callbacks(1)
    message = reply["data"]
    assert len(message.get("content") or "") <= 2000
    assert all(len(e.get("description", "")) <= 4096 for e in message.get("embeds", []))
    assert spoken(message).strip()


def test_long_replies_split_within_discord_limits() -> None:
    body = "\n\n".join(f"Paragraph {i}: " + "word " * 150 for i in range(20))
    sources = tuple(Source(f"Source {i}", f"https://example.org/{i}") for i in range(40))
    reply = Reply(body, title="T" * 400, sources=sources, buttons=(Button("Yes", "fb:yes:x"),))
    for embeds in (True, False):
        pieces = render(reply, embeds=embeds)
        assert len(pieces) > 1
        assert "view" in pieces[-1]
        assert all("view" not in p for p in pieces[:-1])
        for piece in pieces:
            if embeds:
                data = piece["embed"].to_dict()
                assert len(data.get("title", "")) <= 256
                assert all(len(f["value"]) <= 1024 for f in data.get("fields", []))
                assert len(piece["embed"]) <= 6000
            else:
                assert 0 < len(piece["content"]) <= 2000


async def test_organizer_commands_refuse_members_and_say_who_can(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    refusal = await discord_bot.call(interaction(fake, slash("event", list={})))
    assert refusal["data"].get("flags", 0) & EPHEMERAL
    assert "organizer" in refusal["data"]["content"].lower()
    by_role = await discord_bot.call(
        interaction(fake, slash("event", list={}), author=ORGANIZER_ID, roles=(ORGANIZER_ROLE_ID,))
    )
    manage_server = str(int("2147486720") | (1 << 5))
    by_admin = await discord_bot.call(
        interaction(fake, slash("event", list={}), permissions=manage_server)
    )
    reload = await discord_bot.call(interaction(fake, slash("reload")))
    for allowed in (by_role, by_admin):
        assert "organizer" not in allowed["data"]["content"].lower()
    assert "moderator" in reload["data"]["content"].lower()  # a member is not a moderator


async def test_suggestion_and_feedback_buttons_work_on_old_messages(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    await fake.dispatch("INTERACTION_CREATE", interaction(fake, slash("ask", question="ice")))
    (abstained,) = await discord_bot.callbacks(1)
    suggestions = [i for i in custom_ids(abstained["data"]) if i.startswith("ask:")]
    assert suggestions, abstained
    # The press carries a message this process never sent: as after a restart.
    old = fake.message(CHANNEL_ID, abstained["data"])
    press = {"custom_id": suggestions[0], "component_type": 2}
    answered = await discord_bot.call(interaction(fake, press, kind=3, message=old))
    entry, _, token = suggestions[0].removeprefix("ask:").partition(":")
    assert token, "a 'Did you mean' button carries the token that records the choice"
    assert answered["type"] == 4
    assert answered["data"]["embeds"]
    assert f"fb:no:{entry}" in custom_ids(answered["data"])
    vote = {"custom_id": f"fb:no:{entry}", "component_type": 2}
    old = fake.message(CHANNEL_ID, answered["data"])
    thanks = await discord_bot.call(interaction(fake, vote, kind=3, message=old))
    assert thanks["data"].get("flags", 0) & EPHEMERAL
    await discord_bot.app.core.settle()
    unhelpful = await discord_bot.app.store.most_unhelpful()
    assert [row[0] for row in unhelpful] == [entry]
    ((asked, chosen),) = await discord_bot.app.store.top_choices()
    assert (asked.text, chosen) == ("ice", entry)


async def test_personal_commands_are_ephemeral_and_calendar_is_a_file(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    store = discord_bot.app.store
    subscribed = await discord_bot.call(interaction(fake, slash("subscribe"), dm=True))
    assert subscribed["data"].get("flags", 0) & EPHEMERAL
    assert await store.subscribers() == [("discord", str(DM_CHANNEL_ID), "en")]
    forgot = await discord_bot.call(interaction(fake, slash("forget"), dm=True))
    assert await store.subscribers() == []
    calendar = await discord_bot.call(interaction(fake, slash("calendar")))
    assert forgot["data"].get("flags", 0) & EPHEMERAL
    (file,) = calendar["files"]
    assert file["filename"].endswith(".ics")
    assert file["data"].startswith(b"BEGIN:VCALENDAR")


async def test_reminders_reach_channels_and_subscribers_once_with_local_timestamps(
    discord_bot: Discord,
) -> None:
    fake, app = discord_bot.fake, discord_bot.app
    add = slash(
        "event",
        add={"title": "Rally @here", "date": "2026-12-08", "time": "08:30", "targets": "general"},
    )
    await discord_bot.call(interaction(fake, add, author=ORGANIZER_ID, roles=(ORGANIZER_ROLE_ID,)))
    await discord_bot.call(interaction(fake, slash("subscribe"), dm=True))
    (event,) = [e for e in app.reminders.events.values() if e.title == "Rally @here"]
    occurrence = event.starts
    deadline = datetime(2027, 1, 1, tzinfo=UTC)
    first = await app.reminders.send(event, occurrence, timedelta(days=1), deadline)
    again = await app.reminders.send(event, occurrence, timedelta(days=1), deadline)
    assert first == {"sent": 2}
    assert again == {"duplicate": 2}  # the ledger: never twice
    (posted,) = await discord_bot.channel_messages(1)
    (direct,) = await discord_bot.channel_messages(1, channel=DM_CHANNEL_ID)
    stamp = int(occurrence.timestamp())
    for message in (posted, direct):
        assert message["enforce_nonce"] is True
        assert 0 < len(message["nonce"]) <= 25
        assert f"<t:{stamp}:F> (<t:{stamp}:R>)" in spoken(message)
        assert "@\u200bhere" in spoken(message)
        assert custom_ids(message) == [f"going:{event.id}"]
        assert message["allowed_mentions"]["parse"] == []
    assert posted["nonce"] != direct["nonce"]
    assert "Recordatorio" in spoken(posted)  # a channel gets both languages


async def test_channel_failures_follow_the_delivery_policy(discord_bot: Discord) -> None:
    adapter, fake = discord_bot.adapter, discord_bot.fake
    missing = ChannelRef("discord", "999", private=False)
    with pytest.raises(DeliveryError) as gone:
        await adapter.send(missing, Reply("hello"))
    assert gone.value.refused
    assert not gone.value.retry
    fake.fail[CHANNEL_ID] = 403
    channel = ChannelRef("discord", str(CHANNEL_ID), private=False)
    with pytest.raises(DeliveryError) as forbidden:
        await adapter.send(channel, Reply("hello"))
    assert forbidden.value.refused
    assert len(discord_bot.notices) == 2
    assert "999" in discord_bot.notices[0]
    fake.fail[CHANNEL_ID] = 503
    with pytest.raises(DeliveryError) as down:
        await adapter.send(channel, Reply("hello"))
    assert down.value.retry  # refused for now: the outbox retries with backoff
    fake.fail[DM_CHANNEL_ID] = 403
    dm = ChannelRef("discord", str(DM_CHANNEL_ID), private=True)
    with pytest.raises(DeliveryError):
        await adapter.send(dm, Reply("hello"))
    assert discord_bot.blocked == [dm]


async def test_shutdown_closes_the_gateway_promptly(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    bots = start_discord(config, monkeypatch)
    bot = await anext(bots)
    async with asyncio.timeout(5):
        with pytest.raises(StopAsyncIteration):
            await anext(bots)  # sets stop and waits for serve() to return
        await bot.fake.gateway_closed.wait()
    assert bot.adapter.client.is_closed()


async def test_run_starts_discord_from_the_config_and_stops_on_sigterm(tmp_path: Path) -> None:
    """`python -m bot run` with discord enabled: connects, answers, SIGTERM → exit 0, quiet."""
    fake = FakeDiscord()
    url = await fake.start()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\ndatabase: {{url: 'sqlite:///bot.db'}}\n"
        f"discord: {{enabled: true, base_url: '{url}', guild_id: {GUILD_ID}}}\n"
        "logging: {level: DEBUG}\n",
        encoding="utf-8",
    )
    proc = await run_bot(config, env={"DISCORD_TOKEN": "MTIz.SECRET-DISCORD-TOKEN"})
    try:
        async with asyncio.timeout(30):
            await fake.connected.wait()
        await fake.dispatch(
            "INTERACTION_CREATE", interaction(fake, slash("ask", question="what is sb54"))
        )
        await fake.wait_for(lambda calls: any("/callback" in c.path for c in calls))
    finally:
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            out, err = await proc.communicate()
        await fake.stop()
    assert proc.returncode == 0, err.decode()
    assert fake.gateway_closed.is_set()
    assert b"SECRET-DISCORD-TOKEN" not in out + err
    assert b"what is sb54" not in err, "message text never in the logs"
    (answer,) = [c.body for c in fake.calls if "/callback" in c.path]
    assert "SB 54" in answer["data"]["embeds"][0]["title"]


_ID = "123456789012345678"
_HOSTILE = st.sampled_from(
    ["@everyone", "@here", f"<@{_ID}>", f"<@!{_ID}>", f"<@&{_ID}>", "**", "`", "||", "\u202e"]
)
_PING = re.compile(r"@(everyone|here)|<@[!&]?\d{17,20}>")


@settings(deadline=None, max_examples=150)
@given(st.lists(st.one_of(st.text(max_size=300), _HOSTILE), max_size=40).map("".join))
def test_any_text_renders_within_limits_and_pings_nobody(body: str) -> None:
    reply = Reply(body or "…", title=body[:300] or None, sources=(Source(body[:50], "https://x"),))
    for embeds in (True, False):
        for piece in render(reply, embeds=embeds):
            if embeds:
                assert len(piece["embed"]) <= 6000
                shown = str(piece["embed"].to_dict())
            else:
                shown = piece["content"]
                assert 0 < len(shown) <= 2000
            assert not _PING.search(shown)


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_discord_out_of_reach_at_start_connects_when_it_comes_up(
    config: Config, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """discord.py against a closed port: retried with backoff, said once; once Discord is up,
    the same adapter logs in, connects and answers (a closed client cannot log in again)."""
    caplog.set_level(logging.INFO, logger="bot.app")
    port = _closed_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setattr(Route, "BASE", f"{url}/api/v10")
    monkeypatch.setattr(
        DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(f"ws://127.0.0.1:{port}/gateway")
    )
    config = replace(
        config,
        discord=PlatformConfig(enabled=True),
        reconnect_first=timedelta(seconds=1),
        reconnect_most=timedelta(seconds=2),
    )
    adapter = DiscordAdapter(config, "discord-test-token")
    app = build(config, adapters=[adapter])
    stop = asyncio.Event()
    running = asyncio.create_task(serve(app, stop))
    fake = FakeDiscord()
    try:
        async with asyncio.timeout(10):
            while not app.status.get("discord", "").startswith("retrying"):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            assert "discord" in app.reminders.down, "its reminders wait while it is down"
            await asyncio.sleep(2.5)  # a retry or two against nothing
            await fake.start(port)
            await adapter.connected.wait()
        assert app.status["discord"] == "connected"
        assert "discord" not in app.reminders.down
        await fake.dispatch("MESSAGE_CREATE", message_create(fake, "what is sb 54", dm=True))
        await fake.wait_for(lambda calls: fake.sent(f"/channels/{DM_CHANNEL_ID}/messages"))
    finally:
        stop.set()
        await running
        await fake.stop()
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert sum("discord: cannot reach the API" in m for m in said) == 1, said
    assert "discord: connected" in said


async def test_a_refused_discord_token_is_said_once_and_discord_stays_off(
    config: Config, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeDiscord(refused={"revoked-token"})
    url = await fake.start()
    monkeypatch.setattr(Route, "BASE", f"{url}/api/v10")
    config = replace(
        config, discord=PlatformConfig(enabled=True), reconnect_first=timedelta(seconds=1)
    )
    adapter = DiscordAdapter(config, "revoked-token")
    app = build(config, adapters=[adapter])
    stop = asyncio.Event()
    running = asyncio.create_task(serve(app, stop))
    try:
        async with asyncio.timeout(10):
            while not app.status.get("discord", "").startswith("off"):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)  # time for a retry, if there were one
    finally:
        stop.set()
        await running
        await fake.stop()
    assert "DISCORD_TOKEN" in app.status["discord"]
    logins = [c for c in fake.calls if c.path == "/users/@me"]
    assert len(logins) == 1, "a refused token is not tried again"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert "discord refused DISCORD_TOKEN" in errors[0]
    assert "Reset Token" in errors[0], "it says what to fix"


async def test_doctor_says_when_discord_refuses_the_token(tmp_path: Path) -> None:
    fake = FakeDiscord(refused={"revoked.token"})
    url = await fake.start()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\n"
        f"schedules: {{path: {ROOT / 'tests' / 'fixtures' / 'schedules'}}}\n"
        f"discord: {{enabled: true, base_url: '{url}'}}\n",
        encoding="utf-8",
    )

    async def doctor(token: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "doctor", "--config", str(config),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
            env={**os.environ, "DISCORD_TOKEN": token},
        )  # fmt: skip
        out, err = await proc.communicate()
        return proc.returncode or 0, out.decode(), err.decode()

    try:
        code, out, err = await doctor("revoked.token")
        assert code == 1
        assert "discord: token NOT accepted" in out
        assert "fix: discord refused DISCORD_TOKEN" in err
        assert "revoked.token" not in out + err
        code, out, err = await doctor("good.token")
        assert code == 0, err
        assert "discord: token accepted" in out
    finally:
        await fake.stop()


async def test_wrong_is_a_slash_command_that_flags_the_last_answer(discord_bot: Discord) -> None:
    """/wrong was on no menu: people could only type it. Discord now offers it like the rest."""
    fake = discord_bot.fake
    await discord_bot.call(interaction(fake, slash("ask", question="what is sb 54")))
    flagged = await discord_bot.call(interaction(fake, slash("wrong")))
    assert "A moderator will look at this answer" in json.dumps(flagged["data"])
    assert await discord_bot.app.store.most_unhelpful() != []
