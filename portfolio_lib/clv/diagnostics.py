"""Tables that check a fitted purchase model against data (inputs of the CLV figures)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_lib.clv._base import PurchaseModel
from portfolio_lib.clv._validation import check_model, validate_summary

__all__ = ["repeat_purchase_distribution", "holdout_comparison", "prob_alive_matrix"]


def repeat_purchase_distribution(
    model: PurchaseModel, summary: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Actual vs expected number of customers by repeat purchases in the calibration period.

    The expected count for ``n`` is ``sum_i P(X(T_i) = n)``; the last row collects
    ``max_frequency`` and more.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (0..max_frequency, the last meaning "or more"),
        columns ``actual`` and ``model``.
    """
    check_model(model, needs=("prob_purchases",))
    frame = validate_summary(summary, columns=("frequency", "recency", "T"))
    ages, weights = np.unique(frame["T"].to_numpy(), return_counts=True)
    n = np.arange(max_frequency)
    probs = np.asarray(model.prob_purchases(n[:, None], ages[None, :]))
    expected = probs @ weights
    expected = np.r_[expected, weights.sum() - expected.sum()]
    freq = np.minimum(frame["frequency"].to_numpy().astype(int), max_frequency)
    actual = np.bincount(freq, minlength=max_frequency + 1)
    return pd.DataFrame(
        {"actual": actual, "model": expected},
        index=pd.Index(np.arange(max_frequency + 1), name="frequency"),
    )


def holdout_comparison(
    model: PurchaseModel, cal_holdout: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean holdout purchases, actual vs conditional expectation, by calibration frequency.

    Parameters
    ----------
    model : BetaGeo or ParetoNBD
        Fitted on the calibration columns.
    cal_holdout : pandas.DataFrame
        Output of :func:`~portfolio_lib.clv.calibration_holdout`.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (capped at ``max_frequency``), columns ``customers``,
        ``actual`` and ``model`` (mean holdout purchases per customer).
    """
    check_model(model, needs=("conditional_expected_purchases",))
    frame = validate_summary(
        cal_holdout, columns=("frequency", "recency", "T", "frequency_holdout", "duration_holdout")
    )
    expected = model.conditional_expected_purchases(
        frame["duration_holdout"].to_numpy(),
        frame["frequency"].to_numpy(),
        frame["recency"].to_numpy(),
        frame["T"].to_numpy(),
    )
    table = pd.DataFrame(
        {
            "frequency": np.minimum(frame["frequency"].to_numpy().astype(int), max_frequency),
            "actual": frame["frequency_holdout"].to_numpy(),
            "model": np.asarray(expected),
        }
    )
    grouped = table.groupby("frequency")
    out = grouped[["actual", "model"]].mean()
    out.insert(0, "customers", grouped.size())
    return out


def prob_alive_matrix(
    model: PurchaseModel, *, T: float, max_frequency: int = 20, n_recency: int = 40
) -> pd.DataFrame:
    """P(alive) for customers of age ``T`` on a grid of frequency x recency.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (0..max_frequency), columns recency values in
        ``[0, T]``; customers with frequency 0 have recency 0 by definition, so
        their row repeats the same value.
    """
    check_model(model, needs=("prob_alive",))
    freq = np.arange(max_frequency + 1, dtype=float)
    rec = np.linspace(0, T, n_recency)
    x, t_x = np.meshgrid(freq, rec, indexing="ij")
    t_x = np.where(x == 0, 0.0, t_x)
    values = np.asarray(model.prob_alive(x.ravel(), t_x.ravel(), np.full(x.size, T)))
    return pd.DataFrame(
        values.reshape(x.shape),
        index=pd.Index(freq.astype(int), name="frequency"),
        columns=pd.Index(np.round(rec, 3), name="recency"),
    )
