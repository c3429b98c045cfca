"""The instructor's flow: task statuses and places in feedback, handout links, progress, extras.

The end-to-end grading of the fixture submissions (a real kernel, an endless loop)
is in test_exercises_tooling.py; here the grader's bookkeeping is tested on
hand-made runs, so each case is fast and exact.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import portfolio_lib._extras as extras
from portfolio_lib.exercises import grader
from portfolio_lib.exercises.builder import task_layout
from portfolio_lib.exercises.cli import exercises_main
from portfolio_lib.exercises.grader import (
    TASK_STATUSES,
    NotebookGrade,
    TaskResult,
    _places,
    _Run,
    _task_results,
    grade_paths,
    gradebook,
)
from portfolio_lib.exercises.variants import handout_links, make_variants

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exercises"
STUDENT = FIXTURES / "01_demo.ipynb"
COURSE_COPIES = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
CELL_NUMBER = re.compile(r"\bcells? \d")

# --------------------------------------------------------------------------- a five-task notebook

TITLES = ["Net revenue by hand", "A dirty batch", "Why keep rejects?", "P(alive) by hand", "Pick"]


def five_tasks() -> nbformat.NotebookNode:
    """Title, parameters, setup; then per task: heading, solution cell, check cell."""
    cells = [
        new_markdown_cell("# Exercises — Chapter 9"),
        new_code_cell("SEED = 0", metadata={"tags": ["parameters"]}),
        new_code_cell("import numpy as np"),
    ]
    for task, title in enumerate(TITLES, start=1):
        cells.append(new_markdown_cell(f"## Task {task} — {title}\n\nDo it."))
        cells.append(new_code_cell(f"answer_{task} = ...", metadata={"tags": ["solution"]}))
        cells.append(
            new_code_cell(
                f"check_09_{task}(answer_{task})", metadata={"tags": ["check", f"task:{task}"]}
            )
        )
    return new_notebook(cells=cells)


def passed(nb: nbformat.NotebookNode, *tasks: int) -> None:
    """Give the check cells of ``tasks`` the output of a passed check."""
    layout = task_layout(nb)
    for task in tasks:
        text = f"✔ Task {task} passed: {TITLES[task - 1]}\n"
        nb.cells[layout.check_cells[task]].outputs = [
            new_output("stream", name="stdout", text=text)
        ]


def results(nb: nbformat.NotebookNode, run: _Run, timeout: float = 120) -> list[TaskResult]:
    layout = task_layout(nb)
    return _task_results(nb, layout, _places(nb, layout), run, timeout)


def label(task: int) -> str:
    return f'Task {task} — "{TITLES[task - 1]}"'


def test_an_endless_first_task_times_out_and_the_others_are_not_reached():
    nb = five_tasks()
    solution_1 = task_layout(nb).check_cells[1] - 1
    found = results(nb, _Run(stopped_at=solution_1, stop_reason="timeout"))
    assert [r.status for r in found] == ["timed out"] + ["not reached"] * 4
    assert not any(r.passed for r in found)
    assert found[0].feedback.startswith(f"{label(1)}: timed out after 120 s while this task")
    for task, result in enumerate(found[1:], start=2):
        assert result.feedback == (
            f"{label(task)}: not reached: the notebook stopped earlier, in {label(1)}: "
            "it ran out of time (120 s)"
        )
    book = gradebook([NotebookGrade(Path("a.ipynb"), "a", 1, "timeout", "", 121.0, tuple(found))])
    row = book.iloc[0]
    assert [row[f"status_{n}"] for n in range(1, 6)] == ["timed out"] + ["not reached"] * 4
    assert [row[f"task_{n}"] for n in range(1, 6)] == [0] * 5


def test_tasks_before_the_endless_one_keep_their_grade():
    nb = five_tasks()
    passed(nb, 1, 2)
    check_3 = task_layout(nb).check_cells[3]
    found = results(nb, _Run(stopped_at=check_3, stop_reason="timeout"), timeout=15)
    assert [r.status for r in found] == [
        "passed",
        "passed",
        "timed out",
        "not reached",
        "not reached",
    ]
    assert [r.feedback for r in found[:2]] == ["", ""]


def test_a_timeout_in_the_setup_reaches_no_task():
    nb = five_tasks()
    found = results(nb, _Run(stopped_at=2, stop_reason="timeout"))
    assert [r.status for r in found] == ["not reached"] * 5
    assert 'in the setup cells above Task 1 — "Net revenue by hand"' in found[0].feedback


def test_a_dead_kernel_stops_the_running_task_and_reaches_no_later_one():
    nb = five_tasks()
    passed(nb, 1)
    solution_2 = task_layout(nb).check_cells[2] - 1
    run = _Run(
        stopped_at=solution_2,
        stop_reason="dead",
        stop_message="the kernel died",
        stop_detail="Kernel died before replying",
    )
    found = results(nb, run)
    assert [r.status for r in found] == ["passed", "not run"] + ["not reached"] * 3
    assert found[1].feedback == (
        f"{label(2)}: the kernel died while this task was running (Kernel died before replying)"
    )
    assert found[2].feedback.endswith(f"stopped earlier, in {label(2)}: the kernel died")


def test_failed_checks_name_the_task_and_heading_once():
    nb = five_tasks()
    layout = task_layout(nb)
    check_4, solution_4 = layout.check_cells[4], layout.check_cells[4] - 1
    errors = {
        solution_4: ("ValueError", "bad"),
        check_4: (
            "CheckFailed",
            "Task 4 (P(alive) of one customer): P(alive) must be between 0 and 1",
        ),
    }
    passed(nb, 1, 2, 3, 5)
    found = results(nb, _Run(errors=errors))
    assert [r.status for r in found] == ["passed", "passed", "passed", "failed", "passed"]
    assert found[3].feedback == (
        f"{label(4)}: P(alive) must be between 0 and 1 (a cell of this task raised ValueError: bad)"
    )
    assert not CELL_NUMBER.search(found[3].feedback)


def test_an_edited_check_cell_is_named_by_its_task():
    nb = five_tasks()
    passed(nb, 1, 2, 3, 4)
    found = results(nb, _Run())
    assert found[4].status == "failed"
    assert (
        found[4].feedback == f"{label(5)}: the check cell did not report success (was it edited?)"
    )


def test_task_statuses_are_checked():
    assert TaskResult(1, True, "").status == "passed"
    assert TaskResult(1, False, "x").status == "failed"
    assert set(TASK_STATUSES) >= {"passed", "failed", "timed out", "not reached"}
    with pytest.raises(ValueError, match="task status must be one of"):
        TaskResult(1, False, "x", "skipped")
    with pytest.raises(ValueError, match="cannot have passed"):
        TaskResult(1, True, "", "timed out")


def test_a_missing_check_cell_and_an_unreadable_notebook_have_their_own_status():
    grades = [
        NotebookGrade(Path("a.ipynb"), "a", 1, "ok", "", 3.0, (TaskResult(1, True, ""),)),
        NotebookGrade(Path("b.ipynb"), "b", None, "invalid", "not a readable notebook", 0.1),
        NotebookGrade(
            Path("c.ipynb"),
            "c",
            2,
            "ok",
            "",
            2.0,
            (TaskResult(1, False, "w"), TaskResult(2, True, "")),
        ),
    ]
    book = gradebook(grades).set_index("student_id")
    assert book.loc["a", ["status_1", "status_2"]].tolist() == ["passed", "missing"]
    assert book.loc["b", ["status_1", "status_2"]].tolist() == ["not run", "not run"]
    assert book.loc["c", ["status_1", "status_2"]].tolist() == ["failed", "passed"]
    columns = list(book.columns)
    assert columns.index("seconds") < columns.index("status_1") < columns.index("feedback_1")


@pytest.mark.parametrize("copy_path", COURSE_COPIES, ids=lambda p: p.stem)
def test_every_course_task_is_named_by_its_visible_heading(copy_path):
    nb = nbformat.read(str(copy_path), as_version=4)
    layout = task_layout(nb)
    places = _places(nb, layout)
    headings = {
        int(m.group(1)): m.group(2).strip()
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for m in [re.match(r"^## Task (\d+) — (.+)$", cell.source.splitlines()[0])]
        if m
    }
    assert sorted(headings) == layout.tasks
    for task in layout.tasks:
        heading = headings[task].replace("`", "").replace("**", "")
        assert places.labels[task] == f'Task {task} — "{heading}"'
        # the task's own cells (its stub, its check) are placed under that label
        assert places.where(layout.check_cells[task]) == places.labels[task]
        stubs = [i for i, t in layout.solution_cells.items() if t == task]
        assert all(places.where(i) == places.labels[task] for i in stubs)
    assert places.where(1).startswith("the setup cells above Task 1 — ")


def test_heading_example_from_chapter_3_reads_as_the_student_sees_it():
    nb = nbformat.read(str(ROOT / "exercises" / "03_customer_lifetime_value.ipynb"), as_version=4)
    labels = _places(nb, task_layout(nb)).labels
    assert labels[3] == (
        'Task 3 — "Is this customer still a customer? P(alive) (risk altındaki müşteriler)"'
    )


# --------------------------------------------------------------------------- handout links

LINK = re.compile(
    r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?[^)]*\)|\s(?:href|src)\s*=\s*[\"']([^\"']*)[\"']"
)


def broken_links(folder: Path) -> list[str]:
    """Relative links in the Markdown cells of ``folder``'s notebooks that do not resolve from it."""
    broken = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for match in LINK.finditer(cell.source):
                target = match.group(1) or match.group(2)
                if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^#|^//", target):
                    continue
                if not (folder / target.split("#")[0]).exists():
                    broken.append(f"{path.name}: {target}")
    return broken


