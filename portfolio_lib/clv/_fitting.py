"""Robust maximum-likelihood fitting shared by the CLV models.

Every model is fitted the same way:

1. the parameters are optimised on the log scale (they are all positive), so the
   optimiser never has to respect bounds;
2. identical rows are collapsed into one row with a weight (2 million customers
   with a few thousand distinct ``(frequency, recency, T)`` rows cost a few
   thousand likelihood terms);
3. a quasi-Newton search (BFGS, :func:`_bfgs`) is fed with the model's analytic
   gradient in the log-parameters (digamma terms; Pareto/NBD's dropout integral by
   one quadrature that gives the value and the gradient together), then a few Newton
   steps; the Hessian is computed **once** at the optimum, for the standard errors: in
   closed form where the model gives one (the BG/NBD family, :mod:`~portfolio_lib.clv._hessian`),
   else by central differences of the gradient with the step :data:`HESSIAN_STEP`.
   statsmodels' :class:`~statsmodels.base.model.GenericLikelihoodModel` still holds the
   likelihood and gives the results object (``result_``, its ``summary()``), but does no
   numerical differentiation during the search;
4. the result is *checked*: finite log-likelihood, finite negative-definite
   Hessian, a Newton step below ``1e-4`` on the log scale (i.e. every parameter
   is within 0.01 % of the optimum), no parameter escaping to 0 or infinity and
   no log-parameter with a standard error above 5 (a flat likelihood).
   A BFGS fit that fails the check is retried with Nelder-Mead followed by
   BFGS, and from a second starting point; if nothing passes,
   :class:`ConvergenceError` is raised with the diagnostics. A bad fit is never
   returned silently.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.base.model import GenericLikelihoodModel
from statsmodels.tools.numdiff import approx_hess

__all__ = [
    "ConvergenceError",
    "FitDiagnostics",
    "ModelSummary",
    "MLEOutcome",
    "fit_log_mle",
    "compress_rows",
    "unique_rows",
    "dot",
]

#: Largest accepted |log parameter|; beyond it a parameter is "running to the boundary".
LOG_PARAM_LIMIT = 18.0
#: Largest accepted Newton step on the log scale at the optimum.
NEWTON_STEP_TOL = 1e-4
#: The Newton polish goes on until its step is below this (log scale): the reported optimum
#: is exact to ~1e-10, so printed estimates do not depend on where the search stopped.
POLISH_STEP = 1e-10
#: Largest accepted condition number of the Hessian.
CONDITION_LIMIT = 1e12
#: Largest accepted standard error of a log-parameter (e^5 ~ 150-fold uncertainty).
LOG_SE_LIMIT = 5.0
#: Finite-difference step of the Hessian on the log-parameter scale. statsmodels' default
#: (~1e-4) lets rounding in the log-likelihood (1 ulp differs between CPUs' vectorised exp/log)
#: move standard errors by ~0.3 %; 1e-3 cuts that to ~1e-6 while the truncation error stays
#: below 1e-5 (tests/test_clv_choice.py measures both).
HESSIAN_STEP = 1e-3


class ConvergenceError(RuntimeError):
    """A model could not be fitted reliably.

    Raised instead of returning a doubtful fit. ``diagnostics`` holds a
    :class:`FitDiagnostics` describing the best attempt (log-likelihood,
    gradient, Newton step, Hessian eigenvalues, the optimisers tried).
    """

    def __init__(self, message: str, diagnostics: FitDiagnostics | None = None) -> None:
        self.diagnostics = diagnostics
        text = message if diagnostics is None else f"{message}\n{diagnostics.describe()}"
        super().__init__(text)


@dataclass(frozen=True)
class FitDiagnostics:
    """How a maximum-likelihood fit went.

    Attributes
    ----------
    model : str
        Model name.
    optimizer : str
        The optimiser (sequence) whose result was kept, e.g. ``"bfgs"``.
    converged : bool
        True when every check passed.
    loglik : float
        Log-likelihood at the reported parameters (all customers, weighted).
    gradient_max : float
        Largest absolute gradient component of the log-likelihood with respect
        to the log-parameters.
    newton_step_max : float
        Largest absolute component of the Newton step ``-H^{-1} g`` (log scale).
    hessian_eigenvalues : tuple of float
        Eigenvalues of the Hessian (all negative at a proper maximum).
    log_params : tuple of float
        Log-parameters at the reported point.
    problems : tuple of str
        Failed checks (empty when converged).
    attempts : tuple of str
        One line per optimiser attempt.
    """

    model: str
    optimizer: str
    converged: bool
    loglik: float
    gradient_max: float
    newton_step_max: float
    hessian_eigenvalues: tuple[float, ...]
    log_params: tuple[float, ...]
    param_names: tuple[str, ...]
    problems: tuple[str, ...] = ()
    attempts: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """Human-readable multi-line description."""
        params = ", ".join(
            f"{n}={np.exp(v):.6g}" for n, v in zip(self.param_names, self.log_params, strict=True)
        )
        lines = [
            f"model: {self.model}; optimizer kept: {self.optimizer}; converged: {self.converged}",
            f"log-likelihood: {self.loglik:.6f}; parameters: {params}",
            f"max |gradient| (log scale): {self.gradient_max:.3g}; "
            f"max |Newton step|: {self.newton_step_max:.3g}",
            "Hessian eigenvalues: " + ", ".join(f"{e:.3g}" for e in self.hessian_eigenvalues),
        ]
        if self.problems:
            lines.append("problems: " + "; ".join(self.problems))
        if self.attempts:
            lines.append("attempts: " + " | ".join(self.attempts))
        return "\n".join(lines)


@dataclass(frozen=True)
class ModelSummary:
    """Estimates with standard errors and confidence intervals (statsmodels style).

    Attributes
    ----------
    model : str
        Model name.
    table : pandas.DataFrame
        One row per parameter: ``estimate``, ``std_err`` (delta method from the
        log scale), ``ci_low``, ``ci_high`` (the log-scale Wald interval mapped
        back, so it stays positive), ``log_estimate``, ``log_std_err``.
    loglik, aic, bic : float
        Log-likelihood, ``-2 LL + 2k`` and ``-2 LL + k ln n``.
    n_obs : int
        Number of customers (or cohort members) the likelihood covers.
    n_rows : int
        Number of distinct rows the likelihood was evaluated on.
    confidence : float
        Confidence level of the intervals.
    """

    model: str
    table: pd.DataFrame
    loglik: float
    aic: float
    bic: float
    n_obs: int
    n_rows: int
    confidence: float

    def __str__(self) -> str:
        header = (
            f"{self.model}: fitted on {self.n_rows} distinct rows standing for "
            f"{self.n_obs} customers, log-likelihood = {self.loglik:.4f}, AIC = {self.aic:.2f}, BIC = {self.bic:.2f}\n"
            f"{100 * self.confidence:.0f}% intervals from the log-scale Wald interval\n"
        )
        return header + self.table.to_string(float_format=lambda v: f"{v:.4f}")

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        head = str(self).split("\n")[:2]
        return "<p>" + "<br>".join(head) + "</p>" + self.table.to_html(float_format="%.4f")


@dataclass(frozen=True)
class MLEOutcome:
    """What :func:`fit_log_mle` returns."""

    log_params: np.ndarray
    cov_log_params: np.ndarray
    loglik: float
    diagnostics: FitDiagnostics
    result: object  # statsmodels GenericLikelihoodModelResults

    def params(self, names: Sequence[str]) -> pd.Series:
        return pd.Series(np.exp(self.log_params), index=_name_index(tuple(names)), name="estimate")

    def cov_frame(self, names: Sequence[str]) -> pd.DataFrame:
        """Covariance of the log-parameters, rows and columns named."""
        index = _name_index(tuple(names))
        return pd.DataFrame(self.cov_log_params, index=index, columns=index)


@functools.lru_cache(maxsize=256)
def _name_index(names: tuple[str, ...]) -> pd.Index:
    """The (immutable) index of a parameter vector, built once per set of names: building an
    index of strings costs more than a small fit's gradient."""
    return pd.Index(list(names))


