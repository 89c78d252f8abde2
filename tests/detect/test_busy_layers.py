"""Bipartite and stack among busy accounts: found where the quiet versions are not, at half weight."""

from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from tests.detect.graphs import Insert, background
from tests.detect.test_bipartite import CORE
from tests.detect.test_stack import RELAYS, STACK, everyday


def test_a_core_among_accounts_with_heavy_weekly_traffic_is_a_busy_bipartite_at_half_weight(
        case: Case, insert: Insert) -> None:
    # Each core account also trades with 14 counterparties of its own that week (above the quiet bar of 12).
    busy = [(f"n-{a}-{k}", 96 + k, a, f"b:shop{a[-3:]}{k}", 20.0 + k) for a in ("b:cs0", "b:cs1") for k in range(14)]
    busy += [(f"m-{a}-{k}", 96 + k, f"b:client{a[-3:]}{k}", a, 20.0 + k) for a in ("b:cr0", "b:cr1") for k in range(14)]
    insert(background() + CORE + busy)
    assert run_detectors(case, ["bipartite"], store=False) == []
    found = run_detectors(case, ["bipartite-busy"])
    assert [f.title for f in found] == ["Bipartite: 2 senders x 2 receivers"]
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {t[0] for t in CORE}
    m = f.details["metrics"]
    assert m["variant"] == "busy-accounts" and m["variant_of"] == "bipartite"
    # Exclusivity: the block's 4 transfers at both ends (8) over the 2 x 16 payments sent and the 2 x 16
    # received by its accounts in those weeks (64) = 0.125.
    assert m["exclusivity"] == 0.125
    assert f.score < 0.5 and "half weight" in f.explanation


def test_relays_busy_that_week_passing_on_more_than_ten_percent_more_are_a_busy_stack(
        case: Case, insert: Insert) -> None:
    busy = [(f"busy-{r}-{k}", 90 + k, f"b:client{k}", r, 30.0 + k) for r in RELAYS for k in range(6)]
    # Relays forward 1.4x what they got: outside stack's 0.9-1.1, inside the busy variant's 0.5-2.
    grown = [(t[0], t[1], t[2], t[3], t[4] * (1.4 / 1.02) if t[0].startswith("out") else t[4]) for t in STACK]
    insert(background() + grown + everyday(RELAYS) + busy)
    assert run_detectors(case, ["stack"], store=False) == []
    found = run_detectors(case, ["stack-busy"])
    assert len(found) == 1
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {t[0] for t in STACK}
    assert f.details["metrics"]["variant_of"] == "stack" and f.score < 0.5 and "half weight" in f.explanation


def test_where_all_amounts_are_alike_a_loose_pass_on_is_no_evidence_and_stack_busy_stays_silent(
        case: Case, insert: Insert) -> None:
    busy = [(f"busy-{r}-{k}", 90 + k, f"b:client{k}", r, 30.0 + k) for r in RELAYS for k in range(6)]
    grown = [(t[0], t[1], t[2], t[3], t[4] * (1.4 / 1.02) if t[0].startswith("out") else t[4]) for t in STACK]
    # 1,200 unrelated transfers of 5,000-5,006: nearly every pair lies within 0.5-2x of each other.
    alike = [(f"al{i}", 24.0 * (i % 30), f"b:p{i % 600}", f"b:q{i % 600}", 5000.0 + i % 7) for i in range(1200)]
    insert(background() + grown + everyday(RELAYS) + busy + alike)
    assert run_detectors(case, ["stack-busy"], store=False) == []
    assert len(run_detectors(case, ["stack-busy"], {"stack-busy": {"max_carry_chance": "1.0"}}, store=False)) == 1
