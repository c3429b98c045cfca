"""The causal effect of a loyalty programme: difference-in-differences around enrolment.

Members choose to enrol, and heavier buyers enrol more: members outspend non-members
whether or not the programme does anything, so the naive member-vs-non-member comparison
mixes the programme's effect with who joined. :func:`programme_effect` estimates the effect
on the members (the ATT) with a stacked difference-in-differences design:

1. **Windows around each member's enrolment period** *e* (calendar periods ``period``): a
   *matching* window of ``match_periods`` periods, then a *baseline* (pre) window of
   ``pre_periods`` periods just before *e*, then an *outcome* (post) window of
   ``post_periods`` periods just after *e*. The enrolment period itself mixes before and
   after and is left out.
2. **Matched non-members.** For the members of one enrolment period, the candidates are the
   customers not enrolled by the end of the post window (never-members and later members),
   observed since the start of the matching window. Each member gets its ``n_neighbours``
   nearest candidates (with replacement) on mean spend and mean purchase occasions per period
   in the matching window, standardised. The matching window lies *before* the baseline
   window on purpose: matching on the baseline itself would pick non-members whose baseline
   was luckily high, and their regression to the mean would bias the difference-in-differences
   (Daw & Hatfield 2018).
3. **Difference in differences.** Per customer, the change of the outcome per period from the
   baseline to the outcome window; the effect is the members' mean change minus that of their
   matched non-members, from a weighted least-squares fit ``change ~ enrolment period +
   member`` (weights 1 for a member, 1 / ``n_neighbours`` for a matched non-member) with a
   cluster-robust interval by customer (a non-member matched more than once is one cluster),
   from :mod:`statsmodels`.

The naive comparison beside it: the members' outcome per period in their outcome window
minus that of all candidate non-members in the same calendar periods, fitted the same way
(``outcome ~ enrolment period + member``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.spatial import cKDTree

from portfolio_lib import _validate
from portfolio_lib._counts import whole_number
from portfolio_lib._errors import DataValidationError, raise_for_rows
from portfolio_lib._results import ResultSummary, SettingsResult, p_value_text, percent
from portfolio_lib.lifecycle import PERIOD_NAMES, Period, purchases_by_period

__all__ = ["ProgrammeEffect", "programme_effect"]

Outcome = Literal["spend", "purchases"]
#: Below this many members in the estimate, :func:`programme_effect` warns.
FEW_MEMBERS = 30
_UNITS = {"spend": "currency units", "purchases": "purchase occasions"}


@dataclass(frozen=True, repr=False, eq=False)
class ProgrammeEffect(SettingsResult):
    """The programme's effect, naive and causal (what :func:`programme_effect` returns).

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``estimate`` (``"naive"``, ``"did_matched"``): ``effect`` (outcome per customer
        per period, member minus non-member), ``ci_low``, ``ci_high`` (cluster-robust),
        ``p_value``, ``n_members``, ``n_controls`` (distinct non-members) and ``method``.
    outcome : str
        ``"spend"`` (net spend, currency units) or ``"purchases"`` (purchase occasions).
    period : str
        Calendar period of the windows.
    match_periods, pre_periods, post_periods : int
        Lengths of the matching, baseline and outcome windows (periods).
    n_neighbours : int
        Matched non-members per member.
    confidence : float
        Level of the intervals.
    n_enrolled : int
        Members with an enrolment date.
    excluded : dict
        Members left out of the estimate, by reason (counts).
    units : pandas.DataFrame
        The matched sample, one row per member and per match: ``customer``, ``role``
        (``member``/``control``), ``cohort`` (enrolment period), ``matched_to``, ``weight``,
        ``match_spend``, ``match_purchases`` (means per period in the matching window),
        ``pre``, ``post`` (outcome means per period) and ``change`` (post - pre).
    balance : pandas.DataFrame
        Mean outcome per period in each window (rows ``match``, ``pre``, ``post``) of the
        members, their matched non-members and all candidate non-members.
    """

    table: pd.DataFrame
    outcome: str
    period: str
    match_periods: int
    pre_periods: int
    post_periods: int
    n_neighbours: int
    confidence: float
    n_enrolled: int
    excluded: dict[str, int] = field(default_factory=dict, repr=False)
    units: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    balance: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _row_name = "estimates"

    def conclusion(self) -> str:
        """One sentence for a manager: the matched estimate with its interval, whether the
        programme raises or lowers the outcome (the interval excludes 0) or cannot be told
        from no effect, and how far the naive comparison lies from it.

        Examples
        --------
        >>> rng = np.random.default_rng(1)
        >>> customers = pd.DataFrame({"customer_id": range(300), "loyalty_join_date": pd.NaT})
        >>> customers.loc[:99, "loyalty_join_date"] = pd.Timestamp("2024-07-15")
        >>> tx = pd.DataFrame([(c, pd.Timestamp(2024, m, 5), 40.0 + 30 * (c < 100 and m > 7))
        ...                    for c in range(300) for m in range(1, 13) if rng.random() < 0.7],
        ...                   columns=["customer_id", "date", "amount"])
        >>> programme_effect(tx, customers, observation_end="2024-12-31").conclusion()[:44]
        'Difference-in-differences: enrolling changed'
        """
        return _conclusion(self)

    def summary(self) -> ResultSummary:
        """Both estimates with their intervals, the sample and the windows."""
        level = percent(self.confidence)
        unit = _UNITS[self.outcome]

        def line(name: str) -> str:
            r = self.table.loc[name]
            return (
                f"{r['effect']:+,.2f} ({level} interval {r['ci_low']:+,.2f} to "
                f"{r['ci_high']:+,.2f}, p = {p_value_text(r['p_value'])})"
            )

        used = int(self.table.loc["did_matched", "n_members"])
        left = ", ".join(f"{k}: {v:,}" for k, v in self.excluded.items() if v) or "none"
        rows = (
            ("naive: members vs non-members", line("naive")),
            ("difference-in-differences, matched", line("did_matched")),
            ("members used", f"{used:,} of {self.n_enrolled:,} (left out: {left})"),
            ("matched non-members", f"{int(self.table.loc['did_matched', 'n_controls']):,} "
                                    f"({self.n_neighbours} per member, with replacement)"),
            ("windows", f"match {self.match_periods}, baseline {self.pre_periods}, outcome "
                        f"{self.post_periods} {self.period} periods; enrolment period left out"),
        )  # fmt: skip
        note = (
            f"Effect on {self.outcome} per customer per period ({unit}) after enrolment. "
            "Intervals are cluster-robust by customer. The naive comparison also measures who "
            "chose to join; the difference-in-differences removes each customer's own level."
        )
        return ResultSummary(f"Loyalty programme effect on {self.outcome}", rows, (note,))


def _conclusion(result: ProgrammeEffect) -> str:
    did, naive = result.table.loc["did_matched"], result.table.loc["naive"]
    period = PERIOD_NAMES.get(result.period, f"{result.period} period")
    unit = f"{_UNITS[result.outcome]} per member per {period}"
    low, high, effect = did["ci_low"], did["ci_high"], did["effect"]
    interval = f"{percent(result.confidence)} interval {low:+,.2f} to {high:+,.2f}"
    if low > 0 or high < 0:
        verdict = "the programme raises it" if low > 0 else "the programme lowers it"
    else:
        verdict = "not distinguishable from no effect with these members"
    gap = naive["effect"] - effect
    if low <= naive["effect"] <= high:
        naive_text = f"the naive comparison ({naive['effect']:+,.2f}) lies inside that interval"
    else:
        naive_text = (
            f"the naive comparison ({naive['effect']:+,.2f}) is {abs(gap):,.2f} "
            f"{'higher' if gap > 0 else 'lower'} and outside the interval: that part is who "
            "chose to join, not what the programme did"
        )
    return (
        f"Difference-in-differences: enrolling changed {result.outcome} by {effect:+,.2f} {unit} "
        f"({interval}): {verdict}; {naive_text}."
    )


def _fit(frame: pd.DataFrame, y: str, confidence: float) -> tuple[float, float, float, float]:
    """``y ~ C(cohort) + member`` by WLS, cluster-robust by customer: effect, CI, p."""
    dummies = pd.get_dummies(frame["cohort"].astype(str), prefix="cohort", dtype=float)
    design = pd.concat([dummies, frame["member"].astype(float)], axis=1).to_numpy()
    groups = pd.factorize(frame["customer"])[0]
    fit = sm.WLS(frame[y].to_numpy(float), design, weights=frame["weight"].to_numpy(float)).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    low, high = fit.conf_int(alpha=1 - confidence)[-1]
    return float(fit.params[-1]), float(low), float(high), float(fit.pvalues[-1])


def programme_effect(
    transactions: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    outcome: Outcome = "spend",
    period: Period = "M",
    match_periods: int = 3,
    pre_periods: int = 3,
    post_periods: int = 3,
    n_neighbours: int = 1,
    confidence: float = 0.95,
    observation_end: str | pd.Timestamp | None = None,
    customer_col: str = "customer_id",
    enrol_col: str = "loyalty_join_date",
    signup_col: str | None = None,
    date_col: str = "date",
    amount_col: str = "amount",
    return_col: str | None = "is_return",
) -> ProgrammeEffect:
    """Effect of enrolling in the loyalty programme: matched difference-in-differences.

    See the module docstring for the design; the naive member-vs-non-member comparison is
    returned beside it.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_col``, ``date_col``, ``amount_col`` (currency units), optionally
        ``return_col``; every customer must be in ``customers``.
    customers : pandas.DataFrame
        One row per customer: ``customer_col``, ``enrol_col`` (enrolment date; missing for
        non-members) and ``signup_col`` when given. Customers without transactions count as
        buying nothing.
    outcome : {"spend", "purchases"}
        Net spend (currency units) or purchase occasions, per customer per period.
    period : {"W", "M", "Q", "Y"}
        Calendar period of the windows.
    match_periods, pre_periods, post_periods : int
        Periods (>= 1) of the matching, baseline and outcome windows.
    n_neighbours : int
        Non-members matched to each member (>= 1).
    confidence : float
        Level of the intervals.
    observation_end : date, optional
        Last day observed (default: the last transaction day).
    customer_col, enrol_col, date_col, amount_col, return_col : str
        Column names.
    signup_col : str, optional
        Sign-up date: a customer counts as observed from its period (default: from the
        period of their first purchase, so a customer before that period is not a candidate).

    Returns
    -------
    ProgrammeEffect
        With a ``UserWarning`` when fewer than :data:`FEW_MEMBERS` members have all windows
        (members who enrol soon after signing up have no history to compare with).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ids = np.arange(400)
    >>> customers = pd.DataFrame({"customer_id": ids, "loyalty_join_date": pd.NaT})
    >>> customers.loc[ids < 100, "loyalty_join_date"] = pd.Timestamp("2024-07-15")
    >>> rows = [(c, pd.Timestamp(2024, m, 10), 50.0 + (20.0 if c < 100 and m > 7 else 0))
    ...         for c in ids for m in range(1, 13) if rng.random() < 0.6]
    >>> tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    >>> r = programme_effect(tx, customers, observation_end="2024-12-31")
    >>> bool(r.table.loc["did_matched", "ci_low"] < 12 < r.table.loc["did_matched", "ci_high"])
    True
    """
    confidence = _validate.confidence(confidence)
    if outcome not in _UNITS:
        raise ValueError(f"outcome must be one of {list(_UNITS)}, got {outcome!r}")
    m_len = whole_number(match_periods, "match_periods", 1)
    pre = whole_number(pre_periods, "pre_periods", 1)
    post = whole_number(post_periods, "post_periods", 1)
    k = whole_number(n_neighbours, "n_neighbours", 1)
    columns = [customer_col, enrol_col] + ([signup_col] if signup_col else [])
    customers = _validate.table(customers, name="customers", columns=columns)
    raise_for_rows(customers, customers[customer_col].isna(), column=customer_col,
                   problem="must not be missing", name="customers")  # fmt: skip
    raise_for_rows(customers, customers[customer_col].duplicated(keep=False),
                   column=customer_col, problem="repeats a customer", name="customers")  # fmt: skip
    enrol = _validate.dates(customers, enrol_col, name="customers", missing="keep")
    panel = purchases_by_period(
        transactions, period=period, observation_end=observation_end,
        customer_col=customer_col, date_col=date_col, amount_col=amount_col,
        return_col=return_col,
    )  # fmt: skip
    ids = pd.Index(customers[customer_col])
    unknown = ~panel[customer_col].isin(ids)
    if unknown.any():
        missing = panel.loc[unknown, customer_col].unique()
        raise DataValidationError(
            f"transactions: column {customer_col!r} has {len(missing)} customer(s) not in "
            f"customers, e.g. {list(missing[:5])}; every buyer needs a row in customers "
            "(a missing enrolment date marks a non-member)"
        )
    periods = pd.Index(panel["period"].unique())
    freq = periods[0].freq
    wide = {
        name: panel.pivot(index=customer_col, columns="period", values=name)
        .reindex(index=ids, columns=periods, fill_value=0)
        .fillna(0)
        .to_numpy(float)
        for name in ("spend", "purchases")
    }
    y = wide[outcome]

    def index_of(values: pd.Series) -> np.ndarray:
        """Period index of dates (NaN where missing); may fall outside 0 .. J-1."""
        numbers = values.dt.to_period(freq).array.asi8.astype(float)
        numbers[values.isna().to_numpy()] = np.nan
        return numbers - periods[0].ordinal

    e = index_of(enrol.reset_index(drop=True))
    if signup_col:
        signup = _validate.dates(customers, signup_col, name="customers", missing="keep")
        seen = index_of(signup.reset_index(drop=True))
    else:
        first = panel.groupby(customer_col)["first_period"].first().reindex(ids)
        seen = index_of(first.dt.start_time.reset_index(drop=True))
    seen = np.where(np.isnan(seen), np.inf, seen)
    member = ~np.isnan(e)
    n_periods = len(periods)
    start = e - pre - m_len
    excluded = {
        "enrolled too early for the windows": int((member & (start < 0)).sum()),
        "enrolled too late for the outcome window": int(
            (member & (start >= 0) & (e + post > n_periods - 1)).sum()
        ),
        "not observed since the matching window": int(
            (member & (start >= 0) & (e + post <= n_periods - 1) & (seen > start)).sum()
        ),
    }
    eligible = member & (start >= 0) & (e + post <= n_periods - 1) & (seen <= start)

    def window_mean(matrix: np.ndarray, rows: np.ndarray, first: int, length: int) -> np.ndarray:
        return matrix[rows, first : first + length].mean(axis=1)

    units: list[pd.DataFrame] = []
    naive: list[pd.DataFrame] = []
    no_match = 0
    for cohort in np.unique(e[eligible]).astype(int):
        members = np.flatnonzero(eligible & (e == cohort))
        s = cohort - pre - m_len
        late = np.where(np.isnan(e), np.inf, e)
        pool = np.flatnonzero((late > cohort + post) & (seen <= s))
        if len(pool) < k:
            no_match += len(members)
            continue
        feats = {
            name: window_mean(wide[name], np.concatenate([members, pool]), s, m_len)
            for name in ("spend", "purchases")
        }
        x = np.column_stack([feats["spend"], feats["purchases"]])
        scale = x.std(axis=0)
        x = x / np.where(scale > 0, scale, 1.0)
        _, nearest = cKDTree(x[len(members) :]).query(x[: len(members)], k=k)
        nearest = np.asarray(nearest).reshape(len(members), k)
        chosen = pool[nearest.ravel()]
        rows = np.concatenate([members, chosen])
        frame = pd.DataFrame(
            {
                "customer": ids[rows],
                "role": ["member"] * len(members) + ["control"] * len(chosen),
                "cohort": str(periods[cohort]),
                "matched_to": np.concatenate([ids[members], np.repeat(ids[members], k)]),
                "weight": np.concatenate([np.ones(len(members)), np.full(len(chosen), 1 / k)]),
                "match_spend": window_mean(wide["spend"], rows, s, m_len),
                "match_purchases": window_mean(wide["purchases"], rows, s, m_len),
                "pre": window_mean(y, rows, cohort - pre, pre),
                "post": window_mean(y, rows, cohort + 1, post),
            }
        )
        units.append(frame)
        naive.append(
            pd.DataFrame(
                {
                    "customer": ids[np.concatenate([members, pool])],
                    "cohort": str(periods[cohort]),
                    "member": np.r_[np.ones(len(members)), np.zeros(len(pool))],
                    "weight": 1.0,
                    "match": window_mean(y, np.concatenate([members, pool]), s, m_len),
                    "pre": window_mean(y, np.concatenate([members, pool]), cohort - pre, pre),
                    "post": window_mean(y, np.concatenate([members, pool]), cohort + 1, post),
                }
            )
        )
    excluded["no non-member to match"] = no_match
    if not units:
        raise DataValidationError(
            f"customers: column {enrol_col!r} leaves no member with {m_len + pre} periods "
            f"before and {post} after the enrolment period and a non-member to match "
            f"(left out: {excluded}); shorten the windows or use a longer log"
        )
    matched = pd.concat(units, ignore_index=True)
    n_used = int((matched["role"] == "member").sum())
    if n_used < FEW_MEMBERS:
        warnings.warn(
            f"programme_effect: only {n_used} member(s) have the windows around their "
            f"enrolment (left out: {excluded}); the intervals rest on very few customers",
            UserWarning,
            stacklevel=2,
        )
    matched["change"] = matched["post"] - matched["pre"]
    matched["member"] = (matched["role"] == "member").astype(float)
    everyone = pd.concat(naive, ignore_index=True)
    if matched["change"].nunique() < 2 or everyone["post"].nunique() < 2:
        raise DataValidationError(
            f"transactions: column {amount_col!r} gives the same {outcome} per period to every "
            "customer in the windows (no variation to compare); is the log complete?"
        )
    estimates = {
        "naive": (_fit(everyone, "post", confidence), everyone,
                  "members' outcome window vs all candidate non-members, same periods"),
        "did_matched": (_fit(matched, "change", confidence), matched,
                        "change from baseline, members vs matched non-members"),
    }  # fmt: skip
    table = pd.DataFrame(
        [
            {
                "effect": fit[0], "ci_low": fit[1], "ci_high": fit[2], "p_value": fit[3],
                "n_members": int((frame["member"] == 1).sum()),
                "n_controls": int(frame.loc[frame["member"] == 0, "customer"].nunique()),
                "method": method,
            }
            for fit, frame, method in estimates.values()
        ],
        index=pd.Index(list(estimates), name="estimate"),
    )  # fmt: skip
    matched_means = matched.assign(match=matched["match_spend" if outcome == "spend" else
                                                  "match_purchases"])  # fmt: skip
    balance = pd.DataFrame(
        {
            "members": matched_means.loc[matched["member"] == 1, ["match", "pre", "post"]].mean(),
            "matched_non_members": matched_means.loc[matched["member"] == 0]
            .pipe(lambda f: f[["match", "pre", "post"]].mul(f["weight"], axis=0).sum()
                  / f["weight"].sum()),
            "all_non_members": everyone.loc[everyone["member"] == 0, ["match", "pre", "post"]]
            .mean(),
        }
    )  # fmt: skip
    balance.index.name = "window"
    return ProgrammeEffect(
        table, outcome, period, m_len, pre, post, k, confidence, int(member.sum()), excluded,
        matched.drop(columns="member"), balance,
    )  # fmt: skip
