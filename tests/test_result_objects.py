"""Results as objects (issue 12): the settings of a table live on a frozen result, not in attrs.

For every function that used to return a DataFrame with its settings in ``attrs``: the result
is a frozen :class:`~portfolio_lib._results.TableResult` whose settings survive what pandas
does to a table (``join``, ``merge``, ``concat`` drop or mix ``attrs``), ``summary()`` reports
them, the repr is the same in every run (a notebook stores it), DataFrame methods on the result
still work with a ``FutureWarning``, and the plot functions take the result or its table.
"""

from __future__ import annotations

import dataclasses
import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from portfolio_lib import satisfaction as sat  # noqa: E402
from portfolio_lib._results import SettingsResult, as_table, setting  # noqa: E402
from portfolio_lib.campaigns import (  # noqa: E402
    CampaignAudience,
    SegmentUplift,
    ab_test,
    campaign_ab_test,
    campaign_audience,
    uplift_by_segment,
)
from portfolio_lib.cross_sell import WhiteSpace, category_matrix, white_space  # noqa: E402
from portfolio_lib.plotting import portfolio as portfolio_plots  # noqa: E402
from portfolio_lib.plotting import satisfaction as sat_plots  # noqa: E402
from portfolio_lib.plotting import strategy as strategy_plots  # noqa: E402
from portfolio_lib.portfolio import KPIDashboard, kpi_dashboard  # noqa: E402
from portfolio_lib.trends import BacktestResult, forecast_backtest  # noqa: E402


# -- small inputs -------------------------------------------------------------------------------
def _answers() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {
            "wave": np.repeat([1, 2, 3], 40),
            "stage": np.tile(["a", "b"], 60),
            "nps": rng.integers(0, 11, 120),
            "csat": rng.integers(1, 6, 120),
            "customer_id": [f"c{i % 70}" for i in range(120)],
        }
    )


def _ab() -> tuple[object, pd.Series]:
    ids = [f"k{i}" for i in range(40)]
    contacts = pd.DataFrame({"campaign_id": "R", "customer_id": ids,
                             "arm": ["treatment", "control"] * 20,
                             "contact_date": pd.Timestamp("2024-05-01")})  # fmt: skip
    buyers = ids[0:40:3]
    tx = pd.DataFrame({"customer_id": buyers, "amount": 10.0,
                       "date": pd.Timestamp("2024-05-03")})  # fmt: skip
    segments = pd.Series(np.where(np.arange(40) % 4 < 2, "x", "y"), index=ids)
    return ab_test(contacts, tx, campaign_id="R", window_days=30), segments


def _campaign_data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tx = pd.DataFrame({"customer_id": ["a", "b", "b", "c"], "amount": [10.0, 20.0, 30.0, 5.0],
                       "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-06-20",
                                               "2024-07-01"])})  # fmt: skip
    campaigns = pd.DataFrame({"campaign_id": ["W"], "type": ["win_back"],
                              "start_date": pd.to_datetime(["2024-07-15"]),
                              "end_date": pd.to_datetime(["2024-08-15"])})  # fmt: skip
    contacts = pd.DataFrame({"campaign_id": "W", "customer_id": ["a", "b", "c"],
                             "arm": "treatment", "contact_date": pd.Timestamp("2024-07-15")})  # fmt: skip
    return campaigns, contacts, tx


def _dashboard_data() -> dict[str, pd.DataFrame]:
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "amount": [10.0, 20.0, 5.0, 8.0],
                       "date": pd.to_datetime(["2024-01-10", "2024-04-10", "2024-01-20",
                                               "2024-02-01"])})  # fmt: skip
    return {"transactions": tx}


def _tx_categories() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list("abcd"), "date": pd.Timestamp("2024-01-01"),
                         "amount": [10.0, 10.0, 10.0, 5.0],
                         "category": ["home", "home", "beauty", "home"]})  # fmt: skip


RESULTS = {
    "nps_by": lambda: sat.nps_by(_answers(), "stage", confidence=0.9),
    "nps_trend": lambda: sat.nps_trend(_answers(), "wave", method="wald"),
    "csat_by": lambda: sat.csat_by(_answers(), "stage", top_box=1),
    "branch_ranking": lambda: sat.branch_ranking(
        pd.DataFrame({"branch": list("aaabbbccc"), "score": [90, 85, 95, 60, 55, 70, 20, 30, 25.0]}),
        n_boot=100, confidence=0.9,
    ),
    "uplift_by_segment": lambda: uplift_by_segment(*_ab()),
    "campaign_audience": lambda: campaign_audience(*_campaign_data(), arm=None),
    "white_space": lambda: white_space(
        category_matrix(_tx_categories(), pd.Series({"a": "x", "b": "x", "c": "y", "d": "y"})),
        benchmark="overall",
    ),
    "forecast_backtest": lambda: forecast_backtest(
        pd.Series([10.0, 12, 13, 15, 16, 18, 19, 21, 22, 24]), holdout=3, confidence=0.8
    ),
    "kpi_dashboard": lambda: kpi_dashboard(
        _dashboard_data(), pd.Series({"a": "x", "b": "x", "c": "y"}), margin=0.5,
        window_days=90, observation_end="2024-06-28", confidence=0.9,
    ),
}  # fmt: skip

