"""The NPS interval's default keeps its coverage in small groups (adjusted Wald, Rocks 2016).

Wald intervals collapse for unanimous groups (three promoters: [100, 100]) and cover the true
NPS far less often than 95 % in groups of 10–30; the default must not.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from portfolio_lib import satisfaction as sat
from portfolio_lib.satisfaction import nps, nps_by, nps_difference, nps_from_counts, nps_trend

# promoters, passives, detractors: a typical mix, a good company, near-unanimous, a bad one,
# and a polarised one
POPULATIONS = [
    (0.45, 0.30, 0.25),
    (0.70, 0.20, 0.10),
    (0.85, 0.10, 0.05),
    (0.20, 0.30, 0.50),
    (0.60, 0.05, 0.35),
]


def exact_coverage(n: int, shares: tuple[float, float, float], method: str) -> float:
    """Probability that the interval covers the true NPS, summed over every possible sample."""
    truth = 100 * (shares[0] - shares[2])
    covered = 0.0
    for promoters in range(n + 1):
        for detractors in range(n + 1 - promoters):
            counts = [promoters, n - promoters - detractors, detractors]
            r = nps_from_counts(*counts, method=method)
            if r.ci_low - 1e-9 <= truth <= r.ci_high + 1e-9:
                covered += stats.multinomial.pmf(counts, n, shares)
    return covered


def test_every_nps_function_defaults_to_adjusted_wald():
    for function in (nps, nps_from_counts, nps_difference, nps_by, nps_trend):
        assert inspect.signature(function).parameters["method"].default == "adjusted_wald"
    assert nps([10, 9, 7, 3]).method == "adjusted_wald"


def test_three_promoters_get_a_real_interval():
    result = nps([9, 10, 10])
    assert result.nps == 100.0  # the reported score is the observed one
    assert result.ci_high - result.ci_low > 50  # three answers say little
    assert result.ci_low < result.center < result.ci_high
    # the textbook interval is still there on request, and collapses
    wald = nps([9, 10, 10], method="wald")
    assert (wald.ci_low, wald.ci_high) == (100.0, 100.0)


@pytest.mark.parametrize("n", [10, 20, 30])
def test_default_keeps_coverage_in_small_groups_where_wald_does_not(n):
    """Exact coverage (every possible sample weighted by its probability), nominal 95 %."""
    default = [exact_coverage(n, shares, "adjusted_wald") for shares in POPULATIONS]
    wald = [exact_coverage(n, shares, "wald") for shares in POPULATIONS]
    assert min(default) >= 0.93, default
    assert min(wald) < 0.92, wald
    assert np.mean(default) > np.mean(wald) + 0.01


def test_default_coverage_by_seeded_simulation_over_random_small_groups():
    """Random populations (Dirichlet shares) and group sizes 10-30: 3,000 seeded samples."""
    rng = np.random.default_rng(2016)
    shares = rng.dirichlet([1.0, 1.0, 1.0], size=3000)
    sizes = rng.integers(10, 31, size=3000)
    hits = {"adjusted_wald": 0, "wald": 0}
    for share, n in zip(shares, sizes, strict=True):
        counts = [int(c) for c in rng.multinomial(n, share)]
        truth = 100 * (share[0] - share[2])
        for method in hits:
            r = nps_from_counts(*counts, method=method)
            hits[method] += r.ci_low <= truth <= r.ci_high
    # binomial SD of a coverage over 3,000 samples is about 0.4 points
    assert hits["adjusted_wald"] / 3000 >= 0.935
    assert hits["wald"] / 3000 <= 0.925


counts = st.tuples(*(st.integers(min_value=0, max_value=60) for _ in range(3))).filter(
    lambda c: sum(c) > 0
)


@settings(max_examples=300, deadline=None)
@given(counts=counts, confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_default_interval_surrounds_the_adjusted_estimate_and_never_collapses(counts, confidence):
    r = nps_from_counts(*counts, confidence=confidence)
    n = sum(counts)
    assert r.center == pytest.approx(100 * (counts[0] - counts[2]) / (n + 3))
    # the interval contains the adjusted estimate (not necessarily the raw NPS)
    assert -100 <= r.ci_low <= r.center <= r.ci_high <= 100
    assert r.ci_high - r.ci_low > 0
    assert -100 <= r.nps <= 100


def test_group_tables_record_the_method_and_level():
    df = pd.DataFrame({"wave": [1] * 3 + [2] * 4, "nps": [9, 10, 10, 0, 7, 9, 10]})
    by = nps_by(df, "wave", confidence=0.9)
    assert (by.method, by.confidence, by.groups) == ("adjusted_wald", 0.9, ("wave",))
    assert by.table.loc[1, "ci_low"] < 100  # the unanimous wave is not certain
    trend = nps_trend(df, customer=None, method="wald")
    assert (trend.method, trend.confidence, trend.period) == ("wald", 0.95, "wave")
    csat = sat.csat_by(df.assign(csat=[5, 4, 4, 1, 2, 5, 5]), "wave")
    assert (csat.confidence, csat.scale, csat.top_box) == (0.95, (1, 5), 2)
    # the tables keep the settings in attrs for code written when they were the results
    assert by.table.attrs == {"method": "adjusted_wald", "confidence": 0.9}
    assert trend.table.attrs == {"method": "wald", "confidence": 0.95}
    assert csat.table.attrs == {"method": "wilson", "confidence": 0.95}
