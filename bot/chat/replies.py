"""The replies to a question, rendered from an entry or a match: no I/O and no memory, so each
can be tested alone and the core only decides which one to send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.answering.bands import SUGGEST
from bot.answering.knowledge import Entry, Snapshot
from bot.answering.matcher import Match
from bot.messages import MAX_ACTION, Button, Reply
from bot.texts import text

URGENT_TAG = "urgent"
MAX_RELATED_BUTTONS = 2
Contacts = Mapping[str, str | None]


def entry_reply(entry: Entry, lang: str, snapshot: Snapshot, contacts: Contacts) -> Reply:
    """An entry's answer in `lang` (or the language it has), with its sources, the day it was
    checked, feedback buttons and up to two related questions."""
    if lang not in entry.texts:
        lang = "en" if "en" in entry.texts else next(iter(entry.texts))
    content = entry.text(lang)
    body = content.answer
    if URGENT_TAG in entry.tags:
        body = with_contacts(body, lang, contacts)
    related = [snapshot.by_id[r] for r in entry.related if r in snapshot.by_id]
    buttons = [
        Button(text("helpful_yes", lang), f"fb:yes:{entry.id}"),
        Button(text("helpful_no", lang), f"fb:no:{entry.id}"),
        *(_topic(r, lang) for r in related[:MAX_RELATED_BUTTONS]),
    ]
    return Reply(
        body,
        lang,
        title=content.question,
        sources=entry.sources,
        reviewed=entry.reviewed,
        buttons=tuple(buttons),
    )


def abstain_reply(match: Match, token: str) -> Reply:
    """Unsure: "Did you mean …?" with the candidates as buttons; no match: say so, with the
    closest topics or the list of topics. `token` marks the buttons, to learn which one helped."""
    lang = match.lang
    if match.suggestions:
        buttons = tuple(
            Button(e.text(lang).question, ask_action(e.id, token)) for e in match.suggestions
        )
        if match.band == SUGGEST:
            body = text("did_you_mean_question", lang, question=buttons[0].label)
        else:
            body = f"{text('abstain', lang)} {text('abstain_suggest', lang)}"
        return Reply(body, lang, buttons=buttons)
    return Reply(f"{text('abstain', lang)} {text('abstain_topics', lang)}", lang)


def referral_reply(match: Match, snapshot: Snapshot, contacts: Contacts) -> Reply:
    """Someone's own case: the general rule when the engine is sure of it, that their case
    needs a lawyer or accredited representative now, and where to find free help; when it is
    not sure, the closest general answers as buttons. Those carry no token: a tap is never
    tied to the words of someone's case."""
    lang = match.lang
    best = match.best if match.matched else None
    rule = entry_reply(best.entry, lang, snapshot, contacts) if best else None
    parts = [best.entry.text(rule.lang).answer] if rule and best else []
    parts.append(text("referral", lang))
    parts.append("\n".join([*_contact_lines(lang, contacts), text("urgent_no_contacts", lang)]))
    if rule:
        return replace(rule, text="\n\n".join(parts), buttons=())
    if match.suggestions:
        parts.append(text("referral_topics", lang))
    buttons = tuple(_topic(e, lang) for e in match.suggestions)
    return Reply("\n\n".join(parts), lang, buttons=buttons)


def _topic(entry: Entry, lang: str) -> Button:
    """A button that answers `entry` and records nothing of what led to it."""
    return Button(entry.text(lang).question, f"ask:{entry.id}")


def with_contacts(body: str, lang: str, contacts: Contacts) -> str:
    lines = _contact_lines(lang, contacts)
    if not lines:  # the answer says "contacts below": never leave that empty
        return "\n\n".join([body, text("urgent_no_contacts", lang)])
    return "\n\n".join([body, "\n".join([text("urgent_contacts", lang), *lines])])


def _contact_lines(lang: str, contacts: Contacts) -> list[str]:
    return [
        text(f"contact_{key}", lang, value=value)
        for key in ("rapid_response", "legal_help")
        if (value := contacts.get(key))
    ]


def ask_action(entry_id: str, token: str) -> str:
    """The button that answers `entry_id`, carrying the token when it fits the platforms."""
    action = f"ask:{entry_id}:{token}"
    return action if len(action.encode()) <= MAX_ACTION else f"ask:{entry_id}"
