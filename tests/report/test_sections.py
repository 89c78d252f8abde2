from __future__ import annotations

from moneytrail.report import sections
from moneytrail.report.probe import has_table, table_columns
from moneytrail.report.timeline import timeline
from moneytrail.store import Case


def test_probe_reports_missing_tables_and_columns(case: Case) -> None:
    assert has_table(case, "transactions", "txn_id", "amount")
    assert not has_table(case, "transactions", "no_such_column")
    assert not has_table(case, "no_such_table")
    assert table_columns(case, "no_such_table") == set()


def test_empty_case_gives_empty_sections(case: Case) -> None:
    s = sections.summary(case)
    assert (s["total"], s["by_kind"], s["key"], s["route"]) == (0, {}, [], [])
    assert sections.sankey(case)["links"] == []
    assert timeline(case) == {"lanes": [], "with_wounded": False, "pairs": [], "findings": [], "events": 0}
    assert sections.typologies(case)["rows"] == []
    assert sections.evidence(case) == []


def test_summary_uses_grade_wording(sample_case: Case) -> None:
    s = sections.summary(sample_case)
    assert s["total"] == sample_case.count("findings") == 5
    leads = {f["title"]: (f["lead_in"], f["grade"]) for f in s["key"]}
    assert leads["Round amounts paid to a filler account"] == ("Doubtful", "E4")
    # Graded from what they rest on: the bank ledger's B2 payments; the tip-line's E4.
    assert leads["Front company split funds to two brokers within a day"] == ("Probably", "B2")
    tiers = [f["tier_kind"] for f in s["key"]]
    assert tiers == ["trace", "link", "role", "typology", "typology", "typology"]  # what matters first, background last
    assert s["key"][3]["score"] >= s["key"][4]["score"] >= s["key"][5]["score"]
    assert s["key"][0]["score"] is None  # a trace has an amount, not a score
    assert s["key"][2]["title"].startswith("Money brokers on the traced route:")
    broker = next(f for f in s["key"] if f["typology"] == "cash-broker")
    assert broker["sources"] == ["doc-hawala"]  # cited directly and through its two legs
    trace = next(f for f in s["key"] if f["kind"] == "trace")
    assert trace["sources"] == ["bank-ledger", "doc-hawala"]
    assert s["by_kind"]["typology"] == {"probable": 2, "doubtful": 1}


def test_sankey_reads_trace_details(sample_case: Case) -> None:
    s = sections.sankey(sample_case)
    assert len(s["links"]) == 5
    assert {n["id"] for n in s["nodes"]} >= {"ent-sponsor", "ent-recipient-2"}
    sponsor = next(link for link in s["links"] if link["source"] == "ent-sponsor")
    assert sponsor["amount"] == 250_000.0
    assert s["routes"][0]["countries"] == ["lu", "cy", "ae", "ke"]


def test_acyclic_drops_the_link_closing_a_cycle() -> None:
    kept, dropped = sections.acyclic_links([("a", "b", 5.0), ("b", "c", 4.0), ("c", "a", 3.0), ("a", "a", 1.0)])
    assert kept == [("a", "b", 5.0), ("b", "c", 4.0)]
    assert dropped == 2


def test_timeline_lanes_per_actor(sample_case: Case) -> None:
    t = timeline(sample_case)
    lanes = [(lane["actor"], lane["linked"]) for lane in t["lanes"]]
    assert lanes == [("Vell Militia", True), ("Harbour Guard", False)]
    assert len(t["pairs"]) == 3 == len(t["lanes"][0]["payments"])
    assert {p["txn_id"] for p in t["pairs"]} == {"story-4", "story-5"}
    assert t["events"] == sample_case.count("events")
    dates = [e["event_date"] for e in t["lanes"][0]["events"]]
    assert dates == sorted(dates)
    assert t["lanes"][1]["payments"] == []  # the comparison actor: events, no payments tied to it


def test_evidence_counts_and_chains(sample_case: Case) -> None:
    ev = {s["source_id"]: s for s in sections.evidence(sample_case)}
    assert set(ev) == {r[0] for r in sample_case.engine.rows("SELECT source_id FROM sources")}
    ledger_txns = sample_case.engine.scalar("SELECT count(*) FROM transactions WHERE source_id = 'bank-ledger'")
    assert ev["bank-ledger"]["counts"]["transactions"] == ledger_txns
    assert ev["doc-hawala"]["counts"]["findings"] == 3  # trace, cash-broker (direct + its legs), link
    assert ev["doc-hawala"]["chains"] == [["doc-hawala", "news-1", "wire-0"]]
    assert ev["wire-0"]["chains"] == []
    assert ev["registry"]["counts"]["statements"] == sample_case.count("statements")
    assert ev["news-1"]["wording"] == "possible"
    assert ev["doc-hawala"]["documents"][0]["title"] == "Memo on hawala legs"
    assert ev["doc-hawala"]["documents"][0]["excerpt"].startswith("Two hawala brokers in Vell")


def test_attribution_chains_branch_and_cut_cycles() -> None:
    cites = {"a": ["b", "c"], "b": ["d"], "c": ["a"]}
    assert sections.attribution_chains(cites, "a") == [["a", "b", "d"], ["a", "c"]]
    assert sections.attribution_chains(cites, "d") == []
