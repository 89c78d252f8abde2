"""One time axis for an entity or an actor: its payments, the events it took part in, the documents that
name it and the claims about it. And an event's page: the event, and the payments that followed it."""

from __future__ import annotations

import json
from typing import Any

from moneytrail.store import Case
from moneytrail.web.derived import source
from moneytrail.web.entity import members
from moneytrail.web.index import has
from moneytrail.web.names import (
    NAME_PROPS,
    canonical,
    entity_exists,
    entity_labels,
    held_accounts,
    label_rows,
    placeholders,
)

FOLLOW_DAYS = 30  # payments "following" an event: within this many days after it


def _names(case: Case, ids: list[str]) -> list[str]:
    return [str(r[0]) for r in case.engine.rows(
        f"SELECT DISTINCT value FROM {source(case, 'statements_by_entity')} st WHERE entity_id IN "
        f"({placeholders(ids)}) AND prop IN "
        f"({', '.join(repr(p) for p in NAME_PROPS)}) AND length(value) >= 4 ORDER BY 1 LIMIT 20", ids)]


def _actor_events_sql(count: int) -> str:
    cols = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")
    one = " OR ".join(f"lower(coalesce({c}, '')) LIKE ?" for c in cols)
    return ("SELECT event_id, CAST(event_date AS VARCHAR) AS ts, event_type, sub_event_type, actor1, actor2, "
            "location, country, fatalities, notes FROM events WHERE event_date IS NOT NULL AND ("
            + " OR ".join(f"({one})" for _ in range(count)) + ") ORDER BY event_date, event_id LIMIT ?")


def actor_entities(case: Case, actor: str, limit: int = 5) -> list[str]:
    """Canonical ids of entities whose name (6 characters or more) the actor text contains, or that contain it."""
    rows = case.engine.rows(
        f"SELECT DISTINCT ref FROM {source(case, 'search_terms')} t WHERE kind = 'name' AND length(term) >= 6 AND "
        "(strpos(lower(?), term) > 0 OR strpos(term, lower(?)) > 0) ORDER BY 1 LIMIT ?", [actor, actor, limit])
    return [str(r[0]) for r in rows]


def timeline(case: Case, *, entity_id: str | None = None, actor: str | None = None,
             limit: int = 500) -> dict[str, Any] | None:
    """Items {ts, kind, title, ...} sorted by time; kind is payment | event | document | claim."""
    e = case.engine
    ids: list[str] = []
    cids: list[str] = []
    label = actor or ""
    if entity_id:
        cids = [canonical(case, entity_id)]
        ids = members(case, cids[0])
        if not entity_exists(case, cids[0]):
            return None
        label = entity_labels(case, cids).get(cids[0], cids[0])
    elif actor:  # the entities an actor's name names: "Kataib al-Sakhra al-Sawda (Black Rock Brigades)"
        cids = actor_entities(case, actor)
        ids = sorted({i for c in cids for i in members(case, c)})
    names = [actor] if actor else _names(case, ids)
    items: list[dict[str, Any]] = []
    if names and has(case, "events"):
        patterns = [f"%{n.lower()}%" for n in names for _ in range(4)]
        for r in e.query(_actor_events_sql(len(names)), [*patterns, limit]).to_pylist():
            items.append({"kind": "event", "ts": r["ts"], "id": r["event_id"], "amount": r["fatalities"],
                          "title": f"{r['event_type'] or 'event'}: {r['actor1'] or ''} at {r['location'] or '?'}",
                          "notes": r["notes"]})
    if ids:
        held = held_accounts(case, cids)
        holders = placeholders(held)
        pays = e.query(
            "SELECT txn_id, CAST(ts AS VARCHAR) AS ts, CASE WHEN direction = 'out' THEN account_key ELSE counterparty "
            "END AS from_account, CASE WHEN direction = 'out' THEN counterparty ELSE account_key END AS to_account, "
            "coalesce(amount_rc, amount) AS amount, direction = 'in' AS incoming FROM "
            f"{source(case, 'by_account')} t WHERE account_key IN ({holders}) AND NOT (direction = 'in' AND "
            f"counterparty IN ({holders})) ORDER BY amount DESC LIMIT ?", [*held, *held, limit]).to_pylist()
        for r in label_rows(case, pays, "from_account", "to_account"):
            other = (r["from_account_name"] or r["from_account"]) if r["incoming"] else \
                (r["to_account_name"] or r["to_account"])
            items.append({"kind": "payment", "ts": r["ts"], "id": r["txn_id"], "amount": r["amount"],
                          "title": ("from " if r["incoming"] else "to ") + str(other), "incoming": r["incoming"]})
        marks = placeholders(ids)
        if has(case, "mentions"):
            for r in e.query(
                    "SELECT DISTINCT d.document_id, d.title, s.source_id, CAST(coalesce(s.published_at, "
                    "d.ingested_at) AS VARCHAR) AS ts FROM mentions m JOIN documents d ON d.document_id = "
                    "m.document_id JOIN sources s ON s.source_id = d.source_id WHERE m.kind = 'entity' AND "
                    f"m.entity_id IN ({marks}) ORDER BY ts LIMIT ?", [*ids, limit]).to_pylist():
                items.append({"kind": "document", "ts": r["ts"], "id": r["document_id"], "amount": None,
                              "title": r["title"] or r["source_id"], "source_id": r["source_id"]})
        if has(case, "claims"):
            for r in e.query(
                    "SELECT claim_id, CAST(claim_date AS VARCHAR) AS ts, subject, relation, object, amount "
                    f"FROM claims WHERE claim_date IS NOT NULL AND (subject_entity_id IN ({marks}) OR "
                    f"object_entity_id IN ({marks})) ORDER BY claim_date LIMIT ?", [*ids, *ids, limit]).to_pylist():
                items.append({"kind": "claim", "ts": r["ts"], "id": r["claim_id"], "amount": r["amount"],
                              "title": f"{r['subject']} {r['relation']} {r['object']}"})
    items.sort(key=lambda i: (str(i["ts"] or ""), i["kind"], str(i["id"])))
    return {"label": label, "entity_id": cids[0] if entity_id else None, "actor": actor, "names": names,
            "entities": [{"entity_id": c, "name": n} for c, n in sorted(entity_labels(case, cids).items())],
            "items": items, "counts": {k: sum(1 for i in items if i["kind"] == k)
                                       for k in ("payment", "event", "document", "claim")}}


