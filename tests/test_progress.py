"""Bootstraps can show progress (tqdm on stderr) and stay silent by default, with equal results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import satisfaction as sat
from portfolio_lib._progress import with_progress
from portfolio_lib.churn import roc_auc


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.integers(1, 6, size=(150, 2)), columns=["a", "b"])
    return df.assign(y=df["a"] + rng.normal(size=150))


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {"branch": np.repeat(list("abc"), 8), "score": rng.uniform(20, 100, size=24).round(1)}
    )


def _run(capsys, function, **kwargs):
    result = function(**kwargs)
    return result, capsys.readouterr()


def test_driver_bootstrap_progress(capsys, ratings):
    args = {"df": ratings, "outcome": "y", "drivers": ["a", "b"], "n_boot": 40, "seed": 1}
    quiet, out = _run(capsys, sat.driver_analysis, **args)
    assert out.out == "" and out.err == ""
    shown, out = _run(capsys, sat.driver_analysis, progress=True, **args)
    assert "bootstrap driver importance" in out.err and "40/40" in out.err
    assert out.out == ""
    pd.testing.assert_frame_equal(quiet.importance, shown.importance)


def test_branch_ranking_progress(capsys, visits):
    quiet, out = _run(capsys, sat.branch_ranking, scores=visits, n_boot=300, seed=2)
    assert out.out == "" and out.err == ""
    shown, out = _run(capsys, sat.branch_ranking, scores=visits, n_boot=300, seed=2, progress=True)
    assert "bootstrap branch ranks" in out.err and "3/3" in out.err
    pd.testing.assert_frame_equal(quiet.table, shown.table)


def test_auc_bootstrap_progress(capsys):
    rng = np.random.default_rng(5)
    y = rng.random(200) < 0.3
    score = y + rng.normal(size=200)
    args = {"y_true": y, "score": score, "method": "bootstrap", "n_boot": 50, "seed": 0}
    quiet, out = _run(capsys, roc_auc, **args)
    assert out.out == "" and out.err == ""
    shown, out = _run(capsys, roc_auc, progress=True, **args)
    assert "bootstrap AUC" in out.err and "50/50" in out.err
    assert quiet == shown


def test_progress_must_be_a_bool(ratings):
    with pytest.raises(ValueError, match="progress must be True or False"):
        sat.driver_analysis(ratings, "y", ["a", "b"], n_boot=5, progress="yes")
    items = range(3)
    assert with_progress(items, False, desc="x") is items
