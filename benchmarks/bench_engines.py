"""Speed and peak memory of logs of any size: the summary step, the BG/NBD fit and ``clv``.

Usage::

    python benchmarks/bench_engines.py --rows 1e5 1e6 1e7 [--pandas-up-to 1e7]
        [--lifetimes-up-to 1e6] [--clv-from 1e7] [--memory-limit 2GB] [--dir /tmp/bench]

For each size a simulated log (``python -m portfolio_lib simulate --transactions-only``) is
written as Parquet parts once (kept in ``--dir``; delete it afterwards), then each method runs
in its own process, so that the peak resident memory (``ru_maxrss``) is that method's alone:

- ``engines``: :func:`portfolio_lib.engines.summary_from_transactions` on DuckDB, contract
  checks included, written to Parquet;
- ``sql``: one hand-written DuckDB query of the same quantities (no checks), written to Parquet;
- ``pandas``: read the Parquet log, then :func:`portfolio_lib.clv.summary_from_transactions`;
- ``engines+bgnbd``: the engine summary, its unique (frequency, recency, T) rows and the
  weighted BG/NBD fit;
- ``lifetimes+bgnbd``: read the log, ``lifetimes.utils.summary_data_from_transaction_data``
  (weeks) and ``BetaGeoFitter().fit`` (lifetimes 0.11.3, not a dependency; skipped if absent);
- ``clv``: the whole ``python -m portfolio_lib clv`` command (summary, BG/NBD and Gamma-Gamma
  fits, scores of every customer written to Parquet), with ``--memory-limit``.

Times are seconds of the step itself, measured inside the process after the imports (the
imports, ~2-10 s on a busy machine, are reported apart), wall-clock and CPU (user + system,
all threads); the ratios show both. Peak memory is the whole process's.
Prints one JSON line per size and a Markdown table; ``--out`` appends it to a file.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROWS_PER_CUSTOMER = 4.1  # the simulated log's mean, measured
END = "2023-12-31"
METHODS = ("engines", "sql", "pandas", "engines+bgnbd", "lifetimes+bgnbd", "clv")

HAND_SQL = """
SELECT customer_id, COUNT(*) - 1 AS frequency,
       (MAX(day) - MIN(day)) / 7.0 AS recency, (DATE '{end}' - MIN(day)) / 7.0 AS T,
       CASE WHEN COUNT(*) > 1 THEN (SUM(amount) - ARG_MIN(amount, day)) / (COUNT(*) - 1)
            ELSE 0 END AS monetary_value
FROM (SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS amount
      FROM read_parquet('{log}/*.parquet') WHERE amount >= 0 GROUP BY 1, 2)
