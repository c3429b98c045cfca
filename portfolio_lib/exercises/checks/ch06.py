"""Checks for exercises/source/06_portfolio_strategy.ipynb (chapter 6: portfolio strategy).

Every student works on a small company of their own, simulated from their ``SEED``
(:func:`exercise_data`), and the checks recompute the expected answers from the same
seed with :mod:`portfolio_lib.churn`, :mod:`portfolio_lib.campaigns` and
:mod:`portfolio_lib.acquisition`:

1. the churn label by hand: who was active before the cut-off, who bought nothing in
   the window after it (:func:`check_06_1`);
2. which candidate feature leaks the future, how many customers it mislabels, and why
   the model is tested on a later window (interpretation, :func:`check_06_2`);
3. lift of the riskiest decile and the share of churners reached by calling the riskiest
   30 %, from the scores of a churn model (:func:`check_06_3`);
4. the retention A/B test: uplift in the response rate by hand, and is it significant?
   (:func:`check_06_4`);
5. roll the retention campaign out? Net return at the given margin and contact cost,
   and the manager's decision (:func:`check_06_5`);
6. CLV/CAC of one acquisition channel by hand, and the invest / hold / cut verdict
   (:func:`check_06_6`).

Examples
--------
>>> data = exercise_data(3)
>>> len(data.crm.customers), data.channel in set(data.customers["acquisition_channel"])
(400, True)
>>> check_06_1(0.58, seed=3)
Traceback (most recent call last):
...
portfolio_lib.exercises.feedback.CheckFailed: Task 1 (the churn label by hand): your churn numbers must be a dict with the keys 'n_customers', 'n_churned', 'churn_rate'; you passed a float
"""  # noqa: E501

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from portfolio_lib.acquisition import AcquisitionEconomics, acquisition_economics
from portfolio_lib.campaigns import ABTestResult, CampaignReturn, ab_test, campaign_return
from portfolio_lib.churn import ChurnLogit, ChurnSplit, churn_features, churn_time_split
from portfolio_lib.churn import gains_table as _gains_table
from portfolio_lib.clv import historical_clv
from portfolio_lib.exercises.checks._common import (
    N_CUSTOMERS,
    ChapterData,
    purchases,
)
from portfolio_lib.exercises.feedback import (
    CheckFailed,
    Claim,
    as_real,
    expect_choice,
    expect_fields,
    expect_number,
    expect_reason,
    task_check,
)
from portfolio_lib.simulate import CRMData

__all__ = [
    "N_CUSTOMERS",
    "WINDOW_DAYS",
    "ACTIVE_DAYS",
    "CUTOFF_CHOICES",
    "LEAK_OPTIONS",
    "TOP_SHARE",
    "CONFIDENCE",
    "MARGIN",
    "DECISIONS",
    "VERDICTS",
    "INVEST_RATIO",
    "CUT_RATIO",
    "Chapter6Data",
    "exercise_data",
    "churn_scores",
    "retention_test",
    "rollout_return",
    "channel_economics",
    "check_06_1",
    "check_06_2",
    "check_06_3",
    "check_06_4",
    "check_06_5",
    "check_06_6",
]

WINDOW_DAYS = 180
"""Tasks 1-3: a customer churned if they made no purchase in the 180 days from the cut-off."""

ACTIVE_DAYS = 365
"""Tasks 1-3: the customers at risk are those with a purchase in the 365 days before the cut-off."""

CUTOFF_CHOICES = tuple(
    pd.Timestamp(f"2024-{month:02d}-{day:02d}")
    for month in range(2, 8)
    for day in (1, 15)
    if (month, day) != (7, 15)
)
"""Tasks 1-2: the cut-off of each student is one of these days (its outcome window is observed)."""

LEAK_OPTIONS = ("tenure_days", "detractor", "open_complaints", "loyalty_member")
"""Task 2: candidate features, as :func:`portfolio_lib.churn.churn_features` names them."""

LEAKY_FEATURE = "loyalty_member"
"""Task 2: taken as it is from the customer table, this flag describes the END of the data."""

TOP_SHARE = 0.3
"""Task 3: the call centre can phone the riskiest 30 % of the customers."""

CONFIDENCE = 0.95
"""Level of every interval and test in the set (tasks 4-6)."""

MARGIN = 0.3
"""Tasks 5-6: gross margin as a fraction of revenue."""

DECISIONS = ("roll out", "extend the test", "stop")
"""Task 5: what the manager can do with the retention campaign."""

VERDICTS = ("invest more", "hold / optimise", "cut back")
"""Task 6: the verdicts of :func:`portfolio_lib.acquisition.acquisition_economics`."""

