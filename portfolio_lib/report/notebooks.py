"""Find, read, execute and clean the chapter notebooks (papermill, nbformat, nbstripout)."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

# The values a notebook ran with: its ``parameters`` cell, then papermill's injected cell.
from portfolio_lib.exercises.grader import notebook_parameters

__all__ = [
    "NOTEBOOK_NAME_PATTERN",
    "REPO_ROOT",
    "DEFAULT_NOTEBOOK_DIR",
    "KERNEL_NAME",
    "VOLATILE_METADATA",
    "discover_notebooks",
    "notebook_title",
    "notebook_parameters",
    "clean_notebook",
    "execute_notebook",
    "execute_in_place",
    "kernel_config",
]

NOTEBOOK_NAME_PATTERN = re.compile(r"^(\d{2})_[a-z0-9_]+\.ipynb$")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NOTEBOOK_DIR = REPO_ROOT / "notebooks"
KERNEL_NAME = "python3"
#: Metadata that changes on every execution and carries no lesson content.
VOLATILE_METADATA = [
    "metadata.papermill",
    "metadata.widgets",
    "cell.metadata.papermill",
    "cell.metadata.execution",
    "cell.metadata.ExecuteTime",
]


def discover_notebooks(notebook_dir: Path | str = DEFAULT_NOTEBOOK_DIR) -> list[Path]:
    """Return the chapter notebooks in order, checking the ``NN_snake_case.ipynb`` pattern.

    Parameters
    ----------
    notebook_dir : path
        Folder holding the notebooks.

    Returns
    -------
    list of Path
        Sorted by chapter number.

    Raises
    ------
    ValueError
        If a notebook's name breaks the pattern or two share a number.

    Examples
    --------
    >>> [p.name for p in discover_notebooks()][:1]  # doctest: +SKIP
    ['01_data_collection.ipynb']
    """
    folder = Path(notebook_dir)
    paths = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    bad = [p.name for p in paths if not NOTEBOOK_NAME_PATTERN.match(p.name)]
    if bad:
        raise ValueError(f"notebook names must look like 'NN_snake_case.ipynb'; offending: {bad}")
    numbers = [p.name[:2] for p in paths]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise ValueError(f"two notebooks share chapter number(s) {repeated}")
    return paths


def notebook_title(path: Path | str) -> str:
    """Return the first Markdown heading of a notebook (its chapter title)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return Path(path).stem


def clean_notebook(path: Path | str) -> None:
    """Strip volatile metadata in place, keeping outputs and execution counts.

    Equivalent to ``nbstripout --keep-output --keep-count`` plus the papermill keys.
    """
    import nbformat
    from nbstripout import strip_output

    nb = nbformat.read(str(path), as_version=4)
    nb = strip_output(
        nb, keep_output=True, keep_count=True, keep_id=True, extra_keys=VOLATILE_METADATA
    )
    nbformat.write(nb, str(path))


def kernel_config() -> Any:
    """Kernel-manager settings for the kernels papermill starts.

    ipykernel warns "Kernel is running over TCP without encryption" whenever its ZeroMQ
    sockets carry plain text. Where pyzmq has CurveZMQ (the wheels do), the manager
    provisions Curve keys for kernels whose kernelspec declares support (ipykernel's does),
    so the kernel's traffic is encrypted and the warning has no cause. ``"auto"`` never
    fails: a kernel that cannot encrypt still starts, as before.
    """
    import zmq
    from traitlets.config import Config

    config = Config()
    if zmq.has("curve"):
        config.KernelManager.transport_encryption = "auto"
    return config


def execute_notebook(
    source: Path | str,
    target: Path | str,
    *,
    parameters: Mapping[str, Any] | None = None,
    kernel_name: str = KERNEL_NAME,
    timeout_seconds: int = 1200,
    progress_bar: bool | dict[str, Any] = False,
) -> float:
    """Execute one notebook with papermill and return the wall time in seconds.

    The working directory is the notebook's own folder, as in JupyterLab. The kernel
    talks to papermill over an encrypted transport where it can (:func:`kernel_config`).
    ``progress_bar`` is papermill's: ``True`` or a dict of ``tqdm`` options for a bar
    over the notebook's cells.
    """
    import papermill

    source = Path(source).resolve()
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    papermill.execute_notebook(
        str(source),
        str(target),
        parameters=dict(parameters or {}),
        kernel_name=kernel_name,
        progress_bar=progress_bar,
        cwd=str(source.parent),
        execution_timeout=timeout_seconds,
        config=kernel_config(),
    )
    return time.perf_counter() - started


def select_notebooks(paths: Sequence[Path], only: Sequence[str] | None) -> list[Path]:
    """The notebooks of ``paths`` named in ``only`` (all when empty); unknown names raise."""
    if not only:
        return list(paths)
    wanted = {Path(o).name for o in only}
    chosen = [p for p in paths if p.name in wanted]
    missing = wanted - {p.name for p in chosen}
    if missing:
        raise ValueError(f"no such notebook(s): {sorted(missing)}; have {[p.name for p in paths]}")
    return chosen


def print_progress(message: str, stream: TextIO | None = None) -> None:
    """Print one progress line to ``stream`` (stdout by default), flushed at once."""
    print(message, file=stream or sys.stdout, flush=True)


def execute_in_place(
    notebook_dir: Path | str = DEFAULT_NOTEBOOK_DIR,
    *,
    only: Sequence[str] | None = None,
    progress: Callable[[str], None] = print_progress,
) -> list[Path]:
    """Re-execute notebooks in place with their default parameters and clean their metadata.

    This is ``make notebooks``: the only way the stored outputs that nbval
    checks are allowed to change.
    """
    paths = select_notebooks(discover_notebooks(notebook_dir), only)
    for i, path in enumerate(paths, start=1):
        progress(f"[{i}/{len(paths)}] executing {path.name} ...")
        seconds = execute_notebook(path, path)
        clean_notebook(path)
        progress(f"[{i}/{len(paths)}] {path.name} done in {seconds:.1f} s")
    return paths
