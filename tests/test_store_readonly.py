"""CRMStore.query() is read-only: every statement that would write is refused before it runs.

Issue 15: query() used to run ATTACH (creating a file), leave a file after a failed
VACUUM INTO and accept PRAGMAs that switch off foreign keys or the journal. Each
statement is tried on a file store and on a ":memory:" store.
"""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from portfolio_lib.quality import DataValidationError
from portfolio_lib.store import CRMStore


def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "signup_date": ["2023-01-04", "2023-02-11", "2023-03-20"],
            "region": ["Marmara", "Ege", "Ege"],
        }
    )


def transactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transaction_id": ["T1", "T2", "T3"],
            "customer_id": ["C1", "C2", "C1"],
            "date": ["2023-01-04", "2023-02-11", "2023-03-01"],
            "amount": [49.9, 12.0, 20.0],
        }
    )


@pytest.fixture(params=["file", "memory"])
def store(request, tmp_path):
    path = tmp_path / "crm.sqlite" if request.param == "file" else ":memory:"
    with CRMStore(path) as crm:
        crm.ingest("customers", customers())
        crm.ingest("transactions", transactions())
        yield crm


def files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def assert_unchanged(store: CRMStore) -> None:
    assert store.counts().loc[["customers", "transactions"], "rows"].tolist() == [3, 3]
    assert store.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.connection.execute("PRAGMA writable_schema").fetchone()[0] == 0
    assert store.connection.execute("PRAGMA query_only").fetchone()[0] == 0


def test_attach_is_refused_and_creates_no_file(store, tmp_path):
    before = files(tmp_path)
    target = tmp_path / "attached.db"
    with pytest.raises(DataValidationError, match="read-only and refused ATTACH"):
        store.query(f"ATTACH DATABASE '{target}' AS other")
    with pytest.raises(DataValidationError, match="refused ATTACH"):
        store.query("ATTACH DATABASE ? AS other", [str(target)])
    assert not target.exists()
    assert files(tmp_path) == before
    with pytest.raises(DataValidationError, match="refused DETACH"):
        store.query("DETACH DATABASE other")
    assert_unchanged(store)


@pytest.mark.parametrize("sql", ["VACUUM INTO '{target}'", "VACUUM", "VACUUM main INTO '{target}'"])
def test_vacuum_is_refused_and_leaves_no_file(store, tmp_path, sql):
    before = files(tmp_path)
    target = tmp_path / "copy.db"
    with pytest.raises(DataValidationError, match=r"refused ATTACH .*statement: VACUUM"):
        store.query(sql.format(target=target))
    assert not target.exists()
    assert files(tmp_path) == before
    assert_unchanged(store)


@pytest.mark.parametrize(
    "sql",
    [
        "PRAGMA foreign_keys = OFF",
        "PRAGMA journal_mode = OFF",
        "PRAGMA writable_schema = ON",
        "PRAGMA query_only = OFF",
        "PRAGMA user_version = 7",
        "PRAGMA optimize",
        "pragma Foreign_Keys=0",
    ],
)
def test_pragmas_that_set_something_are_refused(store, sql):
    with pytest.raises(DataValidationError, match=r"refused PRAGMA \w+"):
        store.query(sql)
    assert_unchanged(store)
    assert store.query("PRAGMA user_version").iloc[0, 0] == 0


