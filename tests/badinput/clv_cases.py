"""The CLV models' part of the bad-input suite (issue 15), kept apart from the rest.

The clv package has its own owner; its recipes beyond those in :mod:`tests.badinput.recipes`
go in :data:`CLV_RECIPES`, its open findings in :data:`CLV_KNOWN_OPEN` (strict xfail: remove
an entry when its fix makes the case pass) and the public callables still without a recipe
in :data:`CLV_NO_RECIPE_YET`.
"""

from __future__ import annotations

from typing import Any

#: Recipes for clv callables (merged into ``RECIPES``): name -> Recipe.
CLV_RECIPES: dict[str, Any] = {}

#: Open findings in clv: "function|argument|kind" -> finding.
CLV_KNOWN_OPEN: dict[str, str] = {
}  # fmt: skip

#: Public clv callables without a recipe yet (each new one without a recipe fails a test).
CLV_NO_RECIPE_YET: dict[str, str] = {
    name: "clv covariate / MBG-NBD / BG-BB models (issue 16): recipe to be written"
    for name in (
        "clv.BetaGeoBetaBinom.conditional_expected_purchases",
        "clv.BetaGeoBetaBinom.discounted_expected_residual_transactions",
        "clv.BetaGeoBetaBinom.expected_purchases",
        "clv.BetaGeoBetaBinom.fit",
        "clv.BetaGeoBetaBinom.log_likelihood",
        "clv.BetaGeoBetaBinom.prob_alive",
        "clv.BetaGeoCovariates.conditional_expected_purchases",
        "clv.BetaGeoCovariates.expected_purchases",
        "clv.BetaGeoCovariates.fit",
        "clv.BetaGeoCovariates.prob_alive",
        "clv.GammaGammaCovariates.conditional_expected_spend",
        "clv.GammaGammaCovariates.fit",
        "clv.ModifiedBetaGeo.conditional_expected_purchases",
        "clv.ModifiedBetaGeo.expected_purchases",
        "clv.ModifiedBetaGeo.fit",
        "clv.ModifiedBetaGeo.log_likelihood",
        "clv.ModifiedBetaGeo.prob_alive",
        "clv.ModifiedBetaGeo.prob_purchases",
        "clv.ParetoNBDCovariates.conditional_expected_purchases",
        "clv.ParetoNBDCovariates.expected_purchases",
        "clv.ParetoNBDCovariates.fit",
        "clv.ParetoNBDCovariates.prob_alive",
        "clv.indicator_covariates",
        "clv.simulate_mbgnbd",
        "clv.simulate_purchases_with_covariates",
        "clv.simulate_spend_with_covariates",
    )
}
