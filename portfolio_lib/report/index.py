"""The report's ``index.html``: what the run found, then one card per chapter."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portfolio_lib.report.glance import Glance

__all__ = ["ChapterPage", "write_index"]


@dataclass(frozen=True)
class ChapterPage:
    """One executed chapter: its notebook, HTML page, headline figure and run time.

    ``figure`` is the headline PNG beside the index (None when the chapter drew none);
    ``parameters`` are the values the chapter ran with.
    """

    number: str
    title: str
    notebook: Path
    html: Path
    seconds: float
    figure: Path | None = None
    parameters: Mapping[str, Any] | None = None


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 72rem;
  margin: 2rem auto; padding: 0 1.2rem; color: #222; line-height: 1.45; }
h1 { color: #1f4e79; margin-bottom: .2rem; } h2 { color: #1f4e79; margin-top: 2.2rem; }
.meta { color: #555; font-size: .92rem; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: .9rem; }
.kpi { border: 1px solid #d7dee8; border-radius: 8px; padding: .8rem 1rem; background: #f8fafc; }
.kpi .label { font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; color: #4a5a6a; }
.kpi .value { font-size: 1.9rem; font-weight: 600; color: #1f4e79; margin: .15rem 0; }
.kpi.missing .value { font-size: 1.05rem; font-weight: 500; color: #8a6d00; }
.kpi .detail { font-size: .85rem; color: #444; }
.kpi a { font-size: .85rem; color: #1f4e79; }
table.params { border-collapse: collapse; font-size: .9rem; margin-top: .6rem; }
table.params th, table.params td { border-bottom: 1px solid #e3e8ee; padding: .25rem .8rem;
  text-align: left; vertical-align: top; }
table.params code { font-size: .88rem; }
.chapters { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: 1.2rem; }
.chapter { border: 1px solid #d7dee8; border-radius: 8px; padding: .8rem 1rem 1rem; }
.chapter h3 { margin: .1rem 0 .6rem; font-size: 1.05rem; }
.chapter h3 a { color: #1f4e79; text-decoration: none; }
.chapter img { width: 100%; height: auto; border: 1px solid #eef1f5; }
.chapter .nofig { color: #777; font-style: italic; }
"""


def _kpi_card(kpi: Any, pages: Mapping[str, ChapterPage]) -> str:
    value = kpi.value if kpi.value is not None else "not available"
    page = pages.get(kpi.chapter)
    link = (
        f' <a href="{html.escape(page.html.name)}">chapter {int(kpi.chapter)} &rarr;</a>'
        if page
        else ""
    )
    missing = "" if kpi.value is not None else " missing"
    return (
        f'<div class="kpi{missing}"><div class="label">{html.escape(kpi.label)}</div>'
        f'<div class="value">{html.escape(value)}</div>'
        f'<div class="detail">{html.escape(kpi.detail)}{link}</div></div>'
    )


def _parameters_table(pages: Sequence[ChapterPage]) -> str:
    used: dict[str, dict[str, list[str]]] = {}
    for page in pages:
        for name, value in (page.parameters or {}).items():
            used.setdefault(name, {}).setdefault(repr(value), []).append(page.number)
    if not used:
        return ""
    every = [p.number for p in pages]
    rows = []
    for name in sorted(used):
        for value, numbers in used[name].items():
            where = "all" if numbers == every else ", ".join(numbers)
            rows.append(
                f"<tr><td><code>{html.escape(name)}</code></td>"
                f"<td><code>{html.escape(value)}</code></td><td>{html.escape(where)}</td></tr>"
            )
    return (
        "<details><summary>All parameters the chapters ran with</summary>"
        '<table class="params"><tr><th>parameter</th><th>value</th><th>chapters</th></tr>'
        + "".join(rows)
        + "</table></details>"
    )


def _chapter_card(page: ChapterPage, out_dir: Path) -> str:
    href = html.escape(page.html.name)
    if page.figure is not None:
        src = html.escape(page.figure.relative_to(out_dir).as_posix())
        figure = (
            f'<a href="{href}"><img src="{src}" '
            f'alt="headline figure of chapter {int(page.number)}"></a>'
        )
    else:
        figure = '<p class="nofig">This chapter drew no figure.</p>'
    return (
        f'<section class="chapter"><h3><a href="{href}">{html.escape(page.title)}</a></h3>'
        f'{figure}<p class="meta">ran in {page.seconds:.0f} s &middot; '
        f'<a href="{href}">open the chapter</a></p></section>'
    )


def write_index(
    out_dir: Path,
    pages: Sequence[ChapterPage],
    glance: Glance | None,
    *,
    glance_note: str = "",
    version: str = "",
) -> Path:
    """Write ``out_dir/index.html``: the portfolio at a glance, parameters, chapter cards."""
    by_number = {p.number: p for p in pages}
    total = sum(p.seconds for p in pages)
    if glance is not None:
        summary = f"<p>Data: {html.escape(glance.description)}, {html.escape(glance.period)}.</p>"
        cards = "".join(_kpi_card(k, by_number) for k in glance.kpis)
        at_a_glance = (
            f'<h2>Portfolio at a glance</h2>{summary}<div class="kpis">{cards}</div>'
            '<p class="meta">Computed with <code>portfolio_lib</code> on the data and parameters '
            "the chapters ran with; the chapters explain each number.</p>"
        )
    else:
        at_a_glance = (
            f'<h2>Portfolio at a glance</h2><p class="meta">{html.escape(glance_note)}</p>'
        )
    chapters = "".join(_chapter_card(p, out_dir) for p in pages)
    index = Path(out_dir) / "index.html"
    index.write_text(
        f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer portfolio lab — report</title>
<style>{_STYLE}</style></head><body>
<h1>Customer portfolio lab</h1>
<p class="meta">{len(pages)} chapter(s) executed in {total:.0f} s by <code>make run</code>
(portfolio_lib {html.escape(version)}). Everything here works offline.</p>
{at_a_glance}
{_parameters_table(pages)}
<h2>Chapters</h2>
<div class="chapters">{chapters}</div>
</body></html>
""",
        encoding="utf-8",
    )
    return index
