"""Tests for portfolio_lib.datasets: CDNOW (real files and a local download), readers."""

from __future__ import annotations

import functools
import io
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import datasets
from portfolio_lib.datasets import (
    CDNOW_COUNTS,
    DATA_ENV_VAR,
    load_cdnow,
    load_cdnow_summary,
    load_sample,
    read_online_retail,
    read_transactions,
)
from portfolio_lib.quality import DataValidationError, validate_transactions

# --- the real CDNOW files (REFERENCE.md, "Data in ../shared/data/cdnow") ----------------------


@pytest.fixture(scope="module")
def cdnow_sample(cdnow_home):
    return load_cdnow("sample", data_home=cdnow_home, download=False)


@pytest.fixture(scope="module")
def cdnow_master(cdnow_home):
    if not (cdnow_home / "CDNOW_master.txt").exists():
        pytest.skip(f"CDNOW_master.txt not in {cdnow_home}")
    return load_cdnow("master", data_home=cdnow_home, download=False)


def test_cdnow_sample_has_the_published_counts(cdnow_sample):
    # REFERENCE.md, "Data in ../shared/data/cdnow": 6,919 records of 2,357 customers
    assert len(cdnow_sample) == 6_919
    assert cdnow_sample["customer_id"].nunique() == 2_357
    assert list(cdnow_sample.columns) == ["customer_id", "date", "quantity", "amount", "master_id"]
    assert cdnow_sample["customer_id"].dtype == np.int64
    assert str(cdnow_sample["date"].dtype).startswith("datetime64")
    assert cdnow_sample["master_id"].nunique() == 2_357  # one master id per sample id
    assert (cdnow_sample.groupby("customer_id")["master_id"].nunique() == 1).all()


def test_cdnow_master_has_the_published_counts(cdnow_master):
    # REFERENCE.md, "Data in ../shared/data/cdnow": 69,659 records of 23,570 customers,
    # who first bought in Q1 1997; records run to the end of June 1998.
    assert len(cdnow_master) == 69_659
    assert cdnow_master["customer_id"].nunique() == 23_570
    first = cdnow_master.groupby("customer_id")["date"].min()
    assert first.between("1997-01-01", "1997-03-31").all()
    assert cdnow_master["date"].max() <= pd.Timestamp("1998-06-30")
    assert (cdnow_master["quantity"] > 0).all()


