"""The loyalty programme and contact consent of the simulated company.

Internal helpers of :mod:`portfolio_lib.simulate` (days counted from the window's first day),
all drawn from their own random streams (``Streams.loyalty``, ``Streams.consent``), so the
other tables keep their draws when the programme's parameters change. Parameters:
``params["loyalty"]`` and ``params["consent"]`` (:mod:`~portfolio_lib.simulate.params`).

* :func:`draw_enrolment` -- who enrols and when: self-selected (heavier buyers enrol more)
  and staggered (most members enrol months after signing up);
* :func:`programme_purchases` -- the programme's TRUE effect: the extra purchases a member
  makes because of it (purchase rate x (1 + effect) while active, after enrolment);
* :func:`points` -- points earned, redeemed (first in, first out) and expired by rule;
* :func:`true_effect` -- the realised effect on the members in the units of
  :func:`portfolio_lib.loyalty.programme_effect` (spend and purchase occasions per period),
  from the purchases with and without the programme's;
* :func:`draw_consent` -- consent per contact channel on the customer record.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from portfolio_lib.crm import CONSENT_CHANNELS

if TYPE_CHECKING:
    from portfolio_lib.simulate.people import Latents


def _standardised(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


def enrol_probability(latents: Latents, prm: dict[str, Any]) -> np.ndarray:
    """P(a customer ever enrols): logistic in the standardised log purchase rate and log mean
    spend (``loyalty.enrol_logit_*``)."""
    lp = prm["loyalty"]
    slope = lp["enrol_logit_slopes"]
    logit = (
        lp["enrol_logit_intercept"]
        + slope["log_purchase_rate"] * _standardised(np.log(latents.purchase_rate))
        + slope["log_mean_spend"] * _standardised(-np.log(latents.spend_scale))
    )
    return special.expit(logit)


def draw_enrolment(
    rng: np.random.Generator, latents: Latents, n_days: int, prm: dict[str, Any]
) -> np.ndarray:
    """Enrolment day of each customer (-1: not a member by the window's end).

    A customer enrols with :func:`enrol_probability`; a share ``enrol_at_signup_share`` of
    those on the signup day, the others ``enrol_min_delay_days`` + Exponential(
    ``enrol_mean_delay_days``) days after it.
    """
    lp = prm["loyalty"]
    n = latents.signup_day.size
    enrols = rng.random(n) < enrol_probability(latents, prm)
    at_signup = rng.random(n) < lp["enrol_at_signup_share"]
    delay = lp["enrol_min_delay_days"] + rng.exponential(lp["enrol_mean_delay_days"], n)
    day = latents.signup_day + np.where(at_signup, 0, np.floor(delay).astype(np.int64))
    return np.where(enrols & (day <= n_days - 1), day, -1).astype(np.int64)


def programme_purchases(
    rng: np.random.Generator,
    latents: Latents,
    join: np.ndarray,
    active_until: np.ndarray,
    intensity: np.ndarray,
    prm: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """The purchases the programme adds: customer index and day of each (sorted).

    From the day after enrolment to ``active_until`` (the last day the customer is active:
    the dropout day, or the window's last day), a Poisson process of rate ``effect`` x the
    customer's purchase rate x the seasonal intensity: on top of the BG/NBD purchases this
    multiplies the purchase rate by (1 + effect) while active.
    """
    effect = float(prm["loyalty"]["effect"])
    n_days = intensity.size
    cum = np.concatenate([[0.0], np.cumsum(intensity)])
    first = join + 1
    last = np.minimum(active_until, n_days - 1)
    on = (join >= 0) & (last >= first)
    member = np.flatnonzero(on)
    span = cum[last[member] + 1] - cum[first[member]]  # operational days
    count = rng.poisson(effect * latents.purchase_rate[member] / 7.0 * span)
    owner = np.repeat(member, count)
    tau = cum[first[owner]] + rng.random(owner.size) * np.repeat(span, count)
    day = np.clip(np.searchsorted(cum, tau, side="right") - 1, first[owner], last[owner])
    order = np.lexsort((day, owner))
    return owner[order], day[order].astype(np.int64)


def points(
    rng: np.random.Generator,
    customer: np.ndarray,
    day: np.ndarray,
    amount: np.ndarray,
    is_return: np.ndarray,
    join: np.ndarray,
    n_days: int,
    prm: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Points earned and redeemed per transaction row, and the programme's point totals.

    Rows are in time order within a customer. A member earns floor(amount x
    ``points_per_currency_unit``) on each purchase from the enrolment day on. Before earning
    on a purchase, lots older than ``expiry_days`` lapse; then, with probability
    ``redeem_prob`` when the balance is at least ``redeem_threshold``, the largest multiple of
    ``redeem_block`` is redeemed, oldest points first. The totals (``earned``, ``redeemed``,
    ``expired``, ``outstanding`` on the window's last day) count lapses up to that day.
    """
    lp = prm["loyalty"]
    life = int(lp["expiry_days"])
    joined = join[customer]
    eligible = (joined >= 0) & (day >= joined) & ~is_return
    earned = np.where(eligible, np.floor(amount * lp["points_per_currency_unit"]), 0)
    earned = earned.astype(np.int64)
    redeemed = np.zeros(customer.size, dtype=np.int64)
    u = rng.random(customer.size)
    block, threshold, prob = lp["redeem_block"], lp["redeem_threshold"], lp["redeem_prob"]
    idx = np.flatnonzero(eligible)
    idx = idx[np.lexsort((idx, customer[idx]))]  # by customer, then in row order
    expired = 0
    lots: deque[list[int]] = deque()
    for pos, i in enumerate(idx):
        if pos == 0 or customer[i] != customer[idx[pos - 1]]:
            expired += sum(p for d, p in lots if d + life <= n_days - 1)
            lots.clear()
        while lots and lots[0][0] + life <= day[i]:
            expired += lots.popleft()[1]
        balance = sum(p for _, p in lots)
        if balance >= threshold and u[i] < prob:
            need = (balance // block) * block
            redeemed[i] = need
            while need:
                used = min(need, lots[0][1])
                lots[0][1] -= used
                need -= used
                if not lots[0][1]:
                    lots.popleft()
        if earned[i]:
            lots.append([int(day[i]), int(earned[i])])
    expired += sum(p for d, p in lots if d + life <= n_days - 1)
    totals = {
        "earned": int(earned.sum()),
        "redeemed": int(redeemed.sum()),
        "expired": int(expired),
    }
    totals["outstanding"] = totals["earned"] - totals["redeemed"] - totals["expired"]
    return earned, redeemed, totals


def _monthly(
    customer: np.ndarray,
    day: np.ndarray,
    amount: np.ndarray,
    buy: np.ndarray,
    month_by_day: np.ndarray,
    shape: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Net spend and purchase occasions (distinct purchase days) per customer and month."""
    spend = np.zeros(shape)
    np.add.at(spend, (customer, month_by_day[day]), amount)
    occasion = np.unique(np.column_stack([customer, day])[buy], axis=0)
    occasions = np.zeros(shape)
    np.add.at(occasions, (occasion[:, 0], month_by_day[occasion[:, 1]]), 1.0)
    return spend, occasions


def true_effect(
    tx: dict[str, np.ndarray],
    join: np.ndarray,
    signup_day: np.ndarray,
    first_day: np.datetime64,
    n_days: int,
    windows: tuple[int, int, int] = (3, 3, 3),
) -> dict[str, Any]:
    """The programme's realised effect on the members, per calendar month.

    Outcomes with (all transactions) and without the programme's purchases and their
    returns (``tx["programme"]``; every other draw is the same): net spend and purchase
    occasions per member per month. Averaged over the months ``e + 1 .. e + post`` after the
    enrolment month ``e`` of the members who have, with ``windows = (match, pre, post)``
    months, the windows of :func:`portfolio_lib.loyalty.programme_effect` (its defaults):
    ``e - pre - match >= 0``, the signup month at most ``e - pre - match`` and
    ``e + post`` in the window. Also the same average over all members with the outcome
    window (``all_members_*``).
    """
    match, pre, post = windows
    days = first_day + np.arange(n_days).astype("timedelta64[D]")
    month_by_day = (days.astype("datetime64[M]") - first_day.astype("datetime64[M]")).astype(
        np.int64
    )
    n_months = int(month_by_day[-1]) + 1
    shape = (join.size, n_months)
    cust, day = tx["customer"], tx["day"]
    buy = ~tx["is_return"]
    without = ~tx["programme"]
    spend1, occ1 = _monthly(cust, day, tx["amount"], buy, month_by_day, shape)
    spend0, occ0 = _monthly(
        cust[without], day[without], tx["amount"][without], buy[without], month_by_day, shape
    )
    member = np.flatnonzero(join >= 0)
    e = month_by_day[join[member]]
    signup = month_by_day[signup_day[member]]
    outcome_ok = e + post <= n_months - 1
    windows_ok = outcome_ok & (e - pre - match >= 0) & (signup <= e - pre - match)

    def att(diff: np.ndarray, rows: np.ndarray) -> float | None:
        if not rows.any():
            return None  # JSON null: no member has the windows
        cols = e[rows][:, None] + np.arange(1, post + 1)[None, :]
        return float(diff[member[rows][:, None], cols].mean())

    return {
        "windows_months": {"match": match, "pre": pre, "post": post},
        "n_members": int(member.size),
        "n_members_with_windows": int(windows_ok.sum()),
        "att_spend_per_month": att(spend1 - spend0, windows_ok),
        "att_purchases_per_month": att(occ1 - occ0, windows_ok),
        "all_members_att_spend_per_month": att(spend1 - spend0, outcome_ok),
        "all_members_att_purchases_per_month": att(occ1 - occ0, outcome_ok),
        "n_programme_purchases": int((tx["programme"] & buy).sum()),
    }


def draw_consent(
    rng: np.random.Generator, member: np.ndarray, prm: dict[str, Any]
) -> dict[str, np.ndarray]:
    """``consent_<channel>`` flags per customer: logistic(logit(rate) + lift x member)."""
    cp = prm["consent"]
    out = {}
    for channel in CONSENT_CHANNELS:
        logit = special.logit(cp["rates"][channel]) + cp["member_logit_lift"] * member
        out[f"consent_{channel}"] = rng.random(member.size) < special.expit(logit)
    return out
