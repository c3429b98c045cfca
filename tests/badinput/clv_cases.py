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
    "clv.BetaGeo.expected_purchases|t|nan_value": "[clv] <nan_value>: silent: result['0'] holds NaN (1 of 300)",
    "clv.BetaGeo.expected_purchases|t|none": "[clv] <None>: silent: result['value'] holds NaN (1 of 1)",
    "clv.BetaGeo.log_likelihood|summary|duplicate_index": "[clv] <two batches (rows :1 and 1:) concatenated, index repeated>: silent: result has repeated None labels",
    "clv.BetaGeo.prob_purchases|t|nan_value": "[clv] <nan_value>: silent: result['0'] holds NaN (1 of 300)",
    "clv.BetaGeo.prob_purchases|t|none": "[clv] <None>: silent: result['value'] holds NaN (1 of 1)",
    "clv.GammaGamma.fit|summary|constant": "[clv] <every row equal to the first>: crash: ConvergenceError: Gamma-Gamma did not converge to a reliable maximum-likelihood estimate.",
    "clv.GammaGamma.fit|summary|one_row": "[clv] <only row 0>: crash: ConvergenceError: Gamma-Gamma did not converge to a reliable maximum-likelihood estimate.",
    "clv.ParetoNBD.expected_purchases|t|nan_value": "[clv] <nan_value>: silent: result['0'] holds NaN (1 of 300)",
    "clv.ParetoNBD.expected_purchases|t|none": "[clv] <None>: silent: result['value'] holds NaN (1 of 1)",
    "clv.ParetoNBD.log_likelihood|summary|duplicate_index": "[clv] <two batches (rows :1 and 1:) concatenated, index repeated>: silent: result has repeated None labels",
    "clv.ParetoNBD.prob_purchases|t|nan_value": "[clv] <nan_value>: silent: result['0'] holds NaN (1 of 300)",
    "clv.ParetoNBD.prob_purchases|t|none": "[clv] <None>: silent: result['value'] holds NaN (1 of 1)",
    "clv.ShiftedBetaGeometric.fit|survivors|constant": "[clv] <constant>: crash: ConvergenceError: shifted-beta-geometric: nobody left the cohort, so the churn distribution is not identified (need at least one l",
    "clv.ShiftedBetaGeometric.projected_customers|periods|constant": "[clv] <?",
    "clv.ShiftedBetaGeometric.projected_customers|periods|frame": "[clv] <?",
    "clv.ShiftedBetaGeometric.projected_customers|periods|nan_value": "[clv] <?",
    "clv.ShiftedBetaGeometric.projected_customers|periods|none": "[clv] <?",
    "clv.ShiftedBetaGeometric.retention_rate|t|nan_value": "[clv] <nan_value>: silent: result['0'] holds NaN (1 of 8)",
    "clv.ShiftedBetaGeometric.retention_rate|t|none": "[clv] <None>: silent: result['value'] holds NaN (1 of 1)",
    "clv.ShiftedBetaGeometric.survival|t|nan_value": "[clv] <nan_value>: silent: result['0'] holds NaN (1 of 8)",
    "clv.ShiftedBetaGeometric.survival|t|none": "[clv] <None>: silent: result['value'] holds NaN (1 of 1)",
    "clv.clv_cac_ratio|clv_|duplicate_index": "[clv] <duplicate_index>: silent: result has repeated 'customer_id' labels",
    "clv.clv_cac_ratio|clv_|nan_value": "[clv] <nan_value>: silent: result['clv_cac_ratio'] holds NaN (1 of 300)",
    "clv.clv_cac_ratio|clv_|text_values": "[clv] <text_values>: crash: TypeError: operation 'truediv' not supported for dtype 'str' with dtype 'float64'",
    "clv.customer_lifetime_value|purchase_model|frame": "[clv] <a DataFrame>: crash: AttributeError: 'DataFrame' object has no attribute '_check_fitted'",
    "clv.customer_lifetime_value|purchase_model|none": "[clv] <None>: crash: AttributeError: 'NoneType' object has no attribute '_check_fitted'",
    "clv.customer_lifetime_value|spend_model|frame": "[clv] <a DataFrame>: crash: AttributeError: 'DataFrame' object has no attribute '_check_fitted'",
    "clv.customer_lifetime_value|spend_model|none": "[clv] <None>: crash: AttributeError: 'NoneType' object has no attribute '_check_fitted'",
    "clv.customer_lifetime_value|summary|duplicate_index": "[clv] <two batches (rows :1 and 1:) concatenated, index repeated>: silent: table has repeated None labels",
    "clv.discounted_expected_purchases|purchase_model|frame": "[clv] <a DataFrame>: crash: AttributeError: 'DataFrame' object has no attribute '_check_fitted'",
    "clv.discounted_expected_purchases|purchase_model|none": "[clv] <None>: crash: AttributeError: 'NoneType' object has no attribute '_check_fitted'",
    "clv.discounted_expected_purchases|summary|duplicate_index": "[clv] <?",
    "clv.holdout_comparison|model|frame": "[clv] <a DataFrame>: crash: AttributeError: 'DataFrame' object has no attribute 'conditional_expected_purchases'",
    "clv.holdout_comparison|model|none": "[clv] <None>: crash: AttributeError: 'NoneType' object has no attribute 'conditional_expected_purchases'",
    "clv.prob_alive_matrix|model|frame": "[clv] <a DataFrame>: crash: AttributeError: 'DataFrame' object has no attribute 'prob_alive'",
    "clv.prob_alive_matrix|model|none": "[clv] <None>: crash: AttributeError: 'NoneType' object has no attribute 'prob_alive'",
    "clv.repeat_purchase_distribution|model|frame": "[clv] <a DataFrame>: crash: AttributeError: 'DataFrame' object has no attribute 'prob_purchases'",
    "clv.repeat_purchase_distribution|model|none": "[clv] <None>: crash: AttributeError: 'NoneType' object has no attribute 'prob_purchases'",
    "clv.simulate_gamma_gamma_spend|frequency|frame": "[clv] <a DataFrame>: crash: ValueError: Per-column arrays must each be 1-dimensional",
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
