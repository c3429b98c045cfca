"""Default parameters of the simulated company (Anadolu Market).

Everything the simulator draws from is written here as plain, JSON-serialisable
data, so that ``truth.params`` can be a deep copy of it (plus a few quantities
derived from the realised sample). The processes themselves live in
``portfolio_lib._sim_people`` (customers, journeys, purchases) and
``portfolio_lib._sim_tables`` (campaigns, surveys, complaints, mystery shopping).
"""

from __future__ import annotations

import copy
from typing import Any

PERSONAS: list[str] = ["bargain_hunter", "quality_seeker", "convenience_shopper", "eco_conscious"]
ATTITUDE_FACTORS: list[str] = ["price", "quality", "convenience", "eco"]
ATTITUDE_ITEMS: list[str] = [f"att_{f}_{k}" for f in ATTITUDE_FACTORS for k in (1, 2)]
STAGES: list[str] = ["discovery", "first_contact", "decision", "purchase", "deepening"]
TOUCH_CHANNELS: list[str] = ["search", "social", "email", "display", "referral", "store"]
SALES_CHANNELS: list[str] = ["online", "store", "app"]
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
RATING_ITEMS: list[str] = [
    "rating_product_quality",
    "rating_price_value",
    "rating_delivery",
    "rating_staff",
    "rating_website",
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
MYSTERY_ITEMS: list[str] = [
    "item_greeting",
    "item_wait_time",
    "item_product_knowledge",
    "item_cleanliness",
    "item_upsell_offer",
    "item_checkout",
    "item_farewell",
]

#: Weight of each mystery-shopping checklist item in the visit score (sums to 1).
MYSTERY_CHECKLIST_WEIGHTS: dict[str, float] = {
    "item_greeting": 0.10,
    "item_wait_time": 0.20,
    "item_product_knowledge": 0.20,
    "item_cleanliness": 0.15,
    "item_upsell_offer": 0.10,
    "item_checkout": 0.15,
    "item_farewell": 0.10,
}

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
        "names": PERSONAS,
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
        "points_per_currency_unit": 0.1,
        "redeem_block": 100,
        "redeem_threshold": 200,
        "redeem_prob": 0.3,
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
        "scale_items": ["sat_1", "sat_2", "sat_3", "sat_4_r"],
        "scale_intercept": 3.2,
        "scale_loading": 0.9,
        "scale_noise_sd": 0.9,
        "response_prob": 0.18,
        "response_prob_factor_if_dropped": 0.6,
        "comment_prob": 0.3,
    },
    "journey": {
        "stages": STAGES,
        "channels": TOUCH_CHANNELS,
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
        "checklist_weights": MYSTERY_CHECKLIST_WEIGHTS,
    },
}


def default_params() -> dict[str, Any]:
    """Return a fresh deep copy of the default simulation parameters (plain nested dict)."""
    return copy.deepcopy(_DEFAULT_PARAMS)