def test_the_link_finder_sees_the_relative_chapter_links_of_the_student_copies(tmp_path):
    for path in COURSE_COPIES:
        shutil.copy(path, tmp_path / path.name)
    assert len(broken_links(tmp_path)) == len(COURSE_COPIES), "one chapter link per copy"
    assert broken_links(ROOT / "exercises") == [], "inside the repository they resolve"


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    path.write_text("student_id\ns1001\n", encoding="utf-8")
    return path


def test_handouts_outside_the_repository_have_no_broken_links(tmp_path, roster):
    out = tmp_path / "handout"
    assert (
        exercises_main(
            [
                "variants",
                "--roster",
                str(roster),
                "--out",
                str(out),
                "--source",
                str(ROOT / "exercises"),
            ]
        )
        == 0
    )
    written = sorted(out.glob("*.ipynb"))
    assert len(written) == len(COURSE_COPIES)
    assert broken_links(out) == []
    first = nbformat.read(str(out / "01_data_collection__s1001.ipynb"), as_version=4)
    assert (
        first.cells[0].source.count(
            "Chapter 1 (course notebook `notebooks/01_data_collection.ipynb`)"
        )
        == 1
    )


def test_handouts_link_to_the_published_chapters_when_given_their_address(tmp_path, roster):
    url = "https://crm.example.edu/book/{stem}.html"
    table = make_variants(
        ROOT / "exercises" / "05_satisfaction_measurement.ipynb", roster, tmp_path, chapter_url=url
    )
    nb = nbformat.read(str(table["path"].iloc[0]), as_version=4)
    assert "[Chapter 5](https://crm.example.edu/book/05_satisfaction_measurement.html)" in (
        nb.cells[0].source
    )
    assert broken_links(tmp_path) == []
    base = handout_links("[Chapter 2](../notebooks/02_x.ipynb#rfm)", tmp_path, "https://h.edu/nb/")
    assert base == "[Chapter 2](https://h.edu/nb/02_x.ipynb#rfm)"


