"""Helpful feedback for exercise check functions.

A check function never fails with a bare ``AssertionError``: it raises
:class:`CheckFailed`, whose text says what was expected and what the student
returned (without giving the solution away), and, on success, prints one line
``✔ Task N passed: <title>`` that the grader looks for and returns ``None`` (so a
check cell shows that line and nothing else).

Chapter check modules (``portfolio_lib/exercises/checks/chNN.py``) build their
``check_NN_T`` functions from the helpers here and the :func:`task_check`
decorator:

- one number: :func:`expect_number`, with ``slips=`` naming known mistakes
  (:func:`raise_on_slip` alone where a check needs it before other tests);
- several numbers or choices in one answer: :func:`expect_fields` first, then a
  helper per field;
- a choice: :func:`expect_choice`; a written answer: :func:`expect_keywords`,
  or :func:`expect_reason` for the ``reason=`` text that goes with a decision. A reason
  is not judged by its keywords alone: ``wrong=`` lists the :class:`Claim` s that
  contradict the student's data (found with their negations: "not significant" does not
  claim significance, "the p-value is not small" does not claim a small p-value), and
  ``cites=`` lists the :class:`Evidence` numbers of which the reason must quote one,
  checked against the student's own data;
- a table or a labelled series: :func:`expect_frame_columns`,
  :func:`expect_close_series`.

Examples
--------
>>> from portfolio_lib.exercises.feedback import expect_number, CheckFailed
>>> expect_number(42.0, 42.0, name="NPS")
>>> try:
...     expect_number(0.42, 42.0, name="NPS", unit="points", bounds=(-100, 100))
... except CheckFailed as failure:
...     print(failure)
NPS must be between -100 and 100 points; you returned 0.42 — multiply by 100?
"""

from __future__ import annotations

import functools
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "CheckFailed",
    "SUCCESS_MARK",
    "CHECK_NAME_PATTERN",
    "success_line",
    "check",
    "task_check",
    "as_real",
    "raise_on_slip",
    "expect_number",
    "expect_fields",
    "expect_choice",
    "expect_keywords",
    "Claim",
    "Evidence",
    "claims_made",
    "cited_numbers",
    "expect_reason",
    "expect_frame_columns",
    "expect_close_series",
]

SUCCESS_MARK = "✔"
"""The mark that starts a passed check's line (the grader looks for it)."""

CHECK_NAME_PATTERN = re.compile(r"^check_(\d{2})_(\d+)$")
"""Names of chapter check functions: ``check_<chapter NN>_<task number>``."""

_MAX_SHOWN = 5

F = TypeVar("F", bound=Callable[..., Any])

Slip = tuple[float, str]
"""A known mistake: the value it produces and the message that explains it."""

MISSING_REASON = "now write your reason too: pass it as reason=... in the check"
"""What :func:`expect_reason` says when no reason was given (``None`` or ``...``)."""


