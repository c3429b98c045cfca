"""Regression tests of issue 15's findings in quality, crm, datasets, journey, segmentation,
cross_sell, describe, trends and satisfaction, one family at a time, on data the sweep does not use: the
real CDNOW sample and another simulated company (120 customers, seed 11).

Families: implausible dates (1850, 2099) are refused or rejected unless an explicit window
admits them; a wrong type (None, a list, a DataFrame for a column) is an error naming the
argument; repeated index labels read by position or are refused where labels align; mixed
naive and aware dates are an error naming the column; degenerate but valid input (one
person, no variation) gives a result that explains its NaN, or an error saying why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import (
    DataValidationError,
    crm,
    cross_sell,
    datasets,
    describe,
    journey,
    quality,
    satisfaction,
    segmentation,
    trends,
)
from portfolio_lib.simulate import simulate_crm


@pytest.fixture(scope="module")
def other():
    return simulate_crm(120, seed=11)


@pytest.fixture(scope="module")
def cdnow(cdnow_home):
    tx = datasets.load_cdnow("sample", data_home=cdnow_home, download=False)
    return tx.assign(customer_id=tx["customer_id"].astype(str))[["customer_id", "date", "amount"]]


def _one_date(frame: pd.DataFrame, column: str, when: str, row: int = 3) -> pd.DataFrame:
    out = frame.copy()
    out.loc[out.index[row], column] = pd.Timestamp(when)
    return out


def _twice(frame: pd.DataFrame) -> pd.DataFrame:
    """Two batches concatenated without ignore_index: every label appears twice."""
    half = len(frame) // 2
    return pd.concat(
        [frame.iloc[:half].reset_index(drop=True), frame.iloc[half:].reset_index(drop=True)]
    )


# -- implausible dates --------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["1850-03-01", "2099-06-01"])
def test_readers_refuse_one_implausible_cdnow_date(cdnow, when):
    bad = _one_date(cdnow, "date", when)
    with pytest.raises(DataValidationError, match=f"(?s)column date has dates before.*{when}"):
        datasets.read_transactions(bad)
    with pytest.raises(DataValidationError, match=f"(?s)date.*{when}"):
        quality.apply_dtypes(bad, "transactions")
    with pytest.raises(DataValidationError, match=f"(?s)date.*{when}"):
        crm.crm_table({"transactions": bad}, "transactions")


def test_an_explicit_window_admits_old_records(cdnow):
    bad = _one_date(cdnow, "date", "1850-03-01")
    out = datasets.read_transactions(bad, window=("1800-01-01", None))
    assert out["date"].min() == pd.Timestamp("1850-03-01")
    assert len(out) == len(cdnow)
    report = quality.validate_transactions(
        bad, window=("1800-01-01", None), zero_amounts="keep", duplicates="keep"
    )
    assert "date outside window" not in set(report.rejected["reason"])


def test_validators_reject_the_implausible_row_with_a_reason(cdnow):
    bad = _one_date(cdnow, "date", "2099-06-01", row=10)
    report = quality.validate_transactions(bad, zero_amounts="keep", duplicates="keep")
    outside = report.rejected.loc[report.rejected["reason"] == "date outside window"]
    assert outside.index.tolist() == [bad.index[10]]
    assert len(report.clean) + len(report.returns) + len(report.rejected) == len(bad)
    assert report.clean["date"].max() <= pd.Timestamp("1998-06-30")  # CDNOW ends mid-1998


def test_real_cdnow_dates_are_all_plausible(cdnow):
    report = quality.validate_transactions(cdnow, zero_amounts="keep", duplicates="keep")
    assert "date outside window" not in set(report.rejected["reason"])


def test_customer_signup_in_1850_is_rejected(other):
    customers = _one_date(other.customers, "signup_date", "1850-03-01", row=5)
    report = quality.validate_customers(customers)
    assert report.rejected.loc[customers.index[5], "reason"] == "signup_date outside window"
    assert report.clean["signup_date"].min() >= pd.Timestamp("1900-01-01")


def test_conform_refuses_integer_dates(other):
    tx = other.transactions.copy()
    tx["date"] = tx["date"].dt.strftime("%Y%m%d").astype("int64")
    with pytest.raises(DataValidationError, match="column 'date'|column date"):
        crm.conform(tx, crm.SCHEMAS["transactions"])


# -- mixed time zones ---------------------------------------------------------------------------


@pytest.mark.parametrize("call", ["conform", "apply_dtypes"])
def test_naive_and_aware_dates_mixed_name_the_column(other, call):
    tx = other.transactions.copy()
    values = tx["date"].astype(object)
    values.iloc[2] = pd.Timestamp(values.iloc[2]).tz_localize("Asia/Tokyo")
    tx["date"] = values
    run = {
        "conform": lambda: crm.conform(tx, crm.SCHEMAS["transactions"]),
        "apply_dtypes": lambda: quality.apply_dtypes(tx, "transactions"),
    }[call]
    with pytest.raises(DataValidationError, match="date"):
        run()


# -- wrong types --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, pd.DataFrame({"d": ["2024-01-01"]}), np.zeros((2, 2))])
@pytest.mark.parametrize("parse", [quality.parse_dates, quality.parse_amounts])
def test_parsers_refuse_what_is_not_one_column(parse, bad):
    with pytest.raises(DataValidationError, match="values must be"):
        parse(bad)


def test_parsers_take_a_list(cdnow):
    days = cdnow["date"].dt.strftime("%Y%m%d").head(5).tolist()
    assert quality.parse_dates(days).tolist() == cdnow["date"].head(5).tolist()


@pytest.mark.parametrize("bad", [None, [{"customer_id": "1"}], pd.Series([1.0])])
def test_readers_name_path_or_frame(bad):
    for reader in (datasets.read_transactions, datasets.read_online_retail):
        with pytest.raises(DataValidationError, match="path_or_frame must be a file path"):
            reader(bad)


def test_wrong_types_name_the_argument(other):
    with pytest.raises(TypeError, match="tables must be a mapping"):
        describe.table_overview(None)
    with pytest.raises(TypeError, match="matrix must be a SegmentCategoryMatrix"):
        cross_sell.white_space(pd.DataFrame({"penetration": [0.5]}))
    with pytest.raises(DataValidationError, match="series must be"):
        trends.forecast_backtest(None, holdout=2)
    with pytest.raises(DataValidationError, match="later_transactions must be a pandas"):
        cross_sell.suggestion_hit_rate(
            pd.DataFrame({"customer_id": ["C00001"], "category": ["x"]}),
            None,
            bought_before=other.transactions,
        )
    with pytest.raises(DataValidationError, match="labels must be a pandas Series"):
        segmentation.demographic_profile(other.customers, None)


# -- repeated index labels ----------------------------------------------------------------------


def test_parsers_read_repeated_labels_by_position(cdnow):
    text = _twice(cdnow.head(40))
    raw_dates = text["date"].dt.strftime("%Y%m%d")
    parsed = quality.parse_dates(raw_dates)
    assert parsed.index.equals(text.index)
    assert parsed.tolist() == text["date"].tolist()
    amounts = quality.parse_amounts(text["amount"].map(lambda v: f"{v:.2f} USD"))
    np.testing.assert_allclose(amounts.numbers.to_numpy(), text["amount"].to_numpy())
    values, bad = quality.parse_values(raw_dates, "date")
    assert not bad.any() and values.tolist() == text["date"].tolist()


def test_conform_takes_rows_by_position(other):
    schema = crm.SCHEMAS["transactions"]
    once = crm.conform(other.transactions, schema)
    pd.testing.assert_frame_equal(crm.conform(_twice(other.transactions), schema), once)


def test_labels_cannot_align_on_a_repeated_index(other):
    customers = _twice(other.customers)
    labels = pd.Series(np.arange(len(customers)) % 3, index=customers.index)
    with pytest.raises(DataValidationError, match="customers.*repeats"):
        segmentation.demographic_profile(customers, labels)
    by_position = segmentation.demographic_profile(customers, labels.to_numpy())
    assert by_position["n_customers"].sum() == len(customers)


# -- degenerate but valid input -----------------------------------------------------------------


def test_one_person_funnel_and_transitions_explain_their_nan(other):
    touches = other.touchpoints
    stages = touches.groupby("customer_id")["stage"].nunique()
    person = stages.idxmin()  # someone who stopped early: later stages were never reached
    assert stages[person] <= len(journey.STAGES) - 2
    events = touches.loc[touches["customer_id"] == person]
    funnel = journey.stage_funnel(events)
    undefined = funnel.loc[funnel["step_conversion"].isna(), "stage"].tolist()
    assert funnel["reached"].iloc[0] == 1 and undefined
    assert all(stage in funnel.attrs["note"] for stage in undefined)
    moves = journey.stage_transitions(events)
    empty_rows = moves.probabilities.index[moves.probabilities.isna().all(axis=1)].tolist()
    assert empty_rows  # one person cannot leave every stage
    assert all(stage in moves.note for stage in empty_rows)


def test_whole_company_funnel_has_no_note(other):
    funnel = journey.stage_funnel(other.touchpoints)
    assert not funnel["step_conversion"].isna().any()
    assert "note" not in funnel.attrs
    assert journey.stage_transitions(other.touchpoints).note == ""


def test_segments_need_distinct_customers(other):
    rfm = other.transactions.groupby("customer_id")["amount"].agg(["count", "sum"])
    same = pd.DataFrame({"count": 3.0, "sum": 10.0}, index=rfm.index)
    with pytest.raises(DataValidationError, match="X has only 1 distinct row"):
        segmentation.fit_segments(same, 3)
    with pytest.raises(DataValidationError, match="X has only 1 distinct row"):
        segmentation.cluster_diagnostics(same, [2])
    with pytest.raises(ValueError, match="number of rows of X"):
        segmentation.fit_segments(rfm.iloc[:1].astype(float), 2)


def test_profile_of_one_customer_is_zero_sd_not_nan(other):
    table = other.transactions.groupby("customer_id")["amount"].agg(
        frequency="count", monetary_total="sum"
    )
    profile = segmentation.profile_segments(table.iloc[:1], np.array(["only"]))
    assert (profile.relative.to_numpy() == 0.0).all()
    full = segmentation.profile_segments(table, np.arange(len(table)) % 2)
    assert not (full.relative.to_numpy() == 0.0).all()


def test_neighbours_on_one_buyer_name_the_transactions(other):
    tx = other.transactions
    one = tx.loc[tx["customer_id"] == tx["customer_id"].iloc[0]]
    with pytest.raises(DataValidationError, match="transactions has 1 buyer"):
        cross_sell.next_category(one, method="neighbours", n_neighbors=5)


def test_deepening_of_one_customer_notes_the_missing_comparison(other):
    tx = other.transactions
    one = tx.loc[tx["customer_id"] == tx["customer_id"].iloc[0]]
    result = journey.deepening_summary(one, observation_end=pd.Timestamp("2024-12-31"))
    undefined = sorted(set(result.association.loc[result.association["difference"].isna(),
                                                  "behaviour"]))  # fmt: skip
    assert undefined and all(b in result.note for b in undefined)
    whole = journey.deepening_summary(tx, observation_end=pd.Timestamp("2024-12-31"))
    assert (whole.note == "") == bool(whole.association["difference"].notna().all())


# -- satisfaction: degenerate scales and complaints, dates carried along -----------------------


def test_alpha_of_two_items_notes_the_missing_alpha_if_deleted(other):
    items = other.surveys[["sat_2", "sat_3"]].dropna()
    result = satisfaction.cronbach_alpha(items)
    assert np.isfinite(result.alpha)
    assert result.alpha_if_deleted.isna().all()
    assert "alpha_if_deleted" in result.note and "2 items" in result.note
    three = satisfaction.cronbach_alpha(other.surveys[["sat_1", "sat_2", "sat_3"]].dropna())
    assert three.alpha_if_deleted.notna().all()
    assert three.note == ""


def _before_cutoff(tx: pd.DataFrame, cutoff: str, days: int) -> pd.Series:
    return (tx["date"] >= pd.Timestamp(cutoff) - pd.Timedelta(days=days)) & (
        tx["date"] < pd.Timestamp(cutoff)
    )


def test_lapse_labels_without_anyone_to_label_says_so(other):
    tx = other.transactions
    cutoff = "2024-03-01"
    outside = tx[~_before_cutoff(tx, cutoff, 90)]
    with pytest.raises(DataValidationError, match="no purchase in the window before the cutoff"):
        satisfaction.lapse_labels(outside, cutoff=cutoff, window=90, observation_end="2024-12-31")
    one = tx[_before_cutoff(tx, cutoff, 90)].iloc[[0]]
    labels = satisfaction.lapse_labels(one, cutoff=cutoff, window=90, observation_end="2024-12-31")
    assert labels["customer_id"].tolist() == one["customer_id"].tolist()
    assert labels["churned"].tolist() == [True]


def test_resolution_satisfaction_of_one_complaint_explains_its_nan(other):
    rated = other.complaints[other.complaints["resolution_satisfaction"].notna()]
    table = satisfaction.resolution_satisfaction(rated.iloc[[0]], by=None)
    assert table["n_rated"].tolist() == [1]
    assert np.isnan(table["spearman_time_vs_score"].iloc[0])
    assert "spearman_time_vs_score is NaN for ['all']" in table.attrs["note"]
    same = pd.concat([rated.iloc[[0]]] * 5, ignore_index=True)
    assert "spearman" in satisfaction.resolution_satisfaction(same, by=None).attrs["note"]


def test_resolution_survival_of_one_complaint_explains_its_nan(other):
    resolved = other.complaints[other.complaints["resolved"].notna()]
    result = satisfaction.resolution_survival(resolved.iloc[[0]], as_of=other.observation_end)
    assert result.medians["n"].tolist() == [1]
    assert result.medians[["km_median_ci_low", "km_median_ci_high"]].isna().all(axis=None)
    assert "km_median_ci_low is NaN for ['all']" in result.note
    full = satisfaction.resolution_survival(other.complaints, as_of=other.observation_end)
    nan = full.medians.isna().to_numpy().any()
    assert bool(full.note) == nan


@pytest.mark.parametrize(
    "date",
    [20230315, pd.Timestamp("1850-03-01"), pd.Timestamp("2099-06-01")],
    ids=["int_dates", "old_date", "future_date"],
)
def test_reverse_code_refuses_bad_survey_dates(other, date):
    bad = other.surveys.assign(date=date)
    with pytest.raises(DataValidationError, match=r"df: column '?date"):
        satisfaction.reverse_code(bad, ["sat_4_r"])
    flipped = satisfaction.reverse_code(bad, ["sat_4_r"], date=None)
    assert (flipped["sat_4_r"] + other.surveys["sat_4_r"]).dropna().eq(6).all()
    assert flipped["date"].equals(bad["date"])


def test_attitude_factors_refuse_repeated_index_labels_naming_customers():
    """Two batches of customers concatenated without ignore_index: the factor scores would be
    ambiguous, so the error names ``customers`` (found by the model-fitting sweep)."""
    from portfolio_lib import segmentation
    from portfolio_lib.simulate import simulate_crm

    customers = simulate_crm(150, seed=31).customers
    batches = pd.concat(
        [customers.iloc[:70].reset_index(drop=True), customers.iloc[70:].reset_index(drop=True)]
    )
    with pytest.raises(DataValidationError, match=r"^customers: the index repeats"):
        segmentation.psychographic_segments(batches, k=3, seed=0)
    assert len(segmentation.attitude_factors(batches.reset_index(drop=True), None, 2).scores) == 150
