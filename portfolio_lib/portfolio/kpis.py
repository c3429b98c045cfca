"""Portfolio KPIs.

- :func:`retention_rate` and :func:`churn_rate` with Wilson intervals;
- :func:`cohort_retention`;
- :func:`cac_by_channel`, :func:`profit_per_customer`, :func:`profit_by_segment`;
- one definition per KPI: :func:`gross_profit_per_customer` (margin on net revenue) and
  :func:`net_profit_per_customer` (the same minus the acquisition cost) are two names, and
  :func:`retention_over` converts a retention rate between periods (a 90 % annual target is
  a 180-day rate of ``0.9 ** (180/365)``) so a target is compared on the measured period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib._intervals import wilson_interval
from portfolio_lib.portfolio._cohorts import cohort_grid, period_numbers
from portfolio_lib.portfolio._common import customer_table, margin_times, per_customer


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
    confidence = _validate.confidence(confidence)
    low, high = _rate_interval(retained, s, confidence, method)
    return RateEstimate(retained / s, float(low), float(high), retained, s, confidence, method)


def _rate_interval(k: int, n: int, confidence: float, method: str) -> tuple[float, float]:
    """The interval of ``k / n``: the package's one Wilson interval (it contains the rate, also
    at k = 0 or k = n) for ``"wilson"``, statsmodels' ``proportion_confint`` for other methods."""
    if method == "wilson":
        return wilson_interval(k, n, confidence)
    low, high = proportion_confint(k, n, alpha=1 - confidence, method=method)
    return float(low), float(high)


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
    low, high = _rate_interval(lost, kept.trials, kept.confidence, method)
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

    A cohort is defined by the period of the customers' *first purchase* (not their sign-up):
    :attr:`label` is the axis label that says so.
    """

    counts: pd.DataFrame
    sizes: pd.Series
    retention: pd.DataFrame
    unit: str

    @property
    def label(self) -> str:
        """Axis label of the cohorts, e.g. ``"first-purchase cohort (Q)"``."""
        return f"first-purchase cohort ({self.unit})"


def cohort_retention(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp | None = None,
    unit: Literal["W", "M", "Q"] = "M",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    return_col: str | None = "is_return",
    late: _validate.Late = "raise",
    is_return_col: str | None = _validate.UNSET,  # type: ignore[assignment]
) -> CohortRetention:
    """Share of each first-purchase cohort that buys again in each later period.

    A customer's cohort is the calendar period (week starting Monday, month or quarter) of their
    first purchase; the customer is *active* in a period with at least one purchase (returns are
    not purchases, see :mod:`portfolio_lib.rfm`). Periods that start after ``observation_end``
    are NaN (unknown, not zero); the last observed period may be partial.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction log.
    observation_end : date-like, optional
        End of the data; default the last transaction date. Later rows raise unless
        ``late="drop"``.
    unit : {"W", "M", "Q"}
        Period length: weeks, calendar months or quarters (of the first purchase).
    customer_col, date_col, amount_col, return_col : str
        Column names.
    late : {"raise", "drop"}
        What rows after ``observation_end`` do: raise, or be left out.
    is_return_col : str or None
        Deprecated former name of ``return_col`` (warns).

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
    end = None if observation_end is None else _validate.day(observation_end)
    tx = _validate.transactions(
        transactions,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        return_col=return_col,
        is_return_col=is_return_col,
        end=end,
        late=late,
    )
    buys = tx.loc[~tx["is_return"]]
    if buys.empty:
        raise DataValidationError(f"transactions: column {amount_col!r} has no purchase rows")
    end = buys["day"].max() if end is None else end
    period = pd.Series(period_numbers(buys["day"], unit), index=buys.index)
    cohort = period.groupby(buys["customer"]).transform("min")
    offset = period - cohort
    active = pd.DataFrame({"customer": buys["customer"], "cohort": cohort, "offset": offset})
    active = active.drop_duplicates()
    counts = active.pivot_table(
        index="cohort", columns="offset", values="customer", aggfunc="count", fill_value=0
    )
    last = int(period_numbers(pd.Series([end]), unit)[0])
    sizes = active.loc[active["offset"] == 0].groupby("cohort")["customer"].nunique()
    return CohortRetention(*cohort_grid(counts, sizes, last, unit), unit)


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
            total = _validate.numeric(customers, cost_col, name="customers").groupby(channel).sum()
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


