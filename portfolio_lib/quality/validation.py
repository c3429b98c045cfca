"""Validators: sort every row of a batch into clean / returns / rejected.

A validator never drops data silently: every input row ends in exactly one of
``report.clean``, ``report.returns`` (transactions only: returns and
cancellations, which are data, not errors) or ``report.rejected`` (with a
``reason`` and the ``failed_column``). The original row index is kept so a row
can be traced back to its source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib._validate import implausible
from portfolio_lib.quality._parsing import finish_bool, finish_int, is_missing, parse_bool
from portfolio_lib.quality.formats import FormatOptions, ValueFormat, parse_amounts, parse_dates
from portfolio_lib.quality.report import FAILED_COLUMN, REASON_COLUMN, ValidationReport
from portfolio_lib.quality.schemas import (
    ANNOTATION_COLUMNS,
    SCHEMAS,
    Column,
    TableSchema,
    get_schema,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

#: What a validation does with zero amounts and repeated rows: reject them or keep them.
Policy = Literal["reject", "keep"]
#: What it does with return rows of a customer without a purchase.
ReturnOnly = Literal["keep", "reject", "raise"]
#: Reason given to return rows rejected by ``return_only="reject"``.
RETURN_ONLY_REASON = "return without purchase"

#: Rejection reasons of :func:`validate_transactions`, in the order they are checked.
TRANSACTION_REASONS: tuple[str, ...] = (
    "missing customer_id",
    "missing date",
    "unparseable date",
    "date outside window",
    "missing amount",
    "non-numeric amount",
    "zero amount",
    "duplicate row",
)  # and RETURN_ONLY_REASON, with return_only="reject"

#: Rejection reasons of :func:`validate_customers` (besides type problems of optional columns).
CUSTOMER_REASONS: tuple[str, ...] = (
    "missing customer_id",
    "missing signup_date",
    "unparseable signup_date",
    "signup_date outside window",
    "non-numeric age",
    "non-integer age",
    "age out of range",
    "duplicate row",
    "duplicate customer_id",
)


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


def _is_money(column: Column) -> bool:
    return column.description.startswith("currency")


def _check_columns(
    frame: pd.DataFrame,
    schema: TableSchema,
    verdicts: _Verdicts,
    fmt: ValueFormat,
    window: tuple[object, object] | None = None,
) -> pd.DataFrame:
    """Check every schema column present in ``frame``; return the frame with parsed columns.

    A date outside ``window`` (default :func:`portfolio_lib._validate.plausible_window`:
    1900 to tomorrow) is ``"<column> outside window"``. A money column written in several currencies and converted with ``fmt.currency_rates``
    gets its currencies in a ``currency`` column.
    """
    converted = frame.copy()
    for col in schema.columns:
        if col.name not in frame.columns:
            continue
        raw = frame[col.name]
        missing = is_missing(raw)
        if not col.nullable:
            verdicts.flag(missing, f"missing {col.name}", col.name)
        if col.kind in ("date", "timestamp"):
            parsed = parse_dates(raw, fmt, column=col.name)
            verdicts.flag(parsed.isna().to_numpy() & ~missing, f"unparseable {col.name}", col.name)
            outside = implausible(parsed, window)
            verdicts.flag(outside, f"{col.name} outside window", col.name)
            converted[col.name] = parsed
        elif col.kind in ("float", "int"):
            amounts = parse_amounts(raw, fmt, column=col.name, allow_currency=_is_money(col))
            numbers = amounts.numbers
            if amounts.converted:
                converted["currency"] = amounts.currency
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
            flags = parse_bool(raw)
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
            reasons += [f"unparseable {col.name}", f"{col.name} outside window"]
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
            converted[col.name] = finish_int(converted[col.name])
        elif col.kind == "bool":
            converted[col.name] = finish_bool(converted[col.name])
    return converted


# ---------------------------------------------------------------------------------------------
# Report
# -------------------------------------------------------------------------------------------------

_Rule = Callable[[pd.DataFrame, pd.DataFrame, _Verdicts], None]


def _transaction_rules(
    zero_amounts: Policy = "reject", kept: dict[str, int] | None = None
) -> _Rule:
    def rules(frame: pd.DataFrame, converted: pd.DataFrame, verdicts: _Verdicts) -> None:
        zero = (converted["amount"] == 0).to_numpy() & verdicts.open
        if zero_amounts == "reject":
            verdicts.flag(zero, "zero amount", "amount")
        elif kept is not None:
            kept["zero amount"] = int(zero.sum())

    return rules


@dataclass(frozen=True)
class _Policies:
    """What a validation does with rows that are valid but suspicious (transactions)."""

    zero_amounts: Policy = "reject"
    duplicates: Policy = "reject"
    return_only: ReturnOnly = "keep"

    def __post_init__(self) -> None:
        for name in ("zero_amounts", "duplicates"):
            if getattr(self, name) not in ("reject", "keep"):
                raise ValueError(f"{name} must be 'reject' or 'keep'; got {getattr(self, name)!r}")
        if self.return_only not in ("keep", "reject", "raise"):
            raise ValueError(
                f"return_only must be 'keep', 'reject' or 'raise'; got {self.return_only!r}"
            )


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
    fmt: ValueFormat,
    policies: _Policies | None = None,
    kept: dict[str, int] | None = None,
    window: tuple[object, object] | None = None,
) -> ValidationReport:
    require_columns(frame, schema.required_columns, name=schema.name)
    clash = [c for c in (REASON_COLUMN, FAILED_COLUMN) if c in frame.columns]
    if clash:
        raise DataValidationError(
            f"{schema.name}: column(s) {clash} are reserved for the validation report; "
            f"rename them first. Columns present: {list(frame.columns)}"
        )
    verdicts = _Verdicts(len(frame))
    kept = {} if kept is None else kept
    converted = _check_columns(frame, schema, verdicts, fmt, window)
    reasons = _possible_reasons(schema, frame)
    if rules is not None:
        rules(frame, converted, verdicts)
    reasons += [r for r in extra_reasons if r not in reasons]
    data_columns = [c for c in converted.columns if c not in ANNOTATION_COLUMNS]
    if check_duplicates:
        open_pos = np.flatnonzero(verdicts.open)
        mask = np.zeros(len(frame), dtype=bool)
        if len(open_pos):
            dup = converted.iloc[open_pos][data_columns].duplicated(keep="first").to_numpy()
            mask[open_pos[dup]] = True
        if policies is not None and policies.duplicates == "keep":
            kept["duplicate row"] = int(mask.sum())
        else:
            reasons.append("duplicate row")
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
        if policies is not None:
            only = _return_only_rows(converted, is_ok, is_return)
            if policies.return_only == "reject":
                reasons.append(RETURN_ONLY_REASON)
                verdicts.flag(only, RETURN_ONLY_REASON, "customer_id")
                is_ok, is_return = verdicts.open, is_return & ~only
            elif policies.return_only == "raise" and only.any():
                raise_for_rows(
                    frame,
                    only,
                    column="customer_id",
                    problem=" has customers with return rows but no purchase (return_only='raise'); "
                    "use return_only='reject' to set them aside with a reason, or 'keep'",
                    name=schema.name,
                )
            else:
                kept[RETURN_ONLY_REASON] = int(only.sum())
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
        kept_by_policy={reason: n for reason, n in kept.items()},
        policies=_policy_text(policies),
    )
    if strict:
        report.raise_if_rejected()
    return report


def _return_only_rows(
    converted: pd.DataFrame, is_ok: np.ndarray, is_return: np.ndarray
) -> np.ndarray:
    """Valid rows of customers whose valid rows are all returns."""
    customer = converted["customer_id"].astype(object)
    purchase = pd.Series(is_ok & ~is_return, index=converted.index)
    buys = purchase.groupby(customer.to_numpy(), dropna=False).transform("any").to_numpy(dtype=bool)
    return is_return & ~buys


def _policy_text(policies: _Policies | None) -> dict[str, str]:
    if policies is None:
        return {}
    return {
        "zero_amounts": policies.zero_amounts,
        "duplicates": policies.duplicates,
        "return_only": policies.return_only,
    }


def validate_table(
    frame: pd.DataFrame,
    table: str | TableSchema,
    *,
    strict: bool = False,
    check_duplicates: bool = True,
    check_keys: bool = True,
    **formats: Unpack[FormatOptions],
) -> ValidationReport:
    """Check a batch of any canonical table against its schema.

    Per row, in column order: missing values in non-nullable columns
    (``"missing <col>"``), dates that cannot be read (``"unparseable <col>"``),
    dates before 1900 or after tomorrow (``"<col> outside window"``),
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
    **formats
        How dates and numbers written as text are read: ``locale`` (``"tr"``, ``"us"``, ...),
        ``dayfirst``, ``date_format``, ``decimal``, ``thousands``, ``timezone``,
        ``currency_rates``; see :class:`~portfolio_lib.quality.ValueFormat`. By default the
        day order and decimal separator are inferred from each column and an ambiguous
        column is refused.

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
        rules=_transaction_rules() if is_transactions else None,
        extra_reasons=("zero amount",) if is_transactions else (),
        check_duplicates=check_duplicates,
        check_keys=check_keys,
        split_returns=is_transactions,
        fmt=ValueFormat.resolve(**formats),
    )


