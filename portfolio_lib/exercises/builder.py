"""Build student copies of exercise notebooks from their masters.

A master ``exercises/source/NN_<topic>.ipynb`` holds the solutions; the student
copy ``exercises/NN_<topic>.ipynb`` is generated from it and committed. The
conventions a master follows:

- one code cell tagged ``parameters`` assigning literals to ``SEED`` and
  ``STUDENT_ID`` (papermill injects each student's values after it);
- solution code between a line ``### BEGIN SOLUTION`` and a line
  ``### END SOLUTION``; the student copy replaces the block, markers included, by
  ``raise NotImplementedError("Task N: write your solution here")`` at the
  marker's indentation, keeping the lines before and after it;
- written model answers in Markdown between ``<!-- BEGIN SOLUTION -->`` and
  ``<!-- END SOLUTION -->``, replaced by ``*Write your answer here.*``;
- each task ends with a check cell tagged ``check`` and ``task:N`` calling
  ``portfolio_lib.exercises.check_NN_N(answer, seed=SEED)``. A solution cell
  belongs to the next check cell's task (or to its own ``task:N`` tag).

The student copy has no outputs, no execution counts and no metadata except
cell tags (solution cells gain the tag ``solution``; check cells are marked
non-editable and non-deletable for JupyterLab), so it is byte-for-byte
reproducible: ``build --check`` compares committed copies with fresh ones.

Examples
--------
>>> import nbformat
>>> master = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_code_cell("SEED = 0\\nSTUDENT_ID = ''", metadata={"tags": ["parameters"]}),
...     nbformat.v4.new_code_cell("### BEGIN SOLUTION\\nx = 1\\n### END SOLUTION"),
...     nbformat.v4.new_code_cell("check_99_1(x, seed=SEED)", metadata={"tags": ["check", "task:1"]}),
... ])
>>> print(make_student_copy(master).cells[1].source)
raise NotImplementedError("Task 1: write your solution here")
"""

from __future__ import annotations

import ast
import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "BEGIN_CODE",
    "END_CODE",
    "BEGIN_MARKDOWN",
    "END_MARKDOWN",
    "MARKDOWN_PLACEHOLDER",
    "MasterNotebookError",
    "TaskLayout",
    "task_of_check_cell",
    "task_layout",
    "validate_master",
    "make_student_copy",
    "discover_masters",
    "build_all",
    "stale_copies",
    "has_solutions",
]

BEGIN_CODE = "### BEGIN SOLUTION"
END_CODE = "### END SOLUTION"
BEGIN_MARKDOWN = "<!-- BEGIN SOLUTION -->"
END_MARKDOWN = "<!-- END SOLUTION -->"
MARKDOWN_PLACEHOLDER = "*Write your answer here.*"
STUB_TEMPLATE = 'raise NotImplementedError("Task {task}: write your solution here")'
SOLUTION_TAG = "solution"
CHECK_TAG = "check"
PARAMETERS_TAG = "parameters"
REQUIRED_PARAMETERS = ("SEED", "STUDENT_ID")
MASTER_NAME_PATTERN = re.compile(r"^(\d{2})_[a-z0-9_]+\.ipynb$")
_TASK_TAG = re.compile(r"^task:(\d+)$")


class MasterNotebookError(ValueError):
    """A master notebook breaks the exercise conventions; the message lists every problem."""


@dataclass(frozen=True)
class TaskLayout:
    """Where the tasks of an exercise notebook are.

    Attributes
    ----------
    check_cells : dict
        Task number -> index of its check cell.
    solution_cells : dict
        Cell index -> task number, for cells holding solution markers (masters)
        or tagged ``solution`` (student copies).
    parameters_cell : int or None
        Index of the cell tagged ``parameters``.
    """

    check_cells: dict[int, int]
    solution_cells: dict[int, int]
    parameters_cell: int | None

    @property
    def tasks(self) -> list[int]:
        """Task numbers in notebook order."""
        return sorted(self.check_cells, key=self.check_cells.__getitem__)


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def task_of_check_cell(cell: Any) -> int | None:
    """Task number of a check cell (tags ``check`` and ``task:N``), else ``None``.

    Examples
    --------
    >>> task_of_check_cell({"metadata": {"tags": ["check", "task:3"]}})
    3
    """
    tags = _tags(cell)
    if CHECK_TAG not in tags:
        return None
    numbers = [int(m.group(1)) for m in map(_TASK_TAG.match, tags) if m]
    return numbers[0] if numbers else None


def _own_task(cell: Any) -> int | None:
    numbers = [int(m.group(1)) for m in map(_TASK_TAG.match, _tags(cell)) if m]
    return numbers[0] if numbers else None


