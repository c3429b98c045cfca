"""Segmentation: behavioural clusters, psychographic (attitude) segments, stability over time.

- Behavioural: :func:`behaviour_features` (signed log + z-score of RFM columns),
  :func:`cluster_diagnostics` to choose ``k``, :func:`fit_segments` (k-means or a Gaussian
  mixture), :func:`profile_segments` to describe the segments.
- Psychographic: :func:`attitude_factors` (factor analysis with varimax rotation on the Likert
  attitude items), :func:`psychographic_segments` (clusters on the factor scores) and
  :func:`demographic_profile` (who is in each segment).
- Over time: :func:`segment_stability` re-segments at consecutive observation ends and reports
  transition matrices and the adjusted Rand index, so segments can be reviewed as customers change.

Segment labels of the clustering functions are integers ``0..k-1`` numbered by size
(0 = largest), so the same data and seed always give the same numbering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import FactorAnalysis
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from portfolio_lib import _validate
from portfolio_lib._errors import (
    DataValidationError,
    as_generator,
    require_columns,
)
from portfolio_lib.rfm import (
    rfm_scores,
    rfm_segments,
    rfm_table,
)

__all__ = [
    "Segmentation",
    "SegmentProfile",
    "AttitudeFactors",
    "PsychographicSegments",
    "SegmentStability",
    "behaviour_features",
    "cluster_diagnostics",
    "fit_segments",
    "profile_segments",
    "attitude_factors",
    "psychographic_segments",
    "demographic_profile",
    "segment_stability",
]

Method = Literal["kmeans", "gmm"]
DEFAULT_FEATURES = ("recency_days", "frequency", "monetary_mean")
DEFAULT_DEMOGRAPHICS = ("age", "gender", "region", "acquisition_channel", "loyalty_member")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
def _one_thread() -> threadpool_limits:
    """Run native thread pools (OpenMP, BLAS) single-threaded inside the ``with`` block.

    The course's tables have thousands of rows, where one thread is as fast as several; on a
    busy shared machine, spinning OpenMP/BLAS worker threads made k-means and mixtures 5-20x
    slower. The previous limits are restored on exit.
    """
    return threadpool_limits(limits=1)


def _feature_matrix(X: pd.DataFrame, *, name: str = "X") -> np.ndarray:
    """Validate a numeric, finite feature frame and return it as a float array."""
    if not isinstance(X, pd.DataFrame):
        raise DataValidationError(f"{name} must be a pandas DataFrame, got {type(X).__name__}")
    if X.shape[1] == 0 or X.shape[0] == 0:
        raise DataValidationError(f"{name} is empty (shape {X.shape})")
    # one row per customer: labels under a repeated id would be ambiguous
    _validate.unique_index(X, name=name)
    for column in X.columns:
        _validate.numeric(X, column, name=name)
    return X.to_numpy(dtype=float)


def _check_method(method: str) -> str:
    if method not in ("kmeans", "gmm"):
        raise ValueError(f"method must be 'kmeans' or 'gmm', got {method!r}")
    return method


def _check_k(k: int, x: np.ndarray) -> int:
    """``k`` if ``x`` (the rows of ``X``) can be split into ``k`` segments, else an error.

    ``k`` must be a whole number with ``2 <= k < len(x)``, and ``x`` must hold at least ``k``
    distinct rows (identical customers cannot form separate segments).
    """
    n = len(x)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 2 <= k < n:
        raise ValueError(f"k must be an integer with 2 <= k < number of rows of X ({n}), got {k!r}")
    distinct = len(np.unique(x, axis=0))
    if distinct < k:
        raise DataValidationError(
            f"X has only {distinct} distinct row(s) among {n}: {k} segments need at least "
            f"{k} different customers (no variation to cluster)"
        )
    return int(k)


def _within_ss(x: np.ndarray, labels: np.ndarray) -> float:
    """Within-cluster sum of squared distances to the cluster means (k-means inertia)."""
    total = 0.0
    for label in np.unique(labels):
        block = x[labels == label]
        total += float(((block - block.mean(axis=0)) ** 2).sum())
    return total


def _fit_model(x: np.ndarray, k: int, method: str, random_state: int, n_init: int) -> Any:
    if method == "kmeans":
        return KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(x)
    return GaussianMixture(
        n_components=k, covariance_type="full", n_init=n_init, random_state=random_state
    ).fit(x)


# --------------------------------------------------------------------------------------------
# Behavioural clustering
# --------------------------------------------------------------------------------------------
def behaviour_features(
    table: pd.DataFrame,
    columns: Sequence[str] = DEFAULT_FEATURES,
    *,
    log: bool = True,
    standardize: bool = True,
) -> pd.DataFrame:
    """Clustering features: signed log of RFM columns, then z-scores.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer, e.g. from :func:`portfolio_lib.rfm.rfm_table`.
    columns : sequence of str
        Numeric columns to use (days, occasions, currency units...).
    log : bool
        Apply ``sign(x) * log(1 + |x|)`` (equal to ``log1p`` for x >= 0, defined for the rare
        negative net spend), which tames the long right tails of frequency and spend.
    standardize : bool
        Subtract the mean and divide by the (population) standard deviation, so every feature
        weighs the same in Euclidean distances.

    Returns
    -------
    pandas.DataFrame
        Same index, one column per feature (unitless after standardising).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"frequency": [1, 3, 7], "monetary_mean": [10.0, 20.0, 40.0]})
    >>> behaviour_features(t, ["frequency", "monetary_mean"]).round(2)["frequency"].tolist()
    [-1.22, 0.0, 1.22]
    """
    _validate.table(table, name="table", columns=list(columns))
    _validate.unique_index(table, name="table")  # one row per customer
    if len(table) == 0:
        raise DataValidationError("table has no rows")
    out = {}
    for column in columns:
        values = _validate.numeric(table, column, name="table")
        if log:
            values = np.sign(values) * np.log1p(np.abs(values))
        if standardize:
            sd = float(values.std(ddof=0))
            if not sd > 0:
                raise DataValidationError(
                    f"table: column {column!r} is constant and cannot be standardised"
                )
            values = (values - values.mean()) / sd
        out[column] = values
    return pd.DataFrame(out, index=table.index)


#: Rows on which :func:`cluster_diagnostics` computes the silhouette by default (O(n^2) cost).
SILHOUETTE_SAMPLE = 10_000


def cluster_diagnostics(
    X: pd.DataFrame,
    k_range: Iterable[int] = range(2, 9),
    method: Method = "kmeans",
    *,
    seed: int | np.random.Generator | None = 0,
    n_init: int = 5,
    silhouette_sample: int | None = SILHOUETTE_SAMPLE,
) -> pd.DataFrame:
    """Fit the clustering for each ``k`` and report the usual quality measures.

    Parameters
    ----------
    X : pandas.DataFrame
        Numeric feature matrix (e.g. from :func:`behaviour_features`), one row per customer.
    k_range : iterable of int
        Numbers of segments to try (each ``2 <= k < len(X)``).
    method : {"kmeans", "gmm"}
        k-means or a Gaussian mixture with full covariances (hard labels = most likely component).
    seed : int or Generator
        Randomness for the initialisations.
    n_init : int
        Initialisations per fit; the best is kept.
    silhouette_sample : int, optional
        Compute the silhouette on a random subsample of this many rows when there are more
        (it costs O(n^2): 100,000 customers would take hours); ``None`` uses every row.
        The default (10,000) keeps the standard error of the mean silhouette below ~0.005.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``k``: ``inertia`` (within-cluster sum of squares, lower is tighter),
        ``silhouette`` (-1..1, higher is better), ``calinski_harabasz`` (higher is better),
        ``davies_bouldin`` (lower is better), ``bic`` and ``aic`` (mixtures only, lower is
        better; NaN for k-means) and ``smallest_share`` (share of rows in the smallest segment).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> X = pd.DataFrame({"x": [0.0, 0.1, 0.2, 5.0, 5.1, 5.2]})
    >>> int(cluster_diagnostics(X, [2, 3])["silhouette"].idxmax())
    2
    """
    x = _feature_matrix(X)
    method = _check_method(method)
    rng = as_generator(seed)
    rows = []
    for k in k_range:
        k = _check_k(k, x)
        with _one_thread():
            model = _fit_model(x, k, method, _validate.random_state(rng), n_init)
            labels = model.predict(x)
            row: dict[str, float] = {"k": k, "inertia": _within_ss(x, labels)}
            if len(np.unique(labels)) >= 2:
                row["silhouette"] = float(
                    silhouette_score(
                        x,
                        labels,
                        sample_size=silhouette_sample
                        if silhouette_sample is not None and silhouette_sample < len(x)
                        else None,
                        random_state=_validate.random_state(rng),
                    )
                )
                row["calinski_harabasz"] = float(calinski_harabasz_score(x, labels))
                row["davies_bouldin"] = float(davies_bouldin_score(x, labels))
            else:  # a mixture may leave components empty
                row.update(silhouette=np.nan, calinski_harabasz=np.nan, davies_bouldin=np.nan)
            row["bic"] = float(model.bic(x)) if method == "gmm" else np.nan
            row["aic"] = float(model.aic(x)) if method == "gmm" else np.nan
        row["smallest_share"] = float(np.bincount(labels, minlength=k).min() / len(x))
        rows.append(row)
    if not rows:
        raise ValueError("k_range is empty")
    return pd.DataFrame(rows).set_index("k")


@dataclass(frozen=True)
class Segmentation:
    """A fitted segmentation.

    Attributes
    ----------
    labels : pandas.Series
        Segment per row of the input (int ``0..k-1``, 0 = largest), named ``"segment"``.
    centers : pandas.DataFrame
        Segment means of the input features (k-means centroids or mixture means), one row per
        segment, in the units of the input.
    method : str
        ``"kmeans"`` or ``"gmm"``.
    k : int
        Number of segments.
    model : object
        The fitted scikit-learn estimator (in its own label numbering).
    relabel : tuple of int
        ``relabel[model_label]`` is the segment number used in ``labels``.
    """

    labels: pd.Series
    centers: pd.DataFrame
    method: str
    k: int
    model: Any
    relabel: tuple[int, ...]

    def predict(self, X: pd.DataFrame) -> pd.Series:
        """Assign new rows (same feature columns, same scaling) to the fitted segments."""
        require_columns(X, list(self.centers.columns), name="X")
        x = _feature_matrix(X[list(self.centers.columns)])
        with _one_thread():
            predicted = self.model.predict(x)
        mapped = np.asarray(self.relabel)[predicted]
        return pd.Series(mapped, index=X.index, name="segment")


def fit_segments(
    X: pd.DataFrame,
    k: int,
    method: Method = "kmeans",
    seed: int | np.random.Generator | None = 0,
    *,
    n_init: int = 10,
) -> Segmentation:
    """Cluster customers into ``k`` segments with k-means or a Gaussian mixture.

    Parameters
    ----------
    X : pandas.DataFrame
        Numeric features (already transformed/scaled as wanted), one row per customer.
    k : int
        Number of segments.
    method : {"kmeans", "gmm"}
        k-means (Euclidean, spherical segments) or Gaussian mixture (full covariances).
    seed : int or Generator
        Randomness for the initialisations.
    n_init : int
        Initialisations; the best fit is kept.

    Returns
    -------
    Segmentation
        Labels numbered by segment size (0 = largest).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"x": [0.0, 0.2, 0.1, 5.0, 5.2]})
    >>> fit_segments(X, 2, seed=1).labels.tolist()
    [0, 0, 0, 1, 1]
    """
    x = _feature_matrix(X)
    method = _check_method(method)
    k = _check_k(k, x)
    with _one_thread():
        model = _fit_model(x, k, method, _validate.random_state(seed), n_init)
        raw = model.predict(x)
    counts = np.bincount(raw, minlength=k)
    means = model.cluster_centers_ if method == "kmeans" else model.means_
    # order by size (descending), then by the first centre coordinate, for a stable numbering
    order = sorted(range(k), key=lambda j: (-counts[j], float(means[j][0])))
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(k)
    centers = pd.DataFrame(means[order], columns=X.columns, index=pd.RangeIndex(k, name="segment"))
    return Segmentation(
        labels=pd.Series(relabel[raw], index=X.index, name="segment"),
        centers=centers,
        method=method,
        k=k,
        model=model,
        relabel=tuple(int(r) for r in relabel),
    )


@dataclass(frozen=True)
class SegmentProfile:
    """Who is in each segment.

    Attributes
    ----------
    summary : pandas.DataFrame
        Per segment: ``n_customers``, ``share_customers``, ``revenue`` and ``share_revenue``
        (when a revenue column was given) and ``distinguishing`` (text: the features whose
        segment mean differs most from the overall mean, in standard deviations).
    means, medians : pandas.DataFrame
        Feature means and medians per segment (in the features' own units).
    relative : pandas.DataFrame
        ``(segment mean - overall mean) / overall standard deviation`` per feature: the
        "snake plot" values, comparable across features; 0 for a feature without variation
        (e.g. one customer), which sets no segment apart.
    """

    summary: pd.DataFrame
    means: pd.DataFrame
    medians: pd.DataFrame
    relative: pd.DataFrame


def _distinguishing(relative: pd.Series, n: int) -> str:
    """The ``n`` features furthest from the overall mean, e.g. ``"frequency +1.2 sd"``."""
    top = relative.dropna().abs().sort_values(ascending=False).index[:n]
    return ", ".join(f"{feature} {relative[feature]:+.1f} sd" for feature in top)


def profile_segments(
    table: pd.DataFrame,
    labels: pd.Series | np.ndarray,
    *,
    features: Sequence[str] | None = None,
    revenue_col: str | None = "monetary_total",
    n_distinguishing: int = 3,
) -> SegmentProfile:
    """Describe segments: size, share of revenue, means, medians and distinguishing features.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer with the features to describe (e.g. the RFM table).
    labels : pandas.Series or array
        Segment per customer (a Series is aligned on the index).
    features : sequence of str, optional
        Numeric columns to profile; default: all numeric (non-boolean) columns.
    revenue_col : str or None
        Column with revenue per customer (currency units) for the revenue share; None to skip.
    n_distinguishing : int
        How many features to name in ``summary["distinguishing"]``.

    Returns
    -------
    SegmentProfile

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"frequency": [1, 1, 6, 8], "monetary_total": [10.0, 10.0, 60.0, 120.0]})
    >>> p = profile_segments(t, pd.Series(["low", "low", "high", "high"]))
    >>> p.summary["share_revenue"].round(2).to_dict()
    {'high': 0.9, 'low': 0.1}
    """
    if not isinstance(table, pd.DataFrame):
        raise DataValidationError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    if features is None:
        features = [
            c
            for c in table.columns
            if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
        ]
    features = list(features)
    require_columns(table, features + ([revenue_col] if revenue_col else []), name="table")
    data = pd.DataFrame({c: _validate.numeric(table, c, name="table") for c in features})
    seg = _validate.aligned_labels(labels, table.index, name="table")
    groups = data.groupby(seg, observed=True, sort=True)
    means, medians = groups.mean(), groups.median()
    sd = data.std(ddof=0)
    # a feature without variation (e.g. one customer) sets no segment apart: 0 sd, not NaN
    relative = (means - data.mean()) / sd.where(sd > 0, 1.0)
    relative.loc[:, (sd <= 0).to_numpy()] = 0.0
    summary = pd.DataFrame({"n_customers": seg.value_counts(sort=False)}).reindex(means.index)
    summary["share_customers"] = summary["n_customers"] / len(seg)
    if revenue_col:
        revenue = _validate.numeric(table, revenue_col, name="table")
        summary["revenue"] = revenue.groupby(seg, observed=True).sum()
        total = float(revenue.sum())
        summary["share_revenue"] = summary["revenue"] / total if total else np.nan
    summary["distinguishing"] = [
        _distinguishing(relative.loc[s], n_distinguishing) for s in relative.index
    ]
    summary.index.name = means.index.name = medians.index.name = relative.index.name = "segment"
    return SegmentProfile(summary=summary, means=means, medians=medians, relative=relative)


# --------------------------------------------------------------------------------------------
# Psychographic segments
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttitudeFactors:
    """Factor analysis of attitude items (varimax rotation).

    Attributes
    ----------
    loadings : pandas.DataFrame
        Items x factors; items are standardised first, so loadings are on the correlation scale.
        Each factor's sign is chosen so that its largest loading is positive.
    scores : pandas.DataFrame
        Customers x factors: factor scores (mean 0).
    uniqueness : pandas.Series
        Per item, the variance not explained by the factors (0..1 for standardised items).
    model : sklearn.decomposition.FactorAnalysis
        The fitted estimator (its signs may differ from ``loadings``).
    """

    loadings: pd.DataFrame
    scores: pd.DataFrame
    uniqueness: pd.Series
    model: Any

    def summary(self) -> pd.DataFrame:
        """Loadings with each item's communality (1 - uniqueness) and uniqueness."""
        out = self.loadings.copy()
        out["communality"] = (self.loadings**2).sum(axis=1)
        out["uniqueness"] = self.uniqueness
        return out


