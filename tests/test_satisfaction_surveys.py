"""CSAT, Likert summaries and Cronbach's alpha."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from portfolio_lib import DataValidationError
from portfolio_lib.satisfaction import (
    ReverseCodedItemWarning,
    cronbach_alpha,
    csat,
    csat_by,
    likert_summary,
    reverse_code,
)

# --- CSAT ------------------------------------------------------------------------------------


def test_csat_wilson_reference():
    # REFERENCE.md, "Retention rate": Wilson 95% interval for 180/200 is 0.851 to 0.934
    scores = [5] * 120 + [4] * 60 + [3] * 10 + [2] * 6 + [1] * 4
    result = csat(scores)
    assert (result.satisfied, result.n) == (180, 200)
    assert result.share == pytest.approx(0.90)
    assert result.ci_low == pytest.approx(0.851, abs=0.0005)
    assert result.ci_high == pytest.approx(0.934, abs=0.0005)
    assert result.mean == pytest.approx(np.mean(scores))


def test_csat_top_box_and_scale():
    scores = [7, 6, 5, 1, 2]
    assert csat(scores, scale=(1, 7), top_box=1).satisfied == 1
    assert csat(scores, scale=(1, 7), top_box=3).satisfied == 3


def test_csat_by_groups():
    df = pd.DataFrame({"wave": [1, 1, 1, 2, 2], "csat": [5, 4, 1, 2, 2]})
    table = csat_by(df, "wave").table
    assert table["share"].tolist() == pytest.approx([2 / 3, 0.0])
    assert table.loc[2, "ci_low"] == 0.0 and 0 < table.loc[2, "ci_high"] < 1


def test_csat_bad_input_names_column():
    with pytest.raises(DataValidationError, match=r"column csat.*6"):
        csat([5, 6, 1])
    with pytest.raises(DataValidationError, match=r"column sat.*3\.5"):
        csat(pd.Series([3.5, 4], name="sat"))
    with pytest.raises(DataValidationError, match="missing"):
        csat([4, np.nan])
    assert csat([4, np.nan], missing="drop").n_missing == 1
    with pytest.raises(ValueError, match="top_box"):
        csat([4], top_box=5)


# --- Likert ----------------------------------------------------------------------------------


def test_likert_keeps_unused_levels():
    df = pd.DataFrame({"q1": [1, 1, 5, 5], "q2": [2, 2, 2, 4]})
    summary = likert_summary(df, ["q1", "q2"])
    assert list(summary.counts.columns) == [1, 2, 3, 4, 5]
    assert summary.counts.loc["q1"].tolist() == [2, 0, 0, 0, 2]
    assert summary.counts.loc["q2"].tolist() == [0, 3, 0, 1, 0]
    assert summary.shares.sum(axis=1).tolist() == pytest.approx([1.0, 1.0])
    assert summary.neutral == 3
    table = summary.summary()
    assert table.loc["q1", "mean"] == pytest.approx(3.0)
    assert table.loc["q2", "median"] == 2
    assert table.loc["q2", "top_box_share"] == pytest.approx(0.25)
    assert table.loc["q1", "bottom_box_share"] == pytest.approx(0.5)


def test_likert_even_scale_has_no_neutral_and_labels():
    df = pd.DataFrame({"q": [1, 2, 3, 4]})
    summary = likert_summary(df, ["q"], levels=[1, 2, 3, 4], labels=["--", "-", "+", "++"])
    assert summary.neutral is None
    assert summary.labels == ("--", "-", "+", "++")


def test_likert_missing_policy_and_bad_values():
    df = pd.DataFrame({"q": [1, np.nan, 3], "r": [1, 2, 9]})
    with pytest.raises(DataValidationError, match="column q"):
        likert_summary(df, ["q"])
    summary = likert_summary(df, ["q"], missing="drop")
    assert summary.n["q"] == 2 and summary.n_missing["q"] == 1
    with pytest.raises(DataValidationError, match=r"column r.*9"):
        likert_summary(df, ["r"])
    with pytest.raises(DataValidationError, match="missing required column"):
        likert_summary(df, ["zzz"])


# --- Cronbach's alpha ------------------------------------------------------------------------

HAND_CHECK = [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 5]]


def alpha_by_formula(values: np.ndarray) -> float:
    """REFERENCE.md formula: k/(k-1) * (1 - sum of item variances / variance of total), ddof 1."""
    k = values.shape[1]
    item_variances = values.var(axis=0, ddof=1).sum()
    total_variance = values.sum(axis=1).var(ddof=1)
    return k / (k - 1) * (1 - item_variances / total_variance)


def test_alpha_hand_check():
    # REFERENCE.md, "Cronbach's alpha": the hand check, computed by the formula here.
    values = np.array(HAND_CHECK, dtype=float)
    # by hand: item variances 5/3, 5/3, 11/12; total (6, 9, 12, 14) variance 49/4
    assert alpha_by_formula(values) == pytest.approx(1.5 * (1 - (5 / 3 + 5 / 3 + 11 / 12) / 12.25))
    result = cronbach_alpha(pd.DataFrame(values, columns=["a", "b", "c"]))
    assert result.alpha == pytest.approx(alpha_by_formula(values), rel=1e-12)
    assert (result.n, result.k) == (4, 3)


def test_alpha_if_deleted_and_item_rest_by_hand():
    values = np.array(HAND_CHECK, dtype=float)
    frame = pd.DataFrame(values, columns=["a", "b", "c"])
    result = cronbach_alpha(frame)
    for j, name in enumerate(frame.columns):
        rest = np.delete(values, j, axis=1)
        assert result.alpha_if_deleted[name] == pytest.approx(alpha_by_formula(rest))
        expected = np.corrcoef(values[:, j], rest.sum(axis=1))[0, 1]
        assert result.item_rest_correlation[name] == pytest.approx(expected)


def test_feldt_interval_coverage_by_simulation():
    """Parallel items with known reliability: Feldt intervals cover it ~95% of the time."""
    rng = np.random.default_rng(11)
    k, n, error_var = 4, 60, 1.5
    rho = k / (k + error_var)  # alpha of k parallel items with true-score variance 1
    covered = []
    for _ in range(600):
        true = rng.normal(size=(n, 1))
        items = true + rng.normal(scale=np.sqrt(error_var), size=(n, k))
        result = cronbach_alpha(pd.DataFrame(items))
        covered.append(result.ci_low <= rho <= result.ci_high)
    # binomial SD of the coverage over 600 draws is 0.9 points; allow ~3 SD
    assert np.mean(covered) == pytest.approx(0.95, abs=0.027)


def test_alpha_reverse_coded_item_detected_and_fixed():
    rng = np.random.default_rng(5)
    latent = rng.normal(size=300)
    items = pd.DataFrame(
        {
            f"sat_{i}": np.clip(np.round(3 + latent + rng.normal(scale=0.7, size=300)), 1, 5)
            for i in (1, 2, 3)
        }
    )
    items["sat_4_r"] = 6 - np.clip(np.round(3 + latent + rng.normal(scale=0.7, size=300)), 1, 5)
    with pytest.warns(ReverseCodedItemWarning, match="sat_4_r"):
        raw = cronbach_alpha(items)
    assert raw.reverse_coded_suspects == ("sat_4_r",)
    assert bool(raw.summary().loc["sat_4_r", "reverse_coded_suspect"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReverseCodedItemWarning)
        fixed = cronbach_alpha(reverse_code(items, ["sat_4_r"], scale=(1, 5)))
    assert fixed.reverse_coded_suspects == ()
    assert fixed.alpha > 0.8 > raw.alpha


def test_reverse_code_values():
    df = pd.DataFrame({"q": [1, 2, 5, np.nan], "other": [1, 1, 1, 1]})
    out = reverse_code(df, ["q"], scale=(1, 5))
    assert out["q"].tolist()[:3] == [5, 4, 1] and np.isnan(out["q"].iloc[3])
    assert out["other"].tolist() == [1, 1, 1, 1]
    assert df["q"].tolist()[:3] == [1, 2, 5]  # input untouched
    with pytest.raises(DataValidationError, match=r"column q.*7"):
        reverse_code(pd.DataFrame({"q": [7]}), ["q"])


def test_alpha_missing_policy():
    df = pd.DataFrame(HAND_CHECK + [[np.nan, 2, 3]], columns=["a", "b", "c"])
    with pytest.raises(DataValidationError, match="missing.*listwise"):
        cronbach_alpha(df)
    result = cronbach_alpha(df, missing="listwise")
    assert (result.n, result.n_dropped) == (4, 1)
    assert result.alpha == pytest.approx(alpha_by_formula(np.array(HAND_CHECK, dtype=float)))
    with pytest.raises(ValueError, match="missing must be"):
        cronbach_alpha(df, missing="pairwise")


def test_alpha_bad_input():
    with pytest.raises(DataValidationError, match="at least 2 items"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(DataValidationError, match=r"column b.*'x'"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, "x", 3]}))
    with pytest.raises(DataValidationError, match="constant"):
        cronbach_alpha(pd.DataFrame({"a": [1, 1, 1], "b": [2, 2, 2]}))
    with pytest.raises(DataValidationError, match="DataFrame"):
        cronbach_alpha(np.array(HAND_CHECK))


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.int64, st.tuples(st.integers(3, 30), st.integers(2, 6)), elements=st.integers(1, 5))
)
def test_alpha_at_most_one_property(values):
    if values.sum(axis=1).var() == 0:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReverseCodedItemWarning)
        result = cronbach_alpha(pd.DataFrame(values))
    assert result.alpha <= 1 + 1e-12
    assert result.ci_low <= result.alpha <= result.ci_high <= 1 + 1e-12
    assert result.alpha == pytest.approx(alpha_by_formula(values.astype(float)))
