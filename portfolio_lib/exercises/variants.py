"""One parameterised copy of an exercise notebook per student.

Each student's ``SEED`` is derived from the student id with SHA-256 (stable
across machines, Python versions and runs, unlike :func:`hash`), so the data a
student works on and the answers the checks expect both follow from the id.
Papermill (``prepare_only=True``) injects ``SEED`` and ``STUDENT_ID`` after
the notebook's ``parameters`` cell without running anything.

Links in a handout. The exercise notebooks link to their chapter relatively
(``[Chapter 1](../notebooks/01_data_collection.ipynb)``), which works inside the
course repository but not in a handout written elsewhere and sent to students.
The project has no published URL of its own, so the instructor says where the
chapters are published with ``chapter_url`` (``--chapter-url``): links to a
chapter notebook then become absolute links to its published page. Without it,
every relative link that does not resolve from the output folder is replaced
by its text and a note naming the file ("Chapter 1 (course notebook
``notebooks/01_data_collection.ipynb``)"), so students still know which chapter
is meant and no handout carries a broken link. Relative links that resolve from
the output folder, absolute URLs and ``#anchors`` are kept.

Examples
--------
>>> student_seed("s001") == student_seed("s001")
True
>>> student_seed("s001") != student_seed("s002")
True
"""

from __future__ import annotations

import copy
import hashlib
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import pandas as pd

from portfolio_lib._errors import DataValidationError, raise_for_rows, require_columns

__all__ = ["student_seed", "read_roster", "variant_path", "handout_links", "make_variants"]

SEED_BITS = 31
"""Seeds lie in ``[0, 2**31 - 1)``, valid for numpy and every common RNG."""


def student_seed(student_id: str, base_seed: int = 0) -> int:
    """Stable seed for a student: SHA-256 of ``"<base_seed>:<student_id>"``.

    Parameters
    ----------
    student_id : str
        The student's id; surrounding spaces are ignored, case is kept.
    base_seed : int
        Changes every student's seed at once (for example, one per term).

    Returns
    -------
    int
        The first 8 bytes of the digest (big-endian) modulo ``2**31 - 1``.

    Examples
    --------
    >>> student_seed(" s001 ") == student_seed("s001")
    True
    >>> 0 <= student_seed("s001", base_seed=2025) < 2**31
    True
    """
    digest = hashlib.sha256(f"{int(base_seed)}:{str(student_id).strip()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (2**SEED_BITS - 1)


def read_roster(
    roster: Path | str | pd.DataFrame, *, id_column: str = "student_id"
) -> pd.DataFrame:
    """Read and validate a class roster (ids are read as text, so ``007`` stays ``007``).

    Parameters
    ----------
    roster : path or DataFrame
        A CSV file, or a table already loaded.
    id_column : str
        The column holding student ids.

    Returns
    -------
    pandas.DataFrame
        The roster with ids stripped of surrounding spaces.

    Raises
    ------
    DataValidationError
        If the id column is missing, or an id is empty or repeated (with example rows).

    Examples
    --------
    >>> read_roster(pd.DataFrame({"student_id": ["007", " s2 "]}))["student_id"].tolist()
    ['007', 's2']
    """
    if isinstance(roster, pd.DataFrame):
        frame = roster.copy()
    else:
        frame = pd.read_csv(roster, dtype=str, keep_default_na=False)
    require_columns(frame, [id_column], name="roster")
    ids = frame[id_column].astype("string").fillna("").str.strip()
    raise_for_rows(
        frame, (ids == "").to_numpy(), column=id_column, problem="must not be empty", name="roster"
    )
    frame[id_column] = ids.astype(str)
    raise_for_rows(
        frame,
        frame[id_column].duplicated(keep=False).to_numpy(),
        column=id_column,
        problem="must be unique (repeated ids)",
        name="roster",
    )
    return frame


def _safe_name(student_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", student_id)


def variant_path(notebook_name: str, student_id: str, out_dir: Path | str) -> Path:
    """Where a student's copy goes: ``<out_dir>/<stem>__<student id>.ipynb``.

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``.

    Examples
    --------
    >>> variant_path("05_satisfaction.ipynb", "ali veli", "out").as_posix()
    'out/05_satisfaction__ali_veli.ipynb'
    """
    return Path(out_dir) / f"{Path(notebook_name).stem}__{_safe_name(student_id)}.ipynb"


def _load_student_notebook(notebook: Any) -> tuple[Any, str]:
    """Read a notebook; a master (with solutions) is turned into its student copy first."""
    import nbformat

    from portfolio_lib.exercises.builder import has_solutions, make_student_copy

    if isinstance(notebook, str | Path):
        name = Path(notebook).name
        nb = nbformat.read(str(notebook), as_version=4)
    else:
        name = "notebook.ipynb"
        nb = notebook
    if has_solutions(nb):
        nb = make_student_copy(nb, name=name)
    return nb, name


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CHAPTER_NAME = re.compile(r"^\d{2}_[A-Za-z0-9_]+\.ipynb$")
_MARKDOWN_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>[^\]\n]*)\]"
    r"\(\s*(?P<target><[^>\n]*>|[^\s()]+)(?P<title>\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
)
_HTML_LINK = re.compile(r"""\s(?:href|src)\s*=\s*(?P<q>["'])(?P<target>.*?)(?P=q)""", re.IGNORECASE)


