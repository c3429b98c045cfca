"""How good a linkage is, against the true person of every record.

Pairwise metrics count *pairs of records*: a pair is predicted when both records got the
same person, and true when both belong to the same real person.

* precision = true pairs predicted / pairs predicted (how many merges are right; a false
  merge joins two people),
* recall = true pairs predicted / true pairs (how many duplicates were found; a missed merge
  leaves one person as two customers),
* F1 = their harmonic mean.

With no predicted pair precision is 1 (no merge is wrong); with no true pair recall is 1.
Cluster-level metrics count *people*: the share of true persons whose records form exactly
one predicted person (``cluster_recall``), the share of predicted persons that are exactly
one true person (``cluster_precision``), and how many predicted persons mix records of
several people (``merged_persons``) or how many true persons are split (``split_persons``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: Person labels of records: a Series, an array or a list, aligned with the records.
Labels = pd.Series | np.ndarray | Sequence[object]

__all__ = ["pairwise_metrics", "cluster_metrics", "components", "precision_recall_curve"]


def _pairs(sizes: np.ndarray) -> int:
    sizes = np.asarray(sizes, dtype=np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _codes(labels: Labels) -> np.ndarray:
    return pd.factorize(pd.Series(labels).to_numpy(), use_na_sentinel=False)[0]


def pairwise_metrics(predicted: Labels, truth: Labels) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against the truth.

    Parameters
    ----------
    predicted, truth : array-like
        The predicted and the true person of each record, aligned (same length, same order).

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1`` (shares in [0, 1]), and the counts
        ``predicted_pairs``, ``true_pairs``, ``correct_pairs``.

    Examples
    --------
    Records a, b, c of one person and d of another; the model merges a-b and c-d:

    >>> m = pairwise_metrics(["x", "x", "y", "y"], [1, 1, 1, 2])
    >>> m["precision"], round(m["recall"], 3), m["correct_pairs"]
    (0.5, 0.333, 1.0)
    """
    p, t = _codes(predicted), _codes(truth)
    if len(p) != len(t):
        raise ValueError(f"predicted has {len(p)} records but truth has {len(t)}")
    joint = pd.Series(p * (t.max(initial=0) + 1) + t).value_counts().to_numpy()
    correct = _pairs(joint)
    n_pred = _pairs(np.bincount(p)) if len(p) else 0
    n_true = _pairs(np.bincount(t)) if len(t) else 0
    precision = correct / n_pred if n_pred else 1.0
    recall = correct / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "predicted_pairs": float(n_pred),
        "true_pairs": float(n_true),
        "correct_pairs": float(correct),
    }


def cluster_metrics(predicted: Labels, truth: Labels) -> dict[str, float]:
    """Cluster-level metrics: exactly recovered persons, merged and split persons.

    Parameters
    ----------
    predicted, truth : array-like
        The predicted and the true person of each record, aligned.

    Returns
    -------
    dict
        ``true_persons``, ``predicted_persons``, ``exact_persons`` (true persons recovered
        exactly), ``cluster_precision`` (exact / predicted), ``cluster_recall``
        (exact / true), ``merged_persons`` (predicted persons with records of more than one
        true person) and ``split_persons`` (true persons spread over more than one predicted
        person).

    Examples
    --------
    >>> m = cluster_metrics(["x", "x", "y", "y"], [1, 1, 1, 2])
    >>> m["exact_persons"], m["merged_persons"], m["split_persons"]
    (0.0, 1.0, 1.0)
    """
    frame = pd.DataFrame({"p": _codes(predicted), "t": _codes(truth)})
    true_per_pred = frame.groupby("p")["t"].nunique()
    pred_per_true = frame.groupby("t")["p"].nunique()
    # exact: the person's records sit in one predicted person that holds nothing else
    links = frame.drop_duplicates()
    exact = float(
        (
            links["p"].map(true_per_pred).eq(1).to_numpy()
            & links["t"].map(pred_per_true).eq(1).to_numpy()
        ).sum()
    )
    n_true, n_pred = float(len(pred_per_true)), float(len(true_per_pred))
    return {
        "true_persons": n_true,
        "predicted_persons": n_pred,
        "exact_persons": exact,
        "cluster_precision": exact / n_pred if n_pred else 1.0,
        "cluster_recall": exact / n_true if n_true else 1.0,
        "merged_persons": float((true_per_pred > 1).sum()),
        "split_persons": float((pred_per_true > 1).sum()),
    }


def components(n_records: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components of records joined by links (record positions 0..n-1).

    Parameters
    ----------
    n_records : int
        Number of records; a record in no link is its own component.
    left, right : numpy.ndarray of int
        Positions of the two records of each link.

    Returns
    -------
    numpy.ndarray of int
        For each record, the position of the first record (smallest position) of its
        component, so a component is labelled by its first record.

    Examples
    --------
    >>> components(5, np.array([0, 3]), np.array([2, 4])).tolist()
    [0, 1, 0, 3, 3]
    """
    graph = coo_matrix(
        (np.ones(len(left), dtype=np.int8), (np.asarray(left), np.asarray(right))),
        shape=(n_records, n_records),
    )
    _, labels = connected_components(graph, directed=False)
    first = pd.Series(np.arange(n_records)).groupby(labels).transform("min")
    return first.to_numpy()


def precision_recall_curve(
    pairs: pd.DataFrame,
    truth_codes: np.ndarray,
    thresholds: Sequence[float],
) -> pd.DataFrame:
    """Pairwise precision and recall after clustering at each threshold.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Scored pairs with record positions ``left``, ``right`` and ``match_probability``.
    truth_codes : numpy.ndarray
        True person of each record position (any labels).
    thresholds : sequence of float
        Match-probability thresholds in (0, 1].

    Returns
    -------
    pandas.DataFrame
        One row per threshold: ``threshold``, ``precision``, ``recall``, ``f1``,
        ``persons`` (predicted persons).

    Examples
    --------
    >>> pairs = pd.DataFrame({"left": [0, 2], "right": [1, 3], "match_probability": [0.99, 0.6]})
    >>> precision_recall_curve(pairs, np.array([0, 0, 1, 2]), [0.5, 0.9])[["threshold", "precision", "recall"]].values.tolist()
    [[0.5, 0.5, 1.0], [0.9, 1.0, 1.0]]
    """
    n = len(truth_codes)
    rows = []
    for threshold in thresholds:
        kept = pairs[pairs["match_probability"] >= threshold]
        labels = components(n, kept["left"].to_numpy(), kept["right"].to_numpy())
        metrics = pairwise_metrics(labels, truth_codes)
        rows.append(
            {
                "threshold": float(threshold),
                "precision": metrics["precision"],
                "recall": metrics["recall"],
                "f1": metrics["f1"],
                "persons": int(len(np.unique(labels))),
            }
        )
    return pd.DataFrame(rows)
