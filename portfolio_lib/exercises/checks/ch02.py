"""Checks for exercises/source/02_segmentation_and_portfolio.ipynb (chapter 2: segmentation).

Every student works on a small company of their own, simulated from their
``SEED`` (:func:`exercise_data`), and the checks recompute the expected answers
from the same seed with :mod:`portfolio_lib.rfm`, :mod:`portfolio_lib.portfolio`
and :mod:`portfolio_lib.segmentation`:

1. recency, frequency and monetary value of one customer, by hand (:func:`check_02_1`);
2. the retention rate (E − N) / S of one month, counted from the ledger (:func:`check_02_2`);
3. how concentrated revenue is: top-20 % share and Gini, by hand (:func:`check_02_3`);
4. which RFM segment gets the win-back offer, and why (a manager's decision, :func:`check_02_4`);
5. how many behavioural segments to use, from the diagnostics table (:func:`check_02_5`).

Examples
--------
>>> data = exercise_data(3)
>>> len(data.crm.customers), data.customer in set(data.transactions["customer_id"])
(400, True)
>>> check_02_3({"top_20_share": 20.0, "gini": 0.5}, seed=3)
Traceback (most recent call last):
...
portfolio_lib.exercises.feedback.CheckFailed: Task 3 (how concentrated revenue is): top-20 % revenue share must be between 0 and 1; you returned 20
"""  # noqa: E501

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from portfolio_lib.exercises.checks._ch02_portfolio import (
    AT_RISK_AFTER_DAYS,
    COHORT_UNIT,
    MARGIN,
    N_ATTITUDE_FACTORS,
    N_ATTITUDE_SEGMENTS,
    PortfolioExerciseData,
    attitude_means,
    check_02_6,
    check_02_7,
    check_02_8,
    check_02_9,
    portfolio_exercise_data,
)
from portfolio_lib.exercises.checks._common import (
    N_CUSTOMERS,
    ChapterData,
    near_best,
    pick_from_first,
    purchases,
)
from portfolio_lib.exercises.feedback import (
    CheckFailed,
    Claim,
    as_real,
    check,
    expect_choice,
    expect_fields,
    expect_number,
    expect_reason,
    task_check,
)
from portfolio_lib.portfolio import gini, pareto_table, retention_rate
from portfolio_lib.rfm import SEGMENT_NAMES, default_segment_rules, rfm_scores, rfm_segments
from portfolio_lib.rfm import rfm_table as _rfm_table
from portfolio_lib.segmentation import behaviour_features, cluster_diagnostics, profile_segments

__all__ = [
    "N_CUSTOMERS",
    "ACTIVE_DAYS",
    "K_RANGE",
    "MIN_SEGMENTS",
    "MAX_SEGMENTS",
    "MIN_SEGMENT_SHARE",
    "WIN_BACK_MAX_R",
    "Chapter2Data",
    "exercise_data",
    "customer_base",
    "retention_counts",
    "win_back_table",
    "cluster_features",
    "check_02_1",
    "check_02_2",
    "check_02_3",
    "check_02_4",
    "check_02_5",
    # tasks 6-9 (portfolio groups, psychographic segments, cohorts, migration): _ch02_portfolio
    "MARGIN",
    "AT_RISK_AFTER_DAYS",
    "N_ATTITUDE_FACTORS",
    "N_ATTITUDE_SEGMENTS",
    "COHORT_UNIT",
    "PortfolioExerciseData",
    "portfolio_exercise_data",
    "attitude_means",
    "check_02_6",
    "check_02_7",
    "check_02_8",
    "check_02_9",
]

ACTIVE_DAYS = 90
"""Task 2: a customer is in the active base on a day if they bought in the 90 days ending on it."""

K_RANGE = range(2, 8)
"""Task 5: the numbers of segments tried by the diagnostics."""

MIN_SEGMENTS, MAX_SEGMENTS = 3, 5
"""Task 5: the marketing team runs between three and five segment campaigns."""

MIN_SEGMENT_SHARE = 0.05
"""Task 5: a segment below 5 % of the customers is too small for a campaign of its own."""

WIN_BACK_MAX_R = 2
"""Task 4: win-back segments are those whose recency score R is at most 2 (of 5)."""

_SILHOUETTE_TIE = 0.001
"""Task 5 accepts any admissible k within 0.001 of the best silhouette (a tie at 3 decimals)."""

