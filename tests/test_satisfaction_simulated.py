"""Recovery on the sample company: the satisfaction tools find what the simulator put in.

Ground truth comes from ``CRMData.truth`` (see SIM_SPEC: driver weights, branch
quality, latent dropout); the analyses only see the observable tables.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from portfolio_lib import satisfaction as sat
from portfolio_lib.simulate import simulate_crm


@pytest.fixture(scope="module")
def crm():
    return simulate_crm()


def true_driver_order(crm) -> list[str]:
    weights = crm.truth.params["satisfaction"]["driver_weights"]
    return sorted(weights, key=weights.get, reverse=True)


@pytest.mark.parametrize("outcome", ["csat", "nps"])
def test_driver_analysis_ranks_the_true_drivers(crm, outcome):
    # truth.params["satisfaction"]["driver_weights"]: 0.45 > 0.33 > 0.22 > 0.13 > 0.05
    result = sat.driver_analysis(crm.surveys, outcome, n_boot=200, seed=1)
    assert list(result.importance.index) == true_driver_order(crm)
    assert list(
        result.coefficients["beta"].sort_values(ascending=False).index
    ) == true_driver_order(crm)
    # neighbouring drivers are separated: the top two are ranked the same in >= 95% of resamples
    assert (result.importance["rank_stability"].iloc[:2] >= 0.95).all()
    assert result.importance["general_dominance"].sum() == pytest.approx(result.r_squared)


def test_ordered_logit_ranks_the_true_drivers(crm):
    result = sat.ordered_logit(crm.surveys, "csat")
    assert result.converged
    order = list(result.coefficients["coef"].sort_values(ascending=False).index)
    assert order == true_driver_order(crm)
    assert (result.coefficients["or_ci_low"] > 1).all()


def test_reverse_coded_scale_item_is_found(crm):
    items = crm.surveys[list(sat.SATISFACTION_SCALE_ITEMS)]
    with pytest.warns(sat.ReverseCodedItemWarning, match="sat_4_r"):
        raw = sat.cronbach_alpha(items)
    assert raw.reverse_coded_suspects == ("sat_4_r",)
    with warnings.catch_warnings():
        warnings.simplefilter("error", sat.ReverseCodedItemWarning)
        fixed = sat.cronbach_alpha(sat.reverse_code(items, ["sat_4_r"], scale=(1, 5)))
    assert fixed.ci_low > 0.7  # a usable scale once the item is reversed
    assert (fixed.item_rest_correlation > 0.4).all()


def test_customers_who_later_drop_out_give_lower_nps(crm):
    surveys = crm.surveys.merge(
        crm.truth.customers[["customer_id", "alive_at_end"]], on="customer_id"
    )
    diff = sat.nps_difference(
        surveys.loc[surveys["alive_at_end"], "nps"], surveys.loc[~surveys["alive_at_end"], "nps"]
    )
    assert diff.ci_low > 20 and diff.significant


def test_nps_trend_runs_on_waves(crm):
    trend = sat.nps_trend(crm.surveys).table
    assert list(trend.index) == sorted(crm.surveys["wave"].unique())
    assert trend["n"].sum() == len(crm.surveys)
    assert ((trend["ci_low"] <= trend["nps"]) & (trend["nps"] <= trend["ci_high"])).all()


def test_branch_league_recovers_branch_quality(crm):
    quality = pd.Series(crm.truth.params["mystery_shopping"]["branch_quality"])
    table = sat.branch_ranking(sat.mystery_scores(crm.mystery_shopping), n_boot=1000, seed=0).table
    rho = stats.spearmanr(table["mean"], quality.reindex(table.index)).statistic
    assert rho > 0.75
    assert table.index[0] == quality.idxmax() and table.index[-1] == quality.idxmin()
    true_rank = quality.rank(ascending=False).reindex(table.index)
    covered = (table["rank_ci_low"] <= true_rank) & (true_rank <= table["rank_ci_high"])
    assert covered.mean() >= 0.75  # ~10 visits per branch: rank intervals are wide and honest


def test_complaint_classifier_beats_baseline(crm):
    result = sat.train_complaint_classifier(crm.complaints, seed=0)
    assert result.accuracy_ci_low > result.baseline_accuracy + 0.3
    assert result.accuracy > 0.7


def test_complaints_precede_lapse(crm):
    # observable design: complaints in the 180 days before the cut-off, lapse in the 180 after
    population = sat.lapse_labels(crm.transactions, cutoff="2024-01-01", window=180)
    link = sat.complaint_churn_link(
        crm.complaints,
        population,
        since=pd.Timestamp("2024-01-01") - pd.Timedelta(days=180),
        before="2024-01-01",
    )
    assert link.risk_ratio_ci_low > 1.2 and link.p_value < 1e-6


def test_resolution_tools_run_on_sample(crm):
    survival = sat.resolution_survival(crm.complaints, by="category")
    assert set(survival.medians.index) == set(crm.complaints["category"])
    assert (survival.medians["km_median"] > 0).all()
    pareto = sat.complaint_pareto(crm.complaints)
    assert pareto["count"].sum() == len(crm.complaints)
    satisfaction = sat.resolution_satisfaction(crm.complaints)
    assert satisfaction["n_rated"].sum() == crm.complaints["resolution_satisfaction"].notna().sum()
    assert np.isfinite(satisfaction["spearman_time_vs_score"]).all()


def test_what_to_fix_first_puts_the_strongest_driver_first(crm):
    # truth: product quality has the largest driver weight (0.45 of 0.45/0.33/0.22/0.13/0.05)
    # and, with delivery, the largest complaint shares (data/README.md, sections 7 and 8)
    surveys = crm.surveys
    drivers = sat.importance_performance(surveys, sat.driver_analysis(surveys, "nps"))
    table = sat.improvement_priorities(
        drivers,
        sat.complaint_pareto(crm.complaints),
        sat.separating_items(crm.mystery_shopping),
    )
    assert table.index[0] == "product quality"
    assert table.loc["product quality", "flagged_by"] == "drivers, complaints"
    # the mystery-shopping branches differ (quality slope 1.0): store service is flagged by it
    assert "mystery shopping" in table.loc["staff & store service", "flagged_by"]
    assert table.loc["website & app", "signals"] == 0  # weakest driver, few complaints
