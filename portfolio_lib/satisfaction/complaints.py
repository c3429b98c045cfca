"""Complaint analysis: which categories matter, how fast they are resolved, how
satisfied customers are with the resolution, and whether complainers churn.

(Text categorisation and topics live in :mod:`.complaint_text`.)

* Pareto table: the few categories that make up most complaints.
* Time to resolution: complaints still open at the analysis date are
  *censored* — we only know they took longer than their current age. The median
  of resolved complaints alone is biased low; the Kaplan–Meier median
  (:class:`statsmodels.duration.survfunc.SurvfuncRight`) uses the open ones correctly.
* Churn link: churn rates of complainers and non-complainers with intervals and
  a test. This is an association — unhappy customers both complain and leave —
  not the effect of complaining.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    test_proportions_2indep,
)

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib._intervals import wilson_interval
from portfolio_lib.satisfaction._validation import (
    check_confidence,
    group_keys,
    integer_scores,
)

_UNITS = {"h": pd.Timedelta(hours=1), "D": pd.Timedelta(days=1), "W": pd.Timedelta(weeks=1)}

__all__ = [
    "ResolutionSurvival",
    "ComplaintChurnLink",
    "complaint_pareto",
    "resolution_times",
    "resolution_survival",
    "resolution_satisfaction",
    "complaint_churn_link",
    "lapse_labels",
    "latest_lapse_cutoff",
]


def complaint_pareto(
    complaints: pd.DataFrame,
    *,
    category: str = "category",
    cutoff: float = 0.8,
) -> pd.DataFrame:
    """Complaint counts by category, largest first, with cumulative share (Pareto table).

    Parameters
    ----------
    complaints : DataFrame
        One row per complaint.
    category : str
        Category column (missing values raise).
    cutoff : float
        Cumulative share defining the "vital few" (default 80%).

    Returns
    -------
    DataFrame
        Indexed by category: ``count``, ``share``, ``cumulative_share`` (0–1) and
        ``vital_few`` (True for the categories needed to reach ``cutoff``).

    Examples
    --------
    >>> df = pd.DataFrame({"category": ["a"] * 6 + ["b"] * 3 + ["c"]})
    >>> complaint_pareto(df)["vital_few"].tolist()
    [True, True, False]
    """
    group_keys(complaints, category, "complaints", labels="categories")
    if len(complaints) == 0:
        raise DataValidationError("complaints: no rows")
    if not 0 < cutoff <= 1:
        raise ValueError(f"cutoff must be in (0, 1], got {cutoff!r}")
    counts = complaints[category].value_counts(sort=False)
    counts = counts.sort_values(ascending=False, kind="stable")
    table = pd.DataFrame({"count": counts.astype("int64")})
    table["share"] = table["count"] / table["count"].sum()
    table["cumulative_share"] = table["share"].cumsum()
    previous = table["cumulative_share"].shift(fill_value=0.0)
    table["vital_few"] = previous < cutoff - 1e-12
    table.index.name = category
    return table


def _duration_unit(unit: str) -> pd.Timedelta:
    if unit not in _UNITS:
        raise ValueError(f"unit must be one of {list(_UNITS)}, got {unit!r}")
    return _UNITS[unit]


def resolution_times(
    complaints: pd.DataFrame,
    *,
    opened: str = "opened",
    resolved: str = "resolved",
    as_of: str | pd.Timestamp | None = None,
    unit: str = "D",
) -> pd.DataFrame:
    """Time from opening to resolution, with open complaints censored at ``as_of``.

    Parameters
    ----------
    complaints : DataFrame
        One row per complaint; ``resolved`` is NaT while a complaint is open.
    opened, resolved : str
        Timestamp columns.
    as_of : timestamp, optional
        Analysis date: open complaints have been open at least until then.
        Default: the latest timestamp in ``opened``/``resolved``.
    unit : {"h", "D", "W"}
        Unit of the durations (hours, days, weeks; fractional).

    Returns
    -------
    DataFrame
        Same index: ``duration`` (in ``unit``) and ``is_resolved`` (bool; False = censored).

    Examples
    --------
    >>> df = pd.DataFrame({"opened": pd.to_datetime(["2024-01-01", "2024-01-02"]),
    ...                    "resolved": pd.to_datetime(["2024-01-03", None])})
    >>> resolution_times(df, as_of="2024-01-05")["duration"].tolist()
    [2.0, 3.0]
    """
    step = _duration_unit(unit)
    _validate.table(complaints, name="complaints", columns=[opened, resolved])
    start = _timestamps(complaints, opened)
    end = _timestamps(complaints, resolved)
    raise_for_rows(
        complaints,
        start.isna(),
        column=opened,
        problem="has missing opening times",
        name="complaints",
    )
    is_resolved = end.notna()
    raise_for_rows(
        complaints,
        is_resolved & (end < start),
        column=[opened, resolved],
        problem="has resolution before opening",
        name="complaints",
    )
    if as_of is None:
        as_of = max(start.max(), end.max()) if is_resolved.any() else start.max()
    as_of = pd.Timestamp(as_of)
    raise_for_rows(
        complaints,
        ~is_resolved & (start > as_of),
        column=opened,
        problem=f"has open complaints opened after as_of={as_of}",
        name="complaints",
    )
    finish = end.where(is_resolved, as_of)
    return pd.DataFrame(
        {"duration": (finish - start) / step, "is_resolved": is_resolved}, index=complaints.index
    )


def _timestamps(df: pd.DataFrame, column: str) -> pd.Series:
    """``df[column]`` as naive timestamps through the package's one date rule (NaT kept).

    Integers such as 20230101, non-ISO text, dates before 1900 or after today raise
    (:func:`portfolio_lib._validate.dates`).
    """
    return _validate.dates(df, column, name="complaints", missing="keep")


@dataclass(frozen=True, eq=False)
class ResolutionSurvival:
    """Kaplan–Meier view of time to resolution.

    Attributes
    ----------
    curves : DataFrame
        Long table: ``group``, ``time`` (``unit``), ``still_open`` (KM probability a
        complaint is still unresolved after ``time``), ``ci_low``, ``ci_high``
        (pointwise, log–log), ``at_risk``. Starts at time 0 with 1.0 per group.
    medians : DataFrame
        Per group: ``n``, ``n_open``, ``km_median`` (statsmodels convention: the
        first time with S(t) < 0.5) with ``km_median_ci_low/high`` (NaN when not
        reached; an infinite upper limit is NaN too), ``naive_median`` (resolved complaints only —
        biased low when many are open), and ``resolved_within_<t>`` shares.
    unit : str
    as_of : Timestamp
    note : str
        Which groups have a NaN in ``medians`` and why (empty when none has).
    """

    curves: pd.DataFrame
    medians: pd.DataFrame
    unit: str
    as_of: pd.Timestamp
    note: str = ""


def _nan_note(table: pd.DataFrame, reasons: dict[str, str]) -> str:
    """Name the groups of ``table`` with NaN in each column of ``reasons``, and why."""
    notes = []
    for column, reason in reasons.items():
        missing = table.index[table[column].isna()] if column in table.columns else []
        if len(missing):
            notes.append(f"{column} is NaN for {list(missing)[:5]}: {reason}")
    return "; ".join(notes)


def resolution_survival(
    complaints: pd.DataFrame,
    *,
    opened: str = "opened",
    resolved: str = "resolved",
    by: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    unit: str = "D",
    within: Sequence[float] = (1, 7, 30),
    confidence: float = 0.95,
) -> ResolutionSurvival:
    """Kaplan–Meier curve and median of time to resolution; open complaints censored.

    Parameters
    ----------
    complaints : DataFrame
        One row per complaint.
    opened, resolved : str
        Timestamp columns (``resolved`` NaT = still open).
    by : str, optional
        Group column (category, channel, ...): one curve per group.
    as_of : timestamp, optional
        Censoring date for open complaints (default: latest timestamp in the data).
    unit : {"h", "D", "W"}
        Time unit of durations.
    within : sequence of float
        Service-level horizons (in ``unit``) for ``resolved_within_<t>`` = 1 − S(t).
    confidence : float
        Level of the pointwise and median intervals.

    Returns
    -------
    ResolutionSurvival

    Raises
    ------
    DataValidationError
        ``complaints`` has no rows: there is no curve to estimate.

    Examples
    --------
    >>> df = pd.DataFrame({"opened": pd.to_datetime(["2024-01-01"] * 5),
    ...     "resolved": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04", None, None])})
    >>> resolution_survival(df, as_of="2024-01-10").medians["km_median"].tolist()
    [3.0]
    """
    confidence = check_confidence(confidence)
    _validate.table(complaints, name="complaints", columns=[opened, resolved])
    if complaints.empty:
        raise DataValidationError(
            "complaints has no rows: there is no time to resolution to estimate"
        )
    # rows by position: repeated index labels (two batches concatenated) are two complaints
    complaints = complaints.reset_index(drop=True)
    times = resolution_times(complaints, opened=opened, resolved=resolved, as_of=as_of, unit=unit)
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else None
    if as_of_ts is None:
        start, end = _timestamps(complaints, opened), _timestamps(complaints, resolved)
        as_of_ts = max(start.max(), end.max()) if end.notna().any() else start.max()
    groups = _groups(complaints, by)
    z = stats.norm.ppf(0.5 + confidence / 2)
    curves, medians = [], {}
    for key, index in groups.groupby(groups, sort=True).groups.items():
        part = times.loc[index]
        fit = SurvfuncRight(part["duration"].to_numpy(), part["is_resolved"].to_numpy(int))
        surv = fit.surv_prob
        with np.errstate(divide="ignore", invalid="ignore"):
            theta_se = fit.surv_prob_se / (surv * np.abs(np.log(surv)))
            low = np.exp(-np.exp(np.log(-np.log(surv)) + z * theta_se))
            high = np.exp(-np.exp(np.log(-np.log(surv)) - z * theta_se))
        curves.append(
            pd.DataFrame(
                {
                    "group": key,
                    "time": np.r_[0.0, fit.surv_times],
                    "still_open": np.r_[1.0, surv],
                    "ci_low": np.r_[1.0, low],
                    "ci_high": np.r_[1.0, high],
                    "at_risk": np.r_[len(part), fit.n_risk],
                }
            )
        )
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            median = fit.quantile(0.5)
            med_low, med_high = fit.quantile_ci(0.5, alpha=1 - confidence)
        row = {
            "n": len(part),
            "n_open": int((~part["is_resolved"]).sum()),
            "km_median": _finite(median),
            "km_median_ci_low": _finite(med_low),
            "km_median_ci_high": _finite(med_high),
            "naive_median": float(part.loc[part["is_resolved"], "duration"].median()),
        }
        for horizon in within:
            passed = fit.surv_times <= horizon
            row[f"resolved_within_{horizon:g}"] = 1 - (surv[passed][-1] if passed.any() else 1.0)
        medians[key] = row
    table = pd.DataFrame.from_dict(medians, orient="index")
    table.index.name = by or "group"
    reasons = {
        "km_median": "fewer than half of the complaints were resolved by as_of",
        "km_median_ci_low": "too few complaints (or resolution times all equal) for an interval",
        "km_median_ci_high": "too few complaints (or resolution times all equal) for an interval, "
        "or the upper limit is infinite",
        "naive_median": "no complaint was resolved",
    }
    return ResolutionSurvival(
        curves=pd.concat(curves, ignore_index=True),
        medians=table,
        unit=unit,
        as_of=as_of_ts,
        note=_nan_note(table, reasons),
    )


def _groups(complaints: pd.DataFrame, by: str | None) -> pd.Series:
    """Group labels of each complaint (a single group "all" when ``by`` is None)."""
    if by is None:
        return pd.Series("all", index=complaints.index)
    group_keys(complaints, by, "complaints")
    return complaints[by]


def _finite(value: object) -> float:
    value = float(value) if value is not None else float("nan")
    return value if np.isfinite(value) else float("nan")


def resolution_satisfaction(
    complaints: pd.DataFrame,
    *,
    by: str | None = "category",
    score: str = "resolution_satisfaction",
    opened: str = "opened",
    resolved: str = "resolved",
    scale: tuple[int, int] = (1, 5),
    top_box: int = 2,
    unit: str = "D",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Satisfaction with the resolution of resolved complaints, per group.

    Open complaints cannot rate their resolution and are counted in ``n_open``;
    resolved complaints without a rating are counted in ``n_unrated`` (non-response
    is reported, not imputed). A rating on a complaint still open is contradictory
    and raises.

    Parameters
    ----------
    complaints : DataFrame
        One row per complaint.
    by : str or None
        Group column (None = one row "all").
    score : str
        Rating column (whole numbers on ``scale``; NaN = not rated).
    opened, resolved : str
        Timestamp columns.
    scale, top_box : see :func:`~portfolio_lib.satisfaction.csat`.
    unit : {"h", "D", "W"}
        Unit of ``median_time_to_resolve``.
    confidence : float
        Level of the Wilson interval.

    Returns
    -------
    DataFrame
        Per group: ``n_resolved``, ``n_rated``, ``n_unrated``, ``n_open``,
        ``mean_score``, ``satisfied_share`` with ``ci_low``/``ci_high`` (0–1),
        ``median_time_to_resolve`` (``unit``, resolved ones) and
        ``spearman_time_vs_score`` (negative: slower resolution, lower rating).
        ``attrs["note"]`` names the groups with a NaN statistic and why (no rating; for
        the correlation fewer than 3 ratings, or ratings or times all equal).

    Examples
    --------
    >>> df = pd.DataFrame({"category": ["a", "a", "a"],
    ...     "opened": pd.to_datetime(["2024-01-01"] * 3),
    ...     "resolved": pd.to_datetime(["2024-01-02", "2024-01-09", None]),
    ...     "resolution_satisfaction": [5, 2, None]})
    >>> resolution_satisfaction(df)[["n_rated", "n_open", "satisfied_share"]].iloc[0].tolist()
    [2.0, 1.0, 0.5]
    """
    confidence = check_confidence(confidence)
    _validate.table(complaints, name="complaints", columns=[score] + ([by] if by else []))
    # rows by position: repeated index labels (two batches concatenated) are two complaints
    complaints = complaints.reset_index(drop=True)
    times = resolution_times(complaints, opened=opened, resolved=resolved, unit=unit)
    ratings, _ = integer_scores(
        complaints[score],
        column=score,
        low=scale[0],
        high=scale[1],
        name="complaints",
        missing="drop",
    )
    rated = pd.Series(False, index=complaints.index)
    rated[ratings.index] = True
    raise_for_rows(
        complaints,
        rated & ~times["is_resolved"],
        column=[score, resolved],
        problem="has ratings on complaints that are still open",
        name="complaints",
    )
    groups = _groups(complaints, by)
    rows = {}
    for key, index in groups.groupby(groups, sort=True).groups.items():
        is_resolved = times.loc[index, "is_resolved"]
        part_ratings = ratings[ratings.index.isin(index)]
        n_rated = len(part_ratings)
        hits = int((part_ratings > scale[1] - top_box).sum())
        if n_rated:
            low, high = wilson_interval(hits, n_rated, confidence)
        else:
            low = high = float("nan")
        durations = times.loc[part_ratings.index, "duration"]
        rho = (
            stats.spearmanr(durations, part_ratings).statistic
            if n_rated > 2 and part_ratings.nunique() > 1 and durations.nunique() > 1
            else float("nan")
        )
        rows[key] = {
            "n_resolved": int(is_resolved.sum()),
            "n_rated": n_rated,
            "n_unrated": int(is_resolved.sum()) - n_rated,
            "n_open": int((~is_resolved).sum()),
            "mean_score": float(part_ratings.mean()) if n_rated else float("nan"),
            "satisfied_share": hits / n_rated if n_rated else float("nan"),
            "ci_low": float(low),
            "ci_high": float(high),
            "median_time_to_resolve": float(times.loc[index][is_resolved]["duration"].median()),
            "spearman_time_vs_score": float(rho),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = by or "group"
    no_rating = "no resolved complaint was rated"
    table.attrs["note"] = _nan_note(
        table,
        {
            "mean_score": no_rating,
            "satisfied_share": no_rating,
            "median_time_to_resolve": "no complaint was resolved",
            "spearman_time_vs_score": "needs at least 3 ratings, with different ratings "
            "and different resolution times",
        },
    )
    return table


@dataclass(frozen=True, eq=False)
class ComplaintChurnLink:
    """Churn of complainers vs non-complainers.

    Attributes
    ----------
    table : DataFrame
        Rows ``no complaint`` / ``complained``: ``n``, ``churned``, ``churn_rate``,
        ``ci_low``, ``ci_high`` (Wilson, 0–1).
    by_count : DataFrame
        The same by number of complaints (0, 1, 2, "3+").
    risk_difference, risk_difference_ci_low, risk_difference_ci_high : float
        Churn rate of complainers minus non-complainers (Newcombe interval).
    risk_ratio, risk_ratio_ci_low, risk_ratio_ci_high : float
    odds_ratio, odds_ratio_ci_low, odds_ratio_ci_high : float
    p_value : float
        Two-sided score test of equal churn rates.
    since, before : Timestamp or None
        Only complaints opened in ``[since, before)`` were counted.
    n_complaints_outside : int
        Complaints of customers not in the customer table (not counted).
    """

    table: pd.DataFrame
    by_count: pd.DataFrame
    risk_difference: float
    risk_difference_ci_low: float
    risk_difference_ci_high: float
    risk_ratio: float
    risk_ratio_ci_low: float
    risk_ratio_ci_high: float
    odds_ratio: float
    odds_ratio_ci_low: float
    odds_ratio_ci_high: float
    p_value: float
    since: pd.Timestamp | None
    before: pd.Timestamp | None
    n_complaints_outside: int


def complaint_churn_link(
    complaints: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    customer: str = "customer_id",
    churned: str = "churned",
    opened: str = "opened",
    since: str | pd.Timestamp | None = None,
    before: str | pd.Timestamp | None = None,
    confidence: float = 0.95,
) -> ComplaintChurnLink:
    """Do customers who complained churn more afterwards?

    Parameters
    ----------
    complaints : DataFrame
        One row per complaint with ``customer`` and ``opened``.
    customers : DataFrame
        One row per customer in the population studied, with a boolean/0-1
        ``churned`` flag measured *after* ``before`` (e.g. from
        :func:`lapse_labels`: no purchase in the following 180 days).
    customer, churned, opened : str
        Column names.
    since, before : timestamp, optional
        Count only complaints opened in ``[since, before)``. Set ``before`` to
        the start of the churn window so that complaining precedes churning
        (None counts all complaints; then the order in time is not guaranteed),
        and ``since`` to look at recent complaints only (e.g. 180 days before).
    confidence : float
        Level of all intervals.

    Returns
    -------
    ComplaintChurnLink

    Examples
    --------
    >>> complaints = pd.DataFrame({"customer_id": ["a", "b"],
    ...                            "opened": pd.to_datetime(["2024-01-01"] * 2)})
    >>> customers = pd.DataFrame({"customer_id": list("abcd"),
    ...                           "churned": [True, True, False, False]})
    >>> complaint_churn_link(complaints, customers).risk_difference
    1.0
    """
    confidence = check_confidence(confidence)
    require_columns(complaints, [customer, opened], name="complaints")
    require_columns(customers, [customer, churned], name="customers")
    duplicated = customers[customer].duplicated(keep=False)
    raise_for_rows(
        customers, duplicated, column=customer, problem="has duplicate customers", name="customers"
    )
    flags = customers[churned]
    valid_flag = flags.isin([True, False, 0, 1]) & flags.notna()
    raise_for_rows(
        customers,
        ~valid_flag,
        column=churned,
        problem="must be True/False (or 1/0)",
        name="customers",
    )
    since_ts = None if since is None else pd.Timestamp(since)
    before_ts = None if before is None else pd.Timestamp(before)
    chosen = complaints
    if since_ts is not None or before_ts is not None:
        when = _timestamps(complaints, opened)
        keep = pd.Series(True, index=complaints.index)
        if since_ts is not None:
            keep &= when >= since_ts
        if before_ts is not None:
            keep &= when < before_ts
        chosen = complaints[keep]
    inside = chosen[customer].isin(customers[customer])
    per_customer = chosen.loc[inside, customer].value_counts()
    n_complaints = customers[customer].map(per_customer).fillna(0).astype("int64").to_numpy()
    churn = flags.astype(bool).to_numpy()
    complained = n_complaints > 0
    if complained.all() or (~complained).all():
        raise DataValidationError(
            "complaints/customers: need both complainers and non-complainers to compare; "
            f"{int(complained.sum())} of {len(customers)} customers complained"
        )
    rows = {}
    for label, mask in (("no complaint", ~complained), ("complained", complained)):
        rows[label] = _rate_row(churn[mask], confidence)
    buckets = np.where(n_complaints >= 3, "3+", n_complaints.astype(str))
    by_count = {
        b: _rate_row(churn[buckets == b], confidence)
        for b in ("0", "1", "2", "3+")
        if (buckets == b).any()
    }
    c1, n1 = int(churn[complained].sum()), int(complained.sum())
    c0, n0 = int(churn[~complained].sum()), int((~complained).sum())
    alpha = 1 - confidence
    rd_low, rd_high = confint_proportions_2indep(
        c1, n1, c0, n0, method="newcomb", compare="diff", alpha=alpha
    )
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        p_value = test_proportions_2indep(c1, n1, c0, n0, method="score", compare="diff").pvalue
    table2 = Table2x2(np.array([[c1, n1 - c1], [c0, n0 - c0]], dtype=float), shift_zeros=True)
    rr_low, rr_high = table2.riskratio_confint(alpha=alpha)
    or_low, or_high = table2.oddsratio_confint(alpha=alpha)
    return ComplaintChurnLink(
        table=pd.DataFrame.from_dict(rows, orient="index").rename_axis("group"),
        by_count=pd.DataFrame.from_dict(by_count, orient="index").rename_axis("complaints"),
        risk_difference=c1 / n1 - c0 / n0,
        risk_difference_ci_low=float(rd_low),
        risk_difference_ci_high=float(rd_high),
        risk_ratio=float(table2.riskratio),
        risk_ratio_ci_low=float(rr_low),
        risk_ratio_ci_high=float(rr_high),
        odds_ratio=float(table2.oddsratio),
        odds_ratio_ci_low=float(or_low),
        odds_ratio_ci_high=float(or_high),
        p_value=float(p_value),
        since=since_ts,
        before=before_ts,
        n_complaints_outside=int((~inside).sum()),
    )


def lapse_labels(
    transactions: pd.DataFrame,
    *,
    cutoff: str | pd.Timestamp,
    window: float = 180,
    unit: str = "D",
    customer: str = "customer_id",
    date: str = "date",
    is_return: str | None = "is_return",
    observation_end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Observable churn flag: bought in the window before ``cutoff``, not in the window after.

    A simple, transparent definition for :func:`complaint_churn_link` (the churn
    chapter discusses richer ones). The population is every customer with a
    purchase in ``[cutoff − window, cutoff)``; ``churned`` is True when that
    customer makes no purchase in ``[cutoff, cutoff + window)``.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction.
    cutoff : timestamp
        Start of the churn window.
    window : float
        Length of both windows, in ``unit``.
    unit : {"D", "W"}
        Unit of ``window`` (days or weeks).
    customer, date : str
        Column names.
    is_return : str or None
        Boolean column marking returns, which are not purchases (skipped if absent or None).
    observation_end : timestamp, optional
        Last day the data cover (inclusive). Default: the date of the last transaction,
        which can be earlier than the end of the data when the last days had no sales.
        The window after ``cutoff`` must end by then (see :func:`latest_lapse_cutoff`).

    Returns
    -------
    DataFrame
        ``customer``, ``last_purchase`` (before ``cutoff``) and ``churned`` (bool).

    Raises
    ------
    DataValidationError
        No purchase falls in the window before ``cutoff`` (nobody to label), or the
        window after it ends after ``observation_end``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-10", "2024-02-15", "2024-01-20", "2024-03-20"])})
    >>> lapse_labels(tx, cutoff="2024-02-01", window=30)["churned"].tolist()
    [False, True]
    """
    if unit not in ("D", "W"):
        raise ValueError(f"unit must be 'D' or 'W', got {unit!r}")
    require_columns(transactions, [customer, date], name="transactions")
    when = _timestamps(transactions, date)
    raise_for_rows(
        transactions, when.isna(), column=date, problem="has missing dates", name="transactions"
    )
    cutoff_ts = pd.Timestamp(cutoff)
    span = pd.Timedelta(window, unit=unit)
    last_day = when.max() if observation_end is None else pd.Timestamp(observation_end)
    what = "last transaction" if observation_end is None else "observation_end"
    if cutoff_ts + span > last_day.normalize() + pd.Timedelta(days=1):
        raise DataValidationError(
            f"transactions: the churn window {cutoff_ts.date()} + {window:g} {unit} ends after the "
            f"{what} ({last_day.date()}); churn cannot be observed yet"
        )
    purchase = pd.Series(True, index=transactions.index)
    if is_return is not None and is_return in transactions.columns:
        purchase = ~transactions[is_return].fillna(False).astype(bool)
    before = purchase & (when >= cutoff_ts - span) & (when < cutoff_ts)
    after = purchase & (when >= cutoff_ts) & (when < cutoff_ts + span)
    if not before.any():
        raise DataValidationError(
            f"transactions: no purchase in the window before the cutoff "
            f"[{(cutoff_ts - span).date()}, {cutoff_ts.date()}) (column {date!r} runs from "
            f"{when.min().date()} to {when.max().date()}), so there is no customer whose churn "
            "could be labelled; choose a cutoff inside the data"
        )
    last = when[before].groupby(transactions.loc[before, customer]).max()
    returning = set(transactions.loc[after, customer])
    return pd.DataFrame(
        {
            customer: last.index.to_numpy(),
            "last_purchase": last.to_numpy(),
            "churned": [c not in returning for c in last.index],
        }
    )


def latest_lapse_cutoff(
    observation_end: str | pd.Timestamp,
    *,
    window: float = 180,
    unit: str = "D",
) -> pd.Timestamp:
    """The latest ``cutoff`` for :func:`lapse_labels` whose churn window is fully observed.

    The window after the cutoff, ``[cutoff, cutoff + window)``, must end by the
    end of ``observation_end`` (inclusive), so the cutoff is
    ``observation_end + 1 day − window``, rounded down to a whole day.

    Parameters
    ----------
    observation_end : timestamp
        Last day the data cover (inclusive), e.g. ``crm.observation_end``.
    window : float
        Length of the churn window, in ``unit``.
    unit : {"D", "W"}
        Days or weeks.

    Returns
    -------
    Timestamp
        Midnight of the cutoff day.

    Examples
    --------
    >>> latest_lapse_cutoff("2024-12-31", window=180)
    Timestamp('2024-07-05 00:00:00')
    """
    if unit not in ("D", "W"):
        raise ValueError(f"unit must be 'D' or 'W', got {unit!r}")
    if not np.isfinite(window) or window <= 0:
        raise ValueError(f"window must be a positive number of {unit}, got {window!r}")
    end = pd.Timestamp(observation_end).normalize() + pd.Timedelta(days=1)
    return (end - pd.Timedelta(window, unit=unit)).floor("D")


def _rate_row(churn: np.ndarray, confidence: float) -> dict[str, float]:
    n, k = len(churn), int(churn.sum())
    low, high = wilson_interval(k, n, confidence)
    return {"n": n, "churned": k, "churn_rate": k / n, "ci_low": float(low), "ci_high": float(high)}
