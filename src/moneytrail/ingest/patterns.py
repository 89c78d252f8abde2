"""AMLworld ``*_Patterns.txt``: laundering attempts with their transactions -> transactions + ground truth.

Blocks ``BEGIN LAUNDERING ATTEMPT - TYPE[: detail]`` ... ``END LAUNDERING ATTEMPT - TYPE`` hold rows in the
``*_Trans.csv`` format. Counting: every transaction row read is either quarantined (unparseable, or
outside any attempt) or stored as one ``truth_transactions`` row linking it to its attempt. The
``transactions`` table gets each distinct transaction once: a row whose content (time, accounts,
amounts, currencies, format) equals an earlier row of the file, or a transaction already in the case
(e.g. from the ``*_Trans.csv`` file), is linked to that transaction instead of being stored twice. New
transactions get the id ``<file hash prefix>:<line>``. When the ``*_Trans.csv`` file comes after the
patterns, its rows replace the patterns' copies and the truth links move to them
(``relink_pattern_transactions``).
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa

from moneytrail.ingest.filelog import FileIngest, file_ingest
from moneytrail.ingest.mapping import AMLWORLD
from moneytrail.ingest.result import IngestError, IngestResult, Progress
from moneytrail.ingest.transactions import has_rates, positional_id_sql, transactions_stage_sql
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord

_HEADER = ["Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Received", "Receiving Currency",
           "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering"]
_BEGIN = "BEGIN LAUNDERING ATTEMPT"
_END = "END LAUNDERING ATTEMPT"


def read_lines(path: Path) -> pa.Table:
    """(line, text) for every line of the file; undecodable text is an error naming its line."""
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(f"{path}: cannot read: {exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IngestError(f"{path}: line {line}: not UTF-8 text ({exc.reason}); re-encode the file") from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return pa.table({"line": pa.array(np.arange(1, len(lines) + 1, dtype=np.int64)), "text": pa.array(lines)})


def pattern_lines_sql() -> str:
    """Classify lines and number attempts: a row belongs to attempt n (the n-th BEGIN) when the last marker
    line before it is that BEGIN rather than an END."""
    return (
        "SELECT line, text, kind, "
        "sum(CASE WHEN kind = 'begin' THEN 1 ELSE 0 END) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING) AS n_begin, "
        "coalesce(max(CASE WHEN kind = 'begin' THEN line END) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING), 0) "
        "> coalesce(max(CASE WHEN kind = 'end' THEN line END) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING), 0) "
        "AS inside "
        "FROM (SELECT line, trim(rtrim(text, chr(13))) AS text, CASE "
        f"WHEN starts_with(trim(text), '{_BEGIN}') THEN 'begin' WHEN starts_with(trim(text), '{_END}') THEN 'end' "
        "WHEN trim(rtrim(text, chr(13))) = '' THEN 'blank' ELSE 'row' END AS kind FROM _pattern_text) t")


_CONTENT = ("ts", "from_account", "to_account", "amount", "currency", "amount_paid", "currency_paid", "channel")


def _assign_ids(fi: FileIngest, *, prefix_line: str) -> None:
    """txn_id of each good row: a matching transaction already in the case, else the id of the file's
    first row with the same content."""
    e = fi.case.engine
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM k.{c}" for c in _CONTENT)
    keys = ", ".join(_CONTENT)
    e.execute(f"CREATE OR REPLACE TEMP TABLE _pat_existing AS SELECT {', '.join('k.' + c for c in _CONTENT)}, "
              f"min(t.txn_id) AS txn_id FROM (SELECT DISTINCT {keys} FROM _pat_rows WHERE _reason IS NULL) k "
              f"JOIN transactions t ON t.ts = k.ts AND t.from_account = k.from_account AND {same} "
              f"GROUP BY {', '.join('k.' + c for c in _CONTENT)}")
    e.execute("ALTER TABLE _pat_rows ADD COLUMN first_k BIGINT")
    e.execute("ALTER TABLE _pat_rows ADD COLUMN existing BOOLEAN")
    same_row = " AND ".join(f"x.{c} IS NOT DISTINCT FROM r.{c}" for c in _CONTENT)
    e.upsert("_pat_rows", ["_k"], f"SELECT _k, min(_k) OVER (PARTITION BY {keys}) AS first_k FROM _pat_rows "
             "WHERE _reason IS NULL", insert_missing=False)
    e.upsert("_pat_rows", ["_k"], f"SELECT _k, {prefix_line} AS txn_id, false AS existing FROM _pat_rows "
             "WHERE _reason IS NULL", insert_missing=False)
    e.upsert("_pat_rows", ["_k"], f"SELECT r._k, x.txn_id, true AS existing FROM _pat_rows r JOIN _pat_existing x "
             f"ON {same_row} WHERE r._reason IS NULL", insert_missing=False)
    e.execute("DROP TABLE _pat_existing")


def relink_pattern_transactions(fi: FileIngest) -> int:
    """After a transactions file: transactions that an earlier patterns ingest stored and that this file
    also holds (same content) are replaced by this file's rows; truth links follow. Returns how many."""
    e = fi.case.engine
    if not e.scalar("SELECT count(*) FROM ingest_log WHERE kind = 'patterns'"):
        return 0
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM p.{c}" for c in _CONTENT)
    e.execute("CREATE OR REPLACE TEMP TABLE _pat_dups AS SELECT p.txn_id AS old_id, min(t.txn_id) AS new_id, "
              "min(p.label_typology) AS typology FROM transactions p JOIN transactions t ON t.ingest_no = ? "
              f"AND t.ts = p.ts AND t.from_account = p.from_account AND {same} "
              "WHERE p.ingest_no IN (SELECT ingest_no FROM ingest_log WHERE kind = 'patterns') GROUP BY p.txn_id",
              [fi.ingest_no])
    moved = int(e.scalar("SELECT count(*) FROM _pat_dups"))
    if moved:
        with e.transaction(), e.run() as run:
            # The truth links move to the new ids: a key changes, so the rows are replaced, not updated.
            links = run.materialise("SELECT t.attempt_id, d.new_id AS txn_id FROM truth_transactions t "
                                    "JOIN _pat_dups d ON d.old_id = t.txn_id", hint="pat_links")
            e.remove("truth_transactions", ["txn_id"], "SELECT old_id AS txn_id FROM _pat_dups")
            e.append("truth_transactions", f"SELECT attempt_id, txn_id FROM {links}", columns=["attempt_id", "txn_id"])
        e.upsert("transactions", ["txn_id", "ingest_no"], "SELECT new_id AS txn_id, CAST(? AS INTEGER) AS ingest_no, "
                 "typology AS label_typology FROM _pat_dups", [fi.ingest_no], insert_missing=False)
        e.remove("transactions", ["txn_id", "ingest_no"], "SELECT d.old_id AS txn_id, l.ingest_no FROM _pat_dups d "
                 "CROSS JOIN (SELECT ingest_no FROM ingest_log WHERE kind = 'patterns') l")
    e.execute("DROP TABLE _pat_dups")
    return moved


