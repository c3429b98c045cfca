"""How concentrated value is: :func:`pareto_table`, :func:`lorenz_curve`, :func:`gini`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows


def _values(values: pd.Series | np.ndarray | Sequence[float], *, name: str) -> pd.Series:
    checked = _validate.one_dimensional(values, name=name)
    series = checked if isinstance(checked, pd.Series) else pd.Series(checked)
    label = str(series.name) if series.name is not None else name
    if len(series) == 0:
        raise DataValidationError(f"{label} is empty")
    return _validate.numeric(series.to_frame(label), label, name=name)


def pareto_table(
    values: pd.Series | np.ndarray | Sequence[float],
    shares: Sequence[float] = (0.01, 0.05, 0.1, 0.2, 0.5, 1.0),
) -> pd.DataFrame:
    """How much of the total the top x % of customers hold ("80/20").

    Parameters
    ----------
    values : pandas.Series or array
        Revenue or profit per customer (currency units). Negative profits are allowed: the
        cumulative share can then exceed 1 before falling back (the "whale curve").
    shares : sequence of float
        Top shares of customers, each in (0, 1]. The top ``x`` share is the ``ceil(x * n)``
        customers with the largest values.

    Returns
    -------
    pandas.DataFrame
        One row per share: ``top_share``, ``n_customers``, ``value`` and ``value_share``.

    Examples
    --------
    >>> pareto_table([50.0, 30.0, 10.0, 5.0, 5.0], shares=[0.2, 1.0])["value_share"].tolist()
    [0.5, 1.0]
    """
    series = _values(values, name="values")
    total = float(series.sum())
    if total == 0:
        raise DataValidationError(f"{series.name}: values sum to 0, shares are undefined")
    ordered = np.sort(series.to_numpy())[::-1]
    cumulative = np.cumsum(ordered)
    rows = []
    for share in shares:
        if not 0 < share <= 1:
            raise ValueError(f"shares must lie in (0, 1], got {share!r}")
        n = max(1, math.ceil(share * len(ordered) - 1e-9))
        rows.append(
            {
                "top_share": float(share),
                "n_customers": n,
                "value": float(cumulative[n - 1]),
                "value_share": float(cumulative[n - 1] / total),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class LorenzCurve:
    """Lorenz curve of values across customers, poorest first.

    Attributes
    ----------
    population_share : numpy.ndarray
        ``0, 1/n, ..., 1``: cumulative share of customers (sorted by ascending value).
    value_share : numpy.ndarray
        Cumulative share of the total value held by them (``0 ... 1``).
    gini : float
        Gini coefficient, 1 - 2 x (area under the curve); 0 = equal, towards 1 = concentrated.
    """

    population_share: np.ndarray
    value_share: np.ndarray
    gini: float


def _nonnegative(values: pd.Series | np.ndarray | Sequence[float]) -> np.ndarray:
    series = _values(values, name="values")
    raise_for_rows(
        series.to_frame(series.name),
        (series < 0).to_numpy(),
        column=str(series.name),
        problem="must be >= 0 for a Lorenz curve/Gini (use revenue, or clip losses explicitly)",
        name="values",
    )
    x = np.sort(series.to_numpy())
    if x.sum() <= 0:
        raise DataValidationError(f"{series.name}: values sum to 0, the Lorenz curve is undefined")
    return x


def lorenz_curve(values: pd.Series | np.ndarray | Sequence[float]) -> LorenzCurve:
    """Lorenz curve and Gini coefficient of non-negative values (e.g. revenue per customer).

    Examples
    --------
    >>> curve = lorenz_curve([1.0, 1.0, 1.0, 1.0])
    >>> curve.value_share.tolist(), curve.gini
    ([0.0, 0.25, 0.5, 0.75, 1.0], 0.0)
    """
    x = _nonnegative(values)
    n = len(x)
    share = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    population = np.arange(n + 1) / n
    area = float(np.sum((share[1:] + share[:-1]) / 2) / n)
    return LorenzCurve(population, share, max(0.0, 1.0 - 2.0 * area))


def gini(values: pd.Series | np.ndarray | Sequence[float]) -> float:
    """Gini coefficient of non-negative values (population form, 0 <= G <= (n - 1) / n).

    Examples
    --------
    >>> gini([0.0, 0.0, 0.0, 10.0])
    0.75
    """
    return lorenz_curve(values).gini
