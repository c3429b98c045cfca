"""Conversion paths: the touches each person had before converting (or not).

Attribution works on *paths*: for each person, the sequence of touchpoints
(channels, campaigns, ...) before they reached the conversion stage, and
whether they converted. Paths come from a raw event log
(:func:`conversion_paths`) or from an aggregated table with columns ``path``
(touchpoints joined by ``" > "``), ``conversions`` and ``non_conversions``.
:func:`as_journeys` turns either into the touch-level table the attribution
models share (internal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from typing_extensions import Unpack

from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib.journey._common import checked_events, ranked_paths
from portfolio_lib.journey._options import PathArgs, PathOptions, takes_options

__all__ = ["NO_TOUCH", "PATH_COLUMNS", "conversion_paths"]

NO_TOUCH = "(no touch)"
"""Pseudo-touchpoint for a conversion with no touch (in the attribution window) before it."""
PATH_COLUMNS = ("path", "conversions", "non_conversions")
"""Columns of an aggregated path table."""


@dataclass(frozen=True)
class Journeys:
    """Internal: one row per touch and one row per journey (path)."""

    touches: pd.DataFrame  # journey, position, touchpoint, days_before (NaN if unknown)
    journeys: pd.DataFrame  # journey, conversions, non_conversions, length
    has_times: bool


def journeys_from_paths(paths: pd.DataFrame, separator: str) -> Journeys:
    require_columns(paths, PATH_COLUMNS, name="paths")
    frame = paths.reset_index(drop=True)
    raise_for_rows(frame, frame["path"].isna(), column="path", problem="is missing", name="paths")
    for col in ("conversions", "non_conversions"):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.fillna(0)) | (values < 0)
        raise_for_rows(
            frame, bad, column=col, problem="must be a non-negative number", name="paths"
        )
    steps = [
        [p.strip() for p in value.split(separator)] if isinstance(value, str) else list(value)
        for value in frame["path"]
    ]
    empty = np.array([len(s) == 0 or any(str(t) == "" for t in s) for s in steps])
    raise_for_rows(
        frame,
        empty,
        column="path",
        problem=f"has an empty touchpoint (paths are touchpoints joined by {separator!r})",
        name="paths",
    )
    lengths = np.array([len(s) for s in steps], dtype="int64")
    touches = pd.DataFrame(
        {
            "journey": np.repeat(np.arange(len(steps)), lengths),
            "position": np.concatenate([np.arange(n) for n in lengths]),
            "touchpoint": [str(t) for s in steps for t in s],
            "days_before": np.nan,
        }
    )
    journeys = pd.DataFrame(
        {
            "journey": np.arange(len(steps)),
            "conversions": pd.to_numeric(frame["conversions"]).to_numpy(dtype=float),
            "non_conversions": pd.to_numeric(frame["non_conversions"]).to_numpy(dtype=float),
            "length": lengths,
        }
    )
    return Journeys(touches=touches, journeys=journeys, has_times=False)


def journeys_from_events(events: pd.DataFrame, options: PathOptions) -> Journeys:
    """Journeys of a raw event log: each person's touches before ``conversion_stage``."""
    customer_col, time_col, stage_col = options.customer_col, options.time_col, options.stage_col
    touchpoint_col, window_days = options.touchpoint_col, options.window_days
    require_columns(events, [customer_col, time_col, stage_col, touchpoint_col], name="events")
    clean = checked_events(events, **options.columns())
    conv_rank = tuple(options.stages).index(options.conversion_stage)
    people = pd.Index(clean[customer_col].unique(), name=customer_col)
    at_conv = clean.loc[clean["stage_rank"] >= conv_rank]
    conv_time = at_conv.groupby(customer_col, sort=False)[time_col].min().reindex(people)
    converted = conv_time.notna()

    before = clean.loc[clean["stage_rank"] < conv_rank]
    last_time = before.groupby(customer_col, sort=False)[time_col].max().reindex(people)
    anchor = conv_time.where(converted, last_time)
    days_before = (
        anchor.reindex(before[customer_col]).to_numpy() - before[time_col].to_numpy()
    ) / np.timedelta64(1, "D")
    keep = np.ones(len(before), dtype=bool)
    if window_days is not None:
        keep = days_before <= window_days
    used = before.loc[keep]
    raise_for_rows(
        used,
        used[touchpoint_col].isna(),
        column=touchpoint_col,
        problem="is missing on a touch before the conversion stage",
        name="events",
    )
    journey_id = pd.Series(np.arange(len(people)), index=people)
    touches = pd.DataFrame(
        {
            "journey": journey_id.reindex(used[customer_col]).to_numpy(),
            "touchpoint": used[touchpoint_col].astype(str).to_numpy(),
            "days_before": days_before[keep],
        }
    )
    lengths = touches.groupby("journey").size().reindex(journey_id.to_numpy(), fill_value=0)
    untouched = lengths.index[lengths.to_numpy() == 0]
    if len(untouched):
        filler = pd.DataFrame({"journey": untouched, "touchpoint": NO_TOUCH, "days_before": 0.0})
        touches = pd.concat([touches, filler], ignore_index=True)
    touches = touches.sort_values(
        ["journey", "days_before"], ascending=[True, False], kind="mergesort"
    )
    touches["position"] = touches.groupby("journey").cumcount()
    touches = touches[["journey", "position", "touchpoint", "days_before"]].reset_index(drop=True)
    journeys = pd.DataFrame(
        {
            "journey": journey_id.to_numpy(),
            "conversions": converted.to_numpy(dtype=float),
            "non_conversions": (~converted).to_numpy(dtype=float),
            "length": touches.groupby("journey").size().reindex(journey_id.to_numpy()).to_numpy(),
        }
    )
    return Journeys(touches=touches, journeys=journeys, has_times=True)


