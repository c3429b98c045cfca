"""Tests of the simulated customer records (portfolio_lib.simulate.records, issue 18)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio_lib._errors import DataValidationError
from portfolio_lib.datasets import load_sample
from portfolio_lib.simulate import simulate_crm
from portfolio_lib.simulate.records import (
    EVENT_BOOKING,
    CustomerRecords,
    attribute_events,
    attribute_transactions,
    name_lists,
    read_event_records,
    read_records,
    records_for,
    simulate_customer_records,
    turkish_fold,
    turkish_upper,
    write_records,
)

REPO_DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def company():
    return simulate_crm(n_customers=600, seed=11)


@pytest.fixture(scope="module")
def messy(company):
    return simulate_customer_records(
        company.customers, duplicate_rate=0.5, messiness=1.5, seed=3, end=company.observation_end
    )


def _by_person(recs: CustomerRecords) -> pd.DataFrame:
    return recs.records.assign(person=recs.person_id.reindex(recs.records["record_id"]).to_numpy())


@pytest.mark.parametrize("rate", [0.0, 0.15, 0.4])
def test_duplicate_rate_is_the_share_of_persons_with_several_records(company, rate):
    recs = simulate_customer_records(company.customers, duplicate_rate=rate, seed=5)
    per_person = recs.person_id.value_counts()
    assert set(per_person.index) == set(company.customers["customer_id"])
    assert (per_person > 1).sum() == round(rate * len(company.customers))
    assert per_person.max() <= 4
    assert len(recs.records) == per_person.sum()
    assert recs.records["record_id"].is_unique
    assert list(recs.person_id.index) == list(recs.records["record_id"])


def test_first_record_is_created_on_the_signup_day_and_dates_are_in_the_window(company, messy):
    frame = _by_person(messy)
    first = frame.groupby("person")["signup_date"].min()
    signup = company.customers.set_index("customer_id")["signup_date"]
    pd.testing.assert_series_equal(first.sort_index(), signup.sort_index(), check_names=False)
    assert (frame["last_contact"] >= frame["signup_date"]).all()
    assert (frame["last_contact"] <= company.observation_end).all()


def test_the_variations_occur(messy):
    frame = _by_person(messy)
    names = name_lists()
    known_given = set(names["given_names_female"]) | set(names["given_names_male"])
    known_family = set(names["family_names"])
    given, family = frame["given_name"], frame["family_name"]
    phone = frame["phone"].dropna()
    assert phone.str.startswith("+90").any() and phone.str.startswith("05").any()
    assert phone.str.contains(" ").any() and (~phone.str.contains(" ")).any()
    assert (given.str.isupper() & (given.str.len() > 2)).any(), "upper case"
    assert given.str.contains("İ").any(), "Turkish upper case keeps the dotted İ"
    assert given.str.endswith(".").any(), "initials"
    assert given.isin(set(names["nicknames"].values())).any(), "nicknames"
    assert given.isin(known_family).any() and family.isin(known_given).any(), "swapped"
    folded_known = {turkish_fold(n) for n in known_given} - known_given
    assert given.isin(folded_known).any(), "Turkish letters typed as ASCII"
    variants = {turkish_upper(v) for n in known_given for v in (n, turkish_fold(n))}
    plain = given[~given.str.endswith(".")]
    assert (~plain.isin(known_given | variants | known_family)).any(), "typos"
    for column in ["birth_date", "phone", "email", "address", "postcode", "id_number"]:
        assert frame[column].isna().any(), column
    dup = frame[frame["person"].duplicated(keep=False)]
    for column in ["email", "postcode"]:  # changed e-mail, moved address
        distinct = dup.dropna(subset=[column]).groupby("person")[column].nunique()
        assert (distinct > 1).any(), column


def test_messiness_zero_gives_clean_duplicates(company):
    recs = simulate_customer_records(company.customers, duplicate_rate=0.5, messiness=0, seed=3)
    frame = _by_person(recs)
    columns = ["given_name", "family_name", "birth_date", "email", "address", "postcode"]
    assert frame[columns].notna().all().all()
    assert (frame.groupby("person")[columns].nunique() == 1).all().all()
    digits = frame["phone"].str.replace(r"\D", "", regex=True).str[-10:]
    assert (digits.groupby(frame["person"]).nunique() == 1).all()


def test_id_numbers_have_valid_check_digits_and_belong_to_one_person(messy):
    frame = _by_person(messy).dropna(subset=["id_number"])
    assert len(frame) > 0
    for text in frame["id_number"]:
        d = [int(c) for c in text]
        assert len(d) == 11 and d[0] != 0
        assert d[9] == ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
        assert d[10] == sum(d[:10]) % 10
    assert (frame.groupby("id_number")["person"].nunique() == 1).all()


def test_determinism_and_the_seed(company):
    a = simulate_customer_records(company.customers, seed=9)
    b = simulate_customer_records(company.customers, seed=9)
    c = simulate_customer_records(company.customers, seed=10)
    pd.testing.assert_frame_equal(a.records, b.records, check_exact=True)
    pd.testing.assert_series_equal(a.person_id, b.person_id, check_exact=True)
    assert not a.records["given_name"].equals(c.records["given_name"])


def test_existing_tables_and_global_random_state_are_untouched():
    before = simulate_crm(n_customers=200, seed=7)
    customers = before.customers.copy(deep=True)
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (the legacy global state)
    records_for(before, seed=7)
    after = simulate_crm(n_customers=200, seed=7)
    pd.testing.assert_frame_equal(before.customers, customers, check_exact=True)
    for name, frame in before.tables.items():
        pd.testing.assert_frame_equal(frame, after.tables[name], check_exact=True, obj=name)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_transactions_are_booked_on_a_record_of_their_buyer(company, messy):
    booked = attribute_transactions(company.transactions, messy)
    assert list(booked["transaction_id"]) == list(company.transactions["transaction_id"])
    joined = booked.merge(company.transactions, on="transaction_id").merge(
        messy.records, on="record_id"
    )
    assert (messy.person_id.reindex(joined["record_id"]).to_numpy() == joined["customer_id"]).all()
    assert (joined["signup_date"] <= joined["date"]).all()
    # the rule prefers the record of the channel's source: store purchases of persons with a
    # store card that existed that day are all on store cards
    store = joined[(joined["channel"] == "store") & ~joined["is_return"]]  # returns: see above
    cards = messy.records[messy.records["source"] == "store card"].assign(
        customer_id=lambda f: messy.person_id.reindex(f["record_id"]).to_numpy()
    )
    has_card = store.merge(cards[["customer_id", "signup_date"]], on="customer_id")
    has_card = has_card[has_card["signup_date_y"] <= has_card["date"]]
    assert len(has_card) > 0
    assert (
        store.set_index("transaction_id").loc[has_card["transaction_id"], "source"] == "store card"
    ).all()


def test_csv_round_trip_is_exact(company, tmp_path):
    recs, booked = records_for(company, seed=4)
    write_records(company, tmp_path, seed=4)
    back, back_booked = read_records(tmp_path)
    pd.testing.assert_frame_equal(back.records, recs.records, check_exact=True)
    pd.testing.assert_series_equal(back.person_id, recs.person_id, check_exact=True)
    pd.testing.assert_frame_equal(back_booked, booked, check_exact=True)
    assert back.records["postcode"].str.len().dropna().eq(5).all()  # leading zeros kept


def test_committed_records_equal_a_fresh_draw():
    committed, booked = read_records(REPO_DATA)
    fresh, fresh_booked = records_for(load_sample(), seed=42)
    pd.testing.assert_frame_equal(committed.records, fresh.records, check_exact=True)
    pd.testing.assert_series_equal(committed.person_id, fresh.person_id, check_exact=True)
    pd.testing.assert_frame_equal(booked, fresh_booked, check_exact=True)
    share = (committed.person_id.value_counts() > 1).mean()
    assert share == pytest.approx(0.15, abs=0.5 / committed.n_persons)


def test_turkish_case_helpers():
    assert turkish_fold("ŞÇĞÜÖİ şçğüöı") == "SCGUOI scguoi"
    assert turkish_upper("ılık irmik") == "ILIK İRMİK"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duplicate_rate": 1.5}, "duplicate_rate"),
        ({"duplicate_rate": -0.1}, "duplicate_rate"),
        ({"messiness": -1}, "messiness"),
        ({"messiness": float("nan")}, "messiness"),
    ],
)
def test_bad_arguments(company, kwargs, message):
    with pytest.raises(DataValidationError, match=message):
        simulate_customer_records(company.customers, **kwargs)


def test_bad_tables(company):
    with pytest.raises(DataValidationError, match="gender"):
        simulate_customer_records(company.customers.drop(columns="gender"))
    with pytest.raises(DataValidationError, match="empty"):
        simulate_customer_records(company.customers.iloc[:0])
    recs = simulate_customer_records(company.customers.iloc[:10], seed=1)
    with pytest.raises(DataValidationError, match="without any record"):
        attribute_transactions(company.transactions, recs)


def test_a_return_is_booked_on_the_record_of_the_latest_purchase(company, messy):
    booked = attribute_transactions(company.transactions, messy)
    tx = company.transactions.assign(record_id=booked["record_id"].to_numpy())
    returns = tx[tx["is_return"]]
    assert len(returns) > 0
    purchases = tx[~tx["is_return"]]
    for row in returns.itertuples():
        before = purchases[
            (purchases["customer_id"] == row.customer_id) & (purchases["date"] <= row.date)
        ]
        assert row.record_id == before.iloc[-1]["record_id"], row.transaction_id


# --- touchpoints, surveys and complaints on records ------------------------------------------


def _person_and_created(recs: CustomerRecords, booked: pd.DataFrame) -> pd.DataFrame:
    created = recs.records.set_index("record_id")["signup_date"]
    return booked.assign(
        person=recs.person_id.reindex(booked["record_id"]).to_numpy(),
        created=created.reindex(booked["record_id"]).to_numpy(),
    )


def test_every_customer_event_is_booked_once_on_a_record_of_its_person(company, messy):
    booked = attribute_events(company, messy)
    assert sorted(booked) == ["complaint_records", "survey_records", "touchpoint_records"]
    for table, (key, when, _) in EVENT_BOOKING.items():
        events = getattr(company, table)
        mine = events[events["customer_id"].isin(company.customers["customer_id"])]
        out = booked[f"{table[:-1]}_records"]
        assert list(out.columns) == [key, "record_id"]
        assert list(out[key]) == list(mine[key])  # each customer event once, in order
        assert out["record_id"].notna().all()
        got = _person_and_created(messy, out)
        assert (got["person"].to_numpy() == mine["customer_id"].to_numpy()).all(), table
        # booked on a record open on the event day, or on the first one for earlier events
        first = (
            messy.person_id.reset_index()
            .merge(messy.records[["record_id", "signup_date"]], on="record_id")
            .groupby("customer_id")["signup_date"]
            .min()
        )
        day = mine[when].where(
            mine[when] >= mine["customer_id"].map(first), mine["customer_id"].map(first)
        )
        assert (got["created"].to_numpy() <= day.to_numpy()).all(), table
    prospects = ~company.touchpoints["customer_id"].isin(company.customers["customer_id"])
    assert prospects.any()  # the rule leaves prospects' touchpoints out, and only those
    assert len(booked["touchpoint_records"]) == (~prospects).sum()


def test_event_channels_pick_the_matching_source(company, messy):
    booked = attribute_events(company, messy)["complaint_records"]
    got = company.complaints.merge(booked, on="complaint_id").merge(
        messy.records[["record_id", "source"]], on="record_id"
    )
    calls = got[got["channel"] == "call_center"]
    has_line = messy.records.assign(customer_id=messy.person_id.to_numpy())
    has_line = has_line[has_line["source"] == "call centre"].merge(
        calls[["complaint_id", "customer_id", "opened"]], on="customer_id"
    )
    has_line = has_line[has_line["signup_date"] <= has_line["opened"]]
    assert len(has_line) > 0
    picked = calls.set_index("complaint_id").loc[has_line["complaint_id"].unique(), "source"]
    assert (picked == "call centre").all()


def test_event_booking_is_deterministic_and_leaves_the_tables_unchanged():
    crm = simulate_crm(n_customers=200, seed=7)
    copies = {name: frame.copy(deep=True) for name, frame in crm.tables.items()}
    recs = simulate_customer_records(crm.customers, seed=7, end=crm.observation_end)
    a = attribute_events(crm, recs)
    b = attribute_events(
        crm, simulate_customer_records(crm.customers, seed=7, end=crm.observation_end)
    )
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
    fresh = simulate_crm(n_customers=200, seed=7)
    for name, frame in crm.tables.items():
        pd.testing.assert_frame_equal(frame, copies[name], check_exact=True, obj=name)
        pd.testing.assert_frame_equal(frame, fresh.tables[name], check_exact=True, obj=name)


def test_event_records_round_trip_and_committed_files_equal_a_fresh_booking(company, tmp_path):
    recs, _ = records_for(company, seed=4)
    write_records(company, tmp_path, seed=4)
    back = read_event_records(tmp_path)
    for name, frame in attribute_events(company, recs).items():
        pd.testing.assert_frame_equal(back[name], frame, check_exact=True, obj=name)
    crm = load_sample()
    committed, _ = read_records(REPO_DATA)
    on_disk = read_event_records(REPO_DATA)
    for name, frame in attribute_events(crm, committed).items():
        pd.testing.assert_frame_equal(on_disk[name], frame, check_exact=True, obj=name)


def test_events_of_an_unknown_customer_are_refused(company, messy):
    crm = simulate_crm(n_customers=600, seed=11)
    other = simulate_customer_records(crm.customers.iloc[:300], seed=3)
    with pytest.raises(DataValidationError, match="customer_id values without any record"):
        attribute_events(crm, other)
