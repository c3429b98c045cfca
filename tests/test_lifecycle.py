"""Lifecycle migration: states from transactions, the transition matrix, steady state, paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.lessons import lifecycle as lesson
from portfolio_lib.lifecycle import (
    STATES,
    MigrationMatrix,
    chain_shares,
    cohort_path,
    lifecycle_states,
    migration_matrix,
    portfolio_groups_by_period,
    purchases_by_period,
    start_distribution,
    state_values,
    steady_state,
    transition_shares,
)
from portfolio_lib.plotting import lifecycle as lifecycle_plots
from portfolio_lib.plotting import plot_migration
from portfolio_lib.portfolio import portfolio_groups
from portfolio_lib.rfm import rfm_table
from portfolio_lib.simulate.migration import simulate_migration

TRUE_P = np.array(
    [
        [0.10, 0.60, 0.20, 0.10],
        [0.05, 0.70, 0.20, 0.05],
        [0.00, 0.30, 0.40, 0.30],
        [0.00, 0.05, 0.05, 0.90],
    ]
)
LABELS = ["new", "loyal", "at_risk", "lost"]


def simulate_panel(p: np.ndarray, n_customers: int, n_periods: int, seed: int) -> pd.DataFrame:
    """A customer x period panel of states drawn from the Markov chain ``p`` (uniform start)."""
    truth = pd.DataFrame(p, index=LABELS, columns=LABELS)
    return simulate_migration(truth, n_customers, n_periods, seed=seed)


def random_log(seed: int, n: int, customers: int, days: int) -> pd.DataFrame:
    """``n`` purchases of ``customers`` customers on random days from 2023-01-01."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, customers, n),
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, days, n), "D"),
            "amount": rng.gamma(2.0, 25.0, n),
        }
    )


def test_migration_matrix_recovers_a_known_chain_within_binomial_error():
    panel = simulate_panel(TRUE_P, n_customers=4000, n_periods=6, seed=11)
    result = migration_matrix(panel, order=LABELS)
    counts = result.counts.to_numpy()
    assert counts.sum() == result.n_transitions == 4000 * 5
    n_from = counts.sum(axis=1, keepdims=True)
    estimate = result.shares.to_numpy()
    # 4 binomial standard errors per cell (16 cells: a false alarm has probability ~1e-3)
    tolerance = 4 * np.sqrt(TRUE_P * (1 - TRUE_P) / n_from)
    assert np.all(np.abs(estimate - TRUE_P) <= tolerance), estimate - TRUE_P
    assert np.all(estimate[TRUE_P == 0] == 0)
    # the Wilson intervals cover the truth in (nearly) every non-degenerate cell
    table = result.table
    truth = TRUE_P.ravel()
    covered = (table["ci_low"].to_numpy() <= truth) & (truth <= table["ci_high"].to_numpy())
    assert covered[truth > 0].mean() >= 0.8


def test_steady_state_of_the_recovered_chain_is_close_to_the_true_one():
    panel = simulate_panel(TRUE_P, n_customers=4000, n_periods=6, seed=12)
    truth = steady_state(pd.DataFrame(TRUE_P, index=LABELS, columns=LABELS))
    estimate = steady_state(migration_matrix(panel, order=LABELS))
    assert np.allclose(truth.to_numpy() @ TRUE_P, truth.to_numpy())
    assert np.abs(estimate - truth).max() < 0.03


def test_lifecycle_states_follow_the_documented_rules():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "b"],
            "date": ["2024-01-05", "2024-02-05", "2024-03-09", "2024-06-01", "2024-03-01",
                     "2024-03-02"],
            "amount": [10.0, 5.0, 7.0, 3.0, 4.0, -4.0],
        }
    )  # fmt: skip
    result = lifecycle_states(tx, period="M", loyal_streak=3, lost_after=2)
    table = result.table
    a = table.loc[table["customer_id"] == "a", "state"].tolist()
    # Jan first purchase, Feb streak 2 (< 3: active), Mar streak 3 loyal, Apr gap 1 at risk,
    # May gap 2 lost, Jun buys again: active
    assert a == ["new", "active", "loyal", "at_risk", "lost", "active"]
    b = table.loc[table["customer_id"] == "b"]
    assert b["period"].astype(str).tolist() == ["2024-03", "2024-04", "2024-05", "2024-06"]
    assert b["state"].tolist() == ["new", "at_risk", "lost", "lost"]
    assert b["spend"].iloc[0] == 0.0  # the return is subtracted from the spend
    assert b["purchases"].iloc[0] == 1  # ... but is not a purchase occasion
    assert list(table["state"].cat.categories) == list(STATES)
    assert "lost in 2024-06" in str(result.summary())
    assert result.wide().shape == (2, 6)


