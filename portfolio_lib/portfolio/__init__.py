"""Customer portfolio analysis (being split into modules)."""

from portfolio_lib.portfolio.kpis import *  # noqa: F403
from portfolio_lib.portfolio.kpis import __all__  # noqa: F401
