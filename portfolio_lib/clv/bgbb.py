r"""Discrete-time BG/BB model (Fader, Hardie & Shang 2010, "Customer-base analysis in a
discrete-time noncontractual setting", Marketing Science 29(6)).

For "did they buy in period t" data: annual donations, monthly renewals, yearly
visits. A customer has ``n`` transaction opportunities (periods) after the first
one. While alive she transacts at each opportunity with probability
:math:`p \sim \mathrm{Beta}(\alpha, \beta)`; at the start of each opportunity she
survives with probability :math:`1 - \theta`, :math:`\theta \sim \mathrm{Beta}(\gamma, \delta)`,
and once gone she never comes back. What we observe per customer is sufficient:
``frequency`` x (opportunities with a transaction), ``recency`` t_x (the last one,
0 when x = 0) and ``periods`` n. Periods are whatever the data count (years for the
donation example); every rate and horizon below is in those periods.

Likelihood of one customer (``B`` is the beta function):

.. math::

   L = \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)}\frac{B(\gamma, \delta+n)}{B(\gamma,\delta)}
     + \sum_{i=0}^{n-t_x-1} \frac{B(\alpha+x, \beta+t_x-x+i)}{B(\alpha,\beta)}
       \frac{B(\gamma+1, \delta+t_x+i)}{B(\gamma,\delta)} .

Every term is a product of beta-function ratios, so the gradient of ``ln L`` is a
softmax-weighted sum of digamma differences: it is computed in closed form and fed to
the optimiser (``_row_loglik_grad``), and checked against finite differences in the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln

from portfolio_lib import _validate
from portfolio_lib._errors import (
    DataValidationError,
    as_generator,
    raise_for_rows,
    require_columns,
)
from portfolio_lib.clv._base import MLEModel, Prediction, prediction_arrays, wrap_like
from portfolio_lib.clv._common import start_vector
from portfolio_lib.clv._fitting import compress_rows
from portfolio_lib.clv._hypergeometric import hyp2f1_stable
from portfolio_lib.clv._validation import (
    NotIdentifiedError,
    nonnegative,
    require_customers,
    require_distinct_histories,
    validate_weights,
)

__all__ = ["BetaGeoBetaBinom", "donations_summary", "simulate_bgbb"]

#: The columns a BG/BB summary needs.
BGBB_COLUMNS = ("frequency", "recency", "periods")
#: |gamma - 1| below which gamma is moved off the removable singularity at 1.
_GAMMA_NEAR_ONE = 1e-7
#: Donors in the 1995 cohort of the published example (Fader, Hardie & Shang 2010).
DONATION_DONORS = 11_104
#: The published BG/BB estimates for that cohort (FHS 2010; REFERENCE.md), used in examples.
DONATION_PARAMS = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}


def validate_bgbb_summary(summary: pd.DataFrame, *, name: str = "summary") -> pd.DataFrame:
    """Check a BG/BB summary: whole numbers with ``0 <= frequency <= recency <= periods``.

    Also ``recency == 0`` exactly when ``frequency == 0``. Returns the three columns
    as float; raises :class:`DataValidationError` naming the offending column.

    Examples
    --------
    >>> frame = pd.DataFrame({"frequency": [0, 2], "recency": [0, 5], "periods": [6, 6]})
    >>> validate_bgbb_summary(frame)["recency"].tolist()
    [0.0, 5.0]
    """
    require_columns(summary, list(BGBB_COLUMNS), name=name)
    out: dict[str, np.ndarray] = {}
    for col in BGBB_COLUMNS:
        values = pd.to_numeric(summary[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        raise_for_rows(
            summary, ~np.isfinite(values), column=col, problem="must hold finite numbers", name=name
        )
        raise_for_rows(
            summary,
            (values < 0) | (values != np.round(values)),
            column=col,
            problem="must be a non-negative whole number of periods",
            name=name,
        )
        out[col] = values
    x, t_x, n = out["frequency"], out["recency"], out["periods"]
    raise_for_rows(
        summary, x > t_x, column=["frequency", "recency"],
        problem="frequency must not exceed recency (one transaction per period at most)", name=name,
    )  # fmt: skip
    raise_for_rows(
        summary, t_x > n, column=["recency", "periods"],
        problem="recency must not exceed periods", name=name,
    )  # fmt: skip
    raise_for_rows(
        summary, (x == 0) & (t_x != 0), column=["recency", "frequency"],
        problem="recency must be 0 for customers with frequency 0", name=name,
    )  # fmt: skip
    return pd.DataFrame(out, index=summary.index)


def _terms(x: np.ndarray, t_x: np.ndarray, n: np.ndarray):
    """The likelihood's terms as (purchase shifts, dropout shifts, mask), shape (rows, K).

    Column 0 is the "alive through all n periods" term
    ``B(a+x, b+n-x) B(g, d+n)``; column 1+i the "gone after opportunity t_x+i" term
    ``B(a+x, b+t_x-x+i) B(g+1, d+t_x+i)``. Returns ``m`` (added to beta), ``c`` (added to
    gamma), ``e`` (added to delta) and the mask of the terms that exist.
    """
    gap = (n - t_x).astype(int)
    width = int(gap.max(initial=0))
    i = np.arange(width, dtype=float)
    m = np.concatenate([(n - x)[:, None], (t_x - x)[:, None] + i], axis=1)
    c = np.concatenate([np.zeros((len(x), 1)), np.ones((len(x), width))], axis=1)
    e = np.concatenate([n[:, None], t_x[:, None] + i], axis=1)
    mask = np.concatenate([np.ones((len(x), 1), bool), i < gap[:, None]], axis=1)
    return m, c, e, mask


def _log_terms(params, x, m, c, e, mask) -> np.ndarray:
    alpha, beta, gamma, delta = params
    log_t = (
        betaln(alpha + x[:, None], beta + m)
        - betaln(alpha, beta)
        + betaln(gamma + c, delta + e)
        - betaln(gamma, delta)
    )
    return np.where(mask, log_t, -np.inf)


def _logsumexp_rows(log_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise log-sum-exp and the softmax weights of the terms."""
    peak = np.max(log_t, axis=1, keepdims=True)
    scaled = np.exp(log_t - peak)
    total = scaled.sum(axis=1, keepdims=True)
    return (peak + np.log(total))[:, 0], scaled / total


