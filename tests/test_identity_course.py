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
    for table, key in (("touchpoints", "event_id"), ("surveys", "response_id")):
        events = crm.tables[table]
        events = events[events["customer_id"].isin(crm.customers["customer_id"])]
        booked = recs.events[f"{table[:-1]}_records"]
        assert list(booked[key]) == list(events[key])
        assert (recs.truth.reindex(booked["record_id"]).to_numpy() == events["customer_id"]).all()
    assert list(recs.events["complaint_records"]["complaint_id"]) == list(
        crm.complaints["complaint_id"]
    )


def test_drawn_records_book_the_events(company, recs):
    assert sorted(recs.events) == ["complaint_records", "survey_records", "touchpoint_records"]
    surveys = recs.events["survey_records"]
    assert list(surveys["response_id"]) == list(company.surveys["response_id"])
    person = recs.truth.reindex(surveys["record_id"]).to_numpy()
    assert (person == company.surveys["customer_id"].to_numpy()).all()


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


# ---------------------------------------------------------------------------------------------
# the chapter's lesson helpers (portfolio_lib.lessons.identity)
# ---------------------------------------------------------------------------------------------
def test_threshold_costs_follow_the_formula():
    from portfolio_lib.lessons.identity import cheapest_threshold, threshold_costs

    curve = pd.DataFrame(
        {"threshold": [0.5, 0.8, 0.99], "precision": [0.8, 0.95, 1.0], "recall": [1.0, 0.9, 0.5]}
    )
    costs = threshold_costs(curve, true_pairs=100, cost_false_merge=10, cost_missed_merge=1)
    # 0.5: 100 correct, 25 false, 0 missed; 0.8: 90 correct, 90*0.05/0.95 false, 10 missed
    assert costs["false_merges"].tolist() == [25.0, round(90 * 0.05 / 0.95, 1), 0.0]
    assert costs["missed_merges"].tolist() == [0.0, 10.0, 50.0]
    assert costs["total_cost"].tolist() == [250.0, round(900 * 0.05 / 0.95 + 10, 1), 50.0]
    assert cheapest_threshold(costs) == 0.99
    cheap_false = threshold_costs(curve, true_pairs=100, cost_false_merge=0.1, cost_missed_merge=1)
    assert cheapest_threshold(cheap_false) == 0.5
    with pytest.raises(DataValidationError, match="cost_false_merge"):
        threshold_costs(curve, true_pairs=100, cost_false_merge=-1, cost_missed_merge=1)


