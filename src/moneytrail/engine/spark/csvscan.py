"""The Spark engine's CSV methods (``SparkEngine.csv_scan_sql``, ``csv_range_scan_sql``, ``csv_lines_scan_sql``):
the reads of ``engine/spark/csv.py`` as temporary views of the engine's session, named by the engine.

``csv_lines_scan_sql`` is what ingest uses on Spark (``ingest/csvnumbered.py``): records carry their line, so
nothing is numbered in a single-threaded scan and nothing is moved after a reject. The two protocol methods
serve the DuckDB-shaped path (``ingest/csvfile.py``, used on Spark by accounts and events): records in file
order, rejects with lines counted from the start of what was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from moneytrail.engine.spark.csv import LineIndex, lines_scan_views, ordered_scan_views


def _view(engine: Any) -> str:
    return str(engine.scratch_name("csv"))


def csv_lines_scan_sql(engine: Any, path: Path, *, delimiter: str, columns: Sequence[str], rejects_table: str,
                       quote: str = '"', lines: Sequence[tuple[int, int]] | None = None) -> str:
    return lines_scan_views(engine.spark, Path(path), delimiter=delimiter, columns=columns,
                            rejects_table=rejects_table, quote=quote, lines=lines, view=_view(engine))


def csv_scan_sql(engine: Any, path: Path, *, delimiter: str, header: bool, columns: Sequence[str],
                 rejects_table: str, quote: str = '"') -> str:
    return ordered_scan_views(engine.spark, Path(path), first=2 if header else 1, last=None, base=0,
                              delimiter=delimiter, columns=columns, rejects_table=rejects_table, quote=quote,
                              view=_view(engine))


def csv_range_scan_sql(engine: Any, path: Path, start: int, end: int, *, delimiter: str, columns: Sequence[str],
                       rejects_table: str, quote: str = '"') -> str:
    """Bytes [start, end) of a plain file, both line starts: their lines are counted on the driver (the
    engine keeps one ``LineIndex``, so pieces asked for in order read the file once)."""
    index = getattr(engine, "_csv_line_index", None)
    if index is None:
        index = LineIndex()
        engine._csv_line_index = index
    p = Path(path)
    first = index.line_at(p, start)
    last = index.line_at(p, end) - 1 if end < p.stat().st_size else None
    return ordered_scan_views(engine.spark, p, first=first, last=last, base=first - 1, delimiter=delimiter,
                              columns=columns, rejects_table=rejects_table, quote=quote, view=_view(engine))
