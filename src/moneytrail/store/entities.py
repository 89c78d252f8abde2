"""Views of entities that every stage shares: who holds which account, under resolved ids."""

from __future__ import annotations


def account_holders_sql() -> str:
    """(account_key, entity_id): the holder of each account, mapped to its canonical (resolved) id
    where resolution has run, else the holder id known from ingest."""
    return (
        "SELECT a.account_key, coalesce(c.canonical_id, a.holder_entity_id) AS entity_id "
        "FROM accounts a LEFT JOIN entity_canonical c ON c.entity_id = a.holder_entity_id "
        "WHERE a.holder_entity_id IS NOT NULL"
    )


def canonical_id_sql(entity_expr: str) -> str:
    """An expression mapping an entity id to its canonical id (itself when unresolved)."""
    return (f"coalesce((SELECT c.canonical_id FROM entity_canonical c WHERE c.entity_id = {entity_expr}), "
            f"{entity_expr})")


def entity_names_sql() -> str:
    """(entity_id, schema, name, prop): every name an entity is known by, from statements: the FtM
    ``name``-typed properties of party schemata (as resolution reads them) and first/last names."""
    # Imported here: followthemoney's import takes a second or more and leaves some 60,000 objects for every
    # garbage collection to walk; the holder views above, which the detectors read, do not need it.
    from moneytrail.model.properties import name_props

    props = ", ".join(f"'{p}'" for p in (*name_props(), "firstName", "lastName"))
    return f"SELECT entity_id, schema, value AS name, prop FROM statements WHERE prop IN ({props})"
