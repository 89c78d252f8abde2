from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.store import Case
from tests.detect.graphs import background, insert_rows


def _case(tmp_path: Path) -> Path:
    path = tmp_path / "case"
    with Case.create(path) as c:
        insert_rows(c, background() + [(f"fi{i}", 200 + i * 5, f"b:m{i}", "b:hub", 3000.0) for i in range(8)])
    return path


def test_detect_stores_findings_and_findings_lists_them(tmp_path: Path) -> None:
    path = _case(tmp_path)
    runner = CliRunner()
    result = runner.invoke(build_app(), ["detect", str(path), "-t", "fan-in", "--param", "fan-in.min_degree=5",
                                         "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["findings"] == {"fan-in": 1} and "b:hub" in out["top"][0]["explanation"]
    listed = runner.invoke(build_app(), ["findings", str(path), "--json", "--kind", "typology", "--limit", "5"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert len(rows) == 1 and rows[0]["typology"] == "fan-in"
    assert len([r for r in rows[0]["refs"] if r["ref_kind"] == "transaction"]) == 8
    table = runner.invoke(build_app(), ["findings", str(path)])
    assert table.exit_code == 0 and "fan-in" in table.output


def test_detect_refuses_bad_parameters_with_a_reason(tmp_path: Path) -> None:
    path = _case(tmp_path)
    result = CliRunner().invoke(build_app(), ["detect", str(path), "-t", "fan-in", "--param", "fan-in.nope=1"])
    assert result.exit_code == 2
    assert "unknown parameter" in result.output + (result.stderr if result.stderr_bytes else "")


def test_detect_lists_detectors(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), ["detect", str(tmp_path), "--list", "--json"])
    assert result.exit_code == 0
    assert {"fan-in", "structuring", "front-company"} <= {d["typology"] for d in json.loads(result.output)}
