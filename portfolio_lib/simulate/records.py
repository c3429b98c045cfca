"""Customer *records*: the sample company's people as its source systems hold them (issue 18).

A real CRM does not hold persons but records: a store loyalty card, a web account, an app
login, a call-centre entry. :func:`simulate_customer_records` draws them for the customers of
:func:`~portfolio_lib.simulate.simulate_crm`: one record per person, and for a share
``duplicate_rate`` of the persons 2-4 records with the variation real data have (typos,
Turkish letters typed as ASCII, upper case, initials and nicknames, swapped names, missing
fields, a new e-mail or phone, a moved address, phones written several ways). The true person
of every record is kept (:attr:`CustomerRecords.person_id`), so that a record-linkage method
(:mod:`portfolio_lib.identity`) can be scored. :func:`attribute_transactions` books every
transaction on one of its buyer's records by a documented rule, so that KPIs can be computed
on records (as an unresolved CRM would) and on persons.

The records use their **own** random generator, derived from ``seed`` (spawn key
:data:`RECORDS_SPAWN_KEY`), and read the customers without changing them: every table of
:func:`~portfolio_lib.simulate.simulate_crm` is unchanged. The names, streets and cities come
from ``portfolio_lib/data/turkish_names.toml``; data/README.md documents every probability.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from portfolio_lib._errors import DataValidationError, format_examples, require_columns
from portfolio_lib.crm import conform
from portfolio_lib.quality.schemas import (
    CUSTOMER_RECORDS,
    EVENT_RECORDS,
    RECORD_SCHEMAS,
    RECORD_SOURCES,
    TRANSACTION_RECORDS,
)

__all__ = [
    "CHANGE_PROBS",
    "N_RECORDS_PROBS",
    "RECORDS_SPAWN_KEY",
    "SOURCES",
    "SOURCE_PROBS",
    "ID_NUMBER_PROBS",
    "VARIATION_PROBS",
    "CustomerRecords",
    "EVENT_BOOKING",
    "attribute_events",
    "attribute_transactions",
    "read_event_records",
    "name_lists",
    "read_records",
    "records_for",
    "simulate_customer_records",
    "write_records",
    "turkish_fold",
    "turkish_upper",
]

#: Spawn key of the records' generator: ``SeedSequence(seed, spawn_key=(RECORDS_SPAWN_KEY,))``,
#: far from the keys 0, 1, ... that :func:`~portfolio_lib.simulate.simulate_crm` spawns.
RECORDS_SPAWN_KEY = 18_000
#: Source systems and the probability that a record comes from each.
SOURCES: tuple[str, ...] = RECORD_SOURCES
SOURCE_PROBS: tuple[float, ...] = (0.35, 0.30, 0.20, 0.15)
#: Probability that a record of a source holds the national id number (often missing).
ID_NUMBER_PROBS: dict[str, float] = {
    "store card": 0.5,
    "web": 0.1,
    "app": 0.15,
    "call centre": 0.35,
}
#: Number of records of a duplicated person.
N_RECORDS_PROBS: dict[int, float] = {2: 0.70, 3: 0.22, 4: 0.08}
#: Per-record probability of each variation at ``messiness=1`` (scaled by ``messiness``,
#: capped at 1). Every record can be affected, the first one of a person too.
VARIATION_PROBS: dict[str, float] = {
    "fold": 0.20,  # Turkish letters typed as ASCII (ş->s, ı->i, ğ->g, ü->u, ö->o, ç->c)
    "upper": 0.12,  # names and address in upper case (Turkish: i->İ, ı->I)
    "typo": 0.10,  # one typing error in the given or the family name
    "initial": 0.04,  # given name as an initial ("M.")
    "nickname": 0.05,  # nickname (Mehmet -> Memo) or the first of two given names
    "swap": 0.03,  # given and family name swapped
    "birth_date_error": 0.03,  # day and month swapped, or one day off
    "missing_birth_date": 0.08,
    "missing_phone": 0.10,
    "missing_email": 0.10,
    "missing_address": 0.08,  # street number, street and postcode missing
    "missing_postcode": 0.06,
}
#: Per *additional* record of a person, at ``messiness=1``: the person's details changed
#: between the records (the new record holds the new value).
CHANGE_PROBS: dict[str, float] = {"email": 0.30, "phone": 0.10, "moved": 0.15}
#: Sales channel of a transaction -> the source whose record it is booked on, if the person has one.
CHANNEL_SOURCE: dict[str, str] = {"store": "store card", "online": "web", "app": "app"}

_FOLD = str.maketrans("şŞıİğĞüÜöÖçÇ", "sSiIgGuUoOcC")
_PHONE_FORMATS = (
    "+90 {a} {b} {c} {d}",
    "0{a} {b} {c} {d}",
    "0{a}{b}{c}{d}",
    "+90{a}{b}{c}{d}",
    "({a}) {b} {c}{d}",
    "0 {a} {b} {c} {d}",
)
_LETTERS = "abcçdefgğhıijklmnoöprsştuüvyz"


def turkish_fold(text: str) -> str:
    """``text`` with the Turkish letters typed as their ASCII look-alikes.

    Examples
    --------
    >>> turkish_fold("Şükrü Çağlayan Işık")
    'Sukru Caglayan Isik'
    """
    return text.translate(_FOLD)


def turkish_upper(text: str) -> str:
    """Upper case with the Turkish dotted and dotless i (``i -> İ``, ``ı -> I``).

    Examples
    --------
    >>> turkish_upper("Yıldız İlker")
    'YILDIZ İLKER'
    """
    return text.replace("i", "İ").replace("ı", "I").upper()


@cache
def name_lists() -> dict[str, Any]:
    """The name, street and city lists of ``portfolio_lib/data/turkish_names.toml`` (read once).

    Examples
    --------
    >>> "Yılmaz" in name_lists()["family_names"]
    True
    """
    path = resources.files("portfolio_lib") / "data" / "turkish_names.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _zipf(n: int) -> np.ndarray:
    weights = 1.0 / (np.arange(1, n + 1) + 5.0)
    return weights / weights.sum()


@dataclass(frozen=True)
class CustomerRecords:
    """Customer records of a simulated company with the true person of every record.

    Attributes
    ----------
    records : pandas.DataFrame
        One row per record, columns of
        :data:`portfolio_lib.quality.schemas.CUSTOMER_RECORDS` (record_id, source,
        given_name, family_name, birth_date, phone, email, street_number, address, city,
        postcode, region, id_number, signup_date, last_contact), sorted by record_id.
    person_id : pandas.Series
        The true ``customer_id`` of every record, indexed by ``record_id``.
    params : dict
        ``duplicate_rate``, ``messiness``, ``seed`` and ``end`` the records were drawn with.
    """

    records: pd.DataFrame
    person_id: pd.Series
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def truth(self) -> pd.DataFrame:
        """``record_id, customer_id`` as a table (``truth_records.csv``)."""
        return pd.DataFrame(
            {"record_id": self.person_id.index.to_numpy(), "customer_id": self.person_id.to_numpy()}
        )

    @property
    def n_persons(self) -> int:
        """Number of distinct true persons."""
        return int(self.person_id.nunique())

    def to_csv(self, directory: str | Path) -> Path:
        """Write ``customer_records.csv`` and ``truth_records.csv`` into ``directory``."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in (("customer_records", self.records), ("truth_records", self.truth)):
            frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        return folder

    @classmethod
    def from_csv(cls, directory: str | Path) -> CustomerRecords:
        """Read the two files written by :meth:`to_csv` back with their exact dtypes."""
        folder = Path(directory)
        records = CUSTOMER_RECORDS.read_csv(folder / "customer_records.csv")
        truth = RECORD_SCHEMAS["truth_records"].read_csv(folder / "truth_records.csv")
        person = pd.Series(
            truth["customer_id"].to_numpy(),
            index=pd.Index(truth["record_id"].to_numpy(), name="record_id"),
            name="customer_id",
        )
        return cls(records=records, person_id=person)


