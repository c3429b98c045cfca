"""Calendar periods in the engine and in Python: week from Monday, month, quarter.

One numbering serves the cohort table and the period KPIs: a period number is an integer that
grows by one per period, computed the same way in SQL (:func:`period_sql`) and for a
timestamp (:func:`period_number`), and :func:`period_label` (shared with the in-memory cohort
table) names it.
"""

from __future__ import annotations

import pandas as pd

from portfolio_lib.engines.backend import div
from portfolio_lib.portfolio._cohorts import MONDAY as _MONDAY
from portfolio_lib.portfolio._cohorts import period_label, period_numbers

__all__ = ["period_label", "period_number", "period_sql"]


def period_sql(unit: str) -> str:
    """SQL expression of the period number of the column ``day`` (DuckDB dialect).

    Examples
    --------
    >>> period_sql("M")
    '(YEAR(day) * 12 + MONTH(day) - 1)'
    """
    if unit == "M":
        return "(YEAR(day) * 12 + MONTH(day) - 1)"
    if unit == "Q":
        return "(YEAR(day) * 4 + QUARTER(day) - 1)"
    weeks = div(f"DATE_DIFF('day', DATE '{_MONDAY.date()}', day)", "7")
    return f"CAST(FLOOR({weeks}) AS BIGINT)"


def period_number(day: pd.Timestamp, unit: str) -> int:
    """Period number of one day, equal to :func:`period_sql` evaluated on it.

    Examples
    --------
    >>> period_number(pd.Timestamp("2024-02-10"), "M") == 2024 * 12 + 1
    True
    """
    return int(period_numbers(pd.Series([day]), unit)[0])
