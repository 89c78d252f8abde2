"""Recording the SQL an engine runs, for the portability test (``tests/engine/test_sql_portability.py``).

With ``MONEYTRAIL_SQL_CAPTURE=FILE`` set, every statement an engine runs is appended to FILE as one JSON
line ``{"sql": ..., "owner": ..., "origin": ...}``, once per distinct text per process. ``owner`` is None for SQL that
stage code wrote (it must be portable) and names the engine method for statements an engine method
issues itself (scratch tables, writer statements, settings, file scans); ``ENGINE_OWNED`` lists them
with the reason they are not checked. FROM-clause fragments an engine method hands out (CSV scans) are
replaced by the placeholder table ``engine_scan`` in the statements that embed them. ``origin`` is the
module outside ``moneytrail.engine`` that ran the statement.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import ClassVar

ENV = "MONEYTRAIL_SQL_CAPTURE"
SCAN_PLACEHOLDER = "engine_scan"

# Engine methods whose own statements are engine-specific by design, and why each is exempt.
ENGINE_OWNED: dict[str, str] = {
    "scratch": "run-owned scratch tables: CREATE TEMP TABLE here, CACHE TABLE / temp views on Spark "
               "(Dialect.scratch_table_sql); the SELECT inside is captured and checked on its own",
    "writer": "append / replace_partition / upsert / remove: DELETE and UPDATE here, partition overwrite "
              "and merge-on-rewrite on Parquet (engine/writer.py); the SELECT feeding them is checked",
    "settings": "engine settings and transactions (SET, BEGIN, COMMIT, current_setting) for bulk loads and "
                "join order: DuckDB knobs with no Spark meaning (Engine.bulk_load, Engine.joins_as_written)",
    "files": "file access (read_csv with a rejects table, byte-range reads, read_parquet views, COPY TO "
             "parquet): each engine reads and writes files its own way (Engine.csv_scan_sql, copy_to_parquet)",
    "catalog": "schema management: migrations' DDL, information_schema reads, meta upserts (store/)",
}


class Capture:
    """Appends distinct statements to the file named by ``MONEYTRAIL_SQL_CAPTURE`` (no-op when unset)."""

    _lock = threading.Lock()
    _seen: ClassVar[set[tuple[str, str | None, str]]] = set()  # per process: each distinct statement is written once

    def __init__(self) -> None:
        self.path = os.environ.get(ENV) or None
        self.fragments: list[str] = []

    def fragment(self, text: str) -> str:
        """Remember an engine-made FROM fragment (replaced by ``engine_scan`` when captured)."""
        if self.path:
            self.fragments.append(text)
        return text

    def record(self, sql: str, owner: str | None = None) -> None:
        if not self.path:
            return
        if owner is None:
            for frag in self.fragments:
                if frag in sql:
                    sql = sql.replace(frag, SCAN_PLACEHOLDER)
        origin = _caller()
        key = (sql, owner, origin)
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(json.dumps({"sql": sql, "owner": owner, "origin": origin}) + "\n")


def _caller() -> str:
    """The module outside ``moneytrail.engine`` that issued the statement (e.g. ``moneytrail.detect.star``)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if not name.startswith("moneytrail.engine") and name != "contextlib":
            return name
        frame = frame.f_back  # type: ignore[assignment]
    return ""
