"""Reading any supported source into pandas, for the in-memory path (``engine="pandas"``)."""

from __future__ import annotations

import pandas as pd

from portfolio_lib.engines.backend import DuckDBEngine

__all__ = ["read_pandas"]


def read_pandas(source: object) -> pd.DataFrame:
    """The whole of ``source`` as a pandas DataFrame (a DataFrame is returned as it is).

    Files, relations, Arrow and Ibis tables and Spark DataFrames are read through DuckDB and
    Arrow; the log must fit in memory.

    Examples
    --------
    >>> read_pandas(pd.DataFrame({"x": [1]}))["x"].tolist()
    [1]
    """
    if isinstance(source, pd.DataFrame):
        return source
    engine = DuckDBEngine()
    return engine.fetch(f"SELECT * FROM {engine.register(source)}")
