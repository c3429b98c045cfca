"""Spark (local mode) gives the DuckDB results: summaries exactly, fits to 1e-6.

One Spark session for the whole test run (starting the JVM takes most of the time), so the
checks are few tests that each cover several steps. Needs pyspark and a Java 17+ runtime;
CI installs Java with ``apt-get install -y openjdk-17-jre-headless`` when ``java -version``
fails. Without Java these tests skip and say so.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from portfolio_lib.datasets import load_cdnow, load_sample
from portfolio_lib.engines import (
    SparkEngine,
    as_frame,
    calibration_holdout,
    spark_session,
    summary_from_transactions,
)
from portfolio_lib.engines import cohorts as ecohorts
from portfolio_lib.engines import journey as ejourney
from portfolio_lib.engines import kpis as ekpis
from portfolio_lib.engines import models as emodels
from portfolio_lib.engines import rfm as erfm

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install portfolio-lib[spark])")
if shutil.which("java") is None:
    pytest.skip(
        "no Java runtime for Spark: apt-get install -y openjdk-17-jre-headless",
        allow_module_level=True,
    )

# One JVM for the whole run: with pytest-xdist every test here goes to the same worker
# (`make test` runs the unit tests with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("spark")

CDNOW_END = "1998-06-30"


@pytest.fixture(scope="session")
def spark():
    session = spark_session(cores=2, memory="2g")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def forbid_pandas_conversion(spark, monkeypatch_module):
    """The Spark path must never call toPandas/createDataFrame(pandas)."""
    from pyspark.sql import DataFrame

    def refuse(*args, **kwargs):
        raise AssertionError("the Spark path converted a Spark DataFrame to pandas")

    monkeypatch_module.setattr(DataFrame, "toPandas", refuse)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _same(duck: pd.DataFrame, spark_result: pd.DataFrame, exact: bool = True) -> None:
    assert spark_result.index.tolist() == duck.index.tolist()
    for col in duck.columns:
        if exact and not (duck[col].dtype == float and col.startswith(("monetary", "returned"))):
            np.testing.assert_array_equal(spark_result[col].to_numpy(), duck[col].to_numpy(), col)
        else:
            np.testing.assert_allclose(spark_result[col], duck[col], rtol=1e-12, err_msg=col)


@pytest.mark.parametrize("data", ["cdnow", "sample"])
def test_spark_equals_duckdb(spark, forbid_pandas_conversion, request, data):
    if data == "cdnow":
        tx = load_cdnow("master", request.getfixturevalue("cdnow_home"), download=False)
        end = CDNOW_END
    else:
        tx = load_sample().tables["transactions"]
        end = str(tx["date"].max().date())
    engine = SparkEngine(spark)
    frame = spark.createDataFrame(__import__("pyarrow").Table.from_pandas(tx, preserve_index=False))
    duck = summary_from_transactions(tx, observation_end=end)
    on_spark = summary_from_transactions(frame, observation_end=end)  # a Spark DataFrame input
    assert on_spark.engine.name == "spark"
    _same(as_frame(duck, "customer_id"), as_frame(on_spark, "customer_id"))

    cal = str((pd.Timestamp(end) - pd.Timedelta(days=180)).date())
    split = calibration_holdout(tx, calibration_end=cal, observation_end=end, engine=engine)
    _same(
        as_frame(calibration_holdout(tx, calibration_end=cal, observation_end=end), "customer_id"),
        as_frame(split, "customer_id"),
    )

    duck_table = erfm.rfm_table(tx, observation_end=end)
    spark_table = erfm.rfm_table(tx, observation_end=end, engine=engine)
    for ties in ("same", "first"):
        a = erfm.rfm_scores(duck_table, ties=ties)
        b = erfm.rfm_scores(spark_table, ties=ties)
        pd.testing.assert_frame_equal(a.to_pandas(), b.to_pandas(), check_dtype=False)
        for dim in "RFM":
            np.testing.assert_allclose(a.thresholds[dim], b.thresholds[dim], rtol=1e-12)
        seg_a = erfm.rfm_segments(a).to_pandas(index="customer_id").sort_index()
        seg_b = erfm.rfm_segments(b).to_pandas(index="customer_id").sort_index()
        assert seg_a["segment"].tolist() == seg_b["segment"].tolist()

    for unit in ("W", "M"):
        a = ecohorts.cohort_retention(tx, observation_end=end, unit=unit)
        b = ecohorts.cohort_retention(tx, observation_end=end, unit=unit, engine=engine)
        pd.testing.assert_frame_equal(a.counts, b.counts)
        pd.testing.assert_series_equal(a.sizes, b.sizes, check_dtype=False)
        duck_kpis = ekpis.period_kpis(tx, observation_end=end, unit=unit)
        spark_kpis = ekpis.period_kpis(tx, observation_end=end, unit=unit, engine=engine)
        pd.testing.assert_frame_equal(spark_kpis, duck_kpis, check_exact=False, rtol=1e-12)

    a = erfm.rfm_scores(duck_table)
    b = erfm.rfm_scores(spark_table)
    pd.testing.assert_frame_equal(
        ekpis.revenue_by_segment(spark_table, erfm.rfm_segments(b), margin=0.3),
        ekpis.revenue_by_segment(duck_table, erfm.rfm_segments(a), margin=0.3),
        check_exact=False, rtol=1e-12,
    )  # fmt: skip

    fitted_duck = emodels.fit_models(duck)
    fitted_spark = emodels.fit_models(on_spark)
    np.testing.assert_allclose(fitted_spark.purchase.params_, fitted_duck.purchase.params_, 1e-6)
    np.testing.assert_allclose(fitted_spark.spend.params_, fitted_duck.spend.params_, rtol=1e-6)
    for key in ("customers", "purchase_rows", "repeat_buyers_with_spend"):
        assert fitted_spark.compression[key] == fitted_duck.compression[key]
    # mean spends are float sums in another order: a few equal values differ in the last bit
    assert fitted_spark.compression["spend_rows"] == pytest.approx(
        fitted_duck.compression["spend_rows"], rel=0.01
    )

    scores = emodels.score_customers(
        on_spark, fitted_spark, horizon=52, annual_discount_rate=0.1, margin=0.3
    )
    reference = emodels.score_customers(
        duck, fitted_duck, horizon=52, annual_discount_rate=0.1, margin=0.3
    )
    got, want = as_frame(scores, "customer_id"), as_frame(reference, "customer_id")
    np.testing.assert_allclose(got["clv"], want["clv"], rtol=1e-6)


def test_spark_journey_counts_equal_duckdb(spark, forbid_pandas_conversion):
    events = load_sample().tables["touchpoints"]
    engine = SparkEngine(spark)
    for by in (None, "channel"):
        pd.testing.assert_frame_equal(
            ejourney.stage_funnel(events, by=by, engine=engine),
            ejourney.stage_funnel(events, by=by),
        )
    for window in (None, 14.0):
        pd.testing.assert_frame_equal(
            ejourney.conversion_paths(events, window_days=window, engine=engine),
            ejourney.conversion_paths(events, window_days=window),
        )


def test_clv_command_on_spark_equals_duckdb(spark, tmp_path):
    from portfolio_lib.__main__ import main

    tx = load_sample().tables["transactions"][["customer_id", "date", "amount", "is_return"]]
    log = tmp_path / "log.parquet"
    # Spark reads microsecond timestamps (pandas writes nanoseconds unless told)
    tx.to_parquet(log, index=False, coerce_timestamps="us")
    end = str(tx["date"].max().date())
    for engine in ("duckdb", "spark"):
        args = ["clv", str(log), "--observation-end", end, "--engine", engine, "--quiet"]
        assert main([*args, "--out", str(tmp_path / f"{engine}.parquet")]) == 0
    duck = pd.read_parquet(tmp_path / "duckdb.parquet").set_index("customer_id").sort_index()
    on_spark = pd.read_parquet(tmp_path / "spark.parquet").set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(duck, on_spark[duck.columns], rtol=1e-6)
