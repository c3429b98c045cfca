r"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4)).

Each purchase amount of a customer is :math:`\mathrm{Gamma}(p, \nu)`; across
customers :math:`\nu \sim \mathrm{Gamma}(q, \gamma)`. The model is fitted to the
mean repeat-purchase value :math:`\bar z` of customers with ``x >= 1`` repeat
purchases:

.. math::

   f(\bar z \mid x) = \frac{\Gamma(px+q)}{\Gamma(px)\Gamma(q)}
       \frac{\gamma^q\, x^{px}\, \bar z^{px-1}}{(\gamma + x\bar z)^{px+q}},
   \qquad
   E[Z \mid x, \bar z] = \frac{p(\gamma + x\bar z)}{px + q - 1}.

The model assumes that spend is independent of purchase frequency; ``fit``
measures the correlation between ``frequency`` and ``monetary_value`` among the
repeat buyers and stores it in ``independence_``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln, stdtr, zeta

from portfolio_lib._errors import DataValidationError
from portfolio_lib.clv._base import SpendModel, unpack
from portfolio_lib.clv._common import start_vector
from portfolio_lib.clv._fitting import compress_rows
from portfolio_lib.clv._validation import (
    NotIdentifiedError,
    require_customers,
    validate_summary,
    validate_weights,
)

__all__ = ["GammaGamma", "FrequencySpendCorrelation", "frequency_spend_correlation"]

#: |Pearson r| from which ``fit`` warns that spend and frequency look dependent.
DEPENDENCE_WARNING_R = 0.3


@dataclass(frozen=True)
class FrequencySpendCorrelation:
    """Correlation between repeat frequency and mean repeat spend (repeat buyers only).

    The Gamma-Gamma model assumes none; FHL (2005b) report about 0.11 on CDNOW.
    ``looks_independent`` is ``abs(pearson_r) < 0.3``.
    """

    pearson_r: float
    pearson_pvalue: float
    spearman_rho: float
    n_customers: int
    looks_independent: bool


