"""What to fix first: the satisfaction instruments' evidence side by side, per business area.

Each instrument sees a different part of the experience:

* **key-driver analysis** of the periodic survey: how much each attribute moves
  overall satisfaction, and how it performs now (the importance–performance map);
* **complaint analysis**: which categories make up most complaints (Pareto, "vital few");
* **mystery shopping**: which checklist items separate the best branches from the worst.

The items of all three (``rating_*`` columns, complaint categories, ``item_*``
checklist items) are mapped to *areas* of the business (product quality,
delivery, staff and store service, ...). An area gets one **signal** from each
instrument that flags it:

* drivers: at least as important as the average driver, and performing *not clearly*
  above the average driver (the lower end of its performance interval lies below the
  average). This includes the "concentrate here" quadrant, and also an important
  driver whose place right of the line is within sampling noise — survey ratings
  often differ by less than their intervals, and then the quadrant is a coin toss;
* complaints: among the vital few of the Pareto table;
* mystery shopping: at least one of its items separates good from poor branches
  (the lower end of the gap's interval is above 0; the gaps are somewhat inflated
  because the groups were chosen by the score, see
  :func:`~portfolio_lib.satisfaction.separating_items`).

Areas are ordered by the number of signals, then by driver importance, complaint
share and mystery-shopping gap. This is a transparent rule of thumb to start the
discussion, not an optimiser: the instruments measure on different scales, and the
cost and feasibility of a fix are not in the data.

Each area's ``reading`` is the sentence a reader needs, written by code from the
numbers and naming each rule's threshold. The importance–performance quadrant reads
the survey alone; when it calls an area "possible overkill" or "keep up the good work"
while the area is a vital-few complaint category, the reading says that the complaints
contradict it.

:func:`nps_gap_reading` turns an NPS comparison of two groups into a sentence with its
direction, size, interval and p-value, and the rule that decides whether the gap is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib._errors import require_columns
from portfolio_lib.satisfaction.drivers import ImportancePerformance, importance_performance
from portfolio_lib.satisfaction.nps import NPSDifference

__all__ = [
    "SAMPLE_COMPANY_AREAS",
    "SURVEY_SAYS_FINE",
    "ExperiencePriorities",
    "experience_priorities",
    "improvement_priorities",
    "nps_gap_reading",
]

#: Importance–performance quadrants in which the survey alone says "performance is fine".
SURVEY_SAYS_FINE: tuple[str, ...] = ("possible overkill", "keep up the good work")

#: Item → business area for the sample company: survey drivers, complaint
#: categories and mystery-shopping checklist items (all observed in the store).
SAMPLE_COMPANY_AREAS: dict[str, str] = {
    "rating_product_quality": "product quality",
    "rating_price_value": "price / value",
    "rating_delivery": "delivery",
    "rating_staff": "staff & store service",
    "rating_website": "website & app",
    "product_quality": "product quality",
    "delivery": "delivery",
    "staff": "staff & store service",
    "website": "website & app",
    "billing": "billing",
    "returns": "returns",
    "item_greeting": "staff & store service",
    "item_wait_time": "staff & store service",
    "item_product_knowledge": "staff & store service",
    "item_cleanliness": "staff & store service",
    "item_upsell_offer": "staff & store service",
    "item_checkout": "staff & store service",
    "item_farewell": "staff & store service",
}

_COLUMNS = [
    "signals",
    "flagged_by",
    "driver_importance",
    "driver_performance",
    "driver_quadrant",
    "complaint_share",
    "vital_few",
    "mystery_gap",
    "separating_items",
    "reading",
]


def improvement_priorities(
    drivers: ImportancePerformance,
    complaints: pd.DataFrame,
    mystery: pd.DataFrame | None = None,
    *,
    areas: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Rank business areas by how many satisfaction instruments flag them.

    Parameters
    ----------
    drivers : ImportancePerformance
        Output of :func:`~portfolio_lib.satisfaction.importance_performance`.
    complaints : DataFrame
        Output of :func:`~portfolio_lib.satisfaction.complaint_pareto` (``share``,
        ``vital_few``, indexed by category).
    mystery : DataFrame, optional
        Output of :func:`~portfolio_lib.satisfaction.separating_items`
        (``weighted_gap``, ``gap_ci_low``, indexed by item); None leaves it out.
    areas : mapping item → area, optional
        Which area each driver column, complaint category and checklist item
        belongs to (default :data:`SAMPLE_COMPANY_AREAS`). Items not in the
        mapping form an area of their own, under their own name.

    Returns
    -------
    DataFrame
        Indexed by ``area``, first priority first: ``signals`` (0–3),
        ``flagged_by`` (the instruments that flag the area), ``driver_importance``
        (share of R², summed over the area's drivers), ``driver_performance``
        (mean of their performance), ``driver_quadrant``, ``complaint_share``
        (0–1, summed over the area's categories), ``vital_few``, ``mystery_gap``
        (score points: summed weighted gap of the area's items),
        ``separating_items`` (items whose gap interval lies above 0), ``reading``
        (one sentence per area, computed from these numbers with each rule's
        threshold; it says when the complaints contradict a survey quadrant of
        "possible overkill" or "keep up the good work") and ``priority`` (1 = first).
        Evidence an instrument does not give is NaN (numbers) or empty (text).

    Examples
    --------
    >>> from portfolio_lib.satisfaction import complaint_pareto, importance_performance
    >>> ratings = pd.DataFrame({"rating_delivery": [2, 3, 2], "rating_staff": [5, 4, 5]})
    >>> ipm = importance_performance(
    ...     ratings, pd.Series({"rating_delivery": 0.7, "rating_staff": 0.3}))
    >>> pareto = complaint_pareto(pd.DataFrame({"category": ["delivery"] * 9 + ["billing"]}))
    >>> table = improvement_priorities(ipm, pareto)
    >>> table.index.tolist(), table["signals"].tolist()
    (['delivery', 'staff & store service', 'billing'], [2, 0, 0])
    """
    if not isinstance(drivers, ImportancePerformance):
        raise TypeError(
            "drivers must be an ImportancePerformance (from importance_performance), got "
            f"{type(drivers).__name__}"
        )
    require_columns(complaints, ["share", "vital_few"], name="complaints")
    if mystery is not None:
        require_columns(mystery, ["weighted_gap", "gap_ci_low"], name="mystery")
    mapping = SAMPLE_COMPANY_AREAS if areas is None else dict(areas)

    def area_of(index: pd.Index) -> list[str]:
        return [mapping.get(str(item), str(item)) for item in index]

    ipm = drivers.table.assign(
        _signal=(drivers.table["importance"] >= drivers.importance_cut)
        & (drivers.table["performance_ci_low"] < drivers.performance_cut)
    )
    by_driver = ipm.groupby(area_of(ipm.index), sort=False)
    table = pd.DataFrame(
        {
            "driver_importance": by_driver["importance"].sum(),
            "driver_performance": by_driver["performance"].mean(),
            "driver_quadrant": by_driver["quadrant"].agg(lambda q: ", ".join(dict.fromkeys(q))),
            "driver_signal": by_driver["_signal"].any(),
        }
    )
    by_category = complaints.groupby(area_of(complaints.index), sort=False)
    table = table.join(
        pd.DataFrame(
            {
                "complaint_share": by_category["share"].sum(),
                "vital_few": by_category["vital_few"].agg(lambda v: bool(v.astype(bool).any())),
            }
        ),
        how="outer",
        sort=False,
    )
    if mystery is not None:
        separates = mystery["gap_ci_low"] > 0
        by_item = mystery.assign(_separates=separates).groupby(area_of(mystery.index), sort=False)
        table = table.join(
            pd.DataFrame(
                {
                    "mystery_gap": by_item["weighted_gap"].sum(),
                    "separating_items": by_item["_separates"].agg(
                        lambda s: ", ".join(str(i) for i in s.index[s.to_numpy()])
                    ),
                }
            ),
            how="outer",
            sort=False,
        )
    else:
        table["mystery_gap"] = np.nan
        table["separating_items"] = ""
    flags = pd.DataFrame(
        {
            "drivers": table["driver_signal"].fillna(False).astype(bool),
            "complaints": table["vital_few"].fillna(False).astype(bool),
            "mystery shopping": table["separating_items"].fillna("").astype(str) != "",
        }
    )
    table["vital_few"] = flags["complaints"]
    table["driver_quadrant"] = table["driver_quadrant"].fillna("").astype(str)
    table["separating_items"] = table["separating_items"].fillna("").astype(str)
    table["signals"] = flags.sum(axis=1).astype("int64")
    table["flagged_by"] = [
        ", ".join(name for name, flag in row.items() if flag) for _, row in flags.iterrows()
    ]
    table["reading"] = [
        _reading(row, drivers.importance_cut, drivers.performance_cut)
        for _, row in table.assign(driver_signal=flags["drivers"]).iterrows()
    ]
    table = table.sort_values(
        ["signals", "driver_importance", "complaint_share", "mystery_gap"],
        ascending=False,
        na_position="last",
        kind="stable",
    )[_COLUMNS]
    table["priority"] = np.arange(1, len(table) + 1)
    table.index.name = "area"
    return table


