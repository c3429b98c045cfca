"""Chapter-2 exercise tasks 6-9 (issue 19): portfolio groups and the strategy table,
psychographic segments, cohort retention and the migration matrix.

The right answers are computed here by hand (pandas and the course's rules), independently of
the checks, which recompute them with portfolio_lib. Every typical wrong answer is computed by
hand too and must fail with its own message; answers of the wrong kind get a clear message.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest

from portfolio_lib.exercises.checks import _ch02_portfolio as tasks
from portfolio_lib.exercises.feedback import CheckFailed
from portfolio_lib.portfolio import GROUPS, strategy_table

SEEDS = (0, 3, 7, 42)
STRATEGY = strategy_table()["strategy"]


def message(check, answer, seed) -> str:
    with pytest.raises(CheckFailed) as info:
        check(answer, seed=seed)
    return str(info.value)


def passes(check, answer, seed, capsys) -> None:
    assert check(answer, seed=seed) is None
    assert f"Task {check.task} passed" in capsys.readouterr().out


def distinct_slips(expected: float, slips: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """The slips whose value differs from the right one and from every earlier slip."""
    kept: list[tuple[float, str]] = []
    for value, fragment in slips:
        if not np.isfinite(value) or math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-9):
            continue
        if any(math.isclose(value, v, rel_tol=1e-6, abs_tol=1e-9) for v, _ in kept):
            continue
        kept.append((value, fragment))
    return kept


@pytest.fixture(scope="module", autouse=True)
def one_company_per_seed():
    """The checks rebuild a seed's data on every call (a student's edits never reach them);
    here each seed's data is built once for the whole module, to keep the tests quick."""
    built: dict[int, tasks.PortfolioExerciseData] = {}
    original = tasks.portfolio_exercise_data

    def cached(seed: int) -> tasks.PortfolioExerciseData:
        if isinstance(seed, int) and seed >= 0 and seed not in built:
            built[seed] = original(seed)
        return built[seed] if seed in built else original(seed)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks, "portfolio_exercise_data", cached)
        yield


@pytest.fixture(scope="module", params=SEEDS)
def solved(request):
    """(seed, data, by-hand facts) for one seed."""
    seed = request.param
    data = tasks.portfolio_exercise_data(seed)
    tx, end = data.transactions, data.observation_end
    buys = tx.loc[~tx["is_return"].astype(bool) & (tx["amount"] >= 0)]
    facts: dict[str, object] = {}

    # task 6: the course's rules, in order, on the customer's own rows
    own = tx.loc[tx["customer_id"] == data.group_customer]
    own_buys = buys.loc[buys["customer_id"] == data.group_customer]
    recency = (end - own_buys["date"].max()).days
    frequency = own_buys["date"].dt.normalize().nunique()
    revenue = own["amount"].sum()
    limits = data.groups.thresholds
    if recency > limits["at_risk_after_days"]:
        group = "at_risk"
    elif tasks.MARGIN * revenue >= limits["profitable_min_value"] - 1e-9:
        group = "profitable"
    elif frequency >= limits["loyal_min_frequency"]:
        group = "loyal"
    else:
        group = "potential"
    facts.update(group=group, recency=recency, frequency=frequency, revenue=revenue)

    # task 7: the segment's own customers, counted by hand
    labels = data.psych.labels
    segment = labels == labels[data.psych_customer]
    region = data.customers.loc[labels.index, "region"] == data.region
    facts.update(
        segment=str(data.psych.dominant_factor[labels[data.psych_customer]]),
        both=int((segment & region).sum()),
        in_segment=int(segment.sum()),
        in_region=int(region.sum()),
        everyone=len(labels),
    )

    # task 8: first-purchase quarter cohorts by hand
    quarter = buys["date"].dt.to_period("Q")
    first = quarter.groupby(buys["customer_id"]).min()
    start = pd.Period(data.cohort, "Q")
    members = first.index[first == start]
    mine = buys["customer_id"].isin(members)

    def active(k: int) -> int:
        return buys.loc[mine & (quarter == start + k), "customer_id"].nunique()

    size = len(members)
    any_rows = tx.loc[tx["customer_id"].isin(members)]
    signup = data.customers["signup_date"].dt.to_period("Q")
    signed = signup.index[signup == start]
    k = data.k
    facts["cohort"] = {
        "right": active(k) / size,
        "slips": [
            (float(active(k)), "NUMBER of the cohort's customers"),
            (active(k - 1) / size, "quarter BEFORE"),
            (active(k + 1) / size, "quarter AFTER"),
            ((mine & (quarter == start + k)).sum() / size, "purchase ROWS"),
            (
                buys.loc[mine & (quarter > start) & (quarter <= start + k), "customer_id"].nunique()
                / size,
                "at ANY time",
            ),
            (
                any_rows.loc[
                    any_rows["date"].dt.to_period("Q") == start + k, "customer_id"
                ].nunique()
                / size,
                "returns as activity",
            ),
            (
                buys.loc[
                    buys["customer_id"].isin(signed) & (quarter == start + k), "customer_id"
                ].nunique()
                / max(len(signed), 1),
                "sign-up date",
            ),
            (1 - active(k) / size, "did NOT buy"),
        ],
    }

    # task 9: the two quarters' groups side by side, by hand
    states = data.group_states.table
    wide = states.pivot(index="customer_id", columns="period", values="state").astype(object)

    def crosstab(t: pd.Period) -> pd.DataFrame:
        pair = wide[[t, t + 1]].dropna()
        return pd.crosstab(pair[t], pair[t + 1]).reindex(
            index=list(GROUPS), columns=list(GROUPS), fill_value=0
        )

    t = pd.Period(data.from_period, "Q")
    counts = crosstab(t)
    g = data.from_group
    facts["move"] = {
        "right": counts.loc[g] / counts.loc[g].sum(),
        "counts": counts,
        "before": crosstab(t - 1).loc[g] / crosstab(t - 1).loc[g].sum(),
        "after": crosstab(t + 1).loc[g] / crosstab(t + 1).loc[g].sum(),
    }
    return seed, data, facts


