"""Tests for portfolio_lib.portfolio: value x loyalty, groups, concentration, KPIs, strategy."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes

from portfolio_lib import glossary
from portfolio_lib._errors import DataValidationError
from portfolio_lib.datasets import load_cdnow
from portfolio_lib.plotting.portfolio import (
    plot_cohort_retention,
    plot_kpi_dashboard,
    plot_lorenz,
    plot_value_loyalty,
)
from portfolio_lib.portfolio import (
    cac_by_channel,
    churn_rate,
    cohort_retention,
    default_strategies,
    gini,
    gross_profit_per_customer,
    kpi_dashboard,
    lorenz_curve,
    net_profit_per_customer,
    pareto_table,
    portfolio_groups,
    profit_by_segment,
    profit_per_customer,
    retention_rate,
    strategy_table,
    value_loyalty_matrix,
)
from portfolio_lib.rfm import rfm_table


def _gini_mean_difference(x) -> float:
    """Gini as the mean absolute difference over twice the mean (all ordered pairs)."""
    x = np.asarray(x, dtype=float)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


# ------------------------------------------------------------------------------- value x loyalty
def test_value_loyalty_quadrants_by_hand():
    table = pd.DataFrame(
        {"monetary_total": [500.0, 400.0, 20.0, 10.0, 100.0], "frequency": [9, 1, 8, 1, 3]},
        index=list("abcde"),
    )
    vl = value_loyalty_matrix(table, margin=0.3)
    # medians: value 0.3 * 100 = 30, frequency 3; "high" is strictly above, so e is low/low
    assert vl.value_threshold == pytest.approx(30.0)
    assert vl.loyalty_threshold == pytest.approx(3.0)
    assert vl.table["value"].tolist() == pytest.approx([150.0, 120.0, 6.0, 3.0, 30.0])
    assert vl.table["quadrant"].tolist() == [
        "True friends",
        "Butterflies",
        "Barnacles",
        "Strangers",
        "Strangers",
    ]
    assert vl.table.loc["a", "quadrant_tr"] == "Gerçek dostlar"
    summary = vl.summary()
    assert summary["n_customers"].sum() == 5
    assert summary["share_value"].sum() == pytest.approx(1.0)
    assert summary.loc["Strangers", "share_value"] == pytest.approx(33.0 / 309.0)


def test_value_loyalty_custom_thresholds_and_bad_column():
    table = pd.DataFrame({"monetary_total": [5.0, 50.0], "active_days": [0, 200]})
    vl = value_loyalty_matrix(table, loyalty_col="active_days", value_threshold=10.0,
                              loyalty_threshold=90.0)  # fmt: skip
    assert vl.table["quadrant"].tolist() == ["Strangers", "True friends"]
    with pytest.raises(DataValidationError, match="frequency"):
        value_loyalty_matrix(table)
    with pytest.raises(DataValidationError, match="monetary_total"):
        value_loyalty_matrix(table.assign(monetary_total=["5", "x"]), loyalty_col="active_days")


def test_portfolio_groups_rules_in_order():
    table = pd.DataFrame(
        {
            "recency_days": [400, 5, 10, 3, 20, 200],
            "frequency": [9, 2, 6, 1, 1, 1],
            "monetary_total": [800.0, 900.0, 90.0, 30.0, 20.0, 1000.0],
        },
        index=list("abcdef"),
    )
    groups = portfolio_groups(table, margin=0.5, at_risk_after_days=180, profitable_quantile=0.8)
    values = 0.5 * table["monetary_total"]
    q80 = float(np.percentile(values, 80))  # linear interpolation
    assert groups.thresholds["profitable_min_value"] == pytest.approx(q80)
    # median frequency 1.5 -> loyal from floor(1.5) + 1 = 2 purchase occasions
    assert groups.thresholds["loyal_min_frequency"] == 2
    # a, f: not seen for > 180 days -> at risk even though f is the most valuable
    assert groups.table["group"].tolist() == [
        "at_risk",
        "profitable",
        "loyal",
        "potential",
        "potential",
        "at_risk",
    ]
    assert groups.table.loc["b", "group_tr"] == glossary.turkish("profitable_customers")
    summary = groups.summary()
    assert list(summary.index) == ["at_risk", "profitable", "loyal", "potential"]
    assert summary["n_customers"].tolist() == [2, 1, 1, 2]
    assert summary["share_value"].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="profitable_quantile"):
        portfolio_groups(table, profitable_quantile=1.0)
    with pytest.raises(DataValidationError, match="recency_days"):
        portfolio_groups(table.drop(columns="recency_days"))


# ------------------------------------------------------------------------------- concentration
def test_pareto_table_by_hand_and_whale_curve():
    out = pareto_table([5.0, 50.0, 10.0, 30.0, 5.0], shares=[0.2, 0.5, 1.0])
    assert out["n_customers"].tolist() == [1, 3, 5]  # ceil(0.2*5), ceil(0.5*5), 5
    assert out["value_share"].tolist() == pytest.approx([0.5, 0.9, 1.0])
    # with a loss-making customer the top customers hold more than 100 % of the profit
    whale = pareto_table(pd.Series([10.0, 5.0, -3.0], name="profit"), shares=[2 / 3])
    assert whale["value_share"].iloc[0] == pytest.approx(15 / 12)
    with pytest.raises(ValueError, match="shares"):
        pareto_table([1.0, 2.0], shares=[0.0])


def test_lorenz_and_gini_by_hand():
    curve = lorenz_curve([4.0, 1.0, 3.0, 2.0])
    assert curve.population_share.tolist() == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    assert curve.value_share.tolist() == pytest.approx([0, 0.1, 0.3, 0.6, 1.0])
    assert curve.gini == pytest.approx(_gini_mean_difference([1, 2, 3, 4]))  # 0.25
    assert gini([0.0, 0.0, 0.0, 10.0]) == pytest.approx(0.75)
    assert gini([7.0] * 5) == pytest.approx(0.0)


def test_lorenz_rejects_negative_and_zero_total():
    with pytest.raises(DataValidationError, match="profit"):
        lorenz_curve(pd.Series([5.0, -1.0], name="profit"))
    with pytest.raises(DataValidationError, match="sum to 0"):
        gini([0.0, 0.0])
    with pytest.raises(DataValidationError, match="numeric"):
        gini(pd.Series(["a", "b"], name="revenue"))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.floats(0, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=80
    ).filter(lambda xs: sum(xs) > 1e-6)
)
def test_property_gini_in_unit_interval_and_lorenz_monotone(values):
    curve = lorenz_curve(values)
    assert 0.0 <= curve.gini <= 1.0
    assert curve.gini == pytest.approx(_gini_mean_difference(values), abs=1e-9)
    assert np.all(np.diff(curve.value_share) >= -1e-12)
    assert np.all(np.diff(curve.population_share) > 0)
    assert np.all(curve.value_share <= curve.population_share + 1e-12)  # below the diagonal
    assert curve.value_share[0] == 0.0 and curve.value_share[-1] == pytest.approx(1.0)


# ------------------------------------------------------------------------------- KPIs
def _wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_retention_rate_reference_values():
    # REFERENCE.md "Retention rate": S = 200, N = 40, E = 220 -> 0.90; Wilson 95 %: 0.851 to 0.934
    r = retention_rate(200, 40, 220)
    assert r.rate == pytest.approx(0.90)
    assert r.low == pytest.approx(0.851, abs=0.0005)  # the reference is rounded to 3 decimals
    assert r.high == pytest.approx(0.934, abs=0.0005)
    assert (r.low, r.high) == pytest.approx(_wilson(180, 200), rel=1e-9)
    assert (r.successes, r.trials) == (180, 200)


@pytest.mark.parametrize("start, new, end", [(10, 0, 10), (10, 0, 0), (1, 0, 1), (7, 3, 3)])
def test_rate_intervals_contain_the_rate_at_the_edges(start, new, end):
    """Everyone or no one retained: statsmodels' Wilson bound equals the rate only up to
    rounding (0.9999999999999999 for 10 of 10), so the interval could miss its own rate."""
    for estimate in (retention_rate(start, new, end), churn_rate(start, new, end)):
        assert 0.0 <= estimate.low <= estimate.rate <= estimate.high <= 1.0


def test_churn_rate_mirrors_retention():
    kept, lost = retention_rate(200, 40, 220), churn_rate(200, 40, 220)
    assert lost.rate == pytest.approx(0.10)
    assert lost.low == pytest.approx(1 - kept.high) and lost.high == pytest.approx(1 - kept.low)


@pytest.mark.parametrize(
    "args, match",
    [
        ((200, 40, 300), "start_customers"),  # 260 retained of 200
        ((200, 50, 40), "retained"),  # negative retained
        ((0, 0, 0), "start_customers"),
        ((200.5, 40, 220), "start_customers"),
        ((200, -1, 220), "new_customers"),
    ],
)
def test_retention_rate_bad_counts(args, match):
    with pytest.raises(ValueError, match=match):
        retention_rate(*args)


def _cohort_tx() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c", "c", "c", "b"],
            "date": pd.to_datetime(
                [
                    "2024-01-03",
                    "2024-02-10",
                    "2024-04-02",
                    "2024-01-20",
                    "2024-02-01",
                    "2024-03-05",
                    "2024-03-06",
                    "2024-04-10",
                ]  # fmt: skip
            ),
            "amount": [10.0, 12.0, 9.0, 8.0, 5.0, 6.0, -6.0, -8.0],
            "is_return": [False, False, False, False, False, False, True, True],
        }
    )


def test_cohort_retention_by_hand():
    out = cohort_retention(_cohort_tx(), observation_end="2024-04-30", unit="M")
    # January cohort {a, b}: a buys in Feb (+1) and Apr (+3); b only returns in Apr (no purchase)
    # February cohort {c}: buys in Mar (+1); the Mar return is no purchase; +3 = May is unobserved
    assert out.sizes.to_dict() == {"2024-01": 2, "2024-02": 1}
    assert out.retention.loc["2024-01"].tolist() == pytest.approx([1.0, 0.5, 0.0, 0.5])
    feb = out.retention.loc["2024-02"]
    assert feb.iloc[:3].tolist() == pytest.approx([1.0, 1.0, 0.0]) and np.isnan(feb.iloc[3])
    assert out.counts.loc["2024-01", 1] == 1


def test_cohort_retention_weeks_and_bad_input():
    out = cohort_retention(_cohort_tx(), unit="W")
    assert (out.retention.iloc[:, 0] == 1.0).all()
    with pytest.raises(ValueError, match="unit"):
        cohort_retention(_cohort_tx(), unit="D")
    with pytest.raises(DataValidationError, match="date"):
        cohort_retention(_cohort_tx(), observation_end="2024-03-31")


def test_cac_by_channel_by_hand():
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "acquisition_channel": ["search", "search", "social", "store"],
            "acquisition_cost": [30.0, 50.0, 20.0, 0.0],
        }
    )
    out = cac_by_channel(customers, value=pd.Series({"a": 100.0, "b": 60.0, "c": 10.0, "d": 5.0}))
    assert out.loc["search", "cac"] == pytest.approx(40.0)
    assert out.loc["search", "value_per_customer"] == pytest.approx(80.0)
    assert out.loc["search", "value_to_cac"] == pytest.approx(2.0)
    assert out.loc["social", "n_customers"] == 1
    spend = cac_by_channel(customers, spend={"search": 1000.0, "social": 300.0, "store": 0.0})
    assert spend.loc["search", "cac"] == pytest.approx(500.0)
    with pytest.raises(DataValidationError, match="acquisition_channel"):
        cac_by_channel(customers, spend={"search": 1.0})
    with pytest.raises(DataValidationError, match="customer_id"):
        cac_by_channel(customers, value=pd.Series({"a": 1.0}))
    with pytest.raises(DataValidationError, match="acquisition_cost"):
        cac_by_channel(customers.drop(columns="acquisition_cost"))


def test_cac_by_channel_without_costs_keeps_counts_and_says_so():
    customers = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "acquisition_channel": ["unknown"] * 3}
    )
    value = pd.Series({"a": 30.0, "b": 0.0, "c": 6.0})
    out = cac_by_channel(customers, value=value, if_missing="note")
    assert out.loc["unknown", "n_customers"] == 3
    assert out.loc["unknown", "value_per_customer"] == pytest.approx(12.0)
    # unknown cost is NaN, never a made-up zero
    assert out[["total_cost", "cac", "value_to_cac"]].isna().all(axis=None)
    assert "acquisition_cost" in out.loc["unknown", "note"]
    assert "no acquisition costs" in out.loc["unknown", "note"]
    # with costs present, the option changes nothing
    with_cost = customers.assign(acquisition_cost=[10.0, 20.0, 30.0])
    pd.testing.assert_frame_equal(
        cac_by_channel(with_cost, if_missing="note"), cac_by_channel(with_cost)
    )
    with pytest.raises(ValueError, match="if_missing"):
        cac_by_channel(customers, if_missing="zero")


def test_profit_per_customer_and_segment_by_hand():
    table = pd.DataFrame({"monetary_total": [100.0, 50.0, 10.0]}, index=["a", "b", "c"])
    profit = profit_per_customer(table, margin=0.3, costs=pd.Series({"a": 10, "b": 20, "c": 0}))
    assert profit.tolist() == pytest.approx([20.0, -5.0, 3.0])
    per_customer_margin = pd.Series({"a": 0.5, "b": 0.1, "c": 1.0})
    assert profit_per_customer(table, margin=per_customer_margin).tolist() == pytest.approx(
        [50.0, 5.0, 10.0]
    )
    seg = profit_by_segment(table, pd.Series({"a": "x", "b": "x", "c": "y"}), margin=0.5)
    assert seg.loc["x", "gross_profit"] == pytest.approx(75.0)
    assert seg.loc["x", "gross_profit_per_customer"] == pytest.approx(37.5)
    assert seg.loc["y", "share_gross_profit"] == pytest.approx(5.0 / 80.0)
    assert not seg.columns.str.startswith("net").any()
    # with costs the columns say "net": the two definitions never share a name
    costs = pd.Series({"a": 10.0, "b": 20.0, "c": 0.0})
    net = profit_by_segment(table, pd.Series({"a": "x", "b": "x", "c": "y"}), margin=0.5,
                            costs=costs)  # fmt: skip
    assert net.loc["x", "net_profit_per_customer"] == pytest.approx((75.0 - 30.0) / 2)
    assert not net.columns.str.startswith("gross").any()
    assert gross_profit_per_customer(table, margin=0.3).tolist() == pytest.approx([30, 15, 3])
    assert net_profit_per_customer(table, margin=0.3, acquisition_cost=costs).tolist() == (
        pytest.approx([20.0, -5.0, 3.0])
    )
    with pytest.raises(DataValidationError, match="acquisition_cost has no value for 2 customer"):
        net_profit_per_customer(table, margin=0.3, acquisition_cost=pd.Series({"a": 1.0}))
    with pytest.raises(ValueError, match="margin"):
        profit_per_customer(table, margin="30%")
    with pytest.raises(DataValidationError, match="costs"):
        profit_per_customer(table, margin=0.3, costs=pd.Series({"a": 1.0}))


# ------------------------------------------------------------------------------- strategy
def test_strategy_table_defaults_overrides_and_groups():
    default = default_strategies()
    assert list(default.index) == ["profitable", "loyal", "potential", "at_risk"]
    for group, key in [("profitable", "profitable_customers"), ("at_risk", "at_risk_customers")]:
        assert default.loc[group, "group_tr"] == glossary.turkish(key)
    assert "Win-back" in default.loc["at_risk", "strategy"]
    assert "loyalty" in default.loc["profitable", "strategy"].lower()
    assert default[["strategy", "kpis", "target"]].map(len).gt(0).all().all()

    table = pd.DataFrame(
        {
            "recency_days": [400, 5, 10, 3],
            "frequency": [9, 2, 6, 1],
            "monetary_total": [800.0, 900.0, 90.0, 30.0],
        }  # fmt: skip
    )
    custom = pd.DataFrame({"group": ["loyal"], "target": ["+5 % basket"]})
    out = strategy_table(portfolio_groups(table), strategies=custom)
    assert out.loc["loyal", "target"] == "+5 % basket"
    assert out.loc["loyal", "strategy"] == default.loc["loyal", "strategy"]  # untouched cells
    assert out["n_customers"].sum() == 4
    with pytest.raises(ValueError, match="vip"):
        strategy_table(strategies={"vip": {"target": "x"}})
    with pytest.raises(ValueError, match="budget"):
        strategy_table(strategies={"loyal": {"budget": "x"}})


# ------------------------------------------------------------------------------- real data
def test_simulated_company_portfolio(tmp_path):
    simulate = pytest.importorskip("portfolio_lib.simulate")
    company = simulate.simulate_crm(n_customers=600, seed=7)
    table = rfm_table(company.transactions, observation_end=company.observation_end)
    groups = portfolio_groups(table, margin=0.3)
    assert groups.summary()["n_customers"].sum() == len(table) == 600
    cohorts = cohort_retention(company.transactions, observation_end=company.observation_end)
    assert (cohorts.retention.iloc[:, 0] == 1.0).all()
    assert cohorts.sizes.sum() == 600
    filled = cohorts.retention.notna().to_numpy()
    # observed cells form a staircase: later cohorts have fewer observed periods
    assert np.all(np.diff(filled.sum(axis=1)) <= 0)
    assert ((cohorts.retention >= 0) & (cohorts.retention <= 1)).where(filled, True).all().all()
    cac = cac_by_channel(company.customers, value=profit_per_customer(table, margin=0.3))
    assert cac["n_customers"].sum() == 600 and (cac["cac"] >= 0).all()


def test_cdnow_concentration(cdnow_home):
    raw = load_cdnow("sample", data_home=cdnow_home, download=False)
    revenue = raw.groupby("customer_id")["amount"].sum()
    x = np.sort(revenue.to_numpy())
    n = len(x)
    ranks = np.arange(1, n + 1)
    expected = float(((2 * ranks - n - 1) * x).sum() / (n * x.sum()))  # rank formula
    assert gini(revenue) == pytest.approx(expected, rel=1e-9)
    top20 = pareto_table(revenue, shares=[0.2])["value_share"].iloc[0]
    assert top20 == pytest.approx(np.sort(x)[::-1][: math.ceil(0.2 * n)].sum() / x.sum())
    assert top20 > 0.5  # CDNOW spending is strongly concentrated


# ------------------------------------------------------------------------------- plots
def test_portfolio_plots_return_axes():
    table = pd.DataFrame({"monetary_total": [500.0, 40.0, 20.0, 10.0], "frequency": [9, 1, 8, 1]})
    ax = plot_value_loyalty(value_loyalty_matrix(table), turkish=True)
    assert isinstance(ax, Axes) and len(ax.collections) == 4
    assert any("Kelebekler" in t.get_text() for t in ax.get_legend().get_texts())
    curve = lorenz_curve([1.0, 2.0, 7.0])
    ax = plot_lorenz(curve)
    assert f"{curve.gini:.2f}" in ax.get_legend().get_texts()[1].get_text()
    _, given_ax = plt.subplots()
    assert plot_cohort_retention(cohort_retention(_cohort_tx()), ax=given_ax) is given_ax
    plt.close("all")


# ------------------------------------------------------------------------------- KPI dashboard
def _dashboard_data():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c", "d"],
            "date": pd.to_datetime(
                [
                    "2024-01-10",
                    "2024-05-01",
                    "2024-02-01",
                    "2024-01-05",
                    "2024-03-20",
                    "2024-05-20",
                ]  # fmt: skip
            ),
            "amount": [100.0, 50.0, 40.0, 10.0, -10.0, 30.0],
            "is_return": [False, False, False, False, True, False],
        }
    )
    customers = pd.DataFrame(
        {"customer_id": list("abcd"), "acquisition_cost": [10.0, 20.0, 30.0, 40.0]}
    )
    surveys = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "a"],
            "date": pd.to_datetime(["2024-04-01", "2024-05-01", "2024-05-02", "2023-12-01"]),
            "nps": [10, 3, 8, 0],
        }
    )
    return {"transactions": tx, "customers": customers, "surveys": surveys}


def test_kpi_dashboard_by_hand():
    data = _dashboard_data()
    segments = pd.Series({"a": "x", "b": "x", "c": "y", "d": "y"})
    clv = pd.Series({"a": 100.0, "b": 20.0, "c": 5.0, "d": 7.0})
    p_churn = pd.Series({"a": 0.2, "b": 0.6, "c": 0.5, "d": 0.1})
    result = kpi_dashboard(data, segments, margin=0.5, clv=clv, churn_probability=p_churn,
                           window_days=90, observation_end="2024-06-29")  # fmt: skip
    assert result.as_of == pd.Timestamp("2024-03-31")
    assert result.observation_end == pd.Timestamp("2024-06-29") and result.window_days == 90
    table = result.table
    x, y = table.loc["x"], table.loc["y"]
    # as of 03-31: a, b (x) and c (y) had bought; d signs up later and is not in the base
    assert (x["retention_base"], y["retention_base"]) == (2, 1)
    assert x["retention_rate"] == 0.5 and y["retention_rate"] == 0.0  # a bought on 05-01
    assert x["churn_rate"] == 0.5
    assert x["retention_ci_low"] < 0.5 < x["retention_ci_high"]
    assert x["churn_ci_low"] == pytest.approx(1 - x["retention_ci_high"])
    assert x["clv_mean"] == 60.0 and y["expected_churn"] == pytest.approx(0.3)
    assert x["cac_mean"] == 15.0
    # profit: a 0.5 x 150 - 10 = 65, b 20 - 20 = 0; c's return nets to 0: -30, d 15 - 40
    assert x["net_profit_per_customer"] == pytest.approx(32.5)
    assert y["net_profit_per_customer"] == pytest.approx((-30 - 25) / 2)
    assert x["gross_profit_per_customer"] == pytest.approx((75 + 20) / 2)
    # recent NPS answers (after 03-31): x has a promoter and a detractor, y a passive
    assert x["nps"] == 0.0 and x["nps_responses"] == 2
    assert y["nps"] == 0.0 and y["nps_responses"] == 1
    assert "strategy" not in table.columns  # x/y are not the portfolio groups


def test_kpi_dashboard_on_portfolio_groups():
    from portfolio_lib.simulate import simulate_crm

    company = simulate_crm(n_customers=600, seed=7)
    end = company.observation_end
    as_of = end - pd.Timedelta(days=180)
    past = company.transactions[company.transactions["date"] <= as_of]
    groups = portfolio_groups(rfm_table(past, observation_end=as_of), margin=0.3).table["group"]
    table = kpi_dashboard(company, groups, margin=0.3).table
    assert list(table.index) == ["at_risk", "profitable", "loyal", "potential"]
    assert table["n_customers"].sum() == len(groups)
    assert (table["retention_base"] == table["n_customers"]).all()  # everyone bought by as_of
    # customers who had stopped buying come back least often
    assert table.loc["at_risk", "retention_rate"] < table.loc["profitable", "retention_rate"]
    np.testing.assert_allclose(table["retention_rate"] + table["churn_rate"], 1.0)
    assert table.loc["at_risk", "strategy"] == default_strategies().loc["at_risk", "strategy"]
    # profit per customer agrees with profit_by_segment on the full data (an independent path)
    full = rfm_table(company.transactions, observation_end=end).reindex(groups.index)
    costs = company.customers.set_index("customer_id")["acquisition_cost"]
    expected = profit_by_segment(full, groups, margin=0.3, costs=costs.reindex(groups.index))
    np.testing.assert_allclose(
        table["net_profit_per_customer"],
        expected["net_profit_per_customer"].reindex(table.index),
    )
    # NPS per group agrees with the satisfaction module on the same answers
    from portfolio_lib.satisfaction import nps_by

    recent = company.surveys[company.surveys["date"] > as_of]
    recent = recent.assign(group=recent["customer_id"].map(groups)).dropna(subset=["group"])
    reference = nps_by(recent, "group")
    np.testing.assert_allclose(table["nps"], reference.table["nps"].reindex(table.index))


def test_kpi_dashboard_bad_inputs():
    data = _dashboard_data()
    segments = pd.Series({"a": "x", "b": "x", "c": "y", "d": "y"})
    with pytest.raises(DataValidationError, match="transactions"):
        kpi_dashboard({"customers": data["customers"]}, segments, margin=0.3)
    with pytest.raises(DataValidationError, match="clv has no value"):
        kpi_dashboard(data, segments, margin=0.3, clv=pd.Series({"a": 1.0}), window_days=30)
    with pytest.raises(DataValidationError, match="as_of"):
        kpi_dashboard(data, segments, margin=0.3, as_of="2024-05-01", window_days=90)
    with pytest.raises(DataValidationError, match="segment"):
        kpi_dashboard(data, segments.where(segments == "x"), margin=0.3)
    with pytest.raises(DataValidationError, match="nps"):
        bad = dict(data, surveys=data["surveys"].assign(nps=11))
        kpi_dashboard(bad, segments, margin=0.3, window_days=30)
    with pytest.raises(DataValidationError, match="amount"):
        bad = dict(data, transactions=data["transactions"].assign(amount="1"))
        kpi_dashboard(bad, segments, margin=0.3, window_days=30)


def test_plot_kpi_dashboard():
    table = kpi_dashboard(
        _dashboard_data(), pd.Series({"a": "at_risk", "b": "loyal", "c": "loyal", "d": "potential"}),
        margin=0.5, window_days=90, observation_end="2024-06-29",
    )  # fmt: skip
    fig = plot_kpi_dashboard(table)
    # retention, churn, CAC, NPS, profit (no CLV given) + the strategy table
    assert len(fig.axes) == 6
    cells = fig.axes[-1].tables[0].get_celld().values()
    assert "Win-back" in {cell.get_text().get_text() for cell in cells}
    small = plot_kpi_dashboard(table, kpis=["retention_rate"], show_strategy=False)
    assert len(small.axes) == 1
    with pytest.raises(ValueError, match="clv_mean_x"):
        plot_kpi_dashboard(table, kpis=["clv_mean_x"])
    plt.close("all")
