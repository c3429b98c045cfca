"""The CLV models' part of the bad-input suite (issue 15), kept apart from the rest.

The clv package has its own owner; its recipes beyond those in :mod:`tests.badinput.recipes`
go in :data:`CLV_RECIPES`, its open findings in :data:`CLV_KNOWN_OPEN` (strict xfail: remove
an entry when its fix makes the case pass) and the public callables still without a recipe
in :data:`CLV_NO_RECIPE_YET`.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from typing import Any

#: Recipes for clv callables (merged into ``RECIPES``): name -> Recipe. Filled at the end of
#: this module (after :mod:`tests.badinput.recipes` is importable, whichever is imported first).
CLV_RECIPES: dict[str, Any] = {}

#: Open findings in clv: "function|argument|kind" -> finding (none open now).
CLV_KNOWN_OPEN: dict[str, str] = {}

#: Public clv callables without a recipe yet (each new one without a recipe fails a test).
CLV_NO_RECIPE_YET: dict[str, str] = {}


# -- the clv fixtures: valid inputs of the models below, installed on Company as clv_* -------


def _bgbb_summary(c):
    from portfolio_lib import clv

    return clv.simulate_bgbb(300, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, periods=6, seed=7)


def _covariates(c):
    from portfolio_lib import clv

    return clv.indicator_covariates(c.customers, "acquisition_channel", ["referral", "store"])


def _fitted(model: str, data: str, *, with_covariates: bool = False):
    def build(c):
        from portfolio_lib import clv

        args = (getattr(c, data), c.clv_covariates) if with_covariates else (getattr(c, data),)
        return getattr(clv, model)().fit(*args)

    return build


CLV_FIXTURES = {
    "clv_bgbb_summary": _bgbb_summary,
    "clv_bgbb_frequency": lambda c: c.clv_bgbb_summary["frequency"].to_numpy(),
    "clv_bgbb_recency": lambda c: c.clv_bgbb_summary["recency"].to_numpy(),
    "clv_bgbb_periods": lambda c: c.clv_bgbb_summary["periods"].to_numpy(),
    "clv_bgbb": _fitted("BetaGeoBetaBinom", "clv_bgbb_summary"),
    "clv_mbgnbd": _fitted("ModifiedBetaGeo", "summary"),
    "clv_covariates": _covariates,
    "clv_frequency_series": lambda c: c.summary["frequency"],
    "clv_bg_cov": _fitted("BetaGeoCovariates", "summary", with_covariates=True),
    "clv_pareto_cov": _fitted("ParetoNBDCovariates", "summary", with_covariates=True),
    "clv_gg_cov": _fitted("GammaGammaCovariates", "spenders", with_covariates=True),
}


def _install_fixtures(company: type) -> None:
    """Add the clv fixtures to Company as cached properties (built once, on first use)."""
    for name, build in CLV_FIXTURES.items():
        if name not in vars(company):
            prop = cached_property(build)
            prop.__set_name__(company, name)
            setattr(company, name, prop)


def _clv_recipes() -> dict[str, Any]:
    from portfolio_lib import clv
    from tests.badinput.recipes import RECIPES, R

    bgbb = dict(frequency="clv_bgbb_frequency", recency="clv_bgbb_recency",
                periods="clv_bgbb_periods")  # fmt: skip
    spenders = dict(summary="spenders", covariates="clv_covariates")
    recipes = {
        "clv.BetaGeoBetaBinom.conditional_expected_purchases": R(
            lambda self, frequency, recency, periods: self.conditional_expected_purchases(
                5, frequency, recency, periods
            ),
            self="clv_bgbb",
            **bgbb,
        ),
        "clv.BetaGeoBetaBinom.discounted_expected_residual_transactions": R(
            lambda self, frequency, recency, periods: (
                self.discounted_expected_residual_transactions(0.1, frequency, recency, periods)
            ),
            self="clv_bgbb",
            **bgbb,
        ),
        "clv.BetaGeoBetaBinom.expected_purchases": R(
            lambda self, periods: self.expected_purchases(periods),
            self="clv_bgbb",
            periods="clv_bgbb_periods",
        ),
        "clv.BetaGeoBetaBinom.fit": R(
            lambda summary: clv.BetaGeoBetaBinom().fit(summary),
            summary="clv_bgbb_summary",
            slow=True,
        ),
        "clv.BetaGeoBetaBinom.log_likelihood": R(
            lambda self, summary: self.log_likelihood(summary),
            self="clv_bgbb",
            summary="clv_bgbb_summary",
        ),
        "clv.BetaGeoBetaBinom.prob_alive": R(
            lambda self, frequency, recency, periods: self.prob_alive(frequency, recency, periods),
            self="clv_bgbb",
            **bgbb,
        ),
        "clv.ModifiedBetaGeo.fit": R(
            lambda summary: clv.ModifiedBetaGeo().fit(summary), summary="summary", slow=True
        ),
        "clv.GammaGammaCovariates.conditional_expected_spend": R(
            lambda self, summary, covariates: self.conditional_expected_spend(summary, covariates),
            self="clv_gg_cov",
            **spenders,
        ),
        "clv.GammaGammaCovariates.fit": R(
            lambda summary, covariates: clv.GammaGammaCovariates().fit(summary, covariates),
            **spenders,
            slow=True,
        ),
        "clv.indicator_covariates": R(
            lambda table: clv.indicator_covariates(
                table, "acquisition_channel", ["referral", "store"]
            ),
            table="customers",
        ),
        "clv.simulate_mbgnbd": R(
            lambda T: clv.simulate_mbgnbd(
                len(T) if hasattr(T, "__len__") else 5, r=0.5, alpha=5, a=1, b=3, T=T, seed=0
            ),
            T="T",
        ),
        "clv.simulate_purchases_with_covariates": R(
            lambda covariates: clv.simulate_purchases_with_covariates(
                covariates,
                model="bgnbd",
                params={"r": 0.8, "alpha": 8.0, "a": 1.0, "b": 4.0},
                purchase={"referral": 0.5},
                dropout={"referral": 0.0},
                T=52.0,
                seed=0,
            ),
            covariates="clv_covariates",
        ),  # fmt: skip
        "clv.simulate_spend_with_covariates": R(
            lambda frequency, covariates: clv.simulate_spend_with_covariates(
                frequency, covariates, p=6, q=4, gamma=15, spend={"referral": 0.3}, seed=0
            ),
            frequency="clv_frequency_series",
            covariates="clv_covariates",
        ),
    }
    for model, key in (
        ("BetaGeoCovariates", "clv_bg_cov"),
        ("ParetoNBDCovariates", "clv_pareto_cov"),
    ):
        cls = getattr(clv, model)
        recipes |= {
            f"clv.{model}.conditional_expected_purchases": R(
                lambda self, summary, covariates: self.conditional_expected_purchases(
                    10, summary, covariates
                ),
                self=key,
                summary="summary",
                covariates="clv_covariates",
            ),
            f"clv.{model}.expected_purchases": R(
                lambda self, covariates: self.expected_purchases(10, covariates),
                self=key,
                covariates="clv_covariates",
            ),
            f"clv.{model}.fit": R(
                lambda summary, covariates, cls=cls: cls().fit(summary, covariates),
                summary="summary",
                covariates="clv_covariates",
                slow=True,
            ),
            f"clv.{model}.prob_alive": R(
                lambda self, summary, covariates: self.prob_alive(summary, covariates),
                self=key,
                summary="summary",
                covariates="clv_covariates",
            ),
        }
    # the MBG/NBD predictions are called like the BG/NBD ones, on the MBG/NBD fit
    for method in ("conditional_expected_purchases", "expected_purchases", "log_likelihood",
                   "prob_alive", "prob_purchases"):  # fmt: skip
        bgnbd = RECIPES[f"clv.BetaGeo.{method}"]
        recipes[f"clv.ModifiedBetaGeo.{method}"] = replace(
            bgnbd, data={**bgnbd.data, "self": "clv_mbgnbd"}
        )
    return recipes


def _register() -> None:
    """Fill CLV_RECIPES and merge them into RECIPES (idempotent; works in either import order)."""
    from tests.badinput.recipes import RECIPES, Company

    _install_fixtures(Company)
    if not CLV_RECIPES:
        CLV_RECIPES.update(_clv_recipes())
    RECIPES.update(CLV_RECIPES)


_register()
