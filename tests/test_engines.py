"""portfolio_lib.engines on DuckDB equals the in-memory functions; fits from sufficient
statistics equal full fits; the clv/rfm/summarize commands end to end (Spark: test_engines_spark)."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from portfolio_lib import DataValidationError, clv, journey, portfolio, rfm
from portfolio_lib.__main__ import main
from portfolio_lib.datasets import load_cdnow, load_sample
from portfolio_lib.engines import (
    Columns,
    DuckDBEngine,
    as_frame,
    calibration_holdout,
    summary_from_transactions,
)
from portfolio_lib.engines import cohorts as ecohorts
from portfolio_lib.engines import journey as ejourney
from portfolio_lib.engines import kpis as ekpis
from portfolio_lib.engines import models as emodels
from portfolio_lib.engines import rfm as erfm
from portfolio_lib.engines.simlog import write_simulated_log

CDNOW_END = "1998-06-30"
RTOL = 1e-12  # money: float sums in another order; counts and times are exact


@pytest.fixture(scope="module")
def cdnow(cdnow_home) -> pd.DataFrame:
    return load_cdnow("master", cdnow_home, download=False)


@pytest.fixture(scope="module")
def company():
    return load_sample()


def _logs(request) -> tuple[pd.DataFrame, str]:
    if request.param == "cdnow":
        return request.getfixturevalue("cdnow"), CDNOW_END
    tx = request.getfixturevalue("company").tables["transactions"]
    return tx, str(tx["date"].max().date())


@pytest.fixture(params=["cdnow", "sample"])
def log(request) -> tuple[pd.DataFrame, str]:
    return _logs(request)


def assert_summary_equal(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Same customers and columns; integer and time columns exactly, money to RTOL."""
    assert got.index.tolist() == expected.index.tolist()
    assert list(got.columns) == list(expected.columns)
    for col in expected.columns:
        money = expected[col].dtype == float and col not in ("recency", "T", "duration_holdout")
        if money:
            np.testing.assert_allclose(got[col], expected[col], rtol=RTOL, atol=1e-12)
        else:
            np.testing.assert_array_equal(got[col].to_numpy(), expected[col].to_numpy(), col)
        assert got[col].dtype == expected[col].dtype, col


@pytest.mark.parametrize("unit", ["W", "D"])
def test_summary_equals_the_in_memory_summary(log, unit):
    tx, end = log
    expected = clv.summary_from_transactions(tx, observation_end=end, unit=unit)
    got = as_frame(summary_from_transactions(tx, observation_end=end, unit=unit), "customer_id")
    assert_summary_equal(expected, got)


def test_calibration_split_equals_the_in_memory_split(log):
    tx, end = log
    cal = str((pd.Timestamp(end) - pd.Timedelta(days=180)).date())
    expected = clv.calibration_holdout(tx, calibration_end=cal, observation_end=end, unit="M")
    got = calibration_holdout(tx, calibration_end=cal, observation_end=end, unit="M")
    assert_summary_equal(expected, as_frame(got, "customer_id"))


@pytest.mark.parametrize("ties", ["same", "first"])
def test_rfm_table_scores_and_segments_equal_the_in_memory_ones(log, ties):
    tx, end = log
    expected = rfm.rfm_table(tx, observation_end=end)
    table = erfm.rfm_table(tx, observation_end=end)
    got = table.to_pandas(index="customer_id").sort_index()
    for col in ("first_purchase", "last_purchase"):
        got[col] = pd.to_datetime(got[col]).astype(expected[col].dtype)
    assert_summary_equal(expected, got)
    scores = rfm.rfm_scores(expected, ties=ties)
    scoring = erfm.rfm_scores(table, ties=ties)
    pd.testing.assert_frame_equal(scoring.to_pandas(), scores.scores, check_names=False)
    for dim in "RFM":
        np.testing.assert_allclose(scoring.thresholds[dim], scores.thresholds[dim], rtol=RTOL)
    segments = erfm.rfm_segments(scoring).to_pandas(index="customer_id").sort_index()
    expected_segments = rfm.rfm_segments(scores)
    assert segments["segment"].tolist() == expected_segments["segment"].astype(str).tolist()
    assert segments["FM"].tolist() == expected_segments["FM"].tolist()


