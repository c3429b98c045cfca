"""Key-driver analysis: dominance weights, standardised OLS, ordered logit, importance–performance."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.satisfaction import (
    MAX_DOMINANCE_DRIVERS,
    dominance_weights,
    driver_analysis,
    importance_performance,
    ordered_logit,
)


def r_squared(x: np.ndarray, y: np.ndarray) -> float:
    """R² of OLS of y on x (with intercept), by least squares on the data."""
    if x.shape[1] == 0:
        return 0.0
    design = np.column_stack([np.ones(len(y)), x])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    residual = y - design @ coef
    return 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


def shapley_by_permutations(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Average marginal R² contribution over all orderings of the predictors."""
    p = x.shape[1]
    total = np.zeros(p)
    orders = list(itertools.permutations(range(p)))
    for order in orders:
        included: list[int] = []
        for j in order:
            before = r_squared(x[:, included], y)
            included.append(j)
            total[j] += r_squared(x[:, included], y) - before
    return total / len(orders)


def correlated_data(seed: int, n: int = 400, weights=(0.6, 0.4, 0.2, 0.1)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = 0.7 * common + rng.normal(size=(n, len(weights)))
    y = x @ np.array(weights) + rng.normal(size=n)
    frame = pd.DataFrame(x, columns=[f"d{j}" for j in range(len(weights))])
    frame["y"] = y
    return frame


def test_dominance_equals_shapley_by_permutation():
    df = correlated_data(1)
    drivers = ["d0", "d1", "d2", "d3"]
    result = driver_analysis(df, "y", drivers)
    expected = shapley_by_permutations(df[drivers].to_numpy(), df["y"].to_numpy())
    got = result.importance.loc[drivers, "general_dominance"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    assert result.r_squared == pytest.approx(r_squared(df[drivers].to_numpy(), df["y"].to_numpy()))
    assert result.importance["share"].sum() == pytest.approx(1.0)
    assert list(result.importance.index) == drivers  # true weights are ordered d0 > ... > d3
    assert result.importance["rank"].tolist() == [1, 2, 3, 4]


def test_orthogonal_drivers_get_their_squared_correlation():
    rng = np.random.default_rng(0)
    # columns orthogonal to the constant and to each other: exactly centred and uncorrelated
    x, _ = np.linalg.qr(np.column_stack([np.ones(200), rng.normal(size=(200, 3))]))
    x1, x2 = x[:, 1], x[:, 2]
    y = 3 * x1 + 1 * x2 + 0.5 * x[:, 3]
    weights = dominance_weights(np.corrcoef(np.column_stack([x1, x2, y]), rowvar=False))
    r = np.corrcoef(np.column_stack([x1, x2, y]), rowvar=False)[:2, 2]
    np.testing.assert_allclose(weights, r**2, atol=1e-12)
    df = pd.DataFrame({"a": x1, "b": x2, "y": y})
    result = driver_analysis(df, "y", ["a", "b"])
    assert bool(result.complete_dominance.loc["a", "b"])
    assert not bool(result.complete_dominance.loc["b", "a"])


def test_standardised_betas_and_vif_by_hand():
    df = correlated_data(2, n=300)
    drivers = ["d0", "d1", "d2", "d3"]
    result = driver_analysis(df, "y", drivers, cov_type="nonrobust")
    x, y = df[drivers].to_numpy(), df["y"].to_numpy()
    raw = np.linalg.lstsq(np.column_stack([np.ones(len(y)), x]), y, rcond=None)[0][1:]
    betas = raw * x.std(axis=0, ddof=1) / y.std(ddof=1)
    np.testing.assert_allclose(result.coefficients.loc[drivers, "beta"], betas, rtol=1e-9)
    np.testing.assert_allclose(result.coefficients.loc[drivers, "coef"], raw, rtol=1e-9)
    for j, name in enumerate(drivers):
        r2_j = r_squared(np.delete(x, j, axis=1), x[:, j])
        assert result.vif[name] == pytest.approx(1 / (1 - r2_j))
    n, p = len(y), len(drivers)
    assert result.adj_r_squared == pytest.approx(1 - (1 - result.r_squared) * (n - 1) / (n - p - 1))
    coef = result.coefficients
    assert ((coef["ci_low"] < coef["beta"]) & (coef["beta"] < coef["ci_high"])).all()


def test_conditional_dominance_rows_average_to_general():
    result = driver_analysis(correlated_data(3), "y", ["d0", "d1", "d2", "d3"])
    general = result.conditional_dominance.mean(axis=1)
    np.testing.assert_allclose(
        general.loc[result.importance.index], result.importance["general_dominance"]
    )
    # with nothing else in the model, a driver adds its squared correlation with the outcome
    df = correlated_data(3)
    r = df.corr().loc[["d0", "d1", "d2", "d3"], "y"]
    np.testing.assert_allclose(result.conditional_dominance[0], r**2, rtol=1e-9)


def test_bootstrap_intervals_are_reproducible():
    df = correlated_data(4, n=200)
    drivers = ["d0", "d1", "d2"]
    a = driver_analysis(df, "y", drivers, n_boot=100, seed=3)
    b = driver_analysis(df, "y", drivers, n_boot=100, seed=3)
    pd.testing.assert_frame_equal(a.importance, b.importance)
    imp = a.importance
    assert (
        (imp["ci_low"] <= imp["general_dominance"]) & (imp["general_dominance"] <= imp["ci_high"])
    ).all()
    assert imp["rank_stability"].between(0, 1).all()


@settings(max_examples=30, deadline=None)
@given(
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=0, max_value=10_000),
)
def test_dominance_shares_sum_to_r_squared_property(p, seed):
    rng = np.random.default_rng(seed)
    n = 40
    x = rng.normal(size=(n, p)) + rng.normal(size=(n, 1)) * rng.uniform(0, 1.5)
    y = x @ rng.normal(size=p) + rng.normal(size=n) * rng.uniform(0.1, 3)
    df = pd.DataFrame(x, columns=[f"x{j}" for j in range(p)]).assign(y=y)
    result = driver_analysis(df, "y", [f"x{j}" for j in range(p)])
    assert result.importance["general_dominance"].sum() == pytest.approx(result.r_squared)
    assert 0 <= result.r_squared <= 1
    assert result.r_squared == pytest.approx(r_squared(x, y))


def test_too_many_drivers_refused():
    rng = np.random.default_rng(0)
    p = MAX_DOMINANCE_DRIVERS + 1
    df = pd.DataFrame(rng.normal(size=(100, p + 1)), columns=[f"x{j}" for j in range(p)] + ["y"])
    with pytest.raises(ValueError, match=rf"{p} drivers.*limit {MAX_DOMINANCE_DRIVERS}"):
        driver_analysis(df, "y", [f"x{j}" for j in range(p)])
    corr = np.eye(p + 1)
    with pytest.raises(ValueError, match="at most"):
        dominance_weights(corr)


def test_driver_analysis_bad_input_names_column():
    df = correlated_data(5, n=50)
    with pytest.raises(DataValidationError, match=r"missing required column.*'nope'"):
        driver_analysis(df, "y", ["d0", "nope"])
    with pytest.raises(DataValidationError, match="column d1.*missing"):
        driver_analysis(
            df.assign(d1=np.where(np.arange(50) == 3, np.nan, df["d1"])), "y", ["d0", "d1"]
        )
    dropped = driver_analysis(
        df.assign(d1=np.where(np.arange(50) == 3, np.nan, df["d1"])),
        "y",
        ["d0", "d1"],
        missing="drop",
    )
    assert (dropped.n, dropped.n_dropped) == (49, 1)
    with pytest.raises(DataValidationError, match=r"\['d2'\] do not vary"):
        driver_analysis(df.assign(d2=4.0), "y", ["d0", "d2"])
    with pytest.raises(DataValidationError, match=r"column d0.*'good'"):
        driver_analysis(df.assign(d0=["good"] + [1.0] * 49), "y", ["d0"])
    with pytest.raises(ValueError, match="also listed"):
        driver_analysis(df, "y", ["y", "d0"])


# --- ordered logit ---------------------------------------------------------------------------


def test_ordered_logit_recovers_parameters():
    rng = np.random.default_rng(8)
    n = 3000
    x = rng.integers(1, 6, size=(n, 2)).astype(float)
    latent = 1.0 * x[:, 0] - 0.5 * x[:, 1] + rng.logistic(size=n)
    cuts = np.array([0.0, 1.5, 3.0])
    y = 1 + np.searchsorted(cuts, latent)  # levels 1..4
    df = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": y})
    result = ordered_logit(df, "y", ["a", "b"])
    coef = result.coefficients
    assert result.converged and result.levels == (1, 2, 3, 4)
    # recovery within 3 standard errors (SEs here are about 0.03)
    assert abs(coef.loc["a", "coef"] - 1.0) < 3 * coef.loc["a", "se"]
    assert abs(coef.loc["b", "coef"] + 0.5) < 3 * coef.loc["b", "se"]
    np.testing.assert_allclose(result.thresholds.to_numpy(), cuts, atol=0.25)
    assert coef.loc["a", "odds_ratio"] == pytest.approx(math.exp(coef.loc["a", "coef"]))
    assert 0 < result.pseudo_r_squared < 1


def test_ordered_logit_bad_outcome():
    df = pd.DataFrame({"x": [1, 2, 3, 4, 5, 1, 2, 3], "y": [1, 2, 1, 2, 1, 2, 1, 2]})
    with pytest.raises(DataValidationError, match="at least 3"):
        ordered_logit(df, "y", ["x"])
    with pytest.raises(DataValidationError, match="whole-number"):
        ordered_logit(df.assign(y=df["y"] + 0.5 * (df["x"] > 2)), "y", ["x"])


# --- importance–performance ------------------------------------------------------------------


def test_importance_performance_quadrants():
    df = pd.DataFrame(
        {
            "hi_imp_lo_perf": [1, 2, 2, 1],
            "hi_imp_hi_perf": [5, 5, 4, 5],
            "lo_imp_lo_perf": [2, 1, 2, 2],
            "lo_imp_hi_perf": [4, 5, 5, 4],
        }
    )
    importance = pd.Series(
        {
            "hi_imp_lo_perf": 0.4,
            "hi_imp_hi_perf": 0.35,
            "lo_imp_lo_perf": 0.1,
            "lo_imp_hi_perf": 0.15,
        }
    )
    ipm = importance_performance(df, importance)
    quadrant = ipm.table["quadrant"]
    assert quadrant["hi_imp_lo_perf"] == "concentrate here"
    assert quadrant["hi_imp_hi_perf"] == "keep up the good work"
    assert quadrant["lo_imp_lo_perf"] == "low priority"
    assert quadrant["lo_imp_hi_perf"] == "possible overkill"
    assert ipm.table.index[0] == "hi_imp_lo_perf"
    assert ipm.importance_cut == pytest.approx(0.25)
    assert ipm.performance_cut == pytest.approx(df.mean().mean())
    assert ipm.table.loc["hi_imp_hi_perf", "performance"] == pytest.approx(4.75)
    top = importance_performance(df, importance, performance="top_box")
    assert top.table.loc["hi_imp_hi_perf", "performance"] == pytest.approx(1.0)
    assert top.table.loc["hi_imp_lo_perf", "performance"] == pytest.approx(0.0)


def test_importance_performance_from_driver_result():
    df = correlated_data(6)
    result = driver_analysis(df, "y", ["d0", "d1", "d2", "d3"])
    ipm = importance_performance(df, result)
    np.testing.assert_allclose(
        ipm.table.loc[result.importance.index, "importance"], result.importance["share"]
    )
    assert "share of R²" in ipm.importance_label
    with pytest.raises(DataValidationError, match="missing"):
        importance_performance(df.assign(d0=np.nan), result)
