"""Open bad-input findings in modules outside quality/crm/datasets/journey and clv (issue 15).

Owned by whoever fixes acquisition, campaigns, churn, portfolio and satisfaction; each entry is
a strict xfail of the sweep in ``tests/test_bad_input.py``: remove it when its fix makes the
case pass.
"""

from __future__ import annotations

#: "function|argument|kind" -> finding.
OTHERS_KNOWN_OPEN: dict[str, str] = {
    "satisfaction.dominance_weights|corr|frame": "[satisfaction/drivers+priorities] <a DataFrame>: crash: IndexError: index 1 is out of bounds for axis 1 with size 1",
    "satisfaction.dominance_weights|corr|none": "[satisfaction/drivers+priorities] <None>: crash: IndexError: tuple index out of range",
    "satisfaction.importance_performance|df|empty": "[satisfaction/drivers+priorities] <no rows>: silent: table['performance'] holds NaN (5 of 5); table['performance_ci_low'] holds NaN (5 of 5); table['performance_ci_high'] holds NaN (5",
    "satisfaction.importance_performance|df|one_row": "[satisfaction/drivers+priorities] <only row 0>: silent: table['performance_ci_low'] holds NaN (5 of 5); table['performance_ci_high'] holds NaN (5 of 5)",
    "satisfaction.importance_performance|importance|frame": "[satisfaction/drivers+priorities] <a DataFrame>: crash: ValueError: Cannot construct a Series from a DataFrame. To select a single column, use df.iloc[:, 0].",
    "satisfaction.importance_performance|importance|none": "[satisfaction/drivers+priorities] <None>: silent: table is empty; importance_cut['value'] holds NaN (1 of 1); performance_cut['value'] holds NaN (1 of 1)",
}  # fmt: skip
