"""Grade submitted exercise notebooks into a gradebook.

Each submission runs in a fresh ``python3`` kernel with nbclient, cell by cell
with errors allowed, so a failing task does not stop the tasks after it. A task
passes when its check cell (tags ``check`` and ``task:N``) raised nothing and
printed ``✔ Task N passed``; otherwise its feedback is the check's message, or
the error of the student's own cell that broke it. A notebook that runs past
its time budget has its kernel killed: the task that was running is recorded
as ``timed out``, the tasks after it as ``not reached`` (they never ran). One
broken or endless notebook never stops the others.

Feedback names the task by its number and the heading the student sees above
it (``Task 3 — "P(alive) by hand": ...``), never by a cell index, which
students cannot see.

Notebook statuses: ``ok`` (ran to the end; tasks may still fail), ``error`` (the
setup part before the first task raised, the kernel died or could not start),
``timeout``, ``invalid`` (not a readable notebook).

Task statuses (:data:`TASK_STATUSES`, the gradebook's ``status_N`` columns):
``passed``, ``failed`` (ran, and the check or the task's code raised),
``timed out`` (was running when the time budget ran out), ``not reached``
(the notebook stopped earlier: time out or a dead kernel), ``not run`` (the
kernel died or could not start while this task ran), ``missing`` (no check
cell for the task in this notebook).

Examples
--------
>>> book = grade_folder("submissions/", timeout_seconds=120)  # doctest: +SKIP
>>> write_gradebook(book, "gradebook.csv")  # doctest: +SKIP
"""

from __future__ import annotations

import ast
import asyncio
import logging
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from portfolio_lib.exercises.builder import TaskLayout, task_layout
from portfolio_lib.exercises.feedback import SUCCESS_MARK

__all__ = [
    "TASK_STATUSES",
    "ISOLATIONS",
    "SandboxLimits",
    "bwrap_available",
    "resolve_isolation",
    "describe_isolation",
    "TaskResult",
    "NotebookGrade",
    "notebook_parameters",
    "reference_checks",
    "grade_notebook",
    "grade_paths",
    "discover_submissions",
    "gradebook",
    "grade_folder",
    "write_gradebook",
]

KERNEL_NAME = "python3"
STATUSES = ("ok", "error", "timeout", "invalid")
TASK_STATUSES = ("passed", "failed", "timed out", "not reached", "not run", "missing")
IdSource = Literal["parameters", "filename", "folder"]
Isolation = Literal["auto", "bwrap", "basic"]
#: What can be in force for a submission (the gradebook's ``isolation`` column).
ISOLATIONS = ("bwrap", "basic")
_MAX_FEEDBACK = 400
_QUIET = logging.getLogger("portfolio_lib.exercises.grader.kernel")
_QUIET.setLevel(logging.CRITICAL)
_QUIET.propagate = False


@dataclass(frozen=True)
class TaskResult:
    """Outcome of one task: passed or not, and what the student should read.

    ``status`` is one of :data:`TASK_STATUSES`; left empty it is ``passed`` or
    ``failed`` according to ``passed``.
    """

    task: int
    passed: bool
    feedback: str
    status: str = ""

    def __post_init__(self) -> None:
        status = self.status or ("passed" if self.passed else "failed")
        if status not in TASK_STATUSES:
            raise ValueError(f"task status must be one of {TASK_STATUSES}, got {status!r}")
        if (status == "passed") != self.passed:
            raise ValueError(f"a task with status {status!r} cannot have passed={self.passed}")
        object.__setattr__(self, "status", status)


@dataclass(frozen=True)
class NotebookGrade:
    """Outcome of grading one submission.

    Attributes
    ----------
    path : Path
        The submission.
    student_id : str
        From ``STUDENT_ID`` in the notebook's parameters, or its file/folder name.
    seed : int or None
        ``SEED`` found in the notebook's parameters.
    status : str
        ``ok``, ``error``, ``timeout`` or ``invalid``.
    message : str
        Why the status is not ``ok`` (empty when it is).
    seconds : float
        Wall time including kernel start, in seconds.
    tasks : tuple of TaskResult
        One per check cell found, in notebook order.
    first_error_cell : int or None
        0-based index of the first cell that raised.
    first_error : str
        ``"Ename: evalue"`` of that cell (empty if none).
    isolation : str
        What isolated the submission's kernel: ``bwrap`` or ``basic`` (see
        :func:`describe_isolation`); empty when no kernel ran (an unreadable notebook).
    """

    path: Path
    student_id: str
    seed: int | None
    status: str
    message: str
    seconds: float
    tasks: tuple[TaskResult, ...] = field(default_factory=tuple)
    first_error_cell: int | None = None
    first_error: str = ""
    isolation: str = ""

    @property
    def score(self) -> int:
        """Number of tasks passed."""
        return sum(result.passed for result in self.tasks)


