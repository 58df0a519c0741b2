"""A Reply as Discord messages: embeds or plain text, escaped markdown and mentions, times as
Discord timestamps, Discord's limits, and buttons that still work after a restart."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.adapters.base import FEEDBACK_PREFIX, split_text
from bot.messages import Moment, Reply

MESSAGE_LIMIT = 2000
EMBED_PIECE = 3500  # description room per embed, leaving the 6,000 total for the rest
FIELD_LIMIT = 1024
TITLE_LIMIT = 256
LABEL_LIMIT = 80
MAX_BUTTONS = 25
COLOUR = discord.Colour(0x2B6CB0)


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"(?P<action>[a-z]+:.+)",
):
    """Any Reply button. The action is the custom_id, so a press works after a restart."""

    def __init__(self, action: str, label: str = "…") -> None:
        style = (
            discord.ButtonStyle.secondary
            if action.startswith(FEEDBACK_PREFIX)
            else discord.ButtonStyle.primary
        )
        super().__init__(
            discord.ui.Button(label=label[:LABEL_LIMIT], custom_id=action, style=style)
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> ActionButton:
        return cls(match["action"], getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        adapter = getattr(interaction.client, "adapter", None)  # the ForumClient's
        if adapter is not None:
            await adapter.respond(interaction, "", action=self.action)


def escape(value: str) -> str:
    """User and knowledge text as Discord shows it: no markdown, no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(value))


def with_timestamps(body: str, moments: Sequence[Moment]) -> str:
    """Each written time → <t:…:F> (<t:…:R>): every reader sees it in their own zone."""
    for moment in moments:
        stamp = int(moment.at.timestamp())
        body = body.replace(escape(moment.shown), f"<t:{stamp}:F> (<t:{stamp}:R>)")
    return body


def render(reply: Reply, *, embeds: bool = True) -> list[dict[str, Any]]:
    """Keyword arguments for each message to send, the buttons and file on the last one."""
    body = with_timestamps(escape(reply.text), reply.moments)
    checked = reply.labels.checked(reply.reviewed) if reply.reviewed else ""
    pieces: list[dict[str, Any]]
    if embeds and (reply.title or reply.sources):
        parts = split_text(body, EMBED_PIECE)
        cards = [discord.Embed(description=part, colour=COLOUR) for part in parts]
        if reply.title:
            cards[0].title = escape(reply.title)[:TITLE_LIMIT]
        links = [f"[{escape(s.title)[:200]}]({s.url})" for s in reply.sources]
        for number, chunk in enumerate(split_text("\n".join(links), FIELD_LIMIT) if links else []):
            name = reply.labels.sources.rstrip(":") if number == 0 else "…"
            cards[-1].add_field(name=name, value=chunk, inline=False)
        if checked:
            cards[-1].set_footer(text=checked)
        pieces = [{"embed": card} for card in cards]
    else:
        lines = [body]
        if reply.sources:
            lines.append(
                "\n".join(
                    [reply.labels.sources]
                    + [f"- {escape(s.title)}: <{s.url}>" for s in reply.sources]
                )
            )
        if checked:
            lines.append(f"*{checked}*")
        pieces = [{"content": part} for part in split_text("\n\n".join(lines), MESSAGE_LIMIT)]
    if reply.buttons:
        view = discord.ui.View(timeout=None)
        for button in reply.buttons[:MAX_BUTTONS]:
            view.add_item(ActionButton(button.action, button.label))
        pieces[-1]["view"] = view
    if reply.attachment:
        data = io.BytesIO(reply.attachment.data)
        pieces[-1]["file"] = discord.File(data, filename=reply.attachment.filename)
    return pieces
