"""Planted rows of a test batch are marked, and the mark keeps them out of a real load."""

from __future__ import annotations

import pandas as pd
import pytest

from portfolio_lib import DataValidationError
from portfolio_lib.quality import inject_errors, validate_transactions
from portfolio_lib.quality.injection import MARK_COLUMN, planted, without_planted
from portfolio_lib.simulate import simulate_crm


@pytest.fixture(scope="module")
def batch():
    tx = simulate_crm(n_customers=150, seed=5).transactions
    tx = tx[tx["amount"] > 0].head(80).reset_index(drop=True)
    dirty = inject_errors(tx, seed=3, n_per_reason=2)
    return tx, validate_transactions(dirty, window=dirty.attrs["window"])


def test_planted_returns_pass_validation_and_are_marked(batch):
    _, report = batch
    marked = planted(report.returns)
    assert int(marked.sum()) == 2
    assert (report.returns.loc[marked, "amount"] < 0).all()
    assert set(report.returns.loc[marked, MARK_COLUMN]) == {"return"}


def test_without_planted_leaves_exactly_the_original_rows(batch):
    clean, report = batch
    real = without_planted(pd.concat([report.clean, report.returns]))
    assert MARK_COLUMN not in real.columns
    assert len(real) == len(clean)
    assert sorted(real["transaction_id"]) == sorted(clean["transaction_id"])
    assert (real["amount"].astype(float) > 0).all()  # the originals were purchases only


def test_a_frame_without_the_mark_is_refused_naming_the_column(batch):
    clean, _ = batch
    with pytest.raises(DataValidationError, match="injected_reason"):
        without_planted(clean)