class _RowLikelihood:
    """Per-row log-likelihood and its analytic gradient for fixed data (fitting)."""

    def __init__(self, x: np.ndarray, t_x: np.ndarray, n: np.ndarray) -> None:
        self.x = x
        self.m, self.c, self.e, self.mask = _terms(x, t_x, n)

    def __call__(self, params: np.ndarray) -> np.ndarray:
        return _logsumexp_rows(_log_terms(params, self.x, self.m, self.c, self.e, self.mask))[0]

    def value_and_grad(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row log-likelihoods (rows,) and their gradient in the natural parameters (rows, 4).

        Each term is ``exp(l_k)`` with ``l_k`` a sum of ``ln B`` ratios, so
        ``d ln L / d theta = sum_k softmax(l)_k d l_k / d theta``, with
        ``d ln B(u, v) / du = psi(u) - psi(u + v)``.
        """
        alpha, beta, gamma, delta = params
        x = self.x[:, None]
        values, weights = _logsumexp_rows(
            _log_terms(params, self.x, self.m, self.c, self.e, self.mask)
        )
        ab = digamma(alpha + beta + x + self.m)
        gd = digamma(gamma + delta + self.c + self.e)
        parts = (
            digamma(alpha + x) - ab - digamma(alpha) + digamma(alpha + beta),
            digamma(beta + self.m) - ab - digamma(beta) + digamma(alpha + beta),
            digamma(gamma + self.c) - gd - digamma(gamma) + digamma(gamma + delta),
            digamma(delta + self.e) - gd - digamma(delta) + digamma(gamma + delta),
        )
        grad = np.stack([np.sum(weights * np.where(self.mask, p, 0.0), axis=1) for p in parts], 1)
        return values, grad


def _quasi_newton_start(row: _RowLikelihood, weights: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The maximum found by BFGS on the log scale with the analytic gradient.

    :func:`~portfolio_lib.clv._fitting.fit_log_mle` then starts there, so its numerical
    differentiation only confirms the optimum and gives the Hessian.
    """
    total = float(weights.sum())

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        natural = np.exp(np.clip(theta, -30, 30))
        with np.errstate(all="ignore"):
            values, grad = row.value_and_grad(natural)
        value = float(weights @ values)
        if not np.isfinite(value):
            return 1e300, np.zeros_like(theta)
        return -value / total, -(weights @ grad) * natural / total

    found = minimize(objective, np.log(start), jac=True, method="BFGS", options={"gtol": 1e-9})
    return np.exp(found.x) if np.all(np.isfinite(found.x)) else start


def _gamma_off_one(gamma):
    return np.where(np.abs(gamma - 1) < _GAMMA_NEAR_ONE, 1 + _GAMMA_NEAR_ONE, gamma)


class BetaGeoBetaBinom(MLEModel):
    """BG/BB model: Bernoulli transactions per period, geometric dropout between periods.

    Fitted on a summary with ``frequency`` (periods with a transaction), ``recency``
    (the last such period, 0 if none) and ``periods`` (transaction opportunities
    observed), one row per customer or per group of identical customers with ``weights``.
    All horizons are in periods.

    Fitted attributes: ``params_`` (Series alpha, beta, gamma, delta), ``loglik_``,
    ``cov_log_params_``, ``diagnostics_``, ``result_``, ``n_obs_`` (customers),
    ``n_rows_`` (distinct rows fitted).

    Examples
    --------
    >>> from portfolio_lib.clv import BetaGeoBetaBinom, simulate_bgbb
    >>> data = simulate_bgbb(3000, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, periods=6, seed=1)
    >>> model = BetaGeoBetaBinom().fit(data)
    >>> list(model.params_.index)
    ['alpha', 'beta', 'gamma', 'delta']
    >>> bool(0 < model.prob_alive(3, 5, 6) < 1)
    True
    """

    _model_name = "BG/BB"
    _param_names = ("alpha", "beta", "gamma", "delta")

    # -- fitting ----------------------------------------------------------------------------
    def fit(
        self,
        summary: pd.DataFrame,
        *,
        weights: ArrayLike | None = None,
        start_params: Mapping[str, float] | None = None,
    ) -> Self:
        """Fit by maximum likelihood.

        Parameters
        ----------
        summary : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``periods`` (whole numbers of periods).
            A ``weights`` column is *not* read; pass it as ``weights``.
        weights : array-like, optional
            Customers each row stands for (default 1 each).
        start_params : mapping, optional
            Natural-scale starting values for alpha, beta, gamma, delta (default 1 each).

        Returns
        -------
        self
            Fitted: ``params_`` (alpha, beta, gamma, delta), ``loglik_`` and ``n_obs_``.

        Raises
        ------
        DataValidationError
            A malformed summary (names the column) or weights; nobody ever transacts, or
            everybody transacts in every period (not identified; also a ``ConvergenceError``).
        ConvergenceError
            No reliable maximum.
        """
        frame = require_customers(validate_bgbb_summary(summary), f"the {self._model_name} model")
        w = validate_weights(weights, len(frame))
        unique, counts = compress_rows({c: frame[c].to_numpy() for c in BGBB_COLUMNS}, w)
        require_distinct_histories(self._model_name, unique)
        x, t_x, n = unique["frequency"], unique["recency"], unique["periods"]
        if not np.any(x > 0) or np.all(x == n):
            raise NotIdentifiedError(
                f"{self._model_name}: every customer (summary: column frequency) transacts in "
                + ("no" if not np.any(x > 0) else "every")
                + " period, so the transaction and dropout probabilities are not identified."
            )
        start = start_vector(start_params, self._param_names, np.ones(4))
        row = _RowLikelihood(x, t_x, n)
        best = _quasi_newton_start(row, counts, start)
        self._maximise(row, counts, best, alt_start_params=start)
        return self

    # -- predictions ------------------------------------------------------------------------
    def log_likelihood(self, summary: pd.DataFrame) -> pd.Series:
        """Per-row log-likelihood at the fitted parameters (weighted sum = ``loglik_``)."""
        params = self._check_fitted()
        frame = _validate.unique_index(validate_bgbb_summary(summary), name="summary")
        cols = [frame[c].to_numpy() for c in BGBB_COLUMNS]
        return pd.Series(_RowLikelihood(*cols)(params), index=frame.index, name="loglik")

    @staticmethod
    def _log_lik(params, x, t_x, n) -> np.ndarray:
        """ln L for histories of any (common) shape."""
        x, t_x, n = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, n)))
        row = _RowLikelihood(*(np.atleast_1d(v).ravel() for v in (x, t_x, n)))
        return row(params).reshape(x.shape)

    @staticmethod
    def _inputs(frequency, recency, periods) -> list[np.ndarray]:
        """The histories as broadcast float arrays, checked like a summary (and like the
        inputs of every prediction: no missing value, the same length)."""
        arrays = prediction_arrays(frequency=frequency, recency=recency, periods=periods)
        flat = np.broadcast_arrays(*(np.atleast_1d(v) for v in arrays))
        validate_bgbb_summary(
            pd.DataFrame(dict(zip(BGBB_COLUMNS, flat, strict=True))), name="input"
        )
        return np.broadcast_arrays(*arrays)

    def prob_alive(
        self, frequency: ArrayLike, recency: ArrayLike, periods: ArrayLike
    ) -> Prediction:
        """Probability of being alive at the next opportunity (period ``n + 1``).

        ``B(a+x, b+n-x)/B(a,b) * B(g, d+n+1)/B(g,d) / L`` (FHS 2010, eq. 11).

        Parameters
        ----------
        frequency, recency, periods : array-like
            x, t_x and n of each customer (periods).

        Returns
        -------
        float, numpy.ndarray or pandas.Series (like the input)

        Examples
        --------
        >>> m = BetaGeoBetaBinom.from_params(DONATION_PARAMS)
        >>> round(m.prob_alive(6, 6, 6), 3)  # gave in all six years
        0.93
        """
        alpha, beta, gamma, delta = self._check_fitted()
        x, t_x, n = self._inputs(frequency, recency, periods)
        log_num = (
            betaln(alpha + x, beta + n - x)
            - betaln(alpha, beta)
            + betaln(gamma, delta + n + 1)
            - betaln(gamma, delta)
        )
        values = np.exp(log_num - self._log_lik(self._check_fitted(), x, t_x, n))
        return wrap_like(values, frequency, recency, periods)

    def conditional_expected_purchases(
        self,
        future_periods: ArrayLike,
        frequency: ArrayLike,
        recency: ArrayLike,
        periods: ArrayLike,
    ) -> Prediction:
        """Expected transactions in the next ``future_periods`` opportunities (FHS 2010, eq. 13).

        Parameters
        ----------
        future_periods : float or array-like
            n*, the number of future opportunities (periods).
        frequency, recency, periods : array-like
            x, t_x and n of each customer.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Expected number of periods with a transaction in ``(n, n + n*]``.

        Examples
        --------
        >>> m = BetaGeoBetaBinom.from_params(DONATION_PARAMS)
        >>> round(m.conditional_expected_purchases(5, 6, 6, 6), 2)
        3.75
        """
        params = self._check_fitted()
        x, t_x, n = self._inputs(frequency, recency, periods)
        future = np.asarray(future_periods, dtype=float)
        alpha, beta, gamma, delta = params
        gamma = _gamma_off_one(gamma)
        log_p = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
        values = np.exp(log_p - self._log_lik(params, x, t_x, n)) * _survival_sum(
            gamma, delta, n, future
        )
        return wrap_like(values, frequency, recency, periods)

    def expected_purchases(self, periods: ArrayLike) -> Prediction:
        """Expected transactions of a new customer in her first ``periods`` opportunities.

        ``E[X(n)] = a/(a+b) * d/(g-1) * [1 - G(g+d)G(1+d+n) / (G(g+d+n)G(1+d))]`` (FHS 2010, eq. 8).

        Examples
        --------
        >>> m = BetaGeoBetaBinom.from_params(DONATION_PARAMS)
        >>> round(m.expected_purchases(6), 2)  # donations in the cohort's first six years
        2.22
        """
        alpha, beta, gamma, delta = self._check_fitted()
        n = nonnegative(periods, "periods")
        values = alpha / (alpha + beta) * _survival_sum(_gamma_off_one(gamma), delta, 0.0, n)
        return wrap_like(values, periods)

    def discounted_expected_residual_transactions(
        self, discount_rate: float, frequency: ArrayLike, recency: ArrayLike, periods: ArrayLike
    ) -> Prediction:
        """DERT: discounted expected transactions from period ``n + 1`` on (FHS 2010, eq. 14).

        ``B(a+x+1, b+n-x)/B(a,b) * B(g, d+n+1)/(B(g,d)(1+d_r)) * 2F1(1, d+n+1; g+d+n+1; 1/(1+d_r)) / L``,
        a transaction in period ``n + k`` discounted by ``(1 + d_r)^k``. Multiply by the
        value of one transaction for a residual lifetime value.

        Parameters
        ----------
        discount_rate : float
            Discount rate per period (e.g. 0.10 a year for annual periods), > 0.
        frequency, recency, periods : array-like
            x, t_x and n of each customer.

        Examples
        --------
        >>> m = BetaGeoBetaBinom.from_params(DONATION_PARAMS)
        >>> round(m.discounted_expected_residual_transactions(0.10, 6, 6, 6), 2)
        5.91
        """
        alpha, beta, gamma, delta = self._check_fitted()
        if not (np.isfinite(discount_rate) and discount_rate > 0):
            raise ValueError(f"discount_rate must be positive and finite, got {discount_rate}")
        x, t_x, n = self._inputs(frequency, recency, periods)
        log_front = (
            betaln(alpha + x + 1, beta + n - x)
            - betaln(alpha, beta)
            + betaln(gamma, delta + n + 1)
            - betaln(gamma, delta)
            - np.log1p(discount_rate)
        )
        hyp = hyp2f1_stable(1.0, delta + n + 1, gamma + delta + n + 1, 1 / (1 + discount_rate))
        log_l = self._log_lik(self._check_fitted(), x, t_x, n)
        return wrap_like(np.exp(log_front - log_l) * hyp, frequency, recency, periods)


