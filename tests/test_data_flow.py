"""One data flow (issue 12): the chapters can run from what chapter 1 validated and stored.

``load_course_data(..., via="store")`` validates the tables, ingests them into a
:class:`~portfolio_lib.store.CRMStore` and reads them back with :meth:`CRMData.from_store`.
For the bundled sample and for simulated companies the result equals ``via="memory"``
table for table (values, columns, dtypes) and the analyses give identical numbers; where
validation rejects rows (CDNOW's purchases of amount 0) each one is in the store's
``rejects`` table with its reason.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import churn
from portfolio_lib.clv import summary_from_transactions
from portfolio_lib.course import load_course_data, through_store
from portfolio_lib.crm import SCHEMAS, TABLE_NAMES, CRMData, conform, crm_table
from portfolio_lib.rfm import rfm_table
from portfolio_lib.simulate import simulate_crm
from portfolio_lib.store import CRMStore

CASES = {
    "sample": ("sample", {}),
    "simulate-seed-1": ("simulate", {"n_customers": 300, "seed": 1}),
    "simulate-seed-2": ("simulate", {"n_customers": 300, "seed": 2}),
}


@dataclasses.dataclass(frozen=True)
class Paths:
    memory: CRMData
    stored: CRMData
    store_path: Path


def _no_warnings_load(dataset: str, **kwargs: object) -> CRMData:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a reject would warn: there must be none
        return load_course_data(dataset, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=list(CASES))
def paths(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Paths:
    dataset, kwargs = CASES[request.param]
    store_path = tmp_path_factory.mktemp(request.param) / "crm.sqlite"
    memory = load_course_data(dataset, **kwargs)  # type: ignore[arg-type]
    stored = _no_warnings_load(dataset, **kwargs, via="store", store_path=store_path)
    return Paths(memory, stored, store_path)


# --- the two paths give the same tables ----------------------------------------------------


def test_store_path_gives_the_memory_tables_exactly(paths: Paths) -> None:
    assert set(paths.stored.tables) == set(TABLE_NAMES)
    for name, frame in paths.memory.tables.items():
        # the memory tables are already conformed to the schema, so conforming changes nothing
        pd.testing.assert_frame_equal(conform(frame, SCHEMAS[name]), frame, obj=name)
        pd.testing.assert_frame_equal(paths.stored.tables[name], frame, check_dtype=True, obj=name)
        assert len(frame) > 0, name  # every table is compared with rows, not as an empty frame


def test_every_row_is_stored_and_none_rejected(paths: Paths) -> None:
    with CRMStore(paths.store_path) as store:
        counts = store.counts()["rows"]
        assert store.read("rejects").empty
    for name, frame in paths.memory.tables.items():
        assert counts[name] == len(frame), name
    assert counts["rejects"] == 0


def test_what_the_store_cannot_hold_is_carried_over(paths: Paths) -> None:
    memory, stored = paths.memory, paths.stored
    assert stored.validated and not memory.validated
    assert stored.has_truth == memory.has_truth
    assert stored.truth.params == memory.truth.params
    pd.testing.assert_frame_equal(stored.truth.customers, memory.truth.customers)
    assert (stored.observation_start, stored.observation_end) == (
        memory.observation_start,
        memory.observation_end,
    )


def test_from_store_alone_has_the_schemas_dtypes_and_the_datas_window(paths: Paths) -> None:
    with CRMStore(paths.store_path) as store:
        crm = CRMData.from_store(store)
    assert crm.validated and not crm.has_truth and len(crm.truth.customers) == 0
    for name, frame in crm.tables.items():
        schema = SCHEMAS[name]
        assert tuple(frame.columns) == schema.sample_columns, name
        dtypes = schema.dtypes()
        assert {c: str(frame[c].dtype) for c in frame} == {c: dtypes[c] for c in frame}, name
    # alone, the store only knows the first and last transaction day (the simulator's
    # declared window may start a day earlier: seed 2's first purchase is on 2 January);
    # load_course_data(via="store") carries the declared window over
    days = paths.memory.transactions["date"]
    assert (crm.observation_start, crm.observation_end) == (days.min(), days.max())


# --- the analyses give identical numbers from both paths -----------------------------------


def test_rfm_is_identical_from_both_paths(paths: Paths) -> None:
    end = paths.memory.observation_end
    pd.testing.assert_frame_equal(
        rfm_table(paths.stored.transactions, observation_end=end),
        rfm_table(paths.memory.transactions, observation_end=end),
    )


def test_clv_summary_is_identical_from_both_paths(paths: Paths) -> None:
    end = paths.memory.observation_end
    pd.testing.assert_frame_equal(
        summary_from_transactions(paths.stored.transactions, observation_end=end),
        summary_from_transactions(paths.memory.transactions, observation_end=end),
    )


def test_churn_features_are_identical_from_both_paths(paths: Paths) -> None:
    period = churn.churn_period(paths.memory.transactions)
    assert churn.churn_period(paths.stored.transactions) == period
    from_memory = churn.crm_time_split(paths.memory, period)
    from_store = churn.crm_time_split(paths.stored, period)
    for memory, stored in (
        (from_memory.train, from_store.train),
        (from_memory.test, from_store.test),
    ):
        pd.testing.assert_frame_equal(stored.features, memory.features)
        pd.testing.assert_series_equal(stored.label, memory.label)
        assert stored.sources == memory.sources
    assert from_store.note == from_memory.note


# --- rejected rows are counted with a reason, never silently dropped ----------------------


def test_a_rejected_row_is_in_the_rejects_with_its_reason(tmp_path: Path) -> None:
    crm = simulate_crm(n_customers=100, seed=5)
    bad = crm.transactions.iloc[[0, 1]].copy()
    bad["transaction_id"] = ["TBAD1", "TBAD2"]
    bad["amount"] = [0.0, 12.0]
    bad["customer_id"] = [bad["customer_id"].iloc[0], "NOBODY"]
    dirty = dataclasses.replace(
        crm, transactions=pd.concat([crm.transactions, bad], ignore_index=True)
    )
    path = tmp_path / "dirty.sqlite"
    with pytest.warns(
        UserWarning, match=r"2 row\(s\) failed.*'unknown customer_id'.*'zero amount'"
    ):
        stored = through_store(dirty, path)
    with CRMStore(path) as store:
        rejects = store.read("rejects")
    assert sorted(rejects["reason"]) == ["unknown customer_id", "zero amount"]
    assert set(rejects["table_name"]) == {"transactions"}
    assert all("TBAD" in row for row in rejects["row_json"])
    # stored + rejected = every input row; the rest equals the clean data
    assert len(stored.transactions) + len(rejects) == len(dirty.transactions)
    pd.testing.assert_frame_equal(stored.transactions, crm.transactions)


def test_cdnow_rejects_only_its_zero_amount_purchases(cdnow_home: Path, tmp_path: Path) -> None:
    memory = load_course_data("cdnow", data_home=cdnow_home)
    path = tmp_path / "cdnow.sqlite"
    with pytest.warns(UserWarning, match=r"8 row\(s\) failed.*'zero amount'"):
        stored = load_course_data("cdnow", data_home=cdnow_home, via="store", store_path=path)
    with CRMStore(path) as store:
        rejects = store.read("rejects")
    zero = memory.transactions["amount"] == 0
    assert (rejects["reason"] == "zero amount").all() and len(rejects) == zero.sum() == 8
    assert sorted(rejects["source_index"].astype(int)) == sorted(np.flatnonzero(zero))
    expected = memory.transactions.loc[~zero].reset_index(drop=True)
    pd.testing.assert_frame_equal(stored.transactions, expected)
    for name in TABLE_NAMES:
        if name != "transactions":
            pd.testing.assert_frame_equal(stored.tables[name], memory.tables[name], obj=name)
    assert stored.truth is not None and stored.truth.params == memory.truth.params


# --- from_store fails loudly when it would lose something ---------------------------------


class _Reader:
    """A store whose tables come back altered (to show what from_store refuses)."""

    def __init__(self, store: CRMStore, alter: dict[str, object]) -> None:
        self.store, self.alter = store, alter

    def read(self, table: str) -> pd.DataFrame:
        frame = self.store.read(table)
        change = self.alter.get(table)
        return change(frame) if callable(change) else frame


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("small") / "small.sqlite"
    with CRMStore(path) as store:
        store.ingest_tables(simulate_crm(n_customers=100, seed=7).tables)
    return path


def test_from_store_refuses_a_table_without_a_column(small_store: Path) -> None:
    with CRMStore(small_store) as store:
        reader = _Reader(store, {"surveys": lambda f: f.drop(columns="nps")})
        with pytest.raises(
            ValueError, match=r"surveys: the store returned no column\(s\) \['nps'\]"
        ):
            CRMData.from_store(reader)


def test_from_store_names_a_column_that_does_not_fit_its_kind(small_store: Path) -> None:
    def spoil(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.astype({"nps": object})
        frame.loc[3, "nps"] = "ten"
        return frame

    with CRMStore(small_store) as store:
        with pytest.raises(
            ValueError, match=r"surveys: column 'nps' cannot be read as int(.|\n)*ten"
        ):
            CRMData.from_store(_Reader(store, {"surveys": spoil}))


def test_from_store_gives_every_table_and_an_empty_one_as_the_schemas_frame(
    small_store: Path,
) -> None:
    with CRMStore(small_store) as store:
        full = CRMData.from_store(store)
        emptied = CRMData.from_store(_Reader(store, {"complaints": lambda f: f.iloc[:0]}))
    assert all(len(full.tables[name]) > 0 for name in TABLE_NAMES)
    expected = SCHEMAS["complaints"].empty_frame(SCHEMAS["complaints"].sample_columns)
    pd.testing.assert_frame_equal(emptied.complaints, expected)
    pd.testing.assert_frame_equal(emptied.transactions, full.transactions)


def test_from_store_keeps_missing_ints_and_bools_readable(small_store: Path) -> None:
    def gaps(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.astype({"age": "float64", "loyalty_member": "boolean"})
        frame.loc[0, ["age", "loyalty_member"]] = [np.nan, pd.NA]
        return frame

    with CRMStore(small_store) as store:
        crm = CRMData.from_store(_Reader(store, {"customers": gaps}))
    assert str(crm.customers["age"].dtype) == "float64" and np.isnan(crm.customers["age"][0])
    assert str(crm.customers["loyalty_member"].dtype) == "boolean"


def test_from_store_window_is_given_or_from_the_data() -> None:
    with CRMStore(":memory:") as store:
        with pytest.raises(ValueError, match="no dated rows"):
            CRMData.from_store(store)
        empty = CRMData.from_store(
            store, observation_start="2024-01-01", observation_end="2024-06-30"
        )
        assert (empty.observation_start, empty.observation_end) == (
            pd.Timestamp("2024-01-01"),
            pd.Timestamp("2024-06-30"),
        )
        assert all(frame.empty for frame in empty.tables.values())
        store.ingest(
            "customers",
            pd.DataFrame({"customer_id": ["C1"], "signup_date": ["2024-02-03"]}),
        )
        only_customers = CRMData.from_store(store)  # no transactions: any dated column
        assert only_customers.observation_start == pd.Timestamp("2024-02-03")
        with pytest.raises(ValueError, match="before observation_start"):
            CRMData.from_store(store, observation_end="2024-01-01")


# --- through_store and load_course_data arguments -----------------------------------------


def test_through_store_refuses_a_store_that_already_holds_rows(small_store: Path) -> None:
    with pytest.raises(ValueError, match="already holds rows"):
        through_store(simulate_crm(n_customers=100, seed=7), small_store)


def test_through_store_in_memory_and_default_temporary_file() -> None:
    crm = simulate_crm(n_customers=100, seed=9)
    for path in (None, ":memory:"):
        stored = through_store(crm, path)
        pd.testing.assert_frame_equal(stored.customers, crm.customers)
    assert not Path(":memory:").exists()


def test_load_course_data_checks_via_and_store_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="via must be one of"):
        load_course_data("sample", via="disk")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='only used with via="store"'):
        load_course_data("sample", store_path=tmp_path / "x.sqlite")


def test_a_store_file_is_a_real_sqlite_database(paths: Paths) -> None:
    with sqlite3.connect(paths.store_path) as conn:
        n = conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
    assert n == len(paths.memory.customers)


# --- crm_table: the one way analyses take a table by name ---------------------------------


def test_crm_table_reads_a_company_or_a_mapping() -> None:
    crm = simulate_crm(n_customers=100, seed=7)
    assert crm_table(crm, "surveys") is crm.surveys
    assert crm_table({"transactions": crm.transactions}, "transactions") is crm.transactions
    assert crm_table({"transactions": crm.transactions}, "surveys") is None
    assert crm_table({"surveys": None}, "surveys") is None
    with pytest.raises(ValueError, match="unknown table 'truth'"):
        crm_table(crm, "truth")
    with pytest.raises(TypeError, match="table 'surveys' must be a pandas DataFrame, got list"):
        crm_table({"surveys": [1, 2]}, "surveys")  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="CRMData or a mapping"):
        crm_table(object(), "surveys")  # type: ignore[arg-type]


def test_crm_data_is_not_validated_unless_read_from_a_store() -> None:
    assert simulate_crm(n_customers=100, seed=7).validated is False
