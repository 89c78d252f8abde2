"""Ingest parity: the CSV transactions ingest gives the same rows, lines and quarantine whichever engine reads
the file, on the malformed-input corpus of issue 14 (stray quotes, gzip, CRLF, blank lines, quoted newlines,
invalid UTF-8, wrong field counts...).

``reader`` is parametrised by engine: ``duckdb`` is the DuckDB engine as it is (numbered piece scans, rejects
table, lines moved after rejects); ``spark-reader`` is the same DuckDB case whose CSV files are read by the
Spark engine's reader (``engine/spark/csv.py``: lines numbered by Spark, records split by Spark, rejects from
Spark), through the ingest path for line-numbering engines (``ingest/csvnumbered.py``). So any difference in a
stored row, its line or a quarantined line is the reader's. The Spark tests skip, naming the reason, only
where Java or pyspark is missing, and never under CI (``tests/parity/conftest.py``).
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from moneytrail.engine.duckdb.engine import DuckDBEngine
from moneytrail.ingest import IngestError, ingest_transactions
from moneytrail.ingest.csvnumbered import numbers_lines
from moneytrail.store import Case
from tests.ingest.corpus import make_corpus
from tests.parity.conftest import case_factory

CORPUS = Path(make_corpus.__file__).parent
MANIFEST: dict[str, dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text())
# One of each kind of damage (the whole CSV corpus takes minutes on Spark: each file is three Spark jobs).
CSV_FILES = [f"native/{name}" for name in (
    "stray_quote_start_row10.csv", "stray_quote_middle_row0.csv", "stray_quote_end_row39.csv",
    "two_stray_quotes_within_lookahead.csv", "unbalanced_quote_last_line_no_newline.csv", "quoted_newline_in_field.csv",
    "gzip_ok.csv.gz", "gzip_crc_damaged.csv.gz", "crlf_endings.csv", "mixed_line_endings.csv", "bom.csv",
    "blank_lines_between_and_after.csv", "no_final_newline.csv", "header_only.csv", "invalid_utf8_in_a_line.csv",
    "lone_cr_inside_a_line.csv", "nul_bytes_in_a_line.csv", "too_few_fields.csv", "too_many_fields.csv",
    "one_megabyte_line.csv", "amount_nan.csv", "duplicate_ids_in_file.csv")] + [f"amlworld/{name}" for name in (
    "stray_quote_start_row0.csv", "gzip_ok.csv.gz", "too_many_fields.csv", "binary_garbage_after_header.csv")]


class SparkReadDuckDB(DuckDBEngine):
    """A DuckDB case whose CSV files are read by the Spark engine's reader; its records and rejects are
    handed over as Arrow tables."""

    def __init__(self, path: Path, spark: Any) -> None:
        super().__init__(path)
        self.spark = spark

    def csv_lines_scan_sql(self, path: Path, *, delimiter: str, columns: Sequence[str], rejects_table: str,
                           quote: str = '"', lines: Sequence[tuple[int, int]] | None = None) -> str:
        from moneytrail.engine.spark import csvscan

        view = csvscan.csv_lines_scan_sql(self, path, delimiter=delimiter, columns=columns,
                                          rejects_table=rejects_table, quote=quote, lines=lines)
        for name in (view, rejects_table):
            self.register_arrow(name, self.spark.table(name).toArrow())
            self.spark.catalog.dropTempView(name)
        return view


@pytest.fixture(params=["duckdb", "spark-reader"])
def reader(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Case]:
    """A new case whose CSV reader is the parametrised engine's."""
    file = tmp_path / "case" / "case.duckdb"
    Case.create(file).close()
    if request.param == "duckdb":
        case = Case.open(file)
    else:
        case = Case(SparkReadDuckDB(file, request.getfixturevalue("spark_session")), file)
        assert numbers_lines(case.engine)
    yield case
    case.close()


def _outcome(case: Case, path: Path, kind: str) -> dict[str, Any]:
    """What the ingest did: refused (the message's first line), or stored rows with their lines, and the
    quarantine's lines and reasons."""
    try:
        result = ingest_transactions(case, path, preset=kind)
    except IngestError as exc:
        return {"refused": str(exc).split(":")[0]}
    stored = case.engine.rows("SELECT origin_line, txn_id, from_account, to_account, amount, ts FROM transactions "
                              "ORDER BY origin_line")
    quarantined = case.engine.rows("SELECT line, reason FROM quarantine ORDER BY line, reason")
    return {"read": result.rows_read, "stored": result.rows_stored, "quarantined_n": result.rows_quarantined,
            "duplicates": result.rows_duplicate, "rows": stored, "quarantine": quarantined,
            "lines": result.details.get("lines")}


@pytest.fixture(scope="module")
def duckdb_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The DuckDB engine's outcome for every corpus CSV file: the reference."""
    out = {}
    root = tmp_path_factory.mktemp("duckdb-ref")
    for i, name in enumerate(CSV_FILES):
        with Case.create(root / str(i)) as case:
            out[name] = _outcome(case, CORPUS / name, MANIFEST[name]["kind"])
    return out


def _reason_kind(reason: str) -> str:
    """A quarantine reason up to its details (engines word a reader's reject differently after the type)."""
    return reason.split(":")[0]


