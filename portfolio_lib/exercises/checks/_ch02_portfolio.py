"""Chapter-2 tasks 6-9: portfolio groups, psychographic segments, cohorts, migration (issue 19).

Re-exported by :mod:`portfolio_lib.exercises.checks.ch02` (so ``exercises.check_02_6`` finds
them); kept in a module of their own because they work on data of their own
(:func:`portfolio_exercise_data`), derived from the same ``SEED`` as tasks 1-5:

6. which portfolio group a named customer falls in, and the course's strategy for that group
   (:func:`check_02_6`; :func:`portfolio_lib.portfolio.portfolio_groups`,
   :func:`portfolio_lib.portfolio.strategy_table`);
7. a customer's psychographic segment, and the share of that segment's customers living in a
   region (:func:`check_02_7`; :func:`portfolio_lib.segmentation.psychographic_segments`,
   :func:`portfolio_lib.segmentation.demographic_profile`);
8. the retention of one first-purchase cohort ``k`` quarters after its first quarter
   (:func:`check_02_8`; :func:`portfolio_lib.portfolio.cohort_retention`);
9. where the customers of one portfolio group went from one quarter to the next: a row of the
   migration matrix (:func:`check_02_9`; :func:`portfolio_lib.lifecycle.migration_matrix`).

Every seeded choice (which customer, region, cohort, quarter, group) comes from the chapter's
:func:`~portfolio_lib.exercises.checks.seeded_rng` stream (``ChapterData.start``), one independent
child stream per task.

Examples
--------
>>> data = portfolio_exercise_data(3)
>>> data.group_customer in data.groups.table.index, data.region in set(data.customers["region"])
(True, True)
>>> check_02_8(1.5, seed=3)
Traceback (most recent call last):
...
portfolio_lib.exercises.feedback.CheckFailed: Task 8 (retention of one cohort): retention must be between 0 and 1; you returned 1.5
"""  # noqa: E501

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from portfolio_lib import _terms
from portfolio_lib.exercises.checks._common import ChapterData, pick_from_first, purchases
from portfolio_lib.exercises.feedback import (
    CheckFailed,
    as_real,
    expect_choice,
    expect_close_series,
    expect_fields,
    expect_number,
    normalise_text,
    task_check,
)
from portfolio_lib.lifecycle import (
    GroupsByPeriod,
    MigrationMatrix,
    migration_matrix,
    portfolio_groups_by_period,
)
from portfolio_lib.portfolio import (
    GROUPS,
    CohortRetention,
    PortfolioGroups,
    cohort_retention,
    portfolio_groups,
    strategy_table,
)
from portfolio_lib.rfm import rfm_table
from portfolio_lib.segmentation import PsychographicSegments, psychographic_segments

# The public names are listed once, in the ``__all__`` of ch02.py, which re-exports them.

MARGIN = 0.3
"""Tasks 6 and 9: gross margin, a fraction of revenue (a customer's value = MARGIN x net spend)."""

AT_RISK_AFTER_DAYS = 180
"""Tasks 6 and 9: days without a purchase after which a customer is at risk."""

N_ATTITUDE_FACTORS = 4
"""Task 7: factors behind the eight attitude statements."""

N_ATTITUDE_SEGMENTS = 4
"""Task 7: psychographic segments formed on the factor scores."""

COHORT_UNIT = "Q"
"""Tasks 8 and 9: the period of cohorts and of group membership (calendar quarters)."""

_MIN_FROM = 10
"""Task 9 asks about a group with at least ten customers in the starting quarter."""

_GROUP_ALIASES = {
    **{code: code for code in GROUPS},
    **{_terms.term(key).english: code for code, key in GROUPS.items()},
    **{_terms.turkish(key): code for code, key in GROUPS.items()},
}


