"""Chapter 6 figures: each takes a computed result, draws it, and returns the Axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from portfolio_lib.acquisition import acquisition_economics
from portfolio_lib.campaigns import ab_test, uplift_by_segment
from portfolio_lib.churn import (
    ChurnFeatures,
    ChurnLogit,
    calibration_table,
    compare_scores,
    gains_table,
)
from portfolio_lib.cross_sell import category_matrix, white_space
from portfolio_lib.plotting.strategy import (
    plot_ab_test,
    plot_acquisition,
    plot_auc_comparison,
    plot_calibration,
    plot_category_matrix,
    plot_forecast,
    plot_gains,
    plot_lift,
    plot_odds_ratios,
    plot_projection,
    plot_uplift_by_segment,
    plot_white_space,
)
from portfolio_lib.trends import forecast_kpi


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(0)
    y = pd.Series(rng.random(300) < 0.4)
    good = pd.Series(1 / (1 + np.exp(-(2 * y - 1 + rng.normal(0, 1, 300)))))
    weak = pd.Series(rng.random(300))
    return y, good, weak


@pytest.fixture(scope="module")
def ab():
    rng = np.random.default_rng(1)
    n = 120
    contacts = pd.DataFrame(
        {
            "campaign_id": "X",
            "customer_id": [f"c{i}" for i in range(n)],
            "arm": ["treatment", "control"] * (n // 2),
            "contact_date": pd.Timestamp("2024-03-01"),
        }
    )
    buyers = contacts.loc[rng.random(n) < np.where(contacts["arm"] == "treatment", 0.4, 0.2)]
    tx = pd.DataFrame(
        {"customer_id": buyers["customer_id"], "date": pd.Timestamp("2024-03-05"), "amount": 10.0}
    )
    return ab_test(contacts, tx, campaign_id="X", window_days=14), contacts


def test_churn_plots(scores):
    y, good, weak = scores
    ax = plot_gains({"good": gains_table(y, good), "weak": gains_table(y, weak)})
    assert isinstance(ax, Axes) and len(ax.lines) == 3  # random line + two models
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["random", "good", "weak"]
    gains = gains_table(y, good)
    ax = plot_lift(gains)
    assert [p.get_height() for p in ax.patches] == pytest.approx(gains["lift"].tolist())
    _, given = plt.subplots()
    assert plot_calibration(calibration_table(y, good), ax=given) is given
    table = compare_scores(y, {"weak": weak, "good": good})
    ax = plot_auc_comparison(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["weak", "good"]


def test_odds_ratio_plot_takes_model_or_table():
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"recency_days": rng.integers(1, 300, 500).astype(float),
                      "complaints_last": rng.poisson(0.5, 500).astype(float)})  # fmt: skip
    y = pd.Series(rng.random(500) < X["recency_days"] / 300)
    model = ChurnLogit().fit(ChurnFeatures(X, y, pd.Timestamp("2024-01-01"), 90, 90))
    ax = plot_odds_ratios(model)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "recency_days (per doubling)" in labels and ax.get_xscale() == "log"
    assert len(plot_odds_ratios(model.odds_ratios_).get_yticklabels()) == 2


def test_campaign_plots(ab):
    result, contacts = ab
    ax = plot_ab_test(result)
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx(result.arms.loc[["control", "treatment"], "response_rate"])
    segments = pd.Series(np.where(np.arange(120) % 4 < 2, "a", "b"), index=contacts["customer_id"])
    table = uplift_by_segment(result, segments)
    ax = plot_uplift_by_segment(table, overall=result.uplift)
    assert len(ax.get_yticklabels()) == 2
    assert any(abs(line.get_xdata()[0] - result.uplift) < 1e-12 for line in ax.lines)


def test_acquisition_plot():
    customers = pd.DataFrame(
        {
            "customer_id": list("abcd"),
            "acquisition_channel": ["x", "x", "y", "y"],
            "acquisition_cost": [10.0, 10.0, 20.0, 20.0],
            "signup_date": pd.Timestamp("2024-01-01"),
        }
    )
    tx = pd.DataFrame({"customer_id": list("abcd"), "amount": [50.0, 60.0, 5.0, 8.0],
                       "date": pd.Timestamp("2024-01-01")})  # fmt: skip
    econ = acquisition_economics(customers, tx, clv=pd.Series([40.0, 50.0, 10.0, 12.0],
                                 index=list("abcd")), margin=0.3)  # fmt: skip
    ax = plot_acquisition(econ)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["y", "x"]  # lowest ratio first
    assert [p.get_width() for p in ax.patches] == pytest.approx([0.55, 4.5])


def test_cross_sell_plots():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "date": pd.Timestamp("2024-01-01"),
                       "amount": 1.0, "category": ["home", "beauty", "home", "sports"]})  # fmt: skip
    m = category_matrix(tx, pd.Series({"a": "x", "b": "x", "c": "y"}))
    ax = plot_category_matrix(m)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["beauty", "home", "sports"]
    assert plot_category_matrix(m, value="index").get_title().startswith("Category index")
    with pytest.raises(ValueError, match="value"):
        plot_category_matrix(m, value="revenue")
    ws = white_space(m)
    ax = plot_white_space(ws, top=3)
    assert len(ax.patches) == 3


def test_trend_plots():
    s = pd.Series(np.linspace(10, 30, 12), index=pd.period_range("2024-01", periods=12, freq="M"))
    f = forecast_kpi(s, horizon=3)
    ax = plot_forecast(f, label="active customers")
    assert ax.get_ylabel() == "active customers" and len(ax.collections) == 1
    projection = pd.DataFrame({"t": [4.0, 8.0], "expected_repeat_purchases": [10.0, 19.0],
                               "low": [np.nan, np.nan], "high": [np.nan, np.nan]})  # fmt: skip
    ax = plot_projection(projection)
    assert len(ax.collections) == 0 and ax.get_xlabel() == "time ahead"


def test_odds_ratio_axis_reads_plain_numbers():
    t = pd.DataFrame({"odds_ratio": [3.5, 0.5], "ci_low": [2.5, 0.3], "ci_high": [5.0, 0.8],
                      "scale": ["per unit", "per unit"]}, index=["a", "b"])  # fmt: skip
    ax = plot_odds_ratios(t)
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "1" in labels and "2" in labels and not any("10^" in s for s in labels)


def _panel_text(ax: Axes) -> str:
    return " ".join(t.get_text() for t in ax.texts)


def test_empty_results_draw_their_note_not_zeros():
    from portfolio_lib.acquisition import best_customer_profile
    from portfolio_lib.campaigns import campaign_ab_test, campaign_audience
    from portfolio_lib.plotting.strategy import (
        plot_best_customer_profile,
        plot_campaign_audience,
    )

    no_campaigns = pd.DataFrame({"campaign_id": pd.Series(dtype="str"),
                                 "type": pd.Series(dtype="str"),
                                 "start_date": pd.Series(dtype="datetime64[ns]"),
                                 "end_date": pd.Series(dtype="datetime64[ns]")})  # fmt: skip
    no_contacts = pd.DataFrame({"campaign_id": pd.Series(dtype="str"),
                                "customer_id": pd.Series(dtype="str"),
                                "arm": pd.Series(dtype="str"),
                                "contact_date": pd.Series(dtype="datetime64[ns]")})  # fmt: skip
    tx = pd.DataFrame({"customer_id": ["a", "b"], "amount": [5.0, 7.0],
                       "date": pd.Timestamp("2024-01-01"), "category": "music"})  # fmt: skip
    test = campaign_ab_test(no_campaigns, no_contacts, tx)
    for ax in (
        plot_ab_test(test),
        plot_uplift_by_segment(uplift_by_segment(test, pd.Series(dtype="str"))),
        plot_campaign_audience(campaign_audience(no_campaigns, no_contacts, tx)),
    ):
        assert not ax.patches and "no campaigns" in _panel_text(ax)
    customers = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_channel": "unknown",
                              "signup_date": pd.Timestamp("2024-01-01")})  # fmt: skip
    econ = acquisition_economics(customers, tx, clv=pd.Series({"a": 1.0, "b": 2.0}), margin=0.3,
                                 if_missing="note")  # fmt: skip
    ax = plot_acquisition(econ)
    assert not ax.patches and "no acquisition costs" in _panel_text(ax)
    profile = best_customer_profile(customers, pd.Series({"a": True, "b": False}))
    ax = plot_best_customer_profile(profile)
    assert not ax.patches and "nothing about its customers" in _panel_text(ax)
    ax = plot_white_space(white_space(category_matrix(tx, pd.Series({"a": "x", "b": "y"}))))
    assert not ax.patches and "single product category" in _panel_text(ax)


def test_audience_and_profile_plots():
    from portfolio_lib.acquisition import best_customer_profile
    from portfolio_lib.plotting.strategy import (
        plot_best_customer_profile,
        plot_campaign_audience,
    )

    audience = pd.DataFrame(
        {"type": ["win_back", "discount"], "n_contacts": [10, 20], "share_at_risk": [0.7, 0.1],
         "share_profitable": [0.1, 0.2], "share_loyal": [0.1, 0.3], "share_potential": [0.1, 0.4],
         "share_no_purchase": [0.0, 0.0], "intended": ["at_risk", "potential+loyal"],
         "share_intended": [0.7, 0.7]},
        index=pd.Index(["W", "D"], name="campaign_id"),
    )  # fmt: skip
    ax = plot_campaign_audience(audience)
    assert len(ax.patches) == 10  # 2 campaigns x 5 groups
    widths = sorted(p.get_width() for p in ax.patches if p.get_width() > 0.5)
    assert widths == pytest.approx([0.7])  # the win-back's at-risk share
    assert sum("70% intended" in t.get_text() for t in ax.texts) == 2
    cust = pd.DataFrame({"customer_id": list("abcd"), "region": list("xxyy")})
    profile = best_customer_profile(cust, pd.Series([True, True, False, False], index=list("abcd")))
    ax = plot_best_customer_profile(profile)
    assert [p.get_width() for p in ax.patches] == pytest.approx([0.0, 2.0])  # y then x, reversed
    assert [t.get_text() for t in ax.get_yticklabels()] == ["region: y", "region: x"]
