"""Which channels (touchpoints) deserve credit for conversions: heuristics and Markov chains.

Input is either a raw event log (one row per touch; each person's touches
before the conversion stage form their path) or an aggregated table with
columns ``path`` (touchpoints joined by ``" > "``), ``conversions`` and
``non_conversions``.

Heuristic rules split each conversion over the touches of its path:

* **first touch** — all credit to the first touch;
* **last touch** — all credit to the last touch before conversion;
* **linear** — equal credit to every touch;
* **time decay** — credit proportional to ``2 ** (-days_before / half_life_days)``
  (needs touch times, so raw events only).

The **Markov-chain removal effect** (Anderl et al., 2016) models paths as a
first-order chain ``(start) → touchpoints → (conversion) | (null)``. Its
conversion probability *P* and, for each touchpoint *c*, the probability
*P₋c* when *c* is removed (its visits lead nowhere) are computed exactly from
absorbing-chain algebra: with *Q* the transient-to-transient and *R* the
transient-to-absorbing probabilities, absorption probabilities solve
``(I − Q) B = R`` (the fundamental matrix ``N = (I − Q)⁻¹`` times ``R``), no
simulation. The removal effect is ``1 − P₋c / P``; conversions are shared in
proportion to the removal effects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib.journey._common import checked_events
from portfolio_lib.journey.stages import STAGES

__all__ = [
    "NO_TOUCH",
    "START",
    "CONVERSION",
    "NULL",
    "conversion_paths",
    "heuristic_attribution",
    "MarkovAttribution",
    "markov_attribution",
    "AttributionComparison",
    "compare_attribution",
]

NO_TOUCH = "(no touch)"
"""Pseudo-touchpoint for a conversion with no touch (in the attribution window) before it."""
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
PATH_COLUMNS = ("path", "conversions", "non_conversions")
HEURISTICS = ("first_touch", "last_touch", "linear", "time_decay")


@dataclass(frozen=True)
class _Journeys:
    """Internal: one row per touch and one row per journey (path)."""

    touches: pd.DataFrame  # journey, position, touchpoint, days_before (NaN if unknown)
    journeys: pd.DataFrame  # journey, conversions, non_conversions, length
    has_times: bool


# ---------------------------------------------------------------------------------------------
# Building paths
# ---------------------------------------------------------------------------------------------


def _journeys_from_paths(paths: pd.DataFrame, separator: str) -> _Journeys:
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
    return _Journeys(touches=touches, journeys=journeys, has_times=False)


def _journeys_from_events(
    events: pd.DataFrame,
    *,
    touchpoint_col: str,
    conversion_stage: str,
    window_days: float | None,
    customer_col: str,
    time_col: str,
    stage_col: str,
    stages: Sequence[str],
) -> _Journeys:
    order = tuple(stages)
    if conversion_stage not in order:
        raise ValueError(f"conversion_stage {conversion_stage!r} is not one of {list(order)}")
    if window_days is not None and not window_days > 0:
        raise ValueError(
            f"window_days must be a positive number of days or None, got {window_days}"
        )
    require_columns(events, [customer_col, time_col, stage_col, touchpoint_col], name="events")
    clean = checked_events(
        events, customer_col=customer_col, time_col=time_col, stage_col=stage_col, stages=order
    )
    conv_rank = order.index(conversion_stage)
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
    return _Journeys(touches=touches, journeys=journeys, has_times=True)


def _as_journeys(
    data: pd.DataFrame,
    *,
    separator: str,
    touchpoint_col: str,
    conversion_stage: str,
    window_days: float | None,
    customer_col: str,
    time_col: str,
    stage_col: str,
    stages: Sequence[str],
) -> _Journeys:
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"data must be a pandas DataFrame (events or paths), got {type(data).__name__}"
        )
    if set(PATH_COLUMNS) <= set(data.columns):
        if window_days is not None:
            raise ValueError("window_days needs touch times: pass raw events, not aggregated paths")
        return _journeys_from_paths(data, separator)
    return _journeys_from_events(
        data,
        touchpoint_col=touchpoint_col,
        conversion_stage=conversion_stage,
        window_days=window_days,
        customer_col=customer_col,
        time_col=time_col,
        stage_col=stage_col,
        stages=stages,
    )


def conversion_paths(
    events: pd.DataFrame,
    *,
    touchpoint_col: str = "channel",
    conversion_stage: str = "purchase",
    window_days: float | None = None,
    separator: str = " > ",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    stage_col: str = "stage",
    stages: Sequence[str] = STAGES,
) -> pd.DataFrame:
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
    touchpoint_col : str
        What a touch is credited to (``"channel"``, ``"campaign_id"``, ...).
        Must be non-missing on the touches used.
    conversion_stage : str
        Stage that counts as converting (default ``"purchase"``).
    window_days : float, optional
        Attribution window in days (``None``: all touches).
    separator : str
        Joins the touchpoints of a path.
    customer_col, time_col, stage_col, stages
        Column names and stage order.

    Returns
    -------
    pandas.DataFrame
        ``path``, ``conversions``, ``non_conversions`` (people), most frequent first.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "B"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]),
    ...     "stage": ["discovery", "purchase", "discovery"],
    ...     "channel": ["search", "store", "social"],
    ... })
    >>> conversion_paths(log)[["path", "conversions"]].values.tolist()
    [['search', 1], ['social', 0]]
    """
    journeys = _journeys_from_events(
        events,
        touchpoint_col=touchpoint_col,
        conversion_stage=conversion_stage,
        window_days=window_days,
        customer_col=customer_col,
        time_col=time_col,
        stage_col=stage_col,
        stages=stages,
    )
    paths = journeys.touches.groupby("journey", sort=True)["touchpoint"].agg(separator.join)
    table = journeys.journeys.set_index("journey").assign(path=paths)
    out = table.groupby("path", sort=True)[["conversions", "non_conversions"]].sum().astype("int64")
    out["people"] = out["conversions"] + out["non_conversions"]
    out = out.sort_values("people", ascending=False, kind="mergesort").drop(columns="people")
    return out.reset_index()


