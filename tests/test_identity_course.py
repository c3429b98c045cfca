"""Tests of the course's customer records and the records-vs-persons KPIs (identity.course)."""

from __future__ import annotations

import pandas as pd
import pytest

from portfolio_lib._errors import DataValidationError
from portfolio_lib.datasets import load_sample
from portfolio_lib.identity.course import (
    RECORD_COLUMNS,
    RECORDS_VIEW,
    course_records,
    kpi_comparison,
    read_course_records,
    transactions_by,
)
from portfolio_lib.rfm import rfm_table
from portfolio_lib.simulate import simulate_crm


@pytest.fixture(scope="module")
def company():
    return simulate_crm(n_customers=400, seed=21)


@pytest.fixture(scope="module")
def recs(company):
    return course_records(company, duplicate_rate=0.3, seed=21)


def test_committed_records_read_back_consistently():
    crm = load_sample()
    recs = read_course_records()
    assert set(recs.records.columns) == set(RECORD_COLUMNS.values())
    assert list(recs.truth.index) == list(recs.records["record_id"])
    assert set(recs.truth) == set(crm.customers["customer_id"])
    assert recs.n_persons == len(crm.customers)
    assert recs.duplicate_share == pytest.approx(0.15, abs=0.5 / recs.n_persons)
    assert list(recs.booked["transaction_id"]) == list(crm.transactions["transaction_id"])
    assert recs.params == {"source": "files"}


def test_missing_folder_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="customer_records.csv"):
        read_course_records(tmp_path)


def test_drawn_records_follow_the_arguments(company, recs):
    assert recs.n_persons == len(company.customers)
    assert recs.duplicate_share == pytest.approx(0.3, abs=0.5 / recs.n_persons)
    assert recs.params["source"] == "drawn" and recs.params["duplicate_rate"] == 0.3
    other = course_records(company, duplicate_rate=0.3, messiness=2.0, seed=21)
    assert not other.records["given_name"].equals(recs.records["given_name"])


def test_transactions_by_replaces_the_customer_only():
    tx = pd.DataFrame(
        {
            "transaction_id": ["T1", "T2", "T3"],
            "customer_id": ["C1", "C1", "C2"],
            "amount": [1.0, 2.0, 3.0],
        }
    )
    booked = pd.DataFrame({"transaction_id": ["T3", "T1", "T2"], "record_id": ["R3", "R1", "R2"]})
    by_record = transactions_by(tx, booked)
    assert by_record["customer_id"].tolist() == ["R1", "R2", "R3"]
    assert by_record["amount"].tolist() == [1.0, 2.0, 3.0]
    mapping = pd.Series({"R1": "P1", "R2": "P1", "R3": "P2"})
    assert transactions_by(tx, booked, mapping)["customer_id"].tolist() == ["P1", "P1", "P2"]
    with pytest.raises(DataValidationError, match="without a booked record"):
        transactions_by(tx, booked.iloc[:2])
    with pytest.raises(DataValidationError, match="without a person"):
        transactions_by(tx, booked, mapping.iloc[:2])


def test_kpis_of_true_persons_equal_the_kpis_of_the_customers(company, recs):
    table = kpi_comparison(
        company.transactions,
        recs.booked,
        {"true persons": recs.truth},
        observation_end=company.observation_end,
    )
    assert list(table.columns) == [RECORDS_VIEW, "true persons"]
    direct = rfm_table(company.transactions, observation_end=company.observation_end)
    persons = table["true persons"]
    assert persons["customers in the CRM"] == len(company.customers)
    assert persons["buying customers"] == len(direct)
    assert persons["repeat-purchase rate"] == pytest.approx((direct["frequency"] >= 2).mean())
    assert persons["mean purchase frequency"] == pytest.approx(direct["frequency"].mean())
    records = table[RECORDS_VIEW]
    assert records["customers in the CRM"] == len(recs.records)
    assert records["buying customers"] > persons["buying customers"]
    assert records["mean purchase frequency"] < persons["mean purchase frequency"]
    # revenue is the same money over more customers
    total = company.transactions["amount"].sum()
    for view in table.columns:
        assert table.loc["net revenue per buying customer", view] * table.loc[
            "buying customers", view
        ] == pytest.approx(total)
    shares = table.loc[table.index.str.startswith("RFM share")]
    assert shares.sum().to_numpy() == pytest.approx([1.0, 1.0])


def test_a_mapping_of_records_to_themselves_is_the_records_view(company, recs):
    itself = pd.Series(recs.records["record_id"].to_numpy(), index=recs.records["record_id"])
    table = kpi_comparison(
        company.transactions,
        recs.booked,
        {"itself": itself},
        observation_end=company.observation_end,
    )
    pd.testing.assert_series_equal(table[RECORDS_VIEW], table["itself"], check_names=False)


def test_bad_mappings(company, recs):
    end = company.observation_end
    with pytest.raises(DataValidationError, match="empty"):
        kpi_comparison(company.transactions, recs.booked, {}, observation_end=end)
    with pytest.raises(DataValidationError, match="Series"):
        kpi_comparison(company.transactions, recs.booked, {"x": {"a": 1}}, observation_end=end)
    with pytest.raises(DataValidationError, match="reserved"):
        kpi_comparison(
            company.transactions, recs.booked, {RECORDS_VIEW: recs.truth}, observation_end=end
        )


def test_records_need_personal_details(company):
    no_people = company.customers[["customer_id", "signup_date"]]
    crm = simulate_crm(n_customers=20, seed=1)
    object.__setattr__(crm, "customers", no_people.iloc[:0])
    with pytest.raises(DataValidationError, match="CDNOW"):
        course_records(crm)