@pytest.mark.parametrize("unit", ["W", "M", "Q"])
def test_cohort_retention_equals_the_in_memory_table(log, unit):
    tx, end = log
    expected = portfolio.cohort_retention(tx, observation_end=end, unit=unit)
    got = ecohorts.cohort_retention(tx, observation_end=end, unit=unit)
    pd.testing.assert_frame_equal(got.counts, expected.counts)
    pd.testing.assert_series_equal(got.sizes, expected.sizes)
    pd.testing.assert_frame_equal(got.retention, expected.retention)


def _period_counts(tx: pd.DataFrame, end: str, unit: str) -> pd.DataFrame:
    """Independent oracle: the period KPIs counted with pandas sets and groupbys."""
    flag = tx["is_return"].astype(bool) if "is_return" in tx else False
    day = pd.to_datetime(tx["date"]).dt.normalize()
    freq = {"W": "W-SUN", "M": "M", "Q": "Q"}[unit]
    label = day.dt.to_period(freq)
    buys = tx.assign(period=label)[~(flag | (tx["amount"] < 0))]
    sets = buys.groupby("period")["customer_id"].agg(set)
    first = buys.groupby("customer_id")["period"].min().value_counts()
    periods = pd.period_range(buys["period"].min(), pd.Timestamp(end).to_period(freq), freq=freq)
    rows = []
    for i, per in enumerate(periods):
        now = sets.get(per, set())
        before = sets.get(periods[i - 1], set()) if i else set()
        rows.append({"active": len(now), "new": int(first.get(per, 0)), "start": len(before),
                     "retained": len(now & before)})  # fmt: skip
    out = pd.DataFrame(rows)
    out["revenue"] = tx.groupby(label)["amount"].sum().reindex(periods, fill_value=0.0).to_numpy()
    names = [str(p.start_time.date()) if unit == "W" else str(p) for p in periods]
    out.index = pd.Index(names, name="period")
    return out