class GammaGamma(SpendModel):
    """Gamma-Gamma model of the mean spend per purchase.

    ``conditional_expected_spend`` is a weighted average of the population mean
    ``p*gamma/(q-1)`` and the customer's own ``monetary_value``, the own mean weighing more
    the more repeat purchases back it; customers with ``frequency == 0`` get the population
    mean. Currency units.

    Fitted attributes: ``params_`` (Series p, q, gamma), ``loglik_``,
    ``cov_log_params_``, ``diagnostics_``, ``result_``, ``n_obs_`` (repeat buyers
    fitted), ``independence_`` (:class:`FrequencySpendCorrelation`).

    Examples
    --------
    >>> from portfolio_lib.clv import GammaGamma
    >>> gg = GammaGamma.from_params({"p": 6.25, "q": 3.74, "gamma": 15.44})
    >>> round(gg.conditional_expected_spend(0, 0.0), 2)  # population mean p*gamma/(q-1)
    35.22
    """

    _model_name = "Gamma-Gamma"
    _param_names = ("p", "q", "gamma")

    @staticmethod
    def _loglik_rows(params, x, zbar):
        p, q, gamma = unpack(params)
        px = p * x
        return (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(gamma)
            + px * np.log(x)
            + (px - 1) * np.log(zbar)
            - (px + q) * np.log(gamma + x * zbar)
        )

    @staticmethod
    def _make_loglik_grad(x, zbar, w):
        r"""Weighted log-likelihood and its analytic gradient in the log-parameters.

        .. math::

           \partial_p \ell = x[\psi(px+q) - \psi(px) + \ln x + \ln\bar z
               - \ln(\gamma + x\bar z)],\quad
           \partial_q \ell = \psi(px+q) - \psi(q) + \ln\gamma - \ln(\gamma + x\bar z),\quad
           \partial_\gamma \ell = \frac{q}{\gamma} - \frac{px+q}{\gamma + x\bar z};

        times the parameter for the log scale. The returned function also gives the
        Hessian in the log-parameters with ``order=2`` (see :func:`_loglik_derivatives`).
        """
        return _loglik_derivatives(x, zbar, w)

    @staticmethod
    def _expected_spend(params, x, zbar):
        p, q, gamma = unpack(params)
        x = np.asarray(x, dtype=float)
        zbar = np.where(x > 0, zbar, 0.0)
        return p * (gamma + x * zbar) / (p * x + q - 1)

    @staticmethod
    def _usable_draws(draws: np.ndarray) -> np.ndarray:
        """Draws with q > 1, the ones whose mean spend is finite."""
        return np.asarray(draws)[:, 1] > 1

    def fit(
        self,
        summary: pd.DataFrame,
        *,
        weights: ArrayLike | None = None,
        start_params: Mapping[str, float] | None = None,
    ) -> Self:
        """Fit to the repeat buyers of a customer summary.

        Parameters
        ----------
        summary : pandas.DataFrame
            Columns ``frequency`` and ``monetary_value`` (mean repeat spend,
            currency units). Rows with ``frequency == 0`` carry no spend
            information and are not part of the likelihood.
        weights : array-like, optional
            Customers per row.
        start_params : mapping, optional
            Natural-scale starting values for p, q, gamma.

        Returns
        -------
        self
            Fitted: ``params_`` (p, q, gamma) and ``independence_``.

        Raises
        ------
        DataValidationError
            Missing/invalid columns, non-positive spend of a repeat buyer, no repeat buyer,
            or one mean spend shared by every repeat buyer (e.g. a single repeat buyer: the
            model is not identified; also a ``ConvergenceError``).
        ConvergenceError
            No reliable maximum.
        """
        x_all, z_all, w_repeat = repeat_buyers(summary, weights, "the Gamma-Gamma model")
        if not (z_all != z_all[0]).any():
            raise NotIdentifiedError(
                f"summary: column monetary_value takes one value ({z_all[0]:g}) among the "
                f"{z_all.size} repeat buyer(s), so the spread of spend across customers is "
                "not identified: the Gamma-Gamma model needs repeat buyers with different "
                "mean spends (clv.MeanSpend, or clv.fit_spend_model, fits these data)"
            )
        self.independence_ = frequency_spend_correlation(x_all, z_all)
        if not self.independence_.looks_independent:
            warnings.warn(
                f"frequency and monetary_value are correlated (Pearson r = "
                f"{self.independence_.pearson_r:.2f}); the Gamma-Gamma independence "
                "assumption is doubtful for these data",
                UserWarning,
                stacklevel=2,
            )
        unique, counts = compress_rows({"frequency": x_all, "monetary_value": z_all}, w_repeat)
        x, zbar = unique["frequency"], unique["monetary_value"]
        derivatives = _loglik_derivatives(x, zbar, counts)
        start = start_vector(start_params, self._param_names, _moment_start(x, zbar, counts))
        # Newton with the analytic Hessian finds the optimum in a few steps; the fitter then
        # checks it (gradient, Hessian, Newton step) and gives the standard errors. Where
        # Newton fails, the fitter searches from the original start as before.
        solved = _newton_maximise(derivatives, start)
        start_cov = None
        if solved is not None:
            start, start_cov = np.exp(solved[0]), solved[1]
        mean_z = float(counts @ zbar) / float(counts.sum())
        cls = type(self)
        self._maximise(
            lambda prm: cls._loglik_rows(prm, x, zbar),
            counts,
            start,
            loglik_grad=derivatives,
            alt_start_params=np.array([1.0, 1.5, mean_z / 4]),
            start_cov=start_cov,
        )
        return self

    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, ``p*gamma/(q-1)`` (inf if q <= 1)."""
        p, q, gamma = self._check_fitted()
        return float(p * gamma / (q - 1)) if q > 1 else float("inf")


def _moment_start(x: np.ndarray, zbar: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Method-of-moments starting values (p, q, gamma) for the Gamma-Gamma fit.

    Across customers ``zbar`` is about ``p / nu`` with ``nu ~ Gamma(q, gamma)``: mean
    ``p gamma / (q - 1)``, squared coefficient of variation ``1 / (q - 2)`` plus the
    within-customer part ``1 / (p x)``. With p started at 4 (a customer's own spread is
    not known before the fit): ``q = 2 + 1 / (cv2 - mean(1 / (p x)))`` and
    ``gamma = mean (q - 1) / p``, clipped to sensible ranges. Used only to start the search.
    """
    p = 4.0
    total = float(w.sum())
    mean = float(w @ zbar) / total
    var = float(w @ (zbar - mean) ** 2) / total
    noise = float(w @ (1 / (p * x))) / total
    cv2 = max(var / mean**2 - noise, 0.05)
    q = min(max(2 + 1 / cv2, 2.5), 50.0)
    return np.array([p, q, mean * (q - 1) / p])


#: Below this many rows the weighted sums use BLAS (``@``); above, ``einsum`` (one thread).
_BLAS_ROWS = 4096


