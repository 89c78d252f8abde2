"""Display names for the report: an entity by its most readable name, an account by its holder's.

An entity resolved from several records has names in several scripts; a reader of the report gets the
one a Latin-script reader can say aloud (a ``name`` before an alias, fewer non-Latin letters, shorter),
and the others as "also known as".
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa

from moneytrail.store import Case
from moneytrail.store.entities import account_holders_sql, entity_names_sql


def cluster_names_sql(ids_table: str) -> str:
    """(asked_id, name, prop): every name of each asked entity under any id resolved with it, a name before
    the same text as an alias. The name's cluster is a join, not a scalar subquery in the join condition,
    which Spark does not plan (correlated scalar subqueries only in filters, aggregates and projections)."""
    return (
        "WITH asked AS (SELECT i.entity_id AS asked_id, coalesce(c.canonical_id, i.entity_id) AS cid "
        f"FROM {ids_table} i LEFT JOIN entity_canonical c ON c.entity_id = i.entity_id) "
        f"SELECT a.asked_id, n.name, n.prop FROM ({entity_names_sql()}) n "
        "LEFT JOIN entity_canonical c2 ON c2.entity_id = n.entity_id "
        "JOIN asked a ON coalesce(c2.canonical_id, n.entity_id) = a.cid WHERE n.prop IN ('name', 'alias') "
        "ORDER BY a.asked_id, n.name, CASE WHEN n.prop = 'name' THEN 0 ELSE 1 END")


def _non_latin(name: str) -> int:
    return sum(1 for ch in name if ch.isalpha() and ord(ch) > 0x24F)


def _readability(name: str, prop: str) -> tuple[int, int, int, str]:
    return (_non_latin(name), 0 if prop == "name" else 1, len(name), name)


def entity_names(case: Case, entity_ids: list[str]) -> dict[str, list[str]]:
    """{entity id: names, most readable first}."""
    ids = sorted({e for e in entity_ids if e})
    if not ids:
        return {}
    with case.engine.run() as run:
        asked = run.arrow(pa.table({"entity_id": pa.array(ids, pa.string())}), hint="name_ids").name
        rows = case.engine.rows(cluster_names_sql(asked))
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for asked, name, prop in rows:
        if name and str(name).strip():
            found[str(asked)].setdefault(str(name).strip(), str(prop))
    return {e: sorted(names, key=lambda n: _readability(n, names[n])) for e, names in found.items()}


def entity_label(case: Case, entity_ids: list[str]) -> dict[str, str]:
    return {e: names[0] for e, names in entity_names(case, entity_ids).items()}


def account_holders(case: Case, accounts: list[str]) -> dict[str, str]:
    """{account key: holder entity id (canonical)}."""
    keys = sorted(set(accounts))
    if not keys:
        return {}
    with case.engine.run() as run:
        asked = run.arrow(pa.table({"account_key": pa.array(keys, pa.string())}), hint="name_accts").name
        rows = case.engine.rows(f"SELECT h.account_key, h.entity_id FROM ({account_holders_sql()}) h "
                                f"WHERE h.account_key IN (SELECT account_key FROM {asked})")
    return {str(a): str(e) for a, e in rows}


def account_labels(case: Case, accounts: list[str]) -> dict[str, str]:
    """{account key: "Holder name (account key)"} or the key alone when the holder is unknown."""
    holders = account_holders(case, accounts)
    labels = entity_label(case, list(holders.values()))
    return {a: (f"{labels[holders[a]]} ({a})" if holders.get(a) in labels else a) for a in accounts}
