"""Chapter 4 figures draw what the computed results hold (and never recompute them)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
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
    assert len(ax.containers) == funnel["group"].nunique()  # one errorbar series per group
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(labels) == sorted(funnel["group"].unique())


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
