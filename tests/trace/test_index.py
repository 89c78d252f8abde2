"""The trace index is rebuilt when the payments change and reused while they do not."""

from __future__ import annotations

from moneytrail.store import Case
from moneytrail.trace import TraceParams, trace
from moneytrail.trace.index import ensure_index
from tests.trace.conftest import write_payments


def test_index_follows_new_payments(case: Case) -> None:
    write_payments(case, [("t1", 1, "k:A", "k:B", 100.0)])
    assert ensure_index(case) is True
    assert ensure_index(case) is False  # nothing changed: reused
    first = trace(case, TraceParams(source=("k:A",)), store=False)
    assert {s.account for s in first.sinks} == {"k:B"}
    write_payments(case, [("t2", 2, "k:B", "k:C", 100.0)])
    second = trace(case, TraceParams(source=("k:A",)), store=False)
    assert {s.account for s in second.sinks} == {"k:C"}
    assert case.count("trace_edges") == 2
    assert case.engine.scalar("SELECT count(*) FROM trace_accounts") == 3
