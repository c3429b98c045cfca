"""Loyalty programme: the points ledger by hand, and the programme effect recovered."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import DataValidationError
from portfolio_lib.loyalty import points_ledger, programme_effect

# ---------------------------------------------------------------------------------------------
# Ledger
# ---------------------------------------------------------------------------------------------
POINTS = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "b", "b"],
        "date": ["2024-01-01", "2024-01-20", "2024-03-01", "2024-05-01", "2024-02-01",
                 "2024-02-15"],
        "points_earned": [100, 50, 30, 0, 200, 0],
        "points_redeemed": [0, 0, 120, 0, 0, 150],
    }
)  # fmt: skip


def test_ledger_without_expiry_by_hand():
    led = points_ledger(POINTS, value_per_point=0.02)
    t = led.table
    assert t.loc["a", ["earned", "redeemed", "expired", "balance"]].tolist() == [180, 120, 0, 60]
    assert t.loc["b", "balance"] == 50
    assert led.liability == pytest.approx((60 + 50) * 0.02)
    assert led.redemption_rate == pytest.approx(270 / 380)
    assert led.breakage_rate == 0.0
    assert led.expected_liability == pytest.approx(led.liability)  # nothing lapsed yet
    assert led.as_of == pd.Timestamp("2024-05-01")
    assert "points outstanding  110" in str(led.summary())


def test_fifo_expiry_uses_the_oldest_points_first():
    # expiry 45 days; in POINTS a's Jan-1 lot (100) lapses on Feb 15, so the Mar-1 redemption
    # of 120 finds only the Jan-20 lot (50) and the Mar-1 lot (30): an overdraft (below).
    ok = POINTS.assign(points_redeemed=[0, 0, 60, 0, 0, 150])
    led = points_ledger(ok, value_per_point=0.01, expiry_days=45, as_of="2024-06-30")
    t = led.table
    # a: Jan-1 lot 100 lapses (Feb 15); Mar-1 redemption of 60 takes Jan-20 (50) then 10 of
    # the Mar-1 lot; the other 20 lapse on Apr 15 -> expired 120, balance 0
    assert t.loc["a", ["expired", "balance"]].tolist() == [120, 0]
    # b: 200 on Feb 1, 150 redeemed on Feb 15, 50 lapse on Mar 17 (before as_of)
    assert t.loc["b", ["expired", "balance"]].tolist() == [50, 0]
    assert led.breakage_rate == pytest.approx(170 / 380)
    assert led.expected_liability == 0.0
    # per month: lapses are dated the day the lot lapsed (Feb 15, Mar 17, Apr 15)
    months = led.by_period("M")
    assert months["earned"].tolist() == [150, 200, 30, 0, 0, 0]
    assert months["redeemed"].tolist() == [0, 150, 60, 0, 0, 0]
    assert months["expired"].tolist() == [0, 100, 50, 20, 0, 0]
    assert months["outstanding"].tolist() == [150, 100, 20, 0, 0, 0]
    assert months["liability"].iloc[0] == pytest.approx(1.5)
    assert months[["earned", "redeemed", "expired"]].sum().tolist() == (
        t[["earned", "redeemed", "expired"]].sum().tolist()
    )
    with pytest.raises(DataValidationError, match="takes more points than the customer holds"):
        points_ledger(POINTS, value_per_point=0.01, expiry_days=45)


def test_expiry_counts_only_up_to_as_of():
    early = points_ledger(POINTS.iloc[4:5], value_per_point=1.0, expiry_days=30,
                          as_of="2024-03-01")  # fmt: skip
    still = points_ledger(POINTS.iloc[4:5], value_per_point=1.0, expiry_days=30,
                          as_of="2024-03-02")  # fmt: skip
    # earned Feb 1; lapses at Feb 1 + 30 days = Mar 2
    assert early.table.loc["b", "balance"] == 200
    assert still.table.loc["b", "balance"] == 0


def test_recorded_expiry_and_bad_rows():
    recorded = POINTS.assign(points_expired=[0, 0, 0, 60, 0, 50])
    led = points_ledger(recorded, value_per_point=0.01, expired_col="points_expired")
    assert led.table["balance"].tolist() == [0, 0]
    assert led.expiry == "recorded"
    with pytest.raises(DataValidationError, match="column points_earned must hold whole"):
        points_ledger(POINTS.assign(points_earned=[1.5, 0, 0, 0, 0, 0]), value_per_point=1.0)
    with pytest.raises(DataValidationError, match="takes more points"):
        points_ledger(POINTS.assign(points_redeemed=[0, 0, 0, 0, 0, 500]), value_per_point=1.0)
    with pytest.raises(DataValidationError, match="column 'points_earned' holds no earned"):
        points_ledger(POINTS.assign(points_earned=0, points_redeemed=0), value_per_point=1.0)
    with pytest.raises(DataValidationError, match="dates after as_of"):
        points_ledger(POINTS, value_per_point=1.0, as_of="2024-04-01")
    with pytest.raises(ValueError, match="not both"):
        points_ledger(recorded, value_per_point=1.0, expiry_days=10, expired_col="points_expired")


# ---------------------------------------------------------------------------------------------
# Programme effect: a panel with self-selected enrolment and a known effect
# ---------------------------------------------------------------------------------------------
TRUE_EXTRA_PURCHASES = 0.3  # per month after enrolment
MEAN_AMOUNT = 40.0
TRUE_EFFECT = TRUE_EXTRA_PURCHASES * MEAN_AMOUNT  # currency units per member per month


def simulate_programme(seed: int, n: int = 4000, months: int = 30):
    """Customers with a monthly purchase rate; heavier buyers enrol more (self-selection);
    members buy ``TRUE_EXTRA_PURCHASES`` more often per month from the month after enrolment;
    purchase rates follow a common seasonal pattern."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(2.0, 0.5, n)
    p_enrol = 1 / (1 + np.exp(-(-1.5 + 2.0 * (rate - 1.0))))
    enrolled = rng.random(n) < p_enrol
    enrol_month = np.where(enrolled, rng.integers(9, months - 6, n), -1)
    season = 1 + 0.15 * np.sin(2 * np.pi * np.arange(months) / 12)
    after = enrolled[:, None] & (np.arange(months)[None, :] > enrol_month[:, None])
    lam = rate[:, None] * season[None, :] + TRUE_EXTRA_PURCHASES * after
    counts = rng.poisson(lam)
    cust, month = np.nonzero(counts)
    reps = counts[cust, month]
    cust, month = np.repeat(cust, reps), np.repeat(month, reps)
    first = pd.Timestamp("2022-01-01")
    start = pd.DatetimeIndex([first + pd.DateOffset(months=int(m)) for m in range(months)])
    tx = pd.DataFrame(
        {
            "customer_id": cust,
            "date": start[month] + pd.to_timedelta(rng.integers(0, 28, cust.size), "D"),
            "amount": rng.gamma(4.0, MEAN_AMOUNT / 4.0, cust.size),
        }
    )
    join = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    join[enrolled] = start[enrol_month[enrolled]] + pd.Timedelta(days=14)
    customers = pd.DataFrame(
        {"customer_id": np.arange(n), "loyalty_join_date": join.to_numpy(), "signup_date": first}
    )
    end = start[-1] + pd.offsets.MonthEnd(0)
    return tx, customers, end


