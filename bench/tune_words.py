"""Where the words-alone engine's hand-set constants in bot/answering/matcher.py come from.

`python bench/bench.py --tune` sweeps the feature weights (_WEIGHTS), threshold and margin;
`--cv` compares ranking and abstention models by nested cross-validation and prints the adopted
abstainer's constants (_ABSTAIN_BIAS, _ABSTAIN, _ABSTAIN_THRESHOLD), copied into the matcher by
hand. Both read the tuning split of tests/eval/questions.yaml only, never its holdout. The
engine with the model (words and meaning) is fitted in bench/fit_abstain.py instead.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from dataclasses import asdict, dataclass

from bench.quality import Question
from bot.answering.knowledge import Snapshot
from bot.answering.matcher import Matcher
from bot.config import MatcherConfig


def tune(snapshot: Snapshot, questions: list[Question]) -> None:
    """Grid over feature weights, threshold and margin, on the tuning split only."""
    tuning = [q for q in questions if not q.holdout]
    print(f"Sweep on the tuning split only ({len(tuning)} questions):")
    results = []
    grid = itertools.product(
        (0.0, 0.1, 0.2, 0.3), (0.1, 0.2, 0.3), (0.0, 0.1), (0.2, 0.3, 0.4), (0.0, 0.1)
    )
    for phrase, title, everything, fuzzy, specificity in grid:
        bm25 = round(1 - phrase - title - everything - fuzzy - specificity, 2)
        if bm25 < 0:
            continue
        weights = {
            "phrase": phrase,
            "title": title,
            "all": everything,
            "fuzzy": fuzzy,
            "specificity": specificity,
            "bm25": bm25,
        }
        matcher = Matcher(MatcherConfig(0.0, 0.0), weights)
        ranked = [(q, matcher.rank(snapshot, q.text)[:2]) for q in tuning]
        for threshold in [x / 100 for x in range(30, 90, 2)]:
            for margin in (0.0, 0.02, 0.04, 0.06):
                right = abstain = wrong = 0
                for q, top in ranked:
                    best = top[0] if top else None
                    second = top[1].score if len(top) > 1 else 0.0
                    ok = bool(best and best.score >= threshold and best.score - second >= margin)
                    got = best.entry.id if ok and best else None
                    if q.expect:
                        right += got == q.expect
                        wrong += got is not None and got != q.expect
                    else:
                        abstain += got is None
                n_in = sum(1 for q in tuning if q.expect)
                n_out = len(tuning) - n_in
                total = right / n_in + abstain / n_out
                results.append(
                    (total, -wrong, weights, threshold, margin, right / n_in, abstain / n_out)
                )
    results.sort(key=lambda r: (r[0], r[1]), reverse=True)
    print("  sum    top-1  abstain  wrong  threshold margin  weights")
    for total, neg_wrong, weights, threshold, margin, top1, declined in results[:15]:
        print(
            f"  {total:.3f}  {top1:6.1%}  {declined:6.1%}  {-neg_wrong:5d}  "
            f"{threshold:.2f}  {margin:.2f}  {weights}"
        )


# ---------------------------------------------------------------------------------------------
# Cross-validation on the tuning split: every model choice is judged on folds it was not fitted
# on. `python bench/bench.py --cv`. The holdout is never read here.

FOLDS, REPEATS = 5, 4


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x > -50 else 0.0


def solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a few unknowns: no numpy needed)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        if abs(m[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col and m[r][col]:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] if abs(m[i][i]) > 1e-12 else 0.0 for i in range(n)]


def fit_logistic(rows: list[list[float]], labels: list[int], l2: float = 1.0) -> list[float]:
    """L2-regularised logistic regression by Newton's method; returns [bias, *coefficients]
    on the raw (unstandardised) features."""
    d = len(rows[0])
    mean = [statistics.fmean(r[j] for r in rows) for j in range(d)]
    std = [statistics.pstdev([r[j] for r in rows]) or 1.0 for j in range(d)]
    xs = [[1.0] + [(r[j] - mean[j]) / std[j] for j in range(d)] for r in rows]
    w = [0.0] * (d + 1)
    for _ in range(30):
        grad = [l2 * w[j] if j else 0.0 for j in range(d + 1)]
        hess = [[(l2 if i == j and i else 0.0) for j in range(d + 1)] for i in range(d + 1)]
        for x, y in zip(xs, labels, strict=True):
            p = sigmoid(sum(a * b for a, b in zip(w, x, strict=True)))
            for i in range(d + 1):
                grad[i] += (p - y) * x[i]
                pi = p * (1 - p) * x[i]
                row = hess[i]
                for j in range(i, d + 1):
                    row[j] += pi * x[j]
        for i in range(d + 1):
            for j in range(i):
                hess[i][j] = hess[j][i]
        step = solve(hess, grad)
        w = [a - b for a, b in zip(w, step, strict=True)]
        if max(abs(x) for x in step) < 1e-8:
            break
    coef = [w[j + 1] / std[j] for j in range(d)]
    bias = w[0] - sum(c * m for c, m in zip(coef, mean, strict=True))
    return [bias, *coef]


def predict(model: list[float], row: list[float]) -> float:
    return sigmoid(model[0] + sum(a * b for a, b in zip(model[1:], row, strict=True)))


CANDIDATE_FEATURES = ("phrase", "title", "all", "fuzzy", "specificity", "bm25", "chars")


@dataclass
class Case:
    question: Question
    docs: list[tuple[str, float, dict[str, float]]]  # (entry id, current score, features)


def cases(snapshot: Snapshot, questions: list[Question]) -> list[Case]:
    matcher = Matcher(MatcherConfig(0.0, 0.0))
    out = []
    for q in questions:
        rows = matcher.candidates(snapshot, q.text, every=True)
        docs = [(s.entry.id, s.score, asdict(f) | {"current": s.score}) for s, f in rows]
        out.append(Case(q, docs))
    return out


@dataclass(frozen=True)
class Model:
    """A ranker (None: the current hand-weighted score) and an abstainer (None: threshold on
    the ranker's score)."""

    rank_features: tuple[str, ...] | None
    abstain_features: tuple[str, ...] | None
    l2: float = 1.0


def ranked_entries(
    case: Case, ranker: list[float] | None, names: tuple[str, ...] | None
) -> list[tuple[str, float, dict[str, float]]]:
    best: dict[str, tuple[str, float, dict[str, float]]] = {}
    for entry, score, f in case.docs:
        if ranker is not None and names is not None:
            score = predict(ranker, [f[n] for n in names])
        if entry not in best or score > best[entry][1]:
            best[entry] = (entry, score, f)
    return sorted(best.values(), key=lambda r: r[1], reverse=True)


def abstain_row(
    top: list[tuple[str, float, dict[str, float]]], names: tuple[str, ...]
) -> list[float]:
    score = top[0][1]
    second = top[1][1] if len(top) > 1 else 0.0
    extra = {"score": score, "margin": score - second, "current": top[0][2]["current"]}
    return [extra[n] if n in extra else top[0][2][n] for n in names]


def fit(model: Model, train: list[Case]) -> tuple[list[float] | None, list[float] | None]:
    ranker = None
    if model.rank_features is not None:
        rows, labels = [], []
        for c in train:
            if c.question.expect is None:
                continue
            for entry, _, f in c.docs:
                rows.append([f[n] for n in model.rank_features])
                labels.append(int(entry == c.question.expect))
        ranker = fit_logistic(rows, labels, model.l2)
    abstainer = None
    if model.abstain_features is not None:
        rows, labels = [], []
        for c in train:
            top = ranked_entries(c, ranker, model.rank_features)
            if not top:
                continue
            rows.append(abstain_row(top, model.abstain_features))
            labels.append(int(top[0][0] == c.question.expect))
        abstainer = fit_logistic(rows, labels, model.l2)
    return ranker, abstainer


def decisions(
    model: Model, fitted: tuple[list[float] | None, list[float] | None], test: list[Case]
) -> list[tuple[Case, str | None, float]]:
    """(case, top entry, confidence) for each case."""
    ranker, abstainer = fitted
    out: list[tuple[Case, str | None, float]] = []
    for c in test:
        top = ranked_entries(c, ranker, model.rank_features)
        if not top:
            out.append((c, None, 0.0))
            continue
        conf = top[0][1]
        if abstainer is not None and model.abstain_features is not None:
            conf = predict(abstainer, abstain_row(top, model.abstain_features))
        out.append((c, top[0][0], conf))
    return out


def score_at(
    decided: list[tuple[Case, str | None, float]], threshold: float
) -> tuple[float, float, int]:
    """(top-1, abstention, wrong answers) answering at or above `threshold`."""
    right = wrong = abstained = n_in = n_out = 0
    for c, entry, conf in decided:
        got = entry if conf >= threshold else None
        if c.question.expect:
            n_in += 1
            right += got == c.question.expect
            wrong += got is not None and got != c.question.expect
        else:
            n_out += 1
            abstained += got is None
    return right / max(n_in, 1), abstained / max(n_out, 1), wrong


def best_threshold(decided: list[tuple[Case, str | None, float]]) -> float:
    """The threshold maximising top-1 + abstention (fewer wrong answers breaking ties)."""
    candidates = sorted({round(conf, 4) for _, _, conf in decided})
    best, best_key = 0.5, (-1.0, 0)
    for t in candidates:
        top1, abstain, wrong = score_at(decided, t)
        key = (round(top1 + abstain, 6), -wrong)
        if key > best_key:
            best, best_key = t, key
    return best


def folds(items: list[Case], k: int, seed: int) -> list[list[Case]]:
    """`k` folds, in-scope and out-of-scope questions spread evenly."""
    rng = random.Random(seed)
    inside = [c for c in items if c.question.expect]
    outside = [c for c in items if not c.question.expect]
    rng.shuffle(inside)
    rng.shuffle(outside)
    return [inside[i::k] + outside[i::k] for i in range(k)]


def oof(model: Model, items: list[Case], k: int, seed: int) -> list[tuple[Case, str | None, float]]:
    """Out-of-fold decisions: each case decided by a model fitted without its fold."""
    parts = folds(items, k, seed)
    out = []
    for i, test in enumerate(parts):
        train = [c for j, p in enumerate(parts) if j != i for c in p]
        out += decisions(model, fit(model, train), test)
    return out


def fit_final(
    model: Model, items: list[Case]
) -> tuple[tuple[list[float] | None, list[float] | None], float]:
    """The model fitted on all of `items`, its threshold chosen on their out-of-fold decisions."""
    pooled = [d for r in range(REPEATS) for d in oof(model, items, FOLDS, 100 + r)]
    return fit(model, items), best_threshold(pooled)


def ranking_accuracy(model: Model, items: list[Case]) -> float:
    """Held-out top-1 of the ranking alone (never abstaining), in-scope questions."""
    right = total = 0
    for r in range(REPEATS):
        for c, entry, _ in oof(model, items, FOLDS, r):
            if c.question.expect:
                total += 1
                right += entry == c.question.expect
    return right / max(total, 1)


def cross_validate(model: Model, items: list[Case]) -> tuple[float, float, float]:
    """Mean held-out (top-1, abstention, wrong per fold) over REPEATS x FOLDS; in each, the
    models are fitted and the threshold chosen on the other folds only (nested)."""
    results = []
    for r in range(REPEATS):
        parts = folds(items, FOLDS, r)
        for i, test in enumerate(parts):
            train = [c for j, p in enumerate(parts) if j != i for c in p]
            inner = oof(model, train, FOLDS - 1, 1000 + r * 10 + i)
            threshold = best_threshold(inner)
            results.append(score_at(decisions(model, fit(model, train), test), threshold))
    return (
        statistics.fmean(r[0] for r in results),
        statistics.fmean(r[1] for r in results),
        statistics.fmean(r[2] for r in results),
    )


# Tried and dropped, by these figures (see the git log): a character 3-5-gram TF-IDF cosine to
# the closest question or alias and to the entry as a whole (over folded, content-word and
# stemmed text) lowered held-out top-1 as a ranking feature and did not help abstention; the
# query's rarest word being in the entry's question or aliases did not help abstention either.
MODELS = {
    "current score, threshold by CV": Model(None, None),
    "current score + LR abstain (score, margin)": Model(None, ("score", "margin")),
    "current score + LR abstain (score, margin, unknown)": Model(
        None, ("score", "margin", "unknown")
    ),
    "current score + LR abstain (score, margin, unknown, length)": Model(
        None, ("score", "margin", "unknown", "length")
    ),
    "current score + LR abstain (score, margin, unknown, length), l2 0.1": Model(
        None, ("score", "margin", "unknown", "length"), 0.1
    ),
    "current score + LR abstain (score, margin, unknown, length), l2 10": Model(
        None, ("score", "margin", "unknown", "length"), 10.0
    ),
    "current score + LR abstain (+phrase, fuzzy)": Model(
        None, ("score", "margin", "unknown", "length", "phrase", "fuzzy")
    ),
    "current score + LR abstain (+chars)": Model(
        None, ("score", "margin", "unknown", "length", "chars")
    ),
    "current score + LR abstain (+phrase, fuzzy, chars)": Model(
        None, ("score", "margin", "unknown", "length", "phrase", "fuzzy", "chars")
    ),
    "LR rank (current features) + LR abstain": Model(
        CANDIDATE_FEATURES, ("score", "margin", "unknown", "length")
    ),
}
FINAL = MODELS["current score + LR abstain (score, margin, unknown, length)"]


def cv(snapshot: Snapshot, questions: list[Question]) -> None:
    tuning = [q for q in questions if not q.holdout]
    items = cases(snapshot, tuning)
    print(
        f"Cross-validation on the tuning split only ({len(tuning)} questions, "
        f"{REPEATS}x{FOLDS} folds, thresholds chosen on inner folds):"
    )
    print("  CV top-1  CV abstain  wrong/fold  ranking alone  model")
    for name, model in MODELS.items():
        top1, abstain, wrong = cross_validate(model, items)
        alone = ranking_accuracy(model, items)
        print(f"  {top1:7.1%}  {abstain:9.1%}  {wrong:9.2f}  {alone:12.1%}   {name}")
    (_, abstainer), threshold = fit_final(FINAL, items)
    assert abstainer is not None
    assert FINAL.abstain_features is not None
    print(
        "\nThe adopted abstainer fitted on the whole tuning split (answering/matcher.py _ABSTAIN):"
    )
    print(f"  features {FINAL.abstain_features}")
    print(f"  bias {abstainer[0]:.4f}, coefficients {', '.join(f'{c:.4f}' for c in abstainer[1:])}")
    print(f"  threshold (chosen on out-of-fold decisions) {threshold:.4f}")
