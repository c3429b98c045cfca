"""The core module portfolio_lib.crm: one schema, one set of stages, CRMData with optional truth.

The vocabulary used to be written three or four times (quality/schemas, the simulator's
parameters and CSV schema, journey/stages, course); these tests fail if a copy comes back
or drifts: the other modules must hand out crm's objects, the simulator's output must have
crm's dtypes for every table, and the data dictionary in data/README.md must list crm's
columns.
"""

from __future__ import annotations

import ast
import doctest
import re
from pathlib import Path

import pandas as pd
import pytest

from portfolio_lib import crm
from portfolio_lib.crm import (
    SCHEMAS,
    STAGE_NAMES_TR,
    STAGES,
    TABLE_NAMES,
    TRUTH_CUSTOMERS,
    CRMData,
    SimulationTruth,
    conform,
)
from portfolio_lib.simulate import simulate_crm

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "portfolio_lib"


@pytest.fixture(scope="module")
def small() -> CRMData:
    return simulate_crm(n_customers=120, seed=11)


# ---------------------------------------------------------------------------------------------
# one definition, re-exported
# ---------------------------------------------------------------------------------------------
def test_old_locations_hand_out_crms_objects():
    import portfolio_lib.simulate as simulate
    from portfolio_lib import journey, quality
    from portfolio_lib.journey import stages as journey_stages
    from portfolio_lib.quality import schemas as quality_schemas

    assert simulate.CRMData is CRMData and simulate.SimulationTruth is SimulationTruth
    assert quality.SCHEMAS is SCHEMAS and quality_schemas.SCHEMAS is SCHEMAS
    assert quality.TABLE_ORDER is crm.TABLE_ORDER and quality.get_schema is crm.get_schema
    assert quality.Column is crm.Column and quality.TableSchema is crm.TableSchema
    assert quality.DATETIME_DTYPE == crm.DATETIME_DTYPE
    assert quality.JOURNEY_STAGES is STAGES
    assert journey.STAGES is STAGES and journey_stages.STAGE_NAMES_TR is STAGE_NAMES_TR
    assert simulate.STAGES is STAGES


def test_glossary_names_the_same_stages_in_turkish():
    from portfolio_lib import glossary

    assert tuple(glossary.STAGE_KEYS) == STAGES
    assert glossary.stage_names() == dict(STAGE_NAMES_TR)
    assert list(STAGE_NAMES_TR) == list(STAGES)


def test_simulator_parameters_use_crms_vocabulary():
    from portfolio_lib.simulate import default_params
    from portfolio_lib.simulate.params import MYSTERY_CHECKLIST_WEIGHTS

    journey = default_params()["journey"]
    assert journey["stages"] == list(STAGES)
    assert journey["channels"] == list(crm.TOUCH_CHANNELS)
    assert default_params()["satisfaction"]["scale_items"] == list(crm.SATISFACTION_ITEMS)
    assert tuple(MYSTERY_CHECKLIST_WEIGHTS) == crm.MYSTERY_ITEMS
    assert sum(MYSTERY_CHECKLIST_WEIGHTS.values()) == pytest.approx(1.0)


def test_no_module_spells_the_stages_or_the_kind_to_dtype_map_again():
    # The literal tuple of the five stages and the kind -> dtype table live in crm.py only.
    # The glossary (course material: glossary.py and its data layer _terms.py) lists the stage
    # keys to check its own data file; test_glossary_names_the_same_stages_in_turkish keeps
    # that list equal to crm's.
    stages = re.compile(
        r'"discovery",\s*"first_contact",\s*"decision",\s*"purchase",\s*"deepening"'
    )
    dtype_map = re.compile(r'"int":\s*"int64"')
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("crm.py", "glossary.py", "_terms.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if stages.search(text) or dtype_map.search(text):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


#: The shared input contract crm may use (issue 15: its date rule): leaf modules that import
#: nothing of the package but each other, so crm stays the core every module can import.
LEAF_HELPERS = {"portfolio_lib._validate", "portfolio_lib._errors"}


def _package_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    ]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    for node in ast.walk(tree):  # "from portfolio_lib import _validate"
        if isinstance(node, ast.ImportFrom) and node.module == "portfolio_lib":
            imported += [f"portfolio_lib.{a.name}" for a in node.names]
    return {m for m in imported if m.startswith("portfolio_lib") and m != "portfolio_lib"}


def test_crm_imports_no_other_module_of_the_package():
    assert not _package_imports(PACKAGE / "crm.py") - LEAF_HELPERS
    for leaf in LEAF_HELPERS:
        path = PACKAGE / f"{leaf.rsplit('.', 1)[1]}.py"
        assert not _package_imports(path) - LEAF_HELPERS, f"{leaf} must stay a leaf"


def test_the_legacy_compact_schema_is_derived_from_crm():
    from portfolio_lib.simulate import TABLE_SCHEMAS

    assert list(TABLE_SCHEMAS) == [*TABLE_NAMES, "truth_customers"]
    for name, compact in TABLE_SCHEMAS.items():
        schema = TRUTH_CUSTOMERS if name == "truth_customers" else SCHEMAS[name]
        assert tuple(compact) == schema.sample_columns
        for column, kind in compact.items():
            col = schema.column(column)
            assert kind.rstrip("?") == {"timestamp": "datetime"}.get(col.kind, col.kind)
            assert kind.endswith("?") == (col.sample == "gaps")
    assert TABLE_SCHEMAS["complaints"]["resolved"] == "datetime?"
    assert "quantity" not in TABLE_SCHEMAS["transactions"]


