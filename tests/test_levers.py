"""Segmentation into decisions (issue 19): price, service level and touchpoints per segment.

Unit tests against hand computations on tiny frames, property tests for the invariants
(shares in [0, 1], totals adding up to the whole) and one check on a simulated company whose
structure is known (the retention offer's true uplift differs by persona; the discount
campaigns cause nothing).
"""

from __future__ import annotations

import dataclasses
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError, portfolio
from portfolio_lib.portfolio import levers
from portfolio_lib.simulate import simulate_crm

D = pd.Timestamp


# -- price -----------------------------------------------------------------------------------
def test_break_even_lift_is_the_classic_formula():
    assert levers.break_even_lift(0.1, 0.3) == pytest.approx(0.5)  # 0.1 / 0.2
    assert levers.break_even_lift(0.2, 0.25) == pytest.approx(4.0)  # 0.2 / 0.05
    assert levers.break_even_lift(0.0, 0.3) == 0.0
    assert levers.break_even_lift(0.3, 0.3) == math.inf
    assert levers.break_even_lift(0.4, 0.3) == math.inf


@pytest.mark.parametrize(
    ("discount", "margin", "word"),
    [(1.0, 0.3, "discount"), (-0.1, 0.3, "discount"), (0.1, 0.0, "margin"),
     (0.1, 1.5, "margin"), (True, 0.3, "discount"), (0.1, float("nan"), "margin")],
)  # fmt: skip
def test_break_even_lift_refuses_bad_fractions(discount, margin, word):
    with pytest.raises(ValueError, match=word):
        levers.break_even_lift(discount, margin)


def _campaign(control_arm: bool = True):
    """Campaign K1 (Feb 1-10) with treated a, b (x) and c (y); control d, e (x) and f (y)."""
    rows = [  # customer, date, amount, is_return, campaign_id
        *[(c, "2024-01-15", 20.0, False, None) for c in "abcdef"],  # all active before
        ("a", "2024-02-02", 90.0, False, "K1"),
        ("a", "2024-02-06", 30.0, False, None),
        ("b", "2024-02-03", 45.0, False, "K1"),
        ("d", "2024-02-04", 50.0, False, None),
        ("d", "2024-02-08", -50.0, True, None),  # a return is not a purchase
        ("f", "2024-02-05", 40.0, False, None),
        ("a", "2024-02-20", 70.0, False, None),  # after the window
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "is_return", "campaign_id"])
    tx["date"] = pd.to_datetime(tx["date"])
    camp = pd.DataFrame({"campaign_id": ["K1"], "type": ["discount"],
                         "start_date": [D("2024-02-01")], "end_date": [D("2024-02-10")]})  # fmt: skip
    arms = pd.DataFrame({"campaign_id": "K1", "customer_id": list("abcdef"),
                         "arm": ["treatment"] * 3 + ["control"] * 3})  # fmt: skip
    if not control_arm:
        arms = arms.loc[arms["arm"] == "treatment"]
    seg = pd.Series({"a": "x", "b": "x", "c": "y", "d": "x", "e": "x", "f": "y"})
    return tx, camp, arms, seg


