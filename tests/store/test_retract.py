"""``ingest undo``: one ingest retracted exactly, findings on it marked stale, atomic under ``kill -9``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.ingest import ingest_events, ingest_transactions
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.model.stage import Stamp
from moneytrail.store import Case
from moneytrail.store.findings import write_findings
from moneytrail.store.retract import RetractError, retract_ingest

REAL = Path(__file__).parents[1] / "data" / "real"
TABLES = ("transactions", "events", "quarantine", "ingest_log", "statements", "entity_meta", "quarantined_values")
HEADER = "txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"


def counts(case: Case) -> dict[str, int]:
    return {t: case.count(t) for t in TABLES}


def write_native(path: Path, rows: int, prefix: str) -> Path:
    path.write_text(HEADER + "\n" + "".join(f"{prefix}{i},2021-03-04T05:06:07Z,B1,A{i % 7},B2,C{i % 5},{i}.5,USD,wire\n"
                                            for i in range(rows)) + f"{prefix}bad,nope,B1,A1,B2,C1,1,USD,wire\n")
    return path


def test_undo_restores_the_counts_exactly_and_marks_findings_stale(case: Case, tmp_path: Path) -> None:
    ingest_transactions(case, write_native(tmp_path / "a.csv", 20, "a"))
    ingest_events(case, REAL / "acled_old_layout_hdx.csv")
    before = counts(case)
    second = ingest_transactions(case, write_native(tmp_path / "b.csv", 30, "b"))
    assert case.count("transactions") == before["transactions"] + 30
    number = int(second.details["ingest_no"])
    finding = Finding(kind="typology", typology="fan-in", title="t", explanation="e", score=1.0,
                      refs=[FindingRef("transaction", "b3", "member")], params={}, query="q")
    other = Finding(kind="typology", typology="fan-out", title="u", explanation="e", score=1.0,
                    refs=[FindingRef("transaction", "a3", "member")], params={}, query="q")
    write_findings(case, [finding, other], Stamp("detect", 1, {}, scope="test"))
    done = retract_ingest(case, number)
    assert counts(case) == before
    assert done.rows == {"transactions": 30, "quarantine": 1} and done.stale_findings == 1
    stale = dict(case.engine.rows("SELECT typology, stale_reason FROM findings"))
    assert stale["fan-out"] is None and "ingest undo" in stale["fan-in"] and "b.csv" in stale["fan-in"]
    again = ingest_transactions(case, tmp_path / "b.csv")  # the file may be ingested again
    assert not again.skipped and again.rows_stored == 30
    with pytest.raises(RetractError, match="no ingest number 99"):
        retract_ingest(case, 99)


def test_cli_undo_replace_and_quarantine_threshold(tmp_path: Path) -> None:
    app, runner = build_app(), CliRunner()
    case = tmp_path / "case"
    assert runner.invoke(app, ["init", str(case)]).exit_code == 0
    data = write_native(tmp_path / "t.csv", 9, "t")  # 1 of 10 rows bad: 10% > 5%
    out = runner.invoke(app, ["ingest", "transactions", str(case), str(data)])
    assert out.exit_code == 2 and "more than 5%" in out.output and "ingest undo" in out.output
    ok = runner.invoke(app, ["ingest", "transactions", str(case), str(data), "--replace", "--max-quarantine", "0.2"])
    assert ok.exit_code == 0 and "replaced: retracted ingest 1" in ok.output
    status = json.loads(runner.invoke(app, ["status", str(case), "--json"]).output)
    assert len(status["ingests"]) == 1
    undo = runner.invoke(app, ["ingest", "undo", str(case), "2", "--json"])
    assert undo.exit_code == 0 and json.loads(undo.output)["rows"] == {"transactions": 9, "quarantine": 1}
    with Case.open(case) as c:
        assert c.count("transactions") == 0 and c.count("ingest_log") == 0 and c.count("quarantine") == 0
    assert runner.invoke(app, ["ingest", "undo", str(case), "2"]).exit_code == 1


CHILD = textwrap.dedent("""
    import sys
    from moneytrail.store import Case
    from moneytrail.store import retract

    real_mark = retract.mark_findings_stale

    def slow_mark(case, *args, **kwargs):
        n = real_mark(case, *args, **kwargs)
        # Inside the undo's transaction, before the deletes commit: the parent kills us mid-way.
        case.engine.replace_partition("transactions", {"ingest_no": 2})
        print("deleting", flush=True)
        import time; time.sleep(120)
        return n

    retract.mark_findings_stale = slow_mark
    with Case.open(sys.argv[1]) as case:
        retract.retract_ingest(case, 2)
""")


@pytest.mark.slow
def test_kill_during_undo_leaves_the_case_consistent(tmp_path: Path) -> None:
    with Case.create(tmp_path / "case") as case:
        ingest_transactions(case, write_native(tmp_path / "a.csv", 50, "a"))
        ingest_transactions(case, write_native(tmp_path / "b.csv", 5000, "b"))
        before = counts(case)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "case")], stdout=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert child.stdout is not None
    started = time.monotonic()
    for line in child.stdout:
        if line.strip() == "deleting":
            break
    assert time.monotonic() - started < 60
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    with Case.open(tmp_path / "case") as case:
        assert counts(case) == before  # nothing of the half-done undo survived
        done = retract_ingest(case, 2)  # and the undo then completes
        assert done.rows["transactions"] == 5000 and case.count("transactions") == 50


def test_cli_findings_say_when_they_are_stale(tmp_path: Path) -> None:
    app, runner = build_app(), CliRunner()
    case_dir = tmp_path / "case"
    with Case.create(case_dir) as case:
        done = ingest_transactions(case, write_native(tmp_path / "a.csv", 5, "a"))
        write_findings(case, [Finding(kind="typology", typology="fan-in", title="t", explanation="three payments in",
                                      score=1.0, refs=[FindingRef("transaction", "a1", "member")], params={},
                                      query="q")],
                       Stamp("detect", 1, {}, scope="test"))
        retract_ingest(case, int(done.details["ingest_no"]))
    out = runner.invoke(app, ["findings", str(case_dir)])
    assert out.exit_code == 0 and "STALE" in out.output
    as_json = runner.invoke(app, ["findings", str(case_dir), "--json"])  # the reason, unwrapped by the table
    assert as_json.exit_code == 0 and "ingest undo" in as_json.output
