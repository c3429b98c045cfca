"""Reading raw values (e.g. strings from a CSV) as the kinds of a schema column.

:func:`parse_values` reads one column and reports which values could not be read;
:func:`apply_dtypes` gives already-valid columns their canonical pandas dtypes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import raise_for_rows
from portfolio_lib.quality.formats import (
    DEFAULT_FORMAT,
    ValueFormat,
    parse_amounts,
    parse_dates,
)
from portfolio_lib.quality.schemas import DATETIME_DTYPE, ColumnKind, TableSchema, get_schema

# ---------------------------------------------------------------------------------------------
# Parsing one column
# ---------------------------------------------------------------------------------------------


def is_missing(values: pd.Series) -> np.ndarray:
    """True where a value is NaN/NaT/None or a blank string."""
    missing = values.isna().to_numpy(dtype=bool).copy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        try:
            blank = values.str.strip().eq("")
        except AttributeError:  # object column holding no strings at all
            blank = values.map(lambda v: isinstance(v, str) and not v.strip(), na_action="ignore")
        missing |= blank.astype(object).fillna(False).to_numpy(dtype=bool)
    return missing


def _parse_datetimes(values: pd.Series, fmt: ValueFormat = DEFAULT_FORMAT) -> pd.Series:
    """datetime64 Series; NaT where a value cannot be read as a date (see :mod:`.formats`)."""
    return parse_dates(values, fmt)


def _parse_numbers(
    values: pd.Series, fmt: ValueFormat = DEFAULT_FORMAT, *, money: bool = False
) -> pd.Series:
    """float64 Series; NaN where a value is not a finite number (currency only if ``money``)."""
    return parse_amounts(values, fmt, allow_currency=money).numbers


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def parse_bool(values: pd.Series) -> pd.Series:
    """object Series of True/False/None (None where unreadable or missing)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(object).where(values.notna(), None)

    def one(v: object) -> object:
        if isinstance(v, bool | np.bool_):
            return bool(v)
        text = str(v).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return None

    return values.map(one, na_action="ignore").astype(object)


def parse_values(
    values: pd.Series, kind: ColumnKind, fmt: ValueFormat = DEFAULT_FORMAT, *, money: bool = False
) -> tuple[pd.Series, np.ndarray]:
    """Read raw values as one of the schema kinds, without losing track of failures.

    Parameters
    ----------
    values : pandas.Series
        Raw values (e.g. strings from a CSV); a list or 1-D array is taken as a Series, and
        the index may repeat labels (values are read by position).
    kind : {"str", "date", "timestamp", "float", "int", "bool"}
        Target kind (see :class:`Column`).
    fmt : ValueFormat
        How dates and numbers are written (day order, separators, time zone); by default
        inferred from the column, refused when ambiguous (see :mod:`~portfolio_lib.quality.formats`).
    money : bool
        The column holds money: currency symbols and codes are accepted (and stripped).

    Returns
    -------
    parsed : pandas.Series
        datetime64 for dates, float64 for numbers (int64 for ints when
        nothing is missing), bool/boolean for flags, unchanged for ``"str"``.
        Missing or unreadable values become NaN/NaT/NA.
    unreadable : numpy.ndarray of bool
        True where a value was present but could not be read (a blank
        string counts as missing, not unreadable).

    Examples
    --------
    >>> import pandas as pd
    >>> parsed, bad = parse_values(pd.Series(["2024-01-31", "2024-02-30", None]), "date")
    >>> bad.tolist()
    [False, True, False]
    """
    values, index = _validate.positional(values, name="values")
    parsed, unreadable = _read_values(values, kind, fmt, money)
    return parsed.set_axis(index), unreadable