def test_discount_by_segment_by_hand():
    tx, camp, arms, seg = _campaign()
    r = levers.discount_by_segment(tx, camp, arms, seg, discount=0.1, margin=0.3)
    x = r.table.loc["x"]
    # x: treated a (2 purchases), b (1); control d (1, its return is not one), e (0)
    assert (x["n_treated"], x["n_control"]) == (2, 2)
    assert x["purchases_treated"] == 1.5 and x["purchases_control"] == 0.5
    assert x["volume_lift"] == pytest.approx(2.0)
    # delta method on the log ratio: var [2, 1] = var [1, 0] = 0.5 (ddof 1)
    se = math.sqrt(0.5 / (2 * 1.5**2) + 0.5 / (2 * 0.5**2))
    assert x["lift_low"] == pytest.approx(3 * math.exp(-1.959964 * se) - 1, rel=1e-5)
    assert x["lift_high"] == pytest.approx(3 * math.exp(1.959964 * se) - 1, rel=1e-5)
    # paid revenue in the window 90 + 30 + 45; redeemed on the offer 90 + 45
    assert x["revenue"] == 165.0 and x["offer_revenue"] == 135.0
    assert x["discount_given"] == pytest.approx(15.0)  # 135 x 0.1 / 0.9
    assert x["discount_depth"] == pytest.approx(15.0 / 180.0)  # of the list price revenue
    assert x["margin_after"] == pytest.approx(0.3 - 15.0 / 180.0)
    assert x["gross_profit_before"] == pytest.approx(54.0)  # 0.3 x 180
    assert x["gross_profit_after"] == pytest.approx(39.0)
    assert x["break_even_lift"] == pytest.approx(0.5)
    assert x["verdict"] == "undecided"  # the interval straddles 0.5
    y = r.table.loc["y"]  # one customer per arm: no interval
    assert y["volume_lift"] == -1.0 and np.isnan(y["lift_low"]) and y["verdict"] == "no comparison"
    assert "['y']" in r.note
    total = r.table.loc["all"]
    assert (total["n_treated"], total["n_control"]) == (3, 3)
    assert total["volume_lift"] == pytest.approx(1.0 / (2.0 / 3.0) - 1)
    assert list(r.decisions().index) == ["x", "y"]
    assert "break-even 50%" in r.decisions()["x"]
    assert "break-even lift" in str(r.summary()) and "DiscountBySegment(3 rows" in repr(r)


def test_redeemed_points_are_price_reductions_when_valued():
    tx, camp, arms, seg = _campaign()
    tx["points_redeemed"] = 0
    tx.loc[(tx["customer_id"] == "a") & (tx["amount"] == 30.0), "points_redeemed"] = 500
    tx.loc[tx["customer_id"] == "d", "points_redeemed"] = 100  # control: not the offer's cost
    r = levers.discount_by_segment(tx, camp, arms, seg, discount=0.1, margin=0.3,
                                   value_per_point=0.01)  # fmt: skip
    x = r.table.loc["x"]
    assert x["offer_discount"] == pytest.approx(15.0) and x["points_discount"] == 5.0
    assert x["discount_given"] == pytest.approx(20.0)
    assert x["discount_depth"] == pytest.approx(20.0 / 185.0)  # list price 165 + 20
    unvalued = levers.discount_by_segment(tx, camp, arms, seg, discount=0.1, margin=0.3)
    assert unvalued.table.loc["x", "points_discount"] == 0.0
    with pytest.raises(DataValidationError, match="points_redeemed"):
        levers.discount_by_segment(tx.assign(points_redeemed=-1), camp, arms, seg,
                                   discount=0.1, margin=0.3, value_per_point=0.01)  # fmt: skip


def test_verdicts_follow_the_interval():
    assert levers._verdict(0.6, 0.9, 0.5) == "clears"
    assert levers._verdict(-0.1, 0.4, 0.5) == "falls short"
    assert levers._verdict(0.2, 0.8, 0.5) == "undecided"
    assert levers._verdict(float("nan"), 0.8, 0.5) == "no comparison"


def test_without_a_control_arm_the_uncontacted_active_customers_compare():
    tx, camp, arms, seg = _campaign(control_arm=False)
    # g bought once, long before: inactive on the start day, so in neither arm
    tx = pd.concat([tx, pd.DataFrame({"customer_id": ["g"], "date": [D("2023-01-05")],
                                      "amount": [10.0], "is_return": [False],
                                      "campaign_id": [None]})], ignore_index=True)  # fmt: skip
    seg = pd.concat([seg, pd.Series({"g": "y"})])
    r = levers.discount_by_segment(tx, camp, arms, seg, discount=0.1, margin=0.3)
    assert r.table.loc["all", "n_control"] == 3  # d, e, f - not g
    kept = levers.discount_by_segment(tx, camp, arms, seg, discount=0.1, margin=0.3,
                                      active_within_days=None)  # fmt: skip
    assert kept.table.loc["all", "n_control"] == 4


