"""The generated case: planted cross-script identities merge, planted namesakes stay apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.resolve.evaluate import evaluate_truth
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.store import Case

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
