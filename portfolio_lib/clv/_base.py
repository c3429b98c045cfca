"""Common machinery of the fitted CLV models (parameters, summary, draws)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator

from portfolio_lib._errors import DataValidationError, as_generator
from portfolio_lib.clv._common import start_vector
from portfolio_lib.clv._fitting import (
    FitDiagnostics,
    MLEOutcome,
    ModelSummary,
    compress_rows,
    fit_log_mle,
    make_summary,
    unique_rows,
)
from portfolio_lib.clv._validation import (
    NotIdentifiedError,
    nonnegative,
    require_customers,
    require_distinct_histories,
    validate_summary,
    validate_weights,
)

__all__ = [
    "MLEModel",
    "PurchaseModel",
    "SpendModel",
    "Prediction",
    "unpack",
    "wrap_like",
    "prediction_arrays",
    "score_unique",
    "mean_purchase_rate",
    "on_log_scale",
]

#: Above this many distinct rows a purchase-model fit starts from a fit on a random sample of
#: that many rows (see ``PurchaseModel._warm_start``).
WARM_START_ROWS = 20_000

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


def prediction_arrays(**named: ArrayLike) -> list[np.ndarray]:
    """Per-customer inputs of a prediction as float arrays, checked.

    Every value must be a finite number >= 0 (``None`` and NaN are refused: a missing
    frequency must not make a customer look certainly alive), and the arrays must have
    the same length; scalars broadcast.

    Raises
    ------
    DataValidationError
        Naming the argument (and the positions of bad values, or the lengths).

    Examples
    --------
    >>> [a.tolist() for a in prediction_arrays(frequency=[1, 2], recency=3.0)]
    [[1.0, 2.0], 3.0]
    >>> prediction_arrays(frequency=[1, None], recency=[1.0, 2.0])
    Traceback (most recent call last):
    ...
    portfolio_lib._errors.DataValidationError: frequency: 1 value(s) missing or not finite (NaN, None or inf) at position(s) [1]; every customer needs a number
    """
    arrays = [nonnegative(values, name) for name, values in named.items()]
    shapes = {name: a.shape for name, a in zip(named, arrays, strict=True) if a.ndim > 0}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(
            f"{name} {shape[0] if len(shape) == 1 else shape}" for name, shape in shapes.items()
        )
        raise DataValidationError(
            f"{', '.join(shapes)} must have the same length (or be single numbers); got {listed}"
        )
    return arrays


def score_unique(func, *arrays: np.ndarray) -> np.ndarray:
    """``func(*arrays)`` computed once per distinct row of the 1-D arrays, broadcast back.

    Scalars are passed through; without 1-D arrays of one length (or with fewer than 64
    rows) ``func`` is simply called. Customers with the same history get the same score,
    so 2 million customers with a few hundred thousand distinct histories cost that many.

    Examples
    --------
    >>> score_unique(lambda x, y: x + y, np.array([1.0, 2.0, 1.0] * 30), np.float64(10.0))[:3]
    array([11., 12., 11.])
    """
    vectors = [i for i, a in enumerate(arrays) if np.ndim(a) == 1]
    lengths = {len(arrays[i]) for i in vectors}
    if not vectors or len(lengths) != 1 or any(np.ndim(a) > 1 for a in arrays):
        return func(*arrays)
    n = lengths.pop()
    if n < 64:
        return func(*arrays)
    unique, inverse = unique_rows({str(i): arrays[i] for i in vectors})
    if len(inverse) and unique[str(vectors[0])].size > 0.8 * n:
        return func(*arrays)
    args = [unique[str(i)] if i in vectors else a for i, a in enumerate(arrays)]
    values = np.asarray(func(*args))
    return values[..., inverse]


def on_log_scale(value: float, grad: Sequence[float], params: Sequence[float]):
    """``(value, gradient in the log-parameters)`` from the gradient in the parameters.

    ``d f / d log(theta) = theta * d f / d theta``: what the analytic gradients of the models
    return to the fitter, which works on the log scale.

    Examples
    --------
    >>> on_log_scale(1.5, [2.0, -1.0], [0.5, 4.0])
    (1.5, array([ 1., -4.]))
    """
    return float(value), np.asarray(grad, dtype=float) * np.asarray(params, dtype=float)


def mean_purchase_rate(x: np.ndarray, T: np.ndarray, w: np.ndarray) -> float:
    """Repeat purchases per time unit over all customers (weighted), within [1e-3, 1e3].

    The purchase rate the starting values of the purchase models are built on.

    Examples
    --------
    >>> mean_purchase_rate(np.array([2.0, 0.0]), np.array([10.0, 30.0]), np.ones(2))
    0.05
    """
    rate = np.sum(w * x) / max(np.sum(w * np.maximum(T, 1e-9)), 1e-9)
    return float(np.clip(rate, 1e-3, 1e3))


def _check_identified(model: str, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *,
                      with_prior: bool) -> None:  # fmt: skip
    """:class:`NotIdentifiedError` when the distinct histories cannot identify a purchase model.

    Nobody made a repeat purchase: nothing identifies the purchase and dropout processes,
    prior or not. One distinct history (one customer, or identical rows): four parameters
    from one history; a prior (``prior_sd``) makes the MAP estimate exist.
    """
    if not np.any(x > 0):
        raise NotIdentifiedError(
            f"{model}: no customer made a repeat purchase (summary: column frequency is 0 in "
            "every row), so the purchase rate and dropout parameters are not identified (need "
            "frequency > 0 for some rows)."
        )
    if not with_prior:
        require_distinct_histories(
            model, {"frequency": x, "recency": t_x, "T": T},
            remedy="fit on more customers, or pass prior_sd (clv.fit_purchase_model does) "
            "for a MAP estimate",
        )  # fmt: skip


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
    def _maximise(
        self,
        row_loglik,
        weights: np.ndarray,
        start: np.ndarray,
        *,
        start_params: Mapping[str, float] | None = None,
        store: bool = True,
        n_obs: float | None = None,
        **options: Any,
    ) -> MLEOutcome:
        """:func:`~portfolio_lib.clv._fitting.fit_log_mle` of this model's parameters.

        ``start`` (natural scale) is replaced by the user's ``start_params`` when given;
        ``options`` go to the fitter (``loglik_grad``, ``alt_start_params``, ``prior_sd``,
        ...). With ``store`` the outcome becomes the fit (``n_obs`` defaults to the sum of
        the weights, ``n_rows_`` is the number of rows fitted).
        """
        outcome = fit_log_mle(
            model_name=self._model_name,
            param_names=self._param_names,
            row_loglik=row_loglik,
            weights=weights,
            start_params=start_vector(start_params, self._param_names, start),
            **options,
        )
        if store:
            self._store(outcome, n_obs=np.sum(weights) if n_obs is None else n_obs,
                        n_rows=len(weights))  # fmt: skip
        return outcome

    def _store(self, outcome: MLEOutcome, *, n_obs: float, n_rows: int) -> None:
        names = list(self._param_names)
        self.params_ = outcome.params(names)
        self.loglik_ = outcome.loglik
        self.cov_log_params_ = outcome.cov_frame(names)
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


class SpendModel(MLEModel):
    """Base of the spend models (:class:`~portfolio_lib.clv.GammaGamma`,
    :class:`~portfolio_lib.clv.MeanSpend`): the expected spend per future purchase.

    Subclasses provide ``_expected_spend(params, x, zbar)``, vectorised over natural-scale
    parameters (a vector or a matrix of draws), and ``population_mean_spend()``.
    """

    @staticmethod
    def _expected_spend(params, x, zbar):  # pragma: no cover - abstract
        raise NotImplementedError

    def conditional_expected_spend(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> Prediction:
        """Expected spend per future purchase given each customer's history (currency units).

        Parameters
        ----------
        frequency, monetary_value : array-like
            Repeat purchases and mean repeat spend of each customer (the class says how the
            two are weighed; customers with ``frequency == 0`` get the population mean).

        Raises
        ------
        DataValidationError
            A missing (None/NaN), infinite or negative value, or arrays of different
            lengths (names the argument).

        Examples
        --------
        >>> from portfolio_lib.clv import GammaGamma
        >>> gg = GammaGamma.from_params({"p": 6.25, "q": 3.74, "gamma": 15.44})
        >>> gg.conditional_expected_spend([0, 2], [0.0, 50.0]).round(2).tolist()
        [35.22, 47.34]
        """
        params = self._check_fitted()
        x, z = prediction_arrays(frequency=frequency, monetary_value=monetary_value)
        values = score_unique(lambda *a: self._expected_spend(params, *a), x, z)
        return wrap_like(values, frequency, monetary_value)


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
            Fitted: ``params_``, ``loglik_``, ``cov_log_params_``, ``prior_sd_``, ``unit_``.

        Raises
        ------
        DataValidationError
            Malformed or empty summary (names the column); nobody made a repeat purchase
            (a :class:`~portfolio_lib.clv._validation.NotIdentifiedError`, also a
            ``ConvergenceError``: the data cannot identify the parameters).
        ConvergenceError
            The likelihood has no reliable maximum on these data.
        """
        frame = validate_summary(summary, columns=("frequency", "recency", "T"))
        require_customers(frame, f"the {self._model_name} model")
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
        if prior_sd is None:
            prior_sd = self.prior_sd
        _check_identified(self._model_name, x, t_x, T, with_prior=prior_sd is not None)
        start, alt = self._start_values(x, t_x, T, counts)
        start = start_vector(start_params, self._param_names, start)
        start_cov = None
        if prior_sd is None and len(counts) > WARM_START_ROWS:
            start, start_cov = self._warm_start(x, t_x, T, counts, start)
        cls = type(self)
        self._maximise(
            cls._make_loglik(x, t_x, T),
            counts,
            start,
            loglik_grad=cls._make_loglik_grad(x, t_x, T, counts),
            alt_start_params=alt,
            prior_sd=prior_sd,
            start_cov=start_cov,
        )
        self.prior_sd_ = prior_sd
        self.unit_ = summary.attrs.get("unit") if hasattr(summary, "attrs") else None
        return self

    def _warm_start(self, x, t_x, T, counts, start):
        """Starting values and covariance from a fit on a random sample of the distinct rows.

        Rows are drawn with probability proportional to their weight (heavy rows always)
        and weighted by the inverse probability, so the sample's log-likelihood estimates
        the full one: the full fit then starts next to its
        optimum with a good inverse Hessian and needs a few gradient evaluations.
        Falls back to ``(start, None)`` when the sample fit fails.
        """
        from portfolio_lib.clv._fitting import ConvergenceError

        rng = np.random.default_rng(0)
        # Poisson sampling with probability proportional to the weight (capped at 1),
        # Horvitz-Thompson weights: heavy rows are always in, light ones scaled up
        scale = WARM_START_ROWS / counts.sum()
        for _ in range(20):
            expected = np.minimum(counts * scale, 1.0).sum()
            scale *= WARM_START_ROWS / expected
        prob = np.minimum(counts * scale, 1.0)
        pick = np.flatnonzero(rng.random(len(counts)) < prob)
        w = counts[pick] / prob[pick]
        xs, ts, Ts = x[pick], t_x[pick], T[pick]
        cls = type(self)
        try:
            outcome = self._maximise(
                cls._make_loglik(xs, ts, Ts),
                w,
                start,
                loglik_grad=cls._make_loglik_grad(xs, ts, Ts, w),
                store=False,
            )
        except (ConvergenceError, ValueError, np.linalg.LinAlgError):
            return start, None
        return np.exp(outcome.log_params), outcome.cov_log_params

    # predictions ----------------------------------------------------------------------------
    def log_likelihood(self, summary: pd.DataFrame) -> pd.Series:
        """Per-customer log-likelihood at the fitted parameters (sums to ``loglik_``).

        Raises
        ------
        DataValidationError
            A malformed summary, or one whose index repeats a customer (the result is
            indexed by customer).
        """
        params = self._check_fitted()
        frame = validate_summary(summary, columns=("frequency", "recency", "T"), unique_index=True)
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

        Raises
        ------
        DataValidationError
            ``t`` missing (None/NaN), infinite or negative (names ``t``).
        """
        params = self._check_fitted()
        t_arr = nonnegative(t, "t")
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
        t_, x, t_x, T_ = prediction_arrays(t=t, frequency=frequency, recency=recency, T=T)
        values = score_unique(lambda *a: self._cond_exp(params, *a), t_, x, t_x, T_)
        return wrap_like(values, frequency, recency, T, t)

    def prob_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Prediction:
        """Probability that each customer is still active ("alive") at age ``T``.

        Computed once per distinct ``(frequency, recency, T)`` and broadcast back.

        Raises
        ------
        DataValidationError
            A missing (None/NaN), infinite or negative value, or arrays of different
            lengths (the message names the argument). A missing frequency is refused
            rather than scored: it used to give P(alive) = 1.
        """
        params = self._check_fitted()
        x, t_x, T_ = prediction_arrays(frequency=frequency, recency=recency, T=T)
        values = score_unique(lambda *a: self._prob_alive(params, *a), x, t_x, T_)
        return wrap_like(values, frequency, recency, T)

    def prob_purchases(self, n: ArrayLike, t: ArrayLike) -> Prediction:
        """Probability that a new customer makes exactly ``n`` repeat purchases in ``(0, t]``.

        ``n`` (whole numbers) and ``t`` (model time unit) broadcast against each other.

        Raises
        ------
        DataValidationError
            ``n`` or ``t`` missing, infinite or negative, or ``n`` not whole (names it).
        """
        params = self._check_fitted()
        n_arr, t_arr = nonnegative(n, "n", whole=True), nonnegative(t, "t")
        return wrap_like(self._prob_purchases(params, n_arr, t_arr), n, t)
