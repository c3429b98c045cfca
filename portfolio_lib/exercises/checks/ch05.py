"""Checks for exercises/source/05_satisfaction_measurement.ipynb (chapter 5: satisfaction).

Every student works on the survey of a small company of their own, simulated from
their ``SEED`` (:func:`exercise_data`), and the checks recompute the expected
answers from the same seed with :mod:`portfolio_lib.satisfaction`:

1. the Net Promoter Score of the latest wave, by hand, in points (:func:`check_05_1`);
2. its Wald standard error and 95 % interval, by hand (:func:`check_05_2`);
3. is the change since the previous wave real? (a decision with a reason, :func:`check_05_3`);
4. which statement of the satisfaction scale is reverse-coded, and Cronbach's alpha
   by the formula (:func:`check_05_4`);
5. which driver of recommendation to fix first, and why (a manager's decision,
   :func:`check_05_5`).

Examples
--------
>>> data = exercise_data(3)
>>> list(data.scale.columns)
['sat_a', 'sat_b', 'sat_c', 'sat_d']
>>> check_05_1(0.25, seed=3)
Traceback (most recent call last):
...
portfolio_lib.exercises.feedback.CheckFailed: Task 1 (NPS of the latest wave): NPS: you returned 0.25 (in points), which is not the expected value; recheck your computation
"""  # noqa: E501

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from portfolio_lib.exercises.checks import _ch05_tasks
from portfolio_lib.exercises.checks._ch05_tasks import *  # noqa: F403 - tasks 6-7, declared in its __all__
from portfolio_lib.exercises.checks._common import (
    N_CUSTOMERS,
    ChapterData,
    near_best,
)
from portfolio_lib.exercises.feedback import (
    CheckFailed,
    Claim,
    Evidence,
    as_real,
    expect_choice,
    expect_fields,
    expect_number,
    expect_reason,
    raise_on_slip,
    task_check,
)
from portfolio_lib.satisfaction import (
    RATING_COLUMNS,
    SATISFACTION_SCALE_ITEMS,
    cronbach_alpha,
    driver_analysis,
    importance_performance,
    nps,
    nps_difference,
    reverse_code,
)

__all__ = [
    "N_CUSTOMERS",
    "CONFIDENCE",
    "SCALE_NAMES",
    "SCALE_RANGE",
    "NO_DRIVER",
    "Chapter5Data",
    "exercise_data",
    "driver_priorities",
    "check_05_1",
    "check_05_2",
    "check_05_3",
    "check_05_4",
    "check_05_5",
    *_ch05_tasks.__all__,
]

CONFIDENCE = 0.95
"""Confidence level of every interval and test in the set."""

SCALE_NAMES = ("sat_a", "sat_b", "sat_c", "sat_d")
"""Task 4: the four satisfaction statements, in a seed-dependent order (one is reverse-worded)."""

SCALE_RANGE = (1, 5)
"""Task 4: the statements are answered from 1 (strongly disagree) to 5 (strongly agree)."""

NO_DRIVER = "none"
"""Task 5: the answer when no driver qualifies."""

NPS_TOLERANCE = 0.05
"""Points: an NPS, SE or interval bound rounded to one decimal still passes."""

ALPHA_TOLERANCE = 5e-4
"""Cronbach's alpha rounded to three decimals still passes."""

INTERVAL_FIELDS = ("se", "ci_low", "ci_high")
SCALE_FIELDS = ("reverse_coded", "alpha")


class Chapter5Data(ChapterData):
    """What the chapter-5 exercises work on besides ``crm``, all derived from the seed.

    Attributes
    ----------
    surveys : DataFrame
        Its periodic survey, one row per answer: ``customer_id``, ``wave``, ``date``,
        ``stage``, ``nps`` (0-10), ``csat`` (1-5) and the five ``rating_*`` columns (1-5).
        The four satisfaction statements are in :attr:`scale` instead.
    latest_wave, previous_wave : int
        The last two survey waves (tasks 1-3).
    scale : DataFrame
        Task 4: the four satisfaction statements ``sat_a`` … ``sat_d`` (1-5), one row per
        answer (aligned with ``surveys``); one of them is worded the other way round.
    """

    surveys: pd.DataFrame
    latest_wave: int
    previous_wave: int
    scale: pd.DataFrame


