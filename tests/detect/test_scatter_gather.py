from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from tests.detect.graphs import Insert, Row, background


def _sg(n: int, second_leg_after: float, ratio: float = 0.98) -> list[Row]:
    rows: list[Row] = []
    for i in range(n):
        rows.append((f"sg1-{i}", 10 + i * 6, "b:S", f"b:mid{i}", 5000.0 + i * 100))
        rows.append((f"sg2-{i}", 10 + i * 6 + second_leg_after, f"b:mid{i}", "b:D", (5000.0 + i * 100) * ratio))
    return rows


def test_parallel_paths_through_intermediaries_fire(case: Case, insert: Insert) -> None:
    insert(background() + _sg(4, 30))
    found = run_detectors(case, ["scatter-gather"])
    # Regular trading triangles in the background give 2-path candidates; the planted 4 paths rank first.
    f = found[0]
    assert all(g.score < f.score for g in found[1:])
    assert len([r for r in f.refs if r.kind == "transaction"]) == 8
    assert {r.ref_id for r in f.refs if r.role == "intermediary"} == {f"b:mid{i}" for i in range(4)}
    assert {r.ref_id for r in f.refs if r.role == "destination"} == {"b:D"}
    assert f.explanation.startswith("Account b:S paid 20,600 USD to 4 intermediary accounts")


def _planted(case: Case) -> list[str]:
    return [f.title for f in run_detectors(case, ["scatter-gather"]) if "b:S ->" in f.title]


def test_second_legs_too_late_do_not_fire(case: Case, insert: Insert) -> None:
    insert(background() + _sg(4, 24 * 9))
    assert _planted(case) == []


def test_amounts_that_do_not_match_do_not_fire(case: Case, insert: Insert) -> None:
    insert(background() + _sg(4, 30, ratio=0.1))
    assert _planted(case) == []


def test_a_single_path_is_not_a_scatter_gather(case: Case, insert: Insert) -> None:
    insert(background() + _sg(1, 30))
    assert _planted(case) == []


def test_busy_intermediaries_are_not_followed(case: Case, insert: Insert) -> None:
    insert(background() + _sg(4, 30))
    assert run_detectors(case, ["scatter-gather"], {"scatter-gather": {"max_intermediary_degree": 1}}) == []