def _check(duplicate_rate: float, messiness: float) -> None:
    if not (isinstance(duplicate_rate, int | float) and 0.0 <= duplicate_rate <= 1.0):
        raise DataValidationError(f"duplicate_rate must be in [0, 1], got {duplicate_rate!r}")
    if not (isinstance(messiness, int | float) and math.isfinite(messiness) and messiness >= 0):
        raise DataValidationError(f"messiness must be a finite number >= 0, got {messiness!r}")


def _national_id(rng: np.random.Generator) -> str:
    """Eleven digits with the check digits of the Turkish id number (fictional values)."""
    d = [int(rng.integers(1, 10))] + [int(x) for x in rng.integers(0, 10, size=8)]
    d10 = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    d11 = (sum(d) + d10) % 10
    return "".join(map(str, [*d, d10, d11]))


class _Draw:
    """The draws of one call: a generator, the name lists, and sets keeping keys unique."""

    def __init__(self, rng: np.random.Generator, end: pd.Timestamp) -> None:
        self.rng = rng
        self.end = end
        self.names = name_lists()
        self.used: set[str] = set()

    def pick(self, values: list[Any], zipf: bool = False) -> Any:
        p = _zipf(len(values)) if zipf else None
        return values[int(self.rng.choice(len(values), p=p))]

    def unique(self, make: Any) -> str:
        value = make()
        while value in self.used:
            value = make()
        self.used.add(value)
        return value

    def phone(self) -> str:
        operator = self.pick([*range(530, 556)])
        return self.unique(lambda: f"{operator}{int(self.rng.integers(0, 10**7)):07d}")

    def email(self, given: str, family: str, birth_year: int) -> str:
        first = turkish_fold(given.split()[0]).lower()
        last = turkish_fold(family).lower().replace(" ", "")
        sep = self.pick([".", "_", ""])

        def make() -> str:
            suffix = self.pick(["", "", str(birth_year % 100), str(self.rng.integers(1, 1000))])
            return f"{first}{sep}{last}{suffix}@{self.pick(self.names['email_domains'])}"

        return self.unique(make)

    def address(self, region: str) -> dict[str, str]:
        city, plate = self.pick(self.names["cities"][region])
        street = f"{self.pick(self.names['street_names'])} {self.pick(self.names['street_kinds'])}"
        return {
            "street_number": str(int(self.rng.integers(1, 121))),
            "address": street,
            "city": city,
            "postcode": f"{plate}{int(self.rng.integers(0, 1000)):03d}",
        }

    def day_between(self, start: pd.Timestamp) -> pd.Timestamp:
        days = int((self.end - start).days)
        return start + pd.Timedelta(days=int(self.rng.integers(0, max(days, 0) + 1)))

    def person(self, row: Any) -> dict[str, Any]:
        names = self.names
        female = str(row.gender) == "female"
        given = self.pick(names["given_names_female" if female else "given_names_male"], True)
        family = self.pick(names["family_names"], True)
        birth = (
            self.end
            - pd.DateOffset(years=int(row.age))
            - pd.Timedelta(days=int(self.rng.integers(0, 365)))
        )
        return {
            "given_name": given,
            "family_name": family,
            "birth_date": pd.Timestamp(birth.date()),
            "phone": self.phone(),
            "email": self.email(given, family, birth.year),
            "region": str(row.region),
            "id_number": self.unique(lambda: _national_id(self.rng)),
            **self.address(str(row.region)),
        }


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(0, 4))
    if kind == 0:  # substitution
        return text[:i] + _LETTERS[int(rng.integers(0, len(_LETTERS)))] + text[i + 1 :]
    if kind == 1:  # deletion
        return text[:i] + text[i + 1 :]
    if kind == 2:  # transposition
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i] + text[i:]  # doubled letter


