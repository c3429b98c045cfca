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

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from portfolio_lib._errors import (
    DataValidationError,
    as_generator,
    format_examples,
    require_columns,
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
]

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

#: Columns a validator adds to ``report.rejected``; an input may not already have them.
REASON_COLUMN = "reason"
FAILED_COLUMN = "failed_column"


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

#: Rejection reasons of :func:`validate_transactions`, in the order they are checked.
TRANSACTION_REASONS: tuple[str, ...] = (
    "missing customer_id",
    "missing date",
    "unparseable date",
    "missing amount",
    "non-numeric amount",
    "zero amount",
    "date outside window",
    "duplicate row",
)

#: Rejection reasons of :func:`validate_customers` (besides type problems of optional columns).
CUSTOMER_REASONS: tuple[str, ...] = (
    "missing customer_id",
    "missing signup_date",
    "unparseable signup_date",
    "non-numeric age",
    "non-integer age",
    "age out of range",
    "duplicate row",
    "duplicate customer_id",
)

#: What :func:`inject_errors` plants: every transaction rejection reason plus a return.
INJECTED_REASONS: tuple[str, ...] = (*TRANSACTION_REASONS, "return")


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


# ---------------------------------------------------------------------------------------------
# Parsing one column
# ---------------------------------------------------------------------------------------------


def _is_missing(values: pd.Series) -> np.ndarray:
    """True where a value is NaN/NaT/None or a blank string."""
    missing = values.isna().to_numpy(dtype=bool).copy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        try:
            blank = values.str.strip().eq("")
        except AttributeError:  # object column holding no strings at all
            blank = values.map(lambda v: isinstance(v, str) and not v.strip(), na_action="ignore")
        missing |= blank.astype(object).fillna(False).to_numpy(dtype=bool)
    return missing


def _parse_datetimes(values: pd.Series) -> pd.Series:
    """datetime64 Series; NaT where a value cannot be read as a date."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values):
        # Numbers are not dates (e.g. 20240101 must be converted explicitly by a loader).
        return pd.Series(pd.NaT, index=values.index, dtype=DATETIME_DTYPE)
    text = values.where(~pd.Series(_is_missing(values), index=values.index))
    try:
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    except (ValueError, TypeError):
        parsed = pd.Series(pd.NaT, index=values.index, dtype=DATETIME_DTYPE)
    retry = parsed.isna() & text.notna()
    if retry.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                again = pd.to_datetime(text[retry], errors="coerce", format="mixed")
            except (ValueError, TypeError):
                again = text[retry].map(_timestamp_or_nat)
        if len(again) and not pd.api.types.is_datetime64_any_dtype(again.dtype):
            again = pd.to_datetime(again, errors="coerce")
        parsed = parsed.copy()
        parsed[retry] = again
    if getattr(parsed.dt, "tz", None) is None:
        parsed = parsed.astype(DATETIME_DTYPE)
    return parsed


def _timestamp_or_nat(value: object) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        return pd.NaT


def _parse_numbers(values: pd.Series) -> pd.Series:
    """float64 Series; NaN where a value is not a finite number."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64")
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.astype("float64")
    else:
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    return numbers.where(np.isfinite(numbers))


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def _parse_bool(values: pd.Series) -> pd.Series:
    """object Series of True/False/None (None where unreadable or missing)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(object).where(values.notna(), None)

    def one(v: object) -> object:
        if isinstance(v, bool | np.bool_):
            return bool(v)
        text = str(v).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return None

    return values.map(one, na_action="ignore").astype(object)


def parse_values(values: pd.Series, kind: ColumnKind) -> tuple[pd.Series, np.ndarray]:
    """Read raw values as one of the schema kinds, without losing track of failures.

    Parameters
    ----------
    values : pandas.Series
        Raw values (e.g. strings from a CSV).
    kind : {"str", "date", "timestamp", "float", "int", "bool"}
        Target kind (see :class:`Column`).

    Returns
    -------
    parsed : pandas.Series
        datetime64 for dates, float64 for numbers (int64 for ints when
        nothing is missing), bool/boolean for flags, unchanged for ``"str"``.
        Missing or unreadable values become NaN/NaT/NA.
    unreadable : numpy.ndarray of bool
        True where a value was present but could not be read (a blank
        string counts as missing, not unreadable).

    Examples
    --------
    >>> import pandas as pd
    >>> parsed, bad = parse_values(pd.Series(["2024-01-31", "2024-02-30", None]), "date")
    >>> bad.tolist()
    [False, True, False]
    """
    missing = _is_missing(values)
    if kind in ("date", "timestamp"):
        parsed = _parse_datetimes(values)
    elif kind in ("float", "int"):
        parsed = _parse_numbers(values)
        if kind == "int":
            fractional = (parsed.fillna(0) != np.round(parsed.fillna(0))).to_numpy()
            parsed = parsed.where(~fractional)
            parsed = _finish_int(parsed)
    elif kind == "bool":
        parsed = _finish_bool(_parse_bool(values))
    elif kind == "str":
        return values, np.zeros(len(values), dtype=bool)
    else:
        raise ValueError(f"unknown column kind {kind!r}")
    unreadable = parsed.isna().to_numpy(dtype=bool) & ~missing
    return parsed, unreadable


def _finish_int(numbers: pd.Series) -> pd.Series:
    return numbers.astype("int64") if numbers.notna().all() else numbers


def _finish_bool(flags: pd.Series) -> pd.Series:
    if flags.notna().all():
        return flags.astype(bool)
    return flags.astype("boolean")


class _Verdicts:
    """One reason (or None) per row position; the first reason found wins."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self._open = np.ones(n, dtype=bool)

    @property
    def open(self) -> np.ndarray:
        """True for rows without a reason yet (a copy)."""
        return self._open.copy()

    def flag(self, mask: np.ndarray, reason: str, column: str) -> None:
        hit = np.asarray(mask, dtype=bool) & self._open
        self.reason[hit] = reason
        self.column[hit] = column
        self._open &= ~hit


