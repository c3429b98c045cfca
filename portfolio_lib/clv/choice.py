r"""Fitting the CLV models on any data set: the standard fit, or an honest fallback.

On small or unusual samples a likelihood can have no interior maximum: it keeps
rising as some parameters run to 0 or infinity, meaning these data cannot tell
how customers differ in that respect. The model classes then raise
:class:`ConvergenceError` rather than report numbers nobody should trust. A
lesson or a report must go on, so these two functions choose what to use and
say why in ``note``:

* :func:`fit_purchase_model` — maximum likelihood; when there is no maximum, a
  maximum a posteriori fit with a weak normal prior (sd :data:`PRIOR_SD` on the
  log scale, centred on moment-based starting values). Predictions then equal
  those of the limit the likelihood runs to; the parameters that ran away
  reflect the prior, not the data.
* :func:`fit_spend_model` — Gamma-Gamma; when it has no maximum, the
  :class:`~portfolio_lib.clv.MeanSpend` model (its :math:`p \to \infty` limit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import clone

from portfolio_lib.clv._base import MLEModel, PurchaseModel
from portfolio_lib.clv._fitting import ConvergenceError
from portfolio_lib.clv._validation import NotIdentifiedError
from portfolio_lib.clv.bgnbd import BetaGeo
from portfolio_lib.clv.gammagamma import GammaGamma
from portfolio_lib.clv.spend import MeanSpend

__all__ = ["PRIOR_SD", "ModelChoice", "fit_purchase_model", "fit_spend_model"]

#: Standard deviation of the weak prior on each log-parameter (a factor of e^3 ~ 20 either way).
PRIOR_SD = 3.0
#: A parameter above this factor (or below its inverse) at the failed maximum "ran away".
_RAN_AWAY = 1e4


@dataclass(frozen=True)
class ModelChoice:
    """The fitted model a chooser kept, and why.

    Attributes
    ----------
    model : fitted model
        Works with :func:`~portfolio_lib.clv.customer_lifetime_value` and the lessons.
    note : str
        One or two sentences for the reader: which fit, and why.
    fallback : bool
        True when the standard maximum-likelihood fit had no reliable maximum.
    error : str
        The first line of the standard fit's :class:`ConvergenceError` ("" if none).
    """

    model: MLEModel
    note: str
    fallback: bool = False
    error: str = ""


def _ran_away(error: ConvergenceError, limits: dict[str, float]) -> dict[str, float]:
    """Parameters beyond their limit (or below its inverse) at the failed maximum."""
    diagnostics = error.diagnostics
    if diagnostics is None:
        return {}
    values = dict(zip(diagnostics.param_names, np.exp(diagnostics.log_params), strict=True))
    return {
        name: float(value)
        for name, value in values.items()
        if name in limits and not 1 / limits[name] < value < limits[name]
    }


def _why(error: ConvergenceError, limits: dict[str, float]) -> str:
    """Say in words why a fit was refused, from its diagnostics."""
    if isinstance(error, NotIdentifiedError):
        return str(error).splitlines()[0]
    away = _ran_away(error, limits)
    if away:
        listed = ", ".join(f"{k} = {v:.3g}" for k, v in away.items())
        return f"the likelihood keeps rising as {listed} run towards 0 or infinity"
    diagnostics = error.diagnostics
    return "; ".join(diagnostics.problems) if diagnostics else "the optimiser did not converge"


def fit_purchase_model(
    summary: pd.DataFrame,
    *,
    model: type[PurchaseModel] | PurchaseModel = BetaGeo,
    weights: ArrayLike | None = None,
) -> ModelChoice:
    """Fit a purchase model by maximum likelihood, or by MAP with a weak prior if there is no maximum.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``frequency``, ``recency`` and ``T`` per customer (one time unit).
    model : class or unfitted model
        :class:`~portfolio_lib.clv.BetaGeo` (default) or :class:`~portfolio_lib.clv.ParetoNBD`,
        or an instance: it is cloned (``sklearn.base.clone``), not changed.
    weights : array-like, optional
        Customers per row.

    Returns
    -------
    ModelChoice
        ``model.prior_sd_`` is ``None`` for the maximum-likelihood fit, :data:`PRIOR_SD` otherwise.

    Raises
    ------
    DataValidationError
        Malformed summary.
    ConvergenceError
        Not even the MAP fit converged (e.g. nobody made a repeat purchase).

    Examples
    --------
    >>> from portfolio_lib.clv import simulate_bgnbd
    >>> data = simulate_bgnbd(2000, r=0.8, alpha=8, a=1, b=4, T=52, seed=3)
    >>> choice = fit_purchase_model(data)
    >>> choice.fallback, choice.model.prior_sd_ is None
    (False, True)
    """
    name = model._model_name
    base = model() if isinstance(model, type) else model
    try:
        fitted = clone(base).fit(summary, weights=weights)
    except ConvergenceError as error:
        fitted = clone(base).set_params(prior_sd=PRIOR_SD).fit(summary, weights=weights)
        note = (
            f"{name} has no maximum-likelihood estimate on these {int(fitted.n_obs_)} customers "
            f"({_why(error, dict.fromkeys(model._param_names, _RAN_AWAY))}): the data cannot tell how customers differ in that respect. "
            f"Fitted instead with a weak prior on the log-parameters (sd {PRIOR_SD:g}): its "
            "predictions equal those of the limit the likelihood runs to, but the parameters "
            "that ran away reflect the prior, not the data."
        )
        return ModelChoice(fitted, note, True, str(error).splitlines()[0])
    note = f"{name} fitted by maximum likelihood on {int(fitted.n_obs_)} customers."
    return ModelChoice(fitted, note)


def fit_spend_model(summary: pd.DataFrame, *, weights: ArrayLike | None = None) -> ModelChoice:
    """Fit Gamma-Gamma; when it has no reliable maximum, fall back to :class:`MeanSpend`.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``frequency`` and ``monetary_value`` per customer (currency units).
    weights : array-like, optional
        Customers per row.

    Returns
    -------
    ModelChoice
        ``model`` is a :class:`GammaGamma` or, with ``fallback=True``, a :class:`MeanSpend`.

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
    >>> fit_spend_model(data).fallback
    False
    """
    try:
        fitted = GammaGamma().fit(summary, weights=weights)
    except ConvergenceError as error:
        mean = MeanSpend().fit(summary, weights=weights)
        why = _why(error, {"p": 1e3})  # p -> oo: no spread around each customer's own mean
        if why.startswith("the likelihood keeps rising"):
            why += ": too little spread of purchases around each customer's own mean"
        note = (
            f"Gamma-Gamma has no reliable maximum on these {int(mean.n_obs_)} repeat buyers "
            f"({why}). Using the mean-spend model instead (the Gamma-Gamma limit as p → ∞): a "
            f"repeat buyer's own mean spend, the average of repeat buyers "
            f"({mean.population_mean_spend():,.2f}) for everyone else."
        )
        return ModelChoice(mean, note, True, str(error).splitlines()[0])
    note = (
        f"Gamma-Gamma fitted on {int(fitted.n_obs_)} repeat buyers: a customer's expected spend "
        "is a weighted average of their own mean and the population mean "
        f"({fitted.population_mean_spend():,.2f})."
    )
    return ModelChoice(fitted, note)
