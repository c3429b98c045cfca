"""Lifecycle migration recovers a simulator's truth (issue 19).

Panels are drawn by :func:`portfolio_lib.simulate.migration.simulate_migration` from a KNOWN
transition matrix ``P``; :func:`migration_matrix`, :func:`steady_state` and
:func:`cohort_path` must give back ``P``, its stationary distribution and ``start @ P**k``
within their sampling error. The tolerances are derived, not tuned:

* each share's Wilson interval is computed at ``1 - ALPHA / cells`` (Bonferroni), so the
  chance that *any* cell of one panel misses the truth is at most ``ALPHA``;
* the steady state and the cohort path of the estimated matrix are compared with the truth
  within 4 delta-method standard errors (each row of moves is multinomial with ``n_i``
  trials: ``Cov(p_i) = (diag p_i - p_i' p_i) / n_i``; a perturbation ``dP`` moves the
  stationary distribution by ``pi dP Z``, ``Z = (I - P + 1 pi)^-1``, and the path
  ``x P**t`` by ``sum_s x P**s dP P**(t-1-s)``); 4 SE is a two-sided normal tail of 6e-5.

Last, lifecycle_states on a simulated company is read against the simulator's per-customer
truth (dropout and alive flag): "lost" customers are mostly truly gone, "active" ones mostly
alive, at the rates the true BG/NBD model predicts from each customer's own history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.lifecycle import cohort_path, lifecycle_states, migration_matrix, steady_state
from portfolio_lib.simulate import simulate_crm
from portfolio_lib.simulate.migration import simulate_migration

from .test_lifecycle import stochastic_matrices

#: Chance that one panel's check fails although the method is right (see the module doc).
ALPHA = 1e-3
#: Standard errors for the steady state and the path (two-sided normal tail 6e-5 per state).
N_SE = 4.0


def _frame(p: list[list[float]], labels: list[str]) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(p, dtype=float), index=labels, columns=labels)


#: Lifecycle-like chains: irreducible (comebacks from lost), with zero cells (nobody becomes
#: new again) and one with a near-absorbing state; and a two-state chain with a closed form.
LIFECYCLE = _frame(
    [
        [0.00, 0.45, 0.15, 0.30, 0.10],
        [0.00, 0.30, 0.40, 0.25, 0.05],
        [0.00, 0.10, 0.70, 0.15, 0.05],
        [0.00, 0.15, 0.10, 0.45, 0.30],
        [0.00, 0.05, 0.00, 0.05, 0.90],
    ],
    ["new", "active", "loyal", "at_risk", "lost"],
)
STICKY = _frame([[0.05, 0.90, 0.05], [0.02, 0.97, 0.01], [0.30, 0.30, 0.40]], ["x", "y", "z"])
TWO = _frame([[0.8, 0.2], [0.35, 0.65]], ["in", "out"])
CASES = [
    pytest.param(LIFECYCLE, {"new": 1.0}, 4000, 8, id="lifecycle-from-new"),
    pytest.param(STICKY, None, 3000, 5, id="sticky-uniform-start"),
    pytest.param(TWO, {"in": 0.3, "out": 0.7}, 1500, 4, id="two-states"),
]
SEEDS = [1, 17, 2024]


def _analytic_stationary(p: pd.DataFrame) -> np.ndarray:
    """pi with pi P = pi: the left eigenvector of eigenvalue 1 (independent of steady_state)."""
    values, vectors = np.linalg.eig(p.to_numpy().T)
    v = np.real(vectors[:, np.argmin(np.abs(values - 1))])
    return v / v.sum()


def _delta_se(p: np.ndarray, n_from: np.ndarray, gradients: list[np.ndarray]) -> np.ndarray:
    """SE of a function of the estimated rows: d(out) = sum_i dp_i @ gradients[i]."""
    var = np.zeros(p.shape[1])
    for i, g in enumerate(gradients):
        if n_from[i] == 0:
            continue
        cov = (np.diag(p[i]) - np.outer(p[i], p[i])) / n_from[i]
        var = var + np.diag(g.T @ cov @ g)
    return np.sqrt(var)


def _simulate(p, start, n, periods, seed):
    return simulate_migration(p, n_customers=n, periods=periods, start_shares=start, seed=seed)


# --------------------------------------------------------------------------- the simulator
def test_the_panel_has_the_shape_migration_matrix_takes():
    panel = _simulate(LIFECYCLE, {"new": 1.0}, 50, 6, seed=3)
    assert list(panel.columns) == ["customer_id", "period", "state"]
    assert len(panel) == 50 * 6 and not panel.duplicated(["customer_id", "period"]).any()
    assert list(panel["state"].cat.categories) == list(LIFECYCLE.index)
    assert panel.groupby("customer_id")["period"].apply(lambda s: s.is_monotonic_increasing).all()
    assert (panel.loc[panel["period"] == panel["period"].min(), "state"] == "new").all()
    # nobody becomes new again: P[., new] = 0 in the truth
    assert (panel.loc[panel["period"] > panel["period"].min(), "state"] != "new").all()
    moves = migration_matrix(panel)
    assert moves.states == tuple(LIFECYCLE.index)
    assert moves.n_transitions == 50 * 5
    pd.testing.assert_frame_equal(panel, _simulate(LIFECYCLE, {"new": 1.0}, 50, 6, seed=3))


def test_the_simulator_refuses_what_is_not_a_chain():
    bad = LIFECYCLE.copy()
    bad.iloc[1, 1] = 0.9  # row sums to 1.6
    with pytest.raises(DataValidationError, match="transition_matrix.*summing to 1"):
        simulate_migration(bad, 10, 3)
    with pytest.raises(DataValidationError, match="transition_matrix must be square"):
        simulate_migration(LIFECYCLE.iloc[:, :4], 10, 3)
    with pytest.raises(ValueError, match="start_shares names states not in the matrix"):
        simulate_migration(TWO, 10, 3, {"gone": 1.0})
    with pytest.raises(ValueError, match="start_shares shares must be >= 0 and sum to 1"):
        simulate_migration(TWO, 10, 3, {"in": 0.5})
    with pytest.raises(DataValidationError, match="start_shares: the index repeats"):
        simulate_migration(TWO, 10, 3, pd.Series([0.5, 0.5], index=["in", "in"]))
    with pytest.raises(ValueError, match="periods"):
        simulate_migration(TWO, 10, 1)
    with pytest.raises(ValueError, match="first_period"):
        simulate_migration(TWO, 10, 3, first_period="not a period")


# --------------------------------------------------------------------- the migration matrix
def _assert_every_share_in_its_interval(p: pd.DataFrame, panel: pd.DataFrame) -> None:
    cells = p.size
    moves = migration_matrix(panel, confidence=1 - ALPHA / cells)
    table = moves.table
    truth = p.stack().reindex(table.index).to_numpy()
    observed = moves.counts.sum(axis=1).to_numpy() > 0
    rows = np.repeat(observed, p.shape[1])
    inside = (table["ci_low"].to_numpy() <= truth + 1e-12) & (
        truth - 1e-12 <= table["ci_high"].to_numpy()
    )
    missed = table.assign(truth=truth).loc[rows & ~inside]
    assert missed.empty, f"shares outside their interval:\n{missed}"
    assert (table.loc[truth == 0, "count"] == 0).all()  # a move the chain forbids never shows


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("p", "start", "n", "periods"), CASES)
def test_migration_matrix_recovers_every_share_within_its_interval(p, start, n, periods, seed):
    _assert_every_share_in_its_interval(p, _simulate(p, start, n, periods, seed))


def test_the_interval_check_can_fail_on_the_wrong_truth():
    panel = _simulate(LIFECYCLE, {"new": 1.0}, 4000, 8, seed=1)
    wrong = LIFECYCLE.copy()
    wrong.loc["loyal", ["loyal", "at_risk"]] = [0.60, 0.25]  # 10 points moved in one row
    with pytest.raises(AssertionError, match="outside their interval"):
        _assert_every_share_in_its_interval(wrong, panel)


def test_wilson_intervals_cover_at_their_level():
    """95 % intervals over 40 panels: coverage 0.95 within 3 binomial SE of the pooled cells."""
    inside, total = 0, 0
    for seed in range(40):
        moves = migration_matrix(_simulate(STICKY, None, 300, 4, seed=seed), confidence=0.95)
        truth = STICKY.stack().reindex(moves.table.index).to_numpy()
        ok = (moves.table["ci_low"] <= truth) & (truth <= moves.table["ci_high"])
        inside, total = inside + int(ok.sum()), total + len(ok)
    rate = inside / total
    assert abs(rate - 0.95) <= 3 * np.sqrt(0.95 * 0.05 / total), rate


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(
    stochastic_matrices(max_states=4, min_weight=0.05),
    st.integers(200, 1500),
    st.integers(2, 6),
    st.integers(0, 2**31 - 1),
)
def test_random_chains_are_recovered_within_their_intervals(p, n, periods, seed):
    """Every share of a random chain (2 to 4 states, each share >= 0.05 / 3.05) in its interval."""
    panel = _simulate(p, None, n, periods, seed)
    _assert_every_share_in_its_interval(p, panel)


# ------------------------------------------------------------ steady state and cohort path
def test_steady_state_of_the_true_matrix_is_the_analytic_stationary_distribution():
    for p in (LIFECYCLE, STICKY, TWO):
        assert steady_state(p).to_numpy() == pytest.approx(_analytic_stationary(p), abs=1e-10)
    a, b = TWO.loc["in", "out"], TWO.loc["out", "in"]
    assert steady_state(TWO).tolist() == pytest.approx([b / (a + b), a / (a + b)], abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("p", "start", "n", "periods"), CASES)
def test_steady_state_of_the_estimate_is_the_true_one_within_its_error(p, start, n, periods, seed):
    moves = migration_matrix(_simulate(p, start, n, periods, seed))
    truth = _analytic_stationary(p)
    pt = p.to_numpy()
    z = np.linalg.inv(np.eye(len(pt)) - pt + np.outer(np.ones(len(pt)), truth))
    n_from = moves.counts.sum(axis=1).to_numpy()
    se = _delta_se(pt, n_from, [truth[i] * z for i in range(len(pt))])
    estimate = steady_state(moves).to_numpy()
    assert np.all(np.abs(estimate - truth) <= N_SE * se + 1e-12), (estimate, truth, se)


@pytest.mark.parametrize("k", [1, 2, 5, 12])
def test_cohort_path_of_the_true_matrix_is_start_times_p_to_the_k(k):
    start = pd.Series({"new": 0.7, "at_risk": 0.3})
    x = start.reindex(LIFECYCLE.index, fill_value=0.0).to_numpy()
    path = cohort_path(LIFECYCLE, periods=k, start=start, size=1000.0)
    for t in range(k + 1):
        expected = 1000.0 * x @ np.linalg.matrix_power(LIFECYCLE.to_numpy(), t)
        assert path.table.loc[t].to_numpy() == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_cohort_path_recovers_where_a_simulated_cohort_goes(seed):
    """A cohort that starts new: its share per state at t is start @ P**t (the truth), in the
    panel within multinomial error and in the estimated chain's path within delta-method error.
    """
    n, periods = 4000, 8
    panel = _simulate(LIFECYCLE, {"new": 1.0}, n, periods, seed)
    moves = migration_matrix(panel)
    estimated = cohort_path(moves, periods=periods - 1, start="new", size=1.0).table
    pt = LIFECYCLE.to_numpy()
    x = np.eye(len(pt))[0]
    observed = pd.crosstab(panel["period"], panel["state"], normalize="index")
    n_from = moves.counts.sum(axis=1).to_numpy()
    powers = [np.linalg.matrix_power(pt, s) for s in range(periods)]
    for t in range(1, periods):
        truth = x @ powers[t]
        binomial = np.sqrt(truth * (1 - truth) / n)
        shares = observed.iloc[t].reindex(LIFECYCLE.columns).to_numpy()
        assert np.all(np.abs(shares - truth) <= N_SE * binomial + 1e-12), (t, shares, truth)
        gradients = [sum((x @ powers[s])[i] * powers[t - 1 - s] for s in range(t))
                     for i in range(len(pt))]  # fmt: skip
        se = _delta_se(pt, n_from, gradients)
        got = estimated.loc[t].to_numpy()
        assert np.all(np.abs(got - truth) <= N_SE * se + 1e-12), (t, got, truth, se)


# -------------------------------------------------- the lifecycle's meaning on a company
def _p_alive(truth: pd.DataFrame, tx: pd.DataFrame, end: pd.Timestamp) -> pd.Series:
    """P(alive at end | own rate, own dropout probability, weeks since the last purchase).

    The simulator's BG/NBD: a customer drops out only right after a repeat purchase (with
    probability p), so one-time buyers are alive; otherwise, with gap g weeks since the last
    purchase, P = (1-p) e^(-lambda g) / ((1-p) e^(-lambda g) + p). Calendar weeks stand in for
    the simulator's seasonal operational time (+-20 % intensity, about 1 over a year).
    """
    buys = tx.loc[~tx["is_return"]]
    last = buys.groupby("customer_id")["date"].max().reindex(truth.index)
    occasions = buys.groupby("customer_id")["date"].nunique().reindex(truth.index)
    gap = (end - last).dt.days / 7.0
    p, lam = truth["dropout_prob"], truth["purchase_rate_per_week"]
    stay = (1 - p) * np.exp(-lam * gap)
    return pd.Series(np.where(occasions > 1, stay / (stay + p), 1.0), index=truth.index)


def _last_period(params: dict | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """State, true alive flag and model P(alive) of each customer in the last quarter."""
    crm = simulate_crm(n_customers=2000, seed=7, params=params)
    end = pd.Timestamp(crm.observation_end)
    truth = crm.truth.customers.set_index("customer_id")
    states = lifecycle_states(crm.transactions, period="Q", lost_after=4, observation_end=end)
    last = states.table.loc[states.table["period"] == states.table["period"].max()]
    state = last.set_index("customer_id")["state"]
    alive = truth["alive_at_end"].reindex(state.index).astype(bool)
    return state, alive, _p_alive(truth, crm.transactions, end).reindex(state.index)


def test_lost_customers_are_mostly_gone_and_active_ones_mostly_alive():
    """The meaning of the states on the default company (seed 7, not the default 42)."""
    state, alive, _ = _last_period(None)
    lost, active = alive[state == "lost"], alive[state == "active"]
    assert len(lost) >= 100 and len(active) >= 100
    # "mostly": more than half of the lost are truly gone, more than half of the active alive
    assert 1 - lost.mean() > 0.5, f"only {1 - lost.mean():.1%} of the 'lost' truly dropped out"
    assert active.mean() > 0.5, f"only {active.mean():.1%} of the 'active' customers are alive"
    # the states carry the meaning in order: the longer the silence, the fewer still alive
    buying = alive[state.isin(["new", "active", "loyal"])].mean()
    assert buying > alive[state == "at_risk"].mean() > lost.mean()
    assert lost.mean() < alive.mean() < buying


def test_lost_and_active_are_alive_at_the_rates_the_true_model_predicts():
    """Without the loyalty programme's extra purchases (effect 0, as data/README's BG/NBD
    recovery does) the purchases are the BG/NBD ones that _p_alive describes."""
    state, alive, expected = _last_period({"loyalty": {"effect": 0.0}})
    for name in ("lost", "active"):
        q, got = expected[state == name], alive[state == name].mean()
        se = np.sqrt((q * (1 - q)).sum()) / len(q)
        assert abs(got - q.mean()) <= N_SE * se, (name, got, q.mean(), se)
