"""The chat's own commands: /start, /help, /lang, /sources, /wrong, /ask, /privacy, /forget
and the moderators' /reload. Registered on the Core as the reminder commands are."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.answering.knowledge import KnowledgeHolder
from bot.chat.commands import help_lines
from bot.database import StoreError
from bot.messages import Reply
from bot.texts import LANGUAGES, text
from bot.yamlcheck import ordered

if TYPE_CHECKING:
    from bot.chat.commands import Context
    from bot.chat.core import Core

log = logging.getLogger(__name__)

SHOWN_PROBLEMS = 10  # in a rejected reload's notice; `validate` lists them all


class ChatCommands:
    def __init__(self, core: Core) -> None:
        self.core = core
        for path, handler in (
            ("start", self._start),
            ("help", self._help),
            ("lang", self._lang),
            ("sources", self._sources),
            ("privacy", self._privacy),
            ("wrong", self._wrong),
            ("ask", self._ask),
            ("forget", self._forget),
            ("reload", self._reload),
        ):
            core.register(path, handler)

    async def _start(self, ctx: Context) -> list[Reply]:
        """`/start <id>` (a t.me deep link on a flyer or the website) opens that one answer,
        or what another feature knows by that id (an event)."""
        key = ctx.params.get("entry", "").lower()
        entry = self.core.knowledge.snapshot.by_id.get(key)
        if not key:
            return [Reply(text("start", ctx.lang), ctx.lang)]
        lang = await self.core.language(ctx.msg) or "en"  # an id says nothing of language
        if entry:
            await self.core.state.remember(ctx.msg.channel, entry.id, self.core.clock.now())
            return [self.core.entry_reply(entry, lang)]
        for opener in self.core.openers:
            if (opened := opener(key, lang)) is not None:
                return [opened]
        return [Reply(text("start", ctx.lang), ctx.lang)]

    async def _help(self, ctx: Context) -> list[Reply]:
        commands = help_lines(self.core.available(), ctx.msg.roles, ctx.lang)
        return [Reply(text("help", ctx.lang, commands=commands), ctx.lang, private=True)]

    async def _privacy(self, ctx: Context) -> list[Reply]:
        days = self.core.config.retention.days
        return [Reply(text("privacy", ctx.lang, retention=days), ctx.lang, private=True)]

    async def _lang(self, ctx: Context) -> list[Reply]:
        choice = ctx.params["language"]
        if choice not in LANGUAGES or not self.core.store:
            return [Reply(text("lang_usage", ctx.lang), ctx.lang)]
        try:
            await self.core.store.set_language(
                ctx.msg.channel.platform, ctx.msg.channel.chat_id, choice
            )
            self.core.state.chose(ctx.msg.channel, choice)
        except StoreError as exc:
            log.warning("language choice not saved: %s", exc)
            return [Reply(text("busy", ctx.lang), ctx.lang)]
        return [Reply(text("lang_set", choice), choice)]

    async def _sources(self, ctx: Context) -> list[Reply]:
        entry_id = await self.core.state.last_answer(ctx.msg.channel, self.core.clock.now())
        entry = self.core.knowledge.snapshot.by_id.get(entry_id or "")
        if entry is None:
            return [Reply(text("no_last_answer", ctx.lang), ctx.lang)]
        return [
            Reply(
                entry.text(ctx.lang).question,
                ctx.lang,
                sources=entry.sources,
                reviewed=entry.reviewed,
            )
        ]

    async def _wrong(self, ctx: Context) -> list[Reply]:
        entry_id = await self.core.state.last_answer(ctx.msg.channel, self.core.clock.now())
        if entry_id is None:
            return [Reply(text("no_last_answer", ctx.lang), ctx.lang)]
        return await self.core.feedback(entry_id, False, ctx.lang)

    async def _ask(self, ctx: Context) -> list[Reply]:
        return await self.core.answer(ctx.msg, ctx.params["question"])

    async def _forget(self, ctx: Context) -> list[Reply]:
        self.core.state.forget(ctx.msg.channel)
        for taker in self.core.takers:
            taker.drop(ctx.msg)
        if self.core.store:
            try:
                await self.core.store.forget(
                    ctx.msg.channel.platform, ctx.msg.channel.chat_id, ctx.msg.user_id
                )
            except StoreError as exc:
                log.warning("forget failed: %s", exc)
                return [Reply(text("busy", ctx.lang), ctx.lang, private=True)]
        return [Reply(text("forgotten", ctx.lang), ctx.lang, private=True)]

    async def _reload(self, ctx: Context) -> list[Reply]:
        return [Reply(await reload_report(self.core.knowledge, ctx.lang), ctx.lang, private=True)]


async def reload_report(knowledge: KnowledgeHolder, lang: str) -> str:
    """Reload now and say what happened, in words a moderator can act on."""
    result = await asyncio.to_thread(knowledge.reload)
    if result.errors:
        errors = ordered(result.errors)
        shown = "\n".join(str(p) for p in errors[:SHOWN_PROBLEMS])
        if len(errors) > SHOWN_PROBLEMS:
            more = text("and_more", lang, count=len(errors) - SHOWN_PROBLEMS)
            shown = f"{shown}\n{more}"
        return text(
            "reload_failed",
            lang,
            count=len(result.errors),
            entries=len(knowledge.snapshot.entries),
            problems=shown,
        )
    warnings = text("reload_warnings", lang, count=len(result.warnings)) if result.warnings else ""
    return text("reloaded", lang, count=len(result.snapshot.entries), warnings=warnings)