@ChapterData.document
def exercise_data(seed: int) -> Chapter5Data:
    """The data of the chapter-5 exercise set for one seed (the notebook's setup cell calls this).

    The survey's four satisfaction statements are handed out as ``sat_a`` … ``sat_d`` in
    a seed-dependent order, so the reverse-worded one has to be found from the data.

    Examples
    --------
    >>> data = exercise_data(3)
    >>> data.latest_wave > data.previous_wave
    True
    """
    rng, crm = ChapterData.start(seed, chapter=5)
    surveys = crm.surveys
    order = rng.permutation(len(SATISFACTION_SCALE_ITEMS))
    stored = [SATISFACTION_SCALE_ITEMS[i] for i in order]
    scale = surveys[stored].set_axis(list(SCALE_NAMES), axis=1)
    waves = sorted(int(w) for w in surveys["wave"].unique())
    return Chapter5Data(
        crm=crm,
        surveys=surveys.drop(columns=list(SATISFACTION_SCALE_ITEMS)),
        latest_wave=waves[-1],
        previous_wave=waves[-2],
        scale=scale,
    )


def _wave(data: Chapter5Data, wave: int) -> pd.Series:
    return data.surveys.loc[data.surveys["wave"] == wave, "nps"]


def _points(scores: pd.Series, promoter_min: int = 9, detractor_max: int = 6) -> float:
    """NPS in points with the given cut-offs (for recognising slips)."""
    values = scores.to_numpy()
    if len(values) == 0:
        return float("nan")
    return 100.0 * ((values >= promoter_min).mean() - (values <= detractor_max).mean())


# --------------------------------------------------------------------------- task 1


@task_check("NPS of the latest wave")
def check_05_1(answer: object, *, seed: int) -> None:
    """NPS of ``exercise_data(seed).latest_wave`` in points (-100…100)."""
    data = exercise_data(seed)
    scores = _wave(data, data.latest_wave)
    expected = nps(scores).nps
    latest = data.surveys.loc[data.surveys["wave"] == data.latest_wave]
    cutoffs = "promoters score 9-10 and detractors 0-6 on the 0-10 scale"
    slips = [
        (
            _points(scores, 9, 5),
            f"you counted 6 as a passive; {cutoffs} (6 is a detractor)",
        ),
        (
            _points(scores, 8, 6),
            f"you counted 8 as a promoter; {cutoffs} (7-8 are passives)",
        ),
        (
            _points(scores, 8, 5),
            f"your cut-offs are shifted by one; {cutoffs}",
        ),
        (
            _points(scores, 10, 6),
            f"you counted 9 as a passive; {cutoffs}",
        ),
        (
            _points(scores, 9, 7),
            f"you counted 7 as a detractor; {cutoffs} (7-8 are passives)",
        ),
        (
            _points(scores - 1, 9, 6),
            "the answers are already on the 0-10 scale (0 is a valid answer): do not subtract 1",
        ),
        (
            100.0 * (scores >= 9).mean(),
            "this is the share of promoters only; subtract the share of detractors",
        ),
        (
            -100.0 * (scores <= 6).mean(),
            "this is minus the share of detractors only; add the share of promoters",
        ),
        (
            100.0 * ((scores >= 9).mean() + (scores <= 6).mean()),
            "you ADDED the detractors; NPS is promoters minus detractors",
        ),
        (
            float(scores.mean()),
            "this is the mean score (0-10); NPS counts promoters minus detractors, in percent",
        ),
        (
            float((scores >= 9).sum() - (scores <= 6).sum()),
            "this is a count of people (promoters minus detractors); divide by the number of "
            "answers and multiply by 100",
        ),
        (
            nps(data.surveys["nps"], check_scale=False).nps,
            "this is the NPS of ALL waves; keep only the answers of the latest wave",
        ),
        (
            nps(_wave(data, data.previous_wave)).nps,
            "this is the NPS of the previous wave; use the latest one",
        ),
        (
            _points(latest["csat"]),
            "this comes from the csat column (1-5); NPS uses the 'nps' column (0-10)",
        ),
    ]
    expect_number(
        answer,
        expected,
        name="NPS",
        unit="points",
        bounds=(-100, 100),
        rel=0,
        abs=NPS_TOLERANCE,
        slips=slips,
    )


