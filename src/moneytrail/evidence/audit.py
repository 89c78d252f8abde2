"""Audit of stored findings: every reference resolves to a row, and every finding traces to sources.

Run by the tests and by the lead over the whole demo case. Each problem is one readable line.
"""

from __future__ import annotations

from moneytrail.store.case import Case

# ref kind -> (table, id column, source column or None)
REF_TABLES: dict[str, tuple[str, str, str | None]] = {
    "transaction": ("transactions", "txn_id", "source_id"),
    "account": ("accounts", "account_key", "source_id"),
    "statement": ("statements", "statement_id", "source_id"),
    "event": ("events", "event_id", "source_id"),
    "source": ("sources", "source_id", "source_id"),
    "claim": ("claims", "claim_id", "source_id"),
    "mention": ("mentions", "mention_id", "source_id"),
    "document": ("documents", "document_id", "source_id"),
    "finding": ("findings", "finding_id", None),
}


def _entity_ids_sql() -> str:
    """Every entity id the case knows: stated, resolved, or holding an account in bank data."""
    return ("SELECT entity_id AS id FROM statements UNION SELECT canonical_id AS id FROM entity_canonical "
            "UNION SELECT holder_entity_id AS id FROM accounts WHERE holder_entity_id IS NOT NULL")


def dangling_refs_sql() -> str:
    """(finding_id, ref_kind, ref_id) of references whose row does not exist."""
    parts = [
        f"SELECT r.finding_id, r.ref_kind, r.ref_id FROM finding_refs r WHERE r.ref_kind = '{kind}' "
        f"AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.{col} = r.ref_id)"
        for kind, (table, col, _) in REF_TABLES.items()
    ]
    parts.append("SELECT r.finding_id, r.ref_kind, r.ref_id FROM finding_refs r WHERE r.ref_kind = 'entity' "
                 f"AND NOT EXISTS (SELECT 1 FROM ({_entity_ids_sql()}) x WHERE x.id = r.ref_id)")
    known = ", ".join(f"'{k}'" for k in [*REF_TABLES, "entity"])
    parts.append("SELECT r.finding_id, r.ref_kind, r.ref_id FROM finding_refs r "
                 f"WHERE r.ref_kind NOT IN ({known})")
    return " UNION ALL ".join(parts) + " ORDER BY 1, 2, 3"


def sourced_findings_sql() -> str:
    """finding_id of findings that reach at least one existing source, directly or through the rows
    (or entities' statements) they cite."""
    parts = [
        f"SELECT r.finding_id FROM finding_refs r JOIN {table} x ON x.{col} = r.ref_id "
        f"JOIN sources s ON s.source_id = x.{src} WHERE r.ref_kind = '{kind}'"
        for kind, (table, col, src) in REF_TABLES.items() if src is not None
    ]
    parts.append("SELECT r.finding_id FROM finding_refs r JOIN statements x ON x.entity_id = r.ref_id "
                 "JOIN sources s ON s.source_id = x.source_id WHERE r.ref_kind = 'entity'")
    parts.append("SELECT r.finding_id FROM finding_refs r JOIN accounts x ON x.holder_entity_id = r.ref_id "
                 "JOIN sources s ON s.source_id = x.source_id WHERE r.ref_kind = 'entity'")
    return " UNION ".join(parts)


def rows_with_missing_source_sql() -> str:
    """(finding_id, ref_kind, ref_id, source_id) for cited rows whose own source is not registered."""
    parts = [
        f"SELECT r.finding_id, r.ref_kind, r.ref_id, x.{src} FROM finding_refs r JOIN {table} x "
        f"ON x.{col} = r.ref_id WHERE r.ref_kind = '{kind}' AND x.{src} IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM sources s WHERE s.source_id = x.{src})"
        for kind, (table, col, src) in REF_TABLES.items() if src is not None and kind != "source"
    ]
    return " UNION ALL ".join(parts) + " ORDER BY 1, 2, 3"


def audit_findings(case: Case) -> list[str]:
    """Problems with stored findings; an empty list means every finding is fully evidenced."""
    e = case.engine
    problems: list[str] = []
    for fid in e.rows("SELECT f.finding_id FROM findings f WHERE NOT EXISTS "
                      "(SELECT 1 FROM finding_refs r WHERE r.finding_id = f.finding_id) ORDER BY 1"):
        problems.append(f"finding {fid[0]}: cites no rows")
    for fid, kind, ref_id in e.rows(dangling_refs_sql()):
        problems.append(f"finding {fid}: {kind} {ref_id!r} does not exist")
    for fid, kind, ref_id, src in e.rows(rows_with_missing_source_sql()):
        problems.append(f"finding {fid}: {kind} {ref_id!r} rests on unregistered source {src!r}")
    unsourced = e.rows(f"SELECT f.finding_id, f.kind, f.typology FROM findings f WHERE f.finding_id NOT IN "
                       f"({sourced_findings_sql()}) ORDER BY 1")
    for fid, kind, typology in unsourced:
        # A finding built only on other findings is sourced if they are.
        subs = e.rows("SELECT ref_id FROM finding_refs WHERE finding_id = ? AND ref_kind = 'finding'", [fid])
        sourced_subs = {str(r[0]) for r in e.rows(sourced_findings_sql())}
        if subs and all(str(s[0]) in sourced_subs for s in subs):
            continue
        problems.append(f"finding {fid} ({kind}/{typology}): reaches no registered source")
    orphans = e.rows("SELECT DISTINCT r.finding_id FROM finding_refs r WHERE NOT EXISTS "
                     "(SELECT 1 FROM findings f WHERE f.finding_id = r.finding_id) ORDER BY 1")
    problems.extend(f"references left over for missing finding {r[0]}" for r in orphans)
    return problems
