"""How fast the engine answers, and what a fresh `python -m bot ask` costs in time and memory.

Latency per question with the model (words and meaning), then of words alone beside the WRatio
baseline on the real knowledge and on synthetic ones of 1,000 and 10,000 entries; start-up and
peak RSS are measured in child processes. The second part of `make bench`, after quality.
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from types import MappingProxyType

from bench import ROOT
from bench.quality import Answer, Question, baseline, engine, semantic_matcher
from bot.answering.knowledge import Entry, LangText, Snapshot
from bot.config import Config
from bot.messages import Source

Workload = tuple[str, Snapshot, list[str]]  # name, knowledge, questions asked of it


def latency(answer: Answer, questions: list[str], rounds: int = 3) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, questions per second)."""
    times = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter()
            answer(q)
            times.append(time.perf_counter() - start)
    times.sort()
    p50 = statistics.median(times) * 1000
    p99 = times[int(len(times) * 0.99) - 1] * 1000
    return p50, p99, len(times) / sum(times)


_WORDS = (
    "meeting board county sheriff jail notice forum comment agenda supervisor district law "
    "police immigration request release record budget hearing vote policy contract office "
    "transfer interview consent lawyer court warrant detention permit parking library water "
    "park street housing rent tenant clinic school bus fire election ballot tax fee license "
    "reunion junta condado carcel aviso foro comentario agenda distrito ley policia cita "
    "permiso biblioteca agua parque calle vivienda renta clinica escuela eleccion impuesto"
).split()


def synthetic(n: int, seed: int = 7) -> tuple[Snapshot, list[str]]:
    """`n` random two-language entries, and questions drawn from their aliases with a typo.

    Words come from a Zipf-like vocabulary that grows with the knowledge (a few common words,
    many rare ones), as in a real FAQ; a fixed 100-word vocabulary would make every word common.
    """
    rng = random.Random(seed)
    vocabulary = list(_WORDS) + [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(5, 10)))
        for _ in range(max(2_000, n * 5))
    ]
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))

    def words(k: int) -> list[str]:
        return rng.choices(vocabulary, cum_weights=cumulative, k=k)

    entries = []
    questions = []
    for i in range(n):
        own = words(12)
        texts = {
            lang: LangText(
                question=" ".join(own[:6]) + f" {i}?",
                answer=" ".join(words(60)),
                aliases=tuple(" ".join(rng.sample(own, 4)) for _ in range(4)),
            )
            for lang in ("en", "es")
        }
        source = (Source("s", "https://example.org"),)
        entries.append(Entry(f"e{i}", date(2026, 11, 25), source, MappingProxyType(texts)))
        q = list(rng.sample(own, 4))
        q[0] = q[0][:-1] + "x" if len(q[0]) > 4 else q[0]
        questions.append(" ".join(q))
    return Snapshot.of(entries), questions[:500]


# The child's own peak (bench.peak_rss_mb), in kB, after the command, whatever it did.
_MEASURED = (
    "import sys\n"
    "from bot.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "finally:\n"
    "    from bench import peak_rss_mb\n"
    "    print('MAXRSS', round(peak_rss_mb() * 1024), file=sys.stderr)\n"
)


def child_run(args: list[str], stdin: Path | None = None) -> tuple[float, float]:
    """(seconds until it is done, peak RSS MB) of `python -m bot …` in a fresh process.

    The child reports its own peak: RUSAGE_CHILDREN would also count the pages a fork copies
    from this (large) benchmark process before the child's exec.
    """
    start = time.perf_counter()
    with stdin.open("rb") if stdin else open(os.devnull, "rb") as feed:
        done = subprocess.run(
            [sys.executable, "-c", _MEASURED, *args],
            cwd=ROOT,
            check=True,
            capture_output=True,
            stdin=feed,
        )
    elapsed = time.perf_counter() - start
    peak = int(done.stderr.decode().rsplit("MAXRSS", 1)[1].split()[0]) / 1024
    return elapsed, peak


def report(snapshot: Snapshot, config: Config, questions: list[Question]) -> None:
    """Latency with the model, then of words alone and the baseline on each workload."""
    print("\nSpeed, one process, per question")
    texts = [q.text for q in questions]
    kinds: list[Workload] = [("real knowledge", snapshot, texts)]
    for n in (1_000, 10_000):
        synth, synth_q = synthetic(n)
        kinds.append((f"synthetic {n:,}", synth, synth_q))
    with_model(snapshot, config, texts)
    by_words(kinds, config)


def with_model(snapshot: Snapshot, config: Config, texts: list[str]) -> None:
    """The engine as it runs (words and meaning) on the real knowledge, one round."""
    start = time.perf_counter()
    fused = semantic_matcher(snapshot, config)
    built = (time.perf_counter() - start) * 1000

    def fused_answer(question: str) -> str | None:
        match = fused.match(snapshot, question)
        return match.best.entry.id if match.matched and match.best else None

    f50, f99, fqps = latency(fused_answer, texts, rounds=1)
    print(
        f"  {'real, words+meaning':<16} engine p50 {f50:6.3f} ms  p99 {f99:6.3f} ms  "
        f"{fqps:8,.0f} q/s  (model + cached index {built:6.0f} ms)   target p99 <= 25 ms"
    )


def by_words(kinds: list[Workload], config: Config) -> None:
    """Words alone beside the baseline on each workload."""
    for name, snap, qs in kinds:
        start = time.perf_counter()
        ours = engine(snap, config.matcher)
        built = (time.perf_counter() - start) * 1000
        e50, e99, eqps = latency(ours, qs)
        b50, b99, bqps = latency(baseline(snap), qs, rounds=1)
        print(
            f"  {name:<16} engine p50 {e50:6.3f} ms  p99 {e99:6.3f} ms  {eqps:8,.0f} q/s  "
            f"(index {built:6.0f} ms)   baseline p50 {b50:6.3f} ms  p99 {b99:6.3f} ms"
            f"  {bqps:8,.0f} q/s"
        )


def report_startup(questions: list[Question]) -> None:
    """Start-up to a first answer, a bulk `ask --json` from stdin, and their peak RSS."""
    print("\nStart-up and memory (fresh `python -m bot ask` processes)")
    texts = [q.text for q in questions]
    first, rss_one = child_run(["ask", "--json", "what does sb54 prohibit"])
    print(f"  start-up to first answer, model included: {first * 1000:.0f} ms (target 2500)")
    stdin_file = ROOT / "data" / "bench-questions.txt"
    stdin_file.parent.mkdir(exist_ok=True)
    stdin_file.write_text("\n".join(texts * 10) + "\n", encoding="utf-8")
    bulk, rss = child_run(["ask", "--json"], stdin=stdin_file)
    print(f"  ask --json, {len(texts) * 10:,} questions on stdin: {bulk:.2f} s in one process")
    print(f"  peak RSS of ask on the real knowledge: {max(rss, rss_one):.1f} MB (target 250)")
