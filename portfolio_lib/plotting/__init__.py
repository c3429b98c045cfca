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
    """Apply the course's figure and table style, the same in every environment.

    White grid, readable fonts, a fixed palette and 100 dpi figures; tables
    show whole cell texts (a strategy table's actions are not cut with "…").
    Inside a Jupyter kernel it also selects the inline png backend, so figures
    appear in the notebook whatever ``MPLBACKEND`` the environment sets (e.g.
    ``MPLBACKEND=agg`` on a headless server would otherwise hide every figure).

    Examples
    --------
    >>> set_style()
    >>> import pandas as pd
    >>> pd.get_option("display.max_colwidth") is None
    True
    """
    import pandas as pd
    import seaborn as sns

    _use_inline_backend_in_a_kernel()
    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=1.0)
    plt.rcParams.update({"figure.figsize": (8, 4.5), "figure.dpi": 100, "savefig.dpi": 100})
    pd.set_option("display.max_colwidth", None)


def _use_inline_backend_in_a_kernel() -> None:
    """In an IPython kernel, draw figures inline (png) regardless of ``MPLBACKEND``."""
    try:
        from IPython import get_ipython
    except ImportError:  # IPython is part of the notebooks extra, not of the library
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return  # a plain Python or terminal IPython session keeps its backend
    shell.run_line_magic("matplotlib", "inline")
    shell.run_line_magic("config", "InlineBackend.figure_formats = ['png']")


def get_ax(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax`` or a fresh Axes on a new figure."""
    if ax is not None:
        return ax
    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax


# Chapter figures exported here (imported last: the submodule uses get_ax above).
from portfolio_lib.plotting.lifecycle import plot_migration  # noqa: E402

__all__ += ["plot_migration"]
from portfolio_lib.plotting.levers import (  # noqa: E402
    plot_cost_to_serve,
    plot_discount_by_segment,
    plot_touchpoints_by_segment,
)

__all__ += ["plot_discount_by_segment", "plot_cost_to_serve", "plot_touchpoints_by_segment"]
