"""Plotting: one house style and the chapter figures.

Plot functions take an already computed result and an optional ``ax``; they
return the :class:`matplotlib.axes.Axes` and never recompute the analysis.
Chapter figures live in submodules (``plotting.segmentation``, ``plotting.clv``,
...) so that each stays small.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

PALETTE = ["#1f4e79", "#e07b39", "#3c9d5d", "#b8403a", "#7d5ba6", "#8c6d3f", "#c55a9c", "#6b6b6b"]

__all__ = ["PALETTE", "set_style", "get_ax"]


def set_style() -> None:
    """Apply the course's figure style (white grid, readable fonts, fixed palette)."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=1.0)
    plt.rcParams.update({"figure.figsize": (8, 4.5), "figure.dpi": 100, "savefig.dpi": 100})


def get_ax(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax`` or a fresh Axes on a new figure."""
    if ax is not None:
        return ax
    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax
