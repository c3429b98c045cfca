"""Figures of the CLV chapter. Each takes an already computed table and an optional ``ax``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from portfolio_lib._results import as_table, setting
from portfolio_lib.clv import CLVResult
from portfolio_lib.plotting import PALETTE, get_ax
from portfolio_lib.plotting._intervals import (
    draw_intervals,
    draw_points,
    interval_label,
    legend_handles,
)

__all__ = [
    "plot_repeat_purchases",
    "plot_holdout_comparison",
    "plot_prob_alive_matrix",
    "plot_clv_intervals",
    "plot_retention_projection",
]


def plot_repeat_purchases(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Bars of actual vs model customers by repeat purchases.

    ``table`` is :func:`portfolio_lib.clv.repeat_purchase_distribution` output.
    """
    ax = get_ax(ax)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"], width=0.4, color=PALETTE[0], label="actual")
    ax.bar(x + 0.2, table["model"], width=0.4, color=PALETTE[1], label="model")
    labels = [str(i) for i in table.index]
    labels[-1] += "+"
    ax.set_xticks(x, labels)
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    ax.legend()
    return ax


def plot_holdout_comparison(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean holdout purchases, actual vs predicted, by calibration frequency.

    ``table`` is :func:`portfolio_lib.clv.holdout_comparison` output.
    """
    ax = get_ax(ax)
    labels = [str(i) for i in table.index]
    labels[-1] += "+"
    ax.plot(labels, table["actual"], marker="o", color=PALETTE[0], label="actual")
    ax.plot(labels, table["model"], marker="s", ls="--", color=PALETTE[1], label="model")
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.legend()
    return ax


def plot_prob_alive_matrix(matrix: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Heat map of P(alive) by frequency and recency (:func:`portfolio_lib.clv.prob_alive_matrix`)."""
    ax = get_ax(ax)
    rec = matrix.columns.to_numpy(dtype=float)
    image = ax.imshow(
        matrix.to_numpy(),
        origin="lower",
        aspect="auto",
        cmap="viridis",
        vmin=0,
        vmax=1,
        extent=(rec.min(), rec.max(), matrix.index.min() - 0.5, matrix.index.max() + 0.5),
    )
    ax.figure.colorbar(image, ax=ax, label="P(alive)")
    ax.set_xlabel("recency (age at last purchase)")
    ax.set_ylabel("frequency (repeat purchases)")
    return ax


def plot_clv_intervals(
    clv_table: pd.DataFrame | CLVResult, ax: Axes | None = None, *, top: int = 25
) -> Axes:
    """CLV (dot) with its interval (line from ``clv_low`` to ``clv_high``) for the ``top`` customers.

    ``clv_table`` is :func:`portfolio_lib.clv.customer_lifetime_value` output (the
    :class:`~portfolio_lib.clv.CLVResult` or its ``table``). The interval comes from parameter
    draws and need not be centred on the point estimate; it is drawn from its bounds as computed.
    """
    level = setting(clv_table, "interval")
    ax = get_ax(ax)
    shown = as_table(clv_table).nlargest(top, "clv").iloc[::-1]
    y = np.arange(len(shown))
    draw_intervals(ax, y, shown["clv_low"], shown["clv_high"], colour=PALETTE[7], linewidth=1.2)
    draw_points(ax, shown["clv"], y, colour=PALETTE[0], size=25)
    ax.set_yticks(y, [str(i) for i in shown.index])
    ax.legend(
        handles=legend_handles(point="CLV (point estimate)", interval=interval_label(level),
                               colour=PALETTE[7], point_colour=PALETTE[0]),
        fontsize=8,
        loc="lower right",
    )  # fmt: skip
    ax.set_xlabel("CLV" + (f" ({100 * level:.0f}% interval)" if level else ""))
    ax.set_ylabel("customer")
    return ax


def plot_retention_projection(
    projection: pd.DataFrame, ax: Axes | None = None, *, held_out: pd.Series | None = None
) -> Axes:
    """sBG projection of active customers against the fitted (and held-out) counts.

    ``projection`` is ``ShiftedBetaGeometric.projected_customers`` output.
    """
    ax = get_ax(ax)
    ax.plot(projection.index, projection["expected_active"], color=PALETTE[1], label="sBG model")
    ax.plot(projection.index, projection["observed"], "o", color=PALETTE[0], label="fitted data")
    if held_out is not None:
        ax.plot(
            held_out.index, held_out.to_numpy(), "o", mfc="none", color=PALETTE[0], label="held out"
        )
    ax.set_xlabel("period")
    ax.set_ylabel("active customers")
    ax.legend()
    return ax
