"""Run the course notebooks and publish them as an HTML report.

``make run`` calls :func:`build_report`: every notebook in ``notebooks/`` is
executed with papermill into ``build/notebooks/``, rendered to HTML with
nbconvert, and linked from ``build/index.html``. ``make notebooks`` calls
:func:`execute_in_place`, the only way the stored outputs (the nbval
reference) change; it also removes volatile metadata so diffs stay small.

This module does I/O by design; the analysis modules never do.
"""

from __future__ import annotations

import html
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "NOTEBOOK_NAME_PATTERN",
    "ChapterPage",
    "discover_notebooks",
    "execute_notebook",
    "clean_notebook",
    "execute_in_place",
    "render_html",
    "build_report",
    "notebook_title",
]

NOTEBOOK_NAME_PATTERN = re.compile(r"^(\d{2})_[a-z0-9_]+\.ipynb$")
REPO_ROOT = Path(__file__).resolve().parents[1]
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


@dataclass(frozen=True)
class ChapterPage:
    """One executed chapter: where its notebook and HTML page are, and how long it took."""

    number: str
    title: str
    notebook: Path
    html: Path
    seconds: float


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


def execute_notebook(
    source: Path | str,
    target: Path | str,
    *,
    parameters: Mapping[str, Any] | None = None,
    kernel_name: str = KERNEL_NAME,
    timeout_seconds: int = 1200,
) -> float:
    """Execute one notebook with papermill and return the wall time in seconds.

    The working directory is the notebook's own folder, as in JupyterLab.
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
        progress_bar=False,
        cwd=str(source.parent),
        execution_timeout=timeout_seconds,
    )
    return time.perf_counter() - started


def render_html(notebook: Path | str, html_path: Path | str) -> Path:
    """Render an executed notebook to a standalone HTML page (figures embedded)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _select(paths: Sequence[Path], only: Sequence[str] | None) -> list[Path]:
    if not only:
        return list(paths)
    wanted = {Path(o).name for o in only}
    chosen = [p for p in paths if p.name in wanted]
    missing = wanted - {p.name for p in chosen}
    if missing:
        raise ValueError(f"no such notebook(s): {sorted(missing)}; have {[p.name for p in paths]}")
    return chosen


def _progress(message: str, stream=None) -> None:
    print(message, file=stream or sys.stdout, flush=True)


def execute_in_place(
    notebook_dir: Path | str = DEFAULT_NOTEBOOK_DIR,
    *,
    only: Sequence[str] | None = None,
    progress: Callable[[str], None] = _progress,
) -> list[Path]:
    """Re-execute notebooks in place with their default parameters and clean their metadata.

    This is ``make notebooks``: the only way the stored outputs that nbval
    checks are allowed to change.
    """
    paths = _select(discover_notebooks(notebook_dir), only)
    for i, path in enumerate(paths, start=1):
        progress(f"[{i}/{len(paths)}] executing {path.name} ...")
        seconds = execute_notebook(path, path)
        clean_notebook(path)
        progress(f"[{i}/{len(paths)}] {path.name} done in {seconds:.1f} s")
    return paths


_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Customer portfolio lab — report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; color: #222; }}
h1 {{ color: #1f4e79; }} li {{ margin: .6rem 0; }} .meta {{ color: #666; font-size: .9rem; }}
</style></head><body>
<h1>Customer portfolio lab</h1>
<p>Every chapter executed on {dataset}. Open a chapter:</p>
<ol>
{items}
</ol>
<p class="meta">Generated by <code>make run</code> (portfolio_lib {version}).</p>
</body></html>
"""


def build_report(
    out_dir: Path | str = REPO_ROOT / "build",
    *,
    notebook_dir: Path | str = DEFAULT_NOTEBOOK_DIR,
    only: Sequence[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] = _progress,
) -> Path:
    """Execute every chapter into ``out_dir/notebooks``, render HTML, write ``out_dir/index.html``.

    Parameters
    ----------
    out_dir : path
        Destination folder (created).
    notebook_dir : path
        Folder with the chapter notebooks.
    only : list of str, optional
        Notebook file names to run (default: all).
    parameters : mapping, optional
        papermill parameters passed to every notebook (default: each notebook's own).
    progress : callable
        Receives one line of progress text per step.

    Returns
    -------
    Path
        The ``index.html`` written.
    """
    from portfolio_lib import __version__

    out_dir = Path(out_dir).resolve()
    paths = _select(discover_notebooks(notebook_dir), only)
    if not paths:
        raise ValueError(f"no notebooks found in {notebook_dir}")
    pages: list[ChapterPage] = []
    for i, path in enumerate(paths, start=1):
        progress(f"[{i}/{len(paths)}] running {path.name} ...")
        executed = out_dir / "notebooks" / path.name
        seconds = execute_notebook(path, executed, parameters=parameters)
        page = render_html(executed, out_dir / f"{path.stem}.html")
        pages.append(ChapterPage(path.name[:2], notebook_title(executed), executed, page, seconds))
        progress(f"[{i}/{len(paths)}] {path.name} done in {seconds:.1f} s -> {page.name}")
    items = "\n".join(
        f'<li><a href="{html.escape(p.html.name)}">{html.escape(p.title)}</a> '
        f'<span class="meta">({p.seconds:.0f} s)</span></li>'
        for p in pages
    )
    dataset = "the bundled sample company" if not parameters else f"parameters {dict(parameters)}"
    index = out_dir / "index.html"
    index.write_text(
        _INDEX_TEMPLATE.format(items=items, dataset=html.escape(dataset), version=__version__),
        encoding="utf-8",
    )
    return index
