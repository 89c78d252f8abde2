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

from moneytrail.engine.scratch import Run, ScratchTable
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


def pattern_lines_sql(text: str) -> str:
    """Classify the lines of ``text`` (line, text) and number attempts: a row belongs to attempt n (the n-th
    BEGIN) when the last marker line before it is that BEGIN rather than an END."""
    return (
        "SELECT line, text, kind, "
        "sum(CASE WHEN kind = 'begin' THEN 1 ELSE 0 END) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING) AS n_begin, "
        "coalesce(max(CASE WHEN kind = 'begin' THEN line END) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING), 0) "
        "> coalesce(max(CASE WHEN kind = 'end' THEN line END) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING), 0) "
        "AS inside "
        "FROM (SELECT line, trim(rtrim(text, chr(13))) AS text, CASE "
        f"WHEN starts_with(trim(text), '{_BEGIN}') THEN 'begin' WHEN starts_with(trim(text), '{_END}') THEN 'end' "
        f"WHEN trim(rtrim(text, chr(13))) = '' THEN 'blank' ELSE 'row' END AS kind FROM {text}) t")


_CONTENT = ("ts", "from_account", "to_account", "amount", "currency", "amount_paid", "currency_paid", "channel")
_FIELDS = "length(text) - length(replace(text, ',', ''))"  # commas in a line: 10 for the 11 fields


def _columns(fi: FileIngest, table: str) -> list[str]:
    return list(fi.case.engine.query(f"SELECT * FROM {table} LIMIT 0").schema.names)


def _with_ids(fi: FileIngest, run: Run, rows: ScratchTable) -> ScratchTable:
    """``rows`` with each good row's txn_id: a matching transaction already in the case (``existing``),
    else the positional id of the file's first row with the same content (``first_k``)."""
    keys = ", ".join(_CONTENT)
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM k.{c}" for c in _CONTENT)
    existing = run.materialise(
        f"SELECT {', '.join('k.' + c for c in _CONTENT)}, min(t.txn_id) AS txn_id FROM (SELECT DISTINCT {keys} "
        f"FROM {rows} WHERE _reason IS NULL) k JOIN transactions t ON t.ts = k.ts AND t.from_account = k.from_account "
        f"AND {same} GROUP BY {', '.join('k.' + c for c in _CONTENT)}", hint="pat_existing")
    firsts = run.materialise(f"SELECT r.*, CASE WHEN r._reason IS NULL THEN min(r._k) OVER (PARTITION BY "
                             f"r._reason IS NULL, {', '.join('r.' + c for c in _CONTENT)}) END AS first_k "
                             f"FROM {rows} r", hint="pat_first")
    same_row = " AND ".join(f"x.{c} IS NOT DISTINCT FROM r.{c}" for c in _CONTENT)
    kept = ", ".join(f"r.{c}" for c in _columns(fi, str(firsts)) if c != "txn_id")
    return run.materialise(
        f"SELECT {kept}, CASE WHEN r._reason IS NULL THEN coalesce(x.txn_id, "
        f"{positional_id_sql(fi, 'r.first_k')}) ELSE r.txn_id END AS txn_id, "
        f"r._reason IS NULL AND x.txn_id IS NOT NULL AS existing FROM {firsts} r LEFT JOIN {existing} x "
        f"ON {same_row}", hint="pat_rows")


