"""Scale reliability: Cronbach's alpha with Feldt's interval and item diagnostics.

``alpha = k/(k−1) · (1 − Σ var(item) / var(total))`` with sample variances
(ddof = 1), k items and respondents in rows. Feldt's interval uses
``(1 − alpha) / (1 − ρ) ~ F(n − 1, (n − 1)(k − 1))``.

Alpha assumes every item is scored in the same direction. A reverse-worded
item ("I would not buy here again") left unreversed lowers alpha and shows a
negative item–rest correlation; :func:`cronbach_alpha` flags such items and warns,
and :func:`reverse_code` flips them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError
from portfolio_lib.satisfaction._validation import (
    check_confidence,
    integer_scores,
    numeric_frame,
)

SATISFACTION_SCALE_ITEMS = ("sat_1", "sat_2", "sat_3", "sat_4_r")

__all__ = [
    "SATISFACTION_SCALE_ITEMS",
    "AlphaResult",
    "ReverseCodedItemWarning",
    "cronbach_alpha",
    "reverse_code",
]


class ReverseCodedItemWarning(UserWarning):
    """An item correlates negatively with the rest of the scale."""


@dataclass(frozen=True, eq=False)
class AlphaResult:
    """Cronbach's alpha of a multi-item scale.

    Attributes
    ----------
    alpha : float
        Cronbach's alpha (≤ 1; can be negative for incoherent items).
    ci_low, ci_high : float
        Feldt confidence interval.
    alpha_if_deleted : Series
        Alpha of the scale without each item; NaN where it is undefined (a scale of 2
        items leaves one item, whose alpha does not exist; the other items' total is
        constant), and ``note`` says which.
    item_rest_correlation : Series
        Pearson correlation of each item with the sum of the *other* items
        (corrected item–total correlation); NaN for a constant item.
    reverse_coded_suspects : tuple of str
        Items whose item–rest correlation is negative.
    n : int
        Respondents used.
    k : int
        Items.
    n_dropped : int
        Respondents dropped for missing answers (``missing="listwise"``).
    confidence : float
    note : str
        Why a per-item statistic is NaN (empty when none is).
    """

    alpha: float
    ci_low: float
    ci_high: float
    alpha_if_deleted: pd.Series
    item_rest_correlation: pd.Series
    reverse_coded_suspects: tuple[str, ...]
    n: int
    k: int
    n_dropped: int
    confidence: float
    note: str = ""

    def summary(self) -> pd.DataFrame:
        """Per-item table: item–rest correlation, alpha if deleted, reverse-coding flag."""
        return pd.DataFrame(
            {
                "item_rest_correlation": self.item_rest_correlation,
                "alpha_if_deleted": self.alpha_if_deleted,
                "reverse_coded_suspect": [
                    c in self.reverse_coded_suspects for c in self.item_rest_correlation.index
                ],
            }
        )


def _alpha(values: np.ndarray) -> float:
    k = values.shape[1]
    total_var = values.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - values.var(axis=0, ddof=1).sum() / total_var))


def cronbach_alpha(
    items: pd.DataFrame,
    *,
    confidence: float = 0.95,
    missing: Literal["raise", "listwise"] = "raise",
    warn_reverse: bool = True,
) -> AlphaResult:
    """Cronbach's alpha with Feldt interval, alpha-if-deleted and item–rest correlations.

    Parameters
    ----------
    items : DataFrame
        Respondents in rows, one numeric column per item (at least 2 items,
        3 respondents), all scored in the same direction.
    confidence : float
        Confidence level of Feldt's interval.
    missing : {"raise", "listwise"}
        Missing answers raise by default. ``"listwise"`` drops respondents with
        any missing item and reports how many in ``n_dropped`` (pairwise
        deletion is not offered: it can give alpha > 1 and has no clear n).
    warn_reverse : bool
        Issue :class:`ReverseCodedItemWarning` when an item's item–rest
        correlation is negative (likely reverse-coded; see :func:`reverse_code`).

    Returns
    -------
    AlphaResult

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 4, 5], "c": [3, 4, 5, 5]})
    >>> round(cronbach_alpha(df).alpha, 3)
    0.98
    """
    confidence = check_confidence(confidence)
    if not isinstance(items, pd.DataFrame):
        raise DataValidationError(
            f"items must be a DataFrame (respondents × items), got {type(items).__name__}"
        )
    columns = [str(c) for c in items.columns]
    if len(columns) < 2:
        raise DataValidationError(f"items: Cronbach's alpha needs at least 2 items, got {columns}")
    frame, n_dropped = numeric_frame(
        items.set_axis(columns, axis=1),
        columns,
        name="items",
        missing=missing,
        drop_word="listwise",
    )
    values = frame.to_numpy()
    n, k = values.shape
    if n < 3:
        raise DataValidationError(f"items: Cronbach's alpha needs at least 3 respondents, got {n}")
    total = values.sum(axis=1)
    if total.var(ddof=1) == 0:
        raise DataValidationError(
            f"items: the total score over {columns} is constant, so alpha is undefined"
        )
    alpha = _alpha(values)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    ci_low = 1 - (1 - alpha) * stats.f.isf(tail, df1, df2)
    ci_high = 1 - (1 - alpha) * stats.f.isf(1 - tail, df1, df2)
    if_deleted, rest_corr = {}, {}
    for j, column in enumerate(columns):
        others = np.delete(values, j, axis=1)
        if_deleted[column] = _alpha(others) if k > 2 else float("nan")
        rest = others.sum(axis=1)
        item = values[:, j]
        if item.std() == 0 or rest.std() == 0:
            rest_corr[column] = float("nan")
        else:
            rest_corr[column] = float(np.corrcoef(item, rest)[0, 1])
    rest_series = pd.Series(rest_corr, name="item_rest_correlation")
    deleted_series = pd.Series(if_deleted, name="alpha_if_deleted")
    notes = []
    if k == 2:
        notes.append(
            "alpha_if_deleted is NaN: with 2 items, deleting one leaves a single item, "
            "which has no alpha"
        )
    elif deleted_series.isna().any():
        notes.append(
            f"alpha_if_deleted is NaN for {list(deleted_series.index[deleted_series.isna()])}: "
            "the total of the other items is constant"
        )
    if rest_series.isna().any():
        notes.append(
            f"item_rest_correlation is NaN for {list(rest_series.index[rest_series.isna()])}: "
            "the item or the sum of the other items is constant"
        )
    suspects = tuple(c for c in columns if rest_series[c] < 0)
    if suspects and warn_reverse:
        warnings.warn(
            f"item(s) {list(suspects)} correlate negatively with the rest of the scale: they look "
            "reverse-coded. Reverse them (reverse_code(items, "
            f"{list(suspects)}, scale=(lowest, highest))) before computing alpha, or check the wording.",
            ReverseCodedItemWarning,
            stacklevel=2,
        )
    return AlphaResult(
        alpha=alpha,
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        alpha_if_deleted=deleted_series,
        item_rest_correlation=rest_series,
        reverse_coded_suspects=suspects,
        n=n,
        k=k,
        n_dropped=n_dropped,
        confidence=confidence,
        note="; ".join(notes),
    )


def reverse_code(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    scale: tuple[int, int] = (1, 5),
    date: str | None = "date",
) -> pd.DataFrame:
    """Return a copy of ``df`` with ``columns`` reversed on ``scale`` (x → low + high − x).

    Parameters
    ----------
    df : DataFrame
        Item answers.
    columns : sequence of str
        Reverse-worded items to flip.
    scale : (int, int)
        Lowest and highest level; values outside raise. Missing values stay missing.
    date : str or None
        Survey date column. The copy is passed on to other analyses, so when ``df`` has
        this column it is checked with the package's date rule (integers such as
        20230101, dates before 1900 or after today raise :class:`DataValidationError`)
        instead of being carried along unread. None skips the check.

    Returns
    -------
    DataFrame
        Same shape; only ``columns`` changed.

    Examples
    --------
    >>> reverse_code(pd.DataFrame({"q": [1, 2, 5]}), ["q"])["q"].tolist()
    [5, 4, 1]
    """
    columns = list(columns)
    _validate.table(df, name="df", columns=columns)
    if date is not None and date in df.columns:
        _validate.dates(df, date, name="df", missing="keep")
    low, high = (int(v) for v in scale)
    out = df.copy()
    for column in columns:
        # by position: repeated index labels (two batches concatenated) are still two rows
        values = df[column].reset_index(drop=True)
        valid, _ = integer_scores(
            values, column=column, low=low, high=high, name="df", missing="drop"
        )
        flipped = np.full(len(df), np.nan)
        flipped[valid.index.to_numpy()] = low + high - valid.to_numpy()
        has_missing = np.isnan(flipped).any()
        out[column] = flipped if has_missing else flipped.astype("int64")
    return out
