"""The sample company every chapter uses: Anadolu Market, a fictional Turkish omnichannel retailer.

:func:`simulate_crm` draws one coherent company -- customers, transactions, journey
touchpoints, campaigns, surveys, complaints and mystery-shopping visits -- from documented
processes, and returns them in a :class:`CRMData` together with the ground truth
(:class:`SimulationTruth`) they were drawn from, so that every chapter can check that its
method recovers what was put in. ``data/README.md`` is the data dictionary and describes the
processes with their formulas; the default parameters are in ``truth.params``.

Examples
--------
>>> from portfolio_lib.simulate import simulate_crm
>>> crm = simulate_crm(n_customers=300, seed=7)
>>> sorted(crm.tables)[:3]
['campaign_contacts', 'campaigns', 'complaints']
>>> crm.truth.params["bgnbd"]["r"]
0.8
"""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from portfolio_lib import _sim_people as people
from portfolio_lib import _sim_tables as tables
from portfolio_lib._errors import as_generator
from portfolio_lib._sim_params import (
    ATTITUDE_FACTORS,
    ATTITUDE_ITEMS,
    BRANCHES,
    CATEGORIES,
    MYSTERY_CHECKLIST_WEIGHTS,
    MYSTERY_ITEMS,
    PERSONAS,
    RATING_ITEMS,
    SALES_CHANNELS,
    STAGES,
    TOUCH_CHANNELS,
    default_params,
)

__all__ = [
    "CRMData",
    "SimulationTruth",
    "simulate_crm",
    "write_sample",
    "simulate_main",
    "default_params",
    "TABLE_SCHEMAS",
    "MYSTERY_CHECKLIST_WEIGHTS",
    "PERSONAS",
    "STAGES",
]

MIN_WINDOW_DAYS = 28

# Column kinds: str, int, float, bool, date, datetime; a trailing "?" means missing values
# are allowed (NaN for str/float, NaT for dates). "date" and "datetime" are both stored as
# datetime64[ns]; "date" values are midnights.
TABLE_SCHEMAS: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "str",
        "signup_date": "date",
        "acquisition_channel": "str",
        "acquisition_cost": "float",
        "region": "str",
        "age": "int",
        "gender": "str",
        "loyalty_member": "bool",
        "loyalty_join_date": "date?",
        **{item: "int" for item in ATTITUDE_ITEMS},
    },
    "transactions": {
        "transaction_id": "str",
        "customer_id": "str",
        "date": "date",
        "amount": "float",
        "category": "str",
        "channel": "str",
        "is_return": "bool",
        "points_earned": "int",
        "points_redeemed": "int",
        "campaign_id": "str?",
    },
    "touchpoints": {
        "event_id": "str",
        "customer_id": "str",
        "timestamp": "datetime",
        "stage": "str",
        "channel": "str",
        "campaign_id": "str?",
    },
    "campaigns": {
        "campaign_id": "str",
        "name": "str",
        "type": "str",
        "channel": "str",
        "start_date": "date",
        "end_date": "date",
        "target_group": "str",
        "n_contacts": "int",
        "cost_per_contact": "float",
        "fixed_cost": "float",
        "total_cost": "float",
    },
    "campaign_contacts": {
        "campaign_id": "str",
        "customer_id": "str",
        "arm": "str",
        "contact_date": "date",
        "responded": "bool",
    },
    "surveys": {
        "response_id": "str",
        "customer_id": "str",
        "wave": "int",
        "date": "date",
        "stage": "str",
        "nps": "int",
        "csat": "int",
        **{item: "int" for item in RATING_ITEMS},
        "sat_1": "int",
        "sat_2": "int",
        "sat_3": "int",
        "sat_4_r": "int",
        "comment": "str",
    },
    "complaints": {
        "complaint_id": "str",
        "customer_id": "str",
        "opened": "datetime",
        "resolved": "datetime?",
        "category": "str",
        "channel": "str",
        "text": "str",
        "resolution_satisfaction": "float?",
    },
    "mystery_shopping": {
        "visit_id": "str",
        "branch": "str",
        "region": "str",
        "visit_date": "date",
        "shopper_id": "str",
        **{item: "int" for item in MYSTERY_ITEMS},
    },
    "truth_customers": {
        "customer_id": "str",
        "persona": "str",
        "purchase_rate_per_week": "float",
        "dropout_prob": "float",
        "spend_scale": "float",
        "dropout_date": "date?",
        "alive_at_end": "bool",
        "satisfaction_latent": "float",
        "exposure_weeks": "float",
        "n_repeat_purchases": "int",
        "n_incremental_purchases": "int",
        **{f"factor_{f}": "float" for f in ATTITUDE_FACTORS},
    },
}
TABLE_NAMES: tuple[str, ...] = (
    "customers",
    "transactions",
    "touchpoints",
    "campaigns",
    "campaign_contacts",
    "surveys",
    "complaints",
    "mystery_shopping",
)


