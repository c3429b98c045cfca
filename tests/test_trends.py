"""Trends: KPIs per period, forecasts with intervals, backtests, BG/NBD repeat-purchase projection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.clv import BetaGeo, calibration_holdout
from portfolio_lib.datasets import load_sample
from portfolio_lib.satisfaction import nps_by
from portfolio_lib.simulate import simulate_crm
from portfolio_lib.trends import (
    forecast_backtest,
    forecast_kpi,
    period_kpis,
    repeat_purchase_projection,
)


def col(name: str) -> str:
    """Regex: an error message that names column ``name`` (quoted or not)."""
    return rf"column(\(s\))? \[?'?{name}\b"


@pytest.fixture(scope="module")
def crm():
    return load_sample()


@pytest.fixture(scope="module")
def monthly(crm):
    return period_kpis(crm.transactions, crm.surveys, observation_end=crm.observation_end)


# ------------------------------------------------------------------------------- KPIs
def test_period_kpis_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b"],
            "date": pd.to_datetime(
                ["2024-01-03", "2024-01-03", "2024-02-10", "2024-02-11", "2024-02-20"]
            ),
            "amount": [10.0, 5.0, 7.0, 4.0, -4.0],
            "is_return": [False, False, False, False, True],
        }
    )
    surveys = pd.DataFrame(
        {"date": pd.to_datetime(["2024-02-01", "2024-02-02", "2024-02-03"]), "nps": [10, 9, 3]}
    )
    k = period_kpis(tx, surveys, observation_end="2024-02-25")
    assert [str(p) for p in k.index] == ["2024-01", "2024-02"]
    assert k["active_customers"].tolist() == [1, 2]
    assert k["new_customers"].tolist() == [1, 1]
    assert k["purchases"].tolist() == [1, 2]  # two rows on one day are one occasion
    assert k["revenue"].tolist() == [15.0, 7.0]  # the return is subtracted
    assert k["complete"].tolist() == [True, False]  # February ends after the 25th
    assert np.isnan(k.loc[pd.Period("2024-01", "M"), "nps"])
    assert k["nps"].iloc[1] == pytest.approx(100 * (2 / 3 - 1 / 3))
    assert k["nps_responses"].tolist() == [0, 3]


def test_period_kpis_on_sample(crm, monthly):
    assert len(monthly) == 24 and monthly["complete"].all()
    assert monthly["new_customers"].sum() == len(crm.customers)
    assert monthly["revenue"].sum() == pytest.approx(crm.transactions["amount"].sum())
    assert (monthly["active_customers"] <= monthly["new_customers"].cumsum()).all()
    # quarterly NPS agrees with the satisfaction module's NPS per quarter
    quarterly = period_kpis(crm.transactions, crm.surveys, unit="Q")
    surveys = crm.surveys.assign(quarter=crm.surveys["date"].dt.to_period("Q"))
    reference = nps_by(surveys, "quarter")
    np.testing.assert_allclose(quarterly["nps"].to_numpy(), reference.table["nps"].to_numpy())
    weekly = period_kpis(crm.transactions, unit="W")
    assert weekly["purchases"].sum() == monthly["purchases"].sum()


# ------------------------------------------------------------------------------- forecasts
def test_forecast_continues_the_index(monthly):
    f = forecast_kpi(monthly["active_customers"], horizon=3)
    assert [str(p) for p in f.forecast.index] == ["2025-01", "2025-02", "2025-03"]
    assert f.method == "ETS(A,Ad,N)" and "24 observations" in f.note
    assert (f.forecast["low"] < f.forecast["mean"]).all()
    assert (f.forecast["mean"] < f.forecast["high"]).all()
    width = f.forecast["high"] - f.forecast["low"]
    assert width.is_monotonic_increasing  # uncertainty grows with the horizon
    dated = monthly["revenue"].copy()
    dated.index = pd.date_range("2023-01-01", periods=24, freq="MS")
    g = forecast_kpi(dated, horizon=2, method="arima")
    assert list(g.forecast.index) == list(pd.to_datetime(["2025-01-01", "2025-02-01"]))
    assert g.method == "ARIMA(0, 1, 1)" and len(g.fitted) == 24
    plain = forecast_kpi(monthly["revenue"].reset_index(drop=True), horizon=2, trend=False)
    assert list(plain.forecast.index) == [24, 25] and plain.method == "ETS(A,N,N)"


def test_ets_interval_covers_about_as_promised():
    """90 % one-step intervals of a level model around a constant with noise."""
    rng = np.random.default_rng(0)
    covered = []
    for _ in range(30):
        y = pd.Series(100 + rng.normal(0, 5, 30))
        f = forecast_kpi(y.iloc[:-1], horizon=1, trend=False, confidence=0.9)
        covered.append(f.forecast["low"].iloc[0] < y.iloc[-1] < f.forecast["high"].iloc[0])
    assert 0.75 <= np.mean(covered) <= 1.0


def test_arima_interval_covers_about_as_promised():
    """90 % one-step intervals of a random walk (ARIMA(0, 1, 0) is the true model)."""
    rng = np.random.default_rng(1)
    covered, width = [], []
    for _ in range(60):
        y = pd.Series(np.cumsum(rng.normal(0, 5, 40)))
        f = forecast_kpi(y.iloc[:-1], horizon=1, method="arima", order=(0, 1, 0))
        covered.append(f.forecast["low"].iloc[0] < y.iloc[-1] < f.forecast["high"].iloc[0])
        width.append(f.forecast["high"].iloc[0] - f.forecast["low"].iloc[0])
    assert 0.8 <= np.mean(covered) <= 0.98
    # the true 90 % width is 2 x 1.645 x 5 = 16.4
    assert np.mean(width) == pytest.approx(16.45, rel=0.12)


def test_backtest(monthly):
    bt = forecast_backtest(monthly["active_customers"], holdout=6)
    assert len(bt) == 6 and list(bt.table.index) == list(monthly.index[-6:])
    assert bt["actual"].tolist() == monthly["active_customers"].iloc[-6:].astype(float).tolist()
    assert bt.mae == pytest.approx(bt["error"].abs().mean())
    assert bt.coverage == pytest.approx(bt["inside"].mean())
    assert bt.mape == pytest.approx(100 * (bt["error"].abs() / bt["actual"]).mean())
    assert bt.mape < 25  # measured about 10 %
    assert bt.method.startswith("ETS") and bt.confidence == 0.9  # forecast_kpi's default


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=8, max_size=20), st.integers(1, 4))
def test_forecast_invariants(values, horizon):
    series = pd.Series(values, dtype=float)
    f = forecast_kpi(series, horizon=horizon, method="arima")
    assert len(f.forecast) == horizon and f.forecast.notna().all().all()
    assert (f.forecast["low"] <= f.forecast["mean"] + 1e-6).all()
    assert (f.forecast["mean"] <= f.forecast["high"] + 1e-6).all()


def test_forecast_bad_inputs(monthly):
    gap = monthly["revenue"].copy()
    gap.iloc[3] = np.nan
    with pytest.raises(DataValidationError, match=col("revenue")):
        forecast_kpi(gap, horizon=2)
    with pytest.raises(DataValidationError, match="at least 6"):
        forecast_kpi(monthly["revenue"].iloc[:4], horizon=2)
    with pytest.raises(ValueError, match="horizon"):
        forecast_kpi(monthly["revenue"], horizon=0)
    with pytest.raises(ValueError, match="method"):
        forecast_kpi(monthly["revenue"], horizon=2, method="prophet")
    with pytest.raises(DataValidationError, match="Series"):
        forecast_kpi(monthly["revenue"].to_numpy(), horizon=2)
    with pytest.raises(ValueError, match="holdout"):
        forecast_backtest(monthly["revenue"], holdout=24)


def test_period_kpis_bad_inputs(crm):
    with pytest.raises(DataValidationError, match=col("date")):
        period_kpis(crm.transactions.drop(columns="date"))
    with pytest.raises(DataValidationError, match=col("nps")):
        period_kpis(crm.transactions, crm.surveys.assign(nps=12))
    with pytest.raises(DataValidationError, match=col("date")):
        period_kpis(crm.transactions, observation_end="2024-06-30")
    with pytest.raises(ValueError, match="unit"):
        period_kpis(crm.transactions, unit="D")


# ------------------------------------------------------------------------------- BG/NBD projection
@pytest.fixture(scope="module")
def crm_without_programme():
    """The sample company's seed and size with the loyalty programme's effect switched off:
    every customer's purchases then follow BG/NBD (the programme raises members' rates
    mid-life, which BG/NBD's constant rate cannot describe)."""
    return simulate_crm(n_customers=3000, seed=42, params={"loyalty": {"effect": 0.0}})


