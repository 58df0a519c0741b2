"""`make bench`: answer quality and speed, with a plain baseline side by side.

Quality is measured on tests/eval/questions.yaml, split into the questions the threshold is
tuned on and the third kept aside (never tuned on). The baseline is rapidfuzz WRatio alone
over every question and alias, answering at a fixed, untuned cutoff of 80.

    python bench/bench.py            # all figures
    python bench/bench.py --tune     # sweep threshold and margin on the tuning split only
    python bench/bench.py --cv       # nested 5-fold cross-validation on the tuning split only
                                     # of the ranking and abstention models, and the adopted
                                     # abstainer's constants for bot/answering/matcher.py
    python bench/bench.py --fit      # fit the ranker and decider (bot/answering/bands.json) on
                                     # the tuning parts of both evaluation sets (never the blind)
    python bench/bench.py --real     # only the real-question figures, engine beside its parts
    python bench/bench.py --aliases [FILE ...]
                                     # leave-one-alias-out: each alias asked with itself removed
                                     # from the knowledge; lists those another entry would take
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import speed  # noqa: E402
from bench.fit_abstain import write_bands  # noqa: E402
from bench.quality import (  # noqa: E402
    leave_one_alias_out,
    load_eval,
    real_engines,
)
from bench.quality import report as report_quality  # noqa: E402
from bench.tune_words import cv, tune  # noqa: E402
from bot.answering.knowledge import load_knowledge  # noqa: E402
from bot.config import load_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--cv", action="store_true")
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--real", action="store_true")
    parser.add_argument("--aliases", nargs="*", metavar="FILE")
    args = parser.parse_args()
    config = load_config(ROOT / "config.example.yaml")
    config = replace(config, knowledge_dir=ROOT / "knowledge")
    snapshot = load_knowledge([config.knowledge_dir]).snapshot
    questions = load_eval()
    if args.tune:
        tune(snapshot, questions)
        return
    if args.cv:
        cv(snapshot, questions)
        return
    if args.aliases is not None:
        leave_one_alias_out(snapshot, args.aliases)
        return
    if args.fit:
        write_bands(snapshot, config, questions)
        return
    if args.real:
        real_engines(snapshot, config, questions)
        return

    kept: list[object] = [report_quality(snapshot, config, questions)]
    kept.append(speed.report(snapshot, config, questions))
    speed.report_startup(questions)
    # imported here: the other flags need neither the chat app nor the platform libraries
    from bench import load, reminders_bench

    reminders_bench.bench_reminders()
    reminders_bench.bench_telegram_broadcast()
    print("\nLoad")
    load.bench_load()
    load.bench_load(paced=True)


if __name__ == "__main__":
    main()