@pytest.fixture(scope="module")
def programme():
    tx, customers, end = simulate_programme(seed=2024)
    return programme_effect(tx, customers, signup_col="signup_date", observation_end=end,
                            match_periods=6, pre_periods=3, post_periods=3, n_neighbours=3)  # fmt: skip


def test_did_interval_covers_the_true_effect_while_the_naive_comparison_is_biased(programme):
    did = programme.table.loc["did_matched"]
    naive = programme.table.loc["naive"]
    assert did["ci_low"] <= TRUE_EFFECT <= did["ci_high"], did
    assert did["ci_high"] - did["ci_low"] < TRUE_EFFECT  # informative, not just wide
    # heavier buyers enrolled: the naive difference is far above the truth, its interval
    # excludes it
    assert naive["ci_low"] > TRUE_EFFECT + 5, naive
    assert naive["effect"] > 2 * did["effect"]


def test_matching_balances_the_matching_window(programme):
    balance = programme.balance
    members, matched, everyone = (balance.loc["match", c] for c in balance.columns)
    assert abs(members - matched) < 0.1 * members
    assert everyone < 0.8 * members  # the unmatched non-members buy much less
    units = programme.units
    assert set(units["role"]) == {"member", "control"}
    assert units.groupby("matched_to")["weight"].sum().eq(2.0).all()  # 1 + 3 x 1/3
    summary = str(programme.summary())
    assert "difference-in-differences, matched" in summary
    used = int(programme.table.loc["did_matched", "n_members"])
    assert f"members used                        {used:,} of {programme.n_enrolled:,}" in summary


