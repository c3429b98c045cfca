"""Writing the sample company and the command line ``python -m portfolio_lib simulate``.

The CSV round trip itself is :meth:`portfolio_lib.crm.CRMData.to_csv` /
:meth:`~portfolio_lib.crm.CRMData.from_csv` (reading the bundled sample needs no simulator).
:data:`TABLE_SCHEMAS` is the older, compact view of :data:`portfolio_lib.crm.SCHEMAS` that
``portfolio_lib.simulate`` has always exported, derived from it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from portfolio_lib.crm import SCHEMAS, TABLE_NAMES, TRUTH_CUSTOMERS, TableSchema
from portfolio_lib.simulate.assemble import simulate_crm
from portfolio_lib.simulate.records import write_records

__all__ = ["TABLE_NAMES", "TABLE_SCHEMAS", "simulate_main", "write_sample"]


def _compact(schema: TableSchema) -> dict[str, str]:
    """``{column: kind}`` of the sample's columns; ``timestamp`` is spelled ``datetime`` and a
    trailing ``?`` marks a column with missing values (as this view always has)."""
    out = {}
    for name in schema.sample_columns:
        col = schema.column(name)
        kind = "datetime" if col.kind == "timestamp" else col.kind
        out[name] = kind + ("?" if col.sample == "gaps" else "")
    return out


#: ``{table: {column: kind}}`` of the sample company, truth_customers included (kinds: str,
#: int, float, bool, date, datetime; ``?`` = may be missing). Derived from
#: :data:`portfolio_lib.crm.SCHEMAS` and :data:`portfolio_lib.crm.TRUTH_CUSTOMERS`.
TABLE_SCHEMAS: dict[str, dict[str, str]] = {
    **{name: _compact(SCHEMAS[name]) for name in TABLE_NAMES},
    "truth_customers": _compact(TRUTH_CUSTOMERS),
}


def write_sample(directory: str | Path = "data", **kwargs: Any) -> Path:
    """Simulate with ``simulate_crm(**kwargs)`` and write the CSVs and truth to ``directory``,
    with the company's customer records (:func:`~portfolio_lib.simulate.records.write_records`,
    default duplicate rate, the company's seed when it is an int, else 42).

    Examples
    --------
    >>> import tempfile
    >>> folder = write_sample(tempfile.mkdtemp(), n_customers=300, seed=7)
    >>> (folder / "customers.csv").exists()
    True
    """
    crm = simulate_crm(**kwargs)
    folder = crm.to_csv(directory)
    seed = kwargs.get("seed", 42)
    write_records(crm, folder, seed=seed if isinstance(seed, int) else 42)
    return folder


def simulate_main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m portfolio_lib simulate --out DIR --n-customers N --seed S``.

    ``argv`` are the arguments after ``simulate`` (a leading ``"simulate"`` is ignored).
    Returns the exit code (0 on success).
    """
    args_in = list(argv or [])
    if args_in[:1] == ["simulate"]:
        args_in = args_in[1:]
    parser = argparse.ArgumentParser(
        prog="python -m portfolio_lib simulate",
        description="Simulate the sample company (Anadolu Market) and write it as CSV.",
    )
    parser.add_argument("--out", default="data", help="output folder (default: data)")
    parser.add_argument("--n-customers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--start", default="2023-01-01")
    parser.add_argument("--end", default="2024-12-31")
    args = parser.parse_args(args_in)
    try:
        crm = simulate_crm(args.n_customers, args.seed, args.start, args.end)
    except ValueError as exc:
        parser.error(str(exc))
    folder = crm.to_csv(args.out)
    write_records(crm, folder, seed=args.seed)
    sizes = ", ".join(f"{k}={len(v)}" for k, v in crm.tables.items())
    print(f"wrote the sample company to {folder}: {sizes}, and its customer records")
    return 0
