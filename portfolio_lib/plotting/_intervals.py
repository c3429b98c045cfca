"""Intervals drawn from their bounds: the one way the figures of :mod:`portfolio_lib.plotting` draw them.

Why not error bars. ``errorbar(xerr=...)`` takes the lengths below and above the point. Many
intervals in this package are not centred on the point a figure shows — adjusted Wald (NPS,
centred on the adjusted estimate), Wilson (shares), percentile bootstrap, odds ratios on a log
scale — so the lengths can be negative (matplotlib raises) or, clipped to zero, draw an interval
the analysis never computed. Here an interval is a line from its lower to its upper bound; the
point estimate is marked apart, and the legend or axis label says which estimate each one is.

Small groups. An interval from a handful of answers is either huge or (Wald) of zero width, and
both invite a reading the data cannot support. Figures that know each group's size take a
``min_group_size``; groups below it are drawn hollow and grey, their interval dotted, and the
legend says so ("n < 30: too few to read").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.container import BarContainer
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

#: Default smallest group whose interval a figure draws as readable. Below about 30 answers a
#: share or an NPS has an interval wider than most differences a manager cares about, and the
#: normal approximations behind Wald-type intervals are poor (Agresti & Coull 1998; Rocks 2016).
MIN_GROUP_SIZE = 30
#: Colour of groups below ``min_group_size`` (hollow markers and bars, dotted intervals).
SMALL_COLOUR = "#9a9a9a"
#: ``gid`` of the LineCollection that holds a figure's intervals (tests and readers find it).
INTERVAL_GID = "intervals"

__all__ = [
    "MIN_GROUP_SIZE",
    "SMALL_COLOUR",
    "INTERVAL_GID",
    "check_min_group_size",
    "small_groups",
    "small_note",
    "flagged_label",
    "interval_label",
    "draw_intervals",
    "draw_points",
    "draw_band",
    "hollow_bars",
    "grey_ticklabels",
    "legend_handles",
]


def check_min_group_size(min_group_size: object) -> int:
    """Return ``min_group_size`` as an int >= 0 (0 flags nothing) or raise ``ValueError``."""
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, int | np.integer):
        raise ValueError(f"min_group_size must be a whole number >= 0, got {min_group_size!r}")
    if min_group_size < 0:
        raise ValueError(f"min_group_size must be a whole number >= 0, got {min_group_size!r}")
    return int(min_group_size)


def small_groups(n: object, min_group_size: int) -> np.ndarray:
    """Boolean mask of groups with fewer than ``min_group_size`` observations (NaN n: False)."""
    sizes = np.asarray(n, dtype=float)
    limit = check_min_group_size(min_group_size)
    return np.isfinite(sizes) & (sizes < limit)


def small_note(min_group_size: int) -> str:
    """The legend text of groups below ``min_group_size``."""
    return f"n < {min_group_size}: too few to read"


def flagged_label(name: str, small: bool, min_group_size: int) -> str:
    """A group's legend label, with the small-group note when it is flagged."""
    return f"{name} ({small_note(min_group_size)})" if small else name


def interval_label(confidence: float | None = None, method: str | None = None) -> str:
    """``"95% interval (adjusted Wald)"``; parts that are unknown are left out."""
    level = f"{100 * confidence:.0f}% interval" if confidence else "interval"
    name = str(method).replace("_", " ") if method else ""
    name = {"adjusted wald": "adjusted Wald", "wald": "Wald", "wilson": "Wilson"}.get(name, name)
    return f"{level} ({name})" if name else level


def _as_mask(small: object, size: int) -> np.ndarray:
    if small is None:
        return np.zeros(size, dtype=bool)
    mask = np.asarray(small, dtype=bool)
    if mask.shape != (size,):
        raise ValueError(f"small must have one flag per interval ({size}), got shape {mask.shape}")
    return mask