#: Settings each result must carry, and the text its summary shows for them.
EXPECTED = {
    "nps_by": (sat.NPSTable, {"groups": ("stage",), "method": "adjusted_wald",
                              "confidence": 0.9}, ["90% adjusted Wald", "NPS by stage"]),
    "nps_trend": (sat.NPSTrend, {"period": "wave", "method": "wald", "confidence": 0.95},
                  ["95% Wald", "5% level"]),
    "csat_by": (sat.CSATTable, {"scale": (1, 5), "top_box": 1, "confidence": 0.95},
                ["5-5 on the 1-5 scale", "95% Wilson"]),
    "branch_ranking": (sat.BranchRanking, {"confidence": 0.9, "n_boot": 100},
                       ["90% t (means)", "100 resamples"]),
    "uplift_by_segment": (SegmentUplift, {"campaign_id": "R", "confidence": 0.95},
                          ["campaign R", "95% Newcombe", "Q = "]),
    "campaign_audience": (CampaignAudience, {"arm": None, "at_risk_after_days": 180.0},
                          ["every contact row", "180 days"]),
    "white_space": (WhiteSpace, {"benchmark": "overall"}, ["overall"]),
    "forecast_backtest": (BacktestResult, {"confidence": 0.8}, ["nominal 80%", "ETS"]),
    "kpi_dashboard": (KPIDashboard, {"as_of": pd.Timestamp("2024-03-30"),
                                     "observation_end": pd.Timestamp("2024-06-28"),
                                     "window_days": 90, "margin": 0.5, "confidence": 0.9},
                      ["2024-03-30 to 2024-06-28", "90%", "0.5 of revenue"]),
}  # fmt: skip


@pytest.fixture(scope="module", params=sorted(RESULTS))
def named_result(request):
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # the library itself uses .table
        return request.param, RESULTS[request.param]()


def test_result_type_and_settings(named_result):
    name, result = named_result
    kind, settings, _ = EXPECTED[name]
    assert isinstance(result, kind) and isinstance(result, SettingsResult)
    assert isinstance(result.table, pd.DataFrame) and len(result) == len(result.table)
    for field, value in settings.items():
        assert getattr(result, field) == value, field


def test_results_are_frozen(named_result):
    _, result = named_result
    first = dataclasses.fields(result)[1].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, first, getattr(result, first))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.table = result.table.copy()
    with pytest.raises(TypeError):
        iter(result)


def test_summary_reports_the_settings(named_result):
    name, result = named_result
    summary = result.summary()
    text = str(summary)
    for expected in EXPECTED[name][2]:
        assert expected in text, (name, expected, text)
    assert summary.to_frame()["value"].notna().all()
    html = result._repr_html_()
    assert "<table>" in html and html.count("<table") >= 2  # summary, then the rows


def test_repr_is_stable_and_names_the_settings(named_result):
    name, result = named_result
    text = repr(result)
    assert text.startswith(f"{type(result).__name__}({len(result):,} ")
    assert not re.search(r"0x[0-9a-f]+", text)  # no memory address: notebooks store it
    assert repr(RESULTS[name]()) == text
    for field in EXPECTED[name][1]:
        assert f"{field}=" in text


def test_settings_survive_join_merge_and_concat_because_they_live_on_the_result(named_result):
    name, result = named_result
    settings = {f: getattr(result, f) for f in EXPECTED[name][1]}
    other = pd.DataFrame({"extra": 1}, index=result.table.index)
    joined = result.table.join(other)
    stacked = pd.concat([result.table, result.table.iloc[:0]])
    assert list(joined.columns)[-1] == "extra" and len(stacked) == len(result)
    # whatever pandas did with attrs, the result still holds its settings
    assert {f: getattr(result, f) for f in settings} == settings
    # the tables keep the old attrs, for code written when the table was the result
    assert result.table.attrs


def test_dataframe_methods_on_a_result_still_work_with_a_future_warning(named_result):
    _, result = named_result
    with pytest.warns(FutureWarning, match=r"result\.table\.head"):
        head = result.head(2)
    pd.testing.assert_frame_equal(head, result.table.head(2))
    with pytest.warns(FutureWarning, match=r"result\.table\.attrs"):
        assert result.attrs == result.table.attrs
    with pytest.raises(AttributeError):
        result.no_such_attribute  # noqa: B018


