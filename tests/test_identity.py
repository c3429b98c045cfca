"""Customer identification (issue 18): normalisation, hashing, metrics, golden records and
bad input. Fast: nothing here runs Splink (the linkage tests are in test_identity_linkage.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib._errors import DataValidationError
from portfolio_lib.identity import (
    cluster_metrics,
    fold_case,
    hash_column,
    hash_identifier,
    normalise_birth_date,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_text,
    pairwise_metrics,
    resolve,
    to_ascii,
)
from portfolio_lib.identity.golden import golden_records
from portfolio_lib.identity.metrics import components, precision_recall_curve
from portfolio_lib.identity.model import build_settings, comparison_roles, training_rules
from portfolio_lib.identity.roles import COMPARED_ROLES, prepare_records


# -- Turkish case folding and transliteration ---------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("İSMAİL", "ismail"),
        ("IŞIK", "ışık"),
        ("ÇAĞRI", "çağrı"),
        ("Iğdır", "ığdır"),
        ("ÖZGÜR ÜNAL", "özgür ünal"),
        ("istanbul", "istanbul"),
    ],
)
def test_fold_case_follows_turkish_rules(raw: str, folded: str) -> None:
    assert fold_case(raw) == folded


def test_python_lower_would_be_wrong_for_the_dotted_capital() -> None:
    # the reason fold_case exists: str.lower leaves a combining dot and keeps I as i
    assert "İSMAİL".lower() != "ismail" and "IŞIK".lower() == "işik"
    assert fold_case("IŞIK") != "IŞIK".lower()


@pytest.mark.parametrize(
    ("raw", "ascii_"),
    [("şığüöç", "siguoc"), ("ŞİĞÜÖÇ", "SIGUOC"), ("Kâzım", "Kazim"), ("Gülşen", "Gulsen")],
)
def test_to_ascii_transliterates_turkish_letters(raw: str, ascii_: str) -> None:
    assert to_ascii(raw) == ascii_


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("AYŞE YILMAZ", "Ayse Yilmaz"),
        ("İSMAİL IŞIK", "ismail isik"),
        ("Dr. Mehmet  Öztürk", "mehmet ozturk"),
        ("Ali Bey", "ali"),
        ("Sn. Ayşe-Nur Kaya", "ayse nur kaya"),
        ("ÇAĞLAR", "Caglar"),
    ],
)
def test_two_spellings_of_one_name_normalise_equal(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


def test_names_that_differ_stay_different() -> None:
    assert normalise_name("Ayşe Yılmaz") != normalise_name("Ayşe Yılmazer")
    assert normalise_name("Dr.") == "dr"  # a name made only of titles is kept


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, 12.5, "", "  ", "..."])
def test_missing_or_empty_text_is_none(missing: object) -> None:
    assert normalise_name(missing) is None
    assert normalise_text(missing) is None


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalised_names_are_ascii_and_idempotent(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once
    if once is not None:
        assert once.isascii() and once == once.strip() and "  " not in once
        assert once == once.lower()


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_to_ascii_output_is_ascii_and_fold_is_idempotent(text: str) -> None:
    assert to_ascii(text).isascii()
    folded = fold_case(text)
    assert fold_case(folded) == folded


# -- phones ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "written",
    [
        "+90 532 123 45 67",
        "+905321234567",
        "0090 532 123 45 67",
        "90 532 123 4567",
        "0532 123 45 67",
        "05321234567",
        "0 (532) 123-45-67",
        "(532) 123 4567",
        "532 123 45 67",
        "532.123.45.67",
        5321234567,
    ],
)
def test_turkish_mobile_formats_give_one_e164(written: object) -> None:
    assert normalise_phone(written) == "+905321234567"


def test_turkish_landline_and_foreign_numbers() -> None:
    assert normalise_phone("0212 555 44 33") == "+902125554433"
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    "invalid",
    [
        "532 123 45 6",  # nine digits
        "0532 123 45 678",  # twelve digits with the trunk 0
        "1234567890",  # national numbers do not start with 1
        "0800 123 45 67x",  # a letter
        "tel: 0532 123 45 67",
        "+",
        "",
        None,
        np.nan,
        True,
    ],
)
def test_unreadable_phones_are_missing_not_guessed(invalid: object) -> None:
    assert normalise_phone(invalid) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789 +-()", max_size=20))
def test_phone_output_is_e164_or_missing_and_idempotent(text: str) -> None:
    out = normalise_phone(text)
    if out is not None:
        assert out[0] == "+" and out[1:].isdigit() and 8 <= len(out) - 1 <= 15
        assert normalise_phone(out) == out


# -- e-mails and dates ------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.sampled_from(["gmail.com", "googlemail.com", "firma.com.tr"]))
def test_canonical_email_is_idempotent_and_lower_case(user: str, domain: str) -> None:
    once = normalise_email(f"{user}@{domain}")
    if once is not None:
        assert normalise_email(once) == once and once == once.lower() and once.count("@") == 1


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=pd.Timestamp("1900-01-01").date()))
def test_birth_dates_read_back_the_same_in_every_accepted_form(day: object) -> None:
    iso = normalise_birth_date(str(day))
    assert iso == str(day) and normalise_birth_date(iso) == iso
    assert normalise_birth_date(iso.replace("-", "")) == iso
    assert normalise_birth_date(f"{day.day:02d}.{day.month:02d}.{day.year}") == iso  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("  Ayse.Yilmaz@Firma.COM.tr ", "ayse.yilmaz@firma.com.tr"),
        ("A.Yilmaz+shop@gmail.com", "ayilmaz@gmail.com"),
        ("a.yilmaz@googlemail.com", "ayilmaz@gmail.com"),
        ("a.yilmaz+x@outlook.com", "a.yilmaz+x@outlook.com"),  # other providers: as written
    ],
)
def test_canonical_email(written: str, canonical: str) -> None:
    assert normalise_email(written) == canonical


def test_gmail_rules_can_be_switched_off_and_bad_addresses_are_missing() -> None:
    assert normalise_email("A.Yilmaz+shop@gmail.com", provider_rules=False) == (
        "a.yilmaz+shop@gmail.com"
    )
    for bad in ["no-at-sign", "two@@at.com", "a@nodot", "a b@x.com", None, "+tag@gmail.com"]:
        assert normalise_email(bad) is None


@pytest.mark.parametrize(
    "written",
    ["1985-03-07", "19850307", 19850307, "07.03.1985", "7.3.1985", pd.Timestamp("1985-03-07"),
     "1985-03-07T10:00", np.datetime64("1985-03-07")],
)  # fmt: skip
def test_birth_date_formats(written: object) -> None:
    assert normalise_birth_date(written) == "1985-03-07"


@pytest.mark.parametrize("bad", ["03/07/1985", "1985-13-01", "yesterday", "", None, pd.NaT, True])
def test_ambiguous_or_invalid_birth_dates_are_missing(bad: object) -> None:
    assert normalise_birth_date(bad) is None


# -- hashing ----------------------------------------------------------------------------------------
def test_hash_is_stable_salted_and_unreadable() -> None:
    h = hash_identifier("ayse@example.com", "salt-1")
    assert h == hash_identifier("ayse@example.com", "salt-1")
    assert h != hash_identifier("ayse@example.com", "salt-2")
    assert h != hash_identifier("ayse@example.co", "salt-1")
    assert len(h) == 64 and "ayse" not in h
    assert hash_identifier(None, "salt-1") is None


def test_hash_column_keeps_missing_and_refuses_an_empty_salt() -> None:
    out = hash_column(pd.Series(["a@b.co", None, "a@b.co"], index=[5, 6, 7]), b"k")
    assert out.index.tolist() == [5, 6, 7]
    assert out[5] == out[7] == hash_identifier("a@b.co", "k") and out[6] is None
    with pytest.raises(ValueError, match="salt"):
        hash_identifier("x", "")


# -- metrics (hand-computed) --------------------------------------------------------------------------
def test_pairwise_metrics_by_hand() -> None:
    # truth: {a,b,c} one person, {d} another, {e,f} a third -> true pairs ab ac bc ef = 4
    # predicted: {a,b}, {c,d}, {e,f} -> predicted pairs ab cd ef = 3, correct ab ef = 2
    truth = ["p1", "p1", "p1", "p2", "p3", "p3"]
    predicted = [1, 1, 2, 2, 3, 3]
    m = pairwise_metrics(predicted, truth)
    assert m["predicted_pairs"] == 3 and m["true_pairs"] == 4 and m["correct_pairs"] == 2
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(2 / 4)
    assert m["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_pairwise_metrics_edge_conventions() -> None:
    singletons = pairwise_metrics([1, 2, 3], ["a", "b", "c"])
    assert singletons["precision"] == singletons["recall"] == singletons["f1"] == 1.0
    nothing_found = pairwise_metrics([1, 2], ["a", "a"])
    assert nothing_found["precision"] == 1.0 and nothing_found["recall"] == 0.0
    assert nothing_found["f1"] == 0.0
    with pytest.raises(ValueError, match="records"):
        pairwise_metrics([1, 2], ["a"])


def test_cluster_metrics_by_hand() -> None:
    truth = ["p1", "p1", "p1", "p2", "p3", "p3", "p4"]
    predicted = [1, 1, 2, 2, 3, 3, 4]
    m = cluster_metrics(predicted, truth)
    # p3 and p4 recovered exactly; p1 split over 1 and 2; predicted 2 mixes p1 and p2
    assert m["exact_persons"] == 2 and m["true_persons"] == 4 and m["predicted_persons"] == 4
    assert m["cluster_recall"] == pytest.approx(0.5) and m["cluster_precision"] == pytest.approx(
        0.5
    )
    assert m["merged_persons"] == 1 and m["split_persons"] == 1


def test_components_and_precision_recall_curve() -> None:
    assert components(6, np.array([4, 1]), np.array([5, 2])).tolist() == [0, 1, 1, 3, 4, 4]
    pairs = pd.DataFrame(
        {"left": [0, 1, 2], "right": [1, 2, 3], "match_probability": [0.99, 0.95, 0.6]}
    )
    truth = np.array(["a", "a", "a", "b"])
    curve = precision_recall_curve(pairs, truth, [0.5, 0.9, 0.999])
    # 0.5: one cluster of 4 -> 6 predicted pairs, 3 correct; 0.9: {0,1,2} exact; 0.999: nothing
    assert curve["precision"].tolist() == pytest.approx([0.5, 1.0, 1.0])
    assert curve["recall"].tolist() == pytest.approx([1.0, 1.0, 0.0])
    assert curve["persons"].tolist() == [1, 2, 4]


# -- golden records ---------------------------------------------------------------------------------
def test_golden_record_survivorship_rules() -> None:
    raw = pd.DataFrame(
        {
            "record_id": ["r1", "r2", "r3", "r4"],
            "given_name": ["AYŞE", "Ayşe", "Ayse", "Mehmet"],
            "email": ["old@x.com", None, "new@x.com", "m@x.com"],
            "phone": ["+905321112233", "+905329998877", None, None],
            "address": ["Gül Sok.", "Gül Sokak 3", None, "Lale Sok."],
            "city": [None, "Bursa", "Bursa", "İzmir"],
            "signup_date": ["2023-05-01", "2022-01-10", "2024-02-01", "2023-01-01"],
            "last_contact": ["2023-06-01", "2024-01-01", "2024-09-01", "2024-01-01"],
            "source": ["store", "web", "web", "app"],
        }
    )
    norm = pd.DataFrame(
        {
            "given_name": ["ayse", "ayse", "ayse", "mehmet"],
            "email": raw["email"],
            "phone": raw["phone"],
        }
    )
    gold = golden_records(raw, norm, pd.Series(["r1", "r1", "r1", "r4"]))
    assert gold.index.tolist() == ["r1", "r4"]
    a = gold.loc["r1"]
    assert a["n_records"] == 3 and a["record_ids"] == "r1|r2|r3" and a["sources"] == "store|web"
    assert a["given_name"] == "Ayse"  # all agree once normalised: the most recent spelling
    assert a["email"] == "new@x.com"  # most recent contact (r3)
    assert a["phone"] == "+905329998877"  # r3 has none: the next most recent (r2)
    assert (a["address"], a["city"]) == ("Gül Sokak 3", "Bursa")  # most complete address (r2)
    assert a["signup_date"] == pd.Timestamp("2022-01-10")
    assert a["last_contact"] == pd.Timestamp("2024-09-01")


# -- the model from the roles present -------------------------------------------------------------------
def test_settings_follow_the_roles_present() -> None:
    roles = ["given_name", "family_name", "birth_date", "email", "city", "postcode"]
    assert list(comparison_roles(roles)) == ["name", "birth_date", "email", "address"]
    settings = build_settings(roles)
    assert [c.create_output_column_name() for c in settings.comparisons] == [
        "name", "birth_date", "email", "address",
    ]  # fmt: skip
    # every comparison is estimated by at least one EM session that does not block on it
    compared = comparison_roles(roles)
    trained = {
        c
        for rule in training_rules(roles)
        for c, cols in compared.items()
        if not set(cols) & set(rule)
    }
    assert trained == set(compared)


# -- bad input --------------------------------------------------------------------------------------------
def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "ad": ["Ayşe", "Ali", "Can"],
            "tel": ["0532 111 22 33", "0544 222 33 44", None],
            "dob": ["1980-01-01", "1990-02-02", "1999-03-03"],
        }
    )


_COLS = {"record_id": "id", "given_name": "ad", "phone": "tel", "birth_date": "dob"}


def test_missing_mapped_column_is_named() -> None:
    with pytest.raises(DataValidationError, match=r"missing mapped column\(s\) \['telefon'\]"):
        resolve(_frame(), columns={**_COLS, "phone": "telefon"})


def test_empty_table_is_refused() -> None:
    with pytest.raises(DataValidationError, match="empty"):
        resolve(_frame().iloc[:0], columns=_COLS)


def test_all_null_column_is_named_with_rows() -> None:
    frame = _frame().assign(tel=None)
    with pytest.raises(DataValidationError, match=r"\['tel'\].*'phone'.*no value") as info:
        resolve(frame, columns=_COLS)
    assert "Ayşe" not in str(info.value)  # only the id and the empty column are shown
    assert "Example rows" in str(info.value) and "None" in str(info.value)


def test_unreadable_column_is_named_with_rows() -> None:
    frame = _frame().assign(dob=["01/02/1980", "02/03/1990", None])
    with pytest.raises(DataValidationError, match=r"\['dob'\].*birth date") as info:
        resolve(frame, columns=_COLS)
    assert "01/02/1980" in str(info.value)


def test_duplicate_and_missing_record_ids_are_refused() -> None:
    with pytest.raises(DataValidationError, match=r"column id repeats record ids") as info:
        resolve(_frame().assign(id=[1, 1, 2]), columns=_COLS)
    assert "2 of 3 rows" in str(info.value)
    with pytest.raises(DataValidationError, match="missing record ids"):
        resolve(_frame().assign(id=[1, None, 2]), columns=_COLS)


def test_mapping_problems_are_named() -> None:
    with pytest.raises(DataValidationError, match="unknown role"):
        resolve(_frame(), columns={**_COLS, "nickname": "ad"})
    with pytest.raises(DataValidationError, match="record_id"):
        resolve(_frame(), columns={"given_name": "ad", "phone": "tel"})
    with pytest.raises(DataValidationError, match="at least two"):
        resolve(_frame(), columns={"record_id": "id", "given_name": "ad"})
    with pytest.raises(DataValidationError, match="DataFrame"):
        resolve(_frame().to_dict(), columns=_COLS)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "0.9", True])
def test_threshold_must_be_a_probability(bad: object) -> None:
    with pytest.raises(ValueError, match="threshold"):
        resolve(_frame(), columns=_COLS, threshold=bad)  # type: ignore[arg-type]


def test_prepare_counts_unreadable_values_and_joins_address_lines() -> None:
    frame = _frame().assign(
        tel=["0532 111 22 33", "12", None], a1=["Gül Sok.", None, "X"], a2=["No 3", None, None]
    )
    prepared = prepare_records(frame, {**_COLS, "address": ["a1", "a2"]})
    assert prepared.unreadable["phone"] == 1  # "12" is not a phone; None was already missing
    address = prepared.normalised["address"]
    assert address[0] == "gul sok no 3" and pd.isna(address[1]) and address[2] == "x"
    assert set(prepared.roles) <= set(COMPARED_ROLES)
