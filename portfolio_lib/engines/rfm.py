"""RFM table, scores (both tie policies) and segments, computed in the engine.

Exactly the definitions of :func:`portfolio_lib.rfm.rfm_table`, :func:`~portfolio_lib.rfm.rfm_scores`
and :func:`~portfolio_lib.rfm.rfm_segments`: returns reduce net spend but are never purchase
occasions; ``ties="same"`` cuts at numpy's linear-interpolation quantiles (computed here from
the two order statistics around each cut, with numpy's own interpolation formula) and a score
counts the cuts below a value; ``ties="first"`` ranks with ties broken by row order (the
table's order: customer id). Only the cut points (``bins - 1`` numbers) leave the engine.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from portfolio_lib import rfm
from portfolio_lib._errors import DataValidationError
from portfolio_lib.engines._common import checked_log, finish, in_memory
from portfolio_lib.engines.backend import Engine, EngineTable, div
from portfolio_lib.engines.contract import Columns

__all__ = ["RFMScoring", "rfm_table", "rfm_scores", "rfm_segments", "numpy_quantiles"]


def numpy_quantiles(
    order_statistics: Mapping[int, float], n: int, probs: Sequence[float]
) -> tuple[float, ...]:
    """``numpy.quantile(x, probs)`` (method "linear") from the needed order statistics of x.

    Parameters
    ----------
    order_statistics : mapping
        0-based rank -> value of the sorted data, for every rank :func:`quantile_ranks` names.
    n : int
        Number of values.
    probs : sequence of float
        Probabilities in [0, 1].

    Returns
    -------
    tuple of float
        Bit for bit what ``numpy.quantile`` returns.

    Examples
    --------
    >>> x = np.array([3.0, 1.0, 7.0, 10.0])
    >>> p = [0.2, 0.4, 0.6, 0.8]
    >>> stats = {i: v for i, v in enumerate(np.sort(x))}
    >>> numpy_quantiles(stats, 4, p) == tuple(np.quantile(x, p))
    True
    """
    virtual = (n - 1) * np.asarray(probs, dtype=float)
    previous = np.floor(virtual).astype(np.int64)
    following = np.minimum(previous + 1, n - 1)
    previous = np.minimum(previous, n - 1)
    gamma = virtual - previous
    a = np.array([order_statistics[int(i)] for i in previous], dtype=float)
    b = np.array([order_statistics[int(i)] for i in following], dtype=float)
    diff = b - a
    out = a + diff * gamma
    late = gamma >= 0.5
    out[late] = (b - diff * (1 - gamma))[late]
    return tuple(float(v) for v in out)


def quantile_ranks(n: int, probs: Sequence[float]) -> list[int]:
    """The 0-based ranks whose values :func:`numpy_quantiles` needs.

    Examples
    --------
    >>> quantile_ranks(4, [0.5])
    [1, 2]
    """
    virtual = (n - 1) * np.asarray(probs, dtype=float)
    previous = np.minimum(np.floor(virtual).astype(np.int64), n - 1)
    return sorted({int(i) for i in previous} | {int(min(i + 1, n - 1)) for i in previous})


def rfm_table(
    source: object,
    *,
    observation_end: str | pd.Timestamp,
    columns: Columns | None = None,
    late: Literal["raise", "drop"] = "raise",
    return_only: Literal["raise", "drop"] = "raise",
    engine: str | Engine | None = None,
    out: str | os.PathLike[str] | None = None,
) -> EngineTable | pd.DataFrame:
    """One row per customer: recency (days), frequency (occasions), monetary value.

    Parameters
    ----------
    source : DataFrame, path, glob, relation or Spark DataFrame
        The transaction log.
    observation_end : date-like
        The analysis day (inclusive).
    columns : Columns, optional
        Column names.
    late, return_only : {"raise", "drop"}
        As in :func:`portfolio_lib.rfm.rfm_table` (customers with returns but no purchase:
        raise, or leave out with a warning that counts them).
    engine : {"duckdb", "spark", "pandas"} or Engine, optional
        Default DuckDB.
    out : path, optional
        Write the table as Parquet.

    Returns
    -------
    EngineTable or pandas.DataFrame
        The customer column and ``recency_days``, ``frequency``, ``monetary_total``,
        ``monetary_mean``, ``returned_amount``, ``first_purchase``, ``last_purchase`` (DATE),
        ``tenure_days``, ``active_days``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-20", "2024-01-25",
    ...                             "2024-01-25"]),
    ...     "amount": [10.0, 5.0, 20.0, -5.0, 12.0]})
    >>> t = rfm_table(tx, observation_end="2024-01-31").to_pandas(index="customer_id")
    >>> t.loc["a", ["recency_days", "frequency", "monetary_total"]].tolist()
    [11.0, 2.0, 30.0]
    """
    columns = columns or Columns()
    end = pd.Timestamp(observation_end).normalize()
    if return_only not in ("raise", "drop"):
        raise ValueError(f"return_only must be 'raise' or 'drop'; got {return_only!r}")
    if engine == "pandas":
        return in_memory(
            rfm.rfm_table, source, columns=columns, out=out, observation_end=end, late=late,
            return_only=return_only,
        )  # fmt: skip
    eng, view = checked_log(source, engine, columns=columns, end=end, late=late)
    counts = eng.fetch(
        f"SELECT COUNT(*) AS n, COUNT(DISTINCT customer) AS customers FROM {view}"
    ).iloc[0]
    if int(counts["n"]) == 0:
        raise DataValidationError(
            f"transactions has no rows; column {columns.customer_id!r} is empty"
        )
    orphans = (
        f"SELECT customer FROM {view} GROUP BY customer "
        "HAVING SUM(CASE WHEN is_return THEN 0 ELSE 1 END) = 0"
    )
    found = eng.fetch(f"SELECT COUNT(*) AS n FROM ({orphans}) o")["n"].iloc[0]
    if int(found):
        shown = eng.fetch(f"SELECT customer FROM ({orphans}) o ORDER BY customer LIMIT 5")
        names = shown["customer"].tolist()
        if return_only == "raise":
            raise DataValidationError(
                f"transactions: column {columns.customer_id!r} has customers with return rows "
                f"but no purchase on or before observation_end: {int(found)} customer(s), e.g. "
                f"{names} (return_only='drop' leaves them out with a warning)"
            )
        warnings.warn(
            f"rfm_table left out {int(found)} customer(s) with return rows but no purchase on "
            f"or before observation_end (return_only='drop'), e.g. {names}",
            UserWarning,
            stacklevel=2,
        )
    key = eng.quote(columns.customer_id)
    zero = "CAST(0 AS DOUBLE)"
    end_sql = f"DATE '{end.date()}'"
    query = (
        f"SELECT b.customer AS {key}, DATE_DIFF('day', b.last_purchase, {end_sql}) AS recency_days, "
        "b.frequency, m.net AS monetary_total, "
        f"{div('m.net', 'b.frequency')} AS monetary_mean, {zero} - m.returned AS returned_amount, "
        "b.first_purchase, b.last_purchase, "
        f"DATE_DIFF('day', b.first_purchase, {end_sql}) AS tenure_days, "
        "DATE_DIFF('day', b.first_purchase, b.last_purchase) AS active_days "
        "FROM (SELECT customer, CAST(COUNT(DISTINCT day) AS BIGINT) AS frequency, "
        "MIN(day) AS first_purchase, MAX(day) AS last_purchase "
        f"FROM {view} WHERE NOT is_return GROUP BY customer) b "
        f"JOIN (SELECT customer, SUM(amount) AS net, "
        f"SUM(CASE WHEN is_return THEN amount ELSE {zero} END) AS returned "
        f"FROM {view} GROUP BY customer) m ON b.customer = m.customer"
    )  # fmt: skip
    return finish(eng, query, out)


@dataclass(frozen=True)
class RFMScoring:
    """RFM scores that stay in the engine, with the cut points used.

    Attributes
    ----------
    scores : EngineTable
        The customer column, int ``R``, ``F``, ``M`` in 1..``bins`` (``bins`` best) and the
        text code ``RFM``.
    thresholds : dict
        ``bins - 1`` cut points per dimension, as in :class:`portfolio_lib.rfm.RFMScores`.
    bins : int
        Score levels.
    ties : {"same", "first"}
        The tie policy.
    columns : dict
        The table column behind each dimension.
    """

    scores: EngineTable
    thresholds: dict[str, tuple[float, ...]]
    bins: int
    ties: str
    columns: dict[str, str] = field(default_factory=dict)

    def to_pandas(self, key: str = "customer_id") -> pd.DataFrame:
        """The scores as pandas, indexed by customer (for tables that fit in memory)."""
        return self.scores.to_pandas(index=key).sort_index()


def _literal(value: float) -> str:
    return f"CAST('{float(value)!r}' AS DOUBLE)"


def rfm_scores(
    table: EngineTable,
    *,
    bins: int = 5,
    ties: Literal["same", "first"] = "same",
    thresholds: Mapping[str, Sequence[float]] | None = None,
    key: str = "customer_id",
    recency_col: str = "recency_days",
    frequency_col: str = "frequency",
    monetary_col: str = "monetary_total",
) -> RFMScoring:
    """Score each customer of an RFM table 1..``bins`` (``bins`` best), in the engine.

    Parameters
    ----------
    table : EngineTable
        An RFM table (:func:`rfm_table`).
    bins : int
        Score levels (>= 2).
    ties : {"same", "first"}
        As in :func:`portfolio_lib.rfm.rfm_scores`.
    thresholds : mapping, optional
        Custom cut points per dimension (``ties="same"`` only).
    key : str
        The customer column of ``table``.
    recency_col, frequency_col, monetary_col : str
        Columns scored as R (lower is better), F and M.

    Returns
    -------
    RFMScoring

    Examples
    --------
    >>> from portfolio_lib.engines.backend import DuckDBEngine
    >>> engine = DuckDBEngine()
    >>> t = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "recency_days": [1, 10, 100, 200],
    ...                   "frequency": [5, 1, 1, 2], "monetary_total": [50.0, 10.0, 5.0, 30.0]})
    >>> s = rfm_scores(EngineTable(engine, engine.register(t)), bins=2)
    >>> s.to_pandas()[["R", "F", "M"]].to_numpy().tolist()
    [[2, 2, 2], [2, 1, 1], [1, 1, 1], [1, 2, 2]]
    """
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    if ties not in ("same", "first"):
        raise ValueError(f"ties must be 'same' or 'first', got {ties!r}")
    custom = dict(thresholds or {})
    if custom and ties == "first":
        raise ValueError(
            "thresholds fix the scores by value, so they cannot be combined with ties='first'"
        )
    eng, view = table.engine, table.view
    q = eng.quote
    columns = {"R": recency_col, "F": frequency_col, "M": monetary_col}
    n = table.count()
    if n == 0:
        raise DataValidationError(f"RFM table has no rows; column {frequency_col!r} is empty")
    probs = list(np.arange(1, bins) / bins)
    cuts_used: dict[str, tuple[float, ...]] = {}
    parts = []
    for dim, col in columns.items():
        x = f"CAST({q(col)} AS DOUBLE)"
        if ties == "same":
            if dim in custom:
                cuts = tuple(float(v) for v in custom[dim])
                if len(cuts) != bins - 1 or np.any(np.diff(cuts) <= 0):
                    raise ValueError(
                        f"thresholds[{dim!r}] needs {bins - 1} strictly increasing cut points"
                    )
            else:
                ranks = quantile_ranks(n, probs)
                stats = eng.fetch(
                    f"SELECT rk, x FROM (SELECT {x} AS x, ROW_NUMBER() OVER (ORDER BY {x}) - 1 "
                    f"AS rk FROM {view}) s WHERE rk IN ({', '.join(map(str, ranks))})"
                )
                order = dict(zip(stats["rk"].astype(int), stats["x"].astype(float), strict=True))
                cuts = numpy_quantiles(order, n, probs)
            above = " + ".join(f"CASE WHEN {x} > {_literal(c)} THEN 1 ELSE 0 END" for c in cuts)
            score = f"({bins} - ({above}))" if dim == "R" else f"(1 + {above})"
            parts.append(f"CAST({score} AS BIGINT) AS {dim}")
        else:
            direction = "DESC" if dim == "R" else "ASC"
            rank = f"ROW_NUMBER() OVER (ORDER BY {x} {direction}, {q(key)} ASC)"
            parts.append(f"CAST(1 + ((({rank}) - 1) * {bins}) // {n} AS BIGINT) AS {dim}")
            cuts = ()  # filled below from the scores
        cuts_used[dim] = cuts
    cols = ", ".join(q(c) for c in columns.values())
    scored = eng.materialize(f"SELECT {q(key)}, {cols}, {', '.join(parts)} FROM {view}")
    if ties == "first":
        for dim, col in columns.items():
            worse = f"({bins} + 1 - {dim})" if dim == "R" else dim
            row = eng.fetch(
                "SELECT "
                + ", ".join(
                    f"MAX(CASE WHEN {worse} <= {j} THEN CAST({q(col)} AS DOUBLE) END) AS c{j}"
                    for j in range(1, bins)
                )
                + f" FROM {scored}"
            ).iloc[0]
            cuts_used[dim] = tuple(
                float("nan") if pd.isna(row[f"c{j}"]) else float(row[f"c{j}"])
                for j in range(1, bins)
            )
    code = "CONCAT(CAST(R AS VARCHAR), CAST(F AS VARCHAR), CAST(M AS VARCHAR))"
    final = eng.materialize(f"SELECT {q(key)}, R, F, M, {code} AS RFM FROM {scored}")
    return RFMScoring(EngineTable(eng, final), cuts_used, int(bins), ties, columns)


def rfm_segments(scoring: RFMScoring, *, key: str = "customer_id") -> EngineTable:
    """Named segments of RFM scores with the default rule table, in the engine.

    The rules are :func:`portfolio_lib.rfm.default_segment_rules` for ``scoring.bins``;
    ``FM = ceil((F + M) / 2)`` as in :func:`portfolio_lib.rfm.rfm_segments`.

    Parameters
    ----------
    scoring : RFMScoring
        Scores from :func:`rfm_scores`.
    key : str
        The customer column.

    Returns
    -------
    EngineTable
        The customer column, ``R``, ``F``, ``M``, ``RFM``, ``FM`` and ``segment``.

    Examples
    --------
    >>> from portfolio_lib.engines.backend import DuckDBEngine
    >>> engine = DuckDBEngine()
    >>> s = pd.DataFrame({"customer_id": ["a", "b"], "R": [5, 1], "F": [5, 1], "M": [4, 2],
    ...                   "RFM": ["554", "112"]})
    >>> scoring = RFMScoring(EngineTable(engine, engine.register(s)), {}, 5, "same")
    >>> rfm_segments(scoring).to_pandas()["segment"].tolist()
    ['Champions', 'Lost']
    """
    eng = scoring.scores.engine
    rules = rfm.default_segment_rules(scoring.bins)
    fm = "((F + M + 1) // 2)"
    cases = " ".join(
        f"WHEN R BETWEEN {int(r.r_min)} AND {int(r.r_max)} AND {fm} BETWEEN {int(r.fm_min)} "
        f"AND {int(r.fm_max)} THEN '{str(r.segment).replace(chr(39), chr(39) * 2)}'"
        for r in rules.itertuples(index=False)
    )
    view = eng.create_view(
        f"SELECT {eng.quote(key)}, R, F, M, RFM, CAST({fm} AS BIGINT) AS FM, "
        f"CASE {cases} END AS segment FROM {scoring.scores.view}"
    )
    return EngineTable(eng, view)
