"""Speed of portfolio_lib.clv against lifetimes 0.11.3 and an earlier portfolio_lib, side by side.

Run from the repository root in an environment that has both packages::

    python -m venv /tmp/benchvenv
    /tmp/benchvenv/bin/pip install -r requirements/lock.txt -r benchmarks/requirements.txt
    /tmp/benchvenv/bin/pip install --no-deps -e .
    /tmp/benchvenv/bin/python benchmarks/run.py            # writes benchmarks/results.md

Every task is timed in the same run: the median of ``--repeats`` calls, wall-clock
(``time.perf_counter``) and CPU (``time.process_time``, which a busy shared machine
disturbs less). Where both libraries do a task, their calls alternate (ours, lifetimes,
ours, ...), so that both see the same load of the machine. lifetimes is called as its
documentation shows. The earlier
portfolio_lib (``--baseline-ref``, default the commit before issue 16) is extracted
with ``git archive`` and timed in a subprocess. The outputs are compared so that the
speed is not bought with a different answer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio_lib import clv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    CDNOW,
    ROOT,
    SBG_COUNTS,
    large_summary,
    median_time,
    read_sample_summary,
)

#: The commit before issue 16's speed work (statsmodels BFGS with numerical gradients).
BASELINE_REF = "a42c772"
#: The BG/BB donation example (Fader, Hardie & Shang 2010).
DONATIONS = Path(
    os.environ.get("PORTFOLIO_LIB_DONATIONS", ROOT.parent / "shared" / "data" / "donations")
)


def read_master() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str, "date": str}
    )
    raw = raw.rename(columns={"dollar_value": "amount"})
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw[["customer_id", "date", "amount"]]


def baseline_times(ref: str, repeats: int, big_customers: int) -> dict[str, list[float]]:
    """Median (wall, CPU) seconds of the fits of portfolio_lib at ``ref``, in a subprocess."""
    archive = subprocess.run(
        ["git", "archive", ref, "portfolio_lib"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        env = dict(os.environ, PYTHONPATH=folder)
        out = subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "_baseline.py"),
                str(ROOT / "benchmarks"),
                str(repeats),
                str(big_customers),
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=folder,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def paired_times(
    ours: Callable[[], object], theirs: Callable[[], object], repeats: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median (wall, CPU) seconds of ``ours`` and of ``theirs``, their calls alternating.

    Each call is timed by ``common.median_time`` (a garbage collection before it), call by
    call in turn, so that a change in the load of a shared machine hits both alike.
    """
    times: dict[int, list[tuple[float, float]]] = {0: [], 1: []}
    for _ in range(repeats):
        for side, func in enumerate((ours, theirs)):
            times[side].append(median_time(func, 1))
    wall_cpu = [np.median(np.array(times[side]), axis=0) for side in (0, 1)]
    return (
        (float(wall_cpu[0][0]), float(wall_cpu[0][1])),
        (float(wall_cpu[1][0]), float(wall_cpu[1][1])),
    )


def ratio_text(value: float) -> str:
    """A speed ratio for the README table: 10.2×, 25×, or a dash."""
    if not np.isfinite(value):
        return "–"
    return f"{value:.1f}×" if value < 20 else f"{value:.0f}×"


def seconds_text(value: float) -> str:
    """CPU seconds for the README table: 4.7 ms, 58 ms, 1.04 s."""
    if value < 0.01:
        return f"{value * 1e3:.1f} ms"
    if value < 1:
        return f"{value * 1e3:.0f} ms"
    return f"{value:.3g} s"


