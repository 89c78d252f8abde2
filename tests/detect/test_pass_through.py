from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa

from moneytrail.detect.pass_through import PassThroughDetector
from moneytrail.detect.registry import resolve_params
from moneytrail.model.finding import Finding
from moneytrail.store import Case

T0 = datetime(2022, 9, 1, 8, 0)


def insert(case: Case, rows: list[tuple[str, float, str, str, float]]) -> None:
    """rows: (txn_id, hours after T0, from, to, amount in USD)."""
    table = pa.table({
        "txn_id": [r[0] for r in rows], "ts": [T0 + timedelta(hours=r[1]) for r in rows],
        "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
        "amount": [r[4] for r in rows], "currency": ["USD"] * len(rows), "amount_rc": [r[4] for r in rows],
        "source_id": ["src-test"] * len(rows)})
    case.engine.register_arrow("_rows", table)
    case.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _rows")
    case.engine.unregister("_rows")


def run(case: Case, **overrides: object) -> list[Finding]:
    detector = PassThroughDetector()
    return detector.detect(case, resolve_params(detector, overrides))


def test_rapid_pass_through_fires_with_all_transfers() -> None:
    case = Case.in_memory()
    insert(case, [("i1", 0, "b:S1", "b:M", 5_000), ("o1", 2, "b:M", "b:D1", 4_900),
                  ("i2", 30, "b:S2", "b:M", 7_000), ("o2", 33, "b:M", "b:D2", 6_950),
                  ("x1", 50, "b:S3", "b:Q", 100)])
    findings = run(case)
    assert len(findings) == 1
    f = findings[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {"i1", "o1", "i2", "o2"}
    assert ("b:M", "hub") in {(r.ref_id, r.role) for r in f.refs if r.kind == "account"}
    assert f.amount == 12_000 and "100%" in f.explanation
    assert f.details["mean_hours"] == 2.5


def test_a_days_gap_does_not_fire() -> None:
    case = Case.in_memory()
    insert(case, [("i1", 0, "b:S1", "b:M", 5_000), ("o1", 26, "b:M", "b:D1", 4_900),
                  ("i2", 30, "b:S2", "b:M", 7_000), ("o2", 55, "b:M", "b:D2", 6_950)])
    assert run(case) == []


def test_amount_not_carried_or_small_share_does_not_fire() -> None:
    case = Case.in_memory()
    insert(case, [("i1", 0, "b:S1", "b:M", 5_000), ("o1", 2, "b:M", "b:D1", 1_000),
                  ("i2", 30, "b:S2", "b:M", 7_000), ("o2", 33, "b:M", "b:D2", 6_950)])
    assert run(case) == []  # one pair only
    insert(case, [("i3", 40, "b:S3", "b:M", 50_000)])
    assert run(case, min_pairs=1) == []  # 7,000 of 62,000 received passed through
    assert len(run(case, min_pairs=1, min_share=0.1)) == 1
