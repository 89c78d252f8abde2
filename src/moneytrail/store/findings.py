"""Writing and reading findings, the results of every stage, with the rows they rest on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from moneytrail.engine.scratch import stable_sql_text
from moneytrail.model.finding import Finding
from moneytrail.store.case import Case


def write_findings(case: Case, findings: Iterable[Finding], *, run_id: str | None = None,
                   replace_kind: tuple[str, str | None] | None = None) -> list[str]:
    """Store findings and their references in one transaction; returns their ids.

    ``replace_kind=(kind, typology)`` first removes earlier findings of that kind (and typology, if
    given), so re-running a stage replaces its results rather than piling them up.
    """
    rows: list[dict[str, Any]] = []
    refs: list[dict[str, str]] = []
    for f in findings:
        if not f.refs:
            raise ValueError(f"finding {f.title!r} cites no rows; every finding must rest on evidence")
        fid = f.finding_id
        rows.append({
            "finding_id": fid, "run_id": run_id, "kind": f.kind, "typology": f.typology, "title": f.title,
            "explanation": f.explanation, "score": float(f.score), "start_ts": f.start, "end_ts": f.end,
            "amount": f.amount, "currency": f.currency,
            "reliability": f.grade.reliability if f.grade else None,
            "credibility": f.grade.credibility if f.grade else None,
            "wording": f.grade.wording.value if f.grade else None,
            "params": json.dumps(f.params, sort_keys=True, default=str), "query": stable_sql_text(f.query),
            "input_hash": f.input_hash, "details": json.dumps(f.details, sort_keys=True, default=str),
        })
        refs.extend({"finding_id": fid, "ref_kind": r.kind, "ref_id": r.ref_id, "role": r.role} for r in f.refs)
    engine = case.engine
    with engine.transaction():
        if replace_kind is not None:
            kind, typology = replace_kind
            where = "kind = ?" + (" AND typology = ?" if typology else "")
            params = [kind] + ([typology] if typology else [])
            engine.execute(f"DELETE FROM finding_refs WHERE finding_id IN (SELECT finding_id FROM findings "
                           f"WHERE {where})", params)
            engine.execute(f"DELETE FROM findings WHERE {where}", params)
        if rows:
            ids = [r["finding_id"] for r in rows]
            engine.register_arrow("_new_findings", pa.Table.from_pylist(rows, schema=_FINDING_SCHEMA))
            engine.register_arrow("_new_refs", pa.Table.from_pylist(refs, schema=_REF_SCHEMA))
            engine.execute("DELETE FROM finding_refs WHERE finding_id IN (SELECT finding_id FROM _new_findings)")
            engine.execute("DELETE FROM findings WHERE finding_id IN (SELECT finding_id FROM _new_findings)")
            engine.execute(f"INSERT INTO findings ({', '.join(_FINDING_SCHEMA.names)}) "
                           "SELECT DISTINCT ON (finding_id) * FROM _new_findings")
            engine.execute("INSERT INTO finding_refs SELECT DISTINCT * FROM _new_refs")
            engine.unregister("_new_findings")
            engine.unregister("_new_refs")
            return ids
    return []


_FINDING_SCHEMA = pa.schema([
    ("finding_id", pa.string()), ("run_id", pa.string()), ("kind", pa.string()), ("typology", pa.string()),
    ("title", pa.string()), ("explanation", pa.string()), ("score", pa.float64()),
    ("start_ts", pa.timestamp("us")), ("end_ts", pa.timestamp("us")), ("amount", pa.float64()),
    ("currency", pa.string()), ("reliability", pa.string()), ("credibility", pa.int32()),
    ("wording", pa.string()), ("params", pa.string()), ("query", pa.string()), ("input_hash", pa.string()),
    ("details", pa.string()),
])
_REF_SCHEMA = pa.schema([("finding_id", pa.string()), ("ref_kind", pa.string()), ("ref_id", pa.string()),
                         ("role", pa.string())])


def list_findings(case: Case, *, kind: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM findings" + (" WHERE kind = ?" if kind else "") + " ORDER BY score DESC, finding_id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows: list[dict[str, Any]] = case.engine.query(sql, [kind] if kind else None).to_pylist()
    return rows


def finding_refs(case: Case, finding_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = case.engine.query(
        "SELECT ref_kind, ref_id, role FROM finding_refs WHERE finding_id = ? ORDER BY ref_kind, ref_id",
        [finding_id]).to_pylist()
    return rows


def remove_findings(case: Case, ids_sql: str, params: list[Any] | None = None) -> None:
    """Remove the findings whose ids ``ids_sql`` (one column, ``finding_id``) yields, with their refs."""
    with case.engine.transaction(), case.engine.run() as run:
        doomed = run.materialise(f"SELECT DISTINCT finding_id FROM ({ids_sql}) d", params, hint="doomed")
        case.engine.remove("finding_refs", ["finding_id"], f"SELECT finding_id FROM {doomed}")
        case.engine.remove("findings", ["finding_id"], f"SELECT finding_id FROM {doomed}")


def set_finding_grades(case: Case, grades_sql: str, params: list[Any] | None = None) -> None:
    """Overwrite stored findings' grades from ``grades_sql`` (finding_id, reliability, credibility, wording)."""
    case.engine.upsert("findings", ["finding_id"], grades_sql, params, insert_missing=False)
