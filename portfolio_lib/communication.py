"""Communication plan per portfolio group, and the feedback loop of targets vs actuals.

The course's communication strategy (iletişim stratejisi) in two steps:

1. :func:`communication_plan`: each portfolio group gets plan *lines* - a message sent on a
   channel at a cadence (contacts per period), each tied to one KPI and its target. A line
   reaches a customer only where the customer consented to the channel, and no customer gets
   more than ``max_contacts`` contacts per period (contact pressure): lines beyond the limit
   are cut, lowest priority first. Every customer-line pair is kept with its status
   (``planned``, ``no consent``, ``over pressure limit``), so nothing disappears.
2. :func:`kpi_tracker`: period by period, each line's actual KPI against its target (with
   the interval of the actual, e.g. from :func:`portfolio_lib.campaigns.ab_test` through
   :func:`ab_actual`), and what the documented adjustment rule does next:

   * **hit** - the actual reaches the target: keep the line as it is;
   * **undecided** - the actual is below target but its interval reaches it: keep the line
     and collect another period of data (no change on noise);
   * **miss** - the whole interval lies below the target: up to ``max_misses - 1`` misses in
     a row, raise the cadence by ``step`` contacts per period (if the pressure limit allows,
     else change the message); at ``max_misses`` misses in a row, replace the line (stop
     it, and design a new message or offer). A hit ends a run of misses; an undecided
     period neither ends nor extends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._counts import real_number, whole_number
from portfolio_lib._errors import DataValidationError, raise_for_rows
from portfolio_lib._results import ResultSummary, SettingsResult
from portfolio_lib.campaigns import ABTestResult
from portfolio_lib.portfolio import PortfolioGroups

__all__ = [
    "PLAN_COLUMNS",
    "default_plan",
    "CommunicationPlan",
    "communication_plan",
    "KPITracker",
    "kpi_tracker",
    "ab_actual",
]

#: The columns of a plan (one row per line).
PLAN_COLUMNS = ("line", "group", "message", "channel", "cadence", "kpi", "target", "priority")

_DEFAULT_LINES = [
    ("vip_access", "profitable", "VIP early access and a personal contact", "email", 1.0,
     "retention_rate", 0.90, 1),
    ("points_statement", "profitable", "points statement and rewards", "app", 1.0,
     "redemption_rate", 0.30, 2),
    ("bundle_offer", "loyal", "bundle / cross-sell offer on higher-margin items", "email", 1.0,
     "response_rate", 0.10, 1),
    ("points_reminder", "loyal", "points for the next purchase", "sms", 1.0,
     "repeat_purchase_rate", 0.40, 2),
    ("second_purchase", "potential", "second-purchase offer", "email", 1.0,
     "repeat_purchase_rate", 0.30, 1),
    ("onboarding", "potential", "onboarding series and recommendations", "app", 2.0,
     "response_rate", 0.05, 2),
    ("win_back", "at_risk", "personal win-back offer", "email", 1.0, "reactivation_rate",
     0.15, 1),
    ("why_survey", "at_risk", "ask why (short survey), resolve open complaints", "sms", 0.5,
     "survey_response_rate", 0.10, 2),
]  # fmt: skip


def default_plan() -> pd.DataFrame:
    """An illustrative plan: two lines per portfolio group, as an editable DataFrame.

    Columns :data:`PLAN_COLUMNS`: ``line`` (id), ``group`` (portfolio group), ``message``,
    ``channel``, ``cadence`` (contacts per period), ``kpi`` (what the line is judged by),
    ``target`` (the KPI's target, a share 0-1 here) and ``priority`` (1 = kept first under the
    pressure limit). The lines follow :func:`portfolio_lib.portfolio.default_strategies`:
    rewards for the profitable, basket growth for the loyal, a second purchase for the
    potential, win-back for those at risk. The targets are starting points for management.

    Examples
    --------
    >>> default_plan().set_index("line").loc["win_back", ["channel", "kpi"]].tolist()
    ['email', 'reactivation_rate']
    """
    return pd.DataFrame(_DEFAULT_LINES, columns=list(PLAN_COLUMNS))


def _plan(plan: pd.DataFrame | None) -> pd.DataFrame:
    """The plan lines, checked: columns present, ids unique, cadence and target numbers."""
    if plan is None:
        return default_plan()
    plan = _validate.table(plan, name="plan", columns=PLAN_COLUMNS)
    for col in ("line", "group", "channel", "kpi"):
        raise_for_rows(plan, plan[col].isna(), column=col, problem="must not be missing",
                       name="plan")  # fmt: skip
    raise_for_rows(plan, plan["line"].duplicated(keep=False), column="line",
                   problem="repeats a line id", name="plan")  # fmt: skip
    for col in ("cadence", "target", "priority"):
        _validate.numeric(plan, col, name="plan")
    raise_for_rows(plan, plan["cadence"] <= 0, column="cadence",
                   problem="must be > 0 contacts per period", name="plan")  # fmt: skip
    return plan.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The plan per customer
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class CommunicationPlan(SettingsResult):
    """Which plan line reaches which customer (what :func:`communication_plan` returns).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per customer and line of their group: ``customer_id``, ``group``, ``line``,
        ``message``, ``channel``, ``cadence`` (contacts per period), ``kpi``, ``target``,
        ``priority`` and ``status`` (``planned``, ``no consent``, ``over pressure limit``).
    lines : pandas.DataFrame
        Per line (index ``line``): the plan columns and ``customers`` (in the group),
        ``planned`` (reached), ``no_consent``, ``over_limit`` and ``contacts_per_period``
        (planned customers x cadence).
    max_contacts : float
        The contact-pressure limit: contacts per customer per period.
    unplanned : pandas.Series
        The group of each customer whose group has no line in the plan (index: customer
        id); they get no contact and are listed here rather than dropped.
    """

    table: pd.DataFrame
    lines: pd.DataFrame
    max_contacts: float
    unplanned: pd.Series = field(default_factory=lambda: pd.Series(dtype=object), repr=False)
    _row_name = "customer-lines"

    def contacts(self) -> pd.Series:
        """Planned contacts per period per customer (0 for customers nothing reaches, those
        of groups without a line included)."""
        planned = self.table.loc[self.table["status"] == "planned"]
        per = planned.groupby("customer_id")["cadence"].sum()
        everyone = pd.Index(self.table["customer_id"].unique()).append(self.unplanned.index)
        return per.reindex(everyone, fill_value=0.0)

    def summary(self) -> ResultSummary:
        """Customers, contacts per period and what consent and the limit held back."""
        status = self.table["status"].value_counts()
        per = self.contacts()
        rows = (
            ("customers", f"{len(per):,}"),
            ("plan lines", f"{len(self.lines):,}"),
            ("planned contacts per period", f"{per.sum():,.1f} (max per customer "
                                            f"{per.max():g}, limit {self.max_contacts:g})"),
            ("customers of groups without a line", f"{len(self.unplanned):,}"),
            ("customer-lines planned", f"{int(status.get('planned', 0)):,}"),
            ("held back: no consent", f"{int(status.get('no consent', 0)):,}"),
            ("held back: pressure limit", f"{int(status.get('over pressure limit', 0)):,}"),
        )  # fmt: skip
        return ResultSummary("Communication plan", rows)


def _group_labels(groups: object) -> pd.Series:
    """Per-customer group labels from PortfolioGroups, a Series, or a frame's ``group``."""
    if isinstance(groups, PortfolioGroups):
        groups = groups.table["group"]
    elif isinstance(groups, pd.DataFrame):
        _validate.table(groups, name="groups", columns=["group"])
        groups = groups["group"]
    series = _validate.one_dimensional(groups, name="groups")
    if not isinstance(series, pd.Series):
        raise DataValidationError("groups must be indexed by customer: pass a pandas Series")
    _validate.unique_index(series, name="groups")
    frame = series.rename("group").to_frame()
    raise_for_rows(frame, series.isna(), column="group", problem="must not be missing",
                   name="groups")  # fmt: skip
    return series.rename("group")


