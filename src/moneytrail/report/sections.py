"""The report's sections other than the link chart, each read from whatever the case holds.

A section whose input is absent (no trace run yet, no events table) comes back empty and the
template shows an explicit empty state instead of failing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from moneytrail.model.admiralty import Grade
from moneytrail.report.probe import has_table
from moneytrail.report.render import safe_url
from moneytrail.store import Case

# How each wording opens a sentence in the summary: the grade decides how firmly we speak.
LEAD_IN = {"confirmed": "Confirmed", "probable": "Probably", "possible": "Possibly", "doubtful": "Doubtful",
           "ungraded": "Unrated signal"}
_FINDING_COLUMNS = ("finding_id, kind, typology, title, explanation, score, start_ts, end_ts, amount, currency, "
                    "reliability, credibility, wording, details")


def _grade_of(reliability: Any, credibility: Any) -> tuple[str | None, str | None]:
    if reliability is None or credibility is None:
        return None, None
    try:
        grade = Grade(str(reliability), int(credibility))
    except ValueError:
        return None, None
    return str(grade), grade.wording.value


def _finding_dict(row: dict[str, Any]) -> dict[str, Any]:
    grade, wording = _grade_of(row["reliability"], row["credibility"])
    wording = row.get("wording") or wording or "ungraded"
    try:
        details = json.loads(row["details"]) if row.get("details") else {}
    except json.JSONDecodeError:
        details = {}
    return {**{k: v for k, v in row.items() if k != "details"}, "grade": grade, "wording": wording,
            "lead_in": LEAD_IN.get(wording, "Unrated signal"), "details": details if isinstance(details, dict) else {}}


def findings_of_kind_sql(kind: str | None, limit: int) -> str:
    where = f"WHERE kind = '{kind}'" if kind else ""
    return f"SELECT {_FINDING_COLUMNS} FROM findings {where} ORDER BY score DESC, finding_id LIMIT {int(limit)}"


def ref_counts_sql() -> str:
    return "SELECT finding_id, ref_kind, count(*) FROM finding_refs GROUP BY finding_id, ref_kind"


def summary(case: Case, limit: int = 12) -> dict[str, Any]:
    e = case.engine
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, wording, n in e.rows("SELECT kind, coalesce(wording, 'ungraded'), count(*) FROM findings "
                                   "GROUP BY 1, 2 ORDER BY 1, 2"):
        by_kind[str(kind)][str(wording)] = int(n)
    key = [_finding_dict(r) for r in e.query(findings_of_kind_sql(None, limit)).to_pylist()]
    rests_on: dict[str, list[str]] = defaultdict(list)
    if key:
        ids = ", ".join("'" + str(f["finding_id"]).replace("'", "''") + "'" for f in key)
        for sid, fid in e.rows(f"SELECT source_id, finding_id FROM ({finding_sources_sql()}) x "
                               f"WHERE finding_id IN ({ids}) ORDER BY source_id"):
            rests_on[str(fid)].append(str(sid))
    for f in key:
        f["sources"] = rests_on.get(str(f["finding_id"]), [])
    total = int(e.scalar("SELECT count(*) FROM findings"))
    return {"total": total, "by_kind": {k: dict(v) for k, v in by_kind.items()}, "key": key}


def sankey(case: Case, limit: int = 10) -> dict[str, Any]:
    """Flows of the top trace findings merged into one acyclic diagram (ECharts needs a DAG)."""
    findings = [_finding_dict(r) for r in case.engine.query(findings_of_kind_sql("trace", limit)).to_pylist()]
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
            totals[(src, dst)] += float(link.get("amount") or 0)
        for route in f["details"].get("routes") or []:
            if isinstance(route, dict):
                countries = route.get("countries") or []
                routes.append({"countries": [str(c) for c in countries] if isinstance(countries, list)
                               else [str(countries)], "amount": float(route.get("amount") or 0),
                               "finding_id": f["finding_id"]})
    links, dropped = _acyclic([(s, t, a) for (s, t), a in sorted(totals.items(), key=lambda kv: -kv[1])])
    used = sorted({n for s, t, _ in links for n in (s, t)})
    return {"findings": [{k: f[k] for k in ("finding_id", "title", "wording", "grade", "amount", "currency")}
                         for f in findings],
            "nodes": [{"id": n, "label": labels[n]} for n in used],
            "links": [{"source": s, "target": t, "amount": round(a, 2)} for s, t, a in links],
            "dropped_cycles": dropped, "routes": sorted(routes, key=lambda r: -r["amount"])[:50]}


def _acyclic(links: list[tuple[str, str, float]]) -> tuple[list[tuple[str, str, float]], int]:
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


def timeline(case: Case, limit: int = 10, max_events: int = 300) -> dict[str, Any]:
    """Payments the link findings tie to events, and the events themselves in that window."""
    findings = [_finding_dict(r) for r in case.engine.query(findings_of_kind_sql("link", limit)).to_pylist()]
    pairs: list[dict[str, Any]] = []
    for f in findings:
        for p in f["details"].get("pairs") or []:
            if isinstance(p, dict):
                pairs.append({k: p.get(k) for k in ("event_id", "event_date", "casualties", "txn_id", "ts",
                                                    "amount", "lag_days")} | {"finding_id": f["finding_id"]})
    events: list[dict[str, Any]] = []
    if has_table(case, "events", "event_id", "event_date"):
        # The events the pairs name, plus the deadliest others, so payments are set against context.
        events = case.engine.query(
            f"SELECT event_id, {case.engine.dialect.text_sql('event_date')} AS event_date, event_type, country, "
            "location, "
            "fatalities, notes, source_id FROM events WHERE event_date IS NOT NULL "
            f"ORDER BY coalesce(fatalities, 0) DESC, event_date, event_id LIMIT {int(max_events)}").to_pylist()
    return {"findings": [{k: f[k] for k in ("finding_id", "title", "wording", "grade", "explanation")}
                         for f in findings], "pairs": pairs, "events": events}


def typologies(case: Case, limit: int = 50) -> dict[str, Any]:
    rows = [_finding_dict(r) for r in case.engine.query(findings_of_kind_sql("typology", limit)).to_pylist()]
    refs: dict[str, dict[str, int]] = defaultdict(dict)
    for fid, kind, n in case.engine.rows(ref_counts_sql()):
        refs[str(fid)][str(kind)] = int(n)
    for r in rows:
        r["refs"] = refs.get(r["finding_id"], {})
    total = int(case.engine.scalar("SELECT count(*) FROM findings WHERE kind = 'typology'"))
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
        grade, wording = _grade_of(rel, cred)
        out.append({"source_id": sid, "kind": kind, "title": title, "publisher": publisher, "url": safe_url(url),
                    "raw_url": url, "published_at": published, "grade": grade, "wording": wording, "notes": notes,
                    "counts": counts.get(str(sid), {}), "documents": documents.get(str(sid), []),
                    "chains": attribution_chains(cites, str(sid))})
    return out


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
