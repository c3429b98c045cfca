r"""Customer lifetime value: model-based CLV with intervals, and the simple formulas.

Model-based CLV (the probability-model approach of Fader, Hardie & Lee 2005b)
combines a purchase model (:class:`~portfolio_lib.clv.BetaGeo` or
:class:`~portfolio_lib.clv.ParetoNBD`) with the
:class:`~portfolio_lib.clv.GammaGamma` spend model:

.. math::

   \mathrm{CLV}_i = m \cdot E[\text{spend}_i] \sum_{k=1}^{K}
       \frac{E[Y_i(t_k)] - E[Y_i(t_{k-1})]}{(1+d)^{t_k \cdot \text{years per unit}}}

with ``t_k = k * step`` time units (the last step ends at the horizon): the
expected purchases of each step are discounted from the *end* of the step, as
in lifetimes' ``_customer_lifetime_value``; ``d`` is an **annual** rate, one for
everybody or one per customer (a Series indexed like the summary, e.g. by country or
by the cost of capital of each business unit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, as_generator, raise_for_rows
from portfolio_lib._results import ResultSummary, TableResult
from portfolio_lib.clv._base import PurchaseModel
from portfolio_lib.clv._fitting import sorted_codes, unique_rows
from portfolio_lib.clv._validation import YEARS_PER_UNIT, check_unit, validate_summary
from portfolio_lib.clv.gammagamma import GammaGamma
from portfolio_lib.clv.spend import MeanSpend
from portfolio_lib.clv.summary import purchase_occasions

__all__ = [
    "CLVResult",
    "customer_lifetime_value",
    "discounted_expected_purchases",
    "margin_multiple_clv",
    "historical_clv",
    "clv_cac_ratio",
]


_UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months"}


@dataclass(frozen=True, repr=False, eq=False)
class CLVResult(TableResult):
    """Per-customer CLV and the settings that produced it (what
    :func:`customer_lifetime_value` returns).

    ``result["clv"]`` and ``len(result)`` reach the table directly; ``result.summary()``
    gives the customers, the total CLV with its interval and the settings. The table is a
    plain DataFrame: join or merge it freely, the settings stay on the result (its
    ``attrs`` hold them too, for code written when the function returned the table).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed like the summary: ``expected_purchases`` (undiscounted, over the horizon),
        ``discounted_purchases``, ``expected_spend`` (per purchase, currency units),
        ``clv`` (at the estimates), ``clv_low``, ``clv_high`` (currency units).
    horizon : float
        Length of the future period, in ``unit``.
    unit : str
        Time unit of the summary and the models (``"D"``, ``"W"`` or ``"M"``).
    annual_discount_rate : float or pandas.Series
        Discount rate per year (0.10 = 10 %), or one per customer (indexed like the table).
    margin : float
        Profit margin as a share of revenue.
    step : float
        Length of one discounting step, in ``unit``.
    interval : float
        Central probability of the intervals (0.9: the 5 % and 95 % points).
    n_draws : int
        Parameter draws asked for.
    n_draws_used : int
        Draws the intervals rest on (draws with an infinite mean spend or an overflowing
        CLV are left out).
    purchase_model_name, spend_model_name : str
        The models combined, e.g. ``"BG/NBD"`` and ``"Gamma-Gamma"``.
    total_clv : float
        Sum of ``clv`` over the customers (currency units).
    total_clv_low, total_clv_high : float
        Interval of the total from the same draws: the quantiles of the total of each
        draw, narrower than the sum of the per-customer bounds (NaN without usable draws).
    """

    table: pd.DataFrame
    horizon: float
    unit: str
    annual_discount_rate: float | pd.Series
    margin: float
    step: float
    interval: float
    n_draws: int
    n_draws_used: int
    purchase_model_name: str
    spend_model_name: str
    total_clv: float
    total_clv_low: float
    total_clv_high: float

    def summary(self) -> ResultSummary:
        """Customers, total CLV with its interval, and the settings, as a short table.

        Examples
        --------
        >>> import pandas as pd
        >>> table = pd.DataFrame({"clv": [10.0, 30.0]}, index=["a", "b"])
        >>> result = CLVResult(table, 52, "W", 0.1, 0.3, 1.0, 0.9, 100, 98, "BG/NBD",
        ...                    "Gamma-Gamma", 40.0, 31.5, 52.25)
        >>> print(result.summary())  # doctest: +NORMALIZE_WHITESPACE
        Customer lifetime value: BG/NBD x Gamma-Gamma
        ---------------------------------------------
        customers                2
        total CLV                40.00 (90% interval 31.50 to 52.25)
        mean CLV per customer    20.00
        horizon                  52 weeks, discounted in steps of 1
        annual discount rate     10%
        margin                   0.3 of revenue
        parameter draws          98 of 100 used
        The interval reflects the uncertainty of the model parameters only, not the randomness of a single customer's future.
        """
        level = f"{100 * self.interval:g}%"
        n = len(self.table)
        rows = (
            ("customers", f"{n:,}"),
            (
                "total CLV",
                f"{self.total_clv:,.2f} ({level} interval "
                f"{self.total_clv_low:,.2f} to {self.total_clv_high:,.2f})",
            ),
            ("mean CLV per customer", f"{self.total_clv / n:,.2f}" if n else "n/a"),
            (
                "horizon",
                f"{self.horizon:g} {_UNIT_NAMES.get(self.unit, self.unit)}, "
                f"discounted in steps of {self.step:g}",
            ),
            ("annual discount rate", _describe_rate(self.annual_discount_rate)),
            ("margin", f"{self.margin:g} of revenue"),
            ("parameter draws", f"{self.n_draws_used} of {self.n_draws} used"),
        )
        note = (
            "The interval reflects the uncertainty of the model parameters only, "
            "not the randomness of a single customer's future."
        )
        title = f"Customer lifetime value: {self.purchase_model_name} x {self.spend_model_name}"
        return ResultSummary(title, rows, (note,))

    def __repr__(self) -> str:
        return (
            f"CLVResult({len(self.table)} customers, total_clv={self.total_clv:,.2f} "
            f"[{100 * self.interval:g}%: {self.total_clv_low:,.2f} to {self.total_clv_high:,.2f}], "
            f"horizon={self.horizon:g} {self.unit!r}, "
            f"annual_discount_rate={_describe_rate(self.annual_discount_rate)}, "
            f"margin={self.margin:g})"
        )


def _time_grid(horizon: float, step: float) -> np.ndarray:
    if not (np.isfinite(horizon) and horizon > 0):
        raise ValueError(f"horizon must be a positive number of time units, got {horizon}")
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"step must be positive, got {step}")
    n_steps = int(np.ceil(horizon / step - 1e-9))
    grid = np.minimum(np.arange(1, n_steps + 1) * step, horizon)
    return grid


def _describe_rate(rate: float | pd.Series) -> str:
    """``"10%"``, or ``"per customer, 5% to 12%"`` for a Series of rates."""
    if isinstance(rate, pd.Series):
        if len(rate) == 0:
            return "per customer"
        return f"per customer, {100 * rate.min():g}% to {100 * rate.max():g}%"
    return f"{100 * rate:g}%"


def _rates_per_customer(rate: object, frame: pd.DataFrame) -> float | pd.Series:
    """The annual discount rate checked: a number, or a Series with one rate per customer.

    A Series is aligned on the summary's index (customer id): every customer needs a
    rate (extra ids in the Series are not used), each id once, each rate a finite number
    above -1. The result is the Series reindexed like ``frame``.

    Raises
    ------
    ValueError
        A single rate that is not a finite number above -1.
    DataValidationError
        A Series with missing customers, repeated ids or bad rates (naming them); any
        other container (a list or array would be matched by position, not by customer).

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1, 2]}, index=["a", "b"])
    >>> _rates_per_customer(pd.Series({"b": 0.2, "a": 0.1, "z": 0.3}), frame).tolist()
    [0.1, 0.2]
    """
    if isinstance(rate, pd.Series):
        if rate.index.has_duplicates:
            repeated = rate.index[rate.index.duplicated()].unique()
            raise DataValidationError(
                f"annual_discount_rate: customer id(s) given more than once: {list(repeated[:5])}"
            )
        missing = frame.index.difference(rate.index)
        if len(missing):
            raise DataValidationError(
                f"annual_discount_rate: no rate for {len(missing)} of {len(frame)} customer(s) "
                f"of the summary, e.g. {list(missing[:5])}; give one rate per customer id "
                "(the Series is matched on the summary's index)"
            )
        aligned = rate.reindex(frame.index)
        numbers = pd.to_numeric(aligned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        values = pd.Series(numbers, index=frame.index)
        raise_for_rows(
            pd.DataFrame({"annual_discount_rate": aligned}),
            ~(np.isfinite(numbers) & (numbers > -1)),
            column="annual_discount_rate",
            problem="must be a finite number above -1 (0.10 = 10 % a year)",
            name="annual_discount_rate",
        )
        return values.rename("annual_discount_rate")
    if isinstance(rate, (pd.DataFrame, np.ndarray, list, tuple)):
        raise DataValidationError(
            "annual_discount_rate must be a number or a pandas Series indexed by customer id "
            f"(like the summary), got a {type(rate).__name__}"
        )
    try:
        value = float(rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"annual_discount_rate must be a number, got {rate!r}") from None
    if not (np.isfinite(value) and value > -1):
        raise ValueError("annual_discount_rate must be a finite number > -1")
    return value


def _discount_factors(rates: np.ndarray | float, grid: np.ndarray, unit: str) -> np.ndarray:
    """Discount factor of each grid time: (grid,) for one rate, (grid, rows) for one per row."""
    years = grid * YEARS_PER_UNIT[unit]
    if np.ndim(rates) == 0:
        return (1 + float(rates)) ** (-years)
    return (1 + np.asarray(rates, dtype=float)[None, :]) ** (-years[:, None])


def _discounted_if_alive(model: PurchaseModel, params: np.ndarray, grid, discount, x, T):
    """Discounted and undiscounted expected purchases of an active customer, per (x, T) row.

    ``params`` may be a vector or a matrix of draws (then the results are (draws, rows));
    ``discount`` holds one factor per grid time, or one row of factors per (x, T) row.
    """
    previous = 0.0
    discounted = 0.0
    for t_k, factor in zip(grid, discount, strict=True):
        current = model._expected_if_alive(params, t_k, x, T)
        discounted = discounted + factor * (current - previous)
        previous = current
    return np.asarray(discounted), np.asarray(previous)


def _discounted_purchases(
    model: PurchaseModel, params: np.ndarray, grid: np.ndarray, unit: str, x, t_x, T, rate,
    xT=None,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Discounted and undiscounted expected purchases over the grid (params may be draws).

    P(alive) is computed once per history; the expected purchases of an active customer
    depend only on (x, T) (and the discount rate), so they are computed once per
    distinct (x, T, rate) (``xT``: those rows from :func:`_xT_rows`, when known).
    """
    alive = model._prob_alive(params, x, t_x, T)
    disc, total, codes = _discounted_per_xT(model, params, grid, unit, x, T, rate, xT)
    return disc[..., codes] * alive, total[..., codes] * alive


