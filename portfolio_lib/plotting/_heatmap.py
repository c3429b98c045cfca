"""The annotated heatmap shared by the segmentation, portfolio and strategy figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

__all__ = ["annotated_heatmap"]


def annotated_heatmap(
    ax: Axes,
    grid: pd.DataFrame,
    *,
    cmap: str,
    fmt: str,
    center: float | None = None,
    colorbar_label: str = "",
) -> None:
    """Draw ``grid`` as a heatmap with each finite cell's value written in it.

    ``center`` makes the colour scale symmetric around it (e.g. 0 for loadings); text is
    white on dark cells. Draws "no values" when no cell is finite.
    """
    values = grid.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size == 0:  # nothing to colour (e.g. no period observed yet)
        ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center")
        return
    if center is None:
        vmin, vmax, span = float(finite.min()), float(finite.max()), 0.0
    else:  # symmetric around the centre, e.g. loadings around 0
        span = float(np.max(np.abs(finite - center))) or 1.0
        vmin, vmax = center - span, center + span
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [str(i) for i in grid.index])
    ax.grid(False)
    mid = (vmin + vmax) / 2
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            dark = (v > mid) if center is None else abs(v - center) > span / 2
            ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")  # fmt: skip
    ax.figure.colorbar(image, ax=ax, label=colorbar_label)
