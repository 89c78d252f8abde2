"""Display names for the explorer: every entity and account is shown by the name of who it is, never by id
alone. Entities are labelled under their canonical (resolved) id; accounts by their holder's name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from moneytrail.store import Case
from moneytrail.store.entities import account_holders_sql

NAME_PROPS = ("name", "alias", "previousName", "weakAlias")


def placeholders(values: Sequence[Any]) -> str:
    """``?, ?, ?``: lists are bound one parameter per value, never written into SQL."""
    return ", ".join("?" for _ in values) or "NULL"


def members_sql() -> str:
    """(entity_id, canonical_id) for every entity with statements, mapped to itself when unresolved."""
    return ("SELECT DISTINCT s.entity_id, coalesce(c.canonical_id, s.entity_id) AS canonical_id FROM statements s "
            "LEFT JOIN entity_canonical c ON c.entity_id = s.entity_id")


def canonical(case: Case, entity_id: str) -> str:
    return str(case.engine.scalar(
        "SELECT coalesce((SELECT canonical_id FROM entity_canonical WHERE entity_id = ?), ?)",
        [entity_id, entity_id]))


def entity_labels(case: Case, canonical_ids: Sequence[str]) -> dict[str, str]:
    """A name per canonical id: the canonical record's own name if it has one, else any member's."""
    ids = sorted({str(i) for i in canonical_ids if i})
    if not ids:
        return {}
    cid, marks = "coalesce(c.canonical_id, s.entity_id)", placeholders(ids)
    rows = case.engine.rows(
        f"SELECT {cid}, coalesce(min(CASE WHEN s.entity_id = {cid} THEN s.value END), min(s.value)) "
        "FROM statements s LEFT JOIN entity_canonical c ON c.entity_id = s.entity_id "
        f"WHERE s.prop = 'name' AND (s.entity_id IN ({marks}) OR s.entity_id IN (SELECT entity_id FROM "
        f"entity_canonical WHERE canonical_id IN ({marks}))) AND {cid} IN ({marks}) GROUP BY 1", ids * 3)
    return {str(r[0]): str(r[1]) for r in rows}


def account_holders(case: Case, keys: Sequence[str]) -> dict[str, str]:
    """account key -> canonical holder id, for the given accounts."""
    keys = sorted({str(k) for k in keys if k})
    if not keys:
        return {}
    rows = case.engine.rows(f"SELECT account_key, entity_id FROM ({account_holders_sql()}) h "
                            f"WHERE account_key IN ({placeholders(keys)})", keys)
    return {str(r[0]): str(r[1]) for r in rows}


def account_labels(case: Case, keys: Sequence[str]) -> dict[str, dict[str, str | None]]:
    """account key -> {"holder": canonical id, "name": holder's name}; unknown holders map to None."""
    holders = account_holders(case, keys)
    names = entity_labels(case, list(holders.values()))
    return {k: {"holder": holders.get(k), "name": names.get(holders.get(k) or "")} for k in keys}


def label_rows(case: Case, rows: list[dict[str, Any]], *columns: str) -> list[dict[str, Any]]:
    """Add ``<column>_name`` and ``<column>_holder`` to each row for each account column."""
    labels = account_labels(case, [str(r[c]) for r in rows for c in columns if r.get(c)])
    for r in rows:
        for c in columns:
            found = labels.get(str(r.get(c)), {})
            r[f"{c}_name"], r[f"{c}_holder"] = found.get("name"), found.get("holder")
    return rows
