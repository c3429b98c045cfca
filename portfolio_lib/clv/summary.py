"""From a transaction log to the per-customer summary the CLV models need.

A *purchase occasion* is a (customer, calendar day) with at least one purchase
row; several purchases on one day count once and their amounts are added.
Rows flagged as returns (``is_return`` True) or with negative amounts are not
purchase occasions and are ignored here (net revenue belongs to
:func:`portfolio_lib.clv.historical_clv`). Input is checked with the package's one
transaction contract (:mod:`portfolio_lib._validate`: dates, amounts, returns, and
rows after the observation end, which raise unless ``late="drop"``).

Per customer, with time measured in fractional units from the first purchase
(days / 7 for ``unit="W"``):

* ``frequency`` - number of *repeat* purchase occasions (occasions - 1);
* ``recency`` - age at the last purchase occasion (0 if no repeat);
* ``T`` - age at ``observation_end`` (the end day itself belongs to the period:
  a purchase on that day counts, and T = (observation_end - first day) / unit);
* ``monetary_value`` - mean amount of the repeat occasions (0 when none).

Everything is vectorised (one sort plus ``numpy`` reductions), no per-customer loop.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib.clv._validation import UNIT_DAYS, check_unit

__all__ = ["summary_from_transactions", "calibration_holdout", "purchase_occasions"]

# Former local name, still imported by the CLV lesson helpers; the one helper is _validate.day.


def _epoch_day(stamp: pd.Timestamp) -> int:
    return int(stamp.to_datetime64().astype("datetime64[D]").astype(np.int64))


def purchase_occasions(
    tx: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = "amount",
    return_col: str | None = "is_return",
    until: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """One row per (customer, day) with purchases: ``customer``, ``day`` (int days), ``amount``.

    Validates the table with the package's transaction contract (see
    :mod:`portfolio_lib._validate`: missing columns, missing ids, dates that are neither
    datetime64 nor ISO 8601 text, non-numeric amounts raise
    :class:`~portfolio_lib.DataValidationError` naming the column). Returns are excluded.
    ``until`` is a cut: rows dated after that day are left out (the explicit
    ``late="drop"`` of the contract); None keeps every row. Rows are sorted by customer
    code, then day; ``customer`` is the integer code into ``attrs["customers"]`` (sorted
    unique customer ids).
    """
    end = None if until is None else _validate.day(until, what="until")
    columns = (customer_col, date_col, amount_col, return_col)
    return _occasions(tx, columns, end=end, late="drop", end_name="until")


def _occasions(tx: pd.DataFrame, columns: tuple, **contract) -> pd.DataFrame:
    """Purchase occasions of a log checked by the transaction contract (``_validate.transactions``
    with the ``(customer, date, amount, return)`` ``columns`` and ``contract`` options such as
    ``end`` and ``late``; see :func:`purchase_occasions`)."""
    names = ("customer_col", "date_col", "amount_col", "return_col")
    clean = _validate.transactions(tx, **dict(zip(names, columns, strict=True)), **contract)
    keep = ~clean["is_return"].to_numpy()
    day = clean["day"].to_numpy().astype("datetime64[D]").astype(np.int64)
    amount_values = clean["amount"].to_numpy()
    codes, customers = pd.factorize(clean["customer"], sort=True)
    codes, day, amount_values = codes[keep], day[keep], amount_values[keep]
    if codes.size == 0:
        out = pd.DataFrame({"customer": np.array([], dtype=np.int64), "day": [], "amount": []})
        out.attrs["customers"] = customers[:0]
        return out
    day_min = day.min()
    span = int(day.max() - day_min) + 1
    key = codes.astype(np.int64) * span + (day - day_min)
    unique_key, inverse = np.unique(key, return_inverse=True)
    occasion_amount = np.bincount(inverse, weights=amount_values, minlength=unique_key.size)
    out = pd.DataFrame(
        {
            "customer": unique_key // span,
            "day": unique_key % span + day_min,
            "amount": occasion_amount,
        }
    )
    out.attrs["customers"] = customers
    return out


def _summarise(occ: pd.DataFrame, end_day: int, days_per_unit: float) -> pd.DataFrame:
    customer = occ["customer"].to_numpy().astype(np.int64)
    day = occ["day"].to_numpy().astype(np.int64)
    amount = occ["amount"].to_numpy()
    if customer.size == 0:
        empty = pd.Index(np.asarray(occ.attrs["customers"])[:0], name="customer_id")
        return pd.DataFrame(
            {"frequency": np.zeros(0, np.int64), "recency": [], "T": [], "monetary_value": []},
            index=empty,
        ).astype({"recency": float, "T": float, "monetary_value": float})
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    ends = np.r_[starts[1:], customer.size]
    occasions = ends - starts
    first_day = day[starts]
    last_day = day[ends - 1]
    total = np.add.reduceat(amount, starts)
    repeat = occasions - 1
    monetary = np.where(repeat > 0, (total - amount[starts]) / np.maximum(repeat, 1), 0.0)
    customers = occ.attrs["customers"]
    index = pd.Index(np.asarray(customers)[customer[starts]], name="customer_id")
    return pd.DataFrame(
        {
            "frequency": repeat.astype(np.int64),
            "recency": (last_day - first_day) / days_per_unit,
            "T": (end_day - first_day) / days_per_unit,
            "monetary_value": monetary,
        },
        index=index,
    )


def summary_from_transactions(
    tx: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    unit: str = "W",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    return_col: str | None = "is_return",
    late: Literal["raise", "drop"] = "raise",
) -> pd.DataFrame:
    """Per-customer frequency, recency, T and monetary value from a transaction log.

    Parameters
    ----------
    tx : pandas.DataFrame
        One row per purchase line: customer id, date, amount (currency units).
        An optional boolean ``return_col`` marks returns; returns and negative
        amounts are not purchase occasions.
    observation_end : date-like
        Last day of the observation period (inclusive).
    unit : {"D", "W", "M"}
        Time unit of recency and T: days, weeks (7 days) or months (365.25/12 days).
    customer_col, date_col, amount_col, return_col : str
        Column names (dates: datetime64 or ISO 8601 text).
    late : {"raise", "drop"}
        Rows dated after ``observation_end`` raise :class:`~portfolio_lib.DataValidationError`
        (default), or with ``"drop"`` are left out (then customers whose first purchase is
        later do not appear): pass ``"drop"`` to summarise a longer log up to an earlier day.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (sorted), columns ``frequency`` (int), ``recency``,
        ``T`` (float, in ``unit``), ``monetary_value`` (currency units).
        ``attrs`` holds ``unit`` and ``observation_end``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"],
    ...                    "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> s = summary_from_transactions(tx, observation_end="2024-01-29", unit="W")
    >>> s.to_dict("index")  # doctest: +NORMALIZE_WHITESPACE
    {'a': {'frequency': 1, 'recency': 2.0, 'T': 4.0, 'monetary_value': 20.0},
     'b': {'frequency': 0, 'recency': 0.0, 'T': 3.0, 'monetary_value': 0.0}}
    """
    check_unit(unit)
    end = _validate.day(observation_end)
    occ = _occasions(tx, (customer_col, date_col, amount_col, return_col), end=end, late=late)
    summary = _summarise(occ, _epoch_day(end), UNIT_DAYS[unit])
    summary.index.name = customer_col
    summary.attrs = {"unit": unit, "observation_end": str(end.date())}
    return summary


def calibration_holdout(
    tx: pd.DataFrame,
    *,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp,
    unit: str = "W",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    return_col: str | None = "is_return",
    late: Literal["raise", "drop"] = "raise",
) -> pd.DataFrame:
    """Calibration summary plus what each calibration customer did in the holdout period.

    Parameters
    ----------
    tx : pandas.DataFrame
        Transaction log (see :func:`summary_from_transactions`).
    calibration_end : date-like
        Last day of the calibration period (inclusive).
    observation_end : date-like
        Last day of the holdout period (inclusive); after ``calibration_end``. The rows
        after ``calibration_end`` make the holdout; rows after ``observation_end`` raise
        unless ``late="drop"``.
    unit : {"D", "W", "M"}
        Time unit.
    customer_col, date_col, amount_col, return_col, late
        As in :func:`summary_from_transactions`.

    Returns
    -------
    pandas.DataFrame
        The calibration summary (``frequency``, ``recency``, ``T``,
        ``monetary_value``) of customers who first bought by ``calibration_end``,
        plus ``frequency_holdout`` (purchase occasions in the holdout period),
        ``monetary_holdout`` (mean amount per holdout occasion, 0 if none) and
        ``duration_holdout`` (holdout length in ``unit``).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"],
    ...                    "date": ["2024-01-01", "2024-01-08", "2024-02-05"],
    ...                    "amount": [10.0, 5.0, 20.0]})
    >>> calibration_holdout(tx, calibration_end="2024-01-15",
    ...                     observation_end="2024-02-12")["frequency_holdout"].tolist()
    [1]
    """
    check_unit(unit)
    cal_end = _validate.day(calibration_end, what="calibration_end")
    obs_end = _validate.day(observation_end)
    if obs_end <= cal_end:
        raise ValueError(
            f"observation_end ({obs_end.date()}) must be after calibration_end ({cal_end.date()})"
        )
    columns = (customer_col, date_col, amount_col, return_col)
    occ = _occasions(tx, columns, end=obs_end, late=late)
    cal_day = _epoch_day(cal_end)
    in_calibration = occ["day"].to_numpy() <= cal_day
    cal = _summarise(occ[in_calibration], cal_day, UNIT_DAYS[unit])
    cal.index.name = customer_col
    hold = occ[~in_calibration]
    ids = np.asarray(occ.attrs["customers"])[hold["customer"].to_numpy()]
    grouped = pd.DataFrame({"id": ids, "amount": hold["amount"].to_numpy()}).groupby("id")
    counts = grouped["amount"].size()
    means = grouped["amount"].mean()
    out = cal.copy()
    out["frequency_holdout"] = counts.reindex(out.index, fill_value=0).to_numpy(dtype=np.int64)
    out["monetary_holdout"] = means.reindex(out.index, fill_value=0.0).to_numpy(dtype=float)
    out["duration_holdout"] = (obs_end - cal_end).days / UNIT_DAYS[unit]
    out.attrs = {
        "unit": unit,
        "calibration_end": str(cal_end.date()),
        "observation_end": str(obs_end.date()),
    }
    return out
