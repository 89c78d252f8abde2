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
   The rows themselves are never shuffled or joined: the per-split shifts are a literal map in the
   projection that numbers, checks and splits each line (``scanned_lines``), all in one pass of the file.
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
    from pyspark.sql import Column, DataFrame, SparkSession

_LAST = 1 << 62  # a line number past any file's end
_BLOCK = 1 << 24


def _java_regex(text: str) -> str:
    return "\\Q" + text + "\\E" if text else ""


def _line_number(spark: SparkSession, text: DataFrame) -> Column | None:
    """The expression giving each row of ``text`` its 1-based line (see module doc), from one counting job;
    None for an empty file."""
    from pyspark.sql import functions as F

    splits = sorted((int(r[0]), int(r[1]), int(r[2])) for r in text.select(
        F.input_file_block_start().alias("_blk"), F.monotonically_increasing_id().alias("_id"))
        .groupBy("_blk").agg(F.count(F.lit(1)), F.min("_id")).collect())
    firsts, line = [], 1
    for blk, lines, smallest in splits:
        firsts.append((blk, line - smallest))
        line += lines
    if not firsts:
        return None
    # One row per split: a literal map from the split's first byte to what its ids are shifted by.
    shift = F.create_map(*[F.lit(v) for pair in firsts for v in pair])
    return F.monotonically_increasing_id() + F.element_at(shift, F.input_file_block_start())


def scanned_lines(spark: SparkSession, path: Path, *, delimiter: str, quote: str,
                  columns: Sequence[str]) -> DataFrame:
    """Every physical line of ``path`` numbered, checked and split, in one projection (see module doc):
    (``_line``, ``_text``, ``_fields``, ``_error``, columns...). The line number is nondeterministic to
    Spark's optimiser, so it neither pushes a later filter below this projection (which would copy the
    parse into the filter, once per column it reads: 30 CPU s instead of 6 for 200k rows) nor merges it
    with the projections above; within it, the parse and the regular expressions are evaluated once per
    line (common subexpressions)."""
    from pyspark.sql import functions as F

    text = spark.read.option("lineSep", "\n").option("wholetext", "false").text(str(path))
    line = _line_number(spark, text)
    n = len(columns)
    if line is None:
        return spark.createDataFrame([], "_line BIGINT, _text STRING, _fields INT, _error STRING, "
                                     + ", ".join(f"`{c}` STRING" for c in columns))
    value = F.col("value")
    stripped = F.when(value.endswith("\r"), F.expr("substring(value, 1, length(value) - 1)")).otherwise(value)
    sep, q = _java_regex(delimiter), _java_regex(quote)
    # Most lines hold no quote: their fields are the delimiters plus one, and they cannot misquote. Only a
    # line with a quote runs the regular expressions: its well-formed quoted fields (doubled quotes inside)
    # taken out, what remains has one delimiter between fields, and a quote opening a field there is one
    # that does not close where a field ends. Each check is written once and guarded (a CASE evaluates a
    # branch's expression again for each branch that names it).
    quoted = F.instr(stripped, quote) > 0 if quote else F.lit(False)
    bare = F.regexp_replace(stripped, f"(^|{sep}){q}[^{re.escape(quote)}]*(?:{q}{q}[^{re.escape(quote)}]*)*{q}"
                                      f"(?={sep}|$)", "$1")
    plain_fields = ((F.length(stripped) - F.length(F.replace(stripped, F.lit(delimiter), F.lit(""))))
                    / F.lit(len(delimiter))).cast("int") + 1
    fields = (F.when(quoted, F.size(F.split(bare, sep, -1))).otherwise(plain_fields) if delimiter else F.lit(1))
    schema = ", ".join(f"`{c}` STRING" for c in columns)
    options = {"sep": delimiter, "quote": quote, "escape": quote, "mode": "PERMISSIVE"}
    parsed = F.from_csv(stripped, schema, options)
    misquoted = quoted & bare.rlike(f"(^|{sep}){q}")
    error = (F.when(~F.is_valid_utf8(value), F.lit("INVALID ENCODING"))
             .when(misquoted, F.lit("UNQUOTED VALUE"))
             .when(fields != n, F.when(fields < n, F.lit("MISSING COLUMNS")).otherwise(F.lit("TOO MANY COLUMNS"))))
    return text.select(line.alias("_line"), stripped.alias("_text"), fields.alias("_fields"), error.alias("_error"),
                       *[F.nullif(parsed[c], F.lit("")).alias(c) for c in columns])


def split_records(lines: DataFrame, *, columns: Sequence[str]) -> tuple[DataFrame, DataFrame]:
    """(records, rejects) of ``scanned_lines``: records are (``_line``, columns...) as text, rejects are
    (line, csv_line, error_type, error_message)."""
    from pyspark.sql import functions as F

    n = len(columns)
    records = lines.where(F.col("_error").isNull()).select("_line", *columns)
    message = (F.when(F.col("_error") == "INVALID ENCODING",
                      F.lit("Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded."))
               .when(F.col("_error") == "UNQUOTED VALUE", F.lit("Value with unterminated quote found."))
               .otherwise(F.concat(F.lit(f"Expected Number of Columns: {n} Found: "),
                                   F.col("_fields").cast("string"))))
    rejects = lines.where(F.col("_error").isNotNull()).select(
        F.col("_line").alias("line"),
        # A line that is not UTF-8 is kept with its bad bytes replaced (U+FFFD), so that it can be stored.
        F.when(F.col("_error") == "INVALID ENCODING", F.make_valid_utf8(F.col("_text"))).otherwise(
            F.col("_text")).alias("csv_line"), F.col("_error").alias("error_type"),
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

    records, rejects = split_records(within(scanned_lines(spark, path, delimiter=delimiter, quote=quote,
                                                      columns=columns), lines), columns=columns)
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
    records, rejects = split_records(within(scanned_lines(spark, path, delimiter=delimiter, quote=quote,
                                                      columns=columns), span), columns=columns)
    rejects.select((F.col("line") - base).alias("line"), "csv_line", "error_type",
                   "error_message").createOrReplaceTempView(rejects_table)
    records.select(*columns).createOrReplaceTempView(view)
    return view