# ---------------------------------------------------------------------------------------------
# the simulator's output follows the schema
# ---------------------------------------------------------------------------------------------
def _schema(name: str):
    return TRUTH_CUSTOMERS if name == "truth_customers" else SCHEMAS[name]


def _assert_follows_schema(name: str, frame: pd.DataFrame) -> None:
    schema = _schema(name)
    assert tuple(frame.columns) == schema.sample_columns, name
    dtypes = schema.dtypes()
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        c: dtypes[c] for c in schema.sample_columns
    }, name
    for column in schema.sample_columns:
        if schema.column(column).sample == "complete":
            assert not frame[column].isna().any(), (name, column)


def test_simulated_tables_have_exactly_the_schemas_columns_and_dtypes(small):
    frames = {**small.tables, "truth_customers": small.truth.customers}
    for name, frame in frames.items():
        _assert_follows_schema(name, frame)
    # the gaps the schema announces do occur
    assert small.transactions["campaign_id"].isna().any()
    assert small.customers["loyalty_join_date"].isna().any()
    assert small.truth.customers["dropout_date"].isna().any()


def test_schema_check_fails_on_a_wrong_dtype(small):
    broken = small.surveys.assign(nps=small.surveys["nps"].astype("float64"))
    with pytest.raises(AssertionError):
        _assert_follows_schema("surveys", broken)


def test_empty_tables_keep_the_schemas_dtypes():
    tiny = simulate_crm(n_customers=3, seed=2, start="2024-02-01", end="2024-02-29")
    assert tiny.campaigns.empty and tiny.surveys.empty
    for name, frame in tiny.tables.items():
        _assert_follows_schema(name, frame)
    for name in TABLE_NAMES:
        empty = SCHEMAS[name].empty_frame()
        assert empty.empty and tuple(empty.columns) == SCHEMAS[name].column_names
        assert {c: str(t) for c, t in empty.dtypes.items()} == SCHEMAS[name].dtypes()


def test_conform_orders_and_casts_and_drops_extra_columns():
    raw = pd.DataFrame(
        {
            "extra": [1],
            "is_return": [0],
            "customer_id": [7],
            "transaction_id": ["T1"],
            "date": ["2024-01-02"],
            "amount": ["3.5"],
            "category": ["home"],
            "channel": ["app"],
            "points_earned": [1.0],
            "points_redeemed": [0.0],
            "campaign_id": [None],
        }
    )
    out = conform(raw, SCHEMAS["transactions"])
    assert tuple(out.columns) == SCHEMAS["transactions"].sample_columns
    assert out["customer_id"].iloc[0] == "7" and out["amount"].iloc[0] == 3.5
    assert str(out["date"].dtype) == "datetime64[ns]" and out["is_return"].dtype == bool


# ---------------------------------------------------------------------------------------------
# truth: optional
# ---------------------------------------------------------------------------------------------
def test_crm_data_without_truth_is_real_data(small):
    tables = dict(small.tables)
    window = {
        "observation_start": small.observation_start,
        "observation_end": small.observation_end,
    }
    for real in (CRMData(**tables, **window), CRMData(**tables, **window, truth=None)):
        assert real.has_truth is False and real.truth.known is False
        assert real.truth.params == {"note": crm.NO_TRUTH_NOTE}
        assert real.truth.customers.empty
        assert tuple(real.truth.customers.columns) == TRUTH_CUSTOMERS.column_names
    assert small.has_truth is True and small.truth.known is True


def test_unknown_truth_records_its_source():
    truth = SimulationTruth.unknown("CDNOW master")
    assert truth.params == {"source": "CDNOW master", "note": crm.NO_TRUTH_NOTE}
    assert not truth.known


# ---------------------------------------------------------------------------------------------
# the data dictionary lists the schema
# ---------------------------------------------------------------------------------------------
def _readme_tables() -> dict[str, list[tuple[str, str]]]:
    """(column, type cell) per ``### <table>.csv`` section of data/README.md."""
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    out: dict[str, list[tuple[str, str]]] = {}
    table = None
    for line in text.splitlines():
        heading = re.match(r"^### (\w+)\.csv", line)
        if heading:
            table = heading.group(1)
            out[table] = []
        elif line.startswith("## ") or line.startswith("### "):
            table = None
        elif table and line.startswith("| ") and not line.startswith("| column"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            out[table] += [(name.strip(), cells[1]) for name in cells[0].split(",")]
    return out


def test_data_readme_documents_every_column_with_its_kind():
    documented = _readme_tables()
    assert list(documented) == [*TABLE_NAMES, "truth_customers"]
    for name, rows in documented.items():
        schema = _schema(name)
        assert tuple(c for c, _ in rows) == schema.sample_columns, name
        for column, kind in rows:
            col = schema.column(column)
            assert kind.split()[0] == col.kind, (name, column, kind)
            assert ("or Na" in kind) == (col.sample == "gaps"), (name, column, kind)


def test_crm_docstring_examples_run():
    result = doctest.testmod(crm, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
