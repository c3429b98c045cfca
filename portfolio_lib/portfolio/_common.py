"""Shared private helpers of the portfolio modules: the input checks and the margin.

- :func:`customer_table`: a per-customer table (a DataFrame with the columns, at least one
  row and one row per customer: a unique index);
- :func:`per_customer`: a Series of numbers per customer (costs, CLV, a margin per customer)
  aligned to the customers of a table;
- :func:`margin_times`: profit as ``margin x revenue``, with the margin checked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError


def customer_table(
    table: object, columns: Sequence[str], *, name: str = "table", empty: str = ""
) -> pd.DataFrame:
    """``table`` if it is a DataFrame with ``columns``, rows and a unique index.

    Raises :class:`DataValidationError` naming ``name``: not a DataFrame, a missing column,
    no rows (``empty`` says why that leaves nothing to compute), or an index that repeats a
    customer (two batches concatenated).
    """
    _validate.table(table, name=name, columns=columns)
    if len(table) == 0:
        raise DataValidationError(
            f"{name} has no rows; column {columns[0]!r} is empty{f': {empty}' if empty else ''}"
        )
    return _validate.unique_index(table, name=name)


def per_customer(
    values: object, index: pd.Index, *, name: str, of: str = "customer(s)"
) -> pd.Series:
    """``values`` (a numeric Series indexed by customer id) as float, aligned to ``index``.

    Raises :class:`DataValidationError` naming ``name`` when ``values`` is not a Series,
    repeats a customer, lacks one of ``index`` ("costs has no value for 2 customer(s) of
    table, e.g. [...]"), or is not numeric, finite and present.
    """
    if not isinstance(values, pd.Series):
        raise DataValidationError(
            f"{name} must be a pandas Series indexed by customer id, got {type(values).__name__}"
        )
    _validate.unique_index(values, name=name)
    aligned = _validate.reindexed(values, index, name=name, of=of)
    return _validate.numeric(aligned.rename(name).to_frame(), name, name=name)


def margin_times(
    revenue: pd.Series, margin: float | pd.Series, *, name: str = "margin"
) -> pd.Series:
    """``revenue x margin``: a number, or a Series with a margin per customer of ``revenue``."""
    if isinstance(margin, pd.Series):
        m = per_customer(margin, revenue.index, name=name)
    else:
        if isinstance(margin, bool) or not isinstance(margin, int | float | np.number):
            raise ValueError(f"{name} must be a number (fraction of revenue), got {margin!r}")
        if not math.isfinite(margin):
            raise ValueError(f"{name} must be finite, got {margin!r}")
        m = float(margin)
    return revenue * m
