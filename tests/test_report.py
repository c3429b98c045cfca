"""The report builder: discover, execute, render, index (on a tiny notebook made here)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from portfolio_lib import report
from portfolio_lib.__main__ import _parse_parameters


def _tiny_notebook(path: Path, title: str) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("X = 2")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\nText."),
        params,
        nbformat.v4.new_code_cell("print(X * 21)"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def test_discover_rejects_badly_named_notebooks(tmp_path: Path):
    _tiny_notebook(tmp_path / "01_ok.ipynb", "One")
    _tiny_notebook(tmp_path / "Chapter two.ipynb", "Two")
    with pytest.raises(ValueError, match="Chapter two.ipynb"):
        report.discover_notebooks(tmp_path)


def test_discover_rejects_repeated_numbers(tmp_path: Path):
    _tiny_notebook(tmp_path / "01_a.ipynb", "A")
    _tiny_notebook(tmp_path / "01_b.ipynb", "B")
    with pytest.raises(ValueError, match="01"):
        report.discover_notebooks(tmp_path)


@pytest.mark.notebook
def test_build_report_executes_renders_and_links(tmp_path: Path):
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    _tiny_notebook(nb_dir / "01_first.ipynb", "First chapter")
    _tiny_notebook(nb_dir / "02_second.ipynb", "Second chapter")
    lines: list[str] = []
    index = report.build_report(
        tmp_path / "build", notebook_dir=nb_dir, parameters={"X": 3}, progress=lines.append
    )
    html = index.read_text()
    assert 'href="01_first.html"' in html and "Second chapter" in html
    executed = nbformat.read(tmp_path / "build" / "notebooks" / "02_second.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("63" in o.get("text", "") for o in outputs), "parameter X=3 was not injected"
    assert (tmp_path / "build" / "01_first.html").read_text().count("First chapter") >= 1
    assert any("[2/2]" in line for line in lines), "progress lines are reported"


@pytest.mark.notebook
def test_execute_in_place_keeps_outputs_and_strips_papermill_metadata(tmp_path: Path):
    _tiny_notebook(tmp_path / "01_x.ipynb", "X")
    report.execute_in_place(tmp_path, progress=lambda _: None)
    nb = nbformat.read(tmp_path / "01_x.ipynb", as_version=4)
    assert "papermill" not in nb.metadata
    assert all("papermill" not in c.metadata for c in nb.cells)
    assert nb.cells[2].outputs[0]["text"].strip() == "42"


def test_parse_parameters_reads_json_values_and_rejects_malformed_pairs():
    assert _parse_parameters(["SEED=7", "DATASET=cdnow", "X=[1, 2]"]) == {
        "SEED": 7,
        "DATASET": "cdnow",
        "X": [1, 2],
    }
    with pytest.raises(SystemExit, match="NAME=VALUE"):
        _parse_parameters(["SEED"])
