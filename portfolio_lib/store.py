"""The CRM database: SQLite tables created from the canonical schemas.

:class:`CRMStore` keeps the sample company's tables (customers, transactions,
touchpoints, campaigns, campaign_contacts, surveys, complaints,
mystery_shopping) in one SQLite file with primary and foreign keys
(``PRAGMA foreign_keys = ON``). Data only enters through :meth:`CRMStore.ingest`,
which is

* **validated** -- every row is checked with :func:`portfolio_lib.quality.validate_table`;
  a row that fails, refers to an unknown parent (e.g. a transaction of an
  unknown customer) or reuses a stored key with different content goes to
  the ``rejects`` table with the reason, the row as JSON and the time:
  nothing is lost;
* **idempotent** -- a row whose key is already stored with the same content is
  counted as a duplicate and not inserted again, so re-ingesting a batch
  changes nothing;
* **atomic** -- one SQLite transaction per call: if anything fails midway the
  database is left exactly as it was.

Examples
--------
>>> import pandas as pd
>>> from portfolio_lib.store import CRMStore
>>> customers = pd.DataFrame({"customer_id": ["C1"], "signup_date": ["2024-01-02"]})
>>> sales = pd.DataFrame({"transaction_id": ["T1", "T2"], "customer_id": ["C1", "C9"],
...                       "date": ["2024-01-02", "2024-01-05"], "amount": [25.0, 10.0]})
>>> with CRMStore(":memory:") as store:
...     _ = store.ingest("customers", customers)
...     result = store.ingest("transactions", sales)
...     again = store.ingest("transactions", sales)
...     reasons = store.read("rejects")["reason"].tolist()
>>> (result.inserted, result.rejected, again.inserted, again.duplicates, reasons)
(1, 1, 0, 1, ['unknown customer_id'])
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, require_columns
from portfolio_lib.quality import (
    ANNOTATION_COLUMNS,
    DATETIME_DTYPE,
    FAILED_COLUMN,
    REASON_COLUMN,
    SCHEMAS,
    TABLE_ORDER,
    TableSchema,
    apply_dtypes,
    validate_table,
)

__all__ = ["CRMStore", "IngestResult", "REJECTS_TABLE", "create_table_sql"]

#: Name of the table holding every rejected row.
REJECTS_TABLE = "rejects"

_SQL_TYPES = {
    "str": "TEXT",
    "date": "TEXT",  # ISO 8601 'YYYY-MM-DD'
    "timestamp": "TEXT",  # ISO 8601 'YYYY-MM-DD HH:MM:SS'
    "float": "REAL",
    "int": "INTEGER",
    "bool": "INTEGER",  # 0/1
}

_REJECTS_SQL = f"""CREATE TABLE IF NOT EXISTS {REJECTS_TABLE} (
  reject_id INTEGER PRIMARY KEY,
  table_name TEXT NOT NULL,
  source_index TEXT NOT NULL,
  row_json TEXT NOT NULL,
  reason TEXT NOT NULL,
  failed_column TEXT,
  ingested_at TEXT NOT NULL,
  UNIQUE (table_name, source_index, row_json, reason)
)"""
_REJECT_COLUMNS = (
    "reject_id",
    "table_name",
    "source_index",
    "row_json",
    "reason",
    "failed_column",
    "ingested_at",
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(schema: TableSchema) -> str:
    """The ``CREATE TABLE`` statement for a canonical schema.

    Primary-key and non-nullable columns are ``NOT NULL``; booleans are
    ``INTEGER`` with a 0/1 check; dates and timestamps are ISO 8601 text.

    Examples
    --------
    >>> from portfolio_lib.quality import get_schema
    >>> "FOREIGN KEY" in create_table_sql(get_schema("transactions"))
    True
    """
    lines = []
    for col in schema.columns:
        decl = f"{_quote(col.name)} {_SQL_TYPES[col.kind]}"
        if not col.nullable or col.name in schema.primary_key:
            decl += " NOT NULL"
        if col.kind == "bool":
            decl += f" CHECK ({_quote(col.name)} IN (0, 1))"
        lines.append(decl)
    if schema.primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(map(_quote, schema.primary_key))})")
    for fk in schema.foreign_keys:
        lines.append(
            f"FOREIGN KEY ({_quote(fk.column)}) REFERENCES {_quote(fk.table)} ({_quote(fk.references)})"
        )
    body = ",\n  ".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {_quote(schema.name)} (\n  {body}\n)"


@dataclass(frozen=True)
class IngestResult:
    """What one :meth:`CRMStore.ingest` call did with a batch.

    ``inserted + duplicates + rejected`` equals the number of rows in the batch.

    Attributes
    ----------
    inserted : int
        New rows written.
    duplicates : int
        Rows already stored (same key, same content) or repeated within the batch.
    rejected : int
        Rows written to the ``rejects`` table instead, with a reason.
    table : str
        The table ingested into.
    """

    inserted: int
    duplicates: int
    rejected: int
    table: str = ""

    @property
    def total(self) -> int:
        """Rows in the batch."""
        return self.inserted + self.duplicates + self.rejected


class CRMStore:
    """A SQLite CRM database with validated, idempotent, atomic ingestion.

    Parameters
    ----------
    path : str or os.PathLike
        The database file (created if absent), or ``":memory:"``.

    Notes
    -----
    Tables are created from :data:`portfolio_lib.quality.SCHEMAS` when the
    store is opened. Dates are stored as ISO 8601 text and come back from
    :meth:`read` as ``datetime64``. Use the store as a context manager or call
    :meth:`close`.

    Examples
    --------
    >>> import pandas as pd
    >>> with CRMStore(":memory:") as store:
    ...     _ = store.ingest("customers", pd.DataFrame(
    ...         {"customer_id": ["C1", "C2"], "signup_date": ["2024-01-02", "2024-02-03"]}))
    ...     store.query("SELECT COUNT(*) AS n FROM customers")["n"].item()
    2
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        self._conn: sqlite3.Connection | None = sqlite3.connect(self.path, isolation_level=None)
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("BEGIN")
        try:
            for name in TABLE_ORDER:
                self._conn.execute(create_table_sql(SCHEMAS[name]))
            self._conn.execute(_REJECTS_SQL)
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._reader: sqlite3.Connection | None = None  # query()'s read-only connection

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (safe to call twice)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> CRMStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The open :class:`sqlite3.Connection` (raises if the store is closed)."""
        if self._conn is None:
            raise sqlite3.ProgrammingError(f"CRMStore({self.path!r}) is closed")
        return self._conn

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return f"CRMStore({self.path!r}, {state})"

    # -- writing ---------------------------------------------------------------------------

    def ingest(self, table: str, frame: pd.DataFrame) -> IngestResult:
        """Add a batch of rows to ``table``, in one transaction.

        Each row is validated (:func:`portfolio_lib.quality.validate_table`),
        its foreign keys are checked against the stored parent tables, and its
        primary key against the stored rows. A row goes to exactly one of:
        inserted; duplicate (key already stored, or earlier in the batch, with
        identical content -- not inserted again); rejected (written to the
        ``rejects`` table with the reason: a validation reason such as
        ``"missing customer_id"``, ``"unknown <column>"`` for a missing parent,
        or ``"conflicting <key>"`` for a stored key with different content --
        stored rows are never overwritten).

        Parameters
        ----------
        table : str
            One of :data:`portfolio_lib.quality.TABLE_ORDER`.
        frame : pandas.DataFrame
            Canonical columns of ``table``: at least its required columns and
            primary key; other schema columns are optional (stored as NULL).
            Columns in :data:`portfolio_lib.quality.ANNOTATION_COLUMNS` are
            ignored; any other unknown column is an error.

        Returns
        -------
        IngestResult

        Raises
        ------
        DataValidationError
            Required or key columns missing, or columns not in the schema
            (nothing is written).
        Exception
            Anything raised while writing; the transaction is rolled back, so
            the database (rejects included) is unchanged.

        Examples
        --------
        >>> import pandas as pd
        >>> with CRMStore(":memory:") as store:
        ...     batch = pd.DataFrame({"customer_id": ["C1", "C1"],
        ...                           "signup_date": ["2024-01-02", "2024-01-02"]})
        ...     store.ingest("customers", batch)
        IngestResult(inserted=1, duplicates=1, rejected=0, table='customers')
        """
        schema = self._schema(table)
        self._check_frame(schema, frame)
        conn = self.connection
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = self._ingest(schema, frame)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return result

    def ingest_tables(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, IngestResult]:
        """Ingest several tables, parents first, all in ONE transaction.

        Parameters
        ----------
        tables : mapping of table name to DataFrame
            E.g. ``crm.tables`` of the simulated company. Names must be in
            :data:`portfolio_lib.quality.TABLE_ORDER`.

        Returns
        -------
        dict of str to IngestResult
            In the order the tables were ingested.

        Examples
        --------
        >>> import pandas as pd
        >>> with CRMStore(":memory:") as store:
        ...     out = store.ingest_tables({
        ...         "transactions": pd.DataFrame({"transaction_id": ["T1"], "customer_id": ["C1"],
        ...                                       "date": ["2024-01-02"], "amount": [9.5]}),
        ...         "customers": pd.DataFrame({"customer_id": ["C1"],
        ...                                    "signup_date": ["2024-01-02"]})})
        >>> [(name, r.inserted) for name, r in out.items()]
        [('customers', 1), ('transactions', 1)]
        """
        if not isinstance(tables, Mapping):
            raise TypeError(
                f"tables must be a mapping of table name -> DataFrame, got {type(tables).__name__}"
            )
        unknown = [name for name in tables if name not in SCHEMAS]
        if unknown:
            raise ValueError(f"unknown table(s) {unknown}; known tables: {list(TABLE_ORDER)}")
        ordered = [name for name in TABLE_ORDER if name in tables]
        for name in ordered:
            self._check_frame(SCHEMAS[name], tables[name])
        conn = self.connection
        conn.execute("BEGIN IMMEDIATE")
        try:
            results = {name: self._ingest(SCHEMAS[name], tables[name]) for name in ordered}
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return results

    def _schema(self, table: str) -> TableSchema:
        if table not in SCHEMAS:
            raise ValueError(f"unknown table {table!r}; known tables: {list(TABLE_ORDER)}")
        return SCHEMAS[table]

    @staticmethod
    def _check_frame(schema: TableSchema, frame: pd.DataFrame) -> None:
        require_columns(frame, schema.storage_columns, name=schema.name)
        unknown = [
            c for c in frame.columns if c not in schema.column_names and c not in ANNOTATION_COLUMNS
        ]
        if unknown:
            raise DataValidationError(
                f"{schema.name}: column(s) {unknown} are not in the {schema.name} schema "
                f"(nothing was stored); schema columns: {list(schema.column_names)}"
            )

    def _ingest(self, schema: TableSchema, frame: pd.DataFrame) -> IngestResult:
        """The body of an ingest; the caller owns the transaction."""
        labels = list(frame.index)
        batch = frame.reset_index(drop=True)
        report = validate_table(batch, schema, check_duplicates=False, check_keys=False)
        rejects: list[tuple[int, str, str]] = [
            (int(pos), reason, column)
            for pos, reason, column in zip(
                report.rejected.index,
                report.rejected[REASON_COLUMN],
                report.rejected[FAILED_COLUMN],
                strict=True,
            )
        ]
        valid = pd.concat([report.clean, report.returns]).sort_index()
        columns = [c for c in schema.column_names if c in batch.columns]
        rows = _to_sql_rows(valid, schema, columns)
        positions = [int(p) for p in valid.index]

        # A stored row needs its whole primary key (optional for analysis, e.g. transaction_id).
        keep = np.ones(len(rows), dtype=bool)
        for k in schema.primary_key:
            i = columns.index(k)
            for n, row in enumerate(rows):
                if keep[n] and row[i] is None:
                    keep[n] = False
                    rejects.append((positions[n], f"missing {k}", k))
        # Foreign keys: the parent must already be stored.
        for fk in schema.foreign_keys:
            if fk.column not in columns:
                continue
            known = self._stored_values(fk.table, fk.references)
            i = columns.index(fk.column)
            for n, row in enumerate(rows):
                if keep[n] and row[i] is not None and row[i] not in known:
                    keep[n] = False
                    rejects.append((positions[n], f"unknown {fk.column}", fk.column))
        rows = [r for r, k in zip(rows, keep, strict=True) if k]
        positions = [p for p, k in zip(positions, keep, strict=True) if k]

        # Primary key: identical content = duplicate, different content = conflict.
        key_index = [columns.index(k) for k in schema.primary_key]
        label = "+".join(schema.primary_key)
        stored = self._stored_rows(schema, columns, {tuple(r[i] for i in key_index) for r in rows})
        seen: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        new_rows: list[tuple[Any, ...]] = []
        duplicates = 0
        for pos, row in zip(positions, rows, strict=True):
            key = tuple(row[i] for i in key_index)
            prior = seen.get(key, stored.get(key))
            if prior is None:
                seen[key] = row
                new_rows.append(row)
            elif prior == row:
                duplicates += 1
            else:
                rejects.append((pos, f"conflicting {label}", label))

        _insert_rows(self.connection, schema.name, columns, new_rows)
        self._write_rejects(schema.name, batch, labels, rejects)
        return IngestResult(len(new_rows), duplicates, len(rejects), table=schema.name)

    def _stored_values(self, table: str, column: str) -> set[Any]:
        cursor = self.connection.execute(f"SELECT DISTINCT {_quote(column)} FROM {_quote(table)}")
        return {value for (value,) in cursor}

    def _stored_rows(
        self, schema: TableSchema, columns: Sequence[str], keys: set[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        """Stored rows (restricted to ``columns``) whose primary key is in ``keys``."""
        if not keys:
            return {}
        conn = self.connection
        key_cols = [f"k{i}" for i in range(len(schema.primary_key))]
        conn.execute("DROP TABLE IF EXISTS temp._ingest_keys")
        conn.execute(f"CREATE TEMP TABLE _ingest_keys ({', '.join(key_cols)})")
        marks = ", ".join("?" * len(key_cols))
        conn.executemany(f"INSERT INTO temp._ingest_keys VALUES ({marks})", sorted(keys, key=repr))
        on = " AND ".join(
            f"t.{_quote(k)} = k.{kc}" for k, kc in zip(schema.primary_key, key_cols, strict=True)
        )
        select = ", ".join(f"t.{_quote(c)}" for c in columns)
        cursor = conn.execute(
            f"SELECT {select} FROM {_quote(schema.name)} AS t JOIN temp._ingest_keys AS k ON {on}"
        )
        key_index = [list(columns).index(k) for k in schema.primary_key]
        found = {tuple(row[i] for i in key_index): tuple(row) for row in cursor}
        conn.execute("DROP TABLE temp._ingest_keys")
        return found

    def _write_rejects(
        self,
        table: str,
        batch: pd.DataFrame,
        labels: Sequence[Any],
        rejects: Sequence[tuple[int, str, str]],
    ) -> None:
        if not rejects:
            return
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
        original_columns = list(batch.columns)
        records = [
            (
                table,
                str(labels[pos]),
                _row_json(batch.iloc[pos][original_columns]),
                reason,
                column,
                now,
            )
            for pos, reason, column in sorted(rejects)
        ]
        self.connection.executemany(
            f"INSERT OR IGNORE INTO {REJECTS_TABLE} "
            "(table_name, source_index, row_json, reason, failed_column, ingested_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            records,
        )

    # -- reading ---------------------------------------------------------------------------

    def read(self, table: str) -> pd.DataFrame:
        """A whole table, in insertion order, with canonical dtypes restored.

        Parameters
        ----------
        table : str
            A table of :data:`portfolio_lib.quality.TABLE_ORDER`, or ``"rejects"``
            (columns ``reject_id``, ``table_name``, ``source_index`` (the row's
            index label in its batch, as text), ``row_json``, ``reason``,
            ``failed_column``, ``ingested_at`` (UTC)).

        Returns
        -------
        pandas.DataFrame
            Every schema column (NULL where a batch did not have it); dates as
            ``datetime64``, integers as ``int64`` (``float64`` if some are
            missing), booleans as ``bool`` (``boolean`` if some are missing).

        Examples
        --------
        >>> import pandas as pd
        >>> with CRMStore(":memory:") as store:
        ...     _ = store.ingest("customers", pd.DataFrame(
        ...         {"customer_id": ["C1"], "signup_date": ["2024-01-02"], "age": [41]}))
        ...     str(store.read("customers")["signup_date"].dtype)
        'datetime64[ns]'
        """
        if table == REJECTS_TABLE:
            cursor = self.connection.execute(
                f"SELECT {', '.join(_REJECT_COLUMNS)} FROM {REJECTS_TABLE} ORDER BY reject_id"
            )
            out = pd.DataFrame.from_records(list(cursor), columns=list(_REJECT_COLUMNS))
            out["reject_id"] = out["reject_id"].astype("int64")
            for name in _REJECT_COLUMNS[1:-1]:
                out[name] = out[name].astype("str")
            out["ingested_at"] = pd.to_datetime(out["ingested_at"], format="ISO8601").astype(
                DATETIME_DTYPE
            )
            return out
        schema = self._schema(table)
        select = ", ".join(map(_quote, schema.column_names))
        cursor = self.connection.execute(f"SELECT {select} FROM {_quote(table)} ORDER BY rowid")
        frame = pd.DataFrame.from_records(list(cursor), columns=list(schema.column_names))
        return apply_dtypes(frame, schema)

    def query(
        self,
        sql: str,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
        *,
        parse_dates: Sequence[str] = (),
    ) -> pd.DataFrame:
        """Run ONE read-only SQL statement with bound parameters.

        Values are passed to SQLite through ``params`` and bound to ``?`` (or
        ``:name``) placeholders -- never format them into ``sql`` yourself
        (that is how SQL injection happens). Use :meth:`ingest` to add data.

        The statement cannot change anything, on disk or in the connection:

        * a file store is queried through a second connection opened read-only
          (``file:...?mode=ro``) with ``PRAGMA query_only = ON``; a ``":memory:"``
          store (which no second connection can open) through its own
          connection with ``query_only`` on for the call;
        * on both, an SQLite authorizer allows only reading: ``SELECT`` (with
          CTEs, joins, sub-queries), the ``pragma_*`` table-valued functions and
          PRAGMAs that only report (``PRAGMA foreign_keys``, ``table_info``, ...).
          It refuses, before anything runs, INSERT, UPDATE, DELETE, CREATE, DROP,
          ALTER, ATTACH, DETACH, VACUUM (also ``VACUUM INTO``, which would write a
          file), ANALYZE, REINDEX, transactions and savepoints, every PRAGMA that
          sets a value (``foreign_keys = OFF``, ``journal_mode = OFF``,
          ``writable_schema = ON``, ...) and ``load_extension()``.

        Parameters
        ----------
        sql : str
            A single statement (a trailing ``;`` is fine).
        params : sequence or mapping, optional
            Values for the placeholders.
        parse_dates : sequence of str
            Result columns to convert from ISO 8601 text to ``datetime64``.

        Returns
        -------
        pandas.DataFrame
            One column per result column (SQLite types: text, float, int).

        Raises
        ------
        DataValidationError
            A refused statement (the message names its kind, e.g. ``ATTACH`` or
            ``PRAGMA foreign_keys = OFF``, and nothing was run), more than one
            statement, or a ``parse_dates`` name that is not a result column
            (the message lists the result's columns). It subclasses
            :class:`ValueError`.
        TypeError
            ``sql`` is not a string.

        Examples
        --------
        >>> import pandas as pd
        >>> with CRMStore(":memory:") as store:
        ...     _ = store.ingest("customers", pd.DataFrame(
        ...         {"customer_id": ["C1", "C2"], "signup_date": ["2024-01-02", "2024-03-01"]}))
        ...     store.query("SELECT customer_id FROM customers WHERE signup_date >= ?",
        ...                 ["2024-02-01"])["customer_id"].tolist()
        ['C2']
        """
        if not isinstance(sql, str):
            raise TypeError(f"sql must be a str, got {type(sql).__name__}")
        dates = [parse_dates] if isinstance(parse_dates, str) else list(parse_dates)
        guard = _ReadOnlyGuard()
        reader = self._read_connection()
        shared = reader is self.connection
        if shared:
            reader.execute("PRAGMA query_only = ON")
        reader.set_authorizer(guard)  # also re-prepares cached statements under it
        cursor = None
        try:
            cursor = reader.execute(sql, params if params is not None else ())
            rows = cursor.fetchall()
            names = [d[0] for d in cursor.description or ()]
        except (sqlite3.ProgrammingError, sqlite3.Warning) as exc:
            if "one statement" in str(exc):
                raise DataValidationError(
                    "query() runs exactly one SQL statement; split the script into "
                    f"separate calls. Got: {sql!r}"
                ) from exc
            raise
        except sqlite3.DatabaseError as exc:
            if guard.refused:
                raise DataValidationError(
                    f"query() is read-only and refused {guard.refused} "
                    f"(statement: {_leading_keyword(sql)}); nothing was run. Use ingest() "
                    f"to add data. Got: {sql!r}"
                ) from exc
            if any(word in str(exc) for word in ("readonly", "read-only", "may not be modified")):
                raise DataValidationError(
                    f"query() is read-only; use ingest() to add data. Got: {sql!r}"
                ) from exc
            raise
        finally:
            if cursor is not None:
                cursor.close()
            if shared:
                reader.set_authorizer(None)
                reader.execute("PRAGMA query_only = OFF")
        out = pd.DataFrame.from_records(rows, columns=names)
        unknown = [name for name in dates if name not in out.columns]
        if unknown:
            raise DataValidationError(
                f"parse_dates names {unknown} which the query did not return; "
                f"its columns are {list(out.columns)}"
            )
        for name in dates:
            out[name] = pd.to_datetime(out[name], format="ISO8601").astype(DATETIME_DTYPE)
        return out

    def _read_connection(self) -> sqlite3.Connection:
        """query()'s connection: a read-only one for a file, the store's own for memory."""
        conn = self.connection
        if self.path in ("", ":memory:"):
            return conn
        if self._reader is None:
            uri = Path(self.path).resolve().as_uri() + "?mode=ro"
            reader = sqlite3.connect(uri, uri=True, isolation_level=None)
            reader.execute("PRAGMA foreign_keys = ON")  # reports as the store's connection
            reader.execute("PRAGMA query_only = ON")
            self._reader = reader
        return self._reader

    def counts(self) -> pd.DataFrame:
        """Rows per table (including ``rejects``), as a DataFrame indexed by ``table``.

        Examples
        --------
        >>> with CRMStore(":memory:") as store:
        ...     int(store.counts().loc["customers", "rows"])
        0
        """
        names = [*TABLE_ORDER, REJECTS_TABLE]
        rows = [
            (name, self.connection.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0])
            for name in names
        ]
        return pd.DataFrame(rows, columns=["table", "rows"]).set_index("table")


# ---------------------------------------------------------------------------------------------
# query()'s guard: an SQLite authorizer that allows reading only
# ---------------------------------------------------------------------------------------------

#: Authorizer actions that only read.
_READ_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE})
#: PRAGMAs that only report, allowed with or without an argument (it names a table or index).
_REPORTING_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "integrity_check",
        "quick_check",
        "database_list",
        "collation_list",
        "function_list",
        "module_list",
        "pragma_list",
        "compile_options",
    }
)
#: PRAGMAs whose current setting may be read (``PRAGMA name`` without ``= value``).
_READABLE_SETTINGS = frozenset(
    {
        "foreign_keys",
        "journal_mode",
        "user_version",
        "application_id",
        "schema_version",
        "data_version",
        "page_size",
        "page_count",
        "freelist_count",
        "encoding",
        "auto_vacuum",
        "synchronous",
        "query_only",
        "cache_size",
        "busy_timeout",
        "recursive_triggers",
        "case_sensitive_like",
    }
)
_REFUSED_FUNCTIONS = frozenset({"load_extension"})
_SCHEMA_TABLES = frozenset({"sqlite_master", "sqlite_temp_master", "sqlite_schema"})
_AUTHORIZER_ACTIONS = (
    "CREATE_INDEX CREATE_TABLE CREATE_TEMP_INDEX CREATE_TEMP_TABLE CREATE_TEMP_TRIGGER "
    "CREATE_TEMP_VIEW CREATE_TRIGGER CREATE_VIEW DELETE DROP_INDEX DROP_TABLE DROP_TEMP_INDEX "
    "DROP_TEMP_TABLE DROP_TEMP_TRIGGER DROP_TEMP_VIEW DROP_TRIGGER DROP_VIEW INSERT PRAGMA READ "
    "SELECT TRANSACTION UPDATE ATTACH DETACH ALTER_TABLE REINDEX ANALYZE CREATE_VTABLE "
    "DROP_VTABLE FUNCTION SAVEPOINT RECURSIVE"
).split()
_ACTION_NAMES = {
    getattr(sqlite3, "SQLITE_" + name): name.replace("_", " ")
    for name in _AUTHORIZER_ACTIONS
    if hasattr(sqlite3, "SQLITE_" + name)
}


class _ReadOnlyGuard:
    """An authorizer (``sqlite3.Connection.set_authorizer``) that allows reading only.

    It remembers the first action it refused, as words (``"ATTACH of '/tmp/x.db'"``,
    ``"PRAGMA foreign_keys = OFF"``), for query()'s error message.
    """

    def __init__(self) -> None:
        self._refused: list[tuple[bool, str]] = []

    @property
    def refused(self) -> str:
        """The refused action to name: the first on a user's object, else the first ("")."""
        own = [text for internal, text in self._refused if not internal]
        return own[0] if own else (self._refused[0][1] if self._refused else "")

    def __call__(
        self, action: int, arg1: str | None, arg2: str | None, db: str | None, source: str | None
    ) -> int:
        if self._allowed(action, arg1, arg2):
            return sqlite3.SQLITE_OK
        self._refused.append((arg1 in _SCHEMA_TABLES, self._describe(action, arg1, arg2)))
        return sqlite3.SQLITE_DENY

    @staticmethod
    def _allowed(action: int, arg1: str | None, arg2: str | None) -> bool:
        if action in _READ_ACTIONS:
            return True
        if action == sqlite3.SQLITE_UPDATE and arg1 in _SCHEMA_TABLES:
            # SQLite asks this when it loads the schema for a pragma_* function; a real
            # change of the schema table is refused by SQLite itself (writable_schema is
            # off and cannot be turned on here) and by query_only.
            return True
        if action == sqlite3.SQLITE_FUNCTION:
            return (arg2 or "").lower() not in _REFUSED_FUNCTIONS
        if action == sqlite3.SQLITE_PRAGMA:
            name = (arg1 or "").lower()
            return name in _REPORTING_PRAGMAS or (arg2 is None and name in _READABLE_SETTINGS)
        return False

    @staticmethod
    def _describe(action: int, arg1: str | None, arg2: str | None) -> str:
        if action == sqlite3.SQLITE_PRAGMA:
            value = f" = {arg2}" if arg2 is not None else ""
            return f"PRAGMA {arg1}{value}"
        if action == sqlite3.SQLITE_ATTACH:
            return f"ATTACH of {arg1!r}"
        if action == sqlite3.SQLITE_FUNCTION:
            return f"the function {arg2}()"
        kind = _ACTION_NAMES.get(action, f"action {action}")
        target = arg1 or arg2
        return f"{kind} on {target!r}" if target else kind


def _leading_keyword(sql: str) -> str:
    """The first SQL keyword of ``sql``, upper-cased, after comments and blanks ("VACUUM")."""
    text = sql
    while True:
        text = text.lstrip()
        if text.startswith("--"):
            text = text.partition("\n")[2]
        elif text.startswith("/*"):
            text = text.partition("*/")[2]
        else:
            break
    word = text.split(None, 1)[0] if text.split() else ""
    return "".join(ch for ch in word if ch.isalpha()).upper() or "(empty)"


# ---------------------------------------------------------------------------------------------
# Conversion between pandas and SQLite values
# ---------------------------------------------------------------------------------------------


def _is_na(value: Any) -> bool:
    if value is None:
        return True
    if np.ndim(value) != 0:
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _sql_text(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))  # ids read as floats (a CSV column with blanks) -> "13085"
    return str(value)


