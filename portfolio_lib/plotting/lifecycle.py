"""Lifecycle figures: the migration matrix as a heatmap of row percentages.

Each function takes an already computed result from :mod:`portfolio_lib.lifecycle`.
"""

from __future__ import annotations

from matplotlib.axes import Axes

from portfolio_lib.lifecycle import MigrationMatrix
from portfolio_lib.plotting import get_ax
from portfolio_lib.plotting._heatmap import annotated_heatmap

__all__ = ["plot_migration"]


def plot_migration(
    moves: MigrationMatrix,
    ax: Axes | None = None,
    title: str = "Lifecycle migration: where customers are one period later",
) -> Axes:
    """Heatmap of a migration matrix: row percentages, the diagonal is who stayed.

    Parameters
    ----------
    moves : MigrationMatrix
        From :func:`portfolio_lib.lifecycle.migration_matrix`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure by default).
    title : str
        Title of the figure.

    Returns
    -------
    matplotlib Axes
        Rows: the state in one period (label with the moves counted from it); columns: the
        state in the next period; cells: % of the row (empty for a state nobody left).

    Raises
    ------
    TypeError
        When ``moves`` is not a :class:`~portfolio_lib.lifecycle.MigrationMatrix`.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.lifecycle import migration_matrix
    >>> panel = pd.DataFrame({"customer_id": [1, 1, 2, 2], "period": [1, 2, 1, 2],
    ...                       "state": ["a", "b", "b", "b"]})
    >>> plot_migration(migration_matrix(panel)).get_xlabel()
    'state in the next period'
    """
    if not isinstance(moves, MigrationMatrix):
        raise TypeError(
            f"moves must be a MigrationMatrix (lifecycle.migration_matrix), got {moves!r}"
        )
    shares = moves.shares * 100
    totals = moves.counts.sum(axis=1)
    shares.index = [f"{state} ({int(n):,})" for state, n in totals.items()]
    ax = get_ax(ax, figsize=(0.9 * shares.shape[1] + 3.5, 0.45 * len(shares) + 2))
    annotated_heatmap(ax, shares, cmap="Greens", fmt=".0f", colorbar_label="% of the row")
    ax.set_xlabel("state in the next period")
    ax.set_ylabel("state in a period (moves counted)")
    ax.set_title(title)
    ax.figure.tight_layout()
    return ax