def _xT_rows(x, T, rate) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Distinct (x, T[, rate]) rows of the histories and each history's position among them."""
    columns = {"x": np.asarray(x, float), "T": np.asarray(T, float)}
    if np.ndim(rate) == 1:
        columns["rate"] = np.asarray(rate, float)
    return unique_rows(columns)


def _discounted_per_xT(model, params, grid, unit, x, T, rate, xT=None):
    """Discounted and undiscounted purchases of an active customer per distinct (x, T, rate),
    and each row's position among those (``xT``: :func:`_xT_rows` of the rows, when known)."""
    rows, codes = _xT_rows(x, T, rate) if xT is None else xT
    discount = _discount_factors(rows["rate"] if "rate" in rows else rate, grid, unit)
    disc, total = _discounted_if_alive(model, params, grid, discount, rows["x"], rows["T"])
    return disc, total, codes


#: Parameter draws x histories handled at once for the CLV intervals: a block of a few MB
#: stays in the processor's cache between the dozen operations on it (2,000,000 cells
#: took 30 % longer on 2,000,000 customers).
_CHUNK_CELLS = 200_000


def _alive_blocks(model: PurchaseModel, draws: np.ndarray, x, t_x, T):
    """``f(lo, hi)``: P(alive) of rows ``lo:hi`` under the draws, shape (hi - lo, draws).

    The model's own ``_alive_blocks`` when it has one (BG/NBD: logarithms once per distinct
    value), else its ``_prob_alive`` on the block, transposed.
    """
    blocks = getattr(model, "_alive_blocks", None)
    if blocks is not None:
        return blocks(draws, x, t_x, T)
    return lambda lo, hi: model._prob_alive(draws, x[lo:hi], t_x[lo:hi], T[lo:hi]).T


