r"""Analytic gradients of CLV log-likelihoods that live outside the model classes.

:func:`bg_family_loglik_grad` serves the BG/NBD family of :mod:`portfolio_lib.clv._bgfamily`
(``shift = 0``: BG/NBD, ``shift = 1``: MBG/NBD, where a customer may also leave at time
zero). With :math:`s` the shift,
:math:`u = \ln a - \ln(b+x+s-1) + (r+x)[\ln(\alpha+T) - \ln(\alpha+t_x)]` (the log odds
of "left after the last purchase" against "alive"; no such term when ``x + s = 0``) and
:math:`\pi = 1/(1+e^{-u})`, the per-customer log-likelihood

.. math::

   \ell = \ln\Gamma(r+x) - \ln\Gamma(r) + r\ln\alpha + \ln B(a, b+x+s) - \ln B(a, b)
        - (r+x)\ln(\alpha+T) + \ln(1 + e^u)

has the derivatives

.. math::

   \partial_r \ell = \psi(r+x) - \psi(r) + \ln\alpha - \ln(\alpha+T)
       + \pi[\ln(\alpha+T) - \ln(\alpha+t_x)],\qquad
   \partial_\alpha \ell = \frac{r}{\alpha} - \frac{r+x}{\alpha+T}
       + \pi(r+x)\Big[\frac{1}{\alpha+T} - \frac{1}{\alpha+t_x}\Big],

   \partial_a \ell = \psi(a+b) - \psi(a+b+x+s) + \frac{\pi}{a},\qquad
   \partial_b \ell = \psi(b+x+s) - \psi(b) + \psi(a+b) - \psi(a+b+x+s) - \frac{\pi}{b+x+s-1},

multiplied by the parameter for the log scale the optimiser works on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln

from portfolio_lib.clv._fitting import column_codes, dot
from portfolio_lib.clv._hessian import BGFamilyRows, bg_family_log_hessian

__all__ = ["bg_family_loglik_grad"]


def bg_family_loglik_grad(
    x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray, *, shift: int
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """``params -> (sum(w * loglik), gradient in the log-parameters)`` of the BG/NBD family.

    Parameters
    ----------
    x, t_x, T : numpy.ndarray
        Repeat purchases, recency and age per row (distinct rows, any time unit).
    w : numpy.ndarray
        Customers per row.
    shift : {0, 1}
        0 for the BG/NBD, 1 for the MBG/NBD (dropout possible at time zero).

    Returns
    -------
    callable
        Maps natural-scale ``(r, alpha, a, b)`` to the weighted log-likelihood and its
        gradient with respect to ``(ln r, ln alpha, ln a, ln b)``. Terms that depend on
        x, t_x or T only are evaluated once per distinct value; rows without a dropout
        term enter through their totals per x and per T. Its attribute ``hessian`` maps
        ``(params, gradient)`` to the analytic Hessian in the log-parameters
        (:func:`~portfolio_lib.clv._hessian.bg_family_log_hessian`, about one pass over
        the rows instead of eight gradients).

    Examples
    --------
    >>> import numpy as np
    >>> from portfolio_lib.clv._bgfamily import bg_loglik
    >>> x, t_x, T, w = np.array([0.0, 2, 5]), np.array([0.0, 10, 30]), np.full(3, 39.0), np.ones(3)
    >>> value, grad = bg_family_loglik_grad(x, t_x, T, w, shift=1)(np.array([0.5, 6, 0.9, 3]))
    >>> bool(np.isclose(value, bg_loglik(0.5, 6, 0.9, 3, x, t_x, T, shift=1).sum()))
    True
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    # distinct values and codes (a hash for long columns: faster than np.unique's sort)
    (ix, ux), (it, ut), (iT, uT) = (column_codes(np.asarray(v, float)) for v in (x, t_x, T))
    total_w = float(w.sum())
    w_x = np.bincount(ix, weights=w, minlength=len(ux))
    # -(r+x) ln(alpha+T) of every row, summed per distinct T
    w_T = np.bincount(iT, weights=w, minlength=len(uT))
    wx_T = np.bincount(iT, weights=w * x, minlength=len(uT))
    has = (x + shift) > 0  # rows with a "left after the last purchase" term
    xs, ws, ixs, its, iTs = x[has], w[has], ix[has], it[has], iT[has]
    with_term = ux + shift > 0
    rows = BGFamilyRows(shift, ux, w_x, uT, w_T, wx_T, xs, ut[its], ws, ixs, iTs)

    def loglik_grad(params: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = (float(v) for v in params)
        bx = b + ux + shift
        l_T = np.log(alpha + uT)
        per_x = gammaln(r + ux) - gammaln(r) + betaln(a, bx) - betaln(a, b)
        value = dot(w_x, per_x) + total_w * r * np.log(alpha) - dot(l_T, r * w_T + wx_T)
        inv_T = 1 / (alpha + uT)
        psi_abx = digamma(a + bx)
        psi_ab = digamma(a + b)
        g_r = dot(w_x, digamma(r + ux) - digamma(r)) + total_w * np.log(alpha) - dot(l_T, w_T)
        g_alpha = total_w * r / alpha - dot(inv_T, r * w_T + wx_T)
        g_a = dot(w_x, psi_ab - psi_abx)
        g_b = dot(w_x, digamma(bx) - digamma(b) + psi_ab - psi_abx)
        if xs.size:
            inv_gap = 1 / np.where(with_term, b + ux + shift - 1.0, 1.0)  # 1 / (b + x + s - 1)
            l_t = np.log(alpha + ut)
            rx = r + xs
            d = l_T[iTs] - l_t[its]
            u = (np.log(a) + np.log(inv_gap))[ixs] + rx * d
            # ln(1 + e^u) and the logistic e^u / (1 + e^u) from one exponential
            e = np.exp(-np.abs(u))
            value += dot(ws, np.maximum(u, 0.0) + np.log1p(e))
            wp = ws * np.where(u >= 0, 1.0, e) / (1.0 + e)
            g_r += dot(wp, d)
            g_alpha += dot(wp * rx, inv_T[iTs] - (1 / (alpha + ut))[its])
            g_a += wp.sum() / a
            g_b -= dot(wp, inv_gap[ixs])
        return float(value), np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])

    def hessian(params: np.ndarray, grad_log: np.ndarray) -> np.ndarray:
        return bg_family_log_hessian(params, grad_log, rows, total_w)

    loglik_grad.hessian = hessian  # type: ignore[attr-defined]
    return loglik_grad


