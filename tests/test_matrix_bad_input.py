"""Issue 15: matrix.pass_fail_table refuses malformed ``results`` naming the argument."""

from __future__ import annotations

import pandas as pd
import pytest

from portfolio_lib._errors import DataValidationError
from portfolio_lib.matrix import pass_fail_table

RUNS = pd.DataFrame(
    {
        "chapter": ["02", "04", "02"],
        "case": ["small", "small", "cdnow"],
        "passed": [False, True, True],
    }
)


def test_valid_results_give_the_grid() -> None:
    grid = pass_fail_table(RUNS)
    assert grid.index.tolist() == ["small", "cdnow"]
    assert grid.loc["small"].tolist() == ["FAIL", "pass"]
    assert grid.loc["cdnow"].tolist() == ["pass", ""]


@pytest.mark.parametrize("bad", [None, RUNS.to_dict("records"), RUNS["case"]])
def test_not_a_frame_is_refused(bad: object) -> None:
    with pytest.raises(DataValidationError, match="results must be a pandas DataFrame"):
        pass_fail_table(bad)  # type: ignore[arg-type]


def test_missing_column_is_named() -> None:
    with pytest.raises(DataValidationError, match="passed"):
        pass_fail_table(RUNS.drop(columns=["passed"]))


def test_repeated_pair_is_refused_showing_it() -> None:
    twice = pd.concat([RUNS, RUNS.iloc[[2]]], ignore_index=True)
    with pytest.raises(DataValidationError, match="cdnow"):
        pass_fail_table(twice)
