"""Private helpers shared by the CLV models and their simulators.

``start_vector`` turns a fit's ``start_params`` mapping into the vector of starting values.
``customer_ages`` checks and broadcasts the observation ages ``T`` of the simulated
customers, ``histories`` puts their summaries in a frame; ``kth_arrival`` places the last of a customer's purchases without drawing
every purchase time (the x-th of n uniform arrival times is ``horizon * Beta(x, n - x + 1)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["customer_ages", "histories", "kth_arrival", "start_vector"]


def customer_ages(n_customers: int, T) -> np.ndarray:
    """``T`` broadcast to one (writable) age per customer; ValueError unless finite and >= 0."""
    T_arr = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    if np.any(~np.isfinite(T_arr)) or np.any(T_arr < 0):
        raise ValueError("T must be finite and >= 0")
    return T_arr


def histories(x: np.ndarray, recency: np.ndarray, T: np.ndarray, **latent) -> pd.DataFrame:
    """Simulated customers: ``frequency`` (int), ``recency``, ``T``, then the ``latent`` columns,
    indexed by ``customer_id`` (0..n-1)."""
    frame = pd.DataFrame({"frequency": x.astype(np.int64), "recency": recency, "T": T, **latent})
    frame.index = pd.RangeIndex(len(frame), name="customer_id")
    return frame


def kth_arrival(rng: np.random.Generator, x: np.ndarray, n: np.ndarray, horizon: np.ndarray):
    """Time of the x-th of n uniform arrivals on (0, horizon] (0 where x == 0)."""
    out = np.zeros(x.shape)
    pos = x > 0
    out[pos] = horizon[pos] * rng.beta(x[pos], n[pos] - x[pos] + 1)
    return out


def start_vector(
    start_params: Mapping[str, float] | None, names: Sequence[str], default: np.ndarray
) -> np.ndarray:
    """``start_params`` in the order of ``names`` as floats, or ``default`` when it is None."""
    if start_params is None:
        return default
    return np.array([float(start_params[n]) for n in names])
