"""Chapter-3 exercise checks (customer lifetime value): data, solutions and slip messages.

The right answers are computed here by hand (formulas and pandas), independently of
the checks, which recompute them with portfolio_lib.clv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import clv
from portfolio_lib.exercises.checks import ch03
from portfolio_lib.exercises.feedback import CheckFailed
from portfolio_lib.simulate import simulate_crm

SEEDS = (0, 3, 7)
REASON_ALIVE = (
    "The customer used to buy often, but has been silent for a long time since the last purchase."
)
REASON_OFFER = (
    "Even at the low end of its CLV interval this customer brings more than the offer costs."
)


@pytest.fixture(scope="module", params=SEEDS)
def solved(request):
    """(seed, data, answers) with every answer computed by hand."""
    seed = request.param
    data = ch03.exercise_data(seed)
    m, r, d = data.margin, data.retention, data.discount
    rows = data.transactions[data.transactions["customer_id"] == data.customer]
    days = rows.loc[~rows["is_return"] & (rows["amount"] >= 0), "date"].dt.normalize().unique()
    first, last = days.min(), days.max()
    summary = clv.summary_from_transactions(
        data.transactions, observation_end=data.observation_end, unit="W"
    )
    model = clv.BetaGeo().fit(summary)
    x, t_x, age = summary.loc[data.alive_customer, ["frequency", "recency", "T"]]
    r_, alpha, a, b = model.params_
    p_alive = 1 / (1 + a / (b + x - 1) * ((alpha + age) / (alpha + t_x)) ** (r_ + x))
    sbg = clv.ShiftedBetaGeometric().fit(data.cohort)
    al, be, t = sbg.params_["alpha"], sbg.params_["beta"], data.year
    answers = {
        1: {"end": m * r / (1 + d - r), "start": m * (1 + d) / (1 + d - r)},
        2: {
            "frequency": len(days) - 1,
            "recency": (last - first).days / 7,
            "T": (data.observation_end - first).days / 7,
        },
        3: p_alive,
        4: (be + t - 1) / (al + be + t - 1),
        5: str(data.offer.index[data.offer["clv_low"] > data.offer_cost][0]),
    }
    return seed, data, answers


def message(check, answer, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(answer, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- data


def test_exercise_data_is_reproducible_and_differs_between_seeds():
    first, again, other = ch03.exercise_data(3), ch03.exercise_data(3), ch03.exercise_data(4)
    pd.testing.assert_frame_equal(first.transactions, again.transactions)
    pd.testing.assert_frame_equal(first.offer, again.offer)
    assert (first.customer, first.year, first.offer_cost) == (
        again.customer,
        again.year,
        again.offer_cost,
    )
    assert first.customer != other.customer or first.margin != other.margin
    assert first.company_seed == 3 and len(first.crm.customers) == ch03.N_CUSTOMERS


def test_split_baskets_add_same_day_rows_but_change_no_summary():
    crm = simulate_crm(n_customers=120, seed=5)
    customer = "C00010"
    split = ch03.split_baskets(crm.transactions, customer, np.random.default_rng(1))
    assert len(split) > len(crm.transactions)
    assert np.isclose(split["amount"].sum(), crm.transactions["amount"].sum())
    assert split["points_earned"].sum() == crm.transactions["points_earned"].sum()
    assert split["transaction_id"].is_unique
    own = split[(split["customer_id"] == customer) & ~split["is_return"]]
    assert (own.groupby("date").size() == 2).sum() == 2, "two split days for the customer"
    end = crm.observation_end
    before = clv.summary_from_transactions(crm.transactions, observation_end=end)
    after = clv.summary_from_transactions(split, observation_end=end)
    pd.testing.assert_frame_equal(before, after, check_exact=False, rtol=1e-9)


def test_task_data_fit_their_stories(solved):
    _, data, answers = solved
    assert 4 <= answers[2]["frequency"] + 1 <= 12, "a customer whose rows can be read by eye"
    assert 0 < answers[3] < 0.5, "task 3's customer is more likely gone than alive"
    cohort = data.cohort
    assert cohort.iloc[0] == 1000 and (np.diff(cohort.to_numpy()) <= 0).all()
    assert data.year > ch03.FITTED_YEARS
    offer = data.offer
    covers = offer["clv_low"] > data.offer_cost
    assert covers.sum() == 1, "exactly one candidate's CLV low end covers the offer's cost"
    trap, right = offer.loc[~covers].iloc[0], offer.loc[covers].iloc[0]
    assert trap["historical_clv"] > right["historical_clv"], "the trap brought more in the past"
    assert offer["p_alive"].between(0, 1).all()
    assert (offer["clv_low"] <= offer["clv"]).all() and (offer["clv"] <= offer["clv_high"]).all()


def test_a_company_without_usable_clv_intervals_is_redrawn_from_the_seed():
    # Seed 44's own company has BG/NBD dropout parameters so poorly determined that some
    # parameter draws give NaN: the exercise must still hand out finite intervals.
    data = ch03.exercise_data(44)
    assert np.isfinite(data.offer[["clv", "clv_low", "clv_high"]].to_numpy()).all()
    assert data.company_seed == ch03.exercise_data(44).company_seed


# --------------------------------------------------------------------------- solutions pass


def test_hand_computed_answers_pass_every_check(solved, capsys):
    seed, data, answers = solved
    assert ch03.check_03_1(answers[1], seed=seed) is None
    assert ch03.check_03_2(answers[2], seed=seed) is None
    assert ch03.check_03_3(answers[3], seed=seed, reason=REASON_ALIVE) is None
    assert ch03.check_03_4(answers[4], seed=seed) is None
    assert ch03.check_03_5(answers[5], seed=seed, reason=REASON_OFFER) is None
    customer_id = data.offer.loc[answers[5], "customer_id"]
    assert ch03.check_03_5(customer_id, seed=seed, reason=REASON_OFFER) is None
    printed = capsys.readouterr().out
    assert printed.count("✔ Task") == 6


def test_rounded_answers_pass(solved):
    seed, _, answers = solved
    ch03.check_03_1({k: round(v, 2) for k, v in answers[1].items()}, seed=seed)
    ch03.check_03_2({k: round(v, 2) for k, v in answers[2].items()}, seed=seed)
    ch03.check_03_3(round(answers[3], 2), seed=seed, reason=REASON_ALIVE)
    ch03.check_03_4(round(answers[4], 3), seed=seed)


# --------------------------------------------------------------------------- slips


def test_task_1_names_the_slip_and_hides_the_value(solved):
    seed, data, answers = solved
    m, r, d = data.margin, data.retention, data.discount
    right = answers[1]
    swapped = message(ch03.check_03_1, {"end": right["start"], "start": right["end"]}, seed=seed)
    assert "margin at the START of each year" in swapped
    churn = message(
        ch03.check_03_1, {"end": m * (1 - r) / (1 + d - (1 - r)), "start": 0}, seed=seed
    )
    assert "churn rate 1 − r" in churn
    undiscounted = message(ch03.check_03_1, {"end": right["end"], "start": m / (1 - r)}, seed=seed)
    assert undiscounted.startswith("Task 1 (margin-multiple CLV): start: you left out the discount")
    for text in (swapped, churn, undiscounted):
        assert f"{right['end']:.6g}" not in text and f"{right['start']:.6g}" not in text


def test_task_2_names_the_three_slips_of_the_brief(solved):
    seed, data, answers = solved
    right = answers[2]
    first = message(ch03.check_03_2, dict(right, frequency=right["frequency"] + 1), seed=seed)
    assert "leave out the first purchase" in first
    same_day = message(ch03.check_03_2, dict(right, frequency=right["frequency"] + 2), seed=seed)
    assert "two rows on the same day but ONE purchase occasion" in same_day
    days = message(ch03.check_03_2, dict(right, T=right["T"] * 7), seed=seed)
    assert "T looks like days; give it in weeks" in days
    since = message(ch03.check_03_2, dict(right, recency=right["T"] - right["recency"]), seed=seed)
    assert "time SINCE the last purchase" in since
    start = (data.observation_end - data.crm.observation_start).days / 7
    assert "from the customer's FIRST purchase" in message(
        ch03.check_03_2, dict(right, T=start), seed=seed
    )


def test_task_3_needs_the_probability_alive_and_a_reason(solved):
    seed, _, answers = solved
    p = answers[3]
    assert "LEFT (1 − P(alive))" in message(ch03.check_03_3, 1 - p, seed=seed, reason=REASON_ALIVE)
    assert "divide by 100?" in message(ch03.check_03_3, 100 * p, seed=seed, reason=REASON_ALIVE)
    assert "write your reason" in message(ch03.check_03_3, p, seed=seed)
    vague = "The model says that this customer is probably no longer a customer of ours."
    assert "key ideas are missing" in message(ch03.check_03_3, p, seed=seed, reason=vague)


def test_task_4_recognises_off_by_one_years_and_the_chapters_parameters(solved):
    seed, data, answers = solved
    sbg = clv.ShiftedBetaGeometric().fit(data.cohort)
    al, be, t = sbg.params_["alpha"], sbg.params_["beta"], data.year
    later = message(ch03.check_03_4, (be + t) / (al + be + t), seed=seed)
    assert "year AFTER" in later
    chapter = message(ch03.check_03_4, (1.182 + t - 1) / (0.704 + 1.182 + t - 1), seed=seed)
    assert "chapter's α and β" in chapter
    observed = message(ch03.check_03_4, data.cohort.iloc[-1] / data.cohort.iloc[-2], seed=seed)
    assert "last OBSERVED retention rate" in observed


def test_task_5_explains_why_the_other_customer_is_not_the_target(solved):
    seed, data, answers = solved
    wrong = "B" if answers[5] == "A" else "A"
    text = message(ch03.check_03_5, wrong, seed=seed, reason=REASON_OFFER)
    assert f"{wrong!r} is not the best choice" in text
    assert "low end" in text or "FUTURE value" in text
    assert "must be one of 'A', 'B'" in message(ch03.check_03_5, "C", seed=seed)
    assert "write your reason" in message(ch03.check_03_5, answers[5], seed=seed)
