"""Issue 16: analytic gradients, unique-row fitting and scoring, exact 2F1 near z = 1.

Also issue 15's items in the CLV models: missing inputs and different lengths are named,
empty data say they are empty. No wall-clock assertions (benchmarks/ measures speed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.clv import (
    BetaGeo,
    GammaGamma,
    ParetoNBD,
    ShiftedBetaGeometric,
    customer_lifetime_value,
    simulate_bgnbd,
    simulate_gamma_gamma_spend,
    simulate_pareto_nbd,
)
from portfolio_lib.clv._fitting import compress_rows
from portfolio_lib.clv._hypergeometric import hyp2f1_stable

# -- data ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    frame = simulate_bgnbd(1500, r=0.8, alpha=8.0, a=1.2, b=4.0, T=52, seed=11)
    frame["recency"] = np.round(frame["recency"], 1)
    frame["T"] = np.round(frame["T"], 1)
    frame["monetary_value"] = simulate_gamma_gamma_spend(
        frame["frequency"], p=6, q=3.5, gamma=20, seed=12
    )["monetary_value"]
    return frame


@pytest.fixture(scope="module")
def pareto_data() -> pd.DataFrame:
    frame = simulate_pareto_nbd(1500, r=0.6, alpha=10.0, s=0.7, beta=12.0, T=52, seed=13)
    frame["recency"] = np.round(frame["recency"], 1)
    frame["T"] = np.round(frame["T"], 1)
    return frame


def _data_for(model, data, pareto_data):
    return pareto_data if model is ParetoNBD else data


def _rows(frame):
    unique, counts = compress_rows(
        {c: frame[c].to_numpy(float) for c in ("frequency", "recency", "T")}
    )
    return unique["frequency"], unique["recency"], unique["T"], counts


def _central_difference(func, theta, h=1e-6):
    out = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = h
        out[i] = (func(theta + step) - func(theta - step)) / (2 * h)
    return out


log_params = st.lists(st.floats(-2.0, 2.5), min_size=4, max_size=4).map(np.array)


# -- gradients against finite differences (property-based) ------------------------------------


@settings(max_examples=25, deadline=None)
@given(theta=log_params)
def test_bgnbd_gradient_matches_finite_differences(data, theta):
    x, t_x, T, w = _rows(data)
    grad_fn = BetaGeo._make_loglik_grad(x, t_x, T, w)
    rows = BetaGeo._make_loglik(x, t_x, T)
    value, grad = grad_fn(np.exp(theta))
    assert value == pytest.approx(float(w @ rows(np.exp(theta))), rel=1e-12)
    numeric = _central_difference(lambda t: grad_fn(np.exp(t))[0], theta)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * abs(value))


@settings(max_examples=25, deadline=None)
@given(theta=log_params, shift=st.sampled_from([0, 1]))
def test_bg_family_analytic_hessian_matches_differences_of_the_gradient(data, theta, shift):
    """The closed-form Hessian (one pass) equals central differences of the analytic gradient."""
    from portfolio_lib.clv._gradients import bg_family_loglik_grad

    x, t_x, T, w = _rows(data)
    grad_fn = bg_family_loglik_grad(x, t_x, T, w, shift=shift)
    value, grad = grad_fn(np.exp(theta))
    hess = grad_fn.hessian(np.exp(theta), grad)
    numeric = np.column_stack(
        [_central_difference(lambda t, j=j: grad_fn(np.exp(t))[1][j], theta) for j in range(4)]
    )
    np.testing.assert_array_equal(hess, hess.T)
    np.testing.assert_allclose(hess, numeric, rtol=1e-5, atol=1e-6 * np.abs(numeric).max())


@pytest.mark.parametrize("prior_sd", [None, 2.0])
def test_fit_uses_the_analytic_hessian_and_it_equals_the_numerical_one(data, prior_sd):
    """Standard errors from the closed form equal those from differences of the gradient
    (HESSIAN_STEP), also for a MAP fit (the prior's curvature added)."""
    from portfolio_lib.clv._fitting import _Objective, _WeightedLogMLE

    fitted = BetaGeo(prior_sd=prior_sd).fit(data)
    x, t_x, T, w = _rows(data)
    theta = np.log(fitted.params_.to_numpy())
    grad_fn = BetaGeo._make_loglik_grad(x, t_x, T, w)
    prior = (
        None if prior_sd is None else (np.log(BetaGeo()._start_values(x, t_x, T, w)[0]), prior_sd)
    )
    model = _WeightedLogMLE(BetaGeo._make_loglik(x, t_x, T), w, BetaGeo._param_names, prior)
    analytic = _Objective(model, grad_fn).hessian(theta)
    numeric = _Objective(model, lambda p: grad_fn(p)).hessian(theta)  # no hessian attribute
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5)
    if prior_sd is None:
        # the fit may keep the Hessian of a point within 1e-7 (log scale) of its optimum
        np.testing.assert_allclose(np.linalg.inv(-analytic), fitted.cov_log_params_, rtol=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    log_draws=st.lists(st.floats(-2.5, 3.5), min_size=24, max_size=24).map(np.array),
    t=st.sampled_from([0.5, 4.0, 26.0, 52.0, 200.0]),
    max_x=st.integers(1, 150),
    seed=st.integers(0, 2**16),
)
def test_hypergeometric_recurrence_in_the_frequency_equals_2f1(log_draws, t, max_x, seed):
    """The BG/NBD draws' 2F1 by Gauss' contiguous relation (with its fall-backs) equals 2F1
    evaluated cell by cell, over parameters far beyond fitted ones."""
    from portfolio_lib.clv._fitting import column_codes
    from portfolio_lib.clv.bgnbd import _hyp2f1_by_frequency

    rng = np.random.default_rng(seed)
    r, alpha, a, b = np.exp(log_draws).reshape(4, 6, 1)
    x = rng.integers(0, max_x + 1, 300).astype(float)
    T = rng.choice(rng.uniform(1, 200, 30), 300)
    iT, uT = column_codes(T)
    z = t / (alpha + uT + t)
    got = _hyp2f1_by_frequency(a + b - 1 - r, a - 1, a + b, z, x, iT)
    with np.errstate(all="ignore"):
        expected = hyp2f1_stable(a + b - 1 - r, a - 1, a + b + x - 1, z[:, iT])
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(np.isfinite(got), finite)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-13)


