"""Exercise tooling: feedback helpers, student-copy builder, per-student variants, grader, CLI.

Fixtures live in tests/fixtures/exercises/ (regenerate with make_fixtures.py there):
a three-task master, its committed student copy, and four submissions (correct,
partial, raising in the setup cell, endless).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_notebook, new_output

from portfolio_lib import exercises
from portfolio_lib._errors import DataValidationError
from portfolio_lib.exercises.builder import (
    MasterNotebookError,
    build_all,
    discover_masters,
    has_solutions,
    make_student_copy,
    stale_copies,
    task_layout,
    validate_master,
)
from portfolio_lib.exercises.cli import exercises_main
from portfolio_lib.exercises.feedback import (
    CheckFailed,
    check,
    expect_choice,
    expect_close_series,
    expect_frame_columns,
    expect_keywords,
    expect_number,
    task_check,
)
from portfolio_lib.exercises.grader import (
    grade_paths,
    gradebook,
    notebook_parameters,
)
from portfolio_lib.exercises.variants import make_variants, read_roster, student_seed

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exercises"
MASTER = FIXTURES / "source" / "01_demo.ipynb"
STUDENT = FIXTURES / "01_demo.ipynb"
SUBMISSIONS = FIXTURES / "submissions"
#: Seconds per notebook when grading the fixtures (the endless one uses all of it).
GRADE_TIMEOUT = 15
SOLUTION_LINES = [
    "total = amounts.sum()",
    "largest = np.sort(amounts)[-k:]",
    'decision = "A" if top_share(amounts) > 40 else "B"',
    "Revenue is concentrated",
]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def failure(function, *args, **kwargs) -> str:
    """Call a check helper that must fail; return its message."""
    with pytest.raises(CheckFailed) as info:
        function(*args, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- feedback helpers


def test_check_failed_is_an_assertion_error_whose_text_is_the_message():
    error = CheckFailed("NPS must be in points")
    assert isinstance(error, AssertionError)
    assert str(error) == "NPS must be in points"
    check(True, "never shown")
    assert failure(check, False, "segment is missing") == "segment is missing"


def test_expect_number_accepts_numpy_scalars_within_tolerance():
    expect_number(np.int64(1234), 1234, name="total")
    expect_number(np.float64(33.33334), 100 / 3, name="share", rel=1e-5)


def test_expect_number_spots_a_fraction_that_should_be_a_percentage():
    message = failure(
        expect_number, 0.33, 33.0, name="NPS", unit="points", bounds=(-100, 100), rel=1e-6
    )
    assert (
        message == "NPS must be between -100 and 100 points; you returned 0.33 — multiply by 100?"
    )


def test_expect_number_spots_a_percentage_that_should_be_a_fraction():
    message = failure(expect_number, 42.0, 0.42, name="retention rate", bounds=(0, 1))
    assert message == "retention rate must be between 0 and 1; you returned 42 — divide by 100?"


def test_expect_number_names_bounds_sign_and_never_the_expected_value():
    message = failure(expect_number, 330.0, 37.25, name="NPS", unit="points", bounds=(-100, 100))
    assert "between -100 and 100" in message and "330" in message
    assert "37.25" not in message
    assert "sign looks reversed" in failure(expect_number, -37.25, 37.25, name="NPS")
    plain = failure(expect_number, 36.0, 37.25, name="CLV", unit="currency units")
    assert "CLV" in plain and "36" in plain and "37.25" not in plain
    assert "too low" in failure(expect_number, 36.0, 37.25, name="CLV", hint_direction=True)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "you returned None"),
        ("0.42", "not the text '0.42'"),
        (True, "True/False"),
        (float("nan"), "NaN"),
        (..., "placeholder"),
        (pd.Series([1.0, 2.0]), "Series with 2 values"),
        (np.array([5.0]), "holding one value"),
        ([1, 2], "you returned a list"),
    ],
)
def test_expect_number_explains_answers_of_the_wrong_kind(answer, fragment):
    message = failure(expect_number, answer, 0.42, name="churn rate")
    assert message.startswith("churn rate") and fragment in message


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e6) | st.floats(min_value=-1e6, max_value=-1e-3))
def test_a_hundredfold_slip_is_always_named_and_only_the_answer_shown(expected):
    message = failure(expect_number, expected / 100, expected, name="KPI", rel=1e-9)
    assert message == f"KPI: you returned {expected / 100:.6g} — multiply by 100?"


def test_expect_choice_ignores_case_spaces_and_accents():
    expect_choice("  b ", ["A", "B", "C"], "B")
    expect_choice("Büyüme", ["koruma", "büyüme"], "buyume")
    expect_choice("retain", ["retain", "grow", "harvest"], {"retain", "grow"})


def test_expect_choice_separates_invalid_from_wrong_options():
    invalid = failure(expect_choice, "D", ["A", "B", "C"], "B", name="the action")
    assert invalid == "the action must be one of 'A', 'B', 'C'; you wrote 'D'"
    wrong = failure(expect_choice, "a", ["A", "B"], "B", name="the action", hint="compare churn")
    assert "'A' is not the best choice" in wrong and "compare churn" in wrong
    assert "placeholder" in failure(expect_choice, ..., ["A", "B"], "B")
    with pytest.raises(ValueError, match="not among the allowed"):
        expect_choice("A", ["A", "B"], "Z")


def test_expect_keywords_matches_stems_in_english_and_turkish():
    expect_keywords("Churn rises as satisfaction falls.", required_any=["churn", "kayıp"])
    expect_keywords(
        "MÜŞTERİ KAYBI bu dönem arttı; sadakat programı gerekli",
        required_all=[("churn", "müşteri kaybı"), ("loyalty", "sadakat")],
    )
    expect_keywords("We should retain the champions first", required_any=["retention", "retain"])


def test_expect_keywords_does_not_reveal_the_keywords():
    message = failure(
        expect_keywords,
        "prices should go up next year",
        name="your interpretation",
        required_any=["churn", "kayıp"],
        hint="what happens to customers who leave?",
    )
    assert "churn" not in message and "kayıp" not in message
    assert "does not mention the key idea — what happens to customers who leave?" in message
    counted = failure(expect_keywords, "x y z w", required_all=["alpha", ("beta", "gamma")])
    assert "2 of 2 key ideas are missing" in counted
    assert "too short (2 word(s))" in failure(expect_keywords, "churn up", required_any=["churn"])
    assert "'average'" in failure(
        expect_keywords, "the average customer churns", forbidden=["average"]
    )
    assert "must be text" in failure(expect_keywords, 42)


def test_expect_frame_columns_points_at_index_and_series():
    table = pd.DataFrame({"n": [3, 4]}, index=pd.Index(["a", "b"], name="segment"))
    message = failure(expect_frame_columns, table, ["segment", "n"], name="segment sizes")
    assert "lacks column(s) ['segment']" in message and "reset_index()" in message
    assert "Series" in failure(expect_frame_columns, table["n"], ["n"])
    expect_frame_columns(table.reset_index(), ["segment", "n"])


def test_expect_close_series_aligns_labels_and_shows_only_the_students_values():
    expected = pd.Series({"champions": 120.0, "at_risk": 40.0, "lost": 5.0})
    expect_close_series(expected.iloc[::-1], expected)
    hundredfold = failure(expect_close_series, expected / 100, expected, name="revenue share")
    assert "multiply by 100?" in hundredfold
    wrong = expected.copy()
    wrong["lost"] = 7.0
    message = failure(expect_close_series, wrong, expected, name="revenue")
    assert "1 of 3 values" in message and "'lost': 7" in message and "5" not in message
    labels = failure(expect_close_series, expected.rename({"lost": "gone"}), expected)
    assert "missing labels ['lost']" in labels and "unexpected labels ['gone']" in labels
    assert "one-column DataFrame" in failure(expect_close_series, expected.to_frame("v"), expected)


def test_task_check_prints_the_success_line_and_prefixes_failures(capsys):
    @task_check("NPS of the survey")
    def check_05_2(answer, *, seed):
        expect_number(answer, 20.0 + seed, name="NPS", unit="points", bounds=(-100, 100))

    assert check_05_2(21.0, seed=1) is None
    assert capsys.readouterr().out == "✔ Task 2 passed: NPS of the survey\n"
    message = failure(check_05_2, 0.21, seed=1)
    assert message.startswith("Task 2 (NPS of the survey): NPS must be between -100 and 100 points")
    assert failure(check_05_2, {"nps": 21}, seed=1).endswith("you returned a dict")

    @task_check("mean spend")
    def check_05_3(answer, *, seed):
        check(answer.mean() > seed, "mean spend must be positive")

    broken = failure(check_05_3, 12.5, seed=0)
    assert broken.startswith("Task 3 (mean spend): your answer could not be checked")
    assert "you passed a float; AttributeError" in broken
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="check_NN_T"):
        task_check("x")(lambda answer: None)


# --------------------------------------------------------------------------- check registry


def test_check_functions_are_found_in_their_chapter_module(monkeypatch):
    chapter = types.ModuleType("portfolio_lib.exercises.checks.ch98")

    @task_check("demo")
    def check_98_1(answer, *, seed):
        check(answer == seed, "wrong")

    chapter.check_98_1 = check_98_1
    monkeypatch.setitem(sys.modules, chapter.__name__, chapter)
    assert exercises.check_98_1 is check_98_1
    with pytest.raises(AttributeError, match=r"no check check_98_2 .* defines \['check_98_1'\]"):
        exercises.check_98_2  # noqa: B018
    with pytest.raises(AttributeError, match=r"checks/ch97\.py does not exist"):
        exercises.check_97_1  # noqa: B018
    with pytest.raises(AttributeError):
        exercises.not_there  # noqa: B018


def test_importing_the_checks_does_not_load_the_instructor_tooling():
    code = (
        "import sys, portfolio_lib.exercises as e; "
        "print(sorted(m for m in ('nbclient', 'papermill', 'nbformat') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- builder


def test_student_copy_has_stubs_but_no_solutions_outputs_or_metadata():
    master = read(MASTER)
    before = json.dumps(master, sort_keys=True)
    student = make_student_copy(master)
    assert json.dumps(master, sort_keys=True) == before, "the master must not be modified"
    text = json.dumps(student)
    for line in SOLUTION_LINES + ["BEGIN SOLUTION", "END SOLUTION"]:
        assert line not in text
    sources = [cell.source for cell in student.cells]
    assert "total = amounts.sum()" not in sources
    function_cell = next(s for s in sources if s.startswith("def top_share"))
    assert function_cell.splitlines() == [
        "def top_share(amounts, k=5):",
        '    """Share of revenue from the k largest purchases, in percent (0-100)."""',
        '    raise NotImplementedError("Task 2: write your solution here")',
    ]
    decision_cell = next(s for s in sources if s.startswith("decision = ..."))
    assert (
        decision_cell.splitlines()[1]
        == 'raise NotImplementedError("Task 3: write your solution here")'
    )
    assert "*Write your answer here.*" in sources[-1]
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        assert set(cell.metadata) <= {"tags", "editable", "deletable"}
    layout = task_layout(student)
    assert layout.tasks == [1, 2, 3]
    assert sorted(layout.solution_cells.values()) == [-1, 1, 2, 3]  # -1: the Markdown answer
    assert "parameters" in student.cells[layout.parameters_cell].metadata["tags"]
    assert not has_solutions(student) and has_solutions(master)


def test_student_copy_drops_outputs_counts_and_volatile_metadata():
    master = read(MASTER)
    setup = master.cells[2]
    setup.execution_count = 7
    setup.outputs = [new_output("stream", name="stdout", text="hello")]
    setup.metadata.update({"collapsed": True, "ExecuteTime": {"end_time": "2025"}})
    master.metadata["widgets"] = {"state": {}}
    master.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    student = make_student_copy(master)
    assert student.cells[2].outputs == [] and student.cells[2].execution_count is None
    assert student.cells[2].metadata == {}
    assert student.metadata == make_student_copy(read(MASTER)).metadata
    assert set(student.metadata) == {"kernelspec", "language_info"}


def test_student_copy_is_reproducible():
    first = nbformat.writes(make_student_copy(read(MASTER)))
    assert first == nbformat.writes(make_student_copy(read(MASTER)))


def test_committed_fixture_student_copy_equals_the_regenerated_one():
    assert stale_copies(FIXTURES / "source", FIXTURES) == []


def test_committed_course_student_copies_equal_the_regenerated_ones():
    assert stale_copies(ROOT / "exercises" / "source", ROOT / "exercises") == []


def test_validate_master_lists_every_broken_convention():
    nb = new_notebook(
        cells=[
            new_code_cell("SEED = 1"),
            new_code_cell("### BEGIN SOLUTION\nx = 1"),
            new_code_cell("check_01_1(x, seed=SEED)", metadata={"tags": ["check"]}),
            new_code_cell("check_01_2(x)", metadata={"tags": ["check", "task:2"]}),
            new_code_cell("check_01_2(y)", metadata={"tags": ["check", "task:2"]}),
            new_code_cell("### BEGIN SOLUTION\ny = 2\n### END SOLUTION"),
        ]
    )
    with pytest.raises(MasterNotebookError) as info:
        validate_master(nb, name="01_broken.ipynb")
    message = str(info.value)
    for fragment in [
        "01_broken.ipynb",
        "no cell tagged 'parameters'",
        "cell 2: '### BEGIN SOLUTION' is never closed",
        "cell 3 is tagged 'check' but has no 'task:N' tag",
        "cells 4 and 5 are both check cells of task 2",
        "solution code cell(s) [6] come after the last check cell",
    ]:
        assert fragment in message
    params = new_code_cell("SEED = 1", metadata={"tags": ["parameters"]})
    with pytest.raises(MasterNotebookError, match=r"does not assign \['STUDENT_ID'\]"):
        validate_master(new_notebook(cells=[params]))


def test_build_check_detects_missing_and_stale_copies(tmp_path, capsys):
    source, target = tmp_path / "source", tmp_path / "student"
    source.mkdir()
    shutil.copy(MASTER, source / MASTER.name)
    args = ["build", "--source", str(source), "--target", str(target)]
    assert exercises_main([*args, "--check"]) == 1
    assert str(target / MASTER.name) in capsys.readouterr().out
    assert exercises_main(args) == 0
    assert (target / MASTER.name).exists()
    assert build_all(source, target) == [], "an up-to-date copy is not rewritten"
    assert exercises_main([*args, "--check"]) == 0
    edited = read(target / MASTER.name)
    edited.cells[4].source = "total = 1  # a student's edit committed by mistake"
    nbformat.write(edited, str(target / MASTER.name))
    capsys.readouterr()
    assert exercises_main([*args, "--check"]) == 1
    assert str(target / MASTER.name) in capsys.readouterr().out
    assert build_all(source, target) == [target / MASTER.name]
    assert stale_copies(source, target) == []


def test_build_check_runs_through_python_dash_m(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(MASTER, source / MASTER.name)
    command = [sys.executable, "-m", "portfolio_lib", "exercises", "build", "--check"]
    command += ["--source", str(source), "--target", str(tmp_path / "student")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1 and "01_demo.ipynb" in done.stdout


def test_build_rejects_a_badly_named_master(tmp_path, capsys):
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(MASTER, source / "Demo Exercises.ipynb")
    assert exercises_main(["build", "--source", str(source), "--target", str(tmp_path)]) == 2
    assert "NN_snake_case" in capsys.readouterr().err


# --------------------------------------------------------------------------- variants


def test_student_seed_is_sha256_of_the_id_and_stable():
    digest = hashlib.sha256(b"0:s001").digest()
    assert student_seed("s001") == int.from_bytes(digest[:8], "big") % (2**31 - 1)
    assert student_seed(" s001 ") == student_seed("s001")
    assert student_seed("s001") != student_seed("s002")
    assert student_seed("s001", base_seed=2025) != student_seed("s001")


def test_variants_inject_each_students_seed_and_id(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n007,Ayşe\ns002,Reza\n", encoding="utf-8")
    table = make_variants(STUDENT, roster, tmp_path / "out")
    assert table["student_id"].tolist() == ["007", "s002"]
    assert table["seed"].tolist() == [student_seed("007"), student_seed("s002")]
    assert table["seed"].nunique() == 2
    for student_id, seed, path in table.itertuples(index=False):
        assert path.name == f"01_demo__{student_id}.ipynb"
        nb = read(path)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1
        assert notebook_parameters(nb) == {"SEED": seed, "STUDENT_ID": student_id}
        assert not has_solutions(nb)
        assert "papermill" not in nb.metadata


def test_variants_of_a_master_never_carry_its_solutions(tmp_path):
    table = make_variants(MASTER, pd.DataFrame({"student_id": ["a1"]}), tmp_path)
    text = table["path"].iloc[0].read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text
    assert all(line not in text for line in SOLUTION_LINES)


@pytest.mark.parametrize(
    ("csv", "fragment"),
    [
        ("learner\ns1\n", "missing required column(s) ['student_id']"),
        ("student_id\ns1\ns2\ns1\n", "must be unique"),
        ("student_id,name\ns1,A\n  ,B\n", "must not be empty"),
        ("student_id\na b\na_b\n", "same file name"),
    ],
)
def test_bad_rosters_name_the_id_column(tmp_path, csv, fragment):
    roster = tmp_path / "roster.csv"
    roster.write_text(csv, encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        make_variants(STUDENT, roster, tmp_path / "out")
    assert "student_id" in str(info.value) and fragment in str(info.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_roster_keeps_leading_zeros_and_shows_the_repeated_rows():
    with pytest.raises(DataValidationError, match=r"(?s)repeated ids.*007"):
        read_roster(pd.DataFrame({"student_id": ["007", "008", "007"]}))
    assert read_roster(pd.DataFrame({"student_id": ["007"]}))["student_id"].iloc[0] == "007"


def test_variants_command_reports_a_bad_roster(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("id\ns1\n", encoding="utf-8")
    args = ["variants", "--roster", str(roster), "--out", str(tmp_path), "--source", str(STUDENT)]
    assert exercises_main(args) == 2
    assert "student_id" in capsys.readouterr().err
    assert exercises_main([*args[:-1], str(MASTER), "--id-column", "id"]) == 0
    assert (tmp_path / "01_demo__s1.ipynb").exists()


# --------------------------------------------------------------------------- grader


def test_grading_the_fixture_folder_gives_the_expected_gradebook(tmp_path):
    """Acceptance: correct, partial, raising and endless submissions, plus the student copy.

    One grading run covers all six notebooks to keep the file fast. The "correct"
    submission carries the master's solutions, so it also shows the master passes.
    """
    folder = tmp_path / "submissions"
    shutil.copytree(SUBMISSIONS, folder)
    shutil.copy(STUDENT, tmp_path / "student.ipynb")
    cheat = read(folder / "01_demo__s-partial.ipynb")
    cheat.cells[task_layout(cheat).check_cells[2]].source = 'print("✔ Task 2 passed: trust me")'
    nbformat.write(cheat, str(tmp_path / "cheat.ipynb"))
    paths = sorted(folder.glob("*.ipynb"))
    paths += [tmp_path / name for name in ("student.ipynb", "cheat.ipynb")]
    graded = grade_paths(paths, timeout_seconds=GRADE_TIMEOUT, jobs=3, reference=STUDENT)
    grades = {g.path.name: g for g in graded}
    assert len(grades) == 6

    book = gradebook(g for name, g in grades.items() if name.startswith("01_demo__"))
    book = book.set_index("student_id")
    assert list(book.index) == ["s-correct", "s-endless", "s-partial", "s-raises"]
    assert book["seed"].tolist() == [student_seed(s) for s in book.index]
    tasks = ["task_1", "task_2", "task_3"]

    correct = book.loc["s-correct"]
    assert correct[tasks].tolist() == [1, 1, 1] and correct["total"] == 3
    assert correct["status"] == "ok" and correct["message"] == ""

    partial = book.loc["s-partial"]
    assert partial[tasks].tolist() == [1, 0, 0] and partial["status"] == "ok"
    # feedback names the task and its visible heading, once (not the check's own title too)
    assert partial["feedback_2"].startswith(
        'Task 2 — "Share of the five largest purchases": top-5 share must be between 0 and 100 '
        "percent; you returned "
    )
    assert partial["feedback_2"].endswith("— multiply by 100?")
    assert partial["feedback_3"] == (
        'Task 3 — "Key accounts or a broad campaign?": '
        "NotImplementedError: Task 3: write your solution here"
    )
    assert partial[["status_1", "status_2", "status_3"]].tolist() == ["passed", "failed", "failed"]

    raising = book.loc["s-raises"]
    assert raising[tasks].tolist() == [0, 0, 0] and raising["status"] == "error"
    assert raising["message"].startswith(
        'the setup cells above Task 1 — "Total revenue" raised ImportError: '
    )
    assert "expect_chioce" in raising["message"]
    assert raising["feedback_1"].startswith('Task 1 — "Total revenue": NameError: ')
    assert "something failed earlier, in the setup cells" in raising["feedback_1"]
    assert "expect_chioce" in raising["feedback_1"]

    endless = book.loc["s-endless"]
    assert endless["status"] == "timeout"
    assert endless["message"] == (
        f'timed out after {GRADE_TIMEOUT} s in Task 2 — "Share of the five largest purchases"'
    )
    assert endless[tasks].tolist() == [1, 0, 0], "tasks before the endless cell still count"
    # task 2 was running when time ran out; task 3 never ran: two different statuses
    assert endless[["status_1", "status_2", "status_3"]].tolist() == [
        "passed",
        "timed out",
        "not reached",
    ]
    assert endless["feedback_2"].startswith(
        f'Task 2 — "Share of the five largest purchases": timed out after {GRADE_TIMEOUT} s '
        "while this task was running"
    )
    assert endless["feedback_3"] == (
        'Task 3 — "Key accounts or a broad campaign?": not reached: the notebook stopped '
        'earlier, in Task 2 — "Share of the five largest purchases": it ran out of time '
        f"({GRADE_TIMEOUT} s)"
    )
    # no feedback or message points at a cell number, which students cannot see
    texts = book[["message", "feedback_1", "feedback_2", "feedback_3"]].to_numpy().ravel()
    assert not [t for t in texts if re.search(r"\bcells? \d", str(t))]
    # The kernel was killed at the budget: kernel start (bounded by 60 s) + budget.
    assert endless["seconds"] < GRADE_TIMEOUT + 60

    # The reference's check cells replace edited ones: the cheat is graded like "partial".
    assert [t.passed for t in grades["cheat.ipynb"].tasks] == [True, False, False]
    assert grades["cheat.ipynb"].tasks[1].feedback == partial["feedback_2"]

    assert grades["01_demo__s-correct.ipynb"].first_error_cell is None

    student = grades["student.ipynb"]
    layout = task_layout(read(STUDENT))
    first_solution = min(i for i, t in layout.solution_cells.items() if t == 1)
    assert student.status == "ok"
    assert student.first_error.startswith("NotImplementedError: Task 1")
    # Everything before the first solution cell runs; the first error is the stub, at or
    # before the first check cell -- never a NameError.
    assert first_solution <= student.first_error_cell <= layout.check_cells[1]
    headings = ["Total revenue", "Share of the five largest purchases"]
    headings.append("Key accounts or a broad campaign?")
    assert [t.feedback for t in student.tasks] == [
        f'Task {n} — "{heading}": NotImplementedError: Task {n}: write your solution here'
        for n, heading in enumerate(headings, start=1)
    ]


def test_grade_command_survives_unreadable_notebooks(tmp_path, capsys):
    folder = tmp_path / "subs"
    (folder / "ali").mkdir(parents=True)
    (folder / "ali" / "01_demo.ipynb").write_text("{ not json", encoding="utf-8")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "x.ipynb").write_text("{}", encoding="utf-8")
    out = tmp_path / "gradebook.csv"
    args = ["grade", str(folder), "--out", str(out), "--id-from", "folder"]
    assert exercises_main(args) == 0
    book = pd.read_csv(out, dtype={"student_id": str})
    assert book["student_id"].tolist() == ["ali"]
    assert book["status"].tolist() == ["invalid"]
    assert book["message"].iloc[0].startswith("not a readable notebook")
    assert exercises_main(["grade", str(tmp_path / "empty"), "--out", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_gradebook_scores_a_missing_check_cell_as_zero_with_a_reason():
    from portfolio_lib.exercises.grader import NotebookGrade, TaskResult

    grades = [
        NotebookGrade(Path("a.ipynb"), "a", 1, "ok", "", 3.0, (TaskResult(1, True, ""),)),
        NotebookGrade(
            Path("b.ipynb"),
            "b",
            2,
            "ok",
            "",
            2.0,
            (TaskResult(1, False, "wrong"), TaskResult(2, True, "")),
        ),
    ]
    book = gradebook(grades).set_index("student_id")
    assert book.loc["a", ["task_1", "task_2", "total", "max_total"]].tolist() == [1, 0, 1, 2]
    assert book.loc["a", "feedback_2"] == "no check cell for task 2 in this notebook"
    assert book.loc["b", "feedback_1"] == "wrong"
    assert math.isclose(book.loc["b", "seconds"], 2.0)


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        # an unfinished task says so, whatever the check then raised
        (
            {4: ("NotImplementedError", "Task 2: write"), 6: ("NameError", "name 'x'")},
            "NotImplementedError: Task 2: write",
        ),
        # a check's message wins over an unrelated error in the task's cells, which is noted
        (
            {4: ("ValueError", "bad"), 6: ("CheckFailed", "Task 2 (x): too low")},
            "Task 2 (x): too low (a cell of this task raised ValueError: bad)",
        ),
        ({6: ("CheckFailed", "Task 2 (x): too low")}, "Task 2 (x): too low"),
        # a missing name is traced back to the notebook's first error, placed by its task
        (
            {1: ("ImportError", "no foo"), 4: ("NameError", "name 'y'"), 6: ("NameError", "n")},
            "NameError: name 'y' (something failed earlier, in <place of cell 1>: "
            "ImportError: no foo)",
        ),
        ({6: ("ZeroDivisionError", "division by zero")}, "ZeroDivisionError: division by zero"),
    ],
)
def test_task_feedback_names_the_cause_a_student_can_act_on(errors, expected):
    from portfolio_lib.exercises.grader import _Run, _task_feedback

    run = _Run(errors=errors)
    assert _task_feedback(6, 4, min(errors), run, lambda i: f"<place of cell {i}>") == expected


# --------------------------------------------------------------------------- course masters

COURSE_MASTERS = discover_masters(ROOT / "exercises" / "source")


@pytest.mark.parametrize("master_path", COURSE_MASTERS, ids=lambda p: p.stem)
def test_course_masters_follow_the_conventions(master_path):
    nb = read(master_path)
    layout = validate_master(nb, name=master_path.name)
    # 4-9 tasks: chapter 2 has 9 since issue 19 added portfolio groups, psychographic
    # segments, cohort retention and the migration matrix to its five
    assert 4 <= len(layout.tasks) <= 9, "an exercise set has 4-9 tasks"
    chapter = master_path.name[:2]
    for task, index in layout.check_cells.items():
        assert re.search(rf"\bcheck_{chapter}_{task}\(", nb.cells[index].source), (
            f"{master_path.name}: the check cell of task {task} must call check_{chapter}_{task}"
        )


@pytest.mark.notebook
@pytest.mark.parametrize("master_path", COURSE_MASTERS, ids=lambda p: p.stem)
def test_course_master_passes_and_student_copy_fails_first_at_its_stub(master_path, tmp_path):
    student_path = tmp_path / master_path.name
    nbformat.write(make_student_copy(read(master_path)), str(student_path))
    master_grade, student_grade = grade_paths([master_path, student_path], timeout_seconds=600)
    assert master_grade.first_error_cell is None, master_grade.first_error
    assert all(t.passed for t in master_grade.tasks)
    layout = task_layout(read(student_path))
    first_solution = min(i for i, t in layout.solution_cells.items() if t != -1)
    first_check = layout.check_cells[layout.tasks[0]]
    assert student_grade.first_error.startswith("NotImplementedError"), student_grade.first_error
    assert first_solution <= student_grade.first_error_cell <= first_check
    assert not any(t.passed for t in student_grade.tasks)
    assert not any("NameError" in t.feedback for t in student_grade.tasks)


def test_fixture_submissions_keep_the_student_copys_check_cells():
    """The committed submissions start from the committed student copy (same check cells)."""
    student = read(STUDENT)
    checks = [c.source for c in student.cells if "check" in c.metadata.get("tags", [])]
    assert len(checks) == 3
    for path in sorted(SUBMISSIONS.glob("*.ipynb")):
        nb = read(path)
        submitted = [c.source for c in nb.cells if "check" in c.metadata.get("tags", [])]
        assert submitted == checks, path.name


# --------------------------------------------------------------------------- per-student variants
VARIANT_IDS = ("s1001", "s2002")


@pytest.mark.parametrize("master_path", COURSE_MASTERS, ids=lambda p: p.stem)
def test_course_variants_for_two_students_differ_in_data(master_path):
    import importlib
    import pickle

    checks = importlib.import_module(f"portfolio_lib.exercises.checks.ch{master_path.name[:2]}")
    seeds = [student_seed(i) for i in VARIANT_IDS]
    assert seeds[0] != seeds[1]
    first, second = (pickle.dumps(checks.exercise_data(seed)) for seed in seeds)
    assert first != second, "two students' seeds must give different exercise data"


@pytest.mark.notebook
@pytest.mark.parametrize("master_path", COURSE_MASTERS, ids=lambda p: p.stem)
def test_course_master_passes_on_a_students_variant(master_path, tmp_path):
    import papermill

    student_id = VARIANT_IDS[1]
    variant = tmp_path / f"{master_path.stem}__{student_id}.ipynb"
    papermill.execute_notebook(
        str(master_path),
        str(variant),
        parameters={"SEED": student_seed(student_id), "STUDENT_ID": student_id},
        prepare_only=True,
    )
    (grade,) = grade_paths([variant], timeout_seconds=600)
    assert grade.first_error_cell is None, grade.first_error
    assert grade.tasks and all(t.passed for t in grade.tasks), [t.feedback for t in grade.tasks]
