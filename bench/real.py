"""The real-question set, and judging engines on it as a user would see their replies.

tests/eval/real.yaml holds questions people wrote on public pages. Its `blind` part is read
here only to print figures: bench/fit_abstain.py fits on the tuning part of it and of
tests/eval/questions.yaml, and nothing else. bench/quality.py runs the engines through `judge`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from bench import ROOT
from bot.answering.bands import (
    ANSWER,
    REFERRAL,
)
from bot.answering.knowledge import Snapshot
from bot.answering.matcher import Match, Matcher
from bot.answering.semantic import SemanticIndex

REAL = ROOT / "tests" / "eval" / "real.yaml"
OWN_DEV = ROOT / "tests" / "eval" / "owncase_dev.yaml"
WRONG_COST = 3.0  # a wrong confident answer costs three right ones: it misleads


@dataclass(frozen=True)
class Asked:
    """One evaluation question, from either set."""

    text: str
    lang: str
    expect: frozenset[str]  # empty: no entry answers it (out of scope, or a gap)
    kind: str  # in, out (another subject), gap (our subject, no entry yet), dev (no entry given)
    own_case: bool = False
    blind: bool = False
    real: bool = True  # from real.yaml, not the written questions.yaml
    source: str = ""  # the page it was copied from


def load_real(path: Path = REAL) -> list[Asked]:
    asked = []
    for q in yaml.safe_load(path.read_text(encoding="utf-8")):
        expect = q["expect"]
        kind = expect if isinstance(expect, str) else "in"
        ids = frozenset(expect) if isinstance(expect, list) else frozenset()
        asked.append(
            Asked(
                str(q["q"]),
                q["lang"],
                ids,
                kind,
                bool(q.get("own_case")),
                bool(q["blind"]),
                source=str(q["source"]),
            )
        )
    return asked


def load_own_dev(path: Path = OWN_DEV) -> list[Asked]:
    """The own-case development set: real questions, own case or not, from other pages."""
    return [
        Asked(str(q["q"]), q["lang"], frozenset(), "dev", bool(q["own_case"]), source=q["source"])
        for q in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]


def from_old(text: str, expect: str | None, lang: str, holdout: bool) -> Asked:
    """A tests/eval/questions.yaml question; its holdout plays the blind part's role."""
    ids = frozenset({expect}) if expect else frozenset()
    return Asked(text, lang, ids, "in" if expect else "out", blind=holdout, real=False)


# ---------------------------------------------------------------------------------------------
# Judging: what a user would see, per language.


@dataclass(frozen=True)
class Outcome:
    asked: Asked
    band: str
    entry: str | None  # the entry whose answer the reply carries
    offered: tuple[str, ...]  # "Did you mean" buttons
    first: str | None  # the engine's best candidate, answered or not


def outcome(asked: Asked, match: Match) -> Outcome:
    first = match.best.entry.id if match.best else None
    carried = first if match.matched else None
    return Outcome(asked, match.band, carried, tuple(e.id for e in match.suggestions), first)


Respond = Callable[[str], Outcome]


@dataclass(frozen=True)
class Figures:
    n_in: int
    right: float  # in-scope answered with a right entry
    first: float  # in-scope whose best candidate is a right entry: the most any decider answers
    wrong: int  # in-scope answered with a wrong entry
    offered_right: float  # "Did you mean" whose buttons hold a right entry
    none: float  # in-scope, neither answered nor suggested
    n_gap: int
    gap_answered: int  # our subject, no entry yet, answered anyway: wrong
    n_out: int
    declined: float  # out-of-scope questions not answered
    n_own: int
    referred: float  # personal-case questions pointed to legal help
    told_lawyer: int  # other questions pointed to legal help all the same
    n_other: int  # questions not about the asker's own case

    @property
    def confident_wrong(self) -> int:
        return self.wrong + self.gap_answered + round(self.n_out * (1 - self.declined))

    @property
    def wrong_share(self) -> float:
        asked = self.n_in + self.n_gap + self.n_out
        return self.confident_wrong / asked if asked else 0.0


