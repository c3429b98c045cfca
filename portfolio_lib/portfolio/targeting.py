"""Cost-aware retention targeting: a call list ranked by expected saved value.

A retention call is worth making when the value it is expected to save exceeds its cost
(chapter 3: an offer costing more than the customer's CLV loses money). For customer ``i``

.. math::

    \\text{saved}_i = p_i \\times \\text{CLV}_i \\times s - c,

with ``p_i`` the churn probability, ``s`` the *save rate* (the share of would-be churners a
call keeps) and ``c`` the cost of one contact. :func:`call_list` ranks customers by it and
keeps those with a positive value; a high churn probability alone does not put a customer on
the list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError
from portfolio_lib._results import ResultSummary, SettingsResult

__all__ = ["CallList", "call_list"]


@dataclass(frozen=True, repr=False, eq=False)
class CallList(SettingsResult):
    """Customers worth a retention call, best first (what :func:`call_list` returns).

    Attributes
    ----------
    table : pandas.DataFrame
        The customers on the list (index customer id), sorted by ``expected_saved_value``
        (highest first): ``p_churn`` (0-1), ``clv`` (currency units), ``value_at_risk``
        (``p_churn x clv``) and ``expected_saved_value`` (``value_at_risk x save_rate -
        contact_cost``, > 0).
    n_candidates : int
        Customers scored.
    save_rate : float
        Share of would-be churners a call keeps (0-1).
    contact_cost : float
        Cost of one call (currency units).
    best_left_out : float
        Highest expected saved value of a customer *not* on the list (<= 0; NaN when every
        candidate is on it).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"expected_saved_value": [4.0]}, index=pd.Index(["a"]))
    >>> CallList(table, 3, 0.2, 2.0, -1.5)
    CallList(1 customers, n_candidates=3, save_rate=0.2, contact_cost=2, best_left_out=-1.5)
    """

    table: pd.DataFrame
    n_candidates: int
    save_rate: float
    contact_cost: float
    best_left_out: float
    _row_name = "customers"

    @property
    def note(self) -> str:
        """Says so when the list is empty (no call is worth its cost) or when nobody was left
        out (``best_left_out`` is then NaN); empty otherwise."""
        if self.table.empty:
            return (
                f"No call is worth its cost: the highest expected saved value of the "
                f"{self.n_candidates} candidate(s) is {self.best_left_out:.4g} <= 0 (contact "
                f"cost {self.contact_cost:g})."
            )
        if self.best_left_out != self.best_left_out:  # NaN: nobody left out
            return "Every candidate is worth a call: nobody was left out (best_left_out is NaN)."
        return ""

    @property
    def total_expected_value(self) -> float:
        """Sum of the expected saved values of the list (currency units)."""
        return float(self.table["expected_saved_value"].sum())

    def summary(self) -> ResultSummary:
        """How many customers are worth a call, and what the list is expected to save."""
        rows = (
            ("candidates", f"{self.n_candidates:,}"),
            ("on the list", f"{len(self.table):,} (expected saved value > 0)"),
            ("expected saved value", f"{self.total_expected_value:,.2f}"),
            ("save rate", f"{self.save_rate:g} of would-be churners kept per call"),
            ("contact cost", f"{self.contact_cost:g} per call"),
        )
        notes = ("expected saved value = p_churn x CLV x save rate - contact cost",)
        return ResultSummary(
            "Retention call list", rows, notes + ((self.note,) if self.note else ()),
        )  # fmt: skip


def _rate(value: float, name: str, *, low: float, high: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < low or (high is not None and value > high):
        upper = "" if high is None else f" and <= {high:g}"
        raise ValueError(f"{name} must be >= {low:g}{upper}, got {value!r}")
    return value


def call_list(
    churn_probability: pd.Series,
    clv: pd.Series,
    *,
    save_rate: float,
    contact_cost: float,
) -> CallList:
    """Rank customers by the value a retention call is expected to save, net of its cost.

    Parameters
    ----------
    churn_probability : pandas.Series
        Probability of leaving per customer (0-1), indexed by customer id, e.g. a churn
        model's ``predict_proba``.
    clv : pandas.Series
        Customer lifetime value per customer (currency units); every scored customer needs
        one.
    save_rate : float
        Share (0-1) of the customers who would have left that a call keeps; a plausible range
        is 0.05-0.3 - test it against a control group (chapter 6, section 5).
    contact_cost : float
        Cost of one call or offer (currency units, >= 0).

    Returns
    -------
    CallList
        The customers with ``expected_saved_value > 0``, highest first. An empty list (no
        call is worth its cost) or a list without anyone left out says so in ``note``.

    Raises
    ------
    DataValidationError
        ``churn_probability`` or ``clv`` is not a Series, repeats a customer id, is not
        numeric; ``churn_probability`` is empty or outside 0..1; ``clv`` lacks a scored
        customer.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.Series({"a": 0.9, "b": 0.5, "c": 0.95})
    >>> clv = pd.Series({"a": 100.0, "b": 200.0, "c": 4.0})
    >>> calls = call_list(p, clv, save_rate=0.2, contact_cost=2.0)
    >>> calls.table["expected_saved_value"].round(2).to_dict()
    {'b': 18.0, 'a': 16.0}
    >>> round(calls.best_left_out, 2)  # c: 0.95 x 4 x 0.2 - 2 < 0, however likely to leave
    -1.24
    """
    save_rate = _rate(save_rate, "save_rate", low=0.0, high=1.0)
    contact_cost = _rate(contact_cost, "contact_cost", low=0.0, high=None)
    if not isinstance(churn_probability, pd.Series):
        raise DataValidationError("churn_probability must be a Series indexed by customer id")
    if churn_probability.empty:
        raise DataValidationError("churn_probability is empty: there is no customer to rank")
    _validate.unique_index(churn_probability, name="churn_probability")
    p = _validate.numeric(churn_probability.rename("p_churn").to_frame(), "p_churn",
                          name="churn_probability")  # fmt: skip
    if ((p < 0) | (p > 1)).any():
        bad = list(p.index[(p < 0) | (p > 1)][:5])
        raise DataValidationError(
            f"churn_probability: column 'p_churn' must lie in 0..1, e.g. customers {bad}"
        )
    if not isinstance(clv, pd.Series):
        raise DataValidationError("clv must be a Series indexed by customer id")
    _validate.unique_index(clv, name="clv")
    value = _validate.reindexed(clv, p.index, name="clv", of="scored customer(s)")
    value = _validate.numeric(value.rename("clv").to_frame(), "clv", name="clv")
    table = pd.DataFrame({"p_churn": p, "clv": value})
    table["value_at_risk"] = table["p_churn"] * table["clv"]
    table["expected_saved_value"] = table["value_at_risk"] * save_rate - contact_cost
    table = table.sort_values("expected_saved_value", ascending=False, kind="mergesort")
    keep = table["expected_saved_value"] > 0
    left_out = table.loc[~keep, "expected_saved_value"]
    best_left_out = float(left_out.max()) if len(left_out) else float("nan")
    return CallList(table.loc[keep], len(table), save_rate, contact_cost, best_left_out)
