"""What to fix first: improvement_priorities combines drivers, complaints and mystery shopping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib import DataValidationError
from portfolio_lib.satisfaction import (
    SAMPLE_COMPANY_AREAS,
    complaint_pareto,
    improvement_priorities,
)
from portfolio_lib.satisfaction.drivers import ImportancePerformance


def _drivers(rows: dict[str, tuple[float, float, float]]) -> ImportancePerformance:
    """importance, performance, performance_ci_low per driver; cuts are the means."""
    table = pd.DataFrame(rows, index=["importance", "performance", "performance_ci_low"]).T
    table["performance_ci_high"] = 2 * table["performance"] - table["performance_ci_low"]
    table["quadrant"] = "n/a"
    return ImportancePerformance(
        table=table,
        importance_cut=float(table["importance"].mean()),
        performance_cut=float(table["performance"].mean()),
        importance_label="importance",
        performance_label="mean rating",
    )


@pytest.fixture
def evidence():
    # importance cut 0.25, performance cut 3.5
    drivers = _drivers(
        {
            "rating_product_quality": (0.40, 3.0, 2.9),  # important, clearly below: flag
            "rating_delivery": (0.30, 3.8, 3.4),  # important, above but within noise: flag
            "rating_price_value": (0.25, 4.0, 3.9),  # important, clearly above: no flag
            "rating_website": (0.05, 3.2, 3.1),  # unimportant: no flag
        }
    )
    # product_quality 5 (0.5), delivery 3 (0.8), returns 1 (0.9), billing 1 (1.0)
    pareto = complaint_pareto(
        pd.DataFrame(
            {"category": ["product_quality"] * 5 + ["delivery"] * 3 + ["returns", "billing"]}
        )
    )
    mystery = pd.DataFrame(
        {"weighted_gap": [6.0, 2.0, 1.0], "gap_ci_low": [0.1, -0.2, 0.05]},
        index=pd.Index(["item_wait_time", "item_greeting", "item_shelf_labels"], name="item"),
    )
    return drivers, pareto, mystery


def test_signals_count_each_instrument_once_per_area(evidence):
    drivers, pareto, mystery = evidence
    table = improvement_priorities(drivers, pareto, mystery)
    assert table.loc["product quality", "signals"] == 2
    assert table.loc["product quality", "flagged_by"] == "drivers, complaints"
    assert table.loc["delivery", "signals"] == 2  # within-noise performance still flags
    assert table.loc["price / value", "signals"] == 0
    assert table.loc["website & app", "signals"] == 0
    assert not table.loc["returns", "vital_few"]  # 0.8 already reached before returns
    assert table.loc["staff & store service", "flagged_by"] == "mystery shopping"
    assert table.loc["staff & store service", "separating_items"] == "item_wait_time"
    assert table.loc["staff & store service", "mystery_gap"] == pytest.approx(8.0)
    # an item the mapping does not know is an area of its own, not dropped
    assert table.loc["item_shelf_labels", "signals"] == 1
    assert np.isnan(table.loc["billing", "driver_importance"])
    assert table.loc["billing", "complaint_share"] == pytest.approx(0.1)


def test_order_is_signals_then_importance_then_complaint_share(evidence):
    drivers, pareto, mystery = evidence
    table = improvement_priorities(drivers, pareto, mystery)
    assert table.index[:2].tolist() == ["product quality", "delivery"]  # 2 signals, 0.40 > 0.30
    assert table["priority"].tolist() == list(range(1, len(table) + 1))
    assert (np.diff(table["signals"].to_numpy()) <= 0).all()
    one_signal = table[table["signals"] == 1].index.tolist()
    # staff & store service and item_shelf_labels have no driver and no complaint: mystery gap
    assert one_signal == ["staff & store service", "item_shelf_labels"]


def test_areas_merge_evidence_and_mystery_is_optional(evidence):
    drivers, pareto, _ = evidence
    areas = {**SAMPLE_COMPANY_AREAS, "returns": "delivery", "billing": "delivery"}
    table = improvement_priorities(drivers, pareto, areas=areas)
    assert "returns" not in table.index
    assert table.loc["delivery", "complaint_share"] == pytest.approx(0.5)
    assert table["mystery_gap"].isna().all()
    assert (table["separating_items"] == "").all()
    assert "mystery shopping" not in " ".join(table["flagged_by"])


def test_two_drivers_in_one_area_sum_importance(evidence):
    drivers, pareto, _ = evidence
    areas = {"rating_product_quality": "products", "rating_website": "products"}
    table = improvement_priorities(drivers, pareto, areas=areas)
    assert table.loc["products", "driver_importance"] == pytest.approx(0.45)
    assert table.loc["products", "driver_performance"] == pytest.approx(3.1)


def test_bad_input_names_the_column(evidence):
    drivers, pareto, mystery = evidence
    with pytest.raises(DataValidationError, match="vital_few"):
        improvement_priorities(drivers, pareto.drop(columns="vital_few"))
    with pytest.raises(DataValidationError, match="gap_ci_low"):
        improvement_priorities(drivers, pareto, mystery.drop(columns="gap_ci_low"))
    with pytest.raises(TypeError, match="ImportancePerformance"):
        improvement_priorities(drivers.table, pareto)


def test_experience_priorities_composes_the_three_instruments_on_the_sample_company():
    from portfolio_lib.datasets import load_sample
    from portfolio_lib.satisfaction import (
        complaint_pareto,
        driver_analysis,
        experience_priorities,
        importance_performance,
        separating_items,
    )

    crm = load_sample()
    result = experience_priorities(crm.surveys, crm.complaints, crm.mystery_shopping)
    latest = crm.surveys[crm.surveys["wave"] == crm.surveys["wave"].max()]
    expected = improvement_priorities(
        importance_performance(latest, driver_analysis(crm.surveys, "nps")),
        complaint_pareto(crm.complaints),
        separating_items(crm.mystery_shopping),
    )
    pd.testing.assert_frame_equal(result.table, expected)
    assert not result.is_empty
    assert f"{len(crm.complaints)} complaints" in result.note


def test_experience_priorities_says_which_instruments_are_missing():
    from portfolio_lib.satisfaction import experience_priorities

    surveys = pd.DataFrame({"wave": [1], "nps": [9]})
    result = experience_priorities(surveys, pd.DataFrame(), pd.DataFrame())
    assert result.is_empty
    assert "complaints" in result.note and "mystery-shopping" in result.note
    assert "surveys" not in result.note.split("no ", 1)[1].split(":")[0]
    assert list(result.table.columns)[:2] == ["priority", "signals"]
