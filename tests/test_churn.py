"""Churn: features and leakage, models, evaluation (AUC, DeLong, calibration, gains), recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from portfolio_lib import DataValidationError
from portfolio_lib.churn import (
    ChurnBoosting,
    ChurnFeatures,
    ChurnLogit,
    bgnbd_churn_scores,
    calibration_table,
    churn_features,
    churn_time_split,
    compare_churn_models,
    compare_scores,
    delong_test,
    gains_table,
    roc_auc,
)
from portfolio_lib.clv import ConvergenceError
from portfolio_lib.datasets import load_sample
from portfolio_lib.rfm import rfm_table
from portfolio_lib.satisfaction import lapse_labels

D = pd.Timestamp


def col(name: str) -> str:
    """Regex: an error message that names column ``name`` (quoted or not)."""
    return rf"column(\(s\))? \[?'?{name}\b"


# ------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def crm():
    return load_sample()


@pytest.fixture(scope="module")
def split(crm):
    return churn_time_split(
        crm.transactions, crm.touchpoints, crm.surveys, crm.complaints, crm.customers,
        window_days=180, lookback_days=180, observation_end=crm.observation_end,
    )  # fmt: skip


@pytest.fixture(scope="module")
def comparison(split, crm):
    return compare_churn_models(split, crm.transactions, seed=0)


@pytest.fixture(scope="module")
def dead_at_test_cutoff(crm, split):
    """Truth: the customer had already dropped out (last purchase before leaving < cut-off)."""
    truth = crm.truth.customers.set_index("customer_id")
    return (truth["dropout_date"] < split.test.cutoff).reindex(split.test.features.index)


def small_tables():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "a", "b", "b", "c"],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-01",
                    "2024-02-20",
                    "2024-03-05",
                    "2024-03-20",
                    "2024-01-10",
                    "2024-05-01",
                    "2024-04-02",
                ]  # fmt: skip
            ),
            "amount": [10.0, 5.0, 20.0, -6.0, 30.0, 40.0, 10.0, 8.0],
            "is_return": [False, False, False, True, False, False, False, False],
        }
    )
    touch = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b"],
            "timestamp": pd.to_datetime(
                [
                    "2023-12-30 10:00",
                    "2024-02-25 09:00",
                    "2024-03-31 23:59",
                    "2024-01-09 12:00",
                    "2024-04-01 00:00",
                ]  # fmt: skip
            ),
        }
    )
    surveys = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "date": pd.to_datetime(["2024-01-15", "2024-03-10", "2024-02-01", "2024-04-20"]),
            "nps": [10, 3, 9, 2],
        }
    )
    complaints = pd.DataFrame(
        {
            "customer_id": ["a", "b", "b"],
            "opened": pd.to_datetime(["2024-03-06 10:00", "2024-01-11 09:00", "2024-03-30 08:00"]),
            "resolved": pd.to_datetime(
                ["2024-03-07 10:00", "2024-01-12 09:00", "2024-04-03 08:00"]
            ),
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "loyalty_join_date": pd.to_datetime(["2024-02-01", "2024-04-15", None]),
            "loyalty_member": [True, True, False],
        }
    )
    return tx, touch, surveys, complaints, customers


# ------------------------------------------------------------------------------- features
def test_features_by_hand():
    tx, touch, surveys, complaints, customers = small_tables()
    data = churn_features(
        tx, touch, surveys, complaints, customers, cutoff="2024-04-01", window_days=30,
        lookback_days=45, observation_end="2024-05-31",
    )  # fmt: skip
    f = data.features
    # c first buys on 2024-04-02, after the cut-off: not in the population
    assert list(f.index) == ["a", "b"]
    a, b = f.loc["a"], f.loc["b"]
    # a: occasions 01-01 (15.0), 02-20 (20.0), 03-20 (30.0); return 03-05 (6.0)
    assert a["recency_days"] == 12 and a["tenure_days"] == 91 and a["frequency"] == 3
    # last window [02-16, 04-01): 02-20, 03-20; prior [01-02, 02-16): none
    assert a["purchases_last"] == 2 and a["purchase_trend"] == 2
    assert a["monetary_mean"] == pytest.approx(65.0 / 3)
    assert a["return_share"] == pytest.approx(6.0 / 65.0)
    # touches: 02-25 and 03-31 23:59 in the last window; 12-30 before both windows
    assert a["interactions_last"] == 2 and a["interaction_trend"] == 2
    assert a["loyalty_member"] == 1
    # latest answer before the cut-off is 3: a detractor
    assert (a["surveyed"], a["detractor"], a["promoter"]) == (1, 1, 0)
    assert a["complaints_last"] == 1 and a["open_complaints"] == 0
    # b: one occasion 01-10 before the cut-off; the 05-01 purchase is in the future
    assert b["recency_days"] == 82 and b["frequency"] == 1 and b["purchases_last"] == 0
    assert b["purchase_trend"] == -1 and b["monetary_mean"] == 40.0 and b["return_share"] == 0
    # the touch at 04-01 00:00 is on the cut-off day: not before it
    assert b["interactions_last"] == 0 and b["interaction_trend"] == -1
    # joined on 04-15: not a member at the cut-off although loyalty_member says True
    assert b["loyalty_member"] == 0
    # the 2 given on 04-20 is in the future; the latest known answer is 9
    assert (b["surveyed"], b["detractor"], b["promoter"]) == (1, 0, 1)
    # complaint of 03-30 was resolved only on 04-03: open at the cut-off
    assert b["complaints_last"] == 1 and b["open_complaints"] == 1
    # label window [04-01, 05-01): nobody in it buys (b buys on 05-01, the first day after)
    assert data.label.to_dict() == {"a": True, "b": True}
    later = churn_features(tx, cutoff="2024-04-01", window_days=31, observation_end="2024-05-31")
    assert later.label.to_dict() == {"a": True, "b": False}


def test_feature_set_follows_the_tables_given(crm):
    only_tx = churn_features(crm.transactions, cutoff="2024-03-01")
    assert only_tx.feature_names == [
        "recency_days", "tenure_days", "frequency", "purchases_last", "purchase_trend",
        "monetary_mean", "return_share",
    ]  # fmt: skip
    summary = only_tx.summary()
    assert list(summary.columns) == ["mean_stayed", "mean_churned", "description"]
    # churners had not bought for longer
    assert summary.loc["recency_days", "mean_churned"] > summary.loc["recency_days", "mean_stayed"]
    assert "churned" in only_tx.frame().columns


def test_time_split_windows_meet(split, crm):
    train, test = split.train, split.test
    # default test cut-off: the latest whose 180-day window ends on the last day
    assert test.cutoff == crm.observation_end + pd.Timedelta(days=1 - 180)
    assert train.cutoff + pd.Timedelta(days=180) == test.cutoff
    assert len(test.features) > len(train.features) > 1000
    assert train.label.dtype == bool and 0.3 < test.label.mean() < 0.9


def test_label_agrees_with_lapse_labels(crm):
    cutoff, window = D("2024-03-01"), 120
    data = churn_features(crm.transactions, cutoff=cutoff, window_days=window,
                          lookback_days=window)  # fmt: skip
    lapse = lapse_labels(crm.transactions, cutoff=cutoff, window=window).set_index("customer_id")
    # lapse_labels' population: bought in the window before the cut-off
    recent = data.features.index[data.features["purchases_last"] > 0]
    assert set(recent) == set(lapse.index)
    assert data.label.reindex(lapse.index).equals(lapse["churned"].rename("churned"))


def test_features_agree_with_rfm_table(crm):
    cutoff = D("2024-05-15")
    data = churn_features(crm.transactions, cutoff=cutoff, with_label=False)
    past = crm.transactions[crm.transactions["date"] < cutoff]
    rfm = rfm_table(past, observation_end=cutoff - pd.Timedelta(days=1))
    rfm = rfm.reindex(data.features.index)
    # rfm measures to the end of the day before the cut-off, the features to the cut-off day
    assert (data.features["recency_days"] == rfm["recency_days"] + 1).all()
    assert (data.features["tenure_days"] == rfm["tenure_days"] + 1).all()
    assert (data.features["frequency"] == rfm["frequency"]).all()
    gross = rfm["monetary_total"] + rfm["returned_amount"]
    np.testing.assert_allclose(data.features["monetary_mean"], gross / rfm["frequency"])


def test_nothing_after_the_cutoff_enters_a_feature(crm):
    cutoff = D("2024-06-01")
    tables = (crm.transactions, crm.touchpoints, crm.surveys, crm.complaints, crm.customers)
    full = churn_features(*tables, cutoff=cutoff)
    tx, touch, surveys, complaints, customers = (t.copy() for t in tables)
    # rewrite the future: drop later events, close every complaint the day after the cut-off,
    # and make everyone who joined later a member "from the start"
    tx = tx[tx["date"] < cutoff]
    touch = touch[touch["timestamp"] < cutoff]
    surveys = surveys[surveys["date"] < cutoff]
    complaints = complaints[complaints["opened"] < cutoff]
    unresolved = ~(complaints["resolved"] < cutoff)
    complaints.loc[unresolved, "resolved"] = cutoff + pd.Timedelta(days=1)
    customers["loyalty_member"] = True
    cut = churn_features(tx, touch, surveys, complaints, customers, cutoff=cutoff,
                         with_label=False, observation_end="2024-12-31")  # fmt: skip
    pd.testing.assert_frame_equal(full.features, cut.features)
    assert cut.label is None


@st.composite
def transaction_logs(draw):
    n = draw(st.integers(1, 30))
    customers = draw(st.lists(st.sampled_from("abcdef"), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 120), min_size=n, max_size=n))
    amounts = draw(st.lists(st.floats(1, 500), min_size=n, max_size=n))
    cutoff = draw(st.integers(1, 90))
    return (
        pd.DataFrame(
            {
                "customer_id": customers,
                "date": D("2024-01-01") + pd.to_timedelta(days, unit="D"),
                "amount": amounts,
            }
        ),
        D("2024-01-01") + pd.Timedelta(days=cutoff),
    )


@settings(max_examples=40, deadline=None)
@given(transaction_logs(), st.integers(1, 40), st.integers(1, 40))
def test_feature_invariants(log, lookback, window):
    tx, cutoff = log
    if not (tx["date"] < cutoff).any():
        with pytest.raises(DataValidationError, match=col("date")):
            churn_features(tx, cutoff=cutoff, with_label=False)
        return
    data = churn_features(tx, cutoff=cutoff, lookback_days=lookback, window_days=window,
                          observation_end="2024-12-31")  # fmt: skip
    f = data.features
    assert set(f.index) == set(tx.loc[tx["date"] < cutoff, "customer_id"])
    assert (f["recency_days"] >= 1).all() and (f["recency_days"] <= f["tenure_days"]).all()
    assert (f["purchases_last"] <= f["frequency"]).all()
    assert (f["purchase_trend"] <= f["purchases_last"]).all()
    assert ((f["purchases_last"] > 0) == (f["recency_days"] <= lookback)).all()
    later = tx[(tx["date"] >= cutoff) & (tx["date"] < cutoff + pd.Timedelta(days=window))]
    assert (data.label == ~f.index.isin(later["customer_id"])).all()
    same = churn_features(tx[tx["date"] < cutoff], cutoff=cutoff, lookback_days=lookback,
                          with_label=False)  # fmt: skip
    pd.testing.assert_frame_equal(f, same.features)


def test_active_within_days_keeps_recent_buyers(crm):
    data = churn_features(crm.transactions, cutoff="2024-03-01", active_within_days=90)
    assert data.features["recency_days"].max() <= 90
    everyone = churn_features(crm.transactions, cutoff="2024-03-01")
    assert len(everyone.features) > len(data.features)


# ------------------------------------------------------------------------------- bad input
def test_bad_inputs_name_the_column(crm):
    tx = crm.transactions
    with pytest.raises(DataValidationError, match=col("date")):
        churn_features(tx.drop(columns="date"), cutoff="2024-03-01")
    with pytest.raises(DataValidationError, match=col("amount")):
        churn_features(tx.assign(amount="x"), cutoff="2024-03-01")
    with pytest.raises(DataValidationError, match=col("timestamp")):
        churn_features(tx, crm.touchpoints.assign(timestamp="01/01/2024"), cutoff="2024-03-01")
    with pytest.raises(DataValidationError, match=col("nps")):
        churn_features(tx, surveys=crm.surveys.assign(nps=11), cutoff="2024-03-01")
    with pytest.raises(DataValidationError, match=col("resolved")):
        churn_features(tx, complaints=crm.complaints.drop(columns="resolved"), cutoff="2024-03-01")
    with pytest.raises(DataValidationError, match=col("loyalty_join_date")):
        churn_features(tx, customers=crm.customers.drop(columns="loyalty_join_date"),
                       cutoff="2024-03-01")  # fmt: skip
    with pytest.raises(DataValidationError, match=col("customer_id")):
        churn_features(tx, customers=crm.customers.iloc[:10], cutoff="2024-03-01")
    # the outcome window is not over yet
    with pytest.raises(DataValidationError, match=col("date") + ".*cannot be observed"):
        churn_features(tx, cutoff="2024-10-01", window_days=180)
    with pytest.raises(DataValidationError, match=col("date") + ".*no purchase before"):
        churn_features(tx, cutoff="2022-01-01")
    with pytest.raises(ValueError, match="window_days"):
        churn_features(tx, cutoff="2024-03-01", window_days=0)
    with pytest.raises(ValueError, match="cutoff"):
        churn_features(tx, cutoff="not a date")


def test_models_reject_bad_training_data(split):
    unlabelled = ChurnFeatures(split.test.features, None, split.test.cutoff, 180, 180)
    with pytest.raises(DataValidationError, match=col("churned")):
        ChurnLogit().fit(unlabelled)
    one_class = ChurnFeatures(
        split.train.features, split.train.label & False, split.train.cutoff, 180, 180
    )
    with pytest.raises(DataValidationError, match=col("churned") + ".*one class"):
        ChurnBoosting().fit(one_class)
    with pytest.raises(RuntimeError, match="not fitted"):
        ChurnLogit().predict_proba(split.test)
    fitted = ChurnBoosting(features=["recency_days"]).fit(split.train)
    with pytest.raises(DataValidationError, match="recency_days"):
        fitted.predict_proba(split.test.features.drop(columns="recency_days"))
    bad = split.test.features.assign(recency_days=np.nan)
    with pytest.raises(DataValidationError, match=col("recency_days")):
        fitted.predict_proba(bad)


def test_logit_reports_perfect_separation():
    X = pd.DataFrame({"recency_days": np.arange(1.0, 41.0)})
    y = pd.Series(X["recency_days"] > 20)
    with pytest.raises(ConvergenceError, match="separate"):
        ChurnLogit().fit(ChurnFeatures(X, y, D("2024-01-01"), 30, 30))


# ------------------------------------------------------------------------------- models
def test_logit_recovers_known_odds_ratios():
    rng = np.random.default_rng(7)
    n = 6000
    X = pd.DataFrame(
        {
            "recency_days": rng.integers(1, 400, n).astype(float),
            "complaints_last": rng.poisson(0.4, n).astype(float),
            "constant": np.ones(n),
        }
    )
    # true model: odds x 2 per doubling of (1 + recency), x 1.5 per complaint
    logit = -4.0 + np.log(2.0) * np.log2(1 + X["recency_days"]) + np.log(1.5) * X["complaints_last"]
    y = pd.Series(rng.random(n) < 1 / (1 + np.exp(-logit)))
    model = ChurnLogit().fit(ChurnFeatures(X, y, D("2024-01-01"), 90, 90))
    table = model.odds_ratios_
    assert model.dropped_features_ == ["constant"]
    assert table.loc["recency_days", "scale"] == "per doubling"
    assert table.loc["complaints_last", "scale"] == "per unit"
    for feature, truth in (("recency_days", 2.0), ("complaints_last", 1.5)):
        assert table.loc[feature, "ci_low"] < truth < table.loc[feature, "ci_high"]
        assert table.loc[feature, "odds_ratio"] == pytest.approx(truth, rel=0.15)


def test_logit_on_sample_company_finds_the_simulated_links(comparison):
    table = comparison.logit.odds_ratios_
    # long since the last purchase -> churn; complaints go with dropout in the simulation
    assert table.loc["recency_days", "ci_low"] > 1
    assert table.loc["complaints_last", "ci_low"] > 1
    assert set(table.columns) == {"scale", "coef", "odds_ratio", "ci_low", "ci_high", "p_value"}
    assert comparison.logit.result_.mle_retvals["converged"]


def test_boosting_is_seeded_and_gives_probabilities(split):
    p1 = ChurnBoosting(seed=3).fit(split.train).predict_proba(split.test)
    p2 = ChurnBoosting(seed=3).fit(split.train).predict_proba(split.test)
    pd.testing.assert_series_equal(p1, p2)
    assert p1.between(0, 1).all() and p1.index.equals(split.test.features.index)


def test_permutation_importance_ranks_recency_first(comparison, split):
    importance = comparison.boosting.feature_importance(split.test, n_repeats=2, seed=0)
    assert importance.index[0] == "recency_days"
    assert importance.loc["recency_days", "auc_drop"] > 0.05


def test_bgnbd_scores(split, crm, comparison):
    base = comparison.baseline
    s = base.scores
    assert s.index.equals(split.test.features.index)
    assert s["prob_alive"].between(0, 1).all()
    np.testing.assert_allclose(s["p_dead"], 1 - s["prob_alive"])
    # no purchase in the window happens at least when the customer is dead
    assert (s["p_no_purchase"] >= s["p_dead"] - 1e-12).all() and (s["p_no_purchase"] <= 1).all()
    # the summary is built on purchases before the cut-off only
    assert base.summary["T"].max() <= (split.test.cutoff - D("2023-01-01")).days / 7
    with pytest.raises(DataValidationError, match=col("customer_id")):
        bgnbd_churn_scores(crm.transactions, cutoff="2024-01-01", window_days=90,
                           index=pd.Index(["nobody"]))  # fmt: skip
    with pytest.raises(ValueError, match="cutoff"):
        bgnbd_churn_scores(crm.transactions, cutoff="soon", window_days=90)
    with pytest.raises(ValueError, match="window_days"):
        bgnbd_churn_scores(crm.transactions, cutoff="2024-01-01", window_days=0)


# ------------------------------------------------------------------------------- evaluation
def _naive_auc_and_placements(y, s):
    pos, neg = s[y], s[~y]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return psi.mean(), psi.mean(axis=1), psi.mean(axis=0)


def test_delong_against_brute_force():
    rng = np.random.default_rng(0)
    y = rng.random(300) < 0.35
    a = np.round(y + rng.normal(0, 1.2, 300), 1)  # rounding makes ties
    b = np.round(0.5 * y + rng.normal(0, 1, 300), 1)
    auc_a, v10_a, v01_a = _naive_auc_and_placements(y, a)
    auc_b, v10_b, v01_b = _naive_auc_and_placements(y, b)
    m, n = y.sum(), (~y).sum()
    var_a = v10_a.var(ddof=1) / m + v01_a.var(ddof=1) / n
    cov = np.cov(v10_a, v10_b)[0, 1] / m + np.cov(v01_a, v01_b)[0, 1] / n
    var_b = v10_b.var(ddof=1) / m + v01_b.var(ddof=1) / n
    result = roc_auc(y, a)
    assert result.auc == pytest.approx(auc_a) == pytest.approx(roc_auc_score(y, a))
    assert result.se == pytest.approx(np.sqrt(var_a))
    test = delong_test(y, a, b)
    assert test.difference == pytest.approx(auc_a - auc_b)
    z = (auc_a - auc_b) / np.sqrt(var_a + var_b - 2 * cov)
    assert test.z == pytest.approx(z)


def test_bootstrap_interval_matches_delong():
    rng = np.random.default_rng(1)
    y = rng.random(800) < 0.3
    s = y + rng.normal(0, 1.5, 800)
    delong = roc_auc(y, s)
    boot = roc_auc(y, s, method="bootstrap", n_boot=400, seed=2)
    assert boot.auc == delong.auc
    assert boot.se == pytest.approx(delong.se, rel=0.2)
    assert boot.ci_low == pytest.approx(delong.ci_low, abs=0.02)
    assert roc_auc(y, s, method="bootstrap", n_boot=50, seed=5) == roc_auc(
        y, s, method="bootstrap", n_boot=50, seed=5
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(-5, 5)), min_size=4, max_size=40),
)
def test_auc_properties(pairs):
    y = np.array([p[0] for p in pairs])
    s = np.array([p[1] for p in pairs], dtype=float)
    if y.all() or not y.any():
        with pytest.raises(DataValidationError, match="one class"):
            roc_auc(y, s)
        return
    r = roc_auc(y, s)
    assert 0 <= r.ci_low <= r.auc <= r.ci_high <= 1
    assert roc_auc(y, -s).auc == pytest.approx(1 - r.auc)
    assert roc_auc(y, np.exp(s / 3)).auc == pytest.approx(r.auc)  # rank-based
    gains = gains_table(y, s, n_bins=min(4, len(y)))
    assert (np.diff(gains["cum_gain"]) >= 0).all() and gains["cum_gain"].iloc[-1] == 1.0
    assert gains["churners"].sum() == y.sum() and gains["n"].sum() == len(y)
    assert gains["cum_lift"].iloc[-1] == pytest.approx(1.0)


def test_gains_and_calibration_by_hand():
    y = np.array([1, 0, 1, 0, 0, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1])
    g = gains_table(y, s, n_bins=4)
    assert g["churners"].tolist() == [1, 1, 0, 1]
    assert g["lift"].tolist() == pytest.approx([4 / 3, 4 / 3, 0, 4 / 3])
    assert g["cum_gain"].tolist() == pytest.approx([1 / 3, 2 / 3, 2 / 3, 1])
    c = calibration_table(y, s, n_bins=2)
    assert c["n"].tolist() == [4, 4]
    assert c["mean_predicted"].tolist() == pytest.approx([0.25, 0.75])
    assert c["observed_rate"].tolist() == pytest.approx([0.25, 0.5])
    u = calibration_table(y, s, n_bins=5, strategy="uniform")
    assert u["n"].sum() == 8 and u.index.tolist() == [1, 2, 3, 4, 5]


def test_calibrated_probabilities_look_calibrated():
    rng = np.random.default_rng(4)
    p = rng.uniform(0.05, 0.95, 5000)
    y = rng.random(5000) < p
    table = calibration_table(y, p, n_bins=10)
    inside = (table["ci_low"] <= table["mean_predicted"]) & (
        table["mean_predicted"] <= table["ci_high"]
    )
    assert inside.sum() >= 8
    shifted = calibration_table(y, np.clip(p + 0.2, 0, 1), n_bins=10)
    assert (shifted["difference"] < 0).sum() >= 9


def test_evaluation_bad_inputs():
    with pytest.raises(DataValidationError, match=col("churned")):
        roc_auc(np.array(["yes", "no"]), np.array([0.1, 0.2]))
    with pytest.raises(DataValidationError, match=col("score")):
        roc_auc([True, False], [0.1, np.nan])
    with pytest.raises(DataValidationError, match=col("prob")):
        calibration_table([True, False], [0.1, 1.2], n_bins=1)
    y = pd.Series([True, False], index=["a", "b"])
    with pytest.raises(DataValidationError, match="score has no value"):
        roc_auc(y, pd.Series([0.3], index=["a"]))
    with pytest.raises(ValueError, match="n_bins"):
        gains_table([True, False], [0.2, 0.1], n_bins=3)
    with pytest.raises(ValueError, match="method"):
        roc_auc([True, False], [0.2, 0.1], method="exact")


# ------------------------------------------------------------------------------- recovery
def test_models_rank_truly_dropped_out_customers_first(comparison, dead_at_test_cutoff):
    """Recovery: scores at the test cut-off vs the simulator's truth (dropped out before it).

    Measured on the default company (seed 42): boosting 0.80, logit 0.78, BG/NBD
    1 - P(alive) 0.90 (the simulator *is* a BG/NBD process, so the model knows it best).
    """
    truth = compare_scores(dead_at_test_cutoff, {
        c: comparison.scores[c] for c in ("boosting", "logit", "bgnbd_p_dead")
    })  # fmt: skip
    assert truth.loc["boosting", "ci_low"] > 0.75
    assert truth.loc["logit", "ci_low"] > 0.72
    assert truth.loc["bgnbd_p_dead", "ci_low"] > 0.85
    assert 0.25 < dead_at_test_cutoff.mean() < 0.5


def test_models_on_the_later_window(comparison):
    """The observable label of the unseen later window (measured: logit 0.77, boosting 0.78,
    BG/NBD 1 - P(alive) 0.66, BG/NBD P(no purchase in the window) 0.78)."""
    table = comparison.table
    assert list(table.index) == ["bgnbd_p_dead", "bgnbd_p_no_purchase", "logit", "boosting"]
    for model in ("logit", "boosting"):
        assert table.loc[model, "ci_low"] > 0.73
        # both classifiers beat 1 - P(alive), which ignores slow buyers who are still alive
        assert table.loc[model, "diff_vs_baseline"] > 0.05
        assert table.loc[model, "p_value_vs_baseline"] < 0.001
        assert table.loc[model, "top_decile_lift"] > 1.2
    assert table.loc["bgnbd_p_no_purchase", "auc"] > table.loc["bgnbd_p_dead", "auc"] + 0.05
    scores = comparison.scores
    cal = calibration_table(scores["churned"], scores["boosting"])
    assert (cal["difference"].abs() < 0.15).all()


# ------------------------------------------------------- data-set defaults and signal tables
def _days(start: str, n: int, customers: int = 3) -> pd.DataFrame:
    """One purchase a day from ``start`` for ``n`` days, rotating over a few customers."""
    dates = pd.date_range(start, periods=n, freq="D")
    ids = [f"c{i % customers}" for i in range(n)]
    return pd.DataFrame({"customer_id": ids, "date": dates, "amount": 10.0})


def test_churn_period_defaults_follow_the_length_of_the_data():
    from portfolio_lib.churn import churn_period

    # two years (731 days): the full 180-day window; 2024-12-31 + 1 - 180 days = 2024-07-05
    p = churn_period(_days("2023-01-01", 731))
    assert (p.window_days, p.cutoff, p.train_cutoff) == (180, D("2024-07-05"), D("2024-01-07"))
    # 371 days of history before the training cut-off: half is 185 > 180, so L = 180
    assert p.lookback_days == 180
    assert p.as_of == D("2024-07-04") and p.scoring_cutoff == D("2025-01-01")
    # CDNOW's span (1997-01-01 .. 1998-06-30, 546 days): window 180, history 186 -> L = 93
    p = churn_period(pd.DataFrame({"date": pd.to_datetime(["1997-01-01", "1998-06-30"])}))
    assert (p.window_days, p.cutoff, p.lookback_days) == (180, D("1998-01-02"), 93)
    # 300 days: a third of the span, 100; training cut-off 2024-04-10, history 100 -> L = 50
    p = churn_period(_days("2024-01-01", 300))
    assert (p.window_days, p.cutoff, p.train_cutoff, p.lookback_days) == (
        100, D("2024-07-19"), D("2024-04-10"), 50,
    )  # fmt: skip
    assert "100 days" in p.describe() and "2024-07-19" in p.describe()


def test_churn_period_respects_and_checks_explicit_values():
    from portfolio_lib.churn import churn_period

    tx = _days("2023-01-01", 731)
    p = churn_period(tx, cutoff="2024-03-01", window_days=90, lookback_days=60)
    assert (p.cutoff, p.window_days, p.lookback_days) == (D("2024-03-01"), 90, 60)
    with pytest.raises(DataValidationError, match=col("date") + r".*2024-12-31"):
        churn_period(tx, cutoff="2024-10-01", window_days=180)  # window not observed yet
    with pytest.raises(DataValidationError, match=col("date") + r".*training cut-off"):
        churn_period(tx, cutoff="2023-05-01", window_days=180)  # no history before training
    with pytest.raises(ValueError, match="window_days"):
        churn_period(tx, window_days=0)


def test_crm_features_use_only_the_tables_a_data_set_has(crm):
    from portfolio_lib.churn import churn_period, crm_churn_features, crm_time_split
    from portfolio_lib.course import cdnow_as_crm

    period = churn_period(crm.transactions)
    full = crm_time_split(crm, period)
    assert full.test.sources == ("transactions", "touchpoints", "surveys", "complaints",
                                 "customers")  # fmt: skip
    by_hand = churn_features(
        crm.transactions, crm.touchpoints, crm.surveys, crm.complaints, crm.customers,
        cutoff=period.cutoff, window_days=180, lookback_days=180,
    )  # fmt: skip
    pd.testing.assert_frame_equal(full.test.features, by_hand.features)
    pd.testing.assert_series_equal(full.test.label, by_hand.label)
    assert "no " not in full.note  # nothing missing

    # the same purchases as real data without the other tables (the CDNOW case)
    bare = cdnow_as_crm(crm.transactions[["customer_id", "date", "amount"]])
    only_tx = crm_time_split(bare, period)
    assert only_tx.test.sources == ("transactions",)
    assert only_tx.test.feature_names == [
        "recency_days", "tenure_days", "frequency", "purchases_last", "purchase_trend",
        "monetary_mean", "return_share",
    ]  # fmt: skip
    assert "no touchpoints, surveys, complaints or loyalty join dates" in only_tx.note
    pd.testing.assert_series_equal(only_tx.test.label, full.test.label)
    scoring = crm_churn_features(bare, cutoff=period.scoring_cutoff, window_days=180,
                                 lookback_days=180, with_label=False)  # fmt: skip
    assert scoring.label is None and len(scoring.features) == crm.customers.shape[0]


def test_return_share_is_zero_when_nothing_was_spent():
    # CDNOW has purchases of amount 0: no spend, nothing returned -> 0, not 0/0
    tx = pd.DataFrame({"customer_id": ["a", "b"], "amount": [0.0, 20.0],
                       "date": pd.to_datetime(["2024-01-05", "2024-01-06"])})  # fmt: skip
    f = churn_features(tx, cutoff="2024-02-01", window_days=10, lookback_days=10,
                       observation_end="2024-02-10")  # fmt: skip
    assert f.features["return_share"].tolist() == [0.0, 0.0]


def test_logit_leaves_out_rare_features_and_names_separating_ones():
    rng = np.random.default_rng(11)
    n = 400
    recency = rng.integers(1, 300, n).astype(float)
    rare = np.zeros(n)
    rare[:3] = 1.0  # set for three customers only
    y = pd.Series(rng.random(n) < recency / 300)
    data = ChurnFeatures(pd.DataFrame({"recency_days": recency, "flag": rare}), y,
                         D("2024-01-01"), 90, 90)  # fmt: skip
    model = ChurnLogit().fit(data)
    assert model.dropped_features_ == ["flag"] and model.feature_names_ == ["recency_days"]
    assert ChurnLogit(min_variation=1).fit(data).feature_names_ == ["recency_days", "flag"]
    # a flag whose 15 customers all churned: quasi-separation, named in the error
    flag = np.zeros(n)
    flag[:15] = 1.0
    y2 = y.copy()
    y2.iloc[:15] = True
    data2 = ChurnFeatures(pd.DataFrame({"recency_days": recency, "complained": flag}), y2,
                          D("2024-01-01"), 90, 90)  # fmt: skip
    with pytest.raises(ConvergenceError, match=r"'complained' \(all 15 customers .* churned\)"):
        ChurnLogit().fit(data2)


def test_cdnow_churn_from_transactions_alone(cdnow_home):
    from portfolio_lib.churn import churn_period, crm_time_split
    from portfolio_lib.course import load_course_data

    cdnow = load_course_data("cdnow", data_home=cdnow_home)
    period = churn_period(cdnow.transactions)
    assert (period.cutoff, period.window_days, period.lookback_days) == (D("1998-01-02"), 180, 93)
    split = crm_time_split(cdnow, period)
    table = compare_churn_models(split, cdnow.transactions, seed=0).table
    # purchase histories alone rank CDNOW's churners well above chance
    assert (table.loc[["bgnbd_p_no_purchase", "logit", "boosting"], "ci_low"] > 0.7).all()