def _loglik_derivatives(x: ArrayLike, zbar: ArrayLike, w: ArrayLike):
    r"""Weighted Gamma-Gamma log-likelihood with its gradient and Hessian in the log-parameters.

    Returns ``derivatives(params, order=1)``: ``params`` are natural-scale (p, q, gamma);
    ``order=1`` gives ``(value, gradient)``, ``order=2`` ``(value, gradient, hessian)``,
    both with respect to ``(ln p, ln q, ln gamma)``. With :math:`G = \gamma + x\bar z`,
    :math:`a = px + q` and the trigamma function :math:`\psi_1`, each row contributes

    .. math::

       \partial^2_{pp} = x^2[\psi_1(a) - \psi_1(px)],\quad
       \partial^2_{pq} = x\,\psi_1(a),\quad
       \partial^2_{p\gamma} = -x/G,\quad
       \partial^2_{qq} = \psi_1(a) - \psi_1(q),\quad
       \partial^2_{q\gamma} = 1/\gamma - 1/G,\quad
       \partial^2_{\gamma\gamma} = -q/\gamma^2 + a/G^2,

    and on the log scale :math:`H^{\log}_{ij} = \theta_i\theta_j H_{ij} + \delta_{ij}\,
    \theta_i \partial_i\ell`. The gamma functions depend on the row through ``x`` alone,
    which takes few values (whole numbers of purchases): they are evaluated once per distinct
    ``x``, with its summed weight; the sums over rows are one matrix product per call. The
    function reuses its work arrays: one per fit, not shared between threads. Its attribute
    ``hessian(params, grad_log)`` gives the fitter the Hessian in closed form (for the
    standard errors and the checks at the optimum).

    Examples
    --------
    >>> f = _loglik_derivatives(np.array([1.0, 2, 3]), np.array([20.0, 35, 30]), np.ones(3))
    >>> value, grad, hess = f(np.array([6.0, 4.0, 15.0]), order=2)
    >>> hess.shape, bool(np.allclose(hess, hess.T))
    ((3, 3), True)
    """
    x = np.asarray(x, dtype=float)
    zbar = np.asarray(zbar, dtype=float)
    w = np.asarray(w, dtype=float)
    xz = x * zbar
    log_z = np.log(zbar)
    n_rows = x.size
    total_w = float(w.sum())
    # weights of the per-row sums: row 0 by w, row 1 by w x
    weights = np.stack([w, w * x])
    x_u, inverse = np.unique(x, return_inverse=True)
    w_u = np.bincount(inverse, weights=w, minlength=x_u.size)
    wx_u = w_u * x_u
    m = x_u.size
    size = 2 * m + 1
    # The gamma-function arguments are (p x_u + q, p x_u, q). ``first @ [lnG; psi]`` gives the
    # value's lnGamma terms and the psi terms of dl/dp and dl/dq; ``second @ psi_1`` the
    # trigamma terms of d2l/dp2, d2l/dpdq and d2l/dq2.
    zeros = np.zeros(m)

    def row(first_part, second_part, last):
        return np.concatenate([first_part, second_part, [last]])

    first = np.zeros((3, 2 * size))
    first[0, :size] = row(w_u, -w_u, -total_w)
    first[1, size:] = row(wx_u, -wx_u, 0.0)
    first[2, size:] = row(w_u, zeros, -total_w)
    second = np.stack(
        [row(wx_u * x_u, -wx_u * x_u, 0.0), row(wx_u, zeros, 0.0), row(w_u, zeros, -total_w)]
    )
    # terms free of the parameters: ln x + ln zbar weighted by w x, ln zbar weighted by w
    const_p = float(wx_u @ np.log(x_u)) + float(weights[1] @ log_z)
    w_log_z = float(weights[0] @ log_z)
    args = np.empty(size)
    special = np.empty(2 * size)
    trigamma = np.empty(size)
    columns = np.empty((3, n_rows))

    def row_sums(values: np.ndarray) -> list[list[float]]:
        """Sums of each row of ``values`` by w (first list) and by w x (second list)."""
        if n_rows < _BLAS_ROWS:
            return (weights @ values.T).tolist()
        return np.einsum("in,kn->ik", weights, values).tolist()

    def derivatives(params: np.ndarray, order: int = 1):
        p, q, gamma = map(float, params)
        np.multiply(x_u, p, out=args[m : 2 * m])
        np.add(args[m : 2 * m], q, out=args[:m])
        args[-1] = q
        gammaln(args, out=special[:size])
        digamma(args, out=special[size : 2 * size])
        np.add(xz, gamma, out=columns[0])
        np.divide(1.0, columns[0], out=columns[1])
        np.log(columns[0], out=columns[0])
        # the first-order terms are the same sums whatever the order, to the last bit
        terms = (first @ special[: 2 * size]).tolist()
        (s_log, s_inv), (sx_log, sx_inv) = row_sums(columns[:2])
        log_gamma = float(np.log(gamma))
        value = (
            terms[0] - p * sx_log - q * s_log + p * const_p - w_log_z
            + total_w * q * log_gamma
        )  # fmt: skip
        grad = [
            p * (terms[1] - sx_log + const_p),
            q * (terms[2] - s_log + total_w * log_gamma),
            gamma * (total_w * q / gamma - p * sx_inv - q * s_inv),
        ]
        if order < 2:
            return value, np.array(grad)
        # natural-scale second derivatives, then d2/dlog_i dlog_j = i j d2/didj (+ grad_i)
        zeta(2.0, args, out=trigamma)
        t_pp, t_pq, t_qq = (second @ trigamma).tolist()
        np.multiply(columns[1], columns[1], out=columns[2])
        (s_inv2,), (sx_inv2,) = row_sums(columns[2:])
        h_pq = p * q * t_pq
        h_pg = -p * gamma * sx_inv
        h_qg = q * (total_w - gamma * s_inv)
        h_gg = -total_w * q + gamma * gamma * (p * sx_inv2 + q * s_inv2)
        hess = [
            [p * p * t_pp + grad[0], h_pq, h_pg],
            [h_pq, q * q * t_qq + grad[1], h_qg],
            [h_pg, h_qg, h_gg + grad[2]],
        ]
        return value, np.array(grad), np.array(hess)

    def hessian(params: np.ndarray, grad_log: np.ndarray) -> np.ndarray:
        """The fitter's hook (standard errors, checks): the Hessian in the log-parameters."""
        return derivatives(params, order=2)[2]

    derivatives.hessian = hessian  # type: ignore[attr-defined]
    return derivatives


