"""Search with facets: entities by any name in any script, id or identifier (IBAN, registration number);
accounts by key or IBAN; transactions by memo text where the case has memos. Facets count the entity hits by
schema, country, source, dataset (the kind of source) and grade; every filter is a GET parameter, so a
search is a shareable URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moneytrail.report.probe import has_table
from moneytrail.store import Case
from moneytrail.web.names import NAME_PROPS, account_labels, entity_labels, placeholders

FACETS = ("schema", "country", "source", "dataset", "grade")
_ID_PROPS = ("iban", "accountNumber", "registrationNumber", "idNumber", "taxNumber", "innCode", "ogrnCode",
             "swiftBic", "leiCode", "imoNumber")


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    schema: str | None = None
    country: str | None = None
    source: str | None = None
    dataset: str | None = None
    grade: str | None = None
    offset: int = 0
    limit: int = 50

    def filters(self) -> dict[str, str]:
        return {f: v for f in FACETS if (v := getattr(self, f))}


def like_pattern(q: str) -> str:
    """A LIKE pattern matching ``q`` anywhere, with LIKE's own wildcards taken literally (ESCAPE '\\')."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def entity_facts_sql(members: str) -> str:
    """One row per statement of the entities in ``members`` (a relation of canonical_id, entity_id), with what
    the facets count: (canonical_id, schema, country, source, dataset, grade). Country comes from
    country-like statements; the others from every statement."""
    return (
        "SELECT m.canonical_id, s.schema, "
        "CASE WHEN s.prop IN ('country', 'jurisdiction', 'nationality') THEN lower(s.value) END AS country, "
        "s.source_id AS source, src.kind AS dataset, "
        "coalesce(s.reliability, src.reliability) || CAST(coalesce(s.credibility, src.credibility) AS VARCHAR) "
        f"AS grade FROM {members} m JOIN statements s ON s.entity_id = m.entity_id "
        "LEFT JOIN sources src ON src.source_id = s.source_id"
    )


def members_sql(canonical_ids: str) -> str:
    """(canonical_id, entity_id): each canonical id in the relation with itself and every record merged into it."""
    return (f"SELECT canonical_id, canonical_id AS entity_id FROM {canonical_ids} x UNION SELECT c.canonical_id, "
            f"c.entity_id FROM entity_canonical c WHERE c.canonical_id IN (SELECT canonical_id FROM {canonical_ids} y)")


def entity_hits_sql() -> str:
    """Canonical ids of entities with a name, id or identifier matching the pattern (bound 3 times)."""
    return (
        "SELECT DISTINCT coalesce(c.canonical_id, h.entity_id) AS canonical_id FROM (SELECT DISTINCT s.entity_id "
        f"FROM statements s WHERE (s.prop IN ({', '.join(repr(p) for p in NAME_PROPS)}) AND lower(s.value) LIKE ? "
        "ESCAPE '\\') OR lower(s.entity_id) LIKE ? ESCAPE '\\' "
        f"OR (s.prop IN ({', '.join(repr(p) for p in _ID_PROPS)}) AND lower(replace(s.value, ' ', '')) LIKE ? "
        "ESCAPE '\\')) h LEFT JOIN entity_canonical c ON c.entity_id = h.entity_id"
    )


