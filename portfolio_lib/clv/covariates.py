r"""CLV models with time-invariant covariates (CLVTools' "static covariates" formulation).

Each customer ``i`` has covariates :math:`z_i` (a row of a numeric frame indexed by
customer id, e.g. an acquisition-channel dummy or standardised age). Coefficients act
on the scale of the gamma/beta mixing distributions, so a coefficient is a log-ratio:

* :class:`BetaGeoCovariates` (BG/NBD): :math:`\alpha_i = \alpha\,e^{-\gamma_P' z_i}`
  (the mean purchase rate :math:`r/\alpha_i` is multiplied by :math:`e^{\gamma_P' z_i}`),
  :math:`a_i = a\,e^{\gamma_D' z_i}` and :math:`b_i = b\,e^{\gamma_D' z_i}` (CLVTools uses
  one dropout coefficient vector for both beta parameters: the mean dropout probability
  :math:`a/(a+b)` stays, its spread across customers changes);
* :class:`ParetoNBDCovariates`: :math:`\alpha_i = \alpha\,e^{-\gamma_P' z_i}` and
  :math:`\beta_i = \beta\,e^{-\gamma_D' z_i}` (mean purchase and dropout rates multiplied
  by :math:`e^{\gamma_P' z_i}` and :math:`e^{\gamma_D' z_i}`);
* :class:`GammaGammaCovariates`: :math:`\gamma_i = \gamma\,e^{\gamma_S' z_i}` (the mean
  spend per purchase :math:`p\gamma_i/(q-1)` is multiplied by :math:`e^{\gamma_S' z_i}`).

Fitting is maximum likelihood over ``(log base parameters, coefficients)`` with the
shared robust fitter (:class:`~portfolio_lib.clv.ConvergenceError` with diagnostics when
there is no reliable maximum); ``summary()`` gives every estimate with its standard error
and Wald interval (base parameters on the log scale, mapped back; coefficients directly).
With all coefficients zero each model is its covariate-free counterpart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln
from scipy.stats import norm
from sklearn.base import BaseEstimator

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, as_generator, require_columns
from portfolio_lib.clv._bgfamily import (
    bg_expected_if_alive,
    bg_loglik,
    bg_prob_alive,
    draw_bg_histories,
)
from portfolio_lib.clv._common import start_vector
from portfolio_lib.clv._fitting import (
    FitDiagnostics,
    ModelSummary,
    compress_rows,
    fit_log_mle,
)
from portfolio_lib.clv._gradients import bg_family_row_grads
from portfolio_lib.clv._validation import (
    NotIdentifiedError,
    nonnegative,
    require_customers,
    validate_summary,
    validate_weights,
)
from portfolio_lib.clv.paretonbd import ParetoNBD

__all__ = [
    "BetaGeoCovariates",
    "ParetoNBDCovariates",
    "GammaGammaCovariates",
    "simulate_covariates",
    "simulate_purchases_with_covariates",
    "simulate_spend_with_covariates",
    "indicator_covariates",
]


def indicator_covariates(
    table: pd.DataFrame,
    column: str,
    levels: Sequence[str],
    *,
    id_col: str = "customer_id",
) -> pd.DataFrame:
    """0/1 covariates, one per level of a categorical column, indexed by customer id.

    The levels not listed form the reference group (all zeros), so each coefficient of a
    covariate model compares its level with that group.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer, e.g. the ``customers`` table.
    column : str
        The categorical column, e.g. ``"acquisition_channel"``.
    levels : sequence of str
        The levels that get an indicator (at least one; each must occur in the column).
    id_col : str
        Customer id column.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id_col``, one float column per level (1.0 for customers of that level).

    Raises
    ------
    DataValidationError
        A missing column, repeated customer ids, no level, or a level that never occurs
        (its coefficient would not be identified).

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                           "acquisition_channel": ["referral", "search", "store"]})
    >>> indicator_covariates(customers, "acquisition_channel", ["referral"])["referral"].tolist()
    [1.0, 0.0, 0.0]
    """
    require_columns(table, [id_col, column], name="table")
    if not levels:
        raise DataValidationError(f"levels: give at least one level of column {column!r}")
    ids = table[id_col]
    if ids.duplicated().any():
        raise DataValidationError(
            f"table: column {id_col!r} repeats customer ids, e.g. "
            f"{ids[ids.duplicated()].unique()[:5].tolist()}"
        )
    present = set(table[column].dropna().unique())
    absent = [level for level in levels if level not in present]
    if absent:
        raise DataValidationError(
            f"column {column!r} has no customer of level(s) {absent}; it holds {sorted(present)}"
        )
    flags = {level: (table[column] == level).to_numpy(dtype=float) for level in levels}
    return pd.DataFrame(flags, index=pd.Index(ids.to_numpy(), name=id_col))


def _covariate_frame(covariates: object) -> pd.DataFrame:
    """``covariates`` if it is a DataFrame indexed by unique customer ids, else a
    :class:`DataValidationError` naming the argument (None, a list, a Series, ids twice)."""
    frame = _validate.table(covariates, name="covariates")
    return _validate.unique_index(frame, name="covariates")


def covariate_matrix(
    covariates: pd.DataFrame,
    index: pd.Index,
    columns: Sequence[str] | None,
    *,
    fitting: bool = True,
) -> tuple[np.ndarray, list[str]]:
    """The covariates of the customers in ``index`` as a float matrix, checked.

    Raises :class:`DataValidationError` naming the problem: customer ids of ``index``
    missing from ``covariates.index``, a requested column that is absent, a non-numeric
    column, missing values, or (when ``fitting``) a constant column, whose coefficient
    would not be identified; predictions may use a single customer.

    Examples
    --------
    >>> cov = pd.DataFrame({"online": [1, 0, 1]}, index=["a", "b", "c"])
    >>> covariate_matrix(cov, pd.Index(["c", "b"]), None)[0].ravel().tolist()
    [1.0, 0.0]
    """
    covariates = _covariate_frame(covariates)
    names = list(covariates.columns) if columns is None else list(columns)
    absent = [c for c in names if c not in covariates.columns]
    if absent:
        raise DataValidationError(
            f"covariates: no column {absent}; it has {list(covariates.columns)}"
        )
    if not names:
        raise DataValidationError("covariates: no covariate column to use")
    missing = index.difference(covariates.index)
    if len(missing):
        raise DataValidationError(
            f"covariates: no row for {len(missing)} customer id(s) of the summary, "
            f"e.g. {missing[:5].tolist()}"
        )
    frame = covariates.loc[index, names]
    for col in names:
        if not (
            pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col])
        ):
            raise DataValidationError(
                f"covariates: column {col!r} is not numeric ({frame[col].dtype}); encode it, "
                "e.g. pandas.get_dummies(..., drop_first=True, dtype=float)"
            )
        values = frame[col].to_numpy(dtype=float, na_value=np.nan)
        if not np.all(np.isfinite(values)):
            raise DataValidationError(f"covariates: column {col!r} has missing or infinite values")
        if fitting and np.all(values == values[0]):
            raise DataValidationError(
                f"covariates: column {col!r} is constant for these customers, so its "
                "coefficient is not identified (drop it)"
            )
    return frame.to_numpy(dtype=float), names


class _CovariateModel(BaseEstimator):
    """Shared fitting, summary and parameter handling of the covariate models.

    Subclasses name their base parameters (all positive) and covariate groups, and
    provide ``_row_loglik(base, coefs, data)`` where ``coefs`` maps each group to its
    coefficient vector and ``data`` holds the summary columns and covariate matrices.
    """

    _model_name = "model"
    _base_names: tuple[str, ...] = ()
    _groups: tuple[str, ...] = ()
    _summary_columns: tuple[str, ...] = ()

    def __sklearn_is_fitted__(self) -> bool:
        return getattr(self, "params_", None) is not None

    # -- subclass hooks -----------------------------------------------------------------------
    def _group_columns(self) -> dict[str, Sequence[str] | None]:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _row_loglik(base, coefs, data):  # pragma: no cover - abstract
        raise NotImplementedError

    #: ``(base, coefs, data) -> (rows, base_grads, index_grads)`` or None (numerical
    #: gradient): the per-row log-likelihood, its (n, k) derivatives with respect to the
    #: log base parameters and, per covariate group, its (n,) derivative with respect to
    #: the group's linear index ``z_i' coef`` (so the coefficient gradient is ``Z' (w g)``).
    _row_loglik_grad = None

    def _prepare(self, summary, weights):  # pragma: no cover - abstract
        raise NotImplementedError

    def _start(self, data, w) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- shared machinery ---------------------------------------------------------------------
    def _design(self, covariates: pd.DataFrame, index: pd.Index):
        """Covariate matrix and column names of each group."""
        out, names = {}, {}
        for group, columns in self._group_columns().items():
            out[group], names[group] = covariate_matrix(covariates, index, columns)
        return out, names

    def _split(self, vector: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        nb = len(self._base_names)
        base = vector[:nb]
        coefs, pos = {}, nb
        for group in self._groups:
            k = len(self.covariate_names_[group])
            coefs[group] = vector[pos : pos + k]
            pos += k
        return base, coefs

    def fit(
        self,
        summary: pd.DataFrame,
        covariates: pd.DataFrame,
        *,
        weights: ArrayLike | None = None,
        start_params: Mapping[str, float] | None = None,
    ) -> Self:
        """Fit by maximum likelihood (base parameters and covariate coefficients together).

        Parameters
        ----------
        summary : pandas.DataFrame
            Indexed by customer id: ``frequency``, ``recency``, ``T`` (one time unit) for
            the purchase models; ``frequency`` and ``monetary_value`` (mean repeat spend,
            currency units; only repeat buyers are used) for the Gamma-Gamma model.
        covariates : pandas.DataFrame
            Numeric covariates indexed by customer id; every customer fitted needs a row
            (extra rows are ignored). The constructor's ``*_covariates`` choose the columns
            of each process (default: all of them).
        weights : array-like, optional
            Customers each summary row stands for.
        start_params : mapping, optional
            Starting values of the base parameters (coefficients start at 0).

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            Malformed summary or covariates (names the column or the missing ids).
        ConvergenceError
            No reliable maximum (diagnostics attached).
        """
        frame, w = self._prepare(summary, weights)
        design, self.covariate_names_ = self._design(covariates, frame.index)
        columns = {c: frame[c].to_numpy() for c in self._summary_columns}
        for group in self._groups:
            for j in range(design[group].shape[1]):
                columns[f"{group}:{j}"] = design[group][:, j]
        unique, counts = compress_rows(columns, w)
        data = {c: unique[c] for c in self._summary_columns}
        for group in self._groups:
            k = design[group].shape[1]
            data[group] = np.column_stack([unique[f"{group}:{j}"] for j in range(k)])
        n_coef = sum(len(v) for v in self.covariate_names_.values())
        base_start = self._start(data, counts)
        base_start = start_vector(start_params, self._base_names, base_start)
        nb = len(self._base_names)
        model = self

        def row_loglik(natural: np.ndarray) -> np.ndarray:
            theta = np.concatenate([natural[:nb], np.log(natural[nb:])])
            base, coefs = model._split(theta)
            return model._row_loglik(base, coefs, data)

        names = list(self._base_names) + self._coefficient_names()
        outcome = fit_log_mle(
            model_name=self._model_name,
            param_names=names,
            row_loglik=row_loglik,
            loglik_grad=self._make_loglik_grad(data, counts),
            weights=counts,
            # Coefficients enter as exp(coefficient) (the fitter works on log scales): start 0.
            start_params=np.concatenate([base_start, np.ones(n_coef)]),
            alt_start_params=np.concatenate([base_start / 2, np.ones(n_coef)]),
        )
        theta = np.asarray(outcome.log_params, dtype=float)
        estimate = np.concatenate([np.exp(theta[:nb]), theta[nb:]])
        self.params_ = pd.Series(estimate, index=names, name="estimate")
        self.cov_ = outcome.cov_frame(names)
        self.loglik_ = float(outcome.loglik)
        self.diagnostics_: FitDiagnostics = outcome.diagnostics
        self.n_obs_ = float(counts.sum())
        self.n_rows_ = int(len(counts))
        return self

    def _make_loglik_grad(self, data, counts):
        """``natural -> (weighted log-likelihood, gradient)`` for :func:`fit_log_mle`, from
        ``_row_loglik_grad`` (None without one). The fitter's parameters are the log base
        parameters and the coefficients themselves (it passes ``exp(coef)``)."""
        if self._row_loglik_grad is None:
            return None
        nb = len(self._base_names)
        row_grads = type(self)._row_loglik_grad

        def loglik_grad(natural: np.ndarray) -> tuple[float, np.ndarray]:
            base, coefs = self._split(np.concatenate([natural[:nb], np.log(natural[nb:])]))
            rows, base_grads, index_grads = row_grads(base, coefs, data)
            parts = [counts @ base_grads]
            parts += [data[g].T @ (counts * index_grads[g]) for g in self._groups]
            return float(counts @ rows), np.concatenate(parts)

        return loglik_grad

    def _coefficient_names(self) -> list[str]:
        return [f"{g}:{c}" for g in self._groups for c in self.covariate_names_[g]]

    def _check_fitted(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        if getattr(self, "params_", None) is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(...) first")
        return self._split(self.params_.to_numpy(dtype=float))

    @property
    def coefficients_(self) -> pd.Series:
        """The covariate coefficients (log-ratios), indexed ``group:column``."""
        self._check_fitted()
        return self.params_.iloc[len(self._base_names) :]

    def summary(self, alpha: float = 0.05) -> ModelSummary:
        """Estimates with standard errors and ``1 - alpha`` Wald intervals, AIC and BIC.

        Base parameters: the log-scale interval mapped back (``log_estimate`` and
        ``log_std_err`` given); coefficients: ``estimate +- z * std_err`` (they are
        log-ratios already, so ``log_*`` are NaN).
        """
        self._check_fitted()
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {alpha}")
        z = float(norm.ppf(1 - alpha / 2))
        nb = len(self._base_names)
        se = np.sqrt(np.diag(self.cov_.to_numpy()))
        est = self.params_.to_numpy(dtype=float)
        log_est = np.concatenate([np.log(est[:nb]), np.full(len(est) - nb, np.nan)])
        log_se = np.concatenate([se[:nb], np.full(len(est) - nb, np.nan)])
        is_base = np.arange(len(est)) < nb
        table = pd.DataFrame(
            {
                "estimate": est,
                "std_err": np.where(is_base, est * se, se),
                "ci_low": np.where(is_base, np.exp(np.log(np.abs(est)) - z * se), est - z * se),
                "ci_high": np.where(is_base, np.exp(np.log(np.abs(est)) + z * se), est + z * se),
                "log_estimate": log_est,
                "log_std_err": log_se,
            },
            index=pd.Index(self.params_.index, name="parameter"),
        )
        k = len(est)
        return ModelSummary(
            model=self._model_name,
            table=table,
            loglik=self.loglik_,
            aic=-2 * self.loglik_ + 2 * k,
            bic=-2 * self.loglik_ + k * np.log(self.n_obs_),
            n_obs=int(round(self.n_obs_)),
            n_rows=self.n_rows_,
            confidence=1 - alpha,
        )

    def _customer_design(self, covariates: pd.DataFrame, index: pd.Index) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {
            g: covariate_matrix(covariates, index, self.covariate_names_[g], fitting=False)[0]
            for g in self._groups
        }


class _PurchaseCovariateModel(_CovariateModel):
    """Purchase models: a summary with frequency, recency, T and two covariate groups."""

    _groups = ("purchase", "dropout")
    _summary_columns = ("frequency", "recency", "T")

    def __init__(
        self,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
    ) -> None:
        self.purchase_covariates = purchase_covariates
        self.dropout_covariates = dropout_covariates

    def _group_columns(self):
        return {"purchase": self.purchase_covariates, "dropout": self.dropout_covariates}

    def _prepare(self, summary, weights):
        frame = validate_summary(summary, columns=self._summary_columns)
        require_customers(frame, f"the {self._model_name} model")
        if not np.any(frame["frequency"].to_numpy() > 0):
            raise NotIdentifiedError(
                f"{self._model_name}: no customer made a repeat purchase (summary: column "
                "frequency is 0 in every row), so the purchase and dropout parameters are not "
                "identified (need frequency > 0 for some rows)."
            )
        return frame, validate_weights(weights, len(frame))

    def _start(self, data, w) -> np.ndarray:
        per_unit = np.average(data["frequency"], weights=w) / max(
            float(np.average(data["T"], weights=w)), 1e-9
        )
        return self._start_from_rate(float(np.clip(per_unit, 1e-3, 1e3)), data, w)

    def _start_from_rate(self, per_unit, data, w):  # pragma: no cover - abstract
        raise NotImplementedError

    def _customer_params(self, summary, covariates):
        frame = validate_summary(summary, columns=self._summary_columns)
        base, coefs = self._check_fitted()
        design = self._customer_design(covariates, frame.index)
        data = {c: frame[c].to_numpy() for c in self._summary_columns} | design
        return frame, self._individual(base, coefs, data), data

    def prob_alive(self, summary: pd.DataFrame, covariates: pd.DataFrame) -> pd.Series:
        """P(alive at T) per customer of ``summary`` (indexed like it)."""
        frame, individual, data = self._customer_params(summary, covariates)
        values = self._alive(individual, data)
        return pd.Series(values, index=frame.index, name="prob_alive")

    def conditional_expected_purchases(
        self, t: float, summary: pd.DataFrame, covariates: pd.DataFrame
    ) -> pd.Series:
        """Expected repeat purchases in the next ``t`` time units per customer."""
        frame, individual, data = self._customer_params(summary, covariates)
        values = self._expected(individual, data, float(t))
        return pd.Series(values, index=frame.index, name="expected_purchases")

    def expected_purchases(self, t: float, covariates: pd.DataFrame) -> pd.Series:
        """Expected repeat purchases in ``(0, t]`` of a new customer with each covariate row."""
        covariates = _covariate_frame(covariates)
        zeros = pd.DataFrame({"frequency": 0.0, "recency": 0.0, "T": 0.0}, index=covariates.index)
        return self.conditional_expected_purchases(t, zeros, covariates)


class BetaGeoCovariates(_PurchaseCovariateModel):
    """BG/NBD with time-invariant covariates (CLVTools' static-covariate BG/NBD).

    ``alpha_i = alpha exp(-purchase' z_i)``, ``a_i = a exp(dropout' z_i)``,
    ``b_i = b exp(dropout' z_i)``; a positive purchase coefficient means more purchases.

    Parameters
    ----------
    purchase_covariates, dropout_covariates : sequence of str, optional
        Covariate columns of each process (default: every column of the covariate frame).

    Fitted attributes: ``params_`` (r, alpha, a, b, then ``purchase:<col>`` and
    ``dropout:<col>`` coefficients), ``coefficients_``, ``cov_`` (covariance of
    log-base-parameters and coefficients), ``loglik_``, ``diagnostics_``, ``n_obs_``,
    ``n_rows_``, ``covariate_names_``.

    Examples
    --------
    >>> from portfolio_lib.clv import (BetaGeoCovariates, simulate_covariates,
    ...                                simulate_purchases_with_covariates)
    >>> cov = simulate_covariates(3000, seed=1)
    >>> data = simulate_purchases_with_covariates(
    ...     cov, model="bgnbd", params={"r": 0.8, "alpha": 8.0, "a": 1.0, "b": 4.0},
    ...     purchase={"online": 0.5}, dropout={"online": 0.0}, T=52.0, seed=2)
    >>> fit = BetaGeoCovariates(["online"], ["online"]).fit(data, cov)
    >>> bool(fit.coefficients_["purchase:online"] > 0)
    True
    """

    _model_name = "BG/NBD with covariates"
    _base_names = ("r", "alpha", "a", "b")

    @staticmethod
    def _individual(base, coefs, data):
        r, alpha, a, b = base
        life = np.exp(data["dropout"] @ coefs["dropout"])
        return r, alpha * np.exp(-(data["purchase"] @ coefs["purchase"])), a * life, b * life

    @classmethod
    def _row_loglik(cls, base, coefs, data):
        r, alpha_i, a_i, b_i = cls._individual(base, coefs, data)
        return bg_loglik(r, alpha_i, a_i, b_i, data["frequency"], data["recency"], data["T"])

    @classmethod
    def _row_loglik_grad(cls, base, coefs, data):
        """Analytic: alpha_i scales with exp(-purchase index), a_i and b_i with
        exp(dropout index), so the index derivatives are sums of the log-parameter ones."""
        individual = cls._individual(base, coefs, data)
        rows, grads = bg_family_row_grads(
            *individual, data["frequency"], data["recency"], data["T"]
        )
        return rows, grads, {"purchase": -grads[:, 1], "dropout": grads[:, 2] + grads[:, 3]}

    @staticmethod
    def _alive(individual, data):
        return bg_prob_alive(*individual, data["frequency"], data["recency"], data["T"])

    @classmethod
    def _expected(cls, individual, data, t):
        x, T = data["frequency"], data["T"]
        return bg_expected_if_alive(*individual, t, x, T) * cls._alive(individual, data)

    def _start_from_rate(self, per_unit, data, w):
        return np.array([1.0, 1.0 / per_unit, 1.0, 3.0])


class ParetoNBDCovariates(_PurchaseCovariateModel):
    """Pareto/NBD with time-invariant covariates (CLVTools' static-covariate Pareto/NBD).

    ``alpha_i = alpha exp(-purchase' z_i)`` and ``beta_i = beta exp(-dropout' z_i)``: a
    positive coefficient raises the mean purchase (or dropout) rate by ``exp(coef)``
    per unit of the covariate. The likelihood per customer is
    :class:`~portfolio_lib.clv.ParetoNBD`'s, evaluated at each customer's alpha and beta.

    Parameters
    ----------
    purchase_covariates, dropout_covariates : sequence of str, optional
        Covariate columns of each process (default: every column of the covariate frame).

    Fitted attributes as :class:`BetaGeoCovariates` (base parameters r, alpha, s, beta).

    Examples
    --------
    >>> from portfolio_lib.clv import (ParetoNBDCovariates, simulate_covariates,
    ...                                simulate_purchases_with_covariates)
    >>> cov = simulate_covariates(1500, seed=1)
    >>> data = simulate_purchases_with_covariates(
    ...     cov, model="pareto_nbd", params={"r": 0.6, "alpha": 10.0, "s": 0.6, "beta": 12.0},
    ...     purchase={"online": 0.5}, dropout={"online": 0.0}, T=52.0, seed=2)
    >>> fit = ParetoNBDCovariates(["online"], ["online"]).fit(data, cov)
    >>> sorted(fit.coefficients_.index)
    ['dropout:online', 'purchase:online']
    """

    _model_name = "Pareto/NBD with covariates"
    _base_names = ("r", "alpha", "s", "beta")

    @staticmethod
    def _individual(base, coefs, data):
        r, alpha, s, beta = base
        n = len(data["frequency"])
        return np.column_stack(
            [
                np.full(n, r),
                alpha * np.exp(-(data["purchase"] @ coefs["purchase"])),
                np.full(n, s),
                beta * np.exp(-(data["dropout"] @ coefs["dropout"])),
            ]
        )

    @staticmethod
    def _columns(data):
        # (n, 1) columns against (n, 4) per-customer parameters: ParetoNBD's formulas
        # are element-wise, so each customer meets her own parameters.
        return [np.asarray(data[c], dtype=float)[:, None] for c in ("frequency", "recency", "T")]

    @classmethod
    def _row_loglik(cls, base, coefs, data):
        individual = cls._individual(base, coefs, data)
        return ParetoNBD._loglik_rows(individual, *cls._columns(data))[:, 0]

    @classmethod
    def _alive(cls, individual, data):
        return ParetoNBD._prob_alive(individual, *cls._columns(data))[:, 0]

    @classmethod
    def _expected(cls, individual, data, t):
        x, t_x, T = cls._columns(data)
        return ParetoNBD._cond_exp(individual, t, x, t_x, T)[:, 0]

    def _start_from_rate(self, per_unit, data, w):
        mean_T = float(np.clip(np.average(data["T"], weights=w), 1.0, 1e4))
        return np.array([1.0, 1.0 / per_unit, 1.0, mean_T])


class GammaGammaCovariates(_CovariateModel):
    """Gamma-Gamma spend model with time-invariant covariates.

    Each purchase is ``Gamma(p, nu_i)`` with ``nu_i ~ Gamma(q, gamma_i)`` and
    ``gamma_i = gamma exp(spend' z_i)``: the mean spend per purchase
    ``p gamma_i / (q - 1)`` is multiplied by ``exp(coef)`` per unit of a covariate.
    Fitted on the repeat buyers' mean repeat spend (``monetary_value``, currency units).

    Parameters
    ----------
    spend_covariates : sequence of str, optional
        Covariate columns (default: every column of the covariate frame).

    Examples
    --------
    >>> from portfolio_lib.clv import (GammaGammaCovariates, simulate_covariates,
    ...                                simulate_spend_with_covariates)
    >>> cov = simulate_covariates(2000, seed=1)
    >>> freq = pd.Series(np.random.default_rng(0).integers(1, 6, 2000), index=cov.index)
    >>> spend = simulate_spend_with_covariates(
    ...     freq, cov, p=6.0, q=3.5, gamma=20.0, spend={"online": 0.3}, seed=3)
    >>> fit = GammaGammaCovariates(["online"]).fit(spend, cov)
    >>> round(float(fit.coefficients_["spend:online"]), 1)
    0.3
    """

    _model_name = "Gamma-Gamma with covariates"
    _base_names = ("p", "q", "gamma")
    _groups = ("spend",)
    _summary_columns = ("frequency", "monetary_value")

    def __init__(self, spend_covariates: Sequence[str] | None = None) -> None:
        self.spend_covariates = spend_covariates

    def _group_columns(self):
        return {"spend": self.spend_covariates}

    def _prepare(self, summary, weights):
        frame = validate_summary(summary, columns=self._summary_columns)
        w = validate_weights(weights, len(frame))
        repeat = frame["frequency"].to_numpy() > 0
        if not repeat.any():
            raise DataValidationError(
                "summary: column 'frequency' has no repeat buyer (frequency > 0); "
                "the Gamma-Gamma model needs some repeat purchases"
            )
        return frame[repeat], w[repeat]

    def _start(self, data, w) -> np.ndarray:
        return np.array([2.0, 3.0, float(np.average(data["monetary_value"], weights=w))])

    @staticmethod
    def _row_loglik(base, coefs, data):
        p, q, gamma = base
        log_gamma_i = np.log(gamma) + data["spend"] @ coefs["spend"]
        x, zbar = data["frequency"], data["monetary_value"]
        px = p * x
        return (
            gammaln(px + q) - gammaln(px) - gammaln(q)
            + q * log_gamma_i + px * np.log(x) + (px - 1) * np.log(zbar)
            - (px + q) * np.logaddexp(log_gamma_i, np.log(x * zbar))
        )  # fmt: skip

    @classmethod
    def _row_loglik_grad(cls, base, coefs, data):
        """Analytic: derivatives in ln p, ln q, ln gamma; the spend index moves ln gamma_i."""
        p, q, gamma = base
        log_gamma_i = np.log(gamma) + data["spend"] @ coefs["spend"]
        x, zbar = data["frequency"], data["monetary_value"]
        px = p * x
        log_total = np.logaddexp(log_gamma_i, np.log(x * zbar))  # ln(gamma_i + x zbar)
        psi = digamma(px + q)
        d_gamma = q - (px + q) * np.exp(log_gamma_i - log_total)
        grads = np.column_stack(
            [
                px * (psi - digamma(px) + np.log(x) + np.log(zbar) - log_total),
                q * (psi - digamma(q) + log_gamma_i - log_total),
                d_gamma,
            ]
        )
        return cls._row_loglik(base, coefs, data), grads, {"spend": d_gamma}

    def conditional_expected_spend(
        self, summary: pd.DataFrame, covariates: pd.DataFrame
    ) -> pd.Series:
        """Expected mean spend per future purchase, ``p (gamma_i + x zbar) / (p x + q - 1)``.

        Customers with ``frequency == 0`` get their covariates' population mean
        ``p gamma_i / (q - 1)``. Currency units.
        """
        frame = validate_summary(summary, columns=self._summary_columns)
        (p, q, gamma), coefs = self._check_fitted()
        design = self._customer_design(covariates, frame.index)
        gamma_i = gamma * np.exp(design["spend"] @ coefs["spend"])
        x = frame["frequency"].to_numpy()
        zbar = np.where(x > 0, frame["monetary_value"].to_numpy(), 0.0)
        values = p * (gamma_i + x * zbar) / (p * x + q - 1)
        return pd.Series(values, index=frame.index, name="expected_spend")


# -- simulation ------------------------------------------------------------------------------


def simulate_covariates(
    n_customers: int, *, online_share: float = 0.4, seed: int | np.random.Generator | None = None
) -> pd.DataFrame:
    """Customer covariates for lessons and recovery tests.

    Returns a frame indexed by ``customer_id`` with ``online`` (1 if acquired online,
    with probability ``online_share``, else 0) and ``age`` (standardised: mean 0, sd 1).

    Examples
    --------
    >>> simulate_covariates(5, seed=0).columns.tolist()
    ['online', 'age']
    """
    rng = as_generator(seed)
    return pd.DataFrame(
        {
            "online": (rng.random(n_customers) < online_share).astype(float),
            "age": rng.standard_normal(n_customers),
        },
        index=pd.RangeIndex(n_customers, name="customer_id"),
    )


def _linear(covariates: pd.DataFrame, coefficients: Mapping[str, float]) -> np.ndarray:
    absent = [c for c in coefficients if c not in covariates.columns]
    if absent:
        raise ValueError(f"no covariate column {absent}; the frame has {list(covariates.columns)}")
    out = np.zeros(len(covariates))
    for col, value in coefficients.items():
        out += float(value) * covariates[col].to_numpy(dtype=float)
    return out


def simulate_purchases_with_covariates(
    covariates: pd.DataFrame,
    *,
    model: str,
    params: Mapping[str, float],
    purchase: Mapping[str, float],
    dropout: Mapping[str, float],
    T: float | ArrayLike = 52.0,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customer summaries whose purchase and dropout depend on covariates.

    Parameters
    ----------
    covariates : pandas.DataFrame
        One row per customer (the result's index).
    model : {"bgnbd", "pareto_nbd"}
        Which model draws the histories (the scaling as in :class:`BetaGeoCovariates`
        or :class:`ParetoNBDCovariates`).
    params : mapping
        Base parameters: r, alpha, a, b (BG/NBD) or r, alpha, s, beta (Pareto/NBD);
        alpha and beta are rates per time unit.
    purchase, dropout : mapping of str to float
        Coefficient of each covariate column (log-ratios); columns left out have none.
    T : float or array-like
        Each customer's age when observation ends (time units); default 52.
    seed : int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``covariates``: ``frequency``, ``recency``, ``T``, and the latent
        ``purchase_rate`` and ``alive``.

    Examples
    --------
    >>> cov = simulate_covariates(200, seed=0)
    >>> sim = simulate_purchases_with_covariates(
    ...     cov, model="bgnbd", params={"r": 0.8, "alpha": 8, "a": 1, "b": 4},
    ...     purchase={"online": 0.5}, dropout={}, seed=1)
    >>> len(sim)
    200
    """
    covariates = _covariate_frame(covariates)
    rng = as_generator(seed)
    n = len(covariates)
    T_arr = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lin_p, lin_d = _linear(covariates, purchase), _linear(covariates, dropout)
    lam = rng.gamma(shape=params["r"], scale=np.exp(lin_p) / params["alpha"], size=n)
    if model == "bgnbd":
        life = np.exp(lin_d)
        p = rng.beta(params["a"] * life, params["b"] * life, size=n)
        out = draw_bg_histories(rng, lam, p, T_arr, shift=0)
    elif model == "pareto_nbd":
        mu = rng.gamma(shape=params["s"], scale=np.exp(lin_d) / params["beta"], size=n)
        lifetime = rng.exponential(1.0 / np.maximum(mu, 1e-300))
        span = np.minimum(lifetime, T_arr)
        x = rng.poisson(lam * span)
        recency = np.where(x > 0, span * rng.beta(np.maximum(x, 1), 1), 0.0)
        out = pd.DataFrame(
            {"frequency": x.astype(np.int64), "recency": recency, "T": T_arr,
             "purchase_rate": lam, "alive": lifetime > T_arr}
        )  # fmt: skip
    else:
        raise ValueError(f"model must be 'bgnbd' or 'pareto_nbd', got {model!r}")
    out.index = covariates.index
    return out


def simulate_spend_with_covariates(
    frequency: pd.Series,
    covariates: pd.DataFrame,
    *,
    p: float,
    q: float,
    gamma: float,
    spend: Mapping[str, float],
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Mean repeat spend drawn from the Gamma-Gamma model with ``gamma_i = gamma exp(spend' z_i)``.

    Parameters
    ----------
    frequency : pandas.Series or array-like
        Repeat purchases per customer (whole numbers >= 0): a Series is matched to
        ``covariates`` by customer id (every id needs one), an array by position (same
        length).
    covariates : pandas.DataFrame
        Covariates per customer.
    p, q, gamma : float
        Base Gamma-Gamma parameters (``gamma`` in currency units).
    spend : mapping of str to float
        Coefficient of each covariate column (log-ratios of the mean spend).
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` and ``monetary_value`` (0 for customers without repeat purchases),
        indexed like ``covariates``.

    Raises
    ------
    DataValidationError
        ``frequency`` missing, negative, fractional or not 1-D, or not one per customer of
        ``covariates``; ``covariates`` not a DataFrame or repeating customer ids.

    Examples
    --------
    >>> cov = simulate_covariates(3, seed=0)
    >>> out = simulate_spend_with_covariates(pd.Series([0, 2, 1]), cov, p=6, q=3.5,
    ...                                      gamma=20, spend={"online": 0.2}, seed=1)
    >>> float(out["monetary_value"].iloc[0])
    0.0
    """
    covariates = _covariate_frame(covariates)
    x = _per_customer(frequency, covariates.index)
    rng = as_generator(seed)
    gamma_i = gamma * np.exp(_linear(covariates, spend))
    nu = rng.gamma(shape=q, scale=1.0 / gamma_i)
    # The mean of x purchases Gamma(p, nu) is Gamma(p x, rate nu x); none without purchases.
    at_least_one = np.maximum(x, 1.0)
    draws = rng.gamma(shape=p * at_least_one, scale=1.0 / (nu * at_least_one))
    zbar = np.where(x > 0, draws, 0.0)
    return pd.DataFrame({"frequency": x, "monetary_value": zbar}, index=covariates.index)


def _per_customer(frequency: object, index: pd.Index) -> np.ndarray:
    """``frequency`` as whole numbers >= 0, one per label of ``index`` (a Series matched by
    label, an array by position), or a :class:`DataValidationError` naming ``frequency``."""
    if isinstance(frequency, pd.Series):
        _validate.unique_index(frequency, name="frequency")
        for ids, problem in (
            (index.difference(frequency.index), "no value for {} customer id(s) of covariates"),
            (frequency.index.difference(index), "{} customer id(s) without covariates"),
        ):
            if len(ids):
                raise DataValidationError(
                    f"frequency: {problem.format(len(ids))}, e.g. {ids[:5].tolist()}"
                )
        frequency = frequency.reindex(index)
    x = nonnegative(frequency, "frequency", whole=True, one_dimensional=True)
    if x.shape != (len(index),):
        raise DataValidationError(
            f"frequency has {x.size} value(s) but covariates {len(index)} customer(s); "
            "give one frequency per customer"
        )
    return x
