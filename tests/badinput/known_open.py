"""Open bad-input findings in modules outside quality/crm/datasets/journey and clv (issue 15).

Owned by whoever fixes acquisition, campaigns, churn, portfolio and satisfaction; each entry is
a strict xfail of the sweep in ``tests/test_bad_input.py``: remove it when its fix makes the
case pass.
"""

from __future__ import annotations

#: "function|argument|kind" -> finding.
OTHERS_KNOWN_OPEN: dict[str, str] = {
    "portfolio.call_list|churn_probability|duplicate_index": "[portfolio] <duplicate_index>: silent: table is empty",
    "portfolio.call_list|churn_probability|empty": "[portfolio] <empty>: silent: best_left_out['value'] holds NaN (1 of 1)",
    "portfolio.call_list|churn_probability|one_row": "[portfolio] <one_row>: silent: table is empty",
    "portfolio.call_list|clv_|constant": "[portfolio] <constant>: silent: table is empty",
    "portfolio.gini|values|frame": "[portfolio] <a DataFrame>: crash: ValueError: Data must be 1-dimensional, got ndarray of shape (300, 1) instead",
    "portfolio.gini|values|none": "[portfolio] <None>: crash: TypeError: len() of unsized object",
    "portfolio.gross_profit_per_customer|table|duplicate_index": "[portfolio] <?",
    "portfolio.lorenz_curve|values|frame": "[portfolio] <a DataFrame>: crash: ValueError: Data must be 1-dimensional, got ndarray of shape (300, 1) instead",
    "portfolio.lorenz_curve|values|none": "[portfolio] <None>: crash: TypeError: len() of unsized object",
    "portfolio.net_profit_per_customer|acquisition_cost|frame": "[portfolio] <a DataFrame>: crash: AttributeError: 'DataFrame' object has no attribute 'to_frame'",
    "portfolio.net_profit_per_customer|table|constant": "[portfolio] <every row equal to the first>: crash: DataValidationError: costs has no entry for 300 customer(s), e.g. [0, 1, 2, 3, 4]",
    "portfolio.net_profit_per_customer|table|duplicate_index": "[portfolio] <two batches (rows :1 and 1:) concatenated, index repeated>: crash: DataValidationError: costs has no entry for 299 customer(s), e.g. [0, 1, 2, 3, 4]",
    "portfolio.net_profit_per_customer|table|duplicate_rows": "[portfolio] <every row twice>: crash: DataValidationError: costs has no entry for 600 customer(s), e.g. [0, 1, 2, 3, 4]",
    "portfolio.pareto_table|values|frame": "[portfolio] <a DataFrame>: crash: ValueError: Data must be 1-dimensional, got ndarray of shape (300, 1) instead",
    "portfolio.pareto_table|values|none": "[portfolio] <None>: crash: TypeError: len() of unsized object",
    "portfolio.portfolio_groups|table|duplicate_index": "[portfolio] <two batches (rows :1 and 1:) concatenated, index repeated>: silent: table has repeated None labels",
    "portfolio.profit_by_segment|labels|frame": "[portfolio] <a DataFrame>: crash: ValueError: Buffer has wrong number of dimensions (expected 1, got 2)",
    "portfolio.profit_by_segment|labels|none": "[portfolio] <None>: crash: TypeError: len() of unsized object",
    "portfolio.profit_per_customer|table|duplicate_index": "[portfolio] <two batches (rows :1 and 1:) concatenated, index repeated>: silent: result has repeated None labels",
    "portfolio.strategy_table|groups|frame": "[portfolio] <a DataFrame>: crash: AttributeError: 'DataFrame' object has no attribute 'summary'",
    "portfolio.strategy_table|strategies|list": "[portfolio] <a list of records>: crash: ValueError: dictionary update sequence element #0 has length 7; 2 is required",
    "portfolio.value_loyalty_matrix|table|duplicate_index": "[portfolio] <two batches (rows :1 and 1:) concatenated, index repeated>: silent: table has repeated None labels",
    "satisfaction.dominance_weights|corr|frame": "[satisfaction/drivers+priorities] <a DataFrame>: crash: IndexError: index 1 is out of bounds for axis 1 with size 1",
    "satisfaction.dominance_weights|corr|none": "[satisfaction/drivers+priorities] <None>: crash: IndexError: tuple index out of range",
    "satisfaction.importance_performance|df|empty": "[satisfaction/drivers+priorities] <no rows>: silent: table['performance'] holds NaN (5 of 5); table['performance_ci_low'] holds NaN (5 of 5); table['performance_ci_high'] holds NaN (5",
    "satisfaction.importance_performance|df|one_row": "[satisfaction/drivers+priorities] <only row 0>: silent: table['performance_ci_low'] holds NaN (5 of 5); table['performance_ci_high'] holds NaN (5 of 5)",
    "satisfaction.importance_performance|importance|frame": "[satisfaction/drivers+priorities] <a DataFrame>: crash: ValueError: Cannot construct a Series from a DataFrame. To select a single column, use df.iloc[:, 0].",
    "satisfaction.importance_performance|importance|none": "[satisfaction/drivers+priorities] <None>: silent: table is empty; importance_cut['value'] holds NaN (1 of 1); performance_cut['value'] holds NaN (1 of 1)",
}  # fmt: skip