_TABLE_HINT = "select one row, or build the dict from your numbers"
"""What to do instead of passing a table where a dict of numbers is asked for."""

RFM_FIELDS = ("recency_days", "frequency", "monetary_total")
RETENTION_FIELDS = ("S", "N", "E", "rate")
CONCENTRATION_FIELDS = ("top_20_share", "gini")


class Chapter2Data(ChapterData):
    """What the chapter-2 exercises work on besides ``crm``, all derived from the seed.

    Attributes
    ----------
    transactions : DataFrame
        Its sales ledger (``crm.transactions``): ``customer_id``, ``date``, ``amount``
        (currency units, negative for returns), ``is_return``, ...
    customer : str
        Task 1: the customer whose recency, frequency and monetary value are asked
        (one with at least two purchase days and a return).
    month : str
        Task 2: the month (``"YYYY-MM"``) whose retention rate is asked.
    """

    transactions: pd.DataFrame
    customer: str
    month: str


def _pick_customer(transactions: pd.DataFrame, rng: np.random.Generator) -> str:
    """A customer with >= 2 purchase days and a return, preferably one dated after the last buy."""
    buys = purchases(transactions)
    days = buys.groupby("customer_id")["date"].agg(["nunique", "max"])
    rows = transactions.groupby("customer_id")["date"].agg(["size", "max"])
    returns = set(transactions.loc[transactions["amount"] < 0, "customer_id"])
    eligible = days.index[(days["nunique"] >= 2) & days.index.isin(list(returns))]
    late_return = eligible[rows.loc[eligible, "max"] > days.loc[eligible, "max"]]
    pools = (late_return, eligible, days.index[days["nunique"] >= 2], days.index)
    customer = pick_from_first(pools, rng)
    if customer is None:  # pragma: no cover
        raise ValueError("the simulated company has no purchases")
    return customer


def customer_base(
    transactions: pd.DataFrame, day: str | pd.Timestamp, *, active_days: int = ACTIVE_DAYS
) -> pd.Index:
    """Customers in the active base on ``day``: a purchase in the ``active_days`` days ending on it.

    Purchases dated ``day - active_days < date <= day`` count (returns do not).

    Parameters
    ----------
    transactions : DataFrame
        Sales ledger with ``customer_id``, ``date``, ``amount`` and ``is_return``.
    day : date-like
        The day the base is counted on.
    active_days : int
        Length of the activity window, in days.

    Returns
    -------
    pandas.Index
        Sorted customer ids.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b"], "amount": [5.0, 7.0],
    ...                    "is_return": [False, False],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-03-31"])})
    >>> customer_base(tx, "2024-03-30").tolist()  # 2024-01-01 is the 90th day back
    ['a']
    >>> customer_base(tx, "2024-03-31").tolist()  # 2024-01-01 is 90 days ago: out
    ['b']
    """
    end = pd.Timestamp(day).normalize()
    buys = purchases(transactions)
    window = (buys["date"] > end - pd.Timedelta(days=active_days)) & (buys["date"] <= end)
    return pd.Index(sorted(buys.loc[window, "customer_id"].unique()), name="customer_id")


def retention_counts(
    transactions: pd.DataFrame, month: str, *, active_days: int = ACTIVE_DAYS
) -> dict[str, int]:
    """S, N and E of one month for the retention rate (E − N) / S, and what N is made of.

    ``S`` is the active base (:func:`customer_base`) on the day before the month starts,
    ``E`` the base on the month's last day, and ``N`` the customers in ``E`` who were
    not in ``S``: first-time buyers *and* lapsed customers who came back during the
    month. Then ``E − N`` are exactly the customers of ``S`` still in the base.

    Parameters
    ----------
    transactions : DataFrame
        Sales ledger.
    month : str
        ``"YYYY-MM"``.
    active_days : int
        Activity window of the base, in days.

    Returns
    -------
    dict
        ``S``, ``N``, ``E``, ``retained`` (= E − N), ``first_time`` and ``came_back``
        (the two parts of N), all counts of customers.

    Examples
    --------
    >>> counts = retention_counts(exercise_data(3).transactions, exercise_data(3).month)
    >>> counts["E"] - counts["N"] == counts["retained"]
    True
    """
    period = pd.Period(month, "M")
    first_day = period.start_time.normalize()
    last_day = period.end_time.normalize()
    start = customer_base(transactions, first_day - pd.Timedelta(days=1), active_days=active_days)
    end = customer_base(transactions, last_day, active_days=active_days)
    joined = end.difference(start)
    first_buy = purchases(transactions).groupby("customer_id")["date"].min()
    first_time = first_buy.index[(first_buy >= first_day) & (first_buy <= last_day)]
    return {
        "S": len(start),
        "N": len(joined),
        "E": len(end),
        "retained": len(end.intersection(start)),
        "first_time": len(first_time),
        "came_back": len(joined.difference(first_time)),
    }


