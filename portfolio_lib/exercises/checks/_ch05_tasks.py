"""Chapter-5 exercise tasks 6 and 7: complaint analysis and mystery shopping (issue 19).

The chapter module :mod:`portfolio_lib.exercises.checks.ch05` re-exports these names
(the notebook imports them from there). Like tasks 1-5, both tasks work on the
student's own company, simulated from ``SEED`` as in the other tasks of the chapter;
the category, service level and branch are drawn from a child stream of the chapter's
random stream, one child per task, which leaves the draws of tasks 1-5 unchanged:

6. complaints of one category per 1,000 orders, and the share of that category resolved
   within a service level, with open complaints censored (:func:`check_05_6`);
7. the mean mystery-shopping score of one branch and the checklist item that falls
   furthest below the pass-rate standard there (:func:`check_05_7`).

Examples
--------
>>> task = complaint_task(3)
>>> task.category in set(task.crm.complaints["category"]), task.sla_days in SLA_DAYS
(True, True)
>>> check_05_6({"per_1000_orders": 1, "within_sla": 0.5}, seed=3)
Traceback (most recent call last):
...
portfolio_lib.exercises.feedback.CheckFailed: Task 6 (complaint rate and service level): per_1000_orders: you returned 1, which is not the expected value; recheck your computation
"""  # noqa: E501

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_lib.exercises.checks._common import ChapterData, pick_from_first, purchases
from portfolio_lib.exercises.feedback import (
    expect_choice,
    expect_fields,
    expect_number,
    task_check,
)
from portfolio_lib.satisfaction import (
    checklist_weights,
    complaint_pareto,
    mystery_scores,
    resolution_survival,
)

__all__ = [
    "SLA_DAYS",
    "MIN_COMPLAINTS",
    "PASS_STANDARD",
    "NO_ITEM",
    "ComplaintTask",
    "MysteryTask",
    "complaint_task",
    "mystery_task",
    "item_pass_rates",
    "check_05_6",
    "check_05_7",
]

SLA_DAYS = (2, 3, 5)
"""Task 6: the service levels (days) a seed picks from."""

MIN_COMPLAINTS = 8
"""Task 6 asks about a category with at least this many complaints (when one has)."""

PASS_STANDARD = 0.8
"""Task 7: a checklist item meets the standard when at least 80 % of visits pass it."""

NO_ITEM = "none"
"""Task 7: the answer when every item of the branch meets the standard."""

RATE_FIELDS = ("per_1000_orders", "within_sla")
MYSTERY_FIELDS = ("mean_score", "weakest_item")

_SCORE_TOLERANCE = 0.05
"""Points: a branch score rounded to one decimal still passes."""


class ComplaintTask(ChapterData):
    """What task 6 works on (derived from the student's seed): ``crm`` and the question.

    The complaints (``crm.complaints``) have ``opened``, ``resolved`` (NaT while open) and
    ``category``; the sales ledger (``crm.transactions``) one row per order or return.

    Attributes
    ----------
    category : str
        The complaint category asked about.
    sla_days : int
        The service level: a complaint should be resolved within this many days.
    """

    category: str
    sla_days: int


class MysteryTask(ChapterData):
    """What task 7 works on (derived from the student's seed): ``crm`` and the branch.

    The visits (``crm.mystery_shopping``) have ``visit_id``, ``branch`` and 0/1 ``item_*``
    columns.

    Attributes
    ----------
    branch : str
        The branch asked about.
    weights : Series
        The checklist weights (summing to 1), indexed by item column.
    """

    branch: str
    weights: pd.Series


def complaint_task(seed: int) -> ComplaintTask:
    """Task 6's data and question for one seed (the notebook calls this too).

    The category and the service level (one of :data:`SLA_DAYS`) are drawn among the
    pairs where the category has at least :data:`MIN_COMPLAINTS` complaints and some, but
    not all, of them were resolved within the service level (any pair if none qualifies).

    Examples
    --------
    >>> complaint_task(3).category == complaint_task(3).category
    True
    """
    rng, crm = ChapterData.start(seed, chapter=5)
    rng = rng.spawn(6)[-1]  # task 6's own child stream
    counts = crm.complaints["category"].value_counts()
    within = resolution_survival(crm.complaints, by="category", within=SLA_DAYS).medians
    options = [
        (str(category), days) for category in sorted(map(str, counts.index)) for days in SLA_DAYS
    ]
    telling = [
        (category, days)
        for category, days in options
        if counts[category] >= MIN_COMPLAINTS
        and 0 < within.loc[category, f"resolved_within_{days:g}"] < 1
    ]
    pool = telling or options
    category, days = pool[int(rng.integers(len(pool)))]
    return ComplaintTask(crm, category, int(days))


