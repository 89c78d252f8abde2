"""What the case holds: later stages add tables in parallel, so the report asks before it reads."""

from __future__ import annotations

from pathlib import Path

from moneytrail.store import Case, CaseError


def table_columns(case: Case, table: str) -> set[str]:
    """The columns of ``table`` in the case, or an empty set when the table does not exist (yet)."""
    return {str(c) for c in case.engine.column_names(table)}  # the engine's catalog: Spark has no information_schema


def has_table(case: Case, table: str, *columns: str) -> bool:
    found = table_columns(case, table)
    return bool(found) and all(c in found for c in columns)


def open_for_reading(path: Path) -> Case:
    """Open a case read-only; a case written under an older schema is migrated first (adding the newer,
    still empty tables), since the report reads every table the current schema defines."""
    try:
        return Case.open(path, read_only=True)
    except CaseError as exc:
        if "migrate" not in str(exc):
            raise
    Case.open(path).close()
    return Case.open(path, read_only=True)
