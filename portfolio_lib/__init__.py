"""portfolio_lib — customer portfolio management, tested and teachable.

The package behind the course notebooks: collect and check customer data
(:mod:`~portfolio_lib.quality`, :mod:`~portfolio_lib.store`), segment it
(:mod:`~portfolio_lib.rfm`, :mod:`~portfolio_lib.segmentation`), value it
(:mod:`~portfolio_lib.clv`), follow the journey (:mod:`~portfolio_lib.journey`),
measure satisfaction (:mod:`~portfolio_lib.satisfaction`) and decide a strategy
per group (:mod:`~portfolio_lib.portfolio`, :mod:`~portfolio_lib.churn`).

Submodules are imported on demand (``from portfolio_lib import rfm``) so that
``import portfolio_lib`` stays fast.
"""

from portfolio_lib._errors import DataValidationError

__version__ = "0.1.0"
__all__ = ["DataValidationError", "__version__"]
