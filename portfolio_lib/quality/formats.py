"""How raw text is read as dates and amounts: day order, separators, currency, time zones.

Exports write the same date and the same amount in many ways: ``03.01.2024`` (3 January in
Turkey, 1 March in the US), ``20240103`` (ERP and CDNOW), ``1.234,56 TL``, ``₺1.234,56``,
``€ 12,50``, ``$1,234.56``. :class:`ValueFormat` says how to read them; every reader and
validator of the package takes its fields as keywords (``locale="tr"``, ``dayfirst=True``,
``date_format="%d.%m.%Y"``, ``decimal=","``, ...). When a field is not given the order or
separator is **inferred from the column**, never guessed per value:

* dates: a value whose first field is above 12 (``15.01.2024``) proves day-first for the
  whole column, one whose second field is (``01/15/2024``) month-first; a column where every
  value reads both ways (``03.01.2024``) is refused with both readings shown. Year-first
  text (``2024-01-03``, ``2024/01/03``) and 8-digit ``yyyymmdd`` (text or integer) are
  unambiguous. Any other number is not a date.
* amounts: ``12,50`` or ``1.234,56`` prove a decimal comma, ``12.50`` or ``1,234.56`` a
  decimal point; a column whose values all read both ways (``1.234``: one thousand or one
  point two) is refused. Thousands groups must have three digits (``1.23,4`` is refused).
* currency: symbols and codes (₺, TL, TRY, €, EUR, $, USD, £, GBP) are stripped. One
  currency in a column is just stripped; several are refused unless ``currency_rates`` (one
  rate per currency into the reporting currency) is given, and then every amount is
  converted and its currency kept in a ``currency`` column.
* time zones: naive and aware values in one column are refused. Aware values are read at
  their own wall-clock time when the column has one UTC offset, or converted to
  ``timezone`` (e.g. ``"Europe/Istanbul"``) and then read at its wall clock; several offsets
  without ``timezone`` are refused.

Examples
--------
>>> import pandas as pd
>>> fmt = ValueFormat.resolve(locale="tr")
>>> parse_dates(pd.Series(["03.01.2024", "12.04.2024"]), fmt).dt.strftime("%Y-%m-%d").tolist()
['2024-01-03', '2024-04-12']
>>> parse_amounts(pd.Series(["1.234,56 TL", "₺12,50"]), fmt).numbers.tolist()
[1234.56, 12.5]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypedDict

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, format_examples
from portfolio_lib.crm import DATETIME_DTYPE

__all__ = [
    "CURRENCY_CODES",
    "LOCALES",
    "FormatOptions",
    "ParsedAmounts",
    "ValueFormat",
    "parse_amounts",
    "parse_dates",
]

#: Presets for ``locale=``: day order and number separators of a country's exports.
LOCALES: dict[str, dict[str, Any]] = {
    "tr": {"dayfirst": True, "decimal": ",", "thousands": "."},  # 03.01.2024, 1.234,56 TL
    "de": {"dayfirst": True, "decimal": ",", "thousands": "."},  # 03.01.2024, 1.234,56 €
    "gb": {"dayfirst": True, "decimal": ".", "thousands": ","},  # 03/01/2024, £1,234.56
    "us": {"dayfirst": False, "decimal": ".", "thousands": ","},  # 01/03/2024, $1,234.56
}

#: Currency symbols and codes recognised in amounts (case-insensitive), with their ISO code.
CURRENCY_CODES: dict[str, str] = {
    "₺": "TRY",
    "TL": "TRY",
    "TRY": "TRY",
    "€": "EUR",
    "EUR": "EUR",
    "US$": "USD",
    "$": "USD",
    "USD": "USD",
    "£": "GBP",
    "GBP": "GBP",
}


class FormatOptions(TypedDict, total=False):
    """The reading options every reader and validator takes as keywords (see ValueFormat)."""

    locale: str | None
    dayfirst: bool | None
    date_format: str | None
    decimal: str | None
    thousands: str | None
    timezone: str | None
    currency_rates: Mapping[str, float] | None


@dataclass(frozen=True)
class ValueFormat:
    """How to read dates and amounts written as text.

    Attributes
    ----------
    dayfirst : bool or None
        ``True``: ``03.01.2024`` is 3 January; ``False``: 1 March; ``None``: infer from the
        column (refuse when every value reads both ways).
    date_format : str or None
        An exact ``strftime`` format (e.g. ``"%d.%m.%Y %H:%M"``); overrides ``dayfirst``.
    decimal : {",", "."} or None
        Decimal separator of amounts; ``None``: infer from the column.
    thousands : str or None
        Thousands separator (``"."``, ``","``, ``" "`` or ``"'"``); default the other one of
        ``","``/``"."`` when ``decimal`` is given. Spaces and apostrophes between digit groups
        are always read as thousands separators.
    timezone : str or None
        IANA zone aware timestamps are converted to (e.g. ``"Europe/Istanbul"``) before
        their wall-clock time is kept; ``None``: keep each value's own wall clock, refuse a
        column with several UTC offsets.
    currency_rates : mapping of str to float, or None
        Rate of each currency (ISO code, e.g. ``{"TRY": 1.0, "EUR": 35.2}``) into the
        reporting currency; needed when a column holds several currencies.

    Examples
    --------
    >>> ValueFormat.resolve(locale="tr", decimal=".").decimal
    '.'
    """

    dayfirst: bool | None = None
    date_format: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    timezone: str | None = None
    currency_rates: Mapping[str, float] | None = field(default=None, hash=False)

    @classmethod
    def resolve(cls, locale: str | None = None, **options: Any) -> ValueFormat:
        """The format of ``locale`` (a key of :data:`LOCALES`) with ``options`` on top.

        Options given as ``None`` do not override the locale.
        """
        unknown = set(options) - set(FormatOptions.__annotations__)
        if unknown:
            raise TypeError(f"unknown reading option(s) {sorted(unknown)}")
        settings: dict[str, Any] = {}
        if locale is not None:
            if locale not in LOCALES:
                raise ValueError(f"locale must be one of {sorted(LOCALES)}; got {locale!r}")
            settings.update(LOCALES[locale])
        given = {k: v for k, v in options.items() if v is not None}
        if "decimal" in given and "thousands" not in given:  # the locale's would clash
            settings.pop("thousands", None)
        settings.update(given)
        fmt = cls(**settings)
        fmt._check()
        return fmt

    def _check(self) -> None:
        if self.decimal not in (None, ",", "."):
            raise ValueError(f"decimal must be ',' or '.'; got {self.decimal!r}")
        if self.thousands not in (None, ",", ".", " ", "'", ""):
            raise ValueError(
                f"thousands must be ',', '.', ' ', \"'\" or ''; got {self.thousands!r}"
            )
        if self.decimal is not None and self.decimal == self.thousands:
            raise ValueError(f"decimal and thousands are both {self.decimal!r}")
        if self.currency_rates is not None:
            bad = {k: v for k, v in self.currency_rates.items() if not (np.isfinite(v) and v > 0)}
            if bad:
                raise ValueError(f"currency_rates must be positive numbers; got {bad}")


DEFAULT_FORMAT = ValueFormat()


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

_TIME = r"(?:[ T]+(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?))?"
_ZONE = r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
_DAY_MONTH = re.compile(
    r"^\s*(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    + _TIME
    + _ZONE
    + r"\s*$"
)
_YEAR_FIRST = re.compile(
    r"^\s*(?P<year>\d{4})(?P<sep>[./-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    + _TIME
    + _ZONE
    + r"\s*$"
)
_COMPACT = re.compile(r"^\s*(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})(?:\.0)?\s*$")
_HAS_LETTERS = re.compile(r"[^\W\d_]")
_ZONE_TEXT = re.compile(r"(Z|UTC|GMT|[+-]\d{2}:?\d{2})\s*$")


def _ambiguity_error(column: str, both: pd.DataFrame, what: str) -> None:
    raise DataValidationError(
        f"column {column!r}: every {what} reads two ways, so it cannot be read safely. "
        f"Examples:\n{format_examples(both)}\n"
        + (
            "Say which: dayfirst=True (e.g. Turkey, Europe), dayfirst=False (US), "
            "date_format='%d.%m.%Y', or locale='tr'."
            if what == "date"
            else "Say which: decimal=',' (e.g. Turkey: 1.234,56), decimal='.' (1,234.56), "
            "or locale='tr'."
        )
    )


def _dates_from_parts(
    year: pd.Series, month: pd.Series, day: pd.Series, time: pd.Series | None = None
) -> pd.Series:
    """datetime64 from text parts; NaT where the day does not exist (e.g. 30 February)."""
    clock = "00:00" if time is None else time.fillna("00:00").str.replace(",", ".", regex=False)
    text = year.str.zfill(4) + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + " " + clock
    out = pd.Series(pd.NaT, index=text.index, dtype=DATETIME_DTYPE)
    for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"):
        out = out.fillna(pd.to_datetime(text, format=layout, errors="coerce"))
    return out.astype(DATETIME_DTYPE)


def _full_year(year: pd.Series) -> pd.Series:
    """Two-digit years as Python's ``%y`` reads them (69-99: 1900s, 00-68: 2000s)."""
    short = year.str.len() == 2
    numbers = pd.to_numeric(year.where(short, "0"))
    century = np.where(numbers >= 69, "19", "20")
    return year.where(~short, pd.Series(century, index=year.index) + year)


