"""Analytic gradients of the covariate models (issue 16) against finite differences of their
row log-likelihood, at random parameter points (property-based), and the fit with them equal
to the fit with numerical gradients."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib.clv import (
    BetaGeoCovariates,
    GammaGammaCovariates,
    simulate_covariates,
    simulate_purchases_with_covariates,
    simulate_spend_with_covariates,
)


@pytest.fixture(scope="module")
def fitted():
    cov = simulate_covariates(1500, seed=4)
    purchases = simulate_purchases_with_covariates(
        cov, model="bgnbd", params={"r": 0.8, "alpha": 8.0, "a": 1.0, "b": 4.0},
        purchase={"online": 0.5, "age": -0.3}, dropout={"online": -0.8}, T=52.0, seed=5,
    )  # fmt: skip
    spend = simulate_spend_with_covariates(
        purchases["frequency"], cov, p=6.0, q=3.5, gamma=20.0, spend={"online": 0.3}, seed=6
    )
    return {
        BetaGeoCovariates: (BetaGeoCovariates().fit(purchases, cov), purchases, cov),
        GammaGammaCovariates: (GammaGammaCovariates().fit(spend, cov), spend, cov),
    }


def _data(model, summary: pd.DataFrame, cov: pd.DataFrame):
    """The fitter's data dict (summary columns and covariate matrices), random weights."""
    frame = (
        summary[summary["frequency"] > 0] if isinstance(model, GammaGammaCovariates) else summary
    )
    data = {c: frame[c].to_numpy(float) for c in model._summary_columns}
    for group in model._groups:
        data[group] = cov.loc[frame.index, model.covariate_names_[group]].to_numpy(float)
    weights = np.random.default_rng(1).integers(1, 4, len(frame)).astype(float)
    return data, weights


def _check(model, summary, cov, theta):
    data, w = _data(model, summary, cov)
    nb = len(model._base_names)
    grad_fn = model._make_loglik_grad(data, w)

    def loglik(t):  # t: log base parameters, then the coefficients
        base, coefs = model._split(np.concatenate([np.exp(t[:nb]), t[nb:]]))
        return float(w @ model._row_loglik(base, coefs, data))

    natural = np.exp(theta)  # what the fitter passes: exp(log base), exp(coefficient)
    value, grad = grad_fn(natural)
    assert value == pytest.approx(loglik(theta), rel=1e-12)
    h = 1e-6
    numeric = np.array(
        [(loglik(theta + e) - loglik(theta - e)) / (2 * h) for e in np.eye(theta.size) * h]
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * abs(value))
    assert grad.size == nb + sum(len(v) for v in model.covariate_names_.values())


#: log base parameter range and number of (base, coefficient) values of each model
RANGES = {BetaGeoCovariates: ((-1.5, 2.5), 4, 4), GammaGammaCovariates: ((-1.0, 3.0), 3, 2)}


@pytest.mark.parametrize("cls", list(RANGES))
@settings(max_examples=20, deadline=None)
@given(draw=st.data())
def test_covariate_model_gradient(fitted, cls, draw):
    (low, high), n_base, n_coef = RANGES[cls]
    base = draw.draw(st.lists(st.floats(low, high), min_size=n_base, max_size=n_base))
    coefs = draw.draw(st.lists(st.floats(-1.0, 1.0), min_size=n_coef, max_size=n_coef))
    model, summary, cov = fitted[cls]
    _check(model, summary, cov, np.array(base + coefs))


@pytest.mark.parametrize("cls", [BetaGeoCovariates, GammaGammaCovariates])
def test_fit_with_the_analytic_gradient_equals_the_numerical_one(fitted, cls, monkeypatch):
    model, summary, cov = fitted[cls]
    monkeypatch.setattr(cls, "_row_loglik_grad", None)
    numerical = cls().fit(summary, cov)
    np.testing.assert_allclose(model.params_, numerical.params_, rtol=1e-5, atol=1e-6)
    assert model.loglik_ == pytest.approx(numerical.loglik_, abs=1e-6)
    np.testing.assert_allclose(np.diag(model.cov_), np.diag(numerical.cov_), rtol=1e-4)