def _vary(draw: _Draw, rec: dict[str, Any], probs: dict[str, float]) -> dict[str, Any]:
    """Apply the per-record variations of :data:`VARIATION_PROBS` (already scaled) to ``rec``."""
    rng = draw.rng
    hit = {k: bool(rng.random() < p) for k, p in probs.items()}
    given, family = rec["given_name"], rec["family_name"]
    if hit["nickname"]:
        nick = draw.names["nicknames"].get(given)
        given = nick if nick else given.split()[0]
    if hit["typo"]:
        if rng.random() < 0.5:
            given = _typo(rng, given)
        else:
            family = _typo(rng, family)
    if hit["initial"]:
        given = given[0] + "."
    if hit["swap"]:
        given, family = family, given
    rec["given_name"], rec["family_name"] = given, family
    text_fields = ("given_name", "family_name", "address", "city")
    if hit["fold"]:
        rec.update({k: turkish_fold(rec[k]) for k in text_fields})
    if hit["upper"]:
        rec.update({k: turkish_upper(rec[k]) for k in text_fields})
    if hit["birth_date_error"]:
        b = rec["birth_date"]
        swapped = b.day <= 12 and b.day != b.month
        rec["birth_date"] = (
            pd.Timestamp(year=b.year, month=b.day, day=b.month)
            if swapped
            else b + pd.Timedelta(days=int(rng.choice([-1, 1])))
        )
    missing = {
        "missing_birth_date": ("birth_date",),
        "missing_phone": ("phone",),
        "missing_email": ("email",),
        "missing_address": ("street_number", "address", "postcode"),
        "missing_postcode": ("postcode",),
    }
    for key, columns in missing.items():
        if hit[key]:
            rec.update(dict.fromkeys(columns, None))
    return rec


