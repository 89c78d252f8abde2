"""Key findings ranked by what matters to the case, named by names rather than ids.

Order: traces (who paid whom), links to events, the network's roles (front companies, the money
brokers on the traced route), claims and learned signals, list matches, then background typology hits.
Within a tier, by amount or score. Roles are read from what the findings already say: a front-company
finding's ``front`` account, the trace's intermediaries, brokers by a finding's ``broker`` role or by
the broker words the front-company detector itself used.
"""

from __future__ import annotations

import re
from typing import Any

from moneytrail.detect.front_company import FrontCompany
from moneytrail.report.findings_view import LEAD_IN, read_findings
from moneytrail.report.names import account_labels, entity_names
from moneytrail.store import Case

TIER = {"trace": 0, "link": 1, "role": 2, "claim": 3, "learn": 3, "screen": 4, "match": 5, "typology": 6}
MATERIAL_SHARE = 0.05  # an intermediary carrying less than this share of the largest is not on the route
_ROLE_RANK = {"front": 0, "broker": 1, "intermediary": 2}
# Something shaped like an account key ("bank:account"); only keys the case holds are renamed.
_ACCOUNT_IN_TEXT = re.compile(r"\b[0-9A-Za-z_-]{2,}:[0-9A-Za-z_-]{4,}\b")


def broker_words() -> list[str]:
    """The broker words of the front-company detector's defaults, so both name brokers alike."""
    return [w.strip().lower() for w in str(FrontCompany.defaults["broker_keywords"]).split(",") if w.strip()]


def role_refs_sql(ids_sql: str) -> str:
    """(finding_id, account, role) of role-bearing account refs of the given findings."""
    return ("SELECT finding_id, ref_id, role FROM finding_refs WHERE ref_kind = 'account' "
            f"AND role IN ('front', 'broker', 'onward-broker') AND finding_id IN ({ids_sql})")


def name_accounts_in(case: Case, texts: list[str]) -> dict[str, str]:
    """{account key found in the texts: its holder's name}, for keys whose holder is known."""
    keys = sorted({m for t in texts for m in _ACCOUNT_IN_TEXT.findall(t or "")})
    labels = account_labels(case, keys)
    return {k: v.rsplit(" (", 1)[0] for k, v in labels.items() if v != k}