GROUP BY customer_id
"""


def _run_method(method: str, log: str, out: str, memory_limit: str) -> dict:
    """Run one method; return extra numbers it measured (the caller times it)."""
    if method == "engines":
        from portfolio_lib.engines import summary_from_transactions

        summary_from_transactions(log, observation_end=END, out=out)
    elif method == "sql":
        import duckdb

        query = HAND_SQL.format(end=END, log=log)
        duckdb.connect().execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")
    elif method == "pandas":
        import pandas as pd

        from portfolio_lib import clv

        tx = pd.read_parquet(log)
        clv.summary_from_transactions(tx, observation_end=END).to_parquet(out)
    elif method == "engines+bgnbd":
        from portfolio_lib import clv
        from portfolio_lib.engines import models, summary_from_transactions

        stats = models.purchase_statistics(summary_from_transactions(log, observation_end=END))
        frame = stats[["frequency", "recency", "T"]]
        clv.BetaGeo().fit(frame, weights=stats["count"].to_numpy())
        return {"unique_rows": len(stats)}
    elif method == "lifetimes+bgnbd":
        import pandas as pd
        from lifetimes import BetaGeoFitter
        from lifetimes.utils import summary_data_from_transaction_data

        tx = pd.read_parquet(log)
        tx["date"] = pd.to_datetime(tx["date"])
        s = summary_data_from_transaction_data(
            tx, "customer_id", "date", observation_period_end=END, freq="W"
        )
        BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    else:
        from portfolio_lib.engines.cli import clv_main

        argv = [log, "--observation-end", END, "--out", out, "--quiet"]
        code = clv_main(argv + (["--memory-limit", memory_limit] if memory_limit else []))
        if code:
            raise SystemExit(code)
        params = json.loads(Path(out).with_name(Path(out).stem + ".params.json").read_text())
        return {"compression": params["compression"]}
    return {}


def _child(method: str, log: str, out: str, memory_limit: str) -> dict:
    start = time.perf_counter()
    if method in ("engines", "engines+bgnbd", "clv", "pandas"):
        import portfolio_lib.clv
        import portfolio_lib.engines.cli
        import portfolio_lib.engines.models  # noqa: F401
    if method == "lifetimes+bgnbd":
        import lifetimes  # noqa: F401
    import duckdb
    import pandas  # noqa: F401

    duckdb.connect().close()
    imported, cpu = time.perf_counter(), _cpu_seconds()
    extra = _run_method(method, log, out, memory_limit)
    seconds = time.perf_counter() - imported
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": round(seconds, 2),
        "cpu_s": round(_cpu_seconds() - cpu, 2),
        "import_s": round(imported - start, 2),
        "peak_mb": round(peak_mb),
        **extra,
    }


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process, all its threads (DuckDB's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _wanted(method: str, rows: float, args: argparse.Namespace) -> bool:
    if method == "pandas":
        return rows <= args.pandas_up_to
    if method == "lifetimes+bgnbd":
        return rows <= args.lifetimes_up_to
    if method == "clv":
        return rows >= args.clv_from
    return method in args.methods


def _cell(result: dict, method: str) -> str:
    if method not in result:
        return "-"
    r = result[method]
    return f"{r['seconds']} s / {r['peak_mb']:,} MB"


def _ratio(result: dict, top: str, bottom: str) -> str:
    """Wall-clock ratio, then the CPU-time ratio (steadier on a shared machine)."""
    if top not in result or bottom not in result:
        return "-"
    a, b = result[top], result[bottom]
    return f"{a['seconds'] / b['seconds']:.2f} (CPU {a['cpu_s'] / b['cpu_s']:.2f})"


def table(results: list[dict]) -> str:
    """The Markdown table of the results (step seconds / peak MB, and the ratios)."""
    lines = [
        "| rows | customers | engines summary | hand-written SQL | engines ÷ SQL | pandas "
        "| engines + BG/NBD fit | lifetimes summary + fit | lifetimes ÷ engines | clv command |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cells = [
            _cell(r, "engines"),
            _cell(r, "sql"),
            _ratio(r, "engines", "sql"),
            _cell(r, "pandas"),
            _cell(r, "engines+bgnbd"),
            _cell(r, "lifetimes+bgnbd"),
            _ratio(r, "lifetimes+bgnbd", "engines+bgnbd"),
            _cell(r, "clv"),
        ]
        lines.append(f"| {r['rows']:,} | {r['customers']:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--methods", nargs="+", default=["engines", "sql", "engines+bgnbd"])
    parser.add_argument("--pandas-up-to", type=float, default=1e7)
    parser.add_argument("--lifetimes-up-to", type=float, default=1e6)
    parser.add_argument("--clv-from", type=float, default=1e7)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--dir", default="/tmp/portfolio_bench")
    parser.add_argument("--out", default=None, help="append the table to this file")
    parser.add_argument("--gamma-gamma", metavar="LOG", help="run gamma_gamma_study on LOG")
    parser.add_argument("--samples", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gamma_gamma:
        print(json.dumps(gamma_gamma_study(args.gamma_gamma, args.samples)))
        return
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    results = []
    for rows in args.rows:
        customers = int(rows / ROWS_PER_CUSTOMER)
        log = Path(args.dir) / f"log_{int(rows):d}"
        if not log.exists():
            subprocess.run(
                [sys.executable, "-m", "portfolio_lib", "simulate", "--transactions-only",
                 "--customers", str(customers), "--out", str(log)],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        import pyarrow.parquet as pq

        n = sum(pq.ParquetFile(p).metadata.num_rows for p in log.glob("*.parquet"))
        result: dict = {"rows": n, "customers": customers}
        for method in METHODS:
            if not _wanted(method, rows, args):
                continue
            done = subprocess.run(
                [sys.executable, __file__, "--child", method, str(log),
                 str(Path(args.dir) / f"out_{method.replace('+', '_')}.parquet"),
                 args.memory_limit],
                capture_output=True, text=True,
            )  # fmt: skip
            if done.returncode:
                result[method + "_error"] = done.stderr.strip().splitlines()[-1:]
                continue
            result[method] = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        print(json.dumps(result), flush=True)
    text = table(results)
    print("\n" + text)
    if args.out:
        with open(args.out, "a") as handle:
            handle.write(text + "\n")


GG_LOGLIK_SQL = """
SELECT SUM(count * (lgamma({p} * frequency + {q}) - lgamma({p} * frequency) - lgamma({q})
       + {q} * ln({g}) + {p} * frequency * ln(frequency)
       + ({p} * frequency - 1) * ln(monetary_value)
       - ({p} * frequency + {q}) * ln({g} + frequency * monetary_value))) AS ll
