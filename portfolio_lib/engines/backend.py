"""Where the relational steps run: an embedded DuckDB database or a Spark session.

The queries of :mod:`portfolio_lib.engines` are written once, in DuckDB's SQL dialect, and
:class:`SparkEngine` transpiles them to Spark SQL with ``sqlglot``. An engine holds its inputs
as named views; a query's result is either a *small* result fetched as pandas (parameters,
aggregates, sufficient statistics) or a per-customer :class:`EngineTable` that stays in the
engine until it is written to Parquet.

Inputs (``source``) an engine accepts:

- a pandas DataFrame (registered without a copy in DuckDB; sent to Spark through Arrow);
- a path, glob or list of paths of Parquet (``.parquet``, ``.pq`` or a folder of parts) or
  CSV files (``.csv``, ``.csv.gz``, ``.tsv``; header row, types detected);
- a DuckDB relation, a pyarrow Table or RecordBatchReader, anything with ``to_pyarrow()``
  (an Ibis table), or a Spark DataFrame.

Spark gotchas handled here: ``x / 7.0`` is DECIMAL in Spark SQL, so every division in the
queries divides DOUBLEs (:func:`div`); the session time zone is UTC, so a timestamp's day is
its wall-clock day as in pandas; nothing on the Spark path converts to or from pandas (results
travel as Arrow). Spark cannot read Parquet nanosecond timestamps (pandas' default): write
logs meant for Spark with ``to_parquet(..., coerce_timestamps="us")`` or DATE columns.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

__all__ = [
    "Engine",
    "DuckDBEngine",
    "SparkEngine",
    "EngineTable",
    "ENGINES",
    "get_engine",
    "div",
    "spark_session",
]

#: Engine names accepted by ``engine=`` and ``--engine`` (``"pandas"``: the in-memory path).
ENGINES = ("duckdb", "spark", "pandas")

_PANDAS_WARNING = "PySpark does not yet fully support pandas"
_names = itertools.count()


def div(numerator: str, denominator: str) -> str:
    """SQL text dividing two expressions as DOUBLE in every dialect.

    Examples
    --------
    >>> div("a", "7")
    '(CAST(a AS DOUBLE) / CAST(7 AS DOUBLE))'
    """
    return f"(CAST({numerator} AS DOUBLE) / CAST({denominator} AS DOUBLE))"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Engine(Protocol):
    """What the relational steps need from an engine."""

    name: str

    def __init__(self, *args: object, **kwargs: object) -> None:
        """Engines take their own settings (a connection, a session)."""

    def register(self, source: object) -> str:
        """Make ``source`` a view; return its name."""
        ...

    def create_view(self, query: str) -> str:
        """A view of a DuckDB-dialect query; return its name."""
        ...

    def fetch(self, query: str) -> pd.DataFrame:
        """Run a DuckDB-dialect query and return its (small) result as pandas."""
        ...

    def columns(self, view: str) -> dict[str, str]:
        """Column name -> lower-case type name of a view."""
        ...

    def write_parquet(self, view: str, path: str | os.PathLike[str]) -> str:
        """Write a view as Parquet; return the path to read it back."""
        ...

    def quote(self, name: str) -> str:
        """An identifier quoted for the engine's dialect."""
        ...


