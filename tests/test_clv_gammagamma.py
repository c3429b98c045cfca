"""Gamma-Gamma spend model: published CDNOW fit, zbar summary, recovery, independence check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import pearsonr

from portfolio_lib import DataValidationError
from portfolio_lib.clv import (
    ConvergenceError,
    GammaGamma,
    simulate_gamma_gamma_spend,
    summary_from_transactions,
)
from portfolio_lib.clv.gammagamma import (
    _BLAS_ROWS,
    _loglik_derivatives,
    _negative_definite_inverse,
    _newton_maximise,
)


def papers_summary(folder) -> pd.DataFrame:
    frame = pd.read_csv(folder / "cdnow_customers_summary_with_transactions.csv")
    return frame.rename(
        columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"}
    ).set_index("ID")


# REFERENCE.md "Gamma-Gamma — Fader, Hardie & Lee (2005b)": 946 repeat buyers,
# p = 6.25, q = 3.74, gamma = 15.44 (1 %).
def test_cdnow_parameters(cdnow_home):
    model = GammaGamma().fit(papers_summary(cdnow_home))
    assert model.n_obs_ == 946
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert model.params_[name] == pytest.approx(value, rel=0.01), name
    assert model.summary().n_obs == 946


# REFERENCE.md "Gamma-Gamma": summary of zbar: mean 35, sd 30, median 27 (rounded dollars).
# Computed from the transactions (the file's zbar is rounded to cents, which moves the
# median from 27.4975 to 27.50).
def test_cdnow_zbar_summary(cdnow_home):
    raw = pd.read_csv(
        cdnow_home / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "quantity", "amount"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    summary = summary_from_transactions(
        raw, observation_end="1997-09-30", unit="W", late="drop"
    )  # the calibration period of the longer log
    zbar = summary.query("frequency > 0")["monetary_value"]
    assert len(zbar) == 946
    assert round(zbar.mean()) == 35
    assert round(zbar.std()) == 30
    assert round(zbar.median()) == 27


def test_independence_check_reports_the_correlation(cdnow_home):
    data = papers_summary(cdnow_home)
    model = GammaGamma().fit(data)
    repeaters = data[data["frequency"] > 0]
    expected = pearsonr(repeaters["frequency"], repeaters["monetary_value"]).statistic
    assert model.independence_.pearson_r == pytest.approx(expected)
    assert model.independence_.n_customers == 946
    assert model.independence_.looks_independent


def test_warns_when_spend_depends_on_frequency():
    rng = np.random.default_rng(0)
    x = pd.Series(rng.integers(1, 15, 1000))
    data = simulate_gamma_gamma_spend(x, p=6, q=3.5, gamma=20, seed=rng)
    data["frequency"] = x
    data["monetary_value"] *= 0.3 + 0.25 * x  # frequent buyers spend more per purchase
    with pytest.warns(UserWarning, match="correlated"):
        model = GammaGamma().fit(data)
    assert not model.independence_.looks_independent


def test_conditional_expected_spend_is_the_weighted_average():
    p, q, gamma = 6.25, 3.74, 15.44
    model = GammaGamma.from_params({"p": p, "q": q, "gamma": gamma})
    population = p * gamma / (q - 1)
    x, zbar = 4, 50.0
    weight = p * x / (p * x + q - 1)
    assert model.conditional_expected_spend(x, zbar) == pytest.approx(
        (1 - weight) * population + weight * zbar
    )
    assert model.conditional_expected_spend(0, 0.0) == pytest.approx(population)
    assert model.population_mean_spend() == pytest.approx(population)


# Recovery: 5000 customers with 1..10 repeat purchases, true p = 6, q = 3.5,
# gamma = 20. Tolerance: within 3 log-scale standard errors and 20 %.
def test_recovers_simulated_parameters():
    rng = np.random.default_rng(11)
    freq = pd.Series(rng.integers(1, 11, 5000))
    truth = {"p": 6.0, "q": 3.5, "gamma": 20.0}
    data = simulate_gamma_gamma_spend(freq, **truth, seed=rng)
    data["frequency"] = freq
    model = GammaGamma().fit(data)
    table = model.summary().table
    for name, value in truth.items():
        gap = abs(np.log(table.loc[name, "estimate"] / value))
        assert gap < 3 * table.loc[name, "log_std_err"], name
        assert table.loc[name, "estimate"] == pytest.approx(value, rel=0.2), name


def test_bad_input_names_the_column():
    with pytest.raises(DataValidationError, match="monetary_value"):
        GammaGamma().fit(pd.DataFrame({"frequency": [1, 2]}))
    with pytest.raises(DataValidationError, match="monetary_value"):
        GammaGamma().fit(pd.DataFrame({"frequency": [1, 2], "monetary_value": [0.0, 3.0]}))
    with pytest.raises(DataValidationError, match="frequency"):
        GammaGamma().fit(pd.DataFrame({"frequency": [0, 0], "monetary_value": [0.0, 0.0]}))


# -- analytic gradient and Hessian (property-based) ---------------------------------------


def spend_rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequencies 1..11, Gamma-Gamma mean spends (p = 6, q = 3.5, gamma = 20), weights 1..3."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 12, n).astype(float)
    zbar = rng.gamma(6.0 * x, 1.0 / (x * rng.gamma(3.5, 1 / 20.0, n)))
    return x, zbar, rng.integers(1, 4, n).astype(float)


# one set of rows under the threshold of the matrix product, one above it (einsum path)
ROWS = {False: spend_rows(300, 1), True: spend_rows(_BLAS_ROWS + 500, 2)}


def central_difference(func, theta: np.ndarray, h: float) -> np.ndarray:
    """Columns d func / d theta_j (func returns a scalar or a vector)."""
    columns = []
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = h
        columns.append((np.asarray(func(theta + step)) - np.asarray(func(theta - step))) / (2 * h))
    return np.stack(columns, axis=-1)


@settings(max_examples=30, deadline=None)
@given(
    theta=st.lists(st.floats(-2.0, 3.0), min_size=3, max_size=3).map(np.array),
    large=st.booleans(),
)
def test_hessian_and_gradient_match_finite_differences(theta, large):
    x, zbar, w = ROWS[large]
    derivatives = _loglik_derivatives(x, zbar, w)
    value, grad, hess = derivatives(np.exp(theta), order=2)
    # order 1 gives the same value and gradient, to the last bit (Newton and the fitter's
    # checks see one function); the value is the weighted row formula
    first_value, first_grad = derivatives(np.exp(theta))
    assert first_value == value
    np.testing.assert_array_equal(first_grad, grad)
    assert value == pytest.approx(float(w @ GammaGamma._loglik_rows(np.exp(theta), x, zbar)))
    numeric_grad = central_difference(lambda t: derivatives(np.exp(t))[0], theta, 1e-6)
    np.testing.assert_allclose(grad, numeric_grad, rtol=1e-6, atol=1e-7 * abs(value))
    numeric_hess = central_difference(lambda t: derivatives(np.exp(t))[1], theta, 1e-5)
    np.testing.assert_allclose(hess, numeric_hess, rtol=1e-5, atol=1e-8 * abs(value))
    np.testing.assert_array_equal(hess, hess.T)


@settings(max_examples=60, deadline=None)
@given(entries=st.lists(st.floats(-5.0, 5.0), min_size=9, max_size=9).map(np.array))
def test_negative_definite_inverse_agrees_with_numpy(entries):
    square = entries.reshape(3, 3)
    symmetric = square + square.T
    definite = -(square @ square.T + 0.1 * np.eye(3))
    np.testing.assert_allclose(
        _negative_definite_inverse(definite), np.linalg.inv(-definite), rtol=1e-9, atol=1e-12
    )
    largest = np.linalg.eigvalsh(symmetric).max()
    if abs(largest) > 1e-6 * max(1.0, np.abs(symmetric).max()):  # away from singular
        assert (_negative_definite_inverse(symmetric) is not None) == (largest < 0)


def test_newton_reaches_the_maximum_from_a_far_start():
    x, zbar, w = ROWS[False]
    derivatives = _loglik_derivatives(x, zbar, w)
    theta, cov = _newton_maximise(derivatives, [0.5, 40.0, 1.0])
    _, grad, hess = derivatives(np.exp(theta), order=2)
    assert np.max(np.abs(grad)) < 1e-6 * w.sum()
    # the covariance comes from the last Newton iterate, within 1e-6 of the returned point
    np.testing.assert_allclose(cov, np.linalg.inv(-hess), rtol=1e-6)
    data = pd.DataFrame({"frequency": x, "monetary_value": zbar})
    default = GammaGamma().fit(data, weights=w)
    far = GammaGamma().fit(data, weights=w, start_params={"p": 0.5, "q": 40.0, "gamma": 1.0})
    np.testing.assert_allclose(default.params_, np.exp(theta), rtol=1e-9)
    np.testing.assert_allclose(far.params_, default.params_, rtol=1e-9)


def test_standard_errors_come_from_the_analytic_hessian(cdnow_home):
    data = papers_summary(cdnow_home)
    repeat = data[data["frequency"] > 0]
    model = GammaGamma().fit(data)
    derivatives = _loglik_derivatives(
        repeat["frequency"].to_numpy(float),
        repeat["monetary_value"].to_numpy(float),
        np.ones(len(repeat)),
    )
    params = model.params_.to_numpy()
    hess = derivatives(params, order=2)[2]
    np.testing.assert_allclose(model.cov_log_params_.to_numpy(), np.linalg.inv(-hess), rtol=1e-8)
    # the fitter's former Hessian, central differences of the gradient (step 1e-3), agrees
    numeric = central_difference(lambda t: derivatives(np.exp(t))[1], np.log(params), 1e-3)
    np.testing.assert_allclose(numeric, hess, rtol=1e-5)


def test_no_maximum_leaves_newton_and_raises_with_diagnostics():
    """Every purchase at the customer's own price (p -> infinity): no maximum to find."""
    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, 400).astype(float)
    zbar = 100.0 / rng.gamma(4.0, 1.0, 400)
    derivatives = _loglik_derivatives(x, zbar, np.ones(400))
    assert _newton_maximise(derivatives, [4.0, 5.0, 25.0]) is None
    with pytest.raises(ConvergenceError, match="did not converge") as caught:
        GammaGamma().fit(pd.DataFrame({"frequency": x, "monetary_value": zbar}))
    diagnostics = caught.value.diagnostics
    assert not diagnostics.converged and diagnostics.problems and len(diagnostics.attempts) >= 2


def test_agrees_with_lifetimes_on_the_cdnow_sample(cdnow_home):
    """Where lifetimes is installed (benchmarks/requirements.txt): same likelihood, same fit."""
    lifetimes = pytest.importorskip("lifetimes")
    data = papers_summary(cdnow_home)
    repeat = data[data["frequency"] > 0]
    ours = GammaGamma().fit(repeat)
    theirs = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    p = theirs.params_[["p", "q", "v"]].to_numpy()
    x, zbar = repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)
    ll_theirs = -theirs._negative_log_likelihood(np.log(p), x, zbar, np.ones(len(x)), 0.0)
    assert float(GammaGamma._loglik_rows(p, x, zbar).sum()) == pytest.approx(
        ll_theirs * len(x), rel=1e-12
    )
    assert ours.loglik_ >= ll_theirs * len(x) - 1e-9
    np.testing.assert_allclose(ours.params_.to_numpy(), p, rtol=1e-6)