class PortfolioExerciseData(ChapterData):
    """What tasks 6-9 of the chapter-2 exercises work on (all derived from the student's seed).

    Attributes
    ----------
    crm : CRMData
        The student's company (the same as ``ch02.exercise_data(seed).crm``).
    observation_end : Timestamp
        The day of the analysis (the last day of the data; read-only).
    transactions : DataFrame
        Its sales ledger (amounts in currency units, negative for returns).
    customers : DataFrame
        The customer records indexed by ``customer_id``: demographics and the attitude
        items ``att_*`` (Likert 1-5).
    groups : PortfolioGroups
        Task 6: ``portfolio_groups`` of the RFM table on ``observation_end`` with
        :data:`MARGIN` and :data:`AT_RISK_AFTER_DAYS`.
    group_customer : str
        Task 6: the customer whose group and strategy are asked.
    psych : PsychographicSegments
        Task 7: :data:`N_ATTITUDE_SEGMENTS` segments on :data:`N_ATTITUDE_FACTORS` factors,
        seeded with ``SEED``.
    psych_customer : str
        Task 7: the customer whose psychographic segment is asked.
    region : str
        Task 7: the region whose share among that segment's customers is asked.
    cohorts : CohortRetention
        Task 8: quarterly first-purchase cohorts of the ledger.
    cohort : str
        Task 8: the cohort asked about, e.g. ``"2023Q2"``.
    k : int
        Task 8: quarters after the cohort's first quarter (period ``k`` of the table).
    group_states : GroupsByPeriod
        Task 9: each customer's portfolio group at the end of every quarter.
    from_period : str
        Task 9: the starting quarter, e.g. ``"2024Q1"`` (the move goes to the next quarter).
    from_group : str
        Task 9: the group whose customers are followed (a code of ``portfolio.GROUPS``).
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    groups: PortfolioGroups
    group_customer: str
    psych: PsychographicSegments
    psych_customer: str
    region: str
    cohorts: CohortRetention
    cohort: str
    k: int
    group_states: GroupsByPeriod
    from_period: str
    from_group: str

    @property
    def to_period(self) -> str:
        """Task 9: the quarter after :attr:`from_period`."""
        return str(pd.Period(self.from_period, COHORT_UNIT) + 1)


# --------------------------------------------------------------------------- the seeded picks


def _pick_group_customer(
    groups: PortfolioGroups, revenue: pd.Series, rng: np.random.Generator
) -> str:
    """A customer whose group takes the rules' order (or the margin) to get right.

    One of four cases, drawn with ``rng``: at risk but valuable enough to be profitable;
    profitable and frequent enough to be loyal; loyal, or potential, with a net spend (revenue)
    above the profit threshold. Each falls back to its group, then to any customer.
    """
    table, limits = groups.table, groups.thresholds
    group = table["group"]
    valuable = table["value"] >= limits["profitable_min_value"]
    frequent = table["frequency"] >= limits["loyal_min_frequency"]
    rich = revenue.reindex(table.index) >= limits["profitable_min_value"]
    cases = [
        (group == "at_risk") & valuable,
        (group == "profitable") & frequent,
        (group == "loyal") & rich,
        (group == "potential") & rich,
    ]
    case = int(rng.integers(len(cases)))
    own_group = ("at_risk", "profitable", "loyal", "potential")[case]
    pools = (table.index[cases[case]], table.index[group == own_group], table.index)
    customer = pick_from_first(pools, rng)
    if customer is None:  # pragma: no cover - the company always has customers
        raise ValueError("the simulated company has no customers")
    return customer


def attitude_means(customers: pd.DataFrame) -> pd.DataFrame:
    """Each customer's mean rating per attitude: items ``att_<stem>_1``, ``att_<stem>_2`` averaged.

    The customer's *own* profile (Likert points, 1-5), not their segment's: task 7 asks for the
    segment of a customer whose own highest means tie, so the items alone do not decide.

    Parameters
    ----------
    customers : DataFrame
        One row per customer with ``att_*`` Likert items.

    Returns
    -------
    pandas.DataFrame
        Customers x stems (``"price"``, ``"quality"``, ...), in Likert points.

    Examples
    --------
    >>> attitude_means(pd.DataFrame({"att_price_1": [5, 3], "att_price_2": [4, 3],
    ...                              "att_eco_1": [1, 3], "att_eco_2": [2, 3]})).to_numpy().tolist()
    [[1.5, 4.5], [3.0, 3.0]]
    """
    items = [c for c in customers.columns if str(c).startswith("att_")]
    stems = [re.sub(r"_\d+(_r)?$", "", str(item)[len("att_") :]) for item in items]
    return customers[items].T.groupby(stems).mean().T


def _top_stems(means: pd.Series) -> list[str]:
    """The attitudes with the customer's highest mean (several when they tie)."""
    return sorted(str(stem) for stem in means.index[np.isclose(means, means.max())])