def test_inactive_contacted_customers_are_counted_in_the_note():
    tx, camp, arms, seg = _campaign()
    tx = tx.loc[tx["customer_id"] != "c"]  # c never bought before the start
    r = levers.discount_by_segment(tx, camp, arms, seg, discount=0.1, margin=0.3)
    assert r.table.loc["all", "n_treated"] == 2
    assert "1 contacted customer-campaign pair(s)" in r.note


def test_default_segments_are_the_portfolio_groups_before_the_start():
    tx, camp, arms, _ = _campaign()
    r = levers.discount_by_segment(tx, camp, arms, discount=0.1, margin=0.3)
    assert set(r.table.index) - {"all"} <= set(portfolio.GROUPS)
    assert r.table.drop(index="all")["n_treated"].sum() == 3


def test_discount_by_segment_errors_name_the_problem():
    tx, camp, arms, seg = _campaign()
    with pytest.raises(DataValidationError, match="arm"):
        levers.discount_by_segment(tx, camp, arms.assign(arm="treated"), seg, discount=0.1,
                                   margin=0.3)  # fmt: skip
    with pytest.raises(DataValidationError, match=r"segments has no label for 1 .*'f'"):
        levers.discount_by_segment(tx, camp, arms, seg.drop("f"), discount=0.1, margin=0.3)
    with pytest.raises(DataValidationError, match="campaign_id"):
        levers.discount_by_segment(tx.drop(columns="campaign_id"), camp, arms, seg,
                                   discount=0.1, margin=0.3)  # fmt: skip
    with pytest.raises(DataValidationError, match="K9"):
        levers.discount_by_segment(tx, camp, arms, seg, discount=0.1, margin=0.3,
                                   campaign_ids=["K9"])  # fmt: skip
    with pytest.raises(DataValidationError, match="type 'win_back'"):
        levers.discount_by_segment(tx, camp, arms, seg, discount=0.1, margin=0.3,
                                   campaign_type="win_back")  # fmt: skip
    with pytest.raises(DataValidationError, match="have no label"):
        levers.discount_by_segment(tx, camp, arms, seg.where(seg != "y"), discount=0.1,
                                   margin=0.3)  # fmt: skip


def test_no_campaign_gives_a_note_when_asked():
    tx, camp, arms, seg = _campaign()
    r = levers.discount_by_segment(tx, camp.iloc[:0], arms.iloc[:0], seg, discount=0.1,
                                   margin=0.3, if_missing="note")  # fmt: skip
    assert r.table.empty and "no campaign of type 'discount'" in r.note


# -- service level ---------------------------------------------------------------------------
def _service():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b", "c", "c"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-02", "2024-01-03",
                                "2024-01-09"]),
        "amount": [100.0, -20.0, 50.0, 200.0, -200.0],
        "is_return": [False, True, False, False, True],
    })  # fmt: skip
    tp = pd.DataFrame({"customer_id": ["b", "b", "c", "P1", "a"],
                       "stage": ["deepening", "deepening", "deepening", "discovery",
                                 "purchase"]})  # fmt: skip
    cp = pd.DataFrame({"customer_id": ["a", "c", "c"]})
    seg = pd.Series({"a": "x", "b": "y", "c": "y", "z": "y"})  # z: labelled, never bought
    return tx, tp, cp, seg