def _is_solution_cell(cell: Any) -> bool:
    if SOLUTION_TAG in _tags(cell):
        return True
    begin = BEGIN_CODE if cell.get("cell_type") == "code" else BEGIN_MARKDOWN
    return any(line.strip() == begin for line in cell.get("source", "").splitlines())


def task_layout(nb: Any) -> TaskLayout:
    """Find the check cells, solution cells and parameters cell of a notebook.

    Works on masters (solution markers) and student copies (``solution`` tag).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["check", "task:1"]})])
    >>> task_layout(nb).check_cells
    {1: 0}
    """
    checks: dict[int, int] = {}
    parameters: int | None = None
    pending: list[int] = []
    solutions: dict[int, int] = {}
    for index, cell in enumerate(nb.cells):
        if PARAMETERS_TAG in _tags(cell) and parameters is None:
            parameters = index
        task = task_of_check_cell(cell)
        if task is not None:
            checks.setdefault(task, index)
            for waiting in pending:
                solutions[waiting] = task
            pending = []
        elif _is_solution_cell(cell):
            own = _own_task(cell)
            if own is not None:
                solutions[index] = own
            else:
                pending.append(index)
    for waiting in pending:  # solution cells after the last check: no task (-1)
        solutions[waiting] = -1
    return TaskLayout(check_cells=checks, solution_cells=solutions, parameters_cell=parameters)


def _marker_problems(index: int, cell: Any) -> list[str]:
    """Unbalanced or nested solution markers in one cell."""
    if cell.cell_type == "code":
        begin, end = BEGIN_CODE, END_CODE
    elif cell.cell_type == "markdown":
        begin, end = BEGIN_MARKDOWN, END_MARKDOWN
    else:
        return []
    problems = []
    inside = False
    for number, line in enumerate(cell.source.splitlines(), start=1):
        if line.strip() == begin:
            if inside:
                problems.append(f"cell {index + 1}: line {number} opens {begin!r} twice")
            inside = True
        elif line.strip() == end:
            if not inside:
                problems.append(f"cell {index + 1}: line {number} has {end!r} without {begin!r}")
            inside = False
    if inside:
        problems.append(f"cell {index + 1}: {begin!r} is never closed by {end!r}")
    return problems


def _assigned_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def validate_master(nb: Any, *, name: str = "master") -> TaskLayout:
    """Check that a master notebook follows the exercise conventions.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The master notebook.
    name : str
        How to call it in the message (its file name).

    Returns
    -------
    TaskLayout
        The tasks found.

    Raises
    ------
    MasterNotebookError
        Listing every problem: missing ``parameters`` cell or ``SEED``/``STUDENT_ID``
        in it, check cells without ``task:N`` or with a repeated N, unbalanced
        markers, markers in a check cell, solutions after the last check cell.
    """
    problems: list[str] = []
    layout = task_layout(nb)
    if layout.parameters_cell is None:
        problems.append("no cell tagged 'parameters' (it must assign SEED and STUDENT_ID)")
    else:
        assigned = _assigned_names(nb.cells[layout.parameters_cell].source)
        lacking = [p for p in REQUIRED_PARAMETERS if p not in assigned]
        if lacking:
            problems.append(f"the 'parameters' cell does not assign {lacking}")
    seen: dict[int, int] = {}
    for index, cell in enumerate(nb.cells):
        tags = _tags(cell)
        problems.extend(_marker_problems(index, cell))
        if CHECK_TAG in tags:
            task = task_of_check_cell(cell)
            if task is None:
                problems.append(f"cell {index + 1} is tagged 'check' but has no 'task:N' tag")
            elif task in seen:
                problems.append(
                    f"cells {seen[task] + 1} and {index + 1} are both check cells of task {task}"
                )
            else:
                seen[task] = index
            if BEGIN_CODE in cell.source:
                problems.append(f"cell {index + 1} is a check cell but holds solution markers")
    orphans = [
        i + 1
        for i, task in layout.solution_cells.items()
        if task == -1 and nb.cells[i].cell_type == "code"
    ]
    if orphans:
        problems.append(f"solution code cell(s) {orphans} come after the last check cell")
    if not layout.check_cells:
        problems.append("no check cells (tags 'check' and 'task:N')")
    if problems:
        raise MasterNotebookError(
            f"{name} breaks the exercise conventions:\n  - " + "\n  - ".join(problems)
        )
    return layout


def _replace_blocks(source: str, begin: str, end: str, replacement: str) -> str:
    """Replace each ``begin``…``end`` block (marker lines included) by ``replacement``.

    The replacement takes the indentation of the ``begin`` line; lines outside
    the blocks are kept.
    """
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == begin:
            out.append(line[: len(line) - len(line.lstrip())] + replacement)
            inside = True
        elif stripped == end:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def has_solutions(nb: Any) -> bool:
    """True if any cell still holds solution markers (a master, not a student copy).

    Examples
    --------
    >>> import nbformat
    >>> has_solutions(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]))
    False
    """
    for cell in nb.cells:
        lines = {line.strip() for line in cell.get("source", "").splitlines()}
        if lines & {BEGIN_CODE, END_CODE, BEGIN_MARKDOWN, END_MARKDOWN}:
            return True
    return False


