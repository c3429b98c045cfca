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

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln, stdtr

from portfolio_lib._errors import DataValidationError
from portfolio_lib.clv._base import SpendModel, on_log_scale, unpack
from portfolio_lib.clv._fitting import compress_rows, dot
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

        times the parameter for the log scale.
        """
        x = np.asarray(x, dtype=float)
        zbar = np.asarray(zbar, dtype=float)
        w = np.asarray(w, dtype=float)
        xz = x * zbar
        log_z = np.log(zbar)
        wx = w * x
        total_w = float(w.sum())
        # The gamma functions depend on the row through x alone, which takes few values
        # (whole numbers of purchases): evaluate them once per distinct x, with its weight.
        x_u, inverse = np.unique(x, return_inverse=True)
        w_u = np.bincount(inverse, weights=w, minlength=x_u.size)
        wx_u = w_u * x_u
        # Terms free of the parameters' nonlinear parts: ln x + ln zbar weighted by w x,
        # and ln zbar weighted by w and by w x.
        const_p = dot(wx_u, np.log(x_u)) + dot(wx, log_z)
        wx_log_z, w_log_z = dot(wx, log_z), dot(w, log_z)

        def loglik_grad(params):
            p, q, gamma = (float(v) for v in params)
            px_u = p * x_u
            log_g = np.log(gamma + xz)
            wx_log_g, w_log_g = dot(wx, log_g), dot(w, log_g)
            inv_g = 1.0 / (gamma + xz)
            psi_pq = digamma(px_u + q)
            value = (
                dot(w_u, gammaln(px_u + q) - gammaln(px_u))
                - p * wx_log_g - q * w_log_g
                + p * wx_log_z - w_log_z
                - total_w * gammaln(q)
                + total_w * q * np.log(gamma)
                + p * dot(wx_u, np.log(x_u))
            )  # fmt: skip
            g_p = dot(wx_u, psi_pq - digamma(px_u)) - wx_log_g + const_p
            g_q = dot(w_u, psi_pq) - w_log_g + total_w * (np.log(gamma) - digamma(q))
            g_gamma = total_w * q / gamma - p * dot(wx, inv_g) - q * dot(w, inv_g)
            return on_log_scale(value, [g_p, g_q, g_gamma], [p, q, gamma])

        return loglik_grad

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
        if np.unique(z_all).size < 2:
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
        mean_z = float(np.average(zbar, weights=counts))
        start = _moment_start(x, zbar, counts)
        alt = np.array([1.0, 1.5, mean_z / 4])
        cls = type(self)
        self._maximise(
            lambda prm: cls._loglik_rows(prm, x, zbar),
            counts,
            start,
            start_params=start_params,
            loglik_grad=cls._make_loglik_grad(x, zbar, counts),
            alt_start_params=alt,
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
    ``gamma = mean (q - 1) / p``, clipped to sensible ranges. Used only to start BFGS.
    """
    p = 4.0
    mean = float(np.average(zbar, weights=w))
    var = float(np.average((zbar - mean) ** 2, weights=w))
    noise = float(np.average(1 / (p * x), weights=w))
    cv2 = max(var / mean**2 - noise, 0.05)
    q = float(np.clip(2 + 1 / cv2, 2.5, 50.0))
    return np.array([p, q, mean * (q - 1) / p])


def repeat_buyers(summary: pd.DataFrame, weights, model: str):
    """Frequency, mean repeat spend and weights of the repeat buyers (``frequency > 0``).

    Raises :class:`DataValidationError` naming the column when there is none;
    ``model`` says what needs them (for the message).
    """
    frame = require_customers(
        validate_summary(summary, columns=("frequency", "monetary_value")), model
    )
    w = validate_weights(weights, len(frame))
    repeat = frame["frequency"].to_numpy() > 0
    if not repeat.any():
        raise DataValidationError(
            "summary: column 'frequency' has no repeat buyer (frequency > 0); "
            f"{model} needs some repeat purchases"
        )
    x = frame["frequency"].to_numpy(float)[repeat]
    z = frame["monetary_value"].to_numpy(float)[repeat]
    return x, z, w[repeat]


def _pearson(x: np.ndarray, z: np.ndarray) -> float:
    """Pearson correlation of two non-constant arrays (plain numpy, no tests)."""
    dx, dz = x - x.mean(), z - z.mean()
    return float(np.clip((dx @ dz) / np.sqrt((dx @ dx) * (dz @ dz)), -1.0, 1.0))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties sharing their average rank (``scipy.stats.rankdata``'s default).

    Examples
    --------
    >>> _average_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist()
    [3.5, 1.0, 3.5, 2.0]
    """
    n = values.size
    order = np.argsort(values, kind="stable")
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
