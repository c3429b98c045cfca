"""New exercise tasks of issue 19: cross-sell (4.6), complaints (5.6) and mystery shopping (5.7).

The right answers are computed here by hand (pandas and numpy: a Kaplan–Meier product, a
weighted checklist sum, customer counts), independently of the checks, which recompute
them with portfolio_lib. Every typical wrong answer is computed by hand too and must fail
with its own message; a wrong answer that happens to equal the right one (or an earlier
slip) for a seed is skipped for that seed, never asserted on nothing.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import exercises
from portfolio_lib.crm import MYSTERY_CHECKLIST_WEIGHTS
from portfolio_lib.exercises.checks import ch04, ch05
from portfolio_lib.exercises.feedback import CheckFailed
from portfolio_lib.loyalty import programme_effect

SEEDS = (0, 1, 3)  # seed 1: a complaint of the asked category is still open (censored)


def test_the_new_checks_are_found_from_the_chapter_modules():
    for name in ("check_04_6", "check_04_7", "check_05_6", "check_05_7"):
        check = getattr(exercises, name)
        assert check is getattr(ch04 if name.startswith("check_04") else ch05, name)
        assert check.task == int(name[-1])


def message(check, answer, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(answer, **kwargs)
    return str(info.value)


def differs(value: float, *others: float, rel: float = 1e-3, abs_: float = 5e-4) -> bool:
    """True if ``value`` is told apart from each of ``others`` by the checks' tolerances."""
    return all(not math.isclose(value, other, rel_tol=rel, abs_tol=abs_) for other in others)


def assert_slips(check, right: dict, field: str, slips: list, seed: int) -> list[str]:
    """Each (wrong value, fragment) in ``field`` fails with its fragment; returns those run.

    A slip is asserted only when its value differs from the right one and from every
    earlier slip (the checks name the first known slip a value matches).
    """
    seen = [right[field]]
    ran = []
    for wrong, fragment in slips:
        if differs(wrong, *seen):
            text = message(check, dict(right, **{field: wrong}), seed=seed)
            assert fragment in text, (seed, field, wrong, text)
            shown = f"{right[field]:.6g}"
            assert len(shown) < 4 or shown not in text, "the message gives the answer away"
            ran.append(fragment)
        seen.append(wrong)
    return ran


def purchase_rows(transactions: pd.DataFrame) -> pd.DataFrame:
    return transactions[~transactions["is_return"].astype(bool) & (transactions["amount"] >= 0)]


# --------------------------------------------------------------------------- 4.6 cross-sell


@pytest.fixture(scope="module", params=SEEDS)
def pair(request):
    """(seed, task, right answer, counts) for chapter 4 task 6, by hand."""
    seed = request.param
    task = ch04.cross_sell_task(seed)
    bought = purchase_rows(task.crm.transactions).groupby("category")["customer_id"].agg(set)
    customers = set().union(*bought)
    a, b = bought[task.if_bought], bought[task.then_buys]
    n = len(customers)
    confidence = len(a & b) / len(a)
    counts = {"n": n, "a": len(a), "b": len(b), "both": len(a & b)}
    return seed, task, {"confidence": confidence, "lift": confidence / (len(b) / n)}, counts


def test_cross_sell_pair_is_reproducible_and_varies_between_seeds():
    pairs = {(ch04.cross_sell_task(s).if_bought, ch04.cross_sell_task(s).then_buys) for s in SEEDS}
    assert len(pairs) > 1, "students get different category pairs"
    again = ch04.cross_sell_task(3)
    assert (again.if_bought, again.then_buys) == (
        ch04.cross_sell_task(3).if_bought,
        ch04.cross_sell_task(3).then_buys,
    )


def test_cross_sell_right_answer_passes_also_rounded(pair, capsys):
    seed, _, right, _ = pair
    assert ch04.check_04_6(right, seed=seed) is None
    ch04.check_04_6({key: round(value, 3) for key, value in right.items()}, seed=seed)
    ch04.check_04_6(pd.Series(right), seed=seed)
    assert capsys.readouterr().out.count("✔ Task 6 passed") == 3


