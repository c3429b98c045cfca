"""Focused timing of issue 16's two 2,000,000-customer tasks (the inputs of ``run.py``).

Runs the BG/NBD fit and the P(alive) + CLV-with-intervals scoring on the same simulated
summary as ``benchmarks/run.py`` (``large_summary(n, seed=2)``, Gamma-Gamma spend with
seed 4, 100 draws, seed 1), ``--repeats`` times each, and prints CPU and wall seconds per
run, the load average and the outputs (so a speed change that moves a number shows).

Usage: ``.venv/bin/python benchmarks/bench_2m.py [--customers N] [--repeats K] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
import time
from pathlib import Path

import numpy as np

from portfolio_lib import clv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import large_summary  # noqa: E402


def _timed(func, repeats: int) -> list[tuple[float, float]]:
    """(CPU seconds, wall seconds) of each of ``repeats`` calls."""
    out = []
    for _ in range(repeats):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        out.append((time.process_time() - start_cpu, time.perf_counter() - start))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--only", choices=("fit", "clv"), default=None)
    parser.add_argument("--profile", action="store_true", help="cProfile one run of each task")
    args = parser.parse_args()

    big = large_summary(args.customers, seed=2)
    fitted: dict[str, object] = {}

    def fit() -> None:
        fitted["bg"] = clv.BetaGeo().fit(big)

    fit()
    # the spend inputs of run.py: Gamma-Gamma spend (p=6, q=3.5, gamma=20, seed 4), cents
    spends = clv.simulate_gamma_gamma_spend(big["frequency"], p=6, q=3.5, gamma=20, seed=4)
    scored = big.assign(monetary_value=spends["monetary_value"].round(2).to_numpy())
    spend = clv.GammaGamma().fit(scored)
    settings = {"horizon": 52, "unit": "W", "annual_discount_rate": 0.1, "step": 4}
    results: dict[str, object] = {}

    def score() -> None:
        model = fitted["bg"]
        results["alive"] = model.prob_alive(big["frequency"], big["recency"], big["T"])
        results["clv"] = clv.customer_lifetime_value(
            model, spend, scored, n_draws=args.draws, seed=1, **settings
        )

    tasks = {"fit": fit, "clv": score}
    if args.only:
        tasks = {args.only: tasks[args.only]}
    for name, func in tasks.items():
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            func()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            continue
        times = _timed(func, args.repeats)
        cpu = [c for c, _ in times]
        wall = [w for _, w in times]
        print(
            f"{name}: CPU s {', '.join(f'{c:.2f}' for c in cpu)} (median {np.median(cpu):.2f}); "
            f"wall s {', '.join(f'{w:.2f}' for w in wall)}; load average {os.getloadavg()[0]:.1f}"
        )
    model = fitted["bg"]
    print("fit:", model.params_.round(6).to_dict(), f"LL {model.loglik_:.4f}")
    print("log-scale standard errors:", np.sqrt(np.diag(model.cov_log_params_)).round(8).tolist())
    if results:
        res = results["clv"]
        print(
            f"P(alive) mean {np.mean(results['alive']):.6f}; total CLV {res.total_clv:,.4f} "
            f"({res.total_clv_low:,.4f} to {res.total_clv_high:,.4f}); "
            f"clv_low sum {res.table['clv_low'].sum():,.4f}, clv_high sum "
            f"{res.table['clv_high'].sum():,.4f}; draws used {res.n_draws_used}"
        )


if __name__ == "__main__":
    main()
