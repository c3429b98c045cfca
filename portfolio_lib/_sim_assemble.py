"""Assembly of the observable tables from the simulated arrays: transactions (channel,
returns, loyalty points, attribution), touchpoints, and the truth parameters.

Internal helper of :mod:`portfolio_lib.simulate`; days and minutes are integers counted from
the first day of the observation window.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from portfolio_lib import _sim_people as people
from portfolio_lib import _sim_tables as tables
from portfolio_lib._sim_params import (
    BRANCHES,
    CATEGORIES,
    PERSONAS,
    SALES_CHANNELS,
    STAGES,
    TOUCH_CHANNELS,
)


def ids(prefix: str, n: int, width: int) -> np.ndarray:
    """Keys ``prefix`` + zero-padded 1..n, e.g. ``ids("C", 2, 5) -> ["C00001", "C00002"]``."""
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def optional_ids(ids: np.ndarray, index: np.ndarray) -> np.ndarray:
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
    earned, redeemed = loyalty_points(rng, out, loyalty_join, prm)
    out["points_earned"] = earned
    out["points_redeemed"] = redeemed
    return out


def loyalty_points(
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


def build_touchpoints(
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
    prospect_ids[prospect] = ids("P", int(prospect.sum()), 5)
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
            "event_id": ids("E", order.size, 6),
            "customer_id": pid[order],
            "timestamp": timestamps[order],
            "stage": np.array(STAGES, dtype=object)[jr.stage[order]],
            "channel": np.array(TOUCH_CHANNELS, dtype=object)[jr.channel[order]],
            "campaign_id": optional_ids(campaign_ids, campaign[order]),
        }
    )


def truth_params(
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
