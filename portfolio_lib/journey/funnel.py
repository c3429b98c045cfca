"""Stage funnel, stage-to-stage transitions, journey variants and advance rates.

Counting rule (used everywhere in this module): a person *reaches* a stage when
they have a touch in that stage **or in any later stage**. Journeys move forward
only, so someone seen at ``decision`` has passed ``discovery`` and
``first_contact`` even if the log missed those touches. Funnel counts are
therefore non-increasing from stage to stage by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from portfolio_lib.journey._common import check_alpha, checked_events, person_groups, wilson
from portfolio_lib.journey.stages import STAGES, stage_label

__all__ = [
    "stage_funnel",
    "StageTransitions",
    "stage_transitions",
    "advance_rates",
    "EXIT",
]

EXIT = "exit"
"""Name of the pseudo-stage after a person's last touch (left, or not yet seen again)."""


def stage_funnel(
    events: pd.DataFrame,
    *,
    by: str | pd.Series | None = None,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    stage_col: str = "stage",
    stages: Sequence[str] = STAGES,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """People reaching each stage, with step and overall conversion and drop-off.

    A person reaches a stage when they have a touch in it or in any later stage,
    so ``reached`` never increases down the funnel.

    Parameters
    ----------
    events : pandas.DataFrame
        Event log, one row per touch (see :func:`validate_events`).
    by : str or pandas.Series, optional
        Split the funnel by group. A column name of ``events`` uses each
        person's value on their *first* touch (``by="channel"`` gives the
        discovery / acquisition channel). A Series maps person id -> group
        (e.g. a segment) and must cover every person in the log.
    customer_col, time_col, stage_col : str
        Column names in ``events``.
    stages : sequence of str
        Stage order; default :data:`STAGES`.
    alpha : float
        1 − confidence level of the Wilson intervals (0.05 → 95 %).

    Returns
    -------
    pandas.DataFrame
        One row per (group,) stage: ``group`` (only when ``by`` is given),
        ``stage``, ``label``, ``reached`` (people), ``lost`` (people who reached
        the previous stage but not this one; 0 for the first stage),
        ``step_conversion`` (reached / reached at the previous stage; the first
        stage is divided by all people, so it is 1), ``step_ci_low``,
        ``step_ci_high``, ``drop_off_rate`` (1 − step conversion),
        ``overall_conversion`` (reached / people in the group), ``overall_ci_low``,
        ``overall_ci_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "B", "C"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-05"]),
    ...     "stage": ["discovery", "first_contact", "discovery", "decision"],
    ... })
    >>> stage_funnel(log)["reached"].tolist()
    [3, 2, 1, 0, 0]
    """
    alpha = check_alpha(alpha)
    clean = checked_events(
        events, customer_col=customer_col, time_col=time_col, stage_col=stage_col, stages=stages
    )
    order = tuple(stages)
    groups = person_groups(clean, by, customer_col=customer_col)
    furthest = clean.groupby(customer_col, sort=False)["stage_rank"].max()
    people = pd.DataFrame({"group": groups, "furthest": furthest.reindex(groups.index)})

    tables = []
    for group, members in people.groupby("group", sort=True):
        n_people = len(members)
        reached = np.array([(members["furthest"] >= k).sum() for k in range(len(order))])
        previous = np.concatenate([[n_people], reached[:-1]])
        step = np.divide(reached, previous, out=np.full(len(order), np.nan), where=previous > 0)
        step_low, step_high = wilson(reached, previous, alpha)
        overall_low, overall_high = wilson(reached, np.full(len(order), n_people), alpha)
        table = pd.DataFrame(
            {
                "stage": list(order),
                "label": [stage_label(s) for s in order],
                "reached": reached.astype("int64"),
                "lost": (previous - reached).astype("int64"),
                "step_conversion": step,
                "step_ci_low": step_low,
                "step_ci_high": step_high,
                "drop_off_rate": 1.0 - step,
                "overall_conversion": reached / n_people,
                "overall_ci_low": overall_low,
                "overall_ci_high": overall_high,
            }
        )
        if by is not None:
            table.insert(0, "group", group)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


@dataclass(frozen=True)
class StageTransitions:
    """Empirical stage transitions and journey variants (from :func:`stage_transitions`).

    Attributes
    ----------
    counts : pandas.DataFrame
        Rows = from-stage, columns = to-stage plus ``"exit"``; number of moves.
    probabilities : pandas.DataFrame
        ``counts`` divided by its row totals (NaN for a stage nobody visited).
    variants : pandas.DataFrame
        Journey variants (the sequence of distinct stages a person went
        through, e.g. ``"discovery > first_contact"``): ``path``, ``people``,
        ``share``, ``cumulative_share``; most common first.
    level : {"stage", "touch"}
        ``"stage"``: consecutive touches in the same stage count as one visit;
        ``"touch"``: every touch is a step, so the diagonal holds "stayed".
    stages : tuple of str
        Stage order.
    n_people : int
        People in the log.
    """

    counts: pd.DataFrame
    probabilities: pd.DataFrame
    variants: pd.DataFrame
    level: str
    stages: tuple[str, ...]
    n_people: int

    def summary(self) -> pd.DataFrame:
        """Transition probabilities as a long table (from, to, moves, probability)."""
        long = self.counts.stack().rename("moves").reset_index()
        long.columns = ["from_stage", "to_stage", "moves"]
        probs = self.probabilities.stack(future_stack=True).to_numpy()
        long["probability"] = probs
        return long.loc[long["moves"] > 0].reset_index(drop=True)


def stage_transitions(
    events: pd.DataFrame,
    *,
    level: Literal["stage", "touch"] = "stage",
    path_separator: str = " > ",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    stage_col: str = "stage",
    stages: Sequence[str] = STAGES,
) -> StageTransitions:
    """Empirical transition matrix between stages (with exits) and the common journeys.

    Each person's touches, in time order, form a chain of stages ending in
    ``"exit"`` after the last touch. ``"exit"`` therefore includes people who
    left *and* people still on their way when the log ends (censoring); compare
    :func:`time_to_stage` for a censoring-aware view of timing.

    Parameters
    ----------
    events : pandas.DataFrame
        Event log, one row per touch.
    level : {"stage", "touch"}
        ``"stage"`` collapses repeated touches in one stage into one visit (the
        matrix then shows where people go *next*); ``"touch"`` keeps every
        touch, so the diagonal is the chance of another touch in the same stage.
    path_separator : str
        Separator used in the ``path`` strings of the variants table.
    customer_col, time_col, stage_col, stages
        Column names and stage order, as in :func:`stage_funnel`.

    Returns
    -------
    StageTransitions

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "B"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]),
    ...     "stage": ["discovery", "first_contact", "discovery"],
    ... })
    >>> stage_transitions(log).probabilities.loc["discovery", "first_contact"]
    np.float64(0.5)
    """
    if level not in ("stage", "touch"):
        raise ValueError(f"level must be 'stage' or 'touch', got {level!r}")
    clean = checked_events(
        events, customer_col=customer_col, time_col=time_col, stage_col=stage_col, stages=stages
    )
    order = tuple(stages)
    person = clean[customer_col].to_numpy()
    rank = clean["stage_rank"].to_numpy()
    new_person = np.r_[True, person[1:] != person[:-1]]
    if level == "stage":
        keep = new_person | np.r_[True, rank[1:] != rank[:-1]]
        person, rank = person[keep], rank[keep]
        new_person = np.r_[True, person[1:] != person[:-1]]
    exit_code = len(order)
    last_of_person = np.r_[new_person[1:], True]
    next_rank = np.where(last_of_person, exit_code, np.r_[rank[1:], exit_code])
    matrix = np.zeros((len(order), len(order) + 1), dtype="int64")
    np.add.at(matrix, (rank, next_rank), 1)
    columns = [*order, EXIT]
    counts = pd.DataFrame(matrix, index=pd.Index(order, name="from_stage"), columns=columns)
    counts.columns.name = "to_stage"
    totals = counts.sum(axis=1).to_numpy()
    probabilities = pd.DataFrame(
        np.divide(
            matrix,
            totals[:, None],
            out=np.full(matrix.shape, np.nan),
            where=totals[:, None] > 0,
        ),
        index=counts.index,
        columns=counts.columns,
    )
    variants = _variants(clean, customer_col=customer_col, order=order, separator=path_separator)
    return StageTransitions(
        counts=counts,
        probabilities=probabilities,
        variants=variants,
        level=level,
        stages=order,
        n_people=int(clean[customer_col].nunique()),
    )


def _variants(
    clean: pd.DataFrame, *, customer_col: str, order: tuple[str, ...], separator: str
) -> pd.DataFrame:
    person = clean[customer_col].to_numpy()
    rank = clean["stage_rank"].to_numpy()
    first_in_run = np.r_[True, (person[1:] != person[:-1]) | (rank[1:] != rank[:-1])]
    runs = pd.DataFrame({"person": person[first_in_run], "rank": rank[first_in_run]})
    names = np.asarray(order, dtype=object)
    runs["stage"] = names[runs["rank"].to_numpy()]
    paths = runs.groupby("person", sort=False)["stage"].agg(separator.join)
    table = paths.value_counts().rename_axis("path").rename("people").reset_index()
    table = table.sort_values(["people", "path"], ascending=[False, True], kind="mergesort")
    table["share"] = table["people"] / table["people"].sum()
    table["cumulative_share"] = table["share"].cumsum().clip(upper=1.0)
    return table.reset_index(drop=True)


def advance_rates(
    events: pd.DataFrame,
    *,
    by: str | None = "channel",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    stage_col: str = "stage",
    stages: Sequence[str] = STAGES,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Touch-level chances to advance, stay or exit, per stage (and channel).

    After each touch in stage *s* (made through channel *c*), the person's
    next touch is either in a later stage (**advance**), in the same stage
    (**stay**: another touch) or there is none (**exit**). The share of each
    outcome estimates P(advance | s, c), P(stay | s, c) and P(exit | s, c) of a
    first-order journey model. Touches at the end of an observation window
    count as exits, so these rates are accurate only when journeys are complete.

    Parameters
    ----------
    events : pandas.DataFrame
        Event log, one row per touch.
    by : str or None
        Column describing the touch (default ``"channel"``); ``None`` gives
        one row per stage.
    customer_col, time_col, stage_col, stages
        Column names and stage order.
    alpha : float
        1 − confidence level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        ``stage``, [``by`` column,] ``touches``, ``advance``, ``stay``, ``exit``
        (counts), ``p_advance``, ``advance_ci_low``, ``advance_ci_high``,
        ``p_stay``, ``p_exit``, ``se_advance`` (binomial standard error).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "B"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]),
    ...     "stage": ["discovery", "first_contact", "discovery"],
    ...     "channel": ["search", "email", "social"],
    ... })
    >>> advance_rates(log).query("stage == 'discovery'")["p_advance"].tolist()
    [1.0, 0.0]
    """
    alpha = check_alpha(alpha)
    extra = [by] if by is not None else []
    clean = checked_events(
        events,
        customer_col=customer_col,
        time_col=time_col,
        stage_col=stage_col,
        stages=stages,
        extra_cols=extra,
    )
    order = tuple(stages)
    person = clean[customer_col].to_numpy()
    rank = clean["stage_rank"].to_numpy()
    last_of_person = np.r_[person[1:] != person[:-1], True]
    next_rank = np.r_[rank[1:], -1]
    outcome = np.where(last_of_person, "exit", np.where(next_rank > rank, "advance", "stay"))
    touches = pd.DataFrame({"stage_rank": rank, "outcome": outcome})
    keys = ["stage_rank"]
    if by is not None:
        touches[by] = clean[by].to_numpy()
        keys.append(by)
    table = (
        touches.groupby(keys, sort=True)["outcome"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=["advance", "stay", "exit"], fill_value=0)
        .reset_index()
    )
    table.columns.name = None
    table.insert(0, "stage", np.asarray(order, dtype=object)[table["stage_rank"].to_numpy()])
    table = table.drop(columns="stage_rank")
    n = table[["advance", "stay", "exit"]].sum(axis=1).to_numpy()
    table.insert(len(keys), "touches", n.astype("int64"))
    adv = table["advance"].to_numpy(dtype=float)
    table["p_advance"] = adv / n
    table["advance_ci_low"], table["advance_ci_high"] = wilson(adv, n, alpha)
    table["p_stay"] = table["stay"] / n
    table["p_exit"] = table["exit"] / n
    table["se_advance"] = np.sqrt(table["p_advance"] * (1 - table["p_advance"]) / n)
    return table.reset_index(drop=True)
