"""Command line: ``python -m portfolio_lib run | simulate | exercises | clv | rfm | summarize``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


def _parse_parameters(pairs: Sequence[str]) -> dict[str, object]:
    """Parse ``NAME=VALUE`` pairs; values are read as JSON when possible (``SEED=7``)."""
    parameters: dict[str, object] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"parameter {pair!r} must look like NAME=VALUE")
        try:
            parameters[name] = json.loads(raw)
        except json.JSONDecodeError:
            parameters[name] = raw
    return parameters


def _cmd_run(args: argparse.Namespace) -> int:
    """``run``: the report (or ``--in-place``); a missing extra or a failed chapter is one line."""
    from portfolio_lib._extras import MissingExtraError, require_extra

    try:
        require_extra("notebooks", purpose="run the notebooks")
    except MissingExtraError as error:
        print(f"portfolio-lib run: {error}", file=sys.stderr)
        return 2
    from portfolio_lib import report

    try:
        if args.in_place:
            if args.parameter:
                raise SystemExit("--in-place always uses each notebook's own parameters")
            report.execute_in_place(args.notebooks, only=args.only)
            return 0
        index = report.build_report(
            args.out,
            notebook_dir=args.notebooks,
            only=args.only,
            parameters=_parse_parameters(args.parameter),
        )
    except report.ChapterFailed as error:
        print(f"portfolio-lib run: {error}", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError) as error:  # no/badly named notebooks, bad --only
        print(f"portfolio-lib run: {error}", file=sys.stderr)
        return 2
    print(f"Report written: {index}")
    return 0


def _cmd_simulate(argv: list[str]) -> int:
    if "--transactions-only" in argv:  # a large log in Parquet parts (portfolio_lib.engines)
        from portfolio_lib.engines.simlog import simlog_main

        return simlog_main(argv)
    from portfolio_lib.simulate import simulate_main

    return simulate_main(argv)


def _cmd_exercises(argv: list[str]) -> int:
    from portfolio_lib.exercises.cli import exercises_main

    return exercises_main(argv)


#: Logs of any size (portfolio_lib.engines): each parses its own arguments.
_ENGINE_COMMANDS = {
    "clv": "per-customer CLV of a log of any size (DuckDB, Spark or pandas)",
    "rfm": "RFM table, scores and segments of a log of any size",
    "summarize": "per-customer CLV summary of a log of any size",
}


def _cmd_engine(command: str, argv: list[str]) -> int:
    from portfolio_lib.engines import cli

    runner = {"clv": cli.clv_main, "rfm": cli.rfm_main, "summarize": cli.summarize_main}
    return runner[command](argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m portfolio_lib`` and the ``portfolio-lib`` script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # Sub-commands owned by other modules parse their own arguments.
    if argv and argv[0] == "simulate":
        return _cmd_simulate(argv[1:])
    if argv and argv[0] == "exercises":
        return _cmd_exercises(argv[1:])
    if argv and argv[0] in _ENGINE_COMMANDS:
        return _cmd_engine(argv[0], argv[1:])

    parser = argparse.ArgumentParser(prog="python -m portfolio_lib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("simulate", help="simulate the sample company (see `simulate --help`)")
    sub.add_parser("exercises", help="exercise tooling: build, variants, grade")
    for name, text in _ENGINE_COMMANDS.items():
        sub.add_parser(name, help=f"{text} (see `{name} --help`)")
    run = sub.add_parser("run", help="execute the notebooks and write the HTML report")
    run.add_argument("--out", default="build", help="report folder (default: build)")
    run.add_argument("--notebooks", default="notebooks", help="notebook folder")
    run.add_argument("--only", nargs="*", help="notebook file names to run")
    run.add_argument("--in-place", action="store_true", help="re-execute notebooks in place")
    run.add_argument(
        "-p", "--parameter", action="append", default=[], help="papermill parameter NAME=VALUE"
    )
    args = parser.parse_args(argv)
    if args.command == "run":
        return _cmd_run(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
