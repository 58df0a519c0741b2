"""The benchmarks behind `make bench`, one module per question they answer.

`python bench/bench.py` is the entry (its flags choose a part); it puts the checkout on the path
and imports the parts as `bench.quality`, `bench.fit_abstain` and so on. A package, so that
those names cannot be taken for the entry script `bench/bench.py` itself.
"""

import resource
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout: knowledge, evaluation sets, data
CACHE = ROOT / "data" / "cache"


def peak_rss_mb() -> float:
    """This process's own peak RSS: ru_maxrss survives exec, so a process that the big
    `make bench` process starts would report that one's; VmHWM is the process's own (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
