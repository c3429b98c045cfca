"""Chapter 5 figures: satisfaction (NPS, CSAT, Likert items, drivers, complaints, mystery shopping).

Every function takes a result computed by :mod:`portfolio_lib.satisfaction` and
an optional ``ax``; it draws, returns the Axes and never recomputes the analysis.
Intervals are always drawn: a bar without its interval invites reading noise
as news.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from portfolio_lib._results import as_table, setting
from portfolio_lib.plotting import PALETTE, get_ax
from portfolio_lib.plotting._intervals import (
    MIN_GROUP_SIZE,
    draw_band,
    draw_intervals,
    draw_points,
    flagged_label,
    grey_ticklabels,
    hollow_bars,
    interval_label,
    legend_handles,
    small_groups,
)
from portfolio_lib.satisfaction.complaints import ResolutionSurvival
from portfolio_lib.satisfaction.drivers import DriverResult, ImportancePerformance
from portfolio_lib.satisfaction.mystery import BranchRanking
from portfolio_lib.satisfaction.nps import NPSTable, NPSTrend
from portfolio_lib.satisfaction.surveys import CSATTable, LikertSummary

__all__ = [
    "plot_nps",
    "plot_nps_trend",
    "plot_csat",
    "plot_likert",
    "plot_driver_importance",
    "plot_importance_performance",
    "plot_complaint_pareto",
    "plot_resolution_survival",
    "plot_branch_league",
]

_UNIT_NAMES = {"h": "hours", "D": "days", "W": "weeks"}
#: Default fewest mystery-shopping visits for a readable branch mean (see plot_branch_league).
MIN_BRANCH_VISITS = 5
_VS_NETWORK_COLOURS = {"above": PALETTE[2], "below": PALETTE[3], "in line": PALETTE[7]}


def _labels(index: pd.Index) -> list[str]:
    if isinstance(index, pd.MultiIndex):
        return [" / ".join(str(v) for v in key) for key in index]
    return [str(v) for v in index]


def _interval_bars(
    ax: Axes,
    table: pd.DataFrame,
    value: str,
    *,
    colour: str,
    point: str,
    interval: str,
    min_group_size: int,
) -> None:
    """Bars at the point estimate, each interval a line from its bounds, small groups hollow."""
    small = small_groups(table["n"], min_group_size)
    y = np.arange(len(table))[::-1]
    values = table[value].to_numpy(dtype=float)
    bars = ax.barh(y, np.nan_to_num(values), color=colour, alpha=0.85, height=0.6)
    hollow_bars(bars, small)
    draw_intervals(ax, y, table["ci_low"], table["ci_high"], small=small)
    labels = [
        f"{name}  (n = {int(n)})" for name, n in zip(_labels(table.index), table["n"], strict=True)
    ]
    ax.set_yticks(y, labels)
    grey_ticklabels(ax.get_yticklabels(), small)
    handles = legend_handles(
        point=point,
        interval=interval,
        point_colour=colour,
        bar=True,
        small=small,
        min_group_size=min_group_size,
    )
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _nps_interval_label(result: NPSTable | NPSTrend | pd.DataFrame) -> str:
    method = setting(result, "method")
    label = interval_label(setting(result, "confidence"), method)
    if method == "adjusted_wald":  # centred on the adjusted, not the raw, NPS
        label = label[:-1] + ", around the adjusted NPS)"
    return label


def plot_nps(
    table: NPSTable | pd.DataFrame, *, ax: Axes | None = None, min_group_size: int = MIN_GROUP_SIZE
) -> Axes:
    """NPS per group as bars, each with its interval drawn from its bounds.

    The bar is the observed ("raw") NPS; the line is the interval exactly as
    :func:`~portfolio_lib.satisfaction.nps_by` computed it. An adjusted-Wald interval is
    centred on the adjusted estimate, so for a small group the raw bar can end outside
    its own interval; the figure shows that rather than bending the interval round the bar.

    Parameters
    ----------
    table : NPSTable or DataFrame
        Output of :func:`~portfolio_lib.satisfaction.nps_by` or its ``table`` (columns
        ``nps``, ``ci_low``, ``ci_high``, ``n``); the result's ``method`` and ``confidence``
        (a plain table's ``attrs``) name the interval in the legend.
    ax : matplotlib Axes, optional
    min_group_size : int
        Groups with fewer respondents are drawn hollow and grey with a dotted interval
        and the note "n < 30: too few to read" (default 30; 0 flags none).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from portfolio_lib.satisfaction import nps_by
    >>> df = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 4, "nps": [10, 9, 3, 8, 10, 6, 9, 2]})
    >>> ax = plot_nps(nps_by(df, "g"))
    """
    ax = get_ax(ax, figsize=(8, 0.5 * len(table) + 1.5))
    _interval_bars(
        ax,
        as_table(table),
        "nps",
        colour=PALETTE[0],
        point="NPS (raw)",
        interval=_nps_interval_label(table),
        min_group_size=min_group_size,
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlim(-100, 100)
    ax.set_xlabel("Net Promoter Score (points)")
    ax.set_title("NPS by group")
    return ax


def plot_nps_trend(
    trend: NPSTrend | pd.DataFrame, *, ax: Axes | None = None, min_group_size: int = MIN_GROUP_SIZE
) -> Axes:
    """NPS per wave with each wave's interval; changes significant after Holm marked with ★.

    Each wave's interval is drawn from its bounds as a vertical line (a band between waves
    would suggest values nobody measured).

    Parameters
    ----------
    trend : NPSTrend or DataFrame
        Output of :func:`~portfolio_lib.satisfaction.nps_trend` or its ``table``.
    ax : matplotlib Axes, optional
    min_group_size : int
        Waves with fewer respondents are drawn hollow and grey with a dotted interval
        (default 30; 0 flags none).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from portfolio_lib.satisfaction import nps_trend
    >>> df = pd.DataFrame({"wave": [1] * 4 + [2] * 4, "nps": [10, 9, 3, 8, 10, 10, 9, 2]})
    >>> ax = plot_nps_trend(nps_trend(df, customer=None))
    """
    label = _nps_interval_label(trend)
    trend = as_table(trend)
    ax = get_ax(ax)
    x = np.arange(len(trend))
    small = small_groups(trend["n"], min_group_size)
    ax.plot(x, trend["nps"], color=PALETTE[0], lw=1.2)
    draw_intervals(ax, x, trend["ci_low"], trend["ci_high"], vertical=True, colour=PALETTE[0],
                   small=small)  # fmt: skip
    draw_points(ax, x, trend["nps"], colour=PALETTE[0], small=small)
    if "significant" in trend.columns:
        for xi, (flag, value) in enumerate(trend[["significant", "nps"]].to_numpy()):
            if bool(flag):
                ax.annotate(
                    "★",
                    (xi, value),
                    textcoords="offset points",
                    xytext=(0, 8),
                    ha="center",
                    color=PALETTE[1],
                    fontsize=12,
                )
    ax.set_xticks(x, _labels(trend.index))
    grey_ticklabels(ax.get_xticklabels(), small)
    ax.set_xlabel(str(trend.index.name or "period"))
    ax.set_ylabel("NPS (points)")
    ax.set_title("NPS per wave (★ = change from previous wave beyond noise, Holm)")
    handles = legend_handles(
        point="NPS (raw)",
        interval=label,
        colour=PALETTE[0],
        small=small,
        min_group_size=min_group_size,
    )
    ax.legend(handles=handles, loc="best", fontsize=8)
    return ax


def plot_csat(
    table: CSATTable | pd.DataFrame, *, ax: Axes | None = None, min_group_size: int = MIN_GROUP_SIZE
) -> Axes:
    """Top-box CSAT share per group (bars) with Wilson intervals drawn from their bounds.

    Parameters
    ----------
    table : CSATTable or DataFrame
        Output of :func:`~portfolio_lib.satisfaction.csat_by` or its ``table`` (``share``,
        ``ci_low``, ``ci_high`` as proportions, ``n``).
    ax : matplotlib Axes, optional
    min_group_size : int
        Groups with fewer respondents are drawn hollow and grey with a dotted interval
        (default 30; 0 flags none).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from portfolio_lib.satisfaction import csat_by
    >>> ax = plot_csat(csat_by(pd.DataFrame({"g": list("aabb"), "csat": [5, 2, 4, 4]}), "g"))
    """
    ax = get_ax(ax, figsize=(8, 0.5 * len(table) + 1.5))
    _interval_bars(
        ax,
        as_table(table),
        "share",
        colour=PALETTE[2],
        point="satisfied (top-box share)",
        interval=interval_label(setting(table, "confidence"), "wilson"),
        min_group_size=min_group_size,
    )
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_xlabel("satisfied (top-box share) with Wilson interval")
    ax.set_title("CSAT by group")
    return ax


def plot_likert(summary: LikertSummary, *, ax: Axes | None = None) -> Axes:
    """Diverging stacked bars: unfavourable levels left of 0, favourable right, neutral centred.

    Parameters
    ----------
    summary : LikertSummary
        Output of :func:`~portfolio_lib.satisfaction.likert_summary`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from portfolio_lib.satisfaction import likert_summary
    >>> ax = plot_likert(likert_summary(pd.DataFrame({"q": [1, 3, 4, 5]}), ["q"]))
    """
    shares = summary.shares.to_numpy(dtype=float)
    n_items, n_levels = shares.shape
    ax = get_ax(ax, figsize=(9, 0.55 * n_items + 1.8))
    half = n_levels // 2
    if summary.neutral is not None:
        left = -(shares[:, :half].sum(axis=1) + shares[:, half] / 2)
    else:
        left = -shares[:, :half].sum(axis=1)
    colours = mpl.colormaps["RdBu"](np.linspace(0.1, 0.9, n_levels))
    if summary.neutral is not None:
        colours[half] = mpl.colors.to_rgba("#c8c8c8")
    y = np.arange(n_items)[::-1]
    start = left.copy()
    for j in range(n_levels):
        ax.barh(
            y,
            shares[:, j],
            left=start,
            color=colours[j],
            height=0.65,
            label=summary.labels[j],
            edgecolor="white",
            linewidth=0.5,
        )
        start = start + shares[:, j]
    ax.axvline(0, color="black", lw=0.8)
    limit = max((1.0 + left).max(), (-left).max(), 0.5) * 1.05
    ax.set_xlim(-limit, limit)
    ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{abs(v):.0%}"))
    ax.set_yticks(y, [str(i) for i in summary.shares.index])
    ax.set_xlabel("share of answers (unfavourable ← 0 → favourable)")
    ax.legend(
        ncol=n_levels, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False, fontsize=8
    )
    ax.set_title("Likert items")
    return ax


def plot_driver_importance(result: DriverResult, *, ax: Axes | None = None) -> Axes:
    """Dominance share of R² per driver (bootstrap intervals when computed).

    Parameters
    ----------
    result : DriverResult
        Output of :func:`~portfolio_lib.satisfaction.driver_analysis`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from portfolio_lib.satisfaction import driver_analysis
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.normal(size=(100, 2)), columns=["a", "b"]).assign(y=lambda d: d.a)
    >>> ax = plot_driver_importance(driver_analysis(df, "y", ["a", "b"]))
    """
    table = result.importance
    ax = get_ax(ax, figsize=(8, 0.5 * len(table) + 1.5))
    y = np.arange(len(table))[::-1]
    ax.barh(y, table["general_dominance"], color=PALETTE[0], height=0.6)
    interval = None
    if {"ci_low", "ci_high"} <= set(table.columns):
        draw_intervals(ax, y, table["ci_low"], table["ci_high"])
        interval = interval_label(result.confidence, "bootstrap percentile")
    for yi, share in zip(y, table["share"], strict=True):
        ax.text(0, yi, f" {share:.0%}", va="center", ha="left", color="white", fontsize=8)
    ax.set_yticks(y, _labels(table.index))
    ax.legend(
        handles=legend_handles(
            point="general dominance", interval=interval, point_colour=PALETTE[0], bar=True
        ),
        fontsize=8,
        loc="lower right",
    )
    ax.set_xlabel(f"general dominance (share of R² = {result.r_squared:.2f})")
    ax.set_title(f"What drives {result.outcome}?")
    return ax


def plot_importance_performance(ipm: ImportancePerformance, *, ax: Axes | None = None) -> Axes:
    """Importance–performance map with quadrant lines and labelled drivers.

    Parameters
    ----------
    ipm : ImportancePerformance
        Output of :func:`~portfolio_lib.satisfaction.importance_performance`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from portfolio_lib.satisfaction import importance_performance
    >>> df = pd.DataFrame({"a": [5, 4, 5], "b": [2, 3, 2]})
    >>> ax = plot_importance_performance(importance_performance(df, pd.Series({"a": .2, "b": .8})))
    """
    ax = get_ax(ax, figsize=(7, 6))
    table = ipm.table
    quadrants = ["concentrate here", "keep up the good work", "possible overkill", "low priority"]
    colours = dict(zip(quadrants, [PALETTE[3], PALETTE[2], PALETTE[1], PALETTE[7]], strict=True))
    perf = table["performance"].to_numpy()
    draw_intervals(ax, table["importance"], table["performance_ci_low"],
                   table["performance_ci_high"], colour="grey", linewidth=1)  # fmt: skip
    ax.scatter(perf, table["importance"], c=[colours[q] for q in table["quadrant"]], s=60, zorder=3)
    for name, row in table.iterrows():
        ax.annotate(
            str(name),
            (row["performance"], row["importance"]),
            textcoords="offset points",
            xytext=(5, 5),
            fontsize=8,
        )
    ax.axvline(ipm.performance_cut, color="black", lw=0.8, ls="--")
    ax.axhline(ipm.importance_cut, color="black", lw=0.8, ls="--")
    handles = [Patch(color=colours[q], label=q) for q in quadrants]
    handles += legend_handles(interval="interval of the performance", colour="grey")
    ax.legend(handles=handles, fontsize=8, loc="best")
    ax.set_xlabel(f"performance ({ipm.performance_label})")
    ax.set_ylabel(ipm.importance_label)
    ax.set_title("Importance–performance map")
    return ax


def plot_complaint_pareto(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Pareto chart: complaint counts by category (bars) and cumulative share (line).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`~portfolio_lib.satisfaction.complaint_pareto`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The bar axes (the cumulative line is on a twin axis).

    Examples
    --------
    >>> from portfolio_lib.satisfaction import complaint_pareto
    >>> ax = plot_complaint_pareto(complaint_pareto(pd.DataFrame({"category": list("aab")})))
    """
    ax = get_ax(ax)
    x = np.arange(len(table))
    colours = [PALETTE[3] if vital else PALETTE[7] for vital in table["vital_few"]]
    ax.bar(x, table["count"], color=colours)
    ax.set_xticks(x, _labels(table.index), rotation=30, ha="right")
    ax.set_ylabel("complaints")
    twin = ax.twinx()
    twin.plot(x, table["cumulative_share"], color=PALETTE[0], marker="o")
    twin.set_ylim(0, 1.05)
    twin.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    twin.set_ylabel("cumulative share")
    twin.grid(False)
    ax.set_title("Complaints by category (Pareto; red = the vital few)")
    return ax


