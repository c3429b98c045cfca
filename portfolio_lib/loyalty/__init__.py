"""Loyalty programme: the points ledger and the programme's causal effect.

- :func:`points_ledger` (:mod:`~portfolio_lib.loyalty.ledger`): points balance and liability
  per customer, redemption rate, breakage rate (:class:`PointsLedger`).
- :func:`programme_effect` (:mod:`~portfolio_lib.loyalty.effect`): difference-in-differences
  around enrolment with matched non-members and a cluster-robust interval, next to the naive
  member-vs-non-member comparison (:class:`ProgrammeEffect`).
"""

from portfolio_lib.loyalty.effect import ProgrammeEffect, programme_effect
from portfolio_lib.loyalty.ledger import PointsLedger, points_ledger

__all__ = ["PointsLedger", "ProgrammeEffect", "points_ledger", "programme_effect"]
