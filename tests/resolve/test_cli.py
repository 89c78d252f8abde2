from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.store import Case

runner = CliRunner()


@pytest.fixture
def case_path(tmp_path: Path, add_rows: Any, people_rows: list[Any]) -> Path:
    path = tmp_path / "case"
    with Case.create(path) as c:
        add_rows(c, [*people_rows, ("bank-9", "Person", "name", "Oleg Dmitrenko", "bank")])
    return path


def test_resolve_review_screen_verbs(tmp_path: Path, case_path: Path, write_list: Any,
                                    list_entities: list[Any]) -> None:
    app = build_app()
    path = case_path
    out = runner.invoke(app, ["resolve", str(path), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["entities"] == 10
    listed = runner.invoke(app, ["review", str(path), "--json"])
    pairs = json.loads(listed.output)
    assert pairs and all(p["probability"] < 0.9 for p in pairs)
    # Interactive: positive on the first pair, then quit.
    walked = runner.invoke(app, ["review", str(path)], input="p\nq\n")
    assert walked.exit_code == 0, walked.output
    assert "positive 1" in walked.output
    with Case.open(path) as c:
        judged = c.engine.rows("SELECT left_id, right_id, judgement FROM resolve_judgements")
        assert judged == [(pairs[0]["left_id"], pairs[0]["right_id"], "positive")]
        mapping = dict(c.engine.rows("SELECT entity_id, canonical_id FROM entity_canonical"))
        assert mapping[pairs[0]["left_id"]] == mapping[pairs[0]["right_id"]]
    screened = runner.invoke(app, ["screen", str(path), "--list", str(write_list(tmp_path / "l.jsonl", list_entities)),
                                   "--json"])
    assert screened.exit_code == 0, screened.output
    assert any(h["list_entity_id"] == "sl-1" and h["programme"] == ["Fictional Programme 7"]
               for h in json.loads(screened.output))


def test_screen_names_bad_list_line(tmp_path: Path, case_path: Path) -> None:
    path = case_path
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    out = runner.invoke(build_app(), ["screen", str(path), "--list", str(bad)])
    assert out.exit_code == 2
    assert "bad.jsonl:1" in out.output