def _check_columns(frame: pd.DataFrame, schema: TableSchema, verdicts: _Verdicts) -> pd.DataFrame:
    """Check every schema column present in ``frame``; return the frame with parsed columns."""
    converted = frame.copy()
    for col in schema.columns:
        if col.name not in frame.columns:
            continue
        raw = frame[col.name]
        missing = _is_missing(raw)
        if not col.nullable:
            verdicts.flag(missing, f"missing {col.name}", col.name)
        if col.kind in ("date", "timestamp"):
            parsed = _parse_datetimes(raw)
            verdicts.flag(parsed.isna().to_numpy() & ~missing, f"unparseable {col.name}", col.name)
            converted[col.name] = parsed
        elif col.kind in ("float", "int"):
            numbers = _parse_numbers(raw)
            present = numbers.notna().to_numpy()
            verdicts.flag(~present & ~missing, f"non-numeric {col.name}", col.name)
            if col.kind == "int":
                fractional = present & (numbers.fillna(0) != np.round(numbers.fillna(0))).to_numpy()
                verdicts.flag(fractional, f"non-integer {col.name}", col.name)
            low = -np.inf if col.minimum is None else col.minimum
            high = np.inf if col.maximum is None else col.maximum
            outside = present & ~numbers.between(low, high).to_numpy()
            verdicts.flag(outside, f"{col.name} out of range", col.name)
            converted[col.name] = numbers
        elif col.kind == "bool":
            flags = _parse_bool(raw)
            verdicts.flag(flags.isna().to_numpy() & ~missing, f"invalid {col.name}", col.name)
            converted[col.name] = flags
        if col.allowed is not None:
            unknown = ~missing & ~raw.astype(object).isin(col.allowed).to_numpy()
            verdicts.flag(unknown, f"invalid {col.name}", col.name)
    return converted


def _possible_reasons(schema: TableSchema, frame: pd.DataFrame) -> list[str]:
    reasons: list[str] = []
    for col in schema.columns:
        if col.name not in frame.columns:
            continue
        if not col.nullable:
            reasons.append(f"missing {col.name}")
        if col.kind in ("date", "timestamp"):
            reasons.append(f"unparseable {col.name}")
        elif col.kind in ("float", "int"):
            reasons.append(f"non-numeric {col.name}")
            if col.kind == "int":
                reasons.append(f"non-integer {col.name}")
            if col.minimum is not None or col.maximum is not None:
                reasons.append(f"{col.name} out of range")
        if col.kind == "bool" or col.allowed is not None:
            reasons.append(f"invalid {col.name}")
    return list(dict.fromkeys(reasons))


