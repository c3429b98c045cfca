"""Model choice: the standard fit when the likelihood has a maximum, an honest fallback when not."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import DataValidationError
from portfolio_lib.clv import (
    BetaGeo,
    ConvergenceError,
    GammaGamma,
    MeanSpend,
    customer_lifetime_value,
    fit_purchase_model,
    fit_spend_model,
    simulate_bgnbd,
    simulate_gamma_gamma_spend,
)
from portfolio_lib.clv.choice import PRIOR_SD
from portfolio_lib.lessons.clv import parameter_recovery

TRUE_GG = {"p": 6.0, "q": 3.5, "gamma": 20.0}


def gamma_gamma_data(n: int, seed: int) -> pd.DataFrame:
    data = simulate_bgnbd(n, r=0.8, alpha=8, a=1, b=4, T=52, seed=seed)
    data["monetary_value"] = simulate_gamma_gamma_spend(
        data["frequency"], **TRUE_GG, seed=seed + 1
    )["monetary_value"]
    return data


def no_spread_data(n: int, seed: int) -> pd.DataFrame:
    """Every purchase of a customer costs exactly that customer's own price: no spread.

    Own prices are inverse-gamma, the Gamma-Gamma limit p -> oo with p * gamma fixed.
    """
    rng = np.random.default_rng(seed)
    data = simulate_bgnbd(n, r=0.8, alpha=8, a=1, b=4, T=52, seed=seed)
    own_price = 100.0 / rng.gamma(shape=4.0, scale=1.0, size=n)
    data["monetary_value"] = np.where(data["frequency"] > 0, own_price, 0.0)
    return data


@pytest.mark.parametrize("seed", [1, 2])
def test_keeps_gamma_gamma_when_it_has_a_maximum(seed):
    choice = fit_spend_model(gamma_gamma_data(3000, seed))
    assert not choice.fallback and choice.error == "" and isinstance(choice.model, GammaGamma)
    table = choice.model.summary().table
    for name, value in TRUE_GG.items():
        assert table.loc[name, "ci_low"] <= value <= table.loc[name, "ci_high"], name
    assert "Gamma-Gamma fitted" in choice.note


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_falls_back_to_mean_spend_at_the_p_infinity_edge(seed):
    data = no_spread_data(400, seed)
    with pytest.raises(Exception, match="did not converge"):
        GammaGamma().fit(data)
    choice = fit_spend_model(data)
    assert isinstance(choice.model, MeanSpend) and choice.fallback
    assert "p = " in choice.note and "own mean" in choice.note
    assert "did not converge" in choice.error
    repeat = data["frequency"] > 0
    assert choice.model.population_mean_spend() == pytest.approx(
        data.loc[repeat, "monetary_value"].mean()
    )


def test_mean_spend_predictions_and_interval():
    data = no_spread_data(500, 6)
    model = MeanSpend().fit(data)
    spend = model.conditional_expected_spend(data["frequency"], data["monetary_value"])
    repeat = data["frequency"] > 0
    np.testing.assert_allclose(spend[repeat], data.loc[repeat, "monetary_value"])
    np.testing.assert_allclose(spend[~repeat], model.population_mean_spend())
    value = customer_lifetime_value(
        BetaGeo().fit(data), model, data, horizon=52, unit="W",
        annual_discount_rate=0.1, margin=0.3, n_draws=60, seed=2,
    )  # fmt: skip
    assert np.isfinite(value[["clv", "clv_low", "clv_high"]].to_numpy()).all()
    assert (value["clv_low"] <= value["clv"]).all() and (value["clv"] <= value["clv_high"]).all()
    # Parameter uncertainty of the mean reaches customers without a repeat purchase.
    newcomers = value[~repeat]
    assert (newcomers["clv_high"] > newcomers["clv_low"]).any()
    assert value.n_draws_used == 60 and value.spend_model_name == "Mean spend"


def test_mean_spend_recovers_the_population_mean_of_gamma_gamma_data():
    data = gamma_gamma_data(4000, 11)
    truth = {"gamma_gamma": TRUE_GG}
    table = parameter_recovery([MeanSpend().fit(data)], truth).table
    row = table.loc[("Mean spend", "mean_spend")]
    assert row["true"] == pytest.approx(6.0 * 20.0 / 2.5)
    assert bool(row["true_in_ci"])


def test_no_repeat_buyer_is_a_clear_error():
    data = pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [5.0, 6.0],
                         "monetary_value": [0.0, 0.0]})  # fmt: skip
    with pytest.raises(DataValidationError, match="frequency"):
        fit_spend_model(data)


def test_purchase_model_is_plain_maximum_likelihood_when_there_is_a_maximum():
    data = simulate_bgnbd(2000, r=0.8, alpha=8, a=1, b=4, T=52, seed=3)
    choice = fit_purchase_model(data)
    plain = BetaGeo().fit(data)
    assert not choice.fallback and choice.model.prior_sd_ is None
    np.testing.assert_allclose(choice.model.params_, plain.params_)


def test_purchase_model_without_a_maximum_gets_a_weak_prior_and_keeps_predicting():
    """Everyone shares one dropout probability (a, b huge): a and b run away under ML."""
    true = BetaGeo.from_params({"r": 0.8, "alpha": 8.0, "a": 1e3, "b": 1e4})
    fallbacks = 0
    for seed in range(1, 11):
        data = simulate_bgnbd(400, r=0.8, alpha=8, a=1e5, b=1e6, T=52, seed=seed)
        choice = fit_purchase_model(data)
        if not choice.fallback:
            continue
        fallbacks += 1
        with pytest.raises(ConvergenceError):
            BetaGeo().fit(data)
        assert choice.model.prior_sd_ == PRIOR_SD and "did not converge" in choice.error
        # The note says why: parameters that ran away, or a flat likelihood.
        assert re.search(r"a = [\d.e+]+, b = [\d.e+]+ run towards|likelihood is flat", choice.note)
        args = (52, data["frequency"], data["recency"], data["T"])
        predicted = choice.model.conditional_expected_purchases(*args).sum()
        # The prior only pins down the direction the data cannot see: a prior twice as
        # wide moves the parameters along that ridge but hardly the predictions.
        wider = BetaGeo().fit(data, prior_sd=2 * PRIOR_SD)
        assert wider.conditional_expected_purchases(*args).sum() == pytest.approx(
            predicted, rel=0.03
        )
        assert predicted == pytest.approx(true.conditional_expected_purchases(*args).sum(), rel=0.3)
        data["monetary_value"] = np.where(data["frequency"] > 0, 25.0 + data["frequency"], 0.0)
        value = customer_lifetime_value(
            choice.model, MeanSpend().fit(data), data, horizon=52,
            unit="W", annual_discount_rate=0.1, n_draws=30, seed=seed,
        )  # fmt: skip
        assert np.isfinite(value[["clv", "clv_low", "clv_high"]].to_numpy()).all()
    assert fallbacks >= 1, "no seed produced a likelihood without a maximum"


def test_standard_errors_do_not_depend_on_the_last_bit_of_the_log_likelihood():
    """Stored notebook outputs must reproduce on CPUs whose exp/log differ by an ulp.

    The Hessian's finite-difference step keeps standard errors stable to 1e-5 under a
    relative perturbation of 1e-15 of the log-likelihood, and a wider step agrees (so the
    truncation error is as small).
    """
    from statsmodels.tools.numdiff import approx_hess

    from portfolio_lib.clv._fitting import HESSIAN_STEP, _WeightedLogMLE, compress_rows

    data = simulate_bgnbd(2000, r=0.8, alpha=8, a=1, b=4, T=52, seed=8)
    model = BetaGeo().fit(data)
    unique, counts = compress_rows({k: data[k].to_numpy() for k in ("frequency", "recency", "T")})
    loglik = _WeightedLogMLE(
        BetaGeo._make_loglik(unique["frequency"], unique["recency"], unique["T"]),
        counts,
        BetaGeo._param_names,
    ).loglike
    theta = np.log(model.params_.to_numpy())
    rng = np.random.default_rng(0)

    def log_se(step, noise):
        def f(t):
            return loglik(t) * (1 + noise * rng.standard_normal())

        return np.sqrt(np.diag(np.linalg.inv(-approx_hess(theta, f, epsilon=step))))

    reference = log_se(HESSIAN_STEP, 0.0)
    np.testing.assert_allclose(reference, np.sqrt(np.diag(model.cov_log_params_)), rtol=1e-6)
    for _ in range(5):
        np.testing.assert_allclose(log_se(HESSIAN_STEP, 1e-15), reference, rtol=1e-5)
    np.testing.assert_allclose(log_se(3 * HESSIAN_STEP, 0.0), reference, rtol=1e-5)
