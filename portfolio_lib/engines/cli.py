"""Command line for logs of any size: ``clv``, ``rfm`` and ``summarize``.

``python -m portfolio_lib clv LOG... --observation-end DATE --out scores.parquet`` runs the
summary in the engine, fits BG/NBD and Gamma-Gamma on the sufficient statistics, scores each
customer and writes one row per customer; the fitted parameters with standard errors are
printed and written beside the output as JSON. Each stage reports its time on stderr. A log
that breaks the transaction contract stops with the package's DataValidationError message
(rows counted per reason) and exit code 1; bad options exit with 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from portfolio_lib._errors import DataValidationError
from portfolio_lib.engines.backend import ENGINES, DuckDBEngine, Engine, EngineTable, get_engine
from portfolio_lib.engines.contract import Columns

__all__ = ["clv_main", "rfm_main", "summarize_main", "parameters_path"]

_EPILOG = (
    "LOG: Parquet files or folders of parts (.parquet/.pq), CSV files (.csv/.csv.gz/.tsv, "
    "header row) or globs such as 'logs/*.parquet'. Columns default to customer_id, date, "
    "amount and is_return (optional): rename with --columns. Returns (flagged or negative "
    "amounts) are never purchases; several purchases of one customer on one day are one "
    "purchase occasion."
)


class _Progress:
    """One line per stage on stderr: ``[2/4] fit models ... 1.2 s``."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.quiet, self.step = total, quiet, 0
        self.started = time.perf_counter()

    def __call__(self, label: str) -> None:
        now = time.perf_counter()
        if self.step and not self.quiet:
            print(f"  done in {now - self.started:.1f} s", file=sys.stderr, flush=True)
        self.step += 1
        self.started = now
        if label and not self.quiet:
            print(f"[{self.step}/{self.total}] {label} ...", file=sys.stderr, flush=True)


_Option = tuple[str, dict[str, object]]


def _choice(name: str, choices: Sequence[str], text: str, *, default: str | None = None) -> _Option:
    """An option taking one of ``choices`` (default: the first); ``text`` is its help."""
    return name, {"default": default or choices[0], "choices": list(choices), "help": text}


_LOGS: _Option = (
    "logs",
    {"nargs": "+", "metavar": "LOG", "help": "transaction log file(s) or glob(s)"},
)
_OBSERVATION_END: _Option = ("--observation-end", {
    "required": True, "metavar": "DATE",
    "help": "last day of the data (inclusive), e.g. 1998-06-30",
})  # fmt: skip
_UNIT = _choice(
    "--unit", ["D", "W", "M"], "time unit of recency, T and the horizon: days, weeks, months "
    "(default W)", default="W",
)  # fmt: skip
_CALIBRATION_END: _Option = ("--calibration-end", {
    "default": None, "metavar": "DATE",
    "help": "calibration/holdout split at this day (inclusive): the summary (and the fits of "
    "clv) use the data up to it; the holdout columns (frequency_holdout, monetary_holdout, "
    "duration_holdout) count the purchases after it, up to --observation-end",
})  # fmt: skip
_SHARED: tuple[_Option, ...] = (
    ("--columns", {
        "default": None, "metavar": "NAME=COL,...",
        "help": "your column names, e.g. customer_id=cust,date=day,amount=value,is_return=ret "
        "(is_return=none: no return flag)",
    }),
    _choice("--engine", ENGINES, "duckdb (embedded, default: any size on one machine), spark "
            "(local[2] or the active session; needs pyspark and Java 17+), pandas (in memory)"),
    _choice("--late", ["raise", "drop"], "rows dated after --observation-end: raise (default) "
            "or drop"),
    ("--memory-limit", {
        "default": None, "metavar": "SIZE",
        "help": "DuckDB memory limit, e.g. 2GB (it spills to disk beyond)",
    }),
    ("--quiet", {"action": "store_true", "help": "no progress lines"}),
)  # fmt: skip


def _parse(
    command: str,
    description: str,
    argv: Sequence[str],
    options: Sequence[_Option],
    *,
    unit: bool = True,
    out_help: str = "output Parquet file",
) -> argparse.Namespace:
    """Parse ``argv``: the options all commands share, then ``options``, then ``--out``."""
    parser = argparse.ArgumentParser(
        prog=f"python -m portfolio_lib {command}", description=description, epilog=_EPILOG
    )
    shared = (_LOGS, _OBSERVATION_END, *((_UNIT,) if unit else ()), *_SHARED)
    for name, settings in (*shared, *options, ("--out", {"required": True, "help": out_help})):
        parser.add_argument(name, **settings)  # type: ignore[arg-type]
    return parser.parse_args(argv)