def _pick_month(transactions: pd.DataFrame, start: pd.Timestamp, rng: np.random.Generator) -> str:
    """A month with a full activity window before it, preferably with first-timers and returners."""
    months = pd.period_range(transactions["date"].min(), transactions["date"].max(), freq="M")
    inner = [
        m
        for m in months
        if m.start_time - pd.Timedelta(days=ACTIVE_DAYS) >= start
        and m.end_time.normalize() <= transactions["date"].max()
    ]
    preferred = []
    for m in inner:
        counts = retention_counts(transactions, str(m))
        if counts["first_time"] and counts["came_back"]:
            preferred.append(m)
    pool = preferred or inner or list(months)
    return str(pool[int(rng.integers(len(pool)))])


@ChapterData.document
def exercise_data(seed: int) -> Chapter2Data:
    """The data of the chapter-2 exercise set for one seed (the notebook's setup cell calls this).

    Examples
    --------
    >>> data = exercise_data(3)
    >>> data.month == exercise_data(3).month
    True
    """
    rng, crm = ChapterData.start(seed, chapter=2)
    transactions = crm.transactions
    return Chapter2Data(
        crm=crm,
        transactions=transactions,
        customer=_pick_customer(transactions, rng),
        month=_pick_month(transactions, crm.observation_start, rng),
    )


def _rfm(data: Chapter2Data) -> pd.DataFrame:
    return _rfm_table(data.transactions, observation_end=data.observation_end)


# --------------------------------------------------------------------------- shared helpers


def _count_of(value: object, name: str) -> object:
    """Explain a Timedelta or a collection where a count was asked for."""
    if isinstance(value, pd.Timedelta | np.timedelta64):
        raise CheckFailed(
            f"{name}: you passed a time span; turn it into a number of days with .days"
        )
    if isinstance(value, set | frozenset | list | tuple | pd.Index | np.ndarray):
        raise CheckFailed(f"{name}: you passed a collection of customers; give their number (len)")
    return value


# --------------------------------------------------------------------------- task 1


@task_check("RFM values of one customer")
def check_02_1(answer: object, *, seed: int) -> None:
    """``{"recency_days", "frequency", "monetary_total"}`` of ``exercise_data(seed).customer``."""
    data = exercise_data(seed)
    values = expect_fields(answer, RFM_FIELDS, name="your RFM values", table_hint=_TABLE_HINT)
    expected = _rfm(data).loc[data.customer]
    rows = data.transactions.loc[data.transactions["customer_id"] == data.customer]
    buys = purchases(rows)
    end = data.observation_end

    recency = _count_of(values["recency_days"], "recency_days")
    expected_recency = float(expected["recency_days"])
    expect_number(
        recency,
        expected_recency,
        name="recency_days",
        unit="days",
        hint_scale=False,
        slips=[
            (
                (end - rows["date"].max()).days,
                "recency_days: your last date is a return; recency counts the days since the "
                "last PURCHASE (returns are not purchase occasions)",
            ),
            (
                (end - buys["date"].min()).days,
                "recency_days: this counts from the FIRST purchase (that is the tenure); recency "
                "counts from the last purchase",
            ),
            (
                expected_recency + 1,
                "recency_days is one day too many: it is observation_end − last purchase day, "
                "without adding 1 (a purchase on the observation day has recency 0)",
            ),
            (expected_recency / 7, "recency_days looks like weeks; give it in days"),
        ],
    )

    frequency = _count_of(values["frequency"], "frequency")
    expected_frequency = float(expected["frequency"])
    expect_number(
        frequency,
        expected_frequency,
        name="frequency",
        unit="purchase days",
        hint_scale=False,
        slips=[
            (
                len(rows),
                "frequency: you counted every row, returns included; count purchase occasions "
                "— distinct days with a purchase",
            ),
            (
                len(buys),
                "frequency: you counted purchase rows; count distinct purchase DAYS "
                "(several purchases on one day are one occasion)",
            ),
            (
                expected_frequency - 1,
                "frequency: this is the number of REPEAT purchases; count every purchase day, "
                "the first one included",
            ),
        ],
    )

    monetary = values["monetary_total"]
    expected_money = float(expected["monetary_total"])
    gross = float(buys["amount"].sum())
    returned = float(-rows.loc[rows["amount"] < 0, "amount"].sum())
    expect_number(
        monetary,
        expected_money,
        name="monetary_total",
        unit="currency units",
        abs=0.005,
        slips=[
            (
                gross,
                "monetary_total: this is the value of the purchases only; the net spend also "
                "subtracts the returns (rows with a negative amount)",
            ),
            (
                gross + returned,
                "monetary_total: you ADDED the returns; their amounts are negative, so a plain "
                "sum of all rows subtracts them",
            ),
            (
                expected_money / expected_frequency,
                "monetary_total: this is the spend per purchase day (monetary_mean); the task "
                "asks for the total net spend",
            ),
            (
                returned,
                "monetary_total: this is the value of the returns; the task asks for the net spend",
            ),
        ],
    )


