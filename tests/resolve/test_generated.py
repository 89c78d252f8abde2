"""The generated case: planted cross-script identities merge, planted namesakes stay apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.resolve.evaluate import evaluate_truth
from moneytrail.resolve.explain import explain_pairs
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.store import Case
from tests.resolve.conftest import AddStatements

generate = pytest.importorskip("moneytrail.generate")
entities_ingest = pytest.importorskip("moneytrail.ingest.entities")


def test_generated_identities_merge_and_confusables_stay_apart(tmp_path: Path) -> None:
    truth = generate.generate_case(tmp_path / "gen", generate.GenerateConfig(transactions=2000, typology_counts={}))
    with Case.create(tmp_path / "case") as case:
        for name, kind in (("registry", "registry"), ("bank_kyc", "bank_record"), ("sanctions", "sanctions_list")):
            entities_ingest.ingest_entities(case, tmp_path / "gen" / "entities" / f"{name}.jsonl", source_kind=kind)
        resolve_case(case)
        score = evaluate_truth(case, truth["identities"], truth["confusables"])
        print(score)
        assert score.confusables >= 3 and score.kept_apart == score.confusables
        assert score.precision == 1.0
        # Every identity merges, the unit named in Russian and English too: its English name's
        # designation ("..., Unit 4417") is the Russian record's alias ("Unit 4417").
        assert score.merged == score.identities and score.recall == 1.0, score.missed


def test_a_unit_known_by_its_designation_merges_and_says_so(case: Case, add_rows: AddStatements) -> None:
    add_rows(case, [("u1", "Organization", "name", "Directorate for Special Programmes, Unit 4417", "kyc"),
                    ("u2", "Organization", "name", "Управление специальных программ (войсковая часть 4417)", "list"),
                    ("u2", "Organization", "alias", "Unit 4417", "list"),
                    ("u3", "Organization", "name", "Directorate for Special Programmes, Unit 5120", "kyc")]
             + [(u, "Organization", "country", "ru", "kyc") for u in ("u1", "u2", "u3")])
    resolve_case(case)
    rows = case.engine.rows("SELECT left_id, right_id, decision, explanation FROM resolve_pairs ORDER BY 1, 2")
    decided = {(a, b): d for a, b, d, _ in rows}
    assert decided[("u1", "u2")] == "match"
    assert decided.get(("u1", "u3"), "distinct") != "match"  # another unit of the same directorate
    signal = explain_pairs(case, [("u1", "u2")])[("u1", "u2")]["signals"][0]
    assert signal["left"] == "Directorate for Special Programmes, Unit 4417"  # the stored name, cited
    assert "compared as unit 4417 ~ unit 4417" in signal["detail"]
