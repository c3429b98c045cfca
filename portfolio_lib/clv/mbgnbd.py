r"""MBG/NBD purchase model (Batislam, Denizel & Filiztekin 2007, "Empirical validation and
comparison of models for customer base analysis", IJRM 24(3)).

The BG/NBD with one change: a customer may also drop out at time zero, right after the
first purchase, so customers with no repeat purchase are not all assumed alive (the
BG/NBD gives them P(alive) = 1). While active she buys as a Poisson process with rate
:math:`\lambda \sim \mathrm{Gamma}(r, \alpha)` (``alpha`` a rate in the data's time
unit); at time zero and after every repeat purchase she leaves with probability
:math:`p \sim \mathrm{Beta}(a, b)`.

.. math::

   L = \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)} \frac{B(a, b+x+1)}{B(a, b)}
       \Big[(\alpha+T)^{-(r+x)} + \frac{a}{b+x}(\alpha+t_x)^{-(r+x)}\Big].

The formulas are shared with the BG/NBD with covariates
(:mod:`portfolio_lib.clv._bgfamily`, ``shift = 1``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import betaln
from scipy.stats import nbinom

from portfolio_lib.clv._base import PurchaseModel, unpack
from portfolio_lib.clv._bgfamily import (
    bg_expected_if_alive,
    bg_loglik,
    bg_prob_alive,
    simulate_bg_customers,
)
from portfolio_lib.clv._gradients import bg_family_loglik_grad

__all__ = ["ModifiedBetaGeo", "simulate_mbgnbd"]


class ModifiedBetaGeo(PurchaseModel):
    """MBG/NBD model: Poisson purchasing, dropout at time zero and after each purchase.

    Same API as :class:`~portfolio_lib.clv.BetaGeo`: ``fit(summary, weights=...)`` on
    ``frequency``, ``recency`` and ``T`` (one time unit, e.g. weeks), then
    ``prob_alive``, ``conditional_expected_purchases``, ``expected_purchases``,
    ``prob_purchases``, ``summary()``. ``prior_sd`` (optional): a weak normal prior on
    the log-parameters for a MAP fit.

    Fitted attributes: ``params_`` (Series r, alpha, a, b), ``loglik_``,
    ``cov_log_params_``, ``diagnostics_``, ``result_``, ``n_obs_``, ``n_rows_``, ``unit_``.

    Examples
    --------
    >>> from portfolio_lib.clv import ModifiedBetaGeo
    >>> m = ModifiedBetaGeo.from_params({"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0})
    >>> round(m.prob_alive(0, 0.0, 39.0), 3)  # a one-time buyer may have left at once
    0.549
    >>> round(m.expected_purchases(52.0), 2)  # weeks
    1.89
    """

    _model_name = "MBG/NBD"
    _param_names = ("r", "alpha", "a", "b")

    @staticmethod
    def _loglik_rows(params, x, t_x, T):
        r, alpha, a, b = unpack(params)
        return bg_loglik(r, alpha, a, b, np.asarray(x, dtype=float), t_x, T, shift=1)

    @classmethod
    def _make_loglik_grad(cls, x, t_x, T, w):
        """Weighted log-likelihood and its analytic gradient in the log-parameters
        (:func:`~portfolio_lib.clv._gradients.bg_family_loglik_grad`, ``shift = 1``)."""
        return bg_family_loglik_grad(x, t_x, T, w, shift=1)

    @staticmethod
    def _prob_alive(params, x, t_x, T):
        r, alpha, a, b = unpack(params)
        return bg_prob_alive(r, alpha, a, b, x, t_x, T, shift=1)

    @staticmethod
    def _expected_if_alive(params, t, x, T):
        r, alpha, a, b = unpack(params)
        return bg_expected_if_alive(r, alpha, a, b, t, x, T, shift=1)

    @staticmethod
    def _prob_purchases(params, n, t):
        r"""P(X(t) = n) for a new customer.

        ``X = min(N, D)`` with ``N`` the negative binomial count of the Poisson-gamma
        process in ``(0, t]`` and ``P(D >= n) = E[(1-p)^n]``, ``P(D = n) = E[p (1-p)^n]``:
        ``P = B(a, b+n)/B(a,b) NB(n) + B(a+1, b+n)/B(a,b) P(N >= n+1)`` with
        ``N ~ NegBin(r, alpha/(alpha+t))``.
        """
        r, alpha, a, b = unpack(params)
        p_nb = alpha / (alpha + t)  # N ~ NegBin(r, alpha/(alpha+t)) in scipy's convention
        stay = np.exp(betaln(a, b + n) - betaln(a, b) + nbinom.logpmf(n, r, p_nb))
        leave = np.exp(betaln(a + 1, b + n) - betaln(a, b)) * nbinom.sf(n, r, p_nb)
        return stay + leave

    def _start_values(self, x, t_x, T, w):
        # r = 1 with the observed purchase rate per time unit, and a Beta(1, 3) dropout;
        # the second start halves r, alpha, a and takes Beta(0.5, 1).
        per_unit = np.average(x, weights=w) / max(float(np.average(T, weights=w)), 1e-9)
        first = np.array([1.0, 1.0 / float(np.clip(per_unit, 1e-3, 1e3)), 1.0, 3.0])
        return first, first * np.array([0.5, 0.5, 0.5, 1 / 3])


def simulate_mbgnbd(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | ArrayLike = 52.0,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customer summaries drawn from the MBG/NBD model.

    Parameters
    ----------
    n_customers : int
        How many customers to draw.
    r, alpha, a, b : float
        Model parameters: purchase rate ~ Gamma(r, rate alpha per time unit), dropout
        probability (at time zero and after each purchase) ~ Beta(a, b).
    T : float or array-like
        Each customer's age at the end of observation (time units); default 52.
    seed : int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` and the latent ``purchase_rate``,
        ``dropout_prob``, ``alive``, indexed by ``customer_id``.

    Examples
    --------
    >>> sim = simulate_mbgnbd(500, r=0.5, alpha=6, a=0.9, b=3, T=39, seed=0)
    >>> bool((sim["recency"] <= sim["T"]).all())
    True
    """
    return simulate_bg_customers(n_customers, r, alpha, a, b, T, seed, shift=1)
