"""Checks for exercises/source/04_customer_journey.ipynb (chapter 4: the customer journey).

Every student works on the touchpoint log of a small company of their own,
simulated from their ``SEED`` (:func:`exercise_data`), and the checks recompute
the expected answers from the same seed with :mod:`portfolio_lib.journey`:

1. conversion from discovery to purchase, by hand (:func:`check_04_1`);
2. Markov removal-effect shares on a tiny path table (:func:`check_04_2`);
3. first-touch and last-touch credit of one channel (:func:`check_04_3`);
4. median time from the decision moment to the purchase, with censoring (:func:`check_04_4`);
5. which hand-over to improve, with a reason (a manager's decision, :func:`check_04_5`).

Examples
--------
>>> data = exercise_data(3)
>>> sorted(data.paths.columns)
['conversions', 'non_conversions', 'path']
>>> check_04_1(0.5, seed=3)
Traceback (most recent call last):
...
portfolio_lib.exercises.feedback.CheckFailed: Task 1 (conversion from discovery to purchase): conversion from discovery to purchase: you returned 0.5, which is not the expected value; recheck your computation
"""  # noqa: E501

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd

from portfolio_lib.exercises.checks import _ch04_tasks
from portfolio_lib.exercises.checks._ch04_tasks import *  # noqa: F403 - tasks 6-7, declared in its __all__
from portfolio_lib.exercises.checks._common import (
    N_CUSTOMERS,
    ChapterData,
    near_best,
)
from portfolio_lib.exercises.feedback import (
    CheckFailed,
    Claim,
    expect_choice,
    expect_close_series,
    expect_number,
    expect_reason,
    task_check,
)
from portfolio_lib.journey import (
    STAGES,
    heuristic_attribution,
    markov_attribution,
    stage_funnel,
    time_to_stage,
)

__all__ = [
    "N_CUSTOMERS",
    "PATH_TEMPLATES",
    "HAND_OVERS",
    "UPLIFT_POINTS",
    "Chapter4Data",
    "exercise_data",
    "extra_purchases",
    "check_04_1",
    "check_04_2",
    "check_04_3",
    "check_04_4",
    "check_04_5",
    *_ch04_tasks.__all__,
]

PATH_TEMPLATES: tuple[str, ...] = (
    "search",
    "social",
    "email",
    "social > search",
    "search > email",
    "social > email > store",
    "search > store",
)
"""The paths of task 2's tiny path table (their counts come from the seed)."""

HAND_OVERS: dict[str, tuple[str, str]] = {
    "A": ("discovery", "first_contact"),
    "B": ("first_contact", "decision"),
    "C": ("decision", "purchase"),
    "D": ("purchase", "deepening"),
}
"""Task 5's options: the stage hand-over a project would improve."""

UPLIFT_POINTS = 5.0
"""Task 5: the project raises one hand-over's step conversion by this many percentage points."""


class Chapter4Data(ChapterData):
    """What the chapter-4 exercises work on besides ``crm``, all derived from the seed.

    Attributes
    ----------
    touches : DataFrame
        Its touchpoint log (``crm.touchpoints``): ``customer_id``, ``timestamp``,
        ``stage``, ``channel``, ...
    paths : DataFrame
        Task 2: a tiny aggregated path table (``path``, ``conversions``, ``non_conversions``).
    credit_channel : str
        Task 3: the channel whose first- and last-touch credit is asked.
    """

    touches: pd.DataFrame
    paths: pd.DataFrame
    credit_channel: str


def _tiny_paths(rng: np.random.Generator) -> pd.DataFrame:
    """Seven paths with 0-6 purchases and 1-12 journeys without one each (>= 1 purchase)."""
    conversions = rng.integers(0, 7, size=len(PATH_TEMPLATES))
    if conversions.sum() == 0:
        conversions[int(rng.integers(len(PATH_TEMPLATES)))] = 1
    return pd.DataFrame(
        {
            "path": list(PATH_TEMPLATES),
            "conversions": conversions.astype("int64"),
            "non_conversions": rng.integers(1, 13, size=len(PATH_TEMPLATES)).astype("int64"),
        }
    )


