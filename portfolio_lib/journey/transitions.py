"""Stage-to-stage transitions, journey variants, advance rates and channel effects.

A journey is a chain of touches. After each touch in stage *s* through channel
*c* the person advances to a later stage, stays (another touch in the same
stage) or exits. :func:`stage_transitions` tabulates where people go;
:func:`advance_rates` estimates P(advance | s, c), P(stay | s, c) and
P(exit | s, c) directly; :func:`channel_effects` fits a multinomial logit to
summarise how much each channel moves people on, across stages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from typing_extensions import Unpack

from portfolio_lib._errors import DataValidationError
from portfolio_lib.journey._common import check_alpha, checked_events, undefined_note, wilson
from portfolio_lib.journey._options import EventColumnArgs, EventColumns, takes_options

__all__ = [
    "EXIT",
    "StageTransitions",
    "stage_transitions",
    "advance_rates",
    "ChannelEffects",
    "channel_effects",
]

EXIT = "exit"
"""Name of the pseudo-stage after a person's last touch (left, or not yet seen again)."""


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
    note : str
        Names the stages whose row of ``probabilities`` is NaN (nobody visited them, e.g.
        in a log of one person); empty when every stage was visited.
    """

    counts: pd.DataFrame
    probabilities: pd.DataFrame
    variants: pd.DataFrame
    level: str
    stages: tuple[str, ...]
    n_people: int
    note: str = ""

    def summary(self) -> pd.DataFrame:
        """Transition probabilities as a long table (from, to, moves, probability)."""
        long = self.counts.stack().rename("moves").reset_index()
        long.columns = ["from_stage", "to_stage", "moves"]
        probs = self.probabilities.stack(future_stack=True).to_numpy()
        long["probability"] = probs
        return long.loc[long["moves"] > 0].reset_index(drop=True)


@takes_options(EventColumns)
def stage_transitions(
    events: pd.DataFrame,
    *,
    level: Literal["stage", "touch"] = "stage",
    path_separator: str = " > ",
    **columns: Unpack[EventColumnArgs],
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
    {options}

    Returns
    -------
    StageTransitions

    Examples
    --------
    >>> from portfolio_lib.journey import example_events
    >>> stage_transitions(example_events()).probabilities.loc["discovery", "first_contact"]
    np.float64(0.5)
    """
    if level not in ("stage", "touch"):
        raise ValueError(f"level must be 'stage' or 'touch', got {level!r}")
    cols = EventColumns(**columns)
    clean = checked_events(events, **cols.columns())
    order, customer_col = tuple(cols.stages), cols.customer_col
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
        note=undefined_note(
            list(counts.index[totals == 0]), "the row of probabilities", "nobody visited the stage"
        ),
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


def _touch_outcomes(clean: pd.DataFrame, *, customer_col: str) -> np.ndarray:
    """For each touch of a sorted, validated log: "advance", "stay" or "exit"."""
    person = clean[customer_col].to_numpy()
    rank = clean["stage_rank"].to_numpy()
    last_of_person = np.r_[person[1:] != person[:-1], True]
    next_rank = np.r_[rank[1:], -1]
    return np.where(last_of_person, "exit", np.where(next_rank > rank, "advance", "stay"))


