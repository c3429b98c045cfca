"""Stage funnel and conversion-path counts of an event log of any size, in the engine.

The definitions of :func:`portfolio_lib.journey.stage_funnel` (a person reaches a stage when
they have a touch in it or a later one) and :func:`portfolio_lib.journey.conversion_paths` (a
person's touches before the conversion stage, in time order, optionally within a window before
the conversion or the last touch). Touches of one person at the same time are ordered by stage,
then by their position in the input (a pandas frame's row order; a file's scan order). The
event contract is checked in the engine and every broken rule is counted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from typing_extensions import Unpack

from portfolio_lib import journey
from portfolio_lib._errors import DataValidationError, format_examples, require_columns
from portfolio_lib.engines.backend import Engine, div, get_engine
from portfolio_lib.engines.contract import type_kind
from portfolio_lib.engines.sources import read_pandas
from portfolio_lib.journey._common import check_alpha, funnel_table, ranked_paths
from portfolio_lib.journey._options import (
    EventColumnArgs,
    EventColumns,
    PathArgs,
    PathOptions,
    takes_options,
)

__all__ = ["stage_funnel", "conversion_paths"]

_ROW = "pl_row"


def _events(eng: Engine, source: object, cols: EventColumns, extra: Sequence[str] = ()) -> str:
    """Checked events: ``customer``, ``t`` (TIMESTAMP), ``stage_rank``, ``pl_row`` and ``extra``."""
    customer_col, time_col, stage_col = cols.customer_col, cols.time_col, cols.stage_col
    stages = cols.stages
    if isinstance(source, pd.DataFrame):
        source = source.assign(**{_ROW: np.arange(len(source), dtype=np.int64)})
    raw = eng.register(source)
    types = eng.columns(raw)
    require_columns(
        pd.DataFrame(columns=list(types)), [customer_col, time_col, stage_col, *extra],
        name="events",
    )  # fmt: skip
    q = eng.quote
    row = q(_ROW) if _ROW in types else "ROW_NUMBER() OVER ()"
    kind = type_kind(types[time_col])
    if kind not in ("date", "timestamp", "text"):
        raise DataValidationError(
            f"events: column {time_col!r} must hold date-times; its type is {types[time_col]}"
        )
    t = (
        f"TRY_CAST({q(time_col)} AS TIMESTAMP)"
        if kind == "text"
        else f"CAST({q(time_col)} AS TIMESTAMP)"
    )
    ranks = " ".join(
        f"WHEN '{s.replace(chr(39), chr(39) * 2)}' THEN {i}" for i, s in enumerate(stages)
    )
    stage = q(stage_col)
    rank = f"CASE CAST({stage} AS VARCHAR) {ranks} END"
    extras = "".join(f", {q(c)} AS x{i}" for i, c in enumerate(extra))
    numbered = eng.create_view(
        f"SELECT {q(customer_col)} AS customer, {t} AS t, {rank} AS stage_rank, {row} AS {_ROW}, "
        f"{q(customer_col)} AS raw_customer, {q(time_col)} AS raw_time, {stage} AS raw_stage"
        f"{extras} FROM {raw}"
    )
    reasons = [
        (f"{customer_col} is missing", "customer IS NULL"),
        (f"{time_col} is missing", "raw_time IS NULL"),
        (f"{time_col} is not a valid date-time", "raw_time IS NOT NULL AND t IS NULL"),
        (f"{stage_col} is missing", "raw_stage IS NULL"),
        (
            f"{stage_col} is not one of the stages {list(stages)}",
            "raw_stage IS NOT NULL AND stage_rank IS NULL",
        ),
    ]
    usable = " AND ".join(f"NOT ({c})" for _, c in reasons)
    before = (
        f"MAX(stage_rank) OVER (PARTITION BY customer ORDER BY t, stage_rank, {_ROW} "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    )
    checked = eng.materialize(
        f"SELECT *, CASE WHEN {usable} THEN {before} END AS best_before FROM {numbered}"
    )
    reasons.append(
        (
            f"{time_col} out of order: stage comes after a later stage of the same {customer_col}",
            f"({usable}) AND best_before > stage_rank",
        )
    )
    sums = ", ".join(
        f"SUM(CASE WHEN {c} THEN 1 ELSE 0 END) AS r{i}" for i, (_, c) in enumerate(reasons)
    )
    counts = eng.fetch(f"SELECT COUNT(*) AS n, {sums} FROM {checked}").iloc[0]
    if int(counts["n"]) == 0:
        raise DataValidationError("events has no rows; a journey analysis needs at least one touch")
    found = [(text, cond, int(counts[f"r{i}"] or 0)) for i, (text, cond) in enumerate(reasons)]
    found = [f for f in found if f[2] > 0]
    if found:
        shown = eng.fetch(
            f"SELECT raw_customer AS {q(customer_col)}, raw_time AS {q(time_col)}, "
            f"raw_stage AS {q(stage_col)} FROM {checked} WHERE {found[0][1]} LIMIT 5"
        )
        raise DataValidationError(
            "events: rows break the event contract:\n"
            + "\n".join(f"  - {text}: {n} row(s)" for text, _, n in found)
            + f"\nExamples ({found[0][0]}):\n"
            + format_examples(shown)
        )
    return checked


@takes_options(EventColumns)
def stage_funnel(
    source: object,
    *,
    by: str | None = None,
    alpha: float = 0.05,
    engine: str | Engine | None = None,
    **columns: Unpack[EventColumnArgs],
) -> pd.DataFrame:
    """People reaching each stage, with conversion, drop-off and Wilson intervals.

    Parameters
    ----------
    source : DataFrame, path, glob, relation or Spark DataFrame
        Event log, one row per touch.
    by : str, optional
        Column whose value on each person's first touch splits the funnel.
    alpha : float
        1 - confidence level of the intervals.
    engine : {"duckdb", "spark", "pandas"} or Engine, optional
        Default DuckDB.
    {options}

    Returns
    -------
    pandas.DataFrame
        As :func:`portfolio_lib.journey.stage_funnel`.

    Examples
    --------
    >>> stage_funnel(journey.example_events())["reached"].tolist()
    [4, 3, 2, 2, 0]
    """
    if engine == "pandas":
        return journey.stage_funnel(read_pandas(source), by=by, alpha=alpha, **columns)
    alpha = check_alpha(alpha)
    cols = EventColumns(**columns)
    order = tuple(cols.stages)
    eng = get_engine(engine, source)
    ev = _events(eng, source, cols, extra=[by] if by is not None else [])
    if by is not None:
        missing = int(eng.fetch(f"SELECT COUNT(*) AS n FROM {ev} WHERE x0 IS NULL")["n"].iloc[0])
        if missing:
            raise DataValidationError(
                f"events: column {by!r} (used for grouping) is missing in {missing} rows"
            )
        first = (
            f"SELECT customer, x0 AS grp FROM (SELECT customer, x0, ROW_NUMBER() OVER "
            f"(PARTITION BY customer ORDER BY t, stage_rank, {_ROW}) AS k FROM {ev}) f WHERE k = 1"
        )
    else:
        first = f"SELECT DISTINCT customer, 'all' AS grp FROM {ev}"
    cells = eng.fetch(
        f"SELECT g.grp, p.furthest, COUNT(*) AS n FROM (SELECT customer, MAX(stage_rank) AS "
        f"furthest FROM {ev} GROUP BY customer) p JOIN ({first}) g ON p.customer = g.customer "
        "GROUP BY g.grp, p.furthest"
    )
    reached = (
        (group, _reached(members, len(order)), int(members["n"].sum()))
        for group, members in cells.groupby("grp", sort=True)
    )
    return funnel_table(reached, order, alpha, grouped=by is not None)


def _reached(cells: pd.DataFrame, n_stages: int) -> np.ndarray:
    """People who reached each stage, from counts of people by furthest stage reached."""
    furthest = cells["furthest"].to_numpy()
    weights = cells["n"].to_numpy()
    return np.array([int(weights[furthest >= k].sum()) for k in range(n_stages)])


@takes_options(PathOptions)
def conversion_paths(
    source: object,
    *,
    engine: str | Engine | None = None,
    **options: Unpack[PathArgs],
) -> pd.DataFrame:
    """Conversion paths with counts (``path, conversions, non_conversions``), in the engine.

    The definitions of :func:`portfolio_lib.journey.conversion_paths`.

    Parameters
    ----------
    source : DataFrame, path, glob, relation or Spark DataFrame
        Event log, one row per touch.
    engine : {"duckdb", "spark", "pandas"} or Engine, optional
        Default DuckDB.
    {options}

    Returns
    -------
    pandas.DataFrame
        As :func:`portfolio_lib.journey.conversion_paths`.

    Examples
    --------
    >>> conversion_paths(journey.example_events(), window_days=2)["path"].tolist()
    ['(no touch)', 'search', 'social', 'social > email']
    """
    if engine == "pandas":
        return journey.conversion_paths(read_pandas(source), **options)
    chosen = PathOptions(**options)
    touchpoint_col, window_days = chosen.touchpoint_col, chosen.window_days
    eng = get_engine(engine, source)
    ev = _events(eng, source, chosen, extra=[touchpoint_col])
    k = tuple(chosen.stages).index(chosen.conversion_stage)
    people = (
        f"SELECT customer, MIN(CASE WHEN stage_rank >= {k} THEN t END) AS conv_time, "
        f"MAX(CASE WHEN stage_rank < {k} THEN t END) AS last_time FROM {ev} GROUP BY customer"
    )
    days = div("DATE_DIFF('microsecond', e.t, COALESCE(p.conv_time, p.last_time))", "86400000000")
    window = f" AND {days} <= {float(window_days)!r}" if window_days is not None else ""
    used = (
        f"SELECT e.customer, e.t, e.stage_rank, e.{_ROW}, e.x0 FROM {ev} e JOIN ({people}) p "
        f"ON e.customer = p.customer WHERE e.stage_rank < {k}{window}"
    )
    missing = int(eng.fetch(f"SELECT COUNT(*) AS n FROM ({used}) u WHERE x0 IS NULL")["n"].iloc[0])
    if missing:
        raise DataValidationError(
            f"events: column {touchpoint_col!r} is missing on a touch before the conversion "
            f"stage in {missing} row(s)"
        )
    sep = chosen.separator.replace("'", "''")
    no_touch = journey.NO_TOUCH.replace("'", "''")
    paths = eng.fetch(
        f"SELECT COALESCE(u.path, '{no_touch}') AS path, "
        "SUM(CASE WHEN p.conv_time IS NOT NULL THEN 1 ELSE 0 END) AS conversions, "
        "SUM(CASE WHEN p.conv_time IS NULL THEN 1 ELSE 0 END) AS non_conversions "
        f"FROM ({people}) p LEFT JOIN (SELECT customer, STRING_AGG(CAST(x0 AS VARCHAR), '{sep}' "
        f"ORDER BY t, stage_rank, {_ROW}) AS path FROM ({used}) v GROUP BY customer) u "
        "ON p.customer = u.customer GROUP BY COALESCE(u.path, "
        f"'{no_touch}')"
    )
    return ranked_paths(paths)