def retention_over(rate: float, *, from_days: float = 365.0, to_days: float = 180.0) -> float:
    """A retention rate measured over ``from_days`` expressed over ``to_days``.

    With a constant hazard of leaving, the share kept over ``t`` days is ``r ** (t / T)``
    when ``r`` is the share kept over ``T`` days: ``r_180 = r_annual ** (180 / 365)``.
    Compare a target with a measurement only after converting one to the other's period.

    Parameters
    ----------
    rate : float
        Retention over ``from_days`` (0-1).
    from_days, to_days : float
        Period of ``rate`` and the period wanted, in days (> 0).

    Returns
    -------
    float
        Retention over ``to_days`` (0-1).

    Examples
    --------
    >>> round(retention_over(0.9, from_days=365, to_days=180), 4)
    0.9494
    >>> round(retention_over(0.62, from_days=180, to_days=365), 4)
    0.3793
    """
    if isinstance(rate, bool) or not isinstance(rate, int | float | np.number):
        raise ValueError(f"rate must be a number in 0..1, got {rate!r}")
    if not 0 <= float(rate) <= 1:
        raise ValueError(f"rate must lie in 0..1, got {rate!r}")
    for name, days in (("from_days", from_days), ("to_days", to_days)):
        if isinstance(days, bool) or not isinstance(days, int | float | np.number) or days <= 0:
            raise ValueError(f"{name} must be a number of days > 0, got {days!r}")
    return float(rate) ** (float(to_days) / float(from_days))


def gross_profit_per_customer(
    table: pd.DataFrame, *, margin: float | pd.Series, revenue_col: str = "monetary_total"
) -> pd.Series:
    """Gross profit per customer: ``margin x`` net revenue (currency units), before any cost.

    Chapter 2's "profit per customer" and the value of the portfolio groups. For the profit
    after the cost of winning the customer use :func:`net_profit_per_customer`.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"monetary_total": [100.0, 50.0]}, index=["a", "b"])
    >>> gross_profit_per_customer(t, margin=0.3).tolist()
    [30.0, 15.0]
    """
    return profit_per_customer(table, margin=margin, revenue_col=revenue_col).rename("gross_profit")


def net_profit_per_customer(
    table: pd.DataFrame,
    *,
    margin: float | pd.Series,
    acquisition_cost: pd.Series,
    revenue_col: str = "monetary_total",
) -> pd.Series:
    """Net profit per customer: gross profit minus the customer's acquisition cost (currency).

    Every customer needs a cost (raise otherwise): a net profit with an unknown cost is not
    the gross profit.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"monetary_total": [100.0, 50.0]}, index=["a", "b"])
    >>> net_profit_per_customer(t, margin=0.3,
    ...                         acquisition_cost=pd.Series({"a": 10.0, "b": 20.0})).tolist()
    [20.0, -5.0]
    """
    return _profit(
        table, margin=margin, revenue_col=revenue_col, costs=acquisition_cost,
        costs_name="acquisition_cost",
    ).rename("net_profit")  # fmt: skip


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

    Raises
    ------
    DataValidationError
        ``table`` is not a DataFrame, lacks ``revenue_col``, has no rows or repeats an index
        label (a customer twice); ``costs`` or a per-customer ``margin`` is not a Series,
        repeats a customer, lacks a customer of ``table`` or is not numeric.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"monetary_total": [100.0, 50.0]}, index=["a", "b"])
    >>> profit_per_customer(t, margin=0.3, costs=pd.Series({"a": 10.0, "b": 20.0})).tolist()
    [20.0, -5.0]
    """
    return _profit(table, margin=margin, revenue_col=revenue_col, costs=costs)


def _profit(
    table: pd.DataFrame,
    *,
    margin: float | pd.Series,
    revenue_col: str,
    costs: pd.Series | None,
    costs_name: str = "costs",
) -> pd.Series:
    """:func:`profit_per_customer`, with the name of the costs argument for messages."""
    customer_table(table, [revenue_col])
    profit = margin_times(_validate.numeric(table, revenue_col, name="table"), margin)
    if costs is not None:
        of = "customer(s) of table (one per row, by index label)"
        profit = profit - per_customer(costs, table.index, name=costs_name, of=of)
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
        Per segment: ``n_customers``, ``revenue`` and, without ``costs``, the *gross* profit
        (``margin x`` revenue): ``gross_profit``, ``gross_profit_per_customer`` and
        ``share_gross_profit`` (of the total); with ``costs`` (e.g. acquisition costs) the
        *net* profit instead: ``net_profit``, ``net_profit_per_customer``,
        ``share_net_profit``. The two never share a name.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"monetary_total": [100.0, 50.0, 10.0]})
    >>> profit_by_segment(t, ["x", "x", "y"], margin=0.5)["gross_profit"].tolist()
    [75.0, 5.0]
    """
    profit = profit_per_customer(table, margin=margin, revenue_col=revenue_col, costs=costs)
    kind = "gross" if costs is None else "net"
    labels = _validate.one_dimensional(labels, name="labels")
    seg = _validate.aligned_labels(labels, table.index, name="table")
    grouped = pd.DataFrame(
        {"revenue": table[revenue_col].astype(float), f"{kind}_profit": profit}
    ).groupby(seg, observed=True)
    out = grouped.sum()
    out.insert(0, "n_customers", grouped.size())
    out[f"{kind}_profit_per_customer"] = out[f"{kind}_profit"] / out["n_customers"]
    total = float(profit.sum())
    out[f"share_{kind}_profit"] = out[f"{kind}_profit"] / total if total else np.nan
    out.index.name = "segment"
    return out
