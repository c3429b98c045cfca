"""Customer identification (issue 18): linkage on small hand-made tables with known answers.

``TURKISH``: 31 people of a Turkish shop, 8 of them with a second record written another way
(Turkish letters typed as ASCII, upper case with dotted İ, a phone in another format, a Gmail
address with dots and a tag, a typo, given and family name swapped, a moved address), and a
son who shares his mother's family name and address but is another person. ``STANDARD``: a
standard person-record layout (given name, surname, street number, two address lines,
suburb, postcode, state, date of birth as ``yyyymmdd`` text, id number), read by mapping
alone. ``*_TRUTH`` maps each record id to its person.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_lib._errors import DataValidationError
from portfolio_lib.identity import IdentityResult, resolve

_T_COLUMNS = ["id", "ad", "soyad", "dogum", "tel", "eposta", "adres", "il", "posta_kodu", "kanal"]
_T_PEOPLE = [
    ("T01", "Ayşe", "Yılmaz", "1985-03-07", "0532 111 22 33", "ayse.yilmaz@gmail.com", "Atatürk Cad. 12", "İstanbul", "34710", "store"),
    ("T02", "Mehmet", "Kaya", "1979-11-02", "0544 222 33 44", "mkaya@firma.com.tr", "İnönü Sok. 5", "Ankara", "06100", "web"),
    ("T03", "Fatma", "Demir", "1990-01-15", "0505 333 44 55", "fatma.demir@yahoo.com", "Cumhuriyet Blv. 45", "İzmir", "35210", "app"),
    ("T04", "İsmail", "Işık", "1968-07-22", "0533 444 55 66", "ismail.isik@hotmail.com", "Gül Sok. 3", "Bursa", "16040", "store"),
    ("T05", "Zeynep", "Çelik", "1995-05-30", "0542 555 66 77", "zeynepcelik@gmail.com", "Okul Cad. 8", "Antalya", "07050", "web"),
    ("T06", "Mustafa", "Şahin", "1972-09-09", "0535 666 77 88", "m.sahin@outlook.com", "Fatih Cad. 21", "Konya", "42050", "store"),
    ("T07", "Emine", "Öztürk", "1988-12-01", "0555 777 88 99", "emine.ozturk@gmail.com", "Bahçe Sok. 14", "Adana", "01120", "app"),
    ("T08", "Ahmet", "Aydın", "1983-04-18", "0536 888 99 00", "ahmet.aydin@yandex.com", "Kışla Cad. 30", "Kayseri", "38040", "call"),
    ("T09", "Hatice", "Arslan", "1976-02-27", "0537 999 00 11", "hatice.arslan@gmail.com", "Çınar Sok. 2", "Samsun", "55030", "web"),
    ("T10", "Hüseyin", "Doğan", "1965-06-12", "0538 123 45 67", "hdogan@firma.com.tr", "Söğüt Cad. 19", "Trabzon", "61030", "store"),
    ("T11", "Elif", "Kılıç", "1999-08-08", "0539 234 56 78", "elif.kilic@gmail.com", "Lale Sok. 7", "Eskişehir", "26010", "app"),
    ("T12", "Can", "Aslan", "1992-10-10", "0541 345 67 89", "can.aslan@hotmail.com", "Menekşe Cad. 11", "Gaziantep", "27060", "web"),
    ("T13", "Deniz", "Çetin", "1987-03-03", "0543 456 78 90", "deniz.cetin@yahoo.com", "Papatya Sok. 9", "Mersin", "33010", "store"),
    ("T14", "Burak", "Kara", "1991-12-24", "0545 567 89 01", "burakkara@gmail.com", "Zambak Cad. 4", "Diyarbakır", "21070", "call"),
    ("T15", "Selin", "Koç", "1997-07-07", "0546 678 90 12", "selin.koc@outlook.com", "Yasemin Sok. 16", "Manisa", "45030", "app"),
    ("T16", "Oğuz", "Kurt", "1980-05-05", "0547 789 01 23", "oguz.kurt@gmail.com", "Nergis Cad. 6", "Denizli", "20010", "web"),
    ("T17", "Gül", "Özdemir", "1974-01-20", "0548 890 12 34", "gul.ozdemir@yandex.com", "Karanfil Sok. 13", "Malatya", "44100", "store"),
    ("T18", "Serkan", "Polat", "1986-09-14", "0549 901 23 45", "serkanpolat@hotmail.com", "Orkide Cad. 27", "Sakarya", "54050", "app"),
    ("T19", "Merve", "Yıldız", "1993-11-11", "0551 012 34 56", "merve.yildiz@gmail.com", "Leylak Sok. 18", "Kocaeli", "41040", "web"),
    ("T20", "Emre", "Erdoğan", "1984-02-02", "0552 135 79 24", "emre.erdogan@firma.com.tr", "Begonya Cad. 22", "Hatay", "31030", "call"),
    ("T21", "Esra", "Aktaş", "1996-04-04", "0553 246 80 35", "esra.aktas@yahoo.com", "Sümbül Sok. 1", "Balıkesir", "10010", "store"),
    ("T22", "Kemal", "Güneş", "1970-08-19", "0554 357 91 46", "kemal.gunes@gmail.com", "Defne Cad. 33", "Tekirdağ", "59030", "web"),
    ("T23", "Sibel", "Bulut", "1982-06-06", "0501 468 02 57", "sibel.bulut@outlook.com", "Ihlamur Sok. 10", "Aydın", "09010", "app"),
    ("T24", "Hakan", "Keskin", "1977-10-31", "0502 579 13 68", "hakan.keskin@hotmail.com", "Akasya Cad. 15", "Muğla", "48000", "store"),
    ("T25", "Özlem", "Ünal", "1989-03-21", "0503 680 24 79", "ozlem.unal@gmail.com", "Kavak Sok. 20", "Ordu", "52200", "web"),
    ("T26", "Murat", "Yavuz", "1981-07-17", "0504 791 35 80", "murat.yavuz@yandex.com", "Çam Cad. 9", "Van", "65100", "call"),
    ("T27", "Derya", "Tekin", "1994-12-12", "0506 802 46 91", "derya.tekin@gmail.com", "Meşe Sok. 25", "Erzurum", "25100", "app"),
    ("T28", "Volkan", "Uçar", "1973-05-25", "0507 913 57 02", "volkan.ucar@hotmail.com", "Ardıç Cad. 17", "Sivas", "58040", "store"),
    ("T29", "Aslı", "Karaca", "1998-09-29", "0516 024 68 13", "asli.karaca@outlook.com", "Çınar Cad. 31", "Rize", "53020", "web"),
    ("T30", "Barış", "Turan", "1969-01-09", "0530 147 25 83", "baris.turan@gmail.com", "Kiraz Sok. 28", "Edirne", "22030", "app"),
    # Ayşe's son: same family name and address, another person
    ("T31", "Ali", "Yılmaz", "2010-06-15", None, None, "Atatürk Cad. 12", "İstanbul", "34710", "store"),
]  # fmt: skip
# Second records of eight people: (id, same person as, row)
_T_DUPLICATES = [
    ("D01", "T01", ("D01", "AYSE", "YILMAZ", "07.03.1985", "+90 532 111 22 33", "Ayse.Yilmaz+shop@gmail.com", "Ataturk Caddesi 12", "ISTANBUL", "34710", "web")),
    ("D02", "T04", ("D02", "İSMAİL", "IŞIK", "19680722", "5334445566", None, "Gul Sokak 3", "BURSA", "16040", "call")),
    ("D03", "T07", ("D03", "Emine", "Ozturk", "1988-12-01", "(555) 777-8899", "emine.ozturk@gmail.com", None, "Adana", None, "store")),
    ("D04", "T10", ("D04", "Doğan", "Hüseyin", "1965-06-12", "05381234567", "hdogan@firma.com.tr", "Söğüt Cad. 19", "Trabzon", "61030", "app")),
    ("D05", "T13", ("D05", "Deniz", "Cetin", "1987-03-03", "0543 456 78 90", "deniz.cetin@gmail.com", "Yeni Mah. Gül Sok. 40", "Ankara", "06420", "web")),
    ("D06", "T16", ("D06", "Oguz", "Kurtt", "1980-05-05", "0547 789 01 23", None, "Nergis Cad. 6", "Denizli", "20010", "call")),
    ("D07", "T22", ("D07", "Kemal", "Gunes", "1970-08-19", None, "kemal.gunes@gmail.com", "Defne Cad. 33", "Tekirdag", "59030", "store")),
    ("D08", "T27", ("D08", "Derya", "Tekin", "1994-12-12", "0506 802 46 91", "derya.tekin@gmail.com", "Mese Sok. 25", "Erzurum", "25100", "web")),
]  # fmt: skip

TURKISH = pd.DataFrame(_T_PEOPLE + [row for _, _, row in _T_DUPLICATES], columns=_T_COLUMNS)
TURKISH_TRUTH = pd.Series(
    {**{p[0]: p[0] for p in _T_PEOPLE}, **{d: same for d, same, _ in _T_DUPLICATES}},
    name="person",
)
TURKISH_COLUMNS = {
    "record_id": "id",
    "given_name": "ad",
    "family_name": "soyad",
    "birth_date": "dogum",
    "phone": "tel",
    "email": "eposta",
    "address": "adres",
    "city": "il",
    "postcode": "posta_kodu",
    "source": "kanal",
}

_S_COLUMNS = [
    "rec_id", "given_name", "surname", "street_number", "address_1", "address_2", "suburb",
    "postcode", "state", "date_of_birth", "soc_sec_id",
]  # fmt: skip
_S_PEOPLE = [
    ("rec-0-org", "michaela", "neumann", "8", "stanley street", "miami", "winston hills", "4223", "nsw", "19151111", "5304218"),
    ("rec-1-org", "courtney", "painter", "12", "pinkerton circuit", "bega flats", "richlands", "4560", "vic", "19161214", "4066625"),
    ("rec-2-org", "charles", "green", "38", "salkauskas crescent", "kela", "dapto", "4566", "nsw", "19480930", "4365168"),
    ("rec-3-org", "vanessa", "parr", "905", "macquoid place", "broadbridge manor", "south grafton", "2135", "sa", "19951119", "9239102"),
    ("rec-4-org", "mikayla", "malloney", "37", "randwick road", "avalind", "hoppers crossing", "4552", "vic", "19860208", "7207688"),
    ("rec-5-org", "blake", "howie", "1", "cutlack place", "belmont park", "budgewoi", "6017", "vic", "19250301", "5180548"),
    ("rec-6-org", "ben", "jones", "14", "wakelin place", "coolibah", "nowra", "2541", "qld", "19780315", "3346123"),
    ("rec-7-org", "lachlan", "reid", "5", "sherbrooke street", "wattle grove", "sunnybank", "4109", "nsw", "19890712", "1873526"),
    ("rec-8-org", "emily", "brown", "22", "mcnamara street", "orana", "port macquarie", "2444", "nsw", "19930421", "6612894"),
    ("rec-9-org", "jack", "white", "71", "hogarth street", "kingsley", "kalgoorlie", "6430", "wa", "19700101", "2274109"),
    ("rec-10-org", "chloe", "ryan", "3", "carnegie crescent", "lakeside", "mandurah", "6210", "wa", "19830618", "9935512"),
    ("rec-11-org", "thomas", "campbell", "60", "florey drive", "rosebank", "geelong", "3220", "vic", "19610927", "4418236"),
    ("rec-12-org", "olivia", "mitchell", "9", "badimara street", "fisher", "waggrakine", "6530", "tas", "19990222", "8123357"),
    ("rec-13-org", "samuel", "clarke", "17", "kitchener street", "glenview", "toowoomba", "4350", "qld", "19571103", "3398201"),
    ("rec-14-org", "jessica", "thompson", "44", "ross smith crescent", "st helena", "ballarat", "3350", "vic", "19880516", "7741058"),
    ("rec-15-org", "william", "walsh", "28", "eggleston crescent", "narrabri", "dubbo", "2830", "nsw", "19740830", "2580174"),
    ("rec-16-org", "grace", "hall", "6", "nicholls street", "redcliffe", "bunbury", "6230", "wa", "19960109", "6047723"),
    ("rec-17-org", "joshua", "young", "51", "bradfield street", "kalinda", "cairns", "4870", "qld", "19820404", "5562390"),
    ("rec-18-org", "sophie", "king", "2", "ashburner street", "penrose", "hobart", "7000", "tas", "19911231", "1209885"),
    ("rec-19-org", "daniel", "wright", "19", "macrossan crescent", "seaview", "darwin", "0800", "nt", "19690714", "9012466"),
    ("rec-20-org", "hannah", "scott", "88", "tillyard drive", "burnside", "adelaide", "5000", "sa", "19940526", "4830917"),
    ("rec-21-org", "ryan", "green", "10", "morrison street", "ferndale", "mackay", "4740", "qld", "19870219", "3071642"),
    ("rec-22-org", "isabella", "baker", "33", "hawker place", "waratah", "newcastle", "2300", "nsw", "19770823", "8456310"),
    ("rec-23-org", "matthew", "adams", "4", "jansz crescent", "elmwood", "launceston", "7250", "tas", "19660305", "2963487"),
    ("rec-24-org", "ella", "nelson", "77", "lawrence street", "highgate", "perth", "6000", "wa", "19921013", "7185029"),
]  # fmt: skip
# Second records of five people (typos, swapped lines, a missing field, a moved house).
_S_DUPLICATES = [
    ("rec-0-dup-0", "rec-0-org", ("rec-0-dup-0", "michaela", "neuman", "8", "stanley st", "miami", "winston hills", "4223", "nsw", "19151111", "5304218")),
    ("rec-2-dup-0", "rec-2-org", ("rec-2-dup-0", "charles", "green", "38", "salkauskas crescent", None, "dapto", "4566", "nsw", "19480903", "4365168")),
    ("rec-6-dup-0", "rec-6-org", ("rec-6-dup-0", "jones", "ben", "14", "wakelin place", "coolibah", "nowra", "2541", "qld", "19780315", "3346132")),
    ("rec-11-dup-0", "rec-11-org", ("rec-11-dup-0", "tom", "campbell", "60", "florey drive", "rosebank", "geelong", "3220", "vic", "19610927", "4418236")),
    ("rec-17-dup-0", "rec-17-org", ("rec-17-dup-0", "joshua", "young", "3", "lyons street", None, "brisbane", "4000", "qld", "19820404", "5562390")),
]  # fmt: skip

STANDARD = pd.DataFrame(_S_PEOPLE + [row for _, _, row in _S_DUPLICATES], columns=_S_COLUMNS)
STANDARD_TRUTH = pd.Series(
    {**{p[0]: p[0] for p in _S_PEOPLE}, **{d: same for d, same, _ in _S_DUPLICATES}},
    name="person",
)
STANDARD_COLUMNS = {
    "record_id": "rec_id",
    "given_name": "given_name",
    "family_name": "surname",
    "street_number": "street_number",
    "address": ["address_1", "address_2"],
    "city": "suburb",
    "postcode": "postcode",
    "region": "state",
    "birth_date": "date_of_birth",
    "id_number": "soc_sec_id",
}


@pytest.fixture(scope="module")
def turkish() -> IdentityResult:
    return resolve(TURKISH, columns=TURKISH_COLUMNS)


@pytest.fixture(scope="module")
def standard() -> IdentityResult:
    return resolve(STANDARD, columns=STANDARD_COLUMNS)


def _persons(result: IdentityResult) -> set[frozenset[object]]:
    groups = result.clusters.groupby("person_id")["record_id"]
    return {frozenset(ids) for _, ids in groups}


def _true_persons(truth: pd.Series) -> set[frozenset[object]]:
    return {frozenset(ids) for _, ids in truth.index.to_series().groupby(truth)}


def test_turkish_table_resolves_to_the_known_persons(turkish: IdentityResult) -> None:
    assert _persons(turkish) == _true_persons(TURKISH_TRUTH)
    assert turkish.n_persons == 31
    # the son is not merged with his mother although family name and address agree
    assert turkish.mapping["T31"] == "T31" and turkish.mapping["T01"] == "T01"
    assert turkish.mapping["D01"] == "T01"  # person_id: the first record in input order


def test_every_record_is_kept_in_input_order(turkish: IdentityResult) -> None:
    assert turkish.clusters["record_id"].tolist() == TURKISH["id"].tolist()
    assert turkish.clusters["person_id"].notna().all()
    assert turkish.mapping.index.is_unique and len(turkish.mapping) == len(TURKISH)


def test_standard_layout_works_by_mapping_alone(standard: IdentityResult) -> None:
    assert _persons(standard) == _true_persons(STANDARD_TRUTH)
    evaluation = standard.evaluate(STANDARD_TRUTH)
    assert evaluation.f1 == 1.0 and evaluation.clusters["exact_persons"] == 25
    assert set(standard.roles) == set(STANDARD_COLUMNS) - {"record_id"}


def test_pairs_are_scored_with_record_ids(turkish: IdentityResult) -> None:
    pairs = turkish.pairs
    assert {"record_id_l", "record_id_r", "match_probability", "match_weight"} <= set(pairs.columns)
    assert pairs["match_probability"].between(turkish.keep_pairs_above, 1).all()
    assert pairs["match_probability"].is_monotonic_decreasing
    known = set(TURKISH["id"])
    assert set(pairs["record_id_l"]) <= known and set(pairs["record_id_r"]) <= known
    # linked pairs are exactly the pairs at or above the threshold, closed under clustering
    linked = pairs[pairs["match_probability"] >= turkish.threshold]
    assert (
        linked["record_id_l"].map(turkish.mapping) == linked["record_id_r"].map(turkish.mapping)
    ).all()


def test_evaluate_against_truth(turkish: IdentityResult) -> None:
    evaluation = turkish.evaluate(TURKISH_TRUTH)
    assert (evaluation.precision, evaluation.recall, evaluation.f1) == (1.0, 1.0, 1.0)
    assert evaluation.pairwise["true_pairs"] == 8
    curve = evaluation.table
    assert curve["threshold"].is_monotonic_increasing and turkish.threshold in set(
        curve["threshold"]
    )
    at = curve.set_index("threshold").loc[turkish.threshold]
    # the curve re-clusters the kept pairs: at the result's threshold it agrees with Splink
    assert at["persons"] == turkish.n_persons and at["f1"] == evaluation.f1
    # recall can only fall and the number of persons only grow as the threshold rises
    assert curve["recall"].is_monotonic_decreasing and curve["persons"].is_monotonic_increasing
    assert "pairwise F1" in str(evaluation.summary())


def test_evaluate_accepts_a_column_and_refuses_bad_truth(turkish: IdentityResult) -> None:
    column = TURKISH["id"].map(TURKISH_TRUTH)  # indexed like the records table
    assert turkish.evaluate(column).pairwise == turkish.evaluate(TURKISH_TRUTH).pairwise
    assert turkish.evaluate(column.to_numpy()).f1 == 1.0
    with pytest.raises(DataValidationError, match="no true person"):
        turkish.evaluate(TURKISH_TRUTH.drop("D01").set_axis([f"x{i}" for i in range(38)]))
    with pytest.raises(DataValidationError, match="values but there are"):
        turkish.evaluate(np.arange(3))
    with pytest.raises(DataValidationError, match="missing person ids"):
        turkish.evaluate(TURKISH_TRUTH.where(TURKISH_TRUTH.index != "T05", None))
    with pytest.raises(ValueError, match="thresholds"):
        turkish.evaluate(TURKISH_TRUTH, thresholds=[0.001])


def test_a_wrong_merge_lowers_the_metrics(turkish: IdentityResult) -> None:
    # same records, a truth in which D05 is someone else: precision must fall below 1
    other = TURKISH_TRUTH.copy()
    other["D05"] = "someone else"
    evaluation = turkish.evaluate(other)
    assert evaluation.precision == pytest.approx(7 / 8) and evaluation.recall == 1.0


def test_borderline_weights_add_up_to_the_match_weight(turkish: IdentityResult) -> None:
    pairs = turkish.borderline(5)
    assert len(pairs) == min(5, len(turkish.pairs))
    assert pairs["distance"].abs().is_monotonic_increasing
    steps = [c for c in pairs.columns if c.startswith("mw_")]
    assert "mw_prior" in steps and "mw_name" in steps and "mw_birth_date" in steps
    assert np.allclose(pairs[steps].sum(axis=1), pairs["match_weight"], atol=1e-6)
    with pytest.raises(ValueError, match="positive"):
        turkish.borderline(0)


def test_golden_record_per_person(turkish: IdentityResult) -> None:
    gold = turkish.golden
    assert len(gold) == turkish.n_persons and gold["n_records"].sum() == len(TURKISH)
    ayse = gold.loc["T01"]
    assert ayse["n_records"] == 2 and ayse["sources"] == "store|web"
    assert ayse["phone"] == "+905321112233" and ayse["email"] == "ayseyilmaz@gmail.com"
    # Deniz moved: both addresses are complete, so the most recent wins; without contact
    # dates a later record counts as more recent
    deniz = gold.loc["T13"]
    assert (deniz["address"], deniz["city"], deniz["postcode"]) == (
        "Yeni Mah. Gül Sok. 40",
        "Ankara",
        "06420",
    )
    # Emine's second record has no address: the complete one is kept, not mixed
    assert (gold.loc["T07", "address"], gold.loc["T07", "postcode"]) == ("Bahçe Sok. 14", "01120")


def test_mapping_applies_to_other_tables(turkish: IdentityResult) -> None:
    tx = pd.DataFrame(
        {"customer_id": ["T01", "D01", "T02", "D04"], "amount": [10.0, 20.0, 5.0, 1.0]}
    )
    out = turkish.apply(tx, record_col="customer_id")
    assert out["person_id"].tolist() == ["T01", "T01", "T02", "T10"]
    assert out.groupby("person_id")["amount"].sum()["T01"] == 30.0
    assert "person_id" not in tx  # a copy
    with pytest.raises(DataValidationError, match="not among the resolved records"):
        turkish.apply(tx.assign(customer_id=["T01", "ZZZ", None, "T02"]), record_col="customer_id")
    with pytest.raises(DataValidationError, match="no column"):
        turkish.apply(tx, record_col="record")


def test_summary_and_repr(turkish: IdentityResult) -> None:
    rows = dict(turkish.summary().rows)
    assert rows["records"] == "39" and rows["persons"] == "31"
    assert (
        rows["records merged away"].startswith("8 (")
        and rows["persons with several records"] == "8"
    )
    assert repr(turkish).startswith("IdentityResult(39 records, threshold=0.9")


def test_salted_hashes_link_without_raw_identifiers() -> None:
    result = resolve(STANDARD, columns=STANDARD_COLUMNS, salt="secret")
    assert result.hashed
    assert _persons(result) == _true_persons(STANDARD_TRUTH)
    raw_ids = set(STANDARD["soc_sec_id"])
    for shown in (
        result.pairs["id_number_l"],
        result.pairs["id_number_r"],
        result.golden["id_number"],
    ):
        values = set(shown.dropna())
        assert values and not values & raw_ids and all(len(v) == 64 for v in values)


def test_single_record_is_its_own_person() -> None:
    result = resolve(TURKISH.iloc[:1], columns=TURKISH_COLUMNS)
    assert result.clusters.to_dict("list") == {"record_id": ["T01"], "person_id": ["T01"]}
    assert len(result.pairs) == 0 and len(result.golden) == 1


def test_same_seed_same_result(standard: IdentityResult) -> None:
    again = resolve(STANDARD, columns=STANDARD_COLUMNS)
    pd.testing.assert_frame_equal(again.clusters, standard.clusters)
    cols = ["record_id_l", "record_id_r", "match_probability"]
    pd.testing.assert_frame_equal(again.pairs[cols], standard.pairs[cols])
    assert again.prior == standard.prior


def test_waterfall_of_one_pair(turkish: IdentityResult) -> None:
    steps = turkish.waterfall("D05", "T13")  # either order
    pair = turkish.pairs.set_index(["record_id_l", "record_id_r"]).loc[("T13", "D05")]
    assert steps["step"].iloc[0] == "prior" and "birth_date" in set(steps["step"])
    assert steps["cumulative"].iloc[-1] == pytest.approx(pair["match_weight"], abs=1e-6)
    assert steps["probability"].iloc[-1] == pytest.approx(pair["match_probability"], abs=1e-6)
    with pytest.raises(DataValidationError, match="not among the kept pairs"):
        turkish.waterfall("T01", "T02")


def test_a_tiny_table_without_duplicates_is_resolved_with_notes() -> None:
    # no pair agrees on anything: the prior falls back, EM is skipped, nobody is merged
    result = resolve(TURKISH.iloc[:4], columns=TURKISH_COLUMNS)
    assert result.mapping.tolist() == ["T01", "T02", "T03", "T04"]
    notes = " ".join(result.notes)
    assert "prior set to" in notes and "EM on" in notes and "only 4 records" in notes
