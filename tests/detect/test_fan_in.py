from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from moneytrail.store.findings import finding_refs, list_findings
from tests.detect.graphs import Insert, background, merchant, one_off_payers


def busy() -> list:
    """The quiet background with payments above the fans' ``min_amount`` (1,000), so it is their baseline, and
    40 accounts each paid once by two one-off senders: the peers a burst of one-off senders is compared with."""
    return background(base_amount=1500.0) + one_off_payers()


def _burst(hub: str, n: int, hours_apart: float, amount: float = 3000.0, prefix: str = "fi") -> list:
    return [(f"{prefix}{i}", 200 + i * hours_apart, f"b:{prefix}mule{i}", hub, amount + i) for i in range(n)]


def test_burst_of_new_senders_fires_and_cites_every_transfer(case: Case, insert: Insert) -> None:
    insert(busy() + _burst("b:hub", 10, 5))
    found = run_detectors(case, ["fan-in"])
    assert [f.details["metrics"]["hub"] for f in found] == ["b:hub"]
    f = found[0]
    cited = {r.ref_id for r in f.refs if r.kind == "transaction"}
    assert cited == {f"fi{i}" for i in range(10)}
    assert {r.ref_id for r in f.refs if r.kind == "account" and r.role == "hub"} == {"b:hub"}
    assert {r.ref_id for r in f.refs if r.kind == "source"} == {"src:test"}
    assert "10 distinct senders paid 30,045 USD into account b:hub" in f.explanation
    assert f.params["min_degree"] == 4 and 0 < f.score < 1
    stored = list_findings(case, kind="typology")
    assert len(stored) == 1 and stored[0]["typology"] == "fan-in"
    assert len([r for r in finding_refs(case, stored[0]["finding_id"]) if r["ref_kind"] == "transaction"]) == 10


def test_spread_over_too_long_a_window_does_not_fire(case: Case, insert: Insert) -> None:
    # Ten senders, but one every 3 days: never more than 2 in any 6-day window.
    insert(busy() + _burst("b:slow", 10, 72))
    assert run_detectors(case, ["fan-in"]) == []


def test_too_few_senders_does_not_fire(case: Case, insert: Insert) -> None:
    insert(busy() + _burst("b:small", 3, 5))
    assert run_detectors(case, ["fan-in"]) == []


def test_amounts_below_the_minimum_do_not_fire(case: Case, insert: Insert) -> None:
    # Under the default 1,000 the payments neither count nor set the baseline; with no minimum they do.
    insert(busy() + _burst("b:hub", 10, 5, amount=400.0))
    assert run_detectors(case, ["fan-in"]) == []
    assert len(run_detectors(case, ["fan-in"], {"fan-in": {"min_amount": 0}})) == 1


def test_merchant_with_steady_fan_in_does_not_fire(case: Case, insert: Insert) -> None:
    insert(busy() + [(t, h, a, b, 40 * amount) for t, h, a, b, amount in merchant("b:shop", days=20, per_day=6)])
    assert run_detectors(case, ["fan-in"]) == []


def test_a_burst_ranks_above_a_merchant_when_thresholds_are_loosened(case: Case, insert: Insert) -> None:
    # Its customers come back (every 97th payment) all month long: it counts only with the one-off and span
    # tests off too.
    shop = [(t, h, a, b, 40 * amount) for t, h, a, b, amount in merchant("b:shop")]
    insert(busy() + shop + _burst("b:hub", 8, 5))
    found = run_detectors(case, ["fan-in"], {"fan-in": {"min_z": -100.0, "max_life_days": 0, "max_span_days": 0}})
    hubs = [f.details["metrics"]["hub"] for f in found]
    assert hubs[0] == "b:hub"
    assert "b:shop" in hubs and found[hubs.index("b:shop")].score < found[0].score


def test_the_explanation_says_on_how_many_days_the_senders_turned_up(case: Case, insert: Insert) -> None:
    insert(busy() + _burst("b:hub", 10, 5))  # hours 200-245: Sep 9 16:00 to Sep 11 05:00
    (f,) = run_detectors(case, ["fan-in"])
    assert f.details["metrics"]["arrival_days"] == 3
    assert "The new senders turned up on 3 different days." in f.explanation


def test_new_senders_all_on_one_day_do_not_fire(case: Case, insert: Insert) -> None:
    # Near miss: ten new senders, but all within one day (09:00-18:00), as on a rent day.
    one_day = [(f"rent{i}", 193 + i, f"b:tenant{i}", "b:landlord", 1900.0) for i in range(10)]
    insert(busy() + one_day)
    assert run_detectors(case, ["fan-in"]) == []
    found = run_detectors(case, ["fan-in"], {"fan-in": {"min_arrival_days": 1}})
    assert [f.details["metrics"]["hub"] for f in found] == ["b:landlord"]
