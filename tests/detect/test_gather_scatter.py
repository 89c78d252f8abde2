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


# The hub also pays two fresh receivers every day, so its scatter is only mildly unusual for it.
FRESH_OUT = [(f"ro{d}-{k}", d * 24 + 5 + k, "b:ghub", f"b:fresh{d}-{k}", 500.0) for d in range(20) for k in range(2)]
# ... and is paid by a fresh sender every day, so its gather is no longer strongly unusual either.
FRESH_IN = [(f"ri{d}", d * 24 + 3, f"b:payer{d}", "b:ghub", 500.0) for d in range(20)]


def test_an_unusual_gather_with_a_mild_scatter_fires(case: Case, insert: Insert) -> None:
    insert(background() + GATHER + SCATTER + FRESH_OUT)
    (f,) = run_detectors(case, ["gather-scatter"])
    m = f.details["metrics"]
    assert m["z_in"] >= 2.0 and 0.5 <= m["z_out"] < 1.5
    assert {t[0] for t in GATHER + SCATTER} <= {r.ref_id for r in f.refs if r.kind == "transaction"}
    assert "the gather was the more unusual half" in f.explanation
    # Requiring both halves at 1.5, as before, loses it.
    assert run_detectors(case, ["gather-scatter"], {"gather-scatter": {"min_z_other": 1.5}}) == []


def test_two_mild_halves_do_not_fire(case: Case, insert: Insert) -> None:
    insert(background() + GATHER + SCATTER + FRESH_OUT + FRESH_IN)
    assert run_detectors(case, ["gather-scatter"]) == []
    (f,) = run_detectors(case, ["gather-scatter"], {"gather-scatter": {"min_z": 1.0}})
    assert max(f.details["metrics"]["z_in"], f.details["metrics"]["z_out"]) < 2.0


def test_a_scatter_that_ends_before_the_gather_does_not_fire(case: Case, insert: Insert) -> None:
    # Near miss: the hub pays out on days 4-6 while still being paid on days 4-8; money cannot leave
    # before it arrives, whatever the thresholds.
    gather = [(f"gi{i}", 100 + i * 25, f"b:gmule{i}", "b:ghub", 2000.0 + i) for i in range(5)]
    scatter = [(f"go{i}", 90 + i * 15, "b:ghub", f"b:gout{i}", 1900.0 + i) for i in range(4)]
    insert(background() + gather + scatter)
    assert run_detectors(case, ["gather-scatter"], {"gather-scatter": {"min_z": -100.0, "min_z_other": -100.0}}) == []