def _format_phone(draw: _Draw, national: str | None) -> str | None:
    if national is None:
        return None
    fmt = draw.pick(list(_PHONE_FORMATS))
    return fmt.format(a=national[:3], b=national[3:6], c=national[6:8], d=national[8:])


def simulate_customer_records(
    customers: pd.DataFrame,
    *,
    duplicate_rate: float = 0.15,
    messiness: float = 1.0,
    seed: int = 0,
    end: str | pd.Timestamp | None = None,
) -> CustomerRecords:
    """Draw the source-system records of ``customers`` (1 per person, 2-4 for duplicated ones).

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers table (columns customer_id, signup_date, region, age, gender), e.g.
        ``simulate_crm().customers``. It is only read.
    duplicate_rate : float, default 0.15
        Share of persons (0-1) with more than one record; exactly
        ``round(duplicate_rate * n_customers)`` persons get 2-4 records
        (:data:`N_RECORDS_PROBS`).
    messiness : float, default 1.0
        Multiplies every variation probability (:data:`VARIATION_PROBS`,
        :data:`CHANGE_PROBS`; capped at 1). 0 gives duplicates that differ only in source,
        dates, id-number presence and the way the phone is written; 2 is a messy CRM.
    seed : int, default 0
        Seed of the records' own generator
        (``numpy.random.SeedSequence(seed, spawn_key=(RECORDS_SPAWN_KEY,))``).
    end : str or Timestamp, optional
        Last day of the observation window (record dates are on or before it; ages are at this
        day). Default: the last signup date.

    Returns
    -------
    CustomerRecords
        ``.records`` (one row per record, record_id ``REC00001`` ... in signup order) and
        ``.person_id`` (the true customer_id per record_id).

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> crm = simulate_crm(n_customers=200, seed=1)
    >>> recs = simulate_customer_records(crm.customers, duplicate_rate=0.2, seed=1)
    >>> recs.n_persons, len(recs.records) > 200
    (200, True)
    """
    require_columns(
        customers, ["customer_id", "signup_date", "region", "age", "gender"], name="customers"
    )
    _check(duplicate_rate, messiness)
    if customers.empty:
        raise DataValidationError("customers is empty: there is nobody to draw records for")
    bad = customers[customers["customer_id"].isna() | customers["signup_date"].isna()]
    if len(bad):
        raise DataValidationError(
            "customers has rows without customer_id or signup_date:\n" + format_examples(bad)
        )
    end_day = pd.Timestamp(end) if end is not None else pd.Timestamp(customers["signup_date"].max())
    seq = np.random.SeedSequence(seed, spawn_key=(RECORDS_SPAWN_KEY,))
    draw = _Draw(np.random.default_rng(seq), end_day.normalize())
    rng = draw.rng
    n = len(customers)
    n_dup = int(round(duplicate_rate * n))
    counts = np.ones(n, dtype=int)
    dup_idx = rng.choice(n, size=n_dup, replace=False)
    sizes, size_p = zip(*N_RECORDS_PROBS.items(), strict=True)
    counts[dup_idx] = rng.choice(sizes, size=n_dup, p=size_p)
    var_p = {k: min(1.0, p * messiness) for k, p in VARIATION_PROBS.items()}
    change_p = {k: min(1.0, p * messiness) for k, p in CHANGE_PROBS.items()}
    rows: list[dict[str, Any]] = []
    for i, row in enumerate(customers.itertuples(index=False)):
        base = draw.person(row)
        sources = rng.choice(len(SOURCES), size=counts[i], replace=False, p=SOURCE_PROBS)
        signup = pd.Timestamp(row.signup_date)
        current = dict(base)
        for k, s in enumerate(sources):
            source = SOURCES[int(s)]
            rec_signup = signup if k == 0 else draw.day_between(signup)
            if k > 0:
                if rng.random() < change_p["email"]:
                    current["email"] = draw.email(
                        current["given_name"], current["family_name"], int(rng.integers(0, 100))
                    )
                if rng.random() < change_p["phone"]:
                    current["phone"] = draw.phone()
                if rng.random() < change_p["moved"]:
                    current.update(draw.address(base["region"]))
            rec = _vary(draw, dict(current), var_p)
            rec["phone"] = _format_phone(draw, rec["phone"])
            if rng.random() >= ID_NUMBER_PROBS[source]:
                rec["id_number"] = None
            rec.update(
                customer_id=str(row.customer_id),
                source=source,
                signup_date=rec_signup,
                last_contact=draw.day_between(rec_signup),
                _order=k,
            )
            rows.append(rec)
    frame = pd.DataFrame(rows)
    frame = frame.sort_values(["signup_date", "customer_id", "_order"], kind="mergesort")
    frame = frame.reset_index(drop=True)
    width = max(5, len(str(len(frame))))
    frame["record_id"] = [f"REC{j:0{width}d}" for j in range(1, len(frame) + 1)]
    person = pd.Series(
        frame["customer_id"].to_numpy(),
        index=pd.Index(frame["record_id"].to_numpy(), name="record_id"),
        name="customer_id",
    )
    records = conform(frame.astype(object).where(frame.notna(), np.nan), CUSTOMER_RECORDS)
    params = {
        "duplicate_rate": float(duplicate_rate),
        "messiness": float(messiness),
        "seed": seed,
        "end": str(end_day.date()),
    }
    return CustomerRecords(records=records, person_id=person, params=params)


