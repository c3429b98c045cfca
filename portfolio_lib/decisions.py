"""Decisions computed from the numbers: a rule with its threshold, the inputs, the verdict.

A sentence such as "keep the retention e-mail" is only true for the numbers it was written
for; the chapters are parameterised, so with another seed or data set fixed prose and the
numbers part ways. Each function here turns a result into a :class:`Decision`: the *rule*
(with its threshold, in words), the *inputs* it used and the *verdict* that follows. The
notebook prints the decision; the markdown around it explains the rule, not the outcome.

Rules (``rule_id`` -> function that re-evaluates a verdict from inputs and thresholds, in
:data:`RULES`):

* ``campaign_rollout`` (:func:`campaign_rollout`): roll out only if the lower bound of the
  net return is above 0, stop if its upper bound is below 0, otherwise test more;
* ``target_segments`` (:func:`target_segments`): target every segment whose uplift
  interval lies above 0 (not just the largest one), leave out those below 0;
* ``acquisition`` (:func:`acquisition_decision`): invest / hold / cut per channel and
  overall from CLV/CAC, with the thresholds and the verdicts of
  :func:`portfolio_lib.acquisition.acquisition_economics` (one source: the table's verdict);
* ``call_list`` (:func:`call_list_decision`): call the customers whose expected saved value
  is above 0;
* ``retention_target`` (:func:`retention_target`): a retention measured over a window
  against a target converted to the same window;
* ``increasing_steps`` (:func:`step_gains`): whether each step of ``x`` adds more ``y``
  per unit than the step before;
* ``comparison`` (:func:`comparison_decision`): how many published numbers a fit
  reproduced, or that the data set has none to compare.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import require_columns
from portfolio_lib._results import ResultSummary
from portfolio_lib.acquisition import CUT_RATIO, INVEST_RATIO, AcquisitionEconomics, channel_verdict
from portfolio_lib.campaigns import CampaignReturn, SegmentUplift
from portfolio_lib.portfolio.dashboard import KPIDashboard
from portfolio_lib.portfolio.kpis import retention_over
from portfolio_lib.portfolio.strategy import RETENTION_TARGET
from portfolio_lib.portfolio.targeting import CallList

__all__ = [
    "RULES",
    "Decision",
    "acquisition_decision",
    "call_list_decision",
    "campaign_rollout",
    "comparison_decision",
    "group_retention_target",
    "evaluate",
    "retention_target",
    "step_gains",
    "target_segments",
]


def _number(value: float) -> str:
    """A number for a decision sentence: thousands separators, at most 3 decimals."""
    value = float(value)
    if not math.isfinite(value):
        return "n/a"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    digits = 2 if abs(value) >= 1 else 3
    return f"{value:,.{digits}f}"


@dataclass(frozen=True)
class Decision:
    """A verdict, the rule that gave it (with its threshold) and the numbers it used.

    Attributes
    ----------
    rule_id : str
        Key of the rule in :data:`RULES` (re-evaluate with :func:`evaluate`).
    question : str
        What is decided, as a question.
    verdict : str
        The answer the rule gives for ``inputs``.
    rule : str
        The rule in words, thresholds included.
    inputs : tuple of (str, float)
        The numbers the rule used, by name (currency units, rates 0-1 or ratios).
    thresholds : tuple of (str, float)
        The rule's settings (e.g. ``invest_ratio``).

    Examples
    --------
    >>> d = Decision("campaign_rollout", "Roll out?", "stop", "go only if low > 0",
    ...              (("net_return_low", -5.0), ("net_return_high", -1.5)), (("threshold", 0.0),))
    >>> print(d)
    Decision: Roll out? -> stop
      rule: go only if low > 0
      from: net_return_low = -5; net_return_high = -1.50 (threshold = 0)
    >>> evaluate(d)
    'stop'
    """

    rule_id: str
    question: str
    verdict: str
    rule: str
    inputs: tuple[tuple[str, float], ...]
    thresholds: tuple[tuple[str, float], ...] = ()

    @property
    def input_values(self) -> dict[str, float]:
        """``inputs`` as a dict."""
        return dict(self.inputs)

    @property
    def threshold_values(self) -> dict[str, float]:
        """``thresholds`` as a dict."""
        return dict(self.thresholds)

    def _from(self) -> str:
        numbers = "; ".join(f"{k} = {_number(v)}" for k, v in self.inputs)
        limits = ", ".join(f"{k} = {_number(v)}" for k, v in self.thresholds)
        return numbers + (f" ({limits})" if limits else "")

    def as_text(self) -> str:
        """Three lines: the question and verdict, the rule, the numbers."""
        return (
            f"Decision: {self.question} -> {self.verdict}\n  rule: {self.rule}\n"
            f"  from: {self._from()}"
        )

    def summary(self) -> ResultSummary:
        """The decision as labelled rows (verdict, rule, each input and threshold)."""
        rows = [("verdict", self.verdict), ("rule", self.rule)]
        rows += [(k, _number(v)) for k, v in self.inputs]
        rows += [(k, _number(v)) for k, v in self.thresholds]
        return ResultSummary(f"Decision: {self.question}", tuple(rows))

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return (
            f"<p><b>Decision: {html.escape(self.question)} &rarr; "
            f"{html.escape(self.verdict)}</b><br><small>rule: {html.escape(self.rule)}<br>"
            f"from: {html.escape(self._from())}</small></p>"
        )

    def _repr_json_(self) -> dict:
        """Machine-readable form (stored in a notebook: a test re-evaluates the rule)."""

        def exact(v: float) -> float | None:
            return float(f"{float(v):.12g}") if math.isfinite(float(v)) else None

        return {
            "rule_id": self.rule_id,
            "verdict": self.verdict,
            "inputs": {k: exact(v) for k, v in self.inputs},
            "thresholds": {k: exact(v) for k, v in self.thresholds},
        }


# --------------------------------------------------------------------------------------------
# The rules: inputs and thresholds in, verdict out (pure; re-evaluated by tests)
# --------------------------------------------------------------------------------------------
def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _real(value: object, name: str) -> float:
    """``value`` as a float if it is a real number (NaN: unknown), else TypeError naming it."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name} must be a number (NaN when unknown), got {type(value).__name__}")
    return float(value)


