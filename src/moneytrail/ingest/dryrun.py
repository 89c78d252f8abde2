"""What a dry run shows: the first parsed rows, the encoding and layout used, every quarantine reason
with its count and an example, and, when most rows fail, what the data looks like and what to try.

Runs inside the ingest's transaction, before it is rolled back; reads only this ingest's rows (a few
hundred at most go to Python: the first rows and a sample of bad lines).
"""

from __future__ import annotations

import re
from typing import Any

from moneytrail.ingest.filelog import FileIngest
from moneytrail.ingest.mapping import Mapping

FIRST_ROWS = 10
SAMPLE = 200

_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d{1,3}(\.\d{3})*,\d+\s*$|^\s*[-+]?\d+,\d+\s*$")
_DECIMAL_POINT_THOUSANDS_COMMA = re.compile(r"^\s*[-+]?\d{1,3}(,\d{3})+(\.\d+)?\s*$")
_DATE_FORMATS = ((re.compile(r"^\d{2}\.\d{2}\.\d{4}"), "%d.%m.%Y"), (re.compile(r"^\d{2}\.\d{2}\.\d{2}$"), "%d.%m.%y"),
                 (re.compile(r"^\d{2}/\d{2}/\d{4}"), "%d/%m/%Y (or %m/%d/%Y)"), (re.compile(r"^\d{8}$"), "%Y%m%d"),
                 (re.compile(r"^\d{6}$"), "%y%m%d"), (re.compile(r"^\d{2}-\d{2}-\d{4}"), "%d-%m-%Y"))


def reason_kind(reason: str) -> str:
    """A reason without its quoted value, so that reasons group: "unparseable amount '1,5'" ->
    "unparseable amount"."""
    return re.split(r" '|: ", reason, maxsplit=1)[0].strip()


def describe_ingest(fi: FileIngest, m: Mapping) -> dict[str, Any]:
    e = fi.case.engine
    first = e.rows(
        "SELECT origin_line, txn_id, CAST(ts AS VARCHAR), from_account, to_account, amount, currency, channel, memo "
        "FROM transactions WHERE ingest_no = ? ORDER BY origin_line LIMIT ?", [fi.ingest_no, FIRST_ROWS])
    # Grouped in SQL (a failed file may have millions of bad rows); the kind drops the quoted value.
    kind = "trim(regexp_replace(reason, ' ''.*$|: .*$', ''))"
    groups = e.rows(f"SELECT {kind} AS k, count(*), min(line) FROM quarantine WHERE ingest_id = ? GROUP BY k "
                    "ORDER BY count(*) DESC, k", [fi.ingest_id])
    reasons: dict[str, dict[str, Any]] = {}
    for k, count, line in groups:
        example = e.scalar(f"SELECT min(reason) FROM quarantine WHERE ingest_id = ? AND {kind} = ? AND "
                           "line IS NOT DISTINCT FROM ?", [fi.ingest_id, k, line])
        reasons[str(k)] = {"count": int(count), "first_line": line, "example": example}
    bad = e.rows("SELECT line, raw, reason FROM quarantine WHERE ingest_id = ? ORDER BY line LIMIT ?",
                 [fi.ingest_id, SAMPLE])
    layout = fi.layout
    return {
        "encoding": fi.details.get("encoding"),
        "layout": {"delimiter": m.delimiter, "decimal": m.decimal, "thousands": m.thousands,
                   "gzip": bool(layout and layout.gzip), "lines": layout.body_lines if layout else None,
                   "one_record_per_line": bool(layout and not layout.why_not),
                   "why_not": layout.why_not if layout else None},
        "first_rows": [dict(zip(("line", "txn_id", "ts", "from_account", "to_account", "amount", "currency",
                                 "channel", "memo"), row, strict=True)) for row in first],
        "quarantine_reasons": reasons,
        "hints": hints(fi, m, [(str(r[2]), str(r[1] or "")) for r in bad]),
    }


def _field_values(reasons: list[tuple[str, str]], kind: str) -> list[str]:
    """The quoted values of the reasons of one kind ("unparseable amount '1,5'" -> "1,5")."""
    out = []
    for reason, _raw in reasons:
        if reason.startswith(kind) and "'" in reason:
            out.append(reason.split("'", 1)[1].rsplit("'", 1)[0])
    return out


def hints(fi: FileIngest, m: Mapping, reasons: list[tuple[str, str]]) -> list[str]:
    """What the data looks like, when at least half of the rows read were quarantined."""
    if not fi.rows_read or fi.rows_quarantined * 2 < fi.rows_read:
        return []
    out: list[str] = []
    amounts = _field_values(reasons, "unparseable amount")
    if amounts:
        if sum(bool(_DECIMAL_COMMA.match(a)) for a in amounts) * 2 >= len(amounts):
            dots = any("." in a for a in amounts)
            out.append("amounts look like decimal commas: try decimal = ','" + (" and thousands = '.'" if dots else ""))
        elif sum(bool(_DECIMAL_POINT_THOUSANDS_COMMA.match(a)) for a in amounts) * 2 >= len(amounts):
            out.append("amounts look like thousands commas: try thousands = ','")
    stamps = _field_values(reasons, "unparseable timestamp")
    for pattern, fmt in _DATE_FORMATS:
        if stamps and sum(bool(pattern.match(t)) for t in stamps) * 2 >= len(stamps):
            out.append(f"timestamps look like {stamps[0]!r}: try timestamp_formats = ['{fmt}']"
                       + ("; numbers may also be time steps: set step_base_date and step_unit" if fmt in
                          ("%Y%m%d", "%y%m%d") else ""))
            break
    else:
        if stamps and all(t.isdigit() for t in stamps):
            out.append("timestamps are whole numbers: time steps? set step_base_date and step_unit")
    kinds = {reason_kind(r) for r, _ in reasons}
    if any("encoding" in k.lower() or "unicode" in k.lower() for k in kinds):
        out.append("lines are not valid UTF-8: try encoding = 'cp1252' (or 'latin-1')")
    if "missing to_account" in kinds or "missing from_account" in kinds:
        out.append("rows lack one side: a single-account statement? give [statement] account = '...' and a "
                   "counterparty column; cash, fee and interest legs then go to counterpart nodes")
    if any(k.startswith("unknown direction") for k in kinds):
        out.append(f"direction values are not among debit {list(m.debit_values)} / credit {list(m.credit_values)}")
    if any(k.startswith("unknown currency") for k in kinds):
        out.append("currency values are not codes: map names in [currency_names] or state default_currency")
    return out
