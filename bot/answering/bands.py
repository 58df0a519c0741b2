"""Fusing the lexical and semantic rankings, and the three bands of an answer.

Hosted question-answering services answer in bands, and so does the bot: confident (answer),
unsure ("Did you mean …?" with the best candidates as buttons) and no match (say so, list the
topics). Small logistic regressions do it, and their numbers live in bands.json beside this
file, written by `python bench/bench.py --fit` from the tuning parts of the evaluation sets
(never from the blind part of tests/eval/real.yaml):

- the ranker scores each candidate entry (the lexical engine's best few and the embedding
  model's best few by each of its three views: nearest phrase, nearest passage, intent fit)
  on how likely it is the right one, from both engines' scores;
- the decider turns the best candidate's score, its lead and the lexical engine's own
  confidence into the probability that the answer is right; two cut-offs make the bands;
- the own-case classifier reads the question's vector for the cases personal.py's patterns
  have no words for (fitted also on the own-case development set, tests/eval/owncase_dev.yaml).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.answering.semantic import Similarities

BANDS_FILE = Path(__file__).with_name("bands.json")
ANSWER, SUGGEST, REFERRAL, NONE = "answer", "suggest", "referral", "none"
BAND_NAMES = (ANSWER, SUGGEST, REFERRAL, NONE)
VIEWS = Similarities._fields  # the embedding model's views: phrase, passage, intent
CANDIDATE_FEATURES = ("lex", "lex_top", "phrase", "passage", "phrase_gap", "passage_gap",
                      "phrase_top", "passage_top", "lex_rr", "phrase_rr", "passage_rr",
                      "intent", "intent_gap", "intent_top", "intent_rr")  # fmt: skip
DECISION_FEATURES = ("top", "lead", "lexical", "overlap", "length", "unknown", "agree", "phrase",
                     "passage", "intent")  # fmt: skip


def logistic(bias: float, weights: Mapping[str, float], values: Mapping[str, float]) -> float:
    logit = bias + sum(w * values.get(name, 0.0) for name, w in weights.items())
    if logit < -50:
        return 0.0
    return 1 / (1 + math.exp(-logit))


@dataclass(frozen=True, slots=True)
class LexicalView:
    """What the decider needs of the lexical engine's verdict on one question."""

    top: str | None  # its best entry
    confidence: float  # its own answer-or-abstain probability
    length: float  # content words / 10, at most 1
    unknown: float  # share of the question's weight in words the knowledge never uses
    overlap: float = 0.0  # how nearly it says one of the top entry's questions or aliases