# --------------------------------------------------------------------------- data


def test_the_data_is_reproducible_and_differs_between_seeds():
    first, again, other = (tasks.portfolio_exercise_data(s) for s in (3, 3, 4))
    picks = (
        "group_customer",
        "psych_customer",
        "region",
        "cohort",
        "k",
        "from_period",
        "from_group",
    )
    assert [getattr(first, p) for p in picks] == [getattr(again, p) for p in picks]
    pd.testing.assert_frame_equal(first.transactions, again.transactions)
    assert [getattr(first, p) for p in picks] != [getattr(other, p) for p in picks]
    assert not first.transactions.equals(other.transactions)


def test_the_picks_fit_their_stories(solved):
    seed, data, facts = solved
    assert data.groups.table.loc[data.group_customer, "group"] == facts["group"]
    tops = tasks.attitude_means(data.customers).loc[data.psych_customer]
    tied = sorted(tops.index[np.isclose(tops, tops.max())])
    assert len(tied) > 1 and facts["segment"] in tied, "the customer's own attitudes tie"
    assert facts["both"] >= 3, "the region holds some of the segment's customers"
    row = data.cohorts.retention.loc[data.cohort]
    assert 2 <= data.k and not np.isnan(row.iloc[data.k + 1]), "periods k - 1 .. k + 1 observed"
    start = pd.Period(data.from_period, "Q")
    assert start - 1 >= data.group_states.table["period"].min()
    assert facts["move"]["counts"].loc[data.from_group].sum() >= 10
    assert data.to_period == str(start + 1)


# --------------------------------------------------------------------------- right answers


def test_right_answers_pass(solved, capsys):
    seed, _, facts = solved
    group = facts["group"]
    passes(tasks.check_02_6, {"group": group, "strategy": STRATEGY[group]}, seed, capsys)
    share = facts["both"] / facts["in_segment"]
    passes(tasks.check_02_7, {"segment": facts["segment"], "region_share": share}, seed, capsys)
    passes(tasks.check_02_8, facts["cohort"]["right"], seed, capsys)
    passes(tasks.check_02_9, facts["move"]["right"].to_dict(), seed, capsys)
    passes(tasks.check_02_9, facts["move"]["right"], seed, capsys)


def test_group_names_in_english_or_turkish_pass_too(capsys):
    seed = 3
    group = str(
        tasks.portfolio_exercise_data(seed).groups.table.loc[
            tasks.portfolio_exercise_data(seed).group_customer, "group"
        ]
    )
    row = strategy_table().loc[group]
    for name in (row["group_en"], row["group_tr"].upper(), group.replace("_", "-")):
        passes(tasks.check_02_6, {"group": name, "strategy": row["strategy"]}, seed, capsys)


# --------------------------------------------------------------------------- task 6


def test_task_6_names_the_rule_a_wrong_group_skipped(solved):
    seed, data, facts = solved
    right, limits = facts["group"], data.groups.thresholds
    for wrong in (g for g in GROUPS if g != right):
        text = message(tasks.check_02_6, {"group": wrong, "strategy": STRATEGY[wrong]}, seed)
        assert text.startswith("Task 6 (portfolio group and strategy of one customer): group:")
        if right == "at_risk":
            assert "rule 1 comes first" in text
        elif wrong == "at_risk":
            assert "MORE than AT_RISK_AFTER_DAYS" in text
        elif right == "profitable" and wrong == "loyal":
            assert "rule 2 (profitable) comes before rule 3" in text
        elif wrong == "profitable" and facts["revenue"] >= limits["profitable_min_value"]:
            assert "PROFIT threshold" in text
        elif wrong == "profitable":
            assert "below profitable_min_value" in text
        elif right == "loyal":
            assert "loyal_min_frequency is the smallest" in text
        else:
            assert "frequency is below loyal_min_frequency" in text


