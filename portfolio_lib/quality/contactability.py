"""Contact information and consent as part of the customer record (iletişim bilgileri, izin).

A customer can be reached on a channel only when two things hold at once: the record holds a
*usable contact detail* for the channel (a readable e-mail address, a mobile number, ...) and
the customer *consented* to the channel (KVKK/GDPR: no consent, no message). A campaign's
real audience is the intersection; :func:`contact_reachability` counts it per channel, with a
Wilson interval, and splits the rest into what is missing: the detail, the consent or both.

Which detail a channel needs (:data:`CHANNEL_DETAILS`):

* ``email`` - an address :func:`portfolio_lib.identity.normalise.normalise_email` can read;
* ``sms`` - a Turkish mobile number (:func:`~portfolio_lib.identity.normalise.normalise_phone`
  gives ``+905...``);
* ``phone`` - any number ``normalise_phone`` can read (landline or mobile);
* ``app`` - a record created in the app (``source == "app"``: the customer has the app).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import DataValidationError, raise_for_rows
from portfolio_lib._intervals import wilson_interval
from portfolio_lib._results import ResultSummary, SettingsResult
from portfolio_lib.identity.normalise import normalise_column, normalise_email, normalise_phone

__all__ = ["CHANNEL_DETAILS", "Contactability", "contact_reachability"]

#: Channel -> the detail it needs on a record (see the module docstring).
CHANNEL_DETAILS: dict[str, str] = {"email": "email", "sms": "mobile", "phone": "phone",
                                   "app": "app"}  # fmt: skip
#: The records' column each kind of detail is read from.
_DETAIL_COLUMN = {"email": "email", "mobile": "phone", "phone": "phone", "app": "source"}


@dataclass(frozen=True, repr=False, eq=False)
class Contactability(SettingsResult):
    """Who can be reached on which channel (what :func:`contact_reachability` returns).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per channel (index ``channel``): ``customers``, ``with_detail`` (a usable
        detail), ``consented``, ``reachable`` (both; counts of customers), ``share`` (reachable
        / customers) with ``ci_low``/``ci_high`` (Wilson), the gaps ``consent_no_detail``,
        ``detail_no_consent`` and ``neither`` (counts; with ``reachable`` they add up to
        ``customers``), and ``decision`` (text).
    per_customer : pandas.DataFrame
        One row per customer (index ``customer_id``): ``<channel>_detail``,
        ``<channel>_consent`` and ``<channel>_reachable`` (bool), and ``any_reachable``.
    confidence : float
        Level of the intervals (0.95 means 95 %).
    min_share : float
        Reachable share from which a channel counts as usable for a campaign (fraction).
    """

    table: pd.DataFrame
    confidence: float
    min_share: float
    per_customer: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _row_name = "channels"

    @property
    def usable_channels(self) -> list[str]:
        """Channels whose reachable share is at least ``min_share``, best first."""
        usable = self.table[self.table["share"] >= self.min_share]
        return usable.sort_values("share", ascending=False).index.tolist()

    def summary(self) -> ResultSummary:
        """Reachable share per channel, reachable on any channel, the usable channels."""
        rows = [("customers", f"{int(self.table['customers'].iloc[0]):,}")]
        rows += [
            (f"reachable by {ch}", f"{r.share:.1%} [{r.ci_low:.1%}, {r.ci_high:.1%}]")
            for ch, r in self.table.iterrows()
        ]
        anyone = self.per_customer["any_reachable"]
        rows.append(("reachable on some channel", f"{anyone.mean():.1%}"))
        rows.append(("usable for a campaign", ", ".join(self.usable_channels) or "none"))
        note = (
            f"Reachable = a usable contact detail and consent; intervals are "
            f"{self.confidence:.0%} Wilson intervals; a channel is usable from a reachable "
            f"share of {self.min_share:.0%}."
        )
        return ResultSummary("Contactability per channel (iletişim bilgileri, izin)",
                             tuple(rows), (note,))  # fmt: skip


def _detail_flags(records: pd.DataFrame, detail: str) -> pd.Series:
    """True where a record holds a usable detail of kind ``detail``."""
    column = records[_DETAIL_COLUMN[detail]]
    if detail == "app":
        return column.astype("string").str.strip().str.lower().eq("app").fillna(False)
    if detail == "email":
        return normalise_column(column, normalise_email).notna()
    phones = normalise_column(column, normalise_phone)
    if detail == "mobile":
        return phones.astype("string").str.startswith("+905").fillna(False)
    return phones.notna()


def _decision(row: pd.Series, min_share: float) -> str:
    if row["share"] >= min_share:
        return "usable"
    if row["consent_no_detail"] > row["detail_no_consent"]:
        return "collect contact details first"
    return "ask for consent first"


def contact_reachability(
    customers: pd.DataFrame,
    records: pd.DataFrame,
    *,
    channels: Sequence[str] | None = None,
    confidence: float = 0.95,
    min_share: float = 0.3,
) -> Contactability:
    """Per channel, the share of customers a campaign can reach: contact detail AND consent.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer: ``customer_id`` and ``consent_<channel>`` (True/False) for each
        channel.
    records : pandas.DataFrame
        Customer records (several per customer allowed): ``customer_id`` and the columns the
        channels read - ``email``, ``phone`` (as typed; read by the identity normalisers),
        ``source`` (for ``app``). A customer has a detail when any of their records has one;
        a customer without records has none. A record of a customer not in ``customers``
        is an error (it would otherwise vanish from the counts).
    channels : sequence of str, optional
        Channels to count, keys of :data:`CHANNEL_DETAILS`; default every channel with a
        ``consent_<channel>`` column in ``customers``.
    confidence : float
        Level of the Wilson intervals (0.95 means 95 %).
    min_share : float
        Reachable share (fraction, 0-1) from which a channel is ``usable``; below it the
        decision names the larger gap (``collect contact details first`` or ``ask for
        consent first``).

    Returns
    -------
    Contactability
        ``table`` per channel (counts of customers, shares as fractions), ``per_customer``
        flags, ``summary()``.

    Raises
    ------
    DataValidationError
        No customers, a missing column, a repeated ``customer_id`` in ``customers``, a
        consent that is not True/False, a record of an unknown customer, an unknown channel.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                           "consent_email": [True, True, False]})
    >>> records = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                         "email": ["a@x.com", "not an address", "c@x.com"]})
    >>> reach = contact_reachability(customers, records)
    >>> reach.table.loc["email", ["reachable", "consent_no_detail", "detail_no_consent"]].tolist()
    [1, 1, 1]
    """
    _validate.table(customers, name="customers", columns=["customer_id"])
    _validate.table(records, name="records", columns=["customer_id"])
    if customers.empty:
        raise DataValidationError("customers has no rows: there is no one to reach")
    level = _validate.confidence(confidence)
    if not isinstance(min_share, int | float) or not 0.0 <= float(min_share) <= 1.0:
        raise DataValidationError(
            f"min_share must be a fraction between 0 and 1, got {min_share!r}"
        )
    if channels is None:
        channels = [ch for ch in CHANNEL_DETAILS if f"consent_{ch}" in customers.columns]
        if not channels:
            expected = ", ".join(f"consent_{ch}" for ch in CHANNEL_DETAILS)
            raise DataValidationError(
                f"customers has no consent column ({expected}); "
                f"columns present: {list(customers.columns)}"
            )
    unknown = [ch for ch in channels if ch not in CHANNEL_DETAILS]
    if unknown:
        raise DataValidationError(f"unknown channel(s) {unknown}; known: {list(CHANNEL_DETAILS)}")
    consent_cols = [f"consent_{ch}" for ch in channels]
    _validate.table(customers, name="customers", columns=consent_cols)
    detail_cols = sorted({_DETAIL_COLUMN[CHANNEL_DETAILS[ch]] for ch in channels})
    _validate.table(records, name="records", columns=detail_cols)
    raise_for_rows(customers, customers["customer_id"].isna(), column="customer_id",
                   problem="is missing", name="customers")  # fmt: skip
    raise_for_rows(customers, customers["customer_id"].duplicated(keep=False),
                   column="customer_id", problem="repeats a customer", name="customers")  # fmt: skip
    for col in consent_cols:
        raise_for_rows(customers, ~customers[col].isin([True, False]), column=col,
                       problem="must be True/False", name="customers")  # fmt: skip
    ids = pd.Index(customers["customer_id"], name="customer_id")
    raise_for_rows(records, ~records["customer_id"].isin(ids), column="customer_id",
                   problem="names a customer not in customers", name="records")  # fmt: skip

    flags: dict[str, np.ndarray] = {}
    rows = []
    for ch in channels:
        has = _detail_flags(records, CHANNEL_DETAILS[ch]).to_numpy(dtype=bool)
        with_detail = ids.isin(records.loc[has, "customer_id"])
        consented = customers[f"consent_{ch}"].astype(bool).to_numpy()
        reachable = with_detail & consented
        flags |= {f"{ch}_detail": with_detail, f"{ch}_consent": consented,
                  f"{ch}_reachable": reachable}  # fmt: skip
        rows.append({
            "channel": ch, "customers": len(ids), "with_detail": int(with_detail.sum()),
            "consented": int(consented.sum()), "reachable": int(reachable.sum()),
            "consent_no_detail": int((consented & ~with_detail).sum()),
            "detail_no_consent": int((with_detail & ~consented).sum()),
            "neither": int((~consented & ~with_detail).sum()),
        })  # fmt: skip
    table = pd.DataFrame(rows).set_index("channel")
    n = table["customers"].to_numpy(float)  # > 0: customers without rows were refused
    table.insert(4, "share", table["reachable"] / n)
    low, high = wilson_interval(table["reachable"].to_numpy(), n, level)
    table.insert(5, "ci_low", low)
    table.insert(6, "ci_high", high)
    table["decision"] = [_decision(row, float(min_share)) for _, row in table.iterrows()]
    per_customer = pd.DataFrame(flags, index=ids)
    per_customer["any_reachable"] = per_customer.filter(like="_reachable").any(axis=1)
    return Contactability(table=table, confidence=level, min_share=float(min_share),
                          per_customer=per_customer)  # fmt: skip
