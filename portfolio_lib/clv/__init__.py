"""Customer lifetime value: summaries, probabilistic models, CLV with intervals.

From a transaction log to per-customer value in four steps::

    from portfolio_lib import clv
    summary = clv.summary_from_transactions(tx, observation_end="1997-09-30", unit="W")
    purchases = clv.BetaGeo().fit(summary)          # or clv.ParetoNBD()
    spend = clv.GammaGamma().fit(summary)
    value = clv.customer_lifetime_value(purchases, spend, summary, horizon=52, unit="W",
                                        annual_discount_rate=0.10, margin=0.3, seed=1)
    value.table                                     # per customer: clv, clv_low, clv_high, ...
    print(value.summary())                          # total CLV with its interval, settings

Every model is a maximum-likelihood fit (statsmodels ``GenericLikelihoodModel``
on log-parameters, identical rows collapsed into weights) with ``params_``,
``loglik_``, ``summary()`` (SEs, CIs, AIC/BIC) and a :class:`ConvergenceError`
instead of a silently bad fit; the models are scikit-learn estimators (``get_params``,
``set_params``, ``sklearn.base.clone``). :func:`customer_lifetime_value` returns a
:class:`CLVResult`: the per-customer ``table`` with the settings and the total CLV beside it. Simple formulas (:func:`margin_multiple_clv`),
historical value and the CLV/CAC ratio sit beside them; model-only simulators
serve lessons and recovery tests.
"""

from portfolio_lib.clv._fitting import ConvergenceError, FitDiagnostics, ModelSummary
from portfolio_lib.clv.bgbb import BetaGeoBetaBinom, donations_summary, simulate_bgbb
from portfolio_lib.clv.bgnbd import BetaGeo
from portfolio_lib.clv.choice import ModelChoice, fit_purchase_model, fit_spend_model
from portfolio_lib.clv.covariates import (
    BetaGeoCovariates,
    GammaGammaCovariates,
    ParetoNBDCovariates,
    indicator_covariates,
    simulate_covariates,
    simulate_purchases_with_covariates,
    simulate_spend_with_covariates,
)
from portfolio_lib.clv.diagnostics import (
    holdout_comparison,
    prob_alive_matrix,
    repeat_purchase_distribution,
)
from portfolio_lib.clv.gammagamma import FrequencySpendCorrelation, GammaGamma
from portfolio_lib.clv.mbgnbd import ModifiedBetaGeo, simulate_mbgnbd
from portfolio_lib.clv.paretonbd import ParetoNBD
from portfolio_lib.clv.sbg import ShiftedBetaGeometric
from portfolio_lib.clv.simulation import (
    simulate_bgnbd,
    simulate_gamma_gamma_spend,
    simulate_pareto_nbd,
)
from portfolio_lib.clv.spend import MeanSpend
from portfolio_lib.clv.summary import calibration_holdout, summary_from_transactions
from portfolio_lib.clv.value import (
    CLVResult,
    clv_cac_ratio,
    customer_lifetime_value,
    discounted_expected_purchases,
    historical_clv,
    margin_multiple_clv,
)

__all__ = [
    "BetaGeo",
    "BetaGeoBetaBinom",
    "BetaGeoCovariates",
    "CLVResult",
    "ConvergenceError",
    "FitDiagnostics",
    "FrequencySpendCorrelation",
    "GammaGamma",
    "GammaGammaCovariates",
    "MeanSpend",
    "ModifiedBetaGeo",
    "ModelChoice",
    "ModelSummary",
    "ParetoNBD",
    "ParetoNBDCovariates",
    "ShiftedBetaGeometric",
    "calibration_holdout",
    "clv_cac_ratio",
    "customer_lifetime_value",
    "discounted_expected_purchases",
    "donations_summary",
    "fit_purchase_model",
    "fit_spend_model",
    "historical_clv",
    "holdout_comparison",
    "margin_multiple_clv",
    "prob_alive_matrix",
    "repeat_purchase_distribution",
    "simulate_bgbb",
    "simulate_bgnbd",
    "simulate_covariates",
    "simulate_gamma_gamma_spend",
    "simulate_mbgnbd",
    "simulate_pareto_nbd",
    "simulate_purchases_with_covariates",
    "simulate_spend_with_covariates",
    "indicator_covariates",
    "summary_from_transactions",
]
