"""``python -m portfolio_lib exercises build | variants | grade``.

Examples
--------
::

    python -m portfolio_lib exercises build            # regenerate exercises/NN_*.ipynb
    python -m portfolio_lib exercises build --check    # exit 1 listing stale copies (CI)
    python -m portfolio_lib exercises variants --roster roster.csv --out handout/
    python -m portfolio_lib exercises variants --roster roster.csv --out handout/ \
        --chapter-url "https://course.example.edu/crm/{stem}.html"
    python -m portfolio_lib exercises grade submissions/ --out gradebook.csv --timeout 120

Every command needs the ``notebooks`` extra (nbformat, papermill, ...). Without
it, the command prints one line naming the extra to install and exits with 2.
Grading shows a progress bar on stderr when it is a terminal (``--quiet``: none).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portfolio_lib._extras import MissingExtraError, require_extra

__all__ = ["exercises_main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m portfolio_lib exercises``."""
    parser = argparse.ArgumentParser(
        prog="python -m portfolio_lib exercises",
        description="Exercise tooling: student copies, per-student variants, grading.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="regenerate student copies from the masters")
    build.add_argument("--source", default="exercises/source", help="masters folder")
    build.add_argument("--target", default="exercises", help="student copies folder")
    build.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing stale copies"
    )

    variants = sub.add_parser("variants", help="one parameterised copy per student")
    variants.add_argument("--roster", required=True, help="CSV with a student id column")
    variants.add_argument("--out", required=True, help="folder for the copies")
    variants.add_argument(
        "--source",
        default="exercises",
        help="a notebook, or a folder of student copies (default: exercises); "
        "masters are stripped of their solutions first",
    )
    variants.add_argument("--id-column", default="student_id", help="roster id column")
    variants.add_argument("--base-seed", type=int, default=0, help="changes every seed at once")
    variants.add_argument(
        "--chapter-url",
        default=None,
        help="where the chapters are published, e.g. https://host/crm/{stem}.html ({name}: "
        "file name, {stem}: without .ipynb; without a placeholder the file name is appended). "
        "Links to chapters become absolute; without this option, links that would not "
        "resolve from --out are replaced by the chapter's name and a note",
    )

    grade = sub.add_parser("grade", help="execute submissions and write a gradebook")
    grade.add_argument("submissions", help="folder with submitted notebooks (recursive)")
    grade.add_argument("--out", required=True, help="gradebook CSV to write")
    grade.add_argument(
        "--timeout", type=float, default=120, help="seconds per notebook (default 120)"
    )
    grade.add_argument("--jobs", type=int, default=None, help="parallel kernels (default 2)")
    grade.add_argument(
        "--reference",
        default=None,
        help="master or student copy whose check cells replace the submitted ones",
    )
    grade.add_argument(
        "--id-from",
        choices=["parameters", "filename", "folder"],
        default="parameters",
        help="where the student id comes from (default: STUDENT_ID parameter)",
    )
    grade.add_argument(
        "--quiet", action="store_true", help="no progress bar (shown only on a terminal anyway)"
    )
    grade.add_argument(
        "--isolation",
        choices=["auto", "bwrap", "basic"],
        default="auto",
        help="how submissions are isolated: bwrap (bubblewrap: read-only file system, no "
        "network), basic (throwaway copy, scrubbed environment, limits), auto (default: bwrap "
        "where it runs); the gradebook's isolation column records it",
    )
    return parser


def _build(args: argparse.Namespace) -> int:
    from portfolio_lib.exercises.builder import (
        MasterNotebookError,
        build_all,
        discover_masters,
        stale_copies,
    )

    try:
        masters = discover_masters(args.source)
        if args.check:
            stale = stale_copies(args.source, args.target)
            if stale:
                print("Stale student copies (run `python -m portfolio_lib exercises build`):")
                for path in stale:
                    print(f"  {path}")
                return 1
            print(f"{len(masters)} student cop(ies) up to date.")
            return 0
        written = build_all(args.source, args.target)
    except MasterNotebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not masters:
        print(f"No masters found in {args.source}.")
    for path in written:
        print(f"wrote {path}")
    print(f"{len(masters)} master(s), {len(written)} student cop(ies) rewritten.")
    return 0


def _variants(args: argparse.Namespace) -> int:
    from portfolio_lib._errors import DataValidationError
    from portfolio_lib.exercises.variants import make_variants

    source = Path(args.source)
    notebooks = sorted(source.glob("[0-9][0-9]_*.ipynb")) if source.is_dir() else [source]
    if not notebooks:
        print(f"error: no exercise notebooks in {source}", file=sys.stderr)
        return 2
    try:
        for notebook in notebooks:
            table = make_variants(
                notebook,
                args.roster,
                args.out,
                id_column=args.id_column,
                base_seed=args.base_seed,
                chapter_url=args.chapter_url,
            )
            print(f"{notebook.name}: {len(table)} student cop(ies) in {args.out}")
    except (DataValidationError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _grade(args: argparse.Namespace) -> int:
    import pandas as pd

    from portfolio_lib.exercises.grader import (
        describe_isolation,
        grade_folder,
        resolve_isolation,
        write_gradebook,
    )

    try:
        print(f"Isolation: {describe_isolation(resolve_isolation(args.isolation))}")
        book = grade_folder(
            args.submissions,
            timeout_seconds=args.timeout,
            student_id_from=args.id_from,
            jobs=args.jobs,
            reference=args.reference,
            progress=False if args.quiet else None,
            isolation=args.isolation,
        )
    except (FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    path = write_gradebook(book, args.out)
    shown = [
        c for c in book.columns if not c.startswith(("feedback_", "status_")) and c != "message"
    ]
    print(book[shown].to_string(index=False))
    task_statuses = book[[c for c in book.columns if c.startswith("status_")]].to_numpy()
    statuses = pd.Series(task_statuses.ravel(), dtype=object).value_counts()
    stopped = [
        f"{statuses[k]} {k}" for k in ("timed out", "not reached", "not run") if k in statuses
    ]
    if stopped:
        print(
            f"Tasks that did not run to the end: {', '.join(stopped)} (see status_N, feedback_N)."
        )
    print(f"Gradebook written: {path}")
    return 0


_PURPOSES = {
    "build": "build student copies",
    "variants": "write per-student variants",
    "grade": "grade submissions",
}


def exercises_main(argv: list[str]) -> int:
    """Run an ``exercises`` sub-command; return the process exit code.

    Exit codes: 0 success, 1 stale copies found by ``build --check``,
    2 bad input (invalid master, roster, missing folder) or a missing ``notebooks``
    extra (one line on stderr naming it, no traceback).
    """
    args = build_parser().parse_args(argv)
    try:
        require_extra("notebooks", purpose=_PURPOSES[args.command])
    except MissingExtraError as error:
        print(error, file=sys.stderr)
        return 2
    if args.command == "build":
        return _build(args)
    if args.command == "variants":
        return _variants(args)
    return _grade(args)