def test_bgnbd_draws_use_the_recurrence_and_match_the_row_formula(data, monkeypatch):
    """On fitted parameters the recurrence serves most cells (few 2F1 series), and the
    expected purchases of draws equal the one-parameter formula row by row."""
    import portfolio_lib.clv.bgnbd as bgnbd
    from portfolio_lib.clv._bgfamily import bg_expected_if_alive

    model = BetaGeo().fit(data)
    draws = model.sample_params(50, seed=1).to_numpy()
    x, T = data["frequency"].to_numpy(float), data["T"].to_numpy(float)
    cells = []
    series = bgnbd.hyp2f1_stable
    monkeypatch.setattr(
        bgnbd, "hyp2f1_stable", lambda *v: cells.append(np.broadcast(*v).size) or series(*v)
    )
    got = BetaGeo._expected_if_alive(draws, 26.0, x, T)
    assert sum(cells) < 0.25 * got.size
    for i in range(0, len(draws), 7):
        expected = bg_expected_if_alive(*draws[i], 26.0, x, T)
        np.testing.assert_allclose(got[i], expected, rtol=1e-11)


@settings(max_examples=15, deadline=None)
@given(theta=log_params)
def test_paretonbd_gradient_matches_finite_differences_and_the_hypergeometric_value(data, theta):
    x, t_x, T, w = _rows(data)
    grad_fn = ParetoNBD._make_loglik_grad(x, t_x, T, w)
    value, grad = grad_fn(np.exp(theta))
    # the quadrature (value and gradient together) equals the hypergeometric form
    reference = float(w @ ParetoNBD._loglik_rows(np.exp(theta), x, t_x, T))
    assert value == pytest.approx(reference, rel=1e-12)
    numeric = _central_difference(lambda t: grad_fn(np.exp(t))[0], theta)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * abs(value))


