"""Teaching aid: a "dirty monthly batch" with planted, labelled data problems."""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, as_generator, format_examples
from portfolio_lib.quality.validation import TRANSACTION_REASONS, validate_transactions

#: What :func:`inject_errors` plants: every transaction rejection reason plus a return.
INJECTED_REASONS: tuple[str, ...] = (*TRANSACTION_REASONS, "return")

#: The column in which :func:`inject_errors` marks each planted row with its reason.
MARK_COLUMN = "injected_reason"

__all__ = ["INJECTED_REASONS", "MARK_COLUMN", "inject_errors", "planted", "without_planted"]


# ---------------------------------------------------------------------------------------------
# Teaching aid: a dirty batch
# ---------------------------------------------------------------------------------------------


def inject_errors(
    clean_transactions: pd.DataFrame,
    *,
    seed: int | np.random.Generator,
    n_per_reason: int = 2,
    window: tuple[object, object] | None = None,
) -> pd.DataFrame:
    """Make a "dirty monthly batch": clean transactions plus planted problems.

    For every reason in :data:`INJECTED_REASONS` (each rejection reason of
    :func:`validate_transactions`, plus a ``"return"``), ``n_per_reason`` rows
    are copied from randomly chosen purchases and damaged in exactly that way
    (e.g. a blank customer id, the date ``"2024-02-30"``, the amount ``"12,50
    TL"``, a date 30+ days after the window). Planted rows are marked in the
    column ``injected_reason`` (missing for the original rows), so a test or
    the chapter-1 notebook can show each one being caught. Planted rows other
    than duplicates get a new ``transaction_id`` (``"<original>-inj<k>">``) when
    that column exists. The rows are shuffled; a planted duplicate always comes
    after the row it repeats. The index is reset to 0..n-1.

    Parameters
    ----------
    clean_transactions : pandas.DataFrame
        Valid transactions (``customer_id``, ``date``, ``amount`` ...), e.g.
        one month of the sample company. Every row must pass
        :func:`validate_transactions`.
    seed : int or numpy.random.Generator
        Source of randomness (which rows are copied, the order).
    n_per_reason : int
        Planted rows per reason (>= 1).
    window : (start, end), optional
        The batch's date window; default the first and last date of
        ``clean_transactions``. Stored in ``result.attrs["window"]``; pass it
        to ``validate_transactions(..., window=...)``.

    Returns
    -------
    pandas.DataFrame
        ``len(clean_transactions) + n_per_reason * len(INJECTED_REASONS)`` rows;
        ``customer_id``, ``date`` and ``amount`` are object columns (raw, as a
        CSV would deliver them).

    Raises
    ------
    DataValidationError
        Required columns missing, some input row not clean, or fewer purchases
        than ``n_per_reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> clean = pd.DataFrame({"customer_id": ["C1", "C2", "C3"],
    ...                       "date": pd.to_datetime(["2024-05-01", "2024-05-10", "2024-05-31"]),
    ...                       "amount": [12.0, 30.5, 8.25]})
    >>> dirty = inject_errors(clean, seed=1, n_per_reason=1)
    >>> report = validate_transactions(dirty, window=dirty.attrs["window"])
    >>> sorted(report.rejected["reason"]) == sorted(TRANSACTION_REASONS)
    True
    """
    if n_per_reason < 1:
        raise ValueError(f"n_per_reason must be at least 1, got {n_per_reason}")
    if "injected_reason" in getattr(clean_transactions, "columns", ()):
        raise DataValidationError(
            "clean_transactions already has an 'injected_reason' column; pass the clean rows only"
        )
    report = validate_transactions(clean_transactions)
    if not report.ok:
        raise DataValidationError(
            "inject_errors needs clean transactions, but "
            f"{len(report.rejected)} row(s) fail validate_transactions. Examples:\n"
            + format_examples(report.rejected)
        )
    purchases = np.flatnonzero(clean_transactions.index.isin(report.clean.index))
    if len(purchases) < n_per_reason:
        raise DataValidationError(
            f"clean_transactions: need at least {n_per_reason} purchase rows (amount > 0) "
            f"to copy, found {len(purchases)}"
        )
    rng = as_generator(seed)
    dates = report.clean["date"]
    if window is None:
        window = (dates.min(), dates.max())
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])

    base = clean_transactions.reset_index(drop=True).copy()
    for name in ("customer_id", "date", "amount"):
        base[name] = base[name].astype(object)
    if "transaction_id" in base.columns:
        base["transaction_id"] = base["transaction_id"].astype(object)
    base[MARK_COLUMN] = None
    base["_source"] = np.arange(len(base))

    planted: list[pd.Series] = []
    counter = 0
    for reason in INJECTED_REASONS:
        sources = rng.choice(purchases, size=n_per_reason, replace=False)
        for k, src in enumerate(sources):
            row = base.iloc[int(src)].copy()
            _damage(row, reason, k, start, end)
            row["injected_reason"] = reason
            if reason != "duplicate row":
                row["_source"] = -1
                if "transaction_id" in row.index and pd.notna(row["transaction_id"]):
                    row["transaction_id"] = f"{row['transaction_id']}-inj{counter}"
                counter += 1
            planted.append(row)

    dirty = pd.concat([base, pd.DataFrame(planted)], ignore_index=True)
    dirty = dirty.iloc[rng.permutation(len(dirty))].reset_index(drop=True)
    _put_duplicates_after_their_source(dirty)
    dirty = dirty.drop(columns="_source")
    dirty["injected_reason"] = (
        dirty["injected_reason"].astype("str").where(dirty["injected_reason"].notna())
    )
    for name in ("customer_id", "date", "amount"):
        dirty[name] = dirty[name].astype(object)
    if "transaction_id" in dirty.columns:
        dirty["transaction_id"] = dirty["transaction_id"].astype(
            clean_transactions["transaction_id"].dtype
        )
    dirty.attrs["window"] = (start, end)
    return dirty