def test_setting_reads_a_result_or_a_plain_tables_attrs():
    result = RESULTS["nps_by"]()
    assert setting(result, "confidence") == 0.9 and setting(result, "table") is result.table
    assert setting(result, "not_a_field", "d") == "d"
    assert setting(result.table, "confidence") == 0.9
    assert setting(pd.DataFrame(), "confidence", 0.5) == 0.5
    assert as_table(result) is result.table and as_table(result.table) is result.table


# -- plotting takes the result or its table ----------------------------------------------------
def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_nps_plots_take_the_result_or_its_table():
    by = RESULTS["nps_by"]()
    trend = RESULTS["nps_trend"]()
    expected = "90% interval (adjusted Wald, around the adjusted NPS)"
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        from_result = sat_plots.plot_nps(by)
        from_table = sat_plots.plot_nps(by.table)
        trend_result = sat_plots.plot_nps_trend(trend)
        trend_table = sat_plots.plot_nps_trend(trend.table)
    assert expected in _legend(from_result) and expected in _legend(from_table)
    assert "95% interval (Wald)" in _legend(trend_result)
    assert _legend(trend_result) == _legend(trend_table)
    # a table that lost its attrs in a join still plots, with an unnamed interval
    bare = by.table.join(pd.DataFrame({"x": 1}, index=by.table.index))
    bare.attrs = {}
    assert "interval" in _legend(sat_plots.plot_nps(bare))[1]


def test_csat_and_branch_plots_take_the_result_or_its_table():
    csat = RESULTS["csat_by"]()
    league = RESULTS["branch_ranking"]()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        for table in (csat, csat.table):
            assert "95% interval (Wilson)" in _legend(sat_plots.plot_csat(table))
        for table in (league, league.table):
            assert "90% interval (t)" in _legend(sat_plots.plot_branch_league(table))


def test_kpi_dashboard_plot_takes_the_result_or_its_table():
    dashboard = RESULTS["kpi_dashboard"]()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        titles = [
            portfolio_plots.plot_kpi_dashboard(t, kpis=["retention_rate"])._suptitle.get_text()
            for t in (dashboard, dashboard.table)
        ]
    assert titles[0] == titles[1] and "retention after 2024-03-30" in titles[0]
    plain = dashboard.table.copy()
    plain.attrs = {}
    title = portfolio_plots.plot_kpi_dashboard(plain, kpis=["retention_rate"])._suptitle
    assert "retention after" not in title.get_text()


def test_strategy_plots_take_the_result_or_its_table():
    uplift = RESULTS["uplift_by_segment"]()
    audience = RESULTS["campaign_audience"]()
    gaps = RESULTS["white_space"]()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        for table in (uplift, uplift.table):
            assert len(strategy_plots.plot_uplift_by_segment(table).get_yticklabels()) == 2
        for table in (audience, audience.table):
            assert len(strategy_plots.plot_campaign_audience(table).patches) == 5
        for table in (gaps, gaps.table, gaps.table[gaps["segment"] == "x"]):
            assert strategy_plots.plot_white_space(table).patches


def _panel_text(ax) -> str:
    return " ".join(t.get_text() for t in ax.texts)


def test_empty_results_show_their_note_from_the_result_or_its_table():
    campaigns, contacts, _ = _campaign_data()
    no_campaigns, no_contacts = campaigns.iloc[:0], contacts.iloc[:0]
    tx = pd.DataFrame({"customer_id": ["a"], "amount": [5.0], "date": pd.Timestamp("2024-01-01"),
                       "category": "music"})  # fmt: skip
    empty_test = campaign_ab_test(no_campaigns, no_contacts, tx)
    uplift = uplift_by_segment(empty_test, pd.Series(dtype="str"))
    audience = campaign_audience(no_campaigns, no_contacts, tx)
    gaps = white_space(category_matrix(tx, pd.Series({"a": "x"})))
    assert "no campaigns" in uplift.note and "no campaigns" in audience.note
    assert "single product category" in gaps.note
    assert "no campaigns" in str(uplift.summary()) and "no campaigns" in str(audience.summary())
    for result, plot, words in (
        (uplift, strategy_plots.plot_uplift_by_segment, "no campaigns"),
        (audience, strategy_plots.plot_campaign_audience, "no campaigns"),
        (gaps, strategy_plots.plot_white_space, "single product category"),
    ):
        for given in (result, result.table):
            assert words in _panel_text(plot(given))
    assert np.isnan(uplift.heterogeneity_p_value) and "n/a" in str(uplift.summary())


def test_the_documented_examples_hold():
    import doctest
    import importlib

    for name in (
        "portfolio_lib._results",
        "portfolio_lib.campaigns",
        "portfolio_lib.cross_sell",
        "portfolio_lib.trends",
        "portfolio_lib.portfolio.dashboard",
        "portfolio_lib.satisfaction.nps",
        "portfolio_lib.satisfaction.surveys",
        "portfolio_lib.satisfaction.mystery",
    ):
        module = importlib.import_module(name)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, name
