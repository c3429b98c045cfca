"""Cohort retention counted in the engine (:func:`portfolio_lib.portfolio.cohort_retention`).

A customer's cohort is the calendar period (week from Monday, month or quarter) of their first
purchase; they are active in a period with at least one purchase (returns are not purchases).
Only the (cohort, offset, customers) counts leave the engine; the table is then shaped exactly
as the in-memory function shapes it.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from portfolio_lib import portfolio
from portfolio_lib._errors import DataValidationError
from portfolio_lib.engines._common import checked_log
from portfolio_lib.engines._periods import period_label, period_number, period_sql
from portfolio_lib.engines.backend import Engine
from portfolio_lib.engines.contract import Columns
from portfolio_lib.engines.sources import fetch_pandas
from portfolio_lib.portfolio._cohorts import cohort_grid

__all__ = ["cohort_retention", "period_label"]


def cohort_retention(
    source: object,
    *,
    observation_end: str | pd.Timestamp | None = None,
    unit: Literal["W", "M", "Q"] = "M",
    columns: Columns | None = None,
    late: Literal["raise", "drop"] = "raise",
    engine: str | Engine | None = None,
) -> portfolio.CohortRetention:
    """Share of each first-purchase cohort that buys in each later period, of a log of any size.

    Parameters
    ----------
    source : DataFrame, path, glob, relation or Spark DataFrame
        The transaction log.
    observation_end : date-like, optional
        End of the data (default: the last purchase day); later rows follow ``late``.
    unit : {"W", "M", "Q"}
        Period length.
    columns : Columns, optional
        Column names.
    late : {"raise", "drop"}
        Rows after ``observation_end``.
    engine : {"duckdb", "spark", "pandas"} or Engine, optional
        Default DuckDB.

    Returns
    -------
    portfolio_lib.portfolio.CohortRetention
        The same object as the in-memory function (the table is small).

    Examples
    --------
    >>> weeks = cohort_retention(pd.DataFrame({
    ...     "customer_id": ["x", "y", "x", "z", "y", "x"],
    ...     "date": ["2024-03-04", "2024-03-06", "2024-03-12", "2024-03-13", "2024-03-20",
    ...              "2024-03-21"],
    ...     "amount": [4.0, 9.0, 3.0, 7.0, 2.0, 5.0]}), unit="W")
    >>> weeks.counts.loc["2024-03-04"].tolist()  # 2 customers start in the week of March 4
    [2.0, 1.0, 2.0]
    """
    if unit not in ("W", "M", "Q"):
        raise ValueError(f"unit must be 'W', 'M' or 'Q', got {unit!r}")
    columns = columns or Columns()
    end = None if observation_end is None else pd.Timestamp(observation_end).normalize()
    if engine == "pandas":
        return portfolio.cohort_retention(
            fetch_pandas(source), observation_end=end, unit=unit,
            customer_col=columns.customer_id, date_col=columns.date, amount_col=columns.amount,
            return_col=columns.is_return, late=late,
        )  # fmt: skip
    eng, view = checked_log(source, engine, columns=columns, end=end, late=late)
    buys = f"(SELECT customer, day, {period_sql(unit)} AS period FROM {view} WHERE NOT is_return)"
    last_day = eng.fetch(f"SELECT MAX(day) AS d FROM {buys} b")["d"].iloc[0]
    if last_day is None or pd.isna(last_day):
        raise DataValidationError(f"transactions: column {columns.amount!r} has no purchase rows")
    end = pd.Timestamp(last_day) if end is None else end
    cells = eng.fetch(
        f"SELECT c.cohort, p.period - c.cohort AS offset_, COUNT(DISTINCT p.customer) AS n "
        f"FROM {buys} p JOIN (SELECT customer, MIN(period) AS cohort FROM {buys} b "
        "GROUP BY customer) c ON p.customer = c.customer GROUP BY c.cohort, p.period - c.cohort"
    )
    counts = cells.pivot_table(
        index="cohort", columns="offset_", values="n", aggfunc="sum", fill_value=0
    ).sort_index()
    sizes = cells.loc[cells["offset_"] == 0].set_index("cohort")["n"].sort_index()
    grid = cohort_grid(counts, sizes, period_number(end, unit), unit)
    return portfolio.CohortRetention(*grid, unit)
