"""Checks for exercises/source/03_customer_lifetime_value.ipynb (chapter 3: customer lifetime value).

Every student works on a small company of their own, simulated from their
``SEED`` (:func:`exercise_data`), and the checks recompute the expected answers
from the same seed with :mod:`portfolio_lib.clv`:

1. margin-multiple CLV by hand, margin at the end and at the start of each year
   (:func:`check_03_1`);
2. frequency, recency and age T of one customer, by hand in weeks (:func:`check_03_2`);
3. P(alive) of a customer from the fitted BG/NBD model, and what it means
   (computation and interpretation, :func:`check_03_3`);
4. the retention rate of a subscription cohort in a future year, from the fitted
   shifted-beta-geometric model (:func:`check_03_4`);
5. which of two customers gets a costly retention offer, given their CLV intervals
   (a manager's decision with a reason, :func:`check_03_5`).

Examples
--------
>>> data = exercise_data(3)
>>> len(data.crm.customers), list(data.offer.index)
(400, ['A', 'B'])
>>> check_03_1({"end": 1.0, "start": 2.0}, seed=3)
Traceback (most recent call last):
...
portfolio_lib.exercises.feedback.CheckFailed: Task 1 (margin-multiple CLV): end: you returned 1 (in currency units), which is not the expected value; recheck your computation
"""  # noqa: E501

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from portfolio_lib.clv import (
    BetaGeo,
    ConvergenceError,
    GammaGamma,
    ShiftedBetaGeometric,
    customer_lifetime_value,
    historical_clv,
    margin_multiple_clv,
    summary_from_transactions,
)
from portfolio_lib.exercises.checks import seeded_rng
from portfolio_lib.exercises.checks._common import (
    N_CUSTOMERS,
    ChapterData,
    pick_from_first,
    student_company,
)
from portfolio_lib.exercises.feedback import (
    Claim,
    expect_choice,
    expect_fields,
    expect_number,
    expect_reason,
    task_check,
)

__all__ = [
    "N_CUSTOMERS",
    "UNIT",
    "DAYS_PER_WEEK",
    "MARGIN",
    "DISCOUNT_RATE",
    "HORIZON_WEEKS",
    "STEP_WEEKS",
    "N_DRAWS",
    "INTERVAL",
    "FITTED_YEARS",
    "Chapter3Data",
    "exercise_data",
    "split_baskets",
    "subscription_cohort",
    "company_models",
    "customer_values",
    "check_03_1",
    "check_03_2",
    "check_03_3",
    "check_03_4",
    "check_03_5",
]

UNIT = "W"
"""Time unit of the customer summary and the models: weeks (days / 7)."""

DAYS_PER_WEEK = 7.0

MARGIN = 0.3
"""Task 5: gross margin, share of revenue (CLV and historical CLV are margins)."""

DISCOUNT_RATE = 0.10
"""Task 5: annual discount rate of the CLV."""

HORIZON_WEEKS = 52.0
"""Task 5: CLV horizon, weeks (one year)."""

STEP_WEEKS = 52.0 / 12
"""Task 5: the CLV discounts the expected purchases month by month (a month in weeks)."""

N_DRAWS = 100
"""Task 5: parameter draws behind the CLV intervals."""

INTERVAL = 0.9
"""Task 5: central probability of the CLV intervals."""

FITTED_YEARS = 7
"""Task 4: the cohort is observed at the start of years 0 … 7."""

COHORT_SIZE = 1000
"""Task 4: subscribers in the cohort at year 0."""

SPLIT_SHARE = 0.04
"""Share of purchase lines that the tills recorded as a basket paid in two parts (two rows)."""

MARGINS = (40.0, 60.0, 80.0, 120.0, 150.0, 200.0, 250.0)
RETENTIONS = (0.6, 0.65, 0.7, 0.75, 0.85, 0.9)
DISCOUNTS = (0.08, 0.1, 0.12, 0.15)
"""Task 1: the margin per year, retention rate and discount rate are drawn from these."""

VALUE_FIELDS = ("end", "start")
SUMMARY_FIELDS = ("frequency", "recency", "T")

MONEY_TOLERANCE = 0.01
"""Currency units: a CLV rounded to cents passes."""

WEEKS_TOLERANCE = 0.01
"""Weeks: recency and T rounded to two decimals pass (one day is 0.14 weeks)."""

PROBABILITY_TOLERANCE = 0.005
"""P(alive) rounded to two decimals passes."""