def as_journeys(data: pd.DataFrame, options: PathOptions) -> Journeys:
    """Journeys of aggregated paths (detected by :data:`PATH_COLUMNS`) or of raw events."""
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"data must be a pandas DataFrame (events or paths), got {type(data).__name__}"
        )
    if set(PATH_COLUMNS) <= set(data.columns):
        if options.window_days is not None:
            raise ValueError("window_days needs touch times: pass raw events, not aggregated paths")
        return journeys_from_paths(data, options.separator)
    return journeys_from_events(data, options)


@takes_options(PathOptions)
def conversion_paths(events: pd.DataFrame, **options: Unpack[PathArgs]) -> pd.DataFrame:
    """Aggregate an event log into conversion paths (``path, conversions, non_conversions``).

    A person's path is the sequence of ``touchpoint_col`` values of their
    touches in stages before ``conversion_stage``, in time order. A person
    converts when they reach ``conversion_stage`` (or a later stage). With
    ``window_days``, only touches at most that many days before the conversion
    (for non-converters: before their last touch) are kept; a conversion with
    no touch left is given the path :data:`NO_TOUCH` so that no data is dropped.

    Parameters
    ----------
    events : pandas.DataFrame
        Event log, one row per touch.
    {options}

    Returns
    -------
    pandas.DataFrame
        ``path``, ``conversions``, ``non_conversions`` (people), most frequent first.

    Examples
    --------
    >>> from portfolio_lib.journey import example_events
    >>> conversion_paths(example_events())["path"].tolist()
    ['search > email', 'search > search', 'social', 'social > email']
    """
    chosen = PathOptions(**options)
    journeys = journeys_from_events(events, chosen)
    paths = journeys.touches.groupby("journey", sort=True)["touchpoint"].agg(chosen.separator.join)
    table = journeys.journeys.set_index("journey").assign(path=paths)
    return ranked_paths(
        table.groupby("path")[["conversions", "non_conversions"]].sum().reset_index()
    )