def mystery_task(seed: int) -> MysteryTask:
    """Task 7's data and question for one seed (the notebook calls this too).

    Examples
    --------
    >>> task = mystery_task(3)
    >>> task.branch in set(task.crm.mystery_shopping["branch"]), round(float(task.weights.sum()), 6)
    (True, 1.0)
    """
    rng, crm = ChapterData.start(seed, chapter=5)
    rng = rng.spawn(7)[-1]  # task 7's own child stream
    branch = pick_from_first([crm.mystery_shopping["branch"].unique()], rng)
    return MysteryTask(crm, str(branch), checklist_weights().as_series())


# --------------------------------------------------------------------------- task 6


def _within(task: ComplaintTask, *, unit: str = "D", all_categories: bool = False) -> float:
    """Kaplan–Meier share of the category's complaints resolved within ``sla_days`` ``unit``.

    Open complaints are censored at the latest timestamp of all complaints (as in the
    chapter); ``all_categories`` pools the categories (for recognising that slip).
    """
    by = None if all_categories else "category"
    result = resolution_survival(task.crm.complaints, by=by, unit=unit, within=(task.sla_days,))
    shares = result.medians[f"resolved_within_{task.sla_days:g}"]
    return float(shares.iloc[0] if all_categories else shares.loc[task.category])


def _rate_slips(task: ComplaintTask, expected: float) -> list[tuple[float, str]]:
    """Known mistakes of the complaint rate per 1,000 orders, most specific first."""
    complaints, category = task.crm.complaints, task.category
    n_category = int(complaint_pareto(complaints).loc[category, "count"])
    n_orders = len(purchases(task.crm.transactions))
    return [
        (
            expected / 1000,
            "this is complaints per ORDER; the task asks per 1,000 orders (multiply by 1,000)",
        ),
        (
            expected / 10,
            "this is complaints per 100 orders (a percentage); the task asks per 1,000 orders",
        ),
        (
            float(n_category),
            f"this is the NUMBER of {category!r} complaints; a rate divides it by the number "
            "of orders (× 1,000)",
        ),
        (
            n_category / len(complaints),
            f"this is the {category!r} complaints' share of all COMPLAINTS (the Pareto share); "
            "the rate divides by the number of ORDERS",
        ),
        (
            n_category / len(complaints) * 1000,
            "you divided by the number of complaints; the rate divides by the number of ORDERS",
        ),
        (
            1000 * n_category / task.crm.transactions["customer_id"].nunique(),
            "you divided by the number of CUSTOMERS; the rate is per 1,000 ORDERS "
            "(purchase rows of the ledger)",
        ),
        (
            1000 * n_category / len(task.crm.transactions),
            "you counted every row of the ledger as an order; returns are not orders — drop "
            "the rows with is_return",
        ),
        (
            1000 * len(complaints) / n_orders,
            f"this counts the complaints of ALL categories; keep only {category!r}",
        ),
    ]


def _sla_slips(task: ComplaintTask, expected: float) -> list[tuple[float, str]]:
    """Known mistakes of the share resolved within the service level, most specific first."""
    own = task.crm.complaints.loc[task.crm.complaints["category"] == task.category]
    days = task.sla_days
    duration = pd.to_datetime(own["resolved"]) - pd.to_datetime(own["opened"])
    done = duration <= pd.Timedelta(days=days)
    resolved = own["resolved"].notna()
    return [
        (
            expected * 100,
            "a share of complaints is between 0 and 1, not a percentage: divide by 100",
        ),
        (
            1 - expected,
            "this is the share still OPEN after the service level; the task asks for the "
            "share resolved within it",
        ),
        (
            float(done.sum()),
            "this is the NUMBER of complaints resolved in time; give the share (0-1)",
        ),
        (
            float(done.sum() / max(int(resolved.sum()), 1)),
            "you divided by the RESOLVED complaints only, as if the open ones did not exist; "
            "they count too (censored) — use the Kaplan–Meier estimate",
        ),
        (
            float(done.mean()),
            "you counted the complaints opened shortly before the end of the data as late, but "
            "we do not know yet: they are censored — use the Kaplan–Meier estimate "
            "(sat.resolution_survival with within=)",
        ),
        (
            _within(task, unit="h"),
            f"this is the share resolved within {days} HOURS; the service level is {days} days",
        ),
        (
            _within(task, all_categories=True),
            f"this is the share of ALL complaints; keep only the {task.category!r} ones",
        ),
    ]