def _require_model(model: object, name: str, methods: tuple[str, ...], kinds: str) -> None:
    """TypeError naming the argument when ``model`` is not one of the fitted models expected."""
    if not all(hasattr(model, m) for m in ("_check_fitted", *methods)):
        raise TypeError(f"{name} must be a {kinds}, got {type(model).__name__}")


def _one_row_per_customer(frame: pd.DataFrame) -> None:
    """DataValidationError when the summary's index repeats a customer id (the result,
    indexed like it, would repeat the id: e.g. two batches concatenated)."""
    if frame.index.has_duplicates:
        repeated = frame.index[frame.index.duplicated()].unique()
        raise DataValidationError(
            f"summary: {len(repeated)} customer id(s) appear on more than one row of the index, "
            f"e.g. {list(repeated[:5])}; give one row per customer (reset or fix the index)"
        )


_PURCHASE_KINDS = "fitted purchase model (BetaGeo, ParetoNBD, ModifiedBetaGeo, ...)"
_SPEND_KINDS = "fitted spend model (GammaGamma or MeanSpend)"


def _check_unit_against_model(model, unit: str) -> None:
    fitted_unit = getattr(model, "unit_", None)
    if fitted_unit is not None and fitted_unit != unit:
        raise ValueError(
            f"unit={unit!r} but the purchase model was fitted on a summary in {fitted_unit!r}"
        )


