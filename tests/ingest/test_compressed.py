"""Damaged compressed input is refused whole (file, byte offset, last good line); ``--salvage`` keeps the
complete lines before the damage and quarantines the damage with its reason."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.ingest import IngestError, ingest_entities, ingest_transactions
from moneytrail.ingest.compressed import decompress_verified, salvaging
from moneytrail.store import Case

HEADER = "txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"
ROWS = 20_000


def _body() -> bytes:
    # Varied rows, so the compressed stream is long enough to be cut in the middle.
    return (HEADER + "\n" + "".join(f"t{i},2021-03-04T05:06:07Z,B1,A{i * 7919 % 10007},B2,C{i * 104729 % 9973},"
                                    f"{i * 31 % 1000}.{i % 100:02d},USD,wire\n" for i in range(ROWS))).encode()


def test_whole_gzip_passes_and_damage_is_located(tmp_path: Path) -> None:
    body = _body()
    packed = gzip.compress(body, mtime=0)
    good = tmp_path / "good.csv.gz"
    good.write_bytes(packed)
    assert decompress_verified(good, tmp_path / "out") is None and (tmp_path / "out").read_bytes() == body
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed[:len(packed) // 2])
    damage = decompress_verified(cut, tmp_path / "out2")
    assert damage is not None and damage.offset == len(packed) // 2 and "truncated" in damage.reason
    prefix = (tmp_path / "out2").read_bytes()
    assert body.startswith(prefix) and prefix.endswith(b"\n") and damage.last_line == prefix.count(b"\n")
    crc = bytearray(packed)
    crc[-8] ^= 1
    (tmp_path / "crc.csv.gz").write_bytes(bytes(crc))
    damage = decompress_verified(tmp_path / "crc.csv.gz", tmp_path / "out3")
    assert damage is not None and "CRC mismatch" in damage.reason and len(packed) - 8 <= damage.offset < len(packed) - 4


def test_damaged_gzip_is_refused_and_salvaged_on_request(tmp_path: Path) -> None:
    packed = gzip.compress(_body(), mtime=0)
    path = tmp_path / "t.csv.gz"
    path.write_bytes(packed[:len(packed) * 2 // 3])
    with Case.create(tmp_path / "case") as case:
        with pytest.raises(IngestError, match=r"t\.csv\.gz: damaged gzip input at compressed byte [\d,]+, after "
                                              r"line [\d,]+: truncated.*nothing stored"):
            ingest_transactions(case, path)
        assert case.count("transactions") == case.count("quarantine") == case.count("ingest_log") == 0
        with salvaging():
            result = ingest_transactions(case, path)
        last = result.details["salvaged"]["last_good_line"]
        assert 1 < last < ROWS and result.reconciles
        assert result.rows_stored == last - 1 and result.rows_quarantined == 1
        line, reason = case.engine.rows("SELECT line, reason FROM quarantine")[0]
        assert line == last + 1 and "truncated" in reason and str(path) in reason
        assert case.engine.scalar("SELECT max(origin_line) FROM transactions") == last
        assert case.engine.scalar("SELECT count(*) FROM transactions WHERE txn_id <> 't' || (origin_line - 2)") == 0


def test_damaged_jsonl_gz_is_refused(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"p{i}", "schema": "Person", "properties": {"name": [f"Person {i} " * 5]}})
             for i in range(3000)]
    packed = bytearray(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    packed[len(packed) // 2] ^= 0xFF
    path = tmp_path / "e.jsonl.gz"
    path.write_bytes(bytes(packed))
    with Case.create(tmp_path / "case") as case:
        with pytest.raises(IngestError, match=r"e\.jsonl\.gz: damaged gzip input at compressed byte"):
            ingest_entities(case, path)
        assert case.count("statements") == 0


def test_cli_salvage_flag(tmp_path: Path) -> None:
    app, runner = build_app(), CliRunner()
    case = tmp_path / "case"
    assert runner.invoke(app, ["init", str(case)]).exit_code == 0
    packed = gzip.compress(_body(), mtime=0)
    path = tmp_path / "t.csv.gz"
    path.write_bytes(packed[:len(packed) // 2])
    refused = runner.invoke(app, ["ingest", "transactions", str(case), str(path)])
    assert refused.exit_code == 1 and "damaged gzip input" in refused.output and "Traceback" not in refused.output
    salvaged = runner.invoke(app, ["ingest", "transactions", str(case), str(path), "--salvage", "--json"])
    assert salvaged.exit_code == 0, salvaged.output
    assert json.loads(salvaged.output)["totals"]["rows_quarantined"] == 1