@settings(max_examples=25, deadline=None)
@given(theta=st.lists(st.floats(-2.0, 3.0), min_size=3, max_size=3).map(np.array))
def test_gamma_gamma_gradient_matches_finite_differences(data, theta):
    repeat = data[data["frequency"] > 0]
    x = repeat["frequency"].to_numpy(float)
    z = repeat["monetary_value"].to_numpy(float)
    w = np.random.default_rng(0).integers(1, 4, len(x)).astype(float)
    grad_fn = GammaGamma._make_loglik_grad(x, z, w)
    value, grad = grad_fn(np.exp(theta))
    assert value == pytest.approx(
        float(w @ GammaGamma._loglik_rows(np.exp(theta), x, z)), rel=1e-12
    )
    numeric = _central_difference(lambda t: grad_fn(np.exp(t))[0], theta)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * abs(value))


@settings(max_examples=25, deadline=None)
@given(theta=st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=2).map(np.array))
def test_sbg_gradient_matches_finite_differences(theta):
    period = np.array([1.0, 2, 3, 4, 5, 6, 7, 7])
    survived = np.array([False] * 7 + [True])
    w = np.array([369.0, 163, 86, 56, 37, 27, 21, 241])
    grad_fn = ShiftedBetaGeometric._make_loglik_grad(period, survived, w)
    value, grad = grad_fn(np.exp(theta))
    rows = ShiftedBetaGeometric._loglik_rows(np.exp(theta), period, survived)
    assert value == pytest.approx(float(w @ rows), rel=1e-12)
    numeric = _central_difference(lambda t: grad_fn(np.exp(t))[0], theta)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7 * abs(value))


def test_a_fit_without_analytic_gradient_still_converges_without_statsmodels_search():
    """fit_log_mle falls back to its own central differences (e.g. for a new model)."""
    from portfolio_lib.clv._fitting import fit_log_mle

    rng = np.random.default_rng(1)
    y = rng.gamma(3.0, 2.0, 500)

    def rows(p):
        shape, scale = p
        from scipy.stats import gamma

        return gamma.logpdf(y, shape, scale=scale)

    out = fit_log_mle(
        model_name="gamma", param_names=["shape", "scale"], row_loglik=rows,
        weights=np.ones(y.size), start_params=np.array([1.0, 1.0]),
    )  # fmt: skip
    from scipy.stats import gamma

    shape, _, scale = gamma.fit(y, floc=0)
    np.testing.assert_allclose(np.exp(out.log_params), [shape, scale], rtol=1e-5)
    assert out.diagnostics.converged


# -- unique rows ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD])
def test_fit_on_unique_rows_equals_fit_on_every_customer(data, pareto_data, model):
    data = _data_for(model, data, pareto_data)
    x, t_x, T, w = _rows(data)
    compressed = pd.DataFrame({"frequency": x, "recency": t_x, "T": T})
    full = model().fit(data)
    weighted = model().fit(compressed, weights=w)
    np.testing.assert_allclose(weighted.params_, full.params_, rtol=1e-8)
    assert weighted.loglik_ == pytest.approx(full.loglik_, rel=1e-12)
    assert full.n_rows_ == len(w) < len(data) == full.n_obs_
    text = str(full.summary())
    assert f"{len(w)} distinct rows standing for {len(data)} customers" in text


def test_gamma_gamma_unique_rows_equal_every_customer(data):
    repeat = data[data["frequency"] > 0][["frequency", "monetary_value"]].round(0)
    doubled = pd.concat([repeat, repeat, repeat.iloc[:100]], ignore_index=True)
    unique, counts = compress_rows({c: doubled[c].to_numpy(float) for c in doubled})
    full = GammaGamma().fit(doubled)
    weighted = GammaGamma().fit(pd.DataFrame(unique), weights=counts)
    np.testing.assert_allclose(weighted.params_, full.params_, rtol=1e-8)
    assert full.n_rows_ == len(counts)


def test_big_fit_warm_start_reaches_the_same_optimum(data, monkeypatch):
    """Above WARM_START_ROWS distinct rows the fit starts from a weighted sample of rows."""
    import portfolio_lib.clv._base as base

    reference = BetaGeo().fit(data)
    monkeypatch.setattr(base, "WARM_START_ROWS", 200)
    warm = BetaGeo().fit(data)
    np.testing.assert_allclose(warm.params_, reference.params_, rtol=1e-6)
    np.testing.assert_allclose(warm.cov_log_params_, reference.cov_log_params_, rtol=1e-4)


