"""The overridable strategy, KPIs and target for each portfolio group.

Group names in Turkish come from the glossary data (:mod:`portfolio_lib.glossary`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from portfolio_lib import _terms
from portfolio_lib.portfolio.groups import GROUPS, PortfolioGroups

#: The profitable group's retention target: (share kept, over how many days). The strategy
#: table states it per year; compare it with a retention measured over another window only
#: after :func:`portfolio_lib.portfolio.retention_over` (e.g. 0.9 a year = 0.949 over 180 days).
RETENTION_TARGET: tuple[float, int] = (0.90, 365)

_STRATEGIES = {
    "profitable": (
        "Loyalty & reward programme",
        "Sadakat ve ödül programı",
        "tiered rewards and points, VIP service, early access, a personal contact",
        "retention rate; share of revenue; gross profit per customer",
        f"keep retention >= {RETENTION_TARGET[0]:.0%} a year "
        f"(= {RETENTION_TARGET[0] ** (180 / RETENTION_TARGET[1]):.1%} over 180 days) and "
        "gross profit per customer at least stable",
    ),
    "loyal": (
        "Reward loyalty, grow the basket",
        "Sadakati ödüllendirme, sepeti büyütme",
        "points for repeat purchases, bundles, up-sell and cross-sell of higher-margin items; "
        "no blanket discounts (they cut the margin of customers who buy anyway)",
        "average order value; margin per customer; purchase frequency",
        "+10 % average order value within two quarters",
    ),
    "potential": (
        "Discounts & offers (second purchase)",
        "İndirim ve kampanya teklifleri",
        "a second-purchase discount or offer, an onboarding series, personal recommendations",
        "second-purchase rate; share moving to loyal or profitable; CAC payback",
        "30 % make a repeat purchase within 90 days",
    ),
    "at_risk": (
        "Win-back",
        _terms.turkish("win_back"),
        "personal win-back offer, ask why (survey), resolve open complaints",
        "reactivation rate; churn rate; win-back campaign return on spend",
        "reactivate 15 % within 60 days at a cost below their expected profit",
    ),
}
_STRATEGY_COLUMNS = ["strategy", "strategy_tr", "actions", "kpis", "target"]


def default_strategies() -> pd.DataFrame:
    """The default strategy per portfolio group, as an editable DataFrame.

    Rows ``profitable``, ``loyal``, ``potential``, ``at_risk`` (index ``group``); columns
    ``group_en``, ``group_tr`` (from :mod:`portfolio_lib.glossary`), ``strategy``,
    ``strategy_tr``, ``actions``, ``kpis`` and ``target``. The targets are illustrative
    starting points for a discussion, to be set by management:

    - profitable (kârlı, the most profitable): loyalty & reward programmes - keep them;
    - loyal (sadık, frequent but smaller baskets): reward the loyalty and grow the basket
      (up-/cross-sell), not discounts, which cut the margin of customers who buy anyway;
    - potential (potansiyel, low profit so far): discounts and offers towards a second
      purchase;
    - at_risk (risk altında, those leaving): win-back.

    This follows the course: rewards and loyalty programmes for the most profitable,
    discounts and offers for the low-profit, win-back for those leaving.

    Examples
    --------
    >>> default_strategies().loc["at_risk", "strategy"]
    'Win-back'
    """
    rows = [
        {
            "group": group,
            "group_en": _terms.term(GROUPS[group]).english,
            "group_tr": _terms.turkish(GROUPS[group]),
            **dict(zip(_STRATEGY_COLUMNS, _STRATEGIES[group], strict=True)),
        }
        for group in ("profitable", "loyal", "potential", "at_risk")
    ]
    return pd.DataFrame(rows).set_index("group")


def strategy_table(
    groups: PortfolioGroups | None = None,
    *,
    strategies: pd.DataFrame | Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Strategy, KPIs and target per group, with the group's size and value when given.

    Parameters
    ----------
    groups : PortfolioGroups, optional
        Adds ``n_customers``, ``share_customers`` and ``share_value`` per group.
    strategies : pandas.DataFrame or mapping, optional
        Overrides of :func:`default_strategies`, by group (index or mapping key) and column;
        cells not given keep their default. Unknown groups or columns raise ``ValueError``.

    Raises
    ------
    TypeError
        ``groups`` is not a :class:`PortfolioGroups` or ``strategies`` neither a DataFrame
        nor a mapping.

    Examples
    --------
    >>> t = strategy_table(strategies={"loyal": {"target": "+5 % basket"}})
    >>> t.loc["loyal", "target"], t.loc["loyal", "group_tr"]
    ('+5 % basket', 'Sadık müşteriler')
    """
    if groups is not None and not isinstance(groups, PortfolioGroups):
        raise TypeError(
            f"groups must be a PortfolioGroups (from portfolio_groups), got {type(groups).__name__}"
        )
    if strategies is not None and not isinstance(strategies, pd.DataFrame | Mapping):
        raise TypeError(
            "strategies must be a DataFrame or a mapping group -> {column: text}, got "
            f"{type(strategies).__name__}"
        )
    table = default_strategies()
    if strategies is not None:
        override = (
            strategies.copy()
            if isinstance(strategies, pd.DataFrame)
            else pd.DataFrame.from_dict(dict(strategies), orient="index")
        )
        if "group" in override.columns:
            override = override.set_index("group")
        bad_groups = override.index.difference(table.index)
        bad_columns = override.columns.difference(table.columns)
        if len(bad_groups) or len(bad_columns):
            raise ValueError(
                f"strategies: unknown group(s) {list(bad_groups)} or column(s) "
                f"{list(bad_columns)}; groups are {list(table.index)}, columns {list(table.columns)}"
            )
        for group, row in override.iterrows():
            for column, cell in row.items():
                if pd.notna(cell):
                    table.loc[group, column] = cell
    if groups is not None:
        summary = groups.summary()
        for column in ("n_customers", "share_customers", "share_value"):
            table[column] = summary[column].reindex(table.index)
    return table
