"""MBG/NBD (Batislam, Denizel & Filiztekin 2007): the likelihood against the paper's formula,
the closed forms against each other and against simulation, parameter recovery, and
agreement with lifetimes' ModifiedBetaGeoFitter when lifetimes is installed."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import betaln, gammaln
from sklearn.base import clone

from portfolio_lib.clv import BetaGeo, ConvergenceError, ModifiedBetaGeo, simulate_mbgnbd

TRUTH = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0}


@pytest.fixture(scope="module")
def model() -> ModifiedBetaGeo:
    return ModifiedBetaGeo.from_params(TRUTH)


def _paper_loglik(r, alpha, a, b, x, t_x, T):
    """The MBG/NBD likelihood as printed in the paper, term by term (no shared code)."""
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x + 1) - betaln(a, b)
    bracket = (alpha + T) ** -(r + x) + a / (b + x) * (alpha + t_x) ** -(r + x)
    return head + np.log(bracket)


def test_loglik_is_the_papers_formula(model):
    x = np.array([0, 1, 2, 7, 15.0])
    t_x = np.array([0, 3.5, 30.43, 20.0, 38.0])
    T = np.array([38.86, 10.0, 38.86, 39.0, 38.5])
    ours = model._loglik_rows(model.params_.to_numpy(), x, t_x, T)
    np.testing.assert_allclose(ours, _paper_loglik(*TRUTH.values(), x, t_x, T), rtol=1e-12)


def test_one_time_buyers_may_be_gone(model):
    # The point of the model: BG/NBD says a customer with no repeat purchase is alive.
    bg = BetaGeo.from_params(TRUTH)
    assert bg.prob_alive(0, 0.0, 39.0) == 1.0
    p = model.prob_alive(0, 0.0, 39.0)
    # By hand: 1 / (1 + a/b (alpha+T)^r / alpha^r).
    assert p == pytest.approx(1 / (1 + 0.9 / 3.0 * (45.0 / 6.0) ** 0.5), rel=1e-12)


def test_count_distribution_sums_to_one_and_to_the_mean(model):
    n = np.arange(600)
    for t in (5.0, 52.0, 200.0):
        probs = model.prob_purchases(n, t)
        assert probs.sum() == pytest.approx(1.0, abs=1e-10)
        assert float(n @ probs) == pytest.approx(model.expected_purchases(t), rel=1e-8)


def test_expected_purchases_is_the_papers_formula(model):
    from scipy.special import hyp2f1

    r, alpha, a, b = TRUTH.values()
    t = 52.0
    paper = (
        b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, t / (alpha + t)))
    )
    assert model.expected_purchases(t) == pytest.approx(paper, rel=1e-10)


def test_simulated_counts_follow_the_model(model):
    n_customers = 200_000
    sim = simulate_mbgnbd(n_customers, **TRUTH, T=52.0, seed=3)
    observed = np.bincount(sim["frequency"], minlength=6)[:6] / n_customers
    expected = model.prob_purchases(np.arange(6), 52.0)
    # Binomial standard error of each share; 4.5 of them over 6 cells is a 1-in-20,000 miss.
    se = np.sqrt(expected * (1 - expected) / n_customers)
    assert np.all(np.abs(observed - expected) < 4.5 * se), (observed, expected)
    # The latent "alive" flag agrees with P(alive) on average (SE of a mean of 0/1 < 0.0012).
    alive = model.prob_alive(sim["frequency"], sim["recency"], sim["T"])
    assert float(np.mean(alive)) == pytest.approx(sim["alive"].mean(), abs=0.005)


def test_recovers_parameters():
    sim = simulate_mbgnbd(20_000, **TRUTH, T=52.0, seed=4)
    fitted = ModifiedBetaGeo().fit(sim)
    table = fitted.summary().table
    # 20,000 customers: log-scale SEs of 3-11 %; within 4 SEs (1-in-15,000 per parameter).
    z = (table["log_estimate"] - np.log(pd.Series(TRUTH))) / table["log_std_err"]
    assert (z.abs() < 4).all(), z
    assert fitted.diagnostics_.converged


def test_weights_equal_repeated_rows():
    sim = simulate_mbgnbd(3000, **TRUTH, T=39.0, seed=5)[["frequency", "recency", "T"]]
    sim["recency"] = sim["recency"].round(1)
    grouped = sim.groupby(["frequency", "recency", "T"]).size().rename("w").reset_index()
    a = ModifiedBetaGeo().fit(sim)
    b = ModifiedBetaGeo().fit(grouped, weights=grouped["w"])
    np.testing.assert_allclose(a.params_, b.params_, rtol=1e-4)


def test_agrees_with_lifetimes(cdnow_home):
    lifetimes = pytest.importorskip("lifetimes")
    data = pd.read_csv(cdnow_home / "cdnow_customers_summary_with_transactions.csv")
    summary = data.rename(columns={"x": "frequency", "t_x": "recency"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = lifetimes.ModifiedBetaGeoFitter().fit(
            summary["frequency"], summary["recency"], summary["T"]
        )
    ours = ModifiedBetaGeo().fit(summary)
    # lifetimes stops its BFGS at a gradient tolerance of ~1e-5 per customer.
    np.testing.assert_allclose(ours.params_.to_numpy(), peer.params_.to_numpy(), rtol=1e-3)
    # At the same parameters the predictions are the same formulas.
    same = ModifiedBetaGeo.from_params(peer.params_.to_dict())
    cols = (summary["frequency"], summary["recency"], summary["T"])
    np.testing.assert_allclose(
        same.prob_alive(*cols), peer.conditional_probability_alive(*cols), rtol=1e-10
    )
    np.testing.assert_allclose(
        same.conditional_expected_purchases(39.0, *cols),
        peer.conditional_expected_number_of_purchases_up_to_time(39.0, *cols),
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        same.expected_purchases(np.array([10.0, 39.0])),
        peer.expected_number_of_purchases_up_to_time(np.array([10.0, 39.0])),
        rtol=1e-8,
    )


def test_no_repeat_purchase_raises():
    data = pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [10.0, 20.0]})
    with pytest.raises(ConvergenceError, match="not identified"):
        ModifiedBetaGeo().fit(data)


def test_sklearn_conventions():
    sim = simulate_mbgnbd(1500, **TRUTH, T=52.0, seed=6)
    model = ModifiedBetaGeo(prior_sd=None)
    assert model.get_params() == {"prior_sd": None}
    assert clone(model.set_params(prior_sd=3.0)).prior_sd == 3.0
    copy = clone(ModifiedBetaGeo())
    np.testing.assert_allclose(copy.fit(sim).params_, ModifiedBetaGeo().fit(sim).params_)


# -- analytic gradient (issue 16) ----------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(theta=st.lists(st.floats(-2.0, 2.5), min_size=4, max_size=4).map(np.array))
def test_gradient_matches_finite_differences(theta):
    """The analytic gradient of the weighted log-likelihood (log-parameters) against central
    differences of the paper's formula, at random parameter points; the value is the sum of
    the per-row log-likelihoods."""
    data = simulate_mbgnbd(800, **TRUTH, T=39.0, seed=21).round({"recency": 1})
    x, t_x, T = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    w = np.random.default_rng(0).integers(1, 4, len(x)).astype(float)
    grad_fn = ModifiedBetaGeo._make_loglik_grad(x, t_x, T, w)
    value, grad = grad_fn(np.exp(theta))

    def paper(t):
        return float(w @ _paper_loglik(*np.exp(t), x, t_x, T))

    assert value == pytest.approx(paper(theta), rel=1e-12)
    numeric = np.array([(paper(theta + e) - paper(theta - e)) / 2e-6 for e in np.eye(4) * 1e-6])
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * abs(value))
