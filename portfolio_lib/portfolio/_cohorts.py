"""Shared private helpers of the cohort table: period labels and the cohort x period grid.

The in-memory :func:`portfolio_lib.portfolio.cohort_retention` and the engine version
(:mod:`portfolio_lib.engines.cohorts`) count active customers per cohort and period their own
way, then finish the table here, so both give the same object.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MONDAY = pd.Timestamp("1970-01-05")  # weeks start on Monday


def period_numbers(days: pd.Series, unit: str) -> np.ndarray:
    """Period number of each day (see :func:`period_label` for the numbering).

    Examples
    --------
    >>> period_numbers(pd.Series(pd.to_datetime(["2024-01-31", "2024-02-01"])), "M").tolist()
    [24288, 24289]
    """
    if unit == "M":
        return (days.dt.year * 12 + days.dt.month - 1).to_numpy()
    if unit == "Q":
        return (days.dt.year * 4 + days.dt.quarter - 1).to_numpy()
    return ((days - MONDAY).dt.days // 7).to_numpy()


def period_label(number: int, unit: str) -> str:
    """Label of a period number: ``"2024-01"`` (M), ``"2024Q1"`` (Q), the Monday (W).

    Period numbers are ``year * 12 + month - 1`` (M), ``year * 4 + quarter - 1`` (Q) and whole
    weeks since Monday 1970-01-05 (W).

    Examples
    --------
    >>> period_label(2024 * 12, "M"), period_label(2024 * 4 + 1, "Q"), period_label(0, "W")
    ('2024-01', '2024Q2', '1970-01-05')
    """
    if unit == "M":
        return f"{number // 12:04d}-{number % 12 + 1:02d}"
    if unit == "Q":
        return f"{number // 4:04d}Q{number % 4 + 1}"
    return str((MONDAY + pd.Timedelta(weeks=int(number))).date())


def cohort_grid(
    counts: pd.DataFrame, sizes: pd.Series, last: int, unit: str
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Counts, sizes and retention of a cohort table, labelled and completed to period ``last``.

    ``counts`` holds active customers per cohort (index: period number, sorted) and periods
    since the first purchase (columns); ``sizes`` the customers of each cohort, in the same
    order. Periods after ``last`` (the observation end) are NaN, not 0: they are not observed.

    Examples
    --------
    >>> counts = pd.DataFrame({0: [2, 1], 1: [1, 0]}, index=[24288, 24289])
    >>> grid, sizes, retention = cohort_grid(counts, pd.Series([2, 1]), 24290, "M")
    >>> retention.loc["2024-01"].tolist(), retention.loc["2024-02"].tolist()
    ([1.0, 0.5, 0.0], [1.0, 0.0, nan])
    """
    width = last - int(counts.index.min()) + 1
    counts = counts.reindex(columns=range(width), fill_value=0).astype(float)
    horizon = last - counts.index.to_numpy()[:, None]
    counts = counts.where(np.arange(width)[None, :] <= horizon)
    labels = pd.Index([period_label(int(c), unit) for c in counts.index], name="cohort")
    counts.index = labels
    sizes = sizes.set_axis(labels).rename("customers")
    counts.columns.name = f"periods since first purchase ({unit})"
    return counts, sizes, counts.div(sizes, axis=0)