def _reading(row: pd.Series, importance_cut: float, performance_cut: float) -> str:
    """One area's evidence as a sentence, each instrument with the rule it was judged by."""
    parts = []
    importance = row["driver_importance"]
    if pd.notna(importance):
        rating = (
            f"mean rating {row['driver_performance']:.2f} (driver average {performance_cut:.2f})"
        )
        if row["driver_signal"]:
            parts.append(
                f"survey: share of R² {importance:.2f} >= the average driver's {importance_cut:.2f} "
                f"and {rating} not clearly above average → driver signal"
            )
        elif importance < importance_cut:
            parts.append(
                f"survey: share of R² {importance:.2f} < the average driver's "
                f"{importance_cut:.2f} → moves recommendation less than the average driver"
            )
        else:
            parts.append(
                f"survey: share of R² {importance:.2f} >= {importance_cut:.2f}, but {rating} "
                "clearly above average → no driver signal"
            )
    share = row["complaint_share"]
    if pd.notna(share):
        vital = "among the vital few → complaint signal" if row["vital_few"] else "not vital few"
        parts.append(f"complaints: {share:.0%} of all complaints, {vital}")
    if row["separating_items"]:
        count = len(row["separating_items"].split(", "))
        parts.append(
            f"mystery shopping: {count} checklist item(s) separate good from poor branches "
            f"(weighted gap {row['mystery_gap']:.1f} points) → mystery-shopping signal"
        )
    quadrants = [q for q in SURVEY_SAYS_FINE if q in row["driver_quadrant"]]
    if quadrants and row["vital_few"]:
        parts.append(
            f"the survey alone would say '{quadrants[0]}', but with {share:.0%} of all "
            "complaints among the vital few it is not: fix the process behind the complaints"
        )
    if not parts:
        return "no instrument gives evidence on this area"
    return "; ".join(parts)