# ---------------------------------------------------------------------------------------------
# Containers and CSV round trip
# ---------------------------------------------------------------------------------------------
def _coerce(frame: pd.DataFrame, schema: Mapping[str, str]) -> pd.DataFrame:
    """Return ``frame`` with exactly the schema's columns, in order, with canonical dtypes."""
    out = {}
    for col, kind in schema.items():
        base = kind.rstrip("?")
        values = frame[col]
        if base == "str":
            out[col] = values.astype("str")
        elif base == "int":
            out[col] = values.astype("int64")
        elif base == "float":
            out[col] = values.astype("float64")
        elif base == "bool":
            out[col] = values.astype(bool)
        else:
            out[col] = values.astype("datetime64[ns]")
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _read_table(path: Path, schema: Mapping[str, str]) -> pd.DataFrame:
    """Read one CSV written by :meth:`CRMData.to_csv` back with its exact dtypes."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    missing = [c for c in schema if c not in raw.columns]
    if missing:
        raise ValueError(f"{path.name} is missing column(s) {missing}")
    out = {}
    for col, kind in schema.items():
        base, nullable = kind.rstrip("?"), kind.endswith("?")
        text = raw[col].to_numpy(dtype=object)
        empty = text == ""
        if empty.any() and not nullable and base != "str":
            raise ValueError(f"{path.name}: column {col!r} has empty values")
        if base == "str":
            values = text.copy()
            if nullable:
                values[empty] = np.nan
            out[col] = pd.Series(values, dtype=object).astype("str")
        elif base == "int":
            out[col] = pd.Series(np.array([int(v) for v in text], dtype=np.int64))
        elif base == "float":
            out[col] = pd.Series(np.array([float(v) if v else np.nan for v in text], dtype=float))
        elif base == "bool":
            bad = ~np.isin(text, ["True", "False"])
            if bad.any():
                raise ValueError(f"{path.name}: column {col!r} must hold True/False")
            out[col] = pd.Series(text == "True")
        else:
            values = pd.Series(np.where(empty, None, text), dtype=object)
            out[col] = pd.to_datetime(values, format="ISO8601").astype("datetime64[ns]")
    return _coerce(pd.DataFrame(out), schema)


@dataclass(frozen=True, eq=False)
class SimulationTruth:
    """What the sample company was drawn from.

    Attributes
    ----------
    params : dict
        JSON-serialisable nested dict of every parameter (``bgnbd``, ``gamma_gamma``,
        ``journey``, ``satisfaction``, ``campaigns``, ``mystery_shopping``, ``personas``,
        ``seasonality``, ...) plus realised sample facts (``observation``, ``realised``).
    customers : pandas.DataFrame
        One row per customer with the latent values (persona, purchase_rate_per_week,
        dropout_prob, spend_scale, dropout_date, alive_at_end, satisfaction_latent, ...).
    """

    params: dict[str, Any]
    customers: pd.DataFrame


@dataclass(frozen=True, eq=False)
class CRMData:
    """The tables of the sample company and the truth they were drawn from.

    See ``data/README.md`` for every column, its type, unit and meaning.

    Examples
    --------
    >>> crm = simulate_crm(n_customers=300, seed=7)
    >>> crm.customers.columns[:3].tolist()
    ['customer_id', 'signup_date', 'acquisition_channel']
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    touchpoints: pd.DataFrame
    campaigns: pd.DataFrame
    campaign_contacts: pd.DataFrame
    surveys: pd.DataFrame
    complaints: pd.DataFrame
    mystery_shopping: pd.DataFrame
    truth: SimulationTruth
    observation_start: pd.Timestamp
    observation_end: pd.Timestamp

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The observable tables by name (truth excluded)."""
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def summary(self) -> pd.DataFrame:
        """Rows and columns of every table (a quick overview)."""
        rows = [
            {"table": name, "rows": len(frame), "columns": frame.shape[1]}
            for name, frame in self.tables.items()
        ]
        return pd.DataFrame(rows)

    def to_csv(self, directory: str | Path) -> Path:
        """Write every table as ``<name>.csv`` plus ``truth_params.json`` and
        ``truth_customers.csv`` into ``directory`` (created if needed); returns the path."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        frames = dict(self.tables)
        frames["truth_customers"] = self.truth.customers
        for name, frame in frames.items():
            frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        text = json.dumps(self.truth.params, indent=2, ensure_ascii=False)
        (folder / "truth_params.json").write_text(text + "\n", encoding="utf-8")
        return folder

    @classmethod
    def from_csv(cls, directory: str | Path) -> CRMData:
        """Read a folder written by :meth:`to_csv`; the frames equal the originals exactly."""
        folder = Path(directory)
        params = json.loads((folder / "truth_params.json").read_text(encoding="utf-8"))
        frames = {
            name: _read_table(folder / f"{name}.csv", TABLE_SCHEMAS[name]) for name in TABLE_NAMES
        }
        truth = SimulationTruth(
            params=params,
            customers=_read_table(folder / "truth_customers.csv", TABLE_SCHEMAS["truth_customers"]),
        )
        obs = params["observation"]
        return cls(
            **frames,
            truth=truth,
            observation_start=pd.Timestamp(obs["start"]),
            observation_end=pd.Timestamp(obs["end"]),
        )


# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------
def _merge_params(base: dict[str, Any], override: Mapping[str, Any], path: str = "") -> None:
    for key, value in override.items():
        where = f"{path}{key}"
        if key not in base:
            raise ValueError(f"params: unknown key {where!r}; known keys: {sorted(base)}")
        if isinstance(base[key], dict) and isinstance(value, Mapping):
            _merge_params(base[key], value, where + ".")
        else:
            base[key] = copy.deepcopy(value)


def _check_args(
    n_customers: int, start: str | pd.Timestamp, end: str | pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp]:
    if isinstance(n_customers, bool) or not isinstance(n_customers, int | np.integer):
        raise ValueError(f"n_customers must be a positive integer, got {n_customers!r}")
    if n_customers <= 0:
        raise ValueError(f"n_customers must be a positive integer, got {n_customers}")
    try:
        t0 = pd.Timestamp(start).normalize()
        t1 = pd.Timestamp(end).normalize()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"start and end must be dates, got {start!r} and {end!r}") from exc
    if t1 <= t0:
        raise ValueError(f"end ({t1.date()}) must be after start ({t0.date()})")
    if (t1 - t0).days + 1 < MIN_WINDOW_DAYS:
        raise ValueError(
            f"the window from start ({t0.date()}) to end ({t1.date()}) must cover at least "
            f"{MIN_WINDOW_DAYS} days"
        )
    return t0, t1


