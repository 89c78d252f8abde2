"""Screening: the case's people and organisations against a sanctions or PEP list (FtM JSONL).

The list is featurised exactly like case records and compared with the same blocking and scoring,
so a screening hit carries the same explanation as a resolution match, plus the list's programme,
reason and authority. Hits become findings of kind ``screen`` citing the case entity, its statements,
the sources they came from and the list.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from moneytrail.engine.scratch import Run
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.resolve.blocking import DEFAULT_MAX_BLOCK, cross_pairs_sql
from moneytrail.resolve.features import NAME_PROPS, PROP_CLASSES, extract_features, party_names_sql
from moneytrail.resolve.listfile import ListFile, read_list
from moneytrail.resolve.scoring import Thresholds, score_pairs
from moneytrail.resolve.stage import ScreenParams, screen_stamp
from moneytrail.store.case import Case
from moneytrail.store.findings import write_findings
from moneytrail.store.sources import SourceRecord, upsert_source

_EVIDENCE_PROPS = (*NAME_PROPS, "firstName", "lastName", *PROP_CLASSES)


@dataclass(frozen=True)
class ScreenHit:
    entity_id: str
    canonical_id: str
    list_entity_id: str
    entity_name: str
    list_name: str
    probability: float
    decision: str
    typology: str
    programme: list[str]
    reason: list[str]
    authority: list[str]
    explanation: dict[str, Any]
    finding_id: str


def _typology(lst: ListFile, list_entity_id: str) -> str:
    topics = lst.topics.get(list_entity_id, [])
    if list_entity_id in lst.sanctions or any(t.startswith("sanction") for t in topics):
        return "sanctions"
    return "pep" if any(t.startswith("role.pep") for t in topics) else "watchlist"


def _case_feature_tables(case: Case, run: Run) -> tuple[str, str, str]:
    """(names, props, keys) relations for the case: stored by resolve when it has seen every party
    entity, else computed now (so entities ingested after the last resolve are screened too)."""
    seen = int(case.engine.scalar("SELECT count(*) FROM resolve_records"))
    unseen = int(case.engine.scalar(f"SELECT count(DISTINCT entity_id) FROM ({party_names_sql(only_new=True)}) n"))
    if seen > 0 and unseen == 0:
        return "resolve_names", "resolve_props", "resolve_keys"
    features = extract_features(case.engine)
    return (run.arrow(features.names, hint="sc_names").name, run.arrow(features.props, hint="sc_props").name,
            run.arrow(features.keys, hint="sc_keys").name)


def screen_case(case: Case, list_path: Path | str, *, source_id: str | None = None,
                thresholds: Thresholds | None = None, max_block: int = DEFAULT_MAX_BLOCK) -> list[ScreenHit]:
    """Screen every party entity of the case against the list; store hits and findings."""
    thresholds = thresholds or Thresholds()
    path = Path(list_path)
    lst = read_list(path)
    source_id = source_id or f"list:{path.stem}"
    upsert_source(case, SourceRecord(source_id, "sanctions_list", path.name, path=str(path),
                                     content_hash=hashlib.sha256(path.read_bytes()).hexdigest()[:32],
                                     retrieved_at=datetime.now(UTC).replace(tzinfo=None)))
    engine = case.engine
    with engine.run() as run:
        statements = run.arrow(lst.statements, hint="sl_statements").name
        listed = extract_features(engine, statements, with_accounts=False)
        l_names, l_props = run.arrow(listed.names, hint="sl_names").name, run.arrow(listed.props, hint="sl_props").name
        l_keys = run.arrow(listed.keys, hint="sl_keys").name
        names, props, keys = _case_feature_tables(case, run)
        cand = run.materialise(cross_pairs_sql(keys, l_keys, max_block=max_block), hint="sl_cand").name
        population = int(engine.scalar(f"SELECT count(DISTINCT entity_id) FROM {names}"))
        table = score_pairs(engine, cand, (names, props), (l_names, l_props), thresholds,
                            keep_below=thresholds.review, population=population, into=engine.scratch_name("sl_scored"),
                            scratch=lambda stem: engine.scratch_name(f"sl_{stem}"))
        itself = _entities_from_list_file(case, path)
        # Pairs kept only as negative evidence for clustering ('distinct') are no hits.
        scored = [r for r in engine.query(f"SELECT * FROM {table} WHERE decision <> 'distinct'").to_pylist()
                  if str(r["left_id"]) not in itself]
        engine.drop_scratch(table)
    return _store_hits(case, lst, source_id, scored, thresholds)


def _entities_from_list_file(case: Case, path: Path) -> set[str]:
    """Case entities known only from this very list file (ingested into the case as entities too): a
    list never matches itself. The file is recognised by its path or its content (SHA-1, as ingest)."""
    data = path.read_bytes()
    paths = sorted({str(path), str(path.resolve())})
    rows = case.engine.rows(
        "SELECT st.entity_id FROM statements st JOIN sources so ON so.source_id = st.source_id GROUP BY st.entity_id "
        "HAVING min(CASE WHEN so.path IN (?, ?) OR so.content_hash = ? THEN 1 ELSE 0 END) = 1",
        [paths[0], paths[-1], hashlib.sha1(data).hexdigest()])
    return {str(r[0]) for r in rows}


def _entity_refs(case: Case, entity_ids: list[str]) -> dict[str, list[FindingRef]]:
    """Statements (names and evidence) and their sources, per case entity."""
    if not entity_ids:
        return {}
    engine = case.engine
    props = ", ".join(f"'{p}'" for p in _EVIDENCE_PROPS)
    with engine.run() as run:
        ids = run.arrow(pa.table({"entity_id": pa.array(entity_ids, pa.string())}), hint="sl_ids").name
        rows = engine.rows(f"SELECT s.entity_id, s.statement_id, s.prop, s.source_id FROM statements s "
                           f"JOIN {ids} i ON i.entity_id = s.entity_id WHERE s.prop IN ({props}) ORDER BY 1, 2")
    out: dict[str, list[FindingRef]] = {}
    for entity_id, statement, prop, source in rows:
        refs = out.setdefault(str(entity_id), [])
        role = "name" if prop in (*NAME_PROPS, "firstName", "lastName") else "evidence"
        refs.append(FindingRef("statement", str(statement), role))
        ref = FindingRef("source", str(source), "case source")
        if ref not in refs:
            refs.append(ref)
    return out


def _store_hits(case: Case, lst: ListFile, source_id: str, scored: list[dict[str, Any]],
                thresholds: Thresholds) -> list[ScreenHit]:
    engine = case.engine
    canonical = dict(engine.rows("SELECT entity_id, canonical_id FROM entity_canonical"))
    refs = _entity_refs(case, sorted({str(r["left_id"]) for r in scored}))
    findings: list[Finding] = []
    hits: list[ScreenHit] = []
    for row in sorted(scored, key=lambda r: (-float(r["probability"]), r["left_id"], r["right_id"])):
        info = lst.sanctions.get(row["right_id"])
        programme, reason, authority = (info.programme, info.reason, info.authority) if info else ([], [], [])
        typology = _typology(lst, row["right_id"])
        explanation = json.loads(row["explanation"])
        signals = "; ".join(f"{s['signal']}: {s['rule']} ({s['weight']:+.1f})" for s in explanation["signals"])
        listing = ", ".join(programme) or typology
        finding = Finding(
            kind="screen", typology=typology,
            title=f"{row['left_name']} matches {typology} list entry {row['right_name']}",
            explanation=(f"Case entity {row['left_id']} ({row['left_name']}) matches {row['right_name']} on "
                         f"{source_id} ({listing}{'; ' + '; '.join(reason) if reason else ''}) with probability "
                         f"{row['probability']:.2f} ({row['decision']}). Signals: {signals}."),
            score=float(row["probability"]),
            refs=[FindingRef("entity", row["left_id"], "subject"), *refs.get(row["left_id"], []),
                  FindingRef("source", source_id, "list")],
            params={"list": source_id, "match": thresholds.match, "review": thresholds.review},
            query="screen: name-key and identifier blocking (resolve.blocking.cross_pairs_sql), "
                  "then resolve.scoring on the candidate pairs",
            details={"list_entity_id": row["right_id"], "programme": programme, "reason": reason,
                     "authority": authority, "decision": row["decision"], "explanation": explanation,
                     "canonical_id": canonical.get(row["left_id"], row["left_id"])})
        findings.append(finding)
        hits.append(ScreenHit(row["left_id"], str(canonical.get(row["left_id"], row["left_id"])), row["right_id"],
                              row["left_name"], row["right_name"], float(row["probability"]), row["decision"],
                              typology, programme, reason, authority, explanation, finding.finding_id))
    with engine.transaction():
        # A re-screen against the same list replaces its earlier hits, and only those.
        engine.replace_partition("screen_matches", {"list_source_id": source_id})
        write_findings(case, findings, screen_stamp(ScreenParams(source_id, thresholds.match, thresholds.review)))
        now = datetime.now(UTC).replace(tzinfo=None)
        for h in hits:
            engine.execute("INSERT INTO screen_matches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [source_id, h.entity_id, h.list_entity_id, h.entity_name, h.list_name, h.probability,
                            "; ".join(h.programme), "; ".join(h.reason), "; ".join(h.authority),
                            json.dumps(h.explanation, ensure_ascii=False), h.finding_id, now])
    return hits