RATE_TOLERANCE = 5e-4
"""A retention rate rounded to three decimals (or from rounded alpha, beta) passes."""

CHAPTER_SBG = {"alpha": 0.704, "beta": 1.182}
"""The sBG estimates of the chapter's textbook cohort (a slip: they are not the student's)."""

_MAX_COMPANIES = 5
"""Companies tried per seed before giving up (see :func:`exercise_data`)."""

_OFFER_GAP = 4.0
"""Task 5: the two customers' CLV low ends differ by at least this (currency units)."""


class Chapter3Data(ChapterData):
    """What the chapter-3 exercises work on besides ``crm``, all derived from the seed.

    Attributes
    ----------
    company_seed : int
        The seed it was simulated from: ``SEED`` itself, or, for the rare company whose
        BG/NBD dropout parameters are too poorly determined for CLV intervals (the
        library then returns none), a seed derived from ``SEED`` (see :func:`exercise_data`).
    transactions : DataFrame
        Its sales ledger as the tills recorded it: ``customer_id``, ``date``, ``amount``
        (currency units, negative for returns), ``is_return``, ... Some baskets were
        paid in two parts and appear as two rows on the same day (:func:`split_baskets`).
    margin, retention, discount : float
        Task 1: margin per year (currency units), yearly retention rate and yearly
        discount rate.
    customer : str
        Task 2: the customer whose frequency, recency and T are asked.
    alive_customer : str
        Task 3: the customer whose P(alive) is asked (a repeat buyer gone quiet).
    cohort : Series
        Task 4: subscribers of one cohort still active at the start of years
        0 … :data:`FITTED_YEARS` (index ``year``).
    year : int
        Task 4: the future year whose retention rate is asked.
    offer : DataFrame
        Task 5: the two candidates ``A`` and ``B`` (index ``option``): ``customer_id``,
        ``historical_clv`` (margin brought so far), ``p_alive``, ``clv``, ``clv_low`` and
        ``clv_high`` (margin over the next :data:`HORIZON_WEEKS` weeks and its
        :data:`INTERVAL` interval; currency units).
    offer_cost : float
        Task 5: what one retention offer costs the company (currency units of margin).
    """

    company_seed: int
    transactions: pd.DataFrame
    margin: float
    retention: float
    discount: float
    customer: str
    alive_customer: str
    cohort: pd.Series
    year: int
    offer: pd.DataFrame
    offer_cost: float


# --------------------------------------------------------------------------- the data


def _is_purchase(transactions: pd.DataFrame) -> pd.Series:
    """Purchase rows as :mod:`portfolio_lib.clv` counts them (no returns, amount >= 0)."""
    return ~transactions["is_return"].astype(bool) & (transactions["amount"] >= 0)


def _pick_customer(transactions: pd.DataFrame, start: pd.Timestamp, rng) -> str:
    """A customer with 4-12 purchase days and a return, first purchase after the data start.

    Few enough purchase days to read the rows by eye; a return, so that returns can be
    mistaken for purchases.
    """
    buys = transactions.loc[_is_purchase(transactions)]
    days = buys.groupby("customer_id")["date"].agg(["nunique", "min", "max"])
    returners = set(transactions.loc[transactions["is_return"], "customer_id"])
    many = days.index[days["nunique"].between(4, 12) & (days["min"] > start)]
    customer = pick_from_first(
        (many[many.isin(list(returners))], many, days.index[days["nunique"] >= 2]), rng
    )
    if customer is None:  # pragma: no cover
        raise ValueError("the simulated company has no repeat buyers")
    return customer


