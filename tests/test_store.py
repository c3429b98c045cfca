"""Tests for portfolio_lib.store: the SQLite CRM database."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_lib import store as store_module
from portfolio_lib.quality import SCHEMAS, TABLE_ORDER, DataValidationError
from portfolio_lib.store import CRMStore, IngestResult


def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "signup_date": pd.to_datetime(["2023-01-04", "2023-02-11", "2023-03-20"]).as_unit("ns"),
            "acquisition_channel": ["search", "social", "store"],
            "acquisition_cost": [12.5, 30.0, 0.0],
            "region": ["Marmara", "Ege", "İç Anadolu"],
            "age": [34, 51, 27],
            "gender": ["female", "male", "female"],
            "loyalty_member": [True, False, True],
            "loyalty_join_date": pd.to_datetime(["2023-02-01", None, "2023-04-02"]).as_unit("ns"),
        }
    )


def transactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transaction_id": ["T1", "T2", "T3", "T4"],
            "customer_id": ["C1", "C2", "C1", "C3"],
            "date": pd.to_datetime(
                ["2023-01-04", "2023-02-11", "2023-03-01", "2023-03-20"]
            ).as_unit("ns"),
            "amount": [49.9, 12.0, -49.9, 8.75],
            "category": ["home", "beauty", "home", "sports"],
            "channel": ["online", "store", "online", "app"],
            "is_return": [False, False, True, False],
            "points_earned": [4, 1, 0, 0],
            "points_redeemed": [0, 0, 0, 5],
        }
    )


@pytest.fixture
def db():
    with CRMStore(":memory:") as crm_store:
        yield crm_store


@pytest.fixture
def db_with_customers(db):
    db.ingest("customers", customers())
    return db


# --- structure ------------------------------------------------------------------------------


def test_tables_are_created_with_keys_and_foreign_keys_enforced(db):
    names = set(db.query("SELECT name FROM sqlite_master WHERE type = 'table'")["name"])
    assert names == {*TABLE_ORDER, "rejects"}
    assert db.query("PRAGMA foreign_keys").iloc[0, 0] == 1
    fks = db.query("SELECT * FROM pragma_foreign_key_list('transactions')")
    assert set(zip(fks["from"], fks["table"], strict=True)) == {
        ("customer_id", "customers"),
        ("campaign_id", "campaigns"),
    }
    pk = db.query("SELECT name FROM pragma_table_info('campaign_contacts') WHERE pk > 0")
    assert set(pk["name"]) == {"campaign_id", "customer_id"}


def test_sqlite_itself_refuses_an_orphan_transaction(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.connection.execute(
            "INSERT INTO transactions (transaction_id, customer_id, date, amount) "
            "VALUES ('T9', 'NOBODY', '2024-01-01', 5.0)"
        )


# --- ingest and read back -------------------------------------------------------------------


def test_ingest_then_read_gives_the_same_frame(db_with_customers):
    result = db_with_customers.ingest("transactions", transactions())
    assert result == IngestResult(inserted=4, duplicates=0, rejected=0, table="transactions")
    back = db_with_customers.read("transactions")
    expected = transactions()
    pd.testing.assert_frame_equal(back[expected.columns], expected, check_dtype=False)
    assert str(back["date"].dtype).startswith("datetime64")
    assert back["is_return"].dtype == bool
    assert back["points_earned"].dtype == np.int64
    assert back["campaign_id"].isna().all()  # a schema column the batch did not have

    people = db_with_customers.read("customers")
    pd.testing.assert_frame_equal(people[customers().columns], customers(), check_dtype=False)
    assert people.loc[0, "region"] == "Marmara"
    assert pd.isna(people.loc[1, "loyalty_join_date"])


def test_reingesting_a_batch_inserts_nothing(db_with_customers):
    db_with_customers.ingest("transactions", transactions())
    before = db_with_customers.read("transactions")
    again = db_with_customers.ingest("transactions", transactions())
    assert again == IngestResult(inserted=0, duplicates=4, rejected=0, table="transactions")
    pd.testing.assert_frame_equal(db_with_customers.read("transactions"), before)


def test_repeats_within_one_batch_count_as_duplicates(db_with_customers):
    batch = pd.concat([transactions(), transactions().iloc[[1, 1]]], ignore_index=True)
    result = db_with_customers.ingest("transactions", batch)
    assert (result.inserted, result.duplicates, result.rejected) == (4, 2, 0)


def test_same_key_different_content_is_rejected_not_overwritten(db_with_customers):
    db_with_customers.ingest("transactions", transactions())
    changed = transactions().iloc[[0]].assign(amount=99.0)
    result = db_with_customers.ingest("transactions", changed)
    assert (result.inserted, result.duplicates, result.rejected) == (0, 0, 1)
    stored = db_with_customers.read("transactions").set_index("transaction_id")
    assert stored.loc["T1", "amount"] == 49.9
    rejects = db_with_customers.read("rejects")
    assert rejects["reason"].tolist() == ["conflicting transaction_id"]
    assert json.loads(rejects.loc[0, "row_json"])["amount"] == 99.0


def test_unknown_customer_goes_to_rejects_with_the_row(db_with_customers):
    batch = transactions()
    batch.loc[2, "customer_id"] = "C404"
    result = db_with_customers.ingest("transactions", batch)
    assert (result.inserted, result.rejected) == (3, 1)
    rejects = db_with_customers.read("rejects")
    assert rejects.loc[0, "table_name"] == "transactions"
    assert rejects.loc[0, "reason"] == "unknown customer_id"
    assert rejects.loc[0, "failed_column"] == "customer_id"
    assert rejects.loc[0, "source_index"] == "2"
    row = json.loads(rejects.loc[0, "row_json"])
    assert row["customer_id"] == "C404" and row["transaction_id"] == "T3"
    assert row["date"].startswith("2023-03-01")
    assert str(rejects["ingested_at"].dtype).startswith("datetime64")


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("customer_id", None, "missing customer_id"),
        ("transaction_id", None, "missing transaction_id"),
        ("date", "2023-02-30", "unparseable date"),
        ("amount", "lots", "non-numeric amount"),
        ("amount", 0.0, "zero amount"),
        ("points_earned", -3, "points_earned out of range"),
    ],
)
def test_invalid_rows_are_rejected_with_their_reason(db_with_customers, column, value, reason):
    batch = transactions().astype({column: object})
    batch.loc[1, column] = value
    result = db_with_customers.ingest("transactions", batch)
    assert (result.inserted, result.duplicates, result.rejected) == (3, 0, 1)
    rejects = db_with_customers.read("rejects")
    assert rejects[["reason", "failed_column"]].values.tolist() == [[reason, column]]
    assert "T2" not in set(db_with_customers.read("transactions")["transaction_id"]) or (
        column == "transaction_id"
    )


def test_reingesting_rejected_rows_does_not_duplicate_the_rejects(db_with_customers):
    batch = transactions()
    batch.loc[0, "customer_id"] = "C404"
    db_with_customers.ingest("transactions", batch)
    again = db_with_customers.ingest("transactions", batch)
    assert (again.inserted, again.duplicates, again.rejected) == (0, 3, 1)
    assert len(db_with_customers.read("rejects")) == 1


def test_missing_or_unknown_columns_refuse_the_whole_batch(db_with_customers):
    with pytest.raises(DataValidationError, match="transaction_id"):
        db_with_customers.ingest("transactions", transactions().drop(columns="transaction_id"))
    with pytest.raises(DataValidationError, match="colour"):
        db_with_customers.ingest("transactions", transactions().assign(colour="red"))
    with pytest.raises(ValueError, match="orders"):
        db_with_customers.ingest("orders", transactions())
    assert db_with_customers.counts().loc["transactions", "rows"] == 0


def test_annotation_column_is_allowed_and_not_stored(db_with_customers):
    result = db_with_customers.ingest("transactions", transactions().assign(injected_reason=None))
    assert result.inserted == 4
    assert "injected_reason" not in db_with_customers.read("transactions").columns


# --- atomicity ------------------------------------------------------------------------------


def test_failure_midway_leaves_the_database_as_it_was(db_with_customers, monkeypatch):
    db_with_customers.ingest("transactions", transactions().iloc[:2])
    bad = transactions().copy()
    bad.loc[3, "customer_id"] = "C404"  # would produce a reject too
    before = {name: db_with_customers.read(name) for name in ("transactions", "rejects")}
    real_insert = store_module._insert_rows

    def insert_half_then_fail(conn, table, columns, rows):
        real_insert(conn, table, columns, rows[:1])
        raise RuntimeError("disk unplugged")

    monkeypatch.setattr(store_module, "_insert_rows", insert_half_then_fail)
    with pytest.raises(RuntimeError, match="disk unplugged"):
        db_with_customers.ingest("transactions", bad)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(db_with_customers.read(name), frame)
    monkeypatch.undo()
    assert db_with_customers.ingest("transactions", bad).inserted == 1  # the store still works


def test_constraint_violation_midway_rolls_back(db_with_customers, monkeypatch):
    class Everything(set):
        def __contains__(self, item):  # the Python-side parent check lets everything through
            return True

    monkeypatch.setattr(CRMStore, "_stored_values", lambda self, table, column: Everything())
    batch = transactions()
    batch.loc[3, "customer_id"] = "C404"  # the last row breaks the FOREIGN KEY in SQLite
    with pytest.raises(sqlite3.IntegrityError):
        db_with_customers.ingest("transactions", batch)
    assert db_with_customers.counts().loc["transactions", "rows"] == 0


def test_ingest_tables_is_one_transaction(db, monkeypatch):
    real = db._stored_values
    # Let a contact of an unstored campaign past the Python-side check, so SQLite's FOREIGN KEY
    # fails on the second table, after the customers were written.
    monkeypatch.setattr(
        db,
        "_stored_values",
        lambda table, column: {"K1"} if table == "campaigns" else real(table, column),
    )
    contacts = pd.DataFrame({"campaign_id": ["K1"], "customer_id": ["C1"], "arm": ["treatment"]})
    with pytest.raises(sqlite3.IntegrityError):
        db.ingest_tables({"customers": customers(), "campaign_contacts": contacts})
    assert db.counts()["rows"].sum() == 0  # the customers were rolled back too
    monkeypatch.undo()
    results = db.ingest_tables({"transactions": transactions(), "customers": customers()})
    assert list(results) == ["customers", "transactions"]  # parents first
    assert results["transactions"].inserted == 4


# --- query ----------------------------------------------------------------------------------


def test_query_binds_parameters_and_parses_dates(db_with_customers):
    db_with_customers.ingest("transactions", transactions())
    out = db_with_customers.query(
        "SELECT customer_id, SUM(amount) AS revenue, MIN(date) AS first FROM transactions "
        "WHERE date >= :since AND is_return = 0 GROUP BY customer_id ORDER BY customer_id",
        {"since": "2023-02-01"},
        parse_dates=["first"],
    )
    assert out["customer_id"].tolist() == ["C2", "C3"]
    assert out["revenue"].tolist() == [12.0, 8.75]
    assert out.loc[0, "first"] == pd.Timestamp("2023-02-11")
    injection = db_with_customers.query(
        "SELECT COUNT(*) AS n FROM customers WHERE customer_id = ?", ["C1' OR '1'='1"]
    )
    assert injection["n"].item() == 0


def test_query_refuses_several_statements_and_writes(db_with_customers):
    with pytest.raises(ValueError, match="one SQL statement"):
        db_with_customers.query("SELECT 1; DROP TABLE customers")
    with pytest.raises(ValueError, match="read-only"):
        db_with_customers.query("DELETE FROM customers")
    assert db_with_customers.counts().loc["customers", "rows"] == 3
    assert db_with_customers.query("SELECT 1 AS one;")["one"].item() == 1


# --- lifecycle ------------------------------------------------------------------------------


def test_file_store_persists_and_closes(tmp_path):
    path = tmp_path / "crm.sqlite"
    with CRMStore(path) as first:
        first.ingest("customers", customers())
    assert "closed" in repr(first)
    first.close()  # a second close is harmless
    with pytest.raises(sqlite3.ProgrammingError):
        first.read("customers")
    with CRMStore(path) as second:
        assert second.ingest("customers", customers()).duplicates == 3
        pd.testing.assert_frame_equal(
            second.read("customers")[customers().columns], customers(), check_dtype=False
        )


def test_every_table_round_trips(db):
    campaigns = pd.DataFrame(
        {
            "campaign_id": ["K1"],
            "name": ["Bahar indirimi"],
            "type": ["discount"],
            "channel": ["email"],
            "start_date": pd.to_datetime(["2023-03-01"]).as_unit("ns"),
            "end_date": pd.to_datetime(["2023-03-31"]).as_unit("ns"),
            "target_group": ["all"],
            "cost_per_contact": [0.5],
            "fixed_cost": [1000.0],
            "total_cost": [1001.5],
        }
    )
    tables = {
        "customers": customers(),
        "campaigns": campaigns,
        "transactions": transactions().assign(campaign_id=["K1", None, None, None]),
        "touchpoints": pd.DataFrame(
            {
                "event_id": ["E1", "E2"],
                "customer_id": ["C1", "P0001"],  # prospects are not customers
                "timestamp": pd.to_datetime(["2023-01-01 09:15", "2023-01-02 18:40"]).as_unit("ns"),
                "stage": ["discovery", "first_contact"],
                "channel": ["search", "social"],
                "campaign_id": [None, "K1"],
            }
        ),
        "campaign_contacts": pd.DataFrame(
            {
                "campaign_id": ["K1", "K1"],
                "customer_id": ["C1", "C2"],
                "arm": ["treatment", "control"],
                "contact_date": pd.to_datetime(["2023-03-02", "2023-03-02"]).as_unit("ns"),
                "responded": [True, False],
            }
        ),
        "surveys": pd.DataFrame(
            {
                "response_id": ["R1"],
                "customer_id": ["C2"],
                "wave": [1],
                "date": pd.to_datetime(["2023-04-01"]).as_unit("ns"),
                "stage": ["purchase"],
                "nps": [9],
                "csat": [4],
                "sat_4_r": [2],
                "comment": ["çok iyi"],
            }
        ),
        "complaints": pd.DataFrame(
            {
                "complaint_id": ["Q1", "Q2"],
                "customer_id": ["C1", "C3"],
                "opened": pd.to_datetime(["2023-05-01 10:02", "2023-05-03 16:45"]).as_unit("ns"),
                "resolved": pd.to_datetime(["2023-05-02 12:00", None]).as_unit("ns"),
                "category": ["delivery", "billing"],
                "resolution_satisfaction": [4.0, np.nan],
            }
        ),
        "mystery_shopping": pd.DataFrame(
            {
                "visit_id": ["V1"],
                "branch": ["İstanbul Kadıköy"],
                "visit_date": pd.to_datetime(["2023-06-01"]).as_unit("ns"),
                "item_greeting": [1],
                "item_checkout": [0],
            }
        ),
    }
    results = db.ingest_tables(tables)
    assert all(r.inserted == len(tables[name]) for name, r in results.items())
    for name, frame in tables.items():
        back = db.read(name)
        assert list(back.columns) == list(SCHEMAS[name].column_names)
        pd.testing.assert_frame_equal(back[frame.columns], frame, check_dtype=False, obj=name)


# --- property: ingest twice == ingest once ----------------------------------------------------

row_strategy = st.tuples(
    st.sampled_from(["T1", "T2", "T3", "T4", None]),
    st.sampled_from(["C1", "C2", "C404", None]),
    st.sampled_from(["2023-05-01", "2023-05-02", "2023-02-30"]),
    st.sampled_from([10.0, 10.0, 25.5, 0.0, -10.0, "abc"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row_strategy, max_size=12))
def test_ingest_twice_equals_ingest_once(rows):
    batch = pd.DataFrame(
        rows, columns=["transaction_id", "customer_id", "date", "amount"], dtype=object
    )
    with CRMStore(":memory:") as once, CRMStore(":memory:") as twice:
        for crm_store in (once, twice):
            crm_store.ingest("customers", customers())
        first = once.ingest("transactions", batch)
        twice.ingest("transactions", batch)
        second = twice.ingest("transactions", batch)
        assert first.total == len(batch)
        assert second.inserted == 0
        assert second.rejected == first.rejected
        assert second.duplicates == first.inserted + first.duplicates
        pd.testing.assert_frame_equal(once.read("transactions"), twice.read("transactions"))
        keep = ["table_name", "source_index", "row_json", "reason", "failed_column"]
        pd.testing.assert_frame_equal(once.read("rejects")[keep], twice.read("rejects")[keep])


# --- integration with the simulated company ---------------------------------------------------


def test_simulated_company_round_trips_through_the_store(tmp_path):
    simulate = pytest.importorskip(
        "portfolio_lib.simulate", reason="portfolio_lib.simulate is not written yet"
    )
    crm = simulate.simulate_crm(n_customers=300, seed=3)
    tables = crm.tables() if callable(crm.tables) else crm.tables
    with CRMStore(tmp_path / "company.sqlite") as crm_store:
        results = crm_store.ingest_tables(tables)
        for name, frame in tables.items():
            result = results[name]
            assert (result.inserted, result.duplicates, result.rejected) == (len(frame), 0, 0), name
            pd.testing.assert_frame_equal(
                crm_store.read(name)[list(frame.columns)], frame, check_dtype=True, obj=name
            )
        again = crm_store.ingest_tables(tables)
        assert all(r.inserted == 0 and r.duplicates == len(tables[n]) for n, r in again.items())