def _factor_name(items: Sequence[str]) -> str | None:
    stems = {re.sub(r"_\d+(_r)?$", "", re.sub(r"^att_", "", item)) for item in items}
    return stems.pop() if len(stems) == 1 else None


def attitude_factors(
    customers: pd.DataFrame,
    items: Sequence[str] | None = None,
    n_factors: int = 4,
    *,
    seed: int | np.random.Generator | None = 0,
) -> AttitudeFactors:
    """Factor analysis (scikit-learn ``FactorAnalysis``, ``rotation="varimax"``) of attitude items.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per respondent with numeric Likert items (e.g. 1..5).
    items : sequence of str, optional
        Item columns; default every column whose name starts with ``att_``.
    n_factors : int
        Number of factors (1 <= n_factors < number of items).
    seed : int or Generator
        Randomness of the SVD initialisation.

    Returns
    -------
    AttitudeFactors
        Factors are named after the common stem of their two highest-loading items
        (``att_price_1``, ``att_price_2`` -> ``"price"``) when that is unambiguous,
        ``"factor_<i>"`` otherwise.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2))
    >>> items = {f"att_{n}_{i}": f[:, j] + 0.4 * rng.normal(size=300)
    ...          for j, n in enumerate(["price", "eco"]) for i in (1, 2)}
    >>> sorted(attitude_factors(pd.DataFrame(items), n_factors=2).loadings.columns)
    ['eco', 'price']
    """
    if not isinstance(customers, pd.DataFrame):
        raise DataValidationError(
            f"customers must be a pandas DataFrame, got {type(customers).__name__}"
        )
    if items is None:
        items = [c for c in customers.columns if str(c).startswith("att_")]
        if not items:
            raise DataValidationError(
                "customers has no attitude item columns (names starting with 'att_'); "
                f"columns present: {list(customers.columns)}"
            )
    items = list(items)
    require_columns(customers, items, name="customers")
    # factor scores are indexed like customers: a repeated label would make them ambiguous
    _validate.unique_index(customers, name="customers")
    data = pd.DataFrame({c: _validate.numeric(customers, c, name="customers") for c in items})
    if isinstance(n_factors, bool) or not 1 <= int(n_factors) < len(items):
        raise ValueError(
            f"n_factors must satisfy 1 <= n_factors < number of items ({len(items)}), "
            f"got {n_factors!r}"
        )
    sd = data.std(ddof=0)
    constant = sd[~(sd > 0)]
    if len(constant):
        raise DataValidationError(
            f"customers: column {constant.index[0]!r} is constant and cannot be factor-analysed"
        )
    z = (data - data.mean()) / sd
    with _one_thread():
        model = FactorAnalysis(
            n_components=int(n_factors),
            rotation="varimax",
            random_state=_validate.random_state(seed),
        ).fit(z.to_numpy())
        scores = model.transform(z.to_numpy())
    loadings = model.components_.T.copy()  # items x factors
    for j in range(loadings.shape[1]):
        if loadings[np.argmax(np.abs(loadings[:, j])), j] < 0:
            loadings[:, j] *= -1
            scores[:, j] *= -1
    names = []
    for j in range(loadings.shape[1]):
        top = [items[i] for i in np.argsort(-np.abs(loadings[:, j]))[:2]]
        names.append(_factor_name(top) or f"factor_{j + 1}")
    if len(set(names)) < len(names):
        names = [f"factor_{j + 1}" for j in range(len(names))]
    return AttitudeFactors(
        loadings=pd.DataFrame(loadings, index=pd.Index(items, name="item"), columns=names),
        scores=pd.DataFrame(scores, index=customers.index, columns=names),
        uniqueness=pd.Series(model.noise_variance_, index=pd.Index(items, name="item")),
        model=model,
    )


