"""The CLV summary and the calibration/holdout split, computed in the engine.

Exactly the definitions of :func:`portfolio_lib.clv.summary_from_transactions` and
:func:`portfolio_lib.clv.calibration_holdout`: a purchase occasion is a (customer, calendar
day) with at least one purchase row, amounts of one day added; returns (flagged or negative)
are not occasions; per customer ``frequency`` = occasions - 1, ``recency`` = days from the
first to the last occasion and ``T`` = days from the first occasion to the observation end
(inclusive), both divided by the days of ``unit`` (D 1, W 7, M 365.25/12), and
``monetary_value`` = mean amount of the repeat occasions (0 without). ``engine="pandas"``
runs those in-memory functions themselves.
"""

from __future__ import annotations

import os
from typing import Literal

import pandas as pd

from portfolio_lib import _validate, clv
from portfolio_lib.engines._common import checked_log, finish, in_memory
from portfolio_lib.engines.backend import Engine, EngineTable, div
from portfolio_lib.engines.contract import Columns

__all__ = [
    "summary_from_transactions",
    "calibration_holdout",
    "summary_query",
    "UNIT_DAYS",
    "as_frame",
]

#: Days per time unit, as in :mod:`portfolio_lib.clv`.
UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


def _unit_days(unit: str) -> str:
    if unit not in UNIT_DAYS:
        raise ValueError(f"unit must be one of {sorted(UNIT_DAYS)}, got {unit!r}")
    return repr(UNIT_DAYS[unit])


def _occasions(view: str) -> str:
    return (
        "SELECT customer, day, SUM(amount) AS amount FROM "
        f"{view} WHERE NOT is_return GROUP BY customer, day"
    )


def summary_query(occasions: str, *, end: pd.Timestamp, unit: str, key: str) -> str:
    """SQL of the per-customer summary of a view of purchase occasions.

    Parameters
    ----------
    occasions : str
        View (or parenthesised query) with ``customer``, ``day`` (DATE), ``amount``.
    end : pandas.Timestamp
        The observation end (day).
    unit : {"D", "W", "M"}
        Time unit of recency and T.
    key : str
        Quoted output name of the customer column.

    Returns
    -------
    str
        DuckDB-dialect SQL with columns ``key``, ``frequency``, ``recency``, ``T``,
        ``monetary_value``.

    Examples
    --------
    >>> "ARG_MIN(amount, day)" in summary_query("occ", end=pd.Timestamp("2024-01-31"),
    ...                                          unit="W", key="customer_id")
    True
    """
    days = _unit_days(unit)
    repeat = "(COUNT(*) - 1)"
    recency = div("DATE_DIFF('day', MIN(day), MAX(day))", days)
    age = div(f"DATE_DIFF('day', MIN(day), DATE '{end.date()}')", days)
    spend = div("SUM(amount) - ARG_MIN(amount, day)", repeat)
    return (
        f"SELECT customer AS {key}, CAST({repeat} AS BIGINT) AS frequency, "
        f"{recency} AS recency, {age} AS T, "
        f"CASE WHEN COUNT(*) > 1 THEN {spend} ELSE CAST(0 AS DOUBLE) END AS monetary_value "
        f"FROM {occasions} GROUP BY customer"
    )


def as_frame(table: EngineTable | pd.DataFrame, index: str) -> pd.DataFrame:
    """A per-customer result as pandas, indexed by customer and sorted (for small results).

    Parameters
    ----------
    table : EngineTable or pandas.DataFrame
        One row per customer (e.g. :func:`summary_from_transactions`'s result).
    index : str
        The customer column; it becomes the index (a frame without it keeps its index).

    Returns
    -------
    pandas.DataFrame
        The rows sorted by customer.

    Raises
    ------
    DataValidationError
        ``table`` is not a table (None, a list, a Series), or it repeats a customer (the
        message shows the repeated ids).

    Examples
    --------
    >>> as_frame(pd.DataFrame({"id": ["b", "a"], "x": [1, 2]}), "id")["x"].tolist()
    [2, 1]
    """
    frame = table.to_pandas() if isinstance(table, EngineTable) else table
    frame = _validate.table(frame, name="table")
    if index in frame.columns:
        frame = frame.set_index(index)
    return _validate.unique_index(frame, name=f"table (column {index!r})").sort_index()


