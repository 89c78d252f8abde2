"""Findings as the explorer reads them: a filtered list, one finding with the rows it cites, and the
findings citing an entity or account. Kept in one place so they can follow the store's findings API."""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moneytrail.report.sections import acyclic_links
from moneytrail.store import Case
from moneytrail.web.derived import source
from moneytrail.web.index import has
from moneytrail.web.names import entity_labels, label_rows, placeholders

_SUMMARY = ("f.finding_id, f.kind, f.typology, f.title, f.score, f.reliability, f.credibility, f.wording, "
            "f.amount, f.currency, CAST(f.start_ts AS VARCHAR) AS start_ts, CAST(f.end_ts AS VARCHAR) AS end_ts")


@dataclass(frozen=True)
class FindingFilter:
    kind: str | None = None
    typology: str | None = None
    grade: str | None = None  # "B" (reliability) or "B2"
    min_score: float | None = None
    stale: bool | None = None
    q: str | None = None
    offset: int = 0
    limit: int = 50


def _stale_column(case: Case) -> bool:
    return has(case, "findings", "stale")


def list_findings(case: Case, flt: FindingFilter) -> dict[str, Any]:
    wheres, params = ["TRUE"], []
    for col in ("kind", "typology"):
        if (value := getattr(flt, col)) is not None:
            wheres.append(f"f.{col} = ?")
            params.append(value)
    if flt.grade:
        wheres.append("f.reliability || coalesce(CAST(f.credibility AS VARCHAR), '') LIKE ?")
        params.append(flt.grade.upper() + "%")
    if flt.min_score is not None:
        wheres.append("f.score >= ?")
        params.append(flt.min_score)
    if flt.q:
        wheres.append("lower(f.title) LIKE ?")
        params.append("%" + flt.q.lower() + "%")
    stale = _stale_column(case)
    if flt.stale is not None and stale:
        wheres.append("coalesce(f.stale, FALSE) = ?")
        params.append(flt.stale)
    where = " AND ".join(wheres)
    e = case.engine
    rows = e.query(f"SELECT {_SUMMARY}{', f.stale' if stale else ''} FROM findings f WHERE {where} "
                   "ORDER BY f.score DESC, f.finding_id LIMIT ? OFFSET ?", [*params, flt.limit, flt.offset]).to_pylist()
    total = int(e.scalar(f"SELECT count(*) FROM findings f WHERE {where}", params))
    facets = {col: [{"value": r[0], "count": int(r[1])} for r in e.rows(
        f"SELECT {col}, count(*) FROM findings f WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50", params)]
        for col in ("kind", "typology", "wording")}
    return {"findings": rows, "total": total, "facets": facets, "offset": flt.offset, "limit": flt.limit,
            "has_stale": stale}


def findings_citing(case: Case, *, entity_ids: Sequence[str] = (), accounts: Sequence[str] = (),
                    limit: int = 100) -> list[dict[str, Any]]:
    """Findings citing any of the entities or accounts (directly, not through their transactions)."""
    if not entity_ids and not accounts:
        return []
    # one branch per kind of reference: each reads only its slice of the references sorted by what they cite
    by_target = source(case, "refs_by_target")
    branches = [(kind, list(ids)) for kind, ids in (("entity", entity_ids), ("account", accounts)) if ids]
    cited = " UNION ".join(f"SELECT r.finding_id FROM {by_target} r WHERE r.ref_kind = ? AND r.ref_id IN "
                           f"({placeholders(ids)})" for _kind, ids in branches)
    rows: list[dict[str, Any]] = case.engine.query(
        f"SELECT {_SUMMARY} FROM findings f WHERE f.finding_id IN ({cited}) ORDER BY f.score DESC, f.finding_id "
        "LIMIT ?", [*(x for kind, ids in branches for x in (kind, *ids)), limit]).to_pylist()
    return rows