def demographic_profile(
    customers: pd.DataFrame,
    labels: pd.Series | np.ndarray,
    *,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Describe segments by demographics: numeric means and category shares.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer.
    labels : pandas.Series or array
        Segment per customer (a Series is aligned on the index).
    columns : sequence of str, optional
        Columns to describe; default those of ``age, gender, region, acquisition_channel,
        loyalty_member`` that are present.

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``n_customers``, ``share_customers``; the mean of each numeric
        column (e.g. ``age`` in years); the share True of each boolean column; and for each
        text/categorical column one column ``"<column>: <level>"`` with the share of that level.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"age": [20, 30, 60], "gender": ["female", "male", "female"]})
    >>> demographic_profile(c, pd.Series([0, 0, 1]))["gender: female"].tolist()
    [0.5, 1.0]
    """
    if not isinstance(customers, pd.DataFrame):
        raise DataValidationError(
            f"customers must be a pandas DataFrame, got {type(customers).__name__}"
        )
    if columns is None:
        columns = [c for c in DEFAULT_DEMOGRAPHICS if c in customers.columns]
    columns = list(columns)
    require_columns(customers, columns, name="customers")
    seg = _validate.aligned_labels(labels, customers.index, name="customers")
    out = pd.DataFrame({"n_customers": seg.value_counts().sort_index()})
    out["share_customers"] = out["n_customers"] / len(seg)
    for column in columns:
        values = customers[column]
        if pd.api.types.is_bool_dtype(values):
            out[column] = values.astype(float).groupby(seg).mean()
        elif pd.api.types.is_numeric_dtype(values):
            out[column] = values.groupby(seg).mean()
        else:
            shares = pd.crosstab(seg, values.astype(str), normalize="index")
            for level in shares.columns:
                out[f"{column}: {level}"] = shares[level]
    out.index.name = "segment"
    return out


@dataclass(frozen=True)
class PsychographicSegments:
    """Attitude factors, the segments found on their scores, and who is in them.

    Attributes
    ----------
    factors : AttitudeFactors
    segmentation : Segmentation
        Clusters of the factor scores (``centers`` are factor-score means).
    dominant_factor : pandas.Series
        Per segment, the factor with the highest centre: a first name for the segment.
    demographics : pandas.DataFrame
        :func:`demographic_profile` of the segments, with the dominant factor.
    note : str
        One sentence on what was done (factors, items, segments, customers), or, for an
        empty result (``if_missing="note"`` on data without attitude items), why nothing could
        be done.
    """

    factors: AttitudeFactors
    segmentation: Segmentation
    dominant_factor: pd.Series
    demographics: pd.DataFrame
    note: str = ""

    @property
    def labels(self) -> pd.Series:
        """Segment per customer."""
        return self.segmentation.labels

    @property
    def is_empty(self) -> bool:
        """True when no segments were formed (the data had no attitude items)."""
        return self.segmentation.k == 0


def _empty_psychographic(customers: pd.DataFrame, method: str, note: str) -> PsychographicSegments:
    """A result with no factors and no segments (and the reason in ``note``)."""
    no_factors = pd.DataFrame(index=pd.Index([], name="item"))
    factors = AttitudeFactors(
        loadings=no_factors,
        scores=pd.DataFrame(index=customers.index),
        uniqueness=pd.Series(dtype=float, index=no_factors.index),
        model=None,
    )
    segment_index = pd.RangeIndex(0, name="segment")
    segmentation = Segmentation(
        labels=pd.Series(index=customers.index[:0], dtype="int64", name="segment"),
        centers=pd.DataFrame(index=segment_index),
        method=method,
        k=0,
        model=None,
        relabel=(),
    )
    demographics = pd.DataFrame(
        {
            "dominant_factor": pd.Series(dtype="str"),
            "n_customers": pd.Series(dtype="int64"),
            "share_customers": pd.Series(dtype=float),
        },
        index=segment_index,
    )
    return PsychographicSegments(
        factors=factors,
        segmentation=segmentation,
        dominant_factor=pd.Series(dtype="str", index=segment_index, name="dominant_factor"),
        demographics=demographics,
        note=note,
    )


def psychographic_segments(
    customers: pd.DataFrame,
    *,
    items: Sequence[str] | None = None,
    n_factors: int = 4,
    k: int = 4,
    method: Method = "kmeans",
    seed: int | np.random.Generator | None = 0,
    demographic_columns: Sequence[str] | None = None,
    if_missing: Literal["raise", "note"] = "raise",
) -> PsychographicSegments:
    """Segments from attitudes: factor analysis, then clustering on the factor scores.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with attitude items (``att_*`` Likert columns) and demographics.
    items : sequence of str, optional
        Attitude item columns (default ``att_*``).
    n_factors : int
        Number of factors.
    k : int
        Number of segments.
    method : {"kmeans", "gmm"}
        Clustering method on the factor scores.
    seed : int or Generator
        One seed for both steps.
    demographic_columns : sequence of str, optional
        Columns for :func:`demographic_profile` (default: the usual demographics present).
    if_missing : {"raise", "note"}
        What to do when ``items`` is None and ``customers`` has no ``att_*`` column (data that
        recorded purchases only, e.g. CDNOW): ``"raise"`` a :class:`DataValidationError`, or
        return an empty result (no factors, no segments, empty tables) whose ``note`` says that
        the data set has no attitude items. Explicitly named ``items`` that are missing always
        raise.

    Returns
    -------
    PsychographicSegments

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> group, trait = np.repeat([0, 1], 100), rng.normal(size=(200, 2))
    >>> c = pd.DataFrame({f"att_{n}_{i}": 2.0 * (group == j) + trait[:, j]
    ...                   + 0.5 * rng.normal(size=200)
    ...                   for j, n in enumerate(["price", "eco"]) for i in (1, 2)})
    >>> result = psychographic_segments(c, n_factors=2, k=2)
    >>> sorted(result.dominant_factor.tolist())
    ['eco', 'price']
    >>> empty = psychographic_segments(c[[]], if_missing="note")
    >>> empty.is_empty, len(empty.demographics)
    (True, 0)
    """
    if if_missing not in ("raise", "note"):
        raise ValueError(f"if_missing must be 'raise' or 'note', got {if_missing!r}")
    if (
        if_missing == "note"
        and items is None
        and isinstance(customers, pd.DataFrame)
        and not any(str(c).startswith("att_") for c in customers.columns)
    ):
        return _empty_psychographic(
            customers,
            method,
            "This data set has no attitude items (no 'att_*' columns in customers), so no "
            "psychographic segments can be formed: attitudes come from a questionnaire, which "
            "purchase records alone do not contain.",
        )
    rng = as_generator(seed)
    factors = attitude_factors(customers, items, n_factors, seed=rng)
    segmentation = fit_segments(factors.scores, k, method, seed=rng)
    dominant = segmentation.centers.idxmax(axis=1).rename("dominant_factor")
    demographics = demographic_profile(customers, segmentation.labels, columns=demographic_columns)
    demographics.insert(0, "dominant_factor", dominant.reindex(demographics.index))
    note = (
        f"{factors.loadings.shape[1]} attitude factors from {len(factors.loadings)} items, "
        f"{k} segments ({method}) of {len(customers)} customers."
    )
    return PsychographicSegments(
        factors=factors,
        segmentation=segmentation,
        dominant_factor=dominant,
        demographics=demographics,
        note=note,
    )


# --------------------------------------------------------------------------------------------
# Stability over time
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SegmentStability:
    """Segments at consecutive observation ends and how customers moved between them.

    Attributes
    ----------
    labels : pandas.DataFrame
        Customers x observation ends: the segment at each end (NaN before a first purchase).
    transitions : tuple of pandas.DataFrame
        For each consecutive pair of ends, counts of customers from the row segment (earlier)
        to the column segment (later). Customers who first bought between the two ends appear
        in the row ``"(new)"``.
    summary : pandas.DataFrame
        One row per consecutive pair: ``start``, ``end``, ``n_customers`` (present at both),
        ``n_new``, ``share_same_segment`` (diagonal share; meaningful for named RFM segments or
        aligned cluster labels) and ``adjusted_rand`` (label-free agreement of the two
        segmentations on the customers present at both, 1 = identical partition, ~0 = chance).
    """

    labels: pd.DataFrame
    transitions: tuple[pd.DataFrame, ...]
    summary: pd.DataFrame

    def transition_shares(self, i: int = 0) -> pd.DataFrame:
        """Row-normalised transition matrix of pair ``i`` (share moving from row to column)."""
        counts = self.transitions[i]
        return counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)


def _align_to(previous: pd.Series, current: pd.Series, k: int) -> pd.Series:
    """Renumber cluster labels ``0..k-1`` of ``current`` to overlap most with ``previous``."""
    both = previous.index.intersection(current.index)
    overlap = pd.crosstab(current.loc[both], previous.loc[both]).reindex(
        index=range(k), columns=range(k), fill_value=0
    )
    rows, cols = linear_sum_assignment(-overlap.to_numpy())
    return current.map(dict(zip(rows.tolist(), cols.tolist(), strict=True)))


def segment_stability(
    transactions: pd.DataFrame,
    windows: Sequence[str | pd.Timestamp],
    *,
    method: Literal["rfm", "kmeans", "gmm"] = "rfm",
    k: int = 4,
    bins: int = 5,
    rules: pd.DataFrame | None = None,
    seed: int | np.random.Generator | None = 0,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    return_col: str | None = "is_return",
    is_return_col: str | None = _validate.UNSET,  # type: ignore[assignment]
) -> SegmentStability:
    """Re-segment customers at consecutive observation ends and measure how segments change.

    At each end ``e`` in ``windows`` the customers are segmented on their history up to ``e``
    (transactions dated on or before ``e``; later rows are not yet known at ``e``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction log (see :func:`portfolio_lib.rfm.rfm_table` for the returns policy).
    windows : sequence of date-like
        At least two strictly increasing observation ends, e.g. quarter ends.
    method : {"rfm", "kmeans", "gmm"}
        ``"rfm"``: named RFM segments (:func:`~portfolio_lib.rfm.rfm_scores` with ``bins`` and
        quantile cut points re-estimated at each end, then
        :func:`~portfolio_lib.rfm.rfm_segments` with ``rules``). ``"kmeans"``/``"gmm"``: ``k``
        clusters of :func:`behaviour_features`; labels of each window are renumbered to
        overlap best with the previous window's.
    k, bins, rules, seed
        Passed to the segmentation step.
    customer_col, date_col, amount_col, return_col : str
        Column names.
    is_return_col : str or None
        Deprecated former name of ``return_col`` (warns).

    Returns
    -------
    SegmentStability

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": list("aabbc"),
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-01-10",
    ...                                            "2024-02-01", "2024-03-20"]),
    ...                    "amount": [10.0, 20.0, 5.0, 5.0, 50.0]})
    >>> rules = [("active", 2, 2, 1, 2), ("lapsing", 1, 1, 1, 2)]
    >>> s = segment_stability(tx, ["2024-01-31", "2024-03-31"], bins=2, rules=rules)
    >>> s.summary[["n_customers", "n_new"]].to_numpy().tolist()
    [[2, 1]]
    """
    if method not in ("rfm", "kmeans", "gmm"):
        raise ValueError(f"method must be 'rfm', 'kmeans' or 'gmm', got {method!r}")
    return_col = _validate.renamed(
        return_col, is_return_col, new_name="return_col", old_name="is_return_col",
        default="is_return",
    )  # fmt: skip
    ends = [_validate.day(w, what="windows entry") for w in windows]
    if len(ends) < 2 or any(b <= a for a, b in zip(ends, ends[1:], strict=False)):
        raise ValueError(f"windows needs >= 2 strictly increasing dates, got {list(windows)}")
    clean = _validate.transactions(
        transactions,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        return_col=return_col,
    )
    rng = as_generator(seed)
    columns: dict[pd.Timestamp, pd.Series] = {}
    previous: pd.Series | None = None
    order: list[object] = list(range(k))
    for end in ends:
        mask = (clean["day"] <= end).to_numpy()
        if not mask.any():
            raise DataValidationError(
                f"transactions: column {date_col!r} has no rows on or before window end "
                f"{end.date()}"
            )
        table = rfm_table(
            transactions.loc[mask],
            observation_end=end,
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            return_col=return_col,
        )
        if method == "rfm":
            segments = rfm_segments(rfm_scores(table, bins=bins), rules)["segment"]
            order = list(segments.cat.categories)
            labels = segments.astype(str)
        else:
            features = behaviour_features(table)
            labels = fit_segments(features, k, method, seed=rng).labels
            if previous is not None:
                labels = _align_to(previous, labels, k)
        columns[end] = labels
        previous = labels
    frame = pd.DataFrame(columns)
    frame.columns.name = "observation_end"
    transitions, rows = [], []
    for start, end in zip(ends, ends[1:], strict=False):
        before, after = frame[start], frame[end]
        both = before.notna() & after.notna()
        new = before.isna() & after.notna()
        counts = pd.crosstab(before[both], after[both]).reindex(
            index=order, columns=order, fill_value=0
        )
        if new.any():
            counts.loc["(new)"] = after[new].value_counts().reindex(order, fill_value=0)
        counts.index.name, counts.columns.name = f"segment at {start.date()}", f"at {end.date()}"
        transitions.append(counts)
        rows.append(
            {
                "start": start,
                "end": end,
                "n_customers": int(both.sum()),
                "n_new": int(new.sum()),
                "share_same_segment": float((before[both] == after[both]).mean()),
                "adjusted_rand": float(adjusted_rand_score(before[both], after[both])),
            }
        )
    return SegmentStability(
        labels=frame, transitions=tuple(transitions), summary=pd.DataFrame(rows)
    )
