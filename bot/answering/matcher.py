"""Question → knowledge entry, or an honest "I don't know": the engine's one decision.

The lexical index (index.py) proposes candidates from the question's folded words
(normalise.py); here each is scored on [0, 1] features (measured in bench/bench.py, see
README): how much of the query's IDF mass the entry's question and aliases cover together and
with the answer, an IDF-weighted F1 against the single closest question or alias (extra words
on either side count against it), how much IDF mass that is (one common word is not specific),
rapidfuzz similarity to the entry's question and aliases, the candidate's BM25 relative to the
best, and how much the question's letters look like the entry's phrasings (char_model.py; a
question that says an alias word for word gives that entry this vote).
With the embedding model ready (semantic.py), these candidates and the model's are fused and
put in a band (bands.py): answer, suggest or none. With words alone, whether to answer is a
small logistic regression (best score, lead over the runner-up, unknown words, question length)
fitted offline on the tuning split of tests/eval/questions.yaml and chosen by cross-validation
there (bench/bench.py --cv); below its threshold the bot abstains and suggests the nearest
entries. A question that says a question or alias word for word (once folded) skips all of
this: that entry answers, so wording moderators add is answered as they meant. A question
about the asker's own case is a referral either way (personal.py's patterns, or with the model
the own-case classifier over the question's vector in bands.py).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from bot.answering.bands import (
    ANSWER,
    NONE,
    REFERRAL,
    SUGGEST,
    Bands,
    LexicalView,
    candidate_features,
)
from bot.answering.index import CANDIDATES, Index
from bot.answering.knowledge import Entry, Snapshot
from bot.answering.normalise import MAX_INPUT, detect_language, fold, terms, without_greeting
from bot.answering.personal import is_personal
from bot.answering.semantic import (
    Embedder,
    SemanticIndex,
    VectorCache,
    Vectors,
    default_cache,
    open_embedder,
)
from bot.config import MatcherConfig
from bot.yamlcheck import Problem

MAX_SUGGESTIONS = 3
_CHARS = 0.15  # the character model's share; the other features share the rest as they did
_WEIGHTS = {
    name: weight * (1 - _CHARS)
    for name, weight in {
        "phrase": 0.2,
        "title": 0.2,
        "all": 0.1,
        "fuzzy": 0.4,
        "specificity": 0.0,
        "bm25": 0.1,
    }.items()
} | {"chars": _CHARS}
# The weighted sum is tuned to answer from 0.60; a monotone power maps 0.60 to 0.70, the threshold
# config files already carry, so ranking is unchanged and deployed configs stay calibrated.
_CALIBRATION = math.log(0.70) / math.log(0.60)
# Whether to answer: a logistic regression on the best entry's score, its lead over the runner-up,
# the share of the question's IDF mass in words the knowledge never uses and the question's length
# (Features.unknown, Features.length) predicts "the best entry is the right one". Fitted offline on
# the tuning split of tests/eval/questions.yaml, its threshold chosen on out-of-fold decisions and
# the model chosen by nested cross-validation there; `python bench/bench.py --cv` regenerates
# these numbers. The probability is mapped by a monotone power so that its threshold lands on 0.70,
# the threshold config files carry.
_ABSTAIN_BIAS = -20.4689
_ABSTAIN = {"score": 23.8723, "margin": 4.1435, "unknown": -2.0204, "length": 5.7294}
_ABSTAIN_THRESHOLD = 0.6900
_CONFIDENCE = math.log(0.70) / math.log(_ABSTAIN_THRESHOLD)
_EXACT = 0.999  # phrase overlap at which the query says exactly a question or alias
_MASS_HALF = 2.0  # matched IDF mass at which specificity is 0.5: one rare word, or a few common


@dataclass(frozen=True, slots=True)
class Scored:
    entry: Entry
    score: float
    lang: str  # the language whose text matched best


@dataclass(frozen=True, slots=True)
class Match:
    question: str
    lang: str  # the language to answer in
    best: Scored | None  # None when nothing in the knowledge relates at all
    matched: bool  # the reply carries best's answer (band answer, or a referral with its rule)
    suggestions: tuple[Entry, ...]
    band: str = NONE  # answer, suggest, referral or none (bot/answering/bands.py)

    @property
    def score(self) -> float:
        return self.best.score if self.best else 0.0


@dataclass(frozen=True, slots=True)
class Features:
    """What the score of one (entry, language) candidate is made of, each in [0, 1]."""

    phrase: float
    title: float
    all: float
    fuzzy: float
    specificity: float
    bm25: float
    chars: float = 0.0  # how much the question's letters look like this entry's phrasings
    unknown: float = 0.0  # share of the query's IDF mass in words the knowledge never uses
    length: float = 0.0  # content words in the query, / 10, at most 1


def _one_loose_word(features: Features) -> bool:
    """A single content word ("jail", "rapido", "is it legit") names a topic, not a question:
    the bot offers the nearest entries instead of guessing, unless a moderator made that very
    word an alias of the entry ("ayuda"), or it is what an entry defines (see `match`)."""
    return features.length <= 0.1 and features.phrase < _EXACT


class Matcher:
    def __init__(
        self,
        config: MatcherConfig | None = None,
        weights: dict[str, float] | None = None,
        *,
        embedder: Embedder | None = None,
        cache: VectorCache | None = None,
        bands: Bands | None = None,
    ) -> None:
        self.config = config or MatcherConfig()
        self.weights = weights or _WEIGHTS  # bench/bench.py --tune varies them
        self.embedder = embedder  # None: words alone, as before the semantic model
        self.cache = cache or VectorCache(None)
        self.bands = bands or Bands.load()
        self._index: Index | None = None
        self._semantic: SemanticIndex | None = None
        self.stopping = threading.Event()  # set at shutdown: embedding ends between batches

    def index_for(self, snapshot: Snapshot) -> Index:
        """One index per snapshot; a reload builds the next one before it is swapped in."""
        if self._index is None or self._index.snapshot is not snapshot:
            self._index = Index(snapshot)
        return self._index

    def load_model(self) -> bool:
        """Load the configured model (blocking, about 0.2 s). False when `matcher.semantic` is
        off or the model cannot load (logged once): the words alone keep answering."""
        if self.embedder is not None:
            return True
        if not self.config.semantic:
            return False
        embedder = open_embedder(self.config.model)
        if embedder is None:
            return False
        self.cache = VectorCache(self.config.cache or default_cache())
        self.embedder = embedder
        return True

    def prepare(self, snapshot: Snapshot) -> None:
        """Both indexes for `snapshot`. Blocking (a cold vector cache embeds every phrase, about
        7 ms each), so the app runs it in a worker thread and answers with words meanwhile."""
        self.index_for(snapshot)
        if self.embedder is not None and (
            self._semantic is None or self._semantic.snapshot is not snapshot
        ):
            self._semantic = SemanticIndex.build(snapshot, self.embedder, self.cache, self.stopping)

    def semantic_for(self, snapshot: Snapshot) -> SemanticIndex | None:
        """The semantic index when it is ready for `snapshot`, else None (words alone)."""
        index = self._semantic
        return index if index is not None and index.snapshot is snapshot else None

    def rank(self, snapshot: Snapshot, question: str) -> list[Scored]:
        """Entries scored in [0, 1], best first (at most one per entry).

        BM25 only proposes candidates; the score says how well the question is covered by the
        entry's own question and aliases (title), by anything it says (all), how specific
        that coverage is, and how close the wording is.
        """
        return [scored for scored, _ in self.candidates(snapshot, question)]

    def candidates(
        self, snapshot: Snapshot, question: str, every: bool = False
    ) -> list[tuple[Scored, Features]]:
        """`rank`, with each entry's features (bench/bench.py --cv fits the models on them);
        `every` keeps each (entry, language) candidate rather than each entry's best."""
        index = self.index_for(snapshot)
        folded = fold(question)
        query_terms = terms(folded)
        ranked, query = index.rank(query_terms)
        if not ranked:
            return []
        flat_query = " ".join(query_terms)
        top_bm25 = ranked[0][1]
        weights = self.weights
        unknown = query.unknown_idf / query.total_idf if query.total_idf else 0.0
        length = min(query.count, 10) / 10
        found: list[tuple[Entry, str, dict[str, float]]] = []
        similarities = index.similarities(flat_query, [doc for doc, _ in ranked])
        overlaps = index.overlaps(query)
        for doc, bm25 in ranked:
            entry, lang = index.docs[doc]
            title, mass = query.coverage(index.title_terms[doc])
            everything, _ = query.coverage(index.all_terms[doc])
            similarity = similarities.get(doc, 0.0)
            phrase = float(overlaps[doc])
            measured = {
                "phrase": phrase,
                "title": title,
                "all": everything,
                "fuzzy": similarity,
                "specificity": mass / (mass + _MASS_HALF),
                "bm25": bm25 / top_bm25,
            }
            found.append((entry, lang, measured))
        # The character model weighs new wording. Wording a moderator wrote down (a question or
        # alias the query says exactly) needs no weighing: that entry gets the model's vote.
        exact = {entry.id for entry, _, f in found if f["phrase"] >= _EXACT}
        looks = (
            dict.fromkeys(exact, 1.0)
            if exact
            else index.chars.posterior(folded, (entry.id for entry, _, _ in found))
        )
        best: dict[str, tuple[Scored, Features]] = {}
        rows: list[tuple[Scored, Features]] = []
        for entry, lang, measured in found:
            measured["chars"] = looks.get(entry.id, 0.0)
            raw = sum(weight * measured[name] for name, weight in weights.items())
            features = Features(**measured, unknown=unknown, length=length)
            score = round(min(max(raw, 0.0), 1.0) ** _CALIBRATION, 4)
            rows.append((Scored(entry, score, lang), features))
            if entry.id not in best or score > best[entry.id][0].score:
                best[entry.id] = rows[-1]
        if every:
            return rows
        return sorted(best.values(), key=lambda s: s[0].score, reverse=True)[:CANDIDATES]

    def confidence(self, ranked: list[tuple[Scored, Features]]) -> float:
        """How sure the engine is that the best of `ranked` is the right entry, in [0, 1]."""
        if not ranked:
            return 0.0
        best, features = ranked[0]
        values = {
            "score": best.score,
            "margin": best.score - (ranked[1][0].score if len(ranked) > 1 else 0.0),
            "unknown": features.unknown,
            "length": features.length,
        }
        logit = _ABSTAIN_BIAS + sum(_ABSTAIN[name] * values[name] for name in _ABSTAIN)
        probability = 1 / (1 + math.exp(-logit)) if logit > -50 else 0.0
        return round(float(probability**_CONFIDENCE), 4)

    def match(
        self,
        snapshot: Snapshot,
        question: str,
        lang: str | None = None,
        *,
        words_only: bool = False,
    ) -> Match:
        """`lang` is the answer's language; None lets the question decide, then English.
        `words_only` skips the model (the core sheds load to the words when it is busy)."""
        question = question[:MAX_INPUT]
        answer_lang = lang or detect_language(question) or "en"
        asked = without_greeting(question)  # "hola" still says which language
        best, band, suggestions, query = self._band(snapshot, asked, words_only)
        matched = band == ANSWER
        if best is not None and (
            is_personal(asked) or (query is not None and self.bands.own_case(query))
        ):
            # their own case: legal help, with the general rule when the engine is sure of it,
            # else the closest general answers to tap
            band, suggestions = REFERRAL, () if matched else suggestions
        return Match(question, answer_lang, best, matched, suggestions, band)

    def _band(
        self, snapshot: Snapshot, question: str, words_only: bool
    ) -> tuple[Scored | None, str, tuple[Entry, ...], Vectors | None]:
        """The ranking's verdict: fused when the model is ready, else words alone; and the
        question's vector when the model read it."""
        said = self.index_for(snapshot).verbatim.get(fold(question))
        if said is not None:
            # a moderator's question or alias word for word: that entry, whatever the ranking
            # (an alias added from `report`'s "Did you mean" list must then answer)
            return Scored(said[0], 1.0, said[1]), ANSWER, (), None
        candidates = self.candidates(snapshot, question)
        if candidates and _one_loose_word(candidates[0][1]):
            # a lone "sb54" or "detainer" asks what it is: the entry whose alias says "what is
            # sb54" answers; a lone "jail" has no such entry and gets the nearest topics
            defined = self.candidates(snapshot, f"what is {question}")
            if defined and defined[0][1].phrase >= _EXACT:
                candidates = defined
        if words_only or self.semantic_for(snapshot) is None:
            return *self._lexical_band(candidates), None
        return self._fused_band(snapshot, question, candidates)

    def _lexical_band(
        self, candidates: list[tuple[Scored, Features]]
    ) -> tuple[Scored | None, str, tuple[Entry, ...]]:
        """Words alone: the engine as it was before the semantic model (its fallback)."""
        ranked = [scored for scored, _ in candidates]
        if not ranked:
            return None, NONE, ()
        top = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        best = Scored(top.entry, self.confidence(candidates), top.lang)
        if (
            best.score >= self.config.threshold
            and top.score - runner_up >= self.config.margin
            and not _one_loose_word(candidates[0][1])
        ):
            return best, ANSWER, ()
        floor = self.config.threshold / 3
        suggestions = tuple(s.entry for s in ranked[:MAX_SUGGESTIONS] if s.score >= floor)
        # words alone cannot tell a near miss from a stranger: "I don't know", with the
        # nearest entries, as before the model (never "Did you mean")
        return best, NONE, suggestions

    def fused(
        self, snapshot: Snapshot, question: str, candidates: list[tuple[Scored, Features]]
    ) -> tuple[dict[str, dict[str, float]], LexicalView, Vectors | None]:
        """Each candidate's features (the lexical engine's best and the embedding model's
        best), the lexical verdict the decider reads (bench/bench.py --fit fits on these), and
        the question's vector."""
        semantic = self.semantic_for(snapshot)
        first = candidates[0] if candidates else None
        view = LexicalView(
            first[0].entry.id if first else None,
            self.confidence(candidates),
            first[1].length if first else 0.0,
            first[1].unknown if first else 1.0,
            first[1].phrase if first else 0.0,
        )
        if semantic is None:
            return {}, view, None
        query = semantic.embed(question)
        ids = [entry.id for entry in snapshot.entries]
        lexical = {s.entry.id: (s.score, rank) for rank, (s, _) in enumerate(candidates)}
        pool = candidate_features(lexical, semantic.compare(query), ids, self.bands, CANDIDATES)
        return pool, view, query

    def _fused_band(
        self, snapshot: Snapshot, question: str, candidates: list[tuple[Scored, Features]]
    ) -> tuple[Scored | None, str, tuple[Entry, ...], Vectors | None]:
        pool, view, query = self.fused(snapshot, question, candidates)
        ranked = self.bands.rank(pool)
        if not ranked:
            return None, NONE, (), query
        probability = self.bands.confidence(self.bands.decision_features(ranked, pool, view))
        langs = {scored.entry.id: scored.lang for scored, _ in candidates}
        top = ranked[0][0]
        best = Scored(snapshot.by_id[top], round(probability, 4), langs.get(top, "en"))
        band = self.bands.band(probability)
        if candidates and _one_loose_word(candidates[0][1]) and (view.overlap or band == ANSWER):
            band = SUGGEST  # one word an entry's phrasing uses ("ice") names a topic: offer it
        if band == ANSWER:
            return best, ANSWER, (), query
        related = tuple(
            snapshot.by_id[entry_id]
            for entry_id, score in ranked[:MAX_SUGGESTIONS]
            if score >= self.bands.related
        )
        if band == SUGGEST and related:
            return best, SUGGEST, related, query
        return best, NONE, (), query


def look_alikes(snapshot: Snapshot, matcher: Matcher | None = None) -> list[Problem]:
    """Entries the bot cannot tell apart, as warnings for `validate`: two that share a way of
    asking (the same words in another order), or one whose own question finds another entry
    first. Either way the bot would pick between them by chance."""
    matcher = matcher or Matcher(MatcherConfig(semantic=False))
    problems: list[Problem] = []
    owners: dict[frozenset[str], Entry] = {}
    for entry in snapshot.entries:
        for content in entry.texts.values():
            for phrase in content.phrases:
                words = frozenset(terms(fold(phrase)))
                first = owners.setdefault(words, entry)
                if first is not entry and words:
                    message = f"'{phrase}' asks the same as an alias of '{first.id}'"
                    problems.append(Problem(entry.file, entry.line, message, "warning"))
    for entry in snapshot.entries:
        for lang, content in entry.texts.items():
            ranked = matcher.rank(snapshot, content.question)
            if ranked and ranked[0].entry.id != entry.id:
                message = (
                    f"its {lang} question finds '{ranked[0].entry.id}' first; "
                    "word the two questions apart"
                )
                problems.append(Problem(entry.file, entry.line, message, "warning"))
    return problems
