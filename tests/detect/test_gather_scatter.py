from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from tests.detect.graphs import Insert, background

GATHER = [(f"gi{i}", 100 + i * 7, f"b:gmule{i}", "b:ghub", 2000.0 + i) for i in range(5)]
SCATTER = [(f"go{i}", 150 + i * 9, "b:ghub", f"b:gout{i}", 1900.0 + i) for i in range(4)]


def test_gather_then_scatter_fires_with_both_halves(case: Case, insert: Insert) -> None:
    insert(background() + GATHER + SCATTER)
    found = run_detectors(case, ["gather-scatter"])
    assert len(found) == 1
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {t[0] for t in GATHER + SCATTER}
    assert "5 distinct senders paid 10,010 USD into account b:ghub" in f.explanation
    assert "then paid 7,606 USD out to 4 accounts" in f.explanation


def test_gather_without_scatter_does_not_fire(case: Case, insert: Insert) -> None:
    insert(background() + GATHER)
    assert run_detectors(case, ["gather-scatter"]) == []


def test_scatter_long_after_the_gather_does_not_fire(case: Case, insert: Insert) -> None:
    late = [(f"go{i}", 150 + 24 * 14 + i * 9, "b:ghub", f"b:gout{i}", 1900.0 + i) for i in range(4)]
    insert(background(days=30) + GATHER + late)
    assert run_detectors(case, ["gather-scatter"]) == []
