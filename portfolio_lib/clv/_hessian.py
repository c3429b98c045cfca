r"""Analytic Hessian of the BG/NBD family's log-likelihood in the log-parameters.

The fitter needs the Hessian once at the optimum (standard errors, the Newton polish).
Central differences of the analytic gradient cost ``2k = 8`` passes over the rows; the
closed form below costs about one. Notation of :mod:`portfolio_lib.clv._gradients`
(shift :math:`s`, :math:`u`, :math:`\pi = 1/(1+e^{-u})`), with :math:`\pi' = \pi(1-\pi)`,
:math:`d = \ln(\alpha+T) - \ln(\alpha+t_x)`, :math:`e = 1/(\alpha+T) - 1/(\alpha+t_x)`,
:math:`f = 1/(\alpha+T)^2 - 1/(\alpha+t_x)^2` and :math:`q = 1/(b+x+s-1)`. The part
without :math:`u`:

.. math::

   \partial_{rr} = \psi'(r+x) - \psi'(r),\quad
   \partial_{r\alpha} = \frac1\alpha - \frac1{\alpha+T},\quad
   \partial_{\alpha\alpha} = -\frac{r}{\alpha^2} + \frac{r+x}{(\alpha+T)^2},

   \partial_{aa} = \partial_{ab} = \psi'(a+b) - \psi'(a+b+x+s),\quad
   \partial_{bb} = \psi'(b+x+s) - \psi'(b) + \psi'(a+b) - \psi'(a+b+x+s);

the term :math:`\ln(1+e^u)` adds :math:`\pi' \nabla u \nabla u^\top + \pi \nabla^2 u` with
:math:`\nabla u = (d, (r+x)e, 1/a, -q)` and the non-zero second derivatives
:math:`\partial_{r\alpha} u = e`, :math:`\partial_{\alpha\alpha} u = -(r+x) f`,
:math:`\partial_{aa} u = -1/a^2`, :math:`\partial_{bb} u = q^2`. On the log scale
(:math:`\theta = \ln p`) the Hessian is :math:`P H P + \mathrm{diag}(\nabla_\theta \ell)`
with :math:`P = \mathrm{diag}(p)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, polygamma

from portfolio_lib.clv._fitting import dot

__all__ = ["BGFamilyRows", "bg_family_log_hessian", "log_scale_hessian"]


def _trigamma(values):
    return polygamma(1, values)


@dataclass(frozen=True)
class BGFamilyRows:
    """The distinct rows of a BG/NBD-family fit, arranged for the Hessian.

    Attributes
    ----------
    shift : int
        0 for the BG/NBD, 1 for the MBG/NBD.
    ux, w_x : numpy.ndarray
        Distinct frequencies and the customers at each.
    uT, w_T, wx_T : numpy.ndarray
        Distinct ages T, the customers and the repeat purchases at each.
    xs, ts, ws : numpy.ndarray
        Frequency, recency and customers of the rows with a dropout term (x + shift > 0).
    ixs, iTs : numpy.ndarray of int
        Those rows' positions in ``ux`` and ``uT``.
    """

    shift: int
    ux: np.ndarray
    w_x: np.ndarray
    uT: np.ndarray
    w_T: np.ndarray
    wx_T: np.ndarray
    xs: np.ndarray
    ts: np.ndarray
    ws: np.ndarray
    ixs: np.ndarray
    iTs: np.ndarray


def log_scale_hessian(natural: np.ndarray, hess: np.ndarray, grad_log: np.ndarray) -> np.ndarray:
    """Hessian in ``ln p`` from the Hessian in ``p`` and the gradient in ``ln p``.

    Examples
    --------
    >>> # f(p) = p^2: in theta = ln p, f = e^{2 theta}, f'' = 4 p^2 = 4 at p = 1
    >>> log_scale_hessian(np.array([1.0]), np.array([[2.0]]), np.array([2.0]))
    array([[4.]])
    """
    natural = np.asarray(natural, dtype=float)
    out = hess * np.outer(natural, natural)
    out[np.diag_indices_from(out)] += np.asarray(grad_log, dtype=float)
    return (out + out.T) / 2


def bg_family_log_hessian(
    params: np.ndarray, grad_log: np.ndarray, rows: BGFamilyRows, total_w: float
) -> np.ndarray:
    """Hessian of ``sum(w * loglik)`` of the BG/NBD family in ``(ln r, ln alpha, ln a, ln b)``.

    Parameters
    ----------
    params : numpy.ndarray
        Natural-scale ``(r, alpha, a, b)``.
    grad_log : numpy.ndarray
        The gradient of the same log-likelihood in the log-parameters at ``params``
        (what the model's ``loglik_grad`` returns; the log scale needs it).
    rows : BGFamilyRows
        The data, arranged once per fit.
    total_w : float
        Customers in all (sum of the weights).

    Returns
    -------
    numpy.ndarray
        (4, 4) symmetric Hessian.

    Examples
    --------
    >>> from portfolio_lib.clv._gradients import bg_family_loglik_grad
    >>> x, t_x, T, w = np.array([0.0, 2, 5]), np.array([0.0, 10, 30]), np.full(3, 39.0), np.ones(3)
    >>> f = bg_family_loglik_grad(x, t_x, T, w, shift=0)
    >>> p = np.array([0.5, 6, 0.9, 3])
    >>> f.hessian(p, f(p)[1]).shape
    (4, 4)
    """
    r, alpha, a, b = (float(v) for v in params)
    s = rows.shift
    ux, w_x = rows.ux, rows.w_x
    inv_T = 1 / (alpha + rows.uT)
    bx = b + ux + s
    tri_ab = _trigamma(a + b) - _trigamma(a + bx)
    h = np.zeros((4, 4))
    h[0, 0] = dot(w_x, _trigamma(r + ux)) - total_w * _trigamma(r)
    h[0, 1] = total_w / alpha - dot(rows.w_T, inv_T)
    h[1, 1] = -total_w * r / alpha**2 + dot(r * rows.w_T + rows.wx_T, inv_T * inv_T)
    h[2, 2] = h[2, 3] = dot(w_x, tri_ab)
    h[3, 3] = dot(w_x, _trigamma(bx) - _trigamma(b) + tri_ab)
    if rows.xs.size:
        with_term = ux + s > 0
        inv_gap = 1 / np.where(with_term, b + ux + s - 1.0, 1.0)
        q = inv_gap[rows.ixs]
        inv_t = 1 / (alpha + rows.ts)
        d = np.log(alpha + rows.uT)[rows.iTs] - np.log(alpha + rows.ts)
        rx = r + rows.xs
        u = np.log(a) + np.log(inv_gap)[rows.ixs] + rx * d
        pi = expit(u)
        wp = rows.ws * pi
        wp2 = wp * (1 - pi)
        e = inv_T[rows.iTs] - inv_t
        re = rx * e
        f = inv_T[rows.iTs] ** 2 - inv_t * inv_t
        # d u / d (r, alpha, a, b) = (d, (r + x) e, 1 / a, -q)
        wd, wre, wq = wp2 * d, wp2 * re, wp2 * q
        sum_wp2 = float(wp2.sum())
        h[0, 0] += dot(wd, d)
        h[0, 1] += dot(wd, re) + dot(wp, e)
        h[0, 2] += wd.sum() / a
        h[0, 3] -= dot(wd, q)
        h[1, 1] += dot(wre, re) - dot(wp * rx, f)
        h[1, 2] += wre.sum() / a
        h[1, 3] -= dot(wre, q)
        h[2, 2] += (sum_wp2 - float(wp.sum())) / a**2
        h[2, 3] -= wq.sum() / a
        h[3, 3] += dot(wq, q) + dot(wp, q * q)
    h = np.triu(h) + np.triu(h, 1).T
    return log_scale_hessian(np.array([r, alpha, a, b]), h, grad_log)