def _is_local(target: str) -> bool:
    """A link to a file by relative (or root) path: not a URL, not an ``#anchor``."""
    return bool(target) and not target.startswith(("#", "//")) and not _SCHEME.match(target)


def _chapter_link(url: str, file_name: str) -> str:
    """The published address of a chapter from ``url`` (``{name}``/``{stem}`` or a base)."""
    stem = file_name.rsplit(".", 1)[0]
    if "{" in url:
        return url.format(name=file_name, stem=stem)
    return f"{url.rstrip('/')}/{file_name}"


def _check_chapter_url(url: str) -> None:
    if not _SCHEME.match(url):
        raise ValueError(f"chapter_url must be an absolute URL (https://...), got {url!r}")
    try:
        _chapter_link(url, "01_x.ipynb")
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(
            f"chapter_url {url!r} may only use the placeholders {{name}} and {{stem}} ({error!r})"
        ) from None


def handout_links(source: str, out_dir: Path | str, chapter_url: str | None = None) -> str:
    """Rewrite the relative links of Markdown ``source`` for a handout in ``out_dir``.

    See the module docstring: a link to a chapter notebook becomes
    ``chapter_url``'s address when given; any other relative link that does not
    resolve from ``out_dir`` becomes its text plus a note naming the file (a
    Markdown image: its alt text and the note; an HTML ``href``/``src``: dropped).

    Examples
    --------
    >>> text = "These exercises go with [Chapter 1](../notebooks/01_data_collection.ipynb)."
    >>> handout_links(text, "/tmp/nowhere")
    'These exercises go with Chapter 1 (course notebook `notebooks/01_data_collection.ipynb`).'
    >>> handout_links(text, "/tmp/nowhere", "https://crm.example.edu/book/{stem}.html")
    'These exercises go with [Chapter 1](https://crm.example.edu/book/01_data_collection.html).'
    >>> handout_links("[glossary](https://example.org/g) and [above](#task-1)", "/tmp/nowhere")
    '[glossary](https://example.org/g) and [above](#task-1)'
    """
    out = Path(out_dir)

    def resolves(target: str) -> bool:
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        return bool(path) and not path.startswith("/") and (out / path).exists()

    def published(target: str) -> str | None:
        path, hash_, fragment = target.partition("#")
        name = PurePosixPath(unquote(path)).name
        if chapter_url is None or not _CHAPTER_NAME.match(name):
            return None
        return _chapter_link(chapter_url, name) + (hash_ + fragment)

    def shown(target: str) -> str:
        parts = PurePosixPath(unquote(target.split("#", 1)[0].split("?", 1)[0])).parts
        return "/".join(part for part in parts if part not in (".", "..", "/")) or target

    def markdown(match: re.Match[str]) -> str:
        target = match.group("target").strip("<>")
        if not _is_local(target) or resolves(target):
            return match.group(0)
        address = published(target)
        if address is not None:
            title = match.group("title") or ""
            return f"{match.group('bang')}[{match.group('text')}]({address}{title})"
        file = shown(target)
        kind = "course notebook" if file.endswith(".ipynb") else "course file"
        text = match.group("text").strip() or PurePosixPath(file).name
        return f"{text} ({kind} `{file}`)"

    def html(match: re.Match[str]) -> str:
        target = match.group("target")
        if not _is_local(target) or resolves(target):
            return match.group(0)
        address = published(target)
        if address is None:
            return ""
        quote = match.group("q")
        return match.group(0).replace(f"{quote}{target}{quote}", f"{quote}{address}{quote}")

    return _HTML_LINK.sub(html, _MARKDOWN_LINK.sub(markdown, source))


