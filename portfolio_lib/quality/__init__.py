"""Canonical table schemas and data-quality checks.

Every table of the CRM (customers, transactions, touchpoints, campaigns,
campaign_contacts, surveys, complaints, mystery_shopping) is described ONCE
here, as a :class:`TableSchema`. Loaders map foreign formats onto these
schemas, :mod:`portfolio_lib.store` creates its SQLite tables from them, and
the validators below check a batch of rows against them.

A validator never drops data silently: every input row ends in exactly one of
``report.clean``, ``report.returns`` (transactions only: returns and
cancellations, which are data, not errors) or ``report.rejected`` (with a
``reason`` and the ``failed_column``). The original row index is kept so a row
can be traced back to its source.

Modules
-------
- :mod:`~portfolio_lib.quality.schemas`: :class:`Column`, :class:`ForeignKey`,
  :class:`TableSchema`, :data:`SCHEMAS`, :data:`TABLE_ORDER`, :func:`get_schema`.
- :mod:`~portfolio_lib.quality.parsing`: :func:`parse_values`, :func:`apply_dtypes`.
- :mod:`~portfolio_lib.quality.formats`: :class:`ValueFormat` (``locale="tr"``, ``dayfirst``,
  ``decimal``, currency, time zone), :func:`parse_dates`, :func:`parse_amounts`: dates and
  amounts read exactly or refused, never misread.
- :mod:`~portfolio_lib.quality.files`: :func:`read_raw` (CSV in any delimiter and a stated
  encoding, Excel, Parquet).
- :mod:`~portfolio_lib.quality.validation`: :func:`validate_table`,
  :func:`validate_transactions`, :func:`validate_customers` and their reasons.
- :mod:`~portfolio_lib.quality.report`: :class:`ValidationReport` (clean / returns / rejected).
- :mod:`~portfolio_lib.quality.injection`: :func:`inject_errors`, :data:`INJECTED_REASONS`.

Examples
--------
>>> import pandas as pd
>>> from portfolio_lib.quality import validate_transactions
>>> batch = pd.DataFrame({
...     "customer_id": ["C1", None, "C2"],
...     "date": ["2024-01-05", "2024-01-06", "2024-02-30"],
...     "amount": [10.0, 5.0, 7.5],
... })
>>> report = validate_transactions(batch)
>>> len(report.clean), list(report.rejected["reason"])
(1, ['missing customer_id', 'unparseable date'])
"""

from portfolio_lib._errors import DataValidationError
from portfolio_lib.quality.contactability import (
    CHANNEL_DETAILS,
    Contactability,
    contact_reachability,
)
from portfolio_lib.quality.files import read_raw
from portfolio_lib.quality.formats import (
    CURRENCY_CODES,
    LOCALES,
    FormatOptions,
    ParsedAmounts,
    ValueFormat,
    parse_amounts,
    parse_dates,
)
from portfolio_lib.quality.injection import INJECTED_REASONS, inject_errors
from portfolio_lib.quality.parsing import apply_dtypes, parse_values
from portfolio_lib.quality.report import FAILED_COLUMN as FAILED_COLUMN  # not in __all__
from portfolio_lib.quality.report import REASON_COLUMN as REASON_COLUMN  # not in __all__
from portfolio_lib.quality.report import ValidationReport
from portfolio_lib.quality.schemas import (
    ANNOTATION_COLUMNS,
    DATETIME_DTYPE,
    JOURNEY_STAGES,
    SCHEMAS,
    TABLE_ORDER,
    Column,
    ForeignKey,
    TableSchema,
    get_schema,
)
from portfolio_lib.quality.schemas import ColumnKind as ColumnKind  # not in __all__, as before
from portfolio_lib.quality.validation import (
    CUSTOMER_REASONS,
    RETURN_ONLY_REASON,
    TRANSACTION_REASONS,
    validate_customers,
    validate_table,
    validate_transactions,
)

__all__ = [
    "DataValidationError",
    "Column",
    "ForeignKey",
    "TableSchema",
    "SCHEMAS",
    "TABLE_ORDER",
    "JOURNEY_STAGES",
    "DATETIME_DTYPE",
    "ANNOTATION_COLUMNS",
    "TRANSACTION_REASONS",
    "CUSTOMER_REASONS",
    "INJECTED_REASONS",
    "ValidationReport",
    "get_schema",
    "parse_values",
    "apply_dtypes",
    "validate_table",
    "validate_transactions",
    "validate_customers",
    "inject_errors",
    "ValueFormat",
    "FormatOptions",
    "ParsedAmounts",
    "LOCALES",
    "CURRENCY_CODES",
    "RETURN_ONLY_REASON",
    "parse_dates",
    "parse_amounts",
    "read_raw",
    "CHANNEL_DETAILS",
    "Contactability",
    "contact_reachability",
]
