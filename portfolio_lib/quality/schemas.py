"""Canonical table schemas: one :class:`TableSchema` per CRM table.

The schemas are defined once, in :mod:`portfolio_lib.crm` (the package's core module), and
re-exported here under the names the quality checks have always used: loaders map foreign
formats onto them, :mod:`portfolio_lib.store` creates its SQLite tables from them and
:mod:`portfolio_lib.quality.validation` checks batches of rows against them.
"""

from __future__ import annotations

from dataclasses import replace

from portfolio_lib.crm import (
    DATETIME_DTYPE,
    SCHEMAS,
    TABLE_ORDER,
    Column,
    ColumnKind,
    ForeignKey,
    SampleFill,
    TableSchema,
    get_schema,
)
from portfolio_lib.crm import STAGES as JOURNEY_STAGES

__all__ = [
    "ANNOTATION_COLUMNS",
    "CUSTOMER_RECORDS",
    "RECORD_SCHEMAS",
    "RECORD_SOURCES",
    "TRANSACTION_RECORDS",
    "EVENT_RECORDS",
    "TRUTH_RECORDS",
    "DATETIME_DTYPE",
    "JOURNEY_STAGES",
    "SCHEMAS",
    "TABLE_ORDER",
    "Column",
    "ColumnKind",
    "ForeignKey",
    "TableSchema",
    "get_schema",
]

#: Columns that describe a row rather than hold data (ignored by every check, kept in the output).
ANNOTATION_COLUMNS: tuple[str, ...] = ("injected_reason",)


#: Source systems of a customer record.
RECORD_SOURCES: tuple[str, ...] = ("store card", "web", "app", "call centre")


def _text(name: str, description: str, sample: SampleFill = "gaps") -> Column:
    return Column(name, "str", description=description, sample=sample)


#: The customer *records* of the sample company (issue 18): one row per record of a person in
#: one source system (store card, web, app, call centre); several records may belong to one
#: person. Not part of :data:`SCHEMAS` (the CRM tables every chapter reads); written and read
#: by :class:`portfolio_lib.simulate.records.CustomerRecords`. Identifiers, phones and postcodes
#: are text (leading zeros, ``+90``); any field except the keys may be missing.
CUSTOMER_RECORDS = TableSchema(
    "customer_records",
    (
        Column.key("record_id", "record key"),
        replace(Column.key("source", "system the record was entered in"), allowed=RECORD_SOURCES),
        _text("given_name", "given name(s) as typed"),
        _text("family_name", "surname as typed"),
        Column("birth_date", "date", description="date of birth", sample="gaps"),
        _text("phone", "mobile number as typed (+90 5xx ..., 05xx ..., with or without spaces)"),
        _text("email", "e-mail address"),
        _text("street_number", "building number (text)"),
        _text("address", "street, e.g. 'Atatürk Caddesi'"),
        _text("city", "city"),
        _text("postcode", "five-digit postcode (text; starts with the city's plate code)"),
        _text("region", "region of the sample company", sample="complete"),
        _text("id_number", "11-digit national-id-like number (fictional; often missing)"),
        Column("signup_date", "date", nullable=False, description="day the record was created"),
        Column("last_contact", "date", nullable=False, description="last contact on this record"),
    ),
    primary_key=("record_id",),
    description="one row per customer record (several records may be one person)",
)


def _key_pair(name: str, key: str, other: str, fk: ForeignKey, description: str) -> TableSchema:
    """A two-column table: ``key`` (primary key) -> ``other`` (foreign key ``fk``)."""
    return TableSchema(
        name,
        (Column.key(key), Column.key(other)),
        (key,),
        foreign_keys=(fk,),
        description=description,
    )


#: The true person of every record (simulated data only): record_id -> customer_id.
TRUTH_RECORDS = _key_pair(
    "truth_records",
    "record_id",
    "customer_id",
    ForeignKey("customer_id", "customers", "customer_id"),
    "one row per record: the person (customer) it belongs to",
)

#: Which record each transaction was booked on (simulated; see data/README.md for the rule).
TRANSACTION_RECORDS = _key_pair(
    "transaction_records",
    "transaction_id",
    "record_id",
    ForeignKey("record_id", "customer_records", "record_id"),
    "one row per transaction: the customer record it was booked on",
)

#: Which record each touchpoint, survey response and complaint was booked on (simulated; the
#: same rule as the transactions, data/README.md), by file name.
EVENT_RECORDS: dict[str, TableSchema] = {
    f"{table}_records": _key_pair(
        f"{table}_records",
        key,
        "record_id",
        ForeignKey("record_id", "customer_records", "record_id"),
        f"one row per {noun}: the customer record it was booked on",
    )
    for table, key, noun in (
        ("touchpoint", "event_id", "touchpoint"),
        ("survey", "response_id", "survey response"),
        ("complaint", "complaint_id", "complaint"),
    )
}

#: The record-level tables of the sample company, by file name (without ``.csv``).
RECORD_SCHEMAS: dict[str, TableSchema] = {
    schema.name: schema
    for schema in (CUSTOMER_RECORDS, TRUTH_RECORDS, TRANSACTION_RECORDS, *EVENT_RECORDS.values())
}
