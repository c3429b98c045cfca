"""Salted hashes of exact-match identifiers (e-mail, phone, id number).

An analyst who links records needs to know whether two e-mails are *equal*, not what they
are. :func:`hash_identifier` replaces a normalised identifier by a keyed SHA-256 digest
(HMAC-SHA-256 with the salt as key): equal inputs give equal hashes, so exact matching still
works, but the value cannot be read back, and without the salt it cannot be confirmed by
hashing guesses either. Keep the salt secret and the same for every table you want to link;
a new salt gives unrelated hashes.

Hashes support exact comparison only: a typo in a hashed e-mail is a different e-mail. That
is why :func:`portfolio_lib.identity.resolve` compares hashed identifiers with exact levels.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pandas as pd

from portfolio_lib import _validate

__all__ = ["hash_identifier", "hash_column"]


def _key(salt: str | bytes) -> bytes:
    if isinstance(salt, str):
        salt = salt.encode("utf-8")
    if not isinstance(salt, bytes) or not salt:
        raise ValueError("salt must be a non-empty str or bytes (keep it secret)")
    return salt


def hash_identifier(value: Any, salt: str | bytes) -> str | None:
    """The salted SHA-256 hash of one identifier (hex, 64 characters), None when missing.

    Parameters
    ----------
    value : str
        A *normalised* identifier (normalise first, e.g. with
        :func:`~portfolio_lib.identity.normalise.normalise_email`, so that two spellings of
        one address give one hash). Anything that is not a ``str`` counts as missing.
    salt : str or bytes
        The secret key, non-empty.

    Returns
    -------
    str or None
        64 lower-case hex digits, or None.

    Examples
    --------
    >>> h = hash_identifier("ayse@example.com", salt="s3cret")
    >>> len(h), h == hash_identifier("ayse@example.com", salt="s3cret")
    (64, True)
    >>> h == hash_identifier("ayse@example.com", salt="other")
    False
    """
    key = _key(salt)
    if not isinstance(value, str):
        return None
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def hash_column(values: pd.Series, salt: str | bytes) -> pd.Series:
    """:func:`hash_identifier` applied to a Series (missing values stay missing).

    Parameters
    ----------
    values : pandas.Series
        Normalised identifiers (a list or 1-D array is read as a Series; None or a DataFrame
        raise :class:`~portfolio_lib._errors.DataValidationError` naming ``values``).
    salt : str or bytes
        The secret key, non-empty.

    Returns
    -------
    pandas.Series
        Hex digests (object dtype), same index.

    Examples
    --------
    >>> hash_column(pd.Series(["a@b.co", None]), "k").str.len().tolist()
    [64.0, nan]
    """
    values = _validate.as_series(values, name="values")
    key = _key(salt)
    out = [hash_identifier(v, key) for v in values]
    return pd.Series(out, index=values.index, dtype=object, name=values.name)
