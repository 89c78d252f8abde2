"""SQL that differs between engines, written once per engine (after splink's per-backend dialects).

Stage code builds SQL that both DuckDB and Spark SQL accept, and asks ``case.engine.dialect`` for the
few expressions they spell differently: casts to text, epoch seconds and day numbers, parsing a date
with a strftime format, adding days, infinity tests, small literal lookups (maps), expanding a day
range into rows, keeping the first row per key (``DISTINCT ON``) and numbering rows in scan order.
Each method returns SQL text; nothing here runs anything, so the Spark dialect is usable (and tested)
before the Spark engine exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlglot
from sqlglot import exp


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Dialect:
    """The DuckDB spelling; ``SparkDialect`` overrides what Spark SQL writes differently."""

    name = "duckdb"
    text_type = "VARCHAR"

    def text_sql(self, expr: str) -> str:
        """``expr`` as text."""
        return f"CAST({expr} AS {self.text_type})"

    def null_text_sql(self) -> str:
        """A typed NULL text value (for optional columns a file lacks)."""
        return f"CAST(NULL AS {self.text_type})"

    def epoch_seconds_sql(self, ts: str) -> str:
        """Seconds since 1970-01-01 00:00 UTC of a timestamp, fractional."""
        return f"epoch({ts})"

    def day_number_sql(self, ts: str) -> str:
        """Whole days since 1970-01-01 (an integer day bucket)."""
        return f"CAST(floor({self.epoch_seconds_sql(ts)} / 86400) AS BIGINT)"

    def parse_timestamp_sql(self, text: str, fmt: str) -> str:
        """Timestamp parsed from ``text`` with a strftime ``fmt`` (``%Y-%m-%d``), NULL when it does not fit."""
        return f"try_strptime({text}, {_literal(fmt)})"

    def add_days_sql(self, ts: str, days: str) -> str:
        """``ts`` plus an integer number of days."""
        return f"{ts} + to_days({days})"

    def is_infinite_sql(self, expr: str) -> str:
        return f"isinf({expr})"

    def is_nan_sql(self, expr: str) -> str:
        return f"isnan({expr})"

    def lookup_sql(self, pairs: Mapping[str, str], key: str) -> str:
        """The value for text ``key`` in a small literal map of text to text, NULL when absent."""
        if not pairs:
            return self.null_text_sql()
        body = ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in pairs.items())
        return f"MAP {{{body}}}[{key}]"

    def day_series_sql(self, start: str, end: str) -> str:
        """A set-returning select-list expression: one timestamp per day from ``start`` to ``end``."""
        return f"unnest(generate_series(CAST({start} AS TIMESTAMP), CAST({end} AS TIMESTAMP), INTERVAL 1 DAY))"

    def first_per_key_sql(self, select: str, source: str, keys: Sequence[str], order: str = "") -> str:
        """``SELECT {select} FROM {source}`` keeping one row per ``keys`` (the first by ``order``, else any)."""
        by = f" ORDER BY {order}" if order else ""
        return f"SELECT DISTINCT ON ({', '.join(keys)}) {select} FROM {source}{by}"

    def scan_ordinal_sql(self) -> str:
        """Row number in the order a single-threaded scan reads its file (1, 2, ...)."""
        return "row_number() OVER ()"

    def stable_hash_sql(self, text: str) -> str:
        """A 60-bit non-negative BIGINT hash of text ``text`` that every engine computes alike (the first 15
        hex digits of its MD5): for hash orders and samples whose results must not depend on the engine
        (DuckDB's ``hash`` and Spark's Murmur3 ``hash`` are different functions)."""
        return f"CAST(('0x' || substr(md5({text}), 1, 15)) AS BIGINT)"

    def scratch_table_sql(self, name: str, sql: str) -> str:
        """Create the run-owned scratch table ``name`` holding the result of ``sql``."""
        return f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}"

    def drop_scratch_sql(self, name: str) -> str:
        return f"DROP TABLE IF EXISTS {name}"


class SparkDialect(Dialect):
    """Spark SQL 3.5/4 spellings. Pure text: used by the Spark engine, and by the portability test now."""

    name = "spark"
    text_type = "STRING"

    def epoch_seconds_sql(self, ts: str) -> str:
        return f"unix_micros({ts}) / 1e6"

    def parse_timestamp_sql(self, text: str, fmt: str) -> str:
        return f"try_to_timestamp({text}, {_literal(java_pattern(fmt))})"

    def add_days_sql(self, ts: str, days: str) -> str:
        return f"{ts} + make_dt_interval({days})"

    def is_infinite_sql(self, expr: str) -> str:
        return f"(abs({expr}) = double('infinity'))"

    def is_nan_sql(self, expr: str) -> str:
        return f"isnan({expr})"

    def lookup_sql(self, pairs: Mapping[str, str], key: str) -> str:
        if not pairs:
            return self.null_text_sql()
        body = ", ".join(f"{_literal(k)}, {_literal(v)}" for k, v in pairs.items())
        return f"element_at(map({body}), {key})"

    def day_series_sql(self, start: str, end: str) -> str:
        return f"explode(sequence(CAST({start} AS TIMESTAMP), CAST({end} AS TIMESTAMP), INTERVAL 1 DAY))"

    def first_per_key_sql(self, select: str, source: str, keys: Sequence[str], order: str = "") -> str:
        # The row number sits beside ``select`` inside (``select`` and the keys may name the source's aliases,
        # which the outer query cannot see); the outer query keeps ``select``'s columns by their names.
        by = order or ", ".join(keys)
        items = sqlglot.parse_one(f"SELECT {select}", read="duckdb").expressions
        named = [e if e.alias_or_name and not isinstance(e, exp.Placeholder) else exp.alias_(e, f"_c{i}")
                 for i, e in enumerate(items)]
        inner = ", ".join(e.sql("duckdb") for e in named)
        outer = ", ".join(f"_f.{e.alias_or_name}" for e in named)
        return (f"SELECT {outer} FROM (SELECT {inner}, row_number() OVER (PARTITION BY {', '.join(keys)} "
                f"ORDER BY {by}) AS _first FROM {source}) _f WHERE _first = 1")

    def scan_ordinal_sql(self) -> str:
        # One partition per piece (the engine reads each piece as a single split), so the id is in file order.
        return "row_number() OVER (ORDER BY monotonically_increasing_id())"

    def stable_hash_sql(self, text: str) -> str:
        return f"CAST(conv(substr(md5({text}), 1, 15), 16, 10) AS BIGINT)"

    def scratch_table_sql(self, name: str, sql: str) -> str:
        return f"CACHE TABLE {name} AS {sql}"

    def drop_scratch_sql(self, name: str) -> str:
        return f"UNCACHE TABLE IF EXISTS {name}"


# strftime -> Java DateTimeFormatter; literal letters are quoted, as Spark otherwise reads them as fields.
_JAVA = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss", "%f": "SSSSSS",
         "%y": "yy", "%b": "MMM", "%B": "MMMM", "%z": "XX", "%j": "DDD", "%I": "hh", "%p": "a", "%%": "%"}


def java_pattern(fmt: str) -> str:
    """A strftime format as a Java date pattern (``%Y-%m-%dT%H:%M:%SZ`` -> ``yyyy-MM-dd'T'HH:mm:ss'Z'``)."""
    out: list[str] = []
    i = 0
    while i < len(fmt):
        code = fmt[i:i + 2]
        if code in _JAVA:
            out.append(_JAVA[code])
            i += 2
        elif fmt[i].isalpha():
            j = i
            while j < len(fmt) and fmt[j].isalpha():
                j += 1
            out.append("'" + fmt[i:j] + "'")
            i = j
        elif fmt[i] == "'":
            out.append("''")
            i += 1
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


DUCKDB = Dialect()
SPARK = SparkDialect()
