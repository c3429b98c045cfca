"""Helpers for the lifecycle, customer-equity and communication-plan lessons (issue 19).

They keep chapters 2, 3 and 6 free of logic while the chapters run on every ``DATASET``:

* :func:`plot_migration` and :func:`chain_shares` are the old names of
  :func:`portfolio_lib.plotting.lifecycle.plot_migration` and
  :func:`portfolio_lib.lifecycle.chain_shares`, kept as re-exports (the chapters call the new
  places);
* :func:`equity_inputs` reads what :func:`portfolio_lib.equity.customer_equity` needs about
  future cohorts from the data: how many customers are won per period, what a recently won
  customer is worth (their CLV) and what winning one costs (the customers' acquisition cost);
* :func:`equity_from_inputs` computes the equity from them (future cohorts worth 0 when
  nobody was won recently, e.g. CDNOW's single cohort);
* :func:`equity_sensitivity` recomputes the equity over a range of acquisition costs;
* :func:`consent_table` takes the consent flags per channel from the customer table, if any;
* :func:`simulate_feedback_loop` runs a communication plan for several periods on simulated
  A/B tests and lets :func:`portfolio_lib.communication.kpi_tracker` adjust it.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "b", "c"],
...                    "date": ["2024-01-05", "2024-04-02", "2024-05-10"],
...                    "amount": [10.0, 5.0, 7.0]})
>>> clv = pd.Series([30.0, 20.0, 40.0], index=["a", "b", "c"])
>>> inputs = equity_inputs(tx, clv, period="Q", lookback=1, annual_discount_rate=0.1)
>>> inputs.acquisitions_per_period, inputs.new_customer_clv.tolist()
(2.0, [20.0, 40.0])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._counts import real_number, whole_number
from portfolio_lib._errors import DataValidationError, as_generator
from portfolio_lib._results import TableResult
from portfolio_lib.campaigns import ab_test
from portfolio_lib.communication import CommunicationPlan, KPITracker, ab_actual, kpi_tracker
from portfolio_lib.equity import CustomerEquity, customer_equity
from portfolio_lib.lifecycle import Period, chain_shares, purchases_by_period
from portfolio_lib.plotting.lifecycle import plot_migration

__all__ = [
    "EquityInputs",
    "plot_migration",
    "chain_shares",
    "equity_inputs",
    "equity_from_inputs",
    "equity_sensitivity",
    "consent_table",
    "FeedbackLoop",
    "simulate_feedback_loop",
]

#: Periods per year of each calendar period, for a per-period discount rate.
_PER_YEAR = {"W": 52.0, "M": 12.0, "Q": 4.0, "Y": 1.0}


@dataclass(frozen=True)
class EquityInputs:
    """What :func:`portfolio_lib.equity.customer_equity` needs about future cohorts.

    Attributes
    ----------
    new_customer_clv : pandas.Series
        CLV of the customers whose first purchase falls in the last ``lookback`` periods
        (currency units): what a newly won customer is worth.
    acquisitions_per_period : float
        Mean number of customers won per period over those periods.
    acquisition_cost : float
        Mean acquisition cost of those customers (currency units; 0 when unknown).
    discount_rate : float
        Discount rate per period from the annual rate.
    period : str
        Calendar period of the cohorts.
    note : str
        Where the numbers come from, and what is missing.
    """

    new_customer_clv: pd.Series
    acquisitions_per_period: float
    acquisition_cost: float
    discount_rate: float
    period: str
    note: str


def equity_inputs(
    transactions: pd.DataFrame,
    clv: pd.Series,
    *,
    customers: pd.DataFrame | None = None,
    period: Period = "Q",
    lookback: int = 4,
    annual_discount_rate: float = 0.1,
    observation_end: str | pd.Timestamp | None = None,
) -> EquityInputs:
    """Acquisitions per period, a new customer's CLV and CAC, read from the data.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The purchase log (``customer_id``, ``date``, ``amount``, optionally ``is_return``).
    clv : pandas.Series
        CLV per current customer (index: customer id, currency units).
    customers : pandas.DataFrame, optional
        With ``customer_id`` and ``acquisition_cost``; without it (or the column) the
        acquisition cost is 0 and the note says so.
    period : {"W", "M", "Q", "Y"}
        Calendar period of the cohorts.
    lookback : int
        Recent periods (>= 1) over which acquisitions are averaged; the last one may be
        incomplete and counts as it is.
    annual_discount_rate : float
        Annual discount rate (>= 0), turned into a rate per period.
    observation_end : date, optional
        Last day observed (default: the last transaction day).

    Returns
    -------
    EquityInputs
    """
    lookback = whole_number(lookback, "lookback", 1)
    annual = real_number(annual_discount_rate, "annual_discount_rate", 0)
    clv = _validate.one_dimensional(clv, name="clv")
    if not isinstance(clv, pd.Series):
        raise DataValidationError("clv must be a pandas Series indexed by customer id")
    panel = purchases_by_period(transactions, period=period, observation_end=observation_end)
    first = panel.drop_duplicates("customer_id").set_index("customer_id")["first_period"]
    recent = pd.Index(panel["period"].unique()).sort_values()[-lookback:]
    won = first.loc[first.isin(recent)]
    new_clv = clv.reindex(won.index).dropna()
    cost, cost_note = 0.0, "no acquisition costs in the data: CAC taken as 0"
    if customers is not None and "acquisition_cost" in customers:
        costs = customers.set_index("customer_id")["acquisition_cost"].reindex(won.index)
        if costs.notna().any():
            cost = float(costs.mean())
            cost_note = f"CAC = mean acquisition cost of those customers ({cost:,.2f})"
    n_periods = len(recent)
    note = (
        f"{len(won):,} customers first bought in the last {n_periods} period(s) ({period}): "
        f"{len(won) / n_periods:,.1f} won per period; their mean CLV {new_clv.mean():,.2f} "
        f"is the value of a new customer; {cost_note}."
        if len(new_clv)
        else f"no customer first bought in the last {n_periods} period(s) with a CLV: no future cohorts"
    )
    rate = (1.0 + annual) ** (1.0 / _PER_YEAR[period]) - 1.0
    return EquityInputs(new_clv.rename("clv"), len(won) / n_periods, cost, rate, period, note)


def equity_from_inputs(
    clv: pd.Series | TableResult,
    inputs: EquityInputs,
    *,
    periods: int,
    acquisition_cost: float | None = None,
    seed: int | None = None,
) -> CustomerEquity:
    """Customer equity from the current CLVs and :func:`equity_inputs`.

    Parameters
    ----------
    clv : pandas.Series or CLVResult
        CLV per current customer (a CLVResult adds its parameter interval to the summary).
    inputs : EquityInputs
        From :func:`equity_inputs`; with no recently won customer, future cohorts are worth 0.
    periods : int
        Periods of future acquisitions (>= 1).
    acquisition_cost : float, optional
        CAC to use instead of ``inputs.acquisition_cost`` (currency units).
    seed : int, optional
        Seed of the bootstrap interval.

    Returns
    -------
    CustomerEquity
    """
    cac = inputs.acquisition_cost if acquisition_cost is None else acquisition_cost
    new = inputs.new_customer_clv if len(inputs.new_customer_clv) else 0.0
    return customer_equity(
        clv, new_customer_clv=new, acquisitions_per_period=inputs.acquisitions_per_period,
        acquisition_cost=cac, discount_rate=inputs.discount_rate, periods=periods, seed=seed,
    )  # fmt: skip


def equity_sensitivity(
    clv: pd.Series,
    inputs: EquityInputs,
    *,
    periods: int,
    cac_factors: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0),
    seed: int | None = None,
) -> pd.DataFrame:
    """Customer equity for acquisition costs at multiples of today's CAC.

    Parameters
    ----------
    clv : pandas.Series
        CLV per current customer.
    inputs : EquityInputs
        From :func:`equity_inputs`.
    periods : int
        Periods of future acquisitions (>= 1).
    cac_factors : sequence of float
        Multiples (>= 0) of ``inputs.acquisition_cost`` to try.
    seed : int, optional
        Seed of the bootstrap intervals (the same for every row).

    Returns
    -------
    pandas.DataFrame
        Index ``cac_factor``: ``acquisition_cost``, ``future_value``, ``equity``,
        ``equity_low``, ``equity_high`` (currency units) and ``future_share`` (share of
        equity from future cohorts).
    """
    rows = {}
    for factor in cac_factors:
        cac = inputs.acquisition_cost * real_number(factor, "cac_factors", 0)
        r = equity_from_inputs(clv, inputs, periods=periods, acquisition_cost=cac, seed=seed)
        rows[float(factor)] = {
            "acquisition_cost": cac, "future_value": r.future_value, "equity": r.equity,
            "equity_low": r.equity_low, "equity_high": r.equity_high,
            "future_share": r.future_value / r.equity if r.equity > 0 else np.nan,
        }  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("cac_factor")


# --------------------------------------------------------------------------------------------
# Chapter 6: consent and a simulated feedback loop of the communication plan
# --------------------------------------------------------------------------------------------
def consent_table(customers: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
    """The customers' consent flags per channel (``consent_<channel>`` columns), if any.

    Parameters
    ----------
    customers : pandas.DataFrame
        The customer table, with ``customer_id``.

    Returns
    -------
    (pandas.DataFrame or None, str)
        The ``consent_*`` columns indexed by customer id (None when the data have none) and a
        note saying which: without consent data every customer counts as reachable.

    Examples
    --------
    >>> table, note = consent_table(pd.DataFrame({"customer_id": ["a"], "age": [30]}))
    >>> table is None, note.startswith("no consent")
    (True, True)
    """
    frame = _validate.table(customers, name="customers", columns=["customer_id"])
    cols = [c for c in frame.columns if str(c).startswith("consent_")]
    if not cols:
        return None, (
            "no consent columns (consent_<channel>) in the customer table: every customer counts "
            "as consenting to every channel; with real data, record consent per channel first"
        )
    note = f"consent per channel from {cols}"
    return frame.set_index("customer_id")[cols], note


@dataclass(frozen=True)
class FeedbackLoop:
    """A simulated run of the plan's feedback loop (what :func:`simulate_feedback_loop` returns).

    Attributes
    ----------
    tracker : KPITracker
        Targets vs actuals per line and period, with the actions taken.
    tests : pandas.DataFrame
        Per line and period: the A/B test behind the actual (``n_treatment``, ``n_control``,
        ``response_rate`` of the treated with ``ci_low``/``ci_high``, ``uplift`` with its
        interval).
    truth : pandas.DataFrame
        Per line and period: the cadence in force and the true response rates of the
        simulation (``true_treatment``, ``true_control``).
    """

    tracker: KPITracker
    tests: pd.DataFrame
    truth: pd.DataFrame


def simulate_feedback_loop(
    plan: CommunicationPlan,
    *,
    periods: int = 4,
    cadence_gain: float = 0.02,
    max_per_arm: int = 500,
    seed: int | np.random.Generator | None = None,
) -> FeedbackLoop:
    """Run the plan for several periods on simulated A/B tests and adjust it as the KPIs say.

    Each period every running line is tested: up to ``max_per_arm`` of its planned customers
    are drawn to a treated arm (contacted at the line's cadence) and as many to a control arm;
    responses are drawn from the simulation's true rates and evaluated with
    :func:`portfolio_lib.campaigns.ab_test`; the treated arm's response rate and its Wilson
    interval (:func:`portfolio_lib.communication.ab_actual`) are the line's actual. Then
    :func:`portfolio_lib.communication.kpi_tracker` judges the periods so far and its
    ``next_cadence`` is the cadence of the next period (0: the line was replaced).

    The true treated rate of a line is ``level * target + cadence_gain * (cadence - start
    cadence)`` (clipped to 0..0.95), ``level`` drawn once per line from U(0.6, 1.3) so that
    some lines start above and some below target; the control rate is half the level times
    the target. These rates are a teaching assumption, returned in ``truth``.

    Parameters
    ----------
    plan : CommunicationPlan
        From :func:`portfolio_lib.communication.communication_plan`.
    periods : int
        Periods to simulate (>= 1).
    cadence_gain : float
        Response-rate points added per extra contact per period (>= 0).
    max_per_arm : int
        Customers per arm at most (>= 2).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    FeedbackLoop
    """
    periods = whole_number(periods, "periods", 1)
    gain = real_number(cadence_gain, "cadence_gain", 0)
    max_per_arm = whole_number(max_per_arm, "max_per_arm", 2)
    rng = as_generator(seed)
    lines = plan.lines
    planned = plan.table.loc[plan.table["status"] == "planned"]
    level = pd.Series(rng.uniform(0.6, 1.3, len(lines)), index=lines.index)
    cadence = lines["cadence"].astype(float)
    actuals, tests, truth = [], [], []
    tracker = None
    for t in range(1, periods + 1):
        day = pd.Timestamp("2000-01-01") + pd.Timedelta(days=91 * (t - 1))
        for line, row in lines.iterrows():
            ids = planned.loc[planned["line"] == line, "customer_id"].to_numpy()
            if cadence[line] <= 0 or len(ids) < 2:
                continue
            n = min(max_per_arm, len(ids) // 2)
            drawn = rng.permutation(ids)[: 2 * n]
            p1 = level[line] * row["target"] + gain * (cadence[line] - row["cadence"])
            p1, p0 = (
                float(np.clip(p1, 0, 0.95)),
                float(np.clip(level[line] * row["target"] / 2, 0, 1)),
            )
            arm = np.repeat(["treatment", "control"], n)
            buys = rng.random(2 * n) < np.where(arm == "treatment", p1, p0)
            contacts = pd.DataFrame({"campaign_id": line, "customer_id": drawn, "arm": arm,
                                     "contact_date": day})  # fmt: skip
            tx = pd.DataFrame({"customer_id": drawn[buys], "date": day, "amount": 1.0})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # spend is 1 per buyer: no spend test
                test = ab_test(contacts, tx, campaign_id=line, window_days=30)
            actual = ab_actual(test, kpi="response_rate")
            actuals.append({"line": line, "period": t, **actual})
            tests.append({"line": line, "period": t, "n_treatment": n, "n_control": n,
                          "response_rate": actual["actual"], "ci_low": actual["ci_low"],
                          "ci_high": actual["ci_high"], "uplift": test.uplift,
                          "uplift_ci_low": test.uplift_ci_low,
                          "uplift_ci_high": test.uplift_ci_high})  # fmt: skip
            truth.append({"line": line, "period": t, "cadence": cadence[line],
                          "true_treatment": p1, "true_control": p0})  # fmt: skip
        if not actuals:
            raise DataValidationError(
                "plan: no line reaches two or more customers; nothing to test"
            )
        tracker = kpi_tracker(plan, pd.DataFrame(actuals))
        cadence = tracker.table.groupby("line")["next_cadence"].last().reindex(lines.index)
        cadence = cadence.fillna(lines["cadence"].astype(float))
    return FeedbackLoop(tracker, pd.DataFrame(tests), pd.DataFrame(truth))
