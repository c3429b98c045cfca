"""Written reasons are checked against the student's data, not by their keywords alone.

Each chapter's check of a reason gets wrong reasons that use the right words but say the
opposite of the data (wrong direction, a negation read the other way, a made-up number); the
checks must reject them, and the reasons the masters write must pass. The two wrong reasons
quoted in issue 14 are among them.
"""

from __future__ import annotations

import pytest

from portfolio_lib.exercises.checks import ch01, ch02, ch03, ch04, ch05, ch06
from portfolio_lib.exercises.feedback import CheckFailed, Claim, Evidence, claims_made
from portfolio_lib.journey import stage_funnel
from portfolio_lib.satisfaction import nps_difference

SEED = 3


def failure(check, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- the machinery


@pytest.mark.parametrize(
    ("text", "made"),
    [
        ("The change is significant.", True),
        ("The change is not significant.", False),
        ("It isn't significant at all.", False),
        ("Clearly beyond sampling noise.", True),
        ("It is within sampling noise.", False),
        ("It is not noise: the interval excludes 0.", True),
        ("The p-value is tiny.", True),
        ("The p-value is not small, so it is noise.", False),
        ("Değişim anlamlı değil, gürültü.", False),
        ("Değişim anlamlı.", True),
    ],
)
def test_claims_are_found_with_their_negations(text, made):
    real = ch05._change_claims(significant=False)[0]
    assert bool(claims_made(text, [real])) is made


def test_a_labelled_number_must_be_the_students_own():
    evidence = (Evidence("the p-value", (0.266,), labels=ch05._P_LABELS),)
    assert Evidence("x", (0.351,), percent=True).matches(35.0, 0, is_percent=True)
    assert not Evidence("x", (0.351,), percent=True).matches(45.0, 0, is_percent=True)
    claim = Claim(says=("significant",), message="m")
    from portfolio_lib.exercises.feedback import expect_reason

    text = "The p-value is {} so this change of the NPS is within the sampling noise here"
    expect_reason(text.format("0.27"), [], hint="h", wrong=[claim], cites=evidence)
    expect_reason(text.format("0,266"), [], hint="h", wrong=[claim], cites=evidence)
    wrong = failure(expect_reason, text.format("0.01"), [], hint="h", cites=evidence)
    assert "quotes 'p-value is 0.01', but that is not the p-value of your data" in wrong
    # a threshold after the label is not a quote of the p-value
    bare = "The p < 0.05 rule says this change of the NPS is within the sampling noise here"
    assert "does not quote the number it rests on" in failure(
        expect_reason, bare, [], hint="h", cites=evidence
    )


# --------------------------------------------------------------------------- chapter 5


@pytest.fixture(scope="module")
def ch5():
    data = ch05.exercise_data(SEED)
    latest, previous = ch05._wave(data, data.latest_wave), ch05._wave(data, data.previous_wave)
    change = nps_difference(latest, previous, method="wald")
    table = ch05.driver_priorities(data)
    fix = str(table.loc[table["qualifies"], "importance"].idxmax())
    return change, table, fix


def test_ch05_task_3_rejects_a_reason_that_reads_the_test_the_other_way(ch5):
    change, _, _ = ch5
    assert not change.significant  # seed 3: the change is noise
    right = (
        f"The p-value is {change.p_value:.2f}, above 0.05, and the 95 % interval of the change "
        "contains 0: a move of this size is within the sampling noise of two waves this small."
    )
    assert ch05.check_05_3("no", seed=SEED, reason=right) is None
    quoted = "No: the p-value is tiny … clearly beyond sampling noise"  # issue 14, verbatim
    assert "p-value is tiny" in failure(ch05.check_05_3, "no", seed=SEED, reason=quoted)
    padded = (
        f"No: the p-value is {change.p_value:.2f} and tiny, so the change is clearly beyond "
        "sampling noise."
    )
    text = failure(ch05.check_05_3, "no", seed=SEED, reason=padded)
    assert text.startswith("Task 3 (is the change since the previous wave real?): your reason")
    assert "contradicts the evidence" in text
    made_up = "The p-value is 0.003, so this change is within the sampling noise of the waves."
    assert "not the p-value of your data" in failure(
        ch05.check_05_3, "no", seed=SEED, reason=made_up
    )
    vague = "The change is not significant: it is just the sampling noise of these two waves."
    assert "does not quote the number" in failure(ch05.check_05_3, "no", seed=SEED, reason=vague)


def test_ch05_task_3_claims_follow_the_verdict():
    beyond = "The p-value is 0.003: sampling noise alone would rarely produce a move this large."
    assert not claims_made(beyond, ch05._change_claims(significant=True))
    assert claims_made("It is within the sampling noise.", ch05._change_claims(significant=True))


def test_ch05_task_5_rejects_least_important_and_already_best(ch5):
    _, table, fix = ch5
    row = table.loc[fix]
    right = (
        f"{fix}: share of R² {row['importance']:.2f}, the largest among the drivers at least as "
        f"important as the average whose mean rating ({row['performance']:.2f}) is not clearly "
        "above the drivers' average, so improving it moves NPS most."
    )
    assert ch05.check_05_5(fix, seed=SEED, reason=right) is None
    quoted = "least important driver … performance already the best"  # issue 14, verbatim
    text = failure(ch05.check_05_5, fix, seed=SEED, reason=quoted)
    assert text.startswith("Task 5 (which driver to fix first): your reason says 'least important'")
    already = (
        f"{fix} has a share of R² of {row['importance']:.2f} and its rating is already the best, "
        "so we fix it first."
    )
    assert "NOT clearly above average" in failure(ch05.check_05_5, fix, seed=SEED, reason=already)
    comparing = (  # a clause about another driver is not a claim about the choice
        f"{list(table.index.drop(fix))[-1]} is the least important driver and already rated best; "
        f"{fix} matters most (share of R² {row['importance']:.2f})."
    )
    assert ch05.check_05_5(fix, seed=SEED, reason=comparing) is None
    made_up = f"{fix} has importance 0.99 and a mean rating not clearly above the average."
    assert "not " + f"{fix}'s importance" in failure(
        ch05.check_05_5, fix, seed=SEED, reason=made_up
    )


# --------------------------------------------------------------------------- chapters 1-4, 6


def test_ch01_task_3_rejects_dropping_rows_is_harmless():
    right = (
        "Dropping rows silently makes every report wrong without anyone noticing: revenue is "
        "undercounted, and keeping the reason lets the data owner fix the source and re-send."
    )
    assert ch01.check_01_3(right, seed=SEED) is None
    wrong = (
        "Rejected rows can simply be deleted: losing them is harmless, though the reason lets "
        "us fix the source later."
    )
    text = failure(ch01.check_01_3, wrong, seed=SEED)
    assert text.startswith("Task 3 (why rejected rows are kept with a reason): your explanation")
    assert "changes every number reported" in text


def test_ch02_task_4_rejects_recent_or_low_value_reasons():
    table = ch02.win_back_table(ch02.exercise_data(SEED))
    lapsed = table.loc[table["lapsed"]]
    best = str(lapsed["monetary_total"].idxmax())
    right = (
        f"{best} customers spent the most per head of all lapsed segments, but they have not "
        "bought for a long time; each one won back returns the most revenue."
    )
    assert ch02.check_02_4(best, seed=SEED, reason=right) is None
    wrong = (
        f"{best} customers bought recently and are the least valuable, so the offer revenue is "
        "cheap for a long recency."
    )
    assert "LAPSED" in failure(ch02.check_02_4, best, seed=SEED, reason=wrong)


def test_ch02_task_5_rejects_the_lowest_silhouette():
    wrong = "k = 4 has the lowest silhouette among the admissible k and no small segment."
    assert claims_made(wrong, [ch02._WORST_SEPARATION])
    assert not claims_made("k = 4 has the highest silhouette.", [ch02._WORST_SEPARATION])


def test_ch03_task_5_rejects_both_intervals_above_the_cost():
    data = ch03.exercise_data(SEED)
    target = str(data.offer.index[data.offer["clv_low"] > data.offer_cost][0])
    other = "B" if target == "A" else "A"
    right = (  # the master's reason: it speaks of both candidates
        f"Even at the low end of its CLV interval, {target} brings more future margin than the "
        f"offer costs, so the offer pays for itself; {other}'s interval reaches below the cost, "
        "so the offer could lose money — whatever it brought in the past."
    )
    assert ch03.check_03_5(target, seed=SEED, reason=right) is None
    wrong = (
        "Both intervals lie above the offer's cost, so either customer works; "
        f"{target} simply has the larger CLV interval of the two."
    )
    assert "only one CLV interval lies entirely above" in failure(
        ch03.check_03_5, target, seed=SEED, reason=wrong
    )


def test_ch03_task_3_rejects_recent_or_rare_buying():
    claims = [ch03._BOUGHT_RECENTLY, ch03._BOUGHT_RARELY]
    ok = "The customer used to buy often, but has been silent for a long time since."
    assert not claims_made(ok, claims)
    assert claims_made("The customer bought recently and often, so the model is unsure.", claims)
    assert claims_made("The customer rarely bought and has been silent for long.", claims)


def test_ch04_task_5_rejects_the_fewest_people_reason():
    extra = ch04.extra_purchases(stage_funnel(ch04.exercise_data(SEED).touches))
    best = str(extra.idxmax())
    right = (
        "Most people are lost at this hand-over, so 5 points there apply to far more people, and "
        "the extra contacts still flow on through the later stages to a purchase."
    )
    assert ch04.check_04_5(best, seed=SEED, reason=right) is None
    wrong = (
        "It concerns the fewest people, so the extra contacts flow on through the later stages "
        "with the most care."
    )
    assert "MOST people" in failure(ch04.check_04_5, best, seed=SEED, reason=wrong)


def test_ch06_task_2_rejects_a_leak_that_would_make_results_look_worse():
    claim = ch06._LEAK_LOOKS_WORSE
    right = (
        "A leaky feature would make the test results look better than the model really is; "
        "testing on a later window is how it will be used in practice."
    )
    assert not claims_made(right, [claim])
    wrong = "The leak would make the test results look worse; a random split is fine too."
    assert claims_made(wrong, [claim])


def test_a_clause_about_another_segment_is_not_read_as_a_claim_about_the_choice():
    table = ch02.win_back_table(ch02.exercise_data(SEED))
    best = str(table.loc[table["lapsed"], "monetary_total"].idxmax())
    reason = (
        f"Champions bought recently, so they need no offer; {best} customers spent the most per "
        "head of all lapsed segments but have not bought for a long time."
    )
    assert ch02.check_02_4(best, seed=SEED, reason=reason) is None
