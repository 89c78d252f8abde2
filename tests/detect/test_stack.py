from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.detect.stack import Path, assemble
from moneytrail.store import Case
from tests.detect.graphs import Insert, Row, background

CHAIN = [("st1", 10, "b:A1", "b:P1", 7000.0), ("st2", 40, "b:P1", "b:C1", 6950.0), ("st3", 70, "b:C1", "b:Z1", 6900.0)]


def everyday(accounts: list[str], n: int = 4) -> list[Row]:
    """A little ordinary traffic for each account, weeks away from the pattern: not a thin relay."""
    return [(f"ev-{a}-{k}", 24 * 30 + 24 * 3 * k, a, f"b:shopkeeper{k}", 40.0 + k) for a in accounts for k in range(n)]


# The generator's shape: each relay gets one payment from a payer and passes about the same on to a payee.
RELAYS = [f"b:rl{i}" for i in range(4)]
STACK = ([(f"in{i}", 100 + 5 * i, f"b:py{i % 2}", RELAYS[i], 5000.0 + 700 * i) for i in range(4)]
         + [(f"out{i}", 130 + 5 * i, RELAYS[i], f"b:pe{i // 2}", (5000.0 + 700 * i) * 1.02) for i in range(4)])


def test_layers_of_pass_through_accounts_fire_as_one_stack(case: Case, insert: Insert) -> None:
    # Relays with no other traffic at all: the thinnest form (AMLworld STACK), scored low.
    insert(background() + CHAIN)
    found = run_detectors(case, ["stack"])
    assert len(found) == 1
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {"st1", "st2", "st3"}
    assert {r.ref_id for r in f.refs if r.role == "pass-through"} == {"b:P1", "b:C1"}
    assert f.details["metrics"]["layers"] == 2 and "in 2 relay layer(s)" in f.explanation
    assert f.details["metrics"]["form"] == "thin" and f.score < 0.3


def test_payers_relays_and_payees_fire_as_one_layered_stack(case: Case, insert: Insert) -> None:
    insert(background() + STACK + everyday(RELAYS))
    found = run_detectors(case, ["stack"])
    assert [f.title for f in found] == ["Stack: 2 -> 4 -> 2 accounts in 2 layers"]
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {t[0] for t in STACK}
    assert {r.ref_id for r in f.refs if r.role == "pass-through"} == set(RELAYS)
    assert f.details["metrics"]["form"] == "layered" and f.details["metrics"]["exclusivity"] == 1.0
    assert "within 2.0% on average" in f.explanation


def test_relays_in_sequence_count_as_further_layers(case: Case, insert: Insert) -> None:
    # payers -> first relays -> second relays -> payees: three relay hops per route, four transfer layers.
    deep = [t for i in range(3) for t in (
        (f"d0-{i}", 100 + 3 * i, f"b:dp{i // 2}", f"b:da{i}", 4000.0 + 500 * i),
        (f"d1-{i}", 120 + 3 * i, f"b:da{i}", f"b:db{i}", (4000.0 + 500 * i) * 0.99),
        (f"d2-{i}", 140 + 3 * i, f"b:db{i}", f"b:dc{i}", (4000.0 + 500 * i) * 0.98),
        (f"d3-{i}", 160 + 3 * i, f"b:dc{i}", f"b:dq{(i + 1) // 2}", (4000.0 + 500 * i) * 0.97))]
    middle = [f"b:d{x}{i}" for x in "abc" for i in range(3)]
    insert(background() + deep + everyday(middle))
    found = run_detectors(case, ["stack"])
    assert [f.title for f in found] == ["Stack: 2 -> 9 -> 2 accounts in 4 layers"]
    assert found[0].details["metrics"]["layers"] == 3
    assert {r.ref_id for r in found[0].refs if r.kind == "transaction"} == {t[0] for t in deep}
    # Transfers from one relay to the next are pass-throughs at both ends, whatever order rows come in.
    roles = {r.ref_id: r.role for r in found[0].refs if r.kind == "transaction"}
    assert {roles[f"d{k}-{i}"] for k in (1, 2) for i in range(3)} == {"pass-through->pass-through"}
    assert {roles[f"d0-{i}"] for i in range(3)} == {"payer->pass-through"}


def test_forwarding_a_different_amount_does_not_fire(case: Case, insert: Insert) -> None:
    insert([*background(), ("st1", 10, "b:A1", "b:P1", 7000.0), ("st2", 40, "b:P1", "b:C1", 3000.0)])
    assert run_detectors(case, ["stack"]) == []


