"""Mystery shopping: weighted checklist scores, branch league table, separating items.

A mystery shopper visits a branch as an ordinary customer and fills in a
checklist of yes/no items (greeted? waited less than five minutes? offered
help?). Each visit gets a weighted score from 0 to 100; each branch the mean
over its visits. With a handful of visits per branch, neighbouring places in a
league table are usually not distinguishable: the table therefore carries an
interval for each mean and a bootstrap interval for each *rank*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, as_generator, raise_for_rows, require_columns
from portfolio_lib._progress import with_progress
from portfolio_lib._results import ResultSummary, SettingsResult, percent
from portfolio_lib.crm import MYSTERY_CHECKLIST_WEIGHTS
from portfolio_lib.satisfaction._validation import bad_value_text, check_confidence, group_keys

__all__ = [
    "MysteryWeights",
    "BranchRanking",
    "checklist_weights",
    "mystery_scores",
    "branch_ranking",
    "separating_items",
]


@dataclass(frozen=True)
class MysteryWeights:
    """Normalised checklist weights (sum to 1), keyed by item column."""

    weights: tuple[tuple[str, float], ...]

    @property
    def items(self) -> list[str]:
        """Item column names."""
        return [item for item, _ in self.weights]

    def as_series(self) -> pd.Series:
        """Weights as a Series indexed by item."""
        return pd.Series(dict(self.weights), name="weight")


def checklist_weights(weights: Mapping[str, float] | None = None) -> MysteryWeights:
    """Validate and normalise checklist weights.

    Parameters
    ----------
    weights : mapping item column → non-negative weight, optional
        Default: :data:`portfolio_lib.crm.MYSTERY_CHECKLIST_WEIGHTS`, the
        sample company's checklist. Weights are rescaled to sum to 1.

    Returns
    -------
    MysteryWeights

    Examples
    --------
    >>> checklist_weights({"item_a": 1, "item_b": 3}).as_series().tolist()
    [0.25, 0.75]
    """
    if weights is None:
        weights = MYSTERY_CHECKLIST_WEIGHTS
    if not weights:
        raise ValueError("weights must name at least one checklist item")
    values = {str(k): float(v) for k, v in weights.items()}
    bad = {k: v for k, v in values.items() if not np.isfinite(v) or v < 0}
    if bad:
        raise ValueError(f"checklist weights must be finite and non-negative; got {bad}")
    total = sum(values.values())
    if total <= 0:
        raise ValueError("checklist weights sum to 0")
    return MysteryWeights(tuple((k, v / total) for k, v in values.items()))


def _item_matrix(visits: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    require_columns(visits, items, name="mystery_shopping")
    out = {}
    for item in items:
        values = visits[item]
        if pd.api.types.is_bool_dtype(values):
            out[item] = values.astype("float64")
            continue
        numeric = (
            pd.to_numeric(values, errors="coerce")
            if not pd.api.types.is_numeric_dtype(values)
            else values.astype("float64")
        )
        bad = numeric.notna() & ~numeric.isin([0.0, 1.0]) | (numeric.isna() & values.notna())
        raise_for_rows(
            visits,
            bad,
            column=item,
            problem=f"must be 0/1 (or missing = not applicable); found "
            f"{bad_value_text(values[bad]) if bad.any() else ''}",
            name="mystery_shopping",
        )
        out[item] = numeric
    return pd.DataFrame(out, index=visits.index)


def mystery_scores(
    visits: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    visit: str = "visit_id",
    branch: str = "branch",
    missing: Literal["raise", "renormalise"] = "raise",
) -> pd.DataFrame:
    """Weighted checklist score (0–100) of each mystery-shopping visit.

    Parameters
    ----------
    visits : DataFrame
        One row per visit with 0/1 item columns.
    weights : mapping item → weight, optional
        Checklist weights (default: the sample company's
        ``MYSTERY_CHECKLIST_WEIGHTS``); normalised to sum to 1.
    visit, branch : str
        Visit id and branch columns (kept in the output).
    missing : {"raise", "renormalise"}
        Missing item values raise by default. ``"renormalise"`` treats them as
        "not applicable": the visit is scored on its applicable items with their
        weights rescaled to sum to 1.

    Returns
    -------
    DataFrame
        Same index: ``visit``, ``branch``, ``score`` (0–100) and
        ``applicable_weight`` (share of the checklist weight that was scored, 0–1).

    Examples
    --------
    >>> v = pd.DataFrame({"visit_id": [1, 2], "branch": ["x", "x"],
    ...                   "item_a": [1, 0], "item_b": [1, 1]})
    >>> mystery_scores(v, weights={"item_a": 0.5, "item_b": 0.5})["score"].tolist()
    [100.0, 50.0]
    """
    if missing not in ("raise", "renormalise"):
        raise ValueError(f"missing must be 'raise' or 'renormalise', got {missing!r}")
    w = checklist_weights(weights)
    require_columns(visits, [visit, branch], name="mystery_shopping")
    group_keys(visits, branch, "mystery_shopping", labels="branches")
    items = _item_matrix(visits, w.items)
    is_missing = items.isna()
    if missing == "raise" and is_missing.any().any():
        raise_for_rows(
            visits,
            is_missing.any(axis=1),
            column=list(items.columns[is_missing.any()]),
            problem="has missing checklist answers; pass missing='renormalise' to "
            "score visits on their applicable items",
            name="mystery_shopping",
        )
    weight_vector = w.as_series().to_numpy()
    applicable = (~is_missing.to_numpy()) @ weight_vector
    raise_for_rows(
        visits,
        applicable <= 0,
        column=w.items,
        problem="has visits with no applicable checklist item",
        name="mystery_shopping",
    )
    earned = items.fillna(0.0).to_numpy() @ weight_vector
    return pd.DataFrame(
        {
            visit: visits[visit],
            branch: visits[branch],
            "score": 100.0 * earned / applicable,
            "applicable_weight": applicable,
        },
        index=visits.index,
    )


@dataclass(frozen=True, repr=False, eq=False)
class BranchRanking(SettingsResult):
    """League table of branches with mean and rank intervals (what :func:`branch_ranking`
    returns).

    ``result["rank"]`` and ``len(result)`` reach the table directly; ``result.summary()``
    gives the branches, the visits, how many stand out and the settings.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by branch, best first: ``n_visits``, ``mean``, ``sd``, ``ci_low``,
        ``ci_high`` (score points, 0-100), ``rank`` (1 = best), ``rank_ci_low``,
        ``rank_ci_high``, ``p_value_holm`` and ``vs_network`` ("above", "below",
        "in line").
    confidence : float
        Level of the mean (t) and rank (bootstrap) intervals and of the tests.
    n_boot : int
        Bootstrap resamples behind the rank intervals.
    network_mean : float
        Mean score of all visits (score points), the reference of ``vs_network``.

    Examples
    --------
    >>> table = pd.DataFrame({"n_visits": [6, 4], "vs_network": ["above", "in line"]},
    ...                      index=pd.Index(["a", "b"], name="branch"))
    >>> result = BranchRanking(table, 0.95, 2000, 71.5)
    >>> result
    BranchRanking(2 branches, confidence=0.95, n_boot=2000, network_mean=71.5)
    >>> print(result.summary())  # doctest: +NORMALIZE_WHITESPACE
    Mystery shopping league table
    -----------------------------
    branches            2 (1 above, 0 below the network)
    visits              10
    network mean        71.50 points
    intervals           95% t (means), bootstrap of 2,000 resamples (ranks)
    """

    table: pd.DataFrame
    confidence: float
    n_boot: int
    network_mean: float
    _row_name = "branches"

    def summary(self) -> ResultSummary:
        """Branches, visits, those beyond the network mean and the interval settings."""
        counts = self.table["vs_network"].value_counts()
        rows = (
            ("branches", f"{len(self.table):,} ({int(counts.get('above', 0))} above, "
                         f"{int(counts.get('below', 0))} below the network)"),
            ("visits", f"{int(self.table['n_visits'].sum()):,}"),
            ("network mean", f"{self.network_mean:,.2f} points"),
            ("intervals", f"{percent(self.confidence)} t (means), bootstrap of "
                          f"{self.n_boot:,} resamples (ranks)"),
        )  # fmt: skip
        return ResultSummary("Mystery shopping league table", rows)


def branch_ranking(
    scores: pd.DataFrame,
    *,
    branch: str = "branch",
    score: str = "score",
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int | np.random.Generator | None = 0,
    progress: bool = False,
) -> BranchRanking:
    """League table of branches: mean score, interval, rank and rank interval.

    Parameters
    ----------
    scores : DataFrame
        One row per visit, e.g. the output of :func:`mystery_scores`.
    branch, score : str
        Column names.
    confidence : float
        Level of the mean (t) and rank (bootstrap percentile) intervals.
    n_boot : int
        Bootstrap resamples of visits within each branch for the rank interval.
    seed : int or Generator
        Randomness of the bootstrap.
    progress : bool
        Show a progress bar (tqdm, on stderr) as the branches are resampled; off by
        default, so the function prints nothing.

    Returns
    -------
    BranchRanking
        ``table`` indexed by branch, best first: ``n_visits``, ``mean``, ``sd``, ``ci_low``,
        ``ci_high`` (score points), ``rank`` (1 = best), ``rank_ci_low``,
        ``rank_ci_high``, ``p_value_holm`` (Welch t-test of the branch against all
        other visits, Holm-adjusted over branches) and ``vs_network``
        ("above", "below" or "in line"). Branches with one visit get NaN intervals.
        The result's ``confidence`` holds the level (the table's ``attrs`` too, for code
        written when the function returned the table).

    Examples
    --------
    >>> s = pd.DataFrame({"branch": list("aabb"), "score": [90.0, 80.0, 40.0, 50.0]})
    >>> branch_ranking(s, n_boot=200).table.index.tolist()
    ['a', 'b']
    """
    confidence = check_confidence(confidence)
    require_columns(scores, [branch, score], name="scores")
    raise_for_rows(
        scores, scores[branch].isna(), column=branch, problem="has missing branches", name="scores"
    )
    values = pd.to_numeric(scores[score], errors="coerce")
    raise_for_rows(
        scores, values.isna(), column=score, problem="must be numeric, not missing", name="scores"
    )
    groups = {
        key: values.loc[idx].to_numpy()
        for key, idx in scores.groupby(branch, sort=True).groups.items()
    }
    if len(groups) < 2:
        raise DataValidationError(f"scores: column {branch!r} needs at least 2 branches to rank")
    rng = as_generator(seed)
    names = list(groups)
    resampled = with_progress(
        groups.values(), progress, desc="bootstrap branch ranks", total=len(groups), unit="branch"
    )
    boot_means = np.column_stack(
        [rng.choice(v, size=(n_boot, len(v)), replace=True).mean(axis=1) for v in resampled]
    )
    boot_ranks = stats.rankdata(-boot_means, axis=1, method="average")
    tail = (1 - confidence) / 2
    all_values = values.to_numpy()
    rows, p_values = [], []
    for j, key in enumerate(names):
        v = groups[key]
        n = len(v)
        mean = v.mean()
        sd = v.std(ddof=1) if n > 1 else float("nan")
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n) if n > 1 else np.nan
        rest = np.delete(all_values, np.flatnonzero(scores[branch].to_numpy() == key))
        if n > 1 and len(rest) > 1 and (v.std() > 0 or rest.std() > 0):
            p_values.append(stats.ttest_ind(v, rest, equal_var=False).pvalue)
        else:
            p_values.append(np.nan)
        rows.append(
            {
                "n_visits": n,
                "mean": mean,
                "sd": sd,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "rank_ci_low": np.quantile(boot_ranks[:, j], tail, method="inverted_cdf"),
                "rank_ci_high": np.quantile(boot_ranks[:, j], 1 - tail, method="inverted_cdf"),
            }
        )
    table = pd.DataFrame(rows, index=pd.Index(names, name=branch))
    table.insert(5, "rank", table["mean"].rank(ascending=False, method="min").astype("int64"))
    p_values = np.array(p_values, dtype=float)
    adjusted = np.full(len(p_values), np.nan)
    tested = ~np.isnan(p_values)
    if tested.any():
        adjusted[tested] = multipletests(p_values[tested], method="holm")[1]
    table["p_value_holm"] = adjusted
    network_mean = all_values.mean()
    significant = adjusted < 1 - confidence
    table["vs_network"] = np.where(
        significant & (table["mean"] > network_mean),
        "above",
        np.where(significant & (table["mean"] < network_mean), "below", "in line"),
    )
    table = table.sort_values(["rank", "mean"], ascending=[True, False])
    table.attrs["confidence"] = confidence  # kept for code written when the table was the result
    return BranchRanking(table, confidence, int(n_boot), float(network_mean))


def separating_items(
    visits: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    branch: str = "branch",
    visit: str = "visit_id",
    share: float = 0.25,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Which checklist items separate the best branches from the worst?

    Branches are ranked by mean visit score; the top ``share`` of branches are
    "good", the bottom ``share`` "poor" (at least one each). For every item the
    pass rate of visits in good and in poor branches is compared. Because the
    groups are chosen by a score the items make up, gaps are somewhat inflated;
    ``between_branch_share`` (the share of the item's variance lying between
    branches, over all branches) does not depend on that choice.

    Parameters
    ----------
    visits : DataFrame
        One row per visit with 0/1 items (missing = not applicable).
    weights : mapping, optional
        Checklist weights (default: the sample company's).
    branch, visit : str
        Column names.
    share : float
        Share of branches in each of the good and poor groups (0 < share ≤ 0.5).
    confidence : float
        Level of the difference interval (Newcombe).

    Returns
    -------
    DataFrame
        Indexed by item, sorted by ``weighted_gap``: ``weight``, ``pass_rate_good``,
        ``pass_rate_poor``, ``gap`` (0–1) with ``gap_ci_low``/``gap_ci_high``,
        ``p_value`` (score test), ``weighted_gap`` (score points the item
        contributes to the good–poor difference) and ``between_branch_share``.

    Examples
    --------
    >>> v = pd.DataFrame({"visit_id": range(8), "branch": list("aabbccdd"),
    ...                   "item_a": [1, 1, 1, 1, 0, 0, 0, 0], "item_b": [1, 0] * 4})
    >>> separating_items(v, weights={"item_a": 1, "item_b": 1}).index[0]
    'item_a'
    """
    confidence = check_confidence(confidence)
    if not 0 < share <= 0.5:
        raise ValueError(f"share must be in (0, 0.5], got {share!r}")
    w = checklist_weights(weights)
    # rows by position: repeated index labels (two batches concatenated) are still two visits
    visits = _validate.table(visits, name="visits").reset_index(drop=True)
    scored = mystery_scores(
        visits, weights=dict(w.weights), visit=visit, branch=branch, missing="renormalise"
    )
    branch_means = scored.groupby(branch)["score"].mean().sort_values(ascending=False)
    if len(branch_means) < 2:
        raise DataValidationError(f"mystery_shopping: column {branch!r} needs at least 2 branches")
    k = max(1, int(np.floor(share * len(branch_means))))
    good = visits[branch].isin(branch_means.index[:k])
    poor = visits[branch].isin(branch_means.index[-k:])
    items = _item_matrix(visits, w.items)
    rows = {}
    for item, weight in w.weights:
        good_values = items.loc[good, item].dropna()
        poor_values = items.loc[poor, item].dropna()
        c1, n1, c0, n0 = (
            int(good_values.sum()),
            len(good_values),
            int(poor_values.sum()),
            len(poor_values),
        )
        if n1 == 0 or n0 == 0:
            low = high = p_value = np.nan
        else:
            low, high = confint_proportions_2indep(
                c1, n1, c0, n0, method="newcomb", compare="diff", alpha=1 - confidence
            )
            with np.errstate(all="ignore"):
                p_value = test_proportions_2indep(c1, n1, c0, n0, method="score").pvalue
        column = items[item].dropna()
        total_var = column.var(ddof=0)
        between = column.groupby(visits.loc[column.index, branch]).transform("mean").var(ddof=0)
        gap = c1 / n1 - c0 / n0 if n1 and n0 else np.nan
        rows[item] = {
            "weight": weight,
            "pass_rate_good": c1 / n1 if n1 else np.nan,
            "pass_rate_poor": c0 / n0 if n0 else np.nan,
            "gap": gap,
            "gap_ci_low": low,
            "gap_ci_high": high,
            "p_value": p_value,
            "weighted_gap": 100 * weight * gap,
            "between_branch_share": between / total_var if total_var > 0 else np.nan,
        }
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("item")
    return table.sort_values("weighted_gap", ascending=False)
