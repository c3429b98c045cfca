"""Tests for portfolio_lib.glossary: the course terms in English, Turkish and Persian.

Expected names come from the course brief and the team conventions (journey stages:
discovery (keşfetme), first_contact (ilk temas), decision (karar anı),
purchase (hizmet alımı), deepening (derinleşme)), not from the module under test.

The terms live in the data file portfolio_lib/data/glossary.toml; the tests check that
file's rules, the tables rendered from it, and that each notebook's "Course terms" table
(cell 1, markdown) is the one rendered from it, so the notebook text cannot drift.
"""

from __future__ import annotations

import dataclasses
import doctest
import json
import re
import sys
import tomllib
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import _terms, glossary
from portfolio_lib.glossary import (
    DATA_FILE,
    STAGE_KEYS,
    TERMS,
    GlossaryDataError,
    Term,
    chapter_terms,
    chapter_terms_markdown,
    glossary_table,
    load_terms,
    stage_names,
    term,
    to_markdown,
    turkish,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

LANGUAGE_FIELDS = ("english", "turkish", "persian")
TEXT_FIELDS = (*LANGUAGE_FIELDS, "definition")

# Arabic script blocks: Arabic, Arabic Supplement, Presentation Forms A and B.
ARABIC_SCRIPT = ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
TURKISH_LETTERS = "çğıöşüâîûÇĞİÖŞÜÂÎÛ"

EXPECTED_STAGES = {
    "discovery": "Keşfetme",
    "first_contact": "İlk temas",
    "decision": "Karar anı",
    "purchase": "Hizmet alımı",
    "deepening": "Derinleşme",
}


def is_arabic_script(char: str) -> bool:
    return any(lo <= ord(char) <= hi for lo, hi in ARABIC_SCRIPT)


def turkish_lower(text: str) -> str:
    """Lower-case with Turkish rules (``str.lower`` turns İ into i + combining dot)."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def markdown_cells(line: str) -> list[str]:
    """Split one markdown table row on unescaped pipes."""
    assert line.startswith("| ") and line.endswith(" |"), line
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line[1:-1])]


# --- the data --------------------------------------------------------------------------


def test_size_and_keys_unique_snake_case() -> None:
    keys = [t.key for t in TERMS]
    assert 40 <= len(TERMS) <= 80
    assert len(keys) == len(set(keys))
    bad = [k for k in keys if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", k)]
    assert bad == []


def test_names_unique_per_language() -> None:
    for field in LANGUAGE_FIELDS:
        names = [getattr(t, field) for t in TERMS]
        duplicated = {n for n in names if names.count(n) > 1}
        assert duplicated == set(), field


@pytest.mark.parametrize("item", TERMS, ids=lambda t: t.key)
def test_every_text_field_non_empty_clean_one_line(item: Term) -> None:
    for field in TEXT_FIELDS:
        value = getattr(item, field)
        assert isinstance(value, str) and value.strip(), (item.key, field)
        assert value == value.strip(), (item.key, field)
        assert "\n" not in value and "  " not in value, (item.key, field)
        assert unicodedata.is_normalized("NFC", value), (item.key, field)
        assert "|" not in value, (item.key, field)
    assert len(item.definition) <= 120, item.key
    assert item.definition[0].isupper() and item.definition.endswith("."), item.key
    assert isinstance(item.chapter, int) and 1 <= item.chapter <= 6, item.key


@pytest.mark.parametrize("item", TERMS, ids=lambda t: t.key)
def test_persian_is_in_persian_script(item: Term) -> None:
    letters = [c for c in item.persian if unicodedata.category(c).startswith("L")]
    arabic = [c for c in letters if is_arabic_script(c)]
    # Letters are Arabic script, except upper-case Latin acronyms such as "(CLV)".
    assert arabic, item.persian
    assert all(is_arabic_script(c) or ("A" <= c <= "Z") for c in letters), item.persian
    # Persian, not Arabic, yeh and kaf (ی U+06CC, ک U+06A9 instead of ي U+064A, ك U+0643).
    assert "\u064a" not in item.persian and "\u0643" not in item.persian, item.persian
    digits = [c for c in item.persian if c.isdigit()]
    assert all(c in PERSIAN_DIGITS for c in digits), item.persian


@pytest.mark.parametrize("item", TERMS, ids=lambda t: t.key)
def test_turkish_uses_latin_and_turkish_letters_only(item: Term) -> None:
    for char in item.turkish:
        if unicodedata.category(char).startswith("L"):
            assert char.isascii() or char in TURKISH_LETTERS, (item.key, char)


def test_english_is_plain_ascii() -> None:
    assert [t.key for t in TERMS if not t.english.isascii()] == []
    assert [t.key for t in TERMS if not t.definition.isascii()] == []


# Course vocabulary given in the brief (Turkish spelled with its own letters).
EXPECTED_TURKISH_FRAGMENTS = {
    "customer_portfolio": "müşteri portföyü",
    "data_collection": "veri toplama",
    "segmentation": "segmentasyon",
    "clv": "müşteri yaşam boyu değeri",
    "retention_rate": "elde tutma oranı",
    "churn_rate": "müşteri kaybı oranı",
    "cac": "müşteri edinme maliyeti",
    "customer_journey": "müşteri yolculuğu",
    "touchpoint": "temas noktası",
    "channel": "kanal",
    "cross_sell": "çapraz satış",
    "up_sell": "üst satış",
    "customer_satisfaction": "müşteri memnuniyeti",
    "nps": "net tavsiye skoru",
    "periodic_survey": "periyodik anket",
    "complaint_analysis": "şikayet analizi",
    "mystery_shopping": "gizli müşteri",
    "reward_points": "puan",
    **{k: turkish_lower(v) for k, v in EXPECTED_STAGES.items()},
}


@pytest.mark.parametrize(("key", "fragment"), sorted(EXPECTED_TURKISH_FRAGMENTS.items()))
def test_turkish_course_names(key: str, fragment: str) -> None:
    assert fragment in turkish_lower(term(key).turkish)


@pytest.mark.parametrize(
    "key",
    ["discovery", "first_contact", "decision", "purchase", "deepening", "customer_portfolio"]
    + ["churn_rate", "cross_sell", "up_sell", "complaint_analysis", "mystery_shopping", "clv"],
)
def test_turkish_not_ascii_folded(key: str) -> None:
    name = term(key).turkish
    assert not name.isascii(), name
    assert any(c in TURKISH_LETTERS for c in name), name


# Persian names given in the brief.
@pytest.mark.parametrize(
    ("key", "fragments"),
    [
        ("customer_portfolio", ("سبد مشتریان",)),
        ("clv", ("ارزش طول عمر مشتری",)),
        ("churn_rate", ("نرخ ریزش مشتری",)),
        ("mystery_shopping", ("خرید پنهان", "مشتری پنهان")),
    ],
)
def test_persian_course_names(key: str, fragments: tuple[str, ...]) -> None:
    assert any(f in term(key).persian for f in fragments), term(key).persian


def test_acronyms_kept_in_every_language() -> None:
    for key, acronym in [("crm", "CRM"), ("clv", "CLV"), ("nps", "NPS"), ("csat", "CSAT")]:
        item = term(key)
        assert all(acronym in getattr(item, field) for field in LANGUAGE_FIELDS), key


def test_chapters_follow_the_course_and_terms_are_grouped_by_chapter() -> None:
    # DESIGN.md: collect data (1), segment (2), value (3), journey (4),
    # satisfaction (5), strategy per group (6).
    anchors = {
        "data_collection": 1,
        "crm_database": 1,
        "segmentation": 2,
        "rfm": 2,
        "clv": 3,
        "churn_rate": 3,
        "customer_journey": 4,
        "nps": 5,
        "mystery_shopping": 5,
    }
    assert {k: term(k).chapter for k in anchors} == anchors
    assert all(term(k).chapter == 4 for k in STAGE_KEYS)
    chapters = [t.chapter for t in TERMS]
    assert chapters == sorted(chapters)
    assert set(chapters) == {1, 2, 3, 4, 5, 6}


def test_term_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TERMS[0].turkish = "x"  # type: ignore[misc]


# --- journey stages ---------------------------------------------------------------------


def test_stage_keys_present_and_in_order() -> None:
    assert STAGE_KEYS == tuple(EXPECTED_STAGES)
    keys = [t.key for t in TERMS]
    positions = [keys.index(k) for k in EXPECTED_STAGES]
    assert positions == sorted(positions)


def test_stage_names_maps_keys_in_order_to_turkish() -> None:
    names = stage_names()
    assert list(names) == list(EXPECTED_STAGES)
    assert names == EXPECTED_STAGES
    names["discovery"] = "changed"  # a fresh dict each call: no shared state
    assert stage_names()["discovery"] == "Keşfetme"


# --- lookup -----------------------------------------------------------------------------


def test_term_and_turkish_find_every_key() -> None:
    for item in TERMS:
        assert term(item.key) is item
        assert turkish(item.key) == item.turkish


@pytest.mark.parametrize(
    ("given_key", "expected"),
    [("Cross-sell", "cross_sell"), ("  CLV ", "clv"), ("first contact", "first_contact")],
)
def test_term_forgives_case_spaces_and_hyphens(given_key: str, expected: str) -> None:
    assert term(given_key).key == expected


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [
        ("chrun_rate", "churn_rate"),
        ("first_contct", "first_contact"),
        ("discovry", "discovery"),
        ("churn", "churn_rate"),
        ("nps_score", "nps"),
        ("upsell", "up_sell"),
    ],
)
def test_unknown_key_suggests_close_matches(typo: str, suggestion: str) -> None:
    with pytest.raises(KeyError) as info:
        term(typo)
    message = info.value.args[0]
    assert repr(typo) in message
    assert "did you mean" in message and repr(suggestion) in message


def test_unknown_key_without_close_match_points_to_terms() -> None:
    with pytest.raises(KeyError, match="TERMS") as info:
        term("zzzz")
    assert "did you mean" not in info.value.args[0]
    with pytest.raises(KeyError, match="discovry"):
        turkish("discovry")


def test_term_rejects_non_string_key() -> None:
    with pytest.raises(TypeError, match="int"):
        term(3)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30))
def test_term_returns_the_normalised_key_or_raises_keyerror(text: str) -> None:
    try:
        found = term(text)
    except KeyError as error:
        assert repr(text) in error.args[0]  # str(KeyError) would re-escape it
    else:
        assert found.key == text.strip().lower().replace("-", "_").replace(" ", "_")


# --- tables -----------------------------------------------------------------------------


def test_glossary_table_has_every_term_in_order() -> None:
    table = glossary_table()
    assert list(table.index) == [t.key for t in TERMS]
    assert table.index.name == "key"
    assert list(table.columns) == [*LANGUAGE_FIELDS, "definition", "chapter"]
    assert table["chapter"].dtype == "int64"
    for item in TERMS:
        row = table.loc[item.key]
        assert [row[f] for f in TEXT_FIELDS] == [getattr(item, f) for f in TEXT_FIELDS]


@pytest.mark.parametrize("chapter", [1, 2, 3, 4, 5, 6])
def test_glossary_table_filters_by_chapter(chapter: int) -> None:
    table = glossary_table(chapter=chapter)
    assert len(table) > 0
    assert (table["chapter"] == chapter).all()
    assert list(table.index) == [t.key for t in TERMS if t.chapter == chapter]


def test_chapter_tables_partition_the_full_table() -> None:
    parts = pd.concat([glossary_table(chapter=c) for c in range(1, 7)])
    pd.testing.assert_frame_equal(parts, glossary_table())


def test_glossary_table_language_subset_and_order() -> None:
    table = glossary_table(languages=("turkish", "english"))
    assert list(table.columns) == ["turkish", "english", "definition", "chapter"]
    assert table.loc["decision", "turkish"] == "Karar anı"
    assert list(glossary_table(languages="persian").columns) == [
        "persian",
        "definition",
        "chapter",
    ]


@pytest.mark.parametrize("languages", [("english", "kurdish"), ("tr",)])
def test_glossary_table_rejects_unknown_language(languages: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match=repr(languages[-1])):
        glossary_table(languages=languages)


@pytest.mark.parametrize("languages", [(), ("english", "english")])
def test_glossary_table_rejects_empty_or_repeated_languages(languages: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="at most once"):
        glossary_table(languages=languages)


@pytest.mark.parametrize("chapter", [0, 7, -1, "2", 2.0, True])
def test_bad_chapter_rejected(chapter: object) -> None:
    with pytest.raises(ValueError, match="chapter"):
        glossary_table(chapter=chapter)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chapter"):
        to_markdown(chapter=chapter)  # type: ignore[arg-type]


# --- markdown ---------------------------------------------------------------------------


def test_markdown_header_and_one_row_per_term() -> None:
    text = to_markdown()
    assert text.endswith("\n")
    lines = text.splitlines()
    assert lines[0] == "| Key | English | Turkish | Persian | Definition | Chapter |"
    assert re.fullmatch(r"\|(:?-{3,}:?\|){6}", lines[1]), lines[1]
    body = lines[2:]
    assert len(body) == len(TERMS)
    for line, item in zip(body, TERMS, strict=True):
        cells = markdown_cells(line)
        assert cells == [
            f"`{item.key}`",
            item.english,
            item.turkish,
            item.persian,
            item.definition,
            str(item.chapter),
        ]


def test_markdown_for_one_chapter() -> None:
    lines = to_markdown(chapter=5).splitlines()
    assert len(lines) - 2 == sum(t.chapter == 5 for t in TERMS)
    assert all(markdown_cells(line)[-1] == "5" for line in lines[2:])


def test_markdown_needs_no_tabulate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tabulate", None)  # any import of it now fails
    assert len(to_markdown().splitlines()) == len(TERMS) + 2


def test_markdown_escapes_pipes(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = Term("x", "A | B", "A | B", "الف | ب", "Has a | pipe.", 1)
    monkeypatch.setattr(glossary, "TERMS", (piped,))
    row = to_markdown().splitlines()[2]
    assert markdown_cells(row) == ["`x`", "A | B", "A | B", "الف | ب", "Has a | pipe.", "1"]


# --- documentation ----------------------------------------------------------------------


@pytest.mark.parametrize("module", [glossary, _terms], ids=lambda m: m.__name__)
def test_docstring_examples_run(module) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# --- the data file ------------------------------------------------------------------------

GOOD_BLOCK = """
[[term]]
key = "{key}"
english = "English {key}"
turkish = "Türkçe {key}"
persian = "فارسی {key}"
definition = "A definition."
chapter = 4
notebooks = [4]
"""


def write_terms(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "glossary.toml"
    path.write_text(text, encoding="utf-8")
    return path


def minimal_file() -> str:
    return "".join(GOOD_BLOCK.format(key=k) for k in STAGE_KEYS)


def test_terms_come_from_the_data_file() -> None:
    assert DATA_FILE.name == "glossary.toml" and DATA_FILE.parent.name == "data"
    assert load_terms() == TERMS
    assert load_terms(DATA_FILE) == TERMS
    raw = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert [block["key"] for block in raw["term"]] == [t.key for t in TERMS]
    # The code holds no term data any more: the names appear only in the file.
    code = (ROOT / "portfolio_lib" / "glossary.py").read_text(encoding="utf-8")
    code += (ROOT / "portfolio_lib" / "_terms.py").read_text(encoding="utf-8")
    assert "Müşteri elde tutma oranı" not in code and "Değer-sadakat matrisi" not in code


def test_data_file_is_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["portfolio_lib"]
    relative = DATA_FILE.relative_to(ROOT / "portfolio_lib")
    assert any(relative.match(p) for p in patterns), patterns


def test_data_file_keys_unique_and_translations_filled() -> None:
    # Read the file itself, so the rule holds for what a translator edits.
    blocks = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))["term"]
    keys = [b["key"] for b in blocks]
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []
    empty = [
        (b["key"], f)
        for b in blocks
        for f in ("english", "turkish", "persian", "definition")
        if not str(b.get(f, "")).strip()
    ]
    assert empty == []


def test_minimal_file_loads(tmp_path: Path) -> None:
    terms = load_terms(write_terms(tmp_path, minimal_file()))
    assert [t.key for t in terms] == list(STAGE_KEYS)
    assert terms[0] == Term(
        "discovery",
        "English discovery",
        "Türkçe discovery",
        "فارسی discovery",
        "A definition.",
        4,
        (4,),
    )


def test_decomposed_letters_are_stored_composed(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Keşfetme")
    assert decomposed != "Keşfetme"
    text = minimal_file().replace("Türkçe discovery", decomposed, 1)
    assert load_terms(write_terms(tmp_path, text))[0].turkish == "Keşfetme"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t + GOOD_BLOCK.format(key="decision"), "key 'decision' repeats term 3"),
        (lambda t: t.replace('turkish = "Türkçe purchase"', 'turkish = ""'), "turkish is empty"),
        (lambda t: t.replace('persian = "فارسی decision"', 'persian = "  "'), "persian is empty"),
        (lambda t: t.replace('english = "English deepening"\n', ""), "missing field 'english'"),
        (lambda t: t.replace("chapter = 4", "chapter = 4\nnote = 'x'", 1), "unknown field 'note'"),
        (lambda t: t.replace("chapter = 4", "chapter = 7", 1), "chapter must be one of"),
        (lambda t: t.replace("chapter = 4", 'chapter = "4"', 1), "chapter must be one of"),
        (lambda t: t.replace("notebooks = [4]", "notebooks = [4, 4]", 1), "repeats a chapter"),
        (lambda t: t.replace("notebooks = [4]", "notebooks = [0]", 1), "notebooks must be a list"),
        (lambda t: t.replace('key = "purchase"', 'key = "Purchase Stage"'), "snake_case"),
        (
            lambda t: t.replace('key = "deepening"', 'key = "deepen"'),
            "stage 'deepening' has no term",
        ),
        (lambda t: t.replace("A definition.", "A | B.", 1), "without surrounding spaces or '|'"),
        (
            lambda t: t + "[term.extra]\nx = 1\n",
            "term 5 ('deepening'): unknown field 'extra'",
        ),
        (lambda t: 'title = "x"\n' + t, "unknown top-level entry 'title'"),
    ],
)
def test_bad_data_file_is_rejected_with_its_problem(tmp_path: Path, change, message: str) -> None:
    path = write_terms(tmp_path, change(minimal_file()))
    with pytest.raises(GlossaryDataError) as info:
        load_terms(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = minimal_file().replace('turkish = "Türkçe purchase"', 'turkish = ""')
    text = text.replace("chapter = 4", "chapter = 9", 1)
    with pytest.raises(GlossaryDataError, match=r"2 problem\(s\)") as info:
        load_terms(write_terms(tmp_path, text))
    assert "term 1 ('discovery')" in str(info.value) and "term 4 ('purchase')" in str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[[term]]\nkey = "a\n', "not valid TOML"),
        (b"", "no [[term]] blocks"),
        (b'title = "x"\n', "no [[term]] blocks"),
        ("key = 'ş'\n".encode("cp1254"), "not UTF-8"),
    ],
)
def test_unreadable_data_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "glossary.toml"
    path.write_bytes(content)
    with pytest.raises(GlossaryDataError, match=re.escape(message)):
        load_terms(path)


def test_every_notebook_lists_some_terms_and_every_term_is_somewhere() -> None:
    for chapter in range(1, 7):
        assert len(chapter_terms(chapter)) >= 5, chapter
    listed = {t.key for t in TERMS if t.notebooks}
    # A few terms are in the README glossary only; most appear in some notebook's table.
    assert len(listed) >= 0.9 * len(TERMS)


# --- a chapter's term table ----------------------------------------------------------------


@pytest.mark.parametrize("chapter", [1, 2, 3, 4, 5, 6])
def test_chapter_terms_new_terms_first_then_revisited(chapter: int) -> None:
    table = chapter_terms(chapter)
    assert list(table.columns) == ["english", "turkish", "chapter"]
    assert table.index.name == "key"
    expected = [t.key for t in TERMS if chapter in t.notebooks]
    assert sorted(table.index) == sorted(expected)
    own = table["chapter"].eq(chapter).tolist()
    assert own == sorted(own, reverse=True), "terms of the chapter come first"
    order = [t.key for t in TERMS]
    for part in (table[table["chapter"] == chapter], table[table["chapter"] != chapter]):
        positions = [order.index(k) for k in part.index]
        assert positions == sorted(positions), "course order inside each part"
    for key, row in table.iterrows():
        assert (row["english"], row["turkish"]) == (term(key).english, term(key).turkish)


def test_chapter_terms_languages_and_bad_input() -> None:
    table = chapter_terms(5, languages=("persian", "english"))
    assert list(table.columns) == ["persian", "english", "chapter"]
    with pytest.raises(ValueError, match="chapter"):
        chapter_terms(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chapter"):
        chapter_terms_markdown(0)
    with pytest.raises(ValueError, match="'german'"):
        chapter_terms(2, languages=("german",))


def test_chapter_terms_markdown_rows() -> None:
    text = chapter_terms_markdown(4)
    assert text.endswith("\n")
    lines = text.splitlines()
    assert lines[:2] == ["| English | Turkish |", "|---|---|"]
    table = chapter_terms(4)
    assert [markdown_cells(line) for line in lines[2:]] == table[
        ["english", "turkish"]
    ].values.tolist()
    three = chapter_terms_markdown(4, languages=("english", "turkish", "persian")).splitlines()
    assert three[0] == "| English | Turkish | Persian |" and three[1] == "|---|---|---|"


# --- the notebooks' "Course terms" tables ------------------------------------------------------


def notebook_term_table(path: Path) -> list[str]:
    """The lines of the markdown table under "Course terms" in a notebook's first cell."""
    cell = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    assert cell["cell_type"] == "markdown", f"{path.name}: cell 1 must stay markdown"
    text = "".join(cell["source"])
    assert "**Course terms (English — Turkish).**" in text, f"{path.name}: no Course terms table"
    after = text.split("**Course terms (English — Turkish).**", 1)[1].splitlines()
    start = next(i for i, line in enumerate(after) if line.startswith("|"))
    end = next((i for i in range(start, len(after)) if not after[i].startswith("|")), len(after))
    return after[start:end]


def test_six_notebooks_found() -> None:
    assert [int(p.name[:2]) for p in NOTEBOOKS] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_terms_exist_in_the_glossary_with_the_same_turkish(path: Path) -> None:
    lines = notebook_term_table(path)
    assert lines[0] == "| English | Turkish |", lines[0]
    by_english = {t.english: t for t in TERMS}
    problems = []
    for line in lines[2:]:
        english, turkish_name = markdown_cells(line)
        found = by_english.get(english)
        if found is None:
            problems.append(f"{english!r} is not a glossary term (English name)")
        elif found.turkish != turkish_name:
            problems.append(f"{english!r}: notebook {turkish_name!r}, glossary {found.turkish!r}")
        elif int(path.name[:2]) not in found.notebooks:
            problems.append(f"{found.key!r}: add {int(path.name[:2])} to its notebooks field")
    assert problems == [], f"{path.name} drifted from {DATA_FILE.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_term_table_is_the_rendered_one(path: Path) -> None:
    expected = chapter_terms_markdown(int(path.name[:2]))
    assert "\n".join(notebook_term_table(path)) + "\n" == expected, (
        f"paste glossary.chapter_terms_markdown({int(path.name[:2])}) into the first cell of "
        f"{path.name}:\n{expected}"
    )
