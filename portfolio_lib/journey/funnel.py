"""Stage funnel: people reaching each stage, conversion and drop-off.

Counting rule: a person *reaches* a stage when
they have a touch in that stage **or in any later stage**. Journeys move forward
only, so someone seen at ``decision`` has passed ``discovery`` and
``first_contact`` even if the log missed those touches. Funnel counts are
therefore non-increasing from stage to stage by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from typing_extensions import Unpack

from portfolio_lib.journey._common import check_alpha, checked_events, funnel_table, person_groups
from portfolio_lib.journey._options import EventColumnArgs, EventColumns, takes_options

__all__ = ["stage_funnel"]


@takes_options(EventColumns)
def stage_funnel(
    events: pd.DataFrame,
    *,
    by: str | pd.Series | None = None,
    alpha: float = 0.05,
    **columns: Unpack[EventColumnArgs],
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
    alpha : float
        1 − confidence level of the Wilson intervals (0.05 → 95 %).
    {options}

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
        ``overall_ci_high``. Where no one reached the previous stage (e.g. a log of one
        person) the step conversion is 0/0: ``step_conversion``, its interval and
        ``drop_off_rate`` are NaN there, and ``attrs["note"]`` names those stages.

    Examples
    --------
    >>> from portfolio_lib.journey import example_events
    >>> stage_funnel(example_events())["reached"].tolist()
    [4, 3, 2, 2, 0]
    """
    alpha = check_alpha(alpha)
    cols = EventColumns(**columns)
    clean = checked_events(events, **cols.columns())
    order = tuple(cols.stages)
    groups = person_groups(clean, by, customer_col=cols.customer_col)
    furthest = clean.groupby(cols.customer_col, sort=False)["stage_rank"].max()
    people = pd.DataFrame({"group": groups, "furthest": furthest.reindex(groups.index)})

    reached = (
        (
            group,
            np.array([(members["furthest"] >= k).sum() for k in range(len(order))]),
            len(members),
        )
        for group, members in people.groupby("group", sort=True)
    )
    return funnel_table(reached, order, alpha, grouped=by is not None)