def _finish_dtypes(converted: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    for col in schema.columns:
        if col.name not in converted.columns:
            continue
        if col.kind == "int":
            converted[col.name] = _finish_int(converted[col.name])
        elif col.kind == "bool":
            converted[col.name] = _finish_bool(converted[col.name])
    return converted


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ValidationReport:
    """Outcome of validating a batch: every input row is in exactly one of three frames.

    Attributes
    ----------
    table : str
        Which canonical table the batch was checked against.
    clean : pandas.DataFrame
        Rows that passed, with schema columns parsed (dates as ``datetime64``,
        numbers as float/int, flags as bool). Original index kept.
    returns : pandas.DataFrame
        Transactions only: valid returns/cancellations (``is_return`` true or a
        negative amount), parsed like ``clean``. Empty for other tables.
    rejected : pandas.DataFrame
        Failing rows with their ORIGINAL values plus ``reason`` (why) and
        ``failed_column`` (which column; ``"(row)"`` for whole-row problems).
    reasons_checked : tuple of str
        Every reason this check could have produced (used to show zeros in
        :meth:`summary`).
    """

    table: str
    clean: pd.DataFrame
    returns: pd.DataFrame
    rejected: pd.DataFrame
    reasons_checked: tuple[str, ...] = ()

    @property
    def n_rows(self) -> int:
        """Number of input rows (= clean + returns + rejected)."""
        return len(self.clean) + len(self.returns) + len(self.rejected)

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return len(self.rejected) == 0

    def summary(self, *, include_zero: bool = True) -> pd.DataFrame:
        """Rows per outcome.

        Parameters
        ----------
        include_zero : bool
            Also list reasons that were checked but found no rows.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``outcome`` (``"clean"``, ``"return"``, then each
            rejection reason) with columns ``rows`` (count), ``share`` (fraction
            of input rows, 0-1) and ``column`` (the column a reason is about).

        Examples
        --------
        >>> import pandas as pd
        >>> from portfolio_lib.quality import validate_transactions
        >>> df = pd.DataFrame({"customer_id": ["C1", "C1"], "date": ["2024-01-01"] * 2,
        ...                    "amount": [5.0, 0.0]})
        >>> int(validate_transactions(df).summary().loc["zero amount", "rows"])
        1
        """
        counts = self.rejected[REASON_COLUMN].value_counts() if len(self.rejected) else None
        columns = (
            self.rejected.groupby(REASON_COLUMN)[FAILED_COLUMN].first().to_dict()
            if len(self.rejected)
            else {}
        )
        reasons = list(self.reasons_checked) if include_zero else []
        if counts is not None:
            reasons += [r for r in counts.index if r not in reasons]
        rows = [("clean", len(self.clean), ""), ("return", len(self.returns), "")]
        for reason in reasons:
            n = int(counts.get(reason, 0)) if counts is not None else 0
            if n or include_zero:
                rows.append((reason, n, columns.get(reason, _reason_column(reason))))
        out = pd.DataFrame(rows, columns=["outcome", "rows", "column"]).set_index("outcome")
        total = max(self.n_rows, 1)
        out.insert(1, "share", out["rows"] / total)
        return out

    def raise_if_rejected(self) -> None:
        """Raise :class:`DataValidationError` naming columns and showing up to five rejected rows."""
        if self.ok:
            return
        grouped = self.rejected.groupby(REASON_COLUMN, sort=False)[FAILED_COLUMN]
        parts = [
            f"{reason} ({len(cols)} row(s), column {cols.iloc[0]!r})" for reason, cols in grouped
        ]
        raise DataValidationError(
            f"{self.table}: {len(self.rejected)} of {self.n_rows} rows failed validation: "
            + "; ".join(parts)
            + ". Examples:\n"
            + format_examples(self.rejected)
        )


def _reason_column(reason: str) -> str:
    if reason in ("duplicate row",):
        return "(row)"
    if reason == "zero amount":
        return "amount"
    if reason == "date outside window":
        return "date"
    for prefix in (
        "missing ",
        "unparseable ",
        "non-numeric ",
        "non-integer ",
        "invalid ",
        "duplicate ",
    ):
        if reason.startswith(prefix):
            return reason[len(prefix) :]
    if reason.endswith(" out of range"):
        return reason[: -len(" out of range")]
    return ""


# ---------------------------------------------------------------------------------------------
# Validators
# ---------------------------------------------------------------------------------------------

_Rule = Callable[[pd.DataFrame, pd.DataFrame, _Verdicts], None]


def _transaction_rules(window: tuple[object, object] | None) -> _Rule:
    def rules(frame: pd.DataFrame, converted: pd.DataFrame, verdicts: _Verdicts) -> None:
        amount = converted["amount"]
        verdicts.flag((amount == 0).to_numpy(), "zero amount", "amount")
        if window is not None:
            start, end = window
            day = converted["date"].dt.normalize()
            outside = np.zeros(len(frame), dtype=bool)
            if start is not None:
                outside |= (day < pd.Timestamp(start).normalize()).to_numpy()
            if end is not None:
                outside |= (day > pd.Timestamp(end).normalize()).to_numpy()
            verdicts.flag(outside, "date outside window", "date")

    return rules


def _validate(
    frame: pd.DataFrame,
    schema: TableSchema,
    *,
    strict: bool,
    rules: _Rule | None,
    extra_reasons: Sequence[str],
    check_duplicates: bool,
    check_keys: bool,
    split_returns: bool,
) -> ValidationReport:
    require_columns(frame, schema.required_columns, name=schema.name)
    clash = [c for c in (REASON_COLUMN, FAILED_COLUMN) if c in frame.columns]
    if clash:
        raise DataValidationError(
            f"{schema.name}: column(s) {clash} are reserved for the validation report; "
            f"rename them first. Columns present: {list(frame.columns)}"
        )
    verdicts = _Verdicts(len(frame))
    converted = _check_columns(frame, schema, verdicts)
    reasons = _possible_reasons(schema, frame)
    if rules is not None:
        rules(frame, converted, verdicts)
    reasons += [r for r in extra_reasons if r not in reasons]
    data_columns = [c for c in converted.columns if c not in ANNOTATION_COLUMNS]
    if check_duplicates:
        reasons.append("duplicate row")
        open_pos = np.flatnonzero(verdicts.open)
        if len(open_pos):
            dup = converted.iloc[open_pos][data_columns].duplicated(keep="first").to_numpy()
            mask = np.zeros(len(frame), dtype=bool)
            mask[open_pos[dup]] = True
            verdicts.flag(mask, "duplicate row", "(row)")
    key = [k for k in schema.primary_key if k in frame.columns]
    if check_keys and key and len(key) == len(schema.primary_key):
        label = "+".join(key)
        reasons.append(f"duplicate {label}")
        open_pos = np.flatnonzero(verdicts.open)
        if len(open_pos):
            dup = converted.iloc[open_pos][key].duplicated(keep="first").to_numpy()
            mask = np.zeros(len(frame), dtype=bool)
            mask[open_pos[dup]] = True
            verdicts.flag(mask, f"duplicate {label}", label)

    is_ok = verdicts.open
    is_return = np.zeros(len(frame), dtype=bool)
    if split_returns:
        negative = (converted["amount"] < 0).fillna(False).to_numpy(dtype=bool)
        flagged = np.zeros(len(frame), dtype=bool)
        if "is_return" in converted.columns:
            flagged = converted["is_return"].map(lambda v: v is True).to_numpy(dtype=bool)
        is_return = is_ok & (negative | flagged)
    converted = _finish_dtypes(converted, schema)
    clean = converted.iloc[np.flatnonzero(is_ok & ~is_return)]
    returns = converted.iloc[np.flatnonzero(is_return)]
    bad = np.flatnonzero(~is_ok)
    rejected = frame.iloc[bad].copy()
    rejected[REASON_COLUMN] = pd.Series(
        list(verdicts.reason[bad]), index=rejected.index, dtype="str"
    )
    rejected[FAILED_COLUMN] = pd.Series(
        list(verdicts.column[bad]), index=rejected.index, dtype="str"
    )
    report = ValidationReport(
        table=schema.name,
        clean=clean,
        returns=returns,
        rejected=rejected,
        reasons_checked=tuple(dict.fromkeys(reasons)),
    )
    if strict:
        report.raise_if_rejected()
    return report


def validate_table(
    frame: pd.DataFrame,
    table: str | TableSchema,
    *,
    strict: bool = False,
    check_duplicates: bool = True,
    check_keys: bool = True,
) -> ValidationReport:
    """Check a batch of any canonical table against its schema.

    Per row, in column order: missing values in non-nullable columns
    (``"missing <col>"``), dates that cannot be read (``"unparseable <col>"``),
    numbers that cannot be read or are infinite (``"non-numeric <col>"``),
    fractional values in integer columns (``"non-integer <col>"``), values
    outside the schema's range (``"<col> out of range"``) and values outside a
    closed vocabulary (``"invalid <col>"``). Then, among rows still valid,
    exact repeats of an earlier row (``"duplicate row"``) and repeats of an
    earlier row's primary key with different content (``"duplicate <key>"``).
    Transactions also get the rules of :func:`validate_transactions` (zero
    amount, returns set aside). The first reason found is the row's reason.

    Parameters
    ----------
    frame : pandas.DataFrame
        The batch. Columns not in the schema are kept and not checked.
    table : str or TableSchema
        A name from :data:`SCHEMAS` (e.g. ``"surveys"``) or a schema.
    strict : bool
        Raise :class:`DataValidationError` if any row is rejected.
    check_duplicates : bool
        Reject exact repeats of an earlier row.
    check_keys : bool
        Reject repeats of an earlier row's primary key (when the key columns are present).

    Returns
    -------
    ValidationReport

    Raises
    ------
    DataValidationError
        Required columns missing (the message names them), or ``strict`` and
        some row rejected (the message shows up to five of them).

    Examples
    --------
    >>> import pandas as pd
    >>> surveys = pd.DataFrame({"response_id": ["R1", "R2"], "customer_id": ["C1", "C2"],
    ...                         "nps": [9, 12]})
    >>> validate_table(surveys, "surveys").rejected["reason"].tolist()
    ['nps out of range']
    """
    schema = get_schema(table)
    is_transactions = schema.name == "transactions"
    return _validate(
        frame,
        schema,
        strict=strict,
        rules=_transaction_rules(None) if is_transactions else None,
        extra_reasons=("zero amount",) if is_transactions else (),
        check_duplicates=check_duplicates,
        check_keys=check_keys,
        split_returns=is_transactions,
    )


def validate_transactions(
    frame: pd.DataFrame,
    *,
    strict: bool = False,
    window: tuple[object, object] | None = None,
) -> ValidationReport:
    """Check a batch of transactions and sort every row into clean / returns / rejected.

    Required columns: ``customer_id``, ``date``, ``amount`` (currency units).
    Optional canonical columns (``transaction_id``, ``quantity``, ``category``,
    ``channel``, ``is_return``, ...) are type-checked when present; other
    columns are carried along unchecked.

    Rejection reasons, checked in this order (the first one found is the row's
    reason): ``"missing customer_id"`` (NaN, None or blank), ``"missing date"``,
    ``"unparseable date"``, ``"missing amount"``, ``"non-numeric amount"``
    (text or infinite), other optional-column type problems, ``"zero amount"``,
    ``"date outside window"`` (only when ``window`` is given), ``"duplicate
    row"`` (an exact repeat of an earlier row; the first copy stays clean;
    columns in :data:`ANNOTATION_COLUMNS` are ignored when comparing).
    ``transaction_id`` may repeat (an invoice has several lines).

    A valid row is a *return* when ``is_return`` is true or the amount is
    negative; returns go to ``report.returns``, not to the rejects.

    ``"duplicate row"`` flags a *suspected* double entry. Without a line
    identifier, two genuine identical purchases look the same (CDNOW has such
    lines): look at ``report.rejected`` before discarding it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The batch, e.g. a month of raw transactions read from a CSV.
    strict : bool
        Raise :class:`DataValidationError` if any row is rejected (message
        shows up to five examples).
    window : (start, end), optional
        Inclusive range of allowed dates (anything ``pandas.Timestamp`` reads;
        either end may be None). Compared by calendar day.

    Returns
    -------
    ValidationReport
        ``clean`` and ``returns`` have ``date`` as datetime64 and ``amount``
        as float64; ``rejected`` keeps the original values plus ``reason``.

    Raises
    ------
    DataValidationError
        A required column is missing (message names it and lists the columns
        present), or ``strict=True`` and a row was rejected.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": ["C1", "C1", "C2"],
    ...                    "date": ["2024-03-01", "2024-03-01", "2024-03-09"],
    ...                    "amount": [20.0, 20.0, -5.0]})
    >>> r = validate_transactions(df)
    >>> len(r.clean), len(r.returns), r.rejected["reason"].tolist()
    (1, 1, ['duplicate row'])
    """
    schema = SCHEMAS["transactions"]
    return _validate(
        frame,
        schema,
        strict=strict,
        rules=_transaction_rules(window),
        extra_reasons=("zero amount",) + (("date outside window",) if window is not None else ()),
        check_duplicates=True,
        check_keys=False,
        split_returns=True,
    )


def validate_customers(
    frame: pd.DataFrame,
    *,
    strict: bool = False,
    age_range: tuple[float, float] | None = None,
) -> ValidationReport:
    """Check a batch of customer records.

    Required columns: ``customer_id`` and ``signup_date``. Reasons include
    ``"missing customer_id"``, ``"unparseable signup_date"``,
    ``"non-numeric age"``, ``"age out of range"`` (default 18-100 years),
    ``"duplicate row"`` and ``"duplicate customer_id"`` (a second record for
    an id, with different content; the first record stays clean), plus type
    and range problems of the optional columns (e.g. Likert items outside 1-5).

    Parameters
    ----------
    frame : pandas.DataFrame
        Customer records, one per customer.
    strict : bool
        Raise :class:`DataValidationError` if any row is rejected.
    age_range : (min, max), optional
        Inclusive allowed ages in years; default the schema's (18, 100).

    Returns
    -------
    ValidationReport

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": ["C1", "C1", "C2"],
    ...                    "signup_date": ["2024-01-01", "2024-02-01", "2024-01-03"],
    ...                    "age": [30, 31, 140]})
    >>> validate_customers(df).rejected["reason"].tolist()
    ['duplicate customer_id', 'age out of range']
    """
    schema = SCHEMAS["customers"]
    if age_range is not None:
        low, high = age_range
        columns = tuple(
            replace(c, minimum=low, maximum=high) if c.name == "age" else c for c in schema.columns
        )
        schema = replace(schema, columns=columns)
    return _validate(
        frame,
        schema,
        strict=strict,
        rules=None,
        extra_reasons=(),
        check_duplicates=True,
        check_keys=True,
        split_returns=False,
    )


# ---------------------------------------------------------------------------------------------
# Dtypes
# ---------------------------------------------------------------------------------------------


def apply_dtypes(frame: pd.DataFrame, table: str | TableSchema) -> pd.DataFrame:
    """Give the schema columns of ``frame`` their canonical pandas dtypes.

    ``str`` columns become pandas' string dtype, dates/timestamps
    :data:`DATETIME_DTYPE`, floats ``float64``, ints ``int64`` (``float64`` if a
    value is missing), bools ``bool`` (``boolean`` if a value is missing).
    Values must already be valid (e.g. read back from
    :class:`~portfolio_lib.store.CRMStore`); unreadable values raise.

    Parameters
    ----------
    frame : pandas.DataFrame
    table : str or TableSchema

    Returns
    -------
    pandas.DataFrame
        A copy; columns not in the schema are left as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> out = apply_dtypes(pd.DataFrame({"customer_id": ["C1"], "date": ["2024-01-02"],
    ...                                  "amount": ["3.5"]}), "transactions")
    >>> str(out["date"].dtype), str(out["amount"].dtype)
    ('datetime64[ns]', 'float64')
    """
    schema = get_schema(table)
    out = frame.copy()
    for col in schema.columns:
        if col.name not in out.columns:
            continue
        values = out[col.name]
        if col.kind == "str":
            out[col.name] = values.astype("str").where(values.notna())
        elif col.kind in ("date", "timestamp"):
            out[col.name] = pd.to_datetime(values, format="ISO8601").astype(DATETIME_DTYPE)
        elif col.kind == "float":
            out[col.name] = pd.to_numeric(values).astype("float64")
        elif col.kind == "int":
            out[col.name] = _finish_int(pd.to_numeric(values).astype("float64"))
        elif col.kind == "bool":
            flags = values.astype(object).map(lambda v: bool(v), na_action="ignore")
            out[col.name] = _finish_bool(flags)
    return out


# ---------------------------------------------------------------------------------------------
# Teaching aid: a dirty batch
# ---------------------------------------------------------------------------------------------


def inject_errors(
    clean_transactions: pd.DataFrame,
    *,
    seed: int | np.random.Generator,
    n_per_reason: int = 2,
    window: tuple[object, object] | None = None,
) -> pd.DataFrame:
    """Make a "dirty monthly batch": clean transactions plus planted problems.

    For every reason in :data:`INJECTED_REASONS` (each rejection reason of
    :func:`validate_transactions`, plus a ``"return"``), ``n_per_reason`` rows
    are copied from randomly chosen purchases and damaged in exactly that way
    (e.g. a blank customer id, the date ``"2024-02-30"``, the amount ``"12,50
    TL"``, a date 30+ days after the window). Planted rows are marked in the
    column ``injected_reason`` (missing for the original rows), so a test or
    the chapter-1 notebook can show each one being caught. Planted rows other
    than duplicates get a new ``transaction_id`` (``"<original>-inj<k>">``) when
    that column exists. The rows are shuffled; a planted duplicate always comes
    after the row it repeats. The index is reset to 0..n-1.

    Parameters
    ----------
    clean_transactions : pandas.DataFrame
        Valid transactions (``customer_id``, ``date``, ``amount`` ...), e.g.
        one month of the sample company. Every row must pass
        :func:`validate_transactions`.
    seed : int or numpy.random.Generator
        Source of randomness (which rows are copied, the order).
    n_per_reason : int
        Planted rows per reason (>= 1).
    window : (start, end), optional
        The batch's date window; default the first and last date of
        ``clean_transactions``. Stored in ``result.attrs["window"]``; pass it
        to ``validate_transactions(..., window=...)``.

    Returns
    -------
    pandas.DataFrame
        ``len(clean_transactions) + n_per_reason * len(INJECTED_REASONS)`` rows;
        ``customer_id``, ``date`` and ``amount`` are object columns (raw, as a
        CSV would deliver them).

    Raises
    ------
    DataValidationError
        Required columns missing, some input row not clean, or fewer purchases
        than ``n_per_reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> clean = pd.DataFrame({"customer_id": ["C1", "C2", "C3"],
    ...                       "date": pd.to_datetime(["2024-05-01", "2024-05-10", "2024-05-31"]),
    ...                       "amount": [12.0, 30.5, 8.25]})
    >>> dirty = inject_errors(clean, seed=1, n_per_reason=1)
    >>> report = validate_transactions(dirty, window=dirty.attrs["window"])
    >>> sorted(report.rejected["reason"]) == sorted(TRANSACTION_REASONS)
    True
    """
    if n_per_reason < 1:
        raise ValueError(f"n_per_reason must be at least 1, got {n_per_reason}")
    if "injected_reason" in getattr(clean_transactions, "columns", ()):
        raise DataValidationError(
            "clean_transactions already has an 'injected_reason' column; pass the clean rows only"
        )
    report = validate_transactions(clean_transactions)
    if not report.ok:
        raise DataValidationError(
            "inject_errors needs clean transactions, but "
            f"{len(report.rejected)} row(s) fail validate_transactions. Examples:\n"
            + format_examples(report.rejected)
        )
    purchases = np.flatnonzero(clean_transactions.index.isin(report.clean.index))
    if len(purchases) < n_per_reason:
        raise DataValidationError(
            f"clean_transactions: need at least {n_per_reason} purchase rows (amount > 0) "
            f"to copy, found {len(purchases)}"
        )
    rng = as_generator(seed)
    dates = report.clean["date"]
    if window is None:
        window = (dates.min(), dates.max())
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])

    base = clean_transactions.reset_index(drop=True).copy()
    for name in ("customer_id", "date", "amount"):
        base[name] = base[name].astype(object)
    if "transaction_id" in base.columns:
        base["transaction_id"] = base["transaction_id"].astype(object)
    base["injected_reason"] = None
    base["_source"] = np.arange(len(base))

    planted: list[pd.Series] = []
    counter = 0
    for reason in INJECTED_REASONS:
        sources = rng.choice(purchases, size=n_per_reason, replace=False)
        for k, src in enumerate(sources):
            row = base.iloc[int(src)].copy()
            _damage(row, reason, k, start, end)
            row["injected_reason"] = reason
            if reason != "duplicate row":
                row["_source"] = -1
                if "transaction_id" in row.index and pd.notna(row["transaction_id"]):
                    row["transaction_id"] = f"{row['transaction_id']}-inj{counter}"
                counter += 1
            planted.append(row)

    dirty = pd.concat([base, pd.DataFrame(planted)], ignore_index=True)
    dirty = dirty.iloc[rng.permutation(len(dirty))].reset_index(drop=True)
    _put_duplicates_after_their_source(dirty)
    dirty = dirty.drop(columns="_source")
    dirty["injected_reason"] = (
        dirty["injected_reason"].astype("str").where(dirty["injected_reason"].notna())
    )
    for name in ("customer_id", "date", "amount"):
        dirty[name] = dirty[name].astype(object)
    if "transaction_id" in dirty.columns:
        dirty["transaction_id"] = dirty["transaction_id"].astype(
            clean_transactions["transaction_id"].dtype
        )
    dirty.attrs["window"] = (start, end)
    return dirty


