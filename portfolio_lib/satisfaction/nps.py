"""Net Promoter Score with standard errors, intervals, tests and trends.

NPS = %promoters (9–10) − %detractors (0–6) on the 0–10 "how likely are you to
recommend us" question, in points from −100 to 100. A single NPS number hides
its sampling error: with 300 answers the 95% interval is about ±8–10 points,
so most wave-to-wave "movements" on a dashboard are noise. This module gives the
number together with its standard error, an interval, a test for a change, and
the smallest change a survey of that size could detect.

Standard error (Wald), with promoter share p and detractor share d among n answers:
``SE = 100 · sqrt((p + d − (p − d)²) / n)`` — the trinomial variance of the score
``+1 / 0 / −1`` per respondent. The adjusted-Wald interval (Sauro & Lewis) adds
0.75 promoters, 0.75 detractors and 1.5 passives (n + 3) before applying the
same formula, which behaves better for small samples and extreme scores.

The default interval is the adjusted Wald one. The plain Wald interval collapses to a
single point whenever a group is unanimous (three promoters: NPS 100, interval
[100, 100]) and covers the true NPS far less often than its nominal level in groups of a
few dozen; Rocks (2016) compared interval methods for the NPS and found variations on
the adjusted Wald among the best performers, and it keeps close to nominal coverage down
to about ten respondents (see ``tests/test_satisfaction_nps_defaults.py``). Pass
``method="wald"`` for the textbook interval.

References
----------
Rocks, B. (2016). Interval estimation for the "net promoter score". *The American
Statistician* 70(4), 365–372. doi:10.1080/00031305.2016.1158124
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from portfolio_lib._errors import DataValidationError
from portfolio_lib._results import ResultSummary, SettingsResult, percent
from portfolio_lib.satisfaction._validation import (
    MissingPolicy,
    check_confidence,
    integer_scores,
    scores_with_groups,
    table_by_group,
)

NPSMethod = Literal["wald", "adjusted_wald"]

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
_METHODS = ("wald", "adjusted_wald")
# Share of answers at 1 (with no 0) above which the scores look like a 1–10 scale.
ONE_TO_TEN_FLOOR_SHARE = 0.03
# Adjusted-Wald pseudo-counts (Sauro & Lewis): promoters, passives, detractors.
_ADJUSTMENT = (0.75, 1.5, 0.75)
#: Interval method used when none is given: keeps its coverage for small groups (Rocks 2016).
DEFAULT_METHOD: NPSMethod = "adjusted_wald"

__all__ = [
    "NPSResult",
    "NPSDifference",
    "NPSScaleWarning",
    "NPSTable",
    "NPSTrend",
    "nps",
    "nps_from_counts",
    "nps_difference",
    "nps_by",
    "nps_trend",
]


class NPSScaleWarning(UserWarning):
    """The scores look as if they came from a scale other than 0–10."""


@dataclass(frozen=True)
class NPSResult:
    """Net Promoter Score of one group of respondents.

    Attributes
    ----------
    nps : float
        Observed NPS in points (−100…100): 100 · (promoters − detractors) / n.
    n : int
        Number of valid responses.
    promoters, passives, detractors : int
        Counts of scores 9–10, 7–8 and 0–6.
    se : float
        Standard error in points (of the adjusted estimate for ``adjusted_wald``).
    ci_low, ci_high : float
        Confidence interval in points, clipped to [−100, 100].
    center : float
        Centre of the interval: equals ``nps`` for Wald; the adjusted estimate
        100 · (P − D) / (n + 3) for adjusted Wald (report ``nps``, quote the interval).
    method : str
        ``"wald"`` or ``"adjusted_wald"``.
    confidence : float
        Confidence level of the interval.
    n_missing : int
        Missing answers removed under ``missing="drop"`` (0 otherwise).
    """

    nps: float
    n: int
    promoters: int
    passives: int
    detractors: int
    se: float
    ci_low: float
    ci_high: float
    center: float
    method: str
    confidence: float
    n_missing: int = 0

    @property
    def promoter_share(self) -> float:
        """Share of promoters (0–1)."""
        return self.promoters / self.n

    @property
    def passive_share(self) -> float:
        """Share of passives (0–1)."""
        return self.passives / self.n

    @property
    def detractor_share(self) -> float:
        """Share of detractors (0–1)."""
        return self.detractors / self.n

    @property
    def margin_of_error(self) -> float:
        """Half-width of the interval in points (before clipping)."""
        return stats.norm.ppf(0.5 + self.confidence / 2) * self.se

    def summary(self) -> pd.DataFrame:
        """One-row table of the result, shares in percent."""
        return pd.DataFrame(
            {
                "n": [self.n],
                "promoters_pct": [100 * self.promoter_share],
                "passives_pct": [100 * self.passive_share],
                "detractors_pct": [100 * self.detractor_share],
                "nps": [self.nps],
                "se": [self.se],
                "ci_low": [self.ci_low],
                "ci_high": [self.ci_high],
                "method": [self.method],
                "confidence": [self.confidence],
            }
        )


@dataclass(frozen=True)
class NPSDifference:
    """Difference between two independent NPS values, ``a − b``, with a z-test.

    Attributes
    ----------
    difference : float
        ``a.nps − b.nps`` in points.
    se : float
        Standard error of the difference, sqrt(se_a² + se_b²) (independent samples).
    ci_low, ci_high : float
        Interval for the difference (centred on ``a.center − b.center``), clipped to [−200, 200].
    z : float
        Test statistic (center difference / se) for H0: equal NPS.
    p_value : float
        Two-sided p-value of the z-test.
    min_detectable_difference : float
        Smallest true difference (points) these sample sizes detect with 80% power
        at the same two-sided level: (z₁₋α/₂ + z₀.₈) · se.
    a, b : NPSResult
        The two groups.
    confidence : float
    method : str
    """

    difference: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    min_detectable_difference: float
    a: NPSResult
    b: NPSResult
    confidence: float
    method: str

    @property
    def significant(self) -> bool:
        """True if the interval excludes 0 (p < 1 − confidence)."""
        return bool(self.p_value < 1 - self.confidence)

    def summary(self) -> str:
        """A sentence a manager can read: is the change real?"""
        level = round(100 * self.confidence)
        verdict = (
            f"unlikely to be sampling noise alone (p = {self.p_value:.3g})"
            if self.significant
            else f"within what sampling noise produces (p = {self.p_value:.3g}); "
            f"with these sample sizes only changes of about "
            f"{self.min_detectable_difference:.1f} points or more are reliably detected"
        )
        return (
            f"NPS {self.a.nps:.1f} (n = {self.a.n}) vs {self.b.nps:.1f} (n = {self.b.n}): "
            f"difference {self.difference:+.1f} points, {level}% CI "
            f"{self.ci_low:+.1f} to {self.ci_high:+.1f}; the change is {verdict}."
        )


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _check_method(method: str) -> None:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}, got {method!r}")


def nps_from_counts(
    promoters: int,
    passives: int,
    detractors: int,
    *,
    method: NPSMethod = DEFAULT_METHOD,
    confidence: float = 0.95,
    n_missing: int = 0,
) -> NPSResult:
    """NPS, standard error and interval from the three counts.

    Parameters
    ----------
    promoters, passives, detractors : int
        Numbers of respondents scoring 9–10, 7–8 and 0–6.
    method : {"adjusted_wald", "wald"}
        Interval method. The default, adjusted Wald, adds 0.75/1.5/0.75 pseudo-respondents
        and keeps close to its nominal coverage in small groups, where the Wald interval
        is too narrow or, for a unanimous group, of zero width (Rocks 2016; module
        docstring).
    confidence : float
        Confidence level, e.g. 0.95.
    n_missing : int
        Recorded in the result (for callers that dropped missing answers).

    Returns
    -------
    NPSResult

    Examples
    --------
    >>> r = nps_from_counts(162, 108, 54, method="wald")
    >>> round(r.nps, 2), round(r.se, 3), round(r.ci_low, 2), round(r.ci_high, 2)
    (33.33, 4.141, 25.22, 41.45)
    >>> r = nps_from_counts(3, 0, 0)  # adjusted Wald: no zero-width interval for 3 promoters
    >>> r.nps, round(r.ci_low, 1), r.ci_high
    (100.0, -6.6, 100.0)
    """
    _check_method(method)
    confidence = check_confidence(confidence)
    counts = [promoters, passives, detractors]
    for label, count in zip(("promoters", "passives", "detractors"), counts, strict=True):
        if isinstance(count, bool) or not float(count).is_integer() or count < 0:
            raise ValueError(f"{label} must be a non-negative whole number, got {count!r}")
    promoters, passives, detractors = (int(c) for c in counts)
    n = promoters + passives + detractors
    if n == 0:
        raise DataValidationError("nps: no responses (promoters + passives + detractors = 0)")
    observed = 100.0 * (promoters - detractors) / n
    add_p, add_pa, add_d = _ADJUSTMENT if method == "adjusted_wald" else (0.0, 0.0, 0.0)
    n_eff = n + add_p + add_pa + add_d
    p = (promoters + add_p) / n_eff
    d = (detractors + add_d) / n_eff
    center = 100.0 * (p - d)
    se = 100.0 * float(np.sqrt(max(p + d - (p - d) ** 2, 0.0) / n_eff))
    half = _z(confidence) * se
    return NPSResult(
        nps=observed,
        n=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        se=se,
        ci_low=max(center - half, -100.0),
        ci_high=min(center + half, 100.0),
        center=center,
        method=method,
        confidence=confidence,
        n_missing=int(n_missing),
    )


_SCALE_HINT = (
    "NPS needs the 0–10 'likelihood to recommend' scale. Values up to 11 with no 0 usually "
    "mean 0–10 answers exported as choice codes 1–11 (subtract 1 after checking the "
    "questionnaire); other values mean a different question or scale"
)


def _looks_like_one_to_ten(valid: pd.Series) -> bool:
    n = len(valid)
    return bool(
        n >= 100
        and not (valid == 0).any()
        and (valid == 10).any()
        and (valid == 1).sum() >= ONE_TO_TEN_FLOOR_SHARE * n
    )


def nps(
    scores: object,
    *,
    method: NPSMethod = DEFAULT_METHOD,
    confidence: float = 0.95,
    missing: MissingPolicy = "raise",
    check_scale: bool = True,
) -> NPSResult:
    """Net Promoter Score of 0–10 ratings, with standard error and interval.

    Parameters
    ----------
    scores : Series, list or array of int
        Answers to the 0–10 recommend question. Whole numbers 0–10 only:
        strings, fractional values (7.5) and values outside 0–10 raise
        :class:`~portfolio_lib.DataValidationError` naming the values.
    method : {"adjusted_wald", "wald"}
        Interval method. The default, adjusted Wald, keeps close to its nominal coverage
        in small groups; Wald gives ``nps([9, 10, 10])`` the interval [100, 100]
        (Rocks 2016; see the module docstring).
    confidence : float
        Confidence level of the interval.
    missing : {"raise", "drop"}
        Missing answers (NaN) raise by default; ``"drop"`` removes them and
        records how many in ``n_missing``.
    check_scale : bool
        Warn (:class:`NPSScaleWarning`) when 100 or more answers use both ends
        of a 1–10 scale — at least 3% answer 1 and some answer 10 — yet nobody
        answers 0. Unhappy respondents pile up at the bottom of a scale, so a
        well-used 1 with an empty 0 is the fingerprint of a 1–10 question, on
        which the standard cut-offs misclassify respondents. A heuristic, hence
        a warning and not an error.

    Returns
    -------
    NPSResult

    Examples
    --------
    >>> r = nps([10, 9, 8, 7, 6, 0, 10])
    >>> r.promoters, r.passives, r.detractors, round(r.nps, 1)
    (3, 2, 2, 14.3)
    """
    _check_method(method)
    valid, n_missing = integer_scores(
        scores, column="nps", low=0, high=10, name="nps", missing=missing, scale_hint=_SCALE_HINT
    )
    if len(valid) == 0:
        raise DataValidationError(f"nps: no valid responses ({n_missing} missing)")
    if check_scale and _looks_like_one_to_ten(valid):
        warnings.warn(
            f"{len(valid)} NPS answers: {int((valid == 1).sum())} say 1 and none say 0 — check "
            "that the question used the 0–10 scale. On a 1–10 scale the 0–6 detractor cut-off "
            "is wrong (pass check_scale=False if the data are known to be 0–10).",
            NPSScaleWarning,
            stacklevel=2,
        )
    promoters = int((valid >= PROMOTER_MIN).sum())
    detractors = int((valid <= DETRACTOR_MAX).sum())
    passives = len(valid) - promoters - detractors
    return nps_from_counts(
        promoters,
        passives,
        detractors,
        method=method,
        confidence=confidence,
        n_missing=n_missing,
    )


def nps_difference(
    a: object,
    b: object,
    *,
    method: NPSMethod = DEFAULT_METHOD,
    confidence: float = 0.95,
    missing: MissingPolicy = "raise",
    check_scale: bool = True,
) -> NPSDifference:
    """Is NPS(a) different from NPS(b)? Difference, interval and z-test.

    For two **independent** samples (different respondents, e.g. two branches
    or two survey waves drawn afresh) the variance of the difference is the sum
    of the two variances. The test is a z-test: z = (NPS_a − NPS_b) / SE_diff,
    two-sided p-value from the standard normal. If the same customers answer
    both waves the samples are not independent (paired); this test is then
    conservative or anti-conservative depending on the correlation.

    Parameters
    ----------
    a, b : scores (array-like of 0–10 ints) or NPSResult
        The two groups; pass e.g. this wave as ``a`` and last wave as ``b``
        to read the difference as "change since last wave".
    method : {"adjusted_wald", "wald"}
        Interval method for each group (ignored for NPSResult inputs, which keep theirs);
        default adjusted Wald, as in :func:`nps`.
    confidence : float
        Confidence level of the interval and the test's level for ``significant``.
    missing : {"raise", "drop"}
        Missing-value policy for score inputs.
    check_scale : bool
        Passed to :func:`nps` for score inputs.

    Returns
    -------
    NPSDifference

    Examples
    --------
    >>> d = nps_difference([10] * 60 + [0] * 40, [10] * 50 + [0] * 50)
    >>> round(d.difference, 1), d.significant
    (20.0, False)
    """
    _check_method(method)
    confidence = check_confidence(confidence)
    results = [
        x
        if isinstance(x, NPSResult)
        else nps(x, method=method, confidence=confidence, missing=missing, check_scale=check_scale)
        for x in (a, b)
    ]
    res_a, res_b = results
    return _difference(res_a, res_b, confidence=confidence, method=method)


def _difference(
    res_a: NPSResult, res_b: NPSResult, *, confidence: float, method: str
) -> NPSDifference:
    se = float(np.hypot(res_a.se, res_b.se))
    center = res_a.center - res_b.center
    z_crit = _z(confidence)
    if se > 0:
        z = center / se
        p_value = float(2 * stats.norm.sf(abs(z)))
    else:
        z = 0.0 if center == 0 else float(np.sign(center) * np.inf)
        p_value = 1.0 if center == 0 else 0.0
    return NPSDifference(
        difference=res_a.nps - res_b.nps,
        se=se,
        ci_low=max(center - z_crit * se, -200.0),
        ci_high=min(center + z_crit * se, 200.0),
        z=float(z),
        p_value=p_value,
        min_detectable_difference=float((z_crit + stats.norm.ppf(0.8)) * se),
        a=res_a,
        b=res_b,
        confidence=confidence,
        method=method,
    )


def _table_row(result: NPSResult) -> dict[str, float]:
    return {
        "n": result.n,
        "promoters": result.promoters,
        "passives": result.passives,
        "detractors": result.detractors,
        "promoters_pct": 100 * result.promoter_share,
        "detractors_pct": 100 * result.detractor_share,
        "nps": result.nps,
        "se": result.se,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
    }


def _interval_text(method: str, confidence: float) -> str:
    name = {"wald": "Wald", "adjusted_wald": "adjusted Wald"}.get(method, method)
    return f"{percent(confidence)} {name}"


def _respondents(table: pd.DataFrame) -> str:
    return f"{int(table['n'].sum()):,}" if "n" in table else "0"


@dataclass(frozen=True, repr=False, eq=False)
class NPSTable(SettingsResult):
    """NPS with its interval per group (what :func:`nps_by` returns).

    ``result["nps"]`` and ``len(result)`` reach the table directly; ``result.summary()``
    gives the groups, the respondents and the interval.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by group: ``n``, ``promoters``, ``passives``, ``detractors`` (answers),
        ``promoters_pct``, ``detractors_pct`` (%), ``nps``, ``se``, ``ci_low``, ``ci_high``
        (points, -100 to 100).
    groups : tuple of str
        The grouping column(s).
    method : {"wald", "adjusted_wald"}
        Interval method (the adjusted-Wald interval is centred on the adjusted NPS).
    confidence : float
        Level of the intervals (0.95 = 95 %).

    Examples
    --------
    >>> table = pd.DataFrame({"n": [40, 60], "nps": [10.0, -5.0]},
    ...                      index=pd.Index(["a", "b"], name="stage"))
    >>> result = NPSTable(table, ("stage",), "adjusted_wald", 0.95)
    >>> result
    NPSTable(2 groups, groups=('stage',), method='adjusted_wald', confidence=0.95)
    >>> print(result.summary())  # doctest: +NORMALIZE_WHITESPACE
    NPS by stage
    ------------
    groups       2
    respondents  100
    intervals    95% adjusted Wald
    """

    table: pd.DataFrame
    groups: tuple[str, ...]
    method: str
    confidence: float
    _row_name = "groups"

    def summary(self) -> ResultSummary:
        """Groups, respondents and the interval method and level."""
        rows = (
            ("groups", f"{len(self.table):,}"),
            ("respondents", _respondents(self.table)),
            ("intervals", _interval_text(self.method, self.confidence)),
        )
        return ResultSummary(f"NPS by {' x '.join(self.groups)}", rows)


@dataclass(frozen=True, repr=False, eq=False)
class NPSTrend(SettingsResult):
    """NPS per wave and the change from the previous wave (what :func:`nps_trend` returns).

    ``result["change"]`` and ``len(result)`` reach the table directly; ``result.summary()``
    gives the waves, the changes beyond noise and the interval.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by period: the :class:`NPSTable` columns plus ``change``,
        ``change_ci_low``, ``change_ci_high`` (points), ``z``, ``p_value``,
        ``p_value_holm``, ``significant`` (Holm), ``min_detectable_change`` (points, 80 %
        power) and, with a respondent id, ``n_repeat``.
    period : str
        The column holding the wave/period label.
    method : {"wald", "adjusted_wald"}
        Interval method.
    confidence : float
        Level of the intervals and of the tests (0.95: significant at 5 %).

    Examples
    --------
    >>> table = pd.DataFrame({"n": [40, 60], "nps": [10.0, -5.0],
    ...                       "significant": [False, True]},
    ...                      index=pd.Index([1, 2], name="wave"))
    >>> result = NPSTrend(table, "wave", "wald", 0.9)
    >>> result
    NPSTrend(2 periods, period='wave', method='wald', confidence=0.9)
    >>> print(result.summary())  # doctest: +NORMALIZE_WHITESPACE
    NPS per wave
    ------------
    periods                  2
    respondents              100
    changes beyond noise     1 (Holm-adjusted, 10% level)
    intervals                90% Wald
    """

    table: pd.DataFrame
    period: str
    method: str
    confidence: float
    _row_name = "periods"

    def summary(self) -> ResultSummary:
        """Periods, respondents, significant changes and the interval method and level."""
        flags = self.table.get("significant", pd.Series(dtype=bool))
        rows = (
            ("periods", f"{len(self.table):,}"),
            ("respondents", _respondents(self.table)),
            ("changes beyond noise",
             f"{int(flags.sum()):,} (Holm-adjusted, {percent(1 - self.confidence)} level)"),
            ("intervals", _interval_text(self.method, self.confidence)),
        )  # fmt: skip
        return ResultSummary(f"NPS per {self.period}", rows)


def nps_by(
    df: pd.DataFrame,
    group: str | Sequence[str],
    *,
    score: str = "nps",
    method: NPSMethod = DEFAULT_METHOD,
    confidence: float = 0.95,
    missing: MissingPolicy = "raise",
) -> NPSTable:
    """NPS with interval for each group (branch, stage, region, ...).

    Parameters
    ----------
    df : DataFrame
        One row per response.
    group : str or list of str
        Grouping column(s); missing labels raise.
    score : str
        Column with the 0–10 answers.
    method, confidence, missing
        As in :func:`nps`.

    Returns
    -------
    NPSTable
        ``table`` indexed by group: n, promoters, passives, detractors, promoters_pct,
        detractors_pct, nps, se, ci_low, ci_high (points). Categorical groups keep
        unobserved levels out (they have no NPS). The result's ``method`` and
        ``confidence`` name the interval (figures use them; the table's ``attrs`` still
        hold them, for code written when the function returned the table).

    Examples
    --------
    >>> df = pd.DataFrame({"stage": ["a", "a", "b", "b"], "nps": [10, 3, 9, 9]})
    >>> nps_by(df, "stage")["nps"].tolist()
    [0.0, 100.0]
    """
    frame, keys = scores_with_groups(
        df,
        score,
        group,
        low=0,
        high=10,
        name="responses",
        missing=missing,
        scale_hint=_SCALE_HINT,
    )
    table = table_by_group(
        frame,
        keys,
        lambda part: _table_row(
            nps(part[score], method=method, confidence=confidence, check_scale=False)
        ),
    )
    # kept for code written when the table was the result
    table.attrs.update(method=method, confidence=confidence)
    groups = (group,) if isinstance(group, str) else tuple(group)
    return NPSTable(table, groups, method, confidence)


def nps_trend(
    responses: pd.DataFrame,
    period: str = "wave",
    *,
    score: str = "nps",
    customer: str | None = "customer_id",
    method: NPSMethod = DEFAULT_METHOD,
    confidence: float = 0.95,
    missing: MissingPolicy = "raise",
) -> NPSTrend:
    """NPS per survey wave (or any ordered period) and the change from the previous one.

    Each change is tested with the independent-samples z-test of
    :func:`nps_difference`. Because a tracker runs many such tests, the
    Holm-adjusted p-value (family = all wave-to-wave changes shown) is given too:
    base "is this wave's change real?" on ``significant`` (Holm) rather than the
    raw p-value when scanning a long series.

    Parameters
    ----------
    responses : DataFrame
        One row per response.
    period : str
        Column holding the wave/period label; sorted in its natural order. To
        use calendar periods, add one first, e.g.
        ``responses.assign(quarter=responses["date"].dt.to_period("Q"))``.
    score : str
        Column with the 0–10 answers.
    customer : str or None
        Respondent id column; if present, ``n_repeat`` counts respondents also
        in the previous period (a large share means the samples are not
        independent and the test is approximate). ``None`` skips it.
    method, confidence, missing
        As in :func:`nps`.

    Returns
    -------
    NPSTrend
        ``table`` indexed by period: the :func:`nps_by` columns plus ``change``,
        ``change_ci_low``, ``change_ci_high`` (points), ``z``, ``p_value``,
        ``p_value_holm``, ``significant`` (Holm), ``min_detectable_change``
        (points, 80% power) and, with ``customer``, ``n_repeat``; ``method`` and
        ``confidence`` as in :func:`nps_by`.

    Examples
    --------
    >>> df = pd.DataFrame({"wave": [1] * 4 + [2] * 4, "nps": [10, 9, 3, 8, 10, 10, 9, 2]})
    >>> nps_trend(df, customer=None)["change"].round(1).tolist()
    [nan, 25.0]
    """
    confidence = check_confidence(confidence)
    by_period = nps_by(
        responses, period, score=score, method=method, confidence=confidence, missing=missing
    )
    table = by_period.table
    columns = ["change", "change_ci_low", "change_ci_high", "z", "p_value", "min_detectable_change"]
    extra = pd.DataFrame(np.nan, index=table.index, columns=columns)
    for i in range(1, len(table)):
        current, previous = (
            _result_from_row(table.iloc[j], method, confidence) for j in (i, i - 1)
        )
        diff = _difference(current, previous, confidence=confidence, method=method)
        extra.iloc[i] = [
            diff.difference,
            diff.ci_low,
            diff.ci_high,
            diff.z,
            diff.p_value,
            diff.min_detectable_difference,
        ]
    has_test = extra["p_value"].notna()
    extra["p_value_holm"] = np.nan
    if has_test.any():
        extra.loc[has_test, "p_value_holm"] = multipletests(
            extra.loc[has_test, "p_value"], method="holm"
        )[1]
    extra["significant"] = (extra["p_value_holm"] < 1 - confidence) & has_test
    table = table.join(extra)
    if customer is not None and customer in responses.columns:
        members = responses.groupby(period, sort=True)[customer].agg(lambda s: set(s.dropna()))
        members = members.reindex(table.index)
        repeat = [np.nan] + [
            float(len(members.iloc[i] & members.iloc[i - 1])) for i in range(1, len(members))
        ]
        table["n_repeat"] = repeat
    table.attrs = dict(by_period.table.attrs)  # kept for code written when the table was the result
    return NPSTrend(table, period, method, confidence)


def _result_from_row(row: pd.Series, method: str, confidence: float) -> NPSResult:
    return nps_from_counts(
        int(row["promoters"]),
        int(row["passives"]),
        int(row["detractors"]),
        method=method,  # type: ignore[arg-type]
        confidence=confidence,
    )
