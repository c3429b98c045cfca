"""Trends: portfolio KPIs over time and what to expect next (question 12).

* :func:`period_kpis` - per month (or week, quarter): active customers, new customers,
  purchases, revenue and, from the surveys, NPS with its number of answers.
* :func:`forecast_kpi` - a statsmodels time-series forecast with a prediction interval:
  exponential smoothing (``ETSModel``, additive errors, optionally a damped additive trend) or
  an ARIMA model (``SARIMAX``). Two years of monthly data are a *short* series: the interval
  only covers the noise the model knows about (not a change of regime), seasonality cannot be
  estimated from two cycles, and the result carries a ``note`` saying so.
* :func:`forecast_backtest` - hold out the last periods, forecast them from the rest and
  compare: the honest check of a forecast's accuracy and interval coverage.
* :func:`repeat_purchase_projection` - chapter 3's BG/NBD projection of the current customers'
  cumulative repeat purchases, with an interval from parameter uncertainty.

Periods are calendar periods (``"W"`` weeks starting Monday, ``"M"`` months, ``"Q"``
quarters); the last one may be partial and is flagged.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, as_generator, raise_for_rows, require_columns
from portfolio_lib._results import ResultSummary, SettingsResult, percent

__all__ = [
    "KPIForecast",
    "BacktestResult",
    "period_kpis",
    "forecast_kpi",
    "forecast_backtest",
    "repeat_purchase_projection",
]

_FREQ = {"W": "W-SUN", "M": "M", "Q": "Q"}


def _check_unit(unit: str) -> str:
    if unit not in _FREQ:
        raise ValueError(f"unit must be 'W', 'M' or 'Q', got {unit!r}")
    return _FREQ[unit]


def period_kpis(
    transactions: pd.DataFrame,
    surveys: pd.DataFrame | None = None,
    *,
    unit: Literal["W", "M", "Q"] = "M",
    observation_end: str | pd.Timestamp | None = None,
    customer_col: str = "customer_id",
    late: _validate.Late = "raise",
) -> pd.DataFrame:
    """Portfolio KPIs per calendar period.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount`` (and optionally ``is_return``).
    surveys : pandas.DataFrame, optional
        ``date`` and ``nps`` (0-10): adds ``nps`` (promoters % - detractors %, -100..100) and
        ``nps_responses`` per period (NaN / 0 where nobody answered).
    unit : {"W", "M", "Q"}
        Period length.
    observation_end : date-like, optional
        Last day of the data; default the last transaction date. Periods run from the first
        transaction's period to this day's. Later transactions raise unless ``late="drop"``.
    customer_col : str
    late : {"raise", "drop"}
        What transactions after ``observation_end`` do: raise, or be left out.

    Returns
    -------
    pandas.DataFrame
        Indexed by period (``pandas.Period``): ``active_customers`` (with a purchase in the
        period), ``new_customers`` (first purchase in the period), ``purchases`` (purchase
        occasions), ``revenue`` (net of returns, currency units), ``complete`` (False for a
        period that ends after ``observation_end``) and, with surveys, ``nps`` and
        ``nps_responses``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [10.0, 5.0, 7.0],
    ...     "date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-03-02"])})
    >>> kpis = period_kpis(tx, observation_end="2024-03-31")
    >>> kpis[["active_customers", "new_customers"]].values.tolist()
    [[2, 2], [0, 0], [1, 0]]
    """
    freq = _check_unit(unit)
    end = None if observation_end is None else _validate.day(observation_end)
    tx = _validate.transactions(transactions, customer_col=customer_col, end=end, late=late)
    if tx.empty:
        raise DataValidationError(f"transactions has no rows; column {customer_col!r} is empty")
    end = tx["day"].max() if end is None else end
    periods = pd.period_range(tx["day"].min().to_period(freq), end.to_period(freq), freq=freq)
    tx["period"] = tx["day"].dt.to_period(freq)
    buys = tx.loc[~tx["is_return"]]
    first = buys.groupby("customer")["period"].min()
    out = pd.DataFrame(index=pd.PeriodIndex(periods, name="period"))
    out["active_customers"] = buys.groupby("period")["customer"].nunique().reindex(periods)
    out["new_customers"] = first.value_counts().reindex(periods)
    out["purchases"] = buys.drop_duplicates(["customer", "day"]).groupby("period").size()
    out = out.fillna(0).astype("int64")
    out["revenue"] = tx.groupby("period")["amount"].sum().reindex(periods, fill_value=0.0)
    out["complete"] = [p.end_time.normalize() <= end for p in periods]
    if surveys is not None:
        require_columns(surveys, ["date", "nps"], name="surveys")
        score = pd.to_numeric(surveys["nps"], errors="coerce")
        raise_for_rows(
            surveys, score.isna() | (score < 0) | (score > 10), column="nps",
            problem="must be numbers 0-10", name="surveys",
        )  # fmt: skip
        period = _validate.dates(surveys, "date", name="surveys", missing="keep").dt.to_period(freq)
        grouped = pd.DataFrame({"period": period, "score": score}).groupby("period")["score"]
        promoters = grouped.apply(lambda s: (s >= 9).mean())
        detractors = grouped.apply(lambda s: (s <= 6).mean())
        out["nps"] = (100 * (promoters - detractors)).reindex(periods)
        out["nps_responses"] = grouped.size().reindex(periods, fill_value=0).astype("int64")
    return out


@dataclass(frozen=True)
class KPIForecast:
    """A KPI's history and forecast.

    Attributes
    ----------
    history : pandas.Series
        The observed values.
    forecast : pandas.DataFrame
        Per future period: ``mean``, ``low``, ``high`` (prediction interval at
        ``confidence``).
    method : str
        A readable description of the model, e.g. ``"ETS(A,Ad,N)"`` or
        ``"ARIMA(0, 1, 1)"``.
    aic : float
        The model's AIC (compare only models of the same method on the same series).
    fitted : pandas.Series
        One-step-ahead fitted values over the history.
    confidence : float
    note : str
        What the interval does not cover (short series, no seasonality).
    """

    history: pd.Series
    forecast: pd.DataFrame
    method: str
    aic: float
    fitted: pd.Series
    confidence: float
    note: str


def _series(series: pd.Series, *, min_length: int) -> pd.Series:
    if not isinstance(series, pd.Series):
        raise DataValidationError(
            f"series must be a pandas Series (e.g. a column of period_kpis), got "
            f"{type(series).__name__}"
        )
    name = str(series.name) if series.name is not None else "series"
    values = pd.to_numeric(series, errors="coerce").astype(float)
    raise_for_rows(
        series.to_frame(name), ~np.isfinite(values.to_numpy()), column=name,
        problem="must be finite numbers (fill or drop gaps explicitly first)", name=name,
    )  # fmt: skip
    if len(values) < min_length:
        raise DataValidationError(
            f"{name}: column {name!r} has {len(values)} values; this model needs at least "
            f"{min_length}"
        )
    return values.rename(name)


def _future_index(index: pd.Index, horizon: int) -> pd.Index:
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=horizon, freq=index.freq, name=index.name)
    if isinstance(index, pd.DatetimeIndex) and index.freq is not None:
        return pd.date_range(index[-1] + index.freq, periods=horizon, freq=index.freq,
                             name=index.name)  # fmt: skip
    start = len(index)
    return pd.RangeIndex(start, start + horizon, name=index.name)


def forecast_kpi(
    series: pd.Series,
    *,
    horizon: int,
    method: Literal["ets", "arima"] = "ets",
    trend: bool = True,
    damped: bool = True,
    order: tuple[int, int, int] = (0, 1, 1),
    confidence: float = 0.9,
) -> KPIForecast:
    """Forecast a KPI series with a prediction interval.

    Parameters
    ----------
    series : pandas.Series
        Observed values in time order (e.g. ``period_kpis(tx)["active_customers"]``); a
        ``PeriodIndex`` or a ``DatetimeIndex`` with a frequency is continued into the future.
        Drop an incomplete last period first.
    horizon : int
        Periods to forecast.
    method : {"ets", "arima"}
        ``"ets"``: exponential smoothing with additive errors (``ETSModel``), an additive trend
        when ``trend`` (damped when ``damped``: the trend fades, the safer choice far ahead);
        ``"arima"``: ``SARIMAX`` with ``order`` (default (0, 1, 1), the ARIMA form of simple
        exponential smoothing).
    trend, damped : bool
        ETS trend options.
    order : tuple of int
        ARIMA (p, d, q).
    confidence : float
        Coverage of the prediction interval (0.9 -> the 5 % and 95 % points).

    Returns
    -------
    KPIForecast

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([10.0, 12, 13, 15, 16, 18, 19, 21, 22, 24],
    ...               index=pd.period_range("2024-01", periods=10, freq="M"))
    >>> f = forecast_kpi(s, horizon=2)
    >>> [str(p) for p in f.forecast.index], bool((f.forecast["low"] < f.forecast["mean"]).all())
    (['2024-11', '2024-12'], True)
    """
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1, got {horizon!r}")
    alpha = 1 - _validate.confidence(confidence)
    if method == "ets":
        values = _series(series, min_length=6 if trend else 4)
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        y = pd.Series(values.to_numpy(), index=pd.RangeIndex(len(values)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ETSModel(y, error="add", trend="add" if trend else None,
                             damped_trend=bool(trend and damped))  # fmt: skip
            fit = model.fit(disp=False)
            frame = fit.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(
                alpha=alpha
            )
        mean, low, high = frame["mean"], frame["pi_lower"], frame["pi_upper"]
        label = f"ETS(A,{'Ad' if trend and damped else 'A' if trend else 'N'},N)"
        fitted = np.asarray(fit.fittedvalues, dtype=float)
    elif method == "arima":
        values = _series(series, min_length=max(6, sum(order) + 3))
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = SARIMAX(values.to_numpy(), order=tuple(order)).fit(disp=False)
            frame = fit.get_forecast(horizon).summary_frame(alpha=alpha)
        mean, low, high = frame["mean"], frame["mean_ci_lower"], frame["mean_ci_upper"]
        label = f"ARIMA{tuple(order)}"
        fitted = np.asarray(fit.fittedvalues, dtype=float)
    else:
        raise ValueError(f"method must be 'ets' or 'arima', got {method!r}")
    future = _future_index(series.index, horizon)
    forecast = pd.DataFrame(
        {
            "mean": np.asarray(mean, float),
            "low": np.asarray(low, float),
            "high": np.asarray(high, float),
        },  # fmt: skip
        index=future,
    )
    note = (
        f"{len(values)} observations: the interval covers the noise of this {label} model only, "
        "not a change in the business or a seasonal pattern (too few cycles to estimate one); "
        "check it with forecast_backtest"
    )
    return KPIForecast(
        values, forecast, label, float(fit.aic),
        pd.Series(fitted, index=series.index, name="fitted"), float(confidence), note,
    )  # fmt: skip


@dataclass(frozen=True, repr=False, eq=False)
class BacktestResult(SettingsResult):
    """Held-out periods against their forecast, and the accuracy (what
    :func:`forecast_backtest` returns).

    ``result["error"]`` and ``len(result)`` reach the table directly; ``result.summary()``
    gives the errors, the coverage and the model.

    Attributes
    ----------
    table : pandas.DataFrame
        Per held-out period: ``actual``, ``mean``, ``low``, ``high`` (in the series' units),
        ``error`` (actual - mean) and ``inside`` (actual within the interval).
    mae : float
        Mean absolute error, in the series' units.
    mape : float
        Mean absolute percentage error, in % (periods with an actual of 0 left out).
    coverage : float
        Share of the held-out periods inside the prediction interval (0-1).
    method : str
        The forecast model, e.g. ``"ETS(A,Ad,N)"``.
    confidence : float
        Nominal level of the prediction interval (0.95 = 95 %).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"error": [2.0, -4.0], "inside": [True, False]})
    >>> result = BacktestResult(table, 3.0, 12.5, 0.5, "ETS(A,Ad,N)", 0.95)
    >>> result
    BacktestResult(2 periods, mae=3, mape=12.5, coverage=0.5, method='ETS(A,Ad,N)', confidence=0.95)
    >>> print(result.summary())  # doctest: +NORMALIZE_WHITESPACE
    Forecast backtest: ETS(A,Ad,N)
    ------------------------------
    periods held out                2
    mean absolute error             3 (12.5%)
    inside the prediction interval  50% (nominal 95%)
    """

    table: pd.DataFrame
    mae: float
    mape: float
    coverage: float
    method: str
    confidence: float
    _row_name = "periods"

    def summary(self) -> ResultSummary:
        """Periods held out, the errors and the interval's coverage against its level."""
        rows = (
            ("periods held out", f"{len(self.table):,}"),
            ("mean absolute error", f"{self.mae:,.3g} ({self.mape:.3g}%)"),
            ("inside the prediction interval",
             f"{percent(self.coverage)} (nominal {percent(self.confidence)})"),
        )  # fmt: skip
        return ResultSummary(f"Forecast backtest: {self.method}", rows)


