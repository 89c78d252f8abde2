"""Explanations built on demand from stored levels equal those resolution used to write as text."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from moneytrail.generate.identities import identity_set
from moneytrail.resolve.comparisons import compare_pairs
from moneytrail.resolve.explain import describe_edit, explain_pair, explain_pairs, with_explanations
from moneytrail.resolve.judgements import uncertain_pairs
from moneytrail.resolve.model import DEFAULT_MODEL, VARIANT_LEVEL
from moneytrail.resolve.model_store import latest_model
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.resolve.scoring import Thresholds, scored_sql
from moneytrail.store import Case
from tests.resolve.test_model import load


@pytest.fixture
def resolved(tmp_path: Path) -> Case:
    case = Case.create(tmp_path / "case")
    load(case, identity_set(120, seed=3).statements)
    resolve_case(case)
    return case


def materialised(case: Case) -> dict[tuple[str, str], dict[str, object]]:
    """Every stored pair's explanation as resolution wrote it before levels were stored instead:
    the pairs compared again and scored by ``scored_sql`` with ``explain=True``."""
    engine = case.engine
    model = latest_model(case)
    assert model is not None
    population = int(engine.scalar("SELECT count(*) FROM resolve_records"))
    with engine.run() as run:
        cand = run.materialise("SELECT left_id, right_id, grp, key_freq, name_key_freq FROM resolve_pairs")
        levels = compare_pairs(engine, cand.name, ("resolve_names", "resolve_props"),
                               ("resolve_names", "resolve_props"), engine.scratch_name("levels"), engine.scratch_name)
        scored = scored_sql(levels, model, population, -1.0, Thresholds(model.match_at, model.review_at), explain=True)
        rows = engine.rows(f"SELECT left_id, right_id, explanation FROM ({scored}) s")
        engine.drop_scratch(levels)
    return {(str(a), str(b)): json.loads(str(e)) for a, b, e in rows}


def test_explanations_on_demand_equal_the_written_ones(resolved: Case) -> None:
    stored = resolved.engine.rows("SELECT left_id, right_id, weight FROM resolve_pairs")
    assert len(stored) > 100 and resolved.engine.scalar(
        "SELECT count(*) FROM resolve_pairs WHERE explanation IS NOT NULL") == 0
    built = explain_pairs(resolved, [(a, b) for a, b, _ in stored])
    assert set(built) == {(a, b) for a, b, _ in stored}
    assert built == materialised(resolved)
    for a, b, weight in stored:  # each waterfall adds up to the stored weight
        explanation = built[(a, b)]
        total = explanation["prior"] + sum(s["weight"] for s in explanation["signals"])  # type: ignore[attr-defined]
        assert abs(total - weight) < 0.02


def test_an_explanation_stays_the_same_after_records_are_added(resolved: Case) -> None:
    a, b = resolved.engine.rows("SELECT left_id, right_id FROM resolve_pairs WHERE decision = 'match' "
                                "ORDER BY left_id, right_id LIMIT 1")[0]
    before = explain_pair(resolved, str(b), str(a))  # either order
    assert before is not None and before["signals"]
    load(resolved, identity_set(40, seed=11).statements.slice(0, 300))
    assert resolve_case(resolved).mode == "incremental"
    assert explain_pair(resolved, str(a), str(b)) == before  # frequencies and weights as scored then


def test_review_queue_and_unknown_pairs(resolved: Case) -> None:
    for row in uncertain_pairs(resolved, limit=5):
        assert row["explanation"]["model"] and row["explanation"]["signals"]
    assert explain_pair(resolved, "no-such", "record") is None
    rows = with_explanations(resolved, [{"left_id": "x", "right_id": "y", "explanation": '{"kept": 1}'}])
    assert rows[0]["explanation"] == {"kept": 1}  # a stored explanation is read, not rebuilt


def test_a_pair_moved_by_a_learned_spelling_edit_names_the_edit_and_its_odds(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "case")
    load(case, pa.table({"entity_id": ["a", "b"], "schema": ["Person", "Person"], "prop": ["name", "name"],
                         "value": ["Serma Daryukov", "Sermah Daryukov"], "source_id": ["s1", "s2"]}))
    learned = DEFAULT_MODEL.with_variant_edits({"E:>h": 2.2, "M:a>o": -4.6})
    resolve_case(case, model=learned)
    level = case.engine.scalar("SELECT person_name FROM resolve_pairs WHERE left_id = 'a' AND right_id = 'b'")
    assert level == VARIANT_LEVEL
    name = next(s for s in explain_pair(case, "a", "b")["signals"] if s["signal"] == "name")  # type: ignore[index]
    assert name["spelling_edits"] == [{"edit": "E:>h", "reads": '"h" added at the end', "log_odds": 2.2,
                                      "verdict": "a spelling of one name"}]
    unmoved = resolve_case(case, model=DEFAULT_MODEL)  # no learned edits: the pair stays near-identical
    assert unmoved.model_id == DEFAULT_MODEL.model_id
    name = next(s for s in explain_pair(case, "a", "b")["signals"] if s["signal"] == "name")  # type: ignore[index]
    assert "spelling_edits" not in name


def test_describe_edit_says_which_letters_and_where() -> None:
    assert describe_edit("E:>h") == '"h" added at the end'
    assert describe_edit("M:a>o") == '"a" and "o" swapped inside'
    assert describe_edit("S:>yu") == '"yu" added at the start'