def communication_plan(
    groups: PortfolioGroups | pd.Series | pd.DataFrame,
    *,
    plan: pd.DataFrame | None = None,
    consent: pd.DataFrame | None = None,
    consent_cols: Mapping[str, str] | None = None,
    max_contacts: float = 3.0,
) -> CommunicationPlan:
    """Assign the plan's lines to customers, within consent and the contact-pressure limit.

    Parameters
    ----------
    groups : PortfolioGroups, pandas.Series or pandas.DataFrame
        The portfolio group of each customer (index: customer id), e.g.
        :func:`portfolio_lib.portfolio.portfolio_groups`, or a frame with a ``group`` column.
    plan : pandas.DataFrame, optional
        The lines (:data:`PLAN_COLUMNS`); default :func:`default_plan`. Customers of a group
        without a line get no contact; they are listed in ``unplanned``.
    consent : pandas.DataFrame, optional
        Per customer (index: customer id), one boolean column per channel (True = may be
        contacted). Default: everyone consents to every channel. A channel of a line that
        reaches these groups without a consent column raises.
    consent_cols : mapping, optional
        Channel -> consent column; default ``"consent_<channel>"``.
    max_contacts : float
        Contacts per customer per period at most (> 0). A customer's lines are taken in
        ``priority`` order (then plan order) and a line that would pass the limit is cut.

    Returns
    -------
    CommunicationPlan

    Examples
    --------
    >>> groups = pd.Series(["at_risk", "loyal"], index=["a", "b"])
    >>> consent = pd.DataFrame({"consent_email": [True, False], "consent_sms": [True, True]},
    ...                        index=["a", "b"])
    >>> p = communication_plan(groups, consent=consent, max_contacts=1.0)
    >>> p.table[["customer_id", "line", "status"]].values.tolist()
    [['a', 'win_back', 'planned'], ['a', 'why_survey', 'over pressure limit'], ['b', 'bundle_offer', 'no consent'], ['b', 'points_reminder', 'planned']]
    """
    lines = _plan(plan)
    labels = _group_labels(groups)
    limit = real_number(max_contacts, "max_contacts", 0, strict=True)
    assigned = (
        labels.rename_axis("customer_id")
        .reset_index()
        .merge(lines.reset_index(names="order"), on="group", how="inner")
        .sort_values(["customer_id", "priority", "order"], kind="stable")
        .reset_index(drop=True)
    )
    if consent is None:
        allowed = np.ones(len(assigned), dtype=bool)
    else:
        consent = _validate.unique_index(_validate.table(consent, name="consent"),
                                         name="consent")  # fmt: skip
        cols = {
            ch: (consent_cols or {}).get(ch, f"consent_{ch}") for ch in assigned["channel"].unique()
        }
        _validate.table(consent, name="consent", columns=sorted(set(cols.values())))
        missing = labels.index.difference(consent.index)
        if len(missing):
            raise DataValidationError(
                f"consent has no row for {len(missing)} customer(s) of groups, e.g. "
                f"{list(missing[:5])}; give every customer a consent row"
            )
        allowed = np.zeros(len(assigned), dtype=bool)
        for channel, col in cols.items():
            flags = consent[col]
            raise_for_rows(consent, ~flags.isin([True, False]), column=col,
                           problem="must be True/False", name="consent")  # fmt: skip
            here = (assigned["channel"] == channel).to_numpy()
            allowed[here] = flags.reindex(assigned.loc[here, "customer_id"]).astype(bool)
    cadence = assigned["cadence"].to_numpy(float)
    customer = assigned["customer_id"].to_numpy()
    status = np.where(allowed, "planned", "no consent").astype(object)
    used = 0.0
    for i in range(len(assigned)):  # greedy, in priority order within each customer
        if i == 0 or customer[i] != customer[i - 1]:
            used = 0.0
        if allowed[i]:
            if used + cadence[i] <= limit + 1e-12:
                used += cadence[i]
            else:
                status[i] = "over pressure limit"
    assigned["status"] = status
    table = assigned.drop(columns="order")
    counts = pd.crosstab(table["line"], table["status"]).reindex(
        columns=["planned", "no consent", "over pressure limit"], fill_value=0
    )
    summary = lines.set_index("line")
    summary["customers"] = table.groupby("line").size().reindex(summary.index, fill_value=0)
    summary["planned"] = counts["planned"].reindex(summary.index, fill_value=0)
    summary["no_consent"] = counts["no consent"].reindex(summary.index, fill_value=0)
    summary["over_limit"] = counts["over pressure limit"].reindex(summary.index, fill_value=0)
    summary["contacts_per_period"] = summary["planned"] * summary["cadence"]
    unplanned = labels.loc[~labels.index.isin(table["customer_id"])].rename_axis("customer_id")
    return CommunicationPlan(table, summary, limit, unplanned)


