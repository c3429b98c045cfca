"""Helpers for the chapter 3 lesson (customer lifetime value) that the notebook calls.

They keep the notebook free of logic while it runs on every ``DATASET``:

* :func:`resolve_periods` turns ``CALIBRATION_END = None`` / ``OBSERVATION_END = None`` /
  ``HORIZON_MONTHS`` into dates and a horizon in model time units (CDNOW: the papers'
  1997-09-30; the simulated company: 52 weeks before the end of the data);
* :func:`cumulative_repeat_purchases` tracks a purchase model week by week against the
  cumulative repeat purchases of the calibration customers (calibration and holdout);
* :func:`parameter_recovery` and :func:`alive_check` compare estimates with the simulator's
  truth when there is one (real data have none: the ``true`` column is left out);
* :func:`paper_check` reproduces the published CDNOW fits (BG/NBD, Pareto/NBD, Gamma-Gamma);
  on other data it lists the published numbers with the fitted column empty and a note;
* :func:`clv_horizon` turns the course run's ``CLV_HORIZON_MONTHS`` into model time units
  (one horizon for chapters 3 and 6);
* :func:`value_tiers` / :func:`tier_summary` sort customers into CLV tiers;
* :func:`channel_value` gives CLV/CAC per acquisition channel, or the channel counts with a
  note when the data have no acquisition costs (CDNOW);
* :func:`channel_covariate_effects` fits BG/NBD and Gamma-Gamma with one acquisition-channel
  covariate and compares their predictions per group with the models without it;
* :data:`REGULAR_COHORT` holds the textbook subscription cohort of Fader & Hardie (2007).

Examples
--------
>>> periods = resolve_periods("cdnow", data_start="1997-01-01", data_end="1998-06-30")
>>> str(periods.calibration_end.date()), round(periods.holdout_length, 1)
('1997-09-30', 39.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib._validate import day as _day
from portfolio_lib.clv._base import MLEModel, PurchaseModel
from portfolio_lib.clv._validation import UNIT_DAYS, check_unit
from portfolio_lib.clv.summary import purchase_occasions

__all__ = [
    "CHANNEL_COLUMNS",
    "DEFAULT_HOLDOUT_WEEKS",
    "DEFAULT_HORIZON_MONTHS",
    "LessonPeriods",
    "LessonTable",
    "PAPER_CALIBRATION_END",
    "PUBLISHED_CDNOW",
    "REGULAR_COHORT",
    "TIER_LABELS",
    "TIER_SHARES",
    "alive_check",
    "channel_covariate_effects",
    "channel_value",
    "clv_horizon",
    "cumulative_repeat_purchases",
    "paper_check",
    "parameter_recovery",
    "resolve_periods",
    "tier_summary",
    "value_tiers",
]

#: Last day of the calibration period in the CDNOW papers (39 weeks after 1997-01-01).
PAPER_CALIBRATION_END = "1997-09-30"
#: Default holdout length (weeks) for data other than CDNOW.
DEFAULT_HOLDOUT_WEEKS = 52
#: Default CLV horizon (months).
DEFAULT_HORIZON_MONTHS = 36
#: Customers of the CDNOW 1/10 sample the papers analyse.
_CDNOW_SAMPLE_CUSTOMERS = 2357

#: Fader & Hardie (2007), "How to project customer retention": customers of the "regular"
#: segment still active at the start of years 0-12 (REFERENCE.md, shifted-beta-geometric).
REGULAR_COHORT = pd.Series(
    [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173],
    index=pd.RangeIndex(13, name="year"),
    name="active",
)

#: Published CDNOW estimates (REFERENCE.md): parameters with their relative tolerance,
#: log-likelihood with its absolute tolerance.
PUBLISHED_CDNOW: dict[str, dict] = {
    "BG/NBD": {
        "source": "Fader, Hardie & Lee (2005a)",
        "params": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
        "rtol": 0.005,
        "loglik": -9582.4,
        "loglik_atol": 0.1,
        # E[X(39) | x = 2, t_x = 30.43, T = 38.86] (weeks)
        "conditional_expectation": {"t": 39.0, "x": 2, "t_x": 30.43, "T": 38.86, "value": 1.226},
    },
    "Pareto/NBD": {
        "source": "Fader, Hardie & Lee (2005a)",
        "params": {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
        "rtol": 0.01,
        "loglik": -9595.0,
        "loglik_atol": 0.1,
    },
    "Gamma-Gamma": {
        "source": "Fader, Hardie & Lee (2005b)",
        "params": {"p": 6.25, "q": 3.74, "gamma": 15.44},
        "rtol": 0.01,
    },
}

#: Keys of ``crm.truth.params`` that hold each model's true parameters.
_TRUTH_KEYS = {"BG/NBD": "bgnbd", "Gamma-Gamma": "gamma_gamma", "Pareto/NBD": "pareto_nbd"}

#: Default CLV tiers: the top 10 %, the next 20 %, the next 30 % and the bottom 40 %.
TIER_SHARES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4)
TIER_LABELS: tuple[str, ...] = ("platinum", "gold", "silver", "bronze")

#: Columns of :func:`channel_value`.
CHANNEL_COLUMNS: tuple[str, ...] = (
    "n_customers",
    "cac",
    "clv_mean",
    "clv_to_cac",
    "clv_to_cac_low",
    "clv_to_cac_high",
    "paid_back_within_365d",
    "payback_median_days",
    "verdict",
)


@dataclass(frozen=True)
class LessonTable:
    """A table for the lesson and a sentence saying what it shows (or why it is empty)."""

    table: pd.DataFrame
    note: str


@dataclass(frozen=True)
class LessonPeriods:
    """Calibration/holdout split and CLV horizon of the lesson.

    Attributes
    ----------
    unit : str
        Model time unit (``"W"``: weeks).
    data_start : pandas.Timestamp
        First day of the data.
    calibration_end : pandas.Timestamp
        Last day of the calibration period (inclusive).
    observation_end : pandas.Timestamp
        Last day of the data used (inclusive); the holdout period ends here.
    horizon_months : float
        CLV horizon in months.
    horizon : float
        CLV horizon in ``unit`` (months x 365.25/12 days).
    step : float
        One month in ``unit``: CLV discounts the purchases of each month from its end.
    calibration_source : str
        Where ``calibration_end`` came from.
    """

    unit: str
    data_start: pd.Timestamp
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    horizon_months: float
    horizon: float
    step: float
    calibration_source: str

    @property
    def holdout_length(self) -> float:
        """Length of the holdout period in ``unit``."""
        return (self.observation_end - self.calibration_end).days / UNIT_DAYS[self.unit]

    def describe(self) -> str:
        """Three lines: calibration period, holdout period, CLV horizon."""
        unit_name = {"D": "days", "W": "weeks", "M": "months"}[self.unit]
        holdout_start = self.calibration_end + pd.Timedelta(days=1)
        return "\n".join(
            [
                f"calibration: {self.data_start.date()} to {self.calibration_end.date()} "
                f"({self.calibration_source})",
                f"holdout:     {holdout_start.date()} to {self.observation_end.date()} "
                f"({self.holdout_length:.1f} {unit_name})",
                f"CLV horizon: {self.horizon_months:g} months ({self.horizon:.1f} {unit_name}), "
                "discounted month by month",
            ]
        )


def clv_horizon(months: float, *, unit: str = "W") -> tuple[float, float]:
    """A CLV horizon of ``months`` months in model time units, and one month in them.

    The course run has one CLV horizon (``CLV_HORIZON_MONTHS``, used by chapters 3 and 6),
    so that a channel's CLV/CAC verdict is the same in both; CLV is discounted month by
    month (``step`` = one month).

    Parameters
    ----------
    months : float
        Horizon in months (> 0); a month is 365.25 / 12 days.
    unit : {"D", "W", "M"}
        Model time unit.

    Returns
    -------
    tuple of float
        ``(horizon, step)`` in ``unit``.

    Examples
    --------
    >>> [round(v, 2) for v in clv_horizon(36)]
    [156.54, 4.35]
    """
    check_unit(unit)
    months = float(months)
    if not (np.isfinite(months) and months > 0):
        raise ValueError(f"horizon must be a positive number of months, got {months!r}")
    month = (365.25 / 12) / UNIT_DAYS[unit]
    return months * month, month


def resolve_periods(
    dataset: str,
    *,
    data_start,
    data_end,
    calibration_end=None,
    observation_end=None,
    horizon_months: float | None = None,
    unit: str = "W",
) -> LessonPeriods:
    """Resolve the chapter's date parameters (None = the dataset's default).

    Parameters
    ----------
    dataset : str
        ``"sample"``, ``"simulate"`` or ``"cdnow"`` (the notebook's ``DATASET``).
    data_start, data_end : date-like
        First and last day of the data (``crm.observation_start``, ``crm.observation_end``).
    calibration_end : date-like, optional
        Last day of the calibration period. Default: CDNOW 1997-09-30 (the papers'
        39-week calibration period); other data ``observation_end`` minus 52 weeks. When
        the default does not fall strictly inside the data, the middle day is used.
    observation_end : date-like, optional
        Last day of the data used (default ``data_end``); must lie in the data.
    horizon_months : float, optional
        CLV horizon in months (default 36).
    unit : {"D", "W", "M"}
        Model time unit.

    Returns
    -------
    LessonPeriods

    Raises
    ------
    ValueError
        Unknown dataset, unparseable dates, or dates outside the data / in the wrong order.

    Examples
    --------
    >>> p = resolve_periods("sample", data_start="2023-01-01", data_end="2024-12-31")
    >>> str(p.calibration_end.date()), round(p.horizon, 2)
    ('2024-01-02', 156.54)
    """
    from portfolio_lib.course import DATASETS

    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}")
    check_unit(unit)
    start = _day(data_start, "data_start")
    end = _day(data_end, "data_end")
    if end <= start:
        raise ValueError(f"data_end ({end.date()}) must be after data_start ({start.date()})")
    obs = end if observation_end is None else _day(observation_end, "observation_end")
    if not start < obs <= end:
        raise ValueError(
            f"observation_end ({obs.date()}) must lie after {start.date()} and not after "
            f"the last day of the data ({end.date()})"
        )
    if calibration_end is None:
        if dataset == "cdnow":
            cal = pd.Timestamp(PAPER_CALIBRATION_END)
            source = "the papers' 39-week calibration period"
        else:
            cal = obs - pd.Timedelta(weeks=DEFAULT_HOLDOUT_WEEKS)
            source = f"{DEFAULT_HOLDOUT_WEEKS} weeks before the end"
        if not start < cal < obs:
            cal = start + pd.Timedelta(days=(obs - start).days // 2)
            source = "the middle of the data (the usual default does not fit)"
    else:
        cal = _day(calibration_end, "calibration_end")
        source = "CALIBRATION_END"
        if not start < cal < obs:
            raise ValueError(
                f"calibration_end ({cal.date()}) must lie strictly between the first day of "
                f"the data ({start.date()}) and observation_end ({obs.date()})"
            )
    months = float(DEFAULT_HORIZON_MONTHS if horizon_months is None else horizon_months)
    if not (np.isfinite(months) and months > 0):
        raise ValueError(f"horizon_months must be a positive number, got {horizon_months!r}")
    horizon, month = clv_horizon(months, unit=unit)
    return LessonPeriods(
        unit=unit,
        data_start=start,
        calibration_end=cal,
        observation_end=obs,
        horizon_months=months,
        horizon=horizon,
        step=month,
        calibration_source=source,
    )


def cumulative_repeat_purchases(
    transactions: pd.DataFrame,
    model: PurchaseModel,
    *,
    calibration_end,
    observation_end,
    unit: str = "W",
    step_days: int = 7,
) -> pd.DataFrame:
    """Cumulative repeat purchases of the calibration customers: actual vs model, over time.

    The customers who made their first purchase by ``calibration_end`` are followed to
    ``observation_end``. At each date ``d`` the actual value counts their repeat purchase
    occasions up to ``d``; the model's value is ``sum_i E[X(age_i(d))]`` with
    ``age_i(d)`` the customer's age at ``d`` (0 before the first purchase), using the
    model's expected repeat purchases of a new customer. Fit the model on the calibration
    period: after ``calibration_end`` the curve is a forecast.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount`` (and optional ``is_return``); purchase
        occasions are counted as in :func:`portfolio_lib.clv.summary_from_transactions`.
    model : BetaGeo or ParetoNBD
        Fitted purchase model (its time unit must be ``unit``).
    calibration_end, observation_end : date-like
        Last days of the calibration period and of the data used.
    unit : {"D", "W", "M"}
        The model's time unit.
    step_days : int
        Days between two dates of the series (7: weekly).

    Returns
    -------
    pandas.DataFrame
        Index ``date`` (every ``step_days`` from the first purchase, ending at
        ``observation_end``); columns ``actual``, ``model`` (cumulative repeat purchases)
        and ``period`` (``"calibration"`` or ``"holdout"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.clv import BetaGeo
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 2.0, 3.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-01-05"])})
    >>> m = BetaGeo.from_params({"r": 1.0, "alpha": 5.0, "a": 1.5, "b": 3.0})
    >>> track = cumulative_repeat_purchases(tx, m, calibration_end="2024-01-14",
    ...                                     observation_end="2024-01-28")
    >>> track["actual"].tolist()
    [0, 0, 1, 1]
    """
    check_unit(unit)
    fitted_unit = getattr(model, "unit_", None)
    if fitted_unit is not None and fitted_unit != unit:
        raise ValueError(f"unit={unit!r} but the model was fitted in {fitted_unit!r}")
    if int(step_days) < 1:
        raise ValueError(f"step_days must be a positive whole number, got {step_days!r}")
    cal = _day(calibration_end, "calibration_end")
    obs = _day(observation_end, "observation_end")
    if obs <= cal:
        raise ValueError(f"observation_end ({obs.date()}) must be after calibration_end")
    occ = purchase_occasions(transactions, until=obs)
    if occ.empty:
        raise DataValidationError("transactions: no purchase up to observation_end")
    customer = occ["customer"].to_numpy()
    day = occ["day"].to_numpy().astype(np.int64)
    is_first = np.r_[True, customer[1:] != customer[:-1]]
    first_day = pd.Series(day[is_first], index=customer[is_first])
    cal_day = int(cal.to_datetime64().astype("datetime64[D]").astype(np.int64))
    end_day = int(obs.to_datetime64().astype("datetime64[D]").astype(np.int64))
    cohort = first_day[first_day <= cal_day]
    if cohort.empty:
        raise DataValidationError(
            f"transactions: no customer made a first purchase by calibration_end {cal.date()}"
        )
    in_cohort = np.isin(customer, cohort.index.to_numpy())
    repeat_days = np.sort(day[in_cohort & ~is_first])
    start_day = int(cohort.min())
    grid = np.arange(start_day + int(step_days), end_day + 1, int(step_days))
    if grid.size == 0 or grid[-1] != end_day:
        grid = np.r_[grid, end_day]
    actual = np.searchsorted(repeat_days, grid, side="right")
    first_days, counts = np.unique(cohort.to_numpy(), return_counts=True)
    ages = np.maximum(grid[:, None] - first_days[None, :], 0) / UNIT_DAYS[unit]
    expected = np.asarray(model.expected_purchases(ages), dtype=float) @ counts
    dates = pd.to_datetime(grid.astype("datetime64[D]")).astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "actual": actual.astype(np.int64),
            "model": expected,
            "period": np.where(grid <= cal_day, "calibration", "holdout"),
        },
        index=pd.DatetimeIndex(dates, name="date"),
    )


def _model_name(model: MLEModel) -> str:
    return getattr(model, "_model_name", type(model).__name__)


def parameter_recovery(
    models: Sequence[MLEModel], truth_params: Mapping | None, *, alpha: float = 0.05
) -> LessonTable:
    """Estimates with confidence intervals, beside the true values when the data were simulated.

    Parameters
    ----------
    models : sequence of fitted models
        E.g. ``[BetaGeo().fit(...), GammaGamma().fit(...)]``.
    truth_params : mapping or None
        ``crm.truth.params``: the true parameters sit under ``"bgnbd"``, ``"gamma_gamma"``
        (and ``"pareto_nbd"``); real data have none of these keys.
    alpha : float
        ``1 - alpha`` confidence intervals.

    Returns
    -------
    LessonTable
        Index (``model``, ``parameter``); columns ``estimate``, ``std_err``, ``ci_low``,
        ``ci_high`` and, only when some model has true values, ``true``,
        ``relative_error`` ((estimate - true) / true) and ``true_in_ci``.

    Raises
    ------
    ValueError
        A model's time unit differs from the unit of its true parameters.

    Examples
    --------
    >>> from portfolio_lib.clv import BetaGeo, simulate_bgnbd
    >>> truth = {"bgnbd": {"r": 0.8, "alpha": 8.0, "a": 1.2, "b": 4.0}}
    >>> m = BetaGeo().fit(simulate_bgnbd(2000, r=0.8, alpha=8.0, a=1.2, b=4.0, T=52, seed=1))
    >>> list(parameter_recovery([m], truth).table.columns)[-3:]
    ['true', 'relative_error', 'true_in_ci']
    """
    truth_params = dict(truth_params or {})
    frames = []
    any_truth = False
    for model in models:
        name = _model_name(model)
        table = model.summary(alpha=alpha).table[["estimate", "std_err", "ci_low", "ci_high"]]
        true = truth_params.get(_TRUTH_KEYS.get(name, ""), None)
        if name == "Mean spend" and isinstance(truth_params.get("gamma_gamma"), Mapping):
            gg = truth_params["gamma_gamma"]  # E[zbar] = E[p / nu] = p * gamma / (q - 1)
            true = {"mean_spend": gg["p"] * gg["gamma"] / (gg["q"] - 1)}
        if isinstance(true, Mapping):
            true_unit = true.get("unit")
            model_unit = getattr(model, "unit_", None)
            if true_unit is not None and model_unit is not None and true_unit != model_unit:
                raise ValueError(
                    f"{name}: fitted in unit {model_unit!r} but the true parameters are in "
                    f"{true_unit!r}; refit on a summary in {true_unit!r}"
                )
            values = pd.Series({p: float(true[p]) for p in table.index if p in true}, dtype=float)
            table = table.assign(true=values.reindex(table.index))
            any_truth = any_truth or bool(values.notna().any())
        else:
            table = table.assign(true=np.nan)
        table.index = pd.MultiIndex.from_product(
            [[name], table.index], names=["model", "parameter"]
        )
        frames.append(table)
    out = pd.concat(frames) if frames else pd.DataFrame()
    if any_truth:
        out["relative_error"] = (out["estimate"] - out["true"]) / out["true"]
        inside = (out["ci_low"] <= out["true"]) & (out["true"] <= out["ci_high"])
        out["true_in_ci"] = inside.where(out["true"].notna())
        note = (
            f"Simulated data: 'true' holds the parameters the customers were drawn from; "
            f"{inside.sum()} of {int(out['true'].notna().sum())} lie inside their "
            f"{100 * (1 - alpha):.0f} % confidence interval."
        )
    else:
        out = out.drop(columns="true")
        note = "Real data: there are no true parameters, only the estimates and their intervals."
    return LessonTable(out, note)


def alive_check(p_alive: pd.Series, truth_customers: pd.DataFrame, *, as_of) -> LessonTable:
    """How P(alive) separates customers who truly are active at ``as_of`` from those who left.

    Parameters
    ----------
    p_alive : pandas.Series
        Model P(alive) per customer, indexed by customer id.
    truth_customers : pandas.DataFrame
        ``crm.truth.customers`` (``customer_id``, ``dropout_date``: the day after whose
        purchase the customer left, NaT if never). Empty for real data.
    as_of : date-like
        The day P(alive) refers to (the end of the summary period).

    Returns
    -------
    LessonTable
        Index ``truly`` (``"active"``, ``"dropped out"``); columns ``customers``,
        ``mean_p_alive``, ``median_p_alive``; the note gives the AUC (chance that a
        truly active customer has a higher P(alive) than one who left). Empty with a
        note when there is no truth.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"customer_id": ["a", "b"],
    ...                       "dropout_date": pd.to_datetime([None, "2024-01-10"])})
    >>> p = pd.Series({"a": 0.9, "b": 0.2})
    >>> alive_check(p, truth, as_of="2024-02-01").table["mean_p_alive"].tolist()
    [0.9, 0.2]
    """
    columns = ["customers", "mean_p_alive", "median_p_alive"]
    if truth_customers is None or len(truth_customers) == 0:
        empty = pd.DataFrame(columns=columns, index=pd.Index([], name="truly"), dtype=float)
        return LessonTable(empty, "Real data: nobody knows who is truly still active.")
    require_columns(truth_customers, ["customer_id", "dropout_date"], name="truth_customers")
    if not isinstance(p_alive, pd.Series):
        raise DataValidationError("p_alive must be a pandas Series indexed by customer id")
    day = _day(as_of, "as_of")
    truth = truth_customers.set_index("customer_id")["dropout_date"]
    missing = p_alive.index.difference(truth.index)
    if len(missing):
        raise DataValidationError(
            f"truth_customers: column 'customer_id' lacks {len(missing)} customer(s) of "
            f"p_alive, e.g. {list(missing[:5])}"
        )
    dropout = pd.to_datetime(truth.reindex(p_alive.index))
    active = (dropout.isna() | (dropout > day)).to_numpy()
    values = pd.to_numeric(p_alive).to_numpy(dtype=float)
    rows = {}
    for label, mask in (("active", active), ("dropped out", ~active)):
        part = values[mask]
        rows[label] = {
            "customers": int(mask.sum()),
            "mean_p_alive": float(part.mean()) if part.size else np.nan,
            "median_p_alive": float(np.median(part)) if part.size else np.nan,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "truly"
    if active.all() or (~active).all():
        return LessonTable(table, "Everybody is in one group: no AUC.")
    from scipy.stats import mannwhitneyu

    u = mannwhitneyu(values[active], values[~active]).statistic
    auc = float(u / (active.sum() * (~active).sum()))
    note = (
        f"AUC {auc:.2f}: the chance that a truly active customer gets a higher P(alive) "
        "than one who has left (0.5 = guessing, 1 = perfect)."
    )
    return LessonTable(table, note)


def _is_paper_setup(calibration: pd.DataFrame, dataset: str) -> str:
    """Empty string when the calibration summary is the papers' one, else the reason."""
    if dataset != "cdnow":
        return (
            "The published numbers are for the CDNOW sample: run the notebook with "
            'DATASET = "cdnow" to reproduce them.'
        )
    attrs = getattr(calibration, "attrs", {}) or {}
    if attrs.get("calibration_end") != PAPER_CALIBRATION_END or attrs.get("unit") != "W":
        return (
            f"The papers calibrate on weeks up to {PAPER_CALIBRATION_END}; this summary ends on "
            f"{attrs.get('calibration_end')} in unit {attrs.get('unit')!r}: set "
            "CALIBRATION_END = None to reproduce the published numbers."
        )
    if len(calibration) != _CDNOW_SAMPLE_CUSTOMERS:
        return (
            f"The papers use the {_CDNOW_SAMPLE_CUSTOMERS} customers of the CDNOW 1/10 sample; "
            f"this summary has {len(calibration)}."
        )
    return ""