def validate_transactions(
    frame: pd.DataFrame,
    *,
    strict: bool = False,
    window: tuple[object, object] | None = None,
    zero_amounts: Policy = "reject",
    duplicates: Policy = "reject",
    return_only: ReturnOnly = "keep",
    **formats: Unpack[FormatOptions],
) -> ValidationReport:
    """Check a batch of transactions and sort every row into clean / returns / rejected.

    Required columns: ``customer_id``, ``date``, ``amount`` (currency units).
    Optional canonical columns (``transaction_id``, ``quantity``, ``category``,
    ``channel``, ``is_return``, ...) are type-checked when present; other
    columns are carried along unchecked.

    Rejection reasons, checked in this order (the first one found is the row's
    reason): ``"missing customer_id"`` (NaN, None or blank), ``"missing date"``,
    ``"unparseable date"``, ``"date outside window"`` (outside ``window``; by default before
    1900 or after tomorrow, a typo that would stretch any data window), ``"missing
    amount"``, ``"non-numeric amount"`` (text or infinite), other optional-column type
    problems, ``"zero amount"``, ``"duplicate row"`` (an exact repeat of an earlier row; the first copy stays clean;
    columns in :data:`ANNOTATION_COLUMNS` are ignored when comparing).
    ``transaction_id`` may repeat (an invoice has several lines).

    A valid row is a *return* when ``is_return`` is true or the amount is
    negative; returns go to ``report.returns``, not to the rejects.

    Rows kept by a ``"keep"`` policy are counted in ``report.kept_by_policy`` and shown in
    :meth:`ValidationReport.summary`, so nothing changes without a trace. To keep a published
    data set exactly (CDNOW: 8 zero-dollar and 21 repeated lines are genuine records), pass
    ``zero_amounts="keep", duplicates="keep"``.

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
        Inclusive range of allowed dates (anything ``pandas.Timestamp`` reads; an end that
        is None keeps its default, 1900-01-01 or tomorrow). Compared by calendar day. Rows
        outside it are rejected as ``"date outside window"`` (e.g. rows after the
        observation end). Default: 1900-01-01 to tomorrow.
    zero_amounts : {"reject", "keep"}
        Zero-amount rows (free items, data-entry slips) are rejected as ``"zero amount"``, or
        kept as clean purchases.
    duplicates : {"reject", "keep"}
        Exact repeats of an earlier row are rejected as ``"duplicate row"``, or kept.
    return_only : {"keep", "reject", "raise"}
        Return rows of a customer with no valid purchase in the batch: kept in
        ``report.returns`` (the default, right for monthly batches, where the purchase was
        in an earlier batch), rejected as ``"return without purchase"``, or refused with a
        :class:`DataValidationError`. Analyses of a whole log (e.g. ``rfm_table``) need a
        purchase per customer, so ``"reject"`` is the choice there.
    **formats
        How dates and amounts written as text are read: ``locale`` (``"tr"``: 03.01.2024 is
        3 January, 1.234,56 has a decimal comma), ``dayfirst``, ``date_format``,
        ``decimal``, ``thousands``, ``timezone``, ``currency_rates``; see
        :class:`~portfolio_lib.quality.ValueFormat`. By default the day order and decimal
        separator are inferred from each column, and an ambiguous column is refused.

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
    policies = _Policies(zero_amounts, duplicates, return_only)
    kept: dict[str, int] = {}
    zero = ("zero amount",) if zero_amounts == "reject" else ()
    return _validate(
        frame,
        schema,
        strict=strict,
        rules=_transaction_rules(zero_amounts, kept),
        extra_reasons=zero,
        check_duplicates=True,
        check_keys=False,
        split_returns=True,
        fmt=ValueFormat.resolve(**formats),
        policies=policies,
        kept=kept,
        window=window,
    )


def validate_customers(
    frame: pd.DataFrame,
    *,
    strict: bool = False,
    age_range: tuple[float, float] | None = None,
    **formats: Unpack[FormatOptions],
) -> ValidationReport:
    """Check a batch of customer records.

    Required columns: ``customer_id`` and ``signup_date``. Reasons include
    ``"missing customer_id"``, ``"unparseable signup_date"``,
    ``"signup_date outside window"`` (before 1900 or after tomorrow),
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
    **formats
        How dates and numbers written as text are read (``locale``, ``dayfirst``,
        ``date_format``, ...); see :class:`~portfolio_lib.quality.ValueFormat`.

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
        fmt=ValueFormat.resolve(**formats),
    )