@pytest.mark.parametrize("unit", ["W", "M", "Q"])
def test_period_kpis_equal_an_independent_count_and_the_portfolio_rates(log, unit):
    tx, end = log
    got = ekpis.period_kpis(tx, observation_end=end, unit=unit)
    expected = _period_counts(tx, end, unit)
    assert got.index.tolist() == expected.index.tolist()
    for col in ("active", "new", "start", "retained"):
        np.testing.assert_array_equal(got[col].to_numpy(), expected[col].to_numpy(), col)
    np.testing.assert_allclose(got["revenue"], expected["revenue"], rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(got["reactivated"], got["active"] - got["new"] - got["retained"])
    row = got[got["start"] > 0].iloc[-1]
    kept = portfolio.retention_rate(int(row["start"]), int(row["new"]),
                                    int(row["retained"] + row["new"]))  # fmt: skip
    lost = portfolio.churn_rate(int(row["start"]), int(row["new"]),
                                int(row["retained"] + row["new"]))  # fmt: skip
    assert (row["retention_rate"], row["retention_low"], row["retention_high"]) == (
        kept.rate, kept.low, kept.high)  # fmt: skip
    assert (row["churn_rate"], row["churn_low"], row["churn_high"]) == (lost.rate, lost.low,
                                                                          lost.high)  # fmt: skip
    assert got.loc[got["start"] == 0, "retention_rate"].isna().all()


def test_revenue_by_segment_equals_profit_by_segment(log):
    tx, end = log
    table = erfm.rfm_table(tx, observation_end=end)
    segments = erfm.rfm_segments(erfm.rfm_scores(table))
    got = ekpis.revenue_by_segment(table, segments, margin=0.3)
    in_memory = rfm.rfm_table(tx, observation_end=end)
    labels = rfm.rfm_segments(rfm.rfm_scores(in_memory))["segment"].astype(str)
    expected = portfolio.profit_by_segment(in_memory, labels, margin=0.3)
    assert got.index.tolist() == expected.index.tolist()
    np.testing.assert_array_equal(got["n_customers"], expected["n_customers"])
    for col in ("revenue", "gross_profit", "gross_profit_per_customer", "share_gross_profit"):
        np.testing.assert_allclose(got[col], expected[col], rtol=1e-12, err_msg=col)


def test_revenue_by_segment_refuses_customers_without_a_segment(small_log):
    tx, folder = small_log
    table = erfm.rfm_table(folder, observation_end=str(tx["date"].max().date()))
    eng, dropped = table.engine, str(tx["customer_id"].iloc[0])
    partial = eng.create_view(f"SELECT * FROM {table.view} WHERE customer_id <> '{dropped}'")
    segments = erfm.rfm_segments(erfm.rfm_scores(type(table)(eng, partial)))
    with pytest.raises(DataValidationError, match=f"1 customer.*no 'segment'.*{dropped}"):
        ekpis.revenue_by_segment(table, segments, margin=0.3)


@pytest.mark.parametrize("by", [None, "channel"])
def test_stage_funnel_equals_the_in_memory_funnel(company, by):
    events = company.tables["touchpoints"]
    expected = journey.stage_funnel(events, by=by)
    pd.testing.assert_frame_equal(ejourney.stage_funnel(events, by=by), expected)


@pytest.mark.parametrize("window", [None, 14.0])
def test_conversion_paths_equal_the_in_memory_paths(company, window):
    events = company.tables["touchpoints"]
    expected = journey.conversion_paths(events, window_days=window)
    pd.testing.assert_frame_equal(ejourney.conversion_paths(events, window_days=window), expected)


def test_funnel_and_paths_ties_follow_stage_then_row_order():
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01"] * 3 + ["2024-01-02"]),
            "stage": ["first_contact", "discovery", "discovery", "discovery"],
            "channel": ["email", "social", "search", "store"],
        }
    )
    expected = journey.conversion_paths(log, conversion_stage="decision")
    got = ejourney.conversion_paths(log, conversion_stage="decision")
    pd.testing.assert_frame_equal(got, expected)
    assert got["path"].tolist()[0] == "social > search > email"


def test_bad_events_are_counted_by_reason(company):
    events = company.tables["touchpoints"].copy()
    events.loc[events.index[:3], "stage"] = "checkout"
    events.loc[events.index[5], "timestamp"] = pd.NaT
    with pytest.raises(DataValidationError) as error:
        ejourney.stage_funnel(events)
    message = str(error.value)
    assert "stage is not one of the stages" in message and ": 3 row(s)" in message
    assert "timestamp is missing: 1 row(s)" in message