def relink_pattern_transactions(fi: FileIngest) -> int:
    """After a transactions file: transactions that an earlier patterns ingest stored and that this file
    also holds (same content) are replaced by this file's rows; truth links follow. Returns how many."""
    e = fi.case.engine
    if not e.scalar("SELECT count(*) FROM ingest_log WHERE kind = 'patterns'"):
        return 0
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM p.{c}" for c in _CONTENT)
    with e.run() as run:
        dups = run.materialise(
            "SELECT p.txn_id AS old_id, min(t.txn_id) AS new_id, min(p.label_typology) AS typology "
            "FROM transactions p JOIN transactions t ON t.ingest_no = ? "
            f"AND t.ts = p.ts AND t.from_account = p.from_account AND {same} "
            "WHERE p.ingest_no IN (SELECT ingest_no FROM ingest_log WHERE kind = 'patterns') GROUP BY p.txn_id",
            [fi.ingest_no], hint="pat_dups")
        moved = int(e.scalar(f"SELECT count(*) FROM {dups}"))
        if moved:
            with e.transaction():
                # The truth links move to the new ids: a key changes, so the rows are replaced, not updated.
                links = run.materialise("SELECT t.attempt_id, d.new_id AS txn_id FROM truth_transactions t "
                                        f"JOIN {dups} d ON d.old_id = t.txn_id", hint="pat_links")
                e.remove("truth_transactions", ["txn_id"], f"SELECT old_id AS txn_id FROM {dups}")
                e.append("truth_transactions", f"SELECT attempt_id, txn_id FROM {links}",
                         columns=["attempt_id", "txn_id"])
            e.upsert("transactions", ["txn_id", "ingest_no"], "SELECT new_id AS txn_id, CAST(? AS INTEGER) AS "
                     f"ingest_no, typology AS label_typology FROM {dups}", [fi.ingest_no], insert_missing=False)
            e.remove("transactions", ["txn_id", "ingest_no"], f"SELECT d.old_id AS txn_id, l.ingest_no FROM {dups} d "
                     "CROSS JOIN (SELECT ingest_no FROM ingest_log WHERE kind = 'patterns') l")
    return moved


def _staged_rows(fi: FileIngest, run: Run, lines: ScratchTable, *, reporting_currency: str,
                 rates: bool) -> ScratchTable:
    """Every row line, parsed (or with the reason it cannot be), with its attempt and its label."""
    e = fi.case.engine
    prefix = f"aml-{fi.file_hash[:10]}-"
    fields = ", ".join(f"split_part(text, ',', {i + 1}) AS c{i}" for i in range(len(_HEADER)))
    raw = f"(SELECT line AS _k, {fields} FROM {lines} WHERE kind = 'row' AND {_FIELDS} = 10) raw"
    cols = {name: f"c{i}" for i, name in enumerate(_HEADER)}
    parsed = run.materialise(
        "SELECT s.*, l.n_begin, l.inside, l.text FROM ("
        + transactions_stage_sql(AMLWORLD, cols, raw, reporting_currency=reporting_currency, has_rates=rates,
                                 delimiter=",")
        + f") s JOIN {lines} l ON l.line = s._k", hint="pat_parsed")
    names = _columns(fi, str(parsed))
    short = {"_k": "line", "_reason": f"'expected 11 comma-separated fields, found ' || "
             f"{e.dialect.text_sql(_FIELDS + ' + 1')}", "_raw": "text", "n_begin": "n_begin", "inside": "inside",
             "text": "text"}
    wrong = ", ".join(f"{short.get(c, 'NULL')} AS {c}" for c in names)
    everything = run.materialise(f"SELECT * FROM {parsed} UNION ALL SELECT {wrong} FROM {lines} "
                                 f"WHERE kind = 'row' AND {_FIELDS} <> 10", hint="pat_all")
    outside = "r._reason IS NULL AND NOT r.inside"
    reasons = {"_reason": f"CASE WHEN {outside} THEN 'transaction outside a laundering attempt' ELSE r._reason END",
               "_raw": f"CASE WHEN {outside} THEN r.text ELSE r._raw END",
               "label_typology": "coalesce(a.typology, r.label_typology)"}
    select = ", ".join(f"{reasons[c]} AS {c}" if c in reasons else f"r.{c}" for c in names)
    checked = run.materialise(
        f"SELECT {select} FROM {everything} r LEFT JOIN truth_attempts a "
        f"ON a.attempt_id = ? || lpad({e.dialect.text_sql('r.n_begin')}, 6, '0')", [prefix], hint="pat_checked")
    return _with_ids(fi, run, checked)


