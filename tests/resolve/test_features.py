from __future__ import annotations

import pyarrow as pa

from moneytrail.resolve.features import block_keys, normalise_props


def test_block_keys_shared_by_variants_of_one_name() -> None:
    variants = ["oleh dmytrenko", "dmitrenko oleg", "o dmytrenko"]
    keys = [set(block_keys(v, "person")) for v in variants]
    assert keys[0] & keys[1] and keys[0] & keys[2]
    assert not set(block_keys("ivan petrenko", "person")) & keys[0]


def test_identifiers_normalised_vectorised() -> None:
    props = pa.table({"entity_id": ["a", "a", "a", "b"], "prop": ["iban", "birthDate", "country", "unknownProp"],
                      "value": [" de89 3704-0044 ", "1980-04-12T00:00:00", "UA", "x"]})
    out = normalise_props(props).to_pylist()
    assert {"entity_id": "a", "prop_class": "iban", "value": "DE8937040044"} in out
    assert {"entity_id": "a", "prop_class": "birth_date", "value": "1980-04-12"} in out
    assert {"entity_id": "a", "prop_class": "country", "value": "ua"} in out
    assert all(r["entity_id"] == "a" for r in out)
