"""Input checks of the CLV models: summaries, times and counts, model arguments.

One check per family of inputs, shared by every model and helper of the package:

* :func:`validate_summary` - a customer summary (frequency, recency, T, monetary_value);
* :func:`nonnegative` - a time, horizon, count or period argument (finite numbers >= 0,
  optionally whole, 1-D and distinct), naming the argument;
* :func:`check_model` - a fitted model passed as an argument (``TypeError`` naming it);
* :class:`NotIdentifiedError` - data that cannot identify a model's parameters (nobody
  repeats, nobody leaves, one distinct spend): a :class:`DataValidationError` that says why,
  and a :class:`~portfolio_lib.clv.ConvergenceError`, so callers that fall back on a failed
  fit keep working.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib.clv._fitting import ConvergenceError

__all__ = [
    "validate_summary",
    "UNIT_DAYS",
    "YEARS_PER_UNIT",
    "check_unit",
    "as_float_array",
    "nonnegative",
    "check_model",
    "NotIdentifiedError",
    "require_distinct_histories",
    "require_customers",
]


class NotIdentifiedError(DataValidationError, ConvergenceError):
    """The data cannot identify the model's parameters; the message says why.

    Raised before any optimisation when the data themselves rule out an estimate (e.g. no
    customer made a repeat purchase, nobody left a cohort, every repeat buyer spends the
    same). It is a :class:`DataValidationError` (the input is the cause) and a
    :class:`~portfolio_lib.clv.ConvergenceError` (no estimate exists), so
    ``except ConvergenceError`` keeps catching it.

    Examples
    --------
    >>> isinstance(NotIdentifiedError("summary: ..."), (DataValidationError, ConvergenceError))
    True
    """

    def __init__(self, message: str) -> None:
        self.diagnostics = None
        DataValidationError.__init__(self, message)


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


def nonnegative(
    values: object,
    name: str,
    *,
    whole: bool = False,
    one_dimensional: bool = False,
    distinct: bool = False,
) -> np.ndarray:
    """``values`` as a float array of finite numbers >= 0, or an error naming ``name``.

    For the time, horizon, count and period arguments of the models: ``None``, NaN and inf
    are refused (a missing time must not give a NaN prediction), as are negative numbers,
    non-whole numbers when ``whole``, anything but a 1-D sequence (a DataFrame, a matrix)
    when ``one_dimensional``, and repeated values when ``distinct``: each with a
    :class:`DataValidationError` naming the argument and the positions of the bad values.

    Examples
    --------
    >>> nonnegative([0, 1.5], "t").tolist()
    [0.0, 1.5]
    >>> nonnegative([1, None], "t")
    Traceback (most recent call last):
    ...
    portfolio_lib._errors.DataValidationError: t: 1 value(s) missing or not finite (NaN, None or inf) at position(s) [1]; every customer needs a number
    """
    if values is None:
        raise DataValidationError(f"{name} is None; every customer needs a number")
    if one_dimensional:
        values = _validate.one_dimensional(values, name=name)
    array = as_float_array(values, name)
    for bad, problem in (
        (
            ~np.isfinite(array),
            "missing or not finite (NaN, None or inf){}; every customer needs a number",
        ),
        (array < 0, "negative{}; must be >= 0"),
        (array != np.round(array) if whole else None, "not a whole number{}"),
    ):
        if bad is not None and bad.any():
            where = f" at position(s) {_positions(bad)}" if array.ndim else ""
            raise DataValidationError(f"{name}: {int(bad.sum())} value(s) {problem.format(where)}")
    if distinct and array.ndim and len(np.unique(array)) < array.size:
        repeated = pd.Series(array).loc[pd.Series(array).duplicated()].unique()
        raise DataValidationError(
            f"{name} repeats value(s) {repeated[:5].tolist()}; give each once"
        )
    return array


def _positions(mask: np.ndarray) -> list:
    """Up to five positions where ``mask`` is True (index tuples beyond 1-D)."""
    found = np.argwhere(mask)[:5]
    return [int(i[0]) if len(i) == 1 else tuple(int(j) for j in i) for i in found]


def check_model(model: object, *, needs: Sequence[str], name: str = "model") -> object:
    """``model`` if it has the methods ``needs``, else a ``TypeError`` naming the argument.

    For the functions that take a fitted model (a DataFrame or ``None`` passed by mistake
    used to end in an ``AttributeError`` naming nothing).

    Examples
    --------
    >>> check_model(None, needs=("prob_alive",))
    Traceback (most recent call last):
    ...
    TypeError: model must be a fitted CLV model with prob_alive (e.g. clv.BetaGeo().fit(summary)), got NoneType
    """
    missing = [method for method in needs if not callable(getattr(model, method, None))]
    if missing or isinstance(model, pd.DataFrame | pd.Series):
        raise TypeError(
            f"{name} must be a fitted CLV model with {', '.join(needs)} "
            f"(e.g. clv.BetaGeo().fit(summary)), got {type(model).__name__}"
        )
    return model


def require_customers(frame: pd.DataFrame, what: str, *, name: str = "summary") -> pd.DataFrame:
    """``frame`` if it has at least one row, else a :class:`DataValidationError`.

    An empty summary is an input problem (nothing to fit), not a failed optimisation;
    ``what`` names what was to be fitted (e.g. ``"the BG/NBD model"``).

    Examples
    --------
    >>> require_customers(pd.DataFrame({"frequency": []}), "the BG/NBD model")
    Traceback (most recent call last):
    ...
    portfolio_lib._errors.DataValidationError: summary is empty: no customers to fit the BG/NBD model to
    """
    if len(frame) == 0:
        raise DataValidationError(f"{name} is empty: no customers to fit {what} to")
    return frame


def require_distinct_histories(
    model: str, unique: dict[str, np.ndarray], *, remedy: str = "fit on more customers"
) -> None:
    """:class:`NotIdentifiedError` when every customer has the same history.

    ``unique`` holds the distinct rows of the summary (column -> values); one distinct row
    (one customer, or identical rows) cannot tell how customers differ.
    """
    if len(next(iter(unique.values()))) == 1:
        shown = ", ".join(f"{column} {values[0]:g}" for column, values in unique.items())
        raise NotIdentifiedError(
            f"{model}: every row of summary has the same history ({shown}), so how customers "
            f"differ is not identified: {remedy}"
        )


def validate_summary(
    summary: pd.DataFrame,
    *,
    columns: Sequence[str] = ("frequency", "recency", "T"),
    name: str = "summary",
    unique_index: bool = False,
) -> pd.DataFrame:
    """Check a customer summary table and return its columns as float.

    Rules: the columns exist and are numeric and finite; ``frequency`` is a
    non-negative whole number; ``0 <= recency <= T``; ``recency == 0`` when
    ``frequency == 0``; ``monetary_value`` (when asked for) is non-negative and
    positive for customers with repeat purchases. With ``unique_index`` (for results
    indexed like the summary, one value per customer) the index must not repeat a label.

    Raises
    ------
    DataValidationError
        Naming the offending column and showing example rows.
    """
    require_columns(summary, list(columns), name=name)
    if unique_index:
        _validate.unique_index(summary, name=name)
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