# ---------------------------------------------------------------------------------------------
# The simulation
# ---------------------------------------------------------------------------------------------
def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def simulate_crm(
    n_customers: int = 3000,
    seed: int | np.random.Generator | None = 42,
    start: str | pd.Timestamp = "2023-01-01",
    end: str | pd.Timestamp = "2024-12-31",
    params: Mapping[str, Any] | None = None,
) -> CRMData:
    """Simulate the sample company (Anadolu Market) from documented processes.

    Parameters
    ----------
    n_customers : int
        Number of customers (people who made a first purchase in the window).
    seed : int or numpy.random.Generator
        Seed of the single random generator; one child generator is spawned per part,
        so the same seed gives identical tables.
    start, end : str or pandas.Timestamp
        First and last day of the observation window (inclusive, at least 28 days).
    params : mapping, optional
        Partial nested dict overriding :func:`default_params` (e.g.
        ``{"bgnbd": {"r": 0.5}}``); unknown keys raise ``ValueError``.

    Returns
    -------
    CRMData
        Tables ``customers``, ``transactions``, ``touchpoints``, ``campaigns``,
        ``campaign_contacts``, ``surveys``, ``complaints``, ``mystery_shopping`` and the
        ``truth`` (parameters and per-customer latent values). Money in currency units
        (2 decimals), purchase rates per week, dates at day resolution, timestamps at
        minute resolution.

    Raises
    ------
    ValueError
        If ``n_customers`` is not a positive integer, ``end <= start``, the window is shorter
        than 28 days, or ``params`` has an unknown key.

    Examples
    --------
    >>> crm = simulate_crm(n_customers=300, seed=7)
    >>> int(crm.customers.shape[0])
    300
    >>> bool((crm.transactions.groupby("customer_id")["date"].min()
    ...       == crm.customers.set_index("customer_id")["signup_date"]).all())
    True
    """
    t0, t1 = _check_args(n_customers, start, end)
    n = int(n_customers)
    prm = default_params()
    if params is not None:
        _merge_params(prm, params)
    n_days = (t1 - t0).days + 1
    first_day = np.datetime64(t0.date(), "D")
    rng = as_generator(seed)
    (g_lat, g_journey, g_cust, g_touch, g_purch, g_tx, g_camp, g_survey, g_compl, g_myst) = (
        rng.spawn(10)
    )

    # --- latent traits, journeys, customers ---------------------------------------------------
    lat = people.draw_latents(g_lat, n, n_days, prm)
    jr = people.simulate_journeys(g_journey, n, prm)
    first_touch = np.ones(jr.person.size, dtype=bool)
    first_touch[1:] = jr.person[1:] != jr.person[:-1]
    buyer_person = np.flatnonzero(jr.person_bought)
    disc_channel_person = np.zeros(jr.person_bought.size, dtype=np.int64)
    disc_channel_person[jr.person[first_touch]] = jr.channel[first_touch]
    match = people.match_buyers_to_customers(g_cust, lat, disc_channel_person[buyer_person], prm)
    cust_person = buyer_person[match]
    persona = jr.person_persona[cust_person]
    acq_channel = disc_channel_person[cust_person]
    demo = people.draw_demographics(g_cust, persona, prm)
    acq = prm["acquisition"]
    cost_mean = np.array([acq["cost_mean_by_channel"][c] for c in TOUCH_CHANNELS])
    sig = acq["cost_lognormal_sigma"]
    acq_cost = np.round(
        cost_mean[acq_channel] * np.exp(sig * g_cust.standard_normal(n) - sig**2 / 2), 2
    )

    person_signup = np.zeros(jr.person_bought.size, dtype=np.int64)
    person_signup[cust_person] = lat.signup_day
    minute = people.journey_timestamps(g_touch, jr, person_signup, n_days, prm)
    person_customer = np.full(jr.person_bought.size, -1, dtype=np.int64)
    person_customer[cust_person] = np.arange(n)
    touch_customer = person_customer[jr.person]
    deep = jr.stage == people.DEEPENING_STAGE
    loyalty_join = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(loyalty_join, touch_customer[deep], minute[deep] // people.MINUTES_PER_DAY)
    loyalty_join[loyalty_join == np.iinfo(np.int64).max] = -1
    purchase_touch = jr.stage == people.PURCHASE_STAGE
    purchase_channel = np.zeros(n, dtype=np.int64)
    purchase_channel[touch_customer[purchase_touch]] = jr.channel[purchase_touch]

    # --- purchases, campaigns, transactions -------------------------------------------------
    intensity = people.daily_intensity(first_day, n_days, prm)
    pur = people.simulate_purchases(g_purch, lat, intensity, prm)
    category = _draw_categories(g_tx, persona[pur.customer], pur.amount, prm)
    specs = tables.campaign_calendar(first_day, n_days, prm)
    camp = tables.simulate_campaigns(
        g_camp, specs, n, persona, lat.signup_day, loyalty_join,
        pur.customer, pur.day, category, pur.dropout_day, prm,
    )  # fmt: skip
    incr_amount = people.spend_amounts(g_camp, lat.spend_scale[camp.incr_customer], prm)
    incr_category = _draw_categories(g_tx, persona[camp.incr_customer], incr_amount, prm)
    tx = _build_transactions(
        g_tx, lat, persona, purchase_channel, loyalty_join, pur, category, camp,
        incr_amount, incr_category, specs, n_days, prm,
    )  # fmt: skip

    # --- frames ----------------------------------------------------------------------------------
    def day_to_date(day: np.ndarray) -> np.ndarray:
        return (first_day + np.asarray(day, dtype=np.int64).astype("timedelta64[D]")).astype(
            "datetime64[ns]"
        )

    def minute_to_ts(m: np.ndarray) -> np.ndarray:
        base = first_day.astype("datetime64[m]")
        return (base + np.asarray(m, dtype=np.int64).astype("timedelta64[m]")).astype(
            "datetime64[ns]"
        )

    def optional_date(day: np.ndarray) -> np.ndarray:
        out = day_to_date(np.maximum(day, 0))
        out[np.asarray(day) < 0] = np.datetime64("NaT")
        return out

    customer_ids = _ids("C", n, 5 if n < 100000 else len(str(n)))
    campaign_ids = _ids("CMP", len(specs), 3)
    customers = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "signup_date": day_to_date(lat.signup_day),
            "acquisition_channel": np.array(TOUCH_CHANNELS, dtype=object)[acq_channel],
            "acquisition_cost": acq_cost,
            "region": demo["region"],
            "age": demo["age"],
            "gender": demo["gender"],
            "loyalty_member": loyalty_join >= 0,
            "loyalty_join_date": optional_date(loyalty_join),
            **{item: demo[item] for item in ATTITUDE_ITEMS},
        }
    )
    transactions = pd.DataFrame(
        {
            "transaction_id": _ids("T", tx["customer"].size, 7),
            "customer_id": customer_ids[tx["customer"]],
            "date": day_to_date(tx["day"]),
            "amount": tx["amount"],
            "category": np.array(CATEGORIES, dtype=object)[tx["category"]],
            "channel": np.array(SALES_CHANNELS, dtype=object)[tx["channel"]],
            "is_return": tx["is_return"],
            "points_earned": tx["points_earned"],
            "points_redeemed": tx["points_redeemed"],
            "campaign_id": _optional_ids(campaign_ids, tx["campaign"]),
        }
    )
    touchpoints = _build_touchpoints(
        jr, minute, minute_to_ts(minute), touch_customer, customer_ids, campaign_ids, camp, specs
    )
    contacts_treated = camp.contact_treated
    n_contacts = np.bincount(camp.contact_campaign[contacts_treated], minlength=len(specs)).astype(
        np.int64
    )
    cpc = np.array([s.cost_per_contact for s in specs], dtype=float)
    fixed = np.array([s.fixed_cost for s in specs], dtype=float)
    campaigns = pd.DataFrame(
        {
            "campaign_id": campaign_ids,
            "name": np.array([s.name for s in specs], dtype=object),
            "type": np.array([s.type for s in specs], dtype=object),
            "channel": np.array([s.channel for s in specs], dtype=object),
            "start_date": day_to_date(np.array([s.start_day for s in specs], dtype=np.int64)),
            "end_date": day_to_date(np.array([s.end_day for s in specs], dtype=np.int64)),
            "target_group": np.array([s.target_group for s in specs], dtype=object),
            "n_contacts": n_contacts,
            "cost_per_contact": cpc,
            "fixed_cost": fixed,
            "total_cost": np.round(fixed + cpc * n_contacts, 2),
        }
    )
    corder = np.lexsort((camp.contact_customer, camp.contact_campaign))
    campaign_contacts = pd.DataFrame(
        {
            "campaign_id": campaign_ids[camp.contact_campaign[corder]],
            "customer_id": customer_ids[camp.contact_customer[corder]],
            "arm": np.where(camp.contact_treated[corder], "treatment", "control").astype(object),
            "contact_date": day_to_date(camp.contact_day[corder]),
            "responded": camp.contact_responded[corder],
        }
    )
    waves = tables.survey_waves(first_day, n_days)
    sv = tables.simulate_surveys(
        g_survey, waves, lat.signup_day, pur.dropout_day, loyalty_join, lat.satisfaction, prm
    )
    sorder = np.lexsort((sv["customer"], sv["day"]))
    surveys = pd.DataFrame(
        {
            "response_id": _ids("R", sorder.size, 6),
            "customer_id": customer_ids[sv["customer"][sorder]],
            "wave": sv["wave"][sorder],
            "date": day_to_date(sv["day"][sorder]),
            "stage": np.where(sv["deepening"][sorder], "deepening", "purchase").astype(object),
            "nps": sv["nps"][sorder],
            "csat": sv["csat"][sorder],
            **{item: sv[item][sorder] for item in RATING_ITEMS},
            **{item: sv[item][sorder] for item in ("sat_1", "sat_2", "sat_3", "sat_4_r")},
            "comment": sv["comment"][sorder],
        }
    )
    cm = tables.simulate_complaints(
        g_compl, lat.signup_day, pur.dropout_day, lat.satisfaction, n_days, prm
    )
    korder = np.lexsort((cm["customer"], cm["opened"]))
    resolved = minute_to_ts(np.maximum(cm["resolved"][korder], 0))
    resolved[cm["resolved"][korder] < 0] = np.datetime64("NaT")
    complaints = pd.DataFrame(
        {
            "complaint_id": _ids("K", korder.size, 5),
            "customer_id": customer_ids[cm["customer"][korder]],
            "opened": minute_to_ts(cm["opened"][korder]),
            "resolved": resolved,
            "category": cm["category"][korder],
            "channel": cm["channel"][korder],
            "text": cm["text"][korder],
            "resolution_satisfaction": cm["resolution_satisfaction"][korder],
        }
    )
    ms, branch_quality = tables.simulate_mystery(g_myst, n_days, prm)
    morder = np.lexsort((ms["branch"], ms["day"]))
    mystery = pd.DataFrame(
        {
            "visit_id": _ids("V", morder.size, 4),
            "branch": np.array([b for b, _ in BRANCHES], dtype=object)[ms["branch"][morder]],
            "region": np.array([r for _, r in BRANCHES], dtype=object)[ms["branch"][morder]],
            "visit_date": day_to_date(ms["day"][morder]),
            "shopper_id": np.array([f"MS{s:02d}" for s in ms["shopper"][morder]], dtype=object),
            **{item: ms[item][morder] for item in MYSTERY_ITEMS},
        }
    )

    # --- truth ------------------------------------------------------------------------------------
    n_incr = np.bincount(camp.incr_customer, minlength=n).astype(np.int64)
    truth_customers = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "persona": np.array(PERSONAS, dtype=object)[persona],
            "purchase_rate_per_week": lat.purchase_rate,
            "dropout_prob": lat.dropout_prob,
            "spend_scale": lat.spend_scale,
            "dropout_date": optional_date(pur.dropout_day),
            "alive_at_end": pur.dropout_day < 0,
            "satisfaction_latent": lat.satisfaction,
            "exposure_weeks": pur.exposure_weeks,
            "n_repeat_purchases": pur.n_repeat.astype(np.int64),
            "n_incremental_purchases": n_incr,
            **{f"factor_{f}": demo[f"factor_{f}"] for f in ATTITUDE_FACTORS},
        }
    )
    truth_params = _truth_params(prm, jr, specs, camp, branch_quality, t0, t1, n, seed)
    frames = {
        "customers": customers,
        "transactions": transactions,
        "touchpoints": touchpoints,
        "campaigns": campaigns,
        "campaign_contacts": campaign_contacts,
        "surveys": surveys,
        "complaints": complaints,
        "mystery_shopping": mystery,
    }
    frames = {k: _coerce(v, TABLE_SCHEMAS[k]) for k, v in frames.items()}
    truth = SimulationTruth(
        params=truth_params,
        customers=_coerce(truth_customers, TABLE_SCHEMAS["truth_customers"]),
    )
    return CRMData(**frames, truth=truth, observation_start=t0, observation_end=t1)