def _day_month(text: pd.Series, fmt: ValueFormat, column: str) -> tuple[pd.Series, pd.Series]:
    """Values like ``03.01.2024``: (dates, zone text); the order inferred for the column."""
    parts = text.str.extract(_DAY_MONTH)
    a = pd.to_numeric(parts["a"])
    b = pd.to_numeric(parts["b"])
    dayfirst = fmt.dayfirst
    if dayfirst is None:
        says_dayfirst = (a > 12) & (b <= 12)
        says_monthfirst = (b > 12) & (a <= 12)
        if says_dayfirst.any() and says_monthfirst.any():
            shown = pd.DataFrame(
                {column: pd.concat([text[says_dayfirst].head(2), text[says_monthfirst].head(2)])}
            )
            raise DataValidationError(
                f"column {column!r} mixes day-first and month-first dates (a first field above "
                f"12 in some values, a second field above 12 in others). Examples:\n"
                f"{format_examples(shown)}\nFix the export or give date_format=."
            )
        if says_dayfirst.any() or says_monthfirst.any():
            dayfirst = bool(says_dayfirst.any())
        elif bool((a != b).any()):
            differ = a != b
            both = pd.DataFrame(
                {
                    column: text[differ],
                    "day first": _format_day(parts, differ, True),
                    "month first": _format_day(parts, differ, False),
                }
            ).head(5)
            _ambiguity_error(column, both, "date")
        else:
            dayfirst = True  # every value has day == month: both readings agree
    day, month = (parts["a"], parts["b"]) if dayfirst else (parts["b"], parts["a"])
    dates = _dates_from_parts(_full_year(parts["year"]), month, day, parts["time"])
    return dates, parts["zone"]


