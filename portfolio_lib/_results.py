"""Result objects: a per-row table with the settings that produced it (statsmodels style).

A computation that used to return a DataFrame with its settings in ``DataFrame.attrs``
returns a small frozen dataclass instead, because pandas drops ``attrs`` on
``join``/``merge``/``concat``. :class:`TableResult` is the common base of such results:

* ``result.table`` is the per-row DataFrame; ``result["clv"]`` and ``len(result)`` reach it
  directly, so the usual one-liners stay short;
* ``result.summary()`` returns a :class:`ResultSummary` (prints as aligned text, shows as an
  HTML table in a notebook);
* other DataFrame attributes (``result.index``, ``result.nlargest(...)``) still work for code
  written when the function returned the table, with a ``FutureWarning`` that says to use
  ``result.table`` (the deprecation path).
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

__all__ = ["ResultSummary", "TableResult", "SettingsResult", "as_table", "setting"]


@dataclass(frozen=True)
class ResultSummary:
    """A short, printable account of a result: a title, labelled values, notes.

    Attributes
    ----------
    title : str
        One line naming the result.
    rows : tuple of (str, str)
        Label and formatted value, in reading order.
    notes : tuple of str
        Sentences printed under the rows (e.g. what an interval covers).

    Examples
    --------
    >>> print(ResultSummary("Example", (("customers", "3"), ("total", "1.50"))))
    Example
    -------
    customers  3
    total      1.50
    """

    title: str
    rows: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()

    def as_text(self) -> str:
        """The summary as aligned plain text."""
        width = max((len(label) for label, _ in self.rows), default=0)
        lines = [self.title, "-" * len(self.title)]
        lines += [f"{label:<{width}}  {value}" for label, value in self.rows]
        lines += list(self.notes)
        return "\n".join(lines)

    def as_html(self) -> str:
        """The summary as a small HTML table (what a notebook shows)."""
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
            f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
            for label, value in self.rows
        )
        notes = "".join(f"<p><small>{html.escape(note)}</small></p>" for note in self.notes)
        caption = f"<caption style='text-align:left'><b>{html.escape(self.title)}</b></caption>"
        return f"<table>{caption}{body}</table>{notes}"

    def to_frame(self) -> pd.DataFrame:
        """The rows as a one-column DataFrame (``value``) indexed by label."""
        labels = [label for label, _ in self.rows]
        values = [value for _, value in self.rows]
        return pd.DataFrame({"value": values}, index=pd.Index(labels, name=self.title))

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        return self.as_html()


class TableResult:
    """Base of frozen results that carry a per-row ``table`` (subclasses are dataclasses).

    ``result[key]`` is ``result.table[key]`` and ``len(result)`` the number of rows; the
    object is not iterable (iterate over ``result.table``). Subclasses implement
    :meth:`summary`.
    """

    table: pd.DataFrame
    #: Rows of ``table`` shown under the summary in a notebook.
    _html_rows = 10

    def __getitem__(self, key: Hashable | Sequence[Hashable]) -> Any:
        return self.table[key]

    def __len__(self) -> int:
        return len(self.table)

    __iter__ = None  # a result is not a sequence of rows or columns: use result.table

    def summary(self) -> ResultSummary:  # pragma: no cover - abstract
        """A short account of the result and its settings."""
        raise NotImplementedError

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        head = self.table.head(self._html_rows).to_html(float_format=lambda v: f"{v:,.2f}")
        more = len(self.table) - self._html_rows
        tail = (
            f"<p><small>… {more:,} more rows in <code>.table</code></small></p>" if more > 0 else ""
        )
        return self.summary().as_html() + head + tail

    # -- deprecation path: the function used to return the table itself ------------------------
    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails; private names (copy, pickle, IPython probes)
        # and anything a DataFrame lacks raise AttributeError as usual.
        table = self.__dict__.get("table")
        if name.startswith("_") or table is None or not hasattr(pd.DataFrame, name):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        warnings.warn(
            f"{type(self).__name__} is a result object, not a DataFrame: use "
            f"`result.table.{name}` instead of `result.{name}` (this forwarding will be removed)",
            FutureWarning,
            stacklevel=2,
        )
        return getattr(table, name)

    def __setitem__(self, key: Hashable, value: Any) -> None:
        warnings.warn(
            f"{type(self).__name__} is a frozen result: `result[{key!r}] = ...` changes its "
            "table and will stop working; use `result.table.assign(...)` for a new table",
            FutureWarning,
            stacklevel=2,
        )
        self.table[key] = value


# -- shared by the result objects of the analysis modules --------------------------------------
def _setting_text(value: Any) -> str:
    """A setting as short, deterministic text (for reprs)."""
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


class SettingsResult(TableResult):
    """A :class:`TableResult` whose ``repr`` names its rows and its settings.

    The repr lists every dataclass field but ``table`` (and fields declared with
    ``repr=False``, such as long notes) in one line, the same in every run: what a
    notebook stores as the text form of a displayed result.
    """

    #: What a row of ``table`` is, for the repr ("3 segments").
    _row_name = "rows"

    def __repr__(self) -> str:
        parts = [f"{len(self.table):,} {self._row_name}"]
        parts += [
            f"{f.name}={_setting_text(getattr(self, f.name))}"
            for f in fields(self)  # type: ignore[arg-type]
            if f.name != "table" and f.repr
        ]
        return f"{type(self).__name__}({', '.join(parts)})"


def as_table(result: TableResult | pd.DataFrame) -> pd.DataFrame:
    """The per-row table of a result object; a plain DataFrame is returned as it is.

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1]})
    >>> as_table(frame) is frame
    True
    """
    return result.table if isinstance(result, TableResult) else result


def setting(result: TableResult | pd.DataFrame, name: str, default: Any = None) -> Any:
    """A setting of a result object, or of a plain table's ``attrs`` (tables saved before).

    Plot functions take the result or its ``table``; a table that went through a join has
    lost its ``attrs``, so the setting falls back to ``default``.

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1]})
    >>> frame.attrs["confidence"] = 0.9
    >>> setting(frame, "confidence"), setting(frame, "note", "")
    (0.9, '')
    """
    if isinstance(result, TableResult):
        names = {f.name for f in fields(result)}  # type: ignore[arg-type]
        return getattr(result, name) if name in names else default
    return result.attrs.get(name, default)


def percent(level: float) -> str:
    """A share as a percentage without trailing zeros (0.95 -> ``"95%"``)."""
    return f"{100 * level:g}%"


def p_value_text(p: float) -> str:
    """A p-value for a summary row (``"n/a"`` when there is no test)."""
    return "n/a" if p != p else f"{p:.3g}"
