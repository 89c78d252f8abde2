"""Attempts entangled with attempts of other typologies: same account, same role, within a day."""

from __future__ import annotations

import pyarrow as pa

from moneytrail.detect.attempt_entangled import entangled_recall
from moneytrail.detect.truth import load_truth_tables
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store.findings import write_findings
from tests.casebuild import stamp_of
from tests.detect.graphs import at, case_with

ROWS = [
    # fan-out fo from H, and a gather-scatter gs whose scatter payment leaves H an hour later: H sends in both.
    ("fo1", 0, "b:H", "b:X1", 10.0), ("fo2", 1, "b:H", "b:X2", 10.0),
    ("gs1", 2, "b:H", "b:X3", 10.0), ("gs2", 30, "b:Y", "b:H", 10.0),  # gs2: H receives; fo has H send only
    # fan-in fi: clear. fan-in fj: its receiver T also receives a cycle payment, but four days later.
    ("fi1", 0, "b:A1", "b:C", 10.0), ("fi2", 1, "b:A2", "b:C", 10.0),
    ("fj1", 100, "b:S", "b:T", 10.0), ("cy1", 200, "b:U", "b:T", 10.0), ("cy2", 201, "b:T", "b:U", 10.0),
]
TRUTH = pa.table({"attempt_id": ["fo", "fo", "gs", "gs", "fi", "fi", "fj", "cy", "cy"],
                  "typology": ["fan-out", "fan-out", "gather-scatter", "gather-scatter", "fan-in", "fan-in", "fan-in",
                               "cycle", "cycle"],
                  "txn_id": ["fo1", "fo2", "gs1", "gs2", "fi1", "fi2", "fj1", "cy1", "cy2"]})


def learned(typology: str, txns: list[str]) -> Finding:
    return Finding(kind="learn", typology=typology, title=typology, explanation="x", score=0.9,
                   refs=[FindingRef("transaction", t) for t in txns])


def test_entangled_attempts_and_recall_on_clear_and_entangled_apart() -> None:
    case = case_with(ROWS)
    # The learner names fi and fj right, fo wrong (as the gather-scatter beside it), gs right.
    write_findings(case, [learned("fan-in", ["fi1", "fi2", "fj1"]), learned("gather-scatter", ["fo1", "fo2", "gs1"])],
                   stamp_of("learned"))
    with case.engine.run():
        load_truth_tables(case, txn=TRUTH)
        got = entangled_recall(case)
        # fo: both payments share sender H with gs1 within a day; gs: gs1 does (1 of 2: half); fi, fj, cy: clear.
        assert got == {
            "cycle": {"attempts": 1, "entangled": 0, "found_clear": 0, "found_entangled": 0},
            "fan-in": {"attempts": 2, "entangled": 0, "found_clear": 2, "found_entangled": 0},
            "fan-out": {"attempts": 1, "entangled": 1, "found_clear": 0, "found_entangled": 0},
            "gather-scatter": {"attempts": 1, "entangled": 1, "found_clear": 0, "found_entangled": 1}}
        # Within a window from hour 2: fo drops out, gs keeps gs1 (entangled through fo, outside the window).
        window = entangled_recall(case, (at(2), None))
        assert "fan-out" not in window and window["gather-scatter"]["entangled"] == 1
        # With a window of 0.5 h nothing is near enough.
        assert all(r["entangled"] == 0 for r in entangled_recall(case, hours=0.5).values())