def test_cross_sell_swapped_confidence_and_lift_is_named(pair):
    seed, _, right, _ = pair
    swapped = {"confidence": right["lift"], "lift": right["confidence"]}
    assert "confidence and lift are swapped" in message(ch04.check_04_6, swapped, seed=seed)


def test_cross_sell_typical_wrong_confidences_have_their_messages(pair):
    seed, task, right, c = pair
    slips = [
        (100 * right["confidence"], "not a percentage: divide by 100"),
        (right["lift"], "this is the LIFT"),
        (c["both"] / c["b"], "confidence of the other direction"),
        (c["both"] / c["n"], "this is the SUPPORT"),
        (float(c["both"]), "NUMBER of customers who bought both"),
        (c["b"] / c["n"], f"share of all customers who bought {task.then_buys!r}"),
    ]
    assert len(assert_slips(ch04.check_04_6, right, "confidence", slips, seed)) >= 5


def test_cross_sell_typical_wrong_lifts_have_their_messages(pair):
    seed, task, right, c = pair
    slips = [
        (right["confidence"], "this is the CONFIDENCE"),
        (100 * right["lift"], "not a percentage: divide by 100"),
        (right["lift"] - 1, "this is lift − 1"),
        (1 / right["lift"], "upside down"),
        (right["confidence"] / (c["a"] / c["n"]), "you divided by the share of customers who"),
    ]
    assert len(assert_slips(ch04.check_04_6, right, "lift", slips, seed)) == len(slips)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (0.4, "must be a dict with the keys 'confidence', 'lift'; you passed a float"),
        (..., "replace the placeholder"),
        ({"confidence": 0.4}, "the key(s) ['lift'] are missing"),
        ({"confidence": "0.4", "lift": 1.2}, "not the text '0.4'"),
        ({"confidence": pd.Series([0.4, 0.5]), "lift": 1.2}, "must be a single number"),
        (pd.DataFrame({"confidence": [0.4], "lift": [1.2]}), "you passed a table"),
        ({"confidence": 1.7, "lift": 1.2}, "confidence must be between 0 and 1"),
    ],
)
def test_cross_sell_bad_answer_types_get_a_clear_message(answer, fragment):
    assert fragment in message(ch04.check_04_6, answer, seed=3)


# --------------------------------------------------------------------------- 4.7 loyalty


