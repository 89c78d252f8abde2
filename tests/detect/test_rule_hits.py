"""Rule hits per payment as typology inputs: hand-placed findings, hand-counted hits."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from moneytrail.detect.rule_hits import base_typology, hit_matrix, rule_typologies
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store.findings import write_findings
from tests.casebuild import stamp_of
from tests.detect.graphs import case_with


def _finding(typology: str, txns: list[str], kind: str = "typology") -> Finding:
    return Finding(kind=kind, typology=typology, title=f"{typology} {txns}", explanation="x", score=0.5,
                   refs=[FindingRef("transaction", t) for t in txns] + [FindingRef("account", "A")])


def test_hits_count_findings_of_each_typology_and_its_variants() -> None:
    case = case_with([(f"t{i}", i, "A", f"B{i}", 100) for i in range(5)])
    write_findings(case, [_finding("fan-out", ["t0", "t1", "t2"]), _finding("fan-out-long", ["t1", "t3"]),
                          _finding("cycle-structural", ["t2"])], stamp_of("rules"))
    write_findings(case, [_finding("fan-in", ["t4"], kind="learn")], stamp_of("learner"))  # not a rule
    assert rule_typologies(case) == ["cycle", "fan-out"]
    m = hit_matrix(case, pa.array(["t3", "t1", "t4", "t2", "t9"]), ["cycle", "fan-in", "fan-out"])
    assert m.tolist() == [[0, 0, 1], [0, 0, 2], [0, 0, 0], [1, 0, 1], [0, 0, 0]]
    assert hit_matrix(case, pa.array(["t1"]), []).shape == (1, 0)
    assert np.all(hit_matrix(case, pa.array([], pa.string()), ["cycle"]) == 0)


def test_base_typology() -> None:
    assert [base_typology(t) for t in ("fan-in-long", "bipartite-busy", "scatter-gather", "cycle")] == \
        ["fan-in", "bipartite", "scatter-gather", "cycle"]
