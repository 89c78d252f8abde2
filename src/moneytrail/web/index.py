"""The explorer index: the tables of web/derived.py materialised once, sorted for the look-ups pages make.

On the case's own tables a page's questions are scans: the payments of one account read every payment,
a name's display label groups every statement. In the index each is a read of a row group or two (zone
maps), and what search and its facets count is computed once.

The case stays read-only: the index is a DuckDB file of its own beside the case (``case.explorer.duckdb``
for ``case.duckdb``; in the user's cache folder when the case's folder is not writable), attached to the
case's database (``Engine.attach_scratch``). It records a signature of the case's data and of the
definitions, so a restarted server reuses it and a changed case rebuilds it. It is built in a background
thread after start-up, and each table is used as soon as it is built; until then pages compute it from the
case (same answers, slower).
"""

from __future__ import annotations

import hashlib
import inspect
import os
import threading
import time
from pathlib import Path

from moneytrail.engine import Engine, EngineError
from moneytrail.store import Case
from moneytrail.web.derived import DERIVED

SCRATCH = "mt_explorer"
# A look-up reads whole row groups: at DuckDB's default (122,880 rows) one account's payments cost a read of
# 120,000 rows; at this size, 16,000.
ROW_GROUP_ROWS = 16_384
# The build sorts every payment twice over (10M rows at 5M payments): past this it spills to disk rather
# than take 3.5 GB beside the pages being served.
BUILD_MEMORY_MB = 1_500
_LOCKS: dict[str, threading.Lock] = {}  # one build at a time per index file in this process
_LOCKS_LOCK = threading.Lock()


class ExplorerCase(Case):
    """A case as one request reads it: its own cursor, the derived tables' sources (the index's tables once it
    is ready) and the case's tables and columns, read once at start-up (the case is read-only)."""

    def __init__(self, case: Case, sources: dict[str, str], columns: dict[str, frozenset[str]]) -> None:
        super().__init__(case.engine, case.path)
        self.derived = sources
        self.columns = columns


def case_columns(case: Case) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for table, column in case.engine.rows("SELECT table_name, column_name FROM information_schema.columns "
                                          "WHERE table_schema = 'main'"):
        found.setdefault(str(table), set()).add(str(column))
    return {t: frozenset(c) for t, c in found.items()}


def has(case: Case, table: str, *columns: str) -> bool:
    """Does the case have this table (with these columns)? From the start-up read when there is one."""
    known = getattr(case, "columns", None)
    found = known.get(table, frozenset()) if known is not None else case_columns(case).get(table, frozenset())
    return bool(found) and all(c in found for c in columns)


def index_path(case_path: Path) -> Path:
    """Beside the case when its folder is writable, else in the user's cache folder."""
    beside = case_path.with_name(case_path.stem + ".explorer.duckdb")
    if os.access(case_path.parent, os.W_OK):
        return beside
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "moneytrail" / "explorer"
    return cache / f"{hashlib.sha256(str(case_path.resolve()).encode()).hexdigest()[:16]}.explorer.duckdb"


def _definitions() -> str:
    text = "".join(inspect.getsource(d.sql) + d.order for d in DERIVED) + str(ROW_GROUP_ROWS)
    return hashlib.sha256(text.encode()).hexdigest()


class ExplorerIndex:
    def __init__(self, case: Case, path: Path | None = None) -> None:
        if path is None and case.path is None:
            raise ValueError("an in-memory case needs an explicit index path")
        self.case = case
        self.path = path or index_path(Path(str(case.path)))
        self.ready = threading.Event()
        self.error: str | None = None
        self.seconds: float | None = None
        self.scratch = f"{SCRATCH}_{hashlib.sha256(str(self.path).encode()).hexdigest()[:12]}"
        self._building: Engine | None = None
        self._built: tuple[str, ...] = ()  # replaced whole, never changed in place: requests read it unlocked
        self._thread: threading.Thread | None = None

    def signature(self) -> str:
        """The case's data version, fingerprints of the other tables the index derives from, and the SQL."""
        facts = self.case.engine.rows(
            "SELECT (SELECT count(*) FROM statements), (SELECT coalesce(sum(hash(statement_id, value)), 0) FROM "
            "statements), (SELECT coalesce(sum(hash(entity_id, canonical_id)), 0) FROM entity_canonical), "
            "(SELECT coalesce(sum(hash(account_key, holder_entity_id, iban)), 0) FROM accounts), "
            "(SELECT coalesce(sum(hash(finding_id, ref_kind, ref_id, role)), 0) FROM finding_refs), "
            "(SELECT coalesce(sum(hash(source_id, kind, reliability, credibility)), 0) FROM sources), "
            "(SELECT coalesce(sum(hash(left_id, right_id, probability)), 0) FROM resolve_pairs)")[0]
        text = repr((str(self.case.path), facts, self.case.data_version(), _definitions()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def sources(self) -> dict[str, str]:
        """The derived tables' sources for a request: the index's tables built so far (the others computed)."""
        return {name: f"{self.scratch}.{name}" for name in self._built}

    def start(self) -> None:
        self._thread = threading.Thread(target=self.build, name="explorer-index", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Interrupt a build still running (the server is shutting down) and wait for its thread."""
        if self._building is not None:
            self._building.interrupt()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def build(self) -> None:
        started = time.perf_counter()
        with _LOCKS_LOCK:
            lock = _LOCKS.setdefault(str(self.path), threading.Lock())
        try:
            with lock:
                self._build()
            self.seconds = time.perf_counter() - started
            self.ready.set()
        except (EngineError, OSError) as exc:  # another server holds the file, or no room: pages compute
            self.error = str(exc)

    def _build(self) -> None:
        sig = self.signature()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.case.engine.attach_scratch(self.scratch, self.path, row_group_rows=ROW_GROUP_ROWS)
        except EngineError as exc:  # another app in this process has attached this very file
            if "already" not in str(exc):  # "already exists", "is already attached by"
                raise
        e = self.case.engine
        built = e.rows("SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND "
                       "table_name = 'mt_built'", [self.scratch])
        if built and e.scalar(f"SELECT max(signature) FROM {self.scratch}.mt_built") == sig:
            self._built = tuple(d.name for d in DERIVED)
            return
        with e.request_cursor(seconds=24 * 3600, row_limit=1) as cursor, cursor.memory_cap(BUILD_MEMORY_MB):
            self._building = cursor
            try:
                self._build_tables(cursor, sig)
            finally:
                self._building = None  # also when interrupted: stop() must not reach for a closed cursor

    def _build_tables(self, cursor: Engine, sig: str) -> None:
        marker = f"CREATE OR REPLACE TABLE {self.scratch}.mt_built AS SELECT CAST(? AS VARCHAR) AS signature"
        cursor.execute(marker, ["building"])  # a build stopped half-way is not taken for a finished one
        for d in DERIVED:
            sql = d.sql(lambda name: f"{self.scratch}.{name}")
            cursor.execute(f"CREATE OR REPLACE TABLE {self.scratch}.{d.name} AS SELECT * FROM ({sql}) x "
                           f"ORDER BY {d.order}")
            self._built = (*self._built, d.name)
        cursor.execute(marker, [sig])
        cursor.execute(f"CHECKPOINT {self.scratch}")