def paper_check(
    calibration: pd.DataFrame,
    *,
    dataset: str,
    bgnbd: PurchaseModel | None = None,
    pareto_nbd: PurchaseModel | None = None,
    gamma_gamma: MLEModel | None = None,
) -> LessonTable:
    """Fitted vs published CDNOW estimates (BG/NBD, Pareto/NBD, Gamma-Gamma).

    On the CDNOW sample with the papers' calibration period (weeks up to 1997-09-30) the
    models not given are fitted on ``calibration`` (Pareto/NBD takes about a second) and
    compared with :data:`PUBLISHED_CDNOW`; on any other data nothing is fitted and the
    table is empty, with a note saying why.

    Parameters
    ----------
    calibration : pandas.DataFrame
        Calibration summary (:func:`portfolio_lib.clv.calibration_holdout` or
        :func:`portfolio_lib.clv.summary_from_transactions`), with ``attrs``.
    dataset : str
        The notebook's ``DATASET``.
    bgnbd, pareto_nbd, gamma_gamma : fitted models, optional
        Already fitted on ``calibration``; fitted here when missing.

    Returns
    -------
    LessonTable
        Index (``model``, ``quantity``); columns ``fitted``, ``published``,
        ``difference`` (fitted - published), ``tolerance`` (text, from REFERENCE.md),
        ``within_tolerance`` and ``source``. On other data ``fitted``, ``difference`` and
        ``within_tolerance`` are empty (NaN / None) and the note says why: the table still
        shows what a CDNOW run compares.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]})
    >>> out = paper_check(summary, dataset="sample")
    >>> len(out.table), bool(out.table["fitted"].isna().all())
    (14, True)
    """
    from portfolio_lib.clv.bgnbd import BetaGeo
    from portfolio_lib.clv.gammagamma import GammaGamma
    from portfolio_lib.clv.paretonbd import ParetoNBD

    columns = ["fitted", "published", "difference", "tolerance", "within_tolerance", "source"]
    reason = _is_paper_setup(calibration, dataset)
    if reason:
        fitted: dict = dict.fromkeys(PUBLISHED_CDNOW)
    else:
        fitted = {
            "BG/NBD": bgnbd if bgnbd is not None else BetaGeo().fit(calibration),
            "Pareto/NBD": pareto_nbd if pareto_nbd is not None else ParetoNBD().fit(calibration),
            "Gamma-Gamma": gamma_gamma
            if gamma_gamma is not None
            else GammaGamma().fit(calibration),
        }
    rows = []
    for name, published in PUBLISHED_CDNOW.items():
        model = fitted[name]
        rtol = published["rtol"]
        relative = f"{100 * rtol:g} % of published"
        for param, value in published["params"].items():
            estimate = np.nan if model is None else float(model.params_[param])
            rows.append((name, param, estimate, value, relative, rtol * abs(value), published))
        if "loglik" in published:
            estimate = np.nan if model is None else float(model.loglik_)
            rows.append(
                (
                    name,
                    "log-likelihood",
                    estimate,
                    published["loglik"],
                    f"± {published['loglik_atol']:g}",
                    published["loglik_atol"],
                    published,
                )
            )
        if "conditional_expectation" in published:
            ce = published["conditional_expectation"]
            estimate = (
                np.nan
                if model is None
                else float(
                    model.conditional_expected_purchases(ce["t"], ce["x"], ce["t_x"], ce["T"])
                )
            )
            label = f"E[X({ce['t']:g}) | x={ce['x']}, t_x={ce['t_x']}, T={ce['T']}]"
            rows.append((name, label, estimate, ce["value"], relative, rtol * ce["value"],
                         published))  # fmt: skip
    table = pd.DataFrame(
        [
            {"model": name, "quantity": quantity, "fitted": estimate, "published": value,
             "difference": estimate - value, "tolerance": text,
             "within_tolerance": None if np.isnan(estimate) else bool(
                 abs(estimate - value) <= allowed),
             "source": published["source"]}
            for name, quantity, estimate, value, text, allowed, published in rows
        ]
    ).set_index(["model", "quantity"])  # fmt: skip
    if reason:
        note = (
            f"{reason} Nothing is compared on this data set (fitted is empty); the table lists "
            f"the {len(table)} published numbers a CDNOW run compares with."
        )
        return LessonTable(table[columns], note)
    ok = int(table["within_tolerance"].sum())
    note = (
        f"CDNOW sample, calibration to {PAPER_CALIBRATION_END}: {ok} of {len(table)} published "
        "numbers reproduced within the tolerance of REFERENCE.md."
    )
    return LessonTable(table[columns], note)


