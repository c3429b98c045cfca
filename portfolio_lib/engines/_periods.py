"""Calendar periods in the engine and in Python: week from Monday, month, quarter.

One numbering serves the cohort table and the period KPIs: a period number is an integer that
grows by one per period, computed the same way in SQL (:func:`period_sql`) and for a
timestamp (:func:`period_number`), and :func:`period_label` names it.
"""

from __future__ import annotations

import pandas as pd

from portfolio_lib.engines.backend import div

_MONDAY = pd.Timestamp("1970-01-05")  # weeks start on Monday


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
    if unit == "M":
        return day.year * 12 + day.month - 1
    if unit == "Q":
        return day.year * 4 + day.quarter - 1
    return (day - _MONDAY).days // 7


def period_label(number: int, unit: str) -> str:
    """Label of a period number: ``"2024-01"`` (M), ``"2024Q1"`` (Q), the Monday (W).

    Examples
    --------
    >>> period_label(2024 * 12, "M"), period_label(2024 * 4 + 1, "Q"), period_label(0, "W")
    ('2024-01', '2024Q2', '1970-01-05')
    """
    if unit == "M":
        return f"{number // 12:04d}-{number % 12 + 1:02d}"
    if unit == "Q":
        return f"{number // 4:04d}Q{number % 4 + 1}"
    return str((_MONDAY + pd.Timedelta(weeks=int(number))).date())