def _negative_definite_inverse(hess: np.ndarray) -> np.ndarray | None:
    """``inv(-hess)`` of a symmetric 3 x 3 matrix, None unless ``hess`` is negative definite.

    Sylvester's criterion on ``-hess`` and the inverse by cofactors, in plain floats (a
    fraction of the cost of ``numpy.linalg`` on a 3 x 3 matrix).

    Examples
    --------
    >>> _negative_definite_inverse(-np.diag([2.0, 4.0, 5.0])).diagonal().tolist()
    [0.5, 0.25, 0.2]
    >>> _negative_definite_inverse(np.diag([-2.0, 4.0, -5.0])) is None
    True
    """
    (a, b, c), (_, d, e), (_, _, f) = (-hess).tolist()
    c11, c12, c13 = d * f - e * e, c * e - b * f, b * e - c * d
    det = a * c11 + b * c12 + c * c13
    if not (a > 0 and a * d - b * b > 0 and det > 0):
        return None
    c23 = b * c - a * e
    return np.array([[c11, c12, c13], [c12, a * f - c * c, c23], [c13, c23, a * d - b * b]]) / det


#: A Newton step this small (log scale) is the last one: the next would be ~its square.
_LAST_NEWTON_STEP = 1e-6


def _newton_maximise(derivatives, start: np.ndarray, max_iter: int = 40):
    """Newton ascent on the log-parameters with the analytic Hessian, from natural ``start``.

    Each step is the Newton step ``inv(-H) g`` where the Hessian is negative definite, else
    ``V diag(1/|lambda|) V' g`` (an ascent direction), at most 2 per log-parameter, halved until the
    log-likelihood does not fall (beyond rounding). Returns ``(theta, covariance of the
    log-parameters)`` after a step below :data:`_LAST_NEWTON_STEP` at a negative-definite
    Hessian (the next step, ~its square, would be below the fitter's ``POLISH_STEP``), else
    None (then the fitter's own search starts from the original point).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(1, 6, 500).astype(float)
    >>> zbar = rng.gamma(6.0 * x, 1.0 / (x * rng.gamma(3.5, 1 / 20.0, 500)))  # mean spends
    >>> f = _loglik_derivatives(x, zbar, np.ones(500))
    >>> theta, cov = _newton_maximise(f, [4.0, 3.0, 20.0])
    >>> bool(np.max(np.abs(f(np.exp(theta))[1])) < 1e-6)  # the gradient vanishes there
    True
    """
    with np.errstate(all="ignore"):
        theta = np.log(np.asarray(start, dtype=float))
        value, grad, hess = derivatives(np.exp(theta), order=2)
        for _ in range(max_iter):
            if not (np.isfinite(value) and np.all(np.isfinite(hess))):
                return None
            cov = _negative_definite_inverse(hess)
            if cov is not None:
                step = cov @ grad
            else:  # not (clearly) negative definite: an ascent direction all the same
                eig, vec = np.linalg.eigh(hess)
                step = vec @ ((vec.T @ grad) / np.abs(eig))
                cov = (vec / -eig) @ vec.T if eig[-1] < 0 else None
            size = float(np.max(np.abs(step)))
            if not np.isfinite(size):
                return None
            if size < _LAST_NEWTON_STEP and cov is not None:
                # quadratic convergence: the step after this one would be ~size^2, far
                # below the fitter's POLISH_STEP (the fitter checks the point anyway)
                return theta + step, cov
            scale = min(1.0, 2.0 / size)
            for _ in range(30):
                candidate = theta + scale * step
                moved = derivatives(np.exp(candidate), order=2)
                # (a rise below rounding, 1e-12 of the value, counts as no fall)
                if np.isfinite(moved[0]) and moved[0] >= value - 1e-12 * abs(value):
                    break
                scale /= 2
            else:
                return None
            theta = candidate
            value, grad, hess = moved
    return None


