"""Hostile text in data (rich markup, terminal escape sequences, hyperlinks, bidi overrides) is printed
literally by every human-readable verb: never interpreted, never sent raw to the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from moneytrail.cli import output
from moneytrail.cli.app import build_app
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.model.stage import Stamp
from moneytrail.store import Case
from moneytrail.store.findings import write_findings

HOSTILE = "[/bold] \x1b[31mred\x1b[0m [link=http://evil.example]click[/link] \x1b]8;;http://evil\x07x \u202efdp.exe"
HEADER = "txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"


@pytest.fixture
def hostile_case(tmp_path: Path) -> Path:
    app, runner = build_app(), CliRunner()
    case = tmp_path / "case"
    assert runner.invoke(app, ["init", str(case)]).exit_code == 0
    data = tmp_path / "[bold]evil[link=x].csv"
    channel = '"' + HOSTILE.replace('"', '""') + '"'
    data.write_text(f"{HEADER}\nt1,2021-03-04T05:06:07Z,B1,A1,B2,A2,100,USD,{channel}\n"
                    f"t2,2021-03-04T05:06:07Z,B1,A1,B2,A2,-1,USD,{channel}\n")
    # Half the rows are bad on purpose: raise the quarantine share that would otherwise exit 2.
    out = runner.invoke(app, ["ingest", "transactions", str(case), str(data), "--max-quarantine", "1"])
    assert out.exit_code == 0, out.output
    with Case.open(case) as c:
        write_findings(c, [Finding(kind="typology", typology="fan-in", title=HOSTILE, explanation=HOSTILE, score=0.5,
                                   refs=[FindingRef("transaction", "t1")])], Stamp("detect", 1, {}, scope="fan-in"))
    return case


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough that no cell folds, so the text can be searched for as written."""
    for console in (output.console, output.error_console):
        # The private field, so that undoing restores "follow the terminal" rather than a fixed width.
        monkeypatch.setattr(console, "_width", 1000)


def _assert_inert(output: str) -> None:
    assert "\x1b" not in output and "\x07" not in output and "\u202e" not in output
    assert "\\x1b[31mred" in output
    assert "<U+202E>fdp.exe" in output or "fdp.exe" not in output  # quarantine shows the first 120 characters


@pytest.mark.parametrize("verb", [["status"], ["quarantine"], ["findings"]])
def test_verbs_print_hostile_text_literally(hostile_case: Path, verb: list[str]) -> None:
    out = CliRunner().invoke(build_app(), [*verb, str(hostile_case)])
    assert out.exit_code == 0, out.output
    assert "[bold]evil[link=x].csv" in out.output or verb == ["findings"]
    if verb != ["status"]:
        _assert_inert(out.output)
        assert "[/bold]" in out.output and "[link=http://evil.example]click[/link]" in out.output
    assert "\x1b" not in out.output


def test_errors_print_hostile_file_names_literally(tmp_path: Path) -> None:
    app, runner = build_app(), CliRunner()
    case = tmp_path / "case"
    assert runner.invoke(app, ["init", str(case)]).exit_code == 0
    bad = tmp_path / "[bold]\x1b[2J[link=x].csv"
    bad.write_text("wrong,header\n1,2\n")
    out = runner.invoke(app, ["ingest", "transactions", str(case), str(bad)])
    assert out.exit_code == 1
    assert "[bold]\\x1b[2J[link=x].csv" in out.output and "\x1b" not in out.output and "line 1" in out.output


def test_quarantine_export_defuses_formulas(tmp_path: Path) -> None:
    import csv

    app, runner = build_app(), CliRunner()
    case = tmp_path / "case"
    assert runner.invoke(app, ["init", str(case)]).exit_code == 0
    data = tmp_path / "t.csv"
    data.write_text(f'{HEADER}\n"=HYPERLINK(""http://evil.example"")",2021-03-04T05:06:07Z,B1,A1,B2,A2,-1,USD,wire\n'
                    "@SUM(1),2021-03-04T05:06:07Z,B1,A1,B2,A2,-2,USD,+cmd\n")
    assert runner.invoke(app, ["ingest", "transactions", str(case), str(data), "--max-quarantine", "1"]).exit_code == 0
    export = tmp_path / "q.csv"
    assert runner.invoke(app, ["quarantine", str(case), "--export", str(export)]).exit_code == 0
    with export.open(newline="") as fh:
        raws = sorted(r["raw"] for r in csv.DictReader(fh))
    # The raw text is the line as written (its quote first, so no formula); a bare formula prefix is defused.
    assert raws[0] == '"=HYPERLINK(""http://evil.example"")",2021-03-04T05:06:07Z,B1,A1,B2,A2,-1,USD,wire'
    assert raws[1].startswith("'@SUM(1)")
    assert not any(r[:1] in ("=", "+", "-", "@") for r in raws)
