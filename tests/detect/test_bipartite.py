from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from tests.detect.graphs import Insert, background

BLOCK = [(f"bp{s}{r}", 100 + s * 3 + r, f"b:bs{s}", f"b:br{r}", 800.0 + s + r) for s in range(3) for r in range(3)]


def test_senders_paying_the_same_receivers_merge_into_one_block(case: Case, insert: Insert) -> None:
    insert(background() + BLOCK)
    found = run_detectors(case, ["bipartite"])
    assert len(found) == 1  # three receiver pairs, merged through their shared transfers
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {t[0] for t in BLOCK}
    assert f.title == "Bipartite: 3 senders x 3 receivers"


def test_co_payments_weeks_apart_do_not_fire(case: Case, insert: Insert) -> None:
    spread = [(f"bp{s}{r}", 100 + s * 3 + r * 24 * 8, f"b:bs{s}", f"b:br{r}", 800.0) for s in range(3)
              for r in range(2)]
    insert(background(days=30) + spread)
    assert run_detectors(case, ["bipartite"]) == []


def test_one_sender_paying_two_receivers_is_not_bipartite(case: Case, insert: Insert) -> None:
    insert([*background(), ("x1", 100, "b:bs0", "b:br0", 800.0), ("x2", 101, "b:bs0", "b:br1", 800.0)])
    assert run_detectors(case, ["bipartite"]) == []
