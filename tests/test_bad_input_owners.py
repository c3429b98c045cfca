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

from portfolio_lib import (
    DataValidationError,
    acquisition,
    campaigns,
    churn,
    decisions,
    portfolio,
    rfm,
    satisfaction,
)
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


# -- portfolio: wrong types, repeated customers, an empty call list ---------------------------


@pytest.fixture(scope="module")
def rfm_table(crm):
    return rfm.rfm_table(crm.transactions, observation_end=END)


def test_portfolio_tables_refuse_a_repeated_customer(rfm_table):
    twice = pd.concat([rfm_table.iloc[:5], rfm_table.iloc[3:]])  # two overlapping batches
    for call in (
        lambda t: portfolio.value_loyalty_matrix(t),
        lambda t: portfolio.portfolio_groups(t, margin=0.3),
        lambda t: portfolio.profit_per_customer(t, margin=0.3),
        lambda t: portfolio.gross_profit_per_customer(t, margin=0.3),
    ):
        with pytest.raises(DataValidationError, match=r"table: the index repeats 2 label"):
            call(twice)


def test_net_profit_names_the_acquisition_cost_argument(crm, rfm_table):
    cost = crm.customers.set_index("customer_id")["acquisition_cost"]
    net = portfolio.net_profit_per_customer(rfm_table, margin=0.3, acquisition_cost=cost)
    assert net.index.equals(rfm_table.index)
    with pytest.raises(DataValidationError, match="acquisition_cost must be a pandas Series"):
        portfolio.net_profit_per_customer(rfm_table, margin=0.3, acquisition_cost=cost.to_frame())
    renumbered = rfm_table.reset_index(drop=True)  # ids lost: no cost matches a row
    with pytest.raises(DataValidationError, match=r"acquisition_cost has no value .* of table"):
        portfolio.net_profit_per_customer(renumbered, margin=0.3, acquisition_cost=cost)


@pytest.mark.parametrize("function", ["pareto_table", "lorenz_curve", "gini"])
def test_concentration_names_values(rfm_table, function):
    call = getattr(portfolio, function)
    for wrong in (None, rfm_table[["monetary_total"]]):
        with pytest.raises(DataValidationError, match="values must be a pandas Series or a 1-D"):
            call(wrong)


def test_profit_by_segment_names_labels(rfm_table):
    for wrong in (None, rfm_table[["frequency"]]):
        with pytest.raises(DataValidationError, match="labels must be a pandas Series"):
            portfolio.profit_by_segment(rfm_table, wrong, margin=0.3)


def test_strategy_table_names_wrong_types(rfm_table):
    with pytest.raises(TypeError, match="groups must be a PortfolioGroups"):
        portfolio.strategy_table(rfm_table)
    with pytest.raises(TypeError, match="strategies must be a DataFrame or a mapping"):
        portfolio.strategy_table(strategies=[{"target": "+5 %"}])


def test_call_list_says_when_nobody_is_worth_a_call(rfm_table):
    p = pd.Series(0.5, index=rfm_table.index)
    clv_values = rfm_table["monetary_total"].clip(lower=0)
    costly = portfolio.call_list(p, clv_values, save_rate=0.1, contact_cost=1e9)
    assert costly.table.empty and "No call is worth its cost" in costly.note
    assert costly.best_left_out < 0
    free = portfolio.call_list(p + 0.1, clv_values + 1.0, save_rate=0.1, contact_cost=0.0)
    assert len(free.table) == len(p) and "nobody was left out" in free.note
    ordinary = portfolio.call_list(p, clv_values, save_rate=0.1, contact_cost=5.0)
    assert ordinary.note == "" and 0 < len(ordinary.table) < len(p)
    with pytest.raises(DataValidationError, match="churn_probability is empty"):
        portfolio.call_list(p.iloc[:0], clv_values, save_rate=0.1, contact_cost=1.0)
    with pytest.raises(DataValidationError, match="churn_probability: the index repeats"):
        portfolio.call_list(pd.concat([p, p.iloc[:2]]), clv_values, save_rate=0.1,
                            contact_cost=1.0)  # fmt: skip


# -- satisfaction: importance-performance and dominance weights ------------------------------


@pytest.fixture(scope="module")
def drivers(crm):
    return satisfaction.driver_analysis(crm.surveys)


