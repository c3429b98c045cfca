r"""Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987).

While active, a customer buys as a Poisson process with rate
:math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`; her unobserved lifetime is
exponential with rate :math:`\mu \sim \mathrm{Gamma}(s, \beta)`.

The likelihood follows Fader, Hardie & Lee (2005), "A note on deriving the
Pareto/NBD model and related expressions":

.. math::

   L = \frac{\Gamma(r+x)\alpha^r\beta^s}{\Gamma(r)}\Big[
       \frac{1}{(\alpha+T)^{r+x}(\beta+T)^s} + s\,\big(I(t_x) - I(T)\big)\Big],
   \qquad I(t) = \int_t^\infty (\alpha+\tau)^{-(r+x)}(\beta+\tau)^{-(s+1)}\,d\tau .

:math:`I(t)` is a Gauss hypergeometric function; with the Euler transformation
both branches become :math:`{}_2F_1(1, \cdot\,; r+s+x+1; z)` with
:math:`0 \le z < 1` (no overflow for frequent buyers):

* :math:`\alpha \ge \beta`: :math:`\ln I(t) = -(r+x)\ln(\alpha+t) - s\ln(\beta+t) - \ln(r+s+x)
  + \ln {}_2F_1(1, r+x; r+s+x+1; \tfrac{\alpha-\beta}{\alpha+t})`;
* :math:`\alpha < \beta`: :math:`\ln I(t) = -(r+x-1)\ln(\alpha+t) - (s+1)\ln(\beta+t) - \ln(r+s+x)
  + \ln {}_2F_1(1, s+1; r+s+x+1; \tfrac{\beta-\alpha}{\beta+t})`.

They are evaluated by :func:`~portfolio_lib.clv._hypergeometric.hyp2f1_stable`
(scipy's ``hyp2f1`` fails for large ``c`` and ``z`` near 1). Where the series
would converge slowly (``z >= 0.9``), the difference
:math:`I(t_x) - I(T)` is integrated numerically instead (Gauss-Legendre in
``log v``, ``v = (min(alpha,beta)+u)/(max(alpha,beta)+u)``).
The difference :math:`I(t_x) - I(T)` is taken in log space
(``log I(t_x) + log1p(-exp(log I(T) - log I(t_x)))``), so ``t_x = T`` gives an
exact zero and large ``x`` stays finite.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, expit, gammaln, roots_legendre

from portfolio_lib.clv._base import PurchaseModel, mean_purchase_rate, on_log_scale, unpack
from portfolio_lib.clv._fitting import dot
from portfolio_lib.clv._hypergeometric import hyp2f1_stable

__all__ = ["ParetoNBD"]

_GL_NODES, _GL_WEIGHTS = roots_legendre(96)
#: Nodes for the likelihood quadrature (the integrand spans at most ~80 e-folds there).
_LL_NODES, _LL_WEIGHTS = roots_legendre(48)
#: e-folds after which each decreasing factor of the integrand is cut off.
_CUT = 40.0


#: From this hypergeometric argument on, where the series converges slowly, the
#: difference I(t_x) - I(T) is integrated numerically (:func:`_log_diff_quadrature`).
_QUAD_Z = 0.9


def _log_tail_integral(r, alpha, s, beta, x, t, skip):
    """log I(t) = log of the integral of (alpha+u)^-(r+x) (beta+u)^-(s+1) over u > t.

    Rows flagged in ``skip`` get a meaningless value cheaply (z is set to 0).
    """
    c = r + s + x + 1
    log_a_t = np.log(alpha + t)
    log_b_t = np.log(beta + t)
    ge = alpha >= beta
    # Branch alpha >= beta.
    z1 = np.where(ge & ~skip, (alpha - beta) / (alpha + t), 0.0)
    f1 = np.log(hyp2f1_stable(1.0, r + x, c, z1))
    branch1 = -(r + x) * log_a_t - s * log_b_t + f1
    # Branch alpha < beta.
    z2 = np.where(ge | skip, 0.0, (beta - alpha) / (beta + t))
    f2 = np.log(hyp2f1_stable(1.0, s + 1, c, z2))
    branch2 = -(r + x - 1) * log_a_t - (s + 1) * log_b_t + f2
    return np.where(ge, branch1, branch2) - np.log(r + s + x)


def _log_diff_quadrature(r, alpha, s, beta, x, t_x, T):
    r"""log(I(t_x) - I(T)) by Gauss-Legendre quadrature (1-D arrays, t_x < T).

    With ``m = min(alpha, beta)``, ``M = max(alpha, beta)``, ``v = (m+u)/(M+u)`` and
    ``w = log v``:  ``I(t_x) - I(T) = (M-m)^(-A) int exp(-e w + (A-1) log(1-e^w)) dw``
    over ``[log v(t_x), log v(T)]``, with ``A = r+s+x`` and ``e = s`` (alpha >= beta)
    or ``e = r+x-1`` (alpha < beta). The integrand is log-concave; the range is cut
    where ``(1-v)^(A-1)`` or ``v^(-e)`` has fallen by e^-40; 48 Gauss-Legendre nodes.
    """
    A = r + s + x
    ge = alpha >= beta
    lo, hi = np.minimum(alpha, beta), np.maximum(alpha, beta)
    e = np.where(ge, s, r + x - 1)
    v1 = (lo + t_x) / (hi + t_x)
    v2 = (lo + T) / (hi + T)
    w1 = np.log(v1)
    w2 = np.log(v2)
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = -np.expm1(np.log1p(-v1) - _CUT / np.where(A > 1, A - 1, 1.0))
    w_hi = np.where(A > 1, np.minimum(w2, np.log(np.minimum(cut, v2))), w2)
    # ... and where v^(-e) has fallen by e^-40 (both factors decrease when e > 0)
    w_hi = np.where(e > 0, np.minimum(w_hi, w1 + _CUT / np.where(e > 0, e, 1.0)), w_hi)
    half = (w_hi - w1) / 2
    nodes = w1[:, None] + half[:, None] * (_LL_NODES + 1)
    log_f = -e[:, None] * nodes + (A[:, None] - 1) * np.log1p(-np.exp(nodes))
    peak = np.max(log_f, axis=1)
    total = np.sum(_LL_WEIGHTS * np.exp(log_f - peak[:, None]), axis=1) * half
    return -A * np.log(hi - lo) + peak + np.log(total)


def _log_dropout_term(r, alpha, s, beta, x, t_x, T):
    """log( s * (I(t_x) - I(T)) ), -inf when t_x == T."""
    r, alpha, s, beta, x, t_x, T = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (r, alpha, s, beta, x, t_x, T))
    )
    ge = alpha >= beta
    z_tx = np.where(ge, (alpha - beta) / (alpha + t_x), (beta - alpha) / (beta + t_x))
    slow = (z_tx >= _QUAD_Z) & (t_x < T)
    log_hi = _log_tail_integral(r, alpha, s, beta, x, t_x, slow)
    log_lo = _log_tail_integral(r, alpha, s, beta, x, T, slow)
    diff = np.minimum(log_lo - log_hi, 0.0)
    with np.errstate(divide="ignore"):
        log_diff = log_hi + np.log(-np.expm1(diff))
    if np.any(slow):
        log_diff = np.array(log_diff, dtype=float)
        log_diff[slow] = _log_diff_quadrature(
            r[slow], alpha[slow], s[slow], beta[slow], x[slow], t_x[slow], T[slow]
        )
    log_diff = np.where(t_x >= T, -np.inf, log_diff)
    return np.log(s) + log_diff


#: Gauss-Legendre rules of the fitting quadrature: (largest span of the log-integrand
#: over the range, nodes, weights). A row whose integrand changes by at most ``span``
#: e-folds gets the first rule that covers it (error below 1e-15 relative, measured in
#: tests/test_clv_paretonbd.py against the hypergeometric form).
_FIT_RULES = tuple((span, *roots_legendre(n)) for span, n in ((3.0, 16), (12.0, 32), (np.inf, 64)))
#: e-folds of the integrand kept by the fitting quadrature (the rest is below 1e-17).
_FIT_CUT = 40.0


def _dropout_moments(r, alpha, s, beta, x, t_x, T):
    r"""log D and the D-weighted means of ln(alpha+tau), ln(beta+tau), 1/(alpha+tau), 1/(beta+tau).

    ``D = I(t_x) - I(T)`` is the integral of ``(alpha+tau)^-(r+x) (beta+tau)^-(s+1)`` over
    ``t_x < tau < T``; every parameter derivative of ``ln D`` is minus an exponent times one
    of these means (``d ln D / d r = -E[ln(alpha+tau)]``, ``d ln D / d alpha =
    -(r+x) E[1/(alpha+tau)]``, ...), so one set of integrand values gives the term and its
    gradient. Gauss-Legendre in ``y = ln(min(alpha, beta) + tau)`` with 16, 32 or 64 nodes
    depending on how many e-folds the integrand spans; the range is cut where the
    integrand has fallen by e^-40 (it decays at least exponentially in y).
    Rows must have ``t_x < T`` (1-D arrays; scalar parameters).
    """
    c = min(alpha, beta)
    spread = abs(alpha - beta)
    y1 = np.log(c + t_x)
    width = np.log(c + T) - y1
    q1 = (c + t_x) / (c + spread + t_x)
    # slowest and fastest decay rates of the log-integrand in y over the range
    if alpha <= beta:
        kappa = (r + x - 1) + (s + 1) * q1
        steepest = np.abs(r + x - 1) + (s + 1)
    else:
        kappa = s + (r + x) * q1
        steepest = np.abs(s) + (r + x)
    width = np.where(
        kappa > 0, np.minimum(width, _FIT_CUT / np.where(kappa > 0, kappa, 1.0)), width
    )
    span = steepest * width
    out = np.empty((5, x.size))
    todo = np.ones(x.size, dtype=bool)
    for limit, nodes, weights in _FIT_RULES:
        rows = np.flatnonzero(todo & (span <= limit))
        if rows.size == 0:
            continue
        todo[rows] = False
        half = width[rows] / 2
        y = y1[rows, None] + half[:, None] * (nodes + 1)
        tau = np.exp(y) - c
        la = np.log(alpha + tau)
        lb = np.log(beta + tau)
        log_f = y - (r + x[rows])[:, None] * la - (s + 1) * lb
        peak = log_f.max(axis=1)
        f = np.exp(log_f - peak[:, None]) * weights
        total = f.sum(axis=1)
        out[0, rows] = peak + np.log(total * half)
        out[1, rows] = np.einsum("ij,ij->i", f, la) / total
        out[2, rows] = np.einsum("ij,ij->i", f, lb) / total
        out[3, rows] = np.einsum("ij,ij->i", f, 1 / (alpha + tau)) / total
        out[4, rows] = np.einsum("ij,ij->i", f, 1 / (beta + tau)) / total
    return out[0], out[1], out[2], out[3], out[4]


def _log_alive_term(r, alpha, s, beta, x, T):
    return -(r + x) * np.log(alpha + T) - s * np.log(beta + T)


class ParetoNBD(PurchaseModel):
    """Pareto/NBD model: Poisson purchasing, exponential lifetimes, gamma heterogeneity.

    ``prior_sd`` (optional, the one constructor argument): a weak normal prior on the
    log-parameters for a MAP fit, as :class:`~portfolio_lib.clv._base.PurchaseModel` explains.

    Fitted attributes: ``params_`` (Series r, alpha, s, beta), ``loglik_``,
    ``cov_log_params_``, ``diagnostics_``, ``result_``, ``n_obs_``, ``n_rows_``, ``unit_``.

    Examples
    --------
    >>> from portfolio_lib.clv import ParetoNBD
    >>> m = ParetoNBD.from_params({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
    >>> 0 < m.prob_alive(100, 38.0, 38.0) <= 1
    True
    """

    _model_name = "Pareto/NBD"
    _param_names = ("r", "alpha", "s", "beta")

    @staticmethod
    def _loglik_rows(params, x, t_x, T):
        r, alpha, s, beta = unpack(params)
        x = np.asarray(x, dtype=float)
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = _log_alive_term(r, alpha, s, beta, x, T)
        dropout = _log_dropout_term(r, alpha, s, beta, x, t_x, T)
        return head + np.logaddexp(alive, dropout)

    @classmethod
    def _make_loglik_grad(cls, x, t_x, T, w):
        r"""Weighted log-likelihood and its gradient in the log-parameters.

        ``l = head + ln(e^A + s D)`` with ``head = ln G(r+x) - ln G(r) + r ln alpha + s ln beta``,
        the alive branch ``A = -(r+x) ln(alpha+T) - s ln(beta+T)`` and ``D`` the integral of
        :func:`_dropout_moments`. With ``pi = s D / (e^A + s D)``:

        * d/dr = psi(r+x) - psi(r) + ln alpha - (1-pi) ln(alpha+T) - pi E[ln(alpha+tau)]
        * d/dalpha = r/alpha - (r+x) [(1-pi)/(alpha+T) + pi E[1/(alpha+tau)]]
        * d/ds = ln beta - (1-pi) ln(beta+T) + pi (1/s - E[ln(beta+tau)])
        * d/dbeta = s/beta - (1-pi) s/(beta+T) - pi (s+1) E[1/(beta+tau)]

        The digamma and gamma terms are analytic; ``ln D`` and the four means come from one
        quadrature of the integrand (the derivatives of the hypergeometric form in r and s
        have no closed form). It agrees with the hypergeometric value to ~1e-13.
        """
        x = np.asarray(x, dtype=float)
        t_x = np.asarray(t_x, dtype=float)
        T = np.asarray(T, dtype=float)
        w = np.asarray(w, dtype=float)
        ux, ix = np.unique(x, return_inverse=True)
        w_x = np.bincount(ix, weights=w, minlength=len(ux))
        total_w = float(w.sum())
        open_rows = t_x < T
        xo, to, To, wo = x[open_rows], t_x[open_rows], T[open_rows], w[open_rows]
        closed = ~open_rows
        xc, Tc, wc = x[closed], T[closed], w[closed]

        def loglik_grad(params):
            r, alpha, s, beta = (float(v) for v in params)
            value = dot(w_x, (gammaln(r + ux) - gammaln(r))) + total_w * (
                r * np.log(alpha) + s * np.log(beta)
            )
            g_r = dot(w_x, (digamma(r + ux) - digamma(r))) + total_w * np.log(alpha)
            g_alpha = total_w * r / alpha
            g_s = total_w * np.log(beta)
            g_beta = total_w * s / beta
            if xc.size:  # t_x == T: only the alive branch
                la_T, lb_T = np.log(alpha + Tc), np.log(beta + Tc)
                value -= dot(wc, ((r + xc) * la_T + s * lb_T))
                g_r -= dot(wc, la_T)
                g_alpha -= dot(wc, ((r + xc) / (alpha + Tc)))
                g_s -= dot(wc, lb_T)
                g_beta -= s * (dot(wc, (1 / (beta + Tc))))
            if xo.size:
                la_T, lb_T = np.log(alpha + To), np.log(beta + To)
                alive = -(r + xo) * la_T - s * lb_T
                log_d, m_la, m_lb, m_ia, m_ib = _dropout_moments(r, alpha, s, beta, xo, to, To)
                dropout = np.log(s) + log_d
                value += dot(wo, np.logaddexp(alive, dropout))
                pi = expit(dropout - alive)
                stay = 1 - pi
                g_r -= dot(wo, (stay * la_T + pi * m_la))
                g_alpha -= dot(wo, (r + xo) * (stay / (alpha + To) + pi * m_ia))
                g_s += dot(wo, (pi * (1 / s - m_lb) - stay * lb_T))
                g_beta -= dot(wo, (stay * s / (beta + To) + pi * (s + 1) * m_ib))
            return on_log_scale(value, [g_r, g_alpha, g_s, g_beta], [r, alpha, s, beta])

        return loglik_grad

    @staticmethod
    def _prob_alive(params, x, t_x, T):
        r, alpha, s, beta = unpack(params)
        log_ratio = _log_dropout_term(r, alpha, s, beta, x, t_x, T) - _log_alive_term(
            r, alpha, s, beta, x, T
        )
        return np.exp(-np.logaddexp(0.0, log_ratio))

    @staticmethod
    def _expected_if_alive(params, t, x, T):
        r"""E[Y(t) | x, T, alive] = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)].

        Written as ``(r+x)/(alpha+T) * (beta+T) * g`` with
        ``g = -expm1(-(s-1) log1p(t/(beta+T))) / (s-1)``, which is continuous at s = 1.
        """
        r, alpha, s, beta = unpack(params)
        h = np.log1p(t / (beta + T))
        sm1 = s - 1
        small = np.abs(sm1) < 1e-8
        safe = np.where(small, 1.0, sm1)
        g = np.where(small, h, -np.expm1(-safe * h) / safe)
        return (r + x) / (alpha + T) * (beta + T) * g

    @staticmethod
    def _prob_purchases(params, n, t):
        r"""P(X(t) = n) for a new customer, by quadrature over the lifetime.

        ``P = NB(n; t) S(t) + int_{S(t)}^{1} NB(n; tau(u)) du`` with the lifetime
        survival ``u = S(tau) = (beta/(beta+tau))^s`` as integration variable
        (so ``tau(u) = beta (u^(-1/s) - 1)``); 96-point Gauss-Legendre.
        NB(n; tau) is the Poisson-gamma count distribution over ``(0, tau]``.
        """
        r, alpha, s, beta = unpack(params)
        n = np.asarray(n, dtype=float)
        t = np.asarray(t, dtype=float)
        n_b, t_b = np.broadcast_arrays(n, t)

        def log_nb(k, tau):
            with np.errstate(divide="ignore", invalid="ignore"):
                q_log = np.log(tau) - np.log(alpha + tau)
                term = np.where(k > 0, k * q_log, 0.0)
            return (
                gammaln(r + k)
                - gammaln(r)
                - gammaln(k + 1)
                + r * (np.log(alpha) - np.log(alpha + tau))
                + term
            )

        surv_t = np.exp(s * (np.log(beta) - np.log(beta + t_b)))
        alive_part = np.exp(log_nb(n_b, t_b)) * surv_t
        # Map Gauss-Legendre nodes from [-1, 1] to [surv_t, 1].
        lo = surv_t[..., None]
        u = lo + (1 - lo) * (_GL_NODES + 1) / 2
        tau = beta * np.expm1(-np.log(u) / s)
        dead_part = np.sum(
            np.exp(log_nb(n_b[..., None], tau)) * _GL_WEIGHTS * (1 - lo) / 2, axis=-1
        )
        return alive_part + dead_part

    def _start_values(self, x, t_x, T, w):
        rate = mean_purchase_rate(x, T, w)
        mean_T = float(np.clip(np.average(T, weights=w), 1.0, 1e4))
        return (
            np.array([1.0, 1.0 / rate, 1.0, mean_T]),
            np.array([0.5, 0.5 / rate, 0.5, mean_T / 2]),
        )
