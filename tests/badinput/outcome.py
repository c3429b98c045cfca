"""Sort what a call did: a clear error, an accepted result, a silent wrong result, a crash.

* **error** - ``DataValidationError``, ``TypeError`` or ``ValueError`` whose message names
  the argument or one of its columns (or the table's name);
* **crash** - any other exception (``KeyError``, ``IndexError``, ``ZeroDivisionError``,
  numpy broadcast errors, ...), or one of the three whose message names nothing;
* **silent** - a result with unexplained NaN/inf, an empty result, dates outside a plausible
  window, numbers far outside what valid input gives, or a broken invariant (a rate outside
  [0, 1], a negative count, repeated customer ids) - *unexplained* meaning that no warning was
  issued and the result carries no ``note``;
* **accepted** - anything else.

A result that sorts the input's rows into parts (a validation report: ``clean``,
``returns``, ``rejected`` with a reason per row) is judged on its accepted parts only: the
``rejected`` part holds the bad rows by design, and an empty part only means the rows went
to another one (one row is clean or rejected, never both).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_lib import DataValidationError

LOW_DATE = pd.Timestamp("1900-01-01")
HIGH_DATE = pd.Timestamp("2090-01-01")
#: Columns that are rates or probabilities: must lie in [0, 1].
RATE = re.compile(r"(^|_)(rate|share|prob|probability|p_value|p_alive|penetration|coverage)($|_)")
#: Rate-like names that are not proportions.
NOT_RATE = re.compile(r"purchase_rate|dropout_rate|rate_ratio|hazard")
#: Columns that are counts: must be >= 0.
COUNT = re.compile(r"^(n|n_.*|count|.*_count|customers|frequency|buyers|responses)$")
#: Messages of internal errors that name nothing, whatever their type.
INTERNAL = re.compile(
    r"not subscriptable|has no attribute|unsupported operand|not supported between instances"
    r"|cannot reindex|could not broadcast|operands could not be broadcast|Shape of passed"
    r"|No objects to concatenate|unhashable|Invalid value .*DatetimeArray|index out of bounds"
    r"|object of type .* has no len|must be real number|Cannot compare|Length mismatch"
    r"|can only concatenate|is not iterable|argument of type|missing \d+ required positional"
)


@dataclass(frozen=True)
class Outcome:
    """One call's outcome: ``kind`` in error/accepted/silent/crash and what was seen."""

    kind: str
    detail: str


def _frames(value: object, depth: int = 0) -> Iterator[tuple[str, object]]:
    """The frames, Series, arrays, timestamps and numbers inside a result (named by path)."""
    if depth > 2 or value is None:
        return
    if isinstance(value, pd.DataFrame | pd.Series | np.ndarray | pd.Timestamp | float | int):
        yield "", value
        return
    fields: dict[str, object] = {}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    elif hasattr(value, "__attrs_attrs__"):
        fields = {a.name: getattr(value, a.name) for a in value.__attrs_attrs__}
    elif isinstance(value, dict):
        fields = {str(k): v for k, v in value.items()}
    elif isinstance(value, tuple | list) and len(value) < 20:
        fields = {str(i): v for i, v in enumerate(value)}
    for name, field in fields.items():
        if isinstance(field, bool | str) or callable(field):
            continue
        for sub, found in _frames(field, depth + 1):
            yield (f"{name}.{sub}" if sub else name), found


