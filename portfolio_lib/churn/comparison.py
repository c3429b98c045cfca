"""Fit the churn models on a time-based split and compare them with the BG/NBD baseline.

One call for the chapter's question "which customers are at risk of leaving, and how well
can we tell?": the logistic regression and gradient boosting are fitted on the training
window, BG/NBD on the purchases before the test cut-off, and all are scored on the later,
unseen test window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib.churn.evaluation import compare_scores
from portfolio_lib.churn.features import ChurnSplit
from portfolio_lib.churn.models import (
    BGNBDChurnScores,
    ChurnBoosting,
    ChurnLogit,
    bgnbd_churn_scores,
)

__all__ = ["ChurnComparison", "compare_churn_models"]


@dataclass(frozen=True)
class ChurnComparison:
    """Fitted churn models and their scores on the test window.

    Attributes
    ----------
    table : pandas.DataFrame
        :func:`~portfolio_lib.churn.evaluation.compare_scores` on the test label, baseline
        ``bgnbd_p_dead`` (rows ``bgnbd_p_dead``, ``bgnbd_p_no_purchase``, ``logit``,
        ``boosting``).
    scores : pandas.DataFrame
        Per test customer: the four scores and the label ``churned``.
    logit : ChurnLogit
    boosting : ChurnBoosting
    baseline : BGNBDChurnScores
    """

    table: pd.DataFrame
    scores: pd.DataFrame
    logit: ChurnLogit
    boosting: ChurnBoosting
    baseline: BGNBDChurnScores


def compare_churn_models(
    split: ChurnSplit,
    transactions: pd.DataFrame,
    *,
    seed: int | np.random.Generator | None = 0,
    confidence: float = 0.95,
) -> ChurnComparison:
    """Fit logit and boosting on ``split.train``, BG/NBD before the test cut-off; compare.

    Parameters
    ----------
    split : ChurnSplit
        From :func:`~portfolio_lib.churn.features.churn_time_split`.
    transactions : pandas.DataFrame
        The transaction log the split was built from (for BG/NBD).
    seed : int or numpy.random.Generator
        Randomness of the boosting model.
    confidence : float
        Level of the AUC intervals.

    Returns
    -------
    ChurnComparison
        The AUC table of the four scores against the test label (BG/NBD baseline first), the
        scores per test customer and the three fitted models.

    Raises
    ------
    TypeError
        ``split`` is not a :class:`~portfolio_lib.churn.features.ChurnSplit`.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> from portfolio_lib.churn import churn_time_split
    >>> crm = simulate_crm(n_customers=600, seed=3)
    >>> split = churn_time_split(crm.transactions, crm.touchpoints, window_days=180)
    >>> table = compare_churn_models(split, crm.transactions).table
    >>> list(table.index), bool(table["auc"].between(0.5, 1).all())
    (['bgnbd_p_dead', 'bgnbd_p_no_purchase', 'logit', 'boosting'], True)
    """
    if not isinstance(split, ChurnSplit):
        raise TypeError(
            f"split must be a ChurnSplit (from churn_time_split or crm_time_split), got "
            f"{type(split).__name__}"
        )
    test = split.test
    if test.label is None:
        raise ValueError("split.test has no label: build it with churn_time_split")
    logit = ChurnLogit().fit(split.train)
    boosting = ChurnBoosting(seed=seed).fit(split.train)
    baseline = bgnbd_churn_scores(
        transactions,
        cutoff=test.cutoff,
        window_days=test.window_days,
        index=test.features.index,
        customer_col=test.features.index.name or "customer_id",
    )
    scores = pd.DataFrame(
        {
            "bgnbd_p_dead": baseline.scores["p_dead"],
            "bgnbd_p_no_purchase": baseline.scores["p_no_purchase"],
            "logit": logit.predict_proba(test),
            "boosting": boosting.predict_proba(test),
        }
    )
    table = compare_scores(
        test.label, {c: scores[c] for c in scores.columns}, baseline="bgnbd_p_dead",
        confidence=confidence,
    )  # fmt: skip
    return ChurnComparison(table, scores.assign(churned=test.label), logit, boosting, baseline)
