"""The demo end to end on a small case: every stage runs, and every stored finding rests on rows
and sources that exist (the evidence audit), whichever stage wrote it."""

from __future__ import annotations

import pytest

from moneytrail.demo import DemoOptions, run_demo
from moneytrail.demo.pipeline import STAGES, DemoRun
from moneytrail.demo.summary import summarise
from moneytrail.evidence.audit import audit_findings
from moneytrail.store import Case


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(DemoOptions(out, transactions=20_000, seed=11))


def test_every_stage_ran(demo_run: DemoRun) -> None:
    assert list(demo_run.seconds) == [name for name, _ in STAGES]
    assert demo_run.report_file.stat().st_size > 100_000
    assert (demo_run.options.out / "summary.json").exists()


def test_every_finding_references_existing_rows_and_sources(demo_run: DemoRun) -> None:
    with Case.open(demo_run.case_file, read_only=True) as case:
        kinds = {str(k) for (k,) in case.engine.rows("SELECT DISTINCT kind FROM findings")}
        assert {"typology", "trace", "link", "screen"} <= kinds
        assert audit_findings(case) == []
        unreferenced = case.engine.scalar(
            "SELECT count(*) FROM findings f WHERE NOT EXISTS "
            "(SELECT 1 FROM finding_refs r WHERE r.finding_id = f.finding_id)")
        assert unreferenced == 0


def test_ingest_reconciles_and_summary_reports_each_question(demo_run: DemoRun) -> None:
    rows = summarise(demo_run)
    by_question = {r["question"]: r for r in rows}
    assert by_question["rows read = stored + quarantined"]["ok"]
    assert by_question["findings citing missing rows or sources"]["ok"]
    assert any(q.startswith("bounty signature") for q in by_question)
    # Resolution: every planted namesake kept apart; on this small case all but one planted cross-script
    # identity merged (as before this change: 33 of 34; the 100k demo merges all 96). A regression guard:
    # a resolution change that lost these merges once passed every other test.
    merged = by_question["cross-script identities merged"]
    assert int(merged["found"]) >= int(merged["planted"]) - 1, merged
    assert by_question["similar-named distinct people kept apart"]["ok"]


def test_planted_attempts_and_network_roles_are_found(demo_run: DemoRun) -> None:
    """On this small case (20k transactions; the demo runs 100k, where every row holds) each planted
    typology must be found in at least 3 of its 4 attempts, and every network role ranked in the top 50."""
    rows = summarise(demo_run)
    attempts = [r for r in rows if r["question"].startswith("planted ")]
    roles = [r for r in rows if r["question"].endswith("among typology findings")]
    assert len(attempts) == 11 and len(roles) == 4
    assert [(r["question"], r["found"]) for r in attempts if int(r["found"]) < int(r["planted"]) - 1] == []
    assert [(r["question"], r["found"]) for r in roles if not r["ok"]] == []


def test_the_learner_shows_its_top_findings_with_explanations(demo_run: DemoRun) -> None:
    rows = summarise(demo_run)
    learner = [r for r in rows if r["question"].startswith("learner")]
    assert learner and learner[0]["ok"], learner
    tops = [r for r in learner if r["question"].startswith("learner finding #")]
    assert tops and all(r["found"] for r in tops)
    assert any(ch.isdigit() for ch in tops[0]["found"])  # e.g. "sender paid 3 new counterparties today"
    # The planted truth names typologies, so each top finding says which it looks like, with its probability.
    assert all(r["found"].startswith("shaped like ") and "(p " in r["found"] for r in tops), tops
