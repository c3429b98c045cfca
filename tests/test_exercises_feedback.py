"""Shared helpers of the chapter check modules: seeded streams, known slips, dict answers, reasons.

The helpers were copied into every chapter module before; these tests pin the one
shared version (portfolio_lib/exercises/feedback.py and checks/__init__.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib.exercises.checks import seeded_rng
from portfolio_lib.exercises.feedback import (
    MISSING_REASON,
    CheckFailed,
    as_real,
    expect_fields,
    expect_number,
    expect_reason,
    raise_on_slip,
)


def failure(function, *args, **kwargs) -> str:
    """Call a helper that must fail; return its message."""
    with pytest.raises(CheckFailed) as info:
        function(*args, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- seeded_rng


def test_seeded_rng_is_reproducible_and_separate_per_chapter_and_from_the_simulation():
    first = seeded_rng(7, chapter=3).integers(0, 2**31, size=5)
    assert np.array_equal(first, seeded_rng(7, chapter=3).integers(0, 2**31, size=5))
    assert np.array_equal(first, seeded_rng(np.int64(7), chapter=3).integers(0, 2**31, size=5))
    assert not np.array_equal(first, seeded_rng(7, chapter=4).integers(0, 2**31, size=5))
    assert not np.array_equal(first, seeded_rng(8, chapter=3).integers(0, 2**31, size=5))
    # simulate_crm(seed=7) draws from default_rng(7): the exercise stream must differ from it
    assert not np.array_equal(first, np.random.default_rng(7).integers(0, 2**31, size=5))
    # the stream is numpy's for the entropy words [seed, chapter] (so old seeds keep their data)
    expected = np.random.default_rng([7, 3]).integers(0, 2**31, size=5)
    assert np.array_equal(first, expected)


@pytest.mark.parametrize("seed", [-1, True, 1.5, "3", None, 2.0])
def test_seeded_rng_rejects_anything_but_a_non_negative_whole_number(seed):
    with pytest.raises(ValueError, match=r"^SEED must be a non-negative whole number, got "):
        seeded_rng(seed, chapter=1)


# --------------------------------------------------------------------------- as_real


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3.0), (np.float32(0.5), 0.5), (np.int64(-2), -2.0), (math.inf, math.inf)],
)
def test_as_real_converts_real_numbers(value, expected):
    assert as_real(value) == expected


@pytest.mark.parametrize(
    "value", [True, np.bool_(False), float("nan"), "3", None, ..., [1.0], np.array([1.0])]
)
def test_as_real_gives_none_for_everything_else(value):
    assert as_real(value) is None


# --------------------------------------------------------------------------- raise_on_slip

SLIPS = [
    (120.0, "this is the gross revenue; subtract the returns"),
    (float("nan"), "never shown: a NaN slip never matches"),
    (-20.0, "this is the value of the returns"),
]


def test_raise_on_slip_names_the_matched_slip_as_given():
    assert failure(raise_on_slip, 120.0, 100.0, SLIPS) == SLIPS[0][1]
    assert failure(raise_on_slip, np.float64(-20.0), 100.0, SLIPS) == SLIPS[2][1]
    # within the tolerance of the slip, outside that of the right answer
    assert failure(raise_on_slip, 120.004, 100.0, SLIPS, rel=0, abs=0.005) == SLIPS[0][1]


@pytest.mark.parametrize("answer", [100.0, 100.0000001, 95.0, "120", None, ..., True, np.nan])
def test_raise_on_slip_is_silent_for_right_unknown_or_non_numeric_answers(answer):
    raise_on_slip(answer, 100.0, SLIPS)


def test_raise_on_slip_prefers_the_right_answer_and_the_first_matching_slip():
    raise_on_slip(5.0, 5.0, [(5.0, "a slip equal to the answer never fires")])
    twice = [(7.0, "first"), (7.0, "second")]
    assert failure(raise_on_slip, 7.0, 5.0, twice) == "first"


def test_expect_number_checks_its_slips_first_with_its_own_tolerance():
    slips = [(12.0, "frequency: count purchase days, not rows")]
    assert failure(expect_number, 12.0, 3.0, name="frequency", slips=slips) == slips[0][1]
    # a hundredfold slip listed by the task wins over the general "multiply by 100?" hint
    share = [(0.25, "this is the churn rate in percent")]
    assert failure(expect_number, 0.25, 25.0, name="rate", slips=share) == share[0][1]
    # with its tolerance the answer passes, and a slip nearby does not get in the way
    expect_number(3.004, 3.0, name="frequency", abs=0.005, slips=[(3.006, "never")])
    # without a matching slip, the general message (which never shows the expected value)
    general = failure(expect_number, 4.0, 3.0, name="frequency", slips=slips)
    assert (
        general
        == "frequency: you returned 4, which is not the expected value; recheck your computation"
    )
    assert "you returned None" in failure(expect_number, None, 3.0, name="frequency", slips=slips)


@settings(max_examples=50, deadline=None)
@given(
    expected=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    slip=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
)
def test_a_slip_fires_exactly_when_the_answer_matches_it_and_not_the_right_value(expected, slip):
    close = math.isclose(slip, expected, rel_tol=1e-6, abs_tol=1e-9)
    if close:
        raise_on_slip(slip, expected, [(slip, "slip")])
    else:
        assert failure(raise_on_slip, slip, expected, [(slip, "slip")]) == "slip"


# --------------------------------------------------------------------------- expect_fields

FIELDS = ("se", "ci_low", "ci_high")


def test_expect_fields_returns_the_asked_fields_in_order_from_a_dict_or_series():
    answer = {"ci_high": 41.5, "extra": 1, "se": 4.1, "ci_low": 25.2}
    assert list(expect_fields(answer, FIELDS, name="x")) == list(FIELDS)
    assert expect_fields(pd.Series(answer), FIELDS, name="x") == {
        "se": 4.1,
        "ci_low": 25.2,
        "ci_high": 41.5,
    }


def test_expect_fields_explains_placeholders_tables_and_other_types():
    shown = "'se', 'ci_low', 'ci_high'"
    assert failure(expect_fields, ..., FIELDS, name="your interval") == (
        f"your interval: replace the placeholder with a dict with the keys {shown}"
    )
    table = failure(expect_fields, pd.DataFrame([{"se": 1}]), FIELDS, name="your interval")
    assert table == (
        f"your interval must be a dict (or Series) with the keys {shown}; you passed a table — "
        "build the dict from your numbers"
    )
    hinted = failure(
        expect_fields, pd.DataFrame([{"se": 1}]), FIELDS, name="v", table_hint="select one row"
    )
    assert hinted.endswith("you passed a table — select one row")
    assert failure(expect_fields, [4.1, 25.2, 41.5], FIELDS, name="v").endswith("you passed a list")


def test_expect_fields_lists_missing_keys_without_values():
    message = failure(expect_fields, {"se": 4.1, "low": 25.2}, FIELDS, name="your interval")
    assert message == (
        "your interval: the key(s) ['ci_low', 'ci_high'] are missing; yours are ['se', 'low'] "
        "(expected keys: 'se', 'ci_low', 'ci_high')"
    )


def test_expect_fields_recognises_the_librarys_result_object_but_not_a_series():
    class Result:
        se, ci_low, ci_high, nps = 4.1, 25.2, 41.5, 33.3

    marked = {"result_attributes": ("se", "ci_low")}
    message = failure(expect_fields, Result(), FIELDS, name="v", **marked)
    assert "you passed the library's result object; compute the numbers by hand" in message
    # a Series with these labels also has them as attributes; it is a valid answer
    series = pd.Series({"se": 4.1, "ci_low": 25.2, "ci_high": 41.5})
    assert expect_fields(series, FIELDS, name="v", **marked)["se"] == 4.1
    # without result_attributes the object is just of the wrong type
    assert failure(expect_fields, Result(), FIELDS, name="v").endswith("you passed a Result")


# --------------------------------------------------------------------------- expect_reason

IDEAS = [("valu", "değer"), ("recency", "uzun süre", "long")]


def test_expect_reason_needs_every_idea_in_english_or_turkish():
    expect_reason(
        "They were our most valuable customers and have not bought for long", IDEAS, hint="h"
    )
    expect_reason(
        "Bu müşterilerin değeri çok yüksek ama uzun süredir hiç alışveriş yapmıyorlar",
        IDEAS,
        hint="h",
    )
    one = failure(
        expect_reason, "They were our most valuable customers, so we call them now", IDEAS, hint="h"
    )
    assert one == "your reason: 1 of 2 key ideas are missing — h"
    assert "too short" in failure(expect_reason, "valuable, long ago", IDEAS, hint="h")


def test_expect_reason_asks_for_a_missing_reason_with_the_given_message():
    for missing in (None, ...):
        assert failure(expect_reason, missing, IDEAS, hint="h") == MISSING_REASON
    custom = failure(expect_reason, None, IDEAS, hint="h", missing="write `reason` too")
    assert custom == "write `reason` too"
    assert "must be text" in failure(expect_reason, 42, IDEAS, hint="h")


# --------------------------------------------------------------------------- messages about a number


@pytest.mark.parametrize(
    ("kwargs", "answer", "expected", "message"),
    [
        # a range and a unit: the unit comes once, after the range
        (
            {"name": "NPS", "unit": "points", "bounds": (-100, 100)},
            0.42,
            42.0,
            "NPS must be between -100 and 100 points; you returned 0.42 — multiply by 100?",
        ),
        (
            {"name": "NPS", "unit": "points", "bounds": (-100, 100)},
            330.0,
            37.0,
            "NPS must be between -100 and 100 points; you returned 330",
        ),
        # a share has no unit: its range says what it is
        (
            {"name": "churn_rate", "bounds": (0.0, 1.0)},
            25.0,
            0.25,
            "churn_rate must be between 0 and 1; you returned 25 — divide by 100?",
        ),
        (
            {"name": "P(alive)", "bounds": (0.0, 1.0)},
            1.5,
            0.5,
            "P(alive) must be between 0 and 1; you returned 1.5",
        ),
        (
            {"name": "uplift", "bounds": (-1.0, 1.0)},
            -3.0,
            0.03,
            "uplift must be between -1 and 1; you returned -3",
        ),
        (
            {"name": "top_decile_lift", "unit": "times the average", "bounds": (0.0, 10.0)},
            12.0,
            2.5,
            "top_decile_lift must be between 0 and 10 times the average; you returned 12",
        ),
        # a unit alone
        (
            {"name": "share of promoters", "unit": "percent"},
            0.25,
            25.0,
            "share of promoters should be in percent; you returned 0.25 — multiply by 100?",
        ),
        (
            {"name": "net revenue", "unit": "currency units"},
            1.0,
            37.25,
            "net revenue: you returned 1 (in currency units), which is not the expected value; "
            "recheck your computation",
        ),
        (
            {"name": "S", "unit": "customers", "hint_scale": False},
            12.0,
            14.0,
            "S: you returned 12 (in customers), which is not the expected value; "
            "recheck your computation",
        ),
    ],
)
def test_number_messages_read_naturally(kwargs, answer, expected, message):
    assert failure(expect_number, answer, expected, **kwargs) == message


@settings(max_examples=60, deadline=None)
@given(
    unit=st.sampled_from(["", "points", "days", "currency units", "times the average", "percent"]),
    bounds=st.sampled_from([None, (0.0, 1.0), (-100.0, 100.0), (0.0, 10.0)]),
    answer=st.floats(min_value=-1e4, max_value=1e4, allow_nan=False),
    expected=st.floats(min_value=-1e3, max_value=1e3, allow_nan=False),
)
def test_a_number_message_names_its_unit_and_range_at_most_once(unit, bounds, answer, expected):
    try:
        expect_number(answer, expected, name="KPI", unit=unit, bounds=bounds)
    except CheckFailed as failed:
        message = str(failed)
    else:
        return
    assert message.startswith("KPI")
    assert message.count("between") <= 1 and message.count(" in ") <= 1
    if unit:
        assert message.count(unit) <= 1
    assert "  " not in message and "((" not in message and "))" not in message


@pytest.mark.parametrize("unit", ["share (0-1)", "probability (0-1)", "share (-1 to 1)", "0-100"])
def test_a_range_written_into_the_unit_is_refused(unit):
    with pytest.raises(ValueError, match=r"give a range as bounds=\(low, high\)"):
        expect_number(0.5, 0.5, name="rate", unit=unit, bounds=(0, 1))


def _units_passed_by_the_checks():
    """Every ``unit=`` string literal in the chapter check modules, with its place."""
    import ast
    from pathlib import Path

    import portfolio_lib.exercises.checks as checks

    found = []
    folder = Path(checks.__file__).parent  # chNN.py and the private modules they re-export
    for path in sorted([*folder.glob("ch*.py"), *folder.glob("_ch*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "unit":
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    found.append((f"{path.name}:{node.lineno}", node.value.value))
    return found


def test_every_unit_a_check_passes_is_a_unit_of_measure():
    from portfolio_lib.exercises.feedback import _checked_unit

    units = _units_passed_by_the_checks()
    assert len(units) >= 10, "the scan found the checks' units"
    for place, unit in units:
        _checked_unit(unit)  # raises for "share (0-1)" and the like
        assert unit not in {"share", "probability"}, f"{place}: {unit!r} is not a unit"


def test_the_examples_in_the_exercise_modules_show_the_current_messages():
    import doctest
    import importlib

    names = ["feedback", "grader", "variants", "checks.ch01", "checks.ch02", "checks.ch04"]
    names += ["checks.ch03", "checks.ch05", "checks.ch06"]
    for name in names:
        module = importlib.import_module(f"portfolio_lib.exercises.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
        assert result.failed == 0, f"{name}: {result.failed} example(s) fail"
        assert result.attempted > 0, f"{name} has no examples"


# --------------------------------------------------------------------------- checks return nothing


def test_a_passing_check_cell_shows_the_success_line_and_nothing_else(capsys):
    """A check cell's last expression is echoed by Jupyter unless it is None."""
    import sys

    from portfolio_lib.exercises.feedback import task_check

    @task_check("total revenue")
    def check_99_1(answer, *, seed):
        expect_number(answer, 10.0 + seed, name="total revenue")

    assert check_99_1(10.0, seed=0) is None
    capsys.readouterr()
    # "single" mode is how an interactive cell runs its last expression: via sys.displayhook
    code = compile("check_99_1(10.0, seed=0)", "<check cell>", "single")
    previous, sys.displayhook = sys.displayhook, sys.__displayhook__
    try:
        exec(code, {"check_99_1": check_99_1})
    finally:
        sys.displayhook = previous
    assert capsys.readouterr().out == "✔ Task 1 passed: total revenue\n"
