"""The course's terms, read from the data file ``portfolio_lib/data/glossary.toml``.

This is the vocabulary layer under :mod:`portfolio_lib.glossary`: it reads and validates
the term file and looks terms up, nothing else. Analysis modules that label their results
in Turkish (portfolio groups, journey stages) may take the names from here, because the
import rule (``tests/test_architecture.py``) keeps them from importing the course material
in :mod:`portfolio_lib.glossary`, which re-exports this API and renders the tables.

The file has one ``[[term]]`` block per term, in course order; its header explains the
fields to a translator. :func:`load_terms` reads it (or an edited copy) and raises a
:class:`GlossaryDataError` that lists every problem it finds.

Examples
--------
>>> turkish("churn_rate")
'Müşteri kaybı oranı'
>>> term("clv").persian
'ارزش طول عمر مشتری (CLV)'
>>> term("clv").notebooks
(3, 6)
>>> list(stage_names())
['discovery', 'first_contact', 'decision', 'purchase', 'deepening']
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from portfolio_lib.crm import STAGES

__all__ = [
    "CHAPTERS",
    "DATA_FILE",
    "LANGUAGES",
    "STAGE_KEYS",
    "TERMS",
    "GlossaryDataError",
    "Term",
    "load_terms",
    "stage_names",
    "term",
    "turkish",
]

LANGUAGES: tuple[str, ...] = ("english", "turkish", "persian")
"""The languages every term is given in, in the order tables show them."""

STAGE_KEYS: tuple[str, ...] = STAGES  # the five journey stages, defined once in crm
"""Keys of the five customer journey stages, in the order a customer passes them."""

CHAPTERS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
"""The course chapters (one notebook each)."""

DATA_FILE: Path = Path(__file__).with_name("data") / "glossary.toml"
"""The term file shipped with the package (UTF-8 TOML, one ``[[term]]`` block per term)."""

_TEXT_FIELDS = ("key", *LANGUAGES, "definition")
_FIELDS = (*_TEXT_FIELDS, "chapter", "notebooks")
_KEY_PATTERN = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


class GlossaryDataError(ValueError):
    """The term file is unreadable or breaks a rule; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class Term:
    """One course term in three languages.

    Attributes
    ----------
    key : str
        Stable snake_case identifier used in code, e.g. ``"churn_rate"``.
    english, turkish, persian : str
        The term's name in each language (Turkish as the course writes it,
        Persian in Persian script).
    definition : str
        One plain English sentence saying what the term means.
    chapter : int
        Course chapter (1–6) where the term is introduced.
    notebooks : tuple of int, default ()
        The chapters whose notebook lists the term in its opening "Course terms" table
        (see :func:`portfolio_lib.glossary.chapter_terms`).

    Examples
    --------
    >>> t = Term("nps", "Net Promoter Score (NPS)", "Net tavsiye skoru (NPS)",
    ...          "شاخص خالص مروجان (NPS)", "Promoters minus detractors, in %.", 5)
    >>> t.turkish, t.notebooks
    ('Net tavsiye skoru (NPS)', ())
    """

    key: str
    english: str
    turkish: str
    persian: str
    definition: str
    chapter: int
    notebooks: tuple[int, ...] = ()


def _entry_problems(entry: object, where: str) -> list[str]:
    """Everything wrong with one ``[[term]]`` block (an empty list when it is fine)."""
    if not isinstance(entry, dict):
        return [f"{where}: expected a [[term]] table, got {type(entry).__name__}"]
    problems = [f"{where}: missing field {f!r}" for f in _FIELDS if f not in entry]
    problems += [
        f"{where}: unknown field {f!r} (fields: {', '.join(_FIELDS)})"
        for f in entry
        if f not in _FIELDS
    ]
    for field in _TEXT_FIELDS:
        value = entry.get(field)
        if field not in entry:
            continue
        if not isinstance(value, str):
            problems.append(f"{where}: {field} must be text in quotes, got {value!r}")
        elif not value.strip():
            problems.append(f"{where}: {field} is empty")
        elif value != value.strip() or "\n" in value or "|" in value:
            problems.append(
                f"{where}: {field} {value!r} must be one line without surrounding spaces or '|'"
            )
    key = entry.get("key")
    if isinstance(key, str) and key.strip() and not _KEY_PATTERN.fullmatch(key):
        problems.append(f"{where}: key {key!r} must be snake_case (a-z, 0-9, _)")
    chapter = entry.get("chapter")
    if "chapter" in entry and (type(chapter) is not int or chapter not in CHAPTERS):
        problems.append(f"{where}: chapter must be one of {list(CHAPTERS)}, got {chapter!r}")
    notebooks = entry.get("notebooks")
    if "notebooks" in entry:
        if not isinstance(notebooks, list) or any(
            type(n) is not int or n not in CHAPTERS for n in notebooks
        ):
            problems.append(
                f"{where}: notebooks must be a list of chapters {list(CHAPTERS)}, got {notebooks!r}"
            )
        elif len(set(notebooks)) != len(notebooks):
            problems.append(f"{where}: notebooks {notebooks!r} repeats a chapter")
    return problems


def _nfc(value: str) -> str:
    # Editors on some systems save decomposed letters (ş as s + cedilla); store one form.
    return unicodedata.normalize("NFC", value)


