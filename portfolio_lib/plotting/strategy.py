"""Chapter 6 figures: churn models, campaigns, acquisition, cross-sell and trends.

Each function takes an already computed result (from :mod:`portfolio_lib.churn`,
:mod:`portfolio_lib.campaigns`, :mod:`portfolio_lib.acquisition`,
:mod:`portfolio_lib.cross_sell` or :mod:`portfolio_lib.trends`) and an optional ``ax``, and
returns the Axes. An empty result (a data set without campaigns, acquisition costs or
product categories, such as CDNOW) gives an empty panel that shows the result's note instead
of bars of made-up zeros.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from portfolio_lib import _terms
from portfolio_lib._results import as_table, setting
from portfolio_lib.acquisition import AcquisitionEconomics, BestCustomerProfile
from portfolio_lib.campaigns import ABTestResult, CampaignAudience, SegmentUplift
from portfolio_lib.churn import ChurnLogit
from portfolio_lib.cross_sell import SegmentCategoryMatrix, WhiteSpace
from portfolio_lib.plotting import PALETTE, get_ax
from portfolio_lib.plotting._heatmap import annotated_heatmap
from portfolio_lib.plotting._intervals import (
    MIN_GROUP_SIZE,
    draw_band,
    draw_intervals,
    draw_points,
    grey_ticklabels,
    hollow_bars,
    interval_label,
    legend_handles,
    small_groups,
    small_note,
)
from portfolio_lib.plotting._notes import show_note
from portfolio_lib.portfolio import GROUPS
from portfolio_lib.trends import KPIForecast

__all__ = [
    "plot_gains",
    "plot_lift",
    "plot_calibration",
    "plot_odds_ratios",
    "plot_auc_comparison",
    "plot_ab_test",
    "plot_uplift_by_segment",
    "plot_campaign_audience",
    "plot_acquisition",
    "plot_best_customer_profile",
    "plot_category_matrix",
    "plot_white_space",
    "plot_forecast",
    "plot_projection",
]


def _named(tables: pd.DataFrame | Mapping[str, pd.DataFrame], default: str) -> dict:
    return {default: tables} if isinstance(tables, pd.DataFrame) else dict(tables)


# --------------------------------------------------------------------------------------------
# Churn
# --------------------------------------------------------------------------------------------
def plot_gains(gains: pd.DataFrame | Mapping[str, pd.DataFrame], ax: Axes | None = None) -> Axes:
    """Cumulative gains curves: share of churners reached vs share of customers contacted.

    Parameters
    ----------
    gains : DataFrame or mapping of name -> DataFrame
        :func:`portfolio_lib.churn.gains_table` result(s); several are drawn together.

    Examples
    --------
    >>> from portfolio_lib.churn import gains_table
    >>> ax = plot_gains(gains_table([1, 1, 0, 0, 0], [5, 4, 3, 2, 1], n_bins=5))
    >>> len(ax.lines)
    2
    """
    ax = get_ax(ax, figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="random")
    for i, (name, table) in enumerate(_named(gains, "model").items()):
        x = np.r_[0.0, table["cum_share_customers"].to_numpy(float)]
        y = np.r_[0.0, table["cum_gain"].to_numpy(float)]
        ax.plot(x, y, marker="o", markersize=3, color=PALETTE[i % len(PALETTE)], label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("share of customers contacted (riskiest first)")
    ax.set_ylabel("share of all churners reached")
    ax.set_title("Cumulative gains")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_lift(gains: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Lift per score bin (1 = riskiest) with the no-model line at 1.

    Examples
    --------
    >>> from portfolio_lib.churn import gains_table
    >>> ax = plot_lift(gains_table([1, 1, 0, 0, 0, 0], [6, 5, 4, 3, 2, 1], n_bins=3))
    >>> len(ax.patches)
    3
    """
    ax = get_ax(ax, figsize=(6, 4))
    ax.bar(gains.index.astype(str), gains["lift"], color=PALETTE[0])
    ax.axhline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("score bin (1 = highest risk)")
    ax.set_ylabel("lift (churn rate / overall rate)")
    ax.set_title("Lift by score bin")
    return ax


