"""Reading an export file as raw text columns: CSV (any delimiter and encoding), Excel, Parquet.

:func:`read_raw` returns what the file holds without interpreting it: CSV cells stay text so
that :mod:`~portfolio_lib.quality.formats` decides how dates and amounts are written (pandas'
own guess would read ``1.234`` as one point two and ``03.01.2024`` as text). The encoding is
never guessed silently:

* ``encoding="auto"`` (default) reads UTF-8, with or without a byte-order mark (also
  UTF-16 with a BOM). A file that is not UTF-8 is refused, and the message shows how its
  first such line reads as Windows-1254 (Turkish Windows exports) so the right
  ``encoding=`` can be chosen.
* With an explicit encoding, text that would be decoded wrongly is detected and refused: a
  UTF-8 file named as a single-byte code page (it would read ``ÅžÃ¼krÃ¼`` for ``Şükrü``),
  and replacement characters (``\ufffd``) in the decoded text.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "orders.csv").write_bytes("Müşteri;Tutar\\nŞükrü;1.234,56\\n".encode("cp1254"))
>>> read_raw(folder / "orders.csv", encoding="cp1254").iloc[0].tolist()
['Şükrü', '1.234,56']
"""

from __future__ import annotations

import codecs
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
_UTF = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be")


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
        Text files only: keep every cell as text, exactly as written (the default, so the
        package's parsers decide how numbers and dates are written, and a customer called
        ``"NA"`` or ``"NULL"`` stays one: only an empty cell is missing); False lets pandas
        type the columns and apply its missing-value markers.

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
        if text_only:  # cells as written: only an empty cell is missing ("NA" is a name)
            options.setdefault("dtype", str)
            options.setdefault("keep_default_na", False)
            options.setdefault("na_values", [""])
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
    utf8 = _as_utf8(data)
    if encoding == "auto":
        if utf8 is not None:
            return utf8
        raise DataValidationError(
            f"{file.name} is not UTF-8. Read as Windows-1254 (Turkish Windows exports) its "
            f"first lines with other letters are:\n{_preview(data, 'cp1254')}\n"
            "If they read right, pass encoding='cp1254' (or 'iso-8859-9' for Latin-5); "
            "otherwise name the file's encoding."
        )
    if utf8 is not None and not data.isascii() and codecs.lookup(encoding).name not in _UTF:
        raise DataValidationError(
            f"{file.name} is UTF-8, so reading it as {encoding!r} would misread its letters; "
            f"as UTF-8 its first lines with other letters are:\n{_preview(data, 'utf-8')}\n"
            "Use encoding='auto' (or 'utf-8')."
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DataValidationError(
            f"{file.name} cannot be read as {encoding!r} (byte 0x{data[error.start]:02X} at "
            f"position {error.start}). Name the file's encoding, or use encoding='auto'."
        ) from None
    for number, line in enumerate(text.splitlines(), start=1):
        if "\ufffd" in line:
            raise DataValidationError(
                f"{file.name} read as {encoding!r} has unreadable characters (\\ufffd) on line "
                f"{number}: {line!r}. The file is in another encoding; name it with encoding=."
            )
    return text, encoding


def _as_utf8(data: bytes) -> tuple[str, str] | None:
    """(text, codec) when ``data`` is UTF-8 (or UTF-16 with a BOM); else None."""
    codec = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError:
        return None


def _preview(data: bytes, codec: str, lines: int = 3) -> str:
    """Up to ``lines`` lines holding non-ASCII bytes, decoded with ``codec``, indented."""
    shown = [line for line in data.splitlines() if not line.isascii()][:lines]
    return "\n".join("    " + line.decode(codec, errors="replace") for line in shown)


def _sniff(text: str) -> str:
    """The delimiter of a text table (default ``","`` when the sample is one column)."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","