_CLV_DESCRIPTION = (
    "Per-customer CLV of a transaction log of any size: summary -> BG/NBD and "
    "Gamma-Gamma fits on the sufficient statistics -> one row per customer with "
    "frequency, recency, T, monetary_value, prob_alive, expected_purchases (over the "
    "horizon), discounted_purchases, expected_spend and clv."
)
_CLV_OPTIONS: tuple[_Option, ...] = (
    _CALIBRATION_END,
    ("--horizon", {"type": float, "default": 52.0, "help": "future period in --unit (default 52)"}),
    ("--discount-rate", {
        "type": float, "default": 0.1, "help": "annual discount rate, 0.1 = 10%% (default 0.1)",
    }),
    ("--margin", {
        "type": float, "default": 0.3, "help": "gross margin, a fraction of revenue (default 0.3)",
    }),
    _choice("--purchase-model", ["bgnbd", "paretonbd"], "purchase model (default bgnbd)"),
)  # fmt: skip
_RFM_DESCRIPTION = (
    "RFM table, scores 1..BINS (BINS best) and named segments per customer, "
    "computed in the engine: recency_days, frequency, monetary_total, monetary_mean, "
    "R, F, M, RFM, FM, segment."
)
_RFM_OPTIONS: tuple[_Option, ...] = (
    ("--bins", {"type": int, "default": 5, "help": "score levels (default 5)"}),
    _choice("--ties", ["same", "first"], "same: quantile cut points, equal values share a "
            "score (default); first: ranks with ties broken by customer id, equal-sized bins"),
    _choice("--return-only", ["raise", "drop"], "customers with returns but no purchase: raise "
            "(default) or drop with a warning"),
)  # fmt: skip
_SUMMARIZE_DESCRIPTION = (
    "Per-customer CLV summary (frequency, recency, T, monetary_value; with "
    "--calibration-end also the holdout columns), computed in the engine."
)
_SUMMARIZE_OPTIONS: tuple[_Option, ...] = (_CALIBRATION_END,)


def _engine(args: argparse.Namespace) -> Engine | str:
    if args.engine == "duckdb":
        return DuckDBEngine(memory_limit=args.memory_limit)
    if args.engine == "spark":
        return get_engine("spark")
    return "pandas"


def _source(logs: Sequence[str]) -> str | list[str]:
    return logs[0] if len(logs) == 1 else list(logs)


def parameters_path(out: str | Path) -> Path:
    """Where the fitted parameters go: beside ``out``, ``<stem>.params.json``.

    Examples
    --------
    >>> parameters_path("results/scores.parquet").as_posix()
    'results/scores.params.json'
    """
    out = Path(out)
    return out.with_name(out.stem + ".params.json")