def forecast_backtest(
    series: pd.Series,
    *,
    holdout: int,
    **kwargs: object,
) -> BacktestResult:
    """Forecast the last ``holdout`` values from the earlier ones and compare.

    Parameters
    ----------
    series : pandas.Series
        The full history.
    holdout : int
        Number of final periods held out (forecast horizon).
    **kwargs
        Passed to :func:`forecast_kpi` (``method``, ``trend``, ``confidence``...).

    Returns
    -------
    BacktestResult
        ``table`` per held-out period: ``actual``, ``mean``, ``low``, ``high``, ``error``
        (actual - mean), ``inside`` (actual within the interval); ``mae``, ``mape`` (mean
        absolute percentage error, %), ``coverage`` (share inside), the model ``method``
        and its ``confidence`` beside it (the table's ``attrs`` still hold the first four,
        for code written when the function returned the table).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([10.0, 12, 13, 15, 16, 18, 19, 21, 22, 24])
    >>> bt = forecast_backtest(s, holdout=2)
    >>> list(bt.table.columns), 0 <= bt.coverage <= 1
    (['actual', 'mean', 'low', 'high', 'error', 'inside'], True)
    """
    series = _validate.as_series(series, name="series")
    if isinstance(holdout, bool) or not isinstance(holdout, int) or holdout < 1:
        raise ValueError(f"holdout must be a whole number >= 1, got {holdout!r}")
    if holdout >= len(series):
        raise ValueError(f"holdout ({holdout}) must be shorter than the series ({len(series)})")
    result = forecast_kpi(series.iloc[:-holdout], horizon=holdout, **kwargs)  # type: ignore[arg-type]
    actual = pd.to_numeric(series.iloc[-holdout:], errors="coerce").to_numpy(dtype=float)
    out = result.forecast.copy()
    out.index = series.index[-holdout:]
    out.insert(0, "actual", actual)
    out["error"] = out["actual"] - out["mean"]
    out["inside"] = (out["actual"] >= out["low"]) & (out["actual"] <= out["high"])
    with np.errstate(divide="ignore", invalid="ignore"):
        ape = np.abs(out["error"] / out["actual"]).replace(np.inf, np.nan)
    backtest = BacktestResult(
        out,
        mae=float(out["error"].abs().mean()),
        mape=float(100 * ape.mean()),
        coverage=float(out["inside"].mean()),
        method=result.method,
        confidence=result.confidence,
    )
    # kept for code written when the table was the result
    out.attrs = {k: getattr(backtest, k) for k in ("mae", "mape", "coverage", "method")}
    return backtest