def _note(value: object) -> str:
    """The result's own explanation: its ``note`` (or ``notes``), or a table's ``attrs["note"]``."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return str(value.attrs.get("note", "") or "")
    for attr in ("note", "notes"):
        note = getattr(value, attr, None)
        if note:
            return str(note)
    return ""


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.select_dtypes(include=[np.number])


def _as_frame(value: object) -> pd.DataFrame | None:
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, pd.Series):
        return value.to_frame(name=str(value.name) if value.name is not None else "value")
    if isinstance(value, np.ndarray) and value.ndim <= 2 and value.dtype != object:
        if value.ndim == 0:
            return pd.DataFrame({"value": [value.item()]})
        return pd.DataFrame(value.reshape(len(value), -1) if value.size else {"value": []})
    if isinstance(value, float | int) and not isinstance(value, bool):
        return pd.DataFrame({"value": [value]})
    if isinstance(value, pd.Timestamp):
        return pd.DataFrame({"value": [value]})
    return None


#: Kinds after which values far larger than on valid input point to a misread date.
DATE_KINDS = frozenset({"int_dates", "text_dates", "old_date", "future_date", "mixed_tz"})


def problems(
    result: object,
    baseline: object | None = None,
    *,
    kind: str = "",
    nan_ok: tuple[str, ...] = (),
) -> list[str]:
    """What is wrong with ``result`` (compared with the valid-input ``baseline``).

    An empty result is wrong unless the input was empty too (``kind="empty"``); NaN is
    wrong in a column that valid input fills, unless the function documents it
    (``nan_ok``); values ten times beyond valid input's are wrong after a date kind.
    """
    found: list[str] = []
    base_parts = dict(_frames(baseline)) if baseline is not None else {}
    sorts_rows = isinstance(getattr(result, "rejected", None), pd.DataFrame)
    for path, part in _frames(result):
        frame = _as_frame(part)
        if frame is None or (sorts_rows and path.split(".")[0] == "rejected"):
            continue
        where = path or "result"
        base = _as_frame(base_parts.get(path)) if path in base_parts else None
        if (
            kind != "empty"
            and not sorts_rows
            and len(frame) == 0
            and base is not None
            and len(base) > 0
            and frame.shape[1] > 0
        ):
            found.append(f"{where} is empty")
            continue
        numbers = _numeric(frame)
        for column in numbers.columns:
            values = numbers[column].to_numpy(dtype=float)
            name = str(column)
            if np.isinf(values).any():
                found.append(f"{where}[{name!r}] holds inf")
            nan = np.isnan(values)
            base_has_nan = (
                base is not None
                and column in base.columns
                and pd.api.types.is_numeric_dtype(base[column])
                and bool(base[column].isna().any())
            )
            if nan.any() and base is not None and not base_has_nan and name not in nan_ok:
                found.append(f"{where}[{name!r}] holds NaN ({int(nan.sum())} of {len(values)})")
            finite = values[np.isfinite(values)]
            ref_values = (
                pd.to_numeric(base[column], errors="coerce").dropna().to_numpy(dtype=float)
                if base is not None and column in base.columns
                else None
            )  # the invariant must hold on valid input for it to be checked
            is_rate = RATE.search(name.lower()) and not NOT_RATE.search(name.lower())
            if (
                is_rate
                and ref_values is not None
                and ((ref_values >= 0) & (ref_values <= 1)).all()
                and ((finite < -1e-9) | (finite > 1 + 1e-9)).any()
            ):
                found.append(f"{where}[{name!r}] is a rate outside [0, 1]: {finite.max():.3g}")
            if (
                COUNT.match(name.lower())
                and ref_values is not None
                and (ref_values >= 0).all()
                and (finite < 0).any()
            ):
                found.append(f"{where}[{name!r}] is a count below 0")
            if kind in DATE_KINDS and base is not None and column in base.columns and finite.size:
                ref = float(pd.to_numeric(base[column], errors="coerce").abs().max())
                if pd.api.types.is_datetime64_any_dtype(base[column]):
                    # dates on valid input, numbers here: integer dates passed on unread
                    found.append(
                        f"{where}[{name!r}] up to {np.abs(finite).max():.4g} "
                        f"(valid input: dates, up to {ref:.4g} ns)"
                    )
                elif pd.notna(ref) and ref > 0 and np.abs(finite).max() > 10 * ref + 1:
                    found.append(
                        f"{where}[{name!r}] up to {np.abs(finite).max():.4g} "
                        f"(valid input: up to {ref:.4g})"
                    )
        for column in frame.columns:
            series = frame[column]
            if pd.api.types.is_datetime64_any_dtype(series):
                stamps = series.dropna()
                if stamps.dt.tz is not None:
                    stamps = stamps.dt.tz_localize(None)
                if len(stamps) and (stamps.min() < LOW_DATE or stamps.max() > HIGH_DATE):
                    found.append(
                        f"{where}[{column!r}] has dates from {stamps.min().date()} to "
                        f"{stamps.max().date()}"
                    )
        if isinstance(part, pd.DataFrame | pd.Series) and base is not None:
            base_index = base_parts[path].index
            if base_index.is_unique and base_index.name and not part.index.is_unique:
                found.append(f"{where} has repeated {part.index.name!r} labels")
    return found


def _own_warning(category: type[Warning]) -> bool:
    """A warning that reports something to the user (not a library's numerical noise)."""
    if issubclass(category, DeprecationWarning | FutureWarning | RuntimeWarning):
        return False
    return category.__module__.split(".")[0] not in (
        "sklearn",
        "statsmodels",
        "numpy",
        "pandas",
        "scipy",
        "lifelines",
    )


def names_something(message: str, names: tuple[str, ...]) -> bool:
    """Whether ``message`` names one of ``names`` (an argument, a column, a table)."""
    lowered = message.lower()
    return any(n and str(n).lower() in lowered for n in names)


def classify(
    call: Callable[[], object],
    *,
    names: tuple[str, ...],
    baseline: object | None,
    kind: str = "",
    nan_ok: tuple[str, ...] = (),
) -> tuple[Outcome, object]:
    """Run ``call`` and sort its outcome; returns the outcome and the result (or exception)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except (DataValidationError, TypeError, ValueError) as exc:
            message = f"{type(exc).__name__}: {exc}"
            if INTERNAL.search(str(exc)) or not names_something(str(exc), names):
                return Outcome("crash", message[:400]), exc
            return Outcome("error", message[:200]), exc
        except Exception as exc:  # noqa: BLE001 - any other exception is a crash by definition
            return Outcome("crash", f"{type(exc).__name__}: {exc}"[:400]), exc
    reported = [str(w.message) for w in caught if _own_warning(w.category)]
    found = problems(result, baseline, kind=kind, nan_ok=nan_ok)
    if found and not reported and not _note(result):
        return Outcome("silent", "; ".join(found)[:400]), result
    return Outcome("accepted", "; ".join(reported)[:200]), result
