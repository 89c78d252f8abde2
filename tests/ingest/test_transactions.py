from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from moneytrail.ingest import IngestError, ingest_rates, ingest_transactions
from moneytrail.ingest.mapping import mapping_from_flags
from moneytrail.model.admiralty import Grade
from moneytrail.store import Case
from moneytrail.store.sources import SourceRecord

HEADER = "txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"
GOOD = [
    "t1,2021-03-04T05:06:07Z,B1,A1,B2,A2,100.50,USD,wire",
    "t2,2021-03-05T08:00:00Z,B2,A2,B3,A3,40,USD,cash",
]


def write(path: Path, lines: list[str], *, newline: str = "\n", bom: bool = False) -> Path:
    data = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def quarantine(case: Case) -> list[tuple[int, str]]:
    return [(int(r[0]), str(r[1])) for r in case.engine.rows("SELECT line, reason FROM quarantine ORDER BY line")]


def test_native_good_and_bad_rows_reconcile(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", [
        HEADER, *GOOD,
        "t3,not-a-date,B1,A1,B2,A2,5,USD,wire",
        "t4,2021-03-05T05:06:07Z,B1,A1,B2,A2,-5,USD,wire",
        "t5,2021-03-05T05:06:07Z,B1,A1,B2,A2,NaN,USD,wire",
        "t6,2021-03-05T05:06:07Z,B1,A1,B2,A2,12x,USD,wire",
        "t7,2021-03-05T05:06:07Z,B1,A1,B2",
        ",2021-03-05T05:06:07Z,B1,A1,B2,A2,1,USD,wire",
    ])
    result = ingest_transactions(case, path)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (8, 2, 6)
    assert result.reconciles and not result.skipped
    rows = case.engine.rows("SELECT txn_id, from_account, amount, amount_rc, origin_line, source_id FROM transactions "
                            "ORDER BY txn_id")
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [("t1", "B1:A1", 100.5, 100.5, 2),
                                                              ("t2", "B2:A2", 40.0, 40.0, 3)]
    reasons = quarantine(case)
    assert [line for line, _ in reasons] == [4, 5, 6, 7, 8, 9]
    assert "unparseable timestamp 'not-a-date'" in reasons[0][1]
    assert "negative amount" in reasons[1][1]
    assert "NaN" in reasons[2][1]
    assert "unparseable amount '12x'" in reasons[3][1]
    assert "MISSING COLUMNS" in reasons[4][1]
    assert reasons[5][1] == "missing txn_id"
    log = case.engine.rows("SELECT rows_read, rows_stored, rows_quarantined, kind FROM ingest_log")
    assert log == [(8, 2, 6, "transactions")]
    assert case.engine.scalar("SELECT kind FROM sources WHERE source_id = ?", [rows[0][5]]) == "bank_record"


def test_reingest_same_content_adds_nothing(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", [HEADER, *GOOD])
    first = ingest_transactions(case, path)
    copy = write(tmp_path / "copy.csv", [HEADER, *GOOD])
    second = ingest_transactions(case, copy)
    assert second.skipped and second.ingest_id == first.ingest_id and second.rows_stored == 2
    assert case.count("transactions") == 2 and case.count("ingest_log") == 1


def test_line_numbers_with_interleaved_rejects(case: Case, tmp_path: Path) -> None:
    lines = [HEADER]
    for i in range(2, 30_002):
        if i % 997 == 0:
            lines.append(f"bad{i},only,three")
        elif i % 1499 == 0:
            lines.append(f"x{i},2021-01-01T00:00:00Z,B,A,B,C,1,USD,wire,extra")
        else:
            lines.append(f"L{i},2021-01-01T00:00:00Z,B,A,B,C,1,USD,wire")
    result = ingest_transactions(case, write(tmp_path / "t.csv", lines))
    rejected = [i for i in range(2, 30_002) if i % 997 == 0 or i % 1499 == 0]
    assert result.rows_quarantined == len(rejected) and result.reconciles
    wrong = case.engine.scalar("SELECT count(*) FROM transactions WHERE txn_id <> 'L' || CAST(origin_line AS VARCHAR)")
    assert wrong == 0
    assert [line for line, _ in quarantine(case)] == rejected


def test_crlf_bom_and_gzip(case: Case, tmp_path: Path) -> None:
    crlf = write(tmp_path / "crlf.csv", [HEADER, *GOOD, "t9,2021-03-05,B1,A1,B2,A2,x,USD,wire"], newline="\r\n",
                 bom=True)
    result = ingest_transactions(case, crlf)
    assert (result.rows_stored, result.rows_quarantined) == (2, 1)
    assert quarantine(case) == [(4, "unparseable amount 'x'")]
    gz = tmp_path / "t.csv.gz"
    gz.write_bytes(gzip.compress((HEADER + "\n" + "\n".join(g.replace("t", "g", 1) for g in GOOD) + "\n").encode()))
    assert ingest_transactions(case, gz).rows_stored == 2
    assert case.count("transactions") == 4


def test_truncated_gzip_is_a_clear_error_and_stores_nothing(case: Case, tmp_path: Path) -> None:
    body = HEADER + "\n" + "\n".join(f"t{i},2021-03-04T05:06:07Z,B1,A{i},B2,A2,{i}.5,USD,wire" for i in range(20_000))
    data = gzip.compress(body.encode())
    path = tmp_path / "t.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError,
                       match=r"t\.csv\.gz: damaged gzip input at compressed byte [\d,]+, after line [\d,]+: truncated"):
        ingest_transactions(case, path)
    assert case.count("transactions") == 0 and case.count("ingest_log") == 0 and case.count("quarantine") == 0