def value_tiers(
    values: pd.Series,
    *,
    shares: Sequence[float] = TIER_SHARES,
    labels: Sequence[str] = TIER_LABELS,
) -> pd.Series:
    """Sort customers into value tiers by rank: the top ``shares[0]``, the next ``shares[1]``, ...

    Parameters
    ----------
    values : pandas.Series
        Value per customer (e.g. CLV, currency units), indexed by customer id.
    shares : sequence of float
        Share of customers in each tier, best first; must sum to 1.
    labels : sequence of str
        Tier names, best first (default platinum, gold, silver, bronze).

    Returns
    -------
    pandas.Series
        ``tier`` per customer (ordered categorical, best tier first). Tier ``k`` holds the
        customers whose rank (1 = highest value) is at most ``round(n * (shares[0] + ... +
        shares[k]))``; tied customers share the better tier, so tier sizes can differ
        slightly from the shares.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series({"a": 50.0, "b": 10.0, "c": 30.0, "d": 0.0})
    >>> value_tiers(v, shares=(0.25, 0.25, 0.5), labels=("top", "mid", "low")).tolist()
    ['top', 'low', 'mid', 'low']
    """
    if not isinstance(values, pd.Series):
        raise DataValidationError("values must be a pandas Series indexed by customer id")
    shares_arr = np.asarray(shares, dtype=float)
    if len(labels) != shares_arr.size or shares_arr.size == 0:
        raise ValueError("give one label per share")
    if np.any(shares_arr <= 0) or not np.isclose(shares_arr.sum(), 1.0):
        raise ValueError(f"shares must be positive and sum to 1, got {list(shares)}")
    numeric = pd.to_numeric(values, errors="coerce")
    frame = values.rename("value").to_frame()
    raise_for_rows(frame, numeric.isna(), column="value", problem="must be a number", name="values")
    n = len(numeric)
    rank = numeric.rank(method="min", ascending=False).to_numpy()
    bounds = np.round(np.cumsum(shares_arr) * n)
    bounds[-1] = n
    codes = np.searchsorted(bounds, rank, side="left")
    tiers = pd.Categorical.from_codes(codes, categories=list(labels), ordered=True)
    return pd.Series(tiers, index=values.index, name="tier")


