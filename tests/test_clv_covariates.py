"""Covariate models (BG/NBD, Pareto/NBD, Gamma-Gamma): with zero coefficients they are the
covariate-free models; fitted to customers simulated with covariate-dependent rates they
recover the coefficients; bad covariate frames give a DataValidationError naming the problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from portfolio_lib import DataValidationError
from portfolio_lib.clv import (
    BetaGeo,
    BetaGeoCovariates,
    ConvergenceError,
    GammaGamma,
    GammaGammaCovariates,
    ParetoNBD,
    ParetoNBDCovariates,
    simulate_covariates,
    simulate_purchases_with_covariates,
    simulate_spend_with_covariates,
)

BG_TRUTH = {"r": 0.8, "alpha": 8.0, "a": 1.0, "b": 4.0}
PNBD_TRUTH = {"r": 0.6, "alpha": 10.0, "s": 0.6, "beta": 12.0}


def _z_scores(model, truth: dict[str, float]) -> pd.Series:
    """(estimate - truth) / standard error; base parameters on the log scale."""
    table = model.summary().table
    out = {}
    for name, value in truth.items():
        row = table.loc[name]
        if np.isnan(row["log_estimate"]):
            out[name] = (row["estimate"] - value) / row["std_err"]
        else:
            out[name] = (row["log_estimate"] - np.log(value)) / row["log_std_err"]
    return pd.Series(out)


# -- recovery ---------------------------------------------------------------------------------
# Every check: the truth lies within 4 standard errors of the estimate (a 1-in-15,000 miss
# per parameter if the model is right). The sample sizes (6,000 / 4,000 / 4,000 customers)
# give coefficient standard errors of 0.02-0.15, so a coefficient of 0.5 stands 3-25 SEs from
# zero: the tests also check that the effect is found (|z against 0| > 3).


@pytest.fixture(scope="module")
def bg_fit():
    cov = simulate_covariates(6000, seed=1)
    data = simulate_purchases_with_covariates(
        cov, model="bgnbd", params=BG_TRUTH, purchase={"online": 0.5, "age": -0.3},
        dropout={"online": -0.8}, T=52.0, seed=2,
    )  # fmt: skip
    return BetaGeoCovariates().fit(data, cov), data, cov


def test_bgnbd_recovers_coefficients(bg_fit):
    model, _, _ = bg_fit
    truth = BG_TRUTH | {"purchase:online": 0.5, "purchase:age": -0.3}
    truth |= {"dropout:online": -0.8, "dropout:age": 0.0}
    z = _z_scores(model, truth)
    assert (z.abs() < 4).all(), z
    table = model.summary().table
    for name in ("purchase:online", "purchase:age", "dropout:online"):
        assert abs(table.loc[name, "estimate"] / table.loc[name, "std_err"]) > 3, name
    assert model.diagnostics_.converged


def test_pareto_nbd_recovers_coefficients():
    cov = simulate_covariates(4000, seed=3)[["online"]]
    data = simulate_purchases_with_covariates(
        cov, model="pareto_nbd", params=PNBD_TRUTH, purchase={"online": 0.5},
        dropout={"online": 0.8}, T=52.0, seed=4,
    )  # fmt: skip
    model = ParetoNBDCovariates().fit(data, cov)
    z = _z_scores(model, PNBD_TRUTH | {"purchase:online": 0.5, "dropout:online": 0.8})
    assert (z.abs() < 4).all(), z
    assert (
        model.coefficients_["purchase:online"]
        / model.summary().table.loc["purchase:online", "std_err"]
        > 3
    )


def test_gamma_gamma_recovers_coefficients():
    cov = simulate_covariates(4000, seed=5)
    freq = pd.Series(np.random.default_rng(6).integers(1, 8, 4000), index=cov.index)
    spend = simulate_spend_with_covariates(
        freq, cov, p=6.0, q=3.5, gamma=20.0, spend={"online": 0.4, "age": 0.1}, seed=7
    )
    model = GammaGammaCovariates().fit(spend, cov)
    truth = {"p": 6.0, "q": 3.5, "gamma": 20.0, "spend:online": 0.4, "spend:age": 0.1}
    z = _z_scores(model, truth)
    assert (z.abs() < 4).all(), z
    # Online customers' expected spend is exp(0.4) = 1.49 times the others' (same history).
    one = pd.DataFrame({"frequency": [2, 2], "monetary_value": [30.0, 30.0]}, index=[0, 1])
    pair = pd.DataFrame({"online": [1.0, 0.0], "age": [0.0, 0.0]}, index=[0, 1])
    expected = model.conditional_expected_spend(one, pair)
    assert expected[0] > expected[1]


# -- zero coefficients are the covariate-free models -------------------------------------------


def _with_zero_coefficients(model, base: pd.Series):
    zeroed = clone(model)
    zeroed.covariate_names_ = model.covariate_names_
    zeroed.params_ = pd.concat([base, model.coefficients_ * 0.0])
    return zeroed


def test_bgnbd_predictions_equal_betageo_at_zero_coefficients(bg_fit):
    model, data, cov = bg_fit
    base = pd.Series(BG_TRUTH)
    zeroed = _with_zero_coefficients(model, base)
    plain = BetaGeo.from_params(BG_TRUTH)
    cols = (data["frequency"], data["recency"], data["T"])
    np.testing.assert_allclose(zeroed.prob_alive(data, cov), plain.prob_alive(*cols), rtol=1e-12)
    np.testing.assert_allclose(
        zeroed.conditional_expected_purchases(26.0, data, cov),
        plain.conditional_expected_purchases(26.0, *cols),
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        zeroed.expected_purchases(52.0, cov.iloc[:3]), plain.expected_purchases(52.0), rtol=1e-9
    )
    data_ll = BetaGeoCovariates._row_loglik(
        base.to_numpy(), {"purchase": np.zeros(2), "dropout": np.zeros(2)},
        {c: data[c].to_numpy(float) for c in ("frequency", "recency", "T")}
        | {"purchase": cov.to_numpy(), "dropout": cov.to_numpy()},
    )  # fmt: skip
    np.testing.assert_allclose(data_ll, plain.log_likelihood(data), rtol=1e-12)


def test_pareto_and_gamma_gamma_at_zero_coefficients():
    cov = simulate_covariates(300, seed=8)
    data = simulate_purchases_with_covariates(
        cov, model="pareto_nbd", params=PNBD_TRUTH, purchase={}, dropout={}, seed=9
    )
    rows = {c: data[c].to_numpy(float) for c in ("frequency", "recency", "T")}
    zero = {"purchase": np.zeros(2), "dropout": np.zeros(2)}
    ours = ParetoNBDCovariates._row_loglik(
        np.array(list(PNBD_TRUTH.values())), zero,
        rows | {"purchase": cov.to_numpy(), "dropout": cov.to_numpy()},
    )  # fmt: skip
    np.testing.assert_allclose(
        ours, ParetoNBD.from_params(PNBD_TRUTH).log_likelihood(data), rtol=1e-10
    )
    repeat = data[data["frequency"] > 0]
    spend = simulate_spend_with_covariates(
        repeat["frequency"], cov.loc[repeat.index], p=6, q=3.5, gamma=20, spend={}, seed=1
    )
    gg = GammaGamma().fit(spend)
    ggc = GammaGammaCovariates(["online"]).fit(spend, cov)
    # One more parameter can only raise the maximised likelihood, and by little when it is 0.
    assert gg.loglik_ - 1e-6 <= ggc.loglik_ <= gg.loglik_ + 5
    zero_gg = GammaGammaCovariates._row_loglik(
        gg.params_.to_numpy(), {"spend": np.zeros(1)},
        {"frequency": spend["frequency"].to_numpy(), "monetary_value":
         spend["monetary_value"].to_numpy(), "spend": cov.loc[repeat.index, ["online"]].to_numpy()},
    )  # fmt: skip
    assert float(zero_gg.sum()) == pytest.approx(gg.loglik_, abs=1e-8)


# -- summary, conventions, errors ----------------------------------------------------------------


def test_summary_lists_coefficients_with_standard_errors(bg_fit):
    model, _, _ = bg_fit
    summary = model.summary()
    assert list(summary.table.index) == [
        "r", "alpha", "a", "b", "purchase:online", "purchase:age", "dropout:online", "dropout:age",
    ]  # fmt: skip
    assert (summary.table["std_err"] > 0).all()
    coef = summary.table.loc["purchase:online"]
    assert coef["ci_low"] == pytest.approx(coef["estimate"] - 1.959964 * coef["std_err"])
    assert "6000" in str(summary)


def test_sklearn_conventions(bg_fit):
    model = BetaGeoCovariates(purchase_covariates=["online"], dropout_covariates=None)
    assert model.get_params() == {"purchase_covariates": ["online"], "dropout_covariates": None}
    copy = clone(model)
    assert copy.get_params() == model.get_params() and not hasattr(copy, "params_")
    copy.set_params(dropout_covariates=["age"])
    assert copy.dropout_covariates == ["age"]
    assert GammaGammaCovariates(["online"]).get_params() == {"spend_covariates": ["online"]}


def _small():
    cov = simulate_covariates(50, seed=0)
    data = simulate_purchases_with_covariates(
        cov, model="bgnbd", params=BG_TRUTH, purchase={}, dropout={}, seed=1
    )
    return data, cov


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.drop(index=[3, 7]), r"no row for 2 customer id\(s\).*\[3, 7\]"),
        (lambda c: c.assign(online=c["online"].map({1.0: "web", 0.0: "shop"})), "'online' is not"),
        (lambda c: c.assign(age=1.0), "'age' is constant"),
        (lambda c: c.assign(age=c["age"].where(c.index != 4)), "'age' has missing"),
        (lambda c: c.drop(columns="age"), r"no column \['age'\]"),
    ],
)
def test_bad_covariates_are_named(change, message):
    data, cov = _small()
    with pytest.raises(DataValidationError, match=message):
        BetaGeoCovariates(["online"], ["age"]).fit(data, change(cov))


def test_no_repeat_purchase_raises_convergence_error():
    data, cov = _small()
    with pytest.raises(ConvergenceError, match="not identified"):
        BetaGeoCovariates().fit(data.assign(frequency=0, recency=0.0), cov)


def test_unfitted_model_says_so():
    with pytest.raises(RuntimeError, match="not fitted"):
        BetaGeoCovariates().summary()
