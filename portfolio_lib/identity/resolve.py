"""``resolve``: one person, one customer - probabilistic record linkage with Splink."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from splink import DuckDBAPI, Linker, block_on
from splink.internals.exceptions import SplinkException

from portfolio_lib.identity.golden import golden_records
from portfolio_lib.identity.hashing import hash_column
from portfolio_lib.identity.model import (
    build_settings,
    deterministic_rules,
    quiet_splink,
    training_rules,
)
from portfolio_lib.identity.result import IdentityResult
from portfolio_lib.identity.roles import DATE_ROLES, IDENTIFIER_ROLES, prepare_records

__all__ = ["resolve"]

#: Assumed recall of the deterministic rules that estimate the prior.
DETERMINISTIC_RECALL = 0.8
#: Prior used when the deterministic rules find no match (Splink's default).
DEFAULT_PRIOR = 1e-4
#: Below this many records the m and u estimates rest on too few pairs (a note says so).
FEW_RECORDS = 50


class _Clock:
    """Wall-clock seconds of the steps of a run (``laps``: step -> seconds)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = self.laps.get(step, 0.0) + now - self._last
        self._last = now


def _check_probability(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def _pairs_agreeing(data: pd.DataFrame, columns: Sequence[str]) -> int:
    """Number of record pairs with equal, non-missing values in all ``columns``."""
    sizes = data[list(columns)].dropna().value_counts().to_numpy(dtype=np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _train(
    linker: Linker, data: pd.DataFrame, roles: Sequence[str], *, seed: int, u_pairs: float
) -> list[str]:
    """Prior, u by random sampling, m by EM; returns notes on steps that could not run."""
    notes: list[str] = []
    training = linker.training
    try:
        training.estimate_probability_two_random_records_match(
            deterministic_rules(roles), recall=DETERMINISTIC_RECALL
        )
    except (SplinkException, ValueError, ZeroDivisionError) as error:
        notes.append(f"prior left at Splink's default ({type(error).__name__}: {error})")
    settings = linker._settings_obj  # noqa: SLF001 - Splink has no public setter
    if not 0 < settings._probability_two_random_records_match < 1:  # noqa: SLF001
        # no deterministic match at all (e.g. a tiny table): a prior of 0 would make every
        # match weight minus infinity; fall back to Splink's default
        settings._probability_two_random_records_match = DEFAULT_PRIOR  # noqa: SLF001
        notes.append(f"no pair agreed on the deterministic rules: prior set to {DEFAULT_PRIOR:g}")
    training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    for rule in training_rules(roles):
        if _pairs_agreeing(data, rule) == 0:
            notes.append(f"EM on {rule} skipped: no two records agree on it")
            continue
        prior = settings._probability_two_random_records_match  # noqa: SLF001
        try:
            training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule), estimate_without_term_frequencies=True
            )
        except (SplinkException, ValueError, ZeroDivisionError) as error:
            # a session that fails part-way (e.g. an m probability underflowing to 0) can
            # leave its own estimate of the prior behind (seen: 5.9e-05 -> 4.6e-36): restore it
            settings._probability_two_random_records_match = prior  # noqa: SLF001
            notes.append(f"EM on {rule} skipped ({type(error).__name__}: {error})")
    return notes


def _single_record(prepared_ids: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {"record_id": prepared_ids.to_numpy(), "person_id": prepared_ids.to_numpy()}
    )