def make_student_copy(master_nb: Any, *, name: str = "master") -> Any:
    """Return the student copy of a master notebook (the master is not modified).

    Parameters
    ----------
    master_nb : nbformat.NotebookNode
        The master, validated with :func:`validate_master`.
    name : str
        The master's file name, used in error messages.

    Returns
    -------
    nbformat.NotebookNode
        Solutions replaced by stubs, outputs and execution counts cleared, cell
        metadata reduced to tags, notebook metadata reduced to the kernel spec.

    Raises
    ------
    MasterNotebookError
        If the master breaks the conventions.
    """
    import nbformat

    layout = validate_master(master_nb, name=name)
    nb = copy.deepcopy(master_nb)
    for index, cell in enumerate(nb.cells):
        tags = _tags(cell)
        task = layout.solution_cells.get(index)
        if task is not None:
            if cell.cell_type == "code":
                stub = STUB_TEMPLATE.format(task=task)
                cell.source = _replace_blocks(cell.source, BEGIN_CODE, END_CODE, stub)
            elif cell.cell_type == "markdown":
                cell.source = _replace_blocks(
                    cell.source, BEGIN_MARKDOWN, END_MARKDOWN, MARKDOWN_PLACEHOLDER
                )
            if SOLUTION_TAG not in tags:
                tags.append(SOLUTION_TAG)
        metadata: dict[str, Any] = {}
        if CHECK_TAG in tags:
            metadata["deletable"] = False
            metadata["editable"] = False
        if tags:
            metadata["tags"] = tags
        cell.metadata = nbformat.NotebookNode(metadata)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if not cell.get("id"):
            cell["id"] = f"cell-{index:03d}"
    kernelspec = dict(master_nb.metadata.get("kernelspec") or {})
    nb.metadata = nbformat.NotebookNode(
        {
            "kernelspec": {
                "display_name": kernelspec.get("display_name", "Python 3 (ipykernel)"),
                "language": kernelspec.get("language", "python"),
                "name": kernelspec.get("name", "python3"),
            },
            "language_info": {"name": "python"},
        }
    )
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nb


def discover_masters(source_dir: Path | str) -> list[Path]:
    """Master notebooks ``NN_<topic>.ipynb`` in ``source_dir``, sorted.

    Raises
    ------
    MasterNotebookError
        If a notebook's name breaks the ``NN_snake_case.ipynb`` pattern.
    """
    folder = Path(source_dir)
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    bad = [p.name for p in paths if not MASTER_NAME_PATTERN.match(p.name)]
    if bad:
        raise MasterNotebookError(f"master names must look like 'NN_snake_case.ipynb': {bad}")
    return paths


def _read(path: Path) -> Any:
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _as_json(nb: Any) -> Any:
    import nbformat

    return json.loads(nbformat.writes(nb))


def _fresh_copy(master: Path) -> Any:
    return make_student_copy(_read(master), name=master.name)


def _is_current(copy_path: Path, fresh: Any) -> bool:
    if not copy_path.exists():
        return False
    try:
        committed = json.loads(copy_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return committed == _as_json(fresh)


def build_all(source_dir: Path | str, target_dir: Path | str) -> list[Path]:
    """Write the student copy of every master in ``source_dir`` into ``target_dir``.

    Copies already equal to the regenerated ones are left untouched.

    Returns
    -------
    list of Path
        The student copies that were (re)written.

    Examples
    --------
    >>> build_all("exercises/source", "exercises")  # doctest: +SKIP
    [PosixPath('exercises/05_satisfaction.ipynb')]
    """
    import nbformat

    target = Path(target_dir)
    written = []
    for master in discover_masters(source_dir):
        fresh = _fresh_copy(master)
        copy_path = target / master.name
        if _is_current(copy_path, fresh):
            continue
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(fresh, str(copy_path))
        written.append(copy_path)
    return written


def stale_copies(source_dir: Path | str, target_dir: Path | str) -> list[Path]:
    """Student copies that are missing or differ from the regenerated ones.

    The comparison is on the parsed JSON, so indentation does not matter but
    any outputs, metadata or edited cells do.

    Examples
    --------
    >>> stale_copies("exercises/source", "exercises")  # doctest: +SKIP
    []
    """
    target = Path(target_dir)
    return [
        target / master.name
        for master in discover_masters(source_dir)
        if not _is_current(target / master.name, _fresh_copy(master))
    ]