def split_baskets(
    transactions: pd.DataFrame, customer: str, rng: np.random.Generator
) -> pd.DataFrame:
    """Record some purchases as a basket paid in two parts: two rows on the same day.

    :data:`SPLIT_SHARE` of the purchase rows, and two purchase days of ``customer``,
    are split in two rows (new ``transaction_id`` with suffix ``-2``) whose amounts and
    points add up to the original. Purchase occasions, their amounts and every
    customer's summary stay the same; only the number of rows grows.

    Parameters
    ----------
    transactions : DataFrame
        Sales ledger (``transaction_id``, ``customer_id``, ``date``, ``amount``,
        ``is_return``, ``points_earned``, ``points_redeemed``, ...).
    customer : str
        A customer who gets two split purchase days (task 2).
    rng : numpy.random.Generator
        Source of the choices.

    Returns
    -------
    DataFrame
        The ledger with the split rows, sorted by date and transaction id.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> tx = simulate_crm(n_customers=50, seed=1).transactions
    >>> split = split_baskets(tx, "C00001", np.random.default_rng(0))
    >>> len(split) > len(tx), bool(np.isclose(split["amount"].sum(), tx["amount"].sum()))
    (True, True)
    """
    purchase = _is_purchase(transactions).to_numpy() & (transactions["amount"] > 0.02).to_numpy()
    rows = np.flatnonzero(purchase)
    own = np.flatnonzero(purchase & (transactions["customer_id"] == customer).to_numpy())
    days = transactions["date"].to_numpy()[own]
    _, first_of_day = np.unique(days, return_index=True)
    own_days = own[first_of_day]
    chosen_own = rng.choice(own_days, size=min(2, own_days.size), replace=False)
    others = np.setdiff1d(rows, own)
    n_split = round(SPLIT_SHARE * rows.size)
    chosen = np.union1d(
        rng.choice(others, size=min(n_split, others.size), replace=False), chosen_own
    )
    first = transactions.iloc[chosen].copy()
    second = first.copy()
    share = rng.uniform(0.3, 0.7, size=chosen.size)
    first["amount"] = (first["amount"] * share).round(2)
    second["amount"] = second["amount"] - first["amount"]
    points = first["points_earned"].to_numpy()
    first["points_earned"] = np.floor(points * share).astype(points.dtype)
    second["points_earned"] = points - first["points_earned"].to_numpy()
    second["points_redeemed"] = 0
    second["transaction_id"] = second["transaction_id"] + "-2"
    kept = transactions.drop(index=transactions.index[chosen])
    out = pd.concat([kept, first, second], ignore_index=True)
    return out.sort_values(["date", "transaction_id"], kind="stable", ignore_index=True)


def subscription_cohort(rng: np.random.Generator) -> pd.Series:
    """Subscribers of a cohort still active at the start of years 0 … :data:`FITTED_YEARS`.

    Each of :data:`COHORT_SIZE` subscribers churns at each renewal with her own
    probability ``theta ~ Beta(alpha, beta)``, alpha and beta drawn from the seed:
    the shifted-beta-geometric story of the chapter.

    Examples
    --------
    >>> cohort = subscription_cohort(np.random.default_rng(0))
    >>> int(cohort.iloc[0]), bool(cohort.is_monotonic_decreasing)
    (1000, True)
    """
    alpha, beta = rng.uniform(0.5, 1.5), rng.uniform(0.8, 2.5)
    theta = np.clip(rng.beta(alpha, beta, size=COHORT_SIZE), 1e-9, 1.0)
    lifetime = rng.geometric(theta)  # the renewal at which each subscriber leaves (1, 2, ...)
    years = np.arange(FITTED_YEARS + 1)
    counts = (lifetime[None, :] > years[:, None]).sum(axis=1)
    return pd.Series(counts, index=pd.Index(years, name="year"), name="active")


def company_models(
    transactions: pd.DataFrame, observation_end: pd.Timestamp
) -> tuple[pd.DataFrame, BetaGeo, GammaGamma]:
    """The company's customer summary (weeks) with P(alive), and its fitted BG/NBD and Gamma-Gamma.

    Examples
    --------
    >>> data = exercise_data(3)
    >>> summary, purchases, spend = company_models(data.transactions, data.observation_end)
    >>> list(summary.columns)
    ['frequency', 'recency', 'T', 'monetary_value', 'p_alive']
    """
    summary = summary_from_transactions(transactions, observation_end=observation_end, unit=UNIT)
    purchases = BetaGeo().fit(summary)
    summary["p_alive"] = purchases.prob_alive(
        summary["frequency"], summary["recency"], summary["T"]
    )
    return summary, purchases, GammaGamma().fit(summary)


