"""The five journey stages and the checks every journey function runs on an event log.

An *event log* (touchpoint table) has one row per touch: who (``customer_id``),
when (``timestamp``), in which stage (``stage``) and, usually, through which
channel (``channel``). The course's stages, in order:

====================  ==============  ===============================================
stage                 Turkish         meaning
====================  ==============  ===============================================
``discovery``         Keşfetme        the person learns about the business
``first_contact``     İlk temas       the first direct interaction
``decision``          Karar anı       the moment of deciding
``purchase``          Hizmet alımı    the purchase / use of the service
``deepening``         Derinleşme      campaigns, rewards, points deepen the relationship
====================  ==============  ===============================================

Journeys move forward only: a person may have several touches in one stage, then
move to a later stage or stop. :func:`validate_events` checks that an event log
follows this contract and reports the rows that do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from typing_extensions import Unpack

from portfolio_lib import _validate, crm
from portfolio_lib._errors import DataValidationError, format_examples, require_columns
from portfolio_lib.journey._options import EventColumnArgs, EventColumns, takes_options

__all__ = [
    "STAGES",
    "STAGE_NAMES_TR",
    "stage_label",
    "EventValidation",
    "validate_events",
    "example_events",
]

STAGES: tuple[str, ...] = crm.STAGES
"""The course's journey stages, in order (defined in :mod:`portfolio_lib.crm`)."""

STAGE_NAMES_TR: Mapping[str, str] = crm.STAGE_NAMES_TR
"""Turkish course names of :data:`STAGES` (``{"discovery": "Keşfetme", ...}``), from
:mod:`portfolio_lib.crm`."""


def stage_label(stage: str, language: Literal["en", "tr", "both"] = "both") -> str:
    """Return a display label for a stage.

    Parameters
    ----------
    stage : str
        Stage name, e.g. ``"first_contact"``. Names outside :data:`STAGES` are
        returned unchanged (with ``_`` shown as a space).
    language : {"en", "tr", "both"}
        English, Turkish, or ``"english (türkçe)"``.

    Examples
    --------
    >>> stage_label("decision")
    'decision (Karar anı)'
    >>> stage_label("first_contact", "tr")
    'İlk temas'
    """
    english = stage.replace("_", " ")
    turkish = STAGE_NAMES_TR.get(stage)
    if language == "en" or turkish is None:
        return english
    if language == "tr":
        return turkish
    return f"{english} ({turkish})"


@dataclass(frozen=True)
class EventValidation:
    """Result of :func:`validate_events`.

    Attributes
    ----------
    events : pandas.DataFrame
        The rows that passed, sorted by person, time and stage order, with an
        added integer column ``stage_rank`` (0 = first stage).
    rejected : pandas.DataFrame
        The rows that failed, with their original index and a ``problem`` column.
    stages : tuple of str
        The stage order the log was checked against.
    """

    events: pd.DataFrame
    rejected: pd.DataFrame
    stages: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return self.rejected.empty

    def summary(self) -> pd.DataFrame:
        """Count of rejected rows per problem."""
        if self.rejected.empty:
            return pd.DataFrame({"problem": [], "rows": []}).astype({"rows": "int64"})
        counts = self.rejected.groupby("problem", sort=True).size()
        return counts.rename("rows").reset_index()


def example_events() -> pd.DataFrame:
    """A small event log (four people, nine touches) for trying the journey functions.

    The log the docstring examples of :mod:`portfolio_lib.journey` share: people ``A``
    to ``D`` on 1 to 6 January 2024, one row per touch with the default columns
    (``customer_id``, ``timestamp``, ``stage``, ``channel``). ``A`` and ``C`` reach
    ``purchase``; ``B`` stops at ``first_contact`` and ``D`` after ``discovery``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (str), ``timestamp`` (datetime64), ``stage`` (one of
        :data:`STAGES`), ``channel`` (str); a new frame on every call.

    Examples
    --------
    >>> log = example_events()
    >>> log.groupby("customer_id")["stage"].last().to_dict()
    {'A': 'purchase', 'B': 'first_contact', 'C': 'purchase', 'D': 'discovery'}
    """
    rows = [
        ("A", "2024-01-01", "discovery", "search"),
        ("A", "2024-01-02", "first_contact", "email"),
        ("A", "2024-01-05", "purchase", "store"),
        ("B", "2024-01-01", "discovery", "social"),
        ("B", "2024-01-03", "first_contact", "email"),
        ("C", "2024-01-02", "discovery", "search"),
        ("C", "2024-01-04", "decision", "search"),
        ("C", "2024-01-06", "purchase", "web"),
        ("D", "2024-01-03", "discovery", "social"),
    ]
    log = pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "channel"])
    log["timestamp"] = pd.to_datetime(log["timestamp"])
    return log


