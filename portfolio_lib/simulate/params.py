"""Default parameters of the simulated company (Anadolu Market), and the checks of
:func:`~portfolio_lib.simulate.simulate_crm`'s arguments.

Everything the simulator draws from is written here as plain, JSON-serialisable
data, so that ``truth.params`` can be a deep copy of it (plus a few quantities
derived from the realised sample). The processes themselves live in
:mod:`portfolio_lib.simulate.people` (customers, journeys, purchases) and
:mod:`portfolio_lib.simulate.tables` (campaigns, surveys, complaints, mystery shopping).
The vocabulary the tables share with the rest of the package (stages, channels, survey and
checklist items) comes from :mod:`portfolio_lib.crm`; what only the sample company has
(personas, categories, regions, branches, complaint categories) is defined here.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from portfolio_lib._errors import as_generator
from portfolio_lib.crm import (
    ATTITUDE_FACTORS,
    ATTITUDE_ITEMS,
    MYSTERY_ITEMS,
    RATING_ITEMS,
    SALES_CHANNELS,
    SATISFACTION_ITEMS,
    STAGES,
    TOUCH_CHANNELS,
)
from portfolio_lib.crm import MYSTERY_CHECKLIST_WEIGHTS as _CRM_CHECKLIST_WEIGHTS

__all__ = [
    "ATTITUDE_FACTORS",
    "ATTITUDE_ITEMS",
    "BRANCHES",
    "CATEGORIES",
    "COMPLAINT_CATEGORIES",
    "COMPLAINT_CHANNELS",
    "MIN_WINDOW_DAYS",
    "MYSTERY_CHECKLIST_WEIGHTS",
    "MYSTERY_ITEMS",
    "PERSONAS",
    "RATING_ITEMS",
    "REGIONS",
    "SALES_CHANNELS",
    "STAGES",
    "TOUCH_CHANNELS",
    "Streams",
    "check_args",
    "default_params",
    "resolve_params",
]

PERSONAS: list[str] = ["bargain_hunter", "quality_seeker", "convenience_shopper", "eco_conscious"]
CATEGORIES: list[str] = ["electronics", "home", "fashion", "beauty", "grocery", "sports"]
REGIONS: list[str] = [
    "Marmara",
    "Ege",
    "Akdeniz",
    "İç Anadolu",
    "Karadeniz",
    "Doğu Anadolu",
    "Güneydoğu Anadolu",
]
COMPLAINT_CATEGORIES: list[str] = [
    "delivery",
    "product_quality",
    "billing",
    "staff",
    "website",
    "returns",
]
COMPLAINT_CHANNELS: list[str] = ["call_center", "email", "store", "app"]

#: Weight of each mystery-shopping checklist item in the visit score: defined once in crm.
MYSTERY_CHECKLIST_WEIGHTS: dict[str, float] = dict(_CRM_CHECKLIST_WEIGHTS)

BRANCHES: list[tuple[str, str]] = [
    ("İstanbul Kadıköy", "Marmara"),
    ("İstanbul Beşiktaş", "Marmara"),
    ("Bursa Nilüfer", "Marmara"),
    ("İzmir Alsancak", "Ege"),
    ("Denizli Merkezefendi", "Ege"),
    ("Antalya Muratpaşa", "Akdeniz"),
    ("Adana Seyhan", "Akdeniz"),
    ("Ankara Çankaya", "İç Anadolu"),
    ("Konya Selçuklu", "İç Anadolu"),
    ("Trabzon Ortahisar", "Karadeniz"),
    ("Erzurum Yakutiye", "Doğu Anadolu"),
    ("Gaziantep Şahinbey", "Güneydoğu Anadolu"),
]

_DEFAULT_PARAMS: dict[str, Any] = {
    "bgnbd": {"r": 0.8, "alpha": 8.0, "a": 1.2, "b": 4.0, "unit": "W"},
    "gamma_gamma": {"p": 6.0, "q": 3.5, "gamma": 20.0},
    "seasonality": {
        # daily purchase intensity s(day) = 1 + amplitude * cos(2 pi (doy - peak_doy) / 365.25)
        "amplitude": 0.2,
        "peak_day_of_year": 350,
    },
    "acquisition": {
        # density of signup day d in [0, W): proportional to 1 - front_loading * d / W
        "front_loading": 0.6,
        "cost_mean_by_channel": {
            "search": 35.0,
            "social": 25.0,
            "email": 8.0,
            "display": 30.0,
            "referral": 15.0,
            "store": 12.0,
        },
        "cost_lognormal_sigma": 0.25,
        # rank matching of journey buyers to customers (see data/README.md)
        "channel_value": {
            "referral": 1.0,
            "search": 0.6,
            "store": 0.3,
            "email": 0.2,
            "social": -0.4,
            "display": -0.6,
        },
        "channel_value_noise_sd": 0.8,
        "customer_value_weights": {
            "log_purchase_rate": 1.0,
            "logit_dropout_prob": -0.5,
            "log_mean_spend": 0.5,
        },
    },
    "personas": {
        "names": list(PERSONAS),
        "shares": {
            "bargain_hunter": 0.30,
            "quality_seeker": 0.25,
            "convenience_shopper": 0.28,
            "eco_conscious": 0.17,
        },
        # mean attitude factor scores (price, quality, convenience, eco) per persona
        "factor_means": {
            "bargain_hunter": [1.3, -0.5, 0.0, -0.4],
            "quality_seeker": [-0.6, 1.3, -0.1, 0.2],
            "convenience_shopper": [0.0, -0.2, 1.3, -0.5],
            "eco_conscious": [-0.3, 0.2, -0.5, 1.3],
        },
        "factor_sd": 0.42,
        "item_loading": 0.9,
        "item_noise_sd": 0.45,
        "item_intercept": 3.0,
        "age_mean": {
            "bargain_hunter": 38,
            "quality_seeker": 46,
            "convenience_shopper": 36,
            "eco_conscious": 31,
        },
        "age_sd": 11,
        "female_share": {
            "bargain_hunter": 0.55,
            "quality_seeker": 0.48,
            "convenience_shopper": 0.50,
            "eco_conscious": 0.62,
        },
        "discovery_channel_probs": {
            "bargain_hunter": [0.22, 0.30, 0.08, 0.22, 0.08, 0.10],
            "quality_seeker": [0.32, 0.15, 0.08, 0.12, 0.13, 0.20],
            "convenience_shopper": [0.33, 0.22, 0.15, 0.15, 0.07, 0.08],
            "eco_conscious": [0.20, 0.35, 0.08, 0.10, 0.17, 0.10],
        },
        "sales_channel_probs": {  # online, store, app
            "bargain_hunter": [0.45, 0.35, 0.20],
            "quality_seeker": [0.30, 0.55, 0.15],
            "convenience_shopper": [0.35, 0.15, 0.50],
            "eco_conscious": [0.50, 0.30, 0.20],
        },
        "category_probs": {  # electronics, home, fashion, beauty, grocery, sports
            "bargain_hunter": [0.15, 0.15, 0.20, 0.10, 0.30, 0.10],
            "quality_seeker": [0.25, 0.20, 0.20, 0.15, 0.10, 0.10],
            "convenience_shopper": [0.15, 0.10, 0.15, 0.10, 0.40, 0.10],
            "eco_conscious": [0.08, 0.20, 0.15, 0.20, 0.22, 0.15],
        },
    },
    "category_amount_slope": {
        "electronics": 1.2,
        "home": 0.5,
        "fashion": 0.2,
        "beauty": -0.2,
        "grocery": -0.8,
        "sports": 0.3,
    },
    "region_probs": {
        "Marmara": 0.32,
        "Ege": 0.15,
        "Akdeniz": 0.13,
        "İç Anadolu": 0.18,
        "Karadeniz": 0.09,
        "Doğu Anadolu": 0.05,
        "Güneydoğu Anadolu": 0.08,
    },
    "returns": {
        "base_prob": 0.05,
        "satisfaction_logit_slope": -0.4,
        "max_days": 30,
        "full_return_prob": 0.7,
    },
    "loyalty": {
        # enrolment (self-selected): P(a customer ever enrols) = logistic(intercept
        # + sum of slope x standardised trait); traits: log purchase rate, log mean spend
        # (-log spend_scale). Heavier buyers enrol more, so members outspend non-members
        # whatever the programme does.
        "enrol_logit_intercept": 0.0,
        "enrol_logit_slopes": {"log_purchase_rate": 1.0, "log_mean_spend": 0.5},
        # when: this share enrols on the signup day, the others after a delay of
        # min_delay_days + Exponential(mean_delay_days) days (staggered; members whose
        # day falls after the window's end are not members yet). Enrolment does not look
        # at the customer's recent activity.
        "enrol_at_signup_share": 0.1,
        "enrol_min_delay_days": 120,
        "enrol_mean_delay_days": 240,
        # TRUE causal effect: from the day after enrolment the member's purchase rate is
        # multiplied by (1 + effect) while the member is active (until the BG/NBD dropout;
        # the programme does not change when a customer drops out). The extra purchases
        # are the programme's; without them the member's purchases are exactly the
        # counterfactual (common random numbers).
        "effect": 0.5,
        # points: floor(amount x points_per_currency_unit) on members' purchases from the
        # enrolment day on (returns earn none); value_per_point = what one redeemed point
        # costs the company (currency units).
        "points_per_currency_unit": 1.0,
        "value_per_point": 0.01,
        # redemption at a purchase, with probability redeem_prob, when the balance before it
        # is >= redeem_threshold: the largest multiple of redeem_block (oldest points first)
        "redeem_block": 50,
        "redeem_threshold": 100,
        "redeem_prob": 0.5,
        # every lot of earned points expires expiry_days after the day it was earned
        # unless redeemed before (first in, first out; 365 days = 12 months)
        "expiry_days": 365,
    },
    "consent": {
        # share of customers who consent to being contacted on each channel (independent
        # draws; a member consents more often: logit + member_logit_lift)
        "rates": {"email": 0.65, "sms": 0.45, "phone": 0.30, "app": 0.40},
        "member_logit_lift": 0.6,
    },
    "satisfaction": {
        # satisfaction_latent = -loading * standardised logit(dropout_prob) + sqrt(1-loading^2) * e
        "dropout_loading": 0.6,
        "dropped_out_shift": -0.8,
        "wave_noise_sd": 0.3,
        "rating_latent_loading": 0.55,
        "rating_noise_sd": 0.85,
        "rating_intercept": 3.3,
        "rating_scale": 0.95,
        "driver_weights": {
            "rating_product_quality": 0.45,
            "rating_price_value": 0.33,
            "rating_delivery": 0.22,
            "rating_staff": 0.13,
            "rating_website": 0.05,
        },
        "latent_weight": 0.30,
        "overall_noise_sd": 0.45,
        "csat_intercept": 3.7,
        "csat_scale": 1.0,
        "nps_intercept": 7.5,
        "nps_scale": 2.0,
        "nps_extra_noise_sd": 0.35,
        "scale_items": list(SATISFACTION_ITEMS),
        "scale_intercept": 3.2,
        "scale_loading": 0.9,
        "scale_noise_sd": 0.9,
        "response_prob": 0.18,
        "response_prob_factor_if_dropped": 0.6,
        "comment_prob": 0.3,
    },
    "journey": {
        "stages": list(STAGES),
        "channels": list(TOUCH_CHANNELS),
        "outcomes": ["advance", "stay", "exit"],
        # logits relative to exit (= 0); null means structurally impossible
        "base_logits": {
            "discovery": {"advance": -0.3, "stay": 0.0},
            "first_contact": {"advance": 0.5, "stay": 0.1},
            "decision": {"advance": 0.6, "stay": -0.3},
            "purchase": {"advance": 0.0, "stay": None},
            "deepening": {"advance": None, "stay": 0.3},
        },
        "channel_effects": {
            "search": {"advance": 0.3, "stay": 0.0},
            "social": {"advance": -0.3, "stay": 0.3},
            "email": {"advance": 0.0, "stay": 0.2},
            "display": {"advance": -0.5, "stay": 0.2},
            "referral": {"advance": 0.6, "stay": -0.2},
            "store": {"advance": 0.4, "stay": -0.3},
        },
        "channel_persistence": 0.4,
        # channel mix of a new touch in each stage (when not kept from the previous touch)
        "stage_channel_probs": {
            "discovery": [0.25, 0.25, 0.08, 0.17, 0.10, 0.15],
            "first_contact": [0.25, 0.20, 0.15, 0.10, 0.10, 0.20],
            "decision": [0.25, 0.10, 0.20, 0.05, 0.10, 0.30],
            "purchase": [0.20, 0.05, 0.20, 0.05, 0.05, 0.45],
            "deepening": [0.05, 0.15, 0.45, 0.05, 0.10, 0.20],
        },
        # mean gap in days before a touch in this stage (exponential)
        "mean_gap_days": {
            "discovery": 3.0,
            "first_contact": 4.0,
            "decision": 5.0,
            "purchase": 3.0,
            "deepening": 25.0,
        },
    },
    "campaigns": {
        # P(one incremental purchase | treated, still active, no organic purchase in window)
        "retention_incremental_prob": {
            "bargain_hunter": 0.40,
            "quality_seeker": 0.04,
            "convenience_shopper": 0.20,
            "eco_conscious": 0.10,
        },
        "retention_position_in_window": 0.8,
        "retention_duration_days": 30,
        "at_risk_rule": {"min_purchases": 2, "days_since_last_min": 60, "days_since_last_max": 300},
    },
    "complaints": {
        "rate_per_customer_year": 0.12,
        "satisfaction_log_rate_slope": -0.6,
        "pre_dropout_complaint_prob": 0.35,
        "pre_dropout_max_days": 10,
        "category_probs": [0.25, 0.22, 0.12, 0.13, 0.13, 0.15],
        "pre_dropout_category_probs": [0.30, 0.35, 0.05, 0.15, 0.05, 0.10],
        "channel_probs": [0.35, 0.25, 0.20, 0.20],
        "median_resolution_hours": {
            "delivery": 48.0,
            "product_quality": 96.0,
            "billing": 72.0,
            "staff": 24.0,
            "website": 36.0,
            "returns": 120.0,
        },
        "resolution_lognormal_sigma": 0.9,
        "text_off_category_prob": 0.07,
        "text_second_phrase_prob": 0.25,
    },
    "mystery_shopping": {
        "visits_per_branch_min": 8,
        "visits_per_branch_max": 12,
        "n_shoppers": 6,
        "item_base_logit": {
            "item_greeting": 1.5,
            "item_wait_time": 0.5,
            "item_product_knowledge": 0.3,
            "item_cleanliness": 1.2,
            "item_upsell_offer": -0.3,
            "item_checkout": 1.0,
            "item_farewell": 1.3,
        },
        "quality_slope": 1.0,
        "checklist_weights": dict(MYSTERY_CHECKLIST_WEIGHTS),
    },
}


def default_params() -> dict[str, Any]:
    """Return a fresh deep copy of the default simulation parameters (plain nested dict)."""
    return copy.deepcopy(_DEFAULT_PARAMS)


#: Shortest observation window :func:`~portfolio_lib.simulate.simulate_crm` accepts, in days.
MIN_WINDOW_DAYS = 28


def resolve_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """:func:`default_params` with the partial nested ``params`` merged in (unknown keys raise)."""
    out = default_params()
    if params is not None:
        _merge_params(out, params)
    return out


def _merge_params(base: dict[str, Any], override: Mapping[str, Any], path: str = "") -> None:
    for key, value in override.items():
        where = f"{path}{key}"
        if key not in base:
            raise ValueError(f"params: unknown key {where!r}; known keys: {sorted(base)}")
        if isinstance(base[key], dict) and isinstance(value, Mapping):
            _merge_params(base[key], value, where + ".")
        else:
            base[key] = copy.deepcopy(value)


def check_args(
    n_customers: int, start: str | pd.Timestamp, end: str | pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Check the size and the window; return the first and last day (midnights)."""
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


@dataclass(frozen=True)
class Streams:
    """The simulation's random generators: one child of the seed per part, spawned in this
    order, so that the draws of one part do not depend on how many another part makes."""

    latents: np.random.Generator
    journeys: np.random.Generator
    customers: np.random.Generator
    touches: np.random.Generator
    purchases: np.random.Generator
    transactions: np.random.Generator
    campaigns: np.random.Generator
    surveys: np.random.Generator
    complaints: np.random.Generator
    mystery: np.random.Generator
    loyalty: np.random.Generator  # added last: the streams above keep their draws
    consent: np.random.Generator

    @classmethod
    def spawn(cls, seed: int | np.random.Generator | None) -> Streams:
        """Spawn the children of ``seed`` (an integer, a Generator or None)."""
        return cls(*as_generator(seed).spawn(len(fields(cls))))