def customer_values(
    transactions: pd.DataFrame, observation_end: pd.Timestamp, *, seed: int
) -> pd.DataFrame:
    """Per customer: past margin, P(alive) and the CLV of the next year with its interval.

    CLV: BG/NBD purchases × Gamma-Gamma spend × :data:`MARGIN`, over
    :data:`HORIZON_WEEKS` weeks discounted monthly at :data:`DISCOUNT_RATE` a year, with
    the :data:`INTERVAL` interval from :data:`N_DRAWS` parameter draws (seeded).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``historical_clv``, ``p_alive``, ``clv``, ``clv_low``,
        ``clv_high`` (currency units of margin; ``p_alive`` a probability).

    Examples
    --------
    >>> data = exercise_data(3)
    >>> values = customer_values(data.transactions, data.observation_end, seed=3)
    >>> bool((values["clv_low"] <= values["clv"]).all())
    True
    """
    summary, purchases, spend = company_models(transactions, observation_end)
    value = customer_lifetime_value(
        purchases,
        spend,
        summary,
        horizon=HORIZON_WEEKS,
        step=STEP_WEEKS,
        unit=UNIT,
        annual_discount_rate=DISCOUNT_RATE,
        margin=MARGIN,
        interval=INTERVAL,
        n_draws=N_DRAWS,
        seed=seeded_rng(seed, chapter=3).spawn(1)[0],  # a stream of its own for the draws
    ).table
    past = historical_clv(transactions, margin=MARGIN, observation_end=observation_end)
    return pd.DataFrame(
        {
            "historical_clv": past.reindex(value.index),
            "p_alive": summary["p_alive"],
            "clv": value["clv"],
            "clv_low": value["clv_low"],
            "clv_high": value["clv_high"],
        }
    )


def _pick_alive_customer(summary: pd.DataFrame, avoid: str, rng) -> str:
    """A repeat buyer (>= 3 repeats) whom the model thinks more likely gone than alive."""
    others = summary.drop(index=avoid, errors="ignore")
    pools = (
        others.index[(others["frequency"] >= frequency) & others["p_alive"].between(low, high)]
        for frequency, low, high in ((3, 0.03, 0.45), (2, 0.01, 0.5), (1, 0.0, 0.6))
    )
    customer = pick_from_first(pools, rng)
    if customer is None:  # pragma: no cover
        return str(others.loc[others["frequency"] > 0, "p_alive"].idxmin())
    return customer


def _offer_pair(values: pd.DataFrame, rng) -> tuple[str, str, float]:
    """(trap, right, cost): right's CLV low end clears the cost, trap's does not.

    The trap brought clearly more margin in the past; where possible its CLV estimate
    is higher too, so that only the intervals tell the two apart.
    """
    for p_low, p_high in ((0.2, 0.9), (0.05, 0.97), (0.0, 1.0)):
        pool = values.loc[values["p_alive"].between(p_low, p_high) & (values["clv_low"] >= 3)]
        past = pool["historical_clv"].to_numpy()
        point, low = pool["clv"].to_numpy(), pool["clv_low"].to_numpy()
        possible = (past[:, None] >= 1.2 * past[None, :]) & (
            low[None, :] >= low[:, None] + _OFFER_GAP
        )
        crossing = possible & (point[:, None] > point[None, :] + 1.0)
        pairs = np.argwhere(crossing if crossing.any() else possible)
        if len(pairs):
            trap, right = pairs[int(rng.integers(len(pairs)))]
            cost = float(np.round((low[trap] + low[right]) / 2))
            return str(pool.index[trap]), str(pool.index[right]), cost
    raise ValueError("no pair of customers for the retention offer")  # pragma: no cover


def _company_seed(seed: int, attempt: int) -> int:
    """The seed of the simulated company: ``seed`` itself first, then derived ones."""
    if attempt == 0:
        return int(seed)
    return int(np.random.default_rng([int(seed), 3, attempt]).integers(2**31 - 1))


