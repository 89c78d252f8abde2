from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa

from moneytrail.report.export_csv import defuse_formulas, export_csv
from moneytrail.store import Case


def test_csv_export_writes_every_table(sample_case: Case, tmp_path: Path) -> None:
    written = export_csv(sample_case, tmp_path / "csv")
    for table in ("transactions", "accounts", "statements", "events", "sources", "findings", "finding_refs"):
        with (tmp_path / "csv" / f"{table}.csv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == written[table] == sample_case.count(table), table
    with (tmp_path / "csv" / "transactions.csv").open(encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    assert {"txn_id", "ts", "from_account", "amount", "source_id"} <= set(first)


def test_formulas_are_defused() -> None:
    col = pa.array(["=HYPERLINK(\"x\")", "plain", "+1", "@cmd", None, "-2"])
    assert defuse_formulas(col).to_pylist() == ["'=HYPERLINK(\"x\")", "plain", "'+1", "'@cmd", None, "'-2"]
    numbers = pa.array([-1.0, 2.0])
    assert defuse_formulas(numbers).equals(numbers)