def _paths(source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[str]:
    items = [source] if isinstance(source, str | os.PathLike) else list(source)
    return [os.fspath(p) for p in items]


def _file_kind(paths: list[str]) -> str:
    first = paths[0].rstrip("/")
    lower = first.lower()
    if lower.endswith((".parquet", ".pq")) or (os.path.isdir(first)):
        return "parquet"
    if lower.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        return "csv"
    raise ValueError(
        f"cannot tell the file type of {first!r}: use .parquet/.pq (or a folder of Parquet "
        "parts) or .csv/.csv.gz/.tsv"
    )


def _is_path_like(source: object) -> bool:
    if isinstance(source, str | os.PathLike):
        return True
    return (
        isinstance(source, list | tuple)
        and len(source) > 0
        and all(isinstance(s, str | os.PathLike) for s in source)
    )


def _as_arrow(source: object) -> pa.Table | pa.RecordBatchReader | None:
    if isinstance(source, pa.Table | pa.RecordBatchReader):
        return source
    if hasattr(source, "to_pyarrow") and callable(source.to_pyarrow):
        return source.to_pyarrow()  # an Ibis table (executes on its own backend)
    return None


def _is_spark_frame(source: object) -> bool:
    module = type(source).__module__
    return module.startswith("pyspark.sql") and type(source).__name__ == "DataFrame"


@dataclass
class EngineTable:
    """A per-customer result that stays in its engine.

    Attributes
    ----------
    engine : Engine
        The engine holding it.
    view : str
        Its view name there (use it in further queries).
    """

    engine: Engine
    view: str

    def to_pandas(self, *, index: str | None = None) -> pd.DataFrame:
        """Fetch the whole table as pandas (only for results that fit in memory)."""
        frame = self.engine.fetch(f"SELECT * FROM {self.view}")
        return frame.set_index(index) if index is not None else frame

    def count(self) -> int:
        """Number of rows."""
        return int(self.engine.fetch(f"SELECT COUNT(*) AS n FROM {self.view}")["n"].iloc[0])

    def write_parquet(self, path: str | os.PathLike[str]) -> str:
        """Write the table as Parquet (one file with DuckDB, a folder of parts with Spark)."""
        return self.engine.write_parquet(self.view, path)

    @property
    def columns(self) -> list[str]:
        """Column names."""
        return list(self.engine.columns(self.view))


class DuckDBEngine:
    """The embedded default: DuckDB, in this process, spilling to disk when memory is short.

    Parameters
    ----------
    connection : duckdb.DuckDBPyConnection, optional
        A connection to use (default a new in-memory database).
    memory_limit : str, optional
        DuckDB's ``memory_limit`` (e.g. ``"2GB"``); beyond it DuckDB spills to ``temp_directory``.
    threads : int, optional
        Worker threads (default: DuckDB's, all cores).

    Examples
    --------
    >>> import pandas as pd
    >>> engine = DuckDBEngine()
    >>> view = engine.register(pd.DataFrame({"x": [1, 2, 3]}))
    >>> int(engine.fetch(f"SELECT SUM(x) AS s FROM {view}")["s"].iloc[0])
    6
    """

    name = "duckdb"

    def __init__(
        self,
        connection: Any | None = None,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
    ) -> None:
        import duckdb

        self.con = connection if connection is not None else duckdb.connect()
        if memory_limit is not None:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        self._keep: list[object] = []  # registered objects must outlive their views

    def quote(self, name: str) -> str:
        """An identifier quoted for DuckDB."""
        return _quote(name)

    def register(self, source: object) -> str:
        """Make ``source`` a view; return its name (see the module docstring for inputs)."""
        import duckdb

        name = f"pl_in_{next(_names)}"
        if isinstance(source, pd.DataFrame):
            self._keep.append(source)
            self.con.register(name, source)
        elif _is_path_like(source):
            paths = _paths(source)  # type: ignore[arg-type]
            kind = _file_kind(paths)
            listed = ", ".join("'" + _parquet_glob(p).replace("'", "''") + "'" for p in paths)
            reader = "read_parquet" if kind == "parquet" else "read_csv"
            extra = "" if kind == "parquet" else ", header = true"
            self.con.execute(f"CREATE VIEW {name} AS SELECT * FROM {reader}([{listed}]{extra})")
        elif isinstance(source, duckdb.DuckDBPyRelation):
            try:
                source.create_view(name)
                self.con.execute(f"SELECT * FROM {name} LIMIT 0")
            except duckdb.Error:  # a relation of another connection: bring it over as Arrow
                self._keep.append(source.to_arrow_table())
                self.con.register(name, self._keep[-1])
        elif _is_spark_frame(source):
            with _quiet_spark():
                table = source.toArrow()  # type: ignore[attr-defined]
            self._keep.append(table)
            self.con.register(name, table)
        else:
            arrow = _as_arrow(source)
            if arrow is None:
                raise TypeError(
                    "source must be a pandas DataFrame, a path or glob of Parquet/CSV files, a "
                    "DuckDB relation, an Arrow table, an Ibis table or a Spark DataFrame; got "
                    f"{type(source).__name__}"
                )
            self._keep.append(arrow)
            self.con.register(name, arrow)
        return name

    def create_view(self, query: str) -> str:
        """A view of ``query``; return its name."""
        name = f"pl_v_{next(_names)}"
        self.con.execute(f"CREATE VIEW {name} AS {query}")
        return name

    def materialize(self, query: str) -> str:
        """A temporary table holding ``query``'s result (computed once); return its name."""
        name = f"pl_t_{next(_names)}"
        self.con.execute(f"CREATE TEMP TABLE {name} AS {query}")
        return name

    def register_small(self, frame: pd.DataFrame) -> str:
        """A small pandas frame (e.g. scores of unique rows) as a view."""
        return self.register(frame)

    def fetch(self, query: str) -> pd.DataFrame:
        """Run ``query`` and return the result as pandas (via Arrow)."""
        return self.con.sql(query).to_arrow_table().to_pandas()

    def columns(self, view: str) -> dict[str, str]:
        """Column name -> lower-case DuckDB type of ``view``."""
        rows = self.con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall()
        return {str(r[0]): str(r[1]).lower() for r in rows}

    def write_parquet(self, view: str, path: str | os.PathLike[str]) -> str:
        """Write ``view`` as one Parquet file (zstd)."""
        target = os.fspath(path)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        escaped = target.replace("'", "''")
        self.con.execute(f"COPY (SELECT * FROM {view}) TO '{escaped}' (FORMAT parquet)")
        return target


def _parquet_glob(path: str) -> str:
    return path.rstrip("/") + "/**/*.parquet" if os.path.isdir(path) else path


@contextmanager
def _quiet_spark() -> Iterator[None]:
    """Silence PySpark's pandas-version warning: this path converts no pandas objects."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_PANDAS_WARNING)
        yield


def spark_session(*, cores: int = 2, memory: str = "2g") -> Any:
    """A local Spark session for this package (UTC time zone, quiet logs), or the active one.

    The session also loads Splink's similarity-function jar and has a checkpoint directory,
    so that customer identification (:func:`portfolio_lib.identity.resolve` with
    ``db_api=splink.SparkAPI(spark_session=...)``) runs on the same session as the engines.

    Parameters
    ----------
    cores : int
        Local worker threads (``local[cores]``).
    memory : str
        Driver memory, e.g. ``"2g"``.

    Returns
    -------
    pyspark.sql.SparkSession
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError(
            "the Spark engine needs pyspark (pip install 'portfolio-lib[spark]') and a Java "
            "runtime 17+ (e.g. apt-get install openjdk-17-jre-headless)"
        ) from error
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master(f"local[{int(cores)}]")
        .config("spark.jars", similarity_jar_location())
        .appName("portfolio_lib")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(max(2, 2 * int(cores))))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="portfolio_lib_spark_"))
    return session


