"""Deepening (derinleşme): what customers do after their first purchase, and what it is worth.

For every customer the first purchase day starts a **deepening window** of
``window_days``. Within it (first purchase day excluded) we record whether the
customer

* ``repeat_purchase`` — bought again at all;
* ``campaign`` — bought through a campaign (non-empty ``campaign_id``);
* ``points_earned`` / ``points_redeemed`` — earned / redeemed loyalty points;
* ``cross_sell`` — bought a category not in their first basket;
* ``up_sell`` — had a purchase day with a larger basket than the first one.

**Later value** is the net amount (returns subtracted) spent in the
``value_days`` after the window. Only customers whose window *and* value period
end by ``observation_end`` are analysed (the rest are counted in
``n_not_eligible``), so everyone has the same exposure.

The association of each behaviour with later value is descriptive, not causal:
active customers both deepen more and spend more. The ``repeat_buyers`` rows
compare only customers who bought again in the window, which removes the most
obvious part of that confounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib.journey._common import check_alpha, undefined_note, wilson

__all__ = ["BEHAVIOURS", "Deepening", "deepening_summary"]

BEHAVIOURS: tuple[str, ...] = (
    "repeat_purchase",
    "campaign",
    "points_earned",
    "points_redeemed",
    "cross_sell",
    "up_sell",
)
"""Deepening behaviours recorded per customer, in display order."""


@dataclass(frozen=True)
class Deepening:
    """Result of :func:`deepening_summary`.

    Attributes
    ----------
    customers : pandas.DataFrame
        One row per eligible customer: id, ``first_purchase`` (date),
        ``first_basket`` (currency), ``window_purchases`` (purchase days in the
        window), ``window_points_earned``, ``window_points_redeemed``, one bool
        column per behaviour in :data:`BEHAVIOURS`, ``later_value`` (currency).
    rates : pandas.DataFrame
        Per behaviour: ``customers``, ``yes``, ``rate`` and Wilson ``ci_low``/``ci_high``.
    association : pandas.DataFrame
        Per ``population`` (``"all"``, ``"repeat_buyers"``) and behaviour:
        ``n_yes``, ``n_no``, ``mean_value_yes``, ``mean_value_no``,
        ``difference`` (yes − no, currency), Welch ``ci_low``/``ci_high`` and
        ``p_value``.
    window_days, value_days : float
        Lengths of the deepening window and the later-value period (days).
    observation_end : pandas.Timestamp
        Last day of data used.
    n_not_eligible : int
        Customers left out because their window or value period runs past
        ``observation_end``.
    note : str
        Names the behaviours whose association has no comparison group (every eligible
        customer showed it, or none did, e.g. with one customer): their mean value of the
        empty group and the difference are NaN. Empty otherwise.
    """

    customers: pd.DataFrame
    rates: pd.DataFrame
    association: pd.DataFrame
    window_days: float
    value_days: float
    observation_end: pd.Timestamp
    n_not_eligible: int
    note: str = ""

    def summary(self) -> pd.DataFrame:
        """Rates joined with the all-customer association table."""
        overall = self.association.loc[self.association["population"] == "all"]
        return self.rates.merge(overall.drop(columns="population"), on="behaviour", how="left")


def _validated_transactions(
    transactions: pd.DataFrame,
    *,
    columns: dict[str, str],
    return_col: str | None,
    end: pd.Timestamp,
    late: _validate.Late,
) -> pd.DataFrame:
    """The log under the package's transaction contract plus the deepening columns.

    Columns: the customer, date (midnight) and amount columns under their own names,
    ``category``, ``points_earned``, ``points_redeemed`` under theirs, ``_return`` and
    ``_campaign`` (bool).
    """
    cust, date, amount = columns["customer"], columns["date"], columns["amount"]
    extra = [columns[k] for k in ("category", "points_earned", "points_redeemed", "campaign")]
    require_columns(transactions, [cust, date, amount, *extra], name="transactions")
    tx = _validate.transactions(
        transactions, customer_col=cust, date_col=date, amount_col=amount,
        return_col=return_col, end=end, late=late,
    )  # fmt: skip
    rows = transactions.iloc[tx.index]
    frame = pd.DataFrame(
        {cust: tx["customer"], date: tx["day"], amount: tx["amount"], "_return": tx["is_return"]}
    )
    for key in ("points_earned", "points_redeemed"):
        col = columns[key]
        values = _validate.numeric(rows, col, name="transactions")
        raise_for_rows(rows, values < 0, column=col, problem="must be >= 0", name="transactions")
        frame[col] = values.to_numpy()
    category = rows[columns["category"]]
    raise_for_rows(
        rows,
        category.isna().to_numpy() & (tx["amount"] > 0).to_numpy(),
        column=columns["category"],
        problem="is missing on a purchase",
        name="transactions",
    )
    frame[columns["category"]] = category.to_numpy()
    campaign = rows[columns["campaign"]]
    frame["_campaign"] = (campaign.notna() & (campaign.astype(str).str.strip() != "")).to_numpy()
    return frame


def deepening_summary(
    transactions: pd.DataFrame,
    *,
    observation_end: pd.Timestamp | str,
    window_days: float = 90.0,
    value_days: float = 180.0,
    alpha: float = 0.05,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    category_col: str = "category",
    points_earned_col: str = "points_earned",
    points_redeemed_col: str = "points_redeemed",
    campaign_col: str = "campaign_id",
    return_col: str | None = "is_return",
    late: _validate.Late = "raise",
) -> Deepening:
    """Deepening behaviour after the first purchase and its association with later value.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction: customer id, date, amount (currency; negative
        for returns), category, points earned and redeemed (non-negative
        numbers), campaign id (missing or empty = no campaign).
    observation_end : pandas.Timestamp or str
        Last day of the data; later rows raise unless ``late="drop"``.
    window_days : float
        Length of the deepening window after the first purchase day (days).
    value_days : float
        Length of the later-value period that follows the window (days).
    alpha : float
        1 − confidence level of the intervals.
    customer_col, date_col, amount_col, category_col, points_earned_col, points_redeemed_col, campaign_col : str
        Column names.
    return_col : str or None
        Optional bool column marking returns (returns are also recognised by a
        negative amount). Returns never count as purchases; they do reduce
        later value.
    late : {"raise", "drop"}
        Rows dated after ``observation_end`` raise (default) or are left out.

    Returns
    -------
    Deepening

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["A", "A", "A", "B", "B"],
    ...     "date": pd.to_datetime(
    ...         ["2024-01-01", "2024-01-20", "2024-05-01", "2024-01-01", "2024-05-01"]),
    ...     "amount": [50.0, 80.0, 30.0, 40.0, 10.0],
    ...     "category": ["home", "beauty", "home", "home", "home"],
    ...     "points_earned": [5, 8, 3, 0, 0], "points_redeemed": [0, 0, 0, 0, 0],
    ...     "campaign_id": ["", "K1", "", "", ""],
    ... })
    >>> result = deepening_summary(tx, observation_end="2024-12-31", window_days=60)
    >>> result.rates.set_index("behaviour")["rate"].to_dict()["cross_sell"]
    0.5
    """
    alpha = check_alpha(alpha)
    for label, value in (("window_days", window_days), ("value_days", value_days)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{label} must be a positive number of days, got {value}")
    end = _validate.day(observation_end)
    columns = {
        "customer": customer_col,
        "date": date_col,
        "amount": amount_col,
        "category": category_col,
        "points_earned": points_earned_col,
        "points_redeemed": points_redeemed_col,
        "campaign": campaign_col,
    }
    frame = _validated_transactions(
        transactions, columns=columns, return_col=return_col, end=end, late=late
    )
    purchases = frame.loc[~frame["_return"]]
    if purchases.empty:
        raise DataValidationError("transactions has no purchases (all rows are returns)")
    first_day = purchases.groupby(customer_col, sort=True)[date_col].min().rename("first_purchase")
    window = pd.Timedelta(days=window_days)
    value_span = pd.Timedelta(days=value_days)
    eligible = first_day + window + value_span <= end
    first_day = first_day.loc[eligible]
    n_not_eligible = int((~eligible).sum())
    if first_day.empty:
        raise DataValidationError(
            f"transactions: no customer's first purchase is at least {window_days} + {value_days} "
            f"days before observation_end {end.date()}; shorten window_days or value_days"
        )

    frame = frame.loc[frame[customer_col].isin(first_day.index)].copy()
    frame["_first"] = frame[customer_col].map(first_day)
    offset = frame[date_col] - frame["_first"]
    on_first = offset == pd.Timedelta(0)
    in_window = (offset > pd.Timedelta(0)) & (offset <= window)
    in_value = (offset > window) & (offset <= window + value_span)
    buy = ~frame["_return"]

    first_rows = frame.loc[on_first & buy]
    first_basket = first_rows.groupby(customer_col)[amount_col].sum()
    first_categories = first_rows.groupby(customer_col)[category_col].agg(frozenset)

    win = frame.loc[in_window]
    win_buys = win.loc[~win["_return"]]
    baskets = win_buys.groupby([customer_col, date_col])[amount_col].sum().reset_index()
    baskets["_bigger"] = (
        baskets[amount_col].to_numpy() > first_basket.reindex(baskets[customer_col]).to_numpy()
    )
    new_category = [
        cat not in first_categories.get(cid, frozenset())
        for cid, cat in zip(win_buys[customer_col], win_buys[category_col], strict=True)
    ]
    ids = first_day.index

    def per_customer(series: pd.Series, how: str, fill: float | bool) -> pd.Series:
        return series.groupby(level=0).agg(how).reindex(ids, fill_value=fill)

    by_cust = win.set_index(customer_col)
    buys_by_cust = win_buys.set_index(customer_col)
    customers = pd.DataFrame(index=ids)
    customers["first_purchase"] = first_day
    customers["first_basket"] = first_basket.reindex(ids).to_numpy()
    customers["window_purchases"] = (
        baskets.groupby(customer_col).size().reindex(ids, fill_value=0).astype("int64")
    )
    customers["window_points_earned"] = per_customer(by_cust[points_earned_col], "sum", 0.0)
    customers["window_points_redeemed"] = per_customer(by_cust[points_redeemed_col], "sum", 0.0)
    customers["repeat_purchase"] = customers["window_purchases"] > 0
    customers["campaign"] = per_customer(buys_by_cust["_campaign"], "any", False).astype(bool)
    customers["points_earned"] = customers["window_points_earned"] > 0
    customers["points_redeemed"] = customers["window_points_redeemed"] > 0
    customers["cross_sell"] = per_customer(
        pd.Series(new_category, index=buys_by_cust.index, dtype=bool), "any", False
    ).astype(bool)
    customers["up_sell"] = per_customer(
        baskets.set_index(customer_col)["_bigger"], "any", False
    ).astype(bool)
    later = frame.loc[in_value].groupby(customer_col)[amount_col].sum()
    customers["later_value"] = later.reindex(ids, fill_value=0.0).astype(float)
    customers = customers.reset_index()

    association = _association(customers, alpha)
    one_sided = association["difference"].isna()
    return Deepening(
        customers=customers,
        rates=_rates(customers, alpha),
        association=association,
        window_days=float(window_days),
        value_days=float(value_days),
        observation_end=end,
        n_not_eligible=n_not_eligible,
        note=undefined_note(
            sorted(set(association.loc[one_sided, "behaviour"])),
            "the mean later value of customers without (or with) the behaviour",
            "no eligible customer is in that group, so there is nothing to compare",
        ),
    )


def _rates(customers: pd.DataFrame, alpha: float) -> pd.DataFrame:
    n = len(customers)
    yes = np.array([int(customers[b].sum()) for b in BEHAVIOURS])
    low, high = wilson(yes, np.full(len(yes), n), alpha)
    return pd.DataFrame(
        {
            "behaviour": list(BEHAVIOURS),
            "customers": n,
            "yes": yes,
            "rate": yes / n,
            "ci_low": low,
            "ci_high": high,
        }
    )


def _association(customers: pd.DataFrame, alpha: float) -> pd.DataFrame:
    rows = []
    populations = {
        "all": customers,
        "repeat_buyers": customers.loc[customers["repeat_purchase"]],
    }
    for population, part in populations.items():
        for behaviour in BEHAVIOURS:
            if population == "repeat_buyers" and behaviour == "repeat_purchase":
                continue
            flag = part[behaviour].to_numpy(dtype=bool)
            value = part["later_value"].to_numpy(dtype=float)
            rows.append(
                {
                    "population": population,
                    "behaviour": behaviour,
                    **_welch(value[flag], value[~flag], alpha),
                }
            )
    return pd.DataFrame(rows)


def _welch(yes: np.ndarray, no: np.ndarray, alpha: float) -> dict[str, float]:
    """Difference in mean later value (yes − no) with a Welch interval and p-value."""
    out = {
        "n_yes": int(len(yes)),
        "n_no": int(len(no)),
        "mean_value_yes": float(yes.mean()) if len(yes) else np.nan,
        "mean_value_no": float(no.mean()) if len(no) else np.nan,
    }
    out["difference"] = out["mean_value_yes"] - out["mean_value_no"]
    low = high = p_value = np.nan
    if len(yes) >= 2 and len(no) >= 2 and (yes.var() > 0 or no.var() > 0):
        compare = CompareMeans(DescrStatsW(yes), DescrStatsW(no))
        low, high = compare.tconfint_diff(alpha=alpha, usevar="unequal")
        p_value = compare.ttest_ind(usevar="unequal")[1]
    out.update({"ci_low": float(low), "ci_high": float(high), "p_value": float(p_value)})
    return out
