"""The bot's own sentences, in English and Spanish. Plain text: adapters escape and format.
A leaf anyone may import; the sentences live in one module per audience."""

from __future__ import annotations

from bot.texts.comment import COMMENT
from bot.texts.fields import FIELDS
from bot.texts.kit import KIT
from bot.texts.members import MEMBERS
from bot.texts.organizers import ORGANIZERS

LANGUAGES = ("en", "es")

_TEXTS: dict[str, dict[str, str]] = {**MEMBERS, **ORGANIZERS, **COMMENT, **KIT, **FIELDS}


def text(key: str, lang: str, **values: object) -> str:
    """The sentence `key` in `lang` (English when missing), with `values` filled in."""
    variants = _TEXTS[key]
    template = variants.get(lang) or variants["en"]
    return template.format(**values) if values else template


def has_text(key: str) -> bool:
    return key in _TEXTS