def test_states_from_transactions_give_a_matrix_whose_rows_sum_to_one():
    tx = random_log(seed=3, n=300, customers=60, days=730)
    moves = migration_matrix(lifecycle_states(tx, period="Q"))
    shares = moves.shares
    observed = shares.notna().all(axis=1)
    assert np.allclose(shares[observed].sum(axis=1), 1.0)
    assert shares.loc[:, "new"].fillna(0).eq(0).all()  # nobody becomes new again
    assert moves.n_customers == tx["customer_id"].nunique()
    assert "moves counted" in str(moves.summary())


def test_purchases_by_period_is_a_full_panel():
    tx = pd.DataFrame(
        {"customer_id": ["a", "b"], "date": ["2024-01-31", "2024-03-01"], "amount": [1.0, 2.0]}
    )
    panel = purchases_by_period(tx, period="M", observation_end="2024-04-30")
    assert len(panel) == 2 * 4
    assert panel["spend"].sum() == 3.0
    assert panel.loc[panel["customer_id"] == "b", "first_period"].astype(str).unique() == [
        "2024-03"
    ]


def test_cohort_path_and_steady_state_by_hand():
    p = pd.DataFrame([[0.0, 0.8, 0.2], [0.0, 0.5, 0.5], [0.0, 0.25, 0.75]],
                     index=["new", "loyal", "lost"], columns=["new", "loyal", "lost"])  # fmt: skip
    path = cohort_path(p, periods=2, size=100)
    assert path.table.loc[1].tolist() == pytest.approx([0.0, 80.0, 20.0])
    # period 2: loyal 80*.5 + 20*.25 = 45, lost 80*.5 + 20*.75 = 55
    assert path.table.loc[2].tolist() == pytest.approx([0.0, 45.0, 55.0])
    # steady state of the loyal/lost block: pi_loyal * 0.5 = pi_lost * 0.25 -> 1/3, 2/3
    assert steady_state(p).tolist() == pytest.approx([0.0, 1 / 3, 2 / 3])
    mixed = cohort_path(p, periods=1, start={"loyal": 0.5, "lost": 0.5}, size=10)
    assert mixed.table.loc[1, "loyal"] == pytest.approx(10 * (0.25 + 0.125))
    assert "after 1 periods" in str(mixed.summary())


def test_steady_state_refuses_a_chain_with_two_absorbing_states():
    p = pd.DataFrame(np.eye(2), index=["x", "y"], columns=["x", "y"])
    with pytest.raises(ValueError, match="more than one stationary distribution"):
        steady_state(p)


def test_bad_input_names_the_column_and_the_rows():
    panel = pd.DataFrame({"customer_id": [1, 1], "period": [1, 1], "state": ["a", "b"]})
    with pytest.raises(DataValidationError, match=r"\['customer_id', 'period'\].*repeats"):
        migration_matrix(panel)
    with pytest.raises(DataValidationError, match="missing required column"):
        migration_matrix(panel.drop(columns="state"))
    ok = panel.assign(period=[1, 2])
    with pytest.raises(DataValidationError, match="column state has states not in order"):
        migration_matrix(ok, order=["a"])
    bad = pd.DataFrame([[0.5, 0.4], [0.0, 1.0]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(DataValidationError, match="summing to 1"):
        steady_state(bad)
    with pytest.raises(ValueError, match="lost_after"):
        lifecycle_states(pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"],
                                       "amount": [1.0]}), lost_after=1)  # fmt: skip
    with pytest.raises(DataValidationError, match="column date must hold dates"):
        lifecycle_states(pd.DataFrame({"customer_id": [1], "date": ["01/02/2024"],
                                       "amount": [1.0]}))  # fmt: skip


@st.composite
def stochastic_matrices(
    draw: st.DrawFn, max_states: int = 5, min_weight: float = 0.01
) -> pd.DataFrame:
    """Random row-stochastic matrices of 2 to ``max_states`` states (weights >= min_weight)."""
    k = draw(st.integers(2, max_states))
    weights = draw(
        st.lists(
            st.lists(st.floats(min_weight, 1.0), min_size=k, max_size=k), min_size=k, max_size=k
        )
    )
    p = np.asarray(weights)
    p = p / p.sum(axis=1, keepdims=True)
    labels = [f"s{i}" for i in range(k)]
    return pd.DataFrame(p, index=labels, columns=labels)