@takes_options(EventColumns)
def advance_rates(
    events: pd.DataFrame,
    *,
    by: str | None = "channel",
    alpha: float = 0.05,
    **columns: Unpack[EventColumnArgs],
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
    alpha : float
        1 − confidence level of the Wilson intervals.
    {options}

    Returns
    -------
    pandas.DataFrame
        ``stage``, [``by`` column,] ``touches``, ``advance``, ``stay``, ``exit``
        (counts), ``p_advance``, ``advance_ci_low``, ``advance_ci_high``,
        ``p_stay``, ``p_exit``, ``se_advance`` (binomial standard error).

    Examples
    --------
    >>> from portfolio_lib.journey import example_events
    >>> advance_rates(example_events()).query("stage == 'discovery'")["p_advance"].tolist()
    [1.0, 0.5]
    """
    alpha = check_alpha(alpha)
    cols = EventColumns(**columns)
    clean = checked_events(events, **cols.columns(), extra_cols=[by] if by is not None else [])
    order = tuple(cols.stages)
    touches = pd.DataFrame(
        {
            "stage_rank": clean["stage_rank"].to_numpy(),
            "outcome": _touch_outcomes(clean, customer_col=cols.customer_col),
        }
    )
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


@dataclass(frozen=True)
class ChannelEffects:
    """Multinomial-logit channel effects on the next step of a journey (:func:`channel_effects`).

    The model, for a touch in stage *s* through channel *c*::

        log P(advance) / P(exit) = a_s + b_c
        log P(stay)    / P(exit) = d_s + e_c

    with ``b_reference = e_reference = 0``. Only differences between channels
    are identified, so effects are relative to the ``reference`` channel.

    Attributes
    ----------
    effects : pandas.DataFrame
        ``outcome`` (``"advance"``/``"stay"``, those that occur), ``channel``, ``estimate`` (log-odds
        against exit, relative to ``reference``), ``se``, ``ci_low``, ``ci_high``,
        ``p_value``. The reference channel is listed with estimate 0 and NaN SE.
    stage_logits : pandas.DataFrame
        ``outcome``, ``stage``, ``estimate``, ``se``: the stage intercepts
        (log-odds against exit for a touch through the reference channel).
    reference : str
        Reference channel.
    stages : tuple of str
        Stages whose touches were modelled.
    n_touches : int
        Touches in the model.
    log_likelihood, aic : float
        Fit statistics.
    """

    effects: pd.DataFrame
    stage_logits: pd.DataFrame
    reference: str
    stages: tuple[str, ...]
    n_touches: int
    log_likelihood: float
    aic: float

    def summary(self) -> pd.DataFrame:
        """The channel effects table."""
        return self.effects


@takes_options(EventColumns)
def channel_effects(
    events: pd.DataFrame,
    *,
    reference: str | None = None,
    model_stages: Sequence[str] | None = None,
    channel_col: str = "channel",
    alpha: float = 0.05,
    **columns: Unpack[EventColumnArgs],
) -> ChannelEffects:
    """Fit how each channel shifts the odds to advance or stay (vs exit), across stages.

    A multinomial logit (:class:`statsmodels.discrete.discrete_model.MNLogit`,
    maximum likelihood) of each touch's outcome — exit, advance, stay, as in
    :func:`advance_rates` — on stage intercepts and channel effects. It pools
    the stages, so a channel's effect is estimated from all its touches.

    Parameters
    ----------
    events : pandas.DataFrame
        Event log, one row per touch.
    reference : str, optional
        Channel whose effects are fixed at 0; default the most frequent channel.
    model_stages : sequence of str, optional
        Stages whose touches enter the model; default the stages in which all
        three outcomes occur in the data (e.g. the pre-purchase stages when the
        purchase stage has no repeat touches).
    channel_col : str
        Column of the channel of a touch.
    alpha : float
        1 − confidence level of the intervals.
    {options}

    Returns
    -------
    ChannelEffects

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> rows = []
    >>> for i in range(400):
    ...     channel = ["search", "social"][i % 2]
    ...     rows.append((i, "discovery", channel, 0))
    ...     if rng.random() < (0.6 if channel == "search" else 0.3):
    ...         rows.append((i, "first_contact", "email", 1))
    >>> log = pd.DataFrame(rows, columns=["customer_id", "stage", "channel", "day"])
    >>> log["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(log["day"], unit="D")
    >>> fit = channel_effects(log, reference="social", model_stages=["discovery"])
    >>> bool(fit.effects.query("outcome == 'advance' and channel == 'search'")["estimate"].iloc[0] > 0)
    True
    """
    from scipy import stats
    from statsmodels.discrete.discrete_model import MNLogit

    alpha = check_alpha(alpha)
    cols = EventColumns(**columns)
    clean = checked_events(events, **cols.columns(), extra_cols=[channel_col])
    order = tuple(cols.stages)
    outcomes = _touch_outcomes(clean, customer_col=cols.customer_col)
    touches = pd.DataFrame(
        {
            "stage": clean[cols.stage_col].astype(str).to_numpy(),
            "channel": clean[channel_col].astype(str).to_numpy(),
            "outcome": outcomes,
        }
    )
    if model_stages is None:
        seen = touches.groupby("stage")["outcome"].nunique()
        model_stages = [s for s in order if seen.get(s, 0) == 3]
    model_stages = tuple(model_stages)
    unknown = [s for s in model_stages if s not in order]
    if unknown or not model_stages:
        raise ValueError(
            f"model_stages must be a non-empty subset of {list(order)}; got {list(model_stages)} "
            "(or no stage shows all of advance, stay and exit)"
        )
    touches = touches.loc[touches["stage"].isin(model_stages)]
    channels = sorted(touches["channel"].unique())
    if reference is None:
        reference = str(touches["channel"].value_counts().index[0])
    if reference not in channels:
        raise ValueError(f"reference channel {reference!r} not among the channels {channels}")
    others = [c for c in channels if c != reference]
    used_stages = [s for s in model_stages if (touches["stage"] == s).any()]
    design = pd.DataFrame(
        {f"stage[{s}]": (touches["stage"] == s).to_numpy(dtype=float) for s in used_stages}
        | {f"channel[{c}]": (touches["channel"] == c).to_numpy(dtype=float) for c in others}
    )
    present = [o for o in ("advance", "stay") if (touches["outcome"] == o).any()]
    if not (touches["outcome"] == "exit").any() or not present:
        raise DataValidationError(
            f"events: the touches in stages {list(model_stages)} need exits and at least one "
            "of advance / stay to fit channel effects"
        )
    codes = touches["outcome"].map({"exit": 0, **{o: k + 1 for k, o in enumerate(present)}})
    fit = MNLogit(codes.to_numpy(), design).fit(method="newton", maxiter=100, disp=False)
    params = np.asarray(fit.params)
    ses = np.asarray(fit.bse)
    z = stats.norm.ppf(1 - alpha / 2)
    rows, stage_rows = [], []
    for k, outcome in enumerate(present):
        rows.append({"outcome": outcome, "channel": reference, "estimate": 0.0, "se": np.nan})
        for j, name in enumerate(design.columns):
            if name.startswith("stage["):
                stage_rows.append(
                    {
                        "outcome": outcome,
                        "stage": name[6:-1],
                        "estimate": params[j, k],
                        "se": ses[j, k],
                    }
                )
            else:
                rows.append(
                    {
                        "outcome": outcome,
                        "channel": name[8:-1],
                        "estimate": params[j, k],
                        "se": ses[j, k],
                    }
                )
    effects = pd.DataFrame(rows)
    effects["ci_low"] = effects["estimate"] - z * effects["se"]
    effects["ci_high"] = effects["estimate"] + z * effects["se"]
    effects["p_value"] = 2 * stats.norm.sf(np.abs(effects["estimate"] / effects["se"]))
    return ChannelEffects(
        effects=effects,
        stage_logits=pd.DataFrame(stage_rows),
        reference=reference,
        stages=tuple(used_stages),
        n_touches=len(touches),
        log_likelihood=float(fit.llf),
        aic=float(fit.aic),
    )
