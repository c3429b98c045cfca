"""Decision rules at their boundaries, the call list, and the parameters that feed them."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from portfolio_lib import decisions
from portfolio_lib.acquisition import AcquisitionEconomics, channel_verdict
from portfolio_lib.campaigns import CampaignReturn, SegmentUplift
from portfolio_lib.matrix import DOCUMENTED_RANGES
from portfolio_lib.portfolio import KPIDashboard, call_list, retention_over

ROOT = Path(__file__).resolve().parents[1]
NAN = float("nan")


def _return(low: float, high: float) -> CampaignReturn:
    mid = (low + high) / 2
    return CampaignReturn(10, NAN, NAN, NAN, NAN, NAN, NAN, 100.0, mid, low, high,
                          NAN, NAN, NAN, 0.3, 0.95)  # fmt: skip


# --- campaign roll-out ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (0.01, 5.0, "roll out"),
        (0.0, 5.0, "test more"),  # a lower bound of exactly 0 is not above 0
        (-5.0, 0.0, "test more"),  # an upper bound of exactly 0 is not below 0
        (-5.0, -0.01, "stop"),
        (-1834.31, -976.83, "stop"),  # the stored chapter 6 numbers of the issue
        (NAN, NAN, "unknown (no randomised test)"),
    ],
)
def test_campaign_rollout_boundaries(low, high, verdict):
    decision = decisions.campaign_rollout(_return(low, high), question="Roll out?")
    assert decision.verdict == verdict
    assert decisions.evaluate(decision) == verdict
    assert "lower bound of the net return" in decision.rule and "above 0" in decision.rule
    assert f"-> {verdict}" in str(decision) and repr(decision) == str(decision)


def test_a_decision_prints_its_rule_and_inputs_and_stores_them_as_json():
    decision = decisions.campaign_rollout(_return(-1834.31, -976.83), question="Roll out?")
    text = str(decision)
    assert text.splitlines()[0] == "Decision: Roll out? -> stop"
    assert "net_return_low = -1,834.31" in text and "net_return_high = -976.83" in text
    stored = json.loads(json.dumps(decision._repr_json_()))
    assert stored["inputs"]["net_return_low"] == pytest.approx(-1834.31)
    assert decisions.evaluate(stored) == "stop"
    assert "stop" in decision._repr_html_() and decision.summary().rows[0] == ("verdict", "stop")
    with pytest.raises(TypeError, match="CampaignReturn"):
        decisions.campaign_rollout(pd.DataFrame())


# --- target segments -----------------------------------------------------------------------
def test_every_segment_whose_interval_excludes_zero_is_named():
    table = pd.DataFrame(
        {"ci_low": [0.01, 0.0, -0.2, 0.03], "ci_high": [0.2, 0.1, -0.01, 0.3]},
        index=pd.Index(["convenience", "eco", "quality", "price"], name="segment"),
    )
    decision = decisions.target_segments(SegmentUplift(table, "R", 0.95, NAN, NAN))
    assert decision.verdict == "target convenience, price; leave out quality; unproven eco"
    none = table.assign(ci_low=-0.1, ci_high=0.1)
    decision = decisions.target_segments(SegmentUplift(none, "R", 0.95, NAN, NAN))
    assert decision.verdict.startswith("target no segment")
    empty = SegmentUplift(pd.DataFrame(columns=["ci_low", "ci_high"]), "", 0.95, NAN, NAN)
    assert decisions.target_segments(empty).verdict == "unknown (no randomised test)"


# --- acquisition: one verdict source -------------------------------------------------------
@pytest.mark.parametrize(
    ("ratio", "verdict"),
    [(3.0, "invest more"), (2.999, "hold / optimise"), (1.0, "hold / optimise"),
     (0.999, "cut back"), (NAN, "unknown (no cost)")],
)  # fmt: skip
def test_channel_verdict_thresholds(ratio, verdict):
    assert channel_verdict(ratio) == verdict


def _economics(ratios: dict[str, float]) -> AcquisitionEconomics:
    table = pd.DataFrame({"clv_to_cac": pd.Series(ratios)})
    table["verdict"] = [channel_verdict(r) for r in table["clv_to_cac"]]
    return AcquisitionEconomics(table, pd.DataFrame(), 0.3, 3.0, 1.0)


def test_acquisition_decision_reads_the_table_and_names_every_channel():
    econ = _economics({"display": 1.11, "email": 7.77, "search": 2.44, "social": 0.9,
                       "all": 2.94})  # fmt: skip
    decision = decisions.acquisition_decision(econ)
    assert decision.verdict == (
        "overall hold / optimise; invest more: email; hold / optimise: display, search; "
        "cut back: social"
    )
    # the overall verdict is the table's row "all", never a contradicting "invest more"
    assert econ.table.loc["all", "verdict"] in decision.verdict.split(";")[0]
    edited = AcquisitionEconomics(econ.table.assign(verdict="invest more"), pd.DataFrame(),
                                  0.3, 3.0, 1.0)  # fmt: skip
    with pytest.raises(ValueError, match="disagree"):
        decisions.acquisition_decision(edited)
    # a plain table (chapter 3's channel_value) with the module's thresholds
    assert decisions.acquisition_decision(econ.table).verdict == decision.verdict


# --- call list -----------------------------------------------------------------------------
def test_call_list_ranks_by_expected_saved_value_and_drops_negative_ones():
    p = pd.Series({"a": 0.95, "b": 0.95, "c": 0.3, "d": 0.5})
    clv = pd.Series({"a": 1.69, "b": 200.0, "c": 400.0, "d": 20.0})
    calls = call_list(p, clv, save_rate=0.2, contact_cost=2.0)
    expected = p * clv * 0.2 - 2.0  # a: -1.68, b: 36, c: 22, d: 0.0 (not above 0)
    assert list(calls.table.index) == ["b", "c"]
    np.testing.assert_allclose(calls.table["expected_saved_value"], expected[["b", "c"]])
    assert calls.best_left_out == pytest.approx(0.0)
    decision = decisions.call_list_decision(calls)
    assert decision.verdict == "call 2 of 4 customers"
    assert decision.input_values["lowest_value_listed"] > 0 >= calls.best_left_out
    free = call_list(p, clv, save_rate=0.2, contact_cost=0.0)
    assert len(free) == 4 and math.isnan(free.best_left_out)
    nobody = call_list(p, clv, save_rate=0.0, contact_cost=1.0)
    assert decisions.call_list_decision(nobody).verdict == "call nobody of 4"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"save_rate": 1.5, "contact_cost": 1.0}, "save_rate"),
     ({"save_rate": 0.2, "contact_cost": -1.0}, "contact_cost")],
)  # fmt: skip
def test_call_list_refuses_impossible_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        call_list(pd.Series({"a": 0.5}), pd.Series({"a": 10.0}), **kwargs)


def test_call_list_names_what_is_missing():
    from portfolio_lib._errors import DataValidationError

    with pytest.raises(DataValidationError, match="clv has no value"):
        call_list(pd.Series({"a": 0.5, "b": 0.2}), pd.Series({"a": 1.0}), save_rate=0.2,
                  contact_cost=1.0)  # fmt: skip
    with pytest.raises(DataValidationError, match="0..1"):
        call_list(pd.Series({"a": 1.5}), pd.Series({"a": 1.0}), save_rate=0.2, contact_cost=1.0)


# --- retention target on one period --------------------------------------------------------
def test_retention_over_converts_between_periods():
    assert retention_over(0.9, from_days=365, to_days=180) == pytest.approx(0.9 ** (180 / 365))
    assert retention_over(retention_over(0.62, from_days=180, to_days=365), from_days=365,
                          to_days=180) == pytest.approx(0.62)  # fmt: skip
    with pytest.raises(ValueError, match="0..1"):
        retention_over(1.2)


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [(0.95, 0.99, "meets the target"), (0.90, 0.9493, "below the target"),
     (0.93, 0.96, "not clearly above or below the target"), (0.57, 0.67, "below the target")],
)  # fmt: skip
def test_retention_target_compares_on_the_measured_window(low, high, verdict):
    # 0.90 a year is 0.9494 over 180 days: the annual number itself must not be the bar
    decision = decisions.retention_target((low + high) / 2, low, high, window_days=180,
                                          target_rate=0.9)  # fmt: skip
    assert decision.verdict == verdict
    assert decision.threshold_values["target_in_window"] == pytest.approx(0.949, abs=5e-4)
    table = pd.DataFrame({"retention_rate": [(low + high) / 2], "retention_ci_low": [low],
                          "retention_ci_high": [high]}, index=["profitable"])  # fmt: skip
    board = KPIDashboard(table, pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-29"), 180,
                         0.3, 0.95)  # fmt: skip
    assert decisions.group_retention_target(board).verdict == verdict


# --- steps and comparisons -----------------------------------------------------------------
def test_step_gains_compare_per_point_not_per_step():
    # the numbers: 0.70 -> 0.80 adds 83.3, 0.80 -> 0.85 adds 64.8; per point 8.3 < 13.0
    decision = decisions.step_gains([0.7, 0.8, 0.85], [166.67, 250.0, 314.81], per=0.01)
    assert decision.verdict == "each step adds more per unit than the one before"
    falling = decisions.step_gains([0, 1, 2], [0.0, 10.0, 15.0])
    assert falling.verdict == "the gain per unit does not rise at every step"
    with pytest.raises(ValueError, match="increase"):
        decisions.step_gains([1, 1], [0, 1])


def test_comparison_decision_says_when_nothing_was_compared():
    nothing = pd.DataFrame({"fitted": [NAN, NAN], "within_tolerance": [None, None]})
    assert decisions.comparison_decision(nothing).verdict == "not compared on this data set"
    some = pd.DataFrame({"fitted": [1.0, 2.0], "within_tolerance": [True, True]})
    assert decisions.comparison_decision(some).verdict == "all 2 published numbers reproduced"


def test_evaluate_refuses_an_unknown_rule():
    with pytest.raises(ValueError, match="unknown rule"):
        decisions.evaluate({"rule_id": "guess", "inputs": {}, "thresholds": {}})


# --- parameters: documented ranges and one CLV horizon per course run -----------------------
def _parameters(chapter: str) -> str:
    path = next((ROOT / "notebooks").glob(f"{chapter}_*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


@pytest.mark.parametrize("chapter", [c for c, r in DOCUMENTED_RANGES.items() if r.ranges])
def test_decision_parameters_state_their_documented_range(chapter):
    cell = _parameters(chapter)
    for name, (low, high) in DOCUMENTED_RANGES[chapter].ranges.items():
        found = re.search(rf"^{name} = ([\d.]+)  # ([\d.,]+) to ([\d.,]+); \S", cell, flags=re.M)
        assert found, f"chapter {chapter}: {name} needs a comment 'LOW to HIGH; meaning'"
        value, *bounds = (float(v.replace(",", "")) for v in found.groups())
        assert tuple(bounds) == (low, high) and low <= value <= high


def test_one_clv_horizon_per_course_run():
    def defaults(chapter):
        return dict(re.findall(r"^(\w+) = (\S+)", _parameters(chapter), flags=re.M))

    ch3, ch6 = defaults("03"), defaults("06")
    for name in ("CLV_HORIZON_MONTHS", "DISCOUNT_RATE", "MARGIN"):
        assert ch3[name] == ch6[name], f"{name}: chapter 3 {ch3[name]}, chapter 6 {ch6[name]}"
