"""The result of :func:`portfolio_lib.identity.resolve`: persons, pairs, golden records, checks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, format_examples
from portfolio_lib._results import ResultSummary, SettingsResult, TableResult
from portfolio_lib.identity.metrics import cluster_metrics, pairwise_metrics, precision_recall_curve

__all__ = ["IdentityResult", "IdentityEvaluation", "DEFAULT_THRESHOLDS"]

#: Thresholds of the precision-recall curve when none are given (the result's own is added).
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999)


def _weight(probability: float) -> float:
    """The match weight (log2 odds) of a match probability."""
    p = min(max(probability, 1e-300), 1 - 1e-16)
    return math.log2(p / (1 - p))


@dataclass(frozen=True, repr=False)
class IdentityEvaluation(TableResult):
    """Linkage quality against the true person of every record.

    Attributes
    ----------
    table : pandas.DataFrame
        The precision-recall curve: one row per threshold with pairwise ``precision``,
        ``recall``, ``f1`` and the number of predicted ``persons``.
    threshold : float
        The threshold the result was clustered at.
    pairwise : dict
        Pairwise ``precision``, ``recall``, ``f1`` and pair counts at ``threshold``
        (:func:`~portfolio_lib.identity.metrics.pairwise_metrics`).
    clusters : dict
        Cluster-level metrics at ``threshold``
        (:func:`~portfolio_lib.identity.metrics.cluster_metrics`).
    """

    table: pd.DataFrame
    threshold: float
    pairwise: dict[str, float]
    clusters: dict[str, float]

    @property
    def precision(self) -> float:
        """Pairwise precision at the result's threshold."""
        return self.pairwise["precision"]

    @property
    def recall(self) -> float:
        """Pairwise recall at the result's threshold."""
        return self.pairwise["recall"]

    @property
    def f1(self) -> float:
        """Pairwise F1 at the result's threshold."""
        return self.pairwise["f1"]

    def summary(self) -> ResultSummary:
        """Pairwise and cluster-level metrics at the threshold."""
        p, c = self.pairwise, self.clusters
        rows = (
            ("threshold", f"{self.threshold:g}"),
            ("pairwise precision", f"{p['precision']:.4f}"),
            ("pairwise recall", f"{p['recall']:.4f}"),
            ("pairwise F1", f"{p['f1']:.4f}"),
            ("pairs predicted / true", f"{p['predicted_pairs']:,.0f} / {p['true_pairs']:,.0f}"),
            (
                "persons predicted / true",
                f"{c['predicted_persons']:,.0f} / {c['true_persons']:,.0f}",
            ),
            ("persons recovered exactly", f"{c['exact_persons']:,.0f}"),
            ("false merges (mixed persons)", f"{c['merged_persons']:,.0f}"),
            ("missed merges (split persons)", f"{c['split_persons']:,.0f}"),
        )
        return ResultSummary("Customer identification: evaluation", rows)

    def __repr__(self) -> str:
        p = self.pairwise
        return (
            f"IdentityEvaluation(threshold={self.threshold:g}, precision={p['precision']:.4f}, "
            f"recall={p['recall']:.4f}, f1={p['f1']:.4f})"
        )