def test_cost_to_serve_by_hand():
    tx, tp, cp, seg = _service()
    costs = {"touchpoint": 2.0, "complaint": 10.0, "return": 5.0}
    r = levers.cost_to_serve(tx, tp, cp, seg, margin=0.5, unit_costs=costs)
    x, y = r.table.loc["x"], r.table.loc["y"]
    # x = a: net revenue 80 -> 40 gross profit; 1 complaint, 1 return, no service touch
    assert (x["n_customers"], x["n_touchpoints"], x["n_complaints"], x["n_returns"]) == (1, 0, 1, 1)
    assert x["cost_to_serve"] == 15.0 and x["profit_after_service"] == 25.0
    assert x["cost_share"] == pytest.approx(15.0 / 40.0)
    # y = b, c, z: net revenue 50 + 0 -> 25; 3 service touches, 2 complaints, 1 return
    assert (y["n_customers"], y["n_touchpoints"], y["n_complaints"], y["n_returns"]) == (3, 3, 2, 1)
    assert y["cost_to_serve"] == 3 * 2.0 + 2 * 10.0 + 5.0
    assert y["profit_after_service_per_customer"] == pytest.approx((25.0 - 31.0) / 3)
    assert r.decisions()["y"].startswith("serve at lower cost")
    assert r.decisions()["x"].startswith("review the service level")
    assert r.totals["cost_to_serve"] == 46.0


def test_cost_to_serve_defaults_and_partial_unit_costs():
    tx, tp, cp, seg = _service()
    r = levers.cost_to_serve(tx, tp, cp, seg, margin=0.5, unit_costs={"complaint": 0.0})
    assert r.unit_costs == {"touchpoint": 1.0, "complaint": 0.0, "return": 8.0}
    both = levers.cost_to_serve(
        tx, tp, cp, seg, margin=0.5, service_stages=("purchase", "deepening")
    )
    assert both.table.loc["x", "n_touchpoints"] == 1


def test_cost_to_serve_refuses_unlabelled_customers_and_bad_costs():
    tx, tp, cp, seg = _service()
    with pytest.raises(DataValidationError, match=r"transactions.*\['a'\]"):
        levers.cost_to_serve(tx, tp, cp, seg.drop("a"), margin=0.5)
    with pytest.raises(DataValidationError, match="complaints"):
        levers.cost_to_serve(tx, tp, pd.DataFrame({"customer_id": ["q"]}), seg, margin=0.5)
    with pytest.raises(ValueError, match="unknown kind"):
        levers.cost_to_serve(tx, tp, cp, seg, margin=0.5, unit_costs={"calls": 1.0})
    with pytest.raises(ValueError, match="unit_costs"):
        levers.cost_to_serve(tx, tp, cp, seg, margin=0.5, unit_costs={"return": -1.0})
    with pytest.raises(DataValidationError, match="customer_id"):
        levers.cost_to_serve(tx, tp.assign(customer_id=None), cp, seg, margin=0.5)


def test_empty_event_tables_count_as_no_contacts_and_say_so():
    tx, tp, cp, seg = _service()
    r = levers.cost_to_serve(tx, tp.iloc[:0], cp.iloc[:0], seg, margin=0.5)
    assert r.table["n_touchpoints"].sum() == 0 and r.table["n_complaints"].sum() == 0
    assert "touchpoints has no rows" in r.note and "complaints has no rows" in r.note


# -- touchpoints per segment ----------------------------------------------------------------
def _log():
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b", "c", "P1", "P1"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-20", "2024-01-01",
                                     "2024-01-03", "2024-01-01", "2024-01-02", "2024-01-04"]),
        "stage": ["purchase", "deepening", "deepening", "decision", "purchase", "purchase",
                  "discovery", "first_contact"],
        "channel": ["store", "email", "email", "search", "store", "social", "social", "search"],
    })  # fmt: skip


def test_touchpoints_by_segment_by_hand():
    seg = pd.Series({"a": "x", "b": "x", "c": "y"})
    r = levers.touchpoints_by_segment(_log(), seg, other="prospect")
    deep = r.reach("deepening")
    assert deep.loc["x", "reached"] == 1 and deep.loc["x", "overall_conversion"] == 0.5
    assert deep.loc["y", "overall_conversion"] == 0.0
    rows = r.table.set_index(["group", "stage"])
    assert rows.loc[("x", "deepening"), "touches"] == 2
    assert rows.loc[("x", "deepening"), "touches_per_person"] == 2.0
    assert rows.loc[("x", "purchase"), "reached"] == 2
    assert np.isnan(rows.loc[("y", "decision"), "touches_per_person"])  # reached, no touch
    assert rows.loc[("prospect", "first_contact"), "reached"] == 1
    assert r.channels.loc["x", "email"] == pytest.approx(2 / 5)
    assert "1 people without a label" in r.note
    assert set(r.decisions().index) == {"x", "y"}  # the prospects get no decision


