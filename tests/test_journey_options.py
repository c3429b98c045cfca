"""The event-log options of the journey functions: one definition, one check, one description."""

from __future__ import annotations

import inspect
import typing
from dataclasses import fields

import pandas as pd
import pytest

from portfolio_lib import journey
from portfolio_lib.engines import journey as engine_journey
from portfolio_lib.journey._options import EventColumnArgs, EventColumns, PathArgs, PathOptions

COLUMN_FUNCTIONS = [
    journey.validate_events,
    journey.stage_funnel,
    journey.stage_transitions,
    journey.advance_rates,
    journey.channel_effects,
    engine_journey.stage_funnel,
]
PATH_FUNCTIONS = [
    journey.conversion_paths,
    journey.heuristic_attribution,
    journey.markov_attribution,
    journey.compare_attribution,
    engine_journey.conversion_paths,
]
CASES = [(f, EventColumns) for f in COLUMN_FUNCTIONS] + [(f, PathOptions) for f in PATH_FUNCTIONS]
RENAMED = {"customer_id": "person", "timestamp": "when", "stage": "step", "channel": "via"}
AS_KEYWORDS = {"customer_col": "person", "time_col": "when", "stage_col": "step"}


@pytest.mark.parametrize(("function", "options"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_signature_and_docstring_show_every_option_with_its_one_default(function, options):
    parameters = inspect.signature(function).parameters
    for option in fields(options):
        assert parameters[option.name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[option.name].default == option.default
        assert f"\n    {option.name} : {option.metadata['kind']}\n" in function.__doc__
    assert "{options}" not in function.__doc__


@pytest.mark.parametrize(
    ("args", "options"), [(EventColumnArgs, EventColumns), (PathArgs, PathOptions)]
)
def test_typed_keywords_match_the_dataclass(args, options):
    hints = typing.get_type_hints(args)
    assert list(hints) == [f.name for f in fields(options)]
    assert args.__required_keys__ == frozenset()
    assert typing.get_type_hints(options) == hints


@pytest.mark.parametrize(("function", "options"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_unknown_keyword_is_a_type_error_naming_it(function, options):
    with pytest.raises(TypeError, match=rf"{function.__name__}\(\).*'customer_column'"):
        function(journey.example_events(), customer_column="person")


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"stages": ("discovery", "discovery")}, "stages must be at least two distinct"),
        ({"conversion_stage": "checkout"}, "conversion_stage 'checkout' is not one of"),
        ({"window_days": 0}, "window_days must be a positive number"),
    ],
)
@pytest.mark.parametrize("function", [journey.conversion_paths, engine_journey.conversion_paths])
def test_bad_option_values_raise_before_reading_data(function, changes, match):
    with pytest.raises(ValueError, match=match):
        function(pd.DataFrame(), **changes)


def test_other_column_names_give_the_same_results_everywhere():
    log = journey.example_events()
    renamed = log.rename(columns=RENAMED)
    pd.testing.assert_frame_equal(
        journey.stage_funnel(renamed, **AS_KEYWORDS), journey.stage_funnel(log)
    )
    expected = journey.conversion_paths(log, window_days=2)
    for function in (journey.conversion_paths, engine_journey.conversion_paths):
        got = function(renamed, touchpoint_col="via", window_days=2, **AS_KEYWORDS)
        pd.testing.assert_frame_equal(got, expected)
    got = journey.compare_attribution(renamed, touchpoint_col="via", **AS_KEYWORDS)
    pd.testing.assert_frame_equal(got.conversions, journey.compare_attribution(log).conversions)
    assert journey.stage_transitions(renamed, **AS_KEYWORDS).counts.equals(
        journey.stage_transitions(log).counts
    )


def test_example_events_is_a_valid_new_log_on_every_call():
    first = journey.example_events()
    first.loc[0, "stage"] = "nowhere"
    second = journey.example_events()
    check = journey.validate_events(second, extra_cols=["channel"])
    assert check.ok and len(check.events) == len(second) == 9
    assert second["customer_id"].nunique() == 4