def _one_line(text: str, limit: int = _MAX_FEEDBACK) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def notebook_parameters(nb: Any) -> dict[str, Any]:
    """Literal values assigned in the ``parameters`` and ``injected-parameters`` cells.

    Later cells override earlier ones, as when the notebook runs.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "SEED = 3\\nSTUDENT_ID = 's1'", metadata={"tags": ["injected-parameters"]})])
    >>> notebook_parameters(nb)
    {'SEED': 3, 'STUDENT_ID': 's1'}
    """
    found: dict[str, Any] = {}
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", []) or []
        if cell.get("cell_type") != "code" or not {"parameters", "injected-parameters"} & set(tags):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    try:
                        found[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        continue
    return found


def _id_from_path(path: Path, how: str) -> str:
    if how == "folder":
        return path.parent.name
    stem = path.stem
    return stem.rsplit("__", 1)[-1] if "__" in stem else stem


@dataclass
class _Run:
    """What happened while executing a notebook."""

    errors: dict[int, tuple[str, str]] = field(default_factory=dict)
    stopped_at: int | None = None  # cell index where execution stopped early
    stop_reason: str = ""  # "timeout" | "dead" | "failed"
    stop_message: str = ""  # what stopped it, without a place ("the kernel died")
    stop_detail: str = ""  # the error behind it, for the instructor


_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")


def _headings(cell: Any) -> list[tuple[int, str]]:
    """``(level, text)`` of a cell's Markdown headings, as the student sees them (no ``**``)."""
    if cell.get("cell_type") != "markdown":
        return []
    found = []
    for line in cell.get("source", "").splitlines():
        match = _HEADING.match(line)
        if match:
            text = match.group(2).replace("`", "").replace("**", "").strip()
            if text:
                found.append((len(match.group(1)), text))
    return found


@dataclass(frozen=True)
class _Places:
    """Names for places in a notebook that students can see: tasks and their headings.

    Task N's cells are those after the previous task's check cell up to its own
    check cell; the first task's start at its heading, and the cells before it
    are the setup. A task is labelled by its heading: the Markdown heading
    ``Task N ...`` among its cells, else its last heading of level 2 or deeper.
    """

    labels: dict[int, str]  # task -> 'Task 3 — "P(alive) by hand"' (or 'Task 3')
    checks: dict[int, int]  # task -> index of its check cell, in notebook order
    setup_end: int  # index of the first task's first cell

    def first_cell(self, task: int) -> int:
        """Index of the first cell of ``task``."""
        tasks = list(self.checks)
        position = tasks.index(task)
        return self.setup_end if position == 0 else self.checks[tasks[position - 1]] + 1

    def task_of(self, index: int) -> int | None:
        """The task a cell belongs to; ``None`` for the setup and after the last task."""
        if index < self.setup_end:
            return None
        return next((task for task, check in self.checks.items() if index <= check), None)

    def where(self, index: int) -> str:
        """Where cell ``index`` is, in the words a student can find it by."""
        tasks = list(self.checks)
        if not tasks:
            return "the notebook"
        task = self.task_of(index)
        if task is not None:
            return self.labels[task]
        if index < self.setup_end:
            return f"the setup cells above {self.labels[tasks[0]]}"
        return f"the cells below the last task, {self.labels[tasks[-1]]}"


def _places(nb: Any, layout: TaskLayout) -> _Places:
    """Find each task's visible heading and where the setup ends (see :class:`_Places`).

    Examples
    --------
    >>> import nbformat
    >>> from nbformat.v4 import new_code_cell, new_markdown_cell
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     new_markdown_cell("# Exercises"), new_code_cell("import numpy"),
    ...     new_markdown_cell("## Task 1 — NPS by hand\\n\\nCount the promoters."),
    ...     new_code_cell("nps = ..."),
    ...     new_code_cell("check_05_1(nps)", metadata={"tags": ["check", "task:1"]})])
    >>> places = _places(nb, task_layout(nb))
    >>> places.where(3), places.where(1)
    ('Task 1 — "NPS by hand"', 'the setup cells above Task 1 — "NPS by hand"')
    """
    labels: dict[int, str] = {}
    setup_end: int | None = None
    previous = -1
    for task in layout.tasks:
        check = layout.check_cells[task]
        named = re.compile(rf"^Task\s+{task}\b\s*[—–:.-]*\s*(.*)$", re.IGNORECASE)
        own: tuple[int, str] | None = None  # (cell, title) of the "Task N" heading
        other: tuple[int, str] | None = None  # the last other heading of level >= 2
        for index in range(previous + 1, check):
            for level, heading in _headings(nb.cells[index]):
                match = named.match(heading)
                if match:
                    own = (index, match.group(1).strip())
                elif level >= 2:
                    other = (index, heading)
        start, title = own or other or (previous + 1, "")
        labels[task] = f'Task {task} — "{title}"' if title else f"Task {task}"
        if setup_end is None:
            setup_end = start
        previous = check
    checks = {task: layout.check_cells[task] for task in layout.tasks}
    return _Places(labels=labels, checks=checks, setup_end=setup_end or 0)


def _cell_errors(cell: Any) -> tuple[str, str] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return str(output.get("ename", "Error")), str(output.get("evalue", ""))
    return None


def _stdout(cell: Any) -> str:
    return "".join(
        output.get("text", "")
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )


def _cancel_leftover_tasks() -> None:
    """Cancel nbclient's output poller left pending by a timed-out cell (this thread's loop)."""
    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    if loop.is_running():
        return
    pending = [
        task
        for task in asyncio.all_tasks(loop)
        if not task.done()
        and getattr(task.get_coro(), "__qualname__", "").startswith("NotebookClient.")
    ]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


# --------------------------------------------------------------------------- isolation


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of a submission's kernel process (``resource.setrlimit``).

    Parameters
    ----------
    memory_mb : int
        Address space of the kernel (``RLIMIT_AS``), in MiB; past it an
        allocation raises ``MemoryError`` in the student's cell. Default 4096.
    cpu_seconds : int or None
        CPU time of the kernel (``RLIMIT_CPU``), in seconds; past it the kernel is
        killed (the notebook is recorded as ``error``: the kernel died). Default
        ``None``: twice the time budget plus the start-up timeout (the wall-clock
        budget stays the main limit; this one catches CPU burnt on several threads).
    file_size_mb : int
        Largest file the kernel may write (``RLIMIT_FSIZE``), in MiB; past it the
        write raises ``OSError``. Default 200.

    Examples
    --------
    >>> SandboxLimits(memory_mb=2048).cpu_limit(timeout_seconds=120, startup_timeout=60)
    300
    """

    memory_mb: int = 4096
    cpu_seconds: int | None = None
    file_size_mb: int = 200

    def __post_init__(self) -> None:
        for name in ("memory_mb", "cpu_seconds", "file_size_mb"):
            value = getattr(self, name)
            if value is None and name == "cpu_seconds":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"SandboxLimits.{name} must be a positive int, got {value!r}")

    def cpu_limit(self, *, timeout_seconds: float, startup_timeout: float) -> int:
        """The CPU-time limit in seconds for a notebook with this time budget."""
        if self.cpu_seconds is not None:
            return self.cpu_seconds
        return math.ceil(2 * timeout_seconds + startup_timeout)


#: Run by the kernel's launcher: set the limits, then become the kernel (argv: limits, command).
_LIMITER = (
    "import os, resource, sys\n"
    "memory, cpu, fsize = (int(v) for v in sys.argv[1:4])\n"
    "resource.setrlimit(resource.RLIMIT_AS, (memory, memory))\n"
    "resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "os.execv(sys.argv[4], sys.argv[4:])\n"
)
#: Environment variables passed from the grader to a kernel when set (nothing else is).
_PASSED_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "PORTFOLIO_LIB_DATA")


def _bwrap_command(root: Path, workdir: Path) -> list[str]:
    """bubblewrap's options: read-only ``/``, ``root`` writable, no network, no capabilities."""
    command = [
        "bwrap",
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--tmpfs", "/dev/shm",
        "--proc", "/proc",
        "--bind", str(root), str(root),
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--die-with-parent",
        # the kernel's parent is bwrap's pid 1 here, not the grader: ipykernel would take
        # JPY_PARENT_PID for a dead parent and quit; --die-with-parent does that job
        "--unsetenv", "JPY_PARENT_PID",
        "--cap-drop", "ALL",
        "--chdir", str(workdir),
    ]  # fmt: skip
    return command


@cache
def bwrap_available() -> bool:
    """Whether bubblewrap (``bwrap``) can isolate a process here (tried once per process).

    It needs the ``bwrap`` program (Debian package ``bubblewrap``) and user or
    mount namespaces (root, or unprivileged user namespaces enabled).

    Examples
    --------
    >>> isinstance(bwrap_available(), bool)
    True
    """
    if shutil.which("bwrap") is None:
        return False
    probe = Path(tempfile.mkdtemp(prefix="pl-grade-probe-"))
    try:
        marker = probe / "written"
        done = subprocess.run(
            [*_bwrap_command(probe, probe), "--", "/bin/sh", "-c", f"touch {marker}"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            check=False,
        )
        return done.returncode == 0 and marker.exists()
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def resolve_isolation(requested: Isolation = "auto") -> str:
    """The isolation that will be in force: ``bwrap`` if asked for or available, else ``basic``.

    Parameters
    ----------
    requested : {"auto", "bwrap", "basic"}
        ``auto`` takes ``bwrap`` when :func:`bwrap_available`, else ``basic``.

    Returns
    -------
    str
        ``"bwrap"`` or ``"basic"`` (see :func:`describe_isolation`).

    Raises
    ------
    RuntimeError
        ``bwrap`` was asked for but cannot run here.
    ValueError
        ``requested`` is not one of the three.

    Examples
    --------
    >>> resolve_isolation("basic")
    'basic'
    """
    if requested not in ("auto", *ISOLATIONS):
        raise ValueError(f"isolation must be 'auto', 'bwrap' or 'basic', got {requested!r}")
    if requested == "basic":
        return "basic"
    if bwrap_available():
        return "bwrap"
    if requested == "bwrap":
        raise RuntimeError(
            "isolation='bwrap' was asked for but bubblewrap cannot run here: install the "
            "Debian package 'bubblewrap' and allow user namespaces, or use isolation='auto'"
        )
    return "basic"


def describe_isolation(isolation: str, limits: SandboxLimits | None = None) -> str:
    """What an isolation level guarantees and what it does not, in one paragraph.

    Examples
    --------
    >>> describe_isolation("basic").split(":")[0]
    'basic isolation'
    """
    limits = limits or SandboxLimits()
    cpu = f"{limits.cpu_seconds} s" if limits.cpu_seconds else "2 x the time budget + start-up"
    common = (
        "each notebook runs in a throwaway copy of its folder (HOME and TMPDIR are in the "
        "throwaway folder too, deleted afterwards), with a scrubbed environment (PATH, HOME, "
        f"TMPDIR, {', '.join(_PASSED_ENV)} only), a memory limit of {limits.memory_mb} MiB, "
        f"a CPU limit of {cpu} and files of at most {limits.file_size_mb} MiB"
    )
    if isolation == "bwrap":
        return (
            f"bwrap isolation: {common}; bubblewrap makes the rest of the file system "
            "read-only, gives no network, no capabilities and its own process tree. "
            "Not in force: the rest of the file system can still be read."
        )
    if isolation == "basic":
        return (
            f"basic isolation: {common}. Not in force (bubblewrap is unavailable): the "
            "submission runs as the grading user and can read, change or delete any file "
            "that user can (an absolute path reaches past the copy), and it has the network."
        )
    raise ValueError(f"isolation must be one of {ISOLATIONS}, got {isolation!r}")


def _remove_tree(root: Path) -> None:
    """Delete a throwaway folder, also where a submission took away permissions."""

    def unlock(function: Any, name: str, _info: Any) -> None:
        try:
            os.chmod(Path(name).parent, 0o700)
            os.chmod(name, 0o700)
            function(name)
        except OSError:
            pass

    shutil.rmtree(root, onerror=unlock)


class _Sandbox:
    """A throwaway folder for one submission and the command that starts its kernel.

    ``root/submission`` is the copy of the notebook's folder (the working directory),
    ``root/tmp`` its TMPDIR, ``root`` its HOME, ``root/.kernel`` the connection file
    and sockets (the kernel talks over Unix sockets: with bwrap it has no network).
    """

    def __init__(self, notebook: Path, isolation: str, limits: SandboxLimits, cpu: int) -> None:
        self.isolation = isolation
        self.limits = limits
        self.cpu = cpu
        self.root = Path(tempfile.mkdtemp(prefix="pl-grade-")).resolve()
        try:
            self.workdir = self.root / "submission"
            own = notebook.resolve()

            def skip(folder: str, names: list[str]) -> set[str]:
                # hidden files and the other notebooks (other students' submissions)
                return {
                    name
                    for name in names
                    if name.startswith(".")
                    or (name.endswith(".ipynb") and Path(folder, name).resolve() != own)
                }

            shutil.copytree(own.parent, self.workdir, symlinks=True, ignore=skip)
            (self.root / "tmp").mkdir()
            (self.root / ".kernel").mkdir()
        except BaseException:
            _remove_tree(self.root)
            raise

    def env(self) -> dict[str, str]:
        """The kernel's whole environment."""
        bin_dir = str(Path(sys.executable).parent)
        env = {
            "PATH": os.pathsep.join([bin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(self.root),
            "TMPDIR": str(self.root / "tmp"),
            "LANG": "C.UTF-8",
            "MPLBACKEND": "agg",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
        env.update({name: os.environ[name] for name in _PASSED_ENV if name in os.environ})
        return env

    def wrap(self, command: list[str]) -> list[str]:
        """``command`` (the kernel's) under the limits and, with bwrap, in the sandbox."""
        mib = 1024 * 1024
        limited = [
            sys.executable,
            "-c",
            _LIMITER,
            str(self.limits.memory_mb * mib),
            str(self.cpu),
            str(self.limits.file_size_mb * mib),
            shutil.which(command[0]) or command[0],
            *command[1:],
        ]
        if self.isolation == "bwrap":
            return [*_bwrap_command(self.root, self.workdir), "--", *limited]
        return limited

    def kernel_manager(self, kernel_name: str) -> Any:
        """A jupyter kernel manager whose kernel starts through :meth:`wrap`."""
        manager_class = _sandboxed_manager_class()
        kernel_dir = self.root / ".kernel"
        return manager_class(
            sandbox=self,
            kernel_name=kernel_name,
            transport="ipc",
            ip=str(kernel_dir / "k"),
            connection_file=str(kernel_dir / "kernel.json"),
        )

    def close(self) -> None:
        _remove_tree(self.root)


@cache
def _sandboxed_manager_class() -> type:
    """An ``AsyncKernelManager`` that starts its kernel through a :class:`_Sandbox`."""
    from jupyter_client.manager import AsyncKernelManager

    class SandboxedKernelManager(AsyncKernelManager):  # type: ignore[misc]
        def __init__(self, *, sandbox: _Sandbox, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._sandbox = sandbox

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            return self._sandbox.wrap(super().format_kernel_cmd(extra_arguments))

    return SandboxedKernelManager


def _execute(
    nb: Any,
    *,
    sandbox: _Sandbox,
    timeout_seconds: float,
    kernel_name: str,
    startup_timeout: int,
) -> _Run:
    """Run every code cell with errors allowed, within a total time budget, in ``sandbox``."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    run = _Run()
    client = NotebookClient(
        nb,
        km=sandbox.kernel_manager(kernel_name),
        timeout=max(1, math.ceil(timeout_seconds)),
        startup_timeout=startup_timeout,
        kernel_name=kernel_name,
        allow_errors=True,
        interrupt_on_timeout=False,
        shutdown_kernel="immediate",
        record_timing=False,
        resources={"metadata": {"path": str(sandbox.workdir)}},
        log=_QUIET,
    )
    index = 0
    try:
        # stdout/stderr: the kernel's own log lines; env: the scrubbed one, nothing of the grader's
        with client.setup_kernel(
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=sandbox.env()
        ):
            deadline = time.monotonic() + timeout_seconds
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    run.stopped_at, run.stop_reason = index, "timeout"
                    break
                client.timeout = max(1, math.ceil(remaining))
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    run.stopped_at, run.stop_reason = index, "timeout"
                    break
                except DeadKernelError as error:
                    run.stopped_at, run.stop_reason = index, "dead"
                    run.stop_message, run.stop_detail = "the kernel died", _one_line(str(error))
                    break
    except Exception as error:  # kernel could not start, zmq trouble, ...
        run.stopped_at, run.stop_reason = index, "failed"
        run.stop_message = _one_line(f"could not run the notebook: {type(error).__name__}: {error}")
    finally:
        _cancel_leftover_tasks()
    for position, cell in enumerate(nb.cells):
        found = _cell_errors(cell) if cell.cell_type == "code" else None
        if found is not None:
            run.errors[position] = found
    return run


def _task_feedback(
    check_index: int,
    task_start: int,
    first_error_cell: int | None,
    run: _Run,
    where: Callable[[int], str] = lambda index: "an earlier cell",
) -> str:
    """Feedback for a failed check cell, from the errors of the task's own cells and the check.

    The task's own cells run from ``task_start`` to the check cell. In order:
    a ``NotImplementedError`` there means the task is unfinished and says so;
    a :class:`CheckFailed` from the check is shown as is (noting an error in
    the task's cells, if any); otherwise the first error of the task's cells, or
    the check's, as ``Ename: evalue``. A ``NameError`` also names the notebook's
    first error when that came before the task (the usual reason a name is
    missing), placed by ``where`` (a cell index -> the task and heading it is under).
    """
    span = [i for i in sorted(run.errors) if task_start <= i < check_index]
    unfinished = [i for i in span if run.errors[i][0] == "NotImplementedError"]
    if unfinished:
        return _one_line(": ".join(run.errors[unfinished[0]]))
    check_name, check_value = run.errors[check_index]
    if check_name == "CheckFailed":
        if span:
            ename, evalue = run.errors[span[0]]
            return _one_line(f"{check_value} (a cell of this task raised {ename}: {evalue})")
        return _one_line(check_value)
    ename, evalue = run.errors[span[0]] if span else (check_name, check_value)
    cause = f"{ename}: {evalue}"
    if ename == "NameError" and first_error_cell is not None and first_error_cell < task_start:
        first = run.errors[first_error_cell]
        cause += (
            f" (something failed earlier, in {where(first_error_cell)}: {first[0]}: {first[1]})"
        )
    return _one_line(cause)


def _without_check_prefix(task: int, feedback: str) -> str:
    """Drop the ``Task N (<check title>): `` a check puts first (the grader names the task itself)."""
    return re.sub(rf"^Task {task} \(.*?\): ", "", feedback, count=1)


def _task_results(
    nb: Any, layout: TaskLayout, places: _Places, run: _Run, timeout_seconds: float
) -> list[TaskResult]:
    """Grade each task from what the run left in the notebook (see the module's task statuses).

    Every feedback that is not empty starts with the task's label (number and heading).
    """
    first_error_cell = min(run.errors) if run.errors else None
    stopped = run.stopped_at
    running = places.task_of(stopped) if stopped is not None else None
    if run.stop_reason == "timeout":
        why = f"it ran out of time ({timeout_seconds:g} s)"
    else:
        why = run.stop_message
    results = []
    for task in layout.tasks:
        index = layout.check_cells[task]
        label = places.labels[task]
        if stopped is not None and index >= stopped:
            if run.stop_reason == "failed":
                status, body = "not run", run.stop_message
            elif task == running and run.stop_reason == "timeout":
                status = "timed out"
                body = (
                    f"timed out after {timeout_seconds:g} s while this task was running "
                    "(an endless loop, or a computation far slower than it needs to be?)"
                )
            elif task == running:
                status = "not run"
                body = f"{run.stop_message} while this task was running ({run.stop_detail})"
            else:
                status = "not reached"
                body = (
                    f"not reached: the notebook stopped earlier, in {places.where(stopped)}: {why}"
                )
            results.append(TaskResult(task, False, _one_line(f"{label}: {body}"), status))
        elif index in run.errors:
            start = places.first_cell(task)
            body = _task_feedback(index, start, first_error_cell, run, places.where)
            body = _without_check_prefix(task, body)
            results.append(TaskResult(task, False, _one_line(f"{label}: {body}")))
        elif f"{SUCCESS_MARK} Task {task} passed" in _stdout(nb.cells[index]):
            results.append(TaskResult(task, True, ""))
        else:
            body = "the check cell did not report success (was it edited?)"
            results.append(TaskResult(task, False, f"{label}: {body}"))
    return results


def reference_checks(reference: Path | str) -> dict[int, str]:
    """Source of each check cell of a master or student copy, by task number.

    Examples
    --------
    >>> reference_checks("exercises/05_satisfaction.ipynb")  # doctest: +SKIP
    {1: 'check_05_1(nps_value, seed=SEED)', ...}
    """
    import nbformat

    nb = nbformat.read(str(reference), as_version=4)
    return {task: nb.cells[index].source for task, index in task_layout(nb).check_cells.items()}


def grade_notebook(
    path: Path | str,
    *,
    timeout_seconds: float = 120,
    student_id_from: IdSource = "parameters",
    kernel_name: str = KERNEL_NAME,
    startup_timeout: int = 60,
    reference: Path | str | None = None,
    isolation: Isolation = "auto",
    limits: SandboxLimits | None = None,
) -> NotebookGrade:
    """Execute one submission in a fresh, isolated kernel and grade each task.

    Parameters
    ----------
    path : path
        The submitted notebook. It runs in a throwaway copy of its folder (hidden
        files and other notebooks left out) as working directory, deleted afterwards,
        so the folder itself is never changed.
    timeout_seconds : float
        Time budget for executing all cells, in seconds (kernel start-up is
        bounded separately by ``startup_timeout``). When it runs out the kernel is
        killed and the remaining tasks fail with ``timed out after N s``.
    student_id_from : {"parameters", "filename", "folder"}
        Where the student id comes from. ``parameters`` reads ``STUDENT_ID`` and
        falls back to the file name; ``filename`` takes the part of the file name
        after the last ``__`` (the variants' naming) or the whole stem; ``folder``
        takes the parent folder's name.
    kernel_name : str
        Jupyter kernel to use.
    startup_timeout : int
        Seconds to wait for the kernel to start.
    reference : path, optional
        The master or student copy: each check cell of the submission is reset
        to the reference's check cell of the same task before running, so an
        edited check cell cannot pass a task.
    isolation : {"auto", "bwrap", "basic"}
        ``bwrap``: bubblewrap also makes the rest of the file system read-only and
        takes the network away; ``basic``: the throwaway copy, a scrubbed
        environment and the limits only; ``auto`` (default): ``bwrap`` where it
        works (:func:`resolve_isolation`). The level in force is recorded in
        :attr:`NotebookGrade.isolation`; :func:`describe_isolation` says what each
        one guarantees.
    limits : SandboxLimits, optional
        Memory, CPU and file-size limits of the kernel (default :class:`SandboxLimits`).

    Returns
    -------
    NotebookGrade

    Examples
    --------
    >>> grade = grade_notebook("submissions/ali.ipynb", timeout_seconds=60)  # doctest: +SKIP
    >>> grade.status, grade.isolation, grade.score  # doctest: +SKIP
    ('ok', 'bwrap', 3)
    """
    import nbformat

    path = Path(path)
    started = time.perf_counter()
    fallback_id = _id_from_path(path, "folder" if student_id_from == "folder" else "filename")
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as error:  # unreadable JSON, not a notebook, unreadable file
        return NotebookGrade(
            path=path,
            student_id=fallback_id,
            seed=None,
            status="invalid",
            message=_one_line(f"not a readable notebook: {type(error).__name__}: {error}"),
            seconds=time.perf_counter() - started,
        )
    parameters = notebook_parameters(nb)
    student_id = fallback_id
    if student_id_from == "parameters" and str(parameters.get("STUDENT_ID", "")).strip():
        student_id = str(parameters["STUDENT_ID"]).strip()
    seed = parameters.get("SEED")
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else None

    layout = task_layout(nb)
    if reference is not None:
        for task, source in reference_checks(reference).items():
            if task in layout.check_cells:
                nb.cells[layout.check_cells[task]].source = source
    in_force = resolve_isolation(isolation)
    limits = limits or SandboxLimits()
    cpu = limits.cpu_limit(timeout_seconds=timeout_seconds, startup_timeout=startup_timeout)
    sandbox = _Sandbox(path, in_force, limits, cpu)
    try:
        run = _execute(
            nb,
            sandbox=sandbox,
            timeout_seconds=timeout_seconds,
            kernel_name=kernel_name,
            startup_timeout=startup_timeout,
        )
    finally:
        sandbox.close()
    first_error_cell = min(run.errors) if run.errors else None
    first_error = (
        _one_line(": ".join(run.errors[first_error_cell])) if first_error_cell is not None else ""
    )
    task_cells = [*layout.check_cells.values(), *layout.solution_cells]
    first_task_cell = min(task_cells) if task_cells else len(nb.cells)
    places = _places(nb, layout)

    if run.stop_reason == "timeout" and run.stopped_at is not None:
        status = "timeout"
        message = f"timed out after {timeout_seconds:g} s in {places.where(run.stopped_at)}"
    elif run.stop_reason == "dead" and run.stopped_at is not None:
        where = places.where(run.stopped_at)
        status, message = "error", f"{run.stop_message} in {where} ({run.stop_detail})"
    elif run.stop_reason == "failed":
        status, message = "error", run.stop_message
    elif first_error_cell is not None and first_error_cell < first_task_cell:
        status = "error"
        message = f"{places.where(first_error_cell)} raised {first_error}"
    else:
        status, message = "ok", ""

    results = _task_results(nb, layout, places, run, timeout_seconds)
    return NotebookGrade(
        path=path,
        student_id=student_id,
        seed=seed,
        status=status,
        message=_one_line(message),
        seconds=time.perf_counter() - started,
        tasks=tuple(results),
        first_error_cell=first_error_cell,
        first_error=first_error,
        isolation=in_force,
    )


def _failed(path: Path, how: str, message: str, status: str = "error") -> NotebookGrade:
    """A grade for a notebook the grader itself could not finish."""
    return NotebookGrade(
        path=path,
        student_id=_id_from_path(path, "folder" if how == "folder" else "filename"),
        seed=None,
        status=status,
        message=_one_line(message),
        seconds=float("nan"),
    )


class _Progress:
    """A tqdm bar on stderr counting graded notebooks, safe to advance from grader threads.

    ``enabled``: ``True`` always shows it, ``False`` never, ``None`` only when
    stderr is a terminal (tqdm's own test). Without tqdm there is no bar.
    """

    def __init__(self, total: int, enabled: bool | None) -> None:
        self._bar: Any = None
        self._lock = threading.Lock()
        if enabled is False:
            return
        try:
            from tqdm import tqdm
        except ImportError:  # tqdm comes with papermill; grading works without a bar
            return
        self._bar = tqdm(
            total=total,
            desc="grading",
            unit="notebook",
            file=sys.stderr,
            disable=None if enabled is None else False,
            dynamic_ncols=True,
        )

    def advance(self, path: Path) -> None:
        if self._bar is None:
            return
        with self._lock:
            self._bar.set_postfix_str(path.name, refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def grade_paths(
    paths: Sequence[Path | str],
    *,
    timeout_seconds: float = 120,
    student_id_from: IdSource = "parameters",
    jobs: int = 1,
    kernel_name: str = KERNEL_NAME,
    startup_timeout: int = 60,
    reference: Path | str | None = None,
    progress: bool | None = False,
    isolation: Isolation = "auto",
    limits: SandboxLimits | None = None,
) -> list[NotebookGrade]:
    """Grade several notebooks, ``jobs`` at a time; results in input order.

    Each notebook has its own kernel process; the grader waits for them from
    ``jobs`` threads (the work happens in the kernels). An unexpected grader
    error costs only its own notebook (status ``error``), and a notebook the
    grader has not finished long after its budget is recorded as ``timeout``.

    Parameters
    ----------
    paths : sequence of path
        Submissions.
    timeout_seconds, student_id_from, kernel_name, startup_timeout, reference, isolation, limits
        As in :func:`grade_notebook`; ``isolation`` is resolved once, before any
        notebook runs (``"bwrap"`` where it cannot run raises ``RuntimeError``).
    jobs : int
        Notebooks graded at the same time; 1 grades them one after another.
    progress : bool or None
        A progress bar on stderr, advanced as each notebook is graded: ``True``
        shows it, ``False`` (default) does not, ``None`` shows it only when stderr
        is a terminal.

    Returns
    -------
    list of NotebookGrade
    """
    paths = [Path(p) for p in paths]
    options: dict[str, Any] = {
        "timeout_seconds": timeout_seconds,
        "student_id_from": student_id_from,
        "kernel_name": kernel_name,
        "startup_timeout": startup_timeout,
        "reference": reference,
        "isolation": resolve_isolation(isolation),
        "limits": limits,
    }

    bar = _Progress(len(paths), progress)

    def grade_one(path: Path) -> NotebookGrade:
        try:
            return grade_notebook(path, **options)
        except Exception as error:  # a grader bug must not stop the class's grading
            return _failed(path, student_id_from, f"the grader failed: {error!r}")
        finally:
            bar.advance(path)

    try:
        return _grade_all(paths, grade_one, jobs, timeout_seconds, startup_timeout, student_id_from)
    finally:
        bar.close()


def _grade_all(
    paths: list[Path],
    grade_one: Callable[[Path], NotebookGrade],
    jobs: int,
    timeout_seconds: float,
    startup_timeout: int,
    student_id_from: str,
) -> list[NotebookGrade]:
    """Run ``grade_one`` over ``paths``, ``jobs`` at a time, with a guard against hangs."""
    if jobs <= 1 or len(paths) <= 1:
        return [grade_one(p) for p in paths]
    workers = min(jobs, len(paths))
    rounds = math.ceil(len(paths) / workers)
    guard = time.monotonic() + rounds * (timeout_seconds + startup_timeout + 60)
    results = []
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grader")
    try:
        futures = [pool.submit(grade_one, p) for p in paths]
        for path, future in zip(paths, futures, strict=True):
            try:
                results.append(future.result(timeout=max(0.0, guard - time.monotonic())))
            except FutureTimeout:
                message = "the grader did not finish this notebook in time"
                results.append(_failed(path, student_id_from, message, "timeout"))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results


def discover_submissions(submissions_dir: Path | str) -> list[Path]:
    """All ``*.ipynb`` under ``submissions_dir`` (recursively), skipping checkpoints and hidden files."""
    folder = Path(submissions_dir)
    return sorted(
        p
        for p in folder.rglob("*.ipynb")
        if not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def gradebook(
    grades: Iterable[NotebookGrade], *, tasks: Sequence[int] | None = None
) -> pd.DataFrame:
    """One row per submission: ``task_N`` (1/0), ``total``, statuses, message and ``feedback_N``.

    Parameters
    ----------
    grades : iterable of NotebookGrade
    tasks : sequence of int, optional
        Task numbers to report; default every task seen in any submission.
        A submission lacking a task's check cell scores 0 on it.

    Returns
    -------
    pandas.DataFrame
        Columns ``student_id, file, seed, status, task_1 … task_K, total, max_total,
        message, seconds, isolation, status_1 … status_K, feedback_1 … feedback_K``
        (``isolation``: ``bwrap`` or ``basic``, what isolated the kernel), sorted by
        student id. ``status`` is the notebook's (:data:`STATUSES`), ``status_N`` the
        task's (:data:`TASK_STATUSES`: ``timed out`` for the task that was running when
        time ran out, ``not reached`` for those after it).
    """
    grades = list(grades)
    numbers = (
        sorted(tasks)
        if tasks is not None
        else sorted({result.task for grade in grades for result in grade.tasks})
    )
    rows = []
    for grade in grades:
        by_task = {result.task: result for result in grade.tasks}
        row: dict[str, Any] = {
            "student_id": grade.student_id,
            "file": grade.path.name,
            "seed": grade.seed,
            "status": grade.status,
        }
        for number in numbers:
            result = by_task.get(number)
            row[f"task_{number}"] = int(result.passed) if result else 0
        row["total"] = sum(row[f"task_{n}"] for n in numbers)
        row["max_total"] = len(numbers)
        row["message"] = grade.message
        row["seconds"] = round(grade.seconds, 1) if not math.isnan(grade.seconds) else None
        row["isolation"] = grade.isolation
        for number in numbers:
            result = by_task.get(number)
            if result is not None:
                row[f"status_{number}"] = result.status
                row[f"feedback_{number}"] = result.feedback
            elif grade.status != "ok" and not grade.tasks:
                row[f"status_{number}"] = "not run"
                row[f"feedback_{number}"] = grade.message
            else:
                row[f"status_{number}"] = "missing"
                row[f"feedback_{number}"] = f"no check cell for task {number} in this notebook"
        rows.append(row)
    columns = [
        "student_id",
        "file",
        "seed",
        "status",
        *[f"task_{n}" for n in numbers],
        "total",
        "max_total",
        "message",
        "seconds",
        "isolation",
        *[f"status_{n}" for n in numbers],
        *[f"feedback_{n}" for n in numbers],
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["seed"] = frame["seed"].astype("Int64")
    return frame.sort_values(["student_id", "file"], ignore_index=True)


def grade_folder(
    submissions_dir: Path | str,
    *,
    timeout_seconds: float = 120,
    student_id_from: IdSource = "parameters",
    jobs: int | None = None,
    tasks: Sequence[int] | None = None,
    reference: Path | str | None = None,
    progress: bool | None = None,
    isolation: Isolation = "auto",
    limits: SandboxLimits | None = None,
) -> pd.DataFrame:
    """Grade every notebook under ``submissions_dir`` and return the gradebook.

    Parameters
    ----------
    submissions_dir : path
        Folder with the submitted notebooks (searched recursively).
    timeout_seconds : float
        Time budget per notebook, in seconds (see :func:`grade_notebook`).
    student_id_from : {"parameters", "filename", "folder"}
        Where the student id comes from.
    jobs : int, optional
        Notebooks graded at the same time (one kernel each); default ``min(2, cpu count)``.
    tasks : sequence of int, optional
        Task numbers to report (default: the reference's tasks, else every task seen).
    reference : path, optional
        Master or student copy whose check cells replace the submissions' ones
        (see :func:`grade_notebook`); its tasks are the gradebook's columns.
    progress : bool or None
        Progress bar on stderr, one step per notebook graded; default ``None``:
        shown only when stderr is a terminal (see :func:`grade_paths`).
    isolation : {"auto", "bwrap", "basic"}
        See :func:`grade_notebook`; the gradebook's ``isolation`` column records it.
    limits : SandboxLimits, optional
        See :func:`grade_notebook`.

    Returns
    -------
    pandas.DataFrame
        See :func:`gradebook`.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist or holds no notebooks.
    """
    folder = Path(submissions_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"submissions folder {folder} does not exist")
    paths = discover_submissions(folder)
    if not paths:
        raise FileNotFoundError(f"no .ipynb files under {folder}")
    workers = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    if reference is not None and tasks is None:
        tasks = sorted(reference_checks(reference))
    grades = grade_paths(
        paths,
        timeout_seconds=timeout_seconds,
        student_id_from=student_id_from,
        jobs=workers,
        reference=reference,
        progress=progress,
        isolation=isolation,
        limits=limits,
    )
    return gradebook(grades, tasks=tasks)


def write_gradebook(df: pd.DataFrame, path: Path | str) -> Path:
    """Write the gradebook as CSV (UTF-8 with BOM, so spreadsheet programs show ✔, ş, ğ).

    Examples
    --------
    >>> write_gradebook(grade_folder("submissions"), "gradebook.csv")  # doctest: +SKIP
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(target, index=False, encoding="utf-8-sig")
    return target
