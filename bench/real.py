"""The real-question set: fitting the bands on its tuning part, judging engines on both parts.

tests/eval/real.yaml holds questions people wrote on public pages. Its `blind` part is read
here only to print figures: `fit` takes the tuning part of it and of tests/eval/questions.yaml,
and nothing else. `python bench/bench.py --fit` runs `fit` and writes bot/answering/bands.json.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml
from numpy.typing import NDArray

from bot.answering.bands import (
    ANSWER,
    CANDIDATE_FEATURES,
    DECISION_FEATURES,
    REFERRAL,
    Bands,
    LexicalView,
)
from bot.answering.knowledge import Snapshot
from bot.answering.matcher import MAX_SUGGESTIONS, Match, Matcher
from bot.answering.semantic import SemanticIndex

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "eval" / "real.yaml"
FOLDS = 5
WRONG_COST = 3.0  # a wrong confident answer costs three right ones: it misleads


@dataclass(frozen=True)
class Asked:
    """One evaluation question, from either set."""

    text: str
    lang: str
    expect: frozenset[str]  # empty: no entry answers it (out of scope, or a gap)
    kind: str  # in, out (another subject), gap (our subject, no entry yet)
    own_case: bool = False
    blind: bool = False
    real: bool = True  # from real.yaml, not the written questions.yaml


def load_real(path: Path = REAL) -> list[Asked]:
    asked = []
    for q in yaml.safe_load(path.read_text(encoding="utf-8")):
        expect = q["expect"]
        kind = expect if isinstance(expect, str) else "in"
        ids = frozenset(expect) if isinstance(expect, list) else frozenset()
        asked.append(
            Asked(str(q["q"]), q["lang"], ids, kind, bool(q.get("own_case")), bool(q["blind"]))
        )
    return asked


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


def outcome(asked: Asked, match: Match) -> Outcome:
    carried = match.best.entry.id if match.matched and match.best else None
    return Outcome(asked, match.band, carried, tuple(e.id for e in match.suggestions))


Respond = Callable[[str], Outcome]


@dataclass(frozen=True)
class Figures:
    n_in: int
    right: float  # in-scope answered with a right entry
    wrong: int  # in-scope answered with a wrong entry
    offered_right: float  # "Did you mean" whose buttons hold a right entry
    none: float  # in-scope, neither answered nor suggested
    n_gap: int
    gap_answered: int  # our subject, no entry yet, answered anyway: wrong
    n_out: int
    declined: float  # out-of-scope questions not answered
    n_own: int
    referred: float  # personal-case questions pointed to legal help

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
        sum(o.entry is not None and o.entry not in o.asked.expect for o in inside),
        share(inside, lambda o: o.entry is None and bool(o.asked.expect & set(o.offered))),
        share(inside, lambda o: o.entry is None and not o.offered),
        len(gap),
        sum(o.entry is not None for o in gap),
        len(out),
        share(out, lambda o: o.entry is None),
        len(own),
        share(own, lambda o: o.band == REFERRAL),
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
        return Outcome(_NOBODY, ANSWER if found else "none", found, ())

    return respond


def embedding_alone(index: SemanticIndex, tuning: Sequence[Asked]) -> Respond:
    """The embedding model by itself: the entry of the closest phrase, answered when that
    cosine reaches a cut-off chosen on the tuning parts (the same utility as the bands)."""
    ids = [e.id for e in index.snapshot.entries]

    def best(text: str) -> tuple[str, float]:
        phrase, _ = index.similarities(text)
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
            _NOBODY, ANSWER if cosine >= cut else "none", top if cosine >= cut else None, ()
        )

    return respond


# ---------------------------------------------------------------------------------------------
# Fitting the bands (`python bench/bench.py --fit`): tuning parts only.


@dataclass(frozen=True)
class Case:
    asked: Asked
    ids: list[str]  # the candidate pool
    features: NDArray[np.float64]  # (pool, CANDIDATE_FEATURES)
    view: LexicalView


def featurize(matcher: Matcher, snapshot: Snapshot, asked: Sequence[Asked]) -> list[Case]:
    cases = []
    for a in asked:
        candidates = matcher.candidates(snapshot, a.text)
        pool, view = matcher.fused(snapshot, a.text, candidates)
        ids = list(pool)
        rows = [[pool[i][name] for name in CANDIDATE_FEATURES] for i in ids]
        cases.append(
            Case(
                a, ids, np.array(rows, dtype=np.float64).reshape(-1, len(CANDIDATE_FEATURES)), view
            )
        )
    return cases


def fit_logistic(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    l2: float = 1.0,
    weight: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """L2-regularised logistic regression by Newton's method, with optional sample weights:
    [*coefficients, bias]."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    s = np.ones(len(x)) if weight is None else weight
    w = np.zeros(x1.shape[1])
    penalty = np.r_[np.full(x.shape[1], l2), 0.0]
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(x1 @ w, -50, 50)))
        grad = x1.T @ (s * (p - y)) + penalty * w
        hess = (x1 * (s * p * (1 - p))[:, None]).T @ x1 + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _as_weights(w: NDArray, names: Sequence[str]) -> tuple[float, dict[str, float]]:
    return round(float(w[-1]), 4), {
        n: round(float(v), 4) for n, v in zip(names, w[:-1], strict=True)
    }