# --------------------------------------------------------------------------- task 2


@task_check("standard error and interval of the NPS")
def check_05_2(answer: object, *, seed: int) -> None:
    """Wald SE (points) and 95 % interval of the latest wave's NPS, by hand."""
    data = exercise_data(seed)
    scores = _wave(data, data.latest_wave)
    values = expect_fields(
        answer, INTERVAL_FIELDS, name="your interval", result_attributes=("se", "ci_low")
    )
    wald = nps(scores, method="wald", confidence=CONFIDENCE)
    adjusted = nps(scores, method="adjusted_wald", confidence=CONFIDENCE)
    n = wald.n
    p, d = wald.promoter_share, wald.detractor_share
    variance = p + d - (p - d) ** 2

    se = values["se"]
    expect_number(
        se,
        wald.se,
        name="se",
        unit="points",
        rel=1e-3,
        abs=0.005,
        slips=[
            (
                100 * math.sqrt(variance / (n - 1)),
                "se: divide by n (the number of answers), not n − 1",
            ),
            (
                adjusted.se,
                "se: this is the adjusted-Wald SE (pseudo-answers added); the task asks for the "
                "plain Wald SE of the observed shares",
            ),
            (
                100 * math.sqrt(variance),
                "se: you forgot to divide by n inside the square root",
            ),
            (
                100 * variance / n,
                "se: this is the variance; take the square root",
            ),
            (
                100 * math.sqrt(p * (1 - p) / n),
                "se: this is the SE of the promoter share alone; NPS needs "
                "sqrt((p + d − (p − d)²) / n) with both shares",
            ),
            (
                100 * math.sqrt((p * (1 - p) + d * (1 - d)) / n),
                "se: you added the two shares' variances but left out their covariance; use "
                "sqrt((p + d − (p − d)²) / n)",
            ),
        ],
    )

    z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
    unclipped = (wald.nps - z * wald.se, wald.nps + z * wald.se)
    low, high = values["ci_low"], values["ci_high"]
    low_n, high_n = as_real(low), as_real(high)
    if low_n is not None and high_n is not None and low_n > high_n:
        raise CheckFailed("ci_low is above ci_high: the two bounds are swapped")
    for label, value, target, raw, sign in (
        ("ci_low", low, wald.ci_low, unclipped[0], -1),
        ("ci_high", high, wald.ci_high, unclipped[1], 1),
    ):
        if as_real(value) is not None and math.isclose(float(value), raw, abs_tol=NPS_TOLERANCE):
            continue  # not clipped to [-100, 100]: also right
        expect_number(
            value,
            target,
            name=label,
            unit="points",
            bounds=(-100, 100),
            rel=1e-3,
            abs=NPS_TOLERANCE,
            slips=[
                (
                    wald.nps + sign * wald.se,
                    f"{label}: this is NPS {'+' if sign > 0 else '−'} one SE (about 68 %); a "
                    "95 % interval reaches 1.96 SE either way",
                ),
                (
                    wald.nps + sign * 2 * wald.se,
                    f"{label}: you used 2 SE; the 95 % normal quantile is 1.96",
                ),
                (
                    wald.nps + sign * stats.norm.ppf(0.95) * wald.se,
                    f"{label}: this is a 90 % interval (1.645 SE); the task asks for 95 % (1.96 SE)",
                ),
                (
                    (adjusted.ci_low if sign < 0 else adjusted.ci_high),
                    f"{label}: this is the adjusted-Wald interval; the task asks for the plain "
                    "Wald interval, NPS ± 1.96 SE",
                ),
                (
                    wald.nps + sign * z * wald.se / math.sqrt(n),
                    f"{label}: the SE already contains the 1/√n; do not divide by √n again",
                ),
            ],
        )


