"""BG/BB (Fader, Hardie & Shang 2010): the published donation example, the closed forms
against brute force, the analytic gradient against finite differences, recovery from
simulated data, and the input checks.

The donation data live in ../shared/data/donations (never copied into the repository);
the tests that need them skip with a message when the folder is absent.
"""

from __future__ import annotations

import os
from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from portfolio_lib import DataValidationError
from portfolio_lib.clv import (
    BetaGeoBetaBinom,
    ConvergenceError,
    donations_summary,
    simulate_bgbb,
)
from portfolio_lib.clv.bgbb import _RowLikelihood

SHARED_DONATIONS = Path(__file__).resolve().parents[2] / "shared" / "data" / "donations"
# REFERENCE.md, "BG/BB (discrete-time), donations (Fader, Hardie & Shang 2010)".
PUBLISHED = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
PUBLISHED_LL = -33_225.6


@pytest.fixture(scope="module")
def donations_home() -> Path:
    """Folder with donations_1995_cohort.csv (env PORTFOLIO_LIB_DONATIONS or ../shared)."""
    folder = Path(os.environ.get("PORTFOLIO_LIB_DONATIONS", SHARED_DONATIONS))
    if not (folder / "donations_1995_cohort.csv").exists():
        pytest.skip(
            f"donation data not found in {folder} (set PORTFOLIO_LIB_DONATIONS or place "
            "../shared/data/donations beside the checkout)"
        )
    return folder


@pytest.fixture(scope="module")
def donations(donations_home: Path) -> pd.DataFrame:
    return donations_summary(donations_home)


@pytest.fixture(scope="module")
def fitted(donations: pd.DataFrame) -> BetaGeoBetaBinom:
    return BetaGeoBetaBinom().fit(donations, weights=donations["weights"])


@pytest.fixture(scope="module")
def published() -> BetaGeoBetaBinom:
    return BetaGeoBetaBinom.from_params(PUBLISHED)


# -- the published example ------------------------------------------------------------------


def test_the_loader_reads_the_cohort(donations):
    assert len(donations) == 22  # x = 0 plus every (x, t_x) with 1 <= x <= t_x <= 6
    assert donations["weights"].sum() == 11_104
    assert (donations["periods"] == 6).all()
    assert donations.attrs["unit"] == "Y"


def test_published_parameters_and_loglik(fitted):
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, rel=0.005), name
    assert fitted.loglik_ == pytest.approx(PUBLISHED_LL, abs=0.1)
    assert fitted.diagnostics_.converged
    assert fitted.n_obs_ == 11_104 and fitted.n_rows_ == 22


def test_summary_has_standard_errors(fitted):
    summary = fitted.summary()
    assert list(summary.table.index) == ["alpha", "beta", "gamma", "delta"]
    assert (summary.table["std_err"] > 0).all()
    assert (summary.table["ci_low"] < summary.table["estimate"]).all()
    assert "11104" in str(summary) and "22 distinct rows" in str(summary)


def test_weights_equal_repeated_rows(donations, fitted):
    expanded = donations.loc[donations.index.repeat(donations["weights"])]
    again = BetaGeoBetaBinom().fit(expanded)
    np.testing.assert_allclose(again.params_, fitted.params_, rtol=1e-5)
    assert again.loglik_ == pytest.approx(fitted.loglik_, abs=1e-6)


def test_per_row_loglik_sums_to_the_fit(donations, fitted):
    rows = fitted.log_likelihood(donations)
    assert float(rows @ donations["weights"]) == pytest.approx(fitted.loglik_, abs=1e-8)


# -- closed forms against brute force -------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 6])
def test_likelihood_is_a_distribution_over_histories(published, n):
    # Sum over every transaction sequence of n opportunities: each (x, t_x) stands for
    # comb(t_x - 1, x - 1) sequences (the last transaction sits at t_x).
    hist = [(0, 0, 1)] + [
        (x, t, comb(t - 1, x - 1)) for t in range(1, n + 1) for x in range(1, t + 1)
    ]
    x, t_x, ways = (np.array(c, dtype=float) for c in zip(*hist, strict=True))
    lik = np.exp(_RowLikelihood(x, t_x, np.full_like(x, n))(published.params_.to_numpy()))
    assert float(ways @ lik) == pytest.approx(1.0, abs=1e-12)


def test_dert_is_the_discounted_sum_of_expected_transactions(published):
    k = np.arange(0, 4001)
    for x, t_x in [(0, 0), (3, 4), (6, 6)]:
        cumulative = published.conditional_expected_purchases(k, x, t_x, 6)
        brute = float(np.sum(np.diff(cumulative) / 1.1 ** k[1:]))
        dert = published.discounted_expected_residual_transactions(0.10, x, t_x, 6)
        assert dert == pytest.approx(brute, rel=1e-10)


def test_expected_purchases_is_the_history_average(published):
    # E[X(n)] equals the mean frequency over all histories of a new customer.
    n = 5
    hist = [(0, 0, 1)] + [
        (x, t, comb(t - 1, x - 1)) for t in range(1, n + 1) for x in range(1, t + 1)
    ]
    x, t_x, ways = (np.array(c, dtype=float) for c in zip(*hist, strict=True))
    lik = np.exp(_RowLikelihood(x, t_x, np.full_like(x, n))(published.params_.to_numpy()))
    assert published.expected_purchases(n) == pytest.approx(float(ways * lik @ x), rel=1e-12)


def test_conditional_expectation_from_a_new_customer(published):
    # A customer with no opportunity yet: the conditional formula gives E[X(n*)].
    assert published.conditional_expected_purchases(4, 0, 0, 0) == pytest.approx(
        published.expected_purchases(4), rel=1e-12
    )