@ChapterData.document
def exercise_data(seed: int) -> Chapter4Data:
    """The data of the chapter-4 exercise set for one seed (the notebook's setup cell calls this).

    Examples
    --------
    >>> data = exercise_data(3)
    >>> data.credit_channel in set(data.touches["channel"])
    True
    """
    rng, crm = ChapterData.start(seed, chapter=4)
    touches = crm.touchpoints
    before_purchase = touches["stage"].isin(STAGES[: STAGES.index("purchase")])
    channels = sorted(touches.loc[before_purchase, "channel"].dropna().unique())
    return Chapter4Data(
        crm=crm,
        touches=touches,
        paths=_tiny_paths(rng),
        credit_channel=str(channels[int(rng.integers(len(channels)))]),
    )


def extra_purchases(funnel: pd.DataFrame, *, points: float = UPLIFT_POINTS) -> pd.Series:
    """Additional first purchases if one hand-over's step conversion rose by ``points``.

    Raising the step conversion into stage *k* by ``points`` percentage points brings
    ``n_{k-1} × points / 100`` more people into stage *k*; of those, the share given by
    the later step conversions up to the purchase goes on to buy. A hand-over after the
    purchase adds no first purchases.

    Parameters
    ----------
    funnel : DataFrame
        Output of :func:`portfolio_lib.journey.stage_funnel` (one group).
    points : float
        Uplift in percentage points.

    Returns
    -------
    Series
        Indexed by the options of :data:`HAND_OVERS`: additional purchases (people).

    Examples
    --------
    >>> funnel = stage_funnel(exercise_data(3).touches)
    >>> bool(extra_purchases(funnel)["D"] == 0)
    True
    """
    table = funnel.set_index("stage")
    reached, step = table["reached"], table["step_conversion"]
    buy = STAGES.index("purchase")
    extra = {}
    for option, (before, after) in HAND_OVERS.items():
        k = STAGES.index(after)
        carried = float(np.prod([step[s] for s in STAGES[k + 1 : buy + 1]])) if k <= buy else 0.0
        extra[option] = reached[before] * points / 100.0 * carried
    return pd.Series(extra, name="extra_purchases")


# --------------------------------------------------------------------------- task 1


@task_check("conversion from discovery to purchase")
def check_04_1(answer: object, *, seed: int) -> None:
    """Share (0-1) of the people in the log who reached the purchase stage."""
    touches = exercise_data(seed).touches
    funnel = stage_funnel(touches).set_index("stage")
    expected = float(funnel.loc["purchase", "overall_conversion"])
    per_stage_touches = touches["stage"].value_counts()
    slips = [
        (
            per_stage_touches.get("purchase", 0) / per_stage_touches.get("discovery", 1),
            "you divided numbers of TOUCHES; the funnel counts PEOPLE (distinct customer_id): "
            "people who reached the purchase over people in the log",
        ),
        (
            per_stage_touches.get("purchase", 0) / len(touches),
            "you divided by the number of touches (rows); divide by the number of people "
            "(distinct customer_id) instead",
        ),
        (
            funnel.loc["purchase", "step_conversion"],
            "this is the step conversion from the decision moment to the purchase; the task "
            "asks for the conversion from discovery, i.e. over everyone in the log",
        ),
        (
            funnel.loc["deepening", "overall_conversion"],
            "this is the share who reached deepening; the task stops at the purchase",
        ),
        (
            funnel.loc["purchase", "reached"],
            "this is the NUMBER of people who reached the purchase; the task asks for a share "
            "between 0 and 1",
        ),
    ]
    expect_number(
        answer,
        expected,
        name="conversion from discovery to purchase",
        bounds=(0.0, 1.0),
        rel=1e-6,
        abs=1e-9,
        slips=slips,
    )


# --------------------------------------------------------------------------- task 2


def _as_series(answer: object, *, name: str, column_hint: str) -> object:
    """Turn an attribution result or table a student passed into the Series asked for."""
    if answer is None or answer is Ellipsis:
        raise CheckFailed(f"{name}: replace the ... placeholder with a pandas Series")
    if hasattr(answer, "shares") and hasattr(answer, "removal_effects"):
        raise CheckFailed(f"{name}: you passed the whole result object; pass its .shares")
    if isinstance(answer, pd.DataFrame) and answer.shape[1] > 1:
        raise CheckFailed(
            f"{name} must be a Series; you passed a table with columns {list(answer.columns)} — "
            f"select {column_hint}"
        )
    if isinstance(answer, Mapping):
        return pd.Series(dict(answer), dtype=object)
    return answer


