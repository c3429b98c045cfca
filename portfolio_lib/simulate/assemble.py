"""The company from its parts: the sales step (purchases, campaigns, transactions), the
observable tables and the truth as DataFrames, and :func:`simulate_crm`, which runs every
step in order.

Steps of :func:`simulate_crm` (one random stream each, :class:`~.params.Streams`):

1. :func:`~.params.check_args`, :func:`~.params.resolve_params` -- the window and the parameters;
2. :func:`~.people.draw_customers` -- latent traits, journeys, buyers matched to customers;
3. :func:`draw_sales` -- organic purchases, campaigns and their incremental purchases, and the
   transactions (channel, returns, loyalty points, attribution);
4. :mod:`~portfolio_lib.simulate.tables` -- surveys, complaints, mystery-shopping visits;
5. the ``*_frame`` builders here -- arrays to DataFrames, each passed through
   :func:`portfolio_lib.crm.conform`, so every dtype is the one of :data:`portfolio_lib.crm.SCHEMAS`.

Days and minutes are integers counted from the first day of the observation window until
:class:`Calendar` turns them into dates, once, in the frame builders.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from portfolio_lib.crm import (
    SCHEMAS,
    TRUTH_CUSTOMERS,
    CRMData,
    SimulationTruth,
    conform,
)
from portfolio_lib.simulate import loyalty, people, tables
from portfolio_lib.simulate.params import (
    ATTITUDE_FACTORS,
    ATTITUDE_ITEMS,
    BRANCHES,
    CATEGORIES,
    MYSTERY_ITEMS,
    PERSONAS,
    RATING_ITEMS,
    SALES_CHANNELS,
    SATISFACTION_ITEMS,
    STAGES,
    TOUCH_CHANNELS,
    Streams,
    check_args,
    resolve_params,
)

__all__ = ["simulate_crm"]


# ---------------------------------------------------------------------------------------------
# The company
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
        minute resolution; columns and dtypes as in :data:`portfolio_lib.crm.SCHEMAS`.

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
    t0, t1 = check_args(n_customers, start, end)
    prm = resolve_params(params)
    n, n_days = int(n_customers), (t1 - t0).days + 1
    cal = Calendar(np.datetime64(t0.date(), "D"))
    streams = Streams.spawn(seed)
    cs = people.draw_customers(streams, n, n_days, prm)
    sales = draw_sales(streams, cs, cal.first_day, n_days, prm)
    lat, dropout_day = cs.latents, sales.purchases.dropout_day
    waves = tables.survey_waves(cal.first_day, n_days)
    sv = tables.simulate_surveys(
        streams.surveys, waves, lat.signup_day, dropout_day, cs.loyalty_join, lat.satisfaction, prm
    )
    cm = tables.simulate_complaints(
        streams.complaints, lat.signup_day, dropout_day, lat.satisfaction, n_days, prm
    )
    ms, branch_quality = tables.simulate_mystery(streams.mystery, n_days, prm)
    keys = Keys.number(n, len(sales.specs))
    consent = loyalty.draw_consent(streams.consent, cs.loyalty_join >= 0, prm)
    truth = SimulationTruth(
        params=truth_params(prm, cs.journeys, sales, branch_quality, t0, t1, n, seed),
        customers=truth_customers_frame(cs, sales, keys, cal),
    )
    truth.params["consent"]["realised_rates"] = {k: float(v.mean()) for k, v in consent.items()}
    return CRMData(
        customers=customers_frame(cs, consent, keys, cal),
        transactions=transactions_frame(sales.transactions, keys, cal),
        touchpoints=touchpoints_frame(cs, sales, keys, cal),
        campaigns=campaigns_frame(sales, keys, cal),
        campaign_contacts=contacts_frame(sales.campaigns, keys, cal),
        surveys=surveys_frame(sv, keys, cal),
        complaints=complaints_frame(cm, keys, cal),
        mystery_shopping=mystery_frame(ms, cal),
        truth=truth,
        observation_start=t0,
        observation_end=t1,
    )


# ---------------------------------------------------------------------------------------------
# The sales step: purchases, campaigns, transactions (arrays)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sales:
    """Organic purchases, the campaign calendar and its draws, and the transaction arrays."""

    purchases: people.Purchases
    specs: list[tables.CampaignSpec]
    campaigns: tables.CampaignDraw
    transactions: dict[str, np.ndarray]
    loyalty: dict[str, Any]  # the programme's realised effect and point totals (truth)


def draw_sales(
    streams: Streams,
    cs: people.Customers,
    first_day: np.datetime64,
    n_days: int,
    prm: dict[str, Any],
) -> Sales:
    """BG/NBD purchases, the campaigns (with the retention test's incremental purchases) and
    the transactions they make, with channel, returns and loyalty points."""
    lat, persona = cs.latents, cs.persona
    intensity = people.daily_intensity(first_day, n_days, prm)
    pur = people.simulate_purchases(streams.purchases, lat, intensity, prm)
    category = draw_categories(streams.transactions, persona[pur.customer], pur.amount, prm)
    active_until = np.where(pur.dropout_day >= 0, pur.dropout_day, n_days - 1)
    extra_customer, extra_day = loyalty.programme_purchases(
        streams.loyalty, lat, cs.loyalty_join, active_until, intensity, prm
    )
    specs = tables.campaign_calendar(first_day, n_days, prm)
    camp = tables.simulate_campaigns(
        streams.campaigns, specs, persona.size, persona, lat.signup_day, cs.loyalty_join,
        pur.customer, pur.day, category, pur.dropout_day, prm, (extra_customer, extra_day),
    )  # fmt: skip
    incr_amount = people.spend_amounts(streams.campaigns, lat.spend_scale[camp.incr_customer], prm)
    incr_category = draw_categories(
        streams.transactions, persona[camp.incr_customer], incr_amount, prm
    )
    incremental = (incr_amount, incr_category)
    extra_amount = people.spend_amounts(streams.loyalty, lat.spend_scale[extra_customer], prm)
    extra_category = draw_categories(streams.loyalty, persona[extra_customer], extra_amount, prm)
    programme = (extra_customer, extra_day, extra_amount, extra_category)
    tx, points = build_transactions(
        streams, cs, pur, category, camp, incremental, programme, n_days, prm
    )
    effect = loyalty.true_effect(tx, cs.loyalty_join, lat.signup_day, first_day, n_days)
    value = prm["loyalty"]["value_per_point"]
    settled = points["redeemed"] + points["expired"]
    realised = {
        **effect,
        "points": points,
        "liability": round(points["outstanding"] * value, 2),
        "redemption_rate": points["redeemed"] / points["earned"] if points["earned"] else None,
        "breakage_rate": points["expired"] / points["earned"] if points["earned"] else None,
        "expired_share_of_settled": points["expired"] / settled if settled else None,
    }
    return Sales(pur, specs, camp, tx, realised)


def ids(prefix: str, n: int, width: int) -> np.ndarray:
    """Keys ``prefix`` + zero-padded 1..n, e.g. ``ids("C", 2, 5) -> ["C00001", "C00002"]``."""
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def optional_ids(ids: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``ids[index]`` where ``index >= 0``, else NaN (object array)."""
    out = np.full(index.size, np.nan, dtype=object)
    has = index >= 0
    out[has] = ids[index[has]]
    return out


def draw_categories(
    rng: np.random.Generator, persona: np.ndarray, amount: np.ndarray, prm: dict[str, Any]
) -> np.ndarray:
    """Category given persona and amount: P(k) proportional to mix[persona, k] * (amount/48)^slope_k.

    Drawn after the amount, so the Gamma-Gamma spend process is untouched.
    """
    mix = np.array([prm["personas"]["category_probs"][p] for p in PERSONAS])
    slope = np.array([prm["category_amount_slope"][c] for c in CATEGORIES])
    w = mix[persona] * np.exp(slope[None, :] * (np.log(amount)[:, None] - np.log(48.0)))
    return people.categorical(rng, w / w.sum(axis=1, keepdims=True))


def build_transactions(
    streams: Streams,
    cs: people.Customers,
    pur: people.Purchases,
    category: np.ndarray,
    camp: tables.CampaignDraw,
    incremental: tuple[np.ndarray, np.ndarray],
    programme: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    n_days: int,
    prm: dict[str, Any],
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Purchases (organic, incremental and the loyalty programme's) with channel, returns,
    loyalty points and campaign; and the programme's point totals.

    ``category`` is per organic purchase; ``incremental`` holds the amounts and categories
    of the retention test's incremental purchases, ``programme`` the customer, day, amount
    and category of the purchases the programme adds. The programme's rows draw their
    channel and returns from ``streams.loyalty``, the others from ``streams.transactions``;
    ``programme`` in the result marks them (and their returns)."""
    incr_amount, incr_category = incremental
    base = {
        "customer": np.concatenate([pur.customer, camp.incr_customer]),
        "day": np.concatenate([pur.day, camp.incr_day]),
        "amount": np.concatenate([pur.amount, incr_amount]),
        "category": np.concatenate([category, incr_category]),
        "first": np.concatenate([pur.is_first, np.zeros(camp.incr_customer.size, bool)]),
        "campaign": np.concatenate([camp.attributed_purchase, camp.incr_campaign]),
    }
    p_customer, p_day, p_amount, p_category = programme
    extra = {
        "customer": p_customer,
        "day": p_day,
        "amount": p_amount,
        "category": p_category,
        "first": np.zeros(p_customer.size, bool),
        "campaign": np.full(p_customer.size, -1, dtype=np.int64),
    }
    parts = [
        _purchase_rows(streams.transactions, cs, base, n_days, prm),
        _purchase_rows(streams.loyalty, cs, extra, n_days, prm),
    ]
    rows = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    rows["programme"] = np.repeat([False, True], [parts[0]["kind"].size, parts[1]["kind"].size])
    order = np.lexsort((rows.pop("kind"), rows["customer"], rows["day"]))
    out = {key: value[order] for key, value in rows.items()}
    earned, redeemed, totals = loyalty.points(
        streams.loyalty, out["customer"], out["day"], out["amount"], out["is_return"],
        cs.loyalty_join, n_days, prm,
    )  # fmt: skip
    out["points_earned"] = earned
    out["points_redeemed"] = redeemed
    return out, totals


def _purchase_rows(
    rng: np.random.Generator,
    cs: people.Customers,
    buys: dict[str, np.ndarray],
    n_days: int,
    prm: dict[str, Any],
) -> dict[str, np.ndarray]:
    """The purchases ``buys`` with their sales channel, and the returns drawn for them.

    Rows: the purchases, then the returns (``kind`` 0 first purchase, 1 repeat, 2 return)."""
    persona, satisfaction = cs.persona, cs.latents.satisfaction
    cust, day, amount, first = buys["customer"], buys["day"], buys["amount"], buys["first"]
    m = cust.size
    sales = np.array([prm["personas"]["sales_channel_probs"][p] for p in PERSONAS])
    channel = people.categorical(rng, sales[persona[cust]])
    # the first purchase happens where the journey's purchase touch happened
    store = SALES_CHANNELS.index("store")
    at_store = cs.purchase_channel[cust] == TOUCH_CHANNELS.index("store")
    no_store = sales[persona[cust]].copy()
    no_store[:, store] = 0.0
    remote = people.categorical(rng, no_store / no_store.sum(axis=1, keepdims=True))
    channel = np.where(first, np.where(at_store, store, remote), channel)
    # returns
    rp = prm["returns"]
    logit = (
        np.log(rp["base_prob"] / (1 - rp["base_prob"]))
        + rp["satisfaction_logit_slope"] * satisfaction[cust]
    )
    returned = rng.random(m) < 1 / (1 + np.exp(-logit))
    ret_day = day + rng.integers(1, rp["max_days"] + 1, m)
    full = rng.random(m) < rp["full_return_prob"]
    frac = np.where(full, 1.0, rng.uniform(0.2, 0.9, m))
    returned &= ret_day <= n_days - 1
    r_idx = np.flatnonzero(returned)
    r_amount = -np.maximum(np.round(amount[r_idx] * frac[r_idx], 2), 0.01)
    return {
        "customer": np.concatenate([cust, cust[r_idx]]),
        "day": np.concatenate([day, ret_day[r_idx]]),
        "amount": np.concatenate([amount, r_amount]),
        "category": np.concatenate([buys["category"], buys["category"][r_idx]]),
        "channel": np.concatenate([channel, channel[r_idx]]),
        "is_return": np.concatenate([np.zeros(m, bool), np.ones(r_idx.size, bool)]),
        "campaign": np.concatenate([buys["campaign"], np.full(r_idx.size, -1, dtype=np.int64)]),
        "kind": np.concatenate([np.where(first, 0, 1), np.full(r_idx.size, 2)]),
    }


# ---------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Calendar:
    """Turns day and minute counts since the window's first day into ``datetime64[ns]``;
    the ``optional_*`` forms turn a negative count (none) into NaT."""

    first_day: np.datetime64

    def dates(self, day: np.ndarray) -> np.ndarray:
        offset = np.asarray(day, dtype=np.int64).astype("timedelta64[D]")
        return (self.first_day + offset).astype("datetime64[ns]")

    def timestamps(self, minute: np.ndarray) -> np.ndarray:
        offset = np.asarray(minute, dtype=np.int64).astype("timedelta64[m]")
        return (self.first_day.astype("datetime64[m]") + offset).astype("datetime64[ns]")

    def optional_dates(self, day: np.ndarray) -> np.ndarray:
        return _none_as_nat(self.dates, day)

    def optional_timestamps(self, minute: np.ndarray) -> np.ndarray:
        return _none_as_nat(self.timestamps, minute)


def _none_as_nat(convert: Any, counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts)
    out = convert(np.maximum(counts, 0))
    out[counts < 0] = np.datetime64("NaT")
    return out


@dataclass(frozen=True)
class Keys:
    """The customer and campaign keys (``C00001`` ..., ``CMP001`` ...), by index."""

    customer: np.ndarray
    campaign: np.ndarray

    @classmethod
    def number(cls, n_customers: int, n_campaigns: int) -> Keys:
        width = 5 if n_customers < 100000 else len(str(n_customers))
        return cls(ids("C", n_customers, width), ids("CMP", n_campaigns, 3))


def _labels(vocabulary: Any, index: np.ndarray) -> np.ndarray:
    """Names of ``vocabulary`` at the integer ``index`` (object array)."""
    return np.array(vocabulary, dtype=object)[index]


def customers_frame(
    cs: people.Customers, consent: dict[str, np.ndarray], keys: Keys, cal: Calendar
) -> pd.DataFrame:
    demo = cs.demographics
    frame = pd.DataFrame(
        {
            "customer_id": keys.customer,
            "signup_date": cal.dates(cs.latents.signup_day),
            "acquisition_channel": _labels(TOUCH_CHANNELS, cs.acquisition_channel),
            "acquisition_cost": cs.acquisition_cost,
            "region": demo["region"],
            "age": demo["age"],
            "gender": demo["gender"],
            "loyalty_member": cs.loyalty_join >= 0,
            "loyalty_join_date": cal.optional_dates(cs.loyalty_join),
            **consent,
            **{item: demo[item] for item in ATTITUDE_ITEMS},
        }
    )
    return conform(frame, SCHEMAS["customers"])


def transactions_frame(tx: dict[str, np.ndarray], keys: Keys, cal: Calendar) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "transaction_id": ids("T", tx["customer"].size, 7),
            "customer_id": keys.customer[tx["customer"]],
            "date": cal.dates(tx["day"]),
            "amount": tx["amount"],
            "category": _labels(CATEGORIES, tx["category"]),
            "channel": _labels(SALES_CHANNELS, tx["channel"]),
            "is_return": tx["is_return"],
            "points_earned": tx["points_earned"],
            "points_redeemed": tx["points_redeemed"],
            "campaign_id": optional_ids(keys.campaign, tx["campaign"]),
        }
    )
    return conform(frame, SCHEMAS["transactions"])


def touchpoints_frame(
    cs: people.Customers, sales: Sales, keys: Keys, cal: Calendar
) -> pd.DataFrame:
    """Touchpoint table: person ids, timestamps, stages, channels and campaign of deepening."""
    jr, touch_customer = cs.journeys, cs.touch_customer
    prospect = ~jr.person_bought
    prospect_ids = np.empty(prospect.size, dtype=object)
    prospect_ids[prospect] = ids("P", int(prospect.sum()), 5)
    is_buyer = touch_customer >= 0
    pid = np.where(is_buyer, keys.customer[np.maximum(touch_customer, 0)], prospect_ids[jr.person])
    campaign = _deepening_campaign(cs, sales)
    order = np.lexsort((jr.person, cs.minute))
    frame = pd.DataFrame(
        {
            "event_id": ids("E", order.size, 6),
            "customer_id": pid[order],
            "timestamp": cal.timestamps(cs.minute[order]),
            "stage": _labels(STAGES, jr.stage[order]),
            "channel": _labels(TOUCH_CHANNELS, jr.channel[order]),
            "campaign_id": optional_ids(keys.campaign, campaign[order]),
        }
    )
    return conform(frame, SCHEMAS["touchpoints"])


def _deepening_campaign(cs: people.Customers, sales: Sales) -> np.ndarray:
    """Per touch, the campaign of a buyer's deepening touch (-1: none): the latest-starting
    campaign whose treated contact of this customer is on or before the touch day and whose
    end is on or after it."""
    jr, touch_customer, camp = cs.journeys, cs.touch_customer, sales.campaigns
    campaign = np.full(jr.person.size, -1, dtype=np.int64)
    deep = np.flatnonzero((touch_customer >= 0) & (jr.stage == people.DEEPENING_STAGE))
    treated = camp.contact_treated
    if deep.size and treated.any():
        end_day = np.array([s.end_day for s in sales.specs], dtype=np.int64)
        left = pd.DataFrame(
            {
                "row": deep,
                "customer": touch_customer[deep],
                "day": cs.minute[deep] // people.MINUTES_PER_DAY,
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
    return campaign


def campaigns_frame(sales: Sales, keys: Keys, cal: Calendar) -> pd.DataFrame:
    specs, camp = sales.specs, sales.campaigns

    def spec(attr: str, dtype: Any = object) -> np.ndarray:
        return np.array([getattr(s, attr) for s in specs], dtype=dtype)

    treated = camp.contact_campaign[camp.contact_treated]
    n_contacts = np.bincount(treated, minlength=len(specs)).astype(np.int64)
    cpc, fixed = spec("cost_per_contact", float), spec("fixed_cost", float)
    frame = pd.DataFrame(
        {
            "campaign_id": keys.campaign,
            "name": spec("name"),
            "type": spec("type"),
            "channel": spec("channel"),
            "start_date": cal.dates(spec("start_day", np.int64)),
            "end_date": cal.dates(spec("end_day", np.int64)),
            "target_group": spec("target_group"),
            "n_contacts": n_contacts,
            "cost_per_contact": cpc,
            "fixed_cost": fixed,
            "total_cost": np.round(fixed + cpc * n_contacts, 2),
        }
    )
    return conform(frame, SCHEMAS["campaigns"])


def contacts_frame(camp: tables.CampaignDraw, keys: Keys, cal: Calendar) -> pd.DataFrame:
    order = np.lexsort((camp.contact_customer, camp.contact_campaign))
    frame = pd.DataFrame(
        {
            "campaign_id": keys.campaign[camp.contact_campaign[order]],
            "customer_id": keys.customer[camp.contact_customer[order]],
            "arm": np.where(camp.contact_treated[order], "treatment", "control").astype(object),
            "contact_date": cal.dates(camp.contact_day[order]),
            "responded": camp.contact_responded[order],
        }
    )
    return conform(frame, SCHEMAS["campaign_contacts"])


_SURVEY_ANSWERS = ("nps", "csat", *RATING_ITEMS, *SATISFACTION_ITEMS, "comment")


def surveys_frame(sv: dict[str, np.ndarray], keys: Keys, cal: Calendar) -> pd.DataFrame:
    order = np.lexsort((sv["customer"], sv["day"]))
    frame = pd.DataFrame(
        {
            "response_id": ids("R", order.size, 6),
            "customer_id": keys.customer[sv["customer"][order]],
            "wave": sv["wave"][order],
            "date": cal.dates(sv["day"][order]),
            "stage": np.where(sv["deepening"][order], "deepening", "purchase").astype(object),
            **{item: sv[item][order] for item in _SURVEY_ANSWERS},
        }
    )
    return conform(frame, SCHEMAS["surveys"])


def complaints_frame(cm: dict[str, np.ndarray], keys: Keys, cal: Calendar) -> pd.DataFrame:
    order = np.lexsort((cm["customer"], cm["opened"]))
    frame = pd.DataFrame(
        {
            "complaint_id": ids("K", order.size, 5),
            "customer_id": keys.customer[cm["customer"][order]],
            "opened": cal.timestamps(cm["opened"][order]),
            "resolved": cal.optional_timestamps(cm["resolved"][order]),
            **{c: cm[c][order] for c in ("category", "channel", "text", "resolution_satisfaction")},
        }
    )
    return conform(frame, SCHEMAS["complaints"])


def mystery_frame(ms: dict[str, np.ndarray], cal: Calendar) -> pd.DataFrame:
    order = np.lexsort((ms["branch"], ms["day"]))
    branch = ms["branch"][order]
    frame = pd.DataFrame(
        {
            "visit_id": ids("V", order.size, 4),
            "branch": _labels([b for b, _ in BRANCHES], branch),
            "region": _labels([r for _, r in BRANCHES], branch),
            "visit_date": cal.dates(ms["day"][order]),
            "shopper_id": np.array([f"MS{s:02d}" for s in ms["shopper"][order]], dtype=object),
            **{item: ms[item][order] for item in MYSTERY_ITEMS},
        }
    )
    return conform(frame, SCHEMAS["mystery_shopping"])


def truth_customers_frame(
    cs: people.Customers, sales: Sales, keys: Keys, cal: Calendar
) -> pd.DataFrame:
    lat, pur = cs.latents, sales.purchases
    n = lat.signup_day.size
    frame = pd.DataFrame(
        {
            "customer_id": keys.customer,
            "persona": _labels(PERSONAS, cs.persona),
            "purchase_rate_per_week": lat.purchase_rate,
            "dropout_prob": lat.dropout_prob,
            "spend_scale": lat.spend_scale,
            "dropout_date": cal.optional_dates(pur.dropout_day),
            "alive_at_end": pur.dropout_day < 0,
            "satisfaction_latent": lat.satisfaction,
            "exposure_weeks": pur.exposure_weeks,
            "n_repeat_purchases": pur.n_repeat.astype(np.int64),
            "n_incremental_purchases": np.bincount(sales.campaigns.incr_customer, minlength=n),
            "enrol_probability": people.round_sig(cs.enrol_probability, 8),
            "n_programme_purchases": np.bincount(
                sales.transactions["customer"][
                    sales.transactions["programme"] & ~sales.transactions["is_return"]
                ],
                minlength=n,
            ),
            **{f"factor_{f}": cs.demographics[f"factor_{f}"] for f in ATTITUDE_FACTORS},
        }
    )
    return conform(frame, TRUTH_CUSTOMERS)


def truth_params(
    prm: dict[str, Any],
    jr: people.Journeys,
    sales: Sales,
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
        {"name": s.name, "type": s.type, "target_group": s.target_group} for s in sales.specs
    ]
    cp["retention_test"] = sales.campaigns.retention_truth
    out["loyalty"]["realised"] = sales.loyalty
    out["mystery_shopping"]["branch_quality"] = branch_quality
    out["mystery_shopping"]["branch_region"] = {b: r for b, r in BRANCHES}
    return out
