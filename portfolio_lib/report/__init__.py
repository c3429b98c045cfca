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

# Each module declares its public names once, in its own ``__all__``; the package re-exports
# them in the order of the pipeline (find and execute, render, glance, index, build).
from portfolio_lib.report import build as _build
from portfolio_lib.report import glance as _glance
from portfolio_lib.report import index as _index
from portfolio_lib.report import notebooks as _notebooks
from portfolio_lib.report import pages as _pages
from portfolio_lib.report.build import *  # noqa: F403
from portfolio_lib.report.glance import *  # noqa: F403
from portfolio_lib.report.index import *  # noqa: F403
from portfolio_lib.report.notebooks import *  # noqa: F403
from portfolio_lib.report.pages import *  # noqa: F403

__all__ = [
    *_notebooks.__all__,
    *_pages.__all__,
    *_glance.__all__,
    *_index.__all__,
    *_build.__all__,
]
