"""The core of the package: the CRM data type and the vocabulary every module shares.

Everything here is defined once; the simulator (:mod:`portfolio_lib.simulate`), the loaders
(:mod:`portfolio_lib.datasets`, :mod:`portfolio_lib.course`), the quality checks
(:mod:`portfolio_lib.quality`), the store and the analyses take it from this module.

* :class:`CRMData` -- the eight tables of a company (customers, transactions, touchpoints,
  campaigns, campaign_contacts, surveys, complaints, mystery_shopping), its observation window
  and, for simulated data, the :class:`SimulationTruth` they were drawn from.
  :meth:`CRMData.from_store` reads it back from a validated store (chapter 1's
  :class:`portfolio_lib.store.CRMStore`); :func:`crm_table` gets one table by name from a
  ``CRMData`` or a mapping of tables.
* The journey stages :data:`STAGES` (with their Turkish course names :data:`STAGE_NAMES_TR`)
  and the channels :data:`TOUCH_CHANNELS` (where a person meets the company) and
  :data:`SALES_CHANNELS` (where a purchase happens).
* The table schemas :data:`SCHEMAS`: per column its kind (and so its pandas dtype), whether
  analyses require it, whether it may be missing, its range or allowed values, a description,
  and how the sample company fills it (:attr:`Column.sample`). ``TRUTH_CUSTOMERS`` describes
  the simulator's per-customer truth.

Real data has no ground truth: ``CRMData(..., truth=None)`` (or leaving ``truth`` out) stores
:meth:`SimulationTruth.unknown`, so code written for simulated data still runs --
``crm.truth.params`` is a dict holding only a note (and the source), ``crm.truth.customers``
a frame with the truth columns and no rows -- and ``crm.has_truth`` is False.

Examples
--------
>>> from portfolio_lib.crm import SCHEMAS, STAGES, STAGE_NAMES_TR
>>> STAGES[0], STAGE_NAMES_TR["decision"]
('discovery', 'Karar anı')
>>> SCHEMAS["transactions"].required_columns
('customer_id', 'date', 'amount')
>>> SCHEMAS["transactions"].dtypes()["amount"]
'float64'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from portfolio_lib import _validate

__all__ = [
    "STAGES",
    "STAGE_NAMES_TR",
    "TOUCH_CHANNELS",
    "SALES_CHANNELS",
    "CONSENT_CHANNELS",
    "ATTITUDE_FACTORS",
    "ATTITUDE_ITEMS",
    "RATING_ITEMS",
    "SATISFACTION_ITEMS",
    "MYSTERY_CHECKLIST_WEIGHTS",
    "MYSTERY_ITEMS",
    "DATETIME_DTYPE",
    "KIND_DTYPES",
    "Column",
    "ForeignKey",
    "TableSchema",
    "SCHEMAS",
    "TRUTH_CUSTOMERS",
    "TABLE_NAMES",
    "TABLE_ORDER",
    "get_schema",
    "conform",
    "SimulationTruth",
    "CRMData",
    "crm_table",
]

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

#: The five customer-journey stages of the course, in the order a customer passes them.
STAGES: tuple[str, ...] = ("discovery", "first_contact", "decision", "purchase", "deepening")

#: Turkish course name of each stage (read-only; iteration follows :data:`STAGES`).
STAGE_NAMES_TR: Mapping[str, str] = MappingProxyType(
    {
        "discovery": "Keşfetme",
        "first_contact": "İlk temas",
        "decision": "Karar anı",
        "purchase": "Hizmet alımı",
        "deepening": "Derinleşme",
    }
)

#: Channels of journey touches and of acquisition (``touchpoints.channel``).
TOUCH_CHANNELS: tuple[str, ...] = ("search", "social", "email", "display", "referral", "store")

#: Channels where purchases happen (``transactions.channel``).
SALES_CHANNELS: tuple[str, ...] = ("online", "store", "app")

#: Channels a customer may consent to be contacted on (``customers.consent_<channel>``):
#: the channels of a communication plan (:mod:`portfolio_lib.communication`).
CONSENT_CHANNELS: tuple[str, ...] = ("email", "sms", "phone", "app")

#: The four attitude factors behind the ``att_*`` survey items of ``customers``.
ATTITUDE_FACTORS: tuple[str, ...] = ("price", "quality", "convenience", "eco")

#: Two Likert items per attitude factor: ``att_price_1``, ``att_price_2``, ...
ATTITUDE_ITEMS: tuple[str, ...] = tuple(f"att_{f}_{k}" for f in ATTITUDE_FACTORS for k in (1, 2))

#: Attribute ratings of ``surveys`` (drivers of satisfaction), 1-5.
RATING_ITEMS: tuple[str, ...] = (
    "rating_product_quality",
    "rating_price_value",
    "rating_delivery",
    "rating_staff",
    "rating_website",
)

#: Satisfaction scale items of ``surveys``, 1-5; ``sat_4_r`` is reverse-coded.
SATISFACTION_ITEMS: tuple[str, ...] = ("sat_1", "sat_2", "sat_3", "sat_4_r")

#: Checklist items of ``mystery_shopping``, 0/1.
MYSTERY_ITEMS: tuple[str, ...] = (
    "item_greeting",
    "item_wait_time",
    "item_product_knowledge",
    "item_cleanliness",
    "item_upsell_offer",
    "item_checkout",
    "item_farewell",
)

#: Weight of each mystery-shopping checklist item in the sample company's visit score (sums to
#: 1): greeting 0.10, wait_time 0.20, product_knowledge 0.20, cleanliness 0.15, upsell_offer
#: 0.10, checkout 0.15, farewell 0.10. The simulator scores visits with it; analyses default to it.
MYSTERY_CHECKLIST_WEIGHTS: Mapping[str, float] = MappingProxyType(
    dict(zip(MYSTERY_ITEMS, (0.10, 0.20, 0.20, 0.15, 0.10, 0.15, 0.10), strict=True))
)

# ---------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------

#: pandas dtype used for every date and timestamp column.
DATETIME_DTYPE = "datetime64[ns]"

#: pandas dtype of each column kind (when the column has no missing values).
KIND_DTYPES: dict[str, str] = {
    "str": "str",
    "date": DATETIME_DTYPE,
    "timestamp": DATETIME_DTYPE,
    "float": "float64",
    "int": "int64",
    "bool": "bool",
}
ColumnKind = Literal["str", "date", "timestamp", "float", "int", "bool"]
SampleFill = Literal["complete", "gaps", "absent"]


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    Parameters
    ----------
    name : str
        snake_case column name.
    kind : {"str", "date", "timestamp", "float", "int", "bool"}
        Logical type. ``date`` has day resolution, ``timestamp`` minute resolution;
        both are held as ``datetime64`` in pandas (:data:`KIND_DTYPES`).
    required : bool
        The column must be present in every batch (analysis and storage).
    nullable : bool
        Values may be missing (NaN/NaT/None/blank) in a batch that passes the quality checks.
    minimum, maximum : float, optional
        Inclusive range for numeric values (in the column's unit).
    allowed : tuple of str, optional
        The only permitted values (for a small closed vocabulary).
    description : str
        What the column holds, with its unit.
    sample : {"complete", "gaps", "absent"}
        How the sample company (:func:`portfolio_lib.simulate.simulate_crm`, ``data/``)
        fills the column: a value in every row, some values missing (NaN/NaT; an empty CSV
        field reads back as missing), or not at all (a column only real data has, e.g.
        ``transactions.quantity``). In a ``"complete"`` text column an empty CSV field is
        the empty string ``""``.
    """

    name: str
    kind: ColumnKind
    required: bool = False
    nullable: bool = True
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] | None = None
    description: str = ""
    sample: SampleFill = "complete"

    @classmethod
    def key(cls, name: str, description: str = "") -> Column:
        """A key column: text, required and never missing.

        Examples
        --------
        >>> Column.key("customer_id").required, Column.key("customer_id").nullable
        (True, False)
        """
        return cls(name, "str", required=True, nullable=False, description=description)


