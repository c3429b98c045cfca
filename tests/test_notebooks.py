"""Every chapter runs across its documented parameter range (papermill).

The stored outputs are checked separately by nbval (``make test-nbval``). Here
the deterministic parameter matrix of :mod:`portfolio_lib.matrix` runs: each
chapter at the bottom of its ``N_CUSTOMERS`` range, at the sizes and seeds that
once broke a chapter, and on the real CDNOW data where the chapter supports it.
``make test-matrix`` runs the full grid (sizes × seeds × data sets).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from portfolio_lib.matrix import DOCUMENTED_RANGES, MatrixCase, deterministic_cases, run_case
from portfolio_lib.report import discover_notebooks

from .conftest import cdnow_folder

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = discover_notebooks(ROOT / "notebooks")


def _parameters_cell(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_documents_the_tested_range(path: Path):
    """The ranges a student reads in cell 2 are the ranges the matrix tests."""
    spec = DOCUMENTED_RANGES[path.name[:2]]
    cell = _parameters_cell(path)
    size = re.search(r"^N_CUSTOMERS = \d+  # ([\d,]+) to ([\d,]+);", cell, flags=re.M)
    assert size, f"{path.name}: N_CUSTOMERS comment must start with 'LOW to HIGH;'"
    assert tuple(int(v.replace(",", "")) for v in size.groups()) == spec.n_customers
    assert re.search(r"^SEED = \d+  # any integer;", cell, flags=re.M), path.name
    dataset_line = re.search(r"^DATASET = .*$", cell, flags=re.M).group(0)
    offered = set(re.findall(r'"(\w+)"', dataset_line.split("#", 1)[1]))
    assert offered == set(spec.datasets), f"{path.name}: DATASET comment offers {offered}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_reads_every_parameter(path: Path):
    """`papermill --help-notebook` lists every parameter (an '=' in a comment breaks it)."""
    from papermill.translators import PythonTranslator

    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assigned = re.findall(r"^(\w+) = ", cell.source, flags=re.M)
    parsed = [p.name for p in PythonTranslator.inspect(cell)]
    assert parsed == assigned


def test_readme_states_the_ranges():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "100 to 10,000" in readme and "make test-matrix" in readme


def _cases() -> list:
    return [pytest.param(case, id=case.test_id) for case in deterministic_cases()]


@pytest.mark.notebook
@pytest.mark.parametrize("case", _cases())
def test_chapter_runs_with_matrix_parameters(
    case: MatrixCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    params = dict(case.parameters)
    if params.get("DATASET") == "cdnow":
        if not (cdnow_folder() / "CDNOW_sample.txt").exists():
            pytest.skip(f"real CDNOW data not found in {cdnow_folder()}")
        # The kernel inherits the environment: read CDNOW from there, never download in tests.
        monkeypatch.setenv("PORTFOLIO_LIB_DATA", str(cdnow_folder()))
    result = run_case(case, output_dir=tmp_path)
    assert result.passed, f"chapter {case.chapter} with {case.label}: {result.error}"
    nb = nbformat.read(tmp_path / f"{case.test_id}.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected, "papermill did not inject the parameters"
    namespace: dict = {}
    exec(injected[0].source, namespace)  # literals only, written by papermill
    assert {name: namespace[name] for name in params} == params


#: Settings a user's machine may have that must not change a stored output: a headless
#: matplotlib backend, a far time zone, a Turkish locale (dotless i, decimal comma).
FOREIGN_ENVIRONMENT = {
    "MPLBACKEND": "agg",
    "TZ": "Pacific/Chatham",
    "LANG": "tr_TR.UTF-8",
    "LC_ALL": "tr_TR.UTF-8",
}


@pytest.mark.notebook
@pytest.mark.parametrize("chapter", ["01", "04"])
def test_stored_outputs_do_not_depend_on_backend_time_zone_or_locale(chapter: str, tmp_path):
    """nbval on a stored chapter passes under another backend, time zone and locale."""
    import os
    import subprocess
    import sys

    notebook = next(p for p in NOTEBOOKS if p.name.startswith(chapter))
    env = {**os.environ, **FOREIGN_ENVIRONMENT}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         str(notebook), "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
         "-o", f"cache_dir={tmp_path}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    tail = "\n".join(completed.stdout.splitlines()[-25:])
    assert completed.returncode == 0, f"nbval failed under {FOREIGN_ENVIRONMENT}:\n{tail}"
