"""Trace amounts by every method on each engine: the hand-computed taint of tests/trace's split-and-merge case,
with the trace stored as a finding (a write through the writer API) and read back."""

from __future__ import annotations

import pytest

from moneytrail.store import Case
from moneytrail.store.findings import list_findings
from moneytrail.trace import Method, TraceParams, TraceResult, trace
from tests.parity.conftest import NewCase
from tests.trace.conftest import write_payments
from tests.trace.test_run import SPLIT_MERGE

# txn -> tainted amount, and account -> amount arrived, by method (worked out in tests/trace/test_run.py).
EXPECTED = {
    "fifo": ({"t2": 40, "t3": 60, "t4": 40, "t5": 60, "x0": 0}, {"k:E": 100}),
    "proportional": ({"t2": 60, "t3": 40, "t4": 60, "t5": 40, "x0": 0}, {"k:E": 100}),
    "poison": ({"t2": 90, "t3": 60, "t4": 90, "t5": 60, "x0": 0}, {"k:E": 150, "k:B": 100, "k:C": 90, "k:D": 60}),
}
_CASES: dict[str, Case] = {}


def taint(result: TraceResult, txn: str) -> float:
    return round(sum(v for k, v in result.edge_taint.items() if k.split("/")[1] == txn), 6)


def split_merge_case(engine: str, new_case: NewCase) -> Case:
    if engine not in _CASES:  # one case per engine: the three methods' traces are three results beside each other
        _CASES[engine] = new_case()
        write_payments(_CASES[engine], SPLIT_MERGE)
    return _CASES[engine]


@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_trace_amounts_by_method(engine: str, method: str, tmp_path_factory: pytest.TempPathFactory,
                                 request: pytest.FixtureRequest) -> None:
    from tests.parity.conftest import case_factory

    case = split_merge_case(engine, case_factory(request, engine, tmp_path_factory.mktemp(f"trace-{engine}")))
    result = trace(case, TraceParams(source=("k:A",), method=Method(method)))
    edges, sinks = EXPECTED[method]
    assert {t: taint(result, t) for t in edges} == edges
    assert {s.account: round(s.amount, 6) for s in result.sinks} == sinks
    stored = [f for f in list_findings(case, kind="trace") if f["params"] and method in str(f["params"])]
    assert len(stored) == 1, f"one stored trace for {method}, got {len(stored)}"
    trace(case, TraceParams(source=("k:A",), method=Method(method)))  # the same trace again replaces it
    assert len([f for f in list_findings(case, kind="trace") if f["params"] and method in str(f["params"])]) == 1
