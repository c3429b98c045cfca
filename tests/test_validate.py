"""One input contract: every function that takes transactions checks them the same way.

The same malformed log gives the same DataValidationError (same text, same example rows)
from every function; ISO text dates are read everywhere; rows after the observation end
raise everywhere unless ``late="drop"``; the renamed ``is_return_col`` warns and still works;
one confidence check and one seed rule; no module imports another module's private helper.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import DataValidationError, _validate, describe
from portfolio_lib.churn import ChurnBoosting, ChurnFeatures, churn_features, roc_auc
from portfolio_lib.clv import calibration_holdout, summary_from_transactions
from portfolio_lib.journey import deepening_summary
from portfolio_lib.portfolio import cohort_retention, retention_rate
from portfolio_lib.rfm import rfm_table
from portfolio_lib.satisfaction import nps_from_counts
from portfolio_lib.segmentation import fit_segments, segment_stability
from portfolio_lib.trends import period_kpis

PACKAGE = Path(__file__).resolve().parents[1] / "portfolio_lib"
END = pd.Timestamp("2024-12-31")


def _log() -> pd.DataFrame:
    """A small valid log with every column any of the functions below reads."""
    rows = [
        # customer, date, amount, category, points earned/redeemed, campaign, return flag
        ("a", "2024-01-02", 50.0, "home", 5, 0, None, False),
        ("a", "2024-01-20", 30.0, "fashion", 3, 0, "K1", False),
        ("a", "2024-02-10", -10.0, "fashion", 0, 0, None, True),
        ("a", "2024-06-01", 80.0, "home", 8, 2, None, False),
        ("b", "2024-01-05", 20.0, "home", 2, 0, None, False),
        ("b", "2024-03-15", 25.0, "beauty", 2, 0, "K2", False),
        ("b", "2024-09-30", 40.0, "home", 4, 0, None, False),
        ("c", "2024-02-01", 15.0, "beauty", 1, 0, None, False),
        ("c", "2024-11-20", 60.0, "home", 6, 0, None, False),
        ("d", "2024-04-04", 35.0, "fashion", 3, 0, None, False),
    ]
    columns = ["customer_id", "date", "amount", "category", "points_earned", "points_redeemed",
               "campaign_id", "is_return"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


#: Every function here takes a transaction log and an observation end (``late`` passes through).
WITH_END: dict[str, Callable[..., object]] = {
    "rfm_table": lambda tx, **kw: rfm_table(tx, observation_end=END, **kw),
    "summary_from_transactions": lambda tx, **kw: summary_from_transactions(
        tx, observation_end=END, unit="D", **kw
    ),
    "calibration_holdout": lambda tx, **kw: calibration_holdout(
        tx, calibration_end="2024-06-30", observation_end=END, unit="D", **kw
    ),
    "churn_features": lambda tx, **kw: churn_features(
        tx, cutoff="2024-07-01", window_days=90, lookback_days=90, observation_end=END, **kw
    ),
    "deepening_summary": lambda tx, **kw: deepening_summary(
        tx, observation_end=END, window_days=30, value_days=60, **kw
    ),
    "cohort_retention": lambda tx, **kw: cohort_retention(tx, observation_end=END, **kw),
    "period_kpis": lambda tx, **kw: period_kpis(tx, observation_end=END, **kw),
}
#: ... and these take a log without an end.
WITHOUT_END: dict[str, Callable[..., object]] = {
    "describe.monthly_revenue": lambda tx: describe.monthly_revenue(tx),
    "segment_stability": lambda tx: segment_stability(
        tx,
        ["2024-06-30", "2024-12-31"],
        bins=2,
        rules=[("active", 2, 2, 1, 2), ("lapsing", 1, 1, 1, 2)],
    ),  # fmt: skip
}
ALL = {**WITH_END, **WITHOUT_END}


def _set(column: str, row: int, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(tx: pd.DataFrame) -> pd.DataFrame:
        tx[column] = tx[column].astype(object)
        tx.loc[row, column] = value
        return tx

    return change


MALFORMED: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "missing date column": lambda tx: tx.drop(columns="date"),
    "missing customer id": _set("customer_id", 3, None),
    "day-first text date": lambda tx: tx.assign(date=tx["date"].dt.strftime("%d/%m/%Y")),
    "unreadable date": _set("date", 4, "not a date"),
    "missing date": _set("date", 2, pd.NaT),
    "date as a number": lambda tx: tx.assign(date=tx["date"].dt.year),
    "amount as text": lambda tx: tx.assign(amount=tx["amount"].astype(str)),
    "missing amount": _set("amount", 5, np.nan),
    "infinite amount": _set("amount", 5, np.inf),
    "return flag not boolean": _set("is_return", 1, "yes"),
    "missing return flag": _set("is_return", 1, None),
    "flagged return with a positive amount": _set("is_return", 0, True),
}


def _reference_message(tx: pd.DataFrame, *, end: pd.Timestamp | None) -> str:
    with pytest.raises(DataValidationError) as info:
        _validate.transactions(tx, end=end)
    return str(info.value)


@pytest.mark.parametrize("case", list(MALFORMED))
@pytest.mark.parametrize("function", list(ALL))
def test_the_same_malformed_log_gives_the_same_error_everywhere(function, case):
    bad = MALFORMED[case](_log())
    expected = _reference_message(bad, end=END if function in WITH_END else None)
    with pytest.raises(DataValidationError) as info:
        ALL[function](bad)
    assert str(info.value) == expected


@pytest.mark.parametrize("function", list(WITH_END))
def test_rows_after_the_end_raise_everywhere_and_drop_only_on_request(function):
    late = pd.concat(
        [_log(), _log().iloc[[0]].assign(date=END + pd.Timedelta(days=3))], ignore_index=True
    )
    with pytest.raises(DataValidationError) as info:
        WITH_END[function](late)
    message = str(info.value)
    assert message == _reference_message(late, end=END)
    assert "column date has dates after observation_end 2024-12-31" in message
    assert "late='drop'" in message and "2025-01-03" in message  # the way out, the row
    _assert_same(WITH_END[function](late, late="drop"), WITH_END[function](_log()))


@pytest.mark.parametrize("function", list(ALL))
def test_iso_text_dates_are_read_as_dates_everywhere(function):
    text = _log().assign(date=_log()["date"].dt.strftime("%Y-%m-%d"))
    _assert_same(ALL[function](text), ALL[function](_log()))


def _assert_same(ours: object, theirs: object) -> None:
    """Equal results of the same function (tables compared by value)."""
    for attribute in ("table", "features", "customers", "counts", "labels"):
        if hasattr(ours, attribute) and not isinstance(ours, pd.DataFrame):
            ours, theirs = getattr(ours, attribute), getattr(theirs, attribute)
            break
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)


def test_validator_returns_canonical_columns_and_row_positions():
    tx = _log()
    tx.loc[9, "date"] = END + pd.Timedelta(days=1)
    clean = _validate.transactions(tx, end=END, late="drop")
    assert list(clean.columns) == list(_validate.TRANSACTION_COLUMNS)
    assert list(clean.index) == list(range(9))  # positions in the input; the late row left out
    assert clean["is_return"].tolist() == [False, False, True] + [False] * 6
    assert (clean["day"] == clean["day"].dt.normalize()).all()
    with pytest.raises(ValueError, match="late"):
        _validate.transactions(tx, end=END, late="ignore")


def test_time_zone_aware_dates_are_read_at_their_wall_clock_day():
    tx = _log()
    tx["date"] = (tx["date"] + pd.Timedelta(hours=23)).dt.tz_localize("Asia/Tehran")
    clean = _validate.transactions(tx)
    pd.testing.assert_series_equal(
        clean["day"], _log()["date"].rename("day"), check_dtype=False, check_index=False
    )


def test_integer_return_flags_are_accepted():
    tx = _log().assign(is_return=_log()["is_return"].astype(int))
    _assert_same(rfm_table(tx, observation_end=END), rfm_table(_log(), observation_end=END))


# ------------------------------------------------------------------ the renamed argument
@pytest.mark.parametrize(
    "call",
    [
        lambda **kw: rfm_table(_log(), observation_end=END, **kw),
        lambda **kw: cohort_retention(_log(), observation_end=END, **kw),
        lambda **kw: segment_stability(
            _log(),
            ["2024-06-30", "2024-12-31"],
            bins=2,
            rules=[("active", 2, 2, 1, 2), ("lapsing", 1, 1, 1, 2)],
            **kw,
        ),  # fmt: skip
    ],
    ids=["rfm_table", "cohort_retention", "segment_stability"],
)
def test_is_return_col_still_works_and_warns_naming_return_col(call):
    with pytest.warns(DeprecationWarning, match="is_return_col.*return_col"):
        old = call(is_return_col=None)
    _assert_same(old, call(return_col=None))
    with pytest.raises(TypeError, match="return_col"):
        call(is_return_col="returned", return_col="other")


def test_the_renamed_flag_column_is_used():
    tx = _log().rename(columns={"is_return": "returned"})
    tx.loc[0, "returned"] = True  # a positive amount flagged as a return: refused
    with pytest.raises(DataValidationError, match="returned"):
        rfm_table(tx, observation_end=END, return_col="returned")
    with pytest.warns(DeprecationWarning), pytest.raises(DataValidationError, match="returned"):
        rfm_table(tx, observation_end=END, is_return_col="returned")


# ------------------------------------------------------------------- confidence and seeds
@pytest.mark.parametrize("value", [0, 1, 1.5, -0.1, True, "0.95", None, float("nan")])
@pytest.mark.parametrize(
    "call",
    [
        lambda c: _validate.confidence(c),
        lambda c: retention_rate(200, 40, 220, confidence=c),
        lambda c: nps_from_counts(5, 3, 2, confidence=c),
        lambda c: roc_auc(np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.3, 0.6]), confidence=c),
    ],
    ids=["_validate", "portfolio", "satisfaction", "churn"],
)
def test_one_confidence_check(call, value):
    with pytest.raises(ValueError, match="confidence must be a number strictly between 0 and 1"):
        call(value)


def test_one_seed_rule_in_segmentation_and_churn():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 30), rng.normal(6, 1, 30)]})
    y = pd.Series(np.arange(60) % 3 == 0, index=X.index)
    data = ChurnFeatures(X.rename(columns={"x": "recency_days"}), y, END, 90, 90)
    for seed in (0, 7, 2024):
        expected = _validate.random_state(seed)
        assert expected == int(np.random.default_rng(seed).integers(0, 2**31 - 1))
        assert fit_segments(X, 2, seed=seed).model.random_state == expected
        assert ChurnBoosting(seed=seed).fit(data).model_.random_state == expected
    generator = np.random.default_rng(7)
    first, second = _validate.random_state(generator), _validate.random_state(generator)
    assert first == _validate.random_state(7) and second != first  # a Generator advances


# ---------------------------------------------------------------------- the import rule
#: Imports of another module's private helper in files outside the transaction-contract work
#: (issue 12), known when the rule was written. Each should go (share the helper through a
#: private module, as ``portfolio_lib._validate`` does), and then its line here:
#: test_known_private_imports_still_exist fails until it is, so the list only shrinks.
#: Never add a line to make a new import pass.
KNOWN: set[tuple[str, str, str]] = set()


def _private_imports() -> set[tuple[str, str, str]]:
    """(file, module, name) of every ``from portfolio_lib.X import _name`` where X is public.

    A module is private when its own name starts with ``_`` (``_validate``, ``_errors``,
    ``portfolio._margin``): shared private modules are how helpers are shared. Importing a
    private *module* (``from portfolio_lib import _validate``) is fine too.
    """
    root = PACKAGE.parent
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        package = path.relative_to(root).parent.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            parts = (node.module or "").split(".") if node.module else []
            if node.level:
                parts = [*package[: len(package) - node.level + 1], *parts]
            if not parts or parts[0] != PACKAGE.name or parts[-1].startswith("_"):
                continue
            folder = root.joinpath(*parts)
            for alias in node.names:
                name = alias.name
                if not name.startswith("_") or name.startswith("__"):
                    continue
                if (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file():
                    continue  # a private module, imported as a module
                found.add((path.relative_to(root).as_posix(), ".".join(parts), name))
    return found


def test_no_module_imports_another_modules_private_helper():
    new = sorted(_private_imports() - KNOWN)
    assert not new, (
        "import the shared helper from a private module (portfolio_lib._validate, "
        f"portfolio_lib._errors, ...) instead of another module's private name: {new}"
    )


def test_known_private_imports_still_exist():
    fixed = sorted(KNOWN - _private_imports())
    assert not fixed, f"fixed, so remove from KNOWN in {__file__}: {fixed}"


def test_the_import_rule_catches_a_private_import(tmp_path, monkeypatch):
    fake = tmp_path / "portfolio_lib"
    (fake / "churn").mkdir(parents=True)
    for module in ("__init__.py", "_validate.py", "churn/__init__.py"):
        (fake / module).write_text("")
    (fake / "churn" / "x.py").write_text(
        "from portfolio_lib.rfm import _as_day\nfrom portfolio_lib import _validate\n"
        "from portfolio_lib._errors import as_generator\nfrom .y import _helper\n"
    )
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    assert _private_imports() == {
        ("portfolio_lib/churn/x.py", "portfolio_lib.rfm", "_as_day"),
        ("portfolio_lib/churn/x.py", "portfolio_lib.churn.y", "_helper"),
    }