def _store(fi: FileIngest, run: Run, text: ScratchTable, *, reporting_currency: str, rates: bool) -> None:
    e = fi.case.engine
    prefix = f"aml-{fi.file_hash[:10]}-"
    lines = run.materialise(pattern_lines_sql(str(text)), hint="pat_lines")
    e.append(
        "truth_attempts",
        f"SELECT ? || lpad({e.dialect.text_sql('n_begin')}, 6, '0'), trim(ltrim(trim(split_part(rest, ':', 1)), '-')), "
        "nullif(trim(substr(rest, length(split_part(rest, ':', 1)) + 2)), ''), ?, ?, line "
        f"FROM (SELECT *, trim(substr(text, {len(_BEGIN) + 1})) AS rest FROM {lines} WHERE kind = 'begin') b",
        [prefix, fi.source.source_id, fi.origin],
        columns=["attempt_id", "typology", "detail", "source_id", "origin_file", "origin_line"])
    rows = _staged_rows(fi, run, lines, reporting_currency=reporting_currency, rates=rates)
    # Each distinct transaction once, from its first line, unless the case already has it.
    e.append(
        "transactions",
        "SELECT txn_id, ts, from_account, to_account, amount, currency, amount_paid, currency_paid, amount_rc, "
        f"channel, ?, _k, label, label_typology, CAST(? AS INTEGER) FROM {rows} r WHERE _reason IS NULL "
        "AND _k = first_k AND NOT existing", [fi.source.source_id, fi.ingest_no],
        columns=["txn_id", "ts", "from_account", "to_account", "amount", "currency", "amount_paid", "currency_paid",
                 "amount_rc", "channel", "source_id", "origin_line", "label", "label_typology", "ingest_no"])
    new_txns = int(e.scalar("SELECT count(*) FROM transactions WHERE ingest_no = ?", [fi.ingest_no]))
    e.append("truth_transactions", f"SELECT ? || lpad({e.dialect.text_sql('n_begin')}, 6, '0'), txn_id FROM {rows} "
             "WHERE _reason IS NULL ORDER BY _k", [prefix], columns=["attempt_id", "txn_id"])
    e.append("quarantine", f"SELECT ?, ?, _k, _raw, _reason FROM {rows} WHERE _reason IS NOT NULL",
             [fi.ingest_id, fi.origin], columns=["ingest_id", "file", "line", "raw", "reason"])
    counts = e.rows("SELECT count(*), count(*) FILTER (WHERE _reason IS NULL), count(DISTINCT txn_id) FILTER "
                    f"(WHERE _reason IS NULL) FROM {rows}")[0]
    fi.rows_read, fi.rows_stored = int(counts[0]), int(counts[1])
    fi.rows_quarantined = fi.rows_read - fi.rows_stored
    typologies = dict(e.rows("SELECT typology, count(*) FROM truth_attempts WHERE attempt_id LIKE ? "
                             "GROUP BY 1 ORDER BY 1", [prefix + "%"]))
    unclosed = int(e.scalar("SELECT count(*) FILTER (WHERE kind = 'begin') - count(*) FILTER (WHERE kind = 'end') "
                            f"FROM {lines}"))
    fi.details.update({"attempts": sum(typologies.values()), "typologies": typologies,
                       "distinct_transactions": int(counts[2]), "new_transactions": new_txns,
                       "repeated_rows": fi.rows_stored - int(counts[2]), "begins_minus_ends": unclosed})


def ingest_patterns(case: Case, path: Path | str, *, source: SourceRecord | None = None,
                    progress: Progress | None = None) -> IngestResult:
    results: list[IngestResult] = []
    p = Path(path)
    rates = has_rates(case)
    with file_ingest(case, p, "patterns", preset="amlworld", source=source, result=results) as fi:
        if fi is not None:
            if progress:
                progress("reading", 0, 2)
            with case.engine.run() as run:
                _store(fi, run, run.arrow(read_lines(fi.data), hint="pattern_text"),
                       reporting_currency=case.reporting_currency, rates=rates)
            if progress:
                progress("storing", 1, 2)
    return results[0]