def figures(outcomes: Sequence[Outcome]) -> Figures:
    def share(part: list[Outcome], ok: Callable[[Outcome], bool]) -> float:
        return sum(map(ok, part)) / len(part) if part else 0.0

    own = [o for o in outcomes if o.asked.own_case]
    rest = [o for o in outcomes if not o.asked.own_case]
    inside = [o for o in rest if o.asked.kind == "in"]
    gap = [o for o in rest if o.asked.kind == "gap"]
    out = [o for o in rest if o.asked.kind == "out"]
    return Figures(
        len(inside),
        share(inside, lambda o: o.entry in o.asked.expect),
        share(inside, lambda o: o.first in o.asked.expect),
        sum(o.entry is not None and o.entry not in o.asked.expect for o in inside),
        share(inside, lambda o: o.entry is None and bool(o.asked.expect & set(o.offered))),
        share(inside, lambda o: o.entry is None and not o.offered),
        len(gap),
        sum(o.entry is not None for o in gap),
        len(out),
        share(out, lambda o: o.entry is None),
        len(own),
        share(own, lambda o: o.band == REFERRAL),
        sum(o.band == REFERRAL for o in rest),
        len(rest),
    )


def judge(respond: Respond, asked: Iterable[Asked]) -> dict[str, Figures]:
    """Figures per language, and for both together ("all")."""
    outcomes = [replace(respond(a.text), asked=a) for a in asked]
    by_lang: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_lang[o.asked.lang].append(o)
        by_lang["all"].append(o)
    return {lang: figures(found) for lang, found in sorted(by_lang.items())}


_NOBODY = Asked("", "en", frozenset(), "in")  # `judge` puts the real question in


def engine_responder(matcher: Matcher, snapshot: Snapshot) -> Respond:
    return lambda text: outcome(_NOBODY, matcher.match(snapshot, text))


def id_responder(answer: Callable[[str], str | None]) -> Respond:
    """An engine that only answers (an id) or abstains, such as the WRatio baseline."""

    def respond(text: str) -> Outcome:
        found = answer(text)
        return Outcome(_NOBODY, ANSWER if found else "none", found, (), found)

    return respond


def embedding_alone(index: SemanticIndex, tuning: Sequence[Asked]) -> Respond:
    """The embedding model by itself: the entry of the closest phrase, answered when that
    cosine reaches a cut-off chosen on the tuning parts (the same utility as the bands)."""
    ids = [e.id for e in index.snapshot.entries]

    def best(text: str) -> tuple[str, float]:
        phrase = index.similarities(text).phrase
        top = int(np.argmax(phrase))
        return ids[top], float(phrase[top])

    scored = [(a, *best(a.text)) for a in tuning if not a.own_case]

    def gain(cut: float) -> float:
        return sum(
            (1.0 if top in a.expect else -WRONG_COST) for a, top, cos in scored if cos >= cut
        )

    cut = max((round(c, 3) for c in np.arange(0.80, 0.97, 0.005)), key=gain)

    def respond(text: str) -> Outcome:
        top, cosine = best(text)
        return Outcome(
            _NOBODY, ANSWER if cosine >= cut else "none", top if cosine >= cut else None, (), top
        )

    return respond


def print_real(engines: Sequence[tuple[str, Respond]], asked: Sequence[Asked]) -> None:
    """Both parts side by side, per language, with the targets of the answer-engine issue."""
    print(
        "  targets (blind part): right >= 90% in each language, confident wrong <= 3%,"
        " out of scope declined >= 95%, own case referred >= 90%"
    )
    print(
        "  (first: the right entry is the engine's best candidate, answered or not; no"
        " threshold can answer more right than that)"
    )
    for part, chosen in (
        ("BLIND part (never fitted on)", [a for a in asked if a.blind]),
        ("tuning part", [a for a in asked if not a.blind]),
    ):
        print(f"  {part}, {len(chosen)} questions:")
        print(
            f"    {'engine':<28} lang   right  first  wrong  did-you-mean-right  none"
            "   gap-answered   out-declined  referred  others-referred  confident-wrong"
        )
        for name, respond in engines:
            for lang, f in judge(respond, chosen).items():
                if lang == "all":
                    continue
                print(
                    f"    {name:<28} {lang:<4} {f.right:6.1%} {f.first:6.1%}"
                    f" {f.wrong:4d}/{f.n_in:<3}"
                    f" {f.offered_right:12.1%}       {f.none:6.1%}"
                    f" {f.gap_answered:6d}/{f.n_gap:<3}   {f.declined:6.1%} ({f.n_out:>2})"
                    f"  {f.referred:6.1%} ({f.n_own:>2})"
                    f"  {f.told_lawyer:6d}/{f.n_other:<4}"
                    f"   {f.confident_wrong:3d} = {f.wrong_share:5.1%}"
                )
