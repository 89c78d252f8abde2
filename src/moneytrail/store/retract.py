"""Retract one ingest: its rows, its quarantine and its log entry, in one DB transaction; findings
that rest on the retracted rows are marked stale (``findings.stale_reason`` says why), not deleted, so a
report can still show what was concluded and why it no longer stands.

What an ingest owns: transactions (``ingest_no``), events and quarantine (``ingest_id``), FtM statements
(its file and source), entity metadata and quarantined values (``ingest_id``), accounts it added (its
source, for account and entity ingests), pattern ground truth (its file and source) and its
``ingest_log`` row. The source row stays: other rows may cite it. A ``kill -9`` during a retraction
leaves the case as it was before it (one transaction).
"""

from __future__ import annotations

from dataclasses import dataclass

from moneytrail.store.case import Case
from moneytrail.store.ingests import RETRACTED_KEY

_RETRACTABLE = ("transactions", "events", "entities", "accounts", "patterns")


class RetractError(ValueError):
    """The ingest does not exist or cannot be retracted; the message says which and why."""


@dataclass(frozen=True)
class Retracted:
    ingest_no: int
    ingest_id: str
    kind: str
    file: str
    rows: dict[str, int]   # table -> rows deleted
    stale_findings: int


def mark_findings_stale(case: Case, refs_sql: str, reason: str, params: list[object] | None = None) -> int:
    """Mark stale the standing findings citing any of ``refs_sql`` (a query of ``(ref_kind, ref_id)``);
    returns how many. Kept small and separate so every stage that retracts rows can use it."""
    e = case.engine
    stale = f"SELECT DISTINCT r.finding_id FROM finding_refs r JOIN ({refs_sql}) x ON x.ref_kind = r.ref_kind " \
            "AND x.ref_id = r.ref_id"
    count = int(e.scalar(f"SELECT count(*) FROM findings WHERE stale_reason IS NULL AND finding_id IN ({stale})",
                         params or []))
    if count:
        e.upsert("findings", ["finding_id"], f"SELECT finding_id, CAST(? AS VARCHAR) AS stale_reason FROM findings "
                 f"WHERE stale_reason IS NULL AND finding_id IN ({stale})", [reason, *(params or [])],
                 insert_missing=False)
    return count


def retracted_refs_sql() -> str:
    """``(ref_kind, ref_id)`` of the rows an ingest owns; parameters: ingest_no, ingest_id, file, source_id,
    file, source_id."""
    return ("SELECT 'transaction' AS ref_kind, txn_id AS ref_id FROM transactions WHERE ingest_no = ? "
            "UNION SELECT 'event', event_id FROM events WHERE ingest_id = ? "
            "UNION SELECT 'statement', statement_id FROM statements WHERE origin_file = ? AND source_id = ? "
            "UNION SELECT 'entity', entity_id FROM statements WHERE origin_file = ? AND source_id = ?")


def retract_ingest(case: Case, ingest_no: int) -> Retracted:
    e = case.engine
    found = e.rows("SELECT ingest_id, kind, file, source_id FROM ingest_log WHERE ingest_no = ?", [ingest_no])
    if not found:
        known = [int(r[0]) for r in e.rows("SELECT ingest_no FROM ingest_log ORDER BY ingest_no")]
        raise RetractError(f"no ingest number {ingest_no}; the case has {known or 'none'} (see `moneytrail status`)")
    ingest_id, kind, file, source_id = (str(x) if x is not None else "" for x in found[0])
    if kind not in _RETRACTABLE:
        raise RetractError(f"ingest {ingest_no} ({kind}, {file}) cannot be retracted: {kind} rows are not "
                           "tied to one ingest")
    # Each table's rows of this ingest, as a partition the writer API removes (no row-level DELETE here).
    partitions: list[tuple[str, dict[str, object]]] = [
        ("transactions", {"ingest_no": ingest_no}),
        ("memo_mentions", {"ingest_no": ingest_no}),
        ("events", {"ingest_id": ingest_id}),
        ("quarantine", {"ingest_id": ingest_id}),
        ("quarantined_values", {"ingest_id": ingest_id}),
        ("entity_meta", {"ingest_id": ingest_id}),
        ("statements", {"origin_file": file, "source_id": source_id}),
    ]
    if kind in ("accounts", "entities"):
        partitions.append(("accounts", {"source_id": source_id}))
    attempts = "SELECT attempt_id FROM truth_attempts WHERE origin_file = ? AND source_id = ?"
    rows: dict[str, int] = {}
    with e.transaction():
        stale = mark_findings_stale(
            case, retracted_refs_sql(), f"rests on rows retracted by `ingest undo` of ingest {ingest_no} ({file})",
            [ingest_no, ingest_id, file, source_id, file, source_id])
        for table, partition in partitions:
            where = " AND ".join(f"{k} = ?" for k in partition)
            rows[table] = int(e.scalar(f"SELECT count(*) FROM {table} WHERE {where}", list(partition.values())))
            e.replace_partition(table, partition)
        rows["truth_transactions"] = int(e.scalar(
            f"SELECT count(*) FROM truth_transactions WHERE attempt_id IN ({attempts})", [file, source_id]))
        e.remove("truth_transactions", ["attempt_id"], attempts, [file, source_id])
        rows["truth_attempts"] = int(e.scalar(f"SELECT count(*) FROM ({attempts}) a", [file, source_id]))
        e.replace_partition("truth_attempts", {"origin_file": file, "source_id": source_id})
        e.replace_partition("ingest_log", {"ingest_no": ingest_no})
        e.remove("meta", ["key"], "SELECT key FROM meta WHERE key = ? AND CAST(value AS INTEGER) < ?",
                 [RETRACTED_KEY, ingest_no])
        e.execute("INSERT INTO meta SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = ?)",
                  [RETRACTED_KEY, str(ingest_no), RETRACTED_KEY])
    return Retracted(ingest_no, ingest_id, kind, file, {k: v for k, v in rows.items() if v}, stale)