def _store(fi: FileIngest, *, reporting_currency: str, rates: bool) -> None:
    e = fi.case.engine
    prefix = f"aml-{fi.file_hash[:10]}-"
    e.execute(f"CREATE OR REPLACE TEMP TABLE _pat_lines AS {pattern_lines_sql()}")
    e.execute(
        "INSERT INTO truth_attempts (attempt_id, typology, detail, source_id, origin_file, origin_line) "
        f"SELECT ? || lpad(CAST(n_begin AS VARCHAR), 6, '0'), trim(ltrim(trim(split_part(rest, ':', 1)), '-')), "
        "nullif(trim(substr(rest, length(split_part(rest, ':', 1)) + 2)), ''), ?, ?, line "
        f"FROM (SELECT *, trim(substr(text, {len(_BEGIN) + 1})) AS rest FROM _pat_lines WHERE kind = 'begin') b",
        [prefix, fi.source.source_id, fi.origin])
    fields = ", ".join(f"split_part(text, ',', {i + 1}) AS c{i}" for i in range(len(_HEADER)))
    raw = (f"(SELECT line AS _k, {fields} FROM _pat_lines WHERE kind = 'row' "
           "AND length(text) - length(replace(text, ',', '')) = 10) raw")
    cols = {name: f"c{i}" for i, name in enumerate(_HEADER)}
    e.execute("CREATE OR REPLACE TEMP TABLE _pat_rows AS SELECT s.*, l.n_begin, l.inside, l.text FROM ("
              + transactions_stage_sql(AMLWORLD, cols, raw, reporting_currency=reporting_currency, has_rates=rates,
                                       delimiter=",")
              + ") s JOIN _pat_lines l ON l.line = s._k")
    e.execute("INSERT INTO _pat_rows (_k, _reason, _raw, n_begin, inside, text) SELECT line, "
              "'expected 11 comma-separated fields, found ' || "
              "CAST(length(text) - length(replace(text, ',', '')) + 1 AS VARCHAR), text, n_begin, inside, text "
              "FROM _pat_lines WHERE kind = 'row' AND length(text) - length(replace(text, ',', '')) <> 10")
    e.upsert("_pat_rows", ["_k"], "SELECT _k, 'transaction outside a laundering attempt' AS _reason, text AS _raw "
             "FROM _pat_rows WHERE _reason IS NULL AND NOT inside", insert_missing=False)
    e.upsert("_pat_rows", ["_k"], "SELECT r._k, a.typology AS label_typology FROM _pat_rows r JOIN truth_attempts a "
             "ON a.attempt_id = ? || lpad(CAST(r.n_begin AS VARCHAR), 6, '0')", [prefix], insert_missing=False)
    _assign_ids(fi, prefix_line=positional_id_sql(fi, "first_k"))
    # Each distinct transaction once, from its first line, unless the case already has it.
    e.execute(
        "INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, amount_paid, "
        "currency_paid, amount_rc, channel, source_id, origin_line, label, label_typology, ingest_no) "
        "SELECT txn_id, ts, from_account, to_account, amount, currency, amount_paid, currency_paid, amount_rc, "
        "channel, ?, _k, label, label_typology, CAST(? AS INTEGER) FROM _pat_rows r WHERE _reason IS NULL "
        "AND _k = first_k AND NOT existing",
        [fi.source.source_id, fi.ingest_no])
    new_txns = int(e.scalar("SELECT count(*) FROM transactions WHERE ingest_no = ?", [fi.ingest_no]))
    e.execute("INSERT INTO truth_transactions (attempt_id, txn_id) SELECT ? || lpad(CAST(n_begin AS VARCHAR), 6, '0'), "
              "txn_id FROM _pat_rows WHERE _reason IS NULL ORDER BY _k", [prefix])
    e.execute("INSERT INTO quarantine (ingest_id, file, line, raw, reason) SELECT ?, ?, _k, _raw, _reason "
              "FROM _pat_rows WHERE _reason IS NOT NULL", [fi.ingest_id, fi.origin])
    counts = e.rows("SELECT count(*), count(*) FILTER (WHERE _reason IS NULL), count(DISTINCT txn_id) FILTER "
                    "(WHERE _reason IS NULL) FROM _pat_rows")[0]
    fi.rows_read, fi.rows_stored = int(counts[0]), int(counts[1])
    fi.rows_quarantined = fi.rows_read - fi.rows_stored
    typologies = dict(e.rows("SELECT typology, count(*) FROM truth_attempts WHERE attempt_id LIKE ? "
                             "GROUP BY 1 ORDER BY 1", [prefix + "%"]))
    unclosed = int(e.scalar("SELECT count(*) FILTER (WHERE kind = 'begin') - count(*) FILTER (WHERE kind = 'end') "
                            "FROM _pat_lines"))
    fi.details.update({"attempts": sum(typologies.values()), "typologies": typologies,
                       "distinct_transactions": int(counts[2]), "new_transactions": new_txns,
                       "repeated_rows": fi.rows_stored - int(counts[2]), "begins_minus_ends": unclosed})
    e.execute("DROP TABLE _pat_rows")
    e.execute("DROP TABLE _pat_lines")


def ingest_patterns(case: Case, path: Path | str, *, source: SourceRecord | None = None,
                    progress: Progress | None = None) -> IngestResult:
    results: list[IngestResult] = []
    p = Path(path)
    rates = has_rates(case)
    with file_ingest(case, p, "patterns", preset="amlworld", source=source, result=results) as fi:
        if fi is not None:
            if progress:
                progress("reading", 0, 2)
            case.engine.register_arrow("_pattern_text", read_lines(fi.data))
            try:
                _store(fi, reporting_currency=case.reporting_currency, rates=rates)
            finally:
                case.engine.unregister("_pattern_text")
            if progress:
                progress("storing", 1, 2)
    return results[0]
