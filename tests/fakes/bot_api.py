"""A loopback Telegram Bot API: enough of it for python-telegram-bot to poll, send and fail.

Tests queue updates, read what the bot sent, and script failures (429, 5xx, 403, migration)
exactly as Telegram words them, so the adapter is exercised through the real library.

Webhook mode too: setWebhook, deleteWebhook and getWebhookInfo remember the address and the
secret, and `deliver` posts an update there as Telegram does (`deliver_retrying`: and posts it
again after a non-2xx answer, with a short backoff, as Telegram retries).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

BOT_ID = 999
BOT_USERNAME = "ForumPrepBot"


@dataclass
class FakeBotApi:
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # scripted answers to the next sends, in order; None lets that send through
    failures: list[tuple[int, dict[str, Any]] | None] = field(default_factory=list)
    admins: dict[int, list[int]] = field(default_factory=dict)
    delivered: list[dict[str, Any]] = field(default_factory=list)  # sends that succeeded
    per_second: int | None = None  # like Telegram's flood control: 429 above this rate
    too_many: int = 0  # 429s answered by that flood control
    refused: set[str] = field(default_factory=set)  # tokens answered 401 Unauthorized
    webhook_url: str = ""  # what setWebhook set ("" after deleteWebhook, as Telegram says)
    webhook_secret: str | None = None
    retry_delay: float = 0.05  # deliver_retrying's first wait; it doubles (Telegram's: seconds)
    retry_most: float = 1.0  # ... up to this
    deliveries: list[tuple[int, int]] = field(default_factory=list)  # (update_id, status) posted
    _session: ClientSession | None = None
    _recent: list[float] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self, port: int = 0) -> str:
        """Listen on `port` (0: any free one); the bot's base_url is returned."""
        app = web.Application()
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self.base_url

    async def stop(self) -> None:
        if self._session:
            await self._session.close()
            self._session = None  # a restarted fake delivers again
        if self._runner:
            await self._runner.cleanup()

    # What tests do ---------------------------------------------------------------------

    def push_message(self, text: str, **details: Any) -> None:
        """A text message for the bot's next getUpdates; `details` as `message_update` takes."""
        update = self.message_update(text, **details)
        del update["update_id"]  # numbered again as it is queued, as before
        self._push(update)

    def message_update(
        self,
        text: str,
        *,
        chat_id: int = 42,
        chat_type: str = "private",
        user_id: int = 7,
        language: str = "en",
        reply_to_bot: bool = False,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A text message update with its own update_id, for `deliver` (webhook mode)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type, "title": "Group"},
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": "Ana",
                "language_code": language,
            },
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if entities:
            message["entities"] = entities
        if reply_to_bot:
            message["reply_to_message"] = {
                "message_id": 1,
                "date": int(time.time()),
                "chat": message["chat"],
                "from": {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "Bot",
                    "username": BOT_USERNAME,
                },
                "text": "earlier answer",
            }
        return {"update_id": next(self._update_ids), "message": message}

    def push_button(
        self, data: str, *, chat_id: int = 42, user_id: int = 7, thread_id: int | None = None
    ) -> None:
        """A press on a button of the bot's message; `thread_id`: in that forum topic."""
        message: dict[str, Any] = {
            "message_id": 5,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup" if thread_id else "private"},
            "text": "suggestions",
        }
        if thread_id:
            message |= {"message_thread_id": thread_id, "is_topic_message": True}
        self._push(
            {
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "from": {
                        "id": user_id,
                        "is_bot": False,
                        "first_name": "Ana",
                        "language_code": "en",
                    },
                    "chat_instance": "x",
                    "data": data,
                    "message": message,
                }
            }
        )

    def push_raw(self, update: dict[str, Any]) -> None:
        self._push(update)

    async def deliver(
        self,
        update: dict[str, Any],
        *,
        url: str | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        """POST `update` to the webhook as Telegram does, with the secret header setWebhook
        gave (or `secret`; `headers` replaces them all); the HTTP status is returned, and 0
        when nothing answered (refused, reset: Telegram counts that as a failure too)."""
        update.setdefault("update_id", next(self._update_ids))
        target = url or self.webhook_url
        if not target:
            raise AssertionError("no webhook set: the bot has not called setWebhook")
        if headers is None:
            token = secret if secret is not None else self.webhook_secret
            headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        if self._session is None:
            self._session = ClientSession(timeout=ClientTimeout(total=30))
        try:
            async with self._session.post(target, json=update, headers=headers) as response:
                await response.read()
                status = response.status
        except (ClientError, OSError):
            status = 0
        self.deliveries.append((int(update["update_id"]), status))
        return status

    async def deliver_retrying(
        self, update: dict[str, Any], *, url: str | None = None, attempts: int = 20
    ) -> int:
        """`deliver` until a 2xx answer, waiting `retry_delay` then twice as long each time (up
        to `retry_most`), as Telegram retries a webhook; the last status is returned."""
        delay = self.retry_delay
        status = 0
        for _ in range(attempts):
            status = await self.deliver(update, url=url)
            if 200 <= status < 300:
                return status
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry_most)
        return status

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def wait_sent(
        self, count: int, method: str = "sendMessage", seconds: float = 5
    ) -> list[dict[str, Any]]:
        async with asyncio.timeout(seconds):
            while len(self.sent(method)) < count:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        return self.sent(method)

    # The server ------------------------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = next(self._update_ids)
        self.updates.append(update)
        self._new_update.set()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        if request.match_info["token"] in self.refused:
            body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return web.json_response(body, status=401)
        if method == "getUpdates":
            return _ok(await self._get_updates(params))
        if method == "setWebhook":
            self.webhook_url = str(params["url"])
            secret = params.get("secret_token")  # a form field: "123" reads back as a number
            self.webhook_secret = None if secret is None else str(secret)
            return _ok(True)
        if method == "deleteWebhook":
            self.webhook_url, self.webhook_secret = "", None
            return _ok(True)
        if method == "getWebhookInfo":
            info = {"url": self.webhook_url, "has_custom_certificate": False}
            return _ok(info | {"pending_update_count": len(self.updates)})
        if method in ("sendMessage", "sendDocument") and self.failures:
            failure = self.failures.pop(0)
            if failure is not None:
                status, body = failure
                return web.json_response(body, status=status)
        if method == "sendMessage" and self.per_second:
            now = time.monotonic()
            self._recent = [t for t in self._recent if now - t < 1.0]
            if len(self._recent) >= self.per_second:
                self.too_many += 1
                status, body = error(429, "Too Many Requests: retry after 1", retry_after=1)
                return web.json_response(body, status=status)
            self._recent.append(now)
        if method == "getMe":
            return _ok(
                {"id": BOT_ID, "is_bot": True, "first_name": "Forum prep", "username": BOT_USERNAME}
            )
        if method in ("sendMessage", "sendDocument"):
            self.delivered.append(params)
            chat = {"id": int(params["chat_id"]), "type": "private"}
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": chat,
            }
            if "text" in params:
                message["text"] = params["text"]
            return _ok(message)
        if method == "getChatAdministrators":
            users = self.admins.get(int(params["chat_id"]), [])
            return _ok(
                [
                    {
                        "status": "administrator",
                        "user": {"id": u, "is_bot": False, "first_name": "A"},
                        "can_be_edited": False,
                        "is_anonymous": False,
                        "can_manage_chat": True,
                        "can_delete_messages": True,
                        "can_manage_video_chats": True,
                        "can_restrict_members": True,
                        "can_promote_members": True,
                        "can_change_info": True,
                        "can_invite_users": True,
                        "can_post_stories": True,
                        "can_edit_stories": True,
                        "can_delete_stories": True,
                    }
                    for u in users
                ]
            )
        return _ok(True)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._new_update.clear()
            try:
                async with asyncio.timeout(0.2):
                    await self._new_update.wait()
            except TimeoutError:
                return []
        return list(self.updates)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = {"filename": value.filename, "data": value.file.read()}
            continue
        try:
            params[key] = json.loads(value)
        except (TypeError, ValueError):
            params[key] = value
    return params


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def error(code: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    """A failure exactly as Telegram words it, for FakeBotApi.failures."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body
