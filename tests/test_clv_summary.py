"""Transaction summaries for the CLV models: CDNOW against the papers' file, rules, properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.clv import calibration_holdout, summary_from_transactions


def read_cdnow_sample(folder: Path) -> pd.DataFrame:
    """CDNOW_sample.txt: master id, sample id, date, CDs, dollars (no header)."""
    raw = pd.read_csv(
        folder / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "quantity", "amount"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw


def round_half_up(values: np.ndarray, decimals: int = 2) -> np.ndarray:
    scale = 10**decimals
    return np.floor(values * scale + 0.5 + 1e-9) / scale


# REFERENCE.md "Data in ../shared/data/cdnow": the summary built from CDNOW_sample.txt
# (fractional weeks, same-day purchases one occasion, calibration to 1997-09-30)
# reproduces the papers' summary file exactly.
def test_cdnow_summary_equals_papers_file(cdnow_home):
    tx = read_cdnow_sample(cdnow_home)
    # the calibration summary of the longer log: the later rows are left out explicitly
    summary = summary_from_transactions(tx, observation_end="1997-09-30", unit="W", late="drop")
    papers = pd.read_csv(cdnow_home / "cdnow_customers_summary_with_transactions.csv")
    papers = papers.set_index("ID")
    assert len(summary) == 2357
    assert list(summary.index) == list(papers.index)
    np.testing.assert_array_equal(summary["frequency"].to_numpy(), papers["x"].to_numpy())
    for ours, theirs in [("recency", "t_x"), ("T", "T"), ("monetary_value", "zbar")]:
        np.testing.assert_array_equal(
            round_half_up(summary[ours].to_numpy()), papers[theirs].to_numpy(), err_msg=ours
        )
    assert summary.attrs["unit"] == "W"


def test_same_day_purchases_are_one_occasion_and_returns_do_not_count():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "a", "b"],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-01 15:00",
                    "2024-01-08",
                    "2024-01-15",
                    "2024-01-22",
                    "2024-01-03",
                ],
                format="mixed",
            ),
            "amount": [10.0, 5.0, 30.0, -30.0, 12.0, 4.0],
            "is_return": [False, False, False, True, False, False],
        }
    )
    # a: occasions on 01-01 (15), 01-08 (30), 01-22 (12); the 01-15 row is a return.
    # b: one occasion.
    s = summary_from_transactions(tx, observation_end="2024-01-29", unit="D")
    assert s.loc["a", "frequency"] == 2
    assert s.loc["a", "recency"] == 21.0
    assert s.loc["a", "T"] == 28.0
    assert s.loc["a", "monetary_value"] == pytest.approx((30.0 + 12.0) / 2)
    assert (s.loc["b", "frequency"], s.loc["b", "recency"], s.loc["b", "T"]) == (0, 0.0, 26.0)
    assert s.loc["b", "monetary_value"] == 0.0
    # A negative amount is a return even without the flag column.
    no_flag = tx.drop(columns="is_return")
    pd.testing.assert_frame_equal(
        summary_from_transactions(no_flag, observation_end="2024-01-29", unit="D"), s
    )


def test_observation_end_is_inclusive_and_later_rows_raise_or_are_dropped_on_request():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "c"],
            "date": ["2024-01-01", "2024-01-15", "2024-01-16", "2024-02-01"],
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    with pytest.raises(DataValidationError, match="date.*after observation_end") as info:
        summary_from_transactions(tx, observation_end="2024-01-15", unit="W")
    assert "2024-01-16" in str(info.value)  # the late rows are shown
    s = summary_from_transactions(tx, observation_end="2024-01-15", unit="W", late="drop")
    assert list(s.index) == ["a"]  # c first bought after the end
    assert s.loc["a", "frequency"] == 1
    assert s.loc["a", "recency"] == pytest.approx(2.0)
    assert s.loc["a", "T"] == pytest.approx(2.0)


def test_units_days_weeks_months():
    tx = pd.DataFrame({"customer_id": [1, 1], "date": ["2023-01-01", "2023-12-31"], "amount": 1.0})
    days = summary_from_transactions(tx, observation_end="2024-12-31", unit="D")
    weeks = summary_from_transactions(tx, observation_end="2024-12-31", unit="W")
    months = summary_from_transactions(tx, observation_end="2024-12-31", unit="M")
    assert days.loc[1, "recency"] == 364.0
    assert weeks.loc[1, "recency"] == pytest.approx(52.0)
    assert months.loc[1, "T"] == pytest.approx(730 / (365.25 / 12))
    with pytest.raises(ValueError, match="unit"):
        summary_from_transactions(tx, observation_end="2024-12-31", unit="Y")


def test_calibration_holdout_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "date": [
                "2024-01-01",
                "2024-01-08",
                "2024-01-20",
                "2024-02-03",
                "2024-01-10",
                "2024-01-20",
            ],
            "amount": [10.0, 6.0, 8.0, 12.0, 5.0, 9.0],
        }
    )
    out = calibration_holdout(tx, calibration_end="2024-01-14", observation_end="2024-02-11")
    assert list(out.index) == ["a", "b"]  # c is first seen in the holdout period
    assert out.loc["a", "frequency"] == 1
    assert out.loc["a", "recency"] == pytest.approx(1.0)
    assert out.loc["a", "T"] == pytest.approx(13 / 7)
    assert out.loc["a", "frequency_holdout"] == 2
    assert out.loc["a", "monetary_holdout"] == pytest.approx(10.0)
    assert out.loc["b", "frequency_holdout"] == 0
    assert out.loc["b", "monetary_holdout"] == 0.0
    assert (out["duration_holdout"] == 4.0).all()
    with pytest.raises(ValueError, match="after"):
        calibration_holdout(tx, calibration_end="2024-02-11", observation_end="2024-01-14")


def _loop_summary(tx: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Slow, obvious per-customer reference implementation (test oracle)."""
    rows = {}
    for cid, group in tx.groupby("customer_id"):
        group = group[(group["amount"] >= 0) & (group["date"] <= end)]
        if group.empty:
            continue
        per_day = group.groupby(group["date"].dt.normalize())["amount"].sum().sort_index()
        days = per_day.index
        x = len(per_day) - 1
        rows[cid] = {
            "frequency": x,
            "recency": (days[-1] - days[0]).days / 7,
            "T": (end - days[0]).days / 7,
            "monetary_value": float(per_day.iloc[1:].mean()) if x > 0 else 0.0,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


transaction_logs = st.lists(
    st.tuples(
        st.integers(0, 6),  # customer
        st.integers(0, 60),  # day offset
        st.floats(-20, 100, allow_nan=False).map(lambda v: round(v, 2)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(transaction_logs, st.integers(0, 70))
def test_summary_properties_and_loop_oracle(rows, end_offset):
    start = pd.Timestamp("2024-01-01")
    tx = pd.DataFrame(
        {
            "customer_id": [f"c{c}" for c, _, _ in rows],
            "date": [start + pd.Timedelta(days=d) for _, d, _ in rows],
            "amount": [a for _, _, a in rows],
        }
    )
    end = start + pd.Timedelta(days=end_offset)
    s = summary_from_transactions(tx, observation_end=end, unit="W", late="drop")
    assert (s["recency"] >= 0).all() and (s["recency"] <= s["T"]).all()
    assert ((s["frequency"] == 0) == (s["recency"] == 0)).all()
    assert (s["monetary_value"] >= 0).all()
    expected = _loop_summary(tx, end)
    assert sorted(s.index) == sorted(expected.index)
    if len(s):
        expected = expected.loc[s.index]
        np.testing.assert_array_equal(s["frequency"], expected["frequency"])
        for col in ("recency", "T", "monetary_value"):
            np.testing.assert_allclose(s[col], expected[col], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("missing", ["customer_id", "date", "amount"])
def test_missing_column_is_named(missing):
    tx = pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(DataValidationError, match=missing):
        summary_from_transactions(tx.drop(columns=missing), observation_end="2024-02-01")


def test_bad_values_are_named():
    tx = pd.DataFrame(
        {"customer_id": [1, 2], "date": ["2024-01-01", "not a date"], "amount": [1.0, 2.0]}
    )
    with pytest.raises(DataValidationError, match="date"):
        summary_from_transactions(tx, observation_end="2024-02-01")
    tx = pd.DataFrame(
        {"customer_id": [1, 2], "date": ["2024-01-01", "2024-01-02"], "amount": [1.0, "x"]}
    )
    with pytest.raises(DataValidationError, match="amount"):
        summary_from_transactions(tx, observation_end="2024-02-01")
    tx = pd.DataFrame(
        {"customer_id": [1, None], "date": ["2024-01-01", "2024-01-02"], "amount": [1.0, 2.0]}
    )
    with pytest.raises(DataValidationError, match="customer_id"):
        summary_from_transactions(tx, observation_end="2024-02-01")