@task_check("complaint rate and service level")
def check_05_6(answer: object, *, seed: int) -> None:
    """``{"per_1000_orders": ..., "within_sla": ...}`` of the seed's complaint category.

    ``per_1000_orders``: complaints of the category per 1,000 orders (purchase rows of
    the ledger, returns excluded) over the whole data. ``within_sla``: the Kaplan–Meier
    share (0-1) of the category's complaints resolved within ``sla_days`` days, open
    complaints censored at the latest timestamp of the complaints
    (:func:`portfolio_lib.satisfaction.resolution_survival`).
    """
    task = complaint_task(seed)
    values = expect_fields(answer, RATE_FIELDS, name="your complaint numbers")
    n_orders = len(purchases(task.crm.transactions))
    pareto = complaint_pareto(task.crm.complaints)
    rate = 1000 * float(pareto.loc[task.category, "count"]) / n_orders
    within = _within(task)
    # (field, expected, bounds, absolute tolerance, slips); per 1,000 is not a ×100 slip
    for field, expected, bounds, tolerance, slips in (
        ("per_1000_orders", rate, (0, 1000), 0.005, _rate_slips(task, rate)),
        ("within_sla", within, (0, 1), 5e-4, _sla_slips(task, within)),
    ):
        expect_number(
            values[field],
            expected,
            name=field,
            bounds=bounds,
            rel=1e-3,
            abs=tolerance,
            hint_scale=field == "within_sla",
            slips=slips,
        )


# --------------------------------------------------------------------------- task 7


def item_pass_rates(task: MysteryTask) -> pd.Series:
    """Share (0-1) of the branch's visits that pass each checklist item.

    Examples
    --------
    >>> rates = item_pass_rates(mystery_task(3))
    >>> bool(rates.between(0, 1).all())
    True
    """
    own = task.crm.mystery_shopping.loc[
        task.crm.mystery_shopping["branch"] == task.branch, list(task.weights.index)
    ]
    return own.astype(float).mean().rename("pass_rate")


def _score_slips(task: MysteryTask, scores: pd.DataFrame) -> list[tuple[float, str]]:
    """Known mistakes of the branch's mean visit score, most specific first."""
    own = scores.loc[scores["branch"] == task.branch, "score"]
    items = task.crm.mystery_shopping.loc[
        task.crm.mystery_shopping["branch"] == task.branch, list(task.weights.index)
    ]
    expected = float(own.mean())
    return [
        (
            expected / 100,
            "the score is in points from 0 to 100, not a share: multiply by 100",
        ),
        (
            100 * float(items.astype(float).mean(axis=1).mean()),
            "you gave every checklist item the same weight; weight the items with the "
            "checklist weights (sat.mystery_scores does)",
        ),
        (
            float(scores["score"].mean()),
            f"this is the mean of ALL branches (the network); keep only the visits to "
            f"{task.branch}",
        ),
        (
            float(own.sum()),
            "this is the SUM of the visit scores; divide by the number of visits",
        ),
        (
            float(own.median()),
            "this is the median visit score; the task asks for the mean",
        ),
    ]


@task_check("mystery-shopping score of one branch")
def check_05_7(answer: object, *, seed: int) -> None:
    """``{"mean_score": ..., "weakest_item": ...}`` of the seed's branch.

    ``mean_score``: the mean weighted visit score in points (0-100,
    :func:`portfolio_lib.satisfaction.mystery_scores`). ``weakest_item``: the checklist
    item with the lowest pass rate among those below :data:`PASS_STANDARD` (ties: any of
    them), or :data:`NO_ITEM` when every item meets the standard.
    """
    task = mystery_task(seed)
    values = expect_fields(answer, MYSTERY_FIELDS, name="your branch numbers")
    scores = mystery_scores(task.crm.mystery_shopping)
    expected = float(scores.loc[scores["branch"] == task.branch, "score"].mean())
    expect_number(
        values["mean_score"],
        expected,
        name="mean_score",
        unit="points",
        bounds=(0, 100),
        rel=0,
        abs=_SCORE_TOLERANCE,
        slips=_score_slips(task, scores),
    )
    rates = item_pass_rates(task)
    failing = rates[rates < PASS_STANDARD]
    best = list(failing.index[np.isclose(failing, failing.min())]) if len(failing) else [NO_ITEM]
    chosen = values["weakest_item"]
    hint = (
        f"Take the items whose pass rate in {task.branch} is below {PASS_STANDARD:.0%} of "
        "visits, and of those the one with the lowest pass rate"
    )
    network = task.crm.mystery_shopping[list(task.weights.index)].astype(float).mean()
    if isinstance(chosen, str) and chosen.strip() in rates.index:
        rate = rates[chosen.strip()]
        if chosen.strip() not in best and chosen.strip() == network.idxmin():
            hint = (
                "this is the weakest item across ALL branches; look at the visits to "
                f"{task.branch} only"
            )
        elif rate >= PASS_STANDARD:
            hint = f"{chosen.strip()} meets the standard in {task.branch}. " + hint
        elif chosen.strip() not in best:
            hint = f"another item falls further below the standard in {task.branch}"
    elif isinstance(chosen, str) and chosen.strip() == NO_ITEM:
        hint = f"at least one item is passed by fewer than {PASS_STANDARD:.0%} of the visits"
    expect_choice(
        chosen,
        [*rates.index, NO_ITEM],
        best,
        name="weakest_item",
        hint=hint,
    )
