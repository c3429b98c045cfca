"""The estimators follow scikit-learn's conventions, so ``sklearn.base.clone`` and grid loops work.

Constructor arguments are stored unchanged (``get_params``/``set_params``), ``clone`` gives an
unfitted copy with equal parameters, everything ``fit`` learns ends in ``_``, and fitting a
clone gives the same result as fitting the original.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from portfolio_lib.churn import ChurnBoosting, ChurnFeatures, ChurnLogit
from portfolio_lib.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    BetaGeoCovariates,
    GammaGamma,
    GammaGammaCovariates,
    MeanSpend,
    ModifiedBetaGeo,
    ParetoNBD,
    ParetoNBDCovariates,
    ShiftedBetaGeometric,
    fit_purchase_model,
    simulate_bgbb,
    simulate_bgnbd,
    simulate_covariates,
    simulate_gamma_gamma_spend,
    simulate_pareto_nbd,
    simulate_purchases_with_covariates,
    simulate_spend_with_covariates,
)


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    data = simulate_bgnbd(800, r=0.8, alpha=8.0, a=1.0, b=4.0, T=52, seed=5)
    data["monetary_value"] = simulate_gamma_gamma_spend(
        data["frequency"], p=6.0, q=3.5, gamma=20.0, seed=6
    )["monetary_value"]
    return data


@pytest.fixture(scope="module")
def pareto_summary() -> pd.DataFrame:
    return simulate_pareto_nbd(800, r=0.55, alpha=10.6, s=0.6, beta=11.7, T=52, seed=7)


@pytest.fixture(scope="module")
def covariate_data() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """(summary, covariates) for the covariate models (fit takes both)."""
    cov = simulate_covariates(800, seed=8)
    bg = simulate_purchases_with_covariates(
        cov, model="bgnbd", params={"r": 0.8, "alpha": 8.0, "a": 1.0, "b": 4.0},
        purchase={"online": 0.5}, dropout={"online": -0.5}, T=52.0, seed=9,
    )  # fmt: skip
    pnbd = simulate_purchases_with_covariates(
        cov, model="pareto_nbd", params={"r": 0.6, "alpha": 10.0, "s": 0.6, "beta": 12.0},
        purchase={"online": 0.5}, dropout={"online": -0.5}, T=52.0, seed=10,
    )  # fmt: skip
    spend = simulate_spend_with_covariates(
        bg["frequency"], cov, p=6.0, q=3.5, gamma=20.0, spend={"online": 0.3}, seed=11
    )
    return {"bg_cov": (bg, cov), "pnbd_cov": (pnbd, cov), "spend_cov": (spend, cov)}


@pytest.fixture(scope="module")
def churn_data() -> ChurnFeatures:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "recency_days": rng.integers(1, 300, 400).astype(float),
            "frequency": rng.integers(0, 12, 400).astype(float),
        }
    )
    y = pd.Series(rng.random(400) < X["recency_days"] / 300)
    return ChurnFeatures(X, y, pd.Timestamp("2024-01-01"), 90, 90)


# (estimator, what fit takes, a fitted attribute to compare, a constructor change or None)
CASES = {
    "BetaGeo": (lambda: BetaGeo(), "summary", "params_", {"prior_sd": 3.0}),
    "ParetoNBD": (lambda: ParetoNBD(), "pareto", "params_", {"prior_sd": 3.0}),
    "GammaGamma": (lambda: GammaGamma(), "summary", "params_", None),
    "MeanSpend": (lambda: MeanSpend(), "summary", "params_", None),
    "ShiftedBetaGeometric": (lambda: ShiftedBetaGeometric(), "cohort", "params_", None),
    "ModifiedBetaGeo": (lambda: ModifiedBetaGeo(), "summary", "params_", {"prior_sd": 3.0}),
    "BetaGeoBetaBinom": (lambda: BetaGeoBetaBinom(), "bgbb", "params_", None),
    "BetaGeoCovariates": (
        lambda: BetaGeoCovariates(purchase_covariates=["online"]),
        "bg_cov",
        "params_",
        {"dropout_covariates": ["online"]},
    ),
    "ParetoNBDCovariates": (
        lambda: ParetoNBDCovariates(dropout_covariates=["online"]),
        "pnbd_cov",
        "params_",
        {"purchase_covariates": ["online"]},
    ),
    "GammaGammaCovariates": (
        lambda: GammaGammaCovariates(spend_covariates=["online"]),
        "spend_cov",
        "params_",
        {"spend_covariates": None},
    ),
    "ChurnLogit": (
        lambda: ChurnLogit(confidence=0.9),
        "churn",
        "odds_ratios_",
        {"confidence": 0.8},
    ),
    "ChurnBoosting": (
        lambda: ChurnBoosting(seed=3, max_iter=30, l2_regularization=0.1),
        "churn",
        "feature_names_",
        {"max_depth": 2, "l2_regularization": 1.0},
    ),
}


@pytest.fixture(scope="module")
def data_for(summary, pareto_summary, churn_data, covariate_data):
    """What ``fit`` takes, as a tuple of positional arguments."""

    def data(kind: str) -> tuple:
        if kind in covariate_data:
            return covariate_data[kind]
        if kind == "bgbb":
            return (simulate_bgbb(600, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, periods=6,
                                  seed=12),)  # fmt: skip
        found = {"summary": summary, "pareto": pareto_summary, "churn": churn_data}
        return (found.get(kind, [1000, 631, 468, 382, 326, 289, 262, 241]),)

    return data


def _fitted_state(model) -> dict:
    return {k: v for k, v in vars(model).items() if k.endswith("_")}


@pytest.mark.parametrize("name", list(CASES))
def test_clone_gives_an_unfitted_copy_with_equal_params(name, data_for):
    make, kind, _, _ = CASES[name]
    original = make().fit(*data_for(kind))
    copy = clone(original)
    assert type(copy) is type(original) and copy is not original
    assert copy.get_params() == original.get_params()
    assert _fitted_state(copy) == {}, "clone must not carry fitted attributes"
    assert _fitted_state(original), "fit stores what it learns in attributes ending in _"
    if name not in ("ChurnLogit", "ChurnBoosting"):
        with pytest.raises(NotFittedError):
            check_is_fitted(copy)
        check_is_fitted(original)


@pytest.mark.parametrize("name", list(CASES))
def test_constructor_arguments_are_stored_unchanged(name):
    make, *_ = CASES[name]
    model = make()
    for key, value in model.get_params(deep=False).items():
        assert model.get_params()[key] is value
    assert not _fitted_state(model), "the constructor sets no fitted attribute"


@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case[3]])
def test_set_params_changes_a_constructor_argument(name):
    make, _, _, change = CASES[name]
    model = make()
    before = model.get_params()
    assert model.set_params(**change) is model
    after = model.get_params()
    for key, value in change.items():
        assert after[key] == value
    assert {k: v for k, v in after.items() if k not in change} == {
        k: v for k, v in before.items() if k not in change
    }
    with pytest.raises(ValueError, match="nvalid parameter"):
        model.set_params(no_such_argument=1)


@pytest.mark.parametrize("name", list(CASES))
def test_fitting_a_clone_gives_the_same_result(name, data_for):
    make, kind, attribute, _ = CASES[name]
    data = data_for(kind)
    original = make().fit(*data)
    again = clone(original).fit(*data)
    left, right = getattr(original, attribute), getattr(again, attribute)
    if isinstance(left, pd.Series):
        pd.testing.assert_series_equal(left, right)
    elif isinstance(left, pd.DataFrame):
        pd.testing.assert_frame_equal(left, right)
    else:
        assert left == right
    if kind == "churn":
        pd.testing.assert_series_equal(original.predict_proba(*data), again.predict_proba(*data))


def test_set_params_changes_what_fit_does(summary):
    """The prior on the log-parameters is a constructor argument: a loop over settings works."""
    base = BetaGeo()
    fits = {sd: clone(base).set_params(prior_sd=sd).fit(summary) for sd in (None, 0.05)}
    assert fits[None].prior_sd_ is None and fits[0.05].prior_sd_ == 0.05
    assert not np.allclose(fits[None].params_, fits[0.05].params_)
    assert base.get_params() == {"prior_sd": None}  # the template is untouched
    # fit(prior_sd=...) still overrides the constructor for one fit
    assert BetaGeo(prior_sd=0.05).fit(summary, prior_sd=1.0).prior_sd_ == 1.0


def test_fit_purchase_model_takes_a_configured_instance_and_leaves_it_unfitted(pareto_summary):
    template = ParetoNBD()
    choice = fit_purchase_model(pareto_summary, model=template)
    assert isinstance(choice.model, ParetoNBD) and choice.model is not template
    assert not choice.fallback
    assert _fitted_state(template) == {}


def test_churn_boosting_passes_every_argument_to_the_classifier(churn_data):
    model = ChurnBoosting(seed=1, max_depth=2, max_iter=20, l2_regularization=0.5)
    assert model.params == {"max_depth": 2, "learning_rate": 0.05, "max_iter": 20,
                            "min_samples_leaf": 20, "l2_regularization": 0.5}  # fmt: skip
    fitted = model.fit(churn_data).model_.get_params()
    assert (fitted["max_depth"], fitted["max_iter"], fitted["l2_regularization"]) == (2, 20, 0.5)
    assert ChurnBoosting.DEFAULTS == {
        k: v for k, v in ChurnBoosting().get_params().items() if k in ChurnBoosting.DEFAULTS
    }
