"""Steps the engine modules share: the in-memory path and the final table of a query."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Literal

import pandas as pd

from portfolio_lib.engines.backend import Engine, EngineTable, get_engine
from portfolio_lib.engines.contract import Columns, checked_transactions
from portfolio_lib.engines.sources import check_frame_dates, fetch_pandas


def in_memory(
    function: Callable[..., pd.DataFrame],
    source: object,
    *,
    columns: Columns,
    out: str | os.PathLike[str] | None,
    **options: object,
) -> pd.DataFrame:
    """``engine="pandas"``: ``function`` (the in-memory twin) on the log read into pandas.

    The log is read unchecked: ``function`` validates it with the package's rules, so the
    dates are checked once.

    ``columns`` become its ``customer_col``, ``date_col``, ``amount_col`` and ``return_col``;
    the result is written as Parquet to ``out`` if given.
    """
    frame = function(
        fetch_pandas(source),  # function validates the log (dates included) itself
        **options,
        customer_col=columns.customer_id,
        date_col=columns.date,
        amount_col=columns.amount,
        return_col=columns.is_return,
    )
    if out is not None:
        frame.to_parquet(out)
    return frame


def checked_log(
    source: object,
    engine: str | Engine | None,
    *,
    columns: Columns,
    end: pd.Timestamp | None,
    late: Literal["raise", "drop"],
) -> tuple[Engine, str]:
    """The engine for ``source`` and the view of its checked log (canonical columns).

    See :func:`~portfolio_lib.engines.contract.checked_transactions` for the checks and the
    view's columns ``customer``, ``day``, ``amount``, ``is_return``.
    """
    # mixed time-zone aware and naive dates fail inside DuckDB naming nothing: refuse them
    # here, naming the column (the engine checks text, missing and late dates itself)
    check_frame_dates(
        source, columns.date, name="transactions", check_plausible=False, objects_only=True
    )
    eng = get_engine(engine, source)
    view = checked_transactions(eng, eng.register(source), columns=columns, end=end, late=late)
    return eng, view


def finish(engine: Engine, query: str, out: str | os.PathLike[str] | None) -> EngineTable:
    """The result of ``query``: written to ``out`` as Parquet and read back, or materialised."""
    if out is not None:
        view = engine.create_view(query)
        path = engine.write_parquet(view, out)
        return EngineTable(engine, engine.register(path))
    return EngineTable(engine, engine.materialize(query))
