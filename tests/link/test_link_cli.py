from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from moneytrail.cli.app import build_app

runner = CliRunner()


def test_link_verb_json_and_table(link_case_dir: Path) -> None:
    args = ["link", str(link_case_dir), "--actor", "Kestrel Ridge Front", "--actor", "Silver Marsh Company",
            "--window", "14", "--permutations", "199"]
    result = runner.invoke(build_app(), [*args, "--json"])
    assert result.exit_code == 0, result.output
    paid, control = json.loads(result.stdout)
    assert paid["found"] and paid["p_value"] < 0.01 and paid["finding_id"]
    assert not control["found"] and control["finding_id"] is None
    table = runner.invoke(build_app(), args, env={"COLUMNS": "240"})
    assert table.exit_code == 0 and "FOUND" in table.output and "not found" in table.output
    bad = runner.invoke(build_app(), ["link", str(link_case_dir), "--actor", "X", "--window", "0"])
    assert bad.exit_code == 2
