"""Issue 15: identity refuses malformed inputs and explains a one-record resolution."""

from __future__ import annotations

import pandas as pd
import pytest

from portfolio_lib import identity
from portfolio_lib._errors import DataValidationError

RESULT = identity.IdentityResult(
    table=pd.DataFrame({"record_id": ["r1", "r2", "r3"], "person_id": ["r1", "r1", "r3"]}),
    pairs=pd.DataFrame(),
    golden=pd.DataFrame(),
    date_columns=("dob",),
)
VISITS = pd.DataFrame(
    {
        "rid": ["r3", "r2", "r1"],
        "dob": pd.to_datetime(["1971-02-03", "1988-12-30", "1988-12-30"]),
        "visited": pd.to_datetime(["2023-05-01", "2023-06-11", "2023-07-21"]),
    }
)


@pytest.mark.parametrize("bad", [None, pd.DataFrame({"email": ["x@y.tr"]})])
def test_hash_column_refuses_non_series(bad: object) -> None:
    with pytest.raises(DataValidationError, match="values"):
        identity.hash_column(bad, "salt")  # type: ignore[arg-type]


def test_hash_column_reads_a_list() -> None:
    hashed = identity.hash_column(["x@y.tr", None], "salt")
    assert hashed.iloc[0] == identity.hash_identifier("x@y.tr", "salt")
    assert hashed.iloc[1] is None


def test_apply_keeps_plausible_dates() -> None:
    out = RESULT.apply(VISITS, record_col="rid")
    assert out["person_id"].tolist() == ["r3", "r1", "r1"]
    pd.testing.assert_frame_equal(out.drop(columns="person_id"), VISITS)


@pytest.mark.parametrize(("column", "day"), [("visited", "1890-01-01"), ("dob", "2150-01-01")])
def test_apply_refuses_implausible_dates(column: str, day: str) -> None:
    table = VISITS.copy()
    table.loc[1, column] = pd.Timestamp(day)
    with pytest.raises(DataValidationError, match=column):
        RESULT.apply(table, record_col="rid")
    # an explicit window admits them
    out = RESULT.apply(table, record_col="rid", window=("1800-01-01", "2200-01-01"))
    assert out.loc[1, column] == pd.Timestamp(day)


def test_apply_refuses_a_date_role_given_as_numbers() -> None:
    table = VISITS.assign(dob=VISITS["dob"].dt.strftime("%Y%m%d").astype("int64"))
    with pytest.raises(DataValidationError, match="dob"):
        RESULT.apply(table, record_col="rid")


def test_resolve_one_record_says_why_there_are_no_pairs() -> None:
    one = pd.DataFrame(
        {"id": ["k9"], "first": ["Deniz"], "last": ["Arslan"], "dob": ["1993-04-18"]}
    )
    result = identity.resolve(
        one, columns={"record_id": "id", "given_name": "first", "family_name": "last",
                      "birth_date": "dob"},
    )  # fmt: skip
    assert result.pairs.empty
    assert result.mapping.tolist() == ["k9"]
    assert any("only 1 record" in note for note in result.notes)
    assert result.date_columns == ("dob",)
