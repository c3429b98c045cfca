"""Complaint texts: a supervised category classifier and an unsupervised topic view.

* Categorisation: TF-IDF word and bigram features with a multinomial logistic
  regression trained on labelled complaints; judged on a held-out part (accuracy
  with a Wilson interval, beside the "always predict the largest category"
  baseline).
* Topics: NMF of the TF-IDF matrix shows what the texts talk about without any
  labels; cross-tabulated against known categories it shows whether the
  category scheme matches what customers actually write about.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from portfolio_lib._errors import (
    DataValidationError,
    as_generator,
    raise_for_rows,
    require_columns,
)
from portfolio_lib._intervals import wilson_interval
from portfolio_lib.satisfaction._validation import check_confidence

#: Words of two or more letters (no digits): order numbers and amounts are not features.
LETTER_WORDS = r"(?u)\b[^\W\d_]{2,}\b"

__all__ = [
    "ComplaintClassifier",
    "ComplaintClassification",
    "ComplaintTopics",
    "train_complaint_classifier",
    "complaint_topics",
]


def _texts(values: object, column: str, name: str, *, argument: str = "texts") -> pd.Series:
    """The texts as a Series, checked: one column (not a frame, not None), str, not empty."""
    if isinstance(values, pd.DataFrame):
        raise DataValidationError(
            f"{argument} must be one column of texts (a Series or a list of str), got a "
            f"DataFrame with columns {list(values.columns)}; pass e.g. df[{column!r}]"
        )
    if values is None or isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise DataValidationError(
            f"{argument} must be a Series or a list of str, got {type(values).__name__}"
        )
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), name=column)
    frame = series.to_frame(column)
    not_text = np.array([not isinstance(v, str) for v in series], dtype=bool)
    raise_for_rows(
        frame,
        not_text,
        column=column,
        problem="must hold text (str), not missing values or numbers",
        name=name,
    )
    empty = series.astype(str).str.strip().str.len().to_numpy() == 0
    raise_for_rows(frame, empty, column=column, problem="has empty texts", name=name)
    if series.empty:
        raise DataValidationError(f"{argument}: no texts given (0 rows); nothing to classify")
    return series


def _texts_like(values: object, argument: str) -> object:
    """``values`` if it is one column (Series, list, array), else DataValidationError."""
    if (
        values is None
        or isinstance(values, pd.DataFrame | str | bytes)
        or not hasattr(values, "__iter__")
    ):
        raise DataValidationError(
            f"{argument} must be a Series or a list, got {type(values).__name__}"
        )
    return values


def _stop_words(stop_words: str | Sequence[str] | None) -> str | list[str] | None:
    if stop_words is None or isinstance(stop_words, str):
        return stop_words
    return list(stop_words)


class ComplaintClassifier:
    """TF-IDF + multinomial logistic regression for complaint categories.

    Parameters
    ----------
    ngram_range : (int, int)
        Word n-grams used as features (default words and bigrams).
    min_df : int
        Ignore terms in fewer documents than this.
    C : float
        Inverse regularisation strength of the logistic regression.
    stop_words : "english", sequence of str or None
        Words to ignore (``"english"`` = scikit-learn's list; pass a Turkish
        list for Turkish text). Default None: function words in bigrams
        ("not arrived") carry meaning.
    token_pattern : str
        What counts as a word; the default keeps letters only, so order numbers
        and amounts do not become features.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted vectoriser and classifier.
    classes_ : ndarray
        Category labels.

    Examples
    --------
    >>> texts = ["late delivery", "parcel late", "rude staff", "staff impolite"]
    >>> clf = ComplaintClassifier().fit(texts, ["delivery", "delivery", "staff", "staff"])
    >>> clf.predict(["delivery was late"]).tolist()
    ['delivery']
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        C: float = 3.0,
        stop_words: str | Sequence[str] | None = None,
        token_pattern: str = LETTER_WORDS,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.C = C
        self.stop_words = stop_words
        self.token_pattern = token_pattern

    def fit(
        self, texts: Sequence[str] | pd.Series, labels: Sequence[str] | pd.Series
    ) -> ComplaintClassifier:
        """Fit on complaint texts and their category labels; returns self."""
        texts = _texts(texts, "text", "complaints")
        labels = pd.Series(list(_texts_like(labels, "labels")), name="category")
        if len(labels) != len(texts):
            raise DataValidationError(f"complaints: {len(texts)} texts but {len(labels)} labels")
        raise_for_rows(
            labels.to_frame(),
            labels.isna(),
            column="category",
            problem="has missing labels",
            name="complaints",
        )
        if labels.nunique() < 2:
            raise DataValidationError("complaints: column 'category' needs at least 2 categories")
        self.pipeline_ = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(
                        ngram_range=self.ngram_range,
                        min_df=self.min_df,
                        sublinear_tf=True,
                        stop_words=_stop_words(self.stop_words),
                        token_pattern=self.token_pattern,
                    ),
                ),
                ("model", LogisticRegression(C=self.C, max_iter=2000)),
            ]
        )
        self.pipeline_.fit(texts.to_list(), labels.astype(str).to_list())
        self.classes_ = self.pipeline_.classes_
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise RuntimeError("ComplaintClassifier is not fitted; call fit(texts, labels) first")

    def predict(self, texts: Sequence[str] | pd.Series) -> np.ndarray:
        """Most probable category per text."""
        self._check_fitted()
        return self.pipeline_.predict(_texts(texts, "text", "complaints").to_list())

    def predict_proba(self, texts: Sequence[str] | pd.Series) -> pd.DataFrame:
        """Category probabilities per text (rows sum to 1)."""
        self._check_fitted()
        texts = _texts(texts, "text", "complaints")
        return pd.DataFrame(
            self.pipeline_.predict_proba(texts.to_list()), columns=self.classes_, index=texts.index
        )

    def top_terms(self, n_terms: int = 8) -> pd.DataFrame:
        """The terms that push most towards each category (categories × rank)."""
        self._check_fitted()
        vocab = self.pipeline_.named_steps["tfidf"].get_feature_names_out()
        coef = self.pipeline_.named_steps["model"].coef_
        if coef.shape[0] == 1:  # binary: one row, positive = second class
            coef = np.vstack([-coef[0], coef[0]])
        top = np.argsort(-coef, axis=1)[:, :n_terms]
        return pd.DataFrame(
            vocab[top],
            index=pd.Index(self.classes_, name="category"),
            columns=pd.RangeIndex(1, n_terms + 1, name="rank"),
        )


