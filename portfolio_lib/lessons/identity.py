"""Helpers for chapter 1's customer-identification section (müşteri tanılama) that the notebook calls.

They keep the notebook free of logic while it runs on every ``DATASET``:

* :func:`chapter_records` picks the records the section links: the committed files for the
  bundled sample at the default duplicate rate, freshly drawn ones otherwise, and the sample
  company's records for real data without personal details (CDNOW), with a note;
* :func:`one_person` shows the records of one person with several;
* :func:`kpi_change` adds the relative change to :func:`~portfolio_lib.identity.course.kpi_comparison`;
* :func:`blocking_counts` counts the candidate pairs a blocking key leaves, and the true pairs
  it keeps;
* :func:`m_u_by_hand` estimates m, u and the match weight of simple agreements by counting on
  the labelled records (what Splink's EM estimates without labels);
* :func:`pair_waterfall` draws the match weight of one pair step by step;
* :func:`threshold_costs` prices the false and the missed merges at every threshold, and
  :func:`cheapest_threshold` picks the threshold with the lowest cost;
* :func:`linkage_quality` puts precision, recall and F1 of several linkages side by side.

Examples
--------
>>> costs = threshold_costs(pd.DataFrame({"threshold": [0.5, 0.9], "precision": [0.9, 1.0],
...     "recall": [1.0, 0.8], "f1": [0.95, 0.89], "persons": [9, 11]}), true_pairs=100,
...     cost_false_merge=50, cost_missed_merge=5)
>>> costs["total_cost"].tolist()
[555.6, 100.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, require_columns
from portfolio_lib.crm import CRMData
from portfolio_lib.datasets import load_sample
from portfolio_lib.identity import (
    normalise_birth_date,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_text,
)
from portfolio_lib.identity.course import CourseRecords, course_records, read_course_records
from portfolio_lib.identity.normalise import normalise_column
from portfolio_lib.identity.result import IdentityEvaluation, IdentityResult
from portfolio_lib.identity.roles import ROLES

__all__ = [
    "SAMPLE_DUPLICATE_RATE",
    "ChapterRecords",
    "blocking_counts",
    "chapter_records",
    "cheapest_threshold",
    "kpi_change",
    "linkage_quality",
    "linkage_summary",
    "golden_of",
    "m_u_by_hand",
    "normalised_view",
    "one_person",
    "pair_values",
    "pair_waterfall",
    "threshold_costs",
]

#: Duplicate rate of the committed records in data/.
SAMPLE_DUPLICATE_RATE = 0.15

#: Normaliser of each role the by-hand tables compare.
_NORMALISERS = {
    "given_name": normalise_name,
    "family_name": normalise_name,
    "birth_date": normalise_birth_date,
    "phone": normalise_phone,
    "email": normalise_email,
    "address": normalise_text,
    "postcode": normalise_text,
    "city": normalise_text,
    "region": normalise_text,
}


@dataclass(frozen=True)
class ChapterRecords:
    """The records the section links, the company they belong to, and where they came from."""

    records: CourseRecords
    crm: CRMData
    note: str


def chapter_records(
    crm: CRMData,
    dataset: str,
    *,
    duplicate_rate: float,
    seed: int,
    messiness: float = 1.0,
) -> ChapterRecords:
    """The customer records for chapter 1 on any ``DATASET``.

    Parameters
    ----------
    crm : CRMData
        The chapter's company.
    dataset : {"sample", "simulate", "cdnow"}
        The chapter's ``DATASET``.
    duplicate_rate : float
        Share of persons with several records (``DUPLICATE_RATE``).
    seed : int
        Seed of drawn records (``SEED``).
    messiness : float
        Multiplier of the variation probabilities (1 = the sample's level).

    Returns
    -------
    ChapterRecords
        The committed records for the bundled sample at its duplicate rate and messiness 1;
        records drawn for ``crm`` otherwise; for data without personal details (CDNOW) the
        bundled sample company and its records, said in ``note``.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> chosen = chapter_records(simulate_crm(n_customers=100, seed=2), "simulate",
    ...                          duplicate_rate=0.2, seed=2)
    >>> chosen.records.n_persons
    100
    """
    personal = not crm.customers.empty and {"age", "gender", "region"} <= set(crm.customers)
    note = ""
    if not personal:
        crm = load_sample()
        note = (
            f"The {dataset} data have no names, birth dates or contact details, so this section "
            "links the records of the bundled sample company instead."
        )
    committed = dataset == "sample" or not personal
    if committed and duplicate_rate == SAMPLE_DUPLICATE_RATE and messiness == 1.0:
        return ChapterRecords(read_course_records(), crm, note or "The committed records in data/.")
    drawn = course_records(crm, duplicate_rate=duplicate_rate, messiness=messiness, seed=seed)
    text = f"Records drawn with duplicate rate {duplicate_rate:g} and messiness {messiness:g}."
    return ChapterRecords(drawn, crm, (note + " " + text).strip())


def one_person(records: CourseRecords, n_records: int = 3) -> pd.DataFrame:
    """The records of a person with ``n_records`` records whose records differ most.

    Among the persons with ``n_records`` records (else with the most records; one record when
    the duplicate rate is 0), the one with the most distinct raw values over given name,
    family name, phone, e-mail and address (ties: the earliest record) is shown, so that the
    variations are visible.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> recs = course_records(simulate_crm(n_customers=80, seed=4), duplicate_rate=0.5)
    >>> len(one_person(recs, 2))
    2
    """
    counts = records.truth.value_counts()
    wanted = n_records if (counts == n_records).any() else int(counts.max())
    frame = records.records.assign(_person=records.truth.to_numpy())
    frame = frame[frame["_person"].map(counts) == wanted]
    shown = ["given_name", "family_name", "phone", "email", "address"]
    variety = frame.groupby("_person", sort=False)[shown].nunique().sum(axis=1)
    person = variety.index[int(np.argmax(variety.to_numpy()))]
    rows = records.records[(records.truth == person).to_numpy()]
    return rows.drop(columns=["region"]).set_index("record_id")


def linkage_summary(result: IdentityResult) -> pd.DataFrame:
    """``result.summary()`` as a table, without wall-clock times (they differ every run)."""
    timed = ("second", "time")
    rows = [(k, v) for k, v in result.summary().rows if not any(t in k for t in timed)]
    return pd.DataFrame(rows, columns=["", "value"]).set_index("")


def kpi_change(table: pd.DataFrame, *, against: str | None = None) -> pd.DataFrame:
    """``table`` of :func:`~portfolio_lib.identity.course.kpi_comparison`, rounded, with the
    change of the records view relative to ``against`` (default: the last column), in %.

    Examples
    --------
    >>> t = pd.DataFrame({"records as customers": [120.0], "persons": [100.0]}, index=["n"])
    >>> kpi_change(t)["change (%)"].tolist()
    [20.0]
    """
    base = table.columns[-1] if against is None else against
    change = (table.iloc[:, 0] / table[base] - 1.0) * 100.0
    change = change.where(table[base] != 0)
    out = table.round(3)
    out["change (%)"] = change.round(1)
    return out


def normalised_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The name, birth date, phone, e-mail and postcode columns of ``frame`` as the linkage
    compares them (Turkish-aware folding, phones in E.164, canonical e-mails).

    Examples
    --------
    >>> normalised_view(pd.DataFrame({"given_name": ["İSMAİL"], "phone": ["0532 123 45 67"]}))
      given_name          phone
    0     ismail  +905321234567
    """
    roles = [role for role in _NORMALISERS if role in frame]
    return pd.DataFrame({role: _normalised(frame, role) for role in roles}, index=frame.index)


def pair_values(row: pd.Series) -> pd.DataFrame:
    """The compared values of one scored pair side by side (``<column>_l``, ``<column>_r``).

    Examples
    --------
    >>> pair_values(pd.Series({"given_name_l": "ali", "given_name_r": "aly", "x": 1}))
               left right
    given_name  ali   aly
    """
    names = [c[:-2] for c in row.index if c.endswith("_l") and f"{c[:-2]}_r" in row.index]
    names = [n for n in names if n != "record_id" and not n.startswith("tf_")]
    order = {role: i for i, role in enumerate(ROLES)}
    names.sort(key=lambda n: (order.get(n, len(order)), n))  # roles first, in their order
    return pd.DataFrame(
        {"left": [row[f"{n}_l"] for n in names], "right": [row[f"{n}_r"] for n in names]},
        index=names,
    )


def golden_of(result: IdentityResult, record_id: str) -> pd.Series:
    """The golden record of the person that ``record_id`` was resolved into."""
    return result.golden.loc[result.mapping[record_id]]


def _normalised(records: pd.DataFrame, role: str) -> pd.Series:
    return normalise_column(records[role], _NORMALISERS[role])


def _pairs_in_groups(key: pd.Series) -> int:
    sizes = key.dropna().value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


def blocking_counts(records: CourseRecords, keys: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """How many pairs a blocking key leaves to compare, and how many true pairs it keeps.

    Parameters
    ----------
    records : CourseRecords
        Records with their truth.
    keys : mapping of str to list of roles
        Label -> roles whose normalised values must all agree (e.g.
        ``{"same birth date": ["birth_date"]}``); a record with a missing value is in no
        block of that key.

    Returns
    -------
    pandas.DataFrame
        One row per key (plus "no blocking"): ``candidate_pairs``, ``share_of_all_pairs``,
        ``true_pairs_kept`` and ``share_of_true_pairs`` (the key's pair recall).

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> recs = course_records(simulate_crm(n_customers=80, seed=4), duplicate_rate=0.3)
    >>> t = blocking_counts(recs, {"same birth date": ["birth_date"]})
    >>> int(t.loc["no blocking", "candidate_pairs"]) == len(recs.records) * (len(recs.records) - 1) // 2
    True
    """
    frame = records.records
    person = pd.Series(records.truth.to_numpy(), index=frame.index)
    n = len(frame)
    all_pairs = n * (n - 1) // 2
    true_pairs = _pairs_in_groups(person)
    rows = [("no blocking", all_pairs, 1.0, true_pairs)]
    for label, roles in keys.items():
        parts = [_normalised(frame, role) for role in roles]
        key = parts[0].astype(object)
        for part in parts[1:]:
            key = key + "|" + part
        both = key.astype(object) + "#" + person.astype(str)
        kept = _pairs_in_groups(both.where(key.notna()))
        candidates = _pairs_in_groups(key)
        rows.append((label, candidates, candidates / all_pairs, kept))
    table = pd.DataFrame(
        rows, columns=["key", "candidate_pairs", "share_of_all_pairs", "true_pairs_kept"]
    ).set_index("key")
    table["share_of_true_pairs"] = table["true_pairs_kept"] / max(true_pairs, 1)
    return table


def m_u_by_hand(
    records: CourseRecords, roles: Sequence[str], *, n_random: int = 20000, seed: int = 0
) -> pd.DataFrame:
    """m, u and the match weight of "the normalised values agree exactly", counted on labels.

    m = P(agree | same person), counted on the true pairs; u = P(agree | different persons),
    counted on ``n_random`` random pairs of different persons; the match weight of an
    agreement is log2(m / u) and of a disagreement log2((1 - m) / (1 - u)). Pairs where a
    value is missing are left out of that role's counts (Splink treats them as neutral).

    Returns
    -------
    pandas.DataFrame
        One row per role: ``m``, ``u``, ``weight_agree``, ``weight_disagree`` (bits),
        ``true_pairs`` and ``random_pairs`` counted.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> recs = course_records(simulate_crm(n_customers=300, seed=4), duplicate_rate=0.3)
    >>> t = m_u_by_hand(recs, ["birth_date"], n_random=2000)
    >>> bool(t.loc["birth_date", "m"] > 0.8 and t.loc["birth_date", "u"] < 0.01)
    True
    """
    frame = records.records
    person = records.truth.to_numpy()
    order = np.argsort(person, kind="stable")
    same = person[order][1:] == person[order][:-1]
    left_true, right_true = order[:-1][same], order[1:][same]
    rng = np.random.default_rng(seed)
    left = rng.integers(0, len(frame), size=n_random)
    right = rng.integers(0, len(frame), size=n_random)
    other = person[left] != person[right]
    left_rand, right_rand = left[other], right[other]
    rows = []
    for role in roles:
        values = _normalised(frame, role).to_numpy(dtype=object)
        m, n_true = _agreement(values, left_true, right_true)
        u, n_rand = _agreement(values, left_rand, right_rand)
        u_safe = max(u, 0.5 / max(n_rand, 1))
        rows.append(
            {
                "role": role,
                "m": m,
                "u": u,
                "weight_agree": math.log2(m / u_safe) if m > 0 else -math.inf,
                "weight_disagree": math.log2((1 - m) / (1 - u)) if m < 1 else -math.inf,
                "true_pairs": n_true,
                "random_pairs": n_rand,
            }
        )
    return pd.DataFrame(rows).set_index("role")


def _agreement(values: np.ndarray, left: np.ndarray, right: np.ndarray) -> tuple[float, int]:
    a, b = values[left], values[right]
    present = pd.notna(a) & pd.notna(b)
    if not present.any():
        return float("nan"), 0
    return float(np.mean(a[present] == b[present])), int(present.sum())


def pair_waterfall(result: IdentityResult, row: pd.Series) -> tuple[pd.DataFrame, plt.Figure]:
    """The match weight of one scored pair, step by step: prior, then each comparison.

    Parameters
    ----------
    result : IdentityResult
        The linkage (its prior and threshold are used).
    row : pandas.Series
        One row of ``result.borderline(n)`` (or of ``result.pairs`` with ``mw_prior``).

    Returns
    -------
    (pandas.DataFrame, matplotlib.figure.Figure)
        The steps of :meth:`IdentityResult.waterfall` (``step``, ``weight`` in bits,
        ``cumulative``, ``probability``; rounded to 3 digits) and the waterfall chart.
    """
    steps = result.waterfall(row["record_id_l"], row["record_id_r"])
    total = float(steps["cumulative"].iloc[-1])
    fig, ax = plt.subplots(figsize=(8, 3.6))
    start = steps["cumulative"] - steps["weight"]
    colours = np.where(steps["weight"] >= 0, "#2a7f62", "#b5443a")
    ax.bar(steps["step"], steps["weight"], bottom=start, color=colours)
    ax.bar(["total"], [total], color="#3b5b92")
    threshold_weight = math.log2(result.threshold / (1 - result.threshold))
    ax.axhline(threshold_weight, color="black", linestyle="--", linewidth=1)
    ax.text(len(steps), threshold_weight, " threshold", va="bottom", fontsize=8)
    ax.axhline(0, color="grey", linewidth=0.6)
    ax.set_ylabel("match weight (bits)")
    probability = 1 / (1 + 2 ** (-total))
    ax.set_title(
        f"{row['record_id_l']} vs {row['record_id_r']}: weight {total:.1f}, "
        f"match probability {probability:.3f}"
    )
    ax.tick_params(axis="x", labelrotation=45)
    fig.tight_layout()
    return steps.round(3), fig


def threshold_costs(
    curve: pd.DataFrame | IdentityEvaluation,
    *,
    true_pairs: float,
    cost_false_merge: float,
    cost_missed_merge: float,
) -> pd.DataFrame:
    """Price the two errors of linkage at every threshold of a precision-recall curve.

    With T true pairs, recall R and precision P: correct links = R T, false merges (pairs
    of different persons linked) = R T (1 - P) / P, missed merges (pairs of one person left
    apart) = (1 - R) T. Cost = false merges x ``cost_false_merge`` + missed merges x
    ``cost_missed_merge`` (currency units per pair).

    Parameters
    ----------
    curve : pandas.DataFrame or IdentityEvaluation
        ``threshold``, ``precision``, ``recall`` per row (``IdentityEvaluation.table``).
    true_pairs : float
        Number of pairs of records that belong to one person (``evaluation.pairwise
        ["true_pairs"]``, or an estimate when there is no truth).
    cost_false_merge, cost_missed_merge : float
        Cost of one false merge and of one missed merge (currency units, >= 0).

    Returns
    -------
    pandas.DataFrame
        ``threshold``, ``precision``, ``recall``, ``false_merges``, ``missed_merges``,
        ``total_cost`` (rounded to 0.1).
    """
    table = curve.table if isinstance(curve, IdentityEvaluation) else curve
    require_columns(table, ["threshold", "precision", "recall"], name="curve")
    for name, value in (
        ("cost_false_merge", cost_false_merge),
        ("cost_missed_merge", cost_missed_merge),
    ):
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise DataValidationError(f"{name} must be a finite number >= 0, got {value!r}")
    recall = table["recall"].astype(float)
    precision = table["precision"].astype(float)
    correct = recall * true_pairs
    false = (correct * (1 - precision) / precision).where(precision > 0, 0.0)
    missed = (1 - recall) * true_pairs
    out = pd.DataFrame(
        {
            "threshold": table["threshold"].to_numpy(),
            "precision": precision.round(4).to_numpy(),
            "recall": recall.round(4).to_numpy(),
            "false_merges": false.round(1).to_numpy(),
            "missed_merges": missed.round(1).to_numpy(),
        }
    )
    out["total_cost"] = (false * cost_false_merge + missed * cost_missed_merge).round(1).to_numpy()
    return out


def cheapest_threshold(costs: pd.DataFrame) -> float:
    """The threshold with the lowest ``total_cost`` (the higher one on a tie: fewer merges).

    Examples
    --------
    >>> cheapest_threshold(pd.DataFrame({"threshold": [0.5, 0.9], "total_cost": [3.0, 3.0]}))
    0.9
    """
    best = costs["total_cost"].min()
    return float(costs.loc[costs["total_cost"] == best, "threshold"].max())


def linkage_quality(
    runs: Mapping[str, tuple[IdentityResult, pd.Series]],
) -> pd.DataFrame:
    """Precision, recall, F1 and person counts of several linkages against their truth.

    Parameters
    ----------
    runs : mapping of str to (IdentityResult, truth)
        Label -> the linkage and the true person per record_id.

    Returns
    -------
    pandas.DataFrame
        One row per label: ``records``, ``true_persons``, ``persons_found``, pairwise
        ``precision``, ``recall``, ``f1`` (rounded to 4 digits).
    """
    rows = {}
    for label, (result, truth) in runs.items():
        evaluation = result.evaluate(truth)
        rows[label] = {
            "records": len(result.table),
            "true_persons": int(truth.nunique()),
            "persons_found": result.n_persons,
            "precision": round(evaluation.precision, 4),
            "recall": round(evaluation.recall, 4),
            "f1": round(evaluation.f1, 4),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("linkage")
