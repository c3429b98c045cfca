"""The golden record: one row per person, built from its records by survivorship rules.

Rules (each field comes from the records of one person):

Names, birth date, id number
    The most frequent normalised value among the person's records; a tie goes to the
    value of the most recently contacted record. Names are shown as written in that record
    (e.g. ``"Ayşe"``, not ``"ayse"``); the birth date as ISO text and the id number
    normalised (or as its salted hash when linking used a salt).
Contact details (phone, e-mail)
    The most recent non-missing value, by ``last_contact`` (then ``signup_date``, then the
    record order when neither date is mapped: a later record counts as more recent), in normalised form (E.164, canonical e-mail),
    or its salted hash when linking used a salt.
Address (street number, address, city, postcode, region)
    All parts from one record, the one with the most address parts present; a tie goes to
    the most recently contacted record. Parts are shown as written.
Dates
    ``signup_date``: the earliest; ``last_contact``: the most recent.
Bookkeeping
    ``n_records``, ``record_ids`` (sorted, joined with ``"|"``) and ``sources`` (the sorted
    distinct sources, joined with ``"|"``) when a source column is mapped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_lib.identity.roles import ADDRESS_ROLES, CONTACT_ROLES

__all__ = ["golden_records", "IDENTITY_ROLES"]

#: Fields chosen by the most frequent value.
IDENTITY_ROLES: tuple[str, ...] = ("given_name", "family_name", "birth_date", "id_number")


def _recency(raw: pd.DataFrame) -> pd.Series:
    """A sortable recency per record: last contact, else sign-up, else the record order."""
    for role in ("last_contact", "signup_date"):
        if role in raw:
            stamp = pd.to_datetime(raw[role], errors="coerce")
            seconds = (stamp - pd.Timestamp("1970-01-01")).dt.total_seconds()
            return seconds.fillna(-np.inf)
    return pd.Series(np.arange(len(raw), dtype=float), index=raw.index)


def _joined(values: pd.Series, person: pd.Series) -> dict[object, str]:
    """Per person, its distinct values as text, sorted and joined with ``"|"``."""
    distinct: dict[object, set[str]] = {}
    for who, value in zip(person.to_numpy(), values.astype(str).to_numpy(), strict=True):
        distinct.setdefault(who, set()).add(value)
    return {who: "|".join(sorted(found)) for who, found in distinct.items()}


def golden_records(
    raw: pd.DataFrame,
    normalised: pd.DataFrame,
    person_id: pd.Series,
) -> pd.DataFrame:
    """One row per person by the rules in the module docstring.

    Parameters
    ----------
    raw : pandas.DataFrame
        The mapped columns as given, one column per role (``record_id`` included).
    normalised : pandas.DataFrame
        The normalised compared roles, aligned with ``raw`` (hashed where a salt was used).
    person_id : pandas.Series
        The person of each record, aligned with ``raw``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``person_id`` (in order of first appearance), with ``n_records``,
        ``record_ids``, the roles present and, when mapped, ``sources``.

    Examples
    --------
    >>> raw = pd.DataFrame({"record_id": [1, 2], "given_name": ["Ayşe", "AYSE"],
    ...                     "email": ["a@x.com", "A@X.COM"], "last_contact": ["2024-01-01", "2024-06-01"]})
    >>> norm = pd.DataFrame({"given_name": ["ayse", "ayse"], "email": ["a@x.com", "b@x.com"]})
    >>> gold = golden_records(raw, norm, pd.Series([1, 1]))
    >>> gold.loc[1, "given_name"], gold.loc[1, "email"]
    ('AYSE', 'b@x.com')
    """
    raw = raw.reset_index(drop=True)
    normalised = normalised.reset_index(drop=True)
    # persons as integer codes 0..k-1 in order of first appearance (fast grouping)
    codes, uniques = pd.factorize(pd.Series(person_id).to_numpy())
    person = pd.Series(codes)
    persons = np.arange(len(uniques))
    recency = _recency(raw)
    by_recent = np.lexsort((-np.arange(len(raw)), -recency.to_numpy()))
    out = pd.DataFrame(index=persons)
    out["n_records"] = np.bincount(codes, minlength=len(uniques))
    out["record_ids"] = pd.Series(_joined(raw["record_id"], person)).reindex(persons).to_numpy()
    if "source" in raw:
        out["sources"] = pd.Series(_joined(raw["source"], person)).reindex(persons).to_numpy()
    for role in IDENTITY_ROLES:
        if role not in raw:
            continue
        shown = raw[role] if role in ("given_name", "family_name") else normalised[role]
        frame = pd.DataFrame({"person": person, "key": normalised[role], "raw": shown})
        frame["count"] = frame.groupby(["person", "key"], dropna=False)["key"].transform("size")
        frame.loc[frame["key"].isna(), "count"] = 0
        frame["recency"] = recency
        best = frame.iloc[by_recent].sort_values("count", ascending=False, kind="stable")
        out[role] = best.drop_duplicates("person").set_index("person")["raw"].reindex(persons)
    for role in CONTACT_ROLES:
        if role in normalised:
            recent = normalised[role].iloc[by_recent]
            out[role] = recent.groupby(person.iloc[by_recent].to_numpy()).first().reindex(persons)
    parts = [r for r in ADDRESS_ROLES if r in raw]
    if parts:
        filled = raw[parts].notna().sum(axis=1).iloc[by_recent]
        order = filled.sort_values(ascending=False, kind="stable").index
        best = raw.loc[order, parts].assign(person=person.loc[order].to_numpy())
        out[parts] = best.drop_duplicates("person").set_index("person")[parts].reindex(persons)
    if "signup_date" in raw:
        out["signup_date"] = (
            pd.to_datetime(raw["signup_date"], errors="coerce").groupby(person).min()
        )
    if "last_contact" in raw:
        out["last_contact"] = (
            pd.to_datetime(raw["last_contact"], errors="coerce").groupby(person).max()
        )
    out.index = pd.Index(uniques, name="person_id")
    return out
