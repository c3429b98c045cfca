"""Customer identification on Spark (issue 18): the same settings give the same persons.

Slow (a JVM and Splink's Spark UDF jar; minutes on a busy machine), so marked ``slow``. It
uses the package's session (:func:`portfolio_lib.engines.backend.spark_session`), which puts
Splink's similarity jar (``jaro_winkler`` and friends) on the class path and is shared with the
engine tests of the same xdist group.
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
def spark():  # type: ignore[no-untyped-def]
    # The package's session (shared with the engine tests of this xdist group) loads Splink's
    # similarity jar and sets a checkpoint directory.
    from portfolio_lib.engines.backend import spark_session

    return spark_session()


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
