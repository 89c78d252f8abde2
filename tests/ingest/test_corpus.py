"""Every file of the malformed-input corpus (``tests/ingest/corpus``) is refused with a clear error or read with
every physical line accounted for, and the rows the case held before are untouched either way."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from moneytrail.ingest import IngestError, IngestResult, ingest_entities, ingest_events, ingest_transactions
from moneytrail.store import Case
from tests.ingest.corpus import make_corpus

CORPUS = Path(make_corpus.__file__).parent
MANIFEST: dict[str, dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text())
INGEST: dict[str, Callable[[Case, Path], IngestResult]] = {
    "native": lambda c, p: ingest_transactions(c, p, preset="native"),
    "amlworld": lambda c, p: ingest_transactions(c, p, preset="amlworld"),
    "amlsim": lambda c, p: ingest_transactions(c, p, preset="amlsim"),
    "events": lambda c, p: ingest_events(c, p),
    "entities": lambda c, p: ingest_entities(c, p),
}
# What a stored row names that its line must hold: (table, key column, ingest column).
STORED = {"native": ("transactions", "txn_id"), "amlworld": ("transactions", "from_account"),
          "amlsim": ("transactions", "from_account"), "events": ("events", "event_id"),
          "entities": ("statements", "entity_id")}
BEFORE_TABLES = ("transactions", "events", "statements", "quarantine", "ingest_log", "duplicates", "sources")


def _baseline_rows(kind: str) -> tuple[str, list[str]]:
    """A valid file of the kind whose rows differ from every corpus row (so none is a duplicate)."""
    base = {b.__name__.strip("_"): b for b in make_corpus.BASES}[kind]()
    swap = {"native": ("t0", "base0"), "amlworld": ("2022/", "2021/"), "events": ("XYZ", "BASE"),
            "entities": ('"id": "', '"id": "base-')}
    if kind == "amlsim":
        return base.header, ["9" + r for r in base.rows]
    old, new = swap[kind]
    return base.header, [r.replace(old, new) for r in base.rows]


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per kind, a case holding one valid file of that kind."""
    root = tmp_path_factory.mktemp("corpus-cases")
    out = {}
    for kind in INGEST:
        header, rows = _baseline_rows(kind)
        data = root / f"baseline-{kind}{'.jsonl' if kind == 'entities' else '.csv'}"
        data.write_text("\n".join(([header] if header else []) + rows) + "\n")
        with Case.create(root / kind) as case:
            result = INGEST[kind](case, data)
            assert result.rows_stored == len(rows) and result.rows_quarantined == 0
        out[kind] = root / kind
    return out


VOLATILE = {"quarantined_at", "noted_at", "retrieved_at"}


def _snapshot(case: Case) -> dict[str, list[str]]:
    out = {}
    for t in BEFORE_TABLES:
        table = case.engine.query(f"SELECT * FROM {t}")
        table = table.select([c for c in table.column_names if c not in VOLATILE])
        out[t] = sorted(map(repr, table.to_pylist()))
    return out


def _plain_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    for magic, open_ in ((b"\x1f\x8b", gzip.decompress), (b"BZh", bz2.decompress), (b"\xfd7zXZ", lzma.decompress)):
        if data.startswith(magic):
            return open_(data)
    return data


def _physical_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


