"""Open bad-input findings in modules outside quality/crm/datasets/journey and clv (issue 15).

Owned by whoever fixes acquisition, campaigns, churn, portfolio, satisfaction and matrix; each entry is
a strict xfail of the sweep in ``tests/test_bad_input.py``: remove it when its fix makes the
case pass.
"""

from __future__ import annotations

#: "function|argument|kind" -> finding.
OTHERS_KNOWN_OPEN: dict[str, str] = {
    # matrix.py (the notebook grid; not this suite's owner's file): pass_fail_table reads its
    # results unchecked. Fix: _validate.table(results, name="results", columns=["chapter",
    # "case", "passed"]) and refuse a (case, chapter) pair given twice, showing the rows.
    "matrix.pass_fail_table|results|none": "crash: AttributeError: 'NoneType' object has no attribute 'assign'",
    "matrix.pass_fail_table|results|list": "crash: AttributeError: 'list' object has no attribute 'assign'",
    "matrix.pass_fail_table|results|series": "crash: AttributeError: 'Series' object has no attribute 'assign'",
    "matrix.pass_fail_table|results|missing_column": "crash: KeyError: \"The following 'columns' labels are not columns of the DataFrame: ['chapter']\"",
    "matrix.pass_fail_table|results|duplicate_rows": "crash: ValueError: Index contains duplicate entries, cannot reshape",
    "matrix.pass_fail_table|results|constant": "crash: ValueError: Index contains duplicate entries, cannot reshape",
}  # fmt: skip