def _pick_psych(
    customers: pd.DataFrame, psych: PsychographicSegments, rng: np.random.Generator
) -> tuple[str, str]:
    """A customer whose own highest attitudes tie (one of them not the segment's), and a region."""
    named = psych.labels.map(psych.dominant_factor)
    means = attitude_means(customers).loc[named.index]
    tops = {customer: _top_stems(row) for customer, row in means.iterrows()}
    tied = [c for c, top in tops.items() if len(top) > 1 and named[c] in top]
    customer = pick_from_first((tied, named.index), rng)
    if customer is None:  # pragma: no cover
        raise ValueError("the simulated company has no customers")
    members = psych.labels.index[psych.labels == psych.labels[customer]]
    counts = customers.loc[members, "region"].value_counts()
    region = pick_from_first((counts.index[counts >= 3], counts.index), rng)
    return customer, str(region)


def _pick_cohort(cohorts: CohortRetention, rng: np.random.Generator) -> tuple[str, int]:
    """A cohort and ``k`` (2-4) with periods ``k - 1``, ``k`` and ``k + 1`` observed and distinct."""
    retention = cohorts.retention
    pairs, distinct = [], []
    for k in (2, 3, 4):
        for cohort in retention.index:
            row = retention.loc[cohort]
            if k + 1 >= len(row) or np.isnan(row.iloc[k + 1]):
                continue
            pairs.append(f"{cohort}|{k}")
            values = row.iloc[[k - 1, k, k + 1]].to_numpy()
            if len(np.unique(values.round(9))) == 3:
                distinct.append(f"{cohort}|{k}")
    chosen = pick_from_first((distinct, pairs), rng)
    if chosen is None:  # pragma: no cover - two years of quarters always leave a pair
        raise ValueError("the ledger is too short for a cohort followed over four quarters")
    cohort, k = chosen.split("|")
    return cohort, int(k)


def _pick_move(states: GroupsByPeriod, rng: np.random.Generator) -> tuple[str, str]:
    """A quarter with a quarter before it and two after it, and a group of >= 10 customers in it."""
    table = states.table
    periods = sorted(table["period"].unique())
    counts = table.groupby(["period", "state"], observed=False).size()
    inner = periods[1:-2]
    big = [f"{p}|{g}" for p in inner for g in GROUPS if counts.get((p, g), 0) >= _MIN_FROM]
    some = [f"{p}|{g}" for p in periods[:-1] for g in GROUPS if counts.get((p, g), 0) > 0]
    chosen = pick_from_first((big, some), rng)
    if chosen is None:  # pragma: no cover
        raise ValueError("the ledger is too short for a move between two quarters")
    period, group = chosen.split("|")
    return period, group


@ChapterData.document
def portfolio_exercise_data(seed: int) -> PortfolioExerciseData:
    """The data of chapter-2 tasks 6-9 for one seed (the notebook's cells call this too).

    Examples
    --------
    >>> data = portfolio_exercise_data(3)
    >>> (data.cohort, data.k) == (portfolio_exercise_data(3).cohort, portfolio_exercise_data(3).k)
    True
    """
    rng, crm = ChapterData.start(seed, chapter=2)
    rng6, rng7, rng8, rng9 = rng.spawn(4)
    tx, end = crm.transactions, crm.observation_end
    table = rfm_table(tx, observation_end=end)
    groups = portfolio_groups(table, margin=MARGIN, at_risk_after_days=AT_RISK_AFTER_DAYS)
    customers = crm.customers.set_index("customer_id")
    psych = psychographic_segments(
        customers, n_factors=N_ATTITUDE_FACTORS, k=N_ATTITUDE_SEGMENTS, seed=int(seed)
    )
    psych_customer, region = _pick_psych(customers, psych, rng7)
    cohorts = cohort_retention(tx, observation_end=end, unit=COHORT_UNIT)
    cohort, k = _pick_cohort(cohorts, rng8)
    states = portfolio_groups_by_period(
        tx, period=COHORT_UNIT, observation_end=end, margin=MARGIN,
        at_risk_after_days=AT_RISK_AFTER_DAYS,
    )  # fmt: skip
    from_period, from_group = _pick_move(states, rng9)
    return PortfolioExerciseData(
        crm=crm,
        transactions=tx,
        customers=customers,
        groups=groups,
        group_customer=_pick_group_customer(groups, table["monetary_total"], rng6),
        psych=psych,
        psych_customer=psych_customer,
        region=region,
        cohorts=cohorts,
        cohort=cohort,
        k=k,
        group_states=states,
        from_period=from_period,
        from_group=from_group,
    )


