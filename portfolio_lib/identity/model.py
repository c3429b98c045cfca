"""The Splink model built from the roles present: comparisons, blocking rules, training.

:func:`build_settings` writes the Splink settings for whichever compared roles a table has
(:mod:`portfolio_lib.identity.roles`), so the same code serves any layout:

Comparisons (one per idea, so that correlated fields do not count twice)
    * ``name`` - given and family name together (when both are present): exact on both
      (with term-frequency adjustment on the full name, so a common name is weaker evidence),
      swapped given/family name, Jaro-Winkler >= 0.92 on both, Jaro-Winkler >= 0.88 on both
      or an initial (``"a"`` vs ``"ayse"``) with a close family name, exact family name,
      exact given name, anything else. With one name role only: Splink's ``NameComparison``.
    * ``birth_date`` - Splink's ``DateOfBirthComparison`` (exact, one typo, within a month,
      a year, ten years).
    * ``phone``, ``email`` - exact match of the normalised value (E.164, canonical
      e-mail). No level for a similar e-mail user name: user names are usually built from
      the person's name, so such a level would count the name twice; and edit distances
      on every sampled pair made the ``u`` estimation several times slower.
    * ``id_number`` - exact or one edit (a typo); exact only when hashed.
    * ``address`` - the parts present (street number, address line, postcode, city,
      region) as one comparison: same street address, close street address in the same
      postcode or city, same postcode, same city, same region, anything else.
Blocking rules (candidate pairs; a pair is scored when it agrees on one of these)
    Exact birth date; exact e-mail, phone or id number; exact given and family name; given
    and family name swapped; family name with postcode (or city); family name, city and the
    first letter of the given name (initials, nicknames); street number with postcode. Rules whose roles are absent are skipped.
Training
    The prior (share of matching pairs) from deterministic rules (same name and birth
    date, same e-mail, same id number) with an assumed recall of 0.8; the ``u``
    probabilities by random sampling of record pairs (``seed``); the ``m`` probabilities by
    expectation maximisation on one or more blocking rules chosen so that every comparison
    is estimated at least once (EM cannot learn a comparison from pairs blocked on it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

__all__ = [
    "build_settings",
    "comparison_roles",
    "blocking_rules",
    "training_rules",
    "deterministic_rules",
    "quiet_splink",
]

_ADDRESS_PARTS = ("street_number", "address", "postcode", "city", "region")


@contextmanager
def quiet_splink() -> Iterator[None]:
    """Silence Splink's progress messages and warnings about untrained levels.

    Examples
    --------
    >>> with quiet_splink():
    ...     pass
    """
    logger = logging.getLogger("splink")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    try:
        yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate


def _all(levels: Sequence[Any]) -> Any:
    """All of ``levels`` (one level as it is)."""
    return levels[0] if len(levels) == 1 else cll.And(*levels)


def _any(levels: Sequence[Any]) -> Any:
    """Any of ``levels`` (one level as it is)."""
    return levels[0] if len(levels) == 1 else cll.Or(*levels)


def _labelled(level: Any, label: str) -> Any:
    return level.configure(label_for_charts=label)


# Levels are built from Splink's level objects (not SQL text), so that the same settings
# render correctly in every backend (DuckDB, Spark).
def _name_comparison(roles: Sequence[str]) -> Any:
    if not {"given_name", "family_name"} <= set(roles):
        role = "given_name" if "given_name" in roles else "family_name"
        return cl.NameComparison(role, jaro_winkler_thresholds=[0.92, 0.88])
    g, f = "given_name", "family_name"
    jw = cll.JaroWinklerLevel
    initial = cll.And(
        cll.CustomLevel(f"length({g}_l) = 1 OR length({g}_r) = 1", base_dialect_str="duckdb"),
        cll.ExactMatchLevel(ColumnExpression(g).substr(1, 1)),
        jw(f, 0.92),
    )
    levels = [
        _labelled(cll.And(cll.NullLevel(g), cll.NullLevel(f)), "name missing"),
        cll.ExactMatchLevel("full_name").configure(
            tf_adjustment_column="full_name", label_for_charts="exact given and family name"
        ),
        _labelled(cll.ColumnsReversedLevel(g, f, symmetrical=True), "names swapped"),
        _labelled(cll.And(jw(g, 0.92), jw(f, 0.92)), "both names close (JW >= 0.92)"),
        _labelled(
            cll.Or(cll.And(jw(g, 0.88), jw(f, 0.88)), initial),
            "both names similar (JW >= 0.88) or an initial",
        ),
        cll.ExactMatchLevel(f).configure(
            tf_adjustment_column=f, label_for_charts="exact family name"
        ),
        cll.ExactMatchLevel(g).configure(
            tf_adjustment_column=g, label_for_charts="exact given name"
        ),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(levels, output_column_name="name")


def _address_comparison(roles: Sequence[str]) -> Any:
    parts = [p for p in _ADDRESS_PARTS if p in roles]
    area = [cll.ExactMatchLevel(p) for p in ("postcode", "city") if p in parts]
    levels: list[Any] = [_labelled(_all([cll.NullLevel(p) for p in parts]), "address missing")]
    if "address" in parts:
        number = [cll.ExactMatchLevel("street_number")] if "street_number" in parts else []
        in_area = [_any(area)] if area else []
        levels.append(
            _labelled(
                _all([cll.JaroWinklerLevel("address", 0.92), *number, *in_area]), "same address"
            )
        )
        levels.append(
            _labelled(_all([cll.JaroWinklerLevel("address", 0.8), *in_area]), "close address")
        )
    elif "street_number" in parts and area:
        levels.append(
            _labelled(_all([cll.ExactMatchLevel("street_number"), _any(area)]), "same number")
        )
    for part in ("postcode", "city", "region"):
        if part in parts:
            levels.append(_labelled(cll.ExactMatchLevel(part), f"same {part}"))
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name="address")


def comparison_roles(roles: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Which roles each comparison reads (comparison name -> roles), in model order.

    Examples
    --------
    >>> comparison_roles(["given_name", "family_name", "birth_date", "city"])
    {'name': ('given_name', 'family_name'), 'birth_date': ('birth_date',), 'address': ('city',)}
    """
    out: dict[str, tuple[str, ...]] = {}
    names = tuple(r for r in ("given_name", "family_name") if r in roles)
    if names:
        out["name"] = names
    for role in ("birth_date", "phone", "email", "id_number"):
        if role in roles:
            out[role] = (role,)
    parts = tuple(p for p in _ADDRESS_PARTS if p in roles)
    if parts:
        out["address"] = parts
    return out


