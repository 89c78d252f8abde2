from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from tests.detect.graphs import Insert, background


def _deposits(amounts: list[float], hours_apart: float) -> list:
    return [(f"sr{i}", 24 + i * hours_apart, f"b:dep{i % 3}", "b:smurfed", a) for i, a in enumerate(amounts)]


def test_deposits_just_under_the_threshold_fire(case: Case, insert: Insert) -> None:
    insert(background() + _deposits([9500.0, 9800.0, 9900.0, 9650.0, 9990.0], 48))
    found = run_detectors(case, ["structuring"])
    assert len(found) == 1
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {f"sr{i}" for i in range(5)}
    assert "5 deposits of 9,500 USD to 9,990 USD" in f.explanation


def test_deposits_above_the_threshold_do_not_fire(case: Case, insert: Insert) -> None:
    insert(background() + _deposits([10500.0, 12000.0, 10100.0, 11000.0, 15000.0], 48))
    assert run_detectors(case, ["structuring"]) == []


def test_a_lower_threshold_is_honoured(case: Case, insert: Insert) -> None:
    insert(background() + _deposits([2900.0, 2950.0, 2990.0, 2800.0], 30))
    assert run_detectors(case, ["structuring"]) == []
    assert len(run_detectors(case, ["structuring"], {"structuring": {"threshold": 3000}})) == 1


def test_an_account_whose_deposits_are_all_large_and_varied_does_not_fire(case: Case, insert: Insert) -> None:
    # Under and over the threshold alike: a business with big invoices, not a cliff below 10,000.
    amounts = [9200.0, 10400.0, 11800.0, 9900.0, 13000.0, 10800.0, 12500.0, 9600.0, 14000.0, 10200.0] * 3
    insert(background() + _deposits(amounts, 12))
    assert run_detectors(case, ["structuring"]) == []


def test_a_threshold_in_the_booked_currency_counts(case: Case, insert: Insert) -> None:
    # 9,500 CHF deposits are worth over 10,000 USD, yet sit just under a CHF 10,000 threshold.
    insert(background() + _deposits([9500.0, 9800.0, 9900.0, 9650.0, 9990.0], 48))
    case.engine.upsert("transactions", ["txn_id"], "SELECT txn_id, 'CHF' AS currency, amount * 1.1 AS amount_rc "
                       "FROM transactions WHERE txn_id LIKE 'sr%'", insert_missing=False)
    found = run_detectors(case, ["structuring"])
    assert len(found) == 1 and len([r for r in found[0].refs if r.kind == "transaction"]) == 5