# -- scoring once per unique row, broadcast back ----------------------------------------------


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD])
def test_scoring_broadcast_equals_per_row_scoring(data, pareto_data, model):
    data = _data_for(model, data, pareto_data)
    fitted = model().fit(data)
    params = fitted.params_.to_numpy()
    x, t_x, T = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    alive = fitted.prob_alive(x, t_x, T)
    expected = fitted.conditional_expected_purchases(26, x, t_x, T)
    for i in range(0, len(x), 37):
        assert alive[i] == model._prob_alive(params, x[i], t_x[i], T[i])
        assert expected[i] == model._cond_exp(params, 26.0, x[i], t_x[i], T[i])
    series = fitted.prob_alive(data["frequency"], data["recency"], data["T"])
    assert series.index.equals(data.index)


def test_spend_scoring_broadcast_equals_per_row(data):
    gg = GammaGamma().fit(data)
    x, z = data["frequency"].to_numpy(float), data["monetary_value"].to_numpy(float)
    got = gg.conditional_expected_spend(x, z)
    direct = GammaGamma._expected_spend(gg.params_.to_numpy(), x, z)
    np.testing.assert_array_equal(got, direct)


def test_clv_intervals_do_not_depend_on_the_chunk_size(data, monkeypatch):
    import portfolio_lib.clv.value as value

    bg, gg = BetaGeo().fit(data), GammaGamma().fit(data)
    frame = pd.concat([data, data.iloc[:300]], ignore_index=True)  # repeated customers
    args = dict(horizon=26, unit="W", annual_discount_rate=0.1, n_draws=40, seed=3)
    whole = customer_lifetime_value(bg, gg, frame, **args)
    monkeypatch.setattr(value, "_CHUNK_CELLS", 40 * 7)
    chunked = customer_lifetime_value(bg, gg, frame, **args)
    pd.testing.assert_frame_equal(whole.table, chunked.table)
    assert chunked.total_clv_low == pytest.approx(whole.total_clv_low, rel=1e-12)
    # a repeated customer gets the same row as the original
    np.testing.assert_array_equal(
        whole.table.iloc[len(data) :].to_numpy(), whole.table.iloc[:300].to_numpy()
    )
    # the point CLV equals margin * spend * discounted purchases customer by customer
    disc = value.discounted_expected_purchases(bg, frame, horizon=26, unit="W",
                                               annual_discount_rate=0.1)  # fmt: skip
    spend = gg.conditional_expected_spend(frame["frequency"], frame["monetary_value"])
    np.testing.assert_allclose(whole["clv"], spend * disc, rtol=1e-13)


# -- issue 15: missing values, lengths, empty data --------------------------------------------


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD])
@pytest.mark.parametrize("missing", [None, np.nan, [1.0, np.nan]])
def test_prob_alive_refuses_a_missing_frequency(model, missing):
    fitted = model.from_params(dict(zip(model._param_names, [0.5, 8.0, 0.8, 3.0], strict=True)))
    recency, T = ([3.0, 4.0], [5.0, 6.0]) if isinstance(missing, list) else (3.0, 5.0)
    with pytest.raises(DataValidationError, match="frequency"):
        fitted.prob_alive(missing, recency, T)


def test_predictions_with_arrays_of_different_lengths_name_the_arguments():
    bg = BetaGeo.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    with pytest.raises(DataValidationError, match=r"frequency 2, recency 3, T 2"):
        bg.conditional_expected_purchases(10, [1, 2], [1.0, 2.0, 3.0], [5.0, 5.0])
    gg = GammaGamma.from_params({"p": 6.25, "q": 3.74, "gamma": 15.44})
    with pytest.raises(DataValidationError, match="monetary_value 1"):
        gg.conditional_expected_spend([1, 2], [10.0])


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD])
def test_fitting_empty_data_says_the_data_are_empty(model):
    empty = pd.DataFrame({"frequency": [], "recency": [], "T": []}, dtype=float)
    with pytest.raises(DataValidationError, match="empty"):
        model().fit(empty)


def test_gamma_gamma_and_sbg_on_empty_data_say_empty():
    with pytest.raises(DataValidationError, match="empty"):
        GammaGamma().fit(pd.DataFrame({"frequency": [], "monetary_value": []}, dtype=float))
    with pytest.raises(DataValidationError, match="empty"):
        ShiftedBetaGeometric().fit([])


# -- 2F1 where the series is cut --------------------------------------------------------------

