"""The portfolio KPIs per segment in one table: :func:`kpi_dashboard` (a :class:`KPIDashboard`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib._intervals import wilson_interval
from portfolio_lib._results import ResultSummary, SettingsResult, percent
from portfolio_lib.crm import CRMData, crm_table
from portfolio_lib.portfolio._common import per_customer
from portfolio_lib.portfolio.groups import GROUPS
from portfolio_lib.portfolio.strategy import strategy_table

#: The KPI columns of :func:`kpi_dashboard` that :func:`~portfolio_lib.plotting.portfolio.
#: plot_kpi_dashboard` draws, with their labels.
KPI_LABELS: dict[str, str] = {
    "retention_rate": "retention (share buying in the window after as_of)",
    "churn_rate": "churn (1 - retention)",
    "clv_mean": "mean CLV (currency)",
    "cac_mean": "mean CAC (currency)",
    "nps": "NPS (points, recent answers)",
    "net_profit_per_customer": "net profit per customer (after CAC, currency)",
}


__all__ = ["KPI_LABELS", "KPIDashboard", "kpi_dashboard"]

#: Why a KPI of :func:`kpi_dashboard` is unknown (NaN) for a segment (:attr:`KPIDashboard.note`).
_UNKNOWN_BECAUSE: dict[str, str] = {
    "retention_rate": "none of its customers had bought by as_of",
    "nps": "no NPS answer of its customers in the window before observation_end",
    "cac_mean": "the data have no acquisition costs for its customers",
    "clv_mean": "no clv was given",
    "expected_churn": "no churn_probability was given",
}


@dataclass(frozen=True, repr=False, eq=False)
class KPIDashboard(SettingsResult):
    """The portfolio KPIs per segment and the window they were measured in (what
    :func:`kpi_dashboard` returns).

    ``result["retention_rate"]`` and ``len(result)`` reach the table directly;
    ``result.summary()`` gives the segments, the customers and the dates.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment (index ``segment``): ``n_customers``, ``retention_base``,
        ``retention_rate``, ``churn_rate`` (0-1) with ``_ci_low``/``_ci_high``,
        ``expected_churn`` (0-1), ``clv_mean``, ``cac_mean`` (currency units), ``nps``
        with ``nps_ci_low``, ``nps_ci_high`` (points) and ``nps_responses``,
        ``revenue_per_customer``, ``gross_profit_per_customer`` (``margin x`` net revenue)
        and ``net_profit_per_customer`` (gross minus the acquisition cost; NaN when the data
        have no acquisition costs), currency units, and, with strategies, ``strategy`` and
        ``target``.
    as_of : pandas.Timestamp
        Day the segments were assigned; retention counts purchases after it.
    observation_end : pandas.Timestamp
        Last day of the data used (revenue and profit up to it).
    window_days : int
        Length of the retention window after ``as_of`` (and of the recent-NPS window
        before ``observation_end``), in days.
    margin : float
        Gross margin as a fraction of revenue, used for the profit.
    confidence : float
        Level of the retention, churn and NPS intervals (0.95 = 95 %).
    note : str
        Which KPIs are unknown (NaN) for which segments, and why (e.g. no NPS answer in the
        window); empty when every KPI is known.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"n_customers": [3, 5]}, index=pd.Index(["x", "y"], name="segment"))
    >>> result = KPIDashboard(table, pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-29"),
    ...                       180, 0.3, 0.95)
    >>> result
    KPIDashboard(2 segments, as_of=2024-01-01, observation_end=2024-06-29, window_days=180, margin=0.3, confidence=0.95)
    >>> print(result.summary())  # doctest: +NORMALIZE_WHITESPACE
    Portfolio KPIs per segment
    --------------------------
    segments          2
    customers         8
    retention window  2024-01-01 to 2024-06-29 (180 days after the segments were assigned)
    data up to        2024-06-29
    margin            0.3 of revenue
    intervals         95%
    """

    table: pd.DataFrame
    as_of: pd.Timestamp
    observation_end: pd.Timestamp
    window_days: int
    margin: float
    confidence: float
    _row_name = "segments"

    @property
    def note(self) -> str:
        """Which KPIs are unknown (NaN) for which segments, and why; empty when none is."""
        unknown = [
            f"{column} of {list(self.table.index[self.table[column].isna()])} ({why})"
            for column, why in _UNKNOWN_BECAUSE.items()
            if column in self.table.columns and self.table[column].isna().any()
        ]
        return f"Unknown (NaN): {'; '.join(unknown)}." if unknown else ""

    def summary(self) -> ResultSummary:
        """Segments, customers, the retention window and the settings."""
        end = (self.as_of + pd.Timedelta(days=self.window_days)).date()
        rows = (
            ("segments", f"{len(self.table):,}"),
            ("customers", f"{int(self.table['n_customers'].sum()):,}"),
            ("retention window", f"{self.as_of.date()} to {end} ({self.window_days} days after "
                                 "the segments were assigned)"),
            ("data up to", f"{self.observation_end.date()}"),
            ("margin", f"{self.margin:g} of revenue"),
            ("intervals", percent(self.confidence)),
        )  # fmt: skip
        return ResultSummary("Portfolio KPIs per segment", rows)


def kpi_dashboard(
    data: CRMData | Mapping[str, pd.DataFrame],
    segments: pd.Series,
    *,
    margin: float,
    clv: pd.Series | None = None,
    churn_probability: pd.Series | None = None,
    window_days: int = 180,
    as_of: str | pd.Timestamp | None = None,
    observation_end: str | pd.Timestamp | None = None,
    strategies: pd.DataFrame | None = None,
    confidence: float = 0.95,
    late: _validate.Late = "raise",
) -> KPIDashboard:
    """The portfolio KPIs per segment in one table (with the strategy, when segments are groups).

    Retention needs care: a segment defined on recent purchases (e.g. at-risk = no purchase for
    180 days) trivially "retains" nobody in that same window. So retention is measured
    *forward* from the day the segments were assigned, ``as_of``: of the segment's customers
    (who had bought by then), the share who buy in ``(as_of, as_of + window_days]``. Assign the
    segments on the data up to ``as_of`` (default ``observation_end - window_days``); for
    today's segments, pass a churn model's probabilities as ``churn_probability`` instead.

    Parameters
    ----------
    data : CRMData or mapping of table name -> DataFrame
        Needs ``transactions`` (``customer_id``, ``date``, ``amount``, optional
        ``is_return``); uses ``customers`` (``customer_id``, ``acquisition_cost``) for CAC and
        ``surveys`` (``customer_id``, ``date``, ``nps``) for NPS when present.
    segments : pandas.Series
        Segment per customer (index customer id), e.g. ``portfolio_groups(...).table["group"]``
        or RFM segments. Only these customers are counted.
    margin : float
        Gross margin as a fraction of revenue.
    clv : pandas.Series, optional
        CLV per customer (currency units); adds ``clv_mean``. Customers without one raise.
    churn_probability : pandas.Series, optional
        Predicted churn probability per customer (e.g. ``ChurnBoosting.predict_proba``);
        adds ``expected_churn`` (mean per segment).
    window_days : int
        Length of the retention window and of the NPS window (the last ``window_days`` days).
    as_of : date-like, optional
        Day the segments were assigned; default ``observation_end - window_days``. The
        retention window after it must end by ``observation_end``.
    observation_end : date-like, optional
        Last day of the data; default the last transaction date. Later transactions raise
        unless ``late="drop"``.
    strategies : pandas.DataFrame, optional
        Strategy per segment (index = segment labels) with columns ``strategy`` and
        ``target``; default :func:`strategy_table` when the segments are the portfolio groups
        (at_risk, profitable, loyal, potential), otherwise none.
    confidence : float
        Level of the Wilson (retention, churn) and adjusted-Wald (NPS) intervals.
    late : {"raise", "drop"}
        What transactions after ``observation_end`` do: raise, or be left out.

    Returns
    -------
    KPIDashboard
        ``table``: one row per segment (index ``segment``, portfolio groups in their priority order):
        ``n_customers``, ``retention_base`` (customers who had bought by ``as_of``),
        ``retention_rate``, ``retention_ci_low``, ``retention_ci_high``, ``churn_rate``,
        ``churn_ci_low``, ``churn_ci_high``, ``expected_churn``, ``clv_mean``, ``cac_mean``,
        ``nps``, ``nps_ci_low``, ``nps_ci_high``, ``nps_responses``,
        ``revenue_per_customer`` (net, up to ``observation_end``),
        ``gross_profit_per_customer`` (``margin x`` net revenue) and
        ``net_profit_per_customer`` (gross minus the acquisition cost; NaN without
        acquisition costs), currency units - the names of
        :func:`~portfolio_lib.portfolio.gross_profit_per_customer` and
        :func:`~portfolio_lib.portfolio.net_profit_per_customer` - and, with
        strategies, ``strategy`` and ``target``. KPIs the data cannot give are NaN. The
        result's ``as_of``, ``observation_end`` and ``window_days`` say when retention was
        measured (the table's ``attrs`` still hold them, for code written when the function
        returned the table).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 20.0, 5.0],
    ...     "date": pd.to_datetime(["2024-01-10", "2024-04-10", "2024-01-20"])})
    >>> kpis = kpi_dashboard({"transactions": tx}, pd.Series({"a": "x", "b": "x"}), margin=0.5,
    ...                      window_days=90, observation_end="2024-06-28")
    >>> kpis.table.loc["x", ["retention_rate", "gross_profit_per_customer"]].tolist()
    [0.5, 8.75]
    """
    if isinstance(margin, bool) or not isinstance(margin, int | float | np.number):
        raise ValueError(f"margin must be a number (fraction of revenue), got {margin!r}")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ValueError(f"window_days must be a whole number of days >= 1, got {window_days!r}")
    confidence = _validate.confidence(confidence)
    transactions = crm_table(data, "transactions")
    if transactions is None:
        raise DataValidationError("data has no 'transactions' table")
    if not isinstance(segments, pd.Series) or segments.empty:
        raise DataValidationError("segments must be a non-empty Series indexed by customer id")
    _validate.unique_index(segments, name="segments")
    raise_for_rows(
        segments.to_frame("segment"), segments.isna(), column="segment",
        problem="must not be missing", name="segments",
    )  # fmt: skip
    end = None if observation_end is None else _validate.day(observation_end)
    tx = _validate.transactions(transactions, end=end, late=late)
    end = tx["day"].max() if end is None else end
    span = pd.Timedelta(days=window_days)
    start = end - span if as_of is None else _validate.day(as_of, what="as_of")
    if start + span > end:
        raise DataValidationError(
            f"transactions: column 'date' ends on {end.date()}, before the retention window "
            f"{start.date()} + {window_days} days is over (choose an earlier as_of)"
        )
    ids = segments.index
    seg = pd.Series(segments.to_numpy(), index=ids, name="segment")
    given = {
        name: None if values is None else per_customer(values, ids, name=name)
        for name, values in (("clv", clv), ("churn_probability", churn_probability))
    }
    # net revenue and profit per customer
    revenue = tx.groupby("customer")["amount"].sum().reindex(ids, fill_value=0.0)
    customers = crm_table(data, "customers")
    cost = pd.Series(np.nan, index=ids)
    if customers is not None and "acquisition_cost" in customers.columns:
        require_columns(customers, ["customer_id"], name="customers")
        known = _validate.numeric(customers, "acquisition_cost", name="customers")
        cost = pd.Series(known.to_numpy(), index=customers["customer_id"]).reindex(ids)
    gross = float(margin) * revenue
    net = gross - cost  # NaN where the acquisition cost is unknown
    # forward retention after as_of
    buys = tx.loc[~tx["is_return"]]
    first = buys.groupby("customer")["day"].min().reindex(ids)
    in_base = (first <= start).to_numpy()
    window = buys.loc[(buys["day"] > start) & (buys["day"] <= start + span), "customer"]
    stayed = ids.isin(window.unique())
    answers = _recent_nps(crm_table(data, "surveys"), seg, end - span, end)
    from portfolio_lib.satisfaction import nps_from_counts

    rows = {}
    for label in pd.unique(seg):
        mask = (seg == label).to_numpy()
        base = int(in_base[mask].sum())
        kept = int((in_base & stayed)[mask].sum())
        row: dict[str, object] = {"n_customers": int(mask.sum()), "retention_base": base}
        row.update({f"{k}_{s}": np.nan for k in ("retention", "churn")
                    for s in ("rate", "ci_low", "ci_high")})  # fmt: skip
        if base:
            low, high = wilson_interval(kept, base, confidence)
            row.update(retention_rate=kept / base, retention_ci_low=float(low),
                       retention_ci_high=float(high), churn_rate=1 - kept / base,
                       churn_ci_low=1 - float(high), churn_ci_high=1 - float(low))  # fmt: skip
        for key, column in (("churn_probability", "expected_churn"), ("clv", "clv_mean")):
            values = given[key]
            row[column] = float(values[mask].mean()) if values is not None else np.nan
        row["cac_mean"] = float(cost[mask].mean()) if cost[mask].notna().any() else np.nan
        row.update(nps=np.nan, nps_ci_low=np.nan, nps_ci_high=np.nan, nps_responses=0)
        if answers is not None:
            s = answers.loc[answers["segment"] == label, "score"]
            if len(s):
                result = nps_from_counts(int((s >= 9).sum()), int(((s >= 7) & (s < 9)).sum()),
                                         int((s <= 6).sum()), confidence=confidence)  # fmt: skip
                row.update(nps=result.nps, nps_ci_low=result.ci_low, nps_ci_high=result.ci_high,
                           nps_responses=result.n)  # fmt: skip
        row["revenue_per_customer"] = float(revenue[mask].mean())
        row["gross_profit_per_customer"] = float(gross[mask].mean())
        row["net_profit_per_customer"] = float(net[mask].mean())
        rows[label] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    order = [g for g in GROUPS if g in table.index]
    table = table.loc[order + sorted((i for i in table.index if i not in order), key=str)]
    table.index.name = "segment"
    if strategies is None and set(table.index) <= set(GROUPS):
        strategies = strategy_table()
    if strategies is not None:
        require_columns(strategies, ["strategy", "target"], name="strategies")
        table["strategy"] = strategies["strategy"].reindex(table.index)
        table["target"] = strategies["target"].reindex(table.index)
    # kept for code written when the table was the result
    table.attrs = {"as_of": start, "observation_end": end, "window_days": window_days}
    return KPIDashboard(table, start, end, window_days, float(margin), confidence)


def _recent_nps(
    surveys: pd.DataFrame | None, seg: pd.Series, after: pd.Timestamp, until: pd.Timestamp
) -> pd.DataFrame | None:
    """Survey answers in ``(after, until]`` of the segmented customers: ``segment``, ``score``."""
    if surveys is None:
        return None
    require_columns(surveys, ["customer_id", "date", "nps"], name="surveys")
    score = pd.to_numeric(surveys["nps"], errors="coerce")
    raise_for_rows(
        surveys, score.isna() | (score < 0) | (score > 10), column="nps",
        problem="must be numbers 0-10", name="surveys",
    )  # fmt: skip
    when = _validate.dates(surveys, "date", name="surveys", missing="keep")
    recent = (when > after) & (when <= until)
    answers = pd.DataFrame(
        {"segment": surveys.loc[recent, "customer_id"].map(seg), "score": score[recent]}
    )
    return answers.dropna(subset=["segment"])