class SparkEngine:
    """Spark: the same queries on a cluster (or ``local[n]``), transpiled with sqlglot.

    Parameters
    ----------
    session : pyspark.sql.SparkSession, optional
        Default: the active session, else a local one (:func:`spark_session`). Set
        ``spark.sql.session.timeZone`` to ``UTC`` on your own session so that a timestamp's
        day is its wall-clock day, as in pandas.
    """

    name = "spark"

    def __init__(self, session: Any | None = None) -> None:
        self.spark = session if session is not None else spark_session()
        if self.spark.conf.get("spark.sql.session.timeZone") != "UTC":
            self.spark.conf.set("spark.sql.session.timeZone", "UTC")

    def quote(self, name: str) -> str:
        """An identifier quoted for the queries' DuckDB dialect (sqlglot writes backticks)."""
        return _quote(name)

    def translate(self, query: str) -> str:
        """The Spark SQL text of a DuckDB-dialect query."""
        import sqlglot

        return sqlglot.transpile(query, read="duckdb", write="spark")[0]

    def register(self, source: object) -> str:
        """Make ``source`` a temporary view; return its name."""
        name = f"pl_in_{next(_names)}"
        with _quiet_spark():
            if _is_spark_frame(source):
                frame = source
            elif isinstance(source, pd.DataFrame):
                frame = self.spark.createDataFrame(
                    pa.Table.from_pandas(source, preserve_index=False)
                )
            elif _is_path_like(source):
                paths = _paths(source)  # type: ignore[arg-type]
                if _file_kind(paths) == "parquet":
                    frame = self.spark.read.parquet(*paths)
                else:
                    frame = self.spark.read.csv(paths, header=True, inferSchema=True)
            else:
                import duckdb

                if isinstance(source, duckdb.DuckDBPyRelation):
                    arrow = source.to_arrow_table()
                else:
                    arrow = _as_arrow(source)
                    if isinstance(arrow, pa.RecordBatchReader):
                        arrow = arrow.read_all()
                if arrow is None:
                    raise TypeError(
                        "source must be a pandas DataFrame, a path or glob of Parquet/CSV "
                        "files, a DuckDB relation, an Arrow table, an Ibis table or a Spark "
                        f"DataFrame; got {type(source).__name__}"
                    )
                frame = self.spark.createDataFrame(arrow)
        frame.createOrReplaceTempView(name)  # type: ignore[attr-defined]
        return name

    def create_view(self, query: str) -> str:
        """A temporary view of ``query``; return its name."""
        name = f"pl_v_{next(_names)}"
        self.spark.sql(self.translate(query)).createOrReplaceTempView(name)
        return name

    def materialize(self, query: str) -> str:
        """A cached view of ``query`` (computed once, kept in memory/disk by Spark)."""
        name = f"pl_t_{next(_names)}"
        frame = self.spark.sql(self.translate(query)).persist()
        frame.createOrReplaceTempView(name)
        return name

    def register_small(self, frame: pd.DataFrame) -> str:
        """A small pandas frame as a view (sent as Arrow)."""
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
        return self.register(pa.Table.from_pandas(frame, preserve_index=False))

    def fetch(self, query: str) -> pd.DataFrame:
        """Run ``query`` and return the (small) result as pandas, through Arrow."""
        with _quiet_spark():
            table = self.spark.sql(self.translate(query)).toArrow()
        return table.to_pandas()

    def columns(self, view: str) -> dict[str, str]:
        """Column name -> lower-case Spark type of ``view``."""
        schema = self.spark.table(view).schema
        return {f.name: f.dataType.simpleString().lower() for f in schema.fields}

    def write_parquet(self, view: str, path: str | os.PathLike[str]) -> str:
        """Write ``view`` as a folder of Parquet parts."""
        target = os.fspath(path)
        self.spark.table(view).write.mode("overwrite").parquet(target)
        return target


def get_engine(engine: str | Engine | None = None, source: object = None) -> Engine:
    """The engine to use: an instance as given, ``"duckdb"`` (default) or ``"spark"``.

    A Spark DataFrame ``source`` with ``engine=None`` runs on its own Spark session.

    Examples
    --------
    >>> get_engine("duckdb").name
    'duckdb'
    """
    if engine is None:
        if _is_spark_frame(source):
            return SparkEngine(source.sparkSession)  # type: ignore[attr-defined]
        return DuckDBEngine()
    if isinstance(engine, str):
        if engine == "duckdb":
            return DuckDBEngine()
        if engine == "spark":
            return SparkEngine(source.sparkSession if _is_spark_frame(source) else None)  # type: ignore[attr-defined]
        raise ValueError(f"engine must be one of {ENGINES[:2]} or an engine object, got {engine!r}")
    return engine
