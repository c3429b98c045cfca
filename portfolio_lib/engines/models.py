"""CLV models from sufficient statistics: the raw log and the customers never leave the engine.

BG/NBD and Pareto/NBD see a customer only through (frequency, recency, T), Gamma-Gamma through
(frequency, monetary value). The engine groups the summary into those unique rows with counts
(:func:`purchase_statistics`, :func:`spend_statistics`); the public estimators fit them with
``weights=`` (the same likelihood as the full fit, which compresses identical rows itself);
each unique row is scored once and the scores are joined back to the customers in the engine
(:func:`score_customers`).

Compression measured on CDNOW (23,570 customers, weeks): ~2,700 unique (frequency, recency, T)
rows but ~9,000 unique (frequency, monetary value) rows among ~11,500 repeat buyers: spend
barely compresses, so the Gamma-Gamma fit works on up to one row per repeat buyer - three
numbers per row, which numpy handles for tens of millions of rows.

Gamma-Gamma at scale, measured and chosen (``benchmarks/bench_engines.py --gamma-gamma``,
``benchmarks/results_engines.md``): the exact weighted fit in numpy on the unique
(frequency, monetary value) rows. On a simulated log of 10^7 rows (1.63 million repeat
buyers, 688,450 unique rows) the whole fit took 1.5 CPU seconds, while *one* evaluation of
the same log-likelihood as an aggregate query in DuckDB took ~2 s - a fit needs dozens of
them, so an optimiser step per query was rejected. A random sample of repeat buyers would cut
the fit further but adds sampling error: relative standard errors of (p, q, gamma) of
(2.4, 0.8, 3.0) % with 10^5 sampled buyers against (0.5, 0.15, 0.6) % for the exact fit. At
10^8 rows (16.3 million repeat buyers, 2,975,972 unique rows) the exact fit ran inside the
``clv`` command's 2.2 GB peak, so no sampling is needed on one machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from portfolio_lib import clv
from portfolio_lib.engines.backend import EngineTable

__all__ = [
    "FittedModels",
    "purchase_statistics",
    "spend_statistics",
    "fit_models",
    "score_customers",
]


def _as_table(summary: EngineTable | pd.DataFrame) -> EngineTable:
    if isinstance(summary, EngineTable):
        return summary
    from portfolio_lib.engines.backend import DuckDBEngine

    engine = DuckDBEngine()
    return EngineTable(engine, engine.register(summary.reset_index()))


def purchase_statistics(summary: EngineTable | pd.DataFrame) -> pd.DataFrame:
    """Unique (frequency, recency, T) rows of a summary with the number of customers in each.

    Parameters
    ----------
    summary : EngineTable or pandas.DataFrame
        A CLV summary (:func:`portfolio_lib.engines.summary_from_transactions`).

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` and ``count``, sorted.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [1, 1, 0], "recency": [2.0, 2.0, 0.0],
    ...                   "T": [4.0, 4.0, 3.0], "monetary_value": [5.0, 6.0, 0.0]})
    >>> purchase_statistics(s)["count"].tolist()
    [1, 2]
    """
    table = _as_table(summary)
    stats = table.engine.fetch(
        "SELECT frequency, recency, T, COUNT(*) AS count FROM "
        f"{table.view} GROUP BY frequency, recency, T"
    )
    return stats.sort_values(["frequency", "recency", "T"], ignore_index=True).astype(
        {"frequency": "int64", "count": "int64"}
    )


def spend_statistics(
    summary: EngineTable | pd.DataFrame, *, repeat_only: bool = True
) -> pd.DataFrame:
    """Unique (frequency, monetary_value) rows with counts.

    ``repeat_only`` (default): the rows Gamma-Gamma can fit, repeat buyers (``frequency > 0``)
    with a positive mean spend (a repeat buyer whose purchases were all free has no spend
    to model; the in-memory fit refuses such rows, so filter them there too).

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [1, 1, 0], "recency": [2.0, 2.0, 0.0],
    ...                   "T": [4.0, 4.0, 3.0], "monetary_value": [5.0, 5.0, 0.0]})
    >>> spend_statistics(s).to_dict("list")
    {'frequency': [1], 'monetary_value': [5.0], 'count': [2]}
    """
    table = _as_table(summary)
    where = " WHERE frequency > 0 AND monetary_value > 0" if repeat_only else ""
    stats = table.engine.fetch(
        "SELECT frequency, monetary_value, COUNT(*) AS count FROM "
        f"{table.view}{where} GROUP BY frequency, monetary_value"
    )
    return stats.sort_values(["frequency", "monetary_value"], ignore_index=True).astype(
        {"frequency": "int64", "count": "int64"}
    )


@dataclass
class FittedModels:
    """A purchase and a spend model fitted on sufficient statistics.

    Attributes
    ----------
    purchase : BetaGeo or ParetoNBD
        Fitted purchase model.
    spend : GammaGamma
        Fitted spend model.
    compression : dict
        Customers, unique purchase rows, repeat buyers and unique spend rows.
    unit : str
        Time unit of the summary.
    """

    purchase: clv.BetaGeo | clv.ParetoNBD
    spend: clv.GammaGamma
    compression: dict[str, int]
    unit: str

    def parameters(self) -> dict[str, dict[str, dict[str, float]]]:
        """Estimates and standard errors per model, e.g. for JSON."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for name, model in (("purchase", self.purchase), ("spend", self.spend)):
            table = model.summary().table
            out[name] = {
                str(p): {"estimate": float(r["estimate"]), "std_err": float(r["std_err"])}
                for p, r in table.iterrows()
            }
        return out


def fit_models(
    summary: EngineTable | pd.DataFrame,
    *,
    unit: str = "W",
    purchase_model: str = "bgnbd",
) -> FittedModels:
    """Fit BG/NBD (or Pareto/NBD) and Gamma-Gamma on a summary's sufficient statistics.

    Parameters
    ----------
    summary : EngineTable or pandas.DataFrame
        A CLV summary in ``unit``.
    unit : {"D", "W", "M"}
        Its time unit (remembered by the models).
    purchase_model : {"bgnbd", "paretonbd"}
        Which purchase model.

    Returns
    -------
    FittedModels

    Examples
    --------
    >>> s = clv.simulate_bgnbd(2000, r=0.5, alpha=5.0, a=0.5, b=2.0, T=52.0, seed=1)
    >>> import numpy as np
    >>> s["monetary_value"] = np.random.default_rng(1).gamma(6.0, 5.0, len(s))
    >>> fitted = fit_models(s)
    >>> fitted.compression["customers"], fitted.purchase.params_.index.tolist()
    (2000, ['r', 'alpha', 'a', 'b'])
    """
    purchases = purchase_statistics(summary)
    spends = spend_statistics(summary)
    model = {"bgnbd": clv.BetaGeo, "paretonbd": clv.ParetoNBD}[purchase_model]()
    frame = purchases[["frequency", "recency", "T"]].copy()
    frame.attrs["unit"] = unit
    model.fit(frame, weights=purchases["count"].to_numpy())
    spend = clv.GammaGamma().fit(
        spends[["frequency", "monetary_value"]], weights=spends["count"].to_numpy()
    )
    compression = {
        "customers": int(purchases["count"].sum()),
        "purchase_rows": len(purchases),
        "repeat_buyers_with_spend": int(spends["count"].sum()),
        "spend_rows": len(spends),
    }
    return FittedModels(model, spend, compression, unit)


def score_customers(
    summary: EngineTable | pd.DataFrame,
    models: FittedModels,
    *,
    horizon: float,
    annual_discount_rate: float,
    margin: float,
    key: str = "customer_id",
    out: str | os.PathLike[str] | None = None,
) -> EngineTable:
    """One row per customer with P(alive), expected purchases and CLV, scored per unique row.

    Parameters
    ----------
    summary : EngineTable or pandas.DataFrame
        The summary the models were fitted on (customer column ``key``).
    models : FittedModels
        From :func:`fit_models`.
    horizon : float
        Future period, in the summary's unit.
    annual_discount_rate : float
        Discount rate per year (0.10 = 10 %), as in :func:`portfolio_lib.clv.customer_lifetime_value`.
    margin : float
        Gross margin, a fraction of revenue.
    key : str
        The customer column.
    out : path, optional
        Write the scores as Parquet.

    Returns
    -------
    EngineTable
        ``key``, ``frequency``, ``recency``, ``T``, ``monetary_value``, ``prob_alive``,
        ``expected_purchases`` (over ``horizon``), ``discounted_purchases``,
        ``expected_spend`` and ``clv`` = margin x expected spend x discounted purchases (the
        point estimate of :func:`~portfolio_lib.clv.customer_lifetime_value`).
    """
    table = _as_table(summary)
    eng = table.engine
    purchases = purchase_statistics(table)[["frequency", "recency", "T"]]
    purchases.attrs["unit"] = models.unit
    x, r, t_ = (purchases[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    model = models.purchase
    purchases["prob_alive"] = model.prob_alive(x, r, t_)
    purchases["expected_purchases"] = model.conditional_expected_purchases(horizon, x, r, t_)
    purchases["discounted_purchases"] = clv.discounted_expected_purchases(
        model, purchases, horizon=horizon, unit=models.unit,
        annual_discount_rate=annual_discount_rate,
    ).to_numpy()  # fmt: skip
    spends = spend_statistics(table, repeat_only=False)[["frequency", "monetary_value"]]
    spends["expected_spend"] = models.spend.conditional_expected_spend(
        spends["frequency"].to_numpy(float), spends["monetary_value"].to_numpy(float)
    )
    p_view = eng.register_small(purchases)  # type: ignore[attr-defined]
    s_view = eng.register_small(spends)  # type: ignore[attr-defined]
    k = eng.quote(key)
    query = (
        f"SELECT c.{k}, c.frequency, c.recency, c.T, c.monetary_value, p.prob_alive, "
        "p.expected_purchases, p.discounted_purchases, s.expected_spend, "
        f"CAST({float(margin)!r} AS DOUBLE) * s.expected_spend * p.discounted_purchases AS clv "
        f"FROM {table.view} c JOIN {p_view} p ON c.frequency = p.frequency "
        "AND c.recency = p.recency AND c.T = p.T "
        f"JOIN {s_view} s ON c.frequency = s.frequency AND c.monetary_value = s.monetary_value"
    )
    view = eng.create_view(query)
    if out is not None:
        return EngineTable(eng, eng.register(eng.write_parquet(view, out)))
    return EngineTable(eng, view)
