"""A Reply as Telegram messages: HTML in which every piece of user and knowledge text is
escaped (tags are written only here), split under Telegram's limit, with inline buttons."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.adapters.base import split_text
from bot.messages import Reply


def render(reply: Reply) -> list[str]:
    """HTML pieces under Telegram's limit; tags are written only here, all text is escaped."""
    blocks: list[str] = []
    if reply.title:
        blocks.append(f"<b>{html.escape(reply.title)}</b>")
    blocks.extend(html.escape(p) for p in _split_plain(reply.text))
    if reply.sources:
        lines = [f"<b>{html.escape(reply.labels.sources)}</b>"]
        lines += [
            f'• <a href="{html.escape(s.url, quote=True)}">{html.escape(s.title)}</a>'
            for s in reply.sources
        ]
        blocks.append("\n".join(lines))
    if reply.reviewed:
        checked = reply.labels.checked(reply.reviewed)
        blocks.append(f"<i>{html.escape(checked)}</i>")
    pieces: list[str] = []
    for block in blocks:
        if pieces and len(pieces[-1]) + 2 + len(block) <= MessageLimit.MAX_TEXT_LENGTH:
            pieces[-1] += "\n\n" + block
        else:
            pieces.append(block)
    return pieces or [html.escape(reply.text) or "…"]


def _split_plain(body: str) -> list[str]:
    """Paragraph-sized plain pieces whose escaped form fits one message."""
    limit = MessageLimit.MAX_TEXT_LENGTH - 200
    pieces = []
    for piece in split_text(body, limit):
        if len(html.escape(piece)) <= limit:
            pieces.append(piece)
        else:  # escaping turns one character into at most six ("&quot;")
            pieces.extend(split_text(piece, limit // 6))
    return [p for p in pieces if p]


def keyboard_for(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    feedback = [b for b in reply.buttons if b.action.startswith("fb:")]
    others = [b for b in reply.buttons if not b.action.startswith("fb:")]
    rows = [[InlineKeyboardButton(b.label[:64], callback_data=b.action) for b in feedback]]
    rows += [[InlineKeyboardButton(b.label[:64], callback_data=b.action)] for b in others]
    return InlineKeyboardMarkup([row for row in rows if row])