# --------------------------------------------------------------------------------------------
# The feedback loop
# --------------------------------------------------------------------------------------------
def ab_actual(result: ABTestResult, kpi: str = "uplift") -> dict[str, float]:
    """A KPI actual with its interval from a randomised campaign test.

    Parameters
    ----------
    result : ABTestResult
        From :func:`portfolio_lib.campaigns.ab_test`.
    kpi : {"uplift", "response_rate", "spend_difference"}
        ``uplift`` (treatment minus control response rate, Newcombe interval),
        ``response_rate`` (the treatment arm's, Wilson interval) or ``spend_difference``
        (per contact, Welch interval).

    Returns
    -------
    dict
        ``actual``, ``ci_low``, ``ci_high`` - a row of the ``actuals`` of :func:`kpi_tracker`.

    Examples
    --------
    >>> from portfolio_lib.campaigns import ab_test
    >>> con = pd.DataFrame({"campaign_id": "R", "customer_id": list("abcd"),
    ...     "arm": ["treatment", "treatment", "control", "control"],
    ...     "contact_date": pd.Timestamp("2024-05-01")})
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...     "date": pd.to_datetime(["2024-05-03", "2024-05-09", "2024-04-20"]),
    ...     "amount": [30.0, 10.0, 12.0]})
    >>> ab_actual(ab_test(con, tx, campaign_id="R", window_days=30))["actual"]
    1.0
    """
    if not isinstance(result, ABTestResult):
        raise TypeError(f"result must be an ABTestResult (campaigns.ab_test), got {result!r}")
    if kpi == "uplift":
        values = (result.uplift, result.uplift_ci_low, result.uplift_ci_high)
    elif kpi == "response_rate":
        arm = result.arms.loc["treatment"]
        values = (arm["response_rate"], arm["ci_low"], arm["ci_high"])
    elif kpi == "spend_difference":
        values = (result.spend_difference, result.spend_ci_low, result.spend_ci_high)
    else:
        raise ValueError(
            f"kpi must be 'uplift', 'response_rate' or 'spend_difference', got {kpi!r}"
        )
    return dict(zip(("actual", "ci_low", "ci_high"), map(float, values), strict=True))