@pytest.fixture(scope="module")
def small_log(tmp_path_factory, company) -> tuple[pd.DataFrame, str]:
    tx = company.tables["transactions"][["customer_id", "date", "amount", "is_return"]]
    folder = tmp_path_factory.mktemp("log")
    tx.iloc[: len(tx) // 2].to_parquet(folder / "part-0.parquet", index=False)
    tx.iloc[len(tx) // 2 :].to_parquet(folder / "part-1.parquet", index=False)
    return tx, str(folder)


def test_every_kind_of_input_gives_the_same_summary(small_log, tmp_path):
    tx, folder = small_log
    end = str(tx["date"].max().date())
    expected = clv.summary_from_transactions(tx, observation_end=end)
    tx.to_csv(tmp_path / "log.csv", index=False)
    con = duckdb.connect()
    sources = {
        "folder": folder,
        "glob": f"{folder}/*.parquet",
        "list": [f"{folder}/part-0.parquet", f"{folder}/part-1.parquet"],
        "csv": str(tmp_path / "log.csv"),
        "arrow": pa.Table.from_pandas(tx, preserve_index=False),
        "relation": con.sql(f"SELECT * FROM read_parquet('{folder}/*.parquet')"),
    }
    for name, source in sources.items():
        got = as_frame(summary_from_transactions(source, observation_end=end), "customer_id")
        assert_summary_equal(expected, got), name
    same_connection = summary_from_transactions(
        sources["relation"], observation_end=end, engine=DuckDBEngine(con)
    )
    assert_summary_equal(expected, as_frame(same_connection, "customer_id"))


def test_pandas_engine_is_the_in_memory_function(small_log):
    tx, _ = small_log
    end = str(tx["date"].max().date())
    got = summary_from_transactions(tx, observation_end=end, engine="pandas")
    pd.testing.assert_frame_equal(got, clv.summary_from_transactions(tx, observation_end=end))


def test_out_writes_parquet_and_renamed_columns_work(small_log, tmp_path):
    tx, _ = small_log
    end = str(tx["date"].max().date())
    renamed = tx.rename(columns={"customer_id": "cust", "date": "day", "amount": "value"})
    columns = Columns.parse("customer_id=cust,date=day,amount=value")
    table = summary_from_transactions(
        renamed, observation_end=end, columns=columns, out=tmp_path / "s.parquet"
    )
    written = pd.read_parquet(tmp_path / "s.parquet").set_index("cust").sort_index()
    expected = clv.summary_from_transactions(tx, observation_end=end)
    assert_summary_equal(expected.rename_axis("cust"), written)
    assert table.count() == len(expected)


def test_contract_violations_are_counted_by_reason(small_log):
    tx, _ = small_log
    bad = tx.copy()
    bad["date"] = bad["date"].dt.strftime("%Y-%m-%d").astype(object)
    bad.loc[bad.index[:2], "amount"] = np.nan
    bad.loc[bad.index[2:5], "date"] = "31/01/2024"
    bad.loc[bad.index[7], "customer_id"] = None
    with pytest.raises(DataValidationError) as error:
        summary_from_transactions(bad, observation_end="2024-06-30")
    message = str(error.value)
    assert "column 'amount' must not be missing: 2 row(s)" in message
    assert "must hold dates" in message and ": 3 row(s)" in message
    assert "column 'customer_id' must not be missing: 1 row(s)" in message
    assert "has dates after observation_end 2024-06-30" in message
    with pytest.raises(DataValidationError, match="has no column|lacks|missing column|'amount'"):
        summary_from_transactions(tx.drop(columns="amount"), observation_end="2025-01-01")


def test_late_drop_equals_the_in_memory_drop(small_log):
    tx, _ = small_log
    expected = clv.summary_from_transactions(tx, observation_end="2024-06-30", late="drop")
    got = summary_from_transactions(tx, observation_end="2024-06-30", late="drop")
    assert_summary_equal(expected, as_frame(got, "customer_id"))


@pytest.mark.parametrize("n", [1, 2, 7, 100, 1001])
def test_quantiles_from_order_statistics_are_numpys_bit_for_bit(n):
    rng = np.random.default_rng(n)
    x = np.round(rng.gamma(0.7, 40.0, n), 2)
    probs = list(np.arange(1, 5) / 5)
    stats = dict(enumerate(np.sort(x)))
    assert erfm.numpy_quantiles(stats, n, probs) == tuple(np.quantile(x, probs))


def test_fits_from_sufficient_statistics_equal_full_fits(cdnow):
    summary = summary_from_transactions(cdnow, observation_end=CDNOW_END)
    fitted = emodels.fit_models(summary)
    full = as_frame(summary, "customer_id")
    bg = clv.BetaGeo().fit(full)
    gg = clv.GammaGamma().fit(full[full["monetary_value"] > 0])
    np.testing.assert_allclose(fitted.purchase.params_, bg.params_, rtol=1e-6)
    np.testing.assert_allclose(fitted.spend.params_, gg.params_, rtol=1e-6)
    assert fitted.compression["purchase_rows"] < len(full) / 2
    # scores of unique rows joined back = the package's CLV point estimate per customer
    scores = as_frame(
        emodels.score_customers(summary, fitted, horizon=52, annual_discount_rate=0.1, margin=0.3),
        "customer_id",
    )
    usable = full[(full["frequency"] == 0) | (full["monetary_value"] > 0)]
    value = clv.customer_lifetime_value(
        bg, gg, usable, horizon=52, unit="W", annual_discount_rate=0.1, margin=0.3, seed=1
    ).table
    np.testing.assert_allclose(scores.loc[usable.index, "clv"], value["clv"], rtol=1e-10)
    np.testing.assert_allclose(
        scores.loc[usable.index, "prob_alive"], bg.prob_alive(
            usable["frequency"], usable["recency"], usable["T"]), rtol=1e-12,
    )  # fmt: skip


def test_pareto_nbd_from_sufficient_statistics_equals_the_full_fit(company):
    tx = company.tables["transactions"]
    summary = summary_from_transactions(tx, observation_end=str(tx["date"].max().date()))
    fitted = emodels.fit_models(summary, purchase_model="paretonbd")
    full = clv.ParetoNBD().fit(as_frame(summary, "customer_id"))
    np.testing.assert_allclose(fitted.purchase.params_, full.params_, rtol=1e-6)


# --- command line ---------------------------------------------------------------------------
def test_clv_command_end_to_end(small_log, tmp_path, capsys):
    tx, folder = small_log
    end = str(tx["date"].max().date())
    out = tmp_path / "scores.parquet"
    code = main(["clv", f"{folder}/*.parquet", "--observation-end", end, "--horizon", "26",
                 "--discount-rate", "0.05", "--margin", "0.25", "--out", str(out)])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr()
    assert "[1/4] summary on duckdb" in printed.err and "BG/NBD" in printed.out
    scores = pd.read_parquet(out).set_index("customer_id").sort_index()
    expected = clv.summary_from_transactions(tx, observation_end=end)
    assert_summary_equal(expected, scores[expected.columns])
    assert {"prob_alive", "expected_purchases", "clv"} <= set(scores.columns)
    params = json.loads((tmp_path / "scores.params.json").read_text())
    bg = clv.BetaGeo().fit(expected)
    for name, value in bg.params_.items():
        assert params["parameters"]["purchase"][name]["estimate"] == pytest.approx(value, 1e-6)
        assert params["parameters"]["purchase"][name]["std_err"] > 0
    assert params["customers"] == len(expected)


def test_clv_command_with_calibration_and_the_pandas_engine(small_log, tmp_path):
    tx, folder = small_log
    end = str(tx["date"].max().date())
    args = [folder, "--observation-end", end, "--calibration-end", "2024-06-30", "--quiet"]
    assert main(["clv", *args, "--out", str(tmp_path / "d.parquet")]) == 0
    assert main(["clv", *args, "--engine", "pandas", "--out", str(tmp_path / "p.parquet")]) == 0
    duck = pd.read_parquet(tmp_path / "d.parquet").set_index("customer_id").sort_index()
    pand = pd.read_parquet(tmp_path / "p.parquet").set_index("customer_id").sort_index()
    assert "frequency_holdout" in duck.columns
    pd.testing.assert_frame_equal(duck, pand[duck.columns], rtol=1e-6)  # fits to 1e-6


def test_rfm_and_summarize_commands(small_log, tmp_path, capsys):
    tx, folder = small_log
    end = str(tx["date"].max().date())
    assert main(["rfm", folder, "--observation-end", end, "--ties", "first",
                 "--out", str(tmp_path / "rfm.parquet")]) == 0  # fmt: skip
    table = rfm.rfm_table(tx, observation_end=end)
    expected = rfm.rfm_segments(rfm.rfm_scores(table, ties="first"))
    got = pd.read_parquet(tmp_path / "rfm.parquet").set_index("customer_id").sort_index()
    assert got["segment"].tolist() == expected["segment"].astype(str).tolist()
    assert "Champions" in capsys.readouterr().out
    assert main(["summarize", folder, "--observation-end", end, "--unit", "D",
                 "--out", str(tmp_path / "s.parquet")]) == 0  # fmt: skip
    summary = pd.read_parquet(tmp_path / "s.parquet").set_index("customer_id").sort_index()
    assert_summary_equal(clv.summary_from_transactions(tx, observation_end=end, unit="D"), summary)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.drop(columns="amount"), "amount"),
        (lambda t: t.assign(amount=t["amount"].where(t.index % 50 != 0)), "must not be missing"),
        (lambda t: t.assign(date=t["date"].dt.strftime("%d.%m.%Y")), "must hold dates"),
        (lambda t: t.assign(amount=t["amount"].astype(str)), "must be numeric"),
    ],
    ids=["missing column", "missing amounts", "unparseable dates", "text amounts"],
)
def test_commands_reject_bad_input_with_the_validation_message(
    small_log, tmp_path, capsys, change, expected
):
    tx, _ = small_log
    path = tmp_path / "bad.parquet"
    change(tx.copy()).to_parquet(path, index=False)
    for command in ("clv", "rfm", "summarize"):
        code = main([command, str(path), "--observation-end", "2025-01-01", "--quiet",
                     "--out", str(tmp_path / "o.parquet")])  # fmt: skip
        assert code == 1, command
        err = capsys.readouterr().err
        assert "invalid data" in err and expected in err, err
    assert not (tmp_path / "o.parquet").exists()


