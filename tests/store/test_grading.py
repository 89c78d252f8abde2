"""Grading findings from what they rest on: never stronger than the strongest single thing they cite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moneytrail.evidence.attribution import rebuild_origins
from moneytrail.evidence.corroboration import all_corroborations
from moneytrail.model.admiralty import Grade
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case
from moneytrail.store.findings import list_findings, regrade_findings, write_findings
from moneytrail.store.grading import claim_standing_sql, entity_grades_sql
from moneytrail.store.sources import SourceRecord, add_citation, upsert_source
from tests.casebuild import stamp_of

RELIABILITY = "ABCDEF"
COUNTED = ("asserted", "confirmed")
grades = st.builds(Grade, st.sampled_from(RELIABILITY), st.integers(1, 6))


def _rank(g: Grade) -> tuple[int, int]:
    """Position on each axis, 0 strongest; F and 6 ("cannot be judged") are as weak as it gets."""
    return RELIABILITY.index(g.reliability), g.credibility


@pytest.fixture(scope="module")
def graded_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    case = Case.create(tmp_path_factory.mktemp("grading") / "case")
    yield case
    case.close()


def _reset(case: Case) -> None:
    for table in ("finding_refs", "findings", "statements", "transactions", "sources"):
        case.engine.replace_partition(table, {})


def _stored_grade(case: Case) -> Grade | None:
    rows = list_findings(case)
    assert len(rows) == 1
    rel, cred = rows[0]["reliability"], rows[0]["credibility"]
    return None if rel is None else Grade(str(rel), int(cred))


def test_an_entity_with_statements_a6_and_f1_is_not_a1(case: Case) -> None:
    """The bug this replaces took the best reliability and the best credibility separately: A6 + F1 -> A1."""
    upsert_source(case, SourceRecord("list", "sanctions_list", "list", Grade.parse("A6")))
    upsert_source(case, SourceRecord("blog", "media", "blog", Grade.parse("F1")))
    case.engine.execute("INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) VALUES "
                        "('s1', 'p', 'Person', 'name', 'X', 'list'), ('s2', 'p', 'Person', 'name', 'X', 'blog')")
    assert case.engine.rows(entity_grades_sql()) == [("p", "A", 6)]
    write_findings(case, [Finding("screen", "x", "p", "x", 1.0, [FindingRef("entity", "p", "subject")])],
                   stamp_of("a6f1"))
    grade = _stored_grade(case)
    assert grade in (Grade("A", 6), Grade("F", 1)) and grade != Grade("A", 1)
    assert list_findings(case)[0]["wording"] == "doubtful"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source_grades=st.lists(grades, min_size=1, max_size=4),
       txns=st.lists(st.tuples(st.integers(0, 3), st.none() | grades), max_size=4),
       statements=st.lists(st.tuples(st.integers(0, 3), st.none() | grades), max_size=4),
       cite_sources=st.lists(st.integers(0, 3), max_size=2))
def test_a_finding_is_never_stronger_than_the_strongest_thing_it_rests_on(
        graded_case: Case, source_grades: list[Grade], txns: list[tuple[int, Grade | None]],
        statements: list[tuple[int, Grade | None]], cite_sources: list[int]) -> None:
    case = graded_case
    _reset(case)
    for i, g in enumerate(source_grades):
        upsert_source(case, SourceRecord(f"s{i}", "media", f"source {i}", g))

    def source_of(i: int) -> tuple[str, Grade]:
        return f"s{i % len(source_grades)}", source_grades[i % len(source_grades)]

    refs: list[FindingRef] = []
    cited: list[Grade] = []  # the grade of every single thing the finding rests on
    for n, (i, own) in enumerate(txns):
        sid, g = source_of(i)
        case.engine.execute("INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, "
                            "source_id, reliability, credibility) VALUES (?, '2022-01-01', 'a', 'b', 1, 'USD', ?, "
                            "?, ?)", [f"t{n}", sid, own.reliability if own else None, own.credibility if own else None])
        refs.append(FindingRef("transaction", f"t{n}"))
        cited.append(own or g)
    for n, (i, own) in enumerate(statements):
        sid, g = source_of(i)
        case.engine.execute("INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id, "
                            "reliability, credibility) VALUES (?, 'p', 'Person', 'name', 'X', ?, ?, ?)",
                            [f"st{n}", sid, own.reliability if own else None, own.credibility if own else None])
        cited.append(own or g)
    if statements:
        refs.append(FindingRef("entity", "p", "subject"))
    for i in cite_sources:
        sid, g = source_of(i)
        refs.append(FindingRef("source", sid))
        cited.append(g)
    if not refs:
        return
    write_findings(case, [Finding("typology", "x", "f", "x", 1.0, refs)], stamp_of("property"))
    grade = _stored_grade(case)
    assert grade is not None and cited
    best_rel = min(_rank(g)[0] for g in cited)
    best_cred = min(_rank(g)[1] for g in cited)
    assert _rank(grade)[0] >= best_rel, f"{grade} is more reliable than anything in {cited}"
    assert _rank(grade)[1] >= best_cred, f"{grade} is more credible than anything in {cited}"
    if not txns and not cite_sources:
        # Only the entity: it stands on one of its statements, never on a mix of two.
        assert grade in cited


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source_grades=st.lists(grades, min_size=1, max_size=5),
       citations=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=4),
       claims=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1), st.sampled_from((*COUNTED, "extracted")),
                                 st.none() | grades), min_size=1, max_size=6))
def test_claim_standing_in_sql_is_the_corroboration_rule(
        graded_case: Case, source_grades: list[Grade], citations: list[tuple[int, int]],
        claims: list[tuple[int, int, str, Grade | None]]) -> None:
    """The set-based standing of each claim is what ``evidence.corroboration`` computes in Python; its
    reliability is that of one origin, never better than the best origin's."""
    case = graded_case
    _reset(case)
    for table in ("claims", "source_citations", "source_origins"):
        case.engine.replace_partition(table, {})
    n = len(source_grades)
    for i, g in enumerate(source_grades):
        upsert_source(case, SourceRecord(f"s{i}", "media", f"source {i}", g))
    for a, b in citations:
        if a % n != b % n:
            add_citation(case, f"s{a % n}", f"s{b % n}")
    rebuild_origins(case)
    for k, (src, obj, status, own) in enumerate(claims):
        case.engine.execute(
            "INSERT INTO claims (claim_id, claim_key, subject, relation, object, source_id, status, reliability, "
            "credibility) VALUES (?, ?, 'X', 'paid', ?, ?, ?, ?, ?)",
            [f"c{k}", f"key{obj}", f"Y{obj}", f"s{src % n}", status, own.reliability if own else None,
             own.credibility if own else None])
    by_key = {str(k): Grade(str(r), int(c)) for k, r, c in case.engine.rows(claim_standing_sql())}
    expected = {c.claim_key: c.grade for c in all_corroborations(case) if c.grade is not None}
    assert by_key == expected
    for key, grade in by_key.items():
        origins = [o.grade for c in all_corroborations(case) if c.claim_key == key for o in c.origins]
        assert _rank(grade)[0] >= min(_rank(g)[0] for g in origins)


