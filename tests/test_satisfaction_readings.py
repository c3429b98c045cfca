"""Chapter 5's computed sentences: each interval beside its own estimate, the priorities'
reading beside the complaints, and an NPS gap stated with its direction, size and rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib.satisfaction import (
    complaint_pareto,
    driver_analysis,
    improvement_priorities,
    nps_difference,
    nps_gap_reading,
)
from portfolio_lib.satisfaction.drivers import ImportancePerformance


def _data(seed: int = 0, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)) + rng.normal(size=(n, 1))
    y = x @ np.array([0.8, 0.4, 0.1]) + rng.normal(size=n)
    return pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=y)


def test_driver_summary_puts_every_interval_beside_its_own_estimate():
    result = driver_analysis(_data(), "y", ["a", "b", "c"], n_boot=60, seed=1)
    table = result.summary()
    for estimate in ("general_dominance", "share", "beta"):
        low, high = f"{estimate}_ci_low", f"{estimate}_ci_high"
        position = list(table.columns).index(estimate)
        assert list(table.columns)[position + 1 : position + 3] == [low, high]
        assert ((table[low] <= table[estimate]) & (table[estimate] <= table[high])).all()
    assert "ci_low" not in table.columns  # no interval without the name of its estimate
    # the share interval is the dominance interval's resamples divided by their R²
    assert (table["share_ci_low"] > table["general_dominance_ci_low"]).all()


def test_driver_summary_without_bootstrap_has_no_interval_columns():
    table = driver_analysis(_data(), "y", ["a", "b", "c"]).summary()
    assert not any(c.startswith(("share_ci", "general_dominance_ci")) for c in table.columns)


def _ipm(rows: dict[str, tuple[float, float, float]]) -> ImportancePerformance:
    table = pd.DataFrame(rows, index=["importance", "performance", "performance_ci_low"]).T
    table["performance_ci_high"] = 2 * table["performance"] - table["performance_ci_low"]
    icut, pcut = float(table["importance"].mean()), float(table["performance"].mean())
    table["quadrant"] = [
        {
            (True, False): "concentrate here",
            (True, True): "keep up the good work",
            (False, False): "low priority",
            (False, True): "possible overkill",
        }[(i >= icut, p >= pcut)]
        for i, p in zip(table["importance"], table["performance"], strict=True)
    ]
    return ImportancePerformance(table, icut, pcut, "importance", "mean rating")


def test_priorities_reading_says_when_complaints_contradict_possible_overkill():
    ipm = _ipm(
        {
            "rating_product_quality": (0.5, 3.0, 2.9),
            "rating_delivery": (0.1, 3.6, 3.5),  # unimportant, rated above: possible overkill
            "rating_staff": (0.4, 3.1, 3.0),
        }
    )
    pareto = complaint_pareto(
        pd.DataFrame({"category": ["delivery"] * 6 + ["product_quality"] * 3 + ["billing"]})
    )
    table = improvement_priorities(ipm, pareto)
    delivery = table.loc["delivery", "reading"]
    assert table.loc["delivery", "driver_quadrant"] == "possible overkill"
    assert "would say 'possible overkill', but with 60% of all complaints" in delivery
    assert "0.10 < the average driver's 0.33" in delivery
    quality = table.loc["product quality", "reading"]
    assert "0.50 >= the average driver's 0.33" in quality and "overkill" not in quality
    # the same delivery ratings with few complaints: the survey's reading stands
    calm = complaint_pareto(
        pd.DataFrame({"category": ["product_quality"] * 8 + ["billing"] * 3 + ["delivery"]})
    )
    assert "overkill" not in improvement_priorities(ipm, calm).loc["delivery", "reading"]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # lower and not shown: direction, size, both reaches of the interval
        ([10] * 40 + [0] * 35 + [8] * 25, [10] * 45 + [0] * 25 + [8] * 30, ["15.0 points lower"]),
        # higher and shown
        ([10] * 70 + [0] * 10 + [8] * 20, [10] * 30 + [0] * 40 + [8] * 30, ["points higher"]),
    ],
)
def test_nps_gap_reading_follows_its_rule(a, b, expected):
    difference = nps_difference(a, b, method="wald")
    text = nps_gap_reading(difference, "members", "other buyers")
    for fragment in expected:
        assert fragment in text
    assert f"p = {difference.p_value:.3g}" in text
    assert f"{difference.ci_low:+.1f} to {difference.ci_high:+.1f}" in text
    assert "Rule: a gap is shown when p < 0.05" in text
    if difference.p_value < 0.05:
        verb = "more" if difference.difference > 0 else "less"
        assert text.endswith(f"shown: members recommend us {verb} than other buyers.")
    else:
        assert "not shown at the 95% level" in text
        assert f"up to {-difference.ci_low:.1f} points less" in text


def test_nps_gap_reading_says_no_sign_of_more_when_the_interval_barely_reaches_above_0():
    # the chapter's case: members 16 points lower, p just above 0.05
    members = [10] * 86 + [8] * 64 + [0] * 88
    buyers = [10] * 75 + [8] * 54 + [0] * 48
    difference = nps_difference(members, buyers)
    assert 0.05 < difference.p_value < 0.06 and 0 < difference.ci_high <= 1
    text = nps_gap_reading(difference, "loyalty members", "other buyers")
    assert "16.1 points lower" in text
    assert "They give no sign that loyalty members recommend us more." in text


def test_nps_gap_reading_refuses_other_input():
    with pytest.raises(TypeError, match="NPSDifference"):
        nps_gap_reading(0.5, "a", "b")  # type: ignore[arg-type]