def test_wrong_delimiter_and_missing_columns(case: Case, tmp_path: Path) -> None:
    semi = write(tmp_path / "semi.csv", [HEADER.replace(",", ";"), GOOD[0].replace(",", ";")])
    with pytest.raises(IngestError, match=r"semi\.csv: line 1: wrong delimiter: expected ',' .* ';'"):
        ingest_transactions(case, semi)
    missing = write(tmp_path / "missing.csv", [HEADER.replace(",amount", ",amt"), GOOD[0]])
    with pytest.raises(IngestError, match=r"missing\.csv: line 1: missing columns amount"):
        ingest_transactions(case, missing)
    assert case.count("ingest_log") == 0


def test_bad_encoding(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + GOOD[0] + "\n").encode() + "t3,2021-03-04T05:06:07Z,B1,Müller,B2,A2,1,USD,wire\n"
                     .encode("latin-1") + (GOOD[1] + "\n").encode())
    result = ingest_transactions(case, path)
    assert (result.rows_stored, result.rows_quarantined) == (2, 1)
    assert quarantine(case)[0][0] == 3 and "INVALID ENCODING" in quarantine(case)[0][1]
    header = tmp_path / "latin1_header.csv"
    header.write_bytes("Zeitstempel,Betrag\n".replace("Betrag", "Beträg").encode("latin-1"))
    with pytest.raises(IngestError, match=r"latin1_header\.csv: line 1: not UTF-8"):
        ingest_transactions(case, header)


def test_source_ref_names_the_rows_source(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path / "reported.csv", [HEADER + ",source_ref", GOOD[0] + ",doc-17", GOOD[1] + ","])
    ingest_transactions(case, path, source=SourceRecord("bank-x", "bank_record", "Bank X", grade=Grade("C", 3)))
    assert dict(case.engine.rows("SELECT txn_id, source_id FROM transactions")) == {"t1": "doc-17", "t2": "bank-x"}
    assert case.engine.rows("SELECT reliability, credibility FROM sources WHERE source_id = 'bank-x'") == [("C", 3)]


def test_rates_convert_and_missing_rate_is_quarantined(case: Case, tmp_path: Path) -> None:
    rates = write(tmp_path / "rates.csv", ["currency,valid_from,valid_to,rate", "EUR,2021-03-01,2021-03-04,1.2",
                                           "Euro,2021-03-04,2021-03-31,1.1", "GBP,2021-03-01,,1.3", "XYZ,soon,,1"])
    r = ingest_rates(case, rates)
    assert (r.rows_stored, r.rows_quarantined) == (2, 2)
    assert "overlaps" in quarantine(case)[0][1] and quarantine(case)[0][0] == 3
    path = write(tmp_path / "t.csv", [HEADER, GOOD[0].replace("USD", "EUR"), GOOD[1].replace("USD", "GBP"),
                                      "t3,2021-03-05T08:00:00Z,B2,A2,B3,A3,40,JPY,cash"])
    result = ingest_transactions(case, path)
    assert (result.rows_stored, result.rows_quarantined) == (2, 1)
    assert dict(case.engine.rows("SELECT txn_id, round(amount_rc, 2) FROM transactions")) == {"t1": 120.6, "t2": 52.0}
    assert case.engine.scalar("SELECT reason FROM quarantine WHERE line = 4 AND file LIKE '%t.csv'") == \
        "no rate for JPY on 2021-03-05"


