"""The notebooks' data entry point: DATASET -> CRMData, and monthly batches."""

from __future__ import annotations

import pandas as pd
import pytest

from portfolio_lib import DataValidationError
from portfolio_lib.course import DATE_COLUMNS, cdnow_as_crm, load_course_data, split_at
from portfolio_lib.crm import NO_TRUTH_NOTE, TABLE_NAMES, TRUTH_CUSTOMERS


@pytest.fixture(scope="module")
def small():
    return load_course_data("simulate", n_customers=300, seed=7)


def test_simulate_dataset_honours_size_and_seed(small):
    assert len(small.customers) == 300
    again = load_course_data("simulate", n_customers=300, seed=7)
    pd.testing.assert_frame_equal(small.transactions, again.transactions)
    other = load_course_data("simulate", n_customers=300, seed=8)
    assert not small.transactions["amount"].equals(other.transactions["amount"])


def test_unknown_dataset_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="sample.*simulate.*cdnow"):
        load_course_data("Sample")


def test_cdnow_dataset_keeps_every_record_and_derives_first_purchase(cdnow_home):
    crm = load_course_data("cdnow", data_home=cdnow_home)
    # REFERENCE.md, "Data in ../shared/data/cdnow": 6,919 records of 2,357 customers.
    assert len(crm.transactions) == 6919
    assert len(crm.customers) == 2357
    first = crm.transactions.groupby("customer_id")["date"].min()
    signup = crm.customers.set_index("customer_id")["signup_date"]
    pd.testing.assert_series_equal(first.sort_index(), signup.sort_index(), check_names=False)
    assert set(crm.tables) == set(TABLE_NAMES)
    assert len(crm.surveys) == 0 and "nps" in crm.surveys.columns
    assert crm.observation_end == pd.Timestamp("1998-06-30")
    # real data: no ground truth, but the attributes the notebooks read are still there
    assert crm.has_truth is False
    assert crm.truth.params == {"source": "CDNOW sample", "note": NO_TRUTH_NOTE}
    assert crm.truth.customers.empty
    assert tuple(crm.truth.customers.columns) == TRUTH_CUSTOMERS.column_names


def test_simulated_datasets_have_a_truth(small):
    assert small.has_truth is True
    assert len(small.truth.customers) == len(small.customers)


def test_cdnow_as_crm_has_no_truth_and_empty_tables_with_the_schemas_columns():
    tx = pd.DataFrame(
        {
            "customer_id": [2, 1, 2],
            "date": pd.to_datetime(["1997-01-03", "1997-01-01", "1997-02-01"]),
            "quantity": [1, 2, 1],
            "amount": [10.0, 20.0, 5.5],
        }
    )
    crm = cdnow_as_crm(tx, label="toy")
    assert crm.has_truth is False and crm.truth.params["source"] == "toy"
    assert list(crm.transactions["quantity"]) == [2, 1, 1]
    from portfolio_lib.crm import SCHEMAS

    for name in TABLE_NAMES[2:]:
        frame = crm.tables[name]
        assert frame.empty and tuple(frame.columns) == SCHEMAS[name].column_names, name
        assert {c: str(t) for c, t in frame.dtypes.items()} == SCHEMAS[name].dtypes(), name


def test_cdnow_as_crm_rejects_frames_without_amount():
    with pytest.raises(DataValidationError, match="amount"):
        cdnow_as_crm(pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["1997-01-01"])}))


def test_split_at_loses_no_row_and_cuts_on_each_tables_date(small):
    cutoff = pd.Timestamp("2024-06-01")
    history, batch = split_at(small, cutoff)
    for name, frame in small.tables.items():
        assert len(history[name]) + len(batch[name]) == len(frame), name
        column = DATE_COLUMNS[name]
        assert (batch[name][column] >= cutoff).all()
        assert (history[name][column] < cutoff).all()