# --------------------------------------------------------------------------- task 3

_YES, _NO = ("yes", "evet"), ("no", "hayır")
_EVIDENCE_WORDS = (
    "p-value",
    "p value",
    "p =",
    "p=",
    "p <",
    "p<",
    "p >",
    "p>",
    "p-değer",
    "p değer",
    "interval",
    "confidence",
    "significan",
    "zero",
    "aralı",
    "güven",
    "anlamlı",
    "sıfır",
    "detect",
    "tespit",
)
_NOISE_WORDS = (
    "noise",
    "chance",
    "random",
    "sampling",
    "sample",
    "luck",
    "real",
    "genuine",
    "gürültü",
    "tesadüf",
    "şans",
    "rastgele",
    "örnek",
    "gerçek",
)


_REAL = (
    r"(statistically )?significant\w*",
    r"anlamli",
    r"beyond (the |what )?(sampling )?(noise|chance)",
    r"(more|larger|bigger|greater) than (the )?(sampling )?noise",
    r"(sampling )?noise alone (would|could|can) (rarely|seldom|hardly)",
    r"real (change|difference|drop|fall|rise|increase|decrease|move|shift)",
    r"(change|difference|drop|fall|rise|move|shift) (is|was) (real|genuine)",
    r"exclud\w* (0|zero)",
    r"(tiny|small|low|very small|very low) p\b",
    r"p[- ]?(value|degeri)? (is |was )?(very |so |extremely |quite )?(tiny|small|low)",
    r"p[- ]?(value|degeri)? (is |was )?(below|under|less than|smaller than) 0[.,]05",
    r"p\s?<\s?0[.,]05",
    r"unlikely (to be|to come from|from) (sampling )?(noise|chance)",
    r"gercek (bir )?(degisim|fark)",
)
_NOISE = (
    r"(within|inside|part of|just|only|mere) (the )?(sampling )?(noise|chance)",
    r"(sampling )?noise",
    r"(by )?chance",
    r"contain\w* (0|zero)",
    r"includ\w* (0|zero)",
    r"(large|big|high) p\b",
    r"p[- ]?(value|degeri)? (is |was )?(very |so |quite )?(large|big|high)",
    r"p[- ]?(value|degeri)? (is |was )?(above|over|greater than|larger than) 0[.,]05",
    r"p\s?>\s?0[.,]05",
    r"insignificant",
    r"gurultu",
    r"tesaduf",
)
_P_LABELS = (r"p[- ]?(value|degeri)?\s*(of|is|was|=|:)?",)


def _change_claims(significant: bool) -> tuple[Claim, ...]:
    """Task 3: the reading of the change that contradicts the student's test."""
    if significant:
        return (
            Claim(
                says=_NOISE,
                denies=_REAL,
                message="your test says the change is beyond sampling noise (p below 0.05, "
                "the interval excludes 0): the reason contradicts the evidence",
            ),
        )
    return (
        Claim(
            says=_REAL,
            denies=_NOISE,
            message="your test says the change is within sampling noise (p at or above 0.05, "
            "the interval contains 0): the reason contradicts the evidence",
        ),
    )


