"""One Wilson score interval for a proportion, used by every module that reports a rate.

Every rate with an interval in the package (response, retention, churn, hit, satisfied,
calibration and funnel rates) goes through :func:`wilson_interval`, so the bounds follow
one rule: they are the Wilson score bounds of ``statsmodels`` and always contain the rate
(``low <= successes / trials <= high``) inside ``[0, 1]``. At ``successes = 0`` or
``successes = trials`` the Wilson bound equals the rate only up to floating-point error
(e.g. ``0.9999999999999998`` for a rate of 1), which would put the rate a hair outside its
own interval; the bound is then set to the rate.
"""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, format_examples

__all__ = ["wilson_interval"]


@overload
def wilson_interval(
    successes: float,
    trials: float,
    confidence: float | None = ...,
    *,
    alpha: float | None = ...,
    empty: Literal["raise", "nan"] = ...,
) -> tuple[float, float]: ...


@overload
def wilson_interval(
    successes: np.ndarray | pd.Series | list[float],
    trials: np.ndarray | pd.Series | list[float] | float,
    confidence: float | None = ...,
    *,
    alpha: float | None = ...,
    empty: Literal["raise", "nan"] = ...,
) -> tuple[np.ndarray, np.ndarray]: ...


def wilson_interval(
    successes: object,
    trials: object,
    confidence: float | None = None,
    *,
    alpha: float | None = None,
    empty: Literal["raise", "nan"] = "raise",
) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of the proportion ``successes / trials``, containing the rate.

    Parameters
    ----------
    successes : float or array-like
        Number of successes (count, >= 0 and <= ``trials``).
    trials : float or array-like
        Number of trials (count, > 0; broadcast against ``successes``).
    confidence : float, optional
        Two-sided confidence level, strictly between 0 and 1 (e.g. 0.95). Give this or
        ``alpha``.
    alpha : float, optional
        ``1 - confidence`` (e.g. 0.05), for callers whose public argument is ``alpha``;
        passed to statsmodels as it is.
    empty : {"raise", "nan"}
        What a zero ``trials`` gives: a :class:`DataValidationError` (default) or NaN bounds
        (arrays only: a table row with no trials has no interval).

    Returns
    -------
    (low, high) : tuple of float, or tuple of numpy.ndarray
        Bounds of the interval (proportions in [0, 1]) with
        ``low <= successes / trials <= high``; floats for scalar input, float arrays of the
        broadcast shape otherwise.

    Raises
    ------
    ValueError
        ``confidence`` (or ``alpha``) is not strictly between 0 and 1, or both or neither
        are given.
    DataValidationError
        ``trials`` is not positive, or ``successes`` is outside ``[0, trials]`` or not
        finite; the message names the argument and shows example entries.

    Examples
    --------
    >>> low, high = wilson_interval(3, 10, 0.95)
    >>> round(low, 4), round(high, 4)
    (0.1078, 0.6032)
    >>> wilson_interval(10, 10, 0.95)[1]
    1.0
    >>> low, high = wilson_interval([0, 5], [5, 5], 0.9)
    >>> np.round(low, 4).tolist(), np.round(high, 4).tolist()
    ([0.0, 0.6489], [0.3511, 1.0])
    """
    if (confidence is None) == (alpha is None):
        raise ValueError("give exactly one of confidence and alpha")
    if alpha is None:
        alpha = 1 - _validate.confidence(confidence)
    else:
        alpha = _validate.confidence(alpha, name="alpha")
    if empty not in ("raise", "nan"):
        raise ValueError(f"empty must be 'raise' or 'nan', got {empty!r}")
    scalar = np.ndim(successes) == 0 and np.ndim(trials) == 0
    k, n = np.broadcast_arrays(_as_float(successes, "successes"), _as_float(trials, "trials"))
    has = n > 0
    if empty == "raise" or scalar:
        _check(~has, k, n, "trials must be positive")
    _check(has & ~((k >= 0) & (k <= n)), k, n, "successes must lie in [0, trials]")
    if scalar:  # statsmodels' scalar path: the same floats as a direct call
        lo, hi = proportion_confint(float(k), float(n), alpha=alpha, method="wilson")
        return _contain(np.float64(lo), np.float64(hi), float(k) / float(n))
    low = np.full(k.shape, np.nan)
    high = np.full(k.shape, np.nan)
    if has.any():
        lo, hi = proportion_confint(k[has], n[has], alpha=alpha, method="wilson")
        low[has], high[has] = _contain(lo, hi, k[has] / n[has])
    return low, high


def _contain(low: np.ndarray, high: np.ndarray, rate: np.ndarray) -> tuple:
    """Bounds widened to contain ``rate`` and kept inside [0, 1]."""
    low = np.clip(np.minimum(low, rate), 0.0, 1.0)
    high = np.clip(np.maximum(high, rate), 0.0, 1.0)
    if np.ndim(low) == 0:
        return float(low), float(high)
    return low, high


def _as_float(values: object, name: str) -> np.ndarray:
    """``values`` as a float array; DataValidationError naming ``name`` if not numeric."""
    try:
        out = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise DataValidationError(f"{name} must be numeric counts, got {values!r}") from error
    if not np.isfinite(out).all():
        bad = pd.DataFrame({name: out.ravel()[~np.isfinite(out.ravel())]})
        raise DataValidationError(
            f"{name} must be finite counts. Examples:\n" + format_examples(bad)
        )
    return out


def _check(bad: np.ndarray, k: np.ndarray, n: np.ndarray, problem: str) -> None:
    """Raise DataValidationError for the entries flagged ``bad``, showing examples."""
    if bad.any():
        shown = pd.DataFrame({"successes": k[bad], "trials": n[bad]})
        raise DataValidationError(
            f"{problem} ({int(bad.sum())} of {bad.size} entries are not). Examples:\n"
            + format_examples(shown)
        )
