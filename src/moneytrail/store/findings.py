"""Writing and reading findings, the results of every stage, with the rows they rest on.

Writing is where a finding is stamped and graded, once, for all stages alike:

- stamped with its stage, the stage's version and parameters (``model.stage.Stamp``) and the case's
  data version; a write replaces the stage's earlier result with the same ``result_key`` (same stage,
  scope and parameters) and keeps results made with other parameters;
- graded in one set-based statement from the grades of what it rests on (``store.grading``).

Reading (``read_findings``, ``list_findings``) is the one way report, web and CLI get findings; each row
says whether it is ``stale``: made on data older than the case's current data version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from moneytrail.engine.scratch import Run, stable_sql_text
from moneytrail.model.details import Details, details_of
from moneytrail.model.finding import Finding
from moneytrail.model.stage import Stamp
from moneytrail.store.case import Case
from moneytrail.store.grading import (
    finding_grades_sql,
    kinds_to_read,
    own_transaction_grades_sql,
    transaction_sources_sql,
)


def write_findings(case: Case, findings: Iterable[Finding], stamp: Stamp, *,
                   data_version: str | None = None) -> list[str]:
    """Store one stage result: replace the stage's earlier result with the same parameters (even when
    this one is empty), store the findings and their references, grade them; returns their ids.
    ``data_version``: the case's, when the stage has it already (the data did not change meanwhile)."""
    data_version = data_version or case.data_version()
    rows: list[dict[str, Any]] = []
    refs: list[dict[str, str]] = []
    seen: set[str] = set()
    kinds: list[set[str]] = []
    # Per result, not per finding: the stamp's JSON and the scratch-free text of each distinct query.
    params_text, result_key = stamp.params_json, stamp.result_key
    queries: dict[str, str] = {}
    for f in findings:
        if not f.refs:
            raise ValueError(f"finding {f.title!r} cites no rows; every finding must rest on evidence")
        fid = f.finding_id
        if fid in seen:
            continue
        seen.add(fid)
        if f.query not in queries:
            queries[f.query] = stable_sql_text(f.query)
        rows.append({
            "finding_id": fid, "run_id": None, "kind": f.kind, "typology": f.typology, "title": f.title,
            "explanation": f.explanation, "score": float(f.score), "start_ts": f.start, "end_ts": f.end,
            "amount": f.amount, "currency": f.currency,
            "params": json.dumps(dict(f.params), sort_keys=True, default=str), "query": queries[f.query],
            "input_hash": data_version, "details": json.dumps(f.record.as_dict(), sort_keys=True, default=str),
            "stage": stamp.stage, "stage_version": stamp.version, "stage_params": params_text,
            "result_key": result_key, "data_version": data_version,
        })
        refs.extend({"finding_id": fid, "ref_kind": r.kind, "ref_id": r.ref_id, "role": r.role}
                    for r in dict.fromkeys(f.refs))
        kinds.append({r.kind for r in f.refs})
    engine = case.engine
    with engine.transaction(), engine.run() as run:
        replace_stage_results(case, result_key)
        if not rows:
            return []
        needed = kinds_to_read(kinds)
        same_grade = _shared_transaction_grade(case, run, data_version) if "transaction" in needed else {}
        new = run.arrow(pa.Table.from_pylist(rows, schema=_FINDING_SCHEMA), hint="new_findings")
        new_refs = run.arrow(pa.Table.from_pylist(refs, schema=_REF_SCHEMA), hint="new_refs")
        # The same finding made by another result (identical content) is replaced by this one.
        if engine.scalar(f"SELECT count(*) FROM findings f JOIN {new} n ON n.finding_id = f.finding_id"):
            engine.remove("finding_refs", ["finding_id"], f"SELECT finding_id FROM {new}")
            engine.remove("findings", ["finding_id"], f"SELECT finding_id FROM {new}")
        new_columns = ", ".join(f"n.{c}" for c in _FINDING_SCHEMA.names)
        engine.append(
            "findings",
            f"SELECT {new_columns}, g.reliability, g.credibility, coalesce(g.wording, 'doubtful') FROM {new} n "
            f"LEFT JOIN ({finding_grades_sql(str(new_refs), needed, same_grade)}) g "
            "ON g.finding_id = n.finding_id",
            columns=[*_FINDING_SCHEMA.names, "reliability", "credibility", "wording"])
        engine.append("finding_refs", f"SELECT finding_id, ref_kind, ref_id, role FROM {new_refs}",
                      columns=["finding_id", "ref_kind", "ref_id", "role"])
    return [r["finding_id"] for r in rows]


def _shared_transaction_grade(case: Case, run: Run, data_version: str) -> dict[str, tuple[str, int] | None]:
    """``{"transaction": grade}`` when every transaction of the case has the same grade (none carries its
    own, and all their sources are graded alike: the usual case of one bank's export), else ``{}``. Then
    the grading step need not look the cited transactions up (a scan of the whole table on an engine
    without indexes). Stages cite the rows they read, so a cited transaction is one the case holds. Which
    sources the transactions have is read once per outermost engine run and data version (a detect run
    of several detectors reads it once); own grades and the sources' grades are read every time (an
    analyst may re-grade a source)."""
    engine = case.engine
    if int(engine.scalar(own_transaction_grades_sql())):
        return {}
    ids: tuple[str, ...] = run.remember(f"transaction_sources@{data_version}", lambda: tuple(
        str(r[0]) for r in engine.rows(transaction_sources_sql())))
    if not ids or len(ids) > 1000:  # many sources: almost surely graded differently
        return {}
    graded = {str(sid): (rel, cred) for sid, rel, cred in engine.rows(
        f"SELECT source_id, reliability, credibility FROM sources WHERE source_id IN ({', '.join('?' * len(ids))})",
        list(ids))}
    grades = {graded.get(sid, (None, None)) for sid in ids}
    if len(grades) > 1:
        return {}
    reliability, credibility = grades.pop()
    both = reliability is not None and credibility is not None
    return {"transaction": (str(reliability), int(credibility)) if both else None}


