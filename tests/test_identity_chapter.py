"""Chapter 1's customer-identification section at the ends of its parameter ranges (issue 18).

The matrix runs chapter 1 on other data sets; these runs move the identification parameters
themselves: many duplicates linked at a low threshold on a very messy CRM, and few duplicates
at a strict threshold on a clean one. The chapter must run to the end and print its
identification results (a run that fails names the cell's error).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from portfolio_lib.matrix import MatrixCase, run_case

ENDS = {
    "loose": (("DATASET", "simulate"), ("N_CUSTOMERS", 300), ("SEED", 5),
              ("DUPLICATE_RATE", 0.5), ("MATCH_THRESHOLD", 0.5), ("MESSIER", 4.0),
              ("COST_FALSE_MERGE", 0.0), ("COST_MISSED_MERGE", 100.0)),
    "strict": (("DUPLICATE_RATE", 0.05), ("MATCH_THRESHOLD", 0.999), ("MESSIER", 1.0),
               ("COST_FALSE_MERGE", 1000.0), ("COST_MISSED_MERGE", 0.0)),
}  # fmt: skip


@pytest.mark.notebook
@pytest.mark.parametrize("name", sorted(ENDS))
def test_identification_section_runs_at_the_ends_of_its_ranges(name: str, tmp_path: Path):
    case = MatrixCase(chapter="01", parameters=ENDS[name])
    result = run_case(case, output_dir=tmp_path)
    assert result.passed, f"chapter 01 with {case.label}: {result.error}"
    nb = nbformat.read(tmp_path / f"{case.test_id}.ipynb", as_version=4)
    text = "\n".join(
        str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert "precision" in text.lower() and "recall" in text.lower()


def test_a_failed_em_session_leaves_the_prior_alone():
    """With few duplicates one EM session fails part-way (an m probability underflows); it
    used to leave a prior of 4.6e-36 behind, so no pair reached any threshold."""
    from portfolio_lib import identity
    from portfolio_lib.course import load_course_data
    from portfolio_lib.identity.course import RECORD_COLUMNS
    from portfolio_lib.lessons import identity as lesson

    chosen = lesson.chapter_records(
        load_course_data("sample"), "sample", duplicate_rate=0.05, seed=42
    )
    result = identity.resolve(
        chosen.records.records, columns=RECORD_COLUMNS, threshold=0.999, seed=42
    )
    assert any("skipped" in note for note in result.notes)  # the failing session happened
    assert 1e-6 < result.prior < 1e-2
    scores = result.evaluate(chosen.records.truth)
    assert scores.precision > 0.99 and scores.recall > 0.85
