"""value_proposition (issue 19): company value (CLV) against perceived customer value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.portfolio.value_proposition import value_proposition


@pytest.fixture
def tiny():
    clv = pd.Series([100.0, 80.0, 10.0, 5.0, 50.0], index=["a", "b", "c", "d", "e"])
    surveys = pd.DataFrame({
        # a answers twice: (4-1)/4, (5-1)/4, 8/10 -> 0.8333 and (2-1)/4, (3-1)/4, 6/10 -> 0.45
        "customer_id": ["a", "a", "b", "c", "d", "x"],
        "rating_price_value": [4, 2, 1, 5, 3, 5],
        "rating_product_quality": [5, 3, 1, 5, 3, 5],
        "nps": [8, 6, 0, 10, 5, 10],
    })  # fmt: skip
    return clv, surveys


def test_perceived_value_by_hand(tiny):
    result = value_proposition(*tiny)
    per = result.per_customer
    assert per.loc["a", "perceived_value"] == pytest.approx(
        (0.75 + 1.0 + 0.8 + 0.25 + 0.5 + 0.6) / 6
    )
    assert per.loc["b", "perceived_value"] == pytest.approx(0.0)
    assert per.loc["d", "perceived_value"] == pytest.approx((0.5 + 0.5 + 0.5) / 3)
    assert per.loc["a", "responses"] == 2
    # e has a CLV but no survey; x answered but has no CLV: counted, not placed
    assert (result.no_survey, result.no_clv) == (1, 1)
    assert sorted(per.index) == ["a", "b", "c", "d"]


def test_quadrants_at_the_medians(tiny):
    result = value_proposition(*tiny)
    # placed CLVs 100, 80, 10, 5 -> median 45; perceived 0.65, 0, 1, 0.5 -> median 0.575
    assert result.company_threshold == pytest.approx(45.0)
    assert result.customer_threshold == pytest.approx(0.575)
    assert result.per_customer["quadrant"].to_dict() == {
        "a": "protect",
        "b": "improve the offer",
        "c": "grow",
        "d": "serve efficiently",
    }
    t = result.table
    assert t["customers"].tolist() == [1, 1, 1, 1]
    assert t.loc["improve the offer", "clv_share"] == pytest.approx(80 / 195)
    assert result.grid.loc["low", "high"] == 1  # customer low, company high


def test_decisions_name_each_quadrant(tiny):
    lines = value_proposition(*tiny).decisions()
    assert len(lines) == 4
    assert lines[1].startswith("improve the offer (company high, customer low): 1 customers (25%)")


def test_groups_give_counts_per_group(tiny):
    clv, surveys = tiny
    groups = pd.Series(["gold", "gold", "bronze", "bronze", "gold"], index=clv.index)
    by = value_proposition(clv, surveys, groups=groups).by_group
    assert by.loc["gold", ["protect", "improve the offer"]].tolist() == [1, 1]
    assert by.loc["bronze"].sum() == 2


def test_no_surveys_places_nobody_and_says_why(tiny):
    clv, surveys = tiny
    result = value_proposition(clv, surveys.head(0))
    assert result.table["customers"].sum() == 0
    assert "no survey responses" in result.note
    assert result.decisions() == [result.note]
    text = str(result.summary())
    assert "CLV high from              n/a" in text and "no survey responses" in text
    assert result.grid.to_numpy().sum() == 0


def test_rating_outside_its_scale_is_an_error(tiny):
    clv, surveys = tiny
    with pytest.raises(DataValidationError, match="nps"):
        value_proposition(clv, surveys.assign(nps=[8, 6, 0, 11, 5, 10]))


def test_repeated_customer_in_clv_is_an_error(tiny):
    clv, surveys = tiny
    with pytest.raises(DataValidationError, match="clv"):
        value_proposition(pd.concat([clv, clv]), surveys)


@settings(max_examples=40, deadline=None)
@given(
    clv=st.lists(st.floats(0, 1e4), min_size=1, max_size=25),
    seed=st.integers(0, 2**16),
)
def test_every_placed_customer_in_one_quadrant_and_clv_shares_add_up(clv, seed):
    rng = np.random.default_rng(seed)
    ids = [f"c{i}" for i in range(len(clv))]
    surveys = pd.DataFrame({"customer_id": rng.choice(ids, size=2 * len(ids)),
                            "rating_price_value": rng.integers(1, 6, 2 * len(ids)),
                            "rating_product_quality": rng.integers(1, 6, 2 * len(ids)),
                            "nps": rng.integers(0, 11, 2 * len(ids))})  # fmt: skip
    result = value_proposition(pd.Series(clv, index=ids), surveys)
    placed = surveys["customer_id"].nunique()
    assert result.table["customers"].sum() == placed == len(result.per_customer)
    assert result.no_survey == len(ids) - placed
    assert result.per_customer["perceived_value"].between(0, 1).all()
    high = result.per_customer["clv"] >= result.company_threshold
    assert (result.per_customer["company_value"] == np.where(high, "high", "low")).all()
    if sum(result.per_customer["clv"]) > 0:
        assert result.table["clv_share"].sum() == pytest.approx(1.0)


def test_empty_quadrant_means_are_explained(tiny):
    clv, surveys = tiny
    result = value_proposition(clv.clip(upper=1.0).clip(lower=1.0), surveys)  # all CLV equal
    empty = result.table.index[result.table["customers"] == 0]
    assert set(empty) == {"grow", "serve efficiently"}
    assert result.table.loc[empty, "mean_clv"].isna().all()
    assert "grow" in result.note and "NaN" in result.note
    assert len(result.decisions()) == 2


@pytest.mark.parametrize("threshold", [float("nan"), "50", True, float("inf")])
def test_a_company_threshold_that_is_not_a_number_is_refused(tiny, threshold):
    """NaN placed every customer "low" on the company side without a word."""
    clv, surveys = tiny[0], tiny[1]
    with pytest.raises(ValueError, match="company_threshold"):
        value_proposition(clv, surveys, company_threshold=threshold)
