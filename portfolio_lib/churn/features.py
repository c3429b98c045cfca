"""At-risk features and the churn label, built for a time-based split.

The course names the warning signs of a customer about to leave: **falling purchase
frequency**, **less interaction**, **negative feedback** (detractor scores, complaints), plus
**recency** and **tenure**. :func:`churn_features` turns the CRM tables into one row per
customer with those signals measured *up to a cut-off day*, and a label measured *after* it:

* ``churned`` = no purchase occasion in ``[cutoff, cutoff + window_days)``.

Leakage rules (nothing after the cut-off enters a feature)
----------------------------------------------------------
1. ``cutoff`` is the first day of the outcome window. Every event used for a feature is dated
   strictly before it: transactions and returns with ``date < cutoff``, touchpoints, survey
   responses and complaints with a timestamp before midnight of ``cutoff``.
2. A complaint counts as *open* when it was opened before the cut-off and was not resolved
   before it (resolved at or after the cut-off, or never): on the cut-off day a manager knows
   that it is still open, not when it will be closed.
3. Attributes that are measured at the *end* of the data are never used as they are: the
   ``loyalty_member`` flag of the customer table says "joined by the end of the data", so
   membership is rebuilt from ``loyalty_join_date < cutoff`` instead.
4. The population is fixed at the cut-off: customers with at least one purchase before it
   (optionally only those who bought in the last ``active_within_days``). Customers who first
   buy later do not appear; nobody is dropped because of what they did afterwards.

The time-based split (:func:`churn_time_split`) builds the training table at
``test_cutoff - window_days`` and the test table at ``test_cutoff``: the training labels end
exactly where the test features end, so a model fitted on the first is evaluated on a later,
unseen window, as it would be used in practice.

Features (all counts are purchase *occasions*, i.e. distinct purchase days; money in
currency units; durations in days)
---------------------------------------------------------------------------------------------
``recency_days``, ``tenure_days``, ``frequency``, ``purchases_last``, ``purchase_trend``,
``monetary_mean``, ``return_share`` from the transactions; ``interactions_last`` and
``interaction_trend`` from the touchpoints; ``loyalty_member`` from the customer table;
``surveyed``, ``detractor`` and ``promoter`` from the surveys; ``complaints_last`` and
``open_complaints`` from the complaints. See :data:`FEATURE_DESCRIPTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns

__all__ = [
    "FEATURE_DESCRIPTIONS",
    "ChurnFeatures",
    "ChurnSplit",
    "churn_features",
    "churn_time_split",
]

#: What each feature holds (``L`` = ``lookback_days``; windows end the day before the cut-off).
FEATURE_DESCRIPTIONS: dict[str, str] = {
    "recency_days": "days from the last purchase to the cut-off (>= 1)",
    "tenure_days": "days from the first purchase to the cut-off (>= 1)",
    "frequency": "purchase occasions before the cut-off (>= 1)",
    "purchases_last": "purchase occasions in the last L days",
    "purchase_trend": "purchases in the last L days minus in the L days before (< 0: falling)",
    "monetary_mean": "mean purchase amount per occasion (currency units)",
    "return_share": "returned amount / purchased amount before the cut-off (0-1, can exceed 1; "
    "0 when nothing was spent)",
    "interactions_last": "touchpoints in the last L days",
    "interaction_trend": "touchpoints in the last L days minus in the L days before",
    "loyalty_member": "1 if the customer joined the loyalty programme before the cut-off",
    "surveyed": "1 if the customer answered a survey before the cut-off",
    "detractor": "1 if the latest NPS answer before the cut-off was 0-6",
    "promoter": "1 if the latest NPS answer before the cut-off was 9-10",
    "complaints_last": "complaints opened in the last L days",
    "open_complaints": "complaints opened before the cut-off and not resolved before it",
}


@dataclass(frozen=True)
class ChurnFeatures:
    """Features at a cut-off and (when observable) the churn label after it.

    Attributes
    ----------
    features : pandas.DataFrame
        One row per customer (index ``customer_id``, sorted), float columns described in
        :data:`FEATURE_DESCRIPTIONS` (only those whose source table was given).
    label : pandas.Series or None
        Boolean ``churned``: no purchase in ``[cutoff, cutoff + window_days)``; None when the
        features were built for scoring (``with_label=False``).
    cutoff : pandas.Timestamp
        First day of the outcome window; features use events before it.
    window_days, lookback_days : int
        Length of the outcome window and of the feature windows (days).
    sources : tuple of str
        The tables the features were built from (filled by
        :func:`~portfolio_lib.churn.period.crm_churn_features`; empty when unknown).
    note : str
        Which signals the data set had and lacked (empty when not recorded).
    """

    features: pd.DataFrame
    label: pd.Series | None
    cutoff: pd.Timestamp
    window_days: int
    lookback_days: int
    sources: tuple[str, ...] = ()
    note: str = ""

    @property
    def feature_names(self) -> list[str]:
        """The feature columns, in order."""
        return list(self.features.columns)

    def frame(self) -> pd.DataFrame:
        """Features with the label as a last column ``churned`` (when there is one)."""
        if self.label is None:
            return self.features.copy()
        return self.features.assign(churned=self.label)

    def summary(self) -> pd.DataFrame:
        """Mean of each feature for churners and stayers (needs the label), with descriptions."""
        if self.label is None:
            raise ValueError("these features have no label (with_label=False)")
        means = self.features.groupby(self.label.rename("churned")).mean().T
        means = means.rename(columns={False: "mean_stayed", True: "mean_churned"})
        means["description"] = [FEATURE_DESCRIPTIONS.get(c, "") for c in means.index]
        means.index.name = "feature"
        return means


@dataclass(frozen=True)
class ChurnSplit:
    """Training and test tables of a time-based split.

    Attributes
    ----------
    train : ChurnFeatures
        Features at ``test.cutoff - window_days``, label in the window that ends at the test
        cut-off.
    test : ChurnFeatures
        Features at the test cut-off, label in the following window.
    """

    train: ChurnFeatures
    test: ChurnFeatures

    @property
    def note(self) -> str:
        """Which signals the features were built from (the test table's ``note``)."""
        return self.test.note


def _events_before(
    frame: pd.DataFrame,
    column: str,
    customer: str,
    cutoff: pd.Timestamp,
    *,
    name: str,
    extra: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """``customer``, ``time`` (and ``extra`` columns) of the events before ``cutoff``."""
    require_columns(frame, [customer, column], name=name)
    times = _validate.dates(frame, column, name=name)
    raise_for_rows(
        frame, frame[customer].isna(), column=customer, problem="must not be missing", name=name
    )
    keep = (times < cutoff).to_numpy()
    out = {"customer": frame[customer].to_numpy()[keep], "time": times.to_numpy()[keep]}
    for key, values in (extra or {}).items():
        out[key] = values.to_numpy()[keep]
    return pd.DataFrame(out)


def _window_counts(
    events: pd.DataFrame, index: pd.Index, cutoff: pd.Timestamp, lookback: pd.Timedelta
) -> tuple[pd.Series, pd.Series]:
    """Counts per customer in ``[cutoff - L, cutoff)`` and in ``[cutoff - 2L, cutoff - L)``."""
    last = events.loc[events["time"] >= cutoff - lookback, "customer"].value_counts()
    prior_mask = (events["time"] >= cutoff - 2 * lookback) & (events["time"] < cutoff - lookback)
    prior = events.loc[prior_mask, "customer"].value_counts()
    return (
        last.reindex(index, fill_value=0).astype(float),
        prior.reindex(index, fill_value=0).astype(float),
    )


def churn_features(
    transactions: pd.DataFrame,
    touchpoints: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    complaints: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    *,
    cutoff: str | pd.Timestamp,
    window_days: int = 180,
    lookback_days: int = 180,
    with_label: bool = True,
    observation_end: str | pd.Timestamp | None = None,
    active_within_days: int | None = None,
    customer_col: str = "customer_id",
    late: _validate.Late = "raise",
) -> ChurnFeatures:
    """At-risk features up to ``cutoff`` and the churn label in the window after it.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_id``, ``date`` (datetime64), ``amount`` (currency units) and optionally
        ``is_return`` (see :mod:`portfolio_lib.rfm` for the returns policy).
    touchpoints : pandas.DataFrame, optional
        ``customer_id``, ``timestamp``: interactions (journey events) of each customer.
    surveys : pandas.DataFrame, optional
        ``customer_id``, ``date``, ``nps`` (0-10).
    complaints : pandas.DataFrame, optional
        ``customer_id``, ``opened``, ``resolved`` (NaT while open).
    customers : pandas.DataFrame, optional
        ``customer_id``, ``loyalty_join_date`` (NaT for non-members).
    cutoff : date-like
        First day of the outcome window. Features use only events before it (see the module's
        leakage rules).
    window_days : int
        Length of the outcome window (days): ``churned`` means no purchase in
        ``[cutoff, cutoff + window_days)``.
    lookback_days : int
        Length L of the feature windows (days): "last" is ``[cutoff - L, cutoff)``, the
        comparison window for the trends is the L days before that.
    with_label : bool
        Build the label (the whole outcome window must be observed: it must end by
        ``observation_end``). ``False`` gives features only, e.g. to score today's customers.
    observation_end : date-like, optional
        Last day the data cover (inclusive); default the last transaction date. Later
        transactions raise unless ``late="drop"``.
    active_within_days : int, optional
        Keep only customers whose last purchase before the cut-off is at most this many days
        old (e.g. 365 to leave out long-lost customers); default everyone who ever bought.
    customer_col : str
        Customer id column of every table.
    late : {"raise", "drop"}
        What transactions after ``observation_end`` do: raise, or be left out.

    Returns
    -------
    ChurnFeatures

    Raises
    ------
    DataValidationError
        A missing column or malformed value (the message names the column), no customer with
        a purchase before the cut-off, or an outcome window that is not fully observed.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "a"],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10", "2024-05-01"]),
    ...     "amount": [20.0, 30.0, 15.0, 10.0]})
    >>> data = churn_features(tx, cutoff="2024-04-01", window_days=60, lookback_days=60,
    ...                       observation_end="2024-05-31")
    >>> data.features[["recency_days", "frequency", "purchases_last"]].to_dict("index")
    {'a': {'recency_days': 31.0, 'frequency': 2.0, 'purchases_last': 1.0}, 'b': {'recency_days': 51.0, 'frequency': 1.0, 'purchases_last': 1.0}}
    >>> data.label.to_dict()
    {'a': False, 'b': True}
    """
    cut = _validate.day(cutoff, what="cutoff")
    window = _validate.positive_days(window_days, "window_days")
    lookback = _validate.positive_days(lookback_days, "lookback_days")
    if active_within_days is not None:
        active_within_days = _validate.positive_days(active_within_days, "active_within_days")
    end = None if observation_end is None else _validate.day(observation_end)
    tx = _validate.transactions(transactions, customer_col=customer_col, end=end, late=late)
    if tx.empty:
        raise DataValidationError(f"transactions has no rows; column {customer_col!r} is empty")
    end = tx["day"].max() if end is None else end
    if with_label and cut + pd.Timedelta(days=window) > end + pd.Timedelta(days=1):
        raise DataValidationError(
            f"transactions: column 'date' ends on {end.date()}, before the outcome window "
            f"{cut.date()} + {window} days is over; churn cannot be observed yet "
            "(choose an earlier cutoff, or with_label=False to score)"
        )
    past = tx.loc[tx["day"] < cut]
    buys = past.loc[~past["is_return"]]
    occasions = buys.groupby(["customer", "day"], sort=False)["amount"].sum().reset_index()
    if occasions.empty:
        raise DataValidationError(
            f"transactions: column 'date' has no purchase before the cutoff {cut.date()}"
        )
    per = occasions.groupby("customer", sort=True).agg(
        frequency=("day", "size"),
        first=("day", "min"),
        last=("day", "max"),
        spent=("amount", "sum"),
    )
    if active_within_days is not None:
        per = per.loc[(cut - per["last"]).dt.days <= active_within_days]
        if per.empty:
            raise DataValidationError(
                f"transactions: column 'date' has no purchase in the {active_within_days} days "
                f"before the cutoff {cut.date()}"
            )
    index = pd.Index(per.index, name=customer_col)
    span = pd.Timedelta(days=lookback)
    feats = pd.DataFrame(index=index)
    feats["recency_days"] = (cut - per["last"]).dt.days.astype(float)
    feats["tenure_days"] = (cut - per["first"]).dt.days.astype(float)
    feats["frequency"] = per["frequency"].astype(float)
    last_n, prior_n = _window_counts(occasions.rename(columns={"day": "time"}), index, cut, span)
    feats["purchases_last"] = last_n
    feats["purchase_trend"] = last_n - prior_n
    feats["monetary_mean"] = per["spent"] / per["frequency"]
    returned = -past.loc[past["is_return"]].groupby("customer")["amount"].sum()
    returned = returned.reindex(index, fill_value=0.0).astype(float)
    spent = per["spent"].astype(float)
    # customers whose purchases were all free (amount 0, e.g. in CDNOW) returned no share
    feats["return_share"] = (returned / spent.where(spent > 0)).fillna(0.0)

    if touchpoints is not None:
        touches = _events_before(touchpoints, "timestamp", customer_col, cut, name="touchpoints")
        last_t, prior_t = _window_counts(touches, index, cut, span)
        feats["interactions_last"] = last_t
        feats["interaction_trend"] = last_t - prior_t
    if customers is not None:
        require_columns(customers, [customer_col, "loyalty_join_date"], name="customers")
        raise_for_rows(
            customers, customers[customer_col].duplicated(keep=False), column=customer_col,
            problem="has duplicate customers", name="customers",
        )  # fmt: skip
        joined = _validate.dates(customers, "loyalty_join_date", name="customers", missing="keep")
        member = pd.Series((joined < cut).to_numpy(), index=customers[customer_col].to_numpy())
        missing = index.difference(member.index)
        if len(missing):
            raise DataValidationError(
                f"customers: column {customer_col!r} lacks {len(missing)} buyer(s) of the "
                f"transactions, e.g. {list(missing[:5])}"
            )
        feats["loyalty_member"] = member.reindex(index).astype(float)
    if surveys is not None:
        require_columns(surveys, [customer_col, "date", "nps"], name="surveys")
        score = pd.to_numeric(surveys["nps"], errors="coerce")
        raise_for_rows(
            surveys, score.isna() | (score < 0) | (score > 10) | (score != score.round()),
            column="nps", problem="must be whole numbers 0-10", name="surveys",
        )  # fmt: skip
        answered = _events_before(
            surveys, "date", customer_col, cut, name="surveys", extra={"nps": score}
        )
        latest = answered.sort_values("time", kind="stable").groupby("customer")["nps"].last()
        latest = latest.reindex(index)
        feats["surveyed"] = latest.notna().astype(float)
        feats["detractor"] = (latest <= 6).astype(float)
        feats["promoter"] = (latest >= 9).astype(float)
    if complaints is not None:
        require_columns(complaints, [customer_col, "opened", "resolved"], name="complaints")
        opened = _events_before(complaints, "opened", customer_col, cut, name="complaints")
        feats["complaints_last"] = (
            opened.loc[opened["time"] >= cut - span, "customer"]
            .value_counts()
            .reindex(index, fill_value=0)
            .astype(float)
        )
        resolved = _validate.dates(complaints, "resolved", name="complaints", missing="keep")
        still_open = _events_before(
            complaints.loc[~(resolved < cut)], "opened", customer_col, cut, name="complaints"
        )
        feats["open_complaints"] = (
            still_open["customer"].value_counts().reindex(index, fill_value=0).astype(float)
        )

    label = None
    if with_label:
        later = tx.loc[
            (~tx["is_return"]) & (tx["day"] >= cut) & (tx["day"] < cut + pd.Timedelta(days=window))
        ]
        label = pd.Series(~index.isin(later["customer"].unique()), index=index, name="churned")
    return ChurnFeatures(feats, label, cut, window, lookback)


def churn_time_split(
    transactions: pd.DataFrame,
    touchpoints: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    complaints: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    *,
    test_cutoff: str | pd.Timestamp | None = None,
    window_days: int = 180,
    lookback_days: int = 180,
    observation_end: str | pd.Timestamp | None = None,
    active_within_days: int | None = None,
    customer_col: str = "customer_id",
    late: _validate.Late = "raise",
) -> ChurnSplit:
    """Training table one window before the test table (a time-based split).

    Parameters
    ----------
    transactions, touchpoints, surveys, complaints, customers
        As in :func:`churn_features`.
    test_cutoff : date-like, optional
        Cut-off of the test table; default the latest one whose outcome window is fully
        observed, ``observation_end + 1 day - window_days``. The training cut-off is
        ``test_cutoff - window_days``, so its outcome window ends the day before the test
        cut-off.
    window_days, lookback_days, observation_end, active_within_days, customer_col, late
        As in :func:`churn_features`.

    Returns
    -------
    ChurnSplit
        Training features one window before the test cut-off, labelled in the window that
        ends there; test features at the cut-off.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a", "b", "a"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-02-15", "2024-03-01",
    ...                             "2024-04-10"]),
    ...     "amount": [20.0, 30.0, 15.0, 10.0, 5.0]})
    >>> split = churn_time_split(tx, window_days=30, lookback_days=30,
    ...                          observation_end="2024-04-30")
    >>> str(split.train.cutoff.date()), str(split.test.cutoff.date())
    ('2024-03-02', '2024-04-01')
    """
    require_columns(transactions, ["date"], name="transactions")
    window = _validate.positive_days(window_days, "window_days")
    if observation_end is None:
        dates = _validate.dates(transactions, "date", name="transactions", missing="keep")
        end = _validate.day(dates.max(), what="observation_end")
    else:
        end = _validate.day(observation_end)
    test_cut = (
        end + pd.Timedelta(days=1 - window)
        if test_cutoff is None
        else _validate.day(test_cutoff, what="test_cutoff")
    )
    common = {
        "window_days": window,
        "lookback_days": lookback_days,
        "observation_end": end,
        "active_within_days": active_within_days,
        "customer_col": customer_col,
        "late": late,
    }
    tables = (transactions, touchpoints, surveys, complaints, customers)
    train = churn_features(*tables, cutoff=test_cut - pd.Timedelta(days=window), **common)
    test = churn_features(*tables, cutoff=test_cut, **common)
    return ChurnSplit(train, test)
