"""How good is a churn score? ROC AUC with an interval, calibration, lift and gains.

* :func:`roc_auc` - the probability that a random churner scores above a random stayer, with a
  DeLong (1988) standard error or a stratified bootstrap interval.
* :func:`delong_test` - are two scores' AUCs on the *same* customers different? (DeLong's
  paired test; the scores are correlated, so two separate intervals would mislead.)
* :func:`compare_scores` - one row per score: AUC, interval, difference to a baseline with its
  DeLong p-value, Brier score and top-decile lift.
* :func:`calibration_table` - do predicted probabilities match observed churn rates?
* :func:`gains_table` - lift and cumulative gains by score decile: contact the top 10 % and
  reach which share of the churners?

Scores are "higher = more likely to churn". ``y_true`` is the churn label (True/1 = churned).
When both are pandas Series they are aligned on their index (every customer needs both).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import norm, rankdata

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, as_generator, raise_for_rows
from portfolio_lib._intervals import wilson_interval
from portfolio_lib._progress import with_progress

__all__ = [
    "AUCResult",
    "AUCComparison",
    "roc_auc",
    "delong_test",
    "compare_scores",
    "calibration_table",
    "gains_table",
]


def _labels_scores(
    y_true: pd.Series | np.ndarray, score: pd.Series | np.ndarray, *, score_name: str = "score"
) -> tuple[np.ndarray, np.ndarray]:
    """Validate and align a 0/1 label and a finite score; need both classes.

    Each must be one column (a Series, list or 1-D array; a DataFrame or None raises
    :class:`DataValidationError` naming it). Two Series are aligned by customer id, which
    must then be unique.
    """
    y_true = _validate.one_dimensional(y_true, name="y_true")
    score = _validate.one_dimensional(score, name=score_name)
    if isinstance(y_true, pd.Series) and isinstance(score, pd.Series):
        _validate.unique_index(y_true, name="y_true")
        _validate.unique_index(score, name=score_name)
        score = _validate.reindexed(
            score, y_true.index, name=score_name, of="customer(s) of y_true"
        )
    y = pd.Series(np.asarray(y_true), name="churned")
    s = pd.Series(np.asarray(score, dtype=object), name=score_name)
    if len(y) != len(s):
        raise DataValidationError(f"y_true has {len(y)} values but {score_name} has {len(s)}")
    if len(y) == 0:
        raise DataValidationError("y_true is empty")
    valid = y.isin([True, False, 0, 1]) & y.notna()
    raise_for_rows(y.to_frame(), ~valid, column="churned", problem="must be True/False or 1/0",
                   name="y_true")  # fmt: skip
    numeric = pd.to_numeric(s, errors="coerce").astype(float)
    raise_for_rows(
        s.to_frame(), ~np.isfinite(numeric.to_numpy()), column=score_name,
        problem="must be a finite number", name=score_name,
    )  # fmt: skip
    labels = y.astype(bool).to_numpy()
    if labels.all() or not labels.any():
        raise DataValidationError(
            f"y_true (column 'churned') has only one class among {len(labels)} customers; "
            "AUC, lift and gains need churners and stayers"
        )
    return labels, numeric.to_numpy()


@dataclass(frozen=True)
class AUCResult:
    """ROC AUC with its uncertainty.

    Attributes
    ----------
    auc : float
        P(score of a random churner > score of a random stayer), ties counting 1/2.
    ci_low, ci_high : float
        Confidence interval (DeLong normal interval clipped to [0, 1], or bootstrap percentile).
    se : float
        Standard error (DeLong, or the bootstrap standard deviation).
    n_positive, n_negative : int
        Churners and stayers.
    method : str
        ``"delong"`` or ``"bootstrap"``.
    confidence : float
    """

    auc: float
    ci_low: float
    ci_high: float
    se: float
    n_positive: int
    n_negative: int
    method: str
    confidence: float


def _delong_components(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, ...]:
    """AUCs and DeLong placement values for k scores (Sun & Xu 2014, midranks).

    ``scores`` is (k, n). Returns ``auc`` (k,), ``v10`` (k, m) per churner and ``v01`` (k, n0)
    per stayer.
    """
    pos, neg = scores[:, labels], scores[:, ~labels]
    m, n = pos.shape[1], neg.shape[1]
    tx = np.apply_along_axis(rankdata, 1, pos)
    ty = np.apply_along_axis(rankdata, 1, neg)
    tz = np.apply_along_axis(rankdata, 1, np.hstack([pos, neg]))
    auc = (tz[:, :m].sum(axis=1) - m * (m + 1) / 2) / (m * n)
    v10 = (tz[:, :m] - tx) / n
    v01 = 1.0 - (tz[:, m:] - ty) / m
    return auc, v10, v01


def _delong_cov(v10: np.ndarray, v01: np.ndarray) -> np.ndarray:
    m, n = v10.shape[1], v01.shape[1]
    s10 = np.atleast_2d(np.cov(v10)) if m > 1 else np.zeros((len(v10), len(v10)))
    s01 = np.atleast_2d(np.cov(v01)) if n > 1 else np.zeros((len(v01), len(v01)))
    return s10 / m + s01 / n


def roc_auc(
    y_true: pd.Series | np.ndarray,
    score: pd.Series | np.ndarray,
    *,
    method: Literal["delong", "bootstrap"] = "delong",
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
    progress: bool = False,
) -> AUCResult:
    """ROC AUC of a churn score with a confidence interval.

    Parameters
    ----------
    y_true : Series or array of bool / 0-1
        Churned (True) or not.
    score : Series or array of float
        Higher = more likely to churn.
    method : {"delong", "bootstrap"}
        DeLong's asymptotic standard error (normal interval, clipped to [0, 1]), or a
        percentile bootstrap that resamples churners and stayers separately.
    confidence : float
        Level of the interval.
    n_boot : int
        Bootstrap resamples.
    seed : int or numpy.random.Generator, optional
        Randomness of the bootstrap.
    progress : bool
        With ``method="bootstrap"``, show a progress bar (tqdm, on stderr) over the
        resamples; off by default, so the function prints nothing.

    Returns
    -------
    AUCResult

    Examples
    --------
    >>> r = roc_auc([True, True, False, False], [0.9, 0.4, 0.5, 0.1])
    >>> r.auc
    0.75
    """
    confidence = _validate.confidence(confidence)
    labels, values = _labels_scores(y_true, score)
    auc, v10, v01 = _delong_components(labels, values[None, :])
    m, n = int(labels.sum()), int((~labels).sum())
    if method == "delong":
        se = float(np.sqrt(max(_delong_cov(v10, v01)[0, 0], 0.0)))
        z = norm.ppf(0.5 + confidence / 2)
        low, high = max(0.0, auc[0] - z * se), min(1.0, auc[0] + z * se)
    elif method == "bootstrap":
        if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 2:
            raise ValueError(f"n_boot must be a whole number >= 2, got {n_boot!r}")
        rng = as_generator(seed)
        pos, neg = values[labels], values[~labels]
        draws = np.empty(n_boot)
        for b in with_progress(range(n_boot), progress, desc="bootstrap AUC"):
            p = pos[rng.integers(0, m, m)]
            q = neg[rng.integers(0, n, n)]
            ranks = rankdata(np.concatenate([p, q]))
            draws[b] = (ranks[:m].sum() - m * (m + 1) / 2) / (m * n)
        tail = (1 - confidence) / 2
        low, high = (float(v) for v in np.quantile(draws, [tail, 1 - tail]))
        se = float(draws.std(ddof=1))
    else:
        raise ValueError(f"method must be 'delong' or 'bootstrap', got {method!r}")
    return AUCResult(float(auc[0]), float(low), float(high), se, m, n, method, confidence)


@dataclass(frozen=True)
class AUCComparison:
    """DeLong's paired comparison of two AUCs on the same customers.

    Attributes
    ----------
    auc_a, auc_b : float
    difference : float
        ``auc_a - auc_b``.
    ci_low, ci_high : float
        Interval of the difference.
    z, p_value : float
        Two-sided test of equal AUCs.
    confidence : float
    """

    auc_a: float
    auc_b: float
    difference: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    confidence: float


def delong_test(
    y_true: pd.Series | np.ndarray,
    score_a: pd.Series | np.ndarray,
    score_b: pd.Series | np.ndarray,
    *,
    confidence: float = 0.95,
) -> AUCComparison:
    """Test whether two scores of the same customers have equal ROC AUC (DeLong et al. 1988).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.random(400) < 0.4
    >>> good, noise = y + rng.normal(0, 1, 400), rng.normal(0, 1, 400)
    >>> bool(delong_test(y, good, noise).p_value < 0.001)
    True
    """
    confidence = _validate.confidence(confidence)
    labels, a = _labels_scores(y_true, score_a, score_name="score_a")
    _, b = _labels_scores(y_true, score_b, score_name="score_b")
    auc, v10, v01 = _delong_components(labels, np.vstack([a, b]))
    cov = _delong_cov(v10, v01)
    diff = float(auc[0] - auc[1])
    var = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    se = np.sqrt(max(var, 0.0))
    zq = norm.ppf(0.5 + confidence / 2)
    if se > 0:
        z = diff / se
        p = float(2 * norm.sf(abs(z)))
    else:
        z, p = (0.0, 1.0) if diff == 0 else (np.inf * np.sign(diff), 0.0)
    return AUCComparison(float(auc[0]), float(auc[1]), diff, diff - zq * se, diff + zq * se,
                         float(z), p, confidence)  # fmt: skip


def compare_scores(
    y_true: pd.Series,
    scores: Mapping[str, pd.Series | np.ndarray],
    *,
    baseline: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Compare churn scores on the same customers.

    Parameters
    ----------
    y_true : Series or array of bool
        The churn label.
    scores : mapping of name -> Series or array
        Scores to compare (higher = riskier).
    baseline : str, optional
        Name of the score the others are tested against (DeLong); default the first.
    confidence : float

    Returns
    -------
    pandas.DataFrame
        Indexed by score name: ``auc``, ``ci_low``, ``ci_high`` (DeLong), ``diff_vs_baseline``,
        ``p_value_vs_baseline`` (NaN for the baseline), ``brier`` (mean squared error of the
        score as a probability; NaN for scores outside [0, 1]) and ``top_decile_lift`` (lift of
        the riskiest tenth; of the riskiest customer when there are fewer than ten).

    Examples
    --------
    >>> y = [True, True, False, False, False]
    >>> table = compare_scores(y, {"a": [0.9, 0.8, 0.3, 0.2, 0.1], "b": [0.2, 0.9, 0.3, 0.8, 0.1]})
    >>> table["auc"].round(3).tolist()
    [1.0, 0.667]
    """
    if not scores:
        raise ValueError("scores must hold at least one named score")
    names = list(scores)
    baseline = names[0] if baseline is None else baseline
    if baseline not in scores:
        raise ValueError(f"baseline {baseline!r} is not one of the scores {names}")
    rows = {}
    for name in names:
        labels, values = _labels_scores(y_true, scores[name], score_name=f"scores[{name!r}]")
        result = roc_auc(y_true, scores[name], confidence=confidence)
        in_unit = bool(((values >= 0) & (values <= 1)).all())
        row = {
            "auc": result.auc,
            "ci_low": result.ci_low,
            "ci_high": result.ci_high,
            "diff_vs_baseline": np.nan,
            "p_value_vs_baseline": np.nan,
            "brier": float(np.mean((values - labels) ** 2)) if in_unit else np.nan,
            "top_decile_lift": float(
                gains_table(y_true, scores[name], n_bins=min(10, len(values)))["lift"].iloc[0]
            ),
        }
        if name != baseline:
            test = delong_test(y_true, scores[name], scores[baseline], confidence=confidence)
            row["diff_vs_baseline"] = test.difference
            row["p_value_vs_baseline"] = test.p_value
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "score"
    return out


