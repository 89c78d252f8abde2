from __future__ import annotations

from moneytrail.detect.bipartite import Block, block_metrics, merge_cores
from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from tests.detect.graphs import Insert, Row, background, merchant

BLOCK = [(f"bp{s}{r}", 100 + s * 3 + r, f"b:bs{s}", f"b:br{r}", 800.0 + s + r) for s in range(3) for r in range(3)]
CORE = [("c00", 100, "b:cs0", "b:cr0", 900.0), ("c01", 110, "b:cs0", "b:cr1", 400.0),
        ("c10", 120, "b:cs1", "b:cr0", 1300.0), ("c11", 130, "b:cs1", "b:cr1", 700.0)]


def test_senders_paying_the_same_receivers_merge_into_one_block(case: Case, insert: Insert) -> None:
    insert(background() + BLOCK)
    found = run_detectors(case, ["bipartite"])
    assert len(found) == 1  # nine 2x2 cores, merged through their shared transfers
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {t[0] for t in BLOCK}
    assert f.title == "Bipartite: 3 senders x 3 receivers"
    assert f.details["metrics"]["cores"] == 9 and f.details["metrics"]["exclusivity"] == 1.0


def test_a_lone_two_by_two_core_of_quiet_accounts_fires_with_its_exclusivity(case: Case, insert: Insert) -> None:
    # Amounts need not match: the generator's bipartite attempts pay unrelated amounts.
    insert(background() + CORE)
    found = run_detectors(case, ["bipartite"])
    assert [f.title for f in found] == ["Bipartite: 2 senders x 2 receivers"]
    assert "100% of what these accounts sent or received in those weeks" in found[0].explanation
    assert {r.ref_id for r in found[0].refs if r.role == "sender"} == {"b:cs0", "b:cs1"}


def test_co_payments_weeks_apart_do_not_fire(case: Case, insert: Insert) -> None:
    spread = [(f"bp{s}{r}", 100 + s * 3 + r * 24 * 8, f"b:bs{s}", f"b:br{r}", 800.0) for s in range(3)
              for r in range(2)]
    insert(background(days=30) + spread)
    assert run_detectors(case, ["bipartite"]) == []


def test_one_sender_paying_two_receivers_is_not_bipartite(case: Case, insert: Insert) -> None:
    insert([*background(), ("x1", 100, "b:bs0", "b:br0", 800.0), ("x2", 101, "b:bs0", "b:br1", 800.0)])
    assert run_detectors(case, ["bipartite"]) == []


def test_recurring_payments_between_the_same_accounts_do_not_fire(case: Case, insert: Insert) -> None:
    # Flatmates paying the same landlord and utility every week: a 2x2 core each week, but old ties.
    weekly = [(f"{t[0]}-w{k}", t[1] + 24 * 7 * k, t[2], t[3], t[4]) for k in range(3) for t in CORE]
    insert(background(days=30) + weekly)
    assert run_detectors(case, ["bipartite"]) == []
    assert run_detectors(case, ["bipartite"], {"bipartite": {"max_tie_transfers": "3"}}) != []


def test_receivers_busy_that_week_do_not_fire(case: Case, insert: Insert) -> None:
    # Two shops with dozens of customers a day: shared customers are chance, not a block.
    shops = [(t[0], t[1], t[2], t[3].replace("b:cr", "shop"), t[4]) for t in CORE]
    insert(background() + merchant("shop0") + merchant("shop1") + shops)
    assert run_detectors(case, ["bipartite"]) == []
    loose = {"bipartite": {"max_week_degree": "100", "min_exclusivity": "0"}}
    assert run_detectors(case, ["bipartite"], loose) != []


def test_a_core_among_accounts_busy_with_other_payments_is_not_exclusive_enough(case: Case,
                                                                                  insert: Insert) -> None:
    # Each sender also pays ten other people that week: the core is a small part of their traffic.
    others: list[Row] = [(f"o{s}{k}", 90 + k, f"b:cs{s}", f"b:other{s}-{k}", 50.0) for s in range(2) for k in range(10)]
    insert(background() + CORE + others)
    assert run_detectors(case, ["bipartite"]) == []
    assert run_detectors(case, ["bipartite"], {"bipartite": {"min_exclusivity": "0.1"}}) != []


def test_merge_cores_joins_cores_sharing_a_transfer_and_caps_runaway_blocks() -> None:
    info = {t: (t[0], t[1], 1, 2, 2) for t in ("ab", "ac", "db", "dc", "eb", "ec")}
    cores = [("a", "d", "b", "c", "ab", "ac", "db", "dc"), ("a", "e", "b", "c", "ab", "ac", "eb", "ec")]
    [block] = merge_cores(cores, info, max_accounts=10)
    assert set(block.txns) == {"ab", "ac", "db", "dc", "eb", "ec"} and block.cores == 2
    [capped] = merge_cores(cores, info, max_accounts=4)
    assert capped.cores == 1 and len(capped.txns) == 4


def test_block_metrics_measure_exclusivity_against_the_weeks_traffic() -> None:
    block = Block({"t1": ("s1", "r1", ("s1@1", 4), ("r1@1", 3)), "t2": ("s1", "r2", ("s1@1", 4), ("r2@1", 2)),
                   "t3": ("s2", "r1", ("s2@1", 1), ("r1@1", 3)), "t4": ("s2", "r2", ("s2@1", 1), ("r2@1", 2))}, 1)
    m = block_metrics(block)
    assert m["senders"] == 2 and m["receivers"] == 2 and m["density"] == 1.0
    # Eight ends of block transfers among the ten payments and receipts these accounts had that week.
    assert m["exclusivity"] == 0.8
