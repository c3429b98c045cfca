"""Speed and peak memory of the CLV summary step: engines (DuckDB) vs hand-written SQL vs pandas.

Usage::

    python benchmarks/bench_engines.py --rows 1e5 1e6 1e7 [--pandas-up-to 1e7] [--dir /tmp/bench]

For each size a simulated log (``python -m portfolio_lib simulate --transactions-only``) is
written as Parquet parts once, then each method runs in its own process (so the peak resident
memory, ``ru_maxrss``, is that method's alone): ``engines`` (portfolio_lib.engines on DuckDB,
contract checks included), ``sql`` (one hand-written DuckDB query of the same quantities, no
checks) and ``pandas`` (read the Parquet log, then clv.summary_from_transactions). Prints a
Markdown table.
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

HAND_SQL = """
SELECT customer_id, COUNT(*) - 1 AS frequency,
       (MAX(day) - MIN(day)) / 7.0 AS recency, (DATE '{end}' - MIN(day)) / 7.0 AS T,
       CASE WHEN COUNT(*) > 1 THEN (SUM(amount) - ARG_MIN(amount, day)) / (COUNT(*) - 1)
            ELSE 0 END AS monetary_value
FROM (SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS amount
      FROM read_parquet('{log}/*.parquet') WHERE amount >= 0 GROUP BY 1, 2)
GROUP BY customer_id
"""


def _child(method: str, log: str, out: str) -> dict:
    start = time.perf_counter()
    if method == "engines":
        from portfolio_lib.engines import summary_from_transactions

        summary_from_transactions(log, observation_end=END, out=out)
    elif method == "sql":
        import duckdb

        query = HAND_SQL.format(end=END, log=log)
        duckdb.connect().execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")
    else:
        import pandas as pd

        from portfolio_lib import clv

        tx = pd.read_parquet(log)
        clv.summary_from_transactions(tx, observation_end=END).to_parquet(out)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "peak_mb": round(peak_mb)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--pandas-up-to", type=float, default=1e7)
    parser.add_argument("--dir", default="/tmp/portfolio_bench")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    rows_out = []
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
        result = {"rows": n, "customers": customers}
        for method in ("engines", "sql", "pandas"):
            if method == "pandas" and rows > args.pandas_up_to:
                continue
            done = subprocess.run(
                [sys.executable, __file__, "--child", method, str(log),
                 str(Path(args.dir) / f"out_{method}.parquet")],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            result[method] = json.loads(done.stdout.strip().splitlines()[-1])
        rows_out.append(result)
        print(json.dumps(result), flush=True)
    print(
        "\n| rows | customers | engines (DuckDB) s / MB | hand-written SQL s / MB | pandas s / MB |"
    )
    print("|---:|---:|---:|---:|---:|")
    for r in rows_out:
        cells = [
            f"{r[m]['seconds']} / {r[m]['peak_mb']}" if m in r else "-"
            for m in ("engines", "sql", "pandas")
        ]
        print(f"| {r['rows']:,} | {r['customers']:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
