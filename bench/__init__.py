"""The benchmarks behind `make bench`, one module per question they answer.

`python bench/bench.py` is the entry (its flags choose a part); it puts the checkout on the path
and imports the parts as `bench.quality`, `bench.fit_abstain` and so on. A package, so that
those names cannot be taken for the entry script `bench/bench.py` itself.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout: knowledge, evaluation sets, data
CACHE = ROOT / "data" / "cache"
