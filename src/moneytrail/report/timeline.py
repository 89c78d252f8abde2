"""The timeline, one lane per actor: its events (fatalities and injuries apart where the data has
both) beside the payments that a link finding ties to that actor. Actors no link finding names are
shown apart, as the comparison: same kind of events, no payments tied to them."""

from __future__ import annotations

from typing import Any

from moneytrail.report.findings_view import read_findings
from moneytrail.report.probe import has_table, table_columns
from moneytrail.store import Case

NO_ACTOR = "(no actor named)"


def actors_sql(limit: int) -> str:
    return (f"SELECT coalesce(actor1, '{NO_ACTOR}') AS actor, count(*) AS n FROM events WHERE event_date IS NOT NULL "
            f"GROUP BY 1 ORDER BY n DESC, actor LIMIT {int(limit)}")


def actor_events_sql(with_wounded: bool, per_actor: int) -> str:
    wounded = "wounded" if with_wounded else "CAST(NULL AS INTEGER)"
    return (
        "SELECT actor, event_id, event_date, event_type, location, fatalities, wounded, source_id FROM ("
        f"SELECT coalesce(actor1, '{NO_ACTOR}') AS actor, event_id, CAST(event_date AS VARCHAR) AS event_date, "
        f"event_type, location, fatalities, {wounded} AS wounded, source_id, row_number() OVER ("
        f"PARTITION BY coalesce(actor1, '{NO_ACTOR}') "
        "ORDER BY coalesce(fatalities, 0) DESC, event_date, event_id) AS k "
        f"FROM events WHERE event_date IS NOT NULL) x WHERE k <= {int(per_actor)} ORDER BY actor, event_date, event_id")


def _actor_of(link: dict[str, Any], actors: list[str]) -> str | None:
    """The events actor a link finding is about: its event labels, else the actor name inside one."""
    labels = [str(x) for x in link["details"].get("event_labels") or []]
    for label in labels:
        if label in actors:
            return label
    name = str(link["params"].get("actor") or "").lower()
    return next((a for a in actors if name and name in a.lower()), None)


def timeline(case: Case, max_actors: int = 8, per_actor: int = 200) -> dict[str, Any]:
    links = read_findings(case, "kind = 'link'", 10)
    actors: list[str] = []
    events: dict[str, list[dict[str, Any]]] = {}
    with_wounded = False
    if has_table(case, "events", "event_id", "event_date"):
        cols = table_columns(case, "events")
        with_wounded = "wounded" in cols and bool(case.engine.scalar(
            "SELECT count(*) FROM events WHERE coalesce(wounded, 0) > 0"))
        actors = [str(r[0]) for r in case.engine.rows(actors_sql(max_actors))]
        for row in case.engine.query(actor_events_sql(with_wounded, per_actor)).to_pylist():
            if row["actor"] in actors:
                events.setdefault(str(row["actor"]), []).append({k: v for k, v in row.items() if k != "actor"})
    lanes: dict[str, dict[str, Any]] = {a: {"actor": a, "events": events.get(a, []), "payments": [],
                                            "findings": [], "linked": False} for a in actors}
    for f in links:
        actor = _actor_of(f, actors) or str(f["params"].get("actor") or f["title"])
        lane = lanes.setdefault(actor, {"actor": actor, "events": [], "payments": [], "findings": [], "linked": False})
        lane["linked"] = True
        lane["findings"].append({k: f[k] for k in ("finding_id", "title", "wording", "grade", "explanation")})
        for p in f["details"].get("pairs") or []:
            if isinstance(p, dict):
                lane["payments"].append({k: p.get(k) for k in ("event_id", "event_date", "casualties", "txn_id", "ts",
                                                               "amount", "lag_days", "to_account")}
                                        | {"finding_id": f["finding_id"]})
    ordered = sorted(lanes.values(), key=lambda lane: (not lane["linked"], -len(lane["events"]), lane["actor"]))
    pairs = [p for lane in ordered for p in lane["payments"]]
    return {"lanes": ordered, "with_wounded": with_wounded, "pairs": pairs,
            "findings": [f for lane in ordered for f in lane["findings"]],
            "events": sum(len(lane["events"]) for lane in ordered)}