def _format_day(parts: pd.DataFrame, rows: pd.Series, dayfirst: bool) -> pd.Series:
    sub = parts[rows]
    day, month = (sub["a"], sub["b"]) if dayfirst else (sub["b"], sub["a"])
    dates = _dates_from_parts(_full_year(sub["year"]), month, day, sub["time"])
    return dates.dt.strftime("%d %B %Y").fillna("(no such day)")


def _parse_text_dates(text: pd.Series, fmt: ValueFormat, column: str) -> pd.Series:
    """datetime64 (possibly with per-value zones resolved) for non-missing text values."""
    out = pd.Series(pd.NaT, index=text.index, dtype=DATETIME_DTYPE)
    if fmt.date_format is not None:
        parsed = pd.to_datetime(text, format=fmt.date_format, errors="coerce", utc=False)
        if getattr(parsed.dt, "tz", None) is not None:
            return _naive(parsed, fmt.timezone)
        return parsed.astype(DATETIME_DTYPE)
    zone = pd.Series(np.nan, index=text.index, dtype=object)
    compact = text.str.fullmatch(_COMPACT.pattern)
    if compact.any():
        parts = text[compact].str.extract(_COMPACT)
        out[compact] = _dates_from_parts(parts["year"], parts["month"], parts["day"])
    year_first = text.str.match(_YEAR_FIRST.pattern) & ~compact
    if year_first.any():
        parts = text[year_first].str.extract(_YEAR_FIRST)
        out[year_first] = _dates_from_parts(
            parts["year"], parts["month"], parts["day"], parts["time"]
        )
        zone[year_first] = parts["zone"]
    day_month = text.str.match(_DAY_MONTH.pattern) & ~compact & ~year_first
    if day_month.any():
        dates, zones = _day_month(text[day_month], fmt, column)
        out[day_month] = dates
        zone[day_month] = zones
    worded = ~compact & ~year_first & ~day_month & text.str.contains(_HAS_LETTERS.pattern)
    if worded.any():  # month names ("3 Jan 2024"): the order is written out
        out[worded] = _worded_dates(text[worded], fmt)
        zone[worded] = text[worded].str.extract(_ZONE_TEXT)[0]
    return _apply_zones(out, zone, text, fmt, column)