def _optional_ids(ids: np.ndarray, index: np.ndarray) -> np.ndarray:
    out = np.full(index.size, np.nan, dtype=object)
    has = index >= 0
    out[has] = ids[index[has]]
    return out


def _draw_categories(
    rng: np.random.Generator, persona: np.ndarray, amount: np.ndarray, prm: dict[str, Any]
) -> np.ndarray:
    """Category given persona and amount: P(k) proportional to mix[persona, k] * (amount/48)^slope_k.

    Drawn after the amount, so the Gamma-Gamma spend process is untouched.
    """
    mix = np.array([prm["personas"]["category_probs"][p] for p in PERSONAS])
    slope = np.array([prm["category_amount_slope"][c] for c in CATEGORIES])
    w = mix[persona] * np.exp(slope[None, :] * (np.log(amount)[:, None] - np.log(48.0)))
    return people.categorical(rng, w / w.sum(axis=1, keepdims=True))


def _build_transactions(
    rng: np.random.Generator,
    lat: people.Latents,
    persona: np.ndarray,
    purchase_channel: np.ndarray,
    loyalty_join: np.ndarray,
    pur: people.Purchases,
    category: np.ndarray,
    camp: tables.CampaignDraw,
    incr_amount: np.ndarray,
    incr_category: np.ndarray,
    specs: list[tables.CampaignSpec],
    n_days: int,
    prm: dict[str, Any],
) -> dict[str, np.ndarray]:
    """Purchases (organic + incremental) with channel, returns, loyalty points and campaign."""
    cust = np.concatenate([pur.customer, camp.incr_customer])
    day = np.concatenate([pur.day, camp.incr_day])
    amount = np.concatenate([pur.amount, incr_amount])
    cat = np.concatenate([category, incr_category])
    first = np.concatenate([pur.is_first, np.zeros(camp.incr_customer.size, bool)])
    campaign = np.concatenate([camp.attributed_purchase, camp.incr_campaign])
    m = cust.size
    sales = np.array([prm["personas"]["sales_channel_probs"][p] for p in PERSONAS])
    channel = people.categorical(rng, sales[persona[cust]])
    # the first purchase happens where the journey's purchase touch happened
    store = SALES_CHANNELS.index("store")
    at_store = purchase_channel[cust] == TOUCH_CHANNELS.index("store")
    no_store = sales[persona[cust]].copy()
    no_store[:, store] = 0.0
    remote = people.categorical(rng, no_store / no_store.sum(axis=1, keepdims=True))
    channel = np.where(first, np.where(at_store, store, remote), channel)
    # returns
    rp = prm["returns"]
    logit = (
        np.log(rp["base_prob"] / (1 - rp["base_prob"]))
        + rp["satisfaction_logit_slope"] * lat.satisfaction[cust]
    )
    returned = rng.random(m) < 1 / (1 + np.exp(-logit))
    ret_day = day + rng.integers(1, rp["max_days"] + 1, m)
    full = rng.random(m) < rp["full_return_prob"]
    frac = np.where(full, 1.0, rng.uniform(0.2, 0.9, m))
    returned &= ret_day <= n_days - 1
    r_idx = np.flatnonzero(returned)
    r_amount = -np.maximum(np.round(amount[r_idx] * frac[r_idx], 2), 0.01)

    all_cust = np.concatenate([cust, cust[r_idx]])
    all_day = np.concatenate([day, ret_day[r_idx]])
    all_amount = np.concatenate([amount, r_amount])
    all_cat = np.concatenate([cat, cat[r_idx]])
    all_channel = np.concatenate([channel, channel[r_idx]])
    is_return = np.concatenate([np.zeros(m, bool), np.ones(r_idx.size, bool)])
    all_campaign = np.concatenate([campaign, np.full(r_idx.size, -1, dtype=np.int64)])
    kind = np.concatenate([np.where(first, 0, 1), np.full(r_idx.size, 2)])
    order = np.lexsort((kind, all_cust, all_day))
    out = {
        "customer": all_cust[order],
        "day": all_day[order],
        "amount": all_amount[order],
        "category": all_cat[order],
        "channel": all_channel[order],
        "is_return": is_return[order],
        "campaign": all_campaign[order],
    }
    earned, redeemed = _loyalty_points(rng, out, loyalty_join, prm)
    out["points_earned"] = earned
    out["points_redeemed"] = redeemed
    return out


