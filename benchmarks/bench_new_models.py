"""Fit time of the issue-16 models against lifetimes 0.11.3, where lifetimes has the model.

* BG/BB (``clv.BetaGeoBetaBinom``) against ``BetaGeoBetaBinomFitter`` on the published
  donation data (22 distinct rows standing for 11,104 donors, weights passed to both);
* MBG/NBD (``clv.ModifiedBetaGeo``) against ``ModifiedBetaGeoFitter`` on the CDNOW sample
  summary of the papers (2,357 customers).

Run from the repository root with lifetimes installed (``pip install -r
benchmarks/requirements.txt``)::

    python benchmarks/bench_new_models.py --repeats 7

Each fit is timed ``repeats`` times (``time.perf_counter``) and the median reported, with
the ratio lifetimes / ours and the largest relative difference of the fitted parameters
(so the speed is not bought with a different answer). The covariate models have no
lifetimes counterpart and are not timed here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio_lib import clv

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DONATIONS = Path(os.environ.get("PORTFOLIO_LIB_DONATIONS", SHARED / "donations"))
CDNOW = Path(os.environ.get("PORTFOLIO_LIB_DATA", SHARED / "cdnow"))


def median_time(func: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    import lifetimes  # noqa: PLC0415 - a benchmark-only dependency

    warnings.simplefilter("ignore")
    rows = []

    gifts = clv.donations_summary(DONATIONS)
    ours_t, ours = median_time(
        lambda: clv.BetaGeoBetaBinom().fit(gifts, weights=gifts["weights"]), args.repeats
    )
    theirs_t, theirs = median_time(
        lambda: lifetimes.BetaGeoBetaBinomFitter().fit(
            gifts["frequency"], gifts["recency"], gifts["periods"], weights=gifts["weights"]
        ),
        args.repeats,
    )
    rows.append(("BG/BB, donations (22 rows, 11,104 donors)", ours_t, theirs_t, ours, theirs))

    papers = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    summary = papers.rename(columns={"x": "frequency", "t_x": "recency"})
    cols = (summary["frequency"], summary["recency"], summary["T"])
    ours_t, ours = median_time(lambda: clv.ModifiedBetaGeo().fit(summary), args.repeats)
    theirs_t, theirs = median_time(
        lambda: lifetimes.ModifiedBetaGeoFitter().fit(*cols), args.repeats
    )
    rows.append(("MBG/NBD, CDNOW sample (2,357 customers)", ours_t, theirs_t, ours, theirs))

    print(f"median of {args.repeats} fits; lifetimes {lifetimes.__version__}")
    print("| model, data | portfolio_lib (s) | lifetimes (s) | lifetimes / ours | max rel. diff |")
    print("|---|---|---|---|---|")
    for name, ours_t, theirs_t, ours, theirs in rows:
        diff = np.max(np.abs(ours.params_.to_numpy() / theirs.params_.to_numpy() - 1))
        print(f"| {name} | {ours_t:.3f} | {theirs_t:.3f} | {theirs_t / ours_t:.1f}x | {diff:.1e} |")


if __name__ == "__main__":
    main()
