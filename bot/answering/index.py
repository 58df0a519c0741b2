"""The lexical index: BM25 over every entry's wording, built once per knowledge snapshot.

Each (entry, language) is one document: its question and aliases weigh more than its answer.
Questions are folded and stemmed the way the knowledge is (normalise.py); a word the knowledge
never uses is corrected to the nearest one it does when it is close enough ("sherrif"). The
index proposes candidates and measures them for the matcher: which of the question's words an
entry covers and how rare they are (`Query`), how close its wording is (rapidfuzz), and which
entry's letters the question looks like (char_model.py). A reload builds a new index beside the
old one; nothing in it changes after it is built.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter

from rapidfuzz import fuzz, process

from bot.answering.char_model import CharModel
from bot.answering.knowledge import Entry, Snapshot
from bot.answering.normalise import fold, terms

CANDIDATES = 8  # entries the matcher scores closely; BM25 proposes twice as many documents
_K1, _B = 1.2, 0.75
_FIELD_WEIGHTS = {"question": 3.0, "aliases": 2.0, "answer": 1.0}


class Index:
    """BM25 over (entry, language) documents, built once per Snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.docs: list[tuple[Entry, str]] = []
        self.lengths: list[float] = []
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.title_terms: list[frozenset[str]] = []
        self.all_terms: list[frozenset[str]] = []
        self.phrases: list[tuple[str, ...]] = []  # folded question + aliases, for rapidfuzz
        self.phrase_terms: list[tuple[tuple[frozenset[str], float], ...]] = []  # (terms, IDF)
        # a folded question or alias → its (entry, language), the first entry's when two share
        # one (validate warns of that): a question saying one word for word needs no ranking
        self.verbatim: dict[str, tuple[Entry, str]] = {}
        phrase_sets: list[tuple[frozenset[str], ...]] = []
        classes: dict[str, list[str]] = defaultdict(list)  # entry id → its folded phrasings
        for entry in snapshot.entries:
            for lang, text in entry.texts.items():
                folded = [fold(p) for p in text.phrases]  # once each: folding is most of a build
                for said in folded:
                    self.verbatim.setdefault(said, (entry, lang))
                found_in = [terms(f) for f in folded]
                classes[entry.id].extend(folded)
                tf: defaultdict[str, float] = defaultdict(float)
                for number, found in enumerate(found_in):
                    for term in found:
                        tf[term] += _FIELD_WEIGHTS["question" if number == 0 else "aliases"]
                title = frozenset(tf)
                for term in terms(fold(text.answer)):
                    tf[term] += _FIELD_WEIGHTS["answer"]
                doc = len(self.docs)
                self.docs.append((entry, lang))
                self.lengths.append(sum(tf.values()))
                self.title_terms.append(title)
                self.all_terms.append(frozenset(tf))
                self.phrases.append(tuple(" ".join(found) for found in found_in))
                phrase_sets.append(tuple(frozenset(found) for found in found_in))
                for term, weight in tf.items():
                    self.postings[term].append((doc, weight))
        n = max(len(self.docs), 1)
        self.avg_length = sum(self.lengths) / n if self.docs else 1.0
        for term, posting in self.postings.items():  # BM25's tf part, once, not per question
            self.postings[term] = [
                (
                    doc,
                    tf
                    * (_K1 + 1)
                    / (tf + _K1 * (1 - _B + _B * self.lengths[doc] / self.avg_length)),
                )
                for doc, tf in posting
            ]
        self.idf = {
            t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self.phrase_terms = [
            tuple((p, sum(self.idf[t] for t in p)) for p in sets if p) for sets in phrase_sets
        ]
        self.chars = CharModel(list(classes.items()))
        self.vocab: dict[str, list[str]] = defaultdict(list)  # by first letter: typos rarely
        for term in self.postings:  # touch it, and it keeps typo correction cheap at 10,000
            if len(term) >= 4:
                self.vocab[term[0]].append(term)
        self._corrections: dict[str, str | None] = {}

    def correct(self, term: str) -> str | None:
        """A typo'd term → the nearest known term, when one is close enough."""
        if term in self.postings:
            return term
        if len(term) < 4:
            return None
        if term not in self._corrections:
            if len(self._corrections) > 50_000:
                self._corrections.clear()
            best = process.extractOne(
                term, self.vocab.get(term[0], ()), scorer=fuzz.ratio, score_cutoff=80
            )
            self._corrections[term] = best[0] if best else None
        return self._corrections[term]

    def rank(self, query_terms: Iterable[str]) -> tuple[list[tuple[int, float]], Query]:
        """The best (doc, bm25) candidates sharing a term with the query, best first."""
        query = Query()
        for term in dict.fromkeys(query_terms):
            known = self.correct(term)
            query.count += 1
            if known is None:
                query.total_idf += self.unknown_idf
                query.unknown_idf += self.unknown_idf
                continue
            query.total_idf += self.idf[known]
            query.terms[known] = self.idf[known] * (1.0 if known == term else 0.8)
        bm25: dict[int, float] = defaultdict(float)
        for term, idf in query.terms.items():
            for doc, weight in self.postings[term]:
                bm25[doc] += idf * weight
        ranked = heapq.nlargest(CANDIDATES * 2, bm25.items(), key=itemgetter(1))
        return ranked, query

    def similarities(self, flat_query: str, docs: list[int]) -> dict[int, float]:
        """Each doc's best rapidfuzz similarity (token sort + token set, / 200) to one of its
        phrases: every phrase of every candidate scored in two calls, not two calls a phrase."""
        choices = [p for doc in docs for p in self.phrases[doc]]
        owners = [doc for doc in docs for _ in self.phrases[doc]]
        total = [0.0] * len(choices)
        for scorer in (fuzz.token_sort_ratio, fuzz.token_set_ratio):
            for _, score, at in process.extract(flat_query, choices, scorer=scorer, limit=None):
                total[at] += score
        best: dict[int, float] = {}
        for doc, score in zip(owners, total, strict=True):
            if score > best.get(doc, -1.0):
                best[doc] = score
        return {doc: score / 200 for doc, score in best.items()}


@dataclass
class Query:
    terms: dict[str, float] = field(default_factory=dict)  # known term → its IDF weight
    total_idf: float = 0.0  # including words the knowledge never uses
    unknown_idf: float = 0.0  # the part of total_idf in words the knowledge never uses
    count: int = 0  # distinct content words

    def coverage(self, found: frozenset[str]) -> tuple[float, float]:
        """(share of the query's IDF mass found, that mass)."""
        mass = sum(idf for term, idf in self.terms.items() if term in found)
        return (mass / self.total_idf if self.total_idf else 0.0), mass

    def overlap(self, found: frozenset[str], found_mass: float) -> float:
        """IDF-weighted F1 of the query against one phrase: a question or alias that says what
        the query says and little else. Unlike the title union, words the query adds that the
        phrase lacks count against it, and so do the phrase's own words the query lacks."""
        if found.isdisjoint(self.terms):  # most phrases of a candidate: no need to add up
            return 0.0
        common = sum(idf for term, idf in self.terms.items() if term in found)
        if not common or not found_mass:
            return 0.0
        recall = common / self.total_idf
        precision = common / found_mass
        return 2 * precision * recall / (precision + recall)
