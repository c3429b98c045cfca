"""Logs of any size: the customer summaries on DuckDB (embedded, default) or Spark.

The data-sized, relational steps of the course - the CLV summary and the calibration/holdout
split, the RFM table and scores, cohort retention, the stage funnel, conversion-path counts
and the portfolio KPIs per period and segment (:mod:`~portfolio_lib.engines.kpis`) - written once in SQL (DuckDB's dialect, transpiled to Spark SQL with sqlglot) with the
exact definitions of the in-memory functions. Inputs: a pandas frame, a path or glob of
Parquet/CSV files, a DuckDB relation, an Arrow or Ibis table, or a Spark DataFrame. Small
results come back as pandas; per-customer results stay in the engine (:class:`EngineTable`)
or are written to Parquet (``out=``). The models never see the raw log: they are fitted on
the unique (frequency, recency, T) and (frequency, monetary value) rows with counts
(:mod:`~portfolio_lib.engines.models`), and each unique row is scored once.

Which engine when: pandas (the in-memory functions) while the log fits comfortably in memory
(up to ~10^7 rows here); DuckDB on one machine for Parquet/CSV logs of any size (it spills to
disk); Spark when the log already lives on a cluster. The SQLite CRM store of chapter 1 stays
the operational store.
"""

from portfolio_lib.engines.backend import (
    ENGINES,
    DuckDBEngine,
    Engine,
    EngineTable,
    SparkEngine,
    get_engine,
    spark_session,
)
from portfolio_lib.engines.contract import Columns, checked_transactions
from portfolio_lib.engines.sources import read_pandas
from portfolio_lib.engines.summary import as_frame, calibration_holdout, summary_from_transactions

__all__ = [
    "ENGINES",
    "Columns",
    "DuckDBEngine",
    "Engine",
    "EngineTable",
    "SparkEngine",
    "as_frame",
    "calibration_holdout",
    "checked_transactions",
    "get_engine",
    "read_pandas",
    "spark_session",
    "summary_from_transactions",
]