def tier_summary(
    value: pd.DataFrame,
    tiers: pd.Series,
    *,
    value_col: str = "clv",
    means: Sequence[str] = (),
) -> pd.DataFrame:
    """Size and value of each tier.

    Parameters
    ----------
    value : pandas.DataFrame
        Per customer: ``value_col`` and the columns in ``means``.
    tiers : pandas.Series
        Output of :func:`value_tiers`, same index.
    value_col : str
        The value column (currency units).
    means : sequence of str
        Further columns to average per tier (e.g. ``"p_alive"``).

    Returns
    -------
    pandas.DataFrame
        One row per tier: ``customers``, ``share_customers``, ``min_<value_col>``,
        ``mean_<value_col>``, ``total_<value_col>``, ``share_<value_col>`` and
        ``mean_<column>`` for each of ``means``.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"clv": [50.0, 10.0, 30.0, 10.0]}, index=list("abcd"))
    >>> t = value_tiers(v["clv"], shares=(0.5, 0.5), labels=("top", "rest"))
    >>> tier_summary(v, t)["share_clv"].tolist()
    [0.8, 0.2]
    """
    require_columns(value, [value_col, *means], name="value")
    if not tiers.index.equals(value.index):
        raise DataValidationError("tiers must have the same index as value (one per customer)")
    grouped = value.groupby(tiers, observed=False)
    amount = grouped[value_col]
    out = pd.DataFrame(
        {
            "customers": amount.size(),
            f"min_{value_col}": amount.min(),
            f"mean_{value_col}": amount.mean(),
            f"total_{value_col}": amount.sum(),
        }
    )
    out.insert(1, "share_customers", out["customers"] / out["customers"].sum())
    out[f"share_{value_col}"] = out[f"total_{value_col}"] / out[f"total_{value_col}"].sum()
    for column in means:
        out[f"mean_{column}"] = grouped[column].mean()
    out.index.name = "tier"
    return out


