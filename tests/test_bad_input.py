"""Bad input, everywhere (issue 15): a clear error or a right answer from every public function.

Every public function and method that takes data (found from the packages' ``__all__`` by
:mod:`tests.badinput.discover`, so a new one is swept without editing this file) first runs
on a small simulated company; then each of its data arguments is replaced, one at a time,
by malformed variants drawn by hypothesis (:mod:`tests.badinput.mutations`): no table, a
list or a Series instead of a frame, no rows, one row, a missing or mistyped column, missing
ids, dates as integers or day-first text, a date in 1850 or 2099, aware and naive dates
mixed, two batches concatenated (repeated index labels), every row twice, no variation.

Each variant must give a clear error (``DataValidationError``/``TypeError``/``ValueError``
naming the argument or a column) or a result free of unexplained NaN/inf whose invariants
hold (:mod:`tests.badinput.outcome`). Failures in modules another engineer owns are listed
in :data:`KNOWN_OPEN` (strict xfail: when the owner fixes one, the test fails and asks for
the entry to be removed).

Runtime: one example per kind (``BADINPUT_EXAMPLES`` for the drawn kinds, default 1);
functions that fit a model on every call are marked ``slow`` and ``badinput`` and swept only
with ``BADINPUT_FULL=1`` (they still run on valid input); every other case runs in ``make
test``. ``python -m tests.badinput.report``
counts the outcomes (errors / accepted / silent / crash).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.badinput.clv_cases import CLV_KNOWN_OPEN, CLV_NO_RECIPE_YET
from tests.badinput.discover import (
    NOT_SWEPT,
    PACKAGES,
    data_taking_callables,
    unlisted_modules,
)
from tests.badinput.known_open import OTHERS_KNOWN_OPEN
from tests.badinput.mutations import DRAWN_KINDS, variant
from tests.badinput.outcome import problems
from tests.badinput.recipes import RECIPES
from tests.badinput.sweep import base_args, baseline, cases, company, run

EXAMPLES = int(os.environ.get("BADINPUT_EXAMPLES", "1"))
#: Functions that fit a model on every call are swept only with BADINPUT_FULL=1 (they run on
#: valid input always); the default sweep stays within a few minutes on two cores.
FULL = os.environ.get("BADINPUT_FULL", "") not in ("", "0")

#: Failures in files this suite's author does not own: "function|argument|kind" -> finding.
#: Each is a strict xfail; remove the entry when the owner's fix makes the test pass.
KNOWN_OPEN: dict[str, str] = {**OTHERS_KNOWN_OPEN, **CLV_KNOWN_OPEN}

#: Failures in this suite's author's own files not fixed yet (same rule: strict xfail).
OPEN_HERE: dict[str, str] = {
}  # fmt: skip

#: Public data-taking callables added after this suite was written, without a recipe yet
#: (named here so that the gap is explicit; every other new one fails the recipe test).
NO_RECIPE_YET: dict[str, str] = {
    **CLV_NO_RECIPE_YET,
    "engines.Engine.register": "the abstract base; DuckDBEngine.register is swept",
    "engines.SparkEngine.register": "needs a Spark session: tests/test_engines_spark_bad_input.py",
    "engines.SparkEngine.register_small": "needs a Spark session: tests/test_engines_spark_bad_input.py",
}


def test_every_data_taking_function_has_a_recipe():
    """A new public function that takes data must be added to tests/badinput/recipes.py."""
    found = set(data_taking_callables())
    missing = sorted(found - set(RECIPES) - set(NO_RECIPE_YET))
    assert not missing, (
        "public data-taking functions without a bad-input recipe (add them to "
        f"tests/badinput/recipes.py): {missing}"
    )
    stale = sorted(set(RECIPES) - found)
    assert not stale, f"recipes for functions that are no longer public: {stale}"
    done = sorted(set(NO_RECIPE_YET) & set(RECIPES)) + sorted(set(NO_RECIPE_YET) - found)
    assert not done, f"remove from NO_RECIPE_YET (recipe written or no longer public): {done}"


def test_every_module_is_swept_or_excluded():
    """A new module of portfolio_lib is swept (PACKAGES) or excluded with a reason (NOT_SWEPT)."""
    assert not unlisted_modules(), (
        f"modules neither swept nor excluded (tests/badinput/discover.py): {unlisted_modules()}"
    )
    assert not set(PACKAGES) & set(NOT_SWEPT)


def test_known_open_entries_name_real_cases():
    ids = {"|".join(c) for c in cases()}
    assert not sorted((set(KNOWN_OPEN) | set(OPEN_HERE)) - ids)
    assert not set(KNOWN_OPEN) & set(OPEN_HERE)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_runs_on_valid_input(name):
    """Each function first runs correctly on valid input (no NaN/inf, invariants hold)."""
    if RECIPES[name].slow:
        pytest.importorskip("sklearn")
    result = baseline(name)
    assert result is not None or name.endswith(".fit")
    found = [p for p in problems(result) if "holds NaN" not in p]
    assert not found, f"{name} on valid input: {found}"


def _marks(name: str, arg: str, kind: str) -> list[pytest.MarkDecorator]:
    # The default sweep runs in `make test`; only the cases of functions that fit a model per
    # call are opt-in (marker badinput, BADINPUT_FULL=1).
    marks: list[pytest.MarkDecorator] = []
    key = f"{name}|{arg}|{kind}"
    for table in (KNOWN_OPEN, OPEN_HERE):
        if key in table:
            reason = f"{table[key]} (fixed? remove the entry {key!r})"
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
    if RECIPES[name].slow:
        marks += [pytest.mark.slow, pytest.mark.badinput]
        if not FULL:
            marks.append(pytest.mark.skip(reason="fits a model per call: BADINPUT_FULL=1"))
    return marks


CASES = [pytest.param(*c, id="|".join(c), marks=_marks(*c)) for c in cases()]


@pytest.mark.parametrize(("name", "arg", "kind"), CASES)
def test_bad_input(name, arg, kind):
    base = base_args(RECIPES[name])[arg]
    examples = EXAMPLES if kind in DRAWN_KINDS else 1

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        # no shrinking: the variant is already minimal and its description says what it is;
        # shrinking a failing case re-ran the function (a model fit) hundreds of times
        phases=(Phase.explicit, Phase.generate),
    )
    @given(drawn=variant(base, kind) if kind in DRAWN_KINDS else st.just(None))
    def check(drawn):
        what, value = drawn if drawn is not None else _fixed(base, kind)
        outcome, _ = run(name, arg, value, kind=kind)
        assert outcome.kind in ("error", "accepted"), (
            f"{name}({arg}=<{what}>): {outcome.kind}: {outcome.detail}"
        )

    check()


_FIXED: dict[tuple[int, str], tuple[str, object]] = {}


def _fixed(base: object, kind: str) -> tuple[str, object]:
    """The one variant of a kind that draws nothing (built once per base)."""
    key = (id(base), kind)
    if key not in _FIXED:
        from hypothesis import find

        _FIXED[key] = find(variant(base, kind), lambda _: True)
    return _FIXED[key]


def test_company_is_built_once():
    assert company() is company()


# -- regression tests: one per finding of issue 15 -------------------------------------------

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from portfolio_lib import (  # noqa: E402
    DataValidationError,
    churn,
    clv,
    datasets,
    describe,
    journey,
    portfolio,
    quality,
    rfm,
    satisfaction,
    trends,
)
from tests.badinput.recipes import END  # noqa: E402


@pytest.fixture(scope="module")
def crm_data():
    return company().crm


def _int_dates(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    out = frame.copy()
    out[column] = out[column].dt.strftime("%Y%m%d").astype("int64")
    return out


def _one_row_in(frame: pd.DataFrame, column: str, when: str) -> pd.DataFrame:
    out = frame.copy()
    out.loc[out.index[0], column] = pd.Timestamp(when)
    return out


@pytest.mark.parametrize(
    "call",
    [
        lambda tx: clv.summary_from_transactions(tx, observation_end=END),
        lambda tx: clv.calibration_holdout(tx, calibration_end="2024-06-30", observation_end=END),
        lambda tx: describe.monthly_revenue(tx),
    ],
    ids=["summary_from_transactions", "calibration_holdout", "monthly_revenue"],
)
def test_integer_dates_are_refused_not_read_as_nanoseconds(crm_data, call):
    """20230101 is not 20 ms after 1970: T must never come out as 2,869.7 weeks."""
    with pytest.raises(DataValidationError, match=r"(?s)column date .*20230101"):
        call(_int_dates(crm_data.transactions, "date"))


@pytest.mark.parametrize(
    "call",
    [
        journey.validate_events,
        journey.stage_funnel,
        journey.advance_rates,
        journey.stage_transitions,
        journey.conversion_paths,
        lambda ev: journey.time_to_stage(ev, "discovery", "purchase", observation_end=END),
    ],
    ids=["validate_events", "stage_funnel", "advance_rates", "stage_transitions",
         "conversion_paths", "time_to_stage"],
)  # fmt: skip
def test_integer_event_times_are_refused(crm_data, call):
    with pytest.raises(DataValidationError, match="timestamp.*is a number, not a date-time"):
        call(_int_dates(crm_data.touchpoints, "timestamp"))


def test_validate_events_reports_integer_times_as_rejected_rows(crm_data):
    checked = journey.validate_events(
        _int_dates(crm_data.touchpoints, "timestamp"), errors="report"
    )
    assert checked.events.empty
    assert checked.rejected["problem"].str.contains("is a number").all()


@pytest.mark.parametrize("when", ["1850-03-01", "2099-06-01"])
def test_event_times_outside_a_plausible_window_are_rejected(crm_data, when):
    events = _one_row_in(crm_data.touchpoints, "timestamp", when)
    checked = journey.validate_events(events, errors="report")
    assert len(checked.rejected) == 1
    assert "before 1900-01-01 or after today" in checked.rejected["problem"].iloc[0]


@pytest.mark.parametrize(
    "call",
    [
        lambda tx: churn.churn_period(tx),
        lambda tx: churn.churn_features(tx, cutoff="2024-06-30"),
        lambda tx: trends.period_kpis(tx),
        lambda tx: rfm.rfm_table(tx, observation_end="2100-01-01"),
    ],
    ids=["churn_period", "churn_features", "period_kpis", "rfm_table"],
)
@pytest.mark.parametrize("when", ["2099-06-01", "1850-03-01"])
def test_one_implausible_date_never_stretches_a_window(crm_data, call, when):
    """One row dated 2099 (or 1850) is refused, naming the column and showing the row."""
    tx = _one_row_in(crm_data.transactions, "date", when)
    with pytest.raises(DataValidationError, match=f"(?s)column date has dates.*{when}"):
        call(tx)


def test_kpi_dashboard_refuses_a_transaction_dated_2099(crm_data):
    tables = {n: getattr(crm_data, n) for n in ("customers", "transactions", "surveys")}
    tables["transactions"] = _one_row_in(crm_data.transactions, "date", "2099-06-01")
    segments = pd.Series("a", index=crm_data.customers["customer_id"].to_numpy())
    with pytest.raises(DataValidationError, match="2099-06-01"):
        portfolio.kpi_dashboard(tables, segments, margin=0.3)


def test_complaint_classifier_refuses_a_dataframe(crm_data):
    """A DataFrame used to be iterated as its column names: one prediction for 53 texts."""
    model = company().classifier
    with pytest.raises(DataValidationError, match="texts must be one column of texts"):
        model.predict_proba(crm_data.complaints)
    assert len(model.predict_proba(crm_data.complaints["text"])) == len(crm_data.complaints)


def test_nps_trend_on_empty_surveys_is_an_error_not_a_row_of_nan(crm_data):
    with pytest.raises(DataValidationError, match="no responses with a 'nps' score"):
        satisfaction.nps_trend(crm_data.surveys.iloc[:0])


def test_complaint_topics_with_few_distinct_words():
    texts = pd.DataFrame({"text": ["late delivery", "late refund", "refund late", "delivery"]})
    topics = satisfaction.complaint_topics(texts, n_topics=2, n_top_words=8, min_df=1,
                                           stop_words=None)  # fmt: skip
    assert topics.top_words.shape == (2, 3)  # three distinct words: all listed, no crash


@pytest.mark.parametrize(
    "call",
    [
        lambda c: satisfaction.nps_by(c.surveys, "stage").table["n"].sum(),
        lambda c: satisfaction.csat_by(c.surveys, "stage").table["n"].sum(),
        lambda c: satisfaction.nps_trend(c.surveys).table["n"].sum(),
        lambda c: len(satisfaction.reverse_code(c.surveys, ["sat_4_r"])),
        lambda c: satisfaction.separating_items(c.mystery_shopping)["weight"].round(6).sum(),
        lambda c: satisfaction.resolution_satisfaction(c.complaints)["n_rated"].sum(),
    ],
    ids=["nps_by", "csat_by", "nps_trend", "reverse_code", "separating_items",
         "resolution_satisfaction"],
)  # fmt: skip
def test_repeated_index_labels_give_the_same_answer(crm_data, call):
    """Two batches concatenated (index 0.. twice) are the same rows as one batch."""

    class Twice:
        def __getattr__(self, name):
            frame = getattr(crm_data, name)
            half = len(frame) // 2
            return pd.concat(
                [frame.iloc[:half].reset_index(drop=True), frame.iloc[half:].reset_index(drop=True)]
            )

    assert not Twice().surveys.index.is_unique
    assert call(Twice()) == call(crm_data)


def test_reverse_code_keeps_repeated_labels_row_by_row(crm_data):
    surveys = crm_data.surveys
    twice = pd.concat([surveys.iloc[:3], surveys.iloc[:3]])
    flipped = satisfaction.reverse_code(twice, ["sat_4_r"])
    assert (flipped["sat_4_r"].to_numpy() == 6 - twice["sat_4_r"].to_numpy()).all()


def test_rfm_grid_refuses_repeated_customers():
    c = company()
    twice = pd.concat([c.rfm.iloc[:5], c.rfm])
    with pytest.raises(DataValidationError, match="table: the index repeats 5 label"):
        rfm.rfm_grid(c.rfm_scores, twice, value="monetary_total")


@pytest.mark.parametrize("reader", ["validate_transactions", "validate_table", "read_transactions"])
def test_mixed_naive_and_aware_dates_are_a_clear_error(crm_data, reader):
    tx = crm_data.transactions[["customer_id", "date", "amount"]].copy()
    values = tx["date"].astype(object)
    values.iloc[0] = pd.Timestamp(values.iloc[0]).tz_localize("Europe/Istanbul")
    tx["date"] = values
    call = {
        "validate_transactions": lambda: quality.validate_transactions(tx),
        "validate_table": lambda: quality.validate_table(tx, "transactions"),
        "read_transactions": lambda: datasets.read_transactions(tx),
    }[reader]
    with pytest.raises(DataValidationError, match="date"):
        call()


def test_validate_customers_mixed_time_zones(crm_data):
    customers = crm_data.customers.copy()
    values = customers["signup_date"].astype(object)
    values.iloc[0] = pd.Timestamp(values.iloc[0]).tz_localize("UTC")
    customers["signup_date"] = values
    with pytest.raises(DataValidationError, match="signup_date"):
        quality.validate_customers(customers)


@pytest.mark.parametrize("model", [churn.ChurnLogit, churn.ChurnBoosting])
def test_churn_models_refuse_empty_training_data(model):
    features = company().features
    empty = churn.ChurnFeatures(
        features=features.features.iloc[:0], label=features.label.iloc[:0],
        cutoff=features.cutoff, window_days=features.window_days,
        lookback_days=features.lookback_days,
    )  # fmt: skip
    with pytest.raises(DataValidationError, match="no customers \\(0 rows\\)"):
        model().fit(empty)


def test_resolution_survival_on_no_complaints(crm_data):
    with pytest.raises(DataValidationError, match="complaints has no rows"):
        satisfaction.resolution_survival(crm_data.complaints.iloc[:0])


def test_channel_mix_refuses_amounts_as_text(crm_data):
    tx = crm_data.transactions.copy()
    tx["amount"] = tx["amount"].map(str)
    with pytest.raises(DataValidationError, match="column amount must be numeric"):
        describe.channel_mix(tx)


def test_stage_scorecard_refuses_text_in_reached():
    c = company()
    funnel = c.funnel.copy()
    funnel["reached"] = funnel["reached"].map(str)
    with pytest.raises(DataValidationError, match="funnel: column reached must be numeric"):
        journey.stage_scorecard(funnel, c.rates)


@pytest.mark.parametrize("bad", [pd.DataFrame({"p": [0.1, 0.2]}), None, np.zeros((2, 2))])
def test_churn_evaluation_refuses_a_frame_or_none_as_a_score(bad):
    y = pd.Series([True, False])
    with pytest.raises(DataValidationError, match="score must be a pandas Series or a 1-D array"):
        churn.roc_auc(y, bad)


def test_churn_predictions_refuse_repeated_customers():
    c = company()
    twice = pd.concat([c.features_frame.iloc[:3], c.features_frame])
    with pytest.raises(DataValidationError, match="index repeats 3 label"):
        c.logit.predict_proba(twice)


def test_the_suite_can_fail():
    """The classifier sorts an internal error as a crash and a NaN result as silent."""
    from tests.badinput.outcome import classify

    crash, _ = classify(lambda: [][1], names=("x",), baseline=None)
    assert crash.kind == "crash"
    nameless, _ = classify(lambda: int("a"), names=("transactions",), baseline=None)
    assert nameless.kind == "crash"
    silent, _ = classify(
        lambda: pd.Series([np.nan], name="p"), names=("x",), baseline=pd.Series([0.5], name="p")
    )
    assert silent.kind == "silent"
    clear, _ = classify(
        lambda: (_ for _ in ()).throw(DataValidationError("transactions: column date ...")),
        names=("transactions",),
        baseline=None,
    )
    assert clear.kind == "error"