# --------------------------------------------------------------------------- task 6


def _data_and_fields(
    answer: object, seed: int, fields: tuple[str, ...]
) -> tuple[PortfolioExerciseData, dict[str, object]]:
    """The seed's data and the asked fields of a dict answer (CheckFailed for another shape)."""
    data = portfolio_exercise_data(seed)
    values = expect_fields(
        answer,
        fields,
        name="your answer",
        table_hint="take the values you need out of the table and build the dict",
    )
    return data, values


def _plain(text: str) -> str:
    """Lower case (Turkish ``I``/``ı`` too), no accents, ``-`` and ``_`` as spaces: ``"at risk"``."""
    return normalise_text(text.replace("-", " ").replace("_", " "))


def _group_code(answer: object, name: str) -> str:
    """The group code of a student's group (code, English or Turkish name), or CheckFailed."""
    shown = ", ".join(repr(code) for code in GROUPS)
    if answer is None or answer is Ellipsis:
        raise CheckFailed(f"{name}: replace the placeholder with one of {shown}")
    if isinstance(answer, int | np.integer) and not isinstance(answer, bool):
        raise CheckFailed(
            f"{name} must be a group name, one of {shown}; you gave the number {answer}"
        )
    if not isinstance(answer, str):
        raise CheckFailed(
            f"{name} must be one of {shown} (as text); you passed a {type(answer).__name__}"
        )
    code = {_plain(key): code for key, code in _GROUP_ALIASES.items()}.get(_plain(answer))
    if code is None:
        raise CheckFailed(f"{name} must be one of {shown}; you wrote {answer!r}")
    return code


def _group_slip(data: PortfolioExerciseData, chosen: str) -> str:
    """Why the customer is not in the ``chosen`` group: the rule it skipped or misread."""
    row = data.groups.table.loc[data.group_customer]
    limits = data.groups.thresholds
    expected = str(row["group"])
    revenue = row["value"] / MARGIN
    if expected == "at_risk":
        return (
            "rule 1 comes first: a customer with no purchase for more than AT_RISK_AFTER_DAYS "
            "days is at risk, whatever their value or frequency"
        )
    if chosen == "at_risk":
        return (
            "at risk means no purchase for MORE than AT_RISK_AFTER_DAYS days; compare the "
            "customer's recency_days with it"
        )
    if expected == "profitable" and chosen == "loyal":
        return (
            "rule 2 (profitable) comes before rule 3 (loyal): a frequent customer whose value "
            "reaches profitable_min_value is profitable"
        )
    if chosen == "profitable" and revenue >= limits["profitable_min_value"]:
        return (
            "you compared the customer's net spend with profitable_min_value, a PROFIT "
            "threshold: the customer's value is MARGIN × monetary_total"
        )
    if chosen == "profitable":
        return "the customer's value (MARGIN × net spend) is below profitable_min_value"
    if expected == "profitable":
        return (
            "the customer's value (MARGIN × net spend) reaches profitable_min_value: rule 2 "
            "makes them profitable (value >= the threshold)"
        )
    if expected == "loyal":
        return (
            "loyal_min_frequency is the smallest number of purchase occasions that counts as "
            "loyal (frequency >= it)"
        )
    return "the customer's frequency is below loyal_min_frequency, so rule 3 does not apply"