def test_touchpoints_by_segment_refuses_unlabelled_people():
    with pytest.raises(DataValidationError, match=r"segments has no label for 1 .*P1"):
        levers.touchpoints_by_segment(_log(), pd.Series({"a": "x", "b": "x", "c": "y"}))
    with pytest.raises(DataValidationError, match="channel"):
        levers.touchpoints_by_segment(_log().drop(columns="channel"),
                                      pd.Series({"a": "x", "b": "x", "c": "y"}), other="p")  # fmt: skip


# -- properties ------------------------------------------------------------------------------
STAGES = ("discovery", "first_contact", "decision", "purchase", "deepening")
CHANNELS = ("search", "store", "email")


@st.composite
def journeys(draw):
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        steps = draw(st.lists(st.integers(0, 1), min_size=1, max_size=6))
        stage = draw(st.integers(0, 2))
        for k, step in enumerate(steps):
            stage = min(stage + step, len(STAGES) - 1)
            rows.append((f"p{i}", D("2024-01-01") + pd.Timedelta(hours=k), STAGES[stage],
                         draw(st.sampled_from(CHANNELS))))  # fmt: skip
    labels = draw(st.lists(st.sampled_from("xyz"), min_size=n, max_size=n))
    log = pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "channel"])
    return log, pd.Series(labels, index=[f"p{i}" for i in range(n)])


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(journeys())
def test_funnel_shares_lie_in_0_1_and_people_add_up(data):
    log, seg = data
    r = levers.touchpoints_by_segment(log, seg)
    t = r.table
    for column in ("overall_conversion", "overall_ci_low", "overall_ci_high"):
        assert t[column].between(0, 1).all()
    assert (t["overall_ci_low"] <= t["overall_conversion"] + 1e-12).all()
    first = t.loc[t["stage"] == "discovery"]
    assert first["reached"].sum() == len(seg)  # every person once
    assert t["touches"].sum() == len(log)  # every touch once
    for _, block in t.groupby("group"):
        assert (np.diff(block["reached"].to_numpy()) <= 0).all()
    assert np.allclose(r.channels.sum(axis=1), 1.0)


@st.composite
def service_data(draw):
    n = draw(st.integers(1, 10))
    ids = [f"c{i}" for i in range(n)]
    amounts = draw(st.lists(st.floats(1, 500), min_size=n, max_size=n))
    returns = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    tx = pd.DataFrame({"customer_id": ids, "date": D("2024-01-01"), "amount": amounts,
                       "is_return": False})  # fmt: skip
    back = pd.DataFrame({"customer_id": [c for c, r in zip(ids, returns, strict=True) if r],
                         "date": D("2024-01-02"), "amount": -1.0, "is_return": True})  # fmt: skip
    tx = pd.concat([tx, back], ignore_index=True)
    touches = draw(st.lists(st.sampled_from(ids), max_size=20))
    tp = pd.DataFrame({"customer_id": touches, "stage": "deepening"})
    cp = pd.DataFrame({"customer_id": draw(st.lists(st.sampled_from(ids), max_size=8))})
    seg = pd.Series(draw(st.lists(st.sampled_from("xyz"), min_size=n, max_size=n)), index=ids)
    costs = {k: draw(st.floats(0, 50)) for k in ("touchpoint", "complaint", "return")}
    return tx, tp, cp, seg, costs


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(service_data(), st.floats(0.05, 1.0))
def test_cost_to_serve_totals_add_up_to_the_whole(data, margin):
    tx, tp, cp, seg, costs = data
    r = levers.cost_to_serve(tx, tp, cp, seg, margin=margin, unit_costs=costs)
    total = r.totals
    assert total["n_customers"] == len(seg)
    assert total["n_touchpoints"] == len(tp) and total["n_complaints"] == len(cp)
    assert total["n_returns"] == int(tx["is_return"].sum())
    whole = len(tp) * costs["touchpoint"] + len(cp) * costs["complaint"] + \
        tx["is_return"].sum() * costs["return"]  # fmt: skip
    assert total["cost_to_serve"] == pytest.approx(whole)
    assert total["gross_profit"] == pytest.approx(margin * tx["amount"].sum())
    t = r.table
    assert np.allclose(t["profit_after_service"], t["gross_profit"] - t["cost_to_serve"])
    assert (t["cost_to_serve"] >= 0).all()


