"""Row-level idempotence: rows the case already holds are not stored twice, and each one is reported.

The file hash makes re-reading the same bytes a no-op; this catches the same rows in other bytes (a copy with
CRLF endings, a BOM, gzip, a trailing newline, reordered rows) and repeated ids inside one file. After a
file's rows are stored (inside its DB transaction), the later copies are moved out of the table into
``duplicates`` with the line and ingest of the copy kept, and counted in the ingest's summary.

* transactions with ids: by ``txn_id``, against the case and within the file (the first line is kept);
* transactions with positional ids (AMLworld, AMLSim samples): by content (time, accounts, amounts,
  currencies, format) and occurrence, against the case only: such files legitimately repeat identical
  rows (the same payment twice in a minute), so within a file the k-th copy of a row is a duplicate only
  if the case already holds k copies. Rows stored by a patterns ingest are left to
  ``patterns.relink_pattern_transactions``;
* events: by ``event_id``, against the case and within the file;
* FtM entities: by id. A line whose entity adds nothing (every one of its statements, id, schema, property
  and value, is held by the case from any source or by an earlier line of the file) is a duplicate; a line
  with the same id that adds a value is a fragment of that entity (FtM merges fragments) and is stored.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.ingest.filelog import FileIngest

CONTENT = ("ts", "from_account", "to_account", "amount", "currency", "amount_paid", "currency_paid", "channel")


def _record(fi: FileIngest, table: str, kind: str, key_kind: str) -> int:
    """Copy the duplicates listed in temp table ``table`` (line, key, kept_ingest_no | kept_ingest_id, kept_line)
    to ``duplicates``; returns how many."""
    e = fi.case.engine
    n = int(e.scalar(f"SELECT count(*) FROM {table}"))
    if n:
        e.execute(f"INSERT INTO duplicates (ingest_id, kind, file, line, key, key_kind, kept_ingest_id, kept_line) "
                  f"SELECT ?, ?, ?, line, key, ?, kept_ingest_id, kept_line FROM {table}",
                  [fi.ingest_id, kind, fi.origin, key_kind])
    return n


def _kept_ingest_id_sql(no: str) -> str:
    return f"(SELECT l.ingest_id FROM ingest_log l WHERE l.ingest_no = {no})"


def settle_duplicate_transactions(fi: FileIngest, *, positional: bool, rows_are_transactions: bool = True) -> int:
    """Move this ingest's duplicate transactions to ``duplicates``; returns how many. They are counted in
    ``fi`` when its rows are transactions; an entities file counts entities, and its Payments that the case
    already holds go to ``details["duplicate_payments"]``."""
    e = fi.case.engine
    no = int(fi.ingest_no)
    others = bool(e.scalar("SELECT EXISTS (SELECT 1 FROM transactions WHERE ingest_no IS DISTINCT FROM ? AND "
                           "ingest_no NOT IN (SELECT ingest_no FROM ingest_log WHERE kind = 'patterns'))", [no]))
    if positional:
        if not others:
            return 0
        fp = f"hash({', '.join(CONTENT)})"
        occ = f"row_number() OVER (PARTITION BY ingest_no, {fp} ORDER BY origin_line, txn_id)"
        dups_sql, dups_params = (
            "SELECT n.origin_line AS line, n.txn_id AS key, "
            f"{_kept_ingest_id_sql('o.ingest_no')} AS kept_ingest_id, o.origin_line AS kept_line FROM "
            f"(SELECT txn_id, origin_line, {fp} AS fp, {occ} AS occ FROM transactions WHERE ingest_no = {no}) n "
            f"JOIN (SELECT fp, occ, min(ingest_no) AS ingest_no, min(origin_line) AS origin_line FROM "
            f"(SELECT ingest_no, origin_line, {fp} AS fp, {occ} AS occ FROM transactions "
            f"WHERE ingest_no IS DISTINCT FROM {no} AND ingest_no NOT IN "
            "(SELECT ingest_no FROM ingest_log WHERE kind = 'patterns')) GROUP BY fp, occ) o "
            "ON o.fp = n.fp AND o.occ = n.occ", None)
        key_kind = "content"
    else:
        within = int(e.scalar(f"SELECT count(*) - count(DISTINCT txn_id) FROM transactions WHERE ingest_no = {no}"))
        if not within and not others:
            return 0
        dups_sql, dups_params = (
            "SELECT line, key, kept_ingest_id, kept_line FROM ("
            f"SELECT t.origin_line AS line, t.txn_id AS key, "
            f"coalesce({_kept_ingest_id_sql('o.ingest_no')}, ?) AS kept_ingest_id, "
            "coalesce(o.origin_line, min(t.origin_line) OVER (PARTITION BY t.txn_id)) AS kept_line, "
            "o.txn_id IS NOT NULL OR row_number() OVER (PARTITION BY t.txn_id ORDER BY t.origin_line) > 1 AS dup "
            f"FROM transactions t LEFT JOIN (SELECT txn_id, min(ingest_no) AS ingest_no, min(origin_line) AS "
            f"origin_line FROM transactions WHERE ingest_no IS DISTINCT FROM {no} GROUP BY txn_id) o "
            f"ON o.txn_id = t.txn_id WHERE t.ingest_no = {no} AND t.txn_id IN (SELECT txn_id FROM transactions "
            f"WHERE ingest_no = {no} GROUP BY txn_id HAVING count(*) > 1 UNION SELECT txn_id FROM transactions "
            f"WHERE ingest_no IS DISTINCT FROM {no})) d WHERE dup", [fi.ingest_id])
        key_kind = "txn_id"
    with e.run() as run:
        dups = run.materialise(dups_sql, dups_params, hint="txn_dups").name
        n = _record(fi, dups, "transactions", key_kind)
        if n:
            e.remove("transactions", ["ingest_no", "origin_line"],
                     f"SELECT CAST({no} AS BIGINT) AS ingest_no, line AS origin_line FROM {dups}")
    if rows_are_transactions:
        fi.rows_stored -= n
        fi.rows_duplicate += n
    elif n:
        fi.details["duplicate_payments"] = n
        fi.details["payments"] = fi.details.get("payments", n) - n
    return n


def settle_duplicate_events(fi: FileIngest) -> int:
    """Move this ingest's events whose ``event_id`` the case (or an earlier line) already holds."""
    e = fi.case.engine
    dups_sql = (
        "SELECT line, key, kept_ingest_id, kept_line FROM ("
        "SELECT t.origin_line AS line, t.event_id AS key, coalesce(o.ingest_id, ?) AS kept_ingest_id, "
        "coalesce(o.origin_line, min(t.origin_line) OVER (PARTITION BY t.event_id)) AS kept_line, "
        "o.event_id IS NOT NULL OR row_number() OVER (PARTITION BY t.event_id ORDER BY t.origin_line) > 1 AS dup "
        "FROM events t LEFT JOIN (SELECT event_id, min(ingest_id) AS ingest_id, min(origin_line) AS origin_line "
        "FROM events WHERE ingest_id <> ? GROUP BY event_id) o ON o.event_id = t.event_id "
        "WHERE t.ingest_id = ?) d WHERE dup")
    with e.run() as run:
        dups = run.materialise(dups_sql, [fi.ingest_id, fi.ingest_id, fi.ingest_id], hint="event_dups").name
        n = _record(fi, dups, "events", "event_id")
        if n:
            e.remove("events", ["ingest_id", "origin_line"],
                     f"SELECT CAST(? AS VARCHAR) AS ingest_id, line AS origin_line FROM {dups}", [fi.ingest_id])
    fi.rows_stored -= n
    fi.rows_duplicate += n
    return n


