"""Times fits of an earlier portfolio_lib (the one on PYTHONPATH) for benchmarks/run.py.

Run by ``run.py --baseline-ref REV`` in a subprocess whose PYTHONPATH holds that revision's
``portfolio_lib`` (extracted with ``git archive``); prints one JSON object of median
wall-clock and CPU seconds per task name.
"""

from __future__ import annotations

import json
import sys
import warnings

import pandas as pd

from portfolio_lib import clv

sys.path.insert(0, sys.argv[1])  # benchmarks/ of the current tree: the shared helpers
from common import SBG_COUNTS, large_summary, median_time, read_sample_summary  # noqa: E402


def main() -> None:
    repeats = int(sys.argv[2])
    big_customers = int(sys.argv[3])
    warnings.simplefilter("ignore")
    sample = read_sample_summary()
    repeat = sample[sample["frequency"] > 0]
    tasks = {
        "bgnbd": (lambda: clv.BetaGeo().fit(sample), repeats),
        "paretonbd": (lambda: clv.ParetoNBD().fit(sample), repeats),
        "gammagamma": (lambda: clv.GammaGamma().fit(repeat), repeats),
        "sbg": (lambda: clv.ShiftedBetaGeometric().fit(SBG_COUNTS), repeats),
    }
    if big_customers:
        big = large_summary(big_customers, seed=2)
        tasks["bgnbd_big"] = (lambda: clv.BetaGeo().fit(big), 1)
    out = {name: median_time(func, n) for name, (func, n) in tasks.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    pd.set_option("mode.copy_on_write", True)
    main()
