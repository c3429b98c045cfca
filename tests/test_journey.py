"""Journey stages, event validation, funnel, transitions, advance rates and time to stage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError, glossary
from portfolio_lib.journey import (
    EXIT,
    STAGE_NAMES_TR,
    STAGES,
    advance_rates,
    channel_effects,
    stage_funnel,
    stage_label,
    stage_transitions,
    time_to_stage,
    validate_events,
)

DAY0 = pd.Timestamp("2024-01-01")


def make_log(journeys: dict[str, list[tuple[str, float, str]]]) -> pd.DataFrame:
    """Event log from {person: [(stage, day offset, channel), ...]}."""
    rows = [
        {
            "customer_id": person,
            "timestamp": DAY0 + pd.Timedelta(days=day),
            "stage": stage,
            "channel": channel,
        }
        for person, touches in journeys.items()
        for stage, day, channel in touches
    ]
    return pd.DataFrame(rows)


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# Ten people: 4 stop at discovery, 3 at first contact, 1 at decision, 1 at purchase,
# 1 reaches deepening. Reached (this stage or later): 10, 6, 3, 2, 1.
FUNNEL_LOG = make_log(
    {
        **{f"D{i}": [("discovery", 0, "social")] for i in range(4)},
        **{f"F{i}": [("discovery", 0, "search"), ("first_contact", 2, "email")] for i in range(3)},
        "X1": [("discovery", 0, "search"), ("first_contact", 1, "email"), ("decision", 3, "store")],
        "P1": [
            ("discovery", 0, "search"),
            ("discovery", 1, "social"),
            ("first_contact", 2, "email"),
            ("decision", 4, "store"),
            ("purchase", 6, "store"),
        ],
        "Z1": [
            ("discovery", 0, "referral"),
            ("first_contact", 1, "email"),
            ("decision", 2, "store"),
            ("purchase", 3, "store"),
            ("deepening", 30, "email"),
        ],
    }
)


# --- stages ----------------------------------------------------------------------------------


def test_stages_follow_the_course_order_and_glossary_names():
    assert STAGES == ("discovery", "first_contact", "decision", "purchase", "deepening")
    assert tuple(glossary.STAGE_KEYS) == STAGES
    assert dict(STAGE_NAMES_TR) == glossary.stage_names()
    assert stage_label("decision", "en") == "decision"
    assert stage_label("decision", "tr") == glossary.stage_names()["decision"]
    assert stage_label("my_stage") == "my stage"


# --- validate_events ---------------------------------------------------------------------------


def test_validate_events_sorts_and_ranks_a_clean_log():
    shuffled = FUNNEL_LOG.sample(frac=1.0, random_state=3)
    result = validate_events(shuffled)
    assert result.ok and result.rejected.empty
    assert len(result.events) == len(FUNNEL_LOG)
    for _, part in result.events.groupby("customer_id"):
        assert part["timestamp"].is_monotonic_increasing
        assert part["stage_rank"].is_monotonic_increasing
    assert result.summary().empty


def test_validate_events_parses_text_timestamps():
    log = FUNNEL_LOG.assign(timestamp=FUNNEL_LOG["timestamp"].dt.strftime("%Y-%m-%d %H:%M"))
    result = validate_events(log)
    assert pd.api.types.is_datetime64_any_dtype(result.events["timestamp"])


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("stage", "awareness", "not one of the stages"),
        ("stage", None, "missing"),
        ("timestamp", pd.NaT, "missing"),
        ("customer_id", None, "missing"),
    ],
)
def test_validate_events_rejects_bad_rows_naming_the_column(column, value, words):
    log = FUNNEL_LOG.copy()
    log[column] = log[column].astype(object)
    log.loc[2, column] = value
    with pytest.raises(DataValidationError, match=column) as info:
        validate_events(log)
    assert words in str(info.value)


def test_validate_events_flags_unparseable_text_time():
    log = FUNNEL_LOG.assign(timestamp=FUNNEL_LOG["timestamp"].astype(str))
    log.loc[0, "timestamp"] = "yesterday-ish"
    with pytest.raises(DataValidationError, match="timestamp.*not a valid date-time"):
        validate_events(log)


def test_validate_events_flags_out_of_order_touches():
    log = make_log(
        {
            "A": [("discovery", 0, "search"), ("purchase", 2, "store"), ("first_contact", 5, "x")],
            "B": [("discovery", 0, "social")],
        }
    )
    with pytest.raises(DataValidationError, match="timestamp.*out of order") as info:
        validate_events(log)
    assert "first_contact" in str(info.value)
    report = validate_events(log, errors="report")
    assert not report.ok
    assert report.rejected["stage"].tolist() == ["first_contact"]
    assert "out of order" in report.rejected["problem"].iloc[0]
    assert len(report.events) == 3
    assert report.summary()["rows"].sum() == 1


def test_validate_events_report_mode_keeps_all_problems():
    log = FUNNEL_LOG.copy()
    log["stage"] = log["stage"].astype(object)
    log.loc[0, "stage"] = "awareness"
    log.loc[5, "timestamp"] = pd.NaT
    report = validate_events(log, errors="report")
    assert sorted(report.rejected.index) == [0, 5]
    assert len(report.events) + len(report.rejected) == len(log)


def test_validate_events_missing_column_and_wrong_type():
    with pytest.raises(DataValidationError, match="timestamp"):
        validate_events(FUNNEL_LOG.drop(columns="timestamp"))
    with pytest.raises(DataValidationError, match="DataFrame"):
        validate_events(FUNNEL_LOG.to_dict())
    with pytest.raises(DataValidationError, match="channel"):
        validate_events(FUNNEL_LOG.drop(columns="channel"), extra_cols=["channel"])
    with pytest.raises(ValueError, match="errors"):
        validate_events(FUNNEL_LOG, errors="ignore")


def test_custom_stage_names_work_throughout():
    log = FUNNEL_LOG.assign(stage=FUNNEL_LOG["stage"].map(dict(zip(STAGES, "abcde", strict=True))))
    funnel = stage_funnel(log, stages=tuple("abcde"))
    assert funnel["reached"].tolist() == [10, 6, 3, 2, 1]
    with pytest.raises(DataValidationError, match="stage"):
        stage_funnel(log)


# --- funnel ----------------------------------------------------------------------------------


def test_funnel_counts_conversions_and_wilson_intervals():
    funnel = stage_funnel(FUNNEL_LOG)
    assert funnel["stage"].tolist() == list(STAGES)
    assert funnel["reached"].tolist() == [10, 6, 3, 2, 1]
    assert funnel["lost"].tolist() == [0, 4, 3, 1, 1]
    expected_step = [1.0, 6 / 10, 3 / 6, 2 / 3, 1 / 2]
    np.testing.assert_allclose(funnel["step_conversion"], expected_step)
    np.testing.assert_allclose(funnel["drop_off_rate"], 1 - np.array(expected_step))
    np.testing.assert_allclose(funnel["overall_conversion"], [1.0, 0.6, 0.3, 0.2, 0.1])
    low, high = wilson_by_hand(6, 10)
    assert funnel.loc[1, "step_ci_low"] == pytest.approx(low, abs=1e-10)
    assert funnel.loc[1, "step_ci_high"] == pytest.approx(high, abs=1e-10)
    low, high = wilson_by_hand(1, 10)
    assert funnel.loc[4, "overall_ci_low"] == pytest.approx(low, abs=1e-10)
    assert funnel.loc[4, "overall_ci_high"] == pytest.approx(high, abs=1e-10)


def test_funnel_counts_a_person_seen_only_at_a_later_stage_as_having_passed_earlier_ones():
    log = make_log({"A": [("decision", 0, "store")], "B": [("discovery", 0, "social")]})
    funnel = stage_funnel(log)
    assert funnel["reached"].tolist() == [2, 1, 1, 0, 0]


def test_funnel_by_first_touch_channel_and_by_mapping():
    by_channel = stage_funnel(FUNNEL_LOG, by="channel")
    assert set(by_channel["group"]) == {"social", "search", "referral"}
    social = by_channel.loc[by_channel["group"] == "social", "reached"].tolist()
    search = by_channel.loc[by_channel["group"] == "search", "reached"].tolist()
    assert social == [4, 0, 0, 0, 0]
    assert search == [5, 5, 2, 1, 0]
    people = FUNNEL_LOG["customer_id"].unique()
    segment = pd.Series(["buyer" if p in {"P1", "Z1"} else "other" for p in people], index=people)
    by_segment = stage_funnel(FUNNEL_LOG, by=segment)
    assert by_segment.loc[by_segment["group"] == "buyer", "reached"].tolist() == [2, 2, 2, 2, 1]
    with pytest.raises(DataValidationError, match="customer_id") as info:
        stage_funnel(FUNNEL_LOG, by=segment.drop("Z1"))
    assert "Z1" in str(info.value)
    with pytest.raises(DataValidationError, match="segment"):
        stage_funnel(FUNNEL_LOG, by="segment")


def test_funnel_rejects_bad_input():
    with pytest.raises(DataValidationError, match="customer_id"):
        stage_funnel(FUNNEL_LOG.drop(columns="customer_id"))
    with pytest.raises(DataValidationError, match="no rows"):
        stage_funnel(FUNNEL_LOG.iloc[0:0])
    with pytest.raises(ValueError, match="alpha"):
        stage_funnel(FUNNEL_LOG, alpha=1.5)


@st.composite
def journey_logs(draw):
    n_people = draw(st.integers(1, 12))
    rows = []
    for person in range(n_people):
        furthest = draw(st.integers(0, 4))
        start = draw(st.integers(0, furthest))
        day = 0.0
        for rank in range(start, furthest + 1):
            for _ in range(draw(st.integers(1, 3))):
                day += draw(st.floats(0, 10))
                rows.append(
                    {
                        "customer_id": f"C{person}",
                        "timestamp": DAY0 + pd.Timedelta(days=day),
                        "stage": STAGES[rank],
                        "channel": draw(st.sampled_from(["search", "social", "store"])),
                    }
                )
    return pd.DataFrame(rows)


@settings(max_examples=40, deadline=None)
@given(journey_logs())
def test_funnel_properties(log):
    for funnel in (stage_funnel(log), stage_funnel(log, by="channel")):
        groups = funnel["group"] if "group" in funnel else pd.Series("all", index=funnel.index)
        for _, part in funnel.groupby(groups):
            reached = part["reached"].to_numpy()
            assert np.all(np.diff(reached) <= 0)
            assert part["lost"].sum() == reached[0] - reached[-1]
        for col in ("step_conversion", "overall_conversion", "drop_off_rate"):
            values = funnel[col].dropna()
            assert ((values >= 0) & (values <= 1)).all()
        ok = funnel["step_conversion"].notna()
        assert (funnel.loc[ok, "step_ci_low"] <= funnel.loc[ok, "step_conversion"] + 1e-12).all()
        assert (funnel.loc[ok, "step_ci_high"] >= funnel.loc[ok, "step_conversion"] - 1e-12).all()
    transitions = stage_transitions(log)
    sums = transitions.probabilities.sum(axis=1)[transitions.counts.sum(axis=1) > 0]
    np.testing.assert_allclose(sums, 1.0)
    assert transitions.variants["share"].sum() == pytest.approx(1.0)


# --- transitions and variants ------------------------------------------------------------------


def test_stage_transitions_counts_moves_and_exits():
    result = stage_transitions(FUNNEL_LOG)
    counts = result.counts
    assert list(counts.columns) == [*STAGES, EXIT]
    assert counts.loc["discovery", "first_contact"] == 6
    assert counts.loc["discovery", EXIT] == 4
    assert counts.loc["discovery", "discovery"] == 0  # stage level: repeats collapsed
    assert counts.loc["first_contact", "decision"] == 3
    assert counts.loc["decision", "purchase"] == 2
    assert counts.loc["purchase", "deepening"] == 1
    assert counts.loc["deepening", EXIT] == 1
    assert result.probabilities.loc["first_contact", EXIT] == pytest.approx(0.5)
    assert result.n_people == 10
    variants = result.variants
    assert variants.loc[0, "path"] == "discovery"
    assert variants.loc[0, "people"] == 4
    assert variants.loc[0, "share"] == pytest.approx(0.4)
    assert variants.loc[1, "path"] == "discovery > first_contact"
    assert variants["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    summary = result.summary()
    assert (summary["moves"] > 0).all()
    assert summary["moves"].sum() == counts.to_numpy().sum()


def test_stage_transitions_touch_level_keeps_repeat_touches():
    result = stage_transitions(FUNNEL_LOG, level="touch")
    assert result.counts.loc["discovery", "discovery"] == 1  # P1 had two discovery touches
    assert result.counts.loc["discovery"].sum() == 11
    with pytest.raises(ValueError, match="level"):
        stage_transitions(FUNNEL_LOG, level="visit")


def test_advance_rates_by_channel():
    rates = advance_rates(FUNNEL_LOG)
    row = rates.set_index(["stage", "channel"]).loc[("discovery", "search")]
    # search discovery touches: F0-2 advance, X1 advances, P1's first touch stays
    assert (row["touches"], row["advance"], row["stay"], row["exit"]) == (5, 4, 1, 0)
    assert row["p_advance"] == pytest.approx(0.8)
    low, high = wilson_by_hand(4, 5)
    assert (row["advance_ci_low"], row["advance_ci_high"]) == pytest.approx((low, high))
    social = rates.set_index(["stage", "channel"]).loc[("discovery", "social")]
    assert (social["touches"], social["advance"], social["exit"]) == (5, 1, 4)
    per_stage = advance_rates(FUNNEL_LOG, by=None)
    assert per_stage["touches"].sum() == len(FUNNEL_LOG)
    np.testing.assert_allclose(per_stage[["p_advance", "p_stay", "p_exit"]].sum(axis=1), 1.0)
    with pytest.raises(DataValidationError, match="channel"):
        advance_rates(FUNNEL_LOG.drop(columns="channel"))


def _simulate_markov_log(n_people: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """A first-order journey: after each touch advance / stay / exit with logit probabilities."""
    rng = np.random.default_rng(seed)
    channels = ["search", "social", "store"]
    base = np.array([[0.2, 0.0], [0.5, 0.1], [0.6, -0.3]])  # stage x (advance, stay); exit = 0
    effect = np.array([[0.3, 0.0], [-0.3, 0.3], [0.4, -0.3]])  # channel x (advance, stay)
    probs = {}
    for s in range(3):
        for c, channel in enumerate(channels):
            weights = np.exp(np.r_[base[s] + effect[c], 0.0])
            probs[(STAGES[s], channel)] = weights / weights.sum()
    rows = []
    for person in range(n_people):
        rank, day = 0, 0.0
        while True:
            channel = channels[rng.integers(len(channels))]
            day += rng.exponential(3.0)
            rows.append((f"C{person}", DAY0 + pd.Timedelta(days=day), STAGES[rank], channel))
            if rank == 3:  # purchase ends this synthetic journey
                break
            outcome = rng.choice(3, p=probs[(STAGES[rank], channel)])
            if outcome == 2:
                break
            rank += int(outcome == 0)
    log = pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "channel"])
    truth = {key: p[0] for key, p in probs.items()}
    return log, truth


def test_advance_rates_recover_a_known_markov_journey():
    log, truth = _simulate_markov_log(3000, seed=11)
    rates = advance_rates(log).set_index(["stage", "channel"])
    for key, p_true in truth.items():
        row = rates.loc[key]
        # tolerance: 3 binomial standard errors at the true p (about 500-1400 touches per cell)
        assert abs(row["p_advance"] - p_true) <= 3 * math.sqrt(
            p_true * (1 - p_true) / row["touches"]
        )


# --- time to stage -----------------------------------------------------------------------------


TIME_LOG = make_log(
    {
        "A": [("discovery", 0, "search"), ("purchase", 2, "store")],
        "B": [("discovery", 0, "search"), ("first_contact", 3, "email"), ("decision", 4, "x")],
        "C": [("discovery", 1, "social"), ("decision", 5, "store"), ("purchase", 9, "store")],
        "D": [("discovery", 0, "social")],
        "E": [("first_contact", 2, "store"), ("purchase", 6, "store")],
    }
)
END = DAY0 + pd.Timedelta(days=20, hours=12)


def test_time_to_stage_kaplan_meier_by_hand():
    result = time_to_stage(TIME_LOG, "discovery", "purchase", observation_end=END)
    durations = result.durations.set_index("customer_id")
    # E skipped discovery: the clock starts at their first touch (first_contact, day 2)
    assert durations["duration"].to_dict() == {"A": 2.0, "B": 20.5, "C": 8.0, "D": 20.5, "E": 4.0}
    assert durations["reached"].to_dict() == {
        "A": True,
        "B": False,
        "C": True,
        "D": False,
        "E": True,
    }
    curve = result.curves
    # KM by hand: at 2: 1 of 5 -> 4/5; at 4: 1 of 4 -> 3/5; at 8: 1 of 3 -> 2/5
    np.testing.assert_allclose(curve["time"], [0, 2, 4, 8])
    np.testing.assert_allclose(curve["not_yet"], [1, 0.8, 0.6, 0.4])
    np.testing.assert_allclose(curve["reached_share"], [0, 0.2, 0.4, 0.6])
    assert curve["at_risk"].tolist() == [5, 5, 4, 3]
    assert (curve["not_yet_ci_low"] <= curve["not_yet"] + 1e-12).all()
    assert (curve["not_yet_ci_high"] >= curve["not_yet"] - 1e-12).all()
    median = result.medians.iloc[0]
    assert median["median"] == 8.0  # first time the KM curve reaches <= 0.5
    assert median["people"] == 5 and median["arrived"] == 3
    assert median["median_ci_low"] <= 8.0 <= median["median_ci_high"]
    assert median["reached_share_at_end"] == pytest.approx(0.6)
    assert result.logrank is None


def test_time_to_stage_plain_date_observes_the_whole_day():
    plain = DAY0 + pd.Timedelta(days=20)
    late = TIME_LOG.assign(timestamp=TIME_LOG["timestamp"].where(TIME_LOG["customer_id"] != "D"))
    late.loc[late["customer_id"] == "D", "timestamp"] = plain + pd.Timedelta(hours=23)
    result = time_to_stage(late, "discovery", "purchase", observation_end=plain)
    assert result.observation_end == plain + pd.Timedelta(days=1)
    durations = result.durations.set_index("customer_id")["duration"]
    assert durations["B"] == 21.0
    assert durations["D"] == pytest.approx(1 / 24)


def test_time_to_stage_units_and_groups():
    weeks = time_to_stage(TIME_LOG, "discovery", "purchase", observation_end=END, unit="W")
    np.testing.assert_allclose(weeks.curves["time"], np.array([0, 2, 4, 8]) / 7)
    grouped = time_to_stage(TIME_LOG, "discovery", "purchase", observation_end=END, by="channel")
    assert set(grouped.medians["group"]) == {"search", "social", "store"}
    assert grouped.logrank is not None and grouped.logrank.df == 2
    assert 0 <= grouped.logrank.p_value <= 1
    assert grouped.summary().equals(grouped.medians)


def test_time_to_stage_logrank_matches_hand_computation():
    log = make_log(
        {
            **{
                f"a{i}": [("discovery", 0, "g"), ("purchase", d, "g")] for i, d in enumerate([1, 2])
            },
            "a9": [("discovery", 0, "g")],
            **{
                f"b{i}": [("discovery", 0, "h"), ("purchase", d, "h")] for i, d in enumerate([3, 4])
            },
            "b9": [("discovery", 0, "h")],
        }
    )
    result = time_to_stage(
        log, "discovery", "purchase", observation_end=DAY0 + pd.Timedelta(days=5), by="channel"
    )
    # event times 1,2 (group g) and 3,4 (group h); censored at 5 in both
    observed_minus_expected, variance = 0.0, 0.0
    at_risk = {"g": 3, "h": 3}
    for group in ["g", "g", "h", "h"]:
        n = at_risk["g"] + at_risk["h"]
        expected_g = at_risk["g"] / n
        observed_minus_expected += (group == "g") - expected_g
        variance += at_risk["g"] * at_risk["h"] / n**2
        at_risk[group] -= 1
    statistic = observed_minus_expected**2 / variance
    assert result.logrank.statistic == pytest.approx(statistic, rel=1e-10)


def test_time_to_stage_rejects_bad_input():
    with pytest.raises(DataValidationError, match="timestamp.*after observation_end"):
        time_to_stage(
            TIME_LOG, "discovery", "purchase", observation_end=DAY0 + pd.Timedelta(days=3)
        )
    with pytest.raises(ValueError, match="must come after"):
        time_to_stage(TIME_LOG, "purchase", "discovery", observation_end=END)
    with pytest.raises(ValueError, match="not one of the stages"):
        time_to_stage(TIME_LOG, "discovery", "checkout", observation_end=END)
    with pytest.raises(ValueError, match="unit"):
        time_to_stage(TIME_LOG, "discovery", "purchase", observation_end=END, unit="Y")
    with pytest.raises(DataValidationError, match="stage"):
        time_to_stage(TIME_LOG.assign(stage="visit"), "discovery", "purchase", observation_end=END)


def test_time_to_stage_nobody_at_risk_raises():
    log = make_log({"A": [("discovery", 0, "search")]})
    with pytest.raises(DataValidationError, match="nobody reached"):
        time_to_stage(log, "purchase", "deepening", observation_end=END)


def test_channel_effects_recover_known_logit_effects():
    log, _ = _simulate_markov_log(3000, seed=12)
    fit = channel_effects(log, reference="search")
    assert fit.stages == ("discovery", "first_contact", "decision")  # purchase ends the journey
    effects = fit.effects.set_index(["outcome", "channel"])
    # truth from _simulate_markov_log, relative to search: advance social -0.6, store +0.1;
    # stay social +0.3, store -0.3. Tolerance: 3 standard errors of each estimate.
    truth = {
        ("advance", "social"): -0.6,
        ("advance", "store"): 0.1,
        ("stay", "social"): 0.3,
        ("stay", "store"): -0.3,
    }
    for key, value in truth.items():
        row = effects.loc[key]
        assert abs(row["estimate"] - value) <= 3 * row["se"], (key, row["estimate"])
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert effects.loc[("advance", "search"), "estimate"] == 0.0
    assert fit.n_touches == int(log["stage"].isin(fit.stages).sum())
    with pytest.raises(ValueError, match="reference"):
        channel_effects(log, reference="carrier_pigeon")
    with pytest.raises(DataValidationError, match="channel"):
        channel_effects(log.drop(columns="channel"))