def _rollout_rule(inputs: Mapping[str, float], limits: Mapping[str, float]) -> str:
    low, high = _nan(inputs["net_return_low"]), _nan(inputs["net_return_high"])
    threshold = _nan(limits.get("threshold", 0.0))
    if not (math.isfinite(low) and math.isfinite(high)):
        return "unknown (no randomised test)"
    if low > threshold:
        return "roll out"
    return "stop" if high < threshold else "test more"


def _segments_of(inputs: Mapping[str, float]) -> list[str]:
    return sorted({k.split("[", 1)[1].rstrip("]") for k in inputs if k.startswith("uplift_low[")})


def _segments_rule(inputs: Mapping[str, float], limits: Mapping[str, float]) -> str:
    target, leave, unproven = [], [], []
    for segment in _segments_of(inputs):
        low = _nan(inputs[f"uplift_low[{segment}]"])
        high = _nan(inputs[f"uplift_high[{segment}]"])
        if math.isfinite(low) and low > 0:
            target.append(segment)
        elif math.isfinite(high) and high < 0:
            leave.append(segment)
        else:
            unproven.append(segment)
    if not target and not leave and not unproven:
        return "unknown (no randomised test)"
    parts = [f"target {', '.join(target) if target else 'no segment'}"]
    if leave:
        parts.append(f"leave out {', '.join(leave)}")
    if unproven:
        parts.append(f"unproven {', '.join(unproven)}")
    return "; ".join(parts)


