"""The report builder: discover, execute, render, index (on a tiny notebook made here)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from portfolio_lib import report
from portfolio_lib.__main__ import _parse_parameters

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


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


# --- the command line tells the truth ---------------------------------------------------------


def test_run_without_the_notebooks_extra_prints_one_line_and_exits_2(monkeypatch, capsys, tmp_path):
    import portfolio_lib._extras as extras
    from portfolio_lib.__main__ import main

    monkeypatch.setattr(extras, "missing_modules", lambda modules: ["papermill", "nbconvert"])
    code = main(["run", "--out", str(tmp_path / "build")])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "'notebooks' extra" in lines[0] and 'pip install "portfolio-lib[notebooks]"' in lines[0]
    assert "papermill" in lines[0] and "Traceback" not in captured.err
    assert not (tmp_path / "build").exists(), "nothing is written before the check"


def test_run_on_a_folder_without_notebooks_is_one_line(capsys, tmp_path):
    from portfolio_lib.__main__ import main

    code = main(["run", "--out", str(tmp_path / "b"), "--notebooks", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no notebooks" in err


@pytest.mark.notebook
def test_a_failing_chapter_is_named_with_its_cell_and_error(tmp_path: Path):
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    _tiny_notebook(nb_dir / "01_fails.ipynb", "Fails")
    nb = nbformat.read(nb_dir / "01_fails.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('too few customers')"))
    nbformat.write(nb, nb_dir / "01_fails.ipynb")
    with pytest.raises(report.ChapterFailed, match=r"01_fails.ipynb failed .*too few customers"):
        report.build_report(tmp_path / "b", notebook_dir=nb_dir, progress=lambda _: None)


@pytest.mark.notebook
def test_the_kernel_papermill_starts_prints_no_transport_warning(tmp_path: Path, capfd):
    _tiny_notebook(tmp_path / "01_x.ipynb", "X")
    report.execute_notebook(tmp_path / "01_x.ipynb", tmp_path / "out.ipynb")
    err = capfd.readouterr().err
    assert "without encryption" not in err and "WARNING" not in err, err


# --- pages: offline MathJax, navigation, headline figures ---------------------------------------


def test_mathjax_is_bundled_once_and_small(tmp_path: Path):
    folder = report.bundle_mathjax(tmp_path)
    main_file = folder / "MathJax.js"
    assert main_file.is_file() and (folder / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert list((folder / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").glob("*.woff"))
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 5_000_000, f"bundled MathJax is {size / 1e6:.1f} MB"
    stamp = main_file.stat().st_mtime_ns
    report.bundle_mathjax(tmp_path)
    assert main_file.stat().st_mtime_ns == stamp, "a second build does not copy MathJax again"


def test_chapter_page_loads_nothing_from_a_cdn_and_links_its_neighbours(tmp_path: Path):
    path = report.discover_notebooks(ROOT / "notebooks")[2]
    nav = [
        report.NavLink("index", "index.html", "Report index"),
        report.NavLink("prev", "02_x.html", "← Two"),
        report.NavLink("next", "04_y.html", "Four →"),
    ]
    page = report.render_html(path, tmp_path / "page.html", nav=nav).read_text(encoding="utf-8")
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page)
    assert scripts == [f"mathjax/MathJax.js?config={report.MATHJAX_CONFIG}"], scripts
    assert not re.search(r"<(link|img)[^>]*(href|src)=\"https?:", page), "nothing from the web"
    assert (tmp_path / "mathjax" / "MathJax.js").is_file()
    assert page.count('href="02_x.html"') == 2 and page.count('href="04_y.html"') == 2
    assert page.count('href="index.html"') == 2 and page.count('rel="index"') == 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_tags_one_headline_figure(path: Path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if report.HEADLINE_TAG in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: tag exactly one figure cell 'headline'"
    png = report.headline_png(nb)
    assert png is not None and png.startswith(b"\x89PNG"), "the headline cell stores a png"


def test_notebook_parameters_reads_the_cell_then_what_papermill_injected(tmp_path: Path):
    _tiny_notebook(tmp_path / "01_x.ipynb", "X")
    nb = nbformat.read(tmp_path / "01_x.ipynb", as_version=4)
    assert report.notebook_parameters(nb) == {"X": 2}
    injected = nbformat.v4.new_code_cell("X = 5\nSEED = 1")
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(2, injected)
    assert report.notebook_parameters(nb) == {"X": 5, "SEED": 1}


# --- the index: what the run found ------------------------------------------------------------


def test_index_without_a_data_set_says_so_and_shows_figures(tmp_path: Path):
    figure = tmp_path / "figures" / "01_a.png"
    figure.parent.mkdir()
    figure.write_bytes(b"\x89PNG fake")
    pages = [
        report.ChapterPage(
            "01", "A <one>", tmp_path / "a.ipynb", tmp_path / "01_a.html", 3.0, figure, {"X": 1}
        ),
        report.ChapterPage(
            "02", "B", tmp_path / "b.ipynb", tmp_path / "02_b.html", 4.0, None, {"X": 2}
        ),
    ]
    html = report.write_index(tmp_path, pages, None, glance_note="no DATASET").read_text()
    assert "A &lt;one&gt;" in html and 'src="figures/01_a.png"' in html
    assert "This chapter drew no figure" in html and "no DATASET" in html
    assert "<code>1</code></td><td>01" in html and "<code>2</code></td><td>02" in html


def test_glance_on_a_small_simulated_company_reads_like_a_manager_summary():
    glance = report.portfolio_at_a_glance({"DATASET": "simulate", "N_CUSTOMERS": 300, "SEED": 7})
    labels = [k.label for k in glance.kpis]
    assert labels == [
        "Customers",
        "Active share",
        "Retention",
        "CLV total",
        "Top-decile CLV share",
        "NPS",
        "Top risk",
    ]
    kpis = {k.label: k for k in glance.kpis}
    assert kpis["Customers"].value == "300"
    assert all(k.value is not None for k in glance.kpis), glance.kpis
    assert "interval" in kpis["NPS"].detail and "interval" in kpis["Retention"].detail
    assert "300 customers drawn with SEED = 7" in glance.description


def test_glance_on_cdnow_says_what_the_data_set_lacks_instead_of_a_number(cdnow_home):
    glance = report.portfolio_at_a_glance({"DATASET": "cdnow"}, data_home=cdnow_home)
    kpis = {k.label: k for k in glance.kpis}
    assert kpis["NPS"].value is None and "not in this data set" in kpis["NPS"].detail
    assert all(k.value is not None for label, k in kpis.items() if label != "NPS")
