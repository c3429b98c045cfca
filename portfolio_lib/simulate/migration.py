"""Group-membership panels drawn from a known transition matrix (issue 19).

:func:`simulate_migration` moves ``n_customers`` customers between states for ``periods``
periods as a first-order Markov chain with the given transition matrix ``P`` (from-state
rows, to-state columns, rows summing to 1). The panel has exactly the shape
:func:`portfolio_lib.lifecycle.migration_matrix` takes, so a test can check that the
estimated shares, the steady state and the cohort path recover ``P``, its stationary
distribution and ``start @ P**k``.

The process, per customer *c*: the state in the first period is drawn from
``start_shares``; the state in period *t + 1* is drawn from row ``P[state_t]``, independently
of everything before (so each from-state's moves are multinomial with the row's shares).

Import it by its full path (it is not re-exported by :mod:`portfolio_lib.simulate`)::

    from portfolio_lib.simulate.migration import simulate_migration
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from portfolio_lib._counts import whole_number
from portfolio_lib._errors import as_generator
from portfolio_lib.lifecycle import start_distribution, transition_shares

__all__ = ["simulate_migration"]


def simulate_migration(
    transition_matrix: pd.DataFrame,
    n_customers: int,
    periods: int,
    start_shares: Mapping[str, float] | pd.Series | None = None,
    seed: int | np.random.Generator | None = None,
    *,
    first_period: str | pd.Period = "2020Q1",
) -> pd.DataFrame:
    """A customer x period panel of states drawn from a known Markov chain.

    Parameters
    ----------
    transition_matrix : pandas.DataFrame
        Square matrix of transition probabilities (0-1): the states as index and columns in
        the same order, each row summing to 1.
    n_customers : int
        Customers to simulate (>= 1).
    periods : int
        Consecutive periods per customer (>= 2: one move needs two periods).
    start_shares : mapping or pandas.Series of state to share, optional
        Distribution of the first period's state (shares >= 0 summing to 1; states not
        given start with share 0). Default: the same share in every state.
    seed : int or numpy.random.Generator, optional
        Seed of the random draws; the same seed gives the same panel.
    first_period : str or pandas.Period
        The first period (its frequency is the panel's, e.g. ``"2020Q1"``: quarters).

    Returns
    -------
    pandas.DataFrame
        One row per customer and period, sorted by customer then period: ``customer_id``
        (int, 0 .. n_customers - 1), ``period`` (``pandas.Period``, consecutive) and ``state``
        (categorical with the matrix's states, in its order).

    Raises
    ------
    DataValidationError
        When ``transition_matrix`` is not square or a row is not probabilities summing to 1,
        or a ``start_shares`` Series repeats a state.
    ValueError
        When ``start_shares`` names an unknown state or is not a distribution, or
        ``n_customers``/``periods`` are too small.

    Examples
    --------
    >>> P = pd.DataFrame([[0.5, 0.5], [0.0, 1.0]], index=["new", "lost"],
    ...                  columns=["new", "lost"])
    >>> panel = simulate_migration(P, n_customers=3, periods=4, start_shares={"new": 1.0},
    ...                            seed=1)
    >>> panel.shape, panel["state"].iloc[0], str(panel["period"].iloc[-1])
    ((12, 3), 'new', '2020Q4')
    """
    shares = transition_shares(transition_matrix, name="transition_matrix")
    n_customers = whole_number(n_customers, "n_customers", 1)
    periods = whole_number(periods, "periods", 2)
    labels = [str(s) for s in shares.index]
    try:
        first = pd.Period(first_period)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"first_period must be a period such as '2020Q1', got {first_period!r}"
        ) from exc
    p = shares.to_numpy(dtype=float)
    start = (
        np.full(len(labels), 1.0 / len(labels))
        if start_shares is None
        else start_distribution(start_shares, labels, name="start_shares").to_numpy()
    )
    rng = as_generator(seed)
    # inverse-CDF draws: the first cumulative share above u; the last is set to 1 so that
    # rounding cannot push a draw past the last state
    cumulative = np.cumsum(np.vstack([p, start]), axis=1)
    cumulative[:, -1] = 1.0
    codes = np.empty((n_customers, periods), dtype=np.int64)
    row = np.full(n_customers, len(labels))  # the start distribution's row
    for t in range(periods):
        u = rng.random(n_customers)
        row = codes[:, t] = (u[:, None] >= cumulative[row]).sum(axis=1)
    timeline = pd.period_range(first, periods=periods, freq=first.freq)
    return pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(n_customers, dtype=np.int64), periods),
            "period": pd.PeriodIndex(np.tile(timeline, n_customers)),
            "state": pd.Categorical.from_codes(codes.ravel(), categories=labels),
        }
    )