def discounted_expected_purchases(
    purchase_model: PurchaseModel,
    summary: pd.DataFrame,
    *,
    horizon: float,
    unit: str,
    annual_discount_rate: float | pd.Series,
    step: float = 1.0,
) -> pd.Series:
    """Expected repeat purchases over ``horizon``, each step discounted (see module doc).

    Parameters
    ----------
    purchase_model : BetaGeo or ParetoNBD
        Fitted purchase model.
    summary : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` per customer, in ``unit``.
    horizon : float
        Length of the future period, in ``unit``.
    unit : {"D", "W", "M"}
        Time unit of the summary and the model.
    annual_discount_rate : float or pandas.Series
        Discount rate per year (0.10 = 10 %), or one per customer: a Series indexed like
        ``summary`` (matched on the customer id, not by position).
    step : float
        Length of one cash-flow step, in ``unit``.

    Returns
    -------
    pandas.Series
        Discounted expected purchases per customer.

    Raises
    ------
    DataValidationError
        Per-customer rates that miss a customer, repeat an id or are not above -1.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.clv import BetaGeo
    >>> model = BetaGeo.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> summary = pd.DataFrame({"frequency": [2, 2], "recency": [30.43, 30.43],
    ...                         "T": [38.86, 38.86]}, index=["ann", "bob"])
    >>> rates = pd.Series({"bob": 0.30, "ann": 0.05})
    >>> d = discounted_expected_purchases(model, summary, horizon=52, unit="W",
    ...                                   annual_discount_rate=rates)
    >>> bool(d["ann"] > d["bob"])  # the higher rate discounts more
    True
    """
    check_unit(unit)
    _require_model(purchase_model, "purchase_model", ("_prob_alive",), _PURCHASE_KINDS)
    _check_unit_against_model(purchase_model, unit)
    params = purchase_model._check_fitted()
    frame = validate_summary(summary, columns=("frequency", "recency", "T"))
    _one_row_per_customer(frame)
    rates = _rates_per_customer(annual_discount_rate, frame)
    grid = _time_grid(horizon, step)
    hist, codes = _histories(frame, rates)
    disc, _ = _discounted_purchases(
        purchase_model, params, grid, unit, hist["frequency"], hist["recency"], hist["T"],
        hist.get("rate", rates),
    )  # fmt: skip
    return pd.Series(disc[codes], index=frame.index, name="discounted_purchases")


def _histories(frame: pd.DataFrame, rates: float | pd.Series):
    """Distinct (frequency, recency, T[, rate]) rows of the summary and each customer's row."""
    columns = {c: frame[c].to_numpy(float) for c in ("frequency", "recency", "T")}
    if isinstance(rates, pd.Series):
        columns["rate"] = rates.to_numpy(float)
    return unique_rows(columns)


