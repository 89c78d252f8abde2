"""Property tests of the ledgers: conservation, time order, and poison >= proportional on every edge."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moneytrail.store import Case
from moneytrail.trace import Method, TraceParams, TraceResult, trace
from moneytrail.trace.ledger import LedgerInput, allocate
from tests.trace.conftest import Payment, write_payments

ACCOUNTS = [f"p:{c}" for c in "ABCDEF"]
SEED = "p:A"

payment_lists = st.lists(
    st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(ACCOUNTS), st.integers(0, 60),
              st.integers(1, 500)).filter(lambda p: p[0] != p[1]),
    min_size=1, max_size=30)


def _case(rows: list[tuple[str, str, int, int]]) -> tuple[Case, list[Payment]]:
    case = Case.in_memory()
    # The seed always pays out at least once, so the trace has somewhere to start.
    payments: list[Payment] = [("s0", 0.0, SEED, "p:B", 100.0)]
    payments += [(f"t{i}", float(h), a, b, float(x)) for i, (a, b, h, x) in enumerate(rows)]
    write_payments(case, payments)
    return case, payments


def _taint_by_txn(result: TraceResult) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for key, value in result.edge_taint.items():
        out[key.split("/")[1]] += value
    return out


def _run(case: Case, method: Method, hops: int, gap_hours: int) -> TraceResult:
    return trace(case, TraceParams(source=(SEED,), method=method, max_hops=hops,
                                   max_gap=timedelta(hours=gap_hours), max_paths=1000), store=False)


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(payment_lists, st.sampled_from([Method.FIFO, Method.PROPORTIONAL]), st.integers(1, 5), st.integers(1, 40))
def test_conserving_methods_never_pass_on_more_than_received(
        rows: list[tuple[str, str, int, int]], method: Method, hops: int, gap: int) -> None:
    case, payments = _case(rows)
    r = _run(case, method, hops, gap)
    taint = _taint_by_txn(r)
    # At every account but the seed, at every moment, taint paid out so far <= taint received before.
    for account in ACCOUNTS[1:]:
        for _, hour, sender, _, _ in payments:
            if sender != account:
                continue
            out = sum(taint[p[0]] for p in payments if p[2] == account and p[1] <= hour)
            got = sum(taint[p[0]] for p in payments if p[3] == account and p[1] < hour)
            assert out <= got + 1e-6
    # Each payment carries at most its amount; what arrives never exceeds what left the seed.
    for txn, _, _, _, amount in payments:
        assert taint[txn] <= amount + 1e-6
    seed_out = sum(p[4] for p in payments if p[2] == SEED)
    assert abs(r.source_outflow - seed_out) < 1e-6
    assert r.arrived <= r.source_outflow + 1e-6
    assert abs(sum(s.amount for s in r.sinks) - r.arrived) < 1e-6 * max(1.0, r.arrived)
    # The listed flows never claim more than arrived.
    assert r.flows_total <= r.arrived + 1e-6
    case.close()


@SETTINGS
@given(payment_lists, st.integers(1, 5), st.integers(1, 40))
def test_hops_in_time_order_and_poison_dominates_proportional(
        rows: list[tuple[str, str, int, int]], hops: int, gap: int) -> None:
    case, _ = _case(rows)
    results = {m: _run(case, m, hops, gap) for m in Method}
    for result in results.values():
        for flow in result.flows:
            assert len(flow.hops) <= hops
            assert flow.hops[0].from_account == SEED
            for a, b in zip(flow.hops, flow.hops[1:], strict=False):
                assert a.to_account == b.from_account
                assert a.ts < b.ts <= a.ts + timedelta(hours=gap)
    poison, proportional = _taint_by_txn(results[Method.POISON]), _taint_by_txn(results[Method.PROPORTIONAL])
    for txn, value in proportional.items():
        assert poison.get(txn, 0.0) >= value - 1e-6
    case.close()


def test_allocate_directly_keeps_every_unit_accounted_for() -> None:
    # B receives 100 tainted on top of 50 clean, pays 120 to C, which pays 120 on to D.
    data = LedgerInput(src=["A", "B", "C"], dst=["B", "C", "D"], t=[1, 2, 3], amount=[100.0, 120.0, 120.0],
                       seeds=frozenset({"A"}), targets=frozenset(), ranges={"B": (1, 10), "C": (2, 10)},
                       start_balance={"B": 50.0, "C": 0.0})
    fifo = allocate(data, Method.FIFO, gap=100, max_hops=5, min_taint=0.0)
    assert [round(a, 6) for a in fifo.amount] == [100.0, 70.0, 70.0]  # 50 clean leave first
    assert round(sum(fifo.retained), 6) == 100.0
    prop = allocate(data, Method.PROPORTIONAL, gap=100, max_hops=5, min_taint=0.0)
    assert [round(a, 6) for a in prop.amount] == [100.0, 80.0, 80.0]  # 120 x 100/150
    assert round(sum(prop.retained), 6) == 100.0
    assert prop.parents[2] == [(1, prop.amount[1])]


