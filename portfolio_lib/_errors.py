"""Shared validation helpers: clear errors that name the column and show example rows.

Every public function that takes data calls these, so that a user with a
malformed table always learns *which* column is wrong and *which* rows show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "DataValidationError",
    "require_columns",
    "raise_for_rows",
    "format_examples",
    "as_generator",
]

MAX_EXAMPLES = 5


class DataValidationError(ValueError):
    """Input data does not meet a function's contract.

    Subclasses :class:`ValueError`, so ``except ValueError`` also catches it.
    The message names the offending column(s) and shows up to five example rows.
    """


def format_examples(frame: pd.DataFrame, max_rows: int = MAX_EXAMPLES) -> str:
    """Render up to ``max_rows`` rows of ``frame`` as an indented text block."""
    shown = frame.head(max_rows)
    text = shown.to_string(max_colwidth=40)
    more = len(frame) - len(shown)
    suffix = f"\n    ... and {more} more row(s)" if more > 0 else ""
    return "\n".join("    " + line for line in text.splitlines()) + suffix


def require_columns(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    name: str = "data",
) -> None:
    """Raise :class:`DataValidationError` if ``frame`` lacks any of ``columns``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to check.
    columns : iterable of str
        Required column names.
    name : str
        What the table is called in the message (e.g. ``"transactions"``).

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"customer_id": [1]}), ["customer_id"])
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{name} is missing required column(s) {missing}; "
            f"columns present: {list(frame.columns)}"
        )


def raise_for_rows(
    frame: pd.DataFrame,
    bad: pd.Series | np.ndarray,
    *,
    column: str | Sequence[str],
    problem: str,
    name: str = "data",
) -> None:
    """Raise :class:`DataValidationError` if any row of ``frame`` is flagged in ``bad``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table being checked.
    bad : boolean Series or array aligned with ``frame``
        True where a row violates the rule.
    column : str or sequence of str
        The column(s) the rule is about; named in the message.
    problem : str
        What is wrong, e.g. ``"must be a positive number"``.
    name : str
        What the table is called in the message.
    """
    mask = np.asarray(bad, dtype=bool)
    if mask.any():
        cols = [column] if isinstance(column, str) else list(column)
        shown_cols = [c for c in cols if c in frame.columns] or list(frame.columns)
        raise DataValidationError(
            f"{name}: column {cols[0] if len(cols) == 1 else cols} {problem} "
            f"({int(mask.sum())} of {len(frame)} rows). Examples:\n"
            + format_examples(frame.loc[mask, shown_cols])
        )


def as_generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from a seed or generator.

    Randomness in this package flows only through an explicit ``seed``.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
