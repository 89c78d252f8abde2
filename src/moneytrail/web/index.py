"""The explorer's account index: every payment twice, once under the account that paid and once under the
account paid, sorted by account. Pages ask for the payments of a few accounts; on the case's own table that
is a scan of every payment (about a tenth of a second per million rows), on this copy a read of the one or
two row groups the account's rows sit in (zone maps).

The case stays read-only: the copy lives in a scratch file in the temp folder, named by a signature of the
case's payments so a restarted server reuses it. It is built in a background thread after start-up; until it
is ready, pages read the payments table directly (same rows, same answers, slower).
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import time
from pathlib import Path

from moneytrail.engine import Engine, EngineError
from moneytrail.store import Case

SCRATCH = "mt_explorer"
COLUMNS = ("txn_id", "ts", "amount", "currency", "amount_rc", "channel", "source_id", "reliability", "credibility")


def by_account_scan_sql() -> str:
    """(account_key, direction, counterparty, txn_id, ts, ...) straight from the payments table."""
    cols = ", ".join(COLUMNS)
    return (f"SELECT from_account AS account_key, 'out' AS direction, to_account AS counterparty, {cols} "
            f"FROM transactions UNION ALL SELECT to_account, 'in', from_account, {cols} FROM transactions")


class ExplorerCase(Case):
    """A case as one request reads it: through its own cursor, with the payments-by-account source to use."""

    def __init__(self, case: Case, by_account: str) -> None:
        super().__init__(case.engine, case.path)
        self.by_account = by_account


def by_account_sql(case: Case) -> str:
    """A FROM-clause source of payments by account for this request: the index if ready, else a scan."""
    return case.by_account if isinstance(case, ExplorerCase) else f"({by_account_scan_sql()})"


class AccountIndex:
    def __init__(self, case: Case, folder: Path | None = None) -> None:
        self.case = case
        self.folder = folder or Path(tempfile.gettempdir())
        self.ready = threading.Event()
        self.error: str | None = None
        self.seconds: float | None = None
        self.scratch = SCRATCH  # named by the signature once known: apps in one process may share a database
        self._building: Engine | None = None
        self._thread: threading.Thread | None = None

    def signature(self) -> str:
        e = self.case.engine
        facts = e.rows("SELECT count(*), CAST(max(ts) AS VARCHAR), CAST(sum(amount) AS VARCHAR), "
                       "CAST(max(ingest_no) AS VARCHAR) FROM transactions")[0]
        return hashlib.sha256(repr((str(self.case.path), facts, self.case.data_version())).encode()).hexdigest()[:16]

    def source_sql(self) -> str:
        return f"{self.scratch}.by_account" if self.ready.is_set() else f"({by_account_scan_sql()})"

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
        try:
            sig = self.signature()
            path = self.folder / f"moneytrail-explorer-{sig}.duckdb"
            done = path.with_suffix(".ready")
            if path.exists() and not done.exists():
                path.unlink()  # an earlier build stopped half-way
            self.scratch = f"{SCRATCH}_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}"
            try:
                self.case.engine.attach_scratch(self.scratch, path)
            except EngineError as exc:  # another app in this process has attached this very file
                if "already" not in str(exc):  # "already exists", "is already attached by"
                    raise
            if not done.exists():
                with self.case.engine.request_cursor(seconds=24 * 3600, row_limit=1) as cursor:
                    self._building = cursor
                    cursor.execute(f"CREATE OR REPLACE TABLE {self.scratch}.by_account AS SELECT * FROM "
                                   f"({by_account_scan_sql()}) x ORDER BY account_key, ts")
                    cursor.execute(f"CHECKPOINT {self.scratch}")
                    self._building = None
                done.write_text(sig)
            self.seconds = time.perf_counter() - started
            self.ready.set()
        except (EngineError, OSError) as exc:  # another server holds the file, or no room: pages scan instead
            self.error = str(exc)
