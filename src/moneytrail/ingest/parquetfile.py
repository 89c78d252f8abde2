"""Reading Parquet files like CSV ones: every column as text, ``_line`` = 1-based row number."""

from __future__ import annotations

from collections.abc import Callable

from moneytrail.engine import EngineError
from moneytrail.engine.scratch import Run
from moneytrail.ingest.csvfile import Staged
from moneytrail.ingest.filelog import FileIngest
from moneytrail.ingest.result import IngestError


def quoted(name: str) -> str:
    """A column name as a quoted identifier (Parquet names may hold spaces or punctuation)."""
    return '"' + name.replace('"', '""') + '"'


def stage_parquet(fi: FileIngest, run: Run, *, required: list[str],
                  build: Callable[[dict[str, str], str], str]) -> Staged:
    """Stage the file into a table of ``run`` = ``build(columns, raw)``, as ``csvfile.stage_csv`` does."""
    engine = fi.case.engine
    scan = engine.parquet_scan_sql(fi.path)
    try:
        schema = engine.query(f"SELECT * FROM {scan} LIMIT 0").schema
    except EngineError as exc:
        raise IngestError(f"{fi.path}: cannot read as Parquet: {str(exc).splitlines()[0]}") from exc
    names = [name for name in schema.names if name != "file_row_number"]
    missing = [c for c in required if c not in names]
    if missing:
        raise IngestError(f"{fi.path}: missing columns {', '.join(missing)} (file has {', '.join(names)})")
    positional = {name: f"c{i}" for i, name in enumerate(names)}
    casts = ", ".join(f"{engine.dialect.text_sql(quoted(n))} AS {c}" for n, c in positional.items())
    # _k is 0-based here so that Staged's ``_line = _k + 1`` is the 1-based row number (no header).
    raw = f"(SELECT file_row_number AS _k, {casts} FROM {scan}) raw"
    table = run.materialise(build(positional, raw), hint="parquet_stage")
    rows = int(engine.scalar(f"SELECT count(*) FROM {table}"))
    return Staged(table=str(table), columns=names, rows=rows, rejected=0, shifts=None)
