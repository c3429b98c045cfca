"""Own data as it really arrives (issue 13): every supported file and format is read exactly,
every ambiguous one is refused with a message naming the column and the fix.

The files are written here, byte for byte as exports write them, and every row's parse is
checked against the value it was written from.
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_lib.datasets import load_cdnow, read_transactions
from portfolio_lib.quality import (
    DataValidationError,
    ValueFormat,
    parse_amounts,
    parse_dates,
    read_raw,
    validate_transactions,
)

COLUMNS = {"customer_id": "Müşteri", "date": "Tarih", "amount": "Tutar", "category": "Kategori"}
NAMES = ["Şükrü Çağlayan", "İlkay Öztürk", "Gülşen Ağaoğlu", "Işıl Çelik", "Ümit Doğruöz"]
DAYS = pd.to_datetime(["2024-01-03", "2024-01-15", "2024-04-12", "2024-02-01", "2024-12-31"])
AMOUNTS = [1234.56, 12.5, 0.99, 1234567.0, 45.0]


def _write(path: Path, lines: list[str], encoding: str) -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def _turkish_export(tmp_path: Path, encoding: str = "cp1254") -> Path:
    lines = ["Müşteri;Tarih;Tutar;Kategori"]
    lines += [
        f"{name};{day:%d.%m.%Y};{_money(amount, ',', '.')} TL;Kişisel bakım"
        for name, day, amount in zip(NAMES, DAYS, AMOUNTS, strict=True)
    ]
    return _write(tmp_path / "siparisler.csv", lines, encoding)


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1254", "iso-8859-9"])
def test_a_turkish_windows_export_reads_exactly_with_its_encoding(tmp_path, encoding):
    path = _turkish_export(tmp_path, encoding)
    out = read_transactions(path, COLUMNS, encoding=encoding, locale="tr")
    assert out["customer_id"].tolist() == NAMES
    assert out["date"].tolist() == list(DAYS)
    assert out["amount"].tolist() == AMOUNTS
    assert set(out["category"]) == {"Kişisel bakım"}


def test_without_the_encoding_a_turkish_export_is_refused_with_the_fix(tmp_path):
    path = _turkish_export(tmp_path)
    with pytest.raises(DataValidationError) as info:
        read_transactions(path, COLUMNS, locale="tr")
    message = str(info.value)
    assert "not UTF-8" in message and "encoding='cp1254'" in message
    assert "Şükrü Çağlayan" in message  # the line as it would read with the suggestion


def test_utf8_read_as_a_code_page_is_detected_not_passed_through(tmp_path):
    path = _turkish_export(tmp_path, "utf-8")
    with pytest.raises(
        DataValidationError, match="is UTF-8, so reading it as .cp1254. would misread"
    ):
        read_transactions(path, COLUMNS, encoding="cp1254", locale="tr")


def test_replacement_characters_are_refused(tmp_path):
    path = _write(tmp_path / "bad.csv", ["a,b", "x\ufffdy,1"], "utf-8")
    with pytest.raises(DataValidationError, match="unreadable characters"):
        read_raw(path, encoding="utf-8")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_utf8_with_or_without_bom_and_any_delimiter(tmp_path, encoding, sep):
    lines = [sep.join(["Müşteri", "Tarih", "Tutar"])]
    lines += [
        sep.join([n, f"{d:%Y-%m-%d}", f"{a:.2f}"])
        for n, d, a in zip(NAMES, DAYS, AMOUNTS, strict=True)
    ]
    path = _write(tmp_path / "orders.csv", lines, encoding)
    out = read_transactions(path, {k: COLUMNS[k] for k in ("customer_id", "date", "amount")})
    assert out.columns[0] == "customer_id"  # a BOM does not stick to the first header
    assert out["customer_id"].tolist() == NAMES
    assert out["date"].tolist() == list(DAYS) and out["amount"].tolist() == AMOUNTS


def test_excel_and_parquet_keep_turkish_letters(tmp_path):
    frame = pd.DataFrame(
        {"Müşteri": NAMES, "Tarih": DAYS, "Tutar": AMOUNTS, "Kategori": ["Ev & yaşam"] * 5}
    )
    frame.to_excel(tmp_path / "orders.xlsx", index=False)
    frame.to_parquet(tmp_path / "orders.parquet", index=False)
    for name in ("orders.xlsx", "orders.parquet"):
        out = read_transactions(tmp_path / name, COLUMNS)
        assert out["customer_id"].tolist() == NAMES, name
        assert out["date"].tolist() == list(DAYS), name
        assert out["amount"].tolist() == AMOUNTS, name
        assert set(out["category"]) == {"Ev & yaşam"}, name


def test_excel_text_cells_follow_the_reading_options(tmp_path):
    frame = pd.DataFrame(
        {
            "Müşteri": NAMES[:2],
            "Tarih": ["03.01.2024", "12.04.2024"],
            "Tutar": ["1.234,56 TL", "₺12,50"],
        }
    )
    frame.to_excel(tmp_path / "orders.xlsx", index=False)
    columns = {k: COLUMNS[k] for k in ("customer_id", "date", "amount")}
    with pytest.raises(DataValidationError, match="'Tarih'|'date'"):
        read_transactions(tmp_path / "orders.xlsx", columns)  # every date reads two ways
    out = read_transactions(tmp_path / "orders.xlsx", columns, locale="tr")
    assert out["date"].tolist() == list(pd.to_datetime(["2024-01-03", "2024-04-12"]))
    assert out["amount"].tolist() == [1234.56, 12.5]


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def test_the_issue_example_is_read_day_first_because_one_value_proves_it():
    raw = pd.DataFrame(
        {
            "customer_id": ["C1"] * 4,
            "date": ["03.01.2024", "15.01.2024", "12.04.2024", "01/02/2024"],
            "amount": [1.0] * 4,
        }
    )
    report = validate_transactions(raw)
    expected = pd.to_datetime(["2024-01-03", "2024-01-15", "2024-04-12", "2024-02-01"])
    assert report.clean["date"].tolist() == list(expected)


def test_month_first_is_inferred_the_same_way():
    dates = parse_dates(pd.Series(["01/15/2024", "04/12/2024", "1/2/2024"]))
    assert dates.tolist() == list(pd.to_datetime(["2024-01-15", "2024-04-12", "2024-01-02"]))


def test_a_column_that_reads_both_ways_is_refused_with_both_readings():
    raw = pd.DataFrame(
        {"customer_id": ["C1", "C2"], "date": ["03.01.2024", "12.04.2024"], "amount": [1.0, 2.0]}
    )
    with pytest.raises(DataValidationError) as info:
        validate_transactions(raw)
    message = str(info.value)
    assert "'date'" in message and "03 January 2024" in message and "01 March 2024" in message
    assert "dayfirst=True" in message and "locale='tr'" in message
    assert validate_transactions(raw, dayfirst=False).clean["date"].dt.month.tolist() == [3, 12]
    assert validate_transactions(raw, date_format="%d.%m.%Y").clean["date"].dt.day.tolist() == [
        3,
        12,
    ]


def test_mixed_day_orders_in_one_column_are_refused():
    with pytest.raises(DataValidationError, match="mixes day-first and month-first"):
        parse_dates(pd.Series(["15.01.2024", "01/15/2024"]))


def test_a_stated_day_order_makes_impossible_dates_unreadable_not_swapped():
    raw = pd.DataFrame(
        {"customer_id": ["C1", "C2"], "date": ["15.01.2024", "01.15.2024"], "amount": [1.0, 2.0]}
    )
    report = validate_transactions(raw, locale="tr")
    assert report.clean["date"].tolist() == [pd.Timestamp("2024-01-15")]
    assert report.rejected["reason"].tolist() == ["unparseable date"]


@pytest.mark.parametrize(
    "values", [[20240131, 19970101], ["20240131", "19970101"], [20240131.0, 19970101.0]]
)
def test_yyyymmdd_as_integers_or_text(values):
    assert parse_dates(pd.Series(values)).tolist() == [
        pd.Timestamp("2024-01-31"),
        pd.Timestamp("1997-01-01"),
    ]


def test_other_numbers_are_not_dates():
    assert parse_dates(pd.Series([45292, 20241399, 1.5])).isna().all()


def test_time_zones_one_offset_keeps_its_clock_several_need_a_zone_mixed_are_refused():
    one = pd.Series(["2024-01-01T23:30+03:00", "2024-01-02T01:00+03:00"])
    assert parse_dates(one).tolist() == list(
        pd.to_datetime(["2024-01-01 23:30", "2024-01-02 01:00"])
    )
    two = pd.Series(["2024-01-01T23:30+03:00", "2024-01-01T21:00Z"])
    with pytest.raises(DataValidationError, match="2 UTC offsets"):
        parse_dates(two)
    both = parse_dates(two, ValueFormat(timezone="Europe/Istanbul"))
    assert both.tolist() == list(pd.to_datetime(["2024-01-01 23:30", "2024-01-02 00:00"]))
    with pytest.raises(DataValidationError, match="naive"):
        parse_dates(pd.Series(["2024-01-01T23:30+03:00", "2024-01-02 01:00"]))
    aware = pd.Series(pd.to_datetime(["2024-01-01 23:30"]).tz_localize("Europe/Istanbul"))
    assert parse_dates(aware, ValueFormat(timezone="UTC")).tolist() == [
        pd.Timestamp("2024-01-01 20:30")
    ]


# ---------------------------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("1.234,56 TL", 1234.56, "TRY"),
        ("₺1.234,56", 1234.56, "TRY"),
        ("1.234,56 try", 1234.56, "TRY"),
        ("-12,50 TL", -12.5, "TRY"),
        ("(12,50) TL", -12.5, "TRY"),
        ("12,50-", -12.5, None),
        ("1 234,50", 1234.5, None),
        ("0,125", 0.125, None),
        ("12", 12.0, None),
    ],
)
def test_turkish_amounts(text, value, currency):
    parsed = parse_amounts(pd.Series([text, "1,5"]))
    assert parsed.numbers.iloc[0] == value
    assert (parsed.currency.iloc[0] if currency else None) == (
        None if pd.isna(parsed.currency.iloc[0]) else parsed.currency.iloc[0]
    )


def test_euro_amounts_from_the_issue_are_all_read():
    values = pd.Series(["€ 12,50", "€ 3,00", "€ 1.200,00", "€ 0,99"] * 4)
    raw = pd.DataFrame(
        {"customer_id": [f"C{i}" for i in range(16)], "date": ["2024-01-05"] * 16, "amount": values}
    )
    report = validate_transactions(raw)
    assert len(report.clean) == 16 and report.ok
    assert report.clean["amount"].tolist() == [12.5, 3.0, 1200.0, 0.99] * 4


def test_ambiguous_and_mixed_separators_are_refused():
    with pytest.raises(DataValidationError, match="reads two ways") as info:
        parse_amounts(pd.Series(["1.234", "2.500"]), column="Tutar")
    assert "'Tutar'" in str(info.value) and "1234.0" in str(info.value)
    with pytest.raises(DataValidationError, match="mixes decimal commas and decimal points"):
        parse_amounts(pd.Series(["12,50", "1.5"]))
    assert parse_amounts(
        pd.Series(["1.234", "2.500"]), ValueFormat.resolve(locale="tr")
    ).numbers.tolist() == [1234.0, 2500.0]
    assert (
        parse_amounts(pd.Series(["1.23,4", "12.34.5"]), ValueFormat.resolve(locale="tr"))
        .numbers.isna()
        .all()
    )


def test_several_currencies_are_refused_unless_rates_are_given():
    values = pd.Series(["€ 12,50", "12,50 TL", "$3"])
    with pytest.raises(DataValidationError, match="3 currencies"):
        parse_amounts(values)
    rates = {"EUR": 35.0, "TRY": 1.0, "USD": 32.0}
    raw = pd.DataFrame(
        {"customer_id": ["C1", "C2", "C3"], "date": ["2024-01-05"] * 3, "amount": values}
    )
    clean = validate_transactions(raw, currency_rates=rates).clean
    assert clean["amount"].tolist() == [437.5, 12.5, 96.0]
    assert clean["currency"].tolist() == ["EUR", "TRY", "USD"]
    with pytest.raises(DataValidationError, match="no rate"):
        parse_amounts(values, ValueFormat(currency_rates={"EUR": 35.0}))


def test_currency_is_refused_in_a_column_that_is_not_money():
    raw = pd.DataFrame(
        {"customer_id": ["C1"], "date": ["2024-01-05"], "amount": [5.0], "quantity": ["3 TL"]}
    )
    assert validate_transactions(raw).rejected["reason"].tolist() == ["non-numeric quantity"]


# ---------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------


def _policy_batch() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2", "C3"],
            "date": ["2024-01-05", "2024-01-05", "2024-01-06", "2024-01-07"],
            "amount": [10.0, 10.0, 0.0, -4.0],
        }
    )


def test_every_row_changing_rule_is_a_named_policy_shown_in_the_summary():
    strict = validate_transactions(_policy_batch())
    assert sorted(strict.rejected["reason"]) == ["duplicate row", "zero amount"]
    kept = validate_transactions(_policy_batch(), zero_amounts="keep", duplicates="keep")
    assert kept.ok and len(kept.clean) == 3
    summary = kept.summary()
    assert summary.loc["zero amount", "action"] == "kept (zero_amounts='keep')"
    assert summary.loc["duplicate row", "rows"] == 1
    assert summary.loc["return without purchase", "rows"] == 1  # C3 only returned


def test_a_customer_with_only_returns_can_be_kept_rejected_or_refused():
    assert len(validate_transactions(_policy_batch(), return_only="keep").returns) == 1
    rejected = validate_transactions(_policy_batch(), return_only="reject").rejected
    assert rejected.loc[
        rejected["reason"] == "return without purchase", "customer_id"
    ].tolist() == ["C3"]
    with pytest.raises(DataValidationError, match="customer_id.*return rows but no purchase"):
        validate_transactions(_policy_batch(), return_only="raise")
    with pytest.raises(ValueError, match="return_only"):
        validate_transactions(_policy_batch(), return_only="drop")


def test_cdnow_under_the_defaults_and_as_published(cdnow_home):
    raw = load_cdnow("sample", cdnow_home, download=False)
    default = validate_transactions(raw)
    assert default.summary().loc["zero amount", "rows"] == 8
    assert default.summary().loc["duplicate row", "rows"] == 21
    assert default.clean["customer_id"].nunique() == 2349
    published = validate_transactions(raw, zero_amounts="keep", duplicates="keep")
    assert len(published.clean) == 6919 and published.clean["customer_id"].nunique() == 2357


def test_integer_yyyymmdd_reads_the_raw_cdnow_layout(cdnow_home):
    path = Path(cdnow_home) / "CDNOW_sample.txt"
    raw = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "quantity", "amount"],
    )
    out = read_transactions(raw)
    assert out["date"].min() == pd.Timestamp("1997-01-01")
    assert out["date"].max() == pd.Timestamp("1998-06-30")
    assert out["date"].notna().all()


# ---------------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------------

_LETTERS = string.ascii_letters + "çğıöşüÇĞİÖŞÜ "
_STYLES = {
    "tr": ("%d.%m.%Y", ",", "."),
    "de": ("%d.%m.%Y", ",", "."),
    "gb": ("%d/%m/%Y", ".", ","),
    "us": ("%m/%d/%Y", ".", ","),
}


def _money(value: float, decimal: str, thousands: str) -> str:
    text = f"{value:,.2f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    locale=st.sampled_from(sorted(_STYLES)),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1254", "iso-8859-9"]),
    sep=st.sampled_from([",", ";", "\t", "|"]),
    suffix=st.sampled_from(["", " TL", " €"]),
    rows=st.lists(
        st.tuples(
            st.text(_LETTERS, min_size=1, max_size=12).map(str.strip).filter(bool),
            st.dates(
                min_value=pd.Timestamp("1990-01-01").date(),
                max_value=pd.Timestamp.now().date(),  # later dates are refused as typos
            ),
            st.integers(-500_000, 5_000_000),
        ),
        min_size=1,
        max_size=15,
    ),
)
def test_a_frame_written_in_any_supported_format_reads_back_equal(
    tmp_path_factory, locale, encoding, sep, suffix, rows
):
    date_format, decimal, thousands = _STYLES[locale]
    if suffix == " €" and encoding == "iso-8859-9":
        suffix = " EUR"  # Latin-5 has no euro sign
    lines = [sep.join(["Müşteri", "Tarih", "Tutar"])]
    lines += [
        sep.join(
            [
                name,
                pd.Timestamp(day).strftime(date_format),
                f'"{_money(cents / 100, decimal, thousands)}{suffix}"',
            ]
        )
        for name, day, cents in rows
    ]
    path = _write(tmp_path_factory.mktemp("rt") / "orders.csv", lines, encoding)
    columns = {k: COLUMNS[k] for k in ("customer_id", "date", "amount")}
    out = read_transactions(path, columns, encoding=encoding, locale=locale)
    assert out["customer_id"].tolist() == [name for name, _, _ in rows]
    assert out["date"].tolist() == [pd.Timestamp(day) for _, day, _ in rows]
    np.testing.assert_array_equal(out["amount"].to_numpy(), [c / 100 for _, _, c in rows])


# ---------------------------------------------------------------------------------------------
# The bundled export (chapter 1)
# ---------------------------------------------------------------------------------------------


def test_the_bundled_turkish_export_reads_back_to_the_sample_rows(repo_root):
    from portfolio_lib.datasets import example_file

    path = example_file("siparisler_aralik2024_tr.csv")
    columns = {
        "transaction_id": "Fiş No",
        "customer_id": "Müşteri No",
        "date": "Sipariş Tarihi",
        "amount": "Tutar",
    }
    with pytest.raises(DataValidationError, match="encoding='cp1254'"):
        read_transactions(path, columns)
    export = read_transactions(path, columns, encoding="cp1254", locale="tr")
    sample = pd.read_csv(Path(repo_root) / "data" / "transactions.csv", parse_dates=["date"])
    expected = sample.set_index("transaction_id").loc[export["transaction_id"]]
    assert len(export) == 14
    assert export["customer_id"].tolist() == expected["customer_id"].tolist()
    assert export["date"].tolist() == expected["date"].tolist()
    assert export["amount"].tolist() == expected["amount"].tolist()
    assert (export["date"].dt.day > 12).any()  # the day order is proven by the data
    raw = read_raw(path, encoding="cp1254")
    assert "İstanbul Kadıköy" in set(raw["Satış Kanalı"])


def test_rfm_table_lets_the_analyst_choose_for_return_only_customers():
    from portfolio_lib.rfm import rfm_table

    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [10.0, -5.0, -1.0],
        }
    )
    with pytest.raises(DataValidationError, match="return rows but no purchase"):
        rfm_table(tx, observation_end="2024-01-31")
    with pytest.warns(UserWarning, match=r"left out 2 customer\(s\).*'b', 'c'"):
        table = rfm_table(tx, observation_end="2024-01-31", return_only="drop")
    assert table.index.tolist() == ["a"]
    report = validate_transactions(tx, return_only="reject")
    assert report.rejected["reason"].tolist() == ["return without purchase"] * 2
    assert rfm_table(report.clean, observation_end="2024-01-31").index.tolist() == ["a"]
