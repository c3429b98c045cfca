"""Per-chapter check functions: one module ``chNN.py`` per exercise set.

How a chapter module looks (``portfolio_lib/exercises/checks/ch05.py``)::

    '''Checks for exercises/source/05_satisfaction.ipynb.'''

    from portfolio_lib.exercises.checks._common import ChapterData
    from portfolio_lib.exercises.feedback import expect_number, task_check

    __all__ = ["Chapter5Data", "exercise_data", "check_05_1"]


    class Chapter5Data(ChapterData):  # a frozen dataclass: crm, observation_end, and ...
        surveys: pd.DataFrame


    @ChapterData.document  # adds the Parameters/Returns sections every chapter shares
    def exercise_data(seed: int) -> Chapter5Data:
        '''The survey the student works on; the notebook's setup cell calls this too.'''
        rng, crm = ChapterData.start(seed, chapter=5)  # validates SEED; rng picks e.g. a wave
        return Chapter5Data(crm=crm, surveys=crm.surveys)


    @task_check("NPS of the survey")
    def check_05_1(answer: object, *, seed: int) -> None:
        expected = nps(exercise_data(seed).surveys).nps   # the library computes the truth
        expect_number(answer, expected, name="NPS", unit="points", bounds=(-100, 100),
                      abs=0.05)

Rules:

- A check is named ``check_<NN>_<T>`` (two-digit chapter, task number) and is
  decorated with :func:`~portfolio_lib.exercises.feedback.task_check`; it takes
  the student's answer first and the notebook's ``SEED`` as keyword ``seed``.
- Expected answers are recomputed from ``seed`` with ``portfolio_lib`` itself
  (never stored), from the same ``exercise_data(seed)`` the notebook uses, so the
  data and the answers of every student variant agree.
- Every random choice of an exercise set (which customer, which month) comes
  from :func:`seeded_rng` ``(seed, chapter=NN)``: reproducible for a seed,
  independent of the simulation's own draws and of the other chapters'.
- Nothing else to register: ``portfolio_lib.exercises.check_05_1`` finds the
  function in ``checks/ch05.py`` on first use (see :func:`find_check`).
"""

from __future__ import annotations

import importlib
import numbers
import pkgutil
from collections.abc import Callable
from typing import Any

import numpy as np

from portfolio_lib.exercises.feedback import CHECK_NAME_PATTERN

__all__ = ["seeded_rng", "find_check", "available_checks", "chapter_modules"]


def seeded_rng(seed: int, chapter: int) -> np.random.Generator:
    """The random stream of one chapter's exercise set for a student's ``SEED``.

    Seeded with the two words ``[seed, chapter]``, so it is reproducible, differs
    between chapters, and is independent of ``simulate_crm(seed=seed)`` (seeded
    with ``seed`` alone) although both follow from the same ``SEED``.

    Parameters
    ----------
    seed : int
        The notebook's ``SEED``: a non-negative whole number (``numpy`` integers
        too, not ``bool``).
    chapter : int
        The chapter number of the exercise set (1 for ``ch01.py``, ...).

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    ValueError
        If ``seed`` is not a non-negative whole number (the message names ``SEED``).

    Examples
    --------
    >>> int(seeded_rng(3, chapter=2).integers(100)) == int(seeded_rng(3, chapter=2).integers(100))
    True
    >>> seeded_rng(-1, chapter=2)
    Traceback (most recent call last):
    ...
    ValueError: SEED must be a non-negative whole number, got -1
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"SEED must be a non-negative whole number, got {seed!r}")
    return np.random.default_rng([int(seed), int(chapter)])


def chapter_modules() -> list[str]:
    """Names of the chapter check modules present, e.g. ``['ch01', 'ch05']``.

    Examples
    --------
    >>> isinstance(chapter_modules(), list)
    True
    """
    return sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("ch") and info.name[2:].isdigit()
    )


def find_check(name: str) -> Callable[..., Any]:
    """Return the check function ``check_NN_T`` from ``checks/chNN.py``.

    Raises
    ------
    AttributeError
        If the name is not a check name, the chapter module does not exist, or
        the module has no such function (the message says which).

    Examples
    --------
    >>> find_check("not_a_check")
    Traceback (most recent call last):
    ...
    AttributeError: 'not_a_check' is not a check name; checks are called check_NN_T, e.g. check_05_2
    """
    match = CHECK_NAME_PATTERN.match(name)
    if match is None:
        raise AttributeError(
            f"{name!r} is not a check name; checks are called check_NN_T, e.g. check_05_2"
        )
    module_name = f"{__name__}.ch{match.group(1)}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise AttributeError(
            f"no check {name}: chapter module portfolio_lib/exercises/checks/ch{match.group(1)}.py "
            f"does not exist (chapters with checks: {chapter_modules()})"
        ) from None
    try:
        return getattr(module, name)
    except AttributeError:
        present = sorted(n for n in vars(module) if CHECK_NAME_PATTERN.match(n))
        raise AttributeError(f"no check {name} in {module_name}; it defines {present}") from None


def available_checks() -> dict[str, Callable[..., Any]]:
    """All check functions of all chapter modules, by name (imports every chapter module).

    Examples
    --------
    >>> all(name.startswith("check_") for name in available_checks())
    True
    """
    found: dict[str, Callable[..., Any]] = {}
    for module_name in chapter_modules():
        module = importlib.import_module(f"{__name__}.{module_name}")
        for attribute, value in vars(module).items():
            if CHECK_NAME_PATTERN.match(attribute) and callable(value):
                found[attribute] = value
    return found
