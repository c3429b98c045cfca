r"""BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While active, a customer buys as a Poisson process with rate
:math:`\lambda \sim \mathrm{Gamma}(r, \alpha)` (``alpha`` is a rate, in the time
unit of the data); after every repeat purchase she drops out with probability
:math:`p \sim \mathrm{Beta}(a, b)`. Per customer we observe ``frequency`` (x,
repeat purchases), ``recency`` (t_x, age at the last purchase) and ``T`` (age at
the end of observation).

Log-likelihood of one customer (all in log space)

.. math::

   \ell = \ln\Gamma(r+x) - \ln\Gamma(r) + r\ln\alpha
        + \ln B(a, b+x) - \ln B(a, b)
        + \ln\Big[(\alpha+T)^{-(r+x)}
        + \mathbb{1}_{x>0}\,\tfrac{a}{b+x-1}\,(\alpha+t_x)^{-(r+x)}\Big].
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, betaln, gammaln

from portfolio_lib.clv._base import PurchaseModel, mean_purchase_rate, unpack
from portfolio_lib.clv._bgfamily import (
    A_NEAR_ONE,
    bg_expected_if_alive,
    bg_loglik,
    bg_prob_alive,
)
from portfolio_lib.clv._fitting import column_codes
from portfolio_lib.clv._gradients import bg_family_loglik_grad
from portfolio_lib.clv._hypergeometric import SCIPY_SAFE_Z, hyp2f1_stable

__all__ = ["BetaGeo"]


class _AliveByDraws:
    """P(alive) of many histories under a matrix of parameter draws, a block of rows at a time.

    The logarithms are taken once per distinct x, t_x and T (a few hundred values) and
    draw, laid out (values, draws), so that a block of histories gathers whole rows and
    gives a C-ordered (rows, draws) matrix; same formula and order of operations as
    ``BetaGeo._prob_alive`` (``1 / (1 + e^u)`` is scipy's ``expit(-u)``).

    Examples
    --------
    >>> draws = np.array([[0.24, 4.4, 0.79, 2.4], [0.3, 5.0, 0.8, 2.6]])
    >>> x, t_x, T = np.array([0.0, 2, 2]), np.array([0.0, 30.4, 10]), np.full(3, 38.9)
    >>> block = _AliveByDraws(draws, x, t_x, T)(0, 3)
    >>> block.shape, bool(np.allclose(block.T, BetaGeo._prob_alive(draws, x, t_x, T)))
    ((3, 2), True)
    """

    def __init__(self, draws: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
        draws = np.asarray(draws, dtype=float)
        r, alpha, a, b = (draws[:, i] for i in range(4))
        self.x = np.asarray(x, dtype=float)
        (self.ix, ux), (self.it, ut), (self.iT, uT) = (
            column_codes(np.asarray(v, dtype=float)) for v in (self.x, t_x, T)
        )
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            self.per_x = np.log(a) - np.log(b + np.maximum(ux, 1.0)[:, None] - 1)
            self.log_T = np.log(alpha + uT[:, None])
            self.log_t = np.log(alpha + ut[:, None])
        self.r = r

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        """P(alive) of histories ``lo:hi``, shape (hi - lo, draws)."""
        x = self.x[lo:hi, None]
        with np.errstate(over="ignore", invalid="ignore"):
            log_odds = self.log_T[self.iT[lo:hi]]
            log_odds -= self.log_t[self.it[lo:hi]]
            log_odds *= self.r + x
            log_odds += self.per_x[self.ix[lo:hi]]
            # expit(-log_odds) = 1 / (1 + e^log_odds), in place
            alive = np.exp(log_odds, out=log_odds)
            alive += 1.0
            np.divide(1.0, alive, out=alive)
        first = x[:, 0] <= 0
        if first.any():
            alive[first] = 1.0
        return alive


#: Largest z = t / (alpha + T + t) at which 2F1 is continued downwards in its c: below 1/2
#: the wanted solution is the minimal one of the recurrence, so rounding errors shrink.
_RECURRENCE_Z = 0.5
#: Fewest distinct frequencies for which the recurrence pays (three exact levels per T).
_RECURRENCE_LEVELS = 8
#: Largest relative difference accepted between the recurrence and 2F1 at the lowest level.
_RECURRENCE_CHECK = 1e-12


def _hyp2f1_by_frequency(A, B, ab, zT, x, iT):
    r"""``2F1(A, B; ab + x - 1; zT[:, iT])`` for draws (columns (m, 1)) and integer frequencies x.

    Per draw and distinct T, two exact values at the largest x start Gauss' contiguous
    relation in c,

    .. math::

       c(c-1)(z-1) F(c-1) + c[c-1-(2c-A-B-1)z] F(c) + (c-A)(c-B) z F(c+1) = 0,

    run downwards over the frequencies (a few operations instead of a series per row), on
    G = F - 1, which satisfies the same relation with the term ``z A B`` added (its
    rounding errors are relative to G, so F = 1 + G is as exact as 2F1 itself).
    For z < 1/2, F is the minimal solution, so rounding errors shrink downwards; the
    lowest level is checked against 2F1 (:data:`_RECURRENCE_CHECK`). Cells with a larger z,
    draws with ``A < 0`` or ``ab < 1.5`` and (draw, T) columns that fail the check are
    evaluated by :func:`~portfolio_lib.clv._hypergeometric.hyp2f1_stable` (scipy), as are all
    cells when the frequencies are not integers or take few values, or some z reaches
    ``SCIPY_SAFE_Z`` (where ``hyp2f1_stable`` sums series over the whole batch).
    """
    x = np.asarray(x, dtype=float)
    exact = lambda mask: hyp2f1_stable(  # noqa: E731
        *(np.broadcast_to(v, (A.shape[0], x.size))[mask] for v in (A, B, ab + x - 1, zT[:, iT]))
    )
    usable = (A[:, 0] >= 0) & (ab[:, 0] >= 1.5)
    levels = np.unique(x)
    if not (
        usable.any()
        and np.max(zT) < SCIPY_SAFE_Z  # (its series near z = 1 works on the whole batch)
        and levels.size >= _RECURRENCE_LEVELS
        and levels[0] >= 0
        and np.all(levels == np.round(levels))
    ):
        return hyp2f1_stable(A, B, ab + x - 1, zT[:, iT])
    lo, hi = int(levels[0]), int(levels[-1])
    order = np.argsort(x, kind="stable")
    bounds = np.searchsorted(x[order], np.arange(lo, hi + 2))
    Au, Bu, abu, zu = A[usable], B[usable], ab[usable], zT[usable]
    with np.errstate(all="ignore"):
        # G = F - 1 (small when z is): the recurrence's rounding stays below F's own
        upper = hyp2f1_stable(Au, Bu, abu + (hi + 1) - 1, zu) - 1
        current = hyp2f1_stable(Au, Bu, abu + hi - 1, zu) - 1
        zab = zu * Au * Bu
        rec = np.empty((Au.shape[0], x.size))
        for level in range(hi, lo - 1, -1):
            rows = order[bounds[level - lo] : bounds[level - lo + 1]]
            if rows.size:
                rec[:, rows] = current[:, iT[rows]]
            if level == lo:
                break
            c = abu + level - 1
            lower = (c * (c - 1 - (2 * c - Au - Bu - 1) * zu) * current
                     + (c - Au) * (c - Bu) * zu * upper + zab) / (c * (c - 1) * (1 - zu))  # fmt: skip
            upper, current = current, lower
        check = hyp2f1_stable(Au, Bu, abu + lo - 1, zu)
        good = np.abs(1 + current - check) <= _RECURRENCE_CHECK * np.abs(check)
        good &= zu <= _RECURRENCE_Z
    out = np.empty((A.shape[0], x.size))
    out[usable] = 1 + rec
    bad = np.ones(out.shape, dtype=bool)
    bad[usable] = ~good[:, iT]
    if bad.any():
        out[bad] = exact(bad)
    return out


def _expected_if_alive_draws(draws, t, x, T):
    """``bg_expected_if_alive`` (shift 0) for a matrix of draws and 1-D rows (draws, rows),
    with 2F1 from :func:`_hyp2f1_by_frequency` and the powers of (1 - z) once per T."""
    r, alpha, a, b = unpack(draws)
    a = np.where(np.abs(a - 1) < A_NEAR_ONE, 1 + A_NEAR_ONE, a)
    iT, uT = column_codes(np.asarray(T, dtype=float))
    x = np.asarray(x, dtype=float)
    zT = t / (alpha + uT + t)
    hyp = _hyp2f1_by_frequency(a + b - 1 - r, a - 1, a + b, zT, x, iT)
    bracket = 1 - np.exp((a - 1) * np.log1p(-zT))[:, iT] * hyp
    return np.maximum((a + b + x - 1) / (a - 1) * bracket, 0.0)


class BetaGeo(PurchaseModel):
    """BG/NBD model: Poisson purchasing, dropout after each purchase.

    ``prior_sd`` (optional, the one constructor argument): a weak normal prior on the
    log-parameters for a MAP fit, as :class:`~portfolio_lib.clv._base.PurchaseModel` explains.

    Fitted attributes: ``params_`` (Series r, alpha, a, b), ``loglik_``,
    ``cov_log_params_``, ``diagnostics_``, ``result_`` (statsmodels results),
    ``n_obs_`` (customers), ``n_rows_`` (distinct rows fitted), ``unit_``.

    Examples
    --------
    >>> from portfolio_lib.clv import BetaGeo, simulate_bgnbd
    >>> data = simulate_bgnbd(2000, r=0.8, alpha=8.0, a=1.0, b=4.0, T=52, seed=1)
    >>> model = BetaGeo().fit(data)
    >>> sorted(model.params_.index)
    ['a', 'alpha', 'b', 'r']
    """

    _model_name = "BG/NBD"
    _param_names = ("r", "alpha", "a", "b")

    @staticmethod
    def _loglik_rows(params, x, t_x, T):
        return bg_loglik(*unpack(params), x, t_x, T, shift=0)

    @classmethod
    def _make_loglik(cls, x, t_x, T):
        """Row log-likelihood for fitting, with the terms that depend only on x, t_x or T
        computed once per distinct value (same result as ``_loglik_rows``). The distinct
        values are found at the first call: with the analytic gradient the fitter rarely
        needs the rows' values."""
        codes: list[np.ndarray] = []

        def loglik(params):
            if not codes:
                for values in (x, t_x, T):
                    codes.extend(np.unique(values, return_inverse=True))
            ux, ix, ut, it, uT, iT = codes
            repeat = x > 0
            ux_pos = np.maximum(ux, 1.0)
            r, alpha, a, b = params
            per_x = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
            per_x += betaln(a, b + ux) - betaln(a, b)
            dropout_x = np.log(a) - np.log(b + ux_pos - 1)
            rx = r + x
            a3 = -rx * np.log(alpha + uT)[iT]
            a4 = np.where(repeat, dropout_x[ix] - rx * np.log(alpha + ut)[it], -np.inf)
            return per_x[ix] + np.logaddexp(a3, a4)

        return loglik

    @classmethod
    def _make_loglik_grad(cls, x, t_x, T, w):
        """Weighted log-likelihood and its analytic gradient in the log-parameters, with the
        analytic Hessian as its ``hessian`` attribute (the formulas:
        :mod:`portfolio_lib.clv._gradients` and :mod:`portfolio_lib.clv._hessian`,
        ``shift = 0``; shared with the MBG/NBD)."""
        return bg_family_loglik_grad(x, t_x, T, w, shift=0)

    @staticmethod
    def _prob_alive(params, x, t_x, T):
        r, alpha, a, b = unpack(params)
        if np.ndim(params) == 2 and np.ndim(x) == 1:
            return _AliveByDraws(params, x, t_x, T)(0, len(x)).T
        return bg_prob_alive(r, alpha, a, b, x, t_x, T, shift=0)

    @staticmethod
    def _alive_blocks(draws, x, t_x, T):
        """P(alive) under parameter draws, block by block of rows: ``f(lo, hi)`` gives the
        (hi - lo, draws) matrix of rows ``lo:hi`` (what the CLV intervals use)."""
        return _AliveByDraws(draws, x, t_x, T)

    @staticmethod
    def _expected_if_alive(params, t, x, T):
        r"""E[Y(t) | x, T, alive at T], using the Euler-transformed hypergeometric term.

        ``((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)`` equals
        ``(1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)`` with ``z = t/(alpha+T+t)``,
        which avoids the huge hypergeometric values of frequent buyers. At a = 1
        (a removable singularity) a is moved by 1e-7 (:mod:`~portfolio_lib.clv._bgfamily`,
        shared with the MBG/NBD). For a matrix of parameter draws and 1-D rows (the CLV
        intervals) the 2F1 terms come from :func:`_hyp2f1_by_frequency`.
        """
        if np.ndim(params) == 2 and np.ndim(x) == 1 and np.ndim(T) == 1:
            return _expected_if_alive_draws(params, t, x, T)
        return bg_expected_if_alive(*unpack(params), t, x, T, shift=0)

    @staticmethod
    def _prob_purchases(params, n, t):
        r"""P(X(t) = n) for a new customer.

        ``B(a, b+n)/B(a, b) NB(n) + 1[n>0] B(a+1, b+n-1)/B(a, b) P(NB >= n)`` where
        NB is the negative binomial count of the Poisson-gamma process in ``(0, t]``
        and ``P(NB >= n) = I_{t/(alpha+t)}(n, r)`` (regularised incomplete beta).
        """
        r, alpha, a, b = unpack(params)
        q = t / (alpha + t)
        log_nb = (
            gammaln(r + n)
            - gammaln(r)
            - gammaln(n + 1)
            + r * np.log(alpha / (alpha + t))
            + np.where(n > 0, n * np.log(np.where(q > 0, q, 1.0)), 0.0)
        )
        log_nb = np.where((q == 0) & (n > 0), -np.inf, log_nb)
        first = np.exp(betaln(a, b + n) - betaln(a, b) + log_nb)
        n_pos = np.maximum(n, 1.0)
        tail = betainc(n_pos, r, q)
        second = np.exp(betaln(a + 1, b + n_pos - 1) - betaln(a, b)) * tail
        return first + np.where(n > 0, second, 0.0)

    def _start_values(self, x, t_x, T, w):
        rate = mean_purchase_rate(x, T, w)
        return np.array([1.0, 1.0 / rate, 1.0, 3.0]), np.array([0.5, 0.5 / rate, 0.5, 1.0])
