"""Key-driver analysis: which ratings move overall satisfaction, and where to act.

Three views of the same question:

* **OLS with standardised coefficients** (beta = change in outcome SDs per SD
  of the driver, others held fixed). Betas are unstable when drivers are
  correlated, which satisfaction ratings almost always are (halo effect).
* **Dominance analysis** (Budescu 1993; Azen & Budescu 2003): the R² of the
  regression on every subset of drivers. A driver's *general dominance* weight
  is its average increase in R² when added, averaged first within subset size
  then over sizes — the Shapley value of R². The weights are non-negative for
  standardised predictors in practice, and sum exactly to the full model's R².
  All 2^p subsets are fitted, so p is capped at :data:`MAX_DOMINANCE_DRIVERS`.
* **Ordered logit** (:class:`statsmodels.miscmodels.ordinal_model.OrderedModel`)
  for an ordinal outcome such as a 1–5 CSAT, which OLS treats as interval.

:func:`importance_performance` puts importance beside the current rating of
each driver: high importance and low performance is where to act first.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from portfolio_lib._errors import DataValidationError, as_generator, require_columns
from portfolio_lib._intervals import wilson_interval
from portfolio_lib._progress import with_progress
from portfolio_lib.satisfaction._validation import check_confidence, numeric_frame
from portfolio_lib.satisfaction.surveys import RATING_COLUMNS

MAX_DOMINANCE_DRIVERS = 12

__all__ = [
    "MAX_DOMINANCE_DRIVERS",
    "DriverResult",
    "OrderedLogitResult",
    "ImportancePerformance",
    "driver_analysis",
    "dominance_weights",
    "ordered_logit",
    "importance_performance",
]


@dataclass(frozen=True, eq=False)
class DriverResult:
    """Key-driver analysis of one outcome.

    Attributes
    ----------
    outcome : str
    drivers : tuple of str
    n : int
        Respondents used.
    n_dropped : int
        Respondents dropped for missing values (``missing="drop"``).
    r_squared, adj_r_squared : float
        Of the full OLS model.
    coefficients : DataFrame
        Per driver: ``beta`` (standardised), ``se``, ``ci_low``, ``ci_high``,
        ``p_value`` (covariance ``cov_type``), and ``coef`` (outcome units per
        driver unit).
    importance : DataFrame
        Per driver, sorted by importance: ``general_dominance`` (R² units),
        ``share`` (of R², sums to 1), ``rank`` (1 = most important), and with
        bootstrap: ``ci_low``, ``ci_high`` (percentile interval of
        general_dominance, R² units), ``share_ci_low``, ``share_ci_high``
        (percentile interval of share, 0–1) and ``rank_stability`` (share of
        resamples giving the same rank).
    conditional_dominance : DataFrame
        Drivers × number of other drivers already in the model: the mean increase in R².
    complete_dominance : DataFrame of bool
        ``[i, j]`` is True if adding driver i raises R² more than adding j in every
        subset of the other drivers.
    vif : Series
        Variance inflation factors (collinearity among drivers).
    cov_type : str
    confidence : float
    """

    outcome: str
    drivers: tuple[str, ...]
    n: int
    n_dropped: int
    r_squared: float
    adj_r_squared: float
    coefficients: pd.DataFrame
    importance: pd.DataFrame
    conditional_dominance: pd.DataFrame
    complete_dominance: pd.DataFrame
    vif: pd.Series
    cov_type: str
    confidence: float

    def summary(self) -> pd.DataFrame:
        """Importance and standardised coefficients side by side, most important first.

        Every interval stands right after its own estimate and is named after it, so
        an interval can never be read beside another quantity: ``general_dominance``
        (R² units), ``general_dominance_ci_low``, ``general_dominance_ci_high``;
        ``share`` (of R², 0–1), ``share_ci_low``, ``share_ci_high``; ``rank``,
        ``rank_stability``; ``beta`` (standardised), ``beta_ci_low``, ``beta_ci_high``,
        ``beta_p_value``. The interval columns exist when the analysis ran a bootstrap
        (``n_boot > 0``).

        Returns
        -------
        DataFrame
            Indexed by driver, most important first.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(200, 2))
        >>> df = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": 2 * x[:, 0] + x[:, 1]})
        >>> table = driver_analysis(df, "y", ["a", "b"], n_boot=20).summary()
        >>> list(table.columns[:6])  # doctest: +NORMALIZE_WHITESPACE
        ['general_dominance', 'general_dominance_ci_low', 'general_dominance_ci_high',
         'share', 'share_ci_low', 'share_ci_high']
        >>> bool((table["share_ci_low"] <= table["share"]).all())
        True
        """
        importance = self.importance.rename(
            columns={"ci_low": "general_dominance_ci_low", "ci_high": "general_dominance_ci_high"}
        )
        order = [
            column
            for column in (
                "general_dominance",
                "general_dominance_ci_low",
                "general_dominance_ci_high",
                "share",
                "share_ci_low",
                "share_ci_high",
                "rank",
                "rank_stability",
            )
            if column in importance.columns
        ]
        return importance[order].join(
            self.coefficients[["beta", "ci_low", "ci_high", "p_value"]]
            .add_prefix("beta_")
            .rename(columns={"beta_beta": "beta"})
        )


def _subset_r_squared(corr_xx: np.ndarray, corr_xy: np.ndarray) -> np.ndarray:
    """R² of every subset of predictors; entry ``mask`` uses predictors whose bit is set."""
    p = len(corr_xy)
    r2 = np.zeros(2**p)
    for mask in range(1, 2**p):
        idx = [j for j in range(p) if mask >> j & 1]
        r = corr_xy[idx]
        beta = np.linalg.lstsq(corr_xx[np.ix_(idx, idx)], r, rcond=None)[0]
        r2[mask] = float(r @ beta)
    return r2


def _conditional_dominance(r2: np.ndarray, p: int) -> np.ndarray:
    """p × p matrix: [j, s] = mean R² gain of adding j to subsets of size s without j."""
    masks = np.arange(2**p)
    sizes = np.array([bin(m).count("1") for m in masks])
    out = np.zeros((p, p))
    for j in range(p):
        without = masks[(masks >> j & 1) == 0]
        gains = r2[without | (1 << j)] - r2[without]
        for s in range(p):
            out[j, s] = gains[sizes[without] == s].mean()
    return out


def _complete_dominance(r2: np.ndarray, p: int) -> np.ndarray:
    masks = np.arange(2**p)
    out = np.zeros((p, p), dtype=bool)
    for i in range(p):
        for j in range(p):
            if i == j:
                continue
            base = masks[((masks >> i & 1) == 0) & ((masks >> j & 1) == 0)]
            out[i, j] = bool(
                np.all(r2[base | (1 << i)] - r2[base] > r2[base | (1 << j)] - r2[base])
            )
    return out


def dominance_weights(corr: np.ndarray) -> np.ndarray:
    """General dominance weights from a correlation matrix (outcome in the last row/column).

    Parameters
    ----------
    corr : ndarray, shape (p + 1, p + 1)
        Correlation matrix of the p drivers followed by the outcome.

    Returns
    -------
    ndarray, shape (p,)
        General dominance (Shapley) weights in R² units; they sum to the full-model R².

    Raises
    ------
    ValueError
        ``corr`` is not a square matrix of at least 2 x 2 finite numbers (e.g. None, or one
        column of a table instead of its correlation matrix).

    Examples
    --------
    >>> w = dominance_weights(np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.3], [0.6, 0.3, 1.0]]))
    >>> np.round(w, 2).tolist()
    [0.36, 0.09]
    """
    corr = _correlation_matrix(corr)
    p = corr.shape[0] - 1
    if p > MAX_DOMINANCE_DRIVERS:
        raise ValueError(
            f"dominance analysis fits all 2^p subsets; {p} drivers would need {2**p:,} "
            f"regressions. Use at most {MAX_DOMINANCE_DRIVERS} drivers (group related items "
            "into an index first, e.g. the mean of a factor's items)."
        )
    r2 = _subset_r_squared(corr[:p, :p], corr[:p, p])
    return _conditional_dominance(r2, p).mean(axis=1)


def _correlation_matrix(corr: object) -> np.ndarray:
    """``corr`` as a square float array of at least 2 x 2 finite numbers, else ValueError."""
    shape = np.shape(corr) if corr is not None else None
    if shape is None or len(shape) != 2 or shape[0] != shape[1] or shape[0] < 2:
        raise ValueError(
            "corr must be a square correlation matrix of the drivers and the outcome (shape "
            f"(p + 1, p + 1), p >= 1), got {type(corr).__name__} of shape {shape}"
        )
    try:
        values = np.asarray(corr, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"corr must hold numbers: {exc}") from exc
    if not np.isfinite(values).all():
        raise ValueError("corr must hold finite numbers (a constant column has no correlation)")
    return values


def _check_drivers(outcome: str, drivers: Sequence[str]) -> list[str]:
    drivers = list(drivers)
    if not drivers:
        raise ValueError("drivers must name at least one column")
    if len(set(drivers)) != len(drivers):
        raise ValueError(f"drivers contain duplicates: {drivers}")
    if outcome in drivers:
        raise ValueError(f"outcome {outcome!r} is also listed among the drivers")
    if len(drivers) > MAX_DOMINANCE_DRIVERS:
        raise ValueError(
            f"driver_analysis computes exact dominance weights over all 2^p subsets; got "
            f"{len(drivers)} drivers (limit {MAX_DOMINANCE_DRIVERS}). Reduce them, e.g. average "
            "the items of each factor into one index."
        )
    return drivers


def _prepared(
    df: pd.DataFrame, outcome: str, drivers: list[str], missing: str, name: str
) -> tuple[pd.DataFrame, int]:
    require_columns(df, [outcome, *drivers], name=name)
    data, n_dropped = numeric_frame(df, [*drivers, outcome], name=name, missing=missing)
    constant = [c for c in data.columns if data[c].std() == 0]
    if constant:
        raise DataValidationError(
            f"{name}: column(s) {constant} do not vary (one value: "
            f"{[data[c].iloc[0] for c in constant]}); a constant cannot explain or be explained"
        )
    if len(data) <= len(drivers) + 2:
        raise DataValidationError(
            f"{name}: {len(data)} complete rows are too few for {len(drivers)} drivers"
        )
    return data, n_dropped


def driver_analysis(
    df: pd.DataFrame,
    outcome: str = "csat",
    drivers: Sequence[str] = RATING_COLUMNS,
    *,
    confidence: float = 0.95,
    cov_type: str = "HC3",
    n_boot: int = 0,
    seed: int | np.random.Generator | None = 0,
    missing: Literal["raise", "drop"] = "raise",
    progress: bool = False,
) -> DriverResult:
    """OLS key-driver analysis with standardised betas and dominance (Shapley) importance.

    Parameters
    ----------
    df : DataFrame
        One row per respondent.
    outcome : str
        Overall satisfaction column (e.g. ``csat`` 1–5 or ``nps`` 0–10).
    drivers : sequence of str
        Attribute ratings (default: the five ``rating_*`` columns), at most
        :data:`MAX_DOMINANCE_DRIVERS`.
    confidence : float
        Level of the coefficient and bootstrap intervals.
    cov_type : str
        statsmodels covariance for the betas; ``"HC3"`` (default) is robust to
        the heteroskedasticity typical of bounded rating outcomes, ``"nonrobust"``
        gives the textbook OLS errors.
    n_boot : int
        Bootstrap resamples of respondents for intervals on the dominance
        weights and rank stability (0 = none; 500 is a reasonable choice).
    seed : int or Generator
        Randomness for the bootstrap.
    missing : {"raise", "drop"}
        ``"drop"`` removes respondents with any missing value (listwise) and
        reports the count in ``n_dropped``.
    progress : bool
        Show a progress bar (tqdm, on stderr) over the bootstrap resamples; off by
        default, so the function prints nothing.

    Returns
    -------
    DriverResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 2))
    >>> df = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": 2 * x[:, 0] + x[:, 1]})
    >>> driver_analysis(df, "y", ["a", "b"]).importance.index.tolist()
    ['a', 'b']
    """
    confidence = check_confidence(confidence)
    drivers = _check_drivers(outcome, drivers)
    data, n_dropped = _prepared(df, outcome, drivers, missing, "responses")
    p, n = len(drivers), len(data)
    z = (data - data.mean()) / data.std(ddof=1)
    model = sm.OLS(z[outcome], sm.add_constant(z[drivers])).fit(cov_type=cov_type)
    raw = sm.OLS(data[outcome], sm.add_constant(data[drivers])).fit()
    ci = model.conf_int(alpha=1 - confidence)
    coefficients = pd.DataFrame(
        {
            "beta": model.params[drivers],
            "se": model.bse[drivers],
            "ci_low": ci.loc[drivers, 0],
            "ci_high": ci.loc[drivers, 1],
            "p_value": model.pvalues[drivers],
            "coef": raw.params[drivers],
        }
    )
    coefficients.index.name = "driver"
    corr = np.corrcoef(data[[*drivers, outcome]].to_numpy(), rowvar=False)
    r2_subsets = _subset_r_squared(corr[:p, :p], corr[:p, p])
    conditional = _conditional_dominance(r2_subsets, p)
    general = conditional.mean(axis=1)
    importance = pd.DataFrame(
        {"general_dominance": general, "share": general / r2_subsets[-1]}, index=drivers
    )
    importance["rank"] = importance["general_dominance"].rank(ascending=False, method="min")
    importance["rank"] = importance["rank"].astype("int64")
    if n_boot > 0:
        importance = importance.join(
            _bootstrap_importance(
                data[[*drivers, outcome]].to_numpy(),
                drivers,
                n_boot,
                seed,
                confidence,
                importance["rank"].to_numpy(),
                progress,
            )
        )
    importance.index.name = "driver"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        vif = np.diag(np.linalg.pinv(corr[:p, :p]))
    return DriverResult(
        outcome=outcome,
        drivers=tuple(drivers),
        n=n,
        n_dropped=n_dropped,
        r_squared=float(r2_subsets[-1]),
        adj_r_squared=float(1 - (1 - r2_subsets[-1]) * (n - 1) / (n - p - 1)),
        coefficients=coefficients,
        importance=importance.sort_values("general_dominance", ascending=False),
        conditional_dominance=pd.DataFrame(
            conditional,
            index=pd.Index(drivers, name="driver"),
            columns=pd.Index(range(p), name="other_drivers_in_model"),
        ),
        complete_dominance=pd.DataFrame(
            _complete_dominance(r2_subsets, p),
            index=pd.Index(drivers, name="dominates"),
            columns=pd.Index(drivers, name="dominated"),
        ),
        vif=pd.Series(vif, index=drivers, name="vif"),
        cov_type=cov_type,
        confidence=confidence,
    )


def _bootstrap_importance(
    values: np.ndarray,
    drivers: list[str],
    n_boot: int,
    seed: int | np.random.Generator | None,
    confidence: float,
    ranks: np.ndarray,
    progress: bool,
) -> pd.DataFrame:
    rng = as_generator(seed)
    n = len(values)
    weights = np.empty((n_boot, len(drivers)))
    for b in with_progress(range(n_boot), progress, desc="bootstrap driver importance"):
        sample = values[rng.integers(0, n, n)]
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.corrcoef(sample, rowvar=False)
        weights[b] = dominance_weights(np.nan_to_num(corr))
    tail = (1 - confidence) / 2
    boot_ranks = stats.rankdata(-weights, axis=1, method="min")
    totals = weights.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(totals > 0, weights / totals, np.nan)
    return pd.DataFrame(
        {
            "ci_low": np.quantile(weights, tail, axis=0),
            "ci_high": np.quantile(weights, 1 - tail, axis=0),
            "share_ci_low": np.nanquantile(shares, tail, axis=0),
            "share_ci_high": np.nanquantile(shares, 1 - tail, axis=0),
            "rank_stability": (boot_ranks == ranks[None, :]).mean(axis=0),
        },
        index=drivers,
    )


@dataclass(frozen=True, eq=False)
class OrderedLogitResult:
    """Ordered (proportional-odds) logit of an ordinal outcome on driver ratings.

    Attributes
    ----------
    outcome : str
    drivers : tuple of str
    n : int
    n_dropped : int
    levels : tuple of int
        Outcome levels observed, low to high (unobserved levels cannot be estimated).
    coefficients : DataFrame
        Per driver: ``coef`` (log-odds of a higher outcome per driver unit, or per
        SD when ``standardize=True``), ``se``, ``ci_low``, ``ci_high``, ``p_value``,
        ``odds_ratio``, ``or_ci_low``, ``or_ci_high``.
    thresholds : Series
        Cut-points between consecutive levels on the latent scale.
    llf, aic, bic, pseudo_r_squared : float
        Fit statistics (McFadden pseudo R²).
    converged : bool
    model_result : statsmodels results
        The fitted ``OrderedModel`` results (``predict``, ``summary()``).
    """

    outcome: str
    drivers: tuple[str, ...]
    n: int
    n_dropped: int
    levels: tuple[int, ...]
    coefficients: pd.DataFrame
    thresholds: pd.Series
    llf: float
    aic: float
    bic: float
    pseudo_r_squared: float
    converged: bool
    model_result: object

    def summary(self) -> pd.DataFrame:
        """The coefficient table."""
        return self.coefficients


def ordered_logit(
    df: pd.DataFrame,
    outcome: str = "csat",
    drivers: Sequence[str] = RATING_COLUMNS,
    *,
    distr: Literal["logit", "probit"] = "logit",
    standardize: bool = False,
    confidence: float = 0.95,
    missing: Literal["raise", "drop"] = "raise",
) -> OrderedLogitResult:
    """Proportional-odds model of an ordinal (Likert) outcome on the driver ratings.

    Parameters
    ----------
    df : DataFrame
        One row per respondent.
    outcome : str
        Ordinal outcome with whole-number levels (e.g. ``csat`` 1–5).
    drivers : sequence of str
        Driver ratings.
    distr : {"logit", "probit"}
        Link; logit gives odds ratios.
    standardize : bool
        Scale drivers to unit SD so coefficients are comparable across drivers.
    confidence : float
        Level of the intervals.
    missing : {"raise", "drop"}
        Listwise deletion only when asked (count in ``n_dropped``).

    Returns
    -------
    OrderedLogitResult

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.integers(1, 6, size=400)
    >>> y = np.clip(x + rng.integers(-1, 2, size=400), 1, 5)
    >>> res = ordered_logit(pd.DataFrame({"x": x, "y": y}), "y", ["x"])
    >>> bool(res.coefficients.loc["x", "odds_ratio"] > 1)
    True
    """
    confidence = check_confidence(confidence)
    drivers = _check_drivers(outcome, drivers)
    data, n_dropped = _prepared(df, outcome, drivers, missing, "responses")
    y = data[outcome]
    if not np.all(y == np.round(y)):
        raise DataValidationError(
            f"responses: column {outcome!r} must hold whole-number levels for an ordered model"
        )
    levels = tuple(int(v) for v in np.sort(y.unique()))
    if len(levels) < 3:
        raise DataValidationError(
            f"responses: column {outcome!r} has levels {list(levels)}; an ordered model needs "
            "at least 3 (use logistic regression for a binary outcome)"
        )
    x = data[drivers]
    if standardize:
        x = (x - x.mean()) / x.std(ddof=1)
    endog = pd.Series(pd.Categorical(y.astype(int), categories=levels, ordered=True), index=y.index)
    model = OrderedModel(endog, x, distr=distr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(method="bfgs", disp=False, maxiter=2000)
    converged = bool(res.mle_retvals.get("converged", True))
    if not converged:
        warnings.warn(
            "ordered model did not converge; interpret with care", RuntimeWarning, stacklevel=2
        )
    ci = res.conf_int(alpha=1 - confidence)
    ci.columns = [0, 1]
    coefficients = pd.DataFrame(
        {
            "coef": res.params[drivers],
            "se": res.bse[drivers],
            "ci_low": ci.loc[drivers, 0],
            "ci_high": ci.loc[drivers, 1],
            "p_value": res.pvalues[drivers],
        }
    )
    coefficients["odds_ratio"] = np.exp(coefficients["coef"])
    coefficients["or_ci_low"] = np.exp(coefficients["ci_low"])
    coefficients["or_ci_high"] = np.exp(coefficients["ci_high"])
    coefficients.index.name = "driver"
    cut = model.transform_threshold_params(res.params.to_numpy())[1:-1]
    thresholds = pd.Series(
        cut, index=[f"{a}|{b}" for a, b in zip(levels, levels[1:], strict=False)], name="threshold"
    )
    null_llf = float(
        np.sum(np.bincount(endog.cat.codes) * np.log(np.bincount(endog.cat.codes) / len(endog)))
    )
    return OrderedLogitResult(
        outcome=outcome,
        drivers=tuple(drivers),
        n=len(data),
        n_dropped=n_dropped,
        levels=levels,
        coefficients=coefficients,
        thresholds=thresholds,
        llf=float(res.llf),
        aic=float(res.aic),
        bic=float(res.bic),
        pseudo_r_squared=float(1 - res.llf / null_llf),
        converged=converged,
        model_result=res,
    )


QUADRANTS = {
    (True, False): "concentrate here",
    (True, True): "keep up the good work",
    (False, False): "low priority",
    (False, True): "possible overkill",
}


@dataclass(frozen=True, eq=False)
class ImportancePerformance:
    """Importance–performance map (Martilla & James 1977).

    Attributes
    ----------
    table : DataFrame
        Per driver: ``importance``, ``performance``, ``performance_ci_low``,
        ``performance_ci_high``, ``quadrant``; sorted by priority (concentrate
        here first, then by importance).
    importance_cut, performance_cut : float
        Where the quadrant lines cross (mean over drivers by default).
    importance_label, performance_label : str
        Axis descriptions.
    """

    table: pd.DataFrame
    importance_cut: float
    performance_cut: float
    importance_label: str
    performance_label: str


def importance_performance(
    df: pd.DataFrame,
    importance: DriverResult | pd.Series,
    *,
    performance: Literal["mean", "top_box"] = "mean",
    scale: tuple[int, int] = (1, 5),
    top_box: int = 2,
    cut: Literal["mean", "median"] = "mean",
    confidence: float = 0.95,
    missing: Literal["raise", "drop"] = "raise",
) -> ImportancePerformance:
    """Place each driver by importance (dominance share) and performance (current rating).

    Parameters
    ----------
    df : DataFrame
        Responses holding the driver rating columns.
    importance : DriverResult or Series
        A :func:`driver_analysis` result (its ``share`` of R² is used) or any
        Series of importance indexed by driver column.
    performance : {"mean", "top_box"}
        Mean rating (scale points, t interval) or top-box share (0–1, Wilson).
    scale : (int, int)
        Rating scale, used for ``top_box``.
    top_box : int
        Levels counted as favourable for ``performance="top_box"``.
    cut : {"mean", "median"}
        Where the quadrant lines go (over drivers).
    confidence : float
        Level of the performance intervals.
    missing : {"raise", "drop"}
        ``"drop"`` leaves missing ratings out driver by driver.

    Returns
    -------
    ImportancePerformance

    Raises
    ------
    TypeError
        ``importance`` is neither a :class:`DriverResult` nor a Series (or mapping).
    DataValidationError
        ``importance`` names no driver; ``df`` lacks a driver column or has fewer ratings of
        a driver than a performance interval needs (two for ``"mean"``, one for
        ``"top_box"``).

    Examples
    --------
    >>> df = pd.DataFrame({"a": [5, 4, 5], "b": [2, 3, 2]})
    >>> ipm = importance_performance(df, pd.Series({"a": 0.2, "b": 0.8}))
    >>> ipm.table.loc["b", "quadrant"]
    'concentrate here'
    """
    confidence = check_confidence(confidence)
    if isinstance(importance, DriverResult):
        weights = importance.importance["share"]
        label = f"importance (share of R² for {importance.outcome})"
    elif isinstance(importance, pd.Series | Mapping):
        weights = pd.Series(importance, dtype="float64")
        label = "importance"
    else:
        raise TypeError(
            "importance must be a DriverResult (from driver_analysis) or a Series of importance "
            f"indexed by driver column, got {type(importance).__name__}"
        )
    if weights.empty:
        raise DataValidationError("importance names no driver: there is nothing to place")
    drivers = [str(d) for d in weights.index]
    if performance not in ("mean", "top_box"):
        raise ValueError(f"performance must be 'mean' or 'top_box', got {performance!r}")
    if cut not in ("mean", "median"):
        raise ValueError(f"cut must be 'mean' or 'median', got {cut!r}")
    require_columns(df, drivers, name="responses")
    rows = {}
    for driver in drivers:
        values = numeric_frame(df, [driver], name="responses", missing=missing)[0][driver]
        values = values.to_numpy()
        needed = 2 if performance == "mean" else 1
        if len(values) < needed:
            raise DataValidationError(
                f"responses: column {driver!r} has {len(values)} rating(s); a performance "
                f"interval ({performance}) needs at least {needed}"
            )
        if performance == "mean":
            mean = values.mean()
            half = (
                stats.t.ppf(0.5 + confidence / 2, len(values) - 1)
                * values.std(ddof=1)
                / np.sqrt(len(values))
            )
            rows[driver] = (mean, mean - half, mean + half)
        elif performance == "top_box":
            hits = int((values > scale[1] - top_box).sum())
            low, high = wilson_interval(hits, len(values), confidence)
            rows[driver] = (hits / len(values), low, high)
    table = pd.DataFrame(rows, index=["performance", "performance_ci_low", "performance_ci_high"]).T
    table.insert(0, "importance", weights.to_numpy())
    reduce = np.mean if cut == "mean" else np.median
    importance_cut = float(reduce(table["importance"]))
    performance_cut = float(reduce(table["performance"]))
    table["quadrant"] = [
        QUADRANTS[(imp >= importance_cut, perf >= performance_cut)]
        for imp, perf in zip(table["importance"], table["performance"], strict=True)
    ]
    order = table["quadrant"].map(
        {
            "concentrate here": 0,
            "keep up the good work": 1,
            "possible overkill": 2,
            "low priority": 3,
        }
    )
    table = (
        table.assign(_order=order)
        .sort_values(["_order", "importance"], ascending=[True, False])
        .drop(columns="_order")
    )
    table.index.name = "driver"
    return ImportancePerformance(
        table=table,
        importance_cut=importance_cut,
        performance_cut=performance_cut,
        importance_label=label,
        performance_label=("mean rating" if performance == "mean" else f"top-{top_box}-box share"),
    )