@pytest.fixture(scope="module", params=SEEDS)
def loyalty(request):
    """(seed, task, result, right answer) for chapter 4 task 7, from the library's estimator."""
    seed = request.param
    task = ch04.loyalty_task(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = programme_effect(
            task.crm.transactions,
            task.crm.customers,
            outcome=task.outcome,
            observation_end=task.observation_end,
        )
    effect = result.table["effect"]
    return seed, task, result, {"naive": effect["naive"], "did": effect["did_matched"]}


def test_loyalty_outcome_varies_between_seeds_and_members_self_select():
    assert {ch04.loyalty_task(seed).outcome for seed in SEEDS} == set(ch04.LOYALTY_OUTCOMES)
    task = ch04.loyalty_task(3)
    assert task.crm.customers["loyalty_join_date"].notna().sum() > 30


def test_loyalty_did_is_the_members_change_minus_their_matches_change(loyalty):
    """The expected answer, by hand from the matched sample (one neighbour per member)."""
    _, _, result, right = loyalty
    units = result.units
    by_hand = units.loc[units["role"] == "member", "change"].mean() - np.average(
        units.loc[units["role"] == "control", "change"],
        weights=units.loc[units["role"] == "control", "weight"],
    )
    assert math.isclose(by_hand, right["did"], rel_tol=1e-6, abs_tol=1e-9)


def test_loyalty_right_answer_passes_also_rounded(loyalty, capsys):
    seed, task, _, right = loyalty
    assert ch04.check_04_7(right, seed=seed) is None
    decimals = 2 if task.outcome == "spend" else 3
    ch04.check_04_7({k: round(float(v), decimals) for k, v in right.items()}, seed=seed)
    assert capsys.readouterr().out.count("✔ Task 7 passed") == 2


def test_loyalty_naive_reported_as_the_effect_is_named(loyalty):
    seed, _, _, right = loyalty
    text = message(ch04.check_04_7, dict(right, did=right["naive"]), seed=seed)
    assert "this is the NAIVE comparison" in text and "chose to join" in text
    swapped = {"naive": right["did"], "did": right["naive"]}
    assert "the two estimates are swapped" in message(ch04.check_04_7, swapped, seed=seed)


def test_loyalty_typical_wrong_effects_have_their_messages(loyalty):
    seed, task, result, right = loyalty
    units, balance, row = result.units, result.balance, result.table.loc["did_matched"]
    other = "purchases" if task.outcome == "spend" else "spend"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        other_effect = programme_effect(
            task.crm.transactions,
            task.crm.customers,
            outcome=other,
            observation_end=task.observation_end,
        ).table.loc["did_matched", "effect"]
    slips = [
        (right["naive"], "this is the NAIVE comparison"),
        (
            balance.loc["post", "members"] - balance.loc["post", "all_non_members"],
            "ALL non-members",
        ),
        (units.loc[units["role"] == "member", "change"].mean(), "members' own change"),
        (row["ci_low"], "lower end of the interval"),
        (row["ci_high"], "upper end of the interval"),
        (3 * right["did"], "summed over the 3-month outcome window"),
        (other_effect, f"this is the effect on {other}"),
    ]
    assert len(assert_slips(ch04.check_04_7, right, "did", slips, seed)) >= 6


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (2.0, "must be a dict with the keys 'naive', 'did'; you passed a float"),
        ({"did": 2.0}, "the key(s) ['naive'] are missing"),
        ({"naive": 1.0, "did": ...}, "replace the ... placeholder"),
        ({"naive": 1.0, "did": "2"}, "not the text '2'"),
    ],
)
def test_loyalty_bad_answer_types_get_a_clear_message(loyalty, answer, fragment):
    seed, _, _, right = loyalty
    if isinstance(answer, dict) and "naive" in answer:
        answer = dict(answer, naive=right["naive"])
    assert fragment in message(ch04.check_04_7, answer, seed=seed)


def test_loyalty_passing_the_result_object_is_explained(loyalty):
    seed, _, result, _ = loyalty
    assert "pass a dict with the two numbers of its .table" in message(
        ch04.check_04_7, result, seed=seed
    )


# --------------------------------------------------------------------------- 5.6 complaints


def km_resolved_within(complaints: pd.DataFrame, category: str | None, days: float) -> float:
    """1 − Kaplan–Meier S(days), open complaints censored at the latest timestamp, by hand."""
    opened, resolved = complaints["opened"], complaints["resolved"]
    as_of = max(opened.max(), resolved.max())
    keep = complaints["category"] == category if category else pd.Series(True, complaints.index)
    duration = ((resolved.fillna(as_of) - opened) / pd.Timedelta(days=1))[keep].to_numpy()
    event = resolved.notna()[keep].to_numpy()
    survival = 1.0
    for time in np.unique(duration[event & (duration <= days)]):
        at_risk = (duration >= time).sum()
        survival *= 1 - (event & (duration == time)).sum() / at_risk
    return 1 - survival


@pytest.fixture(scope="module", params=SEEDS)
def complaints(request):
    """(seed, task, right answer, counts) for chapter 5 task 6, by hand."""
    seed = request.param
    task = ch05.complaint_task(seed)
    orders = len(purchase_rows(task.crm.transactions))
    own = task.crm.complaints[task.crm.complaints["category"] == task.category]
    counts = {
        "orders": orders,
        "own": len(own),
        "all": len(task.crm.complaints),
        "rows": len(task.crm.transactions),
        "customers": task.crm.transactions["customer_id"].nunique(),
    }
    right = {
        "per_1000_orders": 1000 * len(own) / orders,
        "within_sla": km_resolved_within(task.crm.complaints, task.category, task.sla_days),
    }
    return seed, task, right, counts