def test_one_grade_shared_by_every_transaction_grades_as_the_lookup_would(case: Case) -> None:
    """The fast path (all transactions inherit one grade: no lookup) and the general one (a re-grade looks
    every cited row up) agree, and the fast path steps aside when sources differ or a row has its own grade."""
    upsert_source(case, SourceRecord("bank", "bank_export", "bank", Grade.parse("B2")))
    upsert_source(case, SourceRecord("bank2", "bank_export", "bank2", Grade.parse("B2")))
    upsert_source(case, SourceRecord("doc", "media", "doc", Grade.parse("A1")))
    for n, sid in enumerate(("bank", "bank2", "bank")):
        case.engine.execute("INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, "
                            "source_id) VALUES (?, '2022-01-01', 'a', 'b', ?, 'USD', ?)", [f"t{n}", n + 1, sid])
    cites = [FindingRef("transaction", "t0"), FindingRef("transaction", "t1"), FindingRef("source", "doc")]

    def graded(tag: str) -> tuple[Grade | None, Grade | None]:
        write_findings(case, [Finding("typology", "x", tag, "x", 1.0, cites)], stamp_of(tag))
        at_write = {r["title"]: r for r in list_findings(case)}[tag]
        regrade_findings(case)
        again = {r["title"]: r for r in list_findings(case)}[tag]
        return tuple(None if r["reliability"] is None else Grade(str(r["reliability"]), int(r["credibility"]))
                     for r in (at_write, again))  # type: ignore[return-value]

    assert graded("shared") == (Grade("B", 2), Grade("B", 2))
    case.engine.upsert("sources", ["source_id"], "SELECT 'bank2' AS source_id, 'D' AS reliability, 4 AS credibility")
    assert graded("differ") == (Grade("D", 4), Grade("D", 4))
    case.engine.upsert("sources", ["source_id"], "SELECT 'bank2' AS source_id, 'B' AS reliability, 2 AS credibility")
    case.engine.upsert("transactions", ["txn_id"], "SELECT 't0' AS txn_id, 'E' AS reliability, 5 AS credibility")
    assert graded("own") == (Grade("E", 5), Grade("E", 5))