def draw_intervals(
    ax: Axes,
    at: object,
    low: object,
    high: object,
    *,
    vertical: bool = False,
    colour: str = "black",
    small: object = None,
    linewidth: float = 1.6,
    label: str | None = None,
    zorder: float = 2.5,
) -> LineCollection:
    """Draw each interval as a line from ``low`` to ``high`` at position ``at``.

    Parameters
    ----------
    ax : Axes
    at : array-like
        Position across the interval's direction (the y of a horizontal interval, the x of
        a vertical one).
    low, high : array-like
        The bounds, as the analysis computed them; NaN bounds draw nothing.
    vertical : bool
        Vertical lines (values on the y axis) instead of horizontal ones.
    colour : str
        Colour of readable intervals; flagged ones are grey and dotted.
    small : array-like of bool, optional
        Groups below the figure's ``min_group_size``.
    linewidth, label, zorder
        Passed to matplotlib.

    Returns
    -------
    LineCollection
        One segment per drawn interval, ``gid`` :data:`INTERVAL_GID`.
    """
    position = np.asarray(at, dtype=float)
    lower = np.asarray(low, dtype=float)
    upper = np.asarray(high, dtype=float)
    flags = _as_mask(small, len(position))
    shown = np.isfinite(position) & np.isfinite(lower) & np.isfinite(upper)
    colours = [SMALL_COLOUR if flag else colour for flag in flags[shown]]
    styles = ["dotted" if flag else "solid" for flag in flags[shown]]
    draw = ax.vlines if vertical else ax.hlines
    lines = draw(
        position[shown],
        lower[shown],
        upper[shown],
        colors=colours,
        linestyles=styles,
        linewidth=linewidth,
        label=label,
        zorder=zorder,
    )
    lines.set_gid(INTERVAL_GID)
    return lines


def draw_points(
    ax: Axes,
    x: object,
    y: object,
    *,
    colour: object,
    small: object = None,
    marker: str = "o",
    size: float = 40.0,
    label: str | None = None,
    zorder: float = 3.0,
) -> PathCollection:
    """Mark point estimates: filled in ``colour``, hollow and grey where ``small`` is True.

    ``colour`` is one colour or one per point. NaN points are not drawn.
    """
    xs, ys = (np.asarray(v, dtype=float) for v in (x, y))
    flags = _as_mask(small, len(xs))
    colours = np.array([colour] * len(xs) if isinstance(colour, str) else list(colour), object)
    shown = np.isfinite(xs) & np.isfinite(ys)
    return ax.scatter(
        xs[shown],
        ys[shown],
        s=size,
        marker=marker,
        facecolors=list(np.where(flags, "none", colours)[shown]),
        edgecolors=list(np.where(flags, SMALL_COLOUR, colours)[shown]),
        linewidths=1.2,
        label=label,
        zorder=zorder,
    )


def draw_band(
    ax: Axes,
    x: object,
    low: object,
    high: object,
    *,
    colour: str,
    alpha: float = 0.2,
    step: str | None = None,
    label: str | None = None,
) -> PolyCollection:
    """An interval along a curve (a forecast, a survival curve): filled between its bounds."""
    return ax.fill_between(
        x, low, high, step=step, color=colour, alpha=alpha, linewidth=0, label=label
    )


def hollow_bars(bars: BarContainer, small: object) -> None:
    """Redraw the flagged bars of ``bars`` hollow with a grey edge."""
    flags = _as_mask(small, len(bars.patches))
    for patch, flag in zip(bars.patches, flags, strict=True):
        if flag:
            patch.set_facecolor("none")
            patch.set_edgecolor(SMALL_COLOUR)
            patch.set_linewidth(1.0)


def grey_ticklabels(labels: Sequence[Artist], small: object) -> None:
    """Grey the tick labels of flagged groups (in the order the ticks were set)."""
    flags = _as_mask(small, len(labels))
    for text, flag in zip(labels, flags, strict=True):
        if flag:
            text.set_color(SMALL_COLOUR)


def legend_handles(
    *,
    point: str | None = None,
    interval: str | None = None,
    colour: str = "black",
    point_colour: str | None = None,
    bar: bool = False,
    small: object = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> list[Artist]:
    """Legend entries: the point estimate (a marker or a bar), the interval, the small-group note.

    The small-group entry is added only when some group is flagged.
    """
    handles: list[Artist] = []
    mark = point_colour or colour
    if point is not None:
        handles.append(
            Patch(color=mark, label=point)
            if bar
            else Line2D([], [], marker="o", linestyle="none", color=mark, label=point)
        )
    if interval is not None:
        handles.append(Line2D([], [], color=colour, linewidth=1.6, label=interval))
    if small is not None and np.asarray(small, dtype=bool).any():
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markerfacecolor="none",
                markeredgecolor=SMALL_COLOUR,
                color=SMALL_COLOUR,
                linestyle="dotted",
                label=small_note(min_group_size),
            )
        )
    return handles
