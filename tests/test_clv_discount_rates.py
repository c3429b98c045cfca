"""Per-customer discount rates in customer_lifetime_value / discounted_expected_purchases
(issue 16), and the argument checks of the value functions (issue 15 findings)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import DataValidationError
from portfolio_lib.clv import (
    BetaGeo,
    GammaGamma,
    clv_cac_ratio,
    customer_lifetime_value,
    discounted_expected_purchases,
    simulate_bgnbd,
    simulate_gamma_gamma_spend,
)

KW = {"horizon": 52, "unit": "W", "n_draws": 40, "seed": 0}


@pytest.fixture(scope="module")
def fitted():
    data = simulate_bgnbd(1200, r=0.8, alpha=8, a=1, b=4, T=52, seed=3)
    data["monetary_value"] = simulate_gamma_gamma_spend(
        data["frequency"], p=6, q=3.5, gamma=20, seed=4
    )["monetary_value"]
    data.index = pd.Index([f"c{i:04d}" for i in range(len(data))], name="customer_id")
    return data, BetaGeo().fit(data), GammaGamma().fit(data)


def test_constant_series_gives_the_scalar_result(fitted):
    data, bg, gg = fitted
    scalar = customer_lifetime_value(bg, gg, data, annual_discount_rate=0.1, **KW)
    # shuffled and with an extra customer: matched on the id, not by position
    rates = pd.Series(0.1, index=list(data.index[::-1]) + ["not-in-summary"])
    series = customer_lifetime_value(bg, gg, data, annual_discount_rate=rates, **KW)
    pd.testing.assert_frame_equal(series.table, scalar.table, check_exact=True)
    assert series.total_clv_low == scalar.total_clv_low
    assert series.annual_discount_rate.index.equals(data.index)


def test_each_customer_is_discounted_at_its_own_rate(fitted):
    data, bg, gg = fitted
    rates = pd.Series(np.where(np.arange(len(data)) % 3 == 0, 0.3, 0.05), index=data.index)
    mixed = customer_lifetime_value(bg, gg, data, annual_discount_rate=rates, **KW)
    disc = discounted_expected_purchases(
        bg, data, horizon=52, unit="W", annual_discount_rate=rates.sample(frac=1, random_state=1)
    )
    for rate in (0.05, 0.3):
        group = data[rates == rate]
        alone = customer_lifetime_value(bg, gg, group, annual_discount_rate=rate, **KW)
        for column in ("clv", "discounted_purchases", "expected_purchases"):
            np.testing.assert_array_equal(
                mixed.table.loc[group.index, column], alone.table[column], err_msg=column
            )
        np.testing.assert_array_equal(disc[group.index], alone.table["discounted_purchases"])
    # a higher rate discounts more: same history, rate 0.3 vs 0.05
    twin = pd.concat([data.iloc[[5]], data.iloc[[5]]])
    twin.index = pd.Index(["low", "high"])
    out = customer_lifetime_value(
        bg, gg, twin, annual_discount_rate=pd.Series({"low": 0.05, "high": 0.3}), **KW
    )
    assert out.table.loc["low", "clv"] > out.table.loc["high", "clv"] > 0
    assert "per customer, 5% to 30%" in str(out.summary())
    assert isinstance(out.table.attrs["annual_discount_rate"], str)


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        (lambda idx: pd.Series(0.1, index=idx[1:]), "no rate for 1 of"),
        (lambda idx: pd.Series(0.1, index=list(idx) + [idx[0]]), "more than once"),
        (lambda idx: pd.Series([np.nan] + [0.1] * (len(idx) - 1), index=idx), "above -1"),
        (lambda idx: pd.Series([-1.0] + [0.1] * (len(idx) - 1), index=idx), "above -1"),
        (lambda idx: pd.Series(["ten"] + [0.1] * (len(idx) - 1), index=idx), "above -1"),
        (lambda idx: [0.1] * len(idx), "pandas Series indexed by customer id"),
    ],
)
def test_bad_rates_are_refused_naming_the_argument(fitted, rates, message):
    data, bg, gg = fitted
    bad = rates(data.index)
    with pytest.raises(DataValidationError, match="annual_discount_rate") as info:
        customer_lifetime_value(bg, gg, data, annual_discount_rate=bad, **KW)
    assert message in str(info.value)
    with pytest.raises(DataValidationError, match=message):
        discounted_expected_purchases(bg, data, horizon=52, unit="W", annual_discount_rate=bad)


def test_a_single_bad_rate_is_still_a_value_error(fitted):
    data, bg, gg = fitted
    for bad in (-1.0, float("nan"), "ten"):
        with pytest.raises(ValueError, match="annual_discount_rate"):
            customer_lifetime_value(bg, gg, data, annual_discount_rate=bad, **KW)


def test_models_and_summary_are_checked(fitted):
    data, bg, gg = fitted
    for bad in (None, data):
        with pytest.raises(TypeError, match="purchase_model must be a fitted purchase model"):
            customer_lifetime_value(bad, gg, data, annual_discount_rate=0.1, **KW)
        with pytest.raises(TypeError, match="spend_model must be a fitted spend model"):
            customer_lifetime_value(bg, bad, data, annual_discount_rate=0.1, **KW)
        with pytest.raises(TypeError, match="purchase_model"):
            discounted_expected_purchases(bad, data, horizon=52, unit="W", annual_discount_rate=0.1)
    doubled = pd.concat([data.iloc[:3], data.iloc[2:5]])
    with pytest.raises(DataValidationError, match=r"summary: 1 customer id.*c0002"):
        customer_lifetime_value(bg, gg, doubled, annual_discount_rate=0.1, **KW)
    with pytest.raises(DataValidationError, match="summary"):
        discounted_expected_purchases(bg, doubled, horizon=52, unit="W", annual_discount_rate=0.1)


def test_clv_cac_ratio_refuses_repeated_ids_and_non_numbers():
    cost = pd.Series({"a": 100.0, "b": 50.0})
    with pytest.raises(DataValidationError, match="clv: customer id"):
        clv_cac_ratio(pd.Series([1.0, 2.0], index=["a", "a"]), cost)
    for bad in (np.nan, "300"):
        with pytest.raises(DataValidationError, match="clv"):
            clv_cac_ratio(pd.Series([bad, 20.0], index=["a", "b"], dtype=object), cost)
    assert clv_cac_ratio(pd.Series({"a": 300.0, "b": 25.0}), cost).tolist() == [3.0, 0.5]
