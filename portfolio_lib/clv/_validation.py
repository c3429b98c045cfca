"""Input checks for customer summaries (frequency, recency, T, monetary_value)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns

__all__ = ["validate_summary", "UNIT_DAYS", "YEARS_PER_UNIT", "check_unit", "as_float_array"]

#: Length of one time unit in days.
UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
#: Length of one time unit in years.
YEARS_PER_UNIT = {"D": 1 / 365.25, "W": 7 / 365.25, "M": 1 / 12}


def check_unit(unit: str) -> str:
    """Return ``unit`` if it is one of ``"D"``, ``"W"``, ``"M"``; raise ValueError otherwise."""
    if unit not in UNIT_DAYS:
        raise ValueError(
            f"unit must be one of {sorted(UNIT_DAYS)} (days, weeks, months), got {unit!r}"
        )
    return unit


def as_float_array(values, name: str) -> np.ndarray:
    """Convert to a float array, raising DataValidationError naming ``name``."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataValidationError(f"{name} must be numeric: {exc}") from exc


def validate_summary(
    summary: pd.DataFrame,
    *,
    columns: Sequence[str] = ("frequency", "recency", "T"),
    name: str = "summary",
) -> pd.DataFrame:
    """Check a customer summary table and return its columns as float.

    Rules: the columns exist and are numeric and finite; ``frequency`` is a
    non-negative whole number; ``0 <= recency <= T``; ``recency == 0`` when
    ``frequency == 0``; ``monetary_value`` (when asked for) is non-negative and
    positive for customers with repeat purchases.

    Raises
    ------
    DataValidationError
        Naming the offending column and showing example rows.
    """
    require_columns(summary, list(columns), name=name)
    out = {}
    for col in columns:
        values = pd.to_numeric(summary[col], errors="coerce")
        raise_for_rows(
            summary,
            ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)),
            column=col,
            problem="must hold finite numbers",
            name=name,
        )
        out[col] = values.to_numpy(dtype=float)
    frame = pd.DataFrame(out, index=summary.index)
    if "frequency" in out:
        freq = out["frequency"]
        raise_for_rows(summary, freq < 0, column="frequency", problem="must be >= 0", name=name)
        raise_for_rows(
            summary,
            freq != np.round(freq),
            column="frequency",
            problem="must be a whole number of repeat purchases",
            name=name,
        )
    if "recency" in out:
        rec = out["recency"]
        raise_for_rows(summary, rec < 0, column="recency", problem="must be >= 0", name=name)
        if "T" in out:
            T = out["T"]
            raise_for_rows(
                summary,
                rec > T * (1 + 1e-12) + 1e-12,
                column=["recency", "T"],
                problem="recency must not exceed T",
                name=name,
            )
        if "frequency" in out:
            raise_for_rows(
                summary,
                (out["frequency"] == 0) & (rec != 0),
                column=["recency", "frequency"],
                problem="recency must be 0 for customers with frequency 0",
                name=name,
            )
    if "T" in out:
        raise_for_rows(summary, out["T"] < 0, column="T", problem="must be >= 0", name=name)
    if "monetary_value" in out:
        money = out["monetary_value"]
        raise_for_rows(
            summary, money < 0, column="monetary_value", problem="must be >= 0", name=name
        )
        if "frequency" in out:
            raise_for_rows(
                summary,
                (out["frequency"] > 0) & (money <= 0),
                column="monetary_value",
                problem="must be > 0 for customers with repeat purchases",
                name=name,
            )
    return frame


def validate_weights(weights, n_rows: int) -> np.ndarray:
    """Check optional row weights: finite, non-negative, one per row, not all zero."""
    if weights is None:
        return np.ones(n_rows)
    w = as_float_array(weights, "weights").ravel()
    if w.shape[0] != n_rows:
        raise DataValidationError(f"weights has {w.shape[0]} entries but the summary {n_rows} rows")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise DataValidationError(
            f"weights must be finite and >= 0; bad values at positions {np.flatnonzero(bad)[:5]}"
        )
    if w.sum() <= 0:
        raise DataValidationError("weights sum to zero: nothing to fit")
    return w