# ---------------------------------------------------------------------------------------------
# Heuristics
# ---------------------------------------------------------------------------------------------


def _heuristic_credits(journeys: _Journeys, half_life_days: float | None) -> pd.DataFrame:
    touches = journeys.touches.merge(journeys.journeys, on="journey", how="left")
    conv = touches["conversions"].to_numpy(dtype=float)
    weights = {
        "first_touch": (touches["position"] == 0).to_numpy(dtype=float),
        "last_touch": (touches["position"] == touches["length"] - 1).to_numpy(dtype=float),
        "linear": 1.0 / touches["length"].to_numpy(dtype=float),
    }
    if half_life_days is not None:
        raw = np.exp2(-touches["days_before"].to_numpy(dtype=float) / half_life_days)
        totals = pd.Series(raw).groupby(touches["journey"].to_numpy()).transform("sum")
        weights["time_decay"] = raw / totals.to_numpy()
    credit = pd.DataFrame({model: w * conv for model, w in weights.items()})
    credit["touchpoint"] = touches["touchpoint"].to_numpy()
    table = credit.groupby("touchpoint", sort=True).sum()
    table.columns.name = "model"
    return table


def _check_half_life(half_life_days: float | None, journeys: _Journeys) -> None:
    if half_life_days is None:
        return
    if not (np.isfinite(half_life_days) and half_life_days > 0):
        raise ValueError(f"half_life_days must be a positive number of days, got {half_life_days}")
    if not journeys.has_times:
        raise ValueError(
            "time-decay attribution needs touch times: pass raw events (not aggregated "
            "paths) or half_life_days=None"
        )


def _total_conversions(journeys: _Journeys) -> float:
    total = float(journeys.journeys["conversions"].sum())
    if total <= 0:
        raise DataValidationError(
            "data: column 'conversions' sums to 0 — there is nothing to attribute "
            "(no person reached the conversion stage)"
        )
    return total


def heuristic_attribution(
    data: pd.DataFrame,
    *,
    half_life_days: float | None = None,
    touchpoint_col: str = "channel",
    conversion_stage: str = "purchase",
    window_days: float | None = None,
    separator: str = " > ",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    stage_col: str = "stage",
    stages: Sequence[str] = STAGES,
) -> pd.DataFrame:
    """Conversions credited to each touchpoint by first-touch, last-touch, linear and time-decay rules.

    Parameters
    ----------
    data : pandas.DataFrame
        Raw events, or aggregated paths with columns ``path``, ``conversions``,
        ``non_conversions`` (detected by those columns).
    half_life_days : float, optional
        Half-life in days of the time-decay rule: a touch ``half_life_days``
        before conversion gets half the weight of a touch at conversion.
        ``None`` leaves the time-decay column out. Raw events only.
    touchpoint_col, conversion_stage, window_days, separator
        See :func:`conversion_paths`.
    customer_col, time_col, stage_col, stages
        Column names and stage order (raw events only).

    Returns
    -------
    pandas.DataFrame
        Index ``touchpoint``; columns ``first_touch``, ``last_touch``, ``linear``
        [, ``time_decay``]: conversions credited. Each column sums to the total
        number of conversions.

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"path": ["a", "b", "a > b"],
    ...                       "conversions": [2, 1, 1], "non_conversions": [1, 0, 0]})
    >>> heuristic_attribution(paths)["linear"].tolist()
    [2.5, 1.5]
    """
    journeys = _as_journeys(
        data,
        separator=separator,
        touchpoint_col=touchpoint_col,
        conversion_stage=conversion_stage,
        window_days=window_days,
        customer_col=customer_col,
        time_col=time_col,
        stage_col=stage_col,
        stages=stages,
    )
    _check_half_life(half_life_days, journeys)
    _total_conversions(journeys)
    return _heuristic_credits(journeys, half_life_days)