@ChapterData.document
def exercise_data(seed: int) -> Chapter3Data:
    """The data of the chapter-3 exercise set for one seed (the notebook's setup cell calls this).

    The company is ``simulate_crm(n_customers=N_CUSTOMERS, seed=SEED)``. In about one
    seed in 150 its BG/NBD dropout parameters are so poorly determined that some
    parameter draws break the CLV intervals of :func:`customer_values` (all NaN); the
    company is then simulated again from a seed derived from ``SEED``
    (``company_seed``), so that every seed gets a complete exercise.

    Examples
    --------
    >>> data = exercise_data(3)
    >>> data.customer == exercise_data(3).customer and data.year > FITTED_YEARS
    True
    """
    rng = seeded_rng(seed, chapter=3)
    margin, retention, discount = 100.0, 0.8, 0.12  # the chapter's example: never asked
    while (margin, retention, discount) == (100.0, 0.8, 0.12):
        margin = float(rng.choice(MARGINS))
        retention = float(rng.choice(RETENTIONS))
        discount = float(rng.choice(DISCOUNTS))
    for attempt in range(_MAX_COMPANIES):
        company_seed = _company_seed(seed, attempt)
        crm = student_company(company_seed)
        customer = _pick_customer(crm.transactions, crm.observation_start, rng)
        transactions = split_baskets(crm.transactions, customer, rng)
        try:
            with warnings.catch_warnings():  # a broken draw warns; it is handled just below
                warnings.simplefilter("ignore", RuntimeWarning)
                values = customer_values(transactions, crm.observation_end, seed=seed)
        except ConvergenceError:
            continue
        if np.isfinite(values[["clv_low", "clv_high"]].to_numpy()).all():
            break
    else:  # pragma: no cover - never seen: one company in ~150 needs a second draw
        raise RuntimeError(f"no usable company for SEED {seed} in {_MAX_COMPANIES} draws")
    summary = summary_from_transactions(
        transactions, observation_end=crm.observation_end, unit=UNIT
    ).assign(p_alive=values["p_alive"])
    alive_customer = _pick_alive_customer(summary, customer, rng)
    cohort = subscription_cohort(rng)
    year = int(rng.integers(FITTED_YEARS + 2, FITTED_YEARS + 6))
    trap, right, cost = _offer_pair(values.drop(index=[customer, alive_customer]), rng)
    order = [right, trap] if rng.random() < 0.5 else [trap, right]
    offer = values.loc[order].reset_index()
    offer.index = pd.Index(["A", "B"], name="option")
    return Chapter3Data(
        crm=crm,
        company_seed=company_seed,
        transactions=transactions,
        margin=margin,
        retention=retention,
        discount=discount,
        customer=customer,
        alive_customer=alive_customer,
        cohort=cohort,
        year=year,
        offer=offer,
        offer_cost=cost,
    )


# --------------------------------------------------------------------------- task 1


@task_check("margin-multiple CLV")
def check_03_1(answer: object, *, seed: int) -> None:
    """``{"end": CLV with the margin at the end of each year, "start": ... at the start}``."""
    data = exercise_data(seed)
    values = expect_fields(answer, VALUE_FIELDS, name="your CLVs")
    m, r, d = data.margin, data.retention, data.discount
    end = margin_multiple_clv(m, r, d, timing="end")
    start = margin_multiple_clv(m, r, d, timing="start")
    churn = 1 - r
    tolerance = {"unit": "currency units", "rel": 1e-6, "abs": MONEY_TOLERANCE}
    expect_number(
        values["end"],
        end,
        name="end",
        **tolerance,
        slips=[
            (
                start,
                "end: this is the value with the margin at the START of each year (the first "
                "one paid today); at the end of each year the first margin is one year away "
                "and already subject to retention",
            ),
            (
                m * r / (1 - r),
                "end: you left out the discount rate; money next year is worth less — the "
                "denominator is 1 + d − r",
            ),
            (
                m * churn / (1 + d - churn),
                "end: you used the churn rate 1 − r where the formula needs the retention rate r",
            ),
            (
                m * r / (1 + 100 * d - r),
                "end: the discount rate is a fraction (0.10 for 10 %), not a percentage",
            ),
            (
                m / (1 + d - r),
                "end: the numerator is m · r: the first margin arrives only if the customer is "
                "retained for the first year",
            ),
            (m * r / (1 + d + r), "end: the denominator is 1 + d − r (minus r, not plus)"),
            (m * r / (1 + d), "end: this is only the first year's margin; CLV adds all years"),
        ],
    )
    expect_number(
        values["start"],
        start,
        name="start",
        **tolerance,
        slips=[
            (
                end,
                "start: this is the value with the margin at the END of each year; with the "
                "first margin paid today the value is m · (1 + d) / (1 + d − r)",
            ),
            (
                m / (1 + d - r),
                "start: the numerator is m · (1 + d) — or, the same, add today's margin m to the "
                "end-of-year value",
            ),
            (m / (1 - r), "start: you left out the discount rate; the denominator is 1 + d − r"),
            (
                m * (1 + 100 * d) / (1 + 100 * d - r),
                "start: the discount rate is a fraction (0.10 for 10 %), not a percentage",
            ),
            (
                m * (1 + d) / (1 + d - churn),
                "start: you used the churn rate 1 − r where the formula needs the retention rate r",
            ),
        ],
    )


