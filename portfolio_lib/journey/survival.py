"""Time from one journey stage to a later one: Kaplan–Meier curves with censoring.

Someone who has not reached the target stage by the end of observation is
*censored* there: we know only that their time is longer than what we saw.
Dropping them (or counting them as never converting) would bias the timing, so
the curves come from the Kaplan–Meier estimator
(:class:`statsmodels.duration.survfunc.SurvfuncRight`) and groups are compared
with the log-rank test (:func:`statsmodels.duration.survfunc.survdiff`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from portfolio_lib._errors import DataValidationError, raise_for_rows
from portfolio_lib.journey._common import check_alpha, checked_events, person_groups
from portfolio_lib.journey.stages import STAGES

__all__ = ["LogRankTest", "TimeToStage", "time_to_stage", "UNIT_DAYS"]

UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}
"""Length of each time unit in days (a month is 365.25 / 12 days)."""


@dataclass(frozen=True)
class LogRankTest:
    """Log-rank test that the time-to-stage curves of all groups are equal."""

    statistic: float
    df: int
    p_value: float


@dataclass(frozen=True)
class TimeToStage:
    """Result of :func:`time_to_stage`.

    Attributes
    ----------
    from_stage, to_stage : str
        The clock starts when a person first reaches ``from_stage`` (or a later
        stage) and stops when they first reach ``to_stage`` (or a later stage).
    unit : str
        Time unit of all durations: ``"D"`` days, ``"W"`` weeks, ``"M"`` months.
    observation_end : pandas.Timestamp
        Where people who have not arrived are censored (a plain date given to
        :func:`time_to_stage` is stored as the following midnight).
    durations : pandas.DataFrame
        One row per person at risk: person id, ``group``, ``duration`` (unit),
        ``reached`` (bool; False = censored at ``observation_end``).
    curves : pandas.DataFrame
        Kaplan–Meier estimates per ``group``: ``time``, ``at_risk``, ``arrived``,
        ``not_yet`` (share who have not reached ``to_stage``), ``not_yet_ci_low``,
        ``not_yet_ci_high`` (pointwise log-log interval) and ``reached_share``
        (1 − ``not_yet``). Starts at time 0 with ``not_yet`` = 1.
    medians : pandas.DataFrame
        Per ``group``: ``people``, ``arrived``, ``median`` time with
        ``median_ci_low`` / ``median_ci_high`` (NaN when fewer than half ever
        arrive; an infinite upper limit means "not reached within the data"),
        ``reached_share_at_end``.
    logrank : LogRankTest or None
        Comparison of groups (None with a single group).
    alpha : float
        1 − confidence level of the intervals.
    """

    from_stage: str
    to_stage: str
    unit: str
    observation_end: pd.Timestamp
    durations: pd.DataFrame
    curves: pd.DataFrame
    medians: pd.DataFrame
    logrank: LogRankTest | None
    alpha: float

    def summary(self) -> pd.DataFrame:
        """The medians table (one row per group)."""
        return self.medians


def time_to_stage(
    events: pd.DataFrame,
    from_stage: str,
    to_stage: str,
    *,
    observation_end: pd.Timestamp | str,
    by: str | pd.Series | None = None,
    unit: Literal["D", "W", "M"] = "D",
    alpha: float = 0.05,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    stage_col: str = "stage",
    stages: Sequence[str] = STAGES,
) -> TimeToStage:
    """Kaplan–Meier time from ``from_stage`` to ``to_stage``, censored at ``observation_end``.

    People at risk are those who reached ``from_stage`` (a touch in it or in a
    later stage). Their clock starts at their first such touch. It stops at
    their first touch in ``to_stage`` or later (arrival), or at
    ``observation_end`` (censored: not arrived *yet*).

    Parameters
    ----------
    events : pandas.DataFrame
        Event log, one row per touch.
    from_stage, to_stage : str
        Start and target stage; ``to_stage`` must come after ``from_stage``.
    observation_end : pandas.Timestamp or str
        End of observation; must not be earlier than any touch. A plain date
        (midnight) means the whole day was observed: censoring is at the end
        of that day (the next midnight).
    by : str or pandas.Series, optional
        Groups to compare (a column of ``events``, value on the first touch, or
        a Series person id -> group). Adds a log-rank test.
    unit : {"D", "W", "M"}
        Time unit of the durations (days, weeks, months of 365.25/12 days).
    alpha : float
        1 − confidence level of the intervals.
    customer_col, time_col, stage_col, stages
        Column names and stage order.

    Returns
    -------
    TimeToStage

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "B", "C", "C"],
    ...     "timestamp": pd.to_datetime(
    ...         ["2024-01-01", "2024-01-03", "2024-01-01", "2024-01-01", "2024-01-05"]),
    ...     "stage": ["discovery", "purchase", "discovery", "discovery", "purchase"],
    ... })
    >>> result = time_to_stage(log, "discovery", "purchase", observation_end="2024-01-31")
    >>> float(result.medians["median"].iloc[0])
    4.0
    """
    alpha = check_alpha(alpha)
    if unit not in UNIT_DAYS:
        raise ValueError(f"unit must be one of {list(UNIT_DAYS)}, got {unit!r}")
    order = tuple(stages)
    for label, stage in (("from_stage", from_stage), ("to_stage", to_stage)):
        if stage not in order:
            raise ValueError(f"{label} {stage!r} is not one of the stages {list(order)}")
    start_rank, stop_rank = order.index(from_stage), order.index(to_stage)
    if stop_rank <= start_rank:
        raise ValueError(f"to_stage {to_stage!r} must come after from_stage {from_stage!r}")
    end = pd.Timestamp(observation_end)
    if pd.isna(end):
        raise ValueError("observation_end must be a date-time")
    if end == end.normalize():  # a plain date: the whole day was observed
        end = end + pd.Timedelta(days=1)

    clean = checked_events(
        events, customer_col=customer_col, time_col=time_col, stage_col=stage_col, stages=order
    )
    raise_for_rows(
        clean,
        (clean[time_col] > end).to_numpy(),
        column=time_col,
        problem=f"is after observation_end {end}",
        name="events",
    )
    groups = person_groups(clean, by, customer_col=customer_col)

    started = clean.loc[clean["stage_rank"] >= start_rank]
    start = started.groupby(customer_col, sort=False)[time_col].min()
    arrived = clean.loc[clean["stage_rank"] >= stop_rank]
    stop = arrived.groupby(customer_col, sort=False)[time_col].min().reindex(start.index)
    reached = stop.notna()
    stop_time = stop.where(reached, end)
    day = pd.Timedelta(days=1)
    duration = ((stop_time - start) / day) / UNIT_DAYS[unit]
    durations = pd.DataFrame(
        {
            customer_col: start.index,
            "group": groups.reindex(start.index).to_numpy(),
            "duration": duration.to_numpy(dtype=float),
            "reached": reached.to_numpy(dtype=bool),
        }
    )
    if durations.empty:
        raise DataValidationError(
            f"events: nobody reached from_stage {from_stage!r}; no one is at risk of "
            f"reaching {to_stage!r}"
        )

    z = stats.norm.ppf(1 - alpha / 2)
    curves, medians = [], []
    for group, part in durations.groupby("group", sort=True):
        curve, median_row = _km_group(part, z=z, alpha=alpha)
        curve.insert(0, "group", group)
        median_row["group"] = group
        curves.append(curve)
        medians.append(median_row)
    median_table = pd.DataFrame(medians)
    median_table = median_table[["group", *[c for c in median_table if c != "group"]]]

    logrank = None
    if durations["group"].nunique() > 1:
        stat, p_value = survdiff(
            durations["duration"].to_numpy(),
            durations["reached"].to_numpy(dtype=int),
            durations["group"].astype(str).to_numpy(),
        )
        logrank = LogRankTest(
            statistic=float(stat), df=int(durations["group"].nunique() - 1), p_value=float(p_value)
        )
    return TimeToStage(
        from_stage=from_stage,
        to_stage=to_stage,
        unit=unit,
        observation_end=end,
        durations=durations,
        curves=pd.concat(curves, ignore_index=True),
        medians=median_table.reset_index(drop=True),
        logrank=logrank,
        alpha=alpha,
    )


def _km_group(part: pd.DataFrame, *, z: float, alpha: float) -> tuple[pd.DataFrame, dict]:
    """Kaplan–Meier curve and median row for one group."""
    time = part["duration"].to_numpy(dtype=float)
    status = part["reached"].to_numpy(dtype=int)
    n_people, n_arrived = len(part), int(status.sum())
    if n_arrived == 0:
        curve = pd.DataFrame(
            {
                "time": [0.0],
                "at_risk": [n_people],
                "arrived": [0],
                "not_yet": [1.0],
                "not_yet_ci_low": [1.0],
                "not_yet_ci_high": [1.0],
            }
        )
        median, low, high = np.nan, np.nan, np.nan
    else:
        fit = SurvfuncRight(time, status)
        surv = np.asarray(fit.surv_prob, dtype=float)
        se = np.asarray(fit.surv_prob_se, dtype=float)
        low_ci, high_ci = _loglog_interval(surv, se, z)
        curve = pd.DataFrame(
            {
                "time": np.r_[0.0, fit.surv_times],
                "at_risk": np.r_[n_people, fit.n_risk].astype("int64"),
                "arrived": np.r_[0, fit.n_events].astype("int64"),
                "not_yet": np.r_[1.0, surv],
                "not_yet_ci_low": np.r_[1.0, low_ci],
                "not_yet_ci_high": np.r_[1.0, high_ci],
            }
        )
        if curve["time"].iloc[1] == 0.0:  # arrivals at time 0: drop the artificial start row
            curve = curve.iloc[1:].reset_index(drop=True)
        if surv.min() <= 0.5:
            median = float(fit.quantile(0.5))
            with np.errstate(divide="ignore", invalid="ignore"):  # log(0) where S hits 0
                low, high = (float(v) for v in fit.quantile_ci(0.5, alpha=alpha))
        else:
            median, low, high = np.nan, np.nan, np.nan
    curve["reached_share"] = 1.0 - curve["not_yet"]
    row = {
        "people": n_people,
        "arrived": n_arrived,
        "median": median,
        "median_ci_low": low,
        "median_ci_high": high,
        "reached_share_at_end": float(curve["reached_share"].iloc[-1]),
    }
    return curve, row


def _loglog_interval(surv: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log(−log S) interval for a survival curve (Greenwood standard errors)."""
    low, high = surv.copy(), surv.copy()
    inner = (surv > 0) & (surv < 1)
    log_s = np.log(surv[inner])
    half = z * se[inner] / (surv[inner] * np.abs(log_s))
    low[inner] = surv[inner] ** np.exp(half)
    high[inner] = surv[inner] ** np.exp(-half)
    return low, high