def _column_to_sql(values: pd.Series, kind: str) -> list[Any]:
    """One validated column as a list of SQLite values (None where missing)."""
    missing = values.isna().to_numpy(dtype=bool)
    if kind == "str":
        if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
            out = values.astype(object).tolist()
        else:
            out = [
                None if m else _sql_text(v) for v, m in zip(values.tolist(), missing, strict=True)
            ]
    elif kind in ("date", "timestamp"):
        stamps = pd.to_datetime(values)
        fine = (stamps.dt.microsecond == 0) & (stamps.dt.nanosecond == 0)
        out = stamps.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object).tolist()
        if kind == "date":
            midnight = (stamps == stamps.dt.normalize()).to_numpy(dtype=bool)
            days = stamps.dt.strftime("%Y-%m-%d").astype(object).tolist()
            out = [d if m else o for d, o, m in zip(days, out, midnight, strict=True)]
        for i in np.flatnonzero(~fine.to_numpy(dtype=bool) & ~missing):
            out[i] = stamps.iloc[i].isoformat(sep=" ")  # keep sub-second parts exactly
    elif kind == "float":
        out = values.astype("float64").tolist()
    elif kind == "int":
        numbers = values.astype("float64").to_numpy()
        out = np.where(missing, 0, numbers).astype(np.int64).tolist()
    elif kind == "bool":
        out = [bool(v) if not m else None for v, m in zip(values.tolist(), missing, strict=True)]
        out = [None if v is None else int(v) for v in out]
    else:  # pragma: no cover - the schema kinds are closed
        raise ValueError(f"unknown column kind {kind!r}")
    return [None if m else v for v, m in zip(out, missing, strict=True)]


def _to_sql_rows(
    frame: pd.DataFrame, schema: TableSchema, columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Rows of ``frame`` (already validated) as tuples of SQLite values."""
    converted = [_column_to_sql(frame[name], schema.column(name).kind) for name in columns]
    return list(zip(*converted, strict=True)) if converted else [() for _ in range(len(frame))]


def _insert_rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    if not rows:
        return
    marks = ", ".join("?" * len(columns))
    conn.executemany(
        f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, columns))}) VALUES ({marks})",
        rows,
    )


def _jsonable(value: Any) -> Any:
    if _is_na(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _row_json(row: pd.Series) -> str:
    """One row as a JSON object (column -> value), dates as ISO text, missing as null."""
    return json.dumps({str(k): _jsonable(v) for k, v in row.items()}, ensure_ascii=False)
