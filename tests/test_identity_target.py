"""Customer identification target (issue 18): pairwise F1 >= 0.97 on the default sample company.

The records are drawn by ``portfolio_lib.simulate.records.simulate_customer_records`` (its
defaults: about 15 % of people with 2-4 records, messiness 1, seed 0) from the customers of
``simulate_crm()``'s default company, and resolved by ``identity.resolve`` with its defaults
(threshold 0.9), every role mapped by name.
"""

from __future__ import annotations

import pytest

from portfolio_lib.identity import ROLES, IdentityResult, resolve
from portfolio_lib.simulate import simulate_crm

records_module = pytest.importorskip(
    "portfolio_lib.simulate.records",
    reason="portfolio_lib.simulate.records (simulate_customer_records) does not exist yet",
)

F1_TARGET = 0.97


@pytest.fixture(scope="module")
def drawn() -> object:
    return records_module.simulate_customer_records(simulate_crm().customers)


@pytest.fixture(scope="module")
def result(drawn: object) -> IdentityResult:
    records = drawn.records  # type: ignore[attr-defined]
    return resolve(records, columns={role: role for role in ROLES if role in records.columns})


def test_default_sample_company_reaches_the_f1_target(
    drawn: object, result: IdentityResult
) -> None:
    truth = drawn.person_id  # type: ignore[attr-defined]
    evaluation = result.evaluate(truth)
    assert evaluation.pairwise["true_pairs"] > 100  # the sample does hold duplicates
    assert evaluation.f1 >= F1_TARGET, str(evaluation.summary())
    # every record kept; the number of persons found is close to the truth
    assert len(result.clusters) == len(truth)
    assert abs(result.n_persons - truth.nunique()) <= 0.01 * truth.nunique()
