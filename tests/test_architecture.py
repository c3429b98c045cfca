"""The import rule: analysis modules import nothing from the course material.

The course material sits on top of the analysis package and may import anything in it:

* ``portfolio_lib.course`` (the course runner: ``load_course_data``),
* ``portfolio_lib.lessons`` (course-only helpers the notebooks call),
* ``portfolio_lib.report`` (the HTML report of the executed chapters),
* ``portfolio_lib.exercises`` (checks, student copies, grader),
* ``portfolio_lib.glossary`` (the course's term tables),
* ``portfolio_lib.matrix`` (the chapters over a parameter grid),
* ``portfolio_lib.__main__`` (the command line).

Every other module is analysis (``crm``, ``simulate``, ``datasets``, ``quality``, ``store``,
``rfm``, ``clv``, ... and the private ``_*`` helpers, ``_terms`` among them) and must import
none of those, at the top of the file, inside a function or under ``TYPE_CHECKING`` alike. The
test reads every module with :mod:`ast` (nothing is imported), so a violation is reported as
``module (file:line) -> imported name`` before anything runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "portfolio_lib"

COURSE_MATERIAL: tuple[str, ...] = (
    "portfolio_lib.course",
    "portfolio_lib.lessons",
    "portfolio_lib.report",
    "portfolio_lib.exercises",
    "portfolio_lib.glossary",
    "portfolio_lib.matrix",
    "portfolio_lib.__main__",
)

# Offenders outside this test's owner's files, known when the rule was written (issue 12).
# Each must be fixed in its own module (e.g. take the Turkish names from portfolio_lib._terms,
# which reads the same glossary data file, instead of portfolio_lib.glossary), and then its
# line removed here: test_known_offenders_still_offend fails until it is, so the list only
# shrinks. Never add a line to make a new violation pass.
KNOWN_OFFENDERS: frozenset[tuple[str, str]] = frozenset({})


def module_name(path: Path, root: Path = PACKAGE_DIR) -> str:
    """Dotted name of a module file (``clv/__init__.py`` -> ``portfolio_lib.clv``)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_course_material(name: str) -> bool:
    return any(name == c or name.startswith(c + ".") for c in COURSE_MATERIAL)


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    """Absolute name of ``from <level dots><target> import ...`` inside ``module``."""
    if level == 0:
        return target or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join([*base, target] if target else base)