def _worded_dates(text: pd.Series, fmt: ValueFormat) -> pd.Series:
    values = []
    for value in text:
        try:
            stamp = pd.Timestamp(pd.to_datetime(value, dayfirst=bool(fmt.dayfirst)))
        except (ValueError, TypeError, OverflowError):
            stamp = pd.NaT
        if stamp is not pd.NaT and stamp.tzinfo is not None:
            stamp = stamp.tz_localize(None)
        values.append(stamp)
    return pd.Series(values, index=text.index, dtype=DATETIME_DTYPE)


_OFFSET = re.compile(r"^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})$")


def _offset_minutes(zone: str) -> int:
    if zone in ("Z", "UTC", "GMT"):
        return 0
    match = _OFFSET.match(zone)
    assert match is not None  # the date patterns only capture valid offsets
    minutes = int(match["h"]) * 60 + int(match["m"])
    return minutes if match["sign"] == "+" else -minutes


def _apply_zones(
    wall: pd.Series, zone: pd.Series, text: pd.Series, fmt: ValueFormat, column: str
) -> pd.Series:
    """Resolve written UTC offsets: one offset keeps the wall clock, several need ``timezone``."""
    aware = zone.notna() & wall.notna()
    if not aware.any():
        return wall
    naive = ~aware & wall.notna()
    if naive.any():
        shown = pd.DataFrame({column: pd.concat([text[aware].head(2), text[naive].head(2)])})
        raise DataValidationError(
            f"column {column!r} mixes times with a UTC offset and times without one; the "
            f"naive ones cannot be placed in time. Examples:\n{format_examples(shown)}"
        )
    minutes = zone[aware].map(_offset_minutes)
    if fmt.timezone is None:
        if minutes.nunique() > 1:
            shown = pd.DataFrame({column: text[aware].groupby(minutes).head(1)})
            raise DataValidationError(
                f"column {column!r} holds times in {minutes.nunique()} UTC offsets; give "
                f"timezone= (e.g. 'Europe/Istanbul') to read them on one clock. Examples:\n"
                f"{format_examples(shown)}"
            )
        return wall
    instants = (wall[aware] - pd.to_timedelta(minutes, unit="min")).dt.tz_localize("UTC")
    out = wall.copy()
    out[aware] = instants.dt.tz_convert(fmt.timezone).dt.tz_localize(None).astype(DATETIME_DTYPE)
    return out


