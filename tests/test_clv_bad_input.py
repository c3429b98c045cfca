"""Bad input to the CLV models (issue 15): a clear error naming the argument, never a NaN.

Regression tests for the findings of the bad-input sweep in the clv package, on data the
sweep did not use: the papers' CDNOW summary with the published parameters (REFERENCE.md,
BG/NBD and Pareto/NBD of Fader, Hardie & Lee) and the sBG example cohort of Fader & Hardie
(2007); simulated data where a fit is needed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import DataValidationError, clv
from portfolio_lib.clv._validation import NotIdentifiedError

BGNBD_CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PARETO_CDNOW = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
#: Fader & Hardie (2007), "regular" customers: active at the start of years 0..7.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]

PURCHASE_MODELS = [
    pytest.param(clv.BetaGeo.from_params(BGNBD_CDNOW), id="BetaGeo"),
    pytest.param(clv.ParetoNBD.from_params(PARETO_CDNOW), id="ParetoNBD"),
]


@pytest.fixture(scope="module")
def cdnow(cdnow_home) -> pd.DataFrame:
    frame = pd.read_csv(cdnow_home / "cdnow_customers_summary_with_transactions.csv")
    return frame.rename(columns={"x": "frequency", "t_x": "recency"}).set_index("ID")


@pytest.mark.parametrize("model", PURCHASE_MODELS)
@pytest.mark.parametrize("bad", [None, np.nan, [39.0, np.nan], np.inf, -1.0])
def test_expected_purchases_refuses_a_missing_or_negative_t(model, bad):
    """t=None or NaN used to give NaN expected purchases without a word."""
    with pytest.raises(DataValidationError, match="^t"):
        model.expected_purchases(bad)
    with pytest.raises(DataValidationError, match="^t"):
        model.prob_purchases(1, bad)


@pytest.mark.parametrize("model", PURCHASE_MODELS)
def test_predictions_for_valid_t_are_unchanged(model, cdnow):
    t = cdnow["T"].head(50)
    expected = model.expected_purchases(t)
    assert isinstance(expected, pd.Series) and expected.index.equals(t.index)
    assert np.isfinite(expected).all() and (expected > 0).all()
    # P(X(t) = n) over n = 0..200 sums to 1 for a CDNOW customer's age
    probs = np.asarray(model.prob_purchases(np.arange(200)[:, None], t.to_numpy()[None, :5]))
    assert probs.sum(axis=0) == pytest.approx(np.ones(5), abs=1e-6)


@pytest.mark.parametrize("model", PURCHASE_MODELS)
def test_prob_purchases_refuses_a_fractional_n(model):
    with pytest.raises(DataValidationError, match="^n: 1 value"):
        model.prob_purchases([1, 1.5], 39.0)


@pytest.mark.parametrize("model", PURCHASE_MODELS)
def test_log_likelihood_refuses_repeated_customers(model, cdnow):
    """Two batches of the CDNOW summary concatenated: one label, two log-likelihoods."""
    twice = pd.concat([cdnow.head(10), cdnow.head(10)])
    with pytest.raises(DataValidationError, match="summary: the index repeats 10 label"):
        model.log_likelihood(twice)
    once = model.log_likelihood(cdnow.head(10))
    assert once.index.is_unique and np.isfinite(once).all()


def test_gamma_gamma_on_one_repeat_buyer_says_why(cdnow):
    """One row (or identical rows) cannot identify the spread of spend across customers."""
    buyers = cdnow[cdnow["frequency"] > 0]
    one = buyers.head(1).rename(columns={"zbar": "monetary_value"})
    for data in (one, pd.concat([one] * 20, ignore_index=True)):
        with pytest.raises(DataValidationError, match="monetary_value takes one value") as info:
            clv.GammaGamma().fit(data)
        assert isinstance(info.value, clv.ConvergenceError)  # callers that fall back still do


def test_fit_spend_model_falls_back_to_mean_spend_and_says_why(cdnow):
    one = cdnow[cdnow["frequency"] > 0].head(1).rename(columns={"zbar": "monetary_value"})
    choice = clv.fit_spend_model(pd.concat([one] * 5, ignore_index=True))
    assert choice.fallback
    assert "monetary_value takes one value" in choice.note
    assert choice.model.population_mean_spend() == pytest.approx(one["monetary_value"].iloc[0])


def test_purchase_fit_without_repeat_buyers_is_a_data_error():
    data = clv.simulate_bgnbd(200, r=0.8, alpha=8, a=1, b=4, T=52, seed=5)
    data[["frequency", "recency"]] = 0
    with pytest.raises(NotIdentifiedError, match="no customer made a repeat purchase"):
        clv.BetaGeo().fit(data)


def test_sbg_fit_on_a_cohort_nobody_left_is_a_data_error():
    with pytest.raises(DataValidationError, match="survivors: nobody left the cohort") as info:
        clv.ShiftedBetaGeometric().fit([500] * 6)
    assert isinstance(info.value, clv.ConvergenceError)


@pytest.fixture(scope="module")
def sbg() -> clv.ShiftedBetaGeometric:
    return clv.ShiftedBetaGeometric().fit(REGULAR)


@pytest.mark.parametrize("method", ["survival", "retention_rate"])
@pytest.mark.parametrize("bad", [None, np.nan, [1.0, np.nan]])
def test_sbg_refuses_a_missing_t(sbg, method, bad):
    with pytest.raises(DataValidationError, match="^t"):
        getattr(sbg, method)(bad)


def test_sbg_retention_rate_below_period_one(sbg):
    with pytest.raises(DataValidationError, match="t: retention_rate is defined for periods"):
        sbg.retention_rate([0, 1])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (None, "periods is None"),
        (np.nan, "periods: 1 value"),
        ([0, 1, np.nan], "periods: 1 value"),
        ([2, 2, 2], r"periods repeats value\(s\) \[2.0\]"),
        (pd.DataFrame({"p": [0, 1]}), "periods must be a pandas Series or a 1-D array"),
        ([0, 1.5], "not a whole number"),
    ],
)
def test_sbg_projected_customers_refuses_bad_periods(sbg, bad, message):
    with pytest.raises(DataValidationError, match=message):
        sbg.projected_customers(bad, 1000)


def test_sbg_projection_of_the_published_cohort(sbg):
    """Valid periods still project: the 1000 customers of year 0, as fitted (FH 2007)."""
    table = sbg.projected_customers(7)
    assert table.index.tolist() == list(range(8))
    assert table["observed"].tolist() == REGULAR
    assert table["expected_active"].iloc[0] == 1000
    assert np.abs(table["expected_active"] - table["observed"]).max() < 15


@pytest.mark.parametrize("bad", [None, pd.DataFrame({"a": [1]}), [1, 2]])
@pytest.mark.parametrize(
    "call",
    [
        lambda m, data: clv.prob_alive_matrix(m, T=39.0, max_frequency=3, n_recency=3),
        lambda m, data: clv.holdout_comparison(m, data),
        lambda m, data: clv.repeat_purchase_distribution(m, data),
    ],
    ids=["prob_alive_matrix", "holdout_comparison", "repeat_purchase_distribution"],
)
def test_diagnostics_refuse_something_that_is_not_a_model(call, bad, cdnow):
    """A DataFrame or None used to end in AttributeError: '...' has no attribute 'prob_alive'."""
    with pytest.raises(TypeError, match="^model must be a fitted CLV model"):
        call(bad, cdnow)


def test_diagnostics_with_a_model_still_work(cdnow):
    model = clv.BetaGeo.from_params(BGNBD_CDNOW)
    table = clv.repeat_purchase_distribution(model, cdnow)
    assert table["actual"].sum() == len(cdnow)
    assert table["model"].sum() == pytest.approx(len(cdnow))
    matrix = clv.prob_alive_matrix(model, T=39.0, max_frequency=3, n_recency=3)
    assert ((matrix >= 0) & (matrix <= 1)).all().all()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (pd.DataFrame({"frequency": [1, 2]}), "frequency must be a pandas Series or a 1-D array"),
        (None, "frequency is None"),
        ([1, np.nan], "frequency: 1 value"),
        ([1, -2], "frequency: 1 value"),
        ([1, 2.5], "not a whole number"),
    ],
)
def test_simulate_gamma_gamma_spend_refuses_bad_frequency(bad, message):
    with pytest.raises(DataValidationError, match=message):
        clv.simulate_gamma_gamma_spend(bad, p=6, q=4, gamma=15, seed=0)


def test_simulate_gamma_gamma_spend_keeps_a_series_index(cdnow):
    freq = cdnow["frequency"].head(30)
    out = clv.simulate_gamma_gamma_spend(freq, p=6.25, q=3.74, gamma=15.44, seed=1)
    assert out.index.equals(freq.index)
    assert ((out["monetary_value"] > 0) == (freq > 0)).all()


@pytest.mark.parametrize("model", [clv.BetaGeo, clv.ParetoNBD, clv.ModifiedBetaGeo])
def test_purchase_fit_on_one_distinct_history_is_a_data_error(model, cdnow):
    """One customer (or identical rows) cannot tell how customers differ: say so, no crash."""
    buyer = cdnow[cdnow["frequency"] > 0].head(1)
    for data in (buyer, pd.concat([buyer] * 30, ignore_index=True)):
        with pytest.raises(DataValidationError, match="same history") as info:
            model().fit(data)
        assert isinstance(info.value, clv.ConvergenceError)


def test_fit_purchase_model_on_one_history_falls_back_to_a_prior_and_says_why(cdnow):
    buyer = cdnow[cdnow["frequency"] > 0].head(1)
    choice = clv.fit_purchase_model(pd.concat([buyer] * 30, ignore_index=True))
    assert choice.fallback and "same history" in choice.note
    assert choice.model.prior_sd_ == pytest.approx(3.0)


# -- BG/BB: the published donation parameters (FHS 2010) on simulated donors ----------------

DONATION = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}


@pytest.fixture(scope="module")
def donors() -> pd.DataFrame:
    return clv.simulate_bgbb(400, **DONATION, periods=6, seed=11)


@pytest.mark.parametrize("method", ["prob_alive", "conditional_expected_purchases"])
@pytest.mark.parametrize(
    ("bad", "message"),
    [(lambda d: d[["frequency"]], "must have the same length"),
     (lambda d: d["frequency"].iloc[:0], "must have the same length"),
     (lambda d: d["frequency"].where(d.index != 3), "frequency: 1 value")],
    ids=["frame", "empty", "nan"],
)  # fmt: skip
def test_bgbb_predictions_refuse_malformed_histories(donors, method, bad, message):
    model = clv.BetaGeoBetaBinom.from_params(DONATION)
    args = [bad(donors), donors["recency"], donors["periods"]]
    if method == "conditional_expected_purchases":
        args.insert(0, 5)
    with pytest.raises(DataValidationError, match=message):
        getattr(model, method)(*args)


def test_bgbb_expected_purchases_refuses_missing_periods():
    model = clv.BetaGeoBetaBinom.from_params(DONATION)
    for bad in (None, [6, np.nan]):
        with pytest.raises(DataValidationError, match="^periods"):
            model.expected_purchases(bad)
    assert model.expected_purchases(6) == pytest.approx(2.22, abs=0.005)  # FHS (2010)


def test_bgbb_fit_on_one_history_or_nothing_says_why(donors):
    with pytest.raises(DataValidationError, match="summary is empty"):
        clv.BetaGeoBetaBinom().fit(donors.iloc[:0])
    active = donors[(donors["frequency"] > 0) & (donors["frequency"] < 6)].head(1)
    with pytest.raises(DataValidationError, match="same history") as info:
        clv.BetaGeoBetaBinom().fit(pd.concat([active] * 10, ignore_index=True))
    assert isinstance(info.value, clv.ConvergenceError)


def test_bgbb_log_likelihood_refuses_repeated_customers(donors):
    model = clv.BetaGeoBetaBinom.from_params(DONATION)
    with pytest.raises(DataValidationError, match="summary: the index repeats 5 label"):
        model.log_likelihood(pd.concat([donors.head(5), donors.head(5)]))


# -- covariate models (issue 15: covariates.py findings of the sweep) ----------------------


@pytest.fixture(scope="module")
def covariate_data():
    cov = clv.simulate_covariates(400, seed=11)
    data = clv.simulate_purchases_with_covariates(
        cov, model="bgnbd", params=BGNBD_CDNOW, purchase={"online": 0.4}, dropout={}, seed=12
    )
    return cov, data[["frequency", "recency", "T"]]


@pytest.mark.parametrize("model", [clv.BetaGeoCovariates, clv.ParetoNBDCovariates])
def test_covariate_fit_on_an_empty_summary_is_a_data_error(model, covariate_data):
    """An empty summary raised ConvergenceError ("no repeat purchase") instead of saying so."""
    cov, data = covariate_data
    with pytest.raises(DataValidationError, match="summary is empty"):
        model(["online"], ["online"]).fit(data.iloc[:0], cov)
    with pytest.raises(NotIdentifiedError, match="frequency is 0 in every row"):
        model(["online"], ["online"]).fit(data.assign(frequency=0.0, recency=0.0), cov)


BAD_COVARIATES = {
    "none": lambda cov: None,
    "list": lambda cov: cov.reset_index().to_dict("records"),
    "series": lambda cov: cov["online"],
    "repeated_ids": lambda cov: pd.concat([cov.iloc[:5], cov.iloc[4:9]]),
}


@pytest.mark.parametrize("kind", list(BAD_COVARIATES))
def test_covariate_predictions_and_simulators_refuse_bad_covariates(kind, covariate_data):
    """None, a list or a Series crashed with AttributeError/TypeError; repeated index
    labels gave a result with repeated labels without a word."""
    cov, data = covariate_data
    bad = BAD_COVARIATES[kind](cov)
    fit = clv.BetaGeoCovariates(["online"], ["online"]).fit(data, cov)
    calls = [
        lambda: fit.expected_purchases(10.0, bad),
        lambda: clv.simulate_purchases_with_covariates(
            bad, model="bgnbd", params=BGNBD_CDNOW, purchase={"online": 0.4}, dropout={}
        ),
        lambda: clv.simulate_spend_with_covariates(
            np.ones(400), bad, p=6.0, q=3.5, gamma=20.0, spend={"online": 0.2}
        ),
    ]
    for call in calls:
        with pytest.raises(DataValidationError, match="covariates"):
            call()


@pytest.mark.parametrize(
    ("frequency", "message"),
    [
        (None, "frequency is None"),
        (pd.DataFrame({"f": np.ones(50)}), "frequency must be a pandas Series or a 1-D"),
        (np.ones(0), "frequency has 0 value"),
        (np.r_[np.ones(49), np.nan], "frequency: 1 value"),
        (np.ones(51), "frequency has 51 value"),
        (pd.Series([1.0, 2.0], index=[0, 0]), "frequency: the index repeats"),
        (pd.Series(np.ones(49)), "no value for 1 customer"),
    ],
)
def test_simulate_spend_with_covariates_refuses_bad_frequency(frequency, message):
    """None or NaN frequencies gave NaN rows silently; a frame, an empty array or a wrong
    length crashed with numpy broadcast errors."""
    cov = clv.simulate_covariates(50, seed=3)
    with pytest.raises(DataValidationError, match=message):
        clv.simulate_spend_with_covariates(
            frequency, cov, p=6.0, q=3.5, gamma=20.0, spend={"online": 0.2}
        )


def test_simulate_spend_with_covariates_matches_a_series_by_customer_id():
    """A Series of frequencies is read by customer id, not by position."""
    cov = clv.simulate_covariates(50, seed=3)
    freq = pd.Series(np.arange(50) % 4, index=cov.index)
    kwargs = {"p": 6.0, "q": 3.5, "gamma": 20.0, "spend": {"online": 0.2}, "seed": 4}
    forward = clv.simulate_spend_with_covariates(freq, cov, **kwargs)
    shuffled = clv.simulate_spend_with_covariates(freq.iloc[::-1], cov, **kwargs)
    pd.testing.assert_frame_equal(forward, shuffled)
    assert forward["frequency"].tolist() == freq.astype(float).tolist()
