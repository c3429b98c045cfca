"""Customer equity: hand-computed values, the perpetuity, the bootstrap interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import DataValidationError
from portfolio_lib.clv import CLVResult
from portfolio_lib.equity import customer_equity

CLV = pd.Series([100.0, 200.0, 300.0], index=["a", "b", "c"])


def test_equity_by_hand_over_two_periods():
    r = customer_equity(CLV, new_customer_clv=150.0, acquisitions_per_period=10,
                        acquisition_cost=50.0, periods=2, discount_rate=0.1, seed=1)  # fmt: skip
    # current: 600; cohorts: 10 * (150 - 50) / 1.1 and / 1.1 ** 2
    cohort1, cohort2 = 1000 / 1.1, 1000 / 1.21
    assert r.current_value == pytest.approx(600.0)
    assert r.table["value"].tolist() == pytest.approx([600.0, cohort1, cohort2])
    assert r.future_value == pytest.approx(cohort1 + cohort2)
    assert r.equity == pytest.approx(600.0 + cohort1 + cohort2)
    assert r.table["discount_factor"].tolist() == pytest.approx([1.0, 1 / 1.1, 1 / 1.21])
    assert r.table["value_per_customer"].tolist() == pytest.approx([200.0, 100.0, 100.0])
    assert list(r.table.index) == ["current customers", "cohort 1", "cohort 2"]


def test_a_plan_per_period_and_the_perpetuity():
    plan = customer_equity(CLV, new_customer_clv=80.0, acquisitions_per_period=[5, 0, 20],
                           acquisition_cost=30.0, discount_rate=0.0, seed=1)  # fmt: skip
    assert plan.periods == 3
    assert plan.future_value == pytest.approx(50.0 * (5 + 0 + 20))
    forever = customer_equity(CLV, new_customer_clv=80.0, acquisitions_per_period=4,
                              acquisition_cost=30.0, discount_rate=0.05, seed=1)  # fmt: skip
    # 4 * (80 - 30) / 0.05 = 4000
    assert forever.periods is None
    assert forever.future_value == pytest.approx(4000.0)
    # a long finite horizon approaches the perpetuity from below
    long = customer_equity(CLV, new_customer_clv=80.0, acquisitions_per_period=4,
                           acquisition_cost=30.0, discount_rate=0.05, periods=400, seed=1)  # fmt: skip
    assert 3999.0 < long.future_value < 4000.0
    assert "acquisitions for ever" in str(forever.summary())


def test_acquisition_that_costs_more_than_it_returns_destroys_value():
    r = customer_equity(CLV, new_customer_clv=40.0, acquisitions_per_period=10,
                        acquisition_cost=50.0, periods=1, discount_rate=0.0, seed=1)  # fmt: skip
    assert r.future_value == pytest.approx(-100.0)
    assert r.equity == pytest.approx(500.0)


def test_bootstrap_interval_covers_the_point_and_collapses_without_spread():
    rng = np.random.default_rng(5)
    clv = pd.Series(rng.gamma(1.0, 100.0, 500))
    sample = rng.gamma(2.0, 40.0, 200)
    r = customer_equity(clv, new_customer_clv=sample, acquisitions_per_period=50,
                        acquisition_cost=20.0, periods=4, discount_rate=0.02, seed=3)  # fmt: skip
    assert r.equity_low < r.equity < r.equity_high
    assert (r.table["value_low"] <= r.table["value"]).all()
    assert (r.table["value"] <= r.table["value_high"]).all()
    # the bootstrap sd of the current total is close to sqrt(n) * sd of one customer
    width = (
        r.table.loc["current customers", "value_high"]
        - r.table.loc["current customers", "value_low"]
    )
    expected = 2 * 1.645 * np.sqrt(len(clv)) * clv.std()
    assert width == pytest.approx(expected, rel=0.15)
    again = customer_equity(clv, new_customer_clv=sample, acquisitions_per_period=50,
                            acquisition_cost=20.0, periods=4, discount_rate=0.02, seed=3)  # fmt: skip
    assert again.equity_low == r.equity_low
    flat = customer_equity(pd.Series([10.0] * 20), new_customer_clv=10.0,
                           acquisitions_per_period=1, acquisition_cost=0.0, periods=1,
                           discount_rate=0.0, seed=1)  # fmt: skip
    assert flat.equity_low == flat.equity == flat.equity_high == pytest.approx(210.0)


def test_a_clv_result_is_read_with_its_parameter_interval():
    table = pd.DataFrame({"clv": [10.0, 30.0]}, index=["a", "b"])
    clv = CLVResult(table, 52, "W", 0.1, 0.3, 1.0, 0.9, 100, 98, "BG/NBD", "Gamma-Gamma",
                    40.0, 31.5, 52.25)  # fmt: skip
    r = customer_equity(clv, new_customer_clv=20.0, acquisitions_per_period=1,
                        acquisition_cost=5.0, periods=1, discount_rate=0.0, seed=1)  # fmt: skip
    assert r.current_value == pytest.approx(40.0)
    assert (r.clv_total_low, r.clv_total_high) == (31.5, 52.25)
    assert "31.50 to 52.25" in str(r.summary())
    assert repr(r).startswith("CustomerEquity(2 parts, equity=55")


def test_bad_input_is_named():
    with pytest.raises(DataValidationError, match="clv: column clv must be finite"):
        customer_equity(pd.Series([1.0, np.inf]), new_customer_clv=1.0,
                        acquisitions_per_period=1, acquisition_cost=0.0, discount_rate=0.1)  # fmt: skip
    with pytest.raises(DataValidationError, match="must be numeric"):
        customer_equity(pd.Series(["1", "2"]), new_customer_clv=1.0,
                        acquisitions_per_period=1, acquisition_cost=0.0, discount_rate=0.1)  # fmt: skip
    with pytest.raises(ValueError, match="discount_rate must be > 0"):
        customer_equity(CLV, new_customer_clv=1.0, acquisitions_per_period=1,
                        acquisition_cost=0.0, discount_rate=0.0)  # fmt: skip
    with pytest.raises(ValueError, match="acquisitions_per_period has 2 periods"):
        customer_equity(CLV, new_customer_clv=1.0, acquisitions_per_period=[1, 2], periods=3,
                        acquisition_cost=0.0, discount_rate=0.1)  # fmt: skip
    with pytest.raises(ValueError, match="acquisition_cost"):
        customer_equity(CLV, new_customer_clv=1.0, acquisitions_per_period=1,
                        acquisition_cost=-1.0, discount_rate=0.1)  # fmt: skip