def _channel_sentence(verdicts: Mapping[str, str]) -> str:
    """``"overall <verdict>; invest more: a, b; ..."`` from a verdict per channel and ``all``."""
    rest = {str(k): str(v) for k, v in verdicts.items() if str(k) != "all"}
    groups: dict[str, list[str]] = {}
    for channel in sorted(rest):
        groups.setdefault(rest[channel], []).append(channel)
    order = ("invest more", "hold / optimise", "cut back", "unknown (no cost)")
    parts = [f"{v}: {', '.join(groups[v])}" for v in order if v in groups]
    return "; ".join([f"overall {verdicts.get('all', 'unknown (no cost)')}", *parts])


def _acquisition_rule(inputs: Mapping[str, float], limits: Mapping[str, float]) -> str:
    invest, cut = _nan(limits["invest_ratio"]), _nan(limits["cut_ratio"])
    return _channel_sentence(
        {
            key[len("clv_to_cac[") : -1]: channel_verdict(
                _nan(v), invest_ratio=invest, cut_ratio=cut
            )
            for key, v in inputs.items()
            if key.startswith("clv_to_cac[")
        }
    )


def _call_rule(inputs: Mapping[str, float], limits: Mapping[str, float]) -> str:
    listed, candidates = int(inputs["listed"]), int(inputs["candidates"])
    if listed == 0:
        return f"call nobody of {candidates:,}"
    return f"call {listed:,} of {candidates:,} customers"


def _retention_rule(inputs: Mapping[str, float], limits: Mapping[str, float]) -> str:
    target = retention_over(
        _nan(limits["target_rate"]), from_days=_nan(limits["target_days"]),
        to_days=_nan(limits["window_days"]),
    )  # fmt: skip
    low, high = _nan(inputs["retention_low"]), _nan(inputs["retention_high"])
    if not (math.isfinite(low) and math.isfinite(high)):
        return "unknown (not measured)"
    if low >= target:
        return "meets the target"
    return "below the target" if high < target else "not clearly above or below the target"


def _steps_rule(inputs: Mapping[str, float], limits: Mapping[str, float]) -> str:
    gains = [_nan(v) for k, v in inputs.items() if k.startswith("gain_per_unit[")]
    if len(gains) < 2:
        return "too few steps to compare"
    rising = all(b > a for a, b in zip(gains[:-1], gains[1:], strict=True))
    return (
        "each step adds more per unit than the one before"
        if rising
        else ("the gain per unit does not rise at every step")
    )


def _comparison_rule(inputs: Mapping[str, float], limits: Mapping[str, float]) -> str:
    compared, within = int(inputs["compared"]), int(inputs["within_tolerance"])
    if compared == 0:
        return "not compared on this data set"
    if within == compared:
        return f"all {compared} published numbers reproduced"
    return f"{within} of {compared} published numbers reproduced"


#: rule_id -> function(inputs, thresholds) -> verdict.
RULES: dict[str, Callable[[Mapping[str, float], Mapping[str, float]], str]] = {
    "campaign_rollout": _rollout_rule,
    "target_segments": _segments_rule,
    "acquisition": _acquisition_rule,
    "call_list": _call_rule,
    "retention_target": _retention_rule,
    "increasing_steps": _steps_rule,
    "comparison": _comparison_rule,
}


def evaluate(decision: Decision | Mapping) -> str:
    """The verdict the decision's rule gives for its inputs (a test that it was not edited).

    Parameters
    ----------
    decision : Decision or mapping
        A :class:`Decision`, or its JSON form (``rule_id``, ``inputs``, ``thresholds``) as a
        notebook stores it.

    Returns
    -------
    str

    Examples
    --------
    >>> evaluate({"rule_id": "campaign_rollout", "inputs": {"net_return_low": 1.0,
    ...           "net_return_high": 9.0}, "thresholds": {"threshold": 0.0}})
    'roll out'
    """
    if isinstance(decision, Decision):
        rule_id, inputs, limits = decision.rule_id, decision.input_values, decision.threshold_values
    elif isinstance(decision, Mapping):
        missing = [k for k in ("rule_id", "inputs", "thresholds") if k not in decision]
        if missing:
            raise ValueError(f"decision is missing the key(s) {missing} of a stored Decision")
        rule_id, inputs, limits = decision["rule_id"], decision["inputs"], decision["thresholds"]
    else:
        raise TypeError(
            "decision must be a Decision or its JSON form (a mapping with rule_id, inputs and "
            f"thresholds), got {type(decision).__name__}"
        )
    if rule_id not in RULES:
        raise ValueError(f"unknown rule {rule_id!r}; rules are {sorted(RULES)}")
    return RULES[rule_id](inputs, limits)


