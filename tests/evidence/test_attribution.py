from __future__ import annotations

from moneytrail.evidence.attribution import attribution_chains, compute_origins, origins, rebuild_origins
from moneytrail.model.admiralty import Grade
from moneytrail.store import Case
from moneytrail.store.sources import SourceRecord, add_citation, upsert_source


def _sources(case: Case, grades: dict[str, str]) -> None:
    for sid, g in grades.items():
        upsert_source(case, SourceRecord(sid, "media", sid, Grade.parse(g)))


def test_outlet_citing_two_originals(case: Case) -> None:
    _sources(case, {"A": "B2", "B": "A2", "C": "C3", "D": "D4"})
    add_citation(case, "C", "A")
    add_citation(case, "C", "B")
    add_citation(case, "D", "C")
    assert [(o.origin_source_id, o.depth, str(o.chain_grade)) for o in origins(case, "C")] == [
        ("A", 1, "C3"), ("B", 1, "C3")]
    assert [(o.origin_source_id, o.depth, str(o.chain_grade)) for o in origins(case, "D")] == [
        ("A", 2, "D4"), ("B", 2, "D4")]
    assert attribution_chains(case, "D") == [["D", "C", "A"], ["D", "C", "B"]]
    assert [(o.origin_source_id, o.depth) for o in origins(case, "A")] == [("A", 0)]
    assert rebuild_origins(case) == 6
    assert case.engine.rows("SELECT origin_source_id FROM source_origins WHERE source_id = 'D' ORDER BY 1") == [
        ("A",), ("B",)]


def test_cycles_end() -> None:
    grades = {"X": Grade("B", 2), "Y": Grade("C", 3)}
    found = compute_origins({"X": ["Y"], "Y": ["X"]}, grades, "X")
    assert [(o.origin_source_id, o.depth) for o in found] == [("Y", 1)]
