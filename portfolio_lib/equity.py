"""Customer equity: the value of the whole customer base, today's customers and future ones.

Customer equity (müşteri varlığı) is the first aim of CRM in the course: the sum of the
lifetime values of the current customers plus the expected value of the customers still to
be won, net of what winning them costs (Blattberg & Deighton 1996; Gupta, Lehmann & Stuart
2004)::

    equity = sum(CLV of current customers)
             + sum over future periods t = 1..H of
               acquisitions_t * (CLV of a new customer - acquisition cost) / (1 + d) ** t

where ``d`` is the discount rate per period and each cohort is won, and pays its acquisition
cost, at the end of its period. With ``periods=None`` the cohorts go on for ever (a
perpetuity, constant acquisitions): ``n * (clv_new - cac) / d``.

The interval is a nonparametric bootstrap over customers (documented in
:func:`customer_equity`); the CLV of the current customers typically comes from
:func:`portfolio_lib.clv.customer_lifetime_value`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._counts import real_number, whole_number
from portfolio_lib._errors import DataValidationError, as_generator
from portfolio_lib._results import ResultSummary, SettingsResult, TableResult, percent

__all__ = ["CustomerEquity", "customer_equity"]


@dataclass(frozen=True, repr=False, eq=False)
class CustomerEquity(SettingsResult):
    """The value of the customer base (what :func:`customer_equity` returns).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per part (index ``part``: ``"current customers"``, then ``"cohort 1"``,
        ``"cohort 2"``, ... or ``"future cohorts (perpetuity)"``): ``customers`` (count),
        ``value_per_customer`` (CLV, or CLV of a new customer minus the acquisition cost;
        currency units), ``discount_factor``, ``value`` (present value, currency units),
        ``value_low``, ``value_high`` (bootstrap interval of the part).
    equity, equity_low, equity_high : float
        Customer equity and its bootstrap interval (currency units).
    current_value, future_value : float
        The two parts of ``equity`` (currency units).
    discount_rate : float
        Discount rate per period (0.03 = 3 %).
    periods : int or None
        Future periods of acquisitions (None: for ever).
    acquisition_cost : float
        Cost of winning one new customer (currency units).
    interval : float
        Central probability of the intervals.
    n_boot : int
        Bootstrap resamples.
    clv_total_low, clv_total_high : float
        The parameter interval of the current customers' total CLV when ``clv`` was a
        :class:`~portfolio_lib.clv.CLVResult` (NaN otherwise).
    """

    table: pd.DataFrame
    equity: float
    equity_low: float
    equity_high: float
    current_value: float
    future_value: float
    discount_rate: float
    periods: int | None
    acquisition_cost: float
    interval: float
    n_boot: int
    clv_total_low: float = float("nan")
    clv_total_high: float = float("nan")
    _row_name = "parts"

    def summary(self) -> ResultSummary:
        """Equity with its interval, its two parts and the settings.

        Examples
        --------
        >>> r = customer_equity(pd.Series([100.0, 200.0]), new_customer_clv=150.0,
        ...                     acquisitions_per_period=10, acquisition_cost=50.0,
        ...                     periods=1, discount_rate=0.25, seed=1)
        >>> print(r.summary())  # doctest: +NORMALIZE_WHITESPACE
        Customer equity
        ---------------
        customer equity           1,100.00 (90% interval 1,000.00 to 1,200.00)
        current customers         300.00 (2 customers)
        future cohorts            800.00 (acquisitions over 1 period(s))
        discount rate per period  25%
        acquisition cost          50.00 per new customer
        The interval is a bootstrap over customers (1,000 resamples): it shows how much the total would vary with another base of the same size and mix, not the uncertainty of the CLV model's parameters.
        """
        level = percent(self.interval)
        current = self.table.iloc[0]
        horizon = (
            "acquisitions for ever"
            if self.periods is None
            else f"acquisitions over {self.periods} period(s)"
        )
        rows = [
            ("customer equity", f"{self.equity:,.2f} ({level} interval "
                                f"{self.equity_low:,.2f} to {self.equity_high:,.2f})"),
            ("current customers", f"{self.current_value:,.2f} "
                                  f"({int(current['customers']):,} customers)"),
            ("future cohorts", f"{self.future_value:,.2f} ({horizon})"),
            ("discount rate per period", percent(self.discount_rate)),
            ("acquisition cost", f"{self.acquisition_cost:,.2f} per new customer"),
        ]  # fmt: skip
        if self.clv_total_low == self.clv_total_low:
            rows.append(
                ("current CLV, parameter interval",
                 f"{self.clv_total_low:,.2f} to {self.clv_total_high:,.2f}")
            )  # fmt: skip
        note = (
            f"The interval is a bootstrap over customers ({self.n_boot:,} resamples): it shows "
            "how much the total would vary with another base of the same size and mix, not "
            "the uncertainty of the CLV model's parameters."
        )
        return ResultSummary("Customer equity", tuple(rows), (note,))


def _values(value: object, name: str) -> np.ndarray:
    """Per-customer values as a finite float array (a Series, array, list or CLV result)."""
    if isinstance(value, TableResult):
        value = value.table["clv"]
    array = _validate.one_dimensional(value, name=name)
    series = pd.Series(np.asarray(array)) if not isinstance(array, pd.Series) else array
    frame = series.rename(name).to_frame()
    return _validate.numeric(frame, name, name=name).to_numpy()


def customer_equity(
    clv: pd.Series | np.ndarray | TableResult,
    *,
    new_customer_clv: float | pd.Series | np.ndarray,
    acquisitions_per_period: float | Sequence[float],
    acquisition_cost: float,
    discount_rate: float,
    periods: int | None = None,
    interval: float = 0.9,
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
) -> CustomerEquity:
    """Customer equity: CLV of the current customers plus the value of future cohorts.

    Parameters
    ----------
    clv : pandas.Series, array or CLVResult
        CLV of each current customer (currency units, present value today), e.g.
        ``clv.customer_lifetime_value(...)`` (its ``clv`` column is used).
    new_customer_clv : float, or Series/array
        CLV of a newly won customer at the moment of acquisition (currency units): one number,
        or the CLVs of a sample of recently won customers (their mean is used and they are
        resampled in the bootstrap).
    acquisitions_per_period : float or sequence of float
        New customers won per period: one number for every period, or one per period (its
        length then sets the horizon, and ``periods`` must be None or equal to it).
    acquisition_cost : float
        Cost of winning one customer (CAC, currency units).
    discount_rate : float
        Discount rate per period (>= 0; > 0 when ``periods`` is None). For quarters from an
        annual rate ``r``: ``(1 + r) ** 0.25 - 1``.
    periods : int, optional
        Periods of future acquisitions. None with one number of acquisitions: for ever (a
        perpetuity); None with a sequence: its length.
    interval : float
        Central probability of the interval (0.9: the 5 % and 95 % points).
    n_boot : int
        Bootstrap resamples (>= 100).
    seed : int or numpy.random.Generator, optional
        Randomness of the bootstrap.

    Returns
    -------
    CustomerEquity

    Notes
    -----
    The interval resamples the current customers with replacement (the same number) and,
    when ``new_customer_clv`` is a sample, that sample too, and recomputes the equity; the
    acquisition plan and the costs are held fixed. It reflects how much the total rests on
    a few large customers, not the uncertainty of the CLV model's parameters (for that, see
    the interval of the :class:`~portfolio_lib.clv.CLVResult`, shown in the summary when
    one is passed).

    Examples
    --------
    >>> r = customer_equity(pd.Series([100.0, 200.0, 300.0]), new_customer_clv=150.0,
    ...                     acquisitions_per_period=10, acquisition_cost=50.0,
    ...                     periods=2, discount_rate=0.1, seed=1)
    >>> round(r.equity, 2), round(r.future_value, 2)
    (2335.54, 1735.54)
    """
    interval = _validate.confidence(interval, name="interval")
    n_boot = whole_number(n_boot, "n_boot", 100)
    current = _values(clv, "clv")
    if current.size == 0:
        raise DataValidationError("clv has no customers; column 'clv' is empty")
    if isinstance(new_customer_clv, int | float | np.integer | np.floating) and not isinstance(
        new_customer_clv, bool
    ):
        new_sample = np.array([real_number(new_customer_clv, "new_customer_clv")])
    else:
        new_sample = _values(new_customer_clv, "new_customer_clv")
        if new_sample.size == 0:
            raise DataValidationError("new_customer_clv has no customers")
    cac = real_number(acquisition_cost, "acquisition_cost", 0)
    rate = real_number(discount_rate, "discount_rate", 0)
    if np.ndim(acquisitions_per_period) == 0:
        n_new = real_number(acquisitions_per_period, "acquisitions_per_period", 0)
        if periods is None and rate == 0:
            raise ValueError("discount_rate must be > 0 when acquisitions go on for ever")
        counts = None if periods is None else np.full(whole_number(periods, "periods", 1), n_new)
    else:
        counts = np.array(
            [real_number(v, "acquisitions_per_period", 0) for v in acquisitions_per_period]
        )
        if counts.size == 0 or (
            periods is not None and whole_number(periods, "periods", 1) != counts.size
        ):
            raise ValueError(
                f"acquisitions_per_period has {counts.size} periods but periods={periods!r}"
            )
        periods = counts.size
    if counts is None:  # a perpetuity: sum over t >= 1 of (1 + d) ** -t = 1 / d
        labels, n_cust = ["future cohorts (perpetuity)"], np.array([n_new])
        factor_col = np.array([1.0 / rate])
    else:
        labels = [f"cohort {t}" for t in range(1, counts.size + 1)]
        n_cust = counts
        factor_col = (1.0 + rate) ** -np.arange(1, counts.size + 1, dtype=float)

    def parts(cur: np.ndarray, new_mean: np.ndarray) -> np.ndarray:
        """Present value of each part, per resample (rows) - current first."""
        future = np.outer(new_mean - cac, n_cust * factor_col)
        return np.column_stack([cur, future])

    point = parts(np.array([current.sum()]), np.array([new_sample.mean()]))[0]
    rng = as_generator(seed)
    boot_cur = current[rng.integers(0, current.size, (n_boot, current.size))].sum(axis=1)
    if new_sample.size > 1:
        idx = rng.integers(0, new_sample.size, (n_boot, new_sample.size))
        boot_new = new_sample[idx].mean(axis=1)
    else:
        boot_new = np.full(n_boot, new_sample[0])
    boot = parts(boot_cur, boot_new)
    tail = (1 - interval) / 2
    low, high = np.quantile(boot, [tail, 1 - tail], axis=0)
    total_low, total_high = np.quantile(boot.sum(axis=1), [tail, 1 - tail])
    table = pd.DataFrame(
        {
            "customers": np.concatenate([[current.size], n_cust]),
            "value_per_customer": np.concatenate([[current.mean()], [new_sample.mean() - cac]
                                                  * len(labels)]),
            "discount_factor": np.concatenate([[1.0], factor_col]),
            "value": point,
            "value_low": low,
            "value_high": high,
        },
        index=pd.Index(["current customers", *labels], name="part"),
    )  # fmt: skip
    clv_low = clv_high = float("nan")
    if isinstance(clv, TableResult):
        clv_low = float(getattr(clv, "total_clv_low", float("nan")))
        clv_high = float(getattr(clv, "total_clv_high", float("nan")))
    return CustomerEquity(
        table, float(point.sum()), float(total_low), float(total_high), float(point[0]),
        float(point[1:].sum()), rate, periods, cac, interval, int(n_boot), clv_low, clv_high,
    )  # fmt: skip
