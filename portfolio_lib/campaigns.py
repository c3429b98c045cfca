"""Campaign evaluation: who was reached, what a randomised test shows, and what it paid.

* :func:`campaign_audience` - question 6, *do our campaigns reach the intended audience?*: the
  portfolio group (chapter 2: at-risk / profitable / loyal / potential) of every contacted
  customer on the day before the campaign started, against the groups the campaign type is
  meant for (:data:`INTENDED_GROUPS`).
* :func:`ab_test` - a randomised campaign (treatment = contacted, control = selected but not
  contacted): response (retention) rate per arm with Wilson intervals, the uplift with a
  Newcombe interval and a two-proportion z-test (``statsmodels.stats.proportion``), and spend
  per contact with Welch's t-test and interval.
* :func:`uplift_by_segment` - the uplift within observable segments (e.g. RFM segment or
  acquisition channel; the persona behind the response is hidden in real data), with
  Holm-adjusted p-values and a test of whether the uplift differs between segments.
* :func:`campaign_return` - incremental margin against the campaign's cost, with an interval.
* :func:`campaign_ab_test` - finds the randomised campaign of a data set (the one with a control
  arm) and runs :func:`ab_test` on it; on data without campaigns or without a control group it
  returns an empty result whose ``note`` says so (as do the other functions on empty tables).

Response and spend are measured from the transaction log, not taken from a campaign's own
"responded" flag: an outcome window starts on each contact's ``contact_date`` (the control
arm's planned contact day) and ends with the campaign (``end_date`` of ``campaigns``) or after
``window_days``. Returns are not purchases (see :mod:`portfolio_lib.rfm`); spend is the sum of
purchase amounts in the window (currency units).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.stats import chi2
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns
from portfolio_lib._intervals import wilson_interval
from portfolio_lib._results import ResultSummary, SettingsResult, p_value_text, percent
from portfolio_lib.portfolio import GROUPS, portfolio_groups
from portfolio_lib.rfm import rfm_table

__all__ = [
    "INTENDED_GROUPS",
    "ABTestResult",
    "CampaignAudience",
    "SegmentUplift",
    "CampaignReturn",
    "campaign_audience",
    "ab_test",
    "campaign_ab_test",
    "uplift_by_segment",
    "campaign_return",
]

#: Portfolio groups (:data:`portfolio_lib.portfolio.GROUPS`) each campaign type is meant for.
INTENDED_GROUPS: dict[str, tuple[str, ...]] = {
    "win_back": ("at_risk",),
    "retention": ("at_risk",),
    "loyalty_points": ("profitable", "loyal"),
    "cross_sell": ("loyal", "potential"),
    "discount": ("potential", "loyal"),
}


#: What the functions say about a data set without campaigns (e.g. CDNOW).
NO_CAMPAIGNS = (
    "This data set has no campaigns (the campaigns and campaign_contacts tables are empty), so "
    "whether campaigns reach their audience or change behaviour cannot be measured."
)

#: What the functions say when the spend difference has no interval (see :func:`ab_test`).
NO_SPEND_TEST = (
    "No Welch interval or t-test of the spend difference: spend per contact is the same for "
    "every contact (e.g. nobody bought in the window) or an arm has a single contact, so "
    "spend_ci_low, spend_ci_high, spend_t and spend_p_value are NaN (no estimate exists)."
)


def _test_result(result: object, *, name: str = "result") -> ABTestResult:
    """``result`` if it is an :class:`ABTestResult`, else ``TypeError`` naming ``name``."""
    if not isinstance(result, ABTestResult):
        raise TypeError(
            f"{name} must be an ABTestResult (from ab_test or campaign_ab_test), got "
            f"{type(result).__name__}"
        )
    return result


def _days(frame: pd.DataFrame, column: str, *, name: str) -> pd.Series:
    """A date column of ``frame`` as midnight days (the package's date contract)."""
    return _validate.dates(frame, column, name=name).dt.normalize()


def _campaign_row(campaigns: pd.DataFrame, campaign_id: str) -> pd.Series:
    require_columns(campaigns, ["campaign_id", "start_date", "end_date"], name="campaigns")
    rows = campaigns.loc[campaigns["campaign_id"] == campaign_id]
    if len(rows) != 1:
        raise DataValidationError(
            f"campaigns: column 'campaign_id' has {len(rows)} rows for {campaign_id!r} "
            "(need exactly one)"
        )
    return rows.iloc[0]


# --------------------------------------------------------------------------------------------
# Audience
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class CampaignAudience(SettingsResult):
    """Which portfolio groups each campaign reached (what :func:`campaign_audience` returns).

    ``result["share_intended"]`` and ``len(result)`` reach the table directly;
    ``result.summary()`` gives the campaigns, the contacts counted and the settings.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per campaign (index ``campaign_id``): ``type``, ``n_contacts``, the share
        (0-1) of contacts in each group (``share_at_risk``, ``share_profitable``,
        ``share_loyal``, ``share_potential``, ``share_no_purchase``), ``intended`` (the
        groups, joined by "+") and ``share_intended`` (0-1).
    arm : str or None
        The arm whose contacts were counted (None: every contact row).
    at_risk_after_days : float
        Days without a purchase after which a contact counted as at risk.
    note : str
        How the groups were found or, with no campaigns (e.g. CDNOW), why the table is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"n_contacts": [10, 30], "share_intended": [0.5, 0.9]},
    ...                      index=pd.Index(["A", "B"], name="campaign_id"))
    >>> result = CampaignAudience(table, "treatment", 180.0, "2 campaign(s).")
    >>> result
    CampaignAudience(2 campaigns, arm='treatment', at_risk_after_days=180)
    >>> print(result.summary())  # doctest: +NORMALIZE_WHITESPACE
    Campaign audience: portfolio group of each contact before the start
    -------------------------------------------------------------------
    campaigns                       2
    contacts                        40 (arm 'treatment')
    contacts in an intended group   80%
    at risk after                   180 days without a purchase
    2 campaign(s).
    """

    table: pd.DataFrame
    arm: str | None
    at_risk_after_days: float
    note: str = field(default="", repr=False)
    _row_name = "campaigns"

    def summary(self) -> ResultSummary:
        """Campaigns, contacts counted, the share reaching an intended group and the settings."""
        n = pd.to_numeric(self.table.get("n_contacts", pd.Series(dtype=float)))
        share = pd.to_numeric(self.table.get("share_intended", pd.Series(dtype=float)))
        known = share.notna() & (n > 0)
        reached = (share[known] * n[known]).sum() / n[known].sum() if known.any() else np.nan
        arm = "every contact row" if self.arm is None else f"arm {self.arm!r}"
        rows = (
            ("campaigns", f"{len(self.table):,}"),
            ("contacts", f"{int(n.sum()):,} ({arm})"),
            ("contacts in an intended group", "n/a" if reached != reached else percent(reached)),
            ("at risk after", f"{self.at_risk_after_days:g} days without a purchase"),
        )
        title = "Campaign audience: portfolio group of each contact before the start"
        return ResultSummary(title, rows, (self.note,) if self.note else ())


def campaign_audience(
    campaigns: pd.DataFrame,
    contacts: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    intended: Mapping[str, Sequence[str]] | None = None,
    arm: str | None = "treatment",
    at_risk_after_days: float = 180.0,
) -> CampaignAudience:
    """Which portfolio groups each campaign reached, and the share it was meant for.

    For every campaign the customers' RFM table is built on the purchases before its
    ``start_date`` (as the campaign planner saw them) and sorted into the four portfolio groups
    with :func:`portfolio_lib.portfolio.portfolio_groups`.

    Parameters
    ----------
    campaigns : pandas.DataFrame
        ``campaign_id``, ``type``, ``start_date`` (and optionally ``name``).
    contacts : pandas.DataFrame
        ``campaign_id``, ``customer_id`` and (when ``arm`` is given) ``arm``.
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount`` (and optionally ``is_return``).
    intended : mapping of campaign type -> groups, optional
        The groups a campaign type is meant for; default :data:`INTENDED_GROUPS`. Types not in
        the mapping get NaN ``share_intended``.
    arm : str or None
        Count only contacts of this arm (default the contacted ``treatment`` arm); None counts
        every row.
    at_risk_after_days : float
        Days without purchase after which a customer counts as at risk (as in chapter 2).

    Returns
    -------
    CampaignAudience
        ``table``: one row per campaign (index ``campaign_id``): ``type``, ``n_contacts``, the
        share of contacts in each group (``share_at_risk``, ``share_profitable``,
        ``share_loyal``, ``share_potential``, ``share_no_purchase`` for contacts without a
        purchase before the start), ``intended`` (the groups, joined by "+") and
        ``share_intended``; ``note`` says how the groups were found or, with no campaigns
        (e.g. CDNOW), why the table is empty. (The table's ``attrs`` still hold the note for
        code written when the function returned the table.)

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-06-20"]),
    ...     "amount": [10.0, 20.0, 30.0]})
    >>> cmp = pd.DataFrame({"campaign_id": ["W"], "type": ["win_back"],
    ...                     "start_date": pd.to_datetime(["2024-07-15"])})
    >>> con = pd.DataFrame({"campaign_id": ["W", "W"], "customer_id": ["a", "b"]})
    >>> audience = campaign_audience(cmp, con, tx, arm=None)
    >>> audience.table.loc["W", ["share_at_risk", "share_intended"]].tolist()
    [0.5, 0.5]
    """
    require_columns(campaigns, ["campaign_id", "type", "start_date"], name="campaigns")
    needed = ["campaign_id", "customer_id"] + (["arm"] if arm is not None else [])
    require_columns(contacts, needed, name="contacts")
    starts = _days(campaigns, "start_date", name="campaigns")
    intended = INTENDED_GROUPS if intended is None else intended
    columns = ["type", "n_contacts", *(f"share_{g}" for g in (*GROUPS, "no_purchase")),
               "intended", "share_intended"]  # fmt: skip
    if campaigns.empty:
        empty = pd.DataFrame(columns=columns, index=pd.Index([], name="campaign_id"))
        return _audience(empty, NO_CAMPAIGNS, arm, at_risk_after_days)
    unknown = sorted({g for groups in intended.values() for g in groups} - set(GROUPS))
    if unknown:
        raise ValueError(f"intended names unknown group(s) {unknown}; groups are {list(GROUPS)}")
    chosen = contacts if arm is None else contacts.loc[contacts["arm"] == arm]
    days = _validate.transactions(transactions)["day"].to_numpy()
    rows = []
    for (_, campaign), start in zip(campaigns.iterrows(), starts, strict=True):
        ids = chosen.loc[chosen["campaign_id"] == campaign["campaign_id"], "customer_id"]
        before = transactions.loc[days < start]
        groups = pd.Series("no_purchase", index=pd.Index(ids.unique()))
        if len(before):
            table = rfm_table(before, observation_end=start - pd.Timedelta(days=1))
            known = groups.index.intersection(table.index)
            if len(known):
                grouped = portfolio_groups(table, at_risk_after_days=at_risk_after_days)
                groups.loc[known] = grouped.table["group"].reindex(known).to_numpy()
        shares = groups.value_counts(normalize=True) if len(groups) else pd.Series(dtype=float)
        wanted = tuple(intended.get(str(campaign["type"]), ()))
        row = {
            "campaign_id": campaign["campaign_id"],
            "type": campaign["type"],
            "n_contacts": len(groups),
        }
        for group in (*GROUPS, "no_purchase"):
            row[f"share_{group}"] = float(shares.get(group, 0.0)) if len(groups) else np.nan
        row["intended"] = "+".join(wanted)
        row["share_intended"] = (
            float(groups.isin(wanted).mean()) if wanted and len(groups) else np.nan
        )
        rows.append(row)
    out = pd.DataFrame(rows).set_index("campaign_id")
    note = (
        f"{len(out)} campaign(s); each contact's portfolio group is taken from the purchases "
        f"before the campaign's start (at risk after {at_risk_after_days:g} days without one)."
    )
    return _audience(out, note, arm, at_risk_after_days)


def _audience(
    table: pd.DataFrame, note: str, arm: str | None, at_risk_after_days: float
) -> CampaignAudience:
    table.attrs["note"] = note  # kept for code written when the table was the result
    return CampaignAudience(table, arm, float(at_risk_after_days), note)


# --------------------------------------------------------------------------------------------
# A/B test
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ABTestResult:
    """A randomised campaign test: response (retention) and spend, treatment vs control.

    Attributes
    ----------
    campaign_id : str
    outcomes : pandas.DataFrame
        One row per contact: ``customer_id``, ``arm``, ``contact_date``, ``window_end``
        (inclusive), ``responded`` (bought in the window) and ``spend`` (currency units).
    arms : pandas.DataFrame
        Per arm (``treatment``, ``control``): ``n``, ``responders``, ``response_rate``,
        ``ci_low``, ``ci_high`` (Wilson), ``spend_mean``, ``spend_sd``, ``spend_total``.
    uplift : float
        Response rate of treatment minus control (the incremental share who bought).
    uplift_ci_low, uplift_ci_high : float
        Newcombe interval of the uplift.
    z, p_value : float
        Two-sided two-proportion z-test of equal response rates.
    spend_difference : float
        Mean spend per contact, treatment minus control (currency units).
    spend_ci_low, spend_ci_high, spend_t, spend_p_value : float
        Welch interval and t-test of the spend difference.
    confidence : float
    note : str
        Which campaign was tested and how (from :func:`campaign_ab_test`), or why there is
        no test (then the result is empty: no outcomes, NaN numbers), or why the spend
        difference has no interval (:data:`NO_SPEND_TEST`; then the ``spend_*`` numbers but
        the difference itself are NaN).
    """

    campaign_id: str
    outcomes: pd.DataFrame
    arms: pd.DataFrame
    uplift: float
    uplift_ci_low: float
    uplift_ci_high: float
    z: float
    p_value: float
    spend_difference: float
    spend_ci_low: float
    spend_ci_high: float
    spend_t: float
    spend_p_value: float
    confidence: float
    note: str = ""

    @property
    def is_empty(self) -> bool:
        """True when there was no randomised campaign to test (see ``note``)."""
        return self.outcomes.empty

    def summary(self) -> pd.DataFrame:
        """The two effects (response uplift, spend per contact) in one table."""
        return pd.DataFrame(
            {
                "treatment": [
                    self.arms.loc["treatment", "response_rate"],
                    self.arms.loc["treatment", "spend_mean"],
                ],
                "control": [
                    self.arms.loc["control", "response_rate"],
                    self.arms.loc["control", "spend_mean"],
                ],
                "difference": [self.uplift, self.spend_difference],
                "ci_low": [self.uplift_ci_low, self.spend_ci_low],
                "ci_high": [self.uplift_ci_high, self.spend_ci_high],
                "p_value": [self.p_value, self.spend_p_value],
                "test": ["two-proportion z", "Welch t"],
            },
            index=pd.Index(["response_rate", "spend_per_contact"], name="outcome"),
        )


def _contact_outcomes(
    contacts: pd.DataFrame,
    transactions: pd.DataFrame,
    window_end: pd.Series,
) -> pd.DataFrame:
    """Per contact: responded (any purchase in [contact_date, window_end]) and spend."""
    tx = _validate.transactions(transactions)
    buys = tx.loc[~tx["is_return"], ["customer", "day", "amount"]]
    out = contacts[["customer_id", "arm", "contact_date"]].copy()
    out["contact_date"] = _days(contacts, "contact_date", name="contacts")
    out["window_end"] = window_end.to_numpy()
    out["row"] = np.arange(len(out))
    merged = out.merge(buys, left_on="customer_id", right_on="customer", how="inner")
    inside = (merged["day"] >= merged["contact_date"]) & (merged["day"] <= merged["window_end"])
    spend = merged.loc[inside].groupby("row")["amount"].sum()
    out["responded"] = out["row"].isin(spend.index)
    out["spend"] = spend.reindex(out["row"], fill_value=0.0).to_numpy(dtype=float)
    return out.drop(columns="row").reset_index(drop=True)


def _arm_row(part: pd.DataFrame, confidence: float) -> dict[str, float]:
    n, k = len(part), int(part["responded"].sum())
    low, high = wilson_interval(k, n, confidence)
    rate = k / n
    return {
        "n": n,
        "responders": k,
        "response_rate": rate,
        "ci_low": low,  # contains the rate, also at k = 0 or k = n (see _intervals)
        "ci_high": high,
        "spend_mean": float(part["spend"].mean()),
        "spend_sd": float(part["spend"].std(ddof=1)) if n > 1 else np.nan,
        "spend_total": float(part["spend"].sum()),
    }


def _two_arm_effects(
    treated: pd.DataFrame, control: pd.DataFrame, confidence: float
) -> dict[str, float]:
    """Uplift (Newcombe interval, z-test) and spend difference (Welch) of two arms."""
    k1, n1 = int(treated["responded"].sum()), len(treated)
    k0, n0 = int(control["responded"].sum()), len(control)
    alpha = 1 - confidence
    low, high = confint_proportions_2indep(k1, n1, k0, n0, compare="diff", method="newcomb",
                                           alpha=alpha)  # fmt: skip
    if k1 + k0 in (0, n1 + n0):  # everyone or nobody responded: no variance, no evidence
        z, p = 0.0, 1.0
    else:
        z, p = proportions_ztest([k1, k0], [n1, n0])
    s1, s0 = treated["spend"].to_numpy(float), control["spend"].to_numpy(float)
    diff = float(s1.mean() - s0.mean())
    if n1 > 1 and n0 > 1 and (s1.var() > 0 or s0.var() > 0):
        compare = CompareMeans(DescrStatsW(s1), DescrStatsW(s0))
        s_low, s_high = compare.tconfint_diff(alpha=alpha, usevar="unequal")
        t, sp, _ = compare.ttest_ind(usevar="unequal")
    else:
        s_low = s_high = t = sp = np.nan
    return {
        "uplift": k1 / n1 - k0 / n0,
        "uplift_ci_low": float(low),
        "uplift_ci_high": float(high),
        "z": float(z),
        "p_value": float(p),
        "spend_difference": diff,
        "spend_ci_low": float(s_low),
        "spend_ci_high": float(s_high),
        "spend_t": float(t),
        "spend_p_value": float(sp),
    }


def ab_test(
    contacts: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    campaign_id: str,
    campaigns: pd.DataFrame | None = None,
    window_days: int | None = None,
    confidence: float = 0.95,
) -> ABTestResult:
    """Evaluate a randomised campaign: response (retention) and spend, treatment vs control.

    Parameters
    ----------
    contacts : pandas.DataFrame
        ``campaign_id``, ``customer_id``, ``arm`` (``treatment``/``control``), ``contact_date``.
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount`` (and optionally ``is_return``).
    campaign_id : str
        The campaign to evaluate; it needs contacts in both arms.
    campaigns : pandas.DataFrame, optional
        ``campaign_id``, ``start_date``, ``end_date``: the outcome window of each contact runs
        from its ``contact_date`` to the campaign's ``end_date`` (inclusive).
    window_days : int, optional
        Instead: the outcome window is ``[contact_date, contact_date + window_days)`` (e.g.
        90 days to see whether customers were *retained*, not only whether they responded).
        Give exactly one of ``campaigns`` and ``window_days``.
    confidence : float
        Level of all intervals.

    Returns
    -------
    ABTestResult
        When spend per contact does not vary (e.g. nobody bought in the window) or an arm
        has a single contact, the spend difference has no interval or test: those numbers
        are NaN, ``note`` says why (:data:`NO_SPEND_TEST`) and a ``UserWarning`` is issued.

    Raises
    ------
    DataValidationError
        Missing columns, an unknown arm, a customer in both arms, or an empty arm.

    Examples
    --------
    >>> import pandas as pd
    >>> con = pd.DataFrame({"campaign_id": "R", "customer_id": list("abcd"),
    ...     "arm": ["treatment", "treatment", "control", "control"],
    ...     "contact_date": pd.Timestamp("2024-05-01")})
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...     "date": pd.to_datetime(["2024-05-03", "2024-04-01", "2024-05-20"]),
    ...     "amount": [30.0, 10.0, 12.0]})
    >>> r = ab_test(con, tx, campaign_id="R", window_days=30)
    >>> r.arms["response_rate"].tolist(), r.uplift, r.spend_difference
    ([0.5, 0.5], 0.0, 9.0)
    """
    confidence = _validate.confidence(confidence)
    require_columns(contacts, ["campaign_id", "customer_id", "arm", "contact_date"],
                    name="contacts")  # fmt: skip
    if (campaigns is None) == (window_days is None):
        raise ValueError("give exactly one of campaigns (window to end_date) and window_days")
    part = contacts.loc[contacts["campaign_id"] == campaign_id].reset_index(drop=True)
    if part.empty:
        raise DataValidationError(
            f"contacts: column 'campaign_id' has no rows for campaign {campaign_id!r}"
        )
    raise_for_rows(
        part, ~part["arm"].isin(["treatment", "control"]), column="arm",
        problem="must be 'treatment' or 'control'", name="contacts",
    )  # fmt: skip
    raise_for_rows(
        part, part["customer_id"].duplicated(keep=False), column="customer_id",
        problem=f"has customers contacted more than once in campaign {campaign_id!r}",
        name="contacts",
    )  # fmt: skip
    for arm in ("treatment", "control"):
        if not (part["arm"] == arm).any():
            raise DataValidationError(
                f"contacts: column 'arm' has no {arm!r} rows for campaign {campaign_id!r}; "
                "an A/B test needs both arms"
            )
    contact_day = _days(part, "contact_date", name="contacts")
    if window_days is not None:
        if isinstance(window_days, bool) or not window_days >= 1:
            raise ValueError(
                f"window_days must be a whole number of days >= 1, got {window_days!r}"
            )
        window_end = contact_day + pd.Timedelta(days=int(window_days) - 1)
    else:
        row = _campaign_row(campaigns, campaign_id)
        end = _validate.day(row["end_date"], what="campaigns end_date")
        window_end = pd.Series(end, index=part.index)
        raise_for_rows(
            part, (contact_day > end).to_numpy(), column="contact_date",
            problem=f"is after the campaign's end_date {end.date()}", name="contacts",
        )  # fmt: skip
    outcomes = _contact_outcomes(part, transactions, window_end)
    treated = outcomes.loc[outcomes["arm"] == "treatment"]
    control = outcomes.loc[outcomes["arm"] == "control"]
    arms = pd.DataFrame(
        {"treatment": _arm_row(treated, confidence), "control": _arm_row(control, confidence)}
    ).T
    arms["n"] = arms["n"].astype("int64")
    arms["responders"] = arms["responders"].astype("int64")
    arms.index.name = "arm"
    effects = _two_arm_effects(treated, control, confidence)
    note = ""
    if np.isnan(effects["spend_ci_low"]):
        note = NO_SPEND_TEST
        warnings.warn(f"campaign {campaign_id!r}: {NO_SPEND_TEST}", UserWarning, stacklevel=2)
    return ABTestResult(campaign_id, outcomes, arms, confidence=confidence, note=note, **effects)


def _empty_test(note: str, confidence: float) -> ABTestResult:
    """An A/B test result without data: no outcomes, NaN numbers, and the reason."""
    outcomes = pd.DataFrame(
        {
            "customer_id": pd.Series(dtype="str"),
            "arm": pd.Series(dtype="str"),
            "contact_date": pd.Series(dtype="datetime64[ns]"),
            "window_end": pd.Series(dtype="datetime64[ns]"),
            "responded": pd.Series(dtype="bool"),
            "spend": pd.Series(dtype="float64"),
        }
    )
    arms = pd.DataFrame(
        np.nan,
        index=pd.Index(["treatment", "control"], name="arm"),
        columns=["n", "responders", "response_rate", "ci_low", "ci_high", "spend_mean",
                 "spend_sd", "spend_total"],
    )  # fmt: skip
    arms["n"] = 0
    arms["responders"] = 0
    nan = float("nan")
    return ABTestResult("", outcomes, arms, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan,
                        confidence, note)  # fmt: skip


def campaign_ab_test(
    campaigns: pd.DataFrame,
    contacts: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    campaign_id: str | None = None,
    window_days: int | None = None,
    confidence: float = 0.95,
) -> ABTestResult:
    """The A/B test of a data set's randomised campaign, or an empty result that says why not.

    A campaign is randomised when its contacts include a ``control`` arm (selected but not
    contacted). Without ``campaign_id`` the latest such campaign (by ``start_date``) is
    tested with :func:`ab_test`.

    Parameters
    ----------
    campaigns : pandas.DataFrame
        ``campaign_id``, ``start_date``, ``end_date`` (and optionally ``name``, ``type``).
    contacts : pandas.DataFrame
        ``campaign_id``, ``customer_id``, ``arm``, ``contact_date``.
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount`` (and optionally ``is_return``).
    campaign_id : str, optional
        The campaign to test; default the latest randomised one.
    window_days : int, optional
        Outcome window after each contact (days); default the campaign's own window (contact
        day to ``end_date``).
    confidence : float
        Level of all intervals.

    Returns
    -------
    ABTestResult
        With a ``note`` naming the campaign and the outcome window. When the data set has no
        campaigns, or none with a control arm, the result is empty (``is_empty``; NaN
        numbers) and its ``note`` says so: a campaign's effect cannot be measured without a
        control group.

    Examples
    --------
    >>> import pandas as pd
    >>> cmp = pd.DataFrame({"campaign_id": ["R"], "name": ["Test"], "type": ["retention"],
    ...     "start_date": pd.to_datetime(["2024-05-01"]), "end_date": pd.to_datetime(["2024-05-30"])})
    >>> con = pd.DataFrame({"campaign_id": "R", "customer_id": list("abcd"),
    ...     "arm": ["treatment", "treatment", "control", "control"],
    ...     "contact_date": pd.Timestamp("2024-05-01")})
    >>> tx = pd.DataFrame({"customer_id": ["a", "c"], "amount": [30.0, 12.0],
    ...     "date": pd.to_datetime(["2024-05-03", "2024-05-20"])})
    >>> campaign_ab_test(cmp, con, tx).uplift
    0.0
    >>> campaign_ab_test(cmp.iloc[:0], con.iloc[:0], tx).is_empty
    True
    """
    confidence = _validate.confidence(confidence)
    require_columns(campaigns, ["campaign_id", "start_date", "end_date"], name="campaigns")
    require_columns(contacts, ["campaign_id", "customer_id", "arm", "contact_date"],
                    name="contacts")  # fmt: skip
    if campaigns.empty or contacts.empty:
        return _empty_test(NO_CAMPAIGNS, confidence)
    randomised = contacts.loc[contacts["arm"] == "control", "campaign_id"].unique()
    if campaign_id is None:
        candidates = campaigns.loc[campaigns["campaign_id"].isin(randomised)]
        if candidates.empty:
            return _empty_test(
                "No campaign in this data set has a control group (contacts with arm "
                "'control'): without one, a campaign's effect cannot be told apart from what "
                "customers would have bought anyway.",
                confidence,
            )
        starts = _days(candidates, "start_date", name="campaigns")
        campaign_id = str(candidates["campaign_id"].to_numpy()[int(np.argmax(starts.to_numpy()))])
    row = _campaign_row(campaigns, campaign_id)
    if window_days is None:
        result = ab_test(contacts, transactions, campaign_id=campaign_id, campaigns=campaigns,
                         confidence=confidence)  # fmt: skip
        window = f"from the contact day to the campaign end {_validate.day(row['end_date']).date()}"
    else:
        result = ab_test(contacts, transactions, campaign_id=campaign_id,
                         window_days=window_days, confidence=confidence)  # fmt: skip
        window = f"in the {int(window_days)} days from the contact day"
    name = f" '{row['name']}'" if "name" in row.index else ""
    kind = f" ({row['type']})" if "type" in row.index else ""
    arms = result.arms["n"]
    note = (
        f"Campaign {campaign_id}{name}{kind}: {int(arms['treatment'])} contacted, "
        f"{int(arms['control'])} held out at random; a response is a purchase {window}."
    )
    return replace(result, note=f"{note} {result.note}" if result.note else note)


# --------------------------------------------------------------------------------------------
# Uplift by segment
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class SegmentUplift(SettingsResult):
    """Uplift of a randomised campaign within each segment (what :func:`uplift_by_segment`
    returns).

    ``result["uplift"]`` and ``len(result)`` reach the table directly; ``result.summary()``
    gives the campaign, the segments tested and the test of equal uplift in all of them.

    Attributes
    ----------
    table : pandas.DataFrame
        Per segment (index ``segment``): ``n_treatment``, ``n_control`` (contacts),
        ``rate_treatment``, ``rate_control`` (response rates, 0-1), ``uplift`` (difference
        of the rates), ``ci_low``, ``ci_high`` (Newcombe interval), ``p_value`` (z-test),
        ``p_value_holm`` (adjusted over the segments) and ``spend_difference`` (currency
        units per contact).
    campaign_id : str
        The tested campaign ("" for an empty test).
    confidence : float
        Level of the intervals (0.95 = 95 %).
    heterogeneity_q : float
        Cochran's Q statistic of equal uplift in all tested segments (Agresti-Caffo
        variances); NaN with fewer than two tested segments.
    heterogeneity_p_value : float
        Its chi-square p-value (segments - 1 degrees of freedom).
    note : str
        The test's note (which campaign, or why there is none).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"uplift": [0.1, 0.02], "p_value": [0.01, 0.6]},
    ...                      index=pd.Index(["x", "y"], name="segment"))
    >>> result = SegmentUplift(table, "R", 0.95, 3.2, 0.0736)
    >>> result
    SegmentUplift(2 segments, campaign_id='R', confidence=0.95, heterogeneity_q=3.2, heterogeneity_p_value=0.0736)
    >>> print(result.summary())  # doctest: +NORMALIZE_WHITESPACE
    Uplift by segment: campaign R
    -----------------------------
    segments                     2 (2 with both arms)
    equal uplift in all (Q test) Q = 3.2, p = 0.0736
    intervals                    95% Newcombe; p-values Holm-adjusted over the segments
    """

    table: pd.DataFrame
    campaign_id: str
    confidence: float
    heterogeneity_q: float
    heterogeneity_p_value: float
    note: str = field(default="", repr=False)
    _row_name = "segments"

    def summary(self) -> ResultSummary:
        """Segments tested, the heterogeneity test and the interval level."""
        tested = int(self.table["p_value"].notna().sum()) if "p_value" in self.table else 0
        q = "n/a" if self.heterogeneity_q != self.heterogeneity_q else f"{self.heterogeneity_q:.3g}"
        rows = (
            ("segments", f"{len(self.table):,} ({tested:,} with both arms)"),
            ("equal uplift in all (Q test)", f"Q = {q}, p = {p_value_text(self.heterogeneity_p_value)}"),
            ("intervals", f"{percent(self.confidence)} Newcombe; "
                          "p-values Holm-adjusted over the segments"),
        )  # fmt: skip
        title = f"Uplift by segment: campaign {self.campaign_id or 'none'}"
        return ResultSummary(title, rows, (self.note,) if self.note else ())


def uplift_by_segment(
    result: ABTestResult,
    segments: pd.Series,
    *,
    confidence: float | None = None,
) -> SegmentUplift:
    """Uplift of a randomised campaign within each segment of the contacted customers.

    Randomisation holds within every segment defined *before* the campaign (acquisition
    channel, RFM segment at the start, region...), so each segment's difference is an unbiased
    estimate of its uplift; with small segments the intervals are wide. Do not segment by
    anything the campaign could have changed (e.g. purchases after the start).

    Parameters
    ----------
    result : ABTestResult
        From :func:`ab_test`.
    segments : pandas.Series
        Segment label per customer (index ``customer_id``); every contacted customer needs one.
    confidence : float, optional
        Level of the intervals; default the one of ``result``.

    Returns
    -------
    SegmentUplift
        ``table`` per segment: ``n_treatment``, ``n_control``, ``rate_treatment``,
        ``rate_control``, ``uplift``, ``ci_low``, ``ci_high`` (Newcombe), ``p_value``
        (z-test), ``p_value_holm`` (adjusted over the segments), ``spend_difference``
        (currency per contact); ``heterogeneity_p_value`` holds Cochran's Q test of equal
        uplift in all segments (Agresti-Caffo variances), ``heterogeneity_q`` its statistic.
        An empty ``result`` (no randomised campaign) gives an empty table with the test's
        ``note``. (The table's ``attrs`` still hold these, for code written when the
        function returned the table.)

    Raises
    ------
    TypeError
        ``result`` is not an :class:`ABTestResult`.
    DataValidationError
        ``segments`` is not a Series or lacks a label for a contacted customer.

    Examples
    --------
    >>> import pandas as pd
    >>> con = pd.DataFrame({"campaign_id": "R", "customer_id": list("abcdefgh"),
    ...     "arm": ["treatment", "control"] * 4, "contact_date": pd.Timestamp("2024-05-01")})
    >>> tx = pd.DataFrame({"customer_id": ["a", "c", "e"], "amount": [5.0, 5.0, 5.0],
    ...     "date": pd.to_datetime(["2024-05-02"] * 3)})
    >>> r = ab_test(con, tx, campaign_id="R", window_days=10)
    >>> seg = pd.Series(["x", "x", "x", "x", "y", "y", "y", "y"], index=list("abcdefgh"))
    >>> uplift_by_segment(r, seg)["uplift"].tolist()
    [1.0, 0.5]
    """
    result = _test_result(result)
    confidence = result.confidence if confidence is None else _validate.confidence(confidence)
    if result.is_empty:
        columns = ["n_treatment", "n_control", "rate_treatment", "rate_control", "uplift",
                   "ci_low", "ci_high", "p_value", "spend_difference", "p_value_holm"]  # fmt: skip
        table = pd.DataFrame(columns=columns, index=pd.Index([], name="segment"), dtype=float)
        return _segment_uplift(table, result, confidence, np.nan, np.nan)
    if not isinstance(segments, pd.Series):
        raise DataValidationError(
            f"segments must be a pandas Series indexed by customer_id, got {type(segments).__name__}"
        )
    ids = result.outcomes["customer_id"]
    missing = pd.Index(ids).difference(segments.index)
    if len(missing):
        raise DataValidationError(
            f"segments has no label for {len(missing)} contacted customer(s) of column "
            f"'customer_id', e.g. {list(missing[:5])}"
        )
    labels = segments.reindex(ids).to_numpy()
    outcomes = result.outcomes.assign(segment=labels)
    raise_for_rows(outcomes, pd.isna(labels), column="segment", problem="must not be missing",
                   name="segments")  # fmt: skip
    rows, q_parts = {}, []
    for segment, part in outcomes.groupby("segment", sort=True, observed=True):
        treated = part.loc[part["arm"] == "treatment"]
        control = part.loc[part["arm"] == "control"]
        if treated.empty or control.empty:
            rows[segment] = {"n_treatment": len(treated), "n_control": len(control)}
            continue
        effects = _two_arm_effects(treated, control, confidence)
        rows[segment] = {
            "n_treatment": len(treated),
            "n_control": len(control),
            "rate_treatment": float(treated["responded"].mean()),
            "rate_control": float(control["responded"].mean()),
            "uplift": effects["uplift"],
            "ci_low": effects["uplift_ci_low"],
            "ci_high": effects["uplift_ci_high"],
            "p_value": effects["p_value"],
            "spend_difference": effects["spend_difference"],
        }
        # Agresti-Caffo: add one success and one failure per arm for the variance
        k1, n1 = treated["responded"].sum() + 1, len(treated) + 2
        k0, n0 = control["responded"].sum() + 1, len(control) + 2
        p1, p0 = k1 / n1, k0 / n0
        q_parts.append((p1 - p0, p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0))
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "segment"
    tested = table["p_value"].notna() if "p_value" in table else pd.Series(False, table.index)
    table["p_value_holm"] = np.nan
    if tested.any():
        table.loc[tested, "p_value_holm"] = multipletests(table.loc[tested, "p_value"],
                                                          method="holm")[1]  # fmt: skip
    if len(q_parts) >= 2:
        d = np.array([q[0] for q in q_parts])
        w = 1.0 / np.array([q[1] for q in q_parts])
        pooled = float(np.sum(w * d) / np.sum(w))
        q = float(np.sum(w * (d - pooled) ** 2))
        return _segment_uplift(table, result, confidence, q, float(chi2.sf(q, len(q_parts) - 1)))
    return _segment_uplift(table, result, confidence, np.nan, np.nan)


def _segment_uplift(
    table: pd.DataFrame, test: ABTestResult, confidence: float, q: float, p_value: float
) -> SegmentUplift:
    # kept for code written when the table was the result
    table.attrs = {"heterogeneity_q": q, "heterogeneity_p_value": p_value, "note": test.note}
    return SegmentUplift(table, str(test.campaign_id), float(confidence), q, p_value, test.note)


# --------------------------------------------------------------------------------------------
# Return on campaign cost
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CampaignReturn:
    """Incremental margin of a campaign against its cost (currency units).

    Attributes
    ----------
    n_contacted : int
        Contacts in the treatment arm.
    incremental_revenue, incremental_revenue_low, incremental_revenue_high : float
        ``spend_difference x n_contacted`` with the Welch interval scaled the same way.
    incremental_margin, incremental_margin_low, incremental_margin_high : float
        ``margin x incremental revenue``.
    cost : float
        Campaign cost.
    net_return, net_return_low, net_return_high : float
        ``incremental_margin - cost``.
    roi, roi_low, roi_high : float
        ``net_return / cost`` (0.5 = every unit spent returned 1.5 units of margin).
    margin, confidence : float
    note : str
        The test's note: why the numbers are NaN when the test was empty (no randomised
        campaign), or why the intervals are NaN when the spend difference has none.
    """

    n_contacted: int
    incremental_revenue: float
    incremental_revenue_low: float
    incremental_revenue_high: float
    incremental_margin: float
    incremental_margin_low: float
    incremental_margin_high: float
    cost: float
    net_return: float
    net_return_low: float
    net_return_high: float
    roi: float
    roi_low: float
    roi_high: float
    margin: float
    confidence: float
    note: str = ""

    def summary(self) -> pd.DataFrame:
        """Estimate and interval of revenue, margin, net return and ROI."""
        rows = {}
        for key in ("incremental_revenue", "incremental_margin", "net_return", "roi"):
            rows[key] = {
                "estimate": getattr(self, key),
                "ci_low": getattr(self, f"{key}_low"),
                "ci_high": getattr(self, f"{key}_high"),
            }
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "quantity"
        return out


def campaign_return(
    result: ABTestResult,
    *,
    margin: float,
    cost: float | None = None,
    campaigns: pd.DataFrame | None = None,
) -> CampaignReturn:
    """Return on campaign cost: incremental margin (from the A/B test) vs what it cost.

    Only the *difference* to the control arm counts as caused by the campaign; purchases the
    treated customers would have made anyway are not a return on it.

    Parameters
    ----------
    result : ABTestResult
        From :func:`ab_test`; its spend difference is per contact.
    margin : float
        Gross margin as a fraction of revenue (e.g. 0.3).
    cost : float, optional
        Total campaign cost (currency units), e.g. ``campaigns.total_cost``.
    campaigns : pandas.DataFrame, optional
        Instead of ``cost``: the campaigns table, whose ``total_cost`` of the tested campaign
        is used.

    Returns
    -------
    CampaignReturn
        All NaN, with the test's ``note``, when the test is empty; NaN intervals, with the
        test's ``note``, when the spend difference has none.

    Raises
    ------
    TypeError
        ``result`` is not an :class:`ABTestResult`.

    Examples
    --------
    >>> import pandas as pd
    >>> con = pd.DataFrame({"campaign_id": "R", "customer_id": list("abcd"),
    ...     "arm": ["treatment", "treatment", "control", "control"],
    ...     "contact_date": pd.Timestamp("2024-05-01")})
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [100.0, 50.0, 30.0],
    ...     "date": pd.to_datetime(["2024-05-03", "2024-05-04", "2024-05-05"])})
    >>> r = campaign_return(ab_test(con, tx, campaign_id="R", window_days=30), margin=0.5,
    ...                     cost=20.0)
    >>> r.incremental_revenue, r.net_return, r.roi
    (120.0, 40.0, 2.0)
    """
    result = _test_result(result)
    if (cost is None) == (campaigns is None):
        raise ValueError("give exactly one of cost and campaigns (to look up total_cost)")
    if result.is_empty:
        nan = float("nan")
        return CampaignReturn(0, *([nan] * 13), float(margin), result.confidence, result.note)
    if campaigns is not None:
        require_columns(campaigns, ["campaign_id", "total_cost"], name="campaigns")
        cost = float(_campaign_row(campaigns, result.campaign_id)["total_cost"])
    for name, value in (("margin", margin), ("cost", cost)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
    if cost <= 0:
        raise ValueError(f"cost must be > 0 currency units, got {cost!r}")
    n = int(result.arms.loc["treatment", "n"])
    revenue = np.array([result.spend_difference, result.spend_ci_low, result.spend_ci_high]) * n
    margin_values = float(margin) * revenue
    net = margin_values - float(cost)
    roi = net / float(cost)
    return CampaignReturn(
        n, *map(float, revenue), *map(float, margin_values), float(cost), *map(float, net),
        *map(float, roi), float(margin), result.confidence, result.note,
    )  # fmt: skip
