"""Set what the demo found against what the generator planted: one row per question."""

from __future__ import annotations

from typing import Any

from moneytrail.demo.pipeline import DemoRun
from moneytrail.detect.evaluate import evaluate
from moneytrail.detect.truth import load_truth
from moneytrail.store import Case


def _canonical(case: Case) -> dict[str, str]:
    return {str(a): str(b) for a, b in case.engine.rows("SELECT entity_id, canonical_id FROM entity_canonical")}


def _identity_rows(case: Case, truth: dict[str, Any]) -> list[dict[str, Any]]:
    canon = _canonical(case)

    def cid(e: str) -> str:
        return canon.get(e, e)

    clusters = [c for c in truth.get("identities", []) if len(c) > 1]
    merged = sum(1 for c in clusters if len({cid(e) for e in c}) == 1)
    pairs = truth.get("confusables", [])
    apart = sum(1 for a, b in pairs if cid(a) != cid(b))
    return [
        {"question": "cross-script identities merged", "found": merged, "planted": len(clusters),
         "ok": merged == len(clusters)},
        {"question": "similar-named distinct people kept apart", "found": apart, "planted": len(pairs),
         "ok": apart == len(pairs)},
    ]


def _network_rank_rows(case: Case, truth: dict[str, Any]) -> list[dict[str, Any]]:
    net = truth["network"]
    rows = []
    ranked = case.engine.rows(
        "SELECT f.finding_id, row_number() OVER (ORDER BY f.score DESC, f.finding_id) AS rank "
        "FROM findings f WHERE f.kind = 'typology'")
    rank_of = {str(fid): int(rank) for fid, rank in ranked}
    roles = [("front company", [net["front"]])] + [(f"broker ({b['country']})", [b]) for b in net["brokers"]]
    for label, parties in roles:
        accounts = [a for p in parties for a in p["accounts"]]
        hits = case.engine.rows(
            "SELECT DISTINCT finding_id FROM finding_refs WHERE ref_kind = 'account' AND ref_id IN ("
            + ", ".join("?" for _ in accounts) + ")", accounts) if accounts else []
        best = min((rank_of[str(h[0])] for h in hits if str(h[0]) in rank_of), default=None)
        rows.append({"question": f"{label} among typology findings", "found": f"rank {best}" if best else "none",
                     "planted": "top 50", "ok": best is not None and best <= 50})
    return rows


def _trace_rows(run: DemoRun) -> list[dict[str, Any]]:
    net = run.truth["network"]
    result = run.results["trace"]
    cells = {a for c in net["cells"] for a in c["accounts"]}
    reached = sum(s["amount"] for s in result["sinks"] if s["account"] in cells)
    outflow = result["source_outflow"] or 0.0
    share = reached / outflow if outflow else 0.0
    planted = float(net["share_to_cells"])
    top_route = max(result["routes"], key=lambda r: r["amount"])["countries"] if result["routes"] else []
    return [
        {"question": "share of the sponsor's money reaching the cells", "found": f"{share:.1%}",
         "planted": f"{planted:.1%}", "ok": abs(share - planted) <= 0.05},
        {"question": "country route of the money", "found": " > ".join(top_route),
         "planted": " > ".join(net["country_route"]), "ok": list(top_route) == list(net["country_route"])},
    ]


def _link_rows(run: DemoRun) -> list[dict[str, Any]]:
    net = run.truth["network"]
    link = run.results["link"]
    group, control = link["group"], link["control_group"]
    price = group["price_per_casualty"]
    planted = float(net["price_per_casualty"])
    return [
        {"question": f"bounty signature for {group['actor']}", "found": f"p = {group['p_value']:.4f}",
         "planted": "paid per casualty", "ok": bool(group["found"]) and group["p_value"] < 0.01},
        {"question": "price per casualty", "found": f"{price:,.0f}" if price else "none",
         "planted": f"{planted:,.0f}", "ok": price is not None and abs(price - planted) / planted <= 0.10},
        {"question": f"no signature for control group {control['actor']}", "found": f"p = {control['p_value']:.4f}",
         "planted": "never paid", "ok": not control["found"]},
    ]


def _detect_rows(case: Case, run: DemoRun) -> list[dict[str, Any]]:
    with case.engine.run():
        load_truth(case, run.data / "truth.json")
        metrics = evaluate(case)
    rows = []
    for typology, m in sorted(metrics["attempts"].items()):
        if typology == "(all)":
            continue
        rows.append({"question": f"planted {typology} attempts found", "found": m["found_any"],
                     "planted": m["attempts"], "ok": m["found_any"] == m["attempts"]})
    return rows


def _learn_rows(run: DemoRun) -> list[dict[str, Any]]:
    """The learner's held-out figures and its top findings, each with its explanation."""
    learned = run.results.get("learn", {})
    if "test" not in learned:
        return [{"question": "learner on the held-out last 20%", "found": learned.get("error", "not run"),
                 "planted": "-", "ok": False}]
    t = learned["test"]
    rows = [{"question": "learner on the held-out last 20% (P / R / F1)",
             "found": f"{t['precision']:.2f} / {t['recall']:.2f} / {t['f1']:.2f}",
             "planted": f"{t['labelled']:,} labelled", "ok": t["f1"] > 0}]
    for i, top in enumerate(learned["top"], start=1):
        shape = (f"shaped like {top['typology']} (p {top['typology_p']:.2f}); "
                 if top.get("typology_p") is not None else "typology unknown; ")
        rows.append({"question": f"learner finding #{i}: {top['title']} ({top['score']:.2f})",
                     "found": shape + "; ".join(top["reasons"]), "planted": "-", "ok": bool(top["reasons"])})
    return rows


def summarise(run: DemoRun) -> list[dict[str, Any]]:
    """Rows of (question, found, planted, ok)."""
    ingest = run.results["ingest"]
    rows: list[dict[str, Any]] = [{
        "question": "rows read = stored + quarantined", "found": f"{ingest['rows_stored']:,} stored, "
        f"{ingest['rows_quarantined']:,} quarantined", "planted": f"{ingest['rows_read']:,} read",
        "ok": ingest["rows_read"] == ingest["rows_stored"] + ingest["rows_quarantined"]}]
    with Case.open(run.case_file) as case:
        rows += _identity_rows(case, run.truth)
        rows += _trace_rows(run)
        rows += _link_rows(run)
        rows += _network_rank_rows(case, run.truth)
        rows += _detect_rows(case, run)
    rows += _learn_rows(run)
    problems = run.results["evidence"]["audit_problems"]
    rows.append({"question": "findings citing missing rows or sources", "found": len(problems), "planted": 0,
                 "ok": not problems})
    return rows
