"""Encoding detection and the UTF-8 copy (ingest/encoding.py), then whole ingests in each encoding."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from moneytrail.ingest import IngestError, ingest_transactions
from moneytrail.ingest.encoding import detect_encoding, utf8_copy
from moneytrail.store import Case

TEXT = "Datum;Betrag;Gegenkonto;Zweck\n2021-03-04;-12,50;AT611904300234573201;Café Müller – Frühstück\n" \
       "2021-03-05;100,00;AT611904300234573201;Überweisung\n"
MAPPING = ('delimiter = ";"\ndecimal = ","\npositional_ids = true\n[statement]\naccount = "ME"\n[columns]\n'
           'timestamp = "datum"\namount = "betrag"\ncounterparty = "gegenkonto"\nmemo = "zweck"\n')


@pytest.mark.parametrize(("codec", "bom", "expected"), [
    ("utf-8", b"", "utf-8"), ("utf-8", codecs.BOM_UTF8, "utf-8-sig"), ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
    ("utf-16-be", b"", "utf-16-be"), ("cp1252", b"", "cp1252"),
])
def test_each_encoding_is_detected_and_read_line_for_line(case: Case, tmp_path: Path, codec: str, bom: bytes,
                                                          expected: str) -> None:
    data = tmp_path / f"export-{codec}.csv"
    data.write_bytes(bom + TEXT.encode(codec))
    enc = detect_encoding(data)
    assert enc.name == expected and enc.detected
    copy = utf8_copy(data, enc) if expected not in ("utf-8", "utf-8-sig") else data
    assert copy.read_text(encoding="utf-8-sig").splitlines() == TEXT.splitlines()
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    result = ingest_transactions(case, data, mapping=mapping)
    assert (result.rows_stored, result.rows_quarantined) == (2, 0)
    assert case.engine.rows("SELECT origin_line, memo FROM transactions ORDER BY 1") == [
        (2, "Café Müller – Frühstück"), (3, "Überweisung")]


def test_latin1_without_cp1252_bytes_and_a_wrong_named_encoding(tmp_path: Path) -> None:
    data = tmp_path / "latin.csv"
    data.write_bytes("a;b\nCafé;1\n".encode("latin-1"))
    assert detect_encoding(data).name == "latin-1"
    assert detect_encoding(data, "CP1252").name == "cp1252"
    with pytest.raises(IngestError, match="unknown encoding"):
        detect_encoding(data, "klingon")
    bad = tmp_path / "bad16.csv"
    bad.write_bytes(codecs.BOM_UTF16_LE + "a;b\n".encode("utf-16-le") + b"\x00\xd8\x41\x00")  # lone surrogate
    with pytest.raises(IngestError, match="line 2: not valid utf-16"):
        utf8_copy(bad, detect_encoding(bad))
