"""Small helpers shared by the journey modules (not public API)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, format_examples
from portfolio_lib._intervals import wilson_interval
from portfolio_lib.journey.stages import stage_label, validate_events


def checked_events(
    events: pd.DataFrame,
    *,
    customer_col: str,
    time_col: str,
    stage_col: str,
    stages: Sequence[str],
    extra_cols: Sequence[str] = (),
) -> pd.DataFrame:
    """Validated, sorted copy of an event log (raises on any bad row)."""
    result = validate_events(
        events,
        customer_col=customer_col,
        time_col=time_col,
        stage_col=stage_col,
        stages=stages,
        extra_cols=extra_cols,
        errors="raise",
    )
    if result.events.empty:
        raise DataValidationError("events has no rows; a journey analysis needs at least one touch")
    return result.events


def person_groups(
    clean: pd.DataFrame,
    by: str | pd.Series | None,
    *,
    customer_col: str,
) -> pd.Series:
    """One group label per person (index = person id), from a column or a mapping.

    A column name takes the value on the person's first touch (in time order);
    a Series maps person id -> group and must cover every person in the log.
    """
    people = pd.Index(clean[customer_col].unique(), name=customer_col)
    if by is None:
        return pd.Series("all", index=people, name="group", dtype="object")
    if isinstance(by, str):
        if by not in clean.columns:
            raise DataValidationError(
                f"events has no column {by!r} to group by; columns present: {list(clean.columns)}"
            )
        missing = clean[by].isna()
        if missing.any():
            raise DataValidationError(
                f"events: column {by!r} (used for grouping) is missing in {int(missing.sum())} "
                "rows. Examples:\n" + format_examples(clean.loc[missing, [customer_col, by]])
            )
        first = clean.groupby(customer_col, sort=False)[by].first()
        return first.reindex(people).rename("group").astype("object")
    if isinstance(by, pd.Series):
        groups = by.reindex(people)
        lacking = groups.isna()
        if lacking.any():
            shown = pd.DataFrame({customer_col: people[lacking.to_numpy()]})
            raise DataValidationError(
                f"by: the group mapping has no value for {int(lacking.sum())} of {len(people)} "
                f"people ({customer_col} not in its index or mapped to a missing value). "
                "Examples:\n" + format_examples(shown)
            )
        return groups.rename("group").astype("object")
    raise TypeError(f"by must be None, a column name or a pandas Series, got {type(by).__name__}")


def wilson(
    successes: np.ndarray, trials: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (:func:`portfolio_lib._intervals.wilson_interval`), NaN where
    there are no trials."""
    return wilson_interval(successes, trials, alpha=alpha, empty="nan")


def check_alpha(alpha: float) -> float:
    """``alpha`` (1 - confidence, e.g. 0.05 for 95 % intervals), checked like a confidence."""
    return _validate.confidence(alpha, name="alpha")


def undefined_note(where: Sequence[object], what: str, why: str) -> str:
    """One sentence saying that ``what`` is NaN by definition at ``where`` ("" if nowhere).

    For results of degenerate but valid input (one person, no variation): a ratio 0/0 or a
    mean of no one is left NaN - the right answer - and the result says so in its ``note``.

    Examples
    --------
    >>> undefined_note(["decision"], "step_conversion", "no one reached the stage before")
    'step_conversion is NaN (undefined) for decision: no one reached the stage before'
    """
    if not len(where):
        return ""
    return f"{what} is NaN (undefined) for {', '.join(str(w) for w in where)}: {why}"


def funnel_table(
    reached_by_group: Iterable[tuple[object, np.ndarray, int]],
    order: Sequence[str],
    alpha: float,
    *,
    grouped: bool,
) -> pd.DataFrame:
    """The stage funnel table from people reached per stage, one block per group.

    ``reached_by_group`` yields ``(group, reached, n_people)``: the people of the group who
    reached each stage of ``order`` and all its people. ``grouped`` adds the ``group``
    column. Stages whose step conversion is 0/0 are NaN and named in ``attrs["note"]``.
    Shared by :func:`portfolio_lib.journey.stage_funnel` and its engine version.

    Examples
    --------
    >>> t = funnel_table([("all", np.array([2, 1, 0]), 2)], ("a", "b", "c"), 0.05, grouped=False)
    >>> t["lost"].tolist(), t["step_conversion"].tolist()
    ([0, 1, 1], [1.0, 0.5, 0.0])
    """
    tables = []
    for group, reached, n_people in reached_by_group:
        previous = np.concatenate([[n_people], reached[:-1]])
        step = np.divide(reached, previous, out=np.full(len(order), np.nan), where=previous > 0)
        step_low, step_high = wilson(reached, previous, alpha)
        overall_low, overall_high = wilson(reached, np.full(len(order), n_people), alpha)
        table = pd.DataFrame(
            {
                "stage": list(order),
                "label": [stage_label(s) for s in order],
                "reached": reached.astype("int64"),
                "lost": (previous - reached).astype("int64"),
                "step_conversion": step,
                "step_ci_low": step_low,
                "step_ci_high": step_high,
                "drop_off_rate": 1.0 - step,
                "overall_conversion": reached / n_people,
                "overall_ci_low": overall_low,
                "overall_ci_high": overall_high,
            }
        )
        if grouped:
            table.insert(0, "group", group)
        tables.append(table)
    out = pd.concat(tables, ignore_index=True)
    undefined = out.loc[out["step_conversion"].isna(), "stage"].unique()
    note = undefined_note(undefined, "step_conversion", "no one reached the stage before it")
    if note:
        out.attrs["note"] = note
    return out


def ranked_paths(counts: pd.DataFrame) -> pd.DataFrame:
    """Path counts most frequent first (people), ties in path order, with int64 counts.

    ``counts`` has one row per path: ``path``, ``conversions``, ``non_conversions``.
    Shared by :func:`portfolio_lib.journey.conversion_paths` and its engine version.

    Examples
    --------
    >>> counts = pd.DataFrame({"path": ["b", "a", "c"], "conversions": [1, 0, 2],
    ...                        "non_conversions": [0, 1, 1]})
    >>> ranked_paths(counts)["path"].tolist()
    ['c', 'a', 'b']
    """
    out = counts.astype({"path": str, "conversions": "int64", "non_conversions": "int64"})
    out = out.sort_values("path", kind="mergesort")
    people = (out["conversions"] + out["non_conversions"]).to_numpy()
    out = out.iloc[np.argsort(-people, kind="stable")]
    return out.reset_index(drop=True)[["path", "conversions", "non_conversions"]]
