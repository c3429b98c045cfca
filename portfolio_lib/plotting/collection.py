"""Chapter 1 figures: growth of the customer base, revenue per month, channel mix."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from portfolio_lib.plotting import PALETTE, get_ax

__all__ = ["plot_new_customers", "plot_monthly_revenue", "plot_channel_mix"]


def plot_new_customers(counts: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Stacked bars of new customers per month (output of ``describe.monthly_new_customers``)."""
    ax = get_ax(ax, figsize=(9, 4))
    labels = [str(p) for p in counts.index]
    bottom = pd.Series(0.0, index=counts.index)
    for i, column in enumerate(counts.columns):
        ax.bar(
            labels,
            counts[column],
            bottom=bottom,
            color=PALETTE[i % len(PALETTE)],
            label=str(column),
        )
        bottom = bottom + counts[column]
    ax.set_ylabel("new customers per month")
    ax.set_title("New customers by acquisition channel")
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")
    if counts.shape[1] > 1:
        ax.legend(title=counts.columns.name, ncols=2, fontsize="small")
    return ax


def plot_monthly_revenue(monthly: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Gross revenue, returns and net revenue per month (output of ``describe.monthly_revenue``)."""
    ax = get_ax(ax, figsize=(9, 4))
    x = monthly.index.to_timestamp()
    ax.bar(
        x, monthly["gross_revenue"], width=20, color=PALETTE[0], alpha=0.35, label="gross revenue"
    )
    ax.bar(x, monthly["returns"], width=20, color=PALETTE[3], alpha=0.6, label="returns")
    ax.plot(x, monthly["net_revenue"], color=PALETTE[0], marker="o", label="net revenue")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("currency units per month")
    ax.set_title("Revenue per month")
    ax.legend(fontsize="small")
    return ax


def plot_channel_mix(mix: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars of order and revenue share per channel (output of ``describe.channel_mix``)."""
    ax = get_ax(ax, figsize=(7, 3.5))
    shares = mix[["order_share", "revenue_share"]].iloc[::-1] * 100
    shares.plot.barh(ax=ax, color=[PALETTE[0], PALETTE[1]])
    ax.set_xlabel("share (%)")
    ax.set_ylabel(mix.index.name or "channel")
    ax.set_title("Channel mix")
    ax.legend(["orders", "revenue"], fontsize="small")
    return ax