def event(case: Case, event_id: str) -> dict[str, Any] | None:
    """An event, the findings citing it, and payments that followed: those a link finding paired with it, and
    every payment into the accounts those findings name within FOLLOW_DAYS after it."""
    e = case.engine
    rows = e.query("SELECT ev.*, CAST(ev.event_date AS VARCHAR) AS date, g.reliability AS grade_reliability, "
                   "g.credibility AS grade_credibility FROM events ev LEFT JOIN event_grades g ON g.event_id = "
                   "ev.event_id WHERE ev.event_id = ? LIMIT 1", [event_id]).to_pylist()
    if not rows:
        return None
    ev = {k: (str(v) if k == "event_date" and v is not None else v) for k, v in rows[0].items()}
    findings = e.query(
        "SELECT f.finding_id, f.kind, f.typology, f.title, f.score, f.wording, f.reliability, f.credibility, f.details "
        "FROM findings f WHERE "
        f"f.finding_id IN (SELECT finding_id FROM {source(case, 'refs_by_target')} r WHERE ref_kind = 'event' "
        "AND ref_id = ?) "
        "ORDER BY f.score DESC LIMIT 50", [event_id]).to_pylist()
    paired: set[str] = set()
    for f in findings:
        try:
            details = json.loads(f.pop("details") or "{}")
        except ValueError:
            details = {}
        for p in details.get("pairs") or [] if isinstance(details, dict) else []:
            if isinstance(p, dict) and p.get("event_id") == event_id and p.get("txn_id"):
                paired.add(str(p["txn_id"]))
    ids = [f["finding_id"] for f in findings]
    following: list[dict[str, Any]] = []
    named = [str(r[0]) for r in e.rows(
        f"SELECT DISTINCT ref_id FROM {source(case, 'refs_by_finding')} r WHERE ref_kind = 'account' AND finding_id IN "
        f"({placeholders(ids)}) ORDER BY 1 LIMIT 5000", ids)] if ids else []
    if named and ev.get("event_date"):
        following = e.query(  # the accounts bound as values: only their row groups are read
            "SELECT t.txn_id, CAST(t.ts AS VARCHAR) AS ts, t.counterparty AS from_account, "
            "t.account_key AS to_account, t.amount, t.currency, coalesce(t.amount_rc, t.amount) AS amount_rc, "
            "t.channel, date_diff('day', CAST(? AS DATE), CAST(t.ts AS DATE)) AS days_after "
            f"FROM {source(case, 'by_account')} t WHERE t.direction = 'in' AND t.account_key IN "
            f"({placeholders(named)}) AND t.ts >= CAST(? AS DATE) AND t.ts < CAST(? AS DATE) + INTERVAL (?) DAY "
            "ORDER BY t.ts LIMIT 200", [ev["event_date"], *named, ev["event_date"], ev["event_date"], FOLLOW_DAYS]
        ).to_pylist()
    for t in following:
        t["paired"] = t["txn_id"] in paired
    return {"event": ev, "findings": findings, "following": label_rows(case, following, "from_account", "to_account"),
            "follow_days": FOLLOW_DAYS, "paired": sorted(paired)}


def events(case: Case, *, q: str | None, offset: int, limit: int) -> dict[str, Any]:
    where, params = "", []
    if q:
        where = ("WHERE lower(event_id || ' ' || coalesce(actor1, '') || ' ' || coalesce(actor2, '') || ' ' || "
                 "coalesce(location, '') || ' ' || coalesce(notes, '')) LIKE ?")
        params = [f"%{q.lower()}%"]
    rows = case.engine.query(
        "SELECT event_id, CAST(event_date AS VARCHAR) AS event_date, event_type, actor1, actor2, location, country, "
        f"fatalities FROM events {where} ORDER BY event_date DESC, event_id LIMIT ? OFFSET ?",
        [*params, limit, offset]).to_pylist()
    total = int(case.engine.scalar(f"SELECT count(*) FROM events {where}", params))
    return {"events": rows, "total": total, "offset": offset, "limit": limit, "q": q}