def search(case: Case, query: SearchQuery) -> dict[str, Any]:
    q = query.q.strip()
    out: dict[str, Any] = {"q": q, "filters": query.filters(), "entities": [], "entity_total": 0,
                           "facets": {f: [] for f in FACETS}, "accounts": [], "transactions": [],
                           "offset": query.offset, "limit": query.limit}
    if not q:
        return out
    pattern = like_pattern(q)
    compact = like_pattern(q.replace(" ", ""))
    e = case.engine
    # hits, their members and their facts computed once, the total and every facet in one statement
    ctes = (f"WITH hits AS ({entity_hits_sql()}), members AS ({members_sql('hits')}), "
            f"facts AS ({entity_facts_sql('members')})")
    wheres, params = [], []
    for facet, value in query.filters().items():
        wheres.append(f"canonical_id IN (SELECT canonical_id FROM facts WHERE {facet} = ?)")
        params.append(value.lower() if facet == "country" else value)
    kept = "SELECT canonical_id FROM hits" + (" WHERE " + " AND ".join(wheres) if wheres else "")
    base = [pattern, pattern, compact, *params]
    counted = " UNION ALL ".join(
        f"SELECT '{facet}' AS facet, CAST({facet} AS VARCHAR) AS value, count(DISTINCT canonical_id) AS n FROM facts "
        f"WHERE {facet} IS NOT NULL AND canonical_id IN (SELECT canonical_id FROM kept) GROUP BY 2" for facet in FACETS)
    page = "SELECT 'hit' AS facet, canonical_id, 0 FROM (SELECT canonical_id FROM kept ORDER BY 1 LIMIT ? OFFSET ?) p"
    counts = e.rows(f"{ctes}, kept AS ({kept}) SELECT 'total', NULL, count(*) FROM kept UNION ALL {counted} "
                    f"UNION ALL {page}", [*base, query.limit, query.offset])
    ids = sorted(str(r[1]) for r in counts if r[0] == "hit")
    for facet, value, n in sorted(counts, key=lambda r: (-int(r[2]), str(r[1]))):
        if facet == "hit":
            continue
        if facet == "total":
            out["entity_total"] = int(n)
        elif len(out["facets"][facet]) < 20:
            out["facets"][facet].append({"value": value, "count": int(n)})
    sources = [str(f["value"]) for f in out["facets"]["source"]]
    if sources:  # a source facet reads as the source's title
        titles = dict(e.rows(f"SELECT source_id, coalesce(title, source_id) FROM sources WHERE source_id IN "
                             f"({placeholders(sources)})", sources))
        for f in out["facets"]["source"]:
            f["label"] = titles.get(f["value"], f["value"])
    out["entities"] = _entity_rows(case, ids)
    accounts = e.query(
        "SELECT account_key, iban, country, currency FROM accounts WHERE lower(account_key) LIKE ? ESCAPE '\\' "
        "OR lower(replace(coalesce(iban, ''), ' ', '')) LIKE ? ESCAPE '\\' ORDER BY account_key LIMIT 50",
        [pattern, compact]).to_pylist()
    labels = account_labels(case, [a["account_key"] for a in accounts])
    out["accounts"] = [a | labels.get(a["account_key"], {}) for a in accounts]
    if has_table(case, "transactions", "memo"):
        out["transactions"] = e.query(
            "SELECT txn_id, CAST(ts AS VARCHAR) AS ts, from_account, to_account, amount, currency, memo "
            "FROM transactions WHERE lower(memo) LIKE ? ESCAPE '\\' ORDER BY ts DESC, txn_id LIMIT 50",
            [pattern]).to_pylist()
    return out


def _entity_rows(case: Case, ids: list[str]) -> list[dict[str, Any]]:
    """Name, aliases, schemas, countries and counts (statements, sources, accounts, findings) per hit."""
    if not ids:
        return []
    e, marks = case.engine, placeholders(ids)
    ids_sql = f"(SELECT * FROM (VALUES {', '.join('(?)' for _ in ids)}) AS v(canonical_id))"
    names = entity_labels(case, ids)
    rows = e.query(
        f"SELECT canonical_id, list(DISTINCT schema) AS schemas, list(DISTINCT country) FILTER "
        f"(WHERE country IS NOT NULL) AS countries, count(*) AS statements, count(DISTINCT source) AS sources "
        f"FROM ({entity_facts_sql(f'({members_sql(ids_sql)})')}) f GROUP BY 1", ids * 2).to_pylist()
    aliases = {str(r[0]): sorted({str(v) for v in r[1]}) for r in e.rows(
        f"SELECT m.canonical_id, list(DISTINCT s.value) FROM ({members_sql(ids_sql)}) m JOIN statements s "
        f"ON s.entity_id = m.entity_id WHERE s.prop IN ({', '.join(repr(p) for p in NAME_PROPS)}) GROUP BY 1",
        ids * 2)}
    accounts = {str(r[0]): int(r[1]) for r in e.rows(
        "SELECT coalesce(c.canonical_id, a.holder_entity_id), count(*) FROM accounts a LEFT JOIN entity_canonical "
        f"c ON c.entity_id = a.holder_entity_id WHERE coalesce(c.canonical_id, a.holder_entity_id) IN ({marks}) "
        "GROUP BY 1", ids)}
    findings = {str(r[0]): int(r[1]) for r in e.rows(
        "SELECT coalesce(c.canonical_id, r.ref_id), count(DISTINCT r.finding_id) FROM finding_refs r "
        "LEFT JOIN entity_canonical c ON c.entity_id = r.ref_id WHERE r.ref_kind = 'entity' AND "
        f"coalesce(c.canonical_id, r.ref_id) IN ({marks}) GROUP BY 1", ids)}
    by_id = {str(r["canonical_id"]): r for r in rows}
    out = []
    for i in ids:
        r = by_id.get(i, {})
        out.append({"entity_id": i, "name": names.get(i, i), "aliases": aliases.get(i, []),
                    "schemas": sorted(r.get("schemas") or []), "countries": sorted(r.get("countries") or []),
                    "statements": r.get("statements", 0), "sources": r.get("sources", 0),
                    "accounts": accounts.get(i, 0), "findings": findings.get(i, 0)})
    return out
