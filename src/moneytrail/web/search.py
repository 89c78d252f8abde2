"""Search with facets: entities by any name in any script, id or identifier (IBAN, registration number);
accounts by key or IBAN; transactions by memo text where the case has memos. Facets count the entity hits by
schema, country, source, dataset (the kind of source) and grade; every filter is a GET parameter, so a
search is a shareable URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moneytrail.store import Case
from moneytrail.web.derived import FACETS, source
from moneytrail.web.index import has
from moneytrail.web.names import account_labels, placeholders


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
    terms, facets = source(case, "search_terms"), source(case, "entity_facets")
    # the hits, the total, every facet and the page of hits in one statement
    wheres, params = [], []
    for facet, value in query.filters().items():
        wheres.append(f"canonical_id IN (SELECT canonical_id FROM {facets} f WHERE facet = ? AND value = ?)")
        params += [facet, value.lower() if facet == "country" else value]
    # one branch per kind: the terms are sorted by kind, so each branch reads only its kind's row groups
    hits = (f"SELECT ref AS canonical_id FROM {terms} t WHERE kind = 'name' AND term LIKE ? ESCAPE '\\' UNION "
            f"SELECT ref FROM {terms} t WHERE kind = 'id' AND term LIKE ? ESCAPE '\\' UNION "
            f"SELECT ref FROM {terms} t WHERE kind = 'ident' AND term LIKE ? ESCAPE '\\'")
    kept = "SELECT canonical_id FROM hits" + (" WHERE " + " AND ".join(wheres) if wheres else "")
    counts = e.rows(
        f"WITH hits AS ({hits}), kept AS ({kept}) SELECT 'total', NULL, count(*) FROM kept UNION ALL "
        f"SELECT facet, value, count(DISTINCT canonical_id) FROM {facets} f WHERE canonical_id IN "
        "(SELECT canonical_id FROM kept) GROUP BY 1, 2 UNION ALL SELECT 'hit', canonical_id, 0 FROM "
        "(SELECT canonical_id FROM kept ORDER BY 1 LIMIT ? OFFSET ?) p",
        [pattern, pattern, compact, *params, query.limit, query.offset])
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
    keys = [str(r[0]) for r in e.rows(
        f"SELECT ref FROM {terms} t WHERE kind = 'account' AND term LIKE ? ESCAPE '\\' UNION SELECT ref FROM "
        f"{terms} t WHERE kind = 'iban' AND term LIKE ? ESCAPE '\\' ORDER BY 1 LIMIT 50", [pattern, compact])]
    accounts = e.query("SELECT account_key, iban, country, currency FROM accounts WHERE account_key IN "
                       f"({placeholders(keys)}) ORDER BY account_key", keys).to_pylist() if keys else []
    labels = account_labels(case, [a["account_key"] for a in accounts])
    out["accounts"] = [a | labels.get(a["account_key"], {}) for a in accounts]
    if has(case, "transactions", "memo"):
        out["transactions"] = e.query(
            "SELECT txn_id, CAST(ts AS VARCHAR) AS ts, from_account, to_account, amount, currency, memo "
            "FROM transactions WHERE lower(memo) LIKE ? ESCAPE '\\' ORDER BY ts DESC, txn_id LIMIT 50",
            [pattern]).to_pylist()
    return out


def _entity_rows(case: Case, ids: list[str]) -> list[dict[str, Any]]:
    """Name, aliases, schemas, countries and counts (statements, sources, accounts, findings) per hit."""
    if not ids:
        return []
    rows = case.engine.query(f"SELECT * FROM {source(case, 'entity_summary')} s WHERE canonical_id IN "
                             f"({placeholders(ids)})", ids).to_pylist()
    by_id = {str(r["canonical_id"]): r for r in rows}
    out = []
    for i in ids:
        r = by_id.get(i, {})
        out.append({"entity_id": i, "name": r.get("name") or i, "aliases": sorted(r.get("aliases") or []),
                    "schemas": sorted(r.get("schemas") or []), "countries": sorted(r.get("countries") or []),
                    "statements": r.get("statements", 0), "sources": r.get("sources", 0),
                    "accounts": r.get("accounts", 0), "findings": r.get("findings", 0)})
    return out
