"""Bad input to the engines (issue 15), on the real CDNOW sample.

as_frame refuses a non-table and repeated customer ids; summary_from_transactions and
calibration_holdout refuse mixed time-zone aware and naive dates before DuckDB sees them;
read_pandas refuses integer and implausible dates in the date column.
"""

from __future__ import annotations

import pandas as pd
import pytest

from portfolio_lib import DataValidationError, engines
from portfolio_lib.datasets import load_cdnow

END = "1998-06-30"
CAL_END = "1997-09-30"


@pytest.fixture(scope="module")
def sample(cdnow_home) -> pd.DataFrame:
    return load_cdnow("sample", cdnow_home, download=False)[["customer_id", "date", "amount"]]


@pytest.fixture(scope="module")
def summary(sample) -> pd.DataFrame:
    return engines.summary_from_transactions(sample, observation_end=END).to_pandas()


@pytest.mark.parametrize("table", [None, [1, 2], "series"])
def test_as_frame_refuses_what_is_not_a_table_naming_the_argument(summary, table) -> None:
    value = summary["frequency"] if table == "series" else table
    with pytest.raises(DataValidationError, match="table must be a pandas DataFrame"):
        engines.as_frame(value, "customer_id")


def test_as_frame_refuses_repeated_customers_showing_them(summary) -> None:
    twice = pd.concat([summary, summary.iloc[[5, 9]]], ignore_index=True)
    repeated = sorted(summary["customer_id"].iloc[[5, 9]].tolist())
    with pytest.raises(DataValidationError, match="repeats 2 label") as info:
        engines.as_frame(twice, "customer_id")
    assert "'customer_id'" in str(info.value)
    assert all(str(c) in str(info.value) for c in repeated)


def test_as_frame_still_indexes_and_sorts_an_engine_table(sample) -> None:
    table = engines.summary_from_transactions(sample, observation_end=END)
    frame = engines.as_frame(table, "customer_id")
    assert frame.index.is_unique and frame.index.is_monotonic_increasing
    assert len(frame) == sample["customer_id"].nunique()


def _mixed_tz(sample: pd.DataFrame) -> pd.DataFrame:
    out = sample.copy()
    dates = out["date"].astype(object)
    for i in (3, 40):
        dates.iloc[i] = pd.Timestamp(dates.iloc[i]).tz_localize("America/New_York")
    out["date"] = dates
    return out


@pytest.mark.parametrize("function", ["summary", "split"])
def test_mixed_time_zones_are_refused_before_duckdb_naming_the_column(sample, function) -> None:
    mixed = _mixed_tz(sample)
    with pytest.raises(DataValidationError, match="transactions: column date") as info:
        if function == "summary":
            engines.summary_from_transactions(mixed, observation_end=END, engine="duckdb")
        else:
            engines.calibration_holdout(
                mixed, calibration_end=CAL_END, observation_end=END, engine="duckdb"
            )
    assert "-05:00" in str(info.value)  # the aware rows are shown


def test_text_and_object_dates_still_reach_duckdb(sample, summary) -> None:
    as_text = sample.assign(date=sample["date"].dt.strftime("%Y-%m-%d"))
    as_objects = sample.assign(date=sample["date"].dt.date)
    for source in (as_text, as_objects):
        got = engines.summary_from_transactions(source, observation_end=END).to_pandas()
        pd.testing.assert_frame_equal(
            got.sort_values("customer_id", ignore_index=True),
            summary.sort_values("customer_id", ignore_index=True),
        )


def test_read_pandas_refuses_integer_dates(sample) -> None:
    integers = sample.assign(date=sample["date"].dt.strftime("%Y%m%d").astype("int64"))
    with pytest.raises(DataValidationError, match="source: column date must hold dates"):
        engines.read_pandas(integers)


@pytest.mark.parametrize("year", [1850, 2099])
def test_read_pandas_refuses_implausible_dates_unless_a_window_admits_them(sample, year) -> None:
    typo = sample.copy()
    typo.loc[7, "date"] = typo.loc[7, "date"].replace(year=year)
    with pytest.raises(DataValidationError, match=f"{year}-"):
        engines.read_pandas(typo)
    assert engines.read_pandas(typo, window=("1800-01-01", "2100-01-01")) is typo


def test_read_pandas_checks_the_named_date_column_of_a_file(sample, tmp_path) -> None:
    path = tmp_path / "log.parquet"
    typo = sample.rename(columns={"date": "day"})
    typo.loc[2, "day"] = pd.Timestamp("1850-03-01")
    typo.to_parquet(path)
    with pytest.raises(DataValidationError, match="column day"):
        engines.read_pandas(str(path), columns=engines.Columns(date="day"))
    assert len(engines.read_pandas(str(path))) == len(sample)  # no 'date' column: unchecked
