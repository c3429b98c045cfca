"""Open bad-input findings in modules outside quality/crm/datasets/journey and clv (issue 15).

Owned by whoever fixes acquisition, campaigns, churn, portfolio, satisfaction, matrix, identity and engines; each entry is
a strict xfail of the sweep in ``tests/test_bad_input.py``: remove it when its fix makes the
case pass.
"""

from __future__ import annotations

#: "function|argument|kind" -> finding.
OTHERS_KNOWN_OPEN: dict[str, str] = {
}  # fmt: skip