def _naive(values: pd.Series, timezone: str | None) -> pd.Series:
    """Aware datetimes at the wall clock of ``timezone`` (or of their own zone)."""
    if timezone is not None:
        values = values.dt.tz_convert(timezone)
    return values.dt.tz_localize(None).astype(DATETIME_DTYPE)


def _compact_numbers(values: pd.Series) -> pd.Series:
    """Whole numbers of eight digits (yyyymmdd) as dates; anything else NaT."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    whole = numbers.notna() & (numbers == np.round(numbers)) & numbers.between(1e7, 1e8 - 1)
    text = numbers.where(whole).map(lambda v: f"{int(v):08d}", na_action="ignore")
    return pd.to_datetime(text, format="%Y%m%d", errors="coerce").astype(DATETIME_DTYPE)


def parse_dates(
    values: pd.Series, fmt: ValueFormat = DEFAULT_FORMAT, *, column: str | None = None
) -> pd.Series:
    """Read a column of dates as ``datetime64`` (NaT where missing or unreadable).

    Parameters
    ----------
    values : pandas.Series
        One column (a list or 1-D array is taken as one; the index may repeat labels).
        Text (any of the forms in the module notes), ``datetime64`` (naive or aware), Python
        datetimes, or integers ``yyyymmdd``. Other numbers are unreadable (NaT).
    fmt : ValueFormat
        Day order, exact format and time zone (see :class:`ValueFormat`).
    column : str, optional
        Name used in error messages (default the Series name).

    Returns
    -------
    pandas.Series
        ``datetime64[ns]``, naive (wall-clock time), same index.

    Raises
    ------
    DataValidationError
        ``values`` is not one column (None, a DataFrame), or it cannot be read safely:
        every day-month value reads both ways, day-first
        and month-first values are mixed, naive and aware times are mixed, or several UTC
        offsets appear without ``timezone``. The message shows examples and the fix.

    Examples
    --------
    >>> parse_dates(pd.Series(["15.01.2024", "03.01.2024"])).dt.day.tolist()
    [15, 3]
    >>> parse_dates(pd.Series([20240131])).dt.strftime("%Y-%m-%d").tolist()
    ['2024-01-31']
    """
    values, index = _validate.positional(values, name="values")
    name = column or (str(values.name) if values.name is not None else "date")
    return _read_dates(values, fmt, name).set_axis(index)


def _read_dates(values: pd.Series, fmt: ValueFormat, name: str) -> pd.Series:
    """:func:`parse_dates` of a Series indexed ``0 .. n-1``."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if getattr(values.dt, "tz", None) is not None:
            return _naive(values, fmt.timezone)
        return values.astype(DATETIME_DTYPE)
    if pd.api.types.is_bool_dtype(values.dtype):
        return pd.Series(pd.NaT, index=values.index, dtype=DATETIME_DTYPE)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return _compact_numbers(values)
    out = pd.Series(pd.NaT, index=values.index, dtype=DATETIME_DTYPE)
    is_text = values.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False)
    is_text = is_text.astype(bool)
    text = values[is_text].astype(str)
    text = text[text.str.strip() != ""]
    if len(text):
        out[text.index] = _parse_text_dates(text, fmt, name)
    others = values[~is_text & values.notna()]
    if len(others):
        out[others.index] = _python_values(others, fmt, name)
    return out