@dataclass(frozen=True, repr=False, eq=False)
class KPITracker(SettingsResult):
    """Targets vs actuals per line and period, and the adjustments (what :func:`kpi_tracker`
    returns).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per line and period, in period order: ``line``, ``period``, ``cadence``
        (contacts per period in force), ``target``, ``actual``, ``ci_low``, ``ci_high``,
        ``status`` (``hit``, ``undecided``, ``miss``, ``stopped``), ``misses_in_a_row``,
        ``action`` (``keep``, ``raise cadence``, ``change message``, ``replace line``) and
        ``next_cadence``.
    step : float
        Contacts per period added to a line after a miss.
    max_misses : int
        Misses in a row after which a line is replaced.
    max_contacts : float or None
        Cadence ceiling of one line (the contact-pressure limit); None: no ceiling.
    """

    table: pd.DataFrame
    step: float
    max_misses: int
    max_contacts: float | None
    _row_name = "line-periods"

    def summary(self) -> ResultSummary:
        """Lines, periods and how often the targets were hit, missed or undecided."""
        status = self.table["status"].value_counts()
        last = self.table.groupby("line")["action"].last()
        rows = (
            ("lines", f"{self.table['line'].nunique():,}"),
            ("periods", f"{self.table['period'].nunique():,}"),
            *((s, f"{int(status.get(s, 0)):,}") for s in ("hit", "undecided", "miss")),
            ("lines replaced", f"{int((last == 'replace line').sum()):,}"),
        )
        limit = "no limit" if self.max_contacts is None else f"the limit {self.max_contacts:g}"
        note = (
            f"Rule: keep on a hit or when the interval reaches the target; on a miss raise "
            f"the cadence by {self.step:g} (or change the message at {limit}); replace the "
            f"line after {self.max_misses} misses in a row."
        )
        return ResultSummary("KPI tracker: targets vs actuals", rows, (note,))