@dataclass(frozen=True, eq=False)
class ComplaintClassification:
    """A complaint classifier and its held-out evaluation.

    Attributes
    ----------
    model : ComplaintClassifier
        Fitted on the training part only.
    accuracy : float
        Share of held-out complaints classified correctly (0–1).
    accuracy_ci_low, accuracy_ci_high : float
        Wilson interval for the accuracy.
    baseline_accuracy : float
        Accuracy of always predicting the most frequent training category.
    n_train, n_test : int
    confusion : DataFrame
        Held-out counts, true category (rows) × predicted (columns).
    per_class : DataFrame
        precision, recall, f1, support per category on the held-out part.
    """

    model: ComplaintClassifier
    accuracy: float
    accuracy_ci_low: float
    accuracy_ci_high: float
    baseline_accuracy: float
    n_train: int
    n_test: int
    confusion: pd.DataFrame
    per_class: pd.DataFrame

    def summary(self) -> str:
        """One line: accuracy with interval against the baseline."""
        return (
            f"held-out accuracy {self.accuracy:.1%} (95% CI {self.accuracy_ci_low:.1%}–"
            f"{self.accuracy_ci_high:.1%}, n = {self.n_test}) vs {self.baseline_accuracy:.1%} "
            "for always guessing the largest category"
        )


def train_complaint_classifier(
    complaints: pd.DataFrame,
    *,
    text: str = "text",
    label: str = "category",
    test_size: float = 0.25,
    seed: int | np.random.Generator | None = 0,
    confidence: float = 0.95,
    **classifier_options: object,
) -> ComplaintClassification:
    """Train a category classifier on labelled complaints and measure it on held-out ones.

    Parameters
    ----------
    complaints : DataFrame
        One row per complaint with its text and known category.
    text, label : str
        Column names.
    test_size : float
        Share held out (stratified by category).
    seed : int or Generator
        Randomness of the split.
    confidence : float
        Level of the accuracy interval.
    **classifier_options
        Passed to :class:`ComplaintClassifier`.

    Returns
    -------
    ComplaintClassification
        The classifier fitted on the training part and its accuracy (Wilson interval),
        confusion matrix and per-category scores on the held-out part.

    Examples
    --------
    >>> df = pd.DataFrame({"text": ["late parcel", "rude staff"] * 10,
    ...                    "category": ["delivery", "staff"] * 10})
    >>> train_complaint_classifier(df).accuracy
    1.0
    """
    confidence = check_confidence(confidence)
    require_columns(complaints, [text, label], name="complaints")
    texts = _texts(complaints[text], text, "complaints")
    labels = complaints[label]
    raise_for_rows(
        complaints, labels.isna(), column=label, problem="has missing categories", name="complaints"
    )
    counts = labels.value_counts()
    if (counts < 2).any():
        raise DataValidationError(
            f"complaints: column {label!r} has categories with a single example "
            f"({list(counts.index[counts < 2])}); a stratified hold-out needs at least 2 each"
        )
    rng = as_generator(seed)
    x_train, x_test, y_train, y_test = train_test_split(
        texts,
        labels.astype(str),
        test_size=test_size,
        stratify=labels.astype(str),
        random_state=int(rng.integers(2**31 - 1)),
    )
    model = ComplaintClassifier(**classifier_options).fit(x_train, y_train)
    predicted = model.predict(x_test)
    correct = int((predicted == y_test.to_numpy()).sum())
    low, high = wilson_interval(correct, len(y_test), confidence)
    classes = list(model.classes_)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_test, predicted, labels=classes, zero_division=0
    )
    return ComplaintClassification(
        model=model,
        accuracy=correct / len(y_test),
        accuracy_ci_low=float(low),
        accuracy_ci_high=float(high),
        baseline_accuracy=float((y_test == y_train.value_counts().index[0]).mean()),
        n_train=len(y_train),
        n_test=len(y_test),
        confusion=pd.DataFrame(
            confusion_matrix(y_test, predicted, labels=classes),
            index=pd.Index(classes, name="true"),
            columns=pd.Index(classes, name="predicted"),
        ),
        per_class=pd.DataFrame(
            {"precision": precision, "recall": recall, "f1": f1, "support": support},
            index=pd.Index(classes, name="category"),
        ),
    )


