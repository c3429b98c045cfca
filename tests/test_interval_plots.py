"""Every interval plot draws intervals from their bounds, marks the point apart, flags small groups.

The cases that broke error bars: a group of one respondent, a point estimate outside its own
interval (adjusted Wald centres the interval on the adjusted estimate: one detractor has NPS
-100 and the interval -98.5 to 48.5), a unanimous group (all promoters: a Wald interval of zero
width). Each figure must draw without error, put each interval's line exactly on the bounds
the analysis computed, and show the small groups as such.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colors import to_rgba

from portfolio_lib import satisfaction as sat
from portfolio_lib.plotting import clv as clv_plots
from portfolio_lib.plotting import journey as journey_plots
from portfolio_lib.plotting import portfolio as portfolio_plots
from portfolio_lib.plotting import satisfaction as sat_plots
from portfolio_lib.plotting import strategy as strategy_plots
from portfolio_lib.plotting._intervals import INTERVAL_GID, SMALL_COLOUR, small_groups

NOTE = "n < 30: too few to read"
GREY = to_rgba(SMALL_COLOUR)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- reading a figure ----------------------------------------------------------------------


def interval_lines(ax) -> list[LineCollection]:
    found = [c for c in ax.collections if c.get_gid() == INTERVAL_GID]
    assert found, "intervals are drawn through plotting._intervals"
    return found


def drawn(ax, *, vertical: bool = False, small: bool | None = None) -> list[tuple[float, float]]:
    """(low, high) of each interval line drawn on ``ax`` (only grey/only coloured ones)."""
    axis = 1 if vertical else 0
    pairs = []
    for lines in interval_lines(ax):
        colours = lines.get_colors()
        if len(colours) == 1:
            colours = np.repeat(colours, len(lines.get_segments()), axis=0)
        for segment, colour in zip(lines.get_segments(), colours, strict=True):
            grey = tuple(colour) == GREY
            if small is None or grey == small:
                pairs.append((round(float(segment[0, axis]), 9), round(float(segment[1, axis]), 9)))
    return sorted(pairs)


def bounds(low, high, mask=None) -> list[tuple[float, float]]:
    low, high = np.asarray(low, float), np.asarray(high, float)
    keep = np.isfinite(low) & np.isfinite(high)
    if mask is not None:
        keep &= np.asarray(mask, bool)
    return sorted(
        (round(float(a), 9), round(float(b), 9)) for a, b in zip(low[keep], high[keep], strict=True)
    )


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def hollow_points(ax) -> int:
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    return sum(
        int(np.isclose(face[3], 0.0)) for c in points for face in np.atleast_2d(c.get_facecolors())
    )


# --- the NPS cases of the issue ------------------------------------------------------------


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    big = np.resize([10, 9, 8, 3, 6, 10, 9, 7], 40).tolist()
    return pd.DataFrame(
        {
            "group": ["one detractor"] + ["all promoters"] * 3 + ["forty"] * 40,
            "wave": [1] + [2] * 3 + [3] * 40,
            "nps": [0] + [9, 10, 10] + big,
            "csat": [1] + [5, 5, 4] + np.resize([5, 4, 3, 2], 40).tolist(),
        }
    )


@pytest.mark.parametrize("method", ["adjusted_wald", "wald"])
def test_plot_nps_draws_the_computed_bounds_and_flags_small_groups(answers, method):
    result = sat.nps_by(answers, "group", method=method)
    table = result.table
    one = table.loc["one detractor"]
    if method == "adjusted_wald":  # the case that crashed chapter 5
        assert one["nps"] < one["ci_low"]
    else:  # Wald: the unanimous group's interval has zero width
        assert table.loc["all promoters", "ci_low"] == table.loc["all promoters", "ci_high"]
    ax = sat_plots.plot_nps(result)
    assert drawn(ax) == bounds(table["ci_low"], table["ci_high"])
    small = table["n"] < 30
    assert drawn(ax, small=True) == bounds(table["ci_low"], table["ci_high"], small)
    assert [p.get_width() for p in ax.patches] == pytest.approx(table["nps"].tolist())
    hollow = [p.get_facecolor()[3] == 0 for p in ax.patches]
    assert hollow == small.tolist()
    texts = legend_texts(ax)
    assert texts[0] == "NPS (raw)" and NOTE in texts
    expected = "95% interval (adjusted Wald, around the adjusted NPS)"
    assert texts[1] == (expected if method == "adjusted_wald" else "95% interval (Wald)")
    grey = [t.get_text() for t in ax.get_yticklabels() if to_rgba(t.get_color()) == GREY]
    assert grey == ["all promoters  (n = 3)", "one detractor  (n = 1)"]


def test_plot_nps_min_group_size_is_a_parameter(answers):
    table = sat.nps_by(answers, "group")
    ax = sat_plots.plot_nps(table, min_group_size=0)
    assert drawn(ax, small=True) == [] and NOTE not in legend_texts(ax)
    ax = sat_plots.plot_nps(table, min_group_size=50)
    assert "n < 50: too few to read" in legend_texts(ax)
    assert len(drawn(ax, small=True)) == 3
    for bad in (-1, 2.5, True, "30"):
        with pytest.raises(ValueError, match="min_group_size"):
            sat_plots.plot_nps(table, min_group_size=bad)


def test_plot_nps_trend_draws_each_wave_from_its_bounds(answers):
    trend = sat.nps_trend(answers, "wave", customer=None)
    ax = sat_plots.plot_nps_trend(trend)
    assert drawn(ax, vertical=True) == bounds(trend["ci_low"], trend["ci_high"])
    assert drawn(ax, vertical=True, small=True) == bounds(
        trend["ci_low"], trend["ci_high"], trend["n"] < 30
    )
    assert hollow_points(ax) == 2
    assert NOTE in legend_texts(ax)
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_plot_csat_with_a_share_outside_its_interval():
    table = pd.DataFrame(
        {
            "n": [1, 3, 50],
            "satisfied": [1, 1, 25],
            "share": [1.0, 0.2, 0.5],  # 0.2 lies outside [0.3, 0.9]
            "ci_low": [0.21, 0.3, 0.37],
            "ci_high": [1.0, 0.9, 0.63],
            "mean": [5.0, 3.0, 3.5],
        },
        index=pd.Index(["one", "odd", "big"], name="g"),
    )
    ax = sat_plots.plot_csat(table)
    assert drawn(ax) == bounds(table["ci_low"], table["ci_high"])
    assert drawn(ax, small=True) == bounds(table["ci_low"], table["ci_high"], [1, 1, 0])
    assert NOTE in legend_texts(ax)


def test_plot_csat_from_csat_by(answers):
    table = sat.csat_by(answers, "group")
    ax = sat_plots.plot_csat(table)
    assert drawn(ax) == bounds(table["ci_low"], table["ci_high"])
    assert "95% interval (Wilson)" in legend_texts(ax)


def test_plot_driver_importance_with_a_point_outside_its_interval():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.integers(1, 6, size=(120, 2)), columns=["a", "b"])
    df["y"] = df["a"] + rng.normal(size=120)
    result = sat.driver_analysis(df, "y", ["a", "b"], n_boot=20)
    importance = result.importance.copy()
    importance.loc["b", "ci_low"] = importance.loc["b", "general_dominance"] + 0.01
    result = dataclasses.replace(result, importance=importance)
    ax = sat_plots.plot_driver_importance(result)
    assert drawn(ax) == bounds(importance["ci_low"], importance["ci_high"])
    assert "95% interval (bootstrap percentile)" in legend_texts(ax)


def test_plot_importance_performance_draws_performance_bounds():
    table = pd.DataFrame(
        {
            "importance": [0.5, 0.2],
            "performance": [3.0, 4.5],
            "performance_ci_low": [3.2, 4.0],  # the first point lies left of its interval
            "performance_ci_high": [3.6, 4.8],
            "quadrant": ["concentrate here", "possible overkill"],
        },
        index=["x", "y"],
    )
    ipm = sat.ImportancePerformance(table, 0.35, 3.75, "share of R²", "mean rating")
    ax = sat_plots.plot_importance_performance(ipm)
    assert drawn(ax) == bounds(table["performance_ci_low"], table["performance_ci_high"])


def test_plot_branch_league_flags_branches_with_few_visits():
    table = pd.DataFrame(
        {
            "n_visits": [12, 1, 3],
            "mean": [80.0, 70.0, 40.0],
            "sd": [5.0, np.nan, 9.0],
            "ci_low": [82.0, np.nan, 20.0],  # the first mean lies outside its interval
            "ci_high": [90.0, np.nan, 60.0],
            "rank": [1, 2, 3],
            "rank_ci_low": [1.0, 1.0, 2.0],
            "rank_ci_high": [2.0, 3.0, 3.0],
            "p_value_holm": [0.01, np.nan, 0.5],
            "vs_network": ["above", "in line", "in line"],
        },
        index=pd.Index(["a", "b", "c"], name="branch"),
    )
    ax = sat_plots.plot_branch_league(table)
    assert drawn(ax) == bounds(table["ci_low"], table["ci_high"])  # b has no interval
    assert drawn(ax, small=True) == [(20.0, 60.0)]
    assert hollow_points(ax) == 2
    assert "n < 5: too few to read" in legend_texts(ax)


def test_plot_resolution_survival_with_a_group_of_one_complaint():
    df = pd.DataFrame(
        {
            "opened": pd.to_datetime(["2024-01-01"] * 33),
            "resolved": pd.to_datetime(["2024-01-03"] * 20 + ["2024-01-06"] * 12 + [None]),
            "channel": ["app"] * 32 + ["email"],
        }
    )
    result = sat.resolution_survival(df, by="channel", as_of="2024-01-10")
    ax = sat_plots.plot_resolution_survival(result)
    labels = [line.get_label() for line in ax.lines if not line.get_label().startswith("_")]
    assert labels == ["app", f"email ({NOTE})"]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1  # the readable group's band only
    app = result.curves.loc[result.curves["group"] == "app"]
    ys = bands[0].get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(app["ci_low"].min())
    assert ys.max() == pytest.approx(app["ci_high"].max())


# --- the other chapters' interval plots ----------------------------------------------------


def test_plot_clv_intervals_with_a_point_outside_its_interval():
    table = pd.DataFrame(
        {"clv": [100.0, 50.0, 10.0], "clv_low": [60.0, 55.0, 0.0], "clv_high": [150.0, 90.0, 30.0]},
        index=["a", "b", "c"],
    )
    ax = clv_plots.plot_clv_intervals(table)
    assert drawn(ax) == bounds(table["clv_low"], table["clv_high"])
    offsets = [c for c in ax.collections if isinstance(c, PathCollection)][0].get_offsets()
    assert sorted(offsets[:, 0]) == [10.0, 50.0, 100.0]


def test_plot_funnel_by_group_draws_wilson_bounds_and_flags_small_groups():
    from portfolio_lib.journey import stage_funnel
    from tests.test_journey import FUNNEL_LOG

    funnel = stage_funnel(FUNNEL_LOG, by="channel")
    funnel.loc[1, "overall_conversion"] = funnel.loc[1, "overall_ci_high"] + 0.05
    ax = journey_plots.plot_funnel(funnel)
    assert drawn(ax, vertical=True) == bounds(funnel["overall_ci_low"], funnel["overall_ci_high"])
    # groups of 1, 5 and 4 people: all flagged under the default of 30
    assert drawn(ax, vertical=True, small=False) == []
    assert all(NOTE in t for t in legend_texts(ax)[:-1])
    ax = journey_plots.plot_funnel(funnel, min_group_size=5)
    few = funnel["group"].isin(["referral", "social"])
    assert drawn(ax, vertical=True, small=True) == bounds(
        funnel["overall_ci_low"], funnel["overall_ci_high"], few
    )
    assert legend_texts(ax)[1] == "search"


def test_plot_deepening_flags_behaviours_few_customers_showed():
    from portfolio_lib.journey import deepening_summary
    from tests.test_journey_deepening import END, random_transactions

    result = deepening_summary(random_transactions(80, seed=3), observation_end=END)
    association = result.association.copy()
    first = association.index[0]
    association.loc[first, "difference"] = association.loc[first, "ci_high"] + 10
    association.loc[first, "n_yes"] = 1
    result = dataclasses.replace(result, association=association)
    table = association.loc[association["population"] == "all"]
    ax = journey_plots.plot_deepening(result)
    assert drawn(ax) == bounds(table["ci_low"], table["ci_high"])
    small = np.minimum(table["n_yes"], table["n_no"]) < 30
    assert small.iloc[0]
    assert drawn(ax, small=True) == bounds(table["ci_low"], table["ci_high"], small)


def test_plot_kpi_dashboard_draws_each_panel_from_its_bounds():
    table = pd.DataFrame(
        {
            "n_customers": [1, 50, 200],
            "retention_base": [1, 40, 150],
            "retention_rate": [1.0, 0.5, 0.2],  # 0.2 lies below its interval
            "retention_ci_low": [0.21, 0.35, 0.25],
            "retention_ci_high": [1.0, 0.65, 0.4],
            "nps": [-100.0, 100.0, 10.0],
            "nps_ci_low": [-98.5, -6.6, 0.0],
            "nps_ci_high": [48.5, 100.0, 20.0],
            "nps_responses": [1, 3, 80],
        },
        index=pd.Index(["x", "y", "z"], name="segment"),
    )
    fig = portfolio_plots.plot_kpi_dashboard(table, kpis=["retention_rate", "nps"])
    retention, nps_panel = fig.axes[:2]
    assert drawn(retention, vertical=True) == bounds(
        table["retention_ci_low"], table["retention_ci_high"]
    )
    assert drawn(retention, vertical=True, small=True) == [(0.21, 1.0)]
    assert drawn(nps_panel, vertical=True) == bounds(table["nps_ci_low"], table["nps_ci_high"])
    assert drawn(nps_panel, vertical=True, small=True) == [(-98.5, 48.5), (-6.6, 100.0)]
    assert NOTE in fig._suptitle.get_text()


def test_strategy_forest_plots_draw_their_bounds():
    odds = pd.DataFrame(
        {"odds_ratio": [2.0, 0.5], "ci_low": [2.2, 0.3], "ci_high": [3.0, 0.8]}, index=["a", "b"]
    )
    ax = strategy_plots.plot_odds_ratios(odds)
    assert drawn(ax) == bounds(odds["ci_low"], odds["ci_high"])
    auc = pd.DataFrame({"auc": [0.7, 0.9], "ci_low": [0.72, 0.85], "ci_high": [0.8, 0.95]})
    ax = strategy_plots.plot_auc_comparison(auc)
    assert drawn(ax) == bounds(auc["ci_low"], auc["ci_high"])
    uplift = pd.DataFrame(
        {
            "uplift": [0.1, -0.2],
            "ci_low": [0.12, -0.5],
            "ci_high": [0.3, 0.4],
            "n_treatment": [200, 1],
            "n_control": [180, 2],
        },
        index=["big", "tiny"],
    )
    ax = strategy_plots.plot_uplift_by_segment(uplift, overall=0.05)
    assert drawn(ax) == bounds(uplift["ci_low"], uplift["ci_high"])
    assert drawn(ax, small=True) == [(-0.5, 0.4)]
    assert NOTE in legend_texts(ax) and "overall +5.0%" in legend_texts(ax)


def test_plot_calibration_flags_thin_bins():
    table = pd.DataFrame(
        {
            "bin": [1, 2],
            "n": [1, 80],
            "mean_predicted": [0.1, 0.6],
            "observed_rate": [1.0, 0.4],  # 0.4 lies below its interval
            "ci_low": [0.21, 0.45],
            "ci_high": [1.0, 0.7],
        }
    )
    ax = strategy_plots.plot_calibration(table)
    assert drawn(ax, vertical=True) == bounds(table["ci_low"], table["ci_high"])
    assert drawn(ax, vertical=True, small=True) == [(0.21, 1.0)]
    assert NOTE in legend_texts(ax)


def test_plot_ab_test_with_a_one_person_arm():
    from portfolio_lib.campaigns import ab_test

    contacts = pd.DataFrame(
        {
            "campaign_id": "X",
            "customer_id": [f"c{i}" for i in range(61)],
            "arm": ["treatment"] * 60 + ["control"],
            "contact_date": pd.Timestamp("2024-03-01"),
        }
    )
    tx = pd.DataFrame(
        {"customer_id": ["c0", "c1", "c60"], "date": pd.Timestamp("2024-03-05"), "amount": 10.0}
    )
    result = ab_test(contacts, tx, campaign_id="X", window_days=14)
    arms = result.arms.copy()
    arms.loc["treatment", "ci_low"] = arms.loc["treatment", "response_rate"] + 0.01
    result = dataclasses.replace(result, arms=arms)
    ax = strategy_plots.plot_ab_test(result)
    shown = arms.loc[["control", "treatment"]]
    assert drawn(ax, vertical=True) == bounds(shown["ci_low"], shown["ci_high"])
    assert drawn(ax, vertical=True, small=True) == bounds(
        shown["ci_low"], shown["ci_high"], [True, False]
    )
    assert [p.get_facecolor()[3] == 0 for p in ax.patches] == [True, False]
    assert NOTE in ax.get_ylabel()


def test_plot_acquisition_and_profile_flag_small_channels():
    from portfolio_lib.acquisition import acquisition_economics, best_customer_profile

    customers = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(41)],
            "acquisition_channel": ["search"] * 40 + ["tv"],
            "acquisition_cost": [10.0] * 40 + [50.0],
            "signup_date": pd.Timestamp("2024-01-01"),
            "region": ["north"] * 35 + ["south"] * 6,
        }
    )
    tx = pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "amount": 20.0,
            "date": pd.Timestamp("2024-01-02"),
        }
    )
    clv = pd.Series(np.linspace(5.0, 60.0, 41), index=customers["customer_id"])
    econ = acquisition_economics(customers, tx, clv=clv, margin=0.3)
    table = econ.table.copy()
    table.loc["search", "clv_to_cac_low"] = table.loc["search", "clv_to_cac"] + 0.5
    econ = dataclasses.replace(econ, table=table)
    ax = strategy_plots.plot_acquisition(econ)
    shown = table.drop(index="all")
    assert drawn(ax) == bounds(shown["clv_to_cac_low"], shown["clv_to_cac_high"])
    assert drawn(ax, small=True) == bounds(
        shown["clv_to_cac_low"], shown["clv_to_cac_high"], shown["n_customers"] < 30
    )
    assert NOTE in legend_texts(ax)
    best = pd.Series(np.arange(41) % 3 == 0, index=customers["customer_id"])
    profile = best_customer_profile(customers, best, columns=["region"])
    ax = strategy_plots.plot_best_customer_profile(profile)
    rate = profile.overall_rate
    shown = profile.table
    assert drawn(ax) == bounds(shown["ci_low"] / rate, shown["ci_high"] / rate)
    assert drawn(ax, small=True) == bounds(
        shown["ci_low"] / rate, shown["ci_high"] / rate, shown["n_customers"] < 30
    )


# --- the rule itself -----------------------------------------------------------------------


def test_no_plot_module_draws_error_lengths_around_the_point():
    """Intervals go through plotting._intervals; error bars take lengths, not bounds."""
    folder = Path(sat_plots.__file__).parent
    for path in sorted(folder.glob("*.py")):
        if path.name == "_intervals.py":
            continue
        code = path.read_text(encoding="utf-8")
        found = re.findall(r"\.errorbar\(|\b[xy]err\s*=", code)
        assert not found, f"{path.name} draws error bars: {found}"


def test_small_groups_mask():
    assert small_groups([1, 29, 30, np.nan], 30).tolist() == [True, True, False, False]
    assert not small_groups([1, 2], 0).any()