@settings(max_examples=60, deadline=None)
@given(stochastic_matrices())
def test_steady_state_is_stationary(p):
    pi = steady_state(p)
    assert pi.sum() == pytest.approx(1.0)
    assert (pi >= 0).all()
    assert np.allclose(pi.to_numpy() @ p.to_numpy(), pi.to_numpy(), atol=1e-8)
    path = cohort_path(p, periods=3, start=p.index[0], size=50.0)
    assert np.allclose(path.table.sum(axis=1), 50.0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 5), st.sampled_from("xyz")),
             min_size=2, max_size=60, unique_by=lambda r: (r[0], r[1]))
)  # fmt: skip
def test_observed_rows_of_any_panel_sum_to_one(rows):
    panel = pd.DataFrame(rows, columns=["customer_id", "period", "state"])
    pairs = {(c, t) for c, t, _ in rows}
    if not any((c, t + 1) in pairs for c, t in pairs):
        with pytest.raises(DataValidationError, match="no move to count"):
            migration_matrix(panel, order=["x", "y", "z"])
        return
    result = migration_matrix(panel, order=["x", "y", "z"])
    shares = result.shares
    observed = result.counts.sum(axis=1) > 0
    assert np.allclose(shares[observed].sum(axis=1), 1.0)
    assert shares[~observed].isna().all().all()
    assert result.counts.to_numpy().sum() == result.n_transitions


def test_portfolio_groups_by_period_match_portfolio_groups_at_each_period_end():
    tx = random_log(seed=8, n=400, customers=80, days=600)
    end = pd.Timestamp("2024-09-30")
    result = portfolio_groups_by_period(tx, period="Q", observation_end=end, margin=0.3)
    table = result.table
    for cut, label in [(pd.Timestamp("2023-06-30"), "2023Q2"), (end, "2024Q3")]:
        direct = portfolio_groups(
            rfm_table(tx.loc[tx["date"] <= cut], observation_end=cut), margin=0.3
        ).table["group"]
        here = table.loc[table["period"].astype(str) == label].set_index("customer_id")["state"]
        assert here.astype(str).sort_index().equals(direct.sort_index().rename("state"))
        assert result.thresholds.loc[pd.Period(label, "Q"), "profitable_min_value"] > 0
    moves = migration_matrix(result)
    assert moves.states == ("at_risk", "profitable", "loyal", "potential")
    observed = moves.counts.sum(axis=1) > 0
    assert np.allclose(moves.shares[observed].sum(axis=1), 1.0)
    assert "at_risk in 2024Q3" in str(result.summary())


def test_state_values_by_hand_and_in_the_limit():
    p = pd.DataFrame([[0.5, 0.5], [0.0, 1.0]], index=["active", "lost"],
                     columns=["active", "lost"])  # fmt: skip
    # for ever at 10 %: v = 10 + 0.5 v / 1.1  ->  v = 10 / (1 - 0.5 / 1.1) = 18.33
    forever = state_values(p, {"active": 10.0}, discount_rate=0.1)
    assert forever["active"] == pytest.approx(10 / (1 - 0.5 / 1.1))
    assert forever["lost"] == 0.0
    # two periods: 10 + 0.5 * 10 / 1.1
    assert state_values(p, {"active": 10.0}, discount_rate=0.1, periods=2)["active"] == (
        pytest.approx(10 + 5 / 1.1)
    )
    long = state_values(p, {"active": 10.0}, discount_rate=0.1, periods=500)
    assert long.to_numpy() == pytest.approx(forever.to_numpy())
    with pytest.raises(ValueError, match="not in the matrix"):
        state_values(p, {"gone": 1.0}, discount_rate=0.1)
    with pytest.raises(ValueError, match="discount_rate must be > 0"):
        state_values(p, {"active": 1.0}, discount_rate=0.0)


@settings(max_examples=30, deadline=None)
@given(stochastic_matrices(), st.floats(0.01, 0.5))
def test_state_values_solve_the_bellman_equation(p, rate):
    r = pd.Series(np.arange(len(p), dtype=float), index=p.index)
    v = state_values(p, r, discount_rate=rate).to_numpy()
    assert np.allclose(v, r.to_numpy() + p.to_numpy() @ v / (1 + rate))


# ------------------------------------------------- chain_shares and plot_migration (moved here)
def test_chain_shares_drops_unreached_states_and_makes_unleft_ones_absorbing():
    panel = pd.DataFrame(
        {"customer_id": [1, 1, 2, 2, 3, 3], "period": [1, 2, 1, 2, 1, 2],
         "state": pd.Categorical(list("abaaab"), categories=["a", "b", "c"])}
    )  # fmt: skip
    moves = migration_matrix(panel)
    assert moves.shares.loc["b"].isna().all()  # b was reached but never left
    shares, note = chain_shares(moves)
    # a -> a once, a -> b twice; b absorbing; c neither reached nor left: dropped
    assert shares.to_numpy().ravel().tolist() == pytest.approx([1 / 3, 2 / 3, 0.0, 1.0])
    assert list(shares.index) == list(shares.columns) == ["a", "b"]
    assert "absorbing" in note and "['b']" in note and "dropped" in note and "['c']" in note
    assert steady_state(shares).tolist() == pytest.approx([0.0, 1.0])


