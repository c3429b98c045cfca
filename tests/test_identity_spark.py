"""Customer identification on Spark (issue 18): the same settings give the same persons.

Slow (a JVM and Splink's Spark UDF jar; minutes on a busy machine), so marked ``slow``. It
needs its own Spark session with Splink's similarity jar (``jaro_winkler`` and friends) on the
class path: when another session without that jar is already running in this process, the
test skips and says so.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from portfolio_lib.identity import resolve
from tests.test_identity_linkage import STANDARD, STANDARD_COLUMNS, STANDARD_TRUTH

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install portfolio-lib[spark])")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for Spark", allow_module_level=True)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    active = SparkSession.getActiveSession()
    if active is not None and "similarity" not in active.conf.get("spark.jars", ""):
        pytest.skip("a Spark session without Splink's similarity jar is already running")
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.jars", similarity_jar_location())
        .getOrCreate()
    )
    session.sparkContext.setCheckpointDir(str(tmp_path_factory.mktemp("splink_checkpoints")))
    yield session
    if active is None:
        session.stop()


def test_spark_gives_the_same_persons_and_probabilities_as_duckdb(spark) -> None:  # type: ignore[no-untyped-def]
    from splink import SparkAPI

    on_spark = resolve(STANDARD, columns=STANDARD_COLUMNS, db_api=SparkAPI(spark_session=spark))
    on_duckdb = resolve(STANDARD, columns=STANDARD_COLUMNS)
    assert on_spark.evaluate(STANDARD_TRUTH).f1 == 1.0
    assert on_spark.mapping.equals(on_duckdb.mapping)
    both = on_duckdb.pairs.merge(on_spark.pairs, on=["record_id_l", "record_id_r"])
    assert len(both) == len(on_duckdb.pairs) == len(on_spark.pairs)
    np.testing.assert_allclose(
        both["match_probability_x"], both["match_probability_y"], rtol=0, atol=1e-9
    )