def attribute_transactions(transactions: pd.DataFrame, records: CustomerRecords) -> pd.DataFrame:
    """Book every transaction on one record of its buyer: ``transaction_id, record_id``.

    The rule (documented in data/README.md): among the buyer's records created on or before
    the transaction day, take those whose source matches the sales channel
    (:data:`CHANNEL_SOURCE`: store -> store card, online -> web, app -> app) if there are
    any, and of these the most recently created one (the account in use); ties go to the
    lower record_id. A return (``is_return`` True, when the column is present) is booked on
    the record of the buyer's latest purchase on or before the return day (a refund goes
    back to the account that paid). A person's first record is created on the first
    purchase day, so every transaction gets exactly one record. Nothing is dropped.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Columns transaction_id, customer_id, date, channel.
    records : CustomerRecords
        The records of the same customers.

    Returns
    -------
    pandas.DataFrame
        One row per transaction, in the order of ``transactions``.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> crm = simulate_crm(n_customers=100, seed=2)
    >>> recs = simulate_customer_records(crm.customers, seed=2)
    >>> len(attribute_transactions(crm.transactions, recs)) == len(crm.transactions)
    True
    """
    require_columns(
        transactions, ["transaction_id", "customer_id", "date", "channel"], name="transactions"
    )
    out = _book(transactions, records, "transaction_id", "date", CHANNEL_SOURCE, "transactions")
    if "is_return" in transactions:
        tx = transactions[["customer_id", "date"]].reset_index(drop=True)
        tx = tx.rename_axis("_row").reset_index()
        out["record_id"] = _returns_to_purchase_record(tx, out, transactions["is_return"])
    return conform(out, TRANSACTION_RECORDS)


