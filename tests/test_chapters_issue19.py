"""The issue 19 chapter helpers (portfolio_lib.lessons.lifecycle), checked by hand."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from portfolio_lib import communication
from portfolio_lib._errors import DataValidationError
from portfolio_lib.equity import customer_equity
from portfolio_lib.lessons import lifecycle as lesson
from portfolio_lib.lifecycle import migration_matrix
from portfolio_lib.matrix import MatrixCase, run_case

from .conftest import cdnow_folder


def test_plot_migration_draws_row_percentages_with_move_counts():
    panel = pd.DataFrame(
        {"customer_id": [1, 1, 1, 2, 2], "period": [1, 2, 3, 1, 2], "state": list("aabbb")}
    )
    ax = lesson.plot_migration(migration_matrix(panel))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    texts = sorted(t.get_text() for t in ax.texts)
    plt.close(ax.figure)
    assert labels == ["a (2)", "b (1)"]
    assert texts == ["0", "100", "50", "50"]  # a -> a, a -> b half each; b stays


def test_plot_migration_refuses_a_table():
    with pytest.raises(TypeError, match="MigrationMatrix"):
        lesson.plot_migration(pd.DataFrame({"a": [1.0]}))


TX = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b", "c", "d"],
        "date": ["2024-01-05", "2024-07-01", "2024-04-02", "2024-05-10", "2024-08-20"],
        "amount": [10.0, 4.0, 5.0, 7.0, 3.0],
    }
)
CLV = pd.Series([30.0, 20.0, 40.0, 60.0], index=["a", "b", "c", "d"])


def test_equity_inputs_counts_the_customers_won_in_the_last_periods():
    customers = pd.DataFrame(
        {"customer_id": list("abcd"), "acquisition_cost": [1.0, 2.0, 4.0, 9.0]}
    )
    got = lesson.equity_inputs(TX, CLV, customers=customers, period="Q", lookback=2,
                               annual_discount_rate=0.21)  # fmt: skip
    # quarters 2024Q2 (b, c) and 2024Q3 (d): three customers won in two quarters
    assert got.acquisitions_per_period == pytest.approx(1.5)
    assert sorted(got.new_customer_clv.tolist()) == [20.0, 40.0, 60.0]
    assert got.acquisition_cost == pytest.approx(5.0)
    assert got.discount_rate == pytest.approx(1.21**0.25 - 1)
    assert "CAC = mean acquisition cost" in got.note


def test_equity_inputs_without_costs_says_so_and_uses_zero():
    got = lesson.equity_inputs(TX, CLV, period="Q", lookback=1)
    assert got.acquisition_cost == 0.0 and "no acquisition costs" in got.note
    assert got.new_customer_clv.tolist() == [60.0]


def test_equity_inputs_needs_a_series():
    with pytest.raises(DataValidationError, match="clv"):
        lesson.equity_inputs(TX, CLV.to_numpy(), period="Q")


def test_equity_sensitivity_matches_customer_equity_row_by_row():
    inputs = lesson.equity_inputs(
        TX, CLV, customers=pd.DataFrame({"customer_id": list("abcd"), "acquisition_cost": 8.0}),
        period="Q", lookback=2,
    )  # fmt: skip
    table = lesson.equity_sensitivity(CLV, inputs, periods=3, cac_factors=(0.0, 2.0), seed=1)
    for factor, row in table.iterrows():
        direct = customer_equity(
            CLV, new_customer_clv=inputs.new_customer_clv, acquisitions_per_period=1.5,
            acquisition_cost=8.0 * factor, discount_rate=inputs.discount_rate, periods=3, seed=1,
        )  # fmt: skip
        assert row["equity"] == pytest.approx(direct.equity)
        assert row["equity_low"] == pytest.approx(direct.equity_low)
    # a higher CAC lowers the value of future cohorts, by cohorts x CAC difference discounted
    d = inputs.discount_rate
    drop = 1.5 * 16.0 * sum((1 + d) ** -t for t in (1, 2, 3))
    assert table.loc[0.0, "future_value"] - table.loc[2.0, "future_value"] == pytest.approx(drop)
    assert np.isclose(table["future_share"], table["future_value"] / table["equity"]).all()


def test_equity_from_inputs_with_no_recent_customers_values_future_cohorts_at_zero():
    old = TX.assign(date="2023-01-05")
    old.loc[4, "date"] = "2024-08-20"  # the last quarter: only d, who has no CLV
    inputs = lesson.equity_inputs(old, CLV.drop("d"), period="Q", lookback=1)
    assert len(inputs.new_customer_clv) == 0 and "no future cohorts" in inputs.note
    r = lesson.equity_from_inputs(CLV.drop("d"), inputs, periods=4, seed=0)
    assert r.future_value == 0.0 and r.equity == pytest.approx(90.0)


# --------------------------------------------------------------------------- chapter 6


def _plan(max_contacts: float = 3.0) -> communication.CommunicationPlan:
    ids = [f"c{i:03d}" for i in range(400)]
    groups = pd.Series(np.repeat(["profitable", "loyal", "potential", "at_risk"], 100), index=ids)
    return communication.communication_plan(groups, max_contacts=max_contacts)


def test_consent_table_takes_the_consent_columns_by_customer():
    customers = pd.DataFrame({"customer_id": ["a", "b"], "age": [30, 40],
                              "consent_email": [True, False]})  # fmt: skip
    table, note = lesson.consent_table(customers)
    assert list(table.columns) == ["consent_email"]
    assert table["consent_email"].to_dict() == {"a": True, "b": False}
    assert "consent_email" in note


def test_feedback_loop_runs_each_period_at_the_cadence_the_tracker_chose():
    loop = lesson.simulate_feedback_loop(_plan(), periods=5, seed=3)
    table = loop.tracker.table
    for _line, rows in table.groupby("line"):
        rows = rows.sort_values("period")
        # the cadence in force is the previous period's next_cadence
        assert rows["cadence"].iloc[1:].tolist() == rows["next_cadence"].iloc[:-1].tolist()
        # a replaced line is not tested again
        stopped = rows.index[rows["action"] == "replace line"]
        if len(stopped):
            assert rows.loc[stopped[0], "period"] == rows["period"].max()
    truth = loop.truth.merge(table[["line", "period", "cadence"]], on=["line", "period"])
    assert (truth["cadence_x"] == truth["cadence_y"]).all()
    assert set(loop.tests["n_treatment"]) == {50}  # half of each group's 100 planned customers


def test_feedback_loop_intervals_cover_the_simulated_truth():
    loop = lesson.simulate_feedback_loop(_plan(), periods=12, max_per_arm=50, seed=11)
    both = loop.tests.merge(loop.truth, on=["line", "period"])
    inside = (both["ci_low"] <= both["true_treatment"]) & (
        both["true_treatment"] <= both["ci_high"]
    )
    assert len(both) >= 60 and inside.mean() >= 0.85  # 95 % Wilson intervals


def test_feedback_loop_raises_a_missing_line_and_replaces_it_after_two_misses():
    plan = _plan()
    hard = plan.lines.assign(target=0.99)  # unreachable targets: every line misses
    hard_plan = communication.communication_plan(
        pd.Series(np.repeat(["loyal"], 100), index=[f"c{i}" for i in range(100)]),
        plan=hard.reset_index().loc[lambda d: d["group"] == "loyal"], max_contacts=3,
    )  # fmt: skip
    loop = lesson.simulate_feedback_loop(hard_plan, periods=4, seed=0)
    actions = loop.tracker.table.groupby("line")["action"].apply(list).to_dict()
    assert all(a == ["raise cadence", "replace line"] for a in actions.values()), actions


# --------------------------------------------------------------- the chapters' new parameters
#: The issue 19 parameters at the ends of their documented ranges, on small simulated
#: companies and on CDNOW (one cohort: no new customers after 1997Q1, no consent, no costs).
PARAMETER_CASES = [
    MatrixCase("02", (("DATASET", "simulate"), ("N_CUSTOMERS", 100), ("SEED", 5),
                      ("COHORT_UNIT", "M"), ("LOST_AFTER", 2), ("PATH_PERIODS", 1))),
    MatrixCase("02", (("DATASET", "cdnow"), ("RFM_BINS", 4), ("LOST_AFTER", 12),
                      ("PATH_PERIODS", 40))),
    MatrixCase("03", (("DATASET", "cdnow"),)),
    MatrixCase("06", (("DATASET", "simulate"), ("N_CUSTOMERS", 150), ("SEED", 2),
                      ("MAX_CONTACTS", 0.5), ("LOOP_PERIODS", 1))),
    MatrixCase("06", (("DATASET", "cdnow"), ("MAX_CONTACTS", 10), ("LOOP_PERIODS", 12))),
]  # fmt: skip


@pytest.mark.notebook
@pytest.mark.parametrize("case", [pytest.param(c, id=c.test_id) for c in PARAMETER_CASES])
def test_chapters_run_with_the_issue19_parameters(case, tmp_path, monkeypatch):
    if dict(case.parameters).get("DATASET") == "cdnow":
        if not (cdnow_folder() / "CDNOW_sample.txt").exists():
            pytest.skip(f"real CDNOW data not found in {cdnow_folder()}")
        monkeypatch.setenv("PORTFOLIO_LIB_DATA", str(cdnow_folder()))
    result = run_case(case, output_dir=tmp_path)
    assert result.passed, f"chapter {case.chapter} with {case.label}: {result.error}"


def test_chain_shares_drops_unreached_states_and_makes_unleft_ones_absorbing():
    panel = pd.DataFrame(
        {"customer_id": [1, 1, 2, 2, 3], "period": [1, 2, 1, 2, 1],
         "state": pd.Categorical(["a", "b", "a", "a", "a"], categories=["a", "b", "c"])}
    )  # fmt: skip
    moves = migration_matrix(panel)
    shares, note = lesson.chain_shares(moves)
    assert list(shares.index) == ["a", "b"] and list(shares.columns) == ["a", "b"]
    assert shares.to_numpy().tolist() == [[0.5, 0.5], [0.0, 1.0]]
    assert "absorbing" in note and "['b']" in note and "dropped" in note and "['c']" in note
    full = migration_matrix(panel.assign(state=["a", "b", "b", "a", "a"]).astype({"state": str}))
    same, note = lesson.chain_shares(full)
    pd.testing.assert_frame_equal(same, full.shares)
    assert note.startswith("every state")
