"""Reading Parquet files like CSV ones: every column as text, ``_line`` = 1-based row number."""

from __future__ import annotations

from collections.abc import Callable

from moneytrail.engine import EngineError
from moneytrail.ingest.csvfile import Staged
from moneytrail.ingest.filelog import FileIngest
from moneytrail.ingest.result import IngestError
from moneytrail.ingest.sqltext import literal


def stage_parquet(fi: FileIngest, *, required: list[str], build: Callable[[dict[str, str], str], str],
                  table: str = "_ingest_stage") -> Staged:
    engine = fi.case.engine
    scan = f"read_parquet({literal(str(fi.path))}, file_row_number = true)"
    try:
        schema = engine.rows(f"DESCRIBE SELECT * FROM {scan}")
    except EngineError as exc:
        raise IngestError(f"{fi.path}: cannot read as Parquet: {str(exc).splitlines()[0]}") from exc
    names = [str(r[0]) for r in schema if r[0] != "file_row_number"]
    missing = [c for c in required if c not in names]
    if missing:
        raise IngestError(f"{fi.path}: missing columns {', '.join(missing)} (file has {', '.join(names)})")
    positional = {name: f"c{i}" for i, name in enumerate(names)}
    casts = ", ".join(f'CAST("{n}" AS VARCHAR) AS {c}' for n, c in positional.items())
    # _k is 0-based here so that Staged's ``_line = _k + 1`` is the 1-based row number (no header).
    raw = f"(SELECT file_row_number AS _k, {casts} FROM {scan}) raw"
    engine.execute(f"DROP TABLE IF EXISTS {table}")
    engine.execute(f"CREATE TEMP TABLE {table} AS {build(positional, raw)}")
    rows = int(engine.scalar(f"SELECT count(*) FROM {table}"))
    return Staged(table=table, columns=names, rows=rows, rejected=0, shifts=None)