def repeat_buyers(summary: pd.DataFrame, weights, model: str):
    """Frequency, mean repeat spend and weights of the repeat buyers (``frequency > 0``).

    Raises :class:`DataValidationError` naming the column when there is none;
    ``model`` says what needs them (for the message).
    """
    frame = require_customers(
        validate_summary(summary, columns=("frequency", "monetary_value")), model
    )
    # the checked frame holds exactly these two float columns, in this order: one array
    # instead of a pandas Series per column
    values = frame.to_numpy(dtype=float)
    w = validate_weights(weights, len(values))
    repeat = values[:, 0] > 0
    if not repeat.any():
        raise DataValidationError(
            "summary: column 'frequency' has no repeat buyer (frequency > 0); "
            f"{model} needs some repeat purchases"
        )
    return values[repeat, 0], values[repeat, 1], w[repeat]


def _pearson(x: np.ndarray, z: np.ndarray) -> float:
    """Pearson correlation of two non-constant arrays (plain numpy, no tests)."""
    dx, dz = x - x.sum() / x.size, z - z.sum() / z.size
    scale = math.sqrt(float(dx @ dx) * float(dz @ dz))
    if not scale > 0:  # spreads below the floating-point range
        return float("nan")
    return min(max(float(dx @ dz) / scale, -1.0), 1.0)


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties sharing their average rank (``scipy.stats.rankdata``'s default).

    Examples
    --------
    >>> _average_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist()
    [3.5, 1.0, 3.5, 2.0]
    """
    n = values.size
    order = np.argsort(values)  # tied values share their average rank: any order will do
    ordered = values[order]
    first = np.empty(n, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:], n)
    ranks = np.empty(n)
    ranks[order] = ((starts + ends + 1) / 2.0)[np.cumsum(first) - 1]
    return ranks


def frequency_spend_correlation(x: np.ndarray, z: np.ndarray) -> FrequencySpendCorrelation:
    """Correlation of repeat frequency ``x`` and mean repeat spend ``z`` (repeat buyers only).

    NaN correlations (and ``looks_independent=True``) when fewer than 3 buyers or no variation.

    Examples
    --------
    >>> frequency_spend_correlation(np.array([1, 2, 3, 4]), np.array([5.0, 5, 6, 5])).n_customers
    4
    """
    if x.size < 3 or np.all(x == x[0]) or np.all(z == z[0]):
        return FrequencySpendCorrelation(
            float("nan"), float("nan"), float("nan"), int(x.size), True
        )
    r = _pearson(x, z)
    # Two-sided p-value of r = 0 (t with n - 2 degrees of freedom), as scipy.stats.pearsonr.
    n = x.size
    t = abs(r) * np.sqrt((n - 2) / max(1.0 - r * r, 1e-300))
    pval = 2.0 * stdtr(n - 2, -t)
    rho = _pearson(_average_ranks(x), _average_ranks(z))  # Spearman: Pearson of the ranks
    return FrequencySpendCorrelation(
        pearson_r=float(r),
        pearson_pvalue=float(pval),
        spearman_rho=float(rho),
        n_customers=int(x.size),
        looks_independent=bool(abs(r) < DEPENDENCE_WARNING_R),
    )