@dataclass(frozen=True)
class ForeignKey:
    """``column`` of this table refers to ``references`` (a column) of ``table``."""

    column: str
    table: str
    references: str


@dataclass(frozen=True)
class TableSchema:
    """A canonical table: its columns, primary key and foreign keys.

    Examples
    --------
    >>> SCHEMAS["transactions"].required_columns
    ('customer_id', 'date', 'amount')
    >>> "quantity" in SCHEMAS["transactions"].sample_columns
    False
    """

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        """All column names, in canonical order."""
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns every batch must have (for analysis)."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def storage_columns(self) -> tuple[str, ...]:
        """Columns a batch must have to be stored: the required ones plus the primary key."""
        names = list(self.required_columns)
        names += [k for k in self.primary_key if k not in names]
        return tuple(names)

    @property
    def sample_columns(self) -> tuple[str, ...]:
        """Columns of the sample company's table, in canonical order (``sample != "absent"``)."""
        return tuple(c.name for c in self.columns if c.sample != "absent")

    def column(self, name: str) -> Column:
        """The :class:`Column` called ``name`` (KeyError if absent)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}; columns: {list(self.column_names)}")

    def dtypes(self) -> dict[str, str]:
        """pandas dtype of each column when it has no missing values."""
        return {c.name: KIND_DTYPES[c.kind] for c in self.columns}

    def empty_frame(self, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """A frame without rows holding ``columns`` (default: all) with their dtypes."""
        dtypes = self.dtypes()
        names = self.column_names if columns is None else tuple(columns)
        return pd.DataFrame({name: pd.Series(dtype=dtypes[name]) for name in names})

    def read_csv(self, path: str | Path) -> pd.DataFrame:
        """Read one CSV of this table (as :meth:`CRMData.to_csv` writes it) with exact dtypes.

        Text is read as written (an empty field is ``""`` in a complete text column and
        missing in a column with gaps); a missing column raises a ``ValueError`` naming it.
        """
        return _read_csv_table(Path(path), self)


def _likert(name: str, description: str = "") -> Column:
    return Column(name, "int", minimum=1, maximum=5, description=description or "Likert 1-5")


def _optional_campaign(description: str = "") -> Column:
    return Column("campaign_id", "str", description=description, sample="gaps")


_TO_CUSTOMER = ForeignKey("customer_id", "customers", "customer_id")
_TO_CAMPAIGN = ForeignKey("campaign_id", "campaigns", "campaign_id")

SCHEMAS: dict[str, TableSchema] = {
    "customers": TableSchema(
        "customers",
        (
            Column.key("customer_id", "customer identifier"),
            Column(
                "signup_date",
                "date",
                required=True,
                nullable=False,
                description="first purchase day",
            ),
            Column("acquisition_channel", "str"),
            Column("acquisition_cost", "float", minimum=0, description="currency units"),
            Column("region", "str"),
            Column("age", "int", minimum=18, maximum=100, description="years"),
            Column("gender", "str"),
            Column(
                "loyalty_member",
                "bool",
                description="enrolled in the loyalty programme by the end of the data",
            ),
            Column(
                "loyalty_join_date",
                "date",
                description="day of enrolment in the loyalty programme; missing for non-members",
                sample="gaps",
            ),
            *(
                Column(
                    f"consent_{channel}",
                    "bool",
                    description=f"the customer consents to being contacted by {channel}",
                )
                for channel in CONSENT_CHANNELS
            ),
            *(_likert(item, "attitude item, Likert 1-5") for item in ATTITUDE_ITEMS),
        ),
        primary_key=("customer_id",),
        description="one row per customer",
    ),
    "campaigns": TableSchema(
        "campaigns",
        (
            Column.key("campaign_id", "campaign identifier"),
            Column("name", "str"),
            Column("type", "str"),
            Column("channel", "str"),
            Column("start_date", "date"),
            Column("end_date", "date"),
            Column("target_group", "str"),
            Column("n_contacts", "int", minimum=0, description="customers contacted"),
            Column("cost_per_contact", "float", minimum=0, description="currency units"),
            Column("fixed_cost", "float", minimum=0, description="currency units"),
            Column("total_cost", "float", minimum=0, description="currency units"),
        ),
        primary_key=("campaign_id",),
        description="one row per marketing campaign",
    ),
    "transactions": TableSchema(
        "transactions",
        (
            Column("transaction_id", "str", description="line or invoice identifier"),
            Column.key("customer_id"),
            Column("date", "date", required=True, nullable=False, description="purchase day"),
            Column(
                "amount",
                "float",
                required=True,
                nullable=False,
                description="currency units; negative for returns",
            ),
            Column(
                "quantity",
                "int",
                description="items (e.g. CDs) in the purchase",
                sample="absent",
            ),
            Column("category", "str"),
            Column("channel", "str"),
            Column("is_return", "bool", description="a return or cancellation"),
            Column(
                "points_earned",
                "int",
                minimum=0,
                description="loyalty points earned on the purchase (0 for non-members, returns)",
            ),
            Column(
                "points_redeemed",
                "int",
                minimum=0,
                description="loyalty points spent at the purchase (a reward), oldest first",
            ),
            _optional_campaign(),
        ),
        primary_key=("transaction_id",),
        foreign_keys=(_TO_CUSTOMER, _TO_CAMPAIGN),
        description="one row per purchase (or return) line",
    ),
    "touchpoints": TableSchema(
        "touchpoints",
        (
            Column.key("event_id", "touchpoint identifier"),
            Column.key("customer_id", "C... for buyers, P... for prospects (not in customers)"),
            Column("timestamp", "timestamp", required=True, nullable=False),
            Column("stage", "str", required=True, nullable=False, allowed=STAGES),
            Column("channel", "str"),
            _optional_campaign(),
        ),
        primary_key=("event_id",),
        foreign_keys=(_TO_CAMPAIGN,),
        description="one row per contact between a person and the company",
    ),
    "campaign_contacts": TableSchema(
        "campaign_contacts",
        (
            Column.key("campaign_id"),
            Column.key("customer_id"),
            Column("arm", "str", allowed=("treatment", "control")),
            Column("contact_date", "date"),
            Column("responded", "bool"),
        ),
        primary_key=("campaign_id", "customer_id"),
        foreign_keys=(_TO_CAMPAIGN, _TO_CUSTOMER),
        description="one row per customer targeted by a campaign",
    ),
    "surveys": TableSchema(
        "surveys",
        (
            Column.key("response_id", "survey response identifier"),
            Column.key("customer_id"),
            Column("wave", "int", minimum=0),
            Column("date", "date"),
            Column("stage", "str", allowed=STAGES),
            Column(
                "nps", "int", minimum=0, maximum=10, description="likelihood to recommend, 0-10"
            ),
            Column("csat", "int", minimum=1, maximum=5),
            *(_likert(item, "driver rating, 1-5") for item in RATING_ITEMS),
            *(_likert(item, "satisfaction scale item, 1-5") for item in SATISFACTION_ITEMS[:3]),
            _likert(SATISFACTION_ITEMS[3], "satisfaction scale item, reverse-coded, 1-5"),
            Column("comment", "str", description='free text; "" in the sample when none'),
        ),
        primary_key=("response_id",),
        foreign_keys=(_TO_CUSTOMER,),
        description="one row per survey response",
    ),
    "complaints": TableSchema(
        "complaints",
        (
            Column.key("complaint_id", "complaint identifier"),
            Column.key("customer_id"),
            Column("opened", "timestamp", required=True, nullable=False),
            Column("resolved", "timestamp", description="NaT while still open", sample="gaps"),
            Column("category", "str"),
            Column("channel", "str"),
            Column("text", "str"),
            Column(
                "resolution_satisfaction",
                "float",  # float so the dtype does not depend on whether some are still open
                minimum=1,
                maximum=5,
                description="1-5 rating of the resolution, NaN while open",
                sample="gaps",
            ),
        ),
        primary_key=("complaint_id",),
        foreign_keys=(_TO_CUSTOMER,),
        description="one row per complaint",
    ),
    "mystery_shopping": TableSchema(
        "mystery_shopping",
        (
            Column.key("visit_id", "visit identifier"),
            Column("branch", "str", required=True, nullable=False),
            Column("region", "str"),
            Column("visit_date", "date"),
            Column("shopper_id", "str"),
            *(
                Column(item, "int", minimum=0, maximum=1, description="0/1")
                for item in MYSTERY_ITEMS
            ),
        ),
        primary_key=("visit_id",),
        description="one row per mystery-shopper visit",
    ),
}


def _latent(
    name: str, kind: ColumnKind, description: str, sample: SampleFill = "complete"
) -> Column:
    return Column(name, kind, nullable=sample == "gaps", description=description, sample=sample)


#: The simulator's per-customer truth (``crm.truth.customers``; not observable in practice).
TRUTH_CUSTOMERS = TableSchema(
    "truth_customers",
    (
        Column.key("customer_id", "customer identifier (same order as customers)"),
        _latent("persona", "str", "latent segment"),
        _latent("purchase_rate_per_week", "float", "BG/NBD purchase rate while active, per week"),
        _latent("dropout_prob", "float", "BG/NBD dropout probability after each repeat purchase"),
        _latent("spend_scale", "float", "Gamma-Gamma scale nu, 1 / currency units"),
        _latent("dropout_date", "date", "day the customer left; NaT if alive at the end", "gaps"),
        _latent("alive_at_end", "bool", "still active on the last day"),
        _latent("satisfaction_latent", "float", "latent satisfaction, standard units"),
        _latent("exposure_weeks", "float", "operational weeks from first purchase to the end"),
        _latent("n_repeat_purchases", "int", "organic repeat purchases in the window"),
        _latent("n_incremental_purchases", "int", "purchases caused by the retention treatment"),
        _latent(
            "enrol_probability", "float", "probability of ever enrolling in the loyalty programme"
        ),
        _latent(
            "n_programme_purchases", "int", "purchases caused by the loyalty programme (its effect)"
        ),
        *(
            _latent(f"factor_{f}", "float", "latent attitude factor score, standard units")
            for f in ATTITUDE_FACTORS
        ),
    ),
    primary_key=("customer_id",),
    foreign_keys=(_TO_CUSTOMER,),
    description="one row per customer: the latent values the sample company was drawn from",
)

#: The observable tables of a :class:`CRMData`, in the order of its fields.
TABLE_NAMES: tuple[str, ...] = (
    "customers",
    "transactions",
    "touchpoints",
    "campaigns",
    "campaign_contacts",
    "surveys",
    "complaints",
    "mystery_shopping",
)

#: Tables in an order that respects foreign keys (parents first).
TABLE_ORDER: tuple[str, ...] = (
    "customers",
    "campaigns",
    "transactions",
    "touchpoints",
    "campaign_contacts",
    "surveys",
    "complaints",
    "mystery_shopping",
)


def get_schema(table: str | TableSchema) -> TableSchema:
    """Return the canonical schema of ``table`` (a name from :data:`SCHEMAS`, or a schema).

    Examples
    --------
    >>> get_schema("customers").primary_key
    ('customer_id',)
    """
    if isinstance(table, TableSchema):
        return table
    try:
        return SCHEMAS[table]
    except KeyError:
        raise ValueError(f"unknown table {table!r}; known tables: {list(SCHEMAS)}") from None


def conform(frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """``frame`` with exactly the schema's sample columns, in order, with their dtypes.

    The simulator passes every table through this, so its dtypes are the schema's
    (:meth:`TableSchema.dtypes`); the index becomes ``0 .. n-1`` (rows are taken by
    position, so an index repeating labels is fine). Date columns follow the package's one
    rule (:func:`portfolio_lib._validate.dates`): datetime64 or ISO 8601 text, never
    numbers, a time-zone aware date at its wall-clock time, nothing before 1900 or after
    tomorrow.

    Raises
    ------
    DataValidationError
        ``frame`` is not a DataFrame or lacks a sample column of ``schema``, or a date
        column holds something else than plausible dates (the message names the column and
        shows the rows).

    Examples
    --------
    >>> raw = pd.DataFrame({"visit_id": ["V1"], "branch": ["Bursa"], "region": ["Marmara"],
    ...                     "visit_date": ["2024-01-02"], "shopper_id": ["MS01"],
    ...                     **{item: [1] for item in MYSTERY_ITEMS}})
    >>> str(conform(raw, SCHEMAS["mystery_shopping"])["visit_date"].dtype)
    'datetime64[ns]'
    """
    _validate.table(frame, name=schema.name, columns=schema.sample_columns)
    dtypes = schema.dtypes()
    dates = _checked_dates(frame, schema, name=schema.name)
    out = {
        name: dates.get(name, frame[name]).astype(dtypes[name]).reset_index(drop=True)
        for name in schema.sample_columns
    }
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _checked_dates(frame: pd.DataFrame, schema: TableSchema, *, name: str) -> dict[str, pd.Series]:
    """The date columns of ``schema`` present in ``frame``, read by :func:`_validate.dates`.

    Missing dates are kept (a column with ``gaps``); anything else that is not a plausible
    date raises :class:`DataValidationError` naming the column of table ``name``.
    """
    return {
        col.name: _validate.dates(frame, col.name, name=name, missing="keep")
        for col in schema.columns
        if col.kind in ("date", "timestamp") and col.name in frame.columns
    }


def _read_csv_table(path: Path, schema: TableSchema) -> pd.DataFrame:
    """Read one CSV written by :meth:`CRMData.to_csv` back with its exact dtypes."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    missing = [c for c in schema.sample_columns if c not in raw.columns]
    if missing:
        raise ValueError(f"{path.name} is missing column(s) {missing}")
    out = {}
    for name in schema.sample_columns:
        col = schema.column(name)
        gaps = col.sample == "gaps"
        text = raw[name].to_numpy(dtype=object)
        empty = text == ""
        if empty.any() and not gaps and col.kind != "str":
            raise ValueError(f"{path.name}: column {name!r} has empty values")
        if col.kind == "str":
            values = text.copy()
            if gaps:
                values[empty] = np.nan
            out[name] = pd.Series(values, dtype=object)
        elif col.kind == "int":
            out[name] = pd.Series(np.array([int(v) for v in text], dtype=np.int64))
        elif col.kind == "float":
            out[name] = pd.Series(np.array([float(v) if v else np.nan for v in text], dtype=float))
        elif col.kind == "bool":
            if (~np.isin(text, ["True", "False"])).any():
                raise ValueError(f"{path.name}: column {name!r} must hold True/False")
            out[name] = pd.Series(text == "True")
        else:
            values = pd.Series(np.where(empty, None, text), dtype=object)
            out[name] = pd.to_datetime(values, format="ISO8601")
    return conform(pd.DataFrame(out), schema)


