"""The churn set-up of a data set: when to cut, how long to wait, which signals it has.

A notebook parameter such as ``CUTOFF_DATE = None`` or ``CHURN_WINDOW_DAYS = None`` means
"the data set's own default". :func:`churn_period` resolves those defaults from the data
(the sample company and CDNOW cover different spans), and :func:`crm_churn_features` /
:func:`crm_time_split` build the at-risk features from whichever signal tables a data set
actually has: on CDNOW (purchases only) the features come from the transactions alone and
the result's ``note`` says which signals are missing, instead of failing or inventing them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, require_columns
from portfolio_lib.churn.features import ChurnFeatures, ChurnSplit, churn_features
from portfolio_lib.crm import CRMData, crm_table

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "SIGNAL_SOURCES",
    "ChurnPeriod",
    "churn_period",
    "crm_churn_features",
    "crm_time_split",
]

#: Default churn window (days) when the data are long enough (see :func:`churn_period`).
DEFAULT_WINDOW_DAYS = 180

#: Optional signal tables of a CRM data set: table -> (columns needed, what it is, signal).
SIGNAL_SOURCES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "touchpoints": (("customer_id", "timestamp"), "touchpoints", "interactions"),
    "surveys": (("customer_id", "date", "nps"), "surveys", "survey answers"),
    "complaints": (("customer_id", "opened", "resolved"), "complaints", "complaints"),
    "customers": (
        ("customer_id", "loyalty_join_date"),
        "loyalty join dates",
        "loyalty membership",
    ),
}


@dataclass(frozen=True)
class ChurnPeriod:
    """Cut-off, windows and data span of a churn analysis (all dates are days).

    Attributes
    ----------
    cutoff : pandas.Timestamp
        First day of the test outcome window: churn = no purchase in
        ``[cutoff, cutoff + window_days)``.
    window_days : int
        Length of the outcome window (days).
    lookback_days : int
        Length of the feature windows (days) before a cut-off.
    observation_start, observation_end : pandas.Timestamp
        First and last day of the data.
    """

    cutoff: pd.Timestamp
    window_days: int
    lookback_days: int
    observation_start: pd.Timestamp
    observation_end: pd.Timestamp

    @property
    def train_cutoff(self) -> pd.Timestamp:
        """Cut-off of the training table (one window before the test cut-off)."""
        return self.cutoff - pd.Timedelta(days=self.window_days)

    @property
    def as_of(self) -> pd.Timestamp:
        """Last day before the test window: the day segments are assigned for a forward look."""
        return self.cutoff - pd.Timedelta(days=1)

    @property
    def scoring_cutoff(self) -> pd.Timestamp:
        """The day after the data end: features at this cut-off score today's customers."""
        return self.observation_end + pd.Timedelta(days=1)

    def describe(self) -> str:
        """One paragraph: what churn means here and which windows train and test the models."""
        last = self.cutoff + pd.Timedelta(days=self.window_days - 1)
        return (
            f"Data {self.observation_start.date()} to {self.observation_end.date()}. "
            f"A customer has churned when they make no purchase in the {self.window_days} days "
            f"after a cut-off. Models learn at the cut-off {self.train_cutoff.date()} (outcome "
            f"known by {self.as_of.date()}) and are tested on the later window "
            f"{self.cutoff.date()} to {last.date()}; features look back "
            f"{self.lookback_days} days (and {self.lookback_days} more for trends)."
        )


