"""People of the simulated company: latent traits, journeys and the purchase process.

Internal helpers of :mod:`portfolio_lib.simulate`; all times here are integers
(days or minutes) counted from the first day of the observation window, so that
the conversion to calendar dates happens once, in :mod:`portfolio_lib.simulate.assemble`.
:func:`draw_customers` is the people step of ``simulate_crm``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from portfolio_lib.simulate import loyalty
from portfolio_lib.simulate.params import (
    ATTITUDE_FACTORS,
    PERSONAS,
    REGIONS,
    STAGES,
    TOUCH_CHANNELS,
    Streams,
)

MINUTES_PER_DAY = 1440
PURCHASE_STAGE = STAGES.index("purchase")
DEEPENING_STAGE = STAGES.index("deepening")


def round_sig(values: np.ndarray, digits: int = 8) -> np.ndarray:
    """Round positive or negative floats to ``digits`` significant digits (0 stays 0)."""
    values = np.asarray(values, dtype=float)
    out = values.copy()
    nonzero = values != 0
    magnitude = np.floor(np.log10(np.abs(values[nonzero])))
    factor = 10.0 ** (digits - 1 - magnitude)
    out[nonzero] = np.round(values[nonzero] * factor) / factor
    return out


def categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows sum to 1); returns column indices."""
    probs = np.atleast_2d(probs)
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def within_group_cumsum(values: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``values`` restarting where ``group_start`` is True (sorted groups)."""
    total = np.cumsum(values)
    start_idx = np.flatnonzero(group_start)
    group_id = np.cumsum(group_start) - 1
    before = total[start_idx] - values[start_idx]
    return total - before[group_id]


# ---------------------------------------------------------------------------------------------
# Latent traits
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Latents:
    """Per-customer latent traits (arrays of length n)."""

    purchase_rate: np.ndarray  # lambda, purchases per week (operational time)
    dropout_prob: np.ndarray  # p
    spend_scale: np.ndarray  # nu
    satisfaction: np.ndarray
    signup_day: np.ndarray  # int, days since window start


def draw_latents(rng: np.random.Generator, n: int, n_days: int, params: dict[str, Any]) -> Latents:
    """Draw lambda, p, nu, satisfaction and signup day; sorted by signup day."""
    bg = params["bgnbd"]
    gg = params["gamma_gamma"]
    lam = round_sig(rng.gamma(bg["r"], 1.0 / bg["alpha"], n))
    p = round_sig(rng.beta(bg["a"], bg["b"], n))
    p = np.clip(p, 1e-8, 1 - 1e-8)
    nu = round_sig(rng.gamma(gg["q"], 1.0 / gg["gamma"], n))
    # satisfaction: standardise logit(p) with its exact population moments
    a, b = bg["a"], bg["b"]
    mean_logit = special.digamma(a) - special.digamma(b)
    sd_logit = np.sqrt(special.polygamma(1, a) + special.polygamma(1, b))
    z = (special.logit(p) - mean_logit) / sd_logit
    load = params["satisfaction"]["dropout_loading"]
    sat = round_sig(-load * z + np.sqrt(1 - load**2) * rng.standard_normal(n), 6)
    # signup day: density proportional to 1 - c * d / W on [0, W)
    c = params["acquisition"]["front_loading"]
    u = rng.random(n)
    if c > 0:
        frac = (1 - np.sqrt(1 - u * (2 - c) * c)) / c
    else:
        frac = u
    day = np.minimum(np.floor(frac * n_days).astype(np.int64), n_days - 1)
    order = np.argsort(day, kind="stable")
    return Latents(lam[order], p[order], nu[order], sat[order], day[order])


# ---------------------------------------------------------------------------------------------
# Journey Markov chain
# ---------------------------------------------------------------------------------------------
def journey_probability_table(journey: dict[str, Any]) -> np.ndarray:
    """P[stage, channel, outcome] with outcomes (advance, stay, exit), from the logits."""
    n_s, n_c = len(STAGES), len(TOUCH_CHANNELS)
    table = np.zeros((n_s, n_c, 3))
    for si, stage in enumerate(STAGES):
        base = journey["base_logits"][stage]
        for ci, channel in enumerate(TOUCH_CHANNELS):
            eff = journey["channel_effects"][channel]
            logits = []
            for outcome in ("advance", "stay"):
                logit = base[outcome]
                logits.append(-np.inf if logit is None else logit + eff[outcome])
            logits.append(0.0)
            w = np.exp(np.array(logits))
            table[si, ci] = w / w.sum()
    return table


def journey_probability_dict(journey: dict[str, Any]) -> dict[str, Any]:
    """Nested dict stage -> channel -> {advance, stay, exit} (and conversion per channel)."""
    table = journey_probability_table(journey)
    probs = {
        stage: {
            channel: {
                outcome: float(table[si, ci, oi])
                for oi, outcome in enumerate(("advance", "stay", "exit"))
            }
            for ci, channel in enumerate(TOUCH_CHANNELS)
        }
        for si, stage in enumerate(STAGES)
    }
    return probs


def conversion_probabilities(journey: dict[str, Any]) -> dict[str, float]:
    """P(reach purchase | discovery touch on channel c), solved exactly as an absorbing chain."""
    table = journey_probability_table(journey)
    keep = journey["channel_persistence"]
    mixes = np.array([journey["stage_channel_probs"][s] for s in STAGES])
    n_c = len(TOUCH_CHANNELS)
    # value v[s, c] = P(reach purchase | current touch at (s, c)); v[purchase, .] = 1
    v = np.zeros((PURCHASE_STAGE + 1, n_c))
    v[PURCHASE_STAGE] = 1.0
    for s in range(PURCHASE_STAGE - 1, -1, -1):
        nxt = keep * v[s + 1] + (1 - keep) * mixes[s + 1] @ v[s + 1]
        adv = table[s, :, 0] * nxt
        stay = table[s, :, 1]
        # v_c = adv_c + stay_c * (keep v_c + (1-keep) m.v): solve linear system
        m = mixes[s]
        a_mat = np.diag(1 - stay * keep) - np.outer(stay * (1 - keep), m)
        v[s] = np.linalg.solve(a_mat, adv)
    return {c: float(v[0, ci]) for ci, c in enumerate(TOUCH_CHANNELS)}


@dataclass(frozen=True)
class Journeys:
    """All simulated journey touches, sorted by person then step."""

    person: np.ndarray  # int index into persons
    stage: np.ndarray  # int stage index
    channel: np.ndarray  # int channel index
    person_persona: np.ndarray  # per person
    person_bought: np.ndarray  # per person, bool


def simulate_journeys(rng: np.random.Generator, n_buyers: int, params: dict[str, Any]) -> Journeys:
    """Run the journey chain on batches of discovered people until ``n_buyers`` purchase.

    People are simulated in order; the sample is cut right after the ``n_buyers``-th buyer,
    so every person kept (buyer or prospect) followed the unconditioned Markov chain.
    """
    journey = params["journey"]
    personas = params["personas"]
    table = journey_probability_table(journey)
    keep = journey["channel_persistence"]
    mixes = np.array([journey["stage_channel_probs"][s] for s in STAGES])
    shares = np.array([personas["shares"][p] for p in PERSONAS])
    disc = np.array([personas["discovery_channel_probs"][p] for p in PERSONAS])
    conv = float(np.dot(np.array(list(conversion_probabilities(journey).values())), mixes[0]))
    batch = int(np.ceil(n_buyers / max(conv, 0.02) * 1.15)) + 20

    persons_persona: list[np.ndarray] = []
    persons_bought: list[np.ndarray] = []
    touch_p: list[np.ndarray] = []
    touch_s: list[np.ndarray] = []
    touch_c: list[np.ndarray] = []
    offset = 0
    n_bought = 0
    while n_bought < n_buyers:
        persona = categorical(rng, np.broadcast_to(shares, (batch, len(shares))))
        channel = categorical(rng, disc[persona])
        stage = np.zeros(batch, dtype=np.int64)
        who = np.arange(batch)
        steps_p, steps_s, steps_c = [], [], []
        while who.size:
            steps_p.append(who + offset)
            steps_s.append(stage)
            steps_c.append(channel)
            outcome = categorical(rng, table[stage, channel])
            moving = outcome < 2
            stage = stage + (outcome == 0)
            keep_ch = rng.random(who.size) < keep
            new_ch = categorical(rng, mixes[np.minimum(stage, len(STAGES) - 1)])
            channel = np.where(keep_ch, channel, new_ch)
            who, stage, channel = who[moving], stage[moving], channel[moving]
        p_all = np.concatenate(steps_p)
        s_all = np.concatenate(steps_s)
        c_all = np.concatenate(steps_c)
        order = np.lexsort((np.arange(p_all.size), p_all))  # stable: person, then step
        touch_p.append(p_all[order])
        touch_s.append(s_all[order])
        touch_c.append(c_all[order])
        bought = np.zeros(batch, dtype=bool)
        bought[p_all[s_all == PURCHASE_STAGE] - offset] = True
        persons_persona.append(persona)
        persons_bought.append(bought)
        n_bought += int(bought.sum())
        offset += batch
    person_bought = np.concatenate(persons_bought)
    last = int(np.flatnonzero(person_bought)[n_buyers - 1])
    person = np.concatenate(touch_p)
    kept = person <= last
    return Journeys(
        person=person[kept],
        stage=np.concatenate(touch_s)[kept],
        channel=np.concatenate(touch_c)[kept],
        person_persona=np.concatenate(persons_persona)[: last + 1],
        person_bought=person_bought[: last + 1],
    )


def _fit_gaps(
    gaps: np.ndarray,
    seg_start: np.ndarray,
    person_first: np.ndarray,
    avail: np.ndarray,
    squeeze: np.ndarray,
) -> np.ndarray:
    """Integer minute gaps, scaled down per segment so that a segment fits in ``avail``.

    Every gap is at least one minute (so timestamps strictly increase within a person),
    except the first touch of a person, whose gap is 0. ``avail`` is given per element
    (the room of the element's segment, in minutes); a segment that must be compressed is
    compressed further by the factor ``squeeze`` (per element, in (0, 1]) so that
    compressed journeys do not all start at the window's first minute.
    """
    gaps = np.where(person_first, 0.0, gaps)
    seg_id = np.cumsum(seg_start) - 1
    total = np.bincount(seg_id, weights=gaps)[seg_id]
    count = np.bincount(seg_id)[seg_id]
    room = np.maximum(avail - count, 1.0)
    scale = np.where(total > room, squeeze * room / np.maximum(total, 1e-9), 1.0)
    out = np.maximum(1, np.floor(gaps * scale)).astype(np.int64)
    out[person_first] = 0
    return out


def journey_timestamps(
    rng: np.random.Generator,
    journeys: Journeys,
    buyer_signup_day: np.ndarray,
    n_days: int,
    params: dict[str, Any],
) -> np.ndarray:
    """Minute (since window start) of every touch.

    Buyers: the purchase touch is at their signup day (09:00-21:00); earlier touches are
    placed backwards and deepening touches forwards with exponential gaps (means in
    ``journey.mean_gap_days``), compressed if needed so the journey stays in the window.
    Prospects: the whole journey is placed at a uniformly random position in the window.
    ``buyer_signup_day`` is indexed by person (value ignored for prospects).
    """
    mean_gap = np.array([params["journey"]["mean_gap_days"][s] for s in STAGES]) * MINUTES_PER_DAY
    person, stage = journeys.person, journeys.stage
    n = person.size
    n_persons = journeys.person_bought.size
    gaps = rng.exponential(1.0, n) * mean_gap[stage]
    purchase_minute = buyer_signup_day * MINUTES_PER_DAY + rng.integers(9 * 60, 21 * 60, n_persons)
    start_offset = rng.random(n_persons)
    squeeze = rng.uniform(0.3, 1.0, n_persons)
    window_end = n_days * MINUTES_PER_DAY - 1

    first = np.ones(n, dtype=bool)
    first[1:] = person[1:] != person[:-1]
    bought = journeys.person_bought[person]
    post = bought & (stage == DEEPENING_STAGE)
    seg_start = first.copy()
    seg_start[1:] |= post[1:] & ~post[:-1]
    pm = purchase_minute[person]
    avail = np.where(post, window_end - pm, np.where(bought, pm, window_end)).astype(float)
    rel = within_group_cumsum(_fit_gaps(gaps, seg_start, first, avail, squeeze[person]), first)

    is_purchase = stage == PURCHASE_STAGE
    rel_purchase = np.zeros(n_persons, dtype=np.int64)
    rel_purchase[person[is_purchase]] = rel[is_purchase]
    person_total = np.zeros(n_persons, dtype=np.int64)
    np.maximum.at(person_total, person, rel)
    prospect_room = np.maximum(window_end - person_total, 0)
    prospect_start = np.floor(start_offset * (prospect_room + 1)).astype(np.int64)
    origin = np.where(journeys.person_bought, purchase_minute - rel_purchase, prospect_start)
    return origin[person] + rel


# ---------------------------------------------------------------------------------------------
# Buyers -> customers
# ---------------------------------------------------------------------------------------------
def match_buyers_to_customers(
    rng: np.random.Generator,
    latents: Latents,
    buyer_channel: np.ndarray,
    params: dict[str, Any],
) -> np.ndarray:
    """Rank-match journey buyers to customers so acquisition channel goes with value.

    Returns ``buyer_for_customer``: for customer i, the index (into the buyers) whose
    journey and persona customer i inherits. Both sides are permutations, so the
    latent distributions (and the channel counts) are exactly preserved.
    """
    acq = params["acquisition"]
    w = acq["customer_value_weights"]

    def standardise(x: np.ndarray) -> np.ndarray:
        sd = x.std()
        return (x - x.mean()) / (sd if sd > 0 else 1.0)

    score = (
        w["log_purchase_rate"] * standardise(np.log(latents.purchase_rate))
        + w["logit_dropout_prob"] * standardise(special.logit(latents.dropout_prob))
        + w["log_mean_spend"] * standardise(-np.log(latents.spend_scale))
    )
    value = np.array([acq["channel_value"][c] for c in TOUCH_CHANNELS])
    buyer_score = value[buyer_channel] + acq["channel_value_noise_sd"] * rng.standard_normal(
        buyer_channel.size
    )
    cust_rank = np.argsort(np.argsort(score, kind="stable"), kind="stable")
    buyer_sorted = np.argsort(buyer_score, kind="stable")
    return buyer_sorted[cust_rank]


def draw_demographics(
    rng: np.random.Generator, persona: np.ndarray, params: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Region, age, gender and the eight attitude items (Likert 1-5) given persona."""
    pp = params["personas"]
    n = persona.size
    region_p = np.array([params["region_probs"][r] for r in REGIONS])
    region = categorical(rng, np.broadcast_to(region_p, (n, region_p.size)))
    age_mean = np.array([pp["age_mean"][p] for p in PERSONAS], dtype=float)
    age = np.clip(np.round(age_mean[persona] + pp["age_sd"] * rng.standard_normal(n)), 18, 80)
    female = np.array([pp["female_share"][p] for p in PERSONAS])
    gender = np.where(rng.random(n) < female[persona], "female", "male")
    means = np.array([pp["factor_means"][p] for p in PERSONAS])
    factors = means[persona] + pp["factor_sd"] * rng.standard_normal((n, len(ATTITUDE_FACTORS)))
    items = {}
    for fi, f in enumerate(ATTITUDE_FACTORS):
        for k in (1, 2):
            raw = (
                pp["item_intercept"]
                + pp["item_loading"] * factors[:, fi]
                + pp["item_noise_sd"] * rng.standard_normal(n)
            )
            items[f"att_{f}_{k}"] = np.clip(np.round(raw), 1, 5).astype(np.int64)
    out: dict[str, np.ndarray] = {
        "region": np.array(REGIONS, dtype=object)[region],
        "age": age.astype(np.int64),
        "gender": gender.astype(object),
    }
    out.update(items)
    for fi, f in enumerate(ATTITUDE_FACTORS):
        out[f"factor_{f}"] = round_sig(factors[:, fi], 6)
    return out


def acquisition_costs(
    rng: np.random.Generator, channel: np.ndarray, params: dict[str, Any]
) -> np.ndarray:
    """Cost of acquiring each customer: the channel's mean times mean-one lognormal noise."""
    acq = params["acquisition"]
    mean = np.array([acq["cost_mean_by_channel"][c] for c in TOUCH_CHANNELS])
    sig = acq["cost_lognormal_sigma"]
    return np.round(mean[channel] * np.exp(sig * rng.standard_normal(channel.size) - sig**2 / 2), 2)


# ---------------------------------------------------------------------------------------------
# The customers: the people step of simulate_crm
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Customers:
    """The n customers with their traits and journeys; per-customer arrays have length n,
    per-touch arrays follow ``journeys``."""

    latents: Latents
    journeys: Journeys
    persona: np.ndarray  # persona index
    acquisition_channel: np.ndarray  # touch-channel index of the discovery touch
    acquisition_cost: np.ndarray
    demographics: dict[str, np.ndarray]  # region, age, gender, att_* items, factor_* scores
    minute: np.ndarray  # per touch: minute since the window start
    touch_customer: np.ndarray  # per touch: customer index, -1 for prospects
    loyalty_join: np.ndarray  # enrolment day (loyalty.draw_enrolment), -1 for non-members
    purchase_channel: np.ndarray  # touch-channel index of the purchase touch
    enrol_probability: np.ndarray  # P(ever enrol in the loyalty programme)


def draw_customers(streams: Streams, n: int, n_days: int, params: dict[str, Any]) -> Customers:
    """Latent traits and journeys; journey buyers become customers, matched on value."""
    lat = draw_latents(streams.latents, n, n_days, params)
    jr = simulate_journeys(streams.journeys, n, params)
    n_persons = jr.person_bought.size
    first_touch = np.ones(jr.person.size, dtype=bool)
    first_touch[1:] = jr.person[1:] != jr.person[:-1]
    discovery_channel = np.zeros(n_persons, dtype=np.int64)
    discovery_channel[jr.person[first_touch]] = jr.channel[first_touch]
    buyer = np.flatnonzero(jr.person_bought)
    match = match_buyers_to_customers(streams.customers, lat, discovery_channel[buyer], params)
    person = buyer[match]  # the person behind each customer
    persona = jr.person_persona[person]
    channel = discovery_channel[person]
    demographics = draw_demographics(streams.customers, persona, params)
    cost = acquisition_costs(streams.customers, channel, params)
    person_signup = np.zeros(n_persons, dtype=np.int64)
    person_signup[person] = lat.signup_day
    minute = journey_timestamps(streams.touches, jr, person_signup, n_days, params)
    person_customer = np.full(n_persons, -1, dtype=np.int64)
    person_customer[person] = np.arange(n)
    touch_customer = person_customer[jr.person]
    loyalty_join = loyalty.draw_enrolment(streams.loyalty, lat, n_days, params)
    purchase_touch = jr.stage == PURCHASE_STAGE
    purchase_channel = np.zeros(n, dtype=np.int64)
    purchase_channel[touch_customer[purchase_touch]] = jr.channel[purchase_touch]
    return Customers(
        lat, jr, persona, channel, cost, demographics, minute, touch_customer, loyalty_join,
        purchase_channel, loyalty.enrol_probability(lat, params),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Purchases (BG/NBD in operational time) and spend (Gamma-Gamma)
# ---------------------------------------------------------------------------------------------
def daily_intensity(first_day: np.datetime64, n_days: int, params: dict[str, Any]) -> np.ndarray:
    """Seasonal purchase intensity of each day of the window (mean ~1 over a year)."""
    seas = params["seasonality"]
    days = first_day + np.arange(n_days).astype("timedelta64[D]")
    year_start = days.astype("datetime64[Y]").astype("datetime64[D]")
    doy = (days - year_start).astype(np.int64) + 1
    return 1.0 + seas["amplitude"] * np.cos(2 * np.pi * (doy - seas["peak_day_of_year"]) / 365.25)


@dataclass(frozen=True)
class Purchases:
    """Organic (BG/NBD) purchases: one row per purchase, first purchases included."""

    customer: np.ndarray  # int customer index
    day: np.ndarray  # int day since window start
    amount: np.ndarray  # float, 2 decimals
    is_first: np.ndarray  # bool
    exposure_weeks: np.ndarray  # per customer, operational time from first purchase to end
    dropout_day: np.ndarray  # per customer, -1 if alive at end
    n_repeat: np.ndarray  # per customer, repeat purchases in the window


def simulate_purchases(
    rng: np.random.Generator, latents: Latents, intensity: np.ndarray, params: dict[str, Any]
) -> Purchases:
    """BG/NBD purchases in operational time plus Gamma-Gamma amounts.

    Operational time tau(t) = integral of the daily intensity; given the customer's
    exposure E (weeks of operational time after the first purchase at midday of the
    signup day) the number of Poisson events is N ~ Poisson(lambda E), their times are
    uniform order statistics, the customer drops out right after repeat purchase
    J ~ Geometric(p) and so makes x = min(N, J) repeat purchases.
    """
    n = latents.purchase_rate.size
    n_days = intensity.size
    cum = np.concatenate([[0.0], np.cumsum(intensity)])  # cum[k] = tau at start of day k
    t0 = latents.signup_day + 0.5
    tau0 = np.interp(t0, np.arange(n_days + 1), cum)
    exposure_days = cum[-1] - tau0
    exposure_weeks = exposure_days / 7.0
    n_events = rng.poisson(latents.purchase_rate * exposure_weeks)
    j_drop = rng.geometric(latents.dropout_prob)
    x = np.minimum(n_events, j_drop)
    dropped = j_drop <= n_events
    owner = np.repeat(np.arange(n), n_events)
    u = rng.random(owner.size) * exposure_days[owner]
    order = np.lexsort((u, owner))
    owner, u = owner[order], u[order]
    first_of = np.ones(owner.size, dtype=bool)
    first_of[1:] = owner[1:] != owner[:-1]
    rank = np.arange(owner.size) - np.flatnonzero(first_of)[np.cumsum(first_of) - 1]
    keep = rank < x[owner]
    owner, u = owner[keep], u[keep]
    cal = np.interp(tau0[owner] + u, cum, np.arange(n_days + 1))
    day = np.minimum(np.floor(cal).astype(np.int64), n_days - 1)
    cust = np.concatenate([np.arange(n), owner])
    days = np.concatenate([latents.signup_day, day])
    is_first = np.concatenate([np.ones(n, bool), np.zeros(owner.size, bool)])
    order = np.lexsort((~is_first, days, cust))
    cust, days, is_first = cust[order], days[order], is_first[order]
    days = _one_occasion_per_day(cust, days, n_days)
    last_day = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_day, cust, days)
    dropout_day = np.where(dropped, last_day, -1)
    amount = spend_amounts(rng, latents.spend_scale[cust], params)
    return Purchases(
        customer=cust,
        day=days,
        amount=amount,
        is_first=is_first,
        exposure_weeks=round_sig(exposure_weeks, 10),
        dropout_day=dropout_day,
        n_repeat=x,
    )


def _one_occasion_per_day(cust: np.ndarray, day: np.ndarray, n_days: int) -> np.ndarray:
    """Move a purchase that falls on the same day as the customer's previous one to the next
    free day (rows sorted by customer then day): day'_k = max(day_k, day'_(k-1) + 1).

    Keeps the BG/NBD counts exact for a summary built on purchase occasions (distinct days);
    the shift is rare (about 1% of repeat purchases) and at most a few days. A purchase
    pushed past the last day stays on the last day.
    """
    start = np.ones(cust.size, dtype=bool)
    start[1:] = cust[1:] != cust[:-1]
    rank = np.arange(cust.size) - np.flatnonzero(start)[np.cumsum(start) - 1]
    big = 4 * (int(day.max(initial=0)) + cust.size + 1)
    shifted = np.maximum.accumulate(day - rank + cust * big) - cust * big + rank
    return np.minimum(shifted, n_days - 1)


def spend_amounts(
    rng: np.random.Generator, spend_scale: np.ndarray, params: dict[str, Any]
) -> np.ndarray:
    """Gamma-Gamma purchase amounts: z ~ Gamma(shape p, rate nu), rounded to 0.01 (>= 0.01)."""
    p = params["gamma_gamma"]["p"]
    z = rng.gamma(p, 1.0 / spend_scale)
    return np.maximum(np.round(z, 2), 0.01)