# --------------------------------------------------------------------------- task 2


@task_check("retention rate of one month")
def check_02_2(answer: object, *, seed: int) -> None:
    """``{"S", "N", "E", "rate"}`` of ``exercise_data(seed).month`` with a 90-day active base."""
    data = exercise_data(seed)
    values = expect_fields(
        answer, RETENTION_FIELDS, name="your retention numbers", table_hint=_TABLE_HINT
    )
    tx = data.transactions
    counts = retention_counts(tx, data.month)
    period = pd.Period(data.month, "M")
    first_day, last_day = period.start_time.normalize(), period.end_time.normalize()
    buys = purchases(tx)

    s_value = _count_of(values["S"], "S")
    expect_number(
        s_value,
        counts["S"],
        name="S",
        unit="customers",
        hint_scale=False,
        slips=[
            (
                len(customer_base(tx, first_day)),
                "S: you counted the base ON the month's first day, so purchases of that day "
                "already count; S is the base on the day BEFORE the month starts",
            ),
            (
                len(
                    customer_base(tx, first_day - pd.Timedelta(days=1), active_days=ACTIVE_DAYS + 1)
                ),
                "S: your window is one day too long; it holds the 90 days ENDING on the day "
                "before the month (date > day − 90 days and date <= day)",
            ),
            (
                buys.loc[buys["date"] < first_day, "customer_id"].nunique(),
                "S: you counted everyone who ever bought before the month; the base holds only "
                "customers with a purchase in the last 90 days",
            ),
            (
                counts["E"],
                "S: this is the base at the END of the month (E); S is the base at its start",
            ),
        ],
    )

    e_value = _count_of(values["E"], "E")
    expect_number(
        e_value,
        counts["E"],
        name="E",
        unit="customers",
        hint_scale=False,
        slips=[
            (
                buys.loc[
                    (buys["date"] >= first_day) & (buys["date"] <= last_day), "customer_id"
                ].nunique(),
                "E: you counted the customers who bought DURING the month; E is the base on the "
                "month's last day (a purchase in the 90 days ending on it)",
            ),
            (
                len(customer_base(tx, last_day, active_days=ACTIVE_DAYS + 1)),
                "E: your window is one day too long; it holds the 90 days ENDING on the month's "
                "last day",
            ),
            (
                len(customer_base(tx, last_day + pd.Timedelta(days=1))),
                "E: you counted the base on the first day of the NEXT month; use the month's "
                "last day",
            ),
        ],
    )

    n_value = _count_of(values["N"], "N")
    expect_number(
        n_value,
        counts["N"],
        name="N",
        unit="customers",
        hint_scale=False,
        slips=[
            (
                counts["first_time"],
                "N: you counted only first-time buyers. Lapsed customers who came back during "
                "the month also joined the base; they were not in S, so they are not "
                "retained and belong in N",
            )
        ],
    )

    expected = retention_rate(counts["S"], counts["N"], counts["E"]).rate
    expect_number(
        values["rate"],
        expected,
        name="retention rate",
        bounds=(0.0, 1.0),
        slips=[
            (
                1 - expected,
                "rate: this is the churn rate (the share LOST); the retention rate is the share kept",
            ),
            (
                counts["E"] / counts["S"],
                "rate: E / S counts the new customers as if they had been kept; subtract N first",
            ),
            (
                counts["retained"],
                "rate: this is the NUMBER of retained customers; divide it by S for a rate",
            ),
            (
                100 * (1 - expected),
                "rate: this is the churn rate in percent; give the retention rate as a share (0-1)",
            ),
        ],
    )