def _tidy(nb: Any, parameters: dict[str, Any]) -> Any:
    """Drop papermill's bookkeeping (it embeds the input notebook) and empty tag lists."""
    nb.metadata.pop("papermill", None)
    nb.metadata["exercise_parameters"] = dict(parameters)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill's id is random
        if not cell.metadata.get("tags", True):
            del cell.metadata["tags"]
    return nb


def make_variants(
    notebook: Path | str | Any,
    roster: Path | str | pd.DataFrame,
    out_dir: Path | str,
    *,
    id_column: str = "student_id",
    base_seed: int = 0,
    name: str | None = None,
    chapter_url: str | None = None,
) -> pd.DataFrame:
    """Write one copy of ``notebook`` per student with ``SEED`` and ``STUDENT_ID`` injected.

    A master notebook is accepted too: its solutions are removed first, so a
    variant never carries them. Relative links that would not resolve from
    ``out_dir`` are made absolute (chapters, with ``chapter_url``) or replaced
    by the file's name (see :func:`handout_links`).

    Parameters
    ----------
    notebook : path or nbformat.NotebookNode
        Student copy (or master) with a ``parameters`` cell.
    roster : path or DataFrame
        Class roster (CSV) with an ``id_column``.
    out_dir : path
        Folder for the copies (created).
    id_column : str
        Roster column with the student ids.
    base_seed : int
        Passed to :func:`student_seed`.
    name : str, optional
        File name to use for an in-memory notebook (default ``notebook.ipynb``).
    chapter_url : str, optional
        Where the chapters are published: an absolute URL with ``{name}`` (the
        notebook's file name) or ``{stem}`` (without ``.ipynb``), e.g.
        ``"https://crm.example.edu/book/{stem}.html"``, or a base URL the file name
        is appended to.

    Returns
    -------
    pandas.DataFrame
        Columns ``student_id``, ``seed``, ``path``, one row per student.

    Raises
    ------
    DataValidationError
        For a bad roster (see :func:`read_roster`) or two ids that map to the same file name.
    ValueError
        If ``chapter_url`` is not an absolute URL or uses another placeholder.

    Examples
    --------
    >>> make_variants("exercises/05_satisfaction.ipynb", "roster.csv", "out")  # doctest: +SKIP
    """
    import nbformat
    import papermill

    if chapter_url is not None:
        _check_chapter_url(chapter_url)
    frame = read_roster(roster, id_column=id_column)
    nb, file_name = _load_student_notebook(notebook)
    file_name = name or file_name
    out = Path(out_dir)
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = handout_links(cell.source, out, chapter_url)
    paths = [variant_path(file_name, sid, out) for sid in frame[id_column]]
    clash = pd.Series([p.name for p in paths]).duplicated(keep=False).to_numpy()
    raise_for_rows(
        frame,
        clash,
        column=id_column,
        problem="gives the same file name for different ids (after replacing special characters)",
        name="roster",
    )
    if frame.empty:
        raise DataValidationError(f"roster: column {id_column!r} has no student ids (empty roster)")
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for student_id, path in zip(frame[id_column], paths, strict=True):
        seed = student_seed(student_id, base_seed)
        parameters = {"SEED": seed, "STUDENT_ID": student_id}
        variant = papermill.execute_notebook(
            nb,
            None,
            parameters=parameters,
            prepare_only=True,
            kernel_name="python3",
            progress_bar=False,
        )
        nbformat.write(_tidy(variant, parameters), str(path))
        rows.append({"student_id": student_id, "seed": seed, "path": path})
    return pd.DataFrame(rows, columns=["student_id", "seed", "path"])