_BAD_DATES = ("2024-02-30", "31/31/2024", "not a date")
_BAD_AMOUNTS = ("12,50 TL", "n/a", "abc")


def _damage(row: pd.Series, reason: str, k: int, start: pd.Timestamp, end: pd.Timestamp) -> None:
    if reason == "missing customer_id":
        row["customer_id"] = None if k % 2 == 0 else "  "
    elif reason == "missing date":
        row["date"] = None
    elif reason == "unparseable date":
        row["date"] = _BAD_DATES[k % len(_BAD_DATES)]
    elif reason == "missing amount":
        row["amount"] = None
    elif reason == "non-numeric amount":
        row["amount"] = _BAD_AMOUNTS[k % len(_BAD_AMOUNTS)]
    elif reason == "zero amount":
        row["amount"] = 0.0
    elif reason == "date outside window":
        shift = pd.Timedelta(days=30 + 7 * k)
        row["date"] = end.normalize() + shift if k % 2 == 0 else start.normalize() - shift
    elif reason == "return":
        row["amount"] = -abs(float(row["amount"]))
        if "is_return" in row.index:
            row["is_return"] = True
    elif reason != "duplicate row":  # pragma: no cover - INJECTED_REASONS is closed
        raise ValueError(f"no way to inject {reason!r}")


def _put_duplicates_after_their_source(dirty: pd.DataFrame) -> None:
    """Swap the mark of a planted duplicate that landed before its source (rows are identical)."""
    position_of = {
        int(s): i
        for i, s in enumerate(dirty["_source"])
        if s >= 0 and pd.isna(dirty["injected_reason"].iat[i])
    }
    reason_col = dirty.columns.get_loc("injected_reason")
    for i in np.flatnonzero((dirty["injected_reason"] == "duplicate row").to_numpy()):
        j = position_of[int(dirty["_source"].iat[i])]
        if j > i:
            dirty.iat[i, reason_col], dirty.iat[j, reason_col] = None, "duplicate row"
            position_of[int(dirty["_source"].iat[i])] = i
