"""Acquisition economics per channel: CAC, CLV/CAC and payback (question 7).

*Are we investing enough in acquiring new customers?* A channel deserves more budget when
the value of the customers it brings clearly exceeds what it costs to win them:

* **CAC** (customer acquisition cost, müşteri edinme maliyeti): acquisition cost per customer
  won, from :func:`portfolio_lib.portfolio.cac_by_channel`;
* **CLV/CAC**: mean customer lifetime value of the channel's customers over its CAC. Any
  per-customer CLV works (chapter 3's model CLV, a historical CLV, a margin multiple), so this
  module does not depend on a CLV model. A common rule of thumb reads >= 3 as "invest more"
  and < 1 as "losing money on every customer";
* **payback**: days from the first purchase until the customer's cumulative gross margin
  (``margin x`` net spend, returns subtracted) covers their acquisition cost. Customers who
  have not paid back yet are *censored* at the end of the data, so the median payback and the
  share paid back within 90 / 365 days are Kaplan-Meier estimates
  (``statsmodels.duration.survfunc.SurvfuncRight``), not averages over those who already did.

Keep in mind which CLV is passed: a model's *residual* CLV of existing customers (future
value only) understates the value of a customer at acquisition; add the value already
realised (e.g. :func:`portfolio_lib.clv.historical_clv`) for a like-for-like ratio.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib._intervals import wilson_interval
from portfolio_lib.portfolio import cac_by_channel

__all__ = [
    "PROFILE_COLUMNS",
    "AcquisitionEconomics",
    "BestCustomerProfile",
    "INVEST_RATIO",
    "CUT_RATIO",
    "acquisition_economics",
    "best_customer_profile",
    "channel_verdict",
    "payback_times",
]


#: CLV/CAC at or above which a channel deserves more money (the common rule of thumb).
INVEST_RATIO = 3.0
#: CLV/CAC below which a channel loses money on every customer it wins.
CUT_RATIO = 1.0


def channel_verdict(
    ratio: float, *, invest_ratio: float = INVEST_RATIO, cut_ratio: float = CUT_RATIO
) -> str:
    """The invest / hold / cut verdict of one CLV/CAC ratio (the one source of the verdict).

    :func:`acquisition_economics` writes it into its table and
    :func:`portfolio_lib.decisions.acquisition_decision` reads it from there, so the table and
    a sentence about it cannot disagree.

    Parameters
    ----------
    ratio : float
        Mean CLV of a channel's customers over its CAC (both in currency units); NaN when
        the cost is unknown.
    invest_ratio, cut_ratio : float
        ``ratio >= invest_ratio`` -> ``"invest more"``, ``ratio < cut_ratio`` ->
        ``"cut back"``, otherwise ``"hold / optimise"``.

    Returns
    -------
    str
        One of ``"invest more"``, ``"hold / optimise"``, ``"cut back"``,
        ``"unknown (no cost)"``.

    Examples
    --------
    >>> [channel_verdict(r) for r in (3.0, 2.99, 1.0, 0.99, float("nan"))]
    ['invest more', 'hold / optimise', 'hold / optimise', 'cut back', 'unknown (no cost)']
    """
    if not 0 <= cut_ratio <= invest_ratio:
        raise ValueError(
            f"need 0 <= cut_ratio <= invest_ratio, got {cut_ratio!r} and {invest_ratio!r}"
        )
    ratio = float(ratio)
    if not np.isfinite(ratio):
        return "unknown (no cost)"
    if ratio >= invest_ratio:
        return "invest more"
    return "cut back" if ratio < cut_ratio else "hold / optimise"


@dataclass(frozen=True)
class AcquisitionEconomics:
    """CAC, CLV/CAC and payback by acquisition channel.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per channel plus ``all``: ``n_customers``, ``cac`` (currency per customer),
        ``total_cost``, ``clv_mean`` with ``clv_ci_low``/``clv_ci_high`` (t interval),
        ``clv_to_cac`` with ``clv_to_cac_low``/``clv_to_cac_high`` (the CLV interval over the
        CAC, which is known), ``payback_median_days`` with ``payback_ci_low``/
        ``payback_ci_high`` (Kaplan-Meier; NaN when fewer than half have paid back),
        ``paid_back_within_<h>d`` for each horizon, and ``verdict``.
    payback : pandas.DataFrame
        Per customer: ``channel``, ``acquisition_cost``, ``days`` (to payback or to the end of
        the data) and ``paid_back`` (bool; False = censored).
    margin : float
    invest_ratio, cut_ratio : float
        Thresholds of the verdict.
    note : str
        One sentence on what was compared or, when the data set has no acquisition costs
        (``if_missing="note"``), why CAC, CLV/CAC and payback are unknown (NaN).
    """

    table: pd.DataFrame
    payback: pd.DataFrame
    margin: float
    invest_ratio: float
    cut_ratio: float
    note: str = ""


def payback_times(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    margin: float,
    observation_end: str | pd.Timestamp | None = None,
    cost_col: str = "acquisition_cost",
    signup_col: str = "signup_date",
    customer_col: str = "customer_id",
    late: _validate.Late = "raise",
) -> pd.DataFrame:
    """Days until each customer's cumulative margin covers their acquisition cost.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id``, ``signup_date`` (day of the first purchase) and ``acquisition_cost``
        (currency units, >= 0).
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount`` (returns are negative and reduce the margin).
    margin : float
        Gross margin as a fraction of revenue.
    observation_end : date-like, optional
        Last day of the data (inclusive); default the last transaction date. Later
        transactions raise unless ``late="drop"``.
    cost_col, signup_col, customer_col : str
        Column names.
    late : {"raise", "drop"}
        What transactions after ``observation_end`` do: raise, or be left out.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id: ``acquisition_cost``, ``days`` (from the signup day to the
        payback day, or to ``observation_end`` when not yet paid back) and ``paid_back``.

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_cost": [10.0, 50.0],
    ...                      "signup_date": pd.to_datetime(["2024-01-01", "2024-01-01"])})
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [20.0, 40.0, 30.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-01"])})
    >>> payback_times(cust, tx, margin=0.5, observation_end="2024-03-01").to_dict("index")
    {'a': {'acquisition_cost': 10.0, 'days': 0, 'paid_back': True}, 'b': {'acquisition_cost': 50.0, 'days': 60, 'paid_back': False}}
    """
    _check_margin(margin)
    require_columns(customers, [customer_col, signup_col, cost_col], name="customers")
    raise_for_rows(
        customers, customers[customer_col].duplicated(keep=False), column=customer_col,
        problem="has duplicate customers", name="customers",
    )  # fmt: skip
    cost = _validate.numeric(customers, cost_col, name="customers")
    raise_for_rows(customers, cost < 0, column=cost_col, problem="must be >= 0", name="customers")
    signup = _validate.dates(customers, signup_col, name="customers")
    end = None if observation_end is None else _validate.day(observation_end)
    tx = _validate.transactions(transactions, customer_col=customer_col, end=end, late=late)
    end = tx["day"].max() if end is None else end
    ids = customers[customer_col].to_numpy()
    start = pd.Series(signup.dt.normalize().to_numpy(), index=ids)
    raise_for_rows(
        customers, (start > end).to_numpy(), column=signup_col,
        problem=f"is after observation_end {end.date()}", name="customers",
    )  # fmt: skip
    daily = tx.loc[tx["customer"].isin(ids)].groupby(["customer", "day"], sort=True)["amount"].sum()
    daily = daily.reset_index()
    daily["cum_margin"] = float(margin) * daily.groupby("customer")["amount"].cumsum()
    daily["cost"] = pd.Series(cost.to_numpy(), index=ids).reindex(daily["customer"]).to_numpy()
    covered = daily.loc[daily["cum_margin"] >= daily["cost"] - 1e-9]
    first = covered.groupby("customer")["day"].min()
    paid_day = first.reindex(ids)
    zero_cost = cost.to_numpy() == 0
    paid_day = paid_day.where(~zero_cost, start)  # nothing to pay back: paid on day 0
    paid = paid_day.notna().to_numpy()
    stop = np.where(paid, paid_day.to_numpy(dtype="datetime64[ns]"), np.datetime64(end, "ns"))
    days = (pd.to_datetime(stop) - pd.to_datetime(start.to_numpy())).days.to_numpy()
    out = pd.DataFrame(
        {"acquisition_cost": cost.to_numpy(), "days": np.maximum(days, 0), "paid_back": paid},
        index=pd.Index(ids, name=customer_col),
    )
    return out


def _check_margin(margin: float) -> None:
    if isinstance(margin, bool) or not isinstance(margin, int | float | np.number):
        raise ValueError(f"margin must be a number (fraction of revenue), got {margin!r}")
    if not 0 < margin <= 1:
        raise ValueError(f"margin must be in (0, 1] (a fraction of revenue), got {margin!r}")


def _km_row(days: np.ndarray, paid: np.ndarray, horizons: Sequence[float], alpha: float) -> dict:
    row: dict[str, float] = {}
    if paid.any():
        fit = SurvfuncRight(days.astype(float), paid.astype(int))
        surv = np.asarray(fit.surv_prob, dtype=float)
        times = np.asarray(fit.surv_times, dtype=float)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if surv.min() <= 0.5:
                median = float(fit.quantile(0.5))
                low, high = (float(v) for v in fit.quantile_ci(0.5, alpha=alpha))
            else:
                median = low = high = np.nan
        for h in horizons:
            before = times <= h
            row[f"paid_back_within_{h:g}d"] = float(1 - surv[before][-1]) if before.any() else 0.0
    else:
        median = low = high = np.nan
        for h in horizons:
            row[f"paid_back_within_{h:g}d"] = 0.0
    row.update(
        {
            "payback_median_days": median,
            "payback_ci_low": low if np.isfinite(low) else np.nan,
            "payback_ci_high": high if np.isfinite(high) else np.nan,
        }
    )
    return row


def acquisition_economics(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    clv: pd.Series,
    margin: float,
    observation_end: str | pd.Timestamp | None = None,
    spend: Mapping[str, float] | pd.Series | None = None,
    channel_col: str = "acquisition_channel",
    cost_col: str = "acquisition_cost",
    signup_col: str = "signup_date",
    customer_col: str = "customer_id",
    payback_horizons: Sequence[float] = (90, 365),
    invest_ratio: float = INVEST_RATIO,
    cut_ratio: float = CUT_RATIO,
    confidence: float = 0.95,
    if_missing: Literal["raise", "note"] = "raise",
    late: _validate.Late = "raise",
) -> AcquisitionEconomics:
    """CAC, CLV/CAC and payback per acquisition channel, with a verdict.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer: ``customer_id``, ``acquisition_channel``, ``acquisition_cost``
        (currency units) and ``signup_date``.
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount`` (for payback).
    clv : pandas.Series
        Customer lifetime value per customer (currency units), indexed by customer id; every
        customer needs one (see the module note on residual vs total CLV).
    margin : float
        Gross margin as a fraction of revenue (for payback).
    observation_end : date-like, optional
        Last day of the data; default the last transaction date. Later transactions raise
        unless ``late="drop"`` (as in :func:`payback_times`).
    spend : mapping or Series, optional
        Total acquisition spend per channel (currency units) instead of the per-customer
        ``acquisition_cost`` (see :func:`portfolio_lib.portfolio.cac_by_channel`); each
        customer's payback then uses the channel CAC.
    channel_col, cost_col, signup_col, customer_col : str
        Column names.
    payback_horizons : sequence of float
        Days at which the share of customers who paid back is reported.
    invest_ratio, cut_ratio : float
        Verdict: ``clv_to_cac >= invest_ratio`` -> "invest more", ``< cut_ratio`` ->
        "cut back", otherwise "hold / optimise".
    confidence : float
        Level of the CLV and payback intervals.
    if_missing : {"raise", "note"}
        When ``spend`` is None and ``customers`` has no ``cost_col`` (e.g. CDNOW):
        ``"raise"`` a :class:`DataValidationError`, or keep the customer counts and CLV per
        channel, leave everything that needs a cost NaN (unknown, not zero; verdict
        "unknown (no cost)", no payback rows) and say so in ``note``.
    late : {"raise", "drop"}
        What transactions after ``observation_end`` do: raise, or be left out.

    Returns
    -------
    AcquisitionEconomics

    Raises
    ------
    DataValidationError
        ``customers`` is not a DataFrame, lacks a column or has no rows (no CAC exists);
        ``clv`` is not a Series, repeats a customer id, is not numeric or has no value for
        a customer of ``customers``.

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...     "acquisition_channel": ["search", "search", "social"],
    ...     "acquisition_cost": [10.0, 30.0, 20.0],
    ...     "signup_date": pd.to_datetime(["2024-01-01"] * 3)})
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [100.0, 100.0, 10.0],
    ...     "date": pd.to_datetime(["2024-01-01"] * 3)})
    >>> clv = pd.Series({"a": 120.0, "b": 80.0, "c": 10.0})
    >>> econ = acquisition_economics(cust, tx, clv=clv, margin=0.3,
    ...                              observation_end="2024-06-30")
    >>> econ.table.loc[["search", "social"], ["cac", "clv_to_cac", "verdict"]].values.tolist()
    [[20.0, 5.0, 'invest more'], [20.0, 0.5, 'cut back']]
    """
    _check_margin(margin)
    confidence = _validate.confidence(confidence)
    if not 0 <= cut_ratio <= invest_ratio:
        raise ValueError(
            f"need 0 <= cut_ratio <= invest_ratio, got {cut_ratio!r} and {invest_ratio!r}"
        )
    _validate.table(customers, name="customers", columns=[customer_col, channel_col])
    if customers.empty:
        raise DataValidationError(
            "customers has no rows: no channel has customers, so there is no CAC or CLV/CAC "
            "to compute"
        )
    if not isinstance(clv, pd.Series):
        raise DataValidationError(f"clv must be a pandas Series, got {type(clv).__name__}")
    clv_frame = _validate.unique_index(clv, name="clv").rename("clv").to_frame()
    clv_values = _validate.numeric(clv_frame, "clv", name="clv")
    _validate.reindexed(
        clv_values,
        pd.Index(customers[customer_col]),
        name="clv",
        of=f"customer(s) of column {customer_col!r}",
    )
    cac = cac_by_channel(
        customers, channel_col=channel_col, cost_col=cost_col, spend=spend,
        value=clv_values, customer_col=customer_col, if_missing=if_missing,
    )  # fmt: skip
    channel = customers[channel_col].astype(str).to_numpy()
    no_cost = "note" in cac.columns
    note = (
        f"This data set has no acquisition costs (no {cost_col!r} column in customers): CAC, "
        "CLV/CAC and payback are unknown, not zero."
        if no_cost
        else ""
    )
    if no_cost:
        payback = pd.DataFrame(
            {"channel": pd.Series(dtype="str"), "acquisition_cost": pd.Series(dtype=float),
             "days": pd.Series(dtype="int64"), "paid_back": pd.Series(dtype=bool)},
            index=pd.Index([], name=customer_col),
        )  # fmt: skip
    elif spend is not None:
        per_cost = pd.Series(channel).map(cac["cac"]).to_numpy(dtype=float)
        costed = customers.assign(**{cost_col: per_cost})
    else:
        costed = customers
    if not no_cost:
        payback = payback_times(
            costed, transactions, margin=margin, observation_end=observation_end,
            cost_col=cost_col, signup_col=signup_col, customer_col=customer_col, late=late,
        )  # fmt: skip
        payback.insert(0, "channel", channel)
    values = clv_values.reindex(customers[customer_col]).to_numpy(dtype=float)
    alpha = 1 - confidence
    rows = {}
    groups = [(c, channel == c) for c in cac.index] + [("all", np.ones(len(channel), bool))]
    for name, mask in groups:
        v = values[mask]
        n = int(mask.sum())
        mean = float(v.mean())
        half = (
            float(stats.t.ppf(1 - alpha / 2, n - 1) * v.std(ddof=1) / np.sqrt(n))
            if n > 1
            else np.nan
        )
        if name == "all":
            total_cost = float(cac["total_cost"].sum(min_count=1))
            cac_value = total_cost / n
        else:
            total_cost = float(cac.loc[name, "total_cost"])
            cac_value = float(cac.loc[name, "cac"])
        row = {
            "n_customers": n,
            "total_cost": total_cost,
            "cac": cac_value,
            "clv_mean": mean,
            "clv_ci_low": mean - half,
            "clv_ci_high": mean + half,
            "clv_to_cac": mean / cac_value if cac_value > 0 else np.nan,
            "clv_to_cac_low": (mean - half) / cac_value if cac_value > 0 else np.nan,
            "clv_to_cac_high": (mean + half) / cac_value if cac_value > 0 else np.nan,
        }
        if no_cost:
            row.update({f"paid_back_within_{h:g}d": np.nan for h in payback_horizons})
            row.update(payback_median_days=np.nan, payback_ci_low=np.nan, payback_ci_high=np.nan)
        else:
            part = payback.loc[mask]
            row.update(
                _km_row(
                    part["days"].to_numpy(),
                    part["paid_back"].to_numpy(),
                    payback_horizons,
                    alpha,
                )  # fmt: skip
            )
        row["verdict"] = channel_verdict(
            row["clv_to_cac"], invest_ratio=invest_ratio, cut_ratio=cut_ratio
        )
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = channel_col
    if not no_cost:
        note = (
            f"{len(cac)} acquisition channel(s), {len(channel)} customers; payback at a margin "
            f"of {float(margin):g}, Kaplan-Meier with customers not yet paid back censored at "
            "the end of the data."
        )
    return AcquisitionEconomics(table, payback, float(margin), float(invest_ratio),
                                float(cut_ratio), note)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Who the best customers are (question 3: attract more customers like them)
# --------------------------------------------------------------------------------------------
#: Customer attributes known at acquisition that :func:`best_customer_profile` uses by default.
PROFILE_COLUMNS: tuple[str, ...] = ("acquisition_channel", "region", "gender", "age")


@dataclass(frozen=True)
class BestCustomerProfile:
    """How the best customers differ from all customers, attribute by attribute.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (``attribute``, ``value``) (a MultiIndex): ``n_customers``, ``n_best``,
        ``best_rate`` (share of these customers who are among the best) with its Wilson
        interval ``ci_low``/``ci_high``, ``share_of_best`` (share of all best customers who
        have this value), ``share_of_all`` and ``index`` (``best_rate / overall_rate``;
        > 1: the value is over-represented among the best). Values of an attribute are
        sorted by index, highest first.
    n_customers, n_best : int
    overall_rate : float
        Share of all customers who are among the best.
    note : str
        What was compared and which attributes were left out (a single value, e.g. an
        unknown channel) or, with none left, why the profile is empty.
    """

    table: pd.DataFrame
    n_customers: int
    n_best: int
    overall_rate: float
    note: str = ""


def _bands(values: pd.Series, n: int = 4) -> pd.Series:
    """Quantile bands ``"lo to hi"`` of a numeric column (edges are rounded to 4 digits)."""
    edges = np.unique(np.round(np.quantile(values, np.linspace(0, 1, n + 1)), 4))
    if len(edges) < 2:
        return pd.Series([f"{edges[0]:g}"] * len(values), index=values.index)
    codes = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    labels = [f"{lo:g} to {hi:g}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    return pd.Series(np.asarray(labels, dtype=object)[codes], index=values.index)


def best_customer_profile(
    customers: pd.DataFrame,
    best: pd.Series,
    *,
    columns: Sequence[str] | None = None,
    customer_col: str = "customer_id",
    n_bands: int = 4,
    confidence: float = 0.95,
) -> BestCustomerProfile:
    """Which acquisition channels, regions and demographics over-index among the best customers.

    To attract more customers like the best ones, look for the attributes a company can
    target at acquisition (the channel that brought them, where they live, who they are) and
    compare how often customers with each value turn out to be among the best.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with ``customer_col`` and the attribute columns.
    best : pandas.Series
        Boolean per customer (index customer id), e.g. ``clv >= clv.quantile(0.8)``; every
        customer needs a value.
    columns : sequence of str, optional
        Attributes to compare; default those of :data:`PROFILE_COLUMNS` present. Numeric
        columns (e.g. age) are cut into ``n_bands`` quantile bands. Attributes with a single
        value are left out (they cannot tell customers apart) and named in ``note``.
    customer_col : str
    n_bands : int
        Bands of a numeric attribute.
    confidence : float
        Level of the Wilson intervals.

    Returns
    -------
    BestCustomerProfile

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"customer_id": list("abcd"),
    ...                      "acquisition_channel": ["referral", "referral", "display", "display"]})
    >>> best = pd.Series([True, False, False, False], index=list("abcd"))
    >>> profile = best_customer_profile(cust, best)
    >>> profile.table["index"].tolist()
    [2.0, 0.0]
    """
    confidence = _validate.confidence(confidence)
    require_columns(customers, [customer_col], name="customers")
    raise_for_rows(
        customers, customers[customer_col].duplicated(keep=False), column=customer_col,
        problem="has duplicate customers", name="customers",
    )  # fmt: skip
    if not isinstance(best, pd.Series):
        raise DataValidationError(
            f"best must be a boolean Series indexed by customer id, got {type(best).__name__}"
        )
    ids = pd.Index(customers[customer_col])
    flag = _validate.reindexed(best, ids, name="best", of=f"customer(s) of column {customer_col!r}")
    if not pd.api.types.is_bool_dtype(flag):
        raise DataValidationError(f"best must be boolean (True = best customer), got {flag.dtype}")
    flag = flag.to_numpy(dtype=bool)
    if columns is None:
        columns = [c for c in PROFILE_COLUMNS if c in customers.columns]
    else:
        require_columns(customers, list(columns), name="customers")
    n, n_best = len(ids), int(flag.sum())
    overall = n_best / n if n else np.nan
    rows, single, used = [], [], []
    for column in columns:
        values = customers[column]
        raise_for_rows(customers, values.isna(), column=column, problem="must not be missing",
                       name="customers")  # fmt: skip
        if values.nunique() < 2:
            single.append(f"{column} (only {values.iloc[0]!r})" if n else column)
            continue
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        used.append(f"{column} ({n_bands} quantile bands)" if numeric else column)
        labels = _bands(values.astype(float), n_bands) if numeric else values.astype(str)
        labels = labels.reset_index(drop=True)  # positions, whatever the customers' index
        part = []
        for value, inside in labels.groupby(labels.to_numpy(), sort=True).groups.items():
            k, m = int(flag[np.asarray(inside)].sum()), len(inside)
            low, high = wilson_interval(k, m, confidence)
            part.append(
                {
                    "attribute": column,
                    "value": str(value),
                    "n_customers": m,
                    "n_best": k,
                    "best_rate": k / m,
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "share_of_best": k / n_best if n_best else np.nan,
                    "share_of_all": m / n,
                    "index": (k / m) / overall if overall > 0 else np.nan,
                }
            )
        rows.extend(sorted(part, key=lambda r: -r["index"] if np.isfinite(r["index"]) else 0))
    columns_out = ["n_customers", "n_best", "best_rate", "ci_low", "ci_high", "share_of_best",
                   "share_of_all", "index"]  # fmt: skip
    if rows:
        table = pd.DataFrame(rows).set_index(["attribute", "value"])[columns_out]
    else:
        table = pd.DataFrame(
            columns=columns_out,
            index=pd.MultiIndex.from_arrays([[], []], names=["attribute", "value"]),
            dtype=float,
        )
    note = f"{n_best} best of {n} customers ({overall:.0%}), compared on {', '.join(used)}."
    if single:
        note += f" Left out, a single value for every customer: {', '.join(single)}."
    if not rows:
        note = (
            "This data set records nothing about its customers that could tell the best ones "
            "apart (" + (", ".join(single) if single else "no attribute columns") + "), so it "
            "cannot say where to find more customers like them; record the acquisition channel "
            "and a few demographics at sign-up."
        )
    return BestCustomerProfile(table, n, n_best, overall, note)
