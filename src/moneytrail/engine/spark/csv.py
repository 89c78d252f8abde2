"""CSV files on Spark with the physical line of every record, and the records it cannot split as rejects.

Spark's CSV reader numbers no lines, pads short records and drops the extra fields of long ones without a
word. So the file is read here as text and split by us, all in the JVM:

1. **Lines.** The text source with ``lineSep`` LF gives one row per physical line (an LF-ended line, or a
   last line without LF; a CRLF line loses its CR below; a bare CR stays inside its line, as
   ``ingest.layout`` counts lines). A plain file is read in byte-range splits side by side; a gzip file is
   one split (not splittable; Hadoop's codec decompresses it), numbered the same way.
2. **Numbers.** Each row gets its split's first byte (``input_file_block_start``) and
   ``monotonically_increasing_id`` (partition index << 33 plus its position in the partition). One
   counting job gives per split: its lines and its smallest id. Prefix sums over the splits in byte order
   (on the driver: one row per split) give each split's first line, and a row's line is that plus its id
   minus the split's smallest id: a split is read by one task, its rows contiguous in its partition.
   The rows themselves are never shuffled: the per-split table is broadcast.
3. **Records.** ``from_csv`` (univocity) splits each line; beside it, the field count and a quote check
   come from the line's text with the well-formed quoted fields taken out. A line with the wrong number
   of fields, a quote opening a field that does not close it, or invalid UTF-8 (the line's bytes are kept
   as they are, so this is checked on them) is a reject: (line, csv_line, error_type, error_message),
   with DuckDB's names for the same errors. Empty fields, quoted or not, are NULL, as DuckDB reads them.

Records spanning lines are not split here: ``ingest.records`` settles those lines first and asks only for
runs of lines that are one record each (``csv_lines_scan_sql(lines=...)``, ``ingest/csvnumbered.py``). Read
on its own (no layout), each line of such a record is a reject. ``engine/spark/csvscan.py`` puts these
reads behind the engine's methods.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_LAST = 1 << 62  # a line number past any file's end
_BLOCK = 1 << 24


def _java_regex(text: str) -> str:
    return "\\Q" + text + "\\E" if text else ""


def numbered_lines(spark: SparkSession, path: Path) -> DataFrame:
    """(``_line``, ``value``): every physical line of ``path`` with its 1-based line number (see module doc)."""
    from pyspark.sql import functions as F

    text = spark.read.option("lineSep", "\n").option("wholetext", "false").text(str(path))
    tagged = text.select(F.input_file_block_start().alias("_blk"), F.monotonically_increasing_id().alias("_id"),
                         F.col("value"))
    splits = sorted((int(r[0]), int(r[1]), int(r[2])) for r in
                    tagged.groupBy("_blk").agg(F.count(F.lit(1)), F.min("_id")).collect())
    firsts, line = [], 1
    for blk, lines, smallest in splits:
        firsts.append((blk, line - smallest))
        line += lines
    if not firsts:
        return spark.createDataFrame([], "_line BIGINT, value STRING")
    offsets = spark.createDataFrame(firsts, "_blk BIGINT, _add BIGINT")
    return (tagged.join(F.broadcast(offsets), "_blk")
            .select((F.col("_id") + F.col("_add")).alias("_line"), F.col("value")))


def split_records(lines: DataFrame, *, delimiter: str, quote: str, columns: Sequence[str]) -> tuple[DataFrame,
                                                                                                   DataFrame]:
    """(records, rejects) of numbered lines: records are (``_line``, columns...) as text, rejects are
    (line, csv_line, error_type, error_message)."""
    from pyspark.sql import functions as F

    n = len(columns)
    text = F.regexp_replace(F.col("value"), "\r$", "")
    sep, q = _java_regex(delimiter), _java_regex(quote)
    # Well-formed quoted fields (doubled quotes inside) taken out: what remains has one delimiter between
    # fields, and a quote opening a field there is one that does not close where a field ends.
    bare = F.regexp_replace(text, f"(^|{sep}){q}[^{re.escape(quote)}]*(?:{q}{q}[^{re.escape(quote)}]*)*{q}"
                                  f"(?={sep}|$)", "$1")
    fields = F.size(F.split(bare, sep, -1)) if delimiter else F.lit(1)
    schema = ", ".join(f"`{c}` STRING" for c in columns)
    options = {"sep": delimiter, "quote": quote, "escape": quote, "mode": "PERMISSIVE"}
    checked = lines.select(
        "_line", "value", text.alias("_text"), fields.alias("_fields"),
        F.when(~F.is_valid_utf8(F.col("value")), F.lit("INVALID ENCODING"))
         .when(bare.rlike(f"(^|{sep}){q}"), F.lit("UNQUOTED VALUE"))
         .when(fields < n, F.lit("MISSING COLUMNS"))
         .when(fields > n, F.lit("TOO MANY COLUMNS")).alias("_error"))
    parsed = F.from_csv(F.col("_text"), schema, options)
    records = checked.where(F.col("_error").isNull()).select(
        "_line", *[F.nullif(parsed[c], F.lit("")).alias(c) for c in columns])
    message = (F.when(F.col("_error") == "INVALID ENCODING",
                      F.lit("Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded."))
               .when(F.col("_error") == "UNQUOTED VALUE", F.lit("Value with unterminated quote found."))
               .otherwise(F.concat(F.lit(f"Expected Number of Columns: {n} Found: "),
                                   F.col("_fields").cast("string"))))
    rejects = checked.where(F.col("_error").isNotNull()).select(
        F.col("_line").alias("line"), F.col("_text").alias("csv_line"), F.col("_error").alias("error_type"),
        message.alias("error_message"))
    return records, rejects


def within(lines: DataFrame, spans: Sequence[tuple[int, int]] | None) -> DataFrame:
    """The lines whose number lies in one of the inclusive ``spans`` (all lines for None)."""
    from pyspark.sql import functions as F

    if spans is None:
        return lines
    if not spans:
        return lines.where(F.lit(False))
    cond = F.col("_line").between(int(spans[0][0]), int(spans[0][1]))
    for first, last in spans[1:]:
        cond = cond | F.col("_line").between(int(first), int(last))
    return lines.where(cond)


class LineIndex:
    """Lines before a byte offset of a plain file, counted on the driver once per stretch of file (pieces
    are asked for in order, so one file is read once)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int, int], list[tuple[int, int]]] = {}

    def line_at(self, path: Path, offset: int) -> int:
        """The 1-based line that starts at byte ``offset`` (a line start)."""
        stat = path.stat()
        known = self._known.setdefault((str(path), stat.st_size, stat.st_mtime_ns), [(0, 0)])
        i = bisect.bisect_right(known, (offset, 1 << 62)) - 1
        at, newlines = known[i]
        with path.open("rb") as fh:
            fh.seek(at)
            while at < offset:
                chunk = fh.read(min(_BLOCK, offset - at))
                if not chunk:
                    break
                newlines += chunk.count(b"\n")
                at += len(chunk)
        bisect.insort(known, (offset, newlines))
        return newlines + 1


