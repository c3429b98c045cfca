"""Moved: the chapter 3 lesson helpers now live in :mod:`portfolio_lib.lessons.clv`.

They are course material (they use the course runner), and the analysis package
:mod:`portfolio_lib.clv` imports no course material (``tests/test_architecture.py``),
so this module cannot re-export them; importing it raises an :class:`ImportError`
that names the new place.
"""

raise ImportError(
    "portfolio_lib.clv.lesson moved to portfolio_lib.lessons.clv (course helpers are kept "
    "apart from the analysis package); write `from portfolio_lib.lessons import clv as lesson`",
    name=__name__,
)
