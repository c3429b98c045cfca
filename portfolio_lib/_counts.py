"""Checks of count arguments shared by lifecycle, equity and loyalty (periods, neighbours).

Candidate for :mod:`portfolio_lib._validate` (one helper for whole-number arguments).
"""

from __future__ import annotations

import numpy as np

__all__ = ["whole_number", "real_number"]


def whole_number(value: object, name: str, minimum: int = 0) -> int:
    """``value`` as an int if it is a whole number >= ``minimum``, else ValueError naming it.

    Examples
    --------
    >>> whole_number(3, "periods", 1)
    3
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def real_number(
    value: object, name: str, minimum: float = -np.inf, *, strict: bool = False
) -> float:
    """``value`` as a float if it is a finite real number >= ``minimum`` (> when ``strict``).

    Booleans, text and NaN are refused with a ValueError naming ``name``.

    Examples
    --------
    >>> real_number(0.5, "value_per_point", 0, strict=True)
    0.5
    """
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int | float | np.integer | np.floating)
        and bool(np.isfinite(value))
        and (value > minimum if strict else value >= minimum)
    )
    if not ok:
        bound = f" {'>' if strict else '>='} {minimum:g}" if np.isfinite(minimum) else ""
        raise ValueError(f"{name} must be a finite number{bound}, got {value!r}")
    return float(value)
