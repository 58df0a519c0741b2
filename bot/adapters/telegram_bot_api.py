"""How the bot talks to Telegram's Bot API beside the updates and messages: the send rate it
keeps, the token check `doctor` runs, and PTB's one log line that is noise when the API is gone.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter

from bot.config import Config

REFUSED_HELP = (
    "telegram refused TELEGRAM_BOT_TOKEN: set it to the token @BotFather gave you "
    "(/mybots → API Token) and restart"
)


UPDATER_LOG = logging.getLogger("telegram.ext.Updater")


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
        overall_time_period=1 / 29,
        group_max_rate=1,
        group_time_period=60 / 19,
        max_retries=3,
    )


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
