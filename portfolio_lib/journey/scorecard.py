"""Stage scorecard: one row per hand-over between stages, for a manager's action list.

Brings together two results computed earlier — the people-level funnel
(:func:`~portfolio_lib.journey.stage_funnel`) and the touch-level advance rates
by channel (:func:`~portfolio_lib.journey.advance_rates`) — into one table per
hand-over (``discovery → first_contact``, ...): how many people reached the
stage, how many moved on, how many stopped there, and through which channel a
touch in that stage most (and least) often led to the next stage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns

__all__ = ["stage_scorecard"]

_FUNNEL_COLUMNS = ("stage", "label", "reached", "step_conversion", "step_ci_low", "step_ci_high")
_RATE_COLUMNS = ("stage", "touches", "p_advance")


def stage_scorecard(
    funnel: pd.DataFrame,
    rates: pd.DataFrame,
    *,
    channel_col: str = "channel",
    min_touches: int = 30,
) -> pd.DataFrame:
    """One row per stage hand-over: who moved on, who stopped, which channel moves people on.

    Parameters
    ----------
    funnel : pandas.DataFrame
        Output of :func:`~portfolio_lib.journey.stage_funnel` *without* ``by``
        (one row per stage, in journey order).
    rates : pandas.DataFrame
        Output of :func:`~portfolio_lib.journey.advance_rates` with
        ``by=channel_col`` (one row per stage and channel).
    channel_col : str
        The channel column of ``rates``.
    min_touches : int
        A channel is ranked in a stage only if it has at least this many
        touches there (fewer give too noisy a rate); no channel qualifying gives
        a missing best / worst channel.

    Returns
    -------
    pandas.DataFrame
        One row per stage except the last: ``stage``, ``label``, ``next_stage``,
        ``reached`` (people reaching the stage or a later one), ``moved_on``
        (people reaching the next stage or a later one), ``stopped``
        (``reached − moved_on``), ``move_on_rate`` (``moved_on / reached``)
        with its Wilson interval ``move_on_ci_low`` / ``move_on_ci_high``
        (from the funnel), ``channels_ranked`` (channels with at least
        ``min_touches`` touches in the stage), ``best_channel`` /
        ``best_p_advance`` and ``worst_channel`` / ``worst_p_advance`` (the
        channels whose touches in the stage were most / least often followed by
        a later stage; touch-level shares from ``rates``), and ``channel_gap``
        (``best_p_advance − worst_p_advance``).

    Raises
    ------
    DataValidationError
        A column is missing, ``funnel`` is grouped or a stage of ``rates`` is
        not in ``funnel``.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.journey import advance_rates, stage_funnel
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "B", "C"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-01"]),
    ...     "stage": ["discovery", "first_contact", "discovery", "discovery"],
    ...     "channel": ["search", "email", "social", "search"],
    ... })
    >>> card = stage_scorecard(stage_funnel(log), advance_rates(log), min_touches=1)
    >>> card.loc[0, ["reached", "moved_on", "stopped"]].astype(int).tolist()
    [3, 1, 2]
    >>> str(card.loc[0, "best_channel"]), float(card.loc[0, "best_p_advance"])
    ('search', 0.5)
    """
    if not (isinstance(min_touches, int | np.integer) and min_touches >= 1):
        raise ValueError(f"min_touches must be a positive whole number, got {min_touches!r}")
    require_columns(funnel, list(_FUNNEL_COLUMNS), name="funnel")
    require_columns(rates, [*_RATE_COLUMNS, channel_col], name="rates")
    if "group" in funnel.columns:
        raise DataValidationError(
            "funnel: column 'group' is present — pass the funnel of all people "
            "(stage_funnel without by=), not one split by group"
        )
    raise_for_rows(
        funnel,
        funnel["stage"].duplicated(keep=False).to_numpy(),
        column="stage",
        problem="appears more than once (one row per stage expected)",
        name="funnel",
    )
    order = list(funnel["stage"])
    raise_for_rows(
        rates,
        ~rates["stage"].isin(order).to_numpy(),
        column="stage",
        problem=f"is not one of the funnel's stages {order}",
        name="rates",
    )
    funnel = funnel.reset_index(drop=True)
    rates = rates.reset_index(drop=True)
    for frame, column, name in ((funnel, "reached", "funnel"), (rates, "touches", "rates")):
        counts = _validate.numeric(frame, column, name=name)  # text such as '12' refused
        raise_for_rows(
            frame, ((counts < 0) | (counts != counts.round())).to_numpy(), column=column,
            problem="must hold whole numbers >= 0 (counts of people or touches)", name=name,
        )  # fmt: skip
    _validate.numeric(rates, "p_advance", name="rates")
    reached = funnel["reached"].to_numpy(dtype="int64")
    rows = []
    for k in range(len(order) - 1):
        stage = order[k]
        here = rates.loc[(rates["stage"] == stage) & (rates["touches"] >= min_touches)]
        here = here.sort_values(["p_advance", channel_col], ascending=[False, True])
        has = not here.empty
        best = here.iloc[0] if has else None
        worst = here.iloc[-1] if has else None
        rows.append(
            {
                "stage": stage,
                "label": funnel.loc[k, "label"],
                "next_stage": order[k + 1],
                "reached": reached[k],
                "moved_on": reached[k + 1],
                "stopped": reached[k] - reached[k + 1],
                "move_on_rate": float(funnel.loc[k + 1, "step_conversion"]),
                "move_on_ci_low": float(funnel.loc[k + 1, "step_ci_low"]),
                "move_on_ci_high": float(funnel.loc[k + 1, "step_ci_high"]),
                "channels_ranked": len(here),
                "best_channel": best[channel_col] if has else None,
                "best_p_advance": float(best["p_advance"]) if has else np.nan,
                "worst_channel": worst[channel_col] if has else None,
                "worst_p_advance": float(worst["p_advance"]) if has else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    table["channel_gap"] = table["best_p_advance"] - table["worst_p_advance"]
    return table
