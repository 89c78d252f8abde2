"""Hand-computed traces, one per method, over splits, merges, cycles and money that comes too late."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest

from moneytrail.store import Case
from moneytrail.store.findings import finding_refs, list_findings
from moneytrail.trace import Method, TraceError, TraceParams, TraceResult, trace
from tests.trace.conftest import Payment, write_accounts

Build = Callable[[Sequence[Payment]], Case]

# X pays B before the taint arrives; A's 100 splits at B over C and D and merges again at E.
SPLIT_MERGE: list[Payment] = [
    ("x0", 0, "k:X", "k:B", 50), ("t1", 1, "k:A", "k:B", 100), ("t2", 2, "k:B", "k:C", 90),
    ("t3", 3, "k:B", "k:D", 60), ("t4", 4, "k:C", "k:E", 90), ("t5", 5, "k:D", "k:E", 60),
]


def sinks(result: TraceResult) -> dict[str, float]:
    return {s.account: round(s.amount, 6) for s in result.sinks}


def taint(result: TraceResult, txn: str) -> float:
    return round(sum(v for k, v in result.edge_taint.items() if k.split("/")[1] == txn), 6)


def run(case: Case, method: str, **kw: object) -> TraceResult:
    return trace(case, TraceParams(source=("k:A",), method=Method(method), **kw), store=False)  # type: ignore[arg-type]


def test_fifo_split_and_merge(payments: Build) -> None:
    case = payments(SPLIT_MERGE)
    r = run(case, "fifo")
    # B holds X's 50 first, so the 90 to C is 50 clean + 40 tainted; the 60 to D is all tainted.
    assert taint(r, "t2") == 40 and taint(r, "t3") == 60
    assert taint(r, "t4") == 40 and taint(r, "t5") == 60
    assert sinks(r) == {"k:E": 100}
    assert r.source_outflow == 100 and r.arrived == pytest.approx(100)
    paths = {tuple(h.txn_id for h in f.hops): round(f.amount, 6) for f in r.flows}
    assert paths == {("t1", "t2", "t4"): 40, ("t1", "t3", "t5"): 60}
    assert r.hop_counts == {3: pytest.approx(100)}
    assert [i.account for i in r.intermediaries][:1] == ["k:B"]


def test_proportional_split_and_merge(payments: Build) -> None:
    case = payments(SPLIT_MERGE)
    r = run(case, "proportional")
    # B: 100 tainted of 150 -> the 90 carries 60; then 40 of the remaining 60 -> the 60 carries 40.
    assert taint(r, "t2") == 60 and taint(r, "t3") == 40
    assert sinks(r) == {"k:E": 100}
    paths = {tuple(h.txn_id for h in f.hops): round(f.amount, 6) for f in r.flows}
    assert paths == {("t1", "t2", "t4"): 60, ("t1", "t3", "t5"): 40}


def test_poison_split_and_merge(payments: Build) -> None:
    case = payments(SPLIT_MERGE)
    r = run(case, "poison")
    # Once an account holds taint every payment it makes is tainted in full, and it stays tainted:
    # poison multiplies money, so each account touched still counts what it received.
    assert [taint(r, t) for t in ("t2", "t3", "t4", "t5")] == [90, 60, 90, 60]
    assert sinks(r) == {"k:E": 150, "k:B": 100, "k:C": 90, "k:D": 60}
    assert taint(r, "x0") == 0


@pytest.mark.parametrize("method", ["fifo", "proportional", "poison"])
def test_money_that_arrives_too_late_is_not_traced_through(payments: Build, method: str) -> None:
    case = payments([
        ("t1", 10, "k:A", "k:B", 100),
        ("t0", 5, "k:B", "k:C", 100),  # sent before the taint arrived
        ("t2", 10, "k:B", "k:D", 30),  # sent at the very moment it arrived
        ("t3", 10 + 24 * 40, "k:B", "k:E", 70),  # sent after the 30-day gap
    ])
    r = run(case, method)
    assert [taint(r, t) for t in ("t0", "t2", "t3")] == [0, 0, 0]
    assert sinks(r) == {"k:B": 100}
    # With a longer gap the late payment is followed.
    longer = run(case, method, max_gap=timedelta(days=60))
    assert taint(longer, "t3") == 70


@pytest.mark.parametrize("method", ["fifo", "proportional"])
def test_cycle_is_followed_through_and_bounded_by_hops(payments: Build, method: str) -> None:
    case = payments([
        ("t1", 1, "k:A", "k:B", 100), ("t2", 2, "k:B", "k:C", 100), ("t3", 3, "k:C", "k:B", 100),
        ("t4", 4, "k:B", "k:D", 100), ("t5", 5, "k:D", "k:A", 50),
    ])
    r = run(case, method)
    # Half comes back to its origin: that is not "arrived"; D keeps the rest after four hops.
    assert sinks(r) == {"k:D": 50}
    assert r.hop_counts == {4: pytest.approx(50)}
    assert [h.txn_id for h in r.flows[0].hops] == ["t1", "t2", "t3", "t4"]
    short = run(case, method, max_hops=3)
    assert sinks(short) == {"k:B": 100} and taint(short, "t4") == 0


def test_poison_cycle_taints_every_payment(payments: Build) -> None:
    case = payments([
        ("t1", 1, "k:A", "k:B", 100), ("t2", 2, "k:B", "k:C", 100), ("t3", 3, "k:C", "k:B", 100),
        ("t4", 4, "k:B", "k:D", 100),
    ])
    r = run(case, "poison")
    assert [taint(r, t) for t in ("t1", "t2", "t3", "t4")] == [100] * 4


@pytest.mark.parametrize("method", ["fifo", "proportional"])
def test_backward_finds_where_the_money_came_from(payments: Build, method: str) -> None:
    case = payments(SPLIT_MERGE)
    r = trace(case, TraceParams(source=("k:E",), backward=True, method=Method(method)), store=False)
    # E received 150; replayed backwards through B, 100 of it came from A and 50 from X.
    assert sinks(r) == {"k:A": 100, "k:X": 50}
    for flow in r.flows:
        assert flow.hops[-1].to_account == "k:E"
        assert flow.hops[0].from_account in {"k:A", "k:X"}
        assert all(a.ts < b.ts for a, b in zip(flow.hops, flow.hops[1:], strict=False))


def test_opening_balance_supplied_dilutes_taint(payments: Build) -> None:
    case = payments([("t1", 1, "k:A", "k:B", 100), ("t2", 2, "k:B", "k:C", 100)])
    assert taint(run(case, "proportional"), "t2") == 100
    diluted = run(case, "proportional", opening_balances={"k:B": 300})
    assert taint(diluted, "t2") == 25  # 100 tainted of 400
    assert taint(run(case, "fifo", opening_balances={"k:B": 300}), "t2") == 0  # the old 300 leaves first


def test_window_and_min_amount_prune(payments: Build) -> None:
    case = payments([("t1", 1, "k:A", "k:B", 100), ("t2", 2, "k:B", "k:C", 5), ("t3", 3, "k:B", "k:D", 95)])
    r = run(case, "fifo", min_amount=10)
    assert sinks(r) == {"k:C": 5, "k:D": 95}  # the small payment is tainted but not followed
    p = TraceParams(source=("k:A",), window_start=case_time(2), window_end=case_time(10))
    with_window = trace(case, p, store=False)
    assert with_window.source_outflow == 0 and with_window.flows == []


def case_time(hours: float):  # type: ignore[no-untyped-def]
    from tests.trace.conftest import T0
    return T0 + timedelta(hours=hours)


def test_entities_targets_routes_grades_and_finding(payments: Build) -> None:
    case = payments([
        ("t1", 1, "bk:A", "bk:B", 100), ("t2", 2, "bk:B", "hw:C", 100),
        ("t3", 3, "hw:C", "bk:D", 80, "report"), ("t4", 0.5, "bk:B", "bk:Q", 0.5),
    ])
    write_accounts(case, [("bk:A", "ent-sponsor", "AE"), ("bk:B", "ent-front", "CY"), ("hw:C", "ent-broker", None),
                          ("hw:Z", None, "TR"), ("bk:D", "ent-cell", "SO")])
    r = trace(case, TraceParams(source=("ent-sponsor",), target=("ent-cell",), method=Method.FIFO))
    assert r.seeds == ["bk:A"] and r.targets == ["bk:D"]
    assert sinks(r) == {"bk:D": 80}
    flow = r.flows[0]
    assert flow.countries == ("AE", "CY", "TR", "SO")  # the broker's country comes from its bank
    assert str(flow.confidence) == "C3"  # the reported leg is the weakest link
    assert [str(h.grade) for h in flow.hops] == ["B2", "B2", "C3"]
    stored = list_findings(case, kind="trace")
    assert len(stored) == 1 and stored[0]["finding_id"] == r.finding_id
    details = json.loads(stored[0]["details"])
    assert details["routes"][0] == {"countries": ["AE", "CY", "TR", "SO"], "amount": 80.0, "flows": 1}
    edges = {(e["source"], e["target"]): e["amount"] for e in details["sankey"]}
    assert edges[("ent-sponsor", "ent-front")] == 100 and edges[("ent-broker", "ent-cell")] == 80
    refs = {(x["ref_kind"], x["ref_id"]) for x in finding_refs(case, r.finding_id or "")}
    assert {("transaction", "t1"), ("transaction", "t3"), ("source", "report"), ("source", "bank"),
            ("account", "bk:D")} <= refs
    params = json.loads(stored[0]["params"])
    assert params["to"] == ["ent-cell"] and params["method"] == "fifo"
    assert stored[0]["data_version"] == case.data_version()


def test_unknown_account_is_named(payments: Build) -> None:
    case = payments(SPLIT_MERGE)
    with pytest.raises(TraceError, match="k:NOPE"):
        trace(case, TraceParams(source=("k:NOPE",)))
