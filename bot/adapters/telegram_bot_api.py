"""How the bot talks to Telegram's Bot API beside the updates and messages: the send rate it
keeps (alone, or shared with other processes), the token check `doctor` runs, and PTB's one log
line that is noise when the API is gone.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, Protocol

from telegram._utils.types import JSONDict
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, BaseRateLimiter

from bot.config import Config

REFUSED_HELP = (
    "telegram refused TELEGRAM_BOT_TOKEN: set it to the token @BotFather gave you "
    "(/mybots → API Token) and restart"
)


UPDATER_LOG = logging.getLogger("telegram.ext.Updater")
SEND_INTERVAL = 1 / 29  # seconds between two sends: a little under Telegram's ~30 a second
GROUP_INTERVAL = 60 / 19  # between two sends to one group: a little under its 20 a minute
# what Telegram counts as messages; other calls (answerCallbackQuery, getMe …) are not limited
_SENDING = ("send", "copyMessage", "forwardMessage")


# Told right before a message of the update being handled leaves, after every wait for its turn
# (this process's spacing, the shared budget): webhook mode marks the update `sending` only then,
# so an answer still queued when its process dies is answered by another, not given up.
BEFORE_SEND: contextvars.ContextVar[Callable[[], Awaitable[None]] | None] = contextvars.ContextVar(
    "telegram_before_send", default=None
)


class Budget(Protocol):
    """The send rate every process on one database shares (the app's SendBudget)."""

    async def __call__(self, scope: str, interval: float) -> object:
        """Return once one send in `scope` may go, sends at least `interval` s apart."""

    async def hold(self, scope: str, seconds: float) -> None:
        """No process sends in `scope` for `seconds` (Telegram's retry_after)."""


class Without(logging.Filter):
    """Drops the records whose message contains `words`."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words

    def filter(self, record: logging.LogRecord) -> bool:
        return self.words not in str(record.msg)


def default_rate_limiter() -> AIORateLimiter:
    """Evenly spaced sends a little under Telegram's ~30 messages/s and 20/min per group.

    A bucket of 28 lets 28 go at once and 28 more within the same second: Telegram's flood
    control counts sliding windows and answers that burst with 429s (measured in make bench).
    A bucket of one spaces them out. Retries on 429 are switched on (PTB's default is none).
    """
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=SEND_INTERVAL,
        group_max_rate=1,
        group_time_period=GROUP_INTERVAL,
        max_retries=3,
    )


class SharedRateLimiter(BaseRateLimiter[Any]):
    """The process's own limiter (its spacing, its retries on 429), and, right before each
    message goes out, a moment taken from the budget all processes share (when there is one):
    N processes then send at Telegram's rate, not N times it. Taken at the last moment so that
    a retry takes a new one and the process's own queueing cannot bunch the shared moments up.
    A 429 told to this process holds every process for its retry_after. Then `BEFORE_SEND`."""

    def __init__(self, inner: BaseRateLimiter[Any], budget: Budget | None) -> None:
        self._inner, self._budget = inner, budget

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> bool | JSONDict | list[JSONDict]:
        if not endpoint.startswith(_SENDING):
            return await self._inner.process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        group = _group(data.get("chat_id"))

        async def when_due(*a: Any, **kw: Any) -> bool | JSONDict | list[JSONDict]:
            budget = self._budget
            if budget is not None and group is not None:  # the group's moment, then the overall
                await budget(f"telegram:{group}", GROUP_INTERVAL)
            if budget is not None:
                await budget("telegram", SEND_INTERVAL)
            if (leaving := BEFORE_SEND.get()) is not None:
                await leaving()
            try:
                return await callback(*a, **kw)
            except RetryAfter as exc:  # the inner limiter waits and retries; the others wait too
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                if budget is not None:
                    await budget.hold("telegram", seconds)
                raise

        return await self._inner.process_request(
            when_due, args, kwargs, endpoint, data, rate_limit_args
        )


def _group(chat_id: object) -> str | None:
    """A group or channel (a negative id or an @name), as PTB's own limiter tells them."""
    if chat_id is None:
        return None
    try:
        return str(chat_id) if int(str(chat_id)) < 0 else None
    except ValueError:
        return str(chat_id)


async def token_problem(config: Config, token: str) -> str | None:
    """What `doctor` says about the token: None when the Bot API accepts it."""
    from telegram import Bot

    bot = Bot(token, base_url=config.telegram.base_url or "https://api.telegram.org/bot")
    try:
        async with asyncio.timeout(15):
            await bot.get_me()
    except InvalidToken:
        return REFUSED_HELP
    except (TelegramError, TimeoutError) as exc:
        return f"telegram: cannot reach the Bot API to check the token ({exc})"
    return None
