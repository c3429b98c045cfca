"""Chapter 4 figures: the customer journey (funnel, stage flow, time to stage, attribution, deepening).

Every function takes a result computed by :mod:`portfolio_lib.journey` and an
optional ``ax``; it draws, returns the Axes and never recomputes the analysis.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from portfolio_lib.journey.attribution import AttributionComparison
from portfolio_lib.journey.deepening import Deepening
from portfolio_lib.journey.stages import stage_label
from portfolio_lib.journey.survival import TimeToStage
from portfolio_lib.journey.transitions import EXIT, StageTransitions
from portfolio_lib.plotting import PALETTE, get_ax
from portfolio_lib.plotting._intervals import (
    MIN_GROUP_SIZE,
    draw_band,
    draw_intervals,
    draw_points,
    flagged_label,
    grey_ticklabels,
    interval_label,
    legend_handles,
    small_groups,
)

__all__ = [
    "plot_funnel",
    "plot_stage_flow",
    "plot_time_to_stage",
    "plot_attribution",
    "plot_deepening",
]

_EXIT_COLOUR = "#b0b0b0"
_UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months"}


def plot_funnel(
    funnel: pd.DataFrame,
    *,
    ax: Axes | None = None,
    language: Literal["en", "tr", "both"] = "both",
    min_group_size: int = MIN_GROUP_SIZE,
) -> Axes:
    """Draw a stage funnel from :func:`~portfolio_lib.journey.stage_funnel`.

    Without groups: centred horizontal bars (people reaching each stage)
    labelled with the count and the step conversion. With a ``group`` column:
    overall conversion per stage and group as lines, each share's Wilson interval a
    vertical line from its bounds.

    Parameters
    ----------
    funnel : pandas.DataFrame
        Output of ``stage_funnel``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    language : {"en", "tr", "both"}
        Language of the stage labels.
    min_group_size : int
        With groups: a group of fewer people is drawn with hollow grey markers and dotted
        intervals, its legend entry saying "n < 30: too few to read" (default 30; 0 flags
        none).

    Returns
    -------
    matplotlib.axes.Axes
        One bar per stage, or one line of shares per group.

    Examples
    --------
    >>> from portfolio_lib.journey import example_events, stage_funnel
    >>> ax = plot_funnel(stage_funnel(example_events()))
    """
    ax = get_ax(ax, figsize=(8, 4.5))
    stages = list(dict.fromkeys(funnel["stage"]))
    labels = [stage_label(s, language) for s in stages]
    if "group" not in funnel.columns:
        reached = funnel["reached"].to_numpy(dtype=float)
        y = np.arange(len(stages))[::-1]
        ax.barh(y, reached, left=-reached / 2, color=PALETTE[0], height=0.7)
        top = reached.max() if reached.max() > 0 else 1.0
        for yi, count, step in zip(y, reached, funnel["step_conversion"], strict=True):
            ax.text(
                top / 2 * 1.04,
                yi,
                f"{int(count):,}  ({step:.0%} of previous)",
                va="center",
                fontsize=9,
            )
        ax.set_yticks(y, labels)
        ax.set_xlim(-top / 2 * 1.05, top * 1.25)
        ax.set_xticks([])
        ax.set_xlabel("people reaching the stage (or a later one)")
        ax.grid(False)
        return ax
    x = np.arange(len(stages))
    n_groups = funnel["group"].nunique()
    handles = []
    for i, (group, part) in enumerate(funnel.groupby("group", sort=True)):
        part = part.set_index("stage").reindex(stages)
        rate = part["overall_conversion"].to_numpy(dtype=float)
        # everyone in a group reached its first stage: that count is the group's size
        small = bool(small_groups(part["reached"].iloc[:1], min_group_size)[0])
        flags = np.full(len(stages), small)
        colour = PALETTE[i % len(PALETTE)]
        at = x + (i - (n_groups - 1) / 2) * 0.04
        label = flagged_label(str(group), small, min_group_size)
        (line,) = ax.plot(at, rate, color=colour, label=label,
                          linestyle="dotted" if small else "solid")  # fmt: skip
        draw_intervals(ax, at, part["overall_ci_low"], part["overall_ci_high"], vertical=True,
                       colour=colour, small=flags, linewidth=1.2)  # fmt: skip
        draw_points(ax, at, rate, colour=colour, small=flags, size=25)
        handles.append(line)
    handles += legend_handles(interval=interval_label(None, "wilson"), colour="black")
    ax.set_xticks(x, labels, rotation=20, ha="right")
    ax.set_ylabel("share of people reaching the stage (dot = share)")
    ax.set_ylim(0, 1.05)
    ax.legend(handles=handles, title="group", fontsize=8)
    return ax


def _band(x0: float, y0: tuple[float, float], x1: float, y1: tuple[float, float]) -> Path:
    """A flow band between two vertical segments, with cubic Bézier edges."""
    mid = (x0 + x1) / 2
    (a_top, a_bot), (b_top, b_bot) = y0, y1
    vertices = [
        (x0, a_top),
        (mid, a_top),
        (mid, b_top),
        (x1, b_top),
        (x1, b_bot),
        (mid, b_bot),
        (mid, a_bot),
        (x0, a_bot),
        (x0, a_top),
    ]
    codes = [
        Path.MOVETO,
        Path.CURVE4,
        Path.CURVE4,
        Path.CURVE4,
        Path.LINETO,
        Path.CURVE4,
        Path.CURVE4,
        Path.CURVE4,
        Path.CLOSEPOLY,
    ]
    return Path(vertices, codes)


def plot_stage_flow(
    transitions: StageTransitions,
    *,
    ax: Axes | None = None,
    language: Literal["en", "tr", "both"] = "both",
    node_width: float = 0.12,
) -> Axes:
    """Sankey-style stage flow from :func:`~portfolio_lib.journey.stage_transitions`.

    Each stage is a column whose height is proportional to the people leaving
    it (to a later stage or to exit); coloured bands go forward to later stages,
    grey bands drop to *exit*. Repeat touches in the same stage (the diagonal of
    a touch-level matrix) are not drawn.

    Parameters
    ----------
    transitions : StageTransitions
        Output of ``stage_transitions``.
    ax : matplotlib Axes, optional
        Where to draw.
    language : {"en", "tr", "both"}
        Language of the stage labels.
    node_width : float
        Width of a stage column (x distance between stages is 1).

    Returns
    -------
    matplotlib.axes.Axes
        Stage columns, flow bands and exits; axis lines hidden.

    Examples
    --------
    >>> from portfolio_lib.journey import example_events, stage_transitions
    >>> flow = stage_transitions(example_events(), level="touch")
    >>> plot_stage_flow(flow).get_title()
    'Stage flow (4 people)'

    """
    ax = get_ax(ax, figsize=(10, 5))
    stages = list(transitions.stages)
    counts = transitions.counts.to_numpy(dtype=float).copy()
    n = len(stages)
    counts[np.arange(n), np.arange(n)] = 0.0  # stays are not flows
    out_total = counts.sum(axis=1)
    scale = 0.8 / out_total.max() if out_total.max() > 0 else 1.0
    top = 1.0
    exit_floor = -0.25
    in_cursor = np.full(n, top)
    for i, stage in enumerate(stages):
        height = out_total[i] * scale
        ax.add_patch(
            Rectangle((i - node_width / 2, top - height), node_width, height, color=PALETTE[0])
        )
        label = (
            f"{stage_label(stage, 'en')}\n{stage_label(stage, 'tr')}"
            if language == "both"
            else stage_label(stage, language)
        )
        ax.text(i, top + 0.03, label, ha="center", va="bottom", fontsize=9)
        ax.text(i, top - height - 0.02, f"{int(out_total[i]):,}", ha="center", va="top", fontsize=8)
        cursor = top
        for j in range(i + 1, n):
            width = counts[i, j] * scale
            if width <= 0:
                continue
            start = (cursor, cursor - width)
            end = (in_cursor[j], in_cursor[j] - width)
            ax.add_patch(
                PathPatch(
                    _band(i + node_width / 2, start, j - node_width / 2, end),
                    facecolor=PALETTE[(j - 1) % len(PALETTE) + 1],
                    alpha=0.45,
                    edgecolor="none",
                )
            )
            cursor -= width
            in_cursor[j] -= width
        exits = counts[i, n] * scale
        if exits > 0:
            start = (cursor, cursor - exits)
            end = (exit_floor, exit_floor - exits)
            x_end = i + 0.45
            ax.add_patch(
                PathPatch(
                    _band(i + node_width / 2, start, x_end, end),
                    facecolor=_EXIT_COLOUR,
                    alpha=0.6,
                    edgecolor="none",
                )
            )
            ax.text(
                x_end,
                exit_floor - exits - 0.02,
                f"{EXIT} {int(counts[i, n]):,}",
                ha="center",
                va="top",
                fontsize=8,
                color="#555555",
            )
    ax.set_xlim(-0.5, n - 0.3)
    deepest_exit = counts[:, n].max() * scale
    ax.set_ylim(exit_floor - deepest_exit - 0.12, top + 0.2)
    ax.set_axis_off()
    ax.set_title(f"Stage flow ({transitions.n_people:,} people)")
    return ax


def plot_time_to_stage(
    result: TimeToStage,
    *,
    ax: Axes | None = None,
    show_ci: bool = True,
    language: Literal["en", "tr", "both"] = "both",
) -> Axes:
    """Cumulative share reaching ``to_stage`` over time (1 − Kaplan–Meier), per group.

    Parameters
    ----------
    result : TimeToStage
        Output of :func:`~portfolio_lib.journey.time_to_stage`.
    ax : matplotlib Axes, optional
        Where to draw.
    show_ci : bool
        Shade the pointwise confidence band.
    language : {"en", "tr", "both"}
        Language of the stage labels.

    Returns
    -------
    matplotlib.axes.Axes
        One step curve (and band) per group; the log-rank p-value in the title.

    Examples
    --------
    >>> from portfolio_lib.journey import example_events, time_to_stage
    >>> result = time_to_stage(example_events(), "discovery", "purchase", observation_end="2024-02")
    >>> ax = plot_time_to_stage(result, show_ci=False)
    """
    ax = get_ax(ax)
    groups = list(dict.fromkeys(result.curves["group"]))
    for i, group in enumerate(groups):
        curve = result.curves.loc[result.curves["group"] == group]
        colour = PALETTE[i % len(PALETTE)]
        label = None if len(groups) == 1 else str(group)
        ax.step(curve["time"], curve["reached_share"], where="post", color=colour, label=label)
        if show_ci:
            draw_band(ax, curve["time"], 1.0 - curve["not_yet_ci_high"],
                      1.0 - curve["not_yet_ci_low"], colour=colour, step="post")  # fmt: skip
    ax.set_xlabel(
        f"time since {stage_label(result.from_stage, language)} ({_UNIT_NAMES[result.unit]})"
    )
    ax.set_ylabel(f"share reaching {stage_label(result.to_stage, language)}")
    ax.set_ylim(0, 1)
    title = f"Kaplan–Meier, censored at {result.observation_end:%Y-%m-%d %H:%M}"
    if result.logrank is not None:
        p_value = result.logrank.p_value
        title += "; log-rank p " + ("< 0.001" if p_value < 0.001 else f"= {p_value:.3f}")
        ax.legend(fontsize=8)
    ax.set_title(title)
    return ax


def plot_attribution(
    comparison: AttributionComparison,
    *,
    ax: Axes | None = None,
    share: bool = True,
) -> Axes:
    """Grouped bars: credit per touchpoint under each attribution model.

    Parameters
    ----------
    comparison : AttributionComparison
        Output of :func:`~portfolio_lib.journey.compare_attribution`.
    ax : matplotlib Axes, optional
        Where to draw.
    share : bool
        Plot shares of all conversions (True) or credited conversions (False).

    Returns
    -------
    matplotlib.axes.Axes
        Bars grouped by touchpoint, one colour per model.

    Examples
    --------
    >>> from portfolio_lib.journey import compare_attribution, example_events
    >>> comparison = compare_attribution(example_events(), half_life_days=7)
    >>> len(plot_attribution(comparison, share=False).patches)  # 3 touchpoints x 5 models
    15
    """
    ax = get_ax(ax)
    table = comparison.shares if share else comparison.conversions
    touchpoints = list(table.index)
    models = list(table.columns)
    x = np.arange(len(touchpoints))
    width = 0.8 / max(len(models), 1)
    for k, model in enumerate(models):
        ax.bar(
            x - 0.4 + width * (k + 0.5),
            table[model].to_numpy(dtype=float),
            width=width,
            color=PALETTE[k % len(PALETTE)],
            label=model.replace("_", " "),
        )
    ax.set_xticks(x, [str(t) for t in touchpoints], rotation=20, ha="right")
    ax.set_ylabel("share of conversions" if share else "conversions credited")
    ax.legend(title="model", fontsize=8)
    return ax


def plot_deepening(
    result: Deepening,
    *,
    population: Literal["all", "repeat_buyers"] = "all",
    ax: Axes | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Axes:
    """Difference in later value between customers who did and did not deepen, per behaviour.

    One row per behaviour of :func:`~portfolio_lib.journey.deepening_summary`:
    a dot at the difference in mean later value (did − did not, currency) with
    its Welch confidence interval as a horizontal bar, and a dashed line at 0.
    Row labels give how many customers showed the behaviour. A behaviour nobody
    (or everybody) showed has no comparison: its row says so instead of a dot.

    Parameters
    ----------
    result : Deepening
        Output of ``deepening_summary``.
    population : {"all", "repeat_buyers"}
        All eligible customers, or only those who bought again in the window.
    ax : matplotlib Axes, optional
        Where to draw.
    min_group_size : int
        A behaviour shown by fewer (or missed by fewer) than this many customers is drawn
        with a hollow grey dot and a dotted interval, noted "n < 30: too few to read"
        (default 30; 0 flags none).

    Returns
    -------
    matplotlib.axes.Axes
        One row per behaviour: the difference in means and its interval.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.journey import deepening_summary
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["A", "A", "A", "B", "B", "C", "C"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-05-01", "2024-01-01",
    ...                             "2024-05-01", "2024-01-02", "2024-06-01"]),
    ...     "amount": [50.0, 80.0, 30.0, 40.0, 10.0, 20.0, 5.0],
    ...     "category": ["home"] * 7, "points_earned": [0] * 7, "points_redeemed": [0] * 7,
    ...     "campaign_id": [""] * 7,
    ... })
    >>> ax = plot_deepening(deepening_summary(tx, observation_end="2024-12-31", window_days=60))
    """
    table = result.association.loc[result.association["population"] == population]
    if table.empty:
        raise ValueError(
            f"population must be one of {sorted(result.association['population'].unique())}, "
            f"got {population!r}"
        )
    ax = get_ax(ax, figsize=(8, 0.55 * len(table) + 1.5))
    y = np.arange(len(table))[::-1]
    diff = table["difference"].to_numpy(dtype=float)
    low = table["ci_low"].to_numpy(dtype=float)
    high = table["ci_high"].to_numpy(dtype=float)
    small = small_groups(np.minimum(table["n_yes"], table["n_no"]), min_group_size)
    draw_intervals(ax, y, low, high, colour=PALETTE[0], small=small, linewidth=2)
    shown = np.isfinite(diff)
    draw_points(ax, diff, y, colour=PALETTE[1], small=small, size=50)
    ax.axvline(0.0, color=_EXIT_COLOUR, linestyle="--", linewidth=1)
    for yi in y[~shown]:
        ax.text(  # x in axes fraction, y in data units
            0.02,
            yi,
            "no comparison (nobody or everybody did this)",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8,
            color="#555555",
        )
    labels = [
        f"{b.replace('_', ' ')} ({int(n_yes):,} of {int(n_yes + n_no):,})"
        for b, n_yes, n_no in zip(table["behaviour"], table["n_yes"], table["n_no"], strict=True)
    ]
    ax.set_yticks(y, labels)
    grey_ticklabels(ax.get_yticklabels(), small)
    ax.set_ylim(-0.7, len(table) - 0.3)
    handles = legend_handles(
        point="difference in means",
        interval=interval_label(None, "Welch"),
        colour=PALETTE[0],
        point_colour=PALETTE[1],
        small=small,
        min_group_size=min_group_size,
    )
    ax.legend(handles=handles, fontsize=8, loc="lower right")
    ax.set_xlabel(
        f"later value: did − did not (currency, {result.value_days:g} days after a "
        f"{result.window_days:g}-day window)"
    )
    ax.set_title(
        "All eligible customers" if population == "all" else "Only customers who bought again"
    )
    return ax