def _clv_draw_quantiles(
    purchase_model, spend_model, p_draws, s_draws, grid, unit, margin, interval,
    histories, spends, ph, ps, pair_counts, xT=None,
):  # fmt: skip
    """Interval bounds of the CLV per (history, spend) pair, and each draw's total CLV.

    Works through the pairs in chunks of histories (the pairs are sorted by history), so
    memory stays at about :data:`_CHUNK_CELLS` numbers per array whatever the number of
    customers, besides one table of the spend of every distinct spend row and draw when it
    holds at most :data:`_SPEND_CELLS` numbers (up to 256 MB, :func:`_spend_blocks`); the
    expected purchases of an active customer are computed once per
    distinct (x, T) (and rate, when each history carries its own discount rate ``hr``;
    else ``hr`` is the one rate), P(alive) once per history, and each block is laid out
    (pairs, draws) so that one sort of its rows gives every quantile. A draw that gives a
    non-finite value anywhere has a non-finite total.
    """
    hx, ht, hT, hr = histories
    sx, sz = spends
    n_draws = len(p_draws)
    n_pairs = len(ph)
    low = np.full(n_pairs, np.nan)
    high = np.full(n_pairs, np.nan)
    totals = np.zeros(n_draws)
    if n_draws == 0:
        return low, high, np.full(0, np.nan)
    disc_alive, _, xT_codes = _discounted_per_xT(
        purchase_model, p_draws, grid, unit, hx, hT, hr, xT
    )
    disc_rows = np.ascontiguousarray(disc_alive.T)  # (distinct (x, T), draws)
    alive_of = _alive_blocks(purchase_model, p_draws, hx, ht, hT)
    spend_of = _spend_blocks(spend_model, s_draws, sx, sz, margin)
    tail = (1 - interval) / 2
    per_chunk = max(1, _CHUNK_CELLS // n_draws)
    starts = np.searchsorted(ph, np.arange(0, len(hx) + per_chunk, per_chunk))
    for lo, hi in zip(starts[:-1], starts[1:], strict=True):
        if hi <= lo:
            continue
        h = ph[lo:hi]
        h_first, h_end = int(h[0]), int(h[-1]) + 1
        disc = disc_rows[xT_codes[h_first:h_end]]
        disc *= alive_of(h_first, h_end)
        values = spend_of(ps[lo:hi])  # margin * spend, (pairs, draws)
        values *= disc[h - h_first]
        totals += np.einsum("kd,k->d", values, pair_counts[lo:hi])
        values.sort(axis=1)
        low[lo:hi], high[lo:hi] = _sorted_row_quantiles(values, (tail, 1 - tail))
    return low, high, totals


#: Largest spend rows x draws whose spend is computed once for all the pairs (8 bytes each).
_SPEND_CELLS = 32_000_000


def _spend_blocks(spend_model, draws: np.ndarray, x: np.ndarray, zbar: np.ndarray, margin: float):
    """``f(rows)``: margin times the expected spend of spend rows ``rows`` under the draws,
    a new C-ordered (len(rows), draws) array.

    When the distinct spend rows are few enough (:data:`_SPEND_CELLS`), the spend of every
    row and draw is computed once and ``f`` gathers rows of it; else ``f`` asks the model
    for the rows it is given. Both give the same numbers.
    """
    n_draws = len(draws)

    def compute(rows) -> np.ndarray:
        spend = spend_model._expected_spend(draws, x[rows], zbar[rows])  # (draws, rows)
        out = np.empty((len(x[rows]), n_draws))
        np.multiply(margin, np.broadcast_to(spend, (n_draws, out.shape[0])).T, out=out)
        return out

    if len(x) * n_draws > _SPEND_CELLS:
        return compute
    table = np.empty((len(x), n_draws))
    step = max(1, _CHUNK_CELLS // n_draws)
    for lo in range(0, len(x), step):
        table[lo : lo + step] = compute(slice(lo, lo + step))
    return lambda rows: table[rows]


def _sorted_row_quantiles(rows: np.ndarray, probs: tuple[float, ...]) -> list[np.ndarray]:
    """``np.quantile(rows, probs, axis=1)`` (linear interpolation, same numbers) of rows
    already sorted along axis 1.

    Examples
    --------
    >>> v = np.arange(12.0).reshape(3, 4)
    >>> [q.tolist() for q in _sorted_row_quantiles(v, (0.25, 0.5))]
    [[0.75, 4.75, 8.75], [1.5, 5.5, 9.5]]
    """
    n = rows.shape[1]
    out = []
    for p in probs:
        pos = p * (n - 1)
        below = min(int(np.floor(pos)), n - 1)
        above = min(below + 1, n - 1)
        low, high = rows[:, below], rows[:, above]
        frac = pos - below
        diff = high - low
        # numpy's _lerp: from the nearer end, so that frac 0 and 1 give the values exactly
        out.append(high - diff * (1 - frac) if frac >= 0.5 else low + diff * frac)
    return out


def customer_lifetime_value(
    purchase_model: PurchaseModel,
    spend_model: GammaGamma | MeanSpend,
    summary: pd.DataFrame,
    *,
    horizon: float,
    unit: str,
    annual_discount_rate: float,
    margin: float = 1.0,
    step: float = 1.0,
    interval: float = 0.9,
    n_draws: int = 200,
    seed: int | np.random.Generator | None = None,
) -> CLVResult:
    """Per-customer CLV over a finite horizon, with an interval from parameter uncertainty.

    Parameters
    ----------
    purchase_model : BetaGeo or ParetoNBD
        Fitted purchase model (its ``unit_`` must equal ``unit`` when known).
    spend_model : GammaGamma or MeanSpend
        Fitted spend model (:func:`~portfolio_lib.clv.fit_spend_model` chooses).
    summary : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` (in ``unit``) and ``monetary_value``
        (currency units) per customer.
    horizon : float
        Length of the future period, in ``unit`` (e.g. 52 weeks).
    unit : {"D", "W", "M"}
        Time unit of the summary and the models; used to convert the annual rate.
    annual_discount_rate : float or pandas.Series
        Discount rate **per year** (0.10 = 10 %); a cash flow at ``t`` units is
        divided by ``(1 + rate) ** (t * years_per_unit)``. A Series gives each customer
        its own rate (e.g. by country): it is matched on the summary's index (customer
        id), must hold a rate for every customer, each id once, each rate above -1.
    margin : float
        Profit margin as a share of revenue (1.0 gives revenue-based CLV).
    step : float
        Length of one discounting step, in ``unit``: purchases expected in each
        step are discounted from its end (lifetimes' convention).
    interval : float
        Central probability of the interval (0.9 gives the 5 % and 95 % points).
    n_draws : int
        Parameter vectors drawn from the asymptotic normal distribution of the
        log-parameters of each model (independently); CLV is recomputed for each.
    seed : int or numpy.random.Generator, optional
        Source of randomness for the draws.

    Returns
    -------
    CLVResult
        ``table`` indexed like ``summary``: ``expected_purchases`` (undiscounted, over
        the horizon), ``discounted_purchases``, ``expected_spend`` (per purchase,
        currency units), ``clv`` (at the estimates), ``clv_low``, ``clv_high``; the
        settings, the draws used and the total CLV with its interval beside it
        (``result["clv"]`` is the column, ``result.summary()`` the overview). The
        intervals reflect estimation uncertainty of the model parameters only, not the
        randomness of a single customer's future.

        Before, the function returned the table itself with the settings in ``attrs``
        (which pandas drops on ``join``); ``result.table.attrs`` still holds them, and
        DataFrame methods called on the result still work with a ``FutureWarning``.

    Examples
    --------
    >>> from portfolio_lib.clv import (BetaGeo, GammaGamma, simulate_bgnbd,
    ...                                simulate_gamma_gamma_spend)
    >>> data = simulate_bgnbd(1500, r=0.8, alpha=8, a=1, b=4, T=52, seed=3)
    >>> data["monetary_value"] = simulate_gamma_gamma_spend(
    ...     data["frequency"], p=6, q=3.5, gamma=20, seed=4)["monetary_value"]
    >>> clv = customer_lifetime_value(BetaGeo().fit(data), GammaGamma().fit(data), data,
    ...     horizon=52, unit="W", annual_discount_rate=0.1, n_draws=50, seed=0)
    >>> bool((clv["clv_low"] <= clv["clv"]).all() and (clv["clv"] <= clv["clv_high"]).all())
    True
    >>> len(clv), bool(clv.total_clv_low <= clv.total_clv <= clv.total_clv_high)
    (1500, True)
    """
    check_unit(unit)
    _require_model(purchase_model, "purchase_model", ("_prob_alive",), _PURCHASE_KINDS)
    _require_model(spend_model, "spend_model", ("_expected_spend",), _SPEND_KINDS)
    _check_unit_against_model(purchase_model, unit)
    if not 0 < interval < 1:
        raise ValueError(f"interval must be in (0, 1), got {interval}")
    if int(n_draws) < 2:
        raise ValueError("n_draws must be at least 2")
    frame = validate_summary(summary, columns=("frequency", "recency", "T", "monetary_value"))
    _one_row_per_customer(frame)
    rates = _rates_per_customer(annual_discount_rate, frame)
    purchase_params = purchase_model._check_fitted()
    spend_params = spend_model._check_fitted()
    grid = _time_grid(horizon, step)

    # Everything is computed once per distinct row and broadcast back: purchases depend on
    # the history (x, t_x, T[, discount rate]), spend on (x, zbar), the CLV on the pair.
    hist, hist_codes = _histories(frame, rates)
    hx, ht, hT = hist["frequency"], hist["recency"], hist["T"]
    hr = hist.get("rate", rates)
    spend_rows, spend_codes = unique_rows(
        {c: frame[c].to_numpy(float) for c in ("frequency", "monetary_value")}
    )
    sx, sz = spend_rows["frequency"], spend_rows["monetary_value"]
    # the distinct (history, spend row) pairs, sorted: the pairs of one history are contiguous
    n_spend = len(sx)
    pair_codes, pair_keys = sorted_codes(hist_codes * n_spend + spend_codes)
    ph, ps = np.divmod(pair_keys, n_spend)
    pair_counts = np.bincount(pair_codes, minlength=len(ph)).astype(float)

    xT = _xT_rows(hx, hT, hr)
    disc, undisc = _discounted_purchases(
        purchase_model, purchase_params, grid, unit, hx, ht, hT, hr, xT
    )
    spend = spend_model._expected_spend(spend_params, sx, sz)
    point_pair = margin * spend[ps] * disc[ph]
    point = point_pair[pair_codes]

    rng = as_generator(seed)
    p_draws = purchase_model.sample_params(n_draws, seed=rng).to_numpy()
    s_draws = spend_model.sample_params(n_draws, seed=rng).to_numpy()
    valid = spend_model._usable_draws(s_draws)  # e.g. Gamma-Gamma needs q > 1 for a finite mean
    p_draws, s_draws = p_draws[valid], s_draws[valid]
    low_pair, high_pair, draw_totals = _clv_draw_quantiles(
        purchase_model, spend_model, p_draws, s_draws, grid, unit, margin, interval,
        (hx, ht, hT, hr), (sx, sz), ph, ps, pair_counts, xT,
    )  # fmt: skip
    # A draw far in the tail can overflow (e.g. 0 * inf for a huge ``a``): drop the whole
    # draw, as draws with q <= 1 are dropped above, rather than let one NaN blank every interval.
    finite = np.isfinite(draw_totals)
    if not finite.all() and finite.any():
        low_pair, high_pair, draw_totals = _clv_draw_quantiles(
            purchase_model, spend_model, p_draws[finite], s_draws[finite], grid, unit,
            margin, interval, (hx, ht, hT, hr), (sx, sz), ph, ps, pair_counts, xT,
        )  # fmt: skip
    tail = (1 - interval) / 2
    total = float(point.sum())
    if finite.any():
        low, high = low_pair[pair_codes], high_pair[pair_codes]
        total_low, total_high = np.quantile(draw_totals[np.isfinite(draw_totals)], [tail, 1 - tail])
        total_low, total_high = min(float(total_low), total), max(float(total_high), total)
    else:
        low = high = np.full(len(point), np.nan)
        total_low = total_high = float("nan")
    out = pd.DataFrame(
        {
            "expected_purchases": undisc[hist_codes],
            "discounted_purchases": disc[hist_codes],
            "expected_spend": spend[spend_codes],
            "clv": point,
            "clv_low": np.minimum(low, point),
            "clv_high": np.maximum(high, point),
        },
        index=frame.index,
    )
    settings = {
        "horizon": horizon,
        "unit": unit,
        "annual_discount_rate": rates,
        "margin": margin,
        "interval": interval,
        "n_draws_used": int(finite.sum()),
    }
    # kept for code written when the table was the result; per-customer rates are described
    # there, not copied (pandas copies attrs with every operation on the table)
    out.attrs = dict(settings)
    if isinstance(rates, pd.Series):
        out.attrs["annual_discount_rate"] = _describe_rate(rates)
    return CLVResult(
        table=out,
        step=step,
        n_draws=int(n_draws),
        purchase_model_name=getattr(purchase_model, "_model_name", type(purchase_model).__name__),
        spend_model_name=getattr(spend_model, "_model_name", type(spend_model).__name__),
        total_clv=total,
        total_clv_low=total_low,
        total_clv_high=total_high,
        **settings,
    )


def margin_multiple_clv(
    margin: float,
    retention_rate: float,
    discount_rate: float,
    *,
    timing: str = "end",
) -> float:
    """Infinite-horizon CLV with constant margin and retention (Gupta & Lehmann 2005).

    Parameters
    ----------
    margin : float
        Margin per period (currency units), ``m``.
    retention_rate : float
        Per-period retention ``r`` in [0, 1].
    discount_rate : float
        Per-period discount rate ``d`` (> 0 or at least ``1 + d > r``).
    timing : {"end", "start"}
        ``"end"``: margin received at the end of each period, ``m r / (1 + d - r)``;
        ``"start"``: at the start (the first one now), ``m (1 + d) / (1 + d - r)``.

    Returns
    -------
    float
        CLV in currency units.

    Examples
    --------
    >>> round(margin_multiple_clv(100, 0.8, 0.12), 6)
    250.0
    >>> round(margin_multiple_clv(100, 0.8, 0.12, timing="start"), 6)
    350.0
    """
    if not 0 <= retention_rate <= 1:
        raise ValueError(f"retention_rate must be in [0, 1], got {retention_rate}")
    if not 1 + discount_rate - retention_rate > 0:
        raise ValueError("need 1 + discount_rate > retention_rate for a finite CLV")
    denominator = 1 + discount_rate - retention_rate
    if timing == "end":
        value = margin * retention_rate / denominator
    elif timing == "start":
        value = margin * (1 + discount_rate) / denominator
    else:
        raise ValueError(f"timing must be 'end' or 'start', got {timing!r}")
    return float(value)


def historical_clv(
    tx: pd.DataFrame,
    *,
    margin: float = 1.0,
    observation_end: str | pd.Timestamp | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.Series:
    """Past value per customer: margin times net revenue (returns subtract).

    Parameters
    ----------
    tx : pandas.DataFrame
        Transactions with customer id, date and amount (returns as negative amounts).
    margin : float
        Profit margin as a share of revenue.
    observation_end : date-like, optional
        Only rows up to this day (inclusive) count.

    Returns
    -------
    pandas.Series
        ``historical_clv`` per customer (currency units), sorted by customer id.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": ["2024-01-01"] * 3,
    ...                    "amount": [100.0, -20.0, 50.0]})
    >>> historical_clv(tx, margin=0.3).round(2).to_dict()
    {'a': 24.0, 'b': 15.0}
    """
    from portfolio_lib._errors import require_columns

    require_columns(tx, [customer_col, date_col, amount_col], name="transactions")
    # validates ids, dates and amounts; we need the raw rows (returns included) below
    purchase_occasions(
        tx, customer_col=customer_col, date_col=date_col, amount_col=amount_col, return_col=None
    )
    rows = tx
    if observation_end is not None:
        end = pd.Timestamp(observation_end).normalize()
        rows = tx[pd.to_datetime(tx[date_col]).dt.normalize() <= end]
    amounts = pd.to_numeric(rows[amount_col])
    value = margin * amounts.groupby(rows[customer_col], sort=True).sum()
    value.name = "historical_clv"
    value.index.name = customer_col
    return value


def clv_cac_ratio(clv: pd.Series, acquisition_cost: pd.Series) -> pd.Series:
    """CLV divided by customer acquisition cost, per customer (aligned on the index).

    A ratio above about 3 is the usual rule of thumb for a healthy acquisition channel.

    Parameters
    ----------
    clv : pandas.Series
        CLV per customer (currency units).
    acquisition_cost : pandas.Series
        Acquisition cost per customer (currency units, > 0), same index.

    Returns
    -------
    pandas.Series
        ``clv_cac_ratio`` per customer.

    Examples
    --------
    >>> import pandas as pd
    >>> clv_cac_ratio(pd.Series({"a": 300.0}), pd.Series({"a": 100.0})).to_dict()
    {'a': 3.0}
    """
    for name, series in (("clv", clv), ("acquisition_cost", acquisition_cost)):
        if not isinstance(series, pd.Series):
            raise DataValidationError(f"{name} must be a pandas Series indexed by customer")
        if series.index.has_duplicates:
            repeated = series.index[series.index.duplicated()].unique()
            raise DataValidationError(
                f"{name}: customer id(s) on more than one row, e.g. {list(repeated[:5])}; "
                "give one value per customer"
            )
    value = pd.to_numeric(clv, errors="coerce")
    text = (
        np.zeros(len(clv), dtype=bool)
        if pd.api.types.is_numeric_dtype(clv)
        else clv.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    )
    raise_for_rows(
        pd.DataFrame({"clv": clv}),
        ~np.isfinite(value.to_numpy(dtype=float, na_value=np.nan)) | text,
        column="clv",
        problem="must be a number (missing, text or infinite values found)",
        name="clv",
    )
    cost = pd.to_numeric(acquisition_cost, errors="coerce")
    frame = pd.DataFrame({"acquisition_cost": cost})
    raise_for_rows(
        frame,
        ~(cost > 0),
        column="acquisition_cost",
        problem="must be a positive number",
        name="acquisition_cost",
    )
    missing = clv.index.difference(cost.index)
    if len(missing):
        raise DataValidationError(
            f"acquisition_cost: no value for {len(missing)} customer(s) of clv, "
            f"e.g. {list(missing[:5])}"
        )
    ratio = value / cost.reindex(clv.index)
    ratio.name = "clv_cac_ratio"
    return ratio
