"""Optional dependency groups ("extras") and one clear message when one is missing.

The analysis package needs only its core dependencies. Running notebooks, the
HTML report and the grader need the ``notebooks`` extra
(``pip install "portfolio-lib[notebooks]"``); the test and lint tools are the
``dev`` extra. A command that needs a missing extra stops with one line naming
the extra to install and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence

__all__ = ["EXTRAS", "MissingExtraError", "missing_modules", "require_extra"]

#: The import names each extra must provide (the distributions are in pyproject.toml).
EXTRAS: dict[str, tuple[str, ...]] = {
    "notebooks": (
        "papermill",
        "nbconvert",
        "nbformat",
        "nbclient",
        "ipykernel",
        "nbstripout",
        "jupyter_server_mathjax",
    ),
}


class MissingExtraError(ImportError):
    """An optional dependency group is not installed; the message says how to install it."""


def missing_modules(modules: Sequence[str]) -> list[str]:
    """Return the names in ``modules`` that cannot be imported (without importing them).

    Examples
    --------
    >>> missing_modules(["json", "surely_not_installed_xyz"])
    ['surely_not_installed_xyz']
    """
    return [name for name in modules if importlib.util.find_spec(name) is None]


def require_extra(extra: str, *, purpose: str) -> None:
    """Raise :class:`MissingExtraError` when the modules of ``extra`` are not importable.

    Parameters
    ----------
    extra : str
        A key of :data:`EXTRAS`, e.g. ``"notebooks"``.
    purpose : str
        What the caller wanted to do, for the message (``"run the notebooks"``).

    Raises
    ------
    MissingExtraError
        With one line: what is missing and the ``pip install`` command that fixes it.

    Examples
    --------
    >>> require_extra("notebooks", purpose="run the notebooks")  # doctest: +SKIP
    """
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; known: {sorted(EXTRAS)}")
    missing = missing_modules(EXTRAS[extra])
    if missing:
        raise MissingExtraError(
            f"to {purpose} install the '{extra}' extra: pip install \"portfolio-lib[{extra}]\" "
            f"(missing: {', '.join(missing)})"
        )
