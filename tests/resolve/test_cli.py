from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.resolve.model import DEFAULT_MODEL
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


def test_train_writes_a_model_file_and_model_reuses_it(tmp_path: Path) -> None:
    from moneytrail.generate.identities import identity_set
    from moneytrail.model.ids import statement_id

    app = build_app()
    paths = []
    for name, seed in (("one", 3), ("two", 4)):
        path = tmp_path / name
        rows = identity_set(200, seed=seed).statements.to_pylist()
        with Case.create(path) as c:
            for r in rows:
                c.engine.execute("INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) "
                                 "VALUES (?, ?, ?, ?, ?, ?)",
                                 [statement_id(r["entity_id"], r["schema"], r["prop"], r["value"], r["source_id"]),
                                  r["entity_id"], r["schema"], r["prop"], r["value"], r["source_id"]])
        paths.append(path)
    model_file = tmp_path / "model.json"
    trained = runner.invoke(app, ["resolve", str(paths[0]), "--train", "--model", str(model_file), "--json"])
    assert trained.exit_code == 0, trained.output
    out = json.loads(trained.output)
    assert out["trained"] is True and json.loads(model_file.read_text())["model_id"] == out["model_id"]
    reused = runner.invoke(app, ["resolve", str(paths[1]), "--model", str(model_file), "--json"])
    assert reused.exit_code == 0, reused.output
    again = json.loads(reused.output)
    assert again["model_id"] == out["model_id"] and again["trained"] is False
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    failed = runner.invoke(app, ["resolve", str(paths[1]), "--model", str(broken)])
    assert failed.exit_code != 0 and "broken.json" in failed.output


def test_review_exports_and_imports_nomenklatura_judgements(tmp_path: Path, case_path: Path) -> None:
    app = build_app()
    assert runner.invoke(app, ["review", str(case_path), "--answer", "reg-3", "reg-4", "negative"]).exit_code == 0
    exported = tmp_path / "resolver.ijson"
    result = runner.invoke(app, ["review", str(case_path), "--export", str(exported), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["exported_edges"] == 1
    assert json.loads(exported.read_text().splitlines()[0])[:3] == ["reg-4", "reg-3", "negative"]
    other = tmp_path / "other"
    Case.create(other).close()
    imported = runner.invoke(app, ["review", str(other), "--import", str(exported), "--json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["judgements"] == 1


def test_review_explains_any_stored_pair(case_path: Path) -> None:
    app = build_app()
    assert runner.invoke(app, ["resolve", str(case_path), "--json"]).exit_code == 0
    shown = runner.invoke(app, ["review", str(case_path), "--explain", "reg-1", "bank-1", "--json"])
    assert shown.exit_code == 0, shown.output
    pair = json.loads(shown.output)
    assert (pair["left_id"], pair["right_id"], pair["decision"]) == ("bank-1", "reg-1", "match")
    assert {s["signal"] for s in pair["explanation"]["signals"]} >= {"name", "birth_date"}
    assert "decision: match" in runner.invoke(app, ["review", str(case_path), "--explain", "bank-1", "reg-1"]).output
    missing = runner.invoke(app, ["review", str(case_path), "--explain", "bank-1", "nobody"])
    assert missing.exit_code == 1 and "no scored pair" in missing.output


def test_review_explain_shows_the_learned_spelling_edit_a_name_level_rests_on(tmp_path: Path, add_rows: Any) -> None:
    path, model_file = tmp_path / "case", tmp_path / "model.json"
    with Case.create(path) as c:
        add_rows(c, [("a", "Person", "name", "Serma Daryukov", "s1"), ("b", "Person", "name", "Sermah Daryukov", "s2")])
    model_file.write_text(DEFAULT_MODEL.with_variant_edits({"E:>h": 2.2}).to_json())
    app = build_app()
    assert runner.invoke(app, ["resolve", str(path), "--model", str(model_file), "--json"]).exit_code == 0
    shown = runner.invoke(app, ["review", str(path), "--explain", "a", "b"])
    assert shown.exit_code == 0, shown.output
    cells = " ".join(shown.output.replace("│", " ").split())  # the table folds its cells over lines
    assert '"h" added at the end: a spelling of one name (+2.2)' in cells