@st.composite
def campaign_data(draw):
    n = draw(st.integers(4, 16))
    ids = [f"c{i}" for i in range(n)]
    tx = [(c, D("2024-01-10"), 10.0, None) for c in ids]
    arm = draw(st.lists(st.sampled_from(["treatment", "control"]), min_size=n, max_size=n))
    for c, a in zip(ids, arm, strict=True):
        for k in range(draw(st.integers(0, 3))):
            offer = "K1" if a == "treatment" and draw(st.booleans()) else None
            tx.append((c, D("2024-02-01") + pd.Timedelta(days=k), draw(st.floats(1, 99)), offer))
    tx = pd.DataFrame(tx, columns=["customer_id", "date", "amount", "campaign_id"])
    arms = pd.DataFrame({"campaign_id": "K1", "customer_id": ids, "arm": arm})
    seg = pd.Series(draw(st.lists(st.sampled_from("xy"), min_size=n, max_size=n)), index=ids)
    return tx, arms, seg


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(campaign_data(), st.floats(0.0, 0.5), st.floats(0.1, 1.0))
def test_discount_shares_and_counts_hold(data, discount, margin):
    tx, arms, seg = data
    camp = pd.DataFrame({"campaign_id": ["K1"], "type": ["discount"],
                         "start_date": [D("2024-02-01")], "end_date": [D("2024-02-10")]})  # fmt: skip
    if not (arms["arm"] == "treatment").any():
        return
    r = levers.discount_by_segment(tx, camp, arms, seg, discount=discount, margin=margin)
    t = r.table
    parts = t.drop(index="all")
    assert (
        parts["n_treated"].sum() == t.loc["all", "n_treated"] == (arms["arm"] == "treatment").sum()
    )
    assert parts["discount_given"].sum() == pytest.approx(t.loc["all", "discount_given"])
    assert t["discount_depth"].between(0, discount + 1e-12).all()
    assert np.allclose(t["margin_after"], margin - t["discount_depth"])
    ok = (t["purchases_control"] > 0) & t["purchases_treated"].notna()
    assert np.allclose((1 + t.loc[ok, "volume_lift"]) * t.loc[ok, "purchases_control"],
                       t.loc[ok, "purchases_treated"])  # fmt: skip
    bounded = t["lift_low"].notna()
    assert (t.loc[bounded, "lift_low"] <= t.loc[bounded, "volume_lift"] + 1e-9).all()
    assert (t.loc[bounded, "volume_lift"] <= t.loc[bounded, "lift_high"] + 1e-9).all()


# -- a simulated company with a known structure ---------------------------------------------
@pytest.fixture(scope="module")
def company():
    return simulate_crm(10_000, seed=23)


def test_the_offer_lifts_the_discount_sensitive_persona_most(company):
    """The retention offer's true incremental response is 0.40 for bargain hunters, 0.20,
    0.10 and 0.04 for the others (data/README, section 6): their volume lift is the largest
    and clearly above zero."""
    persona = company.truth.customers.set_index("customer_id")["persona"]
    r = levers.discount_by_segment(
        company.transactions, company.campaigns, company.campaign_contacts, persona,
        discount=0.1, margin=0.3, campaign_type="retention", active_within_days=None,
    )  # fmt: skip
    lifts = r.table.drop(index="all")["volume_lift"]
    assert lifts.idxmax() == "bargain_hunter"
    assert r.table.loc["bargain_hunter", "lift_low"] > 0