@pytest.fixture
def case_for(templates: dict[str, Path], tmp_path: Path) -> Iterator[Callable[[str], Case]]:
    opened: list[Case] = []

    def make(kind: str) -> Case:
        shutil.copytree(templates[kind], tmp_path / "case")
        opened.append(Case.open(tmp_path / "case"))
        return opened[-1]

    yield make
    for c in opened:
        c.close()


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_file(name: str, case_for: Callable[[str], Case]) -> None:
    expect = MANIFEST[name]
    kind, path = expect["kind"], CORPUS / name
    case = case_for(kind)
    before = _snapshot(case)
    try:
        result = INGEST[kind](case, path)
    except IngestError as exc:
        message = str(exc)
        assert expect["expect"] == "refused", f"refused but expected to be read: {message}"
        assert str(path) in message and ("line" in message or "byte" in message), message
        assert "SELECT" not in message and "read_csv" not in message and "Traceback" not in message
        assert _snapshot(case) == before
        return
    assert expect["expect"] == "read", f"read, but expected a refusal: {result}"
    assert result.reconciles, result
    after = _snapshot(case)
    # Nothing already in the case changed: every row it held is still there, as it was.
    for table, rows in before.items():
        assert set(rows) <= set(after[table]), table
    lines = _physical_lines(_plain_bytes(path))
    _check_accounting(kind, result, lines)
    _check_lines(case, kind, result, lines, expect)


def _check_accounting(kind: str, result: IngestResult, lines: list[bytes]) -> None:
    """Physical lines = header + blank + continuation + records (stored, quarantined or duplicate)."""
    if kind == "entities":
        blank = sum(1 for line in lines if not line.strip())
        assert len(lines) == blank + result.rows_read, (len(lines), blank, result)
        return
    accounted = result.details["lines"]
    assert accounted["physical"] == len(lines), accounted
    assert len(lines) == accounted["header"] + accounted["blank"] + accounted.get("continuation", 0) + \
        result.rows_read, (accounted, result)


def _check_lines(case: Case, kind: str, result: IngestResult, lines: list[bytes], expect: dict[str, Any]) -> None:
    table, key = STORED[kind]
    where = "ingest_no = ?" if table == "transactions" else "ingest_id = ?" if table == "events" else \
        "origin_file = ?"
    arg: Any = case.engine.scalar("SELECT ingest_no FROM ingest_log WHERE ingest_id = ?", [result.ingest_id]) \
        if table == "transactions" else result.ingest_id if table == "events" else result.file
    stored = case.engine.rows(f"SELECT DISTINCT origin_line, {key} FROM {table} WHERE {where}", [arg])
    quarantined = [r[0] for r in case.engine.rows("SELECT line FROM quarantine WHERE ingest_id = ?",
                                                  [result.ingest_id])]
    stored_lines = {line for line, _ in stored}
    if table != "statements":
        assert len(stored_lines) == len(stored) == result.rows_stored
    assert not stored_lines & set(quarantined) and len(set(quarantined)) == len(quarantined)
    assert all(1 <= n <= len(lines) for n in [*stored_lines, *quarantined])
    encoding = str(result.details.get("encoding", {}).get("name") or "utf-8")  # events detect theirs
    for line, value in stored:
        text = lines[line - 1].decode(encoding, "replace")
        fragment = str(value).split(":", 1)[-1] if kind in ("amlworld", "amlsim") else str(value)
        fragment = fragment.split("\n")[0].split("\r")[0]
        assert fragment and fragment in text, (line, value, text[:200])
    if "quarantined" in expect:
        assert sorted(quarantined) == sorted(expect["quarantined"]), quarantined
    if "quarantined_values" in expect:  # FtM values refused one by one, their entity kept (issue 15)
        values = [r[0] for r in case.engine.rows("SELECT line FROM quarantined_values WHERE ingest_id = ?",
                                                 [result.ingest_id])]
        assert sorted(values) == sorted(expect["quarantined_values"]), values
    if "duplicates" in expect:
        assert result.rows_duplicate == expect["duplicates"]
        assert case.engine.scalar("SELECT count(*) FROM duplicates WHERE ingest_id = ?",
                                  [result.ingest_id]) == expect["duplicates"]


def test_the_corpus_is_large_and_covers_every_kind() -> None:
    kinds = {e["kind"] for e in MANIFEST.values()}
    assert len(MANIFEST) >= 150 and kinds == set(INGEST)
    assert all((CORPUS / name).is_file() for name in MANIFEST)
