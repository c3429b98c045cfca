"""contact_reachability (issue 19): contact detail AND consent per channel, hand-computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_lib import DataValidationError
from portfolio_lib.quality.contactability import contact_reachability


@pytest.fixture
def tiny():
    customers = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "consent_email": [True, True, False, False],
        "consent_sms": [True, False, True, True],
        "consent_app": [True, True, True, False],
    })  # fmt: skip
    records = pd.DataFrame({
        # a: two records, only the second has a readable e-mail; d: no record at all
        "customer_id": ["a", "a", "b", "c"],
        "email": ["not-an-address", "a@x.com", "b@x.com", None],
        "phone": ["0532 123 45 67", None, "0212 123 45 67", "+90 505 111 22 33"],
        "source": ["web", "app", "store card", "web"],
    })  # fmt: skip
    return customers, records


def test_counts_by_hand(tiny):
    result = contact_reachability(*tiny, min_share=0.5)
    t = result.table
    # email: details a, b; consent a, b -> reachable a, b; c, d neither
    assert t.loc["email", ["with_detail", "consented", "reachable"]].tolist() == [2, 2, 2]
    assert t.loc["email", ["consent_no_detail", "detail_no_consent", "neither"]].tolist() == [
        0,
        0,
        2,
    ]
    # sms needs a mobile: a (0532...) and c (+90 505...); b's 0212 is a landline
    assert t.loc["sms", ["with_detail", "reachable", "consent_no_detail"]].tolist() == [2, 2, 1]
    # app: only a has an app record; consent a, b, c -> reachable a, b and c lack the app
    assert t.loc["app", ["reachable", "consent_no_detail", "neither"]].tolist() == [1, 2, 1]
    assert t.loc["email", "share"] == pytest.approx(0.5)
    assert result.usable_channels == ["email", "sms"]
    assert t.loc["app", "decision"] == "collect contact details first"
    d = result.per_customer.loc["d"]  # no record: no detail, so never reachable
    assert not d.filter(like="_detail").any() and not d["any_reachable"]
    assert d["sms_consent"]


def test_phone_channel_takes_landlines(tiny):
    customers, records = tiny
    customers = customers.assign(consent_phone=[False, True, False, False])
    result = contact_reachability(customers, records, channels=["phone"])
    assert result.table.loc["phone", ["with_detail", "reachable"]].tolist() == [3, 1]
    assert result.table.loc["phone", "decision"] == "ask for consent first"


def test_wilson_interval_covers_share(tiny):
    t = contact_reachability(*tiny, confidence=0.9).table
    assert (t["ci_low"] <= t["share"]).all() and (t["share"] <= t["ci_high"]).all()
    assert t.loc["email", "ci_low"] > 0 and t.loc["email", "ci_high"] < 1


def test_summary_and_repr(tiny):
    result = contact_reachability(*tiny)
    text = str(result.summary())
    assert "reachable by email" in text and "50.0%" in text
    assert repr(result).startswith("Contactability(3 channels")


def test_record_of_unknown_customer_is_an_error(tiny):
    customers, records = tiny
    with pytest.raises(DataValidationError, match="customer_id"):
        contact_reachability(customers, records.assign(customer_id=["a", "a", "b", "zz"]))


def test_consent_must_be_boolean(tiny):
    customers, records = tiny
    with pytest.raises(DataValidationError, match="consent_email"):
        contact_reachability(customers.assign(consent_email=[True, None, 1, "yes"]), records)


def test_no_customers_is_an_error(tiny):
    customers, records = tiny
    with pytest.raises(DataValidationError, match="customers has no rows"):
        contact_reachability(customers.head(0), records.head(0))


def test_no_consent_column_is_an_error(tiny):
    customers, records = tiny
    with pytest.raises(DataValidationError, match="consent"):
        contact_reachability(customers[["customer_id"]], records)


@settings(max_examples=40, deadline=None)
@given(
    consent=st.lists(st.booleans(), min_size=1, max_size=30),
    has_mail=st.lists(st.booleans(), min_size=30, max_size=30),
)
def test_parts_add_up_and_reachable_is_the_intersection(consent, has_mail):
    n = len(consent)
    ids = [f"c{i}" for i in range(n)]
    customers = pd.DataFrame({"customer_id": ids, "consent_email": consent})
    mails = [f"u{i}@x.com" if has_mail[i] else "broken" for i in range(n)]
    records = pd.DataFrame({"customer_id": ids, "email": mails})
    row = contact_reachability(customers, records).table.loc["email"]
    parts = row[["reachable", "consent_no_detail", "detail_no_consent", "neither"]].sum()
    assert parts == n
    expected = int(np.sum(np.array(consent) & np.array(has_mail[:n])))
    assert row["reachable"] == expected
    assert row["ci_low"] <= row["share"] <= row["ci_high"]


def test_every_consent_channel_of_the_schema_has_a_contact_detail():
    """The channels customers consent to (crm.CONSENT_CHANNELS, the customers schema) and
    the channels this module can check are one list."""
    from portfolio_lib.crm import CONSENT_CHANNELS
    from portfolio_lib.quality.contactability import CHANNEL_DETAILS

    assert list(CHANNEL_DETAILS) == list(CONSENT_CHANNELS)