def _decide(
    rule_id: str,
    question: str,
    rule: str,
    inputs: Sequence[tuple[str, float]],
    thresholds: Sequence[tuple[str, float]] = (),
) -> Decision:
    inputs = tuple((str(k), float(v)) for k, v in inputs)
    thresholds = tuple((str(k), float(v)) for k, v in thresholds)
    verdict = RULES[rule_id](dict(inputs), dict(thresholds))
    return Decision(rule_id, question, verdict, rule, inputs, thresholds)


# --------------------------------------------------------------------------------------------
# Decisions from results
# --------------------------------------------------------------------------------------------
def campaign_rollout(
    result: CampaignReturn, *, question: str = "Roll out the campaign?"
) -> Decision:
    """Roll out, stop or test more, from the interval of a campaign's net return.

    Rule: roll out only if the lower bound of the net return (incremental margin minus cost,
    currency units) is above 0; stop if its upper bound is below 0; otherwise the test cannot
    tell and the campaign needs a larger test. A result without a randomised test (NaN) gives
    ``"unknown (no randomised test)"``.

    Parameters
    ----------
    result : CampaignReturn
        From :func:`portfolio_lib.campaigns.campaign_return`.
    question : str
        What is decided, for the printed sentence.

    Returns
    -------
    Decision
        Verdict ``roll out``, ``stop``, ``test more`` or ``unknown (no randomised test)``, with
        the net-return interval it used.

    Examples
    --------
    >>> from portfolio_lib.campaigns import CampaignReturn
    >>> nan = float("nan")
    >>> r = CampaignReturn(10, nan, nan, nan, nan, nan, nan, 100.0, -40.0, -60.0, -20.0,
    ...                    -0.4, -0.6, -0.2, 0.3, 0.95)
    >>> campaign_rollout(r).verdict
    'stop'
    """
    if not isinstance(result, CampaignReturn):
        raise TypeError(f"result must be a CampaignReturn, got {type(result).__name__}")
    level = f"{100 * result.confidence:g}%"
    rule = (
        f"roll out only if the lower bound of the net return ({level} interval) is above 0; "
        "stop if its upper bound is below 0; otherwise test more"
    )
    inputs = [
        ("net_return", result.net_return),
        ("net_return_low", result.net_return_low),
        ("net_return_high", result.net_return_high),
    ]
    return _decide("campaign_rollout", question, rule, inputs, [("threshold", 0.0)])


