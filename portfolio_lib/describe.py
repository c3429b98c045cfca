"""A first look at customer data (chapter 1): table overview, growth, revenue, channel mix.

Pure functions on the canonical tables (see :mod:`portfolio_lib.quality` for
the schemas): DataFrame(s) in, a DataFrame out. Figures for these live in
:mod:`portfolio_lib.plotting.collection`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from portfolio_lib import _validate
from portfolio_lib._errors import require_columns

__all__ = ["table_overview", "monthly_new_customers", "monthly_revenue", "channel_mix"]

_DATE_COLUMNS = (
    "date",
    "signup_date",
    "timestamp",
    "opened",
    "visit_date",
    "start_date",
    "contact_date",
)


def table_overview(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per table: size, columns, time span and share of missing cells.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        E.g. ``crm.tables``.

    Returns
    -------
    DataFrame
        Indexed by table name with ``rows``, ``columns``, ``customers`` (distinct
        ``customer_id``, if the table has one), ``first_date``, ``last_date`` (from
        the table's main date column) and ``missing_share`` (fraction of empty cells,
        0–1).

    Raises
    ------
    TypeError
        ``tables`` is not a mapping (e.g. None).
    DataValidationError
        A table is not a DataFrame, or its date column holds no plausible dates.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-02-01"])})
    >>> table_overview({"transactions": tx})["rows"].item()
    2
    """
    if not isinstance(tables, Mapping):
        raise TypeError(
            "tables must be a mapping of table name -> DataFrame (e.g. crm.tables), got "
            f"{type(tables).__name__}"
        )
    rows = []
    for name, frame in tables.items():
        require_columns(frame, [], name=name)
        date_col = next((c for c in _DATE_COLUMNS if c in frame.columns), None)
        dates = (
            _validate.dates(frame, date_col, name=name, missing="keep")
            if date_col
            else pd.Series(dtype="datetime64[ns]")
        )
        cells = frame.size
        rows.append(
            {
                "table": name,
                "rows": len(frame),
                "columns": frame.shape[1],
                "customers": frame["customer_id"].nunique() if "customer_id" in frame else pd.NA,
                "first_date": dates.min() if len(dates) else pd.NaT,
                "last_date": dates.max() if len(dates) else pd.NaT,
                "missing_share": float(frame.isna().to_numpy().sum() / cells) if cells else 0.0,
            }
        )
    return pd.DataFrame(rows).set_index("table")


def monthly_new_customers(
    customers: pd.DataFrame,
    *,
    by: str | None = "acquisition_channel",
    date_col: str = "signup_date",
) -> pd.DataFrame:
    """Count new customers per calendar month, optionally split by a column.

    Parameters
    ----------
    customers : DataFrame
        One row per customer with ``date_col`` (and ``by`` if given).
    by : str or None
        Column to split by (e.g. the acquisition channel); ``None`` for totals.
    date_col : str
        The customer's first day (sign-up or first purchase).

    Returns
    -------
    DataFrame
        Index: month (``Period[M]``); columns: the groups of ``by`` (or ``new_customers``);
        values: number of customers whose ``date_col`` falls in that month.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"signup_date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-01"])})
    >>> monthly_new_customers(c, by=None)["new_customers"].tolist()
    [2, 1]
    """
    needed = [date_col] + ([by] if by else [])
    require_columns(customers, needed, name="customers")
    dates = _validate.dates(customers, date_col, name="customers")
    month = dates.dt.to_period("M").rename("month")
    if by is None:
        return month.value_counts().sort_index().rename("new_customers").to_frame()
    counts = pd.crosstab(month, customers[by].fillna("unknown"))
    counts.columns.name = by
    return counts


def monthly_revenue(
    transactions: pd.DataFrame,
    *,
    date_col: str = "date",
    amount_col: str = "amount",
    customer_col: str = "customer_id",
    return_col: str | None = "is_return",
) -> pd.DataFrame:
    """Revenue, returns, orders and active customers per calendar month.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (``customer_id, date, amount``; returns are negative; a
        ``return_col`` flag, when present, is checked as in :func:`portfolio_lib.rfm.rfm_table`).

    Returns
    -------
    DataFrame
        Index: month (``Period[M]``); columns ``gross_revenue`` (sum of positive
        amounts, currency units), ``returns`` (sum of negative amounts, ≤ 0),
        ``net_revenue``, ``orders`` (positive rows) and ``active_customers``
        (distinct buyers in the month).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2024-01-01", "2024-01-09"]),
    ...                    "amount": [100.0, -20.0]})
    >>> monthly_revenue(tx)["net_revenue"].tolist()
    [80.0]
    """
    tx = _validate.transactions(
        transactions, customer_col=customer_col, date_col=date_col, amount_col=amount_col,
        return_col=return_col,
    )  # fmt: skip
    amount = tx["amount"]
    frame = pd.DataFrame(
        {
            "month": tx["day"].dt.to_period("M"),
            "customer": tx["customer"],
            "gross": amount.clip(lower=0),
            "returns": amount.clip(upper=0),
            "order": amount > 0,
        }
    )
    grouped = frame.groupby("month")
    out = pd.DataFrame(
        {
            "gross_revenue": grouped["gross"].sum(),
            "returns": grouped["returns"].sum(),
            "orders": grouped["order"].sum().astype(int),
            "active_customers": frame[frame["order"]].groupby("month")["customer"].nunique(),
        }
    ).fillna({"active_customers": 0})
    out["net_revenue"] = out["gross_revenue"] + out["returns"]
    out["active_customers"] = out["active_customers"].astype(int)
    return out[["gross_revenue", "returns", "net_revenue", "orders", "active_customers"]]


def channel_mix(
    transactions: pd.DataFrame,
    *,
    by: str = "channel",
    amount_col: str = "amount",
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """Share of orders, revenue and customers per sales channel (or any column).

    Returns
    -------
    DataFrame
        Indexed by ``by``; ``orders``, ``revenue`` (currency units), ``customers``
        and their shares (0–1) ``order_share``, ``revenue_share``; sorted by revenue.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "b"], "amount": [30.0, 10.0], "channel": ["app", "store"]})
    >>> channel_mix(tx)["revenue_share"].round(2).tolist()
    [0.75, 0.25]
    """
    require_columns(transactions, [customer_col, amount_col, by], name="transactions")
    purchases = transactions[
        (_validate.numeric(transactions, amount_col, name="transactions") > 0).to_numpy()
    ]
    grouped = purchases.groupby(purchases[by].fillna("unknown"))
    out = pd.DataFrame(
        {
            "orders": grouped.size(),
            "revenue": grouped[amount_col].sum(),
            "customers": grouped[customer_col].nunique(),
        }
    )
    out["order_share"] = out["orders"] / out["orders"].sum()
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    return out.sort_values("revenue", ascending=False)