def plot_resolution_survival(
    result: ResolutionSurvival, *, ax: Axes | None = None, min_group_size: int = MIN_GROUP_SIZE
) -> Axes:
    """Kaplan–Meier curves of the share of complaints still open, with interval bands.

    Parameters
    ----------
    result : ResolutionSurvival
        Output of :func:`~portfolio_lib.satisfaction.resolution_survival`.
    ax : matplotlib Axes, optional
    min_group_size : int
        Groups with fewer complaints are drawn dotted without a band, their legend entry
        saying "n < 30: too few to read" (default 30; 0 flags none).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from portfolio_lib.satisfaction import resolution_survival
    >>> df = pd.DataFrame({"opened": pd.to_datetime(["2024-01-01"] * 3),
    ...                    "resolved": pd.to_datetime(["2024-01-02", "2024-01-04", None])})
    >>> ax = plot_resolution_survival(resolution_survival(df, as_of="2024-01-09"))
    """
    ax = get_ax(ax)
    groups = list(result.curves.groupby("group", sort=False))
    sizes = [curve["at_risk"].iloc[0] for _, curve in groups]
    flags = small_groups(sizes, min_group_size)
    for i, ((group, curve), small) in enumerate(zip(groups, flags, strict=True)):
        colour = PALETTE[i % len(PALETTE)]
        label = flagged_label(str(group), small, min_group_size)
        ax.step(curve["time"], curve["still_open"], where="post", color=colour, label=label,
                linestyle="dotted" if small else "solid")  # fmt: skip
        if not small:
            draw_band(ax, curve["time"], curve["ci_low"], curve["ci_high"], colour=colour,
                      alpha=0.15, step="post")  # fmt: skip
    ax.axhline(0.5, color="black", lw=0.6, ls=":")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_xlabel(f"time since opening ({_UNIT_NAMES.get(result.unit, result.unit)})")
    ax.set_ylabel("still open (Kaplan–Meier; band = interval)")
    ax.set_title("Time to resolution (open complaints censored)")
    if len(groups) > 1 or flags.any():
        ax.legend(fontsize=8)
    return ax


