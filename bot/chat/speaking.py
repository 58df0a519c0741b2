"""How long a draft takes to say, and which of its sentences to shorten first: pure functions,
so the comment coach's arithmetic is tested without a chat.

The pace is 130 words a minute in both languages. The National Center for Voice and Speech
gives about 150 words a minute for conversation in US English; Lucas's *The Art of Public
Speaking* gives 125-150 for speakers in the US; the bundled guide (knowledge entry
bos-prepare-comment) says two minutes is about 250-300 words. 130 sits at the measured end, for
someone reading at a podium, so a draft that fits here fits when spoken a little faster. For
Spanish no published words-a-minute rate for speeches was found: Spanish is spoken with more
syllables a second but has more syllables a word, and Coupé et al. (Science Advances, 2019)
found languages carry information at similar rates, so the same 130 is used and the coach says
so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORDS_PER_MINUTE = 130
RATE_SOURCES = (
    (
        "National Center for Voice and Speech: about 150 words a minute in US conversation",
        "http://www.ncvs.org/ncvs/tutorials/voiceprod/tutorial/quality.html",
    ),
)
SPANISH_RATE_SOURCE = (
    "Coupé, Oh, Dediu & Pellegrino (2019), Science Advances: similar information rates "
    "across languages",
    "https://doi.org/10.1126/sciadv.aaw2594",
)
_WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")
_BOUNDARY = re.compile(r"(?<=[.!?…])\s+|\n+")
# words before a full stop that do not end a sentence: "U.S.", "8 C.F.R. § 287.7", "Gov. Code"
_INITIALS = re.compile(r"(?:\w\.)*\w")  # "u.s", "c.f.r", a lone initial
_ABBREVIATIONS = frozenset({"gov", "cal", "sec", "st", "vs", "dr", "mr", "ms", "mrs", "p"})
_OPENING_WORDS = 6  # how much of a sentence the coach quotes back to name it


@dataclass(frozen=True, slots=True)
class Sentence:
    opening: str  # its first words, to name it without repeating it all
    words: int


def count_words(draft: str) -> int:
    """Words as a speaker says them: emoji, punctuation and symbols are not words."""
    return len(_WORD.findall(draft))


def seconds_to_say(words: int, rate: int = WORDS_PER_MINUTE) -> int:
    return round(words * 60 / rate)


def words_within(seconds: int, rate: int = WORDS_PER_MINUTE) -> int:
    return seconds * rate // 60


def duration(seconds: int) -> str:
    """'1 min 45 s', '2 min', '40 s': the same abbreviations read in English and Spanish."""
    minutes, rest = divmod(max(seconds, 0), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def sentences_to_cut(draft: str, excess: int) -> list[Sentence]:
    """The longest sentences whose words add up to at least `excess`, in the draft's order.
    The last sentence is left out: it is usually the ask, which a comment should keep."""
    found = [s for s in sentences(draft) if count_words(s)]
    candidates = found[:-1] if len(found) > 1 else found
    chosen: set[int] = set()
    total = 0
    ranked = sorted(range(len(candidates)), key=lambda i: -count_words(candidates[i]))
    for index in ranked:
        if total >= excess:
            break
        chosen.add(index)
        total += count_words(candidates[index])
    return [_named(candidates[i]) for i in sorted(chosen)]


def sentences(body: str) -> list[str]:
    """`body` split into sentences, not at abbreviations ("U.S.", "Gov. Code") nor inside
    brackets ("(8 C.F.R. § 287.7)")."""
    found: list[str] = []
    current = ""
    for piece in _BOUNDARY.split(body.strip()):
        current = f"{current} {piece}" if current else piece
        last = current.rsplit(maxsplit=1)[-1].removesuffix(".").lower() if current.strip() else ""
        inside = current.count("(") > current.count(")")
        if inside or _INITIALS.fullmatch(last) or last in _ABBREVIATIONS:
            continue
        found.append(current.strip())
        current = ""
    if current.strip():
        found.append(current.strip())
    return found


def _named(sentence: str) -> Sentence:
    words = _WORD.findall(sentence)
    return Sentence(" ".join(words[:_OPENING_WORDS]), len(words))