def rename_accounts(text: str, names: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        return names.get(m.group(0), m.group(0))
    # "Name (account 123:ABC)" becomes "Name"; a bare key becomes its holder's name.
    text = re.sub(r" \(account ([0-9A-Za-z_-]{2,}:[0-9A-Za-z_-]{4,})\)", "", text)
    return _ACCOUNT_IN_TEXT.sub(sub, text)


def trace_title(f: dict[str, Any], origin: str) -> str:
    d = f["details"]
    sinks = [s for s in d.get("sinks") or [] if isinstance(s, dict)]
    cur = f.get("currency") or d.get("currency") or ""
    arrived = float(d.get("arrived") or f.get("amount") or 0)
    return (f"{origin}: {arrived:,.0f} {cur} traced to {len(sinks)} recipient{'s' if len(sinks) != 1 else ''}"
            f" ({(f.get('typology') or 'trace').upper()} trace)")


def trace_origin(case: Case, f: dict[str, Any]) -> str:
    origin_ids = [str(x) for x in (f["params"].get("from") or [])]
    names = entity_names(case, origin_ids)
    for oid in origin_ids:
        if names.get(oid):
            return names[oid][0]
    seeds = [str(s) for s in f["details"].get("seeds") or []]
    if seeds:
        return account_labels(case, seeds[:1])[seeds[0]]
    return ", ".join(origin_ids) or "an unnamed origin"


def route_roles(case: Case, trace: dict[str, Any] | None, fronts: set[str], brokers: set[str]) -> list[dict[str, Any]]:
    """The trace's intermediaries, each with role front|broker|intermediary, in route order."""
    if trace is None:
        return []
    words = broker_words()
    inter = [i for i in trace["details"].get("intermediaries") or [] if isinstance(i, dict) and i.get("account")]
    all_names = entity_names(case, [str(i.get("entity_id")) for i in inter if i.get("entity_id")])
    top = max((float(i.get("amount") or 0) for i in inter), default=0.0)
    by_entity: dict[str, dict[str, Any]] = {}
    for i in inter:
        # Accounts of one holder fold into it; legs that carried little of the money are left to the chart.
        acct, amount = str(i["account"]), float(i.get("amount") or 0)
        key = str(i.get("entity_id") or acct)
        names = all_names.get(str(i.get("entity_id")), []) or [str(i.get("label") or acct)]
        if acct in fronts:
            role = "front"
        elif acct in brokers or any(w in n.lower() for n in names for w in words):
            role = "broker"
        else:
            role = "intermediary"
        row = by_entity.get(key)
        if row is None:
            if amount < MATERIAL_SHARE * top:
                continue
            by_entity[key] = {"accounts": [acct], "entity_id": i.get("entity_id"), "name": names[0],
                              "aliases": names[1:4], "country": i.get("country"), "amount": amount, "role": role}
        else:
            row["accounts"].append(acct)
            if _ROLE_RANK[role] < _ROLE_RANK[row["role"]]:
                row["role"] = role
    return list(by_entity.values())


def key_findings(case: Case, limit: int = 12) -> dict[str, Any]:
    """{"key": ranked entries, "route": the top trace's intermediaries with their roles}."""
    traces = read_findings(case, "kind = 'trace'", 5, order="amount DESC NULLS LAST, score DESC, finding_id")
    links = read_findings(case, "kind = 'link'", 5)
    fronts_f = read_findings(case, "typology = 'front-company'", 5)
    others = read_findings(case, "kind NOT IN ('trace', 'link') AND typology <> 'front-company'", limit * 4)
    top_trace = traces[0] if traces else None
    ids = ", ".join(f"'{f['finding_id']}'" for f in [*traces, *fronts_f]) or "''"
    fronts: set[str] = set()
    brokers: set[str] = set()
    role_of_finding: dict[str, list[str]] = {}
    front_of: dict[str, list[str]] = {}
    for fid, acct, role in case.engine.rows(role_refs_sql(ids)):
        (fronts if role == "front" else brokers).add(str(acct))
        role_of_finding.setdefault(str(acct), []).append(str(fid))
        if role == "front":
            front_of.setdefault(str(fid), []).append(str(acct))
    route = route_roles(case, top_trace, fronts, brokers)
    on_route = {a for r in route for a in r["accounts"]}
    entries: list[dict[str, Any]] = []
    for f in traces:
        origin = trace_origin(case, f)
        f["title"] = trace_title(f, origin)
        entries.append(_entry(f, "trace") | {"origin": origin})
    for f in links:
        entries.append(_entry(f, "link"))
    for f in fronts_f:
        accounts = front_of.get(f["finding_id"], [])
        f["accounts"], f["on_route"] = accounts, bool(set(accounts) & on_route)
    for f in sorted(fronts_f, key=lambda f: (not f["on_route"], -float(f["score"]))):
        entry = _entry(f, "role", role="front company") | {"accounts": f["accounts"], "on_route": f["on_route"]}
        if not f["on_route"]:  # a front company off the traced route comes after the route's brokers
            entry["rank_in_tier"] = 2.0 + entry["rank_in_tier"]  # after the brokers (0.5), best score first
        entries.append(entry)
    brokers_on_route = [r for r in route if r["role"] == "broker"]
    if brokers_on_route and top_trace is not None:
        entries.append(_broker_entry(top_trace, brokers_on_route, role_of_finding))
    seen_screen: set[tuple[Any, Any]] = set()
    for f in others:
        if f["kind"] == "screen":
            key = (f["details"].get("canonical_id"), f["details"].get("list_entity_id"))
            if key in seen_screen:
                continue
            seen_screen.add(key)
        entries.append(_entry(f, f["kind"]))
    entries.sort(key=lambda e: (TIER.get(e["tier_kind"], 7), e["rank_in_tier"]))
    entries = entries[:limit]
    names = name_accounts_in(case, [e["title"] for e in entries] + [e["explanation"] for e in entries])
    for e in entries:
        e["title"] = rename_accounts(e["title"], names)
        e["explanation"] = rename_accounts(e["explanation"], names)
    return {"key": entries, "route": route}


def _entry(f: dict[str, Any], tier_kind: str, role: str | None = None) -> dict[str, Any]:
    order = -float(f.get("amount") or 0) if tier_kind == "trace" else -float(f.get("score") or 0)
    scored = f["kind"] not in ("trace",)
    return {"finding_id": f["finding_id"], "finding_ids": [f["finding_id"]], "kind": f["kind"],
            "typology": f["typology"], "tier_kind": tier_kind, "role": role, "rank_in_tier": order,
            "title": f["title"], "explanation": f["explanation"], "wording": f["wording"], "lead_in": f["lead_in"],
            "grade": f["grade"], "score": float(f["score"]) if scored and f.get("score") is not None else None,
            "amount": f.get("amount"), "currency": f.get("currency"), "details": f["details"],
            "params": f["params"], "stale": bool(f.get("stale"))}


def _broker_entry(trace: dict[str, Any], brokers: list[dict[str, Any]],
                  role_of_finding: dict[str, list[str]]) -> dict[str, Any]:
    cur = trace.get("currency") or ""
    named = ", ".join(f"{b['name']} ({b['country']})" if b.get("country") else b["name"] for b in brokers)
    passed = "; ".join(f"{b['name']} passed on {b['amount']:,.0f} {cur}" for b in brokers)
    extra = sorted({fid for b in brokers for a in b["accounts"] for fid in role_of_finding.get(a, [])})
    return {"finding_id": trace["finding_id"], "finding_ids": [trace["finding_id"], *extra], "kind": "role",
            "typology": "broker", "tier_kind": "role", "role": "money brokers", "rank_in_tier": 0.5,
            "title": f"Money brokers on the traced route: {named}",
            "explanation": (f"{len(brokers)} money broker{'s' if len(brokers) != 1 else ''} carried the traced money "
                            f"in turn: {passed}. Named as brokers by a finding's role or by their "
                            "registered business (exchange, remittance, hawala)."),
            "wording": trace["wording"], "lead_in": LEAD_IN.get(trace["wording"], "Not graded"),
            "grade": trace["grade"], "score": None, "amount": None, "currency": cur, "details": {},
            "params": {}, "brokers": brokers, "stale": bool(trace.get("stale"))}
