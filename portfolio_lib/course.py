"""What the notebooks load: one call from the ``DATASET`` parameter to a :class:`CRMData`.

Every chapter notebook has the parameters ``DATASET``, ``N_CUSTOMERS`` and
``SEED`` and starts with :func:`load_course_data`, so the same lesson runs on
the bundled sample company, on a freshly simulated one, or on the real CDNOW
purchases (which have transactions only: the other tables are empty, with
their columns, and the notebook says what cannot be shown).

``load_course_data(..., via="store")`` runs the data through chapter 1's flow
first -- quality checks, the SQLite :class:`~portfolio_lib.store.CRMStore`,
:meth:`CRMData.from_store` -- so a chapter works on what was validated and
stored rather than on the files directly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import warnings
from pathlib import Path
from typing import Literal

import pandas as pd

from portfolio_lib._errors import require_columns
from portfolio_lib.crm import SCHEMAS, TABLE_NAMES, CRMData, SimulationTruth
from portfolio_lib.store import REJECTS_TABLE, CRMStore

__all__ = [
    "DATASETS",
    "DATE_COLUMNS",
    "VIAS",
    "load_course_data",
    "through_store",
    "cdnow_as_crm",
    "split_at",
]

Dataset = Literal["sample", "simulate", "cdnow"]
DATASETS: tuple[str, ...] = ("sample", "simulate", "cdnow")
Via = Literal["memory", "store"]
VIAS: tuple[str, ...] = ("memory", "store")

#: The column that dates each row of each table (used to cut monthly batches).
DATE_COLUMNS: dict[str, str] = {
    "customers": "signup_date",
    "transactions": "date",
    "touchpoints": "timestamp",
    "campaigns": "start_date",
    "campaign_contacts": "contact_date",
    "surveys": "date",
    "complaints": "opened",
    "mystery_shopping": "visit_date",
}


def cdnow_as_crm(transactions: pd.DataFrame, *, label: str = "CDNOW") -> CRMData:
    """Wrap canonical CDNOW transactions as a :class:`CRMData` with what is known.

    Parameters
    ----------
    transactions : DataFrame
        Output of :func:`portfolio_lib.datasets.load_cdnow` (``customer_id, date,
        quantity, amount``; amounts in US dollars).
    label : str
        Recorded in ``truth.params["source"]``.

    Returns
    -------
    CRMData
        ``customers`` holds ``customer_id`` (str), ``signup_date`` (first purchase
        day) and ``acquisition_channel`` (``"unknown"``: CDNOW does not record it);
        ``transactions`` gets ``transaction_id``, ``category="music"``,
        ``channel="online"`` and ``is_return=False``; every other table is empty
        (with the sample company's columns). The observation window runs from the
        first purchase to the last day in the file. Real data has no ground truth:
        ``has_truth`` is False and ``truth`` is :meth:`SimulationTruth.unknown`
        (``truth.customers`` has no rows, ``truth.params`` only the source and a note),
        so a notebook's ``crm.truth.params`` / ``crm.truth.customers`` still run.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1], "date": pd.to_datetime(["1997-01-01", "1997-03-02"]),
    ...                    "quantity": [1, 2], "amount": [11.77, 20.0]})
    >>> crm = cdnow_as_crm(tx)
    >>> crm.customers["signup_date"].iloc[0]
    Timestamp('1997-01-01 00:00:00')
    >>> crm.has_truth
    False
    """
    require_columns(transactions, ["customer_id", "date", "amount"], name="transactions")
    tx = transactions.sort_values(["date", "customer_id"], kind="stable").reset_index(drop=True)
    ids = tx["customer_id"].astype("str")
    canonical = pd.DataFrame(
        {
            "transaction_id": [f"T{i:07d}" for i in range(1, len(tx) + 1)],
            "customer_id": ids,
            "date": pd.to_datetime(tx["date"]).astype("datetime64[ns]"),
            "amount": tx["amount"].astype("float64"),
            "category": "music",
            "channel": "online",
            "is_return": False,
        }
    )
    if "quantity" in tx:
        canonical["quantity"] = tx["quantity"].to_numpy()
    first = canonical.groupby("customer_id", sort=False)["date"].min()
    customers = pd.DataFrame(
        {
            "customer_id": first.index.astype("str"),
            "signup_date": first.to_numpy(),
            "acquisition_channel": "unknown",
        }
    )
    tables = {name: SCHEMAS[name].empty_frame() for name in TABLE_NAMES}
    tables["customers"] = customers
    tables["transactions"] = canonical
    return CRMData(
        **tables,
        truth=SimulationTruth.unknown(source=label),
        observation_start=canonical["date"].min(),
        observation_end=canonical["date"].max(),
    )


def load_course_data(
    dataset: Dataset = "sample",
    *,
    n_customers: int = 3000,
    seed: int = 42,
    data_home: str | os.PathLike[str] | None = None,
    cdnow_kind: Literal["sample", "master"] = "sample",
    via: Via = "memory",
    store_path: str | os.PathLike[str] | None = None,
) -> CRMData:
    """Load the data a chapter runs on, from the notebook's ``DATASET`` parameter.

    Parameters
    ----------
    dataset : {"sample", "simulate", "cdnow"}
        ``"sample"``: the bundled company in ``data/`` (3,000 customers, seed 42;
        ``n_customers`` and ``seed`` are ignored). ``"simulate"``: a fresh company
        from :func:`portfolio_lib.simulate.simulate_crm` with ``n_customers`` and
        ``seed``. ``"cdnow"``: the real CDNOW purchases (see :func:`cdnow_as_crm`).
    n_customers : int
        Customers to simulate (``"simulate"`` only).
    seed : int
        Random seed (``"simulate"`` only).
    data_home : path, optional
        Where the CDNOW files are (default ``$PORTFOLIO_LIB_DATA`` or the user cache).
    cdnow_kind : {"sample", "master"}
        Which CDNOW file.
    via : {"memory", "store"}
        ``"memory"``: the tables as loaded. ``"store"``: chapter 1's data flow -- the
        tables go through :func:`through_store` (validated and ingested into a
        :class:`~portfolio_lib.store.CRMStore`, read back with :meth:`CRMData.from_store`).
    store_path : path, optional
        ``via="store"`` only: the SQLite file to write (it must not hold rows yet), kept
        afterwards with its ``rejects`` table; default a temporary file, removed after
        reading.

    Returns
    -------
    CRMData
        With ``via="store"``, ``validated`` is True and the frames equal those of
        ``via="memory"`` except for rows the quality checks rejected: none in the bundled
        sample or a simulated company (the tests prove both give identical tables and
        analysis results); on CDNOW the 8 purchases of amount 0 (``"zero amount"``),
        reported in a warning.

    Examples
    --------
    >>> crm = load_course_data("simulate", n_customers=300, seed=7)
    >>> len(crm.customers)
    300
    >>> stored = load_course_data("simulate", n_customers=300, seed=7, via="store")
    >>> stored.validated, stored.has_truth, stored.customers.equals(crm.customers)
    (True, True, True)
    """
    if via not in VIAS:
        raise ValueError(f"via must be one of {VIAS}; got {via!r}")
    if via == "memory" and store_path is not None:
        raise ValueError('store_path is only used with via="store"')
    if dataset == "sample":
        from portfolio_lib.datasets import load_sample

        crm = load_sample()
    elif dataset == "simulate":
        from portfolio_lib.simulate import simulate_crm

        crm = simulate_crm(n_customers=n_customers, seed=seed)
    elif dataset == "cdnow":
        from portfolio_lib.datasets import load_cdnow

        crm = cdnow_as_crm(load_cdnow(cdnow_kind, data_home), label=f"CDNOW {cdnow_kind}")
    else:
        raise ValueError(f"DATASET must be one of {DATASETS}; got {dataset!r}")
    return crm if via == "memory" else through_store(crm, store_path)


def through_store(crm: CRMData, store_path: str | os.PathLike[str] | None = None) -> CRMData:
    """Run a company through chapter 1's data flow: validate, store, read back.

    Every table is ingested into a :class:`~portfolio_lib.store.CRMStore` (parents first,
    one transaction), which checks each row with :func:`portfolio_lib.quality.validate_table`
    and its keys; a failing row is kept in the store's ``rejects`` table with its reason,
    never silently dropped, and a warning counts the rejects by table and reason. The
    tables are then read back with :meth:`CRMData.from_store`.

    What a store cannot hold is carried over from ``crm``: the ``truth`` of a simulated
    company and the observation window. A store cannot tell a column the source never had
    from one without values, so each table keeps the columns ``crm``'s table has (CDNOW's
    customers have three), in its order.

    Parameters
    ----------
    crm : CRMData
        The company as loaded.
    store_path : path, optional
        The SQLite file to write (or ``":memory:"``); it must not hold rows yet. Default:
        a temporary file, removed after reading.

    Returns
    -------
    CRMData
        ``validated`` is True; the tables equal ``crm``'s except for rejected rows.

    Raises
    ------
    ValueError
        ``store_path`` already holds rows (the data would be mixed with them).

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> crm = simulate_crm(n_customers=100, seed=7)
    >>> stored = through_store(crm)
    >>> stored.validated, stored.transactions.equals(crm.transactions)
    (True, True)
    """
    temporary = store_path is None
    with contextlib.ExitStack() as stack:
        if store_path is None:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="portfolio_lib_"))
            store_path = Path(folder) / "crm.sqlite"
        store = stack.enter_context(CRMStore(store_path))
        held = store.counts()["rows"]
        if held.sum() > 0:
            raise ValueError(
                f"store {store.path!r} already holds rows ({held[held > 0].to_dict()}); "
                "through_store needs an empty store: delete the file or choose another path"
            )
        store.ingest_tables(crm.tables)
        rejects = store.read(REJECTS_TABLE)
        stored = CRMData.from_store(
            store, observation_start=crm.observation_start, observation_end=crm.observation_end
        )
    if len(rejects):
        counts = rejects.groupby(["table_name", "reason"]).size()
        listing = "; ".join(f"{table}: {n} {reason!r}" for (table, reason), n in counts.items())
        where = (
            "pass store_path= to keep the store and its rejects table"
            if temporary
            else f"they are in the rejects table of {store.path!r}"
        )
        warnings.warn(
            f"{len(rejects)} row(s) failed the quality checks and were not stored "
            f"({listing}); {where}",
            stacklevel=2,
        )
    frames = {
        name: stored.tables[name][[c for c in frame.columns if c in stored.tables[name]]]
        for name, frame in crm.tables.items()
    }
    return dataclasses.replace(stored, **frames, truth=crm.truth)


def split_at(
    crm: CRMData, cutoff: str | pd.Timestamp
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Split every table into rows dated before ``cutoff`` and rows from ``cutoff`` on.

    Used to replay how a CRM database fills up: load the history, then ingest
    the newest month as an incremental batch. Each table is cut on its column
    in :data:`DATE_COLUMNS`; no row is lost (``len(before) + len(after)`` equals
    the table's length).

    Parameters
    ----------
    crm : CRMData
        The company.
    cutoff : str or Timestamp
        First day of the batch.

    Returns
    -------
    (history, batch) : tuple of dict[str, DataFrame]

    Examples
    --------
    >>> from portfolio_lib.simulate import simulate_crm
    >>> history, batch = split_at(simulate_crm(300, seed=7), "2024-12-01")
    >>> bool(batch["transactions"]["date"].min() >= pd.Timestamp("2024-12-01"))
    True
    """
    cut = pd.Timestamp(cutoff)
    history: dict[str, pd.DataFrame] = {}
    batch: dict[str, pd.DataFrame] = {}
    for name, frame in crm.tables.items():
        column = DATE_COLUMNS[name]
        require_columns(frame, [column], name=name)
        later = pd.to_datetime(frame[column]) >= cut
        history[name] = frame.loc[~later]
        batch[name] = frame.loc[later]
    return history, batch
