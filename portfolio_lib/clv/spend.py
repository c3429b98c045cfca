r"""Choosing a spend model: Gamma-Gamma when it has a maximum, the mean spend when not.

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
not of each customer's own mean. :func:`fit_spend_model` tries Gamma-Gamma
first and says in ``note`` which model it kept and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib.clv._base import MLEModel, unpack, wrap_like
from portfolio_lib.clv._fitting import ConvergenceError
from portfolio_lib.clv.gammagamma import GammaGamma, frequency_spend_correlation, repeat_buyers

__all__ = ["MeanSpend", "SpendModelChoice", "fit_spend_model"]


class MeanSpend(MLEModel):
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

    def fit(self, summary: pd.DataFrame, *, weights=None):
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

    def conditional_expected_spend(self, frequency, monetary_value):
        """Expected spend per future purchase: own mean for repeat buyers, else the mean.

        Currency units.
        """
        params = self._check_fitted()
        values = self._expected_spend(
            params, np.asarray(frequency, dtype=float), np.asarray(monetary_value, dtype=float)
        )
        return wrap_like(values, frequency, monetary_value)

    def population_mean_spend(self) -> float:
        """Mean repeat spend across repeat buyers (currency units)."""
        return float(self._check_fitted()[0])


@dataclass(frozen=True)
class SpendModelChoice:
    """The spend model :func:`fit_spend_model` kept, and why.

    Attributes
    ----------
    model : GammaGamma or MeanSpend
        Fitted; both work with :func:`~portfolio_lib.clv.customer_lifetime_value`.
    note : str
        One or two sentences for the reader: which model, and why.
    gamma_gamma_error : str
        The first line of Gamma-Gamma's :class:`ConvergenceError` ("" when it converged).
    """

    model: GammaGamma | MeanSpend
    note: str
    gamma_gamma_error: str = ""

    @property
    def is_gamma_gamma(self) -> bool:
        """Whether the Gamma-Gamma model was kept."""
        return isinstance(self.model, GammaGamma)


def fit_spend_model(summary: pd.DataFrame, *, weights=None) -> SpendModelChoice:
    """Fit Gamma-Gamma; when it has no reliable maximum, fall back to :class:`MeanSpend`.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``frequency`` and ``monetary_value`` per customer (currency units).
    weights : array-like, optional
        Customers per row.

    Returns
    -------
    SpendModelChoice

    Raises
    ------
    DataValidationError
        Invalid columns or no repeat buyer (neither model can be fitted).

    Examples
    --------
    >>> from portfolio_lib.clv import simulate_bgnbd, simulate_gamma_gamma_spend
    >>> data = simulate_bgnbd(1500, r=0.8, alpha=8, a=1, b=4, T=52, seed=3)
    >>> data["monetary_value"] = simulate_gamma_gamma_spend(
    ...     data["frequency"], p=6, q=3.5, gamma=20, seed=4)["monetary_value"]
    >>> fit_spend_model(data).is_gamma_gamma
    True
    """
    try:
        model = GammaGamma().fit(summary, weights=weights)
    except ConvergenceError as error:
        fallback = MeanSpend().fit(summary, weights=weights)
        note = (
            f"Gamma-Gamma has no reliable maximum on these {int(fallback.n_obs_)} repeat buyers "
            f"({_why(error)}). Using the mean-spend model instead: a repeat buyer's own mean "
            f"spend, the average of repeat buyers ({fallback.population_mean_spend():,.2f}) for "
            "everyone else."
        )
        return SpendModelChoice(fallback, note, str(error).splitlines()[0])
    note = (
        f"Gamma-Gamma fitted on {int(model.n_obs_)} repeat buyers: a customer's expected spend "
        "is a weighted average of their own mean and the population mean "
        f"({model.population_mean_spend():,.2f})."
    )
    return SpendModelChoice(model, note)


#: Above this p the Gamma-Gamma fit is at the p -> infinity edge (no within-customer spread).
_P_AT_EDGE = 1e3


def _why(error: ConvergenceError) -> str:
    """Say in words why the Gamma-Gamma fit was refused, from its diagnostics."""
    diagnostics = error.diagnostics
    if diagnostics is None:
        return "the optimiser did not converge"
    params = dict(zip(diagnostics.param_names, np.exp(diagnostics.log_params), strict=True))
    if params.get("p", 0.0) > _P_AT_EDGE:
        return (
            f"the likelihood keeps rising towards p → ∞ (p = {params['p']:,.0f}): too little "
            "spread of purchases around each customer's own mean to estimate"
        )
    return "; ".join(diagnostics.problems) or "the optimiser did not converge"