def _survival_sum(gamma, delta, n, future):
    """``d/(g-1) G(g+d)/G(1+d) [G(1+d+n)/G(g+d+n) - G(1+d+n+f)/G(g+d+n+f)]`` (G = gamma
    function, f = ``future``): the dropout part of FHS (2010) eqs. 8 and 13, i.e. the
    expected number of the opportunities ``n+1 .. n+f`` survived, divided by the chance of
    surviving the first ``n``. Evaluated in log space; ``g`` must not be exactly 1."""
    lead = gammaln(1 + delta + n) - gammaln(gamma + delta + n)
    tail = gammaln(1 + delta + n + future) - gammaln(gamma + delta + n + future)
    front = np.log(delta) + gammaln(gamma + delta) - gammaln(1 + delta)
    diff = -np.expm1(tail - lead)  # 1 - exp(tail - lead), same sign as gamma - 1
    return np.exp(front + lead) * diff / (gamma - 1)


def simulate_bgbb(
    n_customers: int,
    *,
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    periods: int = 6,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customer summaries drawn from the BG/BB model.

    Each customer gets ``p ~ Beta(alpha, beta)`` and ``theta ~ Beta(gamma, delta)``; at
    each of the ``periods`` opportunities she first survives with probability
    ``1 - theta`` (never to return once gone), then transacts with probability ``p``.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    alpha, beta : float
        Beta heterogeneity of the transaction probability.
    gamma, delta : float
        Beta heterogeneity of the dropout probability per period.
    periods : int
        Transaction opportunities observed (same for everyone).
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``periods`` and the latent ``p``, ``theta``,
        ``alive`` (alive at the last opportunity), indexed by ``customer_id``.

    Examples
    --------
    >>> sim = simulate_bgbb(100, alpha=1, beta=1, gamma=1, delta=3, periods=6, seed=0)
    >>> bool((sim["frequency"] <= sim["recency"]).all())
    True
    """
    rng = as_generator(seed)
    n_periods = int(periods)
    if n_periods < 1:
        raise ValueError(f"periods must be >= 1, got {periods}")
    p = rng.beta(alpha, beta, size=n_customers)
    theta = rng.beta(gamma, delta, size=n_customers)
    alive_for = np.minimum(rng.geometric(np.maximum(theta, 1e-300)) - 1, n_periods)
    t = np.arange(1, n_periods + 1)
    buys = (rng.random((n_customers, n_periods)) < p[:, None]) & (t <= alive_for[:, None])
    recency = np.max(np.where(buys, t, 0), axis=1)
    return pd.DataFrame(
        {
            "frequency": buys.sum(axis=1).astype(np.int64),
            "recency": recency.astype(np.int64),
            "periods": np.full(n_customers, n_periods, dtype=np.int64),
            "p": p,
            "theta": theta,
            "alive": alive_for >= n_periods,
        },
        index=pd.RangeIndex(n_customers, name="customer_id"),
    )


def donations_summary(path: str | Path) -> pd.DataFrame:
    """Read the BG/BB donation example (the 1995 cohort of 11,104 donors, 6 opportunities).

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV ``donations_1995_cohort.csv`` (columns frequency, recency, periods,
        weights) or the folder holding it.

    Returns
    -------
    pandas.DataFrame
        One row per distinct history: ``frequency``, ``recency``, ``periods`` (years)
        and ``weights`` (donors), with ``attrs["unit"] = "Y"``.

    Raises
    ------
    FileNotFoundError
        No such file.
    DataValidationError
        The file is not the published cohort (columns, histories or donor count differ).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = f.write_text("frequency,recency,periods,weights\\n0,0,6,11104\\n")
    >>> donations_summary(f)["weights"].sum()
    np.int64(11104)
    """
    file = Path(path)
    if file.is_dir():
        file = file / "donations_1995_cohort.csv"
    if not file.exists():
        raise FileNotFoundError(f"donation data not found: {file}")
    frame = pd.read_csv(file)
    validate_bgbb_summary(frame, name=file.name)
    require_columns(frame, ["weights"], name=file.name)
    total = pd.to_numeric(frame["weights"], errors="coerce").sum()
    if total != DONATION_DONORS:
        raise DataValidationError(
            f"{file.name}: column 'weights' sums to {total}, but the published 1995 cohort "
            f"has {DONATION_DONORS} donors"
        )
    out = frame[[*BGBB_COLUMNS, "weights"]].astype(np.int64)
    out.attrs["unit"] = "Y"
    return out
