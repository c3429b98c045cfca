"""Speed and quality of customer identification on 100,000 records (issue 18; target < 60 s).

Usage::

    python benchmarks/bench_identity.py [--records 100000] [--duplicate-rate 0.15]
        [--messiness 1.0] [--seed 0] [--cache /tmp/records.pkl] [--out results.md]

The records are drawn by :func:`portfolio_lib.simulate.records.simulate_customer_records`
from a customers table of the right size: the default sample company's customers
(``simulate_crm()``) resampled with new customer ids, so that names, regions, ages and sign-up
dates follow the sample company. Drawing them is not timed (it takes minutes; ``--cache``
keeps the drawn records in a pickle file for the next run with the same arguments). Then
:func:`portfolio_lib.identity.resolve` runs once with its defaults (DuckDB, threshold 0.9),
timed wall-clock and CPU (user + system of this process, all threads), and its pairwise
precision, recall and F1 against the truth are printed with the time. Not part of
``make test``; no test asserts a time.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portfolio_lib.identity import resolve  # noqa: E402
from portfolio_lib.simulate import simulate_crm  # noqa: E402

RECORDS_PER_PERSON = 1.2  # about 15 % of people with 2-4 records


def customers_of_size(n: int, seed: int) -> pd.DataFrame:
    """``n`` customers resampled from the default sample company, with new ids."""
    base = simulate_crm().customers
    rng = np.random.default_rng(seed)
    rows = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    return rows.assign(customer_id=[f"C{i + 1:07d}" for i in range(n)])


def _draw(args: argparse.Namespace) -> Any:
    """The drawn records (a ``CustomerRecords``), from ``--cache`` when it holds them."""
    from portfolio_lib.simulate.records import simulate_customer_records

    key = (args.records, args.duplicate_rate, args.messiness, args.seed)
    if args.cache is not None and args.cache.exists():
        with args.cache.open("rb") as handle:
            cached_key, drawn = pickle.load(handle)
        if cached_key == key:
            return drawn
    customers = customers_of_size(int(args.records / RECORDS_PER_PERSON), args.seed)
    drawn = simulate_customer_records(
        customers, duplicate_rate=args.duplicate_rate, messiness=args.messiness, seed=args.seed
    )
    if args.cache is not None:
        with args.cache.open("wb") as handle:
            pickle.dump((key, drawn), handle)
    return drawn


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=float, default=1e5)
    parser.add_argument("--duplicate-rate", type=float, default=0.15)
    parser.add_argument("--messiness", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    drawn = _draw(args)
    records = drawn.records
    columns = {c: c for c in records.columns}
    print(f"drew {len(records):,} records in {time.perf_counter() - started:.0f} s", flush=True)

    cpu, wall = _cpu(), time.perf_counter()
    result = resolve(records, columns=columns)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    evaluation = result.evaluate(drawn.person_id)
    row = {
        "records": float(len(records)),
        "true_persons": float(drawn.n_persons),
        "persons": float(result.n_persons),
        "pairs_kept": float(len(result.pairs)),
        "seconds_wall": round(wall, 1),
        "seconds_cpu": round(cpu, 1),
        "precision": round(evaluation.precision, 4),
        "recall": round(evaluation.recall, 4),
        "f1": round(evaluation.f1, 4),
        **{f"seconds_{step.replace(' ', '_')}": round(t, 1) for step, t in result.timings.items()},
    }
    print(json.dumps(row))
    table = (
        "| records | persons (true) | wall s | CPU s | precision | recall | F1 |\n"
        "|---|---|---|---|---|---|---|\n"
        f"| {len(records):,} | {result.n_persons:,} ({drawn.n_persons:,}) | {wall:.1f} | "
        f"{cpu:.1f} | {evaluation.precision:.4f} | {evaluation.recall:.4f} | "
        f"{evaluation.f1:.4f} |\n"
    )
    print(table)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as handle:
            handle.write(table)
    return row


if __name__ == "__main__":
    main()
