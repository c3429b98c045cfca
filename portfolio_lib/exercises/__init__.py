"""Exercises: check functions for the exercise notebooks, student-copy builder, grader.

Students' notebooks call ``portfolio_lib.exercises.check_<NN>_<T>(answer, seed=SEED)``;
those functions live in ``portfolio_lib/exercises/checks/chNN.py`` and are found
here on first use, so a chapter adds checks without editing this file.

Instructors use the command line (``python -m portfolio_lib exercises build |
variants | grade``) or the functions re-exported here:

- :mod:`~portfolio_lib.exercises.feedback` — :class:`CheckFailed`, :func:`task_check`,
  ``expect_*`` helpers that explain what is wrong (:func:`expect_number` with known
  ``slips=``, :func:`expect_fields`, :func:`expect_reason`, ...);
- :mod:`~portfolio_lib.exercises.checks` — the chapter check modules and
  :func:`~portfolio_lib.exercises.checks.seeded_rng`, each exercise set's random stream;
- :mod:`~portfolio_lib.exercises.builder` — :func:`make_student_copy`,
  :func:`build_all`, :func:`stale_copies`;
- :mod:`~portfolio_lib.exercises.variants` — :func:`student_seed`, :func:`make_variants`;
- :mod:`~portfolio_lib.exercises.grader` — :func:`grade_notebook`, :func:`grade_folder`,
  :func:`write_gradebook`.

Only the light feedback helpers are imported eagerly; builder, variants and
grader (nbformat, papermill, nbclient) load when first used.

Examples
--------
>>> from portfolio_lib import exercises
>>> exercises.student_seed("s001") == exercises.student_seed("s001")
True
"""

from __future__ import annotations

import importlib
from typing import Any

from portfolio_lib.exercises.feedback import (
    CheckFailed,
    as_real,
    check,
    expect_choice,
    expect_close_series,
    expect_fields,
    expect_frame_columns,
    expect_keywords,
    expect_number,
    expect_reason,
    raise_on_slip,
    success_line,
    task_check,
)

_LAZY = {
    "make_student_copy": "builder",
    "build_all": "builder",
    "stale_copies": "builder",
    "validate_master": "builder",
    "student_seed": "variants",
    "make_variants": "variants",
    "read_roster": "variants",
    "grade_notebook": "grader",
    "grade_paths": "grader",
    "grade_folder": "grader",
    "gradebook": "grader",
    "write_gradebook": "grader",
    "NotebookGrade": "grader",
    "TaskResult": "grader",
}

__all__ = [
    "CheckFailed",
    "as_real",
    "check",
    "expect_choice",
    "expect_close_series",
    "expect_fields",
    "expect_frame_columns",
    "expect_keywords",
    "expect_number",
    "expect_reason",
    "raise_on_slip",
    "success_line",
    "task_check",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    """Load builder/variants/grader names lazily and find ``check_NN_T`` in ``checks/chNN.py``."""
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    if name.startswith("check_"):
        from portfolio_lib.exercises.checks import find_check

        return find_check(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    from portfolio_lib.exercises.checks import available_checks

    return sorted({*globals(), *__all__, *available_checks()})
