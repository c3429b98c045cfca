"""Chapter-4 exercise tasks 6 and 7: cross-sell and the loyalty programme's effect (issue 19).

Re-exported by :mod:`portfolio_lib.exercises.checks.ch04`, where the notebook and
:func:`~portfolio_lib.exercises.checks.find_check` find them. The company is the
student's own (``crm``, from :meth:`~portfolio_lib.exercises.checks._common.ChapterData.start`,
the same as ``ch04.exercise_data(seed).crm``); what each task asks about comes from a child stream
of the chapter's :func:`~portfolio_lib.exercises.checks.seeded_rng`, one per task, so the
earlier tasks keep their draws:

6. confidence and lift of one category pair, over customers (:func:`check_04_6`);
7. the loyalty programme's effect: the naive member-vs-non-member difference and the
   matched difference-in-differences of :func:`portfolio_lib.loyalty.programme_effect`,
   on spend or on purchase occasions (the seed picks), per customer per month
   (:func:`check_04_7`).

Examples
--------
>>> task = cross_sell_task(3)
>>> task.if_bought != task.then_buys
True
>>> check_04_6({"confidence": 0.4, "lift": 140}, seed=3)
Traceback (most recent call last):
...
portfolio_lib.exercises.feedback.CheckFailed: Task 6 (confidence and lift of a category pair): confidence: you returned 0.4, which is not the expected value; recheck your computation
"""  # noqa: E501

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from portfolio_lib.cross_sell import category_affinity
from portfolio_lib.exercises.checks._common import ChapterData, purchases
from portfolio_lib.exercises.feedback import (
    CheckFailed,
    as_real,
    expect_fields,
    expect_number,
    task_check,
)
from portfolio_lib.loyalty import ProgrammeEffect, programme_effect

__all__ = [
    "LOYALTY_OUTCOMES",
    "CrossSellTask",
    "LoyaltyTask",
    "cross_sell_task",
    "loyalty_task",
    "loyalty_effect",
    "check_04_6",
    "check_04_7",
]

PAIR_FIELDS = ("confidence", "lift")
EFFECT_FIELDS = ("naive", "did")

LOYALTY_OUTCOMES = {"spend": "currency units", "purchases": "purchase occasions"}
"""Task 7: the outcome a seed picks, with its unit (per customer per month)."""

_EFFECT_TOLERANCE = {"spend": 0.005, "purchases": 0.0005}
"""Task 7: an estimate rounded to 2 (spend) or 3 (purchases) decimals still passes."""


class CrossSellTask(ChapterData):
    """What task 6 works on (derived from the student's seed): ``crm`` and the pair.

    Attributes
    ----------
    if_bought, then_buys : str
        The rule asked about: customers who bought ``if_bought`` also buy ``then_buys``.
    """

    if_bought: str
    then_buys: str


def cross_sell_task(seed: int) -> CrossSellTask:
    """Task 6's data and category pair for one seed (the notebook calls this too).

    Examples
    --------
    >>> task = cross_sell_task(3)
    >>> {task.if_bought, task.then_buys} <= set(task.crm.transactions["category"])
    True
    """
    rng, crm = ChapterData.start(seed, chapter=4)
    rng = rng.spawn(6)[-1]  # task 6's own child stream
    categories = sorted(purchases(crm.transactions)["category"].astype(str).unique())
    first, second = rng.choice(len(categories), size=2, replace=False)
    return CrossSellTask(crm, categories[int(first)], categories[int(second)])


# --------------------------------------------------------------------------- task 6


def _pair_numbers(task: CrossSellTask) -> dict[str, float]:
    """Confidence, lift and the numbers of its known slips, for the task's pair."""
    a, b = task.if_bought, task.then_buys
    affinity = category_affinity(task.crm.transactions)
    share = pd.Series(np.diag(affinity.support), index=affinity.support.index)
    return {
        "confidence": float(affinity.confidence.loc[a, b]),
        "lift": float(affinity.lift.loc[a, b]),
        "reverse": float(affinity.confidence.loc[b, a]),
        "support": float(affinity.support.loc[a, b]),
        "both": float(affinity.support.loc[a, b] * affinity.n_customers),
        "share_b": float(share[b]),
        "lift_over_a": float(affinity.confidence.loc[a, b] / share[a]),
    }


