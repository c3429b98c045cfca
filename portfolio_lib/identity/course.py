"""The course's customer records, and the KPIs counted on records versus on persons (issue 18).

The sample company's tables hold resolved persons (``customer_id``); data/ also holds the
*records* a real CRM would have (several per person for some people), their true person and
the record each transaction was booked on (data/README.md, "Customer records").
:func:`read_course_records` reads them, :func:`course_records` draws them for any simulated
company (another duplicate rate or messiness), and :func:`kpi_comparison` computes the KPIs
every later chapter uses twice: with every record counted as a customer, and with the
records mapped to persons (by :func:`portfolio_lib.identity.resolve` or by the truth).

Examples
--------
>>> recs = read_course_records()  # doctest: +SKIP
>>> recs.records.shape[0] > recs.n_persons  # doctest: +SKIP
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, format_examples, require_columns
from portfolio_lib.clv import (
    customer_lifetime_value,
    fit_purchase_model,
    fit_spend_model,
    summary_from_transactions,
)
from portfolio_lib.crm import CRMData
from portfolio_lib.rfm import SEGMENT_NAMES, rfm_scores, rfm_segments, rfm_table
from portfolio_lib.simulate.records import (
    attribute_events,
    read_event_records,
    read_records,
    records_for,
)

__all__ = [
    "RECORD_COLUMNS",
    "RECORDS_VIEW",
    "CourseRecords",
    "course_records",
    "kpi_comparison",
    "read_course_records",
    "transactions_by",
]

_REPO_DATA = Path(__file__).resolve().parents[2] / "data"

#: Role -> column of the course records (their columns are named by their roles).
RECORD_COLUMNS: dict[str, str] = {
    role: role
    for role in (
        "record_id",
        "given_name",
        "family_name",
        "birth_date",
        "phone",
        "email",
        "street_number",
        "address",
        "city",
        "postcode",
        "region",
        "id_number",
        "source",
        "signup_date",
        "last_contact",
    )
}
#: Column name of the view that counts every record as a customer.
RECORDS_VIEW = "records as customers"


@dataclass(frozen=True)
class CourseRecords:
    """Customer records with their truth and the transactions booked on them.

    Attributes
    ----------
    records : pandas.DataFrame
        One row per record (columns :data:`RECORD_COLUMNS`).
    truth : pandas.Series
        The true ``customer_id`` per ``record_id``.
    booked : pandas.DataFrame
        ``transaction_id, record_id``: the record each transaction was booked on.
    params : dict
        How the records were made: ``source`` ("files" or "drawn") and, when drawn, the
        duplicate rate, messiness and seed.
    events : dict of str to pandas.DataFrame
        The record each customer touchpoint, survey response and complaint was booked on:
        ``"touchpoint_records"`` (event_id, record_id), ``"survey_records"`` (response_id,
        record_id), ``"complaint_records"`` (complaint_id, record_id); the same rule as
        ``booked`` (data/README.md).
    """

    records: pd.DataFrame
    truth: pd.Series
    booked: pd.DataFrame
    params: dict[str, Any]
    events: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def n_persons(self) -> int:
        """Number of true persons behind the records."""
        return int(self.truth.nunique())

    @property
    def duplicate_share(self) -> float:
        """Share of persons (0-1) with more than one record."""
        return float((self.truth.value_counts() > 1).mean())


def read_course_records(data_dir: str | os.PathLike[str] | None = None) -> CourseRecords:
    """The committed records of the sample company (``customer_records.csv`` and friends).

    Parameters
    ----------
    data_dir : path, optional
        Folder with ``customer_records.csv``, ``truth_records.csv``,
        ``transaction_records.csv`` and the events' ``touchpoint_records.csv``,
        ``survey_records.csv``, ``complaint_records.csv``. Default: the repository's ``data/``.

    Returns
    -------
    CourseRecords

    Examples
    --------
    >>> recs = read_course_records()  # doctest: +SKIP
    >>> list(recs.booked.columns)  # doctest: +SKIP
    ['transaction_id', 'record_id']
    """
    folder = Path(data_dir) if data_dir is not None else _REPO_DATA
    if not (folder / "customer_records.csv").is_file():
        raise FileNotFoundError(
            f"no customer records in {folder} (customer_records.csv missing); write them with "
            "portfolio_lib.simulate.records.write_records(crm, <folder>) or pass data_dir="
        )
    recs, booked = read_records(folder)
    events = read_event_records(folder)
    return CourseRecords(recs.records, recs.person_id, booked, {"source": "files"}, events)


def course_records(
    crm: CRMData, *, duplicate_rate: float = 0.15, messiness: float = 1.0, seed: int = 42
) -> CourseRecords:
    """Draw customer records for a simulated company (see
    :func:`portfolio_lib.simulate.records.simulate_customer_records`).

    Parameters
    ----------
    crm : CRMData
        A company with customers (region, age, gender) and transactions; the tables are
        only read.
    duplicate_rate : float
        Share of persons (0-1) with 2-4 records.
    messiness : float
        Multiplier (>= 0) of every variation probability; 1 is the sample's level.
    seed : int
        Seed of the records' own generator.

    Returns
    -------
    CourseRecords

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> recs = course_records(simulate_crm(n_customers=100, seed=1), duplicate_rate=0.2)
    >>> recs.n_persons, round(recs.duplicate_share, 2)
    (100, 0.2)
    """
    if crm.customers.empty or "gender" not in crm.customers:
        raise DataValidationError(
            "course_records needs a customers table with region, age and gender (a simulated "
            "company); real transaction-only data such as CDNOW has no personal details"
        )
    recs, booked = records_for(crm, duplicate_rate=duplicate_rate, messiness=messiness, seed=seed)
    params = {"source": "drawn", **recs.params}
    return CourseRecords(recs.records, recs.person_id, booked, params, attribute_events(crm, recs))


def transactions_by(
    transactions: pd.DataFrame, booked: pd.DataFrame, mapping: pd.Series | None = None
) -> pd.DataFrame:
    """Transactions with ``customer_id`` replaced by the record (or the person of the record).

    Parameters
    ----------
    transactions : pandas.DataFrame
        The company's transactions (``transaction_id``, ``customer_id``, ...).
    booked : pandas.DataFrame
        ``transaction_id, record_id`` (:attr:`CourseRecords.booked`).
    mapping : pandas.Series, optional
        record_id -> person id (e.g. ``IdentityResult.mapping`` or the truth). ``None``: the
        record itself is the customer.

    Returns
    -------
    pandas.DataFrame
        ``transactions`` (same rows, same order) with ``customer_id`` holding the record id
        or the mapped person id.

    Examples
    --------
    >>> tx = pd.DataFrame({"transaction_id": ["T1", "T2"], "customer_id": ["C1", "C1"]})
    >>> booked = pd.DataFrame({"transaction_id": ["T1", "T2"], "record_id": ["R1", "R2"]})
    >>> transactions_by(tx, booked)["customer_id"].tolist()
    ['R1', 'R2']
    >>> transactions_by(tx, booked, pd.Series({"R1": "P1", "R2": "P1"}))["customer_id"].tolist()
    ['P1', 'P1']
    """
    require_columns(transactions, ["transaction_id", "customer_id"], name="transactions")
    require_columns(booked, ["transaction_id", "record_id"], name="booked")
    record = transactions["transaction_id"].map(booked.set_index("transaction_id")["record_id"])
    if record.isna().any():
        raise DataValidationError(
            "transactions without a booked record (transaction_id not in booked):\n"
            + format_examples(transactions[record.isna().to_numpy()])
        )
    ids = record if mapping is None else record.map(mapping)
    if ids.isna().any():
        raise DataValidationError(
            "records without a person in mapping (record_id not in its index):\n"
            + format_examples(pd.DataFrame({"record_id": record[ids.isna()]}))
        )
    return transactions.assign(customer_id=ids.to_numpy())


def _kpis(
    tx: pd.DataFrame,
    n_ids: int,
    observation_end: pd.Timestamp,
    horizon_weeks: float,
    annual_discount_rate: float,
) -> dict[str, float]:
    rfm = rfm_table(tx, observation_end=observation_end)
    buyers = len(rfm)
    summary = summary_from_transactions(tx, observation_end=observation_end, unit="W")
    purchase = fit_purchase_model(summary).model
    spend = fit_spend_model(summary).model
    clv = customer_lifetime_value(
        purchase,
        spend,
        summary,
        horizon=horizon_weeks,
        unit="W",
        annual_discount_rate=annual_discount_rate,
        n_draws=2,
        seed=0,
    )["clv"]
    segments = rfm_segments(rfm_scores(rfm))["segment"].value_counts(normalize=True)
    out = {
        "customers in the CRM": float(n_ids),
        "buying customers": float(buyers),
        "repeat-purchase rate": float((rfm["frequency"] >= 2).mean()),
        "mean purchase frequency": float(rfm["frequency"].mean()),
        "net revenue per buying customer": float(rfm["monetary_total"].sum() / buyers),
        "mean predicted CLV": float(clv.mean()),
        "total predicted CLV": float(clv.sum()),
    }
    for name in SEGMENT_NAMES:
        out[f"RFM share: {name}"] = float(segments.get(name, 0.0))
    return out


def kpi_comparison(
    transactions: pd.DataFrame,
    booked: pd.DataFrame,
    mappings: Mapping[str, pd.Series],
    *,
    observation_end: str | pd.Timestamp,
    horizon_weeks: float = 52.0,
    annual_discount_rate: float = 0.10,
) -> pd.DataFrame:
    """The customer KPIs with every record counted as a customer, and per mapping to persons.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The company's transactions (customer_id, date, amount, is_return, transaction_id).
    booked : pandas.DataFrame
        ``transaction_id, record_id``: the record each transaction was booked on.
    mappings : mapping of str to pandas.Series
        Column name -> record_id -> person id, e.g. ``{"resolved persons":
        result.mapping, "true persons": truth}``. Every booked record must be mapped.
    observation_end : date-like
        Last day of the observation window.
    horizon_weeks : float, default 52
        CLV horizon in weeks (BG/NBD + Gamma-Gamma, fitted on each view separately).
    annual_discount_rate : float, default 0.10
        Discount rate of the CLV, per year.

    Returns
    -------
    pandas.DataFrame
        One row per KPI (customers in the CRM = distinct ids, buying customers,
        repeat-purchase rate = share of buying customers with 2+ purchase occasions,
        mean purchase frequency = occasions per buying customer, net revenue per buying
        customer and CLV in currency units, ``RFM share: <segment>`` = share of buying
        customers in each default RFM segment, each view scored on its own quintiles), one
        column per view: :data:`RECORDS_VIEW` first, then the mappings, in order.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> crm = simulate_crm(n_customers=400, seed=3)
    >>> recs = course_records(crm, duplicate_rate=0.3, seed=3)
    >>> table = kpi_comparison(crm.transactions, recs.booked, {"persons": recs.truth},
    ...                        observation_end=crm.observation_end)
    >>> bool(table.loc["buying customers", "records as customers"] >
    ...      table.loc["buying customers", "persons"])
    True
    """
    if not mappings:
        raise DataValidationError("mappings is empty: give at least one record_id -> person map")
    if RECORDS_VIEW in mappings:
        raise DataValidationError(f"mappings must not use the reserved name {RECORDS_VIEW!r}")
    for name, mapping in mappings.items():
        if not isinstance(mapping, pd.Series):
            raise DataValidationError(
                f"mappings[{name!r}] must be a pandas Series (record_id -> person id), "
                f"got {type(mapping).__name__}"
            )
    end = pd.Timestamp(observation_end)
    n_records = int(next(iter(mappings.values())).index.nunique())
    views: dict[str, tuple[pd.Series | None, int]] = {RECORDS_VIEW: (None, n_records)}
    views.update({name: (m, int(m.nunique())) for name, m in mappings.items()})
    columns = {
        name: _kpis(
            transactions_by(transactions, booked, mapping),
            n_ids,
            end,
            horizon_weeks,
            annual_discount_rate,
        )
        for name, (mapping, n_ids) in views.items()
    }
    table = pd.DataFrame(columns)
    table.index.name = "kpi"
    return table.astype(np.float64)
