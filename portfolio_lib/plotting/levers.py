"""Segmentation-into-decisions figures: price, service level and touchpoints per segment.

Each function takes an already computed result from :mod:`portfolio_lib.portfolio.levers`
and an optional ``ax``, and returns the Axes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from portfolio_lib.plotting import PALETTE, get_ax
from portfolio_lib.plotting._intervals import (
    MIN_GROUP_SIZE,
    draw_intervals,
    draw_points,
    grey_ticklabels,
    interval_label,
    legend_handles,
    small_groups,
)
from portfolio_lib.plotting._notes import show_note
from portfolio_lib.portfolio.levers import CostToServe, DiscountBySegment, TouchpointsBySegment

__all__ = ["plot_discount_by_segment", "plot_cost_to_serve", "plot_touchpoints_by_segment"]


def _checked(result: object, kind: type, source: str) -> None:
    if not isinstance(result, kind):
        raise TypeError(f"expected a {kind.__name__} ({source}), got {type(result).__name__}")


def _forest(ax: Axes, rows, point: str, low: str, high: str, sizes, min_group_size: int):
    """Points with intervals, one row per segment (first row on top); returns the flags."""
    y = np.arange(len(rows))[::-1]
    small = small_groups(sizes, min_group_size)
    draw_intervals(ax, y, rows[low], rows[high], colour=PALETTE[0], small=small)
    draw_points(ax, rows[point].to_numpy(float), y, colour=PALETTE[0], small=small)
    ax.set_yticks(y, [f"{name} (n = {int(n):,})" for name, n in zip(rows.index, sizes,
                                                                      strict=True)], fontsize=8)  # fmt: skip
    grey_ticklabels(ax.get_yticklabels(), small)
    return small


def plot_discount_by_segment(
    result: DiscountBySegment, ax: Axes | None = None, *, min_group_size: int = MIN_GROUP_SIZE
) -> Axes:
    """Volume lift per segment with its interval, against the discount's break-even lift.

    Parameters
    ----------
    result : DiscountBySegment
        From :func:`portfolio_lib.portfolio.discount_by_segment`.
    ax : matplotlib Axes, optional
    min_group_size : int
        Segments whose smaller arm is below it are drawn hollow and grey.

    Returns
    -------
    matplotlib Axes
        A segment clears the break-even line (orange) when its whole interval lies right
        of it; an empty panel with the note when there was nothing to evaluate.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.portfolio.levers import DiscountBySegment
    >>> t = pd.DataFrame({"volume_lift": [0.2], "lift_low": [-0.1], "lift_high": [0.6],
    ...     "n_treated": [80], "n_control": [90], "break_even_lift": [0.5]}, index=["x"])
    >>> plot_discount_by_segment(DiscountBySegment(t, 0.1, 0.3, 0.0, ("K1",), 0.95)).get_title()
    'Price: volume lift of the offer vs break-even'
    """
    _checked(result, DiscountBySegment, "portfolio.discount_by_segment")
    title = "Price: volume lift of the offer vs break-even"
    rows = result.table.dropna(subset=["lift_low"])
    ax = get_ax(ax, figsize=(6.5, 0.5 * len(rows) + 1.8))
    if rows.empty:
        return show_note(ax, result.note, title)
    sizes = np.minimum(rows["n_treated"], rows["n_control"]).to_numpy()
    small = _forest(ax, rows, "volume_lift", "lift_low", "lift_high", sizes, min_group_size)
    need = float(rows["break_even_lift"].iloc[0])
    handles = legend_handles(point="volume lift (treated / control - 1)",
                             interval=interval_label(result.confidence, "delta method"),
                             colour=PALETTE[0], small=small, min_group_size=min_group_size)  # fmt: skip
    ax.axvline(0.0, color="grey", linestyle="--", linewidth=1)
    if np.isfinite(need):
        handles.append(ax.axvline(need, color=PALETTE[1], linewidth=1.5,
                                  label=f"break-even {need:+.0%}"))  # fmt: skip
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3,
              fontsize=8)  # fmt: skip
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:+.0%}")
    ax.set_xlabel("extra purchases per customer in the campaign window")
    ax.set_title(title)
    return ax


def plot_cost_to_serve(result: CostToServe, ax: Axes | None = None) -> Axes:
    """Cost to serve per customer by kind (stacked bars) beside the gross profit per customer.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.portfolio.levers import cost_to_serve
    >>> tx = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01"] * 2),
    ...                    "amount": [100.0, 50.0]})
    >>> tp = pd.DataFrame({"customer_id": ["a"], "stage": ["deepening"]})
    >>> r = cost_to_serve(tx, tp, pd.DataFrame({"customer_id": ["b"]}),
    ...                   pd.Series({"a": "x", "b": "y"}), margin=0.3)
    >>> plot_cost_to_serve(r).get_xlabel()
    'currency units per customer'
    """
    _checked(result, CostToServe, "portfolio.cost_to_serve")
    t = result.table
    ax = get_ax(ax, figsize=(6.5, 0.5 * len(t) + 1.8))
    y = np.arange(len(t))[::-1]
    left = np.zeros(len(t))
    for colour, kind in zip(PALETTE[1:4], ("touchpoints", "complaints", "returns"), strict=True):
        width = (t[f"cost_{kind}"] / t["n_customers"]).to_numpy(float)
        ax.barh(y, width, left=left, height=0.35, color=colour, label=f"cost of {kind}")
        left += width
    ax.scatter(t["gross_profit_per_customer"], y, marker="D", color=PALETTE[0], zorder=3,
               label="gross profit")  # fmt: skip
    ax.scatter(t["profit_after_service_per_customer"], y, marker="o", facecolor="none",
               edgecolor=PALETTE[0], zorder=3, label="profit after service")  # fmt: skip
    ax.axvline(0.0, color="grey", linewidth=1)
    ax.set_yticks(y, [f"{g} (n = {int(n):,})" for g, n in t["n_customers"].items()], fontsize=8)
    ax.set_xlabel("currency units per customer")
    ax.set_title("Service level: cost to serve vs gross profit")
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_touchpoints_by_segment(
    result: TouchpointsBySegment,
    stage: str = "deepening",
    ax: Axes | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Axes:
    """Share of each segment reaching ``stage`` with its Wilson interval (``other`` left out).

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.portfolio.levers import touchpoints_by_segment
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-02"]),
    ...     "stage": ["purchase", "deepening", "purchase"], "channel": ["store"] * 3})
    >>> r = touchpoints_by_segment(log, pd.Series({"a": "x", "b": "y"}))
    >>> plot_touchpoints_by_segment(r).get_xlabel()
    'share of the segment reaching deepening'
    """
    _checked(result, TouchpointsBySegment, "portfolio.touchpoints_by_segment")
    rows = result.reach(stage).drop(index=[result.other], errors="ignore")
    ax = get_ax(ax, figsize=(6.5, 0.5 * len(rows) + 1.8))
    if rows.empty:
        return show_note(ax, result.note, f"Touchpoints: who reaches {stage}")
    first = result.table.loc[result.table["stage"] == result.table["stage"].iloc[0]]
    sizes = first.set_index("group")["reached"].reindex(rows.index).to_numpy()
    small = _forest(ax, rows, "overall_conversion", "overall_ci_low", "overall_ci_high", sizes,
                    min_group_size)  # fmt: skip
    handles = legend_handles(point=f"reached {stage}",
                             interval=interval_label(result.confidence, "wilson"),
                             colour=PALETTE[0], small=small, min_group_size=min_group_size)  # fmt: skip
    ax.legend(handles=handles, loc="best", fontsize=8)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel(f"share of the segment reaching {stage}")
    ax.set_title(f"Touchpoints: who reaches {stage}")
    return ax