_STRATEGY_SLIPS = {
    ("profitable", "potential"): "discounts would cut the margin of your most profitable "
    "customers, who buy anyway; the course keeps them with loyalty and rewards",
    ("potential", "profitable"): "a loyalty and reward programme is the course's answer for the "
    "MOST profitable customers; a potential customer needs an offer towards a second purchase",
    ("loyal", "potential"): "blanket discounts cut the margin of loyal customers who buy anyway; "
    "the course rewards their loyalty and grows the basket",
}


def _strategy_slip(group: str, chosen_group: str) -> str:
    """Why the strategy of ``chosen_group`` does not fit a customer of ``group``."""
    if group == "at_risk":
        return "that strategy is for customers who still buy; this customer is leaving"
    if chosen_group == "at_risk":
        return (
            "a win-back is for customers who have STOPPED buying; this customer is still "
            "active (not at risk)"
        )
    specific = _STRATEGY_SLIPS.get((group, chosen_group))
    if specific:
        return specific
    return f"that is the strategy table's line for {chosen_group} customers"


@task_check("portfolio group and strategy of one customer")
def check_02_6(answer: object, *, seed: int) -> None:
    """``{"group", "strategy"}`` of ``portfolio_exercise_data(seed).group_customer``."""
    data, values = _data_and_fields(answer, seed, ("group", "strategy"))
    expected = str(data.groups.table.loc[data.group_customer, "group"])
    chosen = _group_code(values["group"], "group")
    if chosen != expected:
        raise CheckFailed(
            f"group: {chosen!r} is not this customer's group — " + _group_slip(data, chosen)
        )
    strategies = strategy_table()["strategy"]
    by_strategy = {text.casefold(): group for group, text in strategies.items()}
    hint = ""
    strategy = values["strategy"]
    if isinstance(strategy, str) and strategy.strip().casefold() in by_strategy:
        chosen_group = by_strategy[strategy.strip().casefold()]
        if chosen_group != expected:
            hint = _strategy_slip(expected, chosen_group)
    expect_choice(
        strategy,
        list(strategies),
        strategies[expected],
        name="strategy",
        hint=hint,
    )


# --------------------------------------------------------------------------- task 7


def _region_counts(data: PortfolioExerciseData) -> tuple[int, int, int, int]:
    """Customers in the segment and region, in the segment, in the region, and in all."""
    labels = data.psych.labels
    segment = labels == labels[data.psych_customer]
    in_region = data.customers.loc[labels.index, "region"] == data.region
    return (
        int((segment & in_region).sum()),
        int(segment.sum()),
        int(in_region.sum()),
        len(labels),
    )


@task_check("psychographic segment and its regional profile")
def check_02_7(answer: object, *, seed: int) -> None:
    """``{"segment", "region_share"}``: the customer's segment name and P(region | segment)."""
    data, values = _data_and_fields(answer, seed, ("segment", "region_share"))
    psych = data.psych
    label = psych.labels[data.psych_customer]
    expected = str(psych.dominant_factor[label])
    names = list(psych.factors.loadings.columns)
    segment = values["segment"]
    number = as_real(segment)
    if number is not None:
        raise CheckFailed(
            f"segment: you gave the segment number {segment!r}; name the segment by its "
            "dominant factor (psych.dominant_factor)"
        )
    tops = _top_stems(attitude_means(data.customers).loc[data.psych_customer])
    hint = ""
    if isinstance(segment, str) and segment.strip().casefold() in tops:
        hint = (
            f"this customer rates {' and '.join(tops)} equally high, so the items alone do not "
            "decide; the segment is the cluster the customer was put in (psych.labels), named "
            "by its dominant factor"
            if len(tops) > 1
            else "that is the customer's OWN strongest attitude; the segment is the cluster the "
            "customer was put in (psych.labels), named by its dominant factor"
        )
    expect_choice(segment, names, expected, name="segment", hint=hint)

    both, in_segment, in_region, everyone = _region_counts(data)
    expect_number(
        values["region_share"],
        both / in_segment,
        name="region_share",
        bounds=(0.0, 1.0),
        slips=[
            (
                both / in_region,
                "region_share: you divided by the customers of the REGION; the share asked is "
                "of the SEGMENT's customers who live in the region (divide by the segment's size)",
            ),
            (
                float(both),
                "region_share: this is the NUMBER of the segment's customers in the region; "
                "divide it by the segment's size",
            ),
            (
                both / everyone,
                "region_share: you divided by ALL customers; divide by the segment's customers",
            ),
            (
                in_region / everyone,
                "region_share: this is the region's share of ALL customers; keep only the "
                "customers of the segment",
            ),
        ],
    )


