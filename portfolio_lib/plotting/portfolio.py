"""Portfolio figures: value x loyalty quadrants, Lorenz curve with Gini, cohort retention heatmap.

Each function takes an already computed result from :mod:`portfolio_lib.portfolio`.
"""

from __future__ import annotations

from matplotlib.axes import Axes

from portfolio_lib.plotting import PALETTE, get_ax
from portfolio_lib.plotting.segmentation import _annotated_heatmap
from portfolio_lib.portfolio import QUADRANTS, CohortRetention, LorenzCurve, ValueLoyalty

__all__ = ["plot_value_loyalty", "plot_lorenz", "plot_cohort_retention"]


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
    """Heatmap of cohort retention: rows signup cohorts, columns periods since first purchase.

    Period 0 (always 100 %) is left out so the colour scale shows the later periods.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.portfolio import cohort_retention
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-03", "2024-02-10", "2024-02-01"]),
    ...                    "amount": [10.0, 12.0, 8.0]})
    >>> plot_cohort_retention(cohort_retention(tx)).get_ylabel()
    'signup cohort (M)'
    """
    table = cohort.retention.iloc[:, 1:]
    if max_periods is not None:
        table = table.iloc[:, :max_periods]
    ax = get_ax(ax, figsize=(min(0.45 * table.shape[1] + 3, 14), 0.35 * len(table) + 1.5))
    percent = table * 100
    _annotated_heatmap(ax, percent, cmap="YlGnBu", fmt=".0f", colorbar_label="active (%)")
    ax.set_xlabel(f"periods since first purchase ({cohort.unit})")
    ax.set_ylabel(f"signup cohort ({cohort.unit})")
    ax.set_title("Cohort retention (% of cohort buying)")
    return ax