def target_segments(
    uplift: SegmentUplift, *, question: str = "Which segments should the campaign target?"
) -> Decision:
    """Every segment whose uplift interval excludes 0, not just the strongest one.

    Rule: target every segment whose uplift interval (response rate with minus without the
    campaign) lies above 0; leave out those whose interval lies below 0; the rest are
    unproven (the test cannot tell).

    Parameters
    ----------
    uplift : SegmentUplift
        From :func:`portfolio_lib.campaigns.uplift_by_segment`; segments without both arms
        count as unproven.

    Returns
    -------
    Decision
        ``verdict`` names the segments to target, to leave out and the unproven ones;
        ``inputs`` holds each segment's interval bounds ``uplift_low[...]``, ``uplift_high[...]``.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.campaigns import SegmentUplift
    >>> table = pd.DataFrame({"ci_low": [0.02, 0.01, -0.1], "ci_high": [0.2, 0.15, 0.05]},
    ...                      index=pd.Index(["price", "eco", "quality"], name="segment"))
    >>> target_segments(SegmentUplift(table, "R", 0.95, 1.0, 0.5)).verdict
    'target eco, price; unproven quality'
    """
    if not isinstance(uplift, SegmentUplift):
        raise TypeError(f"uplift must be a SegmentUplift, got {type(uplift).__name__}")
    table = uplift.table
    inputs = []
    for segment in sorted(map(str, table.index)):
        row = table.loc[[s for s in table.index if str(s) == segment][0]]
        inputs.append((f"uplift_low[{segment}]", _nan(row.get("ci_low", np.nan))))
        inputs.append((f"uplift_high[{segment}]", _nan(row.get("ci_high", np.nan))))
    level = f"{100 * uplift.confidence:g}%"
    rule = (
        f"target every segment whose uplift ({level} interval) lies above 0; leave out those "
        "whose interval lies below 0; the rest are unproven"
    )
    return _decide("target_segments", question, rule, inputs)


def acquisition_decision(
    economics: AcquisitionEconomics | pd.DataFrame,
    *,
    invest_ratio: float = INVEST_RATIO,
    cut_ratio: float = CUT_RATIO,
    question: str = "Where should acquisition money go?",
) -> Decision:
    """Invest / hold / cut per channel and overall, read from the economics table.

    The verdicts are the table's own (``verdict`` column, written by
    :func:`portfolio_lib.acquisition.channel_verdict`): the sentence is rebuilt from them and
    checked against the rule on ``clv_to_cac``, so the sentence and the table cannot
    disagree. Rule: CLV/CAC >= ``invest_ratio`` -> invest more; < ``cut_ratio`` -> cut
    back; otherwise hold / optimise; the row ``all`` gives the overall verdict.

    Parameters
    ----------
    economics : AcquisitionEconomics or pandas.DataFrame
        From :func:`portfolio_lib.acquisition.acquisition_economics` (its thresholds are
        used), or a table with ``clv_to_cac`` and ``verdict`` per channel (e.g. chapter 3's
        ``channel_value(...).table``).
    invest_ratio, cut_ratio : float
        Thresholds for a plain table (default those of the acquisition module).

    Returns
    -------
    Decision
        ``verdict`` gives the overall verdict (row ``all``), then the channels per verdict.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.acquisition import AcquisitionEconomics
    >>> table = pd.DataFrame({"clv_to_cac": [5.0, 0.5, 2.0],
    ...                       "verdict": ["invest more", "cut back", "hold / optimise"]},
    ...                      index=["search", "social", "all"])
    >>> econ = AcquisitionEconomics(table, pd.DataFrame(), 0.3, 3.0, 1.0)
    >>> acquisition_decision(econ).verdict
    'overall hold / optimise; invest more: search; cut back: social'
    """
    if isinstance(economics, AcquisitionEconomics):
        table = economics.table
        invest_ratio, cut_ratio = economics.invest_ratio, economics.cut_ratio
    elif isinstance(economics, pd.DataFrame):
        table = economics
    else:
        raise TypeError(f"economics must be AcquisitionEconomics, got {type(economics).__name__}")
    require_columns(table, ["clv_to_cac", "verdict"], name="economics")
    limits = [("invest_ratio", invest_ratio), ("cut_ratio", cut_ratio)]
    inputs = [(f"clv_to_cac[{name}]", _nan(table.loc[name, "clv_to_cac"])) for name in table.index]
    decision = _decide(
        "acquisition", question,
        f"CLV/CAC >= {invest_ratio:g}: invest more; < {cut_ratio:g}: cut "
        "back; otherwise hold / optimise (the row 'all' is the overall verdict)",
        inputs, limits,
    )  # fmt: skip
    # one verdict source: the sentence rebuilt from the table's own verdict column must match
    table_verdict = _channel_sentence(dict(table["verdict"].items()))
    if table_verdict != decision.verdict:
        raise ValueError(
            "the economics table's verdicts disagree with its CLV/CAC and thresholds "
            f"({table_verdict!r} vs {decision.verdict!r}): was the table edited?"
        )
    return decision


