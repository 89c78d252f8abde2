from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from moneytrail.resolve.listfile import ListFileError, read_list
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.resolve.screening import screen_case
from moneytrail.store import Case
from moneytrail.store.findings import finding_refs, list_findings

AddStatements = Callable[[Case, Iterable[tuple[str, str, str, str, str]]], None]
Entities = list[dict[str, object]]
WriteList = Callable[[Path, Entities], Path]

def test_screening_hits_carry_programme_reason_and_evidence(people_case: Case, tmp_path: Path,
                                                            write_list: WriteList, list_entities: Entities) -> None:
    hits = screen_case(people_case, write_list(tmp_path / "fictional-list.jsonl", list_entities))
    by_pair = {(h.entity_id, h.list_entity_id): h for h in hits}
    hit = by_pair[("bank-1", "sl-1")]
    assert hit.decision == "match" and hit.probability >= 0.9
    assert hit.programme == ["Fictional Programme 7"] and hit.reason == ["Financing of a fictional group"]
    assert hit.typology == "sanctions"
    assert {s["signal"] for s in hit.explanation["signals"]} >= {"name", "birth_date"}
    assert ("reg-5", "sl-2") in by_pair  # registration number equal, legal forms normalised
    assert ("reg-2", "sl-1") not in by_pair  # Olena, other birth date
    assert all(h.list_entity_id != "sl-3" for h in hits)
    findings = list_findings(people_case, kind="screen")
    assert len(findings) == len(hits)
    refs = finding_refs(people_case, hit.finding_id)
    kinds = {(r["ref_kind"], r["role"]) for r in refs}
    assert ("entity", "subject") in kinds and ("source", "list") in kinds and ("statement", "name") in kinds
    assert {"source", "list:fictional-list"} <= {r["ref_kind"] for r in refs} | {r["ref_id"] for r in refs}


def test_rescreening_replaces_earlier_hits_of_the_same_list(people_case: Case, tmp_path: Path,
                                                            write_list: WriteList, list_entities: Entities) -> None:
    path = write_list(tmp_path / "l.jsonl", list_entities)
    first = screen_case(people_case, path)
    second = screen_case(people_case, path)
    assert len(list_findings(people_case, kind="screen")) == len(second) == len(first)
    assert people_case.count("screen_matches") == len(second)


def test_bad_list_line_is_named(tmp_path: Path, list_entities: Entities) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(list_entities[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ListFileError, match=r"bad\.jsonl:2: not valid JSON"):
        read_list(path)
    path.write_text('{"schema": "Person"}\n', encoding="utf-8")
    with pytest.raises(ListFileError, match=r"bad\.jsonl:1: an entity needs 'id'"):
        read_list(path)


def test_entities_added_after_resolve_are_screened(people_case: Case, tmp_path: Path, add_rows: AddStatements,
                                                   write_list: WriteList, list_entities: Entities) -> None:
    resolve_case(people_case)
    add_rows(people_case, [("late-1", "Person", "name", "Zara Quillfeather", "docs")])
    hits = screen_case(people_case, write_list(tmp_path / "l.jsonl", list_entities), thresholds=None)
    assert any(h.entity_id == "late-1" and h.list_entity_id == "sl-3" and h.typology == "pep" for h in hits)


def test_a_list_ingested_into_the_case_never_matches_itself(people_case: Case, tmp_path: Path,
                                                            write_list: WriteList, list_entities: Entities) -> None:
    from moneytrail.ingest import ingest_entities

    path = write_list(tmp_path / "own-list.jsonl", list_entities)
    ingest_entities(people_case, path, source_kind="sanctions_list")
    hits = screen_case(people_case, path)
    listed = {str(e["id"]) for e in list_entities}
    assert not [h for h in hits if h.entity_id in listed]  # the list's own entries are not hits on themselves
    assert ("bank-1", "sl-1") in {(h.entity_id, h.list_entity_id) for h in hits}  # real matches stay