def _book(
    events: pd.DataFrame,
    records: CustomerRecords,
    key: str,
    when: str,
    channel_source: dict[str, str] | None,
    name: str,
    *,
    early_to_first: bool = False,
) -> pd.DataFrame:
    """``key, record_id``: each row of ``events`` on one record of its customer (the rule of
    :func:`attribute_transactions`, without the returns). ``early_to_first``: a row dated
    before every record of its customer is booked as on the day the first record was created
    (otherwise an error)."""
    recs = records.records[["record_id", "source", "signup_date"]].assign(
        customer_id=records.person_id.reindex(records.records["record_id"]).to_numpy()
    )
    unknown = events[~events["customer_id"].isin(recs["customer_id"])]
    if len(unknown):
        raise DataValidationError(
            f"{name} has customer_id values without any record:\n" + format_examples(unknown)
        )
    cols = [key, "customer_id", when] + (["channel"] if channel_source else [])
    ev = events[cols].reset_index(drop=True).rename_axis("_row").reset_index()
    if early_to_first:
        first = recs.groupby("customer_id")["signup_date"].min()
        opened = ev["customer_id"].map(first).to_numpy()
        ev[when] = ev[when].where(ev[when] >= opened, opened)
    pairs = ev.merge(recs, on="customer_id", how="left")
    pairs = pairs[pairs["signup_date"] <= pairs[when]]
    wanted = pairs["channel"].map(channel_source) if channel_source else None
    match = pairs["source"].to_numpy() == wanted.to_numpy() if wanted is not None else False
    pairs = pairs.assign(_match=match).sort_values(
        ["_row", "_match", "signup_date", "record_id"],
        ascending=[True, False, False, True],
        kind="mergesort",
    )
    chosen = pairs.drop_duplicates("_row")
    if len(chosen) != len(ev):
        lost = ev[~ev["_row"].isin(chosen["_row"])]
        raise DataValidationError(
            f"{name} dated before every record of their customer:\n"
            + format_examples(lost.drop(columns="_row"))
        )
    return chosen.sort_values("_row")[[key, "record_id"]].reset_index(drop=True)


#: How the other events are booked: table -> (key column, date column, channel -> source).
#: A channel without a source (e.g. a survey, a search ad) falls back to the most recent record.
EVENT_BOOKING: dict[str, tuple[str, str, dict[str, str] | None]] = {
    "touchpoints": (
        "event_id",
        "timestamp",
        {
            "store": "store card",
            "search": "web",
            "social": "web",
            "display": "web",
            "referral": "web",
            "email": "web",
        },
    ),
    "surveys": ("response_id", "date", None),
    "complaints": (
        "complaint_id",
        "opened",
        {"store": "store card", "email": "web", "app": "app", "call_center": "call centre"},
    ),
}


def attribute_events(crm: Any, records: CustomerRecords) -> dict[str, pd.DataFrame]:
    """Book every touchpoint, survey response and complaint on one record of its customer.

    The rule of :func:`attribute_transactions` (:data:`EVENT_BOOKING` maps each event's
    channel to a source): among the customer's records created on or before the event day,
    those of the channel's source if any, of these the most recently created, ties to the lower
    record_id. An event dated before the customer's first record (a touchpoint before the
    first purchase) is booked on that first record. Events of prospects (a ``customer_id``
    not in ``crm.customers``, e.g. ``P00513`` touchpoints of people who never bought) have no
    record and are not booked; every customer event is booked exactly once.

    Parameters
    ----------
    crm : CRMData
        A company with ``touchpoints``, ``surveys`` and ``complaints`` (only read).
    records : CustomerRecords
        The records of the same customers.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``"touchpoint_records"`` (event_id, record_id), ``"survey_records"`` (response_id,
        record_id) and ``"complaint_records"`` (complaint_id, record_id), one row per customer
        event in the order of its table.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> crm = simulate_crm(n_customers=100, seed=2)
    >>> booked = attribute_events(crm, simulate_customer_records(crm.customers, seed=2))
    >>> len(booked["survey_records"]) == len(crm.surveys)
    True
    """
    out = {}
    for table, (key, when, channel_source) in EVENT_BOOKING.items():
        schema = EVENT_RECORDS[f"{table[:-1]}_records"]
        events = getattr(crm, table)
        require_columns(events, [key, "customer_id", when], name=table)
        events = events[events["customer_id"].isin(crm.customers["customer_id"])]
        booked = _book(events, records, key, when, channel_source, table, early_to_first=True)
        out[schema.name] = conform(booked, schema)
    return out