def plot_calibration(
    calibration: pd.DataFrame | Mapping[str, pd.DataFrame],
    ax: Axes | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Axes:
    """Observed churn rate (with Wilson intervals) against the mean predicted probability.

    Parameters
    ----------
    calibration : DataFrame or mapping of name -> DataFrame
        :func:`portfolio_lib.churn.calibration_table` result(s).
    min_group_size : int
        Bins with fewer customers are drawn as hollow grey markers with a dotted interval
        (default 30; 0 flags none).

    Examples
    --------
    >>> from portfolio_lib.churn import calibration_table
    >>> ax = plot_calibration(calibration_table([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9], n_bins=2))
    >>> ax.get_xlabel()
    'mean predicted probability'
    """
    ax = get_ax(ax, figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    small_any = False
    for i, (name, table) in enumerate(_named(calibration, "model").items()):
        colour = PALETTE[i % len(PALETTE)]
        x = table["mean_predicted"].to_numpy(float)
        y = table["observed_rate"].to_numpy(float)
        small = small_groups(table["n"], min_group_size)
        small_any = small_any or bool(small.any())
        ax.plot(x, y, linestyle="-", color=colour, label=name)
        draw_intervals(ax, x, table["ci_low"], table["ci_high"], vertical=True, colour=colour,
                       small=small, linewidth=1.2)  # fmt: skip
        draw_points(ax, x, y, colour=colour, small=small, size=20)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed churn rate (dot) and its Wilson interval")
    ax.set_title("Calibration")
    handles, _ = ax.get_legend_handles_labels()
    handles += legend_handles(interval=interval_label(None, "wilson"), colour="black",
                              small=[small_any], min_group_size=min_group_size)  # fmt: skip
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    return ax


def plot_odds_ratios(model: ChurnLogit | pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Forest plot of the logistic regression's odds ratios with intervals (log scale).

    Parameters
    ----------
    model : ChurnLogit or DataFrame
        A fitted :class:`~portfolio_lib.churn.ChurnLogit` or its ``odds_ratios_``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"odds_ratio": [2.0, 0.5], "ci_low": [1.5, 0.3], "ci_high": [2.6, 0.8],
    ...                   "scale": ["per doubling", "per unit"]}, index=["recency_days", "x"])
    >>> len(plot_odds_ratios(t).get_yticklabels())
    2
    """
    table = model.odds_ratios_ if isinstance(model, ChurnLogit) else model
    table = table.iloc[::-1]
    ax = get_ax(ax, figsize=(7, 0.35 * len(table) + 1.5))
    y = np.arange(len(table))
    odds = table["odds_ratio"].to_numpy(float)
    up = (table["ci_low"] > 1).to_numpy()
    down = (table["ci_high"] < 1).to_numpy()
    colors = np.where(up, PALETTE[3], np.where(down, PALETTE[2], PALETTE[7]))
    draw_intervals(ax, y, table["ci_low"], table["ci_high"], colour="grey", linewidth=1.2)
    draw_points(ax, odds, y, colour=list(colors), size=30)
    labels = [
        f"{name} ({scale})" if "scale" in table.columns else str(name)
        for name, scale in zip(table.index, table.get("scale", table.index), strict=True)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("odds ratio of churning (dot; line = its interval; log scale; > 1 = more churn)")
    ax.set_title("What goes with churn (logistic regression)")
    return ax


def plot_auc_comparison(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """ROC AUC of each score with its interval (from :func:`portfolio_lib.churn.compare_scores`).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"auc": [0.7, 0.8], "ci_low": [0.65, 0.76], "ci_high": [0.75, 0.84]},
    ...                  index=["a", "b"])
    >>> bool(plot_auc_comparison(t).get_xlim()[1] <= 1.0)
    True
    """
    ax = get_ax(ax, figsize=(6, 0.5 * len(table) + 1.5))
    y = np.arange(len(table))
    auc = table["auc"].to_numpy(float)
    draw_intervals(ax, y, table["ci_low"], table["ci_high"], colour=PALETTE[0])
    draw_points(ax, auc, y, colour=PALETTE[0])
    for yi, value in zip(y, auc, strict=True):
        ax.text(value, yi + 0.15, f"{value:.3f}", ha="center", fontsize=8)
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.axvline(0.5, color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0.45, 1.0)
    ax.set_ylim(-0.5, len(table) - 0.3)
    ax.set_xlabel("ROC AUC (dot; line = its interval; 0.5 = random)")
    ax.set_title("How well each score ranks churners")
    return ax


# --------------------------------------------------------------------------------------------
# Campaigns
# --------------------------------------------------------------------------------------------
def plot_ab_test(
    result: ABTestResult, ax: Axes | None = None, *, min_group_size: int = MIN_GROUP_SIZE
) -> Axes:
    """Response rate per arm (bars) with Wilson intervals and the uplift with its interval.

    An arm with fewer than ``min_group_size`` contacts (default 30; 0 flags none) is drawn
    as a hollow bar with a dotted interval, and the axis label says it is too few to read.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.campaigns import ab_test
    >>> con = pd.DataFrame({"campaign_id": "R", "customer_id": list("abcd"),
    ...     "arm": ["treatment", "treatment", "control", "control"],
    ...     "contact_date": pd.Timestamp("2024-05-01")})
    >>> tx = pd.DataFrame({"customer_id": ["a"], "amount": [5.0],
    ...                    "date": pd.to_datetime(["2024-05-02"])})
    >>> len(plot_ab_test(ab_test(con, tx, campaign_id="R", window_days=5)).patches)
    2
    """
    ax = get_ax(ax, figsize=(5, 4))
    if result.is_empty:
        return show_note(ax, result.note, "A/B test")
    arms = result.arms.loc[["control", "treatment"]]
    rate = arms["response_rate"].to_numpy(float)
    small = small_groups(arms["n"], min_group_size)
    bars = ax.bar(["control", "treatment"], rate, color=[PALETTE[7], PALETTE[0]])
    hollow_bars(bars, small)
    draw_intervals(ax, [0, 1], arms["ci_low"], arms["ci_high"], vertical=True, small=small)
    for x, (value, n, flag) in enumerate(zip(rate, arms["n"], small, strict=True)):
        ax.text(x, value / 2, f"{value:.1%}\nn = {n}", ha="center", fontsize=9,
                color="black" if flag else "white")  # fmt: skip
    grey_ticklabels(ax.get_xticklabels(), small)
    ax.set_ylabel(
        "response rate (bar) with its Wilson interval"
        + (f"\nhollow: {small_note(min_group_size)}" if small.any() else "")
    )
    ax.set_title(
        f"{result.campaign_id}: uplift {result.uplift:+.1%} "
        f"[{result.uplift_ci_low:+.1%}, {result.uplift_ci_high:+.1%}], p = {result.p_value:.3g}",
        fontsize=10,
    )
    return ax


def plot_uplift_by_segment(
    table: SegmentUplift | pd.DataFrame,
    ax: Axes | None = None,
    *,
    overall: float | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Axes:
    """Forest plot of the uplift per segment with intervals (from ``uplift_by_segment``).

    Parameters
    ----------
    table : SegmentUplift or pandas.DataFrame
        :func:`portfolio_lib.campaigns.uplift_by_segment` result or its ``table``.
    overall : float, optional
        The overall uplift, drawn as a reference line.
    min_group_size : int
        A segment whose smaller arm has fewer contacts is drawn hollow and grey with a
        dotted interval and the note "n < 30: too few to read" (default 30; 0 flags none).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"uplift": [0.1, 0.0], "ci_low": [0.02, -0.05], "ci_high": [0.2, 0.06],
    ...                   "n_treatment": [50, 40], "n_control": [50, 41]}, index=["x", "y"])
    >>> len(plot_uplift_by_segment(t, overall=0.05).lines) >= 2
    True
    """
    shown = as_table(table).dropna(subset=["uplift"]).iloc[::-1]
    ax = get_ax(ax, figsize=(6.5, 0.45 * len(shown) + 1.5))
    if shown.empty:
        return show_note(ax, setting(table, "note", ""), "Uplift by segment")
    y = np.arange(len(shown))
    up = shown["uplift"].to_numpy(float)
    small = small_groups(np.minimum(shown["n_treatment"], shown["n_control"]), min_group_size)
    draw_intervals(ax, y, shown["ci_low"], shown["ci_high"], colour=PALETTE[0], small=small)
    draw_points(ax, up, y, colour=PALETTE[0], small=small)
    labels = [
        f"{name} (n = {int(t)}+{int(c)})"
        for name, t, c in zip(shown.index, shown["n_treatment"], shown["n_control"], strict=True)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    grey_ticklabels(ax.get_yticklabels(), small)
    ax.axvline(0.0, color="grey", linestyle="--", linewidth=1)
    handles = legend_handles(
        point="uplift",
        interval=interval_label(None, "Newcombe"),
        colour=PALETTE[0],
        small=small,
        min_group_size=min_group_size,
    )
    if overall is not None:
        handles.append(ax.axvline(overall, color=PALETTE[1], linewidth=1,
                                  label=f"overall {overall:+.1%}"))  # fmt: skip
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:+.0%}")
    ax.set_xlabel("uplift in response rate (treatment - control)")
    ax.set_title("Uplift by segment")
    return ax


#: Colours of the portfolio groups (at risk in red, as in a traffic light).
_GROUP_COLOURS = {
    "at_risk": PALETTE[3],
    "profitable": PALETTE[0],
    "loyal": PALETTE[2],
    "potential": PALETTE[1],
    "no_purchase": PALETTE[7],
}


def plot_campaign_audience(
    audience: CampaignAudience | pd.DataFrame, ax: Axes | None = None
) -> Axes:
    """Portfolio groups reached by each campaign (stacked shares) and the share intended.

    Parameters
    ----------
    audience : CampaignAudience or pandas.DataFrame
        :func:`portfolio_lib.campaigns.campaign_audience` result or its ``table``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"type": ["win_back"], "n_contacts": [10], "share_at_risk": [0.7],
    ...     "share_profitable": [0.1], "share_loyal": [0.1], "share_potential": [0.1],
    ...     "share_no_purchase": [0.0], "intended": ["at_risk"], "share_intended": [0.7]},
    ...     index=pd.Index(["W"], name="campaign_id"))
    >>> len(plot_campaign_audience(a).patches)
    5
    """
    table = as_table(audience)
    ax = get_ax(ax, figsize=(8, 0.4 * len(table) + 1.8))
    title = "Who each campaign reached (portfolio group on the day before it started)"
    if table.empty:
        return show_note(ax, setting(audience, "note", ""), title)
    shown = table.iloc[::-1]
    labels = [f"{i} {t}" for i, t in zip(shown.index, shown["type"], strict=True)]
    left = np.zeros(len(shown))
    parts = [(g, _terms.term(key).english) for g, key in GROUPS.items()]
    parts.append(("no_purchase", "no purchase yet"))
    for group, name in parts:
        width = shown[f"share_{group}"].fillna(0.0).to_numpy(float)
        ax.barh(labels, width, left=left, color=_GROUP_COLOURS[group], label=name)
        left += width
    for y, share in enumerate(shown["share_intended"].to_numpy(float)):
        if np.isfinite(share):
            ax.text(1.01, y, f"{share:.0%} intended", va="center", fontsize=8)
    ax.set_xlim(0, 1.22)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}" if v <= 1 else "")
    ax.set_xlabel("share of the campaign's contacts")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.12), ncol=5, fontsize=8)
    return ax


# --------------------------------------------------------------------------------------------
# Acquisition
# --------------------------------------------------------------------------------------------
_VERDICT_COLOURS = {
    "invest more": PALETTE[2],
    "hold / optimise": PALETTE[1],
    "cut back": PALETTE[3],
}


def plot_acquisition(
    economics: AcquisitionEconomics,
    ax: Axes | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Axes:
    """CLV/CAC per channel with intervals, the verdict thresholds and the CAC per bar.

    Bars are the CLV/CAC ratio; each interval is a line from its bounds. A channel with
    fewer than ``min_group_size`` customers (default 30; 0 flags none) is drawn hollow with
    a dotted interval and the note "n < 30: too few to read".

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.acquisition import acquisition_economics
    >>> cust = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_channel": ["x", "y"],
    ...     "acquisition_cost": [10.0, 20.0], "signup_date": pd.Timestamp("2024-01-01")})
    >>> tx = pd.DataFrame({"customer_id": ["a", "b"], "amount": [50.0, 5.0],
    ...                    "date": pd.Timestamp("2024-01-01")})
    >>> econ = acquisition_economics(cust, tx, clv=pd.Series({"a": 40.0, "b": 10.0}), margin=0.3)
    >>> len(plot_acquisition(econ).patches)
    2
    """
    table = economics.table.drop(index="all", errors="ignore").sort_values("clv_to_cac")
    ax = get_ax(ax, figsize=(7, 0.5 * len(table) + 1.8))
    title = "Value of customers per unit of acquisition cost, by channel"
    if not np.isfinite(table["clv_to_cac"].to_numpy(float)).any():
        return show_note(ax, economics.note, title)
    ratio = table["clv_to_cac"].to_numpy(float)
    small = small_groups(table["n_customers"], min_group_size)
    colors = [_VERDICT_COLOURS.get(v, PALETTE[7]) for v in table["verdict"]]
    labels = [str(i) for i in table.index]
    bars = ax.barh(labels, np.nan_to_num(ratio), color=colors)
    hollow_bars(bars, small)
    draw_intervals(ax, np.arange(len(table)), table["clv_to_cac_low"], table["clv_to_cac_high"],
                   small=small)  # fmt: skip
    for i, (value, cac, flag) in enumerate(zip(ratio, table["cac"], small, strict=True)):
        ax.text(0.02, i, f"CAC {cac:.1f}", va="center", fontsize=8,
                color="black" if flag else "white")  # fmt: skip
        if np.isfinite(value):
            ax.text(value, i + 0.3, f"{value:.1f}", fontsize=8)
    grey_ticklabels(ax.get_yticklabels(), small)
    handles = [
        ax.axvline(economics.cut_ratio, color=PALETTE[3], linestyle="--", linewidth=1,
                   label=f"cut back below {economics.cut_ratio:g}"),
        ax.axvline(economics.invest_ratio, color=PALETTE[2], linestyle="--", linewidth=1,
                   label=f"invest more from {economics.invest_ratio:g}"),
    ]  # fmt: skip
    handles += legend_handles(interval=interval_label(None, "t, CLV over CAC"), small=small,
                              min_group_size=min_group_size)  # fmt: skip
    ax.set_xlabel("CLV / CAC (bar) with its interval")
    ax.set_title(title)
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    return ax


def plot_best_customer_profile(
    profile: BestCustomerProfile,
    ax: Axes | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Axes:
    """Over-representation index of each attribute value among the best customers.

    Bars are ``best_rate / overall_rate`` with the Wilson interval on the same scale, drawn
    from its bounds; the line at 1 is "as often as average". A value held by fewer than
    ``min_group_size`` customers (default 30; 0 flags none) is drawn hollow with a dotted
    interval and the note "n < 30: too few to read".

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.acquisition import best_customer_profile
    >>> cust = pd.DataFrame({"customer_id": list("abcd"), "region": list("xxyy")})
    >>> best = pd.Series([True, False, False, False], index=list("abcd"))
    >>> len(plot_best_customer_profile(best_customer_profile(cust, best)).patches)
    2
    """
    table = profile.table
    ax = get_ax(ax, figsize=(7, 0.3 * len(table) + 1.5))
    title = "Where the best customers over-index"
    if table.empty:
        return show_note(ax, profile.note, title)
    shown = table.iloc[::-1]
    rate = profile.overall_rate
    index = shown["index"].to_numpy(float)
    small = small_groups(shown["n_customers"], min_group_size)
    attributes = list(dict.fromkeys(table.index.get_level_values("attribute")))
    colors = [PALETTE[attributes.index(a) % len(PALETTE)]
              for a in shown.index.get_level_values("attribute")]  # fmt: skip
    labels = [f"{a}: {v}" for a, v in shown.index]
    bars = ax.barh(labels, index, color=colors)
    hollow_bars(bars, small)
    draw_intervals(ax, np.arange(len(shown)), shown["ci_low"] / rate, shown["ci_high"] / rate,
                   small=small)  # fmt: skip
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.tick_params(axis="y", labelsize=8)
    grey_ticklabels(ax.get_yticklabels(), small)
    if small.any():
        ax.legend(handles=legend_handles(small=small, min_group_size=min_group_size),
                  loc="lower right", fontsize=8)  # fmt: skip
    ax.set_xlabel(f"index (share who are among the best / {rate:.0%} overall)")
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------------------------------
# Cross-sell
# --------------------------------------------------------------------------------------------
def plot_category_matrix(
    matrix: SegmentCategoryMatrix,
    ax: Axes | None = None,
    *,
    value: str = "penetration",
) -> Axes:
    """Heatmap of the segment x category matrix (penetration in %, or the index).

    Parameters
    ----------
    matrix : SegmentCategoryMatrix
        :func:`portfolio_lib.cross_sell.category_matrix` result.
    value : {"penetration", "index"}
        Penetration (% of the segment who bought) or the over-representation index (1 =
        average, centred colours).

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.cross_sell import category_matrix
    >>> tx = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.Timestamp("2024-01-01"),
    ...                    "amount": 1.0, "category": ["home", "beauty"]})
    >>> plot_category_matrix(category_matrix(tx, pd.Series({"a": "x", "b": "y"}))).get_xlabel()
    'category'
    """
    if value not in ("penetration", "index"):
        raise ValueError(f"value must be 'penetration' or 'index', got {value!r}")
    grid = matrix.penetration * 100 if value == "penetration" else matrix.index
    ax = get_ax(ax, figsize=(0.9 * grid.shape[1] + 3, 0.5 * grid.shape[0] + 1.8))
    if value == "penetration":
        annotated_heatmap(ax, grid, cmap="YlGnBu", fmt=".0f", colorbar_label="bought (%)")
        ax.set_title("Share of each segment that bought the category")
    else:
        annotated_heatmap(ax, grid, cmap="RdBu_r", fmt=".2f", center=1.0,
                           colorbar_label="index (1 = average)")  # fmt: skip
        ax.set_title("Category index by segment (> 1: over-represented)")
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_xlabel("category")
    ax.set_ylabel("segment")
    return ax


def plot_white_space(
    table: WhiteSpace | pd.DataFrame, ax: Axes | None = None, *, top: int = 10
) -> Axes:
    """The largest cross-sell gaps: potential revenue per (segment, category).

    ``table`` is :func:`portfolio_lib.cross_sell.white_space` output (the
    :class:`~portfolio_lib.cross_sell.WhiteSpace` or its ``table``, e.g. filtered).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"segment": ["x"], "category": ["home"], "gap_customers": [3.0],
    ...                   "potential_revenue": [120.0]})
    >>> len(plot_white_space(t).patches)
    1
    """
    frame = as_table(table)
    shown = frame.loc[frame["potential_revenue"] > 0].head(top).iloc[::-1]
    ax = get_ax(ax, figsize=(7, 0.4 * len(shown) + 1.5))
    title = "White space: where cross-selling has most room"
    if shown.empty:
        return show_note(ax, setting(table, "note") or "no cross-sell gap found", title)
    labels = [f"{s} - {c}" for s, c in zip(shown["segment"], shown["category"], strict=True)]
    ax.barh(labels, shown["potential_revenue"], color=PALETTE[4])
    for i, gap in enumerate(shown["gap_customers"]):
        ax.text(0, i, f" {gap:.0f} customers", va="center", fontsize=8, color="white")
    ax.set_xlabel("potential revenue (currency units)")
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------------------------------
# Trends
# --------------------------------------------------------------------------------------------
def _x(index: pd.Index) -> np.ndarray | pd.Index:
    return index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index


def plot_forecast(forecast: KPIForecast, ax: Axes | None = None, *, label: str = "") -> Axes:
    """History, forecast and prediction interval of a KPI.

    Examples
    --------
    >>> import pandas as pd
    >>> from portfolio_lib.trends import forecast_kpi
    >>> s = pd.Series([10.0, 12, 13, 15, 16, 18, 19, 21],
    ...               index=pd.period_range("2024-01", periods=8, freq="M"))
    >>> len(plot_forecast(forecast_kpi(s, horizon=3)).lines)
    2
    """
    ax = get_ax(ax, figsize=(8, 4))
    name = label or str(forecast.history.name)
    ax.plot(_x(forecast.history.index), forecast.history.to_numpy(), color=PALETTE[0],
            marker="o", markersize=3, label=f"{name} (observed)")  # fmt: skip
    future = _x(forecast.forecast.index)
    ax.plot(future, forecast.forecast["mean"], color=PALETTE[1], linestyle="--", marker="o",
            markersize=3, label=f"forecast ({forecast.method})")  # fmt: skip
    draw_band(ax, future, forecast.forecast["low"], forecast.forecast["high"], colour=PALETTE[1],
              label=f"{forecast.confidence:.0%} prediction interval")  # fmt: skip
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_ylabel(name)
    ax.set_title(f"{name}: history and forecast")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_projection(
    projection: pd.DataFrame, ax: Axes | None = None, *, actual: float | None = None
) -> Axes:
    """BG/NBD projection of cumulative repeat purchases with its parameter interval.

    Parameters
    ----------
    projection : pandas.DataFrame
        :func:`portfolio_lib.trends.repeat_purchase_projection` result.
    actual : float, optional
        Observed cumulative repeat purchases at the last point (e.g. in a holdout), drawn as
        a marker.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"t": [4.0, 8.0], "expected_repeat_purchases": [10.0, 19.0],
    ...                   "low": [9.0, 17.0], "high": [11.0, 21.0]})
    >>> len(plot_projection(p, actual=18.0).lines)
    2
    """
    ax = get_ax(ax, figsize=(7, 4))
    x = projection["date"] if "date" in projection.columns else projection["t"]
    ax.plot(x, projection["expected_repeat_purchases"], color=PALETTE[0],
            label="BG/NBD expected (current customers)")  # fmt: skip
    if projection["low"].notna().any():
        draw_band(ax, x, projection["low"], projection["high"], colour=PALETTE[0],
                  label="parameter interval")  # fmt: skip
    if actual is not None:
        ax.plot([x.iloc[-1]], [actual], marker="D", color=PALETTE[3], linestyle="none",
                label="observed")  # fmt: skip
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_xlabel("date" if "date" in projection.columns else "time ahead")
    ax.set_ylabel("cumulative repeat purchases")
    ax.set_title("Expected repeat purchases of today's customers")
    ax.legend(loc="upper left", fontsize=8)
    return ax