def imported_names(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """Every module a source may import, with its line: ``import``, ``from ... import``
    (absolute or relative; ``from pkg import name`` yields both ``pkg`` and ``pkg.name``,
    since ``name`` may be a submodule) and ``importlib.import_module``/``__import__`` calls
    with a literal name. Imports inside functions, classes and ``if`` blocks count too."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module)
            yield node.lineno, base
            for alias in node.names:
                if alias.name != "*":
                    yield node.lineno, f"{base}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                called in {"import_module", "__import__"}
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and not first.value.startswith(".")
            ):
                yield node.lineno, first.value


def course_imports(path: Path, root: Path = PACKAGE_DIR) -> list[tuple[int, str]]:
    """The course-material imports of one module file (line, imported module)."""
    module = module_name(path, root)
    found: dict[str, int] = {}
    for line, name in imported_names(
        path.read_text(encoding="utf-8"), module, path.name == "__init__.py"
    ):
        if is_course_material(name):
            # Report "from portfolio_lib import glossary" once, as portfolio_lib.glossary.
            found.setdefault(_course_root(name), line)
    return sorted((line, name) for name, line in found.items())


def _course_root(name: str) -> str:
    return next(c for c in COURSE_MATERIAL if name == c or name.startswith(c + "."))


def analysis_modules(root: Path = PACKAGE_DIR) -> list[Path]:
    files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    return [p for p in files if not is_course_material(module_name(p, root))]


def offenders(root: Path = PACKAGE_DIR) -> dict[tuple[str, str], str]:
    """``(analysis module, course module) -> "file:line"`` for every violation."""
    out: dict[tuple[str, str], str] = {}
    for path in analysis_modules(root):
        for line, name in course_imports(path, root):
            where = f"{path.relative_to(root.parent)}:{line}"
            out.setdefault((module_name(path, root), name), where)
    return out


def _listing(items: dict[tuple[str, str], str]) -> str:
    return "\n".join(f"  {mod} ({where}) -> {name}" for (mod, name), where in sorted(items.items()))


# --- the rule on the package ---------------------------------------------------------------


def test_no_analysis_module_imports_course_material() -> None:
    found = offenders()
    new = {k: v for k, v in found.items() if k not in KNOWN_OFFENDERS}
    assert not new, (
        "analysis modules import course material (course, lessons, report, exercises, "
        "glossary, matrix, __main__); move the code that needs it into the course material "
        "or take what it needs from an analysis module:\n" + _listing(new)
    )


def test_known_offenders_still_offend() -> None:
    fixed = sorted(KNOWN_OFFENDERS - set(offenders()))
    assert not fixed, (
        "fixed, thank you: remove these from KNOWN_OFFENDERS in tests/test_architecture.py: "
        + ", ".join(f"{m} -> {n}" for m, n in fixed)
    )


def test_the_split_covers_the_package() -> None:
    names = {module_name(p) for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts}
    analysis = {module_name(p) for p in analysis_modules()}
    # The analysis core is classified as analysis, the course material as course material.
    assert {"portfolio_lib", "portfolio_lib.clv", "portfolio_lib.rfm"} <= analysis
    assert "portfolio_lib._terms" in analysis
    assert {"portfolio_lib.lessons.clv", "portfolio_lib.glossary"} <= names - analysis
    # Each course-material prefix names something that exists (a rename must update the list).
    for prefix in COURSE_MATERIAL:
        assert any(n == prefix or n.startswith(prefix + ".") for n in names), prefix


def test_clv_holds_no_course_material() -> None:
    # The chapter 3 helpers moved to portfolio_lib.lessons.clv; clv/lesson.py only says so.
    stub = PACKAGE_DIR / "clv" / "lesson.py"
    if stub.exists():
        assert list(imported_names(stub.read_text(encoding="utf-8"), "x.y", False)) == []


# --- the detector itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "module", "is_package", "expected"),
    [
        ("import portfolio_lib.course", "portfolio_lib.rfm", False, ["portfolio_lib.course"]),
        (
            "from portfolio_lib import glossary",
            "portfolio_lib.rfm",
            False,
            ["portfolio_lib.glossary"],
        ),
        (
            "from portfolio_lib.course import DATASETS",
            "portfolio_lib.rfm",
            False,
            ["portfolio_lib.course"],
        ),
        (  # inside a function, relative, two levels up
            "def f():\n    from ..lessons import clv\n",
            "portfolio_lib.clv.value",
            False,
            ["portfolio_lib.lessons"],
        ),
        (  # relative from a package's __init__
            "from .. import report as r",
            "portfolio_lib.clv",
            True,
            ["portfolio_lib.report"],
        ),
        (  # under TYPE_CHECKING
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from portfolio_lib.exercises import checks\n",
            "portfolio_lib.rfm",
            False,
            ["portfolio_lib.exercises"],
        ),
        (
            "import importlib\nm = importlib.import_module('portfolio_lib.matrix')\n",
            "portfolio_lib.rfm",
            False,
            ["portfolio_lib.matrix"],
        ),
        (
            "x = __import__('portfolio_lib.__main__')",
            "portfolio_lib.rfm",
            False,
            ["portfolio_lib.__main__"],
        ),
        # Not course material: look-alike names and the analysis modules themselves.
        ("from portfolio_lib.portfolio import matrix", "portfolio_lib.rfm", False, []),
        (
            "import portfolio_lib.coursework, portfolio_lib.reporting",
            "portfolio_lib.rfm",
            False,
            [],
        ),
        ("from portfolio_lib import clv, rfm\nfrom . import _terms", "portfolio_lib.x", False, []),
    ],
)
def test_detector_finds_every_form_of_import(
    tmp_path: Path, source: str, module: str, is_package: bool, expected: list[str]
) -> None:
    root = tmp_path / "portfolio_lib"
    parts = module.split(".")[1:]
    path = (
        root.joinpath(*parts, "__init__.py")
        if is_package
        else root.joinpath(*parts[:-1], parts[-1] + ".py")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    assert module_name(path, root) == module
    assert [name for _, name in course_imports(path, root)] == expected


def test_detector_reports_file_line_and_import(tmp_path: Path) -> None:
    root = tmp_path / "portfolio_lib"
    (root / "clv").mkdir(parents=True)
    (root / "clv" / "value.py").write_text(
        "import numpy\n\n\ndef f():\n    from portfolio_lib.course import DATASETS\n",
        encoding="utf-8",
    )
    (root / "course.py").write_text("from portfolio_lib import clv\n", encoding="utf-8")
    found = offenders(root)
    assert found == {
        ("portfolio_lib.clv.value", "portfolio_lib.course"): "portfolio_lib/clv/value.py:5"
    }
    assert _listing(found) == (
        "  portfolio_lib.clv.value (portfolio_lib/clv/value.py:5) -> portfolio_lib.course"
    )


# --- no module imports another module's private helper (issue 12) --------------------------


def _is_module(name: str, root: Path) -> bool:
    """Whether ``portfolio_lib.a._b`` names a module or package file below ``root``."""
    parts = name.split(".")[1:]
    return root.joinpath(*parts).with_suffix(".py").is_file() or (
        root.joinpath(*parts, "__init__.py").is_file()
    )


def private_imports(root: Path = PACKAGE_DIR) -> list[str]:
    """``file:line imports module.name`` for every ``from portfolio_lib.x import _y`` whose
    ``_y`` is a function, class or constant of another module (importing a private *module*,
    e.g. ``from portfolio_lib import _validate``, is how the package shares its helpers)."""
    found = []
    for path in sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts):
        module = module_name(path, root)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = _resolve(module, path.name == "__init__.py", node.level, node.module)
            if not (base == "portfolio_lib" or base.startswith("portfolio_lib.")):
                continue
            for alias in node.names:
                name = alias.name
                dunder = name.startswith("__") and name.endswith("__")  # e.g. __version__
                if name.startswith("_") and not dunder and not _is_module(f"{base}.{name}", root):
                    found.append(
                        f"{path.relative_to(root.parent)}:{node.lineno} imports {base}.{name}"
                    )
    return found


def test_no_module_imports_another_modules_private_helper() -> None:
    found = private_imports()
    assert not found, "private helpers imported from another module:\n" + "\n".join(found)


def test_private_import_detector(tmp_path: Path) -> None:
    root = tmp_path / "portfolio_lib"
    (root / "quality").mkdir(parents=True)
    (root / "__init__.py").write_text("", encoding="utf-8")
    (root / "_validate.py").write_text("def table(): ...\n", encoding="utf-8")
    (root / "quality" / "__init__.py").write_text("", encoding="utf-8")
    (root / "quality" / "_parsing.py").write_text("def _is_missing(): ...\n", encoding="utf-8")
    (root / "quality" / "validation.py").write_text(
        "from portfolio_lib import _validate\n"
        "from portfolio_lib.quality._parsing import _is_missing\n"
        "from ._parsing import _is_missing as missing\n",
        encoding="utf-8",
    )
    assert private_imports(root) == [
        "portfolio_lib/quality/validation.py:2 imports portfolio_lib.quality._parsing._is_missing",
        "portfolio_lib/quality/validation.py:3 imports portfolio_lib.quality._parsing._is_missing",
    ]
