"""Portfolio figures: value x loyalty quadrants, Lorenz curve with Gini, cohort retention heatmap,
KPI dashboard per segment.

Each function takes an already computed result from :mod:`portfolio_lib.portfolio`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from portfolio_lib._results import as_table, setting
from portfolio_lib.plotting import PALETTE, get_ax
from portfolio_lib.plotting._heatmap import annotated_heatmap
from portfolio_lib.plotting._intervals import (
    MIN_GROUP_SIZE,
    draw_intervals,
    hollow_bars,
    small_groups,
    small_note,
)
from portfolio_lib.portfolio import (
    KPI_LABELS,
    QUADRANTS,
    CohortRetention,
    KPIDashboard,
    LorenzCurve,
    ValueLoyalty,
)

__all__ = ["plot_value_loyalty", "plot_lorenz", "plot_cohort_retention", "plot_kpi_dashboard"]

#: Column with the number of customers behind a KPI's value (by KPI prefix); others use
#: ``n_customers``.
_KPI_BASE = {"retention": ("retention_base",), "churn": ("retention_base",),
             "nps": ("nps_responses",)}  # fmt: skip


def plot_value_loyalty(
    matrix: ValueLoyalty,
    ax: Axes | None = None,
    *,
    log: bool = True,
    turkish: bool = False,
) -> Axes:
    """Scatter of customers on loyalty (x) and value (y) with the four quadrants.

    Parameters
    ----------
    matrix : ValueLoyalty
        Result of :func:`portfolio_lib.portfolio.value_loyalty_matrix`.
    ax : matplotlib Axes, optional
    log : bool
        Symmetric-log axes (linear near 0), since value and frequency are long-tailed.
    turkish : bool
        Label quadrants with their Turkish names.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.portfolio import value_loyalty_matrix
    >>> t = pd.DataFrame({"monetary_total": [500.0, 40.0, 20.0, 10.0], "frequency": [9, 1, 8, 1]})
    >>> ax = plot_value_loyalty(value_loyalty_matrix(t))
    >>> len(ax.collections)
    4
    """
    ax = get_ax(ax, figsize=(7, 5))
    table = matrix.table
    for i, ((high_v, high_l), names) in enumerate(QUADRANTS.items()):
        part = table[(table["high_value"] == high_v) & (table["high_loyalty"] == high_l)]
        label = f"{names[1] if turkish else names[0]} ({len(part)})"
        ax.scatter(part["loyalty"], part["value"], s=10, alpha=0.5, color=PALETTE[i], label=label)
    ax.axvline(matrix.loyalty_threshold, color="grey", linestyle="--", linewidth=1)
    ax.axhline(matrix.value_threshold, color="grey", linestyle="--", linewidth=1)
    if log:
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_yscale("symlog", linthresh=1.0)
    if len(table) and table["loyalty"].min() >= 0:
        ax.set_xlim(left=0)
    if len(table) and table["value"].min() >= 0:
        ax.set_ylim(bottom=0)
    ax.set_xlabel(f"loyalty: {matrix.loyalty_label}")
    ax.set_ylabel(f"value: {matrix.value_label}")
    ax.legend(loc="upper left", fontsize=8, markerscale=2)
    ax.set_title("Value x loyalty (Reinartz & Kumar)")
    return ax


def plot_lorenz(curve: LorenzCurve, ax: Axes | None = None, *, what: str = "revenue") -> Axes:
    """Lorenz curve against the line of equality, with the Gini coefficient in the legend.

    Examples
    --------
    >>> from portfolio_lib.portfolio import lorenz_curve
    >>> len(plot_lorenz(lorenz_curve([1.0, 2.0, 7.0])).lines)
    2
    """
    ax = get_ax(ax, figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="equality")
    ax.plot(curve.population_share, curve.value_share, color=PALETTE[0],
            label=f"Lorenz curve (Gini = {curve.gini:.2f})")  # fmt: skip
    ax.fill_between(curve.population_share, curve.value_share, curve.population_share,
                    color=PALETTE[0], alpha=0.15)  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("share of customers (smallest first)")
    ax.set_ylabel(f"share of {what}")
    ax.legend(loc="upper left")
    ax.set_title(f"Concentration of {what}")
    return ax


def plot_cohort_retention(
    cohort: CohortRetention,
    ax: Axes | None = None,
    *,
    max_periods: int | None = None,
) -> Axes:
    """Heatmap of cohort retention: rows first-purchase cohorts, columns periods since then.

    Period 0 (always 100 %) is left out so the colour scale shows the later periods.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.portfolio import cohort_retention
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-03", "2024-02-10", "2024-02-01"]),
    ...                    "amount": [10.0, 12.0, 8.0]})
    >>> plot_cohort_retention(cohort_retention(tx)).get_ylabel()
    'first-purchase cohort (M)'
    """
    table = cohort.retention.iloc[:, 1:]
    if max_periods is not None:
        table = table.iloc[:, :max_periods]
    ax = get_ax(ax, figsize=(min(0.45 * table.shape[1] + 3, 14), 0.35 * len(table) + 1.5))
    percent = table * 100
    annotated_heatmap(ax, percent, cmap="YlGnBu", fmt=".0f", colorbar_label="active (%)")
    ax.set_xlabel(f"periods since first purchase ({cohort.unit})")
    ax.set_ylabel(cohort.label)
    ax.set_title("Cohort retention (% of cohort buying)")
    return ax


def plot_kpi_dashboard(
    table: KPIDashboard | pd.DataFrame,
    *,
    kpis: Sequence[str] | None = None,
    show_strategy: bool = True,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Figure:
    """One figure of the KPIs per segment (bars with intervals) and the strategy per segment.

    Each bar is the segment's value; its interval, where the table has one, is a line drawn
    from the bounds as computed (an NPS or Wilson interval need not be centred on the bar).

    Parameters
    ----------
    table : KPIDashboard or pandas.DataFrame
        Result of :func:`portfolio_lib.portfolio.kpi_dashboard` or its ``table`` (the title
        names the day retention was measured from, when known).
    kpis : sequence of str, optional
        KPI columns to draw (default the keys of :data:`portfolio_lib.portfolio.KPI_LABELS`
        present with at least one value); intervals are drawn where ``<kpi>_ci_low/high`` or,
        for retention and churn, ``retention_ci_*``/``churn_ci_*`` exist.
    show_strategy : bool
        Add the table of ``strategy`` and ``target`` per segment under the panels (when the
        table has them).
    min_group_size : int
        A bar that rests on fewer customers (retention base for retention and churn, NPS
        responses for NPS, customers otherwise) is drawn hollow with a dotted interval and
        the title says "n < 30: too few to read" (default 30; 0 flags none).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.portfolio import kpi_dashboard
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 20.0, 5.0],
    ...     "date": pd.to_datetime(["2024-01-10", "2024-04-10", "2024-01-20"])})
    >>> kpis = kpi_dashboard({"transactions": tx}, pd.Series({"a": "x", "b": "y"}), margin=0.5,
    ...                      window_days=90, observation_end="2024-06-28")
    >>> len(plot_kpi_dashboard(kpis).axes)
    3
    """
    as_of = setting(table, "as_of")
    table = as_table(table)
    if kpis is None:
        kpis = [k for k in KPI_LABELS if k in table.columns and table[k].notna().any()]
    missing = [k for k in kpis if k not in table.columns]
    if missing:
        raise ValueError(f"table has no KPI column(s) {missing}; columns: {list(table.columns)}")
    if not kpis:
        raise ValueError("table has no KPI with a value to draw")
    strategy = show_strategy and {"strategy", "target"} <= set(table.columns)
    ncols = min(3, len(kpis))
    nrows = -(-len(kpis) // ncols)
    fig = plt.figure(
        figsize=(4.2 * ncols, 3.2 * nrows + (0.45 * len(table) + 0.8 if strategy else 0))
    )
    heights = [3.2] * nrows + ([0.45 * len(table) + 0.8] if strategy else [])
    grid = fig.add_gridspec(len(heights), ncols, height_ratios=heights)
    labels = [str(i) for i in table.index]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(table))]
    any_small = False
    for n, kpi in enumerate(kpis):
        ax = fig.add_subplot(grid[n // ncols, n % ncols])
        values = table[kpi].to_numpy(dtype=float)
        prefix = kpi.removesuffix("_rate").removesuffix("_mean")
        low_col, high_col = f"{prefix}_ci_low", f"{prefix}_ci_high"
        sizes = [c for c in (*_KPI_BASE.get(prefix, ()), "n_customers") if c in table.columns]
        small = small_groups(table[sizes[0]], min_group_size) if sizes else None
        any_small = any_small or bool(small is not None and small.any())
        bars = ax.bar(labels, np.nan_to_num(values), color=colors)
        hollow_bars(bars, small)
        if low_col in table.columns and high_col in table.columns:
            draw_intervals(ax, np.arange(len(table)), table[low_col], table[high_col],
                           vertical=True, small=small)  # fmt: skip
        for x, v in enumerate(values):
            if not np.isfinite(v):
                ax.text(x, 0, "n/a", ha="center", va="bottom", fontsize=8, color="grey")
        if kpi in ("retention_rate", "churn_rate", "expected_churn"):
            ax.set_ylim(0, 1)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_title(KPI_LABELS.get(kpi, kpi), fontsize=9)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    if strategy:
        ax = fig.add_subplot(grid[-1, :])
        ax.axis("off")
        cells = [[str(i), str(table.loc[i, "strategy"]), str(table.loc[i, "target"])]
                 for i in table.index]  # fmt: skip
        shown = ax.table(cellText=cells, colLabels=["segment", "strategy", "target"],
                         loc="center", cellLoc="left", colWidths=[0.15, 0.3, 0.55])  # fmt: skip
        shown.auto_set_font_size(False)
        shown.set_fontsize(8)
        shown.scale(1, 1.3)
    title = "Portfolio KPIs per segment"
    if as_of is not None:
        title += f" (retention after {pd.Timestamp(as_of).date()})"
    title += "\nbar = segment value, line = its interval"
    if any_small:
        title += f"; hollow bar: {small_note(min_group_size)}"
    fig.suptitle(title)
    fig.tight_layout()
    return fig
