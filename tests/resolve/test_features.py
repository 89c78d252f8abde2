from __future__ import annotations

import pyarrow as pa

from moneytrail.resolve.evidence_values import normalise_props
from moneytrail.resolve.features import address_keys, birth_keys, block_keys, extract_features
from moneytrail.store import Case


def test_block_keys_shared_by_variants_of_one_name() -> None:
    variants = ["oleh dmytrenko", "dmitrenko oleg", "o dmytrenko"]
    keys = [set(block_keys(v, "person")) for v in variants]
    assert keys[0] & keys[1] and keys[0] & keys[2]
    assert not set(block_keys("ivan petrenko", "person")) & keys[0]


def test_a_name_spelled_without_vowels_meets_its_spelling_with_them() -> None:
    # ICU romanises Arabic ت ه as "th" and پ ه as "ph": read as digraphs they key "td", "fd", so the
    # vowelless tokens key by their letters too ("thd", "bhd", as "Tehid" and "Pehid" do)
    assert set(block_keys("thd mphd", "person")) & set(block_keys("tehid mipehid", "person"))
    assert set(block_keys("phd tnrln", "person")) & set(block_keys("pehid tinralan", "person"))
    # and still by the digraphs: "shsrf" is "Shaserfa"
    assert set(block_keys("ms shsrf", "person")) & set(block_keys("imus shaserfa", "person"))


def test_identifiers_normalised_vectorised() -> None:
    props = pa.table({"entity_id": ["a", "a", "a", "b"], "prop": ["iban", "birthDate", "country", "unknownProp"],
                      "value": [" de89 3704-0044 ", "1980-04-12T00:00:00", "UA", "x"]})
    out = normalise_props(props).to_pylist()
    # A truncated IBAN keeps its value but fails its checksum (weak evidence, resolve.identifiers).
    assert {"entity_id": "a", "prop_class": "iban", "value": "DE8937040044", "checksum": "invalid"} in out
    assert {"entity_id": "a", "prop_class": "birth_date", "value": "1980-04-12", "checksum": None} in out
    assert {"entity_id": "a", "prop_class": "country", "value": "ua", "checksum": None} in out
    assert all(r["entity_id"] == "a" for r in out)


def test_birth_date_and_initial_block_two_misspelt_names() -> None:
    names = pa.table({"entity_id": ["a", "b", "c"], "grp": ["person"] * 3,
                      "norm": ["emiixy leslie", "emiily leslze", "omar quint"]})
    props = pa.table({"entity_id": ["a", "b", "c"], "prop_class": ["birth_date"] * 3,
                      "value": ["1990-03-28"] * 3})
    keys = birth_keys(names, props).to_pylist()
    by_entity: dict[str, set[str]] = {}
    for row in keys:
        by_entity.setdefault(row["entity_id"], set()).add(row["block_key"])
    # first letters "el", and with the first token's skeleton (mks) "lm"
    assert by_entity["a"] == by_entity["b"] == {"b:1990-03-28:el", "b:1990-03-28:lm", "d:1990-03-28"}
    # c shares only the date alone, a key blocking keeps while few records share the date.
    assert by_entity["c"] & by_entity["a"] == {"d:1990-03-28"}


def test_a_shared_name_word_and_address_word_block_records_whose_other_names_differ() -> None:
    # FEBRL 4's "madeline david" and "madeline bissett" (a replaced surname) share no name key, but a
    # given name and their street: they meet. Short address words (a house number) make no key.
    names = pa.table({"entity_id": ["a", "b", "c"], "grp": ["person"] * 3,
                      "norm": ["madeline david", "madeline bissett", "omar quint"]})
    props = pa.table({"entity_id": ["a", "b", "c", "c"], "prop_class": ["address", "address", "address", "birth_date"],
                      "value": ["3 3977 broughton port street wagga", "3 3977 brolghton port street wagga",
                                "3 2001 other street", "1990-03-28"]})
    keys: dict[str, set[str]] = {}
    for row in address_keys(names, props).to_pylist():
        keys.setdefault(row["entity_id"], set()).add(row["block_key"])
    assert "a:madeline:wagga" in keys["a"] & keys["b"] and "a:madeline:3977" in keys["a"] & keys["b"]
    assert not keys["c"] & keys["a"] and not any(k.endswith(":3") for k in keys["a"])


