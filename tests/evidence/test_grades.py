from __future__ import annotations

import pytest

from moneytrail.evidence.grades import effective_grade, effective_grades, grades_sql, weakest
from moneytrail.model.admiralty import Grade
from moneytrail.store import Case
from moneytrail.store.sources import SourceRecord, upsert_source


def _rows(case: Case) -> None:
    upsert_source(case, SourceRecord("bank", "bank_record", "bank"))  # default B2
    upsert_source(case, SourceRecord("acled", "event_dataset", "events", Grade.parse("C3")))
    e = case.engine
    e.execute("INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, source_id, "
              "reliability, credibility) VALUES ('t1', '2022-01-01', 'a', 'b', 1, 'USD', 'bank', NULL, NULL), "
              "('t2', '2022-01-02', 'a', 'b', 1, 'USD', 'bank', 'E', 5)")
    e.execute("INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id, reliability, "
              "credibility) VALUES ('s1', 'p1', 'Person', 'name', 'Orlan Tessaly', 'bank', NULL, NULL), "
              "('s2', 'p1', 'Person', 'name', 'O. Tessaly', 'acled', 'A', 1)")
    e.execute("INSERT INTO events (event_id, event_date, source_id, credibility) VALUES ('ev1', '2022-01-01', "
              "'acled', 2)")
    e.execute("INSERT INTO claims (claim_id, claim_key, subject, relation, object, source_id, status) VALUES "
              "('c1', 'k', 'A', 'paid', 'B', 'acled', 'asserted')")


def test_rows_inherit_their_source_grade_unless_overridden(case: Case) -> None:
    _rows(case)
    assert effective_grades(case, "transaction", ["t1", "t2", "missing"]) == {
        "t1": Grade("B", 2), "t2": Grade("E", 5)}
    assert effective_grade(case, "statement", "s1") == Grade("B", 2)
    assert effective_grade(case, "statement", "s2") == Grade("A", 1)
    # An event overriding only credibility keeps its source's reliability.
    assert effective_grade(case, "event", "ev1") == Grade("C", 2)
    assert effective_grade(case, "claim", "c1") == Grade("C", 3)
    # An entity is as well attested as its best statement.
    assert effective_grade(case, "entity", "p1") == Grade("A", 1)


def test_views_are_plain_sql(case: Case) -> None:
    _rows(case)
    assert case.engine.rows(f"SELECT * FROM ({grades_sql('transaction')}) g ORDER BY 1") == [
        ("t1", "B", 2), ("t2", "E", 5)]


def test_weakest_link() -> None:
    assert weakest([]) is None
    assert weakest([Grade("A", 1), Grade("C", 2), Grade("B", 4)]) == Grade("C", 4)


def test_regrading_a_source_flows_to_its_rows(case: Case) -> None:
    from moneytrail.evidence.grades import set_source_grade

    _rows(case)
    set_source_grade(case, "bank", Grade("D", 4))
    assert effective_grade(case, "transaction", "t1") == Grade("D", 4)
    assert effective_grade(case, "transaction", "t2") == Grade("E", 5)  # its own grade still wins
    with pytest.raises(KeyError):
        set_source_grade(case, "nowhere", Grade("A", 1))


def test_findings_follow_a_regraded_source(case: Case) -> None:
    from moneytrail.evidence.grades import set_source_grade
    from moneytrail.model.finding import Finding, FindingRef
    from moneytrail.store.findings import list_findings, write_findings
    from tests.casebuild import stamp_of

    _rows(case)
    write_findings(case, [Finding("trace", "path", "t1", "x", 1.0, [FindingRef("transaction", "t1")])],
                   stamp_of("regrade"))
    assert (list_findings(case)[0]["reliability"], list_findings(case)[0]["credibility"]) == ("B", 2)
    set_source_grade(case, "bank", Grade.parse("D4"))
    row = list_findings(case)[0]
    assert (row["reliability"], row["credibility"], row["wording"]) == ("D", 4, "doubtful")