def channel_value(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    clv: pd.Series,
    margin: float,
    observation_end,
    channel_col: str = "acquisition_channel",
    cost_col: str = "acquisition_cost",
) -> LessonTable:
    """CLV/CAC per acquisition channel, or the channel counts with a note when costs are unknown.

    With ``cost_col`` in ``customers`` this is
    :func:`portfolio_lib.acquisition.acquisition_economics` (CAC, mean CLV with its
    interval, CLV/CAC, Kaplan-Meier payback, verdict). Without it (e.g. CDNOW) it is
    :func:`portfolio_lib.portfolio.cac_by_channel` with ``if_missing="note"``: customers
    and value per channel, CAC unknown (NaN, not zero).

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id``, ``signup_date``, ``acquisition_channel`` and, when known,
        ``acquisition_cost`` (currency units).
    transactions : pandas.DataFrame
        Purchases up to ``observation_end`` (for payback).
    clv : pandas.Series
        Value per customer (currency units), indexed by customer id.
    margin : float
        Gross margin as a fraction of revenue.
    observation_end : date-like
        Last day of the data used.
    channel_col, cost_col : str
        Column names.

    Returns
    -------
    LessonTable
        Index = channel (plus ``all`` when costs are known); columns
        :data:`CHANNEL_COLUMNS`: ``n_customers``, ``cac``, ``clv_mean``, ``clv_to_cac``
        with its interval ``clv_to_cac_low``/``clv_to_cac_high``,
        ``paid_back_within_365d`` (share), ``payback_median_days`` and ``verdict``; NaN
        (unknown, not zero) where the data have no costs.

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_channel": ["x", "y"],
    ...                      "signup_date": pd.to_datetime(["2024-01-01"] * 2)})
    >>> tx = pd.DataFrame({"customer_id": ["a", "b"], "amount": [10.0, 20.0],
    ...                    "date": pd.to_datetime(["2024-01-01"] * 2)})
    >>> out = channel_value(cust, tx, clv=pd.Series({"a": 5.0, "b": 9.0}), margin=0.3,
    ...                     observation_end="2024-01-31")
    >>> bool(out.table["cac"].isna().all())
    True
    """
    from portfolio_lib.acquisition import acquisition_economics
    from portfolio_lib.portfolio import cac_by_channel

    require_columns(customers, ["customer_id", channel_col], name="customers")
    if cost_col in customers.columns:
        econ = acquisition_economics(
            customers, transactions, clv=clv, margin=margin, observation_end=observation_end,
            channel_col=channel_col, cost_col=cost_col,
        )  # fmt: skip
        note = (
            f"CAC from each customer's {cost_col}; CLV/CAC >= {econ.invest_ratio:g}: invest more, "
            f"< {econ.cut_ratio:g}: cut back; payback: days until the margin ({margin:g} of "
            "revenue) covers the CAC (Kaplan-Meier median; NaN when fewer than half got there)."
        )
        table = econ.table
    else:
        cac = cac_by_channel(
            customers, channel_col=channel_col, cost_col=cost_col, value=clv, if_missing="note"
        )
        note = str(cac["note"].iloc[0]) if "note" in cac and len(cac) else ""
        table = pd.DataFrame(
            {"n_customers": cac["n_customers"], "cac": cac["cac"],
             "clv_mean": cac["value_per_customer"], "verdict": "unknown (no cost)"},
            index=cac.index,
        )  # fmt: skip
    return LessonTable(table.reindex(columns=list(CHANNEL_COLUMNS)), note)


