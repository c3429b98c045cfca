"""Customer portfolio: value x loyalty, groups, concentration, KPIs and a strategy per group.

- :func:`value_loyalty_matrix`: Reinartz & Kumar's (2002) grid of true friends, butterflies,
  barnacles and strangers.
- :func:`portfolio_groups`: the course's four groups, profitable / loyal / potential / at-risk,
  from documented thresholds.
- Concentration: :func:`pareto_table`, :func:`lorenz_curve`, :func:`gini`.
- KPIs: :func:`retention_rate` and :func:`churn_rate` with Wilson intervals,
  :func:`cohort_retention`, :func:`cac_by_channel`, :func:`profit_per_customer`,
  :func:`profit_by_segment`.
- :func:`strategy_table`: the overridable strategy, KPIs and target for each group, with the
  Turkish group names of :mod:`portfolio_lib.glossary`.

Money is in the currency units of the input; ``margin`` is always an explicit argument
(a fraction of revenue, e.g. 0.3 for a 30 % gross margin).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from portfolio_lib import glossary
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib.rfm import _as_day, _check_numeric, _clean_transactions
from portfolio_lib.segmentation import _aligned_labels

__all__ = [
    "ValueLoyalty",
    "PortfolioGroups",
    "LorenzCurve",
    "RateEstimate",
    "CohortRetention",
    "QUADRANTS",
    "GROUPS",
    "value_loyalty_matrix",
    "portfolio_groups",
    "pareto_table",
    "lorenz_curve",
    "gini",
    "retention_rate",
    "churn_rate",
    "cohort_retention",
    "cac_by_channel",
    "profit_per_customer",
    "profit_by_segment",
    "default_strategies",
    "strategy_table",
    "KPI_LABELS",
    "kpi_dashboard",
]

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

#: The four portfolio groups, in priority order, with their glossary keys.
GROUPS: dict[str, str] = {
    "at_risk": "at_risk_customers",
    "profitable": "profitable_customers",
    "loyal": "loyal_customers",
    "potential": "potential_customers",
}


def _values(values: pd.Series | np.ndarray | Sequence[float], *, name: str) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    label = str(series.name) if series.name is not None else name
    if len(series) == 0:
        raise DataValidationError(f"{label} is empty")
    return _check_numeric(series.to_frame(label), label, name=name)


def _margin_times(
    revenue: pd.Series, margin: float | pd.Series, *, name: str = "margin"
) -> pd.Series:
    if isinstance(margin, pd.Series):
        missing = revenue.index.difference(margin.index)
        if len(missing):
            raise DataValidationError(
                f"{name} has no value for {len(missing)} customer(s), e.g. {list(missing[:5])}"
            )
        m = _check_numeric(margin.reindex(revenue.index).to_frame(name), name, name=name)
    else:
        if isinstance(margin, bool) or not isinstance(margin, int | float | np.number):
            raise ValueError(f"{name} must be a number (fraction of revenue), got {margin!r}")
        if not math.isfinite(margin):
            raise ValueError(f"{name} must be finite, got {margin!r}")
        m = float(margin)
    return revenue * m


# --------------------------------------------------------------------------------------------
# Value x loyalty and portfolio groups
# --------------------------------------------------------------------------------------------
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
    require_columns(table, [value_col, loyalty_col], name="table")
    if len(table) == 0:
        raise DataValidationError(f"table has no rows; column {value_col!r} is empty")
    revenue = _check_numeric(table, value_col, name="table")
    loyalty = _check_numeric(table, loyalty_col, name="table")
    value = revenue if margin is None else _margin_times(revenue, margin)
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
        out.insert(0, "group_tr", [glossary.turkish(GROUPS[g]) for g in out.index])
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
    require_columns(table, ["recency_days", "frequency", value_col], name="table")
    if len(table) == 0:
        raise DataValidationError("table has no rows; column 'frequency' is empty")
    if not 0 < profitable_quantile < 1:
        raise ValueError(f"profitable_quantile must be in (0, 1), got {profitable_quantile!r}")
    if not (at_risk_after_days >= 0 and math.isfinite(at_risk_after_days)):
        raise ValueError(f"at_risk_after_days must be >= 0 days, got {at_risk_after_days!r}")
    recency = _check_numeric(table, "recency_days", name="table")
    frequency = _check_numeric(table, "frequency", name="table")
    revenue = _check_numeric(table, value_col, name="table")
    value = revenue if margin is None else _margin_times(revenue, margin)
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
    out["group_en"] = out["group"].map({g: glossary.term(k).english for g, k in GROUPS.items()})
    out["group_tr"] = out["group"].map({g: glossary.turkish(k) for g, k in GROUPS.items()})
    thresholds = {
        "at_risk_after_days": float(at_risk_after_days),
        "profitable_min_value": min_value,
        "loyal_min_frequency": min_freq,
    }
    return PortfolioGroups(out, thresholds)


# --------------------------------------------------------------------------------------------
# Concentration
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RateEstimate:
    """A proportion with its confidence interval.

    Attributes
    ----------
    rate : float
        ``successes / trials``.
    low, high : float
        Confidence interval (Wilson score interval by default).
    successes, trials : int
        Counts behind the rate (e.g. retained customers and customers at the period start).
    confidence : float
    method : str
        The ``statsmodels.stats.proportion.proportion_confint`` method.
    """

    rate: float
    low: float
    high: float
    successes: int
    trials: int
    confidence: float
    method: str

    def summary(self) -> pd.DataFrame:
        """One-row DataFrame of the estimate."""
        return pd.DataFrame([self.__dict__])


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


def retention_rate(
    start_customers: int,
    new_customers: int,
    end_customers: int,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
) -> RateEstimate:
    """Retention rate ``(E - N) / S`` with a confidence interval.

    Parameters
    ----------
    start_customers : int
        S, customers at the start of the period.
    new_customers : int
        N, customers won during the period.
    end_customers : int
        E, customers at the end of the period.
    confidence : float
        Confidence level of the interval.
    method : str
        Interval method of ``statsmodels.stats.proportion.proportion_confint`` (default Wilson).

    Returns
    -------
    RateEstimate
        ``successes = E - N`` retained out of ``trials = S``.

    Examples
    --------
    >>> r = retention_rate(200, 40, 220)
    >>> round(r.rate, 2), round(r.low, 3), round(r.high, 3)
    (0.9, 0.851, 0.934)
    """
    s = _count(start_customers, "start_customers")
    n = _count(new_customers, "new_customers")
    e = _count(end_customers, "end_customers")
    if s == 0:
        raise ValueError("start_customers must be > 0 for a retention rate")
    retained = e - n
    if not 0 <= retained <= s:
        raise ValueError(
            "end_customers - new_customers (retained) must lie in 0..start_customers, "
            f"got {e} - {n} = {retained} for start_customers = {s}"
        )
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    low, high = proportion_confint(retained, s, alpha=1 - confidence, method=method)
    return RateEstimate(retained / s, float(low), float(high), retained, s, confidence, method)


def churn_rate(
    start_customers: int,
    new_customers: int,
    end_customers: int,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
) -> RateEstimate:
    """Churn rate ``1 - (E - N) / S``: the share of start customers lost during the period.

    Examples
    --------
    >>> round(churn_rate(200, 40, 220).rate, 2)
    0.1
    """
    kept = retention_rate(
        start_customers, new_customers, end_customers, confidence=confidence, method=method
    )
    lost = kept.trials - kept.successes
    low, high = proportion_confint(lost, kept.trials, alpha=1 - confidence, method=method)
    return RateEstimate(lost / kept.trials, float(low), float(high), lost, kept.trials,
                        confidence, method)  # fmt: skip


@dataclass(frozen=True)
class CohortRetention:
    """Cohort retention table.

    Attributes
    ----------
    counts : pandas.DataFrame
        Cohort (period of first purchase) x periods since first purchase (0, 1, ...): customers
        of the cohort with at least one purchase in that period; NaN where the period starts
        after the observation end (not yet observed).
    sizes : pandas.Series
        Customers per cohort.
    retention : pandas.DataFrame
        ``counts / sizes``: share of the cohort active in each period (period 0 is 1).
    unit : str
        ``"W"``, ``"M"`` or ``"Q"``.
    """

    counts: pd.DataFrame
    sizes: pd.Series
    retention: pd.DataFrame
    unit: str


def _period_number(days: pd.Series, unit: str) -> np.ndarray:
    if unit == "M":
        return (days.dt.year * 12 + days.dt.month - 1).to_numpy()
    if unit == "Q":
        return (days.dt.year * 4 + days.dt.quarter - 1).to_numpy()
    # weeks start on Monday: 1970-01-05 was a Monday
    return ((days - pd.Timestamp("1970-01-05")).dt.days // 7).to_numpy()


def _period_label(number: int, unit: str) -> str:
    if unit == "M":
        return f"{number // 12:04d}-{number % 12 + 1:02d}"
    if unit == "Q":
        return f"{number // 4:04d}Q{number % 4 + 1}"
    return str((pd.Timestamp("1970-01-05") + pd.Timedelta(weeks=int(number))).date())


def cohort_retention(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp | None = None,
    unit: Literal["W", "M", "Q"] = "M",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    is_return_col: str | None = "is_return",
) -> CohortRetention:
    """Share of each signup cohort that buys again in each later period.

    A customer's cohort is the calendar period (week starting Monday, month or quarter) of their
    first purchase; the customer is *active* in a period with at least one purchase (returns are
    not purchases, see :mod:`portfolio_lib.rfm`). Periods that start after ``observation_end``
    are NaN (unknown, not zero); the last observed period may be partial.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction log.
    observation_end : date-like, optional
        End of the data; default the last transaction date. Later rows raise.
    unit : {"W", "M", "Q"}
        Period length: weeks, calendar months ("by signup month") or quarters.
    customer_col, date_col, amount_col, is_return_col : str
        Column names.

    Returns
    -------
    CohortRetention

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-03", "2024-02-10", "2024-01-20",
    ...                                            "2024-02-01"]),
    ...                    "amount": [10.0, 12.0, 8.0, 5.0]})
    >>> cohort_retention(tx).retention.loc["2024-01"].tolist()
    [1.0, 0.5]
    """
    if unit not in ("W", "M", "Q"):
        raise ValueError(f"unit must be 'W', 'M' or 'Q', got {unit!r}")
    end = None if observation_end is None else _as_day(observation_end)
    tx = _clean_transactions(
        transactions,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        is_return_col=is_return_col,
        observation_end=end,
    )
    buys = tx.loc[~tx["is_return"]]
    if buys.empty:
        raise DataValidationError(f"transactions: column {amount_col!r} has no purchase rows")
    end = buys["day"].max() if end is None else end
    period = pd.Series(_period_number(buys["day"], unit), index=buys.index)
    cohort = period.groupby(buys["customer"]).transform("min")
    offset = period - cohort
    active = pd.DataFrame({"customer": buys["customer"], "cohort": cohort, "offset": offset})
    active = active.drop_duplicates()
    counts = active.pivot_table(
        index="cohort", columns="offset", values="customer", aggfunc="count", fill_value=0
    )
    last = int(_period_number(pd.Series([end]), unit)[0])
    width = last - int(counts.index.min()) + 1
    counts = counts.reindex(columns=range(width), fill_value=0).astype(float)
    horizon = last - counts.index.to_numpy()[:, None]
    counts = counts.where(np.arange(width)[None, :] <= horizon)
    sizes = active.loc[active["offset"] == 0].groupby("cohort")["customer"].nunique()
    labels = pd.Index([_period_label(int(c), unit) for c in counts.index], name="cohort")
    counts.index = labels
    sizes.index = labels
    counts.columns.name = f"periods since first purchase ({unit})"
    return CohortRetention(counts, sizes.rename("customers"), counts.div(sizes, axis=0), unit)


def cac_by_channel(
    customers: pd.DataFrame,
    *,
    channel_col: str = "acquisition_channel",
    cost_col: str | None = "acquisition_cost",
    spend: Mapping[str, float] | pd.Series | None = None,
    value: pd.Series | None = None,
    customer_col: str = "customer_id",
    if_missing: Literal["raise", "note"] = "raise",
) -> pd.DataFrame:
    """Customer acquisition cost per channel, optionally against customer value.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per acquired customer with the acquisition channel.
    channel_col : str
        Acquisition channel column.
    cost_col : str or None
        Acquisition cost per customer (currency units); summed per channel. Ignored when
        ``spend`` is given.
    spend : mapping or pandas.Series, optional
        Total acquisition spend per channel (currency units), e.g. from a marketing budget;
        CAC = spend / customers won. Every channel in ``customers`` needs a spend.
    value : pandas.Series, optional
        Value per customer (e.g. profit or CLV, currency units) indexed by customer id; adds
        ``value_per_customer`` and ``value_to_cac``. Every customer needs a value
        (use ``value.reindex(ids, fill_value=0)`` for customers without purchases).
    customer_col : str
        Customer id column used to align ``value``.
    if_missing : {"raise", "note"}
        When ``spend`` is None and ``customers`` has no ``cost_col`` (data without acquisition
        costs, e.g. CDNOW): ``"raise"`` a :class:`DataValidationError`, or keep the channel
        counts (and value), leave ``total_cost``, ``cac`` and ``value_to_cac`` NaN (unknown, not
        zero) and add a ``note`` column saying that the data set has no acquisition costs.

    Returns
    -------
    pandas.DataFrame
        Indexed by channel: ``n_customers``, ``total_cost``, ``cac`` (currency per customer) and,
        with ``value``, ``value_per_customer`` and ``value_to_cac``; plus ``note`` when costs
        were missing under ``if_missing="note"``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"acquisition_channel": ["search", "search", "social"],
    ...                   "acquisition_cost": [30.0, 50.0, 20.0]})
    >>> cac_by_channel(c)["cac"].to_dict()
    {'search': 40.0, 'social': 20.0}
    >>> bool(cac_by_channel(c.drop(columns="acquisition_cost"), if_missing="note")["cac"].isna().all())
    True
    """
    if if_missing not in ("raise", "note"):
        raise ValueError(f"if_missing must be 'raise' or 'note', got {if_missing!r}")
    require_columns(customers, [channel_col], name="customers")
    raise_for_rows(
        customers, customers[channel_col].isna(), column=channel_col, problem="must not be missing",
        name="customers",
    )  # fmt: skip
    channel = customers[channel_col].astype(str)
    n = channel.value_counts().sort_index()
    note = ""
    if spend is not None:
        spend = pd.Series(spend, dtype=float)
        missing = n.index.difference(spend.index)
        if len(missing):
            raise DataValidationError(
                f"spend has no amount for channel(s) {list(missing)} of column {channel_col!r}"
            )
        total = spend.reindex(n.index)
    else:
        if cost_col is None:
            raise ValueError("give cost_col or spend")
        if if_missing == "note" and cost_col not in customers.columns:
            note = (
                f"this data set has no acquisition costs (no {cost_col!r} column in customers): "
                "CAC is unknown"
            )
            total = pd.Series(np.nan, index=n.index)
        else:
            require_columns(customers, [cost_col], name="customers")
            total = _check_numeric(customers, cost_col, name="customers").groupby(channel).sum()
    out = pd.DataFrame({"n_customers": n, "total_cost": total})
    out["cac"] = out["total_cost"] / out["n_customers"]
    if value is not None:
        require_columns(customers, [customer_col], name="customers")
        ids = customers[customer_col]
        missing_ids = pd.Index(ids).difference(value.index)
        if len(missing_ids):
            raise DataValidationError(
                f"value has no entry for {len(missing_ids)} customer(s) of column "
                f"{customer_col!r}, e.g. {list(missing_ids[:5])}"
            )
        per = pd.Series(value.reindex(ids).to_numpy(dtype=float), index=customers.index)
        out["value_per_customer"] = per.groupby(channel).mean()
        out["value_to_cac"] = out["value_per_customer"] / out["cac"]
    if note:
        out["note"] = note
    out.index.name = channel_col
    return out


def profit_per_customer(
    table: pd.DataFrame,
    *,
    margin: float | pd.Series,
    revenue_col: str = "monetary_total",
    costs: pd.Series | None = None,
) -> pd.Series:
    """Profit per customer: ``margin * revenue - costs`` (currency units).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer with ``revenue_col`` (net revenue, currency units).
    margin : float or pandas.Series
        Gross margin as a fraction of revenue (e.g. 0.3), or one per customer.
    revenue_col : str
        Revenue column.
    costs : pandas.Series, optional
        Customer-specific costs (acquisition, service), indexed like ``table``; subtracted.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"monetary_total": [100.0, 50.0]}, index=["a", "b"])
    >>> profit_per_customer(t, margin=0.3, costs=pd.Series({"a": 10.0, "b": 20.0})).tolist()
    [20.0, -5.0]
    """
    require_columns(table, [revenue_col], name="table")
    profit = _margin_times(_check_numeric(table, revenue_col, name="table"), margin)
    if costs is not None:
        missing = table.index.difference(costs.index)
        if len(missing):
            raise DataValidationError(
                f"costs has no entry for {len(missing)} customer(s), e.g. {list(missing[:5])}"
            )
        profit = profit - _check_numeric(costs.reindex(table.index).to_frame("costs"), "costs",
                                         name="costs")  # fmt: skip
    return profit.rename("profit")


def profit_by_segment(
    table: pd.DataFrame,
    labels: pd.Series | np.ndarray,
    *,
    margin: float | pd.Series,
    revenue_col: str = "monetary_total",
    costs: pd.Series | None = None,
) -> pd.DataFrame:
    """Revenue and profit per segment (currency units).

    Returns
    -------
    pandas.DataFrame
        Per segment: ``n_customers``, ``revenue``, ``profit``, ``profit_per_customer`` and
        ``share_profit`` (of the total profit).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"monetary_total": [100.0, 50.0, 10.0]})
    >>> profit_by_segment(t, ["x", "x", "y"], margin=0.5)["profit"].tolist()
    [75.0, 5.0]
    """
    profit = profit_per_customer(table, margin=margin, revenue_col=revenue_col, costs=costs)
    seg = _aligned_labels(labels, table.index, name="table")
    grouped = pd.DataFrame({"revenue": table[revenue_col].astype(float), "profit": profit}).groupby(
        seg, observed=True
    )
    out = grouped.sum()
    out.insert(0, "n_customers", grouped.size())
    out["profit_per_customer"] = out["profit"] / out["n_customers"]
    total = float(profit.sum())
    out["share_profit"] = out["profit"] / total if total else np.nan
    out.index.name = "segment"
    return out


# --------------------------------------------------------------------------------------------
# Strategy
# --------------------------------------------------------------------------------------------
_STRATEGIES = {
    "profitable": (
        "Loyalty & reward programme",
        "Sadakat ve ödül programı",
        "tiered rewards and points, VIP service, early access, a personal contact",
        "retention rate; share of revenue; profit per customer",
        "keep retention >= 90 % a year and profit per customer at least stable",
    ),
    "loyal": (
        "Discounts & offers (raise margin)",
        "İndirim ve kampanya teklifleri",
        "bundles and volume offers, cross-sell higher-margin items, serve via low-cost channels",
        "average order value; margin per customer; purchase frequency",
        "+10 % average order value within two quarters",
    ),
    "potential": (
        "Nurture",
        "Geliştirme (besleme)",
        "onboarding series, personal recommendations, a second-purchase incentive",
        "second-purchase rate; share moving to loyal or profitable; CAC payback",
        "30 % make a repeat purchase within 90 days",
    ),
    "at_risk": (
        "Win-back",
        glossary.turkish("win_back"),
        "personal win-back offer, ask why (survey), resolve open complaints",
        "reactivation rate; churn rate; win-back campaign return on spend",
        "reactivate 15 % within 60 days at a cost below their expected profit",
    ),
}
_STRATEGY_COLUMNS = ["strategy", "strategy_tr", "actions", "kpis", "target"]


def default_strategies() -> pd.DataFrame:
    """The default strategy per portfolio group, as an editable DataFrame.

    Rows ``profitable``, ``loyal``, ``potential``, ``at_risk`` (index ``group``); columns
    ``group_en``, ``group_tr`` (from :mod:`portfolio_lib.glossary`), ``strategy``,
    ``strategy_tr``, ``actions``, ``kpis`` and ``target``. The targets are illustrative
    starting points for a discussion, to be set by management:

    - profitable (kârlı): loyalty & reward programmes - keep the most valuable;
    - loyal (sadık, frequent but lower margin): discounts/offers that raise basket value;
    - potential (potansiyel): nurture towards a second purchase;
    - at_risk (risk altında, those leaving): win-back.

    Examples
    --------
    >>> default_strategies().loc["at_risk", "strategy"]
    'Win-back'
    """
    rows = [
        {
            "group": group,
            "group_en": glossary.term(GROUPS[group]).english,
            "group_tr": glossary.turkish(GROUPS[group]),
            **dict(zip(_STRATEGY_COLUMNS, _STRATEGIES[group], strict=True)),
        }
        for group in ("profitable", "loyal", "potential", "at_risk")
    ]
    return pd.DataFrame(rows).set_index("group")


def strategy_table(
    groups: PortfolioGroups | None = None,
    *,
    strategies: pd.DataFrame | Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Strategy, KPIs and target per group, with the group's size and value when given.

    Parameters
    ----------
    groups : PortfolioGroups, optional
        Adds ``n_customers``, ``share_customers`` and ``share_value`` per group.
    strategies : pandas.DataFrame or mapping, optional
        Overrides of :func:`default_strategies`, by group (index or mapping key) and column;
        cells not given keep their default. Unknown groups or columns raise ``ValueError``.

    Examples
    --------
    >>> t = strategy_table(strategies={"loyal": {"target": "+5 % basket"}})
    >>> t.loc["loyal", "target"], t.loc["loyal", "group_tr"]
    ('+5 % basket', 'Sadık müşteriler')
    """
    table = default_strategies()
    if strategies is not None:
        override = (
            strategies.copy()
            if isinstance(strategies, pd.DataFrame)
            else pd.DataFrame.from_dict(dict(strategies), orient="index")
        )
        if "group" in override.columns:
            override = override.set_index("group")
        bad_groups = override.index.difference(table.index)
        bad_columns = override.columns.difference(table.columns)
        if len(bad_groups) or len(bad_columns):
            raise ValueError(
                f"strategies: unknown group(s) {list(bad_groups)} or column(s) "
                f"{list(bad_columns)}; groups are {list(table.index)}, columns {list(table.columns)}"
            )
        for group, row in override.iterrows():
            for column, cell in row.items():
                if pd.notna(cell):
                    table.loc[group, column] = cell
    if groups is not None:
        summary = groups.summary()
        for column in ("n_customers", "share_customers", "share_value"):
            table[column] = summary[column].reindex(table.index)
    return table