def plot_branch_league(
    table: BranchRanking | pd.DataFrame,
    *,
    ax: Axes | None = None,
    min_group_size: int = MIN_BRANCH_VISITS,
) -> Axes:
    """Branch league table: mean mystery-shopping score with interval, best at the top.

    Parameters
    ----------
    table : BranchRanking or DataFrame
        Output of :func:`~portfolio_lib.satisfaction.branch_ranking` or its ``table``.
    ax : matplotlib Axes, optional
    min_group_size : int
        Branches with fewer visits are drawn hollow and grey with a dotted interval
        (default 5: a t interval from fewer visits rests on three or fewer degrees of
        freedom, and one visit has no interval at all; 0 flags none).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from portfolio_lib.satisfaction import branch_ranking
    >>> s = pd.DataFrame({"branch": list("aabb"), "score": [90.0, 80.0, 40.0, 50.0]})
    >>> ax = plot_branch_league(branch_ranking(s, n_boot=100))
    """
    level = setting(table, "confidence")
    table = as_table(table)
    ax = get_ax(ax, figsize=(8, 0.45 * len(table) + 1.5))
    y = np.arange(len(table))[::-1]
    small = small_groups(table["n_visits"], min_group_size)
    colours = [_VS_NETWORK_COLOURS.get(v, PALETTE[0]) for v in table["vs_network"]]
    draw_intervals(ax, y, table["ci_low"], table["ci_high"], colour="grey", small=small)
    draw_points(ax, table["mean"], y, colour=colours, small=small, size=50)
    labels = [
        f"{name}  (rank {int(r)}; {lo:g}–{hi:g})"
        for name, r, lo, hi in zip(
            _labels(table.index),
            table["rank"],
            table["rank_ci_low"],
            table["rank_ci_high"],
            strict=True,
        )
    ]
    ax.set_yticks(y, labels)
    grey_ticklabels(ax.get_yticklabels(), small)
    names = {"above": "above network", "below": "below network", "in line": "in line with network"}
    handles = [Patch(color=c, label=names[k]) for k, c in _VS_NETWORK_COLOURS.items()]
    handles += legend_handles(
        interval=interval_label(level, "t"),
        colour="grey",
        small=small,
        min_group_size=min_group_size,
    )
    ax.legend(handles=handles, fontsize=8, loc="lower right")
    ax.set_xlabel("mean visit score (0–100; dot = mean, line = its interval)")
    ax.set_title("Mystery shopping league table (rank interval in brackets)")
    return ax
