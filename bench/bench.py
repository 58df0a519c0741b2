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
    python bench/bench.py --load     # only the load part: a burst, then a paced run
    python bench/bench.py --scale    # only the scale part: 1 and 3 webhook processes behind
                                     # HAProxy on PostgreSQL (needs both: make postgres haproxy)
    python bench/bench.py --aliases [FILE ...]
                                     # leave-one-alias-out: each alias asked with itself removed
                                     # from the knowledge; lists those another entry would take
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import speed  # noqa: E402
from bench.fit_abstain import write_bands  # noqa: E402
from bench.quality import Question, leave_one_alias_out, load_eval, real_engines  # noqa: E402
from bench.quality import report as report_quality  # noqa: E402
from bench.tune_words import cv, tune  # noqa: E402
from bot.answering.knowledge import Snapshot, load_knowledge  # noqa: E402
from bot.config import Config, load_config  # noqa: E402

# This file only reads the flags and runs the parts, each a module of bench/:
#   quality.py          answer quality on both evaluation sets (also --real and --aliases),
#                       judging on tests/eval/real.yaml in real.py
#   speed.py            latency per question, start-up and memory of `python -m bot ask`
#   reminders_bench.py  scheduling 10,000 events, reminder lateness, a Telegram broadcast
#   load.py             500 people asking during a 500-subscriber broadcast
#   scale.py            --scale: webhook processes behind HAProxy on PostgreSQL, one killed
#   fit_abstain.py      --fit: the bands the matcher loads (bot/answering/bands.json)
#   tune_words.py       --tune and --cv: the words-alone constants in bot/answering/matcher.py


def main() -> None:
    args = parse_args()
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
    if args.load:
        from bench import load

        load.bench_load()
        load.bench_load(paced=True)
        return
    if args.scale:
        from bench import scale

        scale.bench_scale()
        return
    run_all(snapshot, config, questions)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--cv", action="store_true")
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--real", action="store_true")
    parser.add_argument("--load", action="store_true")
    parser.add_argument("--scale", action="store_true")
    parser.add_argument("--aliases", nargs="*", metavar="FILE")
    return parser.parse_args()


def run_all(snapshot: Snapshot, config: Config, questions: list[Question]) -> None:
    """`make bench`: every part in order. The load part runs in a process of its own, as the
    bot does: inside this one it carried the 10,000-entry synthetic index and everything else
    measured before, whose garbage collections stalled the event loop (up to 1.5-2.1 s in a
    burst) and whose size its peak RSS reported as the bot's."""
    report_quality(snapshot, config, questions)
    speed.report(snapshot, config, questions)
    speed.report_startup(questions)
    # imported here: the other flags need neither the chat app nor the platform libraries
    from bench import reminders_bench, scale

    reminders_bench.bench_reminders()
    reminders_bench.bench_telegram_broadcast()
    print("\nLoad (a fresh process, as the bot runs)", flush=True)
    subprocess.run([sys.executable, __file__, "--load"], check=True)
    scale.bench_scale()


if __name__ == "__main__":
    main()
