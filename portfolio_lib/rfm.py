"""RFM analysis: recency, frequency and monetary value per customer, scores and named segments.

Three steps, each a pure function:

1. :func:`rfm_table` turns a transaction log into one row per customer
   (recency in days, frequency in purchase occasions, monetary value in currency units).
2. :func:`rfm_scores` turns the table into scores 1..``bins`` (``bins`` = best) with an explicit
   tie policy and reports the cut points it used.
3. :func:`rfm_segments` maps (R, FM) score pairs to named segments with an overridable rule table
   that covers every cell of the score grid exactly once. The default table is written for 5
   score levels and rescaled to other numbers of levels (see :func:`default_segment_rules`), so
   every ``bins`` >= 2 gives named segments.

Returns policy
--------------
A transaction row is a *return* when its ``return_col`` flag (default ``is_return``) is True (if
that column is present) or its amount is negative. Returns reduce the customer's monetary total
(net spend) but are never purchase occasions: they change neither frequency nor recency. A row
flagged as a return must have an amount <= 0. Several purchase rows of one customer on the same
calendar day are one purchase occasion (frequency counts distinct days), as in Fader, Hardie & Lee
(2005). This is the package's one transaction contract (dates, amounts, returns, rows after the
observation end), shared by every module that takes transactions; see
:mod:`portfolio_lib._validate`.
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns

__all__ = [
    "RFMScores",
    "rfm_table",
    "rfm_scores",
    "rfm_segments",
    "rfm_grid",
    "default_segment_rules",
    "SEGMENT_NAMES",
]

DIMENSIONS = ("R", "F", "M")

_RULE_FIELDS = (
    "segment",
    "segment_tr",
    "r_min",
    "r_max",
    "fm_min",
    "fm_max",
    "description",
    "action",
)


def _load_default_rules() -> tuple[tuple[object, ...], ...]:
    """The segment table of ``portfolio_lib/data/rfm_segments.toml``, one tuple per segment."""
    path = resources.files("portfolio_lib") / "data" / "rfm_segments.toml"
    blocks = tomllib.loads(path.read_text(encoding="utf-8"))["segment"]
    for number, block in enumerate(blocks, start=1):
        if set(block) != set(_RULE_FIELDS):
            raise ValueError(
                f"{path}: segment block {number} must have exactly the fields {_RULE_FIELDS}, "
                f"has {sorted(block)}"
            )
    return tuple(tuple(block[f] for f in _RULE_FIELDS) for block in blocks)


_DEFAULT_RULES = _load_default_rules()
"""The default segment map (5 score levels): one tuple of :data:`_RULE_FIELDS` per segment."""

#: The named segments of the default rule table, best first.
SEGMENT_NAMES = tuple(str(row[0]) for row in _DEFAULT_RULES)


# --------------------------------------------------------------------------------------------
# RFM table
# --------------------------------------------------------------------------------------------
def rfm_table(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    return_col: str | None = "is_return",
    late: Literal["raise", "drop"] = "raise",
    return_only: Literal["raise", "drop"] = "raise",
    is_return_col: str | None = _validate.UNSET,  # type: ignore[assignment]
) -> pd.DataFrame:
    """One row per customer: recency (days), frequency (purchase occasions), monetary value.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction log, one row per purchase or return, dated on or before
        ``observation_end`` (later rows raise unless ``late="drop"``: nothing is dropped
        silently).
    observation_end : date-like
        The day the analysis is made (recency is measured up to this day, inclusive).
    customer_col, date_col, amount_col : str
        Column names for customer id, transaction date (datetime64 or ISO 8601 text) and amount
        (currency units).
    return_col : str or None
        Boolean column flagging return rows, used when present. Rows with a negative amount are
        returns whether flagged or not (see the module docstring for the returns policy).
    late : {"raise", "drop"}
        Rows dated after ``observation_end`` raise (default) or, with ``"drop"``, are left out.
    return_only : {"raise", "drop"}
        A customer with return rows but no purchase has no recency: raise (default, the
        message shows them) or, with ``"drop"``, leave them out with a ``UserWarning`` that
        counts and names them. To keep such rows with a reason instead, set them aside first
        with ``quality.validate_transactions(..., return_only="reject")``.
    is_return_col : str or None
        Deprecated former name of ``return_col`` (warns).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (index named ``customer_col``), sorted, with columns

        - ``recency_days`` (int): days from the last purchase occasion to ``observation_end``;
        - ``frequency`` (int): purchase occasions, i.e. distinct days with a purchase;
        - ``monetary_total`` (float): net spend, purchases minus returns (currency units);
        - ``monetary_mean`` (float): ``monetary_total / frequency`` (currency per occasion);
        - ``returned_amount`` (float, >= 0): value of returns (currency units);
        - ``first_purchase``, ``last_purchase`` (datetime64): first and last purchase day;
        - ``tenure_days`` (int): days from the first purchase to ``observation_end``;
        - ``active_days`` (int): days from the first to the last purchase.

    Raises
    ------
    DataValidationError
        Missing column, missing id/date/amount, non-datetime date, non-numeric amount, a
        positive flagged return, a date after ``observation_end``, or a customer who has return
        rows but no purchase (their recency would be undefined).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-20", "2024-01-25",
    ...                             "2024-01-25"]),
    ...     "amount": [10.0, 5.0, 20.0, -5.0, 12.0]})
    >>> table = rfm_table(tx, observation_end="2024-01-31")
    >>> table.loc["a", ["recency_days", "frequency", "monetary_total"]].tolist()
    [11.0, 2.0, 30.0]
    >>> table.loc["b", ["recency_days", "frequency", "monetary_total"]].tolist()
    [6.0, 1.0, 12.0]
    """
    end = _validate.day(observation_end)
    tx = _validate.transactions(
        transactions,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        return_col=return_col,
        is_return_col=is_return_col,
        end=end,
        late=late,
    )
    if tx.empty:
        raise DataValidationError(f"transactions has no rows; column {customer_col!r} is empty")
    if return_only not in ("raise", "drop"):
        raise ValueError(f"return_only must be 'raise' or 'drop'; got {return_only!r}")
    buys = tx.loc[~tx["is_return"]]
    orphan = ~tx["customer"].isin(buys["customer"])
    if return_only == "drop" and orphan.any():
        customers = pd.unique(transactions.iloc[tx.index[orphan.to_numpy()]][customer_col])
        warnings.warn(
            f"rfm_table left out {len(customers)} customer(s) with return rows but no purchase "
            f"on or before observation_end (return_only='drop'), e.g. {list(customers[:5])}",
            UserWarning,
            stacklevel=2,
        )
        tx = tx.loc[~orphan]
    raise_for_rows(
        transactions.iloc[tx.index],
        orphan.reindex(tx.index).to_numpy(),
        column=customer_col,
        problem="has customers with return rows but no purchase on or before observation_end "
        "(return_only='drop' leaves them out with a warning)",
        name="transactions",
    )
    per_buy = buys.groupby("customer", sort=True).agg(
        frequency=("day", "nunique"),
        first_purchase=("day", "min"),
        last_purchase=("day", "max"),
    )
    net = tx.groupby("customer", sort=True)["amount"].sum()
    returned = -tx.loc[tx["is_return"]].groupby("customer")["amount"].sum()
    table = per_buy.assign(
        monetary_total=net.reindex(per_buy.index),
        returned_amount=returned.reindex(per_buy.index, fill_value=0.0).astype(float) + 0.0,
    )
    table["recency_days"] = (end - table["last_purchase"]).dt.days.astype("int64")
    table["frequency"] = table["frequency"].astype("int64")
    table["monetary_mean"] = table["monetary_total"] / table["frequency"]
    table["tenure_days"] = (end - table["first_purchase"]).dt.days.astype("int64")
    table["active_days"] = (table["last_purchase"] - table["first_purchase"]).dt.days.astype(
        "int64"
    )
    table.index.name = customer_col
    columns = [
        "recency_days",
        "frequency",
        "monetary_total",
        "monetary_mean",
        "returned_amount",
        "first_purchase",
        "last_purchase",
        "tenure_days",
        "active_days",
    ]
    return table[columns]


# --------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RFMScores:
    """RFM scores with the cut points used and notes on ties.

    Attributes
    ----------
    scores : pandas.DataFrame
        Indexed like the RFM table; int columns ``R``, ``F``, ``M`` in 1..``bins`` (``bins`` is
        best: most recent, most frequent, highest spend) and the text code ``RFM`` (e.g. "535").
    thresholds : dict
        ``{"R": (...), "F": (...), "M": (...)}``: ``bins - 1`` non-decreasing cut points per
        dimension in the units of its column (days, occasions, currency units). A value ``x`` lies
        above ``k`` cut points when exactly ``k`` cut points are ``< x``; then ``F = M = 1 + k`` and
        ``R = bins - k``. Under ``ties="first"`` they are the largest value of each lower bin
        (for reporting; scores came from ranks).
    bins : int
        Number of score levels.
    ties : {"same", "first"}
        The tie policy used.
    columns : dict
        The table column behind each dimension, e.g. ``{"R": "recency_days", ...}``.
    notes : tuple of str
        Plain-language remarks: dimensions with fewer distinct scores than ``bins`` (cut points
        that coincide because many customers share a value), split ties, custom thresholds.
    """

    scores: pd.DataFrame
    thresholds: dict[str, tuple[float, ...]]
    bins: int
    ties: str
    columns: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def distinct_scores(self) -> dict[str, tuple[int, ...]]:
        """The score values that actually occur, per dimension."""
        return {d: tuple(int(s) for s in np.unique(self.scores[d])) for d in DIMENSIONS}

    def summary(self) -> pd.DataFrame:
        """One row per dimension: column, cut points, distinct scores and customers per score."""
        rows = []
        for dim in DIMENSIONS:
            counts = self.scores[dim].value_counts().reindex(range(1, self.bins + 1), fill_value=0)
            row: dict[str, object] = {
                "column": self.columns.get(dim, ""),
                "thresholds": tuple(round(float(t), 4) for t in self.thresholds[dim]),
                "n_distinct": len(self.distinct_scores[dim]),
            }
            row.update({f"n_score_{s}": int(c) for s, c in counts.items()})
            rows.append(row)
        return pd.DataFrame(rows, index=pd.Index(DIMENSIONS, name="dimension"))


def _check_bins(bins: int) -> int:
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    return int(bins)


def _check_thresholds(dim: str, column: str, cuts: object, bins: int) -> tuple[float, ...]:
    try:
        values = np.asarray(cuts, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"thresholds[{dim!r}] (column {column!r}) must be numbers, got {cuts!r}"
        ) from exc
    if values.size != bins - 1:
        raise ValueError(
            f"thresholds[{dim!r}] (column {column!r}) needs bins - 1 = {bins - 1} cut points, "
            f"got {values.size}: {list(values)}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"thresholds[{dim!r}] (column {column!r}) must be finite: {list(values)}")
    if np.any(np.diff(values) <= 0):
        raise ValueError(
            f"thresholds[{dim!r}] (column {column!r}) must be strictly increasing: {list(values)}"
        )
    return tuple(float(v) for v in values)


def _ties_note(dim: str, column: str, values: np.ndarray, used: np.ndarray, bins: int) -> str:
    uniques, counts = np.unique(values, return_counts=True)
    top = int(np.argmax(counts))
    return (
        f"{dim} ({column}): {len(used)} distinct scores of {bins} ({', '.join(map(str, used))}); "
        f"cut points coincide because {counts[top] / len(values):.0%} of customers share "
        f"{column} = {uniques[top]:g} and ties='same' keeps identical customers together"
    )


def rfm_scores(
    table: pd.DataFrame,
    *,
    bins: int = 5,
    ties: Literal["same", "first"] = "same",
    thresholds: Mapping[str, Sequence[float]] | None = None,
    recency_col: str = "recency_days",
    frequency_col: str = "frequency",
    monetary_col: str = "monetary_total",
) -> RFMScores:
    """Score each customer 1..``bins`` on recency, frequency and monetary value (``bins`` = best).

    Parameters
    ----------
    table : pandas.DataFrame
        An RFM table (see :func:`rfm_table`), one row per customer.
    bins : int
        Number of score levels (>= 2); 5 gives the classic quintile scores.
    ties : {"same", "first"}
        ``"same"`` (default): cut points are the ``i / bins`` quantiles (linear interpolation) of
        each column and a score depends only on the value, so identical customers always share
        a score. When many customers share a value (on CDNOW half the customers bought once)
        cut points coincide and some scores are never used; ``notes`` says which.
        ``"first"``: ranks with ties broken by row order, giving bins of equal size (within one
        customer) at the price of splitting identical customers; ``notes`` counts them.
    thresholds : mapping, optional
        Custom cut points per dimension, e.g. ``{"R": [30, 90, 180, 365]}`` (days),
        ``bins - 1`` strictly increasing finite numbers each. Dimensions left out use quantiles.
        Not combinable with ``ties="first"``.
    recency_col, frequency_col, monetary_col : str
        Columns scored as R (lower is better), F and M (higher is better). Use
        ``monetary_col="monetary_mean"`` to score spend per occasion instead of total spend.

    Returns
    -------
    RFMScores

    Raises
    ------
    ValueError
        ``bins`` < 2, unknown ``ties``, or bad thresholds (wrong count, not increasing, unknown
        dimension); :class:`DataValidationError` for a missing or non-numeric column.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"recency_days": [1, 10, 100, 200], "frequency": [5, 1, 1, 2],
    ...                   "monetary_total": [50.0, 10.0, 5.0, 30.0]})
    >>> s = rfm_scores(t, bins=2)
    >>> s.scores[["R", "F", "M"]].to_numpy().tolist()
    [[2, 2, 2], [2, 1, 1], [1, 1, 1], [1, 2, 2]]
    """
    bins = _check_bins(bins)
    if ties not in ("same", "first"):
        raise ValueError(f"ties must be 'same' or 'first', got {ties!r}")
    columns = {"R": recency_col, "F": frequency_col, "M": monetary_col}
    _validate.table(table, name="table", columns=list(columns.values()))
    _validate.unique_index(table, name="table")  # one row per customer
    if len(table) == 0:
        raise DataValidationError(f"RFM table has no rows; column {frequency_col!r} is empty")
    values = {
        d: _validate.numeric(table, c, name="RFM table").to_numpy() for d, c in columns.items()
    }
    custom = dict(thresholds or {})
    unknown = set(custom) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"thresholds keys must be among {DIMENSIONS}, got {sorted(unknown)}")
    if custom and ties == "first":
        raise ValueError(
            "thresholds fix the scores by value, so they cannot be combined with ties='first'"
        )
    n = len(table)
    notes: list[str] = []
    scores: dict[str, np.ndarray] = {}
    cuts_used: dict[str, tuple[float, ...]] = {}
    probs = np.arange(1, bins) / bins
    for dim in DIMENSIONS:
        x = values[dim]
        if ties == "same":
            if dim in custom:
                cuts = _check_thresholds(dim, columns[dim], custom[dim], bins)
                notes.append(f"{dim} ({columns[dim]}): custom cut points {list(cuts)}")
            else:
                cuts = tuple(float(q) for q in np.quantile(x, probs))
            above = np.searchsorted(np.asarray(cuts), x, side="left")
            score = bins - above if dim == "R" else 1 + above
        else:
            order = pd.Series(x).rank(method="first", ascending=dim != "R").to_numpy()
            score = 1 + np.floor((order - 1) * bins / n).astype(int)
            # report, per boundary, the largest value on the worse side (in value order)
            worse = score if dim != "R" else bins + 1 - score
            cuts = tuple(
                float(np.max(x[worse <= j])) if np.any(worse <= j) else float("nan")
                for j in range(1, bins)
            )
            split = pd.DataFrame({"x": x, "s": score}).groupby("x")["s"].nunique()
            n_split = int(pd.Series(x).map(split).gt(1).sum())
            if n_split:
                notes.append(
                    f"{dim} ({columns[dim]}): ties='first' split {n_split} customers that share "
                    "a value with a customer in another score (order of rows decided)"
                )
        score = np.asarray(score, dtype="int64")
        used = np.unique(score)
        if ties == "same" and len(used) < bins and dim not in custom:
            notes.append(_ties_note(dim, columns[dim], x, used, bins))
        scores[dim] = score
        cuts_used[dim] = cuts
    if n < bins:
        notes.append(f"only {n} customers for {bins} score levels: some scores cannot occur")
    frame = pd.DataFrame(scores, index=table.index)
    frame["RFM"] = frame["R"].astype(str) + frame["F"].astype(str) + frame["M"].astype(str)
    return RFMScores(
        scores=frame,
        thresholds=cuts_used,
        bins=bins,
        ties=ties,
        columns=columns,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------
# Named segments
# --------------------------------------------------------------------------------------------

_RULE_COLUMNS = ["segment", "r_min", "r_max", "fm_min", "fm_max"]


def _five_level(level: int, bins: int) -> int:
    """The level of the 5-level map that holds the middle of score band ``level`` of ``bins``.

    Score ``s`` of ``bins`` covers the quantile band ``((s - 1) / bins, s / bins]``; its middle
    ``(s - 1/2) / bins`` lies in quintile ``ceil(5 (s - 1/2) / bins)`` (never exactly on a
    quintile boundary, since ``5 (2s - 1)`` is odd).
    """
    return -(-5 * (2 * level - 1) // (2 * bins))


def default_segment_rules(bins: int = 5) -> pd.DataFrame:
    """The default RFM segment map, for 5 score levels or rescaled to ``bins`` levels.

    Rows are the segments; ``r_min..r_max`` and ``fm_min..fm_max`` are inclusive ranges of the
    recency score R and of the combined score ``FM = ceil((F + M) / 2)`` (the mean of F and M,
    halves rounded up). For ``bins=5`` the ranges tile the 5 x 5 (R, FM) grid exactly once,
    adapting the widely used RFM segment map (R against F, e.g. "R 5 and FM 4-5 = Champions")
    and adding "Lost" as the corner R = 1, FM 1-2:

    ====  =================  ==============  ===============  =================  ==========
    R     FM 1               FM 2            FM 3             FM 4               FM 5
    ====  =================  ==============  ===============  =================  ==========
    5     New                Pot. loyalist   Pot. loyalist    Champions          Champions
    4     Promising          Pot. loyalist   Pot. loyalist    Loyal              Loyal
    3     About to sleep     About to sleep  Need attention   Loyal              Loyal
    2     Hibernating        Hibernating     At risk          At risk            Can't lose
    1     Lost               Lost            At risk          At risk            Can't lose
    ====  =================  ==============  ===============  =================  ==========

    Other numbers of levels reuse this map: score ``s`` of ``bins`` covers the quantile band
    ``((s - 1) / bins, s / bins]`` and takes the row/column of the quintile that holds the
    middle of that band, ``ceil(5 (s - 1/2) / bins)``. Each segment keeps the (R, FM) cells that
    land in its 5-level rectangle, so the map still tiles the ``bins`` x ``bins`` grid exactly
    once; segments whose rectangle no level lands in are left out. With ``bins=4`` the levels
    1, 2, 3, 4 take the rows/columns 1, 2, 4, 5 of the 5-level map, so the middle row and column
    (and with them "Need attention" and "About to sleep") drop out:

    ====  ===============  ==============  ==============  ==========
    R     FM 1             FM 2            FM 3            FM 4
    ====  ===============  ==============  ==============  ==========
    4     New              Pot. loyalist   Champions       Champions
    3     Promising        Pot. loyalist   Loyal           Loyal
    2     Hibernating      Hibernating     At risk         Can't lose
    1     Lost             Lost            At risk         Can't lose
    ====  ===============  ==============  ==============  ==========

    With ``bins=3`` the levels take rows/columns 1, 3, 5 (nine segments); with ``bins=10``
    every two levels share one row/column.

    Parameters
    ----------
    bins : int
        Number of score levels (>= 2) of the scores the map will be applied to.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``segment_tr`` (Turkish), ``r_min``, ``r_max``, ``fm_min``,
        ``fm_max`` (in 1..``bins``), ``description``, ``action``; segments in the order of
        :data:`SEGMENT_NAMES`.

    Examples
    --------
    >>> rules = default_segment_rules()
    >>> rules.loc[rules["segment"] == "Champions", ["r_min", "fm_min"]].to_numpy().tolist()
    [[5, 4]]
    >>> four = default_segment_rules(bins=4).set_index("segment")
    >>> four.loc["Champions", ["r_min", "r_max", "fm_min", "fm_max"]].tolist()
    [4, 4, 3, 4]
    """
    bins = _check_bins(bins)
    rules = pd.DataFrame(list(_DEFAULT_RULES), columns=list(_RULE_FIELDS))
    if bins == 5:
        return rules
    position = np.array([_five_level(s, bins) for s in range(1, bins + 1)])
    levels = np.arange(1, bins + 1)
    rows = []
    for row in rules.to_dict("records"):
        r_in = levels[(position >= row["r_min"]) & (position <= row["r_max"])]
        fm_in = levels[(position >= row["fm_min"]) & (position <= row["fm_max"])]
        if len(r_in) and len(fm_in):  # monotone map: the levels form one interval per axis
            row.update(r_min=int(r_in.min()), r_max=int(r_in.max()),
                       fm_min=int(fm_in.min()), fm_max=int(fm_in.max()))  # fmt: skip
            rows.append(row)
    return pd.DataFrame(rows, columns=rules.columns)


def _rules_frame(rules: pd.DataFrame | Sequence[object] | None, bins: int) -> pd.DataFrame:
    if rules is None:
        return default_segment_rules(bins)
    if isinstance(rules, pd.DataFrame):
        frame = rules.copy()
    else:
        rows = [dict(r) if isinstance(r, Mapping) else dict(zip(_RULE_COLUMNS, r, strict=True))
                for r in rules]  # fmt: skip
        frame = pd.DataFrame(rows)
    require_columns(frame, _RULE_COLUMNS, name="segment rules")
    for col in _RULE_COLUMNS[1:]:
        _validate.numeric(frame, col, name="segment rules")
    covered = np.zeros((bins, bins), dtype=int)  # [R - 1, FM - 1]
    for row in frame.itertuples(index=False):
        r0, r1, f0, f1 = (int(getattr(row, c)) for c in _RULE_COLUMNS[1:])
        if not (1 <= r0 <= r1 <= bins and 1 <= f0 <= f1 <= bins):
            raise ValueError(
                f"segment rule {row.segment!r}: ranges must satisfy 1 <= min <= max <= {bins}, "
                f"got R {r0}..{r1}, FM {f0}..{f1}"
            )
        covered[r0 - 1 : r1, f0 - 1 : f1] += 1
    gaps = [(r + 1, f + 1) for r, f in zip(*np.nonzero(covered == 0), strict=True)]
    overlaps = [(r + 1, f + 1) for r, f in zip(*np.nonzero(covered > 1), strict=True)]
    if gaps or overlaps:
        raise ValueError(
            "segment rules must cover every (R, FM) cell exactly once; "
            f"uncovered cells {gaps[:10]}, cells in several rules {overlaps[:10]}"
        )
    return frame


def rfm_segments(
    scores: RFMScores | pd.DataFrame,
    rules: pd.DataFrame | Sequence[object] | None = None,
    *,
    bins: int | None = None,
) -> pd.DataFrame:
    """Give every customer exactly one named segment from their R and FM scores.

    Parameters
    ----------
    scores : RFMScores or pandas.DataFrame
        Result of :func:`rfm_scores`, or a frame with int columns ``R``, ``F``, ``M``.
    rules : pandas.DataFrame or list, optional
        Segment map with columns (or tuple fields) ``segment, r_min, r_max, fm_min, fm_max``
        (inclusive score ranges); dict rows are accepted too. It must cover each cell of the
        ``bins`` x ``bins`` (R, FM) grid exactly once, otherwise ``ValueError`` lists the gaps and
        overlaps. Default :func:`default_segment_rules` for ``bins`` levels (the 5-level map,
        rescaled when ``bins`` is not 5).
    bins : int, optional
        Score levels; taken from ``scores.bins`` for an :class:`RFMScores`, required otherwise.

    Returns
    -------
    pandas.DataFrame
        Indexed like the scores: ``R``, ``F``, ``M``, ``FM`` (``ceil((F + M) / 2)``) and
        ``segment`` (categorical, categories in rule order).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"R": [5, 1], "F": [5, 1], "M": [4, 2]}, index=["a", "b"])
    >>> rfm_segments(s, bins=5)["segment"].tolist()
    ['Champions', 'Lost']
    """
    if isinstance(scores, RFMScores):
        frame, bins = scores.scores, scores.bins
    else:
        if bins is None:
            raise ValueError("bins is required when scores is a DataFrame")
        frame = scores
    bins = _check_bins(bins)
    require_columns(frame, ["R", "F", "M"], name="scores")
    for dim in DIMENSIONS:
        values = _validate.numeric(frame, dim, name="scores")
        raise_for_rows(
            frame, (values < 1) | (values > bins) | (values != np.round(values)), column=dim,
            problem=f"must be whole scores in 1..{bins}", name="scores",
        )  # fmt: skip
    table = _rules_frame(rules, bins)
    r = frame["R"].to_numpy(dtype=int)
    fm = np.ceil((frame["F"].to_numpy(dtype=int) + frame["M"].to_numpy(dtype=int)) / 2).astype(int)
    grid = np.empty((bins, bins), dtype=object)
    for row in table.itertuples(index=False):
        grid[int(row.r_min) - 1 : int(row.r_max), int(row.fm_min) - 1 : int(row.fm_max)] = (
            row.segment
        )
    names = list(dict.fromkeys(table["segment"]))
    out = frame[["R", "F", "M"]].copy()
    out["FM"] = fm
    out["segment"] = pd.Categorical(grid[r - 1, fm - 1], categories=names)
    return out


def rfm_grid(
    scores: RFMScores,
    table: pd.DataFrame | None = None,
    *,
    value: str | None = None,
    rows: str = "R",
    cols: str = "F",
) -> pd.DataFrame:
    """Cross-table of two scores: customer counts, or the mean of a table column per cell.

    Parameters
    ----------
    scores : RFMScores
    table : pandas.DataFrame, optional
        The RFM table the scores came from (needed when ``value`` is given).
    value : str, optional
        Column of ``table`` to average per cell (e.g. ``"monetary_total"``); counts if None.
    rows, cols : {"R", "F", "M"}
        Which scores index the rows and columns.

    Returns
    -------
    pandas.DataFrame
        ``bins`` x ``bins`` frame, rows and columns 1..``bins``; counts (0 for empty cells) or
        means (NaN for empty cells).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"recency_days": [1, 90], "frequency": [3, 1],
    ...                   "monetary_total": [30.0, 8.0]})
    >>> int(rfm_grid(rfm_scores(t, bins=2)).loc[2, 2])
    1
    """
    for dim in (rows, cols):
        if dim not in DIMENSIONS:
            raise ValueError(f"rows and cols must be among {DIMENSIONS}, got {dim!r}")
    if not isinstance(scores, RFMScores):
        raise DataValidationError(
            f"scores must be the RFMScores of rfm_scores(...), got {type(scores).__name__}"
        )
    levels = pd.RangeIndex(1, scores.bins + 1)
    frame = scores.scores[[rows, cols]]
    if value is None:
        grid = pd.crosstab(frame[rows], frame[cols])
    else:
        if table is None:
            raise ValueError("table is required when value is given")
        _validate.table(table, name="table", columns=[value])
        # one row per customer: a repeated id (two batches concatenated) has no single value
        _validate.unique_index(table, name="table")
        data = _validate.numeric(
            _validate.reindexed(table, frame.index, name="table", what="row"), value, name="table"
        )
        grid = data.groupby([frame[rows], frame[cols]]).mean().unstack()
    # separate index objects: one shared object would give rows and columns the same name
    grid = grid.reindex(index=levels.rename(rows), columns=levels.rename(cols))
    if value is None:
        grid = grid.fillna(0).astype("int64")
    return grid
