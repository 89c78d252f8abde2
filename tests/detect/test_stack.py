from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from tests.detect.graphs import Insert, background

CHAIN = [("st1", 10, "b:A1", "b:P1", 7000.0), ("st2", 40, "b:P1", "b:C1", 6950.0), ("st3", 70, "b:C1", "b:Z1", 6900.0)]


def test_layers_of_pass_through_accounts_fire_as_one_stack(case: Case, insert: Insert) -> None:
    insert(background() + CHAIN)
    found = run_detectors(case, ["stack"])
    assert len(found) == 1
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {"st1", "st2", "st3"}
    assert {r.ref_id for r in f.refs if r.role == "pass-through"} == {"b:P1", "b:C1"}
    assert f.details["metrics"]["layers"] == 2 and "in 2 relay layer(s)" in f.explanation


def test_forwarding_a_different_amount_does_not_fire(case: Case, insert: Insert) -> None:
    insert([*background(), ("st1", 10, "b:A1", "b:P1", 7000.0), ("st2", 40, "b:P1", "b:C1", 3000.0)])
    assert run_detectors(case, ["stack"]) == []


def test_forwarding_weeks_later_does_not_fire(case: Case, insert: Insert) -> None:
    insert([*background(days=30), ("st1", 10, "b:A1", "b:P1", 7000.0), ("st2", 24 * 12, "b:P1", "b:C1", 7000.0)])
    assert run_detectors(case, ["stack"]) == []


def test_busy_accounts_are_not_pass_throughs(case: Case, insert: Insert) -> None:
    # The background accounts forward similar amounts too, but each has ~20 transfers.
    insert(background())
    assert run_detectors(case, ["stack"]) == []


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