@task_check("is the change since the previous wave real?")
def check_05_3(answer: object, *, seed: int, reason: object = None) -> None:
    """``"yes"`` if the latest-vs-previous NPS change is significant at 95 %, else ``"no"``.

    The reason must quote a number of the test (the p-value, the change or a bound of its
    interval, by the Wald or adjusted-Wald method) and must not read the test the other way.
    """
    data = exercise_data(seed)
    latest, previous = _wave(data, data.latest_wave), _wave(data, data.previous_wave)
    verdicts = set()
    changes = []
    for method in ("wald", "adjusted_wald"):
        change = nps_difference(latest, previous, method=method, confidence=CONFIDENCE)
        changes.append(change)
        verdicts.update(_YES if change.significant else _NO)
    expect_choice(
        answer,
        [*_YES, *_NO],
        sorted(verdicts),
        name="your verdict",
        hint="look at the p-value (or at whether the interval of the change contains 0) that "
        "sat.nps_difference gives for the latest wave against the previous one",
    )
    agreed = {change.significant for change in changes}
    expect_reason(
        reason,
        [_EVIDENCE_WORDS, _NOISE_WORDS],
        hint="name the evidence you used (p-value or interval of the change) and say what it "
        "tells about sampling noise",
        wrong=_change_claims(agreed.pop()) if len(agreed) == 1 else (),
        cites=(
            Evidence("the p-value", tuple(c.p_value for c in changes), labels=_P_LABELS),
            Evidence("the change in points", tuple(c.difference for c in changes)),
            Evidence(
                "a bound of the interval of the change",
                tuple(bound for c in changes for bound in (c.ci_low, c.ci_high)),
            ),
        ),
    )


# --------------------------------------------------------------------------- task 4


def _reverse_suspect(scale: pd.DataFrame) -> str:
    """The statement with the most negative item–rest correlation (portfolio_lib's flag)."""
    result = cronbach_alpha(scale, confidence=CONFIDENCE, warn_reverse=False)
    return str(result.item_rest_correlation.idxmin())


def _alpha_by_formula(values: np.ndarray, *, k_factor: bool = True, sd: bool = False) -> float:
    """Cronbach's alpha by the textbook formula, optionally with a slip (for messages)."""
    spread = values.std(axis=0, ddof=1) if sd else values.var(axis=0, ddof=1)
    total = values.sum(axis=1)
    total_spread = total.std(ddof=1) if sd else total.var(ddof=1)
    k = values.shape[1]
    factor = k / (k - 1) if k_factor else 1.0
    return float(factor * (1 - spread.sum() / total_spread))


@task_check("reverse-coded statement and Cronbach's alpha")
def check_05_4(answer: object, *, seed: int) -> None:
    """``{"reverse_coded": <statement>, "alpha": <alpha after reversing it>}``."""
    scale = exercise_data(seed).scale
    values = expect_fields(
        answer, SCALE_FIELDS, name="your answer", result_attributes=("se", "ci_low")
    )
    item = _reverse_suspect(scale)
    expect_choice(
        values["reverse_coded"],
        list(scale.columns),
        item,
        name="the reverse-coded statement",
        hint="a reverse-worded statement correlates NEGATIVELY with the sum of the others "
        "(item–rest correlation)",
    )
    fixed = reverse_code(scale, [item], scale=SCALE_RANGE)
    expected = cronbach_alpha(fixed, confidence=CONFIDENCE).alpha
    slips = [
        (
            cronbach_alpha(scale, warn_reverse=False).alpha,
            "alpha: this is the alpha of the statements as stored; reverse the reverse-coded "
            f"one first ({SCALE_RANGE[0] + SCALE_RANGE[1]} − x on the 1-5 scale)",
        ),
        (
            cronbach_alpha(scale.drop(columns=item)).alpha,
            "alpha: you dropped the reverse-coded statement; reverse it instead and keep all four",
        ),
        (
            _alpha_by_formula(fixed.to_numpy(float), k_factor=False),
            "alpha: the factor k / (k − 1) is missing in front",
        ),
        (
            _alpha_by_formula(fixed.to_numpy(float), sd=True),
            "alpha: the formula uses VARIANCES of the items and of the total, not standard "
            "deviations",
        ),
    ]
    for other in scale.columns:
        if other != item:
            slips.append(
                (
                    cronbach_alpha(
                        reverse_code(scale, [other], scale=SCALE_RANGE), warn_reverse=False
                    ).alpha,
                    f"alpha: you reversed {other!r}; reverse the statement you named as "
                    "reverse-coded",
                )
            )
    raise_on_slip(values["alpha"], expected, slips, rel=1e-4, abs=ALPHA_TOLERANCE)
    alpha = as_real(values["alpha"])
    if alpha is not None and ALPHA_TOLERANCE < abs(alpha - expected) <= 0.005:
        raise CheckFailed(
            "alpha is close but rounded too much; pass the unrounded value (or round to 3 decimals)"
        )
    expect_number(
        values["alpha"],
        expected,
        name="Cronbach's alpha",
        rel=1e-4,
        abs=ALPHA_TOLERANCE,
        hint_scale=False,
    )


