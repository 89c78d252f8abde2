"""Assemble the case report: one self-contained HTML file, charts and data inlined, no network."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moneytrail.model.admiralty import Wording
from moneytrail.report import graph, sections
from moneytrail.report.linkview import link_view
from moneytrail.report.names import entity_label
from moneytrail.report.render import asset_text, render_template, script_safe_json
from moneytrail.report.scope import choose_scope
from moneytrail.report.story import build_story
from moneytrail.report.timeline import timeline
from moneytrail.store import Case

ASSETS_JS = ("cytoscape.min.js", "echarts.min.js", "linkchart.js", "report.js")
WORDINGS = [*(w.value for w in Wording), "ungraded"]


@dataclass(frozen=True)
class ReportOptions:
    focus: str | None = None
    hops: int | None = None
    max_nodes: int = 150
    max_edges: int = 800
    top_findings: int = 25
    max_initial: int = 60  # nodes the link chart opens with; the rest are one "expand" away
    title: str | None = None


def case_name(case: Case) -> str:
    """The case's name: a ``name`` in its meta table, else its file name, or its folder's for ``case.duckdb``."""
    named = case.engine.rows("SELECT value FROM meta WHERE key = 'name'")
    if named and named[0][0]:
        return str(named[0][0])
    if case.path is None:
        return "in-memory case"
    path = Path(case.path)
    return path.parent.name if path.stem == "case" and path.parent.name else path.stem


def story_ids(summary: dict[str, Any]) -> set[str]:
    return {f["finding_id"] for f in summary["key"] if f["tier_kind"] == "trace"}


def story_accounts(summary: dict[str, Any], share: float = 0.05) -> list[str]:
    """The accounts the story names: each trace's origin, the route, recipients of at least ``share`` of
    what arrived, and the accounts a link finding paid into."""
    out: list[str] = [a for r in summary["route"] for a in r["accounts"]]
    for f in summary["key"]:
        d = f["details"]
        if f["tier_kind"] == "trace":
            arrived = float(d.get("arrived") or 0)
            out += [str(s) for s in d.get("seeds") or []]
            out += [str(s["account"]) for s in d.get("sinks") or []
                    if isinstance(s, dict) and float(s.get("amount") or 0) >= share * arrived]
        elif f["tier_kind"] == "link":
            out += [str(a) for a in d.get("accounts") or []]
    return list(dict.fromkeys(out))


def collect(case: Case, options: ReportOptions | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (also what the tests and the web app read)."""
    opts = options or ReportOptions()
    summary = sections.summary(case)
    key_ids = list(dict.fromkeys(fid for f in summary["key"] for fid in f["finding_ids"]))
    scope = choose_scope(case, focus=opts.focus, hops=opts.hops, max_nodes=opts.max_nodes,
                         top_findings=opts.top_findings, seed_findings=key_ids or None)
    chart = graph.build_graph(case, scope.accounts, max_edges=opts.max_edges, layout=False)
    readable = entity_label(case, [n["details"]["entity_id"] for n in chart["nodes"] if n["kind"] == "entity"])
    for n in chart["nodes"]:
        if n["kind"] == "entity":
            n["label"] = readable.get(n["details"]["entity_id"], n["label"])
    view = link_view(chart, [f for f in key_ids if f not in story_ids(summary)], story_accounts(summary),
                     max_initial=opts.max_initial)
    trace = sections.sankey(case)
    labels = graph.entity_labels(case, [n["id"] for n in trace["nodes"] if n["id"] == n["label"]])
    for node in trace["nodes"]:
        node["label"] = labels.get(node["id"], node["label"])
    evidence = sections.evidence(case)
    cites = {s["source_id"]: sorted({c for chain in s["chains"] for c in chain[1:2]}) for s in evidence}
    titles = {s["source_id"]: str(s["title"] or s["source_id"]) for s in evidence}
    e = case.engine
    counts = {t: case.count(t) for t in ("transactions", "accounts", "statements", "events", "sources")}
    counts["findings"] = summary["total"]
    counts["entities"] = int(e.scalar("SELECT count(DISTINCT entity_id) FROM statements"))
    return {
        "meta": {"title": opts.title or case_name(case), "case": str(case.path) if case.path else None,
                 "currency": case.reporting_currency,
                 "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "counts": counts,
                 "input_hash": case.data_version()},
        "scope": {"focus": scope.focus, "hops": scope.hops, "complete": scope.complete,
                  "accounts": len(scope.accounts), "seeds": len(scope.seed_accounts),
                  "edges_capped": chart["edges_capped"]},
        "story": build_story(case, summary, summary["sources_of"], cites, titles),
        "summary": summary,
        "graph": {"nodes": chart["nodes"], "edges": chart["edges"], **view,
                  "key": [{"finding_id": f["finding_id"], "title": f["title"], "finding_ids": f["finding_ids"]}
                          for f in summary["key"]]},
        "sankey": trace,
        "timeline": timeline(case),
        "typologies": sections.typologies(case),
        "evidence": evidence,
    }


def render_report(data: dict[str, Any]) -> str:
    sources = {s["source_id"]: {"title": s["title"], "grade": s["grade"], "kind": s["kind"], "url": s["url"]}
               for s in data["evidence"]}
    graph = {k: v for k, v in data["graph"].items() if k != "folded_edges"}  # the browser folds for itself
    client = {"graph": graph, "sankey": data["sankey"], "timeline": data["timeline"],
              "sources": sources, "currency": data["meta"]["currency"], "title": data["meta"]["title"]}
    scripts = [asset_text(name) for name in ASSETS_JS]
    return render_template(
        "report.html.j2", data=data, css=asset_text("report.css"), scripts=scripts,
        payload=script_safe_json(client), csp=content_security_policy(scripts), wordings=WORDINGS,
        sources_by_id={s["source_id"]: s for s in data["evidence"]})


def content_security_policy(scripts: list[str]) -> str:
    """Only the bundled scripts may run (by hash) and nothing may be fetched: even if escaping
    ever failed, an injected script or event handler would be refused, and the file works offline."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in scripts)
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data: blob:; "
            "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")


def write_report(case: Case, out: Path, options: ReportOptions | None = None) -> dict[str, Any]:
    """Write the report; returns a short account of what went in."""
    data = collect(case, options)
    html = render_report(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return {"path": str(out), "bytes": out.stat().st_size, "nodes": len(data["graph"]["nodes"]),
            "edges": len(data["graph"]["edges"]), "findings": data["summary"]["total"],
            "complete": data["scope"]["complete"]}
