"""Chapter 1 first-look computations, on frames whose answers are counted by hand."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from portfolio_lib import DataValidationError, describe
from portfolio_lib.plotting import collection


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "signup_date": pd.to_datetime(["2024-01-02", "2024-01-30", "2024-03-05", "2024-03-06"]),
            "acquisition_channel": ["search", "social", "search", None],
        }
    )


@pytest.fixture
def transactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c"],
            "date": pd.to_datetime(
                ["2024-01-02", "2024-01-15", "2024-01-30", "2024-03-05", "2024-03-20"]
            ),
            "amount": [50.0, 30.0, 20.0, 100.0, -40.0],
            "channel": ["online", "store", "online", "app", "app"],
        }
    )


def test_monthly_new_customers_counts_each_customer_once_per_month(customers):
    counts = describe.monthly_new_customers(customers)
    assert counts.loc[pd.Period("2024-01", "M"), "search"] == 1
    assert counts.loc[pd.Period("2024-01", "M"), "social"] == 1
    assert counts.loc[pd.Period("2024-03", "M"), "unknown"] == 1, (
        "missing channel is kept as unknown"
    )
    assert counts.to_numpy().sum() == len(customers)
    totals = describe.monthly_new_customers(customers, by=None)
    assert totals["new_customers"].tolist() == [2, 2]


def test_monthly_revenue_separates_returns(transactions):
    monthly = describe.monthly_revenue(transactions)
    march = monthly.loc[pd.Period("2024-03", "M")]
    assert march["gross_revenue"] == 100.0
    assert march["returns"] == -40.0
    assert march["net_revenue"] == 60.0
    assert march["orders"] == 1 and march["active_customers"] == 1
    jan = monthly.loc[pd.Period("2024-01", "M")]
    assert jan["orders"] == 3 and jan["active_customers"] == 2
    assert monthly["net_revenue"].sum() == pytest.approx(transactions["amount"].sum())


def test_channel_mix_shares_sum_to_one_and_ignore_returns(transactions):
    mix = describe.channel_mix(transactions)
    assert mix["revenue_share"].sum() == pytest.approx(1.0)
    assert mix["order_share"].sum() == pytest.approx(1.0)
    assert mix.loc["app", "revenue"] == 100.0, "returns are not sales"
    assert mix.index[0] == "app", "sorted by revenue"


def test_table_overview_reports_sizes_spans_and_missing(customers, transactions):
    overview = describe.table_overview({"customers": customers, "transactions": transactions})
    assert overview.loc["customers", "rows"] == 4
    assert overview.loc["customers", "missing_share"] == pytest.approx(1 / 12)
    assert overview.loc["transactions", "first_date"] == pd.Timestamp("2024-01-02")
    assert overview.loc["transactions", "customers"] == 3


def test_bad_input_names_the_column(transactions, customers):
    bad = transactions.assign(amount=["1", "x", "2", "3", "4"])
    with pytest.raises(DataValidationError, match="amount"):
        describe.monthly_revenue(bad)
    with pytest.raises(DataValidationError, match="signup_date"):
        describe.monthly_new_customers(customers.drop(columns="signup_date"))
    with pytest.raises(DataValidationError, match="signup_date"):
        describe.monthly_new_customers(customers.assign(signup_date=["x", "2024-01-01", None, "y"]))


def test_plots_return_axes(customers, transactions):
    for ax in (
        collection.plot_new_customers(describe.monthly_new_customers(customers)),
        collection.plot_monthly_revenue(describe.monthly_revenue(transactions)),
        collection.plot_channel_mix(describe.channel_mix(transactions)),
    ):
        assert isinstance(ax, plt.Axes) and ax.get_title()
    plt.close("all")