# --------------------------------------------------------------------------- task 2


def _summary_slips(data: Chapter3Data) -> dict[str, list[tuple[float, str]]]:
    """The known slips of task 2, per field."""
    rows = data.transactions.loc[data.transactions["customer_id"] == data.customer]
    buys = rows.loc[_is_purchase(rows)]
    end = data.observation_end
    first, last, last_row = buys["date"].min(), buys["date"].max(), rows["date"].max()
    purchase_days = buys["date"].nunique()
    any_days = rows["date"].nunique()
    weeks = pd.Timedelta(days=DAYS_PER_WEEK)
    month_days = 365.25 / 12
    recency = (last - first) / weeks
    age = (end - first) / weeks
    one_day = 1 / DAYS_PER_WEEK
    repeats = "frequency counts REPEAT purchase occasions"
    return {
        "frequency": [
            (
                len(rows) - 1,
                "frequency: you counted rows, returns included; count purchase DAYS — a return is "
                "not a purchase, and a basket paid in two parts (two rows on one day) is one "
                "purchase occasion",
            ),
            (
                len(buys) - 1,
                "frequency: you counted purchase rows; a basket paid in two parts is two rows on "
                "the same day but ONE purchase occasion — count distinct purchase days",
            ),
            (
                purchase_days,
                f"{repeats}: leave out the first purchase (frequency = purchase days − 1)",
            ),
            (
                len(buys),
                f"frequency: you counted every purchase row, and the first purchase; {repeats} "
                "(distinct purchase days − 1)",
            ),
            (
                any_days - 1,
                "frequency: you counted days with only a return as purchase days; returns are "
                "not purchase occasions",
            ),
        ],
        "recency": [
            (
                recency * DAYS_PER_WEEK,
                "recency looks like days; give it in weeks (days / 7, with decimals)",
            ),
            (
                age - recency,
                "recency: this is the time SINCE the last purchase; in these models recency is "
                "the customer's age at the last purchase (last − first purchase day)",
            ),
            (
                (last_row - first) / weeks,
                "recency: your last date is a return; recency is measured at the last PURCHASE",
            ),
            (recency + one_day, "recency: do not add a day; it is (last − first purchase day) / 7"),
            (
                (last - first).days / month_days,
                "recency looks like months; give it in weeks (days / 7)",
            ),
            (
                float(np.floor(recency)),
                "recency: keep the fraction of a week (days / 7); do not round to whole weeks",
            ),
        ],
        "T": [
            (age * DAYS_PER_WEEK, "T looks like days; give it in weeks (days / 7, with decimals)"),
            (
                (end - data.crm.observation_start) / weeks,
                "T counts from the customer's FIRST purchase, not from the start of the data",
            ),
            (
                (data.transactions["date"].max() - first) / weeks,
                "T runs to the end of the observation period (OBSERVATION_END), not to the "
                "last date in the ledger",
            ),
            (
                age + one_day,
                "T: do not add a day; it is (OBSERVATION_END − first purchase day) / 7",
            ),
            (
                recency,
                "T: this is the recency (age at the LAST purchase); T is the age at the end of "
                "the observation period",
            ),
            ((end - first).days / month_days, "T looks like months; give it in weeks (days / 7)"),
            (
                float(np.floor(age)),
                "T: keep the fraction of a week (days / 7); do not round to whole weeks",
            ),
        ],
    }


@task_check("frequency, recency and T of one customer")
def check_03_2(answer: object, *, seed: int) -> None:
    """``{"frequency", "recency", "T"}`` of ``exercise_data(seed).customer``, time in weeks."""
    data = exercise_data(seed)
    values = expect_fields(answer, SUMMARY_FIELDS, name="your summary")
    expected = summary_from_transactions(
        data.transactions, observation_end=data.observation_end, unit=UNIT
    ).loc[data.customer]
    slips = _summary_slips(data)
    expect_number(
        values["frequency"],
        float(expected["frequency"]),
        name="frequency",
        unit="repeat purchases",
        hint_scale=False,
        slips=slips["frequency"],
    )
    for field in ("recency", "T"):
        expect_number(
            values[field],
            float(expected[field]),
            name=field,
            unit="weeks",
            rel=0.0,
            abs=WEEKS_TOLERANCE,
            hint_scale=False,
            slips=slips[field],
        )


# --------------------------------------------------------------------------- task 3