FROM {view}
"""


def gamma_gamma_study(log: str, samples: list[int], seed: int = 1) -> dict:
    """Gamma-Gamma at scale: the exact fit on the unique rows, one aggregate query, samples.

    Measures (1) the unique (frequency, monetary value) rows of the repeat buyers and the
    exact weighted fit on them in numpy, (2) one evaluation of the same log-likelihood as an
    aggregate query in DuckDB (what one optimiser step would cost if the rows stayed in the
    engine; a derivative-free optimiser needs ~100-300 of them, a gradient one ~4 per
    parameter more without analytic derivatives), (3) fits on random samples of repeat buyers
    (DuckDB ``USING SAMPLE``, seeded), with their distance from the exact fit in units of the
    sample fit's own standard errors.
    """
    import numpy as np

    from portfolio_lib import clv
    from portfolio_lib.engines import models, summary_from_transactions

    out: dict = {}
    summary = summary_from_transactions(log, observation_end=END)
    eng = summary.engine
    start = time.perf_counter()
    spends = models.spend_statistics(summary)
    out["statistics_s"] = round(time.perf_counter() - start, 2)
    out["repeat_buyers"] = int(spends["count"].sum())
    out["unique_rows"] = len(spends)
    start, cpu = time.perf_counter(), time.process_time()
    full = clv.GammaGamma().fit(
        spends[["frequency", "monetary_value"]], weights=spends["count"].to_numpy()
    )
    out["exact_fit_s"] = round(time.perf_counter() - start, 2)
    out["exact_fit_cpu_s"] = round(time.process_time() - cpu, 2)
    table = full.summary().table
    out["exact"] = {k: [float(v["estimate"]), float(v["std_err"])] for k, v in table.iterrows()}
    view = eng.materialize(
        f"SELECT frequency, monetary_value, COUNT(*) AS count FROM {summary.view} "
        "WHERE frequency > 0 AND monetary_value > 0 GROUP BY frequency, monetary_value"
    )
    p, q, g = (out["exact"][k][0] for k in ("p", "q", "gamma"))
    start = time.perf_counter()
    ll = eng.fetch(GG_LOGLIK_SQL.format(p=p, q=q, g=g, view=view))["ll"].iloc[0]
    out["one_query_s"] = round(time.perf_counter() - start, 3)
    x, m, w = (spends[c].to_numpy(float) for c in ("frequency", "monetary_value", "count"))
    numpy_ll = float(np.dot(w, clv.GammaGamma._loglik_rows(np.array([p, q, g]), x, m)))
    out["query_vs_numpy_ll"] = [float(ll), numpy_ll]
    out["samples"] = []
    for n in samples:
        start = time.perf_counter()
        sample = eng.fetch(
            f"SELECT frequency, monetary_value FROM {summary.view} WHERE frequency > 0 AND "
            f"monetary_value > 0 USING SAMPLE reservoir({int(n)} ROWS) REPEATABLE ({seed})"
        )
        fit = clv.GammaGamma().fit(sample)
        seconds = time.perf_counter() - start
        st = fit.summary().table
        z = {k: round((float(st.loc[k, "estimate"]) - out["exact"][k][0])
                      / float(st.loc[k, "std_err"]), 2) for k in ("p", "q", "gamma")}  # fmt: skip
        rel_se = {k: round(float(st.loc[k, "std_err"] / st.loc[k, "estimate"]), 4) for k in z}
        out["samples"].append({"n": n, "s": round(seconds, 2), "z": z, "rel_se": rel_se})
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


if __name__ == "__main__":
    main()
