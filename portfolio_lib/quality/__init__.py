"""Canonical table schemas and data-quality checks (being split into modules)."""

from portfolio_lib.quality.validation import *  # noqa: F403
from portfolio_lib.quality.validation import FAILED_COLUMN, REASON_COLUMN, ColumnKind  # noqa: F401
from portfolio_lib.quality.validation import __all__  # noqa: F401
