"""Helpers shared by the chapter check modules (not public API).

Every student's company is simulated the same way in every chapter
(:func:`student_company`, :data:`N_CUSTOMERS` customers), every chapter's data class
derives from :class:`ChapterData` (whose :meth:`~ChapterData.start` and
:meth:`~ChapterData.document` every ``exercise_data`` uses), every chapter that asks
about purchases reads the sales ledger the way :mod:`portfolio_lib.rfm` does, every
seeded choice among customers draws from a sorted pool, so that a seed always picks
the same one, and every manager's choice accepts the options :func:`near_best` finds.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

import numpy as np
import pandas as pd

from portfolio_lib.exercises.checks import seeded_rng
from portfolio_lib.simulate import CRMData, simulate_crm

__all__ = [
    "N_CUSTOMERS",
    "ChapterData",
    "student_company",
    "is_return",
    "purchases",
    "pick_from_first",
    "NEAR_BEST",
    "near_best",
]

F = TypeVar("F", bound=Callable[..., object])

N_CUSTOMERS = 400
"""Customers of each student's company (small, so a notebook runs in seconds)."""

NEAR_BEST = 0.05
"""A manager's choice is accepted when its score is within 5 % of the best option's."""


def student_company(seed: int) -> CRMData:
    """The company a student works on: ``simulate_crm(n_customers=N_CUSTOMERS, seed=seed)``.

    Parameters
    ----------
    seed : int
        The simulation seed: the notebook's ``SEED`` (validated by the caller with
        :func:`~portfolio_lib.exercises.checks.seeded_rng`), or one derived from it.

    Returns
    -------
    CRMData
        Two years of a company of :data:`N_CUSTOMERS` customers.

    Examples
    --------
    >>> student_company(3).customers.shape[0] == N_CUSTOMERS
    True
    """
    return simulate_crm(n_customers=N_CUSTOMERS, seed=int(seed))


_EXERCISE_DATA_SECTIONS = """Parameters
    ----------
    seed : int
        The notebook's ``SEED`` (non-negative).

    Returns
    -------
    {returns}

    """


@dataclass_transform(frozen_default=True, eq_default=False)
@dataclass(frozen=True, eq=False)
class ChapterData:
    """What every chapter's exercises work on; each ``ChapterNData`` subclass adds its fields.

    A subclass is made a frozen dataclass compared by identity, like this class, as it
    is defined (no decorator needed), so every chapter's data are immutable alike.
    The class also holds the two steps every chapter's ``exercise_data(seed)`` shares:
    :meth:`start` and :meth:`document`.

    Attributes
    ----------
    crm : CRMData
        The student's company (:data:`N_CUSTOMERS` customers, two years).
    observation_end : Timestamp
        The last day of the data, ``crm.observation_end`` (read-only).

    Examples
    --------
    >>> class Example(ChapterData):
    ...     month: str
    >>> data = Example(crm=student_company(3), month="2024-05")
    >>> data.observation_end == data.crm.observation_end, data == Example(data.crm, "2024-05")
    (True, False)
    """

    crm: CRMData

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True, eq=False)(cls)

    @property
    def observation_end(self) -> pd.Timestamp:
        """The last day of the data (``crm.observation_end``)."""
        return self.crm.observation_end

    @staticmethod
    def start(seed: int, chapter: int) -> tuple[np.random.Generator, CRMData]:
        """The chapter's random stream and the student's company: where ``exercise_data`` starts.

        Parameters
        ----------
        seed : int
            The notebook's ``SEED`` (validated first: a non-negative whole number).
        chapter : int
            The chapter number of the exercise set.

        Returns
        -------
        (numpy.random.Generator, CRMData)
            ``seeded_rng(seed, chapter=chapter)`` and ``student_company(seed)``.

        Raises
        ------
        ValueError
            If ``seed`` is not a non-negative whole number (before anything is simulated).

        Examples
        --------
        >>> rng, crm = ChapterData.start(3, chapter=2)
        >>> len(crm.customers) == N_CUSTOMERS
        True
        """
        rng = seeded_rng(seed, chapter=chapter)
        return rng, student_company(seed)

    @staticmethod
    def document(function: F) -> F:
        """Give a chapter's ``exercise_data`` the parameter and return sections all chapters share.

        The sections are written once here and placed before the function's own
        ``Examples`` section; the return type is the function's annotated one. The
        function itself is returned unchanged, so its examples still run as doctests of
        its chapter module.

        Parameters
        ----------
        function : callable
            ``exercise_data(seed: int) -> ChapterNData``, whose docstring has an
            ``Examples`` section.

        Returns
        -------
        callable
            The same function, its docstring completed.

        Raises
        ------
        ValueError
            If the docstring has no ``Examples`` section to place the sections before.

        Examples
        --------
        >>> @ChapterData.document
        ... def exercise_data(seed: int) -> "ChapterData":
        ...     \'\'\'The data.
        ...
        ...     Examples
        ...     --------
        ...     >>> 1
        ...     1
        ...     \'\'\'
        >>> "seed : int" in exercise_data.__doc__ and "ChapterData" in exercise_data.__doc__
        True
        """
        doc = function.__doc__ or ""
        head, marker, examples = doc.partition("Examples\n")
        if not marker:
            raise ValueError(f"{function.__qualname__} has no Examples section in its docstring")
        returns = function.__annotations__.get("return", "ChapterData")
        returns = returns if isinstance(returns, str) else returns.__name__
        function.__doc__ = (
            head + _EXERCISE_DATA_SECTIONS.format(returns=returns) + marker + examples
        )
        return function


def is_return(transactions: pd.DataFrame) -> pd.Series:
    """Return rows, as :mod:`portfolio_lib.rfm` defines them (flagged or negative amount)."""
    return transactions["is_return"].astype(bool) | (transactions["amount"] < 0)


def purchases(transactions: pd.DataFrame) -> pd.DataFrame:
    """Purchase rows only (not returns), as :mod:`portfolio_lib.rfm` defines them."""
    return transactions.loc[~is_return(transactions)]


def pick_from_first(pools: Iterable[Collection[object]], rng: np.random.Generator) -> str | None:
    """One id, drawn with ``rng``, of the first non-empty pool (ids sorted as text first).

    Returns None when every pool is empty (the caller decides what that means).
    """
    for pool in pools:
        if len(pool):
            ordered = sorted(map(str, pool))
            return ordered[int(rng.integers(len(ordered)))]
    return None


def near_best(scores: pd.Series, *, lowest: bool = False) -> pd.Index:
    """The options whose score is within :data:`NEAR_BEST` (5 %) of the best one.

    The best is the highest score, or the lowest with ``lowest=True`` (e.g. revenue per
    unit of cost when the worst channel is asked for). A decision task accepts all of
    them, so that a near tie does not fail a sound choice.

    Parameters
    ----------
    scores : Series
        One score per option (index: the options); positive, in the task's unit.
    lowest : bool
        Whether the lowest score is the best.

    Returns
    -------
    pandas.Index
        The accepted options, in the order of ``scores``.

    Examples
    --------
    >>> scores = pd.Series({"a": 100.0, "b": 96.0, "c": 90.0})
    >>> near_best(scores).tolist()
    ['a', 'b']
    >>> near_best(scores, lowest=True).tolist()
    ['c']
    """
    if lowest:
        return scores.index[scores <= scores.min() * (1 + NEAR_BEST)]
    return scores.index[scores >= scores.max() * (1 - NEAR_BEST)]
