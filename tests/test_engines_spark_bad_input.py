"""Bad input to the Spark engine's registration (issue 15), which the main sweep skips.

``SparkEngine.register`` and ``register_small`` need a Spark session (minutes to start on a
busy machine), so they are swept here, on the package's shared session (xdist group
``spark``), instead of in ``tests/test_bad_input.py``: a wrong type is a ``TypeError`` naming
the argument, and an empty frame or an empty/unknown file gives a view or a clear error.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install portfolio-lib[spark])")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for Spark", allow_module_level=True)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    from portfolio_lib.engines.backend import SparkEngine, spark_session

    return SparkEngine(spark_session())


@pytest.mark.parametrize("source", [None, [1, 2], pd.Series([1.0, 2.0]), 5], ids=repr)
def test_register_refuses_what_is_not_a_table(engine, source) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="source must be"):
        engine.register(source)


@pytest.mark.parametrize("frame", [None, [1, 2], pd.Series([1.0, 2.0])], ids=repr)
def test_register_small_refuses_what_is_not_a_frame(engine, frame) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="frame must be a pandas DataFrame"):
        engine.register_small(frame)


def test_an_empty_frame_is_an_empty_view_with_its_columns(engine) -> None:  # type: ignore[no-untyped-def]
    empty = pd.DataFrame({"customer_id": pd.Series(dtype=str), "amount": pd.Series(dtype=float)})
    view = engine.register_small(empty)
    assert set(engine.columns(view)) == {"customer_id", "amount"}
    assert len(engine.fetch(f"SELECT * FROM {view}")) == 0


def test_a_missing_file_is_an_error_naming_it(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nothing_here.parquet"
    with pytest.raises(Exception, match="nothing_here"):
        engine.register(str(missing))
