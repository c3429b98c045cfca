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

from dataclasses import dataclass

import numpy as np
import pandas as pd
from typing_extensions import Unpack

from portfolio_lib._errors import DataValidationError
from portfolio_lib.journey._options import PathArgs, PathOptions, takes_options
from portfolio_lib.journey.paths import Journeys, as_journeys

__all__ = [
    "START",
    "CONVERSION",
    "NULL",
    "heuristic_attribution",
    "MarkovAttribution",
    "markov_attribution",
    "AttributionComparison",
    "compare_attribution",
]

START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
"""Names of the start state and the two absorbing states of the Markov chain."""

# ---------------------------------------------------------------------------------------------
# Heuristics
# ---------------------------------------------------------------------------------------------


def _heuristic_credits(journeys: Journeys, half_life_days: float | None) -> pd.DataFrame:
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


def _check_half_life(half_life_days: float | None, journeys: Journeys) -> None:
    if half_life_days is None:
        return
    if not (np.isfinite(half_life_days) and half_life_days > 0):
        raise ValueError(f"half_life_days must be a positive number of days, got {half_life_days}")
    if not journeys.has_times:
        raise ValueError(
            "time-decay attribution needs touch times: pass raw events (not aggregated "
            "paths) or half_life_days=None"
        )


def _total_conversions(journeys: Journeys) -> float:
    total = float(journeys.journeys["conversions"].sum())
    if total <= 0:
        raise DataValidationError(
            "data: column 'conversions' sums to 0 — there is nothing to attribute "
            "(no person reached the conversion stage)"
        )
    return total


@takes_options(PathOptions)
def heuristic_attribution(
    data: pd.DataFrame,
    *,
    half_life_days: float | None = None,
    **options: Unpack[PathArgs],
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
    {options}

    Returns
    -------
    pandas.DataFrame
        Index ``touchpoint``; columns ``first_touch``, ``last_touch``, ``linear``
        [, ``time_decay``]: conversions credited. Each column sums to the total
        number of conversions.

    Examples
    --------
    >>> from portfolio_lib.journey import example_events
    >>> heuristic_attribution(example_events())["linear"].to_dict()
    {'email': 0.5, 'search': 1.5, 'social': 0.0}
    """
    journeys = as_journeys(data, PathOptions(**options))
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


def _transition_counts(journeys: Journeys) -> pd.DataFrame:
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


def _markov(journeys: Journeys) -> MarkovAttribution:
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


@takes_options(PathOptions)
def markov_attribution(
    data: pd.DataFrame,
    **options: Unpack[PathArgs],
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
    {options}

    Returns
    -------
    MarkovAttribution
        The chain's conversion probability, the removal effects and the conversions they
        credit to each touchpoint (:meth:`MarkovAttribution.summary`).

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
    return _markov(as_journeys(data, PathOptions(**options)))


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


@takes_options(PathOptions)
def compare_attribution(
    data: pd.DataFrame,
    *,
    half_life_days: float | None = None,
    **options: Unpack[PathArgs],
) -> AttributionComparison:
    """Run the heuristic rules and the Markov model on the same paths.

    Parameters
    ----------
    data : pandas.DataFrame
        Raw events, or aggregated paths (``path``, ``conversions``,
        ``non_conversions``).
    half_life_days : float, optional
        As in :func:`heuristic_attribution`.
    {options}

    Returns
    -------
    AttributionComparison
        Conversions credited per touchpoint (rows) and model (columns), with the full
        Markov result.

    Examples
    --------
    >>> from portfolio_lib.journey import example_events
    >>> compare_attribution(example_events()).conversions.round(3).to_dict("index")["email"]
    {'first_touch': 0.0, 'last_touch': 1.0, 'linear': 0.5, 'markov': 0.667}
    """
    chosen = PathOptions(**options)
    journeys = as_journeys(data, chosen)
    _check_half_life(half_life_days, journeys)
    markov = _markov(journeys)
    table = _heuristic_credits(journeys, half_life_days)
    table["markov"] = markov.conversions.reindex(table.index).fillna(0.0)
    return AttributionComparison(
        conversions=table,
        total_conversions=markov.total_conversions,
        markov=markov,
        half_life_days=half_life_days,
        window_days=chosen.window_days,
    )