def test_discounts_that_cause_nothing_do_not_clear_break_even(company):
    """The simulator's discount campaigns cause no purchase (responses are organic): the
    overall lift interval covers 0 and no segment clears a 50 % break-even."""
    r = levers.discount_by_segment(
        company.transactions, company.campaigns, company.campaign_contacts,
        discount=0.1, margin=0.3,
    )  # fmt: skip
    total = r.table.loc["all"]
    assert total["lift_low"] < 0 < total["lift_high"]
    assert (r.table["verdict"] != "clears").all()


def test_an_empty_log_gives_a_note_when_asked():
    seg = pd.Series({"a": "x"})
    with pytest.raises(DataValidationError, match="touchpoints has no rows"):
        levers.touchpoints_by_segment(_log().iloc[:0], seg)
    r = levers.touchpoints_by_segment(_log().iloc[:0], seg, if_missing="note")
    assert r.table.empty and "no rows" in r.note and r.decisions().empty


# -- result objects and figures --------------------------------------------------------------
def _three_results():
    tx, camp, arms, seg = _campaign()
    price = levers.discount_by_segment(tx, camp, arms, seg, discount=0.1, margin=0.3)
    stx, tp, cp, sseg = _service()
    service = levers.cost_to_serve(stx, tp, cp, sseg, margin=0.5)
    touch = levers.touchpoints_by_segment(_log(), pd.Series({"a": "x", "b": "x", "c": "y"}),
                                          other="prospect")  # fmt: skip
    return price, service, touch


def test_results_are_frozen_with_a_stable_repr_and_a_summary():
    for result in _three_results():
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.table = pd.DataFrame()
        assert repr(result) == repr(result) and type(result).__name__ in repr(result)
        assert result.summary().title and result.summary().as_html().startswith("<table>")
        assert len(result) == len(result.table)
    price, service, _ = _three_results()
    assert "discount=0.1, margin=0.3, value_per_point=0" in repr(price)
    assert "unit_costs={'touchpoint': 1.0, 'complaint': 25.0, 'return': 8.0}" in repr(service)


def test_figures_draw_the_computed_bounds():
    from matplotlib.collections import LineCollection

    from portfolio_lib.plotting import levers as lever_plots
    from portfolio_lib.plotting._intervals import INTERVAL_GID

    def drawn(ax):
        lines = [c for c in ax.collections
                 if isinstance(c, LineCollection) and c.get_gid() == INTERVAL_GID]  # fmt: skip
        return sorted((round(s[0, 0], 9), round(s[1, 0], 9)) for c in lines
                      for s in c.get_segments())  # fmt: skip

    price, service, touch = _three_results()
    rows = price.table.dropna(subset=["lift_low"])
    ax = lever_plots.plot_discount_by_segment(price)
    assert drawn(ax) == sorted(zip(rows["lift_low"].round(9), rows["lift_high"].round(9),
                                   strict=True))  # fmt: skip
    assert any("break-even +50%" in t.get_text() for t in ax.get_legend().get_texts())
    reach = touch.reach("deepening").drop(index="prospect")
    ax = lever_plots.plot_touchpoints_by_segment(touch)
    assert drawn(ax) == sorted(zip(reach["overall_ci_low"].round(9),
                                   reach["overall_ci_high"].round(9), strict=True))  # fmt: skip
    ax = lever_plots.plot_cost_to_serve(service)
    widths = sorted(round(p.get_width(), 9) for p in ax.patches)
    per_customer = service.table[["cost_touchpoints", "cost_complaints", "cost_returns"]].div(
        service.table["n_customers"], axis=0
    )
    assert widths == sorted(per_customer.to_numpy().ravel().round(9).tolist())
    with pytest.raises(TypeError, match="CostToServe"):
        lever_plots.plot_cost_to_serve(price)
    plt.close("all")