@dataclass(frozen=True, repr=False)
class IdentityResult(SettingsResult):
    """Records resolved into persons.

    Attributes
    ----------
    table : pandas.DataFrame
        ``record_id``, ``person_id``: every input record, in input order (also
        :attr:`clusters`). ``person_id`` is the ``record_id`` of the person's first record in
        input order, so it is stable when the same records resolve to the same person.
    pairs : pandas.DataFrame
        Scored candidate pairs (``record_id_l``, ``record_id_r``, ``match_probability``,
        ``match_weight``, the compared values ``<column>_l``/``<column>_r``, and per
        comparison its match weight ``mw_<comparison>``), for pairs with a match probability
        of at least ``keep_pairs_above``.
    golden : pandas.DataFrame
        One row per person (:func:`~portfolio_lib.identity.golden.golden_records`).
    threshold : float
        Match probability at or above which two records are linked.
    roles : tuple of str
        The compared roles used.
    hashed : bool
        Whether e-mail, phone and id number were linked as salted hashes.
    prior : float
        Trained probability that two random records match (Splink's
        ``probability_two_random_records_match``); its log2 odds is the start of every
        pair's match weight.
    keep_pairs_above : float
        Smallest match probability kept in :attr:`pairs`.
    blocking : tuple of str
        The blocking rules (SQL) that generated candidate pairs.
    unreadable : dict
        Per role, raw values that could not be normalised (treated as missing).
    notes : tuple of str
        Training steps that could not run (e.g. no pair for an EM blocking rule).
    seconds : float
        Wall-clock time of the linkage, in seconds.
    timings : dict
        Wall-clock seconds per step (normalise, train, score and cluster, golden records).
    """

    table: pd.DataFrame
    pairs: pd.DataFrame = field(repr=False)
    golden: pd.DataFrame = field(repr=False)
    threshold: float = 0.9
    roles: tuple[str, ...] = ()
    hashed: bool = False
    prior: float = field(default=0.0, repr=False)
    keep_pairs_above: float = field(default=0.01, repr=False)
    blocking: tuple[str, ...] = field(default=(), repr=False)
    unreadable: dict[str, int] = field(default_factory=dict, repr=False)
    notes: tuple[str, ...] = field(default=(), repr=False)
    seconds: float = field(default=0.0, repr=False)
    timings: dict[str, float] = field(default_factory=dict, repr=False)
    input_index: pd.Index | None = field(default=None, repr=False)
    date_columns: tuple[str, ...] = field(default=(), repr=False)

    _row_name = "records"

    @property
    def clusters(self) -> pd.DataFrame:
        """``record_id``, ``person_id`` for every record (the same as :attr:`table`)."""
        return self.table

    @property
    def mapping(self) -> pd.Series:
        """``person_id`` indexed by ``record_id``: apply it to any table keyed by record.

        Examples
        --------
        ``transactions["person_id"] = transactions["customer_id"].map(result.mapping)``, or
        :meth:`apply`, which refuses record ids it does not know.
        """
        return pd.Series(
            self.table["person_id"].to_numpy(),
            index=pd.Index(self.table["record_id"], name="record_id"),
            name="person_id",
        )

    @property
    def n_persons(self) -> int:
        """Number of persons found."""
        return int(self.table["person_id"].nunique())

    def apply(
        self,
        table: pd.DataFrame,
        *,
        record_col: str,
        person_col: str = "person_id",
        window: tuple[object, object] | None = None,
    ) -> pd.DataFrame:
        """A copy of ``table`` with the person of each row's record in ``person_col``.

        Parameters
        ----------
        table : pandas.DataFrame
            Any table keyed by record id (transactions, touchpoints, surveys, ...).
        record_col : str
            Its record-id column.
        person_col : str
            Name of the new column.
        window : tuple of two dates, optional
            The plausible dates of the table's date columns (default 1900 to tomorrow, see
            :func:`portfolio_lib._validate.plausible_window`).

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        DataValidationError
            ``record_col`` is missing, or holds ids that are not among the resolved records
            (rows are never dropped or left without a person silently); a date column
            (datetime64, or a date role given to :func:`resolve`) holds numbers, or dates
            outside ``window``.

        Examples
        --------
        >>> result = IdentityResult(
        ...     table=pd.DataFrame({"record_id": ["a", "b"], "person_id": ["a", "a"]}),
        ...     pairs=pd.DataFrame(), golden=pd.DataFrame())
        >>> result.apply(pd.DataFrame({"rid": ["b", "a"]}), record_col="rid")["person_id"].tolist()
        ['a', 'a']
        """
        if not isinstance(table, pd.DataFrame) or record_col not in table.columns:
            raise DataValidationError(
                f"apply: table has no column {record_col!r} (record_col); columns: "
                f"{list(getattr(table, 'columns', []))}"
            )
        self._check_dates(table, window)
        persons = table[record_col].map(self.mapping)
        unknown = persons.isna() & table[record_col].notna() | table[record_col].isna()
        if unknown.any():
            raise DataValidationError(
                f"apply: column {record_col!r} has {int(unknown.sum())} row(s) whose record id "
                "is not among the resolved records. Examples:\n"
                + format_examples(table.loc[unknown, [record_col]])
            )
        return table.assign(**{person_col: persons.to_numpy()})

    def _check_dates(self, table: pd.DataFrame, window: tuple[object, object] | None) -> None:
        """Refuse numbers in a date column and dates outside ``window`` (never passed on)."""
        for column in table.columns:
            values = table[column]
            is_date = pd.api.types.is_datetime64_any_dtype(values)
            if is_date or (column in self.date_columns and pd.api.types.is_numeric_dtype(values)):
                _validate.dates(table, column, name="apply: table", missing="keep", window=window)

    def _truth_codes(self, truth: pd.Series | Sequence[object] | np.ndarray) -> np.ndarray:
        ids = self.table["record_id"]
        if isinstance(truth, pd.Series):
            if truth.index.isin(ids).all() and ids.isin(truth.index).all():
                if truth.index.has_duplicates:
                    raise DataValidationError("truth: its index (record ids) repeats labels")
                return truth.reindex(ids).to_numpy()
            if self.input_index is not None and truth.index.equals(self.input_index):
                return truth.to_numpy()
            missing = ids[~ids.isin(truth.index)]
            raise DataValidationError(
                "truth must be indexed by record_id (or by the records' own index); "
                f"{len(missing)} record id(s) have no true person. Examples:\n"
                + format_examples(missing.to_frame())
            )
        values = np.asarray(truth, dtype=object)
        if values.ndim != 1 or len(values) != len(ids):
            raise DataValidationError(
                f"truth has {values.size} values but there are {len(ids)} records "
                "(pass a Series indexed by record_id, or one value per record in input order)"
            )
        return values

    def evaluate(
        self,
        truth: pd.Series | Sequence[object] | np.ndarray,
        *,
        thresholds: Sequence[float] | None = None,
    ) -> IdentityEvaluation:
        """Pairwise and cluster-level metrics against the true person of each record.

        Parameters
        ----------
        truth : pandas.Series or array-like
            True person id per record: a Series indexed by ``record_id`` (or by the index of
            the records table given to ``resolve``, e.g. one of its columns), or one value
            per record in input order. Missing values are refused.
        thresholds : sequence of float, optional
            Thresholds of the precision-recall curve (default :data:`DEFAULT_THRESHOLDS`
            plus the result's own); each at least ``keep_pairs_above``.

        Returns
        -------
        IdentityEvaluation
        """
        codes = self._truth_codes(truth)
        if pd.isna(codes).any():
            bad = pd.Series(pd.isna(codes), index=self.table.index)
            raise DataValidationError(
                "truth has missing person ids. Examples:\n"
                + format_examples(self.table.loc[bad, ["record_id"]])
            )
        grid = sorted({*(thresholds or DEFAULT_THRESHOLDS), self.threshold})
        if grid[0] < self.keep_pairs_above or grid[-1] > 1:
            raise ValueError(
                f"thresholds must lie in [{self.keep_pairs_above:g}, 1] (pairs below "
                f"keep_pairs_above={self.keep_pairs_above:g} were not kept); got {grid}"
            )
        position = pd.Series(np.arange(len(self.table)), index=self.table["record_id"])
        positions = pd.DataFrame(
            {
                "left": position.reindex(self.pairs["record_id_l"]).to_numpy(),
                "right": position.reindex(self.pairs["record_id_r"]).to_numpy(),
                "match_probability": self.pairs["match_probability"].to_numpy(),
            }
        )
        curve = precision_recall_curve(positions, codes, grid)
        predicted = self.table["person_id"].to_numpy()
        return IdentityEvaluation(
            table=curve,
            threshold=self.threshold,
            pairwise=pairwise_metrics(predicted, codes),
            clusters=cluster_metrics(predicted, codes),
        )

    def borderline(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` scored pairs closest to the threshold, with each comparison's weight.

        A pair's ``match_weight`` is the sum of ``mw_prior`` (log2 odds of the prior) and
        its per-comparison weights ``mw_<comparison>`` (term-frequency adjustments included
        as ``mw_tf_<column>``): the steps of a waterfall chart. ``distance`` is the match
        weight minus the threshold's weight (negative: below the threshold).

        Parameters
        ----------
        n : int
            Number of pairs (at most all kept pairs).

        Returns
        -------
        pandas.DataFrame
            Sorted by the absolute ``distance``.
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        pairs = self.pairs.copy()
        pairs.insert(4, "mw_prior", _weight(self.prior))
        pairs.insert(4, "distance", pairs["match_weight"] - _weight(self.threshold))
        order = pairs["distance"].abs().sort_values(kind="stable").index[:n]
        return pairs.loc[order].reset_index(drop=True)

    def waterfall(self, record_id_l: object, record_id_r: object) -> pd.DataFrame:
        """The steps of one scored pair's match weight, for a waterfall chart.

        Parameters
        ----------
        record_id_l, record_id_r : record ids
            The pair, in either order; it must be among the kept :attr:`pairs`.

        Returns
        -------
        pandas.DataFrame
            One row per step: ``step`` (``prior``, then each comparison and term-frequency
            adjustment), ``weight`` (bits of evidence: log2 of the likelihood ratio),
            ``cumulative`` (the running match weight) and ``probability`` (the match
            probability after the step). The last ``cumulative`` is the pair's
            ``match_weight``.
        """
        pairs = self.pairs
        hit = pairs[
            (pairs["record_id_l"] == record_id_l) & (pairs["record_id_r"] == record_id_r)
            | (pairs["record_id_l"] == record_id_r) & (pairs["record_id_r"] == record_id_l)
        ]
        if hit.empty:
            raise DataValidationError(
                f"waterfall: the pair ({record_id_l!r}, {record_id_r!r}) is not among the kept "
                f"pairs (match probability >= {self.keep_pairs_above:g}, same blocking rules)"
            )
        row = hit.iloc[0]
        steps = [c for c in pairs.columns if c.startswith("mw_")]
        weights = [_weight(self.prior)] + [float(row[c]) for c in steps]
        cumulative = np.cumsum(weights)
        return pd.DataFrame(
            {
                "step": ["prior"] + [c.removeprefix("mw_") for c in steps],
                "weight": weights,
                "cumulative": cumulative,
                "probability": 1 / (1 + np.exp2(-cumulative)),
            }
        )

    def summary(self) -> ResultSummary:
        """Records, persons, merges and the settings of the linkage."""
        n = len(self.table)
        sizes = self.table.groupby("person_id").size()
        rows = [
            ("records", f"{n:,}"),
            ("persons", f"{len(sizes):,}"),
            ("persons with several records", f"{int((sizes > 1).sum()):,}"),
            ("records merged away", f"{n - len(sizes):,} ({(n - len(sizes)) / n:.1%})"),
            ("largest person (records)", f"{int(sizes.max()):,}"),
            ("threshold (match probability)", f"{self.threshold:g}"),
            ("prior match probability", f"{self.prior:.3g}"),
            ("pairs scored (kept)", f"{len(self.pairs):,}"),
            ("roles compared", ", ".join(self.roles)),
            ("identifiers hashed", "yes" if self.hashed else "no"),
            ("seconds", f"{self.seconds:.1f}"),
        ]
        unread = {r: c for r, c in self.unreadable.items() if c}
        notes = list(self.notes)
        if unread:
            notes.append(
                "Values that could not be read were treated as missing: "
                + ", ".join(f"{r} {c:,}" for r, c in unread.items())
                + "."
            )
        return ResultSummary("Customer identification", tuple(rows), tuple(notes))
