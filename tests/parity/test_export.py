"""The FtM export writes the same lines on every engine: amounts of ten million and more included (Spark's
CAST wrote them as 1.666712736E7, DuckDB as 16667127.36: 5 of 20,000 generated payments differed)."""

from __future__ import annotations

import json
from pathlib import Path

from moneytrail.report.export_ftm import export_ftm
from tests.detect.graphs import insert_rows
from tests.parity.conftest import NewCase

ROWS = [("big", 10, "b:A", "b:B", 16_667_127.36), ("round", 20, "b:B", "b:C", 10_000_000.0),
        ("small", 30, "b:C", "b:A", 0.5), ("plain", 40, "b:A", "b:C", 2_539.0)]


def test_payment_amounts_are_plain_decimals_on_every_engine(engine: str, new_case: NewCase, tmp_path: Path) -> None:
    case = new_case()
    insert_rows(case, ROWS)
    out = tmp_path / "case.ftm.jsonl"
    export_ftm(case, out)
    payments = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    amounts = {p["properties"]["transactionNumber"][0]: p["properties"]["amount"][0]
               for p in payments if p["schema"] == "Payment"}
    assert amounts == {"big": "16667127.36", "round": "10000000", "small": "0.5", "plain": "2539"}