class CheckFailed(AssertionError):
    """An exercise answer is wrong; ``str(error)`` is the helpful message.

    Subclasses :class:`AssertionError` so that plain ``assert``-style tooling
    still counts it as a failed check.

    Examples
    --------
    >>> str(CheckFailed("NPS must be in points"))
    'NPS must be in points'
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def success_line(task: int, title: str) -> str:
    """Return the line a passed check prints, e.g. ``'✔ Task 2 passed: NPS'``.

    Examples
    --------
    >>> success_line(2, "NPS")
    '✔ Task 2 passed: NPS'
    """
    return f"{SUCCESS_MARK} Task {task} passed: {title}"


def check(condition: object, message: str) -> None:
    """Raise :class:`CheckFailed` with ``message`` unless ``condition`` is true.

    Examples
    --------
    >>> check(1 + 1 == 2, "arithmetic is broken")
    """
    __tracebackhide__ = True
    if not condition:
        raise CheckFailed(message)


def task_check(title: str) -> Callable[[F], F]:
    """Turn a function that raises :class:`CheckFailed` into a task check.

    The decorated function must be named ``check_NN_T`` (chapter ``NN``, task
    ``T``). On success the wrapper prints ``✔ Task T passed: <title>`` and
    returns ``None`` (a check cell then echoes nothing after that line); on failure it raises :class:`CheckFailed` whose message
    starts with ``Task T (<title>):``. Any other exception raised while checking
    (for example a ``TypeError`` on an answer of an unexpected type) is turned
    into a :class:`CheckFailed` that names the type the student passed.

    Parameters
    ----------
    title : str
        Short name of the task shown to the student, e.g. ``"NPS from the survey"``.

    Examples
    --------
    >>> @task_check("total revenue")
    ... def check_99_1(answer, *, seed):
    ...     expect_number(answer, 10.0, name="total revenue")
    >>> check_99_1(10.0, seed=0)
    ✔ Task 1 passed: total revenue
    """

    def decorate(function: F) -> F:
        match = CHECK_NAME_PATTERN.match(function.__name__)
        if match is None:
            raise ValueError(
                f"check function {function.__name__!r} must be named check_NN_T "
                "(two-digit chapter, task number), e.g. check_05_2"
            )
        task = int(match.group(2))

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            __tracebackhide__ = True
            try:
                function(*args, **kwargs)
            except CheckFailed as failure:
                raise CheckFailed(f"Task {task} ({title}): {failure.message}") from None
            except Exception as error:  # the answer broke the check: say what came in
                answer = args[0] if args else None
                raise CheckFailed(
                    f"Task {task} ({title}): your answer could not be checked "
                    f"(you passed a {type(answer).__name__}; "
                    f"{type(error).__name__}: {error})"
                ) from error
            print(success_line(task, title))

        wrapper.chapter = match.group(1)  # type: ignore[attr-defined]
        wrapper.task = task  # type: ignore[attr-defined]
        wrapper.title = title  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _fmt(value: float) -> str:
    """Short human form of a number: ``0.333333`` -> ``'0.333333'``, ``1e6`` -> ``'1e+06'``."""
    return f"{value:.6g}"


_NOT_A_UNIT = re.compile(r"[\d()]|\bbetween\b")


def _checked_unit(unit: str) -> str:
    """Return ``unit`` stripped, or raise ``ValueError`` if it states a range or a scale.

    Messages put the unit after a number ("between -100 and 100 points", "you
    returned 12 days"), so it must be a unit of measure only. A range written
    into it ("share (0-1)") was repeated by the bounds ("must be in share (0-1)
    between 0 and 1"): give the range as ``bounds=`` and leave shares,
    probabilities and other ratios without a unit.

    Examples
    --------
    >>> _checked_unit(" points ")
    'points'
    >>> _checked_unit("share (0-1)")
    Traceback (most recent call last):
    ...
    ValueError: unit='share (0-1)' must be a unit of measure (e.g. 'points', 'days'); give a range as bounds=(low, high) and leave shares and probabilities without a unit
    """  # noqa: E501
    unit = unit.strip()
    if _NOT_A_UNIT.search(unit):
        raise ValueError(
            f"unit={unit!r} must be a unit of measure (e.g. 'points', 'days'); give a range as "
            "bounds=(low, high) and leave shares and probabilities without a unit"
        )
    return unit


def _what_it_must_be(name: str, unit: str, bounds: tuple[float, float] | None) -> str:
    """The start of a message about a number's range or unit; empty when neither is known.

    Examples
    --------
    >>> _what_it_must_be("NPS", "points", (-100, 100))
    'NPS must be between -100 and 100 points'
    >>> _what_it_must_be("retention rate", "", (0, 1))
    'retention rate must be between 0 and 1'
    >>> _what_it_must_be("net revenue", "currency units", None)
    'net revenue should be in currency units'
    >>> _what_it_must_be("lift", "", None)
    ''
    """
    if bounds is not None:
        low, high = bounds
        return f"{name} must be between {_fmt(low)} and {_fmt(high)}" + (f" {unit}" if unit else "")
    return f"{name} should be in {unit}" if unit else ""


def _as_number(answer: object, name: str) -> float:
    """Convert a student's answer to float or raise a :class:`CheckFailed` saying why not."""
    __tracebackhide__ = True
    if answer is None:
        raise CheckFailed(f"{name}: you returned None — did you forget to assign or return it?")
    if answer is Ellipsis:
        raise CheckFailed(f"{name}: replace the ... placeholder with your computed value")
    if isinstance(answer, bool | np.bool_):
        raise CheckFailed(f"{name} must be a number; you returned {answer!r} (True/False)")
    if isinstance(answer, str):
        raise CheckFailed(f"{name} must be a number, not the text {answer!r}; remove the quotes")
    size = getattr(answer, "size", None)
    if size is not None and not isinstance(answer, numbers.Number | np.generic):
        kind = type(answer).__name__
        if size == 1:
            raise CheckFailed(
                f"{name} must be a single number; you returned a {kind} holding one value — "
                "take it out with .item() or .iloc[0]"
            )
        raise CheckFailed(
            f"{name} must be a single number; you returned a {kind} with {size} values — "
            "aggregate it (sum, mean, ...) or select one value"
        )
    if not isinstance(answer, numbers.Real | np.number):
        raise CheckFailed(f"{name} must be a number; you returned a {type(answer).__name__}")
    value = float(answer)
    if math.isnan(value):
        raise CheckFailed(
            f"{name}: you returned NaN — look for an empty group or a division by zero"
        )
    return value


def as_real(value: object) -> float | None:
    """``value`` as a float if it is one real number (not a bool, not NaN), else ``None``.

    For checks that look at a value before deciding how to explain it; a value
    that is not a number is left to :func:`expect_number` to explain.

    Examples
    --------
    >>> as_real(3), as_real(np.float32(0.5)), as_real(True), as_real(float("nan")), as_real("3")
    (3.0, 0.5, None, None, None)
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real | np.number):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def raise_on_slip(
    answer: object,
    expected: float,
    slips: Iterable[Slip],
    *,
    rel: float = 1e-6,
    abs: float = 1e-9,  # noqa: A002 - mirrors pytest.approx / math.isclose
) -> None:
    """Raise the message of the first known slip that a wrong numeric ``answer`` matches.

    Nothing happens when ``answer`` is not a number (:func:`as_real` gives
    ``None``), when it is close to ``expected``, or when it matches no slip:
    the caller then goes on to its general checks (usually :func:`expect_number`).
    Slip values that are not finite (NaN from an empty group, say) never match.

    Parameters
    ----------
    answer : object
        What the student computed.
    expected : float
        The correct value.
    slips : iterable of (float, str)
        Each known mistake as ``(value it gives, message that explains it)``, most
        specific first; the messages must not reveal ``expected``.
    rel, abs : float
        Relative and absolute tolerance (:func:`math.isclose`), for the answer and
        for the slips alike.

    Raises
    ------
    CheckFailed
        With the matched slip's message (as given, no prefix).

    Examples
    --------
    >>> slips = [(120.0, "this is the gross revenue; subtract the returns")]
    >>> raise_on_slip(100.0, 100.0, slips)
    >>> raise_on_slip(120.0, 100.0, slips)
    Traceback (most recent call last):
    ...
    portfolio_lib.exercises.feedback.CheckFailed: this is the gross revenue; subtract the returns
    """
    __tracebackhide__ = True
    number = as_real(answer)
    if number is None or math.isclose(number, expected, rel_tol=rel, abs_tol=abs):
        return
    for value, message in slips:
        if np.isfinite(value) and math.isclose(number, value, rel_tol=rel, abs_tol=abs):
            raise CheckFailed(message)


def expect_number(
    answer: object,
    expected: float,
    *,
    name: str,
    rel: float = 1e-6,
    abs: float = 1e-9,  # noqa: A002 - mirrors pytest.approx / math.isclose
    unit: str = "",
    bounds: tuple[float, float] | None = None,
    hint_scale: bool = True,
    hint_direction: bool = False,
    slips: Iterable[Slip] = (),
) -> None:
    """Check that ``answer`` is a single number close to ``expected``.

    The message names the quantity, its unit and the student's value; it never
    shows ``expected``. It recognises the common slips: a share returned as a
    fraction instead of a percentage (×100) or the reverse (÷100), a reversed
    sign, a value outside the meaningful ``bounds``, text, ``None``, ``NaN`` and
    a Series where one number was asked for.

    Parameters
    ----------
    answer : object
        What the student computed.
    expected : float
        The correct value (computed by the check from the seed).
    name : str
        What the number is, e.g. ``"NPS"``.
    rel, abs : float
        Relative and absolute tolerance, as in :func:`math.isclose`.
    unit : str
        Unit of measure, written after numbers in messages: ``"points"``, ``"days"``,
        ``"currency units"``, ``"times the average"``. Never a range or a scale
        (``"share (0-1)"`` raises ``ValueError``): shares, probabilities and other
        ratios have no unit and give their range as ``bounds``.
    bounds : (low, high), optional
        The range a meaningful answer lies in (inclusive), e.g. ``(-100, 100)`` for NPS
        or ``(0, 1)`` for a share.
    hint_scale : bool
        Say "multiply by 100?" / "divide by 100?" when that would fix the answer.
    hint_direction : bool
        Say whether a wrong value is too high or too low.
    slips : iterable of (float, str)
        Known mistakes of this task, ``(value it gives, message)``: a wrong answer
        that matches one (within ``rel``/``abs``) gets that message, before any of
        the general ones (see :func:`raise_on_slip`).

    Raises
    ------
    CheckFailed
        With the helpful message.

    Examples
    --------
    >>> expect_number(33.3334, 100 / 3, name="share of promoters", rel=1e-3)
    >>> try:
    ...     expect_number(12.0, 3.0, name="frequency", slips=[(12.0, "count days, not rows")])
    ... except CheckFailed as failure:
    ...     print(failure)
    count days, not rows
    >>> try:
    ...     expect_number(0.3333, 100 / 3, name="share of promoters", unit="percent", rel=1e-3)
    ... except CheckFailed as failure:
    ...     print(failure)
    share of promoters should be in percent; you returned 0.3333 — multiply by 100?
    """
    __tracebackhide__ = True
    unit = _checked_unit(unit)
    expected = float(expected)
    raise_on_slip(answer, expected, slips, rel=rel, abs=abs)
    value = _as_number(answer, name)

    def close(candidate: float) -> bool:
        return math.isclose(candidate, expected, rel_tol=rel, abs_tol=abs)

    if close(value):
        return
    frame = _what_it_must_be(name, unit, bounds)
    returned = f"{frame}; you returned" if frame else f"{name}: you returned"
    if hint_scale and expected != 0 and close(value * 100):
        raise CheckFailed(f"{returned} {_fmt(value)} — multiply by 100?")
    if hint_scale and expected != 0 and close(value / 100):
        raise CheckFailed(f"{returned} {_fmt(value)} — divide by 100?")
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        raise CheckFailed(f"{returned} {_fmt(value)}")
    if expected != 0 and close(-value):
        raise CheckFailed(f"{name}: you returned {_fmt(value)} — the sign looks reversed")
    with_unit = f" (in {unit})" if unit else ""  # "1 (in days)": no "1 days"
    message = f"{name}: you returned {_fmt(value)}{with_unit}, which is not the expected value"
    if hint_direction:
        message += " (too high)" if value > expected else " (too low)"
    raise CheckFailed(message + "; recheck your computation")


def expect_fields(
    answer: object,
    fields: Sequence[str],
    *,
    name: str,
    table_hint: str = "build the dict from your numbers",
    result_attributes: Collection[str] = (),
) -> dict[str, object]:
    """Check that an answer made of several parts is a dict (or Series) with ``fields``.

    Only the shape is checked; each value is then checked on its own (with
    :func:`expect_number`, :func:`expect_choice`, ...).

    Parameters
    ----------
    answer : object
        The student's answer, e.g. ``{"se": 4.1, "ci_low": 25.2, "ci_high": 41.5}``.
    fields : sequence of str
        The keys the task asks for, in the order they are checked.
    name : str
        What the answer is, used in messages, e.g. ``"your interval"``.
    table_hint : str
        What to do instead when a DataFrame was passed.
    result_attributes : collection of str
        Attributes that mark the library's own result object (e.g. ``("se", "ci_low")``
        for a ``satisfaction.nps`` result): passing it is answered with "compute the
        numbers by hand". Empty: no such test.

    Returns
    -------
    dict
        ``{field: value}`` for the asked fields, in the order of ``fields`` (extra
        keys are ignored).

    Raises
    ------
    CheckFailed
        For a placeholder, a table, another type or missing keys (the message lists
        the keys asked for and the ones given, never the values expected).

    Examples
    --------
    >>> expect_fields({"gini": 0.4, "top_20_share": 0.6}, ["top_20_share", "gini"], name="x")
    {'top_20_share': 0.6, 'gini': 0.4}
    >>> try:
    ...     expect_fields({"gini": 0.4}, ["top_20_share", "gini"], name="your numbers")
    ... except CheckFailed as failure:
    ...     print(failure)
    your numbers: the key(s) ['top_20_share'] are missing; yours are ['gini'] (expected keys: 'top_20_share', 'gini')
    """  # noqa: E501
    __tracebackhide__ = True
    import pandas as pd

    shown = ", ".join(repr(field) for field in fields)
    if answer is None or answer is Ellipsis:
        raise CheckFailed(f"{name}: replace the placeholder with a dict with the keys {shown}")
    if isinstance(answer, pd.DataFrame):
        raise CheckFailed(
            f"{name} must be a dict (or Series) with the keys {shown}; you passed a table — "
            f"{table_hint}"
        )
    if isinstance(answer, pd.Series):
        answer = answer.to_dict()
    if (
        result_attributes
        and not isinstance(answer, Mapping)
        and all(hasattr(answer, attribute) for attribute in result_attributes)
    ):
        raise CheckFailed(
            f"{name}: you passed the library's result object; compute the numbers by hand and "
            f"pass a dict with the keys {shown}"
        )
    if not isinstance(answer, Mapping):
        raise CheckFailed(
            f"{name} must be a dict with the keys {shown}; you passed a {type(answer).__name__}"
        )
    missing = [field for field in fields if field not in answer]
    if missing:
        raise CheckFailed(
            f"{name}: the key(s) {missing} are missing; yours are {list(answer)} "
            f"(expected keys: {shown})"
        )
    return {field: answer[field] for field in fields}


def normalise_text(text: str) -> str:
    """Lower-case, accent-free text so that 'Müşteri', 'musteri' and 'MÜŞTERİ' compare equal."""
    text = text.replace("ı", "i").replace("I", "i").replace("İ", "i")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def expect_choice(
    answer: object,
    allowed: Collection[str],
    correct: str | Collection[str],
    *,
    name: str = "your choice",
    hint: str = "",
) -> None:
    """Check a multiple-choice answer (case, accents and spaces are ignored).

    Parameters
    ----------
    answer : object
        The student's choice, e.g. ``"B"`` or ``"retain"``.
    allowed : collection of str
        The options offered in the task.
    correct : str or collection of str
        The correct option(s) (any of them passes).
    name : str
        What the choice is about, used in messages.
    hint : str
        Added to the message when a valid but wrong option was chosen.

    Examples
    --------
    >>> expect_choice(" b ", allowed=["A", "B", "C"], correct="B")
    >>> try:
    ...     expect_choice("D", allowed=["A", "B", "C"], correct="B", name="the action")
    ... except CheckFailed as failure:
    ...     print(failure)
    the action must be one of 'A', 'B', 'C'; you wrote 'D'
    """
    __tracebackhide__ = True
    options = {normalise_text(option): option for option in allowed}
    shown = ", ".join(repr(option) for option in allowed)
    if answer is Ellipsis:
        raise CheckFailed(f"{name}: replace the ... placeholder with one of {shown}")
    if not isinstance(answer, str) or not answer.strip():
        raise CheckFailed(f"{name} must be one of {shown} (as text); you gave {answer!r}")
    chosen = normalise_text(answer)
    if chosen not in options:
        raise CheckFailed(f"{name} must be one of {shown}; you wrote {answer!r}")
    right = [correct] if isinstance(correct, str) else list(correct)
    unknown = [option for option in right if normalise_text(option) not in options]
    if unknown:
        raise ValueError(f"correct option(s) {unknown} are not among the allowed {shown}")
    if chosen not in {normalise_text(option) for option in right}:
        message = f"{name}: {options[chosen]!r} is not the best choice here"
        raise CheckFailed(message + (f" — {hint}" if hint else "; reread the numbers above"))


def _mentions(text: str, keyword: str) -> bool:
    """True if ``text`` (normalised) contains a word starting with ``keyword`` (normalised)."""
    pattern = r"(?<!\w)" + re.escape(normalise_text(keyword))
    return re.search(pattern, text) is not None


def expect_keywords(
    text: object,
    *,
    name: str = "your answer",
    required_any: Iterable[str] = (),
    required_all: Iterable[str | Sequence[str]] = (),
    forbidden: Iterable[str] = (),
    min_words: int = 3,
    hint: str = "",
) -> None:
    """Check a short written answer by the key terms it mentions.

    Matching ignores case, accents and the Turkish dotless/dotted i, and a
    keyword matches any word that starts with it, so the stem ``"müşteri"``
    matches ``"müşterilerin"`` and ``"retain"`` matches ``"retained"``.
    Keywords are not shown to the student; ``hint`` is.

    Parameters
    ----------
    text : object
        The student's answer (a string).
    name : str
        What the answer is about, used in messages.
    required_any : iterable of str
        At least one of these must appear (when given).
    required_all : iterable of str or sequence of str
        Each item must appear; an item that is a sequence is a group of synonyms
        (English and Turkish, say) of which one is enough.
    forbidden : iterable of str
        Terms that signal a misconception; none may appear.
    min_words : int
        Minimum number of words.
    hint : str
        What to think about, shown when a key idea is missing.

    Examples
    --------
    >>> expect_keywords("Churn rises when satisfaction falls", required_any=["churn", "kayıp"])
    >>> expect_keywords("Müşteri kaybı artıyor", required_all=[("churn", "kayıp", "kayb")])

    Turkish stems change when suffixed (kayıp → kaybı), so list both forms.
    """
    __tracebackhide__ = True
    if text is None or text is Ellipsis:
        raise CheckFailed(f"{name}: write your answer as text between the quotes")
    if not isinstance(text, str):
        raise CheckFailed(f"{name} must be text (a str); you gave a {type(text).__name__}")
    normalised = normalise_text(text)
    words = len(normalised.split())
    if words < min_words:
        raise CheckFailed(
            f"{name} is too short ({words} word(s)); write at least {min_words} words"
        )
    missing_idea = f"{name} does not mention the key idea" + (f" — {hint}" if hint else "")
    any_terms = list(required_any)
    if any_terms and not any(_mentions(normalised, term) for term in any_terms):
        raise CheckFailed(missing_idea)
    groups = [[item] if isinstance(item, str) else list(item) for item in required_all]
    missed = [group for group in groups if not any(_mentions(normalised, t) for t in group)]
    if missed:
        count = f"{len(missed)} of {len(groups)} key ideas are missing"
        raise CheckFailed(f"{name}: {count}" + (f" — {hint}" if hint else ""))
    wrong = [term for term in forbidden if _mentions(normalised, term)]
    if wrong:
        raise CheckFailed(
            f"{name} mentions {wrong[0]!r}, which does not fit here"
            + (f" — {hint}" if hint else "")
        )


@dataclass(frozen=True)
class Claim:
    """A statement a written reason can make, which contradicts the student's data.

    Patterns are regular expressions matched at the start of a word of the normalised
    text (lower case, no accents, Turkish ı = i; see :func:`expect_keywords`). Where
    patterns overlap, the longest match wins ("beyond sampling noise" before "noise").
    A match counts as negated when one of the four words before it in the same clause
    (clauses end at ``. ; : ! ?``, ", " and but/however/although/ama/fakat/ancak) is a
    negation (not, no, never, n't, cannot, without, hardly, rarely, unlikely, …) or
    when Turkish *değil* or *yok* follows it within two words.

    Attributes
    ----------
    says : tuple of str
        Patterns that state the claim (negated, they do not).
    message : str
        Why the claim is wrong for this student's data (shown with the phrase found).
    denies : tuple of str
        Patterns that state the opposite; negated, they state the claim.

    Examples
    --------
    >>> real = Claim(says=("significant", r"beyond (sampling )?noise"), message="m",
    ...              denies=("noise", "insignificant"))
    >>> claims_made("The p-value is 0.27: not significant, just noise.", [real])
    []
    >>> [phrase for _, phrase in claims_made("Clearly beyond sampling noise.", [real])]
    ['beyond sampling noise']
    >>> [phrase for _, phrase in claims_made("It is not noise.", [real])]
    ['not noise']
    """

    says: tuple[str, ...]
    message: str
    denies: tuple[str, ...] = ()


_NEGATORS = frozenset(
    (
        "not",
        "no",
        "never",
        "neither",
        "nor",
        "without",
        "hardly",
        "barely",
        "rarely",
        "seldom",
        "unlikely",
        "cannot",
        "nothing",
        "none",
        "hic",
    )
)
_NEGATORS_AFTER = frozenset(("degil", "degildir", "yok", "yoktur"))
_CLAUSE_BREAK = re.compile(
    r"[;:!?]|\.(?:\s|$)|,\s|\b(?:but|however|although|though|whereas|yet|ama|fakat|ancak|oysa)\b"
)


def _is_negator(word: str) -> bool:
    return word in _NEGATORS or word.endswith("n't") or word.endswith("n’t")


def _negated(clause: str, start: int, end: int) -> bool:
    before = re.findall(r"[\w'’]+", clause[:start])[-4:]
    after = re.findall(r"[\w'’]+", clause[end:])[:2]
    flips = sum(_is_negator(word) for word in before)
    flips += sum(word in _NEGATORS_AFTER for word in after)
    return flips % 2 == 1


def claims_made(
    text: str, claims: Iterable[Claim], *, skip: Iterable[str] = ()
) -> list[tuple[Claim, str]]:
    """The claims a text makes, each with the phrase that makes it (as written, normalised).

    Parameters
    ----------
    text : str
        A student's written reason.
    claims : iterable of Claim
        The statements to look for.
    skip : iterable of str
        Clauses containing one of these (normalised) strings are not searched: they speak
        about something else.

    Returns
    -------
    list of (Claim, str)
        One entry per claim made, with the first phrase (and its negation, if any) found.

    Examples
    --------
    >>> low = Claim(says=("least important",), denies=("important",), message="m")
    >>> [p for _, p in claims_made("It is not important at all", [low])]
    ['not important']
    >>> claims_made("It is the most important driver", [low])
    []
    """
    normalised = normalise_text(text)
    ignored = [normalise_text(word) for word in skip]
    clauses = [
        clause
        for clause in _CLAUSE_BREAK.split(normalised)
        if clause and not any(word in clause for word in ignored)
    ]
    found: list[tuple[Claim, str]] = []
    for claim in claims:
        for clause in clauses:
            matches = []
            for polarity, patterns in ((True, claim.says), (False, claim.denies)):
                for pattern in patterns:
                    for match in re.finditer(r"(?<!\w)(?:" + pattern + ")", clause):
                        matches.append((match.start(), match.end(), polarity))
            taken: list[tuple[int, int]] = []
            stated = None
            for start, end, polarity in sorted(matches, key=lambda m: (m[0] - m[1], m[0])):
                if any(start < t_end and t_start < end for t_start, t_end in taken):
                    continue
                taken.append((start, end))
                negated = _negated(clause, start, end)
                if polarity != negated and stated is None:
                    words = re.findall(r"[\w'’]+", clause[:start])[-4:]
                    lead = [w for w in words if _is_negator(w)][-1:] if negated else []
                    stated = " ".join([*lead, clause[start:end]])
            if stated is not None:
                found.append((claim, stated))
                break
    return found


@dataclass(frozen=True)
class Evidence:
    """A number a reason may rest on, taken from the student's own data.

    Attributes
    ----------
    name : str
        What it is, for messages ("the p-value of the change").
    values : tuple of float
        The accepted values (e.g. from two interval methods); a quoted number matches
        at the precision it is written with, either sign ("dropped by 6.6" quotes -6.6).
    labels : tuple of str
        Patterns (as in :class:`Claim`) that label a number as this evidence, such as
        ``r"p[- ]?value"``: a labelled number that matches none of ``values`` is an error,
        unless a comparison (<, >, below, above, than) stands between label and number
        (then it is a threshold, as in "p < 0.05").
    percent : bool
        The values are shares (0-1) that may be written as percentages ("35 %").

    Examples
    --------
    >>> Evidence("the p-value", (0.2661,), labels=("p",)).matches(0.27, 2)
    True
    """

    name: str
    values: tuple[float, ...]
    labels: tuple[str, ...] = ()
    percent: bool = False

    def matches(self, number: float, decimals: int, *, is_percent: bool = False) -> bool:
        """True if ``number``, written with ``decimals`` decimals, is one of the values."""
        # (the number on the values' scale, how many written units one value unit is)
        candidates = [(number / 100, 100.0)] if is_percent and self.percent else [(number, 1.0)]
        if self.percent and not is_percent and abs(number) > 1:
            candidates.append((number / 100, 100.0))
        tolerance = 0.5 * 10.0**-decimals + 1e-9
        return any(
            abs(abs(candidate) - abs(value)) * units <= tolerance
            for candidate, units in candidates
            for value in self.values
        )


_NUMBER = re.compile(r"(?<![\w.])[-+−]?(\d+(?:[.,]\d+)?)(\s?%)?")
_THRESHOLD_WORDS = re.compile(
    r"[<>≤≥]|\b(?:below|above|under|over|than|threshold|esik|alti|ustu)\b"
)


def cited_numbers(text: str) -> list[tuple[int, int, float, int, bool]]:
    """Numbers quoted in a text: (start, end, value, decimals shown, written as a percent).

    A comma between digits is a decimal comma (Turkish "0,27").

    Examples
    --------
    >>> [(v, d, pct) for _, _, v, d, pct in cited_numbers("p = 0,27 and 35 % of R²")]
    [(0.27, 2, False), (35.0, 0, True)]
    """
    found = []
    for match in _NUMBER.finditer(text.replace("²", "2")):
        digits = match.group(1).replace(",", ".")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        found.append((match.start(), match.end(), float(digits), decimals, bool(match.group(2))))
    return found


def _significant_digits(number: float, decimals: int) -> int:
    text = f"{abs(number):.{decimals}f}".replace(".", "").lstrip("0")
    return len(text)


def _expect_cited(reason: str, evidence: Sequence[Evidence], *, name: str, hint: str) -> None:
    """Labelled numbers must be right; at least one evidence number must be quoted."""
    normalised = normalise_text(reason)
    numbers = cited_numbers(normalised)
    cited = False
    for item in evidence:
        for label in item.labels:
            for match in re.finditer(r"(?<!\w)(?:" + label + r")(?!\w)", normalised):
                following = [n for n in numbers if 0 <= n[0] - match.end() <= 25]
                if not following:
                    continue
                start, end, number, decimals, pct = following[0]
                between = normalised[match.end() : start]
                if _THRESHOLD_WORDS.search(between):
                    continue
                if not item.matches(number, decimals, is_percent=pct):
                    raise CheckFailed(
                        f"{name} quotes {normalised[match.start() : end]!r}, but that is not "
                        f"{item.name} of your data; quote the number your code computed"
                    )
                cited = True
    if not cited:
        cited = any(
            item.matches(number, decimals, is_percent=pct)
            and _significant_digits(number, decimals) >= 2
            for _, _, number, decimals, pct in numbers
            for item in evidence
        )
    if not cited:
        names = ", ".join(item.name for item in evidence)
        raise CheckFailed(
            f"{name} does not quote the number it rests on — quote one of: {names} "
            f"(as your code computed it). {hint[0].upper() + hint[1:]}"
        )


def expect_reason(
    reason: object,
    ideas: Sequence[Iterable[str]],
    *,
    hint: str,
    name: str = "your reason",
    min_words: int = 10,
    missing: str = MISSING_REASON,
    wrong: Sequence[Claim] = (),
    cites: Sequence[Evidence] = (),
    names: Iterable[str] = (),
    others: Iterable[str] = (),
) -> None:
    """Check the written reason that goes with a decision (``reason=...`` of a check).

    The reason must be given (not ``None`` or ``...``), have at least
    ``min_words`` words, make none of the ``wrong`` claims (checked first: a reason that
    contradicts the data fails whatever words it uses), quote one of the ``cites``
    numbers correctly (when given) and mention each of the ``ideas``; each idea is a
    group of stems (English and Turkish) of which one is enough (see
    :func:`expect_keywords`, which does the matching; the stems are never shown).

    Parameters
    ----------
    reason : object
        The student's text.
    ideas : sequence of iterable of str
        The key ideas, each as a group of synonymous stems.
    hint : str
        What to write about, shown when an idea is missing.
    name : str
        What the text is, used in messages.
    min_words : int
        Minimum number of words.
    missing : str
        The message when no reason was given.
    wrong : sequence of Claim
        Statements that contradict the student's data (see :func:`claims_made`).
    cites : sequence of Evidence
        Numbers from the student's data; the reason must quote one, and a number it labels
        as one of them (e.g. "p = 0.01") must be that number.
    names : iterable of str
        Names of the chosen option (a segment, a driver) that are read as "this" while
        looking for ``wrong`` claims, so that a name such as "Can't lose them" is not taken
        for a negation.
    others : iterable of str
        Names of the options NOT chosen: a clause that mentions one of them speaks about
        another option ("website is the least important driver") and is not searched for
        ``wrong`` claims about the choice.

    Examples
    --------
    >>> ideas = [("valu", "değer"), ("recency", "uzun")]
    >>> expect_reason("They were our most valuable customers and the recency is long",
    ...               ideas, hint="value and recency")
    >>> try:
    ...     expect_reason(..., ideas, hint="value and recency")
    ... except CheckFailed as failure:
    ...     print(failure)
    now write your reason too: pass it as reason=... in the check
    """
    __tracebackhide__ = True
    check(reason is not None and reason is not Ellipsis, missing)
    if isinstance(reason, str):
        plain = reason
        labels = {str(label): "this" for label in names}
        labels.update({str(label): "that other option" for label in others if label not in labels})
        for label in sorted(labels, key=len, reverse=True):
            plain = re.sub(re.escape(label), labels[label], plain, flags=re.IGNORECASE)
        made = claims_made(plain, wrong, skip=("that other option",))
        if made:
            claim, phrase = made[0]
            raise CheckFailed(f"{name} says {phrase!r}, but {claim.message}")
        if cites and len(normalise_text(reason).split()) >= min_words:
            _expect_cited(reason, cites, name=name, hint=hint)
    expect_keywords(
        reason,
        name=name,
        required_all=[tuple(words) for words in ideas],
        min_words=min_words,
        hint=hint,
    )


def expect_frame_columns(df: object, columns: Iterable[str], *, name: str = "your table") -> None:
    """Check that ``df`` is a DataFrame with (at least) the given columns.

    Examples
    --------
    >>> import pandas as pd
    >>> expect_frame_columns(pd.DataFrame({"segment": ["a"], "n": [1]}), ["segment"])
    """
    __tracebackhide__ = True
    import pandas as pd

    wanted = list(columns)
    if isinstance(df, pd.Series):
        raise CheckFailed(
            f"{name} must be a DataFrame with columns {wanted}; you returned a Series — "
            "use .reset_index() or .to_frame()"
        )
    if not isinstance(df, pd.DataFrame):
        raise CheckFailed(f"{name} must be a DataFrame; you returned a {type(df).__name__}")
    missing = [column for column in wanted if column not in df.columns]
    if not missing:
        return
    in_index = [column for column in missing if column in (df.index.names or [])]
    message = f"{name} lacks column(s) {missing}; its columns are {list(df.columns)}"
    if in_index:
        message += f" — {in_index} is in the index: call .reset_index()"
    raise CheckFailed(message)


def expect_close_series(
    answer: object,
    expected: Any,
    *,
    name: str = "your series",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    unit: str = "",
    hint_scale: bool = True,
) -> None:
    """Check a pandas Series against the expected one, label by label.

    Labels are matched by index (order does not matter). The message lists
    missing or extra labels and the labels whose values differ, with the
    student's values (not the expected ones).

    Parameters
    ----------
    answer : object
        The student's Series.
    expected : pandas.Series
        The correct values, indexed by label (e.g. segment name).
    name : str
        What the series holds, e.g. ``"revenue per segment"``.
    rtol, atol : float
        Relative and absolute tolerance (:func:`numpy.isclose`).
    unit : str
        Unit of measure named in messages (``"purchases"``); as in :func:`expect_number`,
        never a range or a scale.
    hint_scale : bool
        Say "multiply by 100?" / "divide by 100?" when that would fix every value.

    Examples
    --------
    >>> import pandas as pd
    >>> expect_close_series(pd.Series({"b": 2.0, "a": 1.0}), pd.Series({"a": 1.0, "b": 2.0}))
    """
    __tracebackhide__ = True
    import pandas as pd

    unit = _checked_unit(unit)
    expected = pd.Series(expected)
    if isinstance(answer, pd.DataFrame):
        if answer.shape[1] == 1:
            raise CheckFailed(
                f"{name} must be a Series; you returned a one-column DataFrame — "
                f"select the column with [{answer.columns[0]!r}]"
            )
        raise CheckFailed(f"{name} must be a Series; you returned a DataFrame")
    if not isinstance(answer, pd.Series):
        raise CheckFailed(f"{name} must be a pandas Series; you returned a {type(answer).__name__}")
    if answer.index.has_duplicates:
        repeated = list(answer.index[answer.index.duplicated()].unique()[:_MAX_SHOWN])
        raise CheckFailed(f"{name} has repeated labels {repeated}; aggregate with groupby")
    missing = [label for label in expected.index if label not in answer.index]
    extra = [label for label in answer.index if label not in expected.index]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing labels {missing[:_MAX_SHOWN]}")
        if extra:
            parts.append(f"unexpected labels {extra[:_MAX_SHOWN]}")
        raise CheckFailed(f"{name}: " + " and ".join(parts) + f" (index: {list(answer.index)})")
    aligned = answer.reindex(expected.index)
    try:
        values = aligned.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise CheckFailed(f"{name} must hold numbers; its dtype is {answer.dtype}") from None
    target = expected.to_numpy(dtype=float)

    def close(candidate: np.ndarray) -> np.ndarray:
        return np.isclose(candidate, target, rtol=rtol, atol=atol, equal_nan=True)

    ok = close(values)
    if ok.all():
        return
    in_unit = f" (in {unit})" if unit else ""
    if hint_scale and np.any(target != 0):
        if close(values * 100).all():
            raise CheckFailed(
                f"{name}{in_unit}: all values are 100 times too small — multiply by 100?"
            )
        if close(values / 100).all():
            raise CheckFailed(
                f"{name}{in_unit}: all values are 100 times too large — divide by 100?"
            )
    wrong = expected.index[~ok]
    shown = ", ".join(f"{label!r}: {_fmt(v)}" for label, v in aligned[wrong][:_MAX_SHOWN].items())
    raise CheckFailed(
        f"{name}{in_unit}: {len(wrong)} of {len(target)} values are not the expected ones "
        f"(yours: {shown})"
    )