def _returns_to_purchase_record(
    tx: pd.DataFrame, booked: pd.DataFrame, is_return: pd.Series
) -> np.ndarray:
    """``booked.record_id`` with each return moved to the record of the buyer's latest
    purchase on or before the return day (kept where there is none)."""
    flag = is_return.fillna(False).astype(bool).to_numpy()
    frame = tx.assign(record_id=booked["record_id"].to_numpy(), _ret=flag)
    purchases = frame.loc[~frame["_ret"], ["customer_id", "date", "_row", "record_id"]]
    returns = frame.loc[frame["_ret"], ["customer_id", "date", "_row"]]
    matched = pd.merge_asof(
        returns.sort_values("date"),
        purchases.sort_values(["date", "_row"]).rename(columns={"_row": "_prow"}),
        on="date",
        by="customer_id",
        direction="backward",
    ).dropna(subset=["record_id"])
    out = frame["record_id"].to_numpy(dtype=object).copy()
    out[matched["_row"].to_numpy(dtype=int)] = matched["record_id"].to_numpy()
    return out


def records_for(
    crm: Any, *, duplicate_rate: float = 0.15, messiness: float = 1.0, seed: int = 42
) -> tuple[CustomerRecords, pd.DataFrame]:
    """The records of a company and its transactions booked on them.

    Parameters
    ----------
    crm : CRMData
        A simulated company (its customers, transactions and ``observation_end`` are read).
    duplicate_rate, messiness, seed :
        As in :func:`simulate_customer_records`; the sample in data/ uses the defaults with
        the company's seed 42.

    Returns
    -------
    (CustomerRecords, pandas.DataFrame)
        The records and :func:`attribute_transactions` of the company's transactions.

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> recs, booked = records_for(simulate_crm(n_customers=50, seed=3), seed=3)
    >>> list(booked.columns)
    ['transaction_id', 'record_id']
    """
    recs = simulate_customer_records(
        crm.customers,
        duplicate_rate=duplicate_rate,
        messiness=messiness,
        seed=seed,
        end=crm.observation_end,
    )
    return recs, attribute_transactions(crm.transactions, recs)


def write_records(crm: Any, directory: str | Path, **kwargs: Any) -> Path:
    """Write ``customer_records.csv``, ``truth_records.csv`` and ``transaction_records.csv``
    of :func:`records_for` ``(crm, **kwargs)`` into ``directory``, with the touchpoints',
    surveys' and complaints' records (:func:`attribute_events`); returns the folder.

    Examples
    --------
    >>> import tempfile
    >>> from portfolio_lib.simulate import simulate_crm
    >>> folder = write_records(simulate_crm(n_customers=50, seed=3), tempfile.mkdtemp(), seed=3)
    >>> (folder / "truth_records.csv").exists()
    True
    """
    recs, booked = records_for(crm, **kwargs)
    folder = recs.to_csv(directory)
    tables = {"transaction_records": booked, **attribute_events(crm, recs)}
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    return folder


def read_records(directory: str | Path) -> tuple[CustomerRecords, pd.DataFrame]:
    """Read what :func:`write_records` wrote: the records and the transactions' records.

    Examples
    --------
    >>> import tempfile
    >>> from portfolio_lib.simulate import simulate_crm
    >>> folder = write_records(simulate_crm(n_customers=50, seed=3), tempfile.mkdtemp(), seed=3)
    >>> recs, booked = read_records(folder)
    >>> recs.n_persons
    50
    """
    folder = Path(directory)
    booked = TRANSACTION_RECORDS.read_csv(folder / "transaction_records.csv")
    return CustomerRecords.from_csv(folder), booked


def read_event_records(directory: str | Path) -> dict[str, pd.DataFrame]:
    """Read the event bookings :func:`write_records` wrote (``touchpoint_records.csv``,
    ``survey_records.csv``, ``complaint_records.csv``), by file name without ``.csv``.

    Examples
    --------
    >>> import tempfile
    >>> from portfolio_lib.simulate import simulate_crm
    >>> folder = write_records(simulate_crm(n_customers=50, seed=3), tempfile.mkdtemp(), seed=3)
    >>> sorted(read_event_records(folder))
    ['complaint_records', 'survey_records', 'touchpoint_records']
    """
    folder = Path(directory)
    return {name: schema.read_csv(folder / f"{name}.csv") for name, schema in EVENT_RECORDS.items()}
