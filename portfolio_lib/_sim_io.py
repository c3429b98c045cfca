"""CSV schema of the sample company's tables and the exact CSV round trip.

Internal helper of :mod:`portfolio_lib.simulate` (``CRMData.to_csv`` / ``CRMData.from_csv``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio_lib._sim_params import ATTITUDE_FACTORS, ATTITUDE_ITEMS, MYSTERY_ITEMS, RATING_ITEMS

# Column kinds: str, int, float, bool, date, datetime; a trailing "?" means missing values
# are allowed (NaN for str/float, NaT for dates). "date" and "datetime" are both stored as
# datetime64[ns]; "date" values are midnights.
TABLE_SCHEMAS: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "str",
        "signup_date": "date",
        "acquisition_channel": "str",
        "acquisition_cost": "float",
        "region": "str",
        "age": "int",
        "gender": "str",
        "loyalty_member": "bool",
        "loyalty_join_date": "date?",
        **{item: "int" for item in ATTITUDE_ITEMS},
    },
    "transactions": {
        "transaction_id": "str",
        "customer_id": "str",
        "date": "date",
        "amount": "float",
        "category": "str",
        "channel": "str",
        "is_return": "bool",
        "points_earned": "int",
        "points_redeemed": "int",
        "campaign_id": "str?",
    },
    "touchpoints": {
        "event_id": "str",
        "customer_id": "str",
        "timestamp": "datetime",
        "stage": "str",
        "channel": "str",
        "campaign_id": "str?",
    },
    "campaigns": {
        "campaign_id": "str",
        "name": "str",
        "type": "str",
        "channel": "str",
        "start_date": "date",
        "end_date": "date",
        "target_group": "str",
        "n_contacts": "int",
        "cost_per_contact": "float",
        "fixed_cost": "float",
        "total_cost": "float",
    },
    "campaign_contacts": {
        "campaign_id": "str",
        "customer_id": "str",
        "arm": "str",
        "contact_date": "date",
        "responded": "bool",
    },
    "surveys": {
        "response_id": "str",
        "customer_id": "str",
        "wave": "int",
        "date": "date",
        "stage": "str",
        "nps": "int",
        "csat": "int",
        **{item: "int" for item in RATING_ITEMS},
        "sat_1": "int",
        "sat_2": "int",
        "sat_3": "int",
        "sat_4_r": "int",
        "comment": "str",
    },
    "complaints": {
        "complaint_id": "str",
        "customer_id": "str",
        "opened": "datetime",
        "resolved": "datetime?",
        "category": "str",
        "channel": "str",
        "text": "str",
        "resolution_satisfaction": "float?",
    },
    "mystery_shopping": {
        "visit_id": "str",
        "branch": "str",
        "region": "str",
        "visit_date": "date",
        "shopper_id": "str",
        **{item: "int" for item in MYSTERY_ITEMS},
    },
    "truth_customers": {
        "customer_id": "str",
        "persona": "str",
        "purchase_rate_per_week": "float",
        "dropout_prob": "float",
        "spend_scale": "float",
        "dropout_date": "date?",
        "alive_at_end": "bool",
        "satisfaction_latent": "float",
        "exposure_weeks": "float",
        "n_repeat_purchases": "int",
        "n_incremental_purchases": "int",
        **{f"factor_{f}": "float" for f in ATTITUDE_FACTORS},
    },
}
TABLE_NAMES: tuple[str, ...] = (
    "customers",
    "transactions",
    "touchpoints",
    "campaigns",
    "campaign_contacts",
    "surveys",
    "complaints",
    "mystery_shopping",
)


# ---------------------------------------------------------------------------------------------
# Containers and CSV round trip
# ---------------------------------------------------------------------------------------------
def coerce(frame: pd.DataFrame, schema: Mapping[str, str]) -> pd.DataFrame:
    """Return ``frame`` with exactly the schema's columns, in order, with canonical dtypes."""
    out = {}
    for col, kind in schema.items():
        base = kind.rstrip("?")
        values = frame[col]
        if base == "str":
            out[col] = values.astype("str")
        elif base == "int":
            out[col] = values.astype("int64")
        elif base == "float":
            out[col] = values.astype("float64")
        elif base == "bool":
            out[col] = values.astype(bool)
        else:
            out[col] = values.astype("datetime64[ns]")
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def read_table(path: Path, schema: Mapping[str, str]) -> pd.DataFrame:
    """Read one CSV written by :meth:`CRMData.to_csv` back with its exact dtypes."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    missing = [c for c in schema if c not in raw.columns]
    if missing:
        raise ValueError(f"{path.name} is missing column(s) {missing}")
    out = {}
    for col, kind in schema.items():
        base, nullable = kind.rstrip("?"), kind.endswith("?")
        text = raw[col].to_numpy(dtype=object)
        empty = text == ""
        if empty.any() and not nullable and base != "str":
            raise ValueError(f"{path.name}: column {col!r} has empty values")
        if base == "str":
            values = text.copy()
            if nullable:
                values[empty] = np.nan
            out[col] = pd.Series(values, dtype=object).astype("str")
        elif base == "int":
            out[col] = pd.Series(np.array([int(v) for v in text], dtype=np.int64))
        elif base == "float":
            out[col] = pd.Series(np.array([float(v) if v else np.nan for v in text], dtype=float))
        elif base == "bool":
            bad = ~np.isin(text, ["True", "False"])
            if bad.any():
                raise ValueError(f"{path.name}: column {col!r} must hold True/False")
            out[col] = pd.Series(text == "True")
        else:
            values = pd.Series(np.where(empty, None, text), dtype=object)
            out[col] = pd.to_datetime(values, format="ISO8601").astype("datetime64[ns]")
    return coerce(pd.DataFrame(out), schema)