def _comparisons(roles: Sequence[str], hashed: bool) -> list[Any]:
    out: list[Any] = []
    for name in comparison_roles(roles):
        if name == "name":
            out.append(_name_comparison(roles))
        elif name == "birth_date":
            out.append(cl.DateOfBirthComparison("birth_date", input_is_string=True))
        elif name in ("phone", "email") or (name == "id_number" and hashed):
            out.append(cl.ExactMatch(name))
        elif name == "id_number":
            out.append(cl.DamerauLevenshteinAtThresholds(name, [1]))
        else:
            out.append(_address_comparison(roles))
    return out


def blocking_rules(roles: Sequence[str]) -> list[Any]:
    """The blocking rules for the roles present (see the module docstring).

    Examples
    --------
    >>> len(blocking_rules(["given_name", "family_name", "birth_date"]))
    3
    """
    present = set(roles)
    rules: list[Any] = [
        block_on(r) for r in ("birth_date", "email", "phone", "id_number") if r in present
    ]
    if {"given_name", "family_name"} <= present:
        rules.append(block_on("given_name", "family_name"))
        rules.append(
            CustomRule(
                "l.given_name = r.family_name AND l.family_name = r.given_name",
                sql_dialect="duckdb",
            )
        )
    area = next((p for p in ("postcode", "city") if p in present), None)
    if "family_name" in present and area:
        rules.append(block_on("family_name", area))
    if {"given_name", "family_name", "city"} <= present:
        # an initial or a nickname (A. / Abdullah, Memo / Mehmet) in the same town
        rules.append(block_on("family_name", "city", ColumnExpression("given_name").substr(1, 1)))
    if {"street_number", "postcode"} <= present:
        rules.append(block_on("street_number", "postcode"))
    if not rules:  # names only, or address parts only: block on each present role
        rules = [block_on(r) for r in roles]
    return rules


def training_rules(roles: Sequence[str]) -> list[Any]:
    """EM blocking rules, chosen so that every comparison is estimated at least once.

    A comparison is estimated by a session whose blocking rule does not read it; rules are
    tried in the order birth date, given+family name, e-mail, phone, id number, postcode,
    city, and kept when they estimate a comparison not yet covered.

    Examples
    --------
    >>> [r for r in training_rules(["given_name", "family_name", "birth_date", "city"])]
    [['birth_date'], ['given_name', 'family_name']]
    """
    compared = comparison_roles(roles)
    candidates = [
        ["birth_date"],
        ["given_name", "family_name"],
        ["email"],
        ["phone"],
        ["id_number"],
        ["postcode"],
        ["city"],
        ["family_name"],
    ]
    chosen: list[list[str]] = []
    covered: set[str] = set()
    for rule in candidates:
        if not set(rule) <= set(roles):
            continue
        trains = {c for c, cols in compared.items() if not set(cols) & set(rule)}
        if trains - covered:
            chosen.append(rule)
            covered |= trains
        if covered == set(compared):
            break
    return chosen


def deterministic_rules(roles: Sequence[str]) -> list[Any]:
    """Rules that admit almost no false matches, for the prior (see the module docstring).

    Examples
    --------
    >>> len(deterministic_rules(["given_name", "family_name", "birth_date", "email"]))
    2
    """
    present = set(roles)
    rules: list[Any] = []
    if {"given_name", "family_name", "birth_date"} <= present:
        rules.append(block_on("given_name", "family_name", "birth_date"))
    rules += [block_on(r) for r in ("email", "id_number") if r in present]
    if not rules:
        rules.append(block_on(*roles))
    return rules


def build_settings(roles: Sequence[str], *, hashed: bool = False) -> SettingsCreator:
    """Splink settings (``dedupe_only``) for the compared roles present.

    Parameters
    ----------
    roles : sequence of str
        Compared roles present (see :data:`portfolio_lib.identity.roles.COMPARED_ROLES`).
    hashed : bool
        Whether e-mail, phone and id number are salted hashes (exact comparison only).

    Returns
    -------
    splink.SettingsCreator
        With ``unique_id`` as the record key and the intermediate columns (per-comparison
        match weights) retained for explanations.

    Examples
    --------
    >>> settings = build_settings(["given_name", "family_name", "birth_date"])
    >>> [c.create_output_column_name() for c in settings.comparisons]
    ['name', 'birth_date']
    """
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=_comparisons(roles, hashed),
        blocking_rules_to_generate_predictions=blocking_rules(roles),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        max_iterations=50,
    )
