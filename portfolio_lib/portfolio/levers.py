"""Segmentation into decisions: price, service level and touchpoints per segment.

Segments are only useful when they change what the company does. Three worked levers, each
computed per segment (a portfolio group, a motive, any label known per customer):

- :func:`discount_by_segment` (**price**, *fiyat*): the discount a segment received on a
  campaign offer, its gross margin before and after the discount, the **break-even extra
  volume** the discount needs and whether the segment's observed volume lift (treated vs an
  untreated comparison group of the same campaigns) clears it;
- :func:`cost_to_serve` (**service level**, *hizmet düzeyi*): service contacts (service
  touchpoints, complaints, returns) times documented unit costs, against gross profit:
  profit after service per segment;
- :func:`touchpoints_by_segment` (**touchpoints**, *temas noktaları*): the journey funnel
  (stage reach and conversion, Wilson intervals from :func:`portfolio_lib.journey.stage_funnel`)
  per segment, with touches per person and the channel mix.

Each returns a small frozen result with ``table``, ``summary()`` and ``decisions()`` (one
sentence per segment, built from the numbers). Money is in the currency units of the input;
``margin`` is always an explicit argument (a fraction of the list price, 0.3 for a 30 %
gross margin).

The break-even rule
-------------------
A discount ``d`` (fraction of the list price) on a product with gross margin ``m`` leaves
``m - d`` per unit. The same gross profit needs the volume to rise by

.. math::

    \\text{break-even lift} = \\frac{d}{m - d},

e.g. 10 % off at a 30 % margin needs 50 % more volume. A discount at or above the margin
can never pay (infinite break-even).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from portfolio_lib import _validate, journey, rfm
from portfolio_lib._counts import real_number
from portfolio_lib._errors import DataValidationError, format_examples, raise_for_rows
from portfolio_lib._results import ResultSummary, SettingsResult, percent
from portfolio_lib.portfolio.groups import portfolio_groups

__all__ = [
    "DEFAULT_UNIT_COSTS",
    "SERVICE_STAGES",
    "DiscountBySegment",
    "CostToServe",
    "TouchpointsBySegment",
    "break_even_lift",
    "discount_by_segment",
    "cost_to_serve",
    "touchpoints_by_segment",
]

#: Illustrative unit costs of serving a customer (currency units per contact): a service
#: touchpoint (an e-mail, an app message, a loyalty or campaign touch after the purchase)
#: 1.0; handling a complaint (agent time, goodwill) 25.0; processing a return (shipping,
#: inspection, restocking) 8.0. Replace them with the company's own activity-based costs.
DEFAULT_UNIT_COSTS: dict[str, float] = {"touchpoint": 1.0, "complaint": 25.0, "return": 8.0}
#: Journey stages whose touches are service contacts (after the first purchase).
SERVICE_STAGES: tuple[str, ...] = ("deepening",)
ALL = "all"


# -- shared input checks -------------------------------------------------------------------
def _segments(segments: object, *, name: str = "segments") -> pd.Series:
    """``segments`` as a Series customer id -> label (unique ids, no missing label)."""
    if not isinstance(segments, pd.Series):
        raise DataValidationError(
            f"{name} must be a pandas Series of labels indexed by customer id, got "
            f"{type(segments).__name__}"
        )
    if segments.empty:
        raise DataValidationError(f"{name} is empty: there is no customer to group")
    _validate.unique_index(segments, name=name)
    missing = segments.isna()
    if missing.any():
        shown = segments[missing].rename("segment").to_frame()
        raise DataValidationError(
            f"{name}: {int(missing.sum())} customer(s) have no label. Examples:\n"
            + format_examples(shown)
        )
    return segments.astype("object")


def _labels_for(
    ids: pd.Index, segments: pd.Series, *, name: str, table: str, column: str = "customer_id"
) -> pd.Series:
    """The label of each id in ``ids``; an id without one raises (nothing dropped)."""
    lacking = ids.difference(segments.index)
    if len(lacking):
        raise DataValidationError(
            f"segments has no label for {len(lacking)} customer(s) of {table}, column "
            f"{column!r}, e.g. {list(lacking[:5])}; label every customer ({name})"
        )
    return segments.reindex(ids)


def _keys(frame: pd.DataFrame, column: str, *, name: str) -> pd.Series:
    raise_for_rows(frame, frame[column].isna(), column=column, problem="must not be missing",
                   name=name)  # fmt: skip
    return frame[column]


def _fraction(value: object, name: str) -> float:
    value = real_number(value, name, 0.0)
    if value >= 1.0:
        raise ValueError(f"{name} must be a fraction of the list price in [0, 1), got {value!r}")
    return value


def break_even_lift(discount: float, margin: float) -> float:
    """Extra volume (a fraction) a discount needs to keep the gross profit: ``d / (m - d)``.

    Parameters
    ----------
    discount : float
        Discount as a fraction of the list price, ``0 <= d < 1``.
    margin : float
        Gross margin as a fraction of the list price, ``0 < m <= 1``.

    Returns
    -------
    float
        The required relative volume increase (0.5 = +50 %); ``inf`` when ``d >= m`` (the
        discount eats the whole margin, no volume can pay for it).

    Examples
    --------
    >>> round(break_even_lift(0.1, 0.3), 6)
    0.5
    >>> break_even_lift(0.3, 0.3)
    inf
    """
    d = _fraction(discount, "discount")
    m = real_number(margin, "margin", 0.0, strict=True)
    if m > 1:
        raise ValueError(f"margin must be a fraction of the list price in (0, 1], got {margin!r}")
    return float("inf") if d >= m else d / (m - d)


# -- price: discount depth by segment against margin ---------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class DiscountBySegment(SettingsResult):
    """Discount depth, margin and volume response per segment (:func:`discount_by_segment`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment and a last row ``all``: ``n_treated``, ``n_control``
        (customer-campaign pairs), ``purchases_treated``, ``purchases_control`` (purchases per
        customer in the campaign windows), ``volume_lift`` (treated / control - 1),
        ``lift_low``, ``lift_high`` (delta-method interval of the ratio), ``revenue``
        (treated arm's paid revenue in the windows, currency units), ``offer_revenue`` (of
        it, purchases redeemed on the offer), ``offer_discount`` and ``points_discount``
        (loyalty points redeemed x ``value_per_point``), ``discount_given`` (their sum, currency
        units), ``discount_depth`` (discount given / list-price revenue, 0-1), ``margin_before``
        (``margin``), ``margin_after`` (``margin - discount_depth``, on the list price),
        ``gross_profit_before``, ``gross_profit_after`` (currency units),
        ``break_even_lift`` and ``verdict`` (``clears``, ``falls short``, ``undecided`` or
        ``no comparison``).
    discount, margin : float
        Offer depth and gross margin, fractions of the list price.
    value_per_point : float
        Currency units a redeemed loyalty point takes off the price (0: points not counted).
    campaigns : tuple of str
        The campaigns evaluated.
    confidence : float
        Level of the lift intervals.
    note : str
        Why some values are NaN or why the table is empty; who was left out of the arms
        (inactive customers) and how many.
    """

    table: pd.DataFrame
    discount: float
    margin: float
    value_per_point: float
    campaigns: tuple[str, ...]
    confidence: float
    note: str = field(default="", repr=False)
    _row_name = "rows"

    def summary(self) -> ResultSummary:
        """The rule, the campaigns and the overall lift against break-even."""
        rows: list[tuple[str, str]] = [
            ("campaigns", ", ".join(self.campaigns) or "none"),
            ("discount", f"{percent(self.discount)} of the list price"),
            ("margin", f"{percent(self.margin)} of the list price"),
            ("break-even lift", f"{break_even_lift(self.discount, self.margin):.1%}"),
        ]
        if ALL in self.table.index:
            total = self.table.loc[ALL]
            rows.append(
                ("observed lift (all)",
                 f"{total['volume_lift']:.1%} [{total['lift_low']:.1%}, {total['lift_high']:.1%}]")
            )  # fmt: skip
        notes = ("break-even lift = discount / (margin - discount); a segment clears it when "
                 f"the lower {percent(self.confidence)} bound of its lift does",)  # fmt: skip
        return ResultSummary("Discount depth by segment", tuple(rows),
                             notes + ((self.note,) if self.note else ()))  # fmt: skip

    def decisions(self) -> pd.Series:
        """One pricing decision per segment, written from its verdict and numbers."""
        text = {}
        for segment, row in self.table.drop(index=ALL, errors="ignore").iterrows():
            lift = (f"volume lift {row['volume_lift']:.0%} [{row['lift_low']:.0%}, "
                    f"{row['lift_high']:.0%}] vs break-even {row['break_even_lift']:.0%}")  # fmt: skip
            text[segment] = {
                "clears": f"keep the {percent(self.discount)} offer: {lift}",
                "falls short": f"stop blanket discounts, use non-price value: {lift}",
                "undecided": f"test again with a control group before deciding: {lift}",
            }.get(row["verdict"], "no comparison group: cannot judge the discount")
        return pd.Series(text, name="price decision", dtype="object")


def _campaign_rows(
    tx: pd.DataFrame,
    offer: pd.Series,
    points: pd.Series,
    campaign: pd.Series,
    arms: pd.DataFrame,
    active_within_days: float | None,
) -> tuple[pd.DataFrame, int]:
    """Per customer of one campaign's arms: purchases, revenue and offer revenue in its window."""
    start, end, cid = campaign["start_date"], campaign["end_date"], campaign["campaign_id"]
    treated = pd.Index(arms.loc[arms["arm"] == "treatment", "customer"].unique())
    if (arms["arm"] == "control").any():
        control = pd.Index(arms.loc[arms["arm"] == "control", "customer"].unique())
    else:  # the customers of the day who were not contacted
        control = pd.Index(tx.loc[tx["day"] < start, "customer"].unique()).difference(treated)
    excluded = 0
    if active_within_days is not None:
        recent = tx["day"].between(start - pd.Timedelta(days=active_within_days),
                                   start - pd.Timedelta(days=1)) & ~tx["is_return"]  # fmt: skip
        active = pd.Index(tx.loc[recent, "customer"].unique())
        excluded = len(treated.difference(active))
        treated, control = treated.intersection(active), control.intersection(active)
    inside = tx["day"].between(start, end) & ~tx["is_return"]
    window = tx.loc[inside]
    purchases = window.groupby("customer").size()
    revenue = window.groupby("customer")["amount"].sum()
    redeemed = window.loc[offer.loc[window.index] == cid].groupby("customer")["amount"].sum()
    spent = points.loc[window.index].groupby(window["customer"]).sum()
    ids = treated.append(control)
    return pd.DataFrame(
        {
            "customer": ids,
            "treated": np.r_[np.ones(len(treated), bool), np.zeros(len(control), bool)],
            "purchases": purchases.reindex(ids, fill_value=0).to_numpy(float),
            "revenue": revenue.reindex(ids, fill_value=0.0).to_numpy(),
            "offer_revenue": redeemed.reindex(ids, fill_value=0.0).to_numpy(),
            "points": spent.reindex(ids, fill_value=0.0).to_numpy(float),
        }
    ), excluded


def _lift(
    treated: pd.Series, control: pd.Series, z: float
) -> tuple[float, float, float, float, float]:
    """Means of both arms, ratio - 1 and its delta-method interval (on the log ratio)."""
    mt, mc = float(treated.mean()), float(control.mean()) if len(control) else np.nan
    if not (len(treated) > 1 and len(control) > 1 and mt > 0 and mc > 0):
        return mt, mc, (mt / mc - 1 if mc > 0 else np.nan), np.nan, np.nan
    se = np.sqrt(treated.var() / (len(treated) * mt**2) + control.var() / (len(control) * mc**2))
    ratio = mt / mc
    return mt, mc, ratio - 1, ratio * np.exp(-z * se) - 1, ratio * np.exp(z * se) - 1


def _verdict(low: float, high: float, need: float) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no comparison"
    if low >= need:
        return "clears"
    return "falls short" if high < need else "undecided"


def discount_by_segment(
    transactions: pd.DataFrame,
    campaigns: pd.DataFrame,
    contacts: pd.DataFrame,
    segments: pd.Series | None = None,
    *,
    discount: float,
    margin: float,
    at_risk_after_days: float = 180.0,
    value_per_point: float = 0.0,
    points_col: str = "points_redeemed",
    campaign_type: str = "discount",
    campaign_ids: Sequence[str] | None = None,
    active_within_days: float | None = 180.0,
    confidence: float = 0.95,
    if_missing: Literal["raise", "note"] = "raise",
) -> DiscountBySegment:
    """Discount depth by segment against margin, and whether the volume response pays for it.

    For each campaign of ``campaign_type`` (or the ``campaign_ids``), the **treated** arm
    are the contacted customers and the **control** arm the recorded control customers; a
    campaign without a recorded control (a targeted random half) is compared with the
    customers of the day (a purchase before the start) who were not contacted. With
    ``active_within_days`` both arms keep only customers with a purchase in that many days
    before the start (the usual "active" target rule), so the arms are comparable; the note
    says how many contacted customers that leaves out. Per segment:

    * volume = purchases per customer in the campaign window (returns are not purchases);
      ``volume_lift = treated / control - 1`` with a delta-method interval on the log ratio;
    * discount given = the revenue of purchases redeemed on the offer (``campaign_id`` of
      the campaign in ``transactions``) x ``discount / (1 - discount)`` - the amounts are
      paid prices, so the list price is amount / (1 - discount); with ``value_per_point`` the
      loyalty points redeemed in the window are price reductions too (points x value);
    * margin before = ``margin``; margin after = ``margin - discount_depth`` (both on the
      list price), with the gross profit in currency units;
    * break-even lift = ``discount / (margin - discount)``
      (:func:`break_even_lift`); the verdict is ``clears`` when the lift's lower bound
      reaches it, ``falls short`` when its upper bound stays below, else ``undecided``.

    Customer-campaign pairs are the units: a customer in two campaigns counts twice.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount``, ``campaign_id`` (the offer a purchase was
        redeemed on, missing otherwise) and optionally ``is_return``.
    campaigns : pandas.DataFrame
        ``campaign_id``, ``type``, ``start_date``, ``end_date`` (inclusive).
    contacts : pandas.DataFrame
        ``campaign_id``, ``customer_id``, ``arm`` (``treatment`` or ``control``).
    segments : pandas.Series, optional
        Label per customer id, fixed before the campaigns (a motive, a persona, groups
        assigned earlier), so that the response does not define the segment; every customer
        in an arm needs one. Default: the portfolio groups
        (:func:`~portfolio_lib.portfolio.portfolio_groups` with ``margin`` and
        ``at_risk_after_days``) on the day before each campaign's start, from the purchases
        before it - the segment the company saw when it sent the offer.
    discount : float
        Depth of the offer, fraction of the list price (0 <= d < 1). The data do not record
        it; it is the offer's stated depth.
    margin : float
        Gross margin before any discount, fraction of the list price (0 < m <= 1).
    at_risk_after_days : float
        Days without a purchase after which a customer is at risk (only for the default
        ``segments``).
    value_per_point : float
        Currency units one redeemed loyalty point takes off the price (>= 0; the bundled
        company: 0.01). 0 leaves points out (and ``points_col`` need not exist).
    points_col : str
        Column of ``transactions`` with the points redeemed on each purchase.
    campaign_type : str
        Campaign ``type`` to evaluate (ignored when ``campaign_ids`` is given).
    campaign_ids : sequence of str, optional
        The campaigns to evaluate; each must be in ``campaigns``.
    active_within_days : float or None
        Keep in both arms only customers with a purchase in the days before the start
        (days, > 0); None keeps everyone.
    confidence : float
        Level of the lift intervals (0-1).
    if_missing : {"raise", "note"}
        No campaign to evaluate (e.g. a data set without campaigns): raise, or return an
        empty table that says so in ``note``.

    Returns
    -------
    DiscountBySegment

    Raises
    ------
    DataValidationError
        A table that is not a DataFrame or lacks a column, missing ids or dates, an unknown
        arm or campaign id, a customer in an arm without a segment label.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c", "d", "a", "b", "c", "b"],
    ...     "date": pd.to_datetime(["2024-01-02"] * 4 + ["2024-02-02"] * 3 + ["2024-02-05"]),
    ...     "amount": [10.0] * 8, "campaign_id": [None] * 4 + ["K1", "K1", None, None]})
    >>> camp = pd.DataFrame({"campaign_id": ["K1"], "type": ["discount"],
    ...     "start_date": pd.to_datetime(["2024-02-01"]),
    ...     "end_date": pd.to_datetime(["2024-02-10"])})
    >>> arms = pd.DataFrame({"campaign_id": "K1", "customer_id": ["a", "b"],
    ...                      "arm": "treatment"})
    >>> seg = pd.Series({"a": "x", "b": "x", "c": "x", "d": "x"})
    >>> r = discount_by_segment(tx, camp, arms, seg, discount=0.1, margin=0.3)
    >>> r.table.loc["x", ["purchases_treated", "purchases_control", "volume_lift"]].tolist()
    [1.5, 0.5, 2.0]
    >>> round(float(r.table.loc["x", "break_even_lift"]), 2)
    0.5
    """
    discount = _fraction(discount, "discount")
    need = break_even_lift(discount, margin)
    value_per_point = real_number(value_per_point, "value_per_point", 0.0)
    margin = float(margin)
    confidence = _validate.confidence(confidence)
    if active_within_days is not None:
        active_within_days = real_number(active_within_days, "active_within_days", 0, strict=True)
    if if_missing not in ("raise", "note"):
        raise ValueError(f"if_missing must be 'raise' or 'note', got {if_missing!r}")
    labels = None if segments is None else _segments(segments)
    _validate.table(campaigns, name="campaigns",
                    columns=["campaign_id", "type", "start_date", "end_date"])  # fmt: skip
    _validate.table(contacts, name="contacts", columns=["campaign_id", "customer_id", "arm"])
    camp = campaigns.assign(
        campaign_id=_keys(campaigns, "campaign_id", name="campaigns"),
        start_date=_validate.dates(campaigns, "start_date", name="campaigns").dt.normalize(),
        end_date=_validate.dates(campaigns, "end_date", name="campaigns").dt.normalize(),
    )
    raise_for_rows(camp, camp["end_date"] < camp["start_date"], column="end_date",
                   problem="is before start_date", name="campaigns")  # fmt: skip
    if campaign_ids is None:
        chosen = camp.loc[camp["type"] == campaign_type]
    else:
        unknown = sorted(set(campaign_ids) - set(camp["campaign_id"]))
        if unknown:
            raise DataValidationError(
                f"campaign_ids: {unknown} not in campaigns, column 'campaign_id'"
            )
        chosen = camp.loc[camp["campaign_id"].isin(list(campaign_ids))]
    _keys(contacts, "customer_id", name="contacts")
    bad_arm = ~contacts["arm"].isin(["treatment", "control"])
    raise_for_rows(contacts, bad_arm, column="arm", name="contacts",
                   problem="must be 'treatment' or 'control'")  # fmt: skip

    def nothing(message: str) -> DiscountBySegment:
        if if_missing == "raise":
            raise DataValidationError(message)
        return DiscountBySegment(pd.DataFrame(columns=_PRICE_COLUMNS), discount, margin, value_per_point,
                                 tuple(chosen["campaign_id"]), confidence, message)  # fmt: skip

    if chosen.empty:
        return nothing(f"campaigns: column 'type' has no campaign of type {campaign_type!r} "
                       f"to evaluate ({len(camp)} rows)")  # fmt: skip
    _validate.table(transactions, name="transactions", columns=["campaign_id"])
    tx = _validate.transactions(transactions)
    if tx.empty:
        raise DataValidationError("transactions has no rows: there is no purchase to compare")
    offer = pd.Series(transactions["campaign_id"].to_numpy(), index=tx.index)
    points = pd.Series(0.0, index=tx.index)
    if value_per_point > 0:
        _validate.table(transactions, name="transactions", columns=[points_col])
        spent = _validate.numeric(transactions, points_col, name="transactions")
        raise_for_rows(transactions, spent < 0, column=points_col, name="transactions",
                       problem="must be >= 0 (points redeemed)")  # fmt: skip
        points = pd.Series(spent.to_numpy() * value_per_point, index=tx.index)
    parts, excluded, notes = [], 0, []
    for _, campaign in chosen.iterrows():
        arms = contacts.loc[contacts["campaign_id"] == campaign["campaign_id"]]
        arms = pd.DataFrame({"customer": arms["customer_id"].to_numpy(),
                             "arm": arms["arm"].to_numpy()})  # fmt: skip
        rows, left_out = _campaign_rows(tx, offer, points, campaign, arms, active_within_days)
        excluded += left_out
        seen = labels
        if seen is None:  # the portfolio groups the company saw the day before the start
            before = transactions.iloc[tx.index[tx["day"] < campaign["start_date"]]]
            day = campaign["start_date"] - pd.Timedelta(days=1)
            seen = pd.Series(dtype="object") if before.empty else portfolio_groups(
                rfm.rfm_table(before, observation_end=day), margin=margin,
                at_risk_after_days=at_risk_after_days).table["group"]  # fmt: skip
        rows["segment"] = _labels_for(
            pd.Index(rows["customer"]), seen, name="campaign arms", table="contacts"
        ).to_numpy()
        parts.append(rows.assign(campaign=campaign["campaign_id"]))
    pairs = pd.concat(parts, ignore_index=True)
    if not pairs["treated"].any():
        active = "" if active_within_days is None else \
            f" with a purchase in the {active_within_days:g} days before the start"  # fmt: skip
        return nothing(f"contacts: no customer of arm 'treatment' (column 'arm') in the "
                       f"campaigns {list(chosen['campaign_id'])}{active}")  # fmt: skip
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    rows = {}
    for segment, group in [*pairs.groupby("segment", sort=True), (ALL, pairs)]:
        t, c = group.loc[group["treated"]], group.loc[~group["treated"]]
        mt, mc, lift, low, high = _lift(t["purchases"], c["purchases"], z)
        offer_revenue = float(t["offer_revenue"].sum())
        offer_discount = offer_revenue * discount / (1 - discount)
        given = offer_discount + float(t["points"].sum())
        list_revenue = float(t["revenue"].sum()) + given
        depth = given / list_revenue if list_revenue > 0 else 0.0
        rows[segment] = {
            "n_treated": len(t), "n_control": len(c), "purchases_treated": mt,
            "purchases_control": mc, "volume_lift": lift, "lift_low": low, "lift_high": high,
            "revenue": float(t["revenue"].sum()), "offer_revenue": offer_revenue,
            "offer_discount": offer_discount, "points_discount": float(t["points"].sum()),
            "discount_given": given, "discount_depth": depth, "margin_before": margin,
            "margin_after": margin - depth, "gross_profit_before": margin * list_revenue,
            "gross_profit_after": margin * list_revenue - given, "break_even_lift": need,
            "verdict": _verdict(low, high, need),
        }  # fmt: skip
    table = pd.DataFrame.from_dict(rows, orient="index")[_PRICE_COLUMNS]
    table.index.name = "segment"
    if excluded:
        notes.append(f"{excluded} contacted customer-campaign pair(s) had no purchase in the "
                     f"{active_within_days:g} days before the start and are left out of both "
                     "arms' comparison")  # fmt: skip
    undefined = table.index[table["lift_low"].isna()].tolist()
    if undefined:
        notes.append(f"lift interval is NaN (no comparison) for {undefined}: an arm with fewer "
                     "than two customers or no purchases")  # fmt: skip
    return DiscountBySegment(table, discount, margin, value_per_point,
                             tuple(chosen["campaign_id"]), confidence, "; ".join(notes))  # fmt: skip


_PRICE_COLUMNS = [
    "n_treated", "n_control", "purchases_treated", "purchases_control", "volume_lift",
    "lift_low", "lift_high", "revenue", "offer_revenue", "offer_discount", "points_discount",
    "discount_given", "discount_depth",
    "margin_before", "margin_after", "gross_profit_before", "gross_profit_after",
    "break_even_lift", "verdict",
]  # fmt: skip


# -- service level: cost-to-serve by segment -------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class CostToServe(SettingsResult):
    """Service contacts, their cost and profit after service per segment (:func:`cost_to_serve`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment: ``n_customers``, ``gross_profit`` (margin x net revenue,
        currency units), ``n_touchpoints``, ``n_complaints``, ``n_returns`` (contacts),
        ``cost_touchpoints``, ``cost_complaints``, ``cost_returns``, ``cost_to_serve``
        (currency units), ``profit_after_service`` (gross profit - cost to serve), the same
        per customer (``gross_profit_per_customer``, ``cost_per_customer``,
        ``profit_after_service_per_customer``) and ``cost_share`` (cost to serve / gross
        profit; NaN where the gross profit is not positive).
    margin : float
        Gross margin, fraction of revenue.
    unit_costs : dict
        Currency units per ``touchpoint``, ``complaint`` and ``return``.
    service_stages : tuple of str
        Journey stages counted as service touchpoints.
    note : str
        Empty event tables (counted as no contacts) and undefined cost shares.
    """

    table: pd.DataFrame
    margin: float
    unit_costs: dict[str, float]
    service_stages: tuple[str, ...]
    note: str = field(default="", repr=False)
    _row_name = "segments"

    @property
    def totals(self) -> pd.Series:
        """The sums over all segments (counts and currency units)."""
        return self.table[_SERVICE_SUMS].sum()

    def summary(self) -> ResultSummary:
        """Total cost to serve, its share of gross profit and the unit costs."""
        total = self.totals
        share = total["cost_to_serve"] / total["gross_profit"] if total["gross_profit"] > 0 \
            else float("nan")  # fmt: skip
        rows = (
            ("customers", f"{int(total['n_customers']):,}"),
            ("gross profit", f"{total['gross_profit']:,.2f}"),
            ("cost to serve", f"{total['cost_to_serve']:,.2f} ({share:.1%} of gross profit)"),
            ("profit after service", f"{total['profit_after_service']:,.2f}"),
            ("unit costs", ", ".join(f"{k} {v:g}" for k, v in self.unit_costs.items())),
        )
        return ResultSummary("Cost to serve by segment", rows,
                             (self.note,) if self.note else ())  # fmt: skip

    def decisions(self, *, max_share: float = 0.25) -> pd.Series:
        """A service-level decision per segment from its profit after service.

        ``max_share`` is the share of gross profit (0-1) above which serving costs too much.
        """
        max_share = _fraction(max_share, "max_share")
        text = {}
        for segment, row in self.table.iterrows():
            after = row["profit_after_service_per_customer"]
            largest = max(("touchpoints", "complaints", "returns"),
                          key=lambda k: row[f"cost_{k}"])  # fmt: skip
            if not row["gross_profit"] > 0:
                text[segment] = (f"no gross profit to carry any service ({row['gross_profit']:,.2f}"
                                 f"): serve at the lowest cost, first cut {largest}")  # fmt: skip
            elif after < 0:
                text[segment] = (f"serve at lower cost (self-service, digital): service costs "
                                 f"more than the gross profit ({after:,.2f} per customer); "
                                 f"first cut {largest}")  # fmt: skip
            elif row["cost_share"] > max_share:
                text[segment] = (f"review the service level: {row['cost_share']:.0%} of gross "
                                 f"profit goes to service, most on {largest}")  # fmt: skip
            else:
                text[segment] = (f"keep the service level: {row['cost_share']:.0%} of gross "
                                 f"profit, {after:,.2f} per customer left after service")  # fmt: skip
        return pd.Series(text, name="service decision", dtype="object")


_SERVICE_SUMS = [
    "n_customers", "gross_profit", "n_touchpoints", "n_complaints", "n_returns",
    "cost_touchpoints", "cost_complaints", "cost_returns", "cost_to_serve",
    "profit_after_service",
]  # fmt: skip


def _unit_costs(unit_costs: Mapping[str, float] | None) -> dict[str, float]:
    if unit_costs is None:
        return dict(DEFAULT_UNIT_COSTS)
    if not isinstance(unit_costs, Mapping):
        raise TypeError(f"unit_costs must be a mapping, got {type(unit_costs).__name__}")
    unknown = sorted(set(unit_costs) - set(DEFAULT_UNIT_COSTS))
    if unknown:
        raise ValueError(f"unit_costs: unknown kind(s) {unknown}; use {list(DEFAULT_UNIT_COSTS)}")
    merged = {**DEFAULT_UNIT_COSTS, **unit_costs}
    return {k: real_number(v, f"unit_costs[{k!r}]", 0.0) for k, v in merged.items()}


def _contacts_per_customer(
    frame: pd.DataFrame, labels: pd.Series, *, name: str, keep: pd.Series | None = None
) -> tuple[pd.Series, str]:
    """Rows per customer of an event table (all rows, or those flagged in ``keep``)."""
    _validate.table(frame, name=name, columns=["customer_id"])
    ids = _keys(frame, "customer_id", name=name)
    if keep is not None:
        ids = ids[keep.to_numpy()]
    _labels_for(pd.Index(ids.unique()), labels, name="every customer with a contact", table=name)
    note = f"{name} has no rows: counted as no contacts" if frame.empty else ""
    return ids.value_counts(), note


def cost_to_serve(
    transactions: pd.DataFrame,
    touchpoints: pd.DataFrame,
    complaints: pd.DataFrame,
    segments: pd.Series,
    *,
    margin: float,
    unit_costs: Mapping[str, float] | None = None,
    service_stages: Sequence[str] = SERVICE_STAGES,
) -> CostToServe:
    """Cost-to-serve by segment: service contacts x unit costs against gross profit.

    Per customer, the contacts are the **service touchpoints** (touches in
    ``service_stages``: after the first purchase), the **complaints** and the **returns**
    (transaction rows flagged ``is_return`` or with a negative amount). Cost to serve =
    sum of contacts x ``unit_costs``; gross profit = ``margin`` x net revenue (purchases
    minus refunds); profit after service = gross profit - cost to serve. Summed per segment;
    the segments' totals add up to the whole (:attr:`CostToServe.totals`).

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount`` and optionally ``is_return``.
    touchpoints : pandas.DataFrame
        ``customer_id``, ``stage``; only rows in ``service_stages`` are counted (prospects'
        earlier touches are not service).
    complaints : pandas.DataFrame
        ``customer_id``, one row per complaint.
    segments : pandas.Series
        Label per customer id; every customer in ``transactions`` and every customer with a
        counted contact needs one (nothing is dropped). Labelled customers without
        transactions count with zero revenue.
    margin : float
        Gross margin, fraction of revenue (0 < m <= 1).
    unit_costs : mapping, optional
        Currency units per ``touchpoint``, ``complaint``, ``return``; missing kinds take
        :data:`DEFAULT_UNIT_COSTS` (1.0, 25.0, 8.0 - illustrative, not measured).
    service_stages : sequence of str
        Stages of ``touchpoints`` that are service contacts; default ``("deepening",)``.

    Returns
    -------
    CostToServe

    Raises
    ------
    DataValidationError
        A table that is not a DataFrame or lacks a column, a missing id, an invalid
        transaction row, a customer without a segment label.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-02"]),
    ...     "amount": [100.0, -20.0, 50.0], "is_return": [False, True, False]})
    >>> tp = pd.DataFrame({"customer_id": ["b", "b", "P1"],
    ...                    "stage": ["deepening", "deepening", "discovery"]})
    >>> cp = pd.DataFrame({"customer_id": ["a"]})
    >>> r = cost_to_serve(tx, tp, cp, pd.Series({"a": "x", "b": "y"}), margin=0.5)
    >>> r.table["cost_to_serve"].tolist(), r.table["profit_after_service"].tolist()
    ([33.0, 2.0], [7.0, 23.0])
    """
    margin = real_number(margin, "margin", 0.0, strict=True)
    if margin > 1:
        raise ValueError(f"margin must be a fraction of revenue in (0, 1], got {margin!r}")
    costs = _unit_costs(unit_costs)
    if isinstance(service_stages, str) or not all(isinstance(s, str) for s in service_stages):
        raise TypeError(f"service_stages must be a sequence of stage names, got {service_stages!r}")
    service_stages = tuple(service_stages)
    labels = _segments(segments)
    tx = _validate.transactions(transactions)
    _labels_for(pd.Index(tx["customer"].unique()), labels, name="every buyer", table="transactions")
    _validate.table(touchpoints, name="touchpoints", columns=["customer_id", "stage"])
    touches, note_t = _contacts_per_customer(
        touchpoints, labels, name="touchpoints", keep=touchpoints["stage"].isin(service_stages)
    )
    complaints_n, note_c = _contacts_per_customer(complaints, labels, name="complaints")
    ids = labels.index
    per = pd.DataFrame(
        {
            "segment": labels,
            "n_customers": 1,
            "gross_profit": margin * tx.groupby("customer")["amount"].sum().reindex(ids, fill_value=0.0),
            "n_touchpoints": touches.reindex(ids, fill_value=0),
            "n_complaints": complaints_n.reindex(ids, fill_value=0),
            "n_returns": tx.loc[tx["is_return"]].groupby("customer").size().reindex(ids, fill_value=0),
        },
        index=ids,
    )  # fmt: skip
    for kind in ("touchpoints", "complaints", "returns"):
        per[f"cost_{kind}"] = per[f"n_{kind}"] * costs[kind.rstrip("s")]
    per["cost_to_serve"] = per[["cost_touchpoints", "cost_complaints", "cost_returns"]].sum(axis=1)
    per["profit_after_service"] = per["gross_profit"] - per["cost_to_serve"]
    table = per.groupby("segment", sort=True)[_SERVICE_SUMS].sum()
    for column in ("gross_profit", "cost", "profit_after_service"):
        source = "cost_to_serve" if column == "cost" else column
        table[f"{column}_per_customer"] = table[source] / table["n_customers"]
    positive = table["gross_profit"] > 0
    table["cost_share"] = (table["cost_to_serve"] / table["gross_profit"]).where(positive)
    notes = [n for n in (note_t, note_c) if n]
    if not positive.all():
        notes.append(f"cost_share is NaN for {table.index[~positive].tolist()}: gross profit <= 0")
    return CostToServe(table, margin, costs, service_stages, "; ".join(notes))


# -- touchpoints per segment: the journey funnel by group -------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class TouchpointsBySegment(SettingsResult):
    """The journey funnel, touches and channels per segment (:func:`touchpoints_by_segment`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment and stage: the columns of
        :func:`portfolio_lib.journey.stage_funnel` (``reached``, ``step_conversion`` and
        ``overall_conversion`` with Wilson intervals, ...) plus ``touches`` (touches in the
        stage) and ``touches_per_person`` (per person with a touch in it; NaN where nobody
        has one).
    channels : pandas.DataFrame
        Segments x channels: share of the segment's touches on each channel (rows sum to 1).
    confidence : float
        Level of the Wilson intervals.
    other : str or None
        The label given to people without one (see :func:`touchpoints_by_segment`).
    note : str
        What is NaN and why; people labelled ``other``.
    """

    table: pd.DataFrame
    channels: pd.DataFrame = field(repr=False)
    confidence: float
    other: str | None = None
    note: str = field(default="", repr=False)
    _row_name = "rows"

    def reach(self, stage: str) -> pd.DataFrame:
        """Per segment: share reaching ``stage`` and its interval (0-1)."""
        rows = self.table.loc[self.table["stage"] == stage]
        if rows.empty and not self.table.empty:
            raise ValueError(
                f"stage {stage!r} is not in the funnel: {self.table['stage'].unique()}"
            )
        return rows.set_index("group")[["reached", "overall_conversion", "overall_ci_low",
                                        "overall_ci_high"]]  # fmt: skip

    def summary(self) -> ResultSummary:
        """Segments, people and the last stage's reach per segment."""
        last = self.table["stage"].iloc[-1] if len(self.table) else "-"
        rows = tuple(
            (f"{group}: reach {last}",
             f"{r['overall_conversion']:.1%} [{r['overall_ci_low']:.1%}, {r['overall_ci_high']:.1%}]")
            for group, r in self.reach(last).iterrows()
        ) if len(self.table) else ()  # fmt: skip
        return ResultSummary("Touchpoints by segment", rows, (self.note,) if self.note else ())

    def decisions(self, stage: str = "deepening") -> pd.Series:
        """Where to add touchpoints: segments whose reach of ``stage`` differs from the rest.

        A segment is compared with the people of all other labelled segments (the ``other``
        label, e.g. prospects, is left out of the comparison and gets no decision).
        """
        reach = self.reach(stage).drop(index=[self.other], errors="ignore")
        if reach.empty:
            return pd.Series(dtype="object", name="touchpoint decision")
        first = self.table.loc[self.table["stage"] == self.table["stage"].iloc[0]]
        people = first.set_index("group")["reached"].reindex(reach.index)
        text = {}
        for group, r in reach.iterrows():
            rest_people = people.drop(index=group).sum()
            rest = reach["reached"].drop(index=group).sum() / rest_people if rest_people else np.nan
            share = f"{r['overall_conversion']:.0%} reach {stage} (other segments {rest:.0%})"
            if r["overall_ci_high"] < rest:
                text[group] = f"add {stage} touchpoints (loyalty invitation, follow-up): {share}"
            elif r["overall_ci_low"] > rest:
                text[group] = f"keep the touchpoint plan, it works: {share}"
            else:
                text[group] = f"no clear difference, keep and monitor: {share}"
        return pd.Series(text, name="touchpoint decision", dtype="object")


def touchpoints_by_segment(
    touchpoints: pd.DataFrame,
    segments: pd.Series,
    *,
    other: str | None = None,
    channel_col: str | None = "channel",
    stages: Sequence[str] = journey.STAGES,
    confidence: float = 0.95,
    if_missing: Literal["raise", "note"] = "raise",
) -> TouchpointsBySegment:
    """The journey funnel per segment: stage reach and conversion, touches and channels.

    Reach follows :func:`portfolio_lib.journey.stage_funnel`: a person reaches a stage
    with a touch in it or in a later stage; ``overall_conversion`` is the share of the
    segment's people reaching the stage and ``step_conversion`` the share of those at the
    previous stage, both with Wilson intervals. For customers all stages up to the purchase
    are reached by definition, so the segments differ in ``deepening`` (joining the loyalty
    programme, campaign participation) and in how many touches each stage took.

    Parameters
    ----------
    touchpoints : pandas.DataFrame
        Journey events: ``customer_id``, ``timestamp``, ``stage`` (and ``channel_col``).
    segments : pandas.Series
        Label per person id.
    other : str, optional
        Label for people in ``touchpoints`` without a label (e.g. ``"prospect"`` for people
        who never bought); None raises for them instead (nothing is dropped silently).
    channel_col : str or None
        Channel column for the channel mix; None skips it.
    stages : sequence of str
        Stage order; default :data:`portfolio_lib.journey.STAGES`.
    confidence : float
        Level of the Wilson intervals (0-1).
    if_missing : {"raise", "note"}
        A log without rows (a data set without touchpoints): raise, or return an empty
        table that says so in ``note``.

    Returns
    -------
    TouchpointsBySegment

    Raises
    ------
    DataValidationError
        Invalid events (see :func:`portfolio_lib.journey.validate_events`), a person without
        a label when ``other`` is None.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-03"]),
    ...     "stage": ["purchase", "deepening", "purchase", "discovery"],
    ...     "channel": ["store", "email", "search", "social"]})
    >>> r = touchpoints_by_segment(log, pd.Series({"a": "x", "b": "x"}), other="prospect")
    >>> r.reach("deepening")["overall_conversion"].to_dict()
    {'prospect': 0.0, 'x': 0.5}
    """
    confidence = _validate.confidence(confidence)
    if if_missing not in ("raise", "note"):
        raise ValueError(f"if_missing must be 'raise' or 'note', got {if_missing!r}")
    labels = _segments(segments)
    extra = [channel_col] if channel_col is not None else []
    clean = journey.validate_events(touchpoints, stages=stages, extra_cols=extra).events
    if clean.empty:
        message = "touchpoints has no rows: there is no journey to split"
        if if_missing == "raise":
            raise DataValidationError(message)
        empty = pd.DataFrame(columns=["group", "stage", "reached", "overall_conversion",
                                      "overall_ci_low", "overall_ci_high", "touches",
                                      "touches_per_person"])  # fmt: skip
        return TouchpointsBySegment(empty, pd.DataFrame(), confidence, other, message)
    people = pd.Index(clean["customer_id"].unique())
    notes = []
    if other is None:
        mapping = _labels_for(people, labels, name="pass other='...' for them", table="touchpoints")
    else:
        mapping = labels.reindex(people).fillna(other)
        unlabelled = int(labels.reindex(people).isna().sum())
        if unlabelled:
            notes.append(f"{unlabelled} people without a label are counted as {other!r}")
    funnel = journey.stage_funnel(clean, by=mapping, stages=stages, alpha=1 - confidence)
    group = mapping.reindex(clean["customer_id"]).to_numpy()
    touched = clean.assign(group=group).groupby(["group", "stage"])
    counts = pd.DataFrame({"touches": touched.size(),
                           "people": touched["customer_id"].nunique()})  # fmt: skip
    keys = pd.MultiIndex.from_frame(funnel[["group", "stage"]])
    counts = counts.reindex(keys, fill_value=0)
    table = funnel.assign(
        touches=counts["touches"].to_numpy(),
        touches_per_person=(
            counts["touches"] / counts["people"].where(counts["people"] > 0)
        ).to_numpy(),
    )
    channels = pd.DataFrame()
    if channel_col is not None:
        channels = pd.crosstab(group, clean[channel_col].to_numpy(), normalize="index")
        channels.index.name, channels.columns.name = "group", channel_col
    if funnel.attrs.get("note"):
        notes.append(funnel.attrs["note"])
    if table["touches_per_person"].isna().any():
        notes.append("touches_per_person is NaN where nobody of the segment has a touch in "
                     "the stage")  # fmt: skip
    return TouchpointsBySegment(table, channels, confidence, other, "; ".join(notes))