# --------------------------------------------------------------------------- task 3


def _lorenz_gini_sample(values: np.ndarray) -> float:
    n = len(values)
    return gini(values) * n / (n - 1)


@task_check("how concentrated revenue is")
def check_02_3(answer: object, *, seed: int) -> None:
    """Top-20 % share of net spend (0-1, ``ceil(0.2 n)`` customers) and the Gini coefficient."""
    data = exercise_data(seed)
    values = expect_fields(
        answer, CONCENTRATION_FIELDS, name="your concentration numbers", table_hint=_TABLE_HINT
    )
    spend = _rfm(data)["monetary_total"]
    expected_top = float(pareto_table(spend, shares=[0.2])["value_share"].iloc[0])
    expected_gini = gini(spend)
    gross = purchases(data.transactions).groupby("customer_id")["amount"].sum()
    rows = data.transactions["amount"].clip(lower=0)
    ordered = np.sort(spend.to_numpy())
    bottom = ordered[: math.ceil(0.2 * len(ordered) - 1e-9)].sum() / ordered.sum()

    top = values["top_20_share"]
    expect_number(
        top,
        expected_top,
        name="top-20 % revenue share",
        bounds=(0.0, 1.0),
        rel=1e-4,
        slips=[
            (
                1 - expected_top,
                "top_20_share: this is the share of the OTHER 80 % of customers; sort from the "
                "largest spender down and sum the first 20 %",
            ),
            (
                bottom,
                "top_20_share: this is the share of the SMALLEST 20 % of customers; sort in "
                "descending order (largest spenders first)",
            ),
            (
                float(pareto_table(gross, shares=[0.2])["value_share"].iloc[0]),
                "top_20_share: you used purchases only; use each customer's NET spend "
                "(returns subtracted)",
            ),
            (
                float(pareto_table(rows.to_numpy(), shares=[0.2])["value_share"].iloc[0]),
                "top_20_share: you ranked single transactions; first add up the net spend per "
                "CUSTOMER, then take the top 20 % of customers",
            ),
        ],
    )

    value = values["gini"]
    expect_number(
        value,
        expected_gini,
        name="Gini coefficient",
        bounds=(0.0, 1.0),
        rel=1e-4,
        hint_scale=False,
        slips=[
            (
                1 - expected_gini,
                "gini: this is 1 − G; G = 1 − 2 × (area under the Lorenz curve)",
            ),
            (
                (1 - expected_gini) / 2,
                "gini: this is the area under the Lorenz curve; G = 1 − 2 × area",
            ),
            (
                _lorenz_gini_sample(spend.to_numpy()),
                "gini: you multiplied by n / (n − 1) (the sample correction); use the "
                "population form, G = 1 − 2 × area, as portfolio.gini does",
            ),
            (
                gini(gross),
                "gini: you used purchases only; use each customer's NET spend",
            ),
            (
                gini(rows.to_numpy()),
                "gini: you used single transactions; use the net spend per CUSTOMER",
            ),
            (
                -expected_gini,
                "gini is negative: sort the customers in ASCENDING order of spend (smallest "
                "first) before you accumulate the Lorenz curve",
            ),
        ],
    )


# --------------------------------------------------------------------------- task 4


def win_back_table(data: Chapter2Data) -> pd.DataFrame:
    """Per RFM segment: customers, revenue share, mean recency and revenue per customer.

    The default 5-level segment map (:func:`portfolio_lib.rfm.default_segment_rules`)
    is applied to the RFM scores of the whole ledger; ``lapsed`` marks the segments whose
    recency score is at most :data:`WIN_BACK_MAX_R`.

    Returns
    -------
    DataFrame
        Indexed by ``segment`` (segments with customers only): ``n_customers``,
        ``share_revenue`` (0-1), ``recency_days`` and ``monetary_total`` (means per
        customer; days and currency units) and ``lapsed`` (bool).

    Examples
    --------
    >>> table = win_back_table(exercise_data(3))
    >>> bool(table.loc["Champions", "lapsed"]), bool(table.loc["Lost", "lapsed"])
    (False, True)
    """
    table = _rfm(data)
    segments = rfm_segments(rfm_scores(table))["segment"]
    profile = profile_segments(
        table, segments, features=["recency_days", "frequency", "monetary_total"]
    )
    rules = default_segment_rules().set_index("segment")
    out = profile.summary[["n_customers", "share_revenue"]].join(
        profile.means[["recency_days", "monetary_total"]]
    )
    out = out.loc[out["n_customers"] > 0]
    out["lapsed"] = rules.loc[out.index, "r_max"].to_numpy() <= WIN_BACK_MAX_R
    return out


