"""Net Promoter Score: reference values, sampling behaviour, tests of change, bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.satisfaction import (
    NPSScaleWarning,
    nps,
    nps_by,
    nps_difference,
    nps_from_counts,
    nps_trend,
)


def scores_from_counts(promoters: int, passives: int, detractors: int) -> list[int]:
    """Answers with the given counts, spread over all levels of each class."""
    return (
        [9, 10] * (promoters // 2)
        + [10] * (promoters % 2)
        + [7, 8] * (passives // 2)
        + [7] * (passives % 2)
        + [0, 3, 6] * (detractors // 3)
        + [5] * (detractors % 3)
    )


# --- REFERENCE.md "Net Promoter Score" ------------------------------------------------------


def test_reference_wald():
    # REFERENCE.md, "Net Promoter Score": 162/108/54 -> NPS 33.33, SE 4.141, CI 25.22 to 41.45
    result = nps(scores_from_counts(162, 108, 54), method="wald")
    assert (result.promoters, result.passives, result.detractors, result.n) == (162, 108, 54, 324)
    assert result.nps == pytest.approx(33.33, abs=0.005)
    assert result.se == pytest.approx(4.141, abs=0.0005)
    assert result.ci_low == pytest.approx(25.22, abs=0.005)
    assert result.ci_high == pytest.approx(41.45, abs=0.005)


def test_reference_adjusted_wald():
    # REFERENCE.md, "Net Promoter Score": adjusted Wald (n + 3) -> 33.03, interval 24.95 to 41.11
    result = nps_from_counts(162, 108, 54, method="adjusted_wald")
    assert result.center == pytest.approx(33.03, abs=0.005)
    assert result.ci_low == pytest.approx(24.95, abs=0.005)
    assert result.ci_high == pytest.approx(41.11, abs=0.005)
    # the reported score stays the observed one
    assert result.nps == pytest.approx(100 * 108 / 324)


def test_from_counts_equals_from_scores():
    a = nps(scores_from_counts(40, 25, 35), method="adjusted_wald", confidence=0.9)
    b = nps_from_counts(40, 25, 35, method="adjusted_wald", confidence=0.9)
    assert a == b


def test_confidence_level_widens_interval():
    narrow = nps_from_counts(50, 30, 20, confidence=0.80)
    wide = nps_from_counts(50, 30, 20, confidence=0.99)
    assert wide.ci_low < narrow.ci_low < narrow.nps < narrow.ci_high < wide.ci_high
    assert narrow.margin_of_error == pytest.approx(1.2815515655 * narrow.se)


def test_wald_interval_coverage_by_simulation():
    """Across many samples from a known population, ~95% of Wald intervals cover the truth."""
    rng = np.random.default_rng(2024)
    shares = np.array([0.45, 0.30, 0.25])  # promoters, passives, detractors
    truth = 100 * (shares[0] - shares[2])
    counts = rng.multinomial(300, shares, size=2000)
    covered = [
        (r := nps_from_counts(*row, method="wald")).ci_low <= truth <= r.ci_high
        for row in counts.tolist()
    ]
    # binomial SD of the coverage over 2000 draws is 0.5 points; allow 3 SD
    assert np.mean(covered) == pytest.approx(0.95, abs=0.015)


# --- difference: "is this wave's change real?" ---------------------------------------------


def test_difference_by_hand():
    a = scores_from_counts(60, 20, 20)  # NPS 40
    b = scores_from_counts(45, 25, 30)  # NPS 15
    diff = nps_difference(a, b, method="wald")
    pa, da, pb, db = 0.60, 0.20, 0.45, 0.30
    se_a = 100 * math.sqrt((pa + da - (pa - da) ** 2) / 100)
    se_b = 100 * math.sqrt((pb + db - (pb - db) ** 2) / 100)
    se = math.sqrt(se_a**2 + se_b**2)
    assert diff.difference == pytest.approx(25.0)
    assert diff.se == pytest.approx(se)
    assert diff.z == pytest.approx(25.0 / se)
    assert diff.p_value == pytest.approx(math.erfc(25.0 / se / math.sqrt(2)))
    assert diff.ci_low == pytest.approx(25.0 - 1.959963985 * se)
    assert diff.min_detectable_difference == pytest.approx((1.959963985 + 0.8416212336) * se)
    assert diff.significant
    assert "difference +25.0 points" in diff.summary()


def test_difference_is_antisymmetric_and_accepts_results():
    a = nps_from_counts(30, 10, 10)
    b = nps_from_counts(20, 15, 15)
    forward, backward = nps_difference(a, b), nps_difference(b, a)
    assert forward.difference == pytest.approx(-backward.difference)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.ci_low == pytest.approx(-backward.ci_high)


def test_difference_test_has_nominal_size():
    """Under H0 (same population) the z-test rejects about 5% of the time."""
    rng = np.random.default_rng(7)
    shares = [0.35, 0.35, 0.30]
    a = rng.multinomial(400, shares, size=1500).tolist()
    b = rng.multinomial(400, shares, size=1500).tolist()
    rejections = [
        nps_difference(nps_from_counts(*x), nps_from_counts(*y)).significant
        for x, y in zip(a, b, strict=True)
    ]
    assert np.mean(rejections) == pytest.approx(0.05, abs=0.017)


def test_identical_groups_are_not_different():
    d = nps_difference([10, 5, 8] * 20, [10, 5, 8] * 20)
    assert d.difference == 0 and d.p_value == pytest.approx(1.0) and not d.significant
    assert "sampling noise" in d.summary()


# --- by group and trend ----------------------------------------------------------------------


def test_nps_by_matches_single_calls():
    df = pd.DataFrame(
        {
            "branch": ["x"] * 6 + ["y"] * 5,
            "nps": [10, 9, 9, 7, 3, 0, 8, 8, 10, 2, 6],
        }
    )
    table = nps_by(df, "branch", method="adjusted_wald").table
    for branch, part in df.groupby("branch"):
        single = nps(part["nps"], method="adjusted_wald")
        row = table.loc[branch]
        assert row["nps"] == pytest.approx(single.nps)
        assert row["ci_low"] == pytest.approx(single.ci_low)
        assert row["n"] == single.n


def test_nps_by_two_keys_and_custom_column():
    df = pd.DataFrame(
        {"r": ["a", "a", "b", "b"], "s": ["u", "v", "u", "u"], "likely": [10, 0, 9, 8]}
    )
    table = nps_by(df, ["r", "s"], score="likely").table
    assert table.index.names == ["r", "s"]
    assert table.loc[("b", "u"), "nps"] == pytest.approx(50.0)


def test_trend_changes_and_holm():
    waves = {
        1: scores_from_counts(50, 30, 20),
        2: scores_from_counts(52, 28, 20),
        3: scores_from_counts(80, 15, 5),
    }
    df = pd.DataFrame(
        [(w, s, f"C{w}{i}") for w, scores in waves.items() for i, s in enumerate(scores)],
        columns=["wave", "nps", "customer_id"],
    )
    trend = nps_trend(df).table
    assert list(trend.index) == [1, 2, 3]
    assert np.isnan(trend.loc[1, "change"])
    assert trend.loc[2, "change"] == pytest.approx(2.0)
    assert trend.loc[3, "change"] == pytest.approx(43.0)
    d = nps_difference(waves[3], waves[2])
    assert trend.loc[3, "p_value"] == pytest.approx(d.p_value)
    # Holm with two tests: the smaller p doubled, the larger one at least that
    smaller, larger = sorted([trend.loc[2, "p_value"], trend.loc[3, "p_value"]])
    assert trend.loc[3, "p_value_holm"] == pytest.approx(min(1.0, 2 * smaller))
    assert trend.loc[2, "p_value_holm"] == pytest.approx(max(min(1.0, 2 * smaller), larger))
    assert list(trend["significant"]) == [False, False, True]
    assert list(trend["n_repeat"].iloc[1:]) == [0.0, 0.0]


def test_trend_counts_repeat_respondents():
    df = pd.DataFrame(
        {
            "wave": [1, 1, 1, 2, 2, 2],
            "nps": [9, 5, 7, 10, 3, 8],
            "customer_id": ["a", "b", "c", "a", "b", "z"],
        }
    )
    assert nps_trend(df)["n_repeat"].iloc[1] == 2


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=200),
    st.sampled_from(["wald", "adjusted_wald"]),
)
def test_nps_bounds_property(scores, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NPSScaleWarning)
        result = nps(scores, method=method)
    assert -100 <= result.nps <= 100
    assert -100 <= result.ci_low <= result.center <= result.ci_high <= 100
    assert result.promoters + result.passives + result.detractors == len(scores)
    assert result.se >= 0
    expected = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
    assert result.nps == pytest.approx(expected)


# --- bad input -------------------------------------------------------------------------------


def test_one_to_ten_scale_warns():
    rng = np.random.default_rng(3)
    one_to_ten = rng.integers(1, 11, size=300)
    with pytest.warns(NPSScaleWarning, match="0–10 scale"):
        nps(one_to_ten)
    with pytest.warns(NPSScaleWarning):
        nps_difference(one_to_ten, [0, 10] * 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NPSScaleWarning)
        nps(one_to_ten, check_scale=False)
        nps(np.r_[one_to_ten, 0])  # a single 0 is enough to show the 0–10 scale


def test_happy_zero_to_ten_data_do_not_warn():
    # a satisfied group on the 0–10 scale: nobody says 0, and 1 is rare (not a floor)
    scores = [10] * 150 + [9] * 60 + [8] * 50 + [5] * 30 + [2] * 5 + [1] * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", NPSScaleWarning)
        assert nps(scores).n == 298


def test_choice_codes_one_to_eleven_raise():
    codes = pd.Series([1, 5, 11, 11, 7], name="q_recommend")
    with pytest.raises(DataValidationError, match="q_recommend") as info:
        nps(codes)
    message = str(info.value)
    assert "11" in message and "0–10" in message and "subtract 1" in message


def test_negative_scores_raise():
    with pytest.raises(DataValidationError, match=r"nps.*-1"):
        nps([3, -1, 9])


def test_fractional_scores_raise_naming_values():
    with pytest.raises(DataValidationError, match=r"column nps.*7\.5"):
        nps([7.5, 9.0, 3.0])
    assert nps([7.0, 9.0, 3.0]).n == 3  # whole numbers stored as floats are fine


def test_strings_raise_naming_values():
    with pytest.raises(DataValidationError, match=r"likely.*'ten'"):
        nps(pd.Series(["9", "ten", 3], name="likely"))
    with pytest.raises(DataValidationError, match="non-numeric"):
        nps(pd.Series(["9", "10"]))


def test_booleans_raise():
    with pytest.raises(DataValidationError, match="non-numeric"):
        nps([True, False, True])


def test_missing_policy():
    with pytest.raises(DataValidationError, match="missing.*missing='drop'"):
        nps([9, np.nan, 3])
    result = nps([9, np.nan, 3, None], missing="drop")
    assert (result.n, result.n_missing) == (2, 2)
    with pytest.raises(DataValidationError, match="no valid responses"):
        nps([np.nan], missing="drop")
    with pytest.raises(ValueError, match="missing must be"):
        nps([9], missing="ignore")


def test_nps_by_bad_input_names_column():
    df = pd.DataFrame({"g": ["a", None], "nps": [9, 10]})
    with pytest.raises(DataValidationError, match="column g"):
        nps_by(df, "g")
    with pytest.raises(DataValidationError, match=r"missing required column.*'nps'"):
        nps_by(df.dropna().drop(columns="nps"), "g")
    df = pd.DataFrame({"g": ["a", "b"], "score": [9, 12]})
    with pytest.raises(DataValidationError, match="column score"):
        nps_by(df, "g", score="score")


def test_bad_arguments():
    with pytest.raises(ValueError, match="method"):
        nps([9], method="exact")
    with pytest.raises(ValueError, match="confidence"):
        nps([9], confidence=95)
    with pytest.raises(ValueError, match="promoters"):
        nps_from_counts(-1, 2, 3)
    with pytest.raises(DataValidationError, match="DataFrame"):
        nps(pd.DataFrame({"nps": [9]}))