def finding(case: Case, finding_id: str, ref_limit: int = 500) -> dict[str, Any] | None:
    e = case.engine
    rows = e.query("SELECT * FROM findings WHERE finding_id = ?", [finding_id]).to_pylist()
    if not rows:
        return None
    f = rows[0]
    for col in ("params", "details"):
        with contextlib.suppress(ValueError):
            f[col] = json.loads(f[col]) if f[col] else {}
    for col in ("start_ts", "end_ts", "created_at"):
        f[col] = None if f.get(col) is None else str(f[col])
    by_finding = source(case, "refs_by_finding")
    counts = {str(r[0]): int(r[1]) for r in e.rows(
        f"SELECT ref_kind, count(*) FROM {by_finding} r WHERE finding_id = ? GROUP BY 1", [finding_id])}
    refs = e.query(f"SELECT ref_kind, ref_id, role FROM {by_finding} r WHERE finding_id = ? AND ref_kind <> "
                   "'transaction' ORDER BY 1, 2 LIMIT ?", [finding_id, ref_limit]).to_pylist()
    txns = e.query(
        "SELECT t.txn_id, CAST(t.ts AS VARCHAR) AS ts, t.from_account, t.to_account, t.amount, t.currency, "
        "t.amount_rc, t.channel, t.source_id, t.role, coalesce(t.reliability, s.reliability) AS reliability, "
        f"coalesce(t.credibility, s.credibility) AS credibility FROM {source(case, 'finding_payments')} t "
        "LEFT JOIN sources s ON s.source_id = t.source_id WHERE t.finding_id = ? ORDER BY t.ts, t.txn_id LIMIT ?",
        [finding_id, ref_limit]).to_pylist()
    sources = e.query(
        "SELECT s.source_id, s.kind, s.title, s.reliability, s.credibility FROM sources s WHERE s.source_id IN "
        f"(SELECT source_id FROM {source(case, 'finding_sources')} x WHERE finding_id = ?) ORDER BY s.source_id",
        [finding_id]).to_pylist()
    details = f["details"] if isinstance(f.get("details"), dict) else {}
    names = entity_labels(case, [r["ref_id"] for r in refs if r["ref_kind"] == "entity"])
    for r in refs:
        r["name"] = names.get(r["ref_id"]) if r["ref_kind"] == "entity" else None
    return {"finding": f, "ref_counts": counts, "refs": refs, "transactions": label_rows(case, txns, "from_account",
            "to_account"), "sources": sources, "sankey": finding_sankey(details) if f["kind"] == "trace" else None,
            "timeline": finding_timeline(case, details) if f["kind"] == "link" else None}


def finding_sankey(details: dict[str, Any]) -> dict[str, Any]:
    """A trace's flows as an acyclic Sankey (ECharts draws only DAGs): links heaviest first, a link that would
    close a cycle is left out and counted."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    labels: dict[str, str] = {}
    for link in details.get("sankey") or []:
        if isinstance(link, dict) and "source" in link and "target" in link:
            src, dst = str(link["source"]), str(link["target"])
            labels.setdefault(src, str(link.get("source_label") or src))
            labels.setdefault(dst, str(link.get("target_label") or dst))
            totals[(src, dst)] += float(link.get("amount") or 0)
    kept, dropped = acyclic_links([(s, t, a) for (s, t), a in sorted(totals.items(), key=lambda kv: -kv[1])])
    used = sorted({n for src, dst, _a in kept for n in (src, dst)})
    return {"nodes": [{"id": n, "label": labels[n]} for n in used],
            "links": [{"source": s, "target": t, "amount": round(a, 2)} for s, t, a in kept], "dropped_cycles": dropped}


def finding_timeline(case: Case, details: dict[str, Any]) -> dict[str, Any]:
    """A link finding's events and the payments that followed them, on one time axis."""
    pairs = [{k: p.get(k) for k in ("event_id", "event_date", "casualties", "txn_id", "ts", "amount", "lag_days")}
             for p in details.get("pairs") or [] if isinstance(p, dict)]
    ids = sorted({str(p["event_id"]) for p in pairs if p.get("event_id")})
    events: list[dict[str, Any]] = []
    if ids:
        events = case.engine.query(
            "SELECT event_id, CAST(event_date AS VARCHAR) AS event_date, event_type, actor1, country, location, "
            f"fatalities, notes FROM events WHERE event_id IN ({placeholders(ids)}) ORDER BY event_date, event_id",
            ids).to_pylist()
    return {"pairs": pairs, "events": events}
