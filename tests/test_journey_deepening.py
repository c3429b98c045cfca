"""Deepening after the first purchase: campaigns, points, cross-sell, up-sell, later value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from portfolio_lib import DataValidationError
from portfolio_lib.journey import BEHAVIOURS, deepening_summary

END = pd.Timestamp("2024-12-31")


def tx(rows: list[tuple]) -> pd.DataFrame:
    columns = [
        "customer_id",
        "date",
        "amount",
        "category",
        "points_earned",
        "points_redeemed",
        "campaign_id",
        "is_return",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


HAND = tx(
    [
        # A: first basket 70 (home + beauty); window 30 days, value period the next 60 days
        ("A", "2024-01-01", 50.0, "home", 5, 0, None, False),
        ("A", "2024-01-01", 20.0, "beauty", 2, 0, None, False),
        ("A", "2024-01-10", 30.0, "fashion", 3, 0, "K1", False),  # cross-sell, campaign
        ("A", "2024-01-20", 100.0, "home", 0, 10, "", False),  # up-sell, redeemed
        ("A", "2024-02-15", 40.0, "home", 4, 0, None, False),  # later value
        ("A", "2024-03-01", -10.0, "home", 0, 0, None, True),  # return in value period
        ("A", "2024-05-01", 99.0, "home", 0, 0, None, False),  # after the value period
        ("B", "2024-02-01", 20.0, "grocery", 0, 0, None, False),
        ("B", "2024-03-15", 15.0, "grocery", 0, 0, None, False),  # later value
        ("C", "2024-11-01", 60.0, "sports", 0, 0, None, False),  # too late: not eligible
        ("D", "2024-01-05", 40.0, "home", 0, 0, None, False),
        ("D", "2024-01-15", -40.0, "home", 0, 0, None, True),  # a return is no repeat purchase
    ]
)


def test_deepening_by_hand():
    result = deepening_summary(HAND, observation_end=END, window_days=30, value_days=60)
    assert result.n_not_eligible == 1
    customers = result.customers.set_index("customer_id")
    assert list(customers.index) == ["A", "B", "D"]
    a = customers.loc["A"]
    assert a["first_basket"] == 70.0
    assert a["window_purchases"] == 2
    assert a["window_points_earned"] == 3 and a["window_points_redeemed"] == 10
    assert all(a[b] for b in BEHAVIOURS)
    assert a["later_value"] == pytest.approx(30.0)
    assert not any(customers.loc["B", b] for b in BEHAVIOURS)
    assert customers.loc["B", "later_value"] == pytest.approx(15.0)
    assert not customers.loc["D", "repeat_purchase"]
    assert customers.loc["D", "later_value"] == 0.0
    rates = result.rates.set_index("behaviour")
    assert list(rates.index) == list(BEHAVIOURS)
    assert (rates["customers"] == 3).all()
    np.testing.assert_allclose(rates["rate"], 1 / 3)
    assoc = result.association.set_index(["population", "behaviour"])
    row = assoc.loc[("all", "cross_sell")]
    assert (row["n_yes"], row["n_no"]) == (1, 2)
    assert row["mean_value_yes"] == pytest.approx(30.0)
    assert row["mean_value_no"] == pytest.approx(7.5)
    assert row["difference"] == pytest.approx(22.5)
    assert np.isnan(row["ci_low"])  # one customer with the behaviour: no interval
    assert ("repeat_buyers", "repeat_purchase") not in assoc.index
    assert len(result.summary()) == len(BEHAVIOURS)


def test_up_sell_needs_a_bigger_basket_and_cross_sell_a_new_category():
    frame = tx(
        [
            ("A", "2024-01-01", 50.0, "home", 0, 0, None, False),
            ("A", "2024-01-05", 30.0, "home", 0, 0, None, False),
            ("A", "2024-01-05", 15.0, "home", 0, 0, None, False),  # same-day basket 45 < 50
            ("B", "2024-01-01", 50.0, "home", 0, 0, None, False),
            ("B", "2024-01-05", 30.0, "home", 0, 0, None, False),
            ("B", "2024-01-05", 25.0, "home", 0, 0, None, False),  # same-day basket 55 > 50
        ]
    )
    customers = deepening_summary(frame, observation_end=END).customers.set_index("customer_id")
    assert customers["up_sell"].to_dict() == {"A": False, "B": True}
    assert not customers["cross_sell"].any()
    assert customers["window_purchases"].to_dict() == {"A": 1, "B": 1}


def random_transactions(n_customers: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    categories = ["home", "beauty", "grocery"]
    for i in range(n_customers):
        day = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 300)))
        activity = rng.gamma(1.0, 1.0)
        for k in range(1 + rng.poisson(6 * activity)):
            gap = 0 if k == 0 else int(rng.exponential(40))
            day = day + pd.Timedelta(days=gap)
            if day > END:
                break
            campaign = "K9" if rng.random() < 0.2 else None
            rows.append(
                (
                    f"C{i}",
                    day,
                    float(rng.gamma(4, 10)),
                    categories[rng.integers(3)],
                    int(rng.integers(0, 5)),
                    int(rng.integers(0, 3) == 0) * 5,
                    campaign,
                    False,
                )
            )
    return tx(rows)


def test_association_matches_welch_t_test_and_rates_are_proportions():
    frame = random_transactions(400, seed=5)
    result = deepening_summary(frame, observation_end=END)
    assert result.n_not_eligible + len(result.customers) == frame["customer_id"].nunique()
    assert ((result.rates["rate"] >= 0) & (result.rates["rate"] <= 1)).all()
    assert (result.rates["ci_low"] <= result.rates["rate"]).all()
    assert (result.rates["rate"] <= result.rates["ci_high"]).all()
    customers = result.customers
    for _, row in result.association.iterrows():
        part = customers if row["population"] == "all" else customers[customers["repeat_purchase"]]
        yes = part.loc[part[row["behaviour"]], "later_value"]
        no = part.loc[~part[row["behaviour"]], "later_value"]
        assert row["difference"] == pytest.approx(yes.mean() - no.mean())
        expected = stats.ttest_ind(yes, no, equal_var=False)
        assert row["p_value"] == pytest.approx(expected.pvalue, rel=1e-8)
        assert row["ci_low"] < row["difference"] < row["ci_high"]


def test_deepening_rejects_bad_input():
    with pytest.raises(DataValidationError, match="points_earned"):
        deepening_summary(HAND.drop(columns="points_earned"), observation_end=END)
    with pytest.raises(DataValidationError, match="points_redeemed"):
        deepening_summary(HAND.assign(points_redeemed=-1), observation_end=END)
    with pytest.raises(DataValidationError, match="amount"):
        deepening_summary(HAND.assign(amount="lots"), observation_end=END)
    with pytest.raises(DataValidationError, match="date.*after observation_end"):
        deepening_summary(HAND, observation_end="2024-06-30")
    bad_date = HAND.assign(date=HAND["date"].astype(str))
    bad_date.loc[0, "date"] = "not a day"
    with pytest.raises(DataValidationError, match="date"):
        deepening_summary(bad_date, observation_end=END)
    no_category = HAND.copy()
    no_category.loc[2, "category"] = None
    with pytest.raises(DataValidationError, match="category"):
        deepening_summary(no_category, observation_end=END)
    with pytest.raises(DataValidationError, match="observation_end"):
        deepening_summary(HAND.loc[HAND["customer_id"] == "C"], observation_end=END)
    with pytest.raises(ValueError, match="window_days"):
        deepening_summary(HAND, observation_end=END, window_days=0)
