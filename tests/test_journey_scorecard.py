"""Stage scorecard: hand-computed hand-overs, channel ranking rules, bad input, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from portfolio_lib import DataValidationError
from portfolio_lib.journey import STAGES, advance_rates, stage_funnel, stage_scorecard
from tests.test_journey import FUNNEL_LOG, journey_logs, make_log, wilson_by_hand


def card(log: pd.DataFrame, min_touches: int = 1) -> pd.DataFrame:
    return stage_scorecard(stage_funnel(log), advance_rates(log), min_touches=min_touches)


def test_scorecard_by_hand():
    # FUNNEL_LOG reaches 10, 6, 3, 2, 1 people. Discovery touches: search 5 (4 advance),
    # social 5 (1 advance: P1's second touch), referral 1 (advances). First contact: email
    # only, 6 touches, 3 advance. Decision: store 3 touches, 2 advance. Purchase: store 2, 1.
    table = card(FUNNEL_LOG)
    assert table["stage"].tolist() == list(STAGES[:-1])
    assert table["next_stage"].tolist() == list(STAGES[1:])
    assert table["reached"].tolist() == [10, 6, 3, 2]
    assert table["moved_on"].tolist() == [6, 3, 2, 1]
    assert table["stopped"].tolist() == [4, 3, 1, 1]
    np.testing.assert_allclose(table["move_on_rate"], [0.6, 0.5, 2 / 3, 0.5])
    low, high = wilson_by_hand(6, 10)
    assert table.loc[0, "move_on_ci_low"] == pytest.approx(low, abs=1e-10)
    assert table.loc[0, "move_on_ci_high"] == pytest.approx(high, abs=1e-10)
    assert table["label"].tolist()[0] == "discovery (Keşfetme)"
    assert table["channels_ranked"].tolist() == [3, 1, 1, 1]
    assert table["best_channel"].tolist() == ["referral", "email", "store", "store"]
    np.testing.assert_allclose(table["best_p_advance"], [1.0, 0.5, 2 / 3, 0.5])
    assert table["worst_channel"].tolist() == ["social", "email", "store", "store"]
    np.testing.assert_allclose(table["worst_p_advance"], [0.2, 0.5, 2 / 3, 0.5])
    np.testing.assert_allclose(table["channel_gap"], [0.8, 0.0, 0.0, 0.0])


def test_min_touches_keeps_noisy_channels_out_of_the_ranking():
    # referral has one discovery touch: with min_touches=2 search (4 of 5) is the best
    table = card(FUNNEL_LOG, min_touches=2)
    first = table.iloc[0]
    assert (first["best_channel"], first["best_p_advance"]) == ("search", pytest.approx(0.8))
    assert (first["worst_channel"], first["worst_p_advance"]) == ("social", pytest.approx(0.2))
    assert first["channels_ranked"] == 2
    # store has only 2 purchase touches: with min_touches=3 nothing is ranked there
    sparse = card(FUNNEL_LOG, min_touches=3)
    purchase = sparse.set_index("stage").loc["purchase"]
    assert purchase["channels_ranked"] == 0
    assert pd.isna(purchase["best_channel"]) and pd.isna(purchase["worst_channel"])
    assert np.isnan(purchase["best_p_advance"]) and np.isnan(purchase["channel_gap"])
    assert purchase["reached"] == 2 and purchase["moved_on"] == 1  # people counts stay


def test_ties_are_broken_by_channel_name():
    # two channels, each 1 of 2 discovery touches advancing: best is the first name, worst the last
    log = make_log(
        {
            "A": [("discovery", 0, "social"), ("first_contact", 1, "email")],
            "B": [("discovery", 0, "social")],
            "C": [("discovery", 0, "display"), ("first_contact", 1, "email")],
            "D": [("discovery", 0, "display")],
        }
    )
    first = card(log).iloc[0]
    assert (first["best_channel"], first["worst_channel"]) == ("display", "social")
    assert first["channel_gap"] == 0.0


def test_scorecard_rejects_bad_input():
    funnel, rates = stage_funnel(FUNNEL_LOG), advance_rates(FUNNEL_LOG)
    with pytest.raises(DataValidationError, match="group"):
        stage_scorecard(stage_funnel(FUNNEL_LOG, by="channel"), rates)
    with pytest.raises(DataValidationError, match="channel"):
        stage_scorecard(funnel, advance_rates(FUNNEL_LOG, by=None))
    with pytest.raises(DataValidationError, match="reached"):
        stage_scorecard(funnel.drop(columns="reached"), rates)
    unknown = rates.assign(stage=rates["stage"].replace({"decision": "decide"}))
    with pytest.raises(DataValidationError, match="column stage") as info:
        stage_scorecard(funnel, unknown)
    assert "decide" in str(info.value)
    with pytest.raises(DataValidationError, match="column stage"):
        stage_scorecard(pd.concat([funnel, funnel.iloc[[0]]]), rates)
    for bad in (0, 2.5):
        with pytest.raises(ValueError, match="min_touches"):
            stage_scorecard(funnel, rates, min_touches=bad)


@settings(max_examples=40, deadline=None)
@given(journey_logs())
def test_scorecard_properties(log):
    funnel, rates = stage_funnel(log), advance_rates(log)
    table = stage_scorecard(funnel, rates, min_touches=2)
    assert len(table) == len(STAGES) - 1
    assert (table["moved_on"] + table["stopped"] == table["reached"]).all()
    assert (table["moved_on"] <= table["reached"]).all()
    ranked = table["channels_ranked"] > 0
    assert (table.loc[ranked, "best_p_advance"] >= table.loc[ranked, "worst_p_advance"]).all()
    assert table.loc[~ranked, "best_channel"].isna().all()
    for _, row in table.loc[ranked].iterrows():
        pool = rates.loc[(rates["stage"] == row["stage"]) & (rates["touches"] >= 2)]
        assert row["channels_ranked"] == len(pool)
        assert row["best_p_advance"] == pool["p_advance"].max()
        assert row["worst_p_advance"] == pool["p_advance"].min()
        assert row["best_channel"] in set(
            pool.loc[pool["p_advance"] == pool["p_advance"].max(), "channel"]
        )