def fit_bands(train: Sequence[Case], base: Bands) -> Bands:
    """The ranker on every candidate of every answerable question, then the decider on what
    the ranker makes of each question (right entry first or not)."""
    labelled = [c for c in train if c.asked.expect and c.ids]
    x = np.vstack([c.features for c in labelled])
    y = np.concatenate([[i in c.asked.expect for i in c.ids] for c in labelled]).astype(float)
    rank_bias, rank_weights = _as_weights(fit_logistic(x, y), CANDIDATE_FEATURES)
    bands = replace(base, rank_bias=rank_bias, rank_weights=rank_weights)
    rows, labels, sets = [], [], []
    for case in train:
        if case.asked.own_case:
            continue
        ranked, values = decide_features(bands, case)
        rows.append([values[n] for n in DECISION_FEATURES])
        labels.append(bool(ranked) and ranked[0][0] in case.asked.expect)
        sets.append(case.asked.real)
    # each set weighs the same in the decider: the easy, numerous written questions must not
    # teach it the confidence real wording does not earn
    count = Counter(sets)
    weight = np.array([len(sets) / (len(count) * count[s]) for s in sets])
    decider = fit_logistic(np.array(rows), np.array(labels, dtype=float), weight=weight)
    bias, weights = _as_weights(decider, DECISION_FEATURES)
    return replace(bands, bias=bias, weights=weights)


def decide_features(bands: Bands, case: Case) -> tuple[list[tuple[str, float]], dict[str, float]]:
    pool = {
        i: dict(zip(CANDIDATE_FEATURES, row, strict=True))
        for i, row in zip(case.ids, case.features, strict=True)
    }
    ranked = bands.rank(pool)
    return ranked, bands.decision_features(ranked, pool, case.view)


@dataclass(frozen=True)
class Decided:
    case: Case
    ranked: list[tuple[str, float]]
    probability: float


def out_of_fold(cases: Sequence[Case], always: Sequence[Case], base: Bands) -> list[Decided]:
    """Each case decided by bands fitted without its fold (`always` is in every training set)."""
    order = sorted(range(len(cases)), key=lambda i: hash(cases[i].asked.text) % 7919)
    decided: list[Decided] = []
    for fold in range(FOLDS):
        held = set(order[fold::FOLDS])
        bands = fit_bands([*always, *(c for i, c in enumerate(cases) if i not in held)], base)
        for i in sorted(held):
            ranked, values = decide_features(bands, cases[i])
            decided.append(Decided(cases[i], ranked, bands.confidence(values)))
    return decided


def utility(decided: Sequence[Decided], answer: float) -> float:
    """Right answers minus WRONG_COST per wrong one (an out-of-scope or gap question answered
    counts as wrong), per question."""
    total = 0.0
    for d in decided:
        if d.case.asked.own_case or not d.ranked or d.probability < answer:
            continue
        total += 1.0 if d.ranked[0][0] in d.case.asked.expect else -WRONG_COST
    return total / max(len(decided), 1)


def suggest_utility(
    decided: Sequence[Decided], answer: float, suggest: float, related: float
) -> float:
    """Below `answer`: in-scope questions whose buttons hold a right entry, minus questions on
    other subjects that get buttons at all."""
    total = 0.0
    for d in decided:
        if d.case.asked.own_case or d.probability >= answer or d.probability < suggest:
            continue
        offered = {i for i, score in d.ranked[:MAX_SUGGESTIONS] if score >= related}
        if d.case.asked.expect and offered & d.case.asked.expect:
            total += 1
        elif offered and d.case.asked.kind == "out":
            total -= 1
    return total


