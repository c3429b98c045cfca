"""Reading an export file as raw text columns: CSV (any delimiter and encoding), Excel, Parquet.

:func:`read_raw` returns what the file holds without interpreting it: CSV cells stay text so
that :mod:`~portfolio_lib.quality.formats` decides how dates and amounts are written (pandas'
own guess would read ``1.234`` as one point two and ``03.01.2024`` as text). The encoding is
never guessed silently:

* ``encoding="auto"`` (default) reads UTF-8, with or without a byte-order mark (also
  UTF-16 with a BOM). A file that is not UTF-8 is refused, and the message shows how its
  first such line reads as Windows-1254 (Turkish Windows exports) so the right
  ``encoding=`` can be chosen.
* With an explicit encoding, text that was decoded wrongly is detected and refused:
  replacement characters (``\ufffd``), and UTF-8 read as a single-byte code page
  (``ÅžÃ¼krÃ¼`` for ``Şükrü``).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "orders.csv").write_bytes("Müşteri;Tutar\\nŞükrü;1.234,56\\n".encode("cp1254"))
>>> read_raw(folder / "orders.csv", encoding="cp1254").iloc[0].tolist()
['Şükrü', '1.234,56']
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from portfolio_lib._errors import DataValidationError

__all__ = ["TEXT_SUFFIXES", "read_raw"]

#: File endings read as delimited text.
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_DELIMITERS = ",;\t|"
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def read_raw(
    path: str | os.PathLike[str],
    *,
    encoding: str = "auto",
    sep: str | None = None,
    read_options: Mapping[str, Any] | None = None,
    text_only: bool = True,
) -> pd.DataFrame:
    """Read a CSV, TSV, Excel or Parquet file as it is.

    Parameters
    ----------
    path : path
        ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xlsm``/``.xls`` (all sheets stacked unless
        ``read_options`` names ``sheet_name``) or ``.parquet``.
    encoding : str
        Text files only: ``"auto"`` (UTF-8, with or without BOM; anything else is refused
        with a suggestion) or a Python codec name, e.g. ``"cp1254"`` (Windows Turkish) or
        ``"iso-8859-9"`` (Latin-5).
    sep : str, optional
        Text files only: the delimiter; default sniffed among ``, ; tab |`` (tab for .tsv).
    read_options : mapping, optional
        Extra keyword arguments for the pandas reader.
    text_only : bool
        Text files only: keep every cell as text (the default, so the package's parsers
        decide how numbers and dates are written); False lets pandas type the columns.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataValidationError
        The file is not in the stated (or UTF-8) encoding, or was decoded wrongly.
    ValueError
        An unsupported file type.
    """
    file = Path(path)
    options = dict(read_options or {})
    suffix = file.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        text, used = _decode(file.read_bytes(), encoding, file)
        delimiter = sep or options.pop("sep", None) or ("\t" if suffix == ".tsv" else _sniff(text))
        if text_only:
            options.setdefault("dtype", str)
        return pd.read_csv(io.StringIO(text), sep=delimiter, **options)
    if suffix in _EXCEL_SUFFIXES:
        sheet = options.pop("sheet_name", None)
        sheets = pd.read_excel(file, sheet_name=sheet, **options)
        if isinstance(sheets, dict):  # every sheet (e.g. the two years of Online Retail II)
            return pd.concat(list(sheets.values()), ignore_index=True)
        return sheets
    if suffix in _PARQUET_SUFFIXES:
        return pd.read_parquet(file, **options)
    raise ValueError(
        f"cannot read {file}: use a .csv, .tsv, .txt, .xlsx, .xlsm, .xls or .parquet file, "
        "or a DataFrame"
    )


def _decode(data: bytes, encoding: str, file: Path) -> tuple[str, str]:
    """The file's text and the codec used; refuse what cannot be decoded faithfully."""
    if encoding == "auto":
        codec = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as error:
            line_no, line = _line_at(data, error.start)
            raise DataValidationError(
                f"{file.name} is not UTF-8 (byte 0x{data[error.start]:02X} on line {line_no}). "
                f"Read as Windows-1254 (Turkish Windows exports) that line is:\n"
                f"    {line.decode('cp1254', errors='replace')!r}\n"
                "If that reads right, pass encoding='cp1254' (or 'iso-8859-9' for Latin-5); "
                "otherwise name the file's encoding."
            ) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line_no, line = _line_at(data, error.start)
        raise DataValidationError(
            f"{file.name} cannot be read as {encoding!r}: byte 0x{data[error.start]:02X} on "
            f"line {line_no} ({line!r}). Name the file's encoding, or use encoding='auto'."
        ) from None
    _check_decoded(text, encoding, file)
    return text, encoding


def _line_at(data: bytes, position: int) -> tuple[int, bytes]:
    start = data.rfind(b"\n", 0, position) + 1
    end = data.find(b"\n", position)
    return data.count(b"\n", 0, position) + 1, data[start : end if end >= 0 else len(data)]


def _check_decoded(text: str, encoding: str, file: Path) -> None:
    """Refuse replacement characters and UTF-8 decoded as a single-byte code page."""
    for number, line in enumerate(text.splitlines(), start=1):
        if "\ufffd" in line:
            raise DataValidationError(
                f"{file.name} read as {encoding!r} has unreadable characters (\\ufffd) on line "
                f"{number}: {line!r}. The file is in another encoding; name it with encoding=."
            )
        if line.isascii():
            continue
        try:
            repaired = line.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if repaired != line:
            raise DataValidationError(
                f"{file.name} looks like UTF-8 read as {encoding!r}: line {number} reads "
                f"{line!r}, as UTF-8 {repaired!r}. Use encoding='auto' (or 'utf-8')."
            )


def _sniff(text: str) -> str:
    """The delimiter of a text table (default ``","`` when the sample is one column)."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","
