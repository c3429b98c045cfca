"""A large simulated transaction log, written as Parquet parts without holding it in memory.

Customers follow the BG/NBD purchase process and Gamma-Gamma spend of the sample company's
default parameters (:func:`portfolio_lib.simulate.default_params`): first purchase on a day
drawn uniformly from the first ``acquisition_days``, purchases at exponential gaps (rate per
week drawn from Gamma(r, alpha)), dropping out after each purchase with probability drawn from
Beta(a, b); spend per purchase Gamma(p, nu) with nu from Gamma(q, gamma), rounded to cents.
Each part holds ``part_customers`` customers, so memory stays bounded by one part.
``python -m portfolio_lib simulate --transactions-only --customers N --out DIR`` runs it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from portfolio_lib.simulate import default_params

__all__ = ["write_simulated_log", "simulated_transactions", "simlog_main"]


def simulated_transactions(
    n_customers: int,
    *,
    first_id: int = 0,
    start: str = "2022-01-01",
    days: int = 730,
    acquisition_days: int = 120,
    seed: int | np.random.Generator | None = 0,
) -> pa.Table:
    """One part of the log: ``customer_id`` (int64), ``date`` (date32), ``amount`` (float64).

    Examples
    --------
    >>> part = simulated_transactions(200, seed=1)
    >>> part.column_names, part.num_rows > 200
    (['customer_id', 'date', 'amount'], True)
    """
    rng = np.random.default_rng(seed)
    params = default_params()
    bg, gg = params["bgnbd"], params["gamma_gamma"]
    lam = rng.gamma(bg["r"], 1.0 / bg["alpha"], n_customers) / 7.0  # per day
    drop = rng.beta(bg["a"], bg["b"], n_customers)
    nu = rng.gamma(gg["q"], 1.0 / gg["gamma"], n_customers)
    now = rng.integers(0, acquisition_days, n_customers).astype(float)
    ids = [np.arange(n_customers)]
    when = [now.copy()]
    active = np.arange(n_customers)
    while active.size:
        alive = rng.random(active.size) >= drop[active]
        active = active[alive]
        gap = rng.exponential(1.0, active.size) / np.maximum(lam[active], 1e-12)
        now[active] += gap
        active = active[now[active] < days]
        ids.append(active)
        when.append(now[active].copy())
    customer = np.concatenate(ids)
    day = np.floor(np.concatenate(when)).astype(np.int64)
    amount = np.round(rng.gamma(gg["p"], 1.0 / nu[customer]), 2)
    order = np.lexsort((day, customer))
    epoch = (pd.Timestamp(start) - pd.Timestamp("1970-01-01")).days
    return pa.table(
        {
            "customer_id": pa.array(customer[order] + first_id, pa.int64()),
            "date": pa.array((day[order] + epoch).astype(np.int32), pa.int32()).cast(pa.date32()),
            "amount": pa.array(amount[order], pa.float64()),
        }
    )


def write_simulated_log(
    out: str | os.PathLike[str],
    *,
    customers: int,
    part_customers: int = 1_000_000,
    seed: int = 0,
    start: str = "2022-01-01",
    days: int = 730,
) -> list[Path]:
    """Write a simulated log of ``customers`` customers as Parquet parts in folder ``out``.

    Parameters
    ----------
    out : path
        Folder (created); parts are ``part-00000.parquet``, ...
    customers : int
        Number of customers (about 5.5 purchase rows each with the default parameters).
    part_customers : int
        Customers per part (bounds the memory).
    seed : int
        Seed; part ``i`` uses ``(seed, i)``, so the log does not depend on the part size's
        memory but on (seed, part_customers).
    start : str
        First day of the log; it runs for ``days`` days.
    days : int
        Length of the log in days (the observation end is ``start + days - 1``).

    Returns
    -------
    list of pathlib.Path
        The parts written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     parts = write_simulated_log(folder, customers=300, part_customers=100)
    ...     len(parts)
    3
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, first in enumerate(range(0, int(customers), int(part_customers))):
        n = min(int(part_customers), int(customers) - first)
        table = simulated_transactions(
            n, first_id=first, start=start, days=days, seed=np.random.default_rng([seed, i])
        )
        path = folder / f"part-{i:05d}.parquet"
        pq.write_table(table, path, compression="zstd")
        written.append(path)
    return written


def simlog_main(argv: Sequence[str]) -> int:
    """``python -m portfolio_lib simulate --transactions-only --customers N --out DIR``."""
    parser = argparse.ArgumentParser(
        prog="python -m portfolio_lib simulate --transactions-only",
        description="Write a large simulated transaction log (customer_id, date, amount) as "
        "Parquet parts, one part of customers at a time.",
    )
    parser.add_argument("--transactions-only", action="store_true", required=True)
    parser.add_argument("--customers", type=int, required=True, help="number of customers")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--part-customers", type=int, default=1_000_000, help="customers per part")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--start", default="2022-01-01", help="first day (default 2022-01-01)")
    parser.add_argument("--days", type=int, default=730, help="length in days (default 730)")
    args = parser.parse_args(argv)
    parts = write_simulated_log(
        args.out, customers=args.customers, part_customers=args.part_customers,
        seed=args.seed, start=args.start, days=args.days,
    )  # fmt: skip
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    end = (pd.Timestamp(args.start) + pd.Timedelta(days=args.days - 1)).date()
    print(f"{rows} transactions of {args.customers} customers in {len(parts)} part(s) in "
          f"{args.out}; observation end {end}", file=sys.stdout)  # fmt: skip
    return 0
