"""The one Wilson interval helper (issue 12): containment, agreement with statsmodels, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from portfolio_lib._errors import DataValidationError
from portfolio_lib._intervals import wilson_interval

confidences = st.floats(min_value=0.01, max_value=0.999, allow_nan=False)


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=100_000))
    return draw(st.integers(min_value=0, max_value=n)), n


@settings(max_examples=300, deadline=None)
@given(counts(), confidences)
def test_interval_contains_the_rate_inside_zero_one(kn: tuple[int, int], confidence: float) -> None:
    k, n = kn
    low, high = wilson_interval(k, n, confidence)
    assert isinstance(low, float) and isinstance(high, float)
    assert 0.0 <= low <= k / n <= high <= 1.0


@settings(max_examples=300, deadline=None)
@given(counts(), confidences)
def test_scalar_equals_statsmodels_away_from_the_edges(
    kn: tuple[int, int], confidence: float
) -> None:
    k, n = kn
    expected = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    low, high = wilson_interval(k, n, confidence)
    if 0 < k < n:  # bit for bit: the call sites' numbers do not move
        assert (low, high) == (float(expected[0]), float(expected[1]))
    else:  # at the edges only the bound at the rate moves, by rounding, onto the rate
        rate = k / n
        edge, other = (low, high) if k == 0 else (high, low)
        assert edge == rate
        assert abs(float(expected[0 if k == 0 else 1]) - rate) < 1e-12
        assert other == float(expected[1 if k == 0 else 0])


@settings(max_examples=100, deadline=None)
@given(st.lists(counts(), min_size=1, max_size=30), confidences)
def test_arrays_equal_scalars(pairs: list[tuple[int, int]], confidence: float) -> None:
    k = np.array([p[0] for p in pairs])
    n = np.array([p[1] for p in pairs])
    low, high = wilson_interval(k, n, confidence)
    assert low.shape == high.shape == k.shape
    one_by_one = np.array([wilson_interval(a, b, confidence) for a, b in pairs])
    # numpy's vectorised arithmetic may round the last bit differently from scalar arithmetic
    np.testing.assert_array_max_ulp(low, one_by_one[:, 0], maxulp=4)
    np.testing.assert_array_max_ulp(high, one_by_one[:, 1], maxulp=4)
    assert np.all((low <= k / n) & (k / n <= high))


def test_edge_case_that_statsmodels_gets_a_hair_wrong() -> None:
    # statsmodels: 0.9999999999999998 and 2.8e-17 for these; the rate is outside its interval
    _, sm_high = proportion_confint(10, 10, alpha=1 - 0.95, method="wilson")
    sm_low, _ = proportion_confint(0, 7, alpha=0.05, method="wilson")
    assert sm_high != 1.0 or sm_low != 0.0
    assert wilson_interval(10, 10, 0.95)[1] == 1.0
    assert wilson_interval(0, 7, alpha=0.05)[0] == 0.0


def test_alpha_is_passed_through_unchanged() -> None:
    k, n = np.array([3, 40, 7]), np.array([10, 50, 9])
    low, high = wilson_interval(k, n, alpha=0.05)
    sm_low, sm_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_array_equal(low, sm_low)
    np.testing.assert_array_equal(high, sm_high)


def test_zero_trials_give_nan_only_when_asked() -> None:
    low, high = wilson_interval([2, 0], [4, 0], 0.9, empty="nan")
    assert np.isnan(low[1]) and np.isnan(high[1])
    assert low[0] == wilson_interval(2, 4, 0.9)[0]
    with pytest.raises(DataValidationError, match="trials must be positive"):
        wilson_interval([2, 0], [4, 0], 0.9)


@pytest.mark.parametrize(
    ("successes", "trials", "message"),
    [
        (3, 0, "trials must be positive"),
        (-1, 5, r"successes must lie in \[0, trials\]"),
        (6, 5, r"successes must lie in \[0, trials\]"),
        ([1, 9], [5, 5], r"1 of 2 entries"),
        (float("nan"), 5, "successes must be finite"),
        (1, float("inf"), "trials must be finite"),
        ("a", 5, "successes must be numeric"),
    ],
)
def test_bad_counts_name_the_argument(successes: object, trials: object, message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        wilson_interval(successes, trials, 0.95)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5, -0.1, True, "0.95"])
def test_bad_confidence(confidence: object) -> None:
    with pytest.raises(ValueError, match="confidence must be a number strictly between 0 and 1"):
        wilson_interval(3, 10, confidence)


def test_confidence_or_alpha_not_both() -> None:
    with pytest.raises(ValueError, match="exactly one of confidence and alpha"):
        wilson_interval(3, 10, 0.95, alpha=0.05)
    with pytest.raises(ValueError, match="exactly one of confidence and alpha"):
        wilson_interval(3, 10)