_VALUE_WORDS = (
    "value",
    "valuable",
    "revenue",
    "spend",
    "spent",
    "spending",
    "monetary",
    "money",
    "profit",
    "best customer",
    "big spender",
    "değer",
    "gelir",
    "harca",
    "ciro",
    "parasal",
    "karlı",
    "kârlı",
    "en iyi",
)
_LAPSED_WORDS = (
    "recency",
    "long",
    "lapsed",
    "inactive",
    "not bought",
    "no purchase",
    "stopped",
    "haven't",
    "have not",
    "ago",
    "drift",
    "away",
    "losing",
    "risk",
    "yenilik",
    "uzun",
    "uzaklaş",
    "alışveriş yapma",
    "almıyor",
    "almadı",
    "kaybet",
    "kayb",
    "kayıp",
    "pasif",
)


_STILL_ACTIVE = Claim(
    says=(
        r"(bought|buy|buys|purchased|shopped) (very )?recently",
        r"recent (buyers|customers|purchases?)",
        r"(still|currently) (active|buying|shopping|purchasing)",
        r"(are|is) (still )?active",
        r"yakin zamanda (aldi|alisveris)",
    ),
    message="the win-back segments are the LAPSED ones (R score 1-2): their customers have not "
    "bought for a long time",
)
_LOW_VALUE = Claim(
    says=(
        r"least valuable",
        r"(lowest|smallest|least) (value|spend|spending|revenue|monetary)",
        r"spent (the )?(least|little)",
        r"(low|little|small) (value|spend|spending|revenue)",
        r"en az (harca|deger)",
    ),
    denies=(r"(most|highest|largest) (value|spend|spending|revenue)", r"most valuable"),
    message="the segment to win back is the lapsed one with the MOST past revenue per customer",
)


@task_check("which RFM segment gets the win-back offer")
def check_02_4(answer: object, *, seed: int, reason: object = None) -> None:
    """The lapsed segment (R <= 2) with the most past revenue per customer, and why."""
    table = win_back_table(exercise_data(seed))
    lapsed = table.loc[table["lapsed"]]
    best = near_best(lapsed["monetary_total"])
    chosen = answer.strip().casefold() if isinstance(answer, str) else None
    by_name = {str(name).casefold(): str(name) for name in SEGMENT_NAMES}
    hint = (
        "among the segments whose customers have not bought for a long time (R score 1-2), "
        "compare the past revenue PER CUSTOMER"
    )
    if chosen in by_name and by_name[chosen] not in list(best):
        name = by_name[chosen]
        if name not in table.index:
            hint = f"your company has no customers in {name!r}; " + hint
        elif not table.loc[name, "lapsed"]:
            hint = (
                f"customers in {name!r} bought recently: they need no win-back. "
                + hint[0].upper()
                + hint[1:]
            )
        elif name == lapsed["share_revenue"].idxmax():
            hint = (
                f"{name!r} holds the most revenue in total because it has many customers, but "
                "the offer costs the same for every customer contacted: compare the revenue per "
                "customer"
            )
    expect_choice(answer, list(SEGMENT_NAMES), list(best), name="the win-back segment", hint=hint)
    expect_reason(
        reason,
        [_VALUE_WORDS, _LAPSED_WORDS],
        hint="say what these customers brought the company in the past, and what their "
        "recency says about them now",
        wrong=(_STILL_ACTIVE, _LOW_VALUE),
        names=[name for name in SEGMENT_NAMES if name in list(best)],
        others=[name for name in SEGMENT_NAMES if name not in list(best)],
    )


# --------------------------------------------------------------------------- task 5


def cluster_features(data: Chapter2Data) -> pd.DataFrame:
    """Task 5's clustering features: customers with a positive net spend only.

    Customers who returned everything they bought (net spend 0) are a service case,
    not a market; left in, k-means spends a segment on this handful of customers.

    Examples
    --------
    >>> list(cluster_features(exercise_data(3)).columns)
    ['recency_days', 'frequency', 'monetary_mean']
    """
    table = _rfm(data)
    return behaviour_features(table.loc[table["monetary_total"] > 0])


