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

from portfolio_lib import _sim_assemble as assemble
from portfolio_lib import _sim_io as sim_io
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
TABLE_SCHEMAS = sim_io.TABLE_SCHEMAS
TABLE_NAMES = sim_io.TABLE_NAMES


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
            name: sim_io.read_table(folder / f"{name}.csv", TABLE_SCHEMAS[name])
            for name in TABLE_NAMES
        }
        truth = SimulationTruth(
            params=params,
            customers=sim_io.read_table(
                folder / "truth_customers.csv", TABLE_SCHEMAS["truth_customers"]
            ),
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
    category = assemble.draw_categories(g_tx, persona[pur.customer], pur.amount, prm)
    specs = tables.campaign_calendar(first_day, n_days, prm)
    camp = tables.simulate_campaigns(
        g_camp, specs, n, persona, lat.signup_day, loyalty_join,
        pur.customer, pur.day, category, pur.dropout_day, prm,
    )  # fmt: skip
    incr_amount = people.spend_amounts(g_camp, lat.spend_scale[camp.incr_customer], prm)
    incr_category = assemble.draw_categories(g_tx, persona[camp.incr_customer], incr_amount, prm)
    tx = assemble.build_transactions(
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

    customer_ids = assemble.ids("C", n, 5 if n < 100000 else len(str(n)))
    campaign_ids = assemble.ids("CMP", len(specs), 3)
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
            "transaction_id": assemble.ids("T", tx["customer"].size, 7),
            "customer_id": customer_ids[tx["customer"]],
            "date": day_to_date(tx["day"]),
            "amount": tx["amount"],
            "category": np.array(CATEGORIES, dtype=object)[tx["category"]],
            "channel": np.array(SALES_CHANNELS, dtype=object)[tx["channel"]],
            "is_return": tx["is_return"],
            "points_earned": tx["points_earned"],
            "points_redeemed": tx["points_redeemed"],
            "campaign_id": assemble.optional_ids(campaign_ids, tx["campaign"]),
        }
    )
    touchpoints = assemble.build_touchpoints(
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
            "response_id": assemble.ids("R", sorder.size, 6),
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
            "complaint_id": assemble.ids("K", korder.size, 5),
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
            "visit_id": assemble.ids("V", morder.size, 4),
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
    truth_params = assemble.truth_params(prm, jr, specs, camp, branch_quality, t0, t1, n, seed)
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
    frames = {k: sim_io.coerce(v, TABLE_SCHEMAS[k]) for k, v in frames.items()}
    truth = SimulationTruth(
        params=truth_params,
        customers=sim_io.coerce(truth_customers, TABLE_SCHEMAS["truth_customers"]),
    )
    return CRMData(**frames, truth=truth, observation_start=t0, observation_end=t1)


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