def kpi_tracker(
    plan: CommunicationPlan | pd.DataFrame,
    actuals: pd.DataFrame,
    *,
    step: float = 1.0,
    max_misses: int = 2,
    max_contacts: float | None = None,
) -> KPITracker:
    """Follow each plan line's KPI period by period and adjust the line when it misses.

    Parameters
    ----------
    plan : CommunicationPlan or pandas.DataFrame
        The lines with their ``line``, ``cadence`` and ``target`` (:data:`PLAN_COLUMNS`).
    actuals : pandas.DataFrame
        One row per line and period: ``line``, ``period`` (any orderable label), ``actual``
        and optionally ``ci_low``, ``ci_high`` (the actual's interval, e.g. :func:`ab_actual`;
        without them the actual is taken as exact). A line missing in a period is simply
        not judged that period.
    step : float
        Contacts per period added to a line after a miss (> 0).
    max_misses : int
        Misses in a row (>= 1) at which a line is replaced and stops being tracked.
    max_contacts : float, optional
        The highest cadence a line may reach (default: the ``max_contacts`` of a
        :class:`CommunicationPlan`; none for a plan given as a table).

    Returns
    -------
    KPITracker

    Examples
    --------
    >>> plan = pd.DataFrame({"line": ["x"], "group": ["loyal"], "message": ["m"],
    ...     "channel": ["email"], "cadence": [1.0], "kpi": ["response_rate"], "target": [0.1],
    ...     "priority": [1]})
    >>> actuals = pd.DataFrame({"line": "x", "period": [1, 2, 3],
    ...     "actual": [0.05, 0.12, 0.04], "ci_low": [0.03, 0.08, 0.02],
    ...     "ci_high": [0.07, 0.16, 0.06]})
    >>> t = kpi_tracker(plan, actuals, max_contacts=3).table
    >>> t[["status", "action", "next_cadence"]].values.tolist()
    [['miss', 'raise cadence', 2.0], ['hit', 'keep', 2.0], ['miss', 'raise cadence', 3.0]]
    """
    lines = plan.lines.reset_index() if isinstance(plan, CommunicationPlan) else _plan(plan)
    if max_contacts is not None:
        ceiling = real_number(max_contacts, "max_contacts", 0, strict=True)
    else:
        ceiling = plan.max_contacts if isinstance(plan, CommunicationPlan) else None
    step = real_number(step, "step", 0, strict=True)
    max_misses = whole_number(max_misses, "max_misses", 1)
    actuals = _validate.table(actuals, name="actuals", columns=["line", "period", "actual"])
    _validate.numeric(actuals, "actual", name="actuals")
    raise_for_rows(actuals, ~actuals["line"].isin(lines["line"]), column="line",
                   problem="names a line that is not in the plan", name="actuals")  # fmt: skip
    raise_for_rows(actuals, actuals.duplicated(["line", "period"], keep=False),
                   column=["line", "period"], problem="repeats a line and period",
                   name="actuals")  # fmt: skip
    low = actuals["ci_low"] if "ci_low" in actuals else actuals["actual"]
    high = actuals["ci_high"] if "ci_high" in actuals else actuals["actual"]
    work = actuals.assign(ci_low=low.astype(float), ci_high=high.astype(float))
    raise_for_rows(work, (work["ci_low"] > work["actual"]) | (work["ci_high"] < work["actual"]),
                   column=["actual", "ci_low", "ci_high"], problem="lies outside its interval",
                   name="actuals")  # fmt: skip
    rows = []
    for _, line in lines.iterrows():
        cadence, misses, stopped = float(line["cadence"]), 0, False
        own = work.loc[work["line"] == line["line"]].sort_values("period")
        for _, obs in own.iterrows():
            if stopped:
                status, action, next_cadence = "stopped", "replace line", cadence
            elif obs["actual"] >= line["target"]:
                status, action, next_cadence, misses = "hit", "keep", cadence, 0
            elif obs["ci_high"] >= line["target"]:
                status, action, next_cadence = "undecided", "keep", cadence
            else:
                misses += 1
                status = "miss"
                if misses >= max_misses:
                    action, next_cadence, stopped = "replace line", 0.0, True
                elif ceiling is None or cadence + step <= ceiling + 1e-12:
                    action, next_cadence = "raise cadence", cadence + step
                else:
                    action, next_cadence = "change message", cadence
            rows.append(
                {
                    "line": line["line"], "period": obs["period"], "cadence": cadence,
                    "target": float(line["target"]), "actual": float(obs["actual"]),
                    "ci_low": obs["ci_low"], "ci_high": obs["ci_high"], "status": status,
                    "misses_in_a_row": misses, "action": action, "next_cadence": next_cadence,
                }
            )  # fmt: skip
            cadence = next_cadence
    table = pd.DataFrame(rows)
    return KPITracker(table, step, max_misses, ceiling)
