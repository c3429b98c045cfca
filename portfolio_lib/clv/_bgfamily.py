r"""Likelihood pieces of the beta-geometric family, with per-customer parameters.

One set of formulas serves the BG/NBD with covariates (``shift = 0``: dropout possible
after each repeat purchase) and the MBG/NBD (``shift = 1``: dropout possible at time
zero too, Batislam, Denizel & Filiztekin 2007). Every argument broadcasts, so ``alpha``,
``a`` and ``b`` may differ per customer (covariates scale them). With
:math:`b' = b + \text{shift}`:

.. math::

   \ell = \ln\Gamma(r+x) - \ln\Gamma(r) + r\ln\alpha + \ln B(a, b'+x) - \ln B(a, b)
        + \ln\Big[(\alpha+T)^{-(r+x)}
        + \mathbb{1}_{x+\text{shift}>0}\,\tfrac{a}{b'+x-1}(\alpha+t_x)^{-(r+x)}\Big],

P(alive) is ``1 / (1 + 1[x+shift>0] a/(b'+x-1) ((alpha+T)/(alpha+t_x))^(r+x))`` and the
expected purchases in ``(T, T+t]`` of a customer alive at ``T`` are
``(a+b'+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+b'-1-r, a-1; a+b'+x-1; z)]``,
``z = t/(alpha+T+t)`` (the Euler-transformed form, finite for frequent buyers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, gammaln

from portfolio_lib._errors import as_generator
from portfolio_lib.clv._common import customer_ages, histories, kth_arrival
from portfolio_lib.clv._hypergeometric import hyp2f1_stable

__all__ = [
    "bg_loglik",
    "bg_prob_alive",
    "bg_expected_if_alive",
    "draw_bg_histories",
    "simulate_bg_customers",
]

#: |a - 1| below which a is moved off the removable singularity of the expectation.
A_NEAR_ONE = 1e-7


def _log_dropout_odds(r, alpha, a, b, x, t_x, T, shift: int):
    """ln of the "dropped after the last purchase" term over the "alive" term (-inf if none)."""
    has_term = (x + shift) > 0
    safe = np.where(has_term, b + x + shift - 1, 1.0)
    log_odds = np.log(a) - np.log(safe) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(has_term, log_odds, -np.inf)


def bg_loglik(r, alpha, a, b, x, t_x, T, shift: int = 0) -> np.ndarray:
    """Per-customer log-likelihood (arguments broadcast; see the module docstring)."""
    x = np.asarray(x, dtype=float)
    alive = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + betaln(a, b + x + shift)
        - betaln(a, b)
        - (r + x) * np.log(alpha + T)
    )
    return alive + np.logaddexp(0.0, _log_dropout_odds(r, alpha, a, b, x, t_x, T, shift))


def bg_prob_alive(r, alpha, a, b, x, t_x, T, shift: int = 0) -> np.ndarray:
    """P(alive at T | x, t_x, T)."""
    odds = _log_dropout_odds(r, alpha, a, b, np.asarray(x, dtype=float), t_x, T, shift)
    return np.exp(-np.logaddexp(0.0, odds))


def bg_expected_if_alive(r, alpha, a, b, t, x, T, shift: int = 0) -> np.ndarray:
    """E[purchases in (T, T+t] | x, alive at T]; ``a`` is moved off 1 by 1e-7."""
    a = np.where(np.abs(a - 1) < A_NEAR_ONE, 1 + A_NEAR_ONE, a)
    b_ = b + shift
    z = t / (alpha + T + t)
    hyp = hyp2f1_stable(a + b_ - 1 - r, a - 1, a + b_ + x - 1, z)
    bracket = 1 - np.exp((a - 1) * np.log1p(-z)) * hyp
    return np.maximum((a + b_ + x - 1) / (a - 1) * bracket, 0.0)


def draw_bg_histories(
    rng: np.random.Generator, lam: np.ndarray, p: np.ndarray, T: np.ndarray, shift: int
) -> pd.DataFrame:
    """frequency, recency, T of customers with purchase rates ``lam`` and dropout ``p``.

    The purchases a customer would make before dropping out number
    ``D = Geometric(p) - shift`` (``shift = 1``: she may leave before buying again);
    the Poisson process gives ``N ~ Poisson(lam T)`` purchases in ``(0, T]``; she makes
    ``x = min(N, D)`` and the x-th of N uniform arrival times is ``T Beta(x, N - x + 1)``.
    """
    dropout_after = rng.geometric(np.clip(p, 1e-300, 1.0)) - shift
    n = rng.poisson(lam * T)
    x = np.minimum(n, dropout_after)
    recency = kth_arrival(rng, x, n, T)
    return histories(x, recency, T, purchase_rate=lam, dropout_prob=p, alive=dropout_after > n)


def simulate_bg_customers(n_customers: int, r, alpha, a, b, T, seed, shift: int) -> pd.DataFrame:
    """Customers with Gamma(r, rate alpha) purchase rates and Beta(a, b) dropout, drawn by
    :func:`draw_bg_histories` and indexed by ``customer_id`` (BG/NBD: ``shift = 0``,
    MBG/NBD: ``shift = 1``)."""
    rng = as_generator(seed)
    T_arr = customer_ages(n_customers, T)
    lam = rng.gamma(shape=r, scale=1.0 / alpha, size=n_customers)
    p = rng.beta(a, b, size=n_customers)
    return draw_bg_histories(rng, lam, p, T_arr, shift=shift)