def test_an_organisations_numbered_designation_is_one_more_name() -> None:
    import pyarrow as pa

    from moneytrail.resolve.features import designation_phrases, featurise_names

    names = pa.table({"entity_id": ["u", "r", "p", "c"], "grp": ["org", "org", "person", "org"],
                      "name": ["Directorate for Special Programmes, Unit 4417",
                               "Управление специальных программ (войсковая часть 4417)", "DMYTRENKO, Oleh 2",
                               "Yakhont Trade, LLC"]})
    texts = sorted(zip(*designation_phrases(names).select(["entity_id", "text"]).to_pydict().values(), strict=True))
    # the unit's designations; not the parent's name (every unit shares it), a person's name or a legal form
    assert [t for t in texts if t[1] not in names.column("name").to_pylist()] == [
        ("r", "войсковая часть 4417"), ("u", "Unit 4417")]
    named, _ = featurise_names(names)
    unit = named.filter(pa.compute.equal(named.column("entity_id"), "u")).to_pydict()
    # the designation's row keeps the name it was read from (explanations cite the stored name)
    assert sorted(unit["norm"]) == ["directorate for special programmes unit 4417", "unit 4417"]
    assert set(unit["name"]) == {"Directorate for Special Programmes, Unit 4417"}


def test_birth_date_and_skeleton_initials_block_a_name_written_without_vowels() -> None:
    # "Ekborol Matin" in Arabic script romanises without its vowels, "kbrl mtn": first letters e/k differ
    names = pa.table({"entity_id": ["a", "b"], "grp": ["person"] * 2, "norm": ["matin ekborol", "mtn kbrl"]})
    props = pa.table({"entity_id": ["a", "b"], "prop_class": ["birth_date"] * 2, "value": ["1971-03-02"] * 2})
    keys: dict[str, set[str]] = {}
    for row in birth_keys(names, props).to_pylist():
        keys.setdefault(row["entity_id"], set()).add(row["block_key"])
    assert "b:1971-03-02:em" in keys["a"] and "b:1971-03-02:em" not in keys["b"]
    assert keys["a"] & keys["b"] == {"b:1971-03-02:km", "d:1971-03-02"}


def test_address_tokens_keep_every_script() -> None:
    from moneytrail.resolve.evidence_values import _sorted_tokens

    addresses = pa.array(["ул. Ленина, 5", "Ленина ул 5", "شارع الملك ١٢", "207 Curtis Place_Rosewood"])
    # RE2's \w is ASCII only: the Cyrillic and Arabic words were all dropped before
    assert _sorted_tokens(addresses).to_pylist() == ["5 Ленина ул", "5 Ленина ул", "الملك شارع ١٢",
                                                     "207 Curtis Place Rosewood"]
    assert _sorted_tokens(addresses, digits=False).to_pylist() == ["Ленина ул", "Ленина ул", "الملك شارع",
                                                                   "Curtis Place Rosewood"]
    assert _sorted_tokens(addresses, digits=True).to_pylist() == ["5", "5", "١٢", "207"]


def test_keys_left_pending_are_the_same_keys(people_case: Case) -> None:
    # resolve_case lets the birth and address keys compute beside its engine work, then waits for them
    pending = extract_features(people_case.engine, keys_pending=True)
    assert pending.pending and pending.keys.num_rows < pending.all_keys().num_rows

    def rows(table: pa.Table) -> list[tuple[str, str, str]]:
        return sorted(zip(*(table.column(c).to_pylist() for c in ("entity_id", "grp", "block_key")), strict=True))
    keys = rows(pending.all_keys())
    done = extract_features(people_case.engine)
    assert keys == rows(done.keys)
    assert any(key.startswith("b:") for _, _, key in keys)
    # the records, worked out in a thread too: every named record once, the same either way
    records = pending.records.to_pydict()
    assert len(set(records["entity_id"])) == len(records["entity_id"]) == done.records.num_rows
    assert set(pending.names.column("entity_id").to_pylist()) <= set(records["entity_id"])
    assert sorted(zip(records["entity_id"], records["grp"], strict=True)) == sorted(
        zip(*done.records.to_pydict().values(), strict=True))


def test_props_handed_over_while_names_are_featurised_are_the_features_props(people_case: Case) -> None:
    handed: list[pa.Table] = []
    features = extract_features(people_case.engine, with_props=handed.append)
    assert len(handed) == 1 and handed[0].num_rows > 0
    assert handed[0].equals(features.props)
