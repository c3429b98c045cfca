"""The points ledger of a loyalty programme: balances, liability, redemption and breakage.

A points table has one row per event: ``customer_id``, ``date``, ``points_earned``,
``points_redeemed`` (the transaction table of :mod:`portfolio_lib.crm` has both columns) and,
where the programme records them, ``points_expired``. Where it does not, points can be made
to expire by rule (``expiry_days``): each lot of earned points expires ``expiry_days`` days
after it was earned unless redeemed before, and a redemption uses the oldest points first
(first in, first out).

Definitions (all in points unless said otherwise):

balance
    earned - redeemed - expired, per customer, on ``as_of``.
liability
    balance x ``value_per_point`` (currency units): what the outstanding points would cost if
    all were redeemed.
redemption rate
    redeemed / earned.
breakage rate
    expired / earned: the share of earned points that lapsed unused.
expected liability
    liability x (1 - expired / (expired + redeemed)): outstanding points weighted by the
    share of *settled* points (redeemed or expired) that were redeemed - the usual estimate
    of the points that will still be redeemed (IFRS 15 treats the rest as breakage).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._counts import real_number
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib._results import ResultSummary, SettingsResult

__all__ = ["PointsLedger", "points_ledger"]


@dataclass(frozen=True, repr=False, eq=False)
class PointsLedger(SettingsResult):
    """Points per customer on one day (what :func:`points_ledger` returns).

    Attributes
    ----------
    table : pandas.DataFrame
        Per customer (index named as the customer column): ``earned``, ``redeemed``,
        ``expired``, ``balance`` (points) and ``liability`` (currency units), ``last_date``
        (last event).
    as_of : pandas.Timestamp
        The day the balances are taken (events up to it count; inclusive).
    value_per_point : float
        Cost of one redeemed point (currency units).
    expiry : str
        How points expire: ``"recorded"`` (a column of expired points), ``"after N days"``
        (by rule, first in first out) or ``"never"``.
    movements : pandas.DataFrame
        Every movement of points: customer, ``date``, ``points`` and ``kind`` (``earned``,
        ``redeemed``, ``expired`` - a lapse by rule is dated the day the lot lapsed); what
        :meth:`by_period` sums.
    """

    table: pd.DataFrame
    as_of: pd.Timestamp
    value_per_point: float
    expiry: str
    movements: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _row_name = "customers"

    def by_period(self, period: Literal["W", "M", "Q", "Y"] = "M") -> pd.DataFrame:
        """Points earned, redeemed and expired per calendar period, and what is outstanding.

        Returns
        -------
        pandas.DataFrame
            Index ``period`` (from the first movement to ``as_of``): ``earned``,
            ``redeemed``, ``expired`` (points in the period; expiries on the day a lot
            lapsed), ``outstanding`` (points at the period's end) and ``liability``
            (outstanding x value per point, currency units).

        Examples
        --------
        >>> pts = pd.DataFrame({"customer_id": ["a", "a"], "date": ["2024-01-05", "2024-03-01"],
        ...                     "points_earned": [100, 0], "points_redeemed": [0, 40]})
        >>> points_ledger(pts, value_per_point=0.5).by_period("M")["outstanding"].tolist()
        [100.0, 100.0, 60.0]
        """
        when = self.movements["date"].dt.to_period(period)
        periods = pd.period_range(when.min(), self.as_of.to_period(period), name="period")
        sums = (
            self.movements.assign(period=when)
            .pivot_table(index="period", columns="kind", values="points", aggfunc="sum")
            .reindex(index=periods, columns=["earned", "redeemed", "expired"])
            .fillna(0.0)
        )
        sums.columns.name = None
        sums["outstanding"] = (sums["earned"] - sums["redeemed"] - sums["expired"]).cumsum()
        sums["liability"] = sums["outstanding"] * self.value_per_point
        return sums

    def _total(self, column: str) -> float:
        return float(self.table[column].sum())

    @property
    def liability(self) -> float:
        """Outstanding points x value per point, all customers (currency units)."""
        return self._total("liability")

    @property
    def redemption_rate(self) -> float:
        """Redeemed / earned points (NaN when nothing was earned)."""
        earned = self._total("earned")
        return self._total("redeemed") / earned if earned else float("nan")

    @property
    def breakage_rate(self) -> float:
        """Expired / earned points (NaN when nothing was earned)."""
        earned = self._total("earned")
        return self._total("expired") / earned if earned else float("nan")

    @property
    def expected_liability(self) -> float:
        """Liability x share of settled points that were redeemed (currency units).

        Equal to :attr:`liability` when no point has expired yet (nothing suggests breakage)
        and NaN when no point has been settled.
        """
        settled = self._total("redeemed") + self._total("expired")
        if not settled:
            return float("nan")
        return self.liability * self._total("redeemed") / settled

    def summary(self) -> ResultSummary:
        """Points earned, redeemed, expired and outstanding; the rates and the liability."""

        def rate(value: float) -> str:
            return "n/a" if value != value else f"{value:.1%}"

        expected = self.expected_liability
        rows = (
            ("customers", f"{len(self.table):,}"),
            ("points earned", f"{self._total('earned'):,.0f}"),
            ("points redeemed", f"{self._total('redeemed'):,.0f}"),
            ("points expired", f"{self._total('expired'):,.0f} (expiry: {self.expiry})"),
            ("points outstanding", f"{self._total('balance'):,.0f}"),
            ("redemption rate", rate(self.redemption_rate)),
            ("breakage rate", rate(self.breakage_rate)),
            ("liability", f"{self.liability:,.2f} at {self.value_per_point:g} per point"),
            ("expected liability", "n/a" if expected != expected else f"{expected:,.2f}"),
        )
        note = (
            "Expected liability weights the outstanding points by the share of settled "
            "points (redeemed or expired) that were redeemed."
        )
        return ResultSummary(f"Points ledger on {self.as_of.date()}", rows, (note,))


def _points(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A points column: numeric, whole and >= 0."""
    values = _validate.numeric(frame, column, name="points")
    raise_for_rows(
        frame, (values < 0) | (values != np.floor(values)), column=column,
        problem="must hold whole numbers of points >= 0", name="points",
    )  # fmt: skip
    return values.to_numpy()


def _fifo_expiry(
    customer: np.ndarray,
    day: np.ndarray,
    earned: np.ndarray,
    redeemed: np.ndarray,
    expiry_days: int,
    as_of: np.datetime64,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The lapses of unredeemed lots (first in, first out) up to ``as_of``, and overdrafts.

    Rows are in customer then date order. Returns the lapses (``customer``, ``day`` - the
    lot's earning day plus ``expiry_days`` -, ``points``) and the row positions whose
    redemption exceeds the balance.
    """
    life = np.timedelta64(expiry_days, "D")
    lapses: list[tuple[object, np.datetime64, float]] = []
    overdrawn: list[int] = []
    lots: deque[list] = deque()
    for i in range(len(customer)):
        if i == 0 or customer[i] != customer[i - 1]:
            lots.clear()
        while lots and lots[0][0] + life <= day[i]:
            lot = lots.popleft()
            lapses.append((customer[i], lot[0] + life, lot[1]))
        if earned[i]:
            lots.append([day[i], earned[i]])
        need = redeemed[i]
        while need > 0 and lots:
            used = min(need, lots[0][1])
            lots[0][1] -= used
            need -= used
            if lots[0][1] == 0:
                lots.popleft()
        if need > 0:
            overdrawn.append(i)
        last = i == len(customer) - 1 or customer[i + 1] != customer[i]
        if last:  # lots that lapse after the customer's last event, up to as_of
            lapses += [(customer[i], d + life, p) for d, p in lots if d + life <= as_of]
    frame = pd.DataFrame(lapses, columns=["customer", "day", "points"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame, np.asarray(overdrawn, dtype=np.int64)


def points_ledger(
    points: pd.DataFrame,
    *,
    value_per_point: float,
    as_of: str | pd.Timestamp | None = None,
    expiry_days: int | None = None,
    expired_col: str | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    earned_col: str = "points_earned",
    redeemed_col: str = "points_redeemed",
) -> PointsLedger:
    """Points balance and liability per customer, with the redemption and breakage rates.

    Parameters
    ----------
    points : pandas.DataFrame
        One row per event: ``customer_col``, ``date_col`` (ISO dates), ``earned_col`` and
        ``redeemed_col`` (whole points >= 0), and ``expired_col`` when given.
    value_per_point : float
        What one redeemed point costs the company (currency units, > 0), e.g. 0.01 when
        100 points buy a discount of 1.
    as_of : date, optional
        Day of the balances (default: the last event). Later events raise.
    expiry_days : int, optional
        Points expire this many days after they were earned (first in, first out). Give
        this or ``expired_col``, or neither (points never expire).
    expired_col : str, optional
        A column of points that expired on each row's date, when the programme records it.
    customer_col, date_col, earned_col, redeemed_col : str
        Column names.

    Returns
    -------
    PointsLedger

    Raises
    ------
    DataValidationError
        Missing columns, dates that are not dates, points that are negative or fractional,
        no point earned at all, events after ``as_of``, or a customer who redeems (or loses) more points than they
        hold - the message names the column and shows the rows.

    Examples
    --------
    >>> pts = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                     "date": ["2024-01-01", "2024-02-01", "2024-06-01", "2024-01-10"],
    ...                     "points_earned": [100, 50, 0, 40],
    ...                     "points_redeemed": [0, 0, 30, 0]})
    >>> led = points_ledger(pts, value_per_point=0.01, expiry_days=150)
    >>> led.table["balance"].tolist(), led.table["expired"].tolist()
    ([20.0, 40.0], [100.0, 0.0])
    >>> round(led.liability, 2), round(led.breakage_rate, 3)
    (0.6, 0.526)
    """
    value_per_point = real_number(value_per_point, "value_per_point", 0, strict=True)
    if expiry_days is not None and expired_col is not None:
        raise ValueError("give expiry_days (expiry by rule) or expired_col (recorded), not both")
    if expiry_days is not None:
        expiry_days = _validate.positive_days(expiry_days, "expiry_days")
    columns = [customer_col, date_col, earned_col, redeemed_col]
    if expired_col is not None:
        columns.append(expired_col)
    points = _validate.table(points, name="points")
    require_columns(points, columns, name="points")
    if points.empty:
        raise DataValidationError(f"points has no rows; column {earned_col!r} is empty")
    raise_for_rows(points, points[customer_col].isna(), column=customer_col,
                   problem="must not be missing", name="points")  # fmt: skip
    day = _validate.dates(points, date_col, name="points").dt.normalize()
    end = day.max() if as_of is None else _validate.day(as_of, what="as_of")
    raise_for_rows(points, (day > end).to_numpy(), column=date_col, name="points",
                   problem=f"has dates after as_of {end.date()}")  # fmt: skip
    work = pd.DataFrame(
        {
            "customer": points[customer_col].to_numpy(),
            "day": day.to_numpy(),
            "earned": _points(points, earned_col),
            "redeemed": _points(points, redeemed_col),
            "expired": 0.0 if expired_col is None else _points(points, expired_col),
        }
    )
    work = work.sort_values(["customer", "day"], kind="stable")
    if not work["earned"].any():
        raise DataValidationError(
            f"points: column {earned_col!r} holds no earned points (all {len(work)} rows are "
            "0), so there is no balance to keep; is it the right column?"
        )
    if expiry_days is not None:
        lapses, overdrawn = _fifo_expiry(
            work["customer"].to_numpy(), work["day"].to_numpy(), work["earned"].to_numpy(),
            work["redeemed"].to_numpy(), expiry_days, np.datetime64(end),
        )  # fmt: skip
        bad = np.zeros(len(points), dtype=bool)
        bad[work.index.to_numpy()[overdrawn]] = True
    else:
        lapses = work.loc[work["expired"] > 0, ["customer", "day", "expired"]].rename(
            columns={"expired": "points"}
        )
        running = (
            (work["earned"] - work["redeemed"] - work["expired"]).groupby(work["customer"]).cumsum()
        )
        bad = np.zeros(len(points), dtype=bool)
        bad[work.index.to_numpy()[(running < 0).to_numpy()]] = True
    used = [redeemed_col] + ([expired_col] if expired_col is not None else [])
    raise_for_rows(
        points.reset_index(drop=True), bad, column=[customer_col, date_col, *used], name="points",
        problem="takes more points than the customer holds at that date (redeemed or expired "
        "before earned?)",
    )  # fmt: skip
    movements = pd.concat(
        [
            work.loc[work[kind] > 0, ["customer", "day", kind]]
            .rename(columns={kind: "points"})
            .assign(kind=kind)
            for kind in ("earned", "redeemed")
        ]
        + [lapses.assign(kind="expired")],
        ignore_index=True,
    ).sort_values(["customer", "day"], kind="stable", ignore_index=True)
    grouped = work.groupby("customer", sort=True)
    table = (
        movements.pivot_table(index="customer", columns="kind", values="points", aggfunc="sum")
        .reindex(index=grouped.size().index, columns=["earned", "redeemed", "expired"])
        .fillna(0.0)
    )
    table.columns.name = None
    table["balance"] = table["earned"] - table["redeemed"] - table["expired"]
    table["liability"] = table["balance"] * float(value_per_point)
    table["last_date"] = grouped["day"].max()
    table.index.name = customer_col
    expiry = (
        "recorded"
        if expired_col is not None
        else ("never" if expiry_days is None else f"after {expiry_days} days")
    )
    movements = movements.rename(columns={"customer": customer_col, "day": "date"})
    return PointsLedger(table, end, float(value_per_point), expiry, movements)
