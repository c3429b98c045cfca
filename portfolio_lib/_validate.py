"""The one input contract of the analysis modules: transactions, dates, numbers, confidence, seeds.

Every public function that takes a transaction log validates it with :func:`transactions`
(not with a copy of its own), so the same malformed table gives the same
:class:`~portfolio_lib._errors.DataValidationError` - naming the column and showing example
rows - whichever function it is passed to. The rules, once:

Dates
    A date column is ``datetime64`` or text in ISO 8601 (``"2024-01-31"``,
    ``"2024-01-31T14:05"``), which is parsed; Python ``date``/``datetime`` objects are accepted
    too. Anything else (``"31/01/2024"``, ``"yesterday"``, numbers) is refused with the same
    message everywhere: convert such a column yourself with ``pd.to_datetime(..., format=...)``,
    because only you know whether ``"01/02/2024"`` is January or February. A time-zone aware
    column is read at its local wall-clock time. Missing dates are refused. Integers such as
    ``20230101`` are refused too, never read as nanoseconds after 1970: read them with
    ``quality.parse_dates`` (which reads ``yyyymmdd``) or ``datasets.read_transactions``.
Plausible dates
    A date before 1900 or after tomorrow (:data:`EARLIEST`, :func:`latest`; the margin of a
    day is for time zones ahead of the local clock) is refused, naming the column and
    showing the rows (:func:`plausible`; readers take an explicit ``window`` instead), so
    that one mistyped year never stretches a data window (a churn period, a KPI series) to
    1850 or 2099.
Tables
    A table argument that is not a ``DataFrame`` raises :class:`DataValidationError` naming
    the argument (:func:`table`); a per-customer table or Series whose index repeats a label
    (two batches concatenated) is refused where the index is the customer id
    (:func:`unique_index`).
Amounts
    ``numeric`` dtype, finite and not missing. Numbers stored as text are refused
    (convert with ``pd.to_numeric``), as are booleans.
Customer ids
    Must not be missing.
Returns
    A row is a *return* when its ``return_col`` flag is true (when that column is present;
    ``bool`` or 0/1, not missing) or its amount is negative. A flagged return must have an
    amount <= 0. Returns reduce net spend but are never purchase occasions: they change
    neither frequency nor recency. The argument is called ``return_col`` in every function;
    the former ``is_return_col`` still works with a :class:`DeprecationWarning`.
Rows after the observation end
    Raise by default (``late="raise"``): the message names the date column and shows the
    rows, so nothing is dropped silently. ``late="drop"`` is the explicit opt-in for a log
    that runs on past the end (e.g. the calibration summary of a longer log, or a churn
    cut-off inside the data); those rows are then left out before any computation.
Confidence levels
    A real number strictly between 0 and 1 (:func:`confidence`), else ``ValueError``.
Seeds
    One rule for every function that hands randomness to scikit-learn
    (:func:`random_state`): the ``seed`` first becomes a ``numpy.random.Generator``
    (``numpy.random.default_rng(seed)`` for an int or None; a Generator is used as it is and
    advances), and scikit-learn gets one integer drawn from it. So an int seed gives the same
    result on every run, and the same int means the same thing in every module.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Real
from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from portfolio_lib._errors import (
    DataValidationError,
    as_generator,
    raise_for_rows,
    require_columns,
)

__all__ = [
    "EARLIEST",
    "latest",
    "plausible_window",
    "implausible",
    "plausible",
    "table",
    "one_dimensional",
    "positional",
    "as_series",
    "unique_index",
    "Late",
    "TRANSACTION_COLUMNS",
    "day",
    "dates",
    "numeric",
    "transactions",
    "positive_days",
    "aligned_labels",
    "reindexed",
    "confidence",
    "random_state",
    "renamed",
    "UNSET",
]

Late = Literal["raise", "drop"]
_T = TypeVar("_T")
_Frame = TypeVar("_Frame", pd.Series, pd.DataFrame)

#: The canonical columns :func:`transactions` returns.
TRANSACTION_COLUMNS = ("customer", "day", "amount", "is_return")

#: The earliest plausible date of a customer record.
EARLIEST = pd.Timestamp("1900-01-01")

_DATE_HINT = (
    "must hold dates: datetime64, or ISO 8601 text such as '2024-01-31'; integers such as "
    "20230101 are not read as dates (read them with quality.parse_dates, which reads "
    "yyyymmdd) "
    "(read other text, e.g. '31.01.2024', with datasets.read_transactions(..., locale='tr') "
    "or quality.validate_transactions, which take dayfirst= and date_format=)"
)


class _Unset:
    """Marker for an argument that was not passed (None is a meaningful value)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


