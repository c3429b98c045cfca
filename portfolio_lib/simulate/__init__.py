"""The sample company every chapter uses: Anadolu Market, a fictional Turkish omnichannel retailer.

:func:`simulate_crm` draws one coherent company -- customers, transactions, journey
touchpoints, campaigns, surveys, complaints and mystery-shopping visits -- from documented
processes, and returns them in a :class:`~portfolio_lib.crm.CRMData` together with the ground
truth (:class:`~portfolio_lib.crm.SimulationTruth`) they were drawn from, so that every
chapter can check that its method recovers what was put in. ``data/README.md`` is the data
dictionary and describes the processes with their formulas; the default parameters are in
``truth.params``.

The sub-package follows the steps of :func:`simulate_crm`:

- :mod:`~portfolio_lib.simulate.params` -- default parameters, argument checks, random streams;
- :mod:`~portfolio_lib.simulate.people` -- latent traits, journeys, purchases; the customers;
- :mod:`~portfolio_lib.simulate.loyalty` -- the loyalty programme (self-selected, staggered
  enrolment; its true effect; points earned, redeemed and expiring) and consent per channel;
- :mod:`~portfolio_lib.simulate.tables` -- campaigns, surveys, complaints, mystery shopping;
- :mod:`~portfolio_lib.simulate.assemble` -- transactions, the DataFrames, :func:`simulate_crm`;
- :mod:`~portfolio_lib.simulate.io` -- :func:`write_sample` and the command line;
- :mod:`~portfolio_lib.simulate.records` -- customer *records* (several per person for some),
  with the true person of each (:func:`simulate_customer_records`, issue 18).

``CRMData``, ``SimulationTruth``, the stages and the table schemas are defined in
:mod:`portfolio_lib.crm` and re-exported here under their old names.

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

from portfolio_lib.crm import CRMData, SimulationTruth
from portfolio_lib.simulate.assemble import simulate_crm
from portfolio_lib.simulate.io import TABLE_NAMES as TABLE_NAMES  # not in __all__, as before
from portfolio_lib.simulate.io import TABLE_SCHEMAS, simulate_main, write_sample
from portfolio_lib.simulate.migration import simulate_migration
from portfolio_lib.simulate.params import MIN_WINDOW_DAYS as MIN_WINDOW_DAYS  # not in __all__
from portfolio_lib.simulate.params import (
    MYSTERY_CHECKLIST_WEIGHTS,
    PERSONAS,
    STAGES,
    default_params,
)
from portfolio_lib.simulate.records import CustomerRecords, simulate_customer_records

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
    "simulate_migration",
    "CustomerRecords",
    "simulate_customer_records",
]
