"""The report's sections other than the link chart, each read from whatever the case holds.

A section whose input is absent (no trace run yet, no events table) comes back empty and the
template shows an explicit empty state instead of failing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa

from moneytrail.report.findings_view import count_by_kind, current_findings_sql, grade_of, read_findings
from moneytrail.report.keyfindings import key_findings, name_accounts_in, rename_accounts
from moneytrail.report.probe import has_table
from moneytrail.report.render import safe_url
from moneytrail.store import Case


def ref_counts_sql() -> str:
    return "SELECT finding_id, ref_kind, count(*) FROM finding_refs GROUP BY finding_id, ref_kind"


def summary(case: Case, limit: int = 12) -> dict[str, Any]:
    """Counts per stage and wording, the key findings ranked by what matters, and the sources each rests on."""
    by_kind = count_by_kind(case)
    ranked = key_findings(case, limit)
    ids = sorted({fid for f in ranked["key"] for fid in f["finding_ids"]})
    rests_on = sources_of_findings(case, ids)
    anchors: dict[str, str] = {}
    for i, f in enumerate(ranked["key"], start=1):
        f["sources"] = sorted({s for fid in f["finding_ids"] for s in rests_on.get(fid, [])})
        f["anchor"] = f"k{i}"
        for fid in f["finding_ids"]:
            anchors.setdefault(fid, f["anchor"])
    total = sum(n for per in by_kind.values() for n in per.values())
    return {"total": total, "by_kind": by_kind, "key": ranked["key"], "route": ranked["route"],
            "sources_of": rests_on, "anchors": anchors}


def sources_of_findings(case: Case, finding_ids: list[str]) -> dict[str, list[str]]:
    """{finding id: sources it rests on, directly or through its rows}."""
    if not finding_ids:
        return {}
    out: dict[str, list[str]] = defaultdict(list)
    with case.engine.run() as run:
        fids = run.arrow(pa.table({"finding_id": pa.array(finding_ids, pa.string())}), hint="fids").name
        for sid, fid in case.engine.rows(f"SELECT source_id, finding_id FROM ({finding_sources_sql()}) x "
                                         f"WHERE finding_id IN (SELECT finding_id FROM {fids}) ORDER BY source_id"):
            out[str(fid)].append(str(sid))
    return dict(out)


def sankey(case: Case, limit: int = 10) -> dict[str, Any]:
    """Flows of the top trace findings merged into one acyclic diagram (ECharts needs a DAG).

    Traces overlap: the same trace with other parameters, or from a nearby origin, follows the same money.
    Each flow between two parties is shown once, at the most any trace found on it, never the sum."""
    findings = read_findings(case, "kind = 'trace'", limit, order="amount DESC NULLS LAST, score DESC, finding_id")
    totals: dict[tuple[str, str], float] = defaultdict(float)
    labels: dict[str, str] = {}
    routes: list[dict[str, Any]] = []
    for f in findings:
        for link in f["details"].get("sankey") or []:
            if not isinstance(link, dict) or "source" not in link or "target" not in link:
                continue
            src, dst = str(link["source"]), str(link["target"])
            labels.setdefault(src, str(link.get("source_label") or src))
            labels.setdefault(dst, str(link.get("target_label") or dst))
            totals[(src, dst)] = max(totals[(src, dst)], float(link.get("amount") or 0))
        for route in f["details"].get("routes") or []:
            if isinstance(route, dict):
                countries = route.get("countries") or []
                routes.append({"countries": [str(c) for c in countries] if isinstance(countries, list)
                               else [str(countries)], "amount": float(route.get("amount") or 0),
                               "finding_id": f["finding_id"]})
    links, dropped = acyclic_links([(s, t, a) for (s, t), a in sorted(totals.items(), key=lambda kv: -kv[1])])
    used = sorted({n for s, t, _ in links for n in (s, t)})
    return {"findings": [{k: f[k] for k in ("finding_id", "title", "wording", "grade", "amount", "currency", "stale")}
                         for f in findings],
            "nodes": [{"id": n, "label": labels[n]} for n in used],
            "links": [{"source": s, "target": t, "amount": round(a, 2)} for s, t, a in links],
            "dropped_cycles": dropped, "routes": sorted(routes, key=lambda r: -r["amount"])[:50]}


def acyclic_links(links: list[tuple[str, str, float]]) -> tuple[list[tuple[str, str, float]], int]:
    """Keep links heaviest first, skipping any that would close a cycle (small lists only)."""
    out: dict[str, set[str]] = defaultdict(set)
    kept: list[tuple[str, str, float]] = []
    dropped = 0
    for src, dst, amount in links:
        if src == dst or _reaches(out, dst, src):
            dropped += 1
            continue
        out[src].add(dst)
        kept.append((src, dst, amount))
    return kept, dropped


def _reaches(out: dict[str, set[str]], start: str, goal: str) -> bool:
    stack, seen = [start], {start}
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in out.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def typologies(case: Case, limit: int = 50) -> dict[str, Any]:
    rows = read_findings(case, "kind = 'typology'", limit)
    refs: dict[str, dict[str, int]] = defaultdict(dict)
    for fid, kind, n in case.engine.rows(ref_counts_sql()):
        refs[str(fid)][str(kind)] = int(n)
    names = name_accounts_in(case, [r["title"] for r in rows])
    for r in rows:
        r["refs"] = refs.get(r["finding_id"], {})
        r["title"] = rename_accounts(r["title"], names)
    total = int(case.engine.scalar(f"SELECT count(*) FROM ({current_findings_sql()}) c WHERE kind = 'typology'"))
    return {"total": total, "rows": rows}


def evidence(case: Case) -> list[dict[str, Any]]:
    """Every source with its grade, what rests on it, and its attribution chains to the originals."""
    e = case.engine
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    per_table = [("transactions", "transactions"), ("statements", "statements"), ("events", "events"),
                 ("claims", "claims"), ("documents", "documents"), ("mentions", "mentions")]
    for table, label in per_table:
        if has_table(case, table, "source_id"):
            for sid, n in e.rows(f"SELECT source_id, count(*) FROM {table} GROUP BY source_id"):
                counts[str(sid)][label] = int(n)
    if has_table(case, "claim_sources", "claim_id", "source_id"):
        for sid, n in e.rows("SELECT source_id, count(DISTINCT claim_id) FROM claim_sources GROUP BY source_id"):
            counts[str(sid)]["claims"] = counts[str(sid)].get("claims", 0) + int(n)
    for sid, n in e.rows(findings_per_source_sql()):
        counts[str(sid)]["findings"] = int(n)
    cites: dict[str, list[str]] = defaultdict(list)
    for src, cited, _rel in e.rows("SELECT source_id, cited_source_id, relation FROM source_citations ORDER BY 1, 2"):
        cites[str(src)].append(str(cited))
    documents: dict[str, list[dict[str, str]]] = defaultdict(list)
    if has_table(case, "documents", "source_id", "title", "path", "text"):
        for sid, title, excerpt in e.rows(documents_sql(excerpt_chars=200)):
            if len(documents[str(sid)]) < 5:
                documents[str(sid)].append({"title": str(title), "excerpt": str(excerpt or "")})
    out = []
    for sid, kind, title, publisher, url, published, rel, cred, notes in e.rows(
            f"SELECT source_id, kind, title, publisher, url, {e.dialect.text_sql('published_at')}, reliability, "
            "credibility, notes FROM sources ORDER BY source_id"):
        grade, wording = grade_of(rel, cred)
        out.append({"source_id": sid, "kind": kind, "title": title, "publisher": publisher, "url": safe_url(url),
                    "raw_url": url, "published_at": _when(published), "grade": grade, "wording": wording,
                    "notes": notes,
                    "counts": counts.get(str(sid), {}), "documents": documents.get(str(sid), []),
                    "chains": attribution_chains(cites, str(sid))})
    return out


def _when(ts: str | None) -> str | None:
    """"2024-01-10 06:00 UTC", or the date alone when the source gives no time of day."""
    if not ts:
        return None
    text = str(ts)[:16]
    return text[:10] if text[10:] in ("", " 00:00") else f"{text} UTC"


def documents_sql(excerpt_chars: int) -> str:
    """Each source's documents with the opening of their text, so a reader sees what was said."""
    return (f"SELECT source_id, coalesce(title, path), substr(text, 1, {int(excerpt_chars)}) FROM documents "
            "ORDER BY source_id, 2")


