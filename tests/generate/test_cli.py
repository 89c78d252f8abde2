"""``moneytrail generate``: options reach the config, JSON summary, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from moneytrail.cli.app import build_app

runner = CliRunner()


def test_generate_verb_writes_a_case(tmp_path: Path) -> None:
    out = tmp_path / "case"
    result = runner.invoke(build_app(), ["generate", str(out), "--transactions", "3000", "--seed", "9",
                                         "--typologies", "1", "--count", "cycle=3", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["transactions"] == 3000
    assert summary["typologies"]["cycle"] == 3 and summary["typologies"]["fan-in"] == 1
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 9
    assert summary["network"]["share_to_cells"] == truth["network"]["share_to_cells"]


def test_generate_verb_rejects_bad_input(tmp_path: Path) -> None:
    result = runner.invoke(build_app(), ["generate", str(tmp_path / "x"), "--count", "cycle=lots"])
    assert result.exit_code != 0 and "TYPE=N" in result.output
    result = runner.invoke(build_app(), ["generate", str(tmp_path / "x"), "--format", "xml"])
    assert result.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_generate_verb_reports_an_unusable_output_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    result = runner.invoke(build_app(), ["generate", str(blocker), "--transactions", "1000"])
    assert result.exit_code == 2
