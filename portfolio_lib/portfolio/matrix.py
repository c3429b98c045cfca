"""Reinartz & Kumar's (2002) value x loyalty matrix.

True friends, butterflies, barnacles and strangers: :func:`value_loyalty_matrix`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib.portfolio._common import customer_table, margin_times

#: Reinartz & Kumar quadrants: (high value, high loyalty) -> (English, Turkish, strategy).
QUADRANTS: dict[tuple[bool, bool], tuple[str, str, str]] = {
    (True, True): (
        "True friends",
        "Gerçek dostlar",
        "build the relationship: consistent, not too frequent contact; reward loyalty",
    ),
    (True, False): (
        "Butterflies",
        "Kelebekler",
        "enjoy them while they last: harvest transactions, stop investing once they stop buying",
    ),
    (False, True): (
        "Barnacles",
        "Yapışkanlar",
        "size their wallet: up-/cross-sell if it is large, otherwise serve at low cost",
    ),
    (False, False): (
        "Strangers",
        "Yabancılar",
        "no relationship investment: make a profit on every transaction",
    ),
}


@dataclass(frozen=True)
class ValueLoyalty:
    """Reinartz & Kumar value x loyalty matrix.

    Attributes
    ----------
    table : pandas.DataFrame
        Per customer: ``value``, ``loyalty``, ``high_value``, ``high_loyalty`` (bool),
        ``quadrant`` (English) and ``quadrant_tr`` (Turkish).
    value_threshold, loyalty_threshold : float
        A customer is *high* on a dimension when strictly above its threshold.
    value_label, loyalty_label : str
        What the axes hold (for plots), e.g. ``"profit (margin 0.3 x monetary_total)"``.
    """

    table: pd.DataFrame
    value_threshold: float
    loyalty_threshold: float
    value_label: str
    loyalty_label: str

    def summary(self) -> pd.DataFrame:
        """Per quadrant: customers, shares of customers and value, means, and the strategy."""
        rows = []
        total = float(self.table["value"].sum())
        for (high_v, high_l), (name, name_tr, strategy) in QUADRANTS.items():
            part = self.table[
                (self.table["high_value"] == high_v) & (self.table["high_loyalty"] == high_l)
            ]
            rows.append(
                {
                    "quadrant": name,
                    "quadrant_tr": name_tr,
                    "n_customers": len(part),
                    "share_customers": len(part) / len(self.table),
                    "value": float(part["value"].sum()),
                    "share_value": float(part["value"].sum()) / total if total else np.nan,
                    "mean_value": float(part["value"].mean()) if len(part) else np.nan,
                    "mean_loyalty": float(part["loyalty"].mean()) if len(part) else np.nan,
                    "strategy": strategy,
                }
            )
        return pd.DataFrame(rows).set_index("quadrant")


def value_loyalty_matrix(
    table: pd.DataFrame,
    *,
    value_col: str = "monetary_total",
    loyalty_col: str = "frequency",
    margin: float | pd.Series | None = None,
    value_threshold: float | None = None,
    loyalty_threshold: float | None = None,
) -> ValueLoyalty:
    """Place customers in Reinartz & Kumar's (2002) value x loyalty grid.

    True friends (high value, high loyalty), butterflies (high value, low loyalty), barnacles
    (low value, high loyalty), strangers (low value, low loyalty).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer, e.g. :func:`portfolio_lib.rfm.rfm_table`.
    value_col : str
        Revenue per customer (currency units).
    loyalty_col : str
        Loyalty measure: default ``frequency`` (purchase occasions); ``active_days`` (length of the
        observed relationship, R&K's duration) or a model's P(alive) also work.
    margin : float or pandas.Series, optional
        If given, value is profit = ``margin * value_col`` (fraction of revenue, per customer
        if a Series).
    value_threshold, loyalty_threshold : float, optional
        Cut points; default the medians. *High* means strictly above the cut point, so
        customers at the median are low (with ``frequency`` on data where most customers bought
        once, high loyalty then means "bought more than once").

    Returns
    -------
    ValueLoyalty

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"monetary_total": [500.0, 400.0, 20.0, 10.0],
    ...                   "frequency": [9, 1, 8, 1]}, index=list("abcd"))
    >>> value_loyalty_matrix(t).table["quadrant"].tolist()
    ['True friends', 'Butterflies', 'Barnacles', 'Strangers']
    """
    customer_table(table, [value_col, loyalty_col])
    revenue = _validate.numeric(table, value_col, name="table")
    loyalty = _validate.numeric(table, loyalty_col, name="table")
    value = revenue if margin is None else margin_times(revenue, margin)
    v_cut = float(value.median()) if value_threshold is None else float(value_threshold)
    l_cut = float(loyalty.median()) if loyalty_threshold is None else float(loyalty_threshold)
    if not (math.isfinite(v_cut) and math.isfinite(l_cut)):
        raise ValueError("value_threshold and loyalty_threshold must be finite numbers")
    high_v, high_l = value > v_cut, loyalty > l_cut
    names = [QUADRANTS[(bool(v), bool(lo))] for v, lo in zip(high_v, high_l, strict=True)]
    out = pd.DataFrame(
        {
            "value": value,
            "loyalty": loyalty,
            "high_value": high_v,
            "high_loyalty": high_l,
            "quadrant": [n[0] for n in names],
            "quadrant_tr": [n[1] for n in names],
        },
        index=table.index,
    )
    value_label = value_col if margin is None else f"profit (margin x {value_col})"
    return ValueLoyalty(out, v_cut, l_cut, value_label, loyalty_col)