# --------------------------------------------------------------------------- task 8


def _quarter_of(days: pd.Series) -> pd.Series:
    return days.dt.to_period(COHORT_UNIT)


def _cohort_slips(data: PortfolioExerciseData) -> list[tuple[float, str]]:
    """The values of task 8's typical mistakes, with their messages."""
    cohorts, cohort, k = data.cohorts, data.cohort, data.k
    row = cohorts.retention.loc[cohort]
    first = pd.Period(cohort, COHORT_UNIT)
    target = first + k
    tx = data.transactions
    buys = purchases(tx)
    first_buy = _quarter_of(buys.groupby("customer_id")["date"].min())
    members = first_buy.index[first_buy == first]
    mine = buys.loc[buys["customer_id"].isin(members)]
    quarters = _quarter_of(mine["date"])
    rows_in_target = (quarters == target).sum()
    ever = mine.loc[(quarters > first) & (quarters <= target), "customer_id"].nunique()
    any_rows = tx.loc[tx["customer_id"].isin(members)]
    any_active = any_rows.loc[_quarter_of(any_rows["date"]) == target, "customer_id"].nunique()
    signup = data.customers["signup_date"]
    signed = signup.index[_quarter_of(signup) == first]
    signed_active = buys.loc[
        buys["customer_id"].isin(signed) & (_quarter_of(buys["date"]) == target), "customer_id"
    ].nunique()
    size = len(members)
    return [
        (
            float(cohorts.counts.loc[cohort, k]),
            "retention: this is the NUMBER of the cohort's customers who bought in that quarter; "
            "divide it by the cohort's size (its customers in period 0)",
        ),
        (
            float(row.iloc[k - 1]),
            "retention: you read the quarter BEFORE the one asked; period 0 is the cohort's first "
            "quarter, so k quarters later is column k",
        ),
        (
            float(row.iloc[k + 1]),
            "retention: you read the quarter AFTER the one asked; period 0 is the cohort's first "
            "quarter (not period 1), so k quarters later is column k",
        ),
        (
            rows_in_target / size,
            "retention: you counted purchase ROWS; count the cohort's distinct customers with a "
            "purchase in that quarter",
        ),
        (
            ever / size,
            "retention: you counted customers who bought at ANY time up to that quarter; the "
            "retention of period k counts those who bought IN quarter k",
        ),
        (
            any_active / size,
            "retention: you counted returns as activity; a customer is active in a quarter "
            "with a PURCHASE (returns are not purchases)",
        ),
        (
            signed_active / len(signed) if len(signed) else float("nan"),
            "retention: you formed the cohort by sign-up date; cohorts here are defined by the "
            "quarter of the FIRST PURCHASE",
        ),
        (
            1 - float(row.iloc[k]),
            "retention: this is the share of the cohort that did NOT buy in that quarter; give "
            "the share that did",
        ),
    ]


@task_check("retention of one cohort")
def check_02_8(answer: object, *, seed: int) -> None:
    """Share (0-1) of cohort ``data.cohort`` with a purchase ``data.k`` quarters later."""
    data = portfolio_exercise_data(seed)
    expected = float(data.cohorts.retention.loc[data.cohort, data.k])
    expect_number(
        answer,
        expected,
        name="retention",
        bounds=(0.0, 1.0),
        slips=_cohort_slips(data),
    )


# --------------------------------------------------------------------------- task 9


def _pair_matrix(states: GroupsByPeriod, start: pd.Period) -> MigrationMatrix | None:
    """The migration matrix of the moves from quarter ``start`` to the next one only."""
    table = states.table
    pair = table.loc[table["period"].isin([start, start + 1])]
    if pair["period"].nunique() < 2:
        return None
    return migration_matrix(pair, order=list(GROUPS))


