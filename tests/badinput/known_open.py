"""Open bad-input findings in modules outside quality/crm/datasets/journey and clv (issue 15).

Owned by whoever fixes acquisition, campaigns, churn, portfolio, satisfaction, matrix, identity and engines; each entry is
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
    # identity/ (issue 18; not this suite's owner's files). hash_column: check values with
    # _validate.one_dimensional(values, name="values"). IdentityResult.apply passes the
    # table's date columns on unread (integers, 1850, 2099): check them as reverse_code does.
    "identity.hash_column|values|none": "crash: TypeError: 'NoneType' object is not iterable",
    "identity.hash_column|values|frame": "crash: AttributeError: 'DataFrame' object has no attribute 'name'",
    "identity.IdentityResult.apply|table|int_dates": "silent: result['birth_date'] up to 2.005e+07 (valid input: up to 1.111e+18); signup_date and last_contact too",
    "identity.IdentityResult.apply|table|old_date": "silent: result['birth_date'] has dates from 1850-03-01",
    # resolve on one record: no pair exists, but the result says nothing (give it a note, or
    # refuse fewer than 2 records); found with BADINPUT_FULL=1
    "identity.resolve|records|one_row": "silent: pairs is empty",
    "identity.IdentityResult.apply|table|future_date": "silent: result['birth_date'] has dates up to 2099-06-01",
}  # fmt: skip
