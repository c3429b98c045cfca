"""Normalisation before record linkage: Turkish-aware text, names, phones, e-mails, dates.

Two records of one person rarely agree character for character: ``"AYŞE YILMAZ"`` on a
loyalty card, ``"Ayse Yilmaz"`` typed on an English keyboard, ``"ayşe yılmaz "`` from the app.
Linkage compares *normalised* values, built in two steps:

1. :func:`fold_case` lower-cases with the Turkish rules (``"İ" -> "i"``, ``"I" -> "ı"``), so
   ``"İSMAİL" -> "ismail"`` and ``"IŞIK" -> "ışık"`` (Python's ``str.lower`` gives
   ``"i̇smai̇l"`` and ``"işik"``).
2. :func:`to_ascii` transliterates (ş→s, ı→i, ğ→g, ü→u, ö→o, ç→c, accents dropped), so that a
   name typed without Turkish letters compares equal to the same name typed with them.

Phones become E.164 (``"+905321234567"``) and e-mails a canonical form; a value that cannot be
read becomes missing (``None``), never a wrong value. The functions take one value (a ``str``,
or anything else, which counts as missing); :func:`normalise_column` applies one of them to a
pandas Series.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import pandas as pd

__all__ = [
    "TITLES",
    "fold_case",
    "to_ascii",
    "normalise_name",
    "normalise_text",
    "normalise_phone",
    "normalise_email",
    "normalise_birth_date",
    "normalise_column",
]

#: Titles and honorifics removed from names (compared after :func:`to_ascii`): Turkish
#: (sayın, bay, bayan, bey, hanım, doç., prof., dr., av., müh.) and English ones.
TITLES: frozenset[str] = frozenset(
    {
        "sn", "sayin", "bay", "bayan", "bey", "hanim", "hn", "dr", "doc", "prof", "av", "muh",
        "mr", "mrs", "ms", "miss", "mx", "sir",
    }
)  # fmt: skip

# Letters without a Unicode decomposition to an ASCII base letter.
_ASCII_LETTERS = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae"})
_NON_WORD = re.compile(r"[^0-9a-z]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def _text(value: Any) -> str | None:
    """``value`` as a string, or None when it is missing or not text."""
    if isinstance(value, str):
        return value
    return None


def fold_case(value: Any) -> str | None:
    """Lower-case ``value`` with the Turkish rules for the dotted and dotless i.

    ``"İ"`` becomes ``"i"`` and ``"I"`` becomes ``"ı"`` (dotless); every other letter is
    lower-cased as by :meth:`str.lower`. Letters are kept as they are otherwise (no
    transliteration: see :func:`to_ascii`).

    Parameters
    ----------
    value : str
        Text; anything that is not a ``str`` (``None``, ``NaN``, numbers) counts as missing.

    Returns
    -------
    str or None
        The folded text, or None for a missing value.

    Examples
    --------
    >>> fold_case("İSMAİL"), fold_case("IŞIK"), fold_case("Çağrı")
    ('ismail', 'ışık', 'çağrı')
    """
    text = _text(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text)
    return text.replace("İ", "i").replace("I", "ı").lower()


def to_ascii(value: Any) -> str | None:
    """Transliterate ``value`` to ASCII for comparison (ş→s, ı→i, ğ→g, ü→u, ö→o, ç→c).

    Accents are dropped (``"â" -> "a"``); characters with no ASCII form (other scripts,
    symbols) are removed. Case is kept: fold first with :func:`fold_case`.

    Parameters
    ----------
    value : str
        Text; anything that is not a ``str`` counts as missing.

    Returns
    -------
    str or None
        ASCII text, or None for a missing value.

    Examples
    --------
    >>> to_ascii("şığüöç ŞĞÜÖÇ"), to_ascii("Kâzım")
    ('siguoc SGUOC', 'Kazim')
    """
    text = _text(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKD", text.translate(_ASCII_LETTERS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_ASCII_LETTERS).encode("ascii", "ignore").decode("ascii")


def normalise_text(value: Any) -> str | None:
    """Fold, transliterate, drop punctuation and collapse spaces (addresses, cities).

    Parameters
    ----------
    value : str
        Text; anything that is not a ``str`` counts as missing.

    Returns
    -------
    str or None
        Lower-case ASCII words (``[0-9a-z]``) separated by one space; None when missing or
        when nothing is left.

    Examples
    --------
    >>> normalise_text("  Atatürk Cad.  No:12/3, ÇANKAYA ")
    'ataturk cad no 12 3 cankaya'
    """
    ascii_text = to_ascii(fold_case(value))
    if ascii_text is None:
        return None
    words = _NON_WORD.sub(" ", ascii_text).split()
    return " ".join(words) or None


def normalise_name(value: Any) -> str | None:
    """Normalise a personal name: :func:`normalise_text` without titles (:data:`TITLES`).

    Titles are removed wherever they stand (``"Dr. Ayşe"``, ``"Ali Bey"``); a name made only
    of titles is kept as it is. The result is idempotent: normalising it again changes
    nothing.

    Parameters
    ----------
    value : str
        A given name, a family name or a full name.

    Returns
    -------
    str or None
        Lower-case ASCII words, or None when missing.

    Examples
    --------
    >>> normalise_name("Sn. Dr. AYŞE-NUR  Yılmaz"), normalise_name("Ali Bey")
    ('ayse nur yilmaz', 'ali')
    """
    text = normalise_text(value)
    if text is None:
        return None
    words = text.split()
    kept = [w for w in words if w not in TITLES]
    return " ".join(kept or words)


def normalise_phone(value: Any, *, country_code: str = "90") -> str | None:
    """A phone number in E.164 (``"+905321234567"``), or None when it cannot be read.

    Spaces, dashes, dots, slashes and parentheses are ignored. For Turkey (the default
    ``country_code="90"``) the accepted national forms are the 10-digit national number
    (``"532 123 45 67"``), with the trunk ``0`` (``"0532 123 45 67"``), or with ``90``,
    ``+90`` or ``0090`` in front; the national number must start with 2, 3, 4 or 5 (landlines
    and mobiles). A number written with another international prefix (``"+44 20 7946 0958"``)
    is kept as E.164 when it has 8 to 15 digits. Anything else (letters, too few or too many
    digits, a national number starting with 0, 1 or 6-9) is missing: a phone is never
    guessed.

    Parameters
    ----------
    value : str or int
        The number as written. An integer is read as its digits (``5321234567``).
    country_code : str
        The country of numbers written without an international prefix.

    Returns
    -------
    str or None
        ``"+"`` followed by the country code and the national number, or None.

    Examples
    --------
    >>> normalise_phone("0 (532) 123-45-67"), normalise_phone("+90 532 123 45 67")
    ('+905321234567', '+905321234567')
    >>> normalise_phone("532 123 45 6") is None
    True
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    text = _text(value)
    if text is None:
        return None
    compact = re.sub(r"[\s\-./()]", "", text)
    if not re.fullmatch(r"\+?\d+", compact):
        return None
    international = compact.startswith(("+", "00"))
    digits = compact.lstrip("+")
    if compact.startswith("00"):
        digits = compact[2:]
    if international and not digits.startswith(country_code):
        return f"+{digits}" if 8 <= len(digits) <= 15 and digits[0] != "0" else None
    if international:
        national = digits[len(country_code) :]
    elif len(digits) == 10 + len(country_code) and digits.startswith(country_code):
        national = digits[len(country_code) :]
    elif len(digits) == 11 and digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    if country_code == "90" and not re.fullmatch(r"[2-5]\d{9}", national):
        return None
    if country_code != "90" and not 6 <= len(national) + len(country_code) <= 15:
        return None
    return f"+{country_code}{national}"


