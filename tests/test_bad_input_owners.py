"""Regression tests of issue 15 in acquisition, campaigns, churn, portfolio, satisfaction.

Each family of bad-input findings of the sweep (``tests/test_bad_input.py``) gets a test
here on data the sweep does not use: another simulated company (250 customers, seed 23).
Every test checks a clear error naming the argument, or an explicit note/flag on a result
that has no estimate - never a silent NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import DataValidationError, acquisition, campaigns
from portfolio_lib.simulate import simulate_crm

END = pd.Timestamp("2024-12-31")


@pytest.fixture(scope="module")
def crm():
    return simulate_crm(250, seed=23)


@pytest.fixture(scope="module")
def spend_per_customer(crm) -> pd.Series:
    tx = crm.transactions
    total = tx.groupby("customer_id")["amount"].sum().clip(lower=0)
    return total.reindex(crm.customers["customer_id"], fill_value=0.0)


# -- acquisition_economics -------------------------------------------------------------------


def test_acquisition_economics_refuses_no_customers(crm, spend_per_customer):
    with pytest.raises(DataValidationError, match="customers has no rows"):
        acquisition.acquisition_economics(
            crm.customers.iloc[:0], crm.transactions, clv=spend_per_customer, margin=0.3,
            observation_end=END,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        (lambda s: s.iloc[:0], r"clv has no value for 250 customer"),
        (lambda s: s.iloc[:1], r"clv has no value for 249 customer"),
        (lambda s: pd.concat([s.iloc[:1], s.iloc[1:], s.iloc[:3]]), r"clv: the index repeats 3"),
    ],
    ids=["empty", "one_row", "duplicate_index"],
)
def test_acquisition_economics_names_clv(crm, spend_per_customer, cut, message):
    with pytest.raises(DataValidationError, match=message):
        acquisition.acquisition_economics(
            crm.customers, crm.transactions, clv=cut(spend_per_customer), margin=0.3,
            observation_end=END,
        )  # fmt: skip


def test_acquisition_economics_still_runs_on_this_company(crm, spend_per_customer):
    econ = acquisition.acquisition_economics(
        crm.customers, crm.transactions, clv=spend_per_customer, margin=0.3, observation_end=END
    )
    assert econ.table.loc["all", "n_customers"] == len(crm.customers)
    assert np.isfinite(econ.table["cac"]).all()


# -- campaigns: a statistic without an estimate is flagged; a wrong result type is named -----


@pytest.fixture(scope="module")
def no_purchase_test(crm):
    with pytest.warns(UserWarning, match="No Welch interval"):
        return campaigns.campaign_ab_test(
            crm.campaigns, crm.campaign_contacts, crm.transactions.iloc[:0]
        )


def test_ab_test_without_spend_variation_says_so(no_purchase_test):
    result = no_purchase_test
    assert not result.is_empty
    assert result.spend_difference == 0.0
    assert np.isnan([result.spend_ci_low, result.spend_ci_high, result.spend_p_value]).all()
    assert campaigns.NO_SPEND_TEST in result.note
    assert result.note.startswith("Campaign ")  # the campaign's own note is kept too


def test_campaign_return_carries_the_missing_interval_note(no_purchase_test):
    back = campaigns.campaign_return(no_purchase_test, margin=0.3, cost=100.0)
    assert back.net_return == pytest.approx(-100.0)
    assert np.isnan(back.net_return_low) and campaigns.NO_SPEND_TEST in back.note


@pytest.mark.parametrize("wrong", [None, "frame"])
def test_campaign_results_name_a_wrong_result(crm, wrong):
    value = crm.campaign_contacts if wrong == "frame" else None
    segments = pd.Series("x", index=crm.customers["customer_id"])
    with pytest.raises(TypeError, match="result must be an ABTestResult"):
        campaigns.uplift_by_segment(value, segments)
    with pytest.raises(TypeError, match="result must be an ABTestResult"):
        campaigns.campaign_return(value, margin=0.3, cost=10.0)
