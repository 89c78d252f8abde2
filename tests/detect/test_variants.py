"""The weaker variants' grade: their findings cite the variants' method source, so the store grades them
below the strict rules' findings on the same transactions, and an analyst can re-grade them all at once."""

from __future__ import annotations

from moneytrail.detect.evaluate import VARIANT_SUFFIXES
from moneytrail.detect.registry import detectors
from moneytrail.detect.run import run_detectors
from moneytrail.detect.variants import METHOD_SOURCE_ID
from moneytrail.evidence.grades import set_source_grade
from moneytrail.model.admiralty import Grade
from moneytrail.store import Case
from moneytrail.store.sources import SourceRecord, source_grade, upsert_source
from tests.detect.graphs import case_with

# A ring in time order whose amounts carry on within 25%: both cycle and cycle-structural find it.
RING = [("r1", 0, "b:A", "b:B", 100.0), ("r2", 2, "b:B", "b:C", 95.0), ("r3", 4, "b:C", "b:A", 90.0),
        ("n1", 1, "b:D", "b:E", 500.0), ("n2", 2, "b:E", "b:F", 80.0)]


def grades(case: Case) -> dict[str, tuple[str, int, str]]:
    rows = case.engine.rows(
        "SELECT typology, reliability, credibility, wording FROM findings WHERE kind = 'typology'")
    return {str(t): (str(r), int(c), str(w)) for t, r, c, w in rows}


def test_a_variant_finding_is_graded_below_the_strict_rules_finding_on_the_same_ring() -> None:
    case = case_with(RING)
    upsert_source(case, SourceRecord("src:test", "bank_record", "a bank's export"))  # B2 by default
    run_detectors(case, ["cycle", "cycle-structural"])
    got = grades(case)
    assert got["cycle"] == ("B", 2, "probable")
    assert got["cycle-structural"] == ("B", 3, "possible")
    cited = case.engine.rows("SELECT r.ref_id, r.role FROM finding_refs r JOIN findings f ON f.finding_id = "
                             "r.finding_id WHERE f.typology = 'cycle-structural' AND r.role = 'method'")
    assert cited == [(METHOD_SOURCE_ID, "method")]
    # Never stronger than the data: over C4 records the variant is C4 too, as the strict rule is.
    upsert_source(case, SourceRecord("src:test", "bank_record", "a bank's export", grade=Grade("C", 4)))
    run_detectors(case, ["cycle", "cycle-structural"])
    assert grades(case)["cycle-structural"][:2] == ("C", 4) == grades(case)["cycle"][:2]


def test_an_analysts_grade_of_the_method_reaches_every_variant_finding_and_survives_a_rerun() -> None:
    case = case_with(RING)
    upsert_source(case, SourceRecord("src:test", "bank_record", "a bank's export"))
    run_detectors(case, ["cycle-structural"])
    set_source_grade(case, METHOD_SOURCE_ID, Grade("A", 2))
    assert grades(case)["cycle-structural"][:2] == ("B", 2)
    run_detectors(case, ["cycle-structural"])
    assert source_grade(case, METHOD_SOURCE_ID) == Grade("A", 2)
    assert grades(case)["cycle-structural"][:2] == ("B", 2)


def test_every_variant_and_only_the_variants_cite_the_method_when_run() -> None:
    # TYPOLOGY-SUFFIX detectors (cycle-structural, fan-in-long, bipartite-busy, ...) are the weaker variants.
    variants = {t for t in detectors() if t.rsplit("-", 1)[-1] in VARIANT_SUFFIXES}
    assert {t for t, d in detectors().items() if getattr(d, "weaker_variant", False)} == variants
    assert len(variants) == 8
    case = case_with(RING)
    found = run_detectors(case, ["cycle", "cycle-structural"], store=False)
    cites = {f.typology: any(r.ref_id == METHOD_SOURCE_ID and r.role == "method" for r in f.refs) for f in found}
    assert cites == {"cycle": False, "cycle-structural": True}
