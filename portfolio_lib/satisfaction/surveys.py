"""Periodic surveys: CSAT (top-box share with a Wilson interval) and Likert summaries.

CSAT is reported here as the *top-2-box* share: the proportion of respondents
choosing one of the two most favourable answers (4 or 5 on a 1–5 scale). It is a
proportion, so its interval is the Wilson score interval, which stays inside
[0, 1] and behaves well for small groups and shares near 0 or 1.

Likert summaries keep every level of the scale, including levels nobody chose,
so that tables and the diverging stacked chart line up across items and waves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, require_columns
from portfolio_lib._intervals import wilson_interval
from portfolio_lib._results import ResultSummary, SettingsResult, percent
from portfolio_lib.satisfaction._validation import (
    MissingPolicy,
    check_confidence,
    integer_scores,
    scores_with_groups,
    table_by_group,
)

RATING_COLUMNS = (
    "rating_product_quality",
    "rating_price_value",
    "rating_delivery",
    "rating_staff",
    "rating_website",
)

__all__ = [
    "RATING_COLUMNS",
    "CSATResult",
    "CSATTable",
    "LikertSummary",
    "csat",
    "csat_by",
    "likert_summary",
]


@dataclass(frozen=True)
class CSATResult:
    """Top-box customer satisfaction share.

    Attributes
    ----------
    share : float
        Proportion (0–1) of answers in the top ``top_box`` levels.
    n : int
        Valid answers.
    satisfied : int
        Answers in the top box.
    ci_low, ci_high : float
        Wilson interval for ``share`` (0–1).
    mean : float
        Mean rating (scale points), for reference.
    scale : tuple of int
        (lowest, highest) level.
    top_box : int
        How many top levels count as satisfied.
    confidence : float
    n_missing : int
        Missing answers removed under ``missing="drop"``.
    """

    share: float
    n: int
    satisfied: int
    ci_low: float
    ci_high: float
    mean: float
    scale: tuple[int, int]
    top_box: int
    confidence: float
    n_missing: int = 0

    def summary(self) -> pd.DataFrame:
        """One-row table, shares in percent."""
        return pd.DataFrame(
            {
                "n": [self.n],
                "satisfied": [self.satisfied],
                "csat_pct": [100 * self.share],
                "ci_low_pct": [100 * self.ci_low],
                "ci_high_pct": [100 * self.ci_high],
                "mean": [self.mean],
            }
        )


def _check_scale(scale: tuple[int, int], top_box: int | None = None) -> tuple[int, int]:
    low, high = (int(v) for v in scale)
    if high <= low:
        raise ValueError(f"scale must be (lowest, highest) with lowest < highest, got {scale!r}")
    if top_box is not None and not 1 <= top_box < high - low + 1:
        raise ValueError(f"top_box must be between 1 and {high - low}, got {top_box!r}")
    return low, high


def csat(
    scores: object,
    *,
    scale: tuple[int, int] = (1, 5),
    top_box: int = 2,
    confidence: float = 0.95,
    missing: MissingPolicy = "raise",
) -> CSATResult:
    """Top-box CSAT share with a Wilson interval.

    Parameters
    ----------
    scores : Series, list or array of int
        Ratings on ``scale`` (whole numbers; anything else raises
        :class:`~portfolio_lib.DataValidationError` naming the values).
    scale : (int, int)
        Lowest and highest level, default 1–5.
    top_box : int
        Number of top levels counted as satisfied (2 → 4 and 5 on 1–5).
    confidence : float
        Confidence level of the Wilson interval.
    missing : {"raise", "drop"}
        Missing-value policy.

    Returns
    -------
    CSATResult

    Examples
    --------
    >>> r = csat([5, 4, 4, 3, 1])
    >>> r.satisfied, r.n, r.share
    (3, 5, 0.6)
    """
    low, high = _check_scale(scale, top_box)
    confidence = check_confidence(confidence)
    valid, n_missing = integer_scores(
        scores, column="csat", low=low, high=high, name="csat", missing=missing
    )
    n = len(valid)
    if n == 0:
        raise DataValidationError(f"csat: no valid responses ({n_missing} missing)")
    satisfied = int((valid > high - top_box).sum())
    ci_low, ci_high = wilson_interval(satisfied, n, confidence)
    return CSATResult(
        share=satisfied / n,
        n=n,
        satisfied=satisfied,
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        mean=float(valid.mean()),
        scale=(low, high),
        top_box=top_box,
        confidence=confidence,
        n_missing=n_missing,
    )


@dataclass(frozen=True, repr=False, eq=False)
class CSATTable(SettingsResult):
    """Top-box CSAT with its Wilson interval per group (what :func:`csat_by` returns).

    ``result["share"]`` and ``len(result)`` reach the table directly; ``result.summary()``
    gives the groups, the respondents, what counts as satisfied and the interval.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by group: ``n``, ``satisfied`` (answers), ``share``, ``ci_low``,
        ``ci_high`` (proportions, 0-1) and ``mean`` (scale points).
    groups : tuple of str
        The grouping column(s).
    scale : tuple of int
        Lowest and highest level of the rating scale.
    top_box : int
        Number of top levels counted as satisfied.
    confidence : float
        Level of the Wilson intervals (0.95 = 95 %).

    Examples
    --------
    >>> table = pd.DataFrame({"n": [20, 30], "share": [0.5, 0.7]}, index=["a", "b"])
    >>> result = CSATTable(table, ("wave",), (1, 5), 2, 0.95)
    >>> result
    CSATTable(2 groups, groups=('wave',), scale=(1, 5), top_box=2, confidence=0.95)
    >>> print(result.summary())  # doctest: +NORMALIZE_WHITESPACE
    CSAT by wave
    ------------
    groups       2
    respondents  50
    satisfied    4-5 on the 1-5 scale (top 2 boxes)
    intervals    95% Wilson
    """

    table: pd.DataFrame
    groups: tuple[str, ...]
    scale: tuple[int, int]
    top_box: int
    confidence: float
    _row_name = "groups"

    def summary(self) -> ResultSummary:
        """Groups, respondents, the satisfied levels and the interval level."""
        low, high = self.scale
        rows = (
            ("groups", f"{len(self.table):,}"),
            ("respondents", f"{int(self.table['n'].sum()):,}" if "n" in self.table else "0"),
            ("satisfied", f"{high - self.top_box + 1}-{high} on the {low}-{high} scale "
                          f"(top {self.top_box} boxes)"),
            ("intervals", f"{percent(self.confidence)} Wilson"),
        )  # fmt: skip
        return ResultSummary(f"CSAT by {' x '.join(self.groups)}", rows)


def csat_by(
    df: pd.DataFrame,
    group: str | Sequence[str],
    *,
    score: str = "csat",
    scale: tuple[int, int] = (1, 5),
    top_box: int = 2,
    confidence: float = 0.95,
    missing: MissingPolicy = "raise",
) -> CSATTable:
    """Top-box CSAT with Wilson interval per group.

    Parameters
    ----------
    df : DataFrame
        One row per response.
    group : str or list of str
        Grouping column(s).
    score : str
        Rating column.
    scale, top_box, confidence, missing
        As in :func:`csat`.

    Returns
    -------
    CSATTable
        ``table`` indexed by group: n, satisfied, share, ci_low, ci_high (0–1), mean; the
        scale, top box and ``confidence`` beside it (the table's ``attrs`` still hold
        ``method`` ("wilson") and ``confidence``, for code written when the function
        returned the table).

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a", "a", "b"], "csat": [5, 2, 4]})
    >>> csat_by(df, "g")["share"].tolist()
    [0.5, 1.0]
    """
    _check_scale(scale, top_box)
    frame, keys = scores_with_groups(
        df, score, group, low=scale[0], high=scale[1], name="responses", missing=missing
    )

    def row(part: pd.DataFrame) -> dict[str, float]:
        r = csat(part[score], scale=scale, top_box=top_box, confidence=confidence)
        return {
            "n": r.n,
            "satisfied": r.satisfied,
            "share": r.share,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "mean": r.mean,
        }

    table = table_by_group(frame, keys, row)
    # kept for code written when the table was the result
    table.attrs.update(method="wilson", confidence=confidence)
    groups = (group,) if isinstance(group, str) else tuple(group)
    return CSATTable(table, groups, (int(scale[0]), int(scale[1])), int(top_box), confidence)


@dataclass(frozen=True, eq=False)
class LikertSummary:
    """Distribution of Likert items over *all* scale levels.

    Attributes
    ----------
    counts : DataFrame
        Items × levels, number of answers (0 for unused levels).
    shares : DataFrame
        Items × levels, proportions (rows sum to 1).
    levels : tuple of int
        The scale levels, low to high.
    labels : tuple of str
        Display labels for the levels.
    neutral : int or None
        The middle level for odd-length scales, None for even ones.
    n : Series
        Valid answers per item.
    n_missing : Series
        Missing answers removed per item (``missing="drop"``).
    top_box : int
        Levels counted as favourable in :meth:`summary`.
    """

    counts: pd.DataFrame
    shares: pd.DataFrame
    levels: tuple[int, ...]
    labels: tuple[str, ...]
    neutral: int | None
    n: pd.Series
    n_missing: pd.Series
    top_box: int

    def summary(self) -> pd.DataFrame:
        """Per item: n, mean, median, top-box and bottom-box shares (0–1)."""
        levels = np.array(self.levels, dtype=float)
        counts = self.counts.to_numpy(dtype=float)
        n = counts.sum(axis=1)
        mean = counts @ levels / n
        cumulative = counts.cumsum(axis=1) / n[:, None]
        median = levels[(cumulative >= 0.5).argmax(axis=1)]
        k = self.top_box
        return pd.DataFrame(
            {
                "n": self.n,
                "n_missing": self.n_missing,
                "mean": mean,
                "median": median,
                "top_box_share": self.shares.iloc[:, -k:].sum(axis=1),
                "bottom_box_share": self.shares.iloc[:, :k].sum(axis=1),
            },
            index=self.counts.index,
        )


def likert_summary(
    df: pd.DataFrame,
    items: Sequence[str] = RATING_COLUMNS,
    *,
    levels: Sequence[int] = (1, 2, 3, 4, 5),
    labels: Sequence[str] | None = None,
    top_box: int = 2,
    missing: MissingPolicy = "raise",
) -> LikertSummary:
    """Count and share of each scale level per item, unused levels kept.

    Parameters
    ----------
    df : DataFrame
        One row per respondent.
    items : sequence of str
        Likert columns (defaults: the five ``rating_*`` driver ratings).
    levels : sequence of int
        Consecutive scale levels, low to high.
    labels : sequence of str, optional
        Display labels (default: the level numbers as text).
    top_box : int
        Levels counted as favourable / unfavourable in :meth:`LikertSummary.summary`.
    missing : {"raise", "drop"}
        ``"drop"`` drops missing answers item by item and reports them in ``n_missing``.

    Returns
    -------
    LikertSummary

    Examples
    --------
    >>> s = likert_summary(pd.DataFrame({"q": [1, 2, 2, 5]}), ["q"])
    >>> s.counts.loc["q"].tolist()
    [1, 2, 0, 0, 1]
    """
    items = list(items)
    if not items:
        raise ValueError("items must name at least one column")
    require_columns(df, items, name="responses")
    levels = tuple(int(v) for v in levels)
    if len(levels) < 2 or any(b - a != 1 for a, b in zip(levels, levels[1:], strict=False)):
        raise ValueError(f"levels must be consecutive integers, low to high; got {levels!r}")
    labels = tuple(str(v) for v in levels) if labels is None else tuple(labels)
    if len(labels) != len(levels):
        raise ValueError(f"labels has {len(labels)} entries for {len(levels)} levels")
    _check_scale((levels[0], levels[-1]), top_box)
    counts, missing_counts = {}, {}
    for item in items:
        valid, n_missing = integer_scores(
            df[item],
            column=item,
            low=levels[0],
            high=levels[-1],
            name="responses",
            missing=missing,
        )
        counts[item] = valid.value_counts().reindex(levels, fill_value=0)
        missing_counts[item] = n_missing
    count_table = pd.DataFrame(counts).T.astype("int64")
    count_table.columns = pd.Index(levels, name="level")
    count_table.index.name = "item"
    n = count_table.sum(axis=1)
    if (n == 0).any():
        empty = list(n.index[n == 0])
        raise DataValidationError(f"responses: item(s) {empty} have no valid answers")
    shares = count_table.div(n, axis=0)
    neutral = levels[len(levels) // 2] if len(levels) % 2 == 1 else None
    return LikertSummary(
        counts=count_table,
        shares=shares,
        levels=levels,
        labels=labels,
        neutral=neutral,
        n=n.rename("n"),
        n_missing=pd.Series(missing_counts, name="n_missing"),
        top_box=top_box,
    )