def test_pragmas_that_only_report_still_work(store):
    assert store.query("PRAGMA foreign_keys").iloc[0, 0] == 1
    assert "customer_id" in store.query("PRAGMA table_info(customers)")["name"].tolist()
    info = store.query("SELECT name FROM pragma_table_info(?) WHERE pk > 0", ["customers"])
    assert info["name"].tolist() == ["customer_id"]
    fks = store.query("SELECT * FROM pragma_foreign_key_list('transactions')")
    assert "customers" in fks["table"].tolist()
    assert store.query("PRAGMA integrity_check").iloc[0, 0] == "ok"


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("INSERT INTO customers (customer_id, signup_date) VALUES ('C9', '2024-01-01')", "INSERT"),
        ("INSERT INTO customers SELECT * FROM customers", "INSERT"),
        ("UPDATE customers SET region = 'x'", "UPDATE"),
        ("DELETE FROM transactions", "DELETE"),
        ("DROP TABLE transactions", "DROP"),
        ("DROP TABLE IF EXISTS transactions", "DROP"),
        ("ALTER TABLE customers ADD COLUMN z TEXT", "ALTER"),
        ("CREATE TABLE x (a)", "CREATE"),
        ("CREATE TEMP TABLE x (a)", "CREATE"),
        ("CREATE INDEX i ON customers (region)", "CREATE"),
        (
            "REPLACE INTO customers (customer_id, signup_date) VALUES ('C1', '2024-01-01')",
            "REPLACE",
        ),
        ("WITH c AS (SELECT 1) DELETE FROM customers", "WITH"),
        ("BEGIN", "BEGIN"),
        ("SAVEPOINT s", "SAVEPOINT"),
        ("ANALYZE", "ANALYZE"),
        ("REINDEX", "REINDEX"),
        ("UPDATE sqlite_master SET sql = 'x'", "UPDATE"),
        ("SELECT load_extension('/tmp/evil')", "SELECT"),
    ],
)
def test_writes_are_refused_and_name_the_statement(store, sql, kind):
    with pytest.raises(DataValidationError, match="read-only") as info:
        store.query(sql)
    assert kind in str(info.value)
    assert_unchanged(store)
    assert store.query("SELECT name FROM sqlite_master WHERE name IN ('x', 'i')").empty


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1; DROP TABLE customers",
        "SELECT * FROM customers; DROP TABLE customers;",
        "SELECT 1; ATTACH DATABASE 'evil.db' AS e",
        "SELECT 1;\n-- trailing\nDELETE FROM customers",
    ],
)
def test_a_second_statement_is_refused(store, tmp_path, monkeypatch, sql):
    monkeypatch.chdir(tmp_path)
    before = files(tmp_path)
    with pytest.raises(DataValidationError, match="exactly one SQL statement"):
        store.query(sql)
    assert files(tmp_path) == before
    assert_unchanged(store)


def test_injection_through_a_parameter_is_only_data(store):
    hostile = "C1'; DROP TABLE customers; --"
    out = store.query("SELECT COUNT(*) AS n FROM customers WHERE customer_id = ?", [hostile])
    assert out["n"].item() == 0
    assert_unchanged(store)


def test_selects_with_parameters_ctes_and_joins_work(store):
    out = store.query(
        """
        WITH spend AS (
            SELECT customer_id, SUM(amount) AS revenue, MIN(date) AS first
            FROM transactions WHERE amount > :floor GROUP BY customer_id
        )
        SELECT c.customer_id, c.region, s.revenue, s.first
        FROM customers AS c LEFT JOIN spend AS s USING (customer_id)
        WHERE c.region IN (:a, :b) ORDER BY c.customer_id
        """,
        {"floor": 0, "a": "Marmara", "b": "Ege"},
        parse_dates=["first"],
    )
    assert out["customer_id"].tolist() == ["C1", "C2", "C3"]
    assert out["revenue"].tolist()[:2] == [pytest.approx(69.9), 12.0]
    assert out.loc[0, "first"] == pd.Timestamp("2023-01-04")
    assert pd.isna(out.loc[2, "first"])
    recursive = store.query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
        "SELECT SUM(x) AS s FROM n",
        [4],
    )
    assert recursive["s"].item() == 10


def test_ingest_works_after_a_refused_query(store, tmp_path):
    for sql in ("DELETE FROM customers", "PRAGMA foreign_keys = OFF", "VACUUM"):
        with pytest.raises(DataValidationError):
            store.query(sql)
    more = pd.DataFrame({"customer_id": ["C4"], "signup_date": ["2023-05-01"]})
    assert store.ingest("customers", more).inserted == 1
    orphan = pd.DataFrame(
        {"transaction_id": ["T9"], "customer_id": ["C99"], "date": ["2023-05-02"], "amount": [1.0]}
    )
    assert store.ingest("transactions", orphan).rejected == 1, "foreign keys are still checked"
    assert store.query("SELECT COUNT(*) AS n FROM customers")["n"].item() == 4


def test_a_file_store_is_queried_through_a_read_only_connection(tmp_path):
    with CRMStore(tmp_path / "crm.sqlite") as crm:
        crm.ingest("customers", customers())
        crm.query("SELECT 1")
        reader = crm._reader
        assert reader is not None and reader is not crm.connection
        assert reader.execute("PRAGMA query_only").fetchone()[0] == 1
        reader.set_authorizer(None)  # even without the guard, the connection cannot write
        with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
            reader.execute("DELETE FROM customers")
        reader.execute("PRAGMA query_only = OFF")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.execute("DELETE FROM customers")
    assert crm._reader is None, "close() closes the reader too"


def test_parse_dates_with_an_unknown_column_names_it_and_lists_the_columns(store):
    with pytest.raises(DataValidationError) as info:
        store.query("SELECT customer_id, signup_date FROM customers", parse_dates=["signup"])
    message = str(info.value)
    assert "'signup'" in message
    assert "['customer_id', 'signup_date']" in message
    out = store.query("SELECT signup_date FROM customers", parse_dates="signup_date")
    assert str(out["signup_date"].dtype) == "datetime64[ns]"
