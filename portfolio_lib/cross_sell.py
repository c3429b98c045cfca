"""Cross-sell white space: which categories sell to whom, and what each customer might buy next.

Questions 9 and 10 of the chapter: *which products are most popular, and with whom?* and
*where are the untapped opportunities?*

* :func:`category_matrix` - segment x category: penetration (share of the segment's customers
  who bought the category), revenue, and an index against the whole base (> 1 = the segment
  over-buys the category).
* :func:`category_affinity` - category co-occurrence over customers: support, confidence
  P(B | A) and lift.
* :func:`white_space` - per segment and category, how many customers have *not* bought it yet
  compared with a benchmark penetration, and the revenue that gap stands for.
* :func:`next_category` - for each customer the top categories they have not bought but
  similar customers have (same segment, or the nearest neighbours in any feature space),
  with a popularity baseline; :func:`suggestion_hit_rate` checks suggestions against what
  customers bought later.

A customer "bought" a category when they have a purchase row (not a return) in it; revenue is
the sum of purchase amounts (currency units).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib._intervals import wilson_interval
from portfolio_lib._results import ResultSummary, SettingsResult

__all__ = [
    "SegmentCategoryMatrix",
    "CategoryAffinity",
    "WhiteSpace",
    "category_matrix",
    "category_affinity",
    "white_space",
    "next_category",
    "suggestion_hit_rate",
]

#: How messages name the rows a per-customer input must cover.
_BUYERS = "buyer(s) of column 'customer_id'"


def _purchases(
    transactions: pd.DataFrame, *, category_col: str, customer_col: str, name: str = "transactions"
) -> pd.DataFrame:
    """Purchase rows as ``customer``, ``category``, ``amount`` (returns removed, validated).

    ``name`` is the argument's name in messages (e.g. ``"later_transactions"``).
    """
    require_columns(transactions, [customer_col, "date", "amount", category_col], name=name)
    raise_for_rows(
        transactions, transactions[category_col].isna(), column=category_col,
        problem="must not be missing", name=name,
    )  # fmt: skip
    tx = _validate.transactions(transactions, customer_col=customer_col, what=name)
    tx["category"] = transactions[category_col].astype(str).to_numpy()
    buys = tx.loc[~tx["is_return"], ["customer", "category", "amount"]]
    if buys.empty:
        raise DataValidationError(
            f"{name}: column {customer_col!r} has no purchase rows (only returns)"
        )
    return buys


def _bought(buys: pd.DataFrame) -> pd.DataFrame:
    """Customer x category 0/1 matrix (sorted)."""
    matrix = pd.crosstab(buys["customer"], buys["category"]).clip(upper=1)
    matrix.index.name, matrix.columns.name = "customer_id", "category"
    return matrix.astype(int)


def _segments_for(segments: pd.Series, index: pd.Index) -> pd.Series:
    if not isinstance(segments, pd.Series):
        raise DataValidationError(
            f"segments must be a pandas Series indexed by customer id, got {type(segments).__name__}"
        )
    aligned = _validate.reindexed(segments, index, name="segments", what="label", of=_BUYERS)
    if aligned.isna().any():
        raise DataValidationError(f"segments must not be missing ({int(aligned.isna().sum())} are)")
    return aligned.rename("segment")


def _matrix_note(categories: pd.Index, customers: pd.Series) -> str:
    if len(categories) >= 2:
        return (
            f"{len(categories)} categories bought by {int(customers.sum())} customers in "
            f"{len(customers)} segment(s)."
        )
    return (
        f"This data set records a single product category ({categories[0]!r}): which "
        "products sell to whom, and cross-selling between categories, cannot be analysed."
    )


@dataclass(frozen=True)
class SegmentCategoryMatrix:
    """Segment x category purchase matrix.

    Attributes
    ----------
    customers : pandas.Series
        Buyers per segment.
    buyers : pandas.DataFrame
        Segment x category: customers who bought the category.
    penetration : pandas.DataFrame
        ``buyers / customers``: share of the segment who bought the category (0-1).
    revenue : pandas.DataFrame
        Segment x category revenue (currency units).
    index : pandas.DataFrame
        Penetration over the whole base's penetration (1 = average; > 1 over-represented).
    overall : pandas.DataFrame
        Per category for the whole base: ``buyers``, ``penetration``, ``revenue``,
        ``revenue_share`` and ``revenue_per_buyer`` (most popular first).
    note : str
        What was compared or, when the data record a single category, that nothing can be
        said about which products sell to whom (and there is no cross-selling between
        categories).
    """

    customers: pd.Series
    buyers: pd.DataFrame
    penetration: pd.DataFrame
    revenue: pd.DataFrame
    index: pd.DataFrame
    overall: pd.DataFrame
    note: str = ""


def category_matrix(
    transactions: pd.DataFrame,
    segments: pd.Series,
    *,
    category_col: str = "category",
    customer_col: str = "customer_id",
) -> SegmentCategoryMatrix:
    """Which categories each segment buys: penetration, revenue and over-representation index.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount``, ``category`` (and optionally ``is_return``).
    segments : pandas.Series
        Segment per customer (index customer id): every buyer needs one; customers without a
        purchase are ignored.
    category_col, customer_col : str
        Column names.

    Returns
    -------
    SegmentCategoryMatrix

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...     "date": pd.Timestamp("2024-01-01"), "amount": [10.0, 5.0, 8.0, 3.0],
    ...     "category": ["home", "beauty", "home", "beauty"]})
    >>> m = category_matrix(tx, pd.Series({"a": "x", "b": "x", "c": "y"}))
    >>> m.penetration.loc["x"].to_dict()
    {'beauty': 0.5, 'home': 1.0}
    """
    buys = _purchases(transactions, category_col=category_col, customer_col=customer_col)
    bought = _bought(buys)
    seg = _segments_for(segments, bought.index)
    customers = seg.value_counts().sort_index().rename("customers")
    buyers = bought.groupby(seg, observed=True).sum().reindex(customers.index)
    penetration = buyers.div(customers, axis=0)
    revenue = (
        buys.assign(segment=seg.reindex(buys["customer"]).to_numpy())
        .pivot_table(
            index="segment", columns="category", values="amount", aggfunc="sum", fill_value=0.0
        )  # fmt: skip
        .reindex(index=customers.index, columns=bought.columns, fill_value=0.0)
    )
    base = bought.mean()
    cat_revenue = buys.groupby("category")["amount"].sum().reindex(bought.columns)
    overall = pd.DataFrame(
        {
            "buyers": bought.sum(),
            "penetration": base,
            "revenue": cat_revenue,
            "revenue_share": cat_revenue / cat_revenue.sum(),
            "revenue_per_buyer": cat_revenue / bought.sum(),
        }
    ).sort_values("buyers", ascending=False, kind="stable")
    for frame in (buyers, penetration, revenue):
        frame.index.name, frame.columns.name = "segment", "category"
    return SegmentCategoryMatrix(
        customers, buyers, penetration, revenue, penetration.div(base, axis=1), overall,
        _matrix_note(bought.columns, customers),
    )  # fmt: skip


@dataclass(frozen=True)
class CategoryAffinity:
    """Category co-occurrence over customers.

    Attributes
    ----------
    support : pandas.DataFrame
        P(bought A and B) (diagonal: P(bought A)).
    confidence : pandas.DataFrame
        Row A, column B: P(bought B | bought A).
    lift : pandas.DataFrame
        ``confidence / P(B)``: > 1 means buyers of A buy B more often than customers in general.
    n_customers : int
    """

    support: pd.DataFrame
    confidence: pd.DataFrame
    lift: pd.DataFrame
    n_customers: int

    def pairs(self) -> pd.DataFrame:
        """Long table of ordered pairs (A -> B, A != B) sorted by lift (empty for one category)."""
        rows = []
        for a in self.confidence.index:
            for b in self.confidence.columns:
                if a != b:
                    rows.append(
                        {
                            "if_bought": a,
                            "then_buys": b,
                            "support": float(self.support.loc[a, b]),
                            "confidence": float(self.confidence.loc[a, b]),
                            "lift": float(self.lift.loc[a, b]),
                        }
                    )
        columns = ["if_bought", "then_buys", "support", "confidence", "lift"]
        return (
            pd.DataFrame(rows, columns=columns)
            .sort_values("lift", ascending=False, kind="stable")
            .reset_index(drop=True)
        )


def category_affinity(
    transactions: pd.DataFrame,
    *,
    category_col: str = "category",
    customer_col: str = "customer_id",
) -> CategoryAffinity:
    """Which categories go together: support, confidence P(B | A) and lift over customers.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...     "date": pd.Timestamp("2024-01-01"), "amount": 1.0,
    ...     "category": ["home", "beauty", "home", "beauty"]})
    >>> float(category_affinity(tx).confidence.loc["home", "beauty"])
    0.5
    """
    bought = _bought(_purchases(transactions, category_col=category_col,
                                customer_col=customer_col))  # fmt: skip
    counts = bought.to_numpy(dtype=float)
    together = counts.T @ counts
    n = len(bought)
    cats = bought.columns
    support = pd.DataFrame(together / n, index=cats, columns=cats)
    alone = np.diag(together)
    confidence = pd.DataFrame(together / alone[:, None], index=cats, columns=cats)
    lift = confidence / (alone / n)[None, :]
    return CategoryAffinity(support, confidence, lift, n)


@dataclass(frozen=True, repr=False, eq=False)
class WhiteSpace(SettingsResult):
    """Untapped cross-sell potential per segment and category (what :func:`white_space`
    returns).

    ``result["potential_revenue"]`` and ``len(result)`` reach the table directly;
    ``result.summary()`` gives the total potential and the benchmark.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (segment, category), largest potential first: ``segment``,
        ``category``, ``customers``, ``penetration`` and ``benchmark`` (shares of the
        segment's customers, 0-1), ``gap_customers`` (>= 0, fractional),
        ``revenue_per_buyer`` and ``potential_revenue`` (currency units).
    benchmark : str
        ``"best"`` (the highest penetration of any segment) or ``"overall"`` (the whole
        base's).
    note : str
        The category matrix's note (e.g. a single category: no gap).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"segment": ["x", "y"], "category": ["home", "home"],
    ...                       "gap_customers": [2.0, 0.0], "potential_revenue": [30.0, 0.0]})
    >>> result = WhiteSpace(table, "best")
    >>> result
    WhiteSpace(2 segment-category pairs, benchmark='best')
    >>> print(result.summary())  # doctest: +NORMALIZE_WHITESPACE
    Cross-sell white space
    ----------------------
    segment-category pairs with a gap  1 of 2
    customers in the gaps              2.0
    potential revenue                  30.00 (currency units)
    benchmark penetration              best
    """

    table: pd.DataFrame
    benchmark: str
    note: str = field(default="", repr=False)
    _row_name = "segment-category pairs"

    def summary(self) -> ResultSummary:
        """Pairs with a gap, the customers and revenue in the gaps, and the benchmark."""
        gaps = self.table["potential_revenue"] > 0
        rows = (
            ("segment-category pairs with a gap", f"{int(gaps.sum()):,} of {len(self.table):,}"),
            ("customers in the gaps", f"{self.table['gap_customers'].sum():,.1f}"),
            ("potential revenue", f"{self.table['potential_revenue'].sum():,.2f} (currency units)"),
            ("benchmark penetration", self.benchmark),
        )
        return ResultSummary("Cross-sell white space", rows, (self.note,) if self.note else ())


def white_space(
    matrix: SegmentCategoryMatrix,
    *,
    benchmark: Literal["best", "overall"] = "best",
) -> WhiteSpace:
    """Untapped cross-sell potential per segment and category.

    The benchmark penetration of a category is the highest penetration any segment reaches
    (``"best"``, what is evidently possible) or the whole base's (``"overall"``). The gap is
    the number of the segment's customers who would have bought the category at the benchmark
    rate but have not, and its revenue is valued at the segment's revenue per buyer of that
    category (the overall revenue per buyer where the segment has no buyer).

    Parameters
    ----------
    matrix : SegmentCategoryMatrix
        From :func:`category_matrix`.
    benchmark : {"best", "overall"}

    Returns
    -------
    WhiteSpace
        ``table``: one row per (segment, category), largest potential first: ``segment``,
        ``category``, ``customers``, ``penetration``, ``benchmark``, ``gap_customers`` (>= 0,
        fractional), ``revenue_per_buyer`` and ``potential_revenue`` (currency units);
        ``note`` carries the matrix's note (e.g. a single category: no gap), also kept in
        the table's ``attrs`` for code written when the function returned the table.

    Raises
    ------
    TypeError
        ``matrix`` is not a :class:`SegmentCategoryMatrix` (e.g. a DataFrame or None).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": list("abcd"), "date": pd.Timestamp("2024-01-01"),
    ...     "amount": [10.0, 10.0, 10.0, 5.0], "category": ["home", "home", "beauty", "home"]})
    >>> m = category_matrix(tx, pd.Series({"a": "x", "b": "x", "c": "y", "d": "y"}))
    >>> top = white_space(m).table.iloc[0]
    >>> top["segment"], top["category"], float(top["gap_customers"]), float(top["potential_revenue"])
    ('x', 'beauty', 1.0, 10.0)
    """
    if not isinstance(matrix, SegmentCategoryMatrix):
        raise TypeError(
            f"matrix must be a SegmentCategoryMatrix (from category_matrix), got {type(matrix).__name__}"
        )
    if benchmark == "best":
        target = matrix.penetration.max(axis=0)
    elif benchmark == "overall":
        target = matrix.overall["penetration"].reindex(matrix.penetration.columns)
    else:
        raise ValueError(f"benchmark must be 'best' or 'overall', got {benchmark!r}")
    per_buyer = (matrix.revenue / matrix.buyers.where(matrix.buyers > 0)).fillna(
        matrix.overall["revenue_per_buyer"]
    )
    rows = []
    for segment in matrix.penetration.index:
        n = int(matrix.customers.loc[segment])
        for category in matrix.penetration.columns:
            pen = float(matrix.penetration.loc[segment, category])
            gap = max(float(target[category]) - pen, 0.0) * n
            value = float(per_buyer.loc[segment, category])
            rows.append(
                {
                    "segment": segment,
                    "category": category,
                    "customers": n,
                    "penetration": pen,
                    "benchmark": float(target[category]),
                    "gap_customers": gap,
                    "revenue_per_buyer": value,
                    "potential_revenue": gap * value,
                }
            )
    out = pd.DataFrame(rows)
    out = out.sort_values("potential_revenue", ascending=False, kind="stable").reset_index(
        drop=True
    )
    out.attrs["note"] = matrix.note  # kept for code written when the table was the result
    return WhiteSpace(out, benchmark, matrix.note)


def next_category(
    transactions: pd.DataFrame,
    *,
    method: Literal["segment", "neighbours", "popularity"] = "neighbours",
    segments: pd.Series | None = None,
    features: pd.DataFrame | None = None,
    n_neighbors: int = 100,
    top_n: int = 2,
    category_col: str = "category",
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """For each customer, the top categories they have not bought but similar customers have.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount``, ``category`` (and optionally ``is_return``).
    method : {"segment", "neighbours", "popularity"}
        How "similar customers" are found and a category scored:

        - ``"segment"``: the customer's segment (``segments``); score = the category's
          penetration in the segment;
        - ``"neighbours"``: the ``n_neighbors`` nearest customers (Euclidean distance on the
          standardised ``features``, by default each customer's share of purchases per
          category); score = share of the neighbours who bought the category;
        - ``"popularity"``: everyone; score = overall penetration (the baseline to beat).
    segments : pandas.Series, optional
        Segment per customer (needed for ``"segment"``), e.g. psychographic segments.
    features : pandas.DataFrame, optional
        Numeric features per customer (index customer id) for ``"neighbours"``, e.g. the
        attitude items; default the category purchase shares.
    n_neighbors : int
        Neighbours per customer (the customer is not their own neighbour).
    top_n : int
        Suggestions per customer (fewer when fewer categories are left).
    category_col, customer_col : str

    Returns
    -------
    pandas.DataFrame
        Long table ``customer_id``, ``rank`` (1 = best), ``category``, ``score`` (0-1). Ties
        are broken by the category's overall popularity, then its name.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"],
    ...     "date": pd.Timestamp("2024-01-01"), "amount": 1.0,
    ...     "category": ["home", "beauty", "home", "beauty", "sports"]})
    >>> next_category(tx, method="popularity", top_n=1)["category"].tolist()
    ['sports', 'beauty', 'home']
    """
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise ValueError(f"top_n must be a whole number >= 1, got {top_n!r}")
    bought = _bought(_purchases(transactions, category_col=category_col,
                                customer_col=customer_col))  # fmt: skip
    if method == "popularity":
        scores = np.tile(bought.mean().to_numpy(dtype=float), (len(bought), 1))
    elif method == "segment":
        if segments is None:
            raise ValueError("method='segment' needs segments")
        seg = _segments_for(segments, bought.index)
        scores = bought.groupby(seg, observed=True).transform("mean").to_numpy(dtype=float)
    elif method == "neighbours":
        scores = _neighbour_scores(bought, features, n_neighbors)
    else:
        raise ValueError(f"method must be 'segment', 'neighbours' or 'popularity', got {method!r}")
    # tie-break: overall popularity (tiny), then the category order (stable sort)
    popularity = bought.mean().to_numpy(dtype=float)
    keyed = np.where(bought.to_numpy() == 1, -np.inf, scores + 1e-9 * popularity[None, :])
    order = np.argsort(-keyed, axis=1, kind="stable")
    rows = []
    cats = bought.columns.to_numpy()
    for i, customer in enumerate(bought.index):
        rank = 0
        for j in order[i]:
            if not np.isfinite(keyed[i, j]) or rank == top_n:
                break
            rank += 1
            rows.append((customer, rank, cats[j], float(scores[i, j])))
    out = pd.DataFrame(rows, columns=[customer_col, "rank", "category", "score"])
    return out


def _neighbour_scores(
    bought: pd.DataFrame, features: pd.DataFrame | None, n_neighbors: int
) -> np.ndarray:
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, int) or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be a whole number >= 1, got {n_neighbors!r}")
    if n_neighbors >= len(bought):
        raise DataValidationError(
            f"transactions has {len(bought)} buyer(s); method='neighbours' with "
            f"n_neighbors={n_neighbors} needs more buyers than neighbours (lower n_neighbors, "
            "or use method='popularity')"
        )
    if features is None:
        X = bought.div(bought.sum(axis=1), axis=0).to_numpy(dtype=float)
    else:
        if not isinstance(features, pd.DataFrame):
            raise DataValidationError(
                f"features must be a DataFrame indexed by customer id, got {type(features).__name__}"
            )
        frame = _validate.reindexed(features, bought.index, name="features", what="row", of=_BUYERS)
        for column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            raise_for_rows(
                frame, ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)),
                column=column, problem="must be a finite number", name="features",
            )  # fmt: skip
        X = frame.to_numpy(dtype=float)
        sd = X.std(axis=0)
        X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    nn = NearestNeighbors(n_neighbors=n_neighbors + 1, algorithm="brute").fit(X)
    _, idx = nn.kneighbors(X)
    own = np.arange(len(X))[:, None]
    # drop the customer themself (usually, but with duplicates not always, in column 0)
    keep = np.where((idx == own).any(axis=1)[:, None], idx != own, np.arange(idx.shape[1]) > 0)
    neighbours = idx[keep].reshape(len(X), n_neighbors)
    return bought.to_numpy(dtype=float)[neighbours].mean(axis=1)


def suggestion_hit_rate(
    suggestions: pd.DataFrame,
    later_transactions: pd.DataFrame,
    *,
    bought_before: pd.DataFrame,
    category_col: str = "category",
    customer_col: str = "customer_id",
    confidence: float = 0.95,
) -> pd.Series:
    """Share of customers whose next *new* category was among their suggestions.

    Among customers with suggestions who later bought at least one category they had not
    bought before, the hit rate is the share for whom one of those new categories was
    suggested.

    Parameters
    ----------
    suggestions : pandas.DataFrame
        From :func:`next_category` on the earlier transactions.
    later_transactions : pandas.DataFrame
        Transactions after the suggestions were made.
    bought_before : pandas.DataFrame
        The earlier transactions (to know which categories were new).
    confidence : float
        Level of the Wilson interval.

    Returns
    -------
    pandas.Series
        ``customers`` (with a new category later), ``hits``, ``hit_rate``, ``ci_low``,
        ``ci_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> before = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.Timestamp("2024-01-01"),
    ...                        "amount": 1.0, "category": ["home", "home"]})
    >>> later = before.assign(category=["beauty", "sports"])
    >>> sug = pd.DataFrame({"customer_id": ["a", "b"], "rank": 1, "category": "beauty",
    ...                     "score": 0.5})
    >>> float(suggestion_hit_rate(sug, later, bought_before=before)["hit_rate"])
    0.5
    """
    require_columns(suggestions, [customer_col, "category"], name="suggestions")
    before = _bought(_purchases(bought_before, category_col=category_col,
                                customer_col=customer_col, name="bought_before"))  # fmt: skip
    after = _purchases(later_transactions, category_col=category_col, customer_col=customer_col,
                       name="later_transactions")  # fmt: skip
    stacked = before.stack()
    old = set(stacked[stacked == 1].index)
    new_pairs = {
        (c, k) for c, k in zip(after["customer"], after["category"], strict=True)
        if (c, k) not in old
    }  # fmt: skip
    suggested = set(zip(suggestions[customer_col], suggestions["category"].astype(str),
                        strict=True))  # fmt: skip
    eligible = {c for c, _ in new_pairs} & set(suggestions[customer_col])
    if not eligible:
        raise DataValidationError(
            "later_transactions: no customer with suggestions bought a new category; "
            "the hit rate is undefined"
        )
    hits = {c for c, k in new_pairs if c in eligible and (c, k) in suggested}
    n, k = len(eligible), len(hits)
    low, high = wilson_interval(k, n, confidence)
    return pd.Series(
        {
            "customers": n,
            "hits": k,
            "hit_rate": k / n,
            "ci_low": float(low),
            "ci_high": float(high),
        }  # fmt: skip
    )