# --------------------------------------------------------------------------- task 5


def driver_priorities(data: Chapter5Data) -> pd.DataFrame:
    """Task 5's table: importance and latest-wave performance of the five drivers.

    Importance is the dominance share of R² for the NPS answer over all waves
    (:func:`portfolio_lib.satisfaction.driver_analysis`); performance is the mean
    rating of the latest wave with its 95 % interval
    (:func:`portfolio_lib.satisfaction.importance_performance`). A driver *qualifies*
    when it is at least as important as the average driver and its performance is
    not clearly above the drivers' average (the lower end of its interval lies below it).

    Returns
    -------
    DataFrame
        Indexed by driver: ``importance``, ``performance``, ``performance_ci_low``,
        ``performance_ci_high``, ``quadrant`` and ``qualifies`` (bool).

    Examples
    --------
    >>> table = driver_priorities(exercise_data(3))
    >>> sorted(table.index) == sorted(RATING_COLUMNS)
    True
    """
    drivers = driver_analysis(data.surveys, "nps", RATING_COLUMNS, confidence=CONFIDENCE)
    latest = data.surveys.loc[data.surveys["wave"] == data.latest_wave]
    ipm = importance_performance(latest, drivers, confidence=CONFIDENCE)
    table = ipm.table.copy()
    table["qualifies"] = (table["importance"] >= ipm.importance_cut) & (
        table["performance_ci_low"] < ipm.performance_cut
    )
    return table


_IMPORTANCE_WORDS = (
    "importan",
    "drive",
    "driver",
    "impact",
    "effect",
    "influenc",
    "dominance",
    "explain",
    "r²",
    "r2",
    "önem",
    "etki",
    "etken",
    "belirle",
    "açıkl",
)
_PERFORMANCE_WORDS = (
    "performance",
    "perform",
    "rating",
    "rated",
    "score",
    "interval",
    "average",
    "mean",
    "performans",
    "puan",
    "ortalama",
    "aralı",
    "değerlendir",
)


_LESS_IMPORTANT = (
    r"(least|less|not very|not that) important",
    r"unimportant",
    r"onemsiz",
    r"en az onemli",
    r"matters? (little|less|least)",
    r"(weakest|smallest|lowest) (driver|importance|share|effect|impact|influence)",
    r"(little|no|small|weak) (effect|impact|influence)",
    r"(below|under) (the )?average (importance|driver)",
)
_IMPORTANT = (
    r"important",
    r"(most|more|very|highly) important",
    r"(strongest|largest|biggest) (driver|importance|share|effect|impact|influence)",
    r"onemli",
)
_ALREADY_GOOD = (
    r"already (the |very )?(best|good|great|high|strong|fine|excellent|top|highest)",
    r"(is|are) (already )?(performing|rated|doing) (very )?(well|best|great)",
    r"performs? (very )?(well|best|great)",
    r"clearly (above|better than) (the )?average",
    r"zaten (iyi|en iyi|yuksek)",
)
_BEST_RATED = (
    r"best[- ](rated|performing|performance|rating)",
    r"highest[- ](rated|rating|performance|score)",
    r"(performance|rating|score) (is )?(the )?(best|highest)",
    r"rated (the )?(best|highest)",
    r"en (iyi|yuksek) (performans|puan)",
)
_IMPORTANCE_LABELS = (
    r"(importance|share of r2|share|r2 share|dominance|onem\w*)\s*(of|is|was|=|:)?",
)
_PERFORMANCE_LABELS = (
    r"(mean rating|average rating|rating|performance|mean|score|puan\w*|ortalama\w*)"
    r"\s*(of|is|was|=|:)?",
)