def test_complaint_task_picks_a_category_with_enough_complaints(complaints):
    _, task, _, counts = complaints
    assert counts["own"] >= ch05.MIN_COMPLAINTS
    assert task.sla_days in ch05.SLA_DAYS
    variants = {(ch05.complaint_task(s).category, ch05.complaint_task(s).sla_days) for s in SEEDS}
    assert len(variants) > 1


def test_complaint_right_answer_passes_also_rounded(complaints, capsys):
    seed, _, right, _ = complaints
    assert ch05.check_05_6(right, seed=seed) is None
    ch05.check_05_6({"per_1000_orders": round(right["per_1000_orders"], 2),
                     "within_sla": round(right["within_sla"], 3)}, seed=seed)  # fmt: skip
    assert capsys.readouterr().out.count("✔ Task 6 passed") == 2


def test_complaint_rate_typical_wrong_answers_have_their_messages(complaints):
    seed, task, right, c = complaints
    rate = right["per_1000_orders"]
    slips = [
        (rate / 1000, "per ORDER"),
        (rate / 10, "per 100 orders (a percentage)"),
        (float(c["own"]), "this is the NUMBER of"),
        (c["own"] / c["all"], "share of all COMPLAINTS (the Pareto share)"),
        (1000 * c["own"] / c["all"], "you divided by the number of complaints"),
        (1000 * c["own"] / c["customers"], "you divided by the number of CUSTOMERS"),
        (1000 * c["own"] / c["rows"], "returns are not orders"),
        (1000 * c["all"] / c["orders"], "complaints of ALL categories"),
    ]
    ran = assert_slips(ch05.check_05_6, right, "per_1000_orders", slips, seed)
    assert len(ran) == len(slips)


def test_complaint_service_level_typical_wrong_answers_have_their_messages(complaints):
    seed, task, right, _ = complaints
    share = right["within_sla"]
    own = task.crm.complaints[task.crm.complaints["category"] == task.category]
    in_time = (own["resolved"] - own["opened"]) <= pd.Timedelta(days=task.sla_days)
    slips = [
        (100 * share, "not a percentage: divide by 100"),
        (1 - share, "share still OPEN"),
        (float(in_time.sum()), "NUMBER of complaints resolved in time"),
        (in_time.sum() / own["resolved"].notna().sum(), "RESOLVED complaints only"),
        (float(in_time.mean()), "they are censored"),
        (km_resolved_within(task.crm.complaints, task.category, task.sla_days / 24), "HOURS"),
        (km_resolved_within(task.crm.complaints, None, task.sla_days), "share of ALL complaints"),
    ]
    ran = assert_slips(ch05.check_05_6, right, "within_sla", slips, seed)
    assert len(ran) >= 4
    if seed == 1:  # an open complaint: the two ways of ignoring censoring are told apart
        assert {"RESOLVED complaints only", "they are censored"} <= set(ran)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (12.5, "must be a dict with the keys 'per_1000_orders', 'within_sla'; you passed a float"),
        ({"within_sla": 0.5}, "the key(s) ['per_1000_orders'] are missing"),
        ({"per_1000_orders": None}, "you returned None"),
        ({"per_1000_orders": ...}, "replace the ... placeholder"),
        ({"within_sla": float("nan")}, "you returned NaN"),
        ({"within_sla": True}, "(True/False)"),
        ({"within_sla": "0.5"}, "not the text '0.5'"),
    ],
)
def test_complaint_bad_answer_types_get_a_clear_message(complaints, answer, fragment):
    seed, _, right, _ = complaints
    if isinstance(answer, dict) and "missing" not in fragment:
        answer = {**right, **answer}
    assert fragment in message(ch05.check_05_6, answer, seed=seed)


# --------------------------------------------------------------------------- 5.7 mystery shopping


