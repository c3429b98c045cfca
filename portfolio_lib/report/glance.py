"""The "portfolio at a glance" on the report's index: the KPIs a manager reads first.

:func:`portfolio_at_a_glance` loads the data the chapters ran on (same ``DATASET``,
``SEED``, ``N_CUSTOMERS``) and computes, with the library's own functions, the numbers a
manager looks at before opening a chapter: customers, active share, retention, CLV total
and the top decile's share of it, NPS with its interval, and the top risk. A KPI the data
set cannot give (CDNOW has no surveys) says so instead of showing a number; a model that
cannot be fitted on the data says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GLANCE_DEFAULTS", "KPI", "Glance", "portfolio_at_a_glance", "describe_dataset"]

#: Parameters the glance uses, with the chapters' defaults (a run's values override them).
GLANCE_DEFAULTS: dict[str, Any] = {
    "DATASET": "sample",
    "SEED": 42,
    "N_CUSTOMERS": 3000,
    "MARGIN": 0.3,
    "AT_RISK_AFTER_DAYS": 180,
    "CLV_HORIZON_MONTHS": 36,  # the one CLV horizon of a course run (chapters 3 and 6)
    "DISCOUNT_RATE": 0.10,
    "NPS_METHOD": "adjusted_wald",
    "CONFIDENCE": 0.95,
}


@dataclass(frozen=True)
class KPI:
    """One headline number: ``value`` is the formatted number, or None when not available.

    ``detail`` says what the number is (or why there is none); ``chapter`` is the number of
    the chapter that explains it.
    """

    label: str
    value: str | None
    detail: str
    chapter: str = ""


@dataclass(frozen=True)
class Glance:
    """What the run found: the data, its period and the headline KPIs."""

    dataset: str
    description: str
    parameters: dict[str, Any]
    period: str
    kpis: list[KPI] = field(default_factory=list)


def describe_dataset(parameters: Mapping[str, Any]) -> str:
    """One phrase naming the data a run used, e.g. "a simulated company of 300 customers"."""
    dataset = parameters.get("DATASET", "sample")
    if dataset == "sample":
        return "the bundled sample company (Anadolu Market, data/; SEED and N_CUSTOMERS unused)"
    if dataset == "simulate":
        return (
            f"a simulated company of {int(parameters.get('N_CUSTOMERS', 0)):,} customers "
            f"drawn with SEED = {parameters.get('SEED')}"
        )
    if dataset == "cdnow":
        return "the real CDNOW purchases (Fader, Hardie & Lee; transactions only)"
    return f"DATASET = {dataset!r}"


def _pct(x: float, digits: int = 0) -> str:
    return f"{100 * x:.{digits}f} %"


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _customers(crm: Any, tx: Any, end: Any) -> KPI:
    n = int(crm.customers["customer_id"].nunique())
    buyers = int(tx["customer_id"].nunique())
    return KPI(
        "Customers",
        f"{n:,}",
        f"{buyers:,} of them bought at least once; data from {crm.observation_start.date()} "
        f"to {end.date()}",
        "01",
    )


def _groups(tx: Any, end: Any, p: Mapping[str, Any]) -> Any:
    from portfolio_lib import portfolio, rfm

    table = rfm.rfm_table(tx, observation_end=end)
    return portfolio.portfolio_groups(
        table, margin=float(p["MARGIN"]), at_risk_after_days=float(p["AT_RISK_AFTER_DAYS"])
    )


def _active_and_risk(groups: Any, p: Mapping[str, Any]) -> tuple[KPI, KPI]:
    days = int(p["AT_RISK_AFTER_DAYS"])
    summary = groups.summary()
    at_risk = summary.loc["at_risk"]
    active = 1 - float(at_risk["share_customers"])
    active_kpi = KPI(
        "Active share",
        _pct(active),
        f"of the customers who ever bought did so in the last {days} days",
        "02",
    )
    value_share = at_risk["share_value"]
    held = "" if value_share != value_share else f", who brought {_pct(value_share)} of profit"
    risk_kpi = KPI(
        "Top risk",
        f"{int(at_risk['n_customers']):,} at risk",
        f"customers ({_pct(float(at_risk['share_customers']))}) with no purchase for more than "
        f"{days} days{held} so far: the win-back list",
        "06",
    )
    return active_kpi, risk_kpi


def _retention(crm: Any, tx: Any, end: Any, p: Mapping[str, Any]) -> KPI:
    import pandas as pd

    from portfolio_lib import portfolio

    days = int(p["AT_RISK_AFTER_DAYS"])
    try:
        everyone = pd.Series("all", index=pd.Index(tx["customer_id"].unique()))
        row = portfolio.kpi_dashboard(
            crm,
            everyone,
            margin=float(p["MARGIN"]),
            window_days=days,
            observation_end=end,
            confidence=float(p["CONFIDENCE"]),
        ).table.iloc[0]
    except ValueError as exc:
        return KPI("Retention", None, f"not estimable on this data: {_error_text(exc)}", "02")
    if not row["retention_base"]:
        return KPI("Retention", None, f"no customer had bought {days} days before the end", "02")
    as_of = (end - pd.Timedelta(days=days)).date()
    return KPI(
        "Retention",
        _pct(row["retention_rate"]),
        f"of the {int(row['retention_base']):,} customers who had bought by {as_of}, the share "
        f"who bought again in the {days} days after ({_pct(float(p['CONFIDENCE']))} interval "
        f"{_pct(row['retention_ci_low'])} to {_pct(row['retention_ci_high'])})",
        "06",
    )


def _clv(tx: Any, end: Any, p: Mapping[str, Any]) -> list[KPI]:
    from portfolio_lib import clv, portfolio
    from portfolio_lib.lessons.clv import clv_horizon

    months = float(p["CLV_HORIZON_MONTHS"])
    horizon, month = clv_horizon(months, unit="W")
    try:
        summary = clv.summary_from_transactions(tx, observation_end=end, unit="W")
        # as in chapters 3 and 6: ML fits, or the documented fallbacks when there is no maximum
        purchases = clv.fit_purchase_model(summary)
        spend = clv.fit_spend_model(summary)
        value = clv.customer_lifetime_value(
            purchases.model,
            spend.model,
            summary,
            horizon=horizon,
            unit="W",
            step=month,
            annual_discount_rate=float(p["DISCOUNT_RATE"]),
            margin=float(p["MARGIN"]),
            n_draws=2,
            seed=int(p["SEED"]),
        )["clv"]
        top = portfolio.pareto_table(value, shares=(0.1,)).iloc[0]
    except (ValueError, RuntimeError, ArithmeticError) as exc:  # ConvergenceError is a RuntimeError
        why = f"not estimable on this data: {_error_text(exc)}"
        return [KPI("CLV total", None, why, "03"), KPI("Top-decile CLV share", None, why, "03")]
    total = float(value.sum())
    if not math.isfinite(total):
        why = "not estimable on this data: the fitted models give no finite CLV"
        return [KPI("CLV total", None, why, "03"), KPI("Top-decile CLV share", None, why, "03")]
    models = (
        ("BG/NBD (MAP fit: no likelihood maximum here)" if purchases.fallback else "BG/NBD")
        + " x "
        + ("mean spend (Gamma-Gamma has no maximum here)" if spend.fallback else "Gamma-Gamma")
    )
    return [
        KPI(
            "CLV total",
            _money(total),
            f"expected profit from today's {len(value):,} customers over the next {months:g} months "
            f"(currency units; {models}; {_pct(float(p['DISCOUNT_RATE']))} a year discount, "
            f"margin {float(p['MARGIN']):g})",
            "03",
        ),
        KPI(
            "Top-decile CLV share",
            _pct(float(top["value_share"])),
            f"of that CLV is held by the top 10 % of customers ({int(top['n_customers']):,})",
            "06",
        ),
    ]


def _nps(crm: Any, p: Mapping[str, Any]) -> KPI:
    from portfolio_lib import satisfaction

    surveys = getattr(crm, "surveys", None)
    if surveys is None or surveys.empty or "nps" not in surveys.columns:
        return KPI("NPS", None, "not in this data set (it has no survey answers)", "05")
    latest = surveys
    where = "all survey answers"
    if "wave" in surveys.columns:
        wave = surveys["wave"].max()
        latest = surveys[surveys["wave"] == wave]
        where = f"survey wave {wave}"
    method = str(p["NPS_METHOD"])
    try:
        result = satisfaction.nps(
            latest["nps"], method=method, confidence=float(p["CONFIDENCE"]), missing="drop"
        )
    except ValueError as exc:
        return KPI("NPS", None, f"not computable: {_error_text(exc)}", "05")
    return KPI(
        "NPS",
        f"{result.nps:+.0f}",
        f"{where}, {result.n:,} answers; {_pct(result.confidence)} {method.replace('_', ' ').replace('wald', 'Wald')} "
        f"interval {result.ci_low:+.0f} to {result.ci_high:+.0f} points",
        "05",
    )


def portfolio_at_a_glance(parameters: Mapping[str, Any], *, data_home: Any = None) -> Glance:
    """Compute the index's headline KPIs for the data a run used.

    Parameters
    ----------
    parameters : mapping
        The parameters the chapters ran with; missing names take :data:`GLANCE_DEFAULTS`.
    data_home : path, optional
        Passed to :func:`portfolio_lib.course.load_course_data` (CDNOW files).

    Returns
    -------
    Glance
        ``kpis`` in reading order: customers, active share, retention, CLV total, top-decile
        CLV share, NPS, top risk. A KPI whose ``value`` is None carries the reason.

    Examples
    --------
    >>> g = portfolio_at_a_glance({"DATASET": "simulate", "N_CUSTOMERS": 300, "SEED": 7})
    >>> [k.label for k in g.kpis][:3]
    ['Customers', 'Active share', 'Retention']
    """
    from portfolio_lib.course import load_course_data

    p = {**GLANCE_DEFAULTS, **dict(parameters)}
    crm = load_course_data(
        p["DATASET"], n_customers=int(p["N_CUSTOMERS"]), seed=int(p["SEED"]), data_home=data_home
    )
    tx = crm.transactions
    end = crm.observation_end
    groups = _groups(tx, end, p)
    active, risk = _active_and_risk(groups, p)
    kpis = [_customers(crm, tx, end), active, _retention(crm, tx, end, p)]
    kpis += _clv(tx, end, p)
    kpis += [_nps(crm, p), risk]
    return Glance(
        dataset=str(p["DATASET"]),
        description=describe_dataset(p),
        parameters=p,
        period=f"{crm.observation_start.date()} to {end.date()}",
        kpis=kpis,
    )
