"""Portfolio KPIs of a log of any size: retention, churn and revenue per period, per segment.

Only small aggregates leave the engine: one row per calendar period
(:func:`period_kpis`) or per segment (:func:`revenue_by_segment`). The rates and their
intervals are those of :func:`portfolio_lib.portfolio.retention_rate` and
:func:`~portfolio_lib.portfolio.churn_rate`, the segment table that of
:func:`portfolio_lib.portfolio.profit_by_segment` (gross profit).

Definitions per period (week from Monday, month or quarter): a customer is *active* in a
period with at least one purchase in it (returns are not purchases); *new* in the period of
their first purchase; *start* customers are those active in the previous period, *retained*
those of them active again, *reactivated* the active ones neither new nor retained. Then
``retention_rate = retained / start`` (the ``(E - N) / S`` of the portfolio KPIs with
``S = start``, ``N = new``, ``E = retained + new``), ``churn_rate = 1 - retention_rate``;
``revenue`` is the period's net revenue (purchases minus returns, currency units).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from portfolio_lib import portfolio
from portfolio_lib._errors import DataValidationError
from portfolio_lib.engines._common import checked_log
from portfolio_lib.engines._periods import period_label, period_number, period_sql
from portfolio_lib.engines.backend import Engine, EngineTable
from portfolio_lib.engines.contract import Columns

__all__ = ["period_kpis", "revenue_by_segment"]


def period_kpis(
    source: object,
    *,
    unit: Literal["W", "M", "Q"] = "M",
    observation_end: str | pd.Timestamp | None = None,
    columns: Columns | None = None,
    late: Literal["raise", "drop"] = "raise",
    confidence: float = 0.95,
    engine: str | Engine | None = None,
) -> pd.DataFrame:
    """Active, new, retained customers, retention and churn with intervals, revenue per period.

    Parameters
    ----------
    source : DataFrame, path, glob, relation or Spark DataFrame
        The transaction log (a pandas frame runs on DuckDB over the frame).
    unit : {"W", "M", "Q"}
        Period length: weeks from Monday, calendar months, quarters.
    observation_end : date-like, optional
        End of the data (default: the last day in the log); later rows follow ``late``. The
        table runs from the first purchase's period to this day's period, with every period.
    columns : Columns, optional
        Column names.
    late : {"raise", "drop"}
        Rows after ``observation_end``.
    confidence : float
        Level of the Wilson intervals of the rates.
    engine : {"duckdb", "spark", "pandas"} or Engine, optional
        Default DuckDB; ``"pandas"`` (no in-memory twin exists) also runs on DuckDB.

    Returns
    -------
    pandas.DataFrame
        Indexed by period label (``"2024-01"``, ``"2024Q1"`` or the Monday): ``active``,
        ``new``, ``start``, ``retained``, ``reactivated`` (customers), ``retention_rate``,
        ``retention_low``, ``retention_high``, ``churn_rate``, ``churn_low``, ``churn_high``
        (NaN where ``start`` is 0), ``revenue`` (net, currency units) and
        ``revenue_per_active`` (currency units per active customer).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": [1, 2, 1, 3, 2],
    ...     "date": ["2024-01-05", "2024-01-20", "2024-02-02", "2024-02-11", "2024-02-12"],
    ...     "amount": [10.0, 8.0, 12.0, 5.0, -3.0]})
    >>> k = period_kpis(log)
    >>> k[["active", "new", "start", "retained", "revenue"]].to_dict("list")
    {'active': [2, 2], 'new': [2, 1], 'start': [0, 2], 'retained': [0, 1], 'revenue': [18.0, 14.0]}
    >>> float(k.loc["2024-02", "retention_rate"])
    0.5
    """
    if unit not in ("W", "M", "Q"):
        raise ValueError(f"unit must be 'W', 'M' or 'Q', got {unit!r}")
    columns = columns or Columns()
    end = None if observation_end is None else pd.Timestamp(observation_end).normalize()
    eng, view = checked_log(
        source, None if engine == "pandas" else engine, columns=columns, end=end, late=late
    )
    period = period_sql(unit)
    buys = f"(SELECT DISTINCT customer, {period} AS period FROM {view} WHERE NOT is_return)"
    counts = eng.fetch(
        "SELECT b.period, COUNT(*) AS active, "
        "SUM(CASE WHEN b.period = f.first_period THEN 1 ELSE 0 END) AS new, "
        "SUM(CASE WHEN p.customer IS NULL THEN 0 ELSE 1 END) AS retained "
        f"FROM {buys} b JOIN (SELECT customer, MIN(period) AS first_period FROM {buys} x "
        "GROUP BY customer) f ON b.customer = f.customer "
        f"LEFT JOIN {buys} p ON p.customer = b.customer AND p.period = b.period - 1 "
        "GROUP BY b.period"
    )
    if counts.empty:
        raise DataValidationError(f"transactions: column {columns.amount!r} has no purchase rows")
    money = eng.fetch(
        f"SELECT {period} AS period, SUM(amount) AS revenue, MAX(day) AS last_day "
        f"FROM {view} GROUP BY {period}"
    )
    last_day = pd.Timestamp(money["last_day"].max()) if end is None else end
    first = int(counts["period"].min())
    periods = range(first, period_number(last_day, unit) + 1)
    table = counts.set_index("period").reindex(periods, fill_value=0).astype("int64")
    table["start"] = table["active"].shift(1, fill_value=0)
    table["reactivated"] = table["active"] - table["new"] - table["retained"]
    table = table[["active", "new", "start", "retained", "reactivated"]]
    for name, kpi in (("retention", portfolio.retention_rate), ("churn", portfolio.churn_rate)):
        estimates = [
            kpi(int(s), int(n), int(r + n), confidence=confidence) if s else None
            for s, n, r in zip(table["start"], table["new"], table["retained"], strict=True)
        ]
        for field, column in (("rate", f"{name}_rate"), ("low", f"{name}_low"),
                              ("high", f"{name}_high")):  # fmt: skip
            table[column] = [np.nan if e is None else getattr(e, field) for e in estimates]
    revenue = money.set_index("period")["revenue"].astype(float)
    table["revenue"] = revenue.reindex(periods, fill_value=0.0).to_numpy()
    table["revenue_per_active"] = table["revenue"] / table["active"].where(table["active"] > 0)
    table.index = pd.Index([period_label(int(p), unit) for p in periods], name="period")
    return table


def revenue_by_segment(
    table: EngineTable, segments: EngineTable, *, margin: float, key: str = "customer_id"
) -> pd.DataFrame:
    """Customers, revenue and gross profit per segment, computed in the engine.

    Parameters
    ----------
    table : EngineTable
        One row per customer with ``key`` and ``monetary_total`` (net revenue, currency
        units): :func:`portfolio_lib.engines.rfm.rfm_table`.
    segments : EngineTable
        ``key`` and ``segment`` per customer in the same engine:
        :func:`~portfolio_lib.engines.rfm.rfm_segments`. Every customer needs a segment.
    margin : float
        Gross margin, a fraction of revenue.
    key : str
        The customer column.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``segment``: ``n_customers``, ``revenue``, ``gross_profit``,
        ``gross_profit_per_customer`` and ``share_gross_profit``, as
        :func:`portfolio_lib.portfolio.profit_by_segment` without costs.

    Raises
    ------
    DataValidationError
        Customers of ``table`` without a segment (counted, with examples).
    """
    if not 0 <= float(margin) <= 1:
        raise ValueError(f"margin must be a fraction between 0 and 1, got {margin!r}")
    eng = table.engine
    k = eng.quote(key)
    joined = (
        f"SELECT t.{k} AS customer, t.monetary_total AS revenue, s.segment "
        f"FROM {table.view} t LEFT JOIN {segments.view} s ON t.{k} = s.{k}"
    )
    lost = eng.fetch(
        f"SELECT COUNT(*) AS n, MIN(customer) AS example FROM ({joined}) j WHERE segment IS NULL"
    ).iloc[0]
    if int(lost["n"]):
        raise DataValidationError(
            f"segments: {int(lost['n'])} customer(s) of table have no 'segment', e.g. "
            f"{lost['example']!r} in column {key!r}"
        )
    gross = f"CAST({float(margin)!r} AS DOUBLE) * CAST(revenue AS DOUBLE)"
    out = eng.fetch(
        f"SELECT segment, COUNT(*) AS n_customers, SUM(CAST(revenue AS DOUBLE)) AS revenue, "
        f"SUM({gross}) AS gross_profit FROM ({joined}) j GROUP BY segment"
    )
    out = out.set_index("segment").sort_index()
    out["gross_profit_per_customer"] = out["gross_profit"] / out["n_customers"]
    total = float(out["gross_profit"].sum())
    out["share_gross_profit"] = out["gross_profit"] / total if total else np.nan
    out["n_customers"] = out["n_customers"].astype("int64")
    return out