def _diagnostics(seed: int) -> pd.DataFrame:
    return cluster_diagnostics(cluster_features(exercise_data(seed)), K_RANGE, seed=int(seed))


def _k_answer(answer: object) -> int:
    """A student's k as int (accepting "4" and 4.0), explaining other inputs."""
    if answer is None or answer is Ellipsis:
        raise CheckFailed("k: replace the placeholder with the number of segments you choose")
    if isinstance(answer, str) and answer.strip().isdigit():
        return int(answer.strip())
    number = as_real(answer)
    if number is None or not float(number).is_integer():
        raise CheckFailed(
            f"k must be a whole number of segments (e.g. 4); you gave {answer!r}"
            + (
                " — take it out of the table with .item() or int(...)"
                if hasattr(answer, "size")
                else ""
            )
        )
    return int(number)


_QUALITY_WORDS = (
    "silhouette",
    "siluet",
    "separat",
    "distinct",
    "cohesi",
    "well-defined",
    "ayrış",
    "ayrıl",
    "ayrı",
    "davies",
    "calinski",
)
_SIZE_WORDS = (
    "small",
    "size",
    "tiny",
    "big enough",
    "large enough",
    "share",
    "campaign",
    "action",
    "küçük",
    "büyüklü",
    "boyut",
    "pay",
    "kampanya",
    "aksiyon",
    "eylem",
)


_WORST_SEPARATION = Claim(
    says=(
        r"(lowest|smallest|worst|poorest) silhouette",
        r"silhouette (is |was )?(the )?(lowest|smallest|worst)",
        r"(least|worst|poorly) separated",
        r"en (dusuk|kotu) siluet",
    ),
    message="the chosen k has the HIGHEST silhouette among the admissible k",
)


@task_check("how many behavioural segments")
def check_02_5(answer: object, *, seed: int, reason: object = None) -> None:
    """The admissible k (3-5 segments, none below 5 %) with the best silhouette, and why."""
    diagnostics = _diagnostics(seed)
    ks = [int(k) for k in diagnostics.index]
    admissible = diagnostics.loc[
        (diagnostics.index >= MIN_SEGMENTS)
        & (diagnostics.index <= MAX_SEGMENTS)
        & (diagnostics["smallest_share"] >= MIN_SEGMENT_SHARE)
    ]
    if len(admissible):
        best = admissible.index[
            admissible["silhouette"] >= admissible["silhouette"].max() - _SILHOUETTE_TIE
        ]
    else:  # every k in range leaves a tiny segment: take the one whose smallest is largest
        inside = diagnostics.loc[MIN_SEGMENTS:MAX_SEGMENTS]
        best = inside.index[[int(np.argmax(inside["smallest_share"].to_numpy()))]]
    k = _k_answer(answer)
    check(k in ks, f"k must be one of the numbers tried, {ks}; you gave {k}")
    if k not in set(best):
        if k < MIN_SEGMENTS:
            message = (
                f"k = {k} gives fewer segments than the {MIN_SEGMENTS} campaigns the team runs, "
                "however good its silhouette: some campaigns would have no segment of their own"
            )
        elif k > MAX_SEGMENTS:
            message = (
                f"k = {k} gives more segments than the {MAX_SEGMENTS} campaigns the team can run"
            )
        elif diagnostics.loc[k, "smallest_share"] < MIN_SEGMENT_SHARE:
            message = (
                f"with k = {k} one segment holds less than {MIN_SEGMENT_SHARE:.0%} of the "
                "customers (smallest_share): too small for a campaign of its own"
            )
        elif k == int(admissible["davies_bouldin"].idxmin()):
            message = (
                f"k = {k} has the lowest Davies–Bouldin index, but the team's rule ranks the "
                "admissible k by the silhouette"
            )
        else:
            message = (
                f"k = {k} is admissible, but another admissible k has a higher silhouette "
                "(diagnostics of cluster_diagnostics(features, K_RANGE, seed=SEED))"
            )
        raise CheckFailed(message)
    expect_reason(
        reason,
        [_QUALITY_WORDS, _SIZE_WORDS],
        hint="say which diagnostic measure decided between the admissible k, and why some k "
        "were not admissible for the team",
        wrong=(_WORST_SEPARATION,),
    )
