"""Every chapter labels its blocks the same way: **Question.**, **Idea.**, **For a manager.**

DESIGN.md: a chapter reads question -> idea (with the formula) -> code -> figure/table ->
interpretation -> what a manager should do. The decision block carries one label in every
chapter, "**For a manager.**"; other labels for the same block ("What a manager should do.",
"Decision:", "For the manager.", "An action plan for a manager." ...) are not used. Only
markdown cells are read (a label in a code cell's output is not a label).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

MANAGER_LABEL = "For a manager."
#: A bold run that opens a paragraph (``**Label.** text``) is a block label.
LABEL = re.compile(r"^\*\*([^*\n]+?)\*\*", re.M)
#: Labels that would stand for the decision block under another name.
DECISION_LIKE = re.compile(
    r"manager|managerial|^decisions?\b|^what to do\b|^action\b|^actions\b|^an action\b"
    r"|^implications?\b|^recommendations?\b|^so what\b|^takeaway",
    re.I,
)


def labels(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return [m.strip() for m in LABEL.findall(text)]


def test_six_chapters() -> None:
    assert [int(p.name[:2]) for p in NOTEBOOKS] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_decision_label_in_every_chapter(path: Path) -> None:
    found = labels(path)
    assert found.count(MANAGER_LABEL) >= 1, f"{path.name}: no **{MANAGER_LABEL}** block"
    others = sorted({lab for lab in found if DECISION_LIKE.search(lab) and lab != MANAGER_LABEL})
    assert others == [], f"{path.name}: write **{MANAGER_LABEL}** instead of {others}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_asks_a_question_and_gives_the_idea(path: Path) -> None:
    found = labels(path)
    questions, ideas = found.count("Question."), found.count("Idea.")
    assert questions >= 3 and ideas >= 3, f"{path.name}: {questions} Question / {ideas} Idea"
    # Alternative spellings of the same blocks.
    variants = sorted({lab for lab in found if re.fullmatch(r"(?i)(question|idea)s?\s*[:.]?", lab)})
    assert set(variants) <= {"Question.", "Idea."}, f"{path.name}: {variants}"


def test_detector_sees_the_alternatives() -> None:
    text = (
        "**For a manager.** a\n\n**What a manager should do.** b\n\n**Decision:** c\n\n"
        "**For the manager.** d\n\n**An action plan for a manager.**\n\nSome **bold** word."
    )
    found = [m.strip() for m in LABEL.findall(text)]
    assert found[0] == MANAGER_LABEL and "bold" not in found
    assert [lab for lab in found if DECISION_LIKE.search(lab) and lab != MANAGER_LABEL] == [
        "What a manager should do.",
        "Decision:",
        "For the manager.",
        "An action plan for a manager.",
    ]
