"""Helpers shared by the chapter check modules (not public API).

Every chapter that asks about purchases reads the sales ledger the way
:mod:`portfolio_lib.rfm` does, and every seeded choice among customers draws from
a sorted pool, so that a seed always picks the same one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd

__all__ = ["is_return", "purchases", "pick_from_first"]


def is_return(transactions: pd.DataFrame) -> pd.Series:
    """Return rows, as :mod:`portfolio_lib.rfm` defines them (flagged or negative amount)."""
    return transactions["is_return"].astype(bool) | (transactions["amount"] < 0)


def purchases(transactions: pd.DataFrame) -> pd.DataFrame:
    """Purchase rows only (not returns), as :mod:`portfolio_lib.rfm` defines them."""
    return transactions.loc[~is_return(transactions)]


def pick_from_first(pools: Iterable[Collection[object]], rng: np.random.Generator) -> str | None:
    """One id, drawn with ``rng``, of the first non-empty pool (ids sorted as text first).

    Returns None when every pool is empty (the caller decides what that means).
    """
    for pool in pools:
        if len(pool):
            ordered = sorted(map(str, pool))
            return ordered[int(rng.integers(len(ordered)))]
    return None