def call_list_decision(calls: CallList, *, question: str = "Whom should we call?") -> Decision:
    """Call the customers whose expected saved value is above 0.

    Rule: expected saved value = churn probability x CLV x save rate - contact cost; call a
    customer only if it is above 0, highest first.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.portfolio import call_list
    >>> calls = call_list(pd.Series({"a": 0.9, "b": 0.9}), pd.Series({"a": 100.0, "b": 5.0}),
    ...                   save_rate=0.2, contact_cost=2.0)
    >>> call_list_decision(calls).verdict
    'call 1 of 2 customers'
    """
    if not isinstance(calls, CallList):
        raise TypeError(f"calls must be a CallList, got {type(calls).__name__}")
    values = calls.table["expected_saved_value"]
    inputs = [
        ("candidates", calls.n_candidates),
        ("listed", len(calls.table)),
        ("lowest_value_listed", float(values.min()) if len(values) else np.nan),
        ("best_value_left_out", calls.best_left_out),
        ("total_expected_value", calls.total_expected_value),
    ]
    rule = (
        f"call a customer only if churn probability x CLV x save rate ({calls.save_rate:g}) - "
        f"contact cost ({calls.contact_cost:g}) is above 0, highest first"
    )
    limits = [("save_rate", calls.save_rate), ("contact_cost", calls.contact_cost)]
    return _decide("call_list", question, rule, inputs, limits)


def retention_target(
    rate: float,
    low: float,
    high: float,
    *,
    window_days: float,
    target_rate: float,
    target_days: float = 365.0,
    question: str = "Is retention on target?",
) -> Decision:
    """A retention measured over ``window_days`` against a target over ``target_days``.

    The target is first converted to the measured window with
    :func:`portfolio_lib.portfolio.retention_over` (``r_window = r_target ** (window /
    target_days)``). Rule: meets the target if the interval's lower bound is at or above
    the converted target, below it if the upper bound is under it, otherwise not clear.

    Parameters
    ----------
    rate, low, high : float
        Measured retention (0-1) and its interval.
    window_days : float
        Days the retention was measured over.
    target_rate, target_days : float
        The target (0-1) and the period it is stated for (365: a year).

    Examples
    --------
    >>> d = retention_target(0.62, 0.57, 0.67, window_days=180, target_rate=0.9)
    >>> d.verdict, round(d.threshold_values["target_in_window"], 3)
    ('below the target', 0.949)
    """
    rate, low, high = _real(rate, "rate"), _real(low, "low"), _real(high, "high")
    converted = retention_over(target_rate, from_days=target_days, to_days=window_days)
    rule = (
        f"a target of {target_rate:.0%} over {target_days:g} days is "
        f"{target_rate:g}^({window_days:g}/{target_days:g}) = {converted:.1%} over "
        f"{window_days:g} days; met if the interval's lower bound reaches it, missed if its "
        "upper bound stays below it"
    )
    inputs = [("retention", rate), ("retention_low", low), ("retention_high", high)]
    limits = [("target_rate", target_rate), ("target_days", target_days),
              ("window_days", window_days), ("target_in_window", converted)]  # fmt: skip
    return _decide("retention_target", question, rule, inputs, limits)


