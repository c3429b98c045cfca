"""Tables of the simulated company built on top of the people: campaigns, surveys,
complaints (with synthetic texts) and mystery shopping.

Internal helpers of :mod:`portfolio_lib.simulate`. Days and minutes are integers counted
from the first day of the observation window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from portfolio_lib.simulate.params import (
    BRANCHES,
    COMPLAINT_CATEGORIES,
    COMPLAINT_CHANNELS,
    MYSTERY_ITEMS,
    PERSONAS,
    RATING_ITEMS,
)
from portfolio_lib.simulate.people import MINUTES_PER_DAY, categorical, round_sig


# ---------------------------------------------------------------------------------------------
# Campaigns
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CampaignSpec:
    """One campaign of the yearly calendar (days relative to the window start)."""

    name: str
    type: str
    channel: str
    start_day: int
    end_day: int
    target_group: str
    cost_per_contact: float
    fixed_cost: float


# (type, name pattern, channel, (month, day), duration days, target group, cost/contact, fixed)
_YEARLY_CAMPAIGNS = [
    (
        "discount",
        "Spring discount {y}",
        "email",
        (3, 15),
        31,
        "active_180d_random_half",
        0.5,
        5000.0,
    ),
    ("win_back", "Win-back {y}", "email", (6, 1), 30, "lapsed_120d", 1.5, 2000.0),
    (
        "loyalty_points",
        "Double points summer {y}",
        "email",
        (7, 1),
        31,
        "loyalty_members",
        0.3,
        3000.0,
    ),
    (
        "cross_sell",
        "Home and electronics cross-sell {y}",
        "display",
        (9, 1),
        21,
        "single_category_buyers",
        0.8,
        4000.0,
    ),
    (
        "discount",
        "Black Friday {y}",
        "social",
        (11, 20),
        12,
        "all_customers_random_half",
        0.4,
        15000.0,
    ),
]


def campaign_calendar(
    first_day: np.datetime64, n_days: int, params: dict[str, Any]
) -> list[CampaignSpec]:
    """The campaigns that fall entirely inside the window, in start order."""
    specs: list[CampaignSpec] = []
    first_year = int(str(first_day)[:4])
    last_year = int(str(first_day + np.timedelta64(n_days - 1, "D"))[:4])
    for year in range(first_year, last_year + 1):
        for ctype, name, channel, (month, day), dur, target, cpc, fixed in _YEARLY_CAMPAIGNS:
            start = np.datetime64(f"{year}-{month:02d}-{day:02d}")
            s = int((start - first_day).astype(np.int64))
            e = s + dur - 1
            if s >= 0 and e <= n_days - 1:
                specs.append(
                    CampaignSpec(name.format(y=year), ctype, channel, s, e, target, cpc, fixed)
                )
    cp = params["campaigns"]
    s = int(np.floor(cp["retention_position_in_window"] * n_days))
    e = s + cp["retention_duration_days"] - 1
    if e <= n_days - 1:
        specs.append(
            CampaignSpec("Retention A/B test", "retention", "email", s, e, "at_risk", 2.0, 1000.0)
        )
    specs.sort(key=lambda c: (c.start_day, c.name))
    return specs


@dataclass(frozen=True)
class CampaignDraw:
    """Campaign contacts and the incremental purchases caused by the retention treatment."""

    contact_campaign: np.ndarray  # int campaign index
    contact_customer: np.ndarray
    contact_treated: np.ndarray  # bool (arm treatment)
    contact_day: np.ndarray
    contact_responded: np.ndarray
    attributed_purchase: np.ndarray  # per organic purchase: campaign index or -1
    incr_customer: np.ndarray
    incr_day: np.ndarray
    incr_campaign: np.ndarray
    retention_truth: dict[str, Any]


def simulate_campaigns(
    rng: np.random.Generator,
    specs: list[CampaignSpec],
    n_customers: int,
    persona: np.ndarray,
    signup_day: np.ndarray,
    loyalty_join_day: np.ndarray,
    purch_customer: np.ndarray,
    purch_day: np.ndarray,
    purch_category: np.ndarray,
    dropout_day: np.ndarray,
    params: dict[str, Any],
    other_purchases: tuple[np.ndarray, np.ndarray] | None = None,
) -> CampaignDraw:
    """Select targets, randomise the retention test and record responses.

    A contact "responds" when the customer makes an organic (BG/NBD) purchase between the
    contact day and the campaign end, or one of ``other_purchases`` (customer, day: the
    loyalty programme's purchases, which the campaigns neither target on nor cause; their
    response counts as the organic one in the retention test's truth). In the retention A/B test a treated customer with
    no organic purchase in the window who is still active (has not dropped out before the
    contact day) also responds, with the persona's incremental probability, by making one
    extra (incremental) purchase on a uniform day of the window. The campaign cannot revive
    customers who have already left, which keeps the BG/NBD process nearly undisturbed.
    """
    cp = params["campaigns"]
    uplift = np.array([cp["retention_incremental_prob"][p] for p in PERSONAS])
    rule = cp["at_risk_rule"]
    attributed = np.full(purch_day.size, -1, dtype=np.int64)
    out_c, out_cust, out_t, out_day, out_resp = [], [], [], [], []
    incr_c, incr_d, incr_k = [], [], []
    retention_truth: dict[str, Any] = {}
    for k, spec in enumerate(specs):
        s = spec.start_day
        before = purch_day < s
        n_before = np.bincount(purch_customer[before], minlength=n_customers)
        last = np.full(n_customers, -(10**9), dtype=np.int64)
        np.maximum.at(last, purch_customer[before], purch_day[before])
        known = signup_day < s
        since = s - last
        if spec.target_group == "active_180d_random_half":
            eligible = known & (since <= 180) & (rng.random(n_customers) < 0.5)
        elif spec.target_group == "all_customers_random_half":
            eligible = known & (rng.random(n_customers) < 0.5)
        elif spec.target_group == "lapsed_120d":
            eligible = known & (since > 120)
        elif spec.target_group == "loyalty_members":
            eligible = (loyalty_join_day >= 0) & (loyalty_join_day < s)
        elif spec.target_group == "single_category_buyers":
            n_cat = np.zeros(n_customers, dtype=np.int64)
            pairs = np.unique(purch_customer[before] * 16 + purch_category[before])
            np.add.at(n_cat, pairs // 16, 1)
            eligible = known & (n_cat == 1)
        elif spec.target_group == "at_risk":
            eligible = (
                known
                & (n_before >= rule["min_purchases"])
                & (since >= rule["days_since_last_min"])
                & (since <= rule["days_since_last_max"])
            )
        else:  # pragma: no cover - calendar is fixed above
            raise ValueError(f"unknown target group {spec.target_group!r}")
        cust = np.flatnonzero(eligible)
        treated = np.ones(cust.size, dtype=bool)
        if spec.type == "retention":
            treated[:] = False
            treated[rng.permutation(cust.size)[: (cust.size + 1) // 2]] = True
        cday = s + rng.integers(0, 3, cust.size)
        cday = np.minimum(cday, spec.end_day)
        # organic response: first purchase with contact day <= day <= end day
        contact_of = np.full(n_customers, -1, dtype=np.int64)
        contact_of[cust] = np.arange(cust.size)
        ci = contact_of[purch_customer]
        cday_of = np.full(n_customers, spec.end_day + 1, dtype=np.int64)
        cday_of[cust] = cday
        in_win = (ci >= 0) & (purch_day <= spec.end_day) & (purch_day >= cday_of[purch_customer])
        responded = np.zeros(cust.size, dtype=bool)
        responded[ci[in_win]] = True
        other = np.zeros(cust.size, dtype=bool)
        if other_purchases is not None:
            o_cust, o_day = other_purchases
            oi = contact_of[o_cust]
            o_hit = (oi >= 0) & (o_day <= spec.end_day) & (o_day >= cday_of[o_cust])
            other[oi[o_hit]] = True
        first_hit = np.flatnonzero(in_win)
        if first_hit.size:
            _, first_idx = np.unique(purch_customer[first_hit], return_index=True)
            hits = first_hit[first_idx]
            hits = hits[treated[ci[hits]]]
            attributed[hits] = k
        if spec.type == "retention":
            organic = responded.copy()
            u = uplift[persona[cust]]
            active = (dropout_day[cust] < 0) | (dropout_day[cust] >= cday)
            incr = treated & ~organic & active & (rng.random(cust.size) < u)
            span = spec.end_day - cday + 1
            incr_day = cday + np.floor(rng.random(cust.size) * span).astype(np.int64)
            responded |= incr
            incr_c.append(cust[incr])
            incr_d.append(incr_day[incr])
            incr_k.append(np.full(int(incr.sum()), k, dtype=np.int64))
            retention_truth = _retention_truth(
                spec, persona[cust], organic | other, active, treated, uplift
            )
        responded |= other
        out_c.append(np.full(cust.size, k, dtype=np.int64))
        out_cust.append(cust)
        out_t.append(treated)
        out_day.append(cday)
        out_resp.append(responded)

    def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return CampaignDraw(
        contact_campaign=cat(out_c, np.int64),
        contact_customer=cat(out_cust, np.int64),
        contact_treated=cat(out_t, bool),
        contact_day=cat(out_day, np.int64),
        contact_responded=cat(out_resp, bool),
        attributed_purchase=attributed,
        incr_customer=cat(incr_c, np.int64),
        incr_day=cat(incr_d, np.int64),
        incr_campaign=cat(incr_k, np.int64),
        retention_truth=retention_truth,
    )


def _retention_truth(
    spec: CampaignSpec,
    persona: np.ndarray,
    organic: np.ndarray,
    active: np.ndarray,
    treated: np.ndarray,
    uplift: np.ndarray,
) -> dict[str, Any]:
    """Exact sample-level truth of the retention A/B test: organic purchases and activity are
    known for both arms, so the expected effect of treating the targeted group is known,
    expected_uplift = uplift[persona] * share(no organic purchase and still active)."""
    by_persona = {}
    for pi, name in enumerate(PERSONAS):
        m = persona == pi
        no_org = float(np.mean(~organic[m] & active[m])) if m.any() else float("nan")
        by_persona[name] = {
            "n_targeted": int(m.sum()),
            "n_treatment": int((m & treated).sum()),
            "organic_response_rate": float(np.mean(organic[m])) if m.any() else None,
            "active_share": float(np.mean(active[m])) if m.any() else None,
            "expected_uplift": float(uplift[pi] * no_org) if m.any() else None,
        }
    expected = uplift[persona] * (~organic & active)
    return {
        "campaign_name": spec.name,
        "n_targeted": int(persona.size),
        "n_treatment": int(treated.sum()),
        "n_control": int((~treated).sum()),
        "expected_uplift_overall": float(expected.mean()) if persona.size else None,
        "by_persona": by_persona,
    }


# ---------------------------------------------------------------------------------------------
# Surveys
# ---------------------------------------------------------------------------------------------
_COMMENT_POSITIVE = [
    "Great service, I will shop again.",
    "Very happy with my purchase.",
    "Friendly staff and quick delivery.",
    "Good prices and good quality.",
    "Everything was fine, thank you.",
]
_COMMENT_NEGATIVE = {
    "rating_product_quality": ["The product quality was poor.", "Products break too quickly."],
    "rating_price_value": ["Prices are too high for what you get.", "Not worth the money."],
    "rating_delivery": ["Delivery was late.", "My order took far too long to arrive."],
    "rating_staff": ["Staff were not helpful.", "Nobody in the store could answer me."],
    "rating_website": ["The website is hard to use.", "The app crashed during checkout."],
}
_COMMENT_NEUTRAL = ["It was okay.", "Average experience.", "Nothing special.", "Fine overall."]


def survey_waves(first_day: np.datetime64, n_days: int) -> list[tuple[int, int]]:
    """Fielding periods (first day, last day) = the last 30 days of each calendar quarter."""
    waves = []
    last = first_day + np.timedelta64(n_days - 1, "D")
    month = first_day.astype("datetime64[M]")
    month = month - (month.astype(np.int64) % 3)  # first month of the quarter
    while True:
        q_end = (month + 3).astype("datetime64[D]") - np.timedelta64(1, "D")
        if q_end > last:
            break
        s = int((q_end - np.timedelta64(29, "D") - first_day).astype(np.int64))
        if s >= 0:
            waves.append((s, s + 29))
        month = month + 3
    return waves


def simulate_surveys(
    rng: np.random.Generator,
    waves: list[tuple[int, int]],
    signup_day: np.ndarray,
    dropout_day: np.ndarray,
    loyalty_join_day: np.ndarray,
    satisfaction: np.ndarray,
    params: dict[str, Any],
) -> dict[str, np.ndarray]:
    """Survey responses (one row per response) as arrays; see data/README.md."""
    sp = params["satisfaction"]
    n = signup_day.size
    rows_c, rows_w, rows_d = [], [], []
    for w, (s, e) in enumerate(waves, start=1):
        day = s + rng.integers(0, e - s + 1, n)
        dropped = (dropout_day >= 0) & (dropout_day < day)
        prob = sp["response_prob"] * np.where(dropped, sp["response_prob_factor_if_dropped"], 1.0)
        answer = (signup_day < s) & (rng.random(n) < prob)
        rows_c.append(np.flatnonzero(answer))
        rows_w.append(np.full(int(answer.sum()), w, dtype=np.int64))
        rows_d.append(day[answer])
    cust = np.concatenate(rows_c) if rows_c else np.zeros(0, np.int64)
    wave = np.concatenate(rows_w) if rows_w else np.zeros(0, np.int64)
    day = np.concatenate(rows_d) if rows_d else np.zeros(0, np.int64)
    m = cust.size
    dropped = (dropout_day[cust] >= 0) & (dropout_day[cust] < day)
    state = (
        satisfaction[cust]
        + sp["dropped_out_shift"] * dropped
        + sp["wave_noise_sd"] * rng.standard_normal(m)
    )
    out: dict[str, np.ndarray] = {"customer": cust, "wave": wave, "day": day}
    overall = sp["latent_weight"] * state + sp["overall_noise_sd"] * rng.standard_normal(m)
    ratings = np.zeros((m, len(RATING_ITEMS)), dtype=np.int64)
    for j, item in enumerate(RATING_ITEMS):
        raw = sp["rating_latent_loading"] * state + sp["rating_noise_sd"] * rng.standard_normal(m)
        ratings[:, j] = np.clip(np.round(sp["rating_intercept"] + sp["rating_scale"] * raw), 1, 5)
        out[item] = ratings[:, j]
        overall = overall + sp["driver_weights"][item] * (ratings[:, j] - 3)
    out["csat"] = np.clip(np.round(sp["csat_intercept"] + sp["csat_scale"] * overall), 1, 5)
    nps_raw = sp["nps_intercept"] + sp["nps_scale"] * (
        overall + sp["nps_extra_noise_sd"] * rng.standard_normal(m)
    )
    out["nps"] = np.clip(np.round(nps_raw), 0, 10)
    for k, item in enumerate(sp["scale_items"]):
        raw = sp["scale_intercept"] + sp["scale_loading"] * state
        raw = raw + sp["scale_noise_sd"] * rng.standard_normal(m)
        val = np.clip(np.round(raw), 1, 5)
        out[item] = 6 - val if k == 3 else val
    for key in ("csat", "nps", *sp["scale_items"]):
        out[key] = out[key].astype(np.int64)
    # comments
    has_comment = rng.random(m) < sp["comment_prob"]
    pick = rng.integers(0, 10**6, m)
    worst = np.argmin(ratings + rng.random(ratings.shape) * 0.5, axis=1) if m else np.zeros(0, int)
    comments = np.empty(m, dtype=object)
    for i in range(m):
        if not has_comment[i]:
            comments[i] = ""
        elif out["nps"][i] >= 9:
            comments[i] = _COMMENT_POSITIVE[pick[i] % len(_COMMENT_POSITIVE)]
        elif out["nps"][i] <= 6:
            options = _COMMENT_NEGATIVE[RATING_ITEMS[worst[i]]]
            comments[i] = options[pick[i] % len(options)]
        else:
            comments[i] = _COMMENT_NEUTRAL[pick[i] % len(_COMMENT_NEUTRAL)]
    out["comment"] = comments
    out["deepening"] = (loyalty_join_day[cust] >= 0) & (loyalty_join_day[cust] <= day)
    return out


# ---------------------------------------------------------------------------------------------
# Complaints
# ---------------------------------------------------------------------------------------------
_ITEMS = [
    "phone",
    "blender",
    "jacket",
    "shampoo",
    "sneakers",
    "coffee machine",
    "t-shirt",
    "headphones",
    "towel set",
    "vacuum cleaner",
]
_OPENERS = [
    "Hello,",
    "Hi,",
    "Dear Anadolu Market,",
    "",
    "I am very disappointed.",
    "This is unacceptable.",
    "Second time this happens.",
    "I want to complain about my order.",
]
_CLOSERS = [
    "Please fix this.",
    "I want a solution.",
    "Very bad service.",
    "I expect a call back.",
    "",
    "Thank you.",
    "I will not shop here again.",
    "My order number is {order}.",
]
_PHRASES = {
    "delivery": [
        "my order arrived {n} days late",
        "the courier never showed up",
        "the package was delivered to the wrong address",
        "delivery was delayed again without any notice",
        "the tracking page shows no update for days",
        "the cargo company lost my package",
        "the courier missed the delivery slot",
        "the box arrived crushed by the courier",
    ],
    "product_quality": [
        "the {item} stopped working after a week",
        "the {item} is of very poor quality",
        "the {item} broke on first use",
        "the material feels cheap and the {item} is faulty",
        "the {item} does not match the description",
        "the {item} I received was already used",
        "the seams came apart on the {item}",
        "the {item} has a defect",
    ],
    "billing": [
        "I was charged twice for the same order",
        "the invoice shows the wrong amount",
        "my card was charged but the order was cancelled",
        "the discount was not applied to my bill",
        "I was billed for an order I never received",
        "the payment was taken twice from my account",
        "the installments on my statement are wrong",
        "the price at the till was higher than on the shelf",
    ],
    "staff": [
        "the staff member was rude to me",
        "nobody at the store helped me",
        "the cashier was unfriendly and impatient",
        "the sales assistant gave me wrong information",
        "the employee ignored my question",
        "store staff were busy on their phones",
        "the manager refused to listen to me",
        "the call center agent hung up on me",
    ],
    "website": [
        "the website keeps crashing at checkout",
        "the app does not let me log in",
        "I cannot reset my password on the site",
        "the search on the website shows wrong products",
        "the page froze while paying for my order",
        "the app shows items in stock that are sold out",
        "the coupon code gives an error on the site",
        "the mobile app is very slow",
    ],
    "returns": [
        "my return was not accepted",
        "I am still waiting for the refund for my return",
        "the store refused to take back the {item}",
        "the return label never arrived",
        "the exchange of my {item} took weeks",
        "they lost the package I sent back",
        "the return process is far too complicated",
        "I was told the return period had ended",
    ],
}


def complaint_texts(
    rng: np.random.Generator, category: np.ndarray, off_prob: float, second_prob: float
) -> np.ndarray:
    """Short complaint texts: opener + a category phrase + sometimes a second phrase + closer.

    With probability ``off_prob`` the main phrase comes from another category (the customer
    picked the wrong category, or the text is ambiguous), and with probability ``second_prob`` a second
    phrase from a random category is added, so a text classifier cannot be perfect.
    """
    n = category.size
    k = len(COMPLAINT_CATEGORIES)
    off = rng.random(n) < off_prob
    other = (category + rng.integers(1, k, n)) % k
    main_cat = np.where(off, other, category)
    extra = rng.random(n) < second_prob
    extra_cat = rng.integers(0, k, n)
    picks = rng.integers(0, 8, (n, 2))
    op = rng.integers(0, len(_OPENERS), n)
    cl = rng.integers(0, len(_CLOSERS), n)
    item = rng.integers(0, len(_ITEMS), (n, 2))
    days = rng.integers(2, 15, n)
    order = rng.integers(100000, 999999, n)
    texts = np.empty(n, dtype=object)
    for i in range(n):
        main = _PHRASES[COMPLAINT_CATEGORIES[main_cat[i]]][picks[i, 0]]
        parts = [
            _OPENERS[op[i]],
            main.format(n=days[i], item=_ITEMS[item[i, 0]]).capitalize() + ".",
        ]
        if extra[i]:
            second = _PHRASES[COMPLAINT_CATEGORIES[extra_cat[i]]][picks[i, 1]]
            parts.append("Also " + second.format(n=days[i], item=_ITEMS[item[i, 1]]) + ".")
        parts.append(_CLOSERS[cl[i]].format(order=order[i]))
        texts[i] = " ".join(p for p in parts if p)
    return texts


def simulate_complaints(
    rng: np.random.Generator,
    signup_day: np.ndarray,
    dropout_day: np.ndarray,
    satisfaction: np.ndarray,
    n_days: int,
    params: dict[str, Any],
) -> dict[str, np.ndarray]:
    """Complaints as arrays (customer, opened/resolved minute, category, ...)."""
    cp = params["complaints"]
    n = signup_day.size
    end_active = np.where(dropout_day >= 0, dropout_day, n_days - 1)
    span_days = end_active - signup_day + 1
    rate = cp["rate_per_customer_year"] * np.exp(cp["satisfaction_log_rate_slope"] * satisfaction)
    k = rng.poisson(rate * span_days / 365.25)
    cust_a = np.repeat(np.arange(n), k)
    day_a = signup_day[cust_a] + np.floor(rng.random(cust_a.size) * span_days[cust_a]).astype(
        np.int64
    )
    cat_a = categorical(rng, np.broadcast_to(cp["category_probs"], (cust_a.size, 6)))
    # complaints about the last purchase, right after which the customer dropped out
    dropped = dropout_day >= 0
    pre = dropped & (rng.random(n) < cp["pre_dropout_complaint_prob"])
    cust_b = np.flatnonzero(pre)
    day_b = dropout_day[cust_b] + rng.integers(0, cp["pre_dropout_max_days"] + 1, cust_b.size)
    cat_b = categorical(rng, np.broadcast_to(cp["pre_dropout_category_probs"], (cust_b.size, 6)))
    cust = np.concatenate([cust_a, cust_b])
    day = np.minimum(np.concatenate([day_a, day_b]), n_days - 1)
    cat = np.concatenate([cat_a, cat_b])
    m = cust.size
    opened = day * MINUTES_PER_DAY + rng.integers(8 * 60, 22 * 60, m)
    channel = categorical(rng, np.broadcast_to(cp["channel_probs"], (m, 4)))
    median_h = np.array([cp["median_resolution_hours"][c] for c in COMPLAINT_CATEGORIES])
    hours = median_h[cat] * np.exp(cp["resolution_lognormal_sigma"] * rng.standard_normal(m))
    resolved = opened + np.maximum(1, np.round(hours * 60)).astype(np.int64)
    open_at_end = resolved > n_days * MINUTES_PER_DAY - 1
    rs_raw = (
        3.8
        - 0.6 * np.log(hours / median_h[cat])
        + 0.4 * satisfaction[cust]
        + 0.8 * rng.standard_normal(m)
    )
    res_sat = np.where(open_at_end, np.nan, np.clip(np.round(rs_raw), 1, 5))
    texts = complaint_texts(rng, cat, cp["text_off_category_prob"], cp["text_second_phrase_prob"])
    return {
        "customer": cust,
        "opened": opened,
        "resolved": np.where(open_at_end, -1, resolved),
        "category": np.array(COMPLAINT_CATEGORIES, dtype=object)[cat],
        "channel": np.array(COMPLAINT_CHANNELS, dtype=object)[channel],
        "text": texts,
        "resolution_satisfaction": res_sat,
        "pre_dropout": np.concatenate([np.zeros(cust_a.size, bool), np.ones(cust_b.size, bool)]),
    }


# ---------------------------------------------------------------------------------------------
# Mystery shopping
# ---------------------------------------------------------------------------------------------
def simulate_mystery(
    rng: np.random.Generator, n_days: int, params: dict[str, Any]
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Mystery-shopping visits (arrays) and the branch quality used to draw them."""
    mp = params["mystery_shopping"]
    n_b = len(BRANCHES)
    quality = round_sig(rng.standard_normal(n_b), 6)
    visits = rng.integers(mp["visits_per_branch_min"], mp["visits_per_branch_max"] + 1, n_b)
    branch = np.repeat(np.arange(n_b), visits)
    m = branch.size
    day = rng.integers(0, n_days, m)
    shopper = rng.integers(1, mp["n_shoppers"] + 1, m)
    out: dict[str, np.ndarray] = {"branch": branch, "day": day, "shopper": shopper}
    for item in MYSTERY_ITEMS:
        logit = mp["item_base_logit"][item] + mp["quality_slope"] * quality[branch]
        prob = 1.0 / (1.0 + np.exp(-logit))
        out[item] = (rng.random(m) < prob).astype(np.int64)
    return out, {BRANCHES[b][0]: float(quality[b]) for b in range(n_b)}
