"""FtM entities: valid, spelled differently per source and script, with identity clusters and namesakes."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from followthemoney import model

from tests.generate.conftest import GeneratedCase

SOURCES = ("registry", "bank_kyc", "sanctions")


def _load(generated: GeneratedCase) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in SOURCES:
        for line in (generated.out / "entities" / f"{name}.jsonl").open(encoding="utf-8"):
            data = json.loads(line)
            proxy = model.get_proxy(data)  # raises on unknown schemata or properties
            assert proxy.to_dict()["properties"] == data["properties"], "values survive FtM's cleaning"
            out[data["id"]] = data
    return out


def _scripts(text: str) -> set[str]:
    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


def test_entities_are_valid_ftm_in_three_scripts(generated: GeneratedCase) -> None:
    entities = _load(generated)
    schemata = {e["schema"] for e in entities.values()}
    assert {"Person", "Company", "Organization", "BankAccount", "Ownership", "Directorship", "Membership",
            "Sanction"} <= schemata
    names = " ".join(n for e in entities.values() for n in e["properties"].get("name", []))
    assert {"LATIN", "CYRILLIC", "ARABIC"} <= _scripts(names)


def test_every_account_holder_is_known_to_the_banks(generated: GeneratedCase) -> None:
    entities = _load(generated)
    holders = set(generated.accounts["holder_entity_id"].to_pylist())
    assert holders <= set(entities)


def test_identity_clusters_span_sources_with_different_spellings(generated: GeneratedCase) -> None:
    entities = _load(generated)
    clusters = generated.truth["identities"]
    assert len(clusters) >= 8
    multi_script = 0
    for cluster in clusters:
        assert all(i in entities for i in cluster)
        assert len({i.split("-")[0] for i in cluster}) == len(cluster), "one entity per source"
        names = {entities[i]["properties"]["name"][0] for i in cluster}
        assert len(names) == len(cluster), f"spellings differ across sources: {names}"
        multi_script += len(_scripts(" ".join(names))) > 1
        schemas = {entities[i]["schema"] for i in cluster}
        assert len(schemas) == 1
    assert multi_script >= 3
    with_ids = [c for c in clusters if any(entities[i]["properties"].get("birthDate")
                                           or entities[i]["properties"].get("registrationNumber") for i in c)]
    assert len(with_ids) >= 5


def test_confusables_are_distinct_parties(generated: GeneratedCase) -> None:
    entities = _load(generated)
    pairs = generated.truth["confusables"]
    assert len(pairs) >= 3
    same_party = {frozenset(c) for c in generated.truth["identities"]}
    for a, b in pairs:
        ea, eb = entities[a]["properties"], entities[b]["properties"]
        assert not any({a, b} <= set(c) for c in same_party)
        key = "birthDate" if "birthDate" in ea else "registrationNumber"
        assert ea.get(key) != eb.get(key), "namesakes differ in their identifiers"
        tokens_a, tokens_b = ({t[:5] for t in re.findall(r"\w{5,}", e["name"][0].lower())} for e in (ea, eb))
        assert tokens_a & tokens_b, "names are confusingly similar"
