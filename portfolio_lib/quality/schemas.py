"""Canonical table schemas: one :class:`TableSchema` per CRM table.

The schemas are defined once, in :mod:`portfolio_lib.crm` (the package's core module), and
re-exported here under the names the quality checks have always used: loaders map foreign
formats onto them, :mod:`portfolio_lib.store` creates its SQLite tables from them and
:mod:`portfolio_lib.quality.validation` checks batches of rows against them.
"""

from __future__ import annotations

from portfolio_lib.crm import (
    DATETIME_DTYPE,
    SCHEMAS,
    TABLE_ORDER,
    Column,
    ColumnKind,
    ForeignKey,
    TableSchema,
    get_schema,
)
from portfolio_lib.crm import STAGES as JOURNEY_STAGES

__all__ = [
    "ANNOTATION_COLUMNS",
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