def _python_values(values: pd.Series, fmt: ValueFormat, column: str) -> pd.Series:
    """Timestamps, datetimes and numbers held in an object column."""
    stamps = []
    zones = []
    for value in values:
        if isinstance(value, bool | np.bool_):
            stamps.append(pd.NaT)
            zones.append(None)
        elif isinstance(value, int | float | np.integer | np.floating):
            stamps.append(_compact_numbers(pd.Series([value])).iloc[0])
            zones.append(None)
        else:
            try:
                stamp = pd.Timestamp(value)
            except (ValueError, TypeError):
                stamps.append(pd.NaT)
                zones.append(None)
                continue
            zones.append(stamp.tzinfo)
            stamps.append(stamp)
    aware = [z is not None for z in zones]
    if any(aware) and not all(aware[i] for i, s in enumerate(stamps) if s is not pd.NaT):
        raise DataValidationError(
            f"column {column!r} mixes time-zone aware and naive timestamps; the naive ones "
            f"cannot be placed in time. Examples:\n{format_examples(values.head(4).to_frame())}"
        )
    if any(aware):
        stamps = [
            s if s is pd.NaT else (s.tz_convert(fmt.timezone) if fmt.timezone else s)
            for s in stamps
        ]
        offsets = {s.utcoffset() for s in stamps if s is not pd.NaT}
        if fmt.timezone is None and len(offsets) > 1:
            raise DataValidationError(
                f"column {column!r} holds times in {len(offsets)} UTC offsets; give timezone= "
                f"(e.g. 'Europe/Istanbul') to read them on one clock."
            )
        stamps = [s if s is pd.NaT else s.tz_localize(None) for s in stamps]
    return pd.Series(stamps, index=values.index, dtype=DATETIME_DTYPE)


# ---------------------------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------------------------

_UPPER_CODES = {symbol.upper(): code for symbol, code in CURRENCY_CODES.items()}
_SYMBOLS = sorted(CURRENCY_CODES, key=len, reverse=True)
_CURRENCY = "|".join(re.escape(s) for s in _SYMBOLS)
_AMOUNT = re.compile(
    rf"^\s*(?P<open>\()?\s*(?P<cur1>{_CURRENCY})?\s*(?P<sign>[-+\u2212])?\s*(?P<cur2>{_CURRENCY})?"
    rf"\s*(?P<num>\d[\d.,'\u00a0\u202f ]*\d|\d)\s*(?P<close1>\))?\s*(?P<cur3>{_CURRENCY})?"
    r"\s*(?P<trail>-)?\s*(?P<close2>\))?\s*$",
    re.IGNORECASE,
)
_GROUPED = {
    ".": re.compile(r"^\d{1,3}(\.\d{3})+$"),
    ",": re.compile(r"^\d{1,3}(,\d{3})+$"),
    " ": re.compile(r"^\d{1,3}( \d{3})+$"),
    "'": re.compile(r"^\d{1,3}('\d{3})+$"),
}


class ParsedAmounts(NamedTuple):
    """What :func:`parse_amounts` returns.

    Attributes
    ----------
    numbers : pandas.Series
        float64, converted into the reporting currency when ``currency_rates`` was used; NaN
        where missing or unreadable.
    currency : pandas.Series
        ISO code written with each value (``"TRY"``, ``"EUR"``, ...), missing where none was.
    converted : bool
        True when amounts were converted with ``currency_rates``.
    """

    numbers: pd.Series
    currency: pd.Series
    converted: bool


def _decimal_evidence(digits: str) -> str | None:
    """``","`` or ``"."`` if this number text proves its decimal separator, ``"?"`` if it
    reads both ways (``1.234``), None if it has no separator."""
    commas, dots = digits.count(","), digits.count(".")
    if commas and dots:
        return "," if digits.rfind(",") > digits.rfind(".") else "."
    if not commas and not dots:
        return None
    sep = "," if commas else "."
    other = "." if sep == "," else ","
    if commas + dots > 1:
        return other  # 1.234.567: the repeated one groups thousands
    whole, frac = digits.split(sep)
    if len(frac) != 3 or whole == "0" or len(whole) > 3:
        return sep
    return "?"


