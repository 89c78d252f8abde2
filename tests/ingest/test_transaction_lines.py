"""Line numbers of a large file: read in parallel, every stored row must still name the line it came from.

Line numbers are positions in a parse that must keep file order; a join planned into that parse (DuckDB
plans an ``IN`` list as one) scrambled them on some runs, so the end-to-end check runs several times on a
file big enough for the engine to split, and the plan check rules joins out for every preset.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from moneytrail.ingest import ingest_rates, ingest_transactions
from moneytrail.ingest.csvfile import csv_scan
from moneytrail.ingest.filelog import file_ingest
from moneytrail.ingest.mapping import PRESETS
from moneytrail.ingest.transactions import transactions_stage_sql
from moneytrail.store import Case

HEADER = ["Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received", "Receiving Currency",
          "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering"]
NAMES = ["US Dollar", "Euro", "Yuan", "Ruble"]
ROWS = 150_000  # about 12 MB: several of the engine's CSV buffers, so the scan runs on more than one thread


def write_amlworld(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    minutes = rng.integers(0, 10 * 24 * 60, size=rows)
    ts = pa.array((np.datetime64("2022-09-01T00:00") + minutes.astype("timedelta64[m]")).astype("datetime64[s]"))
    cents = rng.integers(100, 10_000_000, size=rows)
    amount = pa.array([f"{c // 100}.{c % 100:02d}" for c in cents.tolist()])
    cur = pa.array(NAMES).take(pa.array(rng.integers(0, len(NAMES), size=rows)))
    ids = pa.array(rng.integers(0, 50_000, size=rows)).cast(pa.string())
    table = pa.table([pc.strftime(ts, format="%Y/%m/%d %H:%M"), pa.array(["011"] * rows), ids,
                      pa.array(["022"] * rows), pc.binary_join_element_wise("A", ids, ""), amount, cur, amount,
                      cur, pa.array(["ACH"] * rows), pa.array((cents % 97 == 0).astype(np.int8)).cast(pa.string())],
                     names=HEADER)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none"))


def write_rates(path: Path) -> None:
    lines = ["currency,valid_from,valid_to,rate", "EUR,2022-08-01,2022-10-31,1.01", "CNY,2022-08-01,2022-10-31,0.14",
             "RUB,2022-08-01,2022-10-31,0.016"]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("attempt", range(3))
def test_each_stored_row_names_its_own_line(tmp_path: Path, attempt: int) -> None:
    data = tmp_path / "HI-Lines_Trans.csv"
    write_amlworld(data, ROWS, seed=attempt)
    write_rates(tmp_path / "rates.csv")
    lines = data.read_text().splitlines()
    with Case.create(tmp_path / "case") as case:
        ingest_rates(case, tmp_path / "rates.csv")
        result = ingest_transactions(case, data, preset="amlworld")
        assert result.rows_stored == ROWS and result.rows_quarantined == 0
        stored = case.engine.query("SELECT origin_line, amount, to_account, txn_id FROM transactions").to_pydict()
    fields = [lines[n - 1].split(",") for n in stored["origin_line"]]
    wrong = sum(1 for f, amount, to in zip(fields, stored["amount"], stored["to_account"], strict=True)
                if float(f[5]) != amount or f"{f[3]}:{f[4]}" != to)
    assert wrong == 0, f"{wrong} of {ROWS} rows name a line that holds another transaction"
    assert sorted(stored["origin_line"]) == list(range(2, ROWS + 2))
    assert all(t.endswith(f":{n}") for t, n in zip(stored["txn_id"], stored["origin_line"], strict=True))


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_parse_that_numbers_lines_has_no_join(case: Case, tmp_path: Path, preset: str) -> None:
    mapping = PRESETS[preset]
    header = ",".join(dict.fromkeys(mapping.columns.values()))
    path = tmp_path / "one.csv"
    path.write_text(header + "\n")
    with file_ingest(case, path, "transactions", preset=preset) as fi:
        assert fi is not None
        scan = csv_scan(fi, delimiter=mapping.delimiter, required=mapping.required_columns, rejects="_rej_plan")
        raw = f"(SELECT 0 AS _k, * FROM {scan.scan}) raw"
        sql = transactions_stage_sql(mapping, scan.columns, raw, reporting_currency="USD", has_rates=True,
                                     delimiter=mapping.delimiter, join_rates=False, with_raw=False)
        plan = "\n".join(str(r[1]) for r in case.engine.rows("EXPLAIN " + sql))
    assert "JOIN" not in plan.upper(), plan


def test_lines_stay_right_when_the_parse_would_not_keep_order(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """If the engine reports that the parse plan has a join, records are numbered in the scan instead."""
    data = tmp_path / "HI-Join_Trans.csv"
    write_amlworld(data, ROWS, seed=9)
    lines = data.read_text().splitlines()
    with Case.create(tmp_path / "case") as case:
        monkeypatch.setattr(type(case.engine), "keeps_scan_order", lambda self, sql: False)
        result = ingest_transactions(case, data, preset="amlworld")
        stored = case.engine.query("SELECT origin_line, amount FROM transactions").to_pydict()
    assert result.details["line_numbers"] == "numbered in the scan: the parse plan has a join"
    assert sum(1 for n, a in zip(stored["origin_line"], stored["amount"], strict=True)
               if float(lines[n - 1].split(",")[5]) != a) == 0
