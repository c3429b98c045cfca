"""BG/NBD: the published CDNOW fit, recovery from simulated data, invariants, robustness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.clv import BetaGeo, ConvergenceError, simulate_bgnbd


def papers_summary(folder) -> pd.DataFrame:
    frame = pd.read_csv(folder / "cdnow_customers_summary_with_transactions.csv")
    return frame.rename(columns={"x": "frequency", "t_x": "recency"}).set_index("ID")


@pytest.fixture(scope="module")
def cdnow_fit(cdnow_home):
    return BetaGeo().fit(papers_summary(cdnow_home))


# REFERENCE.md "BG/NBD — Fader, Hardie & Lee (2005a)": r = 0.243, alpha = 4.414,
# a = 0.793, b = 2.426 (0.5 %), log-likelihood -9582.4 (absolute 0.1).
def test_cdnow_parameters_and_loglik(cdnow_fit):
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert cdnow_fit.params_[name] == pytest.approx(value, rel=0.005), name
    assert cdnow_fit.loglik_ == pytest.approx(-9582.4, abs=0.1)
    assert cdnow_fit.diagnostics_.converged


# REFERENCE.md "BG/NBD": x = 2, t_x = 30.43, T = 38.86, next 39 weeks -> 1.226 (0.5 %).
def test_cdnow_conditional_expectation(cdnow_fit):
    value = cdnow_fit.conditional_expected_purchases(39, 2, 30.43, 38.86)
    assert value == pytest.approx(1.226, rel=0.005)
    published = BetaGeo.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    assert published.conditional_expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(
        1.226, rel=0.005
    )


def test_summary_table_is_consistent(cdnow_fit):
    summary = cdnow_fit.summary(alpha=0.05)
    table = summary.table
    assert list(table.index) == ["r", "alpha", "a", "b"]
    assert (table["std_err"] > 0).all()
    assert ((table["ci_low"] < table["estimate"]) & (table["estimate"] < table["ci_high"])).all()
    assert summary.aic == pytest.approx(-2 * cdnow_fit.loglik_ + 2 * 4)
    assert summary.bic == pytest.approx(-2 * cdnow_fit.loglik_ + 4 * np.log(2357))
    assert summary.n_obs == 2357
    assert "BG/NBD" in str(summary)
    # the statsmodels results object is kept and agrees on the log scale
    np.testing.assert_allclose(
        np.exp(np.asarray(cdnow_fit.result_.params)), table["estimate"], rtol=1e-3
    )


def test_loglik_is_sum_of_customer_logliks(cdnow_home, cdnow_fit):
    per_customer = cdnow_fit.log_likelihood(papers_summary(cdnow_home))
    assert per_customer.sum() == pytest.approx(cdnow_fit.loglik_, abs=1e-6)


def test_prob_purchases_is_a_distribution_with_the_right_mean(cdnow_fit):
    n = np.arange(400)
    probs = cdnow_fit.prob_purchases(n, 39.0)
    assert probs.min() >= 0
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)
    assert (n * probs).sum() == pytest.approx(cdnow_fit.expected_purchases(39.0), rel=1e-8)


def test_expected_purchases_equals_conditional_for_a_brand_new_customer(cdnow_fit):
    t = np.array([1.0, 10.0, 52.0, 200.0])
    np.testing.assert_allclose(
        cdnow_fit.expected_purchases(t),
        cdnow_fit.conditional_expected_purchases(t, 0, 0, 0),
        rtol=1e-12,
    )


# Recovery: n = 5000 simulated customers (ages uniform 26..78 weeks), true
# r = 0.8, alpha = 8, a = 1.2, b = 4. Tolerance: every estimate within 3 standard
# errors of the truth on the log scale, and r, alpha within 15 %.
def test_recovers_simulated_parameters():
    rng = np.random.default_rng(20240601)
    truth = {"r": 0.8, "alpha": 8.0, "a": 1.2, "b": 4.0}
    data = simulate_bgnbd(5000, **truth, T=rng.uniform(26, 78, 5000), seed=rng)
    model = BetaGeo().fit(data)
    table = model.summary().table
    for name, value in truth.items():
        gap = abs(np.log(table.loc[name, "estimate"] / value))
        assert gap < 3 * table.loc[name, "log_std_err"], name
    assert model.params_["r"] == pytest.approx(0.8, rel=0.15)
    assert model.params_["alpha"] == pytest.approx(8.0, rel=0.15)


def test_weights_give_the_same_fit_as_expanded_rows(cdnow_home):
    data = papers_summary(cdnow_home).iloc[:600][["frequency", "recency", "T"]]
    counts = np.random.default_rng(3).integers(1, 4, len(data))
    expanded = data.loc[data.index.repeat(counts)].reset_index(drop=True)
    weighted = BetaGeo().fit(data, weights=counts)
    full = BetaGeo().fit(expanded)
    np.testing.assert_allclose(weighted.params_, full.params_, rtol=1e-10)
    assert weighted.loglik_ == pytest.approx(full.loglik_, rel=1e-12)
    assert weighted.n_obs_ == len(expanded)
    # and the weighted log-likelihood is the sum over the expanded customers
    assert full.log_likelihood(expanded).sum() == pytest.approx(full.loglik_, abs=1e-6)


def test_nobody_repeats_raises_convergence_error():
    data = pd.DataFrame({"frequency": 0, "recency": 0.0, "T": np.linspace(1, 40, 50)})
    with pytest.raises(ConvergenceError, match="repeat"):
        BetaGeo().fit(data)


def test_no_sign_of_dropout_raises_with_diagnostics():
    # Everybody bought right up to the end: the dropout probability runs to 0.
    data = pd.DataFrame({"frequency": [5] * 50 + [3] * 50, "recency": 52.0, "T": 52.0})
    with pytest.raises(ConvergenceError) as info:
        BetaGeo().fit(data)
    diagnostics = info.value.diagnostics
    assert diagnostics is not None and not diagnostics.converged
    assert diagnostics.problems
    assert "attempts" in str(info.value)


@pytest.mark.parametrize(
    ("column", "frame"),
    [
        ("frequency", pd.DataFrame({"frequency": [-1, 2], "recency": [0.0, 3], "T": [5.0, 5]})),
        ("frequency", pd.DataFrame({"frequency": [1.5, 2], "recency": [1.0, 3], "T": [5.0, 5]})),
        ("recency", pd.DataFrame({"frequency": [1, 2], "recency": [6.0, 3], "T": [5.0, 5]})),
        ("recency", pd.DataFrame({"frequency": [0, 2], "recency": [1.0, 3], "T": [5.0, 5]})),
        ("T", pd.DataFrame({"frequency": [1, 2], "recency": [1.0, 3]})),
        ("T", pd.DataFrame({"frequency": [1, 2], "recency": [1.0, 3], "T": [np.nan, 5]})),
    ],
)
def test_bad_input_names_the_column(column, frame):
    with pytest.raises(DataValidationError, match=column):
        BetaGeo().fit(frame)


def test_unfitted_model_refuses_to_predict():
    with pytest.raises(RuntimeError, match="not fitted"):
        BetaGeo().prob_alive(1, 1, 2)


def test_stable_for_very_frequent_buyers():
    model = BetaGeo.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    x = np.array([100.0, 500.0, 2000.0])
    # bought right up to the end (recency == T): almost surely alive
    values = model.conditional_expected_purchases(52.0, x, 39.0, 39.0)
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) > 0)
    # ... and expects to go on at about her rate x / 39 per week, less future dropout
    assert 0.5 * 500 / 39 * 52 < values[1] < 500 / 39 * 52
    # a week of silence is a strong dropout signal for such a frequent buyer
    assert model.prob_alive(500, 38.0, 39.0) < 0.05
    assert np.all(np.isfinite(BetaGeo._loglik_rows(model.params_.to_numpy(), x, 38.0, 39.0)))


param_sets = st.tuples(
    st.floats(0.05, 5), st.floats(0.5, 50), st.floats(0.05, 5), st.floats(0.05, 10)
)
histories = st.tuples(st.integers(0, 60), st.floats(0, 1), st.floats(0.1, 100))


@settings(max_examples=50, deadline=None)
@given(param_sets, histories, st.floats(0.5, 150))
def test_probabilities_and_expectations_are_sane(params, history, t):
    model = BetaGeo.from_params(dict(zip(["r", "alpha", "a", "b"], params, strict=True)))
    x, share, T = history
    t_x = share * T if x > 0 else 0.0
    alive = model.prob_alive(x, t_x, T)
    assert 0.0 <= alive <= 1.0
    e1 = model.conditional_expected_purchases(t, x, t_x, T)
    e2 = model.conditional_expected_purchases(t * 1.5, x, t_x, T)
    assert np.isfinite(e1) and e1 >= 0
    assert e2 >= e1 - 1e-9 * max(1.0, e1)


def test_fitting_likelihood_equals_the_row_formula():
    data = simulate_bgnbd(3000, r=0.8, alpha=8.0, a=1.2, b=4.0, T=52.0, seed=4)
    x, t_x, T = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    params = np.array([0.5, 6.0, 0.9, 2.5])
    fast = BetaGeo._make_loglik(x, t_x, T)(params)
    np.testing.assert_allclose(fast, BetaGeo._loglik_rows(params, x, t_x, T), rtol=1e-13)
