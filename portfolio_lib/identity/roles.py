"""Column roles: how any person table is read by :func:`portfolio_lib.identity.resolve`.

``columns`` maps a *role* (what a column means) to the table's column name, so one linkage
model works on any layout by mapping alone. A role may also map to a list of columns, which
are joined with a space (two address lines). Roles absent from the mapping are skipped.

=============  =====================================================  ====================
role           normalised with                                        compared as
=============  =====================================================  ====================
record_id      (kept as it is; required, unique, not missing)         -
given_name     :func:`~.normalise.normalise_name`                     name (Jaro-Winkler)
family_name    :func:`~.normalise.normalise_name`                     name (Jaro-Winkler)
birth_date     :func:`~.normalise.normalise_birth_date`               date of birth
phone          :func:`~.normalise.normalise_phone` (E.164)            exact
email          :func:`~.normalise.normalise_email`                    exact
street_number  :func:`~.normalise.normalise_text`                     address (one
address        :func:`~.normalise.normalise_text`                     comparison of the
city           :func:`~.normalise.normalise_text`                     parts present:
postcode       :func:`~.normalise.normalise_text`                     Jaro-Winkler and
region         :func:`~.normalise.normalise_text`                     exact levels)
id_number      :func:`~.normalise.normalise_text` (no spaces)         exact / 1 edit
source         (kept; described in the golden record)                 -
signup_date    dates (survivorship: earliest sign-up)                 -
last_contact   dates (survivorship: most recent contact details)      -
=============  =====================================================  ====================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from portfolio_lib._errors import DataValidationError, format_examples, raise_for_rows
from portfolio_lib.identity.normalise import (
    normalise_birth_date,
    normalise_column,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_text,
)

__all__ = [
    "COMPARED_ROLES",
    "IDENTIFIER_ROLES",
    "ADDRESS_ROLES",
    "CONTACT_ROLES",
    "DATE_ROLES",
    "ROLES",
    "Prepared",
    "prepare_records",
]


def _normalise_id_number(value: Any) -> str | None:
    text = normalise_text(value if not isinstance(value, int) else str(value))
    return text.replace(" ", "") if text else None


#: Roles that take part in the comparison, with their normaliser (in model order).
COMPARED_ROLES: dict[str, Callable[[Any], str | None]] = {
    "given_name": normalise_name,
    "family_name": normalise_name,
    "birth_date": normalise_birth_date,
    "phone": normalise_phone,
    "email": normalise_email,
    "street_number": normalise_text,
    "address": normalise_text,
    "city": normalise_text,
    "postcode": normalise_text,
    "region": normalise_text,
    "id_number": _normalise_id_number,
}
#: Exact-match identifiers: hashed when ``resolve`` gets a ``salt``.
IDENTIFIER_ROLES: tuple[str, ...] = ("phone", "email", "id_number")
#: The parts of an address (survivorship: taken together from the most complete record).
ADDRESS_ROLES: tuple[str, ...] = ("street_number", "address", "city", "postcode", "region")
#: Contact details (survivorship: the most recent non-missing value).
CONTACT_ROLES: tuple[str, ...] = ("phone", "email")
#: Date roles used by survivorship only.
DATE_ROLES: tuple[str, ...] = ("signup_date", "last_contact")
#: Every role ``columns`` may name.
ROLES: tuple[str, ...] = ("record_id", *COMPARED_ROLES, "source", *DATE_ROLES)


@dataclass(frozen=True)
class Prepared:
    """The records as the model sees them.

    Attributes
    ----------
    raw : pandas.DataFrame
        One column per mapped role (lists of columns joined), in input order, with a
        ``record_id`` column; values as given.
    normalised : pandas.DataFrame
        ``unique_id`` (0..n-1, the row position) and one normalised column per compared
        role present; missing values are None.
    roles : tuple of str
        The compared roles present, in model order.
    unreadable : dict
        Per compared role, how many non-missing raw values could not be normalised (e.g. a
        phone with too few digits) and became missing.
    """

    raw: pd.DataFrame
    normalised: pd.DataFrame
    roles: tuple[str, ...]
    unreadable: dict[str, int]


def _check_mapping(records: pd.DataFrame, columns: Mapping[str, str | Sequence[str]]) -> None:
    if not isinstance(records, pd.DataFrame):
        raise DataValidationError(
            f"records must be a pandas DataFrame, got {type(records).__name__}"
        )
    if not isinstance(columns, Mapping):
        raise DataValidationError(
            "columns must map roles to column names, e.g. "
            "{'record_id': 'id', 'given_name': 'first_name'}; "
            f"got {type(columns).__name__}"
        )
    unknown = [role for role in columns if role not in ROLES]
    if unknown:
        raise DataValidationError(f"columns: unknown role(s) {unknown}; roles are {list(ROLES)}")
    if "record_id" not in columns:
        raise DataValidationError("columns must map the role 'record_id' to the id column")
    compared = [role for role in columns if role in COMPARED_ROLES]
    if len(compared) < 2:
        raise DataValidationError(
            f"columns maps {len(compared)} compared role(s) {compared}: at least two are "
            f"needed (one to find candidate pairs, one to score them); compared roles are "
            f"{list(COMPARED_ROLES)}"
        )
    names = [c for value in columns.values() for c in _as_list(value)]
    missing = [c for c in names if c not in records.columns]
    if missing:
        mapped = {r: v for r, v in columns.items() if set(_as_list(v)) & set(missing)}
        raise DataValidationError(
            f"records is missing mapped column(s) {missing} (roles {mapped}); "
            f"columns present: {list(records.columns)}"
        )
    if records.empty:
        raise DataValidationError(
            f"records is empty: there is nothing to link (columns present: {list(records.columns)})"
        )


def _as_list(value: str | Sequence[str]) -> list[str]:
    """One column name (any hashable label) or a list/tuple of them, as a list."""
    return list(value) if isinstance(value, (list, tuple)) else [value]  # type: ignore[list-item]


def _role_values(records: pd.DataFrame, spec: str | Sequence[str]) -> pd.Series:
    """One column, or several joined with a space (missing parts skipped)."""
    names = _as_list(spec)
    if len(names) == 1:
        return records[names[0]]
    parts = records[names].astype("string")
    joined = parts.apply(lambda row: " ".join(v for v in row if isinstance(v, str) and v), axis=1)
    return joined.where(joined != "", None).astype(object)


def prepare_records(records: pd.DataFrame, columns: Mapping[str, str | Sequence[str]]) -> Prepared:
    """Check ``records`` against the mapping and normalise every compared role.

    Parameters
    ----------
    records : pandas.DataFrame
        One row per record.
    columns : mapping of str to str or list of str
        Role -> column name(s); see the module table for the roles.

    Returns
    -------
    Prepared

    Raises
    ------
    DataValidationError
        Unknown roles, fewer than two compared roles, mapped columns missing from the table,
        an empty table, missing or repeated record ids, a mapped column with no value at all,
        or a compared column none of whose values can be read.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": [1, 2], "ad": ["AYŞE", "Ayse"], "tel": ["0532 123 45 67", "5321234567"]})
    >>> prep = prepare_records(frame, {"record_id": "id", "given_name": "ad", "phone": "tel"})
    >>> prep.normalised[["given_name", "phone"]].values.tolist()
    [['ayse', '+905321234567'], ['ayse', '+905321234567']]
    """
    _check_mapping(records, columns)
    table = records.reset_index(drop=True)
    raw = pd.DataFrame({role: _role_values(table, spec) for role, spec in columns.items()})
    ids = raw["record_id"]
    id_col = _as_list(columns["record_id"])[0]
    raise_for_rows(
        table, ids.isna(), column=id_col, problem="has missing record ids", name="records"
    )
    raise_for_rows(
        table,
        ids.duplicated(keep=False),
        column=id_col,
        problem="repeats record ids (each record needs its own id)",
        name="records",
    )
    for role, spec in columns.items():
        if role != "record_id" and raw[role].isna().all():
            raise DataValidationError(
                f"records: column {_as_list(spec)} (role {role!r}) has no value at all; "
                "drop it from columns or fill it. Example rows:\n"
                + format_examples(table[[id_col, *_as_list(spec)]])
            )
    roles = tuple(role for role in COMPARED_ROLES if role in columns)
    normalised = pd.DataFrame({"unique_id": range(len(raw))})
    unreadable: dict[str, int] = {}
    for role in roles:
        values = normalise_column(raw[role], COMPARED_ROLES[role])
        lost = raw[role].notna().to_numpy() & values.isna().to_numpy()
        if lost.sum() == raw[role].notna().sum():
            raise DataValidationError(
                f"records: no value of column {_as_list(columns[role])} (role {role!r}) can be "
                f"read as a {role.replace('_', ' ')}; example rows:\n"
                + format_examples(table.loc[lost, [id_col, *_as_list(columns[role])]])
            )
        unreadable[role] = int(lost.sum())
        normalised[role] = values.to_numpy()
    return Prepared(raw=raw, normalised=normalised, roles=roles, unreadable=unreadable)