@pytest.mark.parametrize("name", CSV_FILES)
def test_corpus_file_ingests_alike(name: str, reader: Case, duckdb_outcomes: dict[str, dict[str, Any]]) -> None:
    got = _outcome(reader, CORPUS / name, MANIFEST[name]["kind"])
    want = duckdb_outcomes[name]
    if "refused" in want:
        assert got == want
        return
    assert {k: got[k] for k in ("read", "stored", "quarantined_n", "duplicates", "rows", "lines")} == \
        {k: want[k] for k in ("read", "stored", "quarantined_n", "duplicates", "rows", "lines")}
    assert [(line, _reason_kind(r)) for line, r in got["quarantine"]] == \
        [(line, _reason_kind(r)) for line, r in want["quarantine"]]
    expected = MANIFEST[name].get("quarantined")
    if expected is not None:
        assert sorted({line for line, _ in got["quarantine"]}) == expected


def _big_file(path: Path, rows: int, *, stray_quote_at: int | None = None) -> None:
    """A native-format file of ``rows`` rows whose txn_id names its line (``t<line>``)."""
    lines = ["txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"]
    for line in range(2, rows + 2):
        acct = '"a' if line == stray_quote_at else f"a{line % 97}"
        lines.append(f"t{line},2021-03-04T05:06:07Z,b1,{acct},b2,c{line % 89},{line}.25,USD,wire")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_every_line_right_on_many_splits(reader: Case, tmp_path: Path, gz: bool) -> None:
    """20,000 rows with a stray quote on line 11: each stored row's line is the one its id names, read in
    several splits (plain) or one (gzip)."""
    path = tmp_path / "many.csv"
    _big_file(path, 20_000, stray_quote_at=11)
    if gz:
        with path.open("rb") as src, gzip.open(tmp_path / "many.csv.gz", "wb") as dst:
            shutil.copyfileobj(src, dst)
        path = tmp_path / "many.csv.gz"
    if not isinstance(reader.engine, SparkReadDuckDB):
        result = ingest_transactions(reader, path)
    else:
        spark = reader.engine.spark
        before = spark.conf.get("spark.sql.files.maxPartitionBytes")
        spark.conf.set("spark.sql.files.maxPartitionBytes", "65536")  # ~30 splits of the plain file
        try:
            result = ingest_transactions(reader, path)
        finally:
            spark.conf.set("spark.sql.files.maxPartitionBytes", before)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (20_000, 19_999, 1)
    assert reader.engine.rows("SELECT count(*) FROM transactions WHERE txn_id <> 't' || CAST(origin_line AS VARCHAR)") \
        == [(0,)]
    assert reader.engine.rows("SELECT line FROM quarantine") == [(11,)]


def test_stray_quote_then_same_rows_gzipped_on_the_spark_engine(request: pytest.FixtureRequest, tmp_path: Path,
                                                                spark_session: Any,
                                                                duckdb_outcomes: dict[str, dict[str, Any]]) -> None:
    """On a case that is a folder of Parquet tables (the Spark engine itself): a stray quote costs its own line
    only, every row keeps its line, the same rows gzipped add nothing (reported as duplicates), and the same
    file again is skipped."""
    name = "native/stray_quote_start_row10.csv"
    with case_factory(request, "spark", tmp_path)() as case:
        assert numbers_lines(case.engine)
        got = _outcome(case, CORPUS / name, "native")
        want = duckdb_outcomes[name]
        assert {k: got[k] for k in ("read", "stored", "quarantined_n", "rows", "lines")} == \
            {k: want[k] for k in ("read", "stored", "quarantined_n", "rows", "lines")}
        assert [line for line, _ in got["quarantine"]] == [12]
        again = ingest_transactions(case, CORPUS / "native/gzip_ok.csv.gz")
        assert (again.rows_read, again.rows_stored, again.rows_duplicate) == (40, 1, 39)
        assert ingest_transactions(case, CORPUS / name).skipped
        assert case.count("transactions") == 40 and case.count("duplicates") == 39


_KILLED_CHILD = """
import sys, time
from moneytrail.engine.spark.session import spark_session
from moneytrail.ingest import ingest_transactions
from moneytrail.store import Case

def progress(stage, done, total):
    print(stage, flush=True)
    if stage == "committing":
        time.sleep(300)  # rows written, catalog not swapped yet: the parent kills us here

spark_session(threads=2, shuffle_partitions=2, memory="1g")
with Case.open(sys.argv[1]) as case:
    ingest_transactions(case, sys.argv[2], progress=progress)
"""


@pytest.mark.slow
def test_kill_mid_ingest_on_spark_leaves_nothing(request: pytest.FixtureRequest, tmp_path: Path,
                                                 spark_session: Any) -> None:
    """``kill -9`` of a Spark ingest (driver and JVM) after its rows are written but before the catalog swap:
    the case holds none of them, and ingesting again stores every row."""
    import os
    import signal
    import subprocess
    import sys

    data = tmp_path / "k.csv"
    _big_file(data, 5_000)
    case_factory(request, "spark", tmp_path)().close()  # tmp_path/case0, migrated
    folder = tmp_path / "case0"
    child = subprocess.Popen([sys.executable, "-c", _KILLED_CHILD, str(folder), str(data)], stdout=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
    assert child.stdout is not None
    stages = []
    for line in child.stdout:
        stages.append(line.strip())
        if line.strip() == "committing":
            break
    os.killpg(child.pid, signal.SIGKILL)  # the Python driver and its JVM
    child.wait(timeout=60)
    assert stages[-1] == "committing" and child.returncode == -signal.SIGKILL
    assert list((folder / "warehouse" / "transactions").rglob("*.parquet"))  # the rows were on disk
    with Case.open(folder) as case:
        assert (case.count("transactions"), case.count("ingest_log"), case.count("quarantine")) == (0, 0, 0)
        result = ingest_transactions(case, data)
        assert not result.skipped and result.rows_stored == 5_000
        assert case.count("transactions") == 5_000 and case.count("ingest_log") == 1