def test_chain_shares_keeps_a_matrix_every_state_left():
    panel = simulate_panel(TRUE_P, n_customers=300, n_periods=4, seed=2)
    moves = migration_matrix(panel, order=LABELS)
    shares, note = chain_shares(moves)
    pd.testing.assert_frame_equal(shares, moves.shares)
    assert note.startswith("every state was left")
    with pytest.raises(TypeError, match="MigrationMatrix"):
        chain_shares(moves.shares)


def test_plot_migration_lives_in_plotting_and_the_lesson_names_re_export_it():
    import matplotlib.pyplot as plt

    assert plot_migration is lifecycle_plots.plot_migration is lesson.plot_migration
    assert lesson.chain_shares is chain_shares
    moves = migration_matrix(simulate_panel(TRUE_P, n_customers=200, n_periods=3, seed=4),
                             order=LABELS)  # fmt: skip
    fig, ax = plt.subplots()
    out = plot_migration(moves, ax=ax, title="t")
    rows = [t.get_text() for t in out.get_yticklabels()]
    cells = [float(t.get_text()) for t in out.texts if t.get_text()]
    plt.close(fig)
    assert out is ax and out.get_title() == "t"
    n_from = moves.counts.sum(axis=1)
    assert rows == [f"{s} ({n:,})" for s, n in n_from.items()]
    assert sorted(cells) == sorted(np.round(moves.shares.to_numpy().ravel() * 100).tolist())
    assert isinstance(moves, MigrationMatrix)


def test_transition_shares_and_start_distribution_check_their_input():
    moves = migration_matrix(simulate_panel(TRUE_P, n_customers=100, n_periods=3, seed=5),
                             order=LABELS)  # fmt: skip
    pd.testing.assert_frame_equal(transition_shares(moves), moves.shares)
    gap = moves.shares.copy()
    gap.loc["lost"] = np.nan
    with pytest.raises(
        DataValidationError, match=r"P: column .* has rows that are not probabilities"
    ):
        transition_shares(gap, name="P")
    got = start_distribution(pd.Series({"lost": 0.25, "new": 0.75}), LABELS)
    assert got.index.tolist() == LABELS and got.tolist() == [0.75, 0.0, 0.0, 0.25]
    with pytest.raises(ValueError, match="x names states not in the matrix"):
        start_distribution({"gone": 1.0}, LABELS, name="x")
    with pytest.raises(ValueError, match="start shares must be >= 0 and sum to 1"):
        start_distribution({"new": 1.5, "lost": -0.5}, LABELS)


@pytest.mark.parametrize(
    "module",
    ["portfolio_lib.lifecycle", "portfolio_lib.plotting.lifecycle",
     "portfolio_lib.simulate.migration", "portfolio_lib.matrix"],
)  # fmt: skip
def test_the_examples_in_the_docstrings_run(module):
    import doctest
    import importlib

    import matplotlib.pyplot as plt

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    plt.close("all")
    assert result.attempted > 0 and result.failed == 0, result


def test_migration_summary_shows_each_stay_share_with_its_interval():
    panel = pd.DataFrame(
        {"customer_id": [1, 1, 1, 2, 2], "period": [1, 2, 3, 1, 2],
         "state": pd.Categorical(list("aabbb"), categories=list("abc"))}
    )  # fmt: skip
    moves = migration_matrix(panel, confidence=0.9)
    rows = dict(moves.summary().rows)
    low, high = moves.table.loc[("a", "a"), ["ci_low", "ci_high"]]
    assert rows["stay a"] == f"50.0% ({low:.1%} to {high:.1%}; n = 2)"
    assert rows["stay c"].startswith("n/a")
    assert rows["intervals"].startswith("90% Wilson")


def test_start_distribution_reads_numbered_states_as_the_matrix_does():
    """States are compared as text: {1: 1.0} over states [1, 2] is a distribution (it was
    refused as "must sum to 1" when the keys stayed numbers while the states became text)."""
    from portfolio_lib.lifecycle import start_distribution

    start = start_distribution({1: 0.25, 2: 0.75}, [1, 2, 3])
    assert start.index.tolist() == ["1", "2", "3"]
    assert start.tolist() == [0.25, 0.75, 0.0]
    with pytest.raises(ValueError, match="not in the matrix"):
        start_distribution({4: 1.0}, [1, 2])
