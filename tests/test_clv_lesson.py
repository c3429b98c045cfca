"""Chapter 3 lesson helpers (portfolio_lib.lessons.clv): periods, tracking, truth/paper checks."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.clv import (
    BetaGeo,
    GammaGamma,
    ShiftedBetaGeometric,
    calibration_holdout,
    simulate_bgnbd,
    simulate_gamma_gamma_spend,
)
from portfolio_lib.lessons import clv as lesson

WEEKS_PER_MONTH = 365.25 / 12 / 7


# --- resolve_periods -------------------------------------------------------------------------


# REFERENCE.md "Data in ../shared/data/cdnow": calibration to 1997-09-30 (39 weeks after
# 1997-01-01); the data end on 1998-06-30.
def test_cdnow_defaults_to_the_papers_calibration_period():
    p = lesson.resolve_periods("cdnow", data_start="1997-01-01", data_end="1998-06-30")
    assert p.calibration_end == pd.Timestamp("1997-09-30")
    assert p.observation_end == pd.Timestamp("1998-06-30")
    assert p.holdout_length == pytest.approx(273 / 7)
    assert "papers" in p.calibration_source


def test_other_data_default_to_a_52_week_holdout_and_a_monthly_step():
    p = lesson.resolve_periods(
        "sample", data_start="2023-01-01", data_end="2024-12-31", horizon_months=12
    )
    assert p.calibration_end == pd.Timestamp("2024-12-31") - pd.Timedelta(days=364)
    assert p.holdout_length == pytest.approx(52.0)
    assert p.horizon == pytest.approx(365.25 / 7)
    assert p.step == pytest.approx(WEEKS_PER_MONTH)
    assert p.unit == "W"
    text = p.describe()
    assert "2024-01-02" in text and "52.0 weeks" in text and "12 months" in text


def test_given_dates_win_and_the_default_follows_observation_end():
    p = lesson.resolve_periods(
        "simulate", data_start="2023-01-01", data_end="2024-12-31", observation_end="2024-06-30"
    )
    assert p.observation_end == pd.Timestamp("2024-06-30")
    assert p.calibration_end == pd.Timestamp("2024-06-30") - pd.Timedelta(weeks=52)
    q = lesson.resolve_periods(
        "cdnow", data_start="1997-01-01", data_end="1998-06-30", calibration_end="1997-12-31"
    )
    assert q.calibration_end == pd.Timestamp("1997-12-31")
    assert q.calibration_source == "CALIBRATION_END"
    assert q.horizon_months == lesson.DEFAULT_HORIZON_MONTHS


def test_short_data_fall_back_to_the_middle_day():
    p = lesson.resolve_periods("simulate", data_start="2024-01-01", data_end="2024-03-01")
    assert p.calibration_end == pd.Timestamp("2024-01-31")  # 60 days // 2 after the start
    cdnow_early = lesson.resolve_periods(
        "cdnow", data_start="1997-01-01", data_end="1998-06-30", observation_end="1997-06-30"
    )
    assert pd.Timestamp("1997-01-01") < cdnow_early.calibration_end < pd.Timestamp("1997-06-30")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dataset": "nope"}, "dataset"),
        ({"calibration_end": "2025-01-01"}, "calibration_end"),
        ({"calibration_end": "2022-06-01"}, "calibration_end"),
        ({"observation_end": "2025-06-30"}, "observation_end"),
        ({"observation_end": "not a date"}, "observation_end"),
        ({"horizon_months": 0}, "horizon_months"),
    ],
)
def test_resolve_periods_rejects_bad_input(kwargs, message):
    args = {"dataset": "sample", "data_start": "2023-01-01", "data_end": "2024-12-31"} | kwargs
    dataset = args.pop("dataset")
    with pytest.raises(ValueError, match=message):
        lesson.resolve_periods(dataset, **args)


# --- cumulative_repeat_purchases --------------------------------------------------------------

MODEL = BetaGeo.from_params({"r": 0.8, "alpha": 6.0, "a": 1.3, "b": 3.0})


def test_tracking_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "b", "c"],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-01",
                    "2024-01-10",
                    "2024-02-01",
                    "2024-01-03",
                    "2024-01-30",
                    "2024-01-20",
                ]
            ),  # fmt: skip
            "amount": [5.0, 1.0, 2.0, 3.0, 4.0, 6.0, 7.0],
        }
    )
    track = lesson.cumulative_repeat_purchases(
        tx, MODEL, calibration_end="2024-01-15", observation_end="2024-02-05"
    )
    # c first buys after calibration_end: not in the cohort. a: two repeat days (01-10, 02-01;
    # the second row on 01-01 is the same occasion); b: one repeat (01-30).
    dates = pd.to_datetime(["2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29", "2024-02-05"])
    assert list(track.index) == list(dates)
    assert track["actual"].tolist() == [0, 1, 1, 1, 3]
    assert track["period"].tolist() == ["calibration"] * 2 + ["holdout"] * 3
    first = {"a": pd.Timestamp("2024-01-01"), "b": pd.Timestamp("2024-01-03")}
    for date, row in track.iterrows():
        expected = sum(
            MODEL.expected_purchases(max((date - day).days, 0) / 7) for day in first.values()
        )
        assert row["model"] == pytest.approx(expected, rel=1e-12)


def test_tracking_ends_at_the_totals_of_calibration_holdout():
    sim = simulate_bgnbd(400, r=0.8, alpha=6.0, a=1.3, b=3.0, T=60, seed=3)
    rng = np.random.default_rng(4)
    start = pd.Timestamp("2024-01-01")
    rows = []
    for cid, row in sim.iterrows():
        first = start + pd.Timedelta(days=int(rng.integers(0, 120)))
        days = np.sort(rng.integers(1, 400, size=int(row["frequency"])))
        for d in [0, *days.tolist()]:
            rows.append((cid, first + pd.Timedelta(days=d), 10.0))
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    cal_end, obs_end = "2024-06-30", "2025-03-31"
    table = calibration_holdout(tx, calibration_end=cal_end, observation_end=obs_end, late="drop")
    track = lesson.cumulative_repeat_purchases(
        tx, MODEL, calibration_end=cal_end, observation_end=obs_end
    )
    assert track.index[-1] == pd.Timestamp(obs_end)
    assert track["actual"].iloc[-1] == (table["frequency"] + table["frequency_holdout"]).sum()
    in_cal = track[track["period"] == "calibration"]
    assert in_cal["actual"].iloc[-1] <= table["frequency"].sum()
    ages = table["T"] + table["duration_holdout"]
    assert track["model"].iloc[-1] == pytest.approx(MODEL.expected_purchases(ages).sum())
    assert track["actual"].is_monotonic_increasing and track["model"].is_monotonic_increasing


def test_tracking_rejects_bad_input():
    tx = pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(DataValidationError, match="date"):
        lesson.cumulative_repeat_purchases(
            tx.drop(columns="date"),
            MODEL,
            calibration_end="2024-01-02",
            observation_end="2024-02-01",
        )
    with pytest.raises(DataValidationError, match="calibration_end"):
        lesson.cumulative_repeat_purchases(
            tx, MODEL, calibration_end="2023-12-01", observation_end="2024-02-01"
        )
    with pytest.raises(ValueError, match="observation_end"):
        lesson.cumulative_repeat_purchases(
            tx, MODEL, calibration_end="2024-02-01", observation_end="2024-01-02"
        )
    fitted_in_days = BetaGeo.from_params({"r": 1, "alpha": 1, "a": 1.5, "b": 2})
    fitted_in_days.unit_ = "D"
    with pytest.raises(ValueError, match="unit"):
        lesson.cumulative_repeat_purchases(
            tx, fitted_in_days, calibration_end="2024-01-02", observation_end="2024-02-01"
        )


# --- parameter_recovery ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated_fits():
    data = simulate_bgnbd(3000, r=0.8, alpha=8.0, a=1.2, b=4.0, T=80, seed=11)
    data["monetary_value"] = simulate_gamma_gamma_spend(
        data["frequency"], p=6.0, q=3.5, gamma=20.0, seed=12
    )["monetary_value"]
    data.attrs["unit"] = "W"
    return BetaGeo().fit(data), GammaGamma().fit(data)


TRUTH = {
    "bgnbd": {"r": 0.8, "alpha": 8.0, "a": 1.2, "b": 4.0, "unit": "W"},
    "gamma_gamma": {"p": 6.0, "q": 3.5, "gamma": 20.0},
}


def test_recovery_table_with_truth(simulated_fits):
    bg, gg = simulated_fits
    out = lesson.parameter_recovery([bg, gg], TRUTH)
    table = out.table
    assert list(table.index.get_level_values("model").unique()) == ["BG/NBD", "Gamma-Gamma"]
    assert table.loc[("BG/NBD", "alpha"), "true"] == 8.0
    row = table.loc[("Gamma-Gamma", "q")]
    assert row["estimate"] == pytest.approx(gg.params_["q"])
    assert row["relative_error"] == pytest.approx((gg.params_["q"] - 3.5) / 3.5)
    ci = bg.summary().table
    for p in ("r", "alpha", "a", "b"):
        inside = ci.loc[p, "ci_low"] <= TRUTH["bgnbd"][p] <= ci.loc[p, "ci_high"]
        assert table.loc[("BG/NBD", p), "true_in_ci"] == inside
    # recovery: the models get back what the simulator put in (3000 customers, 80 weeks)
    assert table["relative_error"].abs().max() < 0.25
    assert f"{int(table['true_in_ci'].sum())} of 7" in out.note


def test_recovery_without_truth_has_no_true_column(simulated_fits):
    bg, gg = simulated_fits
    out = lesson.parameter_recovery([bg, gg], {"source": "CDNOW sample", "note": "real data"})
    assert "true" not in out.table.columns and "true_in_ci" not in out.table.columns
    assert list(out.table.columns) == ["estimate", "std_err", "ci_low", "ci_high"]
    assert "no true parameters" in out.note
    assert lesson.parameter_recovery([bg], None).table.shape == (4, 4)


def test_recovery_refuses_a_unit_mismatch(simulated_fits):
    bg, _ = simulated_fits
    truth = {"bgnbd": {**TRUTH["bgnbd"], "unit": "D"}}
    with pytest.raises(ValueError, match="unit"):
        lesson.parameter_recovery([bg], truth)


# --- alive_check --------------------------------------------------------------------------------


def test_alive_check_by_hand():
    truth = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "dropout_date": pd.to_datetime([None, "2024-01-10", "2024-03-01", None, "2024-02-01"]),
        }
    )
    p = pd.Series({"a": 0.9, "b": 0.1, "c": 0.6, "d": 0.5, "e": 0.7})
    out = lesson.alive_check(p, truth, as_of="2024-02-01")
    # truly active on 2024-02-01: a, d (never left) and c (leaves later); e left that day.
    assert out.table.loc["active", "customers"] == 3
    assert out.table.loc["dropped out", "customers"] == 2
    assert out.table.loc["active", "mean_p_alive"] == pytest.approx((0.9 + 0.6 + 0.5) / 3)
    assert out.table.loc["dropped out", "median_p_alive"] == pytest.approx(0.4)
    # AUC by counting pairs (active, dropped) where active is higher: 0.9>0.1, 0.9>0.7,
    # 0.6>0.1, 0.5>0.1 -> 4 of 6
    assert "AUC 0.67" in out.note


def test_alive_check_without_truth_and_bad_input():
    empty = pd.DataFrame({"customer_id": [], "dropout_date": []})
    out = lesson.alive_check(pd.Series({"a": 0.5}), empty, as_of="2024-01-01")
    assert out.table.empty and "Real data" in out.note
    truth = pd.DataFrame({"customer_id": ["a"], "dropout_date": pd.to_datetime([None])})
    with pytest.raises(DataValidationError, match="customer_id"):
        lesson.alive_check(pd.Series({"zz": 0.5}), truth, as_of="2024-01-01")
    with pytest.raises(DataValidationError, match="dropout_date"):
        lesson.alive_check(pd.Series({"a": 0.5}), truth[["customer_id"]], as_of="2024-01-01")


# --- paper_check ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_calibration(cdnow_home):
    from portfolio_lib.datasets import load_cdnow

    tx = load_cdnow("sample", cdnow_home, download=False)
    return tx, calibration_holdout(
        tx, calibration_end="1997-09-30", observation_end="1998-06-30", unit="W"
    )


def test_published_constants_are_the_reference_values():
    # REFERENCE.md "BG/NBD", "Pareto/NBD", "Gamma-Gamma" headings.
    published = lesson.PUBLISHED_CDNOW
    assert published["BG/NBD"]["params"] == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert published["BG/NBD"]["loglik"] == -9582.4 and published["BG/NBD"]["rtol"] == 0.005
    assert published["Pareto/NBD"]["params"] == {
        "r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669,
    }  # fmt: skip
    assert published["Pareto/NBD"]["loglik"] == -9595.0 and published["Pareto/NBD"]["rtol"] == 0.01
    assert published["Gamma-Gamma"]["params"] == {"p": 6.25, "q": 3.74, "gamma": 15.44}
    # REFERENCE.md "Shifted-beta-geometric": the "regular" cohort, years 0-12.
    assert lesson.REGULAR_COHORT.tolist() == [
        1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173,
    ]  # fmt: skip
    sbg = ShiftedBetaGeometric().fit(lesson.REGULAR_COHORT.loc[:7])
    assert sbg.params_["alpha"] == pytest.approx(0.704, rel=0.005)


# REFERENCE.md "BG/NBD — Fader, Hardie & Lee (2005a)", "Pareto/NBD — same paper",
# "Gamma-Gamma — Fader, Hardie & Lee (2005b)": every published number within its tolerance.
def test_paper_check_reproduces_cdnow(cdnow_calibration):
    _, calibration = cdnow_calibration
    out = lesson.paper_check(calibration, dataset="cdnow")
    table = out.table
    assert len(table) == 14 and bool(table["within_tolerance"].all())
    assert table.loc[("BG/NBD", "log-likelihood"), "fitted"] == pytest.approx(-9582.4, abs=0.1)
    assert table.loc[("Pareto/NBD", "log-likelihood"), "fitted"] == pytest.approx(-9595.0, abs=0.1)
    assert table.loc[("Pareto/NBD", "beta"), "fitted"] == pytest.approx(11.669, rel=0.01)
    assert table.loc[("Gamma-Gamma", "p"), "fitted"] == pytest.approx(6.25, rel=0.01)
    row = table.loc[("BG/NBD", "E[X(39) | x=2, t_x=30.43, T=38.86]")]
    assert row["fitted"] == pytest.approx(1.226, rel=0.005)
    assert (table["difference"] == table["fitted"] - table["published"]).all()
    assert "14 of 14" in out.note


def test_paper_check_flags_a_wrong_model(cdnow_calibration):
    _, calibration = cdnow_calibration
    wrong = BetaGeo.from_params({"r": 0.3, "alpha": 4.414, "a": 0.793, "b": 2.426})
    wrong.loglik_ = -9600.0
    table = lesson.paper_check(calibration, dataset="cdnow", bgnbd=wrong).table
    assert not table.loc[("BG/NBD", "r"), "within_tolerance"]
    assert not table.loc[("BG/NBD", "log-likelihood"), "within_tolerance"]
    assert table.loc[("BG/NBD", "alpha"), "within_tolerance"]


def test_paper_check_lists_the_published_numbers_with_a_reason_elsewhere(cdnow_calibration):
    tx, calibration = cdnow_calibration
    out = lesson.paper_check(calibration, dataset="sample")
    assert 'DATASET = "cdnow"' in out.note and "Nothing is compared" in out.note
    # what a CDNOW run would compare: every published number, the fitted column empty
    assert out.table["fitted"].isna().all() and out.table["within_tolerance"].isna().all()
    assert (
        out.table.loc[("BG/NBD", "r"), "published"]
        == lesson.PUBLISHED_CDNOW["BG/NBD"]["params"]["r"]
    )
    other = calibration_holdout(tx, calibration_end="1997-12-31", observation_end="1998-06-30")
    out = lesson.paper_check(other, dataset="cdnow")
    assert out.table["fitted"].isna().all() and "CALIBRATION_END" in out.note
    out = lesson.paper_check(calibration.iloc[:100], dataset="cdnow")
    assert out.table["fitted"].isna().all() and "2357" in out.note


# --- value tiers -------------------------------------------------------------------------------


def test_value_tiers_sizes_and_ties():
    values = pd.Series(np.arange(100, 0, -1, dtype=float), index=[f"c{i}" for i in range(100)])
    tiers = lesson.value_tiers(values)
    assert tiers.value_counts().reindex(lesson.TIER_LABELS).tolist() == [10, 20, 30, 40]
    assert tiers.cat.ordered and list(tiers.cat.categories) == list(lesson.TIER_LABELS)
    assert tiers["c0"] == "platinum" and tiers["c99"] == "bronze"
    tied = pd.Series([5.0, 5.0, 5.0, 1.0], index=list("abcd"))
    out = lesson.value_tiers(tied, shares=(0.25, 0.75), labels=("top", "rest"))
    assert out.tolist() == ["top", "top", "top", "rest"]  # ties share the better tier


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=60))
def test_value_tiers_are_monotone_in_value(raw):
    values = pd.Series(raw, index=range(len(raw)), dtype=float)
    codes = lesson.value_tiers(values).cat.codes.to_numpy()
    order = np.argsort(-values.to_numpy(), kind="stable")
    assert np.all(np.diff(codes[order]) >= 0)  # a higher value is never in a worse tier
    assert len(codes) == len(raw) and codes.min() >= 0


def test_value_tiers_reject_bad_input():
    with pytest.raises(DataValidationError, match="value"):
        lesson.value_tiers(pd.Series([1.0, np.nan]))
    with pytest.raises(ValueError, match="sum to 1"):
        lesson.value_tiers(pd.Series([1.0]), shares=(0.5, 0.4), labels=("a", "b"))
    with pytest.raises(ValueError, match="label"):
        lesson.value_tiers(pd.Series([1.0]), shares=(1.0,), labels=("a", "b"))


def test_tier_summary_by_hand():
    value = pd.DataFrame(
        {"clv": [50.0, 30.0, 10.0, 10.0], "p": [1.0, 0.5, 0.2, 0.4]}, index=list("abcd")
    )
    tiers = lesson.value_tiers(value["clv"], shares=(0.5, 0.5), labels=("top", "rest"))
    out = lesson.tier_summary(value, tiers, means=["p"])
    assert out.loc["top", "customers"] == 2 and out.loc["top", "share_customers"] == 0.5
    assert out.loc["top", "total_clv"] == 80.0 and out.loc["rest", "min_clv"] == 10.0
    assert out.loc["top", "share_clv"] == pytest.approx(0.8)
    assert out.loc["rest", "mean_p"] == pytest.approx(0.3)
    with pytest.raises(DataValidationError, match="p_alive"):
        lesson.tier_summary(value, tiers, means=["p_alive"])


# --- channel_value ------------------------------------------------------------------------------


def _company():
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "acquisition_channel": ["search", "search", "social", "social"],
            "acquisition_cost": [10.0, 30.0, 20.0, 20.0],
            "signup_date": pd.to_datetime(["2024-01-01"] * 4),
        }
    )
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "amount": [100.0, 100.0, 10.0, 20.0],
            "date": pd.to_datetime(["2024-01-01"] * 4),
        }
    )
    clv = pd.Series({"a": 120.0, "b": 80.0, "c": 10.0, "d": 30.0})
    return customers, tx, clv


def test_channel_value_with_costs():
    customers, tx, clv = _company()
    out = lesson.channel_value(customers, tx, clv=clv, margin=0.3, observation_end="2024-06-30")
    table = out.table
    assert list(table.columns) == list(lesson.CHANNEL_COLUMNS)
    assert table.loc["search", "cac"] == 20.0 and table.loc["search", "clv_mean"] == 100.0
    assert (
        table.loc["search", "clv_to_cac"] == 5.0 and table.loc["search", "verdict"] == "invest more"
    )
    assert table.loc["social", "clv_to_cac"] == pytest.approx(1.0)
    assert "all" in table.index and "CLV/CAC" in out.note


def test_channel_value_without_costs_says_so():
    customers, tx, clv = _company()
    out = lesson.channel_value(
        customers.drop(columns="acquisition_cost"), tx, clv=clv, margin=0.3,
        observation_end="2024-06-30",
    )  # fmt: skip
    table = out.table
    assert list(table.columns) == list(lesson.CHANNEL_COLUMNS)
    assert table["cac"].isna().all() and table["clv_to_cac"].isna().all()
    assert table.loc["social", "clv_mean"] == 20.0 and table.loc["search", "n_customers"] == 2
    assert (table["verdict"] == "unknown (no cost)").all()
    assert "acquisition costs" in out.note
    with pytest.raises(DataValidationError, match="acquisition_channel"):
        lesson.channel_value(
            customers.drop(columns="acquisition_channel"), tx, clv=clv, margin=0.3,
            observation_end="2024-06-30",
        )  # fmt: skip


# --- the old place -----------------------------------------------------------------------------


def test_old_module_path_names_the_new_place():
    # clv imports no course material, so portfolio_lib.clv.lesson cannot re-export the helpers;
    # importing it (either way) raises an ImportError that says where they went.
    for attempt in (
        lambda: importlib.import_module("portfolio_lib.clv.lesson"),
        lambda: exec("from portfolio_lib.clv import lesson", {}),
    ):
        with pytest.raises(ImportError, match=r"portfolio_lib\.lessons\.clv"):
            attempt()
        assert "portfolio_lib.clv.lesson" not in sys.modules


def test_channel_covariate_effects_finds_the_simulated_referral_advantage():
    """The simulator matches the most valuable buyers to referral customers
    (``channel_value`` in simulate/params.py, referral highest); the covariate model must find
    a purchase-rate advantage whose interval excludes 1 and raise their predictions."""
    from portfolio_lib import clv
    from portfolio_lib.datasets import load_sample
    from portfolio_lib.lessons.clv import channel_covariate_effects

    crm = load_sample()
    summary = clv.summary_from_transactions(
        crm.transactions, observation_end=crm.observation_end, unit="W"
    )
    plain = clv.BetaGeo().fit(summary)
    out = channel_covariate_effects(
        summary, crm.customers, level="referral", purchase_model=plain, horizon=52.0
    )
    assert list(out.table.index) == ["other channels", "referral"]
    assert out.table["customers"].sum() == len(summary)
    ref, other = out.table.loc["referral"], out.table.loc["other channels"]
    assert ref["purchases_with"] > ref["purchases_without"]
    assert other["purchases_with"] < other["purchases_without"]
    assert "purchase rate ×" in out.note and "spend per purchase ×" in out.note
    low = float(out.note.split("purchase rate × ")[1].split("interval ")[1].split(" to ")[0])
    assert low > 1.0  # the interval of the multiplier excludes 1


def test_channel_covariate_effects_says_why_when_there_is_no_channel():
    import pandas as pd

    from portfolio_lib import clv
    from portfolio_lib.lessons.clv import channel_covariate_effects

    summary = pd.DataFrame(
        {
            "frequency": [1.0, 0.0, 2.0],
            "recency": [3.0, 0.0, 5.0],
            "T": [6.0, 6.0, 6.0],
            "monetary_value": [10.0, 0.0, 12.0],
        },
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "acquisition_channel": "unknown"})
    out = channel_covariate_effects(
        summary, customers, level="referral", purchase_model=clv.BetaGeo(), horizon=4.0
    )
    assert out.table.empty
    assert "no customer of level(s) ['referral']" in out.note