def test_task_6_cases_of_the_seeds_cover_the_rule_order_and_the_margin():
    seen = set()
    for seed in SEEDS:
        data = tasks.portfolio_exercise_data(seed)
        row = data.groups.table.loc[data.group_customer]
        revenue = row["value"] / tasks.MARGIN
        if (
            row["group"] == "at_risk"
            and row["value"] >= data.groups.thresholds["profitable_min_value"]
        ):
            seen.add("valuable but at risk")
        if (
            row["group"] in ("loyal", "potential")
            and revenue >= data.groups.thresholds["profitable_min_value"]
        ):
            seen.add("revenue above the profit threshold")
    assert seen == {"valuable but at risk", "revenue above the profit threshold"}


def test_task_6_explains_the_strategy_of_another_group(solved):
    seed, _, facts = solved
    right = facts["group"]
    for other in (g for g in GROUPS if g != right):
        text = message(tasks.check_02_6, {"group": right, "strategy": STRATEGY[other]}, seed)
        assert "strategy: " in text and "is not the best choice here — " in text
        if right == "at_risk":
            assert "this customer is leaving" in text
        elif other == "at_risk":
            assert "STOPPED buying" in text
        elif (right, other) == ("profitable", "potential"):
            assert "cut the margin of your most profitable" in text
        elif (right, other) == ("potential", "profitable"):
            assert "offer towards a second purchase" in text


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "replace the placeholder"),
        ("at_risk", "must be a dict"),
        (pd.DataFrame({"group": ["loyal"]}), "you passed a table"),
        ({"group": "loyal"}, "the key(s) ['strategy'] are missing"),
        ({"group": 2, "strategy": "Win-back"}, "you gave the number 2"),
        ({"group": "vip", "strategy": "Win-back"}, "you wrote 'vip'"),
        ({"group": ..., "strategy": "Win-back"}, "replace the placeholder"),
    ],
)
def test_task_6_explains_answers_of_the_wrong_kind(answer, fragment):
    assert fragment in message(tasks.check_02_6, answer, 3)


def test_task_6_asks_for_a_strategy_of_the_table():
    data = tasks.portfolio_exercise_data(3)
    group = str(data.groups.table.loc[data.group_customer, "group"])
    text = message(tasks.check_02_6, {"group": group, "strategy": "call them"}, 3)
    assert "strategy must be one of" in text and "'Win-back'" in text


# --------------------------------------------------------------------------- task 7


def test_task_7_wrong_shares_get_their_own_message(solved):
    seed, _, facts = solved
    right = facts["both"] / facts["in_segment"]
    slips = distinct_slips(
        right,
        [
            (facts["both"] / facts["in_region"], "divided by the customers of the REGION"),
            (float(facts["both"]), "NUMBER of the segment's customers"),
            (facts["both"] / facts["everyone"], "divided by ALL customers"),
            (facts["in_region"] / facts["everyone"], "the region's share of ALL customers"),
        ],
    )
    assert len(slips) >= 3
    for value, fragment in slips:
        text = message(tasks.check_02_7, {"segment": facts["segment"], "region_share": value}, seed)
        assert fragment in text, (value, text)
    text = message(
        tasks.check_02_7, {"segment": facts["segment"], "region_share": 100 * right}, seed
    )
    assert "divide by 100?" in text


def test_task_7_explains_a_segment_number_and_the_customers_own_tie(solved):
    seed, data, facts = solved
    number = int(data.psych.labels[data.psych_customer])
    text = message(tasks.check_02_7, {"segment": number, "region_share": 0.5}, seed)
    assert f"you gave the segment number {number}" in text
    tops = tasks.attitude_means(data.customers).loc[data.psych_customer]
    for other in sorted(tops.index[np.isclose(tops, tops.max())]):
        if other != facts["segment"]:
            text = message(tasks.check_02_7, {"segment": other, "region_share": 0.5}, seed)
            assert "equally high, so the items alone do not decide" in text
    text = message(tasks.check_02_7, {"segment": "loyalty", "region_share": 0.5}, seed)
    assert "segment must be one of" in text


# --------------------------------------------------------------------------- task 8


