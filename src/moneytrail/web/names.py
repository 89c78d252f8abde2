"""Display names for the explorer: every entity and account is shown by the name of who it is, never by id
alone. Entities are labelled under their canonical (resolved) id; accounts by their holder's name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from moneytrail.store import Case
from moneytrail.web.derived import NAME_PROPS, source

__all__ = ["NAME_PROPS"]


def placeholders(values: Sequence[Any]) -> str:
    """``?, ?, ?``: lists are bound one parameter per value, never written into SQL."""
    return ", ".join("?" for _ in values) or "NULL"


def canonical(case: Case, entity_id: str) -> str:
    return str(case.engine.scalar(
        "SELECT coalesce((SELECT canonical_id FROM entity_canonical WHERE entity_id = ?), ?)",
        [entity_id, entity_id]))


def entity_exists(case: Case, canonical_id: str) -> bool:
    """Has any record resolved to this canonical id a statement?"""
    return bool(case.engine.scalar(f"SELECT count(*) FROM {source(case, 'entity_summary')} s "
                                   "WHERE canonical_id = ?", [canonical_id]))


def entity_labels(case: Case, canonical_ids: Sequence[str]) -> dict[str, str]:
    """A name per canonical id: the canonical record's own name if it has one, else any member's."""
    ids = sorted({str(i) for i in canonical_ids if i})
    if not ids:
        return {}
    rows = case.engine.rows(f"SELECT canonical_id, name FROM {source(case, 'labels')} l "
                            f"WHERE canonical_id IN ({placeholders(ids)})", ids)
    return {str(r[0]): str(r[1]) for r in rows}


def held_accounts(case: Case, canonical_ids: Sequence[str], limit: int = 5_000) -> list[str]:
    """The accounts the entities (canonical ids) hold: a page binds them as values, so the scan of the
    payments by account reads only their row groups."""
    ids = sorted({str(i) for i in canonical_ids if i})
    if not ids:
        return []
    return [str(r[0]) for r in case.engine.rows(
        f"SELECT account_key FROM {source(case, 'holders')} h WHERE entity_id IN ({placeholders(ids)}) "
        "ORDER BY 1 LIMIT ?", [*ids, limit])]


def account_labels(case: Case, keys: Sequence[str]) -> dict[str, dict[str, str | None]]:
    """account key -> {"holder": canonical id, "name": holder's name}; unknown holders map to None."""
    keys = sorted({str(k) for k in keys if k})
    if not keys:
        return {}
    rows = case.engine.rows(f"SELECT account_key, entity_id, name FROM {source(case, 'holders')} h "
                            f"WHERE account_key IN ({placeholders(keys)})", keys)
    found = {str(r[0]): {"holder": str(r[1]), "name": None if r[2] is None else str(r[2])} for r in rows}
    return {k: found.get(k, {"holder": None, "name": None}) for k in keys}


def label_rows(case: Case, rows: list[dict[str, Any]], *columns: str) -> list[dict[str, Any]]:
    """Add ``<column>_name`` and ``<column>_holder`` to each row for each account column."""
    labels = account_labels(case, [str(r[c]) for r in rows for c in columns if r.get(c)])
    for r in rows:
        for c in columns:
            found = labels.get(str(r.get(c)), {})
            r[f"{c}_name"], r[f"{c}_holder"] = found.get("name"), found.get("holder")
    return rows
