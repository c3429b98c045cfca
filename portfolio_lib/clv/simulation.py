"""Draw customer summaries straight from the BG/NBD, Pareto/NBD and Gamma-Gamma models.

Model-only simulators for lessons and parameter-recovery tests (the fictional
company in :mod:`portfolio_lib.simulate` has its own, richer generator). They
are vectorised: no loop over customers.

How a BG/NBD history is drawn without simulating every purchase: the number of
purchases a customer *would* make before dropping out is geometric,
``D ~ Geometric(p)`` on {1, 2, ...}; the purchases of the Poisson process in
``(0, T]`` number ``N ~ Poisson(lambda T)``; the customer makes
``x = min(N, D)`` of them, and the ``x``-th of ``N`` uniform arrival times is
``T * Beta(x, N - x + 1)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from portfolio_lib._errors import as_generator
from portfolio_lib.clv._bgfamily import simulate_bg_customers
from portfolio_lib.clv._common import customer_ages, histories, kth_arrival
from portfolio_lib.clv._validation import nonnegative

__all__ = ["simulate_bgnbd", "simulate_pareto_nbd", "simulate_gamma_gamma_spend"]


def simulate_bgnbd(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | ArrayLike = 52.0,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customer summaries drawn from the BG/NBD model.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha : float
        Gamma heterogeneity of the purchase rate (shape, rate per time unit).
    a, b : float
        Beta heterogeneity of the dropout probability.
    T : float or array-like
        Age of each customer at the end of observation (time units, e.g. weeks).
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (0..n-1); ``frequency``, ``recency``, ``T`` and the
        latent ``purchase_rate`` (lambda), ``dropout_prob`` (p) and ``alive``
        (still active at T).

    Examples
    --------
    >>> sim = simulate_bgnbd(1000, r=0.8, alpha=8.0, a=1.0, b=4.0, T=52, seed=0)
    >>> bool((sim["recency"] <= sim["T"]).all())
    True
    """
    return simulate_bg_customers(n_customers, r, alpha, a, b, T, seed, shift=0)


def simulate_pareto_nbd(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    T: float | ArrayLike = 52.0,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customer summaries drawn from the Pareto/NBD model.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha : float
        Gamma heterogeneity of the purchase rate.
    s, beta : float
        Gamma heterogeneity of the dropout rate (lifetimes are exponential).
    T : float or array-like
        Age of each customer at the end of observation (time units).
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` and latent ``purchase_rate``,
        ``dropout_rate``, ``lifetime``, ``alive``.

    Examples
    --------
    >>> sim = simulate_pareto_nbd(500, r=0.5, alpha=10, s=0.6, beta=12, T=39, seed=0)
    >>> bool((sim["frequency"] >= 0).all())
    True
    """
    rng = as_generator(seed)
    T_arr = customer_ages(n_customers, T)
    lam = rng.gamma(shape=r, scale=1.0 / alpha, size=n_customers)
    mu = rng.gamma(shape=s, scale=1.0 / beta, size=n_customers)
    lifetime = rng.exponential(1.0 / np.maximum(mu, 1e-300))
    active_span = np.minimum(lifetime, T_arr)
    x = rng.poisson(lam * active_span)
    recency = kth_arrival(rng, x, x, active_span)
    return histories(x, recency, T_arr, purchase_rate=lam, dropout_rate=mu, lifetime=lifetime,
                     alive=lifetime > T_arr)  # fmt: skip


def simulate_gamma_gamma_spend(
    frequency: ArrayLike,
    *,
    p: float,
    q: float,
    gamma: float,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Mean repeat spend per customer drawn from the Gamma-Gamma model.

    Each purchase is ``Gamma(p, rate nu)`` with ``nu ~ Gamma(q, rate gamma)``; the
    mean of ``x`` purchases is ``Gamma(p x, rate nu x)``.

    Parameters
    ----------
    frequency : array-like of int
        Repeat purchases per customer (0 gives monetary_value 0).
    p, q, gamma : float
        Gamma-Gamma parameters (``gamma`` in currency units).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        ``monetary_value`` (currency units) and latent ``spend_scale`` (nu) and
        ``mean_spend`` (p / nu), indexed like ``frequency`` if it is a Series.

    Examples
    --------
    >>> out = simulate_gamma_gamma_spend([0, 1, 5], p=6, q=3.5, gamma=20, seed=0)
    >>> float(out["monetary_value"].iloc[0])
    0.0
    """
    x = nonnegative(frequency, "frequency", whole=True, one_dimensional=True)
    rng = as_generator(seed)
    nu = rng.gamma(shape=q, scale=1.0 / gamma, size=x.shape)
    pos = x > 0
    zbar = np.zeros(x.shape)
    zbar[pos] = rng.gamma(shape=p * x[pos], scale=1.0 / (nu[pos] * x[pos]))
    index = frequency.index if isinstance(frequency, pd.Series) else None
    return pd.DataFrame(
        {"monetary_value": zbar, "spend_scale": nu, "mean_spend": p / nu}, index=index
    )
