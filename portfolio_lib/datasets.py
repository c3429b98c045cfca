"""Data sets and readers: the sample company, CDNOW, and your own files.

* :func:`load_sample` -- the bundled fictional company (``data/`` of the repository).
* :func:`load_cdnow` -- the CDNOW purchase records used in the CLV papers (sample or
  master), read from a local folder or downloaded once from Bruce Hardie's data
  sets page, verified against the published record and customer counts, then
  cached.
* :func:`load_cdnow_summary` -- the papers' own per-customer summary of the CDNOW
  sample (frequency, recency, T, monetary value).
* :func:`read_transactions` -- any CSV / Excel file / DataFrame mapped onto the
  canonical transaction columns of :data:`portfolio_lib.crm.SCHEMAS`.
* :func:`read_online_retail` -- the UCI "Online Retail II" layout.

Examples
--------
>>> import pandas as pd
>>> from portfolio_lib.datasets import read_transactions
>>> raw = pd.DataFrame({"Cust": ["A1"], "Day": ["2024-05-01"], "Total": ["19.90"]})
>>> read_transactions(raw, columns={"customer_id": "Cust", "date": "Day", "amount": "Total"})
  customer_id       date  amount
0          A1 2024-05-01    19.9
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib.crm import DATETIME_DTYPE, SCHEMAS, CRMData
from portfolio_lib.quality import ValueFormat, parse_amounts, parse_values, read_raw

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from portfolio_lib.quality import FormatOptions

__all__ = [
    "CDNOW_BASE_URL",
    "CDNOW_COUNTS",
    "CDNOW_SUMMARY_FILE",
    "DATA_ENV_VAR",
    "ONLINE_RETAIL_COLUMNS",
    "cdnow_url",
    "default_data_home",
    "load_sample",
    "load_cdnow",
    "load_cdnow_summary",
    "read_transactions",
    "read_online_retail",
    "EXAMPLE_FILES",
    "example_file",
]

#: Where the CDNOW archives come from (Bruce Hardie's data sets page); the one place to change it.
CDNOW_BASE_URL = "https://www.brucehardie.com/datasets/"

#: Published size of each CDNOW file: (purchase records, customers). See REFERENCE.md.
CDNOW_COUNTS: dict[str, tuple[int, int]] = {
    "master": (69_659, 23_570),
    "sample": (6_919, 2_357),
}

#: The papers' summary of the CDNOW sample (ID, x, t_x, T, zbar).
CDNOW_SUMMARY_FILE = "cdnow_customers_summary_with_transactions.csv"

#: Environment variable naming the folder that holds (or will cache) the CDNOW files.
DATA_ENV_VAR = "PORTFOLIO_LIB_DATA"

CDNOWKind = Literal["sample", "master"]
Errors = Literal["raise", "keep"]

_REPO_DATA = Path(__file__).resolve().parents[1] / "data"


def cdnow_url(kind: CDNOWKind) -> str:
    """Download address of ``CDNOW_<kind>.zip``.

    Examples
    --------
    >>> cdnow_url("sample")
    'https://www.brucehardie.com/datasets/CDNOW_sample.zip'
    """
    _check_kind(kind)
    return f"{CDNOW_BASE_URL}CDNOW_{kind}.zip"


def default_data_home() -> Path:
    """Folder for the CDNOW files: ``$PORTFOLIO_LIB_DATA`` or the user cache directory.

    Examples
    --------
    >>> isinstance(default_data_home(), Path)
    True
    """
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("portfolio_lib")) / "cdnow"


def _check_kind(kind: str) -> None:
    if kind not in CDNOW_COUNTS:
        raise ValueError(f"kind must be one of {list(CDNOW_COUNTS)}, got {kind!r}")


# ---------------------------------------------------------------------------------------------
# The sample company
# ---------------------------------------------------------------------------------------------


#: Export files in ``data/examples/``, as a shop's systems write them, with what each shows.
EXAMPLE_FILES: dict[str, str] = {
    "siparisler_aralik2024_tr.csv": (
        "14 December 2024 purchases of the sample company exported by a Turkish ERP: "
        "Windows-1254, ';'-separated, dates dd.mm.yyyy, amounts '343,90 TL' / 'TRY 188,28'"
    ),
}


def example_file(name: str) -> Path:
    """Path of a bundled export file (see :data:`EXAMPLE_FILES`).

    Parameters
    ----------
    name : str
        File name, a key of :data:`EXAMPLE_FILES`.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> example_file("siparisler_aralik2024_tr.csv").name
    'siparisler_aralik2024_tr.csv'
    """
    if name not in EXAMPLE_FILES:
        raise ValueError(f"no example file {name!r}; bundled: {sorted(EXAMPLE_FILES)}")
    path = _REPO_DATA / "examples" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing (the examples live in the repository's data/)")
    return path


def load_sample(data_dir: str | os.PathLike[str] | None = None) -> CRMData:
    """The bundled sample company (Anadolu Market) as a ``CRMData``.

    Parameters
    ----------
    data_dir : path, optional
        Folder written by ``portfolio_lib.simulate`` (``customers.csv``,
        ``transactions.csv``, ..., ``truth_params.json``). Default: the
        repository's ``data/`` folder.

    Returns
    -------
    portfolio_lib.crm.CRMData

    Examples
    --------
    >>> crm = load_sample()  # doctest: +SKIP
    >>> crm.customers["customer_id"].iloc[0]  # doctest: +SKIP
    'C00001'
    """
    folder = Path(data_dir) if data_dir is not None else _REPO_DATA
    if not (folder / "customers.csv").is_file():
        raise FileNotFoundError(
            f"no sample company in {folder} (customers.csv missing); write one with "
            "portfolio_lib.simulate.write_sample(<folder>) or pass data_dir="
        )
    return CRMData.from_csv(folder)


# ---------------------------------------------------------------------------------------------
# CDNOW
# ---------------------------------------------------------------------------------------------


def load_cdnow(
    kind: CDNOWKind = "sample",
    data_home: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    url: str | None = None,
    expected_counts: tuple[int, int] | None = None,
    timeout: float = 60.0,
) -> pd.DataFrame:
    """CDNOW purchase records on the canonical transaction schema.

    The CDNOW data set (Fader & Hardie) holds every purchase up to June 1998
    of the customers who first bought at the online CD shop CDNOW in the
    first quarter of 1997; ``"sample"`` is the 1/10 systematic sample used in
    the BG/NBD and Pareto/NBD papers.

    The file ``CDNOW_<kind>.txt`` is read from ``data_home``. If it is not
    there and ``download`` is true, ``CDNOW_<kind>.zip`` is downloaded
    (:data:`CDNOW_BASE_URL`), unpacked to a temporary file in ``data_home``,
    parsed and verified (record and customer counts, :data:`CDNOW_COUNTS`),
    and only then renamed into place. A download that fails verification
    leaves nothing behind and raises. The counts are checked on every load.

    Parameters
    ----------
    kind : {"sample", "master"}
        ``"sample"``: 6,919 records of 2,357 customers. ``"master"``: 69,659
        records of 23,570 customers.
    data_home : path, optional
        Folder with (or to cache) the files. Default :func:`default_data_home`
        (``$PORTFOLIO_LIB_DATA`` or the user cache directory).
    download : bool
        Download the file when it is not in ``data_home``.
    url : str, optional
        Download from here instead of :func:`cdnow_url` (tests, mirrors).
    expected_counts : (records, customers), optional
        Override the published counts (tests with small fake archives).
    timeout : float
        Seconds to wait for the server.

    Returns
    -------
    pandas.DataFrame
        One row per purchase record, in file order: ``customer_id`` (int64),
        ``date`` (datetime64, day), ``quantity`` (int64, number of CDs),
        ``amount`` (float64, US dollars). For the sample, ``customer_id`` is the
        sample id (the one the papers' summary uses) and ``master_id`` (int64)
        keeps the id of the master file.

    Notes
    -----
    Keep the records as they are for the papers' numbers: the files hold exact
    repeat lines (same customer, day, CDs and dollars: 21 in the sample, 255 in
    the master) and zero-dollar records (8 and 80). They are genuine records --
    the papers' mean repeat spend (zbar) is only reproduced with the repeat
    lines in -- but :func:`portfolio_lib.quality.validate_transactions` would
    set them aside as ``"duplicate row"`` / ``"zero amount"``.

    Raises
    ------
    FileNotFoundError
        File absent and ``download=False``.
    DataValidationError
        The file cannot be parsed, or its counts differ from the expected ones.
    OSError
        The download failed (nothing is cached).

    Examples
    --------
    >>> sample = load_cdnow("sample")  # doctest: +SKIP
    >>> len(sample), sample["customer_id"].nunique()  # doctest: +SKIP
    (6919, 2357)
    """
    _check_kind(kind)
    folder = Path(data_home) if data_home is not None else default_data_home()
    expected = expected_counts if expected_counts is not None else CDNOW_COUNTS[kind]
    path = folder / f"CDNOW_{kind}.txt"
    if not path.exists():
        if not download:
            raise FileNotFoundError(
                f"{path} not found (download=False); place CDNOW_{kind}.txt there or set "
                f"{DATA_ENV_VAR}"
            )
        return _download_cdnow(kind, folder, url or cdnow_url(kind), expected, timeout)
    frame = _parse_cdnow(path, kind)
    _verify_cdnow(frame, kind, expected, source=str(path))
    return frame


def _parse_cdnow(path: Path, kind: str) -> pd.DataFrame:
    """Read a whitespace-separated CDNOW file (with or without a header row)."""
    names = ["customer_id", "date", "quantity", "amount"]
    if kind == "sample":
        names = ["master_id", *names]
    with open(path, encoding="utf-8", errors="replace") as handle:
        first = next((line for line in handle if line.strip()), "")
    has_header = bool(first.split()) and not first.split()[0].isdigit()
    try:
        raw = pd.read_csv(
            path,
            sep=r"\s+",
            header=None,
            skiprows=1 if has_header else 0,
            names=names,
            dtype=str,
            encoding="utf-8",
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataValidationError(f"CDNOW {kind} file {path} cannot be parsed: {exc}") from exc
    name = f"CDNOW {kind} ({path.name})"
    out = pd.DataFrame(index=raw.index)
    for column in ("customer_id", "quantity", "master_id"):
        if column in raw.columns:
            numbers = pd.to_numeric(raw[column], errors="coerce")
            raise_for_rows(
                raw, numbers.isna(), column=column, problem="must be a whole number", name=name
            )
            out[column] = numbers.astype("int64")
    dates = pd.to_datetime(raw["date"], format="%Y%m%d", errors="coerce")
    raise_for_rows(raw, dates.isna(), column="date", problem="must be a YYYYMMDD date", name=name)
    amounts = pd.to_numeric(raw["amount"], errors="coerce")
    raise_for_rows(raw, amounts.isna(), column="amount", problem="must be a number", name=name)
    out["date"] = dates.astype(DATETIME_DTYPE)
    out["amount"] = amounts.astype("float64")
    order = ["customer_id", "date", "quantity", "amount"]
    if kind == "sample":
        order.append("master_id")
    return out[order]


def _verify_cdnow(
    frame: pd.DataFrame, kind: str, expected: tuple[int, int], *, source: str
) -> None:
    records, customers = len(frame), int(frame["customer_id"].nunique())
    if (records, customers) != tuple(expected):
        raise DataValidationError(
            f"CDNOW {kind} from {source} has {records:,} records of {customers:,} customers; "
            f"expected {expected[0]:,} records of {expected[1]:,} customers "
            "(published counts, REFERENCE.md). The file is incomplete or not the CDNOW data."
        )


def _download_cdnow(
    kind: str, folder: Path, url: str, expected: tuple[int, int], timeout: float
) -> pd.DataFrame:
    """Download, unpack, verify, then atomically cache ``CDNOW_<kind>.txt``."""
    member = f"CDNOW_{kind}.txt"
    folder.mkdir(parents=True, exist_ok=True)
    zip_path = _temporary_file(folder, f".{member}.", ".zip.part")
    txt_path = _temporary_file(folder, f".{member}.", ".part")
    try:
        try:
            with open(zip_path, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                shutil.copyfileobj(resp, out)
        except OSError as exc:
            raise OSError(
                f"could not download {url} ({exc}); nothing was cached. Place {member} in "
                f"{folder} yourself or set {DATA_ENV_VAR}."
            ) from exc
        try:
            with zipfile.ZipFile(zip_path) as archive:
                names = archive.namelist()
                matches = [n for n in names if Path(n).name.lower() == member.lower()]
                if not matches:
                    raise DataValidationError(
                        f"{url} holds no {member} (members: {names}); nothing was cached"
                    )
                with archive.open(matches[0]) as src, open(txt_path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        except zipfile.BadZipFile as exc:
            raise DataValidationError(
                f"{url} did not deliver a valid zip archive ({exc}); nothing was cached"
            ) from exc
        frame = _parse_cdnow(txt_path, kind)
        _verify_cdnow(frame, kind, expected, source=f"{url} (nothing was cached)")
        os.replace(txt_path, folder / member)
        return frame
    finally:
        zip_path.unlink(missing_ok=True)
        txt_path.unlink(missing_ok=True)


def _temporary_file(folder: Path, prefix: str, suffix: str) -> Path:
    """An empty, closed temporary file in ``folder`` (same file system, so a rename is atomic)."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    os.close(fd)
    return Path(name)


def load_cdnow_summary(data_home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The papers' per-customer summary of the CDNOW sample (39-week calibration).

    Reads :data:`CDNOW_SUMMARY_FILE` (columns ID, x, t_x, T, zbar) from
    ``data_home``. Time is in weeks from 1997-01-01; the calibration period
    ends 1997-09-30 (REFERENCE.md).

    Parameters
    ----------
    data_home : path, optional
        Folder holding the file; default :func:`default_data_home`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (int64, the sample id of :func:`load_cdnow`),
        columns ``frequency`` (x: repeat purchases, int64), ``recency`` (t_x:
        weeks from first to last purchase), ``T`` (weeks from first purchase
        to the end of calibration), ``monetary_value`` (zbar: mean repeat
        spend in US dollars; 0 without repeats).

    Raises
    ------
    FileNotFoundError
        The file is not in ``data_home`` (it is not downloadable).
    DataValidationError
        Columns missing, values unreadable, or not 2,357 distinct customers.

    Examples
    --------
    >>> summary = load_cdnow_summary()  # doctest: +SKIP
    >>> summary.loc[1, ["frequency", "recency", "T"]].tolist()  # doctest: +SKIP
    [2.0, 30.43, 38.86]
    """
    folder = Path(data_home) if data_home is not None else default_data_home()
    path = folder / CDNOW_SUMMARY_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found; place {CDNOW_SUMMARY_FILE} in {folder} or set {DATA_ENV_VAR}"
        )
    raw = pd.read_csv(path)
    name = f"CDNOW summary ({path.name})"
    require_columns(raw, ["ID", "x", "t_x", "T", "zbar"], name=name)
    numbers = raw[["ID", "x", "t_x", "T", "zbar"]].apply(pd.to_numeric, errors="coerce")
    for column in numbers.columns:
        raise_for_rows(
            raw, numbers[column].isna(), column=column, problem="must be numeric", name=name
        )
    out = pd.DataFrame(
        {
            "customer_id": numbers["ID"].astype("int64"),
            "frequency": numbers["x"].astype("int64"),
            "recency": numbers["t_x"].astype("float64"),
            "T": numbers["T"].astype("float64"),
            "monetary_value": numbers["zbar"].astype("float64"),
        }
    ).set_index("customer_id")
    expected = CDNOW_COUNTS["sample"][1]
    if len(out) != expected or not out.index.is_unique:
        raise DataValidationError(
            f"{name} has {len(out):,} rows and {out.index.nunique():,} distinct IDs; expected "
            f"{expected:,} customers of the CDNOW sample (REFERENCE.md)"
        )
    return out


# ---------------------------------------------------------------------------------------------
# Your own files
# ---------------------------------------------------------------------------------------------

_TRANSACTION_COLUMNS = SCHEMAS["transactions"].column_names
_ID_COLUMNS = ("customer_id", "transaction_id", "campaign_id")


def _read_source(
    path_or_frame: str | os.PathLike[str] | pd.DataFrame,
    read_options: Mapping[str, Any] | None,
    *,
    encoding: str = "auto",
    sep: str | None = None,
) -> pd.DataFrame:
    """A DataFrame (copied) or a file read as it is (CSV cells as text; see ``read_raw``)."""
    if isinstance(path_or_frame, pd.DataFrame):
        return path_or_frame.copy()
    if not isinstance(path_or_frame, str | os.PathLike):
        raise DataValidationError(
            "path_or_frame must be a file path or a pandas DataFrame, got "
            f"{type(path_or_frame).__name__}"
            + (" (a Series: pass a DataFrame)" if isinstance(path_or_frame, pd.Series) else "")
        )
    return read_raw(path_or_frame, encoding=encoding, sep=sep, read_options=read_options)


def _id_text(values: pd.Series) -> pd.Series:
    """Identifiers as text; 13085.0 (an id column read as float) becomes "13085"."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("str")
    if pd.api.types.is_numeric_dtype(values.dtype):
        whole = values.dropna()
        if (whole == np.round(whole)).all():
            return values.astype("Int64").astype("str").where(values.notna())
        return values.astype("str").where(values.notna())
    if pd.api.types.is_string_dtype(values.dtype) and not values.dtype == object:
        text = values
    else:
        text = values.map(
            lambda v: v if isinstance(v, str) else _one_id_text(v), na_action="ignore"
        ).astype("str")
    return text.str.strip().str.replace(r"^(\d+)\.0$", r"\1", regex=True)


def _one_id_text(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _typed(
    frame: pd.DataFrame,
    errors: Errors,
    name: str,
    sources: Mapping[str, str],
    fmt: ValueFormat,
) -> pd.DataFrame:
    """Parse canonical columns by their schema kind; raise (or keep raw) on unreadable values.

    A money column converted from several currencies gets them in a ``currency`` column.
    """
    if errors not in ("raise", "keep"):
        raise ValueError(f"errors must be 'raise' or 'keep', got {errors!r}")
    schema = SCHEMAS["transactions"]
    out = frame.copy()
    parsed_columns: dict[str, pd.Series] = {}
    for column in out.columns:
        if column not in schema.column_names:
            continue
        kind = schema.column(column).kind
        if kind == "str":
            if column in _ID_COLUMNS:
                parsed_columns[column] = _id_text(out[column])
            continue
        money = schema.column(column).description.startswith("currency")
        parsed, unreadable = parse_values(out[column], kind, fmt, money=money)
        if money and fmt.currency_rates is not None:
            parsed_columns["currency"] = parse_amounts(out[column], fmt, column=column).currency
        if unreadable.any():
            if errors == "keep":
                continue
            origin = sources.get(column, column)
            where = "" if origin == column else f" (source column {origin!r})"
            raise_for_rows(
                out,
                unreadable,
                column=column,
                problem=f"{where} has values that cannot be read as {kind}; fix the reading "
                "options (locale=, dayfirst=, date_format=, decimal=) if the export uses another "
                "format, or use errors='keep' and quality.validate_transactions to set such rows "
                "aside",
                name=name,
            )
        parsed_columns[column] = parsed
    for column, values in parsed_columns.items():
        out[column] = values
    return out


def read_transactions(
    path_or_frame: str | os.PathLike[str] | pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    errors: Errors = "raise",
    read_options: Mapping[str, Any] | None = None,
    encoding: str = "auto",
    sep: str | None = None,
    window: tuple[object, object] | None = None,
    **formats: Unpack[FormatOptions],
) -> pd.DataFrame:
    """Map a CSV, Excel or Parquet file or a DataFrame onto the canonical transaction columns.

    Parameters
    ----------
    path_or_frame : path or pandas.DataFrame
        ``.csv``/``.txt``/``.tsv`` (every cell read as text, then parsed by the rules below),
        ``.xlsx``/``.xlsm``/``.xls`` (all sheets stacked unless ``read_options`` names
        ``sheet_name``), ``.parquet``, or a DataFrame. See
        :func:`portfolio_lib.quality.read_raw`.
    columns : mapping, optional
        Canonical name -> source column name, e.g. ``{"customer_id": "Cust",
        "date": "OrderDate", "amount": "Total"}``. Canonical names: any column
        of ``SCHEMAS["transactions"]`` (``customer_id``, ``date``, ``amount``
        required; ``quantity``, ``category``, ``channel``, ``transaction_id``,
        ``is_return``, ... optional). Canonical names not mapped are taken
        from a source column of the same name when there is one.
    errors : {"raise", "keep"}
        ``"raise"``: a value that cannot be read as its column's type (a date
        like ``"2024-02-30"``, an amount like ``"12,50 TL"``) raises
        :class:`DataValidationError` naming the column with example rows.
        ``"keep"``: such a column is returned unparsed, for
        :func:`portfolio_lib.quality.validate_transactions` to sort out row by row.
        Missing values never raise (they stay NaN/NaT). A date outside ``window`` raises
        too (``"keep"``: it is kept, and ``validate_transactions`` rejects it as ``"date
        outside window"``).
    read_options : mapping, optional
        Extra keyword arguments for the pandas reader (e.g. ``{"skiprows": 2}``).
    encoding : str
        Text files: ``"auto"`` (UTF-8 with or without BOM; another encoding is refused with
        a suggestion), or a codec such as ``"cp1254"`` (Windows Turkish) or ``"iso-8859-9"``.
        Text decoded wrongly (replacement characters, UTF-8 read as a code page) is refused.
    sep : str, optional
        Text files: the delimiter; default sniffed among ``, ; tab |``.
    window : (start, end), optional
        The dates the file may hold (an end that is None keeps its default). Default
        1900-01-01 to tomorrow: one mistyped year (1850, 2099) is refused rather than
        stretching every data window computed from the file.
    **formats
        How dates and amounts written as text are read: ``locale="tr"`` (03.01.2024 is
        3 January; 1.234,56 TL), ``dayfirst``, ``date_format``, ``decimal``, ``thousands``,
        ``timezone``, ``currency_rates``; see :class:`portfolio_lib.quality.ValueFormat`.
        Without them the day order and decimal separator are inferred from each column and
        an ambiguous column is refused; ``yyyymmdd`` dates (text or integer) are read.

    Returns
    -------
    pandas.DataFrame
        Only the canonical columns found, in canonical order: ids as text,
        ``date`` as datetime64, ``amount`` as float64 (currency units; currency symbols and
        codes stripped), ``quantity`` as int64 (float64 if some are missing); plus
        ``currency`` (ISO code per row) when amounts were converted with ``currency_rates``.

    Raises
    ------
    DataValidationError
        A required canonical column has no source column (the message names
        the missing source columns and lists the available ones), or (with
        ``errors="raise"``) values cannot be read or a date lies outside ``window``;
        ``path_or_frame`` is neither a path nor a DataFrame.
    ValueError
        ``columns`` uses a name that is not canonical.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"Müşteri": ["M7"], "Tarih": ["2024-06-01"], "Tutar": [120.5],
    ...                     "Adet": [2]})
    >>> out = read_transactions(raw, columns={"customer_id": "Müşteri", "date": "Tarih",
    ...                                       "amount": "Tutar", "quantity": "Adet"})
    >>> list(out.columns)
    ['customer_id', 'date', 'amount', 'quantity']
    """
    mapping = dict(columns or {})
    unknown = [c for c in mapping if c not in _TRANSACTION_COLUMNS]
    if unknown:
        raise ValueError(
            f"columns maps unknown canonical name(s) {unknown}; canonical transaction columns: "
            f"{list(_TRANSACTION_COLUMNS)}"
        )
    fmt = ValueFormat.resolve(**formats)
    source = _read_source(path_or_frame, read_options, encoding=encoding, sep=sep)
    available = list(source.columns)
    sources: dict[str, str] = {}
    missing: list[str] = []
    for canonical in _TRANSACTION_COLUMNS:
        origin = mapping.get(canonical, canonical)
        if origin in source.columns:
            sources[canonical] = origin
        elif canonical in mapping or canonical in SCHEMAS["transactions"].required_columns:
            missing.append(f"{origin!r} (for {canonical})")
    if missing:
        raise DataValidationError(
            f"transactions source is missing column(s) {', '.join(missing)}; "
            f"available columns: {available}. Map them with columns={{canonical: source}}."
        )
    out = pd.DataFrame({canonical: source[origin] for canonical, origin in sources.items()})
    out = _typed(out, errors, "transactions", sources, fmt)
    if errors == "raise":
        _validate.plausible(out, "date", name="transactions", window=window)
    return out


#: Source column of the UCI Online Retail II layout for each role (Online Retail I names second).
ONLINE_RETAIL_COLUMNS: dict[str, tuple[str, ...]] = {
    "invoice": ("Invoice", "InvoiceNo"),
    "stock_code": ("StockCode",),
    "description": ("Description",),
    "quantity": ("Quantity",),
    "date": ("InvoiceDate",),
    "unit_price": ("Price", "UnitPrice"),
    "customer_id": ("Customer ID", "CustomerID"),
    "country": ("Country",),
}


def read_online_retail(
    path_or_frame: str | os.PathLike[str] | pd.DataFrame,
    *,
    errors: Errors = "raise",
    read_options: Mapping[str, Any] | None = None,
    encoding: str = "auto",
    window: tuple[object, object] | None = None,
    **formats: Unpack[FormatOptions],
) -> pd.DataFrame:
    """Read the UCI "Online Retail II" layout as canonical transaction lines.

    Columns expected: ``Invoice`` (a leading ``C`` marks a cancellation),
    ``StockCode``, ``Description``, ``Quantity``, ``InvoiceDate``, ``Price``
    (per unit, pounds sterling), ``Customer ID``, ``Country``. The older
    "Online Retail" names (``InvoiceNo``, ``UnitPrice``, ``CustomerID``) are
    accepted too. Nothing is dropped: lines without a customer or with a zero
    price are kept for :func:`portfolio_lib.quality.validate_transactions`
    to reject with a reason.

    Parameters
    ----------
    path_or_frame : path or pandas.DataFrame
        CSV or Excel file (all sheets stacked), or a DataFrame.
    errors : {"raise", "keep"}
        As in :func:`read_transactions`.
    read_options : mapping, optional
        Extra keyword arguments for the pandas reader.
    encoding : str
        Text files: as in :func:`read_transactions`.
    window : (start, end), optional
        As in :func:`read_transactions`: with ``errors="raise"`` an invoice dated outside it
        (default 1900-01-01 to tomorrow) raises.
    **formats
        Reading options for dates and numbers, as in :func:`read_transactions`.

    Returns
    -------
    pandas.DataFrame
        One row per invoice line: ``transaction_id`` (the invoice number,
        text; several lines share it), ``customer_id`` (text, NaN when
        absent), ``date`` (day of the invoice), ``amount`` (Quantity x Price,
        negative for cancellations), ``quantity``, ``is_return`` (True for
        C-invoices), ``timestamp`` (full invoice date and time),
        ``stock_code``, ``description``, ``unit_price``, ``country``.

    Raises
    ------
    DataValidationError
        A column of the layout is missing (message lists the available ones)
        or, with ``errors="raise"``, a date/quantity/price cannot be read or a date lies
        outside ``window``; ``path_or_frame`` is neither a path nor a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"Invoice": ["489434", "C489449"], "StockCode": ["85048", "22087"],
    ...     "Description": ["LED CANDLE", "PAPER BUNTING"], "Quantity": [12, -12],
    ...     "InvoiceDate": ["2009-12-01 07:45:00", "2009-12-01 10:33:00"],
    ...     "Price": [6.95, 2.95], "Customer ID": [13085.0, 16321.0],
    ...     "Country": ["United Kingdom", "Australia"]})
    >>> read_online_retail(raw)[["transaction_id", "customer_id", "amount", "is_return"]]
      transaction_id customer_id  amount  is_return
    0         489434       13085    83.4      False
    1        C489449       16321   -35.4       True
    """
    fmt = ValueFormat.resolve(**formats)
    source = _read_source(path_or_frame, read_options, encoding=encoding)
    found: dict[str, str] = {}
    missing: list[str] = []
    for role, candidates in ONLINE_RETAIL_COLUMNS.items():
        match = next((c for c in candidates if c in source.columns), None)
        if match is None:
            missing.append(" or ".join(repr(c) for c in candidates))
        else:
            found[role] = match
    if missing:
        raise DataValidationError(
            f"Online Retail source is missing column(s) {', '.join(missing)}; "
            f"available columns: {list(source.columns)}"
        )
    name = "Online Retail"
    if errors not in ("raise", "keep"):
        raise ValueError(f"errors must be 'raise' or 'keep', got {errors!r}")
    stamp, bad_stamp = parse_values(source[found["date"]], "timestamp", fmt)
    quantity, bad_quantity = parse_values(source[found["quantity"]], "float", fmt)
    price, bad_price = parse_values(source[found["unit_price"]], "float", fmt, money=True)
    if errors == "raise":
        for column, bad, kind in (
            (found["date"], bad_stamp, "a date"),
            (found["quantity"], bad_quantity, "a number"),
            (found["unit_price"], bad_price, "a number"),
        ):
            raise_for_rows(
                source,
                bad,
                column=column,
                problem=f"has values that cannot be read as {kind}",
                name=name,
            )
        _validate.plausible(source, found["date"], name=name, values=stamp, window=window)
    invoice = _id_text(source[found["invoice"]])
    out = pd.DataFrame(
        {
            "transaction_id": invoice,
            "customer_id": _id_text(source[found["customer_id"]]),
            "date": stamp.dt.normalize(),
            "amount": quantity * price,
            "quantity": quantity.astype("int64") if quantity.notna().all() else quantity,
            "is_return": invoice.str.upper().str.startswith("C").fillna(False).astype(bool),
            "timestamp": stamp,
            "stock_code": _id_text(source[found["stock_code"]]),
            "description": source[found["description"]]
            .astype("str")
            .where(source[found["description"]].notna()),
            "unit_price": price,
            "country": source[found["country"]]
            .astype("str")
            .where(source[found["country"]].notna()),
        },
        index=source.index,
    )
    if errors == "keep":
        for role, column, bad in (
            ("date", found["date"], bad_stamp),
            ("quantity", found["quantity"], bad_quantity),
            ("unit_price", found["unit_price"], bad_price),
        ):
            if bad.any():
                out[role] = source[column].astype(object)
        bad = bad_quantity | bad_price
        if bad.any():  # keep the raw factors visible, so validation says "non-numeric amount"
            raw = (
                source[found["quantity"]].astype(str)
                + " x "
                + source[found["unit_price"]].astype(str)
            )
            out["amount"] = out["amount"].astype(object).where(~bad, raw)
    return out
