"""The outcome of validating a batch: :class:`ValidationReport`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from portfolio_lib._errors import DataValidationError, format_examples

#: Columns a validator adds to ``report.rejected``; an input may not already have them.
REASON_COLUMN = "reason"
FAILED_COLUMN = "failed_column"


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ValidationReport:
    """Outcome of validating a batch: every input row is in exactly one of three frames.

    Attributes
    ----------
    table : str
        Which canonical table the batch was checked against.
    clean : pandas.DataFrame
        Rows that passed, with schema columns parsed (dates as ``datetime64``,
        numbers as float/int, flags as bool). Original index kept.
    returns : pandas.DataFrame
        Transactions only: valid returns/cancellations (``is_return`` true or a
        negative amount), parsed like ``clean``. Empty for other tables.
    rejected : pandas.DataFrame
        Failing rows with their ORIGINAL values plus ``reason`` (why) and
        ``failed_column`` (which column; ``"(row)"`` for whole-row problems).
    reasons_checked : tuple of str
        Every reason this check could have produced (used to show zeros in
        :meth:`summary`).
    kept_by_policy : mapping of str to int
        Rows that a ``"keep"`` policy left in ``clean`` or ``returns`` although a rule would
        have set them aside (e.g. ``{"zero amount": 8}``); shown in :meth:`summary`.
    policies : mapping of str to str
        The row policies the check ran with (e.g. ``{"zero_amounts": "reject", ...}``).
    """

    table: str
    clean: pd.DataFrame
    returns: pd.DataFrame
    rejected: pd.DataFrame
    reasons_checked: tuple[str, ...] = ()
    kept_by_policy: Mapping[str, int] = field(default_factory=dict)
    policies: Mapping[str, str] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """Number of input rows (= clean + returns + rejected)."""
        return len(self.clean) + len(self.returns) + len(self.rejected)

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return len(self.rejected) == 0

    def summary(self, *, include_zero: bool = True) -> pd.DataFrame:
        """Rows per outcome.

        Parameters
        ----------
        include_zero : bool
            Also list reasons that were checked but found no rows.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``outcome`` (``"clean"``, ``"return"``, then each
            rejection reason, then each reason a ``"keep"`` policy overrode) with columns
            ``rows`` (count), ``share`` (fraction of input rows, 0-1), ``column`` (the
            column a reason is about) and ``action`` (``"kept"``, ``"set aside"`` for
            returns, ``"rejected"``, or ``"kept (policy=value)"``: those rows are also
            counted in ``clean`` or ``return``).

        Examples
        --------
        >>> import pandas as pd
        >>> from portfolio_lib.quality import validate_transactions
        >>> df = pd.DataFrame({"customer_id": ["C1", "C1"], "date": ["2024-01-01"] * 2,
        ...                    "amount": [5.0, 0.0]})
        >>> int(validate_transactions(df).summary().loc["zero amount", "rows"])
        1
        """
        counts = self.rejected[REASON_COLUMN].value_counts() if len(self.rejected) else None
        columns = (
            self.rejected.groupby(REASON_COLUMN)[FAILED_COLUMN].first().to_dict()
            if len(self.rejected)
            else {}
        )
        reasons = list(self.reasons_checked) if include_zero else []
        if counts is not None:
            reasons += [r for r in counts.index if r not in reasons]
        rows = [
            ("clean", len(self.clean), "", "kept"),
            ("return", len(self.returns), "", "set aside"),
        ]
        for reason in reasons:
            n = int(counts.get(reason, 0)) if counts is not None else 0
            if n or include_zero:
                rows.append((reason, n, columns.get(reason, _reason_column(reason)), "rejected"))
        for reason, n in self.kept_by_policy.items():
            if n or include_zero:
                policy = _POLICY_OF.get(reason, "")
                action = f"kept ({policy}={self.policies.get(policy, 'keep')!r})"
                rows.append((reason, n, _reason_column(reason), action))
        out = pd.DataFrame(rows, columns=["outcome", "rows", "column", "action"])
        out = out.set_index("outcome")
        total = max(self.n_rows, 1)
        out.insert(1, "share", out["rows"] / total)
        return out

    def raise_if_rejected(self) -> None:
        """Raise :class:`DataValidationError` naming columns and showing up to five rejected rows."""
        if self.ok:
            return
        grouped = self.rejected.groupby(REASON_COLUMN, sort=False)[FAILED_COLUMN]
        parts = [
            f"{reason} ({len(cols)} row(s), column {cols.iloc[0]!r})" for reason, cols in grouped
        ]
        raise DataValidationError(
            f"{self.table}: {len(self.rejected)} of {self.n_rows} rows failed validation: "
            + "; ".join(parts)
            + ". Examples:\n"
            + format_examples(self.rejected)
        )


#: Which policy argument of ``validate_transactions`` decides each overridable reason.
_POLICY_OF = {
    "zero amount": "zero_amounts",
    "duplicate row": "duplicates",
    "return without purchase": "return_only",
}


def _reason_column(reason: str) -> str:
    if reason == "return without purchase":
        return "customer_id"
    if reason in ("duplicate row",):
        return "(row)"
    if reason == "zero amount":
        return "amount"
    if reason == "date outside window":
        return "date"
    for prefix in (
        "missing ",
        "unparseable ",
        "non-numeric ",
        "non-integer ",
        "invalid ",
        "duplicate ",
    ):
        if reason.startswith(prefix):
            return reason[len(prefix) :]
    if reason.endswith(" out of range"):
        return reason[: -len(" out of range")]
    return ""