def day(value: object, what: str = "observation_end") -> pd.Timestamp:
    """Parse a date-like argument to a midnight :class:`pandas.Timestamp`.

    A time-zone aware value gives its wall-clock day (time-zone naive, like :func:`dates`).
    Raises ``ValueError`` naming ``what`` when ``value`` is not a date.
    """
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a date, got {value!r}") from exc
    if pd.isna(stamp):
        raise ValueError(f"{what} must be a date, got {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def latest() -> pd.Timestamp:
    """The latest plausible date of a record: the end of tomorrow (local clock, naive).

    One day beyond today, so that a record stamped in a time zone ahead of the local clock
    is not refused.
    """
    return pd.Timestamp.now().normalize() + pd.Timedelta(days=2) - pd.Timedelta(1, "ns")


def plausible_window(
    window: tuple[object, object] | None = None,
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The dates a record may carry: ``window`` when given, else (:data:`EARLIEST`, :func:`latest`).

    Either end of ``window`` may be None (that end keeps its default), so
    ``window=("1850-01-01", None)`` admits old records while still refusing future ones.

    Examples
    --------
    >>> plausible_window(("1850-01-01", "2200-01-01"))[0].year
    1850
    """
    start, end = (None, None) if window is None else window
    low = EARLIEST if start is None else day(start, "window start")
    high = (
        latest()
        if end is None
        else day(end, "window end") + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    )
    return low, high


def implausible(values: pd.Series, window: tuple[object, object] | None = None) -> np.ndarray:
    """True where a date of ``values`` (datetime64) lies outside :func:`plausible_window`."""
    low, high = plausible_window(window)
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return ((values < low) | (values > high)).to_numpy(dtype=bool)


def plausible(
    frame: pd.DataFrame,
    column: str,
    *,
    name: str,
    values: pd.Series | None = None,
    window: tuple[object, object] | None = None,
) -> None:
    """Refuse dates outside :func:`plausible_window` with :class:`DataValidationError`.

    ``values`` are the parsed dates of ``frame[column]`` (default the column itself, which
    must then be datetime64). The message names the column, shows the rows and says how to
    admit such dates (an explicit ``window``), so that one mistyped year never stretches a
    data window (a churn period, a KPI series) to 1850 or 2099.
    """
    values = frame[column] if values is None else values
    low, high = plausible_window(window)
    raise_for_rows(
        frame, implausible(values, window), column=column, name=name,
        problem=(
            f"has dates before {low.date()} or after {high.date()}, which no customer record "
            "has (a typo? a future date would stretch the data window; pass an explicit "
            "window=(start, end) where such dates are genuine)"
        ),
    )  # fmt: skip


def table(value: object, *, name: str, columns: Sequence[str] = ()) -> pd.DataFrame:
    """``value`` if it is a DataFrame holding ``columns``, else :class:`DataValidationError`.

    The message names the argument ``name`` and what was passed instead (None, a list, a
    Series, ...).
    """
    if not isinstance(value, pd.DataFrame):
        hint = (
            " (a Series: pass a DataFrame, e.g. series.to_frame())"
            if isinstance(value, pd.Series)
            else ""
        )
        raise DataValidationError(
            f"{name} must be a pandas DataFrame, got {type(value).__name__}{hint}"
        )
    require_columns(value, columns, name=name)
    return value


def one_dimensional(value: object, *, name: str) -> pd.Series | np.ndarray:
    """``value`` if it is a Series or a 1-D array/list, else :class:`DataValidationError`.

    A one-column DataFrame, None or a 2-D array is refused naming ``name``.
    """
    if isinstance(value, pd.Series):
        return value
    if value is None or isinstance(value, pd.DataFrame | str | bytes | dict):
        raise DataValidationError(
            f"{name} must be a pandas Series or a 1-D array, got {type(value).__name__}"
        )
    array = np.asarray(value)
    if array.ndim != 1:
        raise DataValidationError(
            f"{name} must be a pandas Series or a 1-D array, got an array of shape {array.shape}"
        )
    return array


def positional(values: object, *, name: str) -> tuple[pd.Series, pd.Index]:
    """``values`` as a Series indexed ``0 .. n-1``, and the index to give its result back.

    For functions that work on one column by position, so that an index repeating labels
    (two batches concatenated) reads like any other. A list or 1-D array becomes a Series;
    None, a DataFrame or a 2-D array raise :class:`DataValidationError` naming ``name``
    (see :func:`one_dimensional`).
    """
    series = as_series(values, name=name)
    return series.reset_index(drop=True), series.index


def as_series(values: object, *, name: str) -> pd.Series:
    """``values`` as a Series: a Series as it is, a list or 1-D array as a new one.

    None, a DataFrame or a 2-D array raise :class:`DataValidationError` naming ``name``
    (see :func:`one_dimensional`).
    """
    checked = one_dimensional(values, name=name)
    return checked if isinstance(checked, pd.Series) else pd.Series(checked)


def unique_index(value: _Frame | pd.Index, *, name: str, of: str = "customer") -> _Frame | pd.Index:
    """``value`` if its index (or, for an Index, its labels) is unique, else an error.

    The error is a :class:`DataValidationError`.

    For tables and Series indexed by id, where a repeated label means one {of} twice (for
    example two batches concatenated without ``ignore_index=True``). The message shows the
    repeated labels.
    """
    index = value if isinstance(value, pd.Index) else value.index
    if not index.is_unique:
        repeated = index[index.duplicated()].unique()
        raise DataValidationError(
            f"{name}: the index repeats {len(repeated)} label(s), e.g. {list(repeated[:5])}; "
            f"each {of} must appear once (two batches concatenated? use "
            "pd.concat(..., ignore_index=True) or drop the duplicates)"
        )
    return value


def dates(
    frame: pd.DataFrame,
    column: str,
    *,
    name: str = "data",
    missing: Literal["raise", "keep"] = "raise",
    check_plausible: bool = True,
    window: tuple[object, object] | None = None,
) -> pd.Series:
    """``frame[column]`` as time-zone naive ``datetime64`` (times of day kept).

    ``datetime64`` columns pass (a time-zone aware one at its wall-clock time); text and
    ``date``/``datetime`` objects are parsed as ISO 8601; anything else raises
    :class:`DataValidationError` naming the column and showing the rows. Missing values raise
    unless ``missing="keep"`` (e.g. a ``resolved`` date that is empty while a complaint is
    open). Dates outside :func:`plausible_window` (of ``window``, default 1900 to tomorrow)
    raise unless ``check_plausible=False``.
    """
    values = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise_for_rows(
                frame, pd.Series(True, index=frame.index), column=column,
                problem=f"{_DATE_HINT}; dtype is {values.dtype}", name=name,
            )  # fmt: skip
        try:
            parsed = pd.to_datetime(values, format="ISO8601", errors="coerce")
        except (TypeError, ValueError) as exc:  # e.g. several time-zone offsets in one column
            raise DataValidationError(
                f"{name}: column {column!r} {_DATE_HINT}; it could not be read: {exc}"
            ) from exc
        raise_for_rows(
            frame, parsed.isna() & values.notna(), column=column, problem=_DATE_HINT, name=name
        )
        values = pd.Series(parsed, index=frame.index, name=column)
    if values.dt.tz is not None:
        values = values.dt.tz_localize(None)
    if missing == "raise":
        raise_for_rows(frame, values.isna(), column=column, problem="must not be missing",
                       name=name)  # fmt: skip
    if check_plausible:
        plausible(frame, column, name=name, values=values, window=window)
    return values


def numeric(frame: pd.DataFrame, column: str, *, name: str) -> pd.Series:
    """``frame[column]`` as float after checking it is numeric, finite and not missing."""
    values = frame[column]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        parsed = pd.to_numeric(values, errors="coerce")
        bad = parsed.isna() & values.notna()
        if not bad.any():  # e.g. numeric text: still refuse, the schema says numeric
            bad = pd.Series(True, index=frame.index)
        raise_for_rows(
            frame,
            bad,
            column=column,
            problem=f"must be numeric (dtype is {values.dtype}; convert with pd.to_numeric)",
            name=name,
        )
    raise_for_rows(frame, values.isna(), column=column, problem="must not be missing", name=name)
    raise_for_rows(
        frame, ~np.isfinite(values.to_numpy(dtype=float)), column=column,
        problem="must be finite", name=name,
    )  # fmt: skip
    return values.astype(float)


def _return_flags(frame: pd.DataFrame, column: str, *, name: str) -> np.ndarray:
    """The return flag as a bool array: ``bool`` dtype or the values True/False/1/0."""
    flag = frame[column]
    raise_for_rows(frame, flag.isna(), column=column, problem="must not be missing", name=name)
    if not pd.api.types.is_bool_dtype(flag):
        raise_for_rows(
            frame, ~flag.isin([True, False]).to_numpy(), column=column,
            problem=f"must be boolean: True/False or 1/0 (dtype is {flag.dtype})", name=name,
        )  # fmt: skip
    return flag.astype(bool).to_numpy()


def transactions(
    frame: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = "amount",
    return_col: str | None = "is_return",
    end: pd.Timestamp | None = None,
    late: Late = "raise",
    what: str = "transactions",
    end_name: str = "observation_end",
    is_return_col: str | None | _Unset = UNSET,
) -> pd.DataFrame:
    """Validate a transaction log and return its canonical columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        The log, one row per purchase or return.
    customer_col, date_col, amount_col : str
        Column names. ``amount_col=None`` skips the amounts (they are 0 in the result).
    return_col : str or None
        Boolean return flag, used when the column is present (see the module docstring).
    end : pandas.Timestamp, optional
        The observation end (a day, see :func:`day`); rows dated later follow ``late``.
        None: no end, every row is kept.
    late : {"raise", "drop"}
        What rows after ``end`` do: raise :class:`DataValidationError` (default) or be
        left out.
    what : str
        What the table is called in messages.
    end_name : str
        What ``end`` is called in messages (the caller's argument name).
    is_return_col : str or None
        The caller's deprecated former name of ``return_col``, passed on as received: when
        set it warns (pointing at the caller's caller) and is used.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer`` (the ids), ``day`` (midnight ``datetime64``, time-zone naive),
        ``amount`` (float, currency units) and ``is_return`` (bool: flagged or negative).
        The index holds each row's position in ``frame`` (``frame.iloc[out.index]`` are the
        rows kept), a ``RangeIndex`` when nothing was dropped.

    Raises
    ------
    DataValidationError
        A missing column, a missing customer id, a date that is missing or not a date, an
        amount that is missing, not numeric or not finite, a return flag that is missing or
        not boolean, a flagged return with a positive amount, or (``late="raise"``) a date
        after ``end``.
    """
    return_col = renamed(
        return_col, is_return_col, new_name="return_col", old_name="is_return_col",
        default="is_return", stacklevel=4,
    )  # fmt: skip
    if late not in ("raise", "drop"):
        raise ValueError(f"late must be 'raise' or 'drop', got {late!r}")
    needed = [customer_col, date_col] + ([amount_col] if amount_col is not None else [])
    require_columns(frame, needed, name=what)
    raise_for_rows(
        frame, frame[customer_col].isna(), column=customer_col, problem="must not be missing",
        name=what,
    )  # fmt: skip
    when = dates(frame, date_col, name=what)
    if amount_col is None:
        amount = np.zeros(len(frame))
    else:
        amount = numeric(frame, amount_col, name=what).to_numpy()
    if return_col is not None and return_col in frame.columns:
        flag = _return_flags(frame, return_col, name=what)
        if amount_col is not None:
            raise_for_rows(
                frame, flag & (amount > 0), column=[return_col, amount_col],
                problem="marks returns, which must have an amount <= 0", name=what,
            )  # fmt: skip
    else:
        flag = np.zeros(len(frame), dtype=bool)
    day_values = when.dt.normalize()
    out = pd.DataFrame(
        {
            "customer": frame[customer_col].to_numpy(),
            "day": day_values.to_numpy(),
            "amount": amount,
            "is_return": flag | (amount < 0),
        }
    )
    if end is not None:
        after = (day_values > end).to_numpy()
        if late == "raise":
            raise_for_rows(
                frame, after, column=date_col,
                problem=(
                    f"has dates after {end_name} {end.date()}; select the rows up to that date "
                    "first, or pass late='drop' to leave them out"
                ),
                name=what,
            )  # fmt: skip
        elif after.any():
            out = out.loc[~after]
    return out


def positive_days(value: object, name: str) -> int:
    """``value`` as a whole number of days > 0, else ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float | np.floating):
        raise ValueError(f"{name} must be a whole number of days > 0, got {value!r}")
    if not np.isfinite(value) or value <= 0 or float(value) != int(value):
        raise ValueError(f"{name} must be a whole number of days > 0, got {value!r}")
    return int(value)


def reindexed(
    values: _Frame, index: pd.Index, *, name: str, what: str = "value", of: str = "customer(s)"
) -> _Frame:
    """``values`` (a Series or frame indexed by id) reindexed to ``index``.

    Raises :class:`DataValidationError` naming how many ids of ``index`` ``name`` lacks and
    showing up to five, e.g. "best has no value for 2 customer(s) of column 'customer_id',
    e.g. ['C7', 'C9']".
    """
    missing = index.difference(values.index)
    if len(missing):
        raise DataValidationError(
            f"{name} has no {what} for {len(missing)} {of}, e.g. {list(missing[:5])}"
        )
    return values.reindex(index)


def aligned_labels(labels: pd.Series | np.ndarray, index: pd.Index, *, name: str) -> pd.Series:
    """Segment labels aligned to ``index`` (a Series by its index, an array by position).

    Raises :class:`DataValidationError` when ``labels`` is not one column (None, a
    DataFrame), a row of ``name`` has no label, the lengths differ, a label is missing, or
    ``labels`` is a Series while the index of ``name`` repeats labels (two batches
    concatenated: aligning by label would be ambiguous). The result is named ``"segment"``.
    """
    labels = one_dimensional(labels, name="labels")
    if isinstance(labels, pd.Series):
        unique_index(index, name=f"{name} (labels is aligned on it)", of="row")
        aligned = reindexed(labels, index, name="labels", what="entry", of=f"row(s) of {name}")
    else:
        values = np.asarray(labels)
        if len(values) != len(index):
            raise DataValidationError(
                f"labels has {len(values)} entries but {name} has {len(index)} rows"
            )
        aligned = pd.Series(values, index=index)
    if aligned.isna().any():
        raise DataValidationError(f"labels must not be missing ({int(aligned.isna().sum())} are)")
    return aligned.rename("segment")


def confidence(value: object, *, name: str = "confidence") -> float:
    """``value`` as a float if it is a real number strictly between 0 and 1, else ValueError."""
    if (
        isinstance(value, bool | np.bool_)
        or not isinstance(value, Real)
        or not 0.0 < float(value) < 1.0
    ):
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def random_state(seed: int | np.random.Generator | None) -> int:
    """The integer ``random_state`` for scikit-learn, drawn from ``seed``.

    One rule in every module: ``seed`` becomes a Generator (``numpy.random.default_rng(seed)``
    for an int or None; a Generator is used as it is, and advances), and one integer in
    ``[0, 2**31 - 1)`` is drawn from it. The same int seed therefore gives the same
    ``random_state`` everywhere; drawing twice from one Generator gives two different ones.

    Examples
    --------
    >>> random_state(7) == random_state(7)
    True
    """
    return int(as_generator(seed).integers(0, 2**31 - 1))


def renamed(
    new: _T,
    old: _T | _Unset,
    *,
    new_name: str,
    old_name: str,
    default: _T,
    stacklevel: int = 3,
) -> _T:
    """Resolve a renamed argument: the deprecated ``old`` (when passed) warns and is used.

    ``old`` defaults to :data:`UNSET` in the signature, ``new`` to ``default``. Passing both
    (``new`` other than its default) raises ``TypeError``.
    """
    if isinstance(old, _Unset):
        return new
    if new != default:
        raise TypeError(f"pass {new_name} only ({old_name} is its deprecated former name)")
    warnings.warn(
        f"{old_name} is deprecated; use {new_name} (same meaning; every function that takes "
        "transactions calls it that)",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    return old
