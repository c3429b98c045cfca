"""How the journey functions read an event log: the options, defined and documented once.

Every journey function that reads a raw event log takes the same keywords under the same
names: the columns of person, time and stage and the stage order (:class:`EventColumns`);
the functions that build conversion paths also take the touchpoint column, the conversion
stage, the attribution window and the path separator (:class:`PathOptions`). Here each
option has its one default, its one check and its one description:

* the frozen dataclasses hold the defaults and check the values when they are built;
* the ``TypedDict`` classes give the same keywords to type checkers, so that a function is
  written ``def f(events, *, by=None, **columns: Unpack[EventColumnArgs])``;
* :func:`takes_options` makes such a function show the options as ordinary keyword
  parameters (``inspect.signature``, ``help``), rejects an unknown keyword with Python's own
  ``TypeError`` and writes the options' documentation where its docstring says ``{options}``.

Examples
--------
>>> PathOptions(window_days=30).conversion_stage
'purchase'
>>> EventColumns(customer_col="person").columns()["customer_col"]
'person'
>>> PathOptions(window_days=-1)
Traceback (most recent call last):
...
ValueError: window_days must be a positive number of days or None, got -1
"""

from __future__ import annotations

import functools
import inspect
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, ParamSpec, TypedDict, TypeVar

from portfolio_lib import crm

__all__ = ["EventColumnArgs", "EventColumns", "PathArgs", "PathOptions", "takes_options"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


class EventColumnArgs(TypedDict, total=False):
    """The keywords of :class:`EventColumns`, for ``**columns: Unpack[EventColumnArgs]``."""

    customer_col: str
    time_col: str
    stage_col: str
    stages: Sequence[str]


class PathArgs(EventColumnArgs, total=False):
    """The keywords of :class:`PathOptions`, for ``**options: Unpack[PathArgs]``."""

    touchpoint_col: str
    conversion_stage: str
    window_days: float | None
    separator: str


def _option(default: object, kind: str, doc: str) -> Any:
    """A dataclass field with its default and, for the docstrings, its type and meaning."""
    return field(default=default, metadata={"kind": kind, "doc": doc})


@dataclass(frozen=True)
class EventColumns:
    """Columns of person, touch time and stage in an event log, and the stage order."""

    customer_col: str = _option("customer_id", "str", "Column of the person id.")
    time_col: str = _option("timestamp", "str", "Column of the touch time (a date-time).")
    stage_col: str = _option("stage", "str", "Column of the journey stage of the touch.")
    stages: Sequence[str] = _option(
        crm.STAGES, "sequence of str", "Stage names in journey order; default :data:`STAGES`."
    )

    def __post_init__(self) -> None:
        order = tuple(self.stages)
        if len(order) < 2 or len(set(order)) != len(order):
            raise ValueError(f"stages must be at least two distinct names in order, got {order!r}")
        object.__setattr__(self, "stages", order)

    def columns(self) -> dict[str, Any]:
        """The :class:`EventColumns` keywords (``customer_col``, ..., ``stages``) as a dict."""
        return {f.name: getattr(self, f.name) for f in fields(EventColumns)}


@dataclass(frozen=True)
class PathOptions(EventColumns):
    """How an event log becomes conversion paths: :class:`EventColumns` and four more."""

    touchpoint_col: str = _option(
        "channel",
        "str",
        'What a touch is credited to (``"channel"``, ``"campaign_id"``, ...); must be '
        "non-missing on the touches used.",
    )
    conversion_stage: str = _option(
        "purchase", "str", "Stage that counts as converting (reaching it or a later stage)."
    )
    window_days: float | None = _option(
        None,
        "float or None",
        "Attribution window in days: only touches at most this many days before the "
        "conversion (for non-converters: before their last touch) count; ``None``: all "
        "touches. Needs touch times (raw events).",
    )
    separator: str = _option(" > ", "str", "Joins the touchpoints of a path.")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.conversion_stage not in self.stages:
            raise ValueError(
                f"conversion_stage {self.conversion_stage!r} is not one of {list(self.stages)}"
            )
        if self.window_days is not None and not self.window_days > 0:
            raise ValueError(
                f"window_days must be a positive number of days or None, got {self.window_days}"
            )


def _ordered(options: type[EventColumns]) -> list[Field[Any]]:
    """The fields of ``options``, its own before the inherited :class:`EventColumns` ones."""
    common = {f.name for f in fields(EventColumns)}
    return sorted(fields(options), key=lambda f: f.name in common)


def _documented(option: Field[Any]) -> str:
    default = option.default
    shown = ":data:`STAGES`" if default is crm.STAGES else f"``{default!r}``"
    text = option.metadata["doc"]
    if "default" not in text:
        text += f" Default {shown}."
    body = textwrap.fill(
        text, width=88, initial_indent="    ", subsequent_indent="    ", break_on_hyphens=False
    )
    return f"{option.name} : {option.metadata['kind']}\n{body}"


def takes_options(
    options: type[EventColumns],
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorator for a function whose last parameter is ``**options`` of ``options``.

    The decorated function checks its keywords as Python does for explicit ones (an unknown
    keyword raises ``TypeError`` naming it), shows the options as keyword-only parameters
    with their defaults in its signature, and has the line ``{options}`` of its docstring
    replaced by the options' numpydoc entries. It still receives them as ``**options``.

    Examples
    --------
    >>> @takes_options(EventColumns)
    ... def count(events: list, **columns: object) -> int:
    ...     '''Count.
    ...
    ...     Parameters
    ...     ----------
    ...     {options}
    ...     '''
    ...     return len(events)
    >>> list(inspect.signature(count).parameters)
    ['events', 'customer_col', 'time_col', 'stage_col', 'stages']
    >>> count([], colour="red")
    Traceback (most recent call last):
    ...
    TypeError: count() got an unexpected keyword argument 'colour'
    """

    def decorate(function: Callable[_P, _R]) -> Callable[_P, _R]:
        signature = inspect.signature(function)
        *head, rest = signature.parameters.values()
        if rest.kind is not inspect.Parameter.VAR_KEYWORD:
            raise TypeError(f"{function.__qualname__} must end with **options")
        expanded = [
            inspect.Parameter(
                f.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if f.default is MISSING else f.default,
                annotation=f.type,
            )
            for f in _ordered(options)
        ]
        shown = signature.replace(parameters=[*head, *expanded])

        @functools.wraps(function)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                shown.bind(*args, **kwargs)
            except TypeError as error:
                raise TypeError(f"{function.__name__}() {error}") from None
            return function(*args, **kwargs)

        wrapper.__signature__ = shown  # type: ignore[attr-defined]
        wrapper.__doc__ = _fill(function.__doc__ or "", options)
        return wrapper

    return decorate


def _fill(doc: str, options: type[EventColumns]) -> str:
    """``doc`` with its line ``{options}`` replaced by the entries of ``options``, indented."""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "{options}":
            indent = line[: len(line) - len(line.lstrip())]
            entries = "\n".join(_documented(f) for f in _ordered(options)).splitlines()
            lines[i : i + 1] = [indent + entry for entry in entries]
    return "\n".join(lines) + ("\n" if doc.endswith("\n") else "")
