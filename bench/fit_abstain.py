"""The fit behind bot/answering/bands.json: `python bench/bench.py --fit` runs `write_bands`.

The bands (bot/answering/bands.py) rank the fused candidates and decide answer, "Did you mean"
or none with two logistic regressions; their weights and thresholds are data the matcher loads,
fitted here on the tuning parts of tests/eval/real.yaml and tests/eval/questions.yaml only (the
blind part is not even loaded), thresholds chosen on out-of-fold decisions.
"""

from __future__ import annotations

import statistics
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from bench.fit_own_case import fit_own_case
from bench.logistic import fit_logistic
from bench.quality import Question, old_asked, semantic_matcher
from bench.real import WRONG_COST, Asked, load_own_dev, load_real
from bot.answering.bands import CANDIDATE_FEATURES, DECISION_FEATURES, VIEWS, Bands, LexicalView
from bot.answering.knowledge import Snapshot
from bot.answering.matcher import MAX_SUGGESTIONS, Matcher
from bot.answering.normalise import without_greeting
from bot.config import Config

FOLDS = 5


@dataclass(frozen=True)
class Case:
    asked: Asked
    ids: list[str]  # the candidate pool
    features: NDArray[np.float64]  # (pool, CANDIDATE_FEATURES)
    view: LexicalView


def featurize(matcher: Matcher, snapshot: Snapshot, asked: Sequence[Asked]) -> list[Case]:
    cases = []
    for a in asked:
        text = without_greeting(a.text)  # as Matcher.match reads it
        candidates = matcher.candidates(snapshot, text)
        pool, view, _ = matcher.fused(snapshot, text, candidates)
        ids = list(pool)
        rows = [[pool[i][name] for name in CANDIDATE_FEATURES] for i in ids]
        cases.append(
            Case(
                a, ids, np.array(rows, dtype=np.float64).reshape(-1, len(CANDIDATE_FEATURES)), view
            )
        )
    return cases


def _as_weights(w: NDArray[np.float64], names: Sequence[str]) -> tuple[float, dict[str, float]]:
    return round(float(w[-1]), 4), {
        n: round(float(v), 4) for n, v in zip(names, w[:-1], strict=True)
    }


def fit_bands(train: Sequence[Case], base: Bands) -> Bands:
    """The ranker on every candidate of every answerable question, then the decider on what
    the ranker makes of each question (right entry first or not)."""
    labelled = [c for c in train if c.asked.expect and c.ids]
    x = np.vstack([c.features for c in labelled])
    y = np.concatenate([[i in c.asked.expect for i in c.ids] for c in labelled]).astype(float)
    # each set weighs the same here too: the written questions, worded like the aliases,
    # would teach the ranker to trust words more than real wording lets it
    share = np.repeat(_per_set([c.asked.real for c in labelled]), [len(c.ids) for c in labelled])
    rank_bias, rank_weights = _as_weights(fit_logistic(x, y, weight=share), CANDIDATE_FEATURES)
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
    decider = fit_logistic(np.array(rows), np.array(labels, dtype=float), weight=_per_set(sets))
    bias, weights = _as_weights(decider, DECISION_FEATURES)
    return replace(bands, bias=bias, weights=weights)


def _per_set(sets: Sequence[bool]) -> NDArray[np.float64]:
    """A weight per question so that each evaluation set (real or written) weighs the same in
    a fit, whatever its size."""
    count = Counter(sets)
    return np.array([len(sets) / (len(count) * count[s]) for s in sets])


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
    # a stable hash: Python's hash() of a str changes with PYTHONHASHSEED, and so did the fit
    order = sorted(range(len(cases)), key=lambda i: zlib.crc32(cases[i].asked.text.encode()))
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
    other subjects that get buttons at all, a question (so each set weighs the same, as in
    `utility`: in totals, the written set's many made-up questions on other subjects outvoted
    the real wording)."""
    total = 0.0
    for d in decided:
        if d.case.asked.own_case or d.probability >= answer or d.probability < suggest:
            continue
        offered = {i for i, score in d.ranked[:MAX_SUGGESTIONS] if score >= related}
        if d.case.asked.expect and offered & d.case.asked.expect:
            total += 1
        elif offered and d.case.asked.kind == "out":
            total -= 1
    return total / max(len(decided), 1)


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
        columns = [CANDIDATE_FEATURES.index(n) for n in ("lex", *(f"{v}_gap" for v in VIEWS))]
        score: defaultdict[str, float] = defaultdict(float)
        for col in columns:
            order = np.argsort(-case.features[:, col], kind="stable")
            for rank, i in enumerate(order):
                score[case.ids[i]] += 1 / (60 + rank)
        return max(score, key=score.__getitem__)  # the first of the best, as most_common(1)

    def weighted(case: Case) -> str:
        at = {n: CANDIDATE_FEATURES.index(n) for n in ("lex", "phrase", "passage")}
        total = sum(case.features[:, at[n]] for n in at)
        return case.ids[int(np.argmax(total))]

    fitted = {id(d.case): d.ranked[0][0] for d in out_of_fold(real, old, Bands()) if d.ranked}
    answerable = [c for c in real if c.asked.expect and c.ids]

    def alone(feature: str) -> Callable[[Case], str]:
        column = CANDIDATE_FEATURES.index(feature)
        return lambda case: case.ids[int(np.argmax(case.features[:, column]))]

    for name, pick in (
        ("nearest phrase alone", alone("phrase_gap")),
        ("intent fit alone", alone("intent_gap")),
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


def write_bands(snapshot: Snapshot, config: Config, questions: list[Question]) -> None:
    """bands.json from the tuning parts of both sets; the blind part is not even loaded."""
    matcher = semantic_matcher(snapshot, config)
    tuning = [a for a in load_real() if not a.blind]
    real_cases = featurize(matcher, snapshot, tuning)
    old_cases = featurize(matcher, snapshot, [a for a in old_asked(questions) if not a.blind])
    print("Fusion, out of fold on the real tuning part:")
    fusion_comparison(real_cases, old_cases)
    bands = fit(matcher, snapshot, real_cases, old_cases)
    semantic = matcher.semantic_for(snapshot)
    if semantic is not None:
        print("Own cases the patterns miss, by the question's vector:")
        written = [c.asked for c in old_cases]
        bias, weights, cut = fit_own_case(semantic, [*load_own_dev(), *tuning, *written])
        bands = replace(bands, own_case_bias=bias, own_case_weights=weights, own_case_cut=cut)
    bands.save(
        _about="written by `python bench/bench.py --fit` from the tuning parts of "
        "tests/eval/real.yaml and tests/eval/questions.yaml; do not edit by hand",
        _model=matcher.embedder.model_id if matcher.embedder else None,
    )
    shown = replace(bands, own_case_weights=[])  # 384 numbers say nothing on a screen
    count = len(bands.own_case_weights)
    print(f"bot/answering/bands.json written: {shown} (and {count} own-case weights)")