def _read_values(
    values: pd.Series, kind: ColumnKind, fmt: ValueFormat, money: bool
) -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_values` of a Series indexed ``0 .. n-1``."""
    missing = is_missing(values)
    if kind in ("date", "timestamp"):
        parsed = _parse_datetimes(values, fmt)
    elif kind in ("float", "int"):
        parsed = _parse_numbers(values, fmt, money=money)
        if kind == "int":
            fractional = (parsed.fillna(0) != np.round(parsed.fillna(0))).to_numpy()
            parsed = parsed.where(~fractional)
            parsed = finish_int(parsed)
    elif kind == "bool":
        parsed = finish_bool(parse_bool(values))
    elif kind == "str":
        return values, np.zeros(len(values), dtype=bool)
    else:
        raise ValueError(f"unknown column kind {kind!r}")
    unreadable = parsed.isna().to_numpy(dtype=bool) & ~missing
    return parsed, unreadable


def finish_int(numbers: pd.Series) -> pd.Series:
    return numbers.astype("int64") if numbers.notna().all() else numbers


def finish_bool(flags: pd.Series) -> pd.Series:
    if flags.notna().all():
        return flags.astype(bool)
    return flags.astype("boolean")


# ---------------------------------------------------------------------------------------------
# Dtypes
# ---------------------------------------------------------------------------------------------


def apply_dtypes(
    frame: pd.DataFrame,
    table: str | TableSchema,
    *,
    window: tuple[object, object] | None = None,
) -> pd.DataFrame:
    """Give the schema columns of ``frame`` their canonical pandas dtypes.

    ``str`` columns become pandas' string dtype, dates/timestamps
    :data:`DATETIME_DTYPE`, floats ``float64``, ints ``int64`` (``float64`` if a
    value is missing), bools ``bool`` (``boolean`` if a value is missing).
    Values must already be valid (e.g. read back from
    :class:`~portfolio_lib.store.CRMStore`): a value that is not of its column's kind raises
    :class:`~portfolio_lib.DataValidationError` naming the column and showing the rows.
    Dates follow the package's one rule (:func:`portfolio_lib._validate.dates`): datetime64
    or ISO 8601 text (never integers), a time-zone aware date at its wall-clock time, and
    nothing before 1900 or after tomorrow unless ``window`` says otherwise.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (any index).
    table : str or TableSchema
        A name from :data:`SCHEMAS` (e.g. ``"transactions"``) or a schema.
    window : (start, end), optional
        The dates the table may hold (either end None: its default); default
        1900-01-01 to tomorrow.

    Returns
    -------
    pandas.DataFrame
        A copy; columns not in the schema are left as they are.

    Raises
    ------
    DataValidationError
        ``frame`` is not a DataFrame, or a value cannot be read as its column's kind, or a
        date lies outside ``window``.

    Examples
    --------
    >>> import pandas as pd
    >>> out = apply_dtypes(pd.DataFrame({"customer_id": ["C1"], "date": ["2024-01-02"],
    ...                                  "amount": ["3.5"]}), "transactions")
    >>> str(out["date"].dtype), str(out["amount"].dtype)
    ('datetime64[ns]', 'float64')
    """
    schema = get_schema(table)
    out = _validate.table(frame, name="frame").copy()
    for col in schema.columns:
        if col.name not in out.columns:
            continue
        values = out[col.name]
        if col.kind == "str":
            out[col.name] = values.astype("str").where(values.notna())
        elif col.kind in ("date", "timestamp"):
            parsed = _validate.dates(out, col.name, name=schema.name, missing="keep", window=window)
            out[col.name] = parsed.astype(DATETIME_DTYPE)
        elif col.kind == "float":
            out[col.name] = _numbers(out, col.name, schema.name)
        elif col.kind == "int":
            out[col.name] = finish_int(_numbers(out, col.name, schema.name))
        elif col.kind == "bool":
            flags = values.astype(object).map(lambda v: bool(v), na_action="ignore")
            out[col.name] = finish_bool(flags)
    return out


def _numbers(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    """``frame[column]`` as float64; a value that is not a number raises, naming the column."""
    values = frame[column]
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    raise_for_rows(
        frame, numbers.isna() & values.notna(), column=column, name=name,
        problem="must hold numbers (convert it with quality.parse_amounts first)",
    )  # fmt: skip
    return numbers
