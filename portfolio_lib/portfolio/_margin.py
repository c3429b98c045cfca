"""Shared helper: profit as ``margin x revenue``, with the margin checked."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError


def _margin_times(
    revenue: pd.Series, margin: float | pd.Series, *, name: str = "margin"
) -> pd.Series:
    if isinstance(margin, pd.Series):
        missing = revenue.index.difference(margin.index)
        if len(missing):
            raise DataValidationError(
                f"{name} has no value for {len(missing)} customer(s), e.g. {list(missing[:5])}"
            )
        m = _validate.numeric(margin.reindex(revenue.index).to_frame(name), name, name=name)
    else:
        if isinstance(margin, bool) or not isinstance(margin, int | float | np.number):
            raise ValueError(f"{name} must be a number (fraction of revenue), got {margin!r}")
        if not math.isfinite(margin):
            raise ValueError(f"{name} must be finite, got {margin!r}")
        m = float(margin)
    return revenue * m
