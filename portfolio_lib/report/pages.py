"""Chapter pages: nbconvert HTML with a bundled MathJax, navigation, and the headline figure.

Formulas must render without a network (a classroom, a train), so the pages do not load
MathJax from a CDN: :func:`bundle_mathjax` copies MathJax 2.7 (Apache-2.0) from the
``jupyter-server-mathjax`` package (BSD-3-Clause, part of the ``notebooks`` extra) into the
report folder once, and every page points at it by a relative URL. The lab template's
``require.js`` (only needed for widgets, which the chapters do not use) is left out for the
same reason.
"""

from __future__ import annotations

import base64
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "MATHJAX_CONFIG",
    "MATHJAX_DIRNAME",
    "HEADLINE_TAG",
    "NavLink",
    "mathjax_source",
    "bundle_mathjax",
    "render_html",
    "headline_png",
]

#: MathJax configuration shipped by jupyter-server-mathjax (TeX + AMS input, HTML-CSS output
#: with the STIX-Web fonts it ships; the page's own config selects them, as Jupyter does).
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
#: Folder of the bundled MathJax inside the report.
MATHJAX_DIRNAME = "mathjax"
#: Cell tag of the one figure per chapter that the index shows.
HEADLINE_TAG = "headline"
#: Parts of the MathJax distribution a static page never loads: the SVG output, the
#: accessibility explorer, and translations other than English (7.4 of its 9.5 MB).
_MATHJAX_LEFT_OUT = ("jax/output/SVG", "extensions/a11y", "localization")
_MATHJAX_KEPT = ("localization/en",)
_STAMP = ".bundled-from"

_PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web",
  imageFont: null}});
</script>
{{ super() }}
{%- endblock html_head_js_mathjax -%}
{%- block html_head_css -%}
<style type="text/css">
nav.pl-chapter-nav { display: flex; flex-wrap: wrap; gap: .4rem 1.4rem; align-items: baseline;
  margin: 0 0 1.2rem; padding: .6rem .9rem; border: 1px solid #d7dee8; border-radius: 6px;
  background: #f5f8fb; font: 0.95rem system-ui, sans-serif; }
nav.pl-chapter-nav.pl-bottom { margin: 2rem 0 1rem; }
nav.pl-chapter-nav a { color: #1f4e79; text-decoration: none; }
nav.pl-chapter-nav a:hover { text-decoration: underline; }
nav.pl-chapter-nav .pl-next { margin-left: auto; }
/* MathJax's hidden MathML copy for screen readers asks for TeX web fonts that are not bundled
   (and never seen): keep it on a local font so an offline page requests no missing file. */
.MJX_Assistive_MathML, .MJX_Assistive_MathML * { font-family: serif !important; }
</style>
{%- endblock html_head_css -%}
{%- macro chapter_nav(where) -%}
{%- if resources.chapter_nav -%}
<nav class="pl-chapter-nav pl-{{ where }}" aria-label="chapters">
{%- for link in resources.chapter_nav %}
<a class="pl-{{ link.rel }}" rel="{{ link.rel }}" href="{{ link.href | e }}">{{ link.text | e }}</a>
{%- endfor %}
</nav>
{%- endif -%}
{%- endmacro -%}
{%- block body_header -%}
{{ super() }}
{{ chapter_nav("top") }}
{%- endblock body_header -%}
{% block body_footer %}
{{ chapter_nav("bottom") }}
{{ super() }}
{% endblock body_footer %}
"""


@dataclass(frozen=True)
class NavLink:
    """A link in a chapter page's navigation bar (``rel``: index, prev or next)."""

    rel: str
    href: str
    text: str


def mathjax_source() -> Path:
    """The MathJax 2.7 files shipped by ``jupyter-server-mathjax`` (found without importing it).

    Raises
    ------
    ModuleNotFoundError
        When the package (part of the ``notebooks`` extra) is not installed.
    """
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "jupyter-server-mathjax is not installed: it provides the MathJax files that let "
            'the report\'s formulas render offline (pip install "portfolio-lib[notebooks]")'
        )
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    if not (static / "MathJax.js").is_file():
        raise FileNotFoundError(f"no MathJax.js in {static}")
    return static


def _left_out(relative: Path) -> bool:
    text = relative.as_posix()
    if any(text == k or text.startswith(k + "/") for k in _MATHJAX_KEPT):
        return False
    return any(text == k or text.startswith(k + "/") for k in _MATHJAX_LEFT_OUT)


def bundle_mathjax(out_dir: Path | str) -> Path:
    """Copy the MathJax files the pages need into ``out_dir/mathjax`` (once) and return it.

    The copy is skipped when the folder already holds the same MathJax (a stamp file names
    the source), so rebuilding a report does not copy its 2 MB again.

    Parameters
    ----------
    out_dir : path
        The report folder.

    Returns
    -------
    Path
        ``out_dir/mathjax``; pages load ``mathjax/MathJax.js`` from beside themselves.
    """
    source = mathjax_source()
    target = Path(out_dir) / MATHJAX_DIRNAME
    stamp = f"{source}\n{(source / 'MathJax.js').stat().st_size}\n"
    if (target / _STAMP).is_file() and (target / _STAMP).read_text() == stamp:
        return target
    if target.exists():
        shutil.rmtree(target)
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or _left_out(relative):
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / relative)
    (target / _STAMP).write_text(stamp)
    return target


def render_html(
    notebook: Path | str,
    html_path: Path | str,
    *,
    mathjax_url: str | None = None,
    nav: list[NavLink] | None = None,
) -> Path:
    """Render an executed notebook to a standalone HTML page (figures embedded).

    Parameters
    ----------
    notebook : path
        The executed notebook.
    html_path : path
        Where the page goes.
    mathjax_url : str, optional
        Where the page loads MathJax from, e.g. ``"mathjax/MathJax.js?config=..."``
        (relative to the page); default: bundle MathJax beside the page
        (:func:`bundle_mathjax`) and use that.
    nav : list of NavLink, optional
        Links shown above and below the chapter (index, previous, next).
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    if mathjax_url is None:
        bundle_mathjax(html_path.parent)
        mathjax_url = f"{MATHJAX_DIRNAME}/MathJax.js?config={MATHJAX_CONFIG}"
    nb = nbformat.read(str(notebook), as_version=4)
    exporter = HTMLExporter(
        template_name="lab",
        template_file="portfolio_page.html.j2",
        extra_loaders=[DictLoader({"portfolio_page.html.j2": _PAGE_TEMPLATE})],
        mathjax_url=mathjax_url,
    )
    resources: dict[str, Any] = {"chapter_nav": [link.__dict__ for link in nav or []]}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def headline_png(nb: Any) -> bytes | None:
    """The PNG of the cell tagged ``headline`` (else the first figure), or None.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook.
    """
    cells = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in cells if HEADLINE_TAG in c.metadata.get("tags", [])]
    for cell in tagged + cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                return base64.b64decode(data["image/png"])
    return None
