"""The package's transaction contract, checked inside the engine and counted by reason.

The same rules as :func:`portfolio_lib.quality.validate_transactions` and the in-memory
functions (see :mod:`portfolio_lib._validate`): customer ids present; dates present and
either DATE/TIMESTAMP or ISO 8601 text; amounts numeric, present and finite; a return flag
(when the column exists) boolean or 0/1, present, and never on a positive amount; rows after
the observation end raise unless ``late="drop"``. A log that breaks any rule raises one
:class:`~portfolio_lib.DataValidationError` that counts the rows per reason and shows example
rows of the first; nothing is dropped silently.

The checked log is a view with the canonical columns ``customer``, ``day`` (DATE),
``amount`` (DOUBLE) and ``is_return`` (flagged, or a negative amount).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from portfolio_lib._errors import DataValidationError, format_examples, require_columns
from portfolio_lib.engines.backend import Engine

__all__ = ["Columns", "checked_transactions", "type_kind", "day_expression"]

_NUMERIC = ("tinyint", "smallint", "int", "bigint", "hugeint", "ubigint", "uint", "usmallint",
            "utinyint", "uhugeint", "integer", "long", "short", "byte", "float", "double",
            "real", "decimal", "numeric")  # fmt: skip


@dataclass(frozen=True)
class Columns:
    """Column names of a transaction log (the ``--columns`` of the command line).

    Examples
    --------
    >>> Columns.parse("customer_id=cust,date=day").date
    'day'
    """

    customer_id: str = "customer_id"
    date: str = "date"
    amount: str = "amount"
    is_return: str | None = "is_return"

    @classmethod
    def parse(cls, text: str | None) -> Columns:
        """``"customer_id=cust,date=day,amount=value"`` (canonical name = your column)."""
        if not text:
            return cls()
        mapping: dict[str, str | None] = {}
        for pair in text.split(","):
            key, sep, value = pair.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or key not in cls.__dataclass_fields__ or not value:
                raise ValueError(
                    f"--columns item {pair!r} must look like NAME=COLUMN with NAME one of "
                    f"{list(cls.__dataclass_fields__)}"
                )
            mapping[key] = None if key == "is_return" and value.lower() == "none" else value
        return cls(**mapping)  # type: ignore[arg-type]


def type_kind(type_name: str) -> str:
    """``"date"``, ``"timestamp"``, ``"text"``, ``"bool"``, ``"number"`` or ``"other"``.

    Examples
    --------
    >>> type_kind("decimal(10,2)"), type_kind("timestamp_ntz"), type_kind("varchar")
    ('number', 'timestamp', 'text')
    """
    name = type_name.lower()
    if name == "date":
        return "date"
    if name.startswith("timestamp"):
        return "timestamp"
    if name in ("varchar", "string", "text") or name.startswith(("varchar", "char")):
        return "text"
    if name in ("boolean", "bool"):
        return "bool"
    if name.startswith(_NUMERIC):
        return "number"
    return "other"


def day_expression(column: str, kind: str) -> str:
    """SQL for the calendar day (DATE) of a date, timestamp or ISO-text column."""
    if kind == "text":
        return f"CAST(TRY_CAST({column} AS TIMESTAMP) AS DATE)"
    return f"CAST({column} AS DATE)"


_DATE_HINT = "must hold dates: DATE/TIMESTAMP, or ISO 8601 text such as '2024-01-31'"


def checked_transactions(
    engine: Engine,
    view: str,
    *,
    columns: Columns = Columns(),  # noqa: B008 - frozen dataclass
    end: pd.Timestamp | None = None,
    late: Literal["raise", "drop"] = "raise",
    end_name: str = "observation_end",
    what: str = "transactions",
    amounts: bool = True,
) -> str:
    """Check a transaction log in the engine; return the view of its canonical columns.

    Parameters
    ----------
    engine : Engine
        Where ``view`` lives.
    view : str
        The raw log.
    columns : Columns
        Its column names.
    end : pandas.Timestamp, optional
        The observation end (a day); later rows follow ``late``.
    late : {"raise", "drop"}
        Rows after ``end``: raise (default) or leave out.
    end_name, what : str
        How ``end`` and the table are called in messages.
    amounts : bool
        False: the amount column is not needed (amounts are 0).

    Returns
    -------
    str
        View with ``customer``, ``day`` (DATE), ``amount`` (DOUBLE), ``is_return`` (BOOLEAN).

    Raises
    ------
    DataValidationError
        Missing columns, a column of the wrong type, or rows that break the contract
        (counted per reason, with example rows).

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.engines.backend import DuckDBEngine
    >>> engine = DuckDBEngine()
    >>> raw = engine.register(pd.DataFrame({"customer_id": ["a", None], "date": ["2024-01-01",
    ...     "2024-01-02"], "amount": [1.0, None]}))
    >>> checked_transactions(engine, raw)
    Traceback (most recent call last):
    ...
    portfolio_lib._errors.DataValidationError: transactions: 1 of 2 row(s) break the ...
    """
    if late not in ("raise", "drop"):
        raise ValueError(f"late must be 'raise' or 'drop', got {late!r}")
    types = engine.columns(view)
    flag_col = columns.is_return if columns.is_return in types else None
    needed = [columns.customer_id, columns.date] + ([columns.amount] if amounts else [])
    require_columns(pd.DataFrame(columns=list(types)), needed, name=what)
    q = engine.quote
    cust, date = q(columns.customer_id), q(columns.date)
    date_kind = type_kind(types[columns.date])
    if date_kind not in ("date", "timestamp", "text"):
        raise DataValidationError(
            f"{what}: column {columns.date!r} {_DATE_HINT}; its type is {types[columns.date]}"
        )
    amount = "CAST(0 AS DOUBLE)"
    if amounts:
        amount_kind = type_kind(types[columns.amount])
        if amount_kind != "number":
            raise DataValidationError(
                f"{what}: column {columns.amount!r} must be numeric (its type is "
                f"{types[columns.amount]}; convert it before, e.g. CAST or pd.to_numeric)"
            )
        amount = f"CAST({q(columns.amount)} AS DOUBLE)"
    day = day_expression(date, date_kind)
    reasons: list[tuple[str, str]] = [
        (f"column {columns.customer_id!r} must not be missing", f"{cust} IS NULL"),
        (f"column {columns.date!r} must not be missing", f"{date} IS NULL"),
    ]
    if date_kind == "text":
        reasons.append(
            (f"column {columns.date!r} {_DATE_HINT}", f"{date} IS NOT NULL AND {day} IS NULL")
        )
    if amounts:
        raw_amount = q(columns.amount)
        reasons += [
            (f"column {columns.amount!r} must not be missing", f"{raw_amount} IS NULL"),
            (
                f"column {columns.amount!r} must be finite",
                f"(isnan({amount}) OR abs({amount}) = CAST('Infinity' AS DOUBLE))",
            ),
        ]
    flag = "FALSE"
    if flag_col is not None:
        fq = q(flag_col)
        flag_kind = type_kind(types[flag_col])
        if flag_kind == "bool":
            flag = f"COALESCE({fq}, FALSE)"
        elif flag_kind == "number":
            flag = f"COALESCE({fq} = 1, FALSE)"
            reasons.append(
                (f"column {flag_col!r} must be boolean: True/False or 1/0", f"{fq} NOT IN (0, 1)")
            )
        else:
            raise DataValidationError(
                f"{what}: column {flag_col!r} must be boolean: True/False or 1/0 (its type is "
                f"{types[flag_col]})"
            )
        reasons.append((f"column {flag_col!r} must not be missing", f"{fq} IS NULL"))
        if amounts:
            reasons.append(
                (
                    f"columns [{flag_col!r}, {columns.amount!r}] mark returns, which must have "
                    "an amount <= 0",
                    f"{flag} AND {amount} > 0",
                )
            )
    if end is not None and late == "raise":
        reasons.append(
            (
                f"column {columns.date!r} has dates after {end_name} {end.date()}; select the "
                "rows up to that date first, or pass late='drop' to leave them out",
                f"{day} > DATE '{end.date()}'",
            )
        )
    _raise_for_reasons(engine, view, reasons, what=what, shown=[columns.customer_id, columns.date]
                       + ([columns.amount] if amounts else []) + ([flag_col] if flag_col else []))  # fmt: skip
    keep = f" WHERE {day} <= DATE '{end.date()}'" if end is not None and late == "drop" else ""
    return engine.create_view(
        f"SELECT {cust} AS customer, {day} AS day, {amount} AS amount, "
        f"({flag} OR {amount} < 0) AS is_return FROM {view}{keep}"
    )


def _raise_for_reasons(
    engine: Engine, view: str, reasons: list[tuple[str, str]], *, what: str, shown: list[str]
) -> None:
    any_bad = " OR ".join(f"COALESCE({cond}, FALSE)" for _, cond in reasons)
    # one light pass over the log; the counts per reason only when a row breaks the contract
    bad = int(engine.fetch(f"SELECT COUNT(*) AS bad FROM {view} WHERE {any_bad}")["bad"].iloc[0])
    if bad == 0:
        return
    counts = ", ".join(
        f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS r{i}" for i, (_, cond) in enumerate(reasons)
    )
    row = engine.fetch(f"SELECT COUNT(*) AS n, {counts} FROM {view}").iloc[0]
    found = [(text, cond, int(row[f"r{i}"] or 0)) for i, (text, cond) in enumerate(reasons)]
    found = [f for f in found if f[2] > 0]
    lines = [f"  - {text}: {n} row(s)" for text, _, n in found]
    cols = ", ".join(engine.quote(c) for c in shown)
    examples = engine.fetch(
        f"SELECT {cols} FROM {view} WHERE COALESCE({found[0][1]}, FALSE) LIMIT 5"
    )
    raise DataValidationError(
        f"{what}: {bad} of {int(row['n'])} row(s) break the transaction contract (a row may "
        "have several reasons):\n" + "\n".join(lines)
        + f"\nExamples ({found[0][0]}):\n" + format_examples(examples)
    )  # fmt: skip
