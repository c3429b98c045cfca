"""Chapter 5 figures draw what the result holds (and nothing recomputed)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from portfolio_lib import satisfaction as sat
from portfolio_lib.plotting import satisfaction as splot


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bar_widths(ax: Axes) -> list[float]:
    return [patch.get_width() for patch in ax.patches]


def test_plot_nps_bars_and_intervals():
    df = pd.DataFrame({"g": ["a"] * 5 + ["b"] * 5, "nps": [10, 9, 9, 3, 8, 10, 6, 5, 2, 9]})
    result = sat.nps_by(df, "g")
    table = result.table
    ax = splot.plot_nps(result)
    assert isinstance(ax, Axes)
    # bars are drawn top to bottom in table order
    assert bar_widths(ax) == pytest.approx(table["nps"].tolist())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a  (n = 5)", "b  (n = 5)"]
    _, ax2 = plt.subplots()
    assert splot.plot_nps(table, ax=ax2) is ax2


def test_plot_nps_trend_marks_significant_changes():
    df = pd.DataFrame(
        {"wave": [1] * 200 + [2] * 200, "nps": [9] * 60 + [3] * 140 + [9] * 150 + [3] * 50}
    )
    trend = sat.nps_trend(df, customer=None).table
    ax = splot.plot_nps_trend(trend)
    stars = [t for t in ax.texts if t.get_text() == "★"]
    assert len(stars) == int(trend["significant"].sum()) == 1
    assert list(ax.lines[0].get_ydata()) == pytest.approx(trend["nps"].tolist())


def test_plot_csat_shares():
    table = sat.csat_by(pd.DataFrame({"g": list("aabbb"), "csat": [5, 2, 4, 4, 1]}), "g")
    ax = splot.plot_csat(table)
    assert bar_widths(ax) == pytest.approx(table["share"].tolist())


def test_plot_likert_centres_the_neutral_level():
    df = pd.DataFrame({"q1": [1, 2, 3, 3, 4, 5, 5, 5], "q2": [1, 1, 1, 2, 3, 4, 4, 3]})
    summary = sat.likert_summary(df, ["q1", "q2"])
    ax = splot.plot_likert(summary)
    patches = ax.patches
    n_items = 2
    assert len(patches) == n_items * 5
    for item in range(n_items):
        segments = [patches[level * n_items + item] for level in range(5)]
        neutral = segments[2]
        assert neutral.get_x() + neutral.get_width() / 2 == pytest.approx(0.0)
        favourable = sum(s.get_width() for s in segments[3:]) + neutral.get_width() / 2
        right_edge = segments[4].get_x() + segments[4].get_width()
        assert right_edge == pytest.approx(favourable)
    q1 = summary.shares.loc["q1"]
    assert [patches[level * n_items].get_width() for level in range(5)] == pytest.approx(
        q1.tolist()
    )


def test_plot_driver_importance_and_ipa():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.integers(1, 6, size=(200, 3)), columns=["a", "b", "c"])
    df["y"] = 2 * df["a"] + df["b"] + rng.normal(size=200)
    result = sat.driver_analysis(df, "y", ["a", "b", "c"], n_boot=50)
    ax = splot.plot_driver_importance(result)
    assert bar_widths(ax) == pytest.approx(result.importance["general_dominance"].tolist())
    ipm = sat.importance_performance(df, result)
    ax = splot.plot_importance_performance(ipm)
    offsets = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], ipm.table["performance"])
    np.testing.assert_allclose(offsets[:, 1], ipm.table["importance"])


def test_plot_complaint_pareto():
    table = sat.complaint_pareto(pd.DataFrame({"category": list("aaabbc")}))
    ax = splot.plot_complaint_pareto(table)
    assert [p.get_height() for p in ax.patches] == [3, 2, 1]
    twin = [other for other in ax.figure.axes if other is not ax][0]
    assert list(twin.lines[0].get_ydata()) == pytest.approx(table["cumulative_share"].tolist())


def test_plot_resolution_survival_one_curve_per_group():
    df = pd.DataFrame(
        {
            "opened": pd.to_datetime(["2024-01-01"] * 4),
            "resolved": pd.to_datetime(["2024-01-02", "2024-01-05", "2024-01-03", None]),
            "channel": ["app", "app", "email", "email"],
        }
    )
    result = sat.resolution_survival(df, by="channel", as_of="2024-01-10")
    ax = splot.plot_resolution_survival(result, min_group_size=0)
    curves = [line for line in ax.lines if line.get_label() in {"app", "email"}]
    assert len(curves) == 2
    assert list(curves[0].get_ydata()) == pytest.approx([1.0, 0.5, 0.0])
    # two complaints per channel: flagged (dotted, no band) under the default of 30
    ax = splot.plot_resolution_survival(result)
    labels = {line.get_label() for line in ax.lines}
    assert {"app (n < 30: too few to read)", "email (n < 30: too few to read)"} <= labels
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_plot_branch_league():
    scores = pd.DataFrame(
        {"branch": list("aaabbbccc"), "score": [90, 85, 95, 60, 55, 70, 20, 30, 25.0]}
    )
    table = sat.branch_ranking(scores, n_boot=100).table
    ax = splot.plot_branch_league(table)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("a  (rank 1") and labels[-1].startswith("c  (rank 3")
    np.testing.assert_allclose(ax.collections[-1].get_offsets()[:, 0], table["mean"])