def _run(name: str, body: object, argv: Sequence[str]) -> int:
    try:
        return body(argv)  # type: ignore[operator]
    except DataValidationError as error:
        print(f"portfolio-lib {name}: invalid data: {error}", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError, TypeError) as error:
        print(f"portfolio-lib {name}: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # engine errors: unreadable files, no file matches a glob
        if type(error).__module__.lstrip("_").startswith(("duckdb", "pyspark", "py4j")):
            print(f"portfolio-lib {name}: {type(error).__name__}: {error}", file=sys.stderr)
            return 2
        raise


def _summary(args: argparse.Namespace, engine: Engine | str, *, calibration: str | None) -> object:
    from portfolio_lib.engines import summary

    columns = Columns.parse(args.columns)
    if calibration is None:
        return summary.summary_from_transactions(
            _source(args.logs), observation_end=args.observation_end, unit=args.unit,
            columns=columns, late=args.late, engine=engine,
        )  # fmt: skip
    return summary.calibration_holdout(
        _source(args.logs), calibration_end=calibration, observation_end=args.observation_end,
        unit=args.unit, columns=columns, late=args.late, engine=engine,
    )  # fmt: skip


def _as_engine_table(result: object, key: str) -> EngineTable:
    if isinstance(result, EngineTable):
        return result
    engine = DuckDBEngine()
    frame = result.reset_index()  # type: ignore[attr-defined]
    return EngineTable(engine, engine.register(frame.rename(columns={"index": key})))


def _write(table: EngineTable, out: str, progress: _Progress) -> None:
    progress(f"write {out}")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    table.write_parquet(out)


def _clv(argv: Sequence[str]) -> int:
    from portfolio_lib.engines import models

    args = _parse(
        "clv", _CLV_DESCRIPTION, argv, _CLV_OPTIONS, out_help="output Parquet file of the scores"
    )
    columns = Columns.parse(args.columns)
    key = columns.customer_id
    progress = _Progress(4, args.quiet)
    progress(f"summary on {args.engine}")
    engine = _engine(args)
    summary = _as_engine_table(_summary(args, engine, calibration=args.calibration_end), key)
    progress("sufficient statistics and fits")
    fitted = models.fit_models(summary, unit=args.unit, purchase_model=args.purchase_model)
    progress("scores per unique row, joined back to the customers")
    scores = models.score_customers(
        summary, fitted, horizon=args.horizon, annual_discount_rate=args.discount_rate,
        margin=args.margin, key=key,
    )  # fmt: skip
    if args.calibration_end is not None:
        eng = scores.engine
        k = eng.quote(key)
        scores = EngineTable(eng, eng.create_view(
            f"SELECT s.*, c.frequency_holdout, c.monetary_holdout, c.duration_holdout "
            f"FROM {scores.view} s JOIN {summary.view} c ON s.{k} = c.{k}"
        ))  # fmt: skip
    _write(scores, args.out, progress)
    totals = scores.engine.fetch(
        f"SELECT COUNT(*) AS customers, SUM(clv) AS total_clv, AVG(prob_alive) AS mean_alive "
        f"FROM {scores.view}"
    ).iloc[0]
    progress("")
    report = {
        "engine": args.engine,
        "observation_end": args.observation_end,
        "calibration_end": args.calibration_end,
        "unit": args.unit,
        "horizon": args.horizon,
        "annual_discount_rate": args.discount_rate,
        "margin": args.margin,
        "compression": fitted.compression,
        "models": {
            "purchase": fitted.purchase.summary().model,
            "spend": fitted.spend.summary().model,
        },
        "parameters": fitted.parameters(),
        "customers": int(totals["customers"]),
        "total_clv": float(totals["total_clv"]),
    }
    path = parameters_path(args.out)
    path.write_text(json.dumps(report, indent=2))
    print(fitted.purchase.summary())
    print(fitted.spend.summary())
    print(
        f"{int(totals['customers'])} customers scored ({fitted.compression['purchase_rows']} "
        f"unique (frequency, recency, T) rows, {fitted.compression['spend_rows']} unique "
        f"(frequency, monetary_value) rows); total CLV {float(totals['total_clv']):,.2f}; "
        f"mean P(alive) {float(totals['mean_alive']):.3f}"
    )
    print(f"Scores: {args.out}\nParameters: {path}")
    return 0


def _rfm(argv: Sequence[str]) -> int:
    from portfolio_lib.engines import rfm

    args = _parse("rfm", _RFM_DESCRIPTION, argv, _RFM_OPTIONS, unit=False)
    columns = Columns.parse(args.columns)
    key = columns.customer_id
    progress = _Progress(3, args.quiet)
    progress(f"RFM table on {args.engine}")
    engine = _engine(args)
    table = _as_engine_table(
        rfm.rfm_table(
            _source(args.logs), observation_end=args.observation_end, columns=columns,
            late=args.late, return_only=args.return_only, engine=engine,
        ),
        key,
    )  # fmt: skip
    progress("scores and segments")
    scoring = rfm.rfm_scores(table, bins=args.bins, ties=args.ties, key=key)
    segments = rfm.rfm_segments(scoring, key=key)
    eng = table.engine
    k = eng.quote(key)
    joined = EngineTable(eng, eng.create_view(
        f"SELECT t.{k}, t.recency_days, t.frequency, t.monetary_total, t.monetary_mean, "
        f"s.R, s.F, s.M, s.RFM, s.FM, s.segment FROM {table.view} t JOIN {segments.view} s "
        f"ON t.{k} = s.{k}"
    ))  # fmt: skip
    _write(joined, args.out, progress)
    counts = eng.fetch(
        f"SELECT segment, COUNT(*) AS customers FROM {joined.view} GROUP BY segment "
        "ORDER BY customers DESC, segment"
    )
    progress("")
    print("cut points:", {d: [round(c, 4) for c in v] for d, v in scoring.thresholds.items()})
    print(counts.to_string(index=False))
    print(f"RFM: {args.out}")
    return 0


def _summarize(argv: Sequence[str]) -> int:
    args = _parse("summarize", _SUMMARIZE_DESCRIPTION, argv, _SUMMARIZE_OPTIONS)
    key = Columns.parse(args.columns).customer_id
    progress = _Progress(2, args.quiet)
    progress(f"summary on {args.engine}")
    table = _as_engine_table(_summary(args, _engine(args), calibration=args.calibration_end), key)
    _write(table, args.out, progress)
    overview = table.engine.fetch(
        "SELECT COUNT(*) AS customers, AVG(CASE WHEN frequency > 0 THEN 1.0 ELSE 0.0 END) "
        f"AS repeat_share, AVG(frequency) AS mean_frequency FROM {table.view}"
    )
    progress("")
    print(pd.DataFrame(overview).to_string(index=False))
    print(f"Summary: {args.out}")
    return 0


def clv_main(argv: Sequence[str]) -> int:
    """``python -m portfolio_lib clv ...`` (see ``--help``); returns the exit code."""
    return _run("clv", _clv, argv)


def rfm_main(argv: Sequence[str]) -> int:
    """``python -m portfolio_lib rfm ...`` (see ``--help``); returns the exit code."""
    return _run("rfm", _rfm, argv)


def summarize_main(argv: Sequence[str]) -> int:
    """``python -m portfolio_lib summarize ...`` (see ``--help``); returns the exit code."""
    return _run("summarize", _summarize, argv)