def nps_gap_reading(difference: NPSDifference, group: str, other: str, *, unit: str = "NPS") -> str:
    """Say how one group's NPS compares with another's: direction, size, interval and rule.

    The rule: the gap is *shown* at the comparison's confidence level when the
    p-value is below 1 − confidence (equivalently, the interval of the difference
    excludes 0). The sentence states the direction and size of the point estimate
    either way, and, when the gap is not shown, how far the interval reaches on
    each side — so "not shown" is never read as "equal".

    Parameters
    ----------
    difference : NPSDifference
        :func:`~portfolio_lib.satisfaction.nps_difference` of ``group`` (``a``) against
        ``other`` (``b``); NPS in points (-100 to 100), the difference in points.
    group, other : str
        Names of the two groups as the reader knows them (plural nouns).
    unit : str
        What is compared (default ``"NPS"``).

    Returns
    -------
    str
        One sentence with the rule, its threshold and the numbers it rests on.

    Examples
    --------
    >>> from portfolio_lib.satisfaction import nps_difference
    >>> d = nps_difference([10] * 30 + [0] * 70, [10] * 60 + [0] * 40, method="wald")
    >>> print(nps_gap_reading(d, "members", "other buyers"))  # doctest: +NORMALIZE_WHITESPACE
    members' NPS is 60.0 points lower than other buyers' (-40.0 vs 20.0; 95% CI of the
    difference -86.3 to -33.7, p = 7.74e-06). Rule: a gap is shown when p < 0.05 (the
    interval excludes 0) → shown: members recommend us less than other buyers.
    """
    if not isinstance(difference, NPSDifference):
        raise TypeError(
            "difference must be an NPSDifference (from nps_difference), got "
            f"{type(difference).__name__}"
        )
    gap = difference.difference
    level = round(100 * difference.confidence)
    alpha = 1 - difference.confidence
    direction = "higher" if gap > 0 else "lower" if gap < 0 else "no different"
    size = f"{abs(gap):.1f} points {direction} than" if gap != 0 else "the same as"
    head = (
        f"{group}' {unit} is {size} {other}' ({difference.a.nps:.1f} vs {difference.b.nps:.1f}; "
        f"{level}% CI of the difference {difference.ci_low:+.1f} to {difference.ci_high:+.1f}, "
        f"p = {difference.p_value:.3g})."
    )
    rule = f"Rule: a gap is shown when p < {alpha:.2g} (the interval excludes 0)"
    if difference.significant:
        verb = "more" if gap > 0 else "less"
        verdict = f"shown: {group} recommend us {verb} than {other}."
    else:
        verdict = (
            f"not shown at the {level}% level: the data fit {group} recommending us up to "
            f"{max(-difference.ci_low, 0):.1f} points less or up to "
            f"{max(difference.ci_high, 0):.1f} points more than {other}."
        )
        if difference.ci_high <= 1.0:
            verdict += f" They give no sign that {group} recommend us more."
        elif difference.ci_low >= -1.0:
            verdict += f" They give no sign that {group} recommend us less."
    return f"{head} {rule} → {verdict}"


