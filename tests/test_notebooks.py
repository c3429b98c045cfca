"""Every chapter notebook also runs with other parameters (papermill).

The stored outputs are checked separately by nbval (``make test-nbval``); here
each notebook is executed with a small company and another seed, and on the
real CDNOW data where the chapter supports it, into a temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portfolio_lib.report import discover_notebooks, execute_notebook

from .conftest import cdnow_folder

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = discover_notebooks(ROOT / "notebooks")

SMALL_COMPANY = {"SEED": 7, "N_CUSTOMERS": 300, "DATASET": "simulate"}
#: Chapters that also run on the real CDNOW purchases, with the parameters they need.
#: Chapters 4 and 5 need journeys and surveys, which CDNOW does not have.
CDNOW_CHAPTERS = {
    "01": {"DATASET": "cdnow"},
    "02": {"DATASET": "cdnow", "RFM_BINS": 4},
    "03": {"DATASET": "cdnow"},
    "06": {"DATASET": "cdnow"},
}


def _variants() -> list:
    cases = []
    for path in NOTEBOOKS:
        cases.append(pytest.param(path, SMALL_COMPANY, id=f"{path.stem}-small-seed7"))
        if path.name[:2] in CDNOW_CHAPTERS:
            cdnow = CDNOW_CHAPTERS[path.name[:2]]
            cases.append(pytest.param(path, cdnow, id=f"{path.stem}-cdnow"))
    return cases


@pytest.mark.notebook
@pytest.mark.parametrize(("path", "parameters"), _variants())
def test_notebook_runs_with_other_parameters(
    path: Path, parameters: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    if parameters.get("DATASET") == "cdnow":
        if not (cdnow_folder() / "CDNOW_sample.txt").exists():
            pytest.skip(f"real CDNOW data not found in {cdnow_folder()}")
        # The kernel inherits the environment: read CDNOW from there, never download in tests.
        monkeypatch.setenv("PORTFOLIO_LIB_DATA", str(cdnow_folder()))
    executed = tmp_path / path.name
    execute_notebook(path, executed, parameters=parameters, timeout_seconds=900)
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected, "papermill did not inject the parameters"
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