# ---------------------------------------------------------------------------------------------
# Markov chain
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkovAttribution:
    """Markov-chain (removal effect) attribution; see :func:`markov_attribution`.

    Attributes
    ----------
    conversion_probability : float
        P(reaching ``(conversion)`` from ``(start)``) in the fitted chain.
    removal_probability : pandas.Series
        The same probability with each touchpoint removed.
    removal_effects : pandas.Series
        ``1 − removal_probability / conversion_probability`` per touchpoint.
    shares : pandas.Series
        Removal effects normalised to sum to 1.
    conversions : pandas.Series
        ``shares × total_conversions``.
    total_conversions : float
        Conversions in the data.
    transition_matrix : pandas.DataFrame
        Estimated transition probabilities between states (rows sum to 1;
        absorbing states ``(conversion)`` and ``(null)`` loop to themselves).
    """

    conversion_probability: float
    removal_probability: pd.Series
    removal_effects: pd.Series
    shares: pd.Series
    conversions: pd.Series
    total_conversions: float
    transition_matrix: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Per touchpoint: removal effect, share and attributed conversions."""
        return pd.DataFrame(
            {
                "removal_effect": self.removal_effects,
                "share": self.shares,
                "conversions": self.conversions,
            }
        )


def _transition_counts(journeys: _Journeys) -> pd.DataFrame:
    touches = journeys.touches.merge(journeys.journeys, on="journey", how="left")
    weight = (touches["conversions"] + touches["non_conversions"]).to_numpy(dtype=float)
    nxt = touches.groupby("journey")["touchpoint"].shift(-1)
    is_first = (touches["position"] == 0).to_numpy()
    is_last = nxt.isna().to_numpy()
    moves = [
        pd.DataFrame(  # (start) -> first touch
            {"src": START, "dst": touches["touchpoint"], "w": weight}
        ).loc[is_first],
        pd.DataFrame(  # touch -> next touch
            {"src": touches["touchpoint"], "dst": nxt, "w": weight}
        ).loc[~is_last],
        pd.DataFrame(  # last touch -> (conversion)
            {"src": touches["touchpoint"], "dst": CONVERSION, "w": touches["conversions"]}
        ).loc[is_last],
        pd.DataFrame(  # last touch -> (null)
            {"src": touches["touchpoint"], "dst": NULL, "w": touches["non_conversions"]}
        ).loc[is_last],
    ]
    table = pd.concat(moves, ignore_index=True)
    table = table.loc[table["w"] > 0]
    return table.groupby(["src", "dst"], sort=True)["w"].sum().unstack(fill_value=0.0)


def _absorption_probability(q: np.ndarray, r_conv: np.ndarray, keep: np.ndarray) -> float:
    """P(absorb in conversion | start = state 0) using only transient states in ``keep``."""
    idx = np.flatnonzero(keep)
    sub_q = q[np.ix_(idx, idx)]
    solution = np.linalg.solve(np.eye(len(idx)) - sub_q, r_conv[idx])
    return float(solution[0])


def _markov(journeys: _Journeys) -> MarkovAttribution:
    total = _total_conversions(journeys)
    counts = _transition_counts(journeys)
    touchpoints = sorted(set(journeys.touches["touchpoint"]) & set(counts.index))
    transient = [START, *touchpoints]
    states = [*transient, CONVERSION, NULL]
    counts = counts.reindex(index=states, columns=states, fill_value=0.0).fillna(0.0)
    counts.loc[CONVERSION, CONVERSION] = 1.0
    counts.loc[NULL, NULL] = 1.0
    matrix = counts.div(counts.sum(axis=1), axis=0)
    n = len(transient)
    q = matrix.iloc[:n, :n].to_numpy()
    r_conv = matrix.iloc[:n][CONVERSION].to_numpy()
    everything = np.ones(n, dtype=bool)
    p_all = _absorption_probability(q, r_conv, everything)
    removed = {}
    for i, name in enumerate(touchpoints, start=1):
        keep = everything.copy()
        keep[i] = False
        removed[name] = _absorption_probability(q, r_conv, keep)
    removal_probability = pd.Series(removed, name="removal_probability", dtype=float)
    removal_probability.index.name = "touchpoint"
    effects = (1.0 - removal_probability / p_all).clip(lower=0.0).rename("removal_effect")
    shares = (effects / effects.sum()).rename("share")
    return MarkovAttribution(
        conversion_probability=p_all,
        removal_probability=removal_probability,
        removal_effects=effects,
        shares=shares,
        conversions=(shares * total).rename("conversions"),
        total_conversions=total,
        transition_matrix=matrix,
    )


def markov_attribution(
    data: pd.DataFrame,
    *,
    touchpoint_col: str = "channel",
    conversion_stage: str = "purchase",
    window_days: float | None = None,
    separator: str = " > ",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    stage_col: str = "stage",
    stages: Sequence[str] = STAGES,
) -> MarkovAttribution:
    """First-order Markov-chain attribution by removal effect, computed exactly.

    Each path ``t1 > t2 > … > tk`` adds the moves ``(start) → t1 → … → tk``
    (weighted by its conversions + non-conversions), ``tk → (conversion)``
    (weighted by conversions) and ``tk → (null)`` (non-conversions). Row
    shares of these counts form the chain. Absorption probabilities come from
    a linear solve of ``(I − Q) x = r``; removing touchpoint *c* deletes its
    state, so visits to it end in ``(null)``.

    Parameters
    ----------
    data : pandas.DataFrame
        Raw events, or aggregated paths (``path``, ``conversions``,
        ``non_conversions``).
    touchpoint_col, conversion_stage, window_days, separator
        See :func:`conversion_paths`.
    customer_col, time_col, stage_col, stages
        Column names and stage order (raw events only).

    Returns
    -------
    MarkovAttribution

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"path": ["google_ads", "mailing", "google_ads > mailing"],
    ...                       "conversions": [2, 1, 1], "non_conversions": [1, 0, 0]})
    >>> result = markov_attribution(paths)
    >>> round(result.conversion_probability, 6)
    0.8
    >>> result.conversions.round(6).tolist()
    [2.4, 1.6]
    """
    journeys = _as_journeys(
        data,
        separator=separator,
        touchpoint_col=touchpoint_col,
        conversion_stage=conversion_stage,
        window_days=window_days,
        customer_col=customer_col,
        time_col=time_col,
        stage_col=stage_col,
        stages=stages,
    )
    return _markov(journeys)


@dataclass(frozen=True)
class AttributionComparison:
    """Credits of several attribution models side by side (:func:`compare_attribution`).

    Attributes
    ----------
    conversions : pandas.DataFrame
        Index ``touchpoint``; one column per model (``first_touch``,
        ``last_touch``, ``linear``, [``time_decay``,] ``markov``): conversions credited.
    total_conversions : float
        Conversions in the data (each column sums to it).
    markov : MarkovAttribution
        The full Markov result.
    half_life_days : float or None
        Half-life used for time decay.
    window_days : float or None
        Attribution window used (raw events only).
    """

    conversions: pd.DataFrame
    total_conversions: float
    markov: MarkovAttribution
    half_life_days: float | None
    window_days: float | None

    @property
    def shares(self) -> pd.DataFrame:
        """Credits as shares of all conversions (each column sums to 1)."""
        return self.conversions / self.total_conversions

    def summary(self) -> pd.DataFrame:
        """Shares per touchpoint and model."""
        return self.shares


def compare_attribution(
    data: pd.DataFrame,
    *,
    half_life_days: float | None = None,
    touchpoint_col: str = "channel",
    conversion_stage: str = "purchase",
    window_days: float | None = None,
    separator: str = " > ",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    stage_col: str = "stage",
    stages: Sequence[str] = STAGES,
) -> AttributionComparison:
    """Run the heuristic rules and the Markov model on the same paths.

    Parameters are those of :func:`heuristic_attribution` and
    :func:`markov_attribution`.

    Returns
    -------
    AttributionComparison

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"path": ["a", "b", "a > b"],
    ...                       "conversions": [2, 1, 1], "non_conversions": [1, 0, 0]})
    >>> compare_attribution(paths).conversions.round(6).to_dict("index")["a"]
    {'first_touch': 3.0, 'last_touch': 2.0, 'linear': 2.5, 'markov': 2.4}
    """
    journeys = _as_journeys(
        data,
        separator=separator,
        touchpoint_col=touchpoint_col,
        conversion_stage=conversion_stage,
        window_days=window_days,
        customer_col=customer_col,
        time_col=time_col,
        stage_col=stage_col,
        stages=stages,
    )
    _check_half_life(half_life_days, journeys)
    markov = _markov(journeys)
    table = _heuristic_credits(journeys, half_life_days)
    table["markov"] = markov.conversions.reindex(table.index).fillna(0.0)
    return AttributionComparison(
        conversions=table,
        total_conversions=markov.total_conversions,
        markov=markov,
        half_life_days=half_life_days,
        window_days=window_days,
    )