def _projection(transactions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, BetaGeo]:
    cal = calibration_holdout(
        transactions, calibration_end="2024-06-30", observation_end="2024-12-29", late="drop"
    )
    model = BetaGeo().fit(cal)
    proj = repeat_purchase_projection(model, cal, horizon=26, step=13, n_draws=60, seed=0)
    return cal, proj, model


def test_projection_matches_the_holdout(crm_without_programme):
    """Recovery: BG/NBD fitted on 2023-01..2024-06 projects the second half of 2024 on data
    that follow the model (the programme's effect off).

    The simulator's seasonality makes July-December about 3 % busier than an average
    half-year, which the model (no seasonality) does not know.
    """
    cal, proj, model = _projection(crm_without_programme.transactions)
    assert proj["t"].tolist() == [13.0, 26.0]
    assert proj["date"].iloc[-1] == pd.Timestamp("2024-12-29")
    actual = cal["frequency_holdout"].sum()
    assert proj["expected_repeat_purchases"].iloc[-1] == pytest.approx(actual, rel=0.06)
    assert (proj["low"] < proj["expected_repeat_purchases"]).all()
    assert (proj["expected_repeat_purchases"] < proj["high"]).all()
    direct = model.conditional_expected_purchases(26.0, cal["frequency"], cal["recency"], cal["T"])
    assert proj["expected_repeat_purchases"].iloc[-1] == pytest.approx(float(np.sum(direct)))