def bg_family_row_grads(r, alpha, a, b, x, t_x, T, *, shift: int = 0):
    """Per-row log-likelihood of the BG/NBD family and its derivatives in the log-parameters.

    ``alpha``, ``a`` and ``b`` may differ per row (the covariate models); same formulas as
    the module docstring, without the weighting and summing of :func:`bg_family_loglik_grad`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The per-row log-likelihood (n,) and the (n, 4) derivatives with respect to
        ``ln r``, ``ln alpha``, ``ln a`` and ``ln b`` of each row.

    Examples
    --------
    >>> from portfolio_lib.clv._bgfamily import bg_loglik
    >>> x, t_x, T = np.array([0.0, 3]), np.array([0.0, 20]), np.array([39.0, 39])
    >>> rows, grads = bg_family_row_grads(0.5, np.array([6.0, 4]), 0.9, 3.0, x, t_x, T)
    >>> bool(np.allclose(rows, bg_loglik(0.5, np.array([6.0, 4]), 0.9, 3.0, x, t_x, T)))
    True
    >>> grads.shape
    (2, 4)
    """
    x = np.asarray(x, dtype=float)
    r, alpha, a, b = (
        np.broadcast_to(np.asarray(v, dtype=float), x.shape) for v in (r, alpha, a, b)
    )
    with_term = (x + shift) > 0
    gap = np.where(with_term, b + x + shift - 1.0, 1.0)
    l_T, l_t = np.log(alpha + T), np.log(alpha + t_x)
    rx = r + x
    bx = b + x + shift
    u = np.where(with_term, np.log(a) - np.log(gap) + rx * (l_T - l_t), -np.inf)
    rows = (
        gammaln(rx) - gammaln(r) + r * np.log(alpha) + betaln(a, bx) - betaln(a, b)
        - rx * l_T + np.logaddexp(0.0, u)
    )  # fmt: skip
    p = expit(u)
    psi_ab, psi_abx = digamma(a + b), digamma(a + bx)
    grads = np.column_stack(
        [
            r * (digamma(rx) - digamma(r) + np.log(alpha) - l_T + p * (l_T - l_t)),
            r - alpha * rx / (alpha + T) + p * rx * alpha * (1 / (alpha + T) - 1 / (alpha + t_x)),
            a * (psi_ab - psi_abx) + p,
            b * (digamma(bx) - digamma(b) + psi_ab - psi_abx) - p * b / gap,
        ]
    )
    return rows, grads
