"""The chapters' documented parameter ranges, and a runner that proves them.

Every chapter notebook is papermill-parameterised. :data:`DOCUMENTED_RANGES`
says which values each chapter supports (the parameters cell and the README
repeat it); :func:`deterministic_cases` is the small fixed set that ``make
test`` runs (chosen to include the small and unusual cases that once broke a
chapter) and :func:`full_grid` the sizes × seeds × data sets that ``make
test-matrix`` runs, printing a pass/fail table per chapter; it includes
:func:`range_end_cases`, every chapter's further parameters (``ranges``) at both
ends of their documented range.

This module does I/O (it executes notebooks); the analysis modules never do.

Examples
--------
::

    python -m portfolio_lib.matrix --grid deterministic --jobs 2
    python -m portfolio_lib.matrix --grid full --jobs 2 --out build/matrix.csv
    python -m portfolio_lib.matrix --grid ranges --chapters 02
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import raise_for_rows

__all__ = [
    "DOCUMENTED_RANGES",
    "MatrixCase",
    "ChapterRange",
    "deterministic_cases",
    "range_end_cases",
    "full_grid",
    "run_case",
    "run_cases",
    "pass_fail_table",
    "main",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"


@dataclass(frozen=True)
class ChapterRange:
    """The parameter values a chapter is documented (and tested) to support.

    ``n_customers`` is the inclusive range of ``N_CUSTOMERS`` for
    ``DATASET="simulate"``; any integer ``SEED`` is supported; ``datasets`` lists
    the supported values of ``DATASET``. ``extra`` gives chapter-specific
    parameters that must accompany a data set (e.g. 4 RFM levels on CDNOW).
    ``ranges`` gives the inclusive range of further numeric parameters, as their
    comment in the parameters cell states it (``NAME = value  # LOW to HIGH; meaning``).
    """

    datasets: tuple[str, ...]
    n_customers: tuple[int, int] = (100, 10_000)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)


#: Chapter number -> what it supports. CDNOW holds only purchases, so the journey
#: (4) and satisfaction (5) chapters do not take it.
DOCUMENTED_RANGES: dict[str, ChapterRange] = {
    "01": ChapterRange(("sample", "simulate", "cdnow")),
    "02": ChapterRange(
        ("sample", "simulate", "cdnow"),
        extra={"cdnow": {"RFM_BINS": 4}},
        ranges={"LOST_AFTER": (2, 12), "PATH_PERIODS": (1, 40)},
    ),
    "03": ChapterRange(("sample", "simulate", "cdnow"), ranges={"CLV_HORIZON_MONTHS": (1, 120)}),
    "04": ChapterRange(("sample", "simulate")),
    "05": ChapterRange(("sample", "simulate")),
    "06": ChapterRange(
        ("sample", "simulate", "cdnow"),
        ranges={
            "CLV_HORIZON_MONTHS": (1, 120),
            "SAVE_RATE": (0, 1),
            "CONTACT_COST": (0, 100),
            "MAX_CONTACTS": (0.5, 10),
            "LOOP_PERIODS": (1, 12),
        },
    ),
}


@dataclass(frozen=True)
class MatrixCase:
    """One notebook run: a chapter and the parameters papermill injects."""

    chapter: str
    parameters: tuple[tuple[str, Any], ...]

    @property
    def notebook(self) -> Path:
        """The chapter's notebook in ``notebooks/``."""
        matches = sorted(NOTEBOOK_DIR.glob(f"{self.chapter}_*.ipynb"))
        if len(matches) != 1:
            raise FileNotFoundError(f"no single notebook for chapter {self.chapter}: {matches}")
        return matches[0]

    @property
    def label(self) -> str:
        """Short readable name, e.g. ``simulate n=150 seed=2`` or ``cdnow RFM_BINS=4``.

        Every further parameter follows as ``NAME=value``, so two cases that differ only in
        one (say ``LOST_AFTER``) have different labels, test ids and output files.
        """
        params = dict(self.parameters)
        dataset = params.get("DATASET", "sample")
        head = dataset
        if dataset == "simulate":
            head = f"simulate n={params['N_CUSTOMERS']} seed={params['SEED']}"
        rest = {k: v for k, v in params.items() if k not in {"DATASET", "SEED", "N_CUSTOMERS"}}
        return head + "".join(f" {k}={v}" for k, v in rest.items())

    @property
    def test_id(self) -> str:
        """Identifier for pytest: ``03-simulate-n150-seed2``."""
        return f"{self.chapter}-" + self.label.replace(" n=", "-n").replace(
            " seed=", "-seed"
        ).replace(" ", "-")


def _case(chapter: str, dataset: str, n_customers: int | None = None, seed: int | None = None):
    params: dict[str, Any] = {"DATASET": dataset}
    if dataset == "simulate":
        params.update(N_CUSTOMERS=int(n_customers), SEED=int(seed))
    params.update(DOCUMENTED_RANGES[chapter].extra.get(dataset, {}))
    return MatrixCase(chapter, tuple(params.items()))


#: (chapter, N_CUSTOMERS, SEED) of the simulated cases in ``make test``: each chapter at the
#: bottom of its range and at a size/seed that once broke it (issue 11), plus one mid size.
_DETERMINISTIC_SIMULATED = [
    ("01", 100, 3),
    ("02", 100, 5),
    ("02", 400, 1),
    ("03", 150, 2),  # Gamma-Gamma had no maximum here
    ("03", 100, 1),
    ("04", 100, 2),
    ("04", 400, 7),
    ("05", 150, 1),  # NPS intervals of one-respondent groups broke the chart
    ("05", 400, 2024),
    ("06", 150, 2),  # Gamma-Gamma had no maximum here
    ("06", 400, 3),
]
_DETERMINISTIC_CDNOW = ["01", "02", "03", "06"]


def deterministic_cases(*, include_cdnow: bool = True) -> list[MatrixCase]:
    """The fixed, deterministic set of runs in ``make test`` (small and unusual cases first).

    Parameters
    ----------
    include_cdnow : bool
        Add the chapters that support the real CDNOW data (needs the data folder).

    Returns
    -------
    list of MatrixCase

    Examples
    --------
    >>> [c.label for c in deterministic_cases(include_cdnow=False)][:2]
    ['simulate n=100 seed=3', 'simulate n=100 seed=5']
    """
    cases = [_case(ch, "simulate", n, s) for ch, n, s in _DETERMINISTIC_SIMULATED]
    if include_cdnow:
        cases += [_case(ch, "cdnow") for ch in _DETERMINISTIC_CDNOW]
    return cases


def range_end_cases(chapters: Iterable[str] | None = None) -> list[MatrixCase]:
    """Each chapter's further parameters (:attr:`ChapterRange.ranges`) at both ends, on the
    bundled sample data: one case with every parameter at its low end, one at its high end.

    Parameters
    ----------
    chapters : iterable of str, optional
        Chapter numbers (``"02"``); all with documented ranges by default.

    Returns
    -------
    list of MatrixCase

    Examples
    --------
    >>> [c.label for c in range_end_cases(["02"])]
    ['sample LOST_AFTER=2 PATH_PERIODS=1', 'sample LOST_AFTER=12 PATH_PERIODS=40']
    """
    cases = []
    for chapter in chapters or DOCUMENTED_RANGES:
        ranges = DOCUMENTED_RANGES[chapter].ranges
        for end in (0, 1):
            if ranges:
                values = tuple((name, bounds[end]) for name, bounds in ranges.items())
                cases.append(MatrixCase(chapter, (("DATASET", "sample"), *values)))
    return cases


def full_grid(
    sizes: Sequence[int] = (100, 150, 400, 1500, 10_000),
    seeds: Sequence[int] = (1, 2, 3),
    *,
    large_sizes: Sequence[int] = (),
    include_cdnow: bool = True,
    chapters: Iterable[str] | None = None,
    range_ends: bool = True,
) -> list[MatrixCase]:
    """Every chapter × sizes × seeds on simulated data, plus the bundled and CDNOW data.

    With ``range_ends``, also each chapter's further parameters at both ends of their
    documented ranges (:func:`range_end_cases`).

    Parameters
    ----------
    sizes : sequence of int
        ``N_CUSTOMERS`` values; each must lie in the chapter's documented range.
    seeds : sequence of int
        ``SEED`` values.
    large_sizes : sequence of int
        ``N_CUSTOMERS`` values run with the first seed only (the top of the range is slow).
    include_cdnow : bool
        Add CDNOW runs for the chapters that support it.
    chapters : iterable of str, optional
        Chapter numbers (``"03"``); all by default.
    range_ends : bool
        Add :func:`range_end_cases` of those chapters.

    Returns
    -------
    list of MatrixCase

    Examples
    --------
    >>> len(full_grid(sizes=[100], seeds=[1], large_sizes=[], include_cdnow=False,
    ...               range_ends=False))
    12
    """
    cases = []
    for chapter in chapters or DOCUMENTED_RANGES:
        spec = DOCUMENTED_RANGES[chapter]
        low, high = spec.n_customers
        for n in [*sizes, *large_sizes]:
            if not low <= n <= high:
                raise ValueError(
                    f"N_CUSTOMERS={n} is outside chapter {chapter}'s range {low}-{high}"
                )
            chosen = seeds if n in sizes else seeds[:1]
            cases += [_case(chapter, "simulate", n, s) for s in chosen]
        cases.append(_case(chapter, "sample"))
        if include_cdnow and "cdnow" in spec.datasets:
            cases.append(_case(chapter, "cdnow"))
        if range_ends:
            cases += range_end_cases([chapter])
    return cases


@dataclass(frozen=True)
class CaseResult:
    """Outcome of one run: passed, the error (exception type and first line) and seconds."""

    case: MatrixCase
    passed: bool
    error: str
    seconds: float


def run_case(case: MatrixCase, output_dir: Path | str | None = None) -> CaseResult:
    """Execute one case with papermill and report whether any cell raised.

    Parameters
    ----------
    case : MatrixCase
    output_dir : path, optional
        Where the executed notebook is written (a temporary folder by default).

    Returns
    -------
    CaseResult
        ``error`` is ``"ExceptionType: first line"`` of the failing cell, or ``""``.
    """
    from papermill.exceptions import PapermillExecutionError

    from portfolio_lib.report import execute_notebook

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(output_dir) if output_dir else Path(tmp)
        target = folder / f"{case.test_id}.ipynb"
        try:
            execute_notebook(case.notebook, target, parameters=dict(case.parameters))
            passed, error = True, ""
        except PapermillExecutionError as exc:
            first = str(exc.evalue).strip().splitlines()[0] if exc.evalue else ""
            passed, error = False, f"{exc.ename}: {first}"[:300]
    return CaseResult(case, passed, error, time.perf_counter() - started)


def run_cases(cases: Sequence[MatrixCase], *, jobs: int = 2, progress: bool = True) -> pd.DataFrame:
    """Run cases in ``jobs`` parallel processes; one row per case.

    Returns
    -------
    pandas.DataFrame
        ``chapter``, ``case``, ``passed``, ``seconds``, ``error``, in the order of ``cases``.
    """
    from tqdm.auto import tqdm

    results: dict[int, CaseResult] = {}
    with ProcessPoolExecutor(max_workers=max(1, int(jobs))) as pool:
        futures = {pool.submit(run_case, case): i for i, case in enumerate(cases)}
        bar = tqdm(total=len(futures), disable=not progress, unit="run", file=sys.stderr)
        for future in as_completed(futures):
            result = future.result()
            results[futures[future]] = result
            bar.set_postfix_str(
                f"{result.case.chapter} {result.case.label}: {'ok' if result.passed else 'FAIL'}"
            )
            bar.update()
        bar.close()
    return pd.DataFrame(
        [
            {
                "chapter": r.case.chapter,
                "case": r.case.label,
                "passed": r.passed,
                "seconds": round(r.seconds, 1),
                "error": r.error,
            }
            for r in (results[i] for i in range(len(cases)))
        ]
    )


def pass_fail_table(results: pd.DataFrame) -> pd.DataFrame:
    """Cases × chapters table of "pass"/"FAIL" ("" where a chapter does not take the case).

    Parameters
    ----------
    results : pandas.DataFrame
        One row per run, with columns ``chapter``, ``case`` and ``passed`` (bool), as
        :func:`run_cases` returns; each (case, chapter) pair at most once.

    Returns
    -------
    pandas.DataFrame
        Cases (rows, in first-seen order) × chapters (columns).

    Raises
    ------
    DataValidationError
        ``results`` is not a DataFrame, lacks a column, or holds a (case, chapter) pair twice.

    Examples
    --------
    >>> runs = pd.DataFrame({"chapter": ["03", "05"], "case": ["a", "a"], "passed": [True, False]})
    >>> pass_fail_table(runs).loc["a"].tolist()
    ['pass', 'FAIL']
    """
    results = _validate.table(results, name="results", columns=["chapter", "case", "passed"])
    raise_for_rows(
        results, results.duplicated(["case", "chapter"], keep=False), column=["case", "chapter"],
        problem="repeats a (case, chapter) pair; each run must appear once", name="results",
    )  # fmt: skip
    table = results.assign(outcome=results["passed"].map({True: "pass", False: "FAIL"}))
    wide = table.pivot(index="case", columns="chapter", values="outcome").fillna("")
    order = list(dict.fromkeys(results["case"]))
    return wide.loc[order]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m portfolio_lib.matrix``: run a grid, print the table, exit 1 on any failure."""
    parser = argparse.ArgumentParser(prog="python -m portfolio_lib.matrix", description=__doc__)
    parser.add_argument("--grid", choices=["deterministic", "full", "ranges"], default="full")
    parser.add_argument("--jobs", type=int, default=2, help="parallel kernels (default 2)")
    parser.add_argument("--sizes", type=int, nargs="*", help="N_CUSTOMERS values (full grid)")
    parser.add_argument("--seeds", type=int, nargs="*", help="SEED values (full grid)")
    parser.add_argument(
        "--large-sizes", type=int, nargs="*", help="N_CUSTOMERS run with the first seed only"
    )
    parser.add_argument("--chapters", nargs="*", help="chapter numbers, e.g. 03 05")
    parser.add_argument("--out", help="CSV of every run (chapter, case, passed, seconds, error)")
    args = parser.parse_args(argv)
    cdnow_home = os.environ.get("PORTFOLIO_LIB_DATA")
    include_cdnow = bool(cdnow_home) and (Path(cdnow_home) / "CDNOW_sample.txt").exists()
    if args.grid == "full":
        cases = full_grid(
            **{k: v for k, v in {"sizes": args.sizes, "seeds": args.seeds}.items() if v},
            **({} if args.large_sizes is None else {"large_sizes": args.large_sizes}),
            include_cdnow=include_cdnow,
            chapters=args.chapters,
        )
    elif args.grid == "ranges":
        cases = range_end_cases(args.chapters)
    else:
        cases = [
            c
            for c in deterministic_cases(include_cdnow=include_cdnow)
            if not args.chapters or c.chapter in args.chapters
        ]
    if not include_cdnow:
        print("CDNOW runs left out: set PORTFOLIO_LIB_DATA to the CDNOW folder", file=sys.stderr)
    results = run_cases(cases, jobs=args.jobs)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        results.to_csv(args.out, index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(pass_fail_table(results).to_string())
        failed = results[~results["passed"]]
        print(
            f"\n{len(results) - len(failed)} of {len(results)} runs passed "
            f"({results['seconds'].sum() / 60:.1f} min of kernel time)"
        )
        if len(failed):
            print("\nFailures:")
            print(failed[["chapter", "case", "error"]].to_string(index=False))
    return 1 if len(failed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
