"""Run the course notebooks and publish them as an HTML report that works offline.

``make run`` calls :func:`build_report`: every notebook in ``notebooks/`` is executed with
papermill into ``build/notebooks/`` (a progress bar per chapter on a terminal; the kernel's
transport is encrypted, so it prints no warning), rendered to HTML with nbconvert, and
linked from ``build/index.html``, which shows the portfolio at a glance (the KPIs a
manager reads first, computed for the same data) and each chapter's headline figure.
Formulas render without a network: MathJax is copied into ``build/mathjax`` from the
``jupyter-server-mathjax`` package. ``make notebooks`` calls :func:`execute_in_place`, the
only way the stored outputs (the nbval reference) change; it also removes volatile
metadata so diffs stay small.

Modules: :mod:`.notebooks` (find, execute, clean), :mod:`.pages` (chapter pages, MathJax,
headline figures), :mod:`.glance` (the KPIs), :mod:`.index` (index page), :mod:`.build`.

This sub-package does I/O by design; the analysis modules never do, and never import it.
Everything here needs the ``notebooks`` extra (``pip install "portfolio-lib[notebooks]"``).
"""

from portfolio_lib.report.build import ChapterFailed, build_report, run_parameters
from portfolio_lib.report.glance import KPI, Glance, portfolio_at_a_glance
from portfolio_lib.report.index import ChapterPage, write_index
from portfolio_lib.report.notebooks import (
    DEFAULT_NOTEBOOK_DIR,
    KERNEL_NAME,
    NOTEBOOK_NAME_PATTERN,
    REPO_ROOT,
    VOLATILE_METADATA,
    clean_notebook,
    discover_notebooks,
    execute_in_place,
    execute_notebook,
    kernel_config,
    notebook_parameters,
    notebook_title,
)
from portfolio_lib.report.pages import (
    HEADLINE_TAG,
    MATHJAX_CONFIG,
    NavLink,
    bundle_mathjax,
    headline_png,
    render_html,
)

__all__ = [
    "NOTEBOOK_NAME_PATTERN",
    "REPO_ROOT",
    "DEFAULT_NOTEBOOK_DIR",
    "KERNEL_NAME",
    "VOLATILE_METADATA",
    "HEADLINE_TAG",
    "MATHJAX_CONFIG",
    "ChapterPage",
    "ChapterFailed",
    "NavLink",
    "KPI",
    "Glance",
    "discover_notebooks",
    "notebook_title",
    "notebook_parameters",
    "clean_notebook",
    "kernel_config",
    "execute_notebook",
    "execute_in_place",
    "bundle_mathjax",
    "render_html",
    "headline_png",
    "portfolio_at_a_glance",
    "write_index",
    "run_parameters",
    "build_report",
]
