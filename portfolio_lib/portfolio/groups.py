"""The course's four portfolio groups: profitable / loyal / potential / at-risk.

:func:`portfolio_groups` assigns each customer to one group from documented thresholds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib import _terms, _validate
from portfolio_lib.portfolio._common import customer_table, margin_times

#: The four portfolio groups, in priority order, with their glossary keys.
GROUPS: dict[str, str] = {
    "at_risk": "at_risk_customers",
    "profitable": "profitable_customers",
    "loyal": "loyal_customers",
    "potential": "potential_customers",
}


@dataclass(frozen=True)
class PortfolioGroups:
    """The four portfolio groups and the thresholds that defined them.

    Attributes
    ----------
    table : pandas.DataFrame
        Per customer: ``value`` (profit if a margin was given), ``frequency``, ``recency_days``,
        ``group`` (``at_risk``, ``profitable``, ``loyal``, ``potential``), ``group_en`` and
        ``group_tr`` (English and Turkish names).
    thresholds : dict
        ``at_risk_after_days`` (days), ``profitable_min_value`` (currency units),
        ``loyal_min_frequency`` (purchase occasions).
    """

    table: pd.DataFrame
    thresholds: dict[str, float]

    def summary(self) -> pd.DataFrame:
        """Per group: customers, shares of customers and value, mean value/frequency/recency."""
        t = self.table
        total = float(t["value"].sum())
        grouped = t.groupby("group", sort=False)
        out = pd.DataFrame(
            {
                "n_customers": grouped.size(),
                "value": grouped["value"].sum(),
                "mean_value": grouped["value"].mean(),
                "mean_frequency": grouped["frequency"].mean(),
                "mean_recency_days": grouped["recency_days"].mean(),
            }
        ).reindex(list(GROUPS))
        out["n_customers"] = out["n_customers"].fillna(0).astype("int64")
        out["value"] = out["value"].fillna(0.0)
        out.insert(1, "share_customers", out["n_customers"] / len(t))
        out.insert(3, "share_value", out["value"] / total if total else np.nan)
        out.insert(0, "group_tr", [_terms.turkish(GROUPS[g]) for g in out.index])
        out.index.name = "group"
        return out


def portfolio_groups(
    table: pd.DataFrame,
    *,
    margin: float | pd.Series | None = None,
    value_col: str = "monetary_total",
    at_risk_after_days: float = 180.0,
    profitable_quantile: float = 0.8,
    loyal_min_frequency: float | None = None,
) -> PortfolioGroups:
    """Sort customers into profitable / loyal / potential / at-risk.

    Rules, applied in this order (first match wins, so each customer gets one group):

    1. **at_risk** (risk altında): no purchase for more than ``at_risk_after_days`` days
       (``recency_days > at_risk_after_days``) - those leaving, whatever they were worth;
    2. **profitable** (kârlı): value at or above the ``profitable_quantile`` quantile of value
       (default: the top 20 %);
    3. **loyal** (sadık): ``frequency >= loyal_min_frequency`` purchase occasions; default: more
       than the median frequency (frequent buyers who are not among the most valuable, i.e.
       lower margin);
    4. **potential** (potansiyel): everyone else - active, not (yet) valuable or frequent.

    Parameters
    ----------
    table : pandas.DataFrame
        RFM table with ``recency_days``, ``frequency`` and ``value_col``.
    margin : float or pandas.Series, optional
        Value becomes profit = ``margin * value_col``.
    value_col : str
        Revenue per customer (currency units).
    at_risk_after_days : float
        Days without purchase after which a customer counts as at risk.
    profitable_quantile : float
        Quantile of value (0 < q < 1) from which a customer counts as profitable.
    loyal_min_frequency : float, optional
        Minimum purchase occasions for *loyal*; default ``floor(median) + 1``.

    Returns
    -------
    PortfolioGroups

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"recency_days": [400, 5, 10, 3, 20],
    ...                   "frequency": [9, 2, 6, 1, 1],
    ...                   "monetary_total": [800.0, 900.0, 90.0, 30.0, 20.0]})
    >>> portfolio_groups(t).table["group"].tolist()
    ['at_risk', 'profitable', 'loyal', 'potential', 'potential']
    """
    customer_table(table, ["frequency", "recency_days", value_col])
    if not 0 < profitable_quantile < 1:
        raise ValueError(f"profitable_quantile must be in (0, 1), got {profitable_quantile!r}")
    if not (at_risk_after_days >= 0 and math.isfinite(at_risk_after_days)):
        raise ValueError(f"at_risk_after_days must be >= 0 days, got {at_risk_after_days!r}")
    recency = _validate.numeric(table, "recency_days", name="table")
    frequency = _validate.numeric(table, "frequency", name="table")
    revenue = _validate.numeric(table, value_col, name="table")
    value = revenue if margin is None else margin_times(revenue, margin)
    min_value = float(np.quantile(value, profitable_quantile))
    min_freq = (
        float(math.floor(frequency.median()) + 1)
        if loyal_min_frequency is None
        else float(loyal_min_frequency)
    )
    group = np.select(
        [recency > at_risk_after_days, value >= min_value, frequency >= min_freq],
        ["at_risk", "profitable", "loyal"],
        default="potential",
    )
    out = pd.DataFrame(
        {"value": value, "frequency": frequency, "recency_days": recency, "group": group},
        index=table.index,
    )
    out["group_en"] = out["group"].map({g: _terms.term(k).english for g, k in GROUPS.items()})
    out["group_tr"] = out["group"].map({g: _terms.turkish(k) for g, k in GROUPS.items()})
    thresholds = {
        "at_risk_after_days": float(at_risk_after_days),
        "profitable_min_value": min_value,
        "loyal_min_frequency": min_freq,
    }
    return PortfolioGroups(out, thresholds)
