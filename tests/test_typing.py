"""Type hints reach users: ``py.typed`` ships, and every public callable is annotated.

"Public callable": a function a public module exports (its ``__all__``, or the public names it
defines when it has none) and every public method (or property) of an exported class,
inherited ones from the package included. Course material (the chapter runner, lessons,
report, exercises, glossary) is not part of the analysis API and is left out.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

import portfolio_lib

ROOT = Path(__file__).resolve().parents[1]

#: Top-level parts of the package that are course material, not analysis modules.
COURSE_MATERIAL = ("course", "lessons", "report", "exercises", "glossary", "__main__")

#: Known gaps in files other people are changing right now; annotate them and delete the
#: entry (the stale-entry test below says when one is fixed).
KNOWN_UNANNOTATED: set[str] = set()


def _analysis_modules() -> Iterator[ModuleType]:
    """Public analysis modules, imported without touching the course material."""
    todo = [portfolio_lib]
    while todo:
        module = todo.pop()
        yield module
        for info in pkgutil.iter_modules(getattr(module, "__path__", []), module.__name__ + "."):
            parts = info.name.split(".")
            if parts[1] in COURSE_MATERIAL or any(p.startswith("_") for p in parts[1:]):
                continue
            try:
                todo.append(importlib.import_module(info.name))
            except ImportError:  # a stub left where a module moved away has no API
                continue


def _exported(module: ModuleType) -> list[object]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
        ]
    return [getattr(module, n) for n in names]


def _as_function(member: object) -> Callable | None:
    if isinstance(member, staticmethod | classmethod):
        member = member.__func__
    if isinstance(member, property):
        member = member.fget
    return member if inspect.isfunction(member) else None


def public_callables() -> dict[str, Callable]:
    found: dict[str, Callable] = {}
    for module in _analysis_modules():
        for obj in _exported(module):
            if inspect.isfunction(obj) and obj.__module__.startswith("portfolio_lib"):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
            elif inspect.isclass(obj) and obj.__module__.startswith("portfolio_lib"):
                members: dict[str, object] = {}
                for klass in reversed(obj.__mro__):  # the package's own (inherited) methods
                    if klass.__module__.startswith("portfolio_lib"):
                        members.update(vars(klass))
                for name, member in members.items():
                    function = _as_function(member)
                    if function is not None and (not name.startswith("_") or name == "__init__"):
                        found[f"{obj.__module__}.{obj.__qualname__}.{name}"] = function
    return found


def unannotated(function: Callable) -> list[str]:
    """Names of the parameters (and ``return``) without an annotation."""
    signature = inspect.signature(function)
    missing = [
        p.name
        for i, p in enumerate(signature.parameters.values())
        if p.annotation is inspect.Parameter.empty and not (i == 0 and p.name in ("self", "cls"))
    ]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


@pytest.fixture(scope="module")
def callables() -> dict[str, Callable]:
    return public_callables()


def test_every_public_callable_of_the_analysis_modules_is_annotated(callables):
    assert len(callables) > 300, "the walk found too few callables: is the package importable?"
    offenders = {
        name: missing
        for name, function in sorted(callables.items())
        if (missing := unannotated(function)) and name not in KNOWN_UNANNOTATED
    }
    listed = "\n".join(f"  {name}: {', '.join(missing)}" for name, missing in offenders.items())
    assert not offenders, f"public callables without annotations:\n{listed}"


def test_known_gaps_are_still_gaps(callables):
    fixed = sorted(n for n in KNOWN_UNANNOTATED if n in callables and not unannotated(callables[n]))
    gone = sorted(n for n in KNOWN_UNANNOTATED if n not in callables)
    assert not fixed and not gone, (
        f"delete from KNOWN_UNANNOTATED: annotated now {fixed}, no longer public {gone}"
    )


def test_py_typed_ships_as_package_data():
    assert (ROOT / "portfolio_lib" / "py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_data = config["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data.get("portfolio_lib", []), (
        "pyproject [tool.setuptools.package-data] must list py.typed for portfolio_lib (PEP 561)"
    )