@dataclass(frozen=True)
class ExperiencePriorities:
    """What to fix first, computed from the raw survey, complaint and visit tables.

    Attributes
    ----------
    table : DataFrame
        :func:`improvement_priorities` output (empty, with its columns, when an
        instrument's data is missing).
    note : str
        What the evidence rests on (waves, complaints, visits) or which
        instruments are missing, in one sentence for the reader.
    """

    table: pd.DataFrame
    note: str

    @property
    def is_empty(self) -> bool:
        """True when the data could not support the comparison."""
        return self.table.empty


def experience_priorities(
    surveys: pd.DataFrame,
    complaints: pd.DataFrame,
    mystery_shopping: pd.DataFrame,
    *,
    outcome: str = "nps",
    wave_col: str = "wave",
    areas: Mapping[str, str] | None = None,
) -> ExperiencePriorities:
    """Rank business areas for improvement straight from the three instruments' tables.

    Drivers are estimated on all survey waves (``driver_analysis`` of ``outcome``
    on the ``rating_*`` columns), performance is read from the latest wave, the
    complaint Pareto uses every complaint and the mystery-shopping gaps every
    visit; the evidence is then combined by :func:`improvement_priorities`.

    A data set without surveys, complaints or mystery-shopping visits (e.g. a
    sales ledger such as CDNOW) gets an empty table and a ``note`` naming what
    is missing — the experience cannot be measured from purchases alone.

    Parameters
    ----------
    surveys, complaints, mystery_shopping : DataFrame
        The sample company's tables (columns as in ``data/README.md``).
    outcome : str
        Survey column to explain (``"nps"`` 0–10 or ``"csat"`` 1–5).
    wave_col : str
        Survey wave column; the latest wave gives current performance.
    areas : mapping item → area, optional
        Passed to :func:`improvement_priorities`.

    Returns
    -------
    ExperiencePriorities
        The :func:`improvement_priorities` table and a one-sentence ``note`` on the evidence.

    Examples
    --------
    >>> empty = pd.DataFrame()
    >>> experience_priorities(empty, empty, empty).is_empty
    True
    """
    from portfolio_lib.satisfaction.complaints import complaint_pareto
    from portfolio_lib.satisfaction.drivers import driver_analysis
    from portfolio_lib.satisfaction.mystery import separating_items

    tables = {
        "surveys": surveys,
        "complaints": complaints,
        "mystery-shopping visits": mystery_shopping,
    }
    missing = [name for name, frame in tables.items() if frame is None or len(frame) == 0]
    if missing:
        return ExperiencePriorities(
            table=pd.DataFrame(columns=["priority", *_COLUMNS]).rename_axis("area"),
            note=(
                f"This data set has no {', '.join(missing)}: the customer experience cannot be "
                "measured from purchases alone, so no improvement priorities are computed."
            ),
        )
    require_columns(surveys, [wave_col, outcome], name="surveys")
    latest = surveys[surveys[wave_col] == surveys[wave_col].max()]
    drivers = importance_performance(latest, driver_analysis(surveys, outcome))
    table = improvement_priorities(
        drivers, complaint_pareto(complaints), separating_items(mystery_shopping), areas=areas
    )
    note = (
        f"Evidence: {surveys[wave_col].nunique()} survey waves ({len(surveys)} answers; "
        f"performance from wave {surveys[wave_col].max()}), {len(complaints)} complaints and "
        f"{len(mystery_shopping)} mystery-shopping visits."
    )
    return ExperiencePriorities(table=table, note=note)
