"""Course-only helpers that the chapter notebooks call (course material, not analysis).

A lesson helper keeps a notebook free of logic that only the course needs: choosing the
periods a chapter uses on every ``DATASET``, comparing estimates with the simulator's
truth or with published numbers, sorting results into teaching tables. It may import
the analysis modules (:mod:`portfolio_lib.clv`, :mod:`portfolio_lib.portfolio`, ...)
and the course runner (:mod:`portfolio_lib.course`); no analysis module imports it
(``tests/test_architecture.py`` enforces the rule).

* :mod:`portfolio_lib.lessons.identity` — chapter 1, customer identification (records
  become persons; KPIs before and after merging).
* :mod:`portfolio_lib.lessons.lifecycle` — chapter 2, lifecycle migration between groups.
* :mod:`portfolio_lib.lessons.clv` — chapter 3, customer lifetime value
  (``from portfolio_lib.lessons import clv as lesson``).

Submodules are imported on demand, so ``import portfolio_lib.lessons`` stays cheap.
"""

__all__: list[str] = []
