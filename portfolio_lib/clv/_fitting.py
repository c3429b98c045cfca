"""Robust maximum-likelihood fitting shared by the CLV models.

Every model is fitted the same way:

1. the parameters are optimised on the log scale (they are all positive), so the
   optimiser never has to respect bounds;
2. identical rows are collapsed into one row with a weight (2 million customers
   with a few thousand distinct ``(frequency, recency, T)`` rows cost a few
   thousand likelihood terms);
3. :class:`statsmodels.base.model.GenericLikelihoodModel` runs the optimiser and
   gives the covariance of the log-parameters (numerical Hessian);
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

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.base.model import GenericLikelihoodModel
from statsmodels.tools.numdiff import approx_fprime, approx_hess

__all__ = [
    "ConvergenceError",
    "FitDiagnostics",
    "ModelSummary",
    "MLEOutcome",
    "fit_log_mle",
    "compress_rows",
]

#: Largest accepted |log parameter|; beyond it a parameter is "running to the boundary".
LOG_PARAM_LIMIT = 18.0
#: Largest accepted Newton step on the log scale at the optimum.
NEWTON_STEP_TOL = 1e-4
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
            f"{self.model}: n = {self.n_obs} ({self.n_rows} distinct rows), "
            f"log-likelihood = {self.loglik:.4f}, AIC = {self.aic:.2f}, BIC = {self.bic:.2f}\n"
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
        return pd.Series(np.exp(self.log_params), index=list(names), name="estimate")


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


def compress_rows(columns: dict[str, np.ndarray], weights: np.ndarray | None = None):
    """Collapse identical rows into distinct rows with summed weights.

    Returns ``(unique_columns, weights)`` with rows of zero weight removed.
    """
    frame = pd.DataFrame(columns)
    frame["_w"] = 1.0 if weights is None else np.asarray(weights, dtype=float)
    grouped = frame.groupby(list(columns), sort=True, observed=True)["_w"].sum()
    grouped = grouped[grouped > 0]
    index = grouped.index
    if isinstance(index, pd.MultiIndex):
        unique = {name: index.get_level_values(name).to_numpy(dtype=float) for name in columns}
    else:
        name = next(iter(columns))
        unique = {name: index.to_numpy(dtype=float)}
    return unique, grouped.to_numpy(dtype=float)


def _check_point(
    model: _WeightedLogMLE, theta: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Log-likelihood, gradient, Hessian, Newton step and failed checks at theta."""
    problems: list[str] = []
    loglik = float(np.sum(model.loglikeobs(theta)))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grad = approx_fprime(theta, model.loglike, centered=True).ravel()
        hess = approx_hess(theta, model.loglike, epsilon=HESSIAN_STEP)
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


def _newton_polish(model: _WeightedLogMLE, theta: np.ndarray, max_steps: int = 5) -> np.ndarray:
    """A few damped Newton steps on the log scale (only ever increases the likelihood)."""
    current = theta.copy()
    current_ll = model.loglike(current)
    for _ in range(max_steps):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grad = approx_fprime(current, model.loglike, centered=True).ravel()
            hess = approx_hess(current, model.loglike, epsilon=HESSIAN_STEP)
        if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
            break
        eig = np.linalg.eigvalsh((hess + hess.T) / 2)
        if np.max(eig) >= 0:
            break
        step = -np.linalg.solve(hess, grad)
        if np.max(np.abs(step)) < NEWTON_STEP_TOL / 10:
            break
        scale = 1.0
        for _ in range(10):
            candidate = current + scale * step
            cand_ll = model.loglike(candidate)
            if cand_ll >= current_ll - 1e-10 * abs(current_ll):
                current, current_ll = candidate, cand_ll
                break
            scale /= 2
        else:
            break
    return current


def fit_log_mle(
    *,
    model_name: str,
    param_names: Sequence[str],
    row_loglik: Callable[[np.ndarray], np.ndarray],
    weights: np.ndarray,
    start_params: np.ndarray,
    alt_start_params: np.ndarray | None = None,
    prior_sd: float | None = None,
) -> MLEOutcome:
    """Maximise ``sum(weights * row_loglik(exp(theta)))`` over ``theta`` robustly.

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

    Returns
    -------
    MLEOutcome

    Raises
    ------
    ConvergenceError
        When no optimiser reaches a point that passes all checks.
    """
    prior = None
    if prior_sd is not None:
        if not prior_sd > 0:
            raise ValueError(f"prior_sd must be positive, got {prior_sd}")
        prior = (np.log(np.asarray(start_params, dtype=float)), float(prior_sd))
    model = _WeightedLogMLE(row_loglik, weights, param_names, log_prior=prior)
    starts = [np.log(np.asarray(start_params, dtype=float))]
    if alt_start_params is not None:
        starts.append(np.log(np.asarray(alt_start_params, dtype=float)))
    plans = [("bfgs",), ("nm", "bfgs")]
    attempts: list[str] = []
    best: tuple[float, np.ndarray, str, list[str], object, np.ndarray, np.ndarray] | None = None

    for start_no, start in enumerate(starts):
        for plan in plans:
            theta = start.copy()
            result = None
            message = ""
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    for method in plan:
                        kwargs = {"maxiter": 5000 if method == "nm" else 1000}
                        if method == "bfgs":
                            kwargs["gtol"] = 1e-7
                        result = model.fit(start_params=theta, method=method, disp=0, **kwargs)
                        theta = np.asarray(result.params, dtype=float)
                    theta = _newton_polish(model, theta)
                loglik, grad, hess, step, problems = _check_point(model, theta)
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
                best = (loglik, theta, label, problems, result, grad, hess)
            if not problems:
                break
        if best is not None and not best[3]:
            break

    assert best is not None
    loglik, theta, label, problems, result, grad, hess = best
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
