from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from tests.detect.graphs import Insert, background


def test_one_account_paying_many_new_receivers_fires(case: Case, insert: Insert) -> None:
    insert(background() + [(f"fo{i}", 100 + 3 * i, "b:payer", f"b:recv{i}", 1500.0) for i in range(7)])
    found = run_detectors(case, ["fan-out"])
    assert len(found) == 1
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {f"fo{i}" for i in range(7)}
    assert {r.ref_id for r in f.refs if r.role == "receiver"} == {f"b:recv{i}" for i in range(7)}
    assert f.explanation.startswith("Account b:payer paid 10,500 USD out to 7 distinct accounts")


def test_payroll_to_the_same_staff_every_week_does_not_fire(case: Case, insert: Insert) -> None:
    rows = [(f"pay{w}-{i}", w * 24 * 7 + i, "b:employer", f"b:staff{i}", 2000.0) for w in range(4) for i in range(6)]
    insert(background() + rows)
    assert run_detectors(case, ["fan-out"]) == []


def test_paying_many_new_receivers_in_one_day_does_not_fire(case: Case, insert: Insert) -> None:
    # Near miss: a one-day batch to seven new receivers (09:00-15:00), as on a first payday.
    insert(background() + [(f"fo{i}", 193 + i, "b:payer", f"b:recv{i}", 1500.0) for i in range(7)])
    assert run_detectors(case, ["fan-out"]) == []
    assert len(run_detectors(case, ["fan-out"], {"fan-out": {"min_arrival_days": 1}})) == 1
