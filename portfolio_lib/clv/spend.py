r"""The mean-spend model: what Gamma-Gamma tends to when its likelihood has no maximum.

On small or unusual samples the Gamma-Gamma likelihood can rise towards the
edge of the parameter space instead of peaking: :math:`p \to \infty` with
:math:`p\gamma` fixed, i.e. the data show no spread of a customer's purchases
around their own mean that the model could estimate. :class:`GammaGamma`
then raises :class:`ConvergenceError` rather than report an unreliable fit.

In that limit the Gamma-Gamma prediction :math:`E[Z \mid x, \bar z]` tends to
the customer's own mean repeat spend :math:`\bar z`, which is what
:class:`MeanSpend` predicts for repeat buyers; customers without a repeat
purchase get the mean of :math:`\bar z` across repeat buyers. Its interval
reflects the uncertainty of that population mean (standard error of a mean),
not of each customer's own mean. :func:`~portfolio_lib.clv.fit_spend_model`
tries Gamma-Gamma first and says in ``note`` which model it kept and why.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from portfolio_lib.clv._base import SpendModel, unpack
from portfolio_lib.clv.gammagamma import frequency_spend_correlation, repeat_buyers

__all__ = ["MeanSpend"]


class MeanSpend(SpendModel):
    """Spend per purchase without a Gamma-Gamma prior: own mean, or the population mean.

    A repeat buyer's expected spend per future purchase is their own mean
    repeat spend ``monetary_value``; a customer with ``frequency == 0`` gets the
    mean of ``monetary_value`` over repeat buyers (``mean_spend``). This is the
    limit of the Gamma-Gamma model when its likelihood has no interior maximum.

    Fitted attributes: ``params_`` (Series ``mean_spend``, currency units),
    ``cov_log_params_`` (variance of ``log(mean_spend)`` by the delta method),
    ``n_obs_`` (repeat buyers), ``independence_`` (as for :class:`GammaGamma`).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"frequency": [0, 2, 3, 1], "monetary_value": [0.0, 10.0, 20.0, 30.0]})
    >>> m = MeanSpend().fit(s)
    >>> m.population_mean_spend()
    20.0
    >>> list(m.conditional_expected_spend(s["frequency"], s["monetary_value"]))
    [20.0, 10.0, 20.0, 30.0]
    """

    _model_name = "Mean spend"
    _param_names = ("mean_spend",)

    @staticmethod
    def _expected_spend(params, x, zbar):
        (mean_spend,) = unpack(params)
        x = np.asarray(x, dtype=float)
        zbar = np.asarray(zbar, dtype=float)
        return np.where(x > 0, zbar, mean_spend) + 0 * mean_spend

    @staticmethod
    def _usable_draws(draws: np.ndarray) -> np.ndarray:
        """Every draw of a positive mean gives a finite spend."""
        return np.ones(len(draws), dtype=bool)

    def fit(self, summary: pd.DataFrame, *, weights: ArrayLike | None = None) -> Self:
        """Estimate the mean repeat spend and its standard error.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency`` and ``monetary_value`` (mean repeat spend, currency units).
        weights : array-like, optional
            Customers per row.

        Returns
        -------
        self
            Fitted: ``params_`` (mean_spend) with the variance of its log.

        Raises
        ------
        DataValidationError
            Missing/invalid columns or no repeat buyer.
        """
        x, z, w = repeat_buyers(summary, weights, "a mean repeat spend")
        n = float(w.sum())
        mean = float(np.average(z, weights=w))
        variance = float(np.average((z - mean) ** 2, weights=w)) * n / max(n - 1, 1)
        log_se = np.sqrt(variance / n) / mean
        self.independence_ = frequency_spend_correlation(x, z)
        self.params_ = pd.Series([mean], index=list(self._param_names), name="estimate")
        self.cov_log_params_ = pd.DataFrame(
            [[log_se**2]], index=list(self._param_names), columns=list(self._param_names)
        )
        self.loglik_ = float("nan")
        self.diagnostics_ = None
        self.result_ = None
        self.n_obs_ = n
        self.n_rows_ = len(x)
        return self

    def population_mean_spend(self) -> float:
        """Mean repeat spend across repeat buyers (currency units)."""
        return float(self._check_fitted()[0])
