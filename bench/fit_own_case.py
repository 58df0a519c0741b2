"""The own-case classifier the matcher reads beside personal.py's patterns (bands.json).

The patterns see the words people use for their case ("my brother", "deported"); a letter
that says "from that incident with the law, I never applied for a visa" uses none of them. A
logistic regression over the question's sentence vector, which the fused engine computes
anyway, sees that it reads like the cases it was shown. It learns from the own-case
development set (tests/eval/owncase_dev.yaml, other pages than real.yaml's), the tuning part
of tests/eval/real.yaml and the written set's tuning split (all general questions, weighed
less: many, and worded alike); never from the blind part. Its cut is chosen out of fold, the
folds by page so that no page's letters test a fit on their siblings: the cases it catches
that the patterns miss, minus FALSE_COST for each general question it would newly refer.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from bench.logistic import fit_logistic
from bench.real import Asked
from bot.answering.normalise import without_greeting
from bot.answering.personal import is_personal
from bot.answering.semantic import SemanticIndex

FOLDS = 5
L2S = (0.003, 0.01, 0.03)  # how strongly the weights are pulled toward zero: chosen out of fold
FALSE_COST = 1.0  # a general question told "see a lawyer" still gets its answer; a case missed
# gets a rule as if it settled the case: the two weigh the same
WRITTEN_WEIGHT = 0.3
CUTS = [round(c, 2) for c in np.arange(0.5, 0.96, 0.05)]


def _probability(w: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    p: NDArray[np.float64] = 1 / (1 + np.exp(-np.clip(x @ w[:-1] + w[-1], -50, 50)))
    return p


def fit_own_case(
    semantic: SemanticIndex, asked: Sequence[Asked]
) -> tuple[float, list[float], float]:
    """(bias, weights, cut) from `asked`, printing the out-of-fold figures it chose by."""
    texts = [without_greeting(a.text) for a in asked]  # as Matcher.match reads them
    x = np.array([semantic.embed(t) for t in texts], dtype=np.float64)
    y = np.array([a.own_case for a in asked], dtype=np.float64)
    weight = np.array([1.0 if a.real else WRITTEN_WEIGHT for a in asked])
    fold = np.array([zlib.crc32((a.source or a.text).encode()) % FOLDS for a in asked])
    missed = ~np.array([is_personal(t) for t in texts])  # what only the classifier can add
    print(
        f"  own cases the patterns miss: {int((missed & (y == 1)).sum())} of {int(y.sum())};"
        f" general questions: {int((y == 0).sum())}"
    )
    print("  own-case L2  cut   caught beyond the patterns   general newly referred (out of fold)")
    scored: list[tuple[float, float, float]] = []  # (gain, l2, cut)
    for l2 in L2S:
        held_out = np.zeros(len(asked))
        for k in range(FOLDS):
            train = fold != k
            w = fit_logistic(x[train], y[train], l2=l2, weight=weight[train])
            held_out[fold == k] = _probability(w, x[fold == k])
        for cut in CUTS:
            new = missed & (held_out >= cut)
            caught, false = int((new & (y == 1)).sum()), int((new & (y == 0)).sum())
            scored.append((caught - FALSE_COST * false, l2, cut))
            print(f"  {l2:11.3f} {cut:4.2f}   {caught:26d}   {false:22d}")
    _, l2, cut = max(scored)  # a tie goes to the stronger pull and the higher cut
    print(f"  chosen: L2 {l2}, cut {cut}")
    w = fit_logistic(x, y, l2=l2, weight=weight)
    return round(float(w[-1]), 4), [round(float(v), 4) for v in w[:-1]], float(cut)
