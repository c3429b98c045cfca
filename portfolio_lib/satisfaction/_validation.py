"""Checks shared by the satisfaction modules: integer rating scales and missing values.

Survey exports are a common source of silent errors: a 0–10 question stored as
choice codes 1–11, a 1–5 scale averaged into 3.5 by a spreadsheet, "n/a" typed
into a numeric column. These helpers turn every such case into a
:class:`~portfolio_lib._errors.DataValidationError` that names the column and
shows the offending values and rows.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from numbers import Real
from typing import Literal

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns

MissingPolicy = Literal["raise", "drop"]

#: The package's one confidence check (a real number strictly between 0 and 1).
check_confidence = _validate.confidence

__all__ = [
    "MissingPolicy",
    "as_series",
    "check_missing_policy",
    "check_confidence",
    "integer_scores",
    "numeric_frame",
    "bad_value_text",
    "group_keys",
    "scores_with_groups",
    "table_by_group",
]


def bad_value_text(values: pd.Series, max_values: int = 5) -> str:
    """List up to ``max_values`` distinct offending values, e.g. ``'7.5', 11``."""
    unique = pd.unique(values.to_numpy(dtype=object))
    shown = ", ".join(
        repr(v) if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)
        for v in unique[:max_values]
    )
    more = len(unique) - max_values
    return shown + (f" (and {more} more distinct value(s))" if more > 0 else "")


def check_missing_policy(missing: str, allowed: Sequence[str] = ("raise", "drop")) -> None:
    """Raise ``ValueError`` unless ``missing`` is one of ``allowed``."""
    if missing not in allowed:
        raise ValueError(f"missing must be one of {list(allowed)}, got {missing!r}")


def as_series(values: object, column: str) -> pd.Series:
    """Return ``values`` as a Series named ``column`` (a Series keeps its own name if set)."""
    if isinstance(values, pd.DataFrame):
        raise DataValidationError(
            f"{column}: expected one column of scores (Series, list or array), got a DataFrame "
            f"with columns {list(values.columns)}; pass e.g. df[{column!r}]"
        )
    if isinstance(values, pd.Series):
        return values.rename(values.name if values.name is not None else column)
    array = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if array.ndim != 1:
        raise DataValidationError(
            f"{column}: scores must be one-dimensional, got shape {array.shape}"
        )
    return pd.Series(array, name=column)


def _non_numeric_mask(series: pd.Series) -> np.ndarray:
    """True for entries that are present but are not real numbers (strings, booleans, objects)."""
    if pd.api.types.is_bool_dtype(series):
        return series.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(series):
        return np.zeros(len(series), dtype=bool)

    def bad(value: object) -> bool:
        if value is None or value is pd.NA or value is pd.NaT:
            return False
        if isinstance(value, (bool, np.bool_)):
            return True
        if isinstance(value, (Real, np.number)):
            return False
        return True

    return np.fromiter(
        (bad(v) for v in series.to_numpy(dtype=object)), dtype=bool, count=len(series)
    )


def integer_scores(
    values: object,
    *,
    column: str,
    low: int,
    high: int,
    name: str = "scores",
    missing: MissingPolicy = "raise",
    scale_hint: str = "",
) -> tuple[pd.Series, int]:
    """Validate whole-number ratings on the scale ``low``..``high``.

    Parameters
    ----------
    values : array-like or Series
        The ratings.
    column : str
        Column name used in messages (a Series' own name wins).
    low, high : int
        Inclusive ends of the scale, e.g. 0 and 10 for NPS, 1 and 5 for CSAT.
    name : str
        What the data are called in messages.
    missing : {"raise", "drop"}
        ``"raise"`` (default) refuses missing values; ``"drop"`` removes them and
        the number removed is returned so the caller can report it.
    scale_hint : str
        Extra advice appended to the out-of-range message.

    Returns
    -------
    (pandas.Series of int64, int)
        The valid ratings (original index kept) and the number of missing values dropped.
    """
    check_missing_policy(missing)
    series = as_series(values, column)
    column = str(series.name)
    frame = series.to_frame(column)
    non_numeric = _non_numeric_mask(series)
    if non_numeric.any():
        raise_for_rows(
            frame,
            non_numeric,
            column=column,
            problem=(
                f"must hold numbers (integers {low}–{high}); found non-numeric values "
                f"{bad_value_text(series[non_numeric])} — convert deliberately (e.g. "
                "pd.to_numeric) after checking what they mean"
            ),
            name=name,
        )
    numeric = pd.to_numeric(series, errors="raise").astype("float64")
    is_missing = numeric.isna().to_numpy()
    if is_missing.any() and missing == "raise":
        raise_for_rows(
            frame,
            is_missing,
            column=column,
            problem="has missing values (NaN); pass missing='drop' to exclude them explicitly",
            name=name,
        )
    kept = numeric[~is_missing]
    kept_frame = frame[~is_missing]
    not_whole = ~np.isfinite(kept.to_numpy()) | (kept.to_numpy() != np.round(kept.to_numpy()))
    if not_whole.any():
        raise_for_rows(
            kept_frame,
            not_whole,
            column=column,
            problem=(
                f"must hold whole numbers on the {low}–{high} scale; found "
                f"{bad_value_text(kept[not_whole])} (averaged or interpolated scores are not ratings)"
            ),
            name=name,
        )
    outside = ((kept < low) | (kept > high)).to_numpy()
    if outside.any():
        raise_for_rows(
            kept_frame,
            outside,
            column=column,
            problem=(
                f"must lie on the {low}–{high} scale; found {bad_value_text(kept[outside].astype(int))}"
                + (f". {scale_hint}" if scale_hint else "")
            ),
            name=name,
        )
    return kept.astype("int64"), int(is_missing.sum())


def numeric_frame(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    name: str,
    missing: str = "raise",
    drop_word: str = "drop",
) -> tuple[pd.DataFrame, int]:
    """Return ``df[columns]`` as float64 after checking types and missing values.

    ``missing="raise"`` refuses any NaN; the policy named ``drop_word`` (``"drop"``
    or ``"listwise"``) removes rows with any NaN in ``columns`` and reports how many.
    """
    check_missing_policy(missing, ("raise", drop_word))
    columns = list(columns)
    require_columns(df, columns, name=name)
    for column in columns:
        series = df[column]
        bad = _non_numeric_mask(series)
        if bad.any():
            raise_for_rows(
                df,
                bad,
                column=column,
                problem=f"must be numeric; found {bad_value_text(series[bad])}",
                name=name,
            )
    values = df[columns].apply(pd.to_numeric, errors="raise").astype("float64")
    missing_rows = values.isna().any(axis=1).to_numpy()
    if missing_rows.any():
        if missing == "raise":
            first = next(c for c in columns if values[c].isna().any())
            raise_for_rows(
                df,
                missing_rows,
                column=[c for c in columns if values[c].isna().any()]
                if len(columns) > 1
                else first,
                problem=f"has missing values (NaN); pass missing={drop_word!r} to drop those rows "
                "explicitly",
                name=name,
            )
        values = values[~missing_rows]
    infinite = ~np.isfinite(values.to_numpy()).all(axis=1)
    if infinite.any():
        raise_for_rows(values, infinite, column=columns, problem="must be finite", name=name)
    return values, int(missing_rows.sum())


def group_keys(
    df: pd.DataFrame, group: str | Sequence[str], name: str, *, labels: str = "group labels"
) -> list[str]:
    """Grouping column(s) as a list, after checking they exist and have no missing labels.

    ``labels`` is what the labels are called in the message ("categories", "branches").
    """
    keys = [group] if isinstance(group, str) else list(group)
    require_columns(df, keys, name=name)
    for key in keys:
        raise_for_rows(
            df,
            df[key].isna(),
            column=key,
            problem=f"has missing {labels}; fill or drop them before grouping",
            name=name,
        )
    return keys


def scores_with_groups(
    df: pd.DataFrame,
    score: str,
    group: str | Sequence[str],
    *,
    low: int,
    high: int,
    name: str,
    missing: MissingPolicy,
    scale_hint: str = "",
) -> tuple[pd.DataFrame, list[str]]:
    """The grouping columns and the validated integer ``score`` column of ``df``.

    ``df`` must be a DataFrame (else :class:`DataValidationError` naming ``name``); its index
    plays no part (rows are taken by position, so two batches concatenated with repeated
    index labels count once each). No rows left (an empty table, or every score missing and
    dropped) raise: there is no estimate without responses.
    """
    df = _validate.table(df, name=name).reset_index(drop=True)
    keys = group_keys(df, group, name)
    require_columns(df, [score], name=name)
    valid, _ = integer_scores(
        df[score],
        column=score,
        low=low,
        high=high,
        name=name,
        missing=missing,
        scale_hint=scale_hint,
    )
    if valid.empty:
        raise DataValidationError(
            f"{name}: no responses with a {score!r} score ({len(df)} row(s)); there is nothing "
            "to estimate"
        )
    frame = df.loc[valid.index, keys].copy()
    frame[score] = valid
    return frame, keys


def table_by_group(
    frame: pd.DataFrame,
    keys: list[str],
    row: Callable[[pd.DataFrame], dict[str, float]],
) -> pd.DataFrame:
    """Apply ``row`` to each group of ``frame`` (sorted, observed groups) and stack the rows."""
    rows: dict[Hashable, dict[str, float]] = {}
    by = keys if len(keys) > 1 else keys[0]
    for key, part in frame.groupby(by, sort=True, observed=True):
        rows[key] = row(part)
    table = pd.DataFrame.from_dict(rows, orient="index")
    if len(keys) > 1:
        table.index = pd.MultiIndex.from_tuples(table.index, names=keys)
    else:
        table.index.name = keys[0]
    return table