class _WeightedLogMLE(GenericLikelihoodModel):
    """GenericLikelihoodModel over log-parameters with per-row weights."""

    def __init__(
        self,
        row_loglik: Callable[[np.ndarray], np.ndarray],
        weights: np.ndarray,
        param_names: Sequence[str],
        log_prior: tuple[np.ndarray, float] | None = None,
    ) -> None:
        self._row_loglik = row_loglik
        self._weights = np.asarray(weights, dtype=float)
        self._log_prior = log_prior
        super().__init__(
            endog=self._weights,
            exog=None,
            extra_params_names=[f"log_{n}" for n in param_names],
        )

    def loglikeobs(self, params: np.ndarray) -> np.ndarray:
        natural = np.exp(np.clip(np.asarray(params, dtype=float), -700, 700))
        with np.errstate(all="ignore"):
            values = self._weights * self._row_loglik(natural)
        return np.where(np.isfinite(values), values, -np.inf)

    def loglike(self, params: np.ndarray) -> float:
        """Weighted log-likelihood, plus the log prior density when there is one (MAP)."""
        value = float(np.sum(self.loglikeobs(params)))
        if self._log_prior is not None:
            center, sd = self._log_prior
            value -= float(np.sum((np.asarray(params, dtype=float) - center) ** 2)) / (2 * sd**2)
        return value if np.isfinite(value) else -1e300


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product of two 1-D arrays, long ones without BLAS.

    numpy's ``@`` hands long vectors to a multi-threaded BLAS whose threads spin for
    milliseconds on a busy machine; ``einsum`` sums in one thread, as fast there. Short
    vectors (single-threaded in BLAS anyway) use ``@``, which has less call overhead.

    Examples
    --------
    >>> dot(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    11.0
    """
    if np.size(a) < 4096:
        return float(np.asarray(a) @ np.asarray(b))
    return float(np.einsum("i,i->", a, b))


def compress_rows(columns: dict[str, np.ndarray], weights: np.ndarray | None = None):
    """Collapse identical rows into distinct rows with summed weights.

    Returns ``(unique_columns, weights)`` with rows of zero weight removed; the distinct
    rows are sorted (lexicographically by the columns in order).

    Examples
    --------
    >>> unique, w = compress_rows({"x": np.array([2.0, 1, 2]), "y": np.array([5.0, 3, 5])})
    >>> unique["x"].tolist(), unique["y"].tolist(), w.tolist()
    ([1.0, 2.0], [3.0, 5.0], [1.0, 2.0])
    """
    unique, inverse = unique_rows(columns)
    w = np.ones(len(inverse)) if weights is None else np.asarray(weights, dtype=float)
    counts = np.bincount(inverse, weights=w, minlength=len(next(iter(unique.values()))))
    keep = counts > 0
    return {name: values[keep] for name, values in unique.items()}, counts[keep]


def unique_rows(columns: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Distinct rows of equally long float columns, sorted, and each row's position among them.

    ``unique[name][inverse]`` gives back every column. Each column is coded on its own
    (numpy's sort for short columns, a hash for long ones), the codes are combined into
    one integer key and that key is coded by one sort of ``key`` packed with the row
    number: a few passes over the data instead of a sort of the rows.

    Returns
    -------
    (dict of numpy.ndarray, numpy.ndarray of int)

    Examples
    --------
    >>> unique, inverse = unique_rows({"x": np.array([2.0, 1, 2])})
    >>> unique["x"].tolist(), inverse.tolist()
    ([1.0, 2.0], [1, 0, 1])
    """
    codes = []
    levels = []
    for values in columns.values():
        code, level = column_codes(np.asarray(values, dtype=float))
        codes.append(code)
        levels.append(level)
    key = codes[0]
    sizes = [len(level) for level in levels]
    if np.prod([float(s) for s in sizes]) < 2.0**62:
        for code, size in zip(codes[1:], sizes[1:], strict=True):
            key = key * size + code
        if len(codes) == 1:
            inverse, key_levels = key, np.arange(sizes[0], dtype=np.int64)
        else:
            inverse, key_levels = sorted_codes(key)
        unique_codes = []
        rest = key_levels
        for size in reversed(sizes[1:]):
            unique_codes.append(rest % size)
            rest = rest // size
        unique_codes.append(rest)
        unique_codes.reverse()
    else:  # pragma: no cover - astronomically many distinct values
        stacked = np.column_stack(codes)
        uniq, inverse = np.unique(stacked, axis=0, return_inverse=True)
        unique_codes = [uniq[:, i] for i in range(uniq.shape[1])]
    unique = {
        name: level[code] for name, level, code in zip(columns, levels, unique_codes, strict=True)
    }
    return unique, np.asarray(inverse, dtype=np.int64).ravel()


#: Below this many rows a column is coded by numpy's sort (less overhead than a hash table).
_SMALL_COLUMN = 50_000


def column_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of a float column and each row's position among them."""
    if values.size < _SMALL_COLUMN:
        level, code = np.unique(values, return_inverse=True)
        return code.astype(np.int64).ravel(), level
    code, level = pd.factorize(values, sort=True)
    return code.astype(np.int64), np.asarray(level, dtype=float)


def sorted_codes(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(inverse, levels)`` of non-negative int64 keys, levels sorted (like ``np.unique``).

    When key and row number fit together in 63 bits, one plain sort of ``key << b | row``
    replaces the argsort (or hash table) of ``np.unique``/``pd.factorize``: several times
    faster on millions of rows.
    """
    n = key.size
    row_bits = max(int(n - 1).bit_length(), 1)
    if n == 0 or int(key.max()).bit_length() + row_bits > 63:
        levels, inverse = np.unique(key, return_inverse=True)
        return inverse.astype(np.int64).ravel(), levels.astype(np.int64)
    packed = np.sort((key << row_bits) | np.arange(n, dtype=np.int64))
    order = packed & ((1 << row_bits) - 1)
    sorted_key = packed >> row_bits
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new[1:])
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return inverse, sorted_key[new]


#: Relative step of the central-difference gradient used when a model gives no analytic one.
_FD_STEP = 1e-6


class _Objective:
    """Log-likelihood (plus log prior) and its gradient in the log-parameters.

    ``loglik_grad`` (from the model) maps natural-scale parameters to the weighted total
    log-likelihood and its gradient with respect to the log-parameters; without it the
    gradient is a central difference of the weighted sum of ``row_loglik`` (our own, few
    evaluations; statsmodels' numerical derivatives are never used in the search).
    """

    def __init__(
        self,
        model: _WeightedLogMLE,
        loglik_grad: Callable[[np.ndarray], tuple[float, np.ndarray]] | None,
    ) -> None:
        self.model = model
        self.loglik_grad = loglik_grad
        self.scale = max(float(np.sum(model._weights)), 1.0)
        self.evaluations = 0
        # the last point evaluated by value_grad: (theta, objective, gradient); the checks
        # and the Newton polish ask again for the point where the search stopped
        self._last: tuple[np.ndarray, float, np.ndarray] | None = None

    def loglik(self, theta: np.ndarray) -> float:
        """Weighted log-likelihood without the prior (-inf where it is not finite).

        With an analytic gradient, the value it returns (cached at the last point: the
        checks ask for the log-likelihood where the gradient was just taken) saves a pass
        over the rows; the row formula is used where that value is not finite.
        """
        if self.loglik_grad is not None:
            value, _ = self.value_grad(theta)
            if np.isfinite(value):
                prior = self.model._log_prior
                if prior is not None:
                    center, sd = prior
                    value += float(np.sum((np.asarray(theta, float) - center) ** 2)) / (2 * sd**2)
                return value
        with np.errstate(all="ignore"):
            value = float(np.sum(self.model.loglikeobs(theta)))
        return value if np.isfinite(value) else -np.inf

    def value_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective (log-likelihood + log prior) and its gradient at ``theta``."""
        theta = np.asarray(theta, dtype=float)
        last = self._last
        if last is not None and np.array_equal(last[0], theta):
            return last[1], last[2].copy()
        self.evaluations += 1
        if self.loglik_grad is not None:
            natural = np.exp(np.clip(theta, -700, 700))
            with np.errstate(all="ignore"):
                value, grad = self.loglik_grad(natural)
            value = float(value)
            grad = np.asarray(grad, dtype=float).copy()
        else:
            value = self.loglik(theta)
            grad = np.empty_like(theta)
            for i in range(theta.size):
                step = np.zeros_like(theta)
                step[i] = _FD_STEP * max(1.0, abs(theta[i]))
                grad[i] = (self.loglik(theta + step) - self.loglik(theta - step)) / (2 * step[i])
        prior = self.model._log_prior
        if prior is not None:
            center, sd = prior
            value -= float(np.sum((theta - center) ** 2)) / (2 * sd**2)
            grad -= (theta - center) / sd**2
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            value, grad = -np.inf, np.full_like(theta, np.nan)
        self._last = (theta.copy(), value, grad.copy())
        return value, grad

    def scaled_loss(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Minus the objective per customer (what the optimiser minimises) and its gradient."""
        value, grad = self.value_grad(theta)
        if not np.isfinite(value):
            return 1e300, np.zeros_like(np.asarray(theta, dtype=float))
        return -value / self.scale, -grad / self.scale

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Hessian of the objective at ``theta``, once.

        A model whose ``loglik_grad`` carries a ``hessian(params, grad_log)`` attribute
        (the BG/NBD family) gives it in closed form (one pass over the rows). Else, with
        an analytic gradient: central differences of the gradient with the step
        :data:`HESSIAN_STEP` (2k gradients), symmetrised. Without: statsmodels'
        ``approx_hess`` of the objective.
        """
        theta = np.asarray(theta, dtype=float)
        analytic = getattr(self.loglik_grad, "hessian", None)
        if analytic is not None:
            value, grad = self.value_grad(theta)
            prior = self.model._log_prior
            curvature = 0.0
            if prior is not None:  # back to the likelihood's gradient; the prior's curvature
                center, sd = prior
                grad = grad + (theta - center) / sd**2
                curvature = 1 / sd**2
            if not np.isfinite(value):
                return np.full((theta.size, theta.size), np.nan)
            natural = np.exp(np.clip(theta, -700, 700))
            with np.errstate(all="ignore"):
                hess = np.array(analytic(natural, grad), dtype=float)
            return hess - curvature * np.eye(theta.size)
        if self.loglik_grad is None:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return approx_hess(theta, self.model.loglike, epsilon=HESSIAN_STEP)
        k = theta.size
        hess = np.empty((k, k))
        for j in range(k):
            step = np.zeros(k)
            step[j] = HESSIAN_STEP
            _, up = self.value_grad(theta + step)
            _, down = self.value_grad(theta - step)
            hess[:, j] = (up - down) / (2 * HESSIAN_STEP)
        return (hess + hess.T) / 2


def _check_point(
    objective: _Objective, theta: np.ndarray, hess: np.ndarray | None = None
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Log-likelihood, gradient, Hessian, Newton step and failed checks at theta.

    ``hess`` skips the computation of the Hessian (one known at a point within 1e-7).
    """
    problems: list[str] = []
    loglik = objective.loglik(theta)
    _, grad = objective.value_grad(theta)
    if hess is None:
        hess = objective.hessian(theta)
    step = np.full_like(theta, np.inf)
    if not np.isfinite(loglik):
        problems.append("log-likelihood is not finite")
    if not np.all(np.isfinite(grad)):
        problems.append("gradient is not finite")
    if not np.all(np.isfinite(hess)):
        problems.append("Hessian is not finite")
    else:
        eig = np.linalg.eigvalsh((hess + hess.T) / 2)
        if np.max(eig) >= 0:
            problems.append("Hessian is not negative definite (not a maximum or flat direction)")
        elif np.min(eig) / np.max(eig) > CONDITION_LIMIT:
            problems.append("Hessian is nearly singular (a parameter is not identified)")
        else:
            step = -np.linalg.solve(hess, grad)
            log_se = np.sqrt(np.diag(np.linalg.inv(-hess)))
            if np.max(log_se) > LOG_SE_LIMIT:
                problems.append(
                    f"log-scale standard error {np.max(log_se):.3g} > {LOG_SE_LIMIT:g}: "
                    "the likelihood is flat (a parameter is not identified by these data)"
                )
    if np.any(np.abs(theta) > LOG_PARAM_LIMIT):
        problems.append("a parameter ran towards 0 or infinity (not identified by these data)")
    if np.all(np.isfinite(step)) and np.max(np.abs(step)) > NEWTON_STEP_TOL:
        problems.append(f"Newton step {np.max(np.abs(step)):.2g} > {NEWTON_STEP_TOL:g}")
    return loglik, grad, hess, step, problems


def _newton_polish(
    objective: _Objective, theta: np.ndarray, hess: np.ndarray, max_steps: int = 6
) -> np.ndarray:
    """Damped Newton steps on the log scale with a fixed Hessian (never lowers the objective).

    ``hess`` is the Hessian at ``theta`` (from the check): near the optimum it hardly
    changes, so every step costs one gradient.
    """
    current = np.asarray(theta, dtype=float).copy()
    current_value, grad = objective.value_grad(current)
    if not (np.isfinite(current_value) and np.all(np.isfinite(hess))):
        return current
    if np.max(np.linalg.eigvalsh((hess + hess.T) / 2)) >= 0:
        return current
    for _ in range(max_steps):
        step = -np.linalg.solve(hess, grad)
        if not np.all(np.isfinite(step)) or np.max(np.abs(step)) < POLISH_STEP:
            break
        scale = 1.0
        for _ in range(10):
            candidate = current + scale * step
            value, cand_grad = objective.value_grad(candidate)
            if np.isfinite(value) and value >= current_value - 1e-12 * abs(current_value):
                current, current_value, grad = candidate, value, cand_grad
                break
            scale /= 2
        else:
            break
    return current


#: Forward-difference step (log scale) of the Hessian that preconditions BFGS.
_START_HESSIAN_STEP = 1e-4


def _start_inverse_hessian(
    loss: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray, grad: np.ndarray
) -> np.ndarray | None:
    """A positive-definite inverse Hessian of ``loss`` at ``x`` to start BFGS with.

    Forward differences of the gradient (k evaluations; a preconditioner needs no more
    accuracy), symmetrised; eigenvalues replaced by their absolute values, floored at
    1e-3 of the largest (far from the optimum the Hessian need not be positive).
    None when a gradient is not finite.

    Examples
    --------
    >>> quad = lambda v: (float(v @ v + 3 * v[0] ** 2), 2 * v + np.array([6 * v[0], 0.0]))
    >>> np.round(_start_inverse_hessian(quad, np.ones(2), quad(np.ones(2))[1]), 4)
    array([[0.125, 0.   ],
           [0.   , 0.5  ]])
    """
    k = x.size
    hess = np.empty((k, k))
    for j in range(k):
        step = np.zeros(k)
        step[j] = _START_HESSIAN_STEP
        _, moved = loss(x + step)
        hess[:, j] = (np.asarray(moved) - grad) / _START_HESSIAN_STEP
    if not np.all(np.isfinite(hess)):
        return None
    eig, vec = np.linalg.eigh((hess + hess.T) / 2)
    eig = np.abs(eig)
    if not eig.max() > 0:
        return None
    eig = np.maximum(eig, 1e-3 * eig.max())
    return (vec / eig) @ vec.T


def _bfgs(
    loss: Callable[[np.ndarray], tuple[float, np.ndarray]],
    theta: np.ndarray,
    *,
    gtol: float = 1e-9,
    maxiter: int = 500,
    inv_hess: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Minimise ``loss`` (value and gradient) by BFGS with a backtracking line search.

    A dozen lines of numpy on k <= 10 parameters: scipy's L-BFGS-B spends milliseconds
    per iteration in BLAS threads on a busy machine, this spends microseconds.
    ``inv_hess`` is a starting guess of the inverse Hessian of ``loss`` (e.g. from a fit
    on a subsample); without one, :func:`_start_inverse_hessian` measures it at the start
    (k gradients), which halves the iterations of the CLV fits (the log-parameters are
    strongly correlated: an identity start zig-zags along the valley).
    Returns the point and the number of iterations.
    """
    x = np.asarray(theta, dtype=float).copy()
    f, g = loss(x)
    k = x.size
    if inv_hess is None and np.isfinite(f):
        inv_hess = _start_inverse_hessian(loss, x, g)
    given = inv_hess is not None and bool(np.all(np.isfinite(inv_hess)))
    inv_h = np.array(inv_hess, dtype=float) if given else np.eye(k)
    iteration = 0
    for iteration in range(1, maxiter + 1):  # noqa: B007 - the count is returned
        if not np.all(np.isfinite(g)) or np.max(np.abs(g)) < gtol:
            break
        direction = -inv_h @ g
        slope = float(g @ direction)
        if not slope < 0:
            inv_h = np.eye(k)
            direction = -g
            slope = float(g @ direction)
        # never move a log-parameter by more than 2 (a factor e^2) in one step
        step = min(1.0, 2.0 / max(float(np.max(np.abs(direction))), 1e-300))
        for _ in range(40):
            candidate = x + step * direction
            f_new, g_new = loss(candidate)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * step * slope:
                break
            step *= 0.3
        else:
            break
        s = candidate - x
        y = g_new - g
        sy = float(s @ y)
        improvement = f - f_new
        x, f, g = candidate, f_new, g_new
        if sy > 1e-14 * float(np.sqrt((s @ s) * (y @ y))):
            if iteration == 1 and not given:
                inv_h = np.eye(k) * (sy / float(y @ y))
            rho = 1.0 / sy
            hy = inv_h @ y
            inv_h = (
                inv_h
                - rho * (np.outer(s, hy) + np.outer(hy, s))
                + (rho * rho * float(y @ hy) + rho) * np.outer(s, s)
            )
        if improvement <= 1e-16 * max(abs(f), 1.0) and np.max(np.abs(s)) < 1e-10:
            break
    return x, iteration


def _search(
    objective: _Objective, theta: np.ndarray, method: str, start_cov: np.ndarray | None = None
) -> tuple[np.ndarray, int]:
    """One optimiser run from ``theta``: BFGS with the gradient, or Nelder-Mead."""
    if method == "nm":
        from scipy.optimize import minimize

        result = minimize(
            lambda t: objective.scaled_loss(t)[0],
            theta,
            method="Nelder-Mead",
            options={"maxiter": 5000, "xatol": 1e-8, "fatol": 1e-12},
        )
        return np.asarray(result.x, dtype=float), int(getattr(result, "nit", 0))
    inv_hess = None if start_cov is None else np.asarray(start_cov) * objective.scale
    return _bfgs(objective.scaled_loss, theta, inv_hess=inv_hess)


def _results_object(
    model: _WeightedLogMLE, theta: np.ndarray, cov: np.ndarray, settings: dict
) -> object:
    """A statsmodels ``GenericLikelihoodModelResults`` at our optimum (no further search).

    Its ``params`` are the log-parameters and its covariance is ours, so ``summary()``,
    ``bse`` and ``llf`` work as after ``GenericLikelihoodModel.fit``.
    """
    from statsmodels.base.model import GenericLikelihoodModelResults, LikelihoodModelResults

    mlefit = LikelihoodModelResults(model, theta, normalized_cov_params=cov, scale=1.0)
    mlefit.mle_retvals = {"converged": True, "iterations": settings.get("iterations", 0)}
    mlefit.mle_settings = {"optimizer": settings.get("optimizer", "bfgs")}
    mlefit.cov_type = "nonrobust"
    mlefit.cov_kwds = {"description": "Inverse of the Hessian at the optimum."}
    mlefit.use_t = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GenericLikelihoodModelResults(model, mlefit)


def fit_log_mle(
    *,
    model_name: str,
    param_names: Sequence[str],
    row_loglik: Callable[[np.ndarray], np.ndarray],
    weights: np.ndarray,
    start_params: np.ndarray,
    alt_start_params: np.ndarray | None = None,
    prior_sd: float | None = None,
    loglik_grad: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
    start_cov: np.ndarray | None = None,
) -> MLEOutcome:
    """Maximise ``sum(weights * row_loglik(exp(theta)))`` over ``theta`` robustly.

    The search is scipy's L-BFGS on the log-parameters fed with the gradient
    (``loglik_grad``; a central difference when a model has none), followed by a few
    Newton steps with one Hessian; the Hessian for the standard errors is computed once
    at the optimum (in closed form when ``loglik_grad`` has a ``hessian`` attribute, else
    with the step :data:`HESSIAN_STEP`). A run that fails the checks is retried
    with Nelder-Mead followed by L-BFGS, and from ``alt_start_params``.

    With ``prior_sd`` the objective adds an independent normal prior on each
    log-parameter, centred on ``log(start_params)`` with that standard deviation
    (a maximum a posteriori fit): it keeps parameters finite where the likelihood
    alone has no maximum. The reported ``loglik`` is the likelihood without the prior.

    Parameters
    ----------
    model_name : str
        Used in messages.
    param_names : sequence of str
        Natural-scale parameter names.
    row_loglik : callable
        Maps a vector of natural-scale parameters to per-row log-likelihoods.
    weights : numpy.ndarray
        Row weights (how many customers each row stands for).
    start_params, alt_start_params : numpy.ndarray
        Natural-scale starting values (the second one is used if the first fails).
    prior_sd : float, optional
        Standard deviation of the normal prior on each log-parameter (MAP fit).
    loglik_grad : callable, optional
        Maps natural-scale parameters to ``(sum(weights * row_loglik), gradient)``, the
        gradient taken with respect to the log-parameters. An attribute
        ``hessian(params, grad_log)`` on it, when present, gives the Hessian of the same
        log-likelihood in the log-parameters (``grad_log``: its gradient at ``params``).
    start_cov : numpy.ndarray, optional
        A guess of the covariance of the log-parameters at the optimum (e.g. from a fit on
        a subsample): the first BFGS run starts with it as its inverse Hessian.

    Returns
    -------
    MLEOutcome

    Raises
    ------
    ConvergenceError
        When no optimiser reaches a point that passes all checks.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.5, 1.5, 2.0, 1.0])
    >>> def rows(p):
    ...     return np.log(p[0]) - p[0] * y  # exponential waiting times, rate p[0]
    >>> out = fit_log_mle(model_name="exponential", param_names=["rate"], row_loglik=rows,
    ...                   weights=np.ones(4), start_params=np.array([1.0]))
    >>> round(float(np.exp(out.log_params[0])), 6)  # the MLE is 1 / mean(y)
    0.8
    """
    prior = None
    if prior_sd is not None:
        if not prior_sd > 0:
            raise ValueError(f"prior_sd must be positive, got {prior_sd}")
        prior = (np.log(np.asarray(start_params, dtype=float)), float(prior_sd))
    model = _WeightedLogMLE(row_loglik, weights, param_names, log_prior=prior)
    objective = _Objective(model, loglik_grad)
    starts = [np.log(np.asarray(start_params, dtype=float))]
    if alt_start_params is not None:
        starts.append(np.log(np.asarray(alt_start_params, dtype=float)))
    plans = [("bfgs",), ("nm", "bfgs")]
    attempts: list[str] = []
    best: tuple | None = None

    for start_no, start in enumerate(starts):
        for plan in plans:
            theta = start.copy()
            iterations = 0
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    for method in plan:
                        first = start_no == 0 and plan == plans[0]
                        theta, nit = _search(objective, theta, method, start_cov if first else None)
                        iterations += nit
                    loglik, grad, hess, step, problems = _check_point(objective, theta)
                    if np.all(np.isfinite(step)) and np.max(np.abs(step)) > POLISH_STEP:
                        polished = _newton_polish(objective, theta, hess)
                        # the Hessian (for the standard errors) is recomputed unless the
                        # polish moved by less than 1e-7 on the log scale (relative change
                        # of the Hessian ~1e-7)
                        moved = float(np.max(np.abs(polished - theta)))
                        theta = polished
                        if moved > 1e-7:
                            loglik, grad, hess, step, problems = _check_point(objective, theta)
                        else:
                            loglik, grad, hess, step, problems = _check_point(
                                objective, theta, hess=hess
                            )
            except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
                message = f"{type(exc).__name__}: {exc}"
                loglik, grad, hess = -np.inf, theta * np.nan, None
                problems = [message]
            label = "+".join(plan) + ("" if start_no == 0 else " (2nd start)")
            attempts.append(f"{label}: LL={loglik:.4f}, " + ("ok" if not problems else problems[0]))
            better = best is None or (
                (not problems and (best[3] or loglik > best[0]))
                or (problems and best[3] and loglik > best[0])
            )
            if better:
                best = (loglik, theta, label, problems, iterations, grad, hess)
            if not problems:
                break
        if best is not None and not best[3]:
            break

    assert best is not None
    loglik, theta, label, problems, iterations, grad, hess = best
    eig: tuple[float, ...] = ()
    step_max = float("inf")
    if hess is not None and np.all(np.isfinite(hess)):
        eig = tuple(float(e) for e in np.linalg.eigvalsh((hess + hess.T) / 2))
        if eig and max(eig) < 0:
            step_max = float(np.max(np.abs(np.linalg.solve(hess, grad))))
    diagnostics = FitDiagnostics(
        model=model_name,
        optimizer=label,
        converged=not problems,
        loglik=float(loglik),
        gradient_max=float(np.max(np.abs(grad))) if np.all(np.isfinite(grad)) else float("inf"),
        newton_step_max=step_max,
        hessian_eigenvalues=eig,
        log_params=tuple(float(v) for v in theta),
        param_names=tuple(param_names),
        problems=tuple(problems),
        attempts=tuple(attempts),
    )
    if problems:
        raise ConvergenceError(
            f"{model_name} did not converge to a reliable maximum-likelihood estimate.",
            diagnostics,
        )
    cov = np.linalg.inv(-hess)
    cov = (cov + cov.T) / 2
    result = _results_object(model, theta, cov, {"optimizer": label, "iterations": iterations})
    return MLEOutcome(
        log_params=theta,
        cov_log_params=cov,
        loglik=float(loglik),
        diagnostics=diagnostics,
        result=result,
    )


def make_summary(
    *,
    model_name: str,
    param_names: Sequence[str],
    log_params: np.ndarray,
    cov_log_params: np.ndarray,
    loglik: float,
    n_obs: float,
    n_rows: int,
    alpha: float = 0.05,
) -> ModelSummary:
    """Build a :class:`ModelSummary` from log-scale estimates and their covariance."""
    from scipy.stats import norm

    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    z = float(norm.ppf(1 - alpha / 2))
    log_se = np.sqrt(np.diag(cov_log_params))
    estimate = np.exp(log_params)
    table = pd.DataFrame(
        {
            "estimate": estimate,
            "std_err": estimate * log_se,
            "ci_low": np.exp(log_params - z * log_se),
            "ci_high": np.exp(log_params + z * log_se),
            "log_estimate": log_params,
            "log_std_err": log_se,
        },
        index=pd.Index(list(param_names), name="parameter"),
    )
    k = len(param_names)
    return ModelSummary(
        model=model_name,
        table=table,
        loglik=float(loglik),
        aic=float(-2 * loglik + 2 * k),
        bic=float(-2 * loglik + k * np.log(n_obs)),
        n_obs=int(round(n_obs)),
        n_rows=int(n_rows),
        confidence=1 - alpha,
    )
