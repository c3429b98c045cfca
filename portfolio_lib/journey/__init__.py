"""The customer journey: stages, funnel, transitions, time-to-stage, attribution, deepening.

The course follows five stages — discovery (keşfetme), first contact (ilk temas),
decision moment (karar anı), purchase / service use (hizmet alımı) and deepening
(derinleşme). These functions work on any event log with one row per touch
(``customer_id``, ``timestamp``, ``stage``, ``channel``; other names through the same
keywords everywhere — ``customer_col``, ``time_col``, ``stage_col``, ``stages`` and, for paths
and attribution, ``touchpoint_col``, ``conversion_stage``, ``window_days``, ``separator``):

* :func:`validate_events` — check the log (unknown stage, missing time, out-of-order touches);
  :func:`example_events` — a small log (four people) to try the functions on;
* :func:`stage_funnel` — people reaching each stage, conversion and drop-off with Wilson intervals;
* :func:`stage_transitions`, :func:`advance_rates`, :func:`channel_effects` — transition
  matrix, journey variants, P(advance | stage, channel), channel effects (multinomial logit);
* :func:`time_to_stage` — Kaplan–Meier time between stages with censoring, log-rank test;
* :func:`heuristic_attribution`, :func:`markov_attribution`, :func:`compare_attribution` —
  channel credit (first/last/linear/time-decay, exact Markov removal effect);
* :func:`deepening_summary` — campaigns, points, cross-sell and up-sell after the first
  purchase and their association with later value;
* :func:`stage_scorecard` — one row per stage hand-over (moved on, stopped, the channels
  that move people on most and least), for a manager's action list.

Examples
--------
>>> from portfolio_lib.journey import STAGES, stage_label
>>> [stage_label(s, "tr") for s in STAGES]
['Keşfetme', 'İlk temas', 'Karar anı', 'Hizmet alımı', 'Derinleşme']
"""

from portfolio_lib.journey.attribution import (
    AttributionComparison,
    MarkovAttribution,
    compare_attribution,
    heuristic_attribution,
    markov_attribution,
)
from portfolio_lib.journey.deepening import BEHAVIOURS, Deepening, deepening_summary
from portfolio_lib.journey.funnel import stage_funnel
from portfolio_lib.journey.paths import NO_TOUCH, conversion_paths
from portfolio_lib.journey.scorecard import stage_scorecard
from portfolio_lib.journey.stages import (
    STAGE_NAMES_TR,
    STAGES,
    EventValidation,
    example_events,
    stage_label,
    validate_events,
)
from portfolio_lib.journey.survival import LogRankTest, TimeToStage, time_to_stage
from portfolio_lib.journey.transitions import (
    EXIT,
    ChannelEffects,
    StageTransitions,
    advance_rates,
    channel_effects,
    stage_transitions,
)

__all__ = [
    "STAGES",
    "STAGE_NAMES_TR",
    "stage_label",
    "EventValidation",
    "validate_events",
    "example_events",
    "stage_funnel",
    "StageTransitions",
    "stage_transitions",
    "advance_rates",
    "ChannelEffects",
    "channel_effects",
    "EXIT",
    "TimeToStage",
    "LogRankTest",
    "time_to_stage",
    "NO_TOUCH",
    "conversion_paths",
    "heuristic_attribution",
    "MarkovAttribution",
    "markov_attribution",
    "AttributionComparison",
    "compare_attribution",
    "BEHAVIOURS",
    "Deepening",
    "deepening_summary",
    "stage_scorecard",
]
