"""An empty panel that says why there is nothing to draw (shared by the plotting modules)."""

from __future__ import annotations

import textwrap

from matplotlib.axes import Axes

from portfolio_lib.plotting import PALETTE

__all__ = ["show_note"]


def show_note(ax: Axes, note: str, title: str) -> Axes:
    """Turn ``ax`` into a titled panel holding ``note`` (wrapped at 60 characters).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = show_note(plt.figure().gca(), "no campaigns in this data set", "A/B test")
    >>> ax.get_title(), ax.texts[0].get_text()
    ('A/B test', 'no campaigns in this data set')
    """
    ax.set_axis_off()
    ax.set_title(title)
    text = textwrap.fill(note or "nothing to show for this data set", width=60)
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=9, color=PALETTE[7],
            transform=ax.transAxes, wrap=True)  # fmt: skip
    return ax
