"""Customer portfolio: value x loyalty, groups, concentration, KPIs and a strategy per group.

- :func:`value_loyalty_matrix`: Reinartz & Kumar's (2002) grid of true friends, butterflies,
  barnacles and strangers.
- :func:`portfolio_groups`: the course's four groups, profitable / loyal / potential / at-risk,
  from documented thresholds.
- Concentration: :func:`pareto_table`, :func:`lorenz_curve`, :func:`gini`.
- KPIs: :func:`retention_rate` and :func:`churn_rate` with Wilson intervals,
  :func:`cohort_retention`, :func:`cac_by_channel`, :func:`profit_per_customer`,
  :func:`profit_by_segment`; one name per KPI: :func:`gross_profit_per_customer` vs
  :func:`net_profit_per_customer`, and :func:`retention_over` (annual <-> 180-day retention).
- :func:`strategy_table`: the overridable strategy, KPIs and target for each group, with the
  Turkish group names of :mod:`portfolio_lib.glossary`.
- :func:`kpi_dashboard`: the KPIs per segment in one table (a :class:`KPIDashboard`).
- Segmentation into decisions: :func:`discount_by_segment` (price: discount depth against
  margin and the break-even lift), :func:`cost_to_serve` (service level) and
  :func:`touchpoints_by_segment` (the journey funnel per group).

Money is in the currency units of the input; ``margin`` is always an explicit argument
(a fraction of revenue, e.g. 0.3 for a 30 % gross margin).

Modules
-------
- :mod:`~portfolio_lib.portfolio.matrix`: value x loyalty (:data:`QUADRANTS`).
- :mod:`~portfolio_lib.portfolio.groups`: the four portfolio groups (:data:`GROUPS`).
- :mod:`~portfolio_lib.portfolio.concentration`: Pareto table, Lorenz curve, Gini.
- :mod:`~portfolio_lib.portfolio.kpis`: retention, churn, cohorts, CAC, profit.
- :mod:`~portfolio_lib.portfolio.strategy`: the strategy table per group.
- :mod:`~portfolio_lib.portfolio.dashboard`: :func:`kpi_dashboard` (:data:`KPI_LABELS`).
- :mod:`~portfolio_lib.portfolio.targeting`: :func:`call_list`, ranked by expected saved value.
- :mod:`~portfolio_lib.portfolio.levers`: price, service level and touchpoints per segment.
"""

from portfolio_lib.portfolio.concentration import LorenzCurve, gini, lorenz_curve, pareto_table
from portfolio_lib.portfolio.dashboard import KPI_LABELS, KPIDashboard, kpi_dashboard
from portfolio_lib.portfolio.groups import GROUPS, PortfolioGroups, portfolio_groups
from portfolio_lib.portfolio.kpis import (
    CohortRetention,
    RateEstimate,
    cac_by_channel,
    churn_rate,
    cohort_retention,
    gross_profit_per_customer,
    net_profit_per_customer,
    profit_by_segment,
    profit_per_customer,
    retention_over,
    retention_rate,
)
from portfolio_lib.portfolio.levers import (
    DEFAULT_UNIT_COSTS,
    CostToServe,
    DiscountBySegment,
    TouchpointsBySegment,
    break_even_lift,
    cost_to_serve,
    discount_by_segment,
    touchpoints_by_segment,
)
from portfolio_lib.portfolio.matrix import QUADRANTS, ValueLoyalty, value_loyalty_matrix
from portfolio_lib.portfolio.strategy import RETENTION_TARGET, default_strategies, strategy_table
from portfolio_lib.portfolio.targeting import CallList, call_list
from portfolio_lib.portfolio.value_proposition import (
    PERCEIVED_SCALES,
    QUADRANT_ACTIONS,
    ValueProposition,
    value_proposition,
)

__all__ = [
    "ValueLoyalty",
    "PortfolioGroups",
    "LorenzCurve",
    "RateEstimate",
    "CohortRetention",
    "QUADRANTS",
    "GROUPS",
    "value_loyalty_matrix",
    "portfolio_groups",
    "pareto_table",
    "lorenz_curve",
    "gini",
    "retention_rate",
    "churn_rate",
    "cohort_retention",
    "cac_by_channel",
    "profit_per_customer",
    "gross_profit_per_customer",
    "net_profit_per_customer",
    "retention_over",
    "profit_by_segment",
    "RETENTION_TARGET",
    "default_strategies",
    "strategy_table",
    "KPI_LABELS",
    "KPIDashboard",
    "kpi_dashboard",
    "CallList",
    "call_list",
    "DiscountBySegment",
    "discount_by_segment",
    "break_even_lift",
    "CostToServe",
    "cost_to_serve",
    "DEFAULT_UNIT_COSTS",
    "TouchpointsBySegment",
    "touchpoints_by_segment",
    "PERCEIVED_SCALES",
    "QUADRANT_ACTIONS",
    "ValueProposition",
    "value_proposition",
]
