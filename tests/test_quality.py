"""Tests for portfolio_lib.quality: schemas, validators, the dirty-batch generator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_lib import _errors, quality
from portfolio_lib.quality import (
    INJECTED_REASONS,
    SCHEMAS,
    TABLE_ORDER,
    TRANSACTION_REASONS,
    DataValidationError,
    apply_dtypes,
    get_schema,
    inject_errors,
    parse_values,
    validate_customers,
    validate_table,
    validate_transactions,
)


def clean_batch() -> pd.DataFrame:
    """Four valid purchases in March 2024, index labels 10..13 (not 0..n-1, to test tracing)."""
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C1"],
            "date": ["2024-03-01", "2024-03-05", "2024-03-09", "2024-03-31"],
            "amount": [19.5, 42.0, 7.25, 11.0],
        },
        index=[10, 11, 12, 13],
    )


def month_of_purchases(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "transaction_id": [f"T{i:04d}" for i in range(n)],
            "customer_id": [f"C{i % 9:03d}" for i in range(n)],
            "date": pd.Timestamp("2024-05-01") + pd.to_timedelta(rng.integers(0, 31, n), unit="D"),
            "amount": rng.gamma(3.0, 12.0, n).round(2) + 0.01,
            "category": rng.choice(["home", "beauty", "sports"], n),
            "is_return": False,
        }
    )


# --- schemas ------------------------------------------------------------------------------


def test_data_validation_error_is_reexported_and_a_value_error():
    assert quality.DataValidationError is _errors.DataValidationError
    assert issubclass(DataValidationError, ValueError)


def test_every_sample_company_table_has_one_schema():
    expected = {
        "customers",
        "transactions",
        "touchpoints",
        "campaigns",
        "campaign_contacts",
        "surveys",
        "complaints",
        "mystery_shopping",
    }
    assert set(SCHEMAS) == expected
    assert set(TABLE_ORDER) == expected


def test_schema_keys_refer_to_existing_columns_and_parents_come_first():
    for name, schema in SCHEMAS.items():
        assert schema.name == name
        assert len(set(schema.column_names)) == len(schema.column_names), name
        for key in schema.primary_key:
            assert key in schema.column_names
        for fk in schema.foreign_keys:
            assert fk.column in schema.column_names
            assert fk.references in SCHEMAS[fk.table].primary_key
            assert TABLE_ORDER.index(fk.table) < TABLE_ORDER.index(name)


def test_transactions_schema_required_columns():
    schema = get_schema("transactions")
    assert schema.required_columns == ("customer_id", "date", "amount")
    assert schema.storage_columns == ("customer_id", "date", "amount", "transaction_id")


def test_unknown_table_is_refused_with_the_list_of_tables():
    with pytest.raises(ValueError, match="customers"):
        get_schema("orders")


# --- one test per rejection reason --------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "bad_value", "reason"),
    [
        ("customer_id", None, "missing customer_id"),
        ("customer_id", np.nan, "missing customer_id"),
        ("customer_id", "   ", "missing customer_id"),
        ("date", None, "missing date"),
        ("date", "2024-02-30", "unparseable date"),
        ("date", "yesterday", "unparseable date"),
        ("amount", None, "missing amount"),
        ("amount", "about 12", "non-numeric amount"),
        ("amount", "inf", "non-numeric amount"),
        ("amount", 0.0, "zero amount"),
        ("amount", "0", "zero amount"),
    ],
)
def test_each_rejection_reason_is_caught_on_its_own(column, bad_value, reason):
    batch = clean_batch().astype(object)
    batch.loc[12, column] = bad_value
    report = validate_transactions(batch)
    assert report.rejected.index.tolist() == [12]
    assert report.rejected.loc[12, "reason"] == reason
    assert report.rejected.loc[12, "failed_column"] == column
    assert report.clean.index.tolist() == [10, 11, 13]
    # rejected rows keep their original (raw) values
    original = report.rejected.loc[12, column]
    assert (pd.isna(original) and pd.isna(bad_value)) or original == bad_value


def test_duplicate_row_keeps_the_first_copy_clean():
    batch = pd.concat([clean_batch(), clean_batch().loc[[11]]])
    batch.index = [10, 11, 12, 13, 14]
    report = validate_transactions(batch)
    assert report.rejected.index.tolist() == [14]
    assert report.rejected.loc[14, "reason"] == "duplicate row"
    assert 11 in report.clean.index


def test_same_values_written_differently_are_still_duplicates():
    batch = clean_batch()
    extra = pd.DataFrame(
        {"customer_id": ["C2"], "date": [pd.Timestamp("2024-03-05")], "amount": ["42"]}, index=[99]
    )
    report = validate_transactions(pd.concat([batch.astype(object), extra.astype(object)]))
    assert report.rejected["reason"].to_dict() == {99: "duplicate row"}


def test_invoice_ids_may_repeat_in_transactions():
    batch = clean_batch().assign(transaction_id=["INV1", "INV1", "INV2", "INV2"])
    assert validate_transactions(batch).ok


def test_date_outside_window_is_inclusive_by_day():
    batch = clean_batch()
    batch.loc[13, "date"] = "2024-04-01"
    report = validate_transactions(batch, window=("2024-03-01", "2024-03-31 00:00"))
    assert report.rejected["reason"].to_dict() == {13: "date outside window"}
    assert 10 in report.clean.index  # the first day itself is inside
    open_start = validate_transactions(batch, window=(None, "2024-03-31"))
    assert open_start.rejected.index.tolist() == [13]


@pytest.mark.parametrize(
    "change",
    [{"amount": -19.5}, {"is_return": True}],
    ids=["negative amount", "is_return flag"],
)
def test_returns_are_kept_separately_not_rejected(change):
    batch = clean_batch().assign(is_return=False)
    for column, value in change.items():
        batch.loc[10, column] = value
    report = validate_transactions(batch)
    assert report.returns.index.tolist() == [10]
    assert report.ok
    assert 10 not in report.clean.index


def test_first_failing_check_decides_the_reason():
    batch = clean_batch().astype(object)
    batch.loc[11, ["customer_id", "date", "amount"]] = [None, "nonsense", 0]
    assert validate_transactions(batch).rejected.loc[11, "reason"] == "missing customer_id"


def test_missing_required_columns_name_them():
    with pytest.raises(DataValidationError, match=r"\['date', 'amount'\]") as info:
        validate_transactions(pd.DataFrame({"customer_id": ["C1"], "when": ["2024-01-01"]}))
    assert "when" in str(info.value)  # lists the columns present


def test_reserved_report_columns_are_refused():
    with pytest.raises(DataValidationError, match="reason"):
        validate_transactions(clean_batch().assign(reason="x"))


def test_clean_rows_are_parsed_to_canonical_dtypes():
    batch = clean_batch().assign(quantity=["1", "2", "3", "4"])
    report = validate_transactions(batch)
    assert str(report.clean["date"].dtype) == quality.DATETIME_DTYPE
    assert report.clean["amount"].dtype == np.float64
    assert report.clean["quantity"].dtype == np.int64
    assert report.clean.loc[12, "date"] == pd.Timestamp("2024-03-09")


def test_optional_column_type_problems_are_reasons_too():
    batch = clean_batch().assign(
        quantity=[1, 2.5, "many", 1], is_return=[False, False, False, "maybe"]
    )
    report = validate_transactions(batch)
    assert report.rejected["reason"].to_dict() == {
        11: "non-integer quantity",
        12: "non-numeric quantity",
        13: "invalid is_return",
    }


# --- strict mode, summary ------------------------------------------------------------------


def test_strict_raises_naming_the_column_with_at_most_five_examples():
    batch = pd.concat([clean_batch()] * 3, ignore_index=True).astype(object)
    batch["amount"] = [1.0, "x", "y", "z", "u", "v", "w", 2.0, 3.0, 4.0, 5.0, 6.0]
    with pytest.raises(DataValidationError) as info:
        validate_transactions(batch, strict=True)
    message = str(info.value)
    assert "non-numeric amount" in message and "'amount'" in message
    assert "and 1 more row(s)" in message  # 6 rejected, 5 shown
    assert validate_transactions(clean_batch(), strict=True).ok


def test_summary_counts_each_reason():
    batch = pd.DataFrame(
        {
            "customer_id": ["C1", None, "", "C2", "C3", "C3", "C4", "C5"],
            "date": ["2024-01-01"] * 6 + ["not a date", "2024-01-02"],
            "amount": [5.0, 1.0, 2.0, 0.0, 3.0, 3.0, 4.0, -2.0],
        }
    )
    summary = validate_transactions(batch).summary()
    assert summary.loc["clean", "rows"] == 2  # C1 and the first C3 row
    assert summary.loc["return", "rows"] == 1
    assert summary.loc["missing customer_id", "rows"] == 2
    assert summary.loc["zero amount", "rows"] == 1
    assert summary.loc["duplicate row", "rows"] == 1
    assert summary.loc["unparseable date", "rows"] == 1
    assert summary.loc["non-numeric amount", "rows"] == 0  # listed with a zero
    # every input row is counted once as kept, set aside or rejected; "kept (policy)" rows
    # say which of those a keep-policy let through and are also in clean/return
    outcomes = summary[~summary["action"].str.startswith("kept (")]
    assert outcomes["rows"].sum() == len(batch)
    assert outcomes["share"].sum() == pytest.approx(1.0)
    assert summary.loc["return without purchase", "action"] == "kept (return_only='keep')"
    assert summary.loc["return without purchase", "rows"] == 1  # C4 only returned
    assert summary.loc["missing customer_id", "column"] == "customer_id"
    assert (
        "non-numeric amount" not in validate_transactions(batch).summary(include_zero=False).index
    )


# --- the partition invariant (hypothesis) ---------------------------------------------------

ids = st.sampled_from(["C1", "C2", "C3", None, "", " "])
dates = st.sampled_from(
    ["2024-01-01", "2024-01-02", "2024-13-01", "n/a", None, pd.Timestamp("2024-01-03")]
)
amounts = st.sampled_from([10.0, 10.0, 0.0, -4.5, "abc", None, "7.5", np.inf])
flags = st.sampled_from([True, False, False])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(ids, dates, amounts, flags), min_size=0, max_size=25),
    labels=st.integers(min_value=0, max_value=10_000),
    with_window=st.booleans(),
)
def test_every_row_ends_in_exactly_one_place(rows, labels, with_window):
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "is_return"], dtype=object)
    frame.index = pd.RangeIndex(labels, labels + len(frame))[::-1]  # shuffled, non-default labels
    window = ("2024-01-01", "2024-01-02") if with_window else None
    report = validate_transactions(frame, window=window)
    parts = [report.clean.index, report.returns.index, report.rejected.index]
    assert sum(len(p) for p in parts) == len(frame)
    combined = parts[0].append(parts[1]).append(parts[2])
    assert combined.is_unique
    assert set(combined) == set(frame.index)
    assert report.rejected["reason"].notna().all()
    for label in report.rejected.index:  # raw values are preserved for tracing
        assert report.rejected.loc[label, "customer_id"] is frame.loc[label, "customer_id"]


# --- customers and the other tables ---------------------------------------------------------


def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "signup_date": ["2023-01-04", "2023-02-11", "2023-03-20"],
            "age": [34, 51, 27],
            "att_price_1": [4, 2, 5],
        }
    )


@pytest.mark.parametrize(
    ("column", "bad_value", "reason"),
    [
        ("customer_id", None, "missing customer_id"),
        ("signup_date", "2023-02-31", "unparseable signup_date"),
        ("signup_date", None, "missing signup_date"),
        ("age", 150, "age out of range"),
        ("age", -3, "age out of range"),
        ("age", "forty", "non-numeric age"),
        ("age", 30.5, "non-integer age"),
        ("att_price_1", 6, "att_price_1 out of range"),
    ],
)
def test_customer_rejection_reasons(column, bad_value, reason):
    frame = customers().astype(object)
    frame.loc[1, column] = bad_value
    report = validate_customers(frame)
    assert report.rejected["reason"].to_dict() == {1: reason}
    assert report.rejected.loc[1, "failed_column"] == column


def test_duplicate_customer_id_with_different_details_is_rejected():
    frame = pd.concat([customers(), customers().iloc[[0]].assign(age=35)], ignore_index=True)
    report = validate_customers(frame)
    assert report.rejected["reason"].to_dict() == {3: "duplicate customer_id"}
    assert report.clean.loc[0, "age"] == 34


def test_identical_customer_record_twice_is_a_duplicate_row():
    frame = pd.concat([customers(), customers().iloc[[2]]], ignore_index=True)
    assert validate_customers(frame).rejected["reason"].to_dict() == {3: "duplicate row"}


def test_missing_age_is_allowed_but_age_range_can_be_set():
    frame = customers().astype(object)
    frame.loc[0, "age"] = None
    assert validate_customers(frame).ok
    narrow = validate_customers(customers(), age_range=(30, 60))
    assert narrow.rejected["reason"].to_dict() == {2: "age out of range"}


def test_customers_missing_required_column_is_named():
    with pytest.raises(DataValidationError, match="signup_date"):
        validate_customers(customers().drop(columns="signup_date"))


def test_validate_table_checks_ranges_and_vocabularies_of_other_tables():
    surveys = pd.DataFrame(
        {
            "response_id": ["R1", "R2", "R3", "R1"],
            "customer_id": ["C1", "C2", "C3", "C4"],
            "nps": [9, 11, 7, 3],
            "stage": ["purchase", "purchase", "shopping", "decision"],
        }
    )
    report = validate_table(surveys, "surveys")
    assert report.rejected["reason"].to_dict() == {
        1: "nps out of range",
        2: "invalid stage",
        3: "duplicate response_id",
    }
    complaints = pd.DataFrame(
        {
            "complaint_id": ["K1", "K2"],
            "customer_id": ["C1", "C2"],
            "opened": ["2024-01-01 10:30", None],
        }
    )
    assert validate_table(complaints, "complaints").rejected["reason"].tolist() == [
        "missing opened"
    ]


def test_validate_table_without_duplicate_checks():
    frame = pd.concat([customers(), customers()], ignore_index=True)
    report = validate_table(frame, "customers", check_duplicates=False, check_keys=False)
    assert report.ok and len(report.clean) == 6


# --- parsing helpers -------------------------------------------------------------------------


def test_parse_values_reports_unreadable_but_not_missing():
    parsed, bad = parse_values(pd.Series(["1", "x", None, " ", "2.0"]), "int")
    assert bad.tolist() == [False, True, False, False, False]
    assert parsed.iloc[0] == 1 and parsed.iloc[4] == 2
    flags, bad_flags = parse_values(pd.Series(["yes", "no", "maybe"]), "bool")
    assert flags.tolist()[:2] == [True, False] and bad_flags.tolist() == [False, False, True]


def test_apply_dtypes_restores_schema_types():
    raw = pd.DataFrame(
        {
            "complaint_id": ["K1", "K2"],
            "customer_id": ["C1", "C2"],
            "opened": ["2024-01-01 10:30:00", "2024-01-02 11:00:00"],
            "resolved": ["2024-01-03 09:00:00", None],
            "resolution_satisfaction": [4, None],
        }
    )
    out = apply_dtypes(raw, "complaints")
    assert str(out["opened"].dtype) == quality.DATETIME_DTYPE
    assert pd.isna(out.loc[1, "resolved"])
    assert out["resolution_satisfaction"].dtype == np.float64
    assert pd.api.types.is_string_dtype(out["customer_id"])
    assert apply_dtypes(pd.DataFrame({"nps": ["9", "7"]}), "surveys")["nps"].dtype == np.int64
    # an integer column with a missing value falls back to float64 (NaN)
    assert apply_dtypes(pd.DataFrame({"nps": [9, None]}), "surveys")["nps"].dtype == np.float64
    assert pd.api.types.is_string_dtype(out["customer_id"])


# --- inject_errors ---------------------------------------------------------------------------


def test_inject_errors_plants_every_reason_and_each_is_caught():
    clean = month_of_purchases()
    dirty = inject_errors(clean, seed=7, n_per_reason=2)
    assert len(dirty) == len(clean) + 2 * len(INJECTED_REASONS)
    planted = dirty["injected_reason"].dropna().value_counts()
    assert planted.to_dict() == dict.fromkeys(INJECTED_REASONS, 2)

    report = validate_transactions(dirty, window=dirty.attrs["window"])
    marks = dirty["injected_reason"]
    # every planted error is rejected with exactly its reason ...
    assert (report.rejected["reason"] == marks[report.rejected.index]).all()
    assert sorted(report.rejected["reason"].unique()) == sorted(TRANSACTION_REASONS)
    # ... the planted returns are returns, and every original row is clean.
    assert (marks[report.returns.index] == "return").all() and len(report.returns) == 2
    assert marks[report.clean.index].isna().all() and len(report.clean) == len(clean)


def test_inject_errors_keeps_the_original_rows_intact():
    clean = month_of_purchases()
    dirty = inject_errors(clean, seed=3, n_per_reason=1)
    report = validate_transactions(dirty, window=dirty.attrs["window"])
    back = report.clean.drop(columns="injected_reason").sort_values("transaction_id")
    expected = clean.sort_values("transaction_id")
    pd.testing.assert_frame_equal(
        back.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
    )


def test_inject_errors_is_reproducible_with_a_seed():
    clean = month_of_purchases()
    first = inject_errors(clean, seed=11)
    pd.testing.assert_frame_equal(first, inject_errors(clean, seed=11))
    assert not first.equals(inject_errors(clean, seed=12))


def test_inject_errors_refuses_dirty_input():
    dirty_input = clean_batch().astype(object)
    dirty_input.loc[11, "amount"] = "oops"
    with pytest.raises(DataValidationError, match="non-numeric amount"):
        inject_errors(dirty_input, seed=0)
    with pytest.raises(DataValidationError, match="amount"):
        inject_errors(clean_batch().drop(columns="amount"), seed=0)


# --- the one schema: the committed sample company passes it ---------------------------------


def test_committed_sample_company_passes_validation_under_the_same_schema():
    # The simulator writes data/ with portfolio_lib.crm.SCHEMAS; validating it against the
    # schema quality re-exports must reject nothing and give back the same dtypes.
    from portfolio_lib import crm
    from portfolio_lib.datasets import load_sample

    assert SCHEMAS is crm.SCHEMAS
    sample = load_sample()
    for name, frame in sample.tables.items():
        report = validate_table(frame, name)
        assert report.rejected.empty, (name, report.rejected["reason"].value_counts().to_dict())
        kept = len(report.clean) + (0 if report.returns is None else len(report.returns))
        assert kept == len(frame), name
        dtypes = crm.SCHEMAS[name].dtypes()
        for column in frame.columns:
            assert str(report.clean[column].dtype) == dtypes[column], (name, column)
    # the returns of the sample are set aside as returns, not errors
    assert len(validate_table(sample.transactions, "transactions").returns) == int(
        sample.transactions["is_return"].sum()
    )
