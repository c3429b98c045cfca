"""Communication plan per group (consent, contact pressure) and the KPI feedback loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.campaigns import ab_test
from portfolio_lib.communication import (
    ab_actual,
    communication_plan,
    default_plan,
    kpi_tracker,
)
from portfolio_lib.portfolio import portfolio_groups


def rfm_like(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "recency_days": rng.integers(0, 400, n),
            "frequency": rng.integers(1, 12, n),
            "monetary_total": rng.gamma(2.0, 100.0, n),
        },
        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"),
    )


def test_every_customer_gets_the_lines_of_their_group_within_limit_and_consent():
    groups = portfolio_groups(rfm_like(200, seed=1))
    rng = np.random.default_rng(2)
    consent = pd.DataFrame(
        {f"consent_{ch}": rng.random(200) < 0.7 for ch in ("email", "sms", "app")},
        index=groups.table.index,
    )
    plan = communication_plan(groups, consent=consent, max_contacts=1.5)
    table = plan.table
    per_group = default_plan().groupby("group").size()
    expected_rows = groups.table["group"].map(per_group).sum()
    assert len(table) == expected_rows  # every customer-line pair is kept, with a status
    assert plan.contacts().max() <= 1.5
    planned = table.loc[table["status"] == "planned"]
    flags = [consent.loc[c, f"consent_{ch}"] for c, ch in zip(planned["customer_id"],
                                                               planned["channel"], strict=True)]  # fmt: skip
    assert all(flags)
    refused = table.loc[table["status"] == "no consent"]
    assert not any(consent.loc[c, f"consent_{ch}"] for c, ch in zip(refused["customer_id"],
                                                                     refused["channel"], strict=True))  # fmt: skip
    lines = plan.lines
    assert (
        lines["planned"] + lines["no_consent"] + lines["over_limit"] == lines["customers"]
    ).all()
    assert plan.contacts().sum() == pytest.approx(lines["contacts_per_period"].sum())
    assert "held back: pressure limit" in str(plan.summary())


def test_priority_and_the_pressure_limit_by_hand():
    groups = pd.Series(["at_risk", "at_risk", "profitable"], index=["a", "b", "c"])
    consent = pd.DataFrame(
        {"consent_email": [True, False, True], "consent_sms": [True, True, True],
         "consent_app": [True, True, True]},
        index=["a", "b", "c"],
    )  # fmt: skip
    plan = communication_plan(groups, consent=consent, max_contacts=1.2)
    status = plan.table.set_index(["customer_id", "line"])["status"]
    # a: win-back (email, 1.0, priority 1) fits; the survey (0.5) would make 1.5 > 1.2
    assert status["a", "win_back"] == "planned"
    assert status["a", "why_survey"] == "over pressure limit"
    # b refused e-mail: the survey takes the room
    assert status["b", "win_back"] == "no consent"
    assert status["b", "why_survey"] == "planned"
    # c: VIP e-mail (1.0) planned, the points statement (1.0) cut
    assert status["c", "vip_access"] == "planned"
    assert status["c", "points_statement"] == "over pressure limit"
    assert plan.contacts().to_dict() == {"a": 1.0, "b": 0.5, "c": 1.0}
    # a group without a line: its customer is listed, not dropped
    partial = default_plan().loc[lambda p: p["group"] != "profitable"]
    other = communication_plan(groups, plan=partial)
    assert other.unplanned.to_dict() == {"c": "profitable"}
    assert other.contacts()["c"] == 0.0
    assert "customers of groups without a line  1" in str(other.summary())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["at_risk", "profitable", "loyal", "potential"]), min_size=1,
             max_size=30),
    st.floats(0.5, 4.0),
    st.integers(0, 2**16),
)  # fmt: skip
def test_no_customer_is_planned_beyond_the_limit_or_without_consent(labels, limit, seed):
    ids = [f"c{i}" for i in range(len(labels))]
    rng = np.random.default_rng(seed)
    consent = pd.DataFrame(
        {f"consent_{ch}": rng.random(len(ids)) < 0.5 for ch in ("email", "sms", "app")},
        index=ids,
    )
    plan = communication_plan(pd.Series(labels, index=ids), consent=consent, max_contacts=limit)
    assert (plan.contacts() <= limit + 1e-9).all()
    planned = plan.table.loc[plan.table["status"] == "planned"]
    for customer, channel in zip(planned["customer_id"], planned["channel"], strict=True):
        assert consent.loc[customer, f"consent_{channel}"]
    # greedy: a line cut by the limit would indeed pass it
    table = plan.table.assign(kept=np.where(plan.table["status"] == "planned",
                                            plan.table["cadence"], 0.0))  # fmt: skip
    for customer, part in table.groupby("customer_id"):
        used = part["kept"].sum()
        cut = part.loc[part["status"] == "over pressure limit", "cadence"]
        assert (used + cut > limit).all(), customer


def test_tracker_rule_by_hand():
    plan = default_plan().set_index("line").loc[["win_back"]].reset_index()
    actuals = pd.DataFrame(
        {
            "line": "win_back",
            "period": ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"],
            "actual": [0.10, 0.12, 0.16, 0.11, 0.08, 0.30],
            "ci_low": [0.08, 0.06, 0.12, 0.09, 0.06, 0.20],
            "ci_high": [0.12, 0.18, 0.20, 0.13, 0.10, 0.40],
        }
    )
    t = kpi_tracker(plan, actuals, step=1.0, max_misses=2, max_contacts=2.0).table
    assert t["status"].tolist() == ["miss", "undecided", "hit", "miss", "miss", "stopped"]
    assert t["action"].tolist() == ["raise cadence", "keep", "keep", "change message",
                                    "replace line", "replace line"]  # fmt: skip
    # cadence 1 -> 2 after the first miss; at the limit 2 the next miss changes the message
    assert t["cadence"].tolist() == [1.0, 2.0, 2.0, 2.0, 2.0, 0.0]
    assert t["misses_in_a_row"].tolist() == [1, 1, 0, 1, 2, 2]


def test_feedback_loop_over_simulated_campaigns_with_the_ab_test():
    """Three periods of a randomised win-back campaign; its true uplift grows with the
    cadence (0.02 x cadence squared: 0.02, then 0.08); the target of 0.05 is missed at
    cadence 1 (the interval lies ~4.7 standard errors below it), so the tracker raises the
    cadence and the next periods hit it."""
    rng = np.random.default_rng(7)
    plan = communication_plan(pd.Series(["at_risk"], index=["x"]), max_contacts=3.0)
    line = plan.lines.loc[["win_back"]].reset_index().assign(target=0.05)
    cadence, rows = 1.0, []
    for k, month in enumerate(["2024-01", "2024-02", "2024-03"]):
        n = 20000
        ids = [f"{month}-{i}" for i in range(n)]
        arm = np.where(np.arange(n) < n // 2, "treatment", "control")
        p = 0.10 + np.where(arm == "treatment", 0.02 * cadence**2, 0.0)
        bought = rng.random(n) < p
        start = pd.Timestamp(month + "-01")
        contacts = pd.DataFrame({"campaign_id": month, "customer_id": ids, "arm": arm,
                                 "contact_date": start})  # fmt: skip
        tx = pd.DataFrame({"customer_id": np.asarray(ids)[bought],
                           "date": start + pd.Timedelta(days=5), "amount": 20.0})  # fmt: skip
        result = ab_test(contacts, tx, campaign_id=month, window_days=28)
        rows.append({"line": "win_back", "period": month, **ab_actual(result, "uplift")})
        tracked = kpi_tracker(line, pd.DataFrame(rows), max_contacts=3.0).table
        cadence = tracked["next_cadence"].iloc[-1]
        assert tracked["cadence"].iloc[-1] == (1.0 if k == 0 else 2.0)
    assert tracked["status"].tolist() == ["miss", "hit", "hit"], tracked
    assert tracked["action"].tolist() == ["raise cadence", "keep", "keep"]
    summary = str(kpi_tracker(line, pd.DataFrame(rows)).summary())
    assert "lines replaced" in summary and "at no limit" in summary


def test_bad_input_is_named():
    plan = default_plan()
    with pytest.raises(DataValidationError, match="names a line that is not in the plan"):
        kpi_tracker(plan, pd.DataFrame({"line": ["nope"], "period": [1], "actual": [0.1]}))
    with pytest.raises(DataValidationError, match="repeats a line and period"):
        kpi_tracker(plan, pd.DataFrame({"line": ["win_back"] * 2, "period": [1, 1],
                                        "actual": [0.1, 0.2]}))  # fmt: skip
    with pytest.raises(DataValidationError, match="lies outside its interval"):
        kpi_tracker(plan, pd.DataFrame({"line": ["win_back"], "period": [1], "actual": [0.1],
                                        "ci_low": [0.2], "ci_high": [0.3]}))  # fmt: skip
    with pytest.raises(DataValidationError, match="consent has no row"):
        communication_plan(pd.Series(["loyal"], index=["a"]),
                           consent=pd.DataFrame({"consent_email": [True], "consent_sms": [True]},
                                                index=["b"]))  # fmt: skip
    with pytest.raises(DataValidationError, match="column cadence must be > 0"):
        communication_plan(pd.Series(["loyal"], index=["a"]),
                           plan=plan.assign(cadence=0.0))  # fmt: skip
    with pytest.raises(DataValidationError, match="missing required column"):
        communication_plan(pd.Series(["loyal"], index=["a"]), plan=plan.drop(columns="kpi"))
    with pytest.raises(DataValidationError, match="repeats"):
        communication_plan(pd.Series(["loyal", "loyal"], index=["a", "a"]))