@dataclass(frozen=True, eq=False)
class ComplaintTopics:
    """Unsupervised topics of complaint texts (NMF on TF-IDF).

    Attributes
    ----------
    top_words : DataFrame
        Topics (rows) × rank: the highest-weighted words of each topic.
    document_topics : DataFrame
        Complaints × topics, non-negative weights.
    dominant_topic : Series
        The heaviest topic per complaint (-1 when a text has no weight on any topic).
    by_label : DataFrame or None
        Cross-table of known label × dominant topic, when ``label`` was given.
    """

    top_words: pd.DataFrame
    document_topics: pd.DataFrame
    dominant_topic: pd.Series
    by_label: pd.DataFrame | None


def complaint_topics(
    complaints: pd.DataFrame,
    *,
    text: str = "text",
    label: str | None = None,
    n_topics: int = 6,
    n_top_words: int = 8,
    min_df: int = 2,
    stop_words: str | Sequence[str] | None = "english",
    token_pattern: str = LETTER_WORDS,
    seed: int | np.random.Generator | None = 0,
) -> ComplaintTopics:
    """Topics found in complaint texts without labels (TF-IDF + NMF).

    Parameters
    ----------
    complaints : DataFrame
        One row per complaint.
    text : str
        Text column.
    label : str, optional
        A known category column to cross-tabulate topics against.
    n_topics : int
        Number of topics.
    n_top_words : int
        Words listed per topic (at most; fewer when the texts have fewer distinct words).
    min_df : int
        Ignore words in fewer complaints than this.
    stop_words : "english", sequence of str or None
        Words to ignore; without them topics collect greetings and function
        words. Pass a list for other languages.
    token_pattern : str
        What counts as a word (default: letters only).
    seed : int or Generator
        NMF initialisation.

    Returns
    -------
    ComplaintTopics

    Examples
    --------
    >>> df = pd.DataFrame({"text": ["late parcel", "parcel late again", "rude staff",
    ...                             "staff rude"] * 3})
    >>> complaint_topics(df, n_topics=2, n_top_words=2).top_words.shape
    (2, 2)
    """
    require_columns(complaints, [text] + ([label] if label else []), name="complaints")
    texts = _texts(complaints[text], text, "complaints", argument="complaints")
    if len(texts) < max(min_df, n_topics):
        raise DataValidationError(
            f"complaints: column {text!r} has {len(texts)} text(s); {n_topics} topics of words "
            f"that occur in >= {min_df} texts need at least {max(min_df, n_topics)}"
        )
    vectorizer = TfidfVectorizer(
        min_df=min_df,
        sublinear_tf=True,
        stop_words=_stop_words(stop_words),
        token_pattern=token_pattern,
    )
    try:
        matrix = vectorizer.fit_transform(texts.to_list())
    except ValueError as exc:  # e.g. every word a stop word, or in fewer than min_df texts
        raise DataValidationError(
            f"complaints: column {text!r} has no word that occurs in >= {min_df} texts ({exc})"
        ) from exc
    if matrix.shape[1] < n_topics:
        raise DataValidationError(
            f"complaints: only {matrix.shape[1]} distinct words occur in ≥ {min_df} texts; "
            f"too few for {n_topics} topics"
        )
    rng = as_generator(seed)
    nmf = NMF(
        n_components=n_topics,
        init="nndsvda",
        random_state=int(rng.integers(2**31 - 1)),
        max_iter=500,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = nmf.fit_transform(matrix)
    vocab = vectorizer.get_feature_names_out()
    # few distinct words: each topic lists all of them (n_top_words is an upper bound)
    n_top_words = min(n_top_words, len(vocab))
    top = np.argsort(-nmf.components_, axis=1)[:, :n_top_words]
    topic_index = pd.RangeIndex(n_topics, name="topic")
    doc_topics = pd.DataFrame(weights, index=complaints.index, columns=topic_index)
    dominant = pd.Series(
        np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1),
        index=complaints.index,
        name="topic",
    )
    by_label = pd.crosstab(complaints[label], dominant) if label else None
    return ComplaintTopics(
        top_words=pd.DataFrame(
            vocab[top], index=topic_index, columns=pd.RangeIndex(1, n_top_words + 1, name="rank")
        ),
        document_topics=doc_topics,
        dominant_topic=dominant,
        by_label=by_label,
    )