def _loyalty_points(
    rng: np.random.Generator,
    tx: dict[str, np.ndarray],
    loyalty_join: np.ndarray,
    prm: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Points earned (floor(amount * rate)) on members' purchases from their join day on;
    blocks of points redeemed when the balance reaches the threshold (with a probability)."""
    lp = prm["loyalty"]
    cust, day = tx["customer"], tx["day"]
    join = loyalty_join[cust]
    eligible = (join >= 0) & (day >= join) & ~tx["is_return"]
    earned = np.where(eligible, np.floor(tx["amount"] * lp["points_per_currency_unit"]), 0).astype(
        np.int64
    )
    redeemed = np.zeros(cust.size, dtype=np.int64)
    u = rng.random(cust.size)
    idx = np.flatnonzero(eligible)
    idx = idx[np.lexsort((idx, cust[idx]))]  # by customer, then chronological
    balance: dict[int, int] = {}
    block, threshold, prob = lp["redeem_block"], lp["redeem_threshold"], lp["redeem_prob"]
    for i in idx:
        c = int(cust[i])
        bal = balance.get(c, 0)
        if bal >= threshold and u[i] < prob:
            redeemed[i] = (bal // block) * block
            bal -= int(redeemed[i])
        balance[c] = bal + int(earned[i])
    return earned, redeemed


def _build_touchpoints(
    jr: people.Journeys,
    minute: np.ndarray,
    timestamps: np.ndarray,
    touch_customer: np.ndarray,
    customer_ids: np.ndarray,
    campaign_ids: np.ndarray,
    camp: tables.CampaignDraw,
    specs: list[tables.CampaignSpec],
) -> pd.DataFrame:
    """Touchpoint table: person ids, timestamps, stages, channels and campaign of deepening."""
    n_persons = jr.person_bought.size
    prospect = ~jr.person_bought
    prospect_ids = np.empty(n_persons, dtype=object)
    prospect_ids[prospect] = _ids("P", int(prospect.sum()), 5)
    is_buyer = touch_customer >= 0
    pid = np.where(is_buyer, customer_ids[np.maximum(touch_customer, 0)], prospect_ids[jr.person])
    # campaign of a deepening touch: the latest-starting campaign whose treated contact of this
    # customer is on or before the touch day and whose end is on or after it
    campaign = np.full(jr.person.size, -1, dtype=np.int64)
    deep = np.flatnonzero(is_buyer & (jr.stage == people.DEEPENING_STAGE))
    treated = camp.contact_treated
    if deep.size and treated.any():
        end_day = np.array([s.end_day for s in specs], dtype=np.int64)
        left = pd.DataFrame(
            {
                "row": deep,
                "customer": touch_customer[deep],
                "day": minute[deep] // people.MINUTES_PER_DAY,
            }
        )
        right = pd.DataFrame(
            {
                "customer": camp.contact_customer[treated],
                "campaign": camp.contact_campaign[treated],
                "cday": camp.contact_day[treated],
            }
        )
        both = left.merge(right, on="customer", how="inner")
        ok = (both["cday"] <= both["day"]) & (end_day[both["campaign"].to_numpy()] >= both["day"])
        best = both[ok].groupby("row")["campaign"].max()
        campaign[best.index.to_numpy()] = best.to_numpy()
    order = np.lexsort((jr.person, minute))
    return pd.DataFrame(
        {
            "event_id": _ids("E", order.size, 6),
            "customer_id": pid[order],
            "timestamp": timestamps[order],
            "stage": np.array(STAGES, dtype=object)[jr.stage[order]],
            "channel": np.array(TOUCH_CHANNELS, dtype=object)[jr.channel[order]],
            "campaign_id": _optional_ids(campaign_ids, campaign[order]),
        }
    )


def _truth_params(
    prm: dict[str, Any],
    jr: people.Journeys,
    specs: list[tables.CampaignSpec],
    camp: tables.CampaignDraw,
    branch_quality: dict[str, float],
    t0: pd.Timestamp,
    t1: pd.Timestamp,
    n: int,
    seed: Any,
) -> dict[str, Any]:
    """The parameters plus derived tables and realised facts, as a JSON-serialisable dict."""
    out = copy.deepcopy(prm)
    out["observation"] = {
        "start": str(t0.date()),
        "end": str(t1.date()),
        "n_customers": n,
        "seed": seed if isinstance(seed, int) else None,
    }
    jp = out["journey"]
    jp["transition_probabilities"] = people.journey_probability_dict(prm["journey"])
    conv = people.conversion_probabilities(prm["journey"])
    jp["conversion_probability_by_discovery_channel"] = conv
    n_persons = int(jr.person_bought.size)
    jp["realised"] = {
        "n_people": n_persons,
        "n_buyers": int(jr.person_bought.sum()),
        "n_prospects": int(n_persons - jr.person_bought.sum()),
        "conversion_rate": float(jr.person_bought.mean()),
    }
    cp = out["campaigns"]
    cp["calendar"] = [
        {"name": s.name, "type": s.type, "target_group": s.target_group} for s in specs
    ]
    cp["retention_test"] = camp.retention_truth
    out["mystery_shopping"]["branch_quality"] = branch_quality
    out["mystery_shopping"]["branch_region"] = {b: r for b, r in BRANCHES}
    return out


# ---------------------------------------------------------------------------------------------
# Writing the bundled sample and the command line
# ---------------------------------------------------------------------------------------------
def write_sample(directory: str | Path = "data", **kwargs: Any) -> Path:
    """Simulate with ``simulate_crm(**kwargs)`` and write the CSVs and truth to ``directory``.

    Examples
    --------
    >>> import tempfile
    >>> folder = write_sample(tempfile.mkdtemp(), n_customers=300, seed=7)
    >>> (folder / "customers.csv").exists()
    True
    """
    return simulate_crm(**kwargs).to_csv(directory)


def simulate_main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m portfolio_lib simulate --out DIR --n-customers N --seed S``.

    ``argv`` are the arguments after ``simulate`` (a leading ``"simulate"`` is ignored).
    Returns the exit code (0 on success).
    """
    args_in = list(argv or [])
    if args_in[:1] == ["simulate"]:
        args_in = args_in[1:]
    parser = argparse.ArgumentParser(
        prog="python -m portfolio_lib simulate",
        description="Simulate the sample company (Anadolu Market) and write it as CSV.",
    )
    parser.add_argument("--out", default="data", help="output folder (default: data)")
    parser.add_argument("--n-customers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--start", default="2023-01-01")
    parser.add_argument("--end", default="2024-12-31")
    args = parser.parse_args(args_in)
    try:
        crm = simulate_crm(args.n_customers, args.seed, args.start, args.end)
    except ValueError as exc:
        parser.error(str(exc))
    folder = crm.to_csv(args.out)
    sizes = ", ".join(f"{k}={len(v)}" for k, v in crm.tables.items())
    print(f"wrote the sample company to {folder}: {sizes}")
    return 0