def normalise_email(value: Any, *, provider_rules: bool = True) -> str | None:
    """A canonical e-mail address: trimmed, lower-case, checked for one ``@`` and a domain.

    With ``provider_rules=True`` (the default) Gmail addresses (``gmail.com``,
    ``googlemail.com``) drop the dots and the ``+tag`` of the user name, because Gmail
    delivers ``a.yilmaz+shop@gmail.com`` to ``ayilmaz@gmail.com``; ``googlemail.com`` becomes
    ``gmail.com``. Other providers are left as written (for most of them the dots matter).

    Parameters
    ----------
    value : str
        The address as written.
    provider_rules : bool
        Apply the Gmail rules above.

    Returns
    -------
    str or None
        The canonical address, or None when missing or not an address.

    Examples
    --------
    >>> normalise_email("  A.Yilmaz+shop@GoogleMail.com ")
    'ayilmaz@gmail.com'
    >>> normalise_email("ayse.yilmaz@firma.com.tr"), normalise_email("no-at-sign")
    ('ayse.yilmaz@firma.com.tr', None)
    """
    text = _text(value)
    if text is None:
        return None
    address = text.strip().lower()
    if not _EMAIL.match(address):
        return None
    user, domain = address.rsplit("@", 1)
    if provider_rules and domain in _GMAIL_DOMAINS:
        user = user.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
        if not user:
            return None
    return f"{user}@{domain}"