def test_sample_records_are_the_master_records_of_the_sampled_customers(cdnow_sample, cdnow_master):
    keys = ["customer_id", "date", "quantity", "amount"]
    sampled = cdnow_master[cdnow_master["customer_id"].isin(cdnow_sample["master_id"])]
    from_sample = cdnow_sample.drop(columns="customer_id").rename(
        columns={"master_id": "customer_id"}
    )
    left = sampled[keys].sort_values(keys).reset_index(drop=True)
    right = from_sample[keys].sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_cdnow_summary_matches_the_sample(cdnow_home, cdnow_sample):
    summary = load_cdnow_summary(cdnow_home)
    assert list(summary.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert summary.index.name == "customer_id"
    assert set(summary.index) == set(cdnow_sample["customer_id"])
    # REFERENCE.md, "Data in ../shared/data/cdnow": calibration ends 1997-09-30, time in
    # fractional weeks, same-day purchases are one occasion; built this way from the sample
    # the summary reproduces the papers' file (which is rounded to 2 decimals).
    end = pd.Timestamp("1997-09-30")
    days = cdnow_sample.loc[cdnow_sample["date"] <= end, ["customer_id", "date"]].drop_duplicates()
    per = days.groupby("customer_id")["date"].agg(["min", "max", "count"])
    per = per.reindex(summary.index)
    np.testing.assert_array_equal(per["count"] - 1, summary["frequency"])
    np.testing.assert_allclose(
        (per["max"] - per["min"]).dt.days / 7, summary["recency"], atol=0.005
    )
    np.testing.assert_allclose((end - per["min"]).dt.days / 7, summary["T"], atol=0.005)
    # zbar: mean spend per repeat purchase day. The sample's exact repeat lines (same customer,
    # day, CDs and dollars) are genuine records: the papers' zbar needs them.
    assert cdnow_sample.duplicated().sum() > 0
    np.testing.assert_allclose(
        repeat_spend(cdnow_sample, end, summary.index), summary["monetary_value"], atol=0.005
    )
    deduplicated = repeat_spend(cdnow_sample.drop_duplicates(), end, summary.index)
    assert np.abs(deduplicated - summary["monetary_value"]).max() > 1.0


def repeat_spend(records: pd.DataFrame, end: pd.Timestamp, customers: pd.Index) -> pd.Series:
    """Mean dollars per repeat purchase day up to ``end`` (0 for customers without repeats)."""
    days = records[records["date"] <= end].groupby(["customer_id", "date"])["amount"].sum()
    days = days.reset_index()
    first = days.groupby("customer_id")["date"].transform("min")
    repeats = days[days["date"] > first]
    return repeats.groupby("customer_id")["amount"].mean().reindex(customers, fill_value=0.0)


def test_cdnow_summary_repeat_buyers_match_gamma_gamma_reference(cdnow_home):
    # REFERENCE.md, "Gamma-Gamma": 946 repeat buyers; zbar mean 35, sd 30, median 27 (rounded $)
    summary = load_cdnow_summary(cdnow_home)
    zbar = summary.loc[summary["frequency"] > 0, "monetary_value"]
    assert len(zbar) == 946
    # "rounded dollars": each statistic lies within half a dollar of the published figure
    assert abs(zbar.mean() - 35) < 0.5
    assert abs(zbar.std() - 30) < 0.5
    # n is even and the two middle values are 27.46 and 27.54: the median is exactly 27.50,
    # a rounding tie; the paper's 27 is the lower median.
    assert abs(zbar.median() - 27) <= 0.5
    assert round(np.sort(zbar.to_numpy())[len(zbar) // 2 - 1]) == 27


def test_default_data_home_comes_from_the_environment(cdnow_home, monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV_VAR, str(cdnow_home))
    assert datasets.default_data_home() == cdnow_home
    assert len(load_cdnow("sample", download=False)) == 6_919
    monkeypatch.delenv(DATA_ENV_VAR)
    assert "portfolio_lib" in str(datasets.default_data_home())


def test_absent_file_without_download_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="CDNOW_master.txt"):
        load_cdnow("master", data_home=tmp_path, download=False)
    with pytest.raises(FileNotFoundError, match=datasets.CDNOW_SUMMARY_FILE):
        load_cdnow_summary(tmp_path)
    with pytest.raises(ValueError, match="sample"):
        load_cdnow("full", data_home=tmp_path)


def test_default_source_is_bruce_hardies_page():
    for kind in CDNOW_COUNTS:
        url = datasets.cdnow_url(kind)
        assert url.startswith(datasets.CDNOW_BASE_URL) and "brucehardie.com" in url
        assert url.endswith(f"CDNOW_{kind}.zip")


# --- download through a local HTTP server -------------------------------------------------------

FAKE_SAMPLE = (
    " 00004 0001 19970101  2   29.33\n"
    " 00004 0001 19970118  2   29.73\n"
    " 00018 0002 19970101  1   14.96\n"
    " 00021 0003 19970101  3   63.34\n"
    " 00021 0003 19970113  1   11.77\n"
)
FAKE_MASTER = " 00001 19970101  1   11.77\n 00002 19970112  1   12.00\n 00002 19970112  5   77.00\n"


def make_zip(member: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, text)
    return buffer.getvalue()


@pytest.fixture
def web(tmp_path, monkeypatch):
    """A static HTTP server on 127.0.0.1 serving ``tmp_path / "www"``; yields (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - signature of the base class
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=root))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_download_verifies_then_caches(web, tmp_path):
    root, base = web
    (root / "CDNOW_sample.zip").write_bytes(make_zip("CDNOW_sample.txt", FAKE_SAMPLE))
    cache = tmp_path / "cache"
    frame = load_cdnow("sample", cache, url=base + "CDNOW_sample.zip", expected_counts=(5, 3))
    assert frame["customer_id"].tolist() == [1, 1, 2, 3, 3]
    assert frame["master_id"].tolist() == [4, 4, 18, 21, 21]
    assert frame.loc[1, "date"] == pd.Timestamp("1997-01-18")
    assert frame["amount"].sum() == pytest.approx(29.33 + 29.73 + 14.96 + 63.34 + 11.77)
    assert sorted(p.name for p in cache.iterdir()) == ["CDNOW_sample.txt"]  # no temp files left
    (root / "CDNOW_sample.zip").unlink()  # the next load must come from the cache
    again = load_cdnow("sample", cache, download=False, expected_counts=(5, 3))
    pd.testing.assert_frame_equal(again, frame)


def test_download_of_master_in_the_original_layout(web, tmp_path):
    root, base = web
    (root / "m.zip").write_bytes(make_zip("CDNOW/CDNOW_master.txt", FAKE_MASTER))
    frame = load_cdnow("master", tmp_path / "c", url=base + "m.zip", expected_counts=(3, 2))
    assert list(frame.columns) == ["customer_id", "date", "quantity", "amount"]
    assert frame["quantity"].tolist() == [1, 1, 5]


def test_download_with_wrong_counts_caches_nothing(web, tmp_path):
    root, base = web
    (root / "CDNOW_sample.zip").write_bytes(make_zip("CDNOW_sample.txt", FAKE_SAMPLE))
    cache = tmp_path / "cache"
    with pytest.raises(DataValidationError, match=r"expected 6,919 records of 2,357 customers"):
        load_cdnow("sample", cache, url=base + "CDNOW_sample.zip")  # the published counts
    assert list(cache.iterdir()) == []
    with pytest.raises(DataValidationError, match="5 records of 3 customers"):
        load_cdnow("sample", cache, url=base + "CDNOW_sample.zip", expected_counts=(6, 3))
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"PK\x03\x04 this is not really a zip archive", "valid zip"),
        (make_zip("readme.txt", "hello"), "holds no CDNOW_sample.txt"),
        (make_zip("CDNOW_sample.txt", FAKE_SAMPLE.replace("19970118", "1997-01-18")), "date"),
    ],
    ids=["corrupted zip", "wrong member", "unparseable date"],
)
def test_bad_download_raises_and_caches_nothing(web, tmp_path, payload, message):
    root, base = web
    (root / "bad.zip").write_bytes(payload)
    cache = tmp_path / "cache"
    with pytest.raises(DataValidationError, match=message):
        load_cdnow("sample", cache, url=base + "bad.zip", expected_counts=(5, 3))
    assert list(cache.iterdir()) == []


def test_failed_http_request_raises_and_caches_nothing(web, tmp_path):
    _, base = web
    cache = tmp_path / "cache"
    with pytest.raises(OSError, match="nothing was cached"):
        load_cdnow("sample", cache, url=base + "missing.zip", expected_counts=(5, 3))
    assert list(cache.iterdir()) == []


def test_a_cached_file_with_wrong_counts_is_refused(tmp_path):
    (tmp_path / "CDNOW_sample.txt").write_text(FAKE_SAMPLE)
    with pytest.raises(DataValidationError, match="expected 6,919"):
        load_cdnow("sample", tmp_path, download=False)


# --- read_transactions ----------------------------------------------------------------------


def shop_export() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Müşteri": ["007", "012", "007"],
            "Tarih": ["2024-06-01", "2024-06-03", "2024-06-09"],
            "Tutar": [120.5, 35.0, 12.25],
            "Adet": [2, 1, 1],
            "Kanal": ["store", "online", "app"],
            "Not": ["x", "y", "z"],
        }
    )


MAPPING = {
    "customer_id": "Müşteri",
    "date": "Tarih",
    "amount": "Tutar",
    "quantity": "Adet",
    "channel": "Kanal",
}


def test_read_transactions_maps_a_frame_onto_canonical_columns():
    out = read_transactions(shop_export(), columns=MAPPING)
    assert list(out.columns) == ["customer_id", "date", "amount", "quantity", "channel"]
    assert out["customer_id"].tolist() == ["007", "012", "007"]
    assert out["date"].tolist() == list(pd.to_datetime(["2024-06-01", "2024-06-03", "2024-06-09"]))
    assert out["amount"].tolist() == [120.5, 35.0, 12.25]
    assert out["quantity"].dtype == np.int64


def test_read_transactions_from_csv_keeps_ids_as_text(tmp_path):
    path = tmp_path / "export.csv"
    shop_export().assign(Tutar=["120,5", "35", "12,25"]).to_csv(path, sep=";", index=False)
    out = read_transactions(path, columns=MAPPING, read_options={"sep": ";", "decimal": ","})
    assert out["customer_id"].tolist() == ["007", "012", "007"]  # leading zeros survive
    assert out["amount"].tolist() == [120.5, 35.0, 12.25]


def test_read_transactions_uses_canonical_names_without_a_mapping(tmp_path):
    path = tmp_path / "canonical.csv"
    pd.DataFrame(
        {"customer_id": [5, 6], "date": ["2024-01-01", "2024-01-02"], "amount": [1.5, 2.5]}
    ).to_csv(path, index=False)
    out = read_transactions(path)
    assert out["customer_id"].tolist() == ["5", "6"]


def test_read_transactions_names_missing_source_columns():
    with pytest.raises(DataValidationError) as info:
        read_transactions(shop_export(), columns={**MAPPING, "customer_id": "Cust"})
    message = str(info.value)
    assert "'Cust' (for customer_id)" in message and "Müşteri" in message  # lists available
    with pytest.raises(DataValidationError, match="'amount' \\(for amount\\)"):
        read_transactions(shop_export(), columns={"customer_id": "Müşteri", "date": "Tarih"})
    with pytest.raises(ValueError, match="unknown canonical name"):
        read_transactions(shop_export(), columns={**MAPPING, "price": "Tutar"})


def test_read_transactions_unreadable_values_raise_or_are_kept():
    raw = shop_export()
    raw.loc[1, "Tarih"] = "31.06.2024"
    with pytest.raises(DataValidationError, match="date") as info:
        read_transactions(raw, columns=MAPPING)
    assert "Tarih" in str(info.value) and "31.06.2024" in str(info.value)
    kept = read_transactions(raw, columns=MAPPING, errors="keep")
    report = validate_transactions(kept)
    assert report.rejected["reason"].to_dict() == {1: "unparseable date"}
    assert len(report.clean) == 2


def test_read_transactions_excel(tmp_path):
    pytest.importorskip("openpyxl", reason="openpyxl is not installed; Excel reading untested")
    path = tmp_path / "export.xlsx"
    shop_export().to_excel(path, index=False)
    out = read_transactions(path, columns=MAPPING)
    assert out["amount"].tolist() == [120.5, 35.0, 12.25]


# --- Online Retail II -----------------------------------------------------------------------

ONLINE_RETAIL_CSV = """Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom
489434,79323P,PINK CHERRY LIGHTS,12,2009-12-01 07:45:00,6.75,13085.0,United Kingdom
489435,22350,CAT BOWL ,12,2009-12-01 07:46:00,2.55,13085.0,United Kingdom
C489449,22087,PAPER BUNTING WHITE LACE,-12,2009-12-01 10:33:00,2.95,16321.0,Australia
489436,21523,DOORMAT FANCY FONT HOME SWEET HOME,10,2009-12-01 09:06:00,5.95,,United Kingdom
489437,22065,CHRISTMAS PUDDING TRINKET POT,24,2009-12-01 09:08:00,0.0,15362.0,United Kingdom
489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom
"""


@pytest.fixture
def online_retail_csv(tmp_path) -> Path:
    path = tmp_path / "online_retail_II.csv"
    path.write_text(ONLINE_RETAIL_CSV, encoding="utf-8")
    return path


def test_online_retail_lines_become_canonical_transactions(online_retail_csv):
    out = read_online_retail(online_retail_csv)
    raw = pd.read_csv(online_retail_csv)
    assert len(out) == len(raw)
    assert out["transaction_id"].tolist() == raw["Invoice"].astype(str).tolist()
    np.testing.assert_allclose(out["amount"], raw["Quantity"] * raw["Price"])
    assert out["is_return"].tolist() == [False, False, False, True, False, False, False]
    assert out.loc[0, "customer_id"] == "13085" and pd.isna(out.loc[4, "customer_id"])
    assert out.loc[1, "stock_code"] == "79323P"
    assert out.loc[3, "date"] == pd.Timestamp("2009-12-01")
    assert out.loc[3, "timestamp"] == pd.Timestamp("2009-12-01 10:33:00")
    assert out["quantity"].tolist() == raw["Quantity"].tolist()


def test_online_retail_problems_are_caught_by_validation(online_retail_csv):
    report = validate_transactions(read_online_retail(online_retail_csv))
    assert report.rejected["reason"].to_dict() == {
        4: "missing customer_id",
        5: "zero amount",
        6: "duplicate row",
    }
    assert report.returns.index.tolist() == [3]
    assert report.clean.index.tolist() == [0, 1, 2]


def test_online_retail_from_a_frame_with_the_older_column_names(online_retail_csv):
    frame = pd.read_csv(online_retail_csv).rename(
        columns={"Invoice": "InvoiceNo", "Price": "UnitPrice", "Customer ID": "CustomerID"}
    )
    from_frame = read_online_retail(frame)
    from_file = read_online_retail(online_retail_csv)
    pd.testing.assert_frame_equal(from_frame, from_file)


def test_online_retail_missing_column_is_named(online_retail_csv):
    frame = pd.read_csv(online_retail_csv).drop(columns="Price")
    with pytest.raises(DataValidationError, match="'Price' or 'UnitPrice'") as info:
        read_online_retail(frame)
    assert "Quantity" in str(info.value)  # lists the available columns


def test_online_retail_unreadable_quantity(online_retail_csv):
    frame = pd.read_csv(online_retail_csv, dtype=str)
    frame.loc[2, "Quantity"] = "twelve"
    with pytest.raises(DataValidationError, match="Quantity"):
        read_online_retail(frame)
    kept = read_online_retail(frame, errors="keep")
    assert validate_transactions(kept).rejected.loc[2, "reason"] == "non-numeric amount"


def test_online_retail_excel(tmp_path, online_retail_csv):
    pytest.importorskip("openpyxl", reason="openpyxl is not installed; Excel reading untested")
    path = tmp_path / "online_retail_II.xlsx"
    frame = pd.read_csv(online_retail_csv)
    with pd.ExcelWriter(path) as writer:  # two sheets, like the real file (one per year)
        frame.iloc[:4].to_excel(writer, sheet_name="Year 2009-2010", index=False)
        frame.iloc[4:].to_excel(writer, sheet_name="Year 2010-2011", index=False)
    out = read_online_retail(path)
    assert len(out) == len(frame)


# --- the bundled sample company ---------------------------------------------------------------


def test_load_sample_without_data_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="customers.csv"):
        load_sample(tmp_path)


def test_load_sample_reads_a_written_company(tmp_path):
    from portfolio_lib.crm import CRMData
    from portfolio_lib.simulate import simulate_crm

    crm = simulate_crm(n_customers=200, seed=5)
    crm.to_csv(tmp_path)
    loaded = load_sample(tmp_path)
    assert isinstance(loaded, CRMData) and loaded.has_truth
    for name, frame in crm.tables.items():
        pd.testing.assert_frame_equal(getattr(loaded, name), frame, obj=name)
    pd.testing.assert_frame_equal(loaded.truth.customers, crm.truth.customers)


def test_loading_the_sample_does_not_import_the_simulator(tmp_path):
    # CRMData and its CSV reader live in portfolio_lib.crm: reading needs no simulation code
    import subprocess
    import sys

    code = (
        "import sys; from portfolio_lib.datasets import load_sample; load_sample(); "
        "print(any(m.startswith('portfolio_lib.simulate') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_load_sample_default_folder(repo_root):
    if not (repo_root / "data" / "customers.csv").exists():
        pytest.skip("the bundled data/ folder has not been written yet")
    crm = load_sample()
    assert len(crm.customers) > 0
    assert crm.transactions["customer_id"].isin(crm.customers["customer_id"]).all()
