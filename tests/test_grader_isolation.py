"""The grader isolates submissions (issue 15).

Every submission runs in a throwaway copy of its folder with a scrubbed environment
and memory/CPU/file-size limits; where bubblewrap works the rest of the file system is
read-only and there is no network. These tests run real kernels: the bwrap ones skip
(saying why) where bubblewrap cannot run, the others hold in both modes.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from portfolio_lib.exercises import grader
from portfolio_lib.exercises.cli import exercises_main
from portfolio_lib.exercises.grader import (
    SandboxLimits,
    bwrap_available,
    describe_isolation,
    grade_folder,
    grade_notebook,
    resolve_isolation,
)

needs_bwrap = pytest.mark.skipif(
    not bwrap_available(), reason="bubblewrap cannot run here (no bwrap or no namespaces)"
)
SECRET = "s3cr3t-instructor-token"


def submission(folder: Path, *sources: str, name: str = "nb.ipynb") -> Path:
    """A notebook whose setup cells are ``sources``, then one task that always passes."""
    cells = [new_markdown_cell("# Exercises"), *(new_code_cell(src) for src in sources)]
    cells += [
        new_markdown_cell("## Task 1 — Anything"),
        new_code_cell('print("✔ Task 1 passed: ok")', metadata={"tags": ["check", "task:1"]}),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(new_notebook(cells=cells), str(path))
    return path


@pytest.fixture
def executed(monkeypatch):
    """Records, for each graded notebook, its cells' outputs as text and its sandbox root."""
    seen: dict[str, list[str]] = {}
    roots: list[Path] = []
    real = grader._execute

    def spy(nb, *, sandbox, **options):
        roots.append(sandbox.root)
        run = real(nb, sandbox=sandbox, **options)
        seen["outputs"] = [
            "".join(
                str(out.get("text") or f"{out.get('ename')}: {out.get('evalue')}")
                for out in cell.get("outputs", [])
            )
            for cell in nb.cells
            if cell.cell_type == "code"
        ]
        return run

    monkeypatch.setattr(grader, "_execute", spy)
    monkeypatch.setenv("SECRET_TOKEN", SECRET)
    return seen, roots


# --------------------------------------------------------------------------- without kernels


def test_limits_are_checked_and_default_to_twice_the_budget():
    assert SandboxLimits().cpu_limit(timeout_seconds=120, startup_timeout=60) == 300
    assert SandboxLimits(cpu_seconds=7).cpu_limit(timeout_seconds=120, startup_timeout=60) == 7
    for bad in ({"memory_mb": 0}, {"cpu_seconds": -1}, {"file_size_mb": 1.5}, {"memory_mb": True}):
        with pytest.raises(ValueError, match="positive int"):
            SandboxLimits(**bad)


def test_isolation_is_resolved_and_bwrap_demanded_where_absent_is_an_error(monkeypatch):
    assert resolve_isolation("basic") == "basic"
    assert resolve_isolation("auto") == ("bwrap" if bwrap_available() else "basic")
    with pytest.raises(ValueError, match="isolation must be"):
        resolve_isolation("docker")
    monkeypatch.setattr(grader, "bwrap_available", lambda: False)
    assert resolve_isolation("auto") == "basic"
    with pytest.raises(RuntimeError, match="bubblewrap cannot run here"):
        resolve_isolation("bwrap")


def test_the_description_says_what_is_not_in_force():
    basic = describe_isolation("basic")
    assert "throwaway copy" in basic and "scrubbed environment" in basic
    assert "can read, change or delete any file" in basic and "network" in basic
    sandboxed = describe_isolation("bwrap", SandboxLimits(memory_mb=1024))
    assert "read-only" in sandboxed and "no network" in sandboxed and "1024 MiB" in sandboxed
    assert "can still be read" in sandboxed
    with pytest.raises(ValueError):
        describe_isolation("none")


# --------------------------------------------------------------------------- with kernels


