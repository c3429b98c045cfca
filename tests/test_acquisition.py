"""Acquisition economics: payback (Kaplan-Meier), CAC, CLV/CAC and the verdict per channel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.acquisition import acquisition_economics, payback_times
from portfolio_lib.datasets import load_sample
from portfolio_lib.rfm import rfm_table

D = pd.Timestamp


def col(name: str) -> str:
    """Regex: an error message that names column ``name`` (quoted or not)."""
    return rf"column(\(s\))? \[?'?{name}\b"


@pytest.fixture(scope="module")
def crm():
    return load_sample()


@pytest.fixture(scope="module")
def historical_value(crm):
    """Realised margin per customer (30 % of net spend): a model-free CLV stand-in."""
    table = rfm_table(crm.transactions, observation_end=crm.observation_end)
    return 0.3 * table["monetary_total"]


@pytest.fixture(scope="module")
def economics(crm, historical_value):
    return acquisition_economics(
        crm.customers, crm.transactions, clv=historical_value, margin=0.3,
        observation_end=crm.observation_end,
    )  # fmt: skip


def four_customers():
    customers = pd.DataFrame(
        {
            "customer_id": list("abcd"),
            "acquisition_channel": ["x", "x", "x", "x"],
            "acquisition_cost": [10.0, 10.0, 10.0, 10.0],
            "signup_date": [D("2024-01-01")] * 4,
        }
    )
    # a pays back on day 10, c on day 30; b and d never reach 10 of margin
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c", "c", "d"],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-11",
                    "2024-01-01",
                    "2024-01-01",
                    "2024-01-15",
                    "2024-01-31",
                    "2024-01-01",
                ]  # fmt: skip
            ),
            "amount": [10.0, 10.0, 5.0, 10.0, -4.0, 14.0, 2.0],
        }
    )
    return customers, tx


def test_payback_by_hand():
    customers, tx = four_customers()
    # b's data end 20 days after signup, d's 40: censor them differently via signup dates
    customers.loc[customers["customer_id"] == "b", "signup_date"] = D("2024-01-21")
    tx.loc[tx["customer_id"] == "b", "date"] = D("2024-01-21")
    customers.loc[customers["customer_id"] == "d", "signup_date"] = D("2024-01-01")
    out = payback_times(customers, tx, margin=0.5, observation_end="2024-02-10")
    assert out.loc["a", "days"] == 10 and out.loc["a", "paid_back"]
    # c: margins 5, then -2 (return) -> 3, then +7 -> 10 on 01-31
    assert out.loc["c", "days"] == 30 and out.loc["c", "paid_back"]
    assert out.loc["b", "days"] == 20 and not out.loc["b", "paid_back"]
    assert out.loc["d", "days"] == 40 and not out.loc["d", "paid_back"]
    # Kaplan-Meier: S(10) = 3/4; at 30 two at risk (c, d), one event: S = 3/4 * 1/2 = 3/8
    clv = pd.Series(20.0, index=list("abcd"))
    econ = acquisition_economics(customers, tx, clv=clv, margin=0.5, observation_end="2024-02-10",
                                 payback_horizons=(15, 35))  # fmt: skip
    row = econ.table.loc["x"]
    assert row["paid_back_within_15d"] == pytest.approx(0.25)
    assert row["paid_back_within_35d"] == pytest.approx(1 - 3 / 8)
    assert row["payback_median_days"] == 30
    assert row["clv_to_cac"] == pytest.approx(2.0) and row["verdict"] == "hold / optimise"


def test_zero_cost_pays_back_on_day_zero():
    customers, tx = four_customers()
    customers["acquisition_cost"] = 0.0
    out = payback_times(customers, tx, margin=0.3, observation_end="2024-02-10")
    assert out["paid_back"].all() and (out["days"] == 0).all()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.floats(1, 100)), min_size=1, max_size=20),
       st.floats(0.05, 1.0))  # fmt: skip
def test_payback_invariants(purchases, margin):
    customers = pd.DataFrame(
        {"customer_id": ["a"], "acquisition_cost": [25.0], "signup_date": [D("2024-01-01")]}
    )
    days = [p[0] for p in purchases]
    tx = pd.DataFrame(
        {
            "customer_id": "a",
            "date": D("2024-01-01") + pd.to_timedelta(days, unit="D"),
            "amount": [p[1] for p in purchases],
        }
    )
    out = payback_times(customers, tx, margin=margin, observation_end="2024-03-31").loc["a"]
    assert 0 <= out["days"] <= 90
    daily = tx.groupby("date")["amount"].sum().cumsum() * margin
    if out["paid_back"]:
        reached = daily[daily >= 25.0 - 1e-9].index[0]
        assert out["days"] == (reached - D("2024-01-01")).days
    else:
        assert daily.max() < 25.0 and out["days"] == 90


def test_no_censoring_gives_plain_shares():
    customers, tx = four_customers()
    tx = pd.concat(
        [
            tx,
            pd.DataFrame(
                {
                    "customer_id": ["b", "d"],
                    "date": [D("2024-01-05"), D("2024-01-20")],
                    "amount": [100.0, 100.0],
                }
            ),
        ]  # fmt: skip
    )
    out = payback_times(customers, tx, margin=0.5, observation_end="2024-02-10")
    assert out["paid_back"].all()
    econ = acquisition_economics(customers, tx, clv=pd.Series(1.0, index=list("abcd")),
                                 margin=0.5, payback_horizons=(12,))  # fmt: skip
    assert econ.table.loc["x", "paid_back_within_12d"] == pytest.approx((out["days"] <= 12).mean())


def test_channel_economics_recover_the_simulation(economics, crm):
    table = economics.table
    truth = crm.truth.params["acquisition"]["cost_mean_by_channel"]
    assert set(table.index) == set(truth) | {"all"}
    for channel, mean_cost in truth.items():
        # lognormal noise with sigma 0.25 around the channel mean: SE < 1.5 % with n >= 284
        assert table.loc[channel, "cac"] == pytest.approx(mean_cost, rel=0.05)
    assert table.loc["all", "n_customers"] == len(crm.customers)
    assert table.loc["all", "total_cost"] == pytest.approx(crm.customers["acquisition_cost"].sum())
    # referral customers are the most valuable and cheap; display the least valuable and dear
    ratio = table["clv_to_cac"].drop("all")
    assert ratio.idxmax() in {"referral", "email"} and ratio.idxmin() in {"display", "social"}
    assert table.loc["referral", "clv_to_cac_low"] > table.loc["display", "clv_to_cac_high"]
    assert (table["clv_ci_low"] <= table["clv_mean"]).all()
    assert table.loc["referral", "payback_median_days"] < table.loc["search", "payback_median_days"]
    assert (table["paid_back_within_90d"] <= table["paid_back_within_365d"]).all()
    assert table.loc["display", "verdict"] == "cut back"


def test_budget_spend_sets_the_cac(crm, historical_value):
    spend = {c: 1000.0 for c in crm.customers["acquisition_channel"].unique()}
    econ = acquisition_economics(crm.customers, crm.transactions, clv=historical_value,
                                 margin=0.3, spend=spend)  # fmt: skip
    counts = crm.customers["acquisition_channel"].value_counts()
    for channel, n in counts.items():
        assert econ.table.loc[channel, "cac"] == pytest.approx(1000.0 / n)
    assert set(econ.payback["acquisition_cost"].round(6)) == {round(1000.0 / n, 6) for n in counts}


def test_acquisition_bad_inputs(crm, historical_value):
    customers, tx = crm.customers, crm.transactions
    with pytest.raises(DataValidationError, match="clv has no value for"):
        acquisition_economics(customers, tx, clv=historical_value.iloc[:10], margin=0.3)
    with pytest.raises(DataValidationError, match=col("acquisition_channel")):
        acquisition_economics(customers.drop(columns="acquisition_channel"), tx,
                              clv=historical_value, margin=0.3)  # fmt: skip
    with pytest.raises(DataValidationError, match=col("signup_date")):
        payback_times(customers.assign(signup_date="01/02/2024"), tx, margin=0.3)  # not ISO
    with pytest.raises(DataValidationError, match=col("acquisition_cost")):
        payback_times(customers.assign(acquisition_cost=-1.0), tx, margin=0.3)
    with pytest.raises(DataValidationError, match=col("clv")):
        acquisition_economics(customers, tx, clv=historical_value * np.nan, margin=0.3)
    with pytest.raises(ValueError, match="margin"):
        payback_times(customers, tx, margin=30)
    with pytest.raises(ValueError, match="cut_ratio"):
        acquisition_economics(customers, tx, clv=historical_value, margin=0.3, cut_ratio=5.0)


# ------------------------------------------------------ data without acquisition costs
def test_missing_costs_give_unknown_not_zero(crm, historical_value):
    customers = crm.customers.drop(columns="acquisition_cost")
    with pytest.raises(DataValidationError, match="acquisition_cost"):
        acquisition_economics(customers, crm.transactions, clv=historical_value, margin=0.3)
    econ = acquisition_economics(customers, crm.transactions, clv=historical_value, margin=0.3,
                                 if_missing="note")  # fmt: skip
    table = econ.table
    assert table[["cac", "total_cost", "clv_to_cac", "payback_median_days"]].isna().all().all()
    assert (table["verdict"] == "unknown (no cost)").all()
    assert econ.payback.empty and "no acquisition costs" in econ.note
    # what does not need a cost is still there: customers and mean CLV per channel
    channel = crm.customers.set_index("customer_id")["acquisition_channel"]
    by_hand = historical_value.groupby(channel.reindex(historical_value.index)).mean()
    assert table.loc["referral", "clv_mean"] == pytest.approx(by_hand["referral"])
    assert table.loc["all", "n_customers"] == len(crm.customers)
    # with costs the note describes the comparison instead
    described = acquisition_economics(crm.customers, crm.transactions, clv=historical_value,
                                      margin=0.3)  # fmt: skip
    assert "6 acquisition channel(s)" in described.note


# ------------------------------------------------------------- who the best customers are
def test_best_customer_profile_by_hand():
    from portfolio_lib.acquisition import best_customer_profile

    cust = pd.DataFrame({
        "customer_id": list("abcdefgh"),
        "acquisition_channel": ["referral"] * 4 + ["display"] * 4,
        "region": ["Ege"] * 8,
        "age": [20, 25, 30, 35, 40, 45, 50, 55],
    })  # fmt: skip
    best = pd.Series([True, True, True, False, True, False, False, False], index=list("abcdefgh"))
    profile = best_customer_profile(cust, best)
    t = profile.table
    # overall 4 of 8 best; referral 3 of 4 -> rate 0.75, index 1.5; display 1 of 4 -> 0.5
    assert profile.overall_rate == 0.5 and profile.n_best == 4
    assert t.loc[("acquisition_channel", "referral"), ["n_best", "best_rate", "index"]].tolist() \
        == [3, 0.75, 1.5]  # fmt: skip
    assert t.loc[("acquisition_channel", "display"), "share_of_best"] == 0.25
    assert t.loc[("acquisition_channel", "referral"), "ci_low"] < 0.75
    # region has one value: left out and named; age is cut into quantile bands
    assert "region" not in t.index.get_level_values("attribute")
    assert "region (only 'Ege')" in profile.note
    ages = t.xs("age", level="attribute")
    assert ages["n_customers"].sum() == 8 and len(ages) == 4


def test_best_customer_profile_on_data_without_attributes_and_bad_input():
    from portfolio_lib.acquisition import best_customer_profile

    cust = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_channel": "unknown"})
    profile = best_customer_profile(cust, pd.Series([True, False], index=["a", "b"]))
    assert profile.table.empty and "nothing about its customers" in profile.note
    with pytest.raises(DataValidationError, match=col("customer_id")):
        best_customer_profile(cust, pd.Series([True], index=["a"]))
    with pytest.raises(DataValidationError, match="boolean"):
        best_customer_profile(cust, pd.Series([1.0, 0.0], index=["a", "b"]))


def test_best_customers_come_from_the_simulated_valuable_channels(crm, historical_value):
    from portfolio_lib.acquisition import best_customer_profile

    # the simulator matches valuable customers to referral/search, poor ones to social/display
    best = historical_value >= historical_value.quantile(0.8)
    table = best_customer_profile(crm.customers, best.reindex(crm.customers["customer_id"])).table
    channel = table.xs("acquisition_channel", level="attribute")
    rate = best.mean()
    assert channel.loc["referral", "ci_low"] > rate and channel.loc["search", "ci_low"] > rate
    assert channel.loc["display", "ci_high"] < rate and channel.loc["social", "ci_high"] < rate
