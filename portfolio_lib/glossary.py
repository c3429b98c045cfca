"""The course's terms in English, Turkish and Persian, with a one-line definition each.

The terms are data, not code: ``portfolio_lib/data/glossary.toml`` holds one ``[[term]]``
block per term (key, English, Turkish, Persian, definition, chapter, the notebooks that list
it), so a translator or reviewer edits that file and no Python. :func:`load_terms` reads and
validates it (unique snake_case keys, no empty name or definition, chapters 1–6). This module
is course material: it renders the README glossary (:func:`to_markdown`) and each notebook's
"Course terms" table (:func:`chapter_terms_markdown`); the lookups (:func:`term`,
:func:`turkish`, :func:`stage_names`) come from the vocabulary layer
:mod:`portfolio_lib._terms`, which analysis modules may use.

Each :class:`Term` records the chapter (1–6) where the course introduces it:

1. data collection (veri toplama),
2. segmentation (segmentasyon),
3. customer value: CLV and the value KPIs (müşteri değeri),
4. the customer journey (müşteri yolculuğu),
5. satisfaction (müşteri memnuniyeti),
6. portfolio strategy (portföy stratejisi).

Turkish is written with its own letters (ç, ğ, ı, İ, ö, ş, ü); Persian in Persian
script, with the Persian letters ی and ک and the zero-width non-joiner where a
Persian word needs it (for example بخش‌بندی).

Examples
--------
>>> from portfolio_lib import glossary
>>> glossary.turkish("churn_rate")
'Müşteri kaybı oranı'
>>> glossary.term("clv").persian
'ارزش طول عمر مشتری (CLV)'
>>> list(glossary.stage_names())
['discovery', 'first_contact', 'decision', 'purchase', 'deepening']
>>> print(glossary.chapter_terms_markdown(4).splitlines()[3])
| Discovery | Keşfetme |
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from portfolio_lib._terms import (
    CHAPTERS,
    DATA_FILE,
    LANGUAGES,
    STAGE_KEYS,
    TERMS,
    GlossaryDataError,
    Term,
    load_terms,
    stage_names,
    term,
    turkish,
)

__all__ = [
    "CHAPTERS",
    "DATA_FILE",
    "LANGUAGES",
    "NOTEBOOK_LANGUAGES",
    "STAGE_KEYS",
    "TERMS",
    "GlossaryDataError",
    "Term",
    "chapter_terms",
    "chapter_terms_markdown",
    "glossary_table",
    "load_terms",
    "stage_names",
    "term",
    "to_markdown",
    "turkish",
]

_MARKDOWN_HEADER = ("Key", "English", "Turkish", "Persian", "Definition", "Chapter")
#: Languages of the notebooks' "Course terms" tables (DESIGN: English and Turkish).
NOTEBOOK_LANGUAGES: tuple[str, ...] = ("english", "turkish")


def _check_chapter(chapter: int | None, *, optional: bool = True) -> None:
    if chapter is None and optional:
        return
    if isinstance(chapter, bool) or not isinstance(chapter, int) or chapter not in CHAPTERS:
        allowed = f"{list(CHAPTERS)} or None" if optional else str(list(CHAPTERS))
        raise ValueError(f"chapter must be one of {allowed}, got {chapter!r}")


def _check_languages(languages: Sequence[str]) -> tuple[str, ...]:
    chosen = (languages,) if isinstance(languages, str) else tuple(languages)
    unknown = [lang for lang in chosen if lang not in LANGUAGES]
    if unknown:
        raise ValueError(f"unknown language(s) {unknown}; choose from {list(LANGUAGES)}")
    if not chosen or len(set(chosen)) != len(chosen):
        raise ValueError(
            f"languages must name each of {list(LANGUAGES)} at most once and at least one, "
            f"got {list(chosen)}"
        )
    return chosen


def _frame(terms: Sequence[Term], columns: Sequence[str]) -> pd.DataFrame:
    table = pd.DataFrame(
        {col: [getattr(t, col) for t in terms] for col in columns},
        index=pd.Index([t.key for t in terms], name="key"),
    )
    return table.astype({"chapter": "int64"})


def glossary_table(
    chapter: int | None = None,
    languages: Sequence[str] = LANGUAGES,
) -> pd.DataFrame:
    """The glossary as a table, optionally for one chapter and a subset of languages.

    Parameters
    ----------
    chapter : int or None, default None
        Keep only the terms introduced in this chapter (1–6); ``None`` keeps all.
    languages : sequence of str, default ("english", "turkish", "persian")
        Which name columns to include, in this order. Each must be one of
        ``"english"``, ``"turkish"``, ``"persian"``.

    Returns
    -------
    pandas.DataFrame
        One row per term in course order, indexed by ``key``, with one column per
        requested language, then ``definition`` (str) and ``chapter`` (int).

    Raises
    ------
    ValueError
        If ``chapter`` is not 1–6 or a language is unknown, empty or repeated.

    Examples
    --------
    >>> table = glossary_table(chapter=4, languages=("english", "turkish"))
    >>> table.loc["decision", "turkish"]
    'Karar anı'
    >>> list(table.columns)
    ['english', 'turkish', 'definition', 'chapter']
    """
    _check_chapter(chapter)
    languages = _check_languages(languages)
    selected = [t for t in TERMS if chapter is None or t.chapter == chapter]
    return _frame(selected, [*languages, "definition", "chapter"])


def chapter_terms(chapter: int, languages: Sequence[str] = NOTEBOOK_LANGUAGES) -> pd.DataFrame:
    """The terms a chapter's notebook lists in its opening "Course terms" table.

    A term belongs to a chapter's table when the chapter is in its ``notebooks`` field
    of the data file; a notebook may revisit terms other chapters introduce (chapter 3
    lists the at-risk customers of chapter 2), so this is not :func:`glossary_table`'s
    filter on the introducing chapter.

    Parameters
    ----------
    chapter : int
        The chapter (1–6).
    languages : sequence of str, default ("english", "turkish")
        Which name columns to include, in this order.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``key``, one column per language and ``chapter`` (the chapter that
        introduces the term, int): first the terms this chapter introduces, then those it
        revisits, each in course order.

    Raises
    ------
    ValueError
        If ``chapter`` is not 1–6 or a language is unknown, empty or repeated.

    Examples
    --------
    >>> table = chapter_terms(3)
    >>> table.loc["p_alive", "turkish"]
    'Aktif olma olasılığı, P(alive)'
    >>> table["chapter"].tolist()[-2:]  # revisited from chapters 1 and 2
    [1, 2]
    """
    _check_chapter(chapter, optional=False)
    languages = _check_languages(languages)
    listed = [t for t in TERMS if chapter in t.notebooks]
    ordered = [t for t in listed if t.chapter == chapter] + [
        t for t in listed if t.chapter != chapter
    ]
    return _frame(ordered, [*languages, "chapter"])


def _markdown_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown_table(header: Sequence[str], rows: list[list[object]], align: Sequence[str]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(align) + "|",
        *("| " + " | ".join(_markdown_cell(c) for c in row) + " |" for row in rows),
    ]
    return "\n".join(lines) + "\n"


def to_markdown(chapter: int | None = None) -> str:
    """The glossary as a GitHub-flavoured markdown table (for the README).

    Written without the optional ``tabulate`` package.

    Parameters
    ----------
    chapter : int or None, default None
        Keep only the terms introduced in this chapter (1–6); ``None`` keeps all.

    Returns
    -------
    str
        A header row ``| Key | English | Turkish | Persian | Definition | Chapter |``,
        a separator row and one row per term, joined by newlines (with a final newline).

    Examples
    --------
    >>> print(to_markdown(chapter=1).splitlines()[2])
    | `customer_portfolio` | Customer portfolio | Müşteri portföyü | سبد مشتریان | All of a company's current and potential customers, seen as assets of different value. | 1 |
    """
    table = glossary_table(chapter=chapter)
    rows = [
        [
            f"`{key}`",
            row["english"],
            row["turkish"],
            row["persian"],
            row["definition"],
            row["chapter"],
        ]
        for key, row in table.iterrows()
    ]
    align = ["---"] * (len(_MARKDOWN_HEADER) - 1) + ["---:"]
    return _markdown_table(_MARKDOWN_HEADER, rows, align)


def chapter_terms_markdown(chapter: int, languages: Sequence[str] = NOTEBOOK_LANGUAGES) -> str:
    """A chapter's "Course terms" table as markdown, as the notebook's first cell shows it.

    The notebook keeps the table as text (cell 1 is markdown); ``tests/test_glossary.py``
    checks that it equals this rendering, so the notebook and the data file cannot drift.
    After editing the data file, paste the new table into the notebook.

    Takes the arguments of :func:`chapter_terms` and raises what it raises; returns
    ``| English | Turkish |`` (one column per language), a separator row and one row per
    term of :func:`chapter_terms`, joined by newlines (with a final newline).

    Examples
    --------
    >>> print(chapter_terms_markdown(5), end="")  # doctest: +ELLIPSIS
    | English | Turkish |
    |---|---|
    | Customer satisfaction | Müşteri memnuniyeti |
    ...
    | Reliability (Cronbach's alpha) | Güvenilirlik (Cronbach alfa) |
    """
    table = chapter_terms(chapter, languages)
    languages = list(table.columns[:-1])
    rows = [list(row) for row in table[languages].itertuples(index=False)]
    return _markdown_table(
        [lang.capitalize() for lang in languages], rows, ["---"] * len(languages)
    )