def readme_table(table: pd.DataFrame) -> list[str]:
    """The README's speed table (CPU ratios and our CPU seconds) from this run's table."""
    lines = ["| task | × lifetimes (CPU) | × before (CPU) | ours (CPU) |", "|---|---:|---:|---:|"]
    for task, row in table.iterrows():
        lines.append(
            f"| {task} | {ratio_text(row.get('× lifetimes (CPU)', np.nan))} | "
            f"{ratio_text(row.get('× before (CPU)', np.nan))} | "
            f"{seconds_text(row['ours CPU s'])} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic transactions")
    parser.add_argument("--customers", type=int, default=2_000_000, help="large fit / CLV")
    parser.add_argument("--draws", type=int, default=100, help="parameter draws of the CLV")
    parser.add_argument("--baseline-ref", default=BASELINE_REF)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    args = parser.parse_args()

    import lifetimes
    from lifetimes import (
        BetaGeoBetaBinomFitter,
        BetaGeoFitter,
        GammaGammaFitter,
        ModifiedBetaGeoFitter,
        ParetoNBDFitter,
    )
    from lifetimes.utils import summary_data_from_transaction_data

    warnings.simplefilter("ignore")
    load_start = os.getloadavg()[0]
    started = time.strftime("%H:%M UTC", time.gmtime())
    rows: list[dict[str, object]] = []
    notes: list[str] = []
    print("timing the baseline ...", file=sys.stderr, flush=True)
    base = baseline_times(args.baseline_ref, args.repeats, args.customers)

    def record(task, ours, theirs=None, baseline=None, check=None):
        row = {"task": task, "ours s": ours[0], "ours CPU s": ours[1]}
        if theirs is not None:
            row |= {"lifetimes s": theirs[0], "lifetimes CPU s": theirs[1]}
            row["× lifetimes"] = theirs[0] / ours[0]
            row["× lifetimes (CPU)"] = theirs[1] / ours[1]
        if baseline is not None:
            row |= {"before s": baseline[0], "before CPU s": baseline[1]}
            row["× before"] = baseline[0] / ours[0]
            row["× before (CPU)"] = baseline[1] / ours[1]
        rows.append(row)
        if check is not None:
            notes.append(f"- {task}: {check()}")
        print(row, flush=True)

    # 1. CDNOW sample fits
    sample = read_sample_summary()
    repeat = sample[sample["frequency"] > 0]
    n = args.repeats
    fits = {
        "BG/NBD fit, CDNOW sample (2,357 customers)": (
            "bgnbd",
            lambda: clv.BetaGeo().fit(sample),
            lambda: BetaGeoFitter().fit(sample["frequency"], sample["recency"], sample["T"]),
        ),
        "Pareto/NBD fit, CDNOW sample": (
            "paretonbd",
            lambda: clv.ParetoNBD().fit(sample),
            lambda: ParetoNBDFitter().fit(sample["frequency"], sample["recency"], sample["T"]),
        ),
        "Gamma-Gamma fit, CDNOW sample (946 repeat buyers)": (
            "gammagamma",
            lambda: clv.GammaGamma().fit(repeat),
            lambda: GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"]),
        ),
        "MBG/NBD fit, CDNOW sample": (
            "mbgnbd",
            lambda: clv.ModifiedBetaGeo().fit(sample),
            lambda: ModifiedBetaGeoFitter().fit(
                sample["frequency"], sample["recency"], sample["T"]
            ),
        ),
    }
    if DONATIONS.exists():
        gifts = clv.donations_summary(DONATIONS)
        fits["BG/BB fit, donations (22 rows, 11,104 donors)"] = (
            "bgbb",
            lambda: clv.BetaGeoBetaBinom().fit(gifts, weights=gifts["weights"]),
            lambda: BetaGeoBetaBinomFitter().fit(
                gifts["frequency"], gifts["recency"], gifts["periods"], weights=gifts["weights"]
            ),
        )
    for task, (key, ours, theirs) in fits.items():

        def check(ours=ours, theirs=theirs):
            a = ours().params_.to_numpy()
            b = theirs().params_.to_numpy()
            return (
                f"parameters ours {np.round(a, 4).tolist()}, lifetimes {np.round(b, 4).tolist()} "
                f"(max relative difference {np.max(np.abs(a / b - 1)):.1e}); ours includes the "
                "Hessian, standard errors and convergence checks"
            )

        record(task, *paired_times(ours, theirs, n), base.get(key), check)

    def sbg_check():
        model = clv.ShiftedBetaGeometric().fit(SBG_COUNTS)
        return f"parameters {model.params_.round(4).tolist()} (lifetimes has no sBG model)"

    record(
        "sBG fit, Fader & Hardie (2007) cohort",
        median_time(lambda: clv.ShiftedBetaGeometric().fit(SBG_COUNTS), n),
        None,
        base["sbg"],
        sbg_check,
    )

    # 2. BG/NBD on a large simulated summary (day-resolution times)
    big = large_summary(args.customers, seed=2)
    fitted: dict[str, object] = {}

    def ours_big():
        fitted["bg"] = clv.BetaGeo().fit(big)

    def theirs_big():
        fitted["lt"] = BetaGeoFitter().fit(big["frequency"], big["recency"], big["T"])

    def big_check():
        a = fitted["bg"].params_.to_numpy()
        b = fitted["lt"].params_.to_numpy()
        return (
            f"{len(big):,} customers in {fitted['bg'].n_rows_:,} distinct rows; parameters ours "
            f"{np.round(a, 4).tolist()}, lifetimes {np.round(b, 4).tolist()} "
            f"(max relative difference {np.max(np.abs(a / b - 1)):.1e}; truth [0.8, 8.0, 1.2, 4.0])"
        )

    record(
        f"BG/NBD fit, simulated ({len(big):,} customers, 1 run)",
        median_time(ours_big, 1),
        median_time(theirs_big, 1),
        base.get("bgnbd_big"),
        big_check,
    )

    # 3. P(alive) and CLV with intervals for every customer of the large summary
    big["monetary_value"] = np.round(
        clv.simulate_gamma_gamma_spend(big["frequency"], p=6, q=3.5, gamma=20, seed=4)[
            "monetary_value"
        ].to_numpy(),
        2,
    )
    spend = clv.GammaGamma().fit(big)
    results: dict[str, object] = {}

    def score():
        model = fitted["bg"]
        results["alive"] = model.prob_alive(big["frequency"], big["recency"], big["T"])
        results["clv"] = clv.customer_lifetime_value(
            model, spend, big, horizon=52, unit="W", annual_discount_rate=0.1, step=4,
            n_draws=args.draws, seed=1,
        )  # fmt: skip

    def score_check():
        table = results["clv"].table
        return (
            f"{len(table):,} customers; P(alive) mean {np.mean(results['alive']):.4f}; CLV over "
            f"52 weeks in 4-week steps with {args.draws} parameter draws: total "
            f"{results['clv'].total_clv:,.0f} (90% {results['clv'].total_clv_low:,.0f} to "
            f"{results['clv'].total_clv_high:,.0f}); lifetimes has no CLV interval"
        )

    record(
        f"P(alive) + CLV with intervals ({len(big):,} customers, 1 run)",
        median_time(score, 1),
        None,
        None,
        score_check,
    )

    # 4. summaries on CDNOW master
    master = read_master()

    def ours_master():
        return clv.summary_from_transactions(master, observation_end="1998-06-30", unit="W")

    def theirs_master():
        return summary_data_from_transaction_data(
            master, "customer_id", "date", monetary_value_col="amount",
            observation_period_end="1998-06-30", freq="D", freq_multiplier=7,
        )  # fmt: skip

    def check_master():
        a, b = ours_master(), theirs_master().loc[ours_master().index]
        diff = max(
            float(np.max(np.abs(a[c].to_numpy() - b[c].to_numpy())))
            for c in ("frequency", "recency", "T", "monetary_value")
        )
        return f"{len(a)} customers, max abs difference between the two summaries {diff:.2g}"

    record(
        f"summary, CDNOW master ({len(master):,} rows)",
        *paired_times(ours_master, theirs_master, n),
        None,
        check_master,
    )

    table = pd.DataFrame(rows).set_index("task")
    text = [
        "# portfolio_lib.clv vs lifetimes and vs before",
        "",
        f"Generated by `benchmarks/run.py` on {time.strftime('%Y-%m-%d')} (started "
        f"{started}, finished {time.strftime('%H:%M UTC', time.gmtime())}): Python "
        f"{platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"lifetimes {lifetimes.__version__}, {os.cpu_count()} CPU(s) shared with other jobs "
        f"(1-minute load average {load_start:.1f} at the start and {os.getloadavg()[0]:.1f} "
        f"at the end of the run; OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}). "
        f"Median of {args.repeats} runs (1 for the large tasks), wall-clock and CPU seconds, "
        "ours and lifetimes called in turn; "
        f"'before' is portfolio_lib at {args.baseline_ref} (statsmodels BFGS with numerical "
        "gradients), timed in the same run (in a subprocess, first). Ratios above 1: "
        "portfolio_lib now is faster. The machine is shared: wall-clock ratios move with the "
        "load of the moment, CPU ratios much less.",
        "",
        "```",
        table.to_string(float_format=lambda v: f"{v:.3g}", na_rep="-"),
        "```",
        "",
        "Agreement of outputs:",
        "",
        *notes,
        "",
        "lifetimes is called with `freq='D', freq_multiplier=7` for the summaries so that both "
        "libraries measure time in fractional weeks.",
        "",
        "The README's speed table from this run (CPU-time ratios):",
        "",
        *readme_table(table),
        "",
    ]
    args.out.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