def test_basic_isolation_copy_scrubbed_env_and_relative_paths(tmp_path, executed):
    """What the fallback guarantees, exactly: the copy, the environment, ``..`` inside it."""
    seen, roots = executed
    victim = tmp_path / "subs" / "victim.txt"
    folder = tmp_path / "subs" / "ali"
    path = submission(
        folder,
        "import os\nprint(os.getcwd())\nprint(os.environ.get('SECRET_TOKEN'))\n"
        "print(os.environ['HOME'])\nprint(sorted(os.environ))",
        "print(sorted(os.listdir()))\nopen('written.txt', 'w').write('x')\nos.remove('nb.ipynb')\n"
        "print('own copy changed')",
        "os.remove('../victim.txt')",
    )
    victim.write_text("keep", encoding="utf-8")
    (folder / "data.csv").write_text("a\n1\n", encoding="utf-8")
    (folder / "other__bob.ipynb").write_text("{}", encoding="utf-8")
    before = sorted(p.name for p in folder.iterdir())

    grade = grade_notebook(path, timeout_seconds=60, isolation="basic")

    assert grade.isolation == "basic"
    cwd, token, home, names = seen["outputs"][0].splitlines()
    assert token == "None", "the instructor's environment is not passed on"
    assert SECRET not in seen["outputs"][0]
    assert Path(cwd) != folder.resolve() and Path(cwd).parent == Path(home)
    assert "SECRET_TOKEN" not in names and "PATH" in names
    assert seen["outputs"][1] == "['data.csv', 'nb.ipynb']\nown copy changed\n"
    # ../victim.txt from the copy is the throwaway folder's, which has none
    assert "FileNotFoundError" in seen["outputs"][2]
    assert victim.read_text(encoding="utf-8") == "keep"
    assert sorted(p.name for p in folder.iterdir()) == before, "the real folder is untouched"
    assert grade.status == "error" and "FileNotFoundError" in grade.message
    assert [t.passed for t in grade.tasks] == [True]
    assert roots and not any(root.exists() for root in roots), "the copy is deleted afterwards"


@needs_bwrap
def test_bwrap_a_submission_cannot_delete_a_file_outside_its_folder(tmp_path, executed):
    seen, roots = executed
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    folder = tmp_path / "subs" / "ali"
    path = submission(
        folder,
        f"import os, socket\nos.remove({str(victim)!r})",
        f"os.remove({str(path_in(folder))!r})",
        "try:\n    socket.create_connection(('127.0.0.1', 22), timeout=2)\n"
        "except OSError as error:\n    print('no network:', type(error).__name__)",
        "import os\nprint(os.environ.get('SECRET_TOKEN'))",
    )
    book = grade_folder(tmp_path / "subs", timeout_seconds=60, progress=False)

    assert victim.read_text(encoding="utf-8") == "keep", "the file outside survived"
    assert path.exists(), "the submission itself survived"
    row = book.iloc[0]
    assert row["isolation"] == "bwrap"
    assert row["status"] == "error"
    assert "Read-only file system" in row["message"], row["message"]
    outputs = seen["outputs"]
    assert "Read-only file system" in outputs[0] and "Read-only file system" in outputs[1]
    assert outputs[2].startswith("no network:")
    assert outputs[3].strip() == "None"
    assert not any(root.exists() for root in roots)


def path_in(folder: Path) -> Path:
    """The submission's own file in the real folder (an absolute path, outside the copy)."""
    return folder.resolve() / "nb.ipynb"


def test_memory_file_size_and_cpu_limits_are_recorded_as_errors(tmp_path, executed):
    seen, _ = executed
    path = submission(
        tmp_path / "subs" / "greedy",
        "block = bytearray(6 * 1024**3)",
        "open('big.bin', 'wb').write(b'x' * (3 * 1024**2))",
        "print('still alive')",
        "while True:\n    pass",
    )
    limits = SandboxLimits(memory_mb=2048, cpu_seconds=3, file_size_mb=1)
    grade = grade_notebook(path, timeout_seconds=90, limits=limits)

    assert grade.isolation == resolve_isolation("auto")
    outputs = seen["outputs"]
    assert outputs[0].startswith("MemoryError")
    assert "File too large" in outputs[1]
    assert outputs[2] == "still alive\n", "a limit in one cell does not end the notebook"
    assert grade.status == "error"
    assert grade.message.startswith("the kernel died"), grade.message
    assert grade.seconds < 60, "the CPU limit killed the endless loop before the time budget"
    assert [t.status for t in grade.tasks] == ["not reached"]
    assert grade.first_error.startswith("MemoryError")


def test_the_grade_command_says_and_records_the_isolation(tmp_path, capsys, monkeypatch):
    submission(tmp_path / "subs" / "ali", "x = 1")
    out = tmp_path / "book.csv"
    args = ["grade", str(tmp_path / "subs"), "--out", str(out), "--isolation", "basic"]
    assert exercises_main([*args, "--id-from", "folder"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Isolation: basic isolation: each notebook runs in a throwaway")
    book = pd.read_csv(out)
    assert book[["student_id", "status", "isolation", "total"]].values.tolist() == [
        ["ali", "ok", "basic", 1]
    ]
    monkeypatch.setattr(grader, "bwrap_available", lambda: False)
    args[-1] = "bwrap"
    assert exercises_main(args) == 2
    assert "bubblewrap cannot run here" in capsys.readouterr().err
