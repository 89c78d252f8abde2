from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.store import Case
from moneytrail.store.findings import list_findings
from tests.detect.test_learn_transactions import insert_table, labelled_table


def _case(path: Path, seed: int) -> Path:
    with Case.create(path) as c:
        insert_table(c, labelled_table(seed))
    return path


def test_learn_saves_a_model_that_scores_another_case(tmp_path: Path) -> None:
    train, other, model = _case(tmp_path / "a", 1), _case(tmp_path / "b", 2), tmp_path / "m" / "model.txt"
    runner = CliRunner()
    learned = runner.invoke(build_app(), ["learn", str(train), "--split", "temporal:60/20/20", "--rounds", "40",
                                          "--save", str(model), "--json"])
    assert learned.exit_code == 0, learned.output
    out = json.loads(learned.output)
    assert out["test"]["f1"] > 0.8 and out["findings"] > 0
    meta = json.loads((tmp_path / "m" / "model.txt.json").read_text())
    assert meta["metrics"]["test"]["f1"] == out["test"]["f1"] and len(meta["training_hash"]) == 32
    assert "s_out_new_1d" in meta["features"]["names"]
    scored = runner.invoke(build_app(), ["score", str(other), "--model", str(model)])
    assert scored.exit_code == 0, scored.output
    assert "top findings" in scored.output
    with Case.open(other) as c:
        found = list_findings(c, kind="learn")
    assert found and all("Why:" in f["explanation"] for f in found)


def test_score_names_the_missing_sidecar(tmp_path: Path) -> None:
    path = _case(tmp_path / "a", 1)
    (tmp_path / "model.txt").write_text("x")
    result = CliRunner().invoke(build_app(), ["score", str(path), "--model", str(tmp_path / "model.txt")])
    assert result.exit_code == 2 and "model.txt.json" in result.output