def _span(transactions: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    require_columns(transactions, ["date"], name="transactions")
    dates = _validate.dates(transactions, "date", name="transactions", missing="keep")
    if dates.notna().sum() == 0:
        raise DataValidationError("transactions has no rows; column 'date' is empty")
    return _validate.day(dates.min(), what="observation_start"), _validate.day(dates.max())


def churn_period(
    transactions: pd.DataFrame,
    *,
    cutoff: str | pd.Timestamp | None = None,
    window_days: int | None = None,
    lookback_days: int | None = None,
    observation_end: str | pd.Timestamp | None = None,
) -> ChurnPeriod:
    """Resolve the churn cut-off and windows, using the data set's defaults for ``None``.

    Defaults (chosen from the data, so they differ between data sets of different length):

    * ``window_days``: :data:`DEFAULT_WINDOW_DAYS` (180), shortened to a third of the data
      span when the data are shorter than three windows (a training window, a test window
      and some history before them are needed);
    * ``cutoff``: the latest day whose outcome window is fully observed,
      ``observation_end + 1 - window_days``;
    * ``lookback_days``: ``window_days``, or half the history before the training cut-off when
      that is shorter, so that both feature windows of the training table (the last L days
      and the L days before, for the trends) lie inside the data.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``date`` (datetime64) of every transaction.
    cutoff : date-like, optional
        First day of the test outcome window.
    window_days, lookback_days : int, optional
        Outcome and feature windows (days).
    observation_end : date-like, optional
        Last day of the data (default the last transaction date).

    Returns
    -------
    ChurnPeriod

    Raises
    ------
    DataValidationError
        The outcome window after ``cutoff`` is not fully observed, or the training cut-off
        falls before the first transaction.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"date": pd.to_datetime(["1997-01-01", "1998-06-30"])})
    >>> p = churn_period(tx)
    >>> p.window_days, str(p.cutoff.date()), str(p.train_cutoff.date()), p.lookback_days
    (180, '1998-01-02', '1997-07-06', 93)
    """
    start, last = _span(transactions)
    end = last if observation_end is None else _validate.day(observation_end)
    if end < start:
        raise DataValidationError(
            f"transactions: column 'date' starts on {start.date()}, after observation_end "
            f"{end.date()}"
        )
    span = (end - start).days + 1
    if window_days is None:
        window = min(DEFAULT_WINDOW_DAYS, span // 3)
        if window < 1:
            raise DataValidationError(
                f"transactions: column 'date' spans only {span} day(s); too short for churn"
            )
    else:
        window = _validate.positive_days(window_days, "window_days")
    one_day = pd.Timedelta(days=1)
    cut = (
        end + one_day - pd.Timedelta(days=window)
        if cutoff is None
        else _validate.day(cutoff, what="cutoff")
    )
    if cut + pd.Timedelta(days=window) > end + one_day:
        raise DataValidationError(
            f"transactions: column 'date' ends on {end.date()}, before the outcome window "
            f"{cut.date()} + {window} days is over; choose an earlier cutoff (latest: "
            f"{(end + one_day - pd.Timedelta(days=window)).date()})"
        )
    train = cut - pd.Timedelta(days=window)
    history = (train - start).days
    if history < 1:
        raise DataValidationError(
            f"transactions: column 'date' starts on {start.date()}, but the training cut-off "
            f"{train.date()} (cutoff - window_days) needs purchases before it; choose a later "
            "cutoff or a shorter window"
        )
    if lookback_days is None:
        lookback = max(1, min(window, history // 2))
    else:
        lookback = _validate.positive_days(lookback_days, "lookback_days")
    return ChurnPeriod(cut, window, lookback, start, end)


def _available(
    data: CRMData | Mapping[str, pd.DataFrame],
) -> tuple[dict[str, pd.DataFrame | None], list[str], list[str]]:
    """The optional signal tables that are present, non-empty and have their columns."""
    tables: dict[str, pd.DataFrame | None] = {}
    used, missing = [], []
    for name, (columns, _, _) in SIGNAL_SOURCES.items():
        frame = crm_table(data, name)
        ok = frame is not None and len(frame) > 0 and all(c in frame.columns for c in columns)
        if ok and name == "customers":
            ok = bool(frame["loyalty_join_date"].notna().any())
        tables[name] = frame if ok else None
        (used if ok else missing).append(name)
    return tables, used, missing


def _listing(words: list[str], last: str) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


def _note(used: list[str], missing: list[str]) -> str:
    signals = ["purchases"] + [SIGNAL_SOURCES[n][2] for n in used]
    text = f"Churn signals from {_listing(signals, 'and')}."
    if missing:
        tables = _listing([SIGNAL_SOURCES[n][1] for n in missing], "or")
        lacking = _listing([SIGNAL_SOURCES[n][2] for n in missing], "and")
        text += (
            f" This data set has no {tables}: {lacking} are left out of the features "
            "(not set to zero)."
        )
    return text


def crm_churn_features(
    data: CRMData | Mapping[str, pd.DataFrame],
    *,
    cutoff: str | pd.Timestamp,
    window_days: int,
    lookback_days: int,
    with_label: bool = True,
    observation_end: str | pd.Timestamp | None = None,
    active_within_days: int | None = None,
) -> ChurnFeatures:
    """:func:`~portfolio_lib.churn.features.churn_features` from whatever tables a data set has.

    Transactions are required. Touchpoints, surveys, complaints and the loyalty join date of
    the customers are used when the table is present, has rows and the columns listed in
    :data:`SIGNAL_SOURCES` (for ``customers``: at least one ``loyalty_join_date``);
    otherwise that signal is left out. The result's ``sources`` lists the tables used and its
    ``note`` says in words which signals the data set lacks.

    Parameters
    ----------
    data : CRMData or mapping of table name -> DataFrame
        Needs ``transactions``; tables are taken with :func:`portfolio_lib.crm.crm_table`.
    cutoff, window_days, lookback_days, with_label, observation_end, active_within_days
        As in :func:`~portfolio_lib.churn.features.churn_features`.

    Returns
    -------
    ChurnFeatures
        Features per customer at ``cutoff``; ``sources`` and ``note`` name the tables used.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [5.0, 7.0, 3.0],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10"])})
    >>> f = crm_churn_features({"transactions": tx}, cutoff="2024-04-01", window_days=30,
    ...                        lookback_days=30, observation_end="2024-04-30")
    >>> f.sources, f.feature_names[:3]
    (('transactions',), ['recency_days', 'tenure_days', 'frequency'])
    """
    transactions = crm_table(data, "transactions")
    if transactions is None:
        raise DataValidationError("data has no 'transactions' table")
    tables, used, missing = _available(data)
    features = churn_features(
        transactions,
        tables["touchpoints"],
        tables["surveys"],
        tables["complaints"],
        tables["customers"],
        cutoff=cutoff,
        window_days=window_days,
        lookback_days=lookback_days,
        with_label=with_label,
        observation_end=observation_end,
        active_within_days=active_within_days,
    )
    return replace(features, sources=("transactions", *used), note=_note(used, missing))


def crm_time_split(
    data: CRMData | Mapping[str, pd.DataFrame],
    period: ChurnPeriod,
    *,
    active_within_days: int | None = None,
) -> ChurnSplit:
    """Training table at ``period.train_cutoff``, test table at ``period.cutoff``.

    The data-set-aware version of :func:`~portfolio_lib.churn.features.churn_time_split`:
    the same tables (see :func:`crm_churn_features`) feed both tables; ``split.note`` says
    which signals were available.

    Parameters
    ----------
    data : CRMData or mapping of table name -> DataFrame
    period : ChurnPeriod
        From :func:`churn_period`.
    active_within_days : int, optional
        As in :func:`~portfolio_lib.churn.features.churn_features`.

    Returns
    -------
    ChurnSplit
        ``train`` at ``period.train_cutoff`` and ``test`` at ``period.cutoff``, built from
        the same tables.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> crm = simulate_crm(n_customers=300, seed=7)
    >>> split = crm_time_split(crm, churn_period(crm.transactions))
    >>> str(split.train.cutoff.date()), str(split.test.cutoff.date())
    ('2024-01-07', '2024-07-05')
    """
    if not isinstance(period, ChurnPeriod):
        raise TypeError(f"period must be a ChurnPeriod (from churn_period), got {period!r}")
    common = {
        "window_days": period.window_days,
        "lookback_days": period.lookback_days,
        "observation_end": period.observation_end,
        "active_within_days": active_within_days,
    }
    train = crm_churn_features(data, cutoff=period.train_cutoff, **common)
    test = crm_churn_features(data, cutoff=period.cutoff, **common)
    return ChurnSplit(train, test)