def test_importance_performance_refuses_too_few_ratings(crm, drivers):
    with pytest.raises(DataValidationError, match=r"has 0 rating\(s\).*needs at least 2"):
        satisfaction.importance_performance(crm.surveys.iloc[:0], drivers)
    with pytest.raises(DataValidationError, match=r"has 1 rating\(s\).*needs at least 2"):
        satisfaction.importance_performance(crm.surveys.iloc[[3]], drivers)
    top = satisfaction.importance_performance(crm.surveys.iloc[[3]], drivers, performance="top_box")
    assert top.table[["performance_ci_low", "performance_ci_high"]].notna().all().all()


def test_importance_performance_names_a_wrong_importance(crm, drivers):
    for wrong in (None, drivers.importance):
        with pytest.raises(TypeError, match="importance must be a DriverResult"):
            satisfaction.importance_performance(crm.surveys, wrong)
    with pytest.raises(DataValidationError, match="importance names no driver"):
        satisfaction.importance_performance(crm.surveys, pd.Series(dtype=float))


def test_dominance_weights_names_corr(crm):
    items = ["rating_product_quality", "rating_price_value", "rating_delivery", "csat"]
    corr = crm.surveys[items].corr().to_numpy()
    weights = satisfaction.dominance_weights(corr)
    full_r2 = corr[:3, 3] @ np.linalg.solve(corr[:3, :3], corr[:3, 3])
    assert len(weights) == 3 and weights.sum() == pytest.approx(full_r2)
    for wrong in (None, crm.surveys[items[:1]], corr[:, :1], np.ones((1, 1))):
        with pytest.raises(ValueError, match="corr must be a square correlation matrix"):
            satisfaction.dominance_weights(wrong)


# -- churn and the KPI dashboard (the sweep reaches them only with BADINPUT_FULL=1) ----------


def test_bgnbd_churn_scores_refuses_data_without_repeat_purchases(crm):
    tx = crm.transactions
    once = tx.sort_values("date").drop_duplicates("customer_id")  # first purchases only
    for data in (tx.iloc[:0], once):
        with pytest.raises(DataValidationError, match="none who bought again"):
            churn.bgnbd_churn_scores(data, cutoff="2024-07-01", window_days=90)


def test_compare_churn_models_names_a_wrong_split(crm):
    for wrong in (None, crm.transactions):
        with pytest.raises(TypeError, match="split must be a ChurnSplit"):
            churn.compare_churn_models(wrong, crm.transactions)


def test_kpi_dashboard_notes_unknown_kpis_and_refuses_repeated_customers(crm):
    ids = crm.customers["customer_id"]
    answered = set(crm.surveys.loc[crm.surveys["date"] > END - pd.Timedelta(days=180),
                                   "customer_id"])  # fmt: skip
    quiet = next(c for c in ids if c not in answered)
    one = pd.Series(["solo"], index=pd.Index([quiet], name="customer_id"))
    board = portfolio.kpi_dashboard(crm, one, margin=0.3, observation_end=END)
    assert board.table.loc["solo", "nps_responses"] == 0
    assert np.isnan(board.table.loc["solo", "nps"])
    assert "nps of ['solo'] (no NPS answer" in board.note
    twice = pd.Series("x", index=pd.Index([ids.iloc[0], ids.iloc[0], ids.iloc[1]]))
    with pytest.raises(DataValidationError, match="segments: the index repeats 1 label"):
        portfolio.kpi_dashboard(crm, twice, margin=0.3, observation_end=END)


# -- decisions: a wrong type is named ----------------------------------------------------------


def test_decisions_name_wrong_inputs(crm):
    with pytest.raises(TypeError, match="decision must be a Decision or its JSON form"):
        decisions.evaluate(crm.customers)
    with pytest.raises(ValueError, match=r"missing the key\(s\) \['thresholds'\]"):
        decisions.evaluate({"rule_id": "campaign_rollout", "inputs": {}})
    with pytest.raises(TypeError, match="rate must be a number"):
        decisions.retention_target(None, 0.5, 0.7, window_days=180, target_rate=0.9)
    with pytest.raises(DataValidationError, match=r"table is missing required column\(s\)"):
        decisions.comparison_decision(crm.customers)
    with pytest.raises(DataValidationError, match="table must be a pandas DataFrame"):
        decisions.comparison_decision(None)
    unknown = decisions.retention_target(np.nan, np.nan, np.nan, window_days=180, target_rate=0.9)
    assert unknown.verdict == decisions.evaluate(unknown)
