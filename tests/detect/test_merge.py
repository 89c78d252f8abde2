from __future__ import annotations

from datetime import datetime

from moneytrail.detect.base import TXN_AMOUNTS
from moneytrail.detect.merge import merge_overlapping
from moneytrail.model.finding import Finding, FindingRef


def _finding(title: str, score: float, hub: str, txns: dict[str, float], start: int, end: int) -> Finding:
    refs = [FindingRef("account", hub, "hub")] + [FindingRef("transaction", t, "sender->hub") for t in txns]
    return Finding("typology", "fan-in", title, f"{title}.", score, refs, start=datetime(2022, 9, start),
                   end=datetime(2022, 9, end), amount=sum(txns.values()), currency="USD",
                   details={TXN_AMOUNTS: txns})


def test_same_hub_overlapping_windows_merge_without_double_counting() -> None:
    a = _finding("A", 0.5, "b:h", {"t1": 10.0, "t2": 20.0}, 1, 4)
    b = _finding("B", 0.8, "b:h", {"t2": 20.0, "t3": 5.0}, 3, 6)
    merged = merge_overlapping([a, b])
    assert len(merged) == 1
    m = merged[0]
    assert m.title == "B" and m.score == 0.8 and m.amount == 35.0
    assert m.start == datetime(2022, 9, 1) and m.end == datetime(2022, 9, 6)
    assert {r.ref_id for r in m.refs if r.kind == "transaction"} == {"t1", "t2", "t3"}
    assert "Merged with 1 overlapping finding" in m.explanation and TXN_AMOUNTS not in m.details


def test_same_hub_separate_windows_and_other_hubs_stay_apart() -> None:
    a = _finding("A", 0.5, "b:h", {"t1": 1.0}, 1, 3)
    b = _finding("B", 0.7, "b:h", {"t2": 1.0}, 10, 12)
    c = _finding("C", 0.9, "b:other", {"t3": 1.0}, 1, 3)
    merged = merge_overlapping([a, b, c])
    assert [m.title for m in merged] == ["C", "B", "A"]
