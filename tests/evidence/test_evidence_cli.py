"""The evidence verbs end to end: ingest sources/documents/claims, review claims, attribution, audit."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.store import Case

runner = CliRunner()


def test_sources_claims_review_and_chains(seeded_case_dir: Path, data_dir: Path) -> None:
    app, case = build_app(), seeded_case_dir
    result = runner.invoke(app, ["ingest", "sources", str(case), str(data_dir / "sources.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["sources"] == 5 and out["placeholders"] == ["src-wire"] and out["claims_extracted"] >= 4
    result = runner.invoke(app, ["ingest", "claims", str(case), str(data_dir / "claims.csv"), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["claims_added"] == 4
    pending = json.loads(runner.invoke(app, ["claims", str(case), "--pending", "--json"]).stdout)
    assert pending and all(c["status"] == "extracted" for c in pending)
    target = next(c for c in pending if c["source_id"] == "src-fieldnote")
    result = runner.invoke(app, ["claims", str(case), "--confirm", target["claim_id"], "--json"])
    assert result.exit_code == 0
    confirmed = next(c for c in json.loads(result.stdout) if c["claim_id"] == target["claim_id"])
    assert confirmed["status"] == "confirmed"
    result = runner.invoke(app, ["claims", str(case), "--confirm", "no-such-claim"])
    assert result.exit_code == 2
    chains = json.loads(runner.invoke(app, ["evidence", str(case), "--source", "src-outlet", "--json"]).stdout)
    assert chains["chains"] == [["src-outlet", "src-leak"]]
    assert chains["origins"] == [{"origin": "src-leak", "depth": 1, "chain_grade": "C3"}]
    regraded = runner.invoke(app, ["evidence", str(case), "--source", "src-leak", "--set-grade", "d4", "--json"])
    assert regraded.exit_code == 0 and json.loads(regraded.stdout)["grade"] == "D4"
    audit = runner.invoke(app, ["evidence", str(case), "--audit", "--json"])
    assert audit.exit_code == 0 and json.loads(audit.stdout)["audit"] == []
    with Case.open(case, read_only=True) as c:
        assert c.engine.scalar("SELECT count(*) FROM findings WHERE kind = 'claim'") >= 3


def test_documents_verb_reports_scanned_pdf(seeded_case_dir: Path, data_dir: Path) -> None:
    app, case = build_app(), seeded_case_dir
    result = runner.invoke(app, ["ingest", "documents", str(case), str(data_dir / "report_scanned.pdf"),
                                 str(data_dir / "field_note.txt"), "--grade", "B3"])
    assert result.exit_code == 0, result.output
    assert "no text layer" in result.output
    with Case.open(case, read_only=True) as c:
        assert c.engine.rows("SELECT DISTINCT reliability, credibility FROM sources WHERE kind = 'document'") == [
            ("B", 3)]
    result = runner.invoke(app, ["ingest", "documents", str(case), str(data_dir / "nope.docx")])
    assert result.exit_code == 2 and "unsupported document type" in result.output


def test_bad_claims_file_exits_with_file_and_line(seeded_case_dir: Path, data_dir: Path) -> None:
    result = runner.invoke(build_app(), ["ingest", "claims", str(seeded_case_dir), str(data_dir / "claims_bad.csv")])
    assert result.exit_code == 2
    assert "claims_bad.csv:3" in result.output and "YYYY-MM-DD" in result.output