@task_check("Markov removal-effect shares")
def check_04_2(answer: object, *, seed: int) -> None:
    """Markov-chain credit shares (0-1, summing to 1) of the tiny path table, per channel."""
    paths = exercise_data(seed).paths
    markov = markov_attribution(paths)
    expected = markov.shares
    name = "Markov shares"
    answer = _as_series(answer, name=name, column_hint="the 'share' column")
    if isinstance(answer, pd.Series) and set(answer.index) == set(expected.index):
        values = pd.to_numeric(answer, errors="coerce").reindex(expected.index)
        heuristics = heuristic_attribution(paths) / markov.total_conversions

        def matches(candidate: pd.Series) -> bool:
            return bool(np.allclose(values, candidate, rtol=1e-6, atol=1e-3))

        if not matches(expected):
            if matches(markov.conversions):
                raise CheckFailed(
                    f"{name}: these are credited PURCHASES; divide by the total purchases to "
                    "get shares (they sum to 1)"
                )
            if matches(markov.removal_effects):
                raise CheckFailed(
                    f"{name}: these are the removal effects themselves; normalise them so that "
                    "they sum to 1"
                )
            for rule in heuristics.columns:
                if matches(heuristics[rule]):
                    raise CheckFailed(
                        f"{name}: these are the shares of the {rule.replace('_', '-')} rule, not "
                        "of the Markov chain (journey.markov_attribution)"
                    )
    expect_close_series(answer, expected, name=name, rtol=1e-6, atol=1e-3)


# --------------------------------------------------------------------------- task 3

_RULES = ("first_touch", "last_touch")


def _credit_pair(answer: object, channel: str) -> object:
    """The student's {first_touch, last_touch} for ``channel`` (explaining other shapes)."""
    if isinstance(answer, pd.DataFrame):
        raise CheckFailed(
            f"the credit must be the two numbers of channel {channel!r} (a dict or Series with "
            f"labels {list(_RULES)}); you passed a table — select its row {channel!r} and the "
            "two columns"
        )
    if answer is None or answer is Ellipsis:
        raise CheckFailed(
            "replace the ... placeholder with {'first_touch': ..., 'last_touch': ...} (purchases)"
        )
    if isinstance(answer, Mapping):
        answer = pd.Series(dict(answer), dtype=object)
    if isinstance(answer, pd.Series) and any(value is Ellipsis for value in answer):
        raise CheckFailed("replace the ... placeholders in credit with your numbers of purchases")
    if (
        isinstance(answer, pd.Series)
        and channel in answer.index
        and not set(_RULES) & set(answer.index)
    ):
        raise CheckFailed(
            "you passed one rule's credit for every channel; the task asks for BOTH rules "
            f"({list(_RULES)}) for channel {channel!r}"
        )
    return answer


@task_check("first-touch and last-touch credit of one channel")
def check_04_3(answer: object, *, seed: int) -> None:
    """Purchases credited to ``credit_channel`` by the first-touch and last-touch rules."""
    data = exercise_data(seed)
    channel = data.credit_channel
    table = heuristic_attribution(data.touches)
    expected = table.loc[channel, list(_RULES)].astype(float)
    answer = _credit_pair(answer, channel)
    name = f"credit of {channel}"
    if isinstance(answer, pd.Series) and set(answer.index) == set(_RULES):
        values = pd.to_numeric(answer, errors="coerce").reindex(list(_RULES)).to_numpy(float)
        total = table["first_touch"].sum()
        firsts = data.touches.sort_values("timestamp", kind="stable").groupby("customer_id")
        people_first = (firsts["channel"].first() == channel).sum()
        windowed = heuristic_attribution(data.touches, window_days=30)
        windowed = windowed.reindex([channel]).fillna(0.0).loc[channel, list(_RULES)]
        slips = [
            (
                expected.to_numpy()[::-1],
                "the two numbers are swapped: first_touch credits the FIRST touch of each path, "
                "last_touch the last one before the purchase",
            ),
            (
                expected.to_numpy() / total,
                "these are shares of all purchases; give the number of purchases credited",
            ),
            (
                expected.to_numpy() / total * 100,
                "these are percentages of all purchases; give the number of purchases credited",
            ),
            (
                windowed.to_numpy(float),
                "these use a 30-day attribution window; this task uses ALL touches before the "
                "purchase (window_days=None, the default)",
            ),
        ]
        if not np.allclose(values, expected.to_numpy(), atol=1e-6):
            for slip, message in slips:
                if np.allclose(values, slip, rtol=1e-6, atol=1e-6):
                    raise CheckFailed(message)
            if np.isclose(values[0], people_first) and people_first != expected["first_touch"]:
                raise CheckFailed(
                    "your first-touch number counts every person whose first touch was "
                    f"{channel}, also those who never bought; credit only journeys that end "
                    "in a purchase"
                )
    expect_close_series(answer, expected, name=name, unit="purchases", atol=1e-6)


