"""Chapter 4 figures draw what the computed results hold (and never recompute them)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.patches import PathPatch, Rectangle

from portfolio_lib.journey import (
    compare_attribution,
    stage_funnel,
    stage_transitions,
    time_to_stage,
)
from portfolio_lib.plotting.journey import (
    plot_attribution,
    plot_funnel,
    plot_stage_flow,
    plot_time_to_stage,
)
from tests.test_journey import FUNNEL_LOG, TIME_LOG
from tests.test_journey_attribution import REFERENCE_PATHS


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_funnel_bars_match_counts():
    funnel = stage_funnel(FUNNEL_LOG)
    ax = plot_funnel(funnel)
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == sorted(funnel["reached"].astype(float))
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert "discovery (Keşfetme)" in labels


def test_plot_funnel_by_group_draws_one_line_per_group():
    funnel = stage_funnel(FUNNEL_LOG, by="channel")
    _, ax = plt.subplots()
    assert plot_funnel(funnel, ax=ax, language="en") is ax
    groups = sorted(funnel["group"].unique())
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len(lines) == len(groups)  # one line per group
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # groups of 1, 5 and 4 people: every group is flagged as too small to read
    assert labels == [f"{g} (n < 30: too few to read)" for g in groups] + ["interval (Wilson)"]
    plain = plot_funnel(funnel, min_group_size=0)
    assert [t.get_text() for t in plain.get_legend().get_texts()][:-1] == groups


def test_plot_stage_flow_draws_nodes_flows_and_exits():
    transitions = stage_transitions(FUNNEL_LOG)
    ax = plot_stage_flow(transitions)
    counts = transitions.counts.to_numpy()
    n = len(transitions.stages)
    forward = int(sum((counts[i, i + 1 : n] > 0).sum() for i in range(n)))
    exits = int((counts[:, n] > 0).sum())
    assert sum(isinstance(p, Rectangle) for p in ax.patches) == n
    assert sum(isinstance(p, PathPatch) for p in ax.patches) == forward + exits
    texts = [t.get_text() for t in ax.texts]
    assert "exit 4" in texts  # four people stop after discovery
    touch_level = plot_stage_flow(stage_transitions(FUNNEL_LOG, level="touch"))
    assert len(touch_level.patches) == len(ax.patches)  # repeat touches are not drawn


def test_plot_time_to_stage_draws_the_km_curve():
    result = time_to_stage(
        TIME_LOG, "discovery", "purchase", observation_end=pd.Timestamp("2024-01-21")
    )
    ax = plot_time_to_stage(result)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), result.curves["reached_share"])
    grouped = time_to_stage(
        TIME_LOG, "discovery", "purchase", observation_end=pd.Timestamp("2024-01-21"), by="channel"
    )
    ax = plot_time_to_stage(grouped, show_ci=False)
    assert len(ax.get_lines()) == grouped.medians.shape[0]
    assert "log-rank" in ax.get_title()


def test_plot_attribution_bars_are_the_shares():
    comparison = compare_attribution(REFERENCE_PATHS)
    ax = plot_attribution(comparison)
    heights = sorted(round(p.get_height(), 9) for p in ax.patches)
    expected = sorted(round(v, 9) for v in comparison.shares.to_numpy().ravel())
    assert heights == expected
    counts_ax = plot_attribution(comparison, share=False)
    assert max(p.get_height() for p in counts_ax.patches) == pytest.approx(3.0)


def test_plot_deepening_draws_differences_with_intervals_and_marks_empty_rows():
    from portfolio_lib.journey import deepening_summary
    from portfolio_lib.plotting.journey import plot_deepening
    from tests.test_journey_deepening import END, random_transactions

    result = deepening_summary(random_transactions(80, seed=3), observation_end=END)
    table = result.association.loc[result.association["population"] == "all"]
    ax = plot_deepening(result)
    dots = [c for c in ax.collections if isinstance(c, PathCollection)][0].get_offsets()
    shown = table["difference"].notna().to_numpy()
    # rows run top to bottom in BEHAVIOURS order: y = n-1, ..., 0
    y = np.arange(len(table))[::-1]
    np.testing.assert_allclose(dots[:, 0], table["difference"].to_numpy()[shown])
    np.testing.assert_allclose(dots[:, 1], y[shown])
    segments = [c for c in ax.collections if c.get_gid() == "intervals"][0].get_segments()
    has_ci = table["ci_low"].notna().to_numpy()
    np.testing.assert_allclose(
        [s[:, 0] for s in segments],
        table[["ci_low", "ci_high"]].to_numpy()[has_ci],
    )
    labels = [t.get_text() for t in ax.get_yticklabels()]
    first = table.iloc[0]
    n_all = int(first["n_yes"] + first["n_no"])
    assert labels[0] == f"repeat purchase ({int(first['n_yes']):,} of {n_all:,})"
    repeat = plot_deepening(result, population="repeat_buyers")
    assert len(repeat.get_yticklabels()) == len(table) - 1  # no repeat-purchase row
    with pytest.raises(ValueError, match="population"):
        plot_deepening(result, population="loyal")


def test_plot_deepening_says_when_a_behaviour_has_no_comparison():
    from portfolio_lib.journey import deepening_summary
    from portfolio_lib.plotting.journey import plot_deepening
    from tests.test_journey_deepening import END, random_transactions

    transactions = random_transactions(60, seed=5).assign(points_redeemed=0)
    result = deepening_summary(transactions, observation_end=END)
    ax = plot_deepening(result)
    notes = [t for t in ax.texts if t.get_text().startswith("no comparison")]
    assert len(notes) == 1
    behaviours = result.association.query("population == 'all'")["behaviour"].tolist()
    row = len(behaviours) - 1 - behaviours.index("points_redeemed")
    assert notes[0].get_position()[1] == row
    dots = [c for c in ax.collections if isinstance(c, PathCollection)][0]
    assert len(dots.get_offsets()) == len(behaviours) - 1