def test_members_the_windows_cannot_serve_are_counted_not_dropped(programme):
    enrolled = programme.n_enrolled
    used = int(programme.table.loc["did_matched", "n_members"])
    assert used + sum(programme.excluded.values()) == enrolled


def test_effect_bad_input_is_named():
    tx, customers, end = simulate_programme(seed=1, n=300, months=20)
    with pytest.raises(DataValidationError, match="not in customers"):
        programme_effect(tx, customers.iloc[1:], observation_end=end)
    with pytest.raises(DataValidationError, match="column customer_id repeats a customer"):
        programme_effect(tx, pd.concat([customers, customers.iloc[:1]]), observation_end=end)
    with pytest.raises(DataValidationError, match="leaves no member"):
        programme_effect(tx, customers, observation_end=end, match_periods=12, pre_periods=6)
    with pytest.raises(ValueError, match="n_neighbours"):
        programme_effect(tx, customers, observation_end=end, n_neighbours=0)


def test_few_members_warn_and_a_constant_outcome_is_refused():
    tx, customers, end = simulate_programme(seed=3, n=300, months=24)
    with pytest.warns(UserWarning, match="member"):
        programme_effect(tx, customers.assign(loyalty_join_date=customers["loyalty_join_date"]
                                              .where(customers.index < 60)),
                         signup_col="signup_date", observation_end=end)  # fmt: skip
    flat = tx.assign(amount=0.0)
    with pytest.raises(DataValidationError, match="column 'amount' gives the same spend"):
        programme_effect(flat, customers, signup_col="signup_date", observation_end=end)


def test_conclusion_reads_the_interval_and_the_naive_gap(programme):
    text = programme.conclusion()
    did = programme.table.loc["did_matched"]
    assert text.startswith("Difference-in-differences: enrolling changed spend by ")
    assert f"{did['effect']:+,.2f} currency units per member per month" in text
    assert "the programme raises it" in text  # interval above 0 (covers the true 12)
    assert "higher and outside the interval: that part is who chose to join" in text
    # an interval across 0 with the naive estimate inside it
    table = programme.table.copy()
    table.loc["did_matched", ["effect", "ci_low", "ci_high"]] = [1.0, -2.0, 4.0]
    table.loc["naive", "effect"] = 3.0
    text = dataclasses.replace(programme, table=table).conclusion()
    assert "not distinguishable from no effect" in text
    assert "the naive comparison (+3.00) lies inside that interval" in text
    # an interval below 0, the naive estimate below it
    table.loc["did_matched", ["effect", "ci_low", "ci_high"]] = [-3.0, -5.0, -1.0]
    table.loc["naive", "effect"] = -9.0
    text = dataclasses.replace(programme, table=table).conclusion()
    assert "the programme lowers it" in text and "is 6.00 lower and outside" in text
