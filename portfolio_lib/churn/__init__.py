"""Churn: which customers are at risk of leaving, and how well can we tell?

Three steps, each in its own module::

    from portfolio_lib import churn
    split = churn.churn_time_split(crm.transactions, crm.touchpoints, crm.surveys,
                                   crm.complaints, crm.customers, window_days=180)
    logit = churn.ChurnLogit().fit(split.train)          # odds ratios with intervals
    trees = churn.ChurnBoosting(seed=0).fit(split.train)
    churn.roc_auc(split.test.label, trees.predict_proba(split.test))
    churn.gains_table(split.test.label, trees.predict_proba(split.test))

* :mod:`.features` - at-risk signals up to a cut-off and the label after it (leakage rules);
* :mod:`.models` - logistic regression, gradient boosting, BG/NBD ``1 - P(alive)`` baseline;
* :mod:`.evaluation` - ROC AUC (DeLong / bootstrap), DeLong comparison, calibration, lift and
  gains;
* :mod:`.comparison` - all models on one time-based split, in one table;
* :mod:`.period` - a data set's default cut-off and windows (:func:`churn_period`) and features
  from whichever signal tables it has (:func:`crm_time_split`, :func:`crm_churn_features`).
"""

from portfolio_lib.churn.comparison import ChurnComparison, compare_churn_models
from portfolio_lib.churn.evaluation import (
    AUCComparison,
    AUCResult,
    calibration_table,
    compare_scores,
    delong_test,
    gains_table,
    roc_auc,
)
from portfolio_lib.churn.features import (
    FEATURE_DESCRIPTIONS,
    ChurnFeatures,
    ChurnSplit,
    churn_features,
    churn_time_split,
)
from portfolio_lib.churn.models import (
    LOG2_FEATURES,
    BGNBDChurnScores,
    ChurnBoosting,
    ChurnLogit,
    bgnbd_churn_scores,
)
from portfolio_lib.churn.period import (
    DEFAULT_WINDOW_DAYS,
    SIGNAL_SOURCES,
    ChurnPeriod,
    churn_period,
    crm_churn_features,
    crm_time_split,
)

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "FEATURE_DESCRIPTIONS",
    "LOG2_FEATURES",
    "AUCComparison",
    "AUCResult",
    "BGNBDChurnScores",
    "ChurnBoosting",
    "ChurnComparison",
    "ChurnFeatures",
    "ChurnLogit",
    "ChurnPeriod",
    "ChurnSplit",
    "SIGNAL_SOURCES",
    "bgnbd_churn_scores",
    "calibration_table",
    "churn_features",
    "churn_period",
    "churn_time_split",
    "compare_churn_models",
    "compare_scores",
    "crm_churn_features",
    "crm_time_split",
    "delong_test",
    "gains_table",
    "roc_auc",
]
