"""Helpers shared by the chapter check modules (not public API).

Every student's company is simulated the same way in every chapter
(:func:`student_company`, :data:`N_CUSTOMERS` customers), every chapter that asks
about purchases reads the sales ledger the way :mod:`portfolio_lib.rfm` does, and
every seeded choice among customers draws from a sorted pool, so that a seed always
picks the same one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd

from portfolio_lib.simulate import CRMData, simulate_crm

__all__ = ["N_CUSTOMERS", "student_company", "is_return", "purchases", "pick_from_first"]

N_CUSTOMERS = 400
"""Customers of each student's company (small, so a notebook runs in seconds)."""


def student_company(seed: int) -> CRMData:
    """The company a student works on: ``simulate_crm(n_customers=N_CUSTOMERS, seed=seed)``.

    Parameters
    ----------
    seed : int
        The simulation seed: the notebook's ``SEED`` (validated by the caller with
        :func:`~portfolio_lib.exercises.checks.seeded_rng`), or one derived from it.

    Returns
    -------
    CRMData
        Two years of a company of :data:`N_CUSTOMERS` customers.

    Examples
    --------
    >>> student_company(3).customers.shape[0] == N_CUSTOMERS
    True
    """
    return simulate_crm(n_customers=N_CUSTOMERS, seed=int(seed))


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