def _swapped(values: dict[str, object], numbers: dict[str, float]) -> bool:
    """True if the answer gives the lift as confidence and the confidence as lift."""
    confidence, lift = as_real(values["confidence"]), as_real(values["lift"])
    if confidence is None or lift is None or np.isclose(numbers["confidence"], numbers["lift"]):
        return False
    return bool(
        np.isclose(confidence, numbers["lift"], rtol=1e-4)
        and np.isclose(lift, numbers["confidence"], rtol=1e-4)
    )


@task_check("confidence and lift of a category pair")
def check_04_6(answer: object, *, seed: int) -> None:
    """``{"confidence": P(B | A), "lift": P(B | A) / P(B)}`` over customers.

    ``A`` is ``cross_sell_task(seed).if_bought``, ``B`` its ``then_buys``; a customer
    bought a category when they have a purchase row (not a return) in it
    (:func:`portfolio_lib.cross_sell.category_affinity`).
    """
    task = cross_sell_task(seed)
    a, b = task.if_bought, task.then_buys
    values = expect_fields(answer, PAIR_FIELDS, name="your pair numbers")
    numbers = _pair_numbers(task)
    if _swapped(values, numbers):
        raise CheckFailed(
            "confidence and lift are swapped: confidence is the share of the buyers of "
            f"{a!r} who also bought {b!r} (0-1); lift divides it by the share of all customers "
            f"who bought {b!r}"
        )
    expect_number(
        values["confidence"],
        numbers["confidence"],
        name="confidence",
        bounds=(0, 1),
        rel=1e-4,
        abs=5e-4,
        slips=[
            (
                numbers["confidence"] * 100,
                "confidence is a share between 0 and 1, not a percentage: divide by 100",
            ),
            (
                numbers["lift"],
                "this is the LIFT; confidence is the share of the buyers of "
                f"{a!r} who also bought {b!r}",
            ),
            (
                numbers["reverse"],
                f"this is the confidence of the other direction ({b!r} → {a!r}); divide by the "
                f"number of customers who bought {a!r}, not {b!r}",
            ),
            (
                numbers["support"],
                "this is the SUPPORT (share of ALL customers who bought both); confidence "
                f"divides by the customers who bought {a!r}",
            ),
            (
                numbers["both"],
                f"this is the NUMBER of customers who bought both; divide by those who bought {a!r}",
            ),
            (
                numbers["share_b"],
                f"this is the share of all customers who bought {b!r}; confidence looks only at "
                f"the buyers of {a!r}",
            ),
        ],
    )
    expect_number(
        values["lift"],
        numbers["lift"],
        name="lift",
        unit="times the base rate",
        rel=1e-4,
        abs=5e-4,
        hint_scale=False,
        slips=[
            (
                numbers["confidence"],
                "this is the CONFIDENCE; lift divides it by the share of all customers who bought "
                f"{b!r}",
            ),
            (
                numbers["lift"] * 100,
                "lift is a ratio (1 = no association), not a percentage: divide by 100",
            ),
            (
                numbers["lift"] - 1,
                "this is lift − 1; the lift itself is the ratio (1 = no association)",
            ),
            (
                1 / numbers["lift"],
                f"the ratio is upside down: P({b} | {a}) over P({b}), not the other way",
            ),
            (
                numbers["lift_over_a"],
                f"you divided by the share of customers who bought {a!r}; lift divides by the "
                f"share who bought {b!r} (then_buys)",
            ),
        ],
    )


# --------------------------------------------------------------------------- task 7


class LoyaltyTask(ChapterData):
    """What task 7 works on (derived from the student's seed): ``crm`` and the outcome.

    The customers (``crm.customers``) carry ``loyalty_join_date``, missing for non-members.

    Attributes
    ----------
    outcome : str
        ``"spend"`` or ``"purchases"``: the outcome whose effect is asked.
    """

    outcome: str


def loyalty_task(seed: int) -> LoyaltyTask:
    """Task 7's data and outcome for one seed (the notebook calls this too).

    Examples
    --------
    >>> loyalty_task(3).outcome in LOYALTY_OUTCOMES
    True
    """
    rng, crm = ChapterData.start(seed, chapter=4)
    rng = rng.spawn(7)[-1]  # task 7's own child stream
    outcomes = sorted(LOYALTY_OUTCOMES)
    return LoyaltyTask(crm, outcomes[int(rng.integers(len(outcomes)))])


