"""Shifted-beta-geometric retention: published fit, projection, recovery, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from portfolio_lib import DataValidationError
from portfolio_lib.clv import ConvergenceError, ShiftedBetaGeometric

# REFERENCE.md "Shifted-beta-geometric — Fader & Hardie (2007)", "regular" segment.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]


@pytest.fixture(scope="module")
def fitted():
    return ShiftedBetaGeometric().fit(REGULAR[:8])


# REFERENCE.md "Shifted-beta-geometric": fitted on years 0-7, alpha = 0.704,
# beta = 1.182 (0.5 %), log-likelihood -1680.27 (absolute 0.01).
def test_published_parameters_and_loglik(fitted):
    assert fitted.params_["alpha"] == pytest.approx(0.704, rel=0.005)
    assert fitted.params_["beta"] == pytest.approx(1.182, rel=0.005)
    assert fitted.loglik_ == pytest.approx(-1680.27, abs=0.01)


# REFERENCE.md "Shifted-beta-geometric": the projection of years 8-12 should lie close
# to the held-out counts. Tolerance: within 3 % of each held-out count.
def test_projection_tracks_the_held_out_years(fitted):
    table = fitted.projected_customers(12)
    projected = table.loc[8:12, "expected_active"].to_numpy()
    np.testing.assert_allclose(projected, REGULAR[8:], rtol=0.03)
    assert table.loc[0:7, "observed"].tolist() == REGULAR[:8]


def test_survival_and_retention_by_hand(fitted):
    alpha, beta = fitted.params_["alpha"], fitted.params_["beta"]
    assert fitted.survival(0) == pytest.approx(1.0)
    assert fitted.survival(1) == pytest.approx(beta / (alpha + beta))
    s = [1.0]
    for t in range(1, 6):
        s.append(s[-1] * (beta + t - 1) / (alpha + beta + t - 1))
    np.testing.assert_allclose(fitted.survival(np.arange(6)), s, rtol=1e-12)
    t = np.arange(1, 6)
    np.testing.assert_allclose(fitted.retention_rate(t), np.array(s[1:]) / np.array(s[:-1]))
    assert np.all(np.diff(fitted.retention_rate(np.arange(1, 30))) > 0)  # rises with tenure


def test_discounted_expected_lifetime_equals_the_discounted_sum(fitted):
    t = np.arange(5000)
    direct = np.sum(fitted.survival(t) / 1.1**t)
    assert fitted.discounted_expected_lifetime(0.1) == pytest.approx(direct, rel=1e-10)


# Recovery: a cohort of 5000 with churn probabilities ~ Beta(0.7, 1.2), 8 periods
# observed. Tolerance: 3 log-scale standard errors.
def test_recovers_simulated_parameters():
    rng = np.random.default_rng(5)
    theta = rng.beta(0.7, 1.2, 5000)
    lifetime = rng.geometric(theta)  # period in which each customer leaves (1, 2, ...)
    survivors = [int(np.sum(lifetime > t)) for t in range(8)]
    model = ShiftedBetaGeometric().fit(survivors)
    table = model.summary().table
    for name, value in {"alpha": 0.7, "beta": 1.2}.items():
        gap = abs(np.log(table.loc[name, "estimate"] / value))
        assert gap < 3 * table.loc[name, "log_std_err"], name


def test_nobody_leaving_raises_convergence_error():
    with pytest.raises(ConvergenceError, match="nobody left"):
        ShiftedBetaGeometric().fit([100, 100, 100])
    with pytest.raises(ConvergenceError):
        ShiftedBetaGeometric().fit([100, 50, 50, 50])  # two-point mixture: not a beta


@pytest.mark.parametrize("counts", [[100, 120, 90], [100, -1], [0, 0], [100.5, 90], [100]])
def test_bad_counts_name_survivors(counts):
    with pytest.raises(DataValidationError, match="survivors"):
        ShiftedBetaGeometric().fit(counts)
