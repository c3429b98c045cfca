"""Canonical table schemas: one :class:`TableSchema` per CRM table.

Every table of the CRM (customers, transactions, touchpoints, campaigns,
campaign_contacts, surveys, complaints, mystery_shopping) is described ONCE
here. Loaders map foreign formats onto these schemas,
:mod:`portfolio_lib.store` creates its SQLite tables from them and
:mod:`portfolio_lib.quality.validation` checks batches of rows against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["str", "date", "timestamp", "float", "int", "bool"]

#: pandas dtype used for every date and timestamp column (as produced by ``simulate``).
DATETIME_DTYPE = "datetime64[ns]"

#: The five customer-journey stages of the course, in order.
JOURNEY_STAGES: tuple[str, ...] = (
    "discovery",
    "first_contact",
    "decision",
    "purchase",
    "deepening",
)

#: Columns that describe a row rather than hold data (ignored by every check, kept in the output).
ANNOTATION_COLUMNS: tuple[str, ...] = ("injected_reason",)


# ---------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    Parameters
    ----------
    name : str
        snake_case column name.
    kind : {"str", "date", "timestamp", "float", "int", "bool"}
        Logical type. ``date`` has day resolution, ``timestamp`` minute resolution;
        both are held as ``datetime64`` in pandas.
    required : bool
        The column must be present in every batch (analysis and storage).
    nullable : bool
        Values may be missing (NaN/NaT/None/blank).
    minimum, maximum : float, optional
        Inclusive range for numeric values (in the column's unit).
    allowed : tuple of str, optional
        The only permitted values (for a small closed vocabulary).
    description : str
        What the column holds, with its unit.
    """

    name: str
    kind: ColumnKind
    required: bool = False
    nullable: bool = True
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] | None = None
    description: str = ""


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
    >>> from portfolio_lib.quality import get_schema
    >>> get_schema("transactions").required_columns
    ('customer_id', 'date', 'amount')
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

    def column(self, name: str) -> Column:
        """The :class:`Column` called ``name`` (KeyError if absent)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}; columns: {list(self.column_names)}")

    def dtypes(self) -> dict[str, str]:
        """pandas dtype of each column when it has no missing values."""
        mapping = {
            "str": "str",
            "date": DATETIME_DTYPE,
            "timestamp": DATETIME_DTYPE,
            "float": "float64",
            "int": "int64",
            "bool": "bool",
        }
        return {c.name: mapping[c.kind] for c in self.columns}


def _likert(name: str, description: str = "") -> Column:
    return Column(name, "int", minimum=1, maximum=5, description=description or "Likert 1-5")


def _pk(name: str, description: str) -> Column:
    return Column(name, "str", required=True, nullable=False, description=description)


_ATTITUDE_ITEMS = tuple(
    f"att_{factor}_{i}" for factor in ("price", "quality", "convenience", "eco") for i in (1, 2)
)
_RATING_ITEMS = (
    "rating_product_quality",
    "rating_price_value",
    "rating_delivery",
    "rating_staff",
    "rating_website",
)
_CHECKLIST_ITEMS = (
    "item_greeting",
    "item_wait_time",
    "item_product_knowledge",
    "item_cleanliness",
    "item_upsell_offer",
    "item_checkout",
    "item_farewell",
)

SCHEMAS: dict[str, TableSchema] = {
    "customers": TableSchema(
        "customers",
        (
            _pk("customer_id", "customer identifier"),
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
            Column("loyalty_member", "bool"),
            Column("loyalty_join_date", "date"),
            *(_likert(item, "attitude item, Likert 1-5") for item in _ATTITUDE_ITEMS),
        ),
        primary_key=("customer_id",),
        description="one row per customer",
    ),
    "campaigns": TableSchema(
        "campaigns",
        (
            _pk("campaign_id", "campaign identifier"),
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
            Column("customer_id", "str", required=True, nullable=False),
            Column("date", "date", required=True, nullable=False, description="purchase day"),
            Column(
                "amount",
                "float",
                required=True,
                nullable=False,
                description="currency units; negative for returns",
            ),
            Column("quantity", "int", description="items (e.g. CDs) in the purchase"),
            Column("category", "str"),
            Column("channel", "str"),
            Column("is_return", "bool", description="a return or cancellation"),
            Column("points_earned", "int", minimum=0, description="loyalty points"),
            Column("points_redeemed", "int", minimum=0, description="loyalty points"),
            Column("campaign_id", "str"),
        ),
        primary_key=("transaction_id",),
        foreign_keys=(
            ForeignKey("customer_id", "customers", "customer_id"),
            ForeignKey("campaign_id", "campaigns", "campaign_id"),
        ),
        description="one row per purchase (or return) line",
    ),
    "touchpoints": TableSchema(
        "touchpoints",
        (
            _pk("event_id", "touchpoint identifier"),
            Column(
                "customer_id",
                "str",
                required=True,
                nullable=False,
                description="C... for buyers, P... for prospects (not in customers)",
            ),
            Column("timestamp", "timestamp", required=True, nullable=False),
            Column("stage", "str", required=True, nullable=False, allowed=JOURNEY_STAGES),
            Column("channel", "str"),
            Column("campaign_id", "str"),
        ),
        primary_key=("event_id",),
        foreign_keys=(ForeignKey("campaign_id", "campaigns", "campaign_id"),),
        description="one row per contact between a person and the company",
    ),
    "campaign_contacts": TableSchema(
        "campaign_contacts",
        (
            Column("campaign_id", "str", required=True, nullable=False),
            Column("customer_id", "str", required=True, nullable=False),
            Column("arm", "str", allowed=("treatment", "control")),
            Column("contact_date", "date"),
            Column("responded", "bool"),
        ),
        primary_key=("campaign_id", "customer_id"),
        foreign_keys=(
            ForeignKey("campaign_id", "campaigns", "campaign_id"),
            ForeignKey("customer_id", "customers", "customer_id"),
        ),
        description="one row per customer targeted by a campaign",
    ),
    "surveys": TableSchema(
        "surveys",
        (
            _pk("response_id", "survey response identifier"),
            Column("customer_id", "str", required=True, nullable=False),
            Column("wave", "int", minimum=0),
            Column("date", "date"),
            Column("stage", "str", allowed=JOURNEY_STAGES),
            Column(
                "nps", "int", minimum=0, maximum=10, description="likelihood to recommend, 0-10"
            ),
            Column("csat", "int", minimum=1, maximum=5),
            *(_likert(item, "driver rating, 1-5") for item in _RATING_ITEMS),
            *(_likert(f"sat_{i}", "satisfaction scale item, 1-5") for i in (1, 2, 3)),
            _likert("sat_4_r", "satisfaction scale item, reverse-coded, 1-5"),
            Column("comment", "str"),
        ),
        primary_key=("response_id",),
        foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"),),
        description="one row per survey response",
    ),
    "complaints": TableSchema(
        "complaints",
        (
            _pk("complaint_id", "complaint identifier"),
            Column("customer_id", "str", required=True, nullable=False),
            Column("opened", "timestamp", required=True, nullable=False),
            Column("resolved", "timestamp", description="NaT while still open"),
            Column("category", "str"),
            Column("channel", "str"),
            Column("text", "str"),
            Column(
                "resolution_satisfaction",
                "float",  # float so the dtype does not depend on whether some are still open
                minimum=1,
                maximum=5,
                description="1-5 rating of the resolution, NaN while open",
            ),
        ),
        primary_key=("complaint_id",),
        foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"),),
        description="one row per complaint",
    ),
    "mystery_shopping": TableSchema(
        "mystery_shopping",
        (
            _pk("visit_id", "visit identifier"),
            Column("branch", "str", required=True, nullable=False),
            Column("region", "str"),
            Column("visit_date", "date"),
            Column("shopper_id", "str"),
            *(
                Column(item, "int", minimum=0, maximum=1, description="0/1")
                for item in _CHECKLIST_ITEMS
            ),
        ),
        primary_key=("visit_id",),
        description="one row per mystery-shopper visit",
    ),
}

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
