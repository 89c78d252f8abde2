from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from moneytrail.detect.truth import (
    TruthError,
    load_truth,
    load_truth_tables,
    normalise_typology,
    parse_patterns,
    truth_tables,
)
from moneytrail.engine import EngineError
from moneytrail.store import Case


def test_normalise_typology() -> None:
    assert normalise_typology("FAN-OUT") == normalise_typology("fan_out") == normalise_typology(" Fan Out") == "fan-out"


def test_parse_patterns_reads_attempts_and_keeps_ids_as_text(tmp_path: Path) -> None:
    path = tmp_path / "X_Patterns.txt"
    path.write_text("BEGIN LAUNDERING ATTEMPT - RANDOM:  Max 2 hops\n"
                    "2022/09/01 03:46,020,820A33D80,0021582,810210610,30537.14,Yuan,30537.14,Yuan,ACH,1\n"
                    "2022/09/01 11:00,0021582,810210610,00110104,82C9B2050,5483.26,Euro,5483.26,Euro,ACH,1\n"
                    "END LAUNDERING ATTEMPT - RANDOM\n", encoding="utf-8")
    [attempt] = parse_patterns(path)
    assert attempt.typology == "random" and attempt.detail == "Max 2 hops" and attempt.line == 1
    assert [r.from_account for r in attempt.rows] == ["020:820A33D80", "0021582:810210610"]
    assert attempt.rows[1].line == 3 and attempt.rows[0].currency == "Yuan"


@pytest.mark.parametrize(("text", "reason"), [
    ("BEGIN LAUNDERING ATTEMPT - CYCLE\n2022/09/01 03:46,020,A,002,B,1.0,Euro,1.0,Euro,ACH\n"
     "END LAUNDERING ATTEMPT - CYCLE\n", ":2: expected 11"),
    ("2022/09/01 03:46,020,A,002,B,1.0,Euro,1.0,Euro,ACH,1\n", ":1: transaction row outside"),
    ("BEGIN LAUNDERING ATTEMPT - CYCLE\n", ":1: attempt never ENDs"),
    ("BEGIN LAUNDERING ATTEMPT - CYCLE\n2022-09-01,020,A,002,B,1.0,Euro,1.0,Euro,ACH,1\n", ":2: time data"),
])
def test_bad_pattern_files_name_the_line(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "Bad_Patterns.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TruthError, match=reason):
        parse_patterns(path)


def test_generator_truth_json_and_case_truth_tables(tmp_path: Path) -> None:
    case = Case.in_memory()
    path = tmp_path / "truth.json"
    path.write_text(json.dumps({"typologies": [{"attempt_id": "a1", "typology": "ROUND_TRIPPING",
                                                "txn_ids": ["x1", "x2"]}]}), encoding="utf-8")
    with case.engine.run():
        info = load_truth(case, path)
        assert info["attempts"] == 1
        txn = truth_tables(case).txn
        assert case.engine.rows(f"SELECT attempt_id, typology, txn_id FROM {txn} ORDER BY txn_id") == [
            ("a1", "round-tripping", "x1"), ("a1", "round-tripping", "x2")]
    case.engine.execute("INSERT INTO truth_attempts (attempt_id, typology) VALUES ('p1', 'FAN-IN')")
    case.engine.register_arrow("_t", pa.table({"attempt_id": ["p1"], "txn_id": ["y1"]}))
    case.engine.execute("INSERT INTO truth_transactions SELECT * FROM _t")
    with case.engine.run():
        assert load_truth(case, "case")["attempts"] == 1
        loaded = truth_tables(case).txn
        assert case.engine.rows(f"SELECT typology, txn_id FROM {loaded}") == [("fan-in", "y1")]
    # The truth belonged to the run: gone with it, and no other run sees it.
    with pytest.raises(EngineError):
        case.engine.rows(f"SELECT count(*) FROM {loaded}")
    with case.engine.run(), pytest.raises(TruthError, match="no truth loaded"):
        truth_tables(case)


def test_two_runs_on_one_connection_keep_their_own_truth() -> None:
    case = Case.in_memory()
    with case.engine.run():
        load_truth_tables(case, txn=pa.table({"attempt_id": ["a"], "typology": ["cycle"], "txn_id": ["t1"]}))
        outer = truth_tables(case).txn
        with case.engine.run():
            load_truth_tables(case, txn=pa.table({"attempt_id": ["b"], "typology": ["stack"], "txn_id": ["t2"]}))
            inner = truth_tables(case).txn
            assert inner.name != outer.name
            assert case.engine.rows(f"SELECT txn_id FROM {inner}") == [("t2",)]
        assert truth_tables(case).txn == outer
        assert case.engine.rows(f"SELECT txn_id FROM {outer}") == [("t1",)]


def test_unknown_truth_file_is_a_clear_error(tmp_path: Path) -> None:
    case = Case.in_memory()
    bad = tmp_path / "labels.xlsx"
    bad.write_text("x", encoding="utf-8")
    broken = tmp_path / "truth.json"
    broken.write_text("{\n  oops", encoding="utf-8")
    with pytest.raises(TruthError, match=r"inside `with case\.engine\.run"):
        load_truth(case, broken)  # outside a run there is nowhere to keep it
    with case.engine.run():
        with pytest.raises(TruthError, match="not a truth file"):
            load_truth(case, bad)
        with pytest.raises(TruthError, match=r"truth.json:2"):
            load_truth(case, broken)


@pytest.mark.shared_data
def test_parses_the_real_amlworld_pattern_files(shared_data: Path) -> None:
    hi = parse_patterns(shared_data / "amlworld" / "HI-Medium_Patterns.txt")
    li = parse_patterns(shared_data / "amlworld" / "LI-Medium_Patterns.txt")
    assert (len(hi), len(li)) == (2756, 456)
    assert {a.typology for a in hi} == {"fan-out", "fan-in", "gather-scatter", "scatter-gather", "cycle", "random",
                                        "bipartite", "stack"}
    assert all(a.rows for a in hi + li)
