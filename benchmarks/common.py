"""Inputs and timing shared by benchmarks/run.py and benchmarks/_baseline.py."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio_lib import clv

ROOT = Path(__file__).resolve().parents[1]
CDNOW = Path(os.environ.get("PORTFOLIO_LIB_DATA", ROOT.parent / "shared" / "data" / "cdnow"))
#: Fader & Hardie (2007) "regular" cohort, years 0-7 (REFERENCE.md).
SBG_COUNTS = [1000, 631, 468, 382, 326, 289, 262, 241]


def median_time(func: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall-clock and median CPU (process) seconds of ``repeats`` calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return float(np.median(wall)), float(np.median(cpu))


def read_sample_summary() -> pd.DataFrame:
    """The papers' CDNOW sample summary (2,357 customers; zbar as monetary_value)."""
    frame = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    return frame.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


def large_summary(n_customers: int, seed: int) -> pd.DataFrame:
    """Simulated BG/NBD summary with day-resolution times, as from dated logs (weeks)."""
    rng = np.random.default_rng(seed)
    # customers join on one of 365 days; times recorded in whole days (as from dated logs)
    T = rng.integers(1, 366, n_customers) / 7 + 52
    data = clv.simulate_bgnbd(n_customers, r=0.8, alpha=8.0, a=1.2, b=4.0, T=T, seed=rng)
    data["recency"] = np.floor(data["recency"] * 7) / 7
    return data[["frequency", "recency", "T"]]
