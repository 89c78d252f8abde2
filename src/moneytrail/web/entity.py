"""An entity's page: who it is under every name, why its records were merged, the money through its
accounts, who it dealt with, what was found, listed, claimed and written about it, and who says so."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from moneytrail.resolve.explain import with_explanations
from moneytrail.store import Case
from moneytrail.web import queries
from moneytrail.web.derived import source
from moneytrail.web.index import has
from moneytrail.web.names import NAME_PROPS, canonical, entity_labels, held_accounts, placeholders

QUOTE_CHARS = 120  # context either side of a mention


def members(case: Case, canonical_id: str) -> list[str]:
    rows = case.engine.rows("SELECT entity_id FROM entity_canonical WHERE canonical_id = ? ORDER BY 1",
                            [canonical_id])
    return sorted({canonical_id, *(str(r[0]) for r in rows)})


def entity(case: Case, entity_id: str) -> dict[str, Any] | None:
    e = case.engine
    cid = canonical(case, entity_id)
    ids = members(case, cid)
    marks = placeholders(ids)
    statements = e.query(
        "SELECT entity_id, schema, prop, value, source_id, source_title, reliability, credibility FROM "
        f"{source(case, 'statements_by_entity')} st WHERE entity_id IN ({marks}) "
        "ORDER BY prop, value, entity_id, source_id", ids).to_pylist()
    if not statements:
        return None
    name = entity_labels(case, [cid]).get(cid, cid)
    held = held_accounts(case, [cid])
    names = sorted({(s["value"], s["prop"]) for s in statements if s["prop"] in NAME_PROPS})
    member_rows = [{"entity_id": i, "schemas": sorted({s["schema"] for s in statements if s["entity_id"] == i}),
                    "names": sorted({s["value"] for s in statements if s["entity_id"] == i and s["prop"] == "name"}),
                    "sources": sorted({s["source_id"] for s in statements if s["entity_id"] == i})} for i in ids]
    return {
        "entity_id": cid, "name": name,
        "names": [{"value": v, "prop": p} for v, p in names],
        "countries": sorted({s["value"].lower() for s in statements if s["prop"] in ("country", "jurisdiction")}),
        "schemas": sorted({s["schema"] for s in statements}),
        "members": member_rows, "merges": _merges(case, cid, ids),
        "accounts": accounts_with_totals(case, cid, held),
        "counterparties": top_counterparties(case, cid, mine=held),
        "findings": queries.findings_citing(case, entity_ids=ids),
        "screening": _rows_if(case, "screen_matches", (
            "SELECT entity_id, list_entity_id, list_name, entity_name, probability, programme, authority, reason, "
            f"finding_id, list_source_id FROM screen_matches WHERE entity_id IN ({marks}) "
            "ORDER BY probability DESC LIMIT 100"), ids),
        "claims": _rows_if(case, "claims", (
            "SELECT c.claim_id, c.subject, c.relation, c.object, CAST(c.claim_date AS VARCHAR) AS claim_date, "
            "c.amount, c.currency, c.status, c.quote, c.source_id, g.reliability, g.credibility, "
            "c.subject_entity_id, c.object_entity_id FROM claims c LEFT JOIN claim_grades g ON g.claim_id = "
            f"c.claim_id WHERE c.subject_entity_id IN ({marks}) OR c.object_entity_id IN ({marks}) "
            "ORDER BY c.claim_date, c.claim_id LIMIT 200"), ids * 2),
        "documents": _rows_if(case, "mentions", (
            "SELECT m.document_id, d.title, m.source_id, m.text AS mention, "
            f"substr(d.text, greatest(1, CAST(m.start_pos AS INTEGER) + 1 - {QUOTE_CHARS}), "
            f"CAST(least(m.start_pos, {QUOTE_CHARS}) AS INTEGER)) AS before, "
            "substr(d.text, CAST(m.start_pos AS INTEGER) + 1, CAST(m.end_pos - m.start_pos AS INTEGER)) AS quoted, "
            f"substr(d.text, CAST(m.end_pos AS INTEGER) + 1, {QUOTE_CHARS}) AS after "
            "FROM mentions m JOIN documents d ON d.document_id = m.document_id WHERE m.kind = 'entity' AND "
            f"m.entity_id IN ({marks}) ORDER BY d.title, m.start_pos LIMIT 100"), ids),
        "sources": sources_with_chains(case, sorted({s["source_id"] for s in statements})),
        "statements": statements[:500], "statements_total": len(statements),
    }


def _rows_if(case: Case, table: str, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    if not has(case, table):
        return []
    rows: list[dict[str, Any]] = case.engine.query(sql, params).to_pylist()
    return rows


def _merges(case: Case, cid: str, ids: list[str]) -> list[dict[str, Any]]:
    """Scored pairs inside the cluster (why they merged) with any analyst judgement on the pair. The
    explanation is JSON whose layout belongs to resolve; the page renders it generically."""
    if len(ids) < 2 or not has(case, "resolve_pairs"):
        return []
    rows: list[dict[str, Any]] = case.engine.query(
        "SELECT p.left_id, p.right_id, p.left_name, p.right_name, p.probability, p.decision, p.explanation, "
        f"j.judgement, j.note, CAST(j.judged_at AS VARCHAR) AS judged_at FROM {source(case, 'cluster_pairs')} p "
        "LEFT JOIN resolve_judgements j ON j.left_id = p.left_id AND j.right_id = p.right_id "
        "WHERE p.canonical_id = ? ORDER BY p.probability DESC, p.left_id, p.right_id LIMIT 100", [cid]).to_pylist()
    with suppress(TypeError, ValueError):  # else shown as the text it is
        rows = with_explanations(case, rows)  # built on demand where resolution stored levels only
    return list(rows)


def accounts_with_totals(case: Case, cid: str, held: list[str] | None = None) -> list[dict[str, Any]]:
    keys = (held_accounts(case, [cid]) if held is None else held)[:200]
    if not keys:
        return []
    rows: list[dict[str, Any]] = case.engine.query(
        "SELECT a.account_key, a.iban, a.country, a.currency, a.bank_id, coalesce(t.total_in, 0.0) AS total_in, "
        "coalesce(t.total_out, 0.0) AS total_out, coalesce(t.count_in, 0) AS count_in, coalesce(t.count_out, 0) "
        f"AS count_out FROM accounts a LEFT JOIN {source(case, 'account_totals')} t ON t.account_key = "
        f"a.account_key WHERE a.account_key IN ({placeholders(keys)}) ORDER BY 1", keys).to_pylist()
    return rows


def top_counterparties(case: Case, cid: str, limit: int = 15, mine: list[str] | None = None) -> list[dict[str, Any]]:
    """The holders (or bare accounts) this entity paid or was paid by, largest total first."""
    mine = held_accounts(case, [cid]) if mine is None else mine
    if not mine:
        return []
    marks = placeholders(mine)
    rows: list[dict[str, Any]] = case.engine.query(
        "SELECT coalesce(counterparty_holder, counterparty) AS party, counterparty_holder IS NOT NULL AS is_entity, "
        "round(sum(CASE WHEN direction = 'out' THEN coalesce(amount_rc, amount) ELSE 0 END), 2) AS paid, "
        "round(sum(CASE WHEN direction = 'in' THEN coalesce(amount_rc, amount) ELSE 0 END), 2) AS received, "
        f"count(*) AS payments, min(counterparty) AS an_account FROM {source(case, 'by_account')} t "
        f"WHERE account_key IN ({marks}) AND counterparty NOT IN ({marks}) GROUP BY 1, 2 "
        "ORDER BY paid + received DESC, 1 LIMIT ?", [*mine, *mine, limit]).to_pylist()
    names = entity_labels(case, [r["party"] for r in rows if r["is_entity"]])
    for r in rows:
        r["name"] = names.get(r["party"]) if r["is_entity"] else None
    return rows


def sources_with_chains(case: Case, source_ids: list[str]) -> list[dict[str, Any]]:
    """Each source with its grade and the chain of sources it cites back to its origins."""
    if not source_ids:
        return []
    e, marks = case.engine, placeholders(source_ids)
    rows: list[dict[str, Any]] = e.query("SELECT source_id, kind, title, publisher, url, reliability, credibility, "
                   f"CAST(published_at AS VARCHAR) AS published_at FROM sources WHERE source_id IN ({marks}) "
                   "ORDER BY source_id", source_ids).to_pylist()
    cites: dict[str, list[str]] = {}
    for src, cited in e.rows("SELECT source_id, cited_source_id FROM source_citations ORDER BY 1, 2 LIMIT 5000"):
        cites.setdefault(str(src), []).append(str(cited))
    origins: dict[str, list[dict[str, Any]]] = {}
    if has(case, "source_origins"):
        for r in e.query("SELECT source_id, origin_source_id, depth, chain_reliability, chain_credibility "
                         f"FROM source_origins WHERE source_id IN ({marks}) ORDER BY depth", source_ids).to_pylist():
            origins.setdefault(str(r["source_id"]), []).append(r)
    for r in rows:
        r["chains"] = citation_chains(cites, r["source_id"])
        r["origins"] = origins.get(r["source_id"], [])
    return rows


def citation_chains(cites: dict[str, list[str]], start: str, max_chains: int = 10) -> list[list[str]]:
    """Every path of citations from ``start`` to a source that cites nothing (depth-first, cycle-safe)."""
    chains: list[list[str]] = []
    stack = [[start]]
    while stack and len(chains) < max_chains:
        path = stack.pop()
        nxt = [c for c in cites.get(path[-1], []) if c not in path]
        if not nxt:
            if len(path) > 1:
                chains.append(path)
            continue
        stack.extend([*path, c] for c in reversed(nxt))
    return chains