INVEST_RATIO, CUT_RATIO = 3.0, 1.0
"""Task 6: CLV/CAC >= 3 -> invest more; < 1 -> cut back; otherwise hold / optimise."""

_CLEAR_OF_THRESHOLD = 0.1
"""Task 6 asks about a channel whose CLV/CAC is at least 10 % away from 1 and from 3."""

CHURN_FIELDS = ("n_customers", "n_churned", "churn_rate")
LEAK_FIELDS = ("feature", "n_misflagged")
GAINS_FIELDS = ("top_decile_lift", "gain_top_30")
AB_FIELDS = ("uplift", "significant")
ROLLOUT_FIELDS = ("net_return", "decision")
CHANNEL_FIELDS = ("clv_to_cac", "verdict")


class Chapter6Data(ChapterData):
    """What the chapter-6 exercises work on besides ``crm``, all derived from the seed.

    Attributes
    ----------
    transactions : DataFrame
        Its sales ledger: ``customer_id``, ``date``, ``amount`` (currency units, negative
        for returns), ``is_return``, ...
    customers : DataFrame
        One row per customer: ``acquisition_channel``, ``acquisition_cost`` (currency
        units), ``signup_date``, ``loyalty_member``, ``loyalty_join_date``, ...
    cutoff : Timestamp
        Tasks 1-2: the cut-off day (first day of the outcome window).
    split : ChurnSplit
        Task 3: the time-based split of the transaction features
        (:func:`portfolio_lib.churn.churn_time_split`, windows of :data:`WINDOW_DAYS`,
        customers active in the :data:`ACTIVE_DAYS` before each cut-off).
    campaign : Series
        Tasks 4-5: the retention A/B test's row of ``crm.campaigns`` (``campaign_id``,
        ``start_date``, ``end_date``, ``cost_per_contact``, ``total_cost``, ...).
    contacts : DataFrame
        Tasks 4-5: its rows of ``crm.campaign_contacts`` (``customer_id``, ``arm``,
        ``contact_date``, ...); the control arm was selected but not contacted.
    channel : str
        Task 6: the acquisition channel asked about.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    cutoff: pd.Timestamp
    split: ChurnSplit
    campaign: pd.Series
    contacts: pd.DataFrame
    channel: str


def channel_economics(crm: CRMData) -> AcquisitionEconomics:
    """Task 6: CAC, CLV/CAC and verdict per channel, CLV = realised margin (:data:`MARGIN`).

    The CLV of a customer is the gross margin of their net spend (returns subtracted)
    over the whole data, :func:`portfolio_lib.clv.historical_clv` — the value the
    customer has already brought, a lower bound of their lifetime value.

    Examples
    --------
    >>> table = channel_economics(exercise_data(3).crm).table
    >>> set(table["verdict"]) <= set(VERDICTS)
    True
    """
    clv = historical_clv(crm.transactions, margin=MARGIN, observation_end=crm.observation_end)
    return acquisition_economics(
        crm.customers,
        crm.transactions,
        clv=clv,
        margin=MARGIN,
        observation_end=crm.observation_end,
        invest_ratio=INVEST_RATIO,
        cut_ratio=CUT_RATIO,
        confidence=CONFIDENCE,
    )


def _pick_channel(crm: CRMData, rng: np.random.Generator) -> str:
    """A channel whose CLV/CAC is clear of the verdict thresholds (any channel if none is).

    The verdict is drawn first (among those some clear channel has), then a channel with
    it, so that every verdict is asked about equally often across students.
    """
    table = channel_economics(crm).table.drop(index="all")
    ratio = table["clv_to_cac"]
    clear = pd.Series(True, index=table.index)
    for threshold in (CUT_RATIO, INVEST_RATIO):
        clear &= (ratio - threshold).abs() >= _CLEAR_OF_THRESHOLD * threshold
    pool = table.loc[clear] if clear.any() else table
    verdicts = sorted(set(pool["verdict"]))
    verdict = verdicts[int(rng.integers(len(verdicts)))]
    channels = sorted(map(str, pool.index[pool["verdict"] == verdict]))
    return channels[int(rng.integers(len(channels)))]


@ChapterData.document
def exercise_data(seed: int) -> Chapter6Data:
    """The data of the chapter-6 exercise set for one seed (the notebook's setup cell calls this).

    Examples
    --------
    >>> data = exercise_data(3)
    >>> data.cutoff in CUTOFF_CHOICES, sorted(data.contacts["arm"].unique())
    (True, ['control', 'treatment'])
    """
    rng, crm = ChapterData.start(seed, chapter=6)
    campaigns = crm.campaigns.loc[crm.campaigns["type"] == "retention"]
    campaign = campaigns.iloc[0]
    contacts = crm.campaign_contacts.loc[
        crm.campaign_contacts["campaign_id"] == campaign["campaign_id"]
    ].reset_index(drop=True)
    split = churn_time_split(
        crm.transactions,
        window_days=WINDOW_DAYS,
        lookback_days=WINDOW_DAYS,
        observation_end=crm.observation_end,
        active_within_days=ACTIVE_DAYS,
    )
    return Chapter6Data(
        crm=crm,
        transactions=crm.transactions,
        customers=crm.customers,
        cutoff=CUTOFF_CHOICES[int(rng.integers(len(CUTOFF_CHOICES)))],
        split=split,
        campaign=campaign,
        contacts=contacts,
        channel=_pick_channel(crm, rng),
    )


def churn_scores(split: ChurnSplit) -> pd.Series:
    """Task 3: churn probability of each test customer from a logit fitted on the training table.

    Examples
    --------
    >>> scores = churn_scores(exercise_data(3).split)
    >>> bool(scores.between(0, 1).all())
    True
    """
    return ChurnLogit().fit(split.train).predict_proba(split.test)


def retention_test(data: Chapter6Data) -> ABTestResult:
    """Tasks 4-5: the retention A/B test, response measured up to the campaign's end date.

    Examples
    --------
    >>> result = retention_test(exercise_data(3))
    >>> list(result.arms.index)
    ['treatment', 'control']
    """
    return ab_test(
        data.contacts,
        data.transactions,
        campaign_id=str(data.campaign["campaign_id"]),
        campaigns=data.crm.campaigns,
        confidence=CONFIDENCE,
    )


def rollout_return(data: Chapter6Data, result: ABTestResult | None = None) -> CampaignReturn:
    """Task 5: net return of the test at :data:`MARGIN`, costed at the cost per contact.

    The cost is ``cost_per_contact`` × the contacted (treatment) customers: what each
    further contact costs when the campaign is rolled out. The campaign's fixed cost
    (design, set-up) is already spent and does not grow with the roll-out.

    Examples
    --------
    >>> data = exercise_data(3)
    >>> r = rollout_return(data)
    >>> bool(r.net_return_low <= r.net_return <= r.net_return_high)
    True
    """
    result = retention_test(data) if result is None else result
    n_treated = int(result.arms.loc["treatment", "n"])
    cost = float(data.campaign["cost_per_contact"]) * n_treated
    return campaign_return(result, margin=MARGIN, cost=cost)


# --------------------------------------------------------------------------- helpers


def _close(value: object, target: float, *, rel: float, abs: float) -> bool:  # noqa: A002
    """True if ``value`` is a real number close to the finite ``target``."""
    number = as_real(value)
    return (
        number is not None
        and np.isfinite(target)
        and math.isclose(number, target, rel_tol=rel, abs_tol=abs)
    )


def _count_of(value: object, name: str) -> object:
    """Explain a collection where a count was asked for."""
    if isinstance(value, set | frozenset | list | tuple | pd.Index | np.ndarray | pd.Series):
        raise CheckFailed(f"{name}: you passed a collection of customers; give their number (len)")
    return value


# --------------------------------------------------------------------------- task 1


def _customers_active(
    transactions: pd.DataFrame,
    cutoff: pd.Timestamp,
    *,
    active_days: int | None = ACTIVE_DAYS,
    include_cutoff: bool = False,
    strict_start: bool = False,
    with_returns: bool = False,
) -> pd.Index:
    """The population of task 1 and, with the flags, its usual slips."""
    rows = transactions if with_returns else purchases(transactions)
    before = rows["date"] <= cutoff if include_cutoff else rows["date"] < cutoff
    last = rows.loc[before].groupby("customer_id")["date"].max()
    if active_days is not None:
        start = cutoff - pd.Timedelta(days=active_days)
        last = last.loc[last > start] if strict_start else last.loc[last >= start]
    return pd.Index(sorted(last.index))


def _churned(
    transactions: pd.DataFrame,
    population: pd.Index,
    cutoff: pd.Timestamp,
    *,
    with_returns: bool = False,
    end_inclusive: bool = False,
    start_after: bool = False,
) -> int:
    """Customers of ``population`` without a purchase in the outcome window (and its slips)."""
    rows = transactions if with_returns else purchases(transactions)
    end = cutoff + pd.Timedelta(days=WINDOW_DAYS)
    after = rows["date"] > cutoff if start_after else rows["date"] >= cutoff
    before_end = rows["date"] <= end if end_inclusive else rows["date"] < end
    buyers = set(rows.loc[after & before_end, "customer_id"])
    return int(sum(customer not in buyers for customer in population))


@task_check("the churn label by hand")
def check_06_1(answer: object, *, seed: int) -> None:
    """``{"n_customers", "n_churned", "churn_rate"}`` at ``exercise_data(seed).cutoff``."""
    data = exercise_data(seed)
    values = expect_fields(answer, CHURN_FIELDS, name="your churn numbers")
    tx, cut = data.transactions, data.cutoff
    truth = churn_features(
        tx,
        cutoff=cut,
        window_days=WINDOW_DAYS,
        active_within_days=ACTIVE_DAYS,
        observation_end=data.observation_end,
    ).label
    n_expected, k_expected = len(truth), int(truth.sum())
    population = pd.Index(sorted(truth.index))

    n_value = _count_of(values["n_customers"], "n_customers")
    slips = [
        (
            len(_customers_active(tx, cut, active_days=None)),
            "n_customers: you counted everyone who ever bought before the cut-off; keep only "
            f"the customers with a purchase in the {ACTIVE_DAYS} days before it (long-lost "
            "customers cannot churn any more)",
        ),
        (
            len(data.customers),
            "n_customers: you counted every customer of the company; keep only those with a "
            f"purchase in the {ACTIVE_DAYS} days BEFORE the cut-off",
        ),
        (
            len(_customers_active(tx, cut, include_cutoff=True)),
            "n_customers: you included purchases made ON the cut-off day; the cut-off is the "
            "first day of the outcome window, so features and population use dates < cut-off",
        ),
        (
            len(_customers_active(tx, cut, strict_start=True)),
            f"n_customers: a purchase exactly {ACTIVE_DAYS} days before the cut-off still "
            f"counts (cut-off − {ACTIVE_DAYS} days <= date < cut-off)",
        ),
        (
            len(_customers_active(tx, cut, with_returns=True)),
            "n_customers: a return is not a purchase; count only purchases when you decide "
            "who was active",
        ),
    ]
    expect_number(
        n_value, n_expected, name="n_customers", unit="customers", hint_scale=False, slips=slips
    )

    k_value = _count_of(values["n_churned"], "n_churned")
    slips = [
        (
            n_expected - k_expected,
            "n_churned: this is the number of customers who DID buy in the window (the "
            "stayers); churners made no purchase in it",
        ),
        (
            _churned(tx, population, cut, with_returns=True),
            "n_churned: a customer whose only transaction in the window is a return still "
            "churned; count purchases only (is_return is False)",
        ),
        (
            _churned(tx, population, cut, end_inclusive=True),
            f"n_churned: your window is one day too long; it runs from the cut-off for "
            f"{WINDOW_DAYS} days: cut-off <= date < cut-off + {WINDOW_DAYS} days",
        ),
        (
            _churned(tx, population, cut, start_after=True),
            "n_churned: a purchase ON the cut-off day counts; the window starts with the "
            "cut-off day (date >= cut-off)",
        ),
    ]
    expect_number(
        k_value, k_expected, name="n_churned", unit="customers", hint_scale=False, slips=slips
    )

    rate = k_expected / n_expected
    slips = [
        (1 - rate, "churn_rate: this is the share who stayed; churn is the share who left"),
        (
            k_expected / len(data.customers),
            "churn_rate: divide by the customers at risk (n_customers), not by every "
            "customer of the company",
        ),
    ]
    expect_number(
        values["churn_rate"],
        rate,
        name="churn_rate",
        bounds=(0.0, 1.0),
        slips=slips,
    )


# --------------------------------------------------------------------------- task 2

_LEAK_HINTS = {
    "tenure_days": "tenure_days counts the days from the first purchase to the cut-off: it is "
    "known on the cut-off day",
    "detractor": "detractor comes from the latest NPS answer given BEFORE the cut-off: it is "
    "known on the cut-off day",
    "open_complaints": "open_complaints counts complaints opened before the cut-off and not "
    "resolved before it: on the cut-off day the manager knows which complaints are still open",
}

_FUTURE_WORDS = (
    "leak",
    "future",
    "after",
    "later",
    "hindsight",
    "look-ahead",
    "not known",
    "not yet known",
    "unknown",
    "would not know",
    "wouldn't know",
    "cannot know",
    "can't know",
    "sızıntı",
    "sızın",
    "sızma",
    "sızdır",
    "gelecek",
    "ileri",
    "sonra",
    "bilinm",
    "bilem",
)
_EVALUATION_WORDS = (
    "unseen",
    "next",
    "later",
    "new data",
    "new customers",
    "new period",
    "real",
    "practice",
    "deploy",
    "honest",
    "realistic",
    "optimis",
    "overestimat",
    "over-estimat",
    "overstat",
    "inflat",
    "too good",
    "better than",
    "mislead",
    "gerçek",
    "pratik",
    "uygula",
    "iyimser",
    "yanılt",
    "abart",
    "yeni veri",
    "yeni dönem",
    "yeni müşteri",
    "sonraki",
    "görülmemiş",
    "görmediği",
    "dürüst",
)


_LEAK_LOOKS_WORSE = Claim(
    says=(
        r"(look|looks|seem|seems|appear|be) (much )?(worse|weaker|pessimistic|lower|too low)",
        r"(under|under-)(estimat|stat)\w*",
        r"random (split|part|sample|test set) (is |would be )?(fine|better|enough|ok|"
        r"honest|realistic|more realistic)",
        r"leak\w* (feature )?(improves?|helps?) the model",
    ),
    denies=(r"(look|looks|seem|seems|appear|be) (much )?(better|too good|optimistic)",),
    message="a leaky feature makes the test results look BETTER than the model really is, "
    "and a random split hides it; a later window shows how the model does in practice",
)


@task_check("which feature leaks the future")
def check_06_2(answer: object, *, seed: int, reason: object = None) -> None:
    """``{"feature", "n_misflagged"}`` (a choice of :data:`LEAK_OPTIONS` and a count), and why."""
    data = exercise_data(seed)
    values = expect_fields(answer, LEAK_FIELDS, name="your leakage answer")
    feature = values["feature"]
    chosen = feature.strip() if isinstance(feature, str) else None
    hint = "look for the column that describes the END of the data, not the cut-off day"
    if chosen in _LEAK_HINTS:
        hint = f"{_LEAK_HINTS[chosen]}; {hint}"
    expect_choice(feature, list(LEAK_OPTIONS), LEAKY_FEATURE, name="the leaky feature", hint=hint)

    cut = data.cutoff
    customers = data.customers.set_index("customer_id")
    population = _customers_active(data.transactions, cut)
    member_now = customers["loyalty_member"].astype(bool)
    joined = customers["loyalty_join_date"]
    misflagged = member_now & ~(joined < cut)
    expected = int(misflagged.loc[population].sum())
    n_value = _count_of(values["n_misflagged"], "n_misflagged")
    slips = [
        (
            int(member_now.loc[population].sum()),
            "n_misflagged: this is every member by the customer table's flag; count only "
            "those whose loyalty_join_date is on or after the cut-off (not yet members "
            "on the cut-off day)",
        ),
        (
            int((joined < cut).loc[population].sum()),
            "n_misflagged: these customers had joined before the cut-off — their flag is "
            "right; count the members who joined on or after the cut-off",
        ),
        (
            int(misflagged.sum()),
            "n_misflagged: count only the customers at risk of task 1 (active in the "
            f"{ACTIVE_DAYS} days before the cut-off), not the whole customer table",
        ),
        (
            int((member_now & (joined > cut)).loc[population].sum()),
            "n_misflagged: a customer who joined ON the cut-off day was not a member before "
            "it either; use loyalty_join_date >= cut-off",
        ),
    ]
    expect_number(
        n_value, expected, name="n_misflagged", unit="customers", hint_scale=False, slips=slips
    )
    expect_reason(
        reason,
        [_FUTURE_WORDS, _EVALUATION_WORDS],
        hint="say what a feature may not contain (when was it measured?), and what testing on "
        "a later window tells the manager about the model",
        wrong=(_LEAK_LOOKS_WORSE,),
    )


# --------------------------------------------------------------------------- task 3


def _ranked_labels(labels: pd.Series, scores: pd.Series, *, descending: bool = True) -> np.ndarray:
    values = scores.reindex(labels.index).to_numpy(dtype=float)
    order = np.argsort(-values if descending else values, kind="stable")
    return labels.to_numpy(dtype=bool)[order]


def _in_sample_scores(split: ChurnSplit) -> pd.Series:
    """The usual slip of task 3: the logit's scores of its own training customers."""
    return ChurnLogit().fit(split.train).predict_proba(split.train)


def _lift(ranked: np.ndarray, k: int) -> float:
    return float(ranked[:k].mean() / ranked.mean())


def _gain(ranked: np.ndarray, k: int) -> float:
    return float(ranked[:k].sum() / ranked.sum())


def _sizes(n: int, share: float, table: pd.DataFrame, bins: int) -> set[int]:
    """Top-group sizes a careful student may use: the gains table's bins, floor, round, ceil."""
    exact = share * n
    sizes = {math.floor(exact + 1e-9), round(exact), math.ceil(exact - 1e-9)}
    sizes.add(int(table["n"].iloc[:bins].sum()))
    return {size for size in sizes if size >= 1}


@task_check("lift and gains of the churn model")
def check_06_3(answer: object, *, seed: int) -> None:
    """``{"top_decile_lift", "gain_top_30"}`` of the logit's scores on the test table."""
    data = exercise_data(seed)
    values = expect_fields(answer, GAINS_FIELDS, name="your lift and gain")
    split = data.split
    labels = split.test.label
    scores = churn_scores(split)
    table = _gains_table(labels, scores)
    ranked = _ranked_labels(labels, scores)
    ascending = _ranked_labels(labels, scores, descending=False)
    train_ranked = _ranked_labels(split.train.label, _in_sample_scores(split))
    n = len(ranked)
    top_bins = round(TOP_SHARE * 10)
    decile = int(table["n"].iloc[0])
    called = int(table["n"].iloc[:top_bins].sum())

    lift = values["top_decile_lift"]
    expected_lift = float(table["lift"].iloc[0])
    if not any(
        _close(lift, _lift(ranked, k), rel=1e-6, abs=1e-9) for k in _sizes(n, 0.1, table, 1)
    ):
        slips = [
            (
                ranked[:decile].mean(),
                "top_decile_lift: this is the churn RATE of the riskiest tenth; the lift "
                "divides it by the churn rate of all test customers",
            ),
            (
                _gain(ranked, decile),
                "top_decile_lift: this is the share of ALL churners found in the riskiest "
                "tenth (its gain); the lift is its churn rate over the overall churn rate",
            ),
            (
                1 / expected_lift,
                "top_decile_lift: your ratio is upside down; divide the riskiest tenth's "
                "churn rate by the overall churn rate",
            ),
            (
                _lift(ascending, decile),
                "top_decile_lift: you took the LEAST risky tenth; sort the scores in "
                "descending order (highest churn probability first)",
            ),
            (
                _lift(train_ranked, int(math.ceil(len(train_ranked) / 10))),
                "top_decile_lift: you scored the TRAINING customers; a model is judged on "
                "the test table (split.test), which it has not seen",
            ),
        ]
        expect_number(
            lift,
            expected_lift,
            name="top_decile_lift",
            unit="times the average",
            bounds=(0.0, 10.0),
            hint_scale=False,
            slips=slips,
        )

    gain = values["gain_top_30"]
    expected_gain = float(table["cum_gain"].iloc[top_bins - 1])
    sizes = _sizes(n, TOP_SHARE, table, top_bins)
    if not any(_close(gain, _gain(ranked, k), rel=1e-6, abs=1e-9) for k in sizes):
        third = ranked[int(table["n"].iloc[: top_bins - 1].sum()) : called]
        slips = [
            (
                _lift(ranked, called),
                "gain_top_30: this is the cumulative LIFT of the riskiest 30 %; the gain is "
                "the share of all churners among the customers called",
            ),
            (
                float(ranked[:called].mean()),
                "gain_top_30: this is the churn rate AMONG the customers called; the gain is "
                "the share of ALL churners that they include",
            ),
            (
                float(ranked[:called].sum()),
                "gain_top_30: this is the NUMBER of churners reached; divide by all churners "
                "of the test table",
            ),
            (
                float(third.sum() / ranked.sum()),
                "gain_top_30: this is the third decile alone; the riskiest 30 % are deciles "
                "1-3 together (cumulative)",
            ),
            (
                _gain(ascending, called),
                "gain_top_30: you took the LEAST risky 30 %; sort the scores in descending order",
            ),
            (
                _gain(train_ranked, round(TOP_SHARE * len(train_ranked))),
                "gain_top_30: you scored the TRAINING customers; use the test table",
            ),
        ]
        expect_number(
            gain,
            expected_gain,
            name="gain_top_30",
            bounds=(0.0, 1.0),
            slips=slips,
        )


# --------------------------------------------------------------------------- task 4


def _yes_no(answer: object, name: str) -> str:
    """``"yes"``/``"no"`` from a text (English or Turkish) or a bool, explaining other inputs."""
    if isinstance(answer, bool | np.bool_):
        return "yes" if answer else "no"
    if isinstance(answer, str):
        text = answer.strip().casefold()
        if text in {"yes", "evet", "true", "y"}:
            return "yes"
        if text in {"no", "hayır", "hayir", "false", "n"}:
            return "no"
    raise CheckFailed(f"{name} must be 'yes' or 'no' (or 'evet' / 'hayır'); you gave {answer!r}")


def _response_rates(
    data: Chapter6Data,
    *,
    with_returns: bool = False,
    from_start: bool = False,
    end_exclusive: bool = False,
) -> pd.Series:
    """Response rate per arm by hand, with the usual slips as options."""
    rows = data.transactions if with_returns else purchases(data.transactions)
    contacts = data.contacts[["customer_id", "arm", "contact_date"]]
    merged = contacts.merge(rows[["customer_id", "date"]], on="customer_id", how="left")
    start = (
        pd.Series(pd.Timestamp(data.campaign["start_date"]), index=merged.index)
        if from_start
        else merged["contact_date"]
    )
    end = pd.Timestamp(data.campaign["end_date"])
    inside = (merged["date"] >= start) & (
        merged["date"] < end if end_exclusive else merged["date"] <= end
    )
    responded = inside.groupby(merged["customer_id"]).any()
    return (
        contacts.assign(responded=contacts["customer_id"].map(responded))
        .groupby("arm")["responded"]
        .mean()
    )


@task_check("the retention A/B test")
def check_06_4(answer: object, *, seed: int) -> None:
    """``{"uplift", "significant"}``: treatment − control response rate, and is it significant?"""
    data = exercise_data(seed)
    values = expect_fields(
        answer, AB_FIELDS, name="your A/B test answer", result_attributes=("uplift", "p_value")
    )
    result = retention_test(data)
    rates = result.arms["response_rate"]
    treated, control = float(rates["treatment"]), float(rates["control"])
    uplift = values["uplift"]
    slips = [
        (
            treated / control - 1 if control > 0 else math.nan,
            "uplift: this is the RELATIVE uplift (treatment / control − 1); give the "
            "difference of the two response rates",
        ),
        (
            treated,
            "uplift: this is the treatment arm's response rate alone; subtract the control "
            "arm's rate — some customers buy without being contacted",
        ),
    ]
    for options, message in (
        (
            {"with_returns": True},
            "uplift: a return in the window is not a response; count purchases only",
        ),
        (
            {"from_start": True},
            "uplift: each contact's window starts on its own contact_date, not on the "
            "campaign's start_date",
        ),
        (
            {"end_exclusive": True},
            "uplift: the window includes the campaign's end_date (contact_date <= date <= "
            "end_date)",
        ),
    ):
        other = _response_rates(data, **options)
        slips.append((float(other["treatment"] - other["control"]), message))
    expect_number(
        uplift,
        result.uplift,
        name="uplift",
        bounds=(-1.0, 1.0),
        slips=slips,
    )

    by_p = "yes" if result.p_value < 1 - CONFIDENCE else "no"
    by_interval = "no" if result.uplift_ci_low <= 0 <= result.uplift_ci_high else "yes"
    said = _yes_no(values["significant"], "significant")
    if said not in {by_p, by_interval}:
        if said == "yes":
            hint = (
                "a positive uplift in this sample is not enough: with about "
                f"{int(result.arms['n'].min())} customers per arm, chance alone moves the two "
                "rates apart. Look at the p-value of the z-test (below 0.05?) and at whether "
                "the uplift's 95 % interval contains 0"
            )
        else:
            hint = (
                "look again at the p-value of the two-proportion z-test (result.p_value) and at "
                "the uplift's 95 % interval (uplift_ci_low, uplift_ci_high)"
            )
        raise CheckFailed(f"significant: {said!r} is not what the test says — {hint}")


# --------------------------------------------------------------------------- task 5


def _decision(returns: CampaignReturn) -> str:
    if returns.net_return_low > 0:
        return "roll out"
    if returns.net_return_high < 0:
        return "stop"
    return "extend the test"


@task_check("roll out the retention campaign?")
def check_06_5(answer: object, *, seed: int) -> None:
    """``{"net_return", "decision"}``: the test's net return (currency units) and the decision."""
    data = exercise_data(seed)
    values = expect_fields(
        answer, ROLLOUT_FIELDS, name="your roll-out answer", result_attributes=("net_return", "roi")
    )
    result = retention_test(data)
    returns = rollout_return(data, result)
    arms = result.arms
    n_t, n_c = int(arms.loc["treatment", "n"]), int(arms.loc["control", "n"])
    per_contact = float(data.campaign["cost_per_contact"])
    cost = per_contact * n_t
    lift_revenue = result.spend_difference * n_t
    net = values["net_return"]
    slips = [
        (
            lift_revenue - cost,
            "net_return: you compared revenue with the cost; the campaign earns only the "
            f"gross MARGIN ({MARGIN:.0%}) of the extra revenue",
        ),
        (
            MARGIN * float(arms.loc["treatment", "spend_total"]) - cost,
            "net_return: you counted ALL purchases of the contacted customers; only the "
            "difference to the control arm was caused by the campaign",
        ),
        (
            MARGIN * lift_revenue - float(data.campaign["total_cost"]),
            "net_return: you used the campaign's total_cost, which includes its fixed "
            "set-up cost; a roll-out decision compares the cost per contact × contacts",
        ),
        (
            MARGIN * result.spend_difference * (n_t + n_c) - per_contact * (n_t + n_c),
            "net_return: the control customers were not contacted: count the treatment arm "
            "only (its customers cost money and bring the extra spend)",
        ),
        (
            MARGIN * result.spend_difference - per_contact,
            "net_return: this is the net return PER contact; multiply by the contacted "
            "customers for the test's total",
        ),
        (
            returns.roi,
            "net_return: this is the ROI (net return / cost); give the net return in "
            "currency units",
        ),
    ]
    expect_number(
        net,
        returns.net_return,
        name="net_return",
        unit="currency units",
        rel=1e-6,
        abs=1e-6,
        hint_scale=False,
        slips=slips,
    )

    decision = values["decision"]
    correct = _decision(returns)
    said = decision.strip().casefold() if isinstance(decision, str) else None
    if said == "roll out":
        hint = (
            "roll out only when even the low end of the net-return interval "
            "(campaign_return(...).net_return_low) is above 0"
        )
    elif said == "stop":
        hint = "stop only when even the high end of the net-return interval is below 0"
    else:
        hint = (
            "extend the test only when the net-return interval still contains 0; here it does not"
        )
    expect_choice(decision, list(DECISIONS), correct, name="the decision", hint=hint)


# --------------------------------------------------------------------------- task 6

_VERDICT_ALIASES = {
    "invest": "invest more",
    "invest more": "invest more",
    "hold": "hold / optimise",
    "optimise": "hold / optimise",
    "optimize": "hold / optimise",
    "hold/optimise": "hold / optimise",
    "hold / optimize": "hold / optimise",
    "hold/optimize": "hold / optimise",
    "hold / optimise": "hold / optimise",
    "cut": "cut back",
    "cut back": "cut back",
}


@task_check("CLV/CAC of an acquisition channel")
def check_06_6(answer: object, *, seed: int) -> None:
    """``{"clv_to_cac", "verdict"}`` of ``exercise_data(seed).channel``."""
    data = exercise_data(seed)
    values = expect_fields(answer, CHANNEL_FIELDS, name="your channel answer")
    economics = channel_economics(data.crm)
    table = economics.table
    row = table.loc[data.channel]
    expected = float(row["clv_to_cac"])
    in_channel = data.customers["acquisition_channel"] == data.channel
    ids = data.customers.loc[in_channel, "customer_id"]
    gross = MARGIN * purchases(data.transactions).groupby("customer_id")["amount"].sum()
    clv = historical_clv(data.transactions, margin=MARGIN, observation_end=data.observation_end)
    ratio = values["clv_to_cac"]
    slips = [
        (
            1 / expected,
            "clv_to_cac: your ratio is upside down (CAC / CLV); divide the mean CLV by the CAC",
        ),
        (
            expected / MARGIN,
            f"clv_to_cac: you used revenue as the CLV; the CLV here is the gross MARGIN "
            f"({MARGIN:.0%}) of each customer's net spend",
        ),
        (
            float(row["clv_mean"] / table.loc["all", "cac"]),
            f"clv_to_cac: you divided by the CAC of ALL channels; use the CAC of "
            f"{data.channel!r} (its customers' acquisition cost)",
        ),
        (
            float(table.loc["all", "clv_mean"] / row["cac"]),
            f"clv_to_cac: you used the mean CLV of ALL customers; use the customers of "
            f"{data.channel!r} only",
        ),
        (
            float(gross.reindex(ids, fill_value=0.0).mean() / row["cac"]),
            "clv_to_cac: returns must be subtracted: the CLV uses each customer's NET spend",
        ),
        (
            float(clv.reindex(ids).median() / row["cac"]),
            "clv_to_cac: you used the median CLV; the ratio uses the mean CLV (the "
            "average value a customer of this channel brings)",
        ),
    ]
    expect_number(
        ratio,
        expected,
        name="clv_to_cac",
        unit="times the CAC",
        rel=1e-6,
        hint_scale=False,
        slips=slips,
    )
    verdict = values["verdict"]
    if isinstance(verdict, str):
        verdict = _VERDICT_ALIASES.get(" ".join(verdict.strip().casefold().split()), verdict)
    expect_choice(
        verdict,
        list(VERDICTS),
        str(row["verdict"]),
        name="the verdict",
        hint=f"the rule: CLV/CAC >= {INVEST_RATIO:g} invest more, < {CUT_RATIO:g} cut back, "
        "otherwise hold / optimise",
    )