def fit(matcher: Matcher, snapshot: Snapshot, real: Sequence[Case], old: Sequence[Case]) -> Bands:
    """Bands fitted on both tuning parts, thresholds chosen on out-of-fold decisions (each set
    weighs the same, whatever its size). Prints what it compared."""
    base = matcher.bands
    real_oof = out_of_fold(real, old, base)
    old_oof = out_of_fold(old, real, base)
    grid = [round(t, 2) for t in np.arange(0.2, 0.96, 0.05)]
    # the written set must not lose what the engine had on it (the floor): among the
    # thresholds within 1% of the best written-set utility, the best on real wording
    floor = max(utility(old_oof, t) for t in grid) * 0.99
    kept = [t for t in grid if utility(old_oof, t) >= floor]
    answer = max(kept, key=lambda t: utility(real_oof, t))
    print("  answer threshold  utility(real)  utility(old)   (out of fold)")
    for t in grid:
        mark = "  <- chosen" if t == answer else ""
        print(f"  {t:16.2f}  {utility(real_oof, t):13.3f}  {utility(old_oof, t):12.3f}{mark}")
    pairs = [(s, r) for s in (0.02, 0.05, 0.1, 0.15, 0.2, 0.3) for r in (0.02, 0.05, 0.1, 0.2, 0.3)]
    suggest, related = max(
        (p for p in pairs if p[0] < answer),
        key=lambda p: suggest_utility(real_oof, answer, *p) + suggest_utility(old_oof, answer, *p),
    )
    print(f"  suggest from {suggest}, a button from ranker score {related}")
    final = fit_bands([*real, *old], base)
    return replace(final, answer=float(answer), suggest=suggest, related=related)


def fusion_comparison(real: Sequence[Case], old: Sequence[Case]) -> None:
    """Top-1 of three ways to fuse the rankings, out of fold on the real tuning part."""

    def rrf(case: Case) -> str:
        columns = [CANDIDATE_FEATURES.index(n) for n in ("lex", "phrase_gap", "passage_gap")]
        score: Counter[str] = Counter()
        for col in columns:
            order = np.argsort(-case.features[:, col], kind="stable")
            for rank, i in enumerate(order):
                score[case.ids[i]] += 1 / (60 + rank)
        return score.most_common(1)[0][0]

    def weighted(case: Case) -> str:
        at = {n: CANDIDATE_FEATURES.index(n) for n in ("lex", "phrase", "passage")}
        total = sum(case.features[:, at[n]] for n in at)
        return case.ids[int(np.argmax(total))]

    fitted = {id(d.case): d.ranked[0][0] for d in out_of_fold(real, old, Bands()) if d.ranked}
    answerable = [c for c in real if c.asked.expect and c.ids]
    for name, pick in (
        ("reciprocal-rank fusion (k=60)", rrf),
        ("equal weights", weighted),
        ("fitted logistic ranker", lambda c: fitted.get(id(c), "")),
    ):
        by_lang = defaultdict(list)
        for c in answerable:
            by_lang[c.asked.lang].append(pick(c) in c.asked.expect)
        shown = "  ".join(
            f"{lang} {statistics.fmean(v):.1%}" for lang, v in sorted(by_lang.items())
        )
        print(f"  {name:<32} top-1 {shown}")


def print_real(engines: Sequence[tuple[str, Respond]], asked: Sequence[Asked]) -> None:
    """Both parts side by side, per language, with the targets of the answer-engine issue."""
    print(
        "  targets (blind part): right >= 90% in each language, confident wrong <= 3%,"
        " out of scope declined >= 95%, own case referred >= 90%"
    )
    for part, chosen in (
        ("BLIND part (never fitted on)", [a for a in asked if a.blind]),
        ("tuning part", [a for a in asked if not a.blind]),
    ):
        print(f"  {part}, {len(chosen)} questions:")
        print(
            f"    {'engine':<28} lang   right  wrong  did-you-mean-right  none"
            "   gap-answered   out-declined  referred  confident-wrong"
        )
        for name, respond in engines:
            for lang, f in judge(respond, chosen).items():
                if lang == "all":
                    continue
                print(
                    f"    {name:<28} {lang:<4} {f.right:6.1%} {f.wrong:4d}/{f.n_in:<3}"
                    f" {f.offered_right:12.1%}       {f.none:6.1%}"
                    f" {f.gap_answered:6d}/{f.n_gap:<3}   {f.declined:6.1%} ({f.n_out:>2})"
                    f"  {f.referred:6.1%} ({f.n_own:>2})"
                    f"  {f.confident_wrong:3d} = {f.wrong_share:5.1%}"
                )