def settle_duplicate_entities(fi: FileIngest, statements: pa.Table) -> pa.Table:
    """List the entity lines of ``statements`` (this file's staged statements: statement_id, entity_id,
    schema, prop, value, source_id, origin_file, origin_line) that add nothing to the case in
    ``duplicates``, count them, and return the statements without them."""
    e = fi.case.engine
    with e.run() as run:
        staged = run.arrow(statements.select(["entity_id", "schema", "prop", "value", "origin_line"]),
                           hint="ftm_staged")
        held = ("SELECT x.origin_line AS line, x.entity_id AS key, "
                "min(CASE WHEN c.entity_id IS NOT NULL OR x.first_line < x.origin_line THEN 1 ELSE 0 END) AS dup "
                "FROM (SELECT s.*, min(s.origin_line) OVER (PARTITION BY s.entity_id, s.schema, s.prop, s.value) "
                f"AS first_line FROM {staged} s) x LEFT JOIN (SELECT DISTINCT entity_id, schema, prop, value FROM "
                "statements) c ON c.entity_id = x.entity_id AND c.schema = x.schema AND c.prop = x.prop "
                "AND c.value = x.value GROUP BY x.origin_line, x.entity_id")
        # The copy kept: the entity's first line in this file, else its first line in the case.
        dups_sql = (
            "SELECT d.line, d.key, CASE WHEN f.first_line < d.line THEN ? ELSE (SELECT min(l.ingest_id) FROM "
            "ingest_log l WHERE l.source_id = o.source_id AND l.file = o.origin_file) END AS kept_ingest_id, "
            "CASE WHEN f.first_line < d.line THEN f.first_line ELSE o.origin_line END AS kept_line "
            f"FROM ({held}) d JOIN (SELECT entity_id, min(origin_line) AS first_line FROM {staged} "
            "GROUP BY entity_id) f ON f.entity_id = d.key LEFT JOIN (SELECT entity_id, source_id, origin_file, "
            "origin_line FROM (SELECT entity_id, source_id, origin_file, origin_line, row_number() OVER "
            "(PARTITION BY entity_id ORDER BY first_seen, origin_line) AS n FROM statements WHERE prop = 'id') "
            "k WHERE n = 1) o ON o.entity_id = d.key WHERE d.dup = 1")
        dups = run.materialise(dups_sql, [fi.ingest_id], hint="entity_dups").name
        n = _record(fi, dups, "entities", "entity_id")
        lines = [int(r[0]) for r in e.rows(f"SELECT line FROM {dups}")] if n else []
    if not n:
        return statements
    fi.rows_stored -= n
    fi.rows_duplicate += n
    keep = pc.invert(pc.is_in(statements["origin_line"], value_set=pa.array(lines, pa.int64())))
    return statements.filter(keep)
