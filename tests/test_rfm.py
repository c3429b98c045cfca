"""Tests for portfolio_lib.rfm: RFM table, scores with tie policy, named segments."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib._errors import DataValidationError
from portfolio_lib.datasets import load_cdnow
from portfolio_lib.rfm import (
    SEGMENT_NAMES,
    RFMScores,
    default_segment_rules,
    rfm_grid,
    rfm_scores,
    rfm_segments,
    rfm_table,
)

END = "2024-01-31"


def _tx() -> pd.DataFrame:
    """a: two rows on Jan 1, one on Jan 20, a return on Jan 25; b: Jan 25; c: Jan 31 15:30."""
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "date": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 17:00",
                    "2024-01-20 00:00",
                    "2024-01-25 00:00",
                    "2024-01-25 00:00",
                    "2024-01-31 15:30",
                ]
            ),
            "amount": [10.0, 5.0, 20.0, -5.0, 12.0, 7.0],
            "is_return": [False, False, False, True, False, False],
        }
    )


# ------------------------------------------------------------------------------- rfm_table
def test_rfm_table_hand_computed():
    table = rfm_table(_tx(), observation_end=END)
    end = dt.date(2024, 1, 31)
    # a: purchase days Jan 1 (two rows = one occasion) and Jan 20; the Jan 25 return is no occasion
    assert table.loc["a", "recency_days"] == (end - dt.date(2024, 1, 20)).days
    assert table.loc["a", "frequency"] == len({dt.date(2024, 1, 1), dt.date(2024, 1, 20)})
    assert table.loc["a", "monetary_total"] == pytest.approx(10 + 5 + 20 - 5)
    assert table.loc["a", "monetary_mean"] == pytest.approx((10 + 5 + 20 - 5) / 2)
    assert table.loc["a", "returned_amount"] == pytest.approx(5.0)
    assert table.loc["a", "tenure_days"] == (end - dt.date(2024, 1, 1)).days
    assert table.loc["a", "active_days"] == (dt.date(2024, 1, 20) - dt.date(2024, 1, 1)).days
    assert table.loc["b", "recency_days"] == (end - dt.date(2024, 1, 25)).days
    # a purchase during the observation_end day counts as recency 0
    assert table.loc["c", "recency_days"] == 0
    assert table.loc["c", "frequency"] == 1
    assert table.index.name == "customer_id"
    assert list(table.index) == ["a", "b", "c"]


def test_negative_amount_is_a_return_without_flag_column():
    tx = _tx().drop(columns="is_return")
    tx.loc[tx.index[3], "date"] = pd.Timestamp("2024-01-30")  # return after the last purchase
    table = rfm_table(tx, observation_end=END)
    assert table.loc["a", "recency_days"] == 11  # Jan 20 -> Jan 31, the return does not count
    assert table.loc["a", "frequency"] == 2
    assert table.loc["a", "monetary_total"] == pytest.approx(30.0)


def test_flagged_return_with_positive_amount_is_rejected():
    tx = _tx()
    tx.loc[tx.index[3], "amount"] = 5.0
    with pytest.raises(DataValidationError, match="is_return"):
        rfm_table(tx, observation_end=END)


def test_dates_after_observation_end_raise_naming_date():
    with pytest.raises(DataValidationError, match="'date'|date"):
        rfm_table(_tx(), observation_end="2024-01-30")


def test_customer_with_only_returns_is_rejected():
    tx = pd.concat(
        [
            _tx(),
            pd.DataFrame(
                {
                    "customer_id": ["z"],
                    "date": pd.to_datetime(["2024-01-10"]),
                    "amount": [-3.0],
                    "is_return": [True],
                }
            ),
        ],
        ignore_index=True,
    )
    with pytest.raises(DataValidationError, match="customer_id"):
        rfm_table(tx, observation_end=END)


@pytest.mark.parametrize("column", ["customer_id", "date", "amount"])
def test_missing_column_is_named(column):
    with pytest.raises(DataValidationError, match=column):
        rfm_table(_tx().drop(columns=column), observation_end=END)


def test_non_numeric_amount_is_named():
    tx = _tx()
    tx["amount"] = ["10", "5", "abc", "-5", "12", "7"]
    with pytest.raises(DataValidationError, match="amount") as info:
        rfm_table(tx, observation_end=END)
    assert "abc" in str(info.value)  # the example row is shown


def test_iso_text_dates_are_read_other_text_dates_and_missing_ids_are_named():
    tx = _tx()
    tx["date"] = tx["date"].dt.strftime("%Y-%m-%d")  # ISO 8601 text: read as dates
    pd.testing.assert_frame_equal(
        rfm_table(tx, observation_end=END), rfm_table(_tx(), observation_end=END),
        check_dtype=False,
    )  # fmt: skip
    tx["date"] = _tx()["date"].dt.strftime("%d/%m/%Y")  # day first: ambiguous, refused
    with pytest.raises(DataValidationError, match="date.*ISO 8601"):
        rfm_table(tx, observation_end=END)
    tx = _tx()
    tx.loc[tx.index[0], "customer_id"] = None
    with pytest.raises(DataValidationError, match="customer_id"):
        rfm_table(tx, observation_end=END)
    tx = _tx()
    tx.loc[tx.index[1], "amount"] = np.nan
    with pytest.raises(DataValidationError, match="amount"):
        rfm_table(tx, observation_end=END)


def test_custom_column_names():
    tx = _tx().rename(columns={"customer_id": "cid", "date": "when", "amount": "eur"})
    table = rfm_table(tx, observation_end=END, customer_col="cid", date_col="when",
                      amount_col="eur")  # fmt: skip
    assert table.index.name == "cid"
    assert table.loc["a", "frequency"] == 2


# ------------------------------------------------------------------------------- rfm_scores
def _table(recency, frequency, monetary) -> pd.DataFrame:
    return pd.DataFrame(
        {"recency_days": recency, "frequency": frequency, "monetary_total": monetary},
        index=[f"c{i}" for i in range(len(recency))],
    )


def test_quintiles_of_distinct_values_have_equal_sizes_and_best_is_5():
    rng = np.random.default_rng(1)
    recency = rng.permutation(np.arange(10) * 7)
    frequency = rng.permutation(np.arange(1, 11))
    monetary = rng.permutation(np.linspace(5, 500, 10))
    result = rfm_scores(_table(recency, frequency, monetary))
    # with 10 distinct values and 5 bins, the i-th smallest (0-based) belongs in quintile i // 2
    expected_f = np.empty(10, dtype=int)
    expected_f[np.argsort(frequency)] = np.arange(10) // 2 + 1
    expected_r = np.empty(10, dtype=int)
    expected_r[np.argsort(recency)] = 5 - np.arange(10) // 2  # most recent get R = 5
    expected_m = np.empty(10, dtype=int)
    expected_m[np.argsort(monetary)] = np.arange(10) // 2 + 1
    assert result.scores["F"].tolist() == expected_f.tolist()
    assert result.scores["R"].tolist() == expected_r.tolist()
    assert result.scores["M"].tolist() == expected_m.tolist()
    assert result.notes == ()
    assert all(len(result.thresholds[d]) == 4 for d in "RFM")
    assert result.scores["RFM"].iloc[0] == "".join(
        str(result.scores[d].iloc[0]) for d in ("R", "F", "M")
    )


def test_ties_same_keeps_one_time_buyers_together_and_says_so():
    # six of ten customers bought once: their F score must be one value
    frequency = [1, 1, 1, 1, 1, 1, 2, 3, 5, 8]
    table = _table(list(range(10)), frequency, [float(10 * i + 1) for i in range(10)])
    result = rfm_scores(table, bins=5, ties="same")
    ones = result.scores["F"][np.array(frequency) == 1]
    assert ones.nunique() == 1 and ones.iloc[0] == 1
    assert len(result.distinct_scores["F"]) < 5
    assert any(note.startswith("F (frequency)") and "60%" in note for note in result.notes)
    summary = result.summary()
    assert summary.loc["F", "n_score_1"] == 6
    assert summary.loc["F", "n_distinct"] == len(result.distinct_scores["F"])


def test_ties_first_balances_bins_and_reports_split():
    frequency = [1, 1, 1, 1, 1, 1, 2, 3, 5, 8]
    table = _table(list(range(10)), frequency, [float(10 * i + 1) for i in range(10)])
    result = rfm_scores(table, bins=5, ties="first")
    counts = result.scores["F"].value_counts()
    assert counts.max() - counts.min() <= 1 and len(counts) == 5
    assert any("split" in note and note.startswith("F") for note in result.notes)


def test_custom_thresholds_hand_computed():
    recency = [0, 30, 31, 90, 91, 180, 365, 366]
    table = _table(recency, [1] * 8, [1.0] * 8)
    result = rfm_scores(table, thresholds={"R": [30, 90, 180, 365]})
    # R = 5 for <= 30 days, 4 for 31..90, 3 for 91..180, 2 for 181..365, 1 beyond
    expected = [5 if r <= 30 else 4 if r <= 90 else 3 if r <= 180 else 2 if r <= 365 else 1
                for r in recency]  # fmt: skip
    assert result.scores["R"].tolist() == expected
    assert result.thresholds["R"] == (30.0, 90.0, 180.0, 365.0)


@pytest.mark.parametrize("bins", [1, 0, -3, 2.5, True])
def test_bins_below_two_or_not_integer_raise(bins):
    with pytest.raises(ValueError, match="bins"):
        rfm_scores(_table([1, 2, 3], [1, 2, 3], [1.0, 2.0, 3.0]), bins=bins)


@pytest.mark.parametrize(
    "thresholds, match",
    [
        ({"R": [30, 90, 180]}, "recency_days"),  # 3 cut points for 5 bins
        ({"F": [1, 3, 2, 5]}, "frequency"),  # not increasing
        ({"M": [1, 1, 2, 3]}, "monetary_total"),  # not strictly increasing
        ({"M": [1, np.nan, 2, 3]}, "monetary_total"),
        ({"X": [1, 2, 3, 4]}, "keys"),
    ],
)
def test_bad_thresholds_raise_naming_the_column(thresholds, match):
    with pytest.raises(ValueError, match=match):
        rfm_scores(_table([1, 2, 3], [1, 2, 3], [1.0, 2.0, 3.0]), thresholds=thresholds)


def test_thresholds_with_ties_first_and_unknown_ties_raise():
    table = _table([1, 2, 3], [1, 2, 3], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="ties"):
        rfm_scores(table, ties="first", thresholds={"R": [1, 2, 3, 4]})
    with pytest.raises(ValueError, match="ties"):
        rfm_scores(table, ties="dense")


def test_scores_missing_or_non_numeric_column_is_named():
    table = _table([1, 2, 3], [1, 2, 3], [1.0, 2.0, 3.0])
    with pytest.raises(DataValidationError, match="frequency"):
        rfm_scores(table.drop(columns="frequency"))
    table["monetary_total"] = ["1", "x", "3"]
    with pytest.raises(DataValidationError, match="monetary_total"):
        rfm_scores(table)


table_rows = st.lists(
    st.tuples(
        st.integers(0, 400),
        st.integers(1, 6),
        st.floats(0, 1000, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=50, deadline=None)
@given(rows=table_rows, bins=st.integers(2, 7), ties=st.sampled_from(["same", "first"]))
def test_property_scores_within_range(rows, bins, ties):
    table = _table(*map(list, zip(*rows, strict=True)))
    result = rfm_scores(table, bins=bins, ties=ties)
    for dim in "RFM":
        assert result.scores[dim].between(1, bins).all()
        assert len(result.thresholds[dim]) == bins - 1


@settings(max_examples=50, deadline=None)
@given(rows=table_rows, bins=st.integers(2, 7))
def test_property_ties_same_never_splits_identical_values_and_is_monotone(rows, bins):
    table = _table(*map(list, zip(*rows, strict=True)))
    result = rfm_scores(table, bins=bins, ties="same")
    for dim, column, sign in [("R", "recency_days", -1), ("F", "frequency", 1),
                              ("M", "monetary_total", 1)]:  # fmt: skip
        pairs = pd.DataFrame({"x": table[column], "s": result.scores[dim]})
        assert (pairs.groupby("x")["s"].nunique() == 1).all()  # identical -> same score
        ordered = pairs.sort_values("x")["s"].to_numpy() * sign
        assert np.all(np.diff(ordered) >= 0)  # better value never gets a worse score


# ------------------------------------------------------------------------------- segments
def test_default_rules_hand_cases():
    scores = pd.DataFrame(
        {
            "R": [5, 1, 2, 5, 4, 3, 3, 1],
            "F": [5, 1, 5, 1, 1, 3, 2, 4],
            "M": [4, 2, 5, 1, 1, 3, 1, 3],
        },
        index=list("abcdefgh"),
    )
    out = rfm_segments(scores, bins=5)
    # FM = ceil((F + M) / 2): a 5, b 2, c 5, d 1, e 1, f 3, g 2, h 4
    assert out["FM"].tolist() == [math.ceil((f + m) / 2) for f, m in zip(scores.F, scores.M,
                                                                          strict=True)]  # fmt: skip
    assert out["segment"].astype(str).tolist() == [
        "Champions",
        "Lost",
        "Can't lose them",
        "New",
        "Promising",
        "Need attention",
        "About to sleep",
        "At risk",
    ]


def test_default_rules_tile_the_grid_and_name_all_segments():
    rules = default_segment_rules()
    assert tuple(rules["segment"]) == SEGMENT_NAMES
    cells = sum((r.r_max - r.r_min + 1) * (r.fm_max - r.fm_min + 1) for r in rules.itertuples())
    assert cells == 25
    assert rules["segment_tr"].str.len().gt(0).all()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5)),
                min_size=1, max_size=40))  # fmt: skip
def test_property_every_customer_gets_exactly_one_segment(rows):
    scores = pd.DataFrame(rows, columns=["R", "F", "M"])
    out = rfm_segments(scores, bins=5)
    assert out["segment"].notna().all()
    rules = default_segment_rules()
    for (r, f, m), label in zip(rows, out["segment"], strict=True):
        fm = -(-(f + m) // 2)
        matching = rules[(rules.r_min <= r) & (r <= rules.r_max)
                         & (rules.fm_min <= fm) & (fm <= rules.fm_max)]  # fmt: skip
        assert len(matching) == 1 and matching["segment"].iloc[0] == label


def test_custom_rules_list_for_two_bins_and_invalid_maps():
    scores = pd.DataFrame({"R": [2, 1, 2], "F": [1, 2, 2], "M": [1, 2, 2]})
    rules = [("recent", 2, 2, 1, 2), ("lapsed", 1, 1, 1, 2)]
    assert rfm_segments(scores, rules, bins=2)["segment"].astype(str).tolist() == [
        "recent",
        "lapsed",
        "recent",
    ]
    with pytest.raises(ValueError, match="uncovered"):
        rfm_segments(scores, [("recent", 2, 2, 1, 2)], bins=2)
    with pytest.raises(ValueError, match="several"):
        rfm_segments(scores, rules + [("again", 1, 2, 2, 2)], bins=2)


# The default map for other numbers of levels: level s of `bins` takes the row/column of the
# quintile holding the middle of its quantile band, (s - 1/2) / bins.
_FOUR_LEVEL_MAP = {  # written out by hand from the 5-level table (rows/columns 1, 2, 4, 5)
    4: ["New", "Potential loyalist", "Champions", "Champions"],
    3: ["Promising", "Potential loyalist", "Loyal", "Loyal"],
    2: ["Hibernating", "Hibernating", "At risk", "Can't lose them"],
    1: ["Lost", "Lost", "At risk", "Can't lose them"],
}


def test_default_rules_for_four_levels_by_hand():
    cells = [(r, fm) for r in range(1, 5) for fm in range(1, 5)]
    # F = M = fm gives FM = fm
    scores = pd.DataFrame({"R": [r for r, _ in cells], "F": [f for _, f in cells],
                           "M": [f for _, f in cells]})  # fmt: skip
    out = rfm_segments(scores, bins=4)
    expected = [_FOUR_LEVEL_MAP[r][fm - 1] for r, fm in cells]
    assert out["segment"].astype(str).tolist() == expected
    # the middle row/column of the 5-level map has no 4-level counterpart
    assert set(SEGMENT_NAMES) - set(out["segment"].cat.categories) == {
        "Need attention",
        "About to sleep",
    }
    assert list(out["segment"].cat.categories) == [s for s in SEGMENT_NAMES if s in expected]


def test_default_rules_for_three_levels_use_rows_one_three_five():
    scores = pd.DataFrame({"R": [3, 3, 2, 2, 1, 1], "F": [3, 1, 2, 3, 3, 1],
                           "M": [3, 1, 2, 3, 2, 1]})  # fmt: skip
    out = rfm_segments(scores, bins=3)
    # (R, FM) -> 5-level cell: (3,3)->(5,5), (3,1)->(5,1), (2,2)->(3,3), (2,3)->(3,5),
    # (1,3)->(1,5) [FM = ceil(5/2) = 3], (1,1)->(1,1)
    assert out["segment"].astype(str).tolist() == [
        "Champions",
        "New",
        "Need attention",
        "Loyal",
        "Can't lose them",
        "Lost",
    ]


def test_default_rules_for_ten_levels_split_each_quintile_in_two():
    rules5 = default_segment_rules()
    rules10 = default_segment_rules(bins=10)
    assert rules10.columns.tolist() == rules5.columns.tolist()
    assert rules10["segment"].tolist() == list(SEGMENT_NAMES)
    for bound in ("r_min", "fm_min"):
        assert (rules10[bound] == 2 * rules5[bound] - 1).all()
    for bound in ("r_max", "fm_max"):
        assert (rules10[bound] == 2 * rules5[bound]).all()


@settings(max_examples=50, deadline=None)
@given(
    st.integers(2, 12),
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.floats(0, 1, exclude_max=True),
                       st.floats(0, 1, exclude_max=True)), min_size=1, max_size=30),
)  # fmt: skip
def test_property_default_rules_tile_any_number_of_levels(bins, positions):
    rules = default_segment_rules(bins)
    assert ((rules[["r_min", "fm_min"]] >= 1).all(axis=None)
            and (rules[["r_max", "fm_max"]] <= bins).all(axis=None))  # fmt: skip
    cells = ((rules.r_max - rules.r_min + 1) * (rules.fm_max - rules.fm_min + 1)).sum()
    assert cells == bins * bins
    assert set(rules["segment"]) <= set(SEGMENT_NAMES)
    scores = pd.DataFrame([[1 + int(p * bins) for p in row] for row in positions],
                          columns=["R", "F", "M"])  # fmt: skip
    out = rfm_segments(scores, bins=bins)  # validates the tiling again
    assert out["segment"].notna().all()
    # the best and the worst corner keep their meaning at every number of levels
    corners = rfm_segments(pd.DataFrame({"R": [bins, 1], "F": [bins, 1], "M": [bins, 1]}),
                           bins=bins)["segment"].astype(str).tolist()  # fmt: skip
    assert corners[1] in {"Lost", "Hibernating"}
    assert corners[0] in {"Champions", "Loyal"}


def test_segment_scores_out_of_range_are_named():
    with pytest.raises(DataValidationError, match="'M'|M"):
        rfm_segments(pd.DataFrame({"R": [1], "F": [1], "M": [6]}), bins=5)


def test_rfm_grid_counts_and_means():
    rng = np.random.default_rng(3)
    table = _table(rng.integers(0, 300, 50).tolist(), rng.integers(1, 9, 50).tolist(),
                   rng.gamma(2, 30, 50).tolist())  # fmt: skip
    scores = rfm_scores(table)
    counts = rfm_grid(scores)
    assert counts.to_numpy().sum() == 50 and counts.shape == (5, 5)
    means = rfm_grid(scores, table, value="monetary_total")
    r, f = scores.scores["R"].iloc[0], scores.scores["F"].iloc[0]
    in_cell = (scores.scores["R"] == r) & (scores.scores["F"] == f)
    assert means.loc[r, f] == pytest.approx(table.loc[in_cell, "monetary_total"].mean())
    assert counts.loc[r, f] == in_cell.sum()
    for grid in (counts, means):  # the axes say which score they hold
        assert (grid.index.name, grid.columns.name) == ("R", "F")
    by_m = rfm_grid(scores, table, value="recency_days", rows="M", cols="R")
    assert (by_m.index.name, by_m.columns.name) == ("M", "R")


# ------------------------------------------------------------------------------- CDNOW
def test_cdnow_sample_ties_and_papers_summary(cdnow_home):
    tx = load_cdnow("sample", data_home=cdnow_home, download=False)
    # the papers' calibration: up to 1997-09-30, several purchases on one day = one occasion
    calib = tx[tx["date"] <= "1997-09-30"]
    table = rfm_table(calib, observation_end="1997-09-30")
    papers = pd.read_csv(cdnow_home / "cdnow_customers_summary_with_transactions.csv")
    papers = papers.set_index("ID").reindex(table.index)
    assert len(table) == 2357
    assert (table["frequency"] - 1).tolist() == papers["x"].tolist()
    assert np.allclose(table["active_days"] / 7, papers["t_x"], atol=0.006)
    assert np.allclose(table["tenure_days"] / 7, papers["T"], atol=0.006)

    full = rfm_table(tx, observation_end="1998-06-30")
    # share of one-time buyers, counted straight from the raw rows
    days_per_customer = tx.groupby("customer_id")["date"].agg(lambda d: len(set(d)))
    one_timers = days_per_customer.eq(1)
    assert 0.45 < one_timers.mean() < 0.55  # "half the customers bought once"

    same = rfm_scores(full, ties="same")
    f_of_one_timers = same.scores.loc[one_timers.reindex(full.index).to_numpy(), "F"]
    assert set(f_of_one_timers) == {1}
    assert len(same.distinct_scores["F"]) < 5
    assert any(note.startswith("F (frequency)") for note in same.notes)

    first = rfm_scores(full, ties="first")
    assert len(first.distinct_scores["F"]) == 5
    assert first.scores["F"].value_counts().agg(np.ptp) <= 1
    assert any("split" in note for note in first.notes)

    segments = rfm_segments(same)
    assert isinstance(same, RFMScores)
    assert segments["segment"].notna().all() and len(segments) == 2357


@pytest.mark.parametrize("ties", ["same", "first"])
def test_cdnow_master_runs_with_both_tie_policies_and_reports_thresholds(cdnow_home, ties):
    # REFERENCE.md, "Data in ../shared/data/cdnow": 69,659 records of 23,570 customers.
    tx = load_cdnow("master", data_home=cdnow_home, download=False)
    table = rfm_table(tx, observation_end="1998-06-30")
    assert len(table) == 23570
    result = rfm_scores(table, bins=5, ties=ties)
    assert set(result.thresholds) == {"R", "F", "M"}
    for dimension, cuts in result.thresholds.items():
        assert len(cuts) == 4, dimension  # bins - 1 cut points, reported as used
        assert list(cuts) == sorted(cuts), dimension
    scores = result.scores
    assert scores[["R", "F", "M"]].isin(range(1, 6)).all().all()
    # the most recent buyers get R = 5, the longest lapsed R = 1
    assert scores.loc[table["recency_days"].idxmin(), "R"] == 5
    assert scores.loc[table["recency_days"].idxmax(), "R"] == 1
    if ties == "same":
        f_by_frequency = scores.groupby(table["frequency"])["F"].nunique()
        assert (f_by_frequency == 1).all(), "identical customers are never split"
    else:
        assert len(result.distinct_scores["F"]) == 5
    assert rfm_segments(result)["segment"].notna().all()
