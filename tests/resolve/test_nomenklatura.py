"""Judgements in nomenklatura's resolver format: export, import, canonical ids, bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moneytrail.resolve.judgements import judgements, record_judgement
from moneytrail.resolve.nomenklatura import export_judgements, import_judgements, read_edges
from moneytrail.store import Case


def test_round_trip_keeps_every_judgement(tmp_path: Path) -> None:
    with Case.in_memory() as case:
        record_judgement(case, "b-1", "a-1", "positive", user="analyst", score=0.93)
        record_judgement(case, "c-1", "a-1", "negative", user="analyst")
        record_judgement(case, "d-1", "e-1", "unsure")
        path = tmp_path / "resolver.ijson"
        assert export_judgements(case, path) == 3
        before = {(j["left_id"], j["right_id"], j["judgement"], j["judged_by"], j["score"]) for j in judgements(case)}
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    # nomenklatura's Edge.to_line: [target, source, judgement, score, user, timestamp], target the larger id
    assert ["b-1", "a-1", "positive", 0.93, "analyst"] in [row[:5] for row in lines]
    assert all(row[0] > row[1] for row in lines) and all(len(row) == 6 for row in lines)
    with Case.in_memory() as other:
        result = import_judgements(other, path)
        assert (result.edges, result.judgements, result.skipped_no_judgement) == (3, 3, 0)
        after = {(j["left_id"], j["right_id"], j["judgement"], j["judged_by"], j["score"]) for j in judgements(other)}
    assert after == before


def test_canonical_ids_expand_and_suggestions_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "resolver.ijson"
    edges = [["NK-abc", "x-1", "positive", None, "u", "2024-01-02T03:04:05"],
             ["NK-abc", "x-2", "positive", None, "u", "2024-01-02T03:04:06"],
             {"target": "y-1", "source": "NK-abc", "judgement": "negative", "score": None, "user": "u",
              "created_at": "2024-01-03T00:00:00"},
             ["z-1", "x-1", "no_judgement", 0.71, None, None]]
    path.write_text("\n".join(json.dumps(e) for e in edges) + "\n")
    with Case.in_memory() as case:
        result = import_judgements(case, path)
        got = {(j["left_id"], j["right_id"], j["judgement"]) for j in judgements(case)}
    assert result.skipped_no_judgement == 1
    assert got == {("x-1", "x-2", "positive"), ("x-1", "y-1", "negative"), ("x-2", "y-1", "negative")}


def test_a_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "resolver.ijson"
    path.write_text('["a", "b", "positive", null, null, null]\n["a", "b", "maybe", null, null, null]\n')
    with pytest.raises(ValueError, match=r"resolver.ijson:2: unknown judgement 'maybe'"):
        read_edges(path)
