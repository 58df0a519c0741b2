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

import numpy as np
from numpy.typing import NDArray
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
        self._sorted: list[tuple[str, ...]] = []  # the same with their words in order
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
                self._sorted.append(tuple(" ".join(sorted(found)) for found in found_in))
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
        self._phrases_of_docs(phrase_sets)
        self.chars = CharModel(list(classes.items()))
        self.vocab: dict[str, list[str]] = defaultdict(list)  # by first letter: typos rarely
        for term in self.postings:  # touch it, and it keeps typo correction cheap at 10,000
            if len(term) >= 4:
                self.vocab[term[0]].append(term)
        self._corrections: dict[str, str | None] = {}

    def _phrases_of_docs(self, phrase_sets: list[tuple[frozenset[str], ...]]) -> None:
        """Every question and alias with words, as rows (a document's rows contiguous): its
        IDF mass, and per term the rows that use it, so `overlaps` measures them all at once."""
        rows: dict[str, list[int]] = defaultdict(list)
        masses: list[float] = []
        owners: list[int] = []
        for doc, sets in enumerate(phrase_sets):
            for found in sets:
                if not found:
                    continue
                for term in found:
                    rows[term].append(len(masses))
                masses.append(sum(self.idf[t] for t in found))
                owners.append(doc)
        self._phrase_mass = np.array(masses, dtype=np.float64)
        self._phrase_rows = {t: np.array(r, dtype=np.intp) for t, r in rows.items()}
        owner = np.array(owners, dtype=np.intp)
        self._has_phrases = np.zeros(len(phrase_sets), dtype=bool)
        self._has_phrases[owner] = True
        self._first_row = np.searchsorted(owner, np.nonzero(self._has_phrases)[0])

    def overlaps(self, query: Query) -> NDArray[np.float64]:
        """Per document, the IDF-weighted F1 of the query against its closest single question
        or alias: one that says what the query says and little else. Unlike the title union,
        words the query adds that the phrase lacks count against it, and so do the phrase's own
        words the query lacks. Every phrase at once (the same sums, in the same order, as one
        at a time, and so the same figures): a Python loop over each candidate's phrases took
        a quarter of a question's time."""
        common = np.zeros(len(self._phrase_mass))
        for term, idf in query.terms.items():
            found = self._phrase_rows.get(term)
            if found is not None:
                common[found] += idf
        f1 = np.zeros(len(common))
        shared = np.nonzero(common)[0]
        if len(shared) and query.total_idf:
            c = common[shared]
            recall = c / query.total_idf
            precision = c / self._phrase_mass[shared]
            f1[shared] = 2 * precision * recall / (precision + recall)
        best = np.zeros(len(self._has_phrases))
        if len(f1):
            best[self._has_phrases] = np.maximum.reduceat(f1, self._first_row)
        return best

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
        phrases. Every phrase of every candidate in one call a scorer; token sort as the plain
        ratio of the words in order, the phrases' sorted once at build (the same figures)."""
        docs = [doc for doc in docs if self.phrases[doc]]
        if not docs:
            return {}
        choices = [p for doc in docs for p in self.phrases[doc]]
        ordered = [p for doc in docs for p in self._sorted[doc]]
        query_ordered = " ".join(sorted(flat_query.split()))
        total = process.cdist([query_ordered], ordered, scorer=fuzz.ratio, dtype=np.float64)[0]
        total += process.cdist(
            [flat_query], choices, scorer=fuzz.token_set_ratio, dtype=np.float64
        )[0]
        starts = np.cumsum([0] + [len(self.phrases[doc]) for doc in docs[:-1]])
        best = np.maximum.reduceat(total, starts)
        return {doc: float(score) / 200 for doc, score in zip(docs, best, strict=True)}


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
