"""``make run``: execute the chapters, render their pages, write the index."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from portfolio_lib.report.glance import Glance, portfolio_at_a_glance
from portfolio_lib.report.index import ChapterPage, write_index
from portfolio_lib.report.notebooks import (
    DEFAULT_NOTEBOOK_DIR,
    REPO_ROOT,
    discover_notebooks,
    execute_notebook,
    notebook_parameters,
    notebook_title,
    print_progress,
    select_notebooks,
)
from portfolio_lib.report.pages import (
    MATHJAX_CONFIG,
    NavLink,
    bundle_mathjax,
    headline_png,
    render_html,
)

__all__ = ["ChapterFailed", "build_report", "run_parameters"]


class ChapterFailed(RuntimeError):
    """A chapter raised while it ran; the message names it, the cell and the error (one line)."""


def _bar(progress_bar: bool | None, i: int, n: int, stem: str) -> bool | dict[str, Any]:
    """papermill's progress bar over one chapter's cells (None: only on a terminal)."""
    if progress_bar is False:
        return False
    return {
        "desc": f"[{i}/{n}] {stem}",
        "leave": False,
        "disable": None if progress_bar is None else False,
        "dynamic_ncols": True,
    }


def _nav(pages: Sequence[ChapterPage], i: int) -> list[NavLink]:
    links = [NavLink("index", "index.html", "↑ Report index")]
    if i > 0:
        prev = pages[i - 1]
        links.append(NavLink("prev", prev.html.name, f"← {prev.title}"))
    if i + 1 < len(pages):
        nxt = pages[i + 1]
        links.append(NavLink("next", nxt.html.name, f"{nxt.title} →"))
    return links


def run_parameters(pages: Sequence[ChapterPage]) -> dict[str, Any]:
    """The parameters of a run, one value per name (a later chapter's value wins)."""
    merged: dict[str, Any] = {}
    for page in pages:
        merged.update(page.parameters or {})
    return merged


def build_report(
    out_dir: Path | str = REPO_ROOT / "build",
    *,
    notebook_dir: Path | str = DEFAULT_NOTEBOOK_DIR,
    only: Sequence[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] = print_progress,
    progress_bar: bool | None = None,
    glance: bool = True,
    data_home: Any = None,
) -> Path:
    """Execute every chapter into ``out_dir/notebooks``, render HTML, write ``out_dir/index.html``.

    The report works offline: MathJax is bundled into ``out_dir/mathjax`` (from the
    ``jupyter-server-mathjax`` package), figures are files or embedded, and nothing is
    loaded from a CDN. Each chapter page links back to the index and on to the previous
    and next chapter; the index shows the portfolio at a glance (:mod:`.glance`) and each
    chapter's headline figure (its cell tagged ``headline``).

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
    progress_bar : bool, optional
        A tqdm bar over each chapter's cells while it runs; None (default): only when
        standard error is a terminal.
    glance : bool
        Compute the "portfolio at a glance" KPIs (needs ``DATASET`` among the parameters).
    data_home : path, optional
        Where the CDNOW files are, for the glance (default as in the notebooks).

    Returns
    -------
    Path
        The ``index.html`` written.
    """
    import nbformat

    from portfolio_lib import __version__

    out_dir = Path(out_dir).resolve()
    paths = select_notebooks(discover_notebooks(notebook_dir), only)
    if not paths:
        raise ValueError(f"no notebooks found in {notebook_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    mathjax = bundle_mathjax(out_dir)
    n = len(paths)
    pages: list[ChapterPage] = []
    for i, path in enumerate(paths, start=1):
        progress(f"[{i}/{n}] running {path.name} ...")
        executed = out_dir / "notebooks" / path.name
        try:
            seconds = execute_notebook(
                path,
                executed,
                parameters=parameters,
                progress_bar=_bar(progress_bar, i, n, path.stem),
            )
        except Exception as error:
            if type(error).__name__ != "PapermillExecutionError":
                raise
            raise ChapterFailed(
                f"{path.name} failed in cell [{error.exec_count}]: {error.ename}: "
                f"{str(error.evalue).splitlines()[0] if error.evalue else ''} "
                f"(the executed notebook with the full traceback: {executed})"
            ) from error
        nb = nbformat.read(str(executed), as_version=4)
        figure = None
        png = headline_png(nb)
        if png is not None:
            figure = out_dir / "figures" / f"{path.stem}.png"
            figure.parent.mkdir(parents=True, exist_ok=True)
            figure.write_bytes(png)
        pages.append(
            ChapterPage(
                path.name[:2],
                notebook_title(executed),
                executed,
                out_dir / f"{path.stem}.html",
                seconds,
                figure,
                notebook_parameters(nb),
            )
        )
        progress(f"[{i}/{n}] {path.name} done in {seconds:.1f} s")
    url = f"{mathjax.name}/MathJax.js?config={MATHJAX_CONFIG}"
    for i, page in enumerate(pages):
        render_html(page.notebook, page.html, mathjax_url=url, nav=_nav(pages, i))
    progress(f"rendered {n} page(s) with MathJax bundled in {mathjax.relative_to(out_dir)}/")
    summary: Glance | None = None
    note = ""
    values = run_parameters(pages)
    if not glance:
        note = "Not computed for this run."
    elif "DATASET" not in values:
        note = "The chapters run have no DATASET parameter, so there is no data set to summarise."
    else:
        progress("computing the portfolio at a glance ...")
        try:
            summary = portfolio_at_a_glance(values, data_home=data_home)
        except Exception as exc:  # the chapters ran: still write the index, and say why not
            note = f"Could not be computed: {type(exc).__name__}: {exc}"
            progress(f"portfolio at a glance: {note}")
    return write_index(out_dir, pages, summary, glance_note=note, version=__version__)