def test_handout_links_keep_links_that_resolve_and_drop_html_ones_that_do_not(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "README.md").write_text("x", encoding="utf-8")
    text = (
        "See [the data](data/README.md), [the glossary](../docs/glossary.md), "
        '![funnel](../figures/funnel.png) and <a href="../notebooks/03_clv.ipynb">Chapter 3</a>.'
    )
    assert handout_links(text, tmp_path) == (
        "See [the data](data/README.md), the glossary (course file `docs/glossary.md`), "
        "funnel (course file `figures/funnel.png`) and <a>Chapter 3</a>."
    )
    published = handout_links(text, tmp_path, "https://h.edu/{name}")
    assert '<a href="https://h.edu/03_clv.ipynb">Chapter 3</a>' in published


@pytest.mark.parametrize("url", ["../notebooks/{stem}.html", "https://h.edu/{chapter}.html"])
def test_a_chapter_url_must_be_absolute_with_known_placeholders(tmp_path, roster, url, capsys):
    args = ["variants", "--roster", str(roster), "--out", str(tmp_path), "--source", str(STUDENT)]
    assert exercises_main([*args, "--chapter-url", url]) == 2
    assert "chapter_url" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.ipynb"))


# --------------------------------------------------------------------------- progress


@pytest.fixture
def fake_grading(monkeypatch, tmp_path):
    """Three submissions and a grade_notebook that returns at once (no kernel)."""
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in ("a", "b", "c"):
        shutil.copy(STUDENT, folder / f"01_demo__{name}.ipynb")

    def fake(path, **options):
        path = Path(path)
        task = (TaskResult(1, True, ""),)
        return NotebookGrade(path, path.stem.rsplit("__")[-1], 1, "ok", "", 0.1, task)

    monkeypatch.setattr(grader, "grade_notebook", fake)
    return folder


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("jobs", [1, 2])
def test_grading_shows_a_progress_bar_per_notebook(fake_grading, capsys, jobs):
    paths = sorted(fake_grading.glob("*.ipynb"))
    grades = grade_paths(paths, jobs=jobs, progress=True)
    assert [g.student_id for g in grades] == ["a", "b", "c"]
    err = capsys.readouterr().err
    assert "grading" in err and "3/3" in err