def test_predictions_agree_with_lifetimes(donations, published):
    lifetimes = pytest.importorskip("lifetimes")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = lifetimes.BetaGeoBetaBinomFitter().fit(
            donations["frequency"], donations["recency"], donations["periods"],
            weights=donations["weights"],
        )  # fmt: skip
        peer.params_[:] = [PUBLISHED[k] for k in ("alpha", "beta", "gamma", "delta")]
        cols = (donations["frequency"], donations["recency"], donations["periods"])
        alive = np.asarray(peer.conditional_probability_alive(1, *cols))
        expected = np.asarray(peer.conditional_expected_number_of_purchases_up_to_time(5, *cols))
    np.testing.assert_allclose(published.prob_alive(*cols), alive, rtol=1e-10)
    np.testing.assert_allclose(
        published.conditional_expected_purchases(5, *cols), expected, rtol=1e-10
    )


def test_predictions_keep_the_index(donations, published):
    out = published.prob_alive(donations["frequency"], donations["recency"], donations["periods"])
    assert isinstance(out, pd.Series) and out.index.equals(donations.index)
    assert isinstance(published.prob_alive(1, 1, 6), float)
    # Lapsed-looking donors (gave early, then nothing) are less likely alive than loyal ones.
    assert published.prob_alive(1, 1, 6) < published.prob_alive(1, 6, 6)


# -- gradient -------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(np.log(0.05), np.log(20.0)), min_size=4, max_size=4))
def test_analytic_gradient_matches_finite_differences(log_params):
    x = np.array([0, 1, 1, 2, 3, 5, 6, 4.0])
    t_x = np.array([0, 1, 6, 5, 3, 6, 6, 9.0])
    n = np.array([6, 6, 6, 6, 6, 6, 6, 12.0])
    row = _RowLikelihood(x, t_x, n)
    params = np.exp(np.array(log_params))
    _, grad = row.value_and_grad(params)
    h = 1e-6 * params
    numeric = np.column_stack(
        [(row(params + d) - row(params - d)) / (2 * d.sum()) for d in np.diag(h)]
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


# -- recovery -------------------------------------------------------------------------------


def test_recovers_parameters_from_simulated_data():
    truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    data = simulate_bgbb(40_000, **truth, periods=8, seed=11)
    model = BetaGeoBetaBinom().fit(data)
    table = model.summary().table
    # 40,000 customers give log-scale standard errors of 3-8 %; the estimate must lie
    # within 4 standard errors of the truth (a 1-in-15,000 miss per parameter).
    z = (table["log_estimate"] - np.log(pd.Series(truth))) / table["log_std_err"]
    assert (z.abs() < 4).all(), z
    # ... and the simulator's latent state matches the model's P(alive) on average.
    alive = model.prob_alive(data["frequency"], data["recency"], data["periods"])
    theta = data["theta"].to_numpy()
    survive_next = (data["alive"] * (1 - theta)).mean()
    assert float(alive.mean()) == pytest.approx(survive_next, abs=0.01)


# -- robustness and conventions -------------------------------------------------------------


def test_no_transaction_at_all_raises_convergence_error():
    data = pd.DataFrame({"frequency": [0, 0], "recency": [0, 0], "periods": [6, 6]})
    with pytest.raises(ConvergenceError, match="not identified"):
        BetaGeoBetaBinom().fit(data)


def test_flat_likelihood_raises_with_diagnostics():
    # Everybody transacts in every period but one customer: dropout is not identified.
    data = pd.DataFrame({"frequency": [6, 5], "recency": [6, 6], "periods": [6, 6]})
    with pytest.raises(ConvergenceError) as info:
        BetaGeoBetaBinom().fit(data, weights=[1000, 1])
    assert info.value.diagnostics is not None
    assert "Hessian" in str(info.value) or "ran towards" in str(info.value)


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"frequency": [3, 1]}, "frequency"),  # x > t_x
        ({"recency": [7, 1]}, "recency"),  # t_x > n
        ({"periods": [6.5, 6]}, "periods"),  # not whole
        ({"frequency": [0, 1], "recency": [2, 1]}, "recency"),  # x = 0 with t_x > 0
    ],
)
def test_malformed_summary_names_the_column(change, column):
    data = pd.DataFrame({"frequency": [2, 1], "recency": [2, 1], "periods": [6, 6]})
    with pytest.raises(DataValidationError, match=column):
        BetaGeoBetaBinom().fit(data.assign(**change))


def test_missing_column_is_named():
    with pytest.raises(DataValidationError, match="periods"):
        BetaGeoBetaBinom().fit(pd.DataFrame({"frequency": [1], "recency": [1]}))


def test_loader_rejects_another_cohort(tmp_path):
    bad = tmp_path / "donations_1995_cohort.csv"
    bad.write_text("frequency,recency,periods,weights\n0,0,6,10\n1,1,6,5\n")
    with pytest.raises(DataValidationError, match="weights"):
        donations_summary(tmp_path)
    with pytest.raises(FileNotFoundError):
        donations_summary(tmp_path / "nothing.csv")


def test_sklearn_clone_and_params():
    data = simulate_bgbb(2000, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, periods=6, seed=2)
    model = BetaGeoBetaBinom()
    assert model.get_params() == {}
    copy = clone(model)
    assert copy is not model and not hasattr(copy, "params_")
    np.testing.assert_allclose(copy.fit(data).params_, model.fit(data).params_)


def test_dert_rejects_a_non_positive_rate(published):
    with pytest.raises(ValueError, match="discount_rate"):
        published.discounted_expected_residual_transactions(0.0, 1, 1, 6)
