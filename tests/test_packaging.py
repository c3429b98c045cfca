"""The project's own contract: packaging, lock file, notebook conventions."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import nbformat
import pytest

from portfolio_lib.report import NOTEBOOK_NAME_PATTERN, discover_notebooks

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pyproject_packages() -> dict[str, str]:
    """Core dependencies and every extra's, without the extras' references to the package."""
    project = _pyproject()["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += [r for r in extra if _name(r) != _name(project["name"])]
    return {_name(r): r for r in reqs}


def test_notebooks_extra_holds_what_running_the_notebooks_imports_and_dev_includes_it():
    from portfolio_lib._extras import EXTRAS

    project = _pyproject()["project"]
    extras = project["optional-dependencies"]
    declared = {_name(r) for r in extras["notebooks"]}
    for module in EXTRAS["notebooks"]:
        assert module.replace("_", "-") in declared, f"{module} is not in the notebooks extra"
    assert f"{project['name']}[notebooks]" in extras["dev"], "dev installs the notebooks extra"
    dev_only = {"pytest", "ruff", "nbval", "hypothesis", "pytest-xdist", "jupyterlab"}
    assert not dev_only & declared, "test and lint tools stay out of the notebooks extra"
    assert not any(_name(r) in declared for r in project["dependencies"])


def _environment_packages() -> dict[str, str]:
    packages: dict[str, str] = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^\s+-\s+([A-Za-z0-9_.\-]+)(.*)$", line)
        if m and m.group(1) not in {"python", "pip", "-e"}:
            packages[m.group(1).lower()] = m.group(1) + m.group(2).strip()
    return packages


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_environment_yml_lists_the_same_packages_and_ranges_as_pyproject():
    pyproject = _pyproject_packages()
    environment = _environment_packages()
    assert set(environment) == set(pyproject), (
        f"only in environment.yml: {sorted(set(environment) - set(pyproject))}; "
        f"only in pyproject: {sorted(set(pyproject) - set(environment))}"
    )
    for name, spec in pyproject.items():
        assert environment[name].replace(" ", "") == spec.replace(" ", ""), name


def test_lock_pins_every_declared_package_exactly_within_its_range():
    from packaging.specifiers import SpecifierSet

    lock = _lock()
    for name, spec in _pyproject_packages().items():
        assert name in lock, f"{name} is declared in pyproject.toml but not pinned in the lock"
        ranges = SpecifierSet(spec[len(name) :].strip() or "")
        assert lock[name] in ranges, f"{name}=={lock[name]} is outside {spec}"


def test_no_gpl_licensed_package_is_declared():
    from importlib.metadata import PackageNotFoundError, metadata

    for name in _pyproject_packages():
        try:
            meta = metadata(name)
        except PackageNotFoundError:  # pragma: no cover - lock is installed by make
            pytest.fail(f"{name} is declared but not installed")
        # The licence as declared: classifiers, the SPDX expression, and a short License field
        # (long License fields are full texts that may mention the GPL of an optional part).
        declared = [c for c in meta.get_all("Classifier") or [] if c.startswith("License")]
        declared.append(meta.get("License-Expression") or "")
        licence_field = meta.get("License") or ""
        if len(licence_field) < 100:
            declared.append(licence_field)
        text = " ".join(declared)
        assert not re.search(r"(?<!L)GPL|GNU (Affero )?General Public", text), (
            f"{name} looks GPL-licensed: {text}"
        )


def test_notebooks_are_numbered_in_order_without_gaps():
    paths = discover_notebooks(ROOT / "notebooks")
    assert paths, "no notebooks found"
    numbers = [int(p.name[:2]) for p in paths]
    assert numbers == list(range(1, len(paths) + 1))
    for p in paths:
        assert NOTEBOOK_NAME_PATTERN.match(p.name)


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_lesson_conventions(path: Path):
    nb = nbformat.read(path, as_version=4)
    first, second = nb.cells[0], nb.cells[1]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "cell 1: title"
    assert "Turkish" in first.source or "Türkçe" in first.source, "cell 1 names the Turkish terms"
    assert second.cell_type == "code" and "parameters" in second.metadata.get("tags", [])
    tree = ast.parse(second.source)
    for node in tree.body:
        assert isinstance(node, ast.Assign), f"parameters cell holds only assignments: {node}"
        ast.literal_eval(node.value)  # literals only
    for name in ("SEED", "N_CUSTOMERS", "DATASET"):
        assert re.search(rf"^{name}\s*=", second.source, re.M), f"parameter {name} missing"
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code_cells:
        python = "\n".join(
            "pass" if line.lstrip().startswith(("%", "!")) else line
            for line in cell.source.splitlines()
        )
        tree = ast.parse(python)
        defs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        assert not defs, f"logic belongs in portfolio_lib, not in the notebook:\n{cell.source}"
        assert len(cell.source.splitlines()) <= 15, f"code cell too long:\n{cell.source}"
        assert cell.get("execution_count") is not None, "notebook stored without outputs"
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", f"stored error in:\n{cell.source}"
            data = output.get("data", {})
            assert "image/svg+xml" not in data, "png figures only"
    assert "papermill" not in nb.metadata, "run `make notebooks` (it cleans papermill metadata)"
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert len(markdown) >= len(code_cells) / 2, "a lesson interprets its results in prose"


def test_readme_glossary_table_is_the_generated_one():
    from portfolio_lib.glossary import to_markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- glossary:start -->", 1)[1].split("<!-- glossary:end -->", 1)[0]
    assert block.strip() == to_markdown().strip(), "regenerate the README glossary table"


def test_readme_links_every_chapter_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in discover_notebooks(ROOT / "notebooks"):
        assert f"(notebooks/{path.name})" in readme, f"README chapter map misses {path.name}"