# ---------------------------------------------------------------------------------------------
# The data type
# ---------------------------------------------------------------------------------------------

NO_TRUTH_NOTE = "real data: no ground truth"  # truth.params["note"] of real data


@dataclass(frozen=True, eq=False)
class SimulationTruth:
    """What a simulated company was drawn from (or, with ``known=False``, that nothing is known).

    Attributes
    ----------
    params : dict
        JSON-serialisable nested dict of every parameter (``bgnbd``, ``gamma_gamma``,
        ``journey``, ``satisfaction``, ``campaigns``, ``mystery_shopping``, ``personas``,
        ``seasonality``, ...) plus realised sample facts (``observation``, ``realised``).
        For real data only a ``note`` (and the ``source``, when given).
    customers : pandas.DataFrame
        One row per customer with the latent values (schema :data:`TRUTH_CUSTOMERS`:
        persona, purchase_rate_per_week, dropout_prob, spend_scale, dropout_date,
        alive_at_end, satisfaction_latent, ...); no rows for real data.
    known : bool
        False for real data (see :meth:`unknown`).
    """

    params: dict[str, Any]
    customers: pd.DataFrame
    known: bool = True

    @classmethod
    def unknown(cls, source: str | None = None) -> SimulationTruth:
        """The truth of real data: none. ``params`` holds a note (and ``source``), ``customers``
        has the truth columns and no rows, so code written for simulated data still runs.

        Examples
        --------
        >>> truth = SimulationTruth.unknown("CDNOW sample")
        >>> truth.known, truth.params["source"], len(truth.customers)
        (False, 'CDNOW sample', 0)
        """
        params: dict[str, Any] = {"note": NO_TRUTH_NOTE}
        if source is not None:
            params = {"source": source, **params}
        return cls(params=params, customers=TRUTH_CUSTOMERS.empty_frame(), known=False)