def _number(digits: str, decimal: str, thousands: str | None) -> float:
    """The value of ``digits`` under the separators; NaN when they do not fit."""
    text = digits.replace("\u00a0", " ").replace("\u202f", " ")
    if text.count(decimal) > 1:
        return np.nan
    whole, sep, frac = text.partition(decimal)
    if sep and not frac.isdigit():
        return np.nan
    if not whole.isdigit():
        marks = {c for c in whole if not c.isdigit()}
        mark = marks.pop() if len(marks) == 1 else None
        if mark not in (thousands, " ", "'") or not _GROUPED[mark].match(whole):
            return np.nan
        whole = whole.replace(mark, "")
    return float(whole + ("." + frac if sep else ""))


def parse_amounts(
    values: pd.Series,
    fmt: ValueFormat = DEFAULT_FORMAT,
    *,
    column: str | None = None,
    allow_currency: bool = True,
) -> ParsedAmounts:
    """Read a column of numbers or money amounts written as text.

    Parameters
    ----------
    values : pandas.Series
        One column (a list or 1-D array is taken as one; the index may repeat labels).
        Numbers, or text like ``"1.234,56 TL"``, ``"₺1.234,56"``, ``"€ 12,50"``,
        ``"$1,234.56"``, ``"-12.5"``, ``"(12.50)"`` (negative), ``"12,50-"`` (negative).
    fmt : ValueFormat
        Decimal and thousands separators and currency rates (see :class:`ValueFormat`).
    column : str, optional
        Name used in error messages (default the Series name).
    allow_currency : bool
        Accept currency symbols and codes (only money columns do).

    Returns
    -------
    ParsedAmounts
        ``numbers`` (float64; NaN where missing, unreadable or infinite), ``currency`` (ISO
        code per value) and ``converted``.

    Raises
    ------
    DataValidationError
        ``values`` is not one column (None, a DataFrame), or every separator-bearing value
        reads two ways, the column mixes decimal commas and
        points, or several currencies appear without ``currency_rates`` (or one without a
        rate). The message shows examples and the fix.

    Examples
    --------
    >>> parse_amounts(pd.Series(["1.234,56 TL", "12,5"])).numbers.tolist()
    [1234.56, 12.5]
    >>> parse_amounts(pd.Series(["$1,234.56", "USD 2"])).currency.tolist()
    ['USD', 'USD']
    """
    values, index = _validate.positional(values, name="values")
    name = column or (str(values.name) if values.name is not None else "amount")
    numbers, currency, converted = _read_amounts(values, fmt, name, allow_currency)
    return ParsedAmounts(numbers.set_axis(index), currency.set_axis(index), converted)


