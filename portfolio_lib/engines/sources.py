"""Reading any supported source into pandas, for the in-memory path (``engine="pandas"``)."""

from __future__ import annotations

import pandas as pd

from portfolio_lib import _validate
from portfolio_lib.engines.backend import DuckDBEngine
from portfolio_lib.engines.contract import Columns

__all__ = ["read_pandas", "check_frame_dates"]


def check_frame_dates(
    source: object,
    column: str,
    *,
    name: str = "source",
    check_plausible: bool = True,
    window: tuple[object, object] | None = None,
    objects_only: bool = False,
) -> None:
    """Refuse unreadable dates in ``source[column]`` before they reach an engine or a model.

    Only a pandas DataFrame holding ``column`` is checked (other sources are typed by the
    engine). The rule is :func:`portfolio_lib._validate.dates`: integers such as 20230101,
    time-zone aware and naive dates mixed in one column, and (with ``check_plausible``)
    dates outside the plausible window (default 1900 to tomorrow; see ``window``) raise
    :class:`~portfolio_lib.DataValidationError` naming ``name`` and the column, with example
    rows. Missing dates are left to the caller's own check. ``objects_only``: check only a
    column of Python date/time objects (not datetime64, not text), which is where aware and
    naive dates can mix; an engine reads the others itself.

    Examples
    --------
    >>> check_frame_dates(pd.DataFrame({"date": [20240101]}), "date")
    Traceback (most recent call last):
    ...
    portfolio_lib._errors.DataValidationError: source: column date must hold dates: ...
    """
    if not isinstance(source, pd.DataFrame) or column not in source.columns:
        return
    values = source[column]
    if objects_only and (
        values.dtype != object or pd.api.types.infer_dtype(values) in ("string", "empty")
    ):
        return
    _validate.dates(
        source, column, name=name, missing="keep", check_plausible=check_plausible,
        window=window,
    )  # fmt: skip


def read_pandas(
    source: object,
    *,
    columns: Columns | None = None,
    window: tuple[object, object] | None = None,
) -> pd.DataFrame:
    """The whole of ``source`` as a pandas DataFrame (a DataFrame is returned as it is).

    Files, relations, Arrow and Ibis tables and Spark DataFrames are read through DuckDB and
    Arrow; the log must fit in memory. The date column (``columns.date``, default ``date``),
    when present, must hold readable, plausible dates (see :func:`check_frame_dates`; pass
    ``window=(start, end)`` where dates before 1900 or after tomorrow are genuine).

    Raises
    ------
    DataValidationError
        Dates given as integers, mixed time-zone aware and naive dates, or dates outside
        the plausible window (the message shows the rows).

    Examples
    --------
    >>> read_pandas(pd.DataFrame({"x": [1]}))["x"].tolist()
    [1]
    """
    frame = fetch_pandas(source)
    check_frame_dates(frame, (columns or Columns()).date, window=window)
    return frame


def fetch_pandas(source: object) -> pd.DataFrame:
    """The whole of ``source`` as a pandas DataFrame, unchecked (a DataFrame as it is).

    For callers that hand the frame to an in-memory function which validates it with the
    same rules (the ``engine="pandas"`` paths); otherwise use :func:`read_pandas`.

    Examples
    --------
    >>> fetch_pandas(pd.DataFrame({"date": [20240101]}))["date"].tolist()
    [20240101]
    """
    if isinstance(source, pd.DataFrame):
        return source
    engine = DuckDBEngine()
    return engine.fetch(f"SELECT * FROM {engine.register(source)}")