def repeat_purchase_projection(
    model: object,
    summary: pd.DataFrame,
    *,
    horizon: float,
    step: float = 4.0,
    interval: float = 0.9,
    n_draws: int = 100,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """BG/NBD projection of the current customers' cumulative repeat purchases.

    Sum over customers of ``E[Y(t) | x, t_x, T]`` for t = step, 2 step, ... horizon (in the
    summary's time unit), with a percentile interval over parameter vectors drawn from the
    fit's asymptotic distribution (``model.sample_params``). It covers estimation uncertainty
    of the parameters, not the randomness of purchases, and no customers acquired later.

    Parameters
    ----------
    model : portfolio_lib.clv.BetaGeo (or ParetoNBD)
        Fitted purchase model.
    summary : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` of the customers to project (the fit's unit).
    horizon : float
        How far ahead, in the summary's time unit (e.g. 52 weeks).
    step : float
        Spacing of the projection points (same unit).
    interval : float
        Central probability of the interval.
    n_draws : int
        Parameter draws for the interval (0 = no interval).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        Per point: ``t`` (time ahead), ``date`` (when ``summary.attrs`` has ``unit`` and
        ``calibration_end`` or ``observation_end``, as the summaries of
        :mod:`portfolio_lib.clv` do), ``expected_repeat_purchases`` (cumulative), ``low``,
        ``high``.

    Examples
    --------
    >>> from portfolio_lib.clv import BetaGeo, simulate_bgnbd
    >>> data = simulate_bgnbd(500, r=0.8, alpha=8.0, a=1.2, b=4.0, T=52, seed=1)
    >>> proj = repeat_purchase_projection(BetaGeo().fit(data), data, horizon=8, step=4,
    ...                                   n_draws=20, seed=0)
    >>> proj["t"].tolist(), bool(proj["expected_repeat_purchases"].is_monotonic_increasing)
    ([4.0, 8.0], True)
    """
    if not hasattr(model, "conditional_expected_purchases"):
        raise TypeError("model must be a fitted purchase model (e.g. portfolio_lib.clv.BetaGeo)")
    require_columns(summary, ["frequency", "recency", "T"], name="summary")
    if not (horizon > 0 and step > 0 and step <= horizon):
        raise ValueError(f"need 0 < step <= horizon, got step={step!r}, horizon={horizon!r}")
    if not 0 < interval < 1:
        raise ValueError(f"interval must be in (0, 1), got {interval!r}")
    grid = np.arange(step, horizon + step * 1e-9, step, dtype=float)
    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency"].to_numpy(dtype=float)
    T = summary["T"].to_numpy(dtype=float)

    def cumulative(m: object) -> np.ndarray:
        # one horizon at a time: the models take t, frequency, recency and T of one length
        # (or single numbers), not a grid broadcast against the customers
        expected = m.conditional_expected_purchases  # type: ignore[attr-defined]
        return np.array([np.asarray(expected(t, x, t_x, T), dtype=float).sum() for t in grid])

    point = cumulative(model)
    out = pd.DataFrame({"t": grid})
    attrs = getattr(summary, "attrs", {}) or {}
    # a calibration/holdout summary is as of the calibration end, a plain one of its end
    as_of = attrs.get("calibration_end", attrs.get("observation_end"))
    if as_of is not None and attrs.get("unit") in ("D", "W", "M"):
        days = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}[attrs["unit"]]
        end = pd.Timestamp(as_of)
        out["date"] = [end + pd.Timedelta(days=float(t * days)) for t in grid]
    out["expected_repeat_purchases"] = point
    if n_draws:
        draws = model.sample_params(int(n_draws), seed=as_generator(seed))  # type: ignore[attr-defined]
        paths = np.vstack(
            [cumulative(type(model).from_params(row.to_dict())) for _, row in draws.iterrows()]
        )
        tail = (1 - interval) / 2
        out["low"] = np.quantile(paths, tail, axis=0)
        out["high"] = np.quantile(paths, 1 - tail, axis=0)
    else:
        out["low"] = out["high"] = np.nan
    return out
