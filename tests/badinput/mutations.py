"""Malformed variants of a table, a Series or an object, as hypothesis strategies.

Each *kind* is one way real data goes wrong (a file read with the wrong options, two batches
concatenated, a column typed by a spreadsheet, ...). :func:`kinds_for` lists the kinds that
apply to a base value; :func:`variant` is the strategy that draws one malformed value of a
kind (which column, which rows and how many are drawn by hypothesis).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from portfolio_lib.crm import SCHEMAS, CRMData

#: Frame kinds, in the order the report lists them.
FRAME_KINDS = (
    "none",  # None instead of a frame
    "list",  # a list of records instead of a frame
    "series",  # one column (a Series) instead of a frame
    "empty",  # no rows, same columns
    "one_row",
    "missing_column",  # a required column dropped
    "mistyped_column",  # numbers as text, or text as numbers
    "nan_key",  # missing ids in a key column
    "int_dates",  # dates as integers 20230101
    "text_dates",  # dates as day-first text '31/01/2023'
    "old_date",  # one row dated 1850
    "future_date",  # one row dated 2099
    "mixed_tz",  # time-zone aware and naive dates in one column
    "duplicate_index",  # two batches concatenated: repeated index labels
    "duplicate_rows",  # every row twice (duplicate ids)
    "constant",  # no variation: every row equals the first
)
SERIES_KINDS = (
    "none",
    "frame",  # a frame instead of a Series
    "empty",
    "one_row",
    "nan_value",
    "text_values",  # numbers as text
    "duplicate_index",
    "constant",
)
OBJECT_KINDS = ("none", "frame")
#: Kinds whose value is drawn (several examples are worth trying); the others are fixed.
DRAWN_KINDS = frozenset(
    {"missing_column", "mistyped_column", "nan_key", "nan_value", "old_date", "future_date",
     "mixed_tz", "duplicate_index", "one_row"}
)  # fmt: skip


@dataclass(frozen=True)
class Shape:
    """What a base frame holds: its key, date, numeric and text columns."""

    required: tuple[str, ...]
    keys: tuple[str, ...]
    dates: tuple[str, ...]
    numbers: tuple[str, ...]
    texts: tuple[str, ...]


def _schema_for(frame: pd.DataFrame):
    """The canonical schema whose columns best match ``frame`` (None when none fits)."""
    best, score = None, 0
    for schema in SCHEMAS.values():
        hits = len(set(schema.column_names) & set(frame.columns))
        if hits > score and set(schema.required_columns) <= set(frame.columns):
            best, score = schema, hits
    return best


def shape(frame: pd.DataFrame) -> Shape:
    """The columns of ``frame`` by role (from the canonical schema when one matches)."""
    schema = _schema_for(frame)
    dates = tuple(c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c]))
    numbers = tuple(
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    )
    texts = tuple(
        c
        for c in frame.columns
        if c not in dates and c not in numbers and not pd.api.types.is_bool_dtype(frame[c])
    )
    if schema is not None:
        required = tuple(c for c in schema.required_columns if c in frame.columns)
        keys = tuple(
            c
            for c in frame.columns
            if c in schema.primary_key or c.endswith("_id") or c in ("customer", "branch")
        )
    else:
        required = tuple(frame.columns)
        keys = tuple(c for c in frame.columns if c.endswith("_id") or c == "customer")
    return Shape(required or tuple(frame.columns), keys, dates, numbers, texts)


def kinds_for(base: object) -> tuple[str, ...]:
    """The kinds of malformed value that apply to ``base``."""
    if isinstance(base, CRMData | dict):
        return ("none", *(k for k in FRAME_KINDS if k not in ("none", "list", "series")))
    if isinstance(base, pd.DataFrame):
        s = shape(base)
        out = []
        for kind in FRAME_KINDS:
            if kind in ("int_dates", "text_dates", "old_date", "future_date", "mixed_tz"):
                if not s.dates:
                    continue
            if kind == "nan_key" and not (s.keys or s.texts):
                continue
            if kind == "mistyped_column" and not (s.numbers or s.dates):
                continue
            out.append(kind)
        return tuple(out)
    if isinstance(base, pd.Series) or (isinstance(base, np.ndarray) and base.ndim == 1):
        return SERIES_KINDS
    return OBJECT_KINDS


# -- frames ----------------------------------------------------------------------------------


def _rows(frame: pd.DataFrame) -> st.SearchStrategy[list[int]]:
    """A few row positions of ``frame`` (at least one)."""
    n = len(frame)
    return st.lists(st.integers(0, n - 1), min_size=1, max_size=min(3, n), unique=True)


def _set_dates(frame: pd.DataFrame, column: str, rows: list[int], value: object) -> pd.DataFrame:
    out = frame.copy()
    values = out[column].astype(object)
    for i in rows:
        values.iloc[i] = value
    try:
        out[column] = pd.to_datetime(values)
    except (ValueError, TypeError, OverflowError):  # e.g. 1850 in ns: keep the objects
        out[column] = values
    return out


@st.composite
def frame_variant(draw: st.DrawFn, base: pd.DataFrame, kind: str) -> tuple[str, object]:
    """One malformed variant of ``base`` of ``kind``, with a description."""
    s = shape(base)
    if kind == "none":
        return "None", None
    if kind == "list":
        return "a list of records", base.head(20).to_dict("records")
    if kind == "series":
        return f"the Series {base.columns[0]!r}", base.iloc[:, 0]
    if kind == "empty":
        return "no rows", base.iloc[:0].copy()
    if kind == "one_row":
        i = draw(st.integers(0, len(base) - 1))
        return f"only row {i}", base.iloc[[i]].copy()
    if kind == "missing_column":
        column = draw(st.sampled_from(s.required))
        return f"column {column!r} dropped", base.drop(columns=[column])
    if kind == "mistyped_column":
        column = draw(st.sampled_from(s.numbers + s.dates))
        out = base.copy()
        if column in s.dates:
            out[column] = base[column].dt.strftime("%d/%m/%Y %H:%M")
            return f"{column!r} as text '%d/%m/%Y'", out
        out[column] = base[column].map(lambda v: f"{v}" if pd.notna(v) else "")
        return f"{column!r} as numeric text", out
    if kind == "nan_key":
        column = draw(st.sampled_from(s.keys or s.texts))
        rows = draw(_rows(base))
        out = base.copy()
        values = out[column].astype(object)
        values.iloc[rows] = None
        out[column] = values.astype(base[column].dtype) if base[column].dtype == object else values
        return f"missing {column!r} in rows {rows}", out
    if kind == "int_dates":
        out = base.copy()
        for column in s.dates:
            day = base[column].dt.strftime("%Y%m%d")
            out[column] = pd.to_numeric(day, errors="coerce").astype("Int64")
            if not out[column].isna().any():
                out[column] = out[column].astype("int64")
        return "dates as integers yyyymmdd", out
    if kind == "text_dates":
        out = base.copy()
        for column in s.dates:
            out[column] = base[column].dt.strftime("%d/%m/%Y")
        return "dates as text dd/mm/yyyy", out
    if kind in ("old_date", "future_date"):
        column = draw(st.sampled_from(s.dates))
        rows = draw(_rows(base).map(lambda r: r[:1]))
        value = pd.Timestamp("1850-03-01") if kind == "old_date" else pd.Timestamp("2099-06-01")
        return f"{column!r} of row {rows[0]} is {value.date()}", _set_dates(
            base, column, rows, value.to_pydatetime()
        )
    if kind == "mixed_tz":
        column = draw(st.sampled_from(s.dates))
        rows = draw(_rows(base))
        out = base.copy()
        values = out[column].astype(object)
        for i in rows:
            if pd.notna(values.iloc[i]):
                values.iloc[i] = pd.Timestamp(values.iloc[i]).tz_localize("Europe/Istanbul")
        out[column] = values
        return f"{column!r} time-zone aware in rows {rows}, naive elsewhere", out
    if kind == "duplicate_index":
        cut = draw(st.integers(1, max(1, len(base) - 1)))
        first, second = base.iloc[:cut], base.iloc[cut:]
        out = pd.concat([first.reset_index(drop=True), second.reset_index(drop=True)])
        return f"two batches (rows :{cut} and {cut}:) concatenated, index repeated", out
    if kind == "duplicate_rows":
        return "every row twice", pd.concat([base, base], ignore_index=True)
    if kind == "constant":
        out = pd.concat([base.iloc[[0]]] * max(len(base), 2), ignore_index=True)
        return "every row equal to the first", out
    raise ValueError(kind)


# -- Series, arrays, objects, CRM data -------------------------------------------------------


@st.composite
def series_variant(draw: st.DrawFn, base: pd.Series | np.ndarray, kind: str) -> tuple[str, object]:
    """One malformed variant of a Series (or array) of ``kind``."""
    array = isinstance(base, np.ndarray)
    s = pd.Series(base) if array else base
    if kind == "none":
        return "None", None
    if kind == "frame":
        return "a DataFrame", s.to_frame(name=s.name or "value")
    if kind == "empty":
        out = s.iloc[:0]
    elif kind == "one_row":
        i = draw(st.integers(0, len(s) - 1))
        out = s.iloc[[i]]
    elif kind == "nan_value":
        rows = draw(_rows(s.to_frame()))
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        out = s.astype(float).copy() if numeric else s.astype(object).copy()
        out.iloc[rows] = np.nan if numeric else None
    elif kind == "text_values":
        out = s.map(str)
    elif kind == "duplicate_index":
        cut = draw(st.integers(1, max(1, len(s) - 1)))
        out = pd.concat([s.iloc[:cut].reset_index(drop=True), s.iloc[cut:].reset_index(drop=True)])
        if not array:
            out = pd.concat([s.iloc[:cut], s.iloc[:cut]]).iloc[: len(s)]  # ids repeated
    elif kind == "constant":
        out = pd.Series(s.iloc[0], index=s.index, name=s.name)
    else:
        raise ValueError(kind)
    return kind, (out.to_numpy() if array else out)


def object_variant(base: object, kind: str) -> st.SearchStrategy[tuple[str, object]]:
    """``None`` or a frame in place of a result object."""
    if kind == "none":
        return st.just(("None", None))
    return st.just(("a DataFrame", pd.DataFrame({"x": [1.0, 2.0]})))


def crm_variant(base: CRMData | dict, kind: str) -> st.SearchStrategy[tuple[str, object]]:
    """A mapping of tables whose ``transactions`` is malformed (``kind`` of a frame)."""
    if kind == "none":
        return st.just(("None", None))
    tables = (
        {n: getattr(base, n) for n in ("customers", "transactions", "touchpoints", "campaigns",
                                       "campaign_contacts", "surveys", "complaints",
                                       "mystery_shopping")}
        if isinstance(base, CRMData) else dict(base)
    )  # fmt: skip

    def put(drawn: tuple[str, object]) -> tuple[str, object]:
        what, value = drawn
        return f"transactions: {what}", {**tables, "transactions": value}

    return frame_variant(tables["transactions"], kind).map(put)


def variant(base: object, kind: str) -> st.SearchStrategy[tuple[str, object]]:
    """The strategy for a malformed variant of ``base`` of ``kind``."""
    if isinstance(base, CRMData | dict):
        return crm_variant(base, kind)
    if isinstance(base, pd.DataFrame):
        return frame_variant(base, kind)
    if isinstance(base, pd.Series) or (isinstance(base, np.ndarray) and base.ndim == 1):
        return series_variant(base, kind)
    return object_variant(base, kind)


def today() -> pd.Timestamp:
    """Today's date (the latest plausible date of any record)."""
    return pd.Timestamp(dt.date.today())
