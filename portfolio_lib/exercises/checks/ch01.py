"""Checks for exercises/source/01_data_collection.ipynb (chapter 1: collecting customer data).

Every student works on a small company of their own, simulated from their
``SEED`` (:func:`exercise_data`), and the checks recompute the expected answers
from the same seed with ``portfolio_lib``:

1. net revenue of one month, by hand with pandas (:func:`check_01_1`);
2. rejected rows per reason in a dirty monthly batch (:func:`check_01_2`);
3. why rejected rows are kept with a reason (short answer, :func:`check_01_3`);
4. re-running an interrupted load into the CRM database (:func:`check_01_4`);
5. which acquisition channel to investigate first (a manager's choice, :func:`check_01_5`);
6. customer identification by hand (:func:`check_01_6`), in four parts: (a) a Turkish name
   normalised, (b) a phone number in E.164, (c) precision and recall of a linkage from
   labelled pairs, (d) a match threshold from the costs of a false and a missed merge. Its
   data come from :func:`identity_tasks`, drawn from the same seed.

Examples
--------
>>> data = exercise_data(3)
>>> len(data.crm.customers)
400
>>> check_01_3("We lose revenue when rows vanish silently; the reason lets us fix the source.",
...            seed=3)
✔ Task 3 passed: why rejected rows are kept with a reason
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from portfolio_lib.course import split_at
from portfolio_lib.describe import monthly_revenue
from portfolio_lib.exercises.checks import seeded_rng
from portfolio_lib.exercises.checks._common import (
    N_CUSTOMERS,
    ChapterData,
    near_best,
)
from portfolio_lib.exercises.feedback import (
    CheckFailed,
    Claim,
    as_real,
    check,
    expect_choice,
    expect_close_series,
    expect_fields,
    expect_number,
    expect_reason,
    task_check,
)
from portfolio_lib.identity import fold_case, normalise_name, normalise_phone, to_ascii
from portfolio_lib.portfolio import cac_by_channel
from portfolio_lib.quality import inject_errors, validate_transactions
from portfolio_lib.simulate import CRMData
from portfolio_lib.simulate.records import name_lists, turkish_upper
from portfolio_lib.store import CRMStore, IngestResult

__all__ = [
    "N_CUSTOMERS",
    "VALUE_DAYS",
    "Chapter1Data",
    "exercise_data",
    "channel_review",
    "check_01_1",
    "check_01_2",
    "check_01_3",
    "check_01_4",
    "check_01_5",
    "THRESHOLDS",
    "IdentityTasks",
    "identity_tasks",
    "threshold_cost_table",
    "IDENTIFICATION_PARTS",
    "check_01_6",
]

VALUE_DAYS = 180
"""Days after sign-up over which task 5 measures what a new customer spent."""


class Chapter1Data(ChapterData):
    """What the chapter-1 exercises work on besides ``crm``, all derived from the seed.

    Attributes
    ----------
    month : str
        Task 1: the month (``"YYYY-MM"``) whose net revenue is asked.
    history, new_month : dict of str to DataFrame
        Every table before the last month and within it (:func:`portfolio_lib.course.split_at`).
    window : (Timestamp, Timestamp)
        First and last day of the last month: the dates a monthly batch may carry.
    dirty_batch : DataFrame
        Task 2: the last month's transactions as the tills sent them: planted problems
        (:func:`portfolio_lib.quality.inject_errors`) and some lines sent twice; raw
        ``customer_id``, ``date`` and ``amount`` columns, no labels saying what is wrong.
    crash_after : int
        Task 4: the nightly load stopped after this many rows of ``new_month["transactions"]``.
    channels : DataFrame
        Task 5: per acquisition channel, new customers, CAC and revenue per customer in
        their first :data:`VALUE_DAYS` days (see :func:`channel_review`).
    """

    month: str
    history: dict[str, pd.DataFrame]
    new_month: dict[str, pd.DataFrame]
    window: tuple[pd.Timestamp, pd.Timestamp]
    dirty_batch: pd.DataFrame
    crash_after: int
    channels: pd.DataFrame


def _pick_month(transactions: pd.DataFrame, rng: np.random.Generator) -> str:
    """A month strictly inside the data that has at least one return (so net != gross)."""
    months = transactions["date"].dt.to_period("M")
    with_returns = months[transactions["amount"] < 0].unique()
    inner = sorted(m for m in with_returns if months.min() < m < months.max())
    return str(inner[int(rng.integers(len(inner)))])


def _dirty_batch(
    clean: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp], rng: np.random.Generator
) -> pd.DataFrame:
    """Planted problems (1-3 per reason) plus 2-5 purchase lines a till sent twice, unlabelled."""
    planted = inject_errors(clean, seed=rng, n_per_reason=int(rng.integers(1, 4)), window=window)
    amount = pd.to_numeric(planted["amount"], errors="coerce")
    originals = np.flatnonzero((planted["injected_reason"].isna() & (amount > 0)).to_numpy())
    twice = np.sort(rng.choice(originals, size=int(rng.integers(2, 6)), replace=False))
    batch = pd.concat([planted, planted.iloc[twice]], ignore_index=True)
    return batch.drop(columns="injected_reason")


def channel_review(crm: CRMData, *, value_days: int = VALUE_DAYS) -> pd.DataFrame:
    """New customers, CAC and early revenue per acquisition channel (task 5's table).

    Only customers who signed up at least ``value_days`` days before the end of the
    data are used, so everyone is followed equally long.

    Parameters
    ----------
    crm : CRMData
        The company.
    value_days : int
        Length of the revenue window after sign-up, in days.

    Returns
    -------
    DataFrame
        Indexed by ``acquisition_channel``: ``new_customers``, ``cac`` (mean acquisition
        cost, currency units per customer) and ``revenue_per_customer`` (net revenue in the
        first ``value_days`` days after sign-up, currency units per customer).

    Examples
    --------
    >>> list(channel_review(exercise_data(3).crm).columns)
    ['new_customers', 'cac', 'revenue_per_customer']
    """
    cutoff = crm.observation_end - pd.Timedelta(days=value_days)
    customers = crm.customers.loc[crm.customers["signup_date"] <= cutoff]
    sales = crm.transactions.merge(customers[["customer_id", "signup_date"]], on="customer_id")
    early = sales["date"] < sales["signup_date"] + pd.Timedelta(days=value_days)
    revenue = sales.loc[early].groupby("customer_id")["amount"].sum()
    table = cac_by_channel(
        customers, value=revenue.reindex(customers["customer_id"], fill_value=0.0)
    )
    return table.rename(
        columns={"n_customers": "new_customers", "value_per_customer": "revenue_per_customer"}
    )[["new_customers", "cac", "revenue_per_customer"]]


@ChapterData.document
def exercise_data(seed: int) -> Chapter1Data:
    """The data of the chapter-1 exercise set for one seed (the notebook's setup cell calls this).

    Examples
    --------
    >>> data = exercise_data(3)
    >>> data.month == exercise_data(3).month and len(data.dirty_batch) > 0
    True
    """
    rng, crm = ChapterData.start(seed, chapter=1)
    month = _pick_month(crm.transactions, rng)
    batch_start = crm.observation_end.to_period("M").start_time
    history, new_month = split_at(crm, batch_start)
    window = (batch_start, crm.observation_end)
    dirty = _dirty_batch(new_month["transactions"], window, rng)
    n_rows = len(new_month["transactions"])
    crash_after = int(rng.integers(n_rows // 4, 3 * n_rows // 4 + 1))
    return Chapter1Data(
        crm=crm,
        month=month,
        history=history,
        new_month=new_month,
        window=window,
        dirty_batch=dirty,
        crash_after=crash_after,
        channels=channel_review(crm),
    )


# --------------------------------------------------------------------------- task 1


@task_check("net revenue of one month")
def check_01_1(answer: object, *, seed: int) -> None:
    """Net revenue (purchases minus returns) of ``exercise_data(seed).month``, currency units."""
    data = exercise_data(seed)
    table = monthly_revenue(data.crm.transactions)
    month = pd.Period(data.month, "M")
    expected = float(table.loc[month, "net_revenue"])
    position = table.index.get_loc(month)
    slips = [
        (
            table.loc[month, "gross_revenue"],
            "this is the month's gross revenue (purchases only); net revenue also counts the "
            "returns, which are rows with a negative amount",
        ),
        (
            -table.loc[month, "returns"],
            "this is the value of the month's returns; net revenue is purchases minus returns",
        ),
        (
            table.loc[month, "returns"],
            "this is the value of the month's returns; net revenue is purchases minus returns",
        ),
        (
            table["net_revenue"].sum(),
            "this is the net revenue of ALL months; keep only the rows dated in the asked month",
        ),
        (
            table.loc[month, "orders"],
            "this is the number of orders (a count); the task asks for money (currency units)",
        ),
        (
            table.loc[month, "active_customers"],
            "this is the number of active customers; the task asks for money (currency units)",
        ),
    ]
    for shift, where in ((-1, "before"), (1, "after")):
        if 0 <= position + shift < len(table):
            slips.append(
                (
                    table["net_revenue"].iloc[position + shift],
                    f"this is the net revenue of the month {where} the asked one; check how you "
                    "select the month (e.g. compare .dt.to_period('M') with the month)",
                )
            )
    same_month = table.index[(table.index.month == month.month) & (table.index != month)]
    for other in same_month:
        slips.append(
            (
                table.loc[other, "net_revenue"],
                "this is the same month in another year; match the year as well as the month",
            )
        )
    expect_number(
        answer, expected, name="net revenue", unit="currency units", abs=0.005, slips=slips
    )


# --------------------------------------------------------------------------- task 2


def _expected_rejections(data: Chapter1Data) -> pd.Series:
    report = validate_transactions(data.dirty_batch, window=data.window)
    return report.rejected["reason"].value_counts().astype(float)


def _as_counts(answer: object) -> pd.Series:
    """A student's counts per reason as a float Series (explaining what else came in)."""
    if answer is None or answer is Ellipsis:
        raise CheckFailed(
            "rejected rows per reason: replace the placeholder with a dict or Series "
            "{reason: number of rows}"
        )
    if isinstance(answer, pd.DataFrame):
        hint = (
            " — take its 'rows' column and leave out the 'clean' and 'return' outcomes"
            if "rows" in answer.columns
            else " — count the rows per value of the rejected rows' 'reason' column"
        )
        raise CheckFailed(
            f"rejected rows per reason must be a Series or dict; you passed a table{hint}"
        )
    if isinstance(answer, Mapping):
        answer = pd.Series(dict(answer), dtype=object)
    if not isinstance(answer, pd.Series):
        raise CheckFailed(
            "rejected rows per reason must be a dict or Series {reason: number of rows}; "
            f"you passed a {type(answer).__name__}"
        )
    counts = pd.to_numeric(answer, errors="coerce")
    check(
        counts.notna().all(),
        "rejected rows per reason must hold numbers (counts of rows) for every reason",
    )
    kept = [label for label in ("clean", "return") if label in counts.index]
    check(
        not kept,
        f"{kept} are not rejection reasons: clean rows and returns are valid data. "
        "Count only the rejected rows, per reason",
    )
    return counts[counts != 0].astype(float)


@task_check("rejected rows per reason")
def check_01_2(answer: object, *, seed: int) -> None:
    """Rows of the dirty batch rejected by ``validate_transactions(..., window=...)``, per reason."""
    data = exercise_data(seed)
    expected = _expected_rejections(data)
    counts = _as_counts(answer)
    n_rows = len(data.dirty_batch)
    if len(counts) and counts.max() <= 1 and np.isclose(counts.sum(), expected.sum() / n_rows):
        raise CheckFailed(
            "your values are shares of the batch; give the NUMBER of rejected rows per reason"
        )
    if "date outside window" in expected.index and "date outside window" not in counts.index:
        raise CheckFailed(
            "no row was rejected for 'date outside window': did you pass window=WINDOW to "
            "quality.validate_transactions? Without it, dates outside the batch month pass"
        )
    expect_close_series(
        counts,
        expected,
        name="rejected rows per reason",
        unit="rows",
        rtol=0.0,
        atol=1e-9,
        hint_scale=False,
    )


# --------------------------------------------------------------------------- task 3

_LOSS_WORDS = (
    "lose",
    "lost",
    "loss",
    "bias",
    "undercount",
    "underestimat",
    "missing",
    "disappear",
    "silent",
    "incomplete",
    "wrong",
    "kayb",
    "kayıp",
    "kaybol",
    "eksik",
    "yanlış",
    "yanlı",
    "sapma",
    "sessiz",
    "kaybet",
)
_FIX_WORDS = (
    "fix",
    "correct",
    "repair",
    "source",
    "trace",
    "audit",
    "resend",
    "re-send",
    "reload",
    "recover",
    "root cause",
    "düzelt",
    "kaynak",
    "kaynağ",
    "izle",
    "izlen",
    "denetim",
    "tekrar gönder",
    "geri kazan",
)


_DROPPING_IS_HARMLESS = Claim(
    says=(
        r"harmless",
        r"no harm",
        r"zararsiz",
        r"(do|does|did) ?(not|n't) matter",
        r"(can|could|should|may) (just |simply |safely )?(be )?(dropp|delet|remov|ignor|discard)\w*",
        r"safe to (drop|delete|remove|ignore|discard)",
        r"(are|is) (useless|worthless|garbage|junk)",
        r"(does|do|will) ?(not|n't) (change|affect|distort|bias) (the )?"
        r"(numbers|totals|results|reports?|revenue|kpis?|analys[ie]s)",
    ),
    message="silently dropping rows changes every number reported from the data (revenue, "
    "frequency, CLV are undercounted without anyone noticing)",
)


@task_check("why rejected rows are kept with a reason")
def check_01_3(answer: object, *, seed: int) -> None:
    """A short answer naming what dropping rows costs and what the reason makes possible.

    An answer that says dropping rows is harmless (or that rejected rows can simply be
    deleted) fails whatever else it mentions.
    """
    exercise_data(seed)  # the same seed rules as every task (and a clear error for a bad one)
    expect_reason(
        answer,
        [_LOSS_WORDS, _FIX_WORDS],
        name="your explanation",
        min_words=12,
        hint="say what silently dropping rows does to the numbers analysts report, and what "
        "the stored reason lets someone do about it",
        missing="your explanation: write your answer as text between the quotes",
        wrong=(_DROPPING_IS_HARMLESS,),
    )


# --------------------------------------------------------------------------- task 4


def _expected_rerun(data: Chapter1Data) -> IngestResult:
    """Load the parents (customers, campaigns), the first ``crash_after`` rows, then all again.

    Transactions refer to customers and campaigns; the history's other tables do not
    change what happens to the batch, so they are left out to keep the check fast.
    """
    batch = data.new_month["transactions"]
    with CRMStore(":memory:") as store:
        for tables in (data.history, data.new_month):
            store.ingest_tables({name: tables[name] for name in ("customers", "campaigns")})
        store.ingest("transactions", batch.iloc[: data.crash_after])
        return store.ingest("transactions", batch)


def _ingest_counts(answer: object) -> tuple[int, int, int]:
    if answer is None or answer is Ellipsis:
        raise CheckFailed(
            "replace the ... placeholder with what the re-run's store.ingest(...) returned"
        )
    if isinstance(answer, IngestResult):
        return answer.inserted, answer.duplicates, answer.rejected
    if isinstance(answer, Mapping) and {"inserted", "duplicates", "rejected"} <= set(answer):
        return int(answer["inserted"]), int(answer["duplicates"]), int(answer["rejected"])
    if isinstance(answer, numbers.Number):
        raise CheckFailed(
            "pass the whole result of the re-run (what store.ingest returned: it holds "
            "inserted, duplicates and rejected), not a single number"
        )
    raise CheckFailed(
        "the answer must be the IngestResult returned by the re-run's store.ingest(...); "
        f"you passed a {type(answer).__name__}"
    )


@task_check("re-running an interrupted load")
def check_01_4(answer: object, *, seed: int) -> None:
    """The IngestResult of re-sending the whole month after a load stopped part-way."""
    data = exercise_data(seed)
    expected = _expected_rerun(data)
    inserted, duplicates, rejected = _ingest_counts(answer)
    if (inserted, duplicates, rejected) == (
        expected.inserted,
        expected.duplicates,
        expected.rejected,
    ):
        return
    n_batch, n_first = len(data.new_month["transactions"]), data.crash_after
    if rejected:
        raise CheckFailed(
            f"{rejected} row(s) were rejected: a purchase must refer to a customer (and a "
            "campaign) the store already knows — load the history and the new month's "
            "customers and campaigns before the transactions; store.read('rejects') shows why"
        )
    if inserted == n_first and duplicates == 0:
        raise CheckFailed(
            "this is the result of the interrupted first load; pass the result of the "
            "re-run with the whole batch"
        )
    if inserted == n_batch:
        raise CheckFailed(
            "your re-run inserted every row of the batch: it went into a store without the "
            "interrupted load. Load the first CRASH_AFTER rows first, then the whole batch, "
            "into the SAME store"
        )
    if inserted == 0 and duplicates == n_batch:
        raise CheckFailed(
            "your re-run found every row already stored: the interrupted load only got the "
            "first CRASH_AFTER rows in, not the whole batch"
        )
    raise CheckFailed(
        f"your re-run inserted {inserted}, counted {duplicates} duplicate(s) and rejected "
        f"{rejected}; that is not what re-sending the whole batch after the interrupted load "
        "gives — start from a new CRMStore(':memory:') and follow the steps in order"
    )


# --------------------------------------------------------------------------- task 5


@task_check("which acquisition channel to investigate first")
def check_01_5(answer: object, *, seed: int) -> None:
    """The channel whose customers bring the least early revenue per unit of acquisition cost."""
    table = exercise_data(seed).channels
    per_cost = table["revenue_per_customer"] / table["cac"]
    worst = near_best(per_cost, lowest=True)
    channels = list(table.index)
    chosen = answer.strip().casefold() if isinstance(answer, str) else None
    hint = (
        "compare what a customer brings in with what it cost to win: revenue per customer "
        "divided by CAC, channel by channel"
    )
    if chosen == str(table["cac"].idxmax()).casefold() and chosen not in worst:
        hint = (
            "that channel has the highest CAC, but its customers also spend more; "
            "look at revenue per currency unit of CAC, not at CAC alone"
        )
    elif chosen == str(table["revenue_per_customer"].idxmin()).casefold():
        hint = (
            "its customers spend least, but they are also cheap to win; "
            "look at revenue per currency unit of CAC"
        )
    elif chosen == str(table["new_customers"].idxmin()).casefold():
        hint = "few new customers is not a loss in itself; " + hint
    expect_choice(answer, channels, list(worst), name="the channel to investigate", hint=hint)


# --------------------------------------------------------------------------- task 6: customer identification

#: Thresholds offered in task 6 (d) (match probability from which two records are linked).
THRESHOLDS: tuple[float, ...] = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)


@dataclass(frozen=True, eq=False)
class IdentityTasks:
    """What the customer-identification task (6, parts a-d) works on, from the student's seed.

    Attributes
    ----------
    raw_name : str
        Part (a): a full name as a call-centre agent typed it (upper case, extra spaces).
    raw_phone : str
        Part (b): a mobile number as a customer wrote it on a form.
    pairs : DataFrame
        Part (c): labelled record pairs: ``pair``, ``linked`` (the model joined them) and
        ``same_person`` (the truth). Every true pair of the records is in the table.
    errors : DataFrame
        Part (d): per ``threshold``, the ``false_merges`` (pairs of two persons joined) and
        ``missed_merges`` (pairs of one person left apart) of a linkage.
    cost_false_merge, cost_missed_merge : float
        Part (d): cost of one false and of one missed merge (currency units per pair).
    """

    raw_name: str
    raw_phone: str
    pairs: pd.DataFrame
    errors: pd.DataFrame
    cost_false_merge: float
    cost_missed_merge: float


_RAW_PHONE_FORMATS = (
    "0 ({a}) {b} {c} {d}",
    "+90 {a} {b} {c}{d}",
    "0{a}-{b}-{c}-{d}",
    "(0{a}) {b} {c} {d}",
)


def _error_table(rng: np.random.Generator) -> tuple[pd.DataFrame, float, float]:
    """Part (d): errors per threshold and the two costs, redrawn until the cheapest threshold
    is unique and neither the one with the fewest errors nor the one with the fewest false
    merges (so that each slip has its own message)."""
    steps = np.arange(len(THRESHOLDS))
    while True:
        false = np.round(rng.uniform(40, 90) * rng.uniform(0.35, 0.6) ** steps).astype(int)
        missed = np.round(rng.uniform(2, 6) * rng.uniform(1.6, 2.2) ** steps).astype(int)
        c_false = float(rng.choice([20.0, 30.0, 50.0, 80.0]))
        c_missed = float(rng.choice([2.0, 5.0, 10.0]))
        cost = false * c_false + missed * c_missed
        best = np.flatnonzero(cost == cost.min())
        if (
            len(best) == 1
            and (false + missed)[best[0]] > (false + missed).min()
            and false[best[0]] > false.min()
        ):
            table = pd.DataFrame(
                {"threshold": THRESHOLDS, "false_merges": false, "missed_merges": missed}
            )
            return table, c_false, c_missed


def identity_tasks(seed: int) -> IdentityTasks:
    """The data of task 6 for one seed (independent of :func:`exercise_data`'s draws).

    Examples
    --------
    >>> tasks = identity_tasks(3)
    >>> tasks.raw_name == identity_tasks(3).raw_name, list(tasks.errors.columns)
    (True, ['threshold', 'false_merges', 'missed_merges'])
    """
    seeded_rng(seed, chapter=1)  # the same seed rules (and error message) as every task
    rng = np.random.default_rng([int(seed), 1, 18])
    names = name_lists()
    female = bool(rng.random() < 0.5)
    given_pool = names["given_names_female" if female else "given_names_male"]
    turkish = [n for n in given_pool if set(n) & set("çğıİöşüÇĞÖŞÜ")]
    families = [n for n in names["family_names"] if set(n) & set("çğıöşüÇĞÖŞÜ")]
    given = turkish[int(rng.integers(len(turkish)))]
    family = families[int(rng.integers(len(families)))]
    raw_name = f"  {turkish_upper(given)}   {turkish_upper(family)} "
    digits = f"5{int(rng.integers(30, 56))}{int(rng.integers(0, 10**7)):07d}"
    fmt = _RAW_PHONE_FORMATS[int(rng.integers(len(_RAW_PHONE_FORMATS)))]
    raw_phone = fmt.format(a=digits[:3], b=digits[3:6], c=digits[6:8], d=digits[8:])
    n_pairs = 14
    same = rng.random(n_pairs) < 0.5
    same[:2], same[2:4] = True, False  # both kinds always present
    linked = np.where(same, rng.random(n_pairs) < 0.75, rng.random(n_pairs) < 0.2)
    linked[0], linked[1], linked[2] = True, False, True  # a hit, a missed and a false merge
    pairs = pd.DataFrame(
        {"pair": [f"P{i + 1:02d}" for i in range(n_pairs)], "linked": linked, "same_person": same}
    )
    errors, cost_false, cost_missed = _error_table(rng)
    return IdentityTasks(
        raw_name=raw_name,
        raw_phone=raw_phone,
        pairs=pairs,
        errors=errors,
        cost_false_merge=cost_false,
        cost_missed_merge=cost_missed,
    )


def _wrong_text(answer: object, expected: str, name: str) -> str | None:
    """The student's text when it differs from ``expected``; ``None`` when it is right."""
    if answer is None or answer is Ellipsis:
        raise CheckFailed(f"{name}: replace the ... placeholder with your text between quotes")
    if not isinstance(answer, str):
        raise CheckFailed(f"{name} must be text (a str); you passed a {type(answer).__name__}")
    return None if answer == expected else answer


def _name_part(answer: object, tasks: IdentityTasks) -> None:
    """(a) ``tasks.raw_name`` as the linkage compares it (``normalise_name``)."""
    raw = tasks.raw_name
    text = _wrong_text(answer, normalise_name(raw), "the normalised name")
    if text is None:
        return
    check(text == text.strip(), "remove the spaces at the start and the end")
    check("  " not in text, "write one space between the words (collapse repeated spaces)")
    check(text == text.lower(), "write the name in lower case")
    check(
        "\u0307" not in text,
        "your text holds a combining dot (i + ̇): Python's str.lower() turns 'İ' into 'i̇'. "
        "Replace 'İ' by 'i' and 'I' by 'ı' BEFORE lowering (Turkish case rules)",
    )
    check(
        text != fold_case(" ".join(raw.split())),
        "right Turkish lower case; now write the Turkish letters as ASCII "
        "(ç→c, ğ→g, ı→i, ö→o, ş→s, ü→u), as records typed on an ASCII keyboard have them",
    )
    check(
        to_ascii(text) == text,
        "some Turkish letters are left: write ç→c, ğ→g, ı→i, ö→o, ş→s, ü→u",
    )
    raise CheckFailed(
        f"{text!r} is not the normalised name: fold the case with the Turkish rules "
        "(İ→i, I→ı), write the Turkish letters as ASCII and keep one space between the words"
    )


def _phone_part(answer: object, tasks: IdentityTasks) -> None:
    """(b) ``tasks.raw_phone`` in E.164 (``normalise_phone``: ``+90`` and 10 digits)."""
    national = normalise_phone(tasks.raw_phone)[3:]
    text = _wrong_text(answer, "+90" + national, "the phone number")
    if text is None:
        return
    digits = "".join(ch for ch in text if ch.isdigit())
    check(
        not any(ch in text for ch in " -()."),
        "E.164 has no spaces, dashes, dots or parentheses: only '+' and digits",
    )
    check(
        digits != "0" + national,
        "drop the trunk 0 and write the country code: +90 then the 10 digits",
    )
    check(digits != "900" + national, "after +90 the trunk 0 goes: +90 5xx..., not +90 05xx...")
    check(digits != national, "add the country code: E.164 starts with +90 for Turkey")
    check(text.startswith("+"), "E.164 starts with '+' before the country code")
    raise CheckFailed(
        f"{text!r} is not this number in E.164: '+', the country code 90 and the 10-digit "
        "number, nothing else"
    )


def _confusion(pairs: pd.DataFrame) -> tuple[int, int, int, int]:
    linked, same = pairs["linked"].to_numpy(bool), pairs["same_person"].to_numpy(bool)
    return (
        int((linked & same).sum()),
        int((linked & ~same).sum()),
        int((~linked & same).sum()),
        int((~linked & ~same).sum()),
    )


def _scores_part(values: Mapping[str, object], tasks: IdentityTasks) -> None:
    """(c) precision and recall of the linked pairs of ``tasks.pairs``."""
    tp, fp, fn, tn = _confusion(tasks.pairs)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    accuracy = (tp + tn) / (tp + fp + fn + tn)
    shared = [
        (
            accuracy,
            "this is the accuracy (all pairs decided right); precision and recall "
            "leave the pairs that are neither linked nor one person out",
        ),
        (
            tp / (tp + fp + fn),
            "this divides by all pairs that are linked OR one person; "
            "precision divides by the linked pairs only, recall by the true pairs only",
        ),
    ]
    own = {
        "precision": (precision, recall, "recall", "ALL LINKED pairs (how many merges are right)",
                      fp / (tp + fp), "WRONG merges (1 - precision)"),
        "recall": (recall, precision, "precision", "ALL TRUE pairs (how many duplicates were found)",
                   fn / (tp + fn), "MISSED pairs (1 - recall)"),
    }  # fmt: skip
    for key, (expected, other, other_name, denominator, complement, what) in own.items():
        slips = [
            (other, f"this is the {other_name}; {key} = correctly linked / {denominator}"),
            (complement, f"this is the share of {what}"),
            *shared,
        ]
        expect_number(values[key], expected, name=key, abs=0.001, bounds=(0, 1), slips=slips)


def threshold_cost_table(tasks: IdentityTasks) -> pd.DataFrame:
    """Part (d)'s table with the cost of each threshold (currency units).

    Examples
    --------
    >>> list(threshold_cost_table(identity_tasks(3)).columns)[-1]
    'total_cost'
    """
    errors = tasks.errors
    return errors.assign(
        total_cost=errors["false_merges"] * tasks.cost_false_merge
        + errors["missed_merges"] * tasks.cost_missed_merge
    )


def _threshold_part(answer: object, tasks: IdentityTasks) -> None:
    """(d) the threshold of ``tasks.errors`` with the lowest total cost."""
    table = threshold_cost_table(tasks).set_index("threshold")
    chosen = as_real(answer)
    offered = ", ".join(f"{t:g}" for t in THRESHOLDS)
    check(chosen is not None, f"give one threshold as a number, one of {offered}")
    match = [t for t in THRESHOLDS if abs(t - chosen) < 1e-9]
    check(bool(match), f"{chosen:g} is not in the table; choose one of {offered}")
    cost = table["total_cost"]
    if cost[match[0]] <= cost.min() + 1e-9:
        return
    errors = table["false_merges"] + table["missed_merges"]
    if errors[match[0]] <= errors.min():
        raise CheckFailed(
            "this threshold makes the fewest errors in total, but the two errors do not cost "
            "the same: weigh each by its cost (false merges x cost_false_merge + missed merges "
            "x cost_missed_merge)"
        )
    if table["false_merges"][match[0]] <= table["false_merges"].min():
        raise CheckFailed(
            "this threshold makes the fewest false merges, but it leaves so many persons split "
            "that the missed merges cost more; compare the TOTAL cost of each threshold"
        )
    if cost[match[0]] >= cost.max():
        raise CheckFailed("this is the MOST expensive threshold; look for the lowest total cost")
    raise CheckFailed(
        "another threshold is cheaper: for each, add false merges x cost_false_merge and "
        "missed merges x cost_missed_merge, then take the smallest total"
    )


#: The parts of task 6, in the order they are checked: answer key -> label in messages.
IDENTIFICATION_PARTS: dict[str, str] = {
    "name": "(a) the normalised name",
    "phone": "(b) the phone in E.164",
    "precision": "(c) precision",
    "recall": "(c) recall",
    "threshold": "(d) the threshold",
}


def _part(label: str, check_part: Any, *args: object) -> None:
    try:
        check_part(*args)
    except CheckFailed as failure:
        raise CheckFailed(f"{label}: {failure.message}") from None


@task_check("customer identification by hand")
def check_01_6(answer: object, *, seed: int) -> None:
    """Task 6: ``{"name", "phone", "precision", "recall", "threshold"}`` for
    ``identity_tasks(seed)``, checked part by part in that order (a placeholder ``...`` stops
    the check at its part, so a student gets feedback on the parts done so far).
    """
    tasks = identity_tasks(seed)
    values = expect_fields(
        answer, list(IDENTIFICATION_PARTS), name="your answers", table_hint="use the dict given"
    )
    labels = IDENTIFICATION_PARTS
    _part(labels["name"], _name_part, values["name"], tasks)
    _part(labels["phone"], _phone_part, values["phone"], tasks)
    for key in ("precision", "recall"):
        if values[key] is None or values[key] is Ellipsis:
            raise CheckFailed(f"{labels[key]}: replace the ... placeholder with your number")
    _part("(c) precision and recall", _scores_part, values, tasks)
    if values["threshold"] is None or values["threshold"] is Ellipsis:
        raise CheckFailed(f"{labels['threshold']}: replace the ... placeholder with your choice")
    _part(labels["threshold"], _threshold_part, values["threshold"], tasks)