class TableReader(Protocol):
    """Where :meth:`CRMData.from_store` reads tables from: a :class:`portfolio_lib.store.CRMStore`
    (or anything else whose ``read(table)`` returns the table as a DataFrame).

    A structural type for annotations only (``crm`` imports no other module of the package,
    so it cannot name ``CRMStore``); not in ``__all__``.
    """

    def read(self, table: str) -> pd.DataFrame:
        """Every stored row of ``table`` (a name from :data:`TABLE_NAMES`)."""
        ...


def _unreadable(values: pd.Series, kind: str) -> np.ndarray:
    """True where a present value does not fit the column kind (for error messages)."""
    present = values.notna().to_numpy(dtype=bool)
    if kind in ("date", "timestamp"):
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
        return present & parsed.isna().to_numpy(dtype=bool)
    if kind in ("int", "float", "bool"):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        bad = numbers.isna()
        if kind == "int":
            bad = bad | (numbers.fillna(0) % 1 != 0)
        if kind == "bool":
            bad = bad | ~numbers.fillna(0).isin([0, 1])
        return present & bad.to_numpy(dtype=bool)
    return np.zeros(len(values), dtype=bool)


def _conform_stored(frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """A table read from a store with the schema's columns and dtypes (see :meth:`from_store`)."""
    lost = [c for c in schema.sample_columns if c not in frame.columns]
    if lost:
        raise ValueError(
            f"{schema.name}: the store returned no column(s) {lost}; "
            f"columns returned: {list(frame.columns)}"
        )
    if len(frame) == 0:
        return schema.empty_frame(schema.sample_columns)
    names = [
        c.name
        for c in schema.columns
        if c.sample != "absent" or (c.name in frame.columns and frame[c.name].notna().any())
    ]
    out = {}
    for name in names:
        col = schema.column(name)
        values = frame[name].reset_index(drop=True)
        gaps = values.isna()
        dtype = KIND_DTYPES[col.kind]
        if gaps.any() and col.kind == "int":
            dtype = "float64"  # int64 cannot hold a missing value (as CRMStore.read gives it)
        elif gaps.any() and col.kind == "bool":
            dtype = "boolean"
        try:
            out[name] = values.astype(dtype)
        except (TypeError, ValueError) as exc:
            bad = _unreadable(values, col.kind)
            rows = frame.reset_index(drop=True).loc[bad if bad.any() else slice(None)]
            raise ValueError(
                f"{schema.name}: column {name!r} cannot be read as {col.kind} ({dtype}): {exc}. "
                f"Example rows:\n{rows.head(5).to_string()}"
            ) from exc
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _window_from_data(frames: Mapping[str, pd.DataFrame]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the transactions (or, without any, of every dated column)."""
    dates = frames["transactions"]["date"].dropna()
    if dates.empty:
        dated = [
            frame[col.name].dropna()
            for name, frame in frames.items()
            for col in SCHEMAS[name].columns
            if col.kind in ("date", "timestamp") and col.name in frame.columns
        ]
        dates = pd.concat(dated) if dated else pd.Series(dtype=DATETIME_DTYPE)
    if dates.empty:
        raise ValueError(
            "the store holds no dated rows (transactions is empty and so is every date column); "
            "pass observation_start and observation_end"
        )
    return pd.Timestamp(dates.min()).normalize(), pd.Timestamp(dates.max()).normalize()


@dataclass(frozen=True, eq=False)
class CRMData:
    """The tables of a company, its observation window and (for simulated data) the truth.

    See ``data/README.md`` for every column of the sample company, its type, unit and
    meaning, and :data:`SCHEMAS` for the canonical schema.

    ``truth`` is optional: leave it out (or pass ``None``) for real data and
    :meth:`SimulationTruth.unknown` is stored, so ``crm.truth.params`` and
    ``crm.truth.customers`` stay readable; :attr:`has_truth` says which case it is.

    ``validated`` (default False) says that every row of every table has passed the quality
    checks of :mod:`portfolio_lib.quality` on its way in: True for data read back from a
    store (:meth:`from_store`, ``load_course_data(..., via="store")``), whose ingestion
    validates each row and keeps the rejected ones, with their reasons, in the store's
    ``rejects`` table. It is a promise about the rows, not a check: the analyses still
    validate their input today (skipping that for ``validated`` data is planned, not done).

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> crm = simulate_crm(n_customers=300, seed=7)
    >>> crm.customers.columns[:3].tolist()
    ['customer_id', 'signup_date', 'acquisition_channel']
    >>> crm.has_truth
    True
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    touchpoints: pd.DataFrame
    campaigns: pd.DataFrame
    campaign_contacts: pd.DataFrame
    surveys: pd.DataFrame
    complaints: pd.DataFrame
    mystery_shopping: pd.DataFrame
    observation_start: pd.Timestamp
    observation_end: pd.Timestamp
    truth: SimulationTruth = field(default_factory=SimulationTruth.unknown)
    validated: bool = False

    def __post_init__(self) -> None:
        if self.truth is None:  # documented: None means "no ground truth"
            object.__setattr__(self, "truth", SimulationTruth.unknown())

    @property
    def has_truth(self) -> bool:
        """True when the data were simulated and the truth they were drawn from is known."""
        return self.truth.known

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The observable tables by name (truth excluded), in :data:`TABLE_NAMES` order."""
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def summary(self) -> pd.DataFrame:
        """Rows and columns of every table (a quick overview)."""
        rows = [
            {"table": name, "rows": len(frame), "columns": frame.shape[1]}
            for name, frame in self.tables.items()
        ]
        return pd.DataFrame(rows)

    def to_csv(self, directory: str | Path) -> Path:
        """Write every table as ``<name>.csv`` plus ``truth_params.json`` and
        ``truth_customers.csv`` into ``directory`` (created if needed); returns the path."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        frames = dict(self.tables)
        frames["truth_customers"] = self.truth.customers
        for name, frame in frames.items():
            frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        text = json.dumps(self.truth.params, indent=2, ensure_ascii=False)
        (folder / "truth_params.json").write_text(text + "\n", encoding="utf-8")
        return folder

    @classmethod
    def from_csv(cls, directory: str | Path) -> CRMData:
        """Read a folder written by :meth:`to_csv` from a simulated company; the frames equal
        the originals exactly."""
        folder = Path(directory)
        params = json.loads((folder / "truth_params.json").read_text(encoding="utf-8"))
        frames = {
            name: _read_csv_table(folder / f"{name}.csv", SCHEMAS[name]) for name in TABLE_NAMES
        }
        customers = _read_csv_table(folder / "truth_customers.csv", TRUTH_CUSTOMERS)
        obs = params["observation"]
        return cls(
            **frames,
            truth=SimulationTruth(params=params, customers=customers),
            observation_start=pd.Timestamp(obs["start"]),
            observation_end=pd.Timestamp(obs["end"]),
        )

    @classmethod
    def from_store(
        cls,
        store: TableReader,
        *,
        observation_start: str | pd.Timestamp | None = None,
        observation_end: str | pd.Timestamp | None = None,
    ) -> CRMData:
        """Read every table a store holds back as a validated :class:`CRMData`.

        The one data flow of the course: chapter 1 validates the company's tables and
        ingests them into a :class:`portfolio_lib.store.CRMStore` (rows that fail go to its
        ``rejects`` table with a reason); the later chapters run on what this returns.

        Parameters
        ----------
        store : CRMStore or TableReader
            An open store (anything with ``read(table) -> DataFrame``). Every table of
            :data:`TABLE_NAMES` is read.
        observation_start, observation_end : date-like, optional
            First and last day of the data (days). Default: the first and last transaction
            day (without transactions: the earliest and latest date in any table).

        Returns
        -------
        CRMData
            Each table in insertion order with the schema's sample columns in canonical
            order and their dtypes (:meth:`TableSchema.dtypes`; an ``int`` column with
            missing values stays ``float64`` and a ``bool`` column ``boolean``, as
            ``CRMStore.read`` gives them), plus a column only real data has (e.g.
            ``transactions.quantity``) when it holds a value. A table without rows is the
            schema's empty frame. ``truth`` is :meth:`SimulationTruth.unknown` (a store holds
            no ground truth; ``has_truth`` is False) and ``validated`` is True.

        Raises
        ------
        ValueError
            The store returned a table without one of its schema columns (the message
            names it), a column whose values do not fit its kind, or no dated rows at all
            while the window was not given.

        Examples
        --------
        >>> from portfolio_lib.simulate import simulate_crm
        >>> from portfolio_lib.store import CRMStore
        >>> crm = simulate_crm(n_customers=100, seed=7)
        >>> with CRMStore(":memory:") as store:
        ...     _ = store.ingest_tables(crm.tables)
        ...     stored = CRMData.from_store(store)
        >>> stored.validated, stored.has_truth, len(stored.customers) == len(crm.customers)
        (True, False, True)
        >>> str(stored.transactions["date"].dtype), str(stored.observation_end.date())
        ('datetime64[ns]', '2024-12-31')
        """
        frames = {name: _conform_stored(store.read(name), SCHEMAS[name]) for name in TABLE_NAMES}
        if observation_start is None or observation_end is None:
            first, last = _window_from_data(frames)
        start = first if observation_start is None else pd.Timestamp(observation_start)
        end = last if observation_end is None else pd.Timestamp(observation_end)
        if end < start:
            raise ValueError(
                f"observation_end {end.date()} is before observation_start {start.date()}"
            )
        return cls(
            **frames,
            observation_start=start,
            observation_end=end,
            truth=SimulationTruth.unknown(),
            validated=True,
        )


def crm_table(data: CRMData | Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    """One table of ``data`` by name: the shared way analyses take a table from their input.

    Analyses that accept "a :class:`CRMData` or a mapping of table name -> DataFrame"
    (e.g. :func:`portfolio_lib.churn.crm_time_split`) read their tables through this.

    Parameters
    ----------
    data : CRMData or mapping of str to pandas.DataFrame
        The company, or some of its tables by name (e.g. ``{"transactions": tx}``).
    name : str
        A table name from :data:`TABLE_NAMES`.

    Returns
    -------
    pandas.DataFrame or None
        ``data.<name>`` of a CRMData; ``data[name]`` of a mapping, or None when the mapping
        has no such table (or holds None for it).

    Raises
    ------
    ValueError
        ``name`` is not a table name.
    TypeError
        ``data`` is neither a CRMData nor a mapping, or the mapping holds something other
        than a DataFrame under ``name``.
    DataValidationError
        A date column of the mapping's table holds numbers (``20230101`` is not read as
        nanoseconds), text that is not ISO 8601, or dates before 1900 or after tomorrow.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["C1"], "date": pd.to_datetime(["2024-01-02"]),
    ...                    "amount": [9.5]})
    >>> crm_table({"transactions": tx}, "transactions")["amount"].tolist()
    [9.5]
    >>> crm_table({"transactions": tx}, "surveys") is None
    True
    """
    if name not in TABLE_NAMES:
        raise ValueError(f"unknown table {name!r}; tables: {list(TABLE_NAMES)}")
    if isinstance(data, CRMData):
        return getattr(data, name)
    if not isinstance(data, Mapping):
        raise TypeError(
            "data must be a CRMData or a mapping of table name -> DataFrame, "
            f"got {type(data).__name__}"
        )
    frame = data.get(name)
    if frame is not None and not isinstance(frame, pd.DataFrame):
        raise TypeError(f"table {name!r} must be a pandas DataFrame, got {type(frame).__name__}")
    if frame is not None:
        _checked_dates(frame, SCHEMAS[name], name=name)
    return frame