@dataclass(frozen=True, slots=True)
class Bands:
    phrase_floor: float = 0.80  # cosines below this count as 0 (unrelated), 1.0 as 1
    passage_floor: float = 0.75
    rank_bias: float = -6.0
    rank_weights: dict[str, float] = field(default_factory=lambda: {"lex": 3.0, "phrase": 3.0})
    bias: float = -3.0
    weights: dict[str, float] = field(default_factory=lambda: {"top": 6.0})
    answer: float = 0.5  # probability from which the bot answers
    suggest: float = 0.15  # from which it asks "Did you mean …?"
    related: float = 0.05  # a candidate's ranker score needed to be offered as a suggestion
    # the own-case classifier over the question's vector (see `own_case`); no weights: never
    own_case_bias: float = 0.0
    own_case_weights: list[float] = field(default_factory=list)
    own_case_cut: float = 1.0

    @classmethod
    def load(cls, path: Path = BANDS_FILE) -> Bands:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})

    def save(self, path: Path = BANDS_FILE, **notes: object) -> None:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        path.write_text(json.dumps(notes | values, indent=2) + "\n", encoding="utf-8")

    @staticmethod
    def unit(cosine: float, floor: float) -> float:
        return min(max((cosine - floor) / (1 - floor), 0.0), 1.0)

    def candidate(self, features: Mapping[str, float]) -> float:
        """How likely this candidate entry is the right one (the fused ranking)."""
        return logistic(self.rank_bias, self.rank_weights, features)

    def confidence(self, features: Mapping[str, float]) -> float:
        """How likely the best candidate is the right answer to an in-scope question."""
        return logistic(self.bias, self.weights, features)

    def rank(self, pool: Mapping[str, Mapping[str, float]]) -> list[tuple[str, float]]:
        """Candidate ids with the ranker's score, best first."""
        scored = [(entry_id, self.candidate(values)) for entry_id, values in pool.items()]
        return sorted(scored, key=lambda pair: pair[1], reverse=True)

    @staticmethod
    def decision_features(
        ranked: Sequence[tuple[str, float]],
        pool: Mapping[str, Mapping[str, float]],
        lexical: LexicalView,
    ) -> dict[str, float]:
        """What the decider reads: the best candidate's score and its lead over the next, the
        lexical engine's own confidence when it agrees on the best entry, how many of the
        four views (words, phrases, passages, intents) put that entry first, and its scores."""
        top = ranked[0][1] if ranked else 0.0
        agrees = bool(ranked) and ranked[0][0] == lexical.top
        best = pool[ranked[0][0]] if ranked else {}
        views = ("lex_top", *(f"{view}_top" for view in VIEWS))
        return {
            "top": top,
            "lead": top - (ranked[1][1] if len(ranked) > 1 else 0.0),
            "lexical": lexical.confidence if agrees else 0.0,
            "overlap": lexical.overlap if agrees else 0.0,
            "length": lexical.length,
            "unknown": lexical.unknown,
            "agree": sum(best.get(view, 0.0) for view in views) / len(views),
            "phrase": best.get("phrase", 0.0),
            "passage": best.get("passage", 0.0),
            "intent": best.get("intent", 0.0),
        }

    def own_case(self, query: NDArray[np.float32]) -> bool:
        """Whether the question's vector reads as someone's own case. Patterns (personal.py)
        see the words people use for it; this sees cases in words the patterns never met
        ("From that incident with the law, I never applied for a visa")."""
        if len(self.own_case_weights) != len(query) or not 0 < self.own_case_cut < 1:
            return False  # not fitted, or fitted on vectors of another size
        logit = self.own_case_bias + float(np.dot(self.own_case_weights, query))
        return logit >= math.log(self.own_case_cut / (1 - self.own_case_cut))

    def band(self, probability: float) -> str:
        if probability >= self.answer:
            return ANSWER
        return SUGGEST if probability >= self.suggest else NONE


def candidate_features(
    lexical: Mapping[str, tuple[float, int]],
    semantic: Similarities,
    entry_ids: Sequence[str],
    bands: Bands,
    pool_size: int,
) -> dict[str, dict[str, float]]:
    """entry id → its candidate features, for the lexical engine's candidates (id → (score,
    rank)) and each semantic view's best `pool_size`."""
    if not len(entry_ids):
        return {}
    views = semantic._asdict()  # each view gets a gap, a top and a rank
    best = {name: _best(scores, pool_size) for name, scores in views.items()}
    ranks = {name: _ranks(scores) for name, scores in views.items()}
    at = {entry_id: i for i, entry_id in enumerate(entry_ids)}
    pool = dict.fromkeys([*lexical, *(entry_ids[i] for top in best.values() for i in top)])
    found: dict[str, dict[str, float]] = {}
    for entry_id in pool:
        i = at[entry_id]
        score, rank = lexical.get(entry_id, (0.0, pool_size + 1))
        features = {
            "lex": score,
            "lex_top": float(rank == 0),
            # reciprocal ranks: what reciprocal-rank fusion adds up, here one weight each
            "lex_rr": 1 / (1 + rank) if entry_id in lexical else 0.0,
            "phrase": bands.unit(float(semantic.phrase[i]), bands.phrase_floor),
            "passage": bands.unit(float(semantic.passage[i]), bands.passage_floor),
            "intent": float(semantic.intent[i]),
        }
        for name, scores in views.items():
            first = best[name][0]
            features[f"{name}_gap"] = float(scores[i]) - float(scores[first])
            features[f"{name}_top"] = float(i == first)
            features[f"{name}_rr"] = 1 / (1 + float(ranks[name][i]))
        found[entry_id] = features
    return found


def _ranks(scores: NDArray[np.float32]) -> NDArray[np.intp]:
    """Each entry's place in the order of `scores`, 0 for the highest."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty_like(order)
    ranks[order] = np.arange(len(order))
    return ranks


def _best(scores: NDArray[np.float32], k: int) -> list[int]:
    """Indexes of the `k` highest scores, highest first, without sorting them all."""
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]