def _driver_claims(table: pd.DataFrame, driver: str) -> tuple[Claim, ...]:
    """Task 5: statements about a qualifying driver that contradict its numbers."""
    row = table.loc[driver]
    claims = [
        Claim(
            says=_LESS_IMPORTANT,
            denies=_IMPORTANT,
            message=f"{driver} is at least as important as the average driver (its share of "
            "R² is at or above the average share): the reason contradicts the numbers",
        ),
        Claim(
            says=_ALREADY_GOOD,
            message=f"{driver}'s performance is NOT clearly above average (the lower end of its "
            "interval lies below the average rating) — that is why it qualifies",
        ),
    ]
    if row["performance"] < table["performance"].max():
        claims.append(
            Claim(
                says=_BEST_RATED,
                message=f"another driver has a higher mean rating than {driver} in the latest wave",
            )
        )
    return tuple(claims)


def _driver_evidence(table: pd.DataFrame, driver: str) -> tuple[Evidence, ...]:
    """Task 5: the numbers a reason for ``driver`` may quote."""
    row = table.loc[driver]
    return (
        Evidence(
            f"{driver}'s importance (share of R²)",
            (float(row["importance"]),),
            labels=_IMPORTANCE_LABELS,
            percent=True,
        ),
        Evidence(
            f"{driver}'s mean rating or a bound of its interval",
            (
                float(row["performance"]),
                float(row["performance_ci_low"]),
                float(row["performance_ci_high"]),
            ),
            labels=_PERFORMANCE_LABELS,
        ),
    )


@task_check("which driver to fix first")
def check_05_5(answer: object, *, seed: int, reason: object = None) -> None:
    """The most important driver whose performance is not clearly above average, and why.

    The reason must quote the chosen driver's importance (share of R²) or its mean rating
    (or a bound of its interval), and must not call it unimportant or already performing
    well.
    """
    table = driver_priorities(exercise_data(seed))
    qualifying = table.loc[table["qualifies"]]
    if len(qualifying):
        best = list(near_best(qualifying["importance"]))
    else:
        best = [NO_DRIVER]
    options = [*RATING_COLUMNS, NO_DRIVER]
    if isinstance(answer, str) and f"rating_{answer.strip()}" in RATING_COLUMNS:
        answer = f"rating_{answer.strip()}"
    chosen = answer.strip() if isinstance(answer, str) else None
    hint = (
        "keep the drivers at least as important as the average driver whose performance is "
        "not clearly above the average, then take the most important of them"
    )
    if chosen in table.index and chosen not in best:
        row = table.loc[chosen]
        if row["importance"] < table["importance"].mean():
            hint = (
                f"{chosen} moves recommendation less than the average driver; improving it "
                "would change little. " + hint[0].upper() + hint[1:]
            )
        elif not row["qualifies"]:
            hint = (
                f"{chosen} already performs clearly above the average (even the lower end of its "
                "interval lies above it). " + hint[0].upper() + hint[1:]
            )
        elif row["quadrant"] == "concentrate here":
            hint = (
                f"{chosen} lies in 'concentrate here', but the quadrant line falls inside the "
                "rating intervals: compare IMPORTANCE among the qualifying drivers"
            )
        else:
            hint = "another qualifying driver is more important"
    expect_choice(answer, options, best, name="the driver to fix first", hint=hint)
    driver = str(answer).strip().casefold()  # accepted by expect_choice: one of the options
    in_table = driver in table.index
    expect_reason(
        reason,
        [_IMPORTANCE_WORDS, _PERFORMANCE_WORDS],
        hint="say how much the driver moves recommendation compared with the others (its share "
        "of R²), and how well the company performs on it now (its mean rating)",
        wrong=_driver_claims(table, driver) if in_table else (),
        cites=_driver_evidence(table, driver) if in_table else (),
        names=[driver, driver.removeprefix("rating_")],
        others=[d for d in RATING_COLUMNS if d != driver]
        + [d.removeprefix("rating_") for d in RATING_COLUMNS if d != driver],
    )
