"""Optional progress bars for long loops (bootstraps of 1,000–2,000 resamples).

Off by default, so computations stay silent and pure; ``progress=True`` wraps the loop in a
text :mod:`tqdm` bar written to stderr (shown in a terminal and, as a cell's stderr, in a
notebook). tqdm is imported only when a bar is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")

__all__ = ["with_progress"]


def with_progress(
    items: Iterable[T],
    progress: object,
    *,
    desc: str,
    total: int | None = None,
    unit: str = "resample",
) -> Iterable[T]:
    """``items`` unchanged when ``progress`` is False, else wrapped in a tqdm progress bar.

    Parameters
    ----------
    items : iterable
        The loop to follow; the values it yields are not changed.
    progress : bool
        The caller's ``progress`` argument; anything but True or False raises ``ValueError``.
    desc, total, unit
        Passed to :class:`tqdm.tqdm` (``desc`` names the work, e.g. "bootstrap AUC").

    Examples
    --------
    >>> list(with_progress(range(3), False, desc="demo"))
    [0, 1, 2]
    """
    if not isinstance(progress, bool):
        raise ValueError(f"progress must be True or False, got {progress!r}")
    if not progress:
        return items
    try:
        from tqdm import tqdm
    except ImportError as error:  # pragma: no cover - tqdm is a dependency of the course stack
        raise ImportError("progress=True needs the 'tqdm' package: pip install tqdm") from error
    return tqdm(items, desc=desc, total=total, unit=unit)