def test_blocking_and_m_u_counts_by_hand(recs):
    from portfolio_lib.lessons.identity import blocking_counts, m_u_by_hand

    table = blocking_counts(recs, {"same region": ["region"]})
    n = len(recs.records)
    sizes = recs.records["region"].str.lower().value_counts()
    assert table.loc["same region", "candidate_pairs"] == (sizes * (sizes - 1) // 2).sum()
    assert table.loc["no blocking", "candidate_pairs"] == n * (n - 1) // 2
    # every true pair shares the region (a person's records keep it)
    assert table.loc["same region", "share_of_true_pairs"] == 1.0
    mu = m_u_by_hand(recs, ["region", "birth_date"], n_random=5000, seed=1)
    assert mu.loc["region", "m"] == 1.0
    assert 0 < mu.loc["region", "u"] < 0.5
    assert mu.loc["birth_date", "weight_agree"] > mu.loc["region", "weight_agree"]


def test_kpi_change_and_one_person(recs):
    from portfolio_lib.lessons.identity import kpi_change, one_person

    table = pd.DataFrame({"records as customers": [12.0, 0.5], "persons": [10.0, 0.0]})
    assert kpi_change(table)["change (%)"].tolist()[0] == 20.0
    assert kpi_change(table)["change (%)"].isna().tolist() == [False, True]
    shown = one_person(recs, 3)
    assert len(shown) == 3
    assert recs.truth.loc[list(shown.index)].nunique() == 1


# ---------------------------------------------------------------------------------------------
# chapter-1 exercise check, task 6 (a)-(d) (right answers computed here by hand)
# ---------------------------------------------------------------------------------------------
EX_SEEDS = (0, 3, 42)


def _right(seed):
    """The right answers of task 6, by hand."""
    from portfolio_lib.exercises.checks.ch01 import identity_tasks

    tasks = identity_tasks(seed)
    lowered = tasks.raw_name.replace("İ", "i").replace("I", "ı").lower()
    name = " ".join(lowered.translate(str.maketrans("çğıöşü", "cgiosu")).split())
    national = "".join(ch for ch in tasks.raw_phone if ch.isdigit())[-10:]
    pairs = tasks.pairs
    tp = int((pairs["linked"] & pairs["same_person"]).sum())
    e = tasks.errors
    cost = e["false_merges"] * tasks.cost_false_merge + e["missed_merges"] * tasks.cost_missed_merge
    answer = {
        "name": name,
        "phone": "+90" + national,
        "precision": tp / int(pairs["linked"].sum()),
        "recall": tp / int(pairs["same_person"].sum()),
        "threshold": float(e.loc[cost.idxmin(), "threshold"]),
    }
    return tasks, answer


def _fails(seed, *fragments, **change):
    from portfolio_lib.exercises.checks.ch01 import check_01_6
    from portfolio_lib.exercises.feedback import CheckFailed

    answer = {**_right(seed)[1], **change}
    with pytest.raises(CheckFailed) as info:
        check_01_6(answer, seed=seed)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize("seed", EX_SEEDS)
def test_task_6_right_answers_pass(seed, capsys):
    from portfolio_lib.exercises.checks.ch01 import check_01_6

    tasks, answer = _right(seed)
    assert answer["name"].isascii() and answer["phone"].startswith("+905")
    check_01_6(answer, seed=seed)
    assert "Task 6 passed" in capsys.readouterr().out


@pytest.mark.parametrize("seed", EX_SEEDS)
def test_task_6a_name_slips(seed):
    tasks, right = _right(seed)
    raw = tasks.raw_name
    turkish_lower = " ".join(raw.replace("İ", "i").replace("I", "ı").lower().split())
    _fails(seed, "(a) the normalised name", "spaces", name=raw)
    _fails(seed, "(a)", "ASCII", name=turkish_lower)
    _fails(seed, "(a)", "lower case", name=right["name"].upper())
    _fails(seed, "(a)", "placeholder", name=...)
    if "İ" in raw:
        _fails(seed, "(a)", "combining dot", name=" ".join(raw.lower().split()))


@pytest.mark.parametrize("seed", EX_SEEDS)
def test_task_6b_phone_slips(seed):
    tasks, right = _right(seed)
    national = right["phone"][3:]
    _fails(seed, "(b) the phone in E.164", "trunk 0", phone="0" + national)
    _fails(seed, "(b)", "trunk 0 goes", phone="+900" + national)
    _fails(seed, "(b)", "country code", phone=national)
    _fails(seed, "(b)", "'+'", phone="90" + national)
    _fails(seed, "(b)", "spaces", phone=tasks.raw_phone)
    _fails(seed, "(b)", "text", phone=905321234567)


@pytest.mark.parametrize("seed", EX_SEEDS)
def test_task_6c_precision_recall_slips(seed):
    tasks, right = _right(seed)
    pairs = tasks.pairs
    tp = int((pairs["linked"] & pairs["same_person"]).sum())
    fp = int((pairs["linked"] & ~pairs["same_person"]).sum())
    fn = int((~pairs["linked"] & pairs["same_person"]).sum())
    assert tp and fp and fn, "the table always has a hit, a false and a missed merge"
    precision, recall = right["precision"], right["recall"]
    if abs(precision - recall) > 1e-3:
        _fails(seed, "(c)", "this is the recall", precision=recall, recall=precision)
        _fails(seed, "(c)", "this is the precision", recall=precision)
    accuracy = (len(pairs) - fp - fn) / len(pairs)
    if min(abs(accuracy - precision), abs(accuracy - recall)) > 1e-3:
        _fails(seed, "(c)", "accuracy", precision=accuracy)
    _fails(seed, "(c) recall", "placeholder", recall=...)


@pytest.mark.parametrize("seed", EX_SEEDS)
def test_task_6d_threshold_slips(seed):
    from portfolio_lib.exercises.checks.ch01 import THRESHOLDS

    tasks, right = _right(seed)
    e = tasks.errors
    assert set(e["threshold"]) == set(THRESHOLDS)
    fewest_errors = float(e.loc[(e["false_merges"] + e["missed_merges"]).idxmin(), "threshold"])
    assert fewest_errors != right["threshold"]
    _fails(seed, "(d) the threshold", "fewest errors", threshold=fewest_errors)
    fewest_false = float(e.loc[e["false_merges"].idxmin(), "threshold"])
    if fewest_false != fewest_errors:
        _fails(seed, "(d)", "fewest false merges", threshold=fewest_false)
    _fails(seed, "(d)", "not in the table", threshold=0.42)
    _fails(seed, "(d)", "number", threshold="high")


def test_task_6_needs_every_part():
    from portfolio_lib.exercises.checks.ch01 import check_01_6
    from portfolio_lib.exercises.feedback import CheckFailed

    with pytest.raises(CheckFailed, match="threshold"):
        check_01_6({k: v for k, v in _right(0)[1].items() if k != "threshold"}, seed=0)


def test_pair_values_follow_the_role_order():
    from portfolio_lib.lessons.identity import pair_values

    row = pd.Series(
        {"postcode_l": "1", "postcode_r": "2", "record_id_l": "a", "record_id_r": "b",
         "given_name_l": "ali", "given_name_r": "aly", "tf_given_name_l": 0.1,
         "tf_given_name_r": 0.2, "full_name_l": "x", "full_name_r": "y"}
    )  # fmt: skip
    table = pair_values(row)
    assert list(table.index) == ["given_name", "postcode", "full_name"]
    assert table.loc["given_name"].tolist() == ["ali", "aly"]


def test_chapter_records_on_every_dataset(company):
    from portfolio_lib.course import cdnow_as_crm
    from portfolio_lib.lessons.identity import chapter_records

    sample = chapter_records(load_sample(), "sample", duplicate_rate=0.15, seed=42)
    assert sample.records.params == {"source": "files"}
    drawn = chapter_records(company, "simulate", duplicate_rate=0.15, seed=5)
    assert drawn.records.params["source"] == "drawn" and drawn.crm is company
    messier = chapter_records(load_sample(), "sample", duplicate_rate=0.15, seed=42, messiness=2)
    assert messier.records.params["messiness"] == 2.0
    tx = company.transactions[["customer_id", "date", "amount"]].head(20)
    real = chapter_records(cdnow_as_crm(tx), "cdnow", duplicate_rate=0.15, seed=42)
    assert "no names" in real.note and real.records.params == {"source": "files"}
    assert len(real.crm.customers) == real.records.n_persons
