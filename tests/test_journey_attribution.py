"""Channel attribution: heuristic rules and the exact Markov-chain removal effect."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.journey import (
    NO_TOUCH,
    compare_attribution,
    conversion_paths,
    heuristic_attribution,
    markov_attribution,
)

DAY0 = pd.Timestamp("2024-03-01")

# REFERENCE.md, "Markov-chain attribution (removal effect)"
REFERENCE_PATHS = pd.DataFrame(
    {
        "path": ["google_ads", "mailing", "google_ads > mailing"],
        "conversions": [2, 1, 1],
        "non_conversions": [1, 0, 0],
    }
)


def reference_events() -> pd.DataFrame:
    """Raw touches that aggregate to REFERENCE_PATHS (purchase = conversion)."""
    journeys = {
        "A": ["google_ads", "+"],
        "B": ["google_ads", "+"],
        "C": ["google_ads"],
        "D": ["mailing", "+"],
        "E": ["google_ads", "mailing", "+"],
    }
    rows = []
    for person, steps in journeys.items():
        for k, step in enumerate(steps):
            stage = "purchase" if step == "+" else ("discovery", "first_contact")[min(k, 1)]
            channel = "store" if step == "+" else step
            rows.append((person, DAY0 + pd.Timedelta(days=k), stage, channel))
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "channel"])


# --- reference -----------------------------------------------------------------------------


def test_markov_reproduces_reference_example():
    # REFERENCE.md, "Markov-chain attribution (removal effect)" (exact: algebra, no simulation)
    result = markov_attribution(REFERENCE_PATHS)
    assert result.conversion_probability == pytest.approx(0.8, abs=1e-12)
    assert result.removal_effects["google_ads"] == pytest.approx(0.75, abs=1e-12)
    assert result.removal_effects["mailing"] == pytest.approx(0.50, abs=1e-12)
    assert result.shares["google_ads"] == pytest.approx(0.6, abs=1e-12)
    assert result.shares["mailing"] == pytest.approx(0.4, abs=1e-12)
    assert result.conversions["google_ads"] == pytest.approx(2.4, abs=1e-12)
    assert result.conversions["mailing"] == pytest.approx(1.6, abs=1e-12)
    assert result.total_conversions == 4
    np.testing.assert_allclose(result.transition_matrix.sum(axis=1), 1.0)
    summary = result.summary()
    assert list(summary.columns) == ["removal_effect", "share", "conversions"]


def test_heuristics_reproduce_reference_example():
    # REFERENCE.md, "Markov-chain attribution (removal effect)": heuristics on the same paths
    credits = heuristic_attribution(REFERENCE_PATHS)
    assert credits.loc["google_ads", "first_touch"] == 3
    assert credits.loc["mailing", "first_touch"] == 1
    assert credits.loc["google_ads", "last_touch"] == 2
    assert credits.loc["mailing", "last_touch"] == 2
    assert credits.loc["google_ads", "linear"] == pytest.approx(2.5)
    assert credits.loc["mailing", "linear"] == pytest.approx(1.5)
    assert "time_decay" not in credits.columns


def test_reference_example_from_raw_events():
    # REFERENCE.md, "Markov-chain attribution (removal effect)", built from an event log
    events = reference_events()
    paths = conversion_paths(events).set_index("path")
    assert paths.loc["google_ads"].tolist() == [2, 1]
    assert paths.loc["mailing"].tolist() == [1, 0]
    assert paths.loc["google_ads > mailing"].tolist() == [1, 0]
    comparison = compare_attribution(events, half_life_days=7.0)
    expected = {
        "google_ads": {"first_touch": 3, "last_touch": 2, "linear": 2.5, "markov": 2.4},
        "mailing": {"first_touch": 1, "last_touch": 2, "linear": 1.5, "markov": 1.6},
    }
    for channel, models in expected.items():
        for model, value in models.items():
            assert comparison.conversions.loc[channel, model] == pytest.approx(value, abs=1e-12)
    assert comparison.markov.conversion_probability == pytest.approx(0.8, abs=1e-12)
    np.testing.assert_allclose(comparison.shares.sum(axis=0), 1.0)
    assert comparison.summary().equals(comparison.shares)


# --- heuristics details ----------------------------------------------------------------------


def test_time_decay_uses_the_half_life():
    events = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A"],
            "timestamp": [DAY0, DAY0 + pd.Timedelta(days=7), DAY0 + pd.Timedelta(days=14)],
            "stage": ["discovery", "first_contact", "purchase"],
            "channel": ["social", "email", "store"],
        }
    )
    credits = heuristic_attribution(events, half_life_days=7.0)
    # email 7 days before purchase (weight 1/2), social 14 days before (weight 1/4)
    assert credits.loc["email", "time_decay"] == pytest.approx(0.5 / 0.75)
    assert credits.loc["social", "time_decay"] == pytest.approx(0.25 / 0.75)
    slow = heuristic_attribution(events, half_life_days=1e9)["time_decay"]
    assert slow.to_dict() == pytest.approx({"email": 0.5, "social": 0.5})


def test_window_drops_old_touches_and_keeps_untouched_conversions():
    events = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "C", "C"],
            "timestamp": [
                DAY0,
                DAY0 + pd.Timedelta(days=25),
                DAY0 + pd.Timedelta(days=30),
                DAY0,
                DAY0 + pd.Timedelta(days=40),
                DAY0,
                DAY0 + pd.Timedelta(days=50),
            ],
            "stage": [
                "discovery",
                "first_contact",
                "purchase",
                "discovery",
                "purchase",
                "discovery",
                "first_contact",
            ],
            "channel": ["social", "email", "store", "search", "store", "display", "email"],
        }
    )
    all_paths = conversion_paths(events).set_index("path")
    assert set(all_paths.index) == {"social > email", "search", "display > email"}
    windowed = conversion_paths(events, window_days=10).set_index("path")
    # A keeps only email (5 days before); B's search touch is 40 days old -> NO_TOUCH;
    # non-converter C: window counted back from the last touch, keeps email only
    assert windowed.loc["email"].tolist() == [1, 1]
    assert windowed.loc[NO_TOUCH].tolist() == [1, 0]
    credits = heuristic_attribution(events, window_days=10)
    assert credits["linear"].sum() == pytest.approx(2.0)
    assert credits.loc[NO_TOUCH, "first_touch"] == 1
    markov = markov_attribution(events, window_days=10)
    assert markov.conversions.sum() == pytest.approx(2.0)
    with pytest.raises(ValueError, match="window_days"):
        markov_attribution(REFERENCE_PATHS, window_days=10)
    with pytest.raises(ValueError, match="window_days"):
        conversion_paths(events, window_days=0)


def test_other_touchpoint_columns_and_conversion_stages():
    events = reference_events().assign(campaign_id=lambda d: "K-" + d["channel"])
    by_campaign = markov_attribution(events, touchpoint_col="campaign_id")
    assert set(by_campaign.shares.index) == {"K-google_ads", "K-mailing"}
    deeper = conversion_paths(events, conversion_stage="first_contact")
    # converting = reaching first_contact or any later stage: A, B, D (purchase) and E
    assert deeper["conversions"].sum() == 4
    assert deeper.set_index("path").loc["google_ads"].tolist() == [3, 1]
    with pytest.raises(ValueError, match="conversion_stage"):
        conversion_paths(events, conversion_stage="checkout")


# --- exactness against an independent computation ------------------------------------------------


def chain_by_power_iteration(paths: pd.DataFrame, removed: str | None = None) -> float:
    """P(conversion) of the first-order path chain, by iterating the transition matrix."""
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for path, conv, non in paths.itertuples(index=False):
        steps = ["(start)", *path.split(" > ")]
        for a, b in zip(steps[:-1], steps[1:], strict=True):
            counts[a][b] += conv + non
        counts[steps[-1]]["(conversion)"] += conv
        counts[steps[-1]]["(null)"] += non
    states = sorted({s for a in counts for s in [a, *counts[a]]})
    index = {s: i for i, s in enumerate(states)}
    matrix = np.zeros((len(states), len(states)))
    for a, row in counts.items():
        total = sum(row.values())
        for b, n in row.items():
            matrix[index[a], index[b]] = n / total if total else 0.0
    for s in ("(conversion)", "(null)"):
        matrix[index[s]] = 0.0
        matrix[index[s], index[s]] = 1.0
    if removed is not None:
        matrix[index[removed]] = 0.0
        matrix[index[removed], index["(null)"]] = 1.0
    dist = np.zeros(len(states))
    dist[index["(start)"]] = 1.0
    for _ in range(5000):
        dist = dist @ matrix
    return float(dist[index["(conversion)"]])


CHANNELS = ["search", "social", "email", "display"]


@st.composite
def path_tables(draw):
    n = draw(st.integers(1, 6))
    paths = []
    for _ in range(n):
        steps = draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=4))
        paths.append(" > ".join(steps))
    conversions = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    non_conversions = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    if sum(conversions) == 0:
        conversions[0] = 1
    return pd.DataFrame(
        {"path": paths, "conversions": conversions, "non_conversions": non_conversions}
    )


@settings(max_examples=40, deadline=None)
@given(path_tables())
def test_attribution_properties_and_exactness(paths):
    comparison = compare_attribution(paths)
    markov = comparison.markov
    total = paths["conversions"].sum()
    assert comparison.total_conversions == total
    np.testing.assert_allclose(comparison.shares.sum(axis=0), 1.0)
    assert (comparison.conversions >= -1e-12).all().all()
    assert 0.0 <= markov.conversion_probability <= 1.0
    assert ((markov.removal_effects >= 0) & (markov.removal_effects <= 1 + 1e-12)).all()
    assert markov.shares.sum() == pytest.approx(1.0)
    assert markov.conversion_probability == pytest.approx(chain_by_power_iteration(paths), abs=1e-9)
    for channel in markov.removal_probability.index:
        assert markov.removal_probability[channel] == pytest.approx(
            chain_by_power_iteration(paths, removed=channel), abs=1e-9
        )


# --- bad input ---------------------------------------------------------------------------------


def test_attribution_rejects_bad_input():
    bad = REFERENCE_PATHS.assign(conversions=[2, -1, 1])
    with pytest.raises(DataValidationError, match="conversions"):
        markov_attribution(bad)
    with pytest.raises(DataValidationError, match="non_conversions"):
        heuristic_attribution(REFERENCE_PATHS.assign(non_conversions=["1", "x", "0"]))
    with pytest.raises(DataValidationError, match="path"):
        markov_attribution(REFERENCE_PATHS.assign(path=["google_ads", "", "a > b"]))
    with pytest.raises(DataValidationError, match="path"):
        markov_attribution(REFERENCE_PATHS.assign(path=["google_ads", None, "a > b"]))
    with pytest.raises(DataValidationError, match="conversions"):
        markov_attribution(REFERENCE_PATHS.assign(conversions=0))
    with pytest.raises(ValueError, match="touch times"):
        heuristic_attribution(REFERENCE_PATHS, half_life_days=7)
    with pytest.raises(ValueError, match="half_life_days"):
        heuristic_attribution(reference_events(), half_life_days=-1)
    with pytest.raises(DataValidationError, match="channel"):
        markov_attribution(reference_events().drop(columns="channel"))
    missing_channel = reference_events()
    missing_channel.loc[0, "channel"] = None
    with pytest.raises(DataValidationError, match="channel"):
        markov_attribution(missing_channel)
    with pytest.raises(DataValidationError, match="DataFrame"):
        markov_attribution([("google_ads", 1, 0)])
    with pytest.raises(DataValidationError, match="stage"):
        markov_attribution(reference_events().assign(stage="browsing"))