def lines_scan_views(spark: SparkSession, path: Path, *, delimiter: str, columns: Sequence[str],
                     rejects_table: str, quote: str, lines: Sequence[tuple[int, int]] | None, view: str) -> str:
    """View ``view`` of (``_k``, columns...) for the records on the line spans ``lines`` (``_k + 1`` the line)
    and view ``rejects_table`` of the rejects, with their lines in the file. Returns ``view``."""
    from pyspark.sql import functions as F

    records, rejects = split_records(within(numbered_lines(spark, path), lines), delimiter=delimiter,
                                     quote=quote, columns=columns)
    rejects.createOrReplaceTempView(rejects_table)
    records.select((F.col("_line") - 1).alias("_k"), *columns).createOrReplaceTempView(view)
    return view


def ordered_scan_views(spark: SparkSession, path: Path, *, first: int, last: int | None, base: int,
                       delimiter: str, columns: Sequence[str], rejects_table: str, quote: str, view: str) -> str:
    """The protocol's scan of lines ``first``..``last`` (None: to the end) as view ``view`` of the columns
    alone, in file order, and rejects whose line is counted after line ``base``. File order: one file's
    splits are read by partitions in byte order and a broadcast join keeps each partition's order, so a
    row number in scan order (the dialect's ``monotonically_increasing_id``) numbers the records as
    they stand in the file."""
    from pyspark.sql import functions as F

    span = [(first, last if last is not None else _LAST)]
    records, rejects = split_records(within(numbered_lines(spark, path), span), delimiter=delimiter, quote=quote,
                                     columns=columns)
    rejects.select((F.col("line") - base).alias("line"), "csv_line", "error_type",
                   "error_message").createOrReplaceTempView(rejects_table)
    records.select(*columns).createOrReplaceTempView(view)
    return view