def test_counted_reasons_reach_the_command_line(small_log, tmp_path, capsys):
    tx, _ = small_log
    bad = tx.copy()
    bad.loc[bad.index[:4], "amount"] = np.nan
    bad.to_parquet(tmp_path / "bad.parquet", index=False)
    code = main(["summarize", str(tmp_path / "bad.parquet"), "--observation-end", "2024-06-30",
                 "--out", str(tmp_path / "o.parquet")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "column 'amount' must not be missing: 4 row(s)" in err
    assert "has dates after observation_end 2024-06-30" in err


def test_bad_options_and_missing_files_exit_with_2(tmp_path, capsys):
    assert main(["clv", str(tmp_path / "none.parquet"), "--observation-end", "2024-01-01",
                 "--out", str(tmp_path / "o.parquet"), "--quiet"]) == 2  # fmt: skip
    assert main(["summarize", str(tmp_path / "x.parquet"), "--observation-end", "2024-01-01",
                 "--columns", "cust", "--out", str(tmp_path / "o.parquet")]) == 2  # fmt: skip
    with pytest.raises(SystemExit) as exit_:
        main(["clv", "log.parquet", "--out", "o.parquet"])  # no --observation-end
    assert exit_.value.code == 2


@pytest.mark.parametrize("command", ["clv", "rfm", "summarize"])
def test_help_documents_every_option(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    for option in ("--observation-end", "--columns", "--engine", "--out", "--late"):
        assert option in text
    if command == "clv":
        for option in ("--calibration-end", "--unit", "--horizon", "--discount-rate", "--margin"):
            assert option in text


def test_simulated_log_is_written_in_parts_and_summarised(tmp_path, capsys):
    out = tmp_path / "sim"
    assert main(["simulate", "--transactions-only", "--customers", "3000",
                 "--part-customers", "1000", "--out", str(out)]) == 0  # fmt: skip
    parts = sorted(out.glob("*.parquet"))
    assert len(parts) == 3
    log = pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    assert log["customer_id"].nunique() == 3000 and (log["amount"] > 0).all()
    again = write_simulated_log(tmp_path / "again", customers=3000, part_customers=1000)
    assert pq.read_table(again[1]).equals(pq.read_table(parts[1]))
    expected = clv.summary_from_transactions(log, observation_end="2023-12-31")
    got = as_frame(summary_from_transactions(str(out), observation_end="2023-12-31"), "customer_id")
    assert_summary_equal(expected, got)
