from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.model.ids import statement_id
from moneytrail.store import Case
from tests.detect.graphs import Insert, Row, background

ACCOUNTS = [("b:gems", "e-gems", "LB"), ("b:ministry", "e-min", "LB"), ("x:broker1", "e-br1", "AE"),
            ("x:broker2", "e-br2", "TR"), ("b:jeweller", "e-jw", "LB"), ("b:goldsupply", "e-gs", "LB"),
            ("b:localbroker", "e-lb", "LB")]
STATEMENTS = [("e-gems", "Company", "name", "Cedar Gemstones Trading SARL"),
              ("e-gems", "Company", "sector", "Precious stones and gold trade"),
              ("e-min", "PublicBody", "name", "Ministry of Public Works"),
              ("e-br1", "Company", "name", "Falcon Exchange House"),
              ("e-br2", "Company", "sector", "currency exchange and money transfer"),
              ("e-lb", "Company", "name", "Harbour Exchange Bureau"),
              ("e-jw", "Company", "name", "Amber Jewellery"), ("e-gs", "Company", "name", "Goldline Supply")]
FRONT: list[Row] = [("f1", 10, "b:ministry", "b:gems", 500000.0), ("f2", 30, "b:ministry", "b:gems", 250000.0),
                    ("f3", 50, "b:gems", "x:broker1", 400000.0), ("f4", 60, "b:gems", "x:broker2", 300000.0)]


def _entities(case: Case) -> None:
    for key, entity, country in ACCOUNTS:
        case.engine.execute("INSERT INTO accounts (account_key, account_id, holder_entity_id, country) "
                            "VALUES (?, ?, ?, ?)", [key, key, entity, country])
    for entity, schema, prop, value in STATEMENTS:
        case.engine.execute(
            "INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [statement_id(entity, schema, prop, value, "src:kyc"), entity, schema, prop, value, "src:kyc"])


def test_gem_trader_paid_by_a_ministry_paying_brokers_abroad_fires(case: Case, insert: Insert) -> None:
    insert(background() + FRONT)
    _entities(case)
    found = run_detectors(case, ["front-company"])
    assert len(found) == 1
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {"f1", "f2", "f3", "f4"}
    assert {r.ref_id for r in f.refs if r.role == "broker"} == {"x:broker1", "x:broker2"}
    assert ("entity", "e-gems", "front") in {(r.kind, r.ref_id, r.role) for r in f.refs}
    assert len([r for r in f.refs if r.kind == "statement"]) == 2  # name and sector mention gems/gold
    assert "Cedar Gemstones Trading SARL" in f.explanation and "no payments to goods suppliers" in f.explanation


def test_jeweller_with_ordinary_trade_does_not_fire(case: Case, insert: Insert) -> None:
    trade: list[Row] = [("j1", 20, "b:bg1", "b:jeweller", 1234.5), ("j2", 40, "b:jeweller", "b:goldsupply", 900.0),
                        ("j3", 45, "b:jeweller", "b:localbroker", 5000.0)]  # a domestic exchange bureau
    insert(background() + trade)
    _entities(case)
    assert run_detectors(case, ["front-company"]) == []


def test_state_money_alone_is_one_signal_below_the_default(case: Case, insert: Insert) -> None:
    insert(background() + FRONT[:2])
    _entities(case)
    assert run_detectors(case, ["front-company"]) == []
    assert len(run_detectors(case, ["front-company"], {"front-company": {"min_signals": 1}})) == 1


def test_paying_real_suppliers_lowers_the_score(case: Case, insert: Insert) -> None:
    insert(background() + FRONT)
    _entities(case)
    clean = run_detectors(case, ["front-company"])[0].score
    insert([("s1", 70, "b:gems", "b:goldsupply", 650000.0)])
    assert run_detectors(case, ["front-company"])[0].score < clean
