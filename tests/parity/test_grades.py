"""Evidence grades on each engine: findings are graded once, set-based, when written (store/grading.py)."""

from __future__ import annotations

from moneytrail.model.admiralty import Grade
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store.findings import list_findings, write_findings
from moneytrail.store.grading import entity_grades_sql
from moneytrail.store.sources import SourceRecord, upsert_source
from tests.casebuild import stamp_of
from tests.parity.conftest import NewCase


def test_grades_an_entity_by_its_best_single_statement_and_a_path_by_its_weakest_link(
        engine: str, new_case: NewCase) -> None:
    case = new_case()
    upsert_source(case, SourceRecord("list", "sanctions_list", "list", Grade.parse("A6")))
    upsert_source(case, SourceRecord("blog", "media", "blog", Grade.parse("F1")))
    upsert_source(case, SourceRecord("bank", "bank_record", "bank", Grade.parse("B2")))
    case.engine.execute("INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) VALUES "
                        "('s1', 'p', 'Person', 'name', 'X', 'list'), ('s2', 'p', 'Person', 'name', 'X', 'blog')")
    case.engine.execute("INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, source_id, "
                        "reliability, credibility) VALUES ('t1', TIMESTAMP '2024-01-01 00:00:00', 'k:a', 'k:b', 10, "
                        "'USD', 'bank', NULL, NULL), ('t2', TIMESTAMP '2024-01-02 00:00:00', 'k:b', 'k:c', 10, 'USD', "
                        "'bank', 'C', 4)")
    assert case.engine.rows(entity_grades_sql()) == [("p", "A", 6)]  # never A1 from A6 and F1
    write_findings(case, [Finding("screen", "x", "p", "x", 1.0, [FindingRef("entity", "p", "subject")])],
                   stamp_of("entity"))
    write_findings(case, [Finding("trace", "path", "path", "x", 1.0, [FindingRef("transaction", "t1", "hop"),
                                                                      FindingRef("transaction", "t2", "hop")])],
                   stamp_of("path"))
    grades = {f["title"]: (f["reliability"], f["credibility"], f["wording"]) for f in list_findings(case)}
    assert grades == {"p": ("A", 6, "doubtful"), "path": ("C", 4, "doubtful")}
