"""Customer value as a two-sided benefit (değer önerisi, müşteri değeri).

A relationship lasts when both sides gain: the company gets value from the customer (the
customer lifetime value, CLV) and the customer gets value from the company (the *perceived
value* of the offer: price for value, product quality, willingness to recommend).
:func:`value_proposition` places each surveyed customer in a 2x2 of the two sides, high or low
each, and names what to do in each quadrant (:data:`QUADRANT_ACTIONS`).

Perceived value of one survey response is the mean of three scores rescaled to 0-1:
``(rating_price_value - 1) / 4``, ``(rating_product_quality - 1) / 4`` (1-5 scales) and
``nps / 10`` (0-10 scale); a customer's perceived value is the mean over their responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._counts import real_number
from portfolio_lib._errors import DataValidationError, raise_for_rows
from portfolio_lib._results import ResultSummary, SettingsResult
from portfolio_lib.journey._common import undefined_note

__all__ = ["PERCEIVED_SCALES", "QUADRANT_ACTIONS", "ValueProposition", "value_proposition"]

#: Survey column -> (lowest, highest) answer; perceived value rescales each to 0-1.
PERCEIVED_SCALES: dict[str, tuple[int, int]] = {
    "rating_price_value": (1, 5),
    "rating_product_quality": (1, 5),
    "nps": (0, 10),
}
#: (company side, customer side) -> (quadrant, what to do).
QUADRANT_ACTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("high", "high"): ("protect", "both sides gain: protect and reward (service level, "
                                  "loyalty benefits)"),
    ("high", "low"): ("improve the offer", "valuable but gets little: at risk of leaving, "
                                           "improve price/value and quality first"),
    ("low", "high"): ("grow", "gets value but brings little: grow the basket (cross-sell, "
                              "share of wallet)"),
    ("low", "low"): ("serve efficiently", "little on both sides: serve at low cost, do not "
                                          "invest more"),
}  # fmt: skip


@dataclass(frozen=True, repr=False, eq=False)
class ValueProposition(SettingsResult):
    """Company value (CLV) against customer value (perceived), what :func:`value_proposition` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per quadrant (index ``quadrant``, the order of :data:`QUADRANT_ACTIONS`):
        ``company_value`` and ``customer_value`` (``high``/``low``), ``customers`` (count),
        ``share`` (of the customers placed), ``mean_clv`` and ``total_clv`` (currency units),
        ``clv_share`` (of the placed customers' total CLV), ``mean_perceived`` (0-1) and
        ``action`` (text).
    company_threshold : float
        CLV from which the company side is high (currency units; the median by default).
    customer_threshold : float
        Perceived value from which the customer side is high (0-1; the median by default).
    no_survey : int
        Customers with a CLV but no survey response (not placed).
    no_clv : int
        Surveyed customers without a CLV (not placed).
    note : str
        Why nothing was placed, when nothing was; else which quadrants are empty (their means
        are NaN); "" when every quadrant has customers.
    per_customer : pandas.DataFrame
        One row per placed customer: ``clv``, ``perceived_value``, ``responses``,
        ``company_value``, ``customer_value``, ``quadrant`` (and ``group`` when given).
    by_group : pandas.DataFrame
        Customers per group (rows) and quadrant (columns), when ``groups`` was given.
    """

    table: pd.DataFrame
    company_threshold: float
    customer_threshold: float
    no_survey: int
    no_clv: int
    note: str = field(default="", repr=False)
    per_customer: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    by_group: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _row_name = "quadrants"

    @property
    def grid(self) -> pd.DataFrame:
        """The 2x2 of customer counts: rows customer value, columns company value (high, low)."""
        return self.table.pivot_table(index="customer_value", columns="company_value",
                                      values="customers", aggfunc="sum").loc[
            ["high", "low"], ["high", "low"]]  # fmt: skip

    def decisions(self) -> list[str]:
        """One line per quadrant: its size, its share of the CLV and what to do."""
        if not self.table["customers"].sum():
            return [self.note]
        return [
            f"{q} (company {r.company_value}, customer {r.customer_value}): {r.customers:,} "
            f"customers ({r.share:.0%}), {r.clv_share:.0%} of the CLV -> {r.action}"
            for q, r in self.table.iterrows()
            if r.customers > 0
        ]

    def summary(self) -> ResultSummary:
        """Customers placed, the thresholds, the quadrants' sizes, who was not placed."""
        placed = int(self.table["customers"].sum())
        company, customer = self.company_threshold, self.customer_threshold
        rows = [("customers placed", f"{placed:,}"),
                ("CLV high from", "n/a" if np.isnan(company) else f"{company:,.2f}"),
                ("perceived value high from",
                 "n/a" if np.isnan(customer) else f"{customer:.3f} (0-1)")]  # fmt: skip
        rows += [(str(q), f"{int(r.customers):,} customers") for q, r in self.table.iterrows()]
        rows += [("not placed: no survey", f"{self.no_survey:,}"),
                 ("not placed: no CLV", f"{self.no_clv:,}")]  # fmt: skip
        notes = ("Perceived value = mean of price/value and quality ratings and NPS, each 0-1.",)
        notes += (self.note,) if self.note else ()
        return ResultSummary("Two-sided value (değer önerisi)", tuple(rows), notes)


def _perceived(surveys: pd.DataFrame) -> pd.DataFrame:
    """Perceived value (0-1) and the number of responses per surveyed customer."""
    scores = []
    for column, (low, high) in PERCEIVED_SCALES.items():
        values = _validate.numeric(surveys, column, name="surveys")
        raise_for_rows(surveys, values.isna() | (values < low) | (values > high),
                       column=column, problem=f"must be a number from {low} to {high}",
                       name="surveys")  # fmt: skip
        scores.append((values - low) / (high - low))
    score = pd.concat(scores, axis=1).mean(axis=1)
    by = surveys["customer_id"].to_numpy()
    grouped = score.groupby(by)
    return pd.DataFrame({"perceived_value": grouped.mean(), "responses": grouped.size()})


def _quadrant_table(placed: pd.DataFrame) -> pd.DataFrame:
    rows = []
    total = placed["clv"].sum()
    for (company, customer), (name, action) in QUADRANT_ACTIONS.items():
        here = placed[(placed["company_value"] == company) & (placed["customer_value"] == customer)]
        rows.append({
            "quadrant": name, "company_value": company, "customer_value": customer,
            "customers": len(here), "share": len(here) / len(placed) if len(placed) else np.nan,
            "mean_clv": here["clv"].mean(), "total_clv": here["clv"].sum(),
            "clv_share": here["clv"].sum() / total if total > 0 else np.nan,
            "mean_perceived": here["perceived_value"].mean(), "action": action,
        })  # fmt: skip
    return pd.DataFrame(rows).set_index("quadrant")


def value_proposition(
    clv: pd.Series,
    surveys: pd.DataFrame,
    *,
    groups: pd.Series | None = None,
    company_threshold: float | None = None,
    customer_threshold: float | None = None,
) -> ValueProposition:
    """Place customers in a 2x2 of value to the company (CLV) and value to the customer.

    Parameters
    ----------
    clv : pandas.Series
        CLV per customer (currency units), indexed by customer id (unique, no NaN).
    surveys : pandas.DataFrame
        Survey responses: ``customer_id``, ``rating_price_value`` and
        ``rating_product_quality`` (1-5), ``nps`` (0-10); several per customer allowed. With
        no rows (a data set without surveys, e.g. CDNOW) nothing is placed and ``note`` says
        why.
    groups : pandas.Series, optional
        A label per customer (a portfolio group, a value tier, a segment), indexed like
        ``clv``; gives ``by_group``. Every placed customer needs a label.
    company_threshold : float, optional
        CLV from which the company side is high (currency units); default the median CLV of
        the placed customers.
    customer_threshold : float, optional
        Perceived value from which the customer side is high (0-1); default the median of the
        placed customers.

    Returns
    -------
    ValueProposition
        ``table`` per quadrant, ``grid`` (2x2 counts), ``decisions()``, ``per_customer``,
        ``by_group``; counts of who was not placed.

    Raises
    ------
    DataValidationError
        A missing column, a rating outside its scale, a repeated or missing CLV, a placed
        customer without a group, a customer threshold outside 0-1.
    ValueError
        A company threshold that is not a finite number (NaN, text, a boolean).

    Examples
    --------
    >>> clv = pd.Series([100.0, 80.0, 10.0, 5.0], index=["a", "b", "c", "d"])
    >>> surveys = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
    ...                         "rating_price_value": [5, 1, 5, 1],
    ...                         "rating_product_quality": [5, 1, 5, 1], "nps": [10, 0, 10, 0]})
    >>> result = value_proposition(clv, surveys, company_threshold=50, customer_threshold=0.5)
    >>> result.per_customer["quadrant"].tolist()
    ['protect', 'improve the offer', 'grow', 'serve efficiently']
    """
    values = _validate.unique_index(_validate.as_series(clv, name="clv"), name="clv")
    numbers = pd.to_numeric(values, errors="coerce")
    raise_for_rows(values.to_frame("clv"), numbers.isna() | ~np.isfinite(numbers.astype(float)),
                   column="clv", problem="must be a finite number", name="clv")  # fmt: skip
    _validate.table(surveys, name="surveys", columns=["customer_id", *PERCEIVED_SCALES])
    raise_for_rows(surveys, surveys["customer_id"].isna(), column="customer_id",
                   problem="is missing", name="surveys")  # fmt: skip
    if customer_threshold is not None and not 0.0 <= float(customer_threshold) <= 1.0:
        raise DataValidationError(
            f"customer_threshold is a perceived value from 0 to 1, got {customer_threshold!r}"
        )
    perceived = _perceived(surveys)
    placed = perceived.join(numbers.astype(float).rename("clv"), how="inner")
    no_survey = int((~numbers.index.isin(perceived.index)).sum())
    no_clv = len(perceived) - len(placed)
    company = (
        float(placed["clv"].median())
        if company_threshold is None
        else real_number(company_threshold, "company_threshold")
    )
    customer = float(
        placed["perceived_value"].median() if customer_threshold is None else customer_threshold
    )
    placed = placed.assign(
        company_value=np.where(placed["clv"] >= company, "high", "low"),
        customer_value=np.where(placed["perceived_value"] >= customer, "high", "low"),
    )
    names = {key: name for key, (name, _) in QUADRANT_ACTIONS.items()}
    placed["quadrant"] = [
        names[k] for k in zip(placed["company_value"], placed["customer_value"], strict=True)
    ]
    by_group = pd.DataFrame()
    if groups is not None:
        labels = _validate.unique_index(_validate.as_series(groups, name="groups"), name="groups")
        placed["group"] = labels.reindex(placed.index)
        raise_for_rows(placed, placed["group"].isna(), column="group", name="groups",
                       problem="has no label for these surveyed customers")  # fmt: skip
        by_group = pd.crosstab(placed["group"], placed["quadrant"]).reindex(
            columns=[name for name, _ in QUADRANT_ACTIONS.values()], fill_value=0
        )
    placed.index.name = values.index.name or "customer_id"
    table = _quadrant_table(placed)
    note = undefined_note(table.index[table["customers"] == 0], "mean_clv and mean_perceived",
                          "no customer is in the quadrant")  # fmt: skip
    if not len(placed):
        note = (
            "no survey responses of customers with a CLV: the customer side (perceived value) "
            "cannot be measured, so no customer is placed in the 2x2"
        )
    return ValueProposition(
        table=table, company_threshold=company, customer_threshold=customer,
        no_survey=no_survey, no_clv=no_clv, note=note, per_customer=placed, by_group=by_group,
    )  # fmt: skip