# --------------------------------------------------------------------------------------------
# KPI dashboard per segment
# --------------------------------------------------------------------------------------------
#: The KPI columns of :func:`kpi_dashboard` that :func:`~portfolio_lib.plotting.portfolio.
#: plot_kpi_dashboard` draws, with their labels.
KPI_LABELS: dict[str, str] = {
    "retention_rate": "retention (share buying in the window after as_of)",
    "churn_rate": "churn (1 - retention)",
    "clv_mean": "mean CLV (currency)",
    "cac_mean": "mean CAC (currency)",
    "nps": "NPS (points, recent answers)",
    "profit_per_customer": "profit per customer (currency)",
}


def _crm_table(data: object, name: str) -> pd.DataFrame | None:
    """``data.<name>`` (a CRMData-like object) or ``data[name]`` (a mapping), else None."""
    if isinstance(data, Mapping):
        return data.get(name)
    return getattr(data, name, None)


def kpi_dashboard(
    data: object,
    segments: pd.Series,
    *,
    margin: float,
    clv: pd.Series | None = None,
    churn_probability: pd.Series | None = None,
    window_days: int = 180,
    as_of: str | pd.Timestamp | None = None,
    observation_end: str | pd.Timestamp | None = None,
    strategies: pd.DataFrame | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The portfolio KPIs per segment in one table (with the strategy, when segments are groups).

    Retention needs care: a segment defined on recent purchases (e.g. at-risk = no purchase for
    180 days) trivially "retains" nobody in that same window. So retention is measured
    *forward* from the day the segments were assigned, ``as_of``: of the segment's customers
    (who had bought by then), the share who buy in ``(as_of, as_of + window_days]``. Assign the
    segments on the data up to ``as_of`` (default ``observation_end - window_days``); for
    today's segments, pass a churn model's probabilities as ``churn_probability`` instead.

    Parameters
    ----------
    data : CRMData or mapping of table name -> DataFrame
        Needs ``transactions`` (``customer_id``, ``date``, ``amount``, optional
        ``is_return``); uses ``customers`` (``customer_id``, ``acquisition_cost``) for CAC and
        ``surveys`` (``customer_id``, ``date``, ``nps``) for NPS when present.
    segments : pandas.Series
        Segment per customer (index customer id), e.g. ``portfolio_groups(...).table["group"]``
        or RFM segments. Only these customers are counted.
    margin : float
        Gross margin as a fraction of revenue.
    clv : pandas.Series, optional
        CLV per customer (currency units); adds ``clv_mean``. Customers without one raise.
    churn_probability : pandas.Series, optional
        Predicted churn probability per customer (e.g. ``ChurnBoosting.predict_proba``);
        adds ``expected_churn`` (mean per segment).
    window_days : int
        Length of the retention window and of the NPS window (the last ``window_days`` days).
    as_of : date-like, optional
        Day the segments were assigned; default ``observation_end - window_days``. The
        retention window after it must end by ``observation_end``.
    observation_end : date-like, optional
        Last day of the data; default the last transaction date.
    strategies : pandas.DataFrame, optional
        Strategy per segment (index = segment labels) with columns ``strategy`` and
        ``target``; default :func:`strategy_table` when the segments are the portfolio groups
        (at_risk, profitable, loyal, potential), otherwise none.
    confidence : float
        Level of the Wilson (retention, churn) and Wald (NPS) intervals.

    Returns
    -------
    pandas.DataFrame
        One row per segment (index ``segment``, portfolio groups in their priority order):
        ``n_customers``, ``retention_base`` (customers who had bought by ``as_of``),
        ``retention_rate``, ``retention_ci_low``, ``retention_ci_high``, ``churn_rate``,
        ``churn_ci_low``, ``churn_ci_high``, ``expected_churn``, ``clv_mean``, ``cac_mean``,
        ``nps``, ``nps_ci_low``, ``nps_ci_high``, ``nps_responses``,
        ``revenue_per_customer`` (net, up to ``observation_end``), ``profit_per_customer``
        (``margin x`` net revenue minus acquisition cost, currency units) and, with
        strategies, ``strategy`` and ``target``. KPIs the data cannot give are NaN.
        ``attrs`` holds ``as_of``, ``observation_end`` and ``window_days``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 20.0, 5.0],
    ...     "date": pd.to_datetime(["2024-01-10", "2024-04-10", "2024-01-20"])})
    >>> kpis = kpi_dashboard({"transactions": tx}, pd.Series({"a": "x", "b": "x"}), margin=0.5,
    ...                      window_days=90, observation_end="2024-06-28")
    >>> kpis.loc["x", ["retention_rate", "profit_per_customer"]].tolist()
    [0.5, 8.75]
    """
    if isinstance(margin, bool) or not isinstance(margin, int | float | np.number):
        raise ValueError(f"margin must be a number (fraction of revenue), got {margin!r}")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ValueError(f"window_days must be a whole number of days >= 1, got {window_days!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    transactions = _crm_table(data, "transactions")
    if transactions is None:
        raise DataValidationError("data has no 'transactions' table")
    if not isinstance(segments, pd.Series) or segments.empty:
        raise DataValidationError("segments must be a non-empty Series indexed by customer id")
    raise_for_rows(
        segments.to_frame("segment"), segments.isna(), column="segment",
        problem="must not be missing", name="segments",
    )  # fmt: skip
    end = None if observation_end is None else _as_day(observation_end)
    tx = _clean_transactions(
        transactions, customer_col="customer_id", date_col="date", amount_col="amount",
        is_return_col="is_return", observation_end=end,
    )  # fmt: skip
    end = tx["day"].max() if end is None else end
    span = pd.Timedelta(days=window_days)
    start = end - span if as_of is None else _as_day(as_of, what="as_of")
    if start + span > end:
        raise DataValidationError(
            f"transactions: column 'date' ends on {end.date()}, before the retention window "
            f"{start.date()} + {window_days} days is over (choose an earlier as_of)"
        )
    ids = segments.index
    seg = pd.Series(segments.to_numpy(), index=ids, name="segment")
    per_customer = {
        "clv": _aligned_values(clv, ids, "clv"),
        "churn_probability": _aligned_values(churn_probability, ids, "churn_probability"),
    }
    # net revenue and profit per customer
    revenue = tx.groupby("customer")["amount"].sum().reindex(ids, fill_value=0.0)
    customers = _crm_table(data, "customers")
    cost = pd.Series(np.nan, index=ids)
    if customers is not None and "acquisition_cost" in customers.columns:
        require_columns(customers, ["customer_id"], name="customers")
        known = _check_numeric(customers, "acquisition_cost", name="customers")
        cost = pd.Series(known.to_numpy(), index=customers["customer_id"]).reindex(ids)
    profit = float(margin) * revenue - cost.fillna(0.0)
    # forward retention after as_of
    buys = tx.loc[~tx["is_return"]]
    first = buys.groupby("customer")["day"].min().reindex(ids)
    in_base = (first <= start).to_numpy()
    window = buys.loc[(buys["day"] > start) & (buys["day"] <= start + span), "customer"]
    stayed = ids.isin(window.unique())
    answers = _recent_nps(_crm_table(data, "surveys"), seg, end - span, end)
    from portfolio_lib.satisfaction import nps_from_counts

    alpha = 1 - confidence
    rows = {}
    for label in pd.unique(seg):
        mask = (seg == label).to_numpy()
        base = int(in_base[mask].sum())
        kept = int((in_base & stayed)[mask].sum())
        row: dict[str, object] = {"n_customers": int(mask.sum()), "retention_base": base}
        row.update({f"{k}_{s}": np.nan for k in ("retention", "churn")
                    for s in ("rate", "ci_low", "ci_high")})  # fmt: skip
        if base:
            low, high = proportion_confint(kept, base, alpha=alpha, method="wilson")
            row.update(retention_rate=kept / base, retention_ci_low=float(low),
                       retention_ci_high=float(high), churn_rate=1 - kept / base,
                       churn_ci_low=1 - float(high), churn_ci_high=1 - float(low))  # fmt: skip
        for key, column in (("churn_probability", "expected_churn"), ("clv", "clv_mean")):
            values = per_customer[key]
            row[column] = float(values[mask].mean()) if values is not None else np.nan
        row["cac_mean"] = float(cost[mask].mean()) if cost[mask].notna().any() else np.nan
        row.update(nps=np.nan, nps_ci_low=np.nan, nps_ci_high=np.nan, nps_responses=0)
        if answers is not None:
            s = answers.loc[answers["segment"] == label, "score"]
            if len(s):
                result = nps_from_counts(int((s >= 9).sum()), int(((s >= 7) & (s < 9)).sum()),
                                         int((s <= 6).sum()), confidence=confidence)  # fmt: skip
                row.update(nps=result.nps, nps_ci_low=result.ci_low, nps_ci_high=result.ci_high,
                           nps_responses=result.n)  # fmt: skip
        row["revenue_per_customer"] = float(revenue[mask].mean())
        row["profit_per_customer"] = float(profit[mask].mean())
        rows[label] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    order = [g for g in GROUPS if g in table.index]
    table = table.loc[order + sorted((i for i in table.index if i not in order), key=str)]
    table.index.name = "segment"
    if strategies is None and set(table.index) <= set(GROUPS):
        strategies = strategy_table()
    if strategies is not None:
        require_columns(strategies, ["strategy", "target"], name="strategies")
        table["strategy"] = strategies["strategy"].reindex(table.index)
        table["target"] = strategies["target"].reindex(table.index)
    table.attrs = {"as_of": start, "observation_end": end, "window_days": window_days}
    return table


def _aligned_values(values: pd.Series | None, ids: pd.Index, name: str) -> pd.Series | None:
    if values is None:
        return None
    if not isinstance(values, pd.Series):
        raise DataValidationError(f"{name} must be a Series indexed by customer id")
    missing = ids.difference(values.index)
    if len(missing):
        raise DataValidationError(
            f"{name} has no value for {len(missing)} customer(s), e.g. {list(missing[:5])}"
        )
    return _check_numeric(values.reindex(ids).to_frame(name), name, name=name)


def _recent_nps(
    surveys: pd.DataFrame | None, seg: pd.Series, after: pd.Timestamp, until: pd.Timestamp
) -> pd.DataFrame | None:
    """Survey answers in ``(after, until]`` of the segmented customers: ``segment``, ``score``."""
    if surveys is None:
        return None
    require_columns(surveys, ["customer_id", "date", "nps"], name="surveys")
    score = pd.to_numeric(surveys["nps"], errors="coerce")
    raise_for_rows(
        surveys, score.isna() | (score < 0) | (score > 10), column="nps",
        problem="must be numbers 0-10", name="surveys",
    )  # fmt: skip
    recent = (surveys["date"] > after) & (surveys["date"] <= until)
    answers = pd.DataFrame(
        {"segment": surveys.loc[recent, "customer_id"].map(seg), "score": score[recent]}
    )
    return answers.dropna(subset=["segment"])
