"""The frontier SQL stays portable and prunes by time and taint, not only by hop count."""

from __future__ import annotations

from datetime import timedelta

from moneytrail.trace import Method, TraceParams, trace
from moneytrail.trace.frontier import (
    TraceTables,
    events_sql,
    first_hop_sql,
    frontier_sql,
    ledger_span_sql,
    next_hop_sql,
    opening_sql,
    window_sql,
)
from tests.trace.conftest import T0, write_payments


def test_sql_avoids_engine_specific_constructs() -> None:
    for backward in (False, True):
        p = TraceParams(source=("k:A",), backward=backward, window_start=T0, window_end=T0 + timedelta(days=30))
        t = TraceTables()
        texts = [window_sql(p), first_hop_sql(p, t), next_hop_sql(p, t, "_f", T0, T0), frontier_sql(p, t, "_h"),
                 ledger_span_sql(p, ["_f1", "_f2"]), opening_sql(p, t), events_sql(t)]
        for sql in texts:
            upper = sql.upper()
            assert "USING KEY" not in upper and "//" not in sql and "LEN(" not in upper
            assert "RECURSIVE" not in upper


def test_frontier_is_pruned_by_amount_and_gap(case) -> None:  # type: ignore[no-untyped-def]
    # A pays B 1,000; B pays 50 accounts C0..C49 (20 of them only 10 each); each C pays D two days later.
    rows = [("t0", 1.0, "k:A", "k:B", 1000.0)]
    rows += [(f"c{i}", 2.0 + i / 10, "k:B", f"k:C{i}", 10.0 if i < 20 else 20.0) for i in range(50)]
    rows += [(f"d{i}", 50.0 + i, f"k:C{i}", "k:D", 10.0) for i in range(50)]
    write_payments(case, rows)  # type: ignore[arg-type]
    loose = trace(case, TraceParams(source=("k:A",), max_hops=4, method=Method.FIFO), store=False)
    assert loose.stats["frontier_sizes"] == [1, 50, 1]
    small_cut = trace(case, TraceParams(source=("k:A",), max_hops=4, min_amount=15), store=False)
    assert small_cut.stats["frontier_sizes"] == [1, 30, 0]
    # The small payments are still booked: they carry taint to C0..C19, which is not followed further.
    carried = {k.split("/")[1]: v for k, v in small_cut.edge_taint.items()}
    assert all(carried[f"c{i}"] == 10.0 for i in range(20))
    assert set(carried) == {"t0"} | {f"c{i}" for i in range(50)} | {f"d{i}" for i in range(20, 50)}
    short_gap = trace(case, TraceParams(source=("k:A",), max_hops=4, max_gap=timedelta(hours=24)), store=False)
    assert short_gap.stats["frontier_sizes"] == [1, 50, 0]
    assert "k:D" not in {s.account for s in short_gap.sinks}
