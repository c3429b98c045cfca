"""Recovery: journey estimates on the simulated company match the simulator's truth.

The simulator (``portfolio_lib._sim_people.simulate_journeys``) runs a first-order chain:
after a touch in stage s through channel c the person advances / stays / exits with the
multinomial-logit probabilities in ``truth.params["journey"]["transition_probabilities"]``
(base logits per stage + channel effects, exit = 0). Journeys are complete (never cut by
the observation window), so the touch-level shares of :func:`advance_rates` are unbiased.

Tolerance: each estimate must lie within z_K standard errors of the truth, where z_K is the
Bonferroni critical value for a family-wise error of 1 % over the K comparisons of a test
(e.g. K = 60 cells -> z_K = 3.34). The standard error is the binomial one at the true
probability (for shares) or the maximum-likelihood one (for logit effects).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from portfolio_lib.journey import (
    STAGES,
    advance_rates,
    channel_effects,
    deepening_summary,
    stage_funnel,
    stage_transitions,
    validate_events,
)
from portfolio_lib.simulate import simulate_crm

FAMILY_ERROR = 0.01


def bonferroni_z(k: int) -> float:
    return float(stats.norm.ppf(1 - FAMILY_ERROR / (2 * k)))


@pytest.fixture(scope="module")
def company():
    return simulate_crm(n_customers=3000, seed=42)


def test_simulated_touchpoints_are_a_valid_event_log(company):
    check = validate_events(company.touchpoints, extra_cols=["channel"])
    assert check.ok
    assert tuple(company.truth.params["journey"]["stages"]) == STAGES


def test_advance_stay_exit_probabilities_recover_the_truth(company):
    truth = company.truth.params["journey"]["transition_probabilities"]
    rates = advance_rates(company.touchpoints).set_index(["stage", "channel"])
    cells = [
        (stage, channel, outcome, p)
        for stage, by_channel in truth.items()
        for channel, probs in by_channel.items()
        for outcome, p in probs.items()
    ]
    free = [c for c in cells if 0 < c[3] < 1]
    z = bonferroni_z(len(free))
    worst = 0.0
    for stage, channel, outcome, p in cells:
        row = rates.loc[(stage, channel)]
        estimate = row[f"p_{outcome}"]
        if p in (0.0, 1.0):  # structurally impossible (no stay at purchase, no advance after)
            assert estimate == p, (stage, channel, outcome)
            continue
        se = np.sqrt(p * (1 - p) / row["touches"])
        worst = max(worst, abs(estimate - p) / se)
        assert abs(estimate - p) <= z * se, (stage, channel, outcome, estimate, p)
    assert worst > 0  # the comparison really ran on estimates, not on the truth itself


def test_channel_effects_recover_the_logit_parameters(company):
    journey = company.truth.params["journey"]
    reference = "email"
    fit = channel_effects(company.touchpoints, reference=reference)
    assert fit.stages == ("discovery", "first_contact", "decision")
    effects = fit.effects.set_index(["outcome", "channel"])
    truth_effects = journey["channel_effects"]
    others = [c for c in journey["channels"] if c != reference]
    z = bonferroni_z(2 * len(others) + 2 * len(fit.stages))
    for outcome in ("advance", "stay"):
        for channel in others:
            expected = truth_effects[channel][outcome] - truth_effects[reference][outcome]
            row = effects.loc[(outcome, channel)]
            assert abs(row["estimate"] - expected) <= z * row["se"], (outcome, channel)
        stage_logits = fit.stage_logits.set_index(["outcome", "stage"])
        for stage in fit.stages:
            expected = journey["base_logits"][stage][outcome] + truth_effects[reference][outcome]
            row = stage_logits.loc[(outcome, stage)]
            assert abs(row["estimate"] - expected) <= z * row["se"], (outcome, stage)


def test_conversion_by_discovery_channel_recovers_the_truth(company):
    journey = company.truth.params["journey"]
    funnel = stage_funnel(company.touchpoints, by="channel")
    purchase = funnel.loc[funnel["stage"] == "purchase"].set_index("group")
    people = funnel.loc[funnel["stage"] == "discovery"].set_index("group")["reached"]
    truth = journey["conversion_probability_by_discovery_channel"]
    z = bonferroni_z(len(truth))
    for channel, p in truth.items():
        n = people[channel]
        se = np.sqrt(p * (1 - p) / n)
        assert abs(purchase.loc[channel, "overall_conversion"] - p) <= z * se, channel
    # the realised counts of the simulator are reproduced exactly by the funnel
    realised = journey["realised"]
    overall = stage_funnel(company.touchpoints).set_index("stage")
    assert overall.loc["discovery", "reached"] == realised["n_people"]
    assert overall.loc["purchase", "reached"] == realised["n_buyers"]
    assert overall.loc["purchase", "reached"] == len(company.customers)


def test_every_buyer_follows_the_stage_order(company):
    transitions = stage_transitions(company.touchpoints)
    counts = transitions.counts
    # the simulated chain only moves one stage forward or exits
    for i, stage in enumerate(STAGES):
        allowed = {"exit", *STAGES[i + 1 : i + 2]}
        moved = {col for col in counts.columns if counts.loc[stage, col] > 0}
        assert moved <= allowed, stage
    np.testing.assert_allclose(transitions.variants["share"].sum(), 1.0)


def test_deepening_accounts_for_every_simulated_customer(company):
    result = deepening_summary(company.transactions, observation_end=company.observation_end)
    assert len(result.customers) + result.n_not_eligible == len(company.customers)
    first = company.customers.set_index("customer_id")["signup_date"]
    got = result.customers.set_index("customer_id")["first_purchase"]
    assert (got == first.reindex(got.index)).all()  # first purchase = signup day (SIM_SPEC)
    assert ((result.rates["rate"] >= 0) & (result.rates["rate"] <= 1)).all()