def summary_from_transactions(
    source: object,
    *,
    observation_end: str | pd.Timestamp,
    unit: str = "W",
    columns: Columns | None = None,
    late: Literal["raise", "drop"] = "raise",
    engine: str | Engine | None = None,
    out: str | os.PathLike[str] | None = None,
) -> EngineTable | pd.DataFrame:
    """Per-customer frequency, recency, T and monetary value of a log of any size.

    Parameters
    ----------
    source : DataFrame, path, glob, DuckDB relation, Arrow/Ibis table or Spark DataFrame
        The transaction log (see :mod:`portfolio_lib.engines.backend`).
    observation_end : date-like
        Last day of the observation period (inclusive).
    unit : {"D", "W", "M"}
        Time unit of recency and T (days, weeks, months of 365.25/12 days).
    columns : Columns, optional
        Column names (default ``customer_id``, ``date``, ``amount``, ``is_return``).
    late : {"raise", "drop"}
        Rows after ``observation_end``: raise (default) or leave out.
    engine : {"duckdb", "spark", "pandas"} or Engine, optional
        Default DuckDB (Spark for a Spark DataFrame).
    out : path, optional
        Write the result there as Parquet (the returned table reads it back).

    Returns
    -------
    EngineTable or pandas.DataFrame
        One row per customer: the customer column, ``frequency`` (int), ``recency``, ``T``
        (in ``unit``), ``monetary_value`` (currency units). ``engine="pandas"`` returns
        :func:`portfolio_lib.clv.summary_from_transactions`'s frame.

    Raises
    ------
    DataValidationError
        The log breaks the transaction contract (reasons counted).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"],
    ...                    "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> s = summary_from_transactions(tx, observation_end="2024-01-29")
    >>> as_frame(s, "customer_id").to_dict("index")  # doctest: +NORMALIZE_WHITESPACE
    {'a': {'frequency': 1, 'recency': 2.0, 'T': 4.0, 'monetary_value': 20.0},
     'b': {'frequency': 0, 'recency': 0.0, 'T': 3.0, 'monetary_value': 0.0}}
    """
    columns = columns or Columns()
    end = pd.Timestamp(observation_end).normalize()
    _unit_days(unit)
    if engine == "pandas":
        return in_memory(
            clv.summary_from_transactions,
            source,
            columns=columns,
            out=out,
            observation_end=end,
            unit=unit,
            late=late,
        )
    eng, view = checked_log(source, engine, columns=columns, end=end, late=late)
    query = summary_query(
        f"({_occasions(view)})", end=end, unit=unit, key=eng.quote(columns.customer_id)
    )
    return finish(eng, query, out)


def calibration_holdout(
    source: object,
    *,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp,
    unit: str = "W",
    columns: Columns | None = None,
    late: Literal["raise", "drop"] = "raise",
    engine: str | Engine | None = None,
    out: str | os.PathLike[str] | None = None,
) -> EngineTable | pd.DataFrame:
    """Calibration summary plus each calibration customer's holdout purchases, in the engine.

    Parameters
    ----------
    source : DataFrame, path, glob, relation or Spark DataFrame
        The transaction log.
    calibration_end, observation_end : date-like
        Last days (inclusive) of the calibration and the holdout period.
    unit, columns, late, engine, out
        As in :func:`summary_from_transactions`.

    Returns
    -------
    EngineTable or pandas.DataFrame
        The calibration summary of customers who first bought by ``calibration_end`` plus
        ``frequency_holdout`` (occasions after it), ``monetary_holdout`` (mean amount per
        holdout occasion, 0 if none) and ``duration_holdout`` (holdout length in ``unit``).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"],
    ...                    "date": ["2024-01-01", "2024-01-08", "2024-02-05"],
    ...                    "amount": [10.0, 5.0, 20.0]})
    >>> split = calibration_holdout(tx, calibration_end="2024-01-15",
    ...                             observation_end="2024-02-12")
    >>> as_frame(split, "customer_id")["frequency_holdout"].tolist()
    [1]
    """
    columns = columns or Columns()
    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = pd.Timestamp(observation_end).normalize()
    days = _unit_days(unit)
    if obs_end <= cal_end:
        raise ValueError(
            f"observation_end ({obs_end.date()}) must be after calibration_end ({cal_end.date()})"
        )
    if engine == "pandas":
        return in_memory(
            clv.calibration_holdout,
            source,
            columns=columns,
            out=out,
            calibration_end=cal_end,
            observation_end=obs_end,
            unit=unit,
            late=late,
        )
    eng, view = checked_log(source, engine, columns=columns, end=obs_end, late=late)
    occ = eng.materialize(_occasions(view))
    key = eng.quote(columns.customer_id)
    cut = f"DATE '{cal_end.date()}'"
    cal = summary_query(
        f"(SELECT * FROM {occ} WHERE day <= {cut})", end=cal_end, unit=unit, key=key
    )
    duration = div(str((obs_end - cal_end).days), days)
    query = (
        f"SELECT c.*, CAST(COALESCE(h.n, 0) AS BIGINT) AS frequency_holdout, "
        f"COALESCE(h.m, CAST(0 AS DOUBLE)) AS monetary_holdout, {duration} AS duration_holdout "
        f"FROM ({cal}) c LEFT JOIN (SELECT customer, COUNT(*) AS n, AVG(amount) AS m "
        f"FROM {occ} WHERE day > {cut} GROUP BY customer) h ON c.{key} = h.customer"
    )
    return finish(eng, query, out)