def loyalty_effect(task: LoyaltyTask, *, outcome: str | None = None) -> ProgrammeEffect:
    """``programme_effect`` as the task asks for it (monthly windows of 3 months each).

    Its warning about few members is left to the student's own call: a check prints
    nothing but its verdict.

    Examples
    --------
    >>> list(loyalty_effect(loyalty_task(3)).table.index)
    ['naive', 'did_matched']
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return programme_effect(
            task.crm.transactions,
            task.crm.customers,
            outcome=outcome or task.outcome,  # type: ignore[arg-type]
            observation_end=task.observation_end,
        )


def _effect_slips(task: LoyaltyTask, result: ProgrammeEffect) -> list[tuple[float, str]]:
    """Known mistakes of the difference-in-differences estimate, most specific first."""
    row = result.table.loc["did_matched"]
    other = "purchases" if task.outcome == "spend" else "spend"
    units = result.units
    members = units.loc[units["role"] == "member", "change"]
    balance = result.balance
    unit = LOYALTY_OUTCOMES[task.outcome]
    return [
        (
            float(result.table.loc["naive", "effect"]),
            "this is the NAIVE comparison (members vs non-members after enrolment): heavier "
            "buyers chose to join, so it mixes the programme's effect with who joined — report "
            "the difference-in-differences (row 'did_matched')",
        ),
        (
            float(balance.loc["post", "members"] - balance.loc["post", "all_non_members"]),
            "this compares the members' outcome window with ALL non-members: a naive "
            "comparison, biased by who chose to join — report the difference-in-differences",
        ),
        (
            float(members.mean()),
            "this is the members' own change from baseline to outcome window; subtract the "
            "change of their matched non-members (the trend everyone followed)",
        ),
        (
            float(row["ci_low"]),
            "this is the lower end of the interval; report the estimate itself",
        ),
        (
            float(row["ci_high"]),
            "this is the upper end of the interval; report the estimate itself",
        ),
        (
            float(row["effect"] * result.post_periods),
            f"this is the effect summed over the {result.post_periods}-month outcome window; "
            f"report it per customer per MONTH ({unit})",
        ),
        (
            float(loyalty_effect(task, outcome=other).table.loc["did_matched", "effect"]),
            f"this is the effect on {other}; your task asks for the effect on {task.outcome} "
            f"({unit})",
        ),
    ]


@task_check("the loyalty programme's effect")
def check_04_7(answer: object, *, seed: int) -> None:
    """``{"naive": ..., "did": ...}``: both estimates of the seed's outcome, per customer per month.

    Both come from ``result.table`` of :func:`loyalty_effect` (rows ``naive`` and
    ``did_matched``, column ``effect``).
    """
    task = loyalty_task(seed)
    if hasattr(answer, "table") and hasattr(answer, "units"):
        raise CheckFailed(
            "you passed the whole result of programme_effect; pass a dict with the two numbers "
            "of its .table (column 'effect'): {'naive': ..., 'did': ...}"
        )
    values = expect_fields(answer, EFFECT_FIELDS, name="your estimates")
    result = loyalty_effect(task)
    naive = float(result.table.loc["naive", "effect"])
    did = float(result.table.loc["did_matched", "effect"])
    unit = LOYALTY_OUTCOMES[task.outcome]
    given_naive, given_did = as_real(values["naive"]), as_real(values["did"])
    if (
        given_naive is not None
        and given_did is not None
        and not np.isclose(naive, did, rtol=1e-3)
        and np.isclose(given_naive, did, rtol=1e-3, atol=1e-3)
        and np.isclose(given_did, naive, rtol=1e-3, atol=1e-3)
    ):
        raise CheckFailed(
            "the two estimates are swapped: 'naive' compares members with non-members after "
            "enrolment; 'did' (row 'did_matched') compares each member's change with that of "
            "matched non-members"
        )
    slips = {"naive": (), "did": _effect_slips(task, result)}
    for field, expected in (("naive", naive), ("did", did)):
        expect_number(
            values[field],
            expected,
            name=field,
            unit=unit,
            rel=1e-3,
            abs=_EFFECT_TOLERANCE[task.outcome],
            hint_scale=False,
            slips=slips[field],
        )
