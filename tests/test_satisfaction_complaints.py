"""Complaint analysis: text classifier and topics, Pareto, time to resolution, churn link."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import DataValidationError
from portfolio_lib.satisfaction import (
    ComplaintClassifier,
    complaint_churn_link,
    complaint_pareto,
    complaint_topics,
    lapse_labels,
    latest_lapse_cutoff,
    resolution_satisfaction,
    resolution_survival,
    resolution_times,
    train_complaint_classifier,
)

VOCABULARY = {
    "delivery": ["courier", "late", "parcel", "tracking", "arrived"],
    "billing": ["charged", "invoice", "refund", "twice", "payment"],
    "staff": ["rude", "cashier", "ignored", "employee", "impolite"],
}
FILLER = ["hello", "order", "please", "fix", "this", "my", "again", "thanks"]


def synthetic_complaints(n_per_class: int = 60, seed: int = 0, noise: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    labels = list(VOCABULARY)
    for label in labels:
        for _ in range(n_per_class):
            words_from = label if rng.random() >= noise else labels[rng.integers(len(labels))]
            words = list(rng.choice(VOCABULARY[words_from], 3)) + list(rng.choice(FILLER, 4))
            rng.shuffle(words)
            rows.append((" ".join(words) + f" order 12{rng.integers(1000)}", label))
    return pd.DataFrame(rows, columns=["text", "category"])


# --- classifier ------------------------------------------------------------------------------


def test_classifier_learns_separable_categories():
    result = train_complaint_classifier(synthetic_complaints(), seed=1)
    assert result.accuracy == pytest.approx(1.0)
    assert result.n_test == 45 and result.n_train == 135
    assert result.confusion.to_numpy().sum() == result.n_test
    assert np.trace(result.confusion.to_numpy()) == result.n_test
    assert result.baseline_accuracy == pytest.approx(1 / 3)
    assert result.accuracy_ci_low < 1.0 == result.accuracy_ci_high
    assert "held-out accuracy 100.0%" in result.summary()
    top = result.model.top_terms(5)
    for label, words in VOCABULARY.items():
        assert set(top.loc[label]) <= set(words) | {
            f"{a} {b}" for a in words for b in FILLER + words
        }
        assert not any(ch.isdigit() for term in top.loc[label] for ch in term)


def test_classifier_accuracy_reflects_label_noise():
    # a third of the texts use another category's words: accuracy well below 1, above baseline
    result = train_complaint_classifier(synthetic_complaints(100, seed=2, noise=0.5), seed=0)
    assert result.baseline_accuracy < result.accuracy < 0.95
    assert result.accuracy_ci_low < result.accuracy < result.accuracy_ci_high


def test_classifier_predict_and_proba():
    data = synthetic_complaints(30)
    model = ComplaintClassifier().fit(data["text"], data["category"])
    assert model.predict(["the courier was late with my parcel"]).tolist() == ["delivery"]
    proba = model.predict_proba(pd.Series(["rude cashier", "charged twice"]))
    assert proba.sum(axis=1).to_numpy() == pytest.approx([1.0, 1.0])
    assert list(proba.idxmax(axis=1)) == ["staff", "billing"]
    with pytest.raises(RuntimeError, match="not fitted"):
        ComplaintClassifier().predict(["late"])


def test_classifier_bad_text_names_column():
    data = synthetic_complaints(5)
    data.loc[3, "text"] = None
    with pytest.raises(DataValidationError, match="column text"):
        train_complaint_classifier(data)
    data = synthetic_complaints(5).rename(columns={"text": "body"})
    data.loc[2, "body"] = "   "
    with pytest.raises(DataValidationError, match="column body.*empty"):
        train_complaint_classifier(data, text="body")
    data = synthetic_complaints(5)
    data.loc[0, "category"] = "unique"
    with pytest.raises(DataValidationError, match="single example"):
        train_complaint_classifier(data)
    with pytest.raises(DataValidationError, match=r"missing required column.*'category'"):
        train_complaint_classifier(data.drop(columns="category"))


# --- topics ----------------------------------------------------------------------------------


def test_topics_align_with_categories():
    data = synthetic_complaints(60, seed=4)
    topics = complaint_topics(data, label="category", n_topics=3, n_top_words=5, seed=0)
    table = topics.by_label
    # every category is dominated by one topic, and different categories by different topics
    assert (table.max(axis=1) / table.sum(axis=1) > 0.8).all()
    assert table.idxmax(axis=1).nunique() == 3
    for topic, words in topics.top_words.iterrows():
        vocab = [v for v in VOCABULARY.values() if set(words) & set(v)]
        assert len(vocab) >= 1, f"topic {topic} has no category words: {list(words)}"
    assert topics.document_topics.shape == (len(data), 3)
    assert "hello" not in set(topics.top_words.to_numpy().ravel())  # filler below min weight


# --- Pareto ----------------------------------------------------------------------------------


def test_pareto_table():
    df = pd.DataFrame({"category": ["b"] * 50 + ["a"] * 30 + ["c"] * 15 + ["d"] * 5})
    table = complaint_pareto(df)
    assert list(table.index) == ["b", "a", "c", "d"]
    assert table["count"].tolist() == [50, 30, 15, 5]
    assert table["cumulative_share"].tolist() == pytest.approx([0.5, 0.8, 0.95, 1.0])
    assert table["vital_few"].tolist() == [True, True, False, False]
    assert complaint_pareto(df, cutoff=0.9)["vital_few"].tolist() == [True, True, True, False]
    with pytest.raises(DataValidationError, match="column category"):
        complaint_pareto(pd.DataFrame({"category": ["a", None]}))


# --- time to resolution ----------------------------------------------------------------------


def timed(opened: list[str], resolved: list[str | None], **extra) -> pd.DataFrame:
    return pd.DataFrame(
        {"opened": pd.to_datetime(opened), "resolved": pd.to_datetime(resolved), **extra}
    )


def test_resolution_times_units_and_censoring():
    df = timed(["2024-01-01 00:00", "2024-01-01 12:00"], ["2024-01-02 06:00", None])
    days = resolution_times(df, as_of="2024-01-08 12:00")
    assert days["duration"].tolist() == pytest.approx([1.25, 7.0])
    assert days["is_resolved"].tolist() == [True, False]
    hours = resolution_times(df, as_of="2024-01-08 12:00", unit="h")
    assert hours["duration"].tolist() == pytest.approx([30.0, 168.0])
    weeks = resolution_times(df, as_of="2024-01-08 12:00", unit="W")
    assert weeks["duration"].iloc[1] == pytest.approx(1.0)
    # default as_of: the latest timestamp in the data
    assert resolution_times(df)["duration"].iloc[1] == pytest.approx(0.75)


def test_resolution_times_bad_input():
    with pytest.raises(DataValidationError, match="before opening"):
        resolution_times(timed(["2024-01-05"], ["2024-01-01"]))
    with pytest.raises(DataValidationError, match="column opened.*missing"):
        resolution_times(timed(["2024-01-05", None], ["2024-01-06", None]))
    bad = pd.DataFrame({"opened": ["2024-01-01", "yesterday"], "resolved": [None, None]})
    with pytest.raises(DataValidationError, match=r"(?s)column opened must hold dates.*yesterday"):
        resolution_times(bad)
    with pytest.raises(DataValidationError, match="after as_of"):
        resolution_times(timed(["2024-01-05"], [None]), as_of="2024-01-01")
    with pytest.raises(ValueError, match="unit"):
        resolution_times(timed(["2024-01-05"], [None]), unit="M")


def kaplan_meier_by_hand(time: np.ndarray, event: np.ndarray) -> dict[float, float]:
    """Product-limit estimate at each event time: S(t) = prod(1 - d_i / n_i)."""
    survival, curve = 1.0, {}
    for t in np.unique(time[event]):
        at_risk = (time >= t).sum()
        deaths = ((time == t) & event).sum()
        survival *= 1 - deaths / at_risk
        curve[float(t)] = survival
    return curve


def test_kaplan_meier_matches_hand_computation():
    # durations in days; three complaints still open (censored) at 5, 12 and 20 days
    durations = np.array([1, 2, 2, 3, 5, 6, 8, 12, 15, 20], dtype=float)
    event = np.array([1, 1, 1, 1, 0, 1, 1, 0, 1, 0], dtype=bool)
    as_of = pd.Timestamp("2024-03-01")
    opened = [
        as_of - pd.Timedelta(days=d) if not e else pd.Timestamp("2024-01-01")
        for d, e in zip(durations, event, strict=True)
    ]
    resolved = [
        pd.Timestamp("2024-01-01") + pd.Timedelta(days=d) if e else None
        for d, e in zip(durations, event, strict=True)
    ]
    df = pd.DataFrame({"opened": opened, "resolved": pd.to_datetime(resolved)})
    result = resolution_survival(df, as_of=as_of, within=(3, 10))
    expected = kaplan_meier_by_hand(durations, event)
    curve = result.curves.set_index("time")["still_open"]
    for t, s in expected.items():
        assert curve[t] == pytest.approx(s)
    assert curve[0.0] == 1.0
    row = result.medians.loc["all"]
    # first time the curve drops below 0.5 (statsmodels convention)
    assert row["km_median"] == min(t for t, s in expected.items() if s < 0.5)
    assert row["naive_median"] == pytest.approx(np.median(durations[event]))
    assert row["km_median"] > row["naive_median"]  # ignoring the open ones is biased low
    assert (row["n"], row["n_open"]) == (10, 3)
    assert row["resolved_within_3"] == pytest.approx(1 - expected[3.0])
    assert row["resolved_within_10"] == pytest.approx(1 - expected[8.0])
    inside = result.curves.iloc[1:-1]
    assert (
        (inside["ci_low"] <= inside["still_open"]) & (inside["still_open"] <= inside["ci_high"])
    ).all()


def test_resolution_survival_by_group():
    df = timed(
        ["2024-01-01"] * 6,
        ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-11", "2024-01-21", None],
        channel=["app", "app", "app", "email", "email", "email"],
    )
    result = resolution_survival(df, by="channel", as_of="2024-02-01")
    assert list(result.medians.index) == ["app", "email"]
    assert result.medians.loc["app", "km_median"] == pytest.approx(2.0)
    assert result.medians.loc["email", "n_open"] == 1
    assert set(result.curves["group"]) == {"app", "email"}


# --- satisfaction with resolution -------------------------------------------------------------


def test_resolution_satisfaction_counts_and_interval():
    df = timed(
        ["2024-01-01"] * 6,
        ["2024-01-02", "2024-01-03", "2024-01-09", "2024-01-20", "2024-01-05", None],
        category=["a"] * 6,
        resolution_satisfaction=[5, 5, 3, 1, np.nan, np.nan],
    )
    row = resolution_satisfaction(df).loc["a"]
    assert (row["n_resolved"], row["n_rated"], row["n_unrated"], row["n_open"]) == (5, 4, 1, 1)
    assert row["satisfied_share"] == pytest.approx(0.5)
    assert row["mean_score"] == pytest.approx(3.5)
    assert row["ci_low"] < 0.5 < row["ci_high"]
    assert row["spearman_time_vs_score"] < -0.9
    assert row["median_time_to_resolve"] == pytest.approx(4.0)


def test_resolution_satisfaction_bad_input():
    df = timed(
        ["2024-01-01"] * 2,
        ["2024-01-02", None],
        category=["a", "a"],
        resolution_satisfaction=[4, 5],
    )
    with pytest.raises(DataValidationError, match="still open"):
        resolution_satisfaction(df)
    df = timed(["2024-01-01"], ["2024-01-02"], category=["a"], resolution_satisfaction=[4.5])
    with pytest.raises(DataValidationError, match=r"column resolution_satisfaction.*4\.5"):
        resolution_satisfaction(df)


# --- churn link ------------------------------------------------------------------------------


def test_complaint_churn_link_by_hand():
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(100)],
            "churned": [i < 10 or 80 <= i < 92 for i in range(100)],
        }
    )
    # C80..C99 complained (12 of those 20 churned); C0..C79: 10 of 80 churned
    complaints = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(80, 100)] + ["C80", "C81", "C81", "X1"],
            "opened": pd.to_datetime(["2024-01-10"] * 24),
        }
    )
    link = complaint_churn_link(complaints, customers)
    assert link.table.loc["complained", ["n", "churned"]].tolist() == [20, 12]
    assert link.table.loc["no complaint", ["n", "churned"]].tolist() == [80, 10]
    assert link.risk_difference == pytest.approx(12 / 20 - 10 / 80)
    assert link.risk_ratio == pytest.approx((12 / 20) / (10 / 80))
    assert link.odds_ratio == pytest.approx((12 / 8) / (10 / 70))
    assert link.risk_difference_ci_low > 0 and link.p_value < 0.001
    assert link.n_complaints_outside == 1
    assert link.by_count.loc["2", "n"] == 1 and link.by_count.loc["3+", "n"] == 1
    assert link.by_count["n"].sum() == 100


def test_complaint_churn_link_before_date_and_bad_flags():
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "churned": [1, 0, 1, 0]})
    complaints = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "opened": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-06-01"]),
        }
    )
    link = complaint_churn_link(complaints, customers, before="2024-03-01")
    assert link.table.loc["complained", "n"] == 2  # c's complaint came after the cut-off
    assert link.before == pd.Timestamp("2024-03-01")
    with pytest.raises(DataValidationError, match="column churned"):
        complaint_churn_link(complaints, customers.assign(churned=["yes", "no", "yes", "no"]))
    with pytest.raises(DataValidationError, match="column customer_id.*duplicate"):
        complaint_churn_link(complaints, pd.concat([customers, customers.iloc[:1]]))
    with pytest.raises(DataValidationError, match="both complainers and non-complainers"):
        complaint_churn_link(complaints.iloc[:0], customers)


def test_since_window_counts_recent_complaints_only():
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "churned": [1, 0, 1, 0]})
    complaints = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "opened": pd.to_datetime(["2023-01-01", "2024-01-02", "2024-02-01"]),
        }
    )
    link = complaint_churn_link(complaints, customers, since="2024-01-01", before="2024-03-01")
    assert link.table.loc["complained", "n"] == 2  # a's complaint is older than `since`
    assert link.since == pd.Timestamp("2024-01-01")


def test_lapse_labels():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "d", "e", "f"],
            "date": pd.to_datetime(
                [
                    "2024-01-10",
                    "2024-02-20",
                    "2024-01-20",
                    "2023-10-01",
                    "2024-03-25",
                    "2024-01-15",
                    "2024-02-10",
                ]
            ),
            "is_return": [False, False, False, False, False, False, True],
        }
    )
    # f's only later row is a return, not a purchase; c bought before the first window
    tx.loc[len(tx)] = ["f", pd.Timestamp("2024-01-05"), False]
    labels = lapse_labels(tx, cutoff="2024-02-01", window=4, unit="W").set_index("customer_id")
    assert sorted(labels.index) == ["a", "b", "e", "f"]
    assert labels["churned"].to_dict() == {"a": False, "b": True, "e": True, "f": True}
    assert labels.loc["a", "last_purchase"] == pd.Timestamp("2024-01-10")
    with pytest.raises(DataValidationError, match="cannot be observed yet"):
        lapse_labels(tx, cutoff="2024-03-01", window=60)
    with pytest.raises(DataValidationError, match=r"missing required column.*'date'"):
        lapse_labels(tx.drop(columns="date"), cutoff="2024-02-01")


def test_lapse_labels_checks_the_window_against_observation_end():
    # the data run to 2024-03-31 but the last sale was on 2024-03-20
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a"],
            "date": pd.to_datetime(["2024-01-10", "2024-01-12", "2024-03-20"]),
        }
    )
    with pytest.raises(DataValidationError, match=r"last transaction \(2024-03-20\)"):
        lapse_labels(tx, cutoff="2024-02-01", window=60)
    labels = lapse_labels(tx, cutoff="2024-02-01", window=60, observation_end="2024-03-31")
    assert labels.set_index("customer_id")["churned"].to_dict() == {"a": False, "b": True}
    # 2024-02-01 + 61 days = 2024-04-02 > 2024-03-31 + 1 day
    with pytest.raises(DataValidationError, match=r"observation_end \(2024-03-31\)"):
        lapse_labels(tx, cutoff="2024-02-01", window=61, observation_end="2024-03-31")


def test_latest_lapse_cutoff_is_the_last_fully_observed_window():
    tx = pd.DataFrame(
        {"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-06-01", "2024-12-31"])}
    )
    cutoff = latest_lapse_cutoff("2024-12-31", window=180)
    assert cutoff == pd.Timestamp("2024-07-05")  # 2024-07-05 + 180 days = 2025-01-01
    lapse_labels(tx, cutoff=cutoff, window=180)  # accepted ...
    with pytest.raises(DataValidationError, match="cannot be observed yet"):
        lapse_labels(tx, cutoff=cutoff + pd.Timedelta(days=1), window=180)  # ... a day later not
    assert latest_lapse_cutoff(pd.Timestamp("2024-12-31 18:30"), window=2, unit="W") == (
        pd.Timestamp("2024-12-18")
    )
    with pytest.raises(ValueError, match="window"):
        latest_lapse_cutoff("2024-12-31", window=0)
    with pytest.raises(ValueError, match="unit"):
        latest_lapse_cutoff("2024-12-31", unit="M")
