"""Speed and peak memory of portfolio_lib.clv against lifetimes 0.11.3, side by side.

Run from the repository root in an environment that has both packages::

    python -m venv /tmp/benchvenv
    /tmp/benchvenv/bin/pip install -r requirements/lock.txt -r benchmarks/requirements.txt
    /tmp/benchvenv/bin/pip install --no-deps -e .
    /tmp/benchvenv/bin/python benchmarks/run.py            # writes benchmarks/results.md

Time is the best of N runs (``time.perf_counter``); peak memory is measured in a
separate run under ``tracemalloc`` (Python allocations, numpy included). The
outputs of the two libraries are compared so that the speed is not bought with
a different answer.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio_lib import clv

ROOT = Path(__file__).resolve().parents[1]
CDNOW = Path(os.environ.get("PORTFOLIO_LIB_DATA", ROOT.parent / "shared" / "data" / "cdnow"))


def best_time(func: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_mb(func: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def read_master() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str, "date": str}
    )
    raw = raw.rename(columns={"dollar_value": "amount"})
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw[["customer_id", "date", "amount"]]


def read_sample_summary() -> pd.DataFrame:
    frame = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    return frame.rename(columns={"x": "frequency", "t_x": "recency"})


def synthetic_transactions(n_rows: int, n_customers: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, n_customers, n_rows)
    day = rng.integers(0, 730, n_rows)
    return pd.DataFrame(
        {
            "customer_id": customer,
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(day, "D"),
            "amount": np.round(rng.gamma(2.0, 20.0, n_rows), 2),
        }
    )


def large_summary(n_customers: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # customers join on one of 365 days; times recorded in whole days (as from dated logs)
    T = rng.integers(1, 366, n_customers) / 7 + 52
    data = clv.simulate_bgnbd(n_customers, r=0.8, alpha=8.0, a=1.2, b=4.0, T=T, seed=rng)
    data["recency"] = np.floor(data["recency"] * 7) / 7
    return data[["frequency", "recency", "T"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic transactions")
    parser.add_argument("--customers", type=int, default=200_000, help="large fit summary")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    args = parser.parse_args()

    import lifetimes
    from lifetimes import BetaGeoFitter
    from lifetimes.utils import summary_data_from_transaction_data

    warnings.simplefilter("ignore")
    rows: list[dict[str, object]] = []
    notes: list[str] = []

    def compare(task, ours, theirs, repeats, check):
        t_ours = best_time(ours, repeats)
        t_theirs = best_time(theirs, repeats)
        m_ours = peak_mb(ours)
        m_theirs = peak_mb(theirs)
        rows.append(
            {
                "task": task,
                "portfolio_lib s": t_ours,
                "lifetimes s": t_theirs,
                "speed-up": t_theirs / t_ours,
                "portfolio_lib MB": m_ours,
                "lifetimes MB": m_theirs,
                "memory ratio": m_theirs / m_ours,
            }
        )
        notes.append(f"- {task}: {check()}")
        print(rows[-1], flush=True)

    # 1. summaries on CDNOW master (fractional weeks, whole period)
    master = read_master()

    def ours_master():
        return clv.summary_from_transactions(master, observation_end="1998-06-30", unit="W")

    def theirs_master():
        return summary_data_from_transaction_data(
            master,
            "customer_id",
            "date",
            monetary_value_col="amount",
            observation_period_end="1998-06-30",
            freq="D",
            freq_multiplier=7,
        )

    def check_master():
        a, b = ours_master(), theirs_master().loc[ours_master().index]
        diff = max(
            float(np.max(np.abs(a[c].to_numpy() - b[c].to_numpy())))
            for c in ("frequency", "recency", "T", "monetary_value")
        )
        return f"{len(a)} customers, max abs difference between the two summaries {diff:.2g}"

    compare(
        f"summary, CDNOW master ({len(master):,} rows)",
        ours_master,
        theirs_master,
        args.repeats,
        check_master,
    )

    # 2. summaries on a synthetic log
    synth = synthetic_transactions(args.rows, args.rows // 10, seed=1)

    def ours_synth():
        return clv.summary_from_transactions(synth, observation_end="2024-12-31", unit="W")

    def theirs_synth():
        return summary_data_from_transaction_data(
            synth,
            "customer_id",
            "date",
            monetary_value_col="amount",
            observation_period_end="2024-12-31",
            freq="D",
            freq_multiplier=7,
        )

    def check_synth():
        a, b = ours_synth(), theirs_synth().loc[ours_synth().index]
        diff = max(
            float(np.max(np.abs(a[c].to_numpy() - b[c].to_numpy())))
            for c in ("frequency", "recency", "T", "monetary_value")
        )
        return f"{len(a):,} customers, max abs difference {diff:.2g}"

    compare(
        f"summary, synthetic ({len(synth):,} rows)",
        ours_synth,
        theirs_synth,
        max(1, args.repeats - 1),
        check_synth,
    )

    # 3. BG/NBD fit on the CDNOW sample summary
    sample = read_sample_summary()

    def ours_fit_sample():
        return clv.BetaGeo().fit(sample)

    def theirs_fit_sample():
        return BetaGeoFitter().fit(sample["frequency"], sample["recency"], sample["T"])

    def check_fit_sample():
        a = ours_fit_sample().params_.to_numpy()
        b = theirs_fit_sample().params_.to_numpy()
        return (
            f"parameters ours {np.round(a, 4).tolist()}, lifetimes {np.round(b, 4).tolist()} "
            f"(max relative difference {np.max(np.abs(a / b - 1)):.1e}); ours includes "
            "the Hessian, standard errors and convergence checks"
        )

    compare(
        "BG/NBD fit, CDNOW sample (2,357 customers)",
        ours_fit_sample,
        theirs_fit_sample,
        args.repeats,
        check_fit_sample,
    )

    # 4. BG/NBD fit on a large simulated summary (daily-resolution times)
    big = large_summary(args.customers, seed=2)

    def ours_fit_big():
        return clv.BetaGeo().fit(big)

    def theirs_fit_big():
        return BetaGeoFitter().fit(big["frequency"], big["recency"], big["T"])

    def check_fit_big():
        model = ours_fit_big()
        theirs = theirs_fit_big().params_.to_numpy()
        a = model.params_.to_numpy()
        return (
            f"{len(big):,} customers in {model.n_rows_:,} distinct rows; parameters ours "
            f"{np.round(a, 4).tolist()}, lifetimes {np.round(theirs, 4).tolist()} "
            f"(truth [0.8, 8.0, 1.2, 4.0])"
        )

    compare(
        f"BG/NBD fit, simulated ({len(big):,} customers)",
        ours_fit_big,
        theirs_fit_big,
        1,
        check_fit_big,
    )

    table = pd.DataFrame(rows).set_index("task")
    text = [
        "# portfolio_lib.clv vs lifetimes",
        "",
        f"Generated by `benchmarks/run.py` on {time.strftime('%Y-%m-%d')}: Python "
        f"{platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"lifetimes {lifetimes.__version__}, {os.cpu_count()} CPU(s) shared with other jobs "
        "(timings are indicative). Time: best of "
        f"{args.repeats} (1 for the large fit); memory: tracemalloc peak of one run.",
        "Speed-up and memory ratio are lifetimes / portfolio_lib (above 1: portfolio_lib is "
        "faster / smaller).",
        "",
        table.to_markdown(floatfmt=".3g")
        if _has_tabulate()
        else "```\n" + table.to_string(float_format=lambda v: f"{v:.3g}") + "\n```",
        "",
        "Agreement of outputs:",
        "",
        *notes,
        "",
        "lifetimes is called with `freq='D', freq_multiplier=7` so that both libraries "
        "measure time in fractional weeks.",
        "",
    ]
    args.out.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
