r"""Shifted-beta-geometric retention model (Fader & Hardie 2007, "How to project customer retention").

Contractual setting: at the end of each period a customer renews with her own
probability :math:`1-\theta`, :math:`\theta \sim \mathrm{Beta}(\alpha, \beta)`.
With survival :math:`S(t)` (share of the cohort still active after ``t``
renewal opportunities):

.. math::

   P(T = t) = \frac{B(\alpha+1, \beta+t-1)}{B(\alpha, \beta)}, \quad
   S(t) = \frac{B(\alpha, \beta+t)}{B(\alpha, \beta)}, \quad
   r_t = \frac{S(t)}{S(t-1)} = \frac{\beta+t-1}{\alpha+\beta+t-1}.

Fitting uses the counts of a cohort still active at the start of periods
0, 1, ..., T: the ``n_{t-1} - n_t`` customers lost in period ``t`` contribute
``log P(T = t)`` each and the ``n_T`` still active contribute ``log S(T)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma

from portfolio_lib._errors import DataValidationError
from portfolio_lib.clv._base import MLEModel, on_log_scale, unpack
from portfolio_lib.clv._fitting import dot
from portfolio_lib.clv._hypergeometric import hyp2f1_stable
from portfolio_lib.clv._validation import NotIdentifiedError, nonnegative

__all__ = ["ShiftedBetaGeometric"]


class ShiftedBetaGeometric(MLEModel):
    """sBG model of contractual retention, fitted to one cohort's survivor counts.

    Fitted attributes: ``params_`` (Series alpha, beta), ``loglik_``,
    ``cov_log_params_``, ``diagnostics_``, ``n_obs_`` (cohort size),
    ``cohort_size_``, ``survivors_`` (the counts fitted).

    Examples
    --------
    >>> from portfolio_lib.clv import ShiftedBetaGeometric
    >>> sbg = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> sbg.params_.round(3).to_dict()
    {'alpha': 0.704, 'beta': 1.182}
    """

    _model_name = "shifted-beta-geometric"
    _param_names = ("alpha", "beta")

    @staticmethod
    def _loglik_rows(params, period, survived):
        alpha, beta = unpack(params)
        lost = betaln(alpha + 1, beta + period - 1) - betaln(alpha, beta)
        alive = betaln(alpha, beta + period) - betaln(alpha, beta)
        return np.where(survived, alive, lost)

    @staticmethod
    def _make_loglik_grad(period, survived, w):
        r"""Weighted log-likelihood and its analytic gradient in the log-parameters.

        With :math:`\partial_u \ln B(u, v) = \psi(u) - \psi(u+v)`: a customer lost in
        period t contributes :math:`\psi(\alpha+1) - \psi(\alpha) + \psi(\alpha+\beta)
        - \psi(\alpha+\beta+t)` to the alpha-derivative and :math:`\psi(\beta+t-1)
        - \psi(\beta) + \psi(\alpha+\beta) - \psi(\alpha+\beta+t)` to the beta-derivative;
        one still active after t, :math:`\psi(\alpha+\beta) - \psi(\alpha+\beta+t)` and
        :math:`\psi(\beta+t) - \psi(\beta) + \psi(\alpha+\beta) - \psi(\alpha+\beta+t)`.
        """
        period = np.asarray(period, dtype=float)
        survived = np.asarray(survived, dtype=bool)
        w = np.asarray(w, dtype=float)
        lost_w = np.where(survived, 0.0, w)
        total_w = float(w.sum())
        shift = np.where(survived, period, period - 1)

        def loglik_grad(params):
            alpha, beta = (float(v) for v in params)
            value = (
                dot(lost_w, betaln(alpha + 1, beta + period - 1))
                + dot((w - lost_w), betaln(alpha, beta + period))
                - total_w * betaln(alpha, beta)
            )
            common = digamma(alpha + beta) - digamma(alpha + beta + period)
            # psi(alpha + 1) - psi(alpha) = 1 / alpha
            g_alpha = dot(w, common) + float(lost_w.sum()) / alpha
            g_beta = dot(w, (common + digamma(beta + shift))) - total_w * digamma(beta)
            return on_log_scale(value, [g_alpha, g_beta], [alpha, beta])

        return loglik_grad

    @staticmethod
    def _survival(params, t):
        alpha, beta = unpack(params)
        return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))

    def fit(self, survivors: ArrayLike, *, start_params: Mapping[str, float] | None = None) -> Self:
        """Fit to the numbers of a cohort still active at the start of periods 0..T.

        Parameters
        ----------
        survivors : array-like of int
            ``survivors[0]`` is the cohort size; the counts must not increase.
        start_params : mapping, optional
            Starting values for alpha and beta.

        Returns
        -------
        self
            Fitted: ``params_`` (alpha, beta), ``cohort_size_`` and ``survivors_``.

        Raises
        ------
        DataValidationError
            Counts not whole, negative, increasing, or fewer than two periods, or nobody
            ever leaves (then also a ``ConvergenceError``); the message names ``survivors``.
        ConvergenceError
            No reliable maximum.
        """
        counts = _validate_survivors(survivors)
        lost = counts[:-1] - counts[1:]
        if not np.any(lost > 0):
            raise NotIdentifiedError(
                f"survivors: nobody left the cohort ({counts[:8].tolist()}), so the "
                "shifted-beta-geometric churn distribution is not identified "
                "(need at least one loss)"
            )
        periods = np.arange(1, counts.size, dtype=float)
        period = np.r_[periods, periods[-1]]
        survived = np.r_[np.zeros(periods.size, dtype=bool), True]
        weights = np.r_[lost, counts[-1]].astype(float)
        keep = weights > 0
        period, survived, weights = period[keep], survived[keep], weights[keep]
        cls = type(self)
        self._maximise(
            lambda prm: cls._loglik_rows(prm, period, survived),
            weights,
            np.array([1.0, 1.0]),
            start_params=start_params,
            loglik_grad=cls._make_loglik_grad(period, survived, weights),
            alt_start_params=np.array([0.3, 3.0]),
            n_obs=float(counts[0]),
        )
        self.cohort_size_ = int(counts[0])
        self.survivors_ = counts.copy()
        return self

    def survival(self, t: ArrayLike) -> np.ndarray:
        """Share of a cohort still active after ``t`` periods, ``S(t)`` (S(0) = 1).

        Raises
        ------
        DataValidationError
            ``t`` missing (None/NaN), infinite or negative (names ``t``).
        """
        params = self._check_fitted()
        return self._survival(params, nonnegative(t, "t"))

    def retention_rate(self, t: ArrayLike) -> np.ndarray:
        """Retention rate in period ``t >= 1``: ``S(t)/S(t-1) = (beta+t-1)/(alpha+beta+t-1)``.

        Raises
        ------
        DataValidationError
            ``t`` missing (None/NaN), infinite or below 1 (names ``t``).
        """
        alpha, beta = self._check_fitted()
        t = nonnegative(t, "t")
        if np.any(t < 1):
            raise DataValidationError("t: retention_rate is defined for periods t >= 1")
        return (beta + t - 1) / (alpha + beta + t - 1)

    def projected_customers(
        self, periods: int | ArrayLike, cohort_size: float | None = None
    ) -> pd.DataFrame:
        """Expected active customers, survival and retention rate for ``periods``.

        Parameters
        ----------
        periods : int or array-like of int
            An int ``n`` means periods ``0..n``; an array lists distinct periods (whole
            numbers >= 0).
        cohort_size : float, optional
            Defaults to the fitted cohort's size.

        Returns
        -------
        pandas.DataFrame
            Index ``period``; columns ``survival``, ``expected_active``,
            ``retention_rate`` (NaN for period 0) and ``observed`` (the fitted
            counts where available, else NaN).

        Raises
        ------
        DataValidationError
            ``periods`` missing, not whole, negative, repeated or not one-dimensional
            (names ``periods``).

        Examples
        --------
        >>> sbg = ShiftedBetaGeometric.from_params({"alpha": 0.704, "beta": 1.182})
        >>> sbg.projected_customers(2, cohort_size=1000)["expected_active"].round(1).tolist()
        [1000.0, 626.7, 473.8]
        """
        self._check_fitted()
        if np.ndim(periods) == 0 and periods is not None:
            t = np.arange(int(nonnegative(periods, "periods", whole=True)) + 1)
        else:
            t = nonnegative(periods, "periods", whole=True, one_dimensional=True, distinct=True)
            t = t.astype(int)
        size = float(cohort_size if cohort_size is not None else getattr(self, "cohort_size_", 1))
        surv = self.survival(t)
        retention = np.full(t.shape, np.nan)
        pos = t >= 1
        retention[pos] = self.retention_rate(t[pos])
        observed = np.full(t.shape, np.nan)
        fitted = getattr(self, "survivors_", None)
        if fitted is not None:
            inside = t < fitted.size
            observed[inside] = fitted[t[inside]]
        return pd.DataFrame(
            {
                "survival": surv,
                "expected_active": size * surv,
                "retention_rate": retention,
                "observed": observed,
            },
            index=pd.Index(t, name="period"),
        )

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """Expected discounted number of periods a new customer stays, ``sum_t S(t)/(1+d)^t``.

        Equals ``2F1(1, beta; alpha+beta; 1/(1+d))`` (Fader & Hardie 2010, DEL);
        multiply by the margin per period (paid at the start of each period) for a
        contractual CLV. ``discount_rate`` is per period.
        """
        alpha, beta = self._check_fitted()
        if not discount_rate > 0:
            raise ValueError("discount_rate must be > 0 (per period)")
        return float(hyp2f1_stable(1.0, beta, alpha + beta, 1.0 / (1.0 + discount_rate)))


def _validate_survivors(survivors) -> np.ndarray:
    try:
        values = np.asarray(survivors, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise DataValidationError(f"survivors must be numeric counts: {exc}") from exc
    if values.size == 0:
        raise DataValidationError("survivors is empty: no cohort counts to fit")
    if values.size < 2:
        raise DataValidationError("survivors needs at least two counts (periods 0 and 1)")
    problems = []
    if not np.all(np.isfinite(values)):
        problems.append("must be finite")
    elif np.any(values < 0) or np.any(values != np.round(values)):
        problems.append("must be non-negative whole numbers")
    elif values[0] <= 0:
        problems.append("must start with a positive cohort size")
    elif np.any(np.diff(values) > 0):
        problems.append("must not increase over time")
    if problems:
        raise DataValidationError(
            f"survivors {problems[0]}; got {values[:13].tolist()}"
            + (" ..." if values.size > 13 else "")
        )
    return values