def _read_amounts(
    values: pd.Series, fmt: ValueFormat, name: str, allow_currency: bool
) -> ParsedAmounts:
    """:func:`parse_amounts` of a Series indexed ``0 .. n-1``."""
    no_currency = pd.Series(pd.NA, index=values.index, dtype="string")
    if pd.api.types.is_bool_dtype(values.dtype):
        return ParsedAmounts(values.astype("float64"), no_currency, False)
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.astype("float64")
        return ParsedAmounts(numbers.where(np.isfinite(numbers)), no_currency, False)
    numbers = pd.Series(np.nan, index=values.index, dtype="float64")
    currency = no_currency.copy()
    present = values.notna()
    direct = present & values.map(
        lambda v: (
            isinstance(v, int | float | np.integer | np.floating)
            and not isinstance(v, bool | np.bool_)
        ),
        na_action="ignore",
    ).fillna(False).astype(bool)
    numbers[direct] = values[direct].astype("float64")
    text = values[present & ~direct].astype(str)
    text = text[text.str.strip() != ""]
    if len(text):
        parts = text.str.extract(_AMOUNT)
        matched = parts["num"].notna()
        codes = parts[["cur1", "cur2", "cur3"]].bfill(axis=1).iloc[:, 0].str.upper()
        codes = codes.map(_UPPER_CODES.get, na_action="ignore")
        if not allow_currency:
            matched &= codes.isna()
        digits = parts["num"].where(matched)
        decimal = fmt.decimal or _infer_decimal(digits.dropna(), text, name)
        thousands = fmt.thousands if fmt.thousands is not None else ("." if decimal == "," else ",")
        value = digits.map(lambda d: _number(d, decimal, thousands), na_action="ignore")
        closed = parts["close1"].notna() | parts["close2"].notna()
        negative = (
            parts["sign"].isin(["-", "\u2212"])
            | parts["trail"].eq("-")
            | (parts["open"].notna() & closed)
        ).fillna(False)
        unbalanced = (parts["open"].notna() != closed) | (
            parts["close1"].notna() & parts["close2"].notna()
        )
        value = value.where(~unbalanced)
        numbers[text.index] = np.where(negative, -value, value).astype("float64")
        scientific = ~matched & text.str.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+\s*")
        numbers[text.index[scientific]] = pd.to_numeric(text[scientific]).astype("float64")
        currency[text.index] = codes.astype("string")
    numbers = numbers.where(np.isfinite(numbers))
    return _convert_currency(numbers, currency, fmt, name, values)


def _infer_decimal(digits: pd.Series, text: pd.Series, column: str) -> str:
    evidence = digits.map(_decimal_evidence)
    proven = set(evidence.dropna()) - {"?"}
    if len(proven) > 1:
        shown = pd.DataFrame(
            {column: pd.concat([text[evidence == ","].head(2), text[evidence == "."].head(2)])}
        )
        raise DataValidationError(
            f"column {column!r} mixes decimal commas and decimal points. Examples:\n"
            f"{format_examples(shown)}\nFix the export or give decimal=."
        )
    if proven:
        return proven.pop()
    unsure = evidence == "?"
    if unsure.any():
        both = pd.DataFrame(
            {
                column: text[unsure.index[unsure]],
                "decimal ','": digits[unsure].map(lambda d: _number(d, ",", ".")),
                "decimal '.'": digits[unsure].map(lambda d: _number(d, ".", ",")),
            }
        ).head(5)
        _ambiguity_error(column, both, "amount")
    return "."


def _convert_currency(
    numbers: pd.Series, currency: pd.Series, fmt: ValueFormat, column: str, raw: pd.Series
) -> ParsedAmounts:
    written = currency.dropna().unique().tolist()
    if fmt.currency_rates is None:
        if len(written) > 1:
            shown = raw[currency.notna()].groupby(currency.dropna()).head(1).to_frame(column)
            raise DataValidationError(
                f"column {column!r} holds amounts in {len(written)} currencies "
                f"({', '.join(sorted(written))}); give currency_rates= (e.g. "
                f"{{'TRY': 1.0, 'EUR': 35.0}}) to convert them into one. Examples:\n"
                f"{format_examples(shown)}"
            )
        return ParsedAmounts(numbers, currency, False)
    rates = {str(k).upper(): float(v) for k, v in fmt.currency_rates.items()}
    unmarked = numbers.notna() & currency.isna()
    if unmarked.any() and len(written) > 1:
        raise DataValidationError(
            f"column {column!r} mixes currencies and has amounts without one, which cannot be "
            f"converted. Examples:\n{format_examples(raw[unmarked].head(5).to_frame(column))}"
        )
    if unmarked.any():
        currency = currency.fillna(written[0] if written else pd.NA)
    missing = sorted(set(currency.dropna()) - set(rates))
    if missing:
        raise DataValidationError(
            f"column {column!r}: no rate in currency_rates for {missing}; rates given for "
            f"{sorted(rates)}"
        )
    factor = currency.map(rates, na_action="ignore").astype("float64")
    return ParsedAmounts(numbers * factor, currency, True)