def _as_row(answer: object) -> pd.Series:
    """A student's row of shares as a Series of floats by group, or CheckFailed saying why not."""
    shown = ", ".join(repr(code) for code in GROUPS)
    if answer is None or answer is Ellipsis:
        raise CheckFailed(
            f"replace the placeholder with a dict (or Series) of shares with the keys {shown}"
        )
    if as_real(answer) is not None:
        raise CheckFailed(
            "pass the whole row: a dict (or Series) with one share per group "
            f"({shown}), not a single number"
        )
    if isinstance(answer, pd.DataFrame):
        raise CheckFailed(
            "you passed a table; pass ONE row of it (shares.loc[FROM_GROUP]), a Series by group"
        )
    if isinstance(answer, Mapping):
        answer = pd.Series(dict(answer), dtype=object)
    if not isinstance(answer, pd.Series):
        raise CheckFailed(
            f"your row must be a dict (or Series) with the keys {shown}; you passed a "
            f"{type(answer).__name__}"
        )
    try:
        return answer.astype(float)
    except (TypeError, ValueError):
        raise CheckFailed(
            f"your row must hold numbers (shares between 0 and 1); it holds {list(answer)}"
        ) from None


def _same_row(row: pd.Series, candidate: pd.Series) -> bool:
    if set(row.index) != set(candidate.index):
        return False
    mine = row.reindex(candidate.index).to_numpy(dtype=float)
    other = candidate.to_numpy(dtype=float)
    return bool(np.allclose(mine, other, rtol=1e-6, atol=1e-9, equal_nan=True))


@task_check("where one group's customers went next quarter")
def check_02_9(answer: object, *, seed: int) -> None:
    """Row ``data.from_group`` of the migration matrix from ``data.from_period`` to the next."""
    data = portfolio_exercise_data(seed)
    start = pd.Period(data.from_period, COHORT_UNIT)
    group = data.from_group
    moves = _pair_matrix(data.group_states, start)
    expected = moves.shares.loc[group]
    counts = moves.counts
    row = _as_row(answer)
    pooled = migration_matrix(data.group_states, order=list(GROUPS)).shares.loc[group]
    slips = [
        (
            counts.loc[group].astype(float),
            "these are the NUMBERS of customers; divide each by the customers who were in the "
            "group in the starting quarter",
        ),
        (
            counts.loc[group] / counts.to_numpy().sum(),
            "your shares divide by ALL customers present in both quarters; a row of the "
            "migration matrix divides by the customers who STARTED in the group, so it sums to 1",
        ),
        (
            counts.loc[group] / counts.sum(axis=0).replace(0, np.nan),
            "you divided by the customers who ENDED in each group (the columns): that mixes up "
            "from and to; a row divides by the customers who STARTED in the group",
        ),
        (
            moves.shares[group],
            "you read the COLUMN of the group (moves INTO it); the row (moves OUT of it) is asked",
        ),
        (
            pooled,
            "this row pools the moves of ALL consecutive quarters; the task asks for the move from "
            "the starting quarter to the next one only",
        ),
    ]
    for other, where in ((start - 1, "quarter BEFORE"), (start + 1, "quarter AFTER")):
        shifted = _pair_matrix(data.group_states, other)
        if shifted is not None:
            slips.append(
                (
                    shifted.shares.loc[group],
                    f"you started from the {where} the one asked: the move goes from FROM_PERIOD "
                    "to the quarter after it",
                )
            )
    if not _same_row(row, expected):
        for candidate, message in slips:
            if candidate.notna().any() and _same_row(row, candidate):
                raise CheckFailed(message)
        total = float(row.sum())
        if set(row.index) == set(expected.index) and not (
            np.isclose(total, 1.0) or np.isclose(total, 100.0)
        ):
            raise CheckFailed(
                f"your shares add up to {total:.6g}; the shares of one row (one FROM group) "
                "must add up to 1 — divide by the customers who started in the group"
            )
    missing = expected.index.difference(row.index)
    if len(missing) and set(row.index) < set(expected.index) and (expected[missing] == 0).all():
        raise CheckFailed(
            f"your row lacks {list(missing)}: a group nobody moved to still has a share, 0 — "
            "give one share per group of portfolio.GROUPS (e.g. .reindex(..., fill_value=0))"
        )
    expect_close_series(row, expected, name="your row of shares")