def test_no_progress_bar_unless_asked_or_on_a_terminal(fake_grading, capsys):
    paths = sorted(fake_grading.glob("*.ipynb"))
    grade_paths(paths)  # default: no bar
    grade_paths(paths, progress=None)  # stderr is captured here: not a terminal
    assert capsys.readouterr().err == ""


def test_the_grade_command_shows_progress_on_a_terminal_unless_quiet(
    fake_grading, monkeypatch, tmp_path, capsys
):
    args = ["grade", str(fake_grading), "--out", str(tmp_path / "book.csv")]
    for quiet, shown in ((False, True), (True, False)):
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        assert exercises_main(args + (["--quiet"] if quiet else [])) == 0
        assert ("3/3" in terminal.getvalue()) is shown, terminal.getvalue()
    out = capsys.readouterr().out
    assert "status_1" not in out and "Gradebook written" in out


def test_the_grade_command_sums_up_tasks_that_did_not_run_to_the_end(
    monkeypatch, fake_grading, tmp_path, capsys
):
    def endless(path, **options):
        found = (
            TaskResult(1, False, "t", "timed out"),
            TaskResult(2, False, "n", "not reached"),
            TaskResult(3, False, "n", "not reached"),
        )
        return NotebookGrade(Path(path), Path(path).stem, 1, "timeout", "timed out", 1.0, found)

    monkeypatch.setattr(grader, "grade_notebook", endless)
    assert exercises_main(["grade", str(fake_grading), "--out", str(tmp_path / "b.csv")]) == 0
    out = capsys.readouterr().out
    assert "Tasks that did not run to the end: 3 timed out, 6 not reached" in out
    book = pd.read_csv(tmp_path / "b.csv")
    assert book["status_2"].tolist() == ["not reached"] * 3


# --------------------------------------------------------------------------- the notebooks extra

COMMANDS = {
    "grade": ["grade", str(FIXTURES / "submissions"), "--out", "{tmp}/book.csv"],
    "variants": [
        "variants",
        "--roster",
        "{tmp}/r.csv",
        "--out",
        "{tmp}/out",
        "--source",
        str(STUDENT),
    ],
    "build": ["build", "--source", str(FIXTURES / "source"), "--target", "{tmp}/copies"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_missing_notebooks_extra_gives_one_line_and_exit_2(
    command, monkeypatch, tmp_path, capsys
):
    (tmp_path / "r.csv").write_text("student_id\ns1\n", encoding="utf-8")
    monkeypatch.setattr(extras, "missing_modules", lambda modules: ["nbformat", "papermill"])
    argv = [part.replace("{tmp}", str(tmp_path)) for part in COMMANDS[command]]
    assert exercises_main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("to ") and 'pip install "portfolio-lib[notebooks]"' in lines[0]
    assert "(missing: nbformat, papermill)" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"], "nothing was written"


def test_with_the_extra_installed_the_commands_still_run(tmp_path, capsys):
    argv = [p.replace("{tmp}", str(tmp_path)) for p in COMMANDS["build"]]
    assert exercises_main(argv) == 0
    assert (tmp_path / "copies" / "01_demo.ipynb").exists()


def test_without_nbformat_grade_prints_no_traceback_and_fails(tmp_path):
    code = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a, **k: None if name == 'nbformat' else real(name, *a, **k)\n"
        "from portfolio_lib.__main__ import main\n"
        f"sys.exit(main(['exercises', 'grade', {str(FIXTURES / 'submissions')!r}, '--out', "
        f"{str(tmp_path / 'book.csv')!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip() == (
        "to grade submissions install the 'notebooks' extra: "
        'pip install "portfolio-lib[notebooks]" (missing: nbformat)'
    )
    assert not (tmp_path / "book.csv").exists()


def test_cells_below_the_last_task_and_a_task_without_a_title_are_named():
    nb = five_tasks()
    nb.cells.append(new_code_cell("print('extra')"))
    nb.cells[task_layout(nb).check_cells[2] - 2].source = "## Task 2\n\nNo title here."
    places = _places(nb, task_layout(nb))
    assert places.labels[2] == "Task 2"
    assert places.where(len(nb.cells) - 1) == f"the cells below the last task, {label(5)}"
