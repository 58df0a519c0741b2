"""A small loopback Discord: the REST routes and the gateway the bot uses, nothing more.

discord.py is pointed at it by setting `Route.BASE` and `DiscordWebSocket.DEFAULT_GATEWAY`,
so the real Client logs in, connects, syncs commands, and receives the events tests dispatch
as Discord would send them. Everything the bot sends is recorded with its JSON body.

Shards as Discord runs them: each gateway connection identifies with `shard: [id, count]`
(none: shard 0 of 1), its READY lists only that shard's servers, and an event goes to the
connection of shard (guild id >> 22) % count; an event without a server (a DM) to shard 0.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

APP_ID = 900_000_000_000_000_001
GUILD_ID = 800_000_000_000_000_001  # on shard 1 of 2
CHANNEL_ID = 810_000_000_000_000_001
OTHER_GUILD_ID = 800_000_000_012_582_913  # on shard 0 of 2 (and of 4)
OTHER_CHANNEL_ID = 810_000_000_000_000_002
CHANNEL_GUILDS = {CHANNEL_ID: GUILD_ID, OTHER_CHANNEL_ID: OTHER_GUILD_ID}
DM_CHANNEL_ID = 820_000_000_000_000_001
ORGANIZER_ROLE_ID = 830_000_000_000_000_001
MEMBER_ID = 700_000_000_000_000_001
ORGANIZER_ID = 700_000_000_000_000_002
BOT_USER = {
    "id": str(APP_ID),
    "username": "forumbot",
    "discriminator": "0",
    "avatar": None,
    "bot": True,
    "global_name": None,
}
TIMESTAMP = "2026-11-25T12:00:00.000000+00:00"
EVERYONE_PERMISSIONS = str((1 << 10) | (1 << 11) | (1 << 31))  # view, send, use commands


def user(user_id: int, name: str = "someone") -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "avatar": None,
        "global_name": None,
    }


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    token: str = ""  # which process of several sharing the fake made it (tests give each its own)


@dataclass
class FakeDiscord:
    calls: list[Call] = field(default_factory=list)
    identify: dict[str, Any] | None = None  # the latest IDENTIFY
    identifies: list[dict[str, Any]] = field(default_factory=list)
    resumes: list[int] = field(default_factory=list)  # the shard of each RESUME
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    gateway_closed: asyncio.Event = field(default_factory=asyncio.Event)
    fail: dict[int, int] = field(default_factory=dict)  # channel id → status to answer with
    known_channels: set[int] = field(
        default_factory=lambda: {CHANNEL_ID, OTHER_CHANNEL_ID, DM_CHANNEL_ID}
    )
    refused: set[str] = field(default_factory=set)  # tokens answered 401 Unauthorized
    guilds: tuple[int, ...] = (GUILD_ID,)  # the servers the bot is in
    recommended_shards: int = 1  # what GET /gateway/bot answers
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1_000_000_000_000_000_001)
    )
    _links: dict[int, web.WebSocketResponse] = field(default_factory=dict)  # shard → connection
    _sessions: dict[str, int] = field(default_factory=dict)  # session id → shard
    _shard_count: int = 1
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    url: str = ""

    async def start(self, port: int = 0) -> str:
        """Listen on `port` (0: any free one); the base URL is returned."""
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        for ws in list(self._links.values()):
            if not ws.closed:
                await ws.close()
        if self._runner:
            await self._runner.cleanup()

    # What tests do ---------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """To the connection of the shard Discord would route `data` to."""
        shard = self.shard_of(data.get("guild_id"))
        ws = self._links.get(shard)
        assert ws is not None, f"shard {shard} never connected"
        assert not ws.closed, f"shard {shard} is not connected"
        await ws.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    def shard_of(self, guild_id: int | str | None) -> int:
        return (int(guild_id) >> 22) % self._shard_count if guild_id else 0

    @property
    def shards(self) -> set[int]:
        """The shards connected now (READY or RESUMED)."""
        return {shard for shard, ws in self._links.items() if not ws.closed}

    async def wait_shards(self, *shards: int) -> None:
        """Until all of `shards` are connected (callers bound the wait)."""
        async with self.changed:
            await self.changed.wait_for(lambda: set(shards) <= self.shards)

    async def drop(self, shard: int) -> None:
        """Close one shard's connection as a Discord restart does (4000): discord.py resumes."""
        ws = self._links.pop(shard)
        await ws.close(code=4000)

    def syncs(self) -> list[Call]:
        """Each time the command tree was written (PUT …/commands)."""
        return [c for c in self.calls if c.method == "PUT" and c.path.endswith("/commands")]

    async def wait_for(self, predicate: Any) -> list[Call]:
        """The calls so far once `predicate(calls)` holds (each new call wakes the check)."""
        async with asyncio.timeout(5), self.changed:
            await self.changed.wait_for(lambda: predicate(self.calls))
        return self.calls

    def sent(self, path_part: str) -> list[dict[str, Any]]:
        return [c.body for c in self.calls if c.method == "POST" and path_part in c.path]

    def new_id(self) -> str:
        return str(next(self._ids))

    # The gateway -----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        async for message in ws:
            payload = json.loads(message.data)
            if payload["op"] == 1:
                await ws.send_json({"op": 11})
            elif payload["op"] == 2:
                self.identify = payload["d"]
                self.identifies.append(payload["d"])
                await self._ready(ws, payload["d"].get("shard"))
            elif payload["op"] == 6:
                await self._resumed(ws, self._sessions[payload["d"]["session_id"]])
        if not self.shards:
            self.gateway_closed.set()
        return ws

    async def _ready(self, ws: web.WebSocketResponse, sharding: list[int] | None) -> None:
        shard, count = sharding or (0, 1)
        self._shard_count = count
        session = f"session-{shard}-{self.new_id()}"
        self._sessions[session] = shard
        mine = [g for g in self.guilds if self.shard_of(g) == shard]
        ready: dict[str, Any] = {
            "v": 10,
            "user": BOT_USER,
            "guilds": [{"id": str(g), "unavailable": True} for g in mine],
            "session_id": session,
            "resume_gateway_url": self.url.replace("http", "ws") + "/gateway",
            "application": {"id": str(APP_ID), "flags": 0},
        }
        if sharding:
            ready["shard"] = sharding
        await ws.send_json({"op": 0, "t": "READY", "s": next(self._seq), "d": ready})
        for guild_id in mine:
            data = guild(guild_id)
            await ws.send_json({"op": 0, "t": "GUILD_CREATE", "s": next(self._seq), "d": data})
        await self._link(shard, ws)
        self.connected.set()

    async def _resumed(self, ws: web.WebSocketResponse, shard: int) -> None:
        self.resumes.append(shard)
        await ws.send_json({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}})
        await self._link(shard, ws)

    async def _link(self, shard: int, ws: web.WebSocketResponse) -> None:
        async with self.changed:
            self._links[shard] = ws
            self.changed.notify_all()

    # REST ------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body = await _body(request)
        token = request.headers.get("Authorization", "").removeprefix("Bot ")
        async with self.changed:
            self.calls.append(Call(request.method, path, body, token))
            self.changed.notify_all()
        parts = path.strip("/").split("/")
        if token in self.refused:
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        if path == "/users/@me":
            return _json(BOT_USER)
        if path == "/oauth2/applications/@me":
            return _json(application())
        if path == "/gateway/bot":
            return _json(
                {
                    "url": self.url.replace("http", "ws") + "/gateway",
                    "shards": self.recommended_shards,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 1000,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            )
        if parts[0] == "applications" and parts[-1] == "commands" and request.method == "PUT":
            return _json([self._command(c, parts) for c in body.get("list", [])])
        if parts[0] == "interactions":
            return _json(
                {
                    "interaction": {"id": parts[1], "type": 2},
                    "resource": {"type": body.get("type", 4)},
                }
            )
        if parts[0] == "webhooks":
            return _json(self.message(int(body.get("channel_id", CHANNEL_ID)), body))
        if parts[0] == "channels":
            channel = int(parts[1])
            if channel in self.fail:
                status = self.fail[channel]
                return _json({"message": "refused", "code": 50013}, status=status)
            if channel not in self.known_channels:
                return _json({"message": "Unknown Channel", "code": 10003}, status=404)
            if len(parts) == 2:
                return _json(channel_payload(channel))
            if parts[2] == "messages" and request.method == "POST":
                return _json(self.message(channel, body))
            if parts[2] == "typing":
                return web.Response(status=204)
        return _json({"message": f"not faked: {request.method} {path}", "code": 0}, status=404)

    def _command(self, command: dict[str, Any], parts: list[str]) -> dict[str, Any]:
        guild_id = parts[3] if len(parts) > 3 and parts[2] == "guilds" else None
        return {
            "id": self.new_id(),
            "application_id": str(APP_ID),
            "guild_id": guild_id,
            "version": "1",
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "type": 1,
            "description": "",
            "options": [],
            **command,
        }

    def message(self, channel: int, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.new_id(),
            "channel_id": str(channel),
            "author": BOT_USER,
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "type": 0,
            "flags": 0,
            "nonce": body.get("nonce"),
        }


def _json(data: Any, status: int = 200) -> web.Response:
    """Exactly `application/json`, with no charset: discord.py decodes only that."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, content_type="application/json"
    )


async def _body(request: web.Request) -> dict[str, Any]:
    """JSON, or multipart with `payload_json` (when a file goes along): the JSON part."""
    if request.content_type.startswith("multipart/"):
        body: dict[str, Any] = {"files": []}
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                body.update(json.loads(await part.text()))  # type: ignore[union-attr]
            else:
                body["files"].append({"filename": part.filename, "data": await part.read()})  # type: ignore[union-attr]
        return body
    if request.can_read_body:
        raw = await request.read()
        if raw:
            data = json.loads(raw)
            return data if isinstance(data, dict) else {"list": data}
    return {}


def application() -> dict[str, Any]:
    return {
        "id": str(APP_ID),
        "name": "forumbot",
        "icon": None,
        "description": "",
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user(1, "owner"),
        "verify_key": "0" * 64,
        "flags": 0,
        "summary": "",
    }


def guild(guild_id: int = GUILD_ID) -> dict[str, Any]:
    everyone = {
        "id": str(guild_id),
        "name": "@everyone",
        "permissions": EVERYONE_PERMISSIONS,
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    organizers = {**everyone, "id": str(ORGANIZER_ROLE_ID), "name": "Organizers", "position": 1}
    channels = [c for c, g in CHANNEL_GUILDS.items() if g == guild_id]
    return {
        "id": str(guild_id),
        "name": "Sacramento forum prep" if guild_id == GUILD_ID else "Yolo forum prep",
        "icon": None,
        "owner_id": "1",
        "roles": [everyone, organizers],
        "channels": [channel_payload(c) for c in channels],
        "members": [
            {
                "user": BOT_USER,
                "roles": [],
                "joined_at": TIMESTAMP,
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        ],
        "member_count": 3,
        "features": [],
        "emojis": [],
        "stickers": [],
        "preferred_locale": "en-US",
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "premium_tier": 0,
        "system_channel_flags": 0,
        "nsfw_level": 0,
        "afk_timeout": 300,
        "large": False,
        "joined_at": TIMESTAMP,
        "voice_states": [],
        "presences": [],
        "threads": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    }


def channel_payload(channel: int) -> dict[str, Any]:
    if channel == DM_CHANNEL_ID:
        return {
            "id": str(channel),
            "type": 1,
            "recipients": [user(MEMBER_ID)],
            "last_message_id": None,
        }
    return {
        "id": str(channel),
        "type": 0,
        "guild_id": str(CHANNEL_GUILDS.get(channel, GUILD_ID)),
        "name": "general",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


# Events as Discord sends them --------------------------------------------------------------


def member(
    user_id: int, *, roles: tuple[int, ...] = (), permissions: str = EVERYONE_PERMISSIONS
) -> dict[str, Any]:
    return {
        "user": user(user_id),
        "roles": [str(r) for r in roles],
        "permissions": permissions,
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
    }


def message_create(
    fake: FakeDiscord,
    content: str,
    *,
    author: int = MEMBER_ID,
    dm: bool = False,
    mentions_bot: bool = False,
    reply_to_bot: bool = False,
    channel: int = CHANNEL_ID,
) -> dict[str, Any]:
    guild_id = CHANNEL_GUILDS[channel]
    data = fake.message(DM_CHANNEL_ID if dm else channel, {"content": content})
    data |= {"author": user(author), "type": 19 if reply_to_bot else 0, "nonce": None}
    if mentions_bot:
        data["mentions"] = [{**BOT_USER, "member": {"roles": [], "joined_at": TIMESTAMP}}]
    if not dm:
        data["guild_id"] = str(guild_id)
        data["member"] = {
            "roles": [],
            "joined_at": TIMESTAMP,
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
    if reply_to_bot:
        earlier = fake.message(channel, {"content": "an earlier answer"})
        data["message_reference"] = {
            "message_id": earlier["id"],
            "channel_id": str(channel),
            "guild_id": str(guild_id),
        }
        data["referenced_message"] = earlier
    return data


def interaction(
    fake: FakeDiscord,
    data: dict[str, Any],
    *,
    kind: int = 2,
    author: int = MEMBER_ID,
    roles: tuple[int, ...] = (),
    permissions: str = EVERYONE_PERMISSIONS,
    locale: str = "en-US",
    dm: bool = False,
    message: dict[str, Any] | None = None,
    channel: int = CHANNEL_ID,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": fake.new_id(),
        "application_id": str(APP_ID),
        "type": kind,
        "token": f"token-{fake.new_id()}",
        "version": 1,
        "data": data,
        "locale": locale,
        "app_permissions": "2147483647",
        "attachment_size_limit": 10_485_760,
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(CHANNEL_GUILDS[channel])},
        "context": 1 if dm else 0,
    }
    if dm:
        payload["channel_id"] = str(DM_CHANNEL_ID)
        payload["channel"] = channel_payload(DM_CHANNEL_ID)
        payload["user"] = user(author)
    else:
        payload["guild_id"] = str(CHANNEL_GUILDS[channel])
        payload["guild_locale"] = "en-US"
        payload["channel_id"] = str(channel)
        payload["channel"] = channel_payload(channel)
        payload["member"] = member(author, roles=roles, permissions=permissions)
    if message is not None:
        payload["message"] = message
    return payload


def slash(name: str, **options: Any) -> dict[str, Any]:
    """A chat-input command's data; a dict value makes a subcommand with its own options."""
    return {"id": "1", "name": name, "type": 1, "options": _options(options)}


def _options(options: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, value in options.items():
        if isinstance(value, dict):
            out.append({"name": name, "type": 1, "options": _options(value)})
        else:
            out.append({"name": name, "type": 3, "value": value})
    return out
