"""Telegram ↔ Incoming/Reply, through python-telegram-bot 22.

The Application runs inside the bot's one event loop (initialize → start → polling; no
`run_polling`, which would take the loop and the signals), without PTB's JobQueue or
persistence: reminders and storage belong to the core. Text goes out as HTML with every piece of
user and knowledge text escaped, so `<`, `&` or `<script>` can never break a message.

In webhook mode Telegram posts each update to our own small aiohttp server instead (not PTB's
`start_webhook`: its tornado handler queues the update and answers 200 before anything is
handled, so it cannot say "try later" when another process holds the update, and it logs
request bodies at DEBUG). The server checks the secret header, claims the update in the shared
ledger (`UpdateLedger`), handles it with `process_update` and only then answers.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import (
    BotCommand,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
    TypeHandler,
)

from bot.adapters.base import (
    DeliveryError,
    Handler,
    LinkListener,
    UpdateLedger,
    say_link,
)
from bot.adapters.telegram_bot_api import (
    BEFORE_SEND,
    REFUSED_HELP,
    UPDATER_LOG,
    Budget,
    SharedRateLimiter,
    Without,
    default_rate_limiter,
)
from bot.adapters.telegram_render import keyboard_for, render
from bot.config import Config
from bot.messages import ChannelRef, CommandSpec, Incoming, Reply, Role

log = logging.getLogger(__name__)
os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta, as in PTB 23

ADMIN_CACHE_SECONDS = 300.0
MAX_PARTIAL_SENDS = 1000  # reminders remembered as half-sent, waiting for their retry
_FIVE_XX = ("Bad Gateway", "Internal Server Error", "Service Unavailable", "Gateway Timeout")
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - the header's name
WEBHOOK_CHECK_SECONDS = 60.0  # how often webhook mode asks the Bot API whether it still answers
REFUSED_LOG_SECONDS = 60.0  # a flood of refused posts: one log line a minute, with a count
WEBHOOK_SHUTDOWN_SECONDS = 2.0  # updates being handled at shutdown; the rest Telegram retries


@dataclass
class _Work:
    """The webhook update this task is handling: marked `sending` once, as its first message
    leaves (`BEFORE_SEND`)."""

    update_id: int
    sending: bool = False


class TelegramAdapter:
    name = "telegram"

    def __init__(
        self,
        config: Config,
        token: str,
        *,
        rate_limiter: BaseRateLimiter[dict[str, object]] | None = None,
        on_blocked: Callable[[ChannelRef], Awaitable[None]] | None = None,
        on_notice: Callable[[str], Awaitable[None]] | None = None,
        on_moved: Callable[[str, str], Awaitable[None]] | None = None,
        commands: Sequence[CommandSpec] = (),
        updates: UpdateLedger | None = None,
        webhook_secret: str | None = None,
        budget: Budget | None = None,
    ) -> None:
        """`budget`: the send rate shared with other processes on one database (replies and
        reminders alike); None keeps this process's own rate alone."""
        self.config = config
        self.updates = updates  # webhook mode: each update handled once across processes
        self._secret = webhook_secret  # TELEGRAM_WEBHOOK_SECRET, checked by the app
        self.commands = commands  # the core's registry: the menu is generated from it
        self.connected = asyncio.Event()  # set while the Bot API answers: reminders wait for it
        self.on_link: LinkListener | None = None
        self.stopped: str | None = None  # why it gave up for good, with what to fix
        limiter: BaseRateLimiter[Any] = rate_limiter or default_rate_limiter()
        if budget is not None or updates is not None:  # shared moments; `sending` marked late
            limiter = SharedRateLimiter(limiter, budget)
        builder: ApplicationBuilder = (  # type: ignore[type-arg]
            Application.builder()
            .token(token)
            .job_queue(None)
            .defaults(
                Defaults(
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            )
            .rate_limiter(limiter)
        )
        if config.telegram.base_url:
            builder = builder.base_url(config.telegram.base_url)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._handle: Handler | None = None
        self._on_blocked = on_blocked
        self._on_notice = on_notice
        self._on_moved = on_moved  # a group became a supergroup: the core saves its new id
        self._admins: dict[int, tuple[float, frozenset[int]]] = {}
        self._pieces_sent: dict[str, int] = {}  # ledger row → pieces of it already delivered
        self._refused: dict[str, tuple[float, int]] = {}  # why → (last line said, refused since)

    async def run(self, handle: Handler) -> None:
        """Until cancelled. A Bot API that cannot be reached, at start or later, raises (the
        app tries again after a while); a refused token is said once, with what to fix, and
        Telegram stays off."""
        self._handle = handle
        self.connected.clear()
        webhook = self.config.telegram.mode == "webhook"
        if webhook and not self._secret:
            self._off(self.config.webhook_secret_problem() or "TELEGRAM_WEBHOOK_SECRET is not set")
            return
        try:
            await (self._serve_webhook() if webhook else self._serve())
        except InvalidToken:
            self._off(REFUSED_HELP)
        except BadRequest as exc:  # setWebhook refused the address (e.g. not HTTPS)
            self._off(f"telegram refused telegram.webhook.url: {exc.message}")

    def _off(self, why: str) -> None:
        """Off for good, said once with what to fix; the app keeps the rest running."""
        self.stopped = why
        log.error("%s; Telegram is off, the rest keeps running", why)

    async def _serve_webhook(self) -> None:
        """Listen first, then tell Telegram where to post: nothing it sends finds no one.
        Stopping never calls deleteWebhook: other processes still serve that address."""
        hook = self.config.telegram.webhook
        async with self.application:
            await self._publish_commands()
            server = web.Application()
            server.router.add_post(hook.path, self._on_post)
            runner = web.AppRunner(
                server, access_log=None, shutdown_timeout=WEBHOOK_SHUTDOWN_SECONDS
            )
            await runner.setup()
            try:
                try:
                    await web.TCPSite(runner, hook.listen, hook.port).start()
                except OSError as exc:  # the port is taken: maybe a process still stopping
                    raise ConnectionError(
                        f"cannot listen on {hook.listen}:{hook.port}: {exc.strerror}"
                    ) from exc
                bot = self.application.bot
                await bot.set_webhook(
                    hook.url or "",
                    secret_token=self._secret,
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
                log.info("telegram: webhook set; serving it on %s:%d", hook.listen, hook.port)
                say_link(self, True)
                await self._watch_webhook()
            finally:
                self.connected.clear()
                await runner.cleanup()

    async def _watch_webhook(self) -> None:
        """Webhook mode has no polling to notice the Bot API going away: ask it now and then,
        and raise when it does not answer (the app reconnects with backoff, setting the
        webhook again)."""
        url = self.config.telegram.webhook.url
        warned = False
        while True:
            await asyncio.sleep(WEBHOOK_CHECK_SECONDS)
            try:
                info = await self.application.bot.get_webhook_info()
            except NetworkError as exc:  # a refused token (InvalidToken) goes up to `run`
                raise ConnectionError(f"lost the Bot API: {exc.message}") from exc
            if info.url != url and not warned:  # a polling process with this token removes it
                log.warning("telegram: the webhook is no longer set to telegram.webhook.url")
            warned = info.url != url

    async def _on_post(self, request: web.Request) -> web.Response:
        """One update from Telegram. 200: handled, or handled before (a second delivery). 503:
        another process holds it, or the database cannot say: Telegram posts it again later.
        Nothing of a refused request is logged but that it was refused."""
        sent = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(sent.encode(), (self._secret or "").encode()):
            self._say_refused("without the right secret header")
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            self._say_refused("that is not a Telegram update")
            return web.Response(status=400)
        update_id = update.update_id
        if self.updates is not None:
            try:
                claim = await self.updates.claim(update_id)
            except Exception as exc:
                log.warning("telegram update %d: cannot claim it (%s); try later", update_id, exc)
                return web.Response(status=503)
            if claim == "done":
                return web.Response()
            if claim == "busy":
                return web.Response(status=503)
        alive = asyncio.create_task(self._keep_claim(update_id)) if self.updates else None
        leaving = BEFORE_SEND.set(functools.partial(self._sending, _Work(update_id)))
        try:
            await self.application.process_update(update)  # a failing handler is logged there
        finally:
            BEFORE_SEND.reset(leaving)
            if alive is not None:
                alive.cancel()
        if self.updates is not None:
            try:
                await self.updates.finish(update_id)
            except Exception as exc:  # answered: a second delivery finds it `sending`
                log.warning("telegram update %d: handled, not marked (%s)", update_id, exc)
        return web.Response()

    async def _sending(self, work: _Work) -> None:
        """The update's first message is leaving (its turn came): from here on, a takeover
        never answers it again. If the mark cannot be saved, the answer still goes."""
        if work.sending or self.updates is None:
            return
        work.sending = True
        try:
            await self.updates.sending(work.update_id)
        except Exception as exc:
            log.warning("telegram update %d: not marked as sending (%s)", work.update_id, exc)

    def _say_refused(self, why: str) -> None:
        """The first refused request is logged, then at most one line a minute saying how many
        more: someone posting junk to the public address must not flood the log."""
        now = time.monotonic()
        since, more = self._refused.get(why, (now - REFUSED_LOG_SECONDS, 0))
        if now - since < REFUSED_LOG_SECONDS:
            self._refused[why] = (since, more + 1)
            return
        extra = f" ({more} more since the last such line)" if more else ""
        log.warning("telegram webhook: refused a request %s%s", why, extra)
        self._refused[why] = (now, 0)

    async def _keep_claim(self, update_id: int) -> None:
        """A slow update (a busy model, a group's send rate) is renewed well within the lease,
        so only a process that stopped has its update taken over."""
        if self.updates is None:
            return
        every = self.config.telegram.webhook.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                await self.updates.renew(update_id)
            except Exception as exc:
                log.debug("telegram update %d: claim not renewed (%s)", update_id, exc)

    async def _serve(self) -> None:
        async with self.application:
            await self._publish_commands()
            updater = self.application.updater
            if updater is None:
                raise RuntimeError("the telegram Application was built without an updater")
            lost: asyncio.Future[NetworkError] = asyncio.get_running_loop().create_future()
            said: set[str] = set()

            def polling_failed(exc: TelegramError) -> None:
                """PTB would retry on its own, logging a traceback each time: a network error
                ends this run instead, so the app says it once and reconnects with backoff."""
                if isinstance(exc, NetworkError):
                    if not lost.done():
                        lost.set_result(exc)
                elif exc.message not in said:  # e.g. another instance polls with this token
                    said.add(exc.message)
                    log.warning("telegram: polling refused: %s", exc.message)

            await updater.start_polling(
                allowed_updates=ALLOWED_UPDATES,
                error_callback=polling_failed,
            )
            await self.application.start()
            say_link(self, True)
            try:
                failure = await lost
                raise ConnectionError(f"lost the Bot API: {failure.message}") from failure
            finally:
                self.connected.clear()
                # With the API gone, PTB's last call to confirm updates fails with a
                # traceback; nothing is lost (the Updater keeps its offset for the next start)
                quiet = Without("one more time") if lost.done() else None
                if quiet:
                    UPDATER_LOG.addFilter(quiet)
                try:
                    await updater.stop()
                finally:
                    if quiet:
                        UPDATER_LOG.removeFilter(quiet)
                await self.application.stop()

    async def _publish_commands(self) -> None:
        """The menu in both languages: everyone's commands (role commands are not on a menu
        everyone sees; /help lists them to whom they are for)."""
        shown = [c for c in self.commands if c.menu and c.role is None]
        for lang in ("en", "es"):
            try:
                await self.application.bot.set_my_commands(
                    [BotCommand(c.name, c.describe(lang)) for c in shown],
                    language_code=None if lang == "en" else lang,
                )
            except TelegramError as exc:
                log.warning("could not publish the command list (%s): %s", lang, exc)

    # Incoming ---------------------------------------------------------------------------

    async def _on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update) or self._handle is None:
            return
        if update.callback_query:
            await self._on_button(update)
        elif update.my_chat_member:
            await self._on_membership(update)
        elif update.message and update.message.migrate_to_chat_id:
            old, new = str(update.message.chat.id), str(update.message.migrate_to_chat_id)
            log.info("telegram group became a supergroup; reminders follow it")
            if self._on_moved:
                await self._on_moved(old, new)
        elif update.message and update.message.text:
            await self._on_text(update.message)

    async def _on_text(self, message: Message) -> None:
        text_in = self._addressed_text(message)
        if text_in is None or message.from_user is None:
            return
        channel = self._channel(message)
        roles = await self._roles(message) if text_in.startswith("/") else frozenset()
        incoming = Incoming(
            channel,
            str(message.from_user.id),
            text_in,
            roles=roles,
            language=message.from_user.language_code,
        )
        if self._handle is None:
            return
        for reply in await self._handle(incoming):
            await self._send(
                channel, reply, reply_to=None if channel.private else message.message_id
            )

    def _addressed_text(self, message: Message) -> str | None:
        """Private chat: every text. Group: a command, a mention, or a reply to the bot."""
        raw = message.text or ""
        if message.chat.type == ChatType.PRIVATE:
            return raw
        username = f"@{self.application.bot.username}"
        if raw.startswith("/"):
            command, _, rest = raw.partition(" ")
            name, at, addressee = command.partition("@")
            if at and addressee.lower() != username[1:].lower():
                return None  # a command for another bot in the same group
            return f"{name} {rest}".strip()  # "/help@ThisBot" is this bot's /help
        if username.lower() in raw.lower():
            start = raw.lower().index(username.lower())
            return (raw[:start] + raw[start + len(username) :]).strip()
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == self.application.bot.id:
            return raw
        return None

    async def _on_button(self, update: Update) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("callback answer failed: %s", exc)
        if not (query.message and query.data and self._handle):
            return
        if isinstance(query.message, Message):  # its forum topic, so the answer lands there
            channel = self._channel(query.message)
        else:  # too old for Telegram to send: the chat alone
            chat = query.message.chat
            channel = ChannelRef("telegram", str(chat.id), private=chat.type == ChatType.PRIVATE)
        incoming = Incoming(
            channel,
            str(query.from_user.id),
            "",
            language=query.from_user.language_code,
            action=query.data,
        )
        for reply in await self._handle(incoming):
            await self._send(channel, reply)

    async def _on_membership(self, update: Update) -> None:
        change = update.my_chat_member
        if change is None:
            return
        if change.new_chat_member.status in ("left", "kicked"):
            log.warning("the bot was removed from a telegram chat")
            if self._on_notice and change.chat.type != ChatType.PRIVATE:
                await self._on_notice(
                    f'The bot was removed from the Telegram group "{change.chat.title}" '
                    f"({change.chat.id}); reminders to it will fail until it is added back."
                )

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram handler failed: %s", type(context.error).__name__)

    def _channel(self, message: Message) -> ChannelRef:
        thread = message.message_thread_id if message.is_topic_message else None
        return ChannelRef(
            "telegram",
            str(message.chat.id),
            str(thread) if thread else None,
            private=message.chat.type == ChatType.PRIVATE,
        )

    async def _roles(self, message: Message) -> frozenset[Role]:
        """From the config's user ids and, in groups, admin status; never from the text."""
        if message.from_user is None:
            return frozenset()
        user = message.from_user.id
        roles = set()
        rules = ((Role.ORGANIZER, self.config.organizers), (Role.MODERATOR, self.config.moderators))
        for role, rule in rules:
            if str(user) in rule.telegram_users:
                roles.add(role)
        if (
            message.chat.type != ChatType.PRIVATE
            and any(rule.telegram_group_admins for _, rule in rules)
            and user in await self._admin_ids(message.chat.id)
        ):
            roles.update(role for role, rule in rules if rule.telegram_group_admins)
        return frozenset(roles)

    async def _admin_ids(self, chat_id: int) -> frozenset[int]:
        cached = self._admins.get(chat_id)
        if cached and time.monotonic() - cached[0] < ADMIN_CACHE_SECONDS:
            return cached[1]
        try:
            admins = await self.application.bot.get_chat_administrators(chat_id)
        except TelegramError as exc:
            log.warning("could not read group admins: %s", exc)
            return frozenset()
        ids = frozenset(a.user.id for a in admins)
        self._admins[chat_id] = (time.monotonic(), ids)
        return ids

    # Outgoing ---------------------------------------------------------------------------

    async def send(
        self, channel: ChannelRef, reply: Reply, *, delivery_id: str | None = None
    ) -> None:
        """For the outbox: platform errors become DeliveryError by the delivery policy.
        `delivery_id`: a reminder's ledger row, so its retry skips the pieces that went out."""
        try:
            await self._send(channel, reply, delivery_id=delivery_id)
        except ChatMigrated as exc:
            new = str(exc.new_chat_id)
            log.info("telegram group moved; sending to its supergroup")
            if self._on_moved:
                await self._on_moved(channel.chat_id, new)
            await self.send(replace(channel, chat_id=new), reply, delivery_id=delivery_id)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise DeliveryError("telegram: flood control", retry=True, retry_after=seconds) from exc
        except Forbidden as exc:
            log.warning("telegram refused a chat (blocked or removed): %s", exc.message)
            if channel.private and self._on_blocked:
                await self._on_blocked(channel)
            raise DeliveryError(f"telegram: {exc.message}", retry=False, refused=True) from exc
        except TimedOut as exc:  # the request may have gone out: never re-send
            raise DeliveryError("telegram: timed out", retry=False) from exc
        except BadRequest as exc:
            raise DeliveryError(f"telegram: {exc.message}", retry=False, refused=True) from exc
        except NetworkError as exc:
            refused = any(s in exc.message for s in _FIVE_XX) or "ConnectError" in exc.message
            raise DeliveryError(f"telegram: {exc.message}", retry=refused) from exc

    async def _send(
        self,
        channel: ChannelRef,
        reply: Reply,
        reply_to: int | None = None,
        *,
        delivery_id: str | None = None,
    ) -> None:
        chat_id = int(channel.chat_id)
        thread = int(channel.thread_id) if channel.thread_id else None
        bot = self.application.bot
        pieces = render(reply)
        keyboard = keyboard_for(reply)
        row = delivery_id
        done = self._pieces_sent.get(row, 0) if row else 0
        for number, piece in enumerate(pieces):
            if number < done:
                continue
            last = number == len(pieces) - 1
            await bot.send_message(
                chat_id,
                piece,
                message_thread_id=thread,
                reply_markup=keyboard if last else None,
                reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to and number == 0
                else None,
            )
            if row:
                self._note_piece(row, number + 1)
        if reply.attachment:
            await bot.send_document(
                chat_id,
                InputFile(reply.attachment.data, filename=reply.attachment.filename),
                message_thread_id=thread,
            )
        if row:
            self._pieces_sent.pop(row, None)

    def _note_piece(self, row: str, count: int) -> None:
        if row not in self._pieces_sent and len(self._pieces_sent) >= MAX_PARTIAL_SENDS:
            self._pieces_sent.pop(next(iter(self._pieces_sent)))  # the oldest; bounded memory
        self._pieces_sent[row] = count