def replace_stage_results(case: Case, result_key: str) -> int:
    """Remove a stage's earlier result (its findings and their references); returns how many went."""
    engine = case.engine
    n = int(engine.scalar("SELECT count(*) FROM findings WHERE result_key = ?", [result_key]))
    if n:
        with engine.transaction():
            engine.remove("finding_refs", ["finding_id"], "SELECT finding_id FROM findings WHERE result_key = ?",
                          [result_key])
            engine.replace_partition("findings", {"result_key": result_key})
    return n


def regrade_findings(case: Case) -> int:
    """Grade every stored finding again from what it rests on (after a source was re-graded or claims
    confirmed): the same set-based step as at write time. Findings citing findings follow in up to
    three rounds, as deep as citations go in practice. Returns how many findings there are."""
    engine = case.engine
    with engine.transaction():
        for _ in range(3):
            engine.upsert(
                "findings", ["finding_id"],
                "SELECT f.finding_id, g.reliability, g.credibility, coalesce(g.wording, 'doubtful') AS wording "
                f"FROM findings f LEFT JOIN ({finding_grades_sql('finding_refs')}) g ON g.finding_id = f.finding_id",
                insert_missing=False)
            if not engine.scalar("SELECT count(*) FROM finding_refs WHERE ref_kind = 'finding'"):
                break
    return int(engine.scalar("SELECT count(*) FROM findings"))


_FINDING_SCHEMA = pa.schema([
    ("finding_id", pa.string()), ("run_id", pa.string()), ("kind", pa.string()), ("typology", pa.string()),
    ("title", pa.string()), ("explanation", pa.string()), ("score", pa.float64()),
    ("start_ts", pa.timestamp("us")), ("end_ts", pa.timestamp("us")), ("amount", pa.float64()),
    ("currency", pa.string()), ("params", pa.string()), ("query", pa.string()), ("input_hash", pa.string()),
    ("details", pa.string()), ("stage", pa.string()), ("stage_version", pa.int32()),
    ("stage_params", pa.string()), ("result_key", pa.string()), ("data_version", pa.string()),
])
_REF_SCHEMA = pa.schema([("finding_id", pa.string()), ("ref_kind", pa.string()), ("ref_id", pa.string()),
                         ("role", pa.string())])

# What a read returns, in this order: the finding, its grade, its stamp, and whether it is stale.
READ_COLUMNS = ("finding_id", "kind", "typology", "title", "explanation", "score", "start_ts", "end_ts", "amount",
                "currency", "reliability", "credibility", "wording", "params", "query", "details", "stage",
                "stage_version", "stage_params", "result_key", "data_version", "stale_reason", "created_at")


def stale_sql(data_version: str) -> str:
    """True for a finding made on data older than ``data_version``, or resting on rows an undo retracted."""
    return f"(coalesce(data_version <> '{_escape(data_version)}', TRUE) OR stale_reason IS NOT NULL)"


def findings_sql(data_version: str, *, kind: str | None = None, typology: str | None = None,
                 stage: str | None = None, current_only: bool = False) -> str:
    """The findings with a ``stale`` column (made on data older than ``data_version``), best first."""
    where = [f"{col} = '{_escape(value)}'" for col, value in (("kind", kind), ("typology", typology),
                                                                ("stage", stage)) if value is not None]
    version = f"'{_escape(data_version)}'"
    if current_only:
        where.append(f"data_version = {version} AND stale_reason IS NULL")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return (f"SELECT {', '.join(READ_COLUMNS)}, {stale_sql(data_version)} AS stale "
            f"FROM findings{clause} ORDER BY score DESC, finding_id")


def _escape(text: str) -> str:
    return text.replace("'", "''")


def read_findings(case: Case, *, kind: str | None = None, typology: str | None = None, stage: str | None = None,
                  current_only: bool = False, limit: int | None = None) -> pa.Table:
    """Findings as an Arrow table (``READ_COLUMNS`` plus ``stale``), best first."""
    sql = findings_sql(case.data_version(), kind=kind, typology=typology, stage=stage, current_only=current_only)
    if limit:
        sql += f" LIMIT {int(limit)}"
    return case.engine.query(sql)


def list_findings(case: Case, *, kind: str | None = None, typology: str | None = None, stage: str | None = None,
                  current_only: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
    """``read_findings`` as dicts, for small results."""
    rows: list[dict[str, Any]] = read_findings(case, kind=kind, typology=typology, stage=stage,
                                               current_only=current_only, limit=limit).to_pylist()
    return rows


def typed_details(row: Mapping[str, Any]) -> Details:
    """The typed details record of a row of ``read_findings`` (its ``kind`` and stored ``details``)."""
    stored = row.get("details")
    return details_of(str(row["kind"]), json.loads(str(stored)) if stored else {})


def finding_refs(case: Case, finding_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = case.engine.query(
        "SELECT ref_kind, ref_id, role FROM finding_refs WHERE finding_id = ? ORDER BY ref_kind, ref_id",
        [finding_id]).to_pylist()
    return rows
