"""Structural chain: a line of relay accounts in any time order and any amounts, scored against chance."""

from __future__ import annotations

import pytest

from moneytrail.detect.chain_structural import StructuralChain
from moneytrail.detect.random_chain import RandomChainDetector
from tests.detect.graphs import case_with, detect_alone

# O -> R1 -> R2 -> R3 -> E, hops running backwards in time, amounts not carried on (0.4, 4.25, 0.53);
# R1..R3 each have one payer and one payee. Around it accounts with several ties (not relays), and one
# lone relay S between A and B (2 hops: everyday life, not reported).
CHAIN = [("c1", 50, "b:O", "b:R1", 100.0), ("c2", 40, "b:R1", "b:R2", 40.0), ("c3", 30, "b:R2", "b:R3", 170.0),
         ("c4", 0, "b:R3", "b:E", 90.0)]
AROUND = [("o1", 5, "b:O", "b:X1", 10.0), ("o2", 6, "b:O", "b:X2", 20.0), ("o3", 7, "b:Y", "b:E", 30.0),
          ("o4", 8, "b:X1", "b:X2", 40.0), ("o5", 9, "b:X2", "b:Y", 50.0), ("o6", 10, "b:Y", "b:X1", 60.0),
          ("s1", 11, "b:A", "b:S", 70.0), ("s2", 12, "b:S", "b:B", 70.0), ("s3", 13, "b:A", "b:B", 80.0)]


def test_a_line_of_relays_out_of_time_order_is_found_where_random_finds_nothing() -> None:
    case = case_with(CHAIN + AROUND)
    assert detect_alone(RandomChainDetector(), case) == []
    findings = detect_alone(StructuralChain(), case)
    assert len(findings) == 1
    f = findings[0]
    assert sorted(r.ref_id for r in f.refs if r.kind == "transaction") == ["c1", "c2", "c3", "c4"]
    assert {r.ref_id for r in f.refs if r.kind == "account"} == {"b:O", "b:R1", "b:R2", "b:R3", "b:E"}
    assert StructuralChain.weaker_variant  # run_detectors has its findings cite the method (test_variants)
    # Null by hand: 13 ties, 4 relays (R1, R2, R3, S): rho = 4/13; 9 ties paid by non-relays; all ties within
    # the window (pt = 1). Chains of exactly 4 hops by chance: 9 * rho**3 * (1 - rho) = 0.18151.
    rho = 4 / 13
    expected = 9 * rho ** 3 * (1 - rho)
    m = f.details["metrics"]
    assert m["chance_chains_this_long"] == pytest.approx(expected)
    assert m["hops"] == 4 and m["origin"] == "b:O"
    assert f.score == pytest.approx(0.5 * (1 - expected), abs=1e-6)
    assert m["variant"] == "structural" and m["variant_of"] == "random"
    assert "Weaker than a chain of carried amounts" in f.explanation


def test_an_account_with_a_second_payee_breaks_the_line() -> None:
    # R2 also pays X1: no longer a relay, so O -> R1 -> R2 is 2 hops and R2 -> R3 -> E is 2 hops.
    case = case_with(CHAIN + AROUND + [("b1", 20, "b:R2", "b:X1", 5.0)])
    assert detect_alone(StructuralChain(), case) == []
    pieces = detect_alone(StructuralChain(), case, min_hops=2, min_excess=0.0)
    assert sorted(sorted(r.ref_id for r in f.refs if r.kind == "transaction") for f in pieces) == [
        ["c1", "c2"], ["c3", "c4"], ["s1", "s2"]]


def test_ties_further_apart_than_the_window_do_not_make_a_chain() -> None:
    far = [("c1", 0, "b:O", "b:R1", 100.0), ("c2", 24 * 40, "b:R1", "b:R2", 40.0),
           ("c3", 24 * 80, "b:R2", "b:R3", 170.0), ("c4", 24 * 81, "b:R3", "b:E", 90.0)]
    assert detect_alone(StructuralChain(), case_with(far + AROUND), window_days=10) == []
    assert len(detect_alone(StructuralChain(), case_with(far + AROUND), window_days=85)) == 1


def test_a_length_chance_explains_is_dropped() -> None:
    # 1 chain of 4 hops against 0.18 expected (5.5x): below a bar of 10x.
    assert detect_alone(StructuralChain(), case_with(CHAIN + AROUND), min_excess=10.0) == []