def test_projection_falls_short_where_a_programme_lifts_purchases(crm, crm_without_programme):
    """On the bundled data the loyalty programme multiplies members' purchase rate after
    enrolment, so a BG/NBD fitted before the holdout projects fewer purchases than happen,
    and further below than on the same company without the programme."""
    cal, proj, _ = _projection(crm.transactions)
    shortfall = proj["expected_repeat_purchases"].iloc[-1] / cal["frequency_holdout"].sum()
    cal_0, proj_0, _ = _projection(crm_without_programme.transactions)
    shortfall_0 = proj_0["expected_repeat_purchases"].iloc[-1] / cal_0["frequency_holdout"].sum()
    assert shortfall < 1 and shortfall < shortfall_0


def test_projection_bad_inputs(crm):
    cal = calibration_holdout(
        crm.transactions, calibration_end="2024-06-30", observation_end="2024-12-29", late="drop"
    )
    with pytest.raises(TypeError, match="purchase model"):
        repeat_purchase_projection(object(), cal, horizon=4)
    with pytest.raises(DataValidationError, match=col("recency")):
        repeat_purchase_projection(BetaGeo().fit(cal), cal.drop(columns="recency"), horizon=4)
    with pytest.raises(ValueError, match="step"):
        repeat_purchase_projection(BetaGeo().fit(cal), cal, horizon=4, step=8)
