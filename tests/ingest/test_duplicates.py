"""The same rows in other bytes add nothing: each row is reported as a duplicate of the copy already stored."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from moneytrail.ingest import IngestResult, ingest_events, ingest_transactions
from moneytrail.store import Case

NATIVE_HEADER = "txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"
AMLWORLD_HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
                   "Payment Currency,Payment Format,Is Laundering")
EVENTS_HEADER = "event_id_cnty,event_date,event_type,country,fatalities"
ROWS = 2000


def _rows(kind: str) -> tuple[str, list[str]]:
    if kind == "native":
        return NATIVE_HEADER, [f"k{i},2021-03-04T05:{i % 60:02d}:07Z,B1,A{i % 97},B2,C{i % 89},{i}.5,USD,wire"
                               for i in range(ROWS)]
    if kind == "amlworld":  # positional ids: duplicates are found by content
        return AMLWORLD_HEADER, [f"2022/09/0{1 + i % 9} 0{i % 10}:{i % 60:02d},0011,{i % 97:09X},0022,"
                                 f"{i % 89:09X},{i}.25,US Dollar,{i}.25,US Dollar,ACH,0" for i in range(ROWS)]
    return EVENTS_HEADER, [f"EV{i},2021-03-0{1 + i % 9},Battles,Utopia,{i % 4}" for i in range(ROWS)]


COPIES: dict[str, Callable[[str, list[str]], bytes]] = {
    "trailing_newline": lambda h, rows: ("\n".join([h, *rows]) + "\n\n").encode(),
    "gzip": lambda h, rows: gzip.compress(("\n".join([h, *rows]) + "\n").encode(), mtime=0),
    "crlf": lambda h, rows: ("\r\n".join([h, *rows]) + "\r\n").encode(),
    "bom": lambda h, rows: b"\xef\xbb\xbf" + ("\n".join([h, *rows]) + "\n").encode(),
    "reordered": lambda h, rows: ("\n".join([h, *reversed(rows)]) + "\n").encode(),
}


def _ingest(kind: str, case: Case, path: Path) -> IngestResult:
    if kind == "events":
        return ingest_events(case, path)
    return ingest_transactions(case, path, preset=kind)


def _table(kind: str) -> str:
    return "events" if kind == "events" else "transactions"


@pytest.mark.parametrize("kind", ["native", "amlworld", "events"])
def test_same_rows_in_other_bytes_add_nothing(kind: str, tmp_path: Path) -> None:
    header, rows = _rows(kind)
    original = tmp_path / "original.csv"
    original.write_text("\n".join([header, *rows]) + "\n")
    with Case.create(tmp_path / "case") as case:
        first = _ingest(kind, case, original)
        assert first.rows_stored == ROWS and first.rows_duplicate == 0
        stored = case.engine.rows(f"SELECT * FROM {_table(kind)} ORDER BY ALL")
        for name, make in COPIES.items():
            copy = tmp_path / f"copy-{name}.csv{'.gz' if name == 'gzip' else ''}"
            copy.write_bytes(make(header, rows))
            result = _ingest(kind, case, copy)
            assert not result.skipped, name  # other bytes: not caught by the file hash
            assert (result.rows_read, result.rows_stored, result.rows_duplicate) == (ROWS, 0, ROWS), name
            assert result.details["duplicates"] == ROWS and result.reconciles
            assert case.count(_table(kind)) == ROWS
            kept = case.engine.rows("SELECT DISTINCT kept_ingest_id FROM duplicates WHERE ingest_id = ?",
                                    [result.ingest_id])
            assert kept == [(first.ingest_id,)], name
        assert case.engine.rows(f"SELECT * FROM {_table(kind)} ORDER BY ALL") == stored
        assert case.count("duplicates") == ROWS * len(COPIES)


def test_duplicate_ids_within_a_file_keep_the_first_line(tmp_path: Path) -> None:
    header, rows = _rows("native")
    rows = [*rows[:10], rows[3].replace("wire", "cash"), rows[7]]
    path = tmp_path / "dups.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    with Case.create(tmp_path / "case") as case:
        result = ingest_transactions(case, path)
        assert (result.rows_read, result.rows_stored, result.rows_duplicate) == (12, 10, 2)
        assert case.engine.rows("SELECT line, key, kept_line FROM duplicates ORDER BY line") == [
            (12, "k3", 5), (13, "k7", 9)]
        assert case.engine.scalar("SELECT channel FROM transactions WHERE txn_id = 'k3'") == "wire"


def test_a_superset_file_stores_only_the_new_rows(tmp_path: Path) -> None:
    header, rows = _rows("amlworld")
    (tmp_path / "part.csv").write_text("\n".join([header, *rows[:500]]) + "\n")
    (tmp_path / "all.csv").write_text("\n".join([header, *rows]) + "\n")
    with Case.create(tmp_path / "case") as case:
        ingest_transactions(case, tmp_path / "part.csv", preset="amlworld")
        result = ingest_transactions(case, tmp_path / "all.csv", preset="amlworld")
        assert (result.rows_stored, result.rows_duplicate) == (ROWS - 500, 500)
        assert case.count("transactions") == ROWS


def test_ftm_payments_in_other_bytes_add_no_transactions(tmp_path: Path) -> None:
    from moneytrail.ingest import ingest_entities
    from tests.ingest.test_entities import ENTITIES

    text = "\n".join(json.dumps(e) for e in ENTITIES) + "\n"
    (tmp_path / "a.jsonl").write_text(text)
    (tmp_path / "b.jsonl").write_bytes(text.replace("\n", "\r\n").encode())
    with Case.create(tmp_path / "case") as case:
        first = ingest_entities(case, tmp_path / "a.jsonl")
        again = ingest_entities(case, tmp_path / "b.jsonl")
        assert first.details["payments"] == 2 and again.details["duplicate_payments"] == 2
        assert again.details["payments"] == 0 and case.count("transactions") == 2 and again.reconciles


def test_ftm_entities_in_other_bytes_are_listed_one_row_per_duplicate(tmp_path: Path) -> None:
    from moneytrail.ingest import ingest_entities
    from tests.ingest.test_entities import ENTITIES

    text = "\n".join(json.dumps(e) for e in ENTITIES) + "\n"
    (tmp_path / "a.jsonl").write_text(text)
    (tmp_path / "b.jsonl").write_bytes(text.replace("\n", "\r\n").encode())
    # The same entity twice in one file, and a fragment of a known entity that adds a value.
    fragment = dict(ENTITIES[0], properties={**ENTITIES[0].get("properties", {}), "notes": ["a new note"]})
    (tmp_path / "c.jsonl").write_text(text + json.dumps(ENTITIES[1]) + "\n" + json.dumps(fragment) + "\n")
    with Case.create(tmp_path / "case") as case:
        first = ingest_entities(case, tmp_path / "a.jsonl")
        statements = case.count("statements")
        again = ingest_entities(case, tmp_path / "b.jsonl")
        assert (again.rows_read, again.rows_stored, again.rows_duplicate) == (len(ENTITIES), 0, len(ENTITIES))
        assert again.reconciles and again.details["duplicates"] == len(ENTITIES)
        assert case.count("statements") == statements
        rows = case.engine.rows("SELECT line, key, key_kind, kept_ingest_id, kept_line FROM duplicates "
                                "WHERE kind = 'entities' AND ingest_id = ? ORDER BY line", [again.ingest_id])
        assert [(r[0], r[1]) for r in rows] == [(i + 1, str(e["id"])) for i, e in enumerate(ENTITIES)]
        assert {(r[2], r[3]) for r in rows} == {("entity_id", first.ingest_id)}
        assert [r[4] for r in rows] == [i + 1 for i in range(len(ENTITIES))]
        third = ingest_entities(case, tmp_path / "c.jsonl")
        n = len(ENTITIES)
        # Every line of the original and the repeated entity are duplicates; the fragment is stored.
        assert (third.rows_read, third.rows_stored, third.rows_duplicate) == (n + 2, 1, n + 1)
        assert case.count("statements") > statements
        assert case.engine.scalar("SELECT value FROM statements WHERE prop = 'notes' AND entity_id = ?",
                                  [str(ENTITIES[0]["id"])]) == "a new note"
        repeated = case.engine.rows("SELECT line, key FROM duplicates WHERE ingest_id = ? AND line = ?",
                                    [third.ingest_id, n + 1])
        assert repeated == [(n + 1, str(ENTITIES[1]["id"]))]


def test_events_with_known_ids_are_listed_one_row_per_duplicate(tmp_path: Path) -> None:
    header, rows = _rows("events")
    (tmp_path / "a.csv").write_text("\n".join([header, *rows]) + "\n")
    (tmp_path / "b.csv").write_text("\n".join([header, rows[5], "EVNEW,2021-03-01,Battles,Utopia,1", rows[5]]) + "\n")
    with Case.create(tmp_path / "case") as case:
        first = ingest_events(case, tmp_path / "a.csv")
        again = ingest_events(case, tmp_path / "b.csv")
        assert (again.rows_read, again.rows_stored, again.rows_duplicate) == (3, 1, 2) and again.reconciles
        assert again.details["duplicates"] == 2
        assert case.engine.rows("SELECT line, key, key_kind, kept_ingest_id, kept_line FROM duplicates "
                                "WHERE ingest_id = ? ORDER BY line", [again.ingest_id]) == [
            (2, "EV5", "event_id", first.ingest_id, 7), (4, "EV5", "event_id", first.ingest_id, 7)]
