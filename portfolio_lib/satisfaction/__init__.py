"""Customer satisfaction: the course's four instruments, with their uncertainty.

Mystery shopping (:mod:`.mystery`), Net Promoter Score (:mod:`.nps`), periodic
surveys (:mod:`.surveys` for CSAT and Likert items, :mod:`.reliability` for
Cronbach's alpha, :mod:`.drivers` for key-driver analysis) and complaint analysis
(:mod:`.complaints`, :mod:`.complaint_text`); :mod:`.priorities` puts their evidence side
by side to decide what to fix first. Every headline number comes with an interval, and every
comparison with a test, so that a manager can tell a real change from noise.

Column-name arguments default to the sample company's tables
(``surveys``, ``complaints``, ``mystery_shopping``; see ``portfolio_lib.simulate``)
and can be pointed at any other data.
"""

from portfolio_lib.satisfaction.complaint_text import (
    ComplaintClassification,
    ComplaintClassifier,
    ComplaintTopics,
    complaint_topics,
    train_complaint_classifier,
)
from portfolio_lib.satisfaction.complaints import (
    ComplaintChurnLink,
    ResolutionSurvival,
    complaint_churn_link,
    complaint_pareto,
    lapse_labels,
    latest_lapse_cutoff,
    resolution_satisfaction,
    resolution_survival,
    resolution_times,
)
from portfolio_lib.satisfaction.drivers import (
    MAX_DOMINANCE_DRIVERS,
    DriverResult,
    ImportancePerformance,
    OrderedLogitResult,
    dominance_weights,
    driver_analysis,
    importance_performance,
    ordered_logit,
)
from portfolio_lib.satisfaction.mystery import (
    BranchRanking,
    MysteryWeights,
    branch_ranking,
    checklist_weights,
    mystery_scores,
    separating_items,
)
from portfolio_lib.satisfaction.nps import (
    NPSDifference,
    NPSResult,
    NPSScaleWarning,
    NPSTable,
    NPSTrend,
    nps,
    nps_by,
    nps_difference,
    nps_from_counts,
    nps_trend,
)
from portfolio_lib.satisfaction.priorities import (
    SAMPLE_COMPANY_AREAS,
    ExperiencePriorities,
    experience_priorities,
    improvement_priorities,
)
from portfolio_lib.satisfaction.reliability import (
    SATISFACTION_SCALE_ITEMS,
    AlphaResult,
    ReverseCodedItemWarning,
    cronbach_alpha,
    reverse_code,
)
from portfolio_lib.satisfaction.surveys import (
    RATING_COLUMNS,
    CSATResult,
    CSATTable,
    LikertSummary,
    csat,
    csat_by,
    likert_summary,
)

__all__ = [
    # NPS
    "NPSResult",
    "NPSDifference",
    "NPSScaleWarning",
    "NPSTable",
    "NPSTrend",
    "nps",
    "nps_from_counts",
    "nps_difference",
    "nps_by",
    "nps_trend",
    # surveys
    "RATING_COLUMNS",
    "CSATResult",
    "CSATTable",
    "LikertSummary",
    "csat",
    "csat_by",
    "likert_summary",
    # reliability
    "SATISFACTION_SCALE_ITEMS",
    "AlphaResult",
    "ReverseCodedItemWarning",
    "cronbach_alpha",
    "reverse_code",
    # drivers
    "MAX_DOMINANCE_DRIVERS",
    "DriverResult",
    "OrderedLogitResult",
    "ImportancePerformance",
    "driver_analysis",
    "dominance_weights",
    "ordered_logit",
    "importance_performance",
    # complaints
    "ComplaintClassifier",
    "ComplaintClassification",
    "ComplaintTopics",
    "ResolutionSurvival",
    "ComplaintChurnLink",
    "train_complaint_classifier",
    "complaint_topics",
    "complaint_pareto",
    "resolution_times",
    "resolution_survival",
    "resolution_satisfaction",
    "complaint_churn_link",
    "lapse_labels",
    "latest_lapse_cutoff",
    # mystery shopping
    "MysteryWeights",
    "BranchRanking",
    "checklist_weights",
    "mystery_scores",
    "branch_ranking",
    "separating_items",
    # what to fix first
    "SAMPLE_COMPANY_AREAS",
    "improvement_priorities",
    "experience_priorities",
    "ExperiencePriorities",
]
