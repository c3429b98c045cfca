"""Chapter 2 figures: RFM heatmap, segment sizes, cluster diagnostics, loadings, snake plot,
segment transitions.

Each function takes an already computed result from :mod:`portfolio_lib.rfm` or
:mod:`portfolio_lib.segmentation` and draws it; nothing is recomputed here.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from portfolio_lib.plotting import PALETTE, get_ax
from portfolio_lib.plotting._heatmap import annotated_heatmap
from portfolio_lib.segmentation import AttitudeFactors, SegmentProfile, SegmentStability

__all__ = [
    "plot_rfm_heatmap",
    "plot_segment_sizes",
    "plot_cluster_diagnostics",
    "plot_factor_loadings",
    "plot_snake",
    "plot_segment_transitions",
]


def plot_rfm_heatmap(
    grid: pd.DataFrame,
    ax: Axes | None = None,
    *,
    value_label: str = "customers",
    fmt: str | None = None,
) -> Axes:
    """Heatmap of an R x F grid (counts or mean monetary value) from :func:`rfm.rfm_grid`.

    The best score is drawn at the top (rows) and on the right (columns).

    Parameters
    ----------
    grid : pandas.DataFrame
        Output of :func:`portfolio_lib.rfm.rfm_grid`.
    ax : matplotlib Axes, optional
    value_label : str
        What the cells hold, for the colour bar (e.g. ``"mean monetary_total"``).
    fmt : str, optional
        Number format of the cell labels; default integers for counts, one decimal otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame([[3, 0], [1, 2]], index=[1, 2], columns=[1, 2])
    >>> plot_rfm_heatmap(g).get_ylabel()
    'R score'
    """
    ax = get_ax(ax, figsize=(6, 4.5))
    ordered = grid.sort_index(ascending=False)
    if fmt is None:
        fmt = ".0f" if pd.api.types.is_integer_dtype(grid.to_numpy().dtype) else ".1f"
    annotated_heatmap(ax, ordered, cmap="Blues", fmt=fmt, colorbar_label=value_label)
    ax.set_ylabel(f"{grid.index.name or 'R'} score")
    ax.set_xlabel(f"{grid.columns.name or 'F'} score")
    ax.set_title(f"RFM grid: {value_label}")
    return ax


def plot_segment_sizes(
    profile: SegmentProfile | pd.DataFrame,
    ax: Axes | None = None,
) -> Axes:
    """Side-by-side bars: each segment's share of customers and share of revenue.

    Parameters
    ----------
    profile : SegmentProfile or pandas.DataFrame
        :func:`portfolio_lib.segmentation.profile_segments` result, or its ``summary`` (columns
        ``share_customers`` and optionally ``share_revenue``).
    ax : matplotlib Axes, optional

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"share_customers": [0.7, 0.3], "share_revenue": [0.2, 0.8]},
    ...                  index=["small", "big"])
    >>> len(plot_segment_sizes(s).patches)
    4
    """
    summary = profile.summary if isinstance(profile, SegmentProfile) else profile
    columns = [c for c in ("share_customers", "share_revenue") if c in summary.columns]
    own_figure = ax is None
    ax = get_ax(ax, figsize=(8, 0.45 * len(summary) + 1.5))
    y = np.arange(len(summary))
    height = 0.8 / len(columns)
    for i, column in enumerate(columns):
        ax.barh(y + (i - (len(columns) - 1) / 2) * height, summary[column], height=height,
                color=PALETTE[i], label=column.replace("_", " "))  # fmt: skip
    ax.set_yticks(y, [str(s) for s in summary.index])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("share")
    ax.legend(loc="lower right")
    ax.set_title("Segment size and revenue")
    if own_figure:
        ax.figure.tight_layout()
    return ax


def plot_cluster_diagnostics(diagnostics: pd.DataFrame) -> Figure:
    """Panel of the measures of :func:`segmentation.cluster_diagnostics` against ``k``.

    One small plot per measure present (inertia, silhouette, Calinski-Harabasz,
    Davies-Bouldin, and BIC for mixtures), each saying which direction is better.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"inertia": [9.0, 5.0], "silhouette": [0.5, 0.4]},
    ...                  index=pd.Index([2, 3], name="k"))
    >>> len(plot_cluster_diagnostics(d).axes)
    2
    """
    measures = {
        "inertia": "inertia (elbow)",
        "silhouette": "silhouette (higher better)",
        "calinski_harabasz": "Calinski-Harabasz (higher better)",
        "davies_bouldin": "Davies-Bouldin (lower better)",
        "bic": "BIC (lower better)",
    }
    present = [m for m in measures if m in diagnostics and diagnostics[m].notna().any()]
    fig, axes = plt.subplots(1, len(present), figsize=(3.2 * len(present), 3), squeeze=False)
    for ax, measure, color in zip(axes[0], present, PALETTE, strict=False):
        ax.plot(diagnostics.index, diagnostics[measure], marker="o", color=color)
        ax.set_title(measures[measure], fontsize=9)
        ax.set_xlabel("k (segments)")
        ax.set_xticks(list(diagnostics.index))
    fig.tight_layout()
    return fig


def plot_factor_loadings(
    factors: AttitudeFactors | pd.DataFrame,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of factor loadings (items x factors), blue positive, red negative.

    An empty result (no attitude items, see
    :func:`portfolio_lib.segmentation.psychographic_segments` with ``if_missing="note"``) gives
    an axes that says so.

    Examples
    --------
    >>> import pandas as pd
    >>> L = pd.DataFrame({"price": [0.8, 0.1]}, index=["att_price_1", "att_eco_1"])
    >>> plot_factor_loadings(L).get_xlabel()
    'factor'
    """
    loadings = factors.loadings if isinstance(factors, AttitudeFactors) else factors
    if loadings.size == 0:  # e.g. a data set without attitude items: say so, draw nothing
        ax = get_ax(ax, figsize=(6, 1.5))
        ax.text(0.5, 0.5, "no attitude items in this data set: no factors", ha="center",
                va="center", transform=ax.transAxes)  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        ax.set_xlabel("factor")
        ax.set_ylabel("item")
        ax.set_title("Factor loadings (varimax)")
        return ax
    ax = get_ax(ax, figsize=(1.2 * loadings.shape[1] + 3, 0.4 * len(loadings) + 1.5))
    annotated_heatmap(ax, loadings, cmap="RdBu", fmt=".2f", center=0.0, colorbar_label="loading")
    ax.set_xlabel("factor")
    ax.set_ylabel("item")
    ax.set_title("Factor loadings (varimax)")
    return ax