def test_without_rates_foreign_rows_wait_for_ingest_rates(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", [HEADER, GOOD[0].replace("USD", "EUR"), GOOD[1]])
    result = ingest_transactions(case, path)
    assert result.rows_stored == 2 and result.details["amount_rc_missing"] == 1
    assert "no rates loaded" in result.details["rates_status"]
    ingest_rates(case, write(tmp_path / "rates.csv",
                             ["currency,valid_from,valid_to,rate", "EUR,2021-01-01,2021-12-31,2"]))
    assert dict(case.engine.rows("SELECT txn_id, amount_rc FROM transactions")) == {"t1": 201.0, "t2": 40.0}


def test_parquet_and_flag_mapping(case: Case, tmp_path: Path) -> None:
    table = pa.table({"Ref": ["p1", "p2", "p3"], "When": ["04.03.2021 10:00", "05.03.2021 11:30", "bad"],
                      "Payer": ["X1", "X2", "X3"], "Payee": ["Y1", "Y2", "Y3"], "Sum": [10.0, 20.5, 1.0]})
    pq.write_table(table, tmp_path / "t.parquet")
    mapping = mapping_from_flags(["txn_id=Ref", "timestamp=When", "from_account=Payer", "to_account=Payee",
                                  "amount=Sum"])
    mapping = replace(mapping, timestamp_formats=("%d.%m.%Y %H:%M",))
    result = ingest_transactions(case, tmp_path / "t.parquet", mapping=mapping)
    assert (result.rows_stored, result.rows_quarantined) == (2, 1)
    assert case.engine.rows("SELECT txn_id, from_account, currency, origin_line FROM transactions ORDER BY 1") == [
        ("p1", ":X1", "USD", 1), ("p2", ":X2", "USD", 2)]
    assert quarantine(case)[0][0] == 3


def test_toml_mapping_file(case: Case, tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text('delimiter = ";"\ntimestamp_formats = ["%d/%m/%Y"]\ndefault_currency = "EUR"\n'
                                     '[columns]\ntxn_id = "id"\ntimestamp = "day"\nfrom_account = "src"\n'
                                     'to_account = "dst"\namount = "eur"\n')
    path = write(tmp_path / "t.csv", ["id;day;src;dst;eur", "m1;04/03/2021;S;D;7"])
    ingest_transactions(case, path, mapping=tmp_path / "m.toml")
    assert case.engine.rows("SELECT txn_id, CAST(ts AS DATE), currency, amount, amount_rc FROM transactions") == [
        ("m1", __import__("datetime").date(2021, 3, 4), "EUR", 7.0, None)]


def test_amlworld_preset(case: Case, tmp_path: Path) -> None:
    header = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
              "Payment Currency,Payment Format,Is Laundering")
    path = write(tmp_path / "HI-Small_Trans.csv", [
        header, "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0",
        "2022/09/01 00:20,03208,8000F4580,001,8000F5340,0.01,Bitcoin,0.01,Bitcoin,Bitcoin,1",
        "2022/09/01 00:21,03209,8000F4670,03209,8000F4670,14.26,Doubloon,14.26,Doubloon,Cash,0"])
    result = ingest_transactions(case, path, preset="amlworld")
    assert (result.rows_stored, result.rows_quarantined) == (2, 1)
    rows = case.engine.rows("SELECT from_account, to_account, currency, currency_paid, channel, label, origin_line "
                            "FROM transactions ORDER BY origin_line")
    assert rows == [("010:8000EBD30", "010:8000EBD30", "USD", "USD", "Reinvestment", 0, 2),
                    ("03208:8000F4580", "001:8000F5340", "BTC", "BTC", "Bitcoin", 1, 3)]
    assert quarantine(case) == [(4, "unknown currency 'Doubloon'")]


def test_line_numbers_hold_across_parallel_scan_chunks(case: Case, tmp_path: Path) -> None:
    # ~80 MB, more than two of the engine's CSV buffers, so the file is read in parallel pieces and
    # the rows' ordinals must still follow file order.
    pad = "w" * 1000
    lines = [HEADER]
    for i in range(2, 80_002):
        if i % 7919 == 0:
            lines.append(f"bad{i},only,three")
        elif i % 5003 == 0:
            lines.append(f"N{i},2021-01-01T00:00:00Z,B,A,B,C,-3,USD,{pad}")
        else:
            lines.append(f"L{i},2021-01-01T00:00:00Z,B,A,B,C,1,USD,{pad}")
    result = ingest_transactions(case, write(tmp_path / "big.csv", lines))
    bad = [i for i in range(2, 80_002) if i % 7919 == 0 or i % 5003 == 0]
    assert result.reconciles and result.rows_read == 80_000 and result.rows_quarantined == len(bad)
    wrong = case.engine.scalar("SELECT count(*) FROM transactions WHERE txn_id <> 'L' || CAST(origin_line AS VARCHAR)")
    assert wrong == 0
    assert [line for line, _ in quarantine(case)] == bad