def planted(rows: pd.DataFrame, *, column: str = MARK_COLUMN) -> pd.Series:
    """Which rows of a dirty batch (or of a validation report's parts) were planted.

    A planted *return* is a well-formed row — a negative amount is a valid return — so
    :func:`validate_transactions` passes it into ``report.returns``; only this mark tells it
    apart from a real return. Use it before loading a test batch anywhere real.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows from :func:`inject_errors`, or ``report.clean`` / ``report.returns`` /
        ``report.rejected`` of its validation (they keep the mark column).
    column : str
        The mark column (default :data:`MARK_COLUMN`).

    Returns
    -------
    pandas.Series of bool
        True for planted rows, aligned with ``rows``.

    Raises
    ------
    DataValidationError
        If ``rows`` has no ``column`` (the message names it).

    Examples
    --------
    >>> import pandas as pd
    >>> returns = pd.DataFrame({"amount": [-8.0, -29.81], "injected_reason": [None, "return"]})
    >>> planted(returns).tolist()  # a real return and a planted one: both valid rows
    [False, True]
    """
    if not isinstance(rows, pd.DataFrame) or column not in rows.columns:
        raise DataValidationError(
            f"rows: column {column!r} (the mark of planted rows) is missing; pass rows from "
            "inject_errors or from the validation report of its batch"
        )
    return rows[column].notna().rename("planted")


def without_planted(rows: pd.DataFrame, *, column: str = MARK_COLUMN) -> pd.DataFrame:
    """The rows that were not planted, without the mark column: what may be loaded for real.

    ``rows`` and ``column`` are as in :func:`planted` (which raises a
    ``DataValidationError`` naming ``column`` when it is missing), e.g. ``report.clean`` and
    ``report.returns`` of a dirty batch's validation, concatenated.

    Returns
    -------
    pandas.DataFrame
        ``rows`` without the planted ones and without ``column``; the index is kept.

    Examples
    --------
    >>> import pandas as pd
    >>> accepted = pd.DataFrame({"amount": [12.0, -29.81], "injected_reason": [None, "return"]})
    >>> without_planted(accepted)
       amount
    0    12.0
    """
    mask = planted(rows, column=column)
    return rows.loc[~mask].drop(columns=column)


_BAD_DATES = ("2024-02-30", "31/31/2024", "not a date")
_BAD_AMOUNTS = ("12,5O TL", "n/a", "abc")  # 12,5O: a letter O typed for a zero


def _damage(row: pd.Series, reason: str, k: int, start: pd.Timestamp, end: pd.Timestamp) -> None:
    if reason == "missing customer_id":
        row["customer_id"] = None if k % 2 == 0 else "  "
    elif reason == "missing date":
        row["date"] = None
    elif reason == "unparseable date":
        row["date"] = _BAD_DATES[k % len(_BAD_DATES)]
    elif reason == "missing amount":
        row["amount"] = None
    elif reason == "non-numeric amount":
        row["amount"] = _BAD_AMOUNTS[k % len(_BAD_AMOUNTS)]
    elif reason == "zero amount":
        row["amount"] = 0.0
    elif reason == "date outside window":
        shift = pd.Timedelta(days=30 + 7 * k)
        row["date"] = end.normalize() + shift if k % 2 == 0 else start.normalize() - shift
    elif reason == "return":
        row["amount"] = -abs(float(row["amount"]))
        if "is_return" in row.index:
            row["is_return"] = True
    elif reason != "duplicate row":  # pragma: no cover - INJECTED_REASONS is closed
        raise ValueError(f"no way to inject {reason!r}")


def _put_duplicates_after_their_source(dirty: pd.DataFrame) -> None:
    """Swap the mark of a planted duplicate that landed before its source (rows are identical)."""
    position_of = {
        int(s): i
        for i, s in enumerate(dirty["_source"])
        if s >= 0 and pd.isna(dirty["injected_reason"].iat[i])
    }
    reason_col = dirty.columns.get_loc("injected_reason")
    for i in np.flatnonzero((dirty["injected_reason"] == "duplicate row").to_numpy()):
        j = position_of[int(dirty["_source"].iat[i])]
        if j > i:
            dirty.iat[i, reason_col], dirty.iat[j, reason_col] = None, "duplicate row"
            position_of[int(dirty["_source"].iat[i])] = i