# (a, b, c, z, 2F1) computed with mpmath 1.4.1 at 40 significant digits
# (mpmath.hyp2f1(a, b, c, mpf(z)), printed to 20 digits): sBG DEL shapes (1, beta, alpha+beta)
# including integer c-a-b (alpha = 1 and 2), the BG/NBD Euler form
# (a+b-1-r, a-1; a+b+x-1) and the Pareto/NBD form (1, r+x; r+s+x+1).
HYP2F1_REFERENCE = [
    (1.0, 3.806, 4.474, 0.9, 5.5752729474689413167),
    (1.0, 3.806, 4.474, 0.99, 19.728041132476834566),
    (1.0, 3.806, 4.474, 0.999, 52.981594469245299163),
    (1.0, 3.806, 4.474, 0.9999, 125.44174390240787391),
    (1.0, 3.806, 4.474, 0.99999, 281.35319763382159926),
    (1.0, 3.806, 4.474, 0.999999, 616.29071977176589898),
    (1.0, 1.182, 1.886, 0.9, 3.5320259515863356411),
    (1.0, 1.182, 1.886, 0.99, 9.3829995705359980227),
    (1.0, 1.182, 1.886, 0.999, 21.33013410678679325),
    (1.0, 1.182, 1.886, 0.9999, 45.060110112641393506),
    (1.0, 1.182, 1.886, 0.99999, 91.999714441719198198),
    (1.0, 1.182, 1.886, 0.999999, 184.80350385968676764),
    (1.0, 2.5, 3.5, 0.9, 3.8074745149009351268),
    (1.0, 2.5, 3.5, 0.99, 8.5618924081972175178),
    (1.0, 2.5, 3.5, 0.999, 14.107449140579744391),
    (1.0, 2.5, 3.5, 0.9999, 19.830252352663095829),
    (1.0, 2.5, 3.5, 0.99999, 25.582059945213757977),
    (1.0, 2.5, 3.5, 0.999999, 31.337927725803832296),
    (1.0, 0.3, 2.3, 0.9, 1.2138998235435633046),
    (1.0, 0.3, 2.3, 0.99, 1.2834039885805530975),
    (1.0, 0.3, 2.3, 0.999, 1.2974616887738600604),
    (1.0, 0.3, 2.3, 0.9999, 1.2996566638887129),
    (1.0, 0.3, 2.3, 0.99999, 1.2999566903125880781),
    (1.0, 0.3, 2.3, 0.999999, 1.299994771073630483),
    (2.2148, -0.207, 12.219, 0.9, 0.96269447988742858599),
    (2.2148, -0.207, 12.219, 0.99, 0.95847394770816640247),
    (2.2148, -0.207, 12.219, 0.999, 0.95804554118715339592),
    (2.2148, -0.207, 12.219, 0.9999, 0.95800263483827171139),
    (2.2148, -0.207, 12.219, 0.99999, 0.95799834354412907072),
    (2.2148, -0.207, 12.219, 0.999999, 0.95799791440811996191),
    (0.5, 0.2, 41.7, 0.9, 1.0022008550185079066),
    (0.5, 0.2, 41.7, 0.99, 1.0024258366821024253),
    (0.5, 0.2, 41.7, 0.999, 1.0024483861044248332),
    (0.5, 0.2, 41.7, 0.9999, 1.0024506415616796432),
    (0.5, 0.2, 41.7, 0.99999, 1.0024508671125578315),
    (0.5, 0.2, 41.7, 0.999999, 1.0024508896676971798),
    (1.0, 10.553, 12.159, 0.9, 5.2036828832411394579),
    (1.0, 10.553, 12.159, 0.99, 12.03231697182456546),
    (1.0, 10.553, 12.159, 0.999, 16.281261887143938338),
    (1.0, 10.553, 12.159, 0.9999, 17.81844477499354732),
    (1.0, 10.553, 12.159, 0.99999, 18.259463744336649236),
    (1.0, 10.553, 12.159, 0.999999, 18.375134038670598668),
]

