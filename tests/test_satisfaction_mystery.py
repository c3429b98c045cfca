"""Mystery shopping: weighted visit scores, branch league table, separating items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from portfolio_lib import DataValidationError
from portfolio_lib.satisfaction import (
    branch_ranking,
    checklist_weights,
    mystery_scores,
    separating_items,
)

WEIGHTS = {"item_a": 2.0, "item_b": 1.0, "item_c": 1.0}


def visits_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "visit_id": ["v1", "v2", "v3", "v4"],
            "branch": ["x", "x", "y", "y"],
            "item_a": [1, 0, 1, 1],
            "item_b": [1, 1, 0, 1],
            "item_c": [0, 1, 0, 1],
        }
    )


def test_weights_are_normalised():
    w = checklist_weights(WEIGHTS)
    assert w.as_series().to_dict() == {"item_a": 0.5, "item_b": 0.25, "item_c": 0.25}
    with pytest.raises(ValueError, match="non-negative"):
        checklist_weights({"item_a": -1.0})
    with pytest.raises(ValueError, match="sum to 0"):
        checklist_weights({"item_a": 0.0})


def test_default_weights_are_the_sample_company_checklist():
    from portfolio_lib.simulate import MYSTERY_CHECKLIST_WEIGHTS

    w = checklist_weights()
    total = sum(MYSTERY_CHECKLIST_WEIGHTS.values())
    assert w.as_series().to_dict() == pytest.approx(
        {k: v / total for k, v in MYSTERY_CHECKLIST_WEIGHTS.items()}
    )


def test_visit_scores_by_hand():
    scores = mystery_scores(visits_frame(), weights=WEIGHTS)
    # v1: a + b = 0.5 + 0.25; v2: b + c; v3: a; v4: all
    assert scores["score"].tolist() == pytest.approx([75.0, 50.0, 50.0, 100.0])
    assert scores["applicable_weight"].tolist() == pytest.approx([1.0] * 4)
    assert list(scores.columns) == ["visit_id", "branch", "score", "applicable_weight"]


def test_not_applicable_items_renormalise():
    visits = visits_frame().astype({"item_c": "float64"})
    visits.loc[0, "item_c"] = np.nan  # v1: c not applicable -> (0.5 + 0.25) / 0.75
    with pytest.raises(DataValidationError, match=r"item_c.*renormalise"):
        mystery_scores(visits, weights=WEIGHTS)
    scores = mystery_scores(visits, weights=WEIGHTS, missing="renormalise")
    assert scores["score"].iloc[0] == pytest.approx(100.0)
    assert scores["applicable_weight"].iloc[0] == pytest.approx(0.75)


def test_mystery_scores_bad_input_names_column():
    bad = visits_frame().assign(item_b=[1, 2, 0, 1])
    with pytest.raises(DataValidationError, match=r"column item_b.*0/1.*2"):
        mystery_scores(bad, weights=WEIGHTS)
    with pytest.raises(DataValidationError, match=r"missing required column.*'item_c'"):
        mystery_scores(visits_frame().drop(columns="item_c"), weights=WEIGHTS)
    with pytest.raises(DataValidationError, match="column branch"):
        mystery_scores(visits_frame().assign(branch=["x", None, "y", "y"]), weights=WEIGHTS)


def league_data(seed: int = 0) -> tuple[pd.DataFrame, dict[str, float]]:
    rng = np.random.default_rng(seed)
    quality = {"best": 90.0, "good": 75.0, "mid_1": 60.0, "mid_2": 58.0, "poor": 35.0}
    rows = [
        (branch, float(np.clip(rng.normal(mu, 8), 0, 100)))
        for branch, mu in quality.items()
        for _ in range(15)
    ]
    return pd.DataFrame(rows, columns=["branch", "score"]), quality


def test_branch_ranking_table():
    scores, quality = league_data()
    result = branch_ranking(scores, n_boot=500, seed=1)
    assert (result.confidence, result.n_boot) == (0.95, 500)
    assert result.network_mean == pytest.approx(scores["score"].mean())
    table = result.table
    assert list(table.index[:2]) == ["best", "good"] and table.index[-1] == "poor"
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]
    for branch, part in scores.groupby("branch"):
        values = part["score"].to_numpy()
        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
        assert table.loc[branch, "mean"] == pytest.approx(values.mean())
        assert table.loc[branch, "ci_low"] == pytest.approx(values.mean() - half)
    # the two middle branches are indistinguishable: their rank intervals overlap
    assert table.loc["mid_1", "rank_ci_high"] >= table.loc["mid_2", "rank_ci_low"]
    assert table.loc["best", "rank_ci_high"] == 1
    assert table.loc["best", "vs_network"] == "above"
    assert table.loc["poor", "vs_network"] == "below"
    again = branch_ranking(scores, n_boot=500, seed=1)
    pd.testing.assert_frame_equal(table, again.table)


def test_branch_ranking_bad_input():
    with pytest.raises(DataValidationError, match="at least 2 branches"):
        branch_ranking(pd.DataFrame({"branch": ["a", "a"], "score": [1.0, 2.0]}))
    with pytest.raises(DataValidationError, match="column score"):
        branch_ranking(pd.DataFrame({"branch": ["a", "b"], "score": [1.0, None]}))


def test_separating_items_finds_the_differentiating_item():
    rng = np.random.default_rng(3)
    rows = []
    for b in range(8):
        good = b < 4
        for v in range(20):
            rows.append(
                {
                    "visit_id": f"{b}-{v}",
                    "branch": f"B{b}",
                    # item_a: passes in good branches far more often; item_b, item_c: same everywhere
                    "item_a": int(rng.random() < (0.9 if good else 0.2)),
                    "item_b": int(rng.random() < 0.7),
                    "item_c": int(rng.random() < 0.5),
                }
            )
    visits = pd.DataFrame(rows)
    table = separating_items(visits, weights=WEIGHTS)
    assert table.index[0] == "item_a"
    assert table.loc["item_a", "gap_ci_low"] > 0.4
    assert table.loc["item_a", "p_value"] < 1e-6
    assert table.loc["item_a", "weighted_gap"] == pytest.approx(50 * table.loc["item_a", "gap"])
    assert (
        table.loc["item_a", "between_branch_share"]
        > 5 * table.loc["item_c", "between_branch_share"]
    )
    # pass rates by hand: good = top quarter of branches (2 of 8) by weighted score
    by_hand = visits.assign(
        score=100 * (0.5 * visits.item_a + 0.25 * visits.item_b + 0.25 * visits.item_c)
    )
    ranked = by_hand.groupby("branch")["score"].mean().sort_values(ascending=False).index
    good_rate = visits.loc[visits.branch.isin(ranked[:2]), "item_b"].mean()
    poor_rate = visits.loc[visits.branch.isin(ranked[-2:]), "item_b"].mean()
    assert table.loc["item_b", "pass_rate_good"] == pytest.approx(good_rate)
    assert table.loc["item_b", "pass_rate_poor"] == pytest.approx(poor_rate)
    with pytest.raises(ValueError, match="share"):
        separating_items(visits, weights=WEIGHTS, share=0.8)
