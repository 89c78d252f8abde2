from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa

from moneytrail.detect.random_chain import RandomChainDetector
from moneytrail.detect.registry import resolve_params
from moneytrail.model.finding import Finding
from moneytrail.store import Case

T0 = datetime(2022, 9, 1, 8, 0)


def insert(case: Case, rows: list[tuple[str, float, str, str, float]]) -> None:
    table = pa.table({
        "txn_id": [r[0] for r in rows], "ts": [T0 + timedelta(hours=r[1]) for r in rows],
        "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
        "amount": [r[4] for r in rows], "currency": ["USD"] * len(rows), "amount_rc": [r[4] for r in rows],
        "source_id": ["src-test"] * len(rows)})
    case.engine.register_arrow("_rows", table)
    case.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _rows")
    case.engine.unregister("_rows")


def run(case: Case, **overrides: object) -> list[Finding]:
    detector = RandomChainDetector()
    return detector.detect(case, resolve_params(detector, overrides))


CHAIN = [("h1", 0, "b:A", "b:B", 20_000), ("h2", 6, "b:B", "b:C", 19_500), ("h3", 30, "b:C", "b:D", 19_000),
         ("h4", 31, "b:D", "b:E", 18_800)]


def test_whole_chain_once_not_its_tails() -> None:
    case = Case.in_memory()
    insert(case, CHAIN)
    findings = run(case)
    assert len(findings) == 1  # the 3-hop tail h2-h4 is not reported separately
    f = findings[0]
    assert [r.ref_id for r in f.refs if r.kind == "transaction"] == ["h1", "h2", "h3", "h4"]
    roles = {r.ref_id: r.role for r in f.refs if r.kind == "account"}
    assert roles == {"b:A": "origin", "b:B": "intermediary", "b:C": "intermediary", "b:D": "intermediary",
                     "b:E": "end"}
    assert f.details["hop_count"] == 4


def test_out_of_order_hop_breaks_the_chain() -> None:
    case = Case.in_memory()
    insert(case, [("h1", 0, "b:A", "b:B", 20_000), ("h2", 40, "b:B", "b:C", 19_500),
                  ("h3", 30, "b:C", "b:D", 19_000), ("h4", 50, "b:D", "b:E", 18_800)])
    assert run(case) == []


def test_a_chain_that_returns_is_not_random() -> None:
    case = Case.in_memory()
    insert(case, [("h1", 0, "b:A", "b:B", 20_000), ("h2", 6, "b:B", "b:C", 19_500), ("h3", 30, "b:C", "b:A", 19_000)])
    assert run(case) == []


def test_shrinking_amounts_do_not_fire() -> None:
    case = Case.in_memory()
    insert(case, [("h1", 0, "b:A", "b:B", 20_000), ("h2", 6, "b:B", "b:C", 9_000), ("h3", 30, "b:C", "b:D", 4_000)])
    assert run(case) == []


def test_cached_search_is_shared_and_refreshed_when_rows_change() -> None:
    from moneytrail.detect.cycle import CycleDetector

    case = Case.in_memory()
    insert(case, CHAIN[:2])
    cycle = CycleDetector()
    assert cycle.detect(case, resolve_params(cycle, {})) == []
    assert run(case) == []  # two hops: below min_hops, from the search the cycle detector cached
    insert(case, CHAIN[2:])
    assert len(run(case)) == 1  # new rows change the fingerprint, so the search runs again
