"""Churn models: an interpretable logistic regression, gradient boosting, and a BG/NBD baseline.

* :class:`ChurnLogit` - statsmodels ``Logit`` on the at-risk features; its odds ratios with
  confidence intervals say *which* signal goes with leaving and how strongly. Skewed features
  (counts, days, money) enter as ``log2(1 + x)``, so their odds ratio is per **doubling**;
  the others are per unit (binary ones: yes vs no).
* :class:`ChurnBoosting` - scikit-learn ``HistGradientBoostingClassifier`` (seeded), which
  finds non-linear patterns and interactions by itself; permutation importance explains it.
* :func:`bgnbd_churn_scores` - no labels needed: the BG/NBD model of chapter 3 fitted on the
  purchases before the cut-off gives ``1 - P(alive)`` and the probability of no purchase in the
  outcome window.

Both classifiers follow scikit-learn's style: ``fit(data)`` returns the estimator, fitted
attributes end in ``_``, and ``predict_proba(data)`` returns the churn probability per
customer as a Series.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from threadpoolctl import threadpool_limits

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows
from portfolio_lib.churn.features import ChurnFeatures
from portfolio_lib.clv import (
    BetaGeo,
    ConvergenceError,
    fit_purchase_model,
    summary_from_transactions,
)

__all__ = [
    "LOG2_FEATURES",
    "ChurnLogit",
    "ChurnBoosting",
    "BGNBDChurnScores",
    "bgnbd_churn_scores",
]

#: Features that enter the logistic regression as ``log2(1 + x)`` (odds ratio per doubling).
LOG2_FEATURES: tuple[str, ...] = (
    "recency_days",
    "tenure_days",
    "frequency",
    "purchases_last",
    "monetary_mean",
    "interactions_last",
)


#: scikit-learn's ``random_state`` from ``seed``: the package's one rule (see
#: :func:`portfolio_lib._validate.random_state`), the same as in segmentation.
_random_state = _validate.random_state


def _feature_frame(data: ChurnFeatures | pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    frame = data.features if isinstance(data, ChurnFeatures) else data
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            f"data must be ChurnFeatures or a DataFrame, got {type(data).__name__}"
        )
    # one row per customer: a repeated label would give two predictions under one id
    _validate.unique_index(frame, name="data (features)")
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"features are missing column(s) {missing} the model was fitted on; "
            f"columns present: {list(frame.columns)}"
        )
    out = frame[list(names)]
    for column in out.columns:
        values = pd.to_numeric(out[column], errors="coerce")
        raise_for_rows(
            frame, ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)), column=column,
            problem="must be a finite number", name="features",
        )  # fmt: skip
    return out.astype(float)


def _training_data(
    data: ChurnFeatures, features: Sequence[str] | None
) -> tuple[pd.DataFrame, pd.Series]:
    if not isinstance(data, ChurnFeatures):
        raise DataValidationError(
            f"fit needs ChurnFeatures with a label, got {type(data).__name__}"
        )
    if data.label is None:
        raise DataValidationError(
            "ChurnFeatures has no label (column 'churned'): build it with with_label=True"
        )
    names = data.feature_names if features is None else list(features)
    if not names:
        raise ValueError("features must name at least one column")
    X = _feature_frame(data, names)
    y = data.label.astype(bool)
    if len(y) == 0:
        raise DataValidationError(
            "data (ChurnFeatures) has no customers (0 rows): there is nothing to fit"
        )
    if y.nunique() < 2:
        raise DataValidationError(
            f"label column 'churned' has only one class ({bool(y.iloc[0])}) among {len(y)} "
            "customers; a classifier needs churners and stayers"
        )
    return X, y


def _separating(X: pd.DataFrame, y: pd.Series) -> str:
    """Name features whose non-modal values all go with one outcome (quasi-separation)."""
    found = []
    for column in X.columns:
        mode = X[column].mode().iloc[0]
        outcome = y[(X[column] != mode).to_numpy()]
        if len(outcome) and outcome.nunique() == 1:
            what = "churned" if bool(outcome.iloc[0]) else "stayed"
            found.append(f"{column!r} (all {len(outcome)} customers with a value other than "
                         f"{mode:g} {what})")  # fmt: skip
    if not found:
        return ""
    return (
        f"; the feature(s) {', '.join(found)} separate churners from stayers, so their odds "
        "ratio is infinite: leave them out (features=...) or use ChurnBoosting"
    )


class ChurnLogit(BaseEstimator):
    """Logistic regression of churn on the at-risk features, with odds ratios.

    A scikit-learn estimator: the arguments are kept as given (``get_params``,
    ``set_params``), so ``sklearn.base.clone`` gives an unfitted copy.

    Parameters
    ----------
    features : sequence of str, optional
        Feature columns to use; default all of the :class:`ChurnFeatures`.
    log2_features : sequence of str
        Features entered as ``log2(1 + x)`` (must be >= 0); default :data:`LOG2_FEATURES`.
    confidence : float
        Level of the odds-ratio intervals.
    min_variation : int
        A feature is left out when fewer than this many training customers differ from its
        most common value (e.g. a flag that is set for two customers): its odds ratio cannot
        be estimated and it can stop the fit from converging (rule of thumb: about ten
        events per coefficient). Constant features are always left out.

    Attributes
    ----------
    result_ : statsmodels LogitResults
        The fit (``result_.summary()`` gives the full table).
    odds_ratios_ : pandas.DataFrame
        Per feature: ``scale`` ("per doubling" or "per unit"), ``coef``, ``odds_ratio``,
        ``ci_low``, ``ci_high``, ``p_value``; sorted by distance of the odds ratio from 1.
    feature_names_ : list of str
        Features used (constant and rare ones are left out: see ``dropped_features_``).
    dropped_features_ : list of str
        Features left out because they were constant in the training data (no information)
        or varied for fewer than ``min_variation`` customers.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from portfolio_lib.churn import ChurnFeatures
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"recency_days": rng.integers(1, 300, 400).astype(float)})
    >>> y = pd.Series(rng.random(400) < X["recency_days"] / 300)
    >>> data = ChurnFeatures(X, y, pd.Timestamp("2024-01-01"), 90, 90)
    >>> bool(ChurnLogit().fit(data).odds_ratios_.loc["recency_days", "odds_ratio"] > 1)
    True
    """

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        log2_features: Sequence[str] = LOG2_FEATURES,
        confidence: float = 0.95,
        min_variation: int = 10,
    ) -> None:
        self.features = features
        self.log2_features = log2_features
        self.confidence = confidence
        self.min_variation = min_variation

    def _design(self, X: pd.DataFrame) -> pd.DataFrame:
        X = X.copy()
        for column in X.columns:
            if column in self.log2_features:
                raise_for_rows(
                    X, X[column] < 0, column=column,
                    problem="must be >= 0 to enter as log2(1 + x)", name="features",
                )  # fmt: skip
                X[column] = np.log2(1.0 + X[column])
        return sm.add_constant(X, has_constant="add")

    def fit(self, data: ChurnFeatures) -> ChurnLogit:
        """Fit by maximum likelihood on a labelled :class:`ChurnFeatures`; returns self."""
        _validate.confidence(self.confidence)
        X, y = _training_data(data, self.features)
        if isinstance(self.min_variation, bool) or not isinstance(self.min_variation, int):
            raise ValueError(f"min_variation must be a whole number, got {self.min_variation!r}")
        differing = {c: int((X[c] != X[c].mode().iloc[0]).sum()) for c in X.columns}
        constant = [c for c in X.columns if differing[c] < max(1, self.min_variation)]
        X = X.drop(columns=constant)
        if X.shape[1] == 0:
            raise DataValidationError(
                "every feature is constant in the training data or varies for fewer than "
                f"{self.min_variation} customers: {constant}"
            )
        design = self._design(X)
        separated = ConvergenceError(
            "ChurnLogit: the features separate churners from stayers (almost) perfectly, so "
            "some odds ratios are infinite; use fewer features or ChurnBoosting"
        )
        with warnings.catch_warnings(), np.errstate(over="ignore", divide="ignore"):
            warnings.simplefilter("error", sm.tools.sm_exceptions.PerfectSeparationWarning)
            warnings.simplefilter("ignore", sm.tools.sm_exceptions.ConvergenceWarning)
            try:
                result = sm.Logit(y.astype(float), design).fit(disp=0, maxiter=200)
            except sm.tools.sm_exceptions.PerfectSeparationWarning as exc:
                raise separated from exc
            except np.linalg.LinAlgError as exc:
                raise ConvergenceError(
                    "ChurnLogit: the features are collinear (one is a combination of others); "
                    "leave one out"
                ) from exc
            fitted = np.asarray(result.predict(design))
        if ((fitted > 0.5) == y.to_numpy()).all():
            raise separated
        if not result.mle_retvals.get("converged", False):
            raise ConvergenceError(
                "ChurnLogit: the maximum-likelihood fit did not converge" + _separating(X, y)
            )
        z = norm.ppf(0.5 + self.confidence / 2)
        coef = result.params.drop("const")
        se = result.bse.drop("const")
        table = pd.DataFrame(
            {
                "scale": [
                    "per doubling" if c in self.log2_features else "per unit" for c in coef.index
                ],
                "coef": coef,
                "odds_ratio": np.exp(coef),
                "ci_low": np.exp(coef - z * se),
                "ci_high": np.exp(coef + z * se),
                "p_value": result.pvalues.drop("const"),
            }
        )
        table.index.name = "feature"
        order = np.argsort(-np.abs(coef.to_numpy()), kind="stable")
        self.result_ = result
        self.odds_ratios_ = table.iloc[order]
        self.feature_names_ = list(X.columns)
        self.dropped_features_ = constant
        return self

    def predict_proba(self, data: ChurnFeatures | pd.DataFrame) -> pd.Series:
        """Churn probability per customer (Series ``p_churn`` indexed like the features)."""
        if not hasattr(self, "result_"):
            raise RuntimeError("ChurnLogit is not fitted: call fit(...) first")
        X = _feature_frame(data, self.feature_names_)
        p = self.result_.predict(self._design(X))
        return pd.Series(np.asarray(p, dtype=float), index=X.index, name="p_churn")


class ChurnBoosting(BaseEstimator):
    """Gradient-boosted trees (``HistGradientBoostingClassifier``) for churn.

    Parameters
    ----------
    features : sequence of str, optional
        Feature columns; default all of the :class:`ChurnFeatures`.
    seed : int or numpy.random.Generator
        Source of randomness (``random_state`` of the classifier).
    max_depth, learning_rate, max_iter, min_samples_leaf
        Of ``HistGradientBoostingClassifier``; the defaults here are shallow trees with a
        small learning rate that suit a few thousand customers.
    **params
        Any other ``HistGradientBoostingClassifier`` argument (e.g. ``l2_regularization``).

    A scikit-learn estimator: ``get_params`` lists every argument (the ``**params`` too),
    ``set_params`` changes them, and ``sklearn.base.clone`` gives an unfitted copy.

    Attributes
    ----------
    model_ : HistGradientBoostingClassifier
    feature_names_ : list of str
    params : dict
        Everything passed to ``HistGradientBoostingClassifier`` besides ``random_state``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from portfolio_lib.churn import ChurnFeatures
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"recency_days": rng.integers(1, 300, 400).astype(float)})
    >>> y = pd.Series(rng.random(400) < X["recency_days"] / 300)
    >>> data = ChurnFeatures(X, y, pd.Timestamp("2024-01-01"), 90, 90)
    >>> p = ChurnBoosting(seed=1).fit(data).predict_proba(data)
    >>> bool(p.between(0, 1).all())
    True
    """

    DEFAULTS = {"max_depth": 3, "learning_rate": 0.05, "max_iter": 150, "min_samples_leaf": 20}

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        seed: int | np.random.Generator | None = 0,
        max_depth: int | None = 3,
        learning_rate: float = 0.05,
        max_iter: int = 150,
        min_samples_leaf: int = 20,
        **params: object,
    ) -> None:
        self.features = features
        self.seed = seed
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.min_samples_leaf = min_samples_leaf
        self.classifier_params = params  # the other HistGradientBoostingClassifier arguments

    @property
    def params(self) -> dict[str, object]:
        """Everything passed to ``HistGradientBoostingClassifier`` besides ``random_state``."""
        named = {name: getattr(self, name) for name in self.DEFAULTS}
        return {**named, **self.classifier_params}

    def get_params(self, deep: bool = True) -> dict[str, object]:
        """Constructor arguments, the extra classifier arguments (``**params``) included."""
        return {**super().get_params(deep=deep), **self.classifier_params}

    def set_params(self, **params: object) -> ChurnBoosting:
        """Change constructor arguments or classifier arguments; returns self."""
        named = self._get_param_names()
        extra = {k: v for k, v in params.items() if k not in named}
        allowed = set(HistGradientBoostingClassifier().get_params()) - {"random_state"}
        unknown = sorted(set(extra) - allowed)
        if unknown:
            raise ValueError(
                f"Invalid parameter(s) {unknown} for ChurnBoosting: use its arguments "
                f"{sorted(named)} or HistGradientBoostingClassifier's ({sorted(allowed)})"
            )
        super().set_params(**{k: v for k, v in params.items() if k in named})
        self.classifier_params = {**self.classifier_params, **extra}
        return self

    def fit(self, data: ChurnFeatures) -> ChurnBoosting:
        """Fit on a labelled :class:`ChurnFeatures`; returns self."""
        X, y = _training_data(data, self.features)
        model = HistGradientBoostingClassifier(random_state=_random_state(self.seed), **self.params)
        with threadpool_limits(limits=1):  # one thread: faster on small tables, busy machines
            self.model_ = model.fit(X, y.to_numpy())
        self.feature_names_ = list(X.columns)
        return self

    def predict_proba(self, data: ChurnFeatures | pd.DataFrame) -> pd.Series:
        """Churn probability per customer (Series ``p_churn`` indexed like the features)."""
        if not hasattr(self, "model_"):
            raise RuntimeError("ChurnBoosting is not fitted: call fit(...) first")
        X = _feature_frame(data, self.feature_names_)
        if X.empty:  # no customers: no predictions (scikit-learn refuses 0 rows)
            return pd.Series(np.zeros(0), index=X.index, name="p_churn")
        with threadpool_limits(limits=1):
            p = self.model_.predict_proba(X)[:, list(self.model_.classes_).index(True)]
        return pd.Series(p, index=X.index, name="p_churn")

    def feature_importance(
        self,
        data: ChurnFeatures,
        *,
        n_repeats: int = 5,
        seed: int | np.random.Generator | None = 0,
    ) -> pd.DataFrame:
        """Permutation importance: how much the ROC AUC drops when a feature is shuffled.

        Compute it on data the model did not see (the test window).

        Returns
        -------
        pandas.DataFrame
            Per feature: ``auc_drop`` (mean over ``n_repeats`` shuffles) and ``sd``, largest
            first.
        """
        if not hasattr(self, "model_"):
            raise RuntimeError("ChurnBoosting is not fitted: call fit(...) first")
        X, y = _training_data(data, self.feature_names_)
        with threadpool_limits(limits=1):
            result = permutation_importance(
                self.model_, X, y.to_numpy(), scoring="roc_auc", n_repeats=int(n_repeats),
                random_state=_random_state(seed),
            )  # fmt: skip
        out = pd.DataFrame(
            {"auc_drop": result.importances_mean, "sd": result.importances_std},
            index=pd.Index(self.feature_names_, name="feature"),
        )
        return out.sort_values("auc_drop", ascending=False, kind="stable")


@dataclass(frozen=True)
class BGNBDChurnScores:
    """BG/NBD scores at a cut-off.

    Attributes
    ----------
    scores : pandas.DataFrame
        Per customer: ``prob_alive``, ``p_dead`` (``1 - prob_alive``) and ``p_no_purchase``
        (probability of no purchase in the ``window_days`` after the cut-off).
    model : BetaGeo
        The model fitted on the purchases before the cut-off.
    summary : pandas.DataFrame
        The frequency/recency/T summary (weeks) it was fitted on.
    cutoff : pandas.Timestamp
    window_days : int
    note : str
        How the model was fitted (:func:`~portfolio_lib.clv.fit_purchase_model`): maximum
        likelihood, or a weak prior when the likelihood has no maximum on these data.
    """

    scores: pd.DataFrame
    model: BetaGeo
    summary: pd.DataFrame
    cutoff: pd.Timestamp
    window_days: int
    note: str = ""


def bgnbd_churn_scores(
    transactions: pd.DataFrame,
    *,
    cutoff: str | pd.Timestamp,
    window_days: int,
    index: pd.Index | None = None,
    customer_col: str = "customer_id",
) -> BGNBDChurnScores:
    """Chapter 3's BG/NBD as a churn score that needs no labels.

    The model is fitted on the purchase occasions before ``cutoff`` (summary in weeks up to
    the day before), the same information the classifiers get. For customer i with
    x repeat purchases, last at t_x, age T:

    * ``p_dead = 1 - P(alive | x, t_x, T)``;
    * ``p_no_purchase = 1 - P(alive) + P(alive) ((alpha + T) / (alpha + T + t))^(r + x)``,
      the probability of no purchase in the next t = ``window_days / 7`` weeks (the event the
      churn label records): a customer who is alive buys nothing with probability
      ``E[exp(-lambda t) | x, T]``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_id``, ``date``, ``amount`` (and optional ``is_return``).
    cutoff : date-like
        First day of the outcome window.
    window_days : int
        Length of the outcome window (days).
    index : pandas.Index, optional
        Customers to score (e.g. ``ChurnFeatures.features.index``); default everyone who
        bought before the cut-off. Customers without a purchase before it raise.
    customer_col : str

    Returns
    -------
    BGNBDChurnScores
        P(alive), P(dead) and P(no purchase in the window) per customer, with the fitted model.

    Raises
    ------
    DataValidationError
        No customer bought again after a first purchase before ``cutoff`` (e.g. empty
        transactions): the model has nothing to estimate from; a customer of ``index``
        without a purchase before ``cutoff``.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> tx = simulate_crm(n_customers=300, seed=7).transactions
    >>> bg = bgnbd_churn_scores(tx, cutoff="2024-07-01", window_days=90)
    >>> bool((bg.scores["p_no_purchase"] >= bg.scores["p_dead"]).all())
    True
    """
    cut = _validate.day(cutoff, what="cutoff")
    if isinstance(window_days, bool) or not isinstance(window_days, int | float | np.number):
        raise ValueError(f"window_days must be a number of days > 0, got {window_days!r}")
    if not window_days > 0:
        raise ValueError(f"window_days must be a number of days > 0, got {window_days!r}")
    summary = summary_from_transactions(
        transactions, observation_end=cut - pd.Timedelta(days=1), unit="W",
        customer_col=customer_col, late="drop",  # the rows from the cut-off on are the outcome
    )  # fmt: skip
    if index is not None:
        missing = pd.Index(index).difference(summary.index)
        if len(missing):
            raise DataValidationError(
                f"transactions: column {customer_col!r} has no purchase before {cut.date()} "
                f"for {len(missing)} customer(s) to score, e.g. {list(missing[:5])}"
            )
        summary = summary.reindex(pd.Index(index, name=customer_col))
    if not (summary["frequency"] > 0).any():
        raise DataValidationError(
            f"transactions: column {customer_col!r} has {len(summary)} customer(s) with a "
            f"purchase before {cut.date()} and none who bought again on a later day; the BG/NBD "
            "model cannot be fitted without repeat purchases before the cut-off"
        )
    choice = fit_purchase_model(summary)
    model = choice.model
    r, alpha = float(model.params_["r"]), float(model.params_["alpha"])
    x = summary["frequency"].to_numpy(dtype=float)
    T = summary["T"].to_numpy(dtype=float)
    alive = np.asarray(
        model.prob_alive(x, summary["recency"].to_numpy(dtype=float), T), dtype=float
    )
    t = float(window_days) / 7.0
    quiet_if_alive = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    scores = pd.DataFrame(
        {
            "prob_alive": alive,
            "p_dead": 1.0 - alive,
            "p_no_purchase": 1.0 - alive + alive * quiet_if_alive,
        },
        index=summary.index,
    )
    return BGNBDChurnScores(scores, model, summary, cut, int(window_days), choice.note)