def normalise_birth_date(value: Any) -> str | None:
    """A date of birth as ISO text ``"YYYY-MM-DD"``, or None when it cannot be read.

    Read: dates and timestamps, ISO text (``"1985-03-07"``), ``yyyymmdd`` text or integer
    (``"19850307"``) and day-first text with dots (``"07.03.1985"``, the Turkish way). Text
    with slashes (``"03/07/1985"``) is missing, because only the writer knows whether it is
    March or July; convert such a column yourself with ``pd.to_datetime(..., format=...)``.

    Parameters
    ----------
    value : str, int, datetime-like
        The date as stored.

    Returns
    -------
    str or None
        ``"YYYY-MM-DD"``, or None.

    Examples
    --------
    >>> normalise_birth_date("19850307"), normalise_birth_date("07.03.1985")
    ('1985-03-07', '1985-03-07')
    >>> normalise_birth_date("03/07/1985") is None
    True
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        value = str(value)
    formats = {
        r"\d{4}-\d{2}-\d{2}": "%Y-%m-%d",
        r"\d{8}": "%Y%m%d",
        r"\d{1,2}\.\d{1,2}\.\d{4}": "%d.%m.%Y",
    }
    if isinstance(value, str):
        text = value.strip()
        text = text[:10] if re.match(r"\d{4}-\d{2}-\d{2}[T ]", text) else text
        fmt = next((f for pattern, f in formats.items() if re.fullmatch(pattern, text)), None)
        if fmt is None:
            return None
        stamp = pd.to_datetime(text, format=fmt, errors="coerce")
    else:
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError):
            return None
    if pd.isna(stamp):
        return None
    return f"{stamp.year:04d}-{stamp.month:02d}-{stamp.day:02d}"


def normalise_column(values: pd.Series, normaliser: Callable[[Any], str | None]) -> pd.Series:
    """Apply one normaliser to a Series, caching repeated values (object dtype out).

    Parameters
    ----------
    values : pandas.Series
        The raw column.
    normaliser : callable
        One of the ``normalise_*`` functions (or any function of one value).

    Returns
    -------
    pandas.Series
        Same index; missing values are ``None``.

    Examples
    --------
    >>> normalise_column(pd.Series(["İZMİR", None, "izmir"]), normalise_text).tolist()
    ['izmir', None, 'izmir']
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [normaliser(u) for u in uniques]
    out = [mapped[c] if c >= 0 else None for c in codes]
    return pd.Series(out, index=values.index, dtype=object, name=values.name)