_RATE_WORDS = (
    "often",
    "frequent",
    "regular",
    "rate",
    "many",
    "times",
    "repeat",
    "habit",
    "used to",
    "every",
    "sık",
    "düzenli",
    "kez",
    "defa",
    "alışkanl",
    "frekans",
    "tekrar",
)
_SILENCE_WORDS = (
    "silence",
    "silent",
    "quiet",
    "not bought",
    "hasn't bought",
    "has not bought",
    "no purchase",
    "since",
    "long",
    "gap",
    "recency",
    "last purchase",
    "stopped",
    "absent",
    "sessiz",
    "uzun",
    "süre",
    "son alış",
    "almadı",
    "almıyor",
    "yenilik",
)


_BOUGHT_RECENTLY = Claim(
    says=(
        r"(bought|buys|purchased|ordered) (very )?recently",
        r"(just|recently) (bought|purchased|ordered)",
        r"recent (purchase|order)",
        r"(short|little|no) (silence|gap|time since)",
        r"yakin zamanda (aldi|alisveris)",
    ),
    message="this customer has been silent for a long time since the last purchase (T − "
    "recency is large), which is what lowers P(alive)",
)
_BOUGHT_RARELY = Claim(
    says=(
        r"(rarely|seldom|infrequently|hardly ever) (bought|buys|purchased|shopped)",
        r"(few|little) (repeat )?purchases",
        r"(one-time|one time|one-off) (buyer|customer)",
        r"never (bought|came) (again|back)",
    ),
    message="this customer made several repeat purchases, often: it is the long silence AFTER "
    "such a habit that makes the model doubt they are still a customer",
)


@task_check("P(alive) of a quiet repeat buyer")
def check_03_3(answer: object, *, seed: int, reason: object = None) -> None:
    """BG/NBD P(alive) of ``alive_customer`` (model fitted on the whole company), and why."""
    data = exercise_data(seed)
    summary, purchases, _ = company_models(data.transactions, data.observation_end)
    row = summary.loc[data.alive_customer]
    x, t_x, age = float(row["frequency"]), float(row["recency"]), float(row["T"])
    expected = float(row["p_alive"])
    other = summary.loc[data.customer]
    expect_number(
        answer,
        expected,
        name="P(alive)",
        bounds=(0.0, 1.0),
        rel=0.0,
        abs=PROBABILITY_TOLERANCE,
        slips=[
            (
                1 - expected,
                "this is the probability that the customer has LEFT (1 − P(alive)); the task "
                "asks for the probability that they are still a customer",
            ),
            (
                purchases.prob_alive(x, age - t_x, age),
                "you passed the time SINCE the last purchase as recency; the model's recency "
                "is the customer's age at the last purchase",
            ),
            (
                purchases.prob_alive(x + 1, t_x, age),
                "your frequency counts the first purchase too; the model's frequency counts "
                "REPEAT purchases only",
            ),
            (
                purchases.prob_alive(x, t_x * DAYS_PER_WEEK, age * DAYS_PER_WEEK),
                "you gave recency and T in days to a model fitted in weeks; use weeks",
            ),
            (
                float(other["p_alive"]),
                "this is P(alive) of the task-2 customer; task 3 asks about ALIVE_CUSTOMER",
            ),
        ],
    )
    expect_reason(
        reason,
        [_RATE_WORDS, _SILENCE_WORDS],
        hint="say how often this customer used to buy and how long they have been silent "
        "since, and why that combination worries the model",
        wrong=(_BOUGHT_RECENTLY, _BOUGHT_RARELY),
    )


# --------------------------------------------------------------------------- task 4