@pytest.fixture(scope="module", params=SEEDS)
def branch(request):
    """(seed, task, right score, pass rates, visits of the branch) for chapter 5 task 7."""
    seed = request.param
    task = ch05.mystery_task(seed)
    weights = pd.Series(MYSTERY_CHECKLIST_WEIGHTS, dtype=float)
    weights /= weights.sum()
    own = task.crm.mystery_shopping[task.crm.mystery_shopping["branch"] == task.branch]
    items = own[list(weights.index)].astype(float)
    scores = 100 * items.to_numpy() @ weights.to_numpy()
    return seed, task, float(scores.mean()), items.mean(), scores


def failing_items(rates: pd.Series) -> list[str]:
    below = rates[rates < ch05.PASS_STANDARD]
    return list(below.index[np.isclose(below, below.min())]) if len(below) else [ch05.NO_ITEM]


def test_mystery_right_answer_passes(branch, capsys):
    seed, _, score, rates, _ = branch
    for item in failing_items(rates):
        ch05.check_05_7({"mean_score": score, "weakest_item": item}, seed=seed)
    ch05.check_05_7({"mean_score": round(score, 1), "weakest_item": failing_items(rates)[0]},
                    seed=seed)  # fmt: skip
    assert capsys.readouterr().out.count("✔ Task 7 passed") == len(failing_items(rates)) + 1


def test_mystery_score_typical_wrong_answers_have_their_messages(branch):
    seed, task, score, rates, scores = branch
    right = {"mean_score": score, "weakest_item": failing_items(rates)[0]}
    everyone = task.crm.mystery_shopping[list(MYSTERY_CHECKLIST_WEIGHTS)].astype(float)
    weights = pd.Series(MYSTERY_CHECKLIST_WEIGHTS, dtype=float)
    network = float((100 * everyone.to_numpy() @ (weights / weights.sum()).to_numpy()).mean())
    slips = [
        (score / 100, "not a share: multiply by 100"),
        (100 * float(rates.mean()), "same weight"),
        (network, "mean of ALL branches"),
        (float(scores.sum()), "SUM of the visit scores"),
        (float(np.median(scores)), "median visit score"),
    ]
    assert len(assert_slips(ch05.check_05_7, right, "mean_score", slips, seed)) >= 3


def test_mystery_wrong_item_choices_are_explained(branch):
    seed, task, score, rates, _ = branch
    best = failing_items(rates)
    passing = [item for item in rates.index if rates[item] >= ch05.PASS_STANDARD]
    if passing:
        text = message(
            ch05.check_05_7, {"mean_score": score, "weakest_item": passing[0]}, seed=seed
        )
        assert f"{passing[0]} meets the standard in {task.branch}" in text
    if best != [ch05.NO_ITEM]:
        text = message(ch05.check_05_7, {"mean_score": score, "weakest_item": "none"}, seed=seed)
        assert "at least one item is passed by fewer than 80%" in text
    text = message(ch05.check_05_7, {"mean_score": score, "weakest_item": "greeting"}, seed=seed)
    assert "weakest_item must be one of 'item_greeting'" in text


def test_mystery_branches_vary_between_seeds():
    assert len({ch05.mystery_task(seed).branch for seed in SEEDS}) > 1


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ("item_upsell_offer", "must be a dict with the keys 'mean_score', 'weakest_item'"),
        ({"weakest_item": 3}, "weakest_item must be one of"),
        ({"weakest_item": ...}, "replace the ... placeholder"),
        ({"mean_score": 170.0}, "must be between 0 and 100 points"),
        ({"mean_score": [70.0]}, "must be a number; you returned a list"),
    ],
)
def test_mystery_bad_answer_types_get_a_clear_message(branch, answer, fragment):
    seed, _, score, rates, _ = branch
    if isinstance(answer, dict):
        answer = {"mean_score": score, "weakest_item": failing_items(rates)[0], **answer}
    assert fragment in message(ch05.check_05_7, answer, seed=seed)