def group_retention_target(
    dashboard: KPIDashboard,
    group: str = "profitable",
    *,
    target_rate: float = RETENTION_TARGET[0],
    target_days: float = RETENTION_TARGET[1],
) -> Decision:
    """A dashboard group's measured retention against its (annual) target, on one period.

    The dashboard measures retention over ``dashboard.window_days`` (e.g. 180 days); the
    target of the strategy table is per year (:data:`portfolio_lib.portfolio.RETENTION_TARGET`).
    :func:`retention_target` converts the target to the measured window before comparing.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.portfolio import KPIDashboard
    >>> table = pd.DataFrame({"retention_rate": [0.96], "retention_ci_low": [0.955],
    ...                       "retention_ci_high": [0.97]}, index=["profitable"])
    >>> board = KPIDashboard(table, pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-29"),
    ...                      180, 0.3, 0.95)
    >>> group_retention_target(board).verdict
    'meets the target'
    """
    if not isinstance(dashboard, KPIDashboard):
        raise TypeError(f"dashboard must be a KPIDashboard, got {type(dashboard).__name__}")
    if group not in dashboard.table.index:
        raise ValueError(f"no group {group!r} in the dashboard: {list(dashboard.table.index)}")
    row = dashboard.table.loc[group]
    return retention_target(
        float(row["retention_rate"]), float(row["retention_ci_low"]),
        float(row["retention_ci_high"]), window_days=dashboard.window_days,
        target_rate=target_rate, target_days=target_days,
        question=f"Is the {group} group's retention on its target?",
    )  # fmt: skip


def step_gains(
    x: Sequence[float],
    y: Sequence[float],
    *,
    per: float = 1.0,
    question: str = "Does each step add more than the one before?",
) -> Decision:
    """Whether each step of ``x`` adds more ``y`` *per unit of x* than the step before.

    Steps of unequal length cannot be compared by their total gain: 0.70 -> 0.80 and
    0.80 -> 0.85 differ in length. The gain per unit (``per`` units of ``x``, e.g. 0.01 =
    one point of retention) can.

    Parameters
    ----------
    x, y : sequence of float
        Increasing ``x`` and the ``y`` at each (e.g. retention rates and CLV).
    per : float
        Unit of ``x`` the gains are expressed in.

    Examples
    --------
    >>> d = step_gains([0.7, 0.8, 0.85], [166.67, 250.0, 314.81], per=0.01)
    >>> d.input_values
    {'gain_per_unit[0.7-0.8]': 8.333, 'gain_per_unit[0.8-0.85]': 12.962}
    >>> d.verdict
    'each step adds more per unit than the one before'
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xs.shape != ys.shape or xs.size < 2 or np.any(np.diff(xs) <= 0):
        raise ValueError("x and y need the same length (>= 2) and x must increase")
    gains = np.diff(ys) / (np.diff(xs) / per)
    inputs = [
        (f"gain_per_unit[{a:g}-{b:g}]", round(float(g), 3))
        for a, b, g in zip(xs[:-1], xs[1:], gains, strict=True)
    ]
    rule = f"compare the gain per {per:g} of x of consecutive steps (not the steps' totals)"
    return _decide("increasing_steps", question, rule, inputs, [("per", per)])


def comparison_decision(
    table: pd.DataFrame,
    *,
    within_col: str = "within_tolerance",
    fitted_col: str = "fitted",
    question: str = "Do the fitted values agree with the published ones?",
) -> Decision:
    """How many published numbers a fit reproduced, or that nothing was compared.

    Rows with a missing fitted value (the data set is not the published one) are not
    compared; an all-missing table gives ``"not compared on this data set"``.

    Raises
    ------
    DataValidationError
        ``table`` is not a DataFrame or lacks ``fitted_col`` or ``within_col``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"fitted": [1.0, 2.0, float("nan")],
    ...                   "within_tolerance": [True, False, None]})
    >>> comparison_decision(t).verdict
    '1 of 2 published numbers reproduced'
    """
    _validate.table(table, name="table", columns=[fitted_col, within_col])
    compared = table[fitted_col].notna()
    within = table.loc[compared, within_col].astype(bool).sum() if compared.any() else 0
    inputs = [("compared", int(compared.sum())), ("within_tolerance", int(within))]
    rule = "a published number is reproduced when the fitted value is within its tolerance"
    return _decide("comparison", question, rule, inputs)