def resolve(
    records: pd.DataFrame,
    *,
    columns: Mapping[str, str | Sequence[str]],
    threshold: float = 0.9,
    salt: str | bytes | None = None,
    seed: int = 0,
    u_pairs: float = 1e6,
    keep_pairs_above: float = 0.01,
    db_api: Any | None = None,
) -> IdentityResult:
    """Resolve records into persons: normalise, block, compare, train, score, cluster.

    Parameters
    ----------
    records : pandas.DataFrame
        One row per record (a loyalty card, a web account, a call-centre entry, ...).
    columns : mapping of str to str or list of str
        Role -> column name of ``records`` (a list of columns is joined with a space, e.g.
        two address lines). Roles: ``record_id`` (required), and at least two of
        ``given_name``, ``family_name``, ``birth_date``, ``phone``, ``email``,
        ``street_number``, ``address``, ``city``, ``postcode``, ``region``, ``id_number``;
        optionally ``source``, ``signup_date``, ``last_contact`` (for the golden record).
        Absent roles are skipped (:mod:`portfolio_lib.identity.roles`).
    threshold : float
        Match probability at or above which two records are linked (strictly between 0 and
        1). Higher: fewer false merges, more missed duplicates.
    salt : str or bytes, optional
        When given, e-mail, phone and id number are replaced by salted SHA-256 hashes
        (:mod:`portfolio_lib.identity.hashing`) before linkage, compared exactly, and shown
        as hashes in ``pairs`` and ``golden``.
    seed : int
        Seed of the random sampling of record pairs for the ``u`` probabilities; EM is
        deterministic, so the same seed gives the same persons.
    u_pairs : float
        Number of random record pairs sampled for ``u``.
    keep_pairs_above : float
        Scored pairs with a match probability below this are not kept in ``pairs`` (nor
        available to the precision-recall curve).
    db_api : Splink database API, optional
        Where Splink runs: a new in-memory ``splink.DuckDBAPI()`` by default; pass
        ``splink.SparkAPI(spark_session=...)`` to run the same settings on a Spark cluster
        (the session needs Splink's UDF jar, ``spark.jars`` set to
        ``splink.backends.spark.similarity_jar_location()``, and a checkpoint directory).

    Returns
    -------
    IdentityResult
        ``.clusters`` (every record with its ``person_id``; an unlinked record is its own
        person), ``.pairs``, ``.golden``, ``.mapping``, ``.evaluate(truth)``,
        ``.borderline(n)``, ``.summary()``.

    Raises
    ------
    DataValidationError
        A malformed table or mapping (see
        :func:`~portfolio_lib.identity.roles.prepare_records`).

    Examples
    --------
    >>> records = pd.DataFrame({
    ...     "id": ["a", "b", "c", "d"],
    ...     "first": ["Ayşe", "AYSE", "Mehmet", "Zeynep"],
    ...     "last": ["Yılmaz", "YILMAZ", "Kaya", "Demir"],
    ...     "dob": ["1985-03-07", "07.03.1985", "1990-11-02", "1979-05-30"],
    ...     "phone": ["0532 111 22 33", "+90 532 111 22 33", "0544 555 66 77", None],
    ... })
    >>> result = resolve(records, columns={"record_id": "id", "given_name": "first",
    ...     "family_name": "last", "birth_date": "dob", "phone": "phone"})
    >>> result.mapping.tolist()
    ['a', 'a', 'c', 'd']
    """
    threshold = _check_probability("threshold", threshold)
    keep_pairs_above = min(_check_probability("keep_pairs_above", keep_pairs_above), threshold)
    clock = _Clock()
    prepared = prepare_records(records, columns)
    data = prepared.normalised.copy()
    if salt is not None:
        for role in IDENTIFIER_ROLES:
            if role in data:
                data[role] = hash_column(data[role], salt).to_numpy()
    roles = prepared.roles
    if {"given_name", "family_name"} <= set(roles):
        both = data["given_name"].notna() & data["family_name"].notna()
        data["full_name"] = (data["given_name"] + " " + data["family_name"]).where(both, None)
    ids = prepared.raw["record_id"]
    settings = build_settings(roles, hashed=salt is not None)
    blocking = tuple(
        r if isinstance(r, str) else r.get_blocking_rule("duckdb").blocking_rule_sql
        for r in settings.blocking_rules_to_generate_predictions
    )
    notes: list[str] = []
    if len(data) == 1:
        clusters, pairs, prior = (
            _single_record(ids),
            pd.DataFrame(
                columns=["record_id_l", "record_id_r", "match_probability", "match_weight"]
            ),
            0.0,
        )
        notes.append("only 1 record: no pair of records can be compared, so it is its own person")
    else:
        with quiet_splink():
            api = db_api if db_api is not None else DuckDBAPI()
            linker = Linker(api.register(data), settings, log_level=None)
            clock.lap("normalise")
            notes += _train(linker, data, roles, seed=seed, u_pairs=u_pairs)
            if len(data) < FEW_RECORDS:
                notes.append(
                    f"only {len(data)} records: m and u are estimated from very few pairs, "
                    "so match probabilities are unreliable (link a larger table)"
                )
            clock.lap("train")
            predictions = linker.inference.predict(threshold_match_probability=keep_pairs_above)
            clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=threshold
            )
            scored = predictions.as_pandas_dataframe()
            cluster_of = clustered.as_pandas_dataframe().set_index("unique_id")["cluster_id"]
            prior = float(
                linker._settings_obj._probability_two_random_records_match  # noqa: SLF001
            )
        position = np.arange(len(data))
        cluster = cluster_of.reindex(position).to_numpy()
        # person_id: record_id of the cluster's first record in input order
        first = pd.Series(position).groupby(cluster).transform("min").to_numpy()
        clusters = pd.DataFrame({"record_id": ids.to_numpy(), "person_id": ids.to_numpy()[first]})
        pairs = _pairs_table(scored, ids)
    clock.lap("score and cluster")
    golden = golden_records(prepared.raw, data, clusters["person_id"])
    clock.lap("golden records")
    return IdentityResult(
        table=clusters,
        pairs=pairs,
        golden=golden,
        threshold=threshold,
        roles=roles,
        hashed=salt is not None,
        prior=prior,
        keep_pairs_above=keep_pairs_above,
        blocking=blocking,
        unreadable=prepared.unreadable,
        notes=tuple(notes),
        seconds=sum(clock.laps.values()),
        timings=dict(clock.laps),
        input_index=records.index,
        date_columns=tuple(
            column
            for role in ("birth_date", *DATE_ROLES)
            if isinstance(column := columns.get(role), str)
        ),
    )


def _pairs_table(scored: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """Splink's predictions with record ids instead of row positions, strongest first."""
    id_values = ids.to_numpy()
    out = scored.drop(columns=["unique_id_l", "unique_id_r"])
    out.insert(0, "record_id_r", id_values[scored["unique_id_r"].to_numpy()])
    out.insert(0, "record_id_l", id_values[scored["unique_id_l"].to_numpy()])
    keep = [c for c in out.columns if not c.startswith(("bf_", "gamma_")) or c.startswith("bf_tf")]
    cols = ["record_id_l", "record_id_r", "match_probability", "match_weight"]
    out = out[cols + [c for c in keep if c not in cols]]
    return out.sort_values(
        ["match_probability", "record_id_l", "record_id_r"], ascending=[False, True, True]
    ).reset_index(drop=True)
