"""How to call each data-taking function on a small simulated company.

A :class:`Recipe` names the data arguments of a function (each with the base value it gets
on valid input, a key of :class:`Company`) and a call that takes those arguments by name.
The sweep replaces one data argument at a time by a malformed variant.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from portfolio_lib import (
    acquisition,
    campaigns,
    churn,
    clv,
    communication,
    crm,
    cross_sell,
    datasets,
    decisions,
    describe,
    engines,
    equity,
    identity,
    journey,
    lifecycle,
    loyalty,
    matrix,
    portfolio,
    quality,
    rfm,
    satisfaction,
    segmentation,
    store,
    trends,
)
from portfolio_lib.simulate import simulate_crm, simulate_customer_records

END = pd.Timestamp("2024-12-31")
CAL_END = pd.Timestamp("2024-06-30")
CUTOFF = pd.Timestamp("2024-06-30")
#: Roles of the simulated customer records for identity.resolve.
ID_COLUMNS = {
    "record_id": "record_id",
    "given_name": "given_name",
    "family_name": "family_name",
    "birth_date": "birth_date",
    "phone": "phone",
    "email": "email",
    "postcode": "postcode",
}
#: A campaign with a control arm.
AB_CAMPAIGN = "CMP009"


class Company:
    """The valid inputs, built once: a simulated company of 300 customers (seed 7)."""

    @cached_property
    def crm(self) -> crm.CRMData:
        return simulate_crm(300, seed=7)

    def __getattr__(self, name: str) -> Any:  # table names
        if name in crm.TABLE_NAMES:
            return getattr(self.crm, name)
        raise AttributeError(name)

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {n: getattr(self.crm, n) for n in crm.TABLE_NAMES}

    @cached_property
    def tx(self) -> pd.DataFrame:
        return self.crm.transactions

    @cached_property
    def contacts(self) -> pd.DataFrame:
        return self.crm.campaign_contacts

    @cached_property
    def mystery(self) -> pd.DataFrame:
        return self.crm.mystery_shopping

    @cached_property
    def rfm(self) -> pd.DataFrame:
        return rfm.rfm_table(self.tx, observation_end=END)

    @cached_property
    def rfm_scores(self) -> rfm.RFMScores:
        return rfm.rfm_scores(self.rfm)

    @cached_property
    def segments(self) -> pd.Series:
        return rfm.rfm_segments(self.rfm_scores)["segment"]

    @cached_property
    def summary(self) -> pd.DataFrame:
        return clv.summary_from_transactions(self.tx, observation_end=END)

    @cached_property
    def cal(self) -> pd.DataFrame:
        return clv.calibration_holdout(self.tx, calibration_end=CAL_END, observation_end=END)

    @cached_property
    def bgnbd(self) -> clv.BetaGeo:
        return clv.BetaGeo().fit(self.summary)

    @cached_property
    def pareto(self) -> clv.ParetoNBD:
        return clv.ParetoNBD().fit(self.summary)

    @cached_property
    def gamma(self) -> clv.GammaGamma:
        return clv.GammaGamma().fit(self.summary[self.summary["frequency"] > 0])

    @cached_property
    def mean_spend(self) -> clv.MeanSpend:
        return clv.MeanSpend().fit(self.summary[self.summary["frequency"] > 0])

    @cached_property
    def sbg(self) -> clv.ShiftedBetaGeometric:
        return clv.ShiftedBetaGeometric().fit(self.survivors)

    @cached_property
    def survivors(self) -> np.ndarray:
        return np.array([1000, 869, 743, 653, 593, 551, 517, 491])

    @cached_property
    def clv_values(self) -> pd.Series:
        return clv.historical_clv(self.tx, margin=0.3, observation_end=END)

    @cached_property
    def clv_all(self) -> pd.Series:
        """Historical CLV of every customer (0 for those without purchases)."""
        ids = pd.Index(self.crm.customers["customer_id"])
        return self.clv_values.reindex(ids, fill_value=0.0)

    @cached_property
    def cost(self) -> pd.Series:
        return self.crm.customers.set_index("customer_id")["acquisition_cost"]

    @cached_property
    def frequency(self) -> np.ndarray:
        return self.summary["frequency"].to_numpy()

    @cached_property
    def recency(self) -> np.ndarray:
        return self.summary["recency"].to_numpy()

    @cached_property
    def T(self) -> np.ndarray:  # noqa: N802
        return self.summary["T"].to_numpy()

    @cached_property
    def monetary(self) -> np.ndarray:
        return self.summary["monetary_value"].to_numpy()

    @cached_property
    def spenders(self) -> pd.DataFrame:
        return self.summary[self.summary["frequency"] > 0]

    @cached_property
    def period(self) -> churn.ChurnPeriod:
        return churn.churn_period(self.tx, observation_end=END)

    @cached_property
    def features(self) -> churn.ChurnFeatures:
        return churn.crm_churn_features(self.crm, cutoff=CUTOFF, window_days=180, lookback_days=180)

    @cached_property
    def features_frame(self) -> pd.DataFrame:
        return self.features.features

    @cached_property
    def split(self) -> churn.ChurnSplit:
        return churn.crm_time_split(self.crm, self.period)

    @cached_property
    def logit(self) -> churn.ChurnLogit:
        return churn.ChurnLogit().fit(self.features)

    @cached_property
    def boosting(self) -> churn.ChurnBoosting:
        return churn.ChurnBoosting(max_iter=30).fit(self.features)

    @cached_property
    def y_true(self) -> pd.Series:
        return self.features.label.astype(int)

    @cached_property
    def churn_prob(self) -> pd.Series:
        return self.logit.predict_proba(self.features)

    @cached_property
    def churn_prob2(self) -> pd.Series:
        return self.boosting.predict_proba(self.features)

    @cached_property
    def churn_prob_all(self) -> pd.Series:
        ids = pd.Index(self.crm.customers["customer_id"])
        return self.churn_prob.reindex(ids, fill_value=0.5)

    @cached_property
    def funnel(self) -> pd.DataFrame:
        return journey.stage_funnel(self.touchpoints)

    @cached_property
    def rates(self) -> pd.DataFrame:
        return journey.advance_rates(self.touchpoints)

    @cached_property
    def ab(self) -> campaigns.ABTestResult:
        return campaigns.campaign_ab_test(self.campaigns, self.contacts, self.tx)

    @cached_property
    def ab_segments(self) -> pd.Series:
        ids = pd.Index(self.crm.customers["customer_id"])
        return pd.Series(np.where(np.arange(len(ids)) % 2, "a", "b"), index=ids)

    @cached_property
    def best(self) -> pd.Series:
        return self.clv_all >= self.clv_all.quantile(0.8)

    @cached_property
    def tx_small(self) -> pd.DataFrame:
        return self.tx.head(150)

    @cached_property
    def separating(self) -> pd.DataFrame:
        return satisfaction.separating_items(self.mystery)

    @cached_property
    def complaint_pareto(self) -> pd.DataFrame:
        return satisfaction.complaint_pareto(self.complaints)

    @cached_property
    def category_matrix(self) -> cross_sell.SegmentCategoryMatrix:
        return cross_sell.category_matrix(self.tx, self.segments)

    @cached_property
    def before(self) -> pd.DataFrame:
        return self.tx[self.tx["date"] <= CUTOFF]

    @cached_property
    def later(self) -> pd.DataFrame:
        return self.tx[self.tx["date"] > CUTOFF]

    @cached_property
    def suggestions(self) -> pd.DataFrame:
        return cross_sell.next_category(self.before, method="popularity")

    @cached_property
    def behaviour(self) -> pd.DataFrame:
        return segmentation.behaviour_features(self.rfm)

    @cached_property
    def segmentation(self) -> segmentation.Segmentation:
        return segmentation.fit_segments(self.behaviour, 3, n_init=2)

    @cached_property
    def labels(self) -> pd.Series:
        return self.segmentation.labels

    @cached_property
    def demographic_labels(self) -> pd.Series:
        ids = self.crm.customers.index
        return pd.Series(np.arange(len(ids)) % 3, index=ids)

    @cached_property
    def driver(self) -> satisfaction.DriverResult:
        return satisfaction.driver_analysis(self.surveys)

    @cached_property
    def ipa(self) -> satisfaction.ImportancePerformance:
        return satisfaction.importance_performance(self.surveys, self.driver)

    @cached_property
    def importance(self) -> pd.Series:
        return (
            self.driver.importance["share"]
            if "share" in self.driver.importance
            else (self.driver.importance.iloc[:, 0])
        )

    @cached_property
    def classifier(self) -> satisfaction.ComplaintClassifier:
        return satisfaction.ComplaintClassifier().fit(self.texts, self.complaints["category"])

    @cached_property
    def texts(self) -> pd.Series:
        return self.complaints["text"]

    @cached_property
    def complaint_labels(self) -> pd.Series:
        return self.complaints["category"]

    @cached_property
    def mystery_scores(self) -> pd.DataFrame:
        return satisfaction.mystery_scores(self.mystery)

    @cached_property
    def nps_scores(self) -> pd.Series:
        return self.surveys["nps"]

    @cached_property
    def nps_scores_b(self) -> pd.Series:
        return self.surveys["nps"].iloc[::-1].reset_index(drop=True)

    @cached_property
    def csat_scores(self) -> pd.Series:
        return self.surveys["csat"]

    @cached_property
    def sat_items(self) -> pd.DataFrame:
        return self.surveys[list(crm.SATISFACTION_ITEMS[:3])]

    @cached_property
    def corr(self) -> np.ndarray:
        return self.surveys[list(crm.RATING_ITEMS)].corr().to_numpy()

    @cached_property
    def churn_customers(self) -> pd.DataFrame:
        labels = satisfaction.lapse_labels(self.tx, cutoff=CUTOFF, observation_end=END)
        return labels.reset_index() if "customer_id" not in labels.columns else labels

    @cached_property
    def kpi_series(self) -> pd.Series:
        return trends.period_kpis(self.tx, observation_end=END)["revenue"]

    @cached_property
    def raw_transactions(self) -> pd.DataFrame:
        return self.tx[["customer_id", "date", "amount"]]

    @cached_property
    def online_retail(self) -> pd.DataFrame:
        tx = self.tx.head(60)
        return pd.DataFrame(
            {
                "InvoiceNo": tx["transaction_id"].to_numpy(),
                "StockCode": "A1",
                "Description": "item",
                "Quantity": 1,
                "InvoiceDate": tx["date"].to_numpy(),
                "UnitPrice": tx["amount"].abs().to_numpy() + 1.0,
                "CustomerID": tx["customer_id"].to_numpy(),
                "Country": "Turkey",
            }
        )

    @cached_property
    def kpi_segments(self) -> pd.Series:
        ids = pd.Index(self.crm.customers["customer_id"])
        return self.segments.reindex(ids, fill_value="new")

    @cached_property
    def groups(self) -> portfolio.PortfolioGroups:
        return portfolio.portfolio_groups(self.rfm, margin=0.3)

    @cached_property
    def values(self) -> pd.Series:
        return self.rfm["monetary_total"].clip(lower=0)

    @cached_property
    def strategies(self) -> pd.DataFrame:
        return portfolio.default_strategies()

    # issue 19: lifecycle, communication plan
    @cached_property
    def life_states(self) -> pd.DataFrame:
        return lifecycle.lifecycle_states(self.tx, observation_end=END).table

    @cached_property
    def life_matrix(self) -> pd.DataFrame:
        """The migration shares among the states every period reaches (no "new" row)."""
        states = lifecycle.lifecycle_states(self.tx, observation_end=END)
        shares = lifecycle.migration_matrix(states).shares.drop(index="new", errors="ignore")
        kept = shares.index[shares.notna().all(axis=1)]
        return shares.loc[kept, list(kept)]

    @cached_property
    def life_start(self) -> pd.Series:
        """One row of the migration shares: a distribution over the states."""
        return self.life_matrix.iloc[0].rename("share")

    @cached_property
    def state_value(self) -> pd.Series:
        return pd.Series({"active": 30.0, "loyal": 50.0})

    @cached_property
    def groups_series(self) -> pd.Series:
        return portfolio.portfolio_groups(self.rfm).table["group"]

    @cached_property
    def comm_plan(self) -> pd.DataFrame:
        return communication.default_plan()

    # engines
    @cached_property
    def duck(self) -> engines.DuckDBEngine:
        return engines.DuckDBEngine()

    @cached_property
    def summary_flat(self) -> pd.DataFrame:
        return self.summary.reset_index()

    # identity resolution (issue 18)
    @cached_property
    def id_data(self) -> Any:
        return simulate_customer_records(self.customers.head(80), seed=3)

    @cached_property
    def id_records(self) -> pd.DataFrame:
        return self.id_data.records

    @cached_property
    def id_truth(self) -> pd.Series:
        return pd.Series(self.id_data.person_id)

    @cached_property
    def id_result(self) -> identity.IdentityResult:
        return identity.resolve(self.id_records, columns=ID_COLUMNS)

    @cached_property
    def emails(self) -> pd.Series:
        return self.id_records["email"]

    # decisions and the notebook matrix
    @cached_property
    def economics(self) -> acquisition.AcquisitionEconomics:
        return acquisition.acquisition_economics(
            self.customers, self.tx, clv=self.clv_all, margin=0.3, observation_end=END
        )

    @cached_property
    def ab_return(self) -> campaigns.CampaignReturn:
        return campaigns.campaign_return(self.ab, margin=0.3, campaigns=self.campaigns)

    @cached_property
    def comparison(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"fitted": [0.24, 4.41, np.nan], "within_tolerance": [True, False, None]},
            index=["r", "alpha", "a"],
        )

    @cached_property
    def matrix_results(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "chapter": ["03", "03", "05", "05"],
                "case": ["n300_s7", "n1000_s7", "n300_s7", "n1000_s7"],
                "passed": [True, True, True, False],
            }
        )

    @cached_property
    def comm_actuals(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "line": ["win_back"] * 3,
                "period": [1, 2, 3],
                "actual": [0.1, 0.2, 0.12],
                "ci_low": [0.05, 0.15, 0.1],
                "ci_high": [0.12, 0.25, 0.14],
            }
        )


@dataclass(frozen=True)
class Recipe:
    """How to call one function: its data arguments (name -> Company key) and the call."""

    call: Callable[..., object]
    data: dict[str, str]
    slow: bool = False
    #: Other words a clear message may use for an argument (e.g. a table's own name).
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Result columns the docstring says may be NaN (e.g. "no channel qualifying gives NaN").
    nan_ok: tuple[str, ...] = ()


def R(  # noqa: N802
    call: Callable[..., object],
    slow: bool = False,
    aliases: dict[str, tuple[str, ...]] | None = None,
    nan_ok: tuple[str, ...] = (),
    **data: str,
) -> Recipe:
    return Recipe(call=call, data=data, slow=slow, aliases=aliases or {}, nan_ok=nan_ok)


def _ingest(frame: object) -> object:
    with tempfile.TemporaryDirectory() as folder:
        db = store.CRMStore(os.path.join(folder, "crm.sqlite"))
        try:
            return db.ingest("transactions", frame)
        finally:
            db.close()


def _ingest_tables(tables: object) -> object:
    with tempfile.TemporaryDirectory() as folder:
        db = store.CRMStore(os.path.join(folder, "crm.sqlite"))
        try:
            return db.ingest_tables(tables)
        finally:
            db.close()


def _read(frame: object) -> object:
    with tempfile.TemporaryDirectory() as folder:
        db = store.CRMStore(os.path.join(folder, "crm.sqlite"))
        try:
            db.ingest("transactions", frame)
            return db.read("transactions")
        finally:
            db.close()


_C = Company  # for annotations only

RECIPES: dict[str, Recipe] = {
    # acquisition
    "acquisition.acquisition_economics": R(
        lambda customers, transactions, clv: acquisition.acquisition_economics(
            customers, transactions, clv=clv, margin=0.3, observation_end=END
        ),
        customers="customers",
        transactions="tx",
        clv="clv_all",
    ),
    "acquisition.best_customer_profile": R(
        lambda customers, best: acquisition.best_customer_profile(customers, best),
        customers="customers",
        best="best",
    ),
    "acquisition.payback_times": R(
        lambda customers, transactions: acquisition.payback_times(
            customers, transactions, margin=0.3, observation_end=END
        ),
        customers="customers",
        transactions="tx",
    ),
    # campaigns
    "campaigns.campaign_audience": R(
        lambda campaigns_, contacts, transactions: campaigns.campaign_audience(
            campaigns_, contacts, transactions
        ),
        slow=True,
        campaigns_="campaigns",
        contacts="contacts",
        transactions="tx",
    ),
    "campaigns.ab_test": R(
        lambda contacts, transactions, campaigns_: campaigns.ab_test(
            contacts,
            transactions,
            campaign_id=AB_CAMPAIGN,
            campaigns=campaigns_,
        ),
        contacts="contacts",
        transactions="tx",
        campaigns_="campaigns",
    ),
    "campaigns.campaign_ab_test": R(
        lambda campaigns_, contacts, transactions: campaigns.campaign_ab_test(
            campaigns_, contacts, transactions
        ),
        campaigns_="campaigns",
        contacts="contacts",
        transactions="tx",
    ),
    "campaigns.uplift_by_segment": R(
        lambda result, segments: campaigns.uplift_by_segment(result, segments),
        result="ab",
        segments="ab_segments",
    ),
    "campaigns.campaign_return": R(
        lambda result, campaigns_: campaigns.campaign_return(
            result, margin=0.3, campaigns=campaigns_
        ),
        result="ab",
        campaigns_="campaigns",
    ),
    # churn
    "churn.ChurnBoosting.feature_importance": R(
        lambda self, data: self.feature_importance(data, n_repeats=2),
        slow=True,
        self="boosting",
        data="features",
    ),
    "churn.ChurnBoosting.fit": R(
        lambda data: churn.ChurnBoosting(max_iter=20).fit(data), data="features"
    ),
    "churn.ChurnBoosting.predict_proba": R(
        lambda self, data: self.predict_proba(data), self="boosting", data="features_frame"
    ),
    "churn.ChurnLogit.fit": R(lambda data: churn.ChurnLogit().fit(data), data="features"),
    "churn.ChurnLogit.predict_proba": R(
        lambda self, data: self.predict_proba(data), self="logit", data="features_frame"
    ),
    "churn.bgnbd_churn_scores": R(
        lambda transactions: churn.bgnbd_churn_scores(transactions, cutoff=CUTOFF, window_days=180),
        slow=True,
        transactions="tx",
    ),
    "churn.calibration_table": R(
        lambda y_true, prob: churn.calibration_table(y_true, prob, n_bins=5),
        y_true="y_true",
        prob="churn_prob",
    ),
    "churn.churn_features": R(
        lambda transactions, touchpoints, surveys, complaints, customers: churn.churn_features(
            transactions,
            touchpoints,
            surveys,
            complaints,
            customers,
            cutoff=CUTOFF,
            observation_end=END,
        ),
        transactions="tx",
        touchpoints="touchpoints",
        surveys="surveys",
        complaints="complaints",
        customers="customers",
        slow=True,
    ),
    "churn.churn_period": R(
        lambda transactions: churn.churn_period(transactions), transactions="tx"
    ),
    "churn.churn_time_split": R(
        lambda transactions, customers: churn.churn_time_split(
            transactions, customers=customers, observation_end=END
        ),
        transactions="tx",
        customers="customers",
        slow=True,
    ),
    "churn.compare_churn_models": R(
        lambda split, transactions: churn.compare_churn_models(split, transactions),
        slow=True,
        split="split",
        transactions="tx",
    ),
    "churn.compare_scores": R(
        lambda y_true, score, score_b: churn.compare_scores(
            y_true, {"logit": score, "boosting": score_b}
        ),
        y_true="y_true",
        score="churn_prob",
        score_b="churn_prob2",
        aliases={"score": ("scores",), "score_b": ("scores",)},
    ),
    "churn.crm_churn_features": R(
        lambda data: churn.crm_churn_features(
            data, cutoff=CUTOFF, window_days=180, lookback_days=180, observation_end=END
        ),
        data="tables",
        slow=True,
    ),
    "churn.crm_time_split": R(
        lambda data, period: churn.crm_time_split(data, period),
        data="tables",
        period="period",
        slow=True,
    ),
    "churn.delong_test": R(
        lambda y_true, score_a, score_b: churn.delong_test(y_true, score_a, score_b),
        y_true="y_true",
        score_a="churn_prob",
        score_b="churn_prob2",
    ),
    "churn.gains_table": R(
        lambda y_true, score: churn.gains_table(y_true, score, n_bins=5),
        y_true="y_true",
        score="churn_prob",
    ),
    "churn.roc_auc": R(
        lambda y_true, score: churn.roc_auc(y_true, score), y_true="y_true", score="churn_prob"
    ),
    # clv (owned by the clv engineer: failures go to KNOWN_OPEN)
    "clv.BetaGeo.conditional_expected_purchases": R(
        lambda self, frequency, recency, T: self.conditional_expected_purchases(
            10, frequency, recency, T
        ),
        self="bgnbd",
        frequency="frequency",
        recency="recency",
        T="T",
    ),
    "clv.BetaGeo.expected_purchases": R(
        lambda self, t: self.expected_purchases(t), self="bgnbd", t="T"
    ),
    "clv.BetaGeo.fit": R(lambda summary: clv.BetaGeo().fit(summary), summary="summary", slow=True),
    "clv.BetaGeo.log_likelihood": R(
        lambda self, summary: self.log_likelihood(summary), self="bgnbd", summary="summary"
    ),
    "clv.BetaGeo.prob_alive": R(
        lambda self, frequency, recency, T: self.prob_alive(frequency, recency, T),
        self="bgnbd",
        frequency="frequency",
        recency="recency",
        T="T",
    ),
    "clv.BetaGeo.prob_purchases": R(lambda self, t: self.prob_purchases(1, t), self="bgnbd", t="T"),
    "clv.GammaGamma.conditional_expected_spend": R(
        lambda self, frequency, monetary_value: self.conditional_expected_spend(
            frequency, monetary_value
        ),
        self="gamma",
        frequency="frequency",
        monetary_value="monetary",
    ),
    "clv.GammaGamma.fit": R(lambda summary: clv.GammaGamma().fit(summary), summary="spenders"),
    "clv.MeanSpend.conditional_expected_spend": R(
        lambda self, frequency, monetary_value: self.conditional_expected_spend(
            frequency, monetary_value
        ),
        self="mean_spend",
        frequency="frequency",
        monetary_value="monetary",
    ),
    "clv.MeanSpend.fit": R(lambda summary: clv.MeanSpend().fit(summary), summary="spenders"),
    "clv.ParetoNBD.conditional_expected_purchases": R(
        lambda self, frequency, recency, T: self.conditional_expected_purchases(
            10, frequency, recency, T
        ),
        self="pareto",
        frequency="frequency",
        recency="recency",
        T="T",
    ),
    "clv.ParetoNBD.expected_purchases": R(
        lambda self, t: self.expected_purchases(t), self="pareto", t="T"
    ),
    "clv.ParetoNBD.fit": R(
        lambda summary: clv.ParetoNBD().fit(summary), summary="summary", slow=True
    ),
    "clv.ParetoNBD.log_likelihood": R(
        lambda self, summary: self.log_likelihood(summary), self="pareto", summary="summary"
    ),
    "clv.ParetoNBD.prob_alive": R(
        lambda self, frequency, recency, T: self.prob_alive(frequency, recency, T),
        self="pareto",
        frequency="frequency",
        recency="recency",
        T="T",
    ),
    "clv.ParetoNBD.prob_purchases": R(
        lambda self, t: self.prob_purchases(1, t), self="pareto", t="T"
    ),
    "clv.ShiftedBetaGeometric.fit": R(
        lambda survivors: clv.ShiftedBetaGeometric().fit(survivors), survivors="survivors"
    ),
    "clv.ShiftedBetaGeometric.projected_customers": R(
        lambda self, periods: self.projected_customers(periods, 1000),
        self="sbg",
        periods="survivors",
    ),
    "clv.ShiftedBetaGeometric.retention_rate": R(
        lambda self, t: self.retention_rate(t), self="sbg", t="survivors"
    ),
    "clv.ShiftedBetaGeometric.survival": R(
        lambda self, t: self.survival(t), self="sbg", t="survivors"
    ),
    "clv.calibration_holdout": R(
        lambda tx: clv.calibration_holdout(tx, calibration_end=CAL_END, observation_end=END),
        tx="tx",
    ),
    "clv.clv_cac_ratio": R(
        lambda clv_, acquisition_cost: clv.clv_cac_ratio(clv_, acquisition_cost),
        clv_="clv_all",
        acquisition_cost="cost",
    ),
    "clv.customer_lifetime_value": R(
        lambda purchase_model, spend_model, summary: clv.customer_lifetime_value(
            purchase_model,
            spend_model,
            summary,
            horizon=52,
            unit="W",
            annual_discount_rate=0.1,
            n_draws=20,
            seed=0,
        ),
        purchase_model="bgnbd",
        spend_model="gamma",
        summary="summary",
    ),
    "clv.discounted_expected_purchases": R(
        lambda purchase_model, summary: clv.discounted_expected_purchases(
            purchase_model, summary, horizon=52, unit="W", annual_discount_rate=0.1
        ),
        purchase_model="bgnbd",
        summary="summary",
    ),
    "clv.fit_purchase_model": R(
        lambda summary: clv.fit_purchase_model(summary), summary="summary", slow=True
    ),
    "clv.fit_spend_model": R(lambda summary: clv.fit_spend_model(summary), summary="summary"),
    "clv.historical_clv": R(
        lambda tx: clv.historical_clv(tx, margin=0.3, observation_end=END), tx="tx"
    ),
    "clv.holdout_comparison": R(
        lambda model, cal_holdout: clv.holdout_comparison(model, cal_holdout),
        model="bgnbd",
        cal_holdout="cal",
    ),
    "clv.prob_alive_matrix": R(
        lambda model: clv.prob_alive_matrix(model, T=52, max_frequency=5, n_recency=5),
        model="bgnbd",
    ),
    "clv.repeat_purchase_distribution": R(
        lambda model, summary: clv.repeat_purchase_distribution(model, summary),
        model="bgnbd",
        summary="summary",
    ),
    "clv.simulate_bgnbd": R(
        lambda T: clv.simulate_bgnbd(
            len(T) if hasattr(T, "__len__") else 5, r=0.5, alpha=5, a=1, b=3, T=T, seed=0
        ),
        T="T",
    ),  # fmt: skip
    "clv.simulate_gamma_gamma_spend": R(
        lambda frequency: clv.simulate_gamma_gamma_spend(frequency, p=6, q=4, gamma=15, seed=0),
        frequency="frequency",
    ),
    "clv.simulate_pareto_nbd": R(
        lambda T: clv.simulate_pareto_nbd(
            len(T) if hasattr(T, "__len__") else 5, r=0.5, alpha=5, s=1, beta=3, T=T, seed=0
        ),
        T="T",
    ),  # fmt: skip
    "clv.summary_from_transactions": R(
        lambda tx: clv.summary_from_transactions(tx, observation_end=END), tx="tx"
    ),
    # cross-sell
    "cross_sell.category_matrix": R(
        lambda transactions, segments: cross_sell.category_matrix(transactions, segments),
        transactions="tx",
        segments="segments",
    ),
    "cross_sell.category_affinity": R(
        lambda transactions: cross_sell.category_affinity(transactions), transactions="tx"
    ),
    "cross_sell.white_space": R(
        lambda matrix: cross_sell.white_space(matrix), matrix="category_matrix"
    ),
    "cross_sell.next_category": R(
        lambda transactions: cross_sell.next_category(transactions, n_neighbors=10),
        transactions="tx",
    ),
    "cross_sell.suggestion_hit_rate": R(
        lambda suggestions, later_transactions, bought_before: cross_sell.suggestion_hit_rate(
            suggestions, later_transactions, bought_before=bought_before
        ),
        suggestions="suggestions",
        later_transactions="later",
        bought_before="before",
    ),
    # crm
    "crm.conform": R(lambda frame: crm.conform(frame, crm.SCHEMAS["transactions"]), frame="tx"),
    "crm.crm_table": R(lambda data: crm.crm_table(data, "transactions"), data="tables"),
    # datasets
    "datasets.read_transactions": R(
        lambda path_or_frame: datasets.read_transactions(path_or_frame),
        path_or_frame="raw_transactions",
    ),
    "datasets.read_online_retail": R(
        lambda path_or_frame: datasets.read_online_retail(path_or_frame),
        path_or_frame="online_retail",
    ),
    # describe
    "describe.table_overview": R(lambda tables: describe.table_overview(tables), tables="tables"),
    "describe.monthly_new_customers": R(
        lambda customers: describe.monthly_new_customers(customers), customers="customers"
    ),
    "describe.monthly_revenue": R(
        lambda transactions: describe.monthly_revenue(transactions), transactions="tx"
    ),
    "describe.channel_mix": R(
        lambda transactions: describe.channel_mix(transactions), transactions="tx"
    ),
    # journey
    "journey.validate_events": R(
        lambda events: journey.validate_events(events, errors="report"), events="touchpoints"
    ),
    "journey.stage_funnel": R(lambda events: journey.stage_funnel(events), events="touchpoints"),
    "journey.stage_transitions": R(
        lambda events: journey.stage_transitions(events), events="touchpoints"
    ),
    "journey.advance_rates": R(lambda events: journey.advance_rates(events), events="touchpoints"),
    "journey.channel_effects": R(
        lambda events: journey.channel_effects(events), slow=True, events="touchpoints"
    ),
    "journey.time_to_stage": R(
        lambda events: journey.time_to_stage(events, "discovery", "purchase", observation_end=END),
        events="touchpoints",
    ),
    "journey.conversion_paths": R(
        lambda events: journey.conversion_paths(events), events="touchpoints"
    ),
    "journey.heuristic_attribution": R(
        lambda data: journey.heuristic_attribution(data), data="touchpoints"
    ),
    "journey.markov_attribution": R(
        lambda data: journey.markov_attribution(data), data="touchpoints"
    ),
    "journey.compare_attribution": R(
        lambda data: journey.compare_attribution(data), data="touchpoints"
    ),
    "journey.deepening_summary": R(
        lambda transactions: journey.deepening_summary(transactions, observation_end=END),
        transactions="tx",
    ),
    "journey.stage_scorecard": R(
        lambda funnel, rates: journey.stage_scorecard(funnel, rates),
        funnel="funnel",
        rates="rates",
        nan_ok=("best_p_advance", "worst_p_advance", "channel_gap"),
    ),
    # portfolio (owned by the portfolio engineer)
    "portfolio.value_loyalty_matrix": R(
        lambda table: portfolio.value_loyalty_matrix(table), table="rfm"
    ),
    "portfolio.portfolio_groups": R(
        lambda table: portfolio.portfolio_groups(table, margin=0.3), table="rfm"
    ),
    "portfolio.pareto_table": R(lambda values: portfolio.pareto_table(values), values="values"),
    "portfolio.lorenz_curve": R(lambda values: portfolio.lorenz_curve(values), values="values"),
    "portfolio.gini": R(lambda values: portfolio.gini(values), values="values"),
    "portfolio.cohort_retention": R(
        lambda transactions: portfolio.cohort_retention(transactions, observation_end=END),
        transactions="tx",
    ),
    "portfolio.cac_by_channel": R(
        lambda customers: portfolio.cac_by_channel(customers), customers="customers"
    ),
    "portfolio.profit_per_customer": R(
        lambda table: portfolio.profit_per_customer(table, margin=0.3), table="rfm"
    ),
    "portfolio.gross_profit_per_customer": R(
        lambda table: portfolio.gross_profit_per_customer(table, margin=0.3), table="rfm"
    ),
    "portfolio.net_profit_per_customer": R(
        lambda table, acquisition_cost: portfolio.net_profit_per_customer(
            table, margin=0.3, acquisition_cost=acquisition_cost
        ),
        table="rfm",
        acquisition_cost="cost",
    ),
    "portfolio.profit_by_segment": R(
        lambda table, labels: portfolio.profit_by_segment(table, labels, margin=0.3),
        table="rfm",
        labels="segments",
    ),
    "portfolio.strategy_table": R(
        lambda groups, strategies: portfolio.strategy_table(groups, strategies=strategies),
        groups="groups",
        strategies="strategies",
    ),
    "portfolio.kpi_dashboard": R(
        lambda data, segments: portfolio.kpi_dashboard(
            data, segments, margin=0.3, observation_end=END
        ),
        data="tables",
        segments="kpi_segments",
        slow=True,
    ),
    "portfolio.call_list": R(
        lambda churn_probability, clv_: portfolio.call_list(
            churn_probability, clv_, save_rate=0.2, contact_cost=5.0
        ),
        churn_probability="churn_prob_all",
        clv_="clv_all",
    ),
    # issue 19: segmentation into decisions (price, service level, touchpoints per group)
    "portfolio.discount_by_segment": R(
        lambda transactions, campaigns, contacts, segments: portfolio.discount_by_segment(
            transactions,
            campaigns,
            contacts,
            segments,
            discount=0.1,
            margin=0.3,
            value_per_point=0.01,
        ),
        transactions="tx",
        campaigns="campaigns",
        contacts="contacts",
        segments="groups_series",
        nan_ok=("lift_low", "lift_high", "volume_lift", "purchases_control"),
    ),
    "portfolio.cost_to_serve": R(
        lambda transactions, touchpoints, complaints, segments: portfolio.cost_to_serve(
            transactions, touchpoints, complaints, segments, margin=0.3
        ),
        transactions="tx",
        touchpoints="touchpoints",
        complaints="complaints",
        segments="groups_series",
        nan_ok=("cost_share",),
    ),
    "portfolio.touchpoints_by_segment": R(
        lambda touchpoints, segments: portfolio.touchpoints_by_segment(
            touchpoints, segments, other="prospect"
        ),
        touchpoints="touchpoints",
        segments="groups_series",
        nan_ok=(
            "step_conversion",
            "step_ci_low",
            "step_ci_high",
            "drop_off_rate",
            "touches_per_person",
        ),
    ),
    # quality
    "quality.parse_values": R(
        lambda values: quality.parse_values(values, "date"), values="raw_dates"
    ),
    "quality.apply_dtypes": R(
        lambda frame: quality.apply_dtypes(frame, "transactions"), frame="tx"
    ),
    "quality.validate_table": R(
        lambda frame: quality.validate_table(frame, "transactions"), frame="tx"
    ),
    "quality.validate_transactions": R(
        lambda frame: quality.validate_transactions(frame), frame="tx"
    ),
    "quality.validate_customers": R(
        lambda frame: quality.validate_customers(frame), frame="customers"
    ),
    "quality.inject_errors": R(
        lambda clean_transactions: quality.inject_errors(clean_transactions, seed=0),
        clean_transactions="tx",
    ),
    "quality.parse_dates": R(lambda values: quality.parse_dates(values), values="raw_dates"),
    # a missing amount reads as NaN, as documented ("NaN where missing or unreadable")
    "quality.parse_amounts": R(
        lambda values: quality.parse_amounts(values), values="raw_amounts", nan_ok=("value",)
    ),
    # rfm
    "rfm.rfm_table": R(
        lambda transactions: rfm.rfm_table(transactions, observation_end=END), transactions="tx"
    ),
    "rfm.rfm_scores": R(lambda table: rfm.rfm_scores(table), table="rfm"),
    "rfm.rfm_segments": R(lambda scores: rfm.rfm_segments(scores), scores="rfm_scores"),
    "rfm.rfm_grid": R(
        lambda scores, table: rfm.rfm_grid(scores, table, value="monetary_total"),
        scores="rfm_scores",
        table="rfm",
    ),
    # satisfaction
    "satisfaction.nps": R(lambda scores: satisfaction.nps(scores), scores="nps_scores"),
    "satisfaction.nps_difference": R(
        lambda a, b: satisfaction.nps_difference(a, b), a="nps_scores", b="nps_scores_b"
    ),
    "satisfaction.nps_by": R(lambda df: satisfaction.nps_by(df, "stage"), df="surveys"),
    "satisfaction.nps_trend": R(
        lambda responses: satisfaction.nps_trend(responses), responses="surveys"
    ),
    "satisfaction.csat": R(lambda scores: satisfaction.csat(scores), scores="csat_scores"),
    "satisfaction.csat_by": R(lambda df: satisfaction.csat_by(df, "stage"), df="surveys"),
    "satisfaction.likert_summary": R(lambda df: satisfaction.likert_summary(df), df="surveys"),
    "satisfaction.cronbach_alpha": R(
        lambda items: satisfaction.cronbach_alpha(items), items="sat_items"
    ),
    "satisfaction.reverse_code": R(
        lambda df: satisfaction.reverse_code(df, ["sat_4_r"]), df="surveys"
    ),
    "satisfaction.driver_analysis": R(lambda df: satisfaction.driver_analysis(df), df="surveys"),
    "satisfaction.dominance_weights": R(
        lambda corr: satisfaction.dominance_weights(corr), corr="corr"
    ),
    "satisfaction.ordered_logit": R(
        lambda df: satisfaction.ordered_logit(df), df="surveys", slow=True
    ),
    "satisfaction.importance_performance": R(
        lambda df, importance: satisfaction.importance_performance(df, importance),
        df="surveys",
        importance="driver",
    ),
    "satisfaction.ComplaintClassifier.fit": R(
        lambda texts, labels: satisfaction.ComplaintClassifier().fit(texts, labels),
        texts="texts",
        labels="complaint_labels",
    ),
    "satisfaction.ComplaintClassifier.predict": R(
        lambda self, texts: self.predict(texts), self="classifier", texts="texts"
    ),
    "satisfaction.ComplaintClassifier.predict_proba": R(
        lambda self, texts: self.predict_proba(texts), self="classifier", texts="texts"
    ),
    "satisfaction.train_complaint_classifier": R(
        lambda complaints: satisfaction.train_complaint_classifier(complaints),
        complaints="complaints",
        slow=True,
    ),
    "satisfaction.complaint_topics": R(
        lambda complaints: satisfaction.complaint_topics(complaints, n_topics=3),
        complaints="complaints",
    ),
    "satisfaction.complaint_pareto": R(
        lambda complaints: satisfaction.complaint_pareto(complaints), complaints="complaints"
    ),
    "satisfaction.resolution_times": R(
        lambda complaints: satisfaction.resolution_times(complaints, as_of=END),
        complaints="complaints",
    ),
    "satisfaction.resolution_survival": R(
        lambda complaints: satisfaction.resolution_survival(complaints, as_of=END),
        complaints="complaints",
    ),
    "satisfaction.resolution_satisfaction": R(
        lambda complaints: satisfaction.resolution_satisfaction(complaints),
        complaints="complaints",
    ),
    "satisfaction.complaint_churn_link": R(
        lambda complaints, customers: satisfaction.complaint_churn_link(
            complaints, customers, before=CUTOFF
        ),
        complaints="complaints",
        customers="churn_customers",
    ),
    "satisfaction.lapse_labels": R(
        lambda transactions: satisfaction.lapse_labels(
            transactions, cutoff=CUTOFF, observation_end=END
        ),
        transactions="tx",
    ),
    "satisfaction.mystery_scores": R(
        lambda visits: satisfaction.mystery_scores(visits), visits="mystery"
    ),
    "satisfaction.branch_ranking": R(
        lambda scores: satisfaction.branch_ranking(scores, n_boot=50), scores="mystery_scores"
    ),
    "satisfaction.separating_items": R(
        lambda visits: satisfaction.separating_items(visits), visits="mystery"
    ),
    "satisfaction.experience_priorities": R(
        lambda surveys, complaints, mystery_shopping: satisfaction.experience_priorities(
            surveys, complaints, mystery_shopping
        ),
        surveys="surveys",
        complaints="complaints",
        mystery_shopping="mystery",
        slow=True,
    ),
    "satisfaction.improvement_priorities": R(
        lambda drivers, complaints, mystery: satisfaction.improvement_priorities(
            drivers, complaints, mystery
        ),
        drivers="ipa",
        complaints="complaint_pareto",
        mystery="separating",
    ),
    # segmentation
    "segmentation.Segmentation.predict": R(
        lambda self, X: self.predict(X), self="segmentation", X="behaviour"
    ),
    "segmentation.behaviour_features": R(
        lambda table: segmentation.behaviour_features(table), table="rfm"
    ),
    "segmentation.cluster_diagnostics": R(
        lambda X: segmentation.cluster_diagnostics(X, range(2, 4), n_init=1), X="behaviour"
    ),
    "segmentation.fit_segments": R(
        lambda X: segmentation.fit_segments(X, 3, n_init=2), X="behaviour"
    ),
    "segmentation.profile_segments": R(
        lambda table, labels: segmentation.profile_segments(table, labels),
        table="rfm",
        labels="labels",
    ),
    "segmentation.attitude_factors": R(
        lambda customers: segmentation.attitude_factors(customers), customers="customers"
    ),
    "segmentation.psychographic_segments": R(
        lambda customers: segmentation.psychographic_segments(customers),
        slow=True,
        customers="customers",
    ),
    "segmentation.demographic_profile": R(
        lambda customers, labels: segmentation.demographic_profile(customers, labels),
        customers="customers",
        labels="demographic_labels",
    ),
    "segmentation.segment_stability": R(
        lambda transactions: segmentation.segment_stability(
            transactions, ["2024-06-30", "2024-12-31"]
        ),
        transactions="tx",
    ),
    # store (owned by the store engineer)
    "store.CRMStore.ingest": R(_ingest, frame="tx_small", slow=True),
    "store.CRMStore.ingest_tables": R(_ingest_tables, slow=True, tables="tables"),
    # trends
    "trends.period_kpis": R(
        lambda transactions, surveys: trends.period_kpis(
            transactions, surveys, observation_end=END
        ),
        transactions="tx",
        surveys="surveys",
    ),
    "trends.forecast_kpi": R(
        lambda series: trends.forecast_kpi(series, horizon=3), series="kpi_series"
    ),
    "trends.forecast_backtest": R(
        lambda series: trends.forecast_backtest(series, holdout=3), series="kpi_series"
    ),
    "trends.repeat_purchase_projection": R(
        lambda model, summary: trends.repeat_purchase_projection(
            model, summary, horizon=12, n_draws=10, seed=0
        ),
        model="bgnbd",
        summary="summary",
    ),
    # decisions and the notebook matrix
    **{
        f"{func.__module__.rsplit('.', 1)[1]}.{func.__name__}": R(
            lambda func=func, **value: func(**value), **data
        )
        for func, data in (
            (decisions.acquisition_decision, {"economics": "economics"}),
            (decisions.campaign_rollout, {"result": "ab_return"}),
            (decisions.comparison_decision, {"table": "comparison"}),
            (matrix.pass_fail_table, {"results": "matrix_results"}),
        )
    },
    # engines (DuckDB; the Spark ones are in NO_RECIPE_YET)
    "engines.summary_from_transactions": R(
        lambda source: engines.summary_from_transactions(
            source, observation_end=END, engine="duckdb"
        ),
        source="tx",
    ),
    "engines.calibration_holdout": R(
        lambda source: engines.calibration_holdout(
            source, calibration_end=CAL_END, observation_end=END, engine="duckdb"
        ),
        source="tx",
    ),
    "engines.read_pandas": R(lambda source: engines.read_pandas(source), source="tx"),
    "engines.get_engine": R(lambda source: engines.get_engine(None, source), source="tx"),
    "engines.as_frame": R(
        lambda table: engines.as_frame(table, "customer_id"), table="summary_flat"
    ),
    "engines.DuckDBEngine.register": R(
        lambda self, source: self.register(source), self="duck", source="tx"
    ),
    "engines.DuckDBEngine.register_small": R(
        lambda self, frame: self.register_small(frame), self="duck", frame="summary_flat"
    ),
    # identity resolution (issue 18): resolve fits a model (Splink's EM) per call
    "identity.resolve": R(
        lambda records: identity.resolve(records, columns=ID_COLUMNS),
        slow=True,
        records="id_records",
    ),
    "identity.hash_column": R(lambda values: identity.hash_column(values, "k"), values="emails"),
    "identity.IdentityResult.apply": R(
        lambda self, table: self.apply(table, record_col="record_id"),
        self="id_result",
        table="id_records",
    ),
    "identity.IdentityResult.evaluate": R(
        lambda self, truth: self.evaluate(truth), self="id_result", truth="id_truth"
    ),
    # issue 19: lifecycle, customer equity, loyalty programme, communication plan
    "lifecycle.state_values": R(
        lambda matrix, value_per_period: lifecycle.state_values(
            matrix, value_per_period, discount_rate=0.03
        ),
        matrix="life_matrix",
        value_per_period="state_value",
    ),
    **{
        f"lifecycle.{func.__name__}": R(
            lambda transactions, func=func: func(transactions, observation_end=END),
            transactions="tx",
        )
        for func in (
            lifecycle.portfolio_groups_by_period,
            lifecycle.purchases_by_period,
            lifecycle.lifecycle_states,
        )
    },
    "lifecycle.migration_matrix": R(
        lambda states: lifecycle.migration_matrix(states), states="life_states"
    ),
    "lifecycle.steady_state": R(
        lambda matrix: lifecycle.steady_state(matrix), matrix="life_matrix"
    ),
    "lifecycle.transition_shares": R(
        lambda matrix: lifecycle.transition_shares(matrix), matrix="life_matrix"
    ),
    "lifecycle.start_distribution": R(
        lambda start: lifecycle.start_distribution(
            start, list(start.index) if isinstance(start, pd.Series) else ["active"]
        ),
        start="life_start",
    ),
    "lifecycle.cohort_path": R(
        lambda matrix: lifecycle.cohort_path(
            matrix,
            periods=4,
            start=matrix.index[0] if isinstance(matrix, pd.DataFrame) and len(matrix) else "active",
        ),
        matrix="life_matrix",
    ),
    "equity.customer_equity": R(
        lambda clv: equity.customer_equity(
            clv,
            new_customer_clv=50.0,
            acquisitions_per_period=10,
            acquisition_cost=20.0,
            discount_rate=0.02,
            periods=8,
            seed=1,
        ),
        clv="clv_values",
    ),
    "loyalty.points_ledger": R(
        lambda points: loyalty.points_ledger(points, value_per_point=0.01, expiry_days=365),
        points="tx",
    ),
    "loyalty.programme_effect": R(
        lambda transactions, customers: loyalty.programme_effect(
            transactions,
            customers,
            observation_end=END,
            signup_col="signup_date",
            match_periods=1,
            pre_periods=1,
            post_periods=1,
        ),
        transactions="tx",
        customers="customers",
    ),
    "communication.communication_plan": R(
        lambda groups, plan: communication.communication_plan(groups, plan=plan),
        groups="groups_series",
        plan="comm_plan",
    ),
    "communication.kpi_tracker": R(
        lambda plan, actuals: communication.kpi_tracker(plan, actuals),
        plan="comm_plan",
        actuals="comm_actuals",
    ),
    "communication.ab_actual": R(lambda result: communication.ab_actual(result), result="ab"),
}


def _raw(company: Company, column: str) -> pd.Series:
    return (
        company.tx[column].astype(str)
        if column != "date"
        else company.tx[column].dt.strftime("%Y-%m-%d")
    )


Company.raw_dates = cached_property(lambda self: self.tx["date"].dt.strftime("%Y-%m-%d"))  # type: ignore[attr-defined]
Company.raw_dates.__set_name__(Company, "raw_dates")
Company.raw_amounts = cached_property(lambda self: self.tx["amount"].head(100).map("{:.2f}".format))  # type: ignore[attr-defined]
Company.raw_amounts.__set_name__(Company, "raw_amounts")


def _with_clv_recipes() -> None:
    from tests.badinput.clv_cases import CLV_RECIPES

    RECIPES.update(CLV_RECIPES)


_with_clv_recipes()


# -- issue 19: contactability and the two-sided value (registered once the packages export
# them: quality.contact_reachability, portfolio.value_proposition; until then the discovery
# test would call the recipes stale) -------------------------------------------------------
def _contact_records(self: Company) -> pd.DataFrame:
    drawn = simulate_customer_records(self.customers, seed=3)
    return drawn.records.assign(customer_id=drawn.person_id.to_numpy())


Company.contact_records = cached_property(_contact_records)  # type: ignore[attr-defined]
Company.contact_records.__set_name__(Company, "contact_records")


def _with_issue19_recipes() -> None:
    from portfolio_lib.portfolio.value_proposition import value_proposition
    from portfolio_lib.quality.contactability import contact_reachability

    if "contact_reachability" in quality.__all__:
        RECIPES["quality.contact_reachability"] = R(
            lambda customers, records: contact_reachability(customers, records),
            customers="customers",
            records="contact_records",
        )
    if "value_proposition" in portfolio.__all__:
        RECIPES["portfolio.value_proposition"] = R(
            lambda clv, surveys: value_proposition(clv, surveys), clv="clv_all", surveys="surveys"
        )


_with_issue19_recipes()
