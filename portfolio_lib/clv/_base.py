"""Common machinery of the fitted CLV models (parameters, summary, draws)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator

from portfolio_lib._errors import as_generator
from portfolio_lib.clv._fitting import (
    FitDiagnostics,
    MLEOutcome,
    ModelSummary,
    compress_rows,
    fit_log_mle,
    make_summary,
)
from portfolio_lib.clv._validation import validate_summary, validate_weights

__all__ = ["MLEModel", "PurchaseModel", "Prediction", "unpack", "wrap_like"]

#: What the prediction methods return: a float for scalar input, a Series indexed like a
#: pandas input, else an array.
Prediction = float | np.ndarray | pd.Series


def unpack(params: np.ndarray) -> list[np.ndarray]:
    """Split a parameter vector (k,) or matrix of draws (m, k) into broadcastable columns.

    A vector gives k scalars; an (m, k) matrix gives k arrays of shape (m, 1) that
    broadcast against per-customer arrays of shape (n,) to (m, n).
    """
    params = np.asarray(params, dtype=float)
    if params.ndim == 1:
        return [params[i] for i in range(params.shape[0])]
    return [params[:, i : i + 1] for i in range(params.shape[1])]


def wrap_like(values: np.ndarray, *inputs: object) -> Prediction:
    """Return a Series indexed like the first pandas input, else the array (0-d -> float)."""
    for item in inputs:
        if isinstance(item, pd.Series) and np.ndim(values) == 1 and len(item) == len(values):
            return pd.Series(values, index=item.index)
    if np.ndim(values) == 0:
        return float(values)
    return values


class MLEModel(BaseEstimator):
    """Base class: fitted parameters, covariance, summary and parameter draws.

    The models are scikit-learn estimators: constructor arguments are stored unchanged
    (``get_params``/``set_params``, so ``sklearn.base.clone`` gives an unfitted copy) and
    everything learnt by ``fit`` ends in ``_``.
    """

    _model_name = "model"
    _param_names: tuple[str, ...] = ()

    def __sklearn_is_fitted__(self) -> bool:
        return getattr(self, "params_", None) is not None

    # -- fitted state -----------------------------------------------------------------------
    def _store(self, outcome: MLEOutcome, *, n_obs: float, n_rows: int) -> None:
        names = list(self._param_names)
        self.params_ = outcome.params(names)
        self.loglik_ = outcome.loglik
        self.cov_log_params_ = pd.DataFrame(outcome.cov_log_params, index=names, columns=names)
        self.diagnostics_: FitDiagnostics = outcome.diagnostics
        self.result_ = outcome.result
        self.n_obs_ = float(n_obs)
        self.n_rows_ = int(n_rows)

    def _check_fitted(self) -> np.ndarray:
        if getattr(self, "params_", None) is None:
            raise RuntimeError(
                f"{type(self).__name__} is not fitted: call fit(...) or use from_params(...)"
            )
        return self.params_.to_numpy(dtype=float)

    @classmethod
    def from_params(cls, params: Mapping[str, float], **kwargs: Any) -> Self:
        """A model with given parameters (e.g. published ones), ready for predictions.

        It has no covariance, so it cannot give intervals or a summary. ``kwargs`` go to
        the constructor.

        Examples
        --------
        >>> from portfolio_lib.clv import BetaGeo
        >>> m = BetaGeo.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> round(m.conditional_expected_purchases(39, 2, 30.43, 38.86), 2)
        1.23
        """
        missing = [n for n in cls._param_names if n not in params]
        if missing:
            raise ValueError(f"params lacks {missing}; needs {list(cls._param_names)}")
        values = np.array([float(params[n]) for n in cls._param_names])
        if not np.all(np.isfinite(values) & (values > 0)):
            raise ValueError(f"all parameters must be positive and finite, got {dict(params)}")
        model = cls(**kwargs)
        model.params_ = pd.Series(values, index=list(cls._param_names), name="estimate")
        model.cov_log_params_ = None
        return model

    def summary(self, alpha: float = 0.05) -> ModelSummary:
        """Estimates, standard errors, ``1 - alpha`` confidence intervals, AIC and BIC."""
        self._check_fitted()
        if getattr(self, "cov_log_params_", None) is None:
            raise RuntimeError("no covariance: the model was built with from_params, not fitted")
        return make_summary(
            model_name=self._model_name,
            param_names=self._param_names,
            log_params=np.log(self.params_.to_numpy()),
            cov_log_params=self.cov_log_params_.to_numpy(),
            loglik=self.loglik_,
            n_obs=self.n_obs_,
            n_rows=self.n_rows_,
            alpha=alpha,
        )

    def sample_params(
        self, n_draws: int, seed: int | np.random.Generator | None = None
    ) -> pd.DataFrame:
        """Draw parameter vectors from the asymptotic normal of the log-parameters.

        Parameters
        ----------
        n_draws : int
            Number of draws.
        seed : int or numpy.random.Generator, optional
            Source of randomness.

        Returns
        -------
        pandas.DataFrame
            ``n_draws`` rows, one column per (natural-scale, positive) parameter.
        """
        params = self._check_fitted()
        if getattr(self, "cov_log_params_", None) is None:
            raise RuntimeError("no covariance: the model was built with from_params, not fitted")
        rng = as_generator(seed)
        draws = rng.multivariate_normal(
            np.log(params), self.cov_log_params_.to_numpy(), size=int(n_draws), method="eigh"
        )
        return pd.DataFrame(np.exp(draws), columns=list(self._param_names))

    def __repr__(self) -> str:
        if getattr(self, "params_", None) is None:
            return super().__repr__()  # scikit-learn's: the constructor arguments changed
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({inner})"


class PurchaseModel(MLEModel):
    """Base of the buy-till-you-die purchase models (BG/NBD, Pareto/NBD).

    Parameters
    ----------
    prior_sd : float, optional
        Standard deviation of a weak normal prior on each log-parameter, centred on the
        starting values (a MAP fit); ``None`` (default) is plain maximum likelihood.
        :func:`~portfolio_lib.clv.fit_purchase_model` uses a prior only when the
        likelihood has no maximum.

    Subclasses provide vectorised static functions of natural-scale parameters:
    ``_loglik_rows``, ``_expected_if_alive``, ``_prob_alive``, ``_prob_purchases``.
    """

    unit_: str | None = None

    def __init__(self, *, prior_sd: float | None = None) -> None:
        self.prior_sd = prior_sd

    # subclasses implement ------------------------------------------------------------------
    @staticmethod
    def _loglik_rows(params, x, t_x, T):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _expected_if_alive(params, t, x, T):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def _cond_exp(cls, params, t, x, t_x, T):
        """E[Y(t) | x, t_x, T] = E[Y(t) | x, T, alive] * P(alive | x, t_x, T)."""
        return cls._expected_if_alive(params, t, x, T) * cls._prob_alive(params, x, t_x, T)

    @classmethod
    def _make_loglik(cls, x, t_x, T):
        """Row log-likelihood as a function of the parameters, for fitting."""
        return lambda params: cls._loglik_rows(params, x, t_x, T)

    @classmethod
    def _make_loglik_grad(cls, x, t_x, T, w):
        """``params -> (sum(w * loglik rows), gradient in the log-parameters)`` or None
        (then the fit uses central differences)."""
        return None

    @staticmethod
    def _prob_alive(params, x, t_x, T):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _prob_purchases(params, n, t):  # pragma: no cover - abstract
        raise NotImplementedError

    def _start_values(self, x, t_x, T, w) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    # fitting --------------------------------------------------------------------------------
    def fit(
        self,
        summary: pd.DataFrame,
        *,
        weights: ArrayLike | None = None,
        start_params: Mapping[str, float] | None = None,
        prior_sd: float | None = None,
    ) -> Self:
        """Fit by maximum likelihood to a customer summary.

        Parameters
        ----------
        summary : pandas.DataFrame
            Columns ``frequency`` (repeat purchases), ``recency`` and ``T`` (in one
            time unit, e.g. weeks), one row per customer (or per group of identical
            customers, with ``weights``). ``summary.attrs["unit"]`` is remembered as
            ``unit_`` when present.
        weights : array-like, optional
            Number of customers each row stands for (default 1 each).
        start_params : mapping, optional
            Natural-scale starting values; sensible defaults are derived from the data.
        prior_sd : float, optional
            Overrides the constructor's ``prior_sd`` for this fit (``None``: use it).
            The value used is kept as ``prior_sd_``.

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            Malformed summary (names the column).
        ConvergenceError
            The likelihood has no reliable maximum on these data (e.g. nobody repeats).
        """
        from portfolio_lib.clv._fitting import ConvergenceError

        frame = validate_summary(summary, columns=("frequency", "recency", "T"))
        w = validate_weights(weights, len(frame))
        unique, counts = compress_rows(
            {
                "frequency": frame["frequency"].to_numpy(),
                "recency": frame["recency"].to_numpy(),
                "T": frame["T"].to_numpy(),
            },
            w,
        )
        x, t_x, T = unique["frequency"], unique["recency"], unique["T"]
        if not np.any(x > 0):
            raise ConvergenceError(
                f"{self._model_name}: no customer made a repeat purchase, so the purchase "
                "rate and dropout parameters are not identified (need frequency > 0 for some rows)."
            )
        start, alt = self._start_values(x, t_x, T, counts)
        if start_params is not None:
            start = np.array([float(start_params[n]) for n in self._param_names])
        if prior_sd is None:
            prior_sd = self.prior_sd
        cls = type(self)
        outcome = fit_log_mle(
            model_name=self._model_name,
            param_names=self._param_names,
            row_loglik=cls._make_loglik(x, t_x, T),
            loglik_grad=cls._make_loglik_grad(x, t_x, T, counts),
            weights=counts,
            start_params=start,
            alt_start_params=alt,
            prior_sd=prior_sd,
        )
        self._store(outcome, n_obs=counts.sum(), n_rows=len(counts))
        self.prior_sd_ = prior_sd
        self.unit_ = summary.attrs.get("unit") if hasattr(summary, "attrs") else None
        return self

    # predictions ----------------------------------------------------------------------------
    def log_likelihood(self, summary: pd.DataFrame) -> pd.Series:
        """Per-customer log-likelihood at the fitted parameters (sums to ``loglik_``)."""
        params = self._check_fitted()
        frame = validate_summary(summary, columns=("frequency", "recency", "T"))
        values = self._loglik_rows(
            params,
            frame["frequency"].to_numpy(),
            frame["recency"].to_numpy(),
            frame["T"].to_numpy(),
        )
        return pd.Series(values, index=frame.index, name="loglik")

    def expected_purchases(self, t: ArrayLike) -> Prediction:
        """Expected number of repeat purchases in ``(0, t]`` for a new customer.

        Parameters
        ----------
        t : float or array-like
            Time since the first purchase, in the model's time unit.
        """
        params = self._check_fitted()
        t_arr = np.asarray(t, dtype=float)
        zero = np.zeros_like(t_arr)
        return wrap_like(self._cond_exp(params, t_arr, zero, zero, zero), t)

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Prediction:
        """Expected repeat purchases in the next ``t`` time units given the history.

        Parameters
        ----------
        t : float or array-like
            Length of the future period (model time unit).
        frequency, recency, T : array-like
            Each customer's repeat purchases, time of last purchase and age.

        Returns
        -------
        numpy.ndarray or pandas.Series (when given Series) or float.
        """
        params = self._check_fitted()
        x, t_x, T_ = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        values = self._cond_exp(params, np.asarray(t, dtype=float), x, t_x, T_)
        return wrap_like(values, frequency, recency, T)

    def prob_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Prediction:
        """Probability that each customer is still active ("alive") at age ``T``."""
        params = self._check_fitted()
        x, t_x, T_ = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        return wrap_like(self._prob_alive(params, x, t_x, T_), frequency, recency, T)

    def prob_purchases(self, n: ArrayLike, t: ArrayLike) -> Prediction:
        """Probability that a new customer makes exactly ``n`` repeat purchases in ``(0, t]``."""
        params = self._check_fitted()
        n_arr = np.asarray(n, dtype=float)
        if np.any(n_arr < 0) or np.any(n_arr != np.round(n_arr)):
            raise ValueError("n must be a non-negative whole number")
        return wrap_like(self._prob_purchases(params, n_arr, np.asarray(t, dtype=float)), n, t)
