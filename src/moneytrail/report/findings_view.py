"""The report's one way of reading findings: the current result of each stage run, as plain dicts.

A stage re-run on new input writes new findings under the same kind, typology and parameters; the
report shows only the newest run of each (its ``input_hash`` batch), so totals do not grow with
re-runs. Kept small and in one place so it can be re-pointed to the store's findings read API.
"""

from __future__ import annotations

import json
from typing import Any

from moneytrail.model.admiralty import Grade
from moneytrail.store import Case
from moneytrail.store.findings import stale_sql

# How each wording opens a sentence: the grade decides how firmly we speak.
LEAD_IN = {"confirmed": "Confirmed", "probable": "Probably", "possible": "Possibly", "doubtful": "Doubtful",
           "ungraded": "Not graded"}
COLUMNS = ("finding_id, kind, typology, title, explanation, score, start_ts, end_ts, amount, currency, "
           "reliability, credibility, wording, params, details, stage, stage_version, data_version, stale_reason")


def self_matches_sql() -> str:
    """Screen findings whose case entity is known only from the very file screened against: a list
    ingested into the case matching itself (cases screened before screening left these out)."""
    return (
        "SELECT c.finding_id FROM finding_refs c JOIN sources cs ON cs.source_id = c.ref_id "
        "JOIN finding_refs l ON l.finding_id = c.finding_id AND l.ref_kind = 'source' AND l.role = 'list' "
        "JOIN sources ls ON ls.source_id = l.ref_id "
        "WHERE c.ref_kind = 'source' AND c.role = 'case source' GROUP BY c.finding_id "
        "HAVING min(CASE WHEN cs.path IS NOT NULL AND cs.path = ls.path THEN 1 ELSE 0 END) = 1")


def current_findings_sql() -> str:
    """Findings of the newest run per (kind, typology, params): older runs' results are left out, and
    so are a list's matches with itself."""
    return (
        "SELECT * FROM (SELECT f.*, first_value(f.input_hash) OVER (PARTITION BY f.kind, f.typology, f.params "
        "ORDER BY f.created_at DESC, f.input_hash DESC) AS newest_input FROM findings f) x "
        f"WHERE x.input_hash = x.newest_input AND x.finding_id NOT IN ({self_matches_sql()})")


def findings_sql(data_version: str, where: str = "", limit: int | None = None,
                 order: str = "score DESC, finding_id") -> str:
    """Current findings with the store's ``stale`` flag against ``data_version``."""
    lim = f" LIMIT {int(limit)}" if limit is not None else ""
    cond = f"WHERE {where} " if where else ""
    return (f"SELECT {COLUMNS}, {stale_sql(data_version)} AS stale FROM ({current_findings_sql()}) c "
            f"{cond}ORDER BY {order}{lim}")


def grade_of(reliability: Any, credibility: Any) -> tuple[str | None, str | None]:
    if reliability is None or credibility is None:
        return None, None
    try:
        grade = Grade(str(reliability), int(credibility))
    except ValueError:
        return None, None
    return str(grade), grade.wording.value


def finding_dict(row: dict[str, Any]) -> dict[str, Any]:
    grade, wording = grade_of(row.get("reliability"), row.get("credibility"))
    wording = row.get("wording") or wording or "ungraded"
    out = {k: v for k, v in row.items() if k not in ("details", "params")}
    out.update(grade=grade, wording=wording, lead_in=LEAD_IN.get(wording, "Not graded"),
               details=_json_object(row.get("details")), params=_json_object(row.get("params")))
    return out


def _json_object(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except (json.JSONDecodeError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def read_findings(case: Case, where: str = "", limit: int | None = None,
                  order: str = "score DESC, finding_id") -> list[dict[str, Any]]:
    """Current findings as dicts; ``stale`` when made on data older than the case's (or retracted)."""
    sql = findings_sql(case.data_version(), where, limit, order)
    return [finding_dict(r) for r in case.engine.query(sql).to_pylist()]


def count_by_kind(case: Case) -> dict[str, dict[str, int]]:
    """{kind: {wording: n}} over current findings."""
    out: dict[str, dict[str, int]] = {}
    for kind, wording, n in case.engine.rows(
            f"SELECT kind, coalesce(wording, 'ungraded'), count(*) FROM ({current_findings_sql()}) c "
            "GROUP BY 1, 2 ORDER BY 1, 2"):
        out.setdefault(str(kind), {})[str(wording)] = int(n)
    return out