def calibration_table(
    y_true: pd.Series | np.ndarray,
    prob: pd.Series | np.ndarray,
    *,
    n_bins: int = 10,
    strategy: Literal["quantile", "uniform"] = "quantile",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Binned calibration: mean predicted probability vs observed churn rate.

    Parameters
    ----------
    y_true : Series or array of bool
    prob : Series or array of float in [0, 1]
        Predicted churn probabilities.
    n_bins : int
        Number of bins.
    strategy : {"quantile", "uniform"}
        Equal-count bins (by rank, ties split by input order) or equal-width bins on [0, 1]
        (empty bins are left out).
    confidence : float
        Level of the Wilson interval of each observed rate.

    Returns
    -------
    pandas.DataFrame
        One row per bin (``bin`` 1 = lowest probabilities): ``n``, ``prob_low``,
        ``prob_high`` (range of predictions in the bin), ``mean_predicted``,
        ``observed_rate``, ``ci_low``, ``ci_high`` and ``difference``
        (observed - predicted). A well-calibrated model has the observed rates inside their
        intervals around the diagonal.

    Examples
    --------
    >>> t = calibration_table([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2)
    >>> t[["mean_predicted", "observed_rate"]].round(2).values.tolist()
    [[0.15, 0.0], [0.8, 1.0]]
    """
    confidence = _validate.confidence(confidence)
    labels, p = _labels_scores(y_true, prob, score_name="prob")
    raise_for_rows(
        pd.DataFrame({"prob": p}), (p < 0) | (p > 1), column="prob",
        problem="must be probabilities in [0, 1]", name="prob",
    )  # fmt: skip
    n_bins = _check_bins(n_bins, len(p))
    if strategy == "quantile":
        order = np.argsort(p, kind="stable")
        bins = np.empty(len(p), dtype=int)
        for i, part in enumerate(np.array_split(order, n_bins)):
            bins[part] = i
    elif strategy == "uniform":
        bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    else:
        raise ValueError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")
    rows = []
    for b in np.unique(bins):
        mask = bins == b
        k, n = int(labels[mask].sum()), int(mask.sum())
        low, high = wilson_interval(k, n, confidence)
        rows.append(
            {
                "bin": int(b) + 1,
                "n": n,
                "prob_low": float(p[mask].min()),
                "prob_high": float(p[mask].max()),
                "mean_predicted": float(p[mask].mean()),
                "observed_rate": k / n,
                "ci_low": float(low),
                "ci_high": float(high),
                "difference": k / n - float(p[mask].mean()),
            }
        )
    return pd.DataFrame(rows).set_index("bin")


def _check_bins(n_bins: int, n: int) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ValueError(f"n_bins must be a whole number >= 1, got {n_bins!r}")
    if n_bins > n:
        raise ValueError(f"n_bins ({n_bins}) must not exceed the number of customers ({n})")
    return int(n_bins)


def gains_table(
    y_true: pd.Series | np.ndarray,
    score: pd.Series | np.ndarray,
    *,
    n_bins: int = 10,
) -> pd.DataFrame:
    """Lift and cumulative gains by score bin (deciles by default), riskiest first.

    Customers are sorted by descending score (ties keep the input order) and cut into
    ``n_bins`` groups of (almost) equal size.

    Returns
    -------
    pandas.DataFrame
        One row per bin (``bin`` 1 = highest scores): ``n``, ``churners``, ``churn_rate``,
        ``lift`` (bin churn rate / overall rate), ``cum_share_customers``, ``cum_churners``,
        ``cum_gain`` (share of all churners in the bins so far) and ``cum_lift``
        (``cum_gain / cum_share_customers``). A random ordering has lift 1 and
        ``cum_gain = cum_share_customers``.

    Examples
    --------
    >>> t = gains_table([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], list(range(10, 0, -1)), n_bins=5)
    >>> t[["lift", "cum_gain"]].values.tolist()[:2]
    [[5.0, 1.0], [0.0, 1.0]]
    """
    labels, values = _labels_scores(y_true, score)
    n_bins = _check_bins(n_bins, len(values))
    order = np.argsort(-values, kind="stable")
    base = labels.mean()
    rows = []
    seen = churned = 0
    total = int(labels.sum())
    for i, part in enumerate(np.array_split(order, n_bins)):
        k = int(labels[part].sum())
        seen += len(part)
        churned += k
        rows.append(
            {
                "bin": i + 1,
                "n": len(part),
                "churners": k,
                "churn_rate": k / len(part),
                "lift": k / len(part) / base,
                "cum_share_customers": seen / len(values),
                "cum_churners": churned,
                "cum_gain": churned / total,
                "cum_lift": (churned / total) / (seen / len(values)),
            }
        )
    return pd.DataFrame(rows).set_index("bin")
