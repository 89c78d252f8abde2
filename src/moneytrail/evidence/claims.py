"""Claims: subject-relation-object statements with time, amount and source.

They come from an analyst's claims file (CSV or YAML; status ``asserted``) or from pattern-based
extraction in documents (status ``extracted``), which count only once an analyst confirms them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from moneytrail.evidence.attribution import rebuild_origins
from moneytrail.evidence.mentions import NameIndex
from moneytrail.model.admiralty import RELIABILITY_LABELS
from moneytrail.model.ids import stable_id
from moneytrail.model.names import name_key
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord, upsert_source

KNOWN_RELATIONS = ("financed", "paid", "laundered-through", "coordinated", "attacked")
STATUSES = ("asserted", "extracted", "confirmed", "rejected")
REQUIRED_COLUMNS = ("subject", "relation", "object", "source_id")


class ClaimsFileError(ValueError):
    """A claims file that cannot be read; the message names file, line and reason."""


@dataclass(frozen=True)
class ClaimRow:
    subject: str
    relation: str
    object: str
    source_id: str
    claim_date: date | None = None
    amount: float | None = None
    currency: str | None = None
    reliability: str | None = None
    credibility: int | None = None
    subject_entity_id: str | None = None
    object_entity_id: str | None = None
    status: str = "asserted"
    quote: str | None = None
    document_id: str | None = None
    start_pos: int | None = None
    end_pos: int | None = None
    origin_file: str | None = None
    origin_line: int | None = None


def normalize_relation(text: str) -> str:
    """'Laundered through' and 'laundered_through' both become 'laundered-through'."""
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def canonical_ids(case: Case) -> dict[str, str]:
    return {str(a): str(b) for a, b in case.engine.rows("SELECT entity_id, canonical_id FROM entity_canonical")}


def claim_key(row: ClaimRow, canonical: dict[str, str]) -> str:
    """What makes two claims 'the same claim': who, what relation, to whom (resolved ids if known)."""
    def part(name: str, entity_id: str | None) -> str:
        return canonical.get(entity_id, entity_id) if entity_id else "name:" + name_key(name, None)
    return f"{part(row.subject, row.subject_entity_id)}|{row.relation}|{part(row.object, row.object_entity_id)}"


def _parse_row(raw: dict[str, Any], where: str, index: NameIndex | None) -> ClaimRow:
    def text(col: str) -> str | None:
        value = raw.get(col)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    missing = [c for c in REQUIRED_COLUMNS if not text(c)]
    if missing:
        raise ClaimsFileError(f"{where}: missing {', '.join(missing)}")
    relation = normalize_relation(str(text("relation")))
    if not re.fullmatch(r"[a-z][a-z-]*", relation):
        raise ClaimsFileError(f"{where}: relation {text('relation')!r} is not a word like {KNOWN_RELATIONS[0]!r}")
    try:
        day = date.fromisoformat(str(text("date"))[:10]) if text("date") else None
    except ValueError as exc:
        raise ClaimsFileError(f"{where}: date {text('date')!r} is not YYYY-MM-DD") from exc
    try:
        amount = float(str(text("amount")).replace(",", "")) if text("amount") else None
    except ValueError as exc:
        raise ClaimsFileError(f"{where}: amount {text('amount')!r} is not a number") from exc
    currency = text("currency")
    if amount is not None and not currency:
        raise ClaimsFileError(f"{where}: amount {amount} has no currency")
    reliability, credibility = text("reliability"), text("credibility")
    if reliability is not None and reliability.upper() not in RELIABILITY_LABELS:
        raise ClaimsFileError(f"{where}: reliability {reliability!r} is not one of A-F")
    if credibility is not None and credibility not in {"1", "2", "3", "4", "5", "6"}:
        raise ClaimsFileError(f"{where}: credibility {credibility!r} is not one of 1-6")
    subject, obj = str(text("subject")), str(text("object"))
    subj_match = index.best_match(subject) if index else None
    obj_match = index.best_match(obj) if index else None
    return ClaimRow(subject=subject, relation=relation, object=obj, source_id=str(text("source_id")),
                    claim_date=day, amount=amount, currency=currency.upper() if currency else None,
                    reliability=reliability.upper() if reliability else None,
                    credibility=int(credibility) if credibility else None,
                    subject_entity_id=subj_match[0] if subj_match else None,
                    object_entity_id=obj_match[0] if obj_match else None)


def read_claims_file(path: Path, index: NameIndex | None = None) -> list[ClaimRow]:
    """Rows of a claims CSV or YAML (a list of mappings with the CSV's column names)."""
    if not path.is_file():
        raise ClaimsFileError(f"{path}: no such file")
    rows: list[ClaimRow] = []
    if path.suffix.lower() in {".yaml", ".yml"}:
        try:
            node = yaml.compose(path.read_text(encoding="utf-8"))
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ClaimsFileError(f"{path}: not valid YAML ({exc})") from exc
        if isinstance(data, dict) and "claims" in data:
            data = data["claims"]
            node = next(v for k, v in node.value if k.value == "claims") if node is not None else None
        if not isinstance(data, list):
            raise ClaimsFileError(f"{path}: expected a list of claims")
        for i, item in enumerate(data):
            line = node.value[i].start_mark.line + 1 if node is not None else i + 1
            if not isinstance(item, dict):
                raise ClaimsFileError(f"{path}:{line}: a claim must be a mapping")
            rows.append(_with_origin(_parse_row(item, f"{path}:{line}", index), path, line))
        return rows
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        absent = [c for c in REQUIRED_COLUMNS if c not in header]
        if absent:
            raise ClaimsFileError(f"{path}:1: header lacks column(s) {', '.join(absent)}; "
                                  "expected subject,relation,object,date,amount,currency,source_id")
        for raw in reader:
            line = reader.line_num
            rows.append(_with_origin(_parse_row(raw, f"{path}:{line}", index), path, line))
    return rows


def _with_origin(row: ClaimRow, path: Path, line: int) -> ClaimRow:
    return ClaimRow(**{**row.__dict__, "origin_file": str(path), "origin_line": line})


_CLAIM_SCHEMA = pa.schema([
    ("claim_id", pa.string()), ("claim_key", pa.string()), ("subject", pa.string()), ("relation", pa.string()),
    ("object", pa.string()), ("subject_entity_id", pa.string()), ("object_entity_id", pa.string()),
    ("claim_date", pa.date32()), ("amount", pa.float64()), ("currency", pa.string()), ("source_id", pa.string()),
    ("status", pa.string()), ("reliability", pa.string()), ("credibility", pa.int32()), ("quote", pa.string()),
    ("document_id", pa.string()), ("start_pos", pa.int64()), ("end_pos", pa.int64()),
    ("origin_file", pa.string()), ("origin_line", pa.int64()),
])


def claim_id(row: ClaimRow) -> str:
    return stable_id("claim", row.source_id, row.subject, row.relation, row.object, row.claim_date, row.amount,
                     row.currency, row.document_id, row.start_pos)


def store_claims(case: Case, rows: list[ClaimRow]) -> int:
    """Insert claims; a claim already stored keeps its status (an analyst's decision is not undone by
    re-running extraction). Sources named but not yet registered are added as placeholders, graded
    as unknown until their sources file says otherwise. Returns the number of new claims."""
    if not rows:
        return 0
    canonical = canonical_ids(case)
    known = {str(r[0]) for r in case.engine.rows("SELECT source_id FROM sources")}
    for sid in sorted({r.source_id for r in rows} - known):
        upsert_source(case, SourceRecord(source_id=sid, kind="unknown", title=sid,
                                         notes="named by a claim before its source was registered"))
    unique = list({claim_id(r): r for r in rows}.values())
    table = pa.Table.from_pylist([{
        "claim_id": claim_id(r), "claim_key": claim_key(r, canonical), "subject": r.subject, "relation": r.relation,
        "object": r.object, "subject_entity_id": r.subject_entity_id, "object_entity_id": r.object_entity_id,
        "claim_date": r.claim_date, "amount": r.amount, "currency": r.currency, "source_id": r.source_id,
        "status": r.status, "reliability": r.reliability, "credibility": r.credibility, "quote": r.quote,
        "document_id": r.document_id, "start_pos": r.start_pos, "end_pos": r.end_pos,
        "origin_file": r.origin_file, "origin_line": r.origin_line} for r in unique], schema=_CLAIM_SCHEMA)
    e = case.engine
    with e.transaction(), e.run() as run:
        new = run.arrow(table, hint="new_claims").name
        added = e.append("claims", f"SELECT * FROM {new} n WHERE NOT EXISTS "
                         "(SELECT 1 FROM claims c WHERE c.claim_id = n.claim_id)", columns=_CLAIM_SCHEMA.names)
    rebuild_origins(case)
    return added


def set_claim_status(case: Case, claim_id: str, status: str) -> None:
    """Confirm or reject a claim (only extracted or already-decided claims; asserted ones are the
    analyst's own)."""
    if status not in {"confirmed", "rejected", "extracted"}:
        raise ValueError(f"status must be confirmed, rejected or extracted, not {status!r}")
    current = case.engine.scalar("SELECT status FROM claims WHERE claim_id = ?", [claim_id])
    if current is None:
        raise KeyError(f"no claim {claim_id!r}")
    if current == "asserted":
        raise ValueError(f"claim {claim_id} was asserted in a claims file; edit the file instead")
    text = case.engine.dialect.text_sql("?")
    case.engine.upsert("claims", ["claim_id"], f"SELECT {text} AS claim_id, {text} AS status",
                       [claim_id, status], insert_missing=False)


def list_claims(case: Case, *, status: str | None = None) -> list[dict[str, Any]]:
    sql = ("SELECT c.claim_id, c.subject, c.relation, c.object, c.claim_date, c.amount, c.currency, c.source_id, "
           "c.status, g.reliability, g.credibility, c.quote, c.subject_entity_id, c.object_entity_id, c.claim_key "
           "FROM claims c JOIN claim_grades g ON g.claim_id = c.claim_id"
           + (" WHERE c.status = ?" if status else "") + " ORDER BY c.claim_date NULLS LAST, c.claim_id")
    rows: list[dict[str, Any]] = case.engine.query(sql, [status] if status else None).to_pylist()
    return rows