# --------------------------------------------------------------------------- task 4


@task_check("median time from decision to purchase")
def check_04_4(answer: object, *, seed: int) -> None:
    """Kaplan–Meier median days from the decision moment to the purchase (censored at the end)."""
    data = exercise_data(seed)
    result = time_to_stage(
        data.touches, "decision", "purchase", observation_end=data.observation_end, unit="D"
    )
    expected = float(result.medians["median"].iloc[0])
    durations = result.durations
    arrived = durations.loc[durations["reached"], "duration"]
    if isinstance(answer, numbers.Real | np.number) and math.isnan(float(answer)):
        raise CheckFailed(
            "you returned NaN: the Kaplan–Meier median is missing when fewer than half of the "
            "people ever arrive — check that you used the stages 'decision' → 'purchase'"
        )
    earlier = time_to_stage(
        data.touches, "first_contact", "decision", observation_end=data.observation_end
    )
    slips = [
        (expected / 7, "this looks like weeks; give the median in DAYS (unit='D')"),
        (expected / (365.25 / 12), "this looks like months; give the median in DAYS (unit='D')"),
        (expected * 24, "this looks like hours; give the median in DAYS"),
        (
            arrived.median(),
            "this is the median of the people who DID buy only; those still waiting at the end "
            "of the data (censored) must count too — use the Kaplan–Meier median",
        ),
        (
            durations["duration"].median(),
            "this treats the censored waiting times as if those people had bought at the end of "
            "the data; use the Kaplan–Meier median, which knows they had not arrived yet",
        ),
        (arrived.mean(), "this is a mean of the buyers' times; the task asks for the median"),
        (
            float(earlier.medians["median"].iloc[0]),
            "this is the time from first contact to the decision; the task asks from the "
            "decision moment to the purchase",
        ),
    ]
    expect_number(
        answer,
        expected,
        name="median time to purchase",
        unit="days",
        rel=1e-4,
        abs=0.01,
        slips=slips,
    )


# --------------------------------------------------------------------------- task 5

_SIZE_WORDS = (
    "most people",
    "many people",
    "more people",
    "largest",
    "biggest",
    "lost",
    "lose",
    "loss",
    "leak",
    "drop",
    "most",
    "kayb",
    "kayıp",
    "kaybed",
    "en çok",
    "en büyük",
    "en fazla",
    "çok kişi",
    "fazla",
    "düşüş",
    "sızıntı",
)
_CARRY_WORDS = (
    "below",
    "later",
    "downstream",
    "following",
    "next",
    "multipl",
    "compound",
    "top",
    "carr",
    "flow",
    "sonraki",
    "sonra",
    "aşağı",
    "çarp",
    "huni",
    "üst",
    "tepe",
    "akış",
)


_FEW_PEOPLE = Claim(
    says=(
        r"(it|this( hand-over| step| option)?|there) (only )?(concerns|affects|reaches|loses|"
        r"has|involves) (only )?(the )?(fewest|very few|few|least|smallest)",
        r"(fewest|least) people (are )?(lost|enter|reach)\w* (here|there|at this)",
        r"en az (kisi|kayip)",
    ),
    message="the hand-over to improve is the one that concerns the MOST people (the most are "
    "lost there), whose extra contacts then flow on to a purchase",
)


@task_check("which hand-over to improve")
def check_04_5(answer: object, *, seed: int, reason: object = None) -> None:
    """The hand-over whose +5-point improvement brings the most purchases, and why."""
    funnel = stage_funnel(exercise_data(seed).touches)
    extra = extra_purchases(funnel)
    best = near_best(extra)
    hint = (
        "for each option, multiply the people who enter the hand-over by 5 points and by the "
        "step conversions still to come before the purchase"
    )
    if isinstance(answer, str) and answer.strip().upper() == "D":
        hint = "deepening comes after the first purchase: it adds no first purchases"
    expect_choice(answer, list(HAND_OVERS), list(best), name="the hand-over", hint=hint)
    expect_reason(
        reason,
        [_SIZE_WORDS, _CARRY_WORDS],
        hint="say how many people that hand-over concerns compared with the others, and what "
        "happens to the extra people in the later stages",
        missing="the choice is right; now write your reason for the manager as text in `reason`",
        wrong=(_FEW_PEOPLE,),
    )