def findings_per_source_sql() -> str:
    """Findings resting on a source: citing it, or citing its transactions, statements or events."""
    return f"SELECT source_id, count(DISTINCT finding_id) FROM ({finding_sources_sql()}) x GROUP BY source_id"


def finding_sources_sql() -> str:
    """(source_id, finding_id): which source each finding rests on, directly or through its rows."""
    return (
        "SELECT r.ref_id AS source_id, r.finding_id FROM finding_refs r WHERE r.ref_kind = 'source' "
        "UNION SELECT t.source_id, r.finding_id FROM finding_refs r JOIN transactions t ON t.txn_id = r.ref_id "
        "WHERE r.ref_kind = 'transaction' "
        "UNION SELECT s.source_id, r.finding_id FROM finding_refs r JOIN statements s ON s.statement_id = r.ref_id "
        "WHERE r.ref_kind = 'statement' "
        "UNION SELECT ev.source_id, r.finding_id FROM finding_refs r JOIN events ev ON ev.event_id = r.ref_id "
        "WHERE r.ref_kind = 'event'"
    )


def attribution_chains(cites: dict[str, list[str]], start: str, max_chains: int = 20) -> list[list[str]]:
    """Paths from a source down its citations to originals (sources citing nothing); cycles cut."""
    if not cites.get(start):
        return []
    chains: list[list[str]] = []
    stack: list[list[str]] = [[start]]
    while stack and len(chains) < max_chains:
        path = stack.pop()
        nexts = [c for c in cites.get(path[-1], []) if c not in path]
        if not nexts:
            chains.append(path)
        for c in reversed(nexts):
            stack.append([*path, c])
    return chains