@takes_options(EventColumns)
def validate_events(
    events: pd.DataFrame,
    *,
    extra_cols: Sequence[str] = (),
    errors: Literal["raise", "report"] = "raise",
    name: str = "events",
    **columns: Unpack[EventColumnArgs],
) -> EventValidation:
    """Check a journey event log and return it sorted, or report the bad rows.

    The checks, per row: the person id is present, the timestamp is present and
    a valid date-time, the stage is one of ``stages``, and — per person, in time
    order — the stage does not fall back behind a stage the person already
    reached (*out-of-order timestamps*: e.g. a ``first_contact`` stamped after
    the same person's ``purchase``). Touches of one person at the same time are
    ordered by stage, so ties are never out of order. Columns in ``extra_cols``
    must exist and be non-missing.

    Parameters
    ----------
    events : pandas.DataFrame
        One row per touch.
    extra_cols : sequence of str
        Further columns the caller needs (e.g. ``["channel"]``); must be non-missing.
    errors : {"raise", "report"}
        ``"raise"`` raises :class:`~portfolio_lib.DataValidationError` naming
        the column and showing example rows; ``"report"`` returns the bad rows
        in :attr:`EventValidation.rejected` and the good ones in ``events``.
    name : str
        What the table is called in messages.
    {options}

    Returns
    -------
    EventValidation
        ``events`` (clean, sorted, with ``stage_rank``) and ``rejected`` (with ``problem``).

    Raises
    ------
    DataValidationError
        Missing columns (always), or bad rows when ``errors="raise"``.

    Examples
    --------
    >>> validate_events(example_events()).ok
    True
    """
    if errors not in ("raise", "report"):
        raise ValueError(f"errors must be 'raise' or 'report', got {errors!r}")
    cols = EventColumns(**columns)
    customer_col, time_col, stage_col = cols.customer_col, cols.time_col, cols.stage_col
    order = tuple(cols.stages)
    needed = [customer_col, time_col, stage_col, *extra_cols]
    require_columns(events, needed, name=name)

    frame = events.copy()
    problems = pd.Series(pd.NA, index=frame.index, dtype="object")
    problem_col = pd.Series("", index=frame.index, dtype="object")

    def flag(mask: pd.Series | np.ndarray, column: str, problem: str) -> None:
        mask = pd.Series(np.asarray(mask, dtype=bool), index=frame.index) & problems.isna()
        problems[mask] = problem
        problem_col[mask] = column

    flag(frame[customer_col].isna(), customer_col, f"{customer_col} is missing")

    raw_time = frame[time_col]
    if pd.api.types.is_datetime64_any_dtype(raw_time):
        times = raw_time
        flag(times.isna(), time_col, f"{time_col} is missing")
    elif pd.api.types.is_numeric_dtype(raw_time) or pd.api.types.is_bool_dtype(raw_time):
        # never read a number as nanoseconds after 1970 (20230101 is not a time)
        times = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        flag(raw_time.isna(), time_col, f"{time_col} is missing")
        flag(
            raw_time.notna(),
            time_col,
            f"{time_col} is a number, not a date-time (read integers such as 20230101 with "
            "quality.parse_dates, which reads yyyymmdd)",
        )
    else:
        try:
            times = pd.to_datetime(raw_time, errors="coerce", format="mixed")
        except (TypeError, ValueError):  # e.g. time-zone aware and naive values mixed
            times = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
            flag(
                raw_time.notna(),
                time_col,
                f"{time_col} mixes time-zone aware and naive date-times (or several offsets)",
            )
        flag(raw_time.isna(), time_col, f"{time_col} is missing")
        flag(times.isna() & raw_time.notna(), time_col, f"{time_col} is not a valid date-time")
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_localize(None)
    flag(
        _validate.implausible(times),
        time_col,
        f"{time_col} is before {_validate.EARLIEST.date()} or after today (a typo?)",
    )
    frame[time_col] = times

    stage_values = frame[stage_col]
    flag(stage_values.isna(), stage_col, f"{stage_col} is missing")
    known = stage_values.isin(order)
    flag(
        ~known & stage_values.notna(),
        stage_col,
        f"{stage_col} is not one of the stages {list(order)}",
    )
    for col in extra_cols:
        flag(frame[col].isna(), col, f"{col} is missing")

    rank_of = {stage: i for i, stage in enumerate(order)}
    frame["stage_rank"] = stage_values.map(rank_of).astype("float64")

    usable = problems.isna()
    ok_rows = frame.loc[usable].sort_values(
        [customer_col, time_col, "stage_rank"], kind="mergesort"
    )
    previous_best = ok_rows.groupby(customer_col, sort=False)["stage_rank"].cummax()
    previous_best = previous_best.groupby(ok_rows[customer_col], sort=False).shift(1)
    regress = ok_rows["stage_rank"] < previous_best
    flag(
        frame.index.isin(ok_rows.index[regress.to_numpy()]),
        time_col,
        f"{time_col} out of order: stage comes after a later stage of the same {customer_col}",
    )

    bad = problems.notna()
    rejected = events.loc[bad.to_numpy()].copy()
    rejected["problem"] = problems[bad].astype(str).to_numpy()
    if errors == "raise" and bad.any():
        first_problem = str(problems[bad].iloc[0])
        column = str(problem_col[bad].iloc[0])
        same = (problems == first_problem).to_numpy()
        shown = [c for c in (customer_col, time_col, stage_col) if c in events.columns]
        if column not in shown:
            shown.append(column)
        raise DataValidationError(
            f"{name}: column {column!r}: {first_problem} "
            f"({int(same.sum())} of {len(events)} rows; {int(bad.sum())} rows with any problem). "
            "Examples:\n" + format_examples(events.loc[same, shown])
        )

    clean = frame.loc[~bad.to_numpy()].sort_values(
        [customer_col, time_col, "stage_rank"], kind="mergesort"
    )
    clean["stage_rank"] = clean["stage_rank"].astype("int64")
    return EventValidation(events=clean, rejected=rejected, stages=order)