def test_forwarding_weeks_later_does_not_fire(case: Case, insert: Insert) -> None:
    insert([*background(days=30), ("st1", 10, "b:A1", "b:P1", 7000.0), ("st2", 24 * 12, "b:P1", "b:C1", 7000.0)])
    assert run_detectors(case, ["stack"]) == []


def test_busy_accounts_are_not_pass_throughs(case: Case, insert: Insert) -> None:
    # The background accounts forward similar amounts too, but to partners they pay again and again.
    insert(background())
    assert run_detectors(case, ["stack"]) == []


def test_one_payer_through_relays_to_one_payee_is_left_to_scatter_gather(case: Case, insert: Insert) -> None:
    one = [(t[0], t[1], "b:py0" if t[0].startswith("in") else t[2], "b:pe0" if t[0].startswith("out") else t[3],
            t[4]) for t in STACK]
    insert(background() + one + everyday(RELAYS))
    assert run_detectors(case, ["stack"]) == []


def test_two_relays_are_too_few_for_a_layered_stack(case: Case, insert: Insert) -> None:
    two = [t for t in STACK if t[0][-1] in "01"]
    insert(background() + two + everyday(RELAYS))
    assert run_detectors(case, ["stack"]) == []
    assert run_detectors(case, ["stack"], {"stack": {"min_relays": "2"}}) != []


def test_relays_busy_that_week_do_not_fire(case: Case, insert: Insert) -> None:
    busy = [(f"busy-{r}-{k}", 90 + k, f"b:client{k}", r, 30.0 + k) for r in RELAYS for k in range(6)]
    insert(background() + STACK + everyday(RELAYS) + busy)
    assert run_detectors(case, ["stack"]) == []
    loose = {"stack": {"max_relay_week": "20", "min_exclusivity": "0"}}
    assert run_detectors(case, ["stack"], loose) != []


def test_standing_orders_passed_on_every_month_do_not_fire(case: Case, insert: Insert) -> None:
    monthly = [(f"{t[0]}-m{k}", t[1] + 24 * 28 * k, t[2], t[3], t[4]) for k in range(2) for t in STACK]
    insert(background(days=60) + monthly + everyday(RELAYS))
    assert run_detectors(case, ["stack"]) == []
    assert run_detectors(case, ["stack"], {"stack": {"max_tie_transfers": "2"}}) != []


FIRST = [(f"l1-{s}-{m}", 100 + s * 2 + m, f"b:ls{s}", f"b:lm{m}", 900.0 + s + m) for s in range(3) for m in range(3)]
SECOND = [(f"l2-{m}-{r}", 130 + m * 2 + r, f"b:lm{m}", f"b:lr{r}", 850.0 + m + r) for m in range(3) for r in range(2)]
LAYERED = FIRST + SECOND


def test_two_linked_bipartite_layers_form_one_stack(case: Case, insert: Insert) -> None:
    insert(background() + LAYERED)
    layered = [f for f in run_detectors(case, ["stack"]) if f.title.startswith("Stack: 3 -> 3 -> 2")]
    assert len(layered) == 1
    assert {r.ref_id for r in layered[0].refs if r.kind == "transaction"} == {t[0] for t in LAYERED}
    assert "in 1 relay layer(s) (2 layers of transfers)" in layered[0].explanation


def test_a_single_bipartite_layer_is_not_a_stack(case: Case, insert: Insert) -> None:
    insert(background() + LAYERED[:9])
    assert [f for f in run_detectors(case, ["stack"]) if f.title.startswith("Stack: ")] == []


def test_second_layer_before_the_first_is_not_a_stack(case: Case, insert: Insert) -> None:
    early = [(t[0], t[1] - 90, t[2], t[3], t[4]) for t in LAYERED[9:]]
    insert(background() + LAYERED[:9] + early)
    assert [f for f in run_detectors(case, ["stack"]) if f.title.startswith("Stack: ")] == []


def test_assemble_merges_paths_through_shared_transfers_and_sibling_links() -> None:
    def path(s: str, m: str, t: str, a: str, b: str) -> Path:
        return Path(s, m, t, a, b, 100.0, 99.0, (f"{m}@1", 2), (f"{m}@1", 2))
    chain = [path("x", "p", "c", "t1", "t2"), path("p", "c", "z", "t2", "t3")]
    loose = [path("u", "q", "v", "t4", "t5")]
    stacks = assemble(chain + loose, [])
    assert sorted(len(s.paths) for s in stacks) == [1, 2]
    assert max(s.depth() for s in stacks) == 2
    assert len(assemble(chain + loose, [("t1", "t4")])) == 1
