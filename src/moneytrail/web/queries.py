"""Read-only look-ups behind the web explorer: search, an account with its payments and findings,
a finding with its references and the sources they rest on."""

from __future__ import annotations

from typing import Any

from moneytrail.store import Case
from moneytrail.store.entities import account_holders_sql, entity_names_sql


def search_sql(limit: int) -> str:
    """Entities by name or id, accounts by key or IBAN, transactions by memo (purpose) text; ``?`` is a
    lower-cased LIKE pattern."""
    return (
        "SELECT * FROM ("
        f"SELECT DISTINCT 'entity' AS kind, n.entity_id AS id, n.name AS label FROM ({entity_names_sql()}) n "
        "WHERE lower(n.name) LIKE ? OR lower(n.entity_id) LIKE ? "
        "UNION SELECT 'account', a.account_key, coalesce(a.iban, a.account_key) FROM accounts a "
        "WHERE lower(a.account_key) LIKE ? OR lower(coalesce(a.iban, '')) LIKE ? "
        "UNION SELECT 'transaction', t.txn_id, t.memo FROM transactions t WHERE lower(t.memo) LIKE ?"
        f") x ORDER BY kind, label, id LIMIT {int(limit)}"
    )


def _like(q: str) -> str:
    escaped = q.lower().replace("\\", "").replace("%", "").replace("_", "")
    return f"%{escaped}%"


def search(case: Case, q: str, limit: int = 50) -> list[dict[str, Any]]:
    if not q.strip():
        return []
    pattern = _like(q.strip())
    rows: list[dict[str, Any]] = case.engine.query(search_sql(limit), [pattern] * 5).to_pylist()
    return rows


def account(case: Case, key: str, limit: int = 200) -> dict[str, Any] | None:
    e = case.engine
    facts = e.query(
        "SELECT a.*, h.entity_id AS holder FROM accounts a "
        f"LEFT JOIN ({account_holders_sql()}) h ON h.account_key = a.account_key WHERE a.account_key = ?",
        [key]).to_pylist()
    txns = e.query(
        "SELECT txn_id, CAST(ts AS VARCHAR) AS ts, from_account, to_account, amount, currency, amount_rc, channel, "
        f"memo, source_id FROM transactions WHERE from_account = ? OR to_account = ? ORDER BY ts DESC, txn_id "
        f"LIMIT {int(limit)}", [key, key]).to_pylist()
    if not facts and not txns:
        return None
    holder = facts[0]["holder"] if facts else None
    names = [str(r[0]) for r in e.rows(f"SELECT DISTINCT name FROM ({entity_names_sql()}) n WHERE entity_id = ? "
                                       "ORDER BY 1", [holder])] if holder else []
    findings = e.query(
        "SELECT DISTINCT f.finding_id, f.kind, f.typology, f.title, f.score, f.wording FROM findings f "
        "JOIN finding_refs r ON r.finding_id = f.finding_id WHERE (r.ref_kind = 'account' AND r.ref_id = ?) "
        "OR (r.ref_kind = 'transaction' AND r.ref_id IN (SELECT txn_id FROM transactions "
        "WHERE from_account = ? OR to_account = ?)) OR (r.ref_kind = 'entity' AND r.ref_id = ?) "
        "ORDER BY f.score DESC, f.finding_id", [key, key, key, holder or ""]).to_pylist()
    total = int(e.scalar("SELECT count(*) FROM transactions WHERE from_account = ? OR to_account = ?", [key, key]))
    return {"account": facts[0] if facts else {"account_key": key}, "holder": holder, "holder_names": names,
            "transactions": txns, "transactions_total": total, "findings": findings}


def finding(case: Case, finding_id: str) -> dict[str, Any] | None:
    e = case.engine
    rows = e.query("SELECT * FROM findings WHERE finding_id = ?", [finding_id]).to_pylist()
    if not rows:
        return None
    refs = e.query("SELECT ref_kind, ref_id, role FROM finding_refs WHERE finding_id = ? ORDER BY 1, 2",
                   [finding_id]).to_pylist()
    sources = e.query(
        "SELECT s.source_id, s.kind, s.title, s.reliability, s.credibility FROM sources s WHERE s.source_id IN ("
        "SELECT r.ref_id FROM finding_refs r WHERE r.finding_id = ? AND r.ref_kind = 'source' "
        "UNION SELECT t.source_id FROM finding_refs r JOIN transactions t ON t.txn_id = r.ref_id "
        "WHERE r.finding_id = ? AND r.ref_kind = 'transaction' "
        "UNION SELECT ev.source_id FROM finding_refs r JOIN events ev ON ev.event_id = r.ref_id "
        "WHERE r.finding_id = ? AND r.ref_kind = 'event' "
        "UNION SELECT st.source_id FROM finding_refs r JOIN statements st ON st.statement_id = r.ref_id "
        "WHERE r.finding_id = ? AND r.ref_kind = 'statement') ORDER BY s.source_id", [finding_id] * 4).to_pylist()
    return {"finding": rows[0], "refs": refs, "sources": sources}


def entity(case: Case, entity_id: str) -> dict[str, Any] | None:
    """An entity under its canonical id: every statement about any of its identities, with the source
    saying it, the accounts it holds and the findings citing it."""
    e = case.engine
    canonical = str(e.scalar("SELECT coalesce((SELECT canonical_id FROM entity_canonical WHERE entity_id = ?), ?)",
                             [entity_id, entity_id]))
    statements = e.query(
        "SELECT st.entity_id, st.schema, st.prop, st.value, st.source_id, s.title AS source_title, "
        "s.reliability, s.credibility FROM statements st LEFT JOIN sources s ON s.source_id = st.source_id "
        "LEFT JOIN entity_canonical c ON c.entity_id = st.entity_id "
        "WHERE coalesce(c.canonical_id, st.entity_id) = ? ORDER BY st.prop, st.value, st.source_id LIMIT 500",
        [canonical]).to_pylist()
    if not statements:
        return None
    accounts = [str(r[0]) for r in e.rows(
        f"SELECT account_key FROM ({account_holders_sql()}) h WHERE h.entity_id = ? ORDER BY 1", [canonical])]
    findings = e.query(
        "SELECT DISTINCT f.finding_id, f.kind, f.typology, f.title, f.score, f.wording FROM findings f "
        "JOIN finding_refs r ON r.finding_id = f.finding_id WHERE r.ref_kind = 'entity' AND (r.ref_id = ? "
        "OR r.ref_id IN (SELECT entity_id FROM entity_canonical WHERE canonical_id = ?)) "
        "ORDER BY f.score DESC, f.finding_id", [canonical, canonical]).to_pylist()
    return {"entity_id": canonical, "statements": statements, "accounts": accounts, "findings": findings}