def channel_covariate_effects(
    summary: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    level: str,
    purchase_model: PurchaseModel,
    horizon: float,
    channel_col: str = "acquisition_channel",
) -> LessonTable:
    """What knowing a customer's acquisition channel changes: a BG/NBD and a Gamma-Gamma model
    with one covariate ("acquired through ``level``") beside the models without it.

    The covariate multiplies the purchase rate (and the mean spend per purchase) of the
    channel's customers by ``exp(coefficient)``; the table reports those multipliers with
    their 95 % intervals and, per group, the mean expected purchases over ``horizon`` and the
    mean expected spend per purchase from the models with and without the covariate.

    Parameters
    ----------
    summary : pandas.DataFrame
        Per-customer ``frequency``, ``recency``, ``T`` and ``monetary_value`` (one model time
        unit), indexed by customer id.
    customers : pandas.DataFrame
        ``customer_id`` and ``channel_col`` for every customer of ``summary``.
    level : str
        The channel that gets the indicator (the others are the reference group).
    purchase_model : PurchaseModel
        The fitted model without covariates (for its expected purchases).
    horizon : float
        Future period, in the summary's time unit.
    channel_col : str
        Column of the acquisition channel.

    Returns
    -------
    LessonTable
        Index ``group`` (``level`` and ``other channels``); columns ``customers``,
        ``purchases_without``, ``purchases_with`` (mean expected purchases over ``horizon``),
        ``spend_without``, ``spend_with`` (mean expected spend per purchase, currency units,
        repeat buyers), and the note with the fitted multipliers and their intervals. When a
        covariate model cannot be fitted (no customer of ``level``, or no maximum), the
        table is empty and the note says why.
    """
    from portfolio_lib.clv import (
        BetaGeoCovariates,
        ConvergenceError,
        GammaGamma,
        GammaGammaCovariates,
        indicator_covariates,
    )

    names = ["customers", "purchases_without", "purchases_with", "spend_without", "spend_with"]
    empty = pd.DataFrame(columns=names, index=pd.Index([], name="group"), dtype=float)
    shown = customers[customers["customer_id"].isin(summary.index)]
    try:
        covariates = indicator_covariates(shown, channel_col, [level])
        # the dropout group needs a column too; in BG/NBD it scales a and b together, so it
        # changes how much the dropout probability varies, not its mean (CLVTools' form)
        purchases = BetaGeoCovariates([level], [level]).fit(summary, covariates)
        buyers = summary[summary["frequency"] > 0]
        spend = GammaGammaCovariates([level]).fit(buyers, covariates)
        spend_plain = GammaGamma().fit(buyers)
    except (DataValidationError, ConvergenceError) as error:
        return LessonTable(empty, f"No covariate model on this data set: {error}")
    group = np.where(covariates.loc[summary.index, level] == 1.0, level, "other channels")
    frame = pd.DataFrame(
        {
            "group": group,
            "purchases_without": np.asarray(
                purchase_model.conditional_expected_purchases(
                    horizon, summary["frequency"], summary["recency"], summary["T"]
                )
            ),
            "purchases_with": purchases.conditional_expected_purchases(
                horizon, summary, covariates
            ),
            "spend_without": pd.Series(
                np.asarray(
                    spend_plain.conditional_expected_spend(
                        buyers["frequency"], buyers["monetary_value"]
                    )
                ),
                index=buyers.index,
            ).reindex(summary.index),
            "spend_with": spend.conditional_expected_spend(buyers, covariates).reindex(
                summary.index
            ),
        },
        index=summary.index,
    )
    table = frame.groupby("group").agg(
        customers=("purchases_with", "size"),
        **{name: (name, "mean") for name in names[1:]},
    )
    effects = []
    for label, model, key in (
        ("purchase rate", purchases, f"purchase:{level}"),
        ("spend per purchase", spend, f"spend:{level}"),
    ):
        row = model.summary().table.loc[key]
        effects.append(
            f"{label} × {np.exp(row['estimate']):.2f} "
            f"(95 % interval {np.exp(row['ci_low']):.2f} to {np.exp(row['ci_high']):.2f})"
        )
    note = (
        f"Customers acquired through {level!r}, against all other channels: "
        + "; ".join(effects)
        + "."
    )
    return LessonTable(table, note)