@task_check("retention rate of a future year (sBG)")
def check_03_4(answer: object, *, seed: int) -> None:
    """Retention rate in year ``exercise_data(seed).year`` from the sBG fitted to the cohort."""
    data = exercise_data(seed)
    model = ShiftedBetaGeometric().fit(data.cohort)
    alpha, beta = (float(v) for v in model.params_[["alpha", "beta"]])
    t = data.year
    expected = float(model.retention_rate(t))
    counts = data.cohort

    def rate(a: float, b: float, year: float) -> float:
        return (b + year - 1) / (a + b + year - 1)

    expect_number(
        answer,
        expected,
        name="retention rate",
        bounds=(0.0, 1.0),
        rel=0.0,
        abs=RATE_TOLERANCE,
        slips=[
            (
                rate(alpha, beta, t + 1),
                "this is the retention rate of the year AFTER; in year t it is "
                "(β + t − 1) / (α + β + t − 1)",
            ),
            (
                rate(alpha, beta, t - 1),
                "this is the retention rate of the year BEFORE; in year t it is "
                "(β + t − 1) / (α + β + t − 1)",
            ),
            (
                1 - expected,
                "this is the churn rate of that year (1 − r_t); the task asks for the "
                "retention rate",
            ),
            (
                rate(beta, alpha, t),
                "α and β are swapped: the numerator is β + t − 1",
            ),
            (
                float(model.survival(t)),
                "this is the survival S(t), the share of the cohort still there after t years; "
                "the retention rate is S(t) / S(t − 1)",
            ),
            (
                float(counts.iloc[-1] / counts.iloc[-2]),
                "this is the last OBSERVED retention rate; the model projects that retention "
                "keeps rising with tenure — use the fitted α and β",
            ),
            (
                float(counts.iloc[1] / counts.iloc[0]),
                "this is the first year's observed retention; retention rises with tenure",
            ),
            (
                beta / (alpha + beta),
                "this is the model's first-year retention rate (t = 1); put the asked year in",
            ),
            (
                rate(CHAPTER_SBG["alpha"], CHAPTER_SBG["beta"], t),
                "these are the chapter's α and β; fit the model on YOUR cohort",
            ),
        ],
    )


# --------------------------------------------------------------------------- task 5

_INTERVAL_WORDS = (
    "interval",
    "low end",
    "lower end",
    "lower bound",
    "lower limit",
    "lowest",
    "worst",
    "at least",
    "even",
    "uncertain",
    "range",
    "pessimistic",
    "conservative",
    "aralı",
    "alt sınır",
    "alt uç",
    "alt değer",
    "en kötü",
    "en az",
    "belirsiz",
    "kötümser",
    "ihtiyatlı",
)
_COST_WORDS = (
    "cost",
    "offer",
    "pay",
    "spend",
    "budget",
    "voucher",
    "money",
    "profit",
    "loss",
    "lose",
    "maliyet",
    "teklif",
    "öde",
    "bütçe",
    "harca",
    "kupon",
    "karlı",
    "kârlı",
    "zarar",
)


_BOTH_OR_NEITHER = Claim(
    says=(
        r"both (clv )?(intervals|customers|candidates|clvs?|low ends)( lie| are| stay| lies)? "
        r"(entirely |fully |well )?above (the )?(offer'?s? )?cost",
        r"(pays|pay) (for )?(itself|themselves) (for|with|on) both",
        r"(neither|none) .{0,40}(pays?|covers?|above)",
        r"either (customer|candidate|one) (would )?(works?|pays?|is fine)",
    ),
    message="the two candidates differ: only one CLV interval lies entirely above the offer's "
    "cost — compare the low ends with the cost",
)


@task_check("which customer gets the retention offer")
def check_03_5(answer: object, *, seed: int, reason: object = None) -> None:
    """The candidate whose CLV interval lies above the offer's cost (``"A"`` or ``"B"``), and why."""
    data = exercise_data(seed)
    offer, cost = data.offer, data.offer_cost
    pays = offer["clv_low"] > cost
    right = str(offer.index[pays][0])
    trap = str(offer.index[~pays][0])
    if isinstance(answer, str):
        by_id = {str(c).casefold(): label for label, c in offer["customer_id"].items()}
        answer = by_id.get(answer.strip().casefold(), answer)
    hint = "compare each candidate's CLV interval with the offer's cost"
    chosen = answer.strip().upper() if isinstance(answer, str) else None
    if chosen == trap:
        if offer.loc[trap, "clv"] > offer.loc[right, "clv"]:
            hint = (
                f"{trap}'s CLV estimate is higher, but the low end of its interval lies below the "
                "offer's cost: the offer may not pay for itself. When the decision is costly, "
                "plan on the low end"
            )
        else:
            hint = (
                f"{trap} brought more margin in the past (historical CLV), but an offer is paid "
                "back only by FUTURE value: compare the CLV intervals with the offer's cost"
            )
    expect_choice(answer, list(offer.index), right, name="the customer to target", hint=hint)
    expect_reason(
        reason,
        [_INTERVAL_WORDS, _COST_WORDS],
        hint="say what the two CLV intervals say compared with what the offer costs",
        wrong=(_BOTH_OR_NEITHER,),
    )
