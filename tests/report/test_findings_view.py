"""The report reads the newest run of each stage once, leaves a list's matches with itself out, and
names parties by their most readable name."""

from __future__ import annotations

from moneytrail.model.finding import Finding, FindingRef
from moneytrail.model.stage import Stamp
from moneytrail.report.findings_view import count_by_kind, read_findings
from moneytrail.report.names import entity_names
from moneytrail.report.render import count_noun
from moneytrail.store import Case
from moneytrail.store.findings import write_findings
from moneytrail.store.sources import SourceRecord, upsert_source

STAMP = Stamp("trace", 1, {"from": ["e1"]}, scope="fifo")


def _finding(title: str = "t") -> Finding:
    return Finding("trace", "fifo", title, "x", 1.0, [FindingRef("account", "A:1", "origin")],
                   params={"from": ["e1"]})


def test_a_rerun_replaces_the_earlier_run(case: Case) -> None:
    write_findings(case, [_finding(), _finding("other path")], STAMP)
    write_findings(case, [_finding()], STAMP)
    assert case.count("findings") == 1
    assert [f["title"] for f in read_findings(case)] == ["t"]
    assert count_by_kind(case) == {"trace": {"doubtful": 1}}


def test_a_list_matching_itself_is_left_out(case: Case) -> None:
    upsert_source(case, SourceRecord("file-abc", "sanctions_list", "list.jsonl", path="/data/list.jsonl"))
    upsert_source(case, SourceRecord("list:list", "sanctions_list", "list.jsonl", path="/data/list.jsonl"))
    upsert_source(case, SourceRecord("kyc", "bank_record", "kyc.jsonl", path="/data/kyc.jsonl"))
    own = Finding("screen", "sanctions", "A matches A", "x", 1.0,
                  [FindingRef("entity", "s-1", "subject"), FindingRef("source", "file-abc", "case source"),
                   FindingRef("source", "list:list", "list")])
    real = Finding("screen", "sanctions", "B matches A", "x", 0.9,
                   [FindingRef("entity", "k-1", "subject"), FindingRef("source", "kyc", "case source"),
                    FindingRef("source", "list:list", "list")])
    write_findings(case, [own, real], Stamp("screen", 1, {"list": "list:list"}, scope="list:list"))
    assert [f["title"] for f in read_findings(case)] == ["B matches A"]


def test_names_prefer_a_readable_name(case: Case) -> None:
    case.engine.execute(
        "INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) VALUES "
        "('1', 'e1', 'Company', 'name', 'ООО «Яхонт Трейд»', 's'), "
        "('2', 'e1', 'Company', 'name', 'Yakhont Trade LLC', 's'), "
        "('3', 'e1', 'Company', 'alias', 'YT', 's')")
    assert entity_names(case, ["e1"])["e1"] == ["Yakhont Trade LLC", "YT", "ООО «Яхонт Трейд»"]


def test_counts_agree_with_their_noun() -> None:
    assert count_noun(1, "claims") == "1 claim"
    assert count_noun(2, "claims") == "2 claims"
    assert count_noun(1_200, "transactions") == "1,200 transactions"
