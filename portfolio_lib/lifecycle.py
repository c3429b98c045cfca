"""Lifecycle migration: group membership per period, the transition matrix, its steady state.

How customers move between groups over time (new -> loyal -> at risk -> lost), in four steps::

    from portfolio_lib import lifecycle
    states = lifecycle.lifecycle_states(tx, period="Q", lost_after=4)   # one row per
    moves = lifecycle.migration_matrix(states)                          # customer and period
    moves.shares                                   # from-state x to-state, rows sum to 1
    lifecycle.steady_state(moves)                  # long-run share in each state
    lifecycle.cohort_path(moves, periods=8)        # where 1,000 new customers are expected

Any per-period group column works as well: :func:`portfolio_groups_by_period` gives the
course's portfolio groups (profitable / loyal / potential / at-risk) at the end of each
period, and :func:`migration_matrix` takes any table with a customer, a period and a state
column (RFM segments computed per period, ...).
The matrix is the maximum-likelihood estimate of a first-order Markov chain (the share of
customers in state *i* in one period who are in state *j* in the next), with a Wilson
interval per cell; :func:`steady_state` and :func:`cohort_path` read the chain forward
(:func:`chain_shares` first, when a short history left a state without any move out of it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._counts import real_number, whole_number
from portfolio_lib._errors import DataValidationError, raise_for_rows
from portfolio_lib._intervals import wilson_interval
from portfolio_lib._results import ResultSummary, SettingsResult, TableResult, percent
from portfolio_lib.portfolio import GROUPS, portfolio_groups
from portfolio_lib.rfm import rfm_table

__all__ = [
    "STATES",
    "PERIOD_NAMES",
    "LifecycleStates",
    "MigrationMatrix",
    "CohortPath",
    "GroupsByPeriod",
    "purchases_by_period",
    "lifecycle_states",
    "portfolio_groups_by_period",
    "migration_matrix",
    "chain_shares",
    "transition_shares",
    "start_distribution",
    "steady_state",
    "cohort_path",
    "state_values",
]

#: The lifecycle states of :func:`lifecycle_states`, in reading order.
STATES: tuple[str, ...] = ("new", "active", "loyal", "at_risk", "lost")

Period = Literal["W", "M", "Q", "Y"]
#: The name of one period of each unit, for summaries.
PERIOD_NAMES: dict[str, str] = {"W": "week", "M": "month", "Q": "quarter", "Y": "year"}
#: How far given shares may be from summing to 1 (shares typed or rounded by a person).
_SUMS_TO_ONE = 1e-6


# --------------------------------------------------------------------------------------------
# Purchases per period
# --------------------------------------------------------------------------------------------
def purchases_by_period(
    transactions: pd.DataFrame,
    *,
    period: Period = "M",
    observation_end: str | pd.Timestamp | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    return_col: str | None = "is_return",
) -> pd.DataFrame:
    """Purchase occasions and net spend per customer and calendar period (a full panel).

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_col``, ``date_col`` (ISO dates), ``amount_col`` (currency units) and
        optionally the return flag ``return_col``.
    period : {"W", "M", "Q", "Y"}
        Calendar period: week (starting Monday), month, quarter or year.
    observation_end : date, optional
        Last day observed (default: the last transaction day); later rows raise.
    customer_col, date_col, amount_col, return_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per customer and period from the first period of the data to the period of
        ``observation_end`` (every customer, also before their first purchase): ``customer_id``
        (named ``customer_col``), ``period`` (``pandas.Period``), ``purchases`` (purchase
        occasions: distinct days with a purchase; returns are not occasions), ``spend`` (net
        amount, returns subtracted, currency units) and ``first_period`` (period of the
        customer's first purchase; NaT when they only returned).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": ["2024-01-05", "2024-03-02", "2024-02-10"],
    ...                    "amount": [10.0, 5.0, 7.0]})
    >>> panel = purchases_by_period(tx, period="M")
    >>> panel.loc[panel["customer_id"] == "a", "purchases"].tolist()
    [1, 0, 1]
    """
    if period not in PERIOD_NAMES:
        raise ValueError(f"period must be one of {list(PERIOD_NAMES)}, got {period!r}")
    end = None if observation_end is None else _validate.day(observation_end)
    tx = _validate.transactions(
        transactions, customer_col=customer_col, date_col=date_col, amount_col=amount_col,
        return_col=return_col, end=end,
    )  # fmt: skip
    if tx.empty:
        raise DataValidationError(f"transactions has no rows; column {date_col!r} is empty")
    end = tx["day"].max() if end is None else end
    tx["period"] = tx["day"].dt.to_period(period)
    periods = pd.period_range(tx["period"].min(), end.to_period(period), freq=tx["period"].dt.freq)
    buys = tx.loc[~tx["is_return"]]
    occasions = buys.groupby(["customer", "period"])["day"].nunique()
    spend = tx.groupby(["customer", "period"])["amount"].sum()
    customers = pd.Index(pd.unique(tx["customer"]))
    full = pd.MultiIndex.from_product([customers, periods], names=[customer_col, "period"])
    out = pd.DataFrame(
        {
            "purchases": occasions.reindex(full, fill_value=0).to_numpy().astype("int64"),
            "spend": spend.reindex(full, fill_value=0.0).to_numpy(dtype=float),
        },
        index=full,
    ).reset_index()
    first = buys.groupby("customer")["period"].min()
    out["first_period"] = out[customer_col].map(first)
    return out


# --------------------------------------------------------------------------------------------
# Lifecycle states
# --------------------------------------------------------------------------------------------
def _panel_rows(
    table: pd.DataFrame, customer_col: str, period: str, states: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """Summary rows of a customer x period table: customers, periods, last-period counts."""
    last = table["period"].max()
    counts = table.loc[table["period"] == last, "state"].value_counts()
    return (
        ("customers", f"{table[customer_col].nunique():,}"),
        ("periods", f"{table['period'].nunique():,} ({PERIOD_NAMES[period]}s)"),
        *((f"{s} in {last}", f"{int(counts.get(s, 0)):,}") for s in states),
    )


@dataclass(frozen=True, repr=False, eq=False)
class LifecycleStates(SettingsResult):
    """Each customer's lifecycle state in each period (what :func:`lifecycle_states` returns).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per customer and period from the customer's first purchase period to the
        last period: ``customer_id`` (named as the input column), ``period``
        (``pandas.Period``), ``purchases`` (occasions in the period), ``spend`` (currency
        units) and ``state`` (categorical, :data:`STATES`).
    period : str
        Calendar period (``"W"``, ``"M"``, ``"Q"``, ``"Y"``).
    loyal_streak : int
        Consecutive periods with a purchase (this one included) that make a customer loyal.
    lost_after : int
        Periods without a purchase after which a customer counts as lost.
    customer_col : str
        Name of the customer column of ``table``.
    """

    table: pd.DataFrame
    period: str
    loyal_streak: int
    lost_after: int
    customer_col: str = field(default="customer_id", repr=False)
    _row_name = "customer-periods"

    def wide(self) -> pd.DataFrame:
        """Customers x periods of states (NaN before a customer's first purchase)."""
        return self.table.pivot(index=self.customer_col, columns="period", values="state")

    def summary(self) -> ResultSummary:
        """Customers, periods and the state counts of the last period."""
        rows = _panel_rows(self.table, self.customer_col, self.period, STATES)
        notes = (
            f"new: first purchase in the period; loyal: a purchase in each of the last "
            f"{self.loyal_streak} periods; active: any other period with a purchase; at_risk: "
            f"1 to {self.lost_after - 1} periods since the last purchase; lost: "
            f"{self.lost_after} or more.",
        )
        return ResultSummary("Lifecycle states", rows, notes)


def lifecycle_states(
    transactions: pd.DataFrame,
    *,
    period: Period = "Q",
    loyal_streak: int = 2,
    lost_after: int = 4,
    observation_end: str | pd.Timestamp | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    return_col: str | None = "is_return",
) -> LifecycleStates:
    """Each customer's lifecycle state in each period, from the transaction log.

    Rules, per customer and period, from the period of the first purchase on (first match
    wins; returns are not purchases):

    1. **new** (yeni): the first purchase falls in this period;
    2. **loyal** (sadık): a purchase in this period and in each of the ``loyal_streak - 1``
       periods before it;
    3. **active** (aktif): any other period with a purchase (e.g. a return after a gap);
    4. **at_risk** (risk altında): no purchase for 1 to ``lost_after - 1`` periods;
    5. **lost** (kayıp): no purchase for ``lost_after`` periods or more. Lost is not final:
       a lost customer who buys again is active.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_col``, ``date_col``, ``amount_col`` and optionally ``return_col``.
    period : {"W", "M", "Q", "Y"}
        Calendar period of the states.
    loyal_streak : int
        Consecutive periods with a purchase (>= 2) that make a customer loyal.
    lost_after : int
        Periods without a purchase (>= 2) after which a customer counts as lost.
    observation_end : date, optional
        Last day observed (default: the last transaction day). The last period may be
        incomplete: read its states with that in mind.
    customer_col, date_col, amount_col, return_col : str
        Column names.

    Returns
    -------
    LifecycleStates

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a"] * 3,
    ...                    "date": ["2024-01-05", "2024-02-05", "2024-05-01"],
    ...                    "amount": [10.0, 5.0, 7.0]})
    >>> lifecycle_states(tx, period="M", lost_after=2).table["state"].tolist()
    ['new', 'loyal', 'at_risk', 'lost', 'active']
    """
    loyal_streak = whole_number(loyal_streak, "loyal_streak", 2)
    lost_after = whole_number(lost_after, "lost_after", 2)
    panel = purchases_by_period(
        transactions, period=period, observation_end=observation_end, customer_col=customer_col,
        date_col=date_col, amount_col=amount_col, return_col=return_col,
    )  # fmt: skip
    periods = pd.Index(panel["period"].unique())
    customers = pd.Index(panel[customer_col].unique())
    bought = panel["purchases"].to_numpy().reshape(len(customers), len(periods)) > 0
    streak = np.zeros(len(customers), dtype=np.int64)
    gap = np.zeros(len(customers), dtype=np.int64)
    seen = np.zeros(len(customers), dtype=bool)
    codes = np.full(bought.shape, -1, dtype=np.int64)
    for j in range(len(periods)):
        now = bought[:, j]
        first = now & ~seen
        seen |= now
        streak = np.where(now, streak + 1, 0)
        gap = np.where(now, 0, gap + 1)
        codes[:, j] = np.select(
            [~seen, first, now & (streak >= loyal_streak), now, gap < lost_after],
            [-1, 0, 2, 1, 3],
            default=4,
        )
    panel["state"] = pd.Categorical.from_codes(codes.ravel(), categories=list(STATES))
    kept = panel.loc[codes.ravel() >= 0].drop(columns="first_period").reset_index(drop=True)
    return LifecycleStates(kept, period, loyal_streak, lost_after, customer_col)


# --------------------------------------------------------------------------------------------
# Portfolio groups per period
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class GroupsByPeriod(SettingsResult):
    """Each customer's portfolio group at the end of each period (what
    :func:`portfolio_groups_by_period` returns).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per customer and period from the customer's first purchase period on:
        ``customer_id`` (named as the input column), ``period``, ``state`` (the group,
        categorical in the order of :data:`portfolio_lib.portfolio.GROUPS`), ``value``,
        ``frequency`` and ``recency_days`` at the period's last day.
    period : str
        Calendar period.
    thresholds : pandas.DataFrame
        Per period (index): the thresholds :func:`portfolio_lib.portfolio.portfolio_groups`
        used (``at_risk_after_days``, ``profitable_min_value``, ``loyal_min_frequency``).
    customer_col : str
        Name of the customer column of ``table``.
    """

    table: pd.DataFrame
    period: str
    thresholds: pd.DataFrame = field(repr=False)
    customer_col: str = field(default="customer_id", repr=False)
    _row_name = "customer-periods"

    def summary(self) -> ResultSummary:
        """Customers, periods and the group counts of the last period."""
        rows = _panel_rows(self.table, self.customer_col, self.period, tuple(GROUPS))
        note = "Groups from each customer's whole history up to the period's last day."
        return ResultSummary("Portfolio groups by period", rows, (note,))


def portfolio_groups_by_period(
    transactions: pd.DataFrame,
    *,
    period: Period = "Q",
    observation_end: str | pd.Timestamp | None = None,
    margin: float | None = None,
    at_risk_after_days: float = 180.0,
    profitable_quantile: float = 0.8,
    loyal_min_frequency: float | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    return_col: str | None = "is_return",
) -> GroupsByPeriod:
    """The course's portfolio groups at the end of every period, for :func:`migration_matrix`.

    At the last day of each period (the observation end for the last one), the RFM table of
    the history up to that day (:func:`portfolio_lib.rfm.rfm_table`) is sorted into groups
    by :func:`portfolio_lib.portfolio.portfolio_groups` with the same arguments; the value
    and frequency thresholds are quantiles of that day's customers, so they move with the
    base (see ``thresholds``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_col``, ``date_col``, ``amount_col`` and optionally ``return_col``.
    period : {"W", "M", "Q", "Y"}
        Calendar period.
    observation_end : date, optional
        Last day observed (default: the last transaction day).
    margin, at_risk_after_days, profitable_quantile, loyal_min_frequency
        As in :func:`portfolio_lib.portfolio.portfolio_groups` (days, currency units,
        purchase occasions).
    customer_col, date_col, amount_col, return_col : str
        Column names.

    Returns
    -------
    GroupsByPeriod

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a", "c"],
    ...                    "date": ["2024-01-05", "2024-02-01", "2024-08-01", "2024-09-01"],
    ...                    "amount": [10.0, 50.0, 5.0, 7.0]})
    >>> g = portfolio_groups_by_period(tx, period="Q", at_risk_after_days=100)
    >>> g.table.loc[g.table["customer_id"] == "b", "state"].tolist()
    ['profitable', 'at_risk', 'at_risk']
    """
    panel = purchases_by_period(
        transactions, period=period, observation_end=observation_end, customer_col=customer_col,
        date_col=date_col, amount_col=amount_col, return_col=return_col,
    )  # fmt: skip
    tx = _validate.transactions(
        transactions, customer_col=customer_col, date_col=date_col, amount_col=amount_col,
        return_col=return_col,
    )  # fmt: skip
    frame = pd.DataFrame(
        {customer_col: tx["customer"], "date": tx["day"], "amount": tx["amount"],
         "is_return": tx["is_return"]}
    )  # fmt: skip
    end = tx["day"].max() if observation_end is None else _validate.day(observation_end)
    parts, limits = [], {}
    for p in pd.Index(panel["period"].unique()):
        cut = min(p.end_time.normalize(), end)
        history = frame.loc[frame["date"] <= cut]
        if history.empty or not (~history["is_return"]).any():
            continue
        rfm = rfm_table(history, observation_end=cut, customer_col=customer_col)
        groups = portfolio_groups(
            rfm, margin=margin, at_risk_after_days=at_risk_after_days,
            profitable_quantile=profitable_quantile, loyal_min_frequency=loyal_min_frequency,
        )  # fmt: skip
        part = groups.table[["group", "value", "frequency", "recency_days"]].rename(
            columns={"group": "state"}
        )
        parts.append(part.rename_axis(customer_col).reset_index().assign(period=p))
        limits[p] = groups.thresholds
    table = pd.concat(parts, ignore_index=True)
    table["state"] = pd.Categorical(table["state"], categories=list(GROUPS))
    table = table[[customer_col, "period", "state", "value", "frequency", "recency_days"]]
    thresholds = pd.DataFrame.from_dict(limits, orient="index")
    thresholds.index.name = "period"
    return GroupsByPeriod(table, period, thresholds, customer_col)


# --------------------------------------------------------------------------------------------
# Migration matrix
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class MigrationMatrix(SettingsResult):
    """Transitions between groups from one period to the next (what :func:`migration_matrix`
    returns).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per pair of states (``from_state``, ``to_state``): ``count`` (customers who
        moved from one to the other between consecutive periods), ``share`` (count over all
        moves out of ``from_state``: the transition probability, 0-1), ``ci_low``,
        ``ci_high`` (Wilson interval of the share). A state nobody left has NaN shares.
    states : tuple of str
        The states, in the order of the matrix.
    confidence : float
        Level of the intervals.
    n_transitions : int
        Customer moves counted (pairs of consecutive periods of one customer).
    n_customers : int
        Customers with at least one move.
    """

    table: pd.DataFrame
    states: tuple[str, ...]
    confidence: float
    n_transitions: int
    n_customers: int
    _row_name = "state pairs"

    @property
    def counts(self) -> pd.DataFrame:
        """From-state (rows) x to-state (columns) of move counts."""
        return self._square("count").astype("int64")

    @property
    def shares(self) -> pd.DataFrame:
        """From-state x to-state of transition probabilities; each observed row sums to 1."""
        return self._square("share")

    def _square(self, column: str) -> pd.DataFrame:
        out = (
            self.table[column]
            .unstack("to_state")
            .reindex(index=list(self.states), columns=list(self.states))
        )
        out.index.name, out.columns.name = "from", "to"
        return out

    def summary(self) -> ResultSummary:
        """Moves counted, and the share staying in each state with its interval."""
        stay = self.table.loc[[(s, s) for s in self.states]]
        rows = (
            ("customers", f"{self.n_customers:,}"),
            ("moves counted", f"{self.n_transitions:,}"),
            *(
                (
                    f"stay {s}",
                    "n/a (nobody left it)"
                    if v != v
                    else f"{v:.1%} ({low:.1%} to {high:.1%}; n = {n:,})",
                )
                for (s, _), v, low, high, n in zip(
                    stay.index, stay["share"], stay["ci_low"], stay["ci_high"],
                    self.counts.sum(axis=1), strict=True,
                )
            ),
            ("intervals", f"{percent(self.confidence)} Wilson, per cell (in brackets)"),
        )  # fmt: skip
        note = "Shares are first-order Markov transition probabilities (rows sum to 1)."
        return ResultSummary("Migration matrix", rows, (note,))


def _period_numbers(values: pd.Series) -> np.ndarray:
    """Consecutive periods differ by 1: Period ordinals, integers as they are, else ranks."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.array.asi8.astype(np.int64)
    if pd.api.types.is_integer_dtype(values):
        return values.to_numpy(dtype=np.int64)
    order = {v: i for i, v in enumerate(sorted(values.unique()))}
    return values.map(order).to_numpy(dtype=np.int64)


def migration_matrix(
    states: LifecycleStates | GroupsByPeriod | pd.DataFrame,
    *,
    customer_col: str | None = None,
    period_col: str = "period",
    state_col: str = "state",
    order: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> MigrationMatrix:
    """Count and share of customers moving from each group to each group between periods.

    A move is a customer's state in period *t* and in period *t + 1*. Consecutive periods:
    ``pandas.Period`` values one period apart, integers one apart, otherwise neighbours in
    the sorted list of all periods in the table (so a period absent from the whole table
    joins its neighbours). A customer missing from period *t + 1* adds no move from *t*.

    Parameters
    ----------
    states : LifecycleStates, GroupsByPeriod or pandas.DataFrame
        One row per customer and period with the group in ``state_col`` (for example
        :func:`lifecycle_states` or :func:`portfolio_groups_by_period`).
    customer_col : str, optional
        Customer column (default: the one of the result, else ``"customer_id"``).
    period_col, state_col : str
        Period and group columns.
    order : sequence of str, optional
        States in the order of the matrix (default: the categories of a categorical
        column, else sorted). Every state in the data must be listed.
    confidence : float
        Level of the Wilson intervals of the shares.

    Returns
    -------
    MigrationMatrix

    Examples
    --------
    >>> panel = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2],
    ...                       "period": [1, 2, 3, 1, 2],
    ...                       "state": ["a", "a", "b", "b", "b"]})
    >>> migration_matrix(panel).shares.to_numpy().tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    confidence = _validate.confidence(confidence)
    if isinstance(states, TableResult):
        customer_col = customer_col or getattr(states, "customer_col", None)
        frame = states.table
    else:
        frame = _validate.table(states, name="states")
    customer_col = customer_col or "customer_id"
    _validate.table(frame, name="states", columns=[customer_col, period_col, state_col])
    if frame.empty:
        raise DataValidationError(f"states has no rows; column {state_col!r} is empty")
    for col in (customer_col, period_col, state_col):
        raise_for_rows(frame, frame[col].isna(), column=col, problem="must not be missing",
                       name="states")  # fmt: skip
    raise_for_rows(
        frame, frame.duplicated([customer_col, period_col], keep=False),
        column=[customer_col, period_col],
        problem="repeats a customer and period; each customer has one state per period",
        name="states",
    )  # fmt: skip
    values = frame[state_col]
    if order is None:
        labels = (
            list(values.cat.categories)
            if isinstance(values.dtype, pd.CategoricalDtype)
            else sorted(values.astype(str).unique())
        )
    else:
        labels = [str(s) for s in order]
        if len(set(labels)) != len(labels):
            raise ValueError(f"order repeats a state: {labels}")
    text = values.astype(str)
    raise_for_rows(frame, ~text.isin(labels), column=state_col,
                   problem=f"has states not in order {labels}", name="states")  # fmt: skip
    work = pd.DataFrame(
        {"c": frame[customer_col].to_numpy(), "t": _period_numbers(frame[period_col]),
         "s": text.to_numpy()}
    )  # fmt: skip
    nxt = work.assign(t=work["t"] - 1).rename(columns={"s": "to_state"})
    moves = work.merge(nxt, on=["c", "t"]).rename(columns={"s": "from_state"})
    if moves.empty:
        raise DataValidationError(
            f"states: no customer is in two consecutive periods (column {period_col!r}), so "
            "there is no move to count; a migration matrix needs at least two periods"
        )
    counts = (
        pd.crosstab(moves["from_state"], moves["to_state"])
        .reindex(index=labels, columns=labels, fill_value=0)
        .astype("int64")
    )
    totals = counts.sum(axis=1).to_numpy()
    long = counts.stack().rename("count").to_frame()
    long.index.names = ["from_state", "to_state"]
    trials = np.repeat(totals, len(labels))
    k = long["count"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        long["share"] = np.where(trials > 0, k / np.maximum(trials, 1), np.nan)
    long["ci_low"], long["ci_high"] = wilson_interval(k, trials, confidence, empty="nan")
    return MigrationMatrix(
        long, tuple(labels), confidence, int(len(moves)), int(moves["c"].nunique())
    )


def chain_shares(moves: MigrationMatrix) -> tuple[pd.DataFrame, str]:
    """The transition shares ready for :func:`steady_state` and :func:`cohort_path`, with a note.

    A short history can leave a state without any move *out of* it (a row of NaN shares in
    :attr:`MigrationMatrix.shares`), which :func:`steady_state` refuses. Here a state that
    nobody was in during two consecutive periods (neither left nor reached, e.g. *lost* when
    the data are shorter than the lost rule) is dropped, and a state reached but never left
    is treated as absorbing (customers stay: a 1 on the diagonal). Both are said in the note;
    with every state left by someone the shares are returned unchanged.

    Parameters
    ----------
    moves : MigrationMatrix
        From :func:`migration_matrix`.

    Returns
    -------
    (pandas.DataFrame, str)
        Square shares (from-state rows, to-state columns, each row sums to 1; probabilities
        0-1) for :func:`steady_state` and :func:`cohort_path`, and the note.

    Raises
    ------
    TypeError
        When ``moves`` is not a :class:`MigrationMatrix`.

    Examples
    --------
    >>> panel = pd.DataFrame({"customer_id": [1, 1], "period": [1, 2], "state": ["a", "b"]})
    >>> shares, note = chain_shares(migration_matrix(panel))
    >>> shares.to_numpy().tolist(), note.startswith("absorbing")
    ([[0.0, 1.0], [0.0, 1.0]], True)
    """
    if not isinstance(moves, MigrationMatrix):
        raise TypeError(
            f"moves must be a MigrationMatrix (lifecycle.migration_matrix), got {moves!r}"
        )
    counts = moves.counts
    left, reached = counts.sum(axis=1) > 0, counts.sum(axis=0) > 0
    keep = [s for s in counts.index if left[s] or reached[s]]
    shares = moves.shares.loc[keep, keep].copy()
    absorbing = [s for s in keep if not left[s]]
    for state in absorbing:
        shares.loc[state] = 0.0
        shares.loc[state, state] = 1.0
    dropped = [s for s in counts.index if s not in keep]
    notes = []
    if absorbing:
        notes.append(f"absorbing (reached, never left in the data): {absorbing}")
    if dropped:
        notes.append(f"dropped (no customer was ever in them in two periods): {dropped}")
    note = "; ".join(notes) or "every state was left by someone: the shares are used as estimated"
    return shares, note


# --------------------------------------------------------------------------------------------
# Reading the chain forward
# --------------------------------------------------------------------------------------------
def transition_shares(
    matrix: MigrationMatrix | pd.DataFrame, *, name: str = "matrix"
) -> pd.DataFrame:
    """The square matrix of transition probabilities, checked: rows sum to 1, no gaps.

    Parameters
    ----------
    matrix : MigrationMatrix or pandas.DataFrame
        A migration matrix (its ``shares``) or a table of transition probabilities (0-1)
        with the states as index and columns in the same order.
    name : str
        The argument named in the errors.

    Returns
    -------
    pandas.DataFrame
        The shares, from-state rows and to-state columns.

    Raises
    ------
    DataValidationError
        When the table is not square with the same states as rows and columns, or a row has
        a missing or negative share or does not sum to 1 (within 1e-6); the error shows the
        rows (a state nobody left in a :class:`MigrationMatrix` has no shares: see
        :func:`chain_shares`).

    Examples
    --------
    >>> P = pd.DataFrame([[0.9, 0.1], [0.5, 0.5]], index=["a", "b"], columns=["a", "b"])
    >>> transition_shares(P).shape
    (2, 2)
    """
    shares = matrix.shares if isinstance(matrix, MigrationMatrix) else matrix
    shares = _validate.table(shares, name=name)
    if list(shares.index) != list(shares.columns):
        raise DataValidationError(
            f"{name} must be square with the same states as rows and columns, got rows "
            f"{list(shares.index)} and columns {list(shares.columns)}"
        )
    values = shares.to_numpy(dtype=float)
    bad = np.isnan(values).any(axis=1) | (values < 0).any(axis=1)
    bad |= np.abs(values.sum(axis=1) - 1) > _SUMS_TO_ONE
    raise_for_rows(
        shares, bad, column=list(shares.columns),
        problem=(
            "has rows that are not probabilities summing to 1 (a state nobody left has no "
            "shares: drop it, or give it a row)"
        ),
        name=name,
    )  # fmt: skip
    return shares


def start_distribution(
    start: Mapping[str, float] | pd.Series, states: Sequence[str], *, name: str = "start"
) -> pd.Series:
    """A distribution over ``states`` from given shares (states not given: 0), checked.

    Parameters
    ----------
    start : mapping or pandas.Series of state to share
        Shares (0-1) of some of the states; they must be >= 0 and sum to 1 (within 1e-6).
    states : sequence of str
        All the states, in the order of the result.
    name : str
        The argument named in the errors.

    Returns
    -------
    pandas.Series
        The share of every state (index ``states``), named ``"share"``.

    Raises
    ------
    TypeError
        When ``start`` is neither a mapping nor a Series.
    ValueError
        When ``start`` names a state not in ``states``, holds a share that is not a number,
        or is not a distribution.
    DataValidationError
        When a Series ``start`` repeats a state.

    Examples
    --------
    >>> start_distribution({"b": 1.0}, ["a", "b"]).tolist()
    [0.0, 1.0]
    """
    if isinstance(start, pd.Series):
        _validate.unique_index(start, name=name, of="state")
    elif not isinstance(start, Mapping):
        raise TypeError(
            f"{name} must be a mapping or a pandas Series of state -> share, "
            f"got {type(start).__name__}"
        )
    try:
        given = pd.Series(start, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} shares must be numbers, got {dict(start)}") from None
    labels = [str(s) for s in states]
    given.index = given.index.map(str)  # states are compared as text, as in the matrix
    unknown = sorted(set(given.index) - set(labels))
    if unknown:
        raise ValueError(f"{name} names states not in the matrix: {unknown}")
    x = given.reindex(labels, fill_value=0.0).to_numpy(dtype=float)
    if not np.isfinite(x).all() or (x < 0).any() or abs(x.sum() - 1) > _SUMS_TO_ONE:
        raise ValueError(f"{name} shares must be >= 0 and sum to 1, got {given.to_dict()}")
    return pd.Series(x, index=labels, name="share")


def steady_state(matrix: MigrationMatrix | pd.DataFrame) -> pd.Series:
    """Long-run share of customers in each state: the stationary distribution ``pi = pi P``.

    Parameters
    ----------
    matrix : MigrationMatrix or pandas.DataFrame
        Transition probabilities (from-state rows, to-state columns, rows summing to 1).

    Returns
    -------
    pandas.Series
        Share per state (0-1, sums to 1), named ``"steady_state"``. It describes a closed
        customer base that follows the chain for ever (no new customers join).

    Raises
    ------
    ValueError
        When the chain has more than one stationary distribution (two or more groups of
        states customers never leave, e.g. two absorbing states): the long run then depends
        on where customers start; use :func:`cohort_path`.

    Examples
    --------
    >>> P = pd.DataFrame([[0.9, 0.1], [0.5, 0.5]], index=["a", "b"], columns=["a", "b"])
    >>> steady_state(P).round(4).tolist()
    [0.8333, 0.1667]
    """
    shares = transition_shares(matrix)
    p = shares.to_numpy(dtype=float)
    n = len(p)
    eigenvalues = np.linalg.eigvals(p)
    if int(np.sum(np.abs(eigenvalues - 1) < 1e-8)) > 1:
        raise ValueError(
            "the chain has more than one stationary distribution (more than one group of "
            "states that customers never leave); use cohort_path for a given start instead"
        )
    a = np.vstack([p.T - np.eye(n), np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi = np.linalg.lstsq(a, b, rcond=None)[0]
    pi = np.clip(pi, 0.0, None)
    pi /= pi.sum()
    return pd.Series(pi, index=shares.index.copy(), name="steady_state")


@dataclass(frozen=True, repr=False, eq=False)
class CohortPath(SettingsResult):
    """Expected state counts of a cohort over the next periods (what :func:`cohort_path`
    returns).

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``period`` (0 = start, 1, ..., ``periods``), one column per state: expected
        customers of the cohort in that state (shares times ``size``).
    start : str
        The start state, or ``"distribution"`` for a given start distribution.
    size : float
        Customers in the cohort.
    periods : int
        Periods projected.
    """

    table: pd.DataFrame
    start: str
    size: float
    periods: int
    _row_name = "periods"

    def summary(self) -> ResultSummary:
        """Expected customers per state at the end of the path."""
        last = self.table.iloc[-1]
        rows = tuple((str(s), f"{v:,.1f}") for s, v in last.items())
        title = f"Cohort of {self.size:,g} ({self.start}) after {self.periods} periods"
        return ResultSummary(title, rows, ("Expected counts from the transition shares.",))


def cohort_path(
    matrix: MigrationMatrix | pd.DataFrame,
    *,
    periods: int,
    start: str | Mapping[str, float] | pd.Series = "new",
    size: float = 1000.0,
) -> CohortPath:
    """Expected number of a cohort's customers in each state over the next ``periods``.

    Row *t* is ``size * start @ P**t``: where a cohort is expected to be *t* periods later
    if customers move as the matrix says.

    Parameters
    ----------
    matrix : MigrationMatrix or pandas.DataFrame
        Transition probabilities (rows sum to 1).
    periods : int
        Periods to project (>= 1).
    start : str or mapping of state to share
        The state every customer of the cohort starts in (default ``"new"``), or the start
        distribution (shares >= 0 summing to 1).
    size : float
        Customers in the cohort (> 0).

    Returns
    -------
    CohortPath

    Examples
    --------
    >>> P = pd.DataFrame([[0.0, 1.0], [0.0, 1.0]], index=["new", "old"], columns=["new", "old"])
    >>> cohort_path(P, periods=2, size=10).table["old"].tolist()
    [0.0, 10.0, 10.0]
    """
    shares = transition_shares(matrix)
    periods = whole_number(periods, "periods", 1)
    size = real_number(size, "size", 0, strict=True)
    labels = list(shares.index)
    if isinstance(start, str):
        if start not in labels:
            raise ValueError(f"start must be one of the states {labels}, got {start!r}")
        x = (np.asarray(labels) == start).astype(float)
        start_name = start
    else:
        x = start_distribution(start, labels).to_numpy()
        start_name = "distribution"
    p = shares.to_numpy(dtype=float)
    path = [x]
    for _ in range(periods):
        path.append(path[-1] @ p)
    table = pd.DataFrame(np.vstack(path) * float(size), columns=shares.columns.copy())
    table.index.name = "period"
    table.columns.name = None
    return CohortPath(table, start_name, float(size), periods)


def state_values(
    matrix: MigrationMatrix | pd.DataFrame,
    value_per_period: Mapping[str, float] | pd.Series,
    *,
    discount_rate: float,
    periods: int | None = None,
) -> pd.Series:
    """Expected discounted value of a customer by the state they are in now (Markov CLV).

    Pfeifer & Carraway's (2000) Markov chain model of customer relationships: a customer in
    state *i* earns ``value_per_period[i]`` in each period and moves as the matrix says, so
    the value of each start state is ``sum over t = 0..periods-1 of P**t r / (1 + d) ** t``
    (this period's value undiscounted), and for ``periods=None`` the limit
    ``(I - P / (1 + d)) ** -1 r``.

    Parameters
    ----------
    matrix : MigrationMatrix or pandas.DataFrame
        Transition probabilities (rows sum to 1).
    value_per_period : mapping or pandas.Series
        Profit (or margin) per customer per period in each state (currency units); states not
        given earn 0.
    discount_rate : float
        Per period (>= 0; > 0 when ``periods`` is None).
    periods : int, optional
        Periods to add up (>= 1); None: for ever.

    Returns
    -------
    pandas.Series
        Value per start state (currency units), named ``"value"``: e.g. the value of a new
        customer for :func:`portfolio_lib.equity.customer_equity`.

    Examples
    --------
    >>> P = pd.DataFrame([[0.5, 0.5], [0.0, 1.0]], index=["active", "lost"],
    ...                  columns=["active", "lost"])
    >>> state_values(P, {"active": 10.0}, discount_rate=0.0, periods=3).tolist()
    [17.5, 0.0]
    """
    shares = transition_shares(matrix)
    rate = real_number(discount_rate, "discount_rate", 0)
    if not isinstance(value_per_period, Mapping):
        value_per_period = _validate.one_dimensional(value_per_period, name="value_per_period")
    if isinstance(value_per_period, pd.Series):
        _validate.unique_index(value_per_period, name="value_per_period", of="state")
    given = pd.Series(value_per_period, dtype=float)
    unknown = sorted(set(map(str, given.index)) - set(map(str, shares.index)))
    if unknown:
        raise ValueError(f"value_per_period names states not in the matrix: {unknown}")
    if not np.isfinite(given.to_numpy()).all():
        raise ValueError(f"value_per_period must be finite numbers, got {given.to_dict()}")
    r = given.reindex(shares.index, fill_value=0.0).to_numpy(dtype=float)
    p = shares.to_numpy(dtype=float) / (1.0 + rate)
    if periods is None:
        if rate == 0:
            raise ValueError("discount_rate must be > 0 when periods is None (for ever)")
        value = np.linalg.solve(np.eye(len(p)) - p, r)
    else:
        value, step = np.zeros(len(p)), r.copy()
        for _ in range(whole_number(periods, "periods", 1)):
            value += step
            step = p @ step
    return pd.Series(value, index=shares.index.copy(), name="value")
