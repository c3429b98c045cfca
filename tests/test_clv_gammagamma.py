"""Gamma-Gamma spend model: published CDNOW fit, zbar summary, recovery, independence check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr

from portfolio_lib import DataValidationError
from portfolio_lib.clv import GammaGamma, simulate_gamma_gamma_spend, summary_from_transactions


def papers_summary(folder) -> pd.DataFrame:
    frame = pd.read_csv(folder / "cdnow_customers_summary_with_transactions.csv")
    return frame.rename(
        columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"}
    ).set_index("ID")


# REFERENCE.md "Gamma-Gamma — Fader, Hardie & Lee (2005b)": 946 repeat buyers,
# p = 6.25, q = 3.74, gamma = 15.44 (1 %).
def test_cdnow_parameters(cdnow_home):
    model = GammaGamma().fit(papers_summary(cdnow_home))
    assert model.n_obs_ == 946
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert model.params_[name] == pytest.approx(value, rel=0.01), name
    assert model.summary().n_obs == 946


# REFERENCE.md "Gamma-Gamma": summary of zbar: mean 35, sd 30, median 27 (rounded dollars).
# Computed from the transactions (the file's zbar is rounded to cents, which moves the
# median from 27.4975 to 27.50).
def test_cdnow_zbar_summary(cdnow_home):
    raw = pd.read_csv(
        cdnow_home / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "quantity", "amount"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    summary = summary_from_transactions(
        raw, observation_end="1997-09-30", unit="W", late="drop"
    )  # the calibration period of the longer log
    zbar = summary.query("frequency > 0")["monetary_value"]
    assert len(zbar) == 946
    assert round(zbar.mean()) == 35
    assert round(zbar.std()) == 30
    assert round(zbar.median()) == 27


def test_independence_check_reports_the_correlation(cdnow_home):
    data = papers_summary(cdnow_home)
    model = GammaGamma().fit(data)
    repeaters = data[data["frequency"] > 0]
    expected = pearsonr(repeaters["frequency"], repeaters["monetary_value"]).statistic
    assert model.independence_.pearson_r == pytest.approx(expected)
    assert model.independence_.n_customers == 946
    assert model.independence_.looks_independent


def test_warns_when_spend_depends_on_frequency():
    rng = np.random.default_rng(0)
    x = pd.Series(rng.integers(1, 15, 1000))
    data = simulate_gamma_gamma_spend(x, p=6, q=3.5, gamma=20, seed=rng)
    data["frequency"] = x
    data["monetary_value"] *= 0.3 + 0.25 * x  # frequent buyers spend more per purchase
    with pytest.warns(UserWarning, match="correlated"):
        model = GammaGamma().fit(data)
    assert not model.independence_.looks_independent


def test_conditional_expected_spend_is_the_weighted_average():
    p, q, gamma = 6.25, 3.74, 15.44
    model = GammaGamma.from_params({"p": p, "q": q, "gamma": gamma})
    population = p * gamma / (q - 1)
    x, zbar = 4, 50.0
    weight = p * x / (p * x + q - 1)
    assert model.conditional_expected_spend(x, zbar) == pytest.approx(
        (1 - weight) * population + weight * zbar
    )
    assert model.conditional_expected_spend(0, 0.0) == pytest.approx(population)
    assert model.population_mean_spend() == pytest.approx(population)


# Recovery: 5000 customers with 1..10 repeat purchases, true p = 6, q = 3.5,
# gamma = 20. Tolerance: within 3 log-scale standard errors and 20 %.
def test_recovers_simulated_parameters():
    rng = np.random.default_rng(11)
    freq = pd.Series(rng.integers(1, 11, 5000))
    truth = {"p": 6.0, "q": 3.5, "gamma": 20.0}
    data = simulate_gamma_gamma_spend(freq, **truth, seed=rng)
    data["frequency"] = freq
    model = GammaGamma().fit(data)
    table = model.summary().table
    for name, value in truth.items():
        gap = abs(np.log(table.loc[name, "estimate"] / value))
        assert gap < 3 * table.loc[name, "log_std_err"], name
        assert table.loc[name, "estimate"] == pytest.approx(value, rel=0.2), name


def test_bad_input_names_the_column():
    with pytest.raises(DataValidationError, match="monetary_value"):
        GammaGamma().fit(pd.DataFrame({"frequency": [1, 2]}))
    with pytest.raises(DataValidationError, match="monetary_value"):
        GammaGamma().fit(pd.DataFrame({"frequency": [1, 2], "monetary_value": [0.0, 3.0]}))
    with pytest.raises(DataValidationError, match="frequency"):
        GammaGamma().fit(pd.DataFrame({"frequency": [0, 0], "monetary_value": [0.0, 0.0]}))