# (alpha, beta, discount rate d, DEL = 2F1(1, beta; alpha+beta; 1/(1+d))), mpmath as above.
DEL_REFERENCE = [
    (0.668, 3.806, 1e-1, 5.9225964076127635244),
    (0.668, 3.806, 1e-2, 19.821411862394849221),
    (0.668, 3.806, 1e-3, 53.00247067680138434),
    (0.668, 3.806, 1e-4, 125.44625149435454865),
    (0.668, 3.806, 1e-5, 281.3541663658068298),
    (0.704, 1.182, 1e-1, 3.6951474055745741808),
    (0.704, 1.182, 1e-2, 9.4187595762487825945),
    (0.704, 1.182, 1e-3, 21.337313275266530066),
    (0.704, 1.182, 1e-4, 45.061532051451167375),
    (0.704, 1.182, 1e-5, 91.999995611821601596),
    (1.0, 2.5, 1e-1, 3.9731720085242675425),
    (1.0, 2.5, 1e-2, 8.5848747998446164434),
    (1.0, 2.5, 1e-3, 14.109915119691261571),
    (1.0, 2.5, 1e-4, 19.830501869404499022),
    (1.0, 2.5, 1e-5, 25.5820849389432407),
]


def _mpmath():
    try:
        import mpmath
    except ImportError:
        return None
    mpmath.mp.dps = 40
    return mpmath


@pytest.mark.parametrize(("a", "b", "c", "z", "expected"), HYP2F1_REFERENCE)
def test_hyp2f1_is_exact_up_to_one_minus_1e6(a, b, c, z, expected):
    mpmath = _mpmath()
    if mpmath is not None:  # recompute the reference when mpmath is there
        expected = float(mpmath.hyp2f1(a, b, c, mpmath.mpf(str(z))))
    assert float(hyp2f1_stable(a, b, c, z)) == pytest.approx(expected, rel=1e-11)


@pytest.mark.parametrize(("alpha", "beta", "d", "expected"), DEL_REFERENCE)
def test_sbg_discounted_expected_lifetime_down_to_a_discount_rate_of_1e5(alpha, beta, d, expected):
    model = ShiftedBetaGeometric.from_params({"alpha": alpha, "beta": beta})
    assert model.discounted_expected_lifetime(d) == pytest.approx(expected, rel=1e-11)


def test_issue_example_discounted_expected_lifetime():
    model = ShiftedBetaGeometric.from_params({"alpha": 0.668, "beta": 3.806})
    assert round(model.discounted_expected_lifetime(1e-4), 2) == 125.45  # was 122.55


def test_hyp2f1_vectorised_rows_mix_methods():
    """Rows below 0.9, in the capped series, by the connection formula and uncapped agree."""
    a = np.array([1.0, 1.0, 1.0, 1.0])
    b = np.array([3.806, 3.806, 3.806, 2.5])
    c = np.array([4.474, 4.474, 4.474, 3.5])
    z = np.array([0.5, 0.99, 0.99999, 0.9999])
    got = hyp2f1_stable(a, b, c, z)
    single = [float(hyp2f1_stable(*v)) for v in zip(a, b, c, z, strict=True)]
    np.testing.assert_allclose(got, single, rtol=1e-14)


# -- agreement with lifetimes ----------------------------------------------------------------


def test_agrees_with_lifetimes_on_the_cdnow_master(cdnow_home):
    """Where lifetimes is installed (benchmarks/requirements.txt): same likelihood, same fit."""
    lifetimes = pytest.importorskip("lifetimes")
    from portfolio_lib.clv import summary_from_transactions

    raw = pd.read_csv(
        cdnow_home / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str, "date": str}
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    raw = raw.rename(columns={"dollar_value": "amount"})
    summary = summary_from_transactions(raw, observation_end="1998-06-30", unit="W")
    ours = BetaGeo().fit(summary)
    theirs = lifetimes.BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    p = theirs.params_[["r", "alpha", "a", "b"]].to_numpy()
    # the same log-likelihood function ...
    ll_theirs = -theirs._negative_log_likelihood(
        np.log(p), summary["frequency"].to_numpy(), summary["recency"].to_numpy(),
        summary["T"].to_numpy(), np.ones(len(summary)), 0.0,
    ) * len(summary)  # fmt: skip
    ll_ours = float(ours.log_likelihood(summary).pipe(lambda s: s.sum()))
    assert ll_ours <= ours.loglik_ + 1e-6
    assert BetaGeo.from_params(dict(zip("r alpha a b".split(), p, strict=True))).log_likelihood(
        summary
    ).sum() == pytest.approx(ll_theirs, rel=1e-10)
    # ... and the same maximum
    np.testing.assert_allclose(ours.params_.to_numpy(), p, rtol=1e-6)
