from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from moneytrail.evidence.claims import ClaimRow, list_claims, set_claim_status, store_claims
from moneytrail.evidence.confidence import claim_confidence
from moneytrail.evidence.corroboration import all_corroborations, claim_corroboration, combine_origins
from moneytrail.model.admiralty import Grade, Wording
from moneytrail.store import Case
from moneytrail.store.sources import SourceRecord, add_citation, upsert_source


def _claim(source_id: str, status: str = "asserted") -> ClaimRow:
    return ClaimRow("Zephyrine Trading LLC", "financed", "Vostok Amber Group", source_id, status=status,
                    subject_entity_id="e-zeph", object_entity_id="e-vostok",
                    start_pos=0 if status == "extracted" else None)


def _world(case: Case) -> None:
    for sid, g in {"A": "B2", "B": "B2", "C": "C3", "E": "B3"}.items():
        upsert_source(case, SourceRecord(sid, "media", sid, Grade.parse(g)))
    add_citation(case, "C", "A")  # C re-reports A


def test_rereport_counts_once(case: Case) -> None:
    _world(case)
    store_claims(case, [_claim("A"), _claim("C")])
    corr = claim_corroboration(case, list_claims(case)[0]["claim_id"])
    assert corr.reporting_sources == ("A", "C")
    assert corr.independent_origins == 1
    assert [o.origin_source_id for o in corr.origins] == ["A"]
    assert corr.origins[0].via == ("A", "C")
    assert str(corr.grade) == "B2" and corr.wording == Wording.PROBABLE


def test_independent_origins_raise_standing(case: Case) -> None:
    _world(case)
    upsert_source(case, SourceRecord("A", "media", "A", Grade.parse("B3")))
    store_claims(case, [_claim("A"), _claim("C")])
    assert str(claim_corroboration(case, list_claims(case)[0]["claim_id"]).grade) == "B3"  # one origin: as is
    store_claims(case, [_claim("B")])
    corr = all_corroborations(case)[0]
    assert corr.independent_origins == 2 and str(corr.grade) == "B2"  # two independent B origins: probable
    store_claims(case, [_claim("E")])
    corr = all_corroborations(case)[0]
    assert corr.independent_origins == 3 and str(corr.grade) == "B1" and corr.wording == Wording.CONFIRMED


def test_extracted_counts_only_when_confirmed(case: Case) -> None:
    _world(case)
    store_claims(case, [_claim("A"), _claim("B", status="extracted")])
    extracted = list_claims(case, status="extracted")[0]["claim_id"]
    assert claim_corroboration(case, extracted).independent_origins == 1
    assert str(claim_confidence(case, extracted)) == "B2"  # not vouched for: its own grade
    set_claim_status(case, extracted, "confirmed")
    assert claim_corroboration(case, extracted).independent_origins == 2


def test_combine_rules() -> None:
    g = Grade.parse
    assert combine_origins([]) is None
    assert str(combine_origins([g("C3"), g("C3")])) == "C3"
    assert str(combine_origins([g("A2"), g("B3")])) == "A1"
    assert str(combine_origins([g("B3"), g("C4")])) == "B2"
    assert str(combine_origins([g("E5"), g("E5"), g("E5")])) == "E5"


_GRADES = st.builds(Grade, st.sampled_from("ABCDEF"), st.integers(1, 6))


@given(st.lists(_GRADES, min_size=1, max_size=6), _GRADES)
def test_another_independent_origin_never_lowers_standing(grades: list[Grade], extra: Grade) -> None:
    before = combine_origins(grades)
    after = combine_origins([*grades, extra])
    assert before is not None and after is not None
    assert after.strength >= before.strength