def plot_snake(
    profile: SegmentProfile | pd.DataFrame,
    ax: Axes | None = None,
) -> Axes:
    """Snake plot: standardised segment means per feature, one line per segment.

    Parameters
    ----------
    profile : SegmentProfile or pandas.DataFrame
        :func:`segmentation.profile_segments` result (its ``relative`` table is drawn), or a
        segments x features frame of standardised means.
    ax : matplotlib Axes, optional

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"recency_days": [0.5, -1.0], "frequency": [-0.4, 1.2]}, index=[0, 1])
    >>> len(plot_snake(r).lines)
    3
    """
    relative = profile.relative if isinstance(profile, SegmentProfile) else profile
    ax = get_ax(ax)
    x = np.arange(relative.shape[1])
    for i, (segment, row) in enumerate(relative.iterrows()):
        ax.plot(x, row.to_numpy(dtype=float), marker="o", color=PALETTE[i % len(PALETTE)],
                label=str(segment))  # fmt: skip
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_xticks(x, [str(c) for c in relative.columns], rotation=30, ha="right")
    ax.set_ylabel("segment mean - overall mean (sd)")
    ax.legend(title="segment", fontsize=8)
    ax.set_title("Segment profiles (snake plot)")
    return ax


def plot_segment_transitions(
    stability: SegmentStability,
    i: int = -1,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of where the customers of each segment went between two observation ends.

    Rows are the segments at the earlier end (plus ``"(new)"`` for customers who first bought in
    between), columns the segments at the later end; cells are row percentages, so each row
    sums to 100 and the diagonal is the share that stayed. Row labels carry the row's
    customer count.

    Parameters
    ----------
    stability : SegmentStability
        Result of :func:`portfolio_lib.segmentation.segment_stability`.
    i : int
        Which consecutive pair of observation ends (default the last).
    ax : matplotlib Axes, optional

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.segmentation import segment_stability
    >>> tx = pd.DataFrame({"customer_id": list("aabbc"),
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-01-10",
    ...                                            "2024-02-01", "2024-03-20"]),
    ...                    "amount": [10.0, 20.0, 5.0, 5.0, 50.0]})
    >>> rules = [("active", 2, 2, 1, 2), ("lapsing", 1, 1, 1, 2)]
    >>> s = segment_stability(tx, ["2024-01-31", "2024-03-31"], bins=2, rules=rules)
    >>> plot_segment_transitions(s).get_ylabel()
    'segment at 2024-01-31'
    """
    counts = stability.transitions[i]
    shares = stability.transition_shares(i) * 100
    shares.index = [f"{segment} ({int(n)})" for segment, n in counts.sum(axis=1).items()]
    ax = get_ax(ax, figsize=(0.75 * shares.shape[1] + 3.5, 0.4 * len(shares) + 2))
    annotated_heatmap(ax, shares, cmap="Greens", fmt=".0f", colorbar_label="% of the row")
    ax.set_xticks(range(shares.shape[1]), [str(c) for c in shares.columns], rotation=35,
                  ha="right")  # fmt: skip
    ax.set_ylabel(str(counts.index.name))
    ax.set_xlabel(f"segment {counts.columns.name}")
    ax.set_title("Where each segment's customers went (row %)")
    return ax