def test_task_8_wrong_retentions_get_their_own_message(solved):
    seed, _, facts = solved
    cohort = facts["cohort"]
    slips = distinct_slips(cohort["right"], cohort["slips"])
    assert len(slips) >= 5
    for value, fragment in slips:
        text = message(tasks.check_02_8, value, seed)
        assert fragment in text, (fragment, text)
    assert "divide by 100?" in message(tasks.check_02_8, 100 * cohort["right"], seed)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "you returned None"),
        (..., "replace the ... placeholder"),
        ("0.4", "not the text '0.4'"),
        (pd.Series([0.1, 0.2]), "a Series with 2 values"),
        (1.5, "must be between 0 and 1"),
    ],
)
def test_task_8_explains_answers_of_the_wrong_kind(answer, fragment):
    assert fragment in message(tasks.check_02_8, answer, 3)


# --------------------------------------------------------------------------- task 9


def test_task_9_wrong_rows_get_their_own_message(solved):
    seed, data, facts = solved
    move, g = facts["move"], data.from_group
    counts = move["counts"]
    candidates = [
        (counts.loc[g].astype(float), "NUMBERS of customers"),
        (counts.loc[g] / counts.to_numpy().sum(), "divide by ALL customers"),
        (counts.loc[g] / counts.sum(axis=0).replace(0, np.nan), "mixes up from and to"),
        (counts[g] / counts.sum(axis=1).replace(0, np.nan), "COLUMN of the group"),
        (move["before"], "quarter BEFORE"),
        (move["after"], "quarter AFTER"),
    ]
    right = move["right"]
    tested = 0
    seen: list[pd.Series] = [right]
    for row, fragment in candidates:
        if row.isna().all() or any(np.allclose(row, s, equal_nan=True) for s in seen):
            continue
        seen.append(row)
        text = message(tasks.check_02_9, row.to_dict(), seed)
        assert fragment in text, (fragment, text)
        tested += 1
    assert tested >= 4


def test_task_9_names_a_row_pooled_over_all_quarters():
    for seed in SEEDS:
        data = tasks.portfolio_exercise_data(seed)
        table = data.group_states.table
        wide = table.pivot(index="customer_id", columns="period", values="state").astype(object)
        periods = sorted(table["period"].unique())
        moves = pd.concat(
            [
                wide[[a, b]].dropna().set_axis(["from", "to"], axis=1)
                for a, b in zip(periods[:-1], periods[1:], strict=True)
            ]
        )
        pooled = moves.loc[moves["from"] == data.from_group, "to"].value_counts(normalize=True)
        pooled = pooled.reindex(list(GROUPS), fill_value=0.0)
        text = message(tasks.check_02_9, pooled.to_dict(), seed)
        assert "pools the moves of ALL consecutive quarters" in text


def test_task_9_says_when_the_shares_do_not_sum_to_one(solved):
    seed, _, facts = solved
    right = facts["move"]["right"]
    wrong = right.copy()
    wrong.iloc[0] += 0.25
    text = message(tasks.check_02_9, wrong.to_dict(), seed)
    assert "your shares add up to 1.25" in text and "must add up to 1" in text
    assert "100 times too large" in message(tasks.check_02_9, (100 * right).to_dict(), seed)


def test_task_9_asks_for_the_groups_nobody_moved_to():
    tested = 0
    for seed in SEEDS:
        data = tasks.portfolio_exercise_data(seed)
        table = data.group_states.table
        start = pd.Period(data.from_period, "Q")
        wide = table.pivot(index="customer_id", columns="period", values="state").astype(object)
        pair = wide[[start, start + 1]].dropna()
        moved = pair.loc[pair[start] == data.from_group, start + 1].value_counts(normalize=True)
        if len(moved) < len(GROUPS):  # some group received nobody: value_counts leaves it out
            text = message(tasks.check_02_9, moved.to_dict(), seed)
            assert "a group nobody moved to still has a share, 0" in text
            tested += 1
    assert tested >= 1, "one of the seeds has a group nobody moved to"


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "replace the placeholder"),
        (0.4, "pass the whole row"),
        (pd.DataFrame({"loyal": [0.5]}), "pass ONE row"),
        ([0.1, 0.2, 0.3, 0.4], "you passed a list"),
        ({"loyal": "half"}, "must hold numbers"),
        ({"Loyal customers": 1.0}, "missing labels"),
    ],
)
def test_task_9_explains_answers_of_the_wrong_kind(answer, fragment):
    assert fragment in message(tasks.check_02_9, answer, 3)


# --------------------------------------------------------------------------- module


def test_the_module_examples_show_the_current_messages():
    result = doctest.testmod(tasks, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_the_checks_refuse_a_bad_seed():
    text = message(tasks.check_02_8, 0.5, -1)
    assert "SEED must be a non-negative whole number" in text
