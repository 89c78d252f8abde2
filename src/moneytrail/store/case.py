"""A case: everything known about one investigation, in one DuckDB file or (Spark) a folder of Parquet tables."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from moneytrail.engine import Engine, EngineError, open_engine
from moneytrail.engine.protocol import engine_backend
from moneytrail.store.migrations import all_migrations

DEFAULT_REPORTING_CURRENCY = "USD"


class CaseError(RuntimeError):
    """A case cannot be created, opened or used as asked."""


SPARK_CATALOG = "catalog.json"  # engine/spark/catalog.py: a folder with one is a case on Spark


def case_path(path: Path | str, backend: str | None = None) -> Path:
    """``CASE`` may name the file or a folder; a folder holds ``case.duckdb``, or is itself a case on Spark
    (a folder of Parquet tables with ``catalog.json``; ``backend="spark"`` for a new one)."""
    p = Path(path)
    if p.suffix == ".duckdb":
        return p
    if (p / SPARK_CATALOG).exists() or (backend is not None and engine_backend(backend) == "spark"):
        return p
    return p / "case.duckdb"


def case_backend(path: Path | str) -> str:
    """The engine an existing case needs: spark for a Parquet folder, else duckdb."""
    return "spark" if (Path(path) / SPARK_CATALOG).exists() else "duckdb"


class Case:
    """An open case store. Use ``Case.create`` for a new case, ``Case.open`` for an existing one."""

    def __init__(self, engine: Engine, path: Path | None) -> None:
        self.engine = engine
        self.path = path

    # -- life cycle --------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path | str, *, reporting_currency: str = DEFAULT_REPORTING_CURRENCY,
               exist_ok: bool = False, engine: str | None = None) -> Case:
        """A new case; ``engine`` duckdb | spark (default: ``MONEYTRAIL_ENGINE``, else duckdb)."""
        backend = engine_backend(engine)
        file = case_path(path, backend)
        if (file / SPARK_CATALOG if backend == "spark" else file).exists() and not exist_ok:
            raise CaseError(f"case {file} already exists")
        file.parent.mkdir(parents=True, exist_ok=True)
        case = cls(open_engine(file, backend=backend), file)
        case.migrate()
        if case.meta("reporting_currency") is None:
            case.set_meta("reporting_currency", reporting_currency.upper())
            case.set_meta("created_at", datetime.now(UTC).isoformat())
        return case

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> Case:
        file = case_path(path)
        if not file.exists():
            raise CaseError(f"no case at {file}")
        try:
            engine = open_engine(file, read_only=read_only, backend=case_backend(file))
        except EngineError as exc:
            raise CaseError(str(exc)) from exc
        case = cls(engine, file)
        if not read_only:
            case.migrate()
        elif case.schema_version() < all_migrations()[-1].version:
            version = case.schema_version()
            case.close()  # else DuckDB keeps the file open read-only and refuses the writable open that migrates
            raise CaseError(f"case {file} has schema v{version}; open it writable to migrate")
        return case

    @classmethod
    def in_memory(cls, engine: str | None = None) -> Case:
        """A throw-away case, for tests and pipelines that need no file (on Spark: a temporary folder)."""
        case = cls(open_engine(None, backend=engine), None)
        case.migrate()
        case.set_meta("reporting_currency", DEFAULT_REPORTING_CURRENCY)
        return case

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------------
    def schema_version(self) -> int:
        if "schema_migrations" not in self.engine.table_names():
            return 0
        return int(self.engine.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations"))

    def migrate(self) -> list[int]:
        """Apply pending migrations, each in its own transaction; returns the versions applied."""
        self.engine.apply_schema([
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
            "applied_at TIMESTAMP)"])
        current = self.schema_version()
        applied = []
        for migration in all_migrations():
            if migration.version <= current:
                continue
            with self.engine.transaction():
                self.engine.apply_schema(migration.statements)
                self.engine.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                                    [migration.version, migration.name, datetime.now(UTC).replace(tzinfo=None)])
            applied.append(migration.version)
        return applied

    # -- metadata ----------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        value = self.engine.scalar("SELECT value FROM meta WHERE key = ?", [key])
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        text = self.engine.dialect.text_sql("?")
        self.engine.upsert("meta", ["key"], f"SELECT {text} AS key, {text} AS value",
                           [key, value])

    @property
    def reporting_currency(self) -> str:
        return self.meta("reporting_currency") or DEFAULT_REPORTING_CURRENCY

    def data_version(self) -> str:
        """One fingerprint of the case's data: every ingest (file, hash, rows) and the transactions
        themselves (count, time span, an integer checksum of amounts and how many are converted, so rows
        written without an ingest count too). Exact aggregates only: a parallel floating-point sum differs
        in its last bits. Text aggregates (min/max of ids) are left out: they cost four times the rest.

        Results are stamped with it (a result made on older data is stale); the trace index is rebuilt
        and the path search re-run when it changes.
        """
        digest = hashlib.sha256()
        for row in self.engine.rows("SELECT ingest_id, file_hash, rows_stored FROM ingest_log ORDER BY ingest_id"):
            digest.update("\x1f".join(str(v) for v in row).encode())
            digest.update(b"\x1e")
        digest.update(repr(self.engine.rows(
            "SELECT count(*), coalesce(sum(CAST(amount * 100 AS BIGINT) % 1000003), 0), min(ts), max(ts), "
            "count(amount_rc) FROM transactions")[0]).encode())
        return digest.hexdigest()[:32]

    def count(self, table: str) -> int:
        return int(self.engine.scalar(f"SELECT count(*) FROM {table}"))

    def table_names(self) -> list[str]:
        return self.engine.table_names()

    def describe(self) -> dict[str, Any]:
        return {"path": str(self.path) if self.path else None, "schema_version": self.schema_version(),
                "reporting_currency": self.reporting_currency}
