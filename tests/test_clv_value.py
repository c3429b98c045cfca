"""CLV: margin multiple, discounting, intervals from parameter draws, historical value, CLV/CAC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import DataValidationError
from portfolio_lib.clv import (
    BetaGeo,
    GammaGamma,
    ParetoNBD,
    clv_cac_ratio,
    customer_lifetime_value,
    discounted_expected_purchases,
    historical_clv,
    margin_multiple_clv,
    simulate_bgnbd,
    simulate_gamma_gamma_spend,
    simulate_pareto_nbd,
)


# REFERENCE.md "Margin-multiple CLV — Gupta & Lehmann (2005)": m = 100, r = 0.8,
# d = 0.12 -> 250.0 (end of period) and 350.0 (start of period).
def test_margin_multiple_reference_values():
    assert margin_multiple_clv(100, 0.8, 0.12) == pytest.approx(250.0, abs=1e-9)
    assert margin_multiple_clv(100, 0.8, 0.12, timing="start") == pytest.approx(350.0, abs=1e-9)


def test_margin_multiple_rejects_bad_arguments():
    with pytest.raises(ValueError, match="timing"):
        margin_multiple_clv(100, 0.8, 0.12, timing="middle")
    with pytest.raises(ValueError, match="retention_rate"):
        margin_multiple_clv(100, 1.2, 0.12)


def make_customers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = simulate_bgnbd(n, r=0.8, alpha=8.0, a=1.2, b=4.0, T=rng.uniform(20, 60, n), seed=rng)
    data["monetary_value"] = simulate_gamma_gamma_spend(
        data["frequency"], p=6.0, q=3.5, gamma=20.0, seed=rng
    )["monetary_value"]
    return data


@pytest.fixture(scope="module")
def fitted():
    data = make_customers(2000, seed=1)
    return data, BetaGeo().fit(data), GammaGamma().fit(data)


def test_without_discounting_the_steps_add_up_to_the_conditional_expectation(fitted):
    data, purchases, _ = fitted
    sample = data.iloc[:200]
    horizon = 52.5  # the last step is half a week
    disc = discounted_expected_purchases(
        purchases, sample, horizon=horizon, unit="W", annual_discount_rate=0.0
    )
    direct = purchases.conditional_expected_purchases(
        horizon, sample["frequency"], sample["recency"], sample["T"]
    )
    np.testing.assert_allclose(disc.to_numpy(), np.asarray(direct), rtol=1e-10)


def test_discounting_each_week_from_its_end(fitted):
    data, purchases, _ = fitted
    row = data.iloc[[5]]
    x, t_x, T = (float(row[c].iloc[0]) for c in ("frequency", "recency", "T"))
    weeks = np.arange(0, 27)
    cumulative = np.array([purchases.conditional_expected_purchases(w, x, t_x, T) for w in weeks])
    factors = 1.10 ** (-weeks[1:] * 7 / 365.25)
    expected = np.sum(np.diff(cumulative) * factors)
    got = discounted_expected_purchases(
        purchases, row, horizon=26, unit="W", annual_discount_rate=0.10
    )
    assert got.iloc[0] == pytest.approx(expected, rel=1e-10)
    assert got.iloc[0] < cumulative[-1]


def test_clv_point_interval_and_reproducibility(fitted):
    data, purchases, spend = fitted
    kwargs = dict(horizon=52, unit="W", annual_discount_rate=0.1, margin=0.3, n_draws=60)
    result = customer_lifetime_value(purchases, spend, data, seed=7, **kwargs)
    assert list(result.table.index) == list(data.index)
    expected_point = (
        0.3
        * spend.conditional_expected_spend(data["frequency"], data["monetary_value"])
        * discounted_expected_purchases(
            purchases, data, horizon=52, unit="W", annual_discount_rate=0.1
        )
    )
    np.testing.assert_allclose(result["clv"], expected_point, rtol=1e-10)
    assert (result["clv_low"] <= result["clv"]).all()
    assert (result["clv"] <= result["clv_high"]).all()
    assert (result["clv_high"] > result["clv_low"]).mean() > 0.99
    again = customer_lifetime_value(purchases, spend, data, seed=7, **kwargs)
    pd.testing.assert_frame_equal(result.table, again.table)
    assert result.n_draws_used <= 60 and result.n_draws == 60


def test_more_customers_give_narrower_intervals():
    widths = []
    for n in (600, 6000):
        data = make_customers(n, seed=n)
        result = customer_lifetime_value(
            BetaGeo().fit(data),
            GammaGamma().fit(data),
            data.iloc[:300],
            horizon=52,
            unit="W",
            annual_discount_rate=0.1,
            n_draws=80,
            seed=0,
        )
        widths.append(np.median((result["clv_high"] - result["clv_low"]) / result["clv"]))
    assert widths[1] < widths[0]


def test_works_with_pareto_nbd(fitted):
    _, _, spend = fitted
    rng = np.random.default_rng(9)
    data = simulate_pareto_nbd(
        2000, r=0.55, alpha=10.6, s=0.6, beta=11.7, T=rng.uniform(20, 60, 2000), seed=rng
    )
    data["monetary_value"] = simulate_gamma_gamma_spend(
        data["frequency"], p=6.0, q=3.5, gamma=20.0, seed=rng
    )["monetary_value"]
    sample = data.iloc[:100]
    pareto = ParetoNBD().fit(data)
    result = customer_lifetime_value(
        pareto, spend, sample, horizon=26, unit="W", annual_discount_rate=0.1, n_draws=30, seed=1
    )
    assert np.isfinite(result.table.to_numpy()).all() and (result["clv"] >= 0).all()
    assert result.purchase_model_name == "Pareto/NBD"


def test_unit_must_match_the_fitted_summary():
    tx = pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(60), 3),
            "date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(np.tile([0, 10, 40], 60) + np.repeat(np.arange(60) % 9, 3), "D"),
            "amount": 10.0 + np.arange(180) % 7,
        }
    )
    from portfolio_lib.clv import summary_from_transactions

    summary = summary_from_transactions(tx, observation_end="2024-03-31", unit="D")
    model = BetaGeo.from_params({"r": 1, "alpha": 10, "a": 1, "b": 3})
    model.unit_ = summary.attrs["unit"]
    spend = GammaGamma.from_params({"p": 6, "q": 3.5, "gamma": 20})
    with pytest.raises(ValueError, match="unit"):
        discounted_expected_purchases(model, summary, horizon=4, unit="W", annual_discount_rate=0)
    with pytest.raises(RuntimeError, match="covariance"):
        customer_lifetime_value(
            model, spend, summary, horizon=30, unit="D", annual_discount_rate=0.1
        )


def test_missing_monetary_value_is_named(fitted):
    data, purchases, spend = fitted
    with pytest.raises(DataValidationError, match="monetary_value"):
        customer_lifetime_value(
            purchases,
            spend,
            data.drop(columns="monetary_value"),
            horizon=52,
            unit="W",
            annual_discount_rate=0.1,
        )


def test_historical_clv_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b"],
            "date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-05", "2024-04-01"],
            "amount": [100.0, -20.0, 50.0, 40.0, 60.0],
        }
    )
    full = historical_clv(tx, margin=0.25)
    assert full.to_dict() == {"a": pytest.approx(32.5), "b": pytest.approx(25.0)}
    early = historical_clv(tx, margin=0.25, observation_end="2024-02-15")
    assert early.to_dict() == {"a": pytest.approx(20.0), "b": pytest.approx(10.0)}
    with pytest.raises(DataValidationError, match="amount"):
        historical_clv(tx.drop(columns="amount"))


def test_clv_cac_ratio_by_hand_and_bad_costs():
    clv = pd.Series({"a": 300.0, "b": 50.0})
    ratio = clv_cac_ratio(clv, pd.Series({"a": 100.0, "b": 100.0}))
    assert ratio.to_dict() == {"a": 3.0, "b": 0.5}
    with pytest.raises(DataValidationError, match="acquisition_cost"):
        clv_cac_ratio(clv, pd.Series({"a": 100.0, "b": 0.0}))
    with pytest.raises(DataValidationError, match="acquisition_cost"):
        clv_cac_ratio(clv, pd.Series({"a": 100.0}))


def test_a_non_finite_parameter_draw_is_dropped_not_spread_to_every_interval(fitted, monkeypatch):
    data, purchases, spend = fitted
    honest = purchases.sample_params

    def one_overflowing_draw(n, seed=None):
        draws = honest(n, seed=seed)
        draws.iloc[0, draws.columns.get_loc("a")] = np.inf  # a tail draw that overflows
        return draws

    monkeypatch.setattr(purchases, "sample_params", one_overflowing_draw)
    result = customer_lifetime_value(
        purchases, spend, data, horizon=52, unit="W", annual_discount_rate=0.1, n_draws=40, seed=3
    )
    assert np.isfinite(result[["clv_low", "clv_high"]]).all().all()
    assert (result["clv_low"] <= result["clv"]).all() and (
        result["clv"] <= result["clv_high"]
    ).all()
    assert result.n_draws_used < 40


# -- the result object ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def clv_result(fitted):
    data, purchases, spend = fitted
    return customer_lifetime_value(
        purchases, spend, data.iloc[:400], horizon=26, unit="W", annual_discount_rate=0.1,
        margin=0.3, step=2.0, interval=0.8, n_draws=50, seed=11,
    )  # fmt: skip


def test_result_carries_the_settings_and_reaches_its_table(clv_result):
    from portfolio_lib.clv import CLVResult

    r = clv_result
    assert isinstance(r, CLVResult) and isinstance(r.table, pd.DataFrame)
    assert (r.horizon, r.unit, r.annual_discount_rate, r.margin) == (26, "W", 0.1, 0.3)
    assert (r.step, r.interval, r.n_draws) == (2.0, 0.8, 50) and 0 < r.n_draws_used <= 50
    assert (r.purchase_model_name, r.spend_model_name) == ("BG/NBD", "Gamma-Gamma")
    assert len(r) == 400 and r["clv"] is not None
    pd.testing.assert_series_equal(r["clv"], r.table["clv"])
    assert list(r[["clv", "clv_low"]].columns) == ["clv", "clv_low"]
    with pytest.raises(TypeError):
        iter(r)
    with pytest.raises(AttributeError):
        r.horizon = 52  # frozen
    # Back compatibility: the table still carries the settings in attrs.
    assert r.table.attrs == {"horizon": 26, "unit": "W", "annual_discount_rate": 0.1,
                             "margin": 0.3, "interval": 0.8, "n_draws_used": r.n_draws_used}  # fmt: skip


def test_the_settings_survive_a_join_because_they_live_on_the_result(clv_result):
    other = pd.DataFrame({"group": "a"}, index=clv_result.table.index)
    joined = other.join(clv_result[["clv", "clv_low", "clv_high"]])
    assert list(joined.columns) == ["group", "clv", "clv_low", "clv_high"]
    assert clv_result.interval == 0.8  # whatever pandas does with attrs on the join


def test_total_clv_interval_comes_from_the_draws_of_the_total(clv_result):
    r = clv_result
    assert r.total_clv == pytest.approx(r["clv"].sum(), rel=1e-12)
    assert r.total_clv_low <= r.total_clv <= r.total_clv_high
    # Per-customer bounds do not move together, so their sums bracket the total's interval.
    assert r["clv_low"].sum() <= r.total_clv_low and r.total_clv_high <= r["clv_high"].sum()


def test_summary_html_and_repr_name_the_numbers(clv_result):
    r = clv_result
    text = str(r.summary())
    assert text.startswith("Customer lifetime value: BG/NBD x Gamma-Gamma")
    assert text.splitlines()[2].split() == ["customers", "400"]
    total = f"{r.total_clv:,.2f} (80% interval {r.total_clv_low:,.2f} to {r.total_clv_high:,.2f})"
    assert total in text
    assert "26 weeks, discounted in steps of 2" in text and "10%" in text
    assert f"{r.n_draws_used} of 50 used" in text
    frame = r.summary().to_frame()
    assert frame.loc["customers", "value"] == "400"
    html = r._repr_html_()
    assert "<table>" in html and "Gamma-Gamma" in html and "clv_high" in html
    assert repr(r).startswith("CLVResult(400 customers, total_clv=")


def test_dataframe_methods_on_the_result_still_work_with_a_future_warning(clv_result):
    with pytest.warns(FutureWarning, match=r"result\.table\.nlargest"):
        top = clv_result.nlargest(3, "clv")
    pd.testing.assert_frame_equal(top, clv_result.table.nlargest(3, "clv"))
    with pytest.raises(AttributeError):
        clv_result.no_such_attribute  # noqa: B018


def test_the_documented_examples_hold():
    import doctest

    import portfolio_lib._results
    import portfolio_lib.clv.value

    for module in (portfolio_lib.clv.value, portfolio_lib._results):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


# -- issue 16: the fast interval path equals the direct computation draw by draw ----------------
@pytest.mark.parametrize("purchase_model", [BetaGeo, ParetoNBD])
@pytest.mark.parametrize("per_customer_rate", [False, True])
def test_intervals_equal_the_quantiles_of_clv_recomputed_draw_by_draw(
    fitted, monkeypatch, purchase_model, per_customer_rate
):
    """Blocks, per-value tables, the spend table and the row sort give the numbers of the plain
    definition: for each draw, margin x spend x discounted purchases from models built with
    that draw's parameters; then np.quantile per customer and of the totals."""
    import portfolio_lib.clv.value as value

    data, _, spend = fitted
    data = pd.concat([data.iloc[:250], data.iloc[:40]], ignore_index=True)  # repeated customers
    data["T"] = data["T"].round(0)  # shared (x, T) rows
    data["recency"] = np.minimum(data["recency"].round(1), data["T"])
    purchases = purchase_model(prior_sd=2.0).fit(data)
    rate = (
        pd.Series(np.where(np.arange(len(data)) % 3, 0.05, 0.2), index=data.index)
        if per_customer_rate
        else 0.1
    )
    settings = dict(horizon=26, unit="W", annual_discount_rate=rate, step=2.0)
    monkeypatch.setattr(value, "_CHUNK_CELLS", 30 * 17)  # many blocks
    monkeypatch.setattr(value, "_SPEND_CELLS", 0 if per_customer_rate else 10**9)
    got = customer_lifetime_value(
        purchases, spend, data, margin=0.3, interval=0.8, n_draws=30, seed=5, **settings
    )
    rng = np.random.default_rng(5)
    p_draws = purchases.sample_params(30, seed=rng)
    s_draws = spend.sample_params(30, seed=rng)
    keep = s_draws["q"].to_numpy() > 1
    rows = []
    for (_, p), (_, s) in zip(p_draws[keep].iterrows(), s_draws[keep].iterrows(), strict=True):
        disc = discounted_expected_purchases(
            purchase_model.from_params(p.to_dict()), data, **settings
        )
        mean = GammaGamma.from_params(s.to_dict()).conditional_expected_spend(
            data["frequency"], data["monetary_value"]
        )
        rows.append(0.3 * mean.to_numpy() * disc.to_numpy())
    draws = np.array(rows)
    low, high = np.quantile(draws, [0.1, 0.9], axis=0)
    point = got["clv"].to_numpy()
    np.testing.assert_allclose(got["clv_low"], np.minimum(low, point), rtol=1e-12)
    np.testing.assert_allclose(got["clv_high"], np.maximum(high, point), rtol=1e-12)
    total_low, total_high = np.quantile(draws.sum(axis=1), [0.1, 0.9])
    assert got.total_clv_low == pytest.approx(min(total_low, got.total_clv), rel=1e-12)
    assert got.total_clv_high == pytest.approx(max(total_high, got.total_clv), rel=1e-12)
    assert got.n_draws_used == keep.sum()