def load_terms(path: str | os.PathLike[str] | None = None) -> tuple[Term, ...]:
    """Read and validate a term file.

    Parameters
    ----------
    path : str or path-like, optional
        The file to read; default :data:`DATA_FILE`, the file the package ships. Pass a
        translator's edited copy to check it before it replaces the shipped one.

    Returns
    -------
    tuple of Term
        The terms in file order (text in Unicode NFC form, ``notebooks`` sorted).

    Raises
    ------
    GlossaryDataError
        If the file is not UTF-8 TOML, or breaks a rule: every block needs exactly the
        fields ``key, english, turkish, persian, definition, chapter, notebooks``; text
        fields are non-empty single lines; keys are snake_case and unique; ``chapter`` is
        1–6; ``notebooks`` lists chapters 1–6 once each; the five journey stages
        (:data:`STAGE_KEYS`) are present. The message names the file and lists every
        problem with the block's number and key.

    Examples
    --------
    >>> terms = load_terms()
    >>> terms[0].key, terms[0].turkish
    ('customer_portfolio', 'Müşteri portföyü')
    """
    source = DATA_FILE if path is None else Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise GlossaryDataError(f"{source}: not UTF-8 text ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise GlossaryDataError(f"{source}: not valid TOML: {exc}") from exc
    entries = data.get("term")
    if not isinstance(entries, list) or not entries:
        raise GlossaryDataError(f"{source}: no [[term]] blocks found")
    problems = [
        f"unknown top-level entry {k!r} (only [[term]] blocks)" for k in data if k != "term"
    ]
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        key = entry.get("key") if isinstance(entry, dict) else None
        where = f"term {number}" + (f" ({key!r})" if isinstance(key, str) else "")
        problems += _entry_problems(entry, where)
        if isinstance(key, str):
            if key in seen:
                problems.append(f"{where}: key {key!r} repeats term {seen[key]}")
            seen.setdefault(key, number)
    problems += [f"journey stage {k!r} has no term" for k in STAGE_KEYS if k not in seen]
    if problems:
        listing = "\n".join(f"- {p}" for p in problems)
        raise GlossaryDataError(f"{source}: {len(problems)} problem(s):\n{listing}")
    return tuple(
        Term(
            key=entry["key"],
            english=_nfc(entry["english"]),
            turkish=_nfc(entry["turkish"]),
            persian=_nfc(entry["persian"]),
            definition=_nfc(entry["definition"]),
            chapter=entry["chapter"],
            notebooks=tuple(sorted(entry["notebooks"])),
        )
        for entry in entries
    )


TERMS: tuple[Term, ...] = load_terms()
"""All course terms, grouped by chapter in the order the course introduces them."""

_BY_KEY: dict[str, Term] = {t.key: t for t in TERMS}


def _normalise_key(key: str) -> str:
    return key.strip().lower().replace("-", "_").replace(" ", "_")


def term(key: str) -> Term:
    """Look up one term by its key.

    Parameters
    ----------
    key : str
        The term's snake_case key, e.g. ``"churn_rate"``. Case, surrounding
        spaces and ``-``/space instead of ``_`` are forgiven (``"Cross-sell"``
        finds ``"cross_sell"``).

    Returns
    -------
    Term
        The term with that key.

    Raises
    ------
    KeyError
        If no term has that key; the message suggests the closest keys.

    Examples
    --------
    >>> term("cross-sell").turkish
    'Çapraz satış'
    >>> term("chrun_rate")
    Traceback (most recent call last):
    ...
    KeyError: "no glossary term 'chrun_rate'; did you mean 'churn_rate' or 'discount_rate'?"
    """
    if not isinstance(key, str):
        raise TypeError(f"glossary keys are strings, got {type(key).__name__}")
    normalised = _normalise_key(key)
    found = _BY_KEY.get(normalised)
    if found is not None:
        return found
    raise KeyError(_unknown_key_message(key, normalised))


def _unknown_key_message(key: str, normalised: str) -> str:
    keys = list(_BY_KEY)
    close = difflib.get_close_matches(normalised, keys, n=3, cutoff=0.6)
    # A fragment of a key ("churn", "sell") or a key inside the query ("nps_score")
    # is also a useful hint (fragments shorter than 3 letters match too much).
    if len(normalised) >= 3:
        close += [k for k in keys if (normalised in k or k in normalised) and k not in close]
    close = close[:5]
    if close:
        hint = " or ".join(repr(k) for k in close)
        return f"no glossary term {key!r}; did you mean {hint}?"
    return (
        f"no glossary term {key!r}; the {len(keys)} keys are listed in portfolio_lib.glossary.TERMS"
        " (data file portfolio_lib/data/glossary.toml)"
    )


def turkish(key: str) -> str:
    """The Turkish name of a term, as the course and the notebooks write it.

    Parameters
    ----------
    key : str
        The term's key (see :func:`term`).

    Returns
    -------
    str
        The Turkish name, in sentence case.

    Raises
    ------
    KeyError
        If no term has that key (with close-match suggestions).

    Examples
    --------
    >>> turkish("first_contact")
    'İlk temas'
    >>> turkish("mystery_shopping")
    'Gizli müşteri'
    """
    return term(key).turkish


def stage_names() -> dict[str, str]:
    """The five customer journey stages: key to Turkish name, in journey order.

    Returns
    -------
    dict of str to str
        ``{"discovery": "Keşfetme", "first_contact": "İlk temas", ...}``; dicts keep
        insertion order, so iterating gives the stages in the order customers pass them.

    Examples
    --------
    >>> stage_names()
    {'discovery': 'Keşfetme', 'first_contact': 'İlk temas', 'decision': 'Karar anı', 'purchase': 'Hizmet alımı', 'deepening': 'Derinleşme'}
    """
    return {key: _BY_KEY[key].turkish for key in STAGE_KEYS}
